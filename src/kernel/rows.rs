//! Many small portfolios, a block at a time: equal portfolios of one chunk each (e.g. 100,000
//! portfolios of 100 bonds).
//!
//! `job.rs` sums such a block portfolio by portfolio, and used to carry a possible failure (an
//! `Option` of a ranked error, over 100 bytes) from each portfolio to the next, checking each
//! row as it went: about 90 instructions a portfolio on top of the roughly 850 of summing 100
//! bonds, and most of the time outside the scatter itself (`perf annotate`: the moves of that
//! `Option`). Here every portfolio is summed by `chunk::scan` as before (so the same bits), and
//! the block stops at its first problem, which the caller then names portfolio by portfolio.

use super::check::all_finite;
use super::chunk;
use super::columns::{Code, Weight};

/// Sums the portfolios of a block, `b` bonds each (`w`, `c`, and `v` when `VALUES`, hold the
/// block's bonds; `rows` their rows of `s` doubles), each with `chunk::scan`.
///
/// `Some(finite)` when no portfolio stopped (every code in range and, unless `prechecked`,
/// every term finite); `finite`: every sum was found finite, so no row overflowed. `None` when a
/// portfolio stopped (the rows then hold garbage).
pub fn summed<const VALUES: bool, W: Weight, C: Code>(
    w: &[W], v: &[W], c: &[C], b: usize, s: usize, rows: &mut [f64], prechecked: bool,
) -> Option<bool> {
    let mut finite = true;
    for (q, row) in rows.chunks_exact_mut(s).enumerate() {
        let r = q * b..(q + 1) * b;
        let vr = if VALUES { &v[r.clone()] } else { v };
        // Each scan still checks its codes; the sums are checked below, all rows at once.
        finite &= chunk::scan::<VALUES, W, C>(&w[r.clone()], vr, &c[r], row, true).ok()?;
    }
    if prechecked {
        return Some(finite);
    }
    // A NaN or infinite term never leaves its sum finite, nor does an overflow: finite rows
    // prove both absent. Checked per portfolio, each check read its row right after the scatter
    // wrote it, and its vector loads waited for those stores (a store-forwarding stall per row).
    all_finite(rows).then_some(true)
}
