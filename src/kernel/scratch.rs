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

/// One large scratch buffer kept between calls, so that many small portfolios (a big output
/// computed row by row) do not pay for zeroing and page-faulting a fresh buffer on every call.
/// Every row is overwritten before it is read, so old contents never matter. A call that finds
/// it in use allocates its own. Buffers above [`KEEP_MAX`] doubles are not kept.
static KEPT: Mutex<Vec<f64>> = Mutex::new(Vec::new());
const KEEP_MAX: usize = 1 << 23; // 64 MiB

/// Runs `f` on `len` doubles of scratch: on the stack when small; the kept buffer when the copy
/// out will be split over threads (large outputs); else a zeroed heap vector.
pub fn with<R>(len: usize, exec: Exec, f: impl FnOnce(&mut [f64]) -> Result<R>) -> Result<R> {
    if len <= SMALL_OUT {
        f(&mut [0.0; SMALL_OUT][..len])
    } else if len <= STACK_OUT {
        f(&mut [0.0; STACK_OUT][..len])
    } else if exec.splits(len) {
        let mut kept = take(len, exec)?;
        let res = f(&mut kept[..len]);
        give_back(kept);
        res
    } else {
        f(&mut zeroed(len)?)
    }
}

/// At least `len` doubles (contents unspecified), from the kept buffer when free.
fn take(len: usize, exec: Exec) -> Result<Vec<f64>> {
    let mut v = KEPT.try_lock().map(|mut kept| std::mem::take(&mut *kept)).unwrap_or_default();
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

/// Keeps `v` for the next call if it is not too big and larger than what is kept.
fn give_back(v: Vec<f64>) {
    if v.len() <= KEEP_MAX {
        if let Ok(mut kept) = KEPT.try_lock() {
            if kept.len() < v.len() {
                *kept = v;
            }
        }
    }
}

/// A zeroed vector of `len` doubles, zeroed in parallel inside the pool when large.
pub fn zeroed_for(len: usize, exec: Exec) -> Result<Vec<f64>> {
    if !(exec.in_pool() && exec.splits(len)) {
        return zeroed(len);
    }
    let mut v = Vec::new();
    v.try_reserve_exact(len).map_err(|_| oom(len))?;
    v.par_extend((0..len).into_par_iter().map(|_| 0.0));
    Ok(v)
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
