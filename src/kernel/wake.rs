//! Whether the pool's workers are awake and have a core, measured as calls run.
//!
//! A worker asleep for a while (the process idle between calls, on a virtual CPU that takes long
//! to wake), or kept off its core by a neighbour library's spinning OpenMP threads, starts late.
//! Work handed to the pool borrows the caller's data, so the caller must wait for it to be done,
//! however late it starts. Two defences, neither of which changes what is added to what (results
//! stay bit-identical):
//! - [`Pings`]: empty `'static` jobs the caller never waits for. Shared jobs (`exec.rs`) start on
//!   the calling thread alone and hand work to the pool only as their pings are answered;
//! - the last measured start delay of a worker ([`worth_waking`]): a job that cannot start on the
//!   calling thread (`kernel::run`, mode `InPool`) runs inline when its share per extra thread is
//!   shorter than that delay `SLOW_SHARE` times, and sends a ping that measures the delay anew.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Instant;

use rayon::ThreadPool;

/// Estimated one-thread nanoseconds per bond (a quarter of that per output double), as
/// `NS_PER_BOND / NS_PER_BOND_DIV`: one thread summed 20 x 50,000 x 18 in 0.49-0.50 ms on the
/// idle Intel machine of docs/performance.md (three runs of compare.py; 493 µs in the committed
/// run of 9b8664d, 1.80 x 274 µs), 0.49 ns per bond. Only compared with a start delay, so a
/// factor of two either way changes little.
const NS_PER_BOND: u64 = 1;
const NS_PER_BOND_DIV: u64 = 2;

/// A job runs in the pool only if its share per extra thread lasts at least this many times the
/// workers' last start delay. Not tuned by measurement (no quiet machine was available): with
/// delay d and one-thread time T on 2 threads, the pool takes about d + T/2 and inline T, so
/// 2d <= T/2 keeps the pool's expected gain at least T/4 — a margin for the delay's noise.
const SLOW_SHARE: u64 = 2;

/// A ping unanswered for this long no longer stops another one (its pool may be gone: a fork()
/// child has none of its parent's threads). Far above any start delay seen here (a
/// neighbour's OpenMP spin lasts milliseconds), far below a noticeable stretch of inline calls.
const PING_RETRY_NS: u64 = 50_000_000;

/// The last delay (ns) between handing a job to the pool and a worker starting it.
static DELAY_NS: AtomicU64 = AtomicU64::new(0);
/// When the last unanswered ping sent by [`worth_waking`] left ([`now_ns`]), or 0.
static PING_SENT: AtomicU64 = AtomicU64::new(0);

/// Empty jobs sent to the pool; [`Pings::answered`] counts those a worker ran.
pub struct Pings(Arc<AtomicUsize>);

impl Pings {
    /// Sends `n` pings (the caller does not wait for them).
    pub fn send(pool: &ThreadPool, n: usize) -> Pings {
        let answered = Arc::new(AtomicUsize::new(0));
        let sent = now_ns();
        for _ in 0..n {
            let count = Arc::clone(&answered);
            pool.spawn(move || {
                started(sent);
                count.fetch_add(1, Ordering::Release);
            });
        }
        Pings(answered)
    }

    pub fn answered(&self) -> usize {
        self.0.load(Ordering::Acquire)
    }
}

/// The estimated one-thread time (ns) of `bonds` bonds and `cells` output doubles.
pub fn work_ns(bonds: usize, cells: usize) -> u64 {
    let units = bonds.saturating_add(cells / 4) as u64;
    units.saturating_mul(NS_PER_BOND) / NS_PER_BOND_DIV
}

/// Whether a job of `work_ns` (one-thread estimate) should run in `pool` rather than inline.
/// When not, a ping measures the workers' start delay again for the next call.
pub fn worth_waking(pool: &ThreadPool, work_ns: u64) -> bool {
    let threads = pool.current_num_threads() as u64;
    let now = now_ns();
    let sent = PING_SENT.load(Ordering::Relaxed);
    // An unanswered ping is a delay too, at least as long as it has been out.
    let waiting = if sent == 0 { 0 } else { now.saturating_sub(sent) };
    let delay = DELAY_NS.load(Ordering::Relaxed).max(waiting);
    if worth(threads, work_ns, delay) {
        return true;
    }
    if threads > 1 && (sent == 0 || waiting > PING_RETRY_NS) {
        PING_SENT.store(now, Ordering::Relaxed);
        pool.spawn(move || {
            started(now);
            let _ = PING_SENT.compare_exchange(now, 0, Ordering::Relaxed, Ordering::Relaxed);
        });
    }
    false
}

/// The rule of [`worth_waking`]: each extra thread's share outlasts `SLOW_SHARE` start delays.
fn worth(threads: u64, work_ns: u64, delay_ns: u64) -> bool {
    threads > 1 && delay_ns.saturating_mul(SLOW_SHARE) <= work_ns / threads
}

/// Notes that a worker started a job handed over at `sent` ([`now_ns`]).
pub fn started(sent: u64) {
    DELAY_NS.store(now_ns().saturating_sub(sent), Ordering::Relaxed);
}

/// Nanoseconds since the first call that asked (never 0).
pub fn now_ns() -> u64 {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    let epoch = *EPOCH.get_or_init(Instant::now);
    u64::try_from(epoch.elapsed().as_nanos()).unwrap_or(u64::MAX).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_share_shorter_than_two_start_delays_runs_inline() {
        assert!(worth(2, 1_000_000, 0));
        assert!(worth(2, 1_000_000, 250_000));
        assert!(!worth(2, 1_000_000, 250_001));
        assert!(!worth(1, 1_000_000, 0));
        assert!(!worth(0, 1_000_000, 0));
        assert!(worth(8, 8_000_000, 500_000));
        assert!(!worth(2, 1_000_000, u64::MAX));
    }

    #[test]
    fn work_is_estimated_from_bonds_and_cells() {
        assert_eq!(work_ns(1_000_000, 0), 500_000);
        assert_eq!(work_ns(0, 4_000), 500);
        assert_eq!(work_ns(usize::MAX, usize::MAX), u64::MAX / NS_PER_BOND_DIV);
    }

    #[test]
    fn pings_are_answered_and_measure_the_start_delay() {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap();
        let before = now_ns();
        let pings = Pings::send(&pool, 3);
        let deadline = Instant::now() + std::time::Duration::from_secs(30);
        while pings.answered() < 3 {
            assert!(Instant::now() < deadline, "pings never answered");
            std::thread::yield_now();
        }
        assert_eq!(pings.answered(), 3);
        // Other tests may note delays at the same time: only bound it by what elapsed.
        assert!(DELAY_NS.load(Ordering::Relaxed) <= now_ns() - before + 30_000_000_000);
    }
}
