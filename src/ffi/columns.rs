//! Typed columns: codes and floats of the types table libraries hand out, read in place, and the
//! grouped layout (one portfolio code per row, rows in any order).

use std::ffi::c_void;

use super::{boundary, Buffers, Checked, Flags};
use crate::error::{Argument, Buffer, Error, Result, SwStatus};
use crate::kernel::{Codes, Floats, Input, Layout};

/// Element type of an int8 column (for SwColumn.dtype).
pub const SW_INT8: i32 = 1;
/// Element type of an int16 column.
pub const SW_INT16: i32 = 2;
/// Element type of an int32 column.
pub const SW_INT32: i32 = 3;
/// Element type of an int64 column.
pub const SW_INT64: i32 = 4;
/// Element type of a uint8 column.
pub const SW_UINT8: i32 = 5;
/// Element type of a uint16 column.
pub const SW_UINT16: i32 = 6;
/// Element type of a uint32 column.
pub const SW_UINT32: i32 = 7;
/// Element type of a float32 column.
pub const SW_FLOAT32: i32 = 8;
/// Element type of a float64 column.
pub const SW_FLOAT64: i32 = 9;

/// A column read in place: `len` elements of type `dtype` (one of SW_INT8 ... SW_FLOAT64)
/// starting at `data`, which must be aligned to the element size. `data` may be NULL only when
/// `len` is 0.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct SwColumn {
    pub data: *const c_void,
    pub len: usize,
    pub dtype: i32,
}

/// What a column must hold.
#[derive(Clone, Copy, PartialEq)]
pub(super) enum Kind {
    Floats,
    Codes,
}

/// A validated column's typed view (see [`Buffers::column`]).
pub(super) struct Column<'a> {
    data: *const c_void,
    len: usize,
    dtype: i32,
    _call: std::marker::PhantomData<&'a ()>,
}

/// The size of an element of `dtype`, if it is a type of `kind`.
fn element_size(dtype: i32, kind: Kind) -> Option<usize> {
    match (dtype, kind) {
        (SW_INT8 | SW_UINT8, Kind::Codes) => Some(1),
        (SW_INT16 | SW_UINT16, Kind::Codes) => Some(2),
        (SW_INT32 | SW_UINT32, Kind::Codes) | (SW_FLOAT32, Kind::Floats) => Some(4),
        (SW_INT64, Kind::Codes) | (SW_FLOAT64, Kind::Floats) => Some(8),
        _ => None,
    }
}

impl<const N: usize> Buffers<N> {
    /// Reads and records the column `col` points to (`None` when `col` is NULL and `optional`).
    ///
    /// # Safety
    /// Unless NULL, `col` must point to a readable `SwColumn` whose `data` is valid for reads of
    /// `len` elements of its `dtype` for `'a`: the entry point's C contract.
    pub(super) unsafe fn column<'a>(
        &mut self, name: &'static str, col: *const SwColumn, kind: Kind, optional: bool,
    ) -> Result<Option<Column<'a>>> {
        if col.is_null() {
            return match optional {
                true => Ok(None),
                false => Err(Error::Buffer(Buffer::MissingColumn { buffer: name })),
            };
        }
        // SAFETY: non-NULL, readable by the contract; read unaligned, so no alignment is assumed.
        let c = unsafe { std::ptr::read_unaligned(col) };
        let Some(size) = element_size(c.dtype, kind) else {
            let floats = kind == Kind::Floats;
            return Err(Error::Argument(Argument::ColumnType {
                buffer: name,
                dtype: c.dtype,
                floats,
            }));
        };
        self.push_sized(name, c.data as usize, c.len, size, false);
        Ok(Some(Column {
            data: c.data,
            len: c.len,
            dtype: c.dtype,
            _call: std::marker::PhantomData,
        }))
    }
}

impl<'a> Column<'a> {
    /// The column as a typed slice, once validated.
    fn slice<T>(&self, _: &Checked) -> &'a [T] {
        if self.len == 0 {
            return &[];
        }
        // SAFETY: `Checked` exists only once `check_buffers` accepted this (address, length,
        // element size): non-NULL, aligned, at most isize::MAX bytes, no wrap; `T` is the type
        // `dtype` names (the callers below match on it), and validity for reads for 'a is the
        // contract `Buffers::column`'s caller stated.
        unsafe { std::slice::from_raw_parts(self.data.cast::<T>(), self.len) }
    }

    pub(super) fn floats(&self, ok: &Checked) -> Floats<'a> {
        match self.dtype {
            SW_FLOAT32 => Floats::F32(self.slice(ok)),
            _ => Floats::F64(self.slice(ok)),
        }
    }

    pub(super) fn codes(&self, ok: &Checked) -> Codes<'a> {
        match self.dtype {
            SW_INT8 => Codes::I8(self.slice(ok)),
            SW_INT16 => Codes::I16(self.slice(ok)),
            SW_INT32 => Codes::I32(self.slice(ok)),
            SW_INT64 => Codes::I64(self.slice(ok)),
            SW_UINT8 => Codes::U8(self.slice(ok)),
            SW_UINT16 => Codes::U16(self.slice(ok)),
            _ => Codes::U32(self.slice(ok)),
        }
    }
}

/// Per-portfolio, per-sector sums of a table whose rows name their portfolio ("grouped"):
///   out[p*num_sectors + k] = sum of weights[i] (times values[i] when values is not NULL) over
///   the rows i with portfolios[i] == p and sectors[i] == k,
/// with the rows in any order (no sorting, no offsets). Every column is read in place.
///
/// Parameters:
///   weights         a SW_FLOAT32 or SW_FLOAT64 column; finite.
///   values          NULL, or a column of the weights' type and length (exposures); finite.
///   sectors         an integer column (SW_INT8 ... SW_UINT32), one code per row, in [0, num_sectors).
///   num_sectors     number of sectors.
///   portfolios      an integer column, one portfolio code per row, in [0, num_portfolios).
///   num_portfolios  number of portfolios (rows of the output).
///   flags           0, or SW_NORMALIZE to divide each portfolio's row by its total, or'd
///                   with SW_EXACT for exact sums (identical for any order of the rows).
///   out, out_len    output, num_portfolios * num_sectors doubles; untouched on error.
///
/// Errors name rows: "portfolio code 25 at row 1043 is outside 0..20", "sector code -1 at row 7
/// (portfolio 3) is outside 0..18", "weight nan at row 5 (portfolio 3) is not finite". Negative
/// codes and codes >= the count are errors whatever the width; an int64 code is never wrapped.
/// Memory: up to 2^15 cells (portfolios x sectors) the rows are summed in place; above that they
/// are first partitioned by blocks of portfolios (12 bytes per row) into a scratch copy of the
/// output. Results are bit-identical for every thread count.
///
/// Returns SW_OK or any SW_ERROR_* status of sw_sector_exposures.
///
/// Thread safety: may be called from many threads at once.
///
/// # Safety
/// Each non-NULL SwColumn pointer must point to a readable SwColumn whose data is valid for its
/// stated length; out must be valid for out_len doubles; for the whole call.
#[no_mangle]
pub unsafe extern "C" fn sw_grouped_sums(
    weights: *const SwColumn, values: *const SwColumn, sectors: *const SwColumn,
    num_sectors: usize, portfolios: *const SwColumn, num_portfolios: usize, flags: u32,
    out: *mut f64, out_len: usize,
) -> SwStatus {
    boundary(|| {
        let flags = Flags::parse(flags)?;
        let mut bufs = Buffers::<5>::new();
        // SAFETY: this function's arguments, valid by its contract.
        let (w, v, c, p, out) = unsafe {
            (
                bufs.column("weights", weights, Kind::Floats, false)?,
                bufs.column("values", values, Kind::Floats, true)?,
                bufs.column("sectors", sectors, Kind::Codes, false)?,
                bufs.column("portfolios", portfolios, Kind::Codes, false)?,
                bufs.output("out", out, out_len),
            )
        };
        let ok = bufs.check()?;
        let portfolios = required(p).codes(&ok);
        let layout = Layout::Grouped { portfolios, num_portfolios };
        let input = typed_input(&ok, required(w), v, required(c), layout, num_sectors);
        flags.compute(&input, out.slice(&ok))
    })
}

/// Per-portfolio, per-sector sums with typed columns and portfolios given by offsets (as in
/// sw_sector_weights_ragged: portfolio p is rows offsets[p] .. offsets[p+1]-1).
///
/// Parameters:
///   weights, values, sectors, num_sectors, flags, out, out_len   as in sw_grouped_sums.
///   offsets, offsets_len   num_portfolios + 1 offsets: start at 0, never decrease, end at the
///                          number of rows.
///
/// Returns SW_OK or any SW_ERROR_* status of sw_sector_exposures. Errors name "bond i of
/// portfolio p" as the other ragged functions do.
///
/// Thread safety: may be called from many threads at once.
///
/// # Safety
/// As sw_grouped_sums; offsets must be valid for offsets_len elements.
#[no_mangle]
pub unsafe extern "C" fn sw_ragged_sums(
    weights: *const SwColumn, values: *const SwColumn, sectors: *const SwColumn,
    num_sectors: usize, offsets: *const i64, offsets_len: usize, flags: u32, out: *mut f64,
    out_len: usize,
) -> SwStatus {
    boundary(|| {
        let flags = Flags::parse(flags)?;
        let mut bufs = Buffers::<5>::new();
        // SAFETY: this function's arguments, valid by its contract.
        let (w, v, c, offsets, out) = unsafe {
            (
                bufs.column("weights", weights, Kind::Floats, false)?,
                bufs.column("values", values, Kind::Floats, true)?,
                bufs.column("sectors", sectors, Kind::Codes, false)?,
                bufs.input("offsets", offsets, offsets_len),
                bufs.output("out", out, out_len),
            )
        };
        let ok = bufs.check()?;
        let layout = Layout::Ragged(offsets.slice(&ok));
        let input = typed_input(&ok, required(w), v, required(c), layout, num_sectors);
        flags.compute(&input, out.slice(&ok))
    })
}

/// A required column (`Buffers::column` already refused NULL).
pub(super) fn required(c: Option<Column>) -> Column {
    c.expect("required columns are never None")
}

pub(super) fn typed_input<'a>(
    ok: &Checked, w: Column<'a>, v: Option<Column<'a>>, c: Column<'a>, layout: Layout<'a>,
    num_sectors: usize,
) -> Input<'a> {
    Input {
        weights: w.floats(ok),
        values: v.map(|v| v.floats(ok)),
        codes: c.codes(ok),
        layout,
        num_sectors,
    }
}
