//! The exact reference of exact mode (issue 16): every term as a big integer (its value in units
//! of 2^-1074), summed with `num-bigint`, and rounded by Rust's decimal parser (correctly
//! rounded, ties to even) from the exact decimal expansion — independent of `src/exact`.

use num_bigint::BigInt;

/// The rounded value is not finite (`negative`: `-inf`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Overflows {
    pub negative: bool,
}

/// `x` in units of 2^-1074, exactly.
pub fn big(x: f64) -> BigInt {
    assert!(x.is_finite());
    let b = x.to_bits();
    let e = (b >> 52) & 0x7ff;
    let m = (b & ((1 << 52) - 1)) | if e > 0 { 1 << 52 } else { 0 };
    let n = BigInt::from(m) << (e.max(1) - 1);
    if b >> 63 == 1 {
        -n
    } else {
        n
    }
}

/// The double nearest to `n · 2^-1074` (ties to even), through its exact decimal expansion
/// `n · 5^1074 · 10^-1074` and Rust's correctly rounded parser; zero is `+0.0`.
pub fn round_big(n: &BigInt) -> Result<f64, Overflows> {
    static FIVES: std::sync::OnceLock<num_bigint::BigUint> = std::sync::OnceLock::new();
    let fives = FIVES.get_or_init(|| num_bigint::BigUint::from(5u32).pow(1074));
    let negative = n.sign() == num_bigint::Sign::Minus;
    let digits = (n.magnitude() * fives).to_string();
    let x: f64 = format!("{digits}e-1074").parse().expect("a decimal");
    if x.is_infinite() {
        Err(Overflows { negative })
    } else if negative {
        Ok(-x)
    } else {
        Ok(x)
    }
}

/// The exact sums of `terms` (cell, term) over `width` cells, not rounded.
pub fn exact_cells(width: usize, terms: impl Iterator<Item = (usize, f64)>) -> Vec<BigInt> {
    let mut sums = vec![BigInt::from(0); width];
    for (k, x) in terms {
        sums[k] += big(x);
    }
    sums
}

/// Rows of `s` exact sums rounded, each row divided by its exact total rounded once when
/// `normalize` (`None` where a row cannot be: overflow or a zero total).
pub fn rounded_rows(sums: &[BigInt], s: usize, normalize: bool) -> Option<Vec<f64>> {
    let mut out = Vec::with_capacity(sums.len());
    for row in sums.chunks(s) {
        let r: Vec<f64> = row.iter().map(round_big).collect::<Result<_, _>>().ok()?;
        if normalize {
            let total: BigInt = row.iter().sum();
            if total == BigInt::from(0) {
                return None;
            }
            let t = round_big(&total).ok()?;
            let q: Vec<f64> = r.iter().map(|x| x / t).collect();
            if q.iter().any(|x| !x.is_finite()) {
                return None;
            }
            out.extend(q);
        } else {
            out.extend(r);
        }
    }
    Some(out)
}

/// Cases of a property test: `PROPTEST_CASES` when set (an explicit count in
/// `ProptestConfig::with_cases` would ignore it), else `default`.
pub fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(default)
}
