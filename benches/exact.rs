//! Exact mode's cost (issue 16), against the default kernel in the same process
//! (`cargo bench --bench exact`).
//!
//! Two kinds of case, each run as interleaved rounds (every contender once per round, in a
//! freshly shuffled order, so that load from other processes hits all of them alike; see
//! `benches/parts.rs`):
//!
//! - `chunk`: one chunk (`chunk_len(sectors)` bonds: 65,536 up to 4,096 sectors), one thread.
//!   "default" is `kernel::compute` on one portfolio of one chunk (the default chunk scan plus a
//!   call's small fixed cost); "exact" is `exact::scan` into a row of accumulators plus
//!   `round_row`. Codes uniform at random, and sorted by sector (every bond of a sector in a
//!   row, the worst case for a scatter's store-to-load chains).
//! - `call`: a whole call of `portfolios × bonds` (18 sectors) on 1 and 2 threads: "default" is
//!   `kernel::compute`, "exact" is `kernel::compute_exact` (what `SW_EXACT` runs), both on the
//!   library's pool set to the case's thread count: 20×50,000, 500×50,000 and 1×20,000,000;
//!   and on one thread 20×50,000 over 1,000 sectors, and exposures (`weight × value`, values
//!   in [0.5, 1.5)) at 20×50,000 and 500×50,000.
//!
//! Prints a Markdown table: min and median per call, ns per bond, and exact/default as the
//! median over rounds of each round's ratio. `SW_EXACT_ROUNDS` sets the rounds (default 31),
//! `SW_EXACT_CASES` a comma-separated filter of case names (`chunk`, `call`, `18`, `500x`...).
//!
//! Instruction counts (reliable on a shared machine): with `SW_EXACT_ROUNDS=0` each selected
//! case runs each contender once, untimed, so that under
//! `valgrind --tool=callgrind target/release/deps/exact-* --bench` the inclusive counts of
//! `exact::default_call` and `exact::exact_call` are one call's (see `benches/callgrind.sh`).

use std::hint::black_box;
use std::time::Instant;

use sector_weights::internals::exact::{round_row, scan, Acc};
use sector_weights::internals::{chunk_len, compute, compute_exact, Input, Layout};
use sector_weights::testkit::Rng;

/// At least this long per sample (repeating short calls).
const SAMPLE_SECONDS: f64 = 0.002;

struct Case {
    name: String,
    portfolios: usize,
    bonds: usize,
    sectors: usize,
    threads: usize,
    sorted: bool,
    /// Exposures: each term `weight × value`.
    exposures: bool,
}

fn cases() -> Vec<Case> {
    let mut v = Vec::new();
    for sectors in [18, 1_000, 65_536] {
        for sorted in [false, true] {
            let bonds = chunk_len(sectors);
            let order = if sorted { "sorted" } else { "random" };
            let name = format!("chunk {bonds} x {sectors} {order}");
            v.push(Case {
                name,
                portfolios: 1,
                bonds,
                sectors,
                threads: 1,
                sorted,
                exposures: false,
            });
        }
    }
    for threads in [1, 2] {
        for (portfolios, bonds) in [(20, 50_000), (500, 50_000), (1, 20_000_000)] {
            let name = format!("call {portfolios}x{bonds}x18 {threads} threads");
            v.push(Case {
                name,
                portfolios,
                bonds,
                sectors: 18,
                threads,
                sorted: false,
                exposures: false,
            });
        }
    }
    for (portfolios, sectors, exposures) in [(20, 1_000, false), (20, 18, true), (500, 18, true)] {
        let kind = if exposures { " exposures" } else { "" };
        let name = format!("call {portfolios}x50000x{sectors}{kind} 1 threads");
        v.push(Case {
            name,
            portfolios,
            bonds: 50_000,
            sectors,
            threads: 1,
            sorted: false,
            exposures,
        });
    }
    v
}

/// Weights in [0, 1) and codes, uniform or sorted by sector within each portfolio; values in
/// [0.5, 1.5) for exposures (empty otherwise).
fn data(case: &Case) -> (Vec<f64>, Vec<i32>, Vec<f64>) {
    let n = case.portfolios * case.bonds;
    let mut rng = Rng::new(0x5eed ^ n as u64);
    let w = (0..n).map(|_| rng.unit()).collect();
    let mut c = rng.codes(n, case.sectors);
    if case.sorted {
        c.chunks_mut(case.bonds).for_each(|p| p.sort_unstable());
    }
    let v = if case.exposures { (0..n).map(|_| 0.5 + rng.unit()).collect() } else { Vec::new() };
    (w, c, v)
}

/// The call's input: weights, or exposures when `v` is not empty.
fn input<'a>(w: &'a [f64], c: &'a [i32], v: &'a [f64], case: &Case) -> Input<'a> {
    let layout =
        Layout::Uniform { num_portfolios: case.portfolios, bonds_per_portfolio: case.bonds };
    let mut input = Input::new(w, c, layout, case.sectors);
    if !v.is_empty() {
        input.values = Some(Input::new(v, c, layout, case.sectors).weights);
    }
    input
}

/// One chunk in exact mode: scanned into a row of accumulators, rounded.
#[inline(never)]
fn exact_chunk(w: &[f64], c: &[i32], case: &Case, out: &mut [f64]) {
    let mut row = vec![Acc::zero(); case.sectors];
    scan::<false, f64, i32>(w, &[], c, &mut row).expect("valid input");
    round_row(&row, out).expect("finite sums");
}

/// A whole call in exact mode (`SW_EXACT`).
#[inline(never)]
fn exact_call(w: &[f64], c: &[i32], v: &[f64], case: &Case, out: &mut [f64]) {
    compute_exact(&input(w, c, v, case), false, out).expect("compute");
}

#[inline(never)]
fn default_call(w: &[f64], c: &[i32], v: &[f64], case: &Case, out: &mut [f64]) {
    compute(&input(w, c, v, case), false, out).expect("compute");
}

fn show(seconds: f64) -> String {
    match seconds {
        t if t < 1e-3 => format!("{:.1} µs", t * 1e6),
        t => format!("{:.2} ms", t * 1e3),
    }
}

fn main() {
    let rounds: usize =
        std::env::var("SW_EXACT_ROUNDS").ok().and_then(|r| r.parse().ok()).unwrap_or(31);
    let filter = std::env::var("SW_EXACT_CASES").unwrap_or_default();
    println!("{rounds} interleaved rounds; per call: min / median; ns per bond (median)\n");
    println!("| case | default | exact | exact / default (median of per-round ratios) |");
    println!("|---|---:|---:|---:|");
    let mut rng = Rng::new(7);
    for case in cases() {
        if !filter.is_empty() && !filter.split(',').any(|f| case.name.contains(f)) {
            continue;
        }
        sector_weights::set_num_threads(case.threads).expect("threads");
        let (w, c, v) = data(&case);
        let n = w.len() as f64;
        let mut outs =
            [vec![0.0; case.portfolios * case.sectors], vec![0.0; case.portfolios * case.sectors]];
        let run = |which: usize, out: &mut [f64]| {
            if which == 0 {
                default_call(black_box(&w), black_box(&c), black_box(&v), &case, out)
            } else if case.portfolios == 1 && case.bonds == chunk_len(case.sectors) {
                exact_chunk(black_box(&w), black_box(&c), &case, out)
            } else {
                exact_call(black_box(&w), black_box(&c), black_box(&v), &case, out)
            }
        };
        // Exact and default agree within the default's rounding (weights in [0, 1): no
        // cancellation), and exact mode is repeatable.
        for (j, out) in outs.iter_mut().enumerate() {
            run(j, out);
        }
        for (d, e) in outs[0].iter().zip(&outs[1]) {
            assert!((d - e).abs() <= 1e-9 * e.abs(), "default {d} vs exact {e}");
        }
        if rounds == 0 {
            println!("{}: {} bonds", case.name, w.len());
            continue; // One untimed call each (for callgrind).
        }
        let time = |which: usize, k: usize, out: &mut [f64]| {
            let t = Instant::now();
            for _ in 0..k {
                run(which, out);
            }
            t.elapsed().as_secs_f64() / k as f64
        };
        let once = time(1, 1, &mut outs[1]).max(time(0, 1, &mut outs[0]));
        let k = ((SAMPLE_SECONDS / once) as usize).max(1);
        let mut times = [Vec::new(), Vec::new()];
        let mut ratios = Vec::new();
        for _ in 0..rounds {
            let first = rng.below(2);
            let mut t = [0.0; 2];
            for j in [first, 1 - first] {
                t[j] = time(j, k, &mut outs[j]);
                times[j].push(t[j]);
            }
            ratios.push(t[1] / t[0]);
        }
        let med = |v: &mut Vec<f64>| {
            v.sort_by(f64::total_cmp);
            (v[0], v[v.len() / 2])
        };
        let cells: Vec<String> = times
            .iter_mut()
            .map(|t| {
                let (min, median) = med(t);
                format!("{} / {} ({:.2} ns/bond)", show(min), show(median), median / n * 1e9)
            })
            .collect();
        let (_, ratio) = med(&mut ratios);
        println!("| {} | {} | {} | {ratio:.2} |", case.name, cells[0], cells[1]);
    }
    sector_weights::set_num_threads(0).expect("threads");
}
