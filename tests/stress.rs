//! Concurrency stress: 16 caller threads mix every entry point — small calls (inline) and large
//! ones (≥ 32,768 bonds, on the pool), valid and invalid — while another thread keeps changing the
//! pool size with `sw_set_num_threads`. Every result is checked: valid calls against an independent
//! reference (weights are multiples of 1/8 and small, so every sum is exact in any order and the
//! comparison is bit for bit), invalid calls for their exact status, their thread-local message
//! (read after a yield, so other threads' errors had every chance to leak in) and an untouched
//! output. A watchdog ends the process with a failure if the whole test takes longer than
//! `LIMIT`: a deadlock fails instead of hanging CI.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use sector_weights::ffi;
use sector_weights::testkit::Rng;

const CALLERS: usize = 16;
// Under Miri (`make miri`) one call per thread: still 16 threads, the pool and its resizing.
const CALLS_PER_THREAD: usize = if cfg!(miri) {
    1
} else if cfg!(debug_assertions) {
    20
} else {
    250
};
const LIMIT: Duration = Duration::from_secs(if cfg!(miri) { 3600 } else { 300 });
const SENTINEL: f64 = -7.0;

fn last_error() -> String {
    // SAFETY: NULL with length 0 writes nothing.
    let n = unsafe { ffi::sw_last_error_message(std::ptr::null_mut(), 0) };
    let mut buf = vec![0u8; n + 1];
    // SAFETY: buf holds n + 1 bytes.
    let m = unsafe { ffi::sw_last_error_message(buf.as_mut_ptr().cast(), buf.len()) };
    assert_eq!(m, n);
    buf.truncate(n);
    String::from_utf8(buf).unwrap()
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Entry {
    Drop,
    Uniform,
    Ragged,
    Exposures,
}

#[derive(Clone, Copy, Debug)]
enum Fault {
    None,
    Code(usize),
    Nan(usize),
    NullWeights,
    BadOffset,
    EmptyPortfolioNormalized,
}

/// One call's inputs, the fault injected into them, and what the library must answer.
struct Call {
    entry: Entry,
    p: usize,
    s: usize,
    w: Vec<f64>,
    v: Vec<f64>,
    c: Vec<i32>,
    off: Vec<i64>,
    normalize: bool,
    fault: Fault,
}

impl Call {
    fn random(rng: &mut Rng) -> Call {
        let entry = [Entry::Drop, Entry::Uniform, Entry::Ragged, Entry::Exposures][rng.below(4)];
        let large = rng.below(4) == 0;
        let max_s = if rng.below(2) == 0 { 18 } else { 90 };
        let s = 1 + rng.below(max_s);
        // Under Miri a large call is the smallest the pool takes: 2 portfolios x 16,384 bonds.
        let p = if cfg!(miri) && large { 2 } else { 1 + rng.below(if large { 3 } else { 6 }) };
        // Uniform portfolios for the drop-in and sw_sector_weights, ragged for the others.
        let sizes: Vec<usize> = if matches!(entry, Entry::Drop | Entry::Uniform) {
            let b = if large {
                if cfg!(miri) {
                    16_384
                } else {
                    32_768 + rng.below(40_000)
                }
            } else {
                rng.below(40)
            };
            vec![b; p]
        } else {
            (0..p)
                .map(|_| {
                    if large {
                        if cfg!(miri) {
                            16_384
                        } else {
                            20_000 + rng.below(80_000)
                        }
                    } else {
                        rng.below(40)
                    }
                })
                .collect()
        };
        let n: usize = sizes.iter().sum();
        let mut off = vec![0i64];
        for b in &sizes {
            off.push(off.last().unwrap() + *b as i64);
        }
        let w: Vec<f64> = (0..n).map(|_| (rng.below(161) as f64 - 40.0) / 8.0).collect();
        let v: Vec<f64> = (0..n).map(|_| (rng.below(33) as f64 - 8.0) / 8.0).collect();
        let c: Vec<i32> = (0..n).map(|_| rng.below(s) as i32).collect();
        let ragged = matches!(entry, Entry::Ragged | Entry::Exposures);
        let normalize = ragged && rng.below(3) == 0;
        let fault = match rng.below(10) {
            0 | 1 if n > 0 => Fault::Code(rng.below(n)),
            2 if n > 0 => Fault::Nan(rng.below(n)),
            3 if n > 0 => Fault::NullWeights,
            4 if ragged && p > 1 => Fault::BadOffset,
            5 if ragged => Fault::EmptyPortfolioNormalized,
            _ => Fault::None,
        };
        let mut call = Call { entry, p, s, w, v, c, off, normalize, fault };
        match fault {
            Fault::Code(i) => call.c[i] = if rng.below(2) == 0 { -1 } else { s as i32 },
            Fault::Nan(i) => call.w[i] = f64::NAN,
            Fault::BadOffset => call.off[2] = -1, // below offsets[1] >= 0
            Fault::EmptyPortfolioNormalized => {
                // Portfolio 0 loses its bonds to portfolio 1 (or there is a new empty one).
                call.normalize = true;
                if p > 1 {
                    call.off[1] = 0;
                } else {
                    call.off.insert(0, 0);
                    call.p += 1;
                }
            }
            _ => {}
        }
        if matches!(fault, Fault::None) {
            // Normalising needs non-zero totals: make each portfolio's first bond count.
            for q in 0..call.p {
                let (a, b) = (call.off[q] as usize, call.off[q + 1] as usize);
                if a < b {
                    while (a..b).map(|i| call.term(i)).sum::<f64>() == 0.0 {
                        call.w[a] += 1.0;
                        call.v[a] = 1.0;
                    }
                } else if call.normalize {
                    call.normalize = false; // an empty portfolio cannot be normalised
                }
            }
        }
        call
    }

    fn term(&self, i: usize) -> f64 {
        if self.entry == Entry::Exposures {
            self.w[i] * self.v[i]
        } else {
            self.w[i]
        }
    }

    /// Portfolio and bond-within-portfolio of global bond `i` (offsets valid).
    fn locate(&self, i: usize) -> (usize, usize) {
        let q = (0..self.p)
            .find(|&q| (self.off[q] as usize..self.off[q + 1] as usize).contains(&i))
            .expect("bond inside a portfolio");
        (q, i - self.off[q] as usize)
    }

    /// The expected status and message, or the expected output.
    fn expected(&self) -> Result<Vec<f64>, (i32, String)> {
        match self.fault {
            Fault::NullWeights => {
                let name =
                    if self.entry == Entry::Drop { "portfolios_bond_weights" } else { "weights" };
                return Err((1, format!("{name} is NULL but must hold {} elements", self.w.len())));
            }
            Fault::BadOffset => {
                return Err((
                    9,
                    format!(
                    "offsets[2] = -1 is less than offsets[1] = {} (offsets must never decrease)",
                    self.off[1]
                ),
                ))
            }
            Fault::Code(i) => {
                let (q, b) = self.locate(i);
                return Err((
                    4,
                    format!(
                        "sector code {} at bond {b} of portfolio {q} is outside 0..{}",
                        self.c[i], self.s
                    ),
                ));
            }
            Fault::Nan(i) => {
                let (q, b) = self.locate(i);
                return Err((5, format!("weight NaN at bond {b} of portfolio {q} is not finite")));
            }
            Fault::EmptyPortfolioNormalized => {
                return Err((
                    10,
                    "portfolio 0 (0 bonds) has a total of 0 and cannot be normalised".into(),
                ))
            }
            Fault::None => {}
        }
        let mut out = vec![0.0; self.p * self.s];
        for q in 0..self.p {
            let row = &mut out[q * self.s..(q + 1) * self.s];
            for i in self.off[q] as usize..self.off[q + 1] as usize {
                row[self.c[i] as usize] += self.term(i);
            }
            if self.normalize {
                let total: f64 = row.iter().sum();
                row.iter_mut().for_each(|x| *x /= total);
            }
        }
        Ok(out)
    }

    fn run(&self, out: &mut [f64]) -> i32 {
        let wp = if matches!(self.fault, Fault::NullWeights) {
            std::ptr::null()
        } else {
            self.w.as_ptr()
        };
        let flags = u32::from(self.normalize);
        let n = self.w.len();
        // SAFETY: every non-NULL buffer is valid for its stated length; NULL only with the
        // NullWeights fault, which the library must reject before reading.
        let status = unsafe {
            match self.entry {
                Entry::Drop => ffi::calculate_sector_weights(
                    wp,
                    self.p as u64,
                    self.c.as_ptr(),
                    (n / self.p) as u64,
                    out.as_mut_ptr(),
                    self.s as u64,
                ),
                Entry::Uniform => ffi::sw_sector_weights(
                    wp,
                    n,
                    self.c.as_ptr(),
                    n,
                    self.p,
                    self.s,
                    out.as_mut_ptr(),
                    out.len(),
                ),
                Entry::Ragged => ffi::sw_sector_weights_ragged(
                    wp,
                    n,
                    self.c.as_ptr(),
                    n,
                    self.off.as_ptr(),
                    self.off.len(),
                    self.s,
                    flags,
                    out.as_mut_ptr(),
                    out.len(),
                ),
                Entry::Exposures => ffi::sw_sector_exposures(
                    wp,
                    n,
                    self.v.as_ptr(),
                    n,
                    self.c.as_ptr(),
                    n,
                    self.off.as_ptr(),
                    self.off.len(),
                    self.s,
                    flags,
                    out.as_mut_ptr(),
                    out.len(),
                ),
            }
        };
        status as i32
    }
}

#[test]
fn sixteen_threads_mixing_every_entry_point_while_the_pool_is_resized() {
    let start = Instant::now();
    let (done_tx, done_rx) = mpsc::channel::<()>();
    let progress_ref: &'static AtomicUsize = Box::leak(Box::new(AtomicUsize::new(0)));
    std::thread::spawn(move || {
        if done_rx.recv_timeout(LIMIT).is_err() {
            eprintln!(
                "stress test watchdog: not finished after {LIMIT:?} ({} calls done): deadlock?",
                progress_ref.load(Ordering::SeqCst)
            );
            std::process::exit(101);
        }
    });

    let stop = AtomicBool::new(false);
    let resizes = AtomicUsize::new(0);
    let large_calls = AtomicUsize::new(0);
    let errors_checked = AtomicUsize::new(0);
    crossbeam::scope(|scope| {
        scope.spawn(|_| {
            let counts = [1usize, 3, 2, 4, 0, 1, 2];
            let mut k = 0;
            while !stop.load(Ordering::SeqCst) {
                let n = counts[k % counts.len()];
                assert_eq!(ffi::sw_set_num_threads(n) as i32, 0, "sw_set_num_threads({n})");
                assert!(ffi::sw_get_num_threads() >= 1);
                resizes.fetch_add(1, Ordering::SeqCst);
                k += 1;
                // Under Miri starting a pool is slow: resize less often.
                std::thread::sleep(Duration::from_millis(if cfg!(miri) { 200 } else { 2 }));
            }
        });
        let callers: Vec<_> = (0..CALLERS)
            .map(|t| {
                let (large_calls, errors_checked) = (&large_calls, &errors_checked);
                scope.spawn(move |_| {
                    let mut rng =
                        Rng(0x9e37_79b9_7f4a_7c15
                            ^ (t as u64 + 1).wrapping_mul(0x1234_5678_9abc_def1));
                    for k in 0..CALLS_PER_THREAD {
                        let call = Call::random(&mut rng);
                        if call.w.len() >= 32_768 {
                            large_calls.fetch_add(1, Ordering::SeqCst);
                        }
                        let mut out = vec![SENTINEL; call.p * call.s];
                        let status = call.run(&mut out);
                        std::thread::yield_now(); // let other threads' errors try to leak in
                        let msg = last_error();
                        let what =
                            format!("thread {t} call {k} ({:?}, {:?})", call.entry, call.fault);
                        match call.expected() {
                            Ok(want) => {
                                assert_eq!((status, msg.as_str()), (0, ""), "{what}");
                                assert!(out == want, "{what}: result differs from the reference");
                            }
                            Err((st, m)) => {
                                assert_eq!((status, msg), (st, m), "{what}");
                                assert!(
                                    out.iter().all(|x| x.to_bits() == SENTINEL.to_bits()),
                                    "{what}: output changed although the call failed"
                                );
                                errors_checked.fetch_add(1, Ordering::SeqCst);
                            }
                        }
                        progress_ref.fetch_add(1, Ordering::SeqCst);
                    }
                })
            })
            .collect();
        let results: Vec<_> = callers.into_iter().map(|h| h.join()).collect();
        stop.store(true, Ordering::SeqCst);
        for r in results {
            if let Err(e) = r {
                std::panic::resume_unwind(e);
            }
        }
    })
    .unwrap_or_else(|e| std::panic::resume_unwind(e));
    let _ = done_tx.send(());
    assert_eq!(ffi::sw_set_num_threads(0) as i32, 0);
    let (resizes, large, errs) =
        (resizes.into_inner(), large_calls.into_inner(), errors_checked.into_inner());
    eprintln!(
        "stress: {} calls by {CALLERS} threads ({large} with >= 32,768 bonds, {errs} invalid), \
         {resizes} pool resizes, {:.2?}",
        CALLERS * CALLS_PER_THREAD,
        start.elapsed()
    );
    assert!(resizes >= 2, "the pool was resized only {resizes} times during the run");
    let least = if cfg!(miri) { 1 } else { CALLERS };
    assert!(large >= least, "only {large} large calls");
    assert!(errs >= least, "only {errs} invalid calls");
}
