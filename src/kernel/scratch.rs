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
/// it is read), so that a call does not pay for zeroing and page-faulting fresh memory. That
/// cost depends on the process's malloc state, not on the call: above glibc's mmap threshold
/// (128 KiB until a freed mmapped block raises it, or fixed by `mallopt`/`GLIBC_TUNABLES`) a
/// fresh vector is a fresh `mmap`, page-faulted and zeroed, then `munmap`ped (a TLB shootdown
/// on the pool's other cores). At 20 x 50,000 x 1,000 (160 KB of staged rows) one thread took
/// 1.10-1.17x as long with the threshold pinned at 128 KiB as with glibc's default
/// (`GLIBC_TUNABLES=glibc.malloc.mmap_threshold=131072`, interleaved against OpenMP C, AMD EPYC);
/// the committed suite's runs differed by as much (2 threads: 355 µs in one process, 504 µs in
/// another, each stable over its 7 samples, while 18 sectors, with 3 KB of rows, took 308-319).
/// A call that finds a buffer in use allocates its own. Buffers above [`KEEP_MAX`] doubles are
/// not kept.
static ROWS: Mutex<Vec<f64>> = Mutex::new(Vec::new());
/// The partial tables of a portfolio of several chunks (`Job::tree`), kept apart from the rows
/// because one call uses both (1 x 20,000,000 x 1,000: 8 KB of rows, 2.4 MB of tables).
static TABLES: Mutex<Vec<f64>> = Mutex::new(Vec::new());
const KEEP_MAX: usize = 1 << 23; // 64 MiB

/// Runs `f` on `len` doubles of scratch: on the stack when small; else, for a job using the pool
/// (whose every row is overwritten before it is read), the kept rows buffer; else (inline jobs,
/// whose callers may rely on zeros) a zeroed heap vector.
pub fn with<R>(len: usize, exec: Exec, f: impl FnOnce(&mut [f64]) -> Result<R>) -> Result<R> {
    if len <= SMALL_OUT {
        f(&mut [0.0; SMALL_OUT][..len])
    } else if len <= STACK_OUT {
        f(&mut [0.0; STACK_OUT][..len])
    } else if !matches!(exec, Exec::Inline) {
        kept(&ROWS, len, exec, f)
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
    let mut v = take(&TABLES, len, exec).map_err(super::chunk::Stop::Fatal)?;
    let res = f(&mut v[..len]);
    give_back(&TABLES, v);
    res
}

/// Runs `f` on `len` doubles of the buffer kept in `slot` (or a new one if it is in use).
fn kept<R>(
    slot: &Mutex<Vec<f64>>, len: usize, exec: Exec, f: impl FnOnce(&mut [f64]) -> Result<R>,
) -> Result<R> {
    let mut v = take(slot, len, exec)?;
    let res = f(&mut v[..len]);
    give_back(slot, v);
    res
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
