//! The string factoriser against a naive reference, in every layout, with nulls, across blocks
//! and thread counts; and every error, with the outputs untouched.

use super::*;
use crate::testkit::Rng;

/// A column as Arrow would hold it: each layout's buffers.
struct Arrow {
    rows: Vec<Option<Vec<u8>>>,
    offsets32: Vec<i32>,
    offsets64: Vec<i64>,
    data: Vec<u8>,
    views: Vec<u8>,
    view_buffers: Vec<Vec<u8>>,
    bits: Vec<u8>,
}

/// Bit `shift + i` of the bitmap is row i's validity (the first `shift` bits are set junk).
fn arrow(rows: Vec<Option<Vec<u8>>>, shift: usize) -> Arrow {
    let (mut offsets32, mut offsets64, mut data) = (vec![0i32], vec![0i64], Vec::new());
    let (mut views, mut view_buffers) = (Vec::new(), vec![Vec::new(), Vec::new()]);
    let mut bits = vec![0u8; (shift + rows.len()).div_ceil(8)];
    for b in 0..shift {
        bits[b / 8] |= 1 << (b % 8);
    }
    for (i, r) in rows.iter().enumerate() {
        let s = r.as_deref().unwrap_or(b"");
        if r.is_some() {
            bits[(shift + i) / 8] |= 1 << ((shift + i) % 8);
        } else {
            data.extend_from_slice(b"xx"); // a null row's bytes are never read
        }
        data.extend_from_slice(s);
        offsets32.push(data.len() as i32);
        offsets64.push(data.len() as i64);
        let mut v = [0u8; 16];
        v[..4].copy_from_slice(&(s.len() as i32).to_le_bytes());
        if s.len() <= 12 {
            v[4..4 + s.len()].copy_from_slice(s);
        } else {
            let b = i % 2; // long strings spread over two data buffers
            v[4..8].copy_from_slice(&s[..4]);
            v[8..12].copy_from_slice(&(b as i32).to_le_bytes());
            v[12..16].copy_from_slice(&(view_buffers[b].len() as i32).to_le_bytes());
            view_buffers[b].extend_from_slice(s);
        }
        if r.is_none() {
            v = [0xff; 16]; // a null row's view is never read either
        }
        views.extend_from_slice(&v);
    }
    Arrow { rows, offsets32, offsets64, data, views, view_buffers, bits }
}

fn columns<'a>(a: &'a Arrow, buffers: &'a [&'a [u8]], shift: usize) -> Vec<Column<'a>> {
    let validity = Some(Validity { bits: &a.bits, offset: shift });
    let layouts = [
        Layout::Utf8 { offsets: &a.offsets32, data: &a.data },
        Layout::LargeUtf8 { offsets: &a.offsets64, data: &a.data },
        Layout::View { views: &a.views, buffers },
    ];
    layouts.into_iter().map(|layout| Column { layout, len: a.rows.len(), validity }).collect()
}

/// Codes in first-appearance order and first rows, one row at a time.
fn naive(rows: &[Option<Vec<u8>>]) -> (Vec<i32>, Vec<i64>) {
    let mut seen: Vec<&[u8]> = Vec::new();
    let mut firsts = Vec::new();
    let codes = rows
        .iter()
        .enumerate()
        .map(|(i, r)| match r {
            None => -1,
            Some(s) => match seen.iter().position(|x| *x == s.as_slice()) {
                Some(c) => c as i32,
                None => {
                    seen.push(s);
                    firsts.push(i as i64);
                    seen.len() as i32 - 1
                }
            },
        })
        .collect();
    (codes, firsts)
}

fn labels(rng: &mut Rng, n: usize, distinct: usize, nulls: bool) -> Vec<Option<Vec<u8>>> {
    let names: Vec<Vec<u8>> = (0..distinct)
        .map(|k| {
            let long = "x".repeat(k % 17); // lengths around the 12-byte inline limit
            format!("{long}label-{k}").into_bytes()
        })
        .collect();
    (0..n)
        .map(|_| match nulls && rng.below(10) == 0 {
            true => None,
            false => Some(names[rng.below(distinct)].clone()),
        })
        .collect()
}

fn factorize_all(col: &Column, capacity: usize) -> Result<(Vec<i32>, Vec<i64>)> {
    let mut codes = vec![7; col.len];
    let mut firsts = vec![-7; capacity];
    let k = factorize(col, &mut codes, &mut firsts)?;
    assert!(firsts[k..].iter().all(|&f| f == -7), "first_rows past the labels untouched");
    firsts.truncate(k);
    Ok((codes, firsts))
}

#[test]
fn every_layout_matches_the_reference() {
    let mut rng = Rng::new(11);
    // Sizes inline and parallel, crossing block boundaries; few and many labels.
    for &(n, distinct, nulls, shift) in &[
        (0, 1, false, 0),
        (1, 1, true, 3),
        (100, 3, false, 0),
        (1000, 40, true, 5),
        (3 * BLOCK + 17, 18, false, 0),
        (2 * BLOCK + 1, 5000, true, 7),
    ] {
        let a = arrow(labels(&mut rng, n, distinct, nulls), shift);
        let buffers: Vec<&[u8]> = a.view_buffers.iter().map(Vec::as_slice).collect();
        let want = naive(&a.rows);
        for col in columns(&a, &buffers, shift) {
            for capacity in [n, want.1.len()] {
                let got = factorize_all(&col, capacity).unwrap();
                assert_eq!(got, want, "n={n} distinct={distinct} layout={:?}", col.layout_name());
            }
            let no_validity = Column { validity: None, ..col };
            if !nulls {
                assert_eq!(factorize_all(&no_validity, n).unwrap(), want);
            }
        }
    }
}

#[test]
fn results_are_the_same_for_every_thread_count() {
    let mut rng = Rng::new(5);
    let a = arrow(labels(&mut rng, 5 * BLOCK + 3, 300, true), 0);
    let buffers: Vec<&[u8]> = a.view_buffers.iter().map(Vec::as_slice).collect();
    let mut seen = Vec::new();
    for threads in [1, 2, 3, 8] {
        crate::pool::set_num_threads(threads).unwrap();
        for col in columns(&a, &buffers, 0) {
            seen.push(factorize_all(&col, a.rows.len()).unwrap());
        }
    }
    crate::pool::set_num_threads(0).unwrap();
    assert!(seen.windows(2).all(|w| w[0] == w[1]));
    assert_eq!(seen[0], naive(&a.rows));
}

#[test]
fn too_little_room_for_the_labels_is_an_error_and_nothing_is_written() {
    let mut rng = Rng::new(3);
    for n in [500, 3 * BLOCK] {
        let a = arrow(labels(&mut rng, n, 20, false), 0);
        let buffers: Vec<&[u8]> = a.view_buffers.iter().map(Vec::as_slice).collect();
        for col in columns(&a, &buffers, 0) {
            let (mut codes, mut firsts) = (vec![7; n], vec![-7; 19]);
            let e = factorize(&col, &mut codes, &mut firsts).unwrap_err();
            assert_eq!(e, Error::Strings(Strings::Capacity { labels: 20, capacity: 19 }));
            assert_eq!(
                e.to_string(),
                "the column has 20 distinct labels but first_rows has room for 19"
            );
            assert!(codes.iter().all(|&c| c == 7) && firsts.iter().all(|&f| f == -7));
        }
    }
}

fn error_of(col: &Column) -> String {
    let (mut codes, mut firsts) = (vec![7; col.len], vec![-7; col.len]);
    let e = factorize(col, &mut codes, &mut firsts).unwrap_err();
    assert!(codes.iter().all(|&c| c == 7) && firsts.iter().all(|&f| f == -7));
    assert_eq!(e.status(), crate::SwStatus::SW_ERROR_BAD_OFFSETS);
    e.to_string()
}

#[test]
fn offsets_that_do_not_describe_strings_are_errors() {
    let data = b"abcdef";
    let col = |offsets: &'static [i64]| Column {
        layout: Layout::LargeUtf8 { offsets, data },
        len: offsets.len() - 1,
        validity: None,
    };
    assert_eq!(error_of(&col(&[-1, 2, 3])), "string offsets[0] = -1 is negative");
    assert_eq!(
        error_of(&col(&[0, 4, 3, 5])),
        "string offsets[2] = 3 is less than offsets[1] = 4 (offsets must never decrease)"
    );
    assert_eq!(
        error_of(&col(&[0, 4, 7])),
        "string offsets[2] = 7 is past the end of the data buffer (6 bytes)"
    );
    let offsets: &[i32] = &[1, 1, 6];
    let ok = Column { layout: Layout::Utf8 { offsets, data }, len: 2, validity: None };
    assert_eq!(factorize_all(&ok, 2).unwrap(), (vec![0, 1], vec![0, 1]));
}

#[test]
fn views_that_leave_their_buffers_are_errors_on_non_null_rows_only() {
    let buf: &[u8] = b"0123456789abcdefghij";
    let buffers: &[&[u8]] = &[buf];
    let view = |len: i32, buffer: i32, offset: i32| {
        let mut v = [0u8; 16];
        v[..4].copy_from_slice(&len.to_le_bytes());
        v[8..12].copy_from_slice(&buffer.to_le_bytes());
        v[12..16].copy_from_slice(&offset.to_le_bytes());
        v
    };
    let good = view(13, 0, 7);
    for (bad, want) in [
        (view(-3, 0, 0), "the string view of row 1 has length -3"),
        (view(13, 1, 0), "the string view of row 1 names data buffer 1, but there are 1"),
        (view(13, -1, 0), "the string view of row 1 names data buffer -1, but there are 1"),
        (
            view(13, 0, 8),
            "the string view of row 1 reads 13 bytes at 8 of data buffer 0, which has 20",
        ),
        (
            view(13, 0, -1),
            "the string view of row 1 reads 13 bytes at -1 of data buffer 0, which has 20",
        ),
    ] {
        let views: Vec<u8> = [good, bad].concat();
        let col =
            Column { layout: Layout::View { views: &views, buffers }, len: 2, validity: None };
        assert_eq!(error_of(&col), want);
        let bits = [0b01u8]; // row 1 null: its view is never read
        let validity = Some(Validity { bits: &bits, offset: 0 });
        let col = Column { validity, ..col };
        assert_eq!(factorize_all(&col, 2).unwrap(), (vec![0, -1], vec![0]));
    }
}

#[test]
fn a_bad_view_far_into_a_large_column_is_found_in_parallel() {
    let n = 3 * BLOCK + 5;
    let mut views = vec![0u8; n * 16]; // empty strings
    let bad = 2 * BLOCK + 9;
    views[bad * 16..bad * 16 + 4].copy_from_slice(&(-1i32).to_le_bytes());
    views[(n - 1) * 16..(n - 1) * 16 + 4].copy_from_slice(&(-2i32).to_le_bytes());
    let col =
        Column { layout: Layout::View { views: &views, buffers: &[] }, len: n, validity: None };
    assert_eq!(error_of(&col), format!("the string view of row {bad} has length -1"));
}

impl Column<'_> {
    fn layout_name(&self) -> &'static str {
        match self.layout {
            Layout::Utf8 { .. } => "utf8",
            Layout::LargeUtf8 { .. } => "large_utf8",
            Layout::View { .. } => "utf8_view",
        }
    }
}

#[test]
#[ignore]
fn timing() {
    let mut rng = Rng::new(1);
    let names: Vec<Vec<u8>> = (0..18).map(|k| format!("Sector name {k}").into_bytes()).collect();
    let rows: Vec<Option<Vec<u8>>> =
        (0..1_010_000).map(|_| Some(names[rng.below(18)].clone())).collect();
    let a = arrow(rows, 0);
    let buffers: Vec<&[u8]> = a.view_buffers.iter().map(Vec::as_slice).collect();
    for threads in [1usize, 2]
        .into_iter()
        .take(std::env::var("TIMING_THREADS").map_or(2, |v| v.parse().unwrap()))
    {
        crate::pool::set_num_threads(threads).unwrap();
        for col in columns(&a, &buffers, 0) {
            let col = Column { validity: None, ..col };
            let mut codes = vec![0; col.len];
            let mut firsts = vec![0; col.len];
            let mut best = f64::MAX;
            for _ in 0..std::env::var("TIMING_REPS").map_or(15, |v| v.parse().unwrap()) {
                let t = std::time::Instant::now();
                factorize(&col, &mut codes, &mut firsts).unwrap();
                best = best.min(t.elapsed().as_secs_f64());
            }
            eprintln!("threads {threads} {}: {:.2} ms", col.layout_name(), best * 1e3);
        }
    }
}

#[test]
fn a_long_view_is_read_from_its_data_not_its_prefix() {
    // Found by the fuzz target: row 1's view names the same 14 bytes as row 0 but carries
    // another 4-byte prefix; a reader of the buffers sees the same string twice.
    let data: &[u8] = b"abcdefghijklmn";
    let buffers: &[&[u8]] = &[data];
    let view = |prefix: &[u8; 4]| {
        let mut v = [0u8; 16];
        v[..4].copy_from_slice(&14i32.to_le_bytes());
        v[4..8].copy_from_slice(prefix);
        v
    };
    let views: Vec<u8> = [view(b"abcd"), view(b"zzzz")].concat();
    let col = Column { layout: Layout::View { views: &views, buffers }, len: 2, validity: None };
    assert_eq!(factorize_all(&col, 2).unwrap(), (vec![0, 0], vec![0]));
}
