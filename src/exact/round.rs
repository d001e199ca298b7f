//! Rounding an exact value to the nearest double, ties to even: the one rounding of exact mode.
//!
//! A value is `±mag · 2^(base - 1074)`, `mag` an unsigned integer given as little-endian 64-bit
//! limbs. Every finite double is an integer multiple of 2^-1074 (the least subnormal), so the
//! integer `N = mag · 2^base` is the value in units of 2^-1074, and the double's bit pattern
//! follows from `N` directly: below 2^53 the pattern *is* `N` (subnormals and the first normal
//! binade); above, it is the exponent `t - 52` (for the top bit `t` of `N`) times 2^52 plus the
//! 53-bit mantissa, so a mantissa rounded up to 2^53 carries into the exponent by itself.

/// The rounded value is `±∞`: its magnitude is at least `f64::MAX` plus half an ulp.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Overflow {
    pub negative: bool,
}

const INF_BITS: u64 = 0x7ff0_0000_0000_0000;
const MANTISSA: u64 = (1 << 53) - 1;
/// The top bit of any `N` whose rounded value is finite is below this (`f64::MAX < 2^1024`).
const TOP_LIMIT: u64 = 1024 + 1074;

/// The double nearest to `±mag · 2^(base - 1074)` (ties to even); an exact zero is `+0.0`.
pub fn round_magnitude(mag: &[u64], base: u64, negative: bool) -> Result<f64, Overflow> {
    let Some(top) = mag.iter().rposition(|&limb| limb != 0) else {
        return Ok(0.0);
    };
    // The index of the top set bit: within `mag` (`local`), and of `N` (`t`).
    let local = 64 * top as u64 + 63 - u64::from(mag[top].leading_zeros());
    let t = base.saturating_add(local);
    if t >= TOP_LIMIT {
        return Err(Overflow { negative });
    }
    let bits = if t < 53 {
        // N < 2^53: exact, and N is the bit pattern (so `mag` is one limb and `base` small).
        mag[0] << base
    } else {
        // The mantissa is bits t-52..=t of N: bit `lsb` of N is its last.
        let lsb = t - 52;
        let mantissa = if lsb <= base {
            // Every set bit of N is kept (N has at most 53 significant bits, all in mag[0]).
            mag[0] << (base - lsb)
        } else {
            let at = lsb - base;
            let kept = window(mag, at) & MANTISSA;
            let half = bit(mag, at - 1);
            let up = half && (any_below(mag, at - 1) || kept & 1 == 1);
            kept + u64::from(up)
        };
        // mantissa is in 2^52..=2^53: adding it carries a rounded-up 2^53 into the exponent.
        let bits = ((t - 52) << 52) + mantissa;
        if bits >= INF_BITS {
            return Err(Overflow { negative });
        }
        bits
    };
    Ok(f64::from_bits(bits | u64::from(negative) << 63))
}

/// The 64 bits of `mag` starting at bit `at` (zeros past the end).
fn window(mag: &[u64], at: u64) -> u64 {
    let (q, r) = ((at / 64) as usize, at % 64);
    let low = mag[q] >> r;
    match mag.get(q + 1) {
        Some(&next) if r > 0 => low | next << (64 - r),
        _ => low,
    }
}

/// Bit `at` of `mag`.
fn bit(mag: &[u64], at: u64) -> bool {
    (mag[(at / 64) as usize] >> (at % 64)) & 1 == 1
}

/// Whether any bit of `mag` below bit `at` is set.
fn any_below(mag: &[u64], at: u64) -> bool {
    let (q, r) = ((at / 64) as usize, at % 64);
    mag[..q].iter().any(|&limb| limb != 0) || mag[q] & ((1u64 << r) - 1) != 0
}

/// [`round_magnitude`] for a magnitude of at most 128 bits (every inline accumulator, and every
/// sum of one chunk): the same result, with one variable shift (normalising the magnitude so
/// that its top bit is bit 127: the mantissa is then bits 75..=127, and the rounding bits are
/// at fixed places below).
#[inline]
pub fn round_small(mag: u128, base: u64, negative: bool) -> Result<f64, Overflow> {
    if mag == 0 {
        return Ok(0.0);
    }
    let lz = mag.leading_zeros();
    let t = base.saturating_add(u64::from(127 - lz));
    if t >= TOP_LIMIT {
        return Err(Overflow { negative });
    }
    let bits = if t < 53 {
        (mag as u64) << base
    } else {
        let norm = mag << lz;
        let kept = (norm >> 75) as u64;
        let half = (norm >> 74) & 1 == 1;
        let sticky = norm & ((1 << 74) - 1) != 0;
        let mantissa = kept + u64::from(half && (sticky || kept & 1 == 1));
        let bits = ((t - 52) << 52) + mantissa;
        if bits >= INF_BITS {
            return Err(Overflow { negative });
        }
        bits
    };
    Ok(f64::from_bits(bits | u64::from(negative) << 63))
}
