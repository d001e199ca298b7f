"""The one handle of the C library: every function it exports, each declared right below the C
prototype in ``include/sector_weights.h`` that it mirrors (``tests/test_prototypes.py`` checks
both the prototypes and the declarations against the header).

Every parameter is declared, by the header's name: an undeclared one would be converted by
ctypes' default rules (a Python int becomes a 32-bit C ``int``, truncating 64-bit sizes).
Pointers to arrays are passed as raw addresses (``_arrays.address``), several microseconds per
call cheaper than ``numpy.ctypeslib.ndpointer``: the callers have checked dtype, layout and
shape, and the library checks lengths, NULL, alignment and overlap again.

``ctypes.CDLL`` releases the GIL for the duration of every call.
"""

from __future__ import annotations

import ctypes
from typing import Any, Dict, Tuple

from . import _loader

handle, path, origin = _loader.load()


# ---------------------------------------------------------------------------------------------
# The header's C types


class _Address(ctypes.c_void_p):
    """A pointer passed as a raw address: an int, or None for NULL."""


class const_double_p(_Address):
    """``const double *``"""


class double_p(_Address):
    """``double *``"""


class const_int32_p(_Address):
    """``const int32_t *``"""


class const_int64_p(_Address):
    """``const int64_t *``"""


class uint8_p(_Address):
    """``uint8_t *``"""


class int32_p(_Address):
    """``int32_t *``"""


class int64_p(_Address):
    """``int64_t *``"""


class size_t_p(_Address):
    """``size_t *``"""


class const_SwStrings_p(_Address):
    """``const SwStrings *``: the address of a :class:`SwStrings`."""


class const_uint8_p(_Address):
    """``const uint8_t *``"""


    """``size_t *``: the address of a ``ctypes.c_size_t``."""


class const_SwPartial_p(_Address):
    """``const SwPartial *``: a partial result's handle (an int)."""


class SwPartial_p(_Address):
    """``SwPartial *``: a partial result's handle (an int), to free."""


class SwPartial_pp(_Address):
    """``SwPartial **``: the address of a ``ctypes.c_void_p`` that receives a new handle."""


class const_SwColumn_p(_Address):
    """``const SwColumn *``: the address of a :class:`SwColumn` (see ``_arrays.columns``), or
    None for NULL."""


char_p = ctypes.c_char_p  # char *: a ctypes.create_string_buffer, or None
const_char_p = ctypes.c_char_p  # const char *: returned as bytes
size_t = ctypes.c_size_t
uint32_t = ctypes.c_uint32
int32_t = ctypes.c_int32
uintmax_t = ctypes.c_uint64  # 64 bits on every platform the library supports
SwStatus = ctypes.c_int32  # enum SwStatus, an int32_t

# name: (restype, {parameter name: type}) of every function declared below.
DECLARED: Dict[str, Tuple[Any, Dict[str, Any]]] = {}


def _declare(name: str, restype: Any, **params: Any) -> Any:
    try:
        function = getattr(handle, name)
    except AttributeError:
        raise ImportError(
            f"sector_weights: {path} has no function {name}: not a sector-weights library"
        ) from None
    function.restype = restype
    function.argtypes = list(params.values())
    DECLARED[name] = (restype, params)
    return function


# ---------------------------------------------------------------------------------------------
# The header's constant and functions, in its order

# #define SW_NORMALIZE 1
SW_NORMALIZE = 1  # the `flags` bit: divide each portfolio's sums by its total

# #define SW_EXACT 2
SW_EXACT = 2  # the `flags` bit: exact sums (correctly rounded, independent of order and threads)

# #define SW_INT8 1 ... #define SW_FLOAT64 9: the element type of a column (SwColumn.dtype)
SW_INT8 = 1
SW_INT16 = 2
SW_INT32 = 3
SW_INT64 = 4
SW_UINT8 = 5
SW_UINT16 = 6
SW_UINT32 = 7
SW_FLOAT32 = 8
SW_FLOAT64 = 9


# typedef struct {
#   const void *data;
#   size_t len;
#   int32_t dtype;
# } SwColumn;
class SwColumn(ctypes.Structure):
    """A column the library reads in place: ``len`` elements of type ``dtype`` (SW_INT8 ...
    SW_FLOAT64) at ``data``."""

    _fields_ = [("data", ctypes.c_void_p), ("len", ctypes.c_size_t), ("dtype", ctypes.c_int32)]

# #define SW_UTF8 1, SW_LARGE_UTF8 2, SW_UTF8_VIEW 3: the layout of a string column (SwStrings)
SW_UTF8 = 1
SW_LARGE_UTF8 = 2
SW_UTF8_VIEW = 3


# typedef struct {
#   int32_t layout;
#   size_t len;
#   const void *offsets;
#   const uint8_t *const *buffers;
#   const size_t *buffer_lens;
#   size_t num_buffers;
#   const uint8_t *validity;
#   size_t validity_offset;
# } SwStrings;
class SwStrings(ctypes.Structure):
    """A string column the library reads in place, laid out as Arrow lays it out (see
    ``_strings``)."""

    _fields_ = [
        ("layout", ctypes.c_int32),
        ("len", ctypes.c_size_t),
        ("offsets", ctypes.c_void_p),
        ("buffers", ctypes.POINTER(ctypes.c_void_p)),
        ("buffer_lens", ctypes.POINTER(ctypes.c_size_t)),
        ("num_buffers", ctypes.c_size_t),
        ("validity", ctypes.c_void_p),
        ("validity_offset", ctypes.c_size_t),
    ]


# SwStatus calculate_sector_weights(const double *portfolios_bond_weights,
#                                   uintmax_t pf_size,
#                                   const int32_t *portfolios_bond_sectors,
#                                   uintmax_t num_bonds,
#                                   double *portfolios_sector_weights,
#                                   uintmax_t num_sectors);
calculate_sector_weights = _declare(
    "calculate_sector_weights", SwStatus,
    portfolios_bond_weights=const_double_p,
    pf_size=uintmax_t,
    portfolios_bond_sectors=const_int32_p,
    num_bonds=uintmax_t,
    portfolios_sector_weights=double_p,
    num_sectors=uintmax_t,
)  # fmt: skip

# SwStatus sw_sector_weights(const double *weights,
#                            size_t weights_len,
#                            const int32_t *sectors,
#                            size_t sectors_len,
#                            size_t num_portfolios,
#                            size_t num_sectors,
#                            double *out,
#                            size_t out_len);
sw_sector_weights = _declare(
    "sw_sector_weights", SwStatus,
    weights=const_double_p,
    weights_len=size_t,
    sectors=const_int32_p,
    sectors_len=size_t,
    num_portfolios=size_t,
    num_sectors=size_t,
    out=double_p,
    out_len=size_t,
)  # fmt: skip

# SwStatus sw_sector_weights_ragged(const double *weights,
#                                   size_t weights_len,
#                                   const int32_t *sectors,
#                                   size_t sectors_len,
#                                   const int64_t *offsets,
#                                   size_t offsets_len,
#                                   size_t num_sectors,
#                                   uint32_t flags,
#                                   double *out,
#                                   size_t out_len);
sw_sector_weights_ragged = _declare(
    "sw_sector_weights_ragged", SwStatus,
    weights=const_double_p,
    weights_len=size_t,
    sectors=const_int32_p,
    sectors_len=size_t,
    offsets=const_int64_p,
    offsets_len=size_t,
    num_sectors=size_t,
    flags=uint32_t,
    out=double_p,
    out_len=size_t,
)  # fmt: skip

# SwStatus sw_sector_exposures(const double *weights,
#                              size_t weights_len,
#                              const double *values,
#                              size_t values_len,
#                              const int32_t *sectors,
#                              size_t sectors_len,
#                              const int64_t *offsets,
#                              size_t offsets_len,
#                              size_t num_sectors,
#                              uint32_t flags,
#                              double *out,
#                              size_t out_len);
sw_sector_exposures = _declare(
    "sw_sector_exposures", SwStatus,
    weights=const_double_p,
    weights_len=size_t,
    values=const_double_p,
    values_len=size_t,
    sectors=const_int32_p,
    sectors_len=size_t,
    offsets=const_int64_p,
    offsets_len=size_t,
    num_sectors=size_t,
    flags=uint32_t,
    out=double_p,
    out_len=size_t,
)  # fmt: skip

# SwStatus sw_compare_to_targets(const double *actual,
#                                size_t actual_len,
#                                const double *targets,
#                                size_t targets_len,
#                                const double *tolerance,
#                                size_t tolerance_len,
#                                size_t num_sectors,
#                                double *active,
#                                size_t active_len,
#                                uint8_t *breaches,
#                                size_t breaches_len);
sw_compare_to_targets = _declare(
    "sw_compare_to_targets", SwStatus,
    actual=const_double_p,
    actual_len=size_t,
    targets=const_double_p,
    targets_len=size_t,
    tolerance=const_double_p,
    tolerance_len=size_t,
    num_sectors=size_t,
    active=double_p,
    active_len=size_t,
    breaches=uint8_p,
    breaches_len=size_t,
)  # fmt: skip

# SwStatus sw_evaluate_orders(const double *portfolio_values,
#                             size_t portfolio_values_len,
#                             const int32_t *portfolio_sectors,
#                             size_t portfolio_sectors_len,
#                             const int64_t *portfolio_offsets,
#                             size_t portfolio_offsets_len,
#                             const double *order_values,
#                             size_t order_values_len,
#                             const int32_t *order_sectors,
#                             size_t order_sectors_len,
#                             const int64_t *order_offsets,
#                             size_t order_offsets_len,
#                             size_t num_sectors,
#                             const double *targets,
#                             size_t targets_len,
#                             const double *tolerance,
#                             size_t tolerance_len,
#                             double *before,
#                             size_t before_len,
#                             double *orders,
#                             size_t orders_len,
#                             double *after,
#                             size_t after_len,
#                             double *active,
#                             size_t active_len,
#                             uint8_t *breaches,
#                             size_t breaches_len);
sw_evaluate_orders = _declare(
    "sw_evaluate_orders", SwStatus,
    portfolio_values=const_double_p,
    portfolio_values_len=size_t,
    portfolio_sectors=const_int32_p,
    portfolio_sectors_len=size_t,
    portfolio_offsets=const_int64_p,
    portfolio_offsets_len=size_t,
    order_values=const_double_p,
    order_values_len=size_t,
    order_sectors=const_int32_p,
    order_sectors_len=size_t,
    order_offsets=const_int64_p,
    order_offsets_len=size_t,
    num_sectors=size_t,
    targets=const_double_p,
    targets_len=size_t,
    tolerance=const_double_p,
    tolerance_len=size_t,
    before=double_p,
    before_len=size_t,
    orders=double_p,
    orders_len=size_t,
    after=double_p,
    after_len=size_t,
    active=double_p,
    active_len=size_t,
    breaches=uint8_p,
    breaches_len=size_t,
)  # fmt: skip

# SwStatus sw_grouped_sums(const SwColumn *weights,
#                          const SwColumn *values,
#                          const SwColumn *sectors,
#                          size_t num_sectors,
#                          const SwColumn *portfolios,
#                          size_t num_portfolios,
#                          uint32_t flags,
#                          double *out,
#                          size_t out_len);
sw_grouped_sums = _declare(
    "sw_grouped_sums", SwStatus,
    weights=const_SwColumn_p,
    values=const_SwColumn_p,
    sectors=const_SwColumn_p,
    num_sectors=size_t,
    portfolios=const_SwColumn_p,
    num_portfolios=size_t,
    flags=uint32_t,
    out=double_p,
    out_len=size_t,
)  # fmt: skip

# SwStatus sw_ragged_sums(const SwColumn *weights,
#                         const SwColumn *values,
#                         const SwColumn *sectors,
#                         size_t num_sectors,
#                         const int64_t *offsets,
#                         size_t offsets_len,
#                         uint32_t flags,
#                         double *out,
#                         size_t out_len);
sw_ragged_sums = _declare(
    "sw_ragged_sums", SwStatus,
    weights=const_SwColumn_p,
    values=const_SwColumn_p,
    sectors=const_SwColumn_p,
    num_sectors=size_t,
    offsets=const_int64_p,
    offsets_len=size_t,
    flags=uint32_t,
    out=double_p,
    out_len=size_t,
)  # fmt: skip

# SwStatus sw_factorize_strings(const SwStrings *column,
#                               int32_t *codes,
#                               size_t codes_len,
#                               int64_t *first_rows,
#                               size_t first_rows_len,
#                               size_t *num_labels);
sw_factorize_strings = _declare(
    "sw_factorize_strings", SwStatus,
    column=const_SwStrings_p,
    codes=int32_p,
    codes_len=size_t,
    first_rows=int64_p,
    first_rows_len=size_t,
    num_labels=size_t_p,
)  # fmt: skip

# SwStatus sw_partial_from_rows(const SwColumn *weights,
#                               const SwColumn *values,
#                               const SwColumn *sectors,
#                               size_t num_sectors,
#                               const SwColumn *portfolios,
#                               size_t num_portfolios,
#                               uint32_t flags,
#                               SwPartial **out);
sw_partial_from_rows = _declare(
    "sw_partial_from_rows", SwStatus,
    weights=const_SwColumn_p,
    values=const_SwColumn_p,
    sectors=const_SwColumn_p,
    num_sectors=size_t,
    portfolios=const_SwColumn_p,
    num_portfolios=size_t,
    flags=uint32_t,
    out=SwPartial_pp,
)  # fmt: skip

# SwStatus sw_partial_from_ragged(const SwColumn *weights,
#                                 const SwColumn *values,
#                                 const SwColumn *sectors,
#                                 size_t num_sectors,
#                                 const int64_t *offsets,
#                                 size_t offsets_len,
#                                 uint32_t flags,
#                                 SwPartial **out);
sw_partial_from_ragged = _declare(
    "sw_partial_from_ragged", SwStatus,
    weights=const_SwColumn_p,
    values=const_SwColumn_p,
    sectors=const_SwColumn_p,
    num_sectors=size_t,
    offsets=const_int64_p,
    offsets_len=size_t,
    flags=uint32_t,
    out=SwPartial_pp,
)  # fmt: skip

# SwStatus sw_partial_merge(const SwPartial *a, const SwPartial *b, SwPartial **out);
sw_partial_merge = _declare(
    "sw_partial_merge", SwStatus, a=const_SwPartial_p, b=const_SwPartial_p, out=SwPartial_pp
)

# SwStatus sw_partial_to_bytes(const SwPartial *p, uint8_t *buf, size_t len, size_t *needed);
sw_partial_to_bytes = _declare(
    "sw_partial_to_bytes", SwStatus, p=const_SwPartial_p, buf=uint8_p, len=size_t, needed=size_t_p
)

# SwStatus sw_partial_from_bytes(const uint8_t *buf, size_t len, SwPartial **out);
sw_partial_from_bytes = _declare(
    "sw_partial_from_bytes", SwStatus, buf=const_uint8_p, len=size_t, out=SwPartial_pp
)

# SwStatus sw_partial_result(const SwPartial *p, uint32_t flags, double *out, size_t out_len);
sw_partial_result = _declare(
    "sw_partial_result", SwStatus,
    p=const_SwPartial_p, flags=uint32_t, out=double_p, out_len=size_t,
)  # fmt: skip

# SwStatus sw_partial_shape(const SwPartial *p, size_t *num_portfolios, size_t *num_sectors);
sw_partial_shape = _declare(
    "sw_partial_shape", SwStatus,
    p=const_SwPartial_p, num_portfolios=size_t_p, num_sectors=size_t_p,
)  # fmt: skip

# void sw_partial_free(SwPartial *p);
sw_partial_free = _declare("sw_partial_free", None, p=SwPartial_p)

# SwStatus sw_set_num_threads(size_t n);
sw_set_num_threads = _declare("sw_set_num_threads", SwStatus, n=size_t)

# size_t sw_get_num_threads(void);
sw_get_num_threads = _declare("sw_get_num_threads", size_t)

# const char *sw_status_message(int32_t status);
sw_status_message = _declare("sw_status_message", const_char_p, status=int32_t)

# const char *sw_status_name(int32_t status);
sw_status_name = _declare("sw_status_name", const_char_p, status=int32_t)

# size_t sw_last_error_message(char *buf, size_t len);
sw_last_error_message = _declare("sw_last_error_message", size_t, buf=char_p, len=size_t)

# const char *sw_version(void);
sw_version = _declare("sw_version", const_char_p)

version: str = sw_version().decode("ascii", "replace")
"""The library's version, which is this package's ``__version__``."""
_loader.check_version(version, path, origin)
