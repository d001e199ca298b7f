//! Partial results (issue 16 §2): the exact sums of any subset of a table's rows, as an
//! [`exact::Table`] that merges with the partials of the other rows, in any order and grouping,
//! and rounds into exactly what one exact computation over all the rows gives. Safe Rust only.
//!
//! A partial is built from rows read as the kernel reads them (typed columns in place, every
//! code and value checked), in one of two ways:
//! - portfolios given by ranges of rows (offsets, or equal sizes): each portfolio's rows are
//!   scanned, chunk by chunk, into its row of the table;
//! - rows that name their portfolio, in any order (the grouped layout): each chunk's portfolio
//!   and sector codes are combined into cells `p * S + k`, as the kernel's grouped layout does,
//!   and the chunk is scanned into all the table's cells as one row.
//!
//! On a bad row the scan stops, and the rows are read again (cold) to name the first bad one
//! in the kernel's words ("sector code 25 at row 1043 (portfolio 7) is outside 0..18"). Exact
//! sums cannot overflow while they accumulate: only rounding a result can (see
//! [`Partial::result`](crate::Partial::result)); a product `weight × value` that overflows is
//! its cell's overflow, reported here.
//!
//! Memory: the table (24 bytes a cell, see `exact`), and per chunk the scan's scratch (up to
//! 64 KiB, or 16 bytes a cell beyond 1,024 cells) plus, grouped, 4 bytes a row of the chunk.
//! One thread: a partial is the unit of work of a distributed engine, which runs many at once.

use crate::error::{Bad, Data, Error, Resource, Result, Rows};
use crate::exact::{self, ExactError, Stop, Table};
use crate::kernel::columns::{combine, each_code, with_columns, Code, Codes, Floats};
use crate::kernel::{Input, Layout};
use crate::validate;

/// Rows scanned at a time, at least: a grouped chunk has at least as many rows as the table has
/// cells, so that folding the chunk's sums into the cells costs at most a step per row.
const CHUNK: usize = 1 << 16;

/// The exact sums of `input`'s rows, per portfolio and sector. Any layout: uniform and ragged
/// portfolios are ranges of rows; grouped rows name their portfolio.
pub fn from_rows(input: &Input) -> Result<Table> {
    let (p, s) = (input.layout.num_portfolios(), input.num_sectors);
    let cells = validate::mul(p, s, "num_portfolios * num_sectors")?;
    input.check(cells)?;
    if matches!(input.layout, Layout::Grouped { .. }) && cells >= u32::MAX as usize {
        // Cells are combined into u32 codes; such a table would take over 96 GiB anyway.
        return Err(ExactError::OutOfMemory { cells }.into());
    }
    let mut table = Table::new(p, s)?;
    if input.weights.is_empty() {
        return Ok(table);
    }
    let scanned = match input.layout {
        Layout::Grouped { portfolios, num_portfolios } => {
            scan_grouped(input, portfolios, num_portfolios, &mut table)
        }
        _ => scan_ranges(input, &mut table),
    };
    scanned.map_err(|stop| blame(input, stop))?;
    Ok(table)
}

/// Each portfolio's rows (a range) into its row of the table.
fn scan_ranges(input: &Input, table: &mut Table) -> std::result::Result<(), Stop> {
    for p in 0..input.layout.num_portfolios() {
        let r = input.layout.range(p);
        let row = table.row_mut(p);
        for lo in r.clone().step_by(CHUNK) {
            let c = lo..(lo + CHUNK).min(r.end);
            let w = input.weights.slice(c.clone());
            let v = input.values.map(|v| v.slice(c.clone()));
            let codes = input.codes.slice(c);
            with_columns!(w, v, codes, |w, v, c, VALUES| exact::scan::<VALUES, _, _>(
                w, v, c, row
            ))?;
        }
    }
    Ok(())
}

/// Grouped rows, a chunk at a time, into the table's cells `p * S + k`.
fn scan_grouped(
    input: &Input, portfolios: Codes, num_portfolios: usize, table: &mut Table,
) -> std::result::Result<(), Stop> {
    let (n, s) = (input.weights.len(), input.num_sectors);
    let all = table.cells_mut();
    let chunk = CHUNK.max(all.len()).min(n);
    let mut cells = Vec::new();
    cells.try_reserve_exact(chunk).map_err(|_| Stop::OutOfMemory { sectors: chunk })?;
    cells.resize(chunk, 0u32);
    for lo in (0..n).step_by(chunk) {
        let r = lo..(lo + chunk).min(n);
        let cells = &mut cells[..r.len()];
        combine(
            portfolios.slice(r.clone()),
            input.codes.slice(r.clone()),
            num_portfolios,
            s,
            cells,
        );
        let v = input.values.map(|v| v.slice(r.clone()));
        match (input.weights.slice(r), v) {
            (Floats::F64(w), None) => exact::scan::<false, f64, u32>(w, &[], cells, all),
            (Floats::F64(w), Some(Floats::F64(v))) => exact::scan::<true, _, _>(w, v, cells, all),
            (Floats::F32(w), None) => exact::scan::<false, f32, u32>(w, &[], cells, all),
            (Floats::F32(w), Some(Floats::F32(v))) => exact::scan::<true, _, _>(w, v, cells, all),
            _ => Err(Stop::Internal), // Values have the weights' type (checked).
        }?;
    }
    Ok(())
}

/// The error for a scan that stopped: a bad row or an overflowing product is named by reading
/// the rows again, in order.
fn blame(input: &Input, stop: Stop) -> Error {
    match stop {
        Stop::OutOfMemory { sectors } => Error::Resource(Resource::Lanes { sectors }),
        Stop::Internal => Error::Internal("an exact scan failed with no element to blame"),
        Stop::Bad(..) | Stop::ProductOverflow { .. } => first_bad(input)
            .unwrap_or(Error::Internal("an exact scan stopped but every row is valid")),
    }
}

/// The first bad row (portfolio code, sector code, weight, value: checked in that order, as the
/// kernel does), else the overflowing product of the least cell (portfolio, then sector): the
/// kernel's first sum that overflows.
#[cold]
fn first_bad(input: &Input) -> Option<Error> {
    let n = input.weights.len();
    if let Some((i, bad)) = (0..n).find_map(|i| bad_row(input, i).map(|bad| (i, bad))) {
        return Some(element(input, i, bad));
    }
    let overflows = (0..n).filter_map(|i| {
        let term = float_at(input.weights, i) * input.values.map_or(1.0, |v| float_at(v, i));
        let cell = (position(input, i).0, code_at(input.codes, i) as usize);
        (!term.is_finite()).then_some((cell, term))
    });
    let ((group, sector), sum) = overflows.min_by_key(|&(cell, _)| cell)?;
    Some(Error::Data(Data::SumOverflow { sector, group, sum, rows: Rows::Bonds }))
}

/// What is wrong with row `i`, if anything.
fn bad_row(input: &Input, i: usize) -> Option<Bad> {
    let valid = |code: i64, limit: usize| code >= 0 && (code as u64) < limit as u64;
    if let Layout::Grouped { portfolios, num_portfolios } = input.layout {
        let p = code_at(portfolios, i);
        if !valid(p, num_portfolios) {
            return Some(Bad::Portfolio(p));
        }
    }
    let code = code_at(input.codes, i);
    let (w, v) = (float_at(input.weights, i), input.values.map(|v| float_at(v, i)));
    if !valid(code, input.num_sectors) {
        Some(Bad::Code(code))
    } else if !w.is_finite() {
        Some(Bad::Weight(w))
    } else {
        v.filter(|v| !v.is_finite()).map(Bad::Value)
    }
}

/// The error for bad row `i`, in the layout's terms.
fn element(input: &Input, i: usize, bad: Bad) -> Error {
    let (group, item) = position(input, i);
    let (rows, limit) = match (input.layout, bad) {
        (Layout::Grouped { num_portfolios, .. }, Bad::Portfolio(_)) => {
            (Rows::Table, num_portfolios)
        }
        (Layout::Grouped { .. }, _) => (Rows::Table, input.num_sectors),
        _ => (Rows::Bonds, input.num_sectors),
    };
    Error::Data(Data::Element { bad, item, group, rows, limit })
}

/// Row `i`'s portfolio and its index as the layout counts it: within its portfolio for
/// ranges, among all rows for grouped rows (whose portfolio is their code, or 0 if negative).
fn position(input: &Input, i: usize) -> (usize, usize) {
    match input.layout {
        Layout::Grouped { portfolios, .. } => (code_at(portfolios, i).max(0) as usize, i),
        Layout::Uniform { bonds_per_portfolio: b, .. } => (i / b.max(1), i % b.max(1)),
        Layout::Ragged(offsets) => {
            // The last portfolio starting at or before `i` (offsets are checked).
            let p = offsets.partition_point(|&o| o as usize <= i).saturating_sub(1);
            (p, i - offsets[p] as usize)
        }
    }
}

fn code_at(codes: Codes, i: usize) -> i64 {
    each_code!(codes, |c| c[i].value())
}

fn float_at(floats: Floats, i: usize) -> f64 {
    match floats {
        Floats::F32(x) => x[i] as f64,
        Floats::F64(x) => x[i],
    }
}
