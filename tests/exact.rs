//! Exact sums (issue 16) against an independent exact reference: every term as a big integer
//! (its value in units of 2^-1074), summed with `num-bigint`, and rounded by Rust's decimal
//! parser (correctly rounded, ties to even) from the exact decimal expansion. Checked on
//! adversarial data (huge cancellations, 1e300 with 1e-300, subnormals, sums that cancel to zero,
//! all-negative terms, 65,536 sectors), for shuffled rows and arbitrary splits merged in any
//! order, through the chunk scan and the byte format, and against CPython's `math.fsum`.

mod common;

use common::exact_ref::{big, round_big};
use num_bigint::BigInt;
use proptest::prelude::*;
use sector_weights::internals::exact::{
    round_row, round_row_normalised, scan, Acc, BytesError, ExactError, Overflow, RowError, Stop,
    Table,
};
use sector_weights::testkit::Rng;
use sector_weights::Bad;

// ---------------------------------------------------------------------------------------------
// The reference.

/// The reference (`common/exact_ref.rs`), with the library's overflow type.
fn reference(n: &BigInt) -> Result<f64, Overflow> {
    round_big(n).map_err(|o| Overflow { negative: o.negative })
}

fn reference_sum(xs: &[f64]) -> Result<f64, Overflow> {
    reference(&xs.iter().map(|&x| big(x)).sum())
}

fn acc_of(xs: &[f64]) -> Acc {
    let mut acc = Acc::zero();
    xs.iter().for_each(|&x| acc.add(x));
    acc
}

fn bits(r: Result<f64, Overflow>) -> Result<u64, Overflow> {
    r.map(f64::to_bits)
}

// ---------------------------------------------------------------------------------------------
// Adversarial doubles.

/// Doubles of every kind a test should meet: ordinary weights, huge and tiny magnitudes, the
/// subnormal range, exact powers of two, the ends of the double range, any bit pattern.
fn double() -> impl Strategy<Value = f64> {
    let finite_bits =
        any::<u64>().prop_map(f64::from_bits).prop_filter("finite", |x| x.is_finite());
    prop_oneof![
        4 => -1.0e3..1.0e3f64,
        2 => (-1.0..1.0f64, -1074i32..=971).prop_map(|(m, e)| m * 2f64.powi(e / 2) * 2f64.powi(e - e / 2)),
        1 => (-1.0..1.0f64).prop_map(|m| m * 1e300),
        1 => (-1.0..1.0f64).prop_map(|m| m * 1e-300),
        1 => (0u64..(1 << 52), any::<bool>()).prop_map(|(f, s)| f64::from_bits(f | (s as u64) << 63)),
        1 => (-1074i32..1024, any::<bool>()).prop_map(|(e, s)| {
            let x = 2f64.powi(e / 2) * 2f64.powi(e - e / 2);
            if s { -x } else { x }
        }),
        1 => prop_oneof![Just(f64::MAX), Just(-f64::MAX), Just(0.0), Just(-0.0), Just(f64::MIN_POSITIVE)],
        2 => finite_bits,
    ]
}

/// Terms that cancel: each value and its negation (and a remainder), in a random order.
fn cancelling() -> impl Strategy<Value = Vec<f64>> {
    (prop::collection::vec(double(), 0..40), prop::collection::vec(double(), 0..3), any::<u64>())
        .prop_map(|(xs, rest, seed)| {
            let mut v: Vec<f64> = xs.iter().flat_map(|&x| [x, -x]).chain(rest).collect();
            shuffle(&mut v, seed);
            v
        })
}

fn shuffle<T>(v: &mut [T], seed: u64) {
    let mut rng = Rng::new(seed);
    for i in (1..v.len()).rev() {
        v.swap(i, rng.below(i + 1));
    }
}

/// The canonical bytes of a one-cell table holding `acc` (equal values, equal bytes).
fn canonical(acc: &Acc) -> Vec<u8> {
    let mut t = Table::new(1, 1).unwrap();
    t.cells_mut()[0] = acc.clone();
    t.to_bytes().unwrap()
}

// ---------------------------------------------------------------------------------------------
// One accumulator.

#[test]
fn python_fsum_vectors() {
    // math.fsum of each vector on CPython 3.11.7 and 3.13.0 (identical), as the result's bits:
    // python3 -c 'import math,struct; print(hex(struct.unpack("<Q", struct.pack("<d",
    //     math.fsum(V)))[0]))'
    let harmonic: Vec<f64> = (1..=1000).map(|k| 1.0 / k as f64).collect();
    let alternating: Vec<f64> =
        (0..2000).map(|k| if k % 2 == 0 { 1.0 } else { -1.0 } / (2 * k + 1) as f64).collect();
    let cases: Vec<(Vec<f64>, u64)> = vec![
        (vec![0.1; 10], 0x3ff0000000000000),
        (vec![1e100, 1.0, -1e100, 1e-100], 0x3ff0000000000000),
        (vec![0.1, 0.2, 0.3, -0.6], 0x3c80000000000000),
        (vec![1.0, 1e-16, 1e-16], 0x3ff0000000000001),
        (vec![2f64.powi(-1074), 2f64.powi(-1074), -1e-320], 0x80000000000007e6),
        (vec![1e300, 1e-300, -1e300, 3e-310, 1.5, -1.5], 0x01a56e1fc314902a),
        (vec![-0.1, -0.7, -1e-5, -3.3e10, -2.5e-12], 0xc21ebbd028033336),
        (vec![1.0, 2f64.powi(-53), 0.0], 0x3ff0000000000000),
        (vec![f64::MAX, -1e308, 5e307], 0x7fe719863d0a1baf),
        (harmonic, 0x401df11f45f4e61a),
        (alternating, 0x3fe920f52f6810df),
    ];
    for (xs, want) in cases {
        assert_eq!(bits(acc_of(&xs).round()), Ok(want), "{:?}", &xs[..xs.len().min(6)]);
        assert_eq!(bits(reference_sum(&xs)), Ok(want), "the reference agrees with fsum");
    }
    // Signed zeros: math.fsum([]) and math.fsum([-0.0]) are 0.0 on CPython 3.11.7, 3.12.1 and
    // 3.13.0 here; exact sums give +0.0 for every exact zero.
    assert_eq!(bits(acc_of(&[]).round()), Ok(0));
    assert_eq!(bits(acc_of(&[-0.0]).round()), Ok(0));
    assert_eq!(bits(acc_of(&[-0.0, -0.0]).round()), Ok(0));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(common::exact_ref::cases(400)))]

    #[test]
    fn sums_are_correctly_rounded(xs in prop::collection::vec(double(), 0..60)) {
        prop_assert_eq!(bits(acc_of(&xs).round()), bits(reference_sum(&xs)));
    }

    #[test]
    fn cancellations_are_exact(xs in cancelling()) {
        prop_assert_eq!(bits(acc_of(&xs).round()), bits(reference_sum(&xs)));
    }

    #[test]
    fn any_order_and_any_grouping_give_the_same_bits(
        xs in prop::collection::vec(double(), 0..80), seed in any::<u64>(), parts in 1usize..8,
    ) {
        let want = canonical(&acc_of(&xs));
        // Shuffled.
        let mut ys = xs.clone();
        shuffle(&mut ys, seed);
        prop_assert_eq!(canonical(&acc_of(&ys)), want.clone());
        // Split into `parts` random groups, summed apart, merged in a random order and as a
        // random tree.
        let mut rng = Rng::new(seed ^ 0x5eed);
        let mut groups = vec![Acc::zero(); parts];
        for &x in &ys {
            groups[rng.below(parts)].add(x);
        }
        while groups.len() > 1 {
            let i = rng.below(groups.len());
            let a = groups.swap_remove(i);
            let j = rng.below(groups.len());
            groups[j].merge(&a).unwrap();
        }
        prop_assert_eq!(canonical(&groups[0]), want);
        prop_assert_eq!(bits(groups[0].round()), bits(reference_sum(&xs)));
    }
}

#[test]
fn no_intermediate_overflow_and_overflow_of_the_result() {
    // math.fsum raises OverflowError("intermediate overflow in fsum") for the first two.
    let xs = [f64::MAX, f64::MAX, -f64::MAX];
    assert_eq!(acc_of(&xs).round(), Ok(f64::MAX));
    let xs = [1e308; 1000].iter().chain(&[-1e308; 999]).copied().collect::<Vec<f64>>();
    assert_eq!(acc_of(&xs).round(), Ok(1e308));
    assert_eq!(acc_of(&[f64::MAX, f64::MAX]).round(), Err(Overflow { negative: false }));
    assert_eq!(acc_of(&[-f64::MAX, -1e300 * 1e8]).round(), Err(Overflow { negative: true }));
    assert_eq!(reference_sum(&[f64::MAX, 2f64.powi(970)]), Err(Overflow { negative: false }));
}

// ---------------------------------------------------------------------------------------------
// The chunk scan.

/// Per-sector reference sums of the terms `w[i]` (times `v[i]`, rounded once) by code.
fn reference_rows(w: &[f64], v: Option<&[f64]>, c: &[usize], s: usize) -> Vec<BigInt> {
    let mut sums = vec![BigInt::from(0); s];
    for i in 0..w.len() {
        sums[c[i]] += big(v.map_or(w[i], |v| w[i] * v[i]));
    }
    sums
}

fn rounded(row: &[Acc]) -> Vec<Result<u64, Overflow>> {
    row.iter().map(|a| bits(a.round())).collect()
}

/// Weights of one of several shapes, by `kind`.
fn weights(rng: &mut Rng, n: usize, kind: usize) -> Vec<f64> {
    (0..n)
        .map(|i| match kind {
            0 => rng.unit(),
            1 => rng.weight(),
            2 => (rng.unit() - 0.5) * 2f64.powi(rng.below(120) as i32 - 60),
            3 => {
                // 1e300 and 1e-300 mixed, with cancellation.
                let x = if i % 3 == 0 { 1e300 } else { 1e-300 } * rng.unit();
                if rng.below(2) == 0 {
                    x
                } else {
                    -x
                }
            }
            4 => f64::from_bits(rng.below(1 << 20) as u64) * if i % 2 == 0 { 1.0 } else { -1.0 },
            5 => -rng.unit() * 1e6, // all negative
            6 => {
                // Exact cancellation to zero within each sector: pairs (x, -x) arranged later.
                rng.unit() * 2f64.powi(rng.below(200) as i32 - 100)
            }
            _ => {
                let x = f64::from_bits(rng.next_u64());
                if x.is_finite() {
                    x / 4.0
                } else {
                    0.0
                }
            }
        })
        .collect()
}

#[test]
fn scan_is_exact_on_adversarial_chunks_whatever_the_split_or_order() {
    let mut rng = Rng::new(11);
    for kind in 0..8 {
        for s in [1usize, 3, 18, 64, 65, 1000] {
            let n = 1 + rng.below(9000);
            let mut w = weights(&mut rng, n, kind);
            let mut c: Vec<usize> = (0..n).map(|_| rng.below(s)).collect();
            if kind == 6 {
                // Every term followed by its negation in the same sector: sums of exactly 0.
                w = w.iter().flat_map(|&x| [x, -x]).collect();
                c = c.iter().flat_map(|&k| [k, k]).collect();
            }
            let codes: Vec<i32> = c.iter().map(|&k| k as i32).collect();
            let want: Vec<_> =
                reference_rows(&w, None, &c, s).iter().map(|n| bits(reference(n))).collect();
            // Whole chunk.
            let mut row = vec![Acc::zero(); s];
            scan::<false, f64, i32>(&w, &[], &codes, &mut row).unwrap();
            assert_eq!(rounded(&row), want, "kind {kind}, {s} sectors, {n} bonds");
            if kind == 6 {
                assert!(row
                    .iter()
                    .all(|a| a.round() == Ok(0.0) && a.round().unwrap().to_bits() == 0));
            }
            // Shuffled rows, scanned in random pieces into one row, and into separate rows
            // merged in reverse.
            let mut order: Vec<usize> = (0..w.len()).collect();
            shuffle(&mut order, rng.next_u64());
            let (w2, c2): (Vec<f64>, Vec<i32>) = order.iter().map(|&i| (w[i], codes[i])).unzip();
            let mut one = vec![Acc::zero(); s];
            let mut parts = Vec::new();
            let mut at = 0;
            while at < w2.len() {
                let len = 1 + rng.below(3000);
                let r = at..(at + len).min(w2.len());
                scan::<false, f64, i32>(&w2[r.clone()], &[], &c2[r.clone()], &mut one).unwrap();
                let mut part = vec![Acc::zero(); s];
                scan::<false, f64, i32>(&w2[r.clone()], &[], &c2[r], &mut part).unwrap();
                parts.push(part);
                at += len;
            }
            assert_eq!(rounded(&one), want);
            let mut merged = vec![Acc::zero(); s];
            for part in parts.iter().rev() {
                for (m, p) in merged.iter_mut().zip(part) {
                    m.merge(p).unwrap();
                }
            }
            for k in 0..s {
                assert_eq!(canonical(&merged[k]), canonical(&row[k]), "sector {k}");
            }
        }
    }
}

#[test]
fn exposures_and_every_column_type() {
    let mut rng = Rng::new(12);
    let n = 7000;
    let s = 40;
    let w = weights(&mut rng, n, 2);
    let v = weights(&mut rng, n, 1);
    let c: Vec<usize> = (0..n).map(|_| rng.below(s)).collect();
    let want: Vec<_> =
        reference_rows(&w, Some(&v), &c, s).iter().map(|n| bits(reference(n))).collect();
    let mut row = vec![Acc::zero(); s];
    let c8: Vec<i8> = c.iter().map(|&k| k as i8).collect();
    scan::<true, f64, i8>(&w, &v, &c8, &mut row).unwrap();
    assert_eq!(rounded(&row), want);
    // float32 columns (each product of two float32 is exact in float64), uint16 and int64 codes.
    let w32: Vec<f32> = w.iter().map(|&x| x as f32).collect();
    let v32: Vec<f32> = v.iter().map(|&x| x as f32).collect();
    let (w64, v64): (Vec<f64>, Vec<f64>) =
        w32.iter().zip(&v32).map(|(&a, &b)| (a as f64, b as f64)).unzip();
    let want: Vec<_> =
        reference_rows(&w64, Some(&v64), &c, s).iter().map(|n| bits(reference(n))).collect();
    let c16: Vec<u16> = c.iter().map(|&k| k as u16).collect();
    let mut row = vec![Acc::zero(); s];
    scan::<true, f32, u16>(&w32, &v32, &c16, &mut row).unwrap();
    assert_eq!(rounded(&row), want);
    let c64: Vec<i64> = c.iter().map(|&k| k as i64).collect();
    let mut row = vec![Acc::zero(); s];
    scan::<false, f32, i64>(&w32, &[], &c64, &mut row).unwrap();
    let want: Vec<_> =
        reference_rows(&w64, None, &c, s).iter().map(|n| bits(reference(n))).collect();
    assert_eq!(rounded(&row), want);
}

#[test]
fn issuer_level_65536_sectors() {
    let mut rng = Rng::new(13);
    let s = 65_536;
    let n = 300_000;
    let w = weights(&mut rng, n, 2);
    let c: Vec<usize> = (0..n).map(|_| rng.below(s)).collect();
    let codes: Vec<u32> = c.iter().map(|&k| k as u32).collect();
    let mut row = vec![Acc::zero(); s];
    scan::<false, f64, u32>(&w, &[], &codes, &mut row).unwrap();
    let want: Vec<_> = reference_rows(&w, None, &c, s).iter().map(|n| bits(reference(n))).collect();
    assert_eq!(rounded(&row), want);
}

#[test]
fn scan_reports_the_first_bad_element_of_the_chunk() {
    let mut rng = Rng::new(14);
    let n = 10_000;
    let (w, c) = rng.data(n, 18);
    for (at, what) in [(0, 0), (4_095, 1), (9_999, 2), (2_048, 0), (7_777, 1)] {
        let (mut w, mut c) = (w.clone(), c.clone());
        let want = match what {
            0 => {
                c[at] = if at % 2 == 0 { -3 } else { 18 };
                Bad::Code(c[at] as i64)
            }
            1 => {
                w[at] = f64::INFINITY;
                Bad::Weight(f64::INFINITY)
            }
            _ => {
                w[at] = -f64::INFINITY;
                Bad::Weight(-f64::INFINITY)
            }
        };
        // A later bad element does not change which is reported.
        if at < n - 1 {
            w[n - 1] = f64::NAN;
        }
        let mut row = vec![Acc::zero(); 18];
        assert_eq!(scan::<false, f64, i32>(&w, &[], &c, &mut row), Err(Stop::Bad(at, want)));
    }
}

// ---------------------------------------------------------------------------------------------
// Tables: rounding, merging, bytes.

/// A table of `p` portfolios over `s` sectors, from random adversarial rows.
fn table(rng: &mut Rng, p: usize, s: usize, kind: usize) -> (Table, Vec<Vec<BigInt>>) {
    let mut t = Table::new(p, s).unwrap();
    let mut sums = Vec::new();
    for q in 0..p {
        let n = rng.below(500);
        let w = weights(rng, n, kind);
        let c: Vec<usize> = (0..n).map(|_| rng.below(s)).collect();
        let codes: Vec<i32> = c.iter().map(|&k| k as i32).collect();
        scan::<false, f64, i32>(&w, &[], &codes, t.row_mut(q)).unwrap();
        sums.push(reference_rows(&w, None, &c, s));
    }
    (t, sums)
}

#[test]
fn tables_round_and_normalise_like_the_reference() {
    let mut rng = Rng::new(15);
    for kind in [0, 1, 2, 4, 5] {
        let (t, sums) = table(&mut rng, 7, 13, kind);
        let mut out = vec![f64::NAN; 7 * 13];
        t.round(false, &mut out).unwrap();
        let want: Vec<u64> =
            sums.iter().flatten().map(|n| reference(n).unwrap().to_bits()).collect();
        assert_eq!(out.iter().map(|x| x.to_bits()).collect::<Vec<_>>(), want);
        // Normalised: each rounded sum over the rounded exact total of the row; the first
        // row that cannot be normalised is the error.
        let normal = t.round(true, &mut out);
        let mut want = Ok(Vec::new());
        for (q, row) in sums.iter().enumerate() {
            let total: BigInt = row.iter().sum();
            let error = |error| Err(ExactError::Row { portfolio: q, error });
            if total == BigInt::from(0) {
                want = error(RowError::ZeroTotal);
                break;
            }
            let total = reference(&total).unwrap();
            for (sector, n) in row.iter().enumerate() {
                let value = reference(n).unwrap() / total;
                if !value.is_finite() {
                    want = error(RowError::NormalisedOverflow { sector, total, value });
                    break;
                }
                want.as_mut().unwrap().push(value.to_bits());
            }
            if want.is_err() {
                break;
            }
        }
        match want {
            Err(e) => assert_eq!(normal, Err(e)),
            Ok(want) => {
                normal.unwrap();
                assert_eq!(out.iter().map(|x| x.to_bits()).collect::<Vec<_>>(), want);
            }
        }
    }
}

#[test]
fn row_errors_come_in_the_default_kernels_order() {
    let row_of = |xs: &[&[f64]]| xs.iter().map(|xs| acc_of(xs)).collect::<Vec<_>>();
    let mut out = vec![0.0; 3];
    // A sector overflows (its sign reported), though the total would not.
    let row = row_of(&[&[1.0], &[f64::MAX, f64::MAX], &[-f64::MAX, -f64::MAX]]);
    assert_eq!(
        round_row(&row, &mut out),
        Err(RowError::SumOverflow { sector: 1, negative: false })
    );
    // Each sector is finite, the total is not.
    let row = row_of(&[&[f64::MAX], &[f64::MAX], &[1.0]]);
    round_row(&row, &mut out).unwrap();
    assert_eq!(
        round_row_normalised(&row, &mut out),
        Err(RowError::TotalOverflow { negative: false })
    );
    // The sectors cancel exactly: a zero total.
    let row = row_of(&[&[1e-300, 5.0], &[-5.0], &[-1e-300]]);
    assert_eq!(round_row_normalised(&row, &mut out), Err(RowError::ZeroTotal));
    // A tiny total: the ratio overflows.
    let row = row_of(&[&[1e300], &[-1e300, 1e-300], &[]]);
    assert_eq!(
        round_row_normalised(&row, &mut out),
        Err(RowError::NormalisedOverflow { sector: 0, total: 1e-300, value: f64::INFINITY })
    );
}

#[test]
fn merging_tables_in_any_order_and_grouping_gives_the_same_bytes() {
    let mut rng = Rng::new(16);
    let parts: Vec<Table> = (0..6).map(|i| table(&mut rng, 5, 9, i % 5).0).collect();
    let mut left = parts[0].clone();
    for p in &parts[1..] {
        left.merge(p).unwrap();
    }
    let mut right = parts[5].clone();
    for p in parts[..5].iter().rev() {
        right.merge(p).unwrap();
    }
    let mut pairs: Vec<Table> = parts
        .chunks(2)
        .map(|c| {
            let mut t = c[0].clone();
            t.merge(&c[1]).unwrap();
            t
        })
        .collect();
    let mut tree = pairs.pop().unwrap();
    tree.merge(&pairs.pop().unwrap()).unwrap();
    tree.merge(&pairs.pop().unwrap()).unwrap();
    let bytes = left.to_bytes().unwrap();
    assert_eq!(right.to_bytes().unwrap(), bytes);
    assert_eq!(tree.to_bytes().unwrap(), bytes);
    // Through bytes: saved, read back, merged.
    let mut via = Table::from_bytes(&parts[0].to_bytes().unwrap()).unwrap();
    for p in &parts[1..] {
        via.merge(&Table::from_bytes(&p.to_bytes().unwrap()).unwrap()).unwrap();
    }
    assert_eq!(via.to_bytes().unwrap(), bytes);
    // Shapes must agree; a failed merge changes nothing.
    let other = Table::new(5, 8).unwrap();
    let before = left.clone();
    assert_eq!(left.merge(&other), Err(ExactError::ShapeMismatch { left: (5, 9), right: (5, 8) }));
    assert_eq!(left, before);
}

#[test]
fn bytes_round_trip_and_reject_every_truncation_and_corruption() {
    let mut rng = Rng::new(17);
    let (t, _) = table(&mut rng, 3, 5, 3);
    let bytes = t.to_bytes().unwrap();
    assert_eq!(Table::from_bytes(&bytes).unwrap(), t);
    assert_eq!(Table::from_bytes(&bytes).unwrap().to_bytes().unwrap(), bytes);
    for len in 0..bytes.len() {
        let e = Table::from_bytes(&bytes[..len]).unwrap_err();
        assert!(
            matches!(e, ExactError::Bytes(BytesError::NotAPartial | BytesError::Truncated { .. })),
            "{len}: {e}"
        );
    }
    let mut longer = bytes.clone();
    longer.push(0);
    assert!(matches!(
        Table::from_bytes(&longer),
        Err(ExactError::Bytes(BytesError::TrailingBytes { .. }))
    ));
    for i in 0..bytes.len() {
        for flip in [0x01u8, 0x80, 0xff] {
            let mut bad = bytes.clone();
            bad[i] ^= flip;
            let e = Table::from_bytes(&bad).unwrap_err();
            let want_kind = match i {
                0..=7 => matches!(e, ExactError::Bytes(BytesError::NotAPartial)),
                8..=9 => matches!(e, ExactError::Bytes(BytesError::Version { .. })),
                10..=11 => matches!(e, ExactError::Bytes(BytesError::Flags { .. })),
                28..=35 => matches!(
                    e,
                    ExactError::Bytes(
                        BytesError::Truncated { .. } | BytesError::TrailingBytes { .. }
                    )
                ),
                _ => matches!(e, ExactError::Bytes(BytesError::Checksum { .. })),
            };
            assert!(want_kind, "byte {i} ^ {flip:#x}: {e}");
        }
    }
    // Messages say what is wrong.
    let e = Table::from_bytes(b"PK\x03\x04 a zip file").unwrap_err();
    assert_eq!(e.to_string(), "not a saved partial result of sector-weights");
    assert_eq!(e.status_name(), "SW_ERROR_BAD_PARTIAL");
    let mut v2 = bytes.clone();
    v2[8] = 2;
    assert_eq!(
        Table::from_bytes(&v2).unwrap_err().to_string(),
        "saved partial result of format version 2; this library reads version 1"
    );
}

/// `bytes` with its checksum recomputed (a buffer that is consistent but not canonical).
fn with_crc(mut bytes: Vec<u8>) -> Vec<u8> {
    let n = bytes.len() - 4;
    let crc = crc32(&bytes[..n]);
    bytes[n..].copy_from_slice(&crc.to_le_bytes());
    bytes
}

/// A plain bitwise CRC-32 (IEEE), independent of the library's.
fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xedb8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

#[test]
fn checksummed_but_inconsistent_buffers_are_refused() {
    assert_eq!(crc32(b"123456789"), 0xcbf4_3926);
    let mut t = Table::new(1, 2).unwrap();
    t.cells_mut()[0].add(3.0);
    let bytes = t.to_bytes().unwrap();
    assert_eq!(with_crc(bytes.clone()), bytes, "the test's CRC is the format's");
    let cell = 36; // the first cell, after the header: shift (2), len (2), bytes
    let edit = |f: &dyn Fn(&mut Vec<u8>)| {
        let mut b = bytes.clone();
        f(&mut b);
        Table::from_bytes(&with_crc(b)).unwrap_err()
    };
    let cell_error = |e: ExactError| match e {
        ExactError::Bytes(BytesError::Cell { what, .. }) => what,
        other => panic!("{other}"),
    };
    // An even odd part, a zero with a shift, a value past the capacity.
    assert!(cell_error(edit(&|b| b[cell + 4] = 6)).contains("even"));
    assert!(cell_error(edit(&|b| {
        let z = cell + 4 + usize::from(b[cell + 2]);
        b[z] = 7; // the zero cell's shift
    }))
    .contains("zero"));
    assert!(cell_error(edit(&|b| b[cell + 1] = 0x40)).contains("capacity"));
    // More portfolios than the cells' bytes can hold: refused before allocating.
    let e = edit(&|b| b[12..20].copy_from_slice(&u64::MAX.to_le_bytes()));
    assert!(matches!(e, ExactError::Bytes(BytesError::Shape { .. })), "{e}");
    let e = edit(&|b| b[12] = 2); // 2 x 2 cells claimed, 1 x 2 stored
    assert!(
        matches!(e, ExactError::Bytes(BytesError::Cell { .. } | BytesError::Shape { .. })),
        "{e}"
    );
    // A redundant sign byte: the same value, not canonical.
    let e = edit(&|b| {
        let len = u16::from_le_bytes([b[cell + 2], b[cell + 3]]);
        b[cell + 2..cell + 4].copy_from_slice(&(len + 1).to_le_bytes());
        b.insert(cell + 4 + usize::from(len), 0);
        let cells = u64::from_le_bytes(b[28..36].try_into().unwrap()) + 1;
        b[28..36].copy_from_slice(&cells.to_le_bytes());
    });
    assert!(cell_error(e).contains("redundant"));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(common::exact_ref::cases(300)))]

    /// Arbitrary bytes, and valid buffers with arbitrary edits: an error or a table, never a
    /// panic; a table only when the checksum matches.
    #[test]
    fn from_bytes_never_panics(
        junk in prop::collection::vec(any::<u8>(), 0..200),
        edits in prop::collection::vec((any::<usize>(), any::<u8>()), 0..4),
        fix_crc in any::<bool>(), seed in any::<u64>(),
    ) {
        let _ = Table::from_bytes(&junk);
        let mut rng = Rng::new(seed);
        let (t, _) = table(&mut rng, 2, 3, (seed % 8) as usize);
        let mut bytes = t.to_bytes().unwrap();
        for (at, x) in edits {
            let i = at % bytes.len();
            bytes[i] = x;
        }
        if fix_crc {
            bytes = with_crc(bytes);
        }
        if let Ok(read) = Table::from_bytes(&bytes) {
            // Whatever it read is a consistent table: it saves to the same bytes.
            prop_assert_eq!(read.to_bytes().unwrap(), bytes);
        }
    }
}
