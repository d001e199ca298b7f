//! One small portfolio with many sectors, taken apart (`cargo bench --bench parts`).
//!
//! The plain loop (zero the row, then `row[c[i]] += w[i]`) does no checks. A checked call that
//! never leaves a partial result must read the input before it writes anything, so its floor is
//! check + zero + add. This harness times those steps, run back to back without the library's
//! dispatch, against `kernel::compute` and the plain loop, all in one process: each round runs
//! every contender for one sample (at least 2 ms of back-to-back calls) in a freshly shuffled
//! order, so drift and load from other processes hit all of them alike (on a shared VM a
//! sequential harness such as criterion saw zero + add "slower" than check + zero + add).
//!
//! Prints one Markdown table, a row per case: min and median time per call over the rounds, and
//! each median over the plain loop's. `SW_PARTS_ROUNDS` sets the number of rounds (default 101).

use std::hint::black_box;
use std::time::{Duration, Instant};

use sector_weights::internals::{compute, Input, Layout};
use sector_weights::internals::{scatter, screen, streams_input, OneTable};

mod common;
use common::data;

const CASES: [(usize, usize); 4] = [(100, 1_000), (100, 65_536), (10_000, 1_000), (10_000, 65_536)];
const SAMPLE: Duration = Duration::from_millis(2);
const NAMES: [&str; 5] =
    ["plain loop", "check", "zero + add", "check + zero + add", "kernel::compute"];

/// The plain loop, in Rust: what the C loop of `benches/compare.py` does (its index is
/// bounds-checked, one compare and branch per bond, which the C loop does not have).
#[inline(never)]
fn plain_loop(w: &[f64], c: &[i32], out: &mut [f64]) {
    out.fill(0.0);
    for (&x, &k) in w.iter().zip(c) {
        out[k as usize] += x;
    }
}

/// Zero the row, then the library's scatter (one table, unrolled by four, codes compared as u32;
/// its input prefetched as `chunk::one_table` does for this many sectors).
#[inline(always)]
fn zero_add(w: &[f64], c: &[i32], out: &mut [f64]) {
    out.fill(0.0);
    let ok = if streams_input(out.len()) {
        scatter::<false, true, f64, i32, _>(w, &[], c, &mut OneTable(out))
    } else {
        scatter::<false, false, f64, i32, _>(w, &[], c, &mut OneTable(out))
    };
    assert!(ok);
}

/// Contender `which` once.
fn run(which: usize, w: &[f64], c: &[i32], out: &mut [f64]) {
    let s = out.len();
    let (w, c) = (black_box(w), black_box(c));
    match which {
        0 => plain_loop(w, c, out),
        1 => {
            black_box(screen(w, None, c, s));
        }
        2 => zero_add(w, c, out),
        3 => {
            let (ok, magnitude) = screen(w, None, c, s);
            assert!(ok && magnitude < f64::MAX / 4.0);
            zero_add(w, c, out);
        }
        _ => {
            let input = Input::new(
                w,
                c,
                Layout::Uniform { num_portfolios: 1, bonds_per_portfolio: w.len() },
                s,
            );
            compute(&input, false, out).expect("compute");
        }
    }
    black_box(out);
}

/// Seconds per call of `k` back-to-back calls.
fn sample(which: usize, k: usize, w: &[f64], c: &[i32], out: &mut [f64]) -> f64 {
    let t = Instant::now();
    for _ in 0..k {
        run(which, w, c, out);
    }
    t.elapsed().as_secs_f64() / k as f64
}

fn show(seconds: f64) -> String {
    match seconds {
        t if t < 1e-6 => format!("{:.0} ns", t * 1e9),
        t if t < 1e-3 => format!("{:.2} µs", t * 1e6),
        t => format!("{:.2} ms", t * 1e3),
    }
}

fn main() {
    let rounds: usize =
        std::env::var("SW_PARTS_ROUNDS").ok().and_then(|r| r.parse().ok()).unwrap_or(101);
    let mut rng = 0x9e37_79b9_7f4a_7c15_u64;
    println!("{rounds} interleaved rounds; per call: min / median (median / plain loop's)\n");
    println!("| bonds x sectors | {} |", NAMES.join(" | "));
    println!("|---|{}", "---:|".repeat(NAMES.len()));
    for (bonds, sectors) in CASES {
        let (w, c) = data(bonds, sectors, 7);
        let mut out = vec![0.0; sectors];
        // Every contender that writes the row writes the plain loop's sums (and the checks pass:
        // no early exit is timed).
        let mut want = vec![0.0; sectors];
        plain_loop(&w, &c, &mut want);
        for j in [2, 3, 4] {
            out.fill(f64::NAN);
            run(j, &w, &c, &mut out);
            assert_eq!(out, want, "{} differs from the plain loop", NAMES[j]);
        }
        // Calls per sample: enough for SAMPLE of the slowest step, the same for every contender.
        let once = (0..NAMES.len()).map(|j| sample(j, 100, &w, &c, &mut out)).fold(0.0, f64::max);
        let k = ((SAMPLE.as_secs_f64() / once) as usize).max(1);
        let mut times = vec![Vec::with_capacity(rounds); NAMES.len()];
        let mut order: Vec<usize> = (0..NAMES.len()).collect();
        for _ in 0..rounds {
            for i in (1..order.len()).rev() {
                rng ^= rng << 13;
                rng ^= rng >> 7;
                rng ^= rng << 17;
                order.swap(i, (rng % (i as u64 + 1)) as usize);
            }
            for &j in &order {
                times[j].push(sample(j, k, &w, &c, &mut out));
            }
        }
        for t in &mut times {
            t.sort_by(f64::total_cmp);
        }
        let base = times[0][rounds / 2];
        let cells: Vec<String> = times
            .iter()
            .map(|t| {
                let median = t[rounds / 2];
                format!("{} / {} ({:.2})", show(t[0]), show(median), median / base)
            })
            .collect();
        println!("| {bonds} x {sectors} | {} |", cells.join(" | "));
    }
}
