//! Shared by the Rust benchmarks: the same deterministic data for every harness.

/// Weights in [0, 1), codes uniform in 0..num_sectors (xorshift64*).
pub fn data(n: usize, num_sectors: usize, seed: u64) -> (Vec<f64>, Vec<i32>) {
    let mut x = seed | 1;
    let mut next = move || {
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    };
    let mut weights = Vec::with_capacity(n);
    let mut codes = Vec::with_capacity(n);
    for _ in 0..n {
        let r = next();
        weights.push((r >> 11) as f64 / (1u64 << 53) as f64);
        codes.push(((r >> 32) % num_sectors as u64) as i32);
    }
    (weights, codes)
}
