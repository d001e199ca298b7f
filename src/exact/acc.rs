//! [`Acc`]: one cell's exact sum. Small values (127 significant bits or fewer, whatever their
//! magnitude) live inline as an `i128` and a shift; wider ones in a [`Long`] window on the heap.
//! An `Acc` is 24 bytes; a cell that needs a `Long` adds 32 bytes plus 8 per limb.

use super::long::Long;
use super::round::{round_small, Overflow};

/// Every finite double is an integer multiple of `2^-LSB` (the least subnormal, 2^-1074): an
/// accumulator holds the integer `N` whose value is `N · 2^-LSB`.
pub(crate) const LSB: i32 = 1074;

/// The largest accumulator: `|N| < 2^CAP_BITS`, that is, up to about 2^1998 times `f64::MAX`.
/// No sum of doubles comes near it (2^64 terms of `f64::MAX` need 2,162 bits); it bounds the
/// memory a saved partial can make a merge use, and only merges can fail on it.
pub(crate) const CAP_BITS: u32 = 4096;

const FRACTION: u64 = (1 << 52) - 1;

/// The exact sum of the doubles (and scaled integers) added into it. Two accumulators are equal
/// when their values are, however they are stored.
#[derive(Clone, Debug)]
pub struct Acc(Repr);

#[derive(Clone, Debug)]
enum Repr {
    /// `N = (hi:lo as i128) << sh`, the integer odd, or zero with `sh == 0`.
    Small {
        lo: u64,
        hi: i64,
        sh: u32,
    },
    Long(Box<Long>),
}

/// The accumulator could reach [`CAP_BITS`]: an operand of a merge already has that many bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Capacity;

impl PartialEq for Acc {
    fn eq(&self, other: &Acc) -> bool {
        match (&self.0, &other.0) {
            // Both normalised: equal values have equal fields.
            (Repr::Small { .. }, Repr::Small { .. }) => {
                self.odd_part_small() == other.odd_part_small()
            }
            _ => {
                let key = |acc: &Acc| acc.odd_part().map(|(s, m)| (s, m.as_slice().to_vec()));
                key(self) == key(other)
            }
        }
    }
}

impl Eq for Acc {}

impl Default for Acc {
    fn default() -> Self {
        Acc::ZERO
    }
}

/// A finite double as `(m, shift)`: `x = m · 2^(shift - 1074)`, `|m| < 2^53`.
#[inline(always)]
pub fn split(x: f64) -> (i64, u32) {
    let b = x.to_bits();
    let e = ((b >> 52) & 0x7ff) as u32;
    let m = ((b & FRACTION) | u64::from(e != 0) << 52) as i64;
    (if b >> 63 == 1 { -m } else { m }, e.max(1) - 1)
}

/// `(t, shift)` with the trailing zeros of `t` moved into the shift (zero is `(0, 0)`).
#[inline(always)]
fn normal(t: i128, shift: u32) -> (i128, u32) {
    if t == 0 {
        return (0, 0);
    }
    let z = t.trailing_zeros();
    (t >> z, shift + z)
}

/// `a · 2^sa + b · 2^sb` as an `i128` and a shift, if it fits (`a`, `b` nonzero).
#[inline(always)]
fn add_small(a: i128, sa: u32, b: i128, sb: u32) -> Option<(i128, u32)> {
    let (a, sa, b, sb) = if sa <= sb { (a, sa, b, sb) } else { (b, sb, a, sa) };
    let d = sb - sa;
    // b << d fits when b has more than d redundant sign bits.
    let spare = if b < 0 { b.leading_ones() } else { b.leading_zeros() };
    if d >= spare {
        return None;
    }
    let sum = a.checked_add(b << d)?;
    Some(normal(sum, sa))
}

impl Acc {
    pub(crate) const ZERO: Acc = Acc(Repr::Small { lo: 0, hi: 0, sh: 0 });

    /// An accumulator holding 0 (what [`Acc::default`] gives).
    pub const fn zero() -> Acc {
        Acc::ZERO
    }

    fn small(t: i128, sh: u32) -> Acc {
        Acc(Repr::Small { lo: t as u64, hi: (t >> 64) as i64, sh })
    }

    /// Adds a finite double exactly. (A non-finite `x` is a caller's bug: in debug builds it
    /// panics; otherwise it adds a finite value of no meaning — callers check first.)
    #[inline]
    pub fn add(&mut self, x: f64) {
        debug_assert!(x.is_finite(), "exact sums take finite terms only: {x}");
        let (m, shift) = split(x);
        self.add_scaled(i128::from(m), shift);
    }

    /// Adds `t · 2^(shift - 1074)` exactly.
    #[inline]
    pub fn add_scaled(&mut self, t: i128, shift: u32) {
        if t == 0 {
            return;
        }
        let (v, sh) = match &mut self.0 {
            Repr::Long(long) => return long.add_i128(t, shift),
            Repr::Small { lo, hi, sh } => (i128::from(*hi) << 64 | i128::from(*lo), *sh),
        };
        let sum = if v == 0 { Some(normal(t, shift)) } else { add_small(v, sh, t, shift) };
        *self = match sum {
            Some((v, sh)) => Acc::small(v, sh),
            None => {
                let mut long = Long::from_i128(v, sh);
                long.add_i128(t, shift);
                Acc(Repr::Long(Box::new(long)))
            }
        };
    }

    /// Adds another accumulator exactly. Fails, leaving `self` unchanged, only when an operand
    /// has reached [`CAP_BITS`] (see there: no sum of doubles comes near).
    pub fn merge(&mut self, other: &Acc) -> Result<(), Capacity> {
        if self.bits().max(other.bits()) >= CAP_BITS {
            return Err(Capacity);
        }
        let (v, sh) = match &other.0 {
            Repr::Small { lo, hi, sh } => (i128::from(*hi) << 64 | i128::from(*lo), *sh),
            Repr::Long(theirs) => {
                match &mut self.0 {
                    Repr::Long(mine) => mine.add_long(theirs),
                    Repr::Small { lo, hi, sh } => {
                        let mut long = (**theirs).clone();
                        long.add_i128(i128::from(*hi) << 64 | i128::from(*lo), *sh);
                        *self = Acc(Repr::Long(Box::new(long)));
                    }
                }
                return Ok(());
            }
        };
        self.add_scaled(v, sh);
        Ok(())
    }

    pub fn is_zero(&self) -> bool {
        match &self.0 {
            Repr::Small { lo, hi, .. } => *lo == 0 && *hi == 0,
            Repr::Long(long) => long.is_zero(),
        }
    }

    /// An upper bound of the number of bits of `|N|` (exact or one more).
    pub fn bits(&self) -> u32 {
        match &self.0 {
            Repr::Small { lo, hi, sh } => {
                let v = i128::from(*hi) << 64 | i128::from(*lo);
                match 128 - (v ^ (v >> 127)).leading_zeros() {
                    0 if v == 0 => 0,
                    width => sh + width + 1,
                }
            }
            Repr::Long(long) => long.bits(),
        }
    }

    /// The double nearest to the exact sum, ties to even; an exact zero is `+0.0`.
    pub fn round(&self) -> Result<f64, Overflow> {
        match &self.0 {
            Repr::Small { lo, hi, sh } => {
                let v = i128::from(*hi) << 64 | i128::from(*lo);
                round_small(v.unsigned_abs(), u64::from(*sh), v < 0)
            }
            Repr::Long(long) => long.round(),
        }
    }

    /// The fields of an inline accumulator (normalised, so canonical).
    fn odd_part_small(&self) -> Option<(u64, i64, u32)> {
        match self.0 {
            Repr::Small { lo, hi, sh } => Some((lo, hi, sh)),
            Repr::Long(_) => None,
        }
    }

    /// The canonical form of `N`, the same for every way of reaching the same value: `None` for
    /// zero, else `(shift, m)` with `N = m · 2^shift`, `m` odd, as the fewest two's complement
    /// bytes (little-endian) that hold it.
    pub fn odd_part(&self) -> Option<(u32, OddBytes)> {
        let (shift, mut bytes) = match &self.0 {
            Repr::Small { lo, hi, sh } => {
                if *lo == 0 && *hi == 0 {
                    return None;
                }
                // Already odd (normalised); 16 bytes always hold it.
                let v = i128::from(*hi) << 64 | i128::from(*lo);
                (*sh, OddBytes::Inline(v.to_le_bytes(), 16))
            }
            Repr::Long(long) => {
                let (shift, limbs) = long.odd_part()?;
                (shift, OddBytes::Heap(limbs.iter().flat_map(|l| l.to_le_bytes()).collect()))
            }
        };
        bytes.trim();
        Some((shift, bytes))
    }

    /// The accumulator of `m · 2^shift`, `m` given as two's complement bytes (little-endian).
    pub fn from_odd_part(shift: u32, bytes: &[u8]) -> Acc {
        let fill = match bytes.last() {
            None => return Acc::ZERO,
            Some(&top) => ((top as i8) >> 7) as u8,
        };
        let mut limbs: Vec<u64> = bytes
            .chunks(8)
            .map(|c| {
                let mut b = [fill; 8];
                b[..c.len()].copy_from_slice(c);
                u64::from_le_bytes(b)
            })
            .collect();
        if let [lo, hi] = limbs[..] {
            let v = i128::from(hi) << 64 | i128::from(lo);
            let (v, sh) = normal(v, shift);
            return Acc::small(v, sh);
        }
        if let [lo] = limbs[..] {
            let (v, sh) = normal(i128::from(lo as i64), shift);
            return Acc::small(v, sh);
        }
        limbs.push(u64::from(fill) * 0x0101_0101_0101_0101);
        Acc(Repr::Long(Box::new(Long::from_limbs(&limbs, shift))))
    }
}

/// The bytes of an odd part (see [`Acc::odd_part`]): inline for small values.
#[derive(Debug, Clone)]
pub enum OddBytes {
    Inline([u8; 16], usize),
    Heap(Vec<u8>),
}

impl OddBytes {
    pub fn as_slice(&self) -> &[u8] {
        match self {
            OddBytes::Inline(bytes, len) => &bytes[..*len],
            OddBytes::Heap(bytes) => bytes,
        }
    }

    /// Drops top bytes that only repeat the sign of the byte below.
    fn trim(&mut self) {
        let mut len = self.as_slice().len();
        let bytes = self.as_slice();
        while len >= 2 && bytes[len - 1] == ((bytes[len - 2] as i8) >> 7) as u8 {
            len -= 1;
        }
        match self {
            OddBytes::Inline(_, n) => *n = len,
            OddBytes::Heap(bytes) => bytes.truncate(len),
        }
    }
}
