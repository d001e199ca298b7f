//! The safe Rust API: the C functions' computations on slices, returning owned results.

use crate::error::Result;
use crate::exact::Table;
use crate::kernel::{self, Codes, Floats, Input, Layout};
use crate::orders::{self, Evaluation, TargetOutputs};
use crate::targets::{self, Broadcast};
use crate::validate;

/// Per-sector sums of `num_portfolios` equal-sized portfolios (the article's layout):
/// `out[p * num_sectors + k]` is the sum of the weights of portfolio `p`'s bonds in sector `k`.
/// `weights.len()` must be a multiple of `num_portfolios`, every code in `0..num_sectors`, every
/// weight finite.
///
/// ```
/// let sums = sector_weights::sector_weights(&[1.0, 2.0, 3.0, 4.0], &[0, 0, 1, 0], 2, 2)?;
/// assert_eq!(sums, [3.0, 0.0, 4.0, 3.0]);
/// # Ok::<(), sector_weights::Error>(())
/// ```
pub fn sector_weights(
    weights: &[f64], sectors: &[i32], num_portfolios: usize, num_sectors: usize,
) -> Result<Vec<f64>> {
    let bonds_per_portfolio = weights.len().checked_div(num_portfolios).unwrap_or(0);
    let layout = Layout::Uniform { num_portfolios, bonds_per_portfolio };
    sums(weights, None, sectors, layout, num_sectors, false)
}

/// [`sector_weights`] in exact mode: each sum is the correctly rounded value of the exact sum
/// of its weights (see [`sector_weights_ragged_exact`]).
///
/// ```
/// let sums = sector_weights::sector_weights_exact(&[0.1, 0.2, 0.3, 0.3, 0.2, 0.1], &[0; 6], 2, 1)?;
/// assert_eq!(sums, [0.6, 0.6]); // in order, 0.1 + 0.2 + 0.3 is 0.6000000000000001
/// # Ok::<(), sector_weights::Error>(())
/// ```
pub fn sector_weights_exact(
    weights: &[f64], sectors: &[i32], num_portfolios: usize, num_sectors: usize,
) -> Result<Vec<f64>> {
    let bonds_per_portfolio = weights.len().checked_div(num_portfolios).unwrap_or(0);
    let layout = Layout::Uniform { num_portfolios, bonds_per_portfolio };
    run(&Input::new(weights, sectors, layout, num_sectors), Mode { normalize: false, exact: true })
}

/// Per-sector sums of portfolios of different sizes: portfolio `p` is bonds
/// `offsets[p]..offsets[p + 1]`. With `normalize`, each row is divided by the portfolio's total
/// (market values in, weights out).
///
/// ```
/// let values = [30.0, 10.0, 5.0];
/// let weights = sector_weights::sector_weights_ragged(&values, &[0, 1, 1], &[0, 2, 3], 2, true)?;
/// assert_eq!(weights, [0.75, 0.25, 0.0, 1.0]);
/// # Ok::<(), sector_weights::Error>(())
/// ```
pub fn sector_weights_ragged(
    weights: &[f64], sectors: &[i32], offsets: &[i64], num_sectors: usize, normalize: bool,
) -> Result<Vec<f64>> {
    let layout = Layout::Ragged(offsets);
    sums(weights, None, sectors, layout, num_sectors, normalize)
}

/// Per-sector exposures: sums of `weights[i] * values[i]` (contribution to duration, spread
/// duration, DTS...), portfolios given by offsets as in [`sector_weights_ragged`].
///
/// ```
/// let (w, duration) = ([0.6, 0.4], [5.0, 2.0]);
/// let exposure = sector_weights::sector_exposures(&w, &duration, &[0, 0], &[0, 2], 1, false)?;
/// assert_eq!(exposure, [3.8]);
/// # Ok::<(), sector_weights::Error>(())
/// ```
pub fn sector_exposures(
    weights: &[f64], values: &[f64], sectors: &[i32], offsets: &[i64], num_sectors: usize,
    normalize: bool,
) -> Result<Vec<f64>> {
    let layout = Layout::Ragged(offsets);
    sums(weights, Some(values), sectors, layout, num_sectors, normalize)
}

fn sums(
    weights: &[f64], values: Option<&[f64]>, codes: &[i32], layout: Layout, num_sectors: usize,
    normalize: bool,
) -> Result<Vec<f64>> {
    let values = values.map(Floats::F64);
    let input = Input { values, ..Input::new(weights, codes, layout, num_sectors) };
    run(&input, Mode { normalize, exact: false })
}

/// How a computation is run: normalised or not, exact or not.
#[derive(Clone, Copy)]
struct Mode {
    normalize: bool,
    exact: bool,
}

/// Allocates the output and runs the kernel in `mode`.
fn run(input: &Input, mode: Mode) -> Result<Vec<f64>> {
    let p = input.layout.num_portfolios();
    let cells = validate::mul(p, input.num_sectors, "num_portfolios * num_sectors")?;
    let mut out = vec![0.0; cells];
    if mode.exact {
        kernel::compute_exact(input, mode.normalize, &mut out)?;
    } else {
        kernel::compute(input, mode.normalize, &mut out)?;
    }
    Ok(out)
}

/// [`sector_weights_ragged`] in exact mode: each sum is the correctly rounded value of the exact
/// sum of its weights (what Python's `math.fsum` returns for them), so no thread count and no
/// order of a portfolio's bonds changes a bit; normalised rows are the exact sums divided by the
/// exact total, each rounded once. For equal-sized portfolios pass offsets `0, B, 2B, ...`.
///
/// ```
/// // 1e16 + 1 - 1e16 in the default mode is 0 (1e16 + 1 rounds to 1e16): exactly, it is 1.
/// let w = [1e16, 1.0, -1e16];
/// let exact = sector_weights::sector_weights_ragged_exact(&w, &[0, 0, 0], &[0, 3], 1, false)?;
/// assert_eq!(exact, [1.0]);
/// let shuffled = sector_weights::sector_weights_ragged_exact(&[1.0, -1e16, 1e16], &[0, 0, 0], &[0, 3], 1, false)?;
/// assert_eq!(shuffled, exact);
/// # Ok::<(), sector_weights::Error>(())
/// ```
pub fn sector_weights_ragged_exact(
    weights: &[f64], sectors: &[i32], offsets: &[i64], num_sectors: usize, normalize: bool,
) -> Result<Vec<f64>> {
    let input = Input::new(weights, sectors, Layout::Ragged(offsets), num_sectors);
    run(&input, Mode { normalize, exact: true })
}

/// [`sector_exposures`] in exact mode: each product `weights[i] * values[i]` is rounded once
/// (as in the default mode) and their sums are exact (see [`sector_weights_ragged_exact`]).
///
/// ```
/// let e = sector_weights::sector_exposures_exact(&[1e300, 1.0, -1e300], &[1.0, 1e-300, 1.0], &[0, 0, 0], &[0, 3], 1, false)?;
/// assert_eq!(e, [1e-300]);
/// # Ok::<(), sector_weights::Error>(())
/// ```
pub fn sector_exposures_exact(
    weights: &[f64], values: &[f64], sectors: &[i32], offsets: &[i64], num_sectors: usize,
    normalize: bool,
) -> Result<Vec<f64>> {
    let input = Input {
        values: Some(Floats::F64(values)),
        ..Input::new(weights, sectors, Layout::Ragged(offsets), num_sectors)
    };
    run(&input, Mode { normalize, exact: true })
}

/// Per-sector sums of a table whose rows name their portfolio, rows in any order (the grouped
/// layout): `out[p * num_sectors + k]` sums the weights (times the values, when given) of the rows
/// with portfolio code `p` and sector code `k`. Columns of any supported type are read in place;
/// with `normalize` each portfolio's row is divided by its total.
///
/// ```
/// use sector_weights::{grouped_sums, Codes, Floats};
/// let market_value = [30.0f32, 10.0, 5.0, 15.0];
/// let sector = [0i8, 1, 1, 0];
/// let fund = [1u32, 1, 0, 0];
/// let w = grouped_sums(Floats::F32(&market_value), None, Codes::I8(&sector), 2, Codes::U32(&fund), 2, true)?;
/// assert_eq!(w, [0.75, 0.25, 0.75, 0.25]);
/// # Ok::<(), sector_weights::Error>(())
/// ```
pub fn grouped_sums(
    weights: Floats, values: Option<Floats>, sectors: Codes, num_sectors: usize, portfolios: Codes,
    num_portfolios: usize, normalize: bool,
) -> Result<Vec<f64>> {
    let layout = Layout::Grouped { portfolios, num_portfolios };
    let input = Input { weights, values, codes: sectors, layout, num_sectors };
    run(&input, Mode { normalize, exact: false })
}

/// [`grouped_sums`] in exact mode: the same bits for any order of the rows (and any thread
/// count), each sum correctly rounded from its exact value (see
/// [`sector_weights_ragged_exact`]).
///
/// ```
/// use sector_weights::{grouped_sums_exact, Codes, Floats};
/// let (mv, sector, fund) = ([0.1, 0.2, 0.3, 1.0], [0i32, 0, 0, 1], [0u8, 0, 0, 0]);
/// let a = grouped_sums_exact(Floats::F64(&mv), None, Codes::I32(&sector), 2, Codes::U8(&fund), 1, false)?;
/// assert_eq!(a, [0.6, 1.0]); // math.fsum([0.1, 0.2, 0.3]) == 0.6; 0.1 + 0.2 + 0.3 is 0.6000000000000001
/// let (mv, sector) = ([1.0, 0.3, 0.2, 0.1], [1i32, 0, 0, 0]);
/// let b = grouped_sums_exact(Floats::F64(&mv), None, Codes::I32(&sector), 2, Codes::U8(&fund), 1, false)?;
/// assert_eq!(a, b);
/// # Ok::<(), sector_weights::Error>(())
/// ```
pub fn grouped_sums_exact(
    weights: Floats, values: Option<Floats>, sectors: Codes, num_sectors: usize, portfolios: Codes,
    num_portfolios: usize, normalize: bool,
) -> Result<Vec<f64>> {
    let layout = Layout::Grouped { portfolios, num_portfolios };
    let input = Input { weights, values, codes: sectors, layout, num_sectors };
    run(&input, Mode { normalize, exact: true })
}

/// A partial result: the exact per-portfolio, per-sector sums of some of a table's rows, which
/// merges with the partials of the other rows (in any order and grouping, bit for bit) and
/// saves to bytes, so rows that no one call sees whole (a Dask or Spark partition each) give
/// the result of one exact call over all of them. Every sum is exact until [`Partial::result`]
/// rounds it once.
///
/// ```
/// use sector_weights::{Codes, Floats, Partial};
/// let (mv, sector, fund) = ([30.0, 10.0, 5.0, 15.0], [0i8, 1, 1, 0], [1u32, 1, 0, 0]);
/// // Two workers, two rows each, any split of the rows.
/// let part = |r: std::ops::Range<usize>| {
///     let (w, s, p) = (Floats::F64(&mv[r.clone()]), Codes::I8(&sector[r.clone()]), Codes::U32(&fund[r]));
///     Partial::from_grouped(w, None, s, 2, p, 2)
/// };
/// let (a, b) = (part(0..2)?, part(2..4)?);
/// let saved = b.to_bytes()?; // shipped to another machine
/// let all = a.merge(&Partial::from_bytes(&saved)?)?;
/// assert_eq!(all.result(true)?, [0.75, 0.25, 0.75, 0.25]);
/// # Ok::<(), sector_weights::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Partial {
    table: Table,
}

impl Partial {
    /// The partial of a table's rows that name their portfolio, rows in any order (as
    /// [`grouped_sums`], whose checks and errors it shares): the exact sums of `weights[i]`
    /// (times `values[i]`) per portfolio code and sector code.
    pub fn from_grouped(
        weights: Floats, values: Option<Floats>, sectors: Codes, num_sectors: usize,
        portfolios: Codes, num_portfolios: usize,
    ) -> Result<Partial> {
        let layout = Layout::Grouped { portfolios, num_portfolios };
        Partial::from_input(&Input { weights, values, codes: sectors, layout, num_sectors })
    }

    /// The partial of any input the kernel reads (the C entry points' path).
    pub(crate) fn from_input(input: &Input) -> Result<Partial> {
        Ok(Partial { table: crate::partial::from_rows(input)? })
    }

    /// The partial of portfolios given by offsets (portfolio `p` is rows
    /// `offsets[p]..offsets[p + 1]`), as [`sector_exposures`] reads them.
    pub fn from_ragged(
        weights: Floats, values: Option<Floats>, sectors: Codes, num_sectors: usize,
        offsets: &[i64],
    ) -> Result<Partial> {
        let layout = Layout::Ragged(offsets);
        Partial::from_input(&Input { weights, values, codes: sectors, layout, num_sectors })
    }

    /// The partial of the rows of both: associative and commutative, bit for bit. Both must have
    /// the same shape.
    pub fn merge(&self, other: &Partial) -> Result<Partial> {
        let mut table = Table::new(self.num_portfolios(), self.num_sectors())?;
        table.merge(&self.table)?;
        table.merge(&other.table)?;
        Ok(Partial { table })
    }

    /// The partial as bytes (a versioned, checksummed format; equal partials, however they were
    /// merged, give equal bytes).
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        Ok(self.table.to_bytes()?)
    }

    /// A partial saved by [`Partial::to_bytes`]; bytes that are truncated, corrupted, of another
    /// format version or not a partial at all are an error (`SW_ERROR_BAD_PARTIAL`), never a
    /// partial of wrong sums.
    pub fn from_bytes(bytes: &[u8]) -> Result<Partial> {
        Ok(Partial { table: Table::from_bytes(bytes)? })
    }

    /// The sums, `num_portfolios × num_sectors` row-major, each the correctly rounded value of
    /// its exact sum (what `math.fsum` gives on the terms); with `normalize` each divided by its
    /// portfolio's exact total rounded once. A sum that rounds beyond the doubles, and
    /// normalising a zero total, are errors.
    pub fn result(&self, normalize: bool) -> Result<Vec<f64>> {
        let mut out = Vec::new();
        let cells = self.table.cells().len();
        out.try_reserve_exact(cells)
            .map_err(|_| crate::exact::ExactError::OutOfMemory { cells })?;
        out.resize(cells, 0.0);
        self.table.round(normalize, &mut out)?;
        Ok(out)
    }

    /// [`Partial::result`] into `out` (`num_portfolios × num_sectors` doubles), which is left
    /// untouched on error.
    pub fn result_into(&self, normalize: bool, out: &mut [f64]) -> Result<()> {
        Ok(self.table.round(normalize, out)?)
    }

    pub fn num_portfolios(&self) -> usize {
        self.table.portfolios()
    }

    pub fn num_sectors(&self) -> usize {
        self.table.sectors()
    }
}

/// Actual allocations compared with targets, cell by cell.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// `actual - target`.
    pub active: Vec<f64>,
    /// `|active| > tolerance`.
    pub breaches: Vec<bool>,
}

/// Compares `actual` (`num_portfolios x num_sectors`, row-major) with targets and tolerance
/// bands, each given as 1 value (every cell), `num_sectors` values (per sector) or one per cell.
///
/// ```
/// let c = sector_weights::compare_to_targets(&[0.5, 0.5], 2, &[0.4, 0.6], &[0.05])?;
/// assert_eq!(c.breaches, [true, true]);
/// # Ok::<(), sector_weights::Error>(())
/// ```
pub fn compare_to_targets(
    actual: &[f64], num_sectors: usize, targets: &[f64], tolerance: &[f64],
) -> Result<Comparison> {
    let mut active = vec![0.0; actual.len()];
    let mut breaches = vec![0u8; actual.len()];
    let (t, tol) = bands(targets, tolerance);
    targets::compare(actual, num_sectors, t, tol, &mut active, &mut breaches)?;
    Ok(Comparison { active, breaches: breaches.into_iter().map(|b| b != 0).collect() })
}

fn bands<'a>(targets: &'a [f64], tolerance: &'a [f64]) -> (Broadcast<'a>, Broadcast<'a>) {
    (Broadcast { name: "targets", data: targets }, Broadcast { name: "tolerance", data: tolerance })
}

/// Holdings or orders: values (market values, or signed order values: buys positive, sells
/// negative), their sector codes, and offsets splitting them into portfolios (or order lists).
#[derive(Debug, Clone, Copy)]
pub struct Book<'a> {
    pub values: &'a [f64],
    pub sectors: &'a [i32],
    pub offsets: &'a [i64],
}

/// The allocation before a list of orders, the orders' own sector mix, and after they fill.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderEvaluation {
    pub before: Vec<f64>,
    pub orders: Vec<f64>,
    pub after: Vec<f64>,
    /// `after` compared with the targets, when targets were given.
    pub comparison: Option<Comparison>,
}

/// Evaluates order list `p` against portfolio `p`, for every `p`: `before` = holdings / total,
/// `orders` = signed orders / gross order value, `after` = (holdings + orders) / (total + net
/// orders), and, with `targets = Some((targets, tolerance))`, `after` compared with them.
///
/// ```
/// let holdings = sector_weights::Book { values: &[60.0, 40.0], sectors: &[0, 1], offsets: &[0, 2] };
/// let orders = sector_weights::Book { values: &[-20.0, 20.0], sectors: &[0, 1], offsets: &[0, 2] };
/// let e = sector_weights::evaluate_orders(holdings, orders, 2, None)?;
/// assert_eq!(e.after, [0.4, 0.6]);
/// # Ok::<(), sector_weights::Error>(())
/// ```
pub fn evaluate_orders(
    holdings: Book, orders: Book, num_sectors: usize, targets: Option<(&[f64], &[f64])>,
) -> Result<OrderEvaluation> {
    let p = holdings.offsets.len().saturating_sub(1);
    let cells = validate::mul(p, num_sectors, "num_portfolios * num_sectors")?;
    let (mut before, mut ordered, mut after) =
        (vec![0.0; cells], vec![0.0; cells], vec![0.0; cells]);
    let (mut active, mut breaches) = (vec![0.0; cells], vec![0u8; cells]);
    let input = orders::Orders {
        portfolio_values: holdings.values,
        portfolio_sectors: holdings.sectors,
        portfolio_offsets: holdings.offsets,
        order_values: orders.values,
        order_sectors: orders.sectors,
        order_offsets: orders.offsets,
        num_sectors,
    };
    let target_outputs = targets.map(|(t, tol)| {
        let (targets, tolerance) = bands(t, tol);
        TargetOutputs { targets, tolerance, active: &mut active, breaches: &mut breaches }
    });
    let has_targets = target_outputs.is_some();
    let out = Evaluation {
        before: &mut before,
        orders: &mut ordered,
        after: &mut after,
        targets: target_outputs,
    };
    orders::evaluate(&input, out)?;
    let comparison = has_targets
        .then(|| Comparison { active, breaches: breaches.into_iter().map(|b| b != 0).collect() });
    Ok(OrderEvaluation { before, orders: ordered, after, comparison })
}

/// Uses `n` worker threads from now on (0 = the default: `SECTOR_WEIGHTS_NUM_THREADS`, else
/// `RAYON_NUM_THREADS`, else `OMP_NUM_THREADS`, else all logical CPUs; docs/guarantees.md).
/// Safe while other threads compute; results never depend on it.
pub fn set_num_threads(n: usize) -> Result<()> {
    crate::pool::set_num_threads(n)
}

/// The number of worker threads computations use now.
pub fn num_threads() -> Result<usize> {
    crate::pool::num_threads()
}
