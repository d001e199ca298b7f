//! Fuzzes the diagnostics: `sw_last_error_message(buf, len)` with buffers and lengths the fuzzer
//! picks (NULL with any length, or a real buffer of at least `len` bytes) after a call that leaves
//! a message of the fuzzer's choosing; `sw_status_message` with any code; `sw_set_num_threads`
//! with any count above the limit (an error); `sw_get_num_threads` and `sw_version`.
#![no_main]

mod common;

use std::ffi::CStr;

use common::*;
use libfuzzer_sys::fuzz_target;
use sector_weights::ffi;

fuzz_target!(|data: &[u8]| {
    let mut ctx = Ctx::new(data);
    // 1. Leave a last error (or none) behind: a failing or succeeding call of each kind.
    let expected = match ctx.byte() % 4 {
        0 => {
            // A bad sector code at a position and with a value the fuzzer picks.
            let n = ctx.range(1, 64);
            let at = ctx.range(0, n - 1);
            let code = gen_code(&mut ctx.u, 3);
            let w = vec![0.5f64; n];
            let mut c = vec![1i32; n];
            c[at] = code;
            let mut out = [0.0f64; 3];
            // SAFETY: all buffers are valid for their stated lengths.
            let st = unsafe {
                ffi::sw_sector_weights(w.as_ptr(), n, c.as_ptr(), n, 1, 3, out.as_mut_ptr(), 3)
            } as i32;
            if (0..3).contains(&code) {
                assert_eq!(st, OK);
                String::new()
            } else {
                assert_eq!(st, SECTOR_OUT_OF_RANGE);
                format!("sector code {code} at bond {at} of portfolio 0 is outside 0..3")
            }
        }
        1 => {
            // A NULL pointer with a length the fuzzer picks (long decimal numbers in the message).
            let len = ctx.range(1, usize::MAX);
            let mut out = [0.0f64; 1];
            // SAFETY: NULL is never dereferenced (len > 0 makes it an error); out is valid.
            let st = unsafe {
                ffi::sw_sector_weights(
                    std::ptr::null(),
                    len,
                    std::ptr::null(),
                    len,
                    1,
                    1,
                    out.as_mut_ptr(),
                    1,
                )
            } as i32;
            assert_eq!(st, NULL_POINTER);
            format!("weights is NULL but must hold {len} elements")
        }
        2 => {
            // Counts above the limit (small valid ones are below: starting pools is slow).
            let n = ctx.range(4097, usize::MAX);
            let st = ffi::sw_set_num_threads(n) as i32;
            assert_eq!(st, INVALID_ARGUMENT);
            format!("num_threads = {n} is more than the limit of 4096")
        }
        _ => {
            // A successful call clears the detail.
            // SAFETY: every range is empty; NULL is allowed for empty ranges.
            let st = unsafe {
                ffi::sw_sector_weights(
                    std::ptr::null(),
                    0,
                    std::ptr::null(),
                    0,
                    0,
                    0,
                    std::ptr::null_mut(),
                    0,
                )
            } as i32;
            assert_eq!(st, OK);
            // The pool size is readable at any time (resizing is left to tests/stress.rs: a
            // replaced pool's workers exit asynchronously, which LeakSanitizer would report).
            assert!(ffi::sw_get_num_threads() >= 1);
            String::new()
        }
    };
    assert_eq!(last_error(), expected);

    // 2. Read it back with a buffer and length the fuzzer picks.
    for _ in 0..ctx.range(1, 4) {
        let real = ctx.range(0, 300);
        let null = ctx.byte().is_multiple_of(4);
        let len = if null {
            match ctx.byte() % 3 {
                0 => 0,
                1 => usize::MAX,
                _ => ctx.range(0, 1000),
            }
        } else {
            ctx.range(0, real)
        };
        let fill = ctx.byte();
        let mut buf = vec![fill; real];
        let ptr = if null {
            std::ptr::null_mut()
        } else {
            buf.as_mut_ptr().cast()
        };
        // SAFETY: ptr is NULL or valid for `real >= len` bytes.
        let got = unsafe { ffi::sw_last_error_message(ptr, len) };
        assert_eq!(got, expected.len(), "returned length");
        let written = if null || len == 0 {
            0
        } else {
            let k = expected.len().min(len - 1);
            assert_eq!(&buf[..k], &expected.as_bytes()[..k], "copied prefix");
            assert_eq!(buf[k], 0, "NUL terminator at {k}");
            k + 1
        };
        assert!(
            buf[written..].iter().all(|&x| x == fill),
            "bytes after the terminator (or with NULL/0) were written"
        );
    }
    // Reading it does not change it.
    assert_eq!(last_error(), expected);

    // 3. Static strings.
    let code: i32 = ctx.u.arbitrary().unwrap_or(0);
    // SAFETY: documented as a static NUL-terminated string, never NULL.
    let m = unsafe { CStr::from_ptr(ffi::sw_status_message(code)) }
        .to_str()
        .unwrap();
    if (0..sector_weights::SwStatus::ALL.len() as i32).contains(&code) {
        assert_ne!(m, "unknown status");
        assert!(!m.is_empty());
    } else {
        assert_eq!(m, "unknown status");
    }
    // SAFETY: as above.
    let v = unsafe { CStr::from_ptr(ffi::sw_version()) }
        .to_str()
        .unwrap();
    assert_eq!(v, sector_weights::VERSION);
});
