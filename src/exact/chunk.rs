//! One chunk's exact scan: every code checked, every term checked finite, and every term added
//! exactly into its cell's [`Acc`].
//!
//! A chunk is read in blocks of [`BLOCK`] bonds; each block is read twice while it is in the L1
//! cache:
//! 1. [`span`]: the largest and the least nonzero `|term|` of the block, and whether every code
//!    is valid and every term finite (vectorised, no branches, the next block prefetched);
//! 2. one of three ways to add the block's terms, by the span of its exponents:
//!    - up to 28 binades and 64 sectors (weights of ordinary sizes — the usual case): the float
//!      pairs of `pair.rs`, each term split exactly into `h + l` and both summed in floating
//!      point without a rounding (one 16-byte add per bond);
//!    - up to `min(62, 73 - log2(len))` binades: [`scatter`], each term `±m · 2^(e - 1075)` (`m <
//!      2^53`) added as the 128-bit integer `m · 2^(e - base)` into a per-sector table of
//!      `i128` (a multiply by `±2^(e - base)`, looked up by the term's sign and exponent bits,
//!      and two integer adds per bond);
//!    - wider (1e300 next to 1e-300): one by one into the accumulators.
//!
//! The `i128` table's window `base..=base + width` of exponents is chosen when a block does not
//! fit the current one; `width` leaves room for the carries of a whole chunk (`53 + width +
//! log2(len) <= 126` bits), so no partial sum can overflow. When the window moves, and at the
//! end of the chunk, the table is folded into the cells' accumulators (one [`Acc::add_scaled`]
//! per sector); the pairs are drained likewise (`pair.rs`). Its table of powers of two (32 KiB)
//! is allocated by the first block that needs it, so chunks the pairs take whole never do.
//!
//! Exact sums do not depend on the order of additions, so unlike the default kernel nothing
//! here needs a fixed order: lanes, blocks, pairs and windows change the speed, never a bit.

use super::acc::{split, Acc};
use super::pair::{Pairs, PAIR_SECTORS};
use super::span::{span, Ahead};
use crate::error::Bad;
use crate::kernel::columns::{Code, Weight};

/// Bonds per block: codes and float64 weights of a block (24 KiB) stay in L1 between the passes.
pub(crate) const BLOCK: usize = 2048;
/// Up to this many sectors, the table is four interleaved lanes on the stack (4 KiB), so that
/// consecutive bonds of one sector do not wait on each other's store; up to [`HEAP_LANES`],
/// four lanes on the heap (64 KiB); beyond, one table of 16 bytes per sector.
const LANES_MAX: usize = 64;
const HEAP_LANES: usize = 1024;
/// The widest window: its powers of two `2^(e - base)` must fit an `i64`.
const WIDTH_MAX: u32 = 62;

const FRACTION: u64 = (1 << 52) - 1;
const EXPONENT: u64 = 0x7ff << 52;

/// Why a chunk's scan stopped. The accumulators of the row are then partly added to: discard them.
#[derive(Debug, Clone, PartialEq)]
pub enum Stop {
    /// The first bad element (by index in the chunk): its code, weight or value (checked in that
    /// order, as the default kernel does).
    Bad(usize, Bad),
    /// Every element is valid, but the product `weight × value` of bond `index` overflows (to
    /// `-∞` when `negative`): its sector's sum overflows.
    ProductOverflow { index: usize, sector: usize, negative: bool },
    /// The scratch of a chunk (32 KiB, and 16 bytes per sector beyond 64 sectors) could not be
    /// allocated.
    OutOfMemory { sectors: usize },
    /// A check failed but no element is to blame: a bug of this module.
    Internal,
}

/// Adds the chunk's terms — `w[i]`, or `fl(w[i] * v[i])` when `VALUES` — into `row[c[i]]`,
/// exactly. Checks every code (`c[i].index() < C::limit(row.len())`) and every term.
pub fn scan<const VALUES: bool, W: Weight, C: Code>(
    w: &[W], v: &[W], c: &[C], row: &mut [Acc],
) -> Result<(), Stop> {
    let n = w.len();
    let (c, v) = (&c[..n], if VALUES { &v[..n] } else { &[][..] });
    // Codes below `lim` are valid and in bounds of every table (`lim <= row.len()`).
    let lim = (C::limit(row.len()).into() as usize).min(row.len());
    let row = &mut row[..lim];
    let width = window_width(n);
    if lim <= LANES_MAX {
        let (mut lo, mut hi) = ([[0u64; LANES_MAX]; 4], [[0u64; LANES_MAX]; 4]);
        let mut cells2 = [[[0.0; 2]; PAIR_SECTORS]; 4];
        let cells = Lanes { lo: &mut lo, hi: &mut hi, s: lim };
        let pairs = Some(Pairs::new(&mut cells2));
        Scan { cells, pairs, pow: None, window: None, width, row }.run::<VALUES, _, _>(w, v, c)
    } else if lim <= HEAP_LANES {
        let (mut lo, mut hi) = (heap_lanes(lim)?, heap_lanes(lim)?);
        let cells = Lanes { lo: &mut lo, hi: &mut hi, s: lim };
        Scan { cells, pairs: None, pow: None, window: None, width, row }
            .run::<VALUES, _, _>(w, v, c)
    } else {
        let cells = One::new(lim)?;
        Scan { cells, pairs: None, pow: None, window: None, width, row }
            .run::<VALUES, _, _>(w, v, c)
    }
}

/// Four zeroed lanes of [`HEAP_LANES`] halves of 128-bit sums, on the heap.
fn heap_lanes(sectors: usize) -> Result<Box<[[u64; HEAP_LANES]; 4]>, Stop> {
    let mut v = Vec::new();
    v.try_reserve_exact(4).map_err(|_| Stop::OutOfMemory { sectors })?;
    v.resize(4, [0u64; HEAP_LANES]);
    v.into_boxed_slice().try_into().map_err(|_| Stop::Internal)
}

/// A zeroed table of powers of two (see [`Scan::pow`]), on the heap: 32 KiB would be much of
/// a small thread stack.
fn powers(sectors: usize) -> Result<Box<[i64; 4096]>, Stop> {
    let mut pow = Vec::new();
    pow.try_reserve_exact(4096).map_err(|_| Stop::OutOfMemory { sectors })?;
    pow.resize(4096, 0i64);
    pow.into_boxed_slice().try_into().map_err(|_| Stop::Internal)
}

/// The widest window of exponents whose terms, `len` of them, sum without overflow in an
/// `i128`: `53 + width + ceil(log2(len)) <= 126`.
fn window_width(len: usize) -> u32 {
    let log = usize::BITS - len.saturating_sub(1).leading_zeros();
    WIDTH_MAX.min(73u32.saturating_sub(log))
}

/// The per-sector `i128` sums of the current window.
trait Cells {
    /// Adds `t` to sector `k` (in lane `j < 4`, for tables with lanes). `k` is a valid code,
    /// checked before: tables mask it into bounds rather than check it again.
    fn add(&mut self, j: usize, k: usize, t: i128);
    /// Each sector's sum over the lanes, then every cell zeroed.
    fn drain(&mut self, f: impl FnMut(usize, i128));
}

/// Adds `t` to the 128-bit integer whose halves are `lo` and `hi` (two adds with carry).
#[inline(always)]
fn add_halves(lo: &mut u64, hi: &mut u64, t: i128) {
    let (sum, carry) = lo.overflowing_add(t as u64);
    *lo = sum;
    *hi = hi.wrapping_add((t >> 64) as u64).wrapping_add(u64::from(carry));
}

/// The 128-bit integer with halves `lo` and `hi`.
fn join(lo: u64, hi: u64) -> i128 {
    (i128::from(hi as i64) << 64) | i128::from(lo)
}

/// Four lanes of 128-bit sums on the stack, their low and high halves in separate arrays (so
/// that an index scales by 8 in an address). `N` is a power of two, so `k % N` is a mask that
/// keeps every valid code as it is and proves the index in bounds.
struct Lanes<'a, const N: usize> {
    lo: &'a mut [[u64; N]; 4],
    hi: &'a mut [[u64; N]; 4],
    s: usize,
}

impl<const N: usize> Cells for Lanes<'_, N> {
    #[inline(always)]
    fn add(&mut self, j: usize, k: usize, t: i128) {
        let (j, k) = (j % 4, k % N);
        add_halves(&mut self.lo[j][k], &mut self.hi[j][k], t);
    }
    fn drain(&mut self, mut f: impl FnMut(usize, i128)) {
        for k in 0..self.s.min(N) {
            // The lanes' total fits (the window's bound holds for all of the chunk's terms),
            // so wrapping partial sums give it exactly.
            let t = (0..4).fold(0i128, |t, j| t.wrapping_add(join(self.lo[j][k], self.hi[j][k])));
            f(k, t);
        }
        self.lo.iter_mut().chain(self.hi.iter_mut()).for_each(|lane| lane.fill(0));
    }
}

/// One table of 128-bit sums on the heap (many sectors: a bond rarely follows one of its own
/// sector, and one cache line per bond matters more than an address's scale).
struct One(Vec<i128>);

impl One {
    fn new(s: usize) -> Result<One, Stop> {
        let mut v = Vec::new();
        v.try_reserve_exact(s).map_err(|_| Stop::OutOfMemory { sectors: s })?;
        v.resize(s, 0);
        Ok(One(v))
    }
}

impl Cells for One {
    #[inline(always)]
    fn add(&mut self, _j: usize, k: usize, t: i128) {
        if let Some(cell) = self.0.get_mut(k) {
            *cell = cell.wrapping_add(t);
        }
    }
    fn drain(&mut self, mut f: impl FnMut(usize, i128)) {
        for (k, cell) in self.0.iter_mut().enumerate() {
            f(k, std::mem::take(cell));
        }
    }
}

/// The state of one chunk's scan.
struct Scan<'r, 'p, T> {
    cells: T,
    /// The pairs of doubles for blocks of a narrow span (up to [`PAIR_SECTORS`] sectors).
    pairs: Option<Pairs<'p>>,
    /// `pow[sign << 11 | e]` is `±2^(max(e, 1) - base)` for the window's exponents `e`, 0 outside
    /// (allocated by the first window: blocks that all go into the pairs never need it).
    pow: Option<Box<[i64; 4096]>>,
    /// The window's least exponent (`base >= 1`), once a block has set it.
    window: Option<u32>,
    width: u32,
    row: &'r mut [Acc],
}

/// The biased exponent of a double, counting subnormals (and zero) as 1: `x`'s ulp is
/// `2^(exponent(x) - 1075)`.
fn exponent(x: f64) -> u32 {
    (((x.to_bits() & EXPONENT) >> 52) as u32).max(1)
}

impl<T: Cells> Scan<'_, '_, T> {
    fn run<const VALUES: bool, W: Weight, C: Code>(
        mut self, w: &[W], v: &[W], c: &[C],
    ) -> Result<(), Stop> {
        let n = w.len();
        let lim = C::limit(self.row.len());
        for start in (0..n).step_by(BLOCK) {
            let end = (start + BLOCK).min(n);
            let vb = if VALUES { &v[start..end] } else { &[][..] };
            let (wb, cb) = (&w[start..end], &c[start..end]);
            let ahead =
                Ahead { w: &w[end..], v: if VALUES { &v[end..] } else { &[][..] }, c: &c[end..] };
            // With pairs (up to 64 sectors) their scatter prefetches the next block, spread over
            // its longer loop: a burst of prefetches in the screen left a call over 300 MB a
            // quarter slower (500 × 50,000 × 18: 45–48 ms against 34, interleaved A/B).
            let screen_ahead = if self.pairs.is_some() { Ahead::none() } else { ahead };
            let span = span::<VALUES, W, C>(wb, vb, cb, lim, screen_ahead);
            if span.bad {
                return Err(locate::<VALUES, W, C>(w, v, c, self.row.len()));
            }
            // Every code of the block is valid from here on.
            if span.max == 0.0 {
                continue; // Only zeros.
            }
            let (lo, hi) = (exponent(span.min_nonzero), exponent(span.max));
            if let Some(pairs) = self.pairs.as_mut() {
                if pairs.admit(lo, hi, wb.len(), self.row) {
                    pairs.scatter::<VALUES, W, C>(wb, vb, cb, ahead);
                    continue;
                }
            }
            if hi - lo > self.width {
                self.one_by_one::<VALUES, W, C>(wb, vb, cb);
                continue;
            }
            if !self.window.is_some_and(|b| b <= lo && hi <= b + self.width) {
                self.move_window(lo, hi)?;
            }
            let Some(pow) = self.pow.as_deref() else { return Err(Stop::Internal) };
            // Below exponent 1 (subnormals) the leading bit is 0; elsewhere 1, and a zero's
            // table entry is 0 (see `move_window`).
            if self.window == Some(1) {
                scatter::<VALUES, true, W, C, T>(wb, vb, cb, pow, &mut self.cells);
            } else {
                scatter::<VALUES, false, W, C, T>(wb, vb, cb, pow, &mut self.cells);
            }
        }
        self.fold();
        if let Some(pairs) = self.pairs.as_mut() {
            pairs.drain(self.row);
        }
        Ok(())
    }

    /// Folds the table into the accumulators and moves the window to hold exponents `lo..=hi`
    /// (with a few binades to spare above `hi`, where the largest terms of later blocks are).
    fn move_window(&mut self, lo: u32, hi: u32) -> Result<(), Stop> {
        self.fold();
        let pow = match self.pow.as_deref_mut() {
            Some(pow) => pow,
            None => self.pow.insert(powers(self.row.len())?),
        };
        if let Some(old) = self.window {
            let top = (old + self.width).min(2046) as usize;
            pow[old as usize..=top].fill(0);
            pow[2048 + old as usize..=2048 + top].fill(0);
            pow[0] = 0;
            pow[2048] = 0;
        }
        let base = lo.min((hi + 4).saturating_sub(self.width)).max(1);
        for e in base..=(base + self.width).min(2046) {
            let p = 1i64 << (e - base);
            pow[e as usize] = p;
            pow[2048 + e as usize] = -p;
        }
        if base == 1 {
            // Subnormals (exponent bits 0) have the ulp of exponent 1.
            (pow[0], pow[2048]) = (1, -1);
        }
        self.window = Some(base);
        Ok(())
    }

    /// Adds the table's sums into the accumulators and zeroes it.
    fn fold(&mut self) {
        let Some(base) = self.window else { return };
        let row = &mut *self.row;
        self.cells.drain(|k, t| row[k].add_scaled(t, base - 1));
    }

    /// A block too wide for any window (its codes checked): each term into its accumulator.
    fn one_by_one<const VALUES: bool, W: Weight, C: Code>(&mut self, w: &[W], v: &[W], c: &[C]) {
        for (i, &code) in c.iter().enumerate() {
            if let Some(acc) = self.row.get_mut(index(code)) {
                let (m, shift) = split(term::<VALUES, W>(w, v, i));
                acc.add_scaled(i128::from(m), shift);
            }
        }
    }
}

/// A code as a table index (negative codes are huge, so never in bounds).
#[inline(always)]
pub(super) fn index<C: Code>(code: C) -> usize {
    code.index().into() as usize
}

/// Term `i`: `w[i]`, or `fl(w[i] * v[i])` when `VALUES`.
#[inline(always)]
pub(super) fn term<const VALUES: bool, W: Weight>(w: &[W], v: &[W], i: usize) -> f64 {
    if VALUES {
        w[i].f64() * v[i].f64()
    } else {
        w[i].f64()
    }
}

/// A term `±m · 2^(e - 1075)` as the integer `±m · 2^(e - base)`: `pow` holds `±2^(e - base)`.
/// `E0`: the block may hold zeros or subnormals (no implicit leading bit).
#[inline(always)]
fn fixed<const E0: bool>(x: f64, pow: &[i64; 4096]) -> i128 {
    let b = x.to_bits();
    let m = if E0 {
        (b & FRACTION) | u64::from(b & EXPONENT != 0) << 52
    } else {
        // The fraction with the leading bit (set, then the exponent and sign cleared).
        (b & FRACTION) | 1 << 52
    };
    i128::from(m as i64) * i128::from(pow[(b >> 52) as usize])
}

/// Pass 2 over a block whose codes are all valid: every term into its sector's cell, four
/// bonds at a time (bond `4q + j` into lane `j`).
#[inline(always)]
fn scatter<const VALUES: bool, const E0: bool, W: Weight, C: Code, T: Cells>(
    w: &[W], v: &[W], c: &[C], pow: &[i64; 4096], cells: &mut T,
) {
    let n = w.len();
    let quads = n / 4;
    let (c4, w4) = (&c[..4 * quads], &w[..4 * quads]);
    let v4 = if VALUES { &v[..4 * quads] } else { &[][..] };
    for q in 0..quads {
        let i = 4 * q;
        for j in 0..4 {
            let t = fixed::<E0>(term::<VALUES, W>(w4, v4, i + j), pow);
            cells.add(j, index(c4[i + j]), t);
        }
    }
    for (i, &code) in c.iter().enumerate().skip(4 * quads) {
        cells.add(0, index(code), fixed::<E0>(term::<VALUES, W>(w, v, i), pow));
    }
}

/// After a check failed: the first bad element of the chunk (code, then weight, then value), or,
/// if every element is valid, the first product that overflowed.
#[cold]
fn locate<const VALUES: bool, W: Weight, C: Code>(w: &[W], v: &[W], c: &[C], s: usize) -> Stop {
    let lim = C::limit(s);
    let bad = (0..w.len()).find_map(|i| {
        let (wi, vi) = (w[i].f64(), if VALUES { v[i].f64() } else { 0.0 });
        let bad = if c[i].index() >= lim {
            Bad::Code(c[i].value())
        } else if !wi.is_finite() {
            Bad::Weight(wi)
        } else if !vi.is_finite() {
            Bad::Value(vi)
        } else {
            return None;
        };
        Some(Stop::Bad(i, bad))
    });
    bad.or_else(|| {
        (0..w.len()).find_map(|i| {
            let x = term::<VALUES, W>(w, v, i);
            (!x.is_finite()).then(|| Stop::ProductOverflow {
                index: i,
                sector: index(c[i]),
                negative: x < 0.0,
            })
        })
    })
    .unwrap_or(Stop::Internal)
}
