//! The portfolio-manager functions: targets and tolerance bands, order lists.

use super::{boundary, Buffers};
use crate::error::{Error, SwStatus, Targets};
use crate::orders::{self, Evaluation, Orders, TargetOutputs};
use crate::targets::{self, Broadcast};

fn band<'a>(name: &'static str, data: &'a [f64]) -> Broadcast<'a> {
    Broadcast { name, data }
}

/// Compares actual allocations with targets and tolerance bands, cell by cell:
///   active[i]   = actual[i] - target(i)
///   breaches[i] = 1 if |active[i]| > tolerance(i), else 0
/// where a target (or tolerance) array holds 1 value (for every cell), num_sectors values (one per
/// sector, the same for every portfolio) or actual_len values (one per cell).
///
/// Parameters:
///   actual, actual_len         num_portfolios * num_sectors allocations (e.g. from
///                              sw_sector_weights_ragged with SW_NORMALIZE); finite.
///   targets, targets_len       1, num_sectors or actual_len finite targets.
///   tolerance, tolerance_len   1, num_sectors or actual_len finite, non-negative tolerances.
///   num_sectors                sectors per portfolio (>= 1); actual_len must be a multiple.
///   active, active_len         output, actual_len doubles.
///   breaches, breaches_len     output, actual_len bytes (0 or 1).
///
/// Returns SW_OK, SW_ERROR_LENGTH_MISMATCH, SW_ERROR_NON_FINITE, SW_ERROR_INVALID_ARGUMENT (negative
/// tolerance, num_sectors 0), SW_ERROR_NULL_POINTER, SW_ERROR_MISALIGNED, SW_ERROR_SIZE_OVERFLOW,
/// SW_ERROR_OVERLAP or SW_ERROR_PANIC. On error neither output is written.
///
/// Thread safety: may be called from many threads at once.
///
/// # Safety
/// Each non-empty buffer must be valid for its stated number of elements for the whole call.
#[no_mangle]
pub unsafe extern "C" fn sw_compare_to_targets(
    actual: *const f64, actual_len: usize, targets: *const f64, targets_len: usize,
    tolerance: *const f64, tolerance_len: usize, num_sectors: usize, active: *mut f64,
    active_len: usize, breaches: *mut u8, breaches_len: usize,
) -> SwStatus {
    boundary(|| {
        let mut bufs = Buffers::<5>::new();
        // SAFETY: this function's arguments, valid for their lengths by its contract.
        let (actual, targets, tolerance, active, breaches) = unsafe {
            (
                bufs.input("actual", actual, actual_len),
                bufs.input("targets", targets, targets_len),
                bufs.input("tolerance", tolerance, tolerance_len),
                bufs.output("active", active, active_len),
                bufs.output("breaches", breaches, breaches_len),
            )
        };
        let ok = bufs.check()?;
        targets::compare(
            actual.slice(&ok),
            num_sectors,
            band("targets", targets.slice(&ok)),
            band("tolerance", tolerance.slice(&ok)),
            active.slice(&ok),
            breaches.slice(&ok),
        )
    })
}

/// Evaluates order lists against portfolios: portfolio p (holdings portfolio_offsets[p] ..
/// portfolio_offsets[p+1]-1) is paired with order list p (orders order_offsets[p] ..
/// order_offsets[p+1]-1). For each portfolio p and sector k:
///   before[p][k] = holdings in k / portfolio total (the sum of its values)
///   orders[p][k] = signed orders in k (buys > 0, sells < 0) / the sum of |order values| of list p
///   after[p][k]  = (holdings in k + orders in k) / (portfolio total + sum of order values)
/// and, when targets are given, active = after - target and breaches = |active| > tolerance, as in
/// sw_compare_to_targets.
///
/// Parameters:
///   portfolio_values, _len     market values of the holdings; finite.
///   portfolio_sectors, _len    one code per holding, in [0, num_sectors).
///   portfolio_offsets, _len    num_portfolios + 1 offsets into the holdings.
///   order_values, _len         signed order values; finite.
///   order_sectors, _len        one code per order, in [0, num_sectors).
///   order_offsets, _len        num_portfolios + 1 offsets into the orders (same length as
///                              portfolio_offsets).
///   num_sectors                number of sectors.
///   targets, targets_len       0 (no targets), or 1, num_sectors or num_portfolios*num_sectors targets.
///   tolerance, tolerance_len   0 (tolerance 0), or 1, num_sectors or num_portfolios*num_sectors
///                              non-negative tolerances; must be 0 without targets.
///   before, orders, after      outputs, num_portfolios*num_sectors doubles each (with lengths).
///   active, breaches           outputs (doubles, bytes), num_portfolios*num_sectors each when
///                              targets are given, else NULL with length 0.
///
/// Returns SW_OK, or: SW_ERROR_ZERO_TOTAL for a portfolio whose total is 0 (e.g. empty), an order
/// list that is empty or all zero, or a pro-forma total of 0 (each naming the portfolio or list);
/// SW_ERROR_SECTOR_OUT_OF_RANGE / SW_ERROR_NON_FINITE naming the holding ("bond i of portfolio p")
/// or order ("order i of order list p"); SW_ERROR_BAD_OFFSETS, SW_ERROR_LENGTH_MISMATCH,
/// SW_ERROR_NULL_POINTER, SW_ERROR_MISALIGNED, SW_ERROR_SIZE_OVERFLOW, SW_ERROR_OVERLAP,
/// SW_ERROR_INVALID_ARGUMENT, SW_ERROR_OUT_OF_MEMORY, SW_ERROR_THREAD_POOL, SW_ERROR_PANIC.
/// On any error no output is written.
///
/// Thread safety: may be called from many threads at once.
///
/// # Safety
/// Each non-empty buffer must be valid for its stated number of elements for the whole call.
#[no_mangle]
pub unsafe extern "C" fn sw_evaluate_orders(
    portfolio_values: *const f64, portfolio_values_len: usize, portfolio_sectors: *const i32,
    portfolio_sectors_len: usize, portfolio_offsets: *const i64, portfolio_offsets_len: usize,
    order_values: *const f64, order_values_len: usize, order_sectors: *const i32,
    order_sectors_len: usize, order_offsets: *const i64, order_offsets_len: usize,
    num_sectors: usize, targets: *const f64, targets_len: usize, tolerance: *const f64,
    tolerance_len: usize, before: *mut f64, before_len: usize, orders: *mut f64, orders_len: usize,
    after: *mut f64, after_len: usize, active: *mut f64, active_len: usize, breaches: *mut u8,
    breaches_len: usize,
) -> SwStatus {
    boundary(|| {
        let mut b = Buffers::<13>::new();
        // SAFETY: this function's arguments, valid for their lengths by its contract.
        let (pv, ps, po, ov, os, oo, t, tol) = unsafe {
            (
                b.input("portfolio_values", portfolio_values, portfolio_values_len),
                b.input("portfolio_sectors", portfolio_sectors, portfolio_sectors_len),
                b.input("portfolio_offsets", portfolio_offsets, portfolio_offsets_len),
                b.input("order_values", order_values, order_values_len),
                b.input("order_sectors", order_sectors, order_sectors_len),
                b.input("order_offsets", order_offsets, order_offsets_len),
                b.input("targets", targets, targets_len),
                b.input("tolerance", tolerance, tolerance_len),
            )
        };
        // SAFETY: as above.
        let (before, orders, after, active, breaches) = unsafe {
            (
                b.output("before", before, before_len),
                b.output("orders", orders, orders_len),
                b.output("after", after, after_len),
                b.output("active", active, active_len),
                b.output("breaches", breaches, breaches_len),
            )
        };
        let ok = b.check()?;
        if targets_len == 0 && (tolerance_len != 0 || active_len != 0 || breaches_len != 0) {
            return Err(Error::Targets(Targets::BandsWithoutTargets));
        }
        let input = Orders {
            portfolio_values: pv.slice(&ok),
            portfolio_sectors: ps.slice(&ok),
            portfolio_offsets: po.slice(&ok),
            order_values: ov.slice(&ok),
            order_sectors: os.slice(&ok),
            order_offsets: oo.slice(&ok),
            num_sectors,
        };
        let rows = [before, orders, after].map(|r| r.slice(&ok));
        let bands = (targets_len > 0)
            .then(|| (t.slice(&ok), tol.slice(&ok), active.slice(&ok), breaches.slice(&ok)));
        orders::evaluate(&input, evaluation(rows, bands))
    })
}

/// Targets, tolerances, active weights, breaches.
type Bands<'a> = (&'a [f64], &'a [f64], &'a mut [f64], &'a mut [u8]);

/// Where `sw_evaluate_orders` writes: the three allocations, and the comparison with the targets
/// when they are given (without a tolerance the band is 0: any difference is a breach).
fn evaluation<'a>(
    [before, orders, after]: [&'a mut [f64]; 3], bands: Option<Bands<'a>>,
) -> Evaluation<'a> {
    let targets = bands.map(|(targets, tolerance, active, breaches)| TargetOutputs {
        targets: band("targets", targets),
        tolerance: band("tolerance", if tolerance.is_empty() { &[0.0] } else { tolerance }),
        active,
        breaches,
    });
    Evaluation { before, orders, after, targets }
}
