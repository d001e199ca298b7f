//! Test support, one copy for every kind of test: the kernel's unit tests, the integration and
//! property tests (`tests/`), the benchmarks (`benches/`) and the fuzz targets (`fuzz/`) all draw
//! data from [`Rng`] and compare with [`naive`]. Not part of the API (hidden from the docs).

use std::ops::Range;

use crate::error::Bad;

/// A small deterministic generator (xorshift64*), so that tests need no extra dependency and a
/// seed reproduces a case everywhere.
#[derive(Debug, Clone)]
pub struct Rng(pub u64);

impl Rng {
    /// A generator seeded with `seed` (made odd: xorshift's one fixed point is 0).
    pub fn new(seed: u64) -> Rng {
        Rng(seed | 1)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// Uniform in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
    /// Uniform in `[0, 1)`, 53 random bits.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    /// A multiple of 1/8 in `-4..4`: sums of up to 2^45 of them are exact in any order, so a
    /// result can be compared bit for bit with [`naive`] whatever the summation order.
    pub fn dyadic(&mut self) -> f64 {
        self.below(64) as f64 / 8.0 - 4.0
    }
    /// `n` sector codes uniform in `0..s`.
    pub fn codes(&mut self, n: usize, s: usize) -> Vec<i32> {
        (0..n).map(|_| self.below(s) as i32).collect()
    }
    /// A weight in `[-0.5, 1.5)`: mostly positive, some negative (short positions, sells).
    pub fn weight(&mut self) -> f64 {
        self.unit() * 2.0 - 0.5
    }
    /// `n` weights (see [`Rng::weight`]) and their codes in `0..s`.
    pub fn data(&mut self, n: usize, s: usize) -> (Vec<f64>, Vec<i32>) {
        let w = (0..n).map(|_| self.weight()).collect();
        (w, self.codes(n, s))
    }
    /// `n` dyadic weights (see [`Rng::dyadic`]) and their codes in `0..s`.
    pub fn dyadic_data(&mut self, n: usize, s: usize) -> (Vec<f64>, Vec<i32>) {
        let w = (0..n).map(|_| self.dyadic()).collect();
        (w, self.codes(n, s))
    }
}

/// Bond ranges of `p` portfolios of `b` bonds each.
pub fn uniform_ranges(p: usize, b: usize) -> Vec<Range<usize>> {
    (0..p).map(|q| q * b..(q + 1) * b).collect()
}

/// Bond ranges given by offsets (`offsets[q]..offsets[q + 1]`).
pub fn ranges_of(offsets: &[usize]) -> Vec<Range<usize>> {
    offsets.windows(2).map(|w| w[0]..w[1]).collect()
}

/// Per-cell (`portfolio * s + sector`) results of the naive loop.
#[derive(Debug, Clone, PartialEq)]
pub struct Sums {
    /// The sums, each added in bond order.
    pub sum: Vec<f64>,
    /// The sums of `|term|`: any summation order is within `(terms - 1) * eps * abs` of `sum`.
    pub abs: Vec<f64>,
    /// How many terms each cell has.
    pub count: Vec<usize>,
}

impl Sums {
    /// The cells `cells` only (for example one portfolio's row).
    pub fn cells(&self, cells: Range<usize>) -> Sums {
        Sums {
            sum: self.sum[cells.clone()].to_vec(),
            abs: self.abs[cells.clone()].to_vec(),
            count: self.count[cells].to_vec(),
        }
    }
}

/// The naive reference: for each portfolio (a range of bonds) and sector, the sum of `w[i]`
/// (times `v[i]`) over its bonds with code `c[i] == sector`, in bond order. Codes must be valid.
pub fn naive(w: &[f64], v: Option<&[f64]>, c: &[i32], ranges: &[Range<usize>], s: usize) -> Sums {
    let cells = ranges.len() * s;
    let mut out = Sums { sum: vec![0.0; cells], abs: vec![0.0; cells], count: vec![0; cells] };
    for (q, r) in ranges.iter().enumerate() {
        for i in r.clone() {
            let x = w[i] * v.map_or(1.0, |v| v[i]);
            let k = q * s + c[i] as usize;
            out.sum[k] += x;
            out.abs[k] += x.abs();
            out.count[k] += 1;
        }
    }
    out
}

/// The naive reference of the grouped layout: for each portfolio `q` and sector `k`, the sum of
/// `w[i]` (times `v[i]`) over the rows `i` with `portfolios[i] == q` and `c[i] == k`, in row order.
pub fn naive_grouped(
    w: &[f64], v: Option<&[f64]>, c: &[i64], portfolios: &[i64], num_portfolios: usize, s: usize,
) -> Sums {
    let cells = num_portfolios * s;
    let mut out = Sums { sum: vec![0.0; cells], abs: vec![0.0; cells], count: vec![0; cells] };
    for i in 0..w.len() {
        let x = w[i] * v.map_or(1.0, |v| v[i]);
        let k = portfolios[i] as usize * s + c[i] as usize;
        out.sum[k] += x;
        out.abs[k] += x.abs();
        out.count[k] += 1;
    }
    out
}

/// A permutation of `0..n` (Fisher-Yates), to shuffle rows.
pub fn permutation(rng: &mut Rng, n: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        order.swap(i, rng.below(i + 1));
    }
    order
}

/// The first bad element in portfolio-then-bond order (a code is checked before its weight,
/// the weight before its value): `(portfolio, bond within it, what)`.
pub fn first_bad(
    w: &[f64], v: Option<&[f64]>, c: &[i32], ranges: &[Range<usize>], s: usize,
) -> Option<(usize, usize, Bad)> {
    ranges.iter().enumerate().find_map(|(q, r)| {
        r.clone().find_map(|i| {
            let bad = if c[i] < 0 || c[i] as u64 >= s as u64 {
                Bad::Code(c[i].into())
            } else if !w[i].is_finite() {
                Bad::Weight(w[i])
            } else {
                match v {
                    Some(v) if !v[i].is_finite() => Bad::Value(v[i]),
                    _ => return None,
                }
            };
            Some((q, i - r.start, bad))
        })
    })
}

/// Asserts that `got` agrees with the naive sums within the error of any summation order.
pub fn assert_close(got: &[f64], want: &Sums) {
    assert_eq!(got.len(), want.sum.len());
    for (j, g) in got.iter().enumerate() {
        let bound = (want.count[j].max(1) as f64) * f64::EPSILON * 2.0;
        let tol = bound * want.abs[j] + f64::MIN_POSITIVE;
        let w = want.sum[j];
        assert!((g - w).abs() <= tol, "cell {j}: got {g}, reference {w}, tolerance {tol}");
    }
}

/// The bits of each value, to compare results exactly (NaN payloads and signed zeros included).
pub fn bits(v: &[f64]) -> Vec<u64> {
    v.iter().map(|x| x.to_bits()).collect()
}
