//! Many small portfolios (`rows.rs`: a block of portfolios summed at once, the shared job over
//! the pool's threads): the same bits at every thread count, the first bad element in input
//! order reported whichever thread's block holds it, nothing written on any error.
use super::tests::{put_bad, BAD_KINDS};
use super::*;
use crate::testkit::{self, bits, Rng};

/// Thread counts tried; 0 is the default size.
const THREADS: [usize; 5] = [1, 2, 3, 8, 0];

/// Output before a call: a NaN payload no computation produces.
const UNTOUCHED: u64 = 0x7ff8_dead_beef_0002;

/// `p` portfolios of `b` bonds over `s` sectors: sums (normalised when `normalize`), exposures
/// when `values`.
fn call(
    w: &[f64], v: Option<&[f64]>, c: &[i32], (p, b, s): (usize, usize, usize), normalize: bool,
) -> (Result<()>, Vec<f64>) {
    let mut out = vec![f64::from_bits(UNTOUCHED); p * s];
    let layout = Layout::Uniform { num_portfolios: p, bonds_per_portfolio: b };
    let mut input = Input::new(w, c, layout, s);
    input.values = v.map(Floats::F64);
    (compute(&input, normalize, &mut out), out)
}

/// Runs `f` at every thread count of [`THREADS`] (serialised with the other tests that change
/// the pool size), then restores the default size.
fn at_every_thread_count(mut f: impl FnMut(usize)) {
    let _guard = super::tests::THREADS.lock().unwrap_or_else(|e| e.into_inner());
    for t in THREADS {
        pool::set_num_threads(t).unwrap();
        f(t);
    }
    pool::set_num_threads(0).unwrap();
}

/// Sizes through every path of many one-chunk portfolios: staged (sums below, terms above the
/// sector count), and check-then-write (output larger than half the bonds).
const SIZES: [(usize, usize, usize); 4] =
    [(5_000, 100, 18), (3_001, 37, 7), (20_000, 10, 18), (700, 100, 300)];

#[test]
fn many_small_portfolios_give_the_naive_sums_at_every_thread_count() {
    let mut rng = Rng::new(15);
    for (p, b, s) in SIZES {
        let (_, c) = rng.dyadic_data(p * b, s);
        // Non-dyadic weights and values: the order of additions shows in the bits. One table
        // adds each portfolio's bonds in order, as the naive loop does.
        let w: Vec<f64> = (0..p * b).map(|i| 1.0 / (i as f64 + 3.0)).collect();
        let v: Vec<f64> = (0..p * b).map(|i| 1.0 + 1.0 / (i as f64 + 7.0)).collect();
        let ranges = testkit::uniform_ranges(p, b);
        for values in [None, Some(&v[..])] {
            let want = bits(&testkit::naive(&w, values, &c, &ranges, s).sum);
            let (res, first_normalised) = call(&w, values, &c, (p, b, s), true);
            res.unwrap();
            at_every_thread_count(|t| {
                let (res, out) = call(&w, values, &c, (p, b, s), false);
                res.unwrap();
                assert!(bits(&out) == want, "{p}x{b}x{s} at {t} threads: not the naive sums");
                let (res, out) = call(&w, values, &c, (p, b, s), true);
                res.unwrap();
                let same = bits(&out) == bits(&first_normalised);
                assert!(same, "{p}x{b}x{s} at {t} threads: normalised rows differ");
            });
        }
    }
}

#[test]
fn a_bad_element_in_the_last_portfolio_is_named_and_nothing_is_written() {
    let mut rng = Rng::new(16);
    for (p, b, s) in SIZES {
        let (w, c) = rng.dyadic_data(p * b, s);
        let n = p * b;
        for at in [n - b, n - 1] {
            for kind in 0..BAD_KINDS {
                let (mut w, mut c) = (w.clone(), c.clone());
                let want = put_bad(kind, at, s, &mut w, &mut c);
                let place = format!("{want} {} of portfolio {}", at % b, p - 1);
                at_every_thread_count(|t| {
                    for normalize in [false, true] {
                        let (res, out) = call(&w, None, &c, (p, b, s), normalize);
                        let e = res.expect_err("a bad element must fail").to_string();
                        assert!(e.starts_with(&place), "{p}x{b}x{s}, {t} threads: {e} / {place}");
                        let untouched = out.iter().all(|x| x.to_bits() == UNTOUCHED);
                        assert!(untouched, "{p}x{b}x{s}, {t} threads: output written on error");
                    }
                });
            }
        }
    }
}

/// Two bad elements far apart (in blocks that different threads take, in either order): the
/// earlier in input order is reported, at every thread count, every time; a zero total before
/// them (a row failure) never outranks a bad element.
#[test]
fn the_earliest_of_two_errors_in_different_blocks_wins() {
    let mut rng = Rng::new(17);
    let (p, b, s) = (5_000, 100, 18);
    let (mut w, mut c) = rng.dyadic_data(p * b, s);
    let (early, late) = (1_234 * b + 56, (p - 3) * b + 7);
    c[late] = 99; // Found first by whichever thread starts at the end.
    w[early] = f64::INFINITY;
    w[10 * b..11 * b].fill(0.0); // Portfolio 10: a total of 0.
    at_every_thread_count(|t| {
        for round in 0..10 {
            for normalize in [false, true] {
                let (res, out) = call(&w, None, &c, (p, b, s), normalize);
                let e = res.expect_err("must fail").to_string();
                let want = "weight inf at bond 56 of portfolio 1234";
                assert!(e.starts_with(want), "{t} threads, round {round}: {e}");
                assert!(out.iter().all(|x| x.to_bits() == UNTOUCHED), "{t} threads: written");
            }
        }
    });
    // Without the bad elements, the zero total is the error.
    let (mut w, mut c) = (w, c);
    w[early] = 1.0;
    c[late] = 0;
    let (res, _) = call(&w, None, &c, (p, b, s), true);
    let e = res.expect_err("a zero total must fail when normalising").to_string();
    assert!(e.starts_with("portfolio 10 (100 bonds) has a total of 0"), "{e}");
}
