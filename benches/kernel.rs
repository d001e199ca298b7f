//! Criterion benchmarks of the Rust kernel (`kernel::compute`), issue 4's sizes and thread counts.
//!
//! `make bench` (= `cargo bench --bench kernel`) runs them; filter with e.g.
//! `cargo bench --bench kernel -- 20x50000`. The 300 MB case (500 x 50,000) runs only with
//! `SW_BENCH_HUGE=1`, because generating and timing it takes minutes on a 2-core machine.
//!
//! Group names are `<portfolios>x<bonds>/s<sectors>`, the parameter is the thread count set through
//! the library's own pool (`sector_weights::set_num_threads`). Throughput is in bonds.

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use sector_weights as pool;
use sector_weights::internals::{compute, Input, Layout};

mod common;
use common::data;

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
            let layout = Layout::Uniform { num_portfolios: portfolios, bonds_per_portfolio: bonds };
            let input = Input::new(weights, codes, layout, sectors);
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

criterion_group!(benches, sizes, sector_counts);
criterion_main!(benches);
