//! Exact mode (`SW_EXACT`, issue 16) through the C ABI, against the big-integer reference
//! (`common/exact_ref.rs`): adversarial data (1e300 with 1e-300, huge cancellations, subnormals,
//! sells, 65,536 sectors) in every layout, weights and exposures, normalised or not; shuffled rows
//! and every thread count give identical bits; errors leave the output untouched and read as the
//! default mode's.

mod common;

use common::exact_ref::{exact_cells, rounded_rows};
use common::{last_error, Rng};
use proptest::prelude::*;
use sector_weights::ffi::*;
use sector_weights::SwStatus::{self, *};
use std::sync::Mutex;

const SENTINEL: f64 = -7.25;
const EXACT: u32 = SW_EXACT;
const NORM: u32 = SW_NORMALIZE | SW_EXACT;

/// Tests that change the thread count run one at a time.
static THREADS: Mutex<()> = Mutex::new(());

fn col<T>(data: &[T], dtype: i32) -> SwColumn {
    SwColumn { data: data.as_ptr().cast(), len: data.len(), dtype }
}

/// sw_sector_weights_ragged (or sw_sector_exposures with values): status, message, output.
fn ragged(
    w: &[f64], v: Option<&[f64]>, c: &[i32], off: &[i64], s: usize, flags: u32,
) -> (SwStatus, String, Vec<f64>) {
    let mut out = vec![SENTINEL; (off.len() - 1) * s];
    let (o, n) = (out.as_mut_ptr(), out.len());
    // SAFETY: every buffer is a live slice of its stated length.
    let st = unsafe {
        match v {
            None => sw_sector_weights_ragged(
                w.as_ptr(),
                w.len(),
                c.as_ptr(),
                c.len(),
                off.as_ptr(),
                off.len(),
                s,
                flags,
                o,
                n,
            ),
            Some(v) => sw_sector_exposures(
                w.as_ptr(),
                w.len(),
                v.as_ptr(),
                v.len(),
                c.as_ptr(),
                c.len(),
                off.as_ptr(),
                off.len(),
                s,
                flags,
                o,
                n,
            ),
        }
    };
    (st, last_error(), out)
}

/// sw_grouped_sums with float64 weights (and values), int32 sector and portfolio codes.
fn grouped(
    w: &[f64], v: Option<&[f64]>, c: &[i32], s: usize, p: &[i32], np: usize, flags: u32,
) -> (SwStatus, String, Vec<f64>) {
    let mut out = vec![SENTINEL; np * s];
    let (wc, cc, pc) = (col(w, SW_FLOAT64), col(c, SW_INT32), col(p, SW_INT32));
    let vc = v.map(|v| col(v, SW_FLOAT64));
    let vp = vc.as_ref().map_or(std::ptr::null(), |v| v as *const SwColumn);
    // SAFETY: every column points into a live slice of its stated length and type.
    let st =
        unsafe { sw_grouped_sums(&wc, vp, &cc, s, &pc, np, flags, out.as_mut_ptr(), out.len()) };
    (st, last_error(), out)
}

/// sw_ragged_sums with float32 weights and int16 codes (the typed entry point).
fn typed(w: &[f32], c: &[i16], off: &[i64], s: usize, flags: u32) -> (SwStatus, Vec<f64>) {
    let mut out = vec![SENTINEL; (off.len() - 1) * s];
    let (wc, cc) = (col(w, SW_FLOAT32), col(c, SW_INT16));
    // SAFETY: as in `grouped`.
    let st = unsafe {
        sw_ragged_sums(
            &wc,
            std::ptr::null(),
            &cc,
            s,
            off.as_ptr(),
            off.len(),
            flags,
            out.as_mut_ptr(),
            out.len(),
        )
    };
    (st, out)
}

/// A double an adversary would pick: ordinary weights, 1e300 and 1e-300, subnormals, powers of
/// two at the ends of the range, sells (negative), zeros of both signs.
fn nasty(rng: &mut Rng) -> f64 {
    let sign = if rng.below(3) == 0 { -1.0 } else { 1.0 };
    let x = match rng.below(9) {
        0..=2 => rng.unit(),
        3 => rng.unit() * 1e300,
        4 => rng.unit() * 1e-300,
        5 => f64::from_bits(rng.next_u64() & ((1 << 52) - 1)), // subnormal
        6 => 2f64.powi(rng.below(2000) as i32 - 1000),
        7 => f64::from_bits(rng.next_u64() >> 2), // any magnitude below 2^512
        _ => [0.0, -0.0, 1e16, 1.0][rng.below(4)],
    };
    sign * x
}

/// `n` nasty weights with their cancelling twins shuffled in (a sum near zero from huge terms).
fn cancelling(rng: &mut Rng, n: usize) -> Vec<f64> {
    let mut w: Vec<f64> = (0..n / 2).map(|_| nasty(rng)).collect();
    let twins: Vec<f64> = w.iter().map(|x| -x).collect();
    w.extend(twins);
    while w.len() < n {
        w.push(nasty(rng));
    }
    // A few survivors so that not every sum is zero.
    for _ in 0..n / 50 {
        let i = rng.below(n);
        w[i] = nasty(rng);
    }
    shuffle(rng, &mut w);
    w
}

/// Values (durations, spreads): ordinary sizes of either sign, and some tiny ones.
fn values(rng: &mut Rng, n: usize) -> Vec<f64> {
    (0..n)
        .map(|_| if rng.below(10) == 0 { 1e-300 * rng.unit() } else { 20.0 * rng.unit() - 10.0 })
        .collect()
}

fn shuffle<T>(rng: &mut Rng, xs: &mut [T]) {
    for i in (1..xs.len()).rev() {
        xs.swap(i, rng.below(i + 1));
    }
}

fn terms(w: &[f64], v: Option<&[f64]>) -> Vec<f64> {
    match v {
        None => w.to_vec(),
        Some(v) => w.iter().zip(v).map(|(a, b)| a * b).collect(),
    }
}

/// The reference of ragged sums.
fn reference(
    w: &[f64], v: Option<&[f64]>, c: &[i32], off: &[i64], s: usize, normalize: bool,
) -> Option<Vec<f64>> {
    let t = terms(w, v);
    let mut out = Vec::new();
    for p in 0..off.len() - 1 {
        let r = off[p] as usize..off[p + 1] as usize;
        let sums = exact_cells(s, r.map(|i| (c[i] as usize, t[i])));
        out.extend(rounded_rows(&sums, s, normalize)?);
    }
    Some(out)
}

fn bits(v: &[f64]) -> Vec<u64> {
    v.iter().map(|x| x.to_bits()).collect()
}

fn offsets(rng: &mut Rng, n: usize, p: usize) -> Vec<i64> {
    let mut cuts: Vec<i64> = (0..p - 1).map(|_| rng.below(n + 1) as i64).collect();
    cuts.sort_unstable();
    let mut off = vec![0];
    off.extend(cuts);
    off.push(n as i64);
    off
}

#[test]
fn ragged_weights_and_exposures_match_the_reference() {
    let mut rng = Rng::new(16);
    for (n, p, s) in
        [(0, 1, 3), (1, 1, 1), (7, 3, 2), (1000, 5, 18), (5000, 3, 100), (3000, 2, 2000)]
    {
        let w = cancelling(&mut rng, n);
        let v = values(&mut rng, n);
        let c: Vec<i32> = (0..n).map(|_| rng.below(s) as i32).collect();
        let off = offsets(&mut rng, n, p);
        for values in [None, Some(&v[..])] {
            for flags in [EXACT, NORM] {
                let (st, msg, out) = ragged(&w, values, &c, &off, s, flags);
                let want = reference(&w, values, &c, &off, s, flags & SW_NORMALIZE != 0);
                match want {
                    Some(want) => {
                        assert_eq!(st, SW_OK, "{msg}");
                        assert_eq!(bits(&out), bits(&want), "n={n} p={p} s={s} flags={flags}");
                    }
                    None => {
                        assert_ne!(st, SW_OK);
                        assert!(out.iter().all(|&x| x == SENTINEL), "untouched on error");
                    }
                }
            }
        }
    }
}

#[test]
fn the_classic_cases() {
    let cases: [(&[f64], f64); 6] = [
        (&[1e300, 1e-300, -1e300], 1e-300),
        (&[1e308, 1e308, -1e308, -1e308], 0.0),
        (&[1e16, 1.0, -1e16], 1.0),
        (&[0.1, 0.2, 0.3], 0.6),
        (&[f64::from_bits(1), f64::from_bits(1), -f64::from_bits(3)], -f64::from_bits(1)),
        (&[-0.0, -0.0], 0.0),
    ];
    for (w, want) in cases {
        let c = vec![0; w.len()];
        let (st, msg, out) = ragged(w, None, &c, &[0, w.len() as i64], 1, EXACT);
        assert_eq!(st, SW_OK, "{msg}");
        assert_eq!(out[0].to_bits(), want.to_bits(), "{w:?}");
    }
}

#[test]
fn grouped_matches_the_reference_in_any_row_order() {
    let mut rng = Rng::new(61);
    // One table (20 x 18 cells) and buckets (40 x 1000 cells > 2^15).
    for (n, np, s) in [(20_000, 20, 18), (30_000, 40, 1000), (3, 2, 1)] {
        let w = cancelling(&mut rng, n);
        let v = values(&mut rng, n);
        let c: Vec<i32> = (0..n).map(|_| rng.below(s) as i32).collect();
        let p: Vec<i32> = (0..n).map(|_| rng.below(np) as i32).collect();
        for values in [None, Some(&v[..])] {
            let t = terms(&w, values);
            let sums =
                exact_cells(np * s, (0..n).map(|i| (p[i] as usize * s + c[i] as usize, t[i])));
            let want = rounded_rows(&sums, s, false).expect("finite sums");
            let (st, msg, out) = grouped(&w, values, &c, s, &p, np, EXACT);
            assert_eq!(st, SW_OK, "{msg}");
            assert_eq!(bits(&out), bits(&want), "n={n} np={np} s={s}");
            // The same rows shuffled: the same bits, normalised or not.
            let mut order: Vec<usize> = (0..n).collect();
            shuffle(&mut rng, &mut order);
            let pick = |x: &[f64]| order.iter().map(|&i| x[i]).collect::<Vec<_>>();
            let (w2, v2) = (pick(&w), pick(&v));
            let c2: Vec<i32> = order.iter().map(|&i| c[i]).collect();
            let p2: Vec<i32> = order.iter().map(|&i| p[i]).collect();
            let values2 = values.map(|_| &v2[..]);
            let (_, _, again) = grouped(&w2, values2, &c2, s, &p2, np, EXACT);
            assert_eq!(bits(&again), bits(&out));
            let a = grouped(&w, values, &c, s, &p, np, NORM);
            let b = grouped(&w2, values2, &c2, s, &p2, np, NORM);
            assert_eq!((a.0, bits(&a.2)), (b.0, bits(&b.2)), "{} / {}", a.1, b.1);
            if let Some(want) = rounded_rows(&sums, s, true) {
                assert_eq!(bits(&a.2), bits(&want));
            }
        }
    }
}

#[test]
fn grouped_equals_ragged_and_typed_equals_float64() {
    let mut rng = Rng::new(7);
    let (n, np, s) = (50_000, 7, 18);
    let w = cancelling(&mut rng, n);
    let c: Vec<i32> = (0..n).map(|_| rng.below(s) as i32).collect();
    let off = offsets(&mut rng, n, np);
    let p: Vec<i32> =
        (0..np).flat_map(|q| vec![q as i32; (off[q + 1] - off[q]) as usize]).collect();
    let (_, _, a) = ragged(&w, None, &c, &off, s, EXACT);
    let (st, msg, b) = grouped(&w, None, &c, s, &p, np, EXACT);
    assert_eq!(st, SW_OK, "{msg}");
    assert_eq!(bits(&a), bits(&b));
    // float32 weights and int16 codes: the same sums as their float64 and int32 widening.
    let w32: Vec<f32> =
        w.iter().map(|&x| x as f32).map(|y| if y.is_finite() { y } else { -1.5 }).collect();
    let w64: Vec<f64> = w32.iter().map(|&x| x as f64).collect();
    let c16: Vec<i16> = c.iter().map(|&k| k as i16).collect();
    let (st, t) = typed(&w32, &c16, &off, s, EXACT);
    assert_eq!(st, SW_OK);
    assert_eq!(bits(&t), bits(&ragged(&w64, None, &c, &off, s, EXACT).2));
}

#[test]
fn every_thread_count_gives_the_same_bits() {
    let _one = THREADS.lock().unwrap_or_else(|e| e.into_inner());
    let mut rng = Rng::new(3);
    // One portfolio of many chunks (forked inside the pool), many small portfolios (shared),
    // and a grouped table.
    let n = 400_000;
    let w = cancelling(&mut rng, n);
    let c: Vec<i32> = (0..n).map(|_| rng.below(18) as i32).collect();
    let p: Vec<i32> = (0..n).map(|_| rng.below(20) as i32).collect();
    let runs: Vec<Vec<Vec<u64>>> = [1, 2, 3, 8]
        .iter()
        .map(|&t| {
            assert_eq!(sw_set_num_threads(t), SW_OK);
            let many: Vec<i64> = (0..=1000).map(|i| (i * n / 1000) as i64).collect();
            vec![
                bits(&ragged(&w, None, &c, &[0, n as i64], 18, NORM).2),
                bits(&ragged(&w, None, &c, &many, 18, EXACT).2),
                bits(&grouped(&w, None, &c, 18, &p, 20, EXACT).2),
            ]
        })
        .collect();
    assert_eq!(sw_set_num_threads(0), SW_OK);
    assert!(runs.iter().all(|r| r == &runs[0]));
    let want = reference(&w, None, &c, &[0, n as i64], 18, true).expect("a nonzero total");
    assert_eq!(runs[0][0], bits(&want));
}

/// Weights in runs of one scale (what real portfolios look like, and what the scan's float
/// pairs take), with runs the pairs cannot take: tiny, huge, 1e300 next to 1e-300, subnormal.
fn runs(rng: &mut Rng, n: usize) -> Vec<f64> {
    let scales: [&[i32]; 8] = [&[0], &[0], &[-12], &[-45], &[-996, 996], &[-1074], &[1000], &[0]];
    let mut w = Vec::with_capacity(n);
    while w.len() < n {
        let scale = scales[rng.below(scales.len())];
        let len = 1 + rng.below(6000);
        for i in 0..len.min(n - w.len()) {
            w.push((rng.unit() - 0.2) * 2f64.powi(scale[i % scale.len()]));
        }
    }
    w
}

#[test]
fn runs_of_one_scale_give_the_reference_for_every_thread_count_and_row_order() {
    let _one = THREADS.lock().unwrap_or_else(|e| e.into_inner());
    let mut rng = Rng::new(17);
    let n = 300_000;
    let w = runs(&mut rng, n);
    let c: Vec<i32> = (0..n).map(|_| rng.below(18) as i32).collect();
    let p: Vec<i32> = (0..n).map(|_| rng.below(7) as i32).collect();
    let mut order: Vec<usize> = (0..n).collect();
    shuffle(&mut rng, &mut order);
    let pick = |xs: &[i32]| order.iter().map(|&i| xs[i]).collect::<Vec<i32>>();
    let (ws, cs, ps) = (order.iter().map(|&i| w[i]).collect::<Vec<f64>>(), pick(&c), pick(&p));
    let many: Vec<i64> = (0..=30).map(|i| (i * n / 30) as i64).collect();
    let want = reference(&w, None, &c, &many, 18, false).expect("finite sums");
    for t in [1, 2, 3, 8] {
        assert_eq!(sw_set_num_threads(t), SW_OK);
        assert_eq!(bits(&ragged(&w, None, &c, &many, 18, EXACT).2), bits(&want), "{t} threads");
        let (g, gs) = (
            grouped(&w, None, &c, 18, &p, 7, EXACT).2,
            grouped(&ws, None, &cs, 18, &ps, 7, EXACT).2,
        );
        assert_eq!(bits(&g), bits(&gs), "{t} threads, rows shuffled");
        let one = ragged(&w, None, &c, &[0, n as i64], 18, EXACT).2;
        assert_eq!(bits(&one), bits(&reference(&w, None, &c, &[0, n as i64], 18, false).unwrap()));
    }
    assert_eq!(sw_set_num_threads(0), SW_OK);
}

#[test]
fn sixty_five_thousand_sectors() {
    let mut rng = Rng::new(65536);
    let (n, s) = (200_000, 65_536);
    let w = cancelling(&mut rng, n);
    let c: Vec<i32> = (0..n).map(|_| rng.below(s) as i32).collect();
    let off = [0, 150_000, n as i64];
    let (st, msg, out) = ragged(&w, None, &c, &off, s, EXACT);
    assert_eq!(st, SW_OK, "{msg}");
    assert_eq!(bits(&out), bits(&reference(&w, None, &c, &off, s, false).unwrap()));
}

/// Weights, codes, offsets, flags.
type Case<'a> = (&'a [f64], &'a [i32], &'a [i64], u32);

#[test]
fn errors_leave_the_output_untouched_and_read_as_the_default_modes() {
    let cases: [Case; 6] = [
        // The exact sum overflows.
        (&[1e308, 1e308, 1.0], &[0, 0, 1], &[0, 3], EXACT),
        // A bad code in a later portfolio outranks the overflow of an earlier one.
        (&[1e308, 1e308, 1.0], &[0, 0, 9], &[0, 2, 3], EXACT),
        // A NaN weight.
        (&[1.0, f64::NAN], &[0, 1], &[0, 2], NORM),
        // An empty portfolio cannot be normalised.
        (&[1.0, 2.0], &[0, 1], &[0, 2, 2], NORM),
        // A total that overflows.
        (&[1e308, 1e308], &[0, 1], &[0, 2], NORM),
        // A total tiny beside a sum.
        (&[1e300, -1e300, 1e-300], &[0, 1, 2], &[0, 3], NORM),
    ];
    for (w, c, off, flags) in cases {
        let s = 3;
        let (st, msg, out) = ragged(w, None, c, off, s, flags);
        let (dst, dmsg, _) = ragged(w, None, c, off, s, flags & !SW_EXACT);
        assert_ne!(st, SW_OK, "{w:?}");
        assert!(out.iter().all(|&x| x == SENTINEL), "untouched: {out:?}");
        assert_eq!((st, &msg), (dst, &dmsg), "the default mode's error for {w:?}");
    }
    // Exactly zero, though its terms are not: the exact mode knows; the default mode does not.
    let (st, msg, out) = ragged(&[1e16, 1.0, -1e16, -1.0], None, &[0, 1, 0, 1], &[0, 4], 2, NORM);
    assert_eq!(st, SW_ERROR_ZERO_TOTAL);
    assert_eq!(msg, "portfolio 0 (4 bonds) has a total of 0 and cannot be normalised");
    assert!(out.iter().all(|&x| x == SENTINEL));
    // A product that overflows (exposures), and a grouped overflow in the bucket strategy.
    let (st, msg, _) = ragged(&[1e200, 1.0], Some(&[1e200, 1.0]), &[1, 1], &[0, 2], 2, EXACT);
    assert_eq!(st, SW_ERROR_NON_FINITE);
    assert!(msg.starts_with("the sum of sector 1 of portfolio 0 overflows (inf)"), "{msg}");
    let (st, msg, out) =
        grouped(&[1.0, -1e200], Some(&[1.0, 1e200]), &[0, 0], 1, &[3, 40_000], 40_001, EXACT);
    assert_eq!(st, SW_ERROR_NON_FINITE);
    assert!(msg.starts_with("the sum of sector 0 of portfolio 40000 overflows (-inf)"), "{msg}");
    assert!(out.iter().all(|&x| x == SENTINEL));
    // No portfolios: any sector count is valid and nothing is allocated for it (fuzz-found).
    let huge = usize::MAX / 4;
    // SAFETY: empty buffers (NULL with length 0 is allowed); offsets holds one element.
    let st = unsafe {
        sw_sector_weights_ragged(
            std::ptr::null(),
            0,
            std::ptr::null(),
            0,
            [0i64].as_ptr(),
            1,
            huge,
            EXACT,
            std::ptr::null_mut(),
            0,
        )
    };
    assert_eq!(st, SW_OK, "{}", last_error());
    // Grouped: a bad portfolio code named as in the default mode.
    let a = grouped(&[1.0, 2.0], None, &[0, 0], 1, &[0, 5], 2, NORM);
    let b = grouped(&[1.0, 2.0], None, &[0, 0], 1, &[0, 5], 2, SW_NORMALIZE);
    assert_eq!((a.0, &a.1), (b.0, &b.1));
    assert!(a.2.iter().all(|&x| x == SENTINEL));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(common::exact_ref::cases(64)))]

    /// Any rows, any portfolio split, shuffled: the reference's bits, and a shuffle's.
    #[test]
    fn exact_sums_are_the_reference_and_ignore_row_order(
        seed in any::<u64>(), n in 0usize..300, np in 1usize..5, s in 1usize..6, normalize: bool,
    ) {
        let mut rng = Rng::new(seed);
        let w = cancelling(&mut rng, n);
        let c: Vec<i32> = (0..n).map(|_| rng.below(s) as i32).collect();
        let p: Vec<i32> = (0..n).map(|_| rng.below(np) as i32).collect();
        let flags = if normalize { NORM } else { EXACT };
        let sums = exact_cells(np * s, (0..n).map(|i| (p[i] as usize * s + c[i] as usize, w[i])));
        let (st, _, out) = grouped(&w, None, &c, s, &p, np, flags);
        match rounded_rows(&sums, s, normalize) {
            Some(want) => prop_assert_eq!(bits(&out), bits(&want)),
            None => prop_assert_ne!(st, SW_OK),
        }
        let mut order: Vec<usize> = (0..n).collect();
        shuffle(&mut rng, &mut order);
        let w2: Vec<f64> = order.iter().map(|&i| w[i]).collect();
        let c2: Vec<i32> = order.iter().map(|&i| c[i]).collect();
        let p2: Vec<i32> = order.iter().map(|&i| p[i]).collect();
        let (st2, _, out2) = grouped(&w2, None, &c2, s, &p2, np, flags);
        prop_assert_eq!(st, st2);
        prop_assert_eq!(bits(&out), bits(&out2));
    }
}

/// The float pairs' worst cases (`src/exact/pair.rs`) through the C ABI, against big integers:
/// a whole window (`2^13` terms, and one more) of terms at an edge of their split in one sector
/// next to a term at the window's bottom with its last bit set — 8,191 × the double below
/// `2^1011` (high parts summing to `2^1024 - 2^1011`, next to the largest double); ties of the
/// split at `1` whose low parts all have one sign, and (alternating `1 + 2^-40` and
/// `-(1 + 3 · 2^-40)`) whose high parts cancel, so that a lost low bit shows in the rounded sum
/// — as weights and as exposures `(2w) × 0.5`.
#[test]
fn whole_pair_windows_of_edge_terms() {
    let pred = |x: f64| f64::from_bits(x.to_bits() - 1);
    let tie = 1.0 + 2f64.powi(-40);
    // (the term at the window's bottom, 2^(top - 1051) with its last bit; odd and even terms)
    let cases = [
        (f64::from_bits(2005 << 52 | 1), pred(2f64.powi(1011)), pred(2f64.powi(1011))),
        (f64::from_bits(995 << 52 | 1), tie, tie),
        (f64::from_bits(995 << 52 | 1), tie, -(1.0 + 3.0 * 2f64.powi(-40))),
    ];
    for (small, odd, even) in cases {
        for n in [1 << 13, (1 << 13) + 1] {
            let mut w: Vec<f64> = (0..n).map(|i| if i % 2 == 1 { odd } else { even }).collect();
            w[0] = small;
            let c: Vec<i32> = (0..n).map(|i| i32::from(i == 0 && odd > 1e300)).collect();
            let off = [0, n as i64];
            let (st, msg, out) = ragged(&w, None, &c, &off, 2, EXACT);
            let want = reference(&w, None, &c, &off, 2, false).expect("finite sums");
            assert_eq!(st, SW_OK, "{msg}");
            assert_eq!(bits(&out), bits(&want), "weights {odd:e}, {even:e}, n {n}");
            let w2: Vec<f64> = w.iter().map(|x| 2.0 * x).collect();
            let v = vec![0.5; n];
            let (st, msg, out) = ragged(&w2, Some(&v), &c, &off, 2, EXACT);
            let want = reference(&w2, Some(&v), &c, &off, 2, false).expect("finite sums");
            assert_eq!(st, SW_OK, "{msg}");
            assert_eq!(bits(&out), bits(&want), "exposures {odd:e}, {even:e}, n {n}");
        }
    }
}
