//! The grouped layout: one portfolio code per row, rows in any order — a holdings table as the
//! database returned it. `out[p * s + k]` is the sum of the terms of the rows with portfolio
//! code `p` and sector code `k`.
//!
//! Two strategies, by size only (never by thread count), so results are bit-identical for every
//! thread count:
//! - **one table** (at most [`TABLE_CELLS`] cells, portfolios x sectors): all rows are one range,
//!   summed into the table of cells like one portfolio of `portfolios x sectors` sectors — each
//!   chunk's two codes combined into its cells `p * s + k` as the chunk is read (4 bytes per row
//!   of the chunk), then the usual lanes, chunks, fixed tree and check-then-write. Memory: what
//!   one portfolio of that many sectors needs (a table per chunk in flight);
//! - **buckets** (more cells): the rows are first partitioned, keeping their order, into buckets
//!   of consecutive portfolios whose cells fit in [`TABLE_CELLS`]; each bucket is then summed as
//!   one table into its own rows of the output. Memory: 12 bytes per row (its term and cell) plus
//!   the per-chunk bucket counts.
//!
//! A normalised result is staged in scratch of the output's size, then copied.

use super::buckets;
use super::columns::{each_code, Code, Codes};
use super::exec::Exec;
use super::job::check_row;
use super::{in_pool_or_inline, run, scratch, wake, Input, Layout, PARALLEL_MIN_BONDS};
use crate::error::{Bad, Data, Error, Result, Rows};
use crate::pool;

/// The most cells summed as one table: 2^15 doubles, 256 KiB, fit the 512 KiB L2 cache of the
/// development machine (AMD EPYC Zen 3), where the scatter's random writes stay cheap.
pub(super) const TABLE_CELLS: usize = 1 << 15;

/// Fills `out` for a grouped input (shapes checked by the caller).
pub fn compute(input: &Input, normalize: bool, out: &mut [f64]) -> Result<()> {
    if out.is_empty() {
        // No portfolios (there are sectors: the caller saw to that): every row's portfolio code
        // is out of range, and the first row is reported.
        return match input.weights.is_empty() {
            true => Ok(()),
            false => Err(element(input, 0, Bad::Code(0))),
        };
    }
    if !normalize {
        return sums(input, out);
    }
    scratch::with(out.len(), Exec::Inline, |rows| {
        sums(input, rows)?;
        normalise(input, rows)?;
        out.copy_from_slice(rows);
        Ok(())
    })
}

/// The raw sums into `out`, or nothing on error.
fn sums(input: &Input, out: &mut [f64]) -> Result<()> {
    let res = if out.len() <= TABLE_CELLS {
        run(input, false, out)
    } else if input.weights.len().saturating_add(out.len() / 4) < PARALLEL_MIN_BONDS {
        buckets::sums(input, Exec::Inline, out)
    } else {
        let pool = pool::current()?;
        let work = wake::work_ns(input.weights.len(), out.len());
        in_pool_or_inline(&pool, work, |exec| buckets::sums(input, exec, out))
    };
    res.map_err(|e| in_table_terms(input, e))
}

/// Divides each portfolio's row by its total.
fn normalise(input: &Input, rows: &mut [f64]) -> Result<()> {
    let s = input.num_sectors;
    for (p, row) in rows.chunks_mut(s).enumerate() {
        if let Some(e) = check_row(row, p, 0, false, true) {
            return Err(match e {
                Error::Data(Data::ZeroTotal { portfolio, .. }) => {
                    let bonds = rows_of(input, portfolio);
                    Error::Data(Data::ZeroTotal { portfolio, bonds })
                }
                e => e,
            });
        }
    }
    Ok(())
}

/// The job sees one range of rows and a table of cells; errors name rows and portfolios.
pub(super) fn in_table_terms(input: &Input, e: Error) -> Error {
    let s = input.num_sectors;
    match e {
        Error::Data(Data::Element { bad, item, .. }) => element(input, item, bad),
        Error::Data(Data::SumOverflow { sector: cell, sum, .. }) => {
            Error::Data(Data::SumOverflow {
                sector: cell % s,
                group: cell / s,
                sum,
                rows: Rows::Bonds,
            })
        }
        e => e,
    }
}

/// The error for row `row`, where the job found `bad` (a bad cell is a bad portfolio code or a
/// bad sector code: the portfolio code is checked first).
pub(super) fn element(input: &Input, row: usize, bad: Bad) -> Error {
    let Layout::Grouped { portfolios, num_portfolios } = input.layout else {
        unreachable!("grouped inputs only")
    };
    let portfolio = code_at(portfolios, row);
    let valid = |code: i64, limit: usize| code >= 0 && (code as u64) < limit as u64;
    let (bad, limit) = match bad {
        Bad::Code(_) if !valid(portfolio, num_portfolios) => {
            (Bad::Portfolio(portfolio), num_portfolios)
        }
        Bad::Code(_) => (Bad::Code(code_at(input.codes, row)), input.num_sectors),
        other => (other, input.num_sectors),
    };
    let group = portfolio.max(0) as usize;
    Error::Data(Data::Element { bad, item: row, group, rows: Rows::Table, limit })
}

fn code_at(codes: Codes, i: usize) -> i64 {
    each_code!(codes, |c| c[i].value())
}

/// How many rows portfolio `p` has (for a message).
pub(super) fn rows_of(input: &Input, p: usize) -> usize {
    let Layout::Grouped { portfolios, .. } = input.layout else { return 0 };
    each_code!(portfolios, |c| c.iter().filter(|x| x.value() == p as i64).count())
}
