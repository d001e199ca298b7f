//! The typed entry points through the C ABI: sw_grouped_sums and sw_ragged_sums with every
//! column type, the grouped layout's errors, bad columns, untouched outputs.
mod common;

use common::{last_error, naive_grouped, Rng};
use sector_weights::ffi::*;
use sector_weights::SwStatus::{self, *};

const SENTINEL: f64 = -7.0;

fn col<T>(data: &[T], dtype: i32) -> SwColumn {
    SwColumn { data: data.as_ptr().cast(), len: data.len(), dtype }
}

/// Calls sw_grouped_sums; returns the status, the message and the output.
fn grouped(
    w: &SwColumn, v: Option<&SwColumn>, c: &SwColumn, s: usize, p: &SwColumn, np: usize, flags: u32,
) -> (SwStatus, String, Vec<f64>) {
    let mut out = vec![SENTINEL; np * s];
    let vp = v.map_or(std::ptr::null(), |v| v as *const SwColumn);
    // SAFETY: every column points into a live Vec of its stated length and type.
    let st = unsafe { sw_grouped_sums(w, vp, c, s, p, np, flags, out.as_mut_ptr(), out.len()) };
    (st, last_error(), out)
}

#[test]
fn grouped_sums_match_the_naive_loop_for_every_column_type() {
    let mut rng = Rng::new(71);
    let (n, np, s) = (50_000, 20, 18);
    let w: Vec<f64> = (0..n).map(|_| rng.dyadic()).collect();
    let c: Vec<i64> = (0..n).map(|_| rng.below(s) as i64).collect();
    let p: Vec<i64> = (0..n).map(|_| rng.below(np) as i64).collect();
    let want = naive_grouped(&w, None, &c, &p, np, s).sum;
    let w32: Vec<f32> = w.iter().map(|&x| x as f32).collect();
    let c8: Vec<i8> = c.iter().map(|&x| x as i8).collect();
    let p32: Vec<u32> = p.iter().map(|&x| x as u32).collect();
    let c16: Vec<u16> = c.iter().map(|&x| x as u16).collect();
    let p64 = p.clone();
    for (wc, cc, pc) in [
        (col(&w, SW_FLOAT64), col(&c8, SW_INT8), col(&p32, SW_UINT32)),
        (col(&w32, SW_FLOAT32), col(&c16, SW_UINT16), col(&p64, SW_INT64)),
        (col(&w, SW_FLOAT64), col(&c, SW_INT64), col(&p32, SW_UINT32)),
    ] {
        let (st, msg, out) = grouped(&wc, None, &cc, s, &pc, np, 0);
        assert_eq!(st, SW_OK, "{msg}");
        assert_eq!(out, want);
    }
}

#[test]
fn grouped_errors_name_rows_and_leave_the_output_untouched() {
    let w = [1.0, 2.0, f64::NAN, 4.0];
    let c = [0i32, 1, 1, 0];
    let p = [1u8, 0, 1, 3];
    let (wc, cc, pc) = (col(&w, SW_FLOAT64), col(&c, SW_INT32), col(&p, SW_UINT8));
    let (st, msg, out) = grouped(&wc, None, &cc, 2, &pc, 3, 0);
    assert_eq!(
        (st, msg.as_str()),
        (SW_ERROR_NON_FINITE, "weight NaN at row 2 (portfolio 1) is not finite")
    );
    assert!(out.iter().all(|&x| x == SENTINEL));
    let w = [1.0, 2.0, 3.0, 4.0];
    let wc = col(&w, SW_FLOAT64);
    let (st, msg, _) = grouped(&wc, None, &cc, 2, &pc, 3, 0);
    assert_eq!(
        (st, msg.as_str()),
        (SW_ERROR_SECTOR_OUT_OF_RANGE, "portfolio code 3 at row 3 is outside 0..3")
    );
    let (st, msg, out) = grouped(&wc, None, &cc, 2, &pc, 4, SW_NORMALIZE);
    assert_eq!(
        (st, msg.as_str()),
        (SW_ERROR_ZERO_TOTAL, "portfolio 2 (0 bonds) has a total of 0 and cannot be normalised")
    );
    assert!(out.iter().all(|&x| x == SENTINEL));
}

#[test]
fn bad_columns_are_named() {
    let w = [1.0f64, 2.0];
    let c = [0i32, 1];
    let cc = col(&c, SW_INT32);
    let pc = col(&c, SW_INT32);
    let cases: [(SwColumn, SwStatus, &str); 3] = [
        (
            col(&c, SW_INT32),
            SW_ERROR_INVALID_ARGUMENT,
            "weights has dtype 3, but must be SW_FLOAT32 (8) or SW_FLOAT64 (9)",
        ),
        (
            col(&w, 42),
            SW_ERROR_INVALID_ARGUMENT,
            "weights has dtype 42, but must be SW_FLOAT32 (8) or SW_FLOAT64 (9)",
        ),
        (
            SwColumn { data: std::ptr::null(), len: 2, dtype: SW_FLOAT64 },
            SW_ERROR_NULL_POINTER,
            "weights is NULL but must hold 2 elements",
        ),
    ];
    for (wc, status, message) in cases {
        let (st, msg, _) = grouped(&wc, None, &cc, 2, &pc, 2, 0);
        assert_eq!((st, msg.as_str()), (status, message));
    }
    let mut out = [SENTINEL; 4];
    let wc = col(&w, SW_FLOAT64);
    // SAFETY: NULL sectors column (refused before anything is read); out is valid.
    let st = unsafe {
        sw_grouped_sums(&wc, std::ptr::null(), std::ptr::null(), 2, &pc, 2, 0, out.as_mut_ptr(), 4)
    };
    assert_eq!(
        (st, last_error().as_str()),
        (SW_ERROR_NULL_POINTER, "sectors is NULL but a column must be given")
    );
    let bytes = [0u8; 24];
    let misaligned = SwColumn { data: bytes[1..].as_ptr().cast(), len: 2, dtype: SW_FLOAT64 };
    let (st, _, _) = grouped(&misaligned, None, &cc, 2, &pc, 2, 0);
    assert_eq!(st, SW_ERROR_MISALIGNED);
    let v32 = [1.0f32, 2.0];
    let (st, msg, _) = grouped(&wc, Some(&col(&v32, SW_FLOAT32)), &cc, 2, &pc, 2, 0);
    assert_eq!(
        (st, msg.as_str()),
        (
            SW_ERROR_INVALID_ARGUMENT,
            "values are float32 but weights are float64: give both the same float type"
        )
    );
}

#[test]
fn ragged_sums_read_narrow_codes_and_float32_in_place() {
    let w = [0.5f32, 0.25, 1.0, 2.0];
    let v = [2.0f32, 4.0, 1.0, 0.5];
    let c = [1i8, 0, 1, 1];
    let offsets = [0i64, 2, 4];
    let (wc, vc, cc) = (col(&w, SW_FLOAT32), col(&v, SW_FLOAT32), col(&c, SW_INT8));
    let mut out = [SENTINEL; 4];
    // SAFETY: all buffers are live arrays of their stated lengths.
    let st =
        unsafe { sw_ragged_sums(&wc, &vc, &cc, 2, offsets.as_ptr(), 3, 0, out.as_mut_ptr(), 4) };
    assert_eq!(st, SW_OK, "{}", last_error());
    assert_eq!(out, [1.0, 1.0, 0.0, 2.0]);
    let c = [1i8, 0, -1, 1];
    let cc = col(&c, SW_INT8);
    // SAFETY: as above.
    let st = unsafe {
        sw_ragged_sums(&wc, std::ptr::null(), &cc, 2, offsets.as_ptr(), 3, 0, out.as_mut_ptr(), 4)
    };
    assert_eq!(
        (st, last_error().as_str()),
        (SW_ERROR_SECTOR_OUT_OF_RANGE, "sector code -1 at bond 0 of portfolio 1 is outside 0..2")
    );
}
