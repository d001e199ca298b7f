//! The one validator: every shape, size, pointer and offset check that any entry point makes.
//!
//! Nothing here is `unsafe`. The FFI layer describes each caller buffer as a [`RawBuf`] (an address
//! and an element count) and asks [`check_buffers`] before it builds a single slice; the kernel asks
//! [`check_job`] before it reads a single element. Per-element checks (sector codes, finiteness) run
//! inside the kernel's one pass over the data.

use crate::error::{Argument, Buffer, Error, Offsets, Result, Rows, Shape, Why};

/// A caller buffer as the FFI layer received it, before any slice exists.
#[derive(Debug, Clone, Copy)]
pub struct RawBuf {
    /// Parameter name as the C header spells it, for messages.
    pub name: &'static str,
    /// The pointer's address (0 for NULL).
    pub addr: usize,
    /// Element count the buffer must hold.
    pub len: usize,
    /// Element size in bytes; also its required alignment (every element type has size == align).
    pub elem_size: usize,
    /// Whether the library writes to it.
    pub output: bool,
}

/// `a * b`, or a size-overflow error naming `what`.
pub fn mul(a: usize, b: usize, what: &'static str) -> Result<usize> {
    a.checked_mul(b).ok_or(Error::Shape(Shape::ProductOverflow { what, a, b }))
}

/// A C `uintmax_t` argument as `usize`, or a size-overflow error naming it.
pub fn to_usize(value: u64, name: &'static str) -> Result<usize> {
    usize::try_from(value).map_err(|_| Error::Shape(Shape::NotSizeT { name, value }))
}

/// Errors unless `got == want`; `why` says where `want` comes from.
pub fn expect_len(buffer: &'static str, got: usize, want: usize, why: Why) -> Result<()> {
    if got == want {
        return Ok(());
    }
    Err(Error::Shape(Shape::Length { buffer, got, want, why }))
}

/// Checks every buffer (NULL with a non-empty range, alignment, byte size within `PTRDIFF_MAX`,
/// address-space wrap), then that no output overlaps another buffer. Only after this succeeds may
/// the FFI layer turn the buffers into slices.
pub fn check_buffers(bufs: &[RawBuf]) -> Result<()> {
    // Fast screen first (this runs on every call, and costs no division and no message); the
    // loops below then only run to name what is wrong.
    if plainly_valid_all(bufs) {
        return Ok(());
    }
    for b in bufs.iter().filter(|b| b.len > 0) {
        check_one(b)?; // An empty range is never dereferenced; NULL is fine there.
    }
    for (i, o) in bufs.iter().enumerate().filter(|(_, b)| b.output) {
        for (j, other) in bufs.iter().enumerate() {
            if i != j && (j > i || !other.output) && overlaps(o, other) {
                return Err(Error::Buffer(Buffer::Overlap { output: o.name, other: other.name }));
            }
        }
    }
    Ok(())
}

/// NULL, alignment, byte size and wrap of one non-empty buffer.
fn check_one(b: &RawBuf) -> Result<()> {
    let (buffer, addr, len) = (b.name, b.addr, b.len);
    if addr == 0 {
        return Err(Error::Buffer(Buffer::NullPointer { buffer, len }));
    }
    if addr & (b.elem_size - 1) != 0 {
        let align = b.elem_size;
        return Err(Error::Buffer(Buffer::Misaligned { buffer, addr, align }));
    }
    let bytes = byte_len(b)?;
    if addr.checked_add(bytes).is_none() {
        return Err(Error::Buffer(Buffer::WrapsAround { buffer, addr, len }));
    }
    Ok(())
}

/// [`check_buffers`]'s screen: every buffer [`plainly_valid`], no output overlapping another.
/// Inlined into an entry point with its whole, fixed set of buffers (an array: the length, the
/// element sizes and which buffers are outputs are constants) it unrolls to a few comparisons
/// per buffer (the loops over a slice of unknown length cost about 150 instructions a call).
/// `true` means [`check_buffers`] would accept them.
#[inline(always)]
pub fn plainly_valid_all(bufs: &[RawBuf]) -> bool {
    bufs.iter().all(plainly_valid) && !any_overlap(bufs)
}

/// Empty, or non-NULL, aligned (element sizes are powers of two: a mask, not a division),
/// within `PTRDIFF_MAX` bytes, and not wrapping around the address space.
#[inline(always)]
fn plainly_valid(b: &RawBuf) -> bool {
    debug_assert!(b.elem_size.is_power_of_two());
    b.len == 0
        || (b.addr != 0
            && b.addr & (b.elem_size - 1) == 0
            && b.len <= (isize::MAX as usize) >> b.elem_size.trailing_zeros()
            && b.addr.checked_add(b.len << b.elem_size.trailing_zeros()).is_some())
}

/// Whether any output overlaps any other buffer (every buffer already [`plainly_valid`]).
#[inline(always)]
fn any_overlap(bufs: &[RawBuf]) -> bool {
    bufs.iter().enumerate().any(|(i, o)| {
        o.output && bufs.iter().enumerate().any(|(j, other)| i != j && overlaps(o, other))
    })
}

/// The buffer's size in bytes, which must fit in `isize::MAX` (Rust's and C's object size limit).
fn byte_len(b: &RawBuf) -> Result<usize> {
    match b.len.checked_mul(b.elem_size) {
        Some(bytes) if bytes <= isize::MAX as usize => Ok(bytes),
        _ => Err(Error::Buffer(Buffer::TooLarge {
            buffer: b.name,
            len: b.len,
            elem_size: b.elem_size,
        })),
    }
}

#[inline(always)]
fn overlaps(a: &RawBuf, b: &RawBuf) -> bool {
    if a.len == 0 || b.len == 0 {
        return false;
    }
    // Both byte lengths were checked above, and neither range wraps.
    let a_end = a.addr + a.len * a.elem_size;
    let b_end = b.addr + b.len * b.elem_size;
    a.addr < b_end && b.addr < a_end
}

/// Checks portfolio offsets: `offsets.len() >= 1`, `offsets[0] == 0`, never decreasing, last == `n`.
pub fn check_offsets(name: &'static str, offsets: &[i64], n: usize) -> Result<()> {
    let bad = |problem| Err(Error::Shape(Shape::BadOffsets { name, problem }));
    let Some(&first) = offsets.first() else {
        return bad(Offsets::Empty);
    };
    if first != 0 {
        return bad(Offsets::FirstNotZero(first));
    }
    for (p, pair) in offsets.windows(2).enumerate() {
        let (at, value, previous) = (p + 1, pair[1], pair[0]);
        if value < previous {
            return bad(Offsets::Decreasing { at, value, previous });
        }
        if u64::try_from(value).map_or(true, |v| v > n as u64) {
            return bad(Offsets::PastEnd { at, value, bonds: n });
        }
    }
    let (at, value) = (offsets.len() - 1, offsets[offsets.len() - 1]);
    if value as u64 != n as u64 {
        return bad(Offsets::LastNotBonds { at, value, bonds: n });
    }
    Ok(())
}

/// Shape checks shared by every computation: matching input lengths, the output length, the
/// `num_portfolios * num_sectors` product, and `num_sectors == 0` with bonds present.
pub fn check_job(
    weights_len: usize, values_len: Option<usize>, codes_len: usize, num_portfolios: usize,
    num_sectors: usize, out_len: usize,
) -> Result<()> {
    expect_len("sectors", codes_len, weights_len, Why::OneCodePerWeight)?;
    if let Some(v) = values_len {
        expect_len("values", v, weights_len, Why::OneValuePerWeight)?;
    }
    let want_out = mul(num_portfolios, num_sectors, "num_portfolios * num_sectors")?;
    if want_out.checked_mul(8).is_none_or(|b| b > isize::MAX as usize) {
        return Err(Error::Shape(Shape::OutputTooLarge {
            portfolios: num_portfolios,
            sectors: num_sectors,
        }));
    }
    if num_sectors == 0 && weights_len > 0 {
        return Err(Error::Argument(Argument::NoSectors { items: weights_len, rows: Rows::Bonds }));
    }
    let why = Why::Cells(num_portfolios, num_sectors);
    expect_len("out", out_len, want_out, why)
}
