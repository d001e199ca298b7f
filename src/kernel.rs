//! The compute kernel: group-and-sum with validation in the same pass. Safe Rust only.
//!
//! Determinism: a portfolio is split into chunks whose boundaries depend only on the portfolio's
//! size and `num_sectors` (never on the thread count); each chunk is summed in a fixed order into
//! its own partial table, and partials are added in chunk order. So every thread count, and the
//! inline path that never touches the pool, gives bit-identical results.
//!
//! No partial results: sums go to scratch and reach the caller's output only once every element has
//! been checked; or, when the output is much larger than the input, the input is fully checked in a
//! first pass and sums are written directly.

use std::ops::Range;
use std::sync::atomic::{AtomicUsize, Ordering};

use rayon::prelude::*;

use crate::error::{Error, Result, SwStatus};
use crate::pool;
use crate::validate::{self, bad_element, Bad};

/// Bonds per chunk (the minimum; large sector counts get longer chunks, see [`chunk_len`]).
pub const BASE_CHUNK: usize = 1 << 16;
/// Work below this many bonds runs inline on the calling thread, without the pool.
pub const PARALLEL_MIN_BONDS: usize = 1 << 15;
/// Up to this many sectors a chunk is summed into four interleaved tables on the stack, so that
/// consecutive bonds of the same sector do not wait on each other's store.
const LANE_MAX_SECTORS: usize = 64;
/// Outputs up to this many doubles use stack scratch.
const STACK_OUT: usize = 256;

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

/// Chunk length for `num_sectors`: long enough that a chunk's partial table is cheap beside it.
pub fn chunk_len(num_sectors: usize) -> usize {
    BASE_CHUNK.max(num_sectors.saturating_mul(4))
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
    let parallel = n >= PARALLEL_MIN_BONDS || out.len() >= PARALLEL_MIN_BONDS;
    if !parallel {
        return Job { input, parallel }.run(normalize, out);
    }
    let pool = pool::current()?;
    pool.install(|| Job { input, parallel }.run(normalize, out))
}

#[cfg(feature = "panic-hook")]
/// Test-only: when set, the next unit of work panics (to prove panics become `SW_ERROR_PANIC`).
pub static FORCE_PANIC: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

struct Job<'i, 'a> {
    input: &'i Input<'a>,
    parallel: bool,
}

impl Job<'_, '_> {
    fn s(&self) -> usize {
        self.input.num_sectors
    }

    fn run(&self, normalize: bool, out: &mut [f64]) -> Result<()> {
        let n = self.input.weights.len();
        if normalize || out.len() <= STACK_OUT.max(n / 2) {
            if out.len() <= STACK_OUT {
                let mut stack = [0.0f64; STACK_OUT];
                self.via_scratch(normalize, &mut stack[..out.len()], out)
            } else {
                let mut heap = zeroed(out.len())?;
                self.via_scratch(normalize, &mut heap, out)
            }
        } else {
            // Output much larger than the input: check everything first, then write sums directly.
            self.for_each_portfolio(out, |p, _row| self.check_portfolio(p))?;
            self.for_each_portfolio(out, |p, row| {
                row.fill(0.0);
                self.portfolio_sums(p, row)
            })
        }
    }

    fn via_scratch(&self, normalize: bool, scratch: &mut [f64], out: &mut [f64]) -> Result<()> {
        self.for_each_portfolio(scratch, |p, row| self.portfolio_sums(p, row))?;
        if normalize {
            self.for_each_portfolio(scratch, |p, row| {
                let total: f64 = row.iter().sum();
                if total == 0.0 {
                    return Err(zero_total(p, self.input.layout.range(p).len()));
                }
                row.iter_mut().for_each(|x| *x /= total);
                Ok(())
            })?;
        }
        out.copy_from_slice(scratch);
        Ok(())
    }

    /// Runs `f` on every portfolio's row of `rows`; the error of the lowest failing portfolio wins,
    /// whatever the scheduling, and portfolios after a known failure are skipped.
    fn for_each_portfolio<F>(&self, rows: &mut [f64], f: F) -> Result<()>
    where
        F: Fn(usize, &mut [f64]) -> Result<()> + Sync,
    {
        let s = self.s();
        if !self.parallel {
            return rows
                .chunks_mut(s)
                .enumerate()
                .try_for_each(|(p, row)| f(p, row));
        }
        let first_bad = AtomicUsize::new(usize::MAX);
        let p_count = self.input.layout.num_portfolios().max(1);
        let per_task =
            (PARALLEL_MIN_BONDS.saturating_mul(p_count) / self.input.weights.len().max(1)).max(1);
        rows.par_chunks_mut(s)
            .enumerate()
            .with_min_len(per_task)
            .map(|(p, row)| {
                if p > first_bad.load(Ordering::Relaxed) {
                    return None;
                }
                let r = f(p, row).err().map(|e| (p, e));
                if r.is_some() {
                    first_bad.fetch_min(p, Ordering::Relaxed);
                }
                r
            })
            .reduce(|| None, first_of)
            .map_or(Ok(()), |(_, e)| Err(e))
    }

    /// Adds portfolio `p`'s per-sector sums into `row` (which the caller zeroed).
    fn portfolio_sums(&self, p: usize, row: &mut [f64]) -> Result<()> {
        #[cfg(feature = "panic-hook")]
        if FORCE_PANIC.swap(false, Ordering::SeqCst) {
            panic!("forced panic (test hook) in portfolio {p}");
        }
        let r = self.input.layout.range(p);
        let chunk = chunk_len(self.s());
        if r.len() <= chunk {
            return self
                .scan(r.clone(), row)
                .map_err(|e| at(e, p, r.start, self.s()));
        }
        let parts = r.len().div_ceil(chunk);
        let s = self.s();
        let mut partials = zeroed(validate::mul(parts, s, "chunks * num_sectors")?)?;
        let part = |j: usize, acc: &mut [f64]| {
            let lo = r.start + j * chunk;
            let hi = (lo + chunk).min(r.end);
            self.scan(lo..hi, acc).err().map(|e| (j, e))
        };
        let failed = if self.parallel {
            partials
                .par_chunks_mut(s)
                .enumerate()
                .map(|(j, acc)| part(j, acc))
                .reduce(|| None, first_of)
        } else {
            partials
                .chunks_mut(s)
                .enumerate()
                .find_map(|(j, acc)| part(j, acc))
        };
        if let Some((_, e)) = failed {
            return Err(at(e, p, r.start, s));
        }
        for acc in partials.chunks(s) {
            row.iter_mut().zip(acc).for_each(|(x, y)| *x += y);
        }
        Ok(())
    }

    /// Only checks portfolio `p` (first pass of the direct-write strategy).
    fn check_portfolio(&self, p: usize) -> Result<()> {
        let r = self.input.layout.range(p);
        let (w, c) = (&self.input.weights[r.clone()], &self.input.codes[r.clone()]);
        let v = self.input.values.map(|v| &v[r.clone()]);
        let s = self.s();
        let bad =
            (0..w.len()).find_map(|i| classify(w[i], v.map(|v| v[i]), c[i], s).map(|b| (i, b)));
        match bad {
            None => Ok(()),
            Some((i, b)) => Err(bad_element(b, i, p, s)),
        }
    }

    /// Adds bonds `r` into `acc`, checking each; on a bad element returns its index and fault.
    fn scan(&self, r: Range<usize>, acc: &mut [f64]) -> std::result::Result<(), (usize, Bad)> {
        let w = &self.input.weights[r.clone()];
        let c = &self.input.codes[r.clone()];
        let res = match self.input.values {
            None => scan_range::<false>(w, &[], c, acc),
            Some(v) => scan_range::<true>(w, &v[r.clone()], c, acc),
        };
        res.map_err(|(i, b)| (r.start + i, b))
    }
}

/// Picks the earlier of two indexed failures.
fn first_of<E>(a: Option<(usize, E)>, b: Option<(usize, E)>) -> Option<(usize, E)> {
    match (a, b) {
        (Some(a), Some(b)) => Some(if b.0 < a.0 { b } else { a }),
        (a, b) => a.or(b),
    }
}

/// Turns a global element index into "bond i of portfolio p".
fn at((global, bad): (usize, Bad), p: usize, start: usize, s: usize) -> Error {
    bad_element(bad, global - start, p, s)
}

fn zero_total(p: usize, bonds: usize) -> Error {
    Error::new(
        SwStatus::SW_ERROR_ZERO_TOTAL,
        format!("portfolio {p} ({bonds} bonds) has a total of 0 and cannot be normalised"),
    )
}

/// A zeroed scratch vector, or an out-of-memory error instead of an abort.
fn zeroed(len: usize) -> Result<Vec<f64>> {
    let mut v = Vec::new();
    v.try_reserve_exact(len).map_err(|_| {
        Error::new(
            SwStatus::SW_ERROR_OUT_OF_MEMORY,
            format!("could not allocate {len} doubles of scratch"),
        )
    })?;
    v.resize(len, 0.0);
    Ok(v)
}

/// What is wrong with one bond, if anything. Codes are checked first, then weights, then values.
#[inline(always)]
fn classify(w: f64, v: Option<f64>, code: i32, s: usize) -> Option<Bad> {
    if (code as u32 as usize) >= s {
        Some(Bad::Code(code))
    } else if !w.is_finite() {
        Some(Bad::Weight(w))
    } else {
        match v {
            Some(v) if !v.is_finite() => Some(Bad::Value(v)),
            _ => None,
        }
    }
}

/// Bond `i`'s sector and contribution, or its fault.
#[inline(always)]
fn item<const VALUES: bool>(
    w: &[f64],
    v: &[f64],
    c: &[i32],
    i: usize,
    s: usize,
) -> std::result::Result<(usize, f64), (usize, Bad)> {
    // A negative code becomes a huge u32, so one comparison rejects both ends.
    let k = c[i] as u32 as usize;
    let x = w[i];
    if VALUES {
        let y = v[i];
        if k < s && x.is_finite() && y.is_finite() {
            return Ok((k, x * y));
        }
    } else if k < s && x.is_finite() {
        return Ok((k, x));
    }
    let value = if VALUES { Some(v[i]) } else { None };
    Err((i, classify(x, value, c[i], s).unwrap_or(Bad::Code(c[i]))))
}

/// Adds `w[i]` (times `v[i]` when `VALUES`) into `acc[c[i]]` for every `i`, in a fixed order.
fn scan_range<const VALUES: bool>(
    w: &[f64],
    v: &[f64],
    c: &[i32],
    acc: &mut [f64],
) -> std::result::Result<(), (usize, Bad)> {
    let n = w.len();
    let c = &c[..n];
    let v = if VALUES { &v[..n] } else { v };
    let s = acc.len();
    if s > LANE_MAX_SECTORS {
        for i in 0..n {
            let (k, x) = item::<VALUES>(w, v, c, i, s)?;
            acc[k] += x;
        }
        return Ok(());
    }
    let mut lanes = [[0.0f64; LANE_MAX_SECTORS]; 4];
    let [l0, l1, l2, l3] = &mut lanes;
    let (l0, l1, l2, l3) = (&mut l0[..s], &mut l1[..s], &mut l2[..s], &mut l3[..s]);
    let quads = n / 4;
    for q in 0..quads {
        let i = q * 4;
        let (k, x) = item::<VALUES>(w, v, c, i, s)?;
        l0[k] += x;
        let (k, x) = item::<VALUES>(w, v, c, i + 1, s)?;
        l1[k] += x;
        let (k, x) = item::<VALUES>(w, v, c, i + 2, s)?;
        l2[k] += x;
        let (k, x) = item::<VALUES>(w, v, c, i + 3, s)?;
        l3[k] += x;
    }
    for i in quads * 4..n {
        let (k, x) = item::<VALUES>(w, v, c, i, s)?;
        l0[k] += x;
    }
    for k in 0..s {
        acc[k] += (l0[k] + l1[k]) + (l2[k] + l3[k]);
    }
    Ok(())
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
