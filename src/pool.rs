//! The library's own rayon thread pool, resizable at any time, and its default size.
//!
//! rayon's global pool cannot be resized once built, so the library keeps its own pool behind a
//! mutex-protected `Arc`. A call clones the `Arc` (a few nanoseconds under the lock) and runs on
//! that pool; `set_num_threads` builds a new pool and swaps it in. Calls already running keep the
//! old pool alive through their clone, and it shuts down when the last of them returns.
//!
//! The size, first rule that applies (docs/guarantees.md#threads-how-many says the same for users):
//! 1. a count set with `set_num_threads(n)`, n > 0;
//! 2. `SECTOR_WEIGHTS_NUM_THREADS`;
//! 3. `RAYON_NUM_THREADS`;
//! 4. `OMP_NUM_THREADS`, its first entry ("4,2" is 4): Dask's nanny sets it to 1 in worker
//!    processes and Spark's Python runner to `spark.task.cpus`, so that several workers on one
//!    machine do not each start a pool of every core;
//! 5. every logical CPU the process may use (`std::thread::available_parallelism`), at most 4096.
//!
//! A variable counts when it holds a whole number from 1 to [`MAX_THREADS`], spaces around it
//! allowed; any other value (empty, 0, -2, 2.5, "four", 5000, ...) is ignored as if it were not
//! set. The environment is read when a default-sized pool is built (the first call that needs
//! the pool, `set_num_threads(0)`, the first such call in a fork() child), never at each call.
//! The resolved count is always passed to rayon, so rayon reads no variable itself.
//!
//! fork(): a child process inherits the pool's handle but none of its threads, so a call in the
//! child would wait forever for workers that do not exist (Python's multiprocessing forks by
//! default on Linux). The pool remembers the process that built it; in any other process it is
//! abandoned (never dropped: its threads are not there to be told) and a new one is built.

use std::ffi::OsString;
use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex, MutexGuard};

use rayon::{ThreadPool, ThreadPoolBuilder};

use crate::error::{Argument, Error, Resource, Result};

/// The most worker threads a pool may have, set or from the environment.
pub const MAX_THREADS: usize = 4096;

/// The environment variables that give the default size, first match wins.
const ENV_VARS: [&str; 3] = ["SECTOR_WEIGHTS_NUM_THREADS", "RAYON_NUM_THREADS", "OMP_NUM_THREADS"];

struct State {
    /// Requested thread count; 0 means the default ([`default_size`]).
    requested: usize,
    pool: Option<Arc<ThreadPool>>,
    /// The process that built `pool`.
    pid: u32,
}

static STATE: Mutex<State> = Mutex::new(State { requested: 0, pool: None, pid: 0 });

fn state() -> MutexGuard<'static, State> {
    // Nothing that holds the lock can panic half-way through an update, so a poisoned lock still
    // holds a consistent state.
    let mut st = STATE.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let pid = std::process::id();
    if st.pid != pid {
        // Built in another process (we are a fork() child): its threads do not exist here.
        if let Some(orphan) = st.pool.take() {
            std::mem::forget(orphan);
        }
        st.pid = pid;
    }
    st
}

/// A default pool size and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
struct DefaultSize {
    threads: usize,
    /// The variable and its value, or None for the CPU count.
    from: Option<(&'static str, String)>,
}

/// The default pool size from this process's environment.
fn default_size() -> DefaultSize {
    default_size_from(
        |name: &str| std::env::var_os(name),
        || std::thread::available_parallelism().map_or(1, NonZeroUsize::get),
    )
}

/// The default pool size from the variables `var` returns and the CPU count `cpus` gives.
fn default_size_from(
    var: impl Fn(&str) -> Option<OsString>, cpus: impl FnOnce() -> usize,
) -> DefaultSize {
    for name in ENV_VARS {
        let Some(value) = var(name) else { continue };
        if let Some(threads) = parse_count(name, &value) {
            let from = Some((name, value.to_string_lossy().into_owned()));
            return DefaultSize { threads, from };
        }
    }
    DefaultSize { threads: cpus().clamp(1, MAX_THREADS), from: None }
}

/// The thread count a variable holds: a whole number in 1..=MAX_THREADS, spaces around it
/// allowed (for OMP_NUM_THREADS the first entry of its comma-separated list); None for anything
/// else.
fn parse_count(name: &str, value: &std::ffi::OsStr) -> Option<usize> {
    let text = value.to_str()?;
    let text = if name == "OMP_NUM_THREADS" { text.split(',').next()? } else { text };
    let digits = text.trim();
    // `usize::from_str` would accept a leading '+'; only plain digits count.
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok().filter(|n| (1..=MAX_THREADS).contains(n))
}

/// Starts a pool of `requested` threads, or of the default size when `requested` is 0.
fn build(requested: usize) -> Result<Arc<ThreadPool>> {
    let (threads, from) = match requested {
        0 => {
            let d = default_size();
            (d.threads, d.from)
        }
        n => (n, None),
    };
    ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(|i| format!("sector-weights-{i}"))
        .build()
        .map(Arc::new)
        .map_err(|e| {
            let reason = match from {
                Some((name, value)) => format!("{e} ({threads} threads from {name}={value:?})"),
                None => e.to_string(),
            };
            Error::Resource(Resource::ThreadPool { requested, reason })
        })
}

/// The current pool, built on first use.
pub fn current() -> Result<Arc<ThreadPool>> {
    let mut st = state();
    if let Some(pool) = &st.pool {
        return Ok(Arc::clone(pool));
    }
    let pool = build(st.requested)?;
    st.pool = Some(Arc::clone(&pool));
    Ok(pool)
}

/// Uses `n` worker threads from now on; 0 = the default size, read again from the environment
/// (see the module documentation). Safe while other threads are computing: they finish on the
/// pool they started with.
pub fn set_num_threads(n: usize) -> Result<()> {
    if n > MAX_THREADS {
        return Err(Error::Argument(Argument::TooManyThreads { requested: n, max: MAX_THREADS }));
    }
    let pool = build(n)?; // Built outside the lock: starting threads takes a while.
    let old = {
        let mut st = state();
        st.requested = n;
        st.pool.replace(pool)
    };
    // `state()` already abandoned a pool inherited through fork(), so `old` is this process's own.
    drop(old); // Outside the lock; running calls still hold their own clones.
    Ok(())
}

/// The number of worker threads computations use now.
pub fn num_threads() -> Result<usize> {
    current().map(|p| p.current_num_threads())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The default size with these variables set (name, value) and 6 CPUs.
    fn size_with(vars: &[(&str, &str)]) -> DefaultSize {
        let var =
            |name: &str| vars.iter().find(|(n, _)| *n == name).map(|(_, v)| OsString::from(*v));
        default_size_from(var, || 6)
    }

    fn threads_with(vars: &[(&str, &str)]) -> usize {
        size_with(vars).threads
    }

    const SW: &str = "SECTOR_WEIGHTS_NUM_THREADS";
    const RAYON: &str = "RAYON_NUM_THREADS";
    const OMP: &str = "OMP_NUM_THREADS";

    #[test]
    fn each_variable_wins_over_the_ones_after_it() {
        assert_eq!(size_with(&[]), DefaultSize { threads: 6, from: None });
        assert_eq!(threads_with(&[(OMP, "3")]), 3);
        assert_eq!(threads_with(&[(RAYON, "5"), (OMP, "3")]), 5);
        assert_eq!(threads_with(&[(SW, "2"), (RAYON, "5"), (OMP, "3")]), 2);
        assert_eq!(size_with(&[(SW, " 2 "), (OMP, "3")]).from, Some((SW, " 2 ".to_string())));
    }

    #[test]
    fn invalid_values_are_skipped_for_the_next_rule() {
        for bad in [
            "",
            " ",
            "0",
            "00",
            "-2",
            "+2",
            "2.5",
            "2x",
            "four",
            "0x10",
            "4097",
            "99999999999999999999999",
        ] {
            assert_eq!(threads_with(&[(SW, bad), (RAYON, "5")]), 5, "SW={bad:?}");
            assert_eq!(threads_with(&[(RAYON, bad), (OMP, "3")]), 3, "RAYON={bad:?}");
            assert_eq!(threads_with(&[(OMP, bad)]), 6, "OMP={bad:?}");
        }
        assert_eq!(threads_with(&[(SW, "4096")]), 4096);
        assert_eq!(threads_with(&[(SW, "0007")]), 7);
        assert_eq!(threads_with(&[(SW, "\t3\n")]), 3);
    }

    #[test]
    fn omp_num_threads_counts_its_first_entry_only() {
        assert_eq!(threads_with(&[(OMP, "4,2")]), 4);
        assert_eq!(threads_with(&[(OMP, " 4 , 2")]), 4);
        assert_eq!(threads_with(&[(OMP, "4,")]), 4);
        assert_eq!(threads_with(&[(OMP, ",2")]), 6);
        assert_eq!(threads_with(&[(OMP, "x,2")]), 6);
        // Lists are OpenMP's convention only.
        assert_eq!(threads_with(&[(RAYON, "4,2"), (OMP, "3")]), 3);
        assert_eq!(threads_with(&[(SW, "4,2"), (OMP, "3")]), 3);
    }

    #[cfg(unix)]
    #[test]
    fn a_value_that_is_not_unicode_is_ignored() {
        use std::os::unix::ffi::OsStringExt;
        let var = |name: &str| match name {
            SW => Some(OsString::from_vec(vec![b'2', 0xff])),
            OMP => Some(OsString::from("3")),
            _ => None,
        };
        assert_eq!(default_size_from(var, || 6).threads, 3);
    }

    #[test]
    fn the_cpu_count_is_kept_within_1_to_max() {
        assert_eq!(default_size_from(|_| None, || 0).threads, 1);
        assert_eq!(default_size_from(|_| None, || 100_000).threads, MAX_THREADS);
    }
}
