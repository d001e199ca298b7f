//! Order-list evaluation: a portfolio's sector allocation before a list of orders, the orders' own
//! sector mix, and the pro-forma allocation after they fill — through the same one-pass kernel.

use crate::error::{Error, Result, SwStatus};
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

/// Where the results go; every slice is `num_portfolios x num_sectors`.
pub struct Evaluation<'o> {
    pub before: &'o mut [f64],
    pub orders: &'o mut [f64],
    pub after: &'o mut [f64],
    /// With targets: `(targets, tolerance, active, breaches)` for the `after` allocation.
    pub targets: Option<(Broadcast<'o>, Broadcast<'o>, &'o mut [f64], &'o mut [u8])>,
}

/// Evaluates every order list against its portfolio. On any error nothing is written.
///
/// - `before[p][k]` = portfolio p's holdings in sector k / its total;
/// - `orders[p][k]` = order list p's signed values in sector k / the sum of its absolute values;
/// - `after[p][k]` = (holdings + orders in k) / (total + sum of order values).
pub fn evaluate(input: &Orders, out: Evaluation) -> Result<()> {
    let s = input.num_sectors;
    let po = input.portfolio_offsets;
    let oo = input.order_offsets;
    validate::check_offsets("portfolio_offsets", po, input.portfolio_values.len())?;
    let p = po.len() - 1;
    validate::expect_len(
        "order_offsets",
        oo.len(),
        po.len(),
        "one order list per portfolio, plus one",
    )?;
    validate::check_offsets("order_offsets", oo, input.order_values.len())?;
    let cells = validate::mul(p, s, "num_portfolios * num_sectors")?;
    let why = format!("{p} portfolios x {s} sectors");
    for (name, len) in [
        ("before", out.before.len()),
        ("orders", out.orders.len()),
        ("after", out.after.len()),
    ] {
        validate::expect_len(name, len, cells, &why)?;
    }
    validate::expect_len(
        "portfolio_sectors",
        input.portfolio_sectors.len(),
        input.portfolio_values.len(),
        "one code per holding",
    )?;
    validate::expect_len(
        "order_sectors",
        input.order_sectors.len(),
        input.order_values.len(),
        "one code per order",
    )?;

    let mut held = vec![0.0; cells];
    kernel::compute(
        &Input {
            weights: input.portfolio_values,
            values: None,
            codes: input.portfolio_sectors,
            layout: Layout::Ragged(po),
            num_sectors: s,
        },
        false,
        &mut held,
    )?;
    let mut ordered = vec![0.0; cells];
    kernel::compute(
        &Input {
            weights: input.order_values,
            values: None,
            codes: input.order_sectors,
            layout: Layout::Ragged(oo),
            num_sectors: s,
        },
        false,
        &mut ordered,
    )
    .map_err(validate::relabel_for_orders)?;

    let mut after = vec![0.0; cells];
    let mut divisors = Vec::with_capacity(p * 2);
    for q in 0..p {
        let row = q * s..(q + 1) * s;
        let total: f64 = held[row.clone()].iter().sum();
        let net: f64 = ordered[row.clone()].iter().sum();
        let list = oo[q] as usize..oo[q + 1] as usize;
        let gross: f64 = input.order_values[list.clone()]
            .iter()
            .map(|v| v.abs())
            .sum();
        let bonds = po[q + 1] - po[q];
        if total == 0.0 {
            return Err(zero(format!(
                "portfolio {q} ({bonds} holdings) has a total of 0, so its allocation before the orders is undefined"
            )));
        }
        if gross == 0.0 {
            return Err(zero(format!(
                "order list {q} ({} orders) is empty or all zero, so its sector mix is undefined",
                list.len()
            )));
        }
        if !(total.is_finite() && gross.is_finite() && net.is_finite()) {
            return Err(Error::new(
                SwStatus::SW_ERROR_NON_FINITE,
                format!(
                    "portfolio {q}: a total overflows (holdings {total}, orders net {net}, gross {gross})"
                ),
            ));
        }
        let pro_forma = total + net;
        if pro_forma == 0.0 {
            return Err(zero(format!(
                "portfolio {q}: total {total} plus net orders {net} is 0, so the allocation after the orders is undefined"
            )));
        }
        for k in row {
            after[k] = (held[k] + ordered[k]) / pro_forma;
            let ratios = [held[k] / total, ordered[k] / gross, after[k]];
            if let Some(x) = ratios.iter().find(|x| !x.is_finite()) {
                return Err(Error::new(
                    SwStatus::SW_ERROR_NON_FINITE,
                    format!(
                        "portfolio {q}: the allocation to sector {} overflows ({x}) (total {total:e}, net orders {net:e})",
                        k - q * s
                    ),
                ));
            }
        }
        divisors.push((total, gross));
    }
    if let Some((t, tol, active, breaches)) = out.targets {
        targets::compare(&after, s, t, tol, active, breaches)?;
    }
    for (q, (total, gross)) in divisors.into_iter().enumerate() {
        for k in q * s..(q + 1) * s {
            out.before[k] = held[k] / total;
            out.orders[k] = ordered[k] / gross;
        }
    }
    out.after.copy_from_slice(&after);
    Ok(())
}

fn zero(message: String) -> Error {
    Error::new(SwStatus::SW_ERROR_ZERO_TOTAL, message)
}
