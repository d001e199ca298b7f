//! Work shared between the calling thread and the pool's workers ([`super::exec::Exec::Shared`]):
//! the caller starts alone, and each worker that answers a ping joins in claiming items
//! ([`claim_all`]). Which thread runs an item never changes what is added to what.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};

use rayon::ThreadPool;

use super::exec::least;
use super::wake;

/// A thread waiting for the checks of a shared check-then-write job spins this many times before
/// it yields its core instead (a check of one block takes microseconds; a thread holding one may
/// have lost its core).
const WAIT_SPINS: u32 = 1 << 10;

/// What [`super::exec::Exec::check_then_write`] did.
pub enum Phases<E> {
    /// A check failed (the least failure): nothing was written.
    CheckFailed(E),
    /// Every check passed but the job was not opened for writing: nothing was written.
    Closed,
    /// Every block was written; the least failure of the writes, if any.
    Written(Option<E>),
}

/// Runs `f(t, item)` on every item on the calling thread and the pool's workers (see
/// [`claim_all`]; the helpers claim from the back, [`Helpers::FromBack`]); the least failure.
pub(super) fn share<T, E, F>(pool: &ThreadPool, items: Vec<T>, f: F) -> Option<E>
where
    T: Send,
    E: Ord + Send,
    F: Fn(usize, T) -> Option<E> + Sync,
{
    let slots: Vec<Mutex<Option<T>>> = items.into_iter().map(|x| Mutex::new(Some(x))).collect();
    let failure = Mutex::new(None);
    claim_all(pool, slots.len(), Helpers::FromBack, |t| {
        // Each index is claimed once, so the slot is full and its lock free.
        let taken = slots[t].lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(e) = taken.and_then(|x| f(t, x)) {
            note(&failure, e);
        }
    });
    failure.into_inner().unwrap_or_else(|p| p.into_inner())
}

/// [`super::exec::Exec::check_then_write`] on the calling thread and the pool's workers: items
/// `0..k` are the `k` blocks' checks, items `k..2k` their writes, claimed in that order (see
/// [`claim_all`], [`Helpers::InOrder`]). A write waits until every check is done — only checks
/// already claimed, by a thread running them (so at most about one check's time, unless that thread
/// lost its core), never a worker that has not started — then runs only if none failed and `open()`
/// holds, decided once for all. One job, one set of pings: a worker that joins during the checks
/// stays for the writes.
pub(super) fn share_phases<E, C, O, W>(
    pool: &ThreadPool, rows: &mut [f64], block: usize, check: C, open: O, write: W,
) -> Phases<E>
where
    E: Ord + Send,
    C: Fn(usize, usize) -> Option<E> + Sync,
    O: Fn() -> bool + Sync,
    W: Fn(usize, &mut [f64]) -> Option<E> + Sync,
{
    let n = rows.len();
    let slots: Vec<Mutex<Option<&mut [f64]>>> =
        rows.chunks_mut(block).map(|b| Mutex::new(Some(b))).collect();
    let k = slots.len();
    let checked = AtomicUsize::new(0);
    let spoiled = AtomicBool::new(false);
    let opened = OnceLock::new();
    let (check_failure, write_failure) = (Mutex::new(None), Mutex::new(None));
    claim_all(pool, 2 * k, Helpers::InOrder, |t| {
        if t < k {
            let _done = CheckDone { checked: &checked, spoiled: &spoiled };
            if let Some(e) = check(t, block.min(n - t * block)) {
                spoiled.store(true, Ordering::Relaxed);
                note(&check_failure, e);
            }
            return;
        }
        wait_for(&checked, k);
        if !*opened.get_or_init(|| !spoiled.load(Ordering::Relaxed) && open()) {
            return;
        }
        let taken = slots[t - k].lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(e) = taken.and_then(|b| write(t - k, b)) {
            note(&write_failure, e);
        }
    });
    match check_failure.into_inner().unwrap_or_else(|p| p.into_inner()) {
        Some(e) => Phases::CheckFailed(e),
        None if opened.get() != Some(&true) => Phases::Closed,
        None => Phases::Written(write_failure.into_inner().unwrap_or_else(|p| p.into_inner())),
    }
}

/// Counts a check as done when dropped — also when it panicked (then the job is `spoiled`: no
/// write runs), so that no thread waits for a check that will never finish.
struct CheckDone<'a> {
    checked: &'a AtomicUsize,
    spoiled: &'a AtomicBool,
}

impl Drop for CheckDone<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.spoiled.store(true, Ordering::Relaxed);
        }
        // Release: what the check stored (`spoiled`, the job's flags) is seen by `wait_for`.
        self.checked.fetch_add(1, Ordering::Release);
    }
}

/// Spins (briefly, then yielding the core) until `count` reaches `target`.
fn wait_for(count: &AtomicUsize, target: usize) {
    let mut spins = 0;
    while count.load(Ordering::Acquire) < target {
        if spins < WAIT_SPINS {
            std::hint::spin_loop();
            spins += 1;
        } else {
            std::thread::yield_now();
        }
    }
}

/// Keeps the least of the failures noted in `first`.
fn note<E: Ord>(first: &Mutex<Option<E>>, e: E) {
    let mut first = first.lock().unwrap_or_else(|p| p.into_inner());
    *first = least(first.take(), Some(e));
}

/// Which end of the unclaimed items the pool's helpers take (the calling thread always takes
/// the front).
#[derive(Clone, Copy)]
enum Helpers {
    /// The front too: items are claimed strictly in order (a check-then-write job's checks all
    /// before its writes).
    InOrder,
    /// The back, so that the items of different threads meet at one boundary, as with OpenMP's
    /// static schedule. Items are usually neighbouring rows, and a row that is not a whole
    /// number of cache lines shares a line with the next one. Claimed alternately from one end,
    /// 20 x 50,000 x 1,000 on 2 threads took about 340 µs in some processes and about 430 in
    /// others; two-ended, 318-332 µs against 354-358 µs in `benches/c/ab.c` (2 threads, both
    /// orders, AMD EPYC; docs/performance.md, "1,000 sectors"). Most likely the boundary lines
    /// went back and forth between the cores.
    FromBack,
}

/// The items not yet claimed: `front..back`.
struct Unclaimed(Mutex<(usize, usize)>);

impl Unclaimed {
    /// The next item from the front, or from the back; `None` once every item is claimed.
    fn claim(&self, from_back: bool) -> Option<usize> {
        let mut left = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let (front, back) = &mut *left;
        if *front >= *back {
            None
        } else if from_back {
            *back -= 1;
            Some(*back)
        } else {
            *front += 1;
            Some(*front - 1)
        }
    }

    fn any(&self) -> bool {
        let left = self.0.lock().unwrap_or_else(|p| p.into_inner());
        left.0 < left.1
    }
}

/// Runs `run(t)` for every `t` in `0..n`, on the calling thread and on the pool's workers at
/// once: each claims the next unclaimed index (the helpers from the end `helpers` says) until
/// none is left, so a worker that starts late simply takes fewer.
///
/// The workers are first sent `'static` pings (see `wake.rs`) and the caller starts on the items
/// alone; one helper job is handed to the pool per ping answered, i.e. per worker seen awake with
/// a core, as they come. Handed-over work must be waited for (it borrows the caller's data), so a
/// worker kept off its core — asleep on a virtual CPU that takes long to wake, or displaced by a
/// neighbour library's spinning OpenMP threads — would make the call wait for it; with the pings
/// it only means the caller finishes alone, at one-thread speed. The pings cost the pool one
/// empty job per extra thread and the caller at most one item's delay in noticing an answer.
fn claim_all(pool: &ThreadPool, n: usize, helpers_take: Helpers, run: impl Fn(usize) + Sync) {
    let left = Unclaimed(Mutex::new((0, n)));
    let from_back = matches!(helpers_take, Helpers::FromBack);
    let extra = pool.current_num_threads() - 1;
    let pings = wake::Pings::send(pool, extra.min(n.saturating_sub(1)));
    pool.in_place_scope(|scope| {
        let mut helpers = 0;
        loop {
            let awake = pings.answered().min(extra);
            while helpers < awake && left.any() {
                let (left, run) = (&left, &run);
                scope.spawn(move |_| {
                    while let Some(t) = left.claim(from_back) {
                        run(t);
                    }
                });
                helpers += 1;
            }
            match left.claim(false) {
                Some(t) => run(t),
                None => break,
            }
        }
    });
}
