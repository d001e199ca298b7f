//! The strategies' edges: lanes vs one table, single vs many chunks (odd tree), inline vs
//! pool, scratch vs direct output; errors at chunk and quad boundaries; untouched output.
use std::sync::Mutex;

use super::chunk::LANES_MIN_RATIO;
use super::*;
use crate::error::SwStatus;
use crate::testkit::{self, bits, Rng};

/// Serialises the tests that change the pool size.
pub(super) static THREADS: Mutex<()> = Mutex::new(());

/// Dyadic data (every sum exact in any order): compared bit for bit with the naive loop.
fn data(rng: &mut Rng, n: usize, s: usize) -> (Vec<f64>, Vec<i32>) {
    rng.dyadic_data(n, s)
}

fn naive(w: &[f64], v: Option<&[f64]>, c: &[i32], offsets: &[usize], s: usize) -> Vec<f64> {
    testkit::naive(w, v, c, &testkit::ranges_of(offsets), s).sum
}

fn uniform(w: &[f64], c: &[i32], p: usize, s: usize) -> (Result<()>, Vec<f64>) {
    let mut out = vec![f64::from_bits(0x7ff8_dead_beef_0001); p * s];
    let input = Input::new(
        w,
        c,
        Layout::Uniform {
            num_portfolios: p,
            bonds_per_portfolio: w.len().checked_div(p).unwrap_or(0),
        },
        s,
    );
    (compute(&input, false, &mut out), out)
}

/// Bond counts around every threshold for `s` sectors.
fn lengths(s: usize) -> Vec<usize> {
    let lanes = LANES_MIN_RATIO * s;
    let chunk = chunk_len(s);
    let mut v = vec![0, 1, 3, 4, 5, 7, 8, 9, lanes - 1, lanes, lanes + 3, chunk - 1, chunk];
    v.extend([chunk + 1, 2 * chunk + 3]);
    v
}

#[test]
fn exact_sums_for_every_strategy() {
    let mut rng = Rng::new(0x1234_5678_9abc_def1);
    for s in [1, 2, 16, 17, 64, 65, 257, 1000, 1024, 1025, 4096, 4097] {
        for b in lengths(s) {
            for p in [1, 2, 3] {
                let (w, c) = data(&mut rng, p * b, s);
                let (res, out) = uniform(&w, &c, p, s);
                res.unwrap_or_else(|e| panic!("{p}x{b} s={s}: {e}"));
                let offsets: Vec<usize> = (0..=p).map(|q| q * b).collect();
                let want = naive(&w, None, &c, &offsets, s);
                assert_eq!(bits(&out), bits(&want), "{p}x{b} s={s}");
            }
        }
    }
}

#[test]
fn exposures_and_ragged_match_the_naive_loop() {
    let mut rng = Rng::new(77);
    for s in [3, 18, 300] {
        let sizes = [0, 5, 16 * s, 1, chunk_len(s) + 7, 2, 0];
        let n: usize = sizes.iter().sum();
        let (w, c) = data(&mut rng, n, s);
        let (v, _) = data(&mut rng, n, 1);
        let mut offsets = vec![0usize];
        for k in sizes {
            offsets.push(offsets.last().unwrap() + k);
        }
        let off64: Vec<i64> = offsets.iter().map(|&o| o as i64).collect();
        let mut out = vec![f64::NAN; sizes.len() * s];
        let input = Input {
            values: Some(Floats::F64(&v)),
            ..Input::new(&w, &c, Layout::Ragged(&off64), s)
        };
        compute(&input, false, &mut out).unwrap();
        // Products of multiples of 1/8 are multiples of 1/64: still exact.
        assert_eq!(bits(&out), bits(&naive(&w, Some(&v), &c, &offsets, s)), "s={s}");
    }
}

#[test]
fn every_thread_count_and_the_inline_path_give_the_same_bits() {
    let _guard = THREADS.lock().unwrap_or_else(|e| e.into_inner());
    let mut rng = Rng::new(99);
    for (p, b, s) in [(1, 300_001, 18), (3, 140_000, 7), (5, 20_000, 1000), (2, 2_000, 70_000)] {
        // Non-dyadic weights, so the summation order shows in the bits.
        let (_, c) = data(&mut rng, p * b, s);
        let w: Vec<f64> = (0..p * b).map(|i| 1.0 / (i as f64 + 3.0)).collect();
        let mut results = Vec::new();
        for t in [1, 2, 3, 0] {
            pool::set_num_threads(t).unwrap();
            let (res, out) = uniform(&w, &c, p, s);
            res.unwrap();
            results.push(bits(&out));
        }
        for r in &results[1..] {
            assert_eq!(r, &results[0], "{p}x{b} s={s}");
        }
        // Portfolio 0 alone (inline when small) gives the same row as inside the batch.
        let (res, alone) = uniform(&w[..b], &c[..b], 1, s);
        res.unwrap();
        assert_eq!(bits(&alone), results[0][..s].to_vec(), "{p}x{b} s={s} alone");
    }
    pool::set_num_threads(0).unwrap();
}

/// Kinds of bad element [`put_bad`] makes.
pub(super) const BAD_KINDS: usize = 5;

/// Puts bad element `kind` (< [`BAD_KINDS`]) at bond `at` of `w` and `c` (codes for `s`
/// sectors); returns the start of the message that must name it ("... at bond").
pub(super) fn put_bad(kind: usize, at: usize, s: usize, w: &mut [f64], c: &mut [i32]) -> String {
    match kind {
        0 => {
            c[at] = s as i32;
            format!("sector code {s} at bond")
        }
        1 => {
            c[at] = -1;
            "sector code -1 at bond".to_string()
        }
        2 => {
            w[at] = f64::NAN;
            "weight NaN at bond".to_string()
        }
        3 => {
            w[at] = f64::NEG_INFINITY;
            "weight -inf at bond".to_string()
        }
        _ => {
            // A later, worse element must not win over this one.
            w[at] = f64::INFINITY;
            if at + 2 < w.len() {
                c[at + 2] = i32::MIN;
            }
            "weight inf at bond".to_string()
        }
    }
}

/// Puts each kind of bad element at `at` and checks the first one is reported with its place
/// and the output is untouched.
#[test]
fn bad_elements_are_found_at_every_edge_and_nothing_is_written() {
    let mut rng = Rng::new(5);
    for s in [1, 18, 65, 1000, 2000] {
        let chunk = chunk_len(s);
        for (p, b) in [(1, 40), (1, 16 * s + 5), (1, 2 * chunk + 3), (3, 50), (2, chunk + 9)] {
            let (w, c) = data(&mut rng, p * b, s);
            let n = p * b;
            let mut spots = vec![0, 1, 3, 4, n / 2, n - 1];
            if b > chunk {
                spots.extend([chunk - 1, chunk, chunk + 1, b + chunk]);
            }
            for &at in spots.iter().filter(|&&i| i < n) {
                for kind in 0..BAD_KINDS {
                    let (mut w, mut c) = (w.clone(), c.clone());
                    let want = put_bad(kind, at, s, &mut w, &mut c);
                    let (res, out) = uniform(&w, &c, p, s);
                    let e = res.expect_err("a bad element must fail");
                    let place = format!("{want} {} of portfolio {}", at % b, at / b);
                    assert!(e.to_string().starts_with(&place), "{p}x{b} s={s}: {e} / {place}");
                    assert!(
                        out.iter().all(|x| x.to_bits() == 0x7ff8_dead_beef_0001),
                        "{p}x{b} s={s} at {at}: output written on error"
                    );
                }
            }
        }
    }
}

#[test]
fn the_kept_scratch_never_leaks_old_rows() {
    // Jobs using the pool take their staged rows, and the tree its partial tables, from buffers
    // kept between calls: many small portfolios (more than 2^16 output doubles), a few
    // portfolios of one chunk (a small output), one portfolio of four chunks (the tree).
    for (p, b, s) in [(5_000, 40, 20), (40, 1_000, 20), (1, 3 * (1 << 16) + 5, 300)] {
        let offsets: Vec<usize> = (0..=p).map(|q| q * b).collect();
        let mut rng = Rng::new(123);
        for round in 0..4 {
            let (w, mut c) = data(&mut rng, p * b, s);
            if round == 1 {
                c[p * b / 2] = -7; // fails half-way: the scratch holds a partial result
                let (res, out) = uniform(&w, &c, p, s);
                assert!(res.is_err() && out.iter().all(|x| x.is_nan()));
                continue;
            }
            let (res, out) = uniform(&w, &c, p, s);
            res.unwrap();
            let want = naive(&w, None, &c, &offsets, s);
            assert_eq!(bits(&out), bits(&want), "{p}x{b} s={s} round {round}");
        }
    }
}

#[test]
fn finite_sums_that_overflow_are_errors_and_write_nothing() {
    // Lanes, one table, and the output-dominated (check first, then write) strategy.
    for (p, b, s) in [(1, 4, 1), (1, 100, 1), (1, 3, 100), (4, 3, 100), (1, 70_000, 2)] {
        let mut w = vec![1.0; p * b];
        let c = vec![0; p * b];
        w[(p - 1) * b] = f64::MAX;
        w[(p - 1) * b + 1] = f64::MAX;
        let (res, out) = uniform(&w, &c, p, s);
        let e = res.unwrap_err();
        assert_eq!(e.status(), SwStatus::SW_ERROR_NON_FINITE, "p={p} b={b} s={s}");
        let want = format!("the sum of sector 0 of portfolio {} overflows (inf)", p - 1);
        assert!(e.to_string().contains(&want), "{e}");
        assert!(out.iter().all(|x| x.to_bits() == 0x7ff8_dead_beef_0001), "output written");
    }
}

#[test]
fn a_bad_element_outranks_an_earlier_zero_total_when_normalising() {
    let w = [1.0, -1.0, 2.0, 3.0];
    let off = [0i64, 2, 4];
    let run = |c: &[i32]| {
        let mut out = vec![7.0; 4];
        let input = Input::new(&w, c, Layout::Ragged(&off), 2);
        let e = compute(&input, true, &mut out).unwrap_err();
        assert_eq!(out, [7.0; 4]);
        e.status()
    };
    assert_eq!(run(&[0, 1, 0, 1]), SwStatus::SW_ERROR_ZERO_TOTAL);
    assert_eq!(run(&[0, 1, 0, 9]), SwStatus::SW_ERROR_SECTOR_OUT_OF_RANGE);
}

/// Every code type and float32 weights through the ragged layout: the same sums as int32/float64
/// (dyadic data: exact), and an int64 code past 2^32 is an error, never wrapped into range.
#[test]
fn native_code_and_float_types_match_int32_and_float64() {
    let mut rng = Rng::new(61);
    let s = 18;
    let sizes = [0usize, 5, 300, 70_000, 1];
    let n: usize = sizes.iter().sum();
    let (w, c) = data(&mut rng, n, s);
    let (v, _) = data(&mut rng, n, 1);
    let mut offsets = vec![0i64];
    for k in sizes {
        offsets.push(offsets.last().unwrap() + k as i64);
    }
    let layout = Layout::Ragged(&offsets);
    let run = |weights: Floats, values: Option<Floats>, codes: Codes| {
        let mut out = vec![f64::NAN; sizes.len() * s];
        let input = Input { weights, values, codes, layout, num_sectors: s };
        compute(&input, false, &mut out).map(|()| out)
    };
    let want = run(Floats::F64(&w), Some(Floats::F64(&v)), Codes::I32(&c)).unwrap();
    let (w32, v32): (Vec<f32>, Vec<f32>) =
        (w.iter().map(|&x| x as f32).collect(), v.iter().map(|&x| x as f32).collect());
    let c8: Vec<i8> = c.iter().map(|&x| x as i8).collect();
    let c64: Vec<i64> = c.iter().map(|&x| x as i64).collect();
    let cu8: Vec<u8> = c.iter().map(|&x| x as u8).collect();
    let cu16: Vec<u16> = c.iter().map(|&x| x as u16).collect();
    let cu32: Vec<u32> = c.iter().map(|&x| x as u32).collect();
    let ci16: Vec<i16> = c.iter().map(|&x| x as i16).collect();
    for codes in [
        Codes::I8(&c8),
        Codes::I16(&ci16),
        Codes::I64(&c64),
        Codes::U8(&cu8),
        Codes::U16(&cu16),
        Codes::U32(&cu32),
    ] {
        let got = run(Floats::F32(&w32), Some(Floats::F32(&v32)), codes).unwrap();
        assert_eq!(bits(&got), bits(&want), "{codes:?}");
    }
    let mut wide = c64.clone();
    wide[400] = (1i64 << 32) + 1;
    let e = run(Floats::F64(&w), None, Codes::I64(&wide)).unwrap_err();
    assert_eq!(e.to_string(), "sector code 4294967297 at bond 95 of portfolio 3 is outside 0..18");
    wide[400] = -1;
    let e = run(Floats::F64(&w), None, Codes::I8(&c8[..0])).unwrap_err();
    assert!(e.to_string().contains("sectors has 0 elements"), "{e}");
    let e = run(Floats::F64(&w), Some(Floats::F32(&v32)), Codes::I32(&c)).unwrap_err();
    assert_eq!(
        e.to_string(),
        "values are float32 but weights are float64: give both the same float type"
    );
}

/// Every worker of the pool is busy elsewhere (as when a neighbour's spinning threads hold the
/// cores): a call of the shared mode must not wait for them, but finish on the calling thread.
#[test]
fn a_shared_call_finishes_alone_while_every_worker_is_busy() {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use std::sync::{mpsc, Arc};
    use std::time::Duration;

    let _turn = THREADS.lock().unwrap_or_else(|p| p.into_inner());
    let pool = crate::pool::current().unwrap();
    let threads = pool.current_num_threads();
    let (busy, release) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicBool::new(false)));
    for _ in 0..threads {
        let (busy, release) = (Arc::clone(&busy), Arc::clone(&release));
        pool.spawn(move || {
            busy.fetch_add(1, Ordering::SeqCst);
            while !release.load(Ordering::SeqCst) {
                std::thread::sleep(Duration::from_millis(1));
            }
        });
    }
    while busy.load(Ordering::SeqCst) < threads {
        std::thread::yield_now();
    }
    // 20 x 50,000 x 18: many portfolios of one chunk each, the shared mode.
    let (p, b, s) = (20, 50_000, 18);
    let (w, c) = data(&mut Rng::new(15), p * b, s);
    let (done, finished) = mpsc::channel();
    let caller = std::thread::spawn(move || {
        let (res, out) = uniform(&w, &c, p, s);
        let offsets: Vec<usize> = (0..=p).map(|q| q * b).collect();
        let want = naive(&w, None, &c, &offsets, s);
        let _ = done.send(res.is_ok() && bits(&out) == bits(&want));
    });
    let alone = finished.recv_timeout(Duration::from_secs(60));
    release.store(true, Ordering::SeqCst);
    caller.join().unwrap();
    assert_eq!(alone, Ok(true), "the call waited for busy workers (or summed wrongly)");
}
