//! The pool's default size follows the environment (src/pool.rs, docs/guarantees.md#threads-how-many):
//! `sw_set_num_threads(n > 0)`, then SECTOR_WEIGHTS_NUM_THREADS, RAYON_NUM_THREADS,
//! OMP_NUM_THREADS (first entry), then every CPU; invalid values are skipped.
//!
//! The pool is process-global and reads the environment once, so every case runs in a fresh
//! process: this test binary started again (`child`, selected with `--exact`) with an empty
//! environment plus the case's variables, and a script of steps in `SW_THREADS_ENV_SCRIPT`. The
//! child prints one `step: result` line per step; the parent compares them.

mod common;

use std::process::Command;

use common::Rng;
use sector_weights::ffi::{sw_get_num_threads, sw_set_num_threads};
use sector_weights::SwStatus;

const SCRIPT: &str = "SW_THREADS_ENV_SCRIPT";
const SW: &str = "SECTOR_WEIGHTS_NUM_THREADS";
const RAYON: &str = "RAYON_NUM_THREADS";
const OMP: &str = "OMP_NUM_THREADS";

/// Runs only as a child: the steps of `SW_THREADS_ENV_SCRIPT`, separated by `;`:
/// `get` (sw_get_num_threads), `set N` (sw_set_num_threads; prints the status), `env NAME=VALUE`
/// (sets a variable in this process), `workers` (the pool's threads alive in this process, by
/// name), `sum` (the bits of a large computation that runs on the pool).
#[test]
fn child() {
    let Ok(script) = std::env::var(SCRIPT) else { return };
    for step in script.split(';') {
        let (verb, arg) = step.split_once(' ').unwrap_or((step, ""));
        let result = match verb {
            "get" => sw_get_num_threads().to_string(),
            "set" => (sw_set_num_threads(arg.parse().unwrap()) as i32).to_string(),
            "env" => {
                let (name, value) = arg.split_once('=').unwrap();
                std::env::set_var(name, value);
                String::new()
            }
            #[cfg(target_os = "linux")]
            "workers" => pool_workers().to_string(),
            "sum" => sum_bits(),
            _ => panic!("unknown step {step:?}"),
        };
        println!("{step}: {result}");
    }
}

/// Threads of this process named like the pool's workers ("sector-weights-{i}", which Linux
/// truncates to 15 bytes: "sector-weights-"), once the count has held for 200 ms (a new thread
/// names itself when it starts running).
#[cfg(target_os = "linux")]
fn pool_workers() -> usize {
    let count = || {
        let tasks = std::fs::read_dir("/proc/self/task").expect("Linux /proc");
        tasks
            .filter_map(|t| std::fs::read_to_string(t.ok()?.path().join("comm")).ok())
            .filter(|name| name.starts_with("sector-weights-"))
            .count()
    };
    let (mut last, mut stable_since) = (count(), std::time::Instant::now());
    let start = stable_since;
    while stable_since.elapsed().as_millis() < 200 && start.elapsed().as_secs() < 10 {
        std::thread::sleep(std::time::Duration::from_millis(10));
        let now = count();
        if now != last {
            (last, stable_since) = (now, std::time::Instant::now());
        }
    }
    last
}

/// One portfolio of 400,000 bonds (several chunks: it runs on the pool) whose weights span twelve
/// orders of magnitude and both signs, so any change of summation order changes the last bits.
fn sum_bits() -> String {
    let mut rng = Rng::new(16);
    let (mut w, c) = rng.data(400_000, 18);
    for x in &mut w {
        *x *= 10f64.powi(rng.below(13) as i32 - 6);
    }
    let sums = sector_weights::sector_weights(&w, &c, 1, 18).unwrap();
    sums.iter().map(|s| format!("{:016x}", s.to_bits())).collect::<Vec<_>>().join(",")
}

/// Runs `script` in a fresh process with only `vars` set (and the loader's path); each step's
/// printed result, in order.
fn run(vars: &[(&str, &str)], script: &str) -> Vec<String> {
    let exe = std::env::current_exe().unwrap();
    let mut cmd = Command::new(exe);
    cmd.args(["--exact", "child", "--nocapture", "--test-threads=1", "--quiet"]).env_clear();
    if let Some(path) = std::env::var_os("LD_LIBRARY_PATH") {
        cmd.env("LD_LIBRARY_PATH", path);
    }
    let out = cmd.envs(vars.iter().copied()).env(SCRIPT, script).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "child {vars:?} {script:?} failed:\n{stdout}\n{stderr}");
    let steps: Vec<&str> = script.split(';').collect();
    let mut results = Vec::new();
    for line in stdout.lines() {
        if let Some(step) = steps.get(results.len()) {
            if let Some(result) = line.strip_prefix(&format!("{step}: ")) {
                results.push(result.to_string());
            }
        }
    }
    assert_eq!(results.len(), steps.len(), "child {vars:?} {script:?} printed:\n{stdout}");
    results
}

/// The pool size a fresh process with only `vars` set starts with.
fn default_with(vars: &[(&str, &str)]) -> usize {
    run(vars, "get")[0].parse().unwrap()
}

fn cpus() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

const OK: &str = "0";

#[test]
fn each_rule_of_the_precedence_in_its_own_process() {
    assert_eq!(default_with(&[]), cpus(), "nothing set: every CPU");
    assert_eq!(default_with(&[(OMP, "1")]), 1, "Dask's nanny: OMP_NUM_THREADS=1");
    assert_eq!(default_with(&[(OMP, "3,2")]), 3, "an OpenMP nesting list: its first entry");
    assert_eq!(default_with(&[(OMP, "3"), (RAYON, "2")]), 2, "RAYON_NUM_THREADS before OMP");
    let all = [(OMP, "3"), (RAYON, "2"), (SW, "5")];
    assert_eq!(default_with(&all), 5, "SECTOR_WEIGHTS_NUM_THREADS before both");
    // A count set in the process wins over every variable; 0 goes back to them.
    assert_eq!(run(&all, "set 4;get;set 0;get"), [OK, "4", OK, "5"]);
    assert_eq!(run(&[(OMP, "1")], "set 2;get"), [OK, "2"]);
}

#[test]
fn the_environment_is_read_when_a_default_pool_is_built_not_at_each_call() {
    let script = "env OMP_NUM_THREADS=2;get;env OMP_NUM_THREADS=3;get;sum;get;set 0;get";
    let r = run(&[(OMP, "1")], script);
    // Changed before the pool starts: counts. Changed after: ignored until set_num_threads(0).
    assert_eq!([&r[1], &r[3], &r[5], &r[6], &r[7]], ["2", "2", "2", OK, "3"], "{r:?}");
    let r = run(&[(RAYON, "2")], "set 1;env SECTOR_WEIGHTS_NUM_THREADS=3;get;set 0;get");
    assert_eq!(r, [OK, "", "1", OK, "3"]);
}

#[test]
fn invalid_values_are_skipped_never_an_error() {
    let bad = ["", " ", "0", "-1", "+2", "2.5", "lots", "4097", "18446744073709551616"];
    for b in bad {
        assert_eq!(default_with(&[(SW, b), (RAYON, "2")]), 2, "{SW}={b:?}");
        assert_eq!(default_with(&[(RAYON, b), (OMP, "3")]), 3, "{RAYON}={b:?}");
        assert_eq!(default_with(&[(OMP, b)]), cpus(), "{OMP}={b:?}");
    }
    assert_eq!(default_with(&[(SW, " 2 ")]), 2, "spaces around a number are fine");
    // A count above the limit given to sw_set_num_threads is refused and changes nothing.
    let refused = (SwStatus::SW_ERROR_INVALID_ARGUMENT as i32).to_string();
    let r = run(&[(OMP, "1")], "get;set 4097;set 18446744073709551615;get");
    assert_eq!(r, ["1", &refused, &refused, "1"]);
}

#[cfg(target_os = "linux")]
#[test]
fn the_pool_has_that_many_threads_and_the_results_do_not_change() {
    let one = run(&[(OMP, "1")], "get;workers;sum");
    let three = run(&[(SW, "3"), (OMP, "1")], "get;workers;sum");
    assert_eq!(one[..2], ["1", "1"], "OMP_NUM_THREADS=1: one worker thread");
    assert_eq!(three[..2], ["3", "3"]);
    assert_eq!(one[2], three[2], "1 and 3 threads give different bits");
}
