//! String label columns: each row's code and each label's first row, read in place from the
//! Arrow layouts of a string column (the kernel side is `crate::labels`).

use std::ffi::c_void;

use super::{boundary, Buffers, In};
use crate::error::{Buffer, Error, Result, Shape, Strings, SwStatus, Why};
use crate::labels::{self, Column, Layout, Validity};
use crate::validate::{self, RawBuf};

/// Layout of an SwStrings: Arrow `utf8` (or `binary`), int32 offsets.
pub const SW_UTF8: i32 = 1;
/// Layout of an SwStrings: Arrow `large_utf8` (or `large_binary`), int64 offsets.
pub const SW_LARGE_UTF8: i32 = 2;
/// Layout of an SwStrings: Arrow `utf8_view` (or `binary_view`), 16-byte views.
pub const SW_UTF8_VIEW: i32 = 3;

/// A string column read in place, laid out as Arrow lays it out (the buffers of a pyarrow,
/// polars, pandas or duckdb string array; the bytes are compared as bytes, never decoded):
///   layout           SW_UTF8, SW_LARGE_UTF8 or SW_UTF8_VIEW.
///   len              the number of rows.
///   offsets          SW_UTF8: len + 1 int32 offsets, SW_LARGE_UTF8: len + 1 int64 offsets (row i
///                    is bytes offsets[i] .. offsets[i+1] of the data buffer; start the pointer at
///                    the array's offset); SW_UTF8_VIEW: len 16-byte views (Arrow's: int32 length,
///                    then up to 12 bytes inline, or a 4-byte prefix, int32 buffer index, int32
///                    offset). May be NULL when len is 0.
///   buffers, buffer_lens, num_buffers   the data buffers and their sizes in bytes: exactly one
///                    for SW_UTF8 and SW_LARGE_UTF8, any number for SW_UTF8_VIEW.
///   validity         NULL (no null rows), or Arrow's validity bitmap: row i is null when bit
///                    validity_offset + i (least significant bit first) is clear.
///   validity_offset  the bitmap's first bit (the array's offset).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct SwStrings {
    pub layout: i32,
    pub len: usize,
    pub offsets: *const c_void,
    pub buffers: *const *const u8,
    pub buffer_lens: *const usize,
    pub num_buffers: usize,
    pub validity: *const u8,
    pub validity_offset: usize,
}

/// Factorises a string column without sorting its rows: codes[i] is the number of row i's label,
/// labels numbered 0, 1, ... in order of first appearance (-1 for a null row), and
/// first_rows[k] is the first row of label k. No string is copied or returned: the caller takes
/// its labels from its own column at first_rows[0 .. *num_labels].
///
/// Parameters:
///   column                 the column (see SwStrings).
///   codes, codes_len       output, one int32 code per row (codes_len == column->len).
///   first_rows, first_rows_len   output, room for first_rows_len labels; column->len is always
///                          enough (a label per row).
///   num_labels             output: the number of distinct labels.
///
/// The rows are hashed in blocks in parallel and the blocks' labels merged in block order, so the
/// results are identical for every thread count. Memory: a hash table per block in flight; when
/// first_rows_len < column->len, also 4 bytes per row of scratch codes.
///
/// Returns SW_OK; SW_ERROR_NULL_POINTER, SW_ERROR_MISALIGNED, SW_ERROR_SIZE_OVERFLOW,
/// SW_ERROR_OVERLAP for buffers (offsets aligned to their type; views, bitmap and data need no
/// alignment); SW_ERROR_INVALID_ARGUMENT for an unknown layout, a wrong number of data buffers or
/// more than INT32_MAX rows; SW_ERROR_BAD_OFFSETS for offsets that are negative, decrease or pass
/// the data, and for a non-null row's view whose length is negative or that leaves its data
/// buffer ("the string view of row 5 names data buffer 3, but there are 2");
/// SW_ERROR_LENGTH_MISMATCH when codes_len != column->len or the labels outnumber
/// first_rows_len (the message gives their number).
///
/// Thread safety: may be called from many threads at once.
///
/// # Safety
/// column must point to a readable SwStrings whose buffers are valid for the sizes it states;
/// codes, first_rows and num_labels must be valid for their lengths (num_labels: one size_t);
/// for the whole call.
#[no_mangle]
pub unsafe extern "C" fn sw_factorize_strings(
    column: *const SwStrings, codes: *mut i32, codes_len: usize, first_rows: *mut i64,
    first_rows_len: usize, num_labels: *mut usize,
) -> SwStatus {
    boundary(|| {
        if column.is_null() {
            return Err(Error::Buffer(Buffer::MissingColumn { buffer: "column" }));
        }
        // SAFETY: non-NULL, readable by the contract; read unaligned, so no alignment is assumed.
        let c = unsafe { std::ptr::read_unaligned(column) };
        let n = c.len;
        let (offsets_len, bitmap_len) = buffer_lens(&c)?;
        validate::expect_len("codes", codes_len, n, Why::OneCodePerRow)?;
        let mut bufs = Buffers::<7>::new();
        // SAFETY: the column's buffers and this function's outputs, valid by its contract (the
        // offsets pointer read as the layout's element type, which Buffers::check aligns).
        let (offsets, validity, ptrs, lens, codes, first_rows, num_labels) = unsafe {
            let (name, p) = ("column->offsets", c.offsets);
            (
                match c.layout {
                    SW_UTF8 => Offsets::I32(bufs.input(name, p.cast(), offsets_len)),
                    SW_LARGE_UTF8 => Offsets::I64(bufs.input(name, p.cast(), offsets_len)),
                    _ => Offsets::Views(bufs.input(name, p.cast(), offsets_len)),
                },
                bufs.input("column->validity", c.validity, bitmap_len),
                bufs.input("column->buffers", c.buffers, c.num_buffers),
                bufs.input("column->buffer_lens", c.buffer_lens, c.num_buffers),
                bufs.output("codes", codes, codes_len),
                bufs.output("first_rows", first_rows, first_rows_len),
                bufs.output("num_labels", num_labels, 1),
            )
        };
        let ok = bufs.check()?;
        let data = data_buffers(&bufs, ptrs.slice(&ok), lens.slice(&ok))?;
        let bits = validity.slice(&ok);
        let validity =
            (!c.validity.is_null()).then_some(Validity { bits, offset: c.validity_offset });
        let layout = match offsets {
            Offsets::I32(o) => Layout::Utf8 { offsets: o.slice(&ok), data: data[0] },
            Offsets::I64(o) => Layout::LargeUtf8 { offsets: o.slice(&ok), data: data[0] },
            Offsets::Views(v) => Layout::View { views: v.slice(&ok), buffers: &data },
        };
        let column = Column { layout, len: n, validity };
        let k = labels::factorize(&column, codes.slice(&ok), first_rows.slice(&ok))?;
        num_labels.slice(&ok)[0] = k;
        Ok(())
    })
}

/// The element counts of a column's offsets (or views) and validity bitmap, with the checks of
/// its layout and number of data buffers.
fn buffer_lens(c: &SwStrings) -> Result<(usize, usize)> {
    let n = c.len;
    let offsets_len = match c.layout {
        SW_UTF8 | SW_LARGE_UTF8 => {
            if n == 0 {
                0
            } else {
                n.saturating_add(1)
            }
        }
        SW_UTF8_VIEW => validate::mul(n, 16, "len * 16 (view bytes)")?,
        layout => return Err(Error::Strings(Strings::UnknownLayout { layout })),
    };
    if c.layout != SW_UTF8_VIEW && c.num_buffers != 1 {
        return Err(Error::Strings(Strings::DataBuffers { got: c.num_buffers }));
    }
    let bitmap_len = match c.validity.is_null() {
        true => 0,
        false => c.validity_offset.checked_add(n).map(|bits| bits.div_ceil(8)).ok_or(
            Error::Shape(Shape::ProductOverflow {
                what: "validity_offset + len",
                a: c.validity_offset,
                b: n,
            }),
        )?,
    };
    Ok((offsets_len, bitmap_len))
}

/// The data buffers as slices, once checked (NULL, size, wrap) and found not to overlap the
/// call's outputs (the entries of `fixed` marked as outputs).
fn data_buffers<'a, const N: usize>(
    fixed: &Buffers<N>, ptrs: &[*const u8], lens: &[usize],
) -> Result<Vec<&'a [u8]>> {
    let mut list: Vec<RawBuf> = fixed.outputs().collect();
    list.extend(ptrs.iter().zip(lens).map(|(&p, &len)| RawBuf {
        name: "a data buffer (column->buffers)",
        addr: p as usize,
        len,
        elem_size: 1,
        output: false,
    }));
    validate::check_buffers(&list)?;
    Ok(ptrs
        .iter()
        .zip(lens)
        .map(|(&p, &len)| match len {
            0 => &[][..],
            // SAFETY: checked just above: non-NULL, at most isize::MAX bytes, no wrap, no overlap
            // with an output; valid for reads of `len` bytes for the call by the contract.
            _ => unsafe { std::slice::from_raw_parts(p, len) },
        })
        .collect())
}

/// The offsets buffer, by the layout's element type.
enum Offsets<'a> {
    I32(In<'a, i32>),
    I64(In<'a, i64>),
    Views(In<'a, u8>),
}
