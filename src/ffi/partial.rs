//! Partial results: exact sums of some rows, merged in any order and grouping, saved to bytes and
//! read back, and rounded into the result of one exact call over all the rows (issue 16 §2).

use super::columns::{required, typed_input, Kind};
use super::SwColumn;
use super::{boundary, no_panic, normalize_flag, Buffers, Checked, In};
use crate::api::Partial;
use crate::error::{Argument, Buffer, Error, Result, Shape, SwStatus, Why};
use crate::kernel::Layout;

/// An opaque partial result: the exact per-portfolio, per-sector sums of some rows. Made by
/// sw_partial_from_rows, sw_partial_from_ragged, sw_partial_merge or sw_partial_from_bytes;
/// never changed after that (so it may be read by many threads at once); released by
/// sw_partial_free.
pub struct SwPartial {
    partial: Partial,
}

impl<const N: usize> Buffers<N> {
    /// Records a handle the call reads (NULL is an error, named `name`).
    ///
    /// # Safety
    /// Unless NULL, `p` must point to a live `SwPartial` made by this library, for `'a`: then
    /// [`In::slice`] may read it once checked.
    unsafe fn handle<'a>(
        &mut self, name: &'static str, p: *const SwPartial,
    ) -> Result<In<'a, SwPartial>> {
        if p.is_null() {
            return Err(Error::Buffer(Buffer::NullHandle { buffer: name }));
        }
        // Recorded by its alignment (its size is not a power of two): checked for alignment and
        // for overlap with the outputs.
        self.push_sized(name, p as usize, 1, std::mem::align_of::<SwPartial>(), false);
        Ok(In { ptr: p, len: 1, _call: std::marker::PhantomData })
    }
}

/// The partial behind a checked handle.
fn partial<'a>(h: &In<'a, SwPartial>, ok: &Checked) -> &'a Partial {
    &h.slice(ok)[0].partial
}

/// `flags` of the functions that make partials: none are defined yet.
fn no_flags(flags: u32) -> Result<()> {
    match flags {
        0 => Ok(()),
        _ => Err(Error::Argument(Argument::ReservedFlags { flags })),
    }
}

/// Stores a new handle in the caller's `out`, once everything else succeeded.
fn hand_out(out: &mut [*mut SwPartial], partial: Partial) {
    out[0] = Box::into_raw(Box::new(SwPartial { partial }));
}

/// A partial result of the rows of a table that name their portfolio, rows in any order (the
/// columns and checks of sw_grouped_sums): the exact sums of weights[i] (times values[i] when
/// values is not NULL) per portfolio code and sector code, not yet rounded.
///
/// Parameters:
///   weights, values, sectors, num_sectors, portfolios, num_portfolios   as in sw_grouped_sums.
///   flags   0 (reserved).
///   out     receives a new handle on success (free it with sw_partial_free); untouched on error.
///
/// Partials of any split of the rows, merged with sw_partial_merge in any order, give the very
/// bits one partial of all the rows gives. Errors are those of sw_grouped_sums for the same rows,
/// except that sums never overflow here (exact sums have no intermediate overflow; only a
/// product weights[i] * values[i] that overflows is an error, SW_ERROR_NON_FINITE).
/// Memory: 24 bytes per cell (num_portfolios x num_sectors), and more for a cell whose exact
/// sum spans over 127 bits (1e300 plus 1e-300); while reading, 4 bytes per row of a chunk of
/// max(65,536, cells) rows and, beyond 1,024 cells, 16 bytes per cell. One thread.
///
/// Thread safety: may be called from many threads at once.
///
/// # Safety
/// As sw_grouped_sums; out must be valid for writing one pointer.
#[no_mangle]
pub unsafe extern "C" fn sw_partial_from_rows(
    weights: *const SwColumn, values: *const SwColumn, sectors: *const SwColumn,
    num_sectors: usize, portfolios: *const SwColumn, num_portfolios: usize, flags: u32,
    out: *mut *mut SwPartial,
) -> SwStatus {
    boundary(|| {
        no_flags(flags)?;
        let mut bufs = Buffers::<5>::new();
        // SAFETY: this function's arguments, valid by its contract.
        let (w, v, c, p, out) = unsafe {
            (
                bufs.column("weights", weights, Kind::Floats, false)?,
                bufs.column("values", values, Kind::Floats, true)?,
                bufs.column("sectors", sectors, Kind::Codes, false)?,
                bufs.column("portfolios", portfolios, Kind::Codes, false)?,
                bufs.output("out", out, 1),
            )
        };
        let ok = bufs.check()?;
        let layout = Layout::Grouped { portfolios: required(p).codes(&ok), num_portfolios };
        let input = typed_input(&ok, required(w), v, required(c), layout, num_sectors);
        let partial = Partial::from_input(&input)?;
        hand_out(out.slice(&ok), partial);
        Ok(())
    })
}

/// A partial result of portfolios given by offsets (portfolio p is rows offsets[p] ..
/// offsets[p+1]-1), with the columns and checks of sw_ragged_sums.
///
/// Parameters:
///   weights, values, sectors, num_sectors, offsets, offsets_len   as in sw_ragged_sums.
///   flags, out   as in sw_partial_from_rows.
///
/// Thread safety: may be called from many threads at once.
///
/// # Safety
/// As sw_ragged_sums; out must be valid for writing one pointer.
#[no_mangle]
pub unsafe extern "C" fn sw_partial_from_ragged(
    weights: *const SwColumn, values: *const SwColumn, sectors: *const SwColumn,
    num_sectors: usize, offsets: *const i64, offsets_len: usize, flags: u32,
    out: *mut *mut SwPartial,
) -> SwStatus {
    boundary(|| {
        no_flags(flags)?;
        let mut bufs = Buffers::<5>::new();
        // SAFETY: this function's arguments, valid by its contract.
        let (w, v, c, offsets, out) = unsafe {
            (
                bufs.column("weights", weights, Kind::Floats, false)?,
                bufs.column("values", values, Kind::Floats, true)?,
                bufs.column("sectors", sectors, Kind::Codes, false)?,
                bufs.input("offsets", offsets, offsets_len),
                bufs.output("out", out, 1),
            )
        };
        let ok = bufs.check()?;
        let layout = Layout::Ragged(offsets.slice(&ok));
        let input = typed_input(&ok, required(w), v, required(c), layout, num_sectors);
        let partial = Partial::from_input(&input)?;
        hand_out(out.slice(&ok), partial);
        Ok(())
    })
}

/// A new partial result holding the rows of both a and b (which are not changed). Merging is
/// associative and commutative bit for bit: partials merged in any order and grouping give the
/// same result and the same bytes.
///
/// Returns SW_OK, SW_ERROR_NULL_POINTER (a, b or out NULL), SW_ERROR_LENGTH_MISMATCH (the two
/// have different shapes: num_portfolios x num_sectors), SW_ERROR_NON_FINITE (a cell merged with
/// itself about 2^800 times), or SW_ERROR_OUT_OF_MEMORY.
///
/// Thread safety: may be called from many threads at once, also on the same partials.
///
/// # Safety
/// a and b must be live handles (not freed); out must be valid for writing one pointer.
#[no_mangle]
pub unsafe extern "C" fn sw_partial_merge(
    a: *const SwPartial, b: *const SwPartial, out: *mut *mut SwPartial,
) -> SwStatus {
    boundary(|| {
        let mut bufs = Buffers::<3>::new();
        // SAFETY: this function's arguments, valid by its contract.
        let (a, b, out) =
            unsafe { (bufs.handle("a", a)?, bufs.handle("b", b)?, bufs.output("out", out, 1)) };
        let ok = bufs.check()?;
        let merged = partial(&a, &ok).merge(partial(&b, &ok))?;
        hand_out(out.slice(&ok), merged);
        Ok(())
    })
}

/// Saves a partial result as bytes, to merge it in another process or on another machine: a
/// versioned, checksummed format that sw_partial_from_bytes reads on any platform. Equal
/// partials (however they were merged) give equal bytes.
///
/// Parameters:
///   p        the partial.
///   buf, len where to write the bytes. With buf NULL and len 0 nothing is written but *needed
///            (a size query); otherwise len must be at least the size, and the first *needed
///            bytes of buf are written (the rest untouched).
///   needed   NULL, or receives the size in bytes on success.
///
/// Returns SW_OK, SW_ERROR_NULL_POINTER, SW_ERROR_LENGTH_MISMATCH (len is not 0 but too small:
/// nothing is written), SW_ERROR_OVERLAP or SW_ERROR_OUT_OF_MEMORY.
///
/// Thread safety: may be called from many threads at once.
///
/// # Safety
/// p must be a live handle; buf must be valid for len bytes; needed NULL or valid for one size_t.
#[no_mangle]
pub unsafe extern "C" fn sw_partial_to_bytes(
    p: *const SwPartial, buf: *mut u8, len: usize, needed: *mut usize,
) -> SwStatus {
    boundary(|| {
        let mut bufs = Buffers::<3>::new();
        let wants_size = usize::from(!needed.is_null());
        // SAFETY: this function's arguments, valid by its contract.
        let (p, buf, needed) = unsafe {
            (
                bufs.handle("p", p)?,
                bufs.output("buf", buf, len),
                bufs.output("needed", needed, wants_size),
            )
        };
        let ok = bufs.check()?;
        let bytes = partial(&p, &ok).to_bytes()?;
        let buf = buf.slice(&ok);
        if !buf.is_empty() {
            if buf.len() < bytes.len() {
                let (got, want) = (buf.len(), bytes.len());
                let why = Why::SavedPartial;
                return Err(Error::Shape(Shape::Length { buffer: "buf", got, want, why }));
            }
            buf[..bytes.len()].copy_from_slice(&bytes);
        }
        if let Some(n) = needed.slice(&ok).first_mut() {
            *n = bytes.len();
        }
        Ok(())
    })
}

/// Reads a partial result saved by sw_partial_to_bytes (on any machine). Bytes that are
/// truncated, corrupted (a CRC-32 covers them all), of another format version, or not a saved
/// partial at all are an error, SW_ERROR_BAD_PARTIAL, never a partial of wrong sums.
///
/// Parameters:
///   buf, len   the bytes (exactly those written: no trailing bytes).
///   out        receives a new handle on success (free it with sw_partial_free); untouched on
///              error.
///
/// Returns SW_OK, SW_ERROR_BAD_PARTIAL, SW_ERROR_NULL_POINTER or SW_ERROR_OUT_OF_MEMORY.
/// Memory: at most the table of the shape the bytes hold, whose cells they must contain (4 bytes
/// of buf at least per cell): nothing larger is allocated for any bytes.
///
/// Thread safety: may be called from many threads at once.
///
/// # Safety
/// buf must be valid for len bytes; out must be valid for writing one pointer.
#[no_mangle]
pub unsafe extern "C" fn sw_partial_from_bytes(
    buf: *const u8, len: usize, out: *mut *mut SwPartial,
) -> SwStatus {
    boundary(|| {
        let mut bufs = Buffers::<2>::new();
        // SAFETY: this function's arguments, valid by its contract.
        let (buf, out) = unsafe { (bufs.input("buf", buf, len), bufs.output("out", out, 1)) };
        let ok = bufs.check()?;
        let partial = Partial::from_bytes(buf.slice(&ok))?;
        hand_out(out.slice(&ok), partial);
        Ok(())
    })
}

/// The result of a partial: out[p*num_sectors + k] is the exact sum of portfolio p's sector k,
/// correctly rounded (the double math.fsum returns for its terms) — what an exact call over all
/// the partial's rows gives. With SW_NORMALIZE each is divided by its portfolio's exact total,
/// rounded once: fl(round(S_k) / round(T)).
///
/// Parameters:
///   p         the partial.
///   flags     0 or SW_NORMALIZE.
///   out, out_len   num_portfolios * num_sectors doubles; untouched on error.
///
/// Returns SW_OK, SW_ERROR_NULL_POINTER, SW_ERROR_LENGTH_MISMATCH, SW_ERROR_NON_FINITE (a sum or
/// total rounds beyond the doubles, or a ratio overflows), SW_ERROR_ZERO_TOTAL (normalising a
/// portfolio whose exact total is 0), SW_ERROR_INVALID_ARGUMENT (unknown flags),
/// SW_ERROR_OVERLAP, SW_ERROR_MISALIGNED or SW_ERROR_OUT_OF_MEMORY.
///
/// Thread safety: may be called from many threads at once.
///
/// # Safety
/// p must be a live handle; out must be valid for out_len doubles.
#[no_mangle]
pub unsafe extern "C" fn sw_partial_result(
    p: *const SwPartial, flags: u32, out: *mut f64, out_len: usize,
) -> SwStatus {
    boundary(|| {
        let normalize = normalize_flag(flags)?;
        let mut bufs = Buffers::<2>::new();
        // SAFETY: this function's arguments, valid by its contract.
        let (p, out) = unsafe { (bufs.handle("p", p)?, bufs.output("out", out, out_len)) };
        let ok = bufs.check()?;
        partial(&p, &ok).result_into(normalize, out.slice(&ok))
    })
}

/// The shape of a partial: *num_portfolios and *num_sectors (its result has their product of
/// doubles).
///
/// Returns SW_OK, SW_ERROR_NULL_POINTER or SW_ERROR_MISALIGNED.
///
/// # Safety
/// p must be a live handle; num_portfolios and num_sectors valid for writing one size_t each.
#[no_mangle]
pub unsafe extern "C" fn sw_partial_shape(
    p: *const SwPartial, num_portfolios: *mut usize, num_sectors: *mut usize,
) -> SwStatus {
    boundary(|| {
        let mut bufs = Buffers::<3>::new();
        // SAFETY: this function's arguments, valid by its contract.
        let (p, np, ns) = unsafe {
            (
                bufs.handle("p", p)?,
                bufs.output("num_portfolios", num_portfolios, 1),
                bufs.output("num_sectors", num_sectors, 1),
            )
        };
        let ok = bufs.check()?;
        let partial = partial(&p, &ok);
        np.slice(&ok)[0] = partial.num_portfolios();
        ns.slice(&ok)[0] = partial.num_sectors();
        Ok(())
    })
}

/// Releases a partial result. NULL is allowed (nothing happens).
///
/// Thread safety: no other call may use p during or after this one.
///
/// # Safety
/// p must be NULL or a live handle made by this library, not freed before.
#[no_mangle]
pub unsafe extern "C" fn sw_partial_free(p: *mut SwPartial) {
    if p.is_null() {
        return;
    }
    no_panic((), || {
        // SAFETY: p was made by Box::into_raw in hand_out and is freed once (the contract).
        drop(unsafe { Box::from_raw(p) });
    })
}
