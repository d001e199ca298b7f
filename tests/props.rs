//! Property tests: random shapes, codes, weights and thread counts against the naive reference,
//! and bit-identical results for every thread count and every entry point.

mod common;

use common::{assert_close, naive, ranges_of, uniform_ranges};
use proptest::prelude::*;
use sector_weights as pool;
use sector_weights::ffi::*;
use sector_weights::SwStatus::SW_OK;
use std::sync::Mutex;

/// Thread-count changes are global: tests that compare thread counts take this lock so another
/// test's change cannot land between their runs (results must not differ anyway; this keeps the
/// thread count under test the one we asked for).
static THREADS: Mutex<()> = Mutex::new(());

/// Weights of every kind a portfolio may hold: ordinary, negative, tiny, subnormal, -0.0, large.
fn weight() -> impl Strategy<Value = f64> {
    prop_oneof![
        8 => -1.0e3..1.0e3f64,
        1 => Just(-0.0),
        1 => Just(f64::MIN_POSITIVE / 8.0),
        1 => -1.0e-300..1.0e-300f64,
        1 => -1.0e12..1.0e12f64,
    ]
}

#[derive(Debug, Clone)]
struct Case {
    sizes: Vec<usize>,
    s: usize,
    w: Vec<f64>,
    v: Vec<f64>,
    c: Vec<i32>,
}

impl Case {
    fn offsets(&self) -> Vec<usize> {
        let mut o = vec![0];
        for n in &self.sizes {
            o.push(o.last().unwrap() + n);
        }
        o
    }
}

/// Ragged portfolios (some empty), `s` sectors; `max_bonds` bounds each portfolio.
fn case(max_portfolios: usize, max_bonds: usize, max_s: usize) -> impl Strategy<Value = Case> {
    (prop::collection::vec(0..=max_bonds, 0..=max_portfolios), 1..=max_s)
        .prop_flat_map(|(sizes, s)| {
            let n: usize = sizes.iter().sum();
            (
                Just(sizes),
                Just(s),
                prop::collection::vec(weight(), n),
                prop::collection::vec(weight(), n),
                prop::collection::vec(0..s as i32, n),
            )
        })
        .prop_map(|(sizes, s, w, v, c)| Case { sizes, s, w, v, c })
}

fn ragged_call(case: &Case, values: bool, flags: u32) -> (i32, Vec<f64>) {
    let off: Vec<i64> = case.offsets().iter().map(|&x| x as i64).collect();
    let p = case.sizes.len();
    let mut out = vec![f64::NAN; p * case.s];
    // SAFETY: every pointer is valid for the length passed with it.
    let st = unsafe {
        if values {
            sw_sector_exposures(
                case.w.as_ptr(),
                case.w.len(),
                case.v.as_ptr(),
                case.v.len(),
                case.c.as_ptr(),
                case.c.len(),
                off.as_ptr(),
                off.len(),
                case.s,
                flags,
                out.as_mut_ptr(),
                out.len(),
            )
        } else {
            sw_sector_weights_ragged(
                case.w.as_ptr(),
                case.w.len(),
                case.c.as_ptr(),
                case.c.len(),
                off.as_ptr(),
                off.len(),
                case.s,
                flags,
                out.as_mut_ptr(),
                out.len(),
            )
        }
    };
    (st as i32, out)
}

fn bits(v: &[f64]) -> Vec<u64> {
    v.iter().map(|x| x.to_bits()).collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn ragged_and_exposures_match_reference(case in case(12, 300, 40)) {
        let off = case.offsets();
        for values in [false, true] {
            let (st, out) = ragged_call(&case, values, 0);
            prop_assert_eq!(st, SW_OK as i32);
            let v = values.then_some(&case.v[..]);
            let want = naive(&case.w, v, &case.c, &ranges_of(&off), case.s);
            assert_close(&out, &want);
        }
    }

    #[test]
    fn normalised_rows_are_sums_over_their_total(case in case(6, 200, 20)) {
        let (st, out) = ragged_call(&case, false, SW_NORMALIZE);
        let (st0, raw) = ragged_call(&case, false, 0);
        prop_assert_eq!(st0, SW_OK as i32);
        let totals: Vec<f64> = raw.chunks(case.s).map(|r| r.iter().sum()).collect();
        if totals.contains(&0.0) {
            prop_assert_eq!(st, sector_weights::SwStatus::SW_ERROR_ZERO_TOTAL as i32);
        } else {
            prop_assert_eq!(st, SW_OK as i32);
            for (row, (r, t)) in out.chunks(case.s).zip(raw.chunks(case.s).zip(&totals)) {
                for (x, y) in row.iter().zip(r) {
                    prop_assert_eq!(x.to_bits(), (y / t).to_bits());
                }
            }
        }
    }

    #[test]
    fn uniform_entry_points_agree_with_ragged_bit_for_bit(
        p in 0usize..6, b in 0usize..400, s in 1usize..70, seed in any::<u64>()
    ) {
        let mut rng = common::Rng::new(seed);
        let (w, c) = rng.data(p * b, s);
        let mut a = vec![0.0; p * s];
        let mut z = vec![0.0; p * s];
        // SAFETY: every pointer is valid for the length passed with it.
        let st = unsafe {
            calculate_sector_weights(w.as_ptr(), p as u64, c.as_ptr(), b as u64, a.as_mut_ptr(), s as u64)
        };
        prop_assert_eq!(st, SW_OK);
        let case = Case { sizes: vec![b; p], s, w: w.clone(), v: vec![], c: c.clone() };
        let (st, r) = ragged_call(&case, false, 0);
        prop_assert_eq!(st, SW_OK as i32);
        // SAFETY: every pointer is valid for the length passed with it.
        let st = unsafe { sw_sector_weights(w.as_ptr(), w.len(), c.as_ptr(), c.len(), p, s, z.as_mut_ptr(), z.len()) };
        prop_assert_eq!(st, SW_OK);
        prop_assert_eq!(bits(&a), bits(&r));
        prop_assert_eq!(bits(&a), bits(&z));
        let want = naive(&w, None, &c, &uniform_ranges(p, b), s);
        assert_close(&a, &want);
    }

    #[test]
    fn one_bad_element_is_found_and_output_untouched(
        case in case(5, 120, 10), which in any::<prop::sample::Index>(), kind in 0u8..5
    ) {
        prop_assume!(!case.w.is_empty());
        let mut case = case;
        let i = which.index(case.w.len());
        match kind {
            0 => case.c[i] = case.s as i32,
            1 => case.c[i] = -1,
            2 => case.w[i] = f64::NAN,
            3 => case.w[i] = f64::INFINITY,
            _ => case.v[i] = f64::NEG_INFINITY,
        }
        let off = case.offsets();
        let p = off.windows(2).position(|r| r[0] <= i && i < r[1]).unwrap();
        let (st, out) = ragged_call(&case, kind == 4, 0);
        let want = if kind < 2 { 4 } else { 5 };
        prop_assert_eq!(st, want);
        prop_assert!(out.iter().all(|x| x.is_nan()), "output changed");
        let msg = common::last_error();
        let at = format!("at bond {} of portfolio {p}", i - off[p]);
        prop_assert!(msg.contains(&at), "{} does not contain {}", msg, at);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 6, ..ProptestConfig::default() })]

    /// Large enough to go parallel and to split portfolios into chunks; every thread count and
    /// the inline path must give the same bits.
    #[test]
    fn bit_identical_for_every_thread_count(
        p in 1usize..4, b in 10_000usize..200_000, s in prop::sample::select(vec![1usize, 7, 18, 64, 65, 1000, 70_000]),
        seed in any::<u64>()
    ) {
        let _guard = THREADS.lock().unwrap_or_else(|e| e.into_inner());
        let mut rng = common::Rng::new(seed);
        let (w, c) = rng.data(p * b, s);
        let mut results = Vec::new();
        for threads in [1, 2, 3, 4, 0] {
            pool::set_num_threads(threads).unwrap();
            let mut out = vec![0.0; p * s];
            // SAFETY: every pointer is valid for the length passed with it.
            let st = unsafe {
                calculate_sector_weights(w.as_ptr(), p as u64, c.as_ptr(), b as u64, out.as_mut_ptr(), s as u64)
            };
            prop_assert_eq!(st, SW_OK);
            results.push(bits(&out));
        }
        // A portfolio computed alone (inline on this thread when it has < 32,768 bonds) gives the
        // same bits as its row of the batch (parallel).
        let first: Vec<f64> = results[0][..s].iter().map(|&x| f64::from_bits(x)).collect();
        let mut alone = vec![0.0; s];
        // SAFETY: every pointer is valid for the length passed with it.
        let st = unsafe { calculate_sector_weights(w.as_ptr(), 1, c.as_ptr(), b as u64, alone.as_mut_ptr(), s as u64) };
        prop_assert_eq!(st, SW_OK);
        prop_assert_eq!(bits(&first), bits(&alone));
        for r in &results[1..] {
            prop_assert_eq!(r, &results[0]);
        }
        let want = naive(&w, None, &c, &uniform_ranges(p, b), s);
        assert_close(&first, &want.cells(0..s));
        pool::set_num_threads(0).unwrap();
    }
}
