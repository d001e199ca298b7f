//! A panic inside the kernel becomes SW_ERROR_PANIC at the C boundary — not an abort — with a
//! message, the output untouched, and the next call working; on the inline path (small inputs, the
//! calling thread) and on the pool path (large inputs, the library's worker threads), for every
//! entry point. A panic hook records the name of the thread each panic happened on, which proves
//! which path ran.
//!
//! Needs the test-only `panic-hook` feature (`make test` runs `cargo test --all-features`).
#![cfg(feature = "panic-hook")]

use std::sync::atomic::Ordering;
use std::sync::{Mutex, MutexGuard, Once};

use sector_weights::ffi;
use sector_weights::internals::{FORCE_PANIC, FORCE_POOL, PARALLEL_MIN_BONDS};

const SW_OK: i32 = 0;
const SW_ERROR_PANIC: i32 = 13;
const SENTINEL: f64 = -7.0;

/// FORCE_PANIC is process-wide: the tests of this file take turns.
static SERIAL: Mutex<()> = Mutex::new(());
/// Names of the threads the recorded panics happened on.
static PANIC_THREADS: Mutex<Vec<String>> = Mutex::new(Vec::new());

fn serial() -> MutexGuard<'static, ()> {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let name = thread_name();
            PANIC_THREADS.lock().unwrap_or_else(|p| p.into_inner()).push(name);
            default(info);
        }));
    });
    SERIAL.lock().unwrap_or_else(|p| p.into_inner())
}

fn last_error() -> String {
    // SAFETY: NULL with length 0 writes nothing.
    let n = unsafe { ffi::sw_last_error_message(std::ptr::null_mut(), 0) };
    let mut buf = vec![0u8; n + 1];
    // SAFETY: buf holds n + 1 bytes.
    unsafe { ffi::sw_last_error_message(buf.as_mut_ptr().cast(), buf.len()) };
    buf.truncate(n);
    String::from_utf8(buf).unwrap()
}

/// Inputs for `p` portfolios of `b` bonds and `s` sectors; bond i of each portfolio has weight
/// (i % 7) + 1 and sector i % s, so the expected sums are easy to compute independently.
struct Data {
    p: usize,
    b: usize,
    s: usize,
    w: Vec<f64>,
    v: Vec<f64>,
    c: Vec<i32>,
    off: Vec<i64>,
}

impl Data {
    fn new(p: usize, b: usize, s: usize) -> Data {
        let w = (0..p * b).map(|i| ((i % b) % 7 + 1) as f64).collect();
        let c = (0..p * b).map(|i| ((i % b) % s) as i32).collect();
        Data { p, b, s, w, v: vec![0.5; p * b], c, off: (0..=p).map(|q| (q * b) as i64).collect() }
    }

    /// The expected row of every portfolio (all portfolios are alike), times `scale`.
    fn expected(&self, scale: f64) -> Vec<f64> {
        let mut row = vec![0.0; self.s];
        for i in 0..self.b {
            row[i % self.s] += ((i % 7) + 1) as f64 * scale;
        }
        row.repeat(self.p)
    }
}

#[derive(Clone, Copy, Debug)]
enum Entry {
    Drop,
    Uniform,
    Ragged,
    Exposures,
}

/// Calls `entry` on `d` writing `out`; returns the status.
fn call(entry: Entry, d: &Data, out: &mut [f64]) -> i32 {
    // SAFETY: every buffer is valid for its stated length.
    let status = unsafe {
        match entry {
            Entry::Drop => ffi::calculate_sector_weights(
                d.w.as_ptr(),
                d.p as u64,
                d.c.as_ptr(),
                d.b as u64,
                out.as_mut_ptr(),
                d.s as u64,
            ),
            Entry::Uniform => ffi::sw_sector_weights(
                d.w.as_ptr(),
                d.w.len(),
                d.c.as_ptr(),
                d.c.len(),
                d.p,
                d.s,
                out.as_mut_ptr(),
                out.len(),
            ),
            Entry::Ragged => ffi::sw_sector_weights_ragged(
                d.w.as_ptr(),
                d.w.len(),
                d.c.as_ptr(),
                d.c.len(),
                d.off.as_ptr(),
                d.off.len(),
                d.s,
                0,
                out.as_mut_ptr(),
                out.len(),
            ),
            Entry::Exposures => ffi::sw_sector_exposures(
                d.w.as_ptr(),
                d.w.len(),
                d.v.as_ptr(),
                d.v.len(),
                d.c.as_ptr(),
                d.c.len(),
                d.off.as_ptr(),
                d.off.len(),
                d.s,
                0,
                out.as_mut_ptr(),
                out.len(),
            ),
        }
    };
    status as i32
}

/// Forces one panic in a call of `entry` on `d`, checks it is reported and harmless, then checks
/// the same call works. Returns the name of the thread the panic happened on.
fn panic_then_recover(entry: Entry, d: &Data) -> String {
    let _turn = serial();
    PANIC_THREADS.lock().unwrap().clear();
    let mut out = vec![SENTINEL; d.p * d.s];
    // A job of the pool's mode runs inline when the pool's workers were last seen starting late
    // (a loaded machine): these tests want the pool, to see panics on its threads.
    FORCE_POOL.store(true, Ordering::SeqCst);
    FORCE_PANIC.store(true, Ordering::SeqCst);
    let status = call(entry, d, &mut out);
    let forced = FORCE_PANIC.swap(false, Ordering::SeqCst);
    assert!(!forced, "{entry:?}: the call never reached the kernel's panic hook");
    assert_eq!(status, SW_ERROR_PANIC, "{entry:?}: status after a forced panic");
    let msg = last_error();
    assert!(
        msg.starts_with("internal panic: forced panic (test hook) in portfolio "),
        "{entry:?}: message {msg:?}"
    );
    let changed = out.iter().filter(|&&x| x.to_bits() != SENTINEL.to_bits()).count();
    assert_eq!(
        changed,
        0,
        "{entry:?}: {changed} of {} output values changed although the call failed",
        out.len()
    );
    let threads = std::mem::take(&mut *PANIC_THREADS.lock().unwrap());
    assert_eq!(threads.len(), 1, "{entry:?}: exactly one panic: {threads:?}");

    // The process is alive, and the next call works and is right.
    let status = call(entry, d, &mut out);
    assert_eq!(status, SW_OK, "{entry:?}: the call after the panic: {}", last_error());
    assert_eq!(last_error(), "");
    let scale = if matches!(entry, Entry::Exposures) { 0.5 } else { 1.0 };
    assert_eq!(out, d.expected(scale), "{entry:?}: result after the panic");
    threads.into_iter().next().unwrap()
}

const ENTRIES: [Entry; 4] = [Entry::Drop, Entry::Uniform, Entry::Ragged, Entry::Exposures];

/// The current thread's name, as the panic hook records it.
fn thread_name() -> String {
    std::thread::current().name().unwrap_or("<unnamed>").to_string()
}

#[test]
fn panic_on_the_inline_path_is_reported_on_the_calling_thread() {
    // 3 portfolios x 10 bonds x 4 sectors: far below the parallel threshold.
    let d = Data::new(3, 10, 4);
    let me = thread_name();
    for entry in ENTRIES {
        let t = panic_then_recover(entry, &d);
        assert_eq!(t, me, "{entry:?}: the small call should run inline");
    }
}

#[test]
fn panic_on_the_shared_path_is_reported_whichever_thread_hits_it() {
    // 2 portfolios x 40,000 bonds (16,384 under Miri): at or above the parallel threshold, each
    // portfolio one chunk, a small output: the calling thread and a pool worker claim the
    // portfolios in turn, so either may be the one that panics.
    let d = Data::new(2, if cfg!(miri) { 16_384 } else { 40_000 }, 18);
    assert!(d.w.len() >= PARALLEL_MIN_BONDS);
    let me = thread_name();
    for entry in ENTRIES {
        let t = panic_then_recover(entry, &d);
        assert!(t == me || t.starts_with("sector-weights-"), "{entry:?}: panicked on {t}");
    }
}

#[test]
fn panic_on_the_pool_path_is_reported_from_a_worker_thread() {
    // 2 portfolios of more than one chunk each (18 sectors: chunks of 65,536 bonds): the whole
    // job runs inside the pool.
    let d = Data::new(2, 70_000, 18);
    for entry in ENTRIES {
        let t = panic_then_recover(entry, &d);
        assert!(
            t.starts_with("sector-weights-"),
            "{entry:?}: the large call should panic on a pool worker, not on {t}"
        );
    }
}

#[test]
fn panic_in_a_large_single_portfolio_on_the_pool_path() {
    // One portfolio of 150,000 bonds (70,000 under Miri): several chunks summed in parallel.
    let d = Data::new(1, if cfg!(miri) { 70_000 } else { 150_000 }, 5);
    for entry in ENTRIES {
        let t = panic_then_recover(entry, &d);
        assert!(t.starts_with("sector-weights-"), "{entry:?}: panicked on {t}");
    }
}

/// Few bonds, many sectors: the output is much larger than the input, so the kernel checks
/// everything first and then writes the sums straight into the output. The panic hook fires in
/// the check pass, before anything is written; on the pool path the calling thread and a worker
/// share the portfolios, so either may be the one that panics. (Nothing in the write pass can
/// fail: it runs only when no sum can overflow and no portfolio allocates.)
fn direct_write(d: &Data, pool: bool) {
    let me = thread_name();
    for entry in ENTRIES {
        let t = panic_then_recover(entry, d);
        let ok = if pool { t == me || t.starts_with("sector-weights-") } else { t == me };
        assert!(ok, "{entry:?}: panicked on {t}");
    }
}

#[test]
fn panic_when_the_output_is_written_directly_inline() {
    direct_write(&Data::new(2, 3, 300), false);
}

#[test]
fn panic_when_the_output_is_written_directly_on_the_pool() {
    // An output of 2 x 80,000 doubles: far above the parallel threshold.
    let d = Data::new(2, 3, 80_000);
    assert!(d.w.len() + d.p * d.s / 4 >= PARALLEL_MIN_BONDS);
    direct_write(&d, true);
}
