//! No partial results on large outputs of short rows (many small portfolios: the staged and the
//! check-then-write strategies, the shared job): whatever fails, wherever, and whichever thread
//! finds it, the output is afterwards byte for byte what it was — also when it held arbitrary
//! bits (NaN payloads, negative zeros, infinities) rather than a uniform fill.
use super::tests::{put_bad, BAD_KINDS};
use super::*;
use crate::testkit::{self, bits, Rng};

/// Sizes (portfolios, bonds, sectors, ragged), all run as a shared job (1 and 2 threads): more
/// than 2^19 output doubles staged, a ragged layout, portfolios so small that the output
/// outgrows half the bonds (check-then-write in 16 blocks, or staged when normalised), and few
/// portfolios of many sectors (the 20 x 50,000 x 65,536 shape, smaller: check-then-write in 4
/// blocks of rows far larger than their bonds).
const CASES: [(usize, usize, usize, bool); 4] = [
    (30_000, 40, 18, false),
    (45_000, 30, 12, true),
    (60_000, 4, 18, false),
    (16, 2_000, 16_384, false),
];

/// Offsets of `p` portfolios of about `b` bonds (1 to 2b - 1) each, or of exactly `b`.
fn offsets(rng: &mut Rng, p: usize, b: usize, ragged: bool) -> Vec<i64> {
    let mut off = vec![0i64];
    for _ in 0..p {
        let len = if ragged { 1 + rng.below(2 * b - 1) } else { b };
        off.push(off.last().unwrap() + len as i64);
    }
    off
}

/// Runs the job on `out` (uniform layout when every portfolio has `b` bonds).
fn run(
    w: &[f64], c: &[i32], off: &[i64], (b, s): (usize, usize), normalize: bool, out: &mut [f64],
) -> Result<()> {
    let p = off.len() - 1;
    let uniform = off.windows(2).all(|x| x[1] - x[0] == b as i64);
    let layout = match uniform {
        true => Layout::Uniform { num_portfolios: p, bonds_per_portfolio: b },
        false => Layout::Ragged(off),
    };
    compute(&Input::new(w, c, layout, s), normalize, out)
}

/// Calls the job on a copy of `before`, at 1 and 2 threads, three times each, for each of
/// `modes` (normalise or not): each call must fail and leave the copy bit for bit as it was.
fn fails_untouched(
    w: &[f64], c: &[i32], off: &[i64], (b, s): (usize, usize), modes: &[bool], before: &[f64],
    what: &str,
) {
    for t in [1, 2] {
        pool::set_num_threads(t).unwrap();
        for (&normalize, round) in modes.iter().flat_map(|m| [m; 3]).zip(0..) {
            let mut out = before.to_vec();
            let res = run(w, c, off, (b, s), normalize, &mut out);
            let what = format!("{what}, {t} threads, normalize={normalize}, round {round}");
            assert!(res.is_err(), "{what}: must fail");
            assert!(bits(&out) == bits(before), "{what}: output changed on error");
        }
    }
}

#[test]
fn any_failure_anywhere_leaves_the_output_byte_identical_at_one_and_two_threads() {
    let _guard = super::tests::THREADS.lock().unwrap_or_else(|e| e.into_inner());
    let mut rng = Rng::new(41);
    for (p, b, s, ragged) in CASES {
        let off = offsets(&mut rng, p, b, ragged);
        let n = *off.last().unwrap() as usize;
        let (w, c) = rng.dyadic_data(n, s);
        let before: Vec<f64> = (0..p * s).map(|_| f64::from_bits(rng.next_u64())).collect();
        let portfolio = |q: usize| off[q] as usize..off[q + 1] as usize;
        // The first, a middle and the last portfolio: found by the calling thread before any
        // row is written, or by either thread while the other writes.
        for q in [0, p / 2 + 1, p - 1] {
            let r = portfolio(q);
            let mut bad: Vec<(Vec<f64>, Vec<i32>, Vec<bool>)> = Vec::new();
            for kind in 0..BAD_KINDS {
                for at in [r.start, r.end - 1] {
                    let (mut w, mut c) = (w.clone(), c.clone());
                    put_bad(kind, at, s, &mut w, &mut c);
                    bad.push((w, c, vec![false, true]));
                }
            }
            // A zero total (only normalising fails) and an overflowing sum of finite weights.
            let mut wz = w.clone();
            wz[r.clone()].fill(0.0);
            bad.push((wz, c.clone(), vec![true]));
            let (mut wo, mut co) = (w.clone(), c.clone());
            for i in [r.start, r.end - 1] {
                (wo[i], co[i]) = (1.5e308, 0);
            }
            if r.len() > 1 {
                bad.push((wo, co, vec![false, true]));
            }
            for (w, c, modes) in &bad {
                let what = format!("{p}x{b}x{s} ragged={ragged}, portfolio {q}");
                fails_untouched(w, c, &off, (b, s), modes, &before, &what);
            }
        }
        // And without a failure, the sums (exact: dyadic weights) replace every old bit.
        let ranges = testkit::ranges_of(&off.iter().map(|&o| o as usize).collect::<Vec<_>>());
        let want = bits(&testkit::naive(&w, None, &c, &ranges, s).sum);
        for t in [1, 2] {
            pool::set_num_threads(t).unwrap();
            let mut out = before.clone();
            run(&w, &c, &off, (b, s), false, &mut out).unwrap();
            assert!(bits(&out) == want, "{p}x{b}x{s} ragged={ragged}, {t} threads: not the sums");
        }
    }
    pool::set_num_threads(0).unwrap();
}

/// Check-then-write with a sum that could overflow: the check pass finds a portfolio whose sum of
/// |weights| is near `f64::MAX`, so no row is written directly; the job is staged instead and
/// gives the sums — also when that portfolio is the last one checked, with every other block
/// ready to be written. The same bits at 1 and 2 threads.
#[test]
fn a_sum_near_overflow_found_by_the_check_pass_stages_the_rows_instead() {
    let _guard = super::tests::THREADS.lock().unwrap_or_else(|e| e.into_inner());
    let mut rng = Rng::new(43);
    for (p, b, s) in [(60_000, 4, 18), (16, 2_000, 16_384)] {
        let off: Vec<i64> = (0..=p).map(|q| (q * b) as i64).collect();
        let (w0, c0) = rng.dyadic_data(p * b, s);
        for q in [0, p / 2, p - 1] {
            // +1e308 and -1e308 in sectors 0 and 1 of portfolio q: every sum stays finite
            // (1e308 absorbs the small dyadic terms in any order), their Σ|w| does not.
            let (mut w, mut c) = (w0.clone(), c0.clone());
            (w[q * b], c[q * b], w[q * b + 1], c[q * b + 1]) = (1e308, 0, -1e308, 1);
            sums_at_one_and_two_threads(&w, &c, &off, (b, s), &mut rng);
        }
    }
    pool::set_num_threads(0).unwrap();
}

/// The job's sums into an output of arbitrary bits, 3 times at 1 and 2 threads: the naive sums.
fn sums_at_one_and_two_threads(
    w: &[f64], c: &[i32], off: &[i64], (b, s): (usize, usize), rng: &mut Rng,
) {
    let p = off.len() - 1;
    let want = bits(&testkit::naive(w, None, c, &testkit::uniform_ranges(p, b), s).sum);
    let before: Vec<f64> = (0..p * s).map(|_| f64::from_bits(rng.next_u64())).collect();
    for t in [1, 2] {
        pool::set_num_threads(t).unwrap();
        for round in 0..3 {
            let mut out = before.clone();
            run(w, c, off, (b, s), false, &mut out).unwrap();
            assert!(bits(&out) == want, "{p}x{b}x{s}, {t} threads, round {round}");
        }
    }
}
