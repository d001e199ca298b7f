//! Shared by the Rust benchmarks: the same deterministic data for every harness, from the
//! library's one generator (`sector_weights::testkit`).

use sector_weights::testkit::Rng;

/// Weights in [0, 1), codes uniform in 0..num_sectors.
pub fn data(n: usize, num_sectors: usize, seed: u64) -> (Vec<f64>, Vec<i32>) {
    let mut rng = Rng::new(seed);
    let weights = (0..n).map(|_| rng.unit()).collect();
    (weights, rng.codes(n, num_sectors))
}
