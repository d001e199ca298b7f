//! sw_factorize_strings through the C ABI: every Arrow layout against a naive loop, sliced
//! arrays (offset pointers, validity bit offsets), every argument and buffer error with the
//! outputs untouched.
mod common;

use common::{last_error, Rng};
use sector_weights::ffi::*;
use sector_weights::SwStatus::{self, *};

/// The three layouts of one column of labels (None: null).
struct Arrow {
    offsets32: Vec<i32>,
    offsets64: Vec<i64>,
    data: Vec<u8>,
    views: Vec<u8>,
    long: Vec<u8>,
    bits: Vec<u8>,
}

fn arrow(rows: &[Option<&str>]) -> Arrow {
    let mut a = Arrow {
        offsets32: vec![0],
        offsets64: vec![0],
        data: vec![],
        views: vec![],
        long: vec![],
        bits: vec![0; rows.len().div_ceil(8)],
    };
    for (i, r) in rows.iter().enumerate() {
        let s = r.unwrap_or("").as_bytes();
        if r.is_some() {
            a.bits[i / 8] |= 1 << (i % 8);
        }
        a.data.extend_from_slice(s);
        a.offsets32.push(a.data.len() as i32);
        a.offsets64.push(a.data.len() as i64);
        let mut v = [0u8; 16];
        v[..4].copy_from_slice(&(s.len() as i32).to_le_bytes());
        if s.len() <= 12 {
            v[4..4 + s.len()].copy_from_slice(s);
        } else {
            v[4..8].copy_from_slice(&s[..4]);
            v[12..16].copy_from_slice(&(a.long.len() as i32).to_le_bytes());
            a.long.extend_from_slice(s);
        }
        a.views.extend_from_slice(&v);
    }
    a
}

struct Call {
    status: SwStatus,
    message: String,
    codes: Vec<i32>,
    first_rows: Vec<i64>,
    num_labels: usize,
}

fn call(col: &SwStrings, codes_len: usize, capacity: usize) -> Call {
    let mut codes = vec![-7; codes_len];
    let mut first_rows = vec![-7; capacity];
    let mut num_labels = 77usize;
    // SAFETY: col's buffers point into live vectors of the stated sizes; the outputs are live.
    let status = unsafe {
        sw_factorize_strings(
            col,
            codes.as_mut_ptr(),
            codes.len(),
            first_rows.as_mut_ptr(),
            first_rows.len(),
            &mut num_labels,
        )
    };
    Call { status, message: last_error(), codes, first_rows, num_labels }
}

fn untouched(c: &Call) -> bool {
    c.codes.iter().all(|&x| x == -7) && c.first_rows.iter().all(|&x| x == -7) && c.num_labels == 77
}

/// The three SwStrings of `a`, starting at row `start` (a slice of the Arrow array).
fn columns<'a>(
    a: &'a Arrow, bufs: &'a [[*const u8; 1]; 2], lens: &'a [[usize; 1]; 2], n: usize, start: usize,
    nulls: bool,
) -> Vec<SwStrings> {
    let validity = if nulls { a.bits.as_ptr() } else { std::ptr::null() };
    let base = SwStrings {
        layout: SW_UTF8,
        len: n - start,
        offsets: std::ptr::null(),
        buffers: bufs[0].as_ptr(),
        buffer_lens: lens[0].as_ptr(),
        num_buffers: 1,
        validity,
        validity_offset: start,
    };
    vec![
        SwStrings { offsets: a.offsets32[start..].as_ptr().cast(), ..base },
        SwStrings { layout: SW_LARGE_UTF8, offsets: a.offsets64[start..].as_ptr().cast(), ..base },
        SwStrings {
            layout: SW_UTF8_VIEW,
            offsets: a.views[start * 16..].as_ptr().cast(),
            buffers: bufs[1].as_ptr(),
            buffer_lens: lens[1].as_ptr(),
            ..base
        },
    ]
}

fn naive(rows: &[Option<&str>]) -> (Vec<i32>, Vec<i64>) {
    let mut seen: Vec<&str> = vec![];
    let mut firsts = vec![];
    let codes = rows
        .iter()
        .enumerate()
        .map(|(i, r)| match r {
            None => -1,
            Some(s) => seen.iter().position(|x| x == s).unwrap_or_else(|| {
                seen.push(s);
                firsts.push(i as i64);
                seen.len() - 1
            }) as i32,
        })
        .collect();
    (codes, firsts)
}

#[test]
fn every_layout_and_slice_matches_the_naive_loop() {
    let mut rng = Rng::new(9);
    let names =
        ["", "a", "Energy", "Consumer Non-Cyclical", "FUND-01", "twelve bytes", "thirteen byte"];
    for (n, nulls) in [(0, false), (7, true), (1000, true), (200_000, false), (200_000, true)] {
        let rows: Vec<Option<&str>> = (0..n)
            .map(|_| match nulls && rng.below(7) == 0 {
                true => None,
                false => Some(names[rng.below(names.len())]),
            })
            .collect();
        let a = arrow(&rows);
        let bufs = [[a.data.as_ptr()], [a.long.as_ptr()]];
        let lens = [[a.data.len()], [a.long.len()]];
        for start in [0, n.min(3)] {
            let want = naive(&rows[start..]);
            for col in columns(&a, &bufs, &lens, n, start, nulls) {
                let c = call(&col, n - start, n - start);
                assert_eq!((c.status, c.message.as_str()), (SW_OK, ""), "layout {}", col.layout);
                assert_eq!(c.codes, want.0, "layout {} n {n} start {start}", col.layout);
                assert_eq!(c.num_labels, want.1.len());
                assert_eq!(c.first_rows[..c.num_labels], want.1[..]);
            }
        }
    }
}

#[test]
fn bad_arguments_and_buffers_are_errors_with_the_outputs_untouched() {
    let rows = [Some("b"), Some("a"), None, Some("b")];
    let a = arrow(&rows);
    let bufs = [[a.data.as_ptr()], [a.long.as_ptr()]];
    let lens = [[a.data.len()], [a.long.len()]];
    let [utf8, large, _view] =
        <[SwStrings; 3]>::try_from(columns(&a, &bufs, &lens, 4, 0, true)).unwrap();
    let two_bufs = [a.data.as_ptr(), a.data.as_ptr()];
    let two_lens = [a.data.len(), a.data.len()];
    let bad_offsets: [i64; 5] = [0, 1, 3, 2, 3];
    let past_end: [i32; 5] = [0, 1, 2, 2, 9];
    let misaligned = [0u8; 40];
    let cases: Vec<(SwStrings, usize, usize, SwStatus, &str)> = vec![
        (
            SwStrings { layout: 4, ..utf8 },
            4,
            4,
            SW_ERROR_INVALID_ARGUMENT,
            "strings layout 4 is not SW_UTF8 (1), SW_LARGE_UTF8 (2) or SW_UTF8_VIEW (3)",
        ),
        (
            SwStrings {
                buffers: two_bufs.as_ptr(),
                buffer_lens: two_lens.as_ptr(),
                num_buffers: 2,
                ..utf8
            },
            4,
            4,
            SW_ERROR_INVALID_ARGUMENT,
            "strings with offsets (SW_UTF8, SW_LARGE_UTF8) have 1 data buffer, got 2",
        ),
        (
            utf8,
            3,
            4,
            SW_ERROR_LENGTH_MISMATCH,
            "codes has 3 elements but must have 4 (one code per row of the column)",
        ),
        (
            utf8,
            4,
            1,
            SW_ERROR_LENGTH_MISMATCH,
            "the column has 2 distinct labels but first_rows has room for 1",
        ),
        (
            SwStrings { offsets: std::ptr::null(), ..utf8 },
            4,
            4,
            SW_ERROR_NULL_POINTER,
            "column->offsets is NULL but must hold 5 elements",
        ),
        (
            SwStrings { offsets: misaligned[1..].as_ptr().cast(), ..large },
            4,
            4,
            SW_ERROR_MISALIGNED,
            "",
        ),
        (
            SwStrings { offsets: bad_offsets.as_ptr().cast(), ..large },
            4,
            4,
            SW_ERROR_BAD_OFFSETS,
            "string offsets[3] = 2 is less than offsets[2] = 3 (offsets must never decrease)",
        ),
        (
            SwStrings { offsets: past_end.as_ptr().cast(), ..utf8 },
            4,
            4,
            SW_ERROR_BAD_OFFSETS,
            "string offsets[4] = 9 is past the end of the data buffer (3 bytes)",
        ),
    ];
    for (col, codes_len, capacity, status, message) in cases {
        let c = call(&col, codes_len, capacity);
        assert_eq!(c.status, status, "{}", c.message);
        if !message.is_empty() {
            assert_eq!(c.message, message);
        }
        assert!(untouched(&c), "{message}");
    }
    // A NULL column; an output overlapping the data.
    let mut num = 77usize;
    let mut codes = [-7i32; 4];
    let mut firsts = [-7i64; 4];
    // SAFETY: NULL column (refused before any read); live outputs.
    let st = unsafe {
        sw_factorize_strings(
            std::ptr::null(),
            codes.as_mut_ptr(),
            4,
            firsts.as_mut_ptr(),
            4,
            &mut num,
        )
    };
    assert_eq!(
        (st, last_error().as_str()),
        (SW_ERROR_NULL_POINTER, "column is NULL but a column must be given")
    );
    let mut shared = vec![0u8; 64];
    shared[..3].copy_from_slice(b"bab");
    let data_ptr = [shared.as_ptr()];
    let data_len = [3usize];
    let col = SwStrings { buffers: data_ptr.as_ptr(), buffer_lens: data_len.as_ptr(), ..utf8 };
    // SAFETY: codes alias the data buffer on purpose (the library must refuse before writing).
    let st = unsafe {
        sw_factorize_strings(&col, shared.as_mut_ptr().cast(), 4, firsts.as_mut_ptr(), 4, &mut num)
    };
    assert_eq!(
        (st, last_error().as_str()),
        (SW_ERROR_OVERLAP, "output codes overlaps a data buffer (column->buffers)")
    );
    assert_eq!(&shared[..3], b"bab");
    assert!(codes.iter().all(|&x| x == -7) && firsts.iter().all(|&x| x == -7) && num == 77);
}

#[test]
fn results_are_identical_for_every_thread_count() {
    let mut rng = Rng::new(4);
    let names: Vec<String> =
        (0..3000).map(|k| format!("ISSUER-{k:05}-LONG-NAME-{}", k % 7)).collect();
    let rows: Vec<Option<&str>> =
        (0..300_000).map(|_| Some(names[rng.below(names.len())].as_str())).collect();
    let a = arrow(&rows);
    let bufs = [[a.data.as_ptr()], [a.long.as_ptr()]];
    let lens = [[a.data.len()], [a.long.len()]];
    let want = naive(&rows);
    for threads in [1, 2, 5] {
        assert_eq!(sw_set_num_threads(threads), SW_OK);
        for col in columns(&a, &bufs, &lens, rows.len(), 0, false) {
            let c = call(&col, rows.len(), rows.len());
            assert_eq!(c.status, SW_OK, "{}", c.message);
            assert_eq!((c.codes, &c.first_rows[..c.num_labels]), (want.0.clone(), &want.1[..]));
        }
    }
    assert_eq!(sw_set_num_threads(0), SW_OK);
}
