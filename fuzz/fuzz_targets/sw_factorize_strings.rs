//! Fuzzes `sw_factorize_strings`: arbitrary Arrow string buffers (offsets that may decrease or
//! pass the data, views that may leave their buffers, validity bitmaps at any bit offset, short
//! capacities) against a naive reader of the same buffers. Valid buffers must give exactly the
//! naive codes and first rows; invalid ones an error with every output untouched.
#![no_main]

use sector_weights::ffi::*;
use sector_weights::SwStatus;

/// The bytes of row i as the naive reader sees them (None: a null row), or Err for bad buffers.
fn naive_rows(
    layout: i32, n: usize, offsets: &[i64], views: &[u8], data: &[u8], buffers: &[&[u8]],
    valid: &dyn Fn(usize) -> bool,
) -> Result<Vec<Option<Vec<u8>>>, ()> {
    if layout != SW_UTF8_VIEW {
        if n > 0 && (offsets[0] < 0 || offsets.windows(2).any(|w| w[0] > w[1])) {
            return Err(());
        }
        if n > 0 && offsets[n] as u64 > data.len() as u64 {
            return Err(());
        }
    }
    (0..n)
        .map(|i| {
            if layout != SW_UTF8_VIEW {
                let s = data[offsets[i] as usize..offsets[i + 1] as usize].to_vec();
                return Ok(valid(i).then_some(s));
            }
            if !valid(i) {
                return Ok(None);
            }
            let v = &views[i * 16..i * 16 + 16];
            let int = |at: usize| i32::from_le_bytes(v[at..at + 4].try_into().unwrap()) as i64;
            let len = int(0);
            if len < 0 {
                return Err(());
            }
            if len <= 12 {
                return Ok(Some(v[4..4 + len as usize].to_vec()));
            }
            let (b, off) = (int(8), int(12));
            let buf = usize::try_from(b).ok().and_then(|b| buffers.get(b)).ok_or(())?;
            if off < 0 || (off + len) as u64 > buf.len() as u64 {
                return Err(());
            }
            Ok(Some(buf[off as usize..(off + len) as usize].to_vec()))
        })
        .collect()
}

fn run(input: &[u8]) {
    if input.len() < 4 {
        return;
    }
    let (head, rest) = input.split_at(4);
    let layout = [SW_UTF8, SW_LARGE_UTF8, SW_UTF8_VIEW][head[0] as usize % 3];
    let shift = (head[1] % 8) as usize;
    let use_validity = head[1] & 0x80 != 0;
    let short_capacity = head[2] % 4 == 0;
    let corrupt = head[3];
    // Rows: pieces of `rest` split at 0xFF, at most 512; each piece a label of its bytes.
    let pieces: Vec<&[u8]> = rest.split(|&b| b == 0xFF).take(512).collect();
    let n = pieces.len();
    let mut data = Vec::new();
    let mut offsets = vec![0i64];
    let mut views = Vec::new();
    let mut long = vec![Vec::new(), Vec::new()];
    for (i, p) in pieces.iter().enumerate() {
        data.extend_from_slice(p);
        offsets.push(data.len() as i64);
        let mut v = [0u8; 16];
        v[..4].copy_from_slice(&(p.len() as i32).to_le_bytes());
        if p.len() <= 12 {
            v[4..4 + p.len()].copy_from_slice(p);
        } else {
            let b = i % 2;
            v[4..8].copy_from_slice(&p[..4]);
            v[8..12].copy_from_slice(&(b as i32).to_le_bytes());
            v[12..16].copy_from_slice(&(long[b].len() as i32).to_le_bytes());
            long[b].extend_from_slice(p);
        }
        views.extend_from_slice(&v);
    }
    // One corruption, chosen by the fourth byte: an offset, or a view's length/buffer/offset.
    if corrupt & 0x80 != 0 && n > 0 {
        let at = (corrupt as usize) % n;
        let delta = (corrupt as i64 % 7) - 3;
        if layout == SW_UTF8_VIEW {
            let field = 4 * (1 + (corrupt as usize / 7) % 3) % 16; // 4 (data), 8 or 12
            let f = if field == 4 { 0 } else { field };
            let old = i32::from_le_bytes(views[at * 16 + f..at * 16 + f + 4].try_into().unwrap());
            views[at * 16 + f..at * 16 + f + 4]
                .copy_from_slice(&old.wrapping_add(delta as i32 * 5).to_le_bytes());
        } else {
            offsets[at + (corrupt as usize & 1)] += delta * 3;
        }
    }
    let bits: Vec<u8> =
        (0..(shift + n).div_ceil(8)).map(|k| rest.get(k).copied().unwrap_or(0xAA)).collect();
    let valid = |i: usize| !use_validity || bits[(shift + i) / 8] & (1 << ((shift + i) % 8)) != 0;
    let buffers: Vec<&[u8]> = long.iter().map(Vec::as_slice).collect();
    let want = naive_rows(layout, n, &offsets, &views, &data, &buffers, &valid);

    let offsets32: Vec<i32> = offsets.iter().map(|&o| o as i32).collect();
    let (ptrs, lens): (Vec<*const u8>, Vec<usize>) = match layout {
        SW_UTF8_VIEW => (
            buffers.iter().map(|b| b.as_ptr()).collect(),
            buffers.iter().map(|b| b.len()).collect(),
        ),
        _ => (vec![data.as_ptr()], vec![data.len()]),
    };
    let col = SwStrings {
        layout,
        len: n,
        offsets: match layout {
            SW_UTF8 => offsets32.as_ptr().cast(),
            SW_LARGE_UTF8 => offsets.as_ptr().cast(),
            _ => views.as_ptr().cast(),
        },
        buffers: ptrs.as_ptr(),
        buffer_lens: lens.as_ptr(),
        num_buffers: ptrs.len(),
        validity: if use_validity { bits.as_ptr() } else { std::ptr::null() },
        validity_offset: shift,
    };
    // The int32 offsets must say what the int64 ones say (they do unless a corruption wrapped).
    let capacity = if short_capacity { n / 2 } else { n };
    let mut codes = vec![-7i32; n];
    let mut firsts = vec![-7i64; capacity];
    let mut num = 77usize;
    // SAFETY: every pointer is into a live vector of the stated length.
    let st = unsafe {
        sw_factorize_strings(&col, codes.as_mut_ptr(), n, firsts.as_mut_ptr(), capacity, &mut num)
    };
    let untouched = codes.iter().all(|&c| c == -7) && firsts.iter().all(|&f| f == -7) && num == 77;
    let Ok(rows) = want else {
        assert!(st != SwStatus::SW_OK && untouched, "bad buffers accepted: {st:?}");
        return;
    };
    let mut seen: Vec<&Vec<u8>> = Vec::new();
    let mut want_firsts = Vec::new();
    let want_codes: Vec<i32> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| match r {
            None => -1,
            Some(s) => match seen.iter().position(|x| *x == s) {
                Some(c) => c as i32,
                None => {
                    seen.push(s);
                    want_firsts.push(i as i64);
                    seen.len() as i32 - 1
                }
            },
        })
        .collect();
    if want_firsts.len() > capacity {
        assert_eq!(st, SwStatus::SW_ERROR_LENGTH_MISMATCH);
        assert!(untouched);
        return;
    }
    assert_eq!(st, SwStatus::SW_OK);
    assert_eq!(codes, want_codes);
    assert_eq!(num, want_firsts.len());
    assert_eq!(firsts[..num], want_firsts[..]);
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| run(data));
