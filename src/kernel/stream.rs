//! Walking a range of bonds in groups of [`GROUP`], each group's input prefetched [`AHEAD`] bonds
//! in advance (`prefetch-index`, a safe wrapper around the SSE prefetch instruction). Both the
//! scatter (`chunk.rs`) and the screens (`check.rs`) walk their input this way.
//!
//! Why the prefetch: a scatter spends about seven instructions per bond, so the reorder buffer
//! alone only keeps about 70 bonds (15 cache lines) of loads in flight, and the hardware
//! prefetchers did not close the gap on the development machine: one core summed 20,000,000 bonds
//! (18 sectors) in 24.9 ms before the prefetch (31ee27e) and 17.9 ms with it (3aa5b0d), two
//! threads in 12.1 and 7.9 ms (`benches/c/calls.c`: `calls 1 20000000 18 5 1 1`, and `... 1 2`).
//!
//! Why non-temporal (`prefetchnta`) in the screens and in scatters into small tables: the input
//! is read once per pass, so it should not push out of the caches what is read again — the
//! sector tables, the staged rows. One thread, `benches/c/ab.c` (T0 before, NTA after; medians of
//! interleaved rounds on the shared AMD EPYC): 500 x 50,000 x 1,000 0.85-0.98x, 500 x 50,000 x 18
//! 0.93x, 1 x 20,000,000 x 1,000 0.93x, 1 x 20,000,000 x 18 0.98x, 100,000 x 100 x 18 0.99x,
//! 20 x 50,000 (input in the L3 between calls) 0.97-1.02x from 18 to 32,768 sectors. A scatter
//! into a table larger than the L1, though, was mostly slower with NTA (20 x 50,000 x 65,536:
//! 0.99-1.085x in seven runs, five of them 1.015x or more) — presumably its row evicts the L1
//! lines an NTA prefetch filled before they are used — so those (`chunk::one_table`, beyond
//! `STREAM_MAX_SECTORS`) prefetch into every level as before: 0.97-1.00x there. Details in
//! docs/performance.md ("Many sectors").

use prefetch_index::{prefetch_index, prefetch_index_nta};

use super::columns::{Code, Weight};

/// How many bonds ahead the input is prefetched: [`AHEAD_STREAM`] non-temporally, else this
/// (4 KiB of float64 weights, 2 KiB of int32 codes).
const AHEAD: usize = 512;
/// How many bonds ahead a non-temporal prefetch runs: half of [`AHEAD`] (presumably because
/// lines that skip the L2 can leave the L1 before they are used; not measured). One thread,
/// `benches/c/ab.c`, both orders, 256 over 512: 500 x 50,000 x 1,000 0.945 and 0.946,
/// 1 x 20,000,000 x 1,000 0.953 and 0.945, 20 x 50,000 x 1,000 0.95 and 0.965, 18 sectors
/// 0.98-1.01; scatters into tables beyond
/// `STREAM_MAX_SECTORS` (prefetched into every level) were 1.01-1.02x slower with 256, so they
/// keep [`AHEAD`].
const AHEAD_STREAM: usize = 256;
/// Bonds per prefetch step: one cache line of codes, two of weights (and of values).
pub(super) const GROUP: usize = 16;

/// Runs `f(codes, weights, values)` on each whole group of `GROUP` bonds in order (`values` empty
/// unless `VALUES`), after prefetching the input of the group `AHEAD` (non-temporally
/// `AHEAD_STREAM`) bonds on. Returns how many bonds the groups covered (the rest is the caller's
/// tail), or `None` once `f` returns false.
/// `STREAM`: prefetch non-temporally (see the module docs); otherwise into every cache level.
#[inline(always)]
pub fn groups<const VALUES: bool, const STREAM: bool, W: Weight, C: Code>(
    w: &[W], v: &[W], c: &[C], mut f: impl FnMut(&[C], &[W], &[W]) -> bool,
) -> Option<usize> {
    let n = w.len();
    let (c, v) = (&c[..n], if VALUES { &v[..n] } else { &[][..] });
    let whole = n - n % GROUP;
    for (g, (cg, wg)) in
        c[..whole].chunks_exact(GROUP).zip(w[..whole].chunks_exact(GROUP)).enumerate()
    {
        let i = g * GROUP;
        prefetch_group::<STREAM, W, C>(w, VALUES.then_some(v), c, i);
        let vg = if VALUES { &v[i..i + GROUP] } else { &[][..] };
        if !f(cg, wg, vg) {
            return None;
        }
    }
    Some(whole)
}

/// Prefetches the input of the group of bonds [`AHEAD`] (non-temporally [`AHEAD_STREAM`]) after
/// the one starting at `i`: the cache lines of its codes and weights (and values); narrower types
/// prefetch a line more than once.
#[inline(always)]
fn prefetch_group<const STREAM: bool, W, C>(w: &[W], v: Option<&[W]>, c: &[C], i: usize) {
    let at = i + if STREAM { AHEAD_STREAM } else { AHEAD };
    prefetch_lines::<STREAM, W>(w, at);
    prefetch_lines::<STREAM, C>(c, at);
    if let Some(v) = v {
        prefetch_lines::<STREAM, W>(v, at);
    }
}

/// Prefetches the cache lines (64 bytes) holding elements `i..i + GROUP`: two for float64
/// weights or int64 codes, one for float32 or int32, one (shared with neighbouring groups) for
/// narrower codes.
#[inline(always)]
fn prefetch_lines<const STREAM: bool, T>(xs: &[T], i: usize) {
    let per_line = (64 / std::mem::size_of::<T>().max(1)).max(1);
    let mut k = 0;
    while k < GROUP {
        if STREAM {
            prefetch_index_nta(xs, i + k);
        } else {
            prefetch_index(xs, i + k);
        }
        k += per_line;
    }
}
