//! Targets and tolerance bands: `active = actual - target`, `breach = |active| > tolerance`,
//! with targets and tolerances given as one scalar, one value per sector, or one per cell.

use crate::error::{Error, Result, SwStatus};
use crate::validate;

/// How a target or tolerance array spreads over `num_portfolios x num_sectors` cells.
#[derive(Debug, Clone, Copy)]
pub struct Broadcast<'a> {
    pub name: &'static str,
    pub data: &'a [f64],
}

impl Broadcast<'_> {
    /// Checks the length (1, num_sectors or num_portfolios * num_sectors) and every value.
    fn check(&self, p: usize, s: usize, non_negative: bool) -> Result<()> {
        let n = self.data.len();
        if !(n == 1 || n == s || n == p * s) {
            return Err(Error::new(
                SwStatus::SW_ERROR_LENGTH_MISMATCH,
                format!(
                    "{} has {n} elements but must have 1, {s} (one per sector) or {} ({p} portfolios x {s} sectors)",
                    self.name,
                    p * s
                ),
            ));
        }
        for (i, &x) in self.data.iter().enumerate() {
            if !x.is_finite() {
                return Err(Error::new(
                    SwStatus::SW_ERROR_NON_FINITE,
                    format!("{}[{i}] = {x} is not finite", self.name),
                ));
            }
            if non_negative && x < 0.0 {
                return Err(Error::new(
                    SwStatus::SW_ERROR_INVALID_ARGUMENT,
                    format!("{}[{i}] = {x} is negative", self.name),
                ));
            }
        }
        Ok(())
    }

    #[inline]
    fn at(&self, cell: usize, s: usize) -> f64 {
        match self.data.len() {
            1 => self.data[0],
            n if n == s => self.data[cell % s],
            _ => self.data[cell],
        }
    }
}

/// Compares `actual` (`num_portfolios x num_sectors`, row-major) with targets and tolerances.
/// Fills `active` and `breaches` (1 = breach, 0 = within the band); on error writes nothing.
pub fn compare(
    actual: &[f64],
    num_sectors: usize,
    targets: Broadcast,
    tolerance: Broadcast,
    active: &mut [f64],
    breaches: &mut [u8],
) -> Result<()> {
    let s = num_sectors;
    if s == 0 {
        return Err(Error::new(
            SwStatus::SW_ERROR_INVALID_ARGUMENT,
            "num_sectors must be at least 1",
        ));
    }
    if actual.len() % s != 0 {
        return Err(Error::new(
            SwStatus::SW_ERROR_LENGTH_MISMATCH,
            format!(
                "actual has {} elements, not a multiple of num_sectors = {s}",
                actual.len()
            ),
        ));
    }
    let p = actual.len() / s;
    let why = format!("{p} portfolios x {s} sectors");
    validate::expect_len("active", active.len(), actual.len(), &why)?;
    validate::expect_len("breaches", breaches.len(), actual.len(), &why)?;
    if let Some(i) = actual.iter().position(|x| !x.is_finite()) {
        return Err(Error::new(
            SwStatus::SW_ERROR_NON_FINITE,
            format!(
                "actual weight {} of sector {} of portfolio {} is not finite",
                actual[i],
                i % s,
                i / s
            ),
        ));
    }
    targets.check(p, s, false)?;
    tolerance.check(p, s, true)?;
    // A difference of two finite numbers can still overflow: check every cell before writing.
    if let Some(cell) = (0..actual.len()).find(|&i| !(actual[i] - targets.at(i, s)).is_finite()) {
        return Err(Error::new(
            SwStatus::SW_ERROR_NON_FINITE,
            format!(
                "actual {} minus target {} overflows at sector {} of portfolio {}",
                actual[cell],
                targets.at(cell, s),
                cell % s,
                cell / s
            ),
        ));
    }
    for (cell, ((a, act), br)) in actual
        .iter()
        .zip(active.iter_mut())
        .zip(breaches.iter_mut())
        .enumerate()
    {
        let d = a - targets.at(cell, s);
        *act = d;
        *br = u8::from(d.abs() > tolerance.at(cell, s));
    }
    Ok(())
}
