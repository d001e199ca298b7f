//! [`Table`]: `portfolios × sectors` exact accumulators, row-major — a partial result that
//! merges with others of the same shape and rounds into the doubles of one call. And the
//! rounding of one row, which the kernel uses in exact mode.

use std::fmt;

use super::acc::{Acc, CAP_BITS};
use super::ExactError;

/// A table of exact sums.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    portfolios: usize,
    sectors: usize,
    cells: Vec<Acc>,
}

/// Why a row cannot be rounded: checked in this order, as the default kernel does.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum RowError {
    /// The first sector whose rounded sum is not finite (its sign: `-∞` when `negative`).
    SumOverflow { sector: usize, negative: bool },
    /// Normalising: the exact total of the row is zero.
    ZeroTotal,
    /// Normalising: the rounded total is not finite.
    TotalOverflow { negative: bool },
    /// Normalising: the first sector whose ratio `value = sum / total` is not finite (a total
    /// that is tiny beside the sum).
    NormalisedOverflow { sector: usize, total: f64, value: f64 },
}

impl RowError {
    /// The message, in the words of the default kernel's errors.
    pub(super) fn describe(&self, f: &mut fmt::Formatter<'_>, portfolio: usize) -> fmt::Result {
        let inf = |negative: bool| if negative { "-inf" } else { "inf" };
        match *self {
            RowError::SumOverflow { sector, negative } => write!(
                f,
                "the sum of sector {sector} of portfolio {portfolio} overflows ({})",
                inf(negative)
            ),
            RowError::ZeroTotal => {
                write!(f, "portfolio {portfolio} has an exact total of 0 and cannot be normalised")
            }
            RowError::TotalOverflow { negative } => write!(
                f,
                "the total of portfolio {portfolio} overflows ({}), so it cannot be normalised",
                inf(negative)
            ),
            RowError::NormalisedOverflow { sector, total, value } => write!(
                f,
                "sector {sector} of portfolio {portfolio} divided by the total {total:e} \
                 overflows ({value})"
            ),
        }
    }
}

impl Table {
    /// A table of zeros.
    pub fn new(portfolios: usize, sectors: usize) -> Result<Table, ExactError> {
        let cells = portfolios.checked_mul(sectors).ok_or(ExactError::TooLarge {
            portfolios: portfolios as u64,
            sectors: sectors as u64,
        })?;
        let mut v = Vec::new();
        v.try_reserve_exact(cells).map_err(|_| ExactError::OutOfMemory { cells })?;
        v.resize(cells, Acc::ZERO);
        Ok(Table { portfolios, sectors, cells: v })
    }

    /// A table made of `cells` (row-major, `portfolios × sectors` of them).
    pub(super) fn from_cells(portfolios: usize, sectors: usize, cells: Vec<Acc>) -> Table {
        debug_assert_eq!(cells.len(), portfolios * sectors);
        Table { portfolios, sectors, cells }
    }

    pub fn portfolios(&self) -> usize {
        self.portfolios
    }

    pub fn sectors(&self) -> usize {
        self.sectors
    }

    /// Every cell, row-major.
    pub fn cells(&self) -> &[Acc] {
        &self.cells
    }

    /// Every cell, row-major: portfolio `p`'s row is `p * sectors..(p + 1) * sectors`.
    pub fn cells_mut(&mut self) -> &mut [Acc] {
        &mut self.cells
    }

    /// The row of portfolio `p` (`p < portfolios`).
    pub fn row(&self, p: usize) -> &[Acc] {
        &self.cells[p * self.sectors..(p + 1) * self.sectors]
    }

    /// The row of portfolio `p` (`p < portfolios`), to scan chunks into.
    pub fn row_mut(&mut self, p: usize) -> &mut [Acc] {
        &mut self.cells[p * self.sectors..(p + 1) * self.sectors]
    }

    /// Adds `other` into `self`, cell by cell, exactly: associative and commutative bit for
    /// bit. On error `self` is unchanged.
    pub fn merge(&mut self, other: &Table) -> Result<(), ExactError> {
        if (self.portfolios, self.sectors) != (other.portfolios, other.sectors) {
            return Err(ExactError::ShapeMismatch {
                left: (self.portfolios, self.sectors),
                right: (other.portfolios, other.sectors),
            });
        }
        // Check every cell before changing any.
        let full = self
            .cells
            .iter()
            .zip(&other.cells)
            .position(|(a, b)| a.bits().max(b.bits()) >= CAP_BITS);
        if let Some(i) = full {
            return Err(self.capacity(i));
        }
        for (i, (a, b)) in self.cells.iter_mut().zip(&other.cells).enumerate() {
            if a.merge(b).is_err() {
                // Unreachable after the check above.
                return Err(ExactError::Capacity {
                    portfolio: i / self.sectors,
                    sector: i % self.sectors,
                });
            }
        }
        Ok(())
    }

    fn capacity(&self, cell: usize) -> ExactError {
        ExactError::Capacity { portfolio: cell / self.sectors, sector: cell % self.sectors }
    }

    /// Rounds every cell into `out` (`portfolios × sectors`, row-major), each row normalised by
    /// its total when `normalize` (see [`round_row_normalised`]). On error `out` is unchanged;
    /// the error is the first failing row's.
    pub fn round(&self, normalize: bool, out: &mut [f64]) -> Result<(), ExactError> {
        let want = self.cells.len();
        if out.len() != want {
            return Err(ExactError::OutputLength { got: out.len(), want });
        }
        let mut rows = Vec::new();
        rows.try_reserve_exact(want).map_err(|_| ExactError::OutOfMemory { cells: want })?;
        rows.resize(want, 0.0);
        if self.sectors == 0 {
            // No cells, but normalising still needs a nonzero total per portfolio.
            return match (normalize, self.portfolios) {
                (true, 1..) => Err(ExactError::Row { portfolio: 0, error: RowError::ZeroTotal }),
                _ => Ok(()),
            };
        }
        let pairs = self.cells.chunks(self.sectors).zip(rows.chunks_mut(self.sectors));
        for (p, (row, dst)) in pairs.enumerate() {
            let done = if normalize { round_row_normalised(row, dst) } else { round_row(row, dst) };
            done.map_err(|error| ExactError::Row { portfolio: p, error })?;
        }
        out.copy_from_slice(&rows);
        Ok(())
    }
}

/// Rounds each cell of `row` into `out` (as long as `row`). On error `out` holds garbage.
pub fn round_row(row: &[Acc], out: &mut [f64]) -> Result<(), RowError> {
    debug_assert_eq!(row.len(), out.len());
    for (sector, (acc, x)) in row.iter().zip(out.iter_mut()).enumerate() {
        *x = acc.round().map_err(|o| RowError::SumOverflow { sector, negative: o.negative })?;
    }
    Ok(())
}

/// Rounds each cell of `row` into `out` (as long as `row`), divided by the row's exact total
/// rounded once: `out[k] = fl(round(row[k]) / round(Σ row))`. On error `out` holds garbage.
pub fn round_row_normalised(row: &[Acc], out: &mut [f64]) -> Result<(), RowError> {
    round_row(row, out)?;
    let mut total = Acc::ZERO;
    for acc in row {
        // Every cell rounded to a finite double, so is below 2^1024: the total has at most
        // 2,098 + log2(sectors) + 1 bits, far below the capacity.
        total.merge(acc).map_err(|_| RowError::TotalOverflow { negative: false })?;
    }
    if total.is_zero() {
        return Err(RowError::ZeroTotal);
    }
    let total = total.round().map_err(|o| RowError::TotalOverflow { negative: o.negative })?;
    for (sector, x) in out.iter_mut().enumerate() {
        let value = *x / total;
        if !value.is_finite() {
            return Err(RowError::NormalisedOverflow { sector, total, value });
        }
        *x = value;
    }
    Ok(())
}
