//! How a job uses threads. The mode is chosen by size alone (`kernel::mode`), and no mode changes
//! what is added to what, in which order: results are bit-identical in every mode.
//!
//! Jobs are blocks of rows ([`Exec::blocks`]), items ([`Exec::each`]), or a check pass and a write
//! pass over the same blocks ([`Exec::check_then_write`], no write before every check is done and
//! passed). Shared with the pool ([`Exec::Shared`]), each is one round of claiming on the calling
//! thread and the workers that answer its pings (`claim_all`): the check and write passes too,
//! so that the pool is woken once per call, not once per pass.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};

use rayon::prelude::*;
use rayon::ThreadPool;

use super::wake;

/// Scratch copies above this many doubles are split into blocks of this size over the threads.
const PAR_COPY: usize = 1 << 16;

/// A thread waiting for the checks of a shared check-then-write job spins this many times before
/// it yields its core instead (a check of one block takes microseconds; a thread holding one may
/// have lost its core).
const WAIT_SPINS: u32 = 1 << 10;

/// Where a job's work runs.
#[derive(Clone, Copy)]
pub enum Exec<'p> {
    /// Everything on the calling thread: small jobs, where waking the pool costs more than it gives.
    Inline,
    /// Outside the pool: the calling thread and the pool's workers take turns claiming blocks of
    /// portfolios (and of the final copy). Many portfolios of one chunk each.
    Shared(&'p ThreadPool),
    /// Inside the pool (`ThreadPool::install`): portfolios, chunks of one portfolio and copies are
    /// forked with rayon. Jobs with a portfolio of several chunks.
    InPool,
}

impl Exec<'_> {
    /// Runs `f(t, block)` on every block `t` of `rows` (`block` doubles each) and returns the
    /// least failure (by `Ord`), whichever thread found it. Inline, all rows are one block.
    pub fn blocks<E, F>(self, rows: &mut [f64], block: usize, f: F) -> Option<E>
    where
        E: Ord + Send,
        F: Fn(usize, &mut [f64]) -> Option<E> + Sync,
    {
        match self {
            Exec::Inline => f(0, rows),
            _ => self.each(rows.chunks_mut(block).collect(), f),
        }
    }

    /// Checks, then writes: runs `check(t, len)` for every block `t` of `rows` (`block` doubles
    /// each; `len` the block's length, the block itself untouched), then — only once every check
    /// is done, none failed and `open()` holds — `write(t, block)` on every block. So nothing is
    /// written unless everything was checked and found good. Inline, all rows are one block.
    ///
    /// Shared, both phases are one job over the threads (one set of pings, see [`claim_all`]):
    /// a thread that claims a write while checks still run waits for them.
    pub fn check_then_write<E, C, O, W>(
        self, rows: &mut [f64], block: usize, check: C, open: O, write: W,
    ) -> Phases<E>
    where
        E: Ord + Send,
        C: Fn(usize, usize) -> Option<E> + Sync,
        O: Fn() -> bool + Sync,
        W: Fn(usize, &mut [f64]) -> Option<E> + Sync,
    {
        let checked = match self {
            Exec::Shared(pool) => return share_phases(pool, rows, block, check, open, write),
            // `Job` never gets here in the pool's mode (a portfolio of several chunks allocates,
            // so its job is staged); should it, the checks run on this thread, still all first.
            Exec::Inline | Exec::InPool => check(0, rows.len()),
        };
        match checked {
            Some(e) => Phases::CheckFailed(e),
            None if !open() => Phases::Closed,
            None => Phases::Written(self.blocks(rows, block, write)),
        }
    }

    /// Runs `f(t, item)` on every item `t` and returns the least failure (by `Ord`), whichever
    /// thread found it: in order inline, else spread over the threads.
    pub fn each<T, E, F>(self, items: Vec<T>, f: F) -> Option<E>
    where
        T: Send,
        E: Ord + Send,
        F: Fn(usize, T) -> Option<E> + Sync,
    {
        match self {
            Exec::Inline => items.into_iter().enumerate().map(|(t, x)| f(t, x)).fold(None, least),
            Exec::Shared(pool) => share(pool, items, f),
            Exec::InPool => {
                items.into_par_iter().enumerate().map(|(t, x)| f(t, x)).reduce(|| None, least)
            }
        }
    }

    /// Runs `a` and `b`, in parallel inside the pool.
    pub fn join<A, B, RA, RB>(self, a: A, b: B) -> (RA, RB)
    where
        A: FnOnce() -> RA + Send,
        B: FnOnce() -> RB + Send,
        RA: Send,
        RB: Send,
    {
        match self {
            Exec::InPool => rayon::join(a, b),
            _ => (a(), b()),
        }
    }

    /// Whether copies and zeroing of `len` doubles are worth splitting over the threads.
    pub fn splits(self, len: usize) -> bool {
        !matches!(self, Exec::Inline) && len > PAR_COPY
    }

    /// Whether work may be forked with rayon here (only inside the pool: outside it, rayon would
    /// start its global pool).
    pub fn in_pool(self) -> bool {
        matches!(self, Exec::InPool)
    }

    /// Copies `src` into `dst` (same length), split over the threads when large.
    pub fn copy(self, src: &[f64], dst: &mut [f64]) {
        if !self.splits(dst.len()) {
            dst.copy_from_slice(src);
            return;
        }
        let none = self.blocks::<(), _>(dst, PAR_COPY, |t, d| {
            d.copy_from_slice(&src[t * PAR_COPY..][..d.len()]);
            None
        });
        debug_assert!(none.is_none());
    }
}

/// An error with its rank: when several threads fail, the least rank is reported, so the same
/// error comes out whatever the scheduling.
#[derive(Debug)]
pub struct Ranked<R> {
    pub rank: R,
    pub error: crate::error::Error,
}

impl<R: Ord> PartialEq for Ranked<R> {
    fn eq(&self, other: &Self) -> bool {
        self.rank == other.rank
    }
}
impl<R: Ord> Eq for Ranked<R> {}
impl<R: Ord> PartialOrd for Ranked<R> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl<R: Ord> Ord for Ranked<R> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.rank.cmp(&other.rank)
    }
}

/// The lesser of two optional failures.
pub fn least<E: Ord>(a: Option<E>, b: Option<E>) -> Option<E> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// What [`Exec::check_then_write`] did.
pub enum Phases<E> {
    /// A check failed (the least failure): nothing was written.
    CheckFailed(E),
    /// Every check passed but the job was not opened for writing: nothing was written.
    Closed,
    /// Every block was written; the least failure of the writes, if any.
    Written(Option<E>),
}

/// Runs `f(t, item)` on every item on the calling thread and the pool's workers (see
/// [`claim_all`]); the least failure.
fn share<T, E, F>(pool: &ThreadPool, items: Vec<T>, f: F) -> Option<E>
where
    T: Send,
    E: Ord + Send,
    F: Fn(usize, T) -> Option<E> + Sync,
{
    let slots: Vec<Mutex<Option<T>>> = items.into_iter().map(|x| Mutex::new(Some(x))).collect();
    let failure = Mutex::new(None);
    claim_all(pool, slots.len(), |t| {
        // Each index is claimed once, so the slot is full and its lock free.
        let taken = slots[t].lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(e) = taken.and_then(|x| f(t, x)) {
            note(&failure, e);
        }
    });
    failure.into_inner().unwrap_or_else(|p| p.into_inner())
}

/// [`Exec::check_then_write`] on the calling thread and the pool's workers: items `0..k` are the
/// `k` blocks' checks, items `k..2k` their writes, claimed in that order (see [`claim_all`]). A
/// write waits until every check is done — only checks already claimed, by a thread running them
/// (so at most about one check's time, unless that thread lost its core), never a worker that has
/// not started — then runs only if none failed and `open()` holds, decided once for all. One job,
/// one set of pings: a worker that joins during the checks stays for the writes.
fn share_phases<E, C, O, W>(
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
    claim_all(pool, 2 * k, |t| {
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

/// Runs `run(t)` for every `t` in `0..n`, on the calling thread and on the pool's workers at
/// once: each claims the next unclaimed index until none is left, so a worker that starts late
/// simply takes fewer.
///
/// The workers are first sent `'static` pings (see `wake.rs`) and the caller starts on the items
/// alone; one helper job is handed to the pool per ping answered, i.e. per worker seen awake with
/// a core, as they come. Handed-over work must be waited for (it borrows the caller's data), so a
/// worker kept off its core — asleep on a virtual CPU that takes long to wake, or displaced by a
/// neighbour library's spinning OpenMP threads — would make the call wait for it; with the pings
/// it only means the caller finishes alone, at one-thread speed. The pings cost the pool one
/// empty job per extra thread and the caller at most one item's delay in noticing an answer.
fn claim_all(pool: &ThreadPool, n: usize, run: impl Fn(usize) + Sync) {
    let next = AtomicUsize::new(0);
    // Runs the next unclaimed item; false when none is left.
    let one = || {
        let t = next.fetch_add(1, Ordering::Relaxed);
        if t >= n {
            return false;
        }
        run(t);
        true
    };
    let extra = pool.current_num_threads() - 1;
    let pings = wake::Pings::send(pool, extra.min(n.saturating_sub(1)));
    pool.in_place_scope(|scope| {
        let mut helpers = 0;
        loop {
            let awake = pings.answered().min(extra);
            while helpers < awake && next.load(Ordering::Relaxed) < n {
                scope.spawn(|_| while one() {});
                helpers += 1;
            }
            if !one() {
                break;
            }
        }
    });
}
