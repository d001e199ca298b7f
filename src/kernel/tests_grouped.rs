//! The grouped layout: one portfolio code per row, rows in any order, every code and float type,
//! both strategies (one table, buckets), errors naming rows, untouched output, thread counts.

use std::sync::Mutex;

use super::*;
use crate::testkit::{self, bits, naive_grouped, Rng};

static THREADS: Mutex<()> = Mutex::new(());

const SENTINEL: u64 = 0x7ff8_dead_beef_0002;

/// A grouped table: dyadic weights (exact in any order), codes as i64.
struct Table {
    w: Vec<f64>,
    v: Vec<f64>,
    c: Vec<i64>,
    p: Vec<i64>,
    num_portfolios: usize,
    s: usize,
}

fn table(rng: &mut Rng, n: usize, num_portfolios: usize, s: usize) -> Table {
    Table {
        w: (0..n).map(|_| rng.dyadic()).collect(),
        v: (0..n).map(|_| rng.dyadic()).collect(),
        c: (0..n).map(|_| rng.below(s) as i64).collect(),
        p: (0..n).map(|_| rng.below(num_portfolios) as i64).collect(),
        num_portfolios,
        s,
    }
}

/// Computes `t` with codes of types `ct` (sectors) and `pt` (portfolios) given as names.
fn compute_as(
    t: &Table, ct: &str, pt: &str, f32w: bool, values: bool, normalize: bool,
) -> (Result<()>, Vec<f64>) {
    let (w32, v32): (Vec<f32>, Vec<f32>) =
        (t.w.iter().map(|&x| x as f32).collect(), t.v.iter().map(|&x| x as f32).collect());
    let conv = Conv::new(&t.c);
    let pconv = Conv::new(&t.p);
    let weights = if f32w { Floats::F32(&w32) } else { Floats::F64(&t.w) };
    let vals = values.then(|| if f32w { Floats::F32(&v32) } else { Floats::F64(&t.v) });
    let input = Input {
        weights,
        values: vals,
        codes: conv.get(ct),
        layout: Layout::Grouped { portfolios: pconv.get(pt), num_portfolios: t.num_portfolios },
        num_sectors: t.s,
    };
    let mut out = vec![f64::from_bits(SENTINEL); t.num_portfolios * t.s];
    (compute(&input, normalize, &mut out), out)
}

/// A code column in every supported type (values that do not fit wrap, as a cast would).
struct Conv {
    i8: Vec<i8>,
    i16: Vec<i16>,
    i32: Vec<i32>,
    i64: Vec<i64>,
    u8: Vec<u8>,
    u16: Vec<u16>,
    u32: Vec<u32>,
}

impl Conv {
    fn new(c: &[i64]) -> Conv {
        Conv {
            i8: c.iter().map(|&x| x as i8).collect(),
            i16: c.iter().map(|&x| x as i16).collect(),
            i32: c.iter().map(|&x| x as i32).collect(),
            i64: c.to_vec(),
            u8: c.iter().map(|&x| x as u8).collect(),
            u16: c.iter().map(|&x| x as u16).collect(),
            u32: c.iter().map(|&x| x as u32).collect(),
        }
    }
    fn get(&self, t: &str) -> Codes<'_> {
        match t {
            "i8" => Codes::I8(&self.i8),
            "i16" => Codes::I16(&self.i16),
            "i32" => Codes::I32(&self.i32),
            "i64" => Codes::I64(&self.i64),
            "u8" => Codes::U8(&self.u8),
            "u16" => Codes::U16(&self.u16),
            _ => Codes::U32(&self.u32),
        }
    }
}

/// Whether every code below `limit` fits the type named `t`.
fn fits(t: &str, limit: usize) -> bool {
    let max: u64 = match t {
        "i8" => i8::MAX as u64,
        "u8" => u8::MAX as u64,
        "i16" => i16::MAX as u64,
        "u16" => u16::MAX as u64,
        _ => u32::MAX as u64,
    };
    limit as u64 <= max + 1
}

/// Asserts bit equality, naming the first cell that differs (not printing both tables).
fn same_bits(got: &[f64], want: &[f64], what: &str) {
    assert_eq!(got.len(), want.len(), "{what}");
    if let Some(k) = (0..got.len()).find(|&k| got[k].to_bits() != want[k].to_bits()) {
        panic!("{what}: cell {k}: got {}, want {}", got[k], want[k]);
    }
}

fn want(t: &Table, values: bool) -> Vec<f64> {
    naive_grouped(&t.w, values.then_some(&t.v[..]), &t.c, &t.p, t.num_portfolios, t.s).sum
}

#[test]
fn sums_match_the_naive_loop_for_every_type_and_strategy() {
    let mut rng = Rng::new(41);
    // (rows, portfolios, sectors): one table (small, lanes, several chunks), then buckets.
    for (n, np, s) in [
        (0, 3, 2),
        (7, 3, 2),
        (1000, 20, 18),
        (200_000, 20, 18),
        (300, 2000, 30),
        (150_000, 6000, 18),
        (5000, 1, 70_000),
    ] {
        let t = table(&mut rng, n, np, s);
        for (ct, pt) in
            [("i32", "i32"), ("i8", "u32"), ("i64", "i16"), ("u8", "i64"), ("u16", "u8")]
        {
            if !fits(ct, s) || !fits(pt, np) {
                continue;
            }
            for values in [false, true] {
                let (res, out) = compute_as(&t, ct, pt, false, values, false);
                res.unwrap_or_else(|e| panic!("{n}x{np}x{s} {ct}/{pt}: {e}"));
                assert_eq!(
                    bits(&out),
                    bits(&want(&t, values)),
                    "{n}x{np}x{s} {ct}/{pt} values={values}"
                );
            }
        }
        // float32 weights: the same sums of the same (exactly converted) numbers.
        let (res, out) = compute_as(&t, "i32", "i32", true, true, false);
        res.unwrap();
        same_bits(&out, &want(&t, true), &format!("{n}x{np}x{s} f32"));
    }
}

#[test]
fn shuffled_rows_give_the_same_dyadic_sums_and_normalised_rows_sum_to_one() {
    let mut rng = Rng::new(43);
    for (n, np, s) in [(5000, 20, 18), (100_000, 3000, 20)] {
        let mut t = table(&mut rng, n, np, s);
        t.w.iter_mut().for_each(|x| *x = x.abs() + 0.125);
        let (_, before) = compute_as(&t, "i32", "i32", false, false, false);
        let order = testkit::permutation(&mut rng, n);
        let shuffled = Table {
            w: order.iter().map(|&i| t.w[i]).collect(),
            v: order.iter().map(|&i| t.v[i]).collect(),
            c: order.iter().map(|&i| t.c[i]).collect(),
            p: order.iter().map(|&i| t.p[i]).collect(),
            ..t
        };
        let (_, after) = compute_as(&shuffled, "i32", "i32", false, false, false);
        same_bits(&before, &after, "shuffled");
        let (res, norm) = compute_as(&shuffled, "i32", "i32", false, false, true);
        res.unwrap();
        for (q, row) in norm.chunks(s).enumerate() {
            let sum: f64 = row.iter().sum();
            let has_rows = shuffled.p.contains(&(q as i64));
            assert!(!has_rows || (sum - 1.0).abs() < 1e-12, "portfolio {q}: {sum}");
        }
    }
}

/// What is spoiled, how, and the message that must name it.
type Case = (&'static str, fn(&mut Table, usize), String);

#[test]
fn errors_name_the_row_and_leave_the_output_untouched() {
    let mut rng = Rng::new(47);
    for (n, np, s) in [(50, 4, 3), (120_000, 20, 18), (90_000, 5000, 10)] {
        let base = table(&mut rng, n, np, s);
        let at = n / 2 + 1;
        let cases: [Case; 5] = [
            (
                "portfolio",
                |t, i| t.p[i] = t.num_portfolios as i64,
                format!("portfolio code {np} at row {at} is outside 0..{np}"),
            ),
            (
                "negative portfolio",
                |t, i| t.p[i] = -3,
                format!("portfolio code -3 at row {at} is outside 0..{np}"),
            ),
            (
                "sector",
                |t, i| t.c[i] = -1,
                format!("sector code -1 at row {at} (portfolio {}) is outside 0..{s}", base.p[at]),
            ),
            (
                "weight",
                |t, i| t.w[i] = f64::NAN,
                format!("weight NaN at row {at} (portfolio {}) is not finite", base.p[at]),
            ),
            (
                "value",
                |t, i| t.v[i] = f64::INFINITY,
                format!("value inf at row {at} (portfolio {}) is not finite", base.p[at]),
            ),
        ];
        for (what, spoil, message) in cases {
            let mut t = Table {
                w: base.w.clone(),
                v: base.v.clone(),
                c: base.c.clone(),
                p: base.p.clone(),
                ..base
            };
            spoil(&mut t, at);
            // A later bad row must not win.
            t.w[n - 1] = f64::NAN;
            let (res, out) = compute_as(&t, "i64", "i64", false, true, false);
            let e = res.expect_err(what);
            assert_eq!(e.to_string(), message, "{n}x{np}x{s} {what}");
            assert!(out.iter().all(|x| x.to_bits() == SENTINEL), "{what}: output written");
        }
    }
}

#[test]
fn every_thread_count_gives_the_same_bits() {
    let _guard = THREADS.lock().unwrap_or_else(|e| e.into_inner());
    let mut rng = Rng::new(53);
    for (n, np, s) in [(400_000, 20, 18), (300_000, 4000, 25)] {
        let mut t = table(&mut rng, n, np, s);
        t.w = (0..n).map(|i| 1.0 / (i as f64 + 3.0)).collect();
        let mut results = Vec::new();
        for threads in [1, 2, 3, 0] {
            pool::set_num_threads(threads).unwrap();
            let (res, out) = compute_as(&t, "i32", "u32", false, true, false);
            res.unwrap();
            results.push(bits(&out));
        }
        assert!(results.windows(2).all(|w| w[0] == w[1]), "{n}x{np}x{s}");
    }
    pool::set_num_threads(0).unwrap();
}

#[test]
fn an_overflowing_sum_names_its_portfolio_and_sector() {
    for np in [3, 4000] {
        let s = 10;
        let n = 20;
        let w = vec![f64::MAX; n];
        let c = vec![7i32; n];
        let p = vec![2i32; n];
        let input = Input {
            layout: Layout::Grouped { portfolios: Codes::I32(&p), num_portfolios: np },
            ..Input::new(&w, &c, Layout::Ragged(&[]), s)
        };
        let mut out = vec![f64::from_bits(SENTINEL); np * s];
        let e = compute(&input, false, &mut out).unwrap_err();
        assert!(e.to_string().starts_with("the sum of sector 7 of portfolio 2 overflows"), "{e}");
        assert!(out.iter().all(|x| x.to_bits() == SENTINEL));
    }
}

#[test]
fn no_portfolios_is_an_empty_result_or_an_error_naming_the_first_row() {
    let (w, c, p) = ([1.0, 2.0], [0i32, 1], [0i32, 0]);
    for normalize in [false, true] {
        let input = Input {
            layout: Layout::Grouped { portfolios: Codes::I32(&p[..0]), num_portfolios: 0 },
            ..Input::new(&w[..0], &c[..0], Layout::Ragged(&[]), 2)
        };
        assert!(compute(&input, normalize, &mut []).is_ok());
        let input = Input {
            layout: Layout::Grouped { portfolios: Codes::I32(&p), num_portfolios: 0 },
            ..Input::new(&w, &c, Layout::Ragged(&[]), 2)
        };
        let e = compute(&input, normalize, &mut []).unwrap_err();
        assert_eq!(e.to_string(), "portfolio code 0 at row 0 is outside 0..0");
    }
}
