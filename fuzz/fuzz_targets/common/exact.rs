//! The exact reference of exact mode (`SW_EXACT`, issue 16) inside the fuzz targets: every
//! exact-mode cell is judged bit for bit against the big-integer reference of the Rust tests
//! (`tests/common/exact_ref.rs`, shared through `#[path]`, not copied), and so is every error:
//! which sum overflows, which total is zero, which ratio overflows — in the order the header
//! gives (ragged layouts row by row; the grouped layout every sum before any normalisation).
//!
//! Partials are checked against the same reference: the rows cut in three pieces, one partial
//! each, merged in two groupings, must give the bytes and the result bits of one partial of all
//! the rows and of the reference (see [`check_partials`]).

use num_bigint::BigInt;
use sector_weights::ffi::{self, SwColumn, SwPartial};

use super::{Cell, Expect, NON_FINITE, ZERO_TOTAL};

#[path = "../../../tests/common/exact_ref.rs"]
mod exact_ref;

/// The flag bit of exact mode.
pub const SW_EXACT: u32 = 2;

/// One cell's sum as the library defines it in exact mode: the exact sum of its finite terms,
/// unless a term is infinite (a product `weight × value` that overflowed).
#[derive(Clone, Default)]
pub struct ExactSum {
    finite: BigInt,
    plus_inf: bool,
    minus_inf: bool,
}

impl ExactSum {
    fn add(&mut self, x: f64) {
        match x {
            f64::INFINITY => self.plus_inf = true,
            f64::NEG_INFINITY => self.minus_inf = true,
            _ => self.finite += exact_ref::big(x),
        }
    }

    /// The correctly rounded sum, or the non-finite sum the library names in its error (`inf`,
    /// `-inf`, or NaN for infinite terms of both signs).
    fn rounded(&self) -> Result<f64, f64> {
        match (self.plus_inf, self.minus_inf) {
            (true, true) => Err(f64::NAN),
            (true, false) => Err(f64::INFINITY),
            (false, true) => Err(f64::NEG_INFINITY),
            (false, false) => rounded(&self.finite),
        }
    }
}

fn rounded(n: &BigInt) -> Result<f64, f64> {
    if n.bits() == 0 {
        return Ok(0.0); // (Saves the reference's decimal expansion for the many empty cells.)
    }
    exact_ref::round_big(n).map_err(|o| if o.negative { f64::NEG_INFINITY } else { f64::INFINITY })
}

/// A row that cannot be rounded: the status and the kernel's message.
type Failure = (i32, String);

/// Row `p` (of `bonds` rows) rounded: each sum correctly rounded, then (`normalize`) each
/// divided by the row's exact total rounded once: fl(round(S_k) / round(T)). Else the first
/// failure: a sum that is not finite, then (normalising) an exact total of zero, a total that
/// rounds beyond the doubles, a ratio that is not finite.
fn round_row(
    row: &[ExactSum], normalize: bool, p: usize, bonds: usize,
) -> Result<Vec<f64>, Failure> {
    let mut out = Vec::with_capacity(row.len());
    for (sector, cell) in row.iter().enumerate() {
        out.push(cell.rounded().map_err(|sum| {
            let m = format!(
                "the sum of sector {sector} of portfolio {p} overflows ({sum}): every weight is \
                 finite, but together they exceed the double range"
            );
            (NON_FINITE, m)
        })?);
    }
    if !normalize {
        return Ok(out);
    }
    let total: BigInt = row.iter().map(|c| &c.finite).sum();
    if total.bits() == 0 {
        let m = format!("portfolio {p} ({bonds} bonds) has a total of 0 and cannot be normalised");
        return Err((ZERO_TOTAL, m));
    }
    let total = rounded(&total).map_err(|total| {
        let m =
            format!("the total of portfolio {p} overflows ({total}), so it cannot be normalised");
        (NON_FINITE, m)
    })?;
    for (sector, x) in out.iter_mut().enumerate() {
        let value = *x / total;
        if !value.is_finite() {
            let m = format!(
                "normalising sector {sector} of portfolio {p} by its total {total:e} overflows \
                 ({value})"
            );
            return Err((NON_FINITE, m));
        }
        *x = value;
    }
    Ok(out)
}

/// Every row rounded (portfolio `p` has `bonds(p)` rows), or the first row's failure.
fn round_rows(
    sums: &[ExactSum], s: usize, normalize: bool, bonds: &dyn Fn(usize) -> usize,
) -> Result<Vec<f64>, Failure> {
    let mut out = Vec::with_capacity(sums.len());
    for (p, row) in sums.chunks(s).enumerate() {
        out.extend(round_row(row, normalize, p, bonds(p))?);
    }
    Ok(out)
}

/// Every cell's bits, or the failure.
fn expect_rounded(rounded: Result<Vec<f64>, Failure>) -> Expect {
    match rounded {
        Ok(values) => Expect {
            errors: Vec::new(),
            ok: Some(values.into_iter().map(Cell::Exact).collect()),
            overflow: false,
        },
        Err((status, message)) => Expect::err(status, message),
    }
}

/// Portfolios given by ranges of rows (`bonds[p]` of them): row by row.
pub fn expect_rows(sums: &[ExactSum], s: usize, bonds: &[usize], normalize: bool) -> Expect {
    expect_rounded(round_rows(sums, s, normalize, &|p| bonds[p]))
}

/// Rows that name their portfolio (`rows[p]` rows each): every sum is rounded (the first
/// overflowing one in table order names the error) before any portfolio is normalised.
pub fn expect_grouped(sums: &[ExactSum], s: usize, rows: &[usize], normalize: bool) -> Expect {
    match round_rows(sums, s, false, &|p| rows[p]) {
        Ok(_) if normalize => expect_rows(sums, s, rows, true),
        plain => expect_rounded(plain),
    }
}

/// What `sw_partial_result` must give for a partial of these sums: every cell's bits, or the
/// status of the first portfolio whose row fails.
fn partial_result(sums: &[ExactSum], s: usize, normalize: bool) -> Result<Vec<f64>, i32> {
    round_rows(sums, s, normalize, &|_| 0).map_err(|(status, _)| status)
}

/// The reference's view of a valid exact-mode call: every term (rounded once) and every
/// cell's exact sum.
pub struct Summed {
    pub terms: Vec<f64>,
    pub sums: Vec<ExactSum>,
}

impl Summed {
    /// Sums `terms` into `width` cells, term `i` into `cell(i)`.
    pub fn new(terms: Vec<f64>, width: usize, cell: impl Fn(usize) -> usize) -> Summed {
        let mut sums = vec![ExactSum::default(); width];
        for (i, &x) in terms.iter().enumerate() {
            sums[cell(i)].add(x);
        }
        Summed { terms, sums }
    }
}

/// The rows of a typed call, as `sw_partial_from_rows` (grouped: `Portfolios::Codes`) or
/// `sw_partial_from_ragged` (`Portfolios::Offsets`) take them.
pub struct Rows<'a> {
    pub weights: SwColumn,
    pub values: Option<SwColumn>,
    pub sectors: SwColumn,
    pub num_sectors: usize,
    pub portfolios: Portfolios<'a>,
    /// Bytes per element of weights/values, sectors and portfolio codes.
    pub sizes: [usize; 3],
}

/// How rows belong to portfolios.
pub enum Portfolios<'a> {
    Codes { column: SwColumn, count: usize },
    Offsets(&'a [i64]),
}

/// Rows `r` of a column of `size`-byte elements.
fn slice(c: SwColumn, size: usize, r: std::ops::Range<usize>) -> SwColumn {
    SwColumn {
        // A column whose data is NULL or dangling has no rows: r is 0..0 and it stays as it is.
        data: (c.data as usize + r.start * size) as *const std::ffi::c_void,
        len: r.len(),
        dtype: c.dtype,
    }
}

/// A partial of rows `r`, or the status of `sw_partial_from_rows` / `_from_ragged`.
fn partial_of(rows: &Rows, r: std::ops::Range<usize>) -> Result<*mut SwPartial, i32> {
    let [fsize, csize, psize] = rows.sizes;
    let w = slice(rows.weights, fsize, r.clone());
    let v = rows.values.map(|v| slice(v, fsize, r.clone()));
    let c = slice(rows.sectors, csize, r.clone());
    let vp = v.as_ref().map_or(std::ptr::null(), |v| v as *const SwColumn);
    let mut out = std::ptr::null_mut();
    // SAFETY: every column describes rows `r` of a column the library accepted for the whole
    // call; offsets is a live slice; out is a valid place for the handle.
    let status = unsafe {
        match rows.portfolios {
            Portfolios::Codes { column, count } => {
                let p = slice(column, psize, r);
                ffi::sw_partial_from_rows(&w, vp, &c, rows.num_sectors, &p, count, 0, &mut out)
            }
            Portfolios::Offsets(offsets) => {
                let cut: Vec<i64> = offsets
                    .iter()
                    .map(|&o| o.clamp(r.start as i64, r.end as i64) - r.start as i64)
                    .collect();
                ffi::sw_partial_from_ragged(
                    &w,
                    vp,
                    &c,
                    rows.num_sectors,
                    cut.as_ptr(),
                    cut.len(),
                    0,
                    &mut out,
                )
            }
        }
    } as i32;
    match status {
        0 => Ok(out),
        st => {
            assert!(out.is_null(), "a failed sw_partial_from_* wrote its handle");
            Err(st)
        }
    }
}

/// A owned partial handle, freed on drop.
struct Handle(*mut SwPartial);

impl Drop for Handle {
    fn drop(&mut self) {
        // SAFETY: a live handle from this module, freed once.
        unsafe { ffi::sw_partial_free(self.0) };
    }
}

impl Handle {
    fn merge(&self, other: &Handle) -> Handle {
        let mut out = std::ptr::null_mut();
        // SAFETY: both handles are live; out is a valid place.
        let st = unsafe { ffi::sw_partial_merge(self.0, other.0, &mut out) } as i32;
        assert_eq!(st, 0, "sw_partial_merge of partials of one table: {}", super::last_error());
        Handle(out)
    }

    fn bytes(&self) -> Vec<u8> {
        let mut n = 0usize;
        // SAFETY: a live handle; (NULL, 0) is the size query.
        let st = unsafe { ffi::sw_partial_to_bytes(self.0, std::ptr::null_mut(), 0, &mut n) };
        assert_eq!(st as i32, 0, "sw_partial_to_bytes size query");
        let mut buf = vec![0u8; n];
        // SAFETY: buf is valid for n bytes.
        let st = unsafe { ffi::sw_partial_to_bytes(self.0, buf.as_mut_ptr(), n, &mut n) };
        assert_eq!(st as i32, 0, "sw_partial_to_bytes");
        buf
    }

    /// `sw_partial_result` of `cells` cells, as bits, or its status.
    fn result(&self, cells: usize, normalize: bool) -> Result<Vec<u64>, i32> {
        let mut out = vec![0.0f64; cells];
        // SAFETY: a live handle; out is valid for `cells` doubles.
        let st = unsafe {
            ffi::sw_partial_result(self.0, u32::from(normalize), out.as_mut_ptr(), cells)
        };
        match st as i32 {
            0 => Ok(out.iter().map(|x| x.to_bits()).collect()),
            st => Err(st),
        }
    }
}

/// Partials of `rows` (`n` of them, all valid: the call checked them, and at least one
/// sector), cut at `cuts` into three pieces, merged as (a + b) + c and a + (c + b): the same
/// bytes as one partial of all the rows, and its result (plain and normalised) the reference's
/// bits or the reference's error status. A product that overflows is refused (as
/// SW_ERROR_NON_FINITE) by every partial that holds it, and by no other.
pub fn check_partials(rows: &Rows, cuts: (usize, usize), summed: &Summed) {
    let n = summed.terms.len();
    let (i, j) = (cuts.0 % (n + 1), cuts.1 % (n + 1));
    let (i, j) = (i.min(j), i.max(j));
    let mut handles = Vec::new();
    for r in [0..i, i..j, j..n, 0..n] {
        let overflows = summed.terms[r.clone()].iter().any(|t| !t.is_finite());
        let made = partial_of(rows, r.clone());
        match &made {
            Ok(_) => assert!(!overflows, "a partial of rows {r:?} took an overflowing product"),
            Err(st) => assert!(
                overflows && *st == NON_FINITE,
                "sw_partial_from_* of rows {r:?} of a valid call: status {st} ({})",
                super::last_error()
            ),
        }
        handles.push(made.ok().map(Handle));
    }
    let [Some(a), Some(b), Some(c), Some(whole)] = &handles[..] else {
        return; // (An overflowing product: checked above.)
    };
    let left = a.merge(b).merge(c);
    let right = a.merge(&c.merge(b));
    let want = whole.bytes();
    assert!(left.bytes() == want, "(a + b) + c saves other bytes than one partial of all rows");
    assert!(right.bytes() == want, "a + (c + b) saves other bytes than one partial of all rows");
    for normalize in [false, true] {
        let expected = partial_result(&summed.sums, rows.num_sectors, normalize)
            .map(|v| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>());
        let named = [("one partial", whole), ("(a + b) + c", &left), ("a + (c + b)", &right)];
        for (name, h) in named {
            assert_eq!(
                h.result(summed.sums.len(), normalize),
                expected,
                "sw_partial_result (normalize {normalize}) of {name} against the exact reference"
            );
        }
    }
}
