//! Threads, status names and messages, the last error, the version.

use std::ffi::{c_char, CStr};

use super::{boundary, no_panic, with_last_error};
use crate::error::SwStatus;
use crate::pool;

/// Sets the number of worker threads for all later calls. Safe at any time, also while other
/// threads are computing (they finish on the pool they started with). Results do not depend on it.
///
/// The pool size is the first of: n > 0 given here; SECTOR_WEIGHTS_NUM_THREADS; RAYON_NUM_THREADS;
/// OMP_NUM_THREADS (its first entry: "4,2" is 4; Dask's nanny sets it to 1 in worker processes,
/// Spark's Python runner to spark.task.cpus); every logical CPU the process may use (at most
/// 4096). A variable counts when it holds a whole number from 1 to 4096 (spaces around it
/// allowed); any other value is ignored as if it were not set. n = 0 returns to this default,
/// reading the environment again; it is otherwise read only when the pool is first started (and
/// in a fork() child), never at each call.
///
/// A call of several portfolios that each fit one chunk (max(65,536, 16 x num_sectors) bonds) also
/// computes on the calling thread, with n - 1 pool workers, so that n threads work on it; several
/// threads calling at once each bring their own.
///
/// Returns SW_OK, SW_ERROR_INVALID_ARGUMENT (n > 4096) or SW_ERROR_THREAD_POOL.
#[no_mangle]
pub extern "C" fn sw_set_num_threads(n: usize) -> SwStatus {
    boundary(|| pool::set_num_threads(n))
}

/// The number of worker threads calls use now (the first call starts the pool at its default size,
/// see sw_set_num_threads), or 0 if the pool could not be started (then sw_last_error_message
/// says why). Thread-safe.
#[no_mangle]
pub extern "C" fn sw_get_num_threads() -> usize {
    boundary(pool::num_threads)
}

/// A static, NUL-terminated description of a status code ("unknown status" for other values).
/// Never NULL; the string must not be freed. Thread-safe.
#[no_mangle]
pub extern "C" fn sw_status_message(status: i32) -> *const c_char {
    no_panic(c"unknown status".as_ptr(), || {
        SwStatus::from_code(status).map_or(c"unknown status", SwStatus::message_cstr).as_ptr()
    })
}

/// The C name of a status code, e.g. "SW_ERROR_NON_FINITE" for 5 ("unknown status" for other
/// values): a static NUL-terminated string, never NULL; must not be freed. Thread-safe.
#[no_mangle]
pub extern "C" fn sw_status_name(status: i32) -> *const c_char {
    no_panic(c"unknown status".as_ptr(), || {
        SwStatus::from_code(status).map_or(c"unknown status", SwStatus::name_cstr).as_ptr()
    })
}

/// Copies the calling thread's last error detail (e.g. "sector code 25 at bond 1043 of portfolio 7
/// is outside 0..18") into buf, like snprintf: at most len - 1 bytes plus a terminating NUL; nothing
/// is written when buf is NULL or len is 0.
///
/// Returns the detail's full length in bytes, not counting the NUL (so a return value >= len means
/// it was truncated; allocate return + 1). After a successful call the detail is empty (returns 0).
/// Each thread has its own detail. Does not change the detail.
///
/// # Safety
/// If buf is not NULL it must be valid for len bytes of writes.
#[no_mangle]
pub unsafe extern "C" fn sw_last_error_message(buf: *mut c_char, len: usize) -> usize {
    no_panic(0, || {
        with_last_error(|msg| {
            let bytes = msg.as_bytes();
            if !buf.is_null() && len > 0 {
                let n = bytes.len().min(len - 1);
                // SAFETY: buf is non-NULL and valid for len > n bytes of writes (caller contract);
                // the message is our own String, which cannot overlap caller memory.
                unsafe {
                    std::ptr::copy_nonoverlapping(bytes.as_ptr(), buf.cast::<u8>(), n);
                    *buf.add(n) = 0;
                }
            }
            bytes.len()
        })
    })
}

/// The library version, e.g. "0.1.0": a static NUL-terminated string, never NULL. Thread-safe.
#[no_mangle]
pub extern "C" fn sw_version() -> *const c_char {
    const V: &CStr =
        match CStr::from_bytes_with_nul(concat!(env!("CARGO_PKG_VERSION"), "\0").as_bytes()) {
            Ok(v) => v,
            Err(_) => c"unknown",
        };
    V.as_ptr()
}
