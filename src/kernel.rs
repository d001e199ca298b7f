//! The compute kernel: group-and-sum with validation in the same pass. Safe Rust only.
//!
//! Determinism: a portfolio is split into chunks whose boundaries depend only on the portfolio's
//! size and `num_sectors` (never on the thread count). How a chunk is summed (four interleaved
//! accumulator tables, "lanes", or one table) also depends only on its length and `num_sectors`,
//! and the chunks' partial tables are added along a fixed binary tree over the chunk indices. So
//! every thread count, the inline path that never touches the pool, every output strategy, and a
//! portfolio computed alone or inside a batch give bit-identical results.
//!
//! Checks: every code and weight (and value) is checked in the same pass that sums it. A code is
//! compared once, as `u32`, before it is used, so negative and too-large codes fail together.
//! Non-finite weights are caught at the end of the chunk, because a NaN or an infinity can never
//! leave an accumulator finite again (or, when a chunk has fewer bonds than sectors, by a
//! vectorised look at its terms); a chunk that fails either check is re-scanned to find the first
//! bad element; if every element is finite, a sum overflowed, which the caller reports as an
//! error naming the sector (see `overflowed`), before anything is written.
//!
//! No partial results: sums reach the caller's output only once every element has been checked.
//! Three strategies, by size:
//! - one portfolio in one lanes chunk: the lanes are the scratch; the row is written at the end;
//! - otherwise, when the output is at most half as many doubles as there are bonds: each
//!   portfolio's row is computed into scratch (O(portfolios x sectors), on the stack when small),
//!   then copied;
//! - when the output is larger than that (many sectors, few bonds), a first pass only checks the
//!   input (cheap beside writing the output), then rows are written directly, unless a sum could
//!   overflow or a portfolio needs to allocate (either could fail after rows were written).
//!
//! Threads: small jobs run inline on the calling thread. Jobs of several portfolios that each fit
//! one chunk are shared: the calling thread and `threads - 1` pool workers claim groups of
//! portfolios in turn (see `share`). Everything else (a portfolio of several chunks) runs on the
//! pool. None of this changes a result.
//!
//! Scratch is O(chunks x sectors); nothing is allocated in proportion to the number of bonds. One
//! large scratch buffer (at most 64 MiB) is kept between calls so that a big output computed row
//! by row is not zeroed and page-faulted afresh on every call.

use std::ops::Range;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;

use rayon::prelude::*;
use rayon::ThreadPool;

use crate::error::{Error, Result, SwStatus};
use crate::pool;
use crate::scatter::{all_finite, find_bad, scatter, screen, HeapLanes, OneTable, StackLanes};
use crate::validate::{self, bad_element, Bad};

/// Bonds per chunk (the minimum; large sector counts get longer chunks, see [`chunk_len`]).
pub const BASE_CHUNK: usize = 1 << 16;
/// Work below this many bonds runs inline on the calling thread, without the pool.
pub const PARALLEL_MIN_BONDS: usize = 1 << 15;
/// Portfolios are handed to the pool in groups of about this many bonds (plus output) each.
const TASK_BONDS: usize = 1 << 15;
/// Up to this many sectors, a chunk of at least [`LANES_MIN_RATIO`] bonds per sector is summed
/// into four interleaved tables, so consecutive bonds of one sector do not wait on each other's
/// store. Up to [`LANES_STACK`] sectors the tables live on the stack.
const LANES_MAX: usize = 1024;
const LANES_STACK: usize = 64;
const LANES_MIN_RATIO: usize = 16;
/// Scratch up to this many doubles lives on the stack.
const STACK_OUT: usize = 256;
const SMALL_OUT: usize = 32;
/// Scratch copies above this many doubles are split over the pool.
const PAR_COPY: usize = 1 << 16;

/// How bonds are split into portfolios.
#[derive(Debug, Clone, Copy)]
pub enum Layout<'a> {
    /// `num_portfolios` portfolios of `bonds_per_portfolio` consecutive bonds each.
    Uniform {
        num_portfolios: usize,
        bonds_per_portfolio: usize,
    },
    /// Portfolio `p` is bonds `offsets[p]..offsets[p + 1]` (`num_portfolios + 1` offsets).
    Ragged(&'a [i64]),
}

impl Layout<'_> {
    /// The largest portfolio's number of bonds (valid once [`Layout::check`] passed).
    fn max_len(&self) -> usize {
        match *self {
            Layout::Uniform {
                bonds_per_portfolio,
                ..
            } => bonds_per_portfolio,
            Layout::Ragged(offsets) => offsets
                .windows(2)
                .map(|w| w[1].saturating_sub(w[0]) as usize)
                .max()
                .unwrap_or(0),
        }
    }

    pub fn num_portfolios(&self) -> usize {
        match *self {
            Layout::Uniform { num_portfolios, .. } => num_portfolios,
            Layout::Ragged(offsets) => offsets.len().saturating_sub(1),
        }
    }

    /// Bond range of portfolio `p` (valid once [`Layout::check`] passed).
    fn range(&self, p: usize) -> Range<usize> {
        match *self {
            Layout::Uniform {
                bonds_per_portfolio: b,
                ..
            } => p * b..(p + 1) * b,
            Layout::Ragged(offsets) => offsets[p] as usize..offsets[p + 1] as usize,
        }
    }

    fn check(&self, n: usize) -> Result<()> {
        match *self {
            Layout::Uniform {
                num_portfolios,
                bonds_per_portfolio,
            } => {
                let want = validate::mul(
                    num_portfolios,
                    bonds_per_portfolio,
                    "num_portfolios * num_bonds",
                )?;
                if n == want {
                    return Ok(()); // No message to build: this runs on every call.
                }
                validate::expect_len(
                    "weights",
                    n,
                    want,
                    &format!("{num_portfolios} portfolios x {bonds_per_portfolio} bonds"),
                )
            }
            Layout::Ragged(offsets) => validate::check_offsets("offsets", offsets, n),
        }
    }
}

/// One computation's input: per-bond weights (and optional values multiplied in), codes, layout.
#[derive(Debug, Clone, Copy)]
pub struct Input<'a> {
    pub weights: &'a [f64],
    /// When present each bond contributes `weights[i] * values[i]` (exposures).
    pub values: Option<&'a [f64]>,
    pub codes: &'a [i32],
    pub layout: Layout<'a>,
    pub num_sectors: usize,
}

/// Chunk length for `num_sectors`: long enough that a chunk's partial table (zeroed, then added
/// into its parent) costs little beside summing the chunk.
pub fn chunk_len(num_sectors: usize) -> usize {
    BASE_CHUNK.max(num_sectors.saturating_mul(16))
}

/// Fills `out` (`num_portfolios * num_sectors`, row-major) with each portfolio's per-sector sums,
/// divided by the portfolio's total when `normalize`. On error `out` is unchanged.
pub fn compute(input: &Input, normalize: bool, out: &mut [f64]) -> Result<()> {
    let n = input.weights.len();
    let p_count = input.layout.num_portfolios();
    validate::check_job(
        n,
        input.values.map(<[f64]>::len),
        input.codes.len(),
        p_count,
        input.num_sectors,
        out.len(),
    )?;
    input.layout.check(n)?;
    if input.num_sectors == 0 {
        // No bonds (checked above): nothing to write, but nothing to normalise by either.
        return match (normalize, p_count) {
            (true, 1..) => Err(zero_total(0, 0)),
            _ => Ok(()),
        };
    }
    // One portfolio only has parallel work when it has several chunks; several portfolios when
    // their bonds and output together are big enough to pay for waking the pool.
    let parallel = if p_count <= 1 {
        n > chunk_len(input.num_sectors)
    } else {
        n.saturating_add(out.len() / 4) >= PARALLEL_MIN_BONDS
    };
    let job = |parallel, team| Job {
        input,
        parallel,
        team,
        s: input.num_sectors,
        first_bad: AtomicUsize::new(usize::MAX),
        prechecked: false,
        near_overflow: AtomicBool::new(false),
    };
    if !parallel {
        if p_count == 1
            && output_dominated(normalize, out.len(), n)
            && !allocates(n, input.num_sectors)
        {
            // One small portfolio, more sectors than bonds: what `Job::run` does for it (check,
            // then write the row directly), without its bookkeeping (127 instead of 146 ns for
            // 100 bonds, 1,000 sectors: `cargo bench --bench kernel -- parts`). A failed check
            // goes the long way, which names the element; nothing has been written then.
            let (w, v, c) = (input.weights, input.values, input.codes);
            let (codes_ok, magnitude) = screen(w, v, c, input.num_sectors);
            if codes_ok && magnitude < f64::MAX / 4.0 {
                // Exactly what the direct strategy writes (the same additions, in order).
                let done = match v {
                    None => scan_chunk::<false>(w, &[], c, out, true),
                    Some(v) => scan_chunk::<true>(w, v, c, out, true),
                };
                return done.map_err(|_| {
                    Error::new(
                        SwStatus::SW_ERROR_PANIC,
                        "internal error: screened codes failed",
                    )
                });
            }
        }
        return job(false, None).run(normalize, out);
    }
    let pool = pool::current()?;
    if p_count > 1 && input.layout.max_len() <= chunk_len(input.num_sectors) {
        // Many portfolios of one chunk each: the calling thread works too, on portfolio groups
        // (and blocks of the final copy) it takes turns with the pool's workers to claim (see
        // `share`).
        return job(false, Some(&pool)).run(normalize, out);
    }
    pool.install(|| job(true, None).run(normalize, out))
}

#[cfg(feature = "panic-hook")]
/// Test-only: when set, the next unit of work panics (to prove panics become `SW_ERROR_PANIC`).
pub static FORCE_PANIC: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Why summing stopped early.
enum Stop {
    /// A bad element at this global bond index.
    Bad(usize, Bad),
    /// Not summed: a bad element before this chunk is already known (that one is reported).
    Skipped,
    /// Scratch could not be allocated.
    Fatal(Error),
}

/// A failure and its rank; the lowest rank is reported, whatever the scheduling.
type Failure = ((u8, usize), Error);

struct Job<'i, 'a> {
    input: &'i Input<'a>,
    /// Chunks of one portfolio, groups of portfolios and copies go to the pool (we run in it).
    parallel: bool,
    /// Groups of portfolios, and blocks of the final scratch-to-output copy, are shared by the
    /// calling thread and the workers of this pool; all other work stays on the calling thread
    /// (we run outside the pool).
    team: Option<&'i ThreadPool>,
    s: usize,
    /// The lowest global index of a bad element found so far; work after it is skipped.
    first_bad: AtomicUsize,
    /// Every element was already checked: summing need not prove weights finite again.
    prechecked: bool,
    /// The check pass met a portfolio whose sum of |terms| comes near `f64::MAX`: its sums could
    /// overflow, so rows must go through scratch (checked before anything is written).
    near_overflow: AtomicBool,
}

impl Job<'_, '_> {
    fn run(mut self, normalize: bool, out: &mut [f64]) -> Result<()> {
        let n = self.input.weights.len();
        let p_count = self.input.layout.num_portfolios();
        if output_dominated(normalize, out.len(), n) {
            // Check everything first, then write rows directly.
            self.portfolios(out, |ps, _| self.check_block(ps))?;
            self.prechecked = true;
            // Writing rows directly must not fail half-way: no sum may overflow (see
            // `check_block`), and no portfolio may need to allocate (an allocation can fail).
            if !self.near_overflow.load(Ordering::Relaxed)
                && !allocates(self.input.layout.max_len(), self.s)
            {
                return self.portfolios(out, |ps, rows| self.sum_block(ps, rows, false));
            }
        }
        if p_count == 1 && !normalize && n <= chunk_len(self.s) && uses_lanes(n, self.s) {
            // One chunk in lanes: its row is on the stack (or small scratch) until it is checked.
            return with_scratch(out.len(), |row| {
                self.sum_block(0..1, row, false)
                    .map_or(Ok(()), |(_, e)| Err(e))?;
                out.copy_from_slice(row);
                Ok(())
            });
        }
        let len = out.len();
        let parallel = (self.parallel || self.team.is_some()) && len > PAR_COPY;
        let mut scratch_fn = |scratch: &mut [f64]| {
            self.portfolios(scratch, |ps, rows| self.sum_block(ps, rows, normalize))?;
            if let (true, Some(pool)) = (parallel, self.team) {
                let scratch = &*scratch;
                share(pool, out, PAR_COPY, |t, o| {
                    o.copy_from_slice(&scratch[t * PAR_COPY..][..o.len()]);
                    None
                });
            } else if parallel {
                out.par_chunks_mut(PAR_COPY)
                    .zip(scratch.par_chunks(PAR_COPY))
                    .for_each(|(o, s)| o.copy_from_slice(s));
            } else {
                out.copy_from_slice(scratch);
            }
            Ok(())
        };
        if parallel {
            // Zeroed in parallel when it grows, except on the calling thread of a shared job
            // (outside the pool, rayon would start its global pool).
            let mut scratch = take_scratch(len, self.parallel)?;
            let res = scratch_fn(&mut scratch[..len]);
            give_back_scratch(scratch);
            res
        } else {
            with_scratch(len, scratch_fn)
        }
    }

    /// Runs `f` on groups of consecutive portfolios with their rows, in parallel when the job is;
    /// reports the lowest-ranked failure.
    fn portfolios<F>(&self, rows: &mut [f64], f: F) -> Result<()>
    where
        F: Fn(Range<usize>, &mut [f64]) -> Option<Failure> + Sync,
    {
        let p_count = self.input.layout.num_portfolios();
        let s = self.s;
        let failure = if p_count <= 1 || (!self.parallel && self.team.is_none()) {
            f(0..p_count, rows)
        } else {
            let per_task =
                (TASK_BONDS.saturating_mul(p_count) / self.work(rows.len())).clamp(1, p_count);
            let group = |t: usize, block: &mut [f64]| {
                let p0 = t * per_task;
                f(p0..p0 + block.len() / s, block)
            };
            match self.team {
                Some(pool) => share(pool, rows, per_task * s, group),
                None => rows
                    .par_chunks_mut(per_task * s)
                    .enumerate()
                    .map(|(t, block)| group(t, block))
                    .reduce(|| None, first_of),
            }
        };
        failure.map_or(Ok(()), |(_, e)| Err(e))
    }

    /// The job's size for splitting it: bonds, plus a quarter per output double.
    fn work(&self, rows: usize) -> usize {
        self.input.weights.len().saturating_add(rows / 4).max(1)
    }

    /// Only checks portfolios `ps` (first pass of the output-dominated strategy).
    fn check_block(&self, ps: Range<usize>) -> Option<Failure> {
        for p in ps {
            // A panic in this strategy must come before anything is written, so the test hook
            // fires in this first pass.
            #[cfg(feature = "panic-hook")]
            if FORCE_PANIC.swap(false, Ordering::SeqCst) {
                panic!("forced panic (test hook) in portfolio {p}");
            }
            let r = self.input.layout.range(p);
            if r.start > self.first_bad.load(Ordering::Relaxed) {
                break; // An earlier bad element is known.
            }
            let v = self.input.values.map(|v| &v[r.clone()]);
            let (w, c) = (&self.input.weights[r.clone()], &self.input.codes[r.clone()]);
            // One read: codes, and the sum of |term|, whose finiteness proves every term finite.
            // Every partial sum, in any order, is at most that sum (1 + n eps): below
            // f64::MAX / 4 nothing can overflow. Above, the caller sums through scratch, where
            // an overflow is found before anything is written.
            let (codes_ok, magnitude) = screen(w, v, c, self.s);
            if !codes_ok || !magnitude.is_finite() {
                if let Some((i, bad)) = find_bad(w, v, c, self.s) {
                    self.first_bad.fetch_min(r.start + i, Ordering::Relaxed);
                    return Some(((1, r.start + i), bad_element(bad, i, p, self.s)));
                }
            }
            if magnitude.is_nan() || magnitude >= f64::MAX / 4.0 {
                self.near_overflow.store(true, Ordering::Relaxed);
            }
        }
        None
    }

    /// Computes (and, when `normalize`, normalises) the rows of portfolios `ps`, in order.
    fn sum_block(&self, ps: Range<usize>, rows: &mut [f64], normalize: bool) -> Option<Failure> {
        let s = self.s;
        let mut zero = None;
        // After a check pass that found every sum bounded, no row can overflow: do not re-read
        // rows (65,536 doubles each with issuer-level sectors) to look.
        let may_overflow = !self.prechecked || self.near_overflow.load(Ordering::Relaxed);
        for (p, row) in ps.zip(rows.chunks_mut(s)) {
            let r = self.input.layout.range(p);
            if r.start > self.first_bad.load(Ordering::Relaxed) {
                break;
            }
            match self.portfolio_sums(p, r.clone(), row) {
                Ok(()) => {
                    if !may_overflow {
                        // The check pass bounded every sum below f64::MAX / 4.
                    } else if let Some(e) = overflowed(row, p, None) {
                        // Every element is finite (checked), but the sums left the double range.
                        zero.get_or_insert(((2, p), e));
                        continue;
                    }
                }
                Err(Stop::Bad(g, bad)) => {
                    self.first_bad.fetch_min(g, Ordering::Relaxed);
                    return Some(((1, g), bad_element(bad, g - r.start, p, s)));
                }
                Err(Stop::Skipped) => {
                    let e = Error::new(SwStatus::SW_ERROR_PANIC, "skipped after an earlier error");
                    return Some(((3, p), e));
                }
                Err(Stop::Fatal(e)) => return Some(((0, p), e)),
            }
            if normalize && zero.is_none() {
                // Bad elements anywhere outrank a zero total (rank 2 > 1).
                let total: f64 = row.iter().sum();
                if total == 0.0 {
                    zero = Some(((2, p), zero_total(p, r.len())));
                } else {
                    row.iter_mut().for_each(|x| *x /= total);
                    zero = overflowed(row, p, Some(total)).map(|e| ((2, p), e));
                }
            }
        }
        zero
    }

    /// Overwrites `row` with the sums of portfolio `p` (bonds `r`). On error `row` holds garbage,
    /// except for a single lanes chunk, which writes `row` only on success.
    fn portfolio_sums(
        &self,
        p: usize,
        r: Range<usize>,
        row: &mut [f64],
    ) -> std::result::Result<(), Stop> {
        #[cfg(feature = "panic-hook")]
        if FORCE_PANIC.swap(false, Ordering::SeqCst) {
            panic!("forced panic (test hook) in portfolio {p}");
        }
        let _ = p;
        let chunk = chunk_len(self.s);
        if r.len() <= chunk {
            return self.scan(r, row);
        }
        let parts = r.len().div_ceil(chunk);
        // One partial table per inner node of the tree: O(chunks x sectors).
        let len = (parts - 1) * self.s;
        let mut spare = if self.parallel && len > PAR_COPY {
            zeroed_par(len)
        } else {
            zeroed(len)
        }
        .map_err(Stop::Fatal)?;
        self.tree(&r, chunk, 0..parts, row, &mut spare)
    }

    /// Sums chunks `js` of the portfolio at `r` into `acc` along a fixed binary tree: the left
    /// half into `acc`, the right half into a table from `spare`, then right into left.
    fn tree(
        &self,
        r: &Range<usize>,
        chunk: usize,
        js: Range<usize>,
        acc: &mut [f64],
        spare: &mut [f64],
    ) -> std::result::Result<(), Stop> {
        if js.len() == 1 {
            let lo = r.start + js.start * chunk;
            if lo > self.first_bad.load(Ordering::Relaxed) {
                return Err(Stop::Skipped);
            }
            let res = self.scan(lo..(lo + chunk).min(r.end), acc);
            if let Err(Stop::Bad(g, _)) = &res {
                self.first_bad.fetch_min(*g, Ordering::Relaxed);
            }
            return res;
        }
        let mid = js.start + js.len() / 2;
        let (tmp, rest) = spare.split_at_mut(self.s);
        let (left_spare, right_spare) = rest.split_at_mut((mid - js.start - 1) * self.s);
        let (a, b) = self.join(
            || self.tree(r, chunk, js.start..mid, acc, left_spare),
            || self.tree(r, chunk, mid..js.end, tmp, right_spare),
        );
        match (a, b) {
            (Err(Stop::Fatal(e)), _) | (_, Err(Stop::Fatal(e))) => Err(Stop::Fatal(e)),
            (Err(Stop::Bad(g, bad)), _) | (Ok(()) | Err(Stop::Skipped), Err(Stop::Bad(g, bad))) => {
                Err(Stop::Bad(g, bad))
            }
            (Err(Stop::Skipped), _) | (_, Err(Stop::Skipped)) => Err(Stop::Skipped),
            (Ok(()), Ok(())) => {
                acc.iter_mut().zip(tmp.iter()).for_each(|(x, y)| *x += y);
                Ok(())
            }
        }
    }

    fn join<A, B, RA, RB>(&self, a: A, b: B) -> (RA, RB)
    where
        A: FnOnce() -> RA + Send,
        B: FnOnce() -> RB + Send,
        RA: Send,
        RB: Send,
    {
        if self.parallel {
            rayon::join(a, b)
        } else {
            (a(), b())
        }
    }

    /// Overwrites `acc` with the sums of bonds `r` (one chunk), checking each.
    fn scan(&self, r: Range<usize>, acc: &mut [f64]) -> std::result::Result<(), Stop> {
        let w = &self.input.weights[r.clone()];
        let c = &self.input.codes[r.clone()];
        let res = match self.input.values {
            None => scan_chunk::<false>(w, &[], c, acc, self.prechecked),
            Some(v) => scan_chunk::<true>(w, &v[r.clone()], c, acc, self.prechecked),
        };
        res.map_err(|stop| match stop {
            Stop::Bad(i, b) => Stop::Bad(r.start + i, b),
            other => other,
        })
    }
}

/// Runs `f(t, block)` on every block `t` of `rows` (`block` doubles each), on the calling thread
/// and on the pool's workers at once: each claims the next unclaimed block until none is left,
/// so a worker that wakes late simply takes fewer. Only one worker is woken per extra thread and
/// the caller never waits idle for the first one, which matters for jobs of a few hundred
/// microseconds (waking a sleeping thread costs tens of microseconds on a virtual machine).
/// Reports the lowest-ranked failure, whichever thread found it.
fn share<F>(pool: &ThreadPool, rows: &mut [f64], block: usize, f: F) -> Option<Failure>
where
    F: Fn(usize, &mut [f64]) -> Option<Failure> + Sync,
{
    let blocks: Vec<Mutex<Option<&mut [f64]>>> = rows
        .chunks_mut(block)
        .map(|b| Mutex::new(Some(b)))
        .collect();
    let next = AtomicUsize::new(0);
    let failure = Mutex::new(None);
    let work = || loop {
        let t = next.fetch_add(1, Ordering::Relaxed);
        let Some(slot) = blocks.get(t) else { break };
        // Each index is claimed once, so the slot is full and its lock free.
        let taken = slot.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(rows) = taken {
            if let Some(e) = f(t, rows) {
                let mut first = failure.lock().unwrap_or_else(|p| p.into_inner());
                *first = first_of(first.take(), Some(e));
            }
        }
    };
    pool.in_place_scope(|scope| {
        for _ in 1..pool.current_num_threads().min(blocks.len()) {
            scope.spawn(|_| work());
        }
        work();
    });
    failure.into_inner().unwrap_or_else(|p| p.into_inner())
}

/// Whether a job's output (`out_len` doubles; `n` bonds) is large enough that its input is checked
/// in a pass of its own and rows are then written straight into the output (see `Job::run`).
fn output_dominated(normalize: bool, out_len: usize, n: usize) -> bool {
    !normalize && out_len > n / 2
}

/// Whether summing a portfolio of `len` bonds over `s` sectors allocates: partial tables for a
/// portfolio of several chunks, four lanes on the heap for a chunk of many sectors.
fn allocates(len: usize, s: usize) -> bool {
    len > chunk_len(s) || (s > LANES_STACK && uses_lanes(len.min(chunk_len(s)), s))
}

/// Whether a chunk of `len` bonds over `s` sectors is summed into four lanes.
fn uses_lanes(len: usize, s: usize) -> bool {
    s <= LANES_MAX && len >= LANES_MIN_RATIO * s
}

/// Overwrites `acc` with the sums of one chunk (`w[i]`, times `v[i]` when `VALUES`, into
/// `acc[c[i]]`), in a fixed order that depends only on the chunk's length and `acc.len()`.
/// Errors name the first bad element's index in the chunk.
fn scan_chunk<const VALUES: bool>(
    w: &[f64],
    v: &[f64],
    c: &[i32],
    acc: &mut [f64],
    prechecked: bool,
) -> std::result::Result<(), Stop> {
    let s = acc.len();
    let vs = if VALUES { Some(v) } else { None };
    if !uses_lanes(w.len(), s) {
        acc.fill(0.0);
        let codes_ok = scatter::<VALUES, _>(w, v, c, &mut OneTable(acc));
        // A NaN or infinity never leaves an accumulator finite: finite sums prove finite input.
        // Check whichever is shorter, the sums or the terms.
        let finite = prechecked
            || if s <= w.len() {
                all_finite(acc)
            } else {
                all_finite(w) && vs.is_none_or(all_finite)
            };
        return if codes_ok && finite {
            Ok(())
        } else {
            locate(w, vs, c, s)
        };
    }
    if s <= LANES_STACK / 4 {
        stack_lanes::<VALUES, { LANES_STACK / 4 }>(w, v, c, acc)
    } else if s <= LANES_STACK / 2 {
        stack_lanes::<VALUES, { LANES_STACK / 2 }>(w, v, c, acc)
    } else if s <= LANES_STACK {
        stack_lanes::<VALUES, LANES_STACK>(w, v, c, acc)
    } else {
        let mut lanes = Vec::new();
        lanes.try_reserve_exact(s).map_err(|_| {
            Stop::Fatal(Error::new(
                SwStatus::SW_ERROR_OUT_OF_MEMORY,
                format!("could not allocate {s} x 4 doubles of scratch"),
            ))
        })?;
        lanes.resize(s, [0.0; 4]);
        let codes_ok = scatter::<VALUES, _>(w, v, c, &mut HeapLanes(&mut lanes));
        // A NaN or infinity never leaves an accumulator finite, so finite lanes prove finite input.
        if !codes_ok || !lanes.iter().fold(true, |ok, l| ok & all_finite(l)) {
            locate(w, vs, c, s)?;
        }
        for (a, l) in acc.iter_mut().zip(&lanes) {
            *a = (l[0] + l[1]) + (l[2] + l[3]);
        }
        Ok(())
    }
}

/// Four lane-major tables of `N >= acc.len()` doubles on the stack; writes `acc` only on success.
fn stack_lanes<const VALUES: bool, const N: usize>(
    w: &[f64],
    v: &[f64],
    c: &[i32],
    acc: &mut [f64],
) -> std::result::Result<(), Stop> {
    let s = acc.len().min(N);
    let acc = &mut acc[..s];
    let mut lanes = [[0.0f64; N]; 4];
    let codes_ok = scatter::<VALUES, _>(
        w,
        v,
        c,
        &mut StackLanes {
            lanes: &mut lanes,
            s,
        },
    );
    if !codes_ok || !lanes.iter().fold(true, |ok, l| ok & all_finite(&l[..s])) {
        locate(w, VALUES.then_some(v), c, s)?;
    }
    let [l0, l1, l2, l3] = &lanes;
    for k in 0..s {
        acc[k] = (l0[k] + l1[k]) + (l2[k] + l3[k]);
    }
    Ok(())
}

/// After a chunk failed a check: the first bad element, or `Ok` if every element is valid (then
/// a sum of finite values overflowed, which the caller reports).
fn locate(w: &[f64], v: Option<&[f64]>, c: &[i32], s: usize) -> std::result::Result<(), Stop> {
    match find_bad(w, v, c, s) {
        Some((i, bad)) => Err(Stop::Bad(i, bad)),
        None => Ok(()),
    }
}

/// Runs `f` on `len` zeroed doubles of scratch: on the stack when small, else on the heap.
fn with_scratch<R>(len: usize, f: impl FnOnce(&mut [f64]) -> Result<R>) -> Result<R> {
    if len <= SMALL_OUT {
        let mut a = [0.0; SMALL_OUT];
        f(&mut a[..len])
    } else if len <= STACK_OUT {
        let mut a = [0.0; STACK_OUT];
        f(&mut a[..len])
    } else {
        f(&mut zeroed(len)?)
    }
}

/// Picks the lower-ranked of two failures.
fn first_of(a: Option<Failure>, b: Option<Failure>) -> Option<Failure> {
    match (a, b) {
        (Some(a), Some(b)) => Some(if b.0 < a.0 { b } else { a }),
        (a, b) => a.or(b),
    }
}

/// An error if a computed row (normalised by `total`, if given) is not finite although every
/// element was: a sum (or the total, or a ratio to a tiny total) left the double range.
fn overflowed(row: &[f64], p: usize, total: Option<f64>) -> Option<Error> {
    if all_finite(row) && total.is_none_or(f64::is_finite) {
        return None;
    }
    let k = row.iter().position(|x| !x.is_finite()).unwrap_or(0);
    let x = row.get(k).copied().unwrap_or(f64::NAN);
    let message = match total {
        None => format!(
            "the sum of sector {k} of portfolio {p} overflows ({x}): every weight is finite, \
             but together they exceed the double range"
        ),
        Some(t) if !t.is_finite() => {
            format!("the total of portfolio {p} overflows ({t}), so it cannot be normalised")
        }
        Some(t) => {
            format!("normalising sector {k} of portfolio {p} by its total {t:e} overflows ({x})")
        }
    };
    Some(Error::new(SwStatus::SW_ERROR_NON_FINITE, message))
}

fn zero_total(p: usize, bonds: usize) -> Error {
    Error::new(
        SwStatus::SW_ERROR_ZERO_TOTAL,
        format!("portfolio {p} ({bonds} bonds) has a total of 0 and cannot be normalised"),
    )
}

fn oom(len: usize) -> Error {
    Error::new(
        SwStatus::SW_ERROR_OUT_OF_MEMORY,
        format!("could not allocate {len} doubles of scratch"),
    )
}

/// One large scratch buffer kept between calls, so that many small portfolios (a big output
/// computed row by row) do not pay for zeroing and page-faulting a fresh buffer on every call.
/// Every row is overwritten before it is read, so old contents never matter. A call that finds
/// it in use allocates its own. Buffers above [`SCRATCH_KEEP`] doubles are not kept.
static SCRATCH: Mutex<Vec<f64>> = Mutex::new(Vec::new());
const SCRATCH_KEEP: usize = 1 << 23; // 64 MiB

/// At least `len` doubles of scratch (contents unspecified), from the cache when free.
fn take_scratch(len: usize, in_pool: bool) -> Result<Vec<f64>> {
    let mut v = SCRATCH
        .try_lock()
        .map(|mut kept| std::mem::take(&mut *kept))
        .unwrap_or_default();
    if v.len() < len {
        v.try_reserve_exact(len - v.len()).map_err(|_| oom(len))?;
        if in_pool {
            let grow = len - v.len();
            v.par_extend((0..grow).into_par_iter().map(|_| 0.0));
        } else {
            v.resize(len, 0.0);
        }
    }
    Ok(v)
}

/// Keeps `v` for the next call if it is not too big and larger than what is kept.
fn give_back_scratch(v: Vec<f64>) {
    if v.len() <= SCRATCH_KEEP {
        if let Ok(mut kept) = SCRATCH.try_lock() {
            if kept.len() < v.len() {
                *kept = v;
            }
        }
    }
}

/// As [`zeroed`], with the zeroing (and first-touch page faults) spread over the pool.
fn zeroed_par(len: usize) -> Result<Vec<f64>> {
    let mut v = Vec::new();
    v.try_reserve_exact(len).map_err(|_| oom(len))?;
    v.par_extend((0..len).into_par_iter().map(|_| 0.0));
    Ok(v)
}

/// A zeroed scratch vector, or an out-of-memory error instead of an abort.
fn zeroed(len: usize) -> Result<Vec<f64>> {
    let mut v = Vec::new();
    v.try_reserve_exact(len).map_err(|_| oom(len))?;
    v.resize(len, 0.0);
    Ok(v)
}

/// Convenience for Rust callers: per-sector sums of `num_portfolios` equal-sized portfolios.
pub fn sector_weights(
    weights: &[f64],
    codes: &[i32],
    num_portfolios: usize,
    num_sectors: usize,
) -> Result<Vec<f64>> {
    let bonds_per_portfolio = weights.len().checked_div(num_portfolios).unwrap_or(0);
    let mut out = zeroed(validate::mul(num_portfolios, num_sectors, "output size")?)?;
    let input = Input {
        weights,
        values: None,
        codes,
        layout: Layout::Uniform {
            num_portfolios,
            bonds_per_portfolio,
        },
        num_sectors,
    };
    compute(&input, false, &mut out)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    //! The strategies' edges: lanes vs one table, single vs many chunks (odd tree), inline vs
    //! pool, scratch vs direct output; errors at chunk and quad boundaries; untouched output.
    use super::*;
    use std::sync::Mutex;

    /// Serialises the tests that change the pool size.
    static THREADS: Mutex<()> = Mutex::new(());

    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        /// Weights that are multiples of 1/8 in -4..4: every sum is exact in any order, so
        /// results can be compared bit for bit with a naive loop.
        fn data(&mut self, n: usize, s: usize) -> (Vec<f64>, Vec<i32>) {
            (0..n)
                .map(|_| {
                    let r = self.next();
                    ((r % 64) as f64 / 8.0 - 4.0, ((r >> 32) % s as u64) as i32)
                })
                .unzip()
        }
    }

    fn naive(w: &[f64], v: Option<&[f64]>, c: &[i32], offsets: &[usize], s: usize) -> Vec<f64> {
        let mut out = vec![0.0; (offsets.len() - 1) * s];
        for p in 0..offsets.len() - 1 {
            for i in offsets[p]..offsets[p + 1] {
                out[p * s + c[i] as usize] += w[i] * v.map_or(1.0, |v| v[i]);
            }
        }
        out
    }

    fn uniform(w: &[f64], c: &[i32], p: usize, s: usize) -> (Result<()>, Vec<f64>) {
        let mut out = vec![f64::from_bits(0x7ff8_dead_beef_0001); p * s];
        let input = Input {
            weights: w,
            values: None,
            codes: c,
            layout: Layout::Uniform {
                num_portfolios: p,
                bonds_per_portfolio: w.len().checked_div(p).unwrap_or(0),
            },
            num_sectors: s,
        };
        (compute(&input, false, &mut out), out)
    }

    fn bits(v: &[f64]) -> Vec<u64> {
        v.iter().map(|x| x.to_bits()).collect()
    }

    /// Bond counts around every threshold for `s` sectors.
    fn lengths(s: usize) -> Vec<usize> {
        let lanes = LANES_MIN_RATIO * s;
        let chunk = chunk_len(s);
        let mut v = vec![
            0,
            1,
            3,
            4,
            5,
            7,
            8,
            9,
            lanes - 1,
            lanes,
            lanes + 3,
            chunk - 1,
            chunk,
        ];
        v.extend([chunk + 1, 2 * chunk + 3]);
        v
    }

    #[test]
    fn exact_sums_for_every_strategy() {
        let mut rng = Rng(0x1234_5678_9abc_def1);
        for s in [1, 2, 16, 17, 64, 65, 1000, 1024, 1025, 4099] {
            for b in lengths(s) {
                for p in [1, 2, 3] {
                    let (w, c) = rng.data(p * b, s);
                    let (res, out) = uniform(&w, &c, p, s);
                    res.unwrap_or_else(|e| panic!("{p}x{b} s={s}: {e}"));
                    let offsets: Vec<usize> = (0..=p).map(|q| q * b).collect();
                    let want = naive(&w, None, &c, &offsets, s);
                    assert_eq!(bits(&out), bits(&want), "{p}x{b} s={s}");
                }
            }
        }
    }

    #[test]
    fn exposures_and_ragged_match_the_naive_loop() {
        let mut rng = Rng(77);
        for s in [3, 18, 300] {
            let sizes = [0, 5, 16 * s, 1, chunk_len(s) + 7, 2, 0];
            let n: usize = sizes.iter().sum();
            let (w, c) = rng.data(n, s);
            let (v, _) = rng.data(n, 1);
            let mut offsets = vec![0usize];
            for k in sizes {
                offsets.push(offsets.last().unwrap() + k);
            }
            let off64: Vec<i64> = offsets.iter().map(|&o| o as i64).collect();
            let mut out = vec![f64::NAN; sizes.len() * s];
            let input = Input {
                weights: &w,
                values: Some(&v),
                codes: &c,
                layout: Layout::Ragged(&off64),
                num_sectors: s,
            };
            compute(&input, false, &mut out).unwrap();
            // Products of multiples of 1/8 are multiples of 1/64: still exact.
            assert_eq!(
                bits(&out),
                bits(&naive(&w, Some(&v), &c, &offsets, s)),
                "s={s}"
            );
        }
    }

    #[test]
    fn every_thread_count_and_the_inline_path_give_the_same_bits() {
        let _guard = THREADS.lock().unwrap_or_else(|e| e.into_inner());
        let mut rng = Rng(99);
        for (p, b, s) in [
            (1, 300_001, 18),
            (3, 140_000, 7),
            (5, 20_000, 1000),
            (2, 2_000, 70_000),
        ] {
            // Non-dyadic weights, so the summation order shows in the bits.
            let (_, c) = rng.data(p * b, s);
            let w: Vec<f64> = (0..p * b).map(|i| 1.0 / (i as f64 + 3.0)).collect();
            let mut results = Vec::new();
            for t in [1, 2, 3, 0] {
                pool::set_num_threads(t).unwrap();
                let (res, out) = uniform(&w, &c, p, s);
                res.unwrap();
                results.push(bits(&out));
            }
            for r in &results[1..] {
                assert_eq!(r, &results[0], "{p}x{b} s={s}");
            }
            // Portfolio 0 alone (inline when small) gives the same row as inside the batch.
            let (res, alone) = uniform(&w[..b], &c[..b], 1, s);
            res.unwrap();
            assert_eq!(
                bits(&alone),
                results[0][..s].to_vec(),
                "{p}x{b} s={s} alone"
            );
        }
        pool::set_num_threads(0).unwrap();
    }

    /// Puts each kind of bad element at `at` and checks the first one is reported with its place
    /// and the output is untouched.
    #[test]
    fn bad_elements_are_found_at_every_edge_and_nothing_is_written() {
        let mut rng = Rng(5);
        for s in [1, 18, 65, 2000] {
            let chunk = chunk_len(s);
            for (p, b) in [
                (1, 40),
                (1, 16 * s + 5),
                (1, 2 * chunk + 3),
                (3, 50),
                (2, chunk + 9),
            ] {
                let (w, c) = rng.data(p * b, s);
                let n = p * b;
                let mut spots = vec![0, 1, 3, 4, n / 2, n - 1];
                if b > chunk {
                    spots.extend([chunk - 1, chunk, chunk + 1, b + chunk]);
                }
                for &at in spots.iter().filter(|&&i| i < n) {
                    for kind in 0..5 {
                        let (mut w, mut c) = (w.clone(), c.clone());
                        let want = match kind {
                            0 => {
                                c[at] = s as i32;
                                format!("sector code {s} at bond")
                            }
                            1 => {
                                c[at] = -1;
                                "sector code -1 at bond".to_string()
                            }
                            2 => {
                                w[at] = f64::NAN;
                                "weight NaN at bond".to_string()
                            }
                            3 => {
                                w[at] = f64::NEG_INFINITY;
                                "weight -inf at bond".to_string()
                            }
                            _ => {
                                // A later, worse element must not win over this one.
                                w[at] = f64::INFINITY;
                                if at + 2 < n {
                                    c[at + 2] = i32::MIN;
                                }
                                "weight inf at bond".to_string()
                            }
                        };
                        let (res, out) = uniform(&w, &c, p, s);
                        let e = res.expect_err("a bad element must fail");
                        let place = format!("{want} {} of portfolio {}", at % b, at / b);
                        assert!(
                            e.message.starts_with(&place),
                            "{p}x{b} s={s}: {e} / {place}"
                        );
                        assert!(
                            out.iter().all(|x| x.to_bits() == 0x7ff8_dead_beef_0001),
                            "{p}x{b} s={s} at {at}: output written on error"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn the_kept_scratch_never_leaks_old_rows() {
        // Big enough for the pool and the kept scratch (more than 2^16 output doubles).
        let (p, b, s) = (5_000, 40, 20);
        let offsets: Vec<usize> = (0..=p).map(|q| q * b).collect();
        let mut rng = Rng(123);
        for round in 0..4 {
            let (w, mut c) = rng.data(p * b, s);
            if round == 1 {
                c[p * b / 2] = -7; // fails half-way: the scratch holds a partial result
                let (res, out) = uniform(&w, &c, p, s);
                assert!(res.is_err() && out.iter().all(|x| x.is_nan()));
                continue;
            }
            let (res, out) = uniform(&w, &c, p, s);
            res.unwrap();
            assert_eq!(
                bits(&out),
                bits(&naive(&w, None, &c, &offsets, s)),
                "round {round}"
            );
        }
    }

    #[test]
    fn finite_sums_that_overflow_are_errors_and_write_nothing() {
        // Lanes, one table, and the output-dominated (check first, then write) strategy.
        for (p, b, s) in [
            (1, 4, 1),
            (1, 100, 1),
            (1, 3, 100),
            (4, 3, 100),
            (1, 70_000, 2),
        ] {
            let mut w = vec![1.0; p * b];
            let c = vec![0; p * b];
            w[(p - 1) * b] = f64::MAX;
            w[(p - 1) * b + 1] = f64::MAX;
            let (res, out) = uniform(&w, &c, p, s);
            let e = res.unwrap_err();
            assert_eq!(e.status, SwStatus::SW_ERROR_NON_FINITE, "p={p} b={b} s={s}");
            let want = format!("the sum of sector 0 of portfolio {} overflows (inf)", p - 1);
            assert!(e.message.contains(&want), "{}", e.message);
            assert!(
                out.iter().all(|x| x.to_bits() == 0x7ff8_dead_beef_0001),
                "output written"
            );
        }
    }

    #[test]
    fn a_bad_element_outranks_an_earlier_zero_total_when_normalising() {
        let w = [1.0, -1.0, 2.0, 3.0];
        let off = [0i64, 2, 4];
        let run = |c: &[i32]| {
            let mut out = vec![7.0; 4];
            let input = Input {
                weights: &w,
                values: None,
                codes: c,
                layout: Layout::Ragged(&off),
                num_sectors: 2,
            };
            let e = compute(&input, true, &mut out).unwrap_err();
            assert_eq!(out, [7.0; 4]);
            e.status
        };
        assert_eq!(run(&[0, 1, 0, 1]), SwStatus::SW_ERROR_ZERO_TOTAL);
        assert_eq!(run(&[0, 1, 0, 9]), SwStatus::SW_ERROR_SECTOR_OUT_OF_RANGE);
    }
}
