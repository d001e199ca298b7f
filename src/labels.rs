//! Factorising a string label column: each row's code (its label's number, in order of first
//! appearance; -1 for a null row) and each label's first row, read in place from the Arrow
//! layouts table libraries hand out — `utf8` (int32 offsets), `large_utf8` (int64 offsets) and
//! `utf8_view` (16-byte views: short strings inline, long ones in data buffers; polars' own).
//! The rows are hashed, never sorted. No string is copied and none crosses back: the caller
//! takes its labels from its own column at the first rows.
//!
//! How: the rows are cut into blocks of [`BLOCK`] rows; each block (in parallel above
//! [`PARALLEL_MIN_ROWS`]) numbers its labels in its own order of first appearance; the blocks'
//! label lists are then merged in block order into the column's numbering, and each block's
//! codes are renumbered. A label's first appearance in the column is its first appearance in the
//! first block that has it, so the codes are in first-appearance order whatever the block size
//! or thread count: results are identical for every thread count. Memory: one hash table per
//! block in flight (a few entries per distinct label), plus, when `first_rows` could be too
//! short for the labels, a scratch copy of the codes (4 bytes per row), so that the caller's
//! outputs stay untouched on that error.
//!
//! Every buffer is checked first (offsets never decrease and stay within the data; each view of
//! a non-null row stays within its data buffer): errors name the offset or the row.

use std::sync::{Mutex, MutexGuard};

use crate::error::{Error, Resource, Result, Strings};
use crate::kernel::exec::{Exec, Ranked};
use crate::pool;

/// Rows hashed by one task: the block's table stays in cache, and 2^16 rows make enough blocks
/// to share a million rows among the threads.
const BLOCK: usize = 1 << 16;
/// Below this many rows one thread does it all (waking the pool costs more than it gives).
const PARALLEL_MIN_ROWS: usize = 2 * BLOCK;

/// Where the strings are.
#[derive(Clone, Copy, Debug)]
pub enum Layout<'a> {
    /// Arrow `utf8`/`binary`: row i is `data[offsets[i] .. offsets[i + 1]]`.
    Utf8 { offsets: &'a [i32], data: &'a [u8] },
    /// Arrow `large_utf8`/`large_binary`: the same with int64 offsets.
    LargeUtf8 { offsets: &'a [i64], data: &'a [u8] },
    /// Arrow `utf8_view`/`binary_view`: 16 bytes per row, little-endian: int32 length; then up to
    /// 12 bytes inline, or (longer strings) a 4-byte prefix, int32 buffer index, int32 offset.
    View { views: &'a [u8], buffers: &'a [&'a [u8]] },
}

/// A string column: `len` rows in `layout`; `validity`, when given, is Arrow's bitmap (bit
/// `offset + i`, least significant first, is set when row i is not null).
#[derive(Clone, Copy, Debug)]
pub struct Column<'a> {
    pub layout: Layout<'a>,
    pub len: usize,
    pub validity: Option<Validity<'a>>,
}

/// Arrow's validity bitmap, starting at bit `offset`; it covers `offset + len` bits.
#[derive(Clone, Copy, Debug)]
pub struct Validity<'a> {
    pub bits: &'a [u8],
    pub offset: usize,
}

impl Validity<'_> {
    #[inline]
    fn is_valid(&self, i: usize) -> bool {
        let bit = self.offset + i;
        self.bits[bit / 8] & (1 << (bit % 8)) != 0
    }
}

/// Codes of every row (`codes.len()` rows) and the first row of each label (`first_rows`, room
/// for that many labels); returns the number of labels. On error neither output is touched.
/// The shapes (lengths of `codes` and of the layout's buffers) are the caller's to check.
pub fn factorize(column: &Column, codes: &mut [i32], first_rows: &mut [i64]) -> Result<usize> {
    debug_assert_eq!(codes.len(), column.len);
    if column.len > i32::MAX as usize {
        return Err(Error::Strings(Strings::TooManyRows { rows: column.len }));
    }
    check(column)?;
    match column.layout {
        Layout::Utf8 { offsets, data } => {
            run(&Offsets { offsets, data }, column, codes, first_rows)
        }
        Layout::LargeUtf8 { offsets, data } => {
            run(&Offsets { offsets, data }, column, codes, first_rows)
        }
        Layout::View { views, buffers } => {
            run(&Views { views, buffers }, column, codes, first_rows)
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Reading rows (after `check`: every slice below is in range)

/// A row's string as the hash table compares it: its length and three words (bytes 0..8 and
/// 8..16, zero-padded, and the last 8 bytes of a string longer than 16; an inline view's words
/// are the view's own bytes: its length and up to 12 bytes). The words identify a string of up to [`WORDS`] bytes; longer ones are also compared
/// byte by byte. Computed with few branches: rows of mixed lengths come in random order.
#[derive(Clone, Copy)]
struct Key<'a> {
    w: [u64; 3],
    len: usize,
    bytes: &'a [u8],
}

/// The longest string the words of a key identify on their own.
const WORDS: usize = 20;

impl PartialEq for Key<'_> {
    #[inline(always)]
    fn eq(&self, o: &Self) -> bool {
        self.w == o.w && self.len == o.len && (self.len <= WORDS || self.bytes == o.bytes)
    }
}

const K0: u64 = 0x243f_6a88_85a3_08d3; // digits of pi: any odd constants do
const K1: u64 = 0x1319_8a2e_0370_7344;

/// The high and low halves of a 128-bit product, folded: the mixing step of foldhash/wyhash.
#[inline(always)]
fn fold(a: u64, b: u64) -> u64 {
    let p = (a as u128) * (b as u128);
    (p as u64) ^ ((p >> 64) as u64)
}

impl Key<'_> {
    #[inline(always)]
    fn hash(&self) -> u64 {
        // One multiply: the last word of a long string is folded into the first (keys alike in
        // everything else still differ there; equal hashes are told apart by `eq`).
        fold(self.w[0] ^ self.w[2].rotate_left(29) ^ K0, self.w[1] ^ (self.len as u64) ^ K1)
    }
}

/// Up to 8 bytes as a little-endian word, zero-padded.
#[inline]
fn word(bytes: &[u8]) -> u64 {
    let mut b = [0u8; 8];
    let n = bytes.len().min(8);
    b[..n].copy_from_slice(&bytes[..n]);
    u64::from_le_bytes(b)
}

/// The word at `bytes[at .. at + 8]` (zero-padded past the end of `bytes`).
#[inline(always)]
fn word_at(bytes: &[u8], at: usize) -> u64 {
    match bytes.get(at..at + 8) {
        Some(s) => u64::from_le_bytes([s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7]]),
        None => word(bytes.get(at..).unwrap_or(&[])),
    }
}

/// A mask of the low `n` bytes of a word (n <= 8), without a branch.
#[inline(always)]
fn low(n: usize) -> u64 {
    u64::MAX.checked_shr(64 - 8 * n as u32).unwrap_or(0)
}

/// All ones when `c`, else zero (a select without a branch).
#[inline(always)]
fn all_if(c: bool) -> u64 {
    (c as u64).wrapping_neg()
}

/// Row i's key.
trait Rows: Sync {
    fn key(&self, i: usize) -> Key<'_>;
}

struct Offsets<'a, O> {
    offsets: &'a [O],
    data: &'a [u8],
}

impl<O: Copy + Into<i64> + Sync> Rows for Offsets<'_, O> {
    #[inline(always)]
    fn key(&self, i: usize) -> Key<'_> {
        let (a, b) = (self.offsets[i].into() as usize, self.offsets[i + 1].into() as usize);
        let (len, data) = (b - a, self.data);
        let w0 = word_at(data, a) & low(len.min(8));
        let w1 = word_at(data, a + 8) & low(len.saturating_sub(8).min(8));
        let long = len > 16;
        let w2 = word_at(data, if long { b - 8 } else { a }) & all_if(long);
        Key { w: [w0, w1, w2], len, bytes: &data[a..b] }
    }
}

struct Views<'a> {
    views: &'a [u8],
    buffers: &'a [&'a [u8]],
}

/// The int32 at bytes `at .. at + 4` of a view.
#[inline]
fn field(view: &[u8], at: usize) -> i64 {
    i32::from_le_bytes([view[at], view[at + 1], view[at + 2], view[at + 3]]) as i64
}

impl Rows for Views<'_> {
    #[inline(always)]
    fn key(&self, i: usize) -> Key<'_> {
        let view = &self.views[i * 16..i * 16 + 16];
        let (v0, v1) = (word_at(view, 0), word_at(view, 8));
        let len = (v0 as u32) as usize;
        if len <= 12 {
            // Inline: the length and up to 12 bytes (the padding masked off, whatever it holds).
            let w = [v0 & low(4 + len.min(4)), v1 & low(len.saturating_sub(4)), 0];
            return Key { w, len, bytes: &view[4..4 + len] };
        }
        let (buffer, offset) = (field(view, 8) as usize, field(view, 12) as usize);
        let bytes = &self.buffers[buffer][offset..offset + len];
        // From the bytes themselves, never the view's 4-byte prefix (a view whose prefix does
        // not match its data is read as its data says, like any reader of the buffers).
        Key { w: [word_at(bytes, 0), word_at(bytes, 8), word_at(bytes, len - 8)], len, bytes }
    }
}

// ---------------------------------------------------------------------------------------------
// Checks

/// Every buffer describes strings: the offsets never decrease and stay within the data; each
/// view of a non-null row stays within its data buffer.
fn check(column: &Column) -> Result<()> {
    match column.layout {
        Layout::Utf8 { offsets, data } => check_offsets(offsets, data.len()),
        Layout::LargeUtf8 { offsets, data } => check_offsets(offsets, data.len()),
        Layout::View { views, buffers } => check_views(views, buffers, column),
    }
}

fn check_offsets<O: Copy + Into<i64>>(offsets: &[O], data_len: usize) -> Result<()> {
    let bad = |e| Err(Error::Strings(e));
    let Some(&first) = offsets.first() else { return Ok(()) };
    let first: i64 = first.into();
    if first < 0 {
        return bad(Strings::FirstOffsetNegative { value: first });
    }
    if !offsets.windows(2).all(|w| w[0].into() <= w[1].into()) {
        let at = offsets.windows(2).position(|w| w[0].into() > w[1].into()).unwrap_or(0) + 1;
        let (value, previous) = (offsets[at].into(), offsets[at - 1].into());
        return bad(Strings::OffsetsDecrease { at, value, previous });
    }
    let (at, last) = (offsets.len() - 1, offsets[offsets.len() - 1].into());
    if last as u64 > data_len as u64 {
        return bad(Strings::OffsetsPastData { at, value: last, data_len });
    }
    Ok(())
}

fn check_views(views: &[u8], buffers: &[&[u8]], column: &Column) -> Result<()> {
    let row = |i: usize| -> Option<Strings> {
        if column.validity.is_some_and(|v| !v.is_valid(i)) {
            return None;
        }
        let view = &views[i * 16..i * 16 + 16];
        let len = field(view, 0);
        if len <= 12 {
            return (len < 0).then_some(Strings::ViewLength { row: i, len });
        }
        let (buffer, offset) = (field(view, 8), field(view, 12));
        let Some(data) = usize::try_from(buffer).ok().and_then(|b| buffers.get(b)) else {
            return Some(Strings::ViewBuffer { row: i, buffer, buffers: buffers.len() });
        };
        // offset and len are int32 values: their sum cannot overflow an i64.
        if offset < 0 || (offset + len) as u64 > data.len() as u64 {
            let buffer = buffer as usize;
            let buffer_len = data.len();
            return Some(Strings::ViewPastData { row: i, buffer, offset, len, buffer_len });
        }
        None
    };
    if column.len < PARALLEL_MIN_ROWS {
        return (0..column.len).find_map(row).map_or(Ok(()), |e| Err(Error::Strings(e)));
    }
    let pool = pool::current()?;
    let blocks: Vec<usize> = (0..column.len.div_ceil(BLOCK)).collect();
    // The least failure by row, whichever thread found it.
    let first = Exec::Shared(&pool).each(blocks, |_, b| {
        let rows = b * BLOCK..((b + 1) * BLOCK).min(column.len);
        rows.into_iter().find_map(|i| row(i).map(|e| Ranked { rank: i, error: Error::Strings(e) }))
    });
    first.map_or(Ok(()), |r| Err(r.error))
}

// ---------------------------------------------------------------------------------------------
// Hashing

/// A block's labels in its order of first appearance: each label's key, hash and first row.
type Found<'a> = Vec<(Key<'a>, u64, usize)>;

/// An open-addressing hash table of labels: slot values are label numbers + 1 (0: empty).
struct Table<'a> {
    slots: Vec<u32>,
    labels: Found<'a>,
}

impl<'a> Table<'a> {
    fn new() -> Self {
        Table { slots: vec![0; 64], labels: Vec::new() }
    }

    /// The number of the label `key` (hash `h`), numbering it next if it is new (first seen at
    /// `row`).
    #[inline(always)]
    fn number(&mut self, key: Key<'a>, h: u64, row: usize) -> i32 {
        let mask = self.slots.len() - 1;
        let mut at = (h as usize) & mask;
        loop {
            let slot = self.slots[at];
            if slot == 0 {
                break;
            }
            let (k, kh, _) = &self.labels[slot as usize - 1];
            if *kh == h && *k == key {
                return slot as i32 - 1;
            }
            at = (at + 1) & mask;
        }
        self.labels.push((key, h, row));
        let number = self.labels.len();
        self.slots[at] = number as u32;
        if number * 2 > self.slots.len() {
            self.grow();
        }
        number as i32 - 1
    }

    fn grow(&mut self) {
        let size = self.slots.len() * 2;
        let mut slots = vec![0u32; size];
        for (n, (_, h, _)) in self.labels.iter().enumerate() {
            let mut at = (*h as usize) & (size - 1);
            while slots[at] != 0 {
                at = (at + 1) & (size - 1);
            }
            slots[at] = n as u32 + 1;
        }
        self.slots = slots;
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Numbers the labels of the rows `start ..` (one per element of `out`) in their order of first
/// appearance, writing each row's number (-1: null) to `out`.
fn number_block<'a, R: Rows>(
    rows: &'a R, validity: Option<Validity>, start: usize, out: &mut [i32],
) -> Found<'a> {
    let mut table = Table::new();
    for (j, code) in out.iter_mut().enumerate() {
        let i = start + j;
        if validity.is_some_and(|v| !v.is_valid(i)) {
            *code = -1;
            continue;
        }
        let key = rows.key(i);
        *code = table.number(key, key.hash(), i);
    }
    table.labels
}

/// The column's numbering from the blocks' (in block order): for each block, its numbers'
/// column codes; and each label's first row.
fn merge(found: &[Found]) -> (Vec<Vec<i32>>, Vec<i64>) {
    let mut table = Table::new();
    let renumber = found
        .iter()
        .map(|labels| labels.iter().map(|&(key, h, row)| table.number(key, h, row)).collect())
        .collect();
    (renumber, table.labels.iter().map(|&(_, _, row)| row as i64).collect())
}

fn run<R: Rows>(
    rows: &R, column: &Column, codes: &mut [i32], first_rows: &mut [i64],
) -> Result<usize> {
    let n = column.len;
    // Room for a label per row: the labels cannot outgrow first_rows, so the codes are written in
    // place; otherwise into scratch until the count is known.
    let mut scratch = Vec::new();
    let target: &mut [i32] = if first_rows.len() >= n {
        codes
    } else {
        scratch.try_reserve_exact(n).map_err(|_| Error::Resource(Resource::Codes { rows: n }))?;
        scratch.resize(n, 0);
        &mut scratch
    };
    let validity = column.validity;
    let pool = match n < PARALLEL_MIN_ROWS {
        true => None,
        false => Some(pool::current()?),
    };
    let exec = pool.as_deref().map_or(Exec::Inline, Exec::Shared);
    let blocks = n.div_ceil(BLOCK);
    let slots: Vec<Mutex<Found>> = (0..blocks).map(|_| Mutex::new(Vec::new())).collect();
    exec.each::<_, (), _>(target.chunks_mut(BLOCK).zip(&slots).collect(), |b, (out, slot)| {
        *lock(slot) = number_block(rows, validity, b * BLOCK, out);
        None
    });
    let found: Vec<Found> =
        slots.into_iter().map(|m| m.into_inner().unwrap_or_else(|p| p.into_inner())).collect();
    let (renumber, firsts) = merge(&found);
    if firsts.len() > first_rows.len() {
        let (labels, capacity) = (firsts.len(), first_rows.len());
        return Err(Error::Strings(Strings::Capacity { labels, capacity }));
    }
    exec.each::<_, (), _>(codes.chunks_mut(BLOCK).collect(), |b, to| {
        let from: &[i32] = match scratch.is_empty() {
            true => &[],
            false => &scratch[b * BLOCK..][..to.len()],
        };
        relabel(&renumber[b], from, to);
        None
    });
    first_rows[..firsts.len()].copy_from_slice(&firsts);
    Ok(firsts.len())
}

/// Renumbers a block's codes (from `from` when it is not empty, else in place in `to`).
fn relabel(renumber: &[i32], from: &[i32], to: &mut [i32]) {
    let same = renumber.iter().enumerate().all(|(i, &c)| c == i as i32);
    let map = |c: i32| if c < 0 { -1 } else { renumber[c as usize] };
    match (from.is_empty(), same) {
        (true, true) => {}
        (true, false) => to.iter_mut().for_each(|c| *c = map(*c)),
        (false, true) => to.copy_from_slice(from),
        (false, false) => to.iter_mut().zip(from).for_each(|(c, &f)| *c = map(f)),
    }
}

#[cfg(test)]
mod tests;
