//! The status codes: the one list of what a C caller branches on, with each status's C name and
//! static description (exported by `sw_status_name` and `sw_status_message`).

/// Status returned by every `sw_*` function and by `calculate_sector_weights`.
///
/// `SW_OK` (0) is success; every other value is a distinct failure. On any failure the output
/// buffer is left exactly as it was, and `sw_last_error_message` tells what and where.
#[repr(i32)]
#[allow(non_camel_case_types)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SwStatus {
    /// Success: the whole output range was overwritten.
    SW_OK = 0,
    /// A pointer was NULL although the range it must cover is not empty.
    SW_ERROR_NULL_POINTER = 1,
    /// A buffer's element count does not match the shape it must have.
    SW_ERROR_LENGTH_MISMATCH = 2,
    /// An element count or byte size overflows, or exceeds `PTRDIFF_MAX` bytes.
    SW_ERROR_SIZE_OVERFLOW = 3,
    /// A sector (group) code is negative or not below `num_sectors`.
    SW_ERROR_SECTOR_OUT_OF_RANGE = 4,
    /// A weight or value is NaN or infinite, or a sum, total or ratio of finite ones overflows.
    SW_ERROR_NON_FINITE = 5,
    /// An argument is invalid on its own (for example `num_sectors == 0` with bonds present).
    SW_ERROR_INVALID_ARGUMENT = 6,
    /// The output buffer overlaps an input buffer.
    SW_ERROR_OVERLAP = 7,
    /// A pointer is not aligned for its element type.
    SW_ERROR_MISALIGNED = 8,
    /// Portfolio offsets do not start at 0, decrease, or do not end at the number of bonds.
    SW_ERROR_BAD_OFFSETS = 9,
    /// A total used as a divisor is zero (normalising an empty or zero-valued portfolio).
    SW_ERROR_ZERO_TOTAL = 10,
    /// Scratch memory for the computation could not be allocated.
    SW_ERROR_OUT_OF_MEMORY = 11,
    /// The worker thread pool could not be created.
    SW_ERROR_THREAD_POOL = 12,
    /// An internal panic was caught at the boundary (a bug in this library: please report it).
    SW_ERROR_PANIC = 13,
    /// Bytes given as a saved partial result are not one: truncated, corrupted, of another
    /// format version, or not written by `sw_partial_to_bytes`.
    SW_ERROR_BAD_PARTIAL = 14,
}

impl SwStatus {
    /// Every status, in numeric order.
    pub const ALL: [SwStatus; 15] = [
        SwStatus::SW_OK,
        SwStatus::SW_ERROR_NULL_POINTER,
        SwStatus::SW_ERROR_LENGTH_MISMATCH,
        SwStatus::SW_ERROR_SIZE_OVERFLOW,
        SwStatus::SW_ERROR_SECTOR_OUT_OF_RANGE,
        SwStatus::SW_ERROR_NON_FINITE,
        SwStatus::SW_ERROR_INVALID_ARGUMENT,
        SwStatus::SW_ERROR_OVERLAP,
        SwStatus::SW_ERROR_MISALIGNED,
        SwStatus::SW_ERROR_BAD_OFFSETS,
        SwStatus::SW_ERROR_ZERO_TOTAL,
        SwStatus::SW_ERROR_OUT_OF_MEMORY,
        SwStatus::SW_ERROR_THREAD_POOL,
        SwStatus::SW_ERROR_PANIC,
        SwStatus::SW_ERROR_BAD_PARTIAL,
    ];

    /// The status with this numeric value, if any.
    pub fn from_code(code: i32) -> Option<SwStatus> {
        usize::try_from(code).ok().and_then(|i| Self::ALL.get(i).copied())
    }

    /// A static, NUL-terminated description of the status (no position details).
    pub fn message_cstr(self) -> &'static std::ffi::CStr {
        match self {
            SwStatus::SW_OK => c"success",
            SwStatus::SW_ERROR_NULL_POINTER => c"a pointer is NULL but its range is not empty",
            SwStatus::SW_ERROR_LENGTH_MISMATCH => c"a buffer length does not match the shape",
            SwStatus::SW_ERROR_SIZE_OVERFLOW => c"a size overflows or exceeds PTRDIFF_MAX bytes",
            SwStatus::SW_ERROR_SECTOR_OUT_OF_RANGE => {
                c"a sector code is negative or not below num_sectors"
            }
            SwStatus::SW_ERROR_NON_FINITE => {
                c"a weight or value is NaN or infinite, or a result overflows"
            }
            SwStatus::SW_ERROR_INVALID_ARGUMENT => c"an argument is invalid",
            SwStatus::SW_ERROR_OVERLAP => c"the output buffer overlaps an input buffer",
            SwStatus::SW_ERROR_MISALIGNED => c"a pointer is not aligned for its element type",
            SwStatus::SW_ERROR_BAD_OFFSETS => {
                c"portfolio offsets must start at 0, never decrease, and end at the bond count"
            }
            SwStatus::SW_ERROR_ZERO_TOTAL => c"a total used as a divisor is zero",
            SwStatus::SW_ERROR_OUT_OF_MEMORY => c"scratch memory could not be allocated",
            SwStatus::SW_ERROR_THREAD_POOL => c"the worker thread pool could not be created",
            SwStatus::SW_ERROR_PANIC => c"internal panic caught at the library boundary (a bug)",
            SwStatus::SW_ERROR_BAD_PARTIAL => {
                c"the bytes are not a valid saved partial result (truncated, corrupted or foreign)"
            }
        }
    }

    /// The status's C name, e.g. `c"SW_ERROR_NON_FINITE"`: the one list of status names, which
    /// `sw_status_name` exports so that no binding types its own copy.
    pub fn name_cstr(self) -> &'static std::ffi::CStr {
        match self {
            SwStatus::SW_OK => c"SW_OK",
            SwStatus::SW_ERROR_NULL_POINTER => c"SW_ERROR_NULL_POINTER",
            SwStatus::SW_ERROR_LENGTH_MISMATCH => c"SW_ERROR_LENGTH_MISMATCH",
            SwStatus::SW_ERROR_SIZE_OVERFLOW => c"SW_ERROR_SIZE_OVERFLOW",
            SwStatus::SW_ERROR_SECTOR_OUT_OF_RANGE => c"SW_ERROR_SECTOR_OUT_OF_RANGE",
            SwStatus::SW_ERROR_NON_FINITE => c"SW_ERROR_NON_FINITE",
            SwStatus::SW_ERROR_INVALID_ARGUMENT => c"SW_ERROR_INVALID_ARGUMENT",
            SwStatus::SW_ERROR_OVERLAP => c"SW_ERROR_OVERLAP",
            SwStatus::SW_ERROR_MISALIGNED => c"SW_ERROR_MISALIGNED",
            SwStatus::SW_ERROR_BAD_OFFSETS => c"SW_ERROR_BAD_OFFSETS",
            SwStatus::SW_ERROR_ZERO_TOTAL => c"SW_ERROR_ZERO_TOTAL",
            SwStatus::SW_ERROR_OUT_OF_MEMORY => c"SW_ERROR_OUT_OF_MEMORY",
            SwStatus::SW_ERROR_THREAD_POOL => c"SW_ERROR_THREAD_POOL",
            SwStatus::SW_ERROR_PANIC => c"SW_ERROR_PANIC",
            SwStatus::SW_ERROR_BAD_PARTIAL => c"SW_ERROR_BAD_PARTIAL",
        }
    }

    /// The static description as a Rust string.
    pub fn message(self) -> &'static str {
        // The literals above are ASCII.
        self.message_cstr().to_str().unwrap_or("unknown status")
    }
}
