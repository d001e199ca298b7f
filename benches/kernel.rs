//! Criterion benchmarks of the Rust kernel (`kernel::compute`), issue 4's sizes and thread counts.
//!
//! `make bench` (= `cargo bench --bench kernel`) runs them; filter with e.g.
//! `cargo bench --bench kernel -- 20x50000`. The 300 MB case (500 x 50,000) runs only with
//! `SW_BENCH_HUGE=1`, because generating and timing it takes minutes on a 2-core machine.
//!
//! Group names are `<portfolios>x<bonds>/s<sectors>`, the parameter is the thread count set through
//! the library's own pool (`sector_weights::pool::set_num_threads`). Throughput is in bonds.

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use sector_weights::kernel::{compute, Input, Layout};
use sector_weights::pool;

/// Deterministic data: weights in [0, 1), codes uniform in 0..num_sectors (xorshift64*).
fn data(n: usize, num_sectors: usize, seed: u64) -> (Vec<f64>, Vec<i32>) {
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

/// Thread counts 1..=all CPUs.
fn thread_counts() -> Vec<usize> {
    let all = std::thread::available_parallelism().map_or(1, |n| n.get());
    (1..=all).collect()
}

fn bench_case(c: &mut Criterion, portfolios: usize, bonds: usize, sectors: usize) {
    let n = portfolios * bonds;
    let mut group = c.benchmark_group(format!("{portfolios}x{bonds}/s{sectors}"));
    group.throughput(Throughput::Elements(n as u64));
    if n >= 1_000_000 {
        group.sample_size(10);
    }
    // Generated lazily, once, only if a benchmark of this group is selected by the filter.
    let mut inputs: Option<(Vec<f64>, Vec<i32>, Vec<f64>)> = None;
    for threads in thread_counts() {
        group.bench_with_input(BenchmarkId::new("threads", threads), &threads, |b, &t| {
            pool::set_num_threads(t).expect("set_num_threads");
            let (weights, codes, out) = inputs.get_or_insert_with(|| {
                let (w, c) = data(n, sectors, 0x5eed ^ n as u64);
                (w, c, vec![0.0; portfolios * sectors])
            });
            let input = Input {
                weights,
                values: None,
                codes,
                layout: Layout::Uniform {
                    num_portfolios: portfolios,
                    bonds_per_portfolio: bonds,
                },
                num_sectors: sectors,
            };
            b.iter(|| compute(black_box(&input), false, black_box(&mut out[..])).expect("compute"));
        });
    }
    group.finish();
    pool::set_num_threads(0).expect("set_num_threads(0)");
}

fn sizes(c: &mut Criterion) {
    // Issue 4's sizes with the article's 18 sectors.
    bench_case(c, 1, 100, 18);
    bench_case(c, 1, 10_000, 18);
    bench_case(c, 20, 50_000, 18);
    if std::env::var_os("SW_BENCH_HUGE").is_some_and(|v| v == "1") {
        bench_case(c, 500, 50_000, 18);
    }
    bench_case(c, 1, 20_000_000, 18);
    bench_case(c, 100_000, 100, 18);
}

fn sector_counts(c: &mut Criterion) {
    // Many sectors (1,000; 65,536 = issuer level) at the article size and in one huge portfolio.
    for sectors in [1_000, 65_536] {
        bench_case(c, 1, 100, sectors);
        bench_case(c, 20, 50_000, sectors);
        bench_case(c, 1, 20_000_000, sectors);
    }
}

/// One small portfolio with many sectors, taken apart: the three steps any checked,
/// no-partial-results implementation needs (check the input, zero the row, add each bond), run
/// back to back without the library's dispatch, against `compute` itself. The first is the floor
/// the plain C loop (zero + add, no check) is compared with in `benches/compare.py`.
/// Group `parts/<bonds>x<sectors>`.
fn parts(c: &mut Criterion) {
    use sector_weights::scatter::{scatter, screen, OneTable};
    for (bonds, sectors) in [(100, 1_000), (100, 65_536), (10_000, 65_536)] {
        let (w, codes) = data(bonds, sectors, 7);
        let mut out = vec![0.0; sectors];
        let mut group = c.benchmark_group(format!("parts/{bonds}x{sectors}"));
        group.bench_function("check+zero+add", |b| {
            b.iter(|| {
                let (ok, magnitude) = screen(black_box(&w), None, black_box(&codes), sectors);
                assert!(ok && magnitude < f64::MAX / 4.0);
                out.fill(0.0);
                assert!(scatter::<false, _>(
                    &w,
                    &[],
                    &codes,
                    &mut OneTable(&mut out)
                ));
                black_box(&out);
            })
        });
        group.bench_function("zero+add", |b| {
            b.iter(|| {
                out.fill(0.0);
                let t = &mut OneTable(&mut out);
                assert!(scatter::<false, _>(
                    black_box(&w),
                    &[],
                    black_box(&codes),
                    t
                ));
                black_box(&out);
            })
        });
        let input = Input {
            weights: &w,
            values: None,
            codes: &codes,
            layout: Layout::Uniform {
                num_portfolios: 1,
                bonds_per_portfolio: bonds,
            },
            num_sectors: sectors,
        };
        group.bench_function("compute", |b| {
            b.iter(|| compute(black_box(&input), false, black_box(&mut out[..])).expect("compute"))
        });
        group.finish();
    }
}

criterion_group!(benches, sizes, sector_counts, parts);
criterion_main!(benches);
