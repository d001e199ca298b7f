//! The C ABI, called from Rust: results, every status, messages naming the position, output
//! untouched on error, empty work and NULL handling.

mod common;

use common::{assert_close, last_error, naive, uniform_ranges, Rng};
use sector_weights::ffi::*;
use sector_weights::SwStatus::{self, *};
use std::ffi::CStr;
use std::ptr::{null, null_mut};

const SENTINEL: f64 = -12345.678;

fn drop_in(w: &[f64], p: u64, c: &[i32], b: u64, out: &mut [f64], s: u64) -> SwStatus {
    // SAFETY: the slices are valid for at least the lengths the shape implies in every call below
    // (or the call is expected to fail before reading).
    unsafe { calculate_sector_weights(w.as_ptr(), p, c.as_ptr(), b, out.as_mut_ptr(), s) }
}

fn checked(w: &[f64], c: &[i32], p: usize, s: usize, out: &mut [f64]) -> SwStatus {
    // SAFETY: every pointer is valid for the length passed with it.
    unsafe {
        sw_sector_weights(
            w.as_ptr(),
            w.len(),
            c.as_ptr(),
            c.len(),
            p,
            s,
            out.as_mut_ptr(),
            out.len(),
        )
    }
}

fn ragged(w: &[f64], c: &[i32], off: &[i64], s: usize, flags: u32, out: &mut [f64]) -> SwStatus {
    // SAFETY: every pointer is valid for the length passed with it.
    unsafe {
        sw_sector_weights_ragged(
            w.as_ptr(),
            w.len(),
            c.as_ptr(),
            c.len(),
            off.as_ptr(),
            off.len(),
            s,
            flags,
            out.as_mut_ptr(),
            out.len(),
        )
    }
}

/// Runs `call` on a sentinel-filled output and checks status, message fragment and untouched output.
fn expect_error(
    want: SwStatus, fragment: &str, out_len: usize, call: impl FnOnce(&mut [f64]) -> SwStatus,
) {
    let mut out = vec![SENTINEL; out_len];
    let got = call(&mut out);
    assert_eq!(got, want, "message: {}", last_error());
    let msg = last_error();
    assert!(msg.contains(fragment), "message {msg:?} should contain {fragment:?}");
    assert!(out.iter().all(|x| x.to_bits() == SENTINEL.to_bits()), "output changed on error");
}

#[test]
fn drop_in_matches_reference_small_and_parallel() {
    let mut rng = Rng::new(7);
    for &(p, b, s) in &[(1, 100, 18), (20, 5000, 18), (3, 200_000, 18), (2, 70_000, 1000)] {
        let (w, c) = rng.data(p * b, s);
        let mut out = vec![SENTINEL; p * s];
        assert_eq!(drop_in(&w, p as u64, &c, b as u64, &mut out, s as u64), SW_OK);
        let want = naive(&w, None, &c, &uniform_ranges(p, b), s);
        assert_close(&out, &want);
        assert_eq!(last_error(), "", "success clears the last error");
    }
}

#[test]
fn checked_api_agrees_bit_for_bit_with_drop_in() {
    let mut rng = Rng::new(11);
    let (p, b, s) = (5, 40_000, 33);
    let (w, c) = rng.data(p * b, s);
    let mut a = vec![0.0; p * s];
    let mut z = vec![0.0; p * s];
    assert_eq!(drop_in(&w, p as u64, &c, b as u64, &mut a, s as u64), SW_OK);
    assert_eq!(checked(&w, &c, p, s, &mut z), SW_OK);
    assert_eq!(
        a.iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
        z.iter().map(|x| x.to_bits()).collect::<Vec<_>>()
    );
}

#[test]
fn empty_work_is_valid_and_null_is_fine_for_empty_ranges() {
    // Zero portfolios: every pointer NULL.
    // SAFETY: all ranges are empty, so no pointer is read or written.
    let st = unsafe { calculate_sector_weights(null(), 0, null(), 1000, null_mut(), 18) };
    assert_eq!(st, SW_OK);
    // SAFETY: as above.
    let st = unsafe { sw_sector_weights(null(), 0, null(), 0, 0, 18, null_mut(), 0) };
    assert_eq!(st, SW_OK);
    // Zero bonds: output all zeros, inputs may be NULL.
    let mut out = vec![SENTINEL; 3 * 4];
    // SAFETY: inputs are empty; out is valid for 12 doubles.
    let st = unsafe { calculate_sector_weights(null(), 3, null(), 0, out.as_mut_ptr(), 4) };
    assert_eq!(st, SW_OK);
    assert!(out.iter().all(|&x| x == 0.0 && x.is_sign_positive()));
    // Zero sectors and zero bonds.
    // SAFETY: all ranges are empty.
    let st = unsafe { calculate_sector_weights(null(), 3, null(), 0, null_mut(), 0) };
    assert_eq!(st, SW_OK);
}

#[test]
fn negative_subnormal_and_negative_zero_weights_are_valid() {
    let w = [-1.5, f64::MIN_POSITIVE / 4.0, -0.0, 2.0];
    let c = [0, 1, 1, 0];
    let mut out = [SENTINEL; 2];
    assert_eq!(drop_in(&w, 1, &c, 4, &mut out, 2), SW_OK);
    assert_eq!(out, [0.5, f64::MIN_POSITIVE / 4.0]);
}

#[test]
fn bad_sector_codes_name_bond_and_portfolio() {
    let (p, b, s) = (8, 2000, 18);
    let mut rng = Rng::new(3);
    for (bad, text) in [
        (25, "sector code 25 at bond 1043 of portfolio 7 is outside 0..18"),
        (18, "sector code 18 at bond 1043 of portfolio 7 is outside 0..18"),
        (-1, "sector code -1 at bond 1043 of portfolio 7"),
        (i32::MIN, "sector code -2147483648 at bond 1043"),
        (i32::MAX, "sector code 2147483647 at bond 1043"),
    ] {
        let (w, mut c) = rng.data(p * b, s);
        c[7 * b + 1043] = bad;
        expect_error(SW_ERROR_SECTOR_OUT_OF_RANGE, text, p * s, |out| {
            drop_in(&w, p as u64, &c, b as u64, out, s as u64)
        });
    }
}

#[test]
fn the_first_bad_bond_is_reported_whatever_the_scheduling() {
    let (p, b, s) = (4, 100_000, 18); // parallel, two chunks per portfolio
    let mut rng = Rng::new(5);
    let (mut w, mut c) = rng.data(p * b, s);
    c[3 * b + 5] = 99; // later portfolio
    c[b + 90_000] = 77; // second chunk of portfolio 1
    w[b + 70_000] = f64::NAN; // also second chunk, earlier
    c[b + 80_000] = -3;
    for threads in [1, 2, 3] {
        assert_eq!(sw_set_num_threads(threads), SW_OK);
        expect_error(
            SW_ERROR_NON_FINITE,
            "weight NaN at bond 70000 of portfolio 1 is not finite",
            p * s,
            |out| drop_in(&w, p as u64, &c, b as u64, out, s as u64),
        );
    }
    assert_eq!(sw_set_num_threads(0), SW_OK);
}

#[test]
fn non_finite_weights_are_rejected() {
    for (x, text) in [
        (f64::NAN, "weight NaN at bond 12 of portfolio 0"),
        (f64::INFINITY, "weight inf at bond 12 of portfolio 0"),
        (f64::NEG_INFINITY, "weight -inf at bond 12 of portfolio 0"),
    ] {
        let mut w = vec![0.1; 50];
        w[12] = x;
        let c = vec![1; 50];
        expect_error(SW_ERROR_NON_FINITE, text, 3, |out| drop_in(&w, 1, &c, 50, out, 3));
    }
}

#[test]
fn pointer_and_size_errors() {
    let w = vec![1.0; 100];
    let c = vec![0; 100];
    expect_error(SW_ERROR_NULL_POINTER, "portfolios_bond_weights is NULL", 4, |out| {
        // SAFETY: weights NULL is rejected before any read; the rest are valid.
        unsafe { calculate_sector_weights(null(), 1, c.as_ptr(), 100, out.as_mut_ptr(), 4) }
    });
    expect_error(SW_ERROR_NULL_POINTER, "portfolios_bond_sectors is NULL", 4, |out| {
        // SAFETY: as above.
        unsafe { calculate_sector_weights(w.as_ptr(), 1, null(), 100, out.as_mut_ptr(), 4) }
    });
    // SAFETY: the output is NULL and must be rejected before any write.
    let st = unsafe { calculate_sector_weights(w.as_ptr(), 1, c.as_ptr(), 100, null_mut(), 4) };
    assert_eq!(st, SW_ERROR_NULL_POINTER);
    assert!(last_error().contains("portfolios_sector_weights is NULL but must hold 4 elements"));
    expect_error(SW_ERROR_SIZE_OVERFLOW, "pf_size * num_bonds", 4, |out| {
        drop_in(&w, u64::MAX, &c, 2, out, 4)
    });
    expect_error(SW_ERROR_SIZE_OVERFLOW, "pf_size * num_sectors", 4, |out| {
        drop_in(&w, 1 << 40, &c, 0, out, 1 << 40)
    });
    expect_error(SW_ERROR_SIZE_OVERFLOW, "more than PTRDIFF_MAX bytes", 4, |out| {
        drop_in(&w, 1, &c, 1 << 61, out, 4)
    });
    expect_error(SW_ERROR_INVALID_ARGUMENT, "num_sectors is 0", 4, |out| {
        drop_in(&w, 1, &c, 100, out, 0)
    });
}

#[test]
fn misaligned_pointers_are_errors_not_ub() {
    let bytes = vec![0u64; 64];
    let base = bytes.as_ptr() as usize;
    let w_mis = (base + 1) as *const f64;
    let c_mis = (base + 2) as *const i32;
    let w = [1.0; 8];
    let c = [0; 8];
    expect_error(SW_ERROR_MISALIGNED, "is not aligned to 8 bytes", 2, |out| {
        // SAFETY: the misaligned pointer is rejected before any read.
        unsafe { calculate_sector_weights(w_mis, 1, c.as_ptr(), 8, out.as_mut_ptr(), 2) }
    });
    expect_error(SW_ERROR_MISALIGNED, "is not aligned to 4 bytes", 2, |out| {
        // SAFETY: as above.
        unsafe { calculate_sector_weights(w.as_ptr(), 1, c_mis, 8, out.as_mut_ptr(), 2) }
    });
}

#[test]
fn output_overlapping_an_input_is_rejected_and_input_untouched() {
    let mut w = vec![0.25; 64];
    let c = vec![0; 64];
    let before = w.clone();
    let p = w.as_mut_ptr();
    // SAFETY: out aliases weights on purpose; the call must reject it before touching either.
    let st = unsafe { sw_sector_weights(p, 64, c.as_ptr(), 64, 1, 4, p.add(10), 4) };
    assert_eq!(st, SW_ERROR_OVERLAP);
    assert!(last_error().contains("output out overlaps weights"));
    assert_eq!(w, before);
}

#[test]
fn checked_api_length_mismatches() {
    let w = vec![1.0; 100];
    let c = vec![0; 100];
    expect_error(SW_ERROR_LENGTH_MISMATCH, "not a multiple of num_portfolios = 3", 6, |out| {
        checked(&w, &c, 3, 2, out)
    });
    expect_error(SW_ERROR_LENGTH_MISMATCH, "sectors has 99 elements but must have 100", 4, |out| {
        checked(&w, &c[..99], 2, 2, out)
    });
    expect_error(SW_ERROR_LENGTH_MISMATCH, "out has 5 elements but must have 4", 5, |out| {
        checked(&w, &c, 2, 2, out)
    });
    expect_error(SW_ERROR_LENGTH_MISMATCH, "weights has 100 elements but must have 0", 0, |out| {
        checked(&w, &c, 0, 2, out)
    });
}

#[test]
fn large_output_strategy_checks_everything_before_writing() {
    // Output much larger than the input: the kernel checks first, then writes directly.
    let (p, b, s) = (3000, 10, 1000);
    let mut rng = Rng::new(9);
    let (w, mut c) = rng.data(p * b, s);
    let want = naive(&w, None, &c, &uniform_ranges(p, b), s);
    let mut out = vec![SENTINEL; p * s];
    assert_eq!(checked(&w, &c, p, s, &mut out), SW_OK);
    assert_close(&out, &want);
    c[(p - 1) * b + 9] = 1000;
    expect_error(
        SW_ERROR_SECTOR_OUT_OF_RANGE,
        "sector code 1000 at bond 9 of portfolio 2999 is outside 0..1000",
        p * s,
        |out| checked(&w, &c, p, s, out),
    );
}

#[test]
fn ragged_normalised_and_exposures() {
    let w = [1.0, 3.0, 2.0, 2.0, -1.0, 5.0];
    let v = [2.0, 1.0, 0.5, 1.0, 4.0, 0.0];
    let c = [0, 1, 1, 0, 2, 2];
    let off = [0i64, 2, 2, 6]; // portfolio 1 is empty
    let mut out = [SENTINEL; 9];
    assert_eq!(ragged(&w, &c, &off, 3, 0, &mut out), SW_OK);
    assert_eq!(out, [1.0, 3.0, 0.0, 0.0, 0.0, 0.0, 2.0, 2.0, 4.0]);
    // Normalising fails on the empty portfolio and leaves the output alone.
    expect_error(SW_ERROR_ZERO_TOTAL, "portfolio 1 (0 bonds) has a total of 0", 9, |o| {
        ragged(&w, &c, &off, 3, SW_NORMALIZE, o)
    });
    let off2 = [0i64, 2, 6];
    let mut out = [SENTINEL; 6];
    assert_eq!(ragged(&w, &c, &off2, 3, SW_NORMALIZE, &mut out), SW_OK);
    assert_eq!(out, [0.25, 0.75, 0.0, 0.25, 0.25, 0.5]);
    let mut out = [SENTINEL; 6];
    // SAFETY: every pointer is valid for the length passed with it.
    let st = unsafe {
        sw_sector_exposures(
            w.as_ptr(),
            6,
            v.as_ptr(),
            6,
            c.as_ptr(),
            6,
            off2.as_ptr(),
            3,
            3,
            0,
            out.as_mut_ptr(),
            6,
        )
    };
    assert_eq!(st, SW_OK);
    assert_eq!(out, [2.0, 3.0, 0.0, 2.0, 1.0, -4.0]);
}

#[test]
fn bad_offsets_name_the_offset() {
    let w = [1.0; 6];
    let c = [0; 6];
    for (off, text) in [
        (&[1i64, 6][..], "offsets[0] is 1 but must be 0"),
        (&[0, 4, 3, 6][..], "offsets[2] = 3 is less than offsets[1] = 4"),
        (&[0, 7, 6][..], "offsets[1] = 7 is past the end of the 6 bonds"),
        (&[0, 2, 5][..], "offsets[2] = 5 but the last offset must equal the number of bonds, 6"),
        (&[][..], "offsets is empty"),
    ] {
        let p = off.len().saturating_sub(1);
        expect_error(SW_ERROR_BAD_OFFSETS, text, p * 2, |o| ragged(&w, &c, off, 2, 0, o));
    }
    expect_error(SW_ERROR_INVALID_ARGUMENT, "flags = 0x4", 2, |o| ragged(&w, &c, &[0, 6], 2, 4, o));
}

#[test]
fn negative_offsets_are_reported_as_decreasing() {
    let w = [1.0; 6];
    let c = [0; 6];
    expect_error(SW_ERROR_BAD_OFFSETS, "offsets[1] = -2 is less than offsets[0] = 0", 4, |o| {
        ragged(&w, &c, &[0, -2, 6], 2, 0, o)
    });
}

#[test]
fn diagnostics() {
    for st in SwStatus::ALL {
        let msg = unsafe_cstr(sw_status_message(st as i32));
        assert!(!msg.is_empty());
        assert_eq!(msg, st.message());
    }
    assert_eq!(unsafe_cstr(sw_status_message(-1)), "unknown status");
    assert_eq!(unsafe_cstr(sw_status_message(15)), "unknown status");
    assert_eq!(unsafe_cstr(sw_version()), env!("CARGO_PKG_VERSION"));
    assert_eq!(sw_set_num_threads(5000), SW_ERROR_INVALID_ARGUMENT);
    assert!(last_error().contains("num_threads = 5000"));
    assert!(sw_get_num_threads() >= 1);
}

#[test]
fn last_error_message_truncates_like_snprintf() {
    let w = [f64::NAN];
    let c = [0];
    let mut out = [0.0];
    assert_eq!(drop_in(&w, 1, &c, 1, &mut out, 1), SW_ERROR_NON_FINITE);
    let full = last_error();
    let mut buf = [0x55u8; 8];
    // SAFETY: buf is valid for 8 bytes.
    let n = unsafe { sw_last_error_message(buf.as_mut_ptr().cast(), buf.len()) };
    assert_eq!(n, full.len());
    assert_eq!(&buf[..7], &full.as_bytes()[..7]);
    assert_eq!(buf[7], 0);
    // len 0 with a non-NULL buffer writes nothing.
    let mut one = [0x55u8; 1];
    // SAFETY: len 0: nothing is written.
    let n0 = unsafe { sw_last_error_message(one.as_mut_ptr().cast(), 0) };
    assert_eq!((n0, one[0]), (full.len(), 0x55));
    // The last error is per thread.
    std::thread::spawn(|| assert_eq!(last_error(), "")).join().unwrap();
}

fn unsafe_cstr(p: *const std::ffi::c_char) -> String {
    assert!(!p.is_null());
    // SAFETY: the library returns static NUL-terminated strings.
    unsafe { CStr::from_ptr(p) }.to_str().unwrap().to_owned()
}
