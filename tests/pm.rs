//! Portfolio-manager features through the C ABI: targets and tolerance bands, order lists.

mod common;

use common::{last_error, Rng};
use proptest::prelude::*;
use sector_weights::ffi::*;
use sector_weights::SwStatus::{self, *};
use std::ptr::{null, null_mut};

struct Book {
    pv: Vec<f64>,
    ps: Vec<i32>,
    po: Vec<i64>,
    ov: Vec<f64>,
    os: Vec<i32>,
    oo: Vec<i64>,
    s: usize,
}

struct Eval {
    status: SwStatus,
    before: Vec<f64>,
    orders: Vec<f64>,
    after: Vec<f64>,
    active: Vec<f64>,
    breaches: Vec<u8>,
}

const SENTINEL: f64 = 777.0;

fn evaluate(b: &Book, targets: &[f64], tolerance: &[f64]) -> Eval {
    let cells = (b.po.len().max(1) - 1) * b.s;
    let with = if targets.is_empty() { 0 } else { cells };
    let mut e = Eval {
        status: SW_OK,
        before: vec![SENTINEL; cells],
        orders: vec![SENTINEL; cells],
        after: vec![SENTINEL; cells],
        active: vec![SENTINEL; with],
        breaches: vec![7; with],
    };
    // SAFETY: every pointer is valid for the length passed with it.
    e.status = unsafe {
        sw_evaluate_orders(
            b.pv.as_ptr(),
            b.pv.len(),
            b.ps.as_ptr(),
            b.ps.len(),
            b.po.as_ptr(),
            b.po.len(),
            b.ov.as_ptr(),
            b.ov.len(),
            b.os.as_ptr(),
            b.os.len(),
            b.oo.as_ptr(),
            b.oo.len(),
            b.s,
            targets.as_ptr(),
            targets.len(),
            tolerance.as_ptr(),
            tolerance.len(),
            e.before.as_mut_ptr(),
            cells,
            e.orders.as_mut_ptr(),
            cells,
            e.after.as_mut_ptr(),
            cells,
            e.active.as_mut_ptr(),
            with,
            e.breaches.as_mut_ptr(),
            with,
        )
    };
    e
}

fn untouched(e: &Eval) -> bool {
    e.before.iter().chain(&e.orders).chain(&e.after).chain(&e.active).all(|&x| x == SENTINEL)
        && e.breaches.iter().all(|&b| b == 7)
}

fn small_book() -> Book {
    // Portfolio 0: 60 in sector 0, 40 in sector 1. Orders: buy 10 of sector 2, sell 30 of sector 0.
    // Portfolio 1: 100 in sector 1. Orders: sell 150 of sector 1 (more than held), buy 250 of sector 0.
    Book {
        pv: vec![50.0, 10.0, 40.0, 100.0],
        ps: vec![0, 0, 1, 1],
        po: vec![0, 3, 4],
        ov: vec![10.0, -30.0, -150.0, 250.0],
        os: vec![2, 0, 1, 0],
        oo: vec![0, 2, 4],
        s: 3,
    }
}

#[test]
fn order_lists_before_orders_after() {
    let e = evaluate(&small_book(), &[], &[]);
    assert_eq!(e.status, SW_OK, "{}", last_error());
    assert_eq!(e.before, [0.6, 0.4, 0.0, 0.0, 1.0, 0.0]);
    assert_eq!(e.orders, [-0.75, 0.0, 0.25, 250.0 / 400.0, -150.0 / 400.0, 0.0]);
    assert_eq!(e.after, [30.0 / 80.0, 40.0 / 80.0, 10.0 / 80.0, 250.0 / 200.0, -50.0 / 200.0, 0.0]);
}

#[test]
fn order_lists_with_targets_broadcast() {
    let t = [0.4, 0.4, 0.2];
    let e = evaluate(&small_book(), &t, &[0.1]);
    assert_eq!(e.status, SW_OK, "{}", last_error());
    for (i, (a, x)) in e.active.iter().zip(&e.after).enumerate() {
        assert_eq!(*a, x - t[i % 3]);
        assert_eq!(e.breaches[i], u8::from(a.abs() > 0.1));
    }
    assert_eq!(e.breaches, [0, 0, 0, 1, 1, 1]);
}

#[test]
fn order_list_errors_name_the_place_and_write_nothing() {
    type Edit = Box<dyn Fn(&mut Book)>;
    let cases: Vec<(Edit, SwStatus, &str)> = vec![
        (
            Box::new(|b| b.os[3] = 3),
            SW_ERROR_SECTOR_OUT_OF_RANGE,
            "sector code 3 at order 1 of order list 1 is outside 0..3",
        ),
        (
            Box::new(|b| b.ps[2] = -1),
            SW_ERROR_SECTOR_OUT_OF_RANGE,
            "sector code -1 at bond 2 of portfolio 0",
        ),
        (
            Box::new(|b| b.ov[0] = f64::NAN),
            SW_ERROR_NON_FINITE,
            "weight NaN at order 0 of order list 0",
        ),
        (
            Box::new(|b| {
                b.ov = vec![0.0, 0.0, -150.0, 250.0];
            }),
            SW_ERROR_ZERO_TOTAL,
            "order list 0 (2 orders) is empty or all zero",
        ),
        (
            Box::new(|b| {
                b.ov = vec![-150.0, 250.0];
                b.os = vec![1, 0];
                b.oo = vec![0, 0, 2];
            }),
            SW_ERROR_ZERO_TOTAL,
            "order list 0 (0 orders) is empty",
        ),
        (
            Box::new(|b| {
                b.pv = vec![100.0];
                b.ps = vec![1];
                b.po = vec![0, 0, 1];
            }),
            SW_ERROR_ZERO_TOTAL,
            "portfolio 0 (0 holdings) has a total of 0",
        ),
        (
            Box::new(|b| {
                b.ov[2] = -100.0;
                b.ov[3] = 0.0;
            }),
            SW_ERROR_ZERO_TOTAL,
            "portfolio 1: total 100 plus net orders -100 is 0",
        ),
        (
            Box::new(|b| b.oo = vec![0, 4]),
            SW_ERROR_LENGTH_MISMATCH,
            "order_offsets has 2 elements but must have 3",
        ),
        (
            Box::new(|b| b.oo = vec![0, 3, 2]),
            SW_ERROR_BAD_OFFSETS,
            "order_offsets[2] = 2 is less than order_offsets[1] = 3",
        ),
        (
            Box::new(|b| b.po = vec![0, 3, 5]),
            SW_ERROR_BAD_OFFSETS,
            "portfolio_offsets[2] = 5 is past the end of the 4 bonds",
        ),
        (
            Box::new(|b| b.ps.pop().map(drop).unwrap_or(())),
            SW_ERROR_LENGTH_MISMATCH,
            "portfolio_sectors has 3 elements but must have 4",
        ),
    ];
    for (edit, status, text) in cases {
        let mut b = small_book();
        edit(&mut b);
        let e = evaluate(&b, &[0.3], &[0.05]);
        assert_eq!(e.status, status, "{text}: {}", last_error());
        assert!(last_error().contains(text), "{:?} should contain {text:?}", last_error());
        assert!(untouched(&e), "{text}: outputs changed on error");
    }
    // Target errors also leave before/orders/after untouched.
    for (t, tol, status, text) in [
        (
            &[0.1, 0.2][..],
            &[0.0][..],
            SW_ERROR_LENGTH_MISMATCH,
            "targets has 2 elements but must have 1, 3",
        ),
        (&[0.1][..], &[-0.01][..], SW_ERROR_INVALID_ARGUMENT, "tolerance[0] = -0.01 is negative"),
        (&[f64::INFINITY][..], &[0.0][..], SW_ERROR_NON_FINITE, "targets[0] = inf is not finite"),
    ] {
        let e = evaluate(&small_book(), t, tol);
        assert_eq!(e.status, status);
        assert!(last_error().contains(text), "{:?} vs {text:?}", last_error());
        assert!(untouched(&e));
    }
}

fn compare(actual: &[f64], t: &[f64], tol: &[f64], s: usize) -> (SwStatus, Vec<f64>, Vec<u8>) {
    let mut active = vec![SENTINEL; actual.len()];
    let mut breaches = vec![7u8; actual.len()];
    // SAFETY: every pointer is valid for the length passed with it.
    let st = unsafe {
        sw_compare_to_targets(
            actual.as_ptr(),
            actual.len(),
            t.as_ptr(),
            t.len(),
            tol.as_ptr(),
            tol.len(),
            s,
            active.as_mut_ptr(),
            active.len(),
            breaches.as_mut_ptr(),
            breaches.len(),
        )
    };
    (st, active, breaches)
}

#[test]
fn targets_broadcast_scalar_per_sector_and_per_cell() {
    let actual = [0.5, 0.3, 0.2, 0.1, 0.1, 0.8];
    let (st, a, b) = compare(&actual, &[0.3], &[0.15], 3);
    assert_eq!(st, SW_OK);
    assert_eq!(a, actual.map(|x| x - 0.3));
    assert_eq!(b, [1, 0, 0, 1, 1, 1]);
    let (st, a, b) = compare(&actual, &[0.5, 0.3, 0.2], &[0.0, 0.0, 0.5], 3);
    assert_eq!(st, SW_OK);
    assert_eq!(a, [0.0, 0.0, 0.0, 0.1 - 0.5, 0.1 - 0.3, 0.8 - 0.2]);
    assert_eq!(b, [0, 0, 0, 1, 1, 1]);
    let per_cell = [0.5, 0.3, 0.2, 0.1, 0.1, 0.9];
    let (st, _, b) = compare(&actual, &per_cell, &per_cell.map(|_| 0.05), 3);
    assert_eq!(st, SW_OK);
    assert_eq!(b, [0, 0, 0, 0, 0, 1]);
    // Errors: nothing written.
    for (act, t, tol, s, status, text) in [
        (
            &actual[..],
            &[0.1, 0.2][..],
            &[0.0][..],
            3,
            SW_ERROR_LENGTH_MISMATCH,
            "targets has 2 elements",
        ),
        (
            &actual[..],
            &[0.1][..],
            &[0.0; 4][..],
            3,
            SW_ERROR_LENGTH_MISMATCH,
            "tolerance has 4 elements",
        ),
        (
            &actual[..5],
            &[0.1][..],
            &[0.0][..],
            3,
            SW_ERROR_LENGTH_MISMATCH,
            "actual has 5 elements, not a multiple of num_sectors = 3",
        ),
        (
            &[0.1, f64::NAN][..],
            &[0.1][..],
            &[0.0][..],
            2,
            SW_ERROR_NON_FINITE,
            "actual weight NaN of sector 1 of portfolio 0",
        ),
        (
            &actual[..],
            &[0.1][..],
            &[0.0, -1.0, 0.0][..],
            3,
            SW_ERROR_INVALID_ARGUMENT,
            "tolerance[1] = -1 is negative",
        ),
        (
            &actual[..],
            &[0.1][..],
            &[0.0][..],
            0,
            SW_ERROR_INVALID_ARGUMENT,
            "num_sectors must be at least 1",
        ),
    ] {
        let (st, a, b) = compare(act, t, tol, s);
        assert_eq!(st, status, "{}", last_error());
        assert!(last_error().contains(text), "{:?} vs {text:?}", last_error());
        assert!(a.iter().all(|&x| x == SENTINEL) && b.iter().all(|&x| x == 7));
    }
    // Outputs overlapping each other are rejected.
    let mut buf = vec![0.0f64; 8];
    let p = buf.as_mut_ptr();
    // SAFETY: breaches points inside active on purpose; the call must reject it before writing.
    let st = unsafe {
        sw_compare_to_targets(
            actual.as_ptr(),
            6,
            actual.as_ptr(),
            1,
            actual.as_ptr(),
            1,
            3,
            p,
            6,
            p.cast::<u8>().add(8),
            6,
        )
    };
    assert_eq!(st, SW_ERROR_OVERLAP);
    // Without targets, tolerance must be empty.
    let b = small_book();
    let mut out = vec![0.0; 6];
    // SAFETY: every pointer is valid for the length passed with it; empty ranges are NULL.
    let st = unsafe {
        sw_evaluate_orders(
            b.pv.as_ptr(),
            4,
            b.ps.as_ptr(),
            4,
            b.po.as_ptr(),
            3,
            b.ov.as_ptr(),
            4,
            b.os.as_ptr(),
            4,
            b.oo.as_ptr(),
            3,
            3,
            null(),
            0,
            [0.1].as_ptr(),
            1,
            out.as_mut_ptr(),
            6,
            null_mut(),
            0,
            null_mut(),
            0,
            null_mut(),
            0,
            null_mut(),
            0,
        )
    };
    assert_eq!(st, SW_ERROR_INVALID_ARGUMENT, "{}", last_error());
    assert!(last_error().contains("must be empty (length 0) when no targets are given"));
}

/// Naive reference for one portfolio/order-list pair.
fn naive(
    pv: &[f64], ps: &[i32], ov: &[f64], os: &[i32], s: usize,
) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
    let mut held = vec![0.0; s];
    let mut ord = vec![0.0; s];
    pv.iter().zip(ps).for_each(|(v, &k)| held[k as usize] += v);
    ov.iter().zip(os).for_each(|(v, &k)| ord[k as usize] += v);
    let total: f64 = pv.iter().sum();
    let gross: f64 = ov.iter().map(|v| v.abs()).sum();
    let net: f64 = ov.iter().sum();
    (
        held.iter().map(|h| h / total).collect(),
        ord.iter().map(|o| o / gross).collect(),
        held.iter().zip(&ord).map(|(h, o)| (h + o) / (total + net)).collect(),
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]
    #[test]
    fn order_evaluation_matches_naive(p in 1usize..5, s in 1usize..12, seed in any::<u64>(), big in any::<bool>()) {
        let mut rng = Rng::new(seed);
        let mut b = Book { pv: vec![], ps: vec![], po: vec![0], ov: vec![], os: vec![], oo: vec![0], s };
        for _ in 0..p {
            let n = 1 + rng.below(if big { 40_000 } else { 50 });
            let m = 1 + rng.below(30);
            for _ in 0..n { b.pv.push(1.0 + rng.weight()); b.ps.push(rng.below(s) as i32); }
            for _ in 0..m { b.ov.push(rng.weight() * 10.0); b.os.push(rng.below(s) as i32); }
            b.po.push(b.pv.len() as i64);
            b.oo.push(b.ov.len() as i64);
        }
        let e = evaluate(&b, &[1.0 / s as f64], &[0.01]);
        prop_assert_eq!(e.status, SW_OK, "{}", last_error());
        for q in 0..p {
            let (h, o) = (b.po[q] as usize..b.po[q + 1] as usize, b.oo[q] as usize..b.oo[q + 1] as usize);
            let (bf, or, af) = naive(&b.pv[h.clone()], &b.ps[h], &b.ov[o.clone()], &b.os[o], s);
            for k in 0..s {
                let i = q * s + k;
                let tol = 1e-9 * (1.0 + af[k].abs());
                prop_assert!((e.before[i] - bf[k]).abs() <= 1e-9, "before {} vs {}", e.before[i], bf[k]);
                prop_assert!((e.orders[i] - or[k]).abs() <= 1e-9, "orders {} vs {}", e.orders[i], or[k]);
                prop_assert!((e.after[i] - af[k]).abs() <= tol, "after {} vs {}", e.after[i], af[k]);
                prop_assert_eq!(e.active[i], e.after[i] - 1.0 / s as f64);
                prop_assert_eq!(e.breaches[i], u8::from(e.active[i].abs() > 0.01));
            }
        }
    }
}

/// Many rules at once: grouping by a combined code (sector x rating bucket) gives the two-way
/// breakdown in one call, and summing it over ratings gives the one-way sector breakdown.
#[test]
fn combined_codes_give_a_two_way_breakdown() {
    let (p, b, sectors, ratings) = (4, 5_000, 18, 7);
    let mut rng = Rng::new(21);
    let w: Vec<f64> = (0..p * b).map(|_| rng.weight()).collect();
    let sector: Vec<i32> = (0..p * b).map(|_| rng.below(sectors) as i32).collect();
    let rating: Vec<i32> = (0..p * b).map(|_| rng.below(ratings) as i32).collect();
    let combined: Vec<i32> =
        sector.iter().zip(&rating).map(|(s, r)| s * ratings as i32 + r).collect();
    let two_way = sector_weights::sector_weights(&w, &combined, p, sectors * ratings).unwrap();
    let one_way = sector_weights::sector_weights(&w, &sector, p, sectors).unwrap();
    for q in 0..p {
        for s in 0..sectors {
            let cell = |r: usize| two_way[q * sectors * ratings + s * ratings + r];
            let naive: f64 = (q * b..(q + 1) * b)
                .filter(|&i| sector[i] == s as i32 && rating[i] == 3)
                .map(|i| w[i])
                .sum();
            assert!((cell(3) - naive).abs() <= 1e-9, "sector {s} rating 3 of portfolio {q}");
            let over_ratings: f64 = (0..ratings).map(cell).sum();
            assert!((over_ratings - one_way[q * sectors + s]).abs() <= 1e-9);
        }
    }
}

#[test]
fn overflowing_differences_and_ratios_are_errors() {
    let (st, a, b) = compare(&[f64::MAX, 0.0], &[-f64::MAX], &[0.0], 2);
    assert_eq!(st, SW_ERROR_NON_FINITE);
    assert!(last_error().contains("minus target"), "{}", last_error());
    assert!(a.iter().all(|&x| x == SENTINEL) && b.iter().all(|&x| x == 7));
    // Orders whose gross value overflows.
    let mut book = small_book();
    book.ov = vec![f64::MAX, -f64::MAX, -150.0, 250.0];
    let e = evaluate(&book, &[], &[]);
    assert_eq!(e.status, SW_ERROR_NON_FINITE, "{}", last_error());
    assert!(untouched(&e));
}
