//! Errors as values: each [`Error`] says what went wrong and where (which buffer, portfolio, bond,
//! sector, value) in fields, until [`fmt::Display`] — the one place that writes the text C and
//! Python callers read ("sector code 25 at bond 1043 of portfolio 7 is outside 0..18"). Every
//! error maps to one [`SwStatus`] ([`Error::status`]).

mod status;
mod text;

use std::fmt;

pub use status::SwStatus;

/// Shorthand for results of this crate.
pub type Result<T> = std::result::Result<T, Error>;

/// Which rows the kernel summed: a portfolio's holdings ("bond 3 of portfolio 2"), an order
/// list's orders ("order 3 of order list 2"), or the rows of a table in which each row names its
/// portfolio ("row 1043 (portfolio 7)": the grouped layout, where `item` counts all rows).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rows {
    Bonds,
    Orders,
    Table,
}

/// What is wrong with one element.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Bad {
    /// A sector code outside `0..num_sectors`.
    Code(i64),
    /// A portfolio code outside `0..num_portfolios` (grouped layout).
    Portfolio(i64),
    Weight(f64),
    Value(f64),
}

/// Why a buffer must have the length it must have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Why {
    OneCodePerWeight,
    OnePortfolioPerWeight,
    OneValuePerWeight,
    OneCodePerHolding,
    OneCodePerOrder,
    OneCodePerRow,
    OneOrderListPerPortfolio,
    /// `portfolios x bonds` (the uniform layout's weights).
    Bonds(usize, usize),
    /// `portfolios x sectors` (every output).
    Cells(usize, usize),
    /// The bytes of a saved partial result.
    SavedPartial,
}

/// What is wrong with portfolio offsets named `name`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Offsets {
    Empty,
    FirstNotZero(i64),
    /// `offsets[at] < offsets[at - 1]`.
    Decreasing {
        at: usize,
        value: i64,
        previous: i64,
    },
    PastEnd {
        at: usize,
        value: i64,
        bonds: usize,
    },
    LastNotBonds {
        at: usize,
        value: i64,
        bonds: usize,
    },
}

/// A target or tolerance value that is not allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BandProblem {
    NotFinite,
    Negative,
}

/// A caller buffer that cannot be turned into a slice (named as the C header names it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Buffer {
    NullPointer {
        buffer: &'static str,
        len: usize,
    },
    Misaligned {
        buffer: &'static str,
        addr: usize,
        align: usize,
    },
    TooLarge {
        buffer: &'static str,
        len: usize,
        elem_size: usize,
    },
    WrapsAround {
        buffer: &'static str,
        addr: usize,
        len: usize,
    },
    Overlap {
        output: &'static str,
        other: &'static str,
    },
    MissingColumn {
        buffer: &'static str,
    },
    /// A NULL `SwPartial` handle where one is required.
    NullHandle {
        buffer: &'static str,
    },
}

/// Sizes and shapes that do not fit together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shape {
    /// `what = a x b` overflows `size_t`.
    ProductOverflow {
        what: &'static str,
        a: usize,
        b: usize,
    },
    NotSizeT {
        name: &'static str,
        value: u64,
    },
    OutputTooLarge {
        portfolios: usize,
        sectors: usize,
    },
    Length {
        buffer: &'static str,
        got: usize,
        want: usize,
        why: Why,
    },
    NotMultiple {
        buffer: &'static str,
        len: usize,
        of: &'static str,
        by: usize,
    },
    BadOffsets {
        name: &'static str,
        problem: Offsets,
    },
}

/// An argument that is invalid on its own.
#[derive(Debug, Clone, PartialEq)]
pub enum Argument {
    UnknownFlags {
        flags: u32,
    },
    /// `flags` of a function that defines none (reserved: must be 0).
    ReservedFlags {
        flags: u32,
    },
    NoSectors {
        items: usize,
        rows: Rows,
    },
    TooManyThreads {
        requested: usize,
        max: usize,
    },
    MixedFloatTypes {
        weights: &'static str,
        values: &'static str,
    },
    /// A column's dtype is unknown or of the wrong kind (`floats`: a float type was required).
    ColumnType {
        buffer: &'static str,
        dtype: i32,
        floats: bool,
    },
}

/// A bad element, or a result that leaves the double range or cannot be normalised.
#[derive(Debug, Clone, PartialEq)]
pub enum Data {
    /// A bad element: `item` counts within group `group` (a portfolio, or an order list), or all
    /// rows of a table; `limit` is the number of valid codes of the bad code's kind.
    Element {
        bad: Bad,
        item: usize,
        group: usize,
        rows: Rows,
        limit: usize,
    },
    SumOverflow {
        sector: usize,
        group: usize,
        sum: f64,
        rows: Rows,
    },
    TotalOverflow {
        portfolio: usize,
        total: f64,
    },
    NormalisedOverflow {
        sector: usize,
        portfolio: usize,
        total: f64,
        value: f64,
    },
    ZeroTotal {
        portfolio: usize,
        bonds: usize,
    },
}

/// Targets, tolerance bands and the allocations compared with them.
#[derive(Debug, Clone, PartialEq)]
pub enum Targets {
    NoSectors,
    BandsWithoutTargets,
    BandLength { band: &'static str, len: usize, portfolios: usize, sectors: usize },
    BandValue { band: &'static str, index: usize, value: f64, problem: BandProblem },
    ActualNotFinite { value: f64, sector: usize, portfolio: usize },
    ActiveOverflow { actual: f64, target: f64, sector: usize, portfolio: usize },
}

/// Order-list totals that make an allocation undefined or overflow.
#[derive(Debug, Clone, PartialEq)]
pub enum Orders {
    HoldingsTotalZero { portfolio: usize, holdings: usize },
    OrderListZero { list: usize, orders: usize },
    ProFormaZero { portfolio: usize, total: f64, net: f64 },
    TotalsOverflow { portfolio: usize, total: f64, net: f64, gross: f64 },
    AllocationOverflow { portfolio: usize, sector: usize, value: f64, total: f64, net: f64 },
}

/// A string label column whose buffers do not describe strings (the Arrow layouts that
/// `sw_factorize_strings` reads), or more distinct labels than the caller made room for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Strings {
    /// The `layout` of an `SwStrings` is none of SW_UTF8, SW_LARGE_UTF8, SW_UTF8_VIEW.
    UnknownLayout { layout: i32 },
    /// An offsets layout (SW_UTF8, SW_LARGE_UTF8) needs exactly one data buffer.
    DataBuffers { got: usize },
    /// More rows than 32-bit codes can number.
    TooManyRows { rows: usize },
    /// `offsets[0]` is negative.
    FirstOffsetNegative { value: i64 },
    /// `offsets[at] < offsets[at - 1]`.
    OffsetsDecrease { at: usize, value: i64, previous: i64 },
    /// `offsets[at]`, the last one, passes the end of the data buffer.
    OffsetsPastData { at: usize, value: i64, data_len: usize },
    /// The view of row `row` has a negative length.
    ViewLength { row: usize, len: i64 },
    /// The view of row `row` names data buffer `buffer`, of `buffers`.
    ViewBuffer { row: usize, buffer: i64, buffers: usize },
    /// The view of row `row` reads `offset .. offset + len` of a buffer of `buffer_len` bytes.
    ViewPastData { row: usize, buffer: usize, offset: i64, len: i64, buffer_len: usize },
    /// The column has `labels` distinct labels; `first_rows` has room for `capacity`.
    Capacity { labels: usize, capacity: usize },
}

/// Memory or threads the library could not get.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resource {
    Scratch {
        doubles: usize,
    },
    /// Scratch codes for a string column (4 bytes per row).
    Codes {
        rows: usize,
    },
    Lanes {
        sectors: usize,
    },
    ThreadPool {
        requested: usize,
        reason: String,
    },
}

/// A failure, with everything needed to say what and where.
#[derive(Debug, Clone, PartialEq)]
pub enum Error {
    Buffer(Buffer),
    Shape(Shape),
    Argument(Argument),
    Data(Data),
    Targets(Targets),
    Orders(Orders),
    Strings(Strings),
    Resource(Resource),
    /// Partial results of exact sums: merged, saved, read back or rounded.
    Exact(crate::exact::ExactError),
    /// A bug of this library, caught before it could do harm.
    Internal(&'static str),
    Panic(String),
}

macro_rules! from_kind {
    ($($kind:ident),*) => {$(
        impl From<$kind> for Error {
            fn from(e: $kind) -> Error {
                Error::$kind(e)
            }
        }
    )*};
}
from_kind!(Buffer, Shape, Argument, Data, Targets, Orders, Strings, Resource);

impl From<crate::exact::ExactError> for Error {
    fn from(e: crate::exact::ExactError) -> Error {
        Error::Exact(e)
    }
}

impl Error {
    /// The status a C caller receives for this error.
    pub fn status(&self) -> SwStatus {
        use SwStatus::*;
        match self {
            Error::Buffer(
                Buffer::NullPointer { .. }
                | Buffer::MissingColumn { .. }
                | Buffer::NullHandle { .. },
            ) => SW_ERROR_NULL_POINTER,
            Error::Buffer(Buffer::Misaligned { .. }) => SW_ERROR_MISALIGNED,
            Error::Buffer(Buffer::Overlap { .. }) => SW_ERROR_OVERLAP,
            Error::Buffer(_) => SW_ERROR_SIZE_OVERFLOW,
            Error::Shape(Shape::Length { .. } | Shape::NotMultiple { .. }) => {
                SW_ERROR_LENGTH_MISMATCH
            }
            Error::Shape(Shape::BadOffsets { .. }) => SW_ERROR_BAD_OFFSETS,
            Error::Shape(_) => SW_ERROR_SIZE_OVERFLOW,
            Error::Argument(_) => SW_ERROR_INVALID_ARGUMENT,
            Error::Data(Data::Element { bad: Bad::Code(_) | Bad::Portfolio(_), .. }) => {
                SW_ERROR_SECTOR_OUT_OF_RANGE
            }
            Error::Data(Data::ZeroTotal { .. }) => SW_ERROR_ZERO_TOTAL,
            Error::Data(_) => SW_ERROR_NON_FINITE,
            Error::Targets(Targets::BandLength { .. }) => SW_ERROR_LENGTH_MISMATCH,
            Error::Targets(Targets::NoSectors | Targets::BandsWithoutTargets) => {
                SW_ERROR_INVALID_ARGUMENT
            }
            Error::Targets(Targets::BandValue { problem: BandProblem::Negative, .. }) => {
                SW_ERROR_INVALID_ARGUMENT
            }
            Error::Targets(_) => SW_ERROR_NON_FINITE,
            Error::Orders(Orders::TotalsOverflow { .. } | Orders::AllocationOverflow { .. }) => {
                SW_ERROR_NON_FINITE
            }
            Error::Orders(_) => SW_ERROR_ZERO_TOTAL,
            Error::Strings(
                Strings::UnknownLayout { .. }
                | Strings::DataBuffers { .. }
                | Strings::TooManyRows { .. },
            ) => SW_ERROR_INVALID_ARGUMENT,
            Error::Strings(Strings::Capacity { .. }) => SW_ERROR_LENGTH_MISMATCH,
            Error::Strings(_) => SW_ERROR_BAD_OFFSETS,
            Error::Resource(Resource::ThreadPool { .. }) => SW_ERROR_THREAD_POOL,
            Error::Resource(_) => SW_ERROR_OUT_OF_MEMORY,
            Error::Exact(e) => exact_status(e),
            Error::Internal(_) | Error::Panic(_) => SW_ERROR_PANIC,
        }
    }

    /// The same error about order lists: the kernel summed orders, not holdings.
    pub fn about_orders(mut self) -> Error {
        if let Error::Data(Data::Element { rows, .. } | Data::SumOverflow { rows, .. })
        | Error::Argument(Argument::NoSectors { rows, .. }) = &mut self
        {
            *rows = Rows::Orders;
        }
        self
    }
}

/// The status of an exact-sums error: the one [`crate::exact::ExactError::status_name`] names.
fn exact_status(e: &crate::exact::ExactError) -> SwStatus {
    let name = e.status_name().as_bytes();
    let status = SwStatus::ALL.iter().find(|s| s.name_cstr().to_bytes() == name);
    status.copied().unwrap_or(SwStatus::SW_ERROR_PANIC)
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Buffer(e) => e.fmt(f),
            Error::Shape(e) => e.fmt(f),
            Error::Argument(e) => e.fmt(f),
            Error::Data(e) => e.fmt(f),
            Error::Targets(e) => e.fmt(f),
            Error::Orders(e) => e.fmt(f),
            Error::Strings(e) => e.fmt(f),
            Error::Resource(e) => e.fmt(f),
            Error::Exact(e) => e.fmt(f),
            Error::Internal(what) => write!(f, "internal error: {what}"),
            Error::Panic(what) => write!(f, "internal panic: {what}"),
        }
    }
}

impl std::error::Error for Error {}
