//! Regressions found by fuzzing the typed entry points (fuzz/fuzz_targets/sw_grouped_sums.rs,
//! sw_ragged_sums.rs): each test is a minimal reproducer of one finding.
mod common;

use common::last_error;
use sector_weights::ffi::*;
use sector_weights::SwStatus::{self, *};
use sector_weights::{grouped_sums, Codes, Floats};

fn col<T>(data: &[T], dtype: i32) -> SwColumn {
    SwColumn { data: data.as_ptr().cast(), len: data.len(), dtype }
}

/// sw_grouped_sums with `num_portfolios` portfolios of 3 sectors (output of num_portfolios x 3).
fn grouped(
    w: &[f64], c: &[i32], p: &[i32], num_portfolios: usize, flags: u32,
) -> (SwStatus, String) {
    let (wc, cc, pc) = (col(w, SW_FLOAT64), col(c, SW_INT32), col(p, SW_INT32));
    let mut out = vec![-7.0; num_portfolios * 3];
    // SAFETY: every column points into a live slice of its stated length and type; out is a live
    // Vec of out.len() doubles.
    let st = unsafe {
        sw_grouped_sums(
            &wc,
            std::ptr::null(),
            &cc,
            3,
            &pc,
            num_portfolios,
            flags,
            out.as_mut_ptr(),
            out.len(),
        )
    };
    (st, last_error())
}

/// Found by the fuzzer: num_portfolios = 0 with num_sectors > 0 (an output of no cells) reached
/// `chunks_mut(0)` in the kernel's job (src/kernel/job.rs, `sum_block`: the grouped layout's
/// one table has width num_portfolios x num_sectors = 0) and came back as SW_ERROR_PANIC.
/// A table with no portfolios and no rows is valid: nothing to write.
#[test]
fn grouped_sums_of_no_portfolios_and_no_rows_succeed() {
    assert_eq!(grouped(&[], &[], &[], 0, 0), (SW_OK, String::new()));
    // Normalising no portfolios: there is no total to be zero.
    assert_eq!(grouped(&[], &[], &[], 0, SW_NORMALIZE), (SW_OK, String::new()));
}

/// The safe Rust API takes the same path, without a panic boundary: it panicked in the caller.
#[test]
fn rust_grouped_sums_of_no_portfolios_do_not_panic() {
    let none = || Codes::I32(&[]);
    let r = std::panic::catch_unwind(|| {
        grouped_sums(Floats::F64(&[]), None, none(), 3, none(), 0, false)
    });
    assert_eq!(r.ok(), Some(Ok(vec![])), "grouped_sums panicked or failed");
}

/// The same with rows: every portfolio code is outside 0..0, so the first row is the error.
#[test]
fn grouped_sums_of_no_portfolios_name_the_first_row() {
    let want = (SW_ERROR_SECTOR_OUT_OF_RANGE, "portfolio code 0 at row 0 is outside 0..0".into());
    assert_eq!(grouped(&[1.0], &[0], &[0], 0, 0), want);
    assert_eq!(grouped(&[1.0], &[0], &[0], 0, SW_NORMALIZE), want);
}

/// sw_grouped_sums with float64 weights and values, int32 codes and `num_sectors` sectors.
fn exposures(
    w: &[f64], v: &[f64], c: &[i32], num_sectors: usize, p: &[i32], num_portfolios: usize,
) -> (SwStatus, String) {
    let (wc, vc) = (col(w, SW_FLOAT64), col(v, SW_FLOAT64));
    let (cc, pc) = (col(c, SW_INT32), col(p, SW_INT32));
    let mut out = vec![-7.0; num_portfolios * num_sectors];
    // SAFETY: as in `grouped`.
    let st = unsafe {
        sw_grouped_sums(
            &wc,
            &vc,
            &cc,
            num_sectors,
            &pc,
            num_portfolios,
            0,
            out.as_mut_ptr(),
            out.len(),
        )
    };
    (st, last_error())
}

const PRODUCT_OVERFLOWS: &str = "the sum of sector 0 of portfolio 0 overflows (inf): every weight \
                                 is finite, but together they exceed the double range";

/// Found by the fuzzer: with more than 2^15 cells (the bucket strategy) a finite weight times a
/// finite value that overflows was reported as a non-finite weight ("weight inf at row 0
/// (portfolio 0) is not finite") although the weight is 1e200: the buckets sum precomputed terms
/// (src/kernel/buckets.rs, `partition` then `sum_buckets` as weights without values), so the
/// bucket's job takes the overflowed term for a bad weight. With one table (<= 2^15 cells) the
/// same rows give the overflow error, as the ragged entry points do (catalogue: overflow-product).
#[test]
fn grouped_product_overflow_is_an_overflow_in_both_strategies() {
    let (w, v, c, p) = ([1e200, 1.0], [1e200, 1.0], [0, 0], [0, 0]);
    let table = exposures(&w, &v, &c, 1, &p, 2);
    assert_eq!(table, (SW_ERROR_NON_FINITE, PRODUCT_OVERFLOWS.into()), "one table");
    let buckets = exposures(&w, &v, &c, 1, &p, (1 << 15) + 1);
    assert_eq!(buckets, (SW_ERROR_NON_FINITE, PRODUCT_OVERFLOWS.into()), "buckets");
}

/// The same finding names the wrong row and portfolio: the bucket's position of the term (0, the
/// first term of bucket 1) was taken for the table's row. Here row 1 (portfolio 32768) overflows;
/// the message named "row 0 (portfolio 0)", a row whose weight and value are 1.
#[test]
fn grouped_product_overflow_in_a_later_bucket_names_its_own_portfolio() {
    let (w, v, c) = ([1.0, 1e200], [1.0, 1e200], [0, 0]);
    let p = [0, 1 << 15];
    let (st, msg) = exposures(&w, &v, &c, 1, &p, (1 << 15) + 1);
    assert_eq!(
        (st, msg.as_str()),
        (
            SW_ERROR_NON_FINITE,
            "the sum of sector 0 of portfolio 32768 overflows (inf): every weight is finite, but \
             together they exceed the double range"
        )
    );
}
