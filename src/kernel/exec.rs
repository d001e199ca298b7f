//! How a job uses threads. The mode is chosen by size alone (`kernel::mode`), and no mode changes
//! what is added to what, in which order: results are bit-identical in every mode.

use std::sync::Mutex;

use rayon::prelude::*;
use rayon::ThreadPool;

use super::wake;

/// Scratch copies above this many doubles are split into blocks of this size over the threads.
const PAR_COPY: usize = 1 << 16;

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

/// Runs `f(t, item)` on every item, on the calling thread and on the pool's workers at once:
/// each claims the next unclaimed item until none is left, so a worker that starts late simply
/// takes fewer. The calling thread claims from the front, the workers from the back, so the
/// items of different threads meet at one boundary, as with OpenMP's static schedule: items are
/// usually neighbouring rows, and a row that is not a whole number of cache lines shares a line
/// with the next one. Claimed alternately from one end (before), 20 x 50,000 x 1,000 on 2
/// threads took about 340 µs in some processes and about 430 in others; two-ended, 318-332 µs
/// against 354-358 µs in `benches/c/ab.c` (2 threads, both orders, AMD EPYC; docs/performance.md,
/// "1,000 sectors"). Which item a thread takes never changes what is added to what.
///
/// The workers are first sent `'static` pings (see `wake.rs`) and the caller starts on the items
/// alone; one helper job is handed to the pool per ping answered, i.e. per worker seen awake with
/// a core, as they come. Handed-over work must be waited for (it borrows the caller's data), so a
/// worker kept off its core — asleep on a virtual CPU that takes long to wake, or displaced by a
/// neighbour library's spinning OpenMP threads — would make the call wait for it; with the pings
/// it only means the caller finishes alone, at one-thread speed. The pings cost the pool one
/// empty job per extra thread and the caller at most one item's delay in noticing an answer.
fn share<T, E, F>(pool: &ThreadPool, items: Vec<T>, f: F) -> Option<E>
where
    T: Send,
    E: Ord + Send,
    F: Fn(usize, T) -> Option<E> + Sync,
{
    let slots: Vec<Mutex<Option<T>>> = items.into_iter().map(|x| Mutex::new(Some(x))).collect();
    // The unclaimed items: `front..back`.
    let left = Mutex::new((0, slots.len()));
    let failure = Mutex::new(None);
    // Runs the next unclaimed item (from the back for the pool's helpers); false when none is
    // left.
    let one = |from_back: bool| {
        let claimed = {
            let mut left = left.lock().unwrap_or_else(|p| p.into_inner());
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
        };
        let Some(t) = claimed else { return false };
        // Each index is claimed once, so the slot is full and its lock free.
        let taken = slots[t].lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(e) = taken.and_then(|x| f(t, x)) {
            let mut first = failure.lock().unwrap_or_else(|p| p.into_inner());
            *first = least(first.take(), Some(e));
        }
        true
    };
    let any_left = || {
        let left = left.lock().unwrap_or_else(|p| p.into_inner());
        left.0 < left.1
    };
    let extra = pool.current_num_threads() - 1;
    let pings = wake::Pings::send(pool, extra.min(slots.len().saturating_sub(1)));
    pool.in_place_scope(|scope| {
        let mut helpers = 0;
        loop {
            let awake = pings.answered().min(extra);
            while helpers < awake && any_left() {
                scope.spawn(|_| while one(true) {});
                helpers += 1;
            }
            if !one(false) {
                break;
            }
        }
    });
    failure.into_inner().unwrap_or_else(|p| p.into_inner())
}
