//! Pass 1 of a chunk's exact scan (`chunk.rs`): one block's largest and least nonzero `|term|`
//! and whether every code and term is valid, vectorised and without branches, while the next
//! block is prefetched (beyond 64 sectors; up to 64 the float pairs' scatter prefetches it).

use prefetch_index::prefetch_index;

use super::chunk::term;
use crate::kernel::columns::{Code, Weight};

/// The input after a block, prefetched while the block is screened: the next block is on its
/// way from memory while this one is summed (the hardware prefetchers alone left a whole call
/// over 300 MB of input memory-bound, at a third of the default kernel's speed).
#[derive(Clone, Copy)]
pub(super) struct Ahead<'a, W, C> {
    pub w: &'a [W],
    pub v: &'a [W],
    pub c: &'a [C],
}

impl<W, C> Ahead<'_, W, C> {
    /// Nothing to prefetch.
    pub fn none() -> Self {
        Ahead { w: &[], v: &[], c: &[] }
    }
}

/// What pass 1 learns about a block.
pub(super) struct Span {
    /// The largest `|term|` (meaningless if `bad`).
    pub max: f64,
    /// The least nonzero `|term|` (`+∞` if none).
    pub min_nonzero: f64,
    /// Some code is not below the limit, or some term is NaN or infinite.
    pub bad: bool,
}

/// Pass 1 over a block, without branches and vectorised: whether every code is below `lim` and
/// every term finite, and the largest and least nonzero `|term|`.
#[inline(always)]
pub(super) fn span<const VALUES: bool, W: Weight, C: Code>(
    w: &[W], v: &[W], c: &[C], lim: C::Index, ahead: Ahead<W, C>,
) -> Span {
    let n = w.len();
    let mut codes = [0u32; 8];
    let mut blocks = c.chunks_exact(8);
    for (i, b) in (&mut blocks).enumerate() {
        // One cache line of float64 weights (and of values), half a line of int32 codes.
        prefetch_index(ahead.w, 8 * i);
        prefetch_index(ahead.c, 8 * i);
        if VALUES {
            prefetch_index(ahead.v, 8 * i);
        }
        for j in 0..8 {
            codes[j] |= u32::from(b[j].index() >= lim);
        }
    }
    let codes_ok =
        codes.iter().all(|&b| b == 0) && blocks.remainder().iter().all(|k| k.index() < lim);
    let mut max = [0.0f64; 4];
    let mut min = [f64::INFINITY; 4];
    // Sums of `|x|`: NaN if and only if some term is NaN (an infinite term makes `max`
    // infinite; a sum of finite terms may reach +∞ but never NaN).
    let mut z = [0.0f64; 4];
    let quads = n / 4;
    let (w4, v4) = (&w[..4 * quads], if VALUES { &v[..4 * quads] } else { &[][..] });
    for q in 0..quads {
        for j in 0..4 {
            let a = term::<VALUES, W>(w4, v4, 4 * q + j).abs();
            z[j] += a;
            // Accumulator first, so that each is one max/min instruction on it (a NaN term may
            // reset them, but makes `z` NaN, which is checked first).
            max[j] = if max[j] > a { max[j] } else { a };
            min[j] = if min[j] < a { min[j] } else { a };
        }
    }
    let nan = z.iter().fold(0.0, |a, &b| a + b).is_nan();
    let (mut max, mut min) = (
        max.iter().fold(0.0f64, |a, &b| a.max(b)),
        min.iter().fold(f64::INFINITY, |a, &b| a.min(b)),
    );
    let mut bad = !codes_ok || nan;
    for i in 4 * quads..n {
        let a = term::<VALUES, W>(w, v, i).abs();
        bad |= !a.is_finite();
        (max, min) = (max.max(a), min.min(a));
    }
    bad |= !max.is_finite();
    if min == 0.0 && max > 0.0 {
        min = min_nonzero::<VALUES, W>(w, v);
    }
    Span { max, min_nonzero: min, bad }
}

/// The least nonzero `|term|` of a block that has zeros (`+∞` if all are zero): found as the
/// least predecessor of `|term|`, since the predecessor of +0.0 (bits all ones) is a NaN,
/// which a `<` never picks.
#[cold]
fn min_nonzero<const VALUES: bool, W: Weight>(w: &[W], v: &[W]) -> f64 {
    let mut least = [f64::INFINITY; 4];
    let quads = w.len() / 4;
    let (w4, v4) = (&w[..4 * quads], if VALUES { &v[..4 * quads] } else { &[][..] });
    for q in 0..quads {
        for (j, least) in least.iter_mut().enumerate() {
            let a = term::<VALUES, W>(w4, v4, 4 * q + j).abs();
            let pred = f64::from_bits(a.to_bits().wrapping_sub(1));
            *least = if pred < *least { pred } else { *least };
        }
    }
    let pred = least.iter().fold(f64::INFINITY, |a, &b| a.min(b));
    let mut min = if pred.is_finite() { f64::from_bits(pred.to_bits() + 1) } else { pred };
    for i in 4 * quads..w.len() {
        let a = term::<VALUES, W>(w, v, i).abs();
        if a != 0.0 {
            min = min.min(a);
        }
    }
    min
}
