//! The inner loops, safe Rust: adding each bond into its sector's cell (the scatter) and the
//! vectorised screens that check codes and weights. [`crate::kernel`] decides which to run where.
//!
//! Every loop here reads its input `AHEAD` bonds in advance with a prefetch (`prefetch-index`,
//! a safe wrapper around the SSE prefetch instruction). A scatter spends about seven
//! instructions per bond, so the reorder buffer alone only keeps about 70 bonds (15 cache lines)
//! of loads in flight, and the hardware prefetchers did not close the gap on the development
//! machine: one core summed 20,000,000 bonds (18 sectors) in 24.9 ms before the prefetch
//! (31ee27e) and 17.9 ms with it (3aa5b0d), two threads in 12.1 and 7.9 ms
//! (`benches/c/calls.c`: `calls 1 20000000 18 5 1 1`, and `... 1 2`).

use prefetch_index::prefetch_index;

use crate::validate::Bad;

/// How many bonds ahead the input is prefetched (4 KiB of weights, 2 KiB of codes).
const AHEAD: usize = 512;
/// Bonds per prefetch step: one cache line of codes, two of weights (and of values).
const GROUP: usize = 16;

/// Sector tables a scatter adds into: `add(j, k, x)` adds `x` to sector `k < sectors()` in lane
/// `j` (`0..4`; tables with one lane ignore `j`). Bond `4q + j` of a chunk goes to lane `j`, the
/// last `len % 4` bonds to lane 0, so the order of additions depends only on the chunk's length.
pub trait Table {
    /// The number of sectors; every index below it must be in bounds (at most 2^31).
    fn sectors(&self) -> usize;
    fn add(&mut self, j: usize, k: usize, x: f64);
}

/// One table per lane, lane-major, on the stack: `N` is a compile-time bound on the sectors,
/// so `k < s <= N` proves every index in bounds and an index needs no scaling beyond 8 bytes.
pub struct StackLanes<'a, const N: usize> {
    pub lanes: &'a mut [[f64; N]; 4],
    pub s: usize,
}

impl<const N: usize> Table for StackLanes<'_, N> {
    #[inline(always)]
    fn sectors(&self) -> usize {
        self.s.min(N)
    }
    #[inline(always)]
    fn add(&mut self, j: usize, k: usize, x: f64) {
        self.lanes[j][k] += x;
    }
}

/// Four lanes per sector, sector-major (`lanes[k][j]`), on the heap.
pub struct HeapLanes<'a>(pub &'a mut [[f64; 4]]);

impl Table for HeapLanes<'_> {
    #[inline(always)]
    fn sectors(&self) -> usize {
        self.0.len().min(1 << 31)
    }
    #[inline(always)]
    fn add(&mut self, j: usize, k: usize, x: f64) {
        self.0[k][j] += x;
    }
}

/// A single table: every bond, in order, into `acc[k]`.
pub struct OneTable<'a>(pub &'a mut [f64]);

impl Table for OneTable<'_> {
    #[inline(always)]
    fn sectors(&self) -> usize {
        self.0.len().min(1 << 31)
    }
    #[inline(always)]
    fn add(&mut self, _j: usize, k: usize, x: f64) {
        self.0[k] += x;
    }
}

/// Adds `w[i]` (times `v[i]` when `VALUES`) into sector `c[i]` of `t`, for every bond. Returns
/// false at the first group of four holding a code outside `0..t.sectors()` (the table is then
/// partial). Weights are not checked here: a NaN or an infinity never leaves its sum finite,
/// so the caller checks the sums (or the terms, whichever is shorter).
#[inline(always)]
pub fn scatter<const VALUES: bool, T: Table>(w: &[f64], v: &[f64], c: &[i32], t: &mut T) -> bool {
    let s = t.sectors();
    let n = w.len();
    let c = &c[..n];
    let v = if VALUES { &v[..n] } else { &[][..] };
    let Some(whole) = groups::<VALUES>(w, v, c, |cg, wg, vg| {
        (0..GROUP / 4).all(|q| {
            let vq = if VALUES { &vg[4 * q..] } else { &[][..] };
            quad::<VALUES, T>(&cg[4 * q..4 * q + 4], &wg[4 * q..], vq, s, t)
        })
    }) else {
        return false;
    };
    let quads = n - n % 4;
    for i in (whole..quads).step_by(4) {
        let vq = if VALUES { &v[i..i + 4] } else { &[][..] };
        if !quad::<VALUES, T>(&c[i..i + 4], &w[i..i + 4], vq, s, t) {
            return false;
        }
    }
    for i in quads..n {
        let k = c[i] as u32 as usize;
        if k >= s {
            return false;
        }
        t.add(0, k, if VALUES { w[i] * v[i] } else { w[i] });
    }
    true
}

/// Runs `f(codes, weights, values)` on each whole group of `GROUP` bonds in order (`values` empty
/// unless `VALUES`), after prefetching the input of the group `AHEAD` bonds on. Returns how many
/// bonds the groups covered (the rest is the caller's tail), or `None` once `f` returns false.
#[inline(always)]
fn groups<const VALUES: bool>(
    w: &[f64],
    v: &[f64],
    c: &[i32],
    mut f: impl FnMut(&[i32], &[f64], &[f64]) -> bool,
) -> Option<usize> {
    let n = w.len();
    let (c, v) = (&c[..n], if VALUES { &v[..n] } else { &[][..] });
    let whole = n - n % GROUP;
    for (g, (cg, wg)) in c[..whole]
        .chunks_exact(GROUP)
        .zip(w[..whole].chunks_exact(GROUP))
        .enumerate()
    {
        let i = g * GROUP;
        prefetch_group(w, VALUES.then_some(v), c, i);
        let vg = if VALUES { &v[i..i + GROUP] } else { &[][..] };
        if !f(cg, wg, vg) {
            return None;
        }
    }
    Some(whole)
}

/// Prefetches the input of the group of bonds `AHEAD` after the one starting at `i`: one cache
/// line of codes, two of weights (and of values).
#[inline(always)]
fn prefetch_group(w: &[f64], v: Option<&[f64]>, c: &[i32], i: usize) {
    prefetch_index(w, i + AHEAD);
    prefetch_index(w, i + AHEAD + 8);
    prefetch_index(c, i + AHEAD);
    if let Some(v) = v {
        prefetch_index(v, i + AHEAD);
        prefetch_index(v, i + AHEAD + 8);
    }
}

/// Bonds `4q..4q + 4` into lanes 0..4: one unsigned comparison per code rejects negative and
/// too-large codes together, and proves the index in bounds.
#[inline(always)]
fn quad<const VALUES: bool, T: Table>(
    cq: &[i32],
    wq: &[f64],
    vq: &[f64],
    s: usize,
    t: &mut T,
) -> bool {
    let (cq, wq) = (&cq[..4], &wq[..4]);
    let k = [0, 1, 2, 3].map(|j| cq[j] as u32 as usize);
    if k[0] >= s || k[1] >= s || k[2] >= s || k[3] >= s {
        return false;
    }
    if VALUES {
        let vq = &vq[..4];
        for j in 0..4 {
            t.add(j, k[j], wq[j] * vq[j]);
        }
    } else {
        for j in 0..4 {
            t.add(j, k[j], wq[j]);
        }
    }
    true
}

/// Codes `c` are valid when `(c as u32) < code_limit(s)`: a negative code becomes at least 2^31.
#[inline(always)]
pub fn code_limit(s: usize) -> u32 {
    s.min(1 << 31) as u32
}

/// One read of a range, vectorised: whether every code is below `code_limit(s)`, and the sum of
/// `|w[i]|` (times `|v[i]|`). A finite sum proves every term finite, and bounds every partial
/// sum of the terms, in any order (times 1 + n eps), so nothing summed from them can overflow
/// while it stays below `f64::MAX / 4`.
pub fn screen(w: &[f64], v: Option<&[f64]>, c: &[i32], s: usize) -> (bool, f64) {
    // One loop per case, so that neither tests `v` per group (that cost the codes test its
    // vectorisation: +230 instructions per 100 bonds).
    match v {
        None => screen_terms::<false>(w, &[], c, s),
        Some(v) => screen_terms::<true>(w, v, c, s),
    }
}

/// [`screen`] with `w[i]` (times `v[i]` when `VALUES`) as the terms.
fn screen_terms<const VALUES: bool>(w: &[f64], v: &[f64], c: &[i32], s: usize) -> (bool, f64) {
    let lim = code_limit(s);
    let n = w.len();
    let c = &c[..n];
    let v = if VALUES { &v[..n] } else { &[][..] };
    let mut bad = [0u32; 8];
    let mut z = [0.0f64; 8];
    let whole = groups::<VALUES>(w, v, c, |cg, wg, vg| {
        for j in 0..GROUP {
            bad[j % 8] |= u32::from(cg[j] as u32 >= lim);
        }
        if VALUES {
            for j in 0..GROUP {
                z[j % 8] += (wg[j] * vg[j]).abs();
            }
        } else {
            for j in 0..GROUP {
                z[j % 8] += wg[j].abs();
            }
        }
        true
    })
    .expect("the screen never stops early");
    let mut tail = 0.0;
    let mut ok = bad.iter().all(|&b| b == 0);
    for i in whole..n {
        ok &= (c[i] as u32) < lim;
        tail += if VALUES { w[i] * v[i] } else { w[i] }.abs();
    }
    (ok, z.iter().fold(tail, |a, &b| a + b))
}

/// Whether every value is finite, without branches: `x * 0.0` is ±0 for a finite `x` and NaN
/// otherwise, and eight independent sums of those vectorise.
pub fn all_finite(xs: &[f64]) -> bool {
    let mut z = [0.0f64; 8];
    let mut blocks = xs.chunks_exact(8);
    for b in &mut blocks {
        for j in 0..8 {
            z[j] += b[j] * 0.0;
        }
    }
    let tail = blocks.remainder().iter().fold(0.0, |a, &x| a + x * 0.0);
    z.iter().fold(tail, |a, &b| a + b) == 0.0
}

/// Whether every code is below `lim` (as `u32`), without branches.
fn all_codes_below(c: &[i32], lim: u32) -> bool {
    let mut bad = [0u32; 8];
    let mut blocks = c.chunks_exact(8);
    for b in &mut blocks {
        for j in 0..8 {
            bad[j] |= u32::from(b[j] as u32 >= lim);
        }
    }
    blocks.remainder().iter().all(|&k| (k as u32) < lim) && bad.iter().all(|&b| b == 0)
}

/// The first bad element of a range, screening blocks without branches and locating only in a
/// failing block.
pub fn find_bad(w: &[f64], v: Option<&[f64]>, c: &[i32], s: usize) -> Option<(usize, Bad)> {
    const BLOCK: usize = 1024;
    let lim = code_limit(s);
    let mut start = 0;
    while start < w.len() {
        let end = (start + BLOCK).min(w.len());
        let ok = all_codes_below(&c[start..end], lim)
            && all_finite(&w[start..end])
            && v.is_none_or(|v| all_finite(&v[start..end]));
        if !ok {
            return (start..end)
                .find_map(|i| classify(w[i], v.map(|v| v[i]), c[i], s).map(|b| (i, b)));
        }
        start = end;
    }
    None
}

/// What is wrong with one bond, if anything. Codes are checked first, then weights, then values.
#[inline(always)]
fn classify(w: f64, v: Option<f64>, code: i32, s: usize) -> Option<Bad> {
    if (code as u32) >= code_limit(s) {
        Some(Bad::Code(code))
    } else if !w.is_finite() {
        Some(Bad::Weight(w))
    } else {
        match v {
            Some(v) if !v.is_finite() => Some(Bad::Value(v)),
            _ => None,
        }
    }
}
