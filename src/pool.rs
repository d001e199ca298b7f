//! The library's own rayon thread pool, resizable at any time.
//!
//! rayon's global pool cannot be resized once built, so the library keeps its own pool behind a
//! mutex-protected `Arc`. A call clones the `Arc` (a few nanoseconds under the lock) and runs on
//! that pool; `set_num_threads` builds a new pool and swaps it in. Calls already running keep the
//! old pool alive through their clone, and it shuts down when the last of them returns.
//!
//! fork(): a child process inherits the pool's handle but none of its threads, so a call in the
//! child would wait forever for workers that do not exist (Python's multiprocessing forks by
//! default on Linux). The pool remembers the process that built it; in any other process it is
//! abandoned (never dropped: its threads are not there to be told) and a new one is built.

use std::sync::{Arc, Mutex, MutexGuard};

use rayon::{ThreadPool, ThreadPoolBuilder};

use crate::error::{Argument, Error, Resource, Result};

struct State {
    /// Requested thread count; 0 means the default (`RAYON_NUM_THREADS`, else all logical CPUs).
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

fn build(requested: usize) -> Result<Arc<ThreadPool>> {
    ThreadPoolBuilder::new()
        .num_threads(requested)
        .thread_name(|i| format!("sector-weights-{i}"))
        .build()
        .map(Arc::new)
        .map_err(|e| Error::Resource(Resource::ThreadPool { requested, reason: e.to_string() }))
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

/// Uses `n` worker threads from now on (0 = `RAYON_NUM_THREADS` if set, else all logical CPUs).
/// Safe while other threads are computing: they finish on the pool they started with.
pub fn set_num_threads(n: usize) -> Result<()> {
    const MAX_THREADS: usize = 4096;
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
