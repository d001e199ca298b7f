//! The compute kernel: group-and-sum with validation in the same pass. Safe Rust only.
//!
//! - this file: what a computation is ([`Input`], [`Layout`]) and [`compute`], which checks shapes
//!   and picks how to run it;
//! - `exec.rs`: how threads are used ([`exec::Exec`]: inline, shared with the pool, or inside it);
//! - `job.rs`: the job over portfolios and chunks: the check-then-write or staged strategy, the
//!   fixed combine tree, the failure ranking;
//! - `chunk.rs`: one chunk's scan: lanes or one table, the scatter loop;
//! - `check.rs`: the vectorised screens that check codes and finiteness, and locate a bad element;
//! - `scratch.rs`: scratch rows and tables (stack, heap, or buffers kept between calls).
//! - `exact.rs`, `exact_grouped.rs`: exact mode ([`compute_exact`], `SW_EXACT`): the same jobs
//!   summing into exact accumulators (`crate::exact`), rounded once per cell.
//!
//! Determinism: a portfolio is split into chunks whose boundaries depend only on the portfolio's
//! size and `num_sectors` (never on the thread count). How a chunk is summed (four interleaved
//! accumulator tables, "lanes", or one table) also depends only on its length and `num_sectors`,
//! and the chunks' partial tables are added along a fixed binary tree over the chunk indices. So
//! every thread count, every execution mode, every output strategy, and a portfolio computed alone
//! or inside a batch give bit-identical results.
//!
//! No partial results: sums reach the caller's output only once every element has been checked
//! (see `job.rs`). Scratch is O(chunks x sectors); nothing is allocated in proportion to the
//! number of bonds.

mod buckets;
mod check;
mod chunk;
pub(crate) mod columns;
mod exact;
mod exact_grouped;
pub(crate) mod exec;
mod grouped;
mod job;
mod rows;
mod scratch;
mod share;
mod stream;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_grouped;
#[cfg(test)]
mod tests_rows;
#[cfg(test)]
mod tests_untouched;
mod wake;

use std::ops::Range;

use crate::error::{Argument, Data, Error, Result, Why};
use crate::pool;
use crate::validate;

pub use check::screen;
pub use chunk::{chunk_len, scatter, streams_input, OneTable, BASE_CHUNK};
pub use columns::{Codes, Floats};
use exec::Exec;
use job::Job;

/// Work below this many bonds (plus a quarter per output double) runs inline on the calling
/// thread: waking the pool costs tens of microseconds on a virtual machine, what 2^15 bonds take.
pub const PARALLEL_MIN_BONDS: usize = 1 << 15;

#[cfg(feature = "panic-hook")]
/// Test-only: when set, the next unit of work panics (to prove panics become `SW_ERROR_PANIC`).
pub static FORCE_PANIC: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

#[cfg(feature = "panic-hook")]
/// Test-only: when set, jobs of the pool's mode run in the pool even when its workers were last
/// seen starting late (so that a test can make a worker thread panic).
pub static FORCE_POOL: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Whether [`FORCE_POOL`] is set (never, without the test-only feature).
fn pool_forced() -> bool {
    #[cfg(feature = "panic-hook")]
    return FORCE_POOL.load(std::sync::atomic::Ordering::Relaxed);
    #[cfg(not(feature = "panic-hook"))]
    false
}

/// How bonds are split into portfolios.
#[derive(Debug, Clone, Copy)]
pub enum Layout<'a> {
    /// `num_portfolios` portfolios of `bonds_per_portfolio` consecutive bonds each.
    Uniform { num_portfolios: usize, bonds_per_portfolio: usize },
    /// Portfolio `p` is bonds `offsets[p]..offsets[p + 1]` (`num_portfolios + 1` offsets).
    Ragged(&'a [i64]),
    /// Row `i` belongs to portfolio `portfolios[i]`, rows in any order (see `grouped.rs`).
    Grouped { portfolios: Codes<'a>, num_portfolios: usize },
}

impl Layout<'_> {
    /// The number of portfolios: rows of the output.
    pub fn num_portfolios(&self) -> usize {
        match *self {
            Layout::Uniform { num_portfolios, .. } => num_portfolios,
            Layout::Ragged(offsets) => offsets.len().saturating_sub(1),
            Layout::Grouped { num_portfolios, .. } => num_portfolios,
        }
    }

    /// The number of row ranges a job sums separately: the portfolios, except for the grouped
    /// layout, whose rows are one range summed into cells (portfolio, sector).
    fn ranges(&self) -> usize {
        match *self {
            Layout::Grouped { .. } => 1,
            _ => self.num_portfolios(),
        }
    }

    /// The longest range's number of bonds (valid once [`Layout::check`] passed).
    fn max_len(&self) -> usize {
        match *self {
            Layout::Uniform { bonds_per_portfolio, .. } => bonds_per_portfolio,
            Layout::Ragged(offsets) => {
                offsets.windows(2).map(|w| w[1].saturating_sub(w[0]) as usize).max().unwrap_or(0)
            }
            Layout::Grouped { portfolios, .. } => portfolios.len(),
        }
    }

    /// Bond range `p` (valid once [`Layout::check`] passed).
    pub(crate) fn range(&self, p: usize) -> Range<usize> {
        match *self {
            Layout::Uniform { bonds_per_portfolio: b, .. } => p * b..(p + 1) * b,
            Layout::Ragged(offsets) => offsets[p] as usize..offsets[p + 1] as usize,
            Layout::Grouped { portfolios, .. } => 0..portfolios.len(),
        }
    }

    fn check(&self, n: usize) -> Result<()> {
        match *self {
            Layout::Uniform { num_portfolios, bonds_per_portfolio } => {
                let want = validate::mul(
                    num_portfolios,
                    bonds_per_portfolio,
                    "num_portfolios * num_bonds",
                )?;
                let why = Why::Bonds(num_portfolios, bonds_per_portfolio);
                validate::expect_len("weights", n, want, why)
            }
            Layout::Ragged(offsets) => validate::check_offsets("offsets", offsets, n),
            Layout::Grouped { portfolios, num_portfolios } => {
                let _ = num_portfolios;
                validate::expect_len("portfolios", portfolios.len(), n, Why::OnePortfolioPerWeight)
            }
        }
    }
}

/// One computation's input: per-bond weights (and optional values multiplied in), codes, layout.
#[derive(Debug, Clone, Copy)]
pub struct Input<'a> {
    pub weights: Floats<'a>,
    /// When present each bond contributes `weights[i] * values[i]` (exposures); the same float
    /// type as the weights.
    pub values: Option<Floats<'a>>,
    pub codes: Codes<'a>,
    pub layout: Layout<'a>,
    pub num_sectors: usize,
}

impl<'a> Input<'a> {
    /// The article's types: float64 weights, int32 codes, no values.
    pub fn new(
        weights: &'a [f64], codes: &'a [i32], layout: Layout<'a>, num_sectors: usize,
    ) -> Self {
        Input {
            weights: Floats::F64(weights),
            values: None,
            codes: Codes::I32(codes),
            layout,
            num_sectors,
        }
    }

    /// The number of cells each range of bonds is summed into: the sectors, or for the grouped
    /// layout (one range) portfolios x sectors.
    fn width(&self) -> usize {
        match self.layout {
            Layout::Grouped { num_portfolios, .. } => num_portfolios * self.num_sectors,
            _ => self.num_sectors,
        }
    }

    /// Every shape check: lengths, types, layout, output size.
    pub(crate) fn check(&self, out_len: usize) -> Result<()> {
        let n = self.weights.len();
        validate::check_job(
            n,
            self.values.map(|v| v.len()),
            self.codes.len(),
            self.layout.num_portfolios(),
            self.num_sectors,
            out_len,
        )?;
        if let Some(v) = self.values.filter(|v| !v.same_type(&self.weights)) {
            return Err(Error::Argument(Argument::MixedFloatTypes {
                weights: self.weights.type_name(),
                values: v.type_name(),
            }));
        }
        self.layout.check(n)
    }
}

/// Fills `out` (`num_portfolios * num_sectors`, row-major) with each portfolio's per-sector sums,
/// divided by the portfolio's total when `normalize`. On error `out` is unchanged.
pub fn compute(input: &Input, normalize: bool, out: &mut [f64]) -> Result<()> {
    compute_in(input, normalize, false, out)
}

/// [`compute`] in exact mode (`SW_EXACT`): each sum is the correctly rounded value of the exact
/// sum of its terms (each term a weight, or `fl(weight × value)`), normalised rows are those
/// sums divided by the exact total rounded once — the same bits for every thread count, row
/// order and layout. Same checks, errors and ranking as [`compute`]. On error `out` is unchanged.
pub fn compute_exact(input: &Input, normalize: bool, out: &mut [f64]) -> Result<()> {
    compute_in(input, normalize, true, out)
}

fn compute_in(input: &Input, normalize: bool, exact: bool, out: &mut [f64]) -> Result<()> {
    input.check(out.len())?;
    let p_count = input.layout.num_portfolios();
    if input.num_sectors == 0 {
        // No bonds (checked above): nothing to write, but nothing to normalise by either.
        return match (normalize, p_count) {
            (true, 1..) => Err(Error::Data(Data::ZeroTotal { portfolio: 0, bonds: 0 })),
            _ => Ok(()),
        };
    }
    match (input.layout, exact) {
        (Layout::Grouped { .. }, false) => grouped::compute(input, normalize, out),
        (Layout::Grouped { .. }, true) => exact_grouped::compute(input, normalize, out),
        (_, false) => run(input, normalize, out),
        (_, true) => exact::portfolios(input, normalize, out),
    }
}

/// Runs a checked job in the mode its size calls for. A job in the pool runs inline instead
/// when the pool's workers were last seen starting too late to help (see `wake.rs`; shared
/// jobs start inline anyway and wait for a sign of life before handing out work).
#[inline(always)]
fn run(input: &Input, normalize: bool, out: &mut [f64]) -> Result<()> {
    let mode = mode(input);
    if let Mode::Inline = mode {
        return Job::new(input, Exec::Inline).run(normalize, out);
    }
    let pool = pool::current()?;
    if let Mode::Shared = mode {
        return Job::new(input, Exec::Shared(&pool)).run(normalize, out);
    }
    let work = wake::work_ns(input.weights.len(), input.layout.ranges() * input.width());
    in_pool_or_inline(&pool, work, |exec| Job::new(input, exec).run(normalize, out))
}

/// Runs `f(Exec::InPool)` inside `pool` (noting how late a worker started it), or
/// `f(Exec::Inline)` on the calling thread when the workers were last seen starting too late
/// for work of `work_ns` (see `wake.rs`).
fn in_pool_or_inline<R: Send>(
    pool: &rayon::ThreadPool, work_ns: u64, f: impl FnOnce(Exec<'static>) -> R + Send,
) -> R {
    if !wake::worth_waking(pool, work_ns) && !pool_forced() {
        return f(Exec::Inline);
    }
    let sent = wake::now_ns();
    pool.install(|| {
        wake::started(sent);
        f(Exec::InPool)
    })
}

/// How a job runs (see [`Exec`]); chosen by size only, so it never changes a result.
enum Mode {
    Inline,
    Shared,
    InPool,
}

#[inline(always)]
fn mode(input: &Input) -> Mode {
    let n = input.weights.len();
    let out_len = input.layout.ranges() * input.width();
    let chunk = chunk_len(input.width());
    if input.layout.ranges() <= 1 {
        // One portfolio only has parallel work when it has several chunks.
        return if n > chunk { Mode::InPool } else { Mode::Inline };
    }
    // Several portfolios: when their bonds and output together pay for waking the pool.
    if n.saturating_add(out_len / 4) < PARALLEL_MIN_BONDS {
        Mode::Inline
    } else if input.layout.max_len() <= chunk {
        // Many portfolios of one chunk each: the calling thread works too.
        Mode::Shared
    } else {
        Mode::InPool
    }
}
