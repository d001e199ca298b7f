//! Unit tests of the scan's float pairs (`pair.rs`): windows at their edges, blocks that leave
//! a window, drains after `2^13` terms, and bad elements after a window moved. The reference is
//! the accumulator fed one term at a time (tested against big integers in `tests/exact.rs`).

use super::acc::Acc;
use super::chunk::{scan, Stop, BLOCK};
use crate::error::Bad;
use crate::testkit::Rng;

const FRACTION: u64 = (1 << 52) - 1;

/// A cell's exact value, canonical (so that a lost low bit shows even where rounding to a
/// double would hide it).
type Exact = Option<(u32, Vec<u8>)>;

fn exact(row: &[Acc]) -> Vec<Exact> {
    row.iter().map(|a| a.odd_part().map(|(sh, m)| (sh, m.as_slice().to_vec()))).collect()
}

/// Per-sector exact sums through `scan`.
fn scan_sums(w: &[f64], c: &[i32], s: usize) -> Result<Vec<Exact>, Stop> {
    let mut row = vec![Acc::ZERO; s];
    scan::<false, f64, i32>(w, &[], c, &mut row)?;
    Ok(exact(&row))
}

/// The same sums, one term at a time.
fn slow_sums(w: &[f64], c: &[i32], s: usize) -> Vec<Exact> {
    let mut row = vec![Acc::ZERO; s];
    w.iter().zip(c).for_each(|(&x, &k)| row[k as usize].add(x));
    exact(&row)
}

/// A double of biased exponent `e` (0: subnormal) with a random fraction and sign.
fn with_exponent(rng: &mut Rng, e: u64) -> f64 {
    let sign = (rng.below(2) as u64) << 63;
    f64::from_bits(sign | e << 52 | (rng.next_u64() & FRACTION))
}

#[test]
fn blocks_spanning_the_widest_pair_window_and_one_more_binade() {
    let mut rng = Rng::new(11);
    // Top exponents across the range: subnormals, around 1, and where `C = 1.5 · 2^K` would
    // overflow (top 2033 is the last the pairs take).
    for top in [1u64, 2, 30, 1023, 1500, 2032, 2033, 2034, 2046] {
        // Spans of 27..=30 binades: the pairs take up to 28 (`SPAN - 1`).
        for span in 27..=30u64 {
            let lo = top.saturating_sub(span);
            let n = 5 * BLOCK + 3; // more than 2^13 terms: a drain inside one window
            let w: Vec<f64> = (0..n)
                .map(|i| match i % 5 {
                    0 => with_exponent(&mut rng, top),
                    1 => with_exponent(&mut rng, lo),
                    2 => 0.0,
                    _ => {
                        let e = lo + rng.below(span as usize + 1) as u64;
                        with_exponent(&mut rng, e)
                    }
                })
                .collect();
            for s in [1, 18, 64] {
                let c = rng.codes(n, s);
                let got = scan_sums(&w, &c, s).expect("valid input");
                assert_eq!(got, slow_sums(&w, &c, s), "top {top}, span {span}, {s} sectors");
            }
        }
    }
}

#[test]
fn terms_that_cancel_in_the_pairs_leave_exactly_the_small_ones() {
    let mut rng = Rng::new(12);
    let n = 4 * BLOCK;
    // Every large term has its negative in the chunk; what is left are the tiny ones.
    let mut w: Vec<f64> = (0..n / 2).map(|_| rng.unit()).collect();
    let twins: Vec<f64> = w.iter().map(|x| -x).collect();
    w.extend(twins);
    for i in (0..n).step_by(97) {
        w[i] = with_exponent(&mut rng, 1023 - 28);
    }
    let c = rng.codes(n, 18);
    let got = scan_sums(&w, &c, 18).expect("valid input");
    assert_eq!(got, slow_sums(&w, &c, 18));
}

/// A chunk whose blocks take the pairs, leave them below and above, need the `i128` table or
/// go one by one, then return: every order of its blocks gives the same bits.
#[test]
fn blocks_that_leave_the_pair_window_and_come_back() {
    let mut rng = Rng::new(13);
    let scales: [&[i32]; 7] = [&[0], &[-40], &[0, -35], &[-300, 300], &[0], &[-1074], &[900]];
    let mut blocks: Vec<Vec<f64>> = scales
        .iter()
        .map(|scale| {
            (0..BLOCK).map(|i| (rng.unit() - 0.25) * 2f64.powi(scale[i % scale.len()])).collect()
        })
        .collect();
    for s in [1, 18, 64, 65] {
        for round in 0..4 {
            let w: Vec<f64> = blocks.concat();
            let c = rng.codes(w.len(), s);
            let got = scan_sums(&w, &c, s).expect("valid input");
            assert_eq!(got, slow_sums(&w, &c, s), "{s} sectors, round {round}");
            blocks.rotate_left(3);
        }
    }
}

#[test]
fn bad_elements_after_the_window_moved_are_found_first_to_last() {
    let mut rng = Rng::new(14);
    let n = 6 * BLOCK;
    // Block 0 ordinary, block 1 tiny (the pairs move), block 2 wide (1e300 next to 1e-300),
    // blocks 3.. ordinary again.
    let w: Vec<f64> = (0..n)
        .map(|i| match i / BLOCK {
            1 => rng.unit() * 1e-12,
            2 if i % 2 == 0 => rng.unit() * 1e300,
            2 => rng.unit() * 1e-300,
            _ => rng.unit(),
        })
        .collect();
    let c = rng.codes(n, 18);
    assert_eq!(scan_sums(&w, &c, 18).unwrap(), slow_sums(&w, &c, 18));
    for at in [BLOCK + 5, 2 * BLOCK + 1, 3 * BLOCK + 7, n - 1] {
        let mut bad_w = w.clone();
        bad_w[at] = f64::NAN;
        let later = at + (n - 1 - at) / 2;
        if later > at {
            bad_w[later] = f64::INFINITY; // never the one reported
        }
        let got = scan_sums(&bad_w, &c, 18);
        assert!(matches!(got, Err(Stop::Bad(i, Bad::Weight(x))) if i == at && x.is_nan()));
        let mut bad_c = c.clone();
        bad_c[at] = 18;
        assert_eq!(scan_sums(&w, &bad_c, 18), Err(Stop::Bad(at, Bad::Code(18))));
    }
}

/// The worst case of the pairs' bound: `2^13` terms in one cell whose low parts all have the
/// largest magnitude and the same sign, next to terms at the bottom of the window with their
/// last bit set — for spans up to the widest the pairs take, and one more.
#[test]
fn low_parts_of_one_sign_at_the_bound_stay_exact() {
    use super::pair::{HEADROOM, LOG_N, SPAN};
    let n = 1 << LOG_N;
    for d in SPAN - 4..=SPAN {
        let (hi, lo) = (1023u32, 1023 - d); // the largest terms in [1, 2)
                                            // The window `pair.rs` places for such a block, and its split unit `2^(K - 52)`.
        let top = (hi + HEADROOM).min(lo + SPAN - 1);
        let k = top as i32 - 1022 + LOG_N as i32 - 1;
        let unit = 2f64.powi(k - 52);
        let big = 1.0 + (unit / 2.0 - f64::EPSILON); // rounds down: its low part is +unit/2 - ulp
        let small = f64::from_bits(u64::from(lo) << 52 | 1);
        let w: Vec<f64> = (0..n).map(|i| if i % 8 == 0 { small } else { big }).collect();
        let c = vec![0i32; n];
        assert_eq!(scan_sums(&w, &c, 1).unwrap(), slow_sums(&w, &c, 1), "span {d}");
    }
}

/// `2^e` exactly, subnormals included (`powi` flushes `2^-1033` to zero).
fn pow2(e: i32) -> f64 {
    if e >= -1022 {
        f64::from_bits(((e + 1023) as u64) << 52)
    } else {
        f64::from_bits(1 << (e + 1074))
    }
}

/// Terms whose split is at an edge, for a window of top exponent `top` (terms below
/// `2^T`, `T = top - 1022`) and split unit `u = 2^(T - 40)`: rounded up to `2^T` itself, ties
/// rounding down and up (`|l| = u/2`), the largest `l` below a tie, and both sides of `2^(T-1)`.
fn edge_terms(top: u32) -> [f64; 7] {
    let t = top as i32 - 1022;
    let (p, u) = (pow2(t - 1), pow2(t - 40));
    let pred = |x: f64| f64::from_bits(x.to_bits() - 1);
    let succ = |x: f64| f64::from_bits(x.to_bits() + 1);
    [pred(2.0 * p), p + u / 2.0, p + 1.5 * u, pred(2.0 * p - u / 2.0), pred(p), succ(p), p]
}

/// A chunk of `n` terms: the first at exponent `top - d` with its last bit set (for `d = 28`,
/// the window's bottom: the pairs place the window with its top at `top`; 29 is one binade
/// more than they take), the others one edge term each, with signs by `signs` (0: all +,
/// 1: all -, 2: alternating, 3: random).
fn edge_chunk(rng: &mut Rng, top: u32, d: u32, kind: usize, signs: usize, n: usize) -> Vec<f64> {
    let small = f64::from_bits(u64::from(top.saturating_sub(d)) << 52 | 1);
    let edges = edge_terms(top);
    (0..n)
        .map(|i| {
            let x = if i == 0 { small } else { edges[kind] };
            let neg = match signs {
                0 => false,
                1 => true,
                2 => i % 2 == 1,
                _ => rng.below(2) == 1,
            };
            if neg {
                -x
            } else {
                x
            }
        })
        .collect()
}

/// The pairs' bound at its worst: `2^13` terms (a whole window: four blocks) and one more, all
/// in one cell and all at one edge of the split — at the window's top (`h = 2^T`), on ties,
/// just below a tie, around `2^(T-1)` — with one sign, alternating, or random; the window's top
/// from the subnormals to the last the pairs take (2033, where `2^13 · 2^T` would overflow) and
/// one beyond; the block's span the widest the pairs take, one less and one more.
#[test]
fn whole_windows_of_edge_terms_in_one_cell_stay_exact() {
    let mut rng = Rng::new(15);
    let tops = [1u32, 20, 29, 30, 31, 700, 1023, 1060, 2032, 2033, 2034];
    for (top, d) in tops.into_iter().flat_map(|t| [27, 28, 29].map(|d| (t, d))) {
        for kind in 0..7 {
            for signs in 0..4 {
                for n in [1 << 13, (1 << 13) + 1, 3 * BLOCK + 5] {
                    let w = edge_chunk(&mut rng, top, d, kind, signs, n);
                    for s in [1, 64] {
                        // One sector for the small term, another for all the edge terms.
                        let c: Vec<i32> = (0..n).map(|i| if i == 0 { 0 } else { s - 1 }).collect();
                        let got = scan_sums(&w, &c, s as usize).expect("finite sums");
                        let want = slow_sums(&w, &c, s as usize);
                        assert_eq!(got, want, "top {top}-{d}, kind {kind}, signs {signs}, n {n}");
                    }
                }
            }
        }
    }
}

/// Every block moves the window (tops 28 binades apart, up and down), each block's terms at
/// the edges of its split, all in one cell: a drain per block, nothing lost at any.
#[test]
fn a_window_move_per_block_of_edge_terms() {
    let mut rng = Rng::new(16);
    for (a, b) in [(1023u32, 1051u32), (1051, 1023), (30, 1023), (2033, 2005), (2033, 1)] {
        let w: Vec<f64> = (0..8)
            .flat_map(|blk| {
                let top = if blk % 2 == 0 { a } else { b };
                edge_chunk(&mut rng, top, 28, blk % 7, blk % 4, BLOCK)
            })
            .collect();
        let c = vec![0i32; w.len()];
        assert_eq!(scan_sums(&w, &c, 1).unwrap(), slow_sums(&w, &c, 1), "tops {a}, {b}");
    }
}
