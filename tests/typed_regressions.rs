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
