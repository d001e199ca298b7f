//! Targets and tolerance bands: `active = actual - target`, `breach = |active| > tolerance`,
//! with targets and tolerances given as one scalar, one value per sector, or one per cell.

use crate::error::{BandProblem, Error, Result, Targets, Why};
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
        let (band, len) = (self.name, self.data.len());
        if !(len == 1 || len == s || len == p * s) {
            return Err(Error::Targets(Targets::BandLength {
                band,
                len,
                portfolios: p,
                sectors: s,
            }));
        }
        let bad = |index, value, problem| {
            Err(Error::Targets(Targets::BandValue { band, index, value, problem }))
        };
        for (i, &x) in self.data.iter().enumerate() {
            if !x.is_finite() {
                return bad(i, x, BandProblem::NotFinite);
            }
            if non_negative && x < 0.0 {
                return bad(i, x, BandProblem::Negative);
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
    actual: &[f64], num_sectors: usize, targets: Broadcast, tolerance: Broadcast,
    active: &mut [f64], breaches: &mut [u8],
) -> Result<()> {
    let p = check_actual(actual, num_sectors, active.len(), breaches.len())?;
    let s = num_sectors;
    targets.check(p, s, false)?;
    tolerance.check(p, s, true)?;
    // A difference of two finite numbers can still overflow: check every cell before writing.
    if let Some(cell) = (0..actual.len()).find(|&i| !(actual[i] - targets.at(i, s)).is_finite()) {
        return Err(Error::Targets(Targets::ActiveOverflow {
            actual: actual[cell],
            target: targets.at(cell, s),
            sector: cell % s,
            portfolio: cell / s,
        }));
    }
    for (cell, ((a, act), br)) in
        actual.iter().zip(active.iter_mut()).zip(breaches.iter_mut()).enumerate()
    {
        let d = a - targets.at(cell, s);
        *act = d;
        *br = u8::from(d.abs() > tolerance.at(cell, s));
    }
    Ok(())
}

/// Checks the shape of `actual` and the outputs, and that every actual weight is finite;
/// returns the number of portfolios.
fn check_actual(actual: &[f64], s: usize, active: usize, breaches: usize) -> Result<usize> {
    if s == 0 {
        return Err(Error::Targets(Targets::NoSectors));
    }
    if actual.len() % s != 0 {
        return Err(Error::Shape(crate::error::Shape::NotMultiple {
            buffer: "actual",
            len: actual.len(),
            of: "num_sectors",
            by: s,
        }));
    }
    let p = actual.len() / s;
    let why = Why::Cells(p, s);
    validate::expect_len("active", active, actual.len(), why)?;
    validate::expect_len("breaches", breaches, actual.len(), why)?;
    if let Some(i) = actual.iter().position(|x| !x.is_finite()) {
        return Err(Error::Targets(Targets::ActualNotFinite {
            value: actual[i],
            sector: i % s,
            portfolio: i / s,
        }));
    }
    Ok(p)
}
