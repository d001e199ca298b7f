//! One chunk's exact scan: every code checked, every term checked finite, and every term added
//! exactly into its cell's [`Acc`].
//!
//! The fast path (issue 16's hint). A chunk is read in blocks of [`BLOCK`] bonds; each block is
//! read twice while it is in the L1 cache:
//! 1. [`span`]: the largest and the least nonzero `|term|` of the block, and whether every term is
//!    finite (vectorised, no branches);
//! 2. [`scatter`]: each term `±m · 2^(e - 1075)` (`m < 2^53`) added as the 128-bit integer
//!    `m · 2^(e - base)` into a per-sector table of `i128` — one multiply (`m` times `±2^(e -
//!    base)`, looked up by the term's sign and exponent bits) and two integer adds per bond.
//!
//! The table's window `base..=base + width` of exponents is chosen when a block does not fit the
//! current one; `width` leaves room for the carries of a whole chunk (`53 + width + log2(len) <=
//! 126` bits), so no partial sum can overflow. When the window moves, and at the end of the
//! chunk, the table is folded into the cells' accumulators (one [`Acc::add_scaled`] per sector).
//! A block whose own exponents span more than `width` binades (1e300 next to 1e-300) adds its
//! terms one by one into the accumulators instead.
//!
//! Exact sums do not depend on the order of additions, so unlike the default kernel nothing
//! here needs a fixed order: lanes, blocks and windows change the speed, never a bit.

use super::acc::{split, Acc};
use crate::error::Bad;
use crate::kernel::columns::{Code, Weight};

/// Bonds per block: codes and float64 weights of a block (24 KiB) stay in L1 between the passes.
pub const BLOCK: usize = 2048;
/// Up to this many sectors, the table is four interleaved lanes on the stack (4 KiB), so that
/// consecutive bonds of one sector do not wait on each other's store.
const LANES_MAX: usize = 64;
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
    let pow = powers(lim)?;
    if lim <= LANES_MAX {
        let mut lanes = [[0i128; LANES_MAX]; 4];
        let [l0, l1, l2, l3] = &mut lanes;
        let cells = Lanes([&mut l0[..lim], &mut l1[..lim], &mut l2[..lim], &mut l3[..lim]]);
        Scan { cells, pow, window: None, width, row }.run::<VALUES, _, _>(w, v, c)
    } else {
        let mut table = Vec::new();
        table.try_reserve_exact(lim).map_err(|_| Stop::OutOfMemory { sectors: lim })?;
        table.resize(lim, 0i128);
        let cells = One(&mut table);
        Scan { cells, pow, window: None, width, row }.run::<VALUES, _, _>(w, v, c)
    }
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
    /// Adds `t` to sector `k` (in lane `j`, for tables with lanes); false if `k` is no sector.
    fn add(&mut self, j: usize, k: usize, t: i128) -> bool;
    /// Each sector's sum over the lanes, then every cell zeroed.
    fn drain(&mut self, f: impl FnMut(usize, i128));
}

struct Lanes<'a>([&'a mut [i128]; 4]);

impl Cells for Lanes<'_> {
    #[inline(always)]
    fn add(&mut self, j: usize, k: usize, t: i128) -> bool {
        match self.0[j].get_mut(k) {
            Some(cell) => {
                *cell = cell.wrapping_add(t);
                true
            }
            None => false,
        }
    }
    fn drain(&mut self, mut f: impl FnMut(usize, i128)) {
        let [l0, l1, l2, l3] = &mut self.0;
        for k in 0..l0.len() {
            // The lanes' total fits (the window's bound holds for all of the chunk's terms),
            // so wrapping partial sums give it exactly.
            let t = l0[k].wrapping_add(l1[k]).wrapping_add(l2[k]).wrapping_add(l3[k]);
            f(k, t);
        }
        for lane in &mut self.0 {
            lane.fill(0);
        }
    }
}

struct One<'a>(&'a mut [i128]);

impl Cells for One<'_> {
    #[inline(always)]
    fn add(&mut self, _j: usize, k: usize, t: i128) -> bool {
        match self.0.get_mut(k) {
            Some(cell) => {
                *cell = cell.wrapping_add(t);
                true
            }
            None => false,
        }
    }
    fn drain(&mut self, mut f: impl FnMut(usize, i128)) {
        for (k, cell) in self.0.iter_mut().enumerate() {
            f(k, std::mem::take(cell));
        }
    }
}

/// The state of one chunk's scan.
struct Scan<'r, T> {
    cells: T,
    /// `pow[sign << 11 | e]` is `±2^(max(e, 1) - base)` for the window's exponents `e`, 0 outside.
    pow: Box<[i64; 4096]>,
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

impl<T: Cells> Scan<'_, T> {
    fn run<const VALUES: bool, W: Weight, C: Code>(
        mut self, w: &[W], v: &[W], c: &[C],
    ) -> Result<(), Stop> {
        let n = w.len();
        for start in (0..n).step_by(BLOCK) {
            let end = (start + BLOCK).min(n);
            let vb = if VALUES { &v[start..end] } else { &[][..] };
            let (wb, cb) = (&w[start..end], &c[start..end]);
            let span = span::<VALUES, W>(wb, vb);
            if span.bad {
                return Err(locate::<VALUES, W, C>(w, v, c, self.row.len()));
            }
            let codes_ok = if span.max == 0.0 {
                // All zero: only the codes to check (every term adds 0 whatever the window).
                scatter::<VALUES, true, W, C, T>(wb, vb, cb, &self.pow, &mut self.cells)
            } else {
                let (lo, hi) = (exponent(span.min_nonzero), exponent(span.max));
                if hi - lo > self.width {
                    self.one_by_one::<VALUES, W, C>(wb, vb, cb)
                } else {
                    if !self.window.is_some_and(|b| b <= lo && hi <= b + self.width) {
                        self.move_window(lo, hi);
                    }
                    if span.min < f64::MIN_POSITIVE {
                        scatter::<VALUES, true, W, C, T>(wb, vb, cb, &self.pow, &mut self.cells)
                    } else {
                        scatter::<VALUES, false, W, C, T>(wb, vb, cb, &self.pow, &mut self.cells)
                    }
                }
            };
            if !codes_ok {
                return Err(locate::<VALUES, W, C>(w, v, c, self.row.len()));
            }
        }
        self.fold();
        Ok(())
    }

    /// Folds the table into the accumulators and moves the window to hold exponents `lo..=hi`
    /// (with a few binades to spare above `hi`, where the largest terms of later blocks are).
    fn move_window(&mut self, lo: u32, hi: u32) {
        self.fold();
        if let Some(old) = self.window {
            let top = (old + self.width).min(2046) as usize;
            self.pow[old as usize..=top].fill(0);
            self.pow[2048 + old as usize..=2048 + top].fill(0);
            self.pow[0] = 0;
            self.pow[2048] = 0;
        }
        let base = lo.min((hi + 4).saturating_sub(self.width)).max(1);
        for e in base..=(base + self.width).min(2046) {
            let p = 1i64 << (e - base);
            self.pow[e as usize] = p;
            self.pow[2048 + e as usize] = -p;
        }
        if base == 1 {
            // Subnormals (exponent bits 0) have the ulp of exponent 1.
            (self.pow[0], self.pow[2048]) = (1, -1);
        }
        self.window = Some(base);
    }

    /// Adds the table's sums into the accumulators and zeroes it.
    fn fold(&mut self) {
        let Some(base) = self.window else { return };
        let row = &mut *self.row;
        self.cells.drain(|k, t| row[k].add_scaled(t, base - 1));
    }

    /// A block too wide for any window: each term into its accumulator. False at a bad code.
    fn one_by_one<const VALUES: bool, W: Weight, C: Code>(
        &mut self, w: &[W], v: &[W], c: &[C],
    ) -> bool {
        for (i, &code) in c.iter().enumerate() {
            let Some(acc) = self.row.get_mut(index(code)) else { return false };
            let (m, shift) = split(term::<VALUES, W>(w, v, i));
            acc.add_scaled(i128::from(m), shift);
        }
        true
    }
}

/// A code as a table index (negative codes are huge, so never in bounds).
#[inline(always)]
fn index<C: Code>(code: C) -> usize {
    code.index().into() as usize
}

/// Term `i`: `w[i]`, or `fl(w[i] * v[i])` when `VALUES`.
#[inline(always)]
fn term<const VALUES: bool, W: Weight>(w: &[W], v: &[W], i: usize) -> f64 {
    if VALUES {
        w[i].f64() * v[i].f64()
    } else {
        w[i].f64()
    }
}

/// What pass 1 learns about a block's terms.
struct Span {
    /// The largest `|term|` (meaningless if `bad`).
    max: f64,
    /// The least nonzero `|term|` (`+∞` if none).
    min_nonzero: f64,
    /// The least `|term|`.
    min: f64,
    /// Some term is NaN or infinite.
    bad: bool,
}

/// Pass 1 over a block, without branches: four independent lanes of max, min and flags.
#[inline(always)]
fn span<const VALUES: bool, W: Weight>(w: &[W], v: &[W]) -> Span {
    const L: usize = 4;
    let n = w.len();
    let mut max = [0.0f64; L];
    // The least nonzero |x| is found as the least predecessor of |x|: the predecessor of +0.0
    // (bits all ones) is a NaN, which a `<` never picks.
    let mut min_pred = [f64::INFINITY; L];
    let mut min = [f64::INFINITY; L];
    let mut bad = [false; L];
    let mut look = |j: usize, x: f64| {
        let a = x.abs();
        bad[j] |= !(a <= f64::MAX);
        max[j] = if a > max[j] { a } else { max[j] };
        min[j] = if a < min[j] { a } else { min[j] };
        let pred = f64::from_bits(a.to_bits().wrapping_sub(1));
        min_pred[j] = if pred < min_pred[j] { pred } else { min_pred[j] };
    };
    let quads = n - n % L;
    for i in (0..quads).step_by(L) {
        for j in 0..L {
            look(j, term::<VALUES, W>(w, v, i + j));
        }
    }
    for i in quads..n {
        look(0, term::<VALUES, W>(w, v, i));
    }
    let pred = min_pred.iter().fold(f64::INFINITY, |a, &b| a.min(b));
    Span {
        max: max.iter().fold(0.0, |a, &b| a.max(b)),
        min_nonzero: if pred.is_finite() { f64::from_bits(pred.to_bits() + 1) } else { pred },
        min: min.iter().fold(f64::INFINITY, |a, &b| a.min(b)),
        bad: bad.iter().any(|&b| b),
    }
}

/// A term `±m · 2^(e - 1075)` as the integer `±m · 2^(e - base)`: `pow` holds `±2^(e - base)`.
/// `E0`: the block may hold zeros or subnormals (no implicit leading bit).
#[inline(always)]
fn fixed<const E0: bool>(x: f64, pow: &[i64; 4096]) -> i128 {
    let b = x.to_bits();
    let lead = if E0 { u64::from(b & EXPONENT != 0) << 52 } else { 1 << 52 };
    let m = ((b & FRACTION) | lead) as i64;
    i128::from(m) * i128::from(pow[(b >> 52) as usize])
}

/// Pass 2 over a block: every term into its sector's cell, four bonds at a time (bond `4q + j`
/// into lane `j`). False at the first group of four holding a bad code.
#[inline(always)]
fn scatter<const VALUES: bool, const E0: bool, W: Weight, C: Code, T: Cells>(
    w: &[W], v: &[W], c: &[C], pow: &[i64; 4096], cells: &mut T,
) -> bool {
    let n = w.len();
    let quads = n - n % 4;
    for i in (0..quads).step_by(4) {
        let mut ok = true;
        for j in 0..4 {
            let t = fixed::<E0>(term::<VALUES, W>(w, v, i + j), pow);
            ok &= cells.add(j, index(c[i + j]), t);
        }
        if !ok {
            return false;
        }
    }
    (quads..n).all(|i| cells.add(0, index(c[i]), fixed::<E0>(term::<VALUES, W>(w, v, i), pow)))
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
