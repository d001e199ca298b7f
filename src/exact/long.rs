//! [`Long`]: a Kulisch-style long fixed-point accumulator, stored as a window. It holds an
//! integer `N` (the value in units of 2^-1074) in two's complement, 64-bit limbs, little-endian,
//! and only the limbs from the lowest one ever touched to one limb above the highest: limb `i`
//! of the vector is limb `lo + i` of `N`. A sum of weights near 1 with ulps near 2^-60 spans two
//! or three limbs; `1e300 + 1e-300` spans 31. Every addition is exact: the window grows at
//! either end as needed, and the top limb is always pure sign (all zeros or all ones), which
//! leaves room for the carry of one more addition (see [`Long::add_words`]).

use super::round::{round_magnitude, Overflow};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Long {
    /// Index in `N` of `limbs[0]` (bit `64 * lo`).
    lo: u32,
    /// Never empty; the last limb is 0 or `u64::MAX` (the sign).
    limbs: Vec<u64>,
}

impl Long {
    /// `t · 2^shift` (in units of 2^-1074).
    pub fn from_i128(t: i128, shift: u32) -> Long {
        let mut long = Long { lo: shift / 64, limbs: vec![0] };
        long.add_i128(t, shift);
        long
    }

    /// The integer `m` (two's complement limbs, little-endian, its top bit the sign) times
    /// `2^shift`.
    pub fn from_limbs(m: &[u64], shift: u32) -> Long {
        let fill = sign_fill(m.last().copied().unwrap_or(0));
        let r = shift % 64;
        let mut limbs = Vec::with_capacity(m.len() + 2);
        let mut below = 0u64;
        for &limb in m {
            limbs.push(if r == 0 { limb } else { limb << r | below >> (64 - r) });
            below = limb;
        }
        limbs.push(if r == 0 { fill } else { fill << r | below >> (64 - r) });
        limbs.push(fill);
        let mut long = Long { lo: shift / 64, limbs };
        long.trim();
        long
    }

    /// The sign fill of the top limb: 0 for `N >= 0`, `u64::MAX` for `N < 0`.
    fn fill(&self) -> u64 {
        self.limbs[self.limbs.len() - 1]
    }

    fn top(&self) -> u32 {
        self.lo + self.limbs.len() as u32 - 1
    }

    pub fn is_zero(&self) -> bool {
        self.limbs.iter().all(|&limb| limb == 0)
    }

    pub fn is_negative(&self) -> bool {
        self.fill() != 0
    }

    /// Adds `t · 2^shift`.
    pub fn add_i128(&mut self, t: i128, shift: u32) {
        let (at, r) = (shift / 64, shift % 64);
        let u = (t as u128) << r;
        // t · 2^r as three limbs: the bits of t shifted past bit 127 go to the third.
        let high = if r == 0 { (t >> 127) as u64 } else { (t >> (128 - r)) as u64 };
        self.add_words(at, &[u as u64, (u >> 64) as u64, high], (t >> 127) as u64);
    }

    /// Adds another accumulator.
    pub fn add_long(&mut self, other: &Long) {
        self.add_words(other.lo, &other.limbs, other.fill());
        self.trim();
    }

    /// Adds the integer whose limbs `at, at + 1, ...` are `words`, sign-extended by `ext` (0 or
    /// all ones) above them.
    ///
    /// Why it cannot overflow: the window is first grown so that its top limb `T` is above every
    /// word, and before the addition the top limb is pure sign, so `|N| <= 2^(64 T)` and the
    /// addend is below `2^(64 (T - 1) + 64)`; their sum is below `2^(64 T + 1)`, which limbs up to
    /// `T` hold in two's complement. If `T` is then no longer pure sign, a sign limb is pushed.
    fn add_words(&mut self, at: u32, words: &[u64], ext: u64) {
        self.cover(at, at + words.len() as u32);
        let start = (at - self.lo) as usize;
        let (low, high) = self.limbs[start..].split_at_mut(words.len());
        let mut carry = false;
        for (limb, &w) in low.iter_mut().zip(words) {
            (*limb, carry) = add_carry(*limb, w, carry);
        }
        for limb in high {
            // Adding 0 with no carry, or all ones with a carry (-1 + 1), changes nothing more.
            if (ext == 0) != carry {
                break;
            }
            (*limb, carry) = add_carry(*limb, ext, carry);
        }
        let top = self.fill();
        if top != 0 && top != u64::MAX {
            self.limbs.push(sign_fill(top));
        }
    }

    /// Grows the window to hold limbs `lo..=top` (zeros below, sign above).
    fn cover(&mut self, lo: u32, top: u32) {
        if lo < self.lo {
            let more = (self.lo - lo) as usize;
            self.limbs.splice(0..0, std::iter::repeat_n(0, more));
            self.lo = lo;
        }
        let fill = self.fill();
        while self.top() < top {
            self.limbs.push(fill);
        }
    }

    /// Drops zero limbs at the bottom and redundant sign limbs at the top.
    fn trim(&mut self) {
        let zeros = self.limbs.iter().take(self.limbs.len() - 1).take_while(|&&l| l == 0).count();
        if zeros > 0 {
            self.limbs.drain(..zeros);
            self.lo += zeros as u32;
        }
        // Two pure sign limbs of the same sign at the top: the upper one is redundant.
        while let [.., below, top] = self.limbs[..] {
            if below != top || sign_fill(top) != top {
                break;
            }
            self.limbs.pop();
        }
    }

    /// An upper bound of the number of bits of `|N|`, exact or one more.
    pub fn bits(&self) -> u32 {
        let fill = self.fill();
        match self.limbs.iter().rposition(|&limb| limb != fill) {
            // N is 0, or -2^(64 lo) (every limb all ones).
            None if fill == 0 => 0,
            None => 64 * self.lo + 1,
            Some(i) => {
                let width = 64 - (self.limbs[i] ^ fill).leading_zeros();
                64 * (self.lo + i as u32) + width + 1
            }
        }
    }

    /// The nearest double (ties to even).
    pub fn round(&self) -> Result<f64, Overflow> {
        let base = 64 * u64::from(self.lo);
        if self.is_negative() {
            round_magnitude(&negate(&self.limbs), base, true)
        } else {
            round_magnitude(&self.limbs, base, false)
        }
    }

    /// `N` as `(shift, limbs)`: `N = m · 2^shift` with `m` odd, given as two's complement limbs
    /// (little-endian, at least one limb more than `m` needs, the last pure sign). `None` if zero.
    pub fn odd_part(&self) -> Option<(u32, Vec<u64>)> {
        let i = self.limbs.iter().position(|&limb| limb != 0)?;
        let r = self.limbs[i].trailing_zeros();
        let fill = self.fill();
        let src = &self.limbs[i..];
        let m = (0..src.len())
            .map(|j| {
                let next = src.get(j + 1).copied().unwrap_or(fill);
                if r == 0 {
                    src[j]
                } else {
                    src[j] >> r | next << (64 - r)
                }
            })
            .collect();
        Some((64 * (self.lo + i as u32) + r, m))
    }
}

/// `a + b + carry` and the carry out.
#[inline(always)]
fn add_carry(a: u64, b: u64, carry: bool) -> (u64, bool) {
    let (s, c1) = a.overflowing_add(b);
    let (s, c2) = s.overflowing_add(u64::from(carry));
    (s, c1 | c2)
}

/// All ones if `limb`'s top bit is set, else 0.
fn sign_fill(limb: u64) -> u64 {
    ((limb as i64) >> 63) as u64
}

/// The two's complement negation of `limbs` (as many limbs).
fn negate(limbs: &[u64]) -> Vec<u64> {
    let mut carry = true;
    limbs
        .iter()
        .map(|&limb| {
            let (s, c) = (!limb).overflowing_add(u64::from(carry));
            carry = c;
            s
        })
        .collect()
}
