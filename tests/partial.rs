//! Partial results (issue 16 §2) through the public API (`sector_weights::Partial`) and the C
//! ABI (`sw_partial_*`): rows split at random into parts, each part's partial built from its
//! rows (in any order, every column type), merged in random orders and trees — always the bytes
//! of one partial of all the rows, and results equal to an independent exact reference (every
//! term a big integer, summed, rounded by Rust's correctly rounded decimal parser). Saved bytes
//! round trip; every truncation and single-byte corruption, and foreign buffers, are errors.

mod common;

use std::ptr;

use common::exact_ref::{exact_cells, rounded_rows};
use common::{last_error, Rng};
use num_bigint::BigInt;
use sector_weights::ffi::{self, SwColumn, SwPartial, SW_FLOAT64, SW_INT32, SW_NORMALIZE};
use sector_weights::{grouped_sums, Codes, Error, Floats, Partial, SwStatus};

// ---------------------------------------------------------------------------------------------
// The exact reference (tests/common/exact_ref.rs, shared with tests/exact.rs and exact_api.rs).

/// The reference sums per cell `p * s + k` of terms `w[i]` (times `v[i]`, rounded once).
fn reference(rows: &Rows) -> Vec<BigInt> {
    let terms = (0..rows.w.len()).map(|i| {
        let t = rows.v.as_ref().map_or(rows.w[i], |v| rows.w[i] * v[i]);
        (rows.port[i] as usize * rows.s + rows.sect[i] as usize, t)
    });
    exact_cells(rows.p * rows.s, terms)
}

/// The reference result: each cell rounded, or normalised `fl(round(S_k) / round(T))`; `None`
/// where the library must fail (overflow, or a zero total to normalise by).
fn reference_result(sums: &[BigInt], s: usize, normalize: bool) -> Option<Vec<u64>> {
    rounded_rows(sums, s, normalize).map(|r| r.iter().map(|x| x.to_bits()).collect())
}

// ---------------------------------------------------------------------------------------------
// Data.

/// A holdings table: rows that name their portfolio, in any order.
#[derive(Debug, Clone)]
struct Rows {
    w: Vec<f64>,
    v: Option<Vec<f64>>,
    sect: Vec<i32>,
    port: Vec<u32>,
    p: usize,
    s: usize,
}

impl Rows {
    fn subset(&self, idx: &[usize]) -> Rows {
        Rows {
            w: idx.iter().map(|&i| self.w[i]).collect(),
            v: self.v.as_ref().map(|v| idx.iter().map(|&i| v[i]).collect()),
            sect: idx.iter().map(|&i| self.sect[i]).collect(),
            port: idx.iter().map(|&i| self.port[i]).collect(),
            ..*self
        }
    }

    fn partial(&self) -> Result<Partial, Error> {
        let v = self.v.as_deref().map(Floats::F64);
        let (w, c, p) = (Floats::F64(&self.w), Codes::I32(&self.sect), Codes::U32(&self.port));
        Partial::from_grouped(w, v, c, self.s, p, self.p)
    }
}

/// A weight of one of several shapes, by `kind`: ordinary, tiny and huge mixed, subnormal,
/// 1e300 with 1e-300, any bit pattern.
fn weight(rng: &mut Rng, i: usize, kind: usize) -> f64 {
    let sign = if rng.below(2) == 0 { 1.0 } else { -1.0 };
    match kind {
        0 => rng.weight(),
        1 => sign * rng.unit() * 2f64.powi(rng.below(120) as i32 - 60),
        2 => sign * if i % 3 == 0 { 1e300 } else { 1e-300 } * rng.unit(),
        3 => sign * f64::from_bits(rng.below(1 << 20) as u64),
        4 => -rng.unit() * 1e6,
        _ => {
            let x = f64::from_bits(rng.next_u64());
            if x.is_finite() {
                x / 64.0
            } else {
                0.0
            }
        }
    }
}

fn rows(rng: &mut Rng, n: usize, p: usize, s: usize, kind: usize, values: bool) -> Rows {
    let w = (0..n).map(|i| weight(rng, i, kind)).collect();
    let v = values.then(|| (0..n).map(|_| rng.unit() * 10.0 - 2.0).collect());
    let sect = (0..n).map(|_| rng.below(s) as i32).collect();
    let port = (0..n).map(|_| rng.below(p) as u32).collect();
    let mut r = Rows { w, v, sect, port, p, s };
    if kind == 2 {
        // Sums that cancel exactly: every term again, negated.
        let all: Vec<usize> = (0..n).collect();
        let mut neg = r.subset(&all);
        neg.w.iter_mut().for_each(|x| *x = -*x);
        r.w.extend(neg.w);
        r.sect.extend(neg.sect);
        r.port.extend(neg.port);
        if let (Some(v), Some(nv)) = (&mut r.v, neg.v) {
            v.extend(nv);
        }
    }
    r
}

fn shuffle<T>(v: &mut [T], rng: &mut Rng) {
    for i in (1..v.len()).rev() {
        v.swap(i, rng.below(i + 1));
    }
}

/// The rows split at random into `k` parts (each in a random order).
fn split(rows: &Rows, k: usize, rng: &mut Rng) -> Vec<Rows> {
    let mut parts = vec![Vec::new(); k];
    for i in 0..rows.w.len() {
        parts[rng.below(k)].push(i);
    }
    parts.iter_mut().for_each(|idx| shuffle(idx, rng));
    parts.iter().map(|idx| rows.subset(idx)).collect()
}

/// The partials merged in a random order, one after another.
fn merge_in_order(parts: &[Partial], rng: &mut Rng) -> Partial {
    let mut order: Vec<usize> = (0..parts.len()).collect();
    shuffle(&mut order, rng);
    let mut acc = parts[order[0]].clone();
    for &j in &order[1..] {
        acc = if rng.below(2) == 0 { acc.merge(&parts[j]) } else { parts[j].merge(&acc) }.unwrap();
    }
    acc
}

/// The partials merged along a random tree.
fn merge_tree(parts: &[Partial], rng: &mut Rng) -> Partial {
    let mut pool: Vec<Partial> = parts.to_vec();
    while pool.len() > 1 {
        let a = pool.swap_remove(rng.below(pool.len()));
        let b = pool.swap_remove(rng.below(pool.len()));
        pool.push(a.merge(&b).unwrap());
    }
    pool.pop().unwrap()
}

fn bits_of(r: sector_weights::Result<Vec<f64>>) -> Option<Vec<u64>> {
    r.ok().map(|v| v.iter().map(|x| x.to_bits()).collect())
}

// ---------------------------------------------------------------------------------------------
// Splits and merges.

/// Checks that every split and merge of `rows` gives one partial's bytes and the reference.
fn check_splits(rows: &Rows, rng: &mut Rng, rounds: usize) {
    let whole = rows.partial().unwrap();
    let bytes = whole.to_bytes().unwrap();
    let sums = reference(rows);
    for normalize in [false, true] {
        let want = reference_result(&sums, rows.s, normalize);
        assert_eq!(bits_of(whole.result(normalize)), want, "normalize {normalize}");
    }
    for _ in 0..rounds {
        let k = 1 + rng.below(9);
        let parts: Vec<Partial> =
            split(rows, k, rng).iter().map(|r| r.partial().unwrap()).collect();
        assert_eq!(merge_in_order(&parts, rng).to_bytes().unwrap(), bytes, "{k} parts, in order");
        let tree = merge_tree(&parts, rng);
        assert_eq!(tree.to_bytes().unwrap(), bytes, "{k} parts, a tree");
        assert_eq!(bits_of(tree.result(true)), bits_of(whole.result(true)));
    }
}

#[test]
fn any_split_merged_in_any_order_or_tree_is_one_partial_of_all_rows() {
    let mut rng = Rng::new(16);
    for kind in 0..6 {
        for values in [false, true] {
            let rows = rows(&mut rng, 1500, 4, 7, kind, values);
            check_splits(&rows, &mut rng, 6);
        }
    }
}

#[test]
fn large_tables_many_chunks_and_issuer_level_sectors() {
    let mut rng = Rng::new(7);
    // More rows than a chunk (65,536); more cells than the scan's lanes (1,024) and than a
    // chunk's rows (so a chunk is as long as the table has cells); 65,536 sectors.
    for (n, p, s) in [(150_000, 3, 18), (20_000, 40, 50), (30_000, 300, 300), (40_000, 1, 65_536)] {
        let rows = rows(&mut rng, n, p, s, 1, false);
        check_splits(&rows, &mut rng, 2);
    }
}

#[test]
fn every_column_type_and_the_ragged_layout_give_the_same_partial() {
    let mut rng = Rng::new(3);
    let mut r = rows(&mut rng, 3000, 5, 9, 1, true);
    // Sorted by portfolio, the rows are also a ragged layout.
    let mut idx: Vec<usize> = (0..r.w.len()).collect();
    idx.sort_by_key(|&i| r.port[i]);
    r = r.subset(&idx);
    // Weights and values that float32 holds exactly, so both types sum the same terms.
    r.w.iter_mut().for_each(|x| *x = *x as f32 as f64);
    r.v.iter_mut().flatten().for_each(|x| *x = *x as f32 as f64);
    let want = r.partial().unwrap().to_bytes().unwrap();
    let (w32, v32): (Vec<f32>, Vec<f32>) = (
        r.w.iter().map(|&x| x as f32).collect(),
        r.v.iter().flatten().map(|&x| x as f32).collect(),
    );
    let (s8, p16): (Vec<i8>, Vec<i16>) =
        (r.sect.iter().map(|&x| x as i8).collect(), r.port.iter().map(|&x| x as i16).collect());
    let (s64, p64): (Vec<i64>, Vec<u8>) =
        (r.sect.iter().map(|&x| x as i64).collect(), r.port.iter().map(|&x| x as u8).collect());
    let typed = [
        Partial::from_grouped(
            Floats::F32(&w32),
            Some(Floats::F32(&v32)),
            Codes::I8(&s8),
            9,
            Codes::I16(&p16),
            5,
        ),
        Partial::from_grouped(
            Floats::F32(&w32),
            Some(Floats::F32(&v32)),
            Codes::I64(&s64),
            9,
            Codes::U8(&p64),
            5,
        ),
    ];
    for t in typed {
        assert_eq!(t.unwrap().to_bytes().unwrap(), want);
    }
    let mut offsets = vec![0i64];
    for q in 0..5 {
        offsets.push(offsets[q] + r.port.iter().filter(|&&x| x as usize == q).count() as i64);
    }
    let v = r.v.as_deref().map(Floats::F64);
    let ragged = Partial::from_ragged(Floats::F64(&r.w), v, Codes::I32(&r.sect), 9, &offsets);
    assert_eq!(ragged.unwrap().to_bytes().unwrap(), want);
}

#[test]
fn results_equal_fsum_vectors() {
    // math.fsum on CPython 3.11: fsum([0.1]*10) == 1.0; fsum([1e100, 1.0, -1e100, 1e-100]) == 1.0
    // (the first would be 0.9999999999999999 summed in order, the second 1e-100).
    let w = [0.1; 10].iter().chain(&[1e100, 1.0, -1e100, 1e-100]).copied().collect::<Vec<f64>>();
    let sect: Vec<i32> = (0..14).map(|i| i32::from(i >= 10)).collect();
    let port = vec![0u32; 14];
    let r = Rows { w, v: None, sect, port, p: 1, s: 2 };
    assert_eq!(r.partial().unwrap().result(false).unwrap(), [1.0, 1.0]);
    assert_eq!(r.partial().unwrap().result(true).unwrap(), [0.5, 0.5]);
}

#[test]
fn empty_partials_and_partial_sums_beyond_the_doubles() {
    let empty = Rows { w: vec![], v: None, sect: vec![], port: vec![], p: 2, s: 3 };
    let e = empty.partial().unwrap();
    assert_eq!(e.result(false).unwrap(), [0.0; 6]);
    assert_eq!(e.result(true).unwrap_err().status(), SwStatus::SW_ERROR_ZERO_TOTAL);
    // One part sums beyond the doubles, the other brings it back: no intermediate overflow.
    let big =
        Rows { w: vec![f64::MAX, f64::MAX], sect: vec![0, 0], port: vec![1, 1], ..empty.clone() };
    let back = Rows { w: vec![-f64::MAX, 1.0], sect: vec![0, 1], port: vec![1, 1], ..empty };
    let (a, b) = (big.partial().unwrap(), back.partial().unwrap());
    let err = a.result(false).unwrap_err();
    assert_eq!(err.status(), SwStatus::SW_ERROR_NON_FINITE);
    assert_eq!(err.to_string(), "the sum of sector 0 of portfolio 1 overflows (inf)");
    let saved = Partial::from_bytes(&a.to_bytes().unwrap()).unwrap();
    assert_eq!(
        saved.merge(&b).unwrap().result(false).unwrap(),
        [0.0, 0.0, 0.0, f64::MAX, 1.0, 0.0]
    );
    assert_eq!(e.merge(&e).unwrap().to_bytes().unwrap(), e.to_bytes().unwrap());
}

// ---------------------------------------------------------------------------------------------
// Errors.

#[test]
fn bad_rows_are_the_errors_grouped_sums_reports() {
    let mut rng = Rng::new(5);
    let base = rows(&mut rng, 200_000, 4, 6, 0, true);
    type Edit = fn(&mut Rows, usize);
    let edits: [(&str, Edit); 5] = [
        ("portfolio", |r, i| r.port[i] = 4),
        ("sector", |r, i| r.sect[i] = -1),
        ("weight", |r, i| r.w[i] = f64::NAN),
        ("value", |r, i| r.v.as_mut().unwrap()[i] = f64::INFINITY),
        ("product", |r, i| (r.w[i], r.v.as_mut().unwrap()[i]) = (1e300, -1e300)),
    ];
    for (what, edit) in edits {
        for at in [0, 70_000, 199_999] {
            let mut r = base.clone();
            edit(&mut r, at);
            edit(&mut r, 150_000); // a later bad row is not the one reported
            let got = r.partial().unwrap_err();
            let v = r.v.as_deref().map(Floats::F64);
            let (w, c, p) = (Floats::F64(&r.w), Codes::I32(&r.sect), Codes::U32(&r.port));
            let want = grouped_sums(w, v, c, r.s, p, r.p, false).unwrap_err();
            assert_eq!(
                (got.status(), got.to_string()),
                (want.status(), want.to_string()),
                "{what} at {at}"
            );
        }
    }
}

#[test]
fn ragged_errors_name_the_bond_and_portfolio() {
    let (w, s) = (vec![1.0, 2.0, 3.0, f64::NAN], vec![0, 1, 0, 1]);
    let e =
        Partial::from_ragged(Floats::F64(&w), None, Codes::I32(&s), 2, &[0, 1, 1, 4]).unwrap_err();
    assert_eq!(e.to_string(), "weight NaN at bond 2 of portfolio 2 is not finite");
    let e = Partial::from_ragged(Floats::F64(&w), None, Codes::I32(&s), 2, &[0, 5]).unwrap_err();
    assert_eq!(e.status(), SwStatus::SW_ERROR_BAD_OFFSETS);
    let e = Partial::from_ragged(Floats::F64(&w[..3]), None, Codes::I32(&s[..3]), 0, &[0, 3])
        .unwrap_err();
    assert_eq!(e.status(), SwStatus::SW_ERROR_INVALID_ARGUMENT);
}

#[test]
fn partials_of_different_shapes_do_not_merge() {
    let mut rng = Rng::new(1);
    let a = rows(&mut rng, 10, 2, 3, 0, false).partial().unwrap();
    let b = rows(&mut rng, 10, 3, 2, 0, false).partial().unwrap();
    let e = a.merge(&b).unwrap_err();
    assert_eq!(e.status(), SwStatus::SW_ERROR_LENGTH_MISMATCH);
    assert_eq!(
        e.to_string(),
        "cannot merge partial results of 2 portfolios x 3 sectors with 3 x 2"
    );
}

// ---------------------------------------------------------------------------------------------
// Bytes.

#[test]
fn every_truncation_and_single_byte_corruption_is_an_error() {
    let mut rng = Rng::new(9);
    let r = rows(&mut rng, 40, 2, 3, 1, false);
    let bytes = r.partial().unwrap().to_bytes().unwrap();
    let back = Partial::from_bytes(&bytes).unwrap();
    assert_eq!(back.to_bytes().unwrap(), bytes);
    assert_eq!(bits_of(back.result(false)), bits_of(r.partial().unwrap().result(false)));
    let bad = |b: &[u8]| Partial::from_bytes(b).unwrap_err().status();
    for len in 0..bytes.len() {
        assert_eq!(bad(&bytes[..len]), SwStatus::SW_ERROR_BAD_PARTIAL, "{len} bytes");
    }
    let mut longer = bytes.clone();
    longer.push(0);
    assert_eq!(bad(&longer), SwStatus::SW_ERROR_BAD_PARTIAL);
    for i in 0..bytes.len() {
        for x in 1..=255u8 {
            let mut b = bytes.clone();
            b[i] ^= x;
            assert_eq!(bad(&b), SwStatus::SW_ERROR_BAD_PARTIAL, "byte {i} ^ {x:#x}");
        }
    }
}

#[test]
fn foreign_buffers_are_errors() {
    let mut rng = Rng::new(11);
    let mut foreign: Vec<Vec<u8>> = vec![
        vec![],
        b"SWEXACT\0".to_vec(),
        b"PK\x03\x04 a zip archive".to_vec(),
        b"\x89PNG\r\n\x1a\n".to_vec(),
        vec![0; 100],
        vec![0xff; 100],
    ];
    foreign.extend((0..200).map(|n| (0..n).map(|_| rng.next_u64() as u8).collect()));
    // This library's magic and version, random rest.
    foreign.extend((0..200).map(|n| {
        let mut b = b"SWEXACT\0\x01\0\0\0".to_vec();
        b.extend((0..n).map(|_| rng.next_u64() as u8));
        b
    }));
    for b in &foreign {
        let e = Partial::from_bytes(b).unwrap_err();
        assert_eq!(e.status(), SwStatus::SW_ERROR_BAD_PARTIAL, "{b:?}: {e}");
    }
    assert_eq!(
        Partial::from_bytes(b"PK\x03\x04").unwrap_err().to_string(),
        "not a saved partial result of sector-weights"
    );
}

// ---------------------------------------------------------------------------------------------
// The C ABI.

fn column<T>(data: &[T], dtype: i32) -> SwColumn {
    SwColumn { data: data.as_ptr().cast(), len: data.len(), dtype }
}

/// A partial made through the C ABI from grouped rows (float64 weights, int32 codes).
fn c_partial(
    w: &[f64], s: &[i32], num_sectors: usize, p: &[i32], num_portfolios: usize,
) -> *mut SwPartial {
    let (cw, cs, cp) = (column(w, SW_FLOAT64), column(s, SW_INT32), column(p, SW_INT32));
    let mut out = ptr::null_mut();
    // SAFETY: the columns describe live slices; out is a valid pointer to write.
    let st = unsafe {
        ffi::sw_partial_from_rows(
            &cw,
            ptr::null(),
            &cs,
            num_sectors,
            &cp,
            num_portfolios,
            0,
            &mut out,
        )
    };
    assert_eq!(st, SwStatus::SW_OK, "{}", last_error());
    out
}

#[test]
fn c_abi_round_trip_and_size_query() {
    let a = c_partial(&[0.5, 0.25, 0.25], &[0, 1, 1], 2, &[0, 0, 1], 2);
    let b = c_partial(&[1.0], &[0], 2, &[1], 2);
    // SAFETY (every block below): live handles from this test, buffers of the stated lengths.
    unsafe {
        let mut m = ptr::null_mut();
        assert_eq!(ffi::sw_partial_merge(a, b, &mut m), SwStatus::SW_OK);
        let (mut np, mut ns) = (0usize, 0usize);
        assert_eq!(ffi::sw_partial_shape(m, &mut np, &mut ns), SwStatus::SW_OK);
        assert_eq!((np, ns), (2, 2));
        let mut needed = 0usize;
        assert_eq!(ffi::sw_partial_to_bytes(m, ptr::null_mut(), 0, &mut needed), SwStatus::SW_OK);
        assert!(needed > 40);
        // Too small: an error, nothing written.
        let mut small = vec![7u8; needed - 1];
        let mut n2 = 99usize;
        let st = ffi::sw_partial_to_bytes(m, small.as_mut_ptr(), small.len(), &mut n2);
        assert_eq!((st, n2), (SwStatus::SW_ERROR_LENGTH_MISMATCH, 99));
        assert!(small.iter().all(|&x| x == 7));
        assert!(last_error()
            .starts_with(&format!("buf has {} elements but must have {needed}", needed - 1)));
        let mut buf = vec![0u8; needed + 8];
        let st = ffi::sw_partial_to_bytes(m, buf.as_mut_ptr(), buf.len(), &mut n2);
        assert_eq!((st, n2), (SwStatus::SW_OK, needed));
        let mut c = ptr::null_mut();
        assert_eq!(ffi::sw_partial_from_bytes(buf.as_ptr(), needed, &mut c), SwStatus::SW_OK);
        let mut out = [0.0; 4];
        assert_eq!(ffi::sw_partial_result(c, SW_NORMALIZE, out.as_mut_ptr(), 4), SwStatus::SW_OK);
        assert_eq!(out, [2.0 / 3.0, 1.0 / 3.0, 0.8, 0.2]);
        for h in [a, b, m, c, ptr::null_mut()] {
            ffi::sw_partial_free(h);
        }
    }
}

#[test]
fn c_abi_errors_leave_the_outputs_as_they_were() {
    let a = c_partial(&[0.5, 0.25, 0.25], &[0, 1, 1], 2, &[0, 0, 1], 2);
    // SAFETY (every block below): live handles from this test, buffers of the stated lengths.
    unsafe {
        let mut needed = 0usize;
        assert_eq!(ffi::sw_partial_to_bytes(a, ptr::null_mut(), 0, &mut needed), SwStatus::SW_OK);
        let mut buf = vec![0u8; needed];
        assert_eq!(
            ffi::sw_partial_to_bytes(a, buf.as_mut_ptr(), needed, ptr::null_mut()),
            SwStatus::SW_OK
        );
        let mut kept = [9.0; 4];
        assert_eq!(
            ffi::sw_partial_result(a, 4, kept.as_mut_ptr(), 4),
            SwStatus::SW_ERROR_INVALID_ARGUMENT
        );
        assert_eq!(
            ffi::sw_partial_result(a, 0, kept.as_mut_ptr(), 3),
            SwStatus::SW_ERROR_LENGTH_MISMATCH
        );
        assert_eq!(kept, [9.0; 4]);
        let mut untouched = a;
        assert_eq!(
            ffi::sw_partial_from_bytes(buf.as_ptr(), needed - 1, &mut untouched),
            SwStatus::SW_ERROR_BAD_PARTIAL
        );
        assert_eq!(untouched, a);
        assert_eq!(
            ffi::sw_partial_merge(a, ptr::null(), &mut untouched),
            SwStatus::SW_ERROR_NULL_POINTER
        );
        assert_eq!(last_error(), "b is NULL but must point to a partial result (SwPartial)");
        assert_eq!(untouched, a);
        let other = c_partial(&[1.0], &[0], 3, &[0], 1);
        assert_eq!(
            ffi::sw_partial_merge(a, other, &mut untouched),
            SwStatus::SW_ERROR_LENGTH_MISMATCH
        );
        assert_eq!(untouched, a);
        for h in [a, other] {
            ffi::sw_partial_free(h);
        }
    }
}

#[test]
fn c_abi_bad_arguments() {
    let (w, s, p) = ([1.0f64, 2.0], [0i32, 1], [0i32, 5]);
    let (cw, cs, cp) = (column(&w, SW_FLOAT64), column(&s, SW_INT32), column(&p, SW_INT32));
    let mut out = ptr::null_mut();
    // SAFETY (every block below): live columns and outputs; NULL where the test says so.
    unsafe {
        let st = ffi::sw_partial_from_rows(&cw, ptr::null(), &cs, 2, &cp, 2, 0, &mut out);
        assert_eq!(st, SwStatus::SW_ERROR_SECTOR_OUT_OF_RANGE);
        assert_eq!(last_error(), "portfolio code 5 at row 1 is outside 0..2");
        assert!(out.is_null());
        let st = ffi::sw_partial_from_rows(&cw, ptr::null(), &cs, 2, &cp, 6, 1, &mut out);
        assert_eq!(st, SwStatus::SW_ERROR_INVALID_ARGUMENT);
        let st = ffi::sw_partial_from_rows(&cw, ptr::null(), &cs, 2, ptr::null(), 6, 0, &mut out);
        assert_eq!(st, SwStatus::SW_ERROR_NULL_POINTER);
        let st = ffi::sw_partial_from_rows(&cw, ptr::null(), &cs, 2, &cp, 6, 0, ptr::null_mut());
        assert_eq!(st, SwStatus::SW_ERROR_NULL_POINTER);
        let offsets = [0i64, 1, 2];
        let st =
            ffi::sw_partial_from_ragged(&cw, ptr::null(), &cs, 2, offsets.as_ptr(), 3, 0, &mut out);
        assert_eq!(st, SwStatus::SW_OK);
        let mut r = [0.0; 4];
        assert_eq!(ffi::sw_partial_result(out, 0, r.as_mut_ptr(), 4), SwStatus::SW_OK);
        assert_eq!(r, [1.0, 0.0, 0.0, 2.0]);
        assert_eq!(
            ffi::sw_partial_result(ptr::null(), 0, r.as_mut_ptr(), 4),
            SwStatus::SW_ERROR_NULL_POINTER
        );
        assert_eq!(
            ffi::sw_partial_to_bytes(out, ptr::null_mut(), 5, ptr::null_mut()),
            SwStatus::SW_ERROR_NULL_POINTER
        );
        let mut n = 0;
        assert_eq!(
            ffi::sw_partial_shape(out, &mut n, ptr::null_mut()),
            SwStatus::SW_ERROR_NULL_POINTER
        );
        ffi::sw_partial_free(out);
        let name =
            std::ffi::CStr::from_ptr(ffi::sw_status_name(SwStatus::SW_ERROR_BAD_PARTIAL as i32));
        assert_eq!(name.to_str().unwrap(), "SW_ERROR_BAD_PARTIAL");
    }
}
