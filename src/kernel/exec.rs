//! How a job uses threads. The mode is chosen by size alone (`kernel::mode`), and no mode changes
//! what is added to what, in which order: results are bit-identical in every mode.
//!
//! Jobs are blocks of rows ([`Exec::blocks`]), items ([`Exec::each`]), or a check pass and a write
//! pass over the same blocks ([`Exec::check_then_write`], no write before every check is done and
//! passed). Shared with the pool ([`Exec::Shared`]), each is one round of claiming on the calling
//! thread and the workers that answer its pings (`share.rs`): the check and write passes too,
//! so that the pool is woken once per call, not once per pass.

use rayon::prelude::*;
use rayon::ThreadPool;

pub use super::share::Phases;
use super::share::{share, share_phases};

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

    /// Checks, then writes: runs `check(t, len)` for every block `t` of `rows` (`block` doubles
    /// each; `len` the block's length, the block itself untouched), then — only once every check
    /// is done, none failed and `open()` holds — `write(t, block)` on every block. So nothing is
    /// written unless everything was checked and found good. Inline, all rows are one block.
    ///
    /// Shared, both phases are one job over the threads (one set of pings, see `share.rs`):
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
