//! Order-list evaluation: a portfolio's sector allocation before a list of orders, the orders' own
//! sector mix, and the pro-forma allocation after they fill — through the same one-pass kernel.

use crate::error::{Error, Orders as OrderError, Result, Why};
use crate::kernel::{self, Input, Layout};
use crate::targets::{self, Broadcast};
use crate::validate;

/// Portfolios and their order lists: portfolio p is paired with order list p.
#[derive(Debug, Clone, Copy)]
pub struct Orders<'a> {
    /// Market values of the holdings (any sign), grouped by `portfolio_offsets`.
    pub portfolio_values: &'a [f64],
    pub portfolio_sectors: &'a [i32],
    pub portfolio_offsets: &'a [i64],
    /// Signed order values: buys positive, sells negative, grouped by `order_offsets`.
    pub order_values: &'a [f64],
    pub order_sectors: &'a [i32],
    pub order_offsets: &'a [i64],
    pub num_sectors: usize,
}

/// Targets, tolerances, and where the comparison of the `after` allocation with them goes.
pub struct TargetOutputs<'o> {
    pub targets: Broadcast<'o>,
    pub tolerance: Broadcast<'o>,
    pub active: &'o mut [f64],
    pub breaches: &'o mut [u8],
}

/// Where the results go; every slice is `num_portfolios x num_sectors`.
pub struct Evaluation<'o> {
    pub before: &'o mut [f64],
    pub orders: &'o mut [f64],
    pub after: &'o mut [f64],
    pub targets: Option<TargetOutputs<'o>>,
}

/// One portfolio's divisors: holdings total, net and gross order value.
#[derive(Clone, Copy)]
struct Totals {
    total: f64,
    net: f64,
    gross: f64,
}

/// Evaluates every order list against its portfolio. On any error nothing is written.
///
/// - `before[p][k]` = portfolio p's holdings in sector k / its total;
/// - `orders[p][k]` = order list p's signed values in sector k / the sum of its absolute values;
/// - `after[p][k]` = (holdings + orders in k) / (total + sum of order values).
pub fn evaluate(input: &Orders, out: Evaluation) -> Result<()> {
    let s = input.num_sectors;
    let p = check_shapes(input, &out)?;
    let held = sums(input.portfolio_values, input.portfolio_sectors, input.portfolio_offsets, s)?;
    let ordered = sums(input.order_values, input.order_sectors, input.order_offsets, s)
        .map_err(Error::about_orders)?;
    let mut after = vec![0.0; p * s];
    let mut totals = Vec::with_capacity(p);
    for q in 0..p {
        let t = portfolio_totals(input, q, &held, &ordered)?;
        allocate(q, s, t, &held, &ordered, &mut after)?;
        totals.push(t);
    }
    if let Some(t) = out.targets {
        targets::compare(&after, s, t.targets, t.tolerance, t.active, t.breaches)?;
    }
    for (q, t) in totals.into_iter().enumerate() {
        for k in q * s..(q + 1) * s {
            out.before[k] = held[k] / t.total;
            out.orders[k] = ordered[k] / t.gross;
        }
    }
    out.after.copy_from_slice(&after);
    Ok(())
}

/// Checks offsets and lengths; returns the number of portfolios.
fn check_shapes(input: &Orders, out: &Evaluation) -> Result<usize> {
    let (po, oo) = (input.portfolio_offsets, input.order_offsets);
    validate::check_offsets("portfolio_offsets", po, input.portfolio_values.len())?;
    let p = po.len() - 1;
    let why = Why::OneOrderListPerPortfolio;
    validate::expect_len("order_offsets", oo.len(), po.len(), why)?;
    validate::check_offsets("order_offsets", oo, input.order_values.len())?;
    let cells = validate::mul(p, input.num_sectors, "num_portfolios * num_sectors")?;
    let why = Why::Cells(p, input.num_sectors);
    validate::expect_len("before", out.before.len(), cells, why)?;
    validate::expect_len("orders", out.orders.len(), cells, why)?;
    validate::expect_len("after", out.after.len(), cells, why)?;
    let (holdings, orders) = (input.portfolio_values.len(), input.order_values.len());
    let why = Why::OneCodePerHolding;
    validate::expect_len("portfolio_sectors", input.portfolio_sectors.len(), holdings, why)?;
    let why = Why::OneCodePerOrder;
    validate::expect_len("order_sectors", input.order_sectors.len(), orders, why)?;
    Ok(p)
}

/// Per-portfolio, per-sector sums of `values` through the kernel.
fn sums(values: &[f64], codes: &[i32], offsets: &[i64], s: usize) -> Result<Vec<f64>> {
    let mut out = vec![0.0; (offsets.len() - 1) * s];
    let input = Input::new(values, codes, Layout::Ragged(offsets), s);
    kernel::compute(&input, false, &mut out)?;
    Ok(out)
}

/// Portfolio `q`'s holdings total, net and gross order value, each a valid divisor.
fn portfolio_totals(input: &Orders, q: usize, held: &[f64], ordered: &[f64]) -> Result<Totals> {
    let s = input.num_sectors;
    let (po, oo) = (input.portfolio_offsets, input.order_offsets);
    let row = q * s..(q + 1) * s;
    let total: f64 = held[row.clone()].iter().sum();
    let net: f64 = ordered[row].iter().sum();
    let list = oo[q] as usize..oo[q + 1] as usize;
    let gross: f64 = input.order_values[list.clone()].iter().map(|v| v.abs()).sum();
    let fail = |e| Err(Error::Orders(e));
    if total == 0.0 {
        let holdings = (po[q + 1] - po[q]) as usize;
        return fail(OrderError::HoldingsTotalZero { portfolio: q, holdings });
    }
    if gross == 0.0 {
        let orders = list.len();
        return fail(OrderError::OrderListZero { list: q, orders });
    }
    if !(total.is_finite() && gross.is_finite() && net.is_finite()) {
        return fail(OrderError::TotalsOverflow { portfolio: q, total, net, gross });
    }
    if total + net == 0.0 {
        return fail(OrderError::ProFormaZero { portfolio: q, total, net });
    }
    Ok(Totals { total, net, gross })
}

/// Portfolio `q`'s pro-forma row into `after`, checking that every ratio it reports is finite.
fn allocate(
    q: usize, s: usize, t: Totals, held: &[f64], ordered: &[f64], after: &mut [f64],
) -> Result<()> {
    let pro_forma = t.total + t.net;
    for k in q * s..(q + 1) * s {
        after[k] = (held[k] + ordered[k]) / pro_forma;
        let ratios = [held[k] / t.total, ordered[k] / t.gross, after[k]];
        if let Some(&value) = ratios.iter().find(|x| !x.is_finite()) {
            return Err(Error::Orders(OrderError::AllocationOverflow {
                portfolio: q,
                sector: k - q * s,
                value,
                total: t.total,
                net: t.net,
            }));
        }
    }
    Ok(())
}
