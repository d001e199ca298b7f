//! The grouped layout with more cells than one table holds (`grouped.rs`): many portfolios.
//!
//! 1. **check and count** (chunks of [`PART_ROWS`] rows, in parallel): every code and term is
//!    checked; each chunk counts its rows per bucket (a block of `per_bucket` consecutive
//!    portfolios, a power of two, whose cells fit one table);
//! 2. **partition** (in parallel): each row's term and cell within its bucket are written to the
//!    bucket's part of two arrays, chunk after chunk, so each bucket keeps the rows' order;
//! 3. **sum** (buckets in parallel): each bucket is one range of rows summed into its table of
//!    cells by the usual job, into its rows of a scratch copy of the output, copied out at the end.
//!
//! Every position depends on the rows and the sizes only, so every cell is summed in the same
//! order for any thread count. Memory: 12 bytes per row, the counts (4 bytes per chunk and
//! bucket), and a scratch copy of the output.

use super::columns::{with_columns, Code, Codes, Weight};
use super::exec::{Exec, Ranked};
use super::grouped::TABLE_CELLS;
use super::job::Job;
use super::{scratch, Floats, Input, Layout};
use crate::error::{Bad, Data, Error, Resource, Result, Rows};

/// Rows per chunk of the check and partition passes.
const PART_ROWS: usize = 1 << 16;

/// How portfolios are grouped into buckets.
#[derive(Clone, Copy)]
pub(super) struct Plan {
    pub s: usize,
    num_portfolios: usize,
    /// Portfolios per bucket: a power of two, so a row's bucket is a shift.
    shift: u32,
    pub buckets: usize,
}

impl Plan {
    fn new(num_portfolios: usize, s: usize) -> Plan {
        let per_bucket = (TABLE_CELLS / s).max(1);
        let shift = usize::BITS - 1 - per_bucket.leading_zeros();
        Plan { s, num_portfolios, shift, buckets: num_portfolios.div_ceil(1 << shift) }
    }
    /// Portfolios `first..end` of bucket `b`.
    pub fn portfolios(&self, b: usize) -> std::ops::Range<usize> {
        (b << self.shift)..((b + 1) << self.shift).min(self.num_portfolios)
    }
}

/// What the check pass learned of one chunk.
#[derive(Default)]
struct ChunkScan {
    /// The first bad row (global index) and what is wrong with it.
    bad: Option<(usize, Bad)>,
    counts: Vec<usize>,
    /// The sum of |term|: below `SAFE_MAGNITUDE` for all chunks, no sum can overflow.
    magnitude: f64,
}

/// Fills `out` with the grouped sums; errors in the job's terms (a bad row as a bad code of
/// "bond `row` of portfolio 0", an overflowing sum by its global cell), mapped by `grouped.rs`.
pub fn sums(input: &Input, exec: Exec, out: &mut [f64]) -> Result<()> {
    let parts = partitioned(input, exec)?;
    scratch::with(out.len(), exec, |rows| {
        sum_buckets(parts.plan, &parts.starts, &parts.cells, &parts.terms, exec, rows)?;
        exec.copy(rows, out);
        Ok(())
    })
}

/// The rows checked (passes 1 and 2) and partitioned into buckets: what pass 3 sums (also in
/// exact mode, `exact_grouped.rs`).
pub(super) struct Parts {
    pub plan: Plan,
    /// Where each bucket's rows start (`buckets + 1` offsets into `cells` and `terms`).
    pub starts: Vec<usize>,
    /// Each row's cell within its bucket.
    pub cells: Vec<u32>,
    /// Each row's term: its weight, or `fl(weight × value)`.
    pub terms: Vec<f64>,
}

/// Passes 1 and 2; a bad row is an error in the job's terms (see [`sums`]).
pub(super) fn partitioned(input: &Input, exec: Exec) -> Result<Parts> {
    let Layout::Grouped { portfolios, num_portfolios } = input.layout else {
        unreachable!("grouped inputs only")
    };
    let plan = Plan::new(num_portfolios, input.num_sectors);
    let n = input.weights.len();
    let mut scans: Vec<ChunkScan> =
        (0..n.div_ceil(PART_ROWS)).map(|_| ChunkScan::default()).collect();
    exec.each(scans.iter_mut().collect(), |c, scan: &mut ChunkScan| {
        *scan = check_chunk(input, portfolios, plan, c);
        None::<()>
    });
    if let Some((row, bad)) = scans.iter().find_map(|s| s.bad) {
        let limit = num_portfolios * input.num_sectors;
        return Err(Error::Data(Data::Element {
            bad,
            item: row,
            group: 0,
            rows: Rows::Bonds,
            limit,
        }));
    }
    let (mut cells, mut terms) = (alloc::<u32>(n)?, alloc::<f64>(n)?);
    let starts = partition(input, portfolios, plan, &scans, exec, &mut cells, &mut terms);
    Ok(Parts { plan, starts, cells, terms })
}

fn alloc<T: Default + Clone>(n: usize) -> Result<Vec<T>> {
    let mut v = Vec::new();
    let bytes = n * std::mem::size_of::<T>();
    v.try_reserve_exact(n)
        .map_err(|_| Error::Resource(Resource::Scratch { doubles: bytes / 8 }))?;
    v.resize(n, T::default());
    Ok(v)
}

/// The rows of chunk `c` and their columns: weights, values, sector codes, portfolio codes.
#[allow(clippy::type_complexity)]
fn chunk<'a>(
    input: &Input<'a>, portfolios: Codes<'a>, c: usize,
) -> (std::ops::Range<usize>, Floats<'a>, Option<Floats<'a>>, Codes<'a>, Codes<'a>) {
    let r = c * PART_ROWS..((c + 1) * PART_ROWS).min(input.weights.len());
    let (w, v) = (input.weights.slice(r.clone()), input.values.map(|v| v.slice(r.clone())));
    let (sc, pc) = (input.codes.slice(r.clone()), portfolios.slice(r.clone()));
    (r, w, v, sc, pc)
}

/// Pass 1 on chunk `c`.
fn check_chunk(input: &Input, portfolios: Codes, plan: Plan, c: usize) -> ChunkScan {
    let (r, w, v, sc, pc) = chunk(input, portfolios, c);
    let mut scan = with_columns!(w, v, sc, |w, v, sc, VALUES| each_code!(pc, |pc| {
        check_rows::<VALUES, _, _, _>(w, v, sc, pc, plan)
    }));
    scan.bad = scan.bad.map(|(i, bad)| (r.start + i, bad));
    scan
}

fn check_rows<const VALUES: bool, W: Weight, C: Code, P: Code>(
    w: &[W], v: &[W], sc: &[C], pc: &[P], plan: Plan,
) -> ChunkScan {
    let mut scan = ChunkScan { bad: None, counts: vec![0; plan.buckets], magnitude: 0.0 };
    let (p_limit, s_limit) = (P::limit(plan.num_portfolios), C::limit(plan.s));
    for i in 0..w.len() {
        let (p, k) = (pc[i].index(), sc[i].index());
        let term = term::<VALUES, W>(w, v, i);
        let bad = if p >= p_limit || k >= s_limit {
            Some(Bad::Code(sc[i].value()))
        } else if !w[i].f64().is_finite() {
            Some(Bad::Weight(w[i].f64()))
        } else if VALUES && !v[i].f64().is_finite() {
            Some(Bad::Value(v[i].f64()))
        } else {
            None
        };
        if bad.is_some() {
            scan.bad = bad.map(|b| (i, b));
            return scan;
        }
        scan.counts[(p.into() as usize) >> plan.shift] += 1;
        scan.magnitude += term.abs();
    }
    scan
}

#[inline(always)]
fn term<const VALUES: bool, W: Weight>(w: &[W], v: &[W], i: usize) -> f64 {
    if VALUES {
        w[i].f64() * v[i].f64()
    } else {
        w[i].f64()
    }
}

/// Pass 2: every row's cell (within its bucket) and term, bucket after bucket, each bucket in row
/// order. Returns where each bucket starts (`buckets + 1` offsets).
fn partition(
    input: &Input, portfolios: Codes, plan: Plan, scans: &[ChunkScan], exec: Exec,
    cells: &mut [u32], terms: &mut [f64],
) -> Vec<usize> {
    let mut starts = vec![0; plan.buckets + 1];
    for b in 0..plan.buckets {
        starts[b + 1] = starts[b] + scans.iter().map(|s| s.counts[b]).sum::<usize>();
    }
    // Split both arrays into one segment per (chunk, bucket), handed to the chunk that fills it.
    let mut segments: Vec<Vec<(&mut [u32], &mut [f64])>> =
        scans.iter().map(|_| Vec::new()).collect();
    let (mut cells, mut terms) = (cells, terms);
    for b in 0..plan.buckets {
        for (c, scan) in scans.iter().enumerate() {
            let (cell_seg, rest_cells) = std::mem::take(&mut cells).split_at_mut(scan.counts[b]);
            let (term_seg, rest_terms) = std::mem::take(&mut terms).split_at_mut(scan.counts[b]);
            (cells, terms) = (rest_cells, rest_terms);
            segments[c].push((cell_seg, term_seg));
        }
    }
    exec.each(segments, |c, mut segs| {
        fill_chunk(input, portfolios, plan, c, &mut segs);
        None::<()>
    });
    starts
}

fn fill_chunk(
    input: &Input, portfolios: Codes, plan: Plan, c: usize, segs: &mut [(&mut [u32], &mut [f64])],
) {
    let (_, w, v, sc, pc) = chunk(input, portfolios, c);
    with_columns!(w, v, sc, |w, v, sc, VALUES| each_code!(pc, |pc| {
        fill_rows::<VALUES, _, _, _>(w, v, sc, pc, plan, segs)
    }))
}

fn fill_rows<const VALUES: bool, W: Weight, C: Code, P: Code>(
    w: &[W], v: &[W], sc: &[C], pc: &[P], plan: Plan, segs: &mut [(&mut [u32], &mut [f64])],
) {
    let mut next = vec![0usize; segs.len()];
    for i in 0..w.len() {
        let (p, k) = (pc[i].index().into() as usize, sc[i].index().into() as usize);
        let b = p >> plan.shift;
        let cell = (p - (b << plan.shift)) * plan.s + k;
        let (cells, terms) = &mut segs[b];
        cells[next[b]] = cell as u32;
        terms[next[b]] = term::<VALUES, W>(w, v, i);
        next[b] += 1;
    }
}

/// Pass 3: each bucket summed into its rows of `rows`.
fn sum_buckets(
    plan: Plan, starts: &[usize], cells: &[u32], terms: &[f64], exec: Exec, rows: &mut [f64],
) -> Result<()> {
    let mut outs = Vec::with_capacity(plan.buckets);
    let mut rest = rows;
    for b in 0..plan.buckets {
        let (mine, tail) = rest.split_at_mut(plan.portfolios(b).len() * plan.s);
        outs.push(mine);
        rest = tail;
    }
    let failure = exec.each(outs, |b, out| {
        let range = starts[b]..starts[b + 1];
        let width = plan.portfolios(b).len() * plan.s;
        let layout = Layout::Uniform { num_portfolios: 1, bonds_per_portfolio: range.len() };
        let input = Input {
            weights: Floats::F64(&terms[range.clone()]),
            values: None,
            codes: Codes::U32(&cells[range.clone()]),
            layout,
            num_sectors: width,
        };
        let first_cell = plan.portfolios(b).start * plan.s;
        let res = Job::new(&input, Exec::Inline).run(false, out);
        let cells_terms = (&cells[range.clone()], &terms[range.clone()]);
        res.err().map(|e| Ranked {
            rank: b,
            error: global(overflowed(e, cells_terms, width), first_cell),
        })
    });
    failure.map_or(Ok(()), |f| Err(f.error))
}

/// Pass 1 checked every weight and value, so a bucket's non-finite term is a product
/// `weight × value` that overflowed: the error is then the overflow of its cell's sum, as one
/// table reports it (the first cell, in table order, whose sum is not finite).
fn overflowed(e: Error, (cells, terms): (&[u32], &[f64]), width: usize) -> Error {
    if !matches!(e, Error::Data(Data::Element { bad: Bad::Weight(_), .. })) {
        return e;
    }
    let mut sums = vec![0.0f64; width];
    cells.iter().zip(terms).for_each(|(&c, &t)| sums[c as usize] += t);
    let Some(k) = sums.iter().position(|x| !x.is_finite()) else { return e };
    Error::Data(Data::SumOverflow { sector: k, group: 0, sum: sums[k], rows: Rows::Bonds })
}

/// A bucket's error with its cell counted from the table's first cell.
fn global(e: Error, first_cell: usize) -> Error {
    match e {
        Error::Data(Data::SumOverflow { sector, group, sum, rows }) => {
            Error::Data(Data::SumOverflow { sector: first_cell + sector, group, sum, rows })
        }
        e => e,
    }
}
