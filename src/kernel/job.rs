//! The job over portfolios and chunks, and its two ways of writing rows (chosen by size only):
//!
//! - **check, then write** (the output is larger than half the bonds: many sectors, few bonds; not
//!   normalised; no portfolio allocates, which could fail after rows were written): a first pass
//!   only checks the input (cheap beside writing the output), then rows are summed straight into
//!   the output — unless the check found a sum that could overflow: then nothing was written and
//!   the job is staged. Both passes are one job over the threads ([`Exec::check_then_write`]):
//!   the writes start once every check is done and none failed, so a worker woken for the checks
//!   stays for the writes (two jobs woke it twice, and it joined each late);
//! - **staged**: every row is summed into scratch and checked there; the scratch is copied out once
//!   every row is done.
//!
//! A portfolio of several chunks sums them along a fixed binary tree over the chunk indices.
//! Failures are ranked ([`Rank`]) so that the same one is reported whatever the scheduling.

use std::ops::Range;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use super::check::{find_bad, screen, SAFE_MAGNITUDE};
use super::chunk::{self, allocates, chunk_len, Stop};
use super::columns::{combine, with_columns, Code, Floats, RangeCodes, Weight};
use super::exec::{Exec, Phases, Ranked};
use super::{rows, scratch};
use super::{Input, Layout};
use crate::error::{Data, Error, Resource, Result, Rows};

/// Portfolios are handed to threads in groups of about this many bonds (a quarter per output
/// double counted as a bond) each.
pub(super) const TASK_BONDS: usize = 1 << 15;

/// What is reported when several things fail: the least rank.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Rank {
    /// Scratch could not be allocated (for this portfolio).
    Fatal(usize),
    /// A bad element at this global bond index.
    Element(usize),
    /// This portfolio's row overflows or cannot be normalised.
    Row(usize),
    /// Work skipped after an earlier failure (which is reported instead).
    Skipped(usize),
}

/// A failure of a job.
pub type Failure = Ranked<Rank>;

/// How rows reach the output ([`Job::strategy`]).
enum Strategy {
    /// A pass that only checks, then rows summed straight into the output.
    CheckThenWrite,
    /// Rows summed into scratch, checked there, then copied out.
    Staged,
}

pub struct Job<'i, 'a, 'p> {
    input: &'i Input<'a>,
    exec: Exec<'p>,
    s: usize,
    /// The lowest global index of a bad element found so far; work after it is skipped.
    first_bad: AtomicUsize,
    /// Every element was already checked: summing need not prove weights finite again.
    prechecked: bool,
    /// The check pass met a portfolio whose sum of |terms| comes near `f64::MAX`: its sums could
    /// overflow, so rows must be staged (checked before anything is written).
    near_overflow: AtomicBool,
}

impl<'i, 'a, 'p> Job<'i, 'a, 'p> {
    pub fn new(input: &'i Input<'a>, exec: Exec<'p>) -> Self {
        Job {
            input,
            exec,
            s: input.width(),
            first_bad: AtomicUsize::new(usize::MAX),
            prechecked: false,
            near_overflow: AtomicBool::new(false),
        }
    }

    /// Writes every row into `out`, or nothing on error.
    pub fn run(mut self, normalize: bool, out: &mut [f64]) -> Result<()> {
        if let Some(r) = self.single_chunk() {
            return self.run_single(r, normalize, out);
        }
        self.run_many(normalize, out)
    }

    /// [`Job::run`] for every job but a single chunk's. Not inlined, so that the small calls'
    /// path through [`Job::run`] stays short: 1,529 instructions a 1 x 100 x 18 call, against
    /// 1,534 with both strategies inlined (callgrind on `benches/c/calls.c`).
    #[inline(never)]
    fn run_many(mut self, normalize: bool, out: &mut [f64]) -> Result<()> {
        let strategy = self.strategy(normalize, out.len(), || self.input.layout.max_len());
        if let Strategy::CheckThenWrite = strategy {
            // Rows are summed only after every element was checked.
            self.prechecked = true;
            if self.check_then_write(out)? {
                return Ok(());
            }
        }
        scratch::with(out.len(), self.exec, |rows| {
            self.for_portfolios(rows, |ps, rows| self.sum_block(ps, rows, normalize))?;
            self.exec.copy(rows, out);
            Ok(())
        })
    }

    /// How rows reach `out` (`out_len` doubles; `max_len`: the longest portfolio's bonds), by
    /// size only: see the module docs. Normalising needs every row's total before anything is
    /// written, and a portfolio that allocates could fail after rows were written: both stage.
    /// ([`Job::run_single`] makes the same choice with the test written out: through this
    /// function the 1 x 100 x 18 call took 6 more instructions and 3-4% longer; callgrind on
    /// `benches/c/calls.c`, `benches/c/abloop.c`.)
    #[inline(always)]
    fn strategy(&self, normalize: bool, out_len: usize, max_len: impl Fn() -> usize) -> Strategy {
        if !normalize && out_len > self.input.weights.len() / 2 && !allocates(max_len(), self.s) {
            Strategy::CheckThenWrite
        } else {
            Strategy::Staged
        }
    }

    /// Checks every portfolio, then sums the rows straight into `out` (true) — unless a check
    /// failed (its error) or the check found a sum that could overflow (false, nothing written:
    /// the rows must be staged). Shared, both passes are one job over the threads
    /// ([`Exec::check_then_write`]).
    fn check_then_write(&self, out: &mut [f64]) -> Result<bool> {
        let (s, p_count) = (self.s, self.input.layout.ranges());
        let exec = if p_count <= 1 { Exec::Inline } else { self.exec };
        let per_task = self.per_task(out.len());
        let phases = exec.check_then_write(
            out,
            per_task * s,
            |t, len| self.check_block(t * per_task..t * per_task + len / s),
            || !self.near_overflow.load(Ordering::Relaxed),
            |t, rows| self.sum_block(t * per_task..t * per_task + rows.len() / s, rows, false),
        );
        match phases {
            Phases::CheckFailed(failure) => Err(failure.error),
            Phases::Closed => Ok(false),
            Phases::Written(failure) => failure.map_or(Ok(true), |f| Err(f.error)),
        }
    }

    /// The bonds of a job of one portfolio of at most one chunk (a small call), if it is one.
    fn single_chunk(&self) -> Option<Range<usize>> {
        let layout = self.input.layout;
        if matches!(layout, Layout::Grouped { .. }) || layout.num_portfolios() != 1 {
            return None;
        }
        let r = layout.range(0);
        (r.len() <= chunk_len(self.s)).then_some(r)
    }

    /// [`Job::run`] for a job of one portfolio of one chunk (bonds `r`): the same strategies and
    /// the same scan, without the blocks and groups of many portfolios (whose bookkeeping is
    /// most of the cost of a call on 100 bonds).
    /// Takes `&mut self`: moving the job here copied it (built just before by scalar stores)
    /// with vector loads, which had to wait for those stores to reach the cache.
    fn run_single(&mut self, r: Range<usize>, normalize: bool, out: &mut [f64]) -> Result<()> {
        if !normalize && out.len() > self.input.weights.len() / 2 {
            if let Some(failure) = self.check_block(0..1) {
                return Err(failure.error);
            }
            self.prechecked = true;
            if !self.near_overflow.load(Ordering::Relaxed) && !allocates(r.len(), self.s) {
                let start = r.start;
                return self.scan(r, out).map(drop).map_err(|s| self.stopped(s, 0, start).error);
            }
        }
        let may_overflow = !self.prechecked || self.near_overflow.load(Ordering::Relaxed);
        scratch::with(out.len(), self.exec, |row| {
            let finite = match self.portfolio_sums(0, r.clone(), row) {
                Ok(finite) => finite,
                Err(stop) => return Err(self.stopped(stop, 0, r.start).error),
            };
            if let Some(error) = check_row(row, 0, r.len(), may_overflow && !finite, normalize) {
                return Err(error);
            }
            out.copy_from_slice(row);
            Ok(())
        })
    }

    /// Runs `f` on groups of consecutive portfolios with their rows (one group inline; groups of
    /// about [`TASK_BONDS`] otherwise); reports the least failure.
    fn for_portfolios<F>(&self, rows: &mut [f64], f: F) -> Result<()>
    where
        F: Fn(Range<usize>, &mut [f64]) -> Option<Failure> + Sync,
    {
        let p_count = self.input.layout.ranges();
        let failure = if p_count <= 1 || matches!(self.exec, Exec::Inline) {
            f(0..p_count, rows)
        } else {
            let (per_task, s) = (self.per_task(rows.len()), self.s);
            self.exec.blocks(rows, per_task * s, |t, block| {
                let p0 = t * per_task;
                f(p0..p0 + block.len() / s, block)
            })
        };
        failure.map_or(Ok(()), |f| Err(f.error))
    }

    /// Portfolios per group handed to a thread: about [`TASK_BONDS`] bonds' worth (`rows`
    /// output doubles, a quarter of a bond each).
    fn per_task(&self, rows: usize) -> usize {
        let p_count = self.input.layout.ranges();
        let work = self.input.weights.len().saturating_add(rows / 4).max(1);
        (TASK_BONDS.saturating_mul(p_count) / work).clamp(1, p_count.max(1))
    }

    /// Only checks portfolios `ps` (first pass of check-then-write).
    fn check_block(&self, ps: Range<usize>) -> Option<Failure> {
        for p in ps {
            // A panic in this strategy must come before anything is written, so the test hook
            // fires in this first pass.
            #[cfg(feature = "panic-hook")]
            if super::FORCE_PANIC.swap(false, Ordering::SeqCst) {
                panic!("forced panic (test hook) in portfolio {p}");
            }
            let r = self.input.layout.range(p);
            if r.start > self.first_bad.load(Ordering::Relaxed) {
                break; // An earlier bad element is known.
            }
            let (w, v, c) = match self.columns(r.clone()) {
                Ok(columns) => columns,
                Err(stop) => return Some(self.stopped(stop, p, r.start)),
            };
            let s = self.s;
            let (codes_ok, magnitude, bad) = with_columns!(w, v, c.codes(), |w, v, c, VALUES| {
                let v = VALUES.then_some(v);
                let (codes_ok, magnitude) = screen(w, v, c, s);
                let bad = (!codes_ok || !magnitude.is_finite()).then(|| find_bad(w, v, c, s));
                (codes_ok, magnitude, bad.flatten())
            });
            let _ = codes_ok;
            if let Some((i, bad)) = bad {
                return Some(self.stopped(Stop::Bad(r.start + i, bad), p, r.start));
            }
            if magnitude.is_nan() || magnitude >= SAFE_MAGNITUDE {
                self.near_overflow.store(true, Ordering::Relaxed);
            }
        }
        None
    }

    /// Computes (and, when `normalize`, normalises) the rows of portfolios `ps`, in order.
    fn sum_block(&self, ps: Range<usize>, rows: &mut [f64], normalize: bool) -> Option<Failure> {
        let mut row_failure = None;
        // After a check pass that found every sum bounded, no row can overflow: do not re-read
        // rows (65,536 doubles each with issuer-level sectors) to look.
        let may_overflow = !self.prechecked || self.near_overflow.load(Ordering::Relaxed);
        if let Layout::Uniform { bonds_per_portfolio: b, .. } = self.input.layout {
            if b <= chunk_len(self.s) {
                let at = OneChunkRows { ps, b, normalize, may_overflow };
                return self.sum_one_chunk_rows(at, rows);
            }
        }
        for (p, row) in ps.zip(rows.chunks_mut(self.s)) {
            let r = self.input.layout.range(p);
            if r.start > self.first_bad.load(Ordering::Relaxed) {
                break;
            }
            let finite = match self.portfolio_sums(p, r.clone(), row) {
                Ok(finite) => finite,
                Err(stop) => return Some(self.stopped(stop, p, r.start)),
            };
            // Bad elements anywhere outrank a row failure, so later rows are still summed.
            let normalize = normalize && row_failure.is_none();
            let failure = check_row(row, p, r.len(), may_overflow && !finite, normalize);
            row_failure =
                row_failure.or(failure.map(|error| Failure { rank: Rank::Row(p), error }));
        }
        row_failure
    }

    /// [`Job::sum_block`] for equal portfolios of one chunk each (many small portfolios): the
    /// typed columns are sliced once for the block, not per portfolio (about 120 instructions a
    /// portfolio, against about 650 to sum one of 100 bonds; `benches/c/calls.c`,
    /// `calls 100000 100 18 1 1 1` under callgrind). The same scans, in the same order.
    fn sum_one_chunk_rows(&self, at: OneChunkRows, rows: &mut [f64]) -> Option<Failure> {
        let start = at.ps.start * at.b;
        let (w, v, c) = match self.columns(start..at.ps.end * at.b) {
            Ok(columns) => columns,
            Err(stop) => return Some(self.stopped(stop, at.ps.start, start)),
        };
        with_columns!(w, v, c.codes(), |w, v, c, VALUES| {
            self.one_chunk_rows::<VALUES, _, _>(w, v, c, &at, rows)
        })
    }

    fn one_chunk_rows<const VALUES: bool, W: Weight, C: Code>(
        &self, w: &[W], v: &[W], c: &[C], at: &OneChunkRows, rows: &mut [f64],
    ) -> Option<Failure> {
        let (s, rows) = (self.s, &mut rows[..at.ps.len() * self.s]);
        // No earlier bad element known: the block at once (`rows.rs`); if anything in it is
        // wrong, again portfolio by portfolio below, to name it.
        if self.first_bad.load(Ordering::Relaxed) == usize::MAX {
            #[cfg(feature = "panic-hook")]
            if super::FORCE_PANIC.swap(false, Ordering::SeqCst) {
                panic!("forced panic (test hook) in portfolio {}", at.ps.start);
            }
            let prechecked = self.prechecked;
            let summed = rows::summed::<VALUES, W, C>(w, v, c, at.b, s, rows, prechecked);
            if let Some(finite) = summed {
                return checked_rows(at, s, rows, finite);
            }
        }
        let mut row_failure = None;
        for (q, row) in rows.chunks_mut(self.s).enumerate().take(at.ps.len()) {
            let (p, start) = (at.ps.start + q, (at.ps.start + q) * at.b);
            if start > self.first_bad.load(Ordering::Relaxed) {
                break;
            }
            #[cfg(feature = "panic-hook")]
            if super::FORCE_PANIC.swap(false, Ordering::SeqCst) {
                panic!("forced panic (test hook) in portfolio {p}");
            }
            let r = q * at.b..(q + 1) * at.b;
            let vr = if VALUES { &v[r.clone()] } else { v };
            let prechecked = self.prechecked;
            let finite =
                match chunk::scan::<VALUES, W, C>(&w[r.clone()], vr, &c[r], row, prechecked) {
                    Ok(finite) => finite,
                    Err(stop) => return Some(self.stopped(global(stop, start), p, start)),
                };
            let normalize = at.normalize && row_failure.is_none();
            let failure = check_row(row, p, at.b, at.may_overflow && !finite, normalize);
            row_failure =
                row_failure.or(failure.map(|error| Failure { rank: Rank::Row(p), error }));
        }
        row_failure
    }

    /// The failure for a stop in portfolio `p` (whose bonds start at `start`).
    fn stopped(&self, stop: Stop, p: usize, start: usize) -> Failure {
        match stop {
            Stop::Bad(g, bad) => {
                self.first_bad.fetch_min(g, Ordering::Relaxed);
                let error = Error::Data(Data::Element {
                    bad,
                    item: g - start,
                    group: p,
                    rows: Rows::Bonds,
                    limit: self.s,
                });
                Failure { rank: Rank::Element(g), error }
            }
            Stop::Skipped => Failure {
                rank: Rank::Skipped(p),
                error: Error::Internal("skipped after an earlier error"),
            },
            Stop::Fatal(error) => Failure { rank: Rank::Fatal(p), error },
        }
    }

    /// Overwrites `row` with the sums of portfolio `p` (bonds `r`). On error `row` holds garbage.
    /// `Ok(true)`: every sum was found finite (see [`chunk::scan`]).
    fn portfolio_sums(
        &self, p: usize, r: Range<usize>, row: &mut [f64],
    ) -> std::result::Result<bool, Stop> {
        #[cfg(feature = "panic-hook")]
        if super::FORCE_PANIC.swap(false, Ordering::SeqCst) {
            panic!("forced panic (test hook) in portfolio {p}");
        }
        let _ = p;
        let chunk = chunk_len(self.s);
        if r.len() <= chunk {
            return self.scan(r, row);
        }
        let parts = r.len().div_ceil(chunk);
        // One partial table per inner node of the tree: O(chunks x sectors). The tree's
        // additions may overflow: its sums are left to the caller's check.
        scratch::tables((parts - 1) * self.s, self.exec, |spare| {
            self.tree(&r, chunk, 0..parts, row, spare).map(|()| false)
        })
    }

    /// Sums chunks `js` of the portfolio at `r` into `acc` along a fixed binary tree: the left
    /// half into `acc`, the right half into a table from `spare`, then right into left.
    fn tree(
        &self, r: &Range<usize>, chunk: usize, js: Range<usize>, acc: &mut [f64], spare: &mut [f64],
    ) -> std::result::Result<(), Stop> {
        if js.len() == 1 {
            let lo = r.start + js.start * chunk;
            if lo > self.first_bad.load(Ordering::Relaxed) {
                return Err(Stop::Skipped);
            }
            let res = self.scan(lo..(lo + chunk).min(r.end), acc).map(|_| ());
            if let Err(Stop::Bad(g, _)) = &res {
                self.first_bad.fetch_min(*g, Ordering::Relaxed);
            }
            return res;
        }
        let mid = js.start + js.len() / 2;
        let (tmp, rest) = spare.split_at_mut(self.s);
        let (left_spare, right_spare) = rest.split_at_mut((mid - js.start - 1) * self.s);
        let (a, b) = self.exec.join(
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

    /// The typed columns of bonds `r`; the grouped layout's cells are made here, for `r` only.
    #[inline(always)]
    fn columns(
        &self, r: Range<usize>,
    ) -> std::result::Result<(Floats<'a>, Option<Floats<'a>>, RangeCodes<'a>), Stop> {
        let input = self.input;
        let (w, v) = (input.weights.slice(r.clone()), input.values.map(|v| v.slice(r.clone())));
        let codes = match input.layout {
            Layout::Grouped { portfolios, num_portfolios } => {
                let mut cells = Vec::new();
                cells.try_reserve_exact(r.len()).map_err(|_| Stop::Fatal(oom_cells(r.len())))?;
                cells.resize(r.len(), 0);
                let (p, c) = (portfolios.slice(r.clone()), input.codes.slice(r));
                combine(p, c, num_portfolios, input.num_sectors, &mut cells);
                RangeCodes::Cells(cells)
            }
            _ => RangeCodes::Input(input.codes.slice(r)),
        };
        Ok((w, v, codes))
    }

    /// Overwrites `acc` with the sums of bonds `r` (one chunk); a bad element's index is global.
    /// `Ok(true)`: every sum was found finite.
    #[inline(always)]
    fn scan(&self, r: Range<usize>, acc: &mut [f64]) -> std::result::Result<bool, Stop> {
        let (w, v, c) = self.columns(r.clone())?;
        let prechecked = self.prechecked;
        let res = with_columns!(w, v, c.codes(), |w, v, c, VALUES| {
            chunk::scan::<VALUES, _, _>(w, v, c, acc, prechecked)
        });
        res.map_err(|stop| global(stop, r.start))
    }
}

/// Portfolios `ps` of `b` bonds each (at most one chunk), and what [`Job::sum_block`] was asked.
struct OneChunkRows {
    ps: Range<usize>,
    b: usize,
    normalize: bool,
    may_overflow: bool,
}

/// Checks rows of portfolios `at.ps` whose every element was valid (see [`check_row`]; `finite`:
/// every sum was found finite) and returns the first row's failure.
fn checked_rows(at: &OneChunkRows, s: usize, rows: &mut [f64], finite: bool) -> Option<Failure> {
    let may_overflow = at.may_overflow && !finite;
    if !(at.normalize || may_overflow) {
        return None;
    }
    for (p, row) in at.ps.clone().zip(rows.chunks_mut(s)) {
        if let Some(error) = check_row(row, p, at.b, may_overflow, at.normalize) {
            return Some(Failure { rank: Rank::Row(p), error });
        }
    }
    None
}

/// A stop in a range of bonds starting at `start`, its bad element's index made global.
fn global(stop: Stop, start: usize) -> Stop {
    match stop {
        Stop::Bad(i, b) => Stop::Bad(start + i, b),
        other => other,
    }
}

/// Checks a summed row of portfolio `p` (`bonds` bonds): that its sums did not overflow (when
/// they may), then normalises it by its total when `normalize`.
pub(super) fn check_row(
    row: &mut [f64], p: usize, bonds: usize, may_overflow: bool, normalize: bool,
) -> Option<Error> {
    if may_overflow {
        // Every element is finite (checked), but the sums may have left the double range.
        if let Some(e) = overflowed(row, p, None) {
            return Some(e);
        }
    }
    if !normalize {
        return None;
    }
    let total: f64 = row.iter().sum();
    if total == 0.0 {
        return Some(Error::Data(Data::ZeroTotal { portfolio: p, bonds }));
    }
    row.iter_mut().for_each(|x| *x /= total);
    overflowed(row, p, Some(total))
}

/// An error if a computed row (normalised by `total`, if given) is not finite although every
/// element was: a sum (or the total, or a ratio to a tiny total) left the double range.
fn overflowed(row: &[f64], p: usize, total: Option<f64>) -> Option<Error> {
    if super::check::all_finite(row) && total.is_none_or(f64::is_finite) {
        return None;
    }
    let k = row.iter().position(|x| !x.is_finite()).unwrap_or(0);
    let x = row.get(k).copied().unwrap_or(f64::NAN);
    Some(Error::Data(match total {
        None => Data::SumOverflow { sector: k, group: p, sum: x, rows: Rows::Bonds },
        Some(t) if !t.is_finite() => Data::TotalOverflow { portfolio: p, total: t },
        Some(t) => Data::NormalisedOverflow { sector: k, portfolio: p, total: t, value: x },
    }))
}

fn oom_cells(rows: usize) -> Error {
    Error::Resource(Resource::Scratch { doubles: rows.div_ceil(2) })
}
