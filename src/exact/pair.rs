//! The exact scan's fastest path (`chunk.rs`): each term split, exactly, into two doubles
//! `h + l` that are summed per sector in ordinary floating point — without a rounding.
//!
//! For a window of terms `2^E <= |x| < 2^T` (or zero) and at most `N = 2^LOG_N` terms between
//! two drains, with `K = T + LOG_N - 1` and `C = 1.5 · 2^K`:
//! - `h = fl(fl(x + C) - C)` is `x` rounded to a multiple of `2^(K - 52)` (`|x| < 2^(K - 12)`,
//!   so `x + C` lies in `[2^K, 2^(K+1))`, and the subtraction is exact by Sterbenz), and
//!   `l = x - h` is exact (`|l| <= 2^(K - 53)`, a multiple of `x`'s ulp `>= 2^(E - 52)`);
//! - every partial sum of `h`s is a multiple of `2^(K - 52)` of magnitude `<= N · 2^T =
//!   2^(K + 1)`, so it is exact; every partial sum of `l`s is a multiple of `2^(E - 52)` of
//!   magnitude `<= N · 2^(K - 53) <= 2^(E + 1)` when `T - E <= 55 - 2 · LOG_N` ([`SPAN`]), so
//!   it is exact too (below `E = -1022` the unit is `2^-1074`, and the bound only looser).
//!   At the top of the range (`K = 1023`) the bound `2^(K + 1)` is not a double. There, a
//!   window whose top binade can hold terms was placed at `lo + SPAN` (not `hi + HEADROOM`), so
//!   the block that placed it has a term `SPAN` binades lower, which counts among the `N`: at
//!   most `N - 1` terms reach the top binade and `|Σh| <= (N - 1) · 2^T < 2^1024` (found by an
//!   independent review; `tests_pair.rs` sums `N - 1` copies of the double below `2^1011`).
//!
//! So per bond: two float adds and a subtraction (the split), and one 16-byte add into the
//! sector's cell `[Σh, Σl]` of one of four lanes — against two 64-bit read-modify-writes with a
//! carry and a 128-bit multiply for the `i128` table. The cells are drained (each lane sum is
//! again exact, as the bound counts all terms) into the row's [`Acc`]s when the window moves,
//! after `N` terms, and at the end of the chunk. The ideas are the error-free splits of
//! Demmel–Nguyen and ReproBLAS's binning; unlike ReproBLAS nothing is dropped below the window.

use prefetch_index::prefetch_index;

use super::acc::Acc;
use super::chunk::{index, term};
use super::span::Ahead;
use crate::kernel::columns::{Code, Weight};

/// Sectors a table of pairs holds (four lanes of 64 cells of 16 bytes: 4 KiB on the stack).
pub(super) const PAIR_SECTORS: usize = 64;
/// `log2` of the terms summed between two drains (four blocks of `chunk::BLOCK`).
pub(super) const LOG_N: u32 = 13;
/// The widest window `T - E` (binades): `55 - 2 · LOG_N`.
pub(super) const SPAN: u32 = 55 - 2 * LOG_N;
/// Binades kept free above a block's largest exponent when a window is placed.
pub(super) const HEADROOM: u32 = 2;

/// Four lanes of per-sector pairs `[Σh, Σl]`, and the window they are exact for.
pub(super) struct Pairs<'a> {
    lanes: &'a mut [[[f64; 2]; PAIR_SECTORS]; 4],
    /// The biased exponents admitted, `lo..=hi` (as `chunk::exponent` counts them).
    window: Option<(u32, u32)>,
    /// `1.5 · 2^K` for the window.
    c: f64,
    /// Terms the window may still take before a drain.
    left: usize,
    /// Some term was added since the last drain.
    used: bool,
}

impl<'a> Pairs<'a> {
    pub(super) fn new(lanes: &'a mut [[[f64; 2]; PAIR_SECTORS]; 4]) -> Pairs<'a> {
        Pairs { lanes, window: None, c: 0.0, left: 0, used: false }
    }

    /// Whether a block of `len` terms whose nonzero biased exponents are `lo..=hi` can go into
    /// the pairs: into the current window, or (after a drain into `row`) into a new one.
    pub(super) fn admit(&mut self, lo: u32, hi: u32, len: usize, row: &mut [Acc]) -> bool {
        let fits = self.window.is_some_and(|(a, b)| a <= lo && hi <= b);
        if fits && len <= self.left {
            self.left -= len;
            return true;
        }
        self.drain(row);
        // The window's top exponent: room above `hi`, but never above `lo + SPAN - 1`.
        let top = (hi + HEADROOM).min(lo + SPAN - 1);
        // `K = T + LOG_N - 1` with `T = top - 1022`; `C` must be finite.
        let k = top as i32 - 1022 + LOG_N as i32 - 1;
        if hi - lo > SPAN - 1 || k > 1023 || len > 1 << LOG_N {
            self.window = None;
            return false;
        }
        // Below exponent 1 nothing is left out: every double is a multiple of 2^-1074.
        self.window = Some(((top + 1).saturating_sub(SPAN), top));
        self.c = 1.5 * f64::from_bits(((k + 1023) as u64) << 52);
        self.left = (1 << LOG_N) - len;
        true
    }

    /// Adds each sector's pair into its accumulator, and zeroes the cells.
    pub(super) fn drain(&mut self, row: &mut [Acc]) {
        if !std::mem::take(&mut self.used) {
            return;
        }
        let s = row.len().min(PAIR_SECTORS);
        for (k, acc) in row[..s].iter_mut().enumerate() {
            // Exact: the window's bound holds for all terms of the four lanes together.
            let (h, l) = (0..4).fold((0.0, 0.0), |(h, l), j| {
                let [a, b] = self.lanes[j][k];
                (h + a, l + b)
            });
            acc.add(h);
            acc.add(l);
        }
        self.lanes.iter_mut().for_each(|lane| lane.fill([0.0; 2]));
    }

    /// Every term of an admitted block (codes checked, terms finite and in the window) into
    /// its sector's cell, four bonds at a time (bond `4q + j` into lane `j`), while the
    /// block after it (`ahead`) is prefetched, a cache line every eight weights.
    #[inline(always)]
    pub(super) fn scatter<const VALUES: bool, W: Weight, C: Code>(
        &mut self, w: &[W], v: &[W], c: &[C], ahead: Ahead<W, C>,
    ) {
        self.used = true;
        let cst = self.c;
        let split = |x: f64| {
            let h = (x + cst) - cst;
            [h, x - h]
        };
        let n = w.len();
        let quads = n / 4;
        let (c4, w4) = (&c[..4 * quads], &w[..4 * quads]);
        let v4 = if VALUES { &v[..4 * quads] } else { &[][..] };
        for q in 0..quads {
            let i = 4 * q;
            if q % 2 == 0 {
                prefetch_index(ahead.w, i);
                if VALUES {
                    prefetch_index(ahead.v, i);
                }
                if q % 4 == 0 {
                    prefetch_index(ahead.c, i);
                }
            }
            for j in 0..4 {
                let [h, l] = split(term::<VALUES, W>(w4, v4, i + j));
                let cell = &mut self.lanes[j][index(c4[i + j]) % PAIR_SECTORS];
                cell[0] += h;
                cell[1] += l;
            }
        }
        for (i, &code) in c.iter().enumerate().skip(4 * quads) {
            let [h, l] = split(term::<VALUES, W>(w, v, i));
            let cell = &mut self.lanes[0][index(code) % PAIR_SECTORS];
            cell[0] += h;
            cell[1] += l;
        }
    }
}
