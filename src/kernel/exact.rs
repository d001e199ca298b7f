//! Exact mode (`SW_EXACT`, issue 16) for the uniform and ragged layouts: each sector sum is the
//! correctly rounded value of the exact sum of its terms (see `crate::exact`), so no thread
//! count, row order or split of the rows changes a bit. The grouped layout is in
//! `exact_grouped.rs`.
//!
//! The shape of the default job (`job.rs`): portfolios in blocks over the threads, one
//! portfolio of many chunks split over the threads inside the pool, rows staged in scratch and
//! copied out once every row is done, failures ranked the same way ([`Rank`]) with the same
//! errors. What differs: each portfolio is summed into a row of [`Acc`] (24 bytes a sector, one
//! row per thread, plus one per fork of a portfolio's chunks), rounded once into its output row;
//! the merge of forked halves is exact, so the tree's shape does not matter.

use std::ops::Range;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::columns::{with_columns, Code, Codes, Weight};
use super::exec::Exec;
use super::job::{Failure, Rank, TASK_BONDS};
use super::{chunk_len, in_pool_or_inline, mode, scratch, wake, Input, Mode};
use crate::error::{Bad, Data, Error, Resource, Result, Rows};
use crate::exact::{round_row, round_row_normalised, scan, Acc, RowError, Stop};
use crate::pool;

/// Why summing a range stopped, from the most to the least important.
#[derive(Debug)]
pub(super) enum Halt {
    /// Scratch could not be allocated.
    Fatal(Error),
    /// The first bad element (global index).
    Bad(usize, Bad),
    /// Not summed: an earlier bad element is known.
    Skipped,
    /// Every element is valid, but a product `weight × value` overflowed: a sum overflows.
    Overflow,
}

impl Halt {
    fn key(&self) -> (u8, usize) {
        match *self {
            Halt::Fatal(_) => (0, 0),
            Halt::Bad(g, _) => (1, g),
            Halt::Skipped => (2, 0),
            Halt::Overflow => (3, 0),
        }
    }
}

/// The more important of two outcomes.
pub(super) fn worse(
    a: std::result::Result<(), Halt>, b: std::result::Result<(), Halt>,
) -> std::result::Result<(), Halt> {
    match (a, b) {
        (Err(x), Err(y)) => Err(if y.key() < x.key() { y } else { x }),
        (Err(x), Ok(())) | (Ok(()), Err(x)) => Err(x),
        (Ok(()), Ok(())) => Ok(()),
    }
}

/// A row of `len` zero accumulators, or an out-of-memory error.
pub(super) fn new_row(len: usize) -> Result<Vec<Acc>> {
    let mut v = Vec::new();
    v.try_reserve_exact(len)
        .map_err(|_| Error::Resource(Resource::Scratch { doubles: len.saturating_mul(3) }))?;
    v.resize(len, Acc::zero());
    Ok(v)
}

/// Adds `other` into `row`, cell by cell (exact; fails only past `CAP_BITS`, which sums of
/// doubles never reach).
pub(super) fn merge_rows(row: &mut [Acc], other: &[Acc]) -> Result<()> {
    for (a, b) in row.iter_mut().zip(other) {
        a.merge(b).map_err(|_| Error::Internal("an exact sum exceeded its capacity"))?;
    }
    Ok(())
}

/// Scans bonds `r` (with `codes`, the input's or the grouped layout's cells) into `row`.
pub(super) fn scan_range(
    input: &Input, codes: Codes, r: Range<usize>, row: &mut [Acc],
) -> std::result::Result<(), Halt> {
    let (w, v) = (input.weights.slice(r.clone()), input.values.map(|v| v.slice(r.clone())));
    let res = with_columns!(w, v, codes, |w, v, c, VALUES| scan::<VALUES, _, _>(w, v, c, row));
    res.map_err(|stop| match stop {
        Stop::Bad(i, bad) => Halt::Bad(r.start + i, bad),
        Stop::ProductOverflow { .. } => Halt::Overflow,
        Stop::OutOfMemory { sectors } => Halt::Fatal(Error::Resource(Resource::Lanes { sectors })),
        Stop::Internal => Halt::Fatal(Error::Internal("an exact scan stopped without a cause")),
    })
}

/// Term `i`: `w[i]`, or `fl(w[i] * v[i])` when `VALUES`.
#[inline(always)]
pub(super) fn term<const VALUES: bool, W: Weight>(w: &[W], v: &[W], i: usize) -> f64 {
    if VALUES {
        w[i].f64() * v[i].f64()
    } else {
        w[i].f64()
    }
}

/// After a product overflowed (every element valid): the first of `width` cells whose sum is not
/// finite — it has an infinite term, or its exact sum rounds beyond the doubles — and that sum
/// (`±∞`, or NaN for infinite terms of both signs, as a default-mode sum would be). Cold.
#[cold]
pub(super) fn first_overflow(
    width: usize, terms: impl Iterator<Item = (usize, f64)>,
) -> Result<(usize, f64)> {
    let mut sums = new_row(width)?;
    let mut infinite = vec![(false, false); width];
    for (k, x) in terms {
        match (k < width, x.is_finite()) {
            (true, true) => sums[k].add(x),
            (true, false) if x > 0.0 => infinite[k].0 = true,
            (true, false) => infinite[k].1 = true,
            _ => {}
        }
    }
    let sum = |k: usize| match infinite[k] {
        (true, true) => Some(f64::NAN),
        (true, false) => Some(f64::INFINITY),
        (false, true) => Some(f64::NEG_INFINITY),
        (false, false) => sums[k].round().err().map(|o| f64::INFINITY.copysign(sign(o.negative))),
    };
    (0..width)
        .find_map(|k| sum(k).map(|s| (k, s)))
        .ok_or(Error::Internal("a product overflowed but no exact sum does"))
}

fn sign(negative: bool) -> f64 {
    if negative {
        -1.0
    } else {
        1.0
    }
}

/// A row that cannot be rounded, as the default kernel words it (portfolio `p`, `bonds` rows).
pub(super) fn row_error(e: RowError, p: usize, bonds: usize) -> Error {
    let inf = |negative: bool| f64::INFINITY.copysign(sign(negative));
    Error::Data(match e {
        RowError::SumOverflow { sector, negative } => {
            Data::SumOverflow { sector, group: p, sum: inf(negative), rows: Rows::Bonds }
        }
        RowError::ZeroTotal => Data::ZeroTotal { portfolio: p, bonds },
        RowError::TotalOverflow { negative } => {
            Data::TotalOverflow { portfolio: p, total: inf(negative) }
        }
        RowError::NormalisedOverflow { sector, total, value } => {
            Data::NormalisedOverflow { sector, portfolio: p, total, value }
        }
    })
}

/// Rounds `row` into `out`, normalised when `normalize`.
pub(super) fn round_into(
    row: &[Acc], out: &mut [f64], normalize: bool,
) -> std::result::Result<(), RowError> {
    if normalize {
        round_row_normalised(row, out)
    } else {
        round_row(row, out)
    }
}

/// Exact sums of a checked uniform or ragged input into `out`, or nothing on error.
pub(super) fn portfolios(input: &Input, normalize: bool, out: &mut [f64]) -> Result<()> {
    match mode(input) {
        Mode::Inline => run(input, normalize, Exec::Inline, out),
        Mode::Shared => run(input, normalize, Exec::Shared(&*pool::current()?), out),
        Mode::InPool => {
            // Inline instead when the pool's workers were last seen starting late (`wake.rs`).
            let pool = pool::current()?;
            let work = wake::work_ns(input.weights.len(), out.len());
            in_pool_or_inline(&pool, work, |exec| run(input, normalize, exec, out))
        }
    }
}

fn run(input: &Input, normalize: bool, exec: Exec, out: &mut [f64]) -> Result<()> {
    let job = ExactJob {
        input,
        exec,
        s: input.num_sectors,
        chunk: chunk_len(input.num_sectors),
        first_bad: AtomicUsize::new(usize::MAX),
    };
    scratch::with(out.len(), exec, |rows| {
        job.rows(rows, normalize)?;
        exec.copy(rows, out);
        Ok(())
    })
}

struct ExactJob<'i, 'a, 'p> {
    input: &'i Input<'a>,
    exec: Exec<'p>,
    s: usize,
    chunk: usize,
    /// The lowest global index of a bad element found so far; work after it is skipped.
    first_bad: AtomicUsize,
}

impl ExactJob<'_, '_, '_> {
    /// Every portfolio's row into `rows`, in blocks over the threads; the least failure.
    fn rows(&self, rows: &mut [f64], normalize: bool) -> Result<()> {
        let p_count = self.input.layout.num_portfolios();
        let failure = if p_count <= 1 || matches!(self.exec, Exec::Inline) {
            self.block(0..p_count, rows, normalize)
        } else {
            let work = self.input.weights.len().saturating_add(rows.len() / 4).max(1);
            let per_task = (TASK_BONDS.saturating_mul(p_count) / work).clamp(1, p_count);
            let s = self.s;
            self.exec.blocks(rows, per_task * s, |t, block| {
                let p0 = t * per_task;
                self.block(p0..p0 + block.len() / s, block, normalize)
            })
        };
        failure.map_or(Ok(()), |f| Err(f.error))
    }

    /// Portfolios `ps` into `rows`, in order, reusing one row of accumulators.
    fn block(&self, ps: Range<usize>, rows: &mut [f64], normalize: bool) -> Option<Failure> {
        if ps.is_empty() {
            return None; // (No portfolios: the sector count may be anything, and is not allocated.)
        }
        let mut acc = match new_row(self.s) {
            Ok(acc) => acc,
            Err(error) => return Some(Failure { rank: Rank::Fatal(ps.start), error }),
        };
        let mut row_failure: Option<Failure> = None;
        for (p, out) in ps.zip(rows.chunks_mut(self.s)) {
            let r = self.input.layout.range(p);
            if r.start > self.first_bad.load(Ordering::Relaxed) {
                break;
            }
            acc.fill(Acc::zero());
            let error = match self.range_sums(r.clone(), &mut acc) {
                Ok(()) => match round_into(&acc, out, normalize) {
                    Ok(()) => continue,
                    Err(e) => row_error(e, p, r.len()),
                },
                Err(Halt::Overflow) => match self.overflow(p, r) {
                    Ok(e) => e,
                    Err(error) => return Some(Failure { rank: Rank::Fatal(p), error }),
                },
                Err(halt) => return Some(self.stopped(halt, p, r.start)),
            };
            // Bad elements anywhere outrank a row failure, so later rows are still summed.
            row_failure = row_failure.or(Some(Failure { rank: Rank::Row(p), error }));
        }
        row_failure
    }

    /// Bonds `r` (one portfolio) into `acc`: its chunks in order, or split over the threads
    /// inside the pool (the right half into a row of its own, merged exactly).
    fn range_sums(&self, r: Range<usize>, acc: &mut [Acc]) -> std::result::Result<(), Halt> {
        let parts = r.len().div_ceil(self.chunk);
        if parts > 1 && self.exec.in_pool() {
            let mid = r.start + parts / 2 * self.chunk;
            let mut right = new_row(self.s).map_err(Halt::Fatal)?;
            let (a, b) = rayon::join(
                || self.range_sums(r.start..mid, acc),
                || self.range_sums(mid..r.end, &mut right),
            );
            worse(a, b)?;
            return merge_rows(acc, &right).map_err(Halt::Fatal);
        }
        let mut res = Ok(());
        for lo in r.clone().step_by(self.chunk.max(1)) {
            if lo > self.first_bad.load(Ordering::Relaxed) {
                return worse(res, Err(Halt::Skipped));
            }
            let codes = self.input.codes.slice(lo..(lo + self.chunk).min(r.end));
            match scan_range(self.input, codes, lo..(lo + self.chunk).min(r.end), acc) {
                Err(Halt::Bad(g, bad)) => {
                    self.first_bad.fetch_min(g, Ordering::Relaxed);
                    return Err(Halt::Bad(g, bad));
                }
                Err(Halt::Fatal(e)) => return Err(Halt::Fatal(e)),
                other => res = worse(res, other),
            }
        }
        res
    }

    /// The failure for a halt in portfolio `p` (whose bonds start at `start`).
    fn stopped(&self, halt: Halt, p: usize, start: usize) -> Failure {
        let (rank, error) = match halt {
            Halt::Bad(g, bad) => {
                self.first_bad.fetch_min(g, Ordering::Relaxed);
                let item = g - start;
                let e = Data::Element { bad, item, group: p, rows: Rows::Bonds, limit: self.s };
                (Rank::Element(g), Error::Data(e))
            }
            Halt::Fatal(error) => (Rank::Fatal(p), error),
            Halt::Skipped | Halt::Overflow => {
                (Rank::Skipped(p), Error::Internal("skipped after an earlier error"))
            }
        };
        Failure { rank, error }
    }

    /// The overflow of portfolio `p` (bonds `r`), where a product overflowed.
    fn overflow(&self, p: usize, r: Range<usize>) -> Result<Error> {
        let input = self.input;
        let (w, v) = (input.weights.slice(r.clone()), input.values.map(|v| v.slice(r.clone())));
        let (sector, sum) = with_columns!(w, v, input.codes.slice(r), |w, v, c, VALUES| {
            first_overflow(self.s, (0..w.len()).map(|i| (index(c[i]), term::<VALUES, _>(w, v, i))))
        })?;
        Ok(Error::Data(Data::SumOverflow { sector, group: p, sum, rows: Rows::Bonds }))
    }
}

/// A code as an index (negative codes are huge, so never in bounds).
#[inline(always)]
pub(super) fn index<C: Code>(code: C) -> usize {
    code.index().into() as usize
}
