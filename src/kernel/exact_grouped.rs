//! Exact mode (`SW_EXACT`) for the grouped layout: rows in any order summed into a table of
//! exact accumulators, one cell per (portfolio, sector), then rounded. The two strategies of the
//! default mode (`grouped.rs`), chosen by size alone, with its checks and error ranking:
//!
//! - **one table** (at most `TABLE_CELLS` cells): the rows' chunks are scanned over the threads,
//!   each thread into a table of its own (24 bytes a cell), merged exactly when the threads
//!   join — in whatever tree rayon forms: exact merges do not depend on it;
//! - **buckets** (more cells): the rows are checked and partitioned by blocks of portfolios as
//!   in the default mode (`buckets.rs`), and each bucket is scanned into a table of its own
//!   cells (at most `TABLE_CELLS`, 768 KiB) and rounded into its rows of the output.
//!
//! Sums are checked for overflow in table order before any row is normalised, as in the default
//! mode.

use std::sync::atomic::{AtomicUsize, Ordering};

use rayon::prelude::*;

use super::buckets::{self, Parts};
use super::columns::{combine, with_columns, Codes, Floats};
use super::exact::{
    first_overflow, index, merge_rows, new_row, round_into, row_error, scan_range, term, worse,
    Halt,
};
use super::exec::{Exec, Ranked};
use super::grouped::{element, in_table_terms, rows_of, TABLE_CELLS};
use super::{chunk_len, in_pool_or_inline, scratch, wake, Input, Layout, PARALLEL_MIN_BONDS};
use crate::error::{Data, Error, Result, Rows};
use crate::exact::{round_row, Acc};
use crate::pool;

/// Fills `out` with a checked grouped input's exact sums, or nothing on error.
pub(super) fn compute(input: &Input, normalize: bool, out: &mut [f64]) -> Result<()> {
    if out.is_empty() {
        // No portfolios: every row's portfolio code is out of range (as in `grouped.rs`).
        return match input.weights.is_empty() {
            true => Ok(()),
            false => Err(element(input, 0, crate::error::Bad::Code(0))),
        };
    }
    if out.len() > TABLE_CELLS {
        return by_buckets(input, normalize, out);
    }
    let table = one_table(input)?;
    let s = input.num_sectors;
    scratch::with(out.len(), Exec::Inline, |rows| {
        for (p, (row, dst)) in table.chunks(s).zip(rows.chunks_mut(s)).enumerate() {
            round_row(row, dst).map_err(|e| row_error(e, p, 0))?;
        }
        if normalize {
            for (p, (row, dst)) in table.chunks(s).zip(rows.chunks_mut(s)).enumerate() {
                round_into(row, dst, true).map_err(|e| row_error(e, p, rows_of(input, p)))?;
            }
        }
        out.copy_from_slice(rows);
        Ok(())
    })
}

/// What the threads' folds carry: a table (none for rayon's empty identity), the worst halt,
/// and a buffer for one chunk's cells.
struct Part {
    table: Option<Vec<Acc>>,
    halt: std::result::Result<(), Halt>,
    cells: Vec<u32>,
}

impl Part {
    fn new(width: usize) -> Part {
        match new_row(width) {
            Ok(t) => Part { table: Some(t), halt: Ok(()), cells: Vec::new() },
            Err(e) => Part { table: None, halt: Err(Halt::Fatal(e)), cells: Vec::new() },
        }
    }

    fn empty() -> Part {
        Part { table: None, halt: Ok(()), cells: Vec::new() }
    }

    fn join(mut self, other: Part) -> Part {
        self.halt = worse(self.halt, other.halt);
        self.table = match (self.table, other.table) {
            (Some(mut a), Some(b)) => match merge_rows(&mut a, &b) {
                Ok(()) => Some(a),
                Err(e) => {
                    self.halt = worse(self.halt, Err(Halt::Fatal(e)));
                    None
                }
            },
            (a, b) => a.or(b),
        };
        self
    }

    /// Scans rows `r` into the table (their cells made here), unless an earlier row is bad.
    fn scan(mut self, input: &Input, r: std::ops::Range<usize>, first_bad: &AtomicUsize) -> Part {
        let Layout::Grouped { portfolios, num_portfolios } = input.layout else {
            unreachable!("grouped inputs only")
        };
        let Some(table) = self.table.as_mut() else { return self };
        if r.start > first_bad.load(Ordering::Relaxed) {
            self.halt = worse(self.halt, Err(Halt::Skipped));
            return self;
        }
        self.cells.clear();
        self.cells.resize(r.len(), 0);
        let (p, c) = (portfolios.slice(r.clone()), input.codes.slice(r.clone()));
        combine(p, c, num_portfolios, input.num_sectors, &mut self.cells);
        let res = scan_range(input, Codes::U32(&self.cells), r, table);
        if let Err(Halt::Bad(g, _)) = &res {
            first_bad.fetch_min(*g, Ordering::Relaxed);
        }
        self.halt = worse(self.halt, res);
        self
    }
}

/// Every row into one table of `portfolios × sectors` exact sums, chunks over the threads.
fn one_table(input: &Input) -> Result<Vec<Acc>> {
    let width = input.layout.num_portfolios() * input.num_sectors;
    let (n, chunk) = (input.weights.len(), chunk_len(width));
    let first_bad = AtomicUsize::new(usize::MAX);
    let rows = |j: usize| j * chunk..((j + 1) * chunk).min(n);
    let done = if n > chunk {
        pool::current()?.install(|| {
            (0..n.div_ceil(chunk))
                .into_par_iter()
                .fold(|| Part::new(width), |part, j| part.scan(input, rows(j), &first_bad))
                .reduce(Part::empty, Part::join)
        })
    } else {
        Part::new(width).scan(input, 0..n, &first_bad)
    };
    match done.halt {
        Ok(()) => done.table.ok_or(Error::Internal("an exact table went missing")),
        Err(Halt::Bad(g, bad)) => Err(element(input, g, bad)),
        Err(Halt::Fatal(e)) => Err(e),
        Err(Halt::Overflow) => Err(overflow(input)?),
        Err(Halt::Skipped) => Err(Error::Internal("skipped without an earlier error")),
    }
}

/// The overflow of the table, where a product overflowed (every row valid): its first cell in
/// table order whose sum is not finite.
fn overflow(input: &Input) -> Result<Error> {
    let Layout::Grouped { portfolios, num_portfolios } = input.layout else {
        unreachable!("grouped inputs only")
    };
    let s = input.num_sectors;
    let (w, v) = (input.weights, input.values);
    let (cell, sum) = with_columns!(w, v, input.codes, |w, v, c, VALUES| {
        each_code!(portfolios, |pc| {
            let cell = |i: usize| index(pc[i]).saturating_mul(s).saturating_add(index(c[i]));
            first_overflow(
                num_portfolios * s,
                (0..w.len()).map(|i| (cell(i), term::<VALUES, _>(w, v, i))),
            )
        })
    })?;
    Ok(Error::Data(Data::SumOverflow { sector: cell % s, group: cell / s, sum, rows: Rows::Bonds }))
}

/// The bucket strategy: rows checked and partitioned as in the default mode, then each bucket
/// summed exactly into its rows of a scratch copy of the output.
fn by_buckets(input: &Input, normalize: bool, out: &mut [f64]) -> Result<()> {
    if input.weights.len().saturating_add(out.len() / 4) < PARALLEL_MIN_BONDS {
        bucket_job(input, normalize, Exec::Inline, out)
    } else {
        let pool = pool::current()?;
        let work = wake::work_ns(input.weights.len(), out.len());
        in_pool_or_inline(&pool, work, |exec| bucket_job(input, normalize, exec, out))
    }
}

fn bucket_job(input: &Input, normalize: bool, exec: Exec, out: &mut [f64]) -> Result<()> {
    let parts = buckets::partitioned(input, exec).map_err(|e| in_table_terms(input, e))?;
    let plan = parts.plan;
    scratch::with(out.len(), exec, |rows| {
        let mut outs = Vec::with_capacity(plan.buckets);
        let mut rest = &mut rows[..];
        for b in 0..plan.buckets {
            let (mine, tail) = rest.split_at_mut(plan.portfolios(b).len() * plan.s);
            outs.push(mine);
            rest = tail;
        }
        let failure = exec.each(outs, |b, dst| {
            let res = bucket(input, &parts, b, dst, normalize);
            res.err().map(|(rank, error)| Ranked { rank, error })
        });
        failure.map_or(Ok(()), |f| Err(f.error))?;
        exec.copy(rows, out);
        Ok(())
    })
}

/// A bucket's failure, ranked: scratch first, then overflows by global cell, then
/// normalisation by portfolio (every sum is checked before any row is normalised).
type BucketFailure = ((u8, usize), Error);

/// Bucket `b` summed into its rows `dst`.
fn bucket(
    input: &Input, parts: &Parts, b: usize, dst: &mut [f64], normalize: bool,
) -> std::result::Result<(), BucketFailure> {
    let (s, ps) = (parts.plan.s, parts.plan.portfolios(b));
    let range = parts.starts[b]..parts.starts[b + 1];
    let (cells, terms) = (&parts.cells[range.clone()], &parts.terms[range]);
    let width = ps.len() * s;
    let mut table = new_row(width).map_err(|e| ((0, b), e))?;
    // The bucket as one range of terms over its cells.
    let layout = Layout::Uniform { num_portfolios: 1, bonds_per_portfolio: terms.len() };
    let sub = Input {
        weights: Floats::F64(terms),
        values: None,
        codes: Codes::U32(cells),
        layout,
        num_sectors: width,
    };
    for lo in (0..terms.len()).step_by(chunk_len(width)) {
        let r = lo..(lo + chunk_len(width)).min(terms.len());
        match scan_range(&sub, Codes::U32(&cells[r.clone()]), r, &mut table) {
            Ok(()) => {}
            Err(Halt::Fatal(e)) => return Err(((0, b), e)),
            // Pass 1 checked every element: a non-finite term is a product that overflowed.
            Err(_) => {
                let items = cells.iter().zip(terms).map(|(&c, &t)| (c as usize, t));
                let (cell, sum) = first_overflow(width, items).map_err(|e| ((0, b), e))?;
                let global = ps.start * s + cell;
                let e = Data::SumOverflow {
                    sector: global % s,
                    group: global / s,
                    sum,
                    rows: Rows::Bonds,
                };
                return Err(((1, global), Error::Data(e)));
            }
        }
    }
    for ((row, out), p) in table.chunks(s).zip(dst.chunks_mut(s)).zip(ps.clone()) {
        round_row(row, out).map_err(|e| {
            let error = row_error(e, p, 0);
            let sector = match &error {
                Error::Data(Data::SumOverflow { sector, .. }) => *sector,
                _ => 0,
            };
            ((1, p * s + sector), error)
        })?;
    }
    if normalize {
        for ((row, out), p) in table.chunks(s).zip(dst.chunks_mut(s)).zip(ps.clone()) {
            round_into(row, out, true).map_err(|e| ((2, p), row_error(e, p, rows_of(input, p))))?;
        }
    }
    Ok(())
}
