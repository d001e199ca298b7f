//! Shared helpers for the integration tests: a naive reference and the last-error reader.
#![allow(dead_code)]

use sector_weights::ffi;

/// Naive per-portfolio, per-sector sums of `w[i] * v[i]` (or `w[i]`), portfolios given by offsets.
/// Returns the sums and, for the error bound, the sums of absolute contributions.
pub fn reference(
    w: &[f64], v: Option<&[f64]>, c: &[i32], offsets: &[usize], s: usize,
) -> (Vec<f64>, Vec<f64>) {
    let p = offsets.len() - 1;
    let mut sums = vec![0.0; p * s];
    let mut abs = vec![0.0; p * s];
    for q in 0..p {
        for i in offsets[q]..offsets[q + 1] {
            let x = w[i] * v.map_or(1.0, |v| v[i]);
            let k = q * s + c[i] as usize;
            sums[k] += x;
            abs[k] += x.abs();
        }
    }
    (sums, abs)
}

/// Asserts `got` agrees with the reference within the floating-point error of any summation order.
pub fn assert_close(got: &[f64], want: &[f64], abs: &[f64], n: usize) {
    assert_eq!(got.len(), want.len());
    let bound_factor = (n.max(1) as f64) * f64::EPSILON * 2.0;
    for (j, ((g, w), a)) in got.iter().zip(want).zip(abs).enumerate() {
        let tol = bound_factor * a + f64::MIN_POSITIVE;
        assert!((g - w).abs() <= tol, "element {j}: got {g}, reference {w}, tolerance {tol}");
    }
}

/// Offsets 0, b, 2b, ... for `p` portfolios of `b` bonds.
pub fn uniform_offsets(p: usize, b: usize) -> Vec<usize> {
    (0..=p).map(|q| q * b).collect()
}

/// This thread's last error detail, read through the C ABI.
pub fn last_error() -> String {
    // SAFETY: NULL with length 0 is allowed and writes nothing.
    let n = unsafe { ffi::sw_last_error_message(std::ptr::null_mut(), 0) };
    let mut buf = vec![0u8; n + 1];
    // SAFETY: buf is valid for buf.len() bytes of writes.
    let m = unsafe { ffi::sw_last_error_message(buf.as_mut_ptr().cast(), buf.len()) };
    assert_eq!(m, n);
    assert_eq!(buf[n], 0, "NUL-terminated");
    String::from_utf8(buf[..n].to_vec()).expect("UTF-8 message")
}

/// A small deterministic generator (xorshift64*), so tests need no extra dependency.
pub struct Rng(pub u64);

impl Rng {
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
    pub fn weight(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 0.5
    }
    pub fn data(&mut self, n: usize, s: usize) -> (Vec<f64>, Vec<i32>) {
        let w = (0..n).map(|_| self.weight()).collect();
        let c = (0..n).map(|_| self.below(s) as i32).collect();
        (w, c)
    }
}
