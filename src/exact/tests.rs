//! Unit tests of the exact accumulator's parts: rounding at its edges, the long window, the
//! canonical form, and the chunk scan's windows. The property tests against an independent
//! big-integer reference are in `tests/exact.rs`.

use super::acc::{split, Acc};
use super::chunk::{scan, Stop};
use super::round::Overflow;
use crate::error::Bad;
use crate::testkit::Rng;

fn sum(xs: &[f64]) -> Result<f64, Overflow> {
    let mut acc = Acc::ZERO;
    xs.iter().for_each(|&x| acc.add(x));
    acc.round()
}

fn bits(x: Result<f64, Overflow>) -> Result<u64, Overflow> {
    x.map(f64::to_bits)
}

/// Doubles of every kind: zeros, subnormals, the ends of the range, random bit patterns.
fn doubles(rng: &mut Rng, n: usize) -> Vec<f64> {
    let mut v = vec![
        0.0,
        -0.0,
        f64::from_bits(1),
        -f64::from_bits(1),
        f64::MIN_POSITIVE,
        f64::MIN_POSITIVE - f64::from_bits(1),
        f64::MAX,
        -f64::MAX,
        1.0,
        -1.0,
        0.1,
    ];
    while v.len() < n {
        let x = f64::from_bits(rng.next_u64());
        if x.is_finite() {
            v.push(x);
        }
    }
    v
}

#[test]
fn one_double_rounds_to_itself() {
    let mut rng = Rng::new(1);
    for x in doubles(&mut rng, 20_000) {
        let want = if x == 0.0 { 0.0 } else { x };
        assert_eq!(bits(sum(&[x])), Ok(want.to_bits()), "{x:e}");
    }
}

#[test]
fn x_minus_x_is_plus_zero_and_x_plus_x_doubles() {
    let mut rng = Rng::new(2);
    for x in doubles(&mut rng, 5_000) {
        assert_eq!(bits(sum(&[x, -x])), Ok(0), "{x:e}");
        assert_eq!(bits(sum(&[-x, x, 0.0, -0.0])), Ok(0), "{x:e}");
        let twice = x * 2.0;
        if twice.is_finite() {
            let want = if twice == 0.0 { 0.0 } else { twice };
            assert_eq!(bits(sum(&[x, x])), Ok(want.to_bits()), "{x:e}");
        } else {
            assert_eq!(sum(&[x, x]), Err(Overflow { negative: x < 0.0 }));
        }
    }
}

#[test]
fn empty_and_negative_zero_sums_are_plus_zero() {
    // math.fsum([]) and math.fsum([-0.0]) are 0.0 on CPython 3.11.7, 3.12.1 and 3.13.0 here.
    assert_eq!(bits(sum(&[])), Ok(0));
    assert_eq!(bits(sum(&[-0.0])), Ok(0));
    assert_eq!(bits(sum(&[-0.0, -0.0])), Ok(0));
}

#[test]
fn ties_round_to_even() {
    let e = f64::EPSILON; // 2^-52
    assert_eq!(sum(&[1.0, e / 2.0]), Ok(1.0)); // tie, 1.0 is even
    assert_eq!(sum(&[1.0 + e, e / 2.0]), Ok(1.0 + 2.0 * e)); // tie, rounds up to even
    assert_eq!(sum(&[1.0, e / 2.0, e * e]), Ok(1.0 + e)); // above the tie
    assert_eq!(sum(&[1.0, e / 2.0, -e * e]), Ok(1.0)); // below the tie
    assert_eq!(sum(&[-1.0, -e / 2.0]), Ok(-1.0));
    assert_eq!(sum(&[-1.0 - e, -e / 2.0]), Ok(-1.0 - 2.0 * e));
    // In the subnormal range every sum of doubles is exact.
    let tiny = f64::from_bits(1);
    assert_eq!(sum(&[tiny, tiny, tiny]), Ok(3.0 * tiny));
    // Across the subnormal/normal boundary.
    let below = f64::MIN_POSITIVE - tiny;
    assert_eq!(sum(&[below, tiny]), Ok(f64::MIN_POSITIVE));
}

#[test]
fn overflow_is_exactly_at_max_plus_half_an_ulp() {
    let half_ulp = 2f64.powi(970); // f64::MAX's ulp is 2^971
    assert_eq!(sum(&[f64::MAX, half_ulp / 2.0]), Ok(f64::MAX));
    let just_below = half_ulp - 2f64.powi(970 - 52);
    assert_eq!(sum(&[f64::MAX, just_below]), Ok(f64::MAX));
    // The tie rounds to even, 2^1024: an overflow.
    assert_eq!(sum(&[f64::MAX, half_ulp]), Err(Overflow { negative: false }));
    assert_eq!(sum(&[-f64::MAX, -half_ulp]), Err(Overflow { negative: true }));
    assert_eq!(sum(&[f64::MAX, f64::MAX]), Err(Overflow { negative: false }));
    // No intermediate overflow (math.fsum raises here).
    assert_eq!(sum(&[1e308, 1e308, -1e308]), Ok(1e308));
    assert_eq!(sum(&[f64::MAX, f64::MAX, f64::MAX, -f64::MAX, -f64::MAX]), Ok(f64::MAX));
}

#[test]
fn huge_and_tiny_mixed() {
    assert_eq!(sum(&[1e300, 1e-300, -1e300]), Ok(1e-300));
    assert_eq!(sum(&[1e300, 1.0, -1e300, 1e-300]), Ok(1.0));
    let tiny = f64::from_bits(1);
    assert_eq!(sum(&[f64::MAX, tiny, -f64::MAX]), Ok(tiny));
    assert_eq!(sum(&[-f64::MAX, tiny, f64::MAX, -tiny, -tiny]), Ok(-tiny));
}

#[test]
fn split_gives_the_exact_value() {
    let mut rng = Rng::new(3);
    for x in doubles(&mut rng, 5_000) {
        let (m, shift) = split(x);
        assert!(m.unsigned_abs() < 1 << 53);
        // m · 2^(shift - 1074), computed in two exact steps (neither leaves the normal range).
        let a = shift as i32 - 1074;
        let y = (m as f64) * 2f64.powi(a / 2) * 2f64.powi(a - a / 2);
        assert_eq!(y, x, "{x:e}");
    }
}

#[test]
fn merge_equals_adding_everything_and_canonical_form_round_trips() {
    let mut rng = Rng::new(4);
    for round in 0..300 {
        let xs = doubles(&mut rng, 40);
        let cut = rng.below(xs.len());
        let (mut a, mut b, mut all) = (Acc::ZERO, Acc::ZERO, Acc::ZERO);
        // Halve most values so that sums rarely overflow, keep some at full size.
        let xs: Vec<f64> = xs.iter().map(|&x| if round % 3 == 0 { x } else { x / 64.0 }).collect();
        xs[..cut].iter().for_each(|&x| a.add(x));
        xs[cut..].iter().for_each(|&x| b.add(x));
        xs.iter().rev().for_each(|&x| all.add(x));
        let mut ab = a.clone();
        ab.merge(&b).unwrap();
        let mut ba = b.clone();
        ba.merge(&a).unwrap();
        for acc in [&ab, &ba] {
            assert_eq!(acc.odd_part().map(|(s, m)| (s, m.as_slice().to_vec())), canon(&all));
            assert_eq!(acc.round(), all.round());
        }
        let back = match all.odd_part() {
            None => Acc::ZERO,
            Some((shift, m)) => Acc::from_odd_part(shift, m.as_slice()),
        };
        assert_eq!(canon(&back), canon(&all));
        assert_eq!(back.round(), all.round());
    }
}

fn canon(acc: &Acc) -> Option<(u32, Vec<u8>)> {
    acc.odd_part().map(|(s, m)| (s, m.as_slice().to_vec()))
}

#[test]
fn merge_refuses_only_at_capacity() {
    let mut acc = Acc::ZERO;
    acc.add(f64::MAX);
    let mut doublings = 0;
    while acc.clone().merge(&acc).is_ok() {
        let copy = acc.clone();
        acc.merge(&copy).unwrap();
        doublings += 1;
    }
    // f64::MAX has 2,098 bits (in units of 2^-1074): about CAP_BITS - 2,098 doublings fit.
    assert!((1990..=2000).contains(&doublings), "{doublings}");
    assert_eq!(acc.round(), Err(Overflow { negative: false }));
    let before = acc.clone();
    assert!(acc.merge(&before).is_err());
    assert_eq!(acc, before, "a refused merge changes nothing");
}

/// Per-sector exact sums of a chunk, through `scan`, rounded.
fn scan_sums(w: &[f64], c: &[i32], s: usize) -> Result<Vec<f64>, Stop> {
    let mut row = vec![Acc::ZERO; s];
    scan::<false, f64, i32>(w, &[], c, &mut row)?;
    Ok(row.iter().map(|a| a.round().unwrap()).collect())
}

/// The same sums, one term at a time.
fn slow_sums(w: &[f64], c: &[i32], s: usize) -> Vec<f64> {
    let mut row = vec![Acc::ZERO; s];
    w.iter().zip(c).for_each(|(&x, &k)| row[k as usize].add(x));
    row.iter().map(|a| a.round().unwrap()).collect()
}

#[test]
fn scan_agrees_with_one_by_one_across_windows() {
    let mut rng = Rng::new(5);
    // Blocks of different exponent ranges: the window moves, widens, or cannot hold a block.
    let scales: [&[i32]; 5] = [&[0], &[-10, 0, 10], &[-60, 0], &[-300, 300], &[-1074, -1000, 5]];
    for (case, s) in [(1usize, 1usize), (2, 18), (3, 64), (4, 65), (5, 1000)] {
        for scale in scales {
            let n = 3 * super::chunk::BLOCK + 17 * case;
            let w: Vec<f64> = (0..n)
                .map(|i| {
                    let e = scale[(i / 700) % scale.len()];
                    (rng.unit() - 0.3) * 2f64.powi(e)
                })
                .collect();
            let c = rng.codes(n, s);
            let got = scan_sums(&w, &c, s).expect("valid input");
            assert_eq!(got, slow_sums(&w, &c, s), "{s} sectors, exponents {scale:?}");
        }
    }
}

#[test]
fn scan_reports_the_first_bad_element() {
    let mut rng = Rng::new(6);
    let n = 5000;
    let (w, c) = rng.data(n, 18);
    let mut bad_w = w.clone();
    bad_w[3000] = f64::NAN;
    bad_w[4000] = f64::INFINITY;
    let mut bad_c = c.clone();
    bad_c[3500] = 18;
    let got = scan_sums(&bad_w, &c, 18);
    assert!(matches!(got, Err(Stop::Bad(3000, Bad::Weight(x))) if x.is_nan()), "{got:?}");
    assert_eq!(scan_sums(&w, &bad_c, 18), Err(Stop::Bad(3500, Bad::Code(18))));
    bad_c[10] = -1;
    assert_eq!(scan_sums(&bad_w, &bad_c, 18), Err(Stop::Bad(10, Bad::Code(-1))));
    // Exposures: a value, and a product that overflows though both factors are finite.
    let mut v = vec![1.0; n];
    let mut row = vec![Acc::ZERO; 18];
    v[20] = f64::NEG_INFINITY;
    let got = scan::<true, f64, i32>(&w, &v, &c, &mut row);
    assert_eq!(got, Err(Stop::Bad(20, Bad::Value(f64::NEG_INFINITY))));
    v[20] = 1.0;
    let mut big = w.clone();
    big[30] = -1e300;
    v[30] = 1e300;
    let got = scan::<true, f64, i32>(&big, &v, &c, &mut row);
    let sector = c[30] as usize;
    assert_eq!(got, Err(Stop::ProductOverflow { index: 30, sector, negative: true }));
}

#[test]
fn round_small_agrees_with_round_magnitude() {
    use super::round::{round_magnitude, round_small};
    let mut rng = Rng::new(7);
    for i in 0..200_000u64 {
        // Magnitudes of every width, with runs of ones and zeros near the rounding bits.
        let width = rng.below(129) as u32;
        let mut mag = (u128::from(rng.next_u64()) << 64 | u128::from(rng.next_u64()))
            .checked_shr(128 - width)
            .unwrap_or(0);
        if i % 3 == 0 {
            mag |= (1u128 << rng.below(128)) - 1; // a run of ones
        }
        let base = match i % 4 {
            0 => rng.below(60) as u64,
            1 => rng.below(2200) as u64,
            2 => 2098u64.saturating_sub(width as u64 + rng.below(4) as u64),
            _ => rng.below(1 << 14) as u64,
        };
        let negative = i % 2 == 1;
        let limbs = [mag as u64, (mag >> 64) as u64];
        assert_eq!(
            round_small(mag, base, negative),
            round_magnitude(&limbs, base, negative),
            "{mag:#x} << {base}"
        );
    }
}

#[test]
fn a_cell_is_24_bytes() {
    assert_eq!(std::mem::size_of::<Acc>(), 24);
}
