//! Running out of memory part-way is an error with the output untouched, like every other error.
//!
//! The strategy that writes rows straight into the caller's output (many sectors, few bonds) must
//! not allocate anything once it has started writing: here an allocator that refuses exactly one
//! size makes the allocation for one late portfolio fail (its four accumulator tables, or the
//! partial tables of a portfolio of several chunks) after many earlier rows could have been
//! written.

use std::alloc::{GlobalAlloc, Layout as AllocLayout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use sector_weights::internals::{chunk_len, compute, Input, Layout};
use sector_weights::SwStatus;

/// Refuses every allocation of exactly `REFUSE` bytes (0: none).
struct Refusing;

static REFUSE: AtomicUsize = AtomicUsize::new(0);
static REFUSED: AtomicUsize = AtomicUsize::new(0);

// SAFETY: delegates to the system allocator; refusing (returning null) is allowed by the contract.
unsafe impl GlobalAlloc for Refusing {
    unsafe fn alloc(&self, layout: AllocLayout) -> *mut u8 {
        if layout.size() == REFUSE.load(Ordering::Relaxed) {
            REFUSED.fetch_add(1, Ordering::Relaxed);
            return std::ptr::null_mut();
        }
        // SAFETY: same layout, forwarded.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: AllocLayout) {
        // SAFETY: `ptr` came from `System.alloc` with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOC: Refusing = Refusing;

/// The tests share REFUSE: one at a time.
static SERIAL: Mutex<()> = Mutex::new(());

/// `empty` empty portfolios (each row is written as zeros directly), then one portfolio of
/// `last` bonds over `s` sectors whose computation allocates `refuse` bytes.
fn run(empty: usize, last: usize, s: usize, refuse: usize) {
    let _guard = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let w: Vec<f64> = (0..last).map(|i| (i % 7) as f64 / 8.0).collect();
    let c: Vec<i32> = (0..last).map(|i| (i * 31 % s) as i32).collect();
    let mut offsets = vec![0i64; empty + 1];
    offsets.push(last as i64);
    let input = Input::new(&w, &c, Layout::Ragged(&offsets), s);
    let p = empty + 1;
    // Far more output than bonds: the output-dominated (write rows directly) strategy.
    assert!(p * s > last / 2);

    // The sums by a plain loop (exact: every weight is a multiple of 1/8), not by `compute`,
    // which would leave its partial tables in the buffer kept between calls, and the refused
    // call would then not allocate them.
    let mut want = vec![0.0; p * s];
    for (&wi, &ci) in w.iter().zip(&c) {
        want[empty * s + ci as usize] += wi;
    }

    let mut out = vec![-7.0; p * s];
    REFUSED.store(0, Ordering::Relaxed);
    REFUSE.store(refuse, Ordering::Relaxed);
    let res = compute(&input, false, &mut out);
    REFUSE.store(0, Ordering::Relaxed);
    assert!(
        REFUSED.load(Ordering::Relaxed) > 0,
        "no allocation of {refuse} bytes happened: the test does not test anything"
    );
    let e = res.expect_err("a refused allocation must be an error");
    assert_eq!(e.status(), SwStatus::SW_ERROR_OUT_OF_MEMORY, "{e}");
    let written = out.iter().filter(|&&x| x != -7.0).count();
    assert_eq!(written, 0, "{written} output cells written before the error ({e})");

    // And the next call works.
    compute(&input, false, &mut out).expect("works again");
    assert_eq!(
        out.iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
        want.iter().map(|x| x.to_bits()).collect::<Vec<_>>()
    );
}

#[test]
fn heap_lanes_refused_after_rows_were_written() {
    // 97 sectors (four tables on the heap: 97 x 4 doubles), a last portfolio of 16 x 97 bonds.
    let s = 97;
    run(20_000, 16 * s, s, s * 4 * 8);
}

#[test]
fn partial_tables_refused_after_rows_were_written() {
    // 509 sectors, a last portfolio of two chunks: one partial table of 509 doubles (4,072
    // bytes). The refused size must be one nothing else allocates during the call: with 3
    // sectors it was 24 bytes, the size of the `Arc` of a pool ping (`wake.rs`), which the
    // allocator then refused too, and the process aborted (1 run in about 15).
    let s = 509;
    run(2_000, chunk_len(s) + 5, s, s * 8);
}
