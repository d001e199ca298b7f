//! Exact sums (issue 16): every sector sum is the correctly rounded value of the exact sum of its
//! terms — the double `math.fsum` returns for them — so no thread count, row order or split of
//! the rows can change a bit of it. Safe Rust only.
//!
//! - `acc.rs`: [`Acc`], one cell's exact sum (24 bytes inline; a heap window for wide sums);
//! - `long.rs`: the long fixed-point window behind wide cells;
//! - `round.rs`: the one rounding, to nearest with ties to even;
//! - `chunk.rs`: [`scan`], one chunk of bonds into a row of cells, checks included (the kernel's
//!   hot loop in exact mode: per block, error-free float pairs, 128-bit fixed-point sums per
//!   sector, or one term at a time, by the span of the block's exponents);
//! - `span.rs`: the scan's first pass over a block (its exponents' span, and its checks);
//! - `pair.rs`: the fast path, each term split exactly into two doubles whose per-sector sums
//!   are exact (blocks spanning up to 28 binades, up to 64 sectors);
//! - `table.rs`: [`Table`], `portfolios × sectors` cells that merge and round, and the row
//!   rounding the kernel uses ([`round_row`], [`round_row_normalised`]);
//! - `bytes.rs`: the versioned, checksummed byte format of a [`Table`] (mergeable partials).
//!
//! # What is computed
//!
//! A cell's value is the exact real sum of its terms (a weight, or `fl(weight × value)` rounded
//! once for exposures). Rounding it gives the nearest double, ties to even; an exact zero (no
//! terms, or terms that cancel, or only zeros of either sign) is `+0.0`. That is what
//! `math.fsum` returns on CPython 3.11.7, 3.12.1 and 3.13.0 here (`math.fsum([])`,
//! `math.fsum([-0.0])` and `math.fsum([1.0, -1.0])` are all `0.0`), and what the default kernel
//! returns for such cells (its sums start at `+0.0`). Unlike `math.fsum` there is no intermediate
//! overflow: `1e308 + 1e308 - 1e308` is `1e308`. A sum whose rounded value is not finite
//! (`|sum| >= f64::MAX + ulp/2`) is an error ([`Overflow`]), never `±∞`.
//!
//! Normalised rows: each cell is rounded as above, and divided by the row's total rounded the
//! same way (the exact sum of the row's cells, rounded once), so
//! `out[k] = fl(round(S_k) / round(T))` — what `math.fsum(sector) / math.fsum(row)` gives in
//! Python. An exact total of zero is [`RowError::ZeroTotal`].
//!
//! # What the kernel calls
//!
//! Per portfolio `p` with bonds `r` (typed columns from `with_columns!`):
//! 1. a row of `num_sectors` accumulators, `vec![Acc::ZERO; s]` (24 bytes a cell; reuse one per
//!    thread with `row.fill(Acc::ZERO)`);
//! 2. for each chunk of the portfolio (`chunk_len(s)` bonds, as today),
//!    `exact::scan::<VALUES, W, C>(w, v, c, &mut row)`: it checks every code and term and adds
//!    the chunk's terms into the row. Chunks may be scanned in any order, into one row or into
//!    separate rows merged afterwards with [`Acc::merge`] cell by cell, in any order or tree:
//!    the bits are the same. On `Err` the row is garbage; the [`Stop`]s map to today's errors:
//!    `Bad(i, bad)` exactly as `chunk::Stop::Bad` (add the chunk's first bond); a
//!    `ProductOverflow { sector, negative, .. }` is `Data::SumOverflow { sector, sum: ±∞ }`,
//!    ranked as a row failure (a bad element in a later chunk outranks it); `OutOfMemory` is
//!    `Resource::Lanes`; `Internal` is `Error::Internal`;
//! 3. [`round_row`] or [`round_row_normalised`] into the portfolio's output row. The
//!    [`RowError`]s map to `Data::SumOverflow` (`sum: ±∞`), `Data::ZeroTotal`,
//!    `Data::TotalOverflow` (`total: ±∞`) and `Data::NormalisedOverflow`, checked in the default
//!    kernel's order.
//!
//! Partial results (issue 16 §2) are a [`Table`]: `Table::new(P, S)`, each portfolio scanned
//! into `table.row_mut(p)`, then [`Table::merge`], [`Table::to_bytes`], [`Table::from_bytes`]
//! and [`Table::round`]. [`ExactError::status_name`] says which C status each error becomes.
//!
//! Memory: 24 bytes per cell (plus 32 bytes and 8 per 64-bit limb on the heap for a cell whose
//! exact sum has more than 127 significant bits — 1e300 plus 1e-300, not weights near 1); per
//! chunk being scanned, up to 64 sectors 8 KiB on the stack (4 KiB of float pairs, 4 KiB of
//! 128-bit lanes), beyond 64 KiB of lanes (up to 1,024) or 16 bytes per sector, and 32 KiB of
//! powers of two once a block needs the 128-bit window (never for a chunk the pairs take
//! whole). Nothing is allocated per bond.

mod acc;
mod bytes;
mod chunk;
mod long;
mod pair;
mod round;
mod span;
mod table;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_pair;

use std::fmt;

pub use acc::{Acc, Capacity};
pub(crate) use acc::{CAP_BITS, LSB};
pub use bytes::BytesError;
pub use chunk::{scan, Stop};
pub use round::Overflow;
pub use table::{round_row, round_row_normalised, RowError, Table};

/// What can go wrong with tables of exact sums (see [`ExactError::status_name`] for the C status
/// each should become).
#[derive(Debug, Clone, PartialEq)]
pub enum ExactError {
    /// `portfolios × sectors` does not fit in `usize`.
    TooLarge { portfolios: u64, sectors: u64 },
    /// Memory for this many cells (or output doubles) could not be allocated.
    OutOfMemory { cells: usize },
    /// Two tables to merge have different shapes (`portfolios, sectors`).
    ShapeMismatch { left: (usize, usize), right: (usize, usize) },
    /// A cell of a merge has reached [`CAP_BITS`] (no sum of doubles comes near).
    Capacity { portfolio: usize, sector: usize },
    /// The output has the wrong number of doubles.
    OutputLength { got: usize, want: usize },
    /// A row cannot be rounded (overflow, or a zero total to normalise by).
    Row { portfolio: usize, error: RowError },
    /// Bytes that are not a valid saved table.
    Bytes(BytesError),
}

impl ExactError {
    /// The C status this error should map to (`sw_status_name` spelling). Byte-format errors
    /// have no status yet: `SW_ERROR_BAD_PARTIAL` is the proposed one.
    pub fn status_name(&self) -> &'static str {
        match self {
            ExactError::TooLarge { .. } => "SW_ERROR_SIZE_OVERFLOW",
            ExactError::OutOfMemory { .. } => "SW_ERROR_OUT_OF_MEMORY",
            ExactError::ShapeMismatch { .. } | ExactError::OutputLength { .. } => {
                "SW_ERROR_LENGTH_MISMATCH"
            }
            ExactError::Capacity { .. } => "SW_ERROR_NON_FINITE",
            ExactError::Row { error: RowError::ZeroTotal, .. } => "SW_ERROR_ZERO_TOTAL",
            ExactError::Row { .. } => "SW_ERROR_NON_FINITE",
            ExactError::Bytes(_) => "SW_ERROR_BAD_PARTIAL",
        }
    }
}

impl fmt::Display for ExactError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExactError::TooLarge { portfolios, sectors } => {
                write!(f, "{portfolios} portfolios x {sectors} sectors overflows size_t")
            }
            ExactError::OutOfMemory { cells } => {
                write!(f, "could not allocate {cells} cells of exact sums")
            }
            ExactError::ShapeMismatch { left, right } => write!(
                f,
                "cannot merge partial results of {} portfolios x {} sectors with {} x {}",
                left.0, left.1, right.0, right.1
            ),
            ExactError::Capacity { portfolio, sector } => write!(
                f,
                "the exact sum of sector {sector} of portfolio {portfolio} exceeds 2^{} (merged \
                 with itself too often)",
                CAP_BITS as i32 - LSB
            ),
            ExactError::OutputLength { got, want } => {
                write!(f, "out has {got} elements but must have {want}")
            }
            ExactError::Row { portfolio, error } => error.describe(f, *portfolio),
            ExactError::Bytes(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for ExactError {}

impl From<BytesError> for ExactError {
    fn from(e: BytesError) -> Self {
        ExactError::Bytes(e)
    }
}
