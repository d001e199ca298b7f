//! Scratch memory: rows computed before they are copied out, and partial tables. Allocation
//! failures are errors, never aborts.

use std::sync::Mutex;

use rayon::prelude::*;

use super::exec::Exec;
use crate::error::{Error, Resource, Result};

/// Scratch up to this many doubles lives on the stack (two sizes, so that the common small
/// case zeroes 256 bytes, not 2 KiB).
const SMALL_OUT: usize = 32;
const STACK_OUT: usize = 256;

/// Buffers kept between calls (contents unspecified: every row or table is overwritten before
/// it is read), so that a call does not pay for zeroing and page-faulting fresh memory. What a
/// fresh vector costs depends on the process's malloc state, not on the call: above glibc's
/// mmap threshold (128 KiB until a freed mmapped block raises it; fixed by `mallopt` or
/// `GLIBC_TUNABLES`; and a trimmed heap top faults its pages in again) it is a fresh `mmap`,
/// page-faulted and zeroed on the calling thread, then `munmap`ped (a TLB shootdown on the
/// pool's other core). This was the bimodal 2-thread time at 20 x 50,000 x 1,000 (160 KB of
/// staged rows, a fresh vector per call until then): in ten `compare.py` processes the library
/// took 0.92-0.93x OpenMP C in four and 1.27-1.37x in six (514-565 µs against about 360), each
/// stable over its samples; with the threshold pinned (`GLIBC_TUNABLES=
/// glibc.malloc.mmap_threshold=131072`) every process was slow: 1.35-1.37x (515 µs), and with
/// the kept buffer 0.92x (361 µs). One thread, `ab.c` interleaved: 0.83-0.85x with the
/// threshold pinned, 0.96-0.98x without. The tree's partial tables (1 x 20,000,000 x 1,000: 305
/// tables, 2.4 MB, zeroed in the pool per call before) likewise: 0.84-0.90x one thread.
/// Commands in docs/performance.md ("1,000 sectors").
/// A call that finds a buffer in use allocates its own. Buffers above [`KEEP_MAX`] doubles are
/// not kept.
static ROWS: Mutex<Vec<f64>> = Mutex::new(Vec::new());
/// The partial tables of a portfolio of several chunks (`Job::tree`), kept apart from the rows
/// because one call uses both (1 x 20,000,000 x 1,000: 8 KB of rows, 2.4 MB of tables).
static TABLES: Mutex<Vec<f64>> = Mutex::new(Vec::new());
const KEEP_MAX: usize = 1 << 23; // 64 MiB

/// Runs `f` on `len` doubles of scratch: on the stack when small; else, for a job using the pool
/// (its callers overwrite every row before reading it, as they already had to for outputs above
/// 65,536 doubles), the kept rows buffer; else (inline jobs, small, unchanged: their callers
/// were not audited for reading zeros they did not write) a zeroed heap vector.
pub fn with<R>(len: usize, exec: Exec, f: impl FnOnce(&mut [f64]) -> Result<R>) -> Result<R> {
    if len <= SMALL_OUT {
        f(&mut [0.0; SMALL_OUT][..len])
    } else if len <= STACK_OUT {
        f(&mut [0.0; STACK_OUT][..len])
    } else if !matches!(exec, Exec::Inline) {
        kept(&ROWS, len, exec, f)?
    } else {
        f(&mut zeroed(len)?)
    }
}

/// Runs `f` on `len` doubles for partial tables (contents unspecified: each table is overwritten
/// before it is read), from the kept tables buffer when free.
pub fn tables<R>(
    len: usize, exec: Exec,
    f: impl FnOnce(&mut [f64]) -> std::result::Result<R, super::chunk::Stop>,
) -> std::result::Result<R, super::chunk::Stop> {
    kept(&TABLES, len, exec, f).map_err(super::chunk::Stop::Fatal)?
}

/// Runs `f` on `len` doubles of the buffer kept in `slot` (or a new one if it is in use); an
/// error only if no buffer could be had.
fn kept<R>(
    slot: &Mutex<Vec<f64>>, len: usize, exec: Exec, f: impl FnOnce(&mut [f64]) -> R,
) -> Result<R> {
    let mut v = take(slot, len, exec)?;
    let res = f(&mut v[..len]);
    give_back(slot, v);
    Ok(res)
}

/// At least `len` doubles (contents unspecified), from the buffer kept in `slot` when free.
fn take(slot: &Mutex<Vec<f64>>, len: usize, exec: Exec) -> Result<Vec<f64>> {
    let mut v = slot.try_lock().map(|mut kept| std::mem::take(&mut *kept)).unwrap_or_default();
    if v.len() < len {
        let grow = len - v.len();
        v.try_reserve_exact(grow).map_err(|_| oom(len))?;
        if exec.in_pool() {
            // Zeroed (and first touched) in parallel.
            v.par_extend((0..grow).into_par_iter().map(|_| 0.0));
        } else {
            v.resize(len, 0.0);
        }
    }
    Ok(v)
}

/// Keeps `v` in `slot` for the next call if it is not too big and larger than what is kept.
fn give_back(slot: &Mutex<Vec<f64>>, v: Vec<f64>) {
    if v.len() <= KEEP_MAX {
        if let Ok(mut kept) = slot.try_lock() {
            if kept.len() < v.len() {
                *kept = v;
            }
        }
    }
}

/// A zeroed vector of `len` doubles, or an out-of-memory error instead of an abort.
pub fn zeroed(len: usize) -> Result<Vec<f64>> {
    let mut v = Vec::new();
    v.try_reserve_exact(len).map_err(|_| oom(len))?;
    v.resize(len, 0.0);
    Ok(v)
}

fn oom(doubles: usize) -> Error {
    Error::Resource(Resource::Scratch { doubles })
}
