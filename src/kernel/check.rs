//! The vectorised screens: whether a range's codes are in range and its terms finite, and where
//! the first bad element is. They run before rows are written directly, and after a chunk's sums
//! show that something was wrong.

use super::columns::{Code, Weight};
use super::stream::{groups, GROUP};
use crate::error::Bad;

/// Sums below this bound cannot overflow: a finite sum of `|term|`s bounds every partial sum of
/// the terms, in any order, within a factor `1 + n eps` (far below 4).
pub(super) const SAFE_MAGNITUDE: f64 = f64::MAX / 4.0;

/// One read of a range, vectorised: whether every code is below `code_limit(s)`, and the sum of
/// `|w[i]|` (times `|v[i]|`). A finite sum proves every term finite; below [`SAFE_MAGNITUDE`]
/// nothing summed from the terms can overflow.
pub fn screen<W: Weight, C: Code>(w: &[W], v: Option<&[W]>, c: &[C], s: usize) -> (bool, f64) {
    // One loop per case, so that neither tests `v` per group (that cost the codes test its
    // vectorisation: +230 instructions per 100 bonds).
    match v {
        None => screen_terms::<false, W, C>(w, &[], c, s),
        Some(v) => screen_terms::<true, W, C>(w, v, c, s),
    }
}

/// [`screen`] with `w[i]` (times `v[i]` when `VALUES`) as the terms.
fn screen_terms<const VALUES: bool, W: Weight, C: Code>(
    w: &[W], v: &[W], c: &[C], s: usize,
) -> (bool, f64) {
    let lim = C::limit(s);
    let n = w.len();
    let c = &c[..n];
    let v = if VALUES { &v[..n] } else { &[][..] };
    let mut bad = [0u32; 8];
    let mut z = [0.0f64; 8];
    // The input is read once here: prefetched non-temporally (`stream.rs`).
    let whole = groups::<VALUES, true, W, C>(w, v, c, |cg, wg, vg| {
        for j in 0..GROUP {
            bad[j % 8] |= u32::from(cg[j].index() >= lim);
        }
        // The group's two halves are added first, so each accumulator takes one addition per
        // group: half the dependency chain (the screen of 100 bonds was latency-bound).
        let term = |j: usize| {
            if VALUES {
                (wg[j].f64() * vg[j].f64()).abs()
            } else {
                wg[j].f64().abs()
            }
        };
        for j in 0..GROUP / 2 {
            z[j % 8] += term(j) + term(j + GROUP / 2);
        }
        true
    })
    .expect("the screen never stops early");
    let mut tail = 0.0;
    let mut ok = bad.iter().all(|&b| b == 0);
    for i in whole..n {
        ok &= c[i].index() < lim;
        tail += if VALUES { w[i].f64() * v[i].f64() } else { w[i].f64() }.abs();
    }
    (ok, z.iter().fold(tail, |a, &b| a + b))
}

/// Whether every value is finite, without branches: `x * 0.0` is ±0 for a finite `x` and NaN
/// otherwise, and eight independent sums of those vectorise.
pub fn all_finite<W: Weight>(xs: &[W]) -> bool {
    let mut z = [0.0f64; 8];
    let mut blocks = xs.chunks_exact(8);
    for b in &mut blocks {
        for j in 0..8 {
            z[j] += b[j].f64() * 0.0;
        }
    }
    let tail = blocks.remainder().iter().fold(0.0, |a, &x| a + x.f64() * 0.0);
    z.iter().fold(tail, |a, &b| a + b) == 0.0
}

/// Whether every code is below `lim` (as an index), without branches.
fn all_codes_below<C: Code>(c: &[C], lim: C::Index) -> bool {
    let mut bad = [0u32; 8];
    let mut blocks = c.chunks_exact(8);
    for b in &mut blocks {
        for j in 0..8 {
            bad[j] |= u32::from(b[j].index() >= lim);
        }
    }
    blocks.remainder().iter().all(|&k| k.index() < lim) && bad.iter().all(|&b| b == 0)
}

/// The first bad element of a range, screening blocks without branches and locating only in a
/// failing block.
pub fn find_bad<W: Weight, C: Code>(
    w: &[W], v: Option<&[W]>, c: &[C], s: usize,
) -> Option<(usize, Bad)> {
    const BLOCK: usize = 1024;
    let lim = C::limit(s);
    let mut start = 0;
    while start < w.len() {
        let end = (start + BLOCK).min(w.len());
        let ok = all_codes_below(&c[start..end], lim)
            && all_finite(&w[start..end])
            && v.is_none_or(|v| all_finite(&v[start..end]));
        if !ok {
            return (start..end)
                .find_map(|i| classify(w[i], v.map(|v| v[i]), c[i], lim).map(|b| (i, b)));
        }
        start = end;
    }
    None
}

/// What is wrong with one bond, if anything. Codes are checked first, then weights, then values.
#[inline(always)]
fn classify<W: Weight, C: Code>(w: W, v: Option<W>, code: C, lim: C::Index) -> Option<Bad> {
    let (w, v) = (w.f64(), v.map(W::f64));
    if code.index() >= lim {
        Some(Bad::Code(code.value()))
    } else if !w.is_finite() {
        Some(Bad::Weight(w))
    } else {
        match v {
            Some(v) if !v.is_finite() => Some(Bad::Value(v)),
            _ => None,
        }
    }
}
