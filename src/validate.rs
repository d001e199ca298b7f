//! The one validator: every shape, size, pointer and offset check that any entry point makes.
//!
//! Nothing here is `unsafe`. The FFI layer describes each caller buffer as a [`RawBuf`] (an address
//! and an element count) and asks [`check_buffers`] before it builds a single slice; the kernel asks
//! [`check_job`] before it reads a single element. Per-element checks (sector codes, finiteness) run
//! inside the kernel's one pass over the data and are reported through [`bad_element`].

use crate::error::{Error, Result, SwStatus};

/// A caller buffer as the FFI layer received it, before any slice exists.
#[derive(Debug, Clone, Copy)]
pub struct RawBuf {
    /// Parameter name as the C header spells it, for messages.
    pub name: &'static str,
    /// The pointer's address (0 for NULL).
    pub addr: usize,
    /// Element count the buffer must hold.
    pub len: usize,
    /// Element size in bytes; also its required alignment (f64, i32, i64 all have size == align).
    pub elem_size: usize,
    /// Whether the library writes to it.
    pub output: bool,
}

/// `a * b`, or a size-overflow error naming `what`.
pub fn mul(a: usize, b: usize, what: &str) -> Result<usize> {
    a.checked_mul(b).ok_or_else(|| {
        Error::new(
            SwStatus::SW_ERROR_SIZE_OVERFLOW,
            format!("{what} = {a} x {b} overflows size_t"),
        )
    })
}

/// A C `uintmax_t` argument as `usize`, or a size-overflow error naming it.
pub fn to_usize(value: u64, name: &str) -> Result<usize> {
    usize::try_from(value).map_err(|_| {
        Error::new(
            SwStatus::SW_ERROR_SIZE_OVERFLOW,
            format!("{name} = {value} does not fit in size_t"),
        )
    })
}

/// Errors unless `got == want`; `why` explains where `want` comes from.
pub fn expect_len(name: &str, got: usize, want: usize, why: &str) -> Result<()> {
    if got == want {
        Ok(())
    } else {
        Err(Error::new(
            SwStatus::SW_ERROR_LENGTH_MISMATCH,
            format!("{name} has {got} elements but must have {want} ({why})"),
        ))
    }
}

/// Checks every buffer (NULL with a non-empty range, alignment, byte size within `PTRDIFF_MAX`,
/// address-space wrap), then that no output overlaps another buffer. Only after this succeeds may
/// the FFI layer turn the buffers into slices.
pub fn check_buffers(bufs: &[RawBuf]) -> Result<()> {
    // Fast screen first (this runs on every call, and costs no division and no message); the
    // loops below then only run to name what is wrong.
    if bufs.iter().all(plainly_valid) && !any_overlap(bufs) {
        return Ok(());
    }
    for b in bufs {
        if b.len == 0 {
            continue; // An empty range is never dereferenced; NULL is fine.
        }
        if b.addr == 0 {
            return Err(Error::new(
                SwStatus::SW_ERROR_NULL_POINTER,
                format!("{} is NULL but must hold {} elements", b.name, b.len),
            ));
        }
        if b.addr & (b.elem_size - 1) != 0 {
            return Err(Error::new(
                SwStatus::SW_ERROR_MISALIGNED,
                format!(
                    "{} = {:#x} is not aligned to {} bytes",
                    b.name, b.addr, b.elem_size
                ),
            ));
        }
        let bytes = byte_len(b)?;
        if b.addr.checked_add(bytes).is_none() {
            return Err(Error::new(
                SwStatus::SW_ERROR_SIZE_OVERFLOW,
                format!(
                    "{} = {:#x} with {} elements wraps around the address space",
                    b.name, b.addr, b.len
                ),
            ));
        }
    }
    for (i, o) in bufs.iter().enumerate().filter(|(_, b)| b.output) {
        for (j, other) in bufs.iter().enumerate() {
            if i != j && (j > i || !other.output) && overlaps(o, other) {
                return Err(Error::new(
                    SwStatus::SW_ERROR_OVERLAP,
                    format!("output {} overlaps {}", o.name, other.name),
                ));
            }
        }
    }
    Ok(())
}

/// Empty, or non-NULL, aligned (element sizes are powers of two: a mask, not a division),
/// within `PTRDIFF_MAX` bytes, and not wrapping around the address space.
fn plainly_valid(b: &RawBuf) -> bool {
    debug_assert!(b.elem_size.is_power_of_two());
    b.len == 0
        || (b.addr != 0
            && b.addr & (b.elem_size - 1) == 0
            && b.len <= (isize::MAX as usize) >> b.elem_size.trailing_zeros()
            && b.addr
                .checked_add(b.len << b.elem_size.trailing_zeros())
                .is_some())
}

/// Whether any output overlaps any other buffer (every buffer already [`plainly_valid`]).
fn any_overlap(bufs: &[RawBuf]) -> bool {
    bufs.iter().enumerate().any(|(i, o)| {
        o.output
            && bufs
                .iter()
                .enumerate()
                .any(|(j, other)| i != j && overlaps(o, other))
    })
}

/// The buffer's size in bytes, which must fit in `isize::MAX` (Rust's and C's object size limit).
fn byte_len(b: &RawBuf) -> Result<usize> {
    match b.len.checked_mul(b.elem_size) {
        Some(bytes) if bytes <= isize::MAX as usize => Ok(bytes),
        _ => Err(Error::new(
            SwStatus::SW_ERROR_SIZE_OVERFLOW,
            format!(
                "{} would hold {} elements of {} bytes, more than PTRDIFF_MAX bytes",
                b.name, b.len, b.elem_size
            ),
        )),
    }
}

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
pub fn check_offsets(name: &str, offsets: &[i64], n: usize) -> Result<()> {
    let bad = |msg: String| Err(Error::new(SwStatus::SW_ERROR_BAD_OFFSETS, msg));
    let Some(&first) = offsets.first() else {
        return bad(format!(
            "{name} is empty but must hold num_portfolios + 1 elements, starting with 0"
        ));
    };
    if first != 0 {
        return bad(format!("{name}[0] is {first} but must be 0"));
    }
    for (p, pair) in offsets.windows(2).enumerate() {
        if pair[1] < pair[0] {
            return bad(format!(
                "{name}[{}] = {} is less than {name}[{p}] = {} (offsets must never decrease)",
                p + 1,
                pair[1],
                pair[0]
            ));
        }
        if u64::try_from(pair[1]).map_or(true, |v| v > n as u64) {
            return bad(format!(
                "{name}[{}] = {} is past the end of the {n} bonds",
                p + 1,
                pair[1]
            ));
        }
    }
    let last = offsets[offsets.len() - 1];
    if last as u64 != n as u64 {
        return bad(format!(
            "{name}[{}] = {last} but the last offset must equal the number of bonds, {n}",
            offsets.len() - 1
        ));
    }
    Ok(())
}

/// What is wrong with one element, found during the kernel's pass.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Bad {
    Code(i32),
    Weight(f64),
    Value(f64),
}

/// The error for a bad element at `bond` (counted within its portfolio) of `portfolio`.
pub fn bad_element(bad: Bad, bond: usize, portfolio: usize, num_sectors: usize) -> Error {
    match bad {
        Bad::Code(code) => Error::new(
            SwStatus::SW_ERROR_SECTOR_OUT_OF_RANGE,
            format!(
                "sector code {code} at bond {bond} of portfolio {portfolio} is outside 0..{num_sectors}"
            ),
        ),
        Bad::Weight(w) => Error::new(
            SwStatus::SW_ERROR_NON_FINITE,
            format!("weight {w} at bond {bond} of portfolio {portfolio} is not finite"),
        ),
        Bad::Value(v) => Error::new(
            SwStatus::SW_ERROR_NON_FINITE,
            format!("value {v} at bond {bond} of portfolio {portfolio} is not finite"),
        ),
    }
}

/// Shape checks shared by every computation: matching input lengths, the output length, the
/// `num_portfolios * num_sectors` product, and `num_sectors == 0` with bonds present.
pub fn check_job(
    weights_len: usize,
    values_len: Option<usize>,
    codes_len: usize,
    num_portfolios: usize,
    num_sectors: usize,
    out_len: usize,
) -> Result<()> {
    expect_len("sectors", codes_len, weights_len, "one code per weight")?;
    if let Some(v) = values_len {
        expect_len("values", v, weights_len, "one value per weight")?;
    }
    let want_out = mul(num_portfolios, num_sectors, "num_portfolios * num_sectors")?;
    if want_out
        .checked_mul(8)
        .is_none_or(|b| b > isize::MAX as usize)
    {
        return Err(Error::new(
            SwStatus::SW_ERROR_SIZE_OVERFLOW,
            format!(
                "the output of {num_portfolios} x {num_sectors} doubles exceeds PTRDIFF_MAX bytes"
            ),
        ));
    }
    if num_sectors == 0 && weights_len > 0 {
        return Err(Error::new(
            SwStatus::SW_ERROR_INVALID_ARGUMENT,
            format!("num_sectors is 0 but there are {weights_len} bonds to group"),
        ));
    }
    if out_len == want_out {
        return Ok(()); // No message is formatted on the success path.
    }
    expect_len(
        "out",
        out_len,
        want_out,
        &format!("{num_portfolios} portfolios x {num_sectors} sectors"),
    )
}

/// Rewords a kernel error about order lists: "at bond 3 of portfolio 2" becomes
/// "at order 3 of order list 2" (the kernel only knows bonds and portfolios).
pub fn relabel_for_orders(e: Error) -> Error {
    let message = e
        .message
        .replacen(" at bond ", " at order ", 1)
        .replacen(" of portfolio ", " of order list ", 1)
        .replacen(" bonds to group", " orders to group", 1);
    Error { message, ..e }
}
