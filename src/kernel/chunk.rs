//! One chunk's scan: its bonds added into their sectors' cells (the scatter), each code checked
//! as it is used, and the sums checked for finiteness at the end. How a chunk is summed — four
//! interleaved tables ("lanes") or one table — depends only on its length and the sector count,
//! so the order of additions, and the bits of every sum, never depend on threads.

use super::check::{all_finite, find_bad};
use super::columns::{Code, Weight};
use super::stream::{groups, GROUP};
use crate::error::{Bad, Error, Resource};

/// Bonds per chunk (the minimum; large sector counts get longer chunks, see [`chunk_len`]).
pub const BASE_CHUNK: usize = 1 << 16;
/// Up to this many sectors, a chunk of at least [`LANES_MIN_RATIO`] bonds per sector is summed
/// into four interleaved tables, so consecutive bonds of one sector do not wait on each other's
/// store. Up to [`LANES_STACK`] sectors the tables live on the stack.
///
/// Above 256 sectors four tables (32 KB at 1,024 sectors) no longer sit in L1 beside the input
/// stream, and one table is as fast or faster: one thread, 20 x 50,000 bonds, interleaved A/B of
/// the two builds on the AMD machine (load about 4): 0.99x at 400 sectors, 0.96x at 512, 0.91x at
/// 700, 0.82x at 1,000, 0.83x at 1 x 2,000,000 x 1,000; 1.00x at 100 and 200 (same code path).
const LANES_MAX: usize = 256;
const LANES_STACK: usize = 64;
/// Up to this many sectors (32 KiB of one table, the L1 of the development machines) a scatter
/// prefetches its input non-temporally (see `stream.rs`).
const STREAM_MAX_SECTORS: usize = 4096;
pub(super) const LANES_MIN_RATIO: usize = 16;

/// Chunk length for `num_sectors`: long enough that a chunk's partial table (zeroed, then added
/// into its parent) costs little beside summing the chunk.
pub fn chunk_len(num_sectors: usize) -> usize {
    BASE_CHUNK.max(num_sectors.saturating_mul(16))
}

/// Whether a scatter into one table of `s` sectors prefetches its input non-temporally.
pub fn streams_input(s: usize) -> bool {
    s <= STREAM_MAX_SECTORS
}

/// Whether a chunk of `len` bonds over `s` sectors is summed into four lanes.
pub fn uses_lanes(len: usize, s: usize) -> bool {
    s <= LANES_MAX && len >= LANES_MIN_RATIO * s
}

/// Whether summing a portfolio of `len` bonds over `s` sectors allocates: partial tables for a
/// portfolio of several chunks, four lanes on the heap for a chunk of many sectors.
pub fn allocates(len: usize, s: usize) -> bool {
    len > chunk_len(s) || (s > LANES_STACK && uses_lanes(len.min(chunk_len(s)), s))
}

/// Why summing stopped early.
pub enum Stop {
    /// A bad element at this bond index (within the chunk; the job makes it global).
    Bad(usize, Bad),
    /// Not summed: a bad element before this chunk is already known (that one is reported).
    Skipped,
    /// Scratch could not be allocated.
    Fatal(Error),
}

/// Overwrites `acc` with the sums of one chunk (`w[i]`, times `v[i]` when `VALUES`, into
/// `acc[c[i]]`), in a fixed order that depends only on the chunk's length and `acc.len()`.
/// `prechecked`: every element was already checked, so the sums need no finiteness check.
/// Errors name the first bad element's index in the chunk (`acc` then holds garbage).
/// `Ok(true)`: every sum in `acc` was found finite here, so the caller need not look for an
/// overflow again; `Ok(false)`: not checked, or a sum of valid terms overflowed.
pub fn scan<const VALUES: bool, W: Weight, C: Code>(
    w: &[W], v: &[W], c: &[C], acc: &mut [f64], prechecked: bool,
) -> std::result::Result<bool, Stop> {
    let s = acc.len();
    if !uses_lanes(w.len(), s) {
        return one_table::<VALUES, W, C>(w, v, c, acc, prechecked);
    }
    if s <= LANES_STACK / 4 {
        stack_lanes::<VALUES, W, C, { LANES_STACK / 4 }>(w, v, c, acc)
    } else if s <= LANES_STACK / 2 {
        stack_lanes::<VALUES, W, C, { LANES_STACK / 2 }>(w, v, c, acc)
    } else if s <= LANES_STACK {
        stack_lanes::<VALUES, W, C, LANES_STACK>(w, v, c, acc)
    } else {
        heap_lanes::<VALUES, W, C>(w, v, c, acc)
    }
}

/// Every bond, in order, into one table: `acc` itself.
fn one_table<const VALUES: bool, W: Weight, C: Code>(
    w: &[W], v: &[W], c: &[C], acc: &mut [f64], prechecked: bool,
) -> std::result::Result<bool, Stop> {
    let s = acc.len();
    let vs = VALUES.then_some(v);
    acc.fill(0.0);
    // Tables beyond the L1 evict what a non-temporal prefetch brought (`stream.rs`).
    let codes_ok = if streams_input(s) {
        scatter::<VALUES, true, W, C, _>(w, v, c, &mut OneTable(acc))
    } else {
        scatter::<VALUES, false, W, C, _>(w, v, c, &mut OneTable(acc))
    };
    // A NaN or infinity never leaves an accumulator finite: finite sums prove finite input (and
    // no overflow). Check whichever is shorter, the sums or the terms.
    let sums = s <= w.len();
    let finite = prechecked
        || if sums { all_finite(acc) } else { all_finite(w) && vs.is_none_or(all_finite) };
    if codes_ok && finite {
        Ok(sums && !prechecked)
    } else {
        locate(w, vs, c, s)
    }
}

/// Four lane-major tables of `N >= acc.len()` doubles on the stack.
fn stack_lanes<const VALUES: bool, W: Weight, C: Code, const N: usize>(
    w: &[W], v: &[W], c: &[C], acc: &mut [f64],
) -> std::result::Result<bool, Stop> {
    let s = acc.len().min(N);
    let acc = &mut acc[..s];
    let mut lanes = [[0.0f64; N]; 4];
    let table = &mut StackLanes { lanes: &mut lanes, s };
    let codes_ok = scatter::<VALUES, true, W, C, _>(w, v, c, table);
    if !codes_ok {
        return locate(w, VALUES.then_some(v), c, s);
    }
    let [l0, l1, l2, l3] = &lanes;
    for k in 0..s {
        acc[k] = (l0[k] + l1[k]) + (l2[k] + l3[k]);
    }
    lanes_result(true, acc, w, VALUES.then_some(v), c)
}

/// Four lanes per sector on the heap (more sectors than the stack tables hold).
fn heap_lanes<const VALUES: bool, W: Weight, C: Code>(
    w: &[W], v: &[W], c: &[C], acc: &mut [f64],
) -> std::result::Result<bool, Stop> {
    let s = acc.len();
    let mut lanes = Vec::new();
    lanes
        .try_reserve_exact(s)
        .map_err(|_| Stop::Fatal(Error::Resource(Resource::Lanes { sectors: s })))?;
    lanes.resize(s, [0.0; 4]);
    let codes_ok = scatter::<VALUES, true, W, C, _>(w, v, c, &mut HeapLanes(&mut lanes));
    for (a, l) in acc.iter_mut().zip(&lanes) {
        *a = (l[0] + l[1]) + (l[2] + l[3]);
    }
    lanes_result(codes_ok, acc, w, VALUES.then_some(v), c)
}

/// The result of a scan into lanes, once they are added into `acc`. A NaN or an infinity in any
/// lane leaves its sector's sum of lanes non-finite (an infinity plus anything is infinite or
/// NaN), so finite sums prove every term finite and no sum overflowed: one table is checked,
/// not four.
fn lanes_result<W: Weight, C: Code>(
    codes_ok: bool, acc: &[f64], w: &[W], v: Option<&[W]>, c: &[C],
) -> std::result::Result<bool, Stop> {
    if codes_ok && all_finite(acc) {
        return Ok(true);
    }
    locate(w, v, c, acc.len())
}

/// After a chunk failed a check: the first bad element, or `Ok` if every element is valid (then
/// a sum of finite values overflowed, which the job reports).
fn locate<W: Weight, C: Code>(
    w: &[W], v: Option<&[W]>, c: &[C], s: usize,
) -> std::result::Result<bool, Stop> {
    match find_bad(w, v, c, s) {
        Some((i, bad)) => Err(Stop::Bad(i, bad)),
        None => Ok(false),
    }
}

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
struct StackLanes<'a, const N: usize> {
    lanes: &'a mut [[f64; N]; 4],
    s: usize,
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
struct HeapLanes<'a>(&'a mut [[f64; 4]]);

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
pub fn scatter<const VALUES: bool, const STREAM: bool, W: Weight, C: Code, T: Table>(
    w: &[W], v: &[W], c: &[C], t: &mut T,
) -> bool {
    let s = C::limit(t.sectors());
    let n = w.len();
    let c = &c[..n];
    let v = if VALUES { &v[..n] } else { &[][..] };
    let Some(whole) = groups::<VALUES, STREAM, W, C>(w, v, c, |cg, wg, vg| {
        (0..GROUP / 4).all(|q| {
            let vq = if VALUES { &vg[4 * q..] } else { &[][..] };
            quad::<VALUES, W, C, T>(&cg[4 * q..4 * q + 4], &wg[4 * q..], vq, s, t)
        })
    }) else {
        return false;
    };
    let quads = n - n % 4;
    for i in (whole..quads).step_by(4) {
        let vq = if VALUES { &v[i..i + 4] } else { &[][..] };
        if !quad::<VALUES, W, C, T>(&c[i..i + 4], &w[i..i + 4], vq, s, t) {
            return false;
        }
    }
    for i in quads..n {
        let k = c[i].index();
        if k >= s {
            return false;
        }
        t.add(0, index(k), if VALUES { w[i].f64() * v[i].f64() } else { w[i].f64() });
    }
    true
}

/// Bonds `4q..4q + 4` into lanes 0..4: one unsigned comparison per code rejects negative and
/// too-large codes together, and proves the index in bounds.
#[inline(always)]
fn quad<const VALUES: bool, W: Weight, C: Code, T: Table>(
    cq: &[C], wq: &[W], vq: &[W], s: C::Index, t: &mut T,
) -> bool {
    let (cq, wq) = (&cq[..4], &wq[..4]);
    let k = [0, 1, 2, 3].map(|j| cq[j].index());
    if k[0] >= s || k[1] >= s || k[2] >= s || k[3] >= s {
        return false;
    }
    let k = k.map(index);
    if VALUES {
        let vq = &vq[..4];
        for j in 0..4 {
            t.add(j, k[j], wq[j].f64() * vq[j].f64());
        }
    } else {
        for j in 0..4 {
            t.add(j, k[j], wq[j].f64());
        }
    }
    true
}

/// A checked code index (below the table's sector count) as a table index.
#[inline(always)]
fn index<I: Into<u64>>(k: I) -> usize {
    k.into() as usize
}
