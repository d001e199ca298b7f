//! Shared by the integration tests: the library's test kit (one data generator, one naive
//! reference: `sector_weights::testkit`) and the last-error reader of the C ABI.
#![allow(dead_code, unused_imports)]

use sector_weights::ffi;
pub use sector_weights::testkit::{
    assert_close, bits, naive, naive_grouped, ranges_of, uniform_ranges, Rng, Sums,
};

/// This thread's last error detail, read through the C ABI.
pub fn last_error() -> String {
    // SAFETY: NULL with length 0 is allowed and writes nothing.
    let n = unsafe { ffi::sw_last_error_message(std::ptr::null_mut(), 0) };
    let mut buf = vec![0u8; n + 1];
    // SAFETY: buf is valid for buf.len() bytes of writes.
    let m = unsafe { ffi::sw_last_error_message(buf.as_mut_ptr().cast(), buf.len()) };
    assert_eq!(m, n);
    assert_eq!(buf[n], 0, "NUL-terminated");
    String::from_utf8(buf[..n].to_vec()).expect("UTF-8 message")
}
pub mod exact_ref;
