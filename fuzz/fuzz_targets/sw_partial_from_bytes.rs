//! Fuzzes saved partial results: `sw_partial_from_bytes` on bytes the fuzzer picks — arbitrary
//! bytes, or a valid partial (built with `sw_partial_from_rows` from rows the fuzzer picks) with
//! bytes edited, its checksum fixed up or not. Checked: no crash and no error other than
//! SW_ERROR_BAD_PARTIAL (or out of memory); a buffer with an edit the checksum sees is refused;
//! an accepted buffer is canonical (saving it again gives the same bytes), and merging it with
//! itself and with the original, its shape and its results (plain and normalised) all work or
//! fail with the statuses the header names.
#![no_main]

use std::ptr;

use libfuzzer_sys::fuzz_target;
use sector_weights::ffi::{self, SwColumn, SwPartial, SW_FLOAT64, SW_INT32, SW_NORMALIZE};

// Status codes, as the header numbers them (deliberately not taken from the library).
const OK: i32 = 0;
const LENGTH_MISMATCH: i32 = 2;
const NON_FINITE: i32 = 5;
const ZERO_TOTAL: i32 = 10;
const OUT_OF_MEMORY: i32 = 11;
const BAD_PARTIAL: i32 = 14;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else { return };
    match mode % 3 {
        0 => {
            if let Some(p) = read(rest) {
                exercise(p, rest);
            }
        }
        _ => edited(rest, mode % 3 == 2),
    }
});

/// `sw_partial_from_bytes`: a handle, or None after SW_ERROR_BAD_PARTIAL (the only failure
/// bytes can cause, besides memory).
fn read(bytes: &[u8]) -> Option<*mut SwPartial> {
    let mut p = ptr::null_mut();
    // SAFETY: bytes is valid for its length; p is a valid place for the handle.
    let st = unsafe { ffi::sw_partial_from_bytes(bytes.as_ptr(), bytes.len(), &mut p) } as i32;
    match st {
        OK => Some(p),
        BAD_PARTIAL | OUT_OF_MEMORY => {
            assert!(p.is_null(), "a failed call wrote its handle");
            None
        }
        other => panic!("sw_partial_from_bytes returned status {other}"),
    }
}

/// The saved bytes of a live handle.
fn save(p: *const SwPartial) -> Vec<u8> {
    let mut n = 0usize;
    // SAFETY: p is live; (NULL, 0) is the size query; n is valid.
    assert_eq!(unsafe { ffi::sw_partial_to_bytes(p, ptr::null_mut(), 0, &mut n) } as i32, OK);
    let mut buf = vec![0u8; n];
    let mut m = 0usize;
    // SAFETY: buf is valid for n bytes.
    assert_eq!(unsafe { ffi::sw_partial_to_bytes(p, buf.as_mut_ptr(), n, &mut m) } as i32, OK);
    assert_eq!(m, n);
    buf
}

/// Everything a valid partial must survive; frees it.
fn exercise(p: *mut SwPartial, bytes: &[u8]) {
    assert_eq!(save(p), bytes, "an accepted buffer is not canonical");
    let (mut np, mut ns) = (0usize, 0usize);
    // SAFETY: p is live (every call below), outputs are valid for their stated lengths.
    unsafe {
        assert_eq!(ffi::sw_partial_shape(p, &mut np, &mut ns) as i32, OK);
        let cells = np.checked_mul(ns).expect("a read shape fits");
        let mut out = vec![0.0f64; cells];
        for flags in [0, SW_NORMALIZE] {
            let st = ffi::sw_partial_result(p, flags, out.as_mut_ptr(), cells) as i32;
            assert!(matches!(st, OK | NON_FINITE | ZERO_TOTAL), "sw_partial_result: {st}");
            if st == OK {
                assert!(out.iter().all(|x| x.is_finite()), "a non-finite result");
            }
        }
        let mut twice = ptr::null_mut();
        let st = ffi::sw_partial_merge(p, p, &mut twice) as i32;
        assert!(matches!(st, OK | NON_FINITE), "merging a partial with itself: {st}");
        if st == OK {
            let mut again = vec![0.0f64; cells];
            let st2 = ffi::sw_partial_result(twice, 0, again.as_mut_ptr(), cells) as i32;
            assert!(matches!(st2, OK | NON_FINITE), "sw_partial_result of a merge: {st2}");
            ffi::sw_partial_free(twice);
        }
        ffi::sw_partial_free(p);
    }
}

/// A valid partial of rows the fuzzer picks, saved, edited at positions the fuzzer picks, with
/// the checksum fixed up (`fix_crc`) or not, and read back.
fn edited(data: &[u8], fix_crc: bool) {
    let Some((&k, data)) = data.split_first() else { return };
    let Some((edits, rows)) = data.split_at_checked(3 * usize::from(k % 5)) else { return };
    let (p, s) = (
        1 + rows.first().map_or(0, |b| b % 4) as usize,
        1 + rows.get(1).map_or(0, |b| b % 5) as usize,
    );
    let rows = rows.get(2..).unwrap_or(&[]);
    let n = rows.len() / 10;
    let w: Vec<f64> = rows
        .chunks_exact(10)
        .map(|r| f64::from_le_bytes(r[..8].try_into().unwrap()))
        .map(|x| if x.is_finite() { x } else { 1.0 })
        .collect();
    let c: Vec<i32> = rows.chunks_exact(10).map(|r| (r[8] as usize % s) as i32).collect();
    let q: Vec<i32> = rows.chunks_exact(10).map(|r| (r[9] as usize % p) as i32).collect();
    let col = |d: *const std::ffi::c_void, dtype| SwColumn { data: d, len: n, dtype };
    let (cw, cc, cq) = (
        col(w.as_ptr().cast(), SW_FLOAT64),
        col(c.as_ptr().cast(), SW_INT32),
        col(q.as_ptr().cast(), SW_INT32),
    );
    let mut made = ptr::null_mut();
    // SAFETY: the columns describe live vectors of n elements; made is a valid place.
    let st = unsafe { ffi::sw_partial_from_rows(&cw, ptr::null(), &cc, s, &cq, p, 0, &mut made) };
    assert_eq!(st as i32, OK, "valid rows");
    let good = save(made);
    let bytes = edit(&good, edits, fix_crc);
    let single_edit = edits.len() == 3 && bytes.len() == good.len();
    match read(&bytes) {
        Some(back) => {
            assert!(bytes == good || fix_crc || !single_edit, "an edited buffer was accepted");
            let mut both = ptr::null_mut();
            // SAFETY: both handles are live; both is a valid place.
            let st = unsafe { ffi::sw_partial_merge(back, made, &mut both) } as i32;
            assert!(
                matches!(st, OK | LENGTH_MISMATCH | NON_FINITE),
                "merge with the original: {st}"
            );
            // SAFETY: both is NULL or live, freed once.
            unsafe { ffi::sw_partial_free(both) };
            exercise(back, &bytes);
        }
        None => assert!(bytes != good, "a valid buffer was refused"),
    }
    // SAFETY: made is live and freed once.
    unsafe { ffi::sw_partial_free(made) };
}

/// `good` with the edits applied (3 bytes each: a position, then 0 to truncate there or a mask
/// to XOR the byte with), and its checksum recomputed when `fix_crc`.
fn edit(good: &[u8], edits: &[u8], fix_crc: bool) -> Vec<u8> {
    let mut bytes = good.to_vec();
    for e in edits.chunks_exact(3) {
        let at = usize::from(u16::from_le_bytes([e[0], e[1]])) % (bytes.len() + 1);
        match e[2] {
            0 => bytes.truncate(at),
            x => {
                if let Some(b) = bytes.get_mut(at) {
                    *b ^= x;
                }
            }
        }
    }
    if fix_crc && bytes.len() >= 4 {
        let end = bytes.len() - 4;
        let crc = crc32(&bytes[..end]);
        bytes[end..].copy_from_slice(&crc.to_le_bytes());
    }
    bytes
}

/// CRC-32 (IEEE), bitwise: independent of the library's.
fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xedb8_8320 } else { crc >> 1 };
        }
    }
    !crc
}
