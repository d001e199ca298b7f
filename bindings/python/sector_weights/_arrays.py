"""One argument at a time: the dtypes the library reads, and the conversion of what callers pass.

What is checked here: types, dtypes and dimensions (``TypeError`` / ``ValueError``), and integers
that no type the library reads can hold (:class:`SectorWeightsError`, before anything is
converted). Everything else (NaN/Inf, codes outside ``0..num_sectors``, offsets, overlap,
lengths) is the library's to check and to name.

Two families of entry points, two sets of types:

- the original ones (``sw_sector_weights``, ``..._ragged``, ``sw_sector_exposures``,
  ``sw_evaluate_orders``) read float64 and int32 codes (``float_array``, ``code_array``);
- the typed ones (``sw_grouped_sums``, ``sw_ragged_sums``) read every code type a table library
  hands out, int8 ... int64 and uint8 ... uint32, and float32 or float64 weights and values,
  described by :class:`~._lib.SwColumn` structures (``native_code_array``,
  ``native_float_array``, ``columns``).

An array that already is what the library reads (C-contiguous, aligned, native byte order, of one
of those types) is used as it is, never copied.
"""

from __future__ import annotations

import ctypes
import operator
import struct
from typing import Any, Callable, Dict, Optional, Tuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from . import _lib
from ._errors import SectorWeightsError, Status

# The element types of the library's arrays.
F64 = np.dtype(np.float64)  # weights, values, results (double)
F32 = np.dtype(np.float32)  # weights and values of the typed entry points
I32 = np.dtype(np.int32)  # sector codes (int32_t)
I64 = np.dtype(np.int64)  # offsets (int64_t)
BOOL = np.dtype(np.bool_)  # breaches (uint8_t 0/1: numpy bools are such bytes)
INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1
INT64_MAX = 2**63 - 1
SIZE_MAX = 2**63 - 1  # the largest size_t argument taken: what numpy can index

# The SwColumn dtype of each element type the typed entry points read in place (native byte
# order: a dtype of another byte order is a different key, and is copied).
CODE_DTYPES: Dict[np.dtype, int] = {
    np.dtype(np.int8): _lib.SW_INT8,
    np.dtype(np.int16): _lib.SW_INT16,
    np.dtype(np.int32): _lib.SW_INT32,
    np.dtype(np.int64): _lib.SW_INT64,
    np.dtype(np.uint8): _lib.SW_UINT8,
    np.dtype(np.uint16): _lib.SW_UINT16,
    np.dtype(np.uint32): _lib.SW_UINT32,
}
FLOAT_DTYPES: Dict[np.dtype, int] = {F32: _lib.SW_FLOAT32, F64: _lib.SW_FLOAT64}

FloatArray = NDArray[np.float64]
Where = Callable[[int], str]  # a flat index -> where it is, e.g. "bond 3 of portfolio 1"

_from_buffer = (ctypes.c_char * 0).from_buffer
_addressof = ctypes.addressof


def address(a: np.ndarray) -> int:
    """The address of a C-contiguous array's first element (about 0.3 us; ``a.ctypes.data``,
    about 1 us, is the fallback for read-only arrays, which ``from_buffer`` refuses)."""
    try:
        return _addressof(_from_buffer(a))  # type: ignore[arg-type]
    except (TypeError, ValueError, BufferError):
        return a.ctypes.data


def whole_number(value: Any, name: str, zero_means: str = "") -> int:
    """A count for a ``size_t`` parameter: an integer (not a bool) in ``0..SIZE_MAX``."""
    if type(value) is int and 0 <= value <= SIZE_MAX:
        return value
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be an integer, got bool")
    try:
        number: int = operator.index(value)
    except TypeError:
        raise TypeError(f"{name} must be an integer, got {type(value).__name__}") from None
    if number < 0:
        raise ValueError(f"{name} must be >= 0{zero_means}, got {number}")
    if number > SIZE_MAX:
        raise ValueError(f"{name} = {number} is too large")
    return number


def _in_place(a: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """``a`` (already of ``dtype``) if C-contiguous and aligned, else a copy that is."""
    if a.flags.c_contiguous and a.flags.aligned:
        return a
    return np.array(a, dtype=dtype, order="C", copy=True)


def float_array(x: ArrayLike, name: str) -> np.ndarray:
    """float64, C-contiguous and aligned; the same array when it already is."""
    a = x if type(x) is np.ndarray else np.asarray(x)
    dt = a.dtype
    if dt is not F64 and dt != F64:
        kind = dt.kind
        if kind in "fiu":  # float32/float16 widened, longdouble rounded, integers read
            a = a.astype(F64)
        elif kind == "O":
            try:
                a = a.astype(F64)
            except (TypeError, ValueError) as e:
                raise TypeError(f"{name}: cannot read its elements as float64 ({e})") from None
        else:
            raise TypeError(f"{name} must hold real numbers (float or integer), got dtype {dt}")
    return _in_place(a, F64)


def _objects_to_integers(a: np.ndarray, name: str) -> np.ndarray:
    """An object array (e.g. a pandas column of Python ints) as an integer array, refusing
    anything that is not an integer (floats are never truncated)."""
    b = np.array(a.tolist()) if a.ndim else np.array(a.item())
    if b.dtype.kind not in "iu" and b.size:
        raise TypeError(
            f"{name} must hold integer codes; its Python objects are not all integers that "
            f"fit in int64 (they read as {b.dtype})"
        )
    return b.astype(I64) if b.dtype.kind not in "iu" else b


def _refuse_non_integer_codes(dt: np.dtype, name: str) -> None:
    if dt.kind == "b":
        raise TypeError(f"{name} must hold integer codes, got bool")
    if dt.kind == "f":
        raise TypeError(
            f"{name} must hold integer codes, got {dt}: convert explicitly "
            "(after checking for NaN), e.g. sectors.astype(np.int32)"
        )
    raise TypeError(f"{name} must hold integer codes, got dtype {dt}")


def code_array(x: ArrayLike, name: str, num_sectors: int, where: Where) -> np.ndarray:
    """int32, C-contiguous and aligned; the same array when it already is (for the original
    entry points). Wider integers are range-checked first: a value outside int32 is an error
    naming its position (``where`` says where a flat index is, in the library's words), never
    wrapped around."""
    a = x if type(x) is np.ndarray else np.asarray(x)
    if a.dtype is not I32 and a.dtype != I32:
        if a.dtype.kind == "O":
            a = _objects_to_integers(a, name)
        kind = a.dtype.kind
        if kind not in "iu" and not (kind == "f" and a.size == 0):  # `[]` reads as float64
            _refuse_non_integer_codes(a.dtype, name)
        if a.size and not np.can_cast(a.dtype, I32):
            _refuse_codes_outside(a, INT32_MIN, INT32_MAX, "sector", num_sectors, where, "int32")
        a = a.astype(I32)
    return _in_place(a, I32)


def native_code_array(
    x: ArrayLike, name: str, what: str, limit: Optional[int], where: Where
) -> np.ndarray:
    """Codes the typed entry points read in place (``CODE_DTYPES``): the same array when it is
    one, C-contiguous and aligned; a copy of the same type when it is not (another byte order,
    strided, misaligned). uint64 codes become int64 when they all fit (a larger one is an error
    naming it: ``what`` code ... at ``where(i)`` is outside ``0..limit``, or does not fit in
    int64 when there is no limit yet); an object array of Python integers reads as int64 (or
    uint64); ``[]`` as int32. Never wrapped around: the library checks every code it is given."""
    a = x if type(x) is np.ndarray else np.asarray(x)
    dt = a.dtype
    if dt in CODE_DTYPES:
        return _in_place(a, dt)
    if dt.kind == "O":
        a = _objects_to_integers(a, name)
        dt = a.dtype
    if dt.kind not in "iu":
        if dt.kind == "f" and a.size == 0:  # `[]` reads as float64
            return np.zeros(a.shape, dtype=I32)
        _refuse_non_integer_codes(dt, name)
    native = dt.newbyteorder("=")
    if native not in CODE_DTYPES:  # uint64: no type the library reads holds every value
        if a.size and int(a.max()) > INT64_MAX:
            _refuse_codes_outside(a, 0, INT64_MAX, what, limit, where, "int64")
        native = I64
    return _in_place(np.asarray(a, dtype=native, order="C"), native)


def _refuse_codes_outside(
    a: np.ndarray,
    low: int,
    high: int,
    what: str,
    limit: Optional[int],
    where: Where,
    type_name: str,
) -> None:
    """The library cannot be given a code outside ``low..high`` (the range of ``type_name``):
    the first one is reported here, in the words the library uses for a code outside
    ``0..limit``."""
    if a.min() >= low and a.max() <= high:
        return
    flat = a.ravel()
    i = int(np.flatnonzero((flat < low) | (flat > high))[0])
    outside = "" if limit is None else f"is outside 0..{limit} and "
    raise SectorWeightsError(
        Status.ERROR_SECTOR_OUT_OF_RANGE,
        f"{what} code {int(flat[i])} at {where(i)} {outside}does not fit in {type_name}",
    )


def native_float_array(x: ArrayLike, name: str) -> np.ndarray:
    """float32 or float64, as given, for the typed entry points: the same array when it is
    C-contiguous, aligned and in native byte order, else a copy of the same type that is. Other
    real types are read as float64 (``float_array``)."""
    a = x if type(x) is np.ndarray else np.asarray(x)
    dt = a.dtype
    if dt in FLOAT_DTYPES:
        return _in_place(a, dt)
    native = dt.newbyteorder("=") if dt.kind == "f" else dt
    if native in FLOAT_DTYPES:  # another byte order
        return _in_place(np.asarray(a, dtype=native, order="C"), native)
    return float_array(a, name)


# Up to four SwColumn structures (weights, values, sectors, portfolios) packed into one ctypes
# array in one call: about 0.3 us, against about 0.5 us for each SwColumn(...) built by ctypes.
# "@PNi" is (void *, size_t, int32_t) with C's alignment, as ctypes lays the struct out; the
# padding up to its size (4 bytes on 64-bit platforms) ends each one (test_prototypes.py reads
# packed structures back through ctypes).
_COLUMNS = _lib.SwColumn * 4
_COLUMN_SIZE = ctypes.sizeof(_lib.SwColumn)
_ONE_COLUMN = f"PNi{_COLUMN_SIZE - struct.calcsize('@PNi')}x"
_PACK_COLUMNS = struct.Struct("@" + _ONE_COLUMN * 4).pack_into


def columns(
    weights: np.ndarray,
    values: Optional[np.ndarray],
    sectors: np.ndarray,
    portfolios: Optional[np.ndarray] = None,
) -> Tuple[Any, int, Optional[int], int, Optional[int]]:
    """SwColumn structures describing the arrays (each C-contiguous, aligned, of a type in
    ``FLOAT_DTYPES`` / ``CODE_DTYPES``): ``(keep, weights, values, sectors, portfolios)``, the
    last four the addresses to pass (None for an absent column, NULL). ``keep`` holds the
    structures: keep a reference to it until the call returns."""
    keep = _COLUMNS()
    base = _addressof(keep)
    v, p = values, portfolios
    _PACK_COLUMNS(
        keep, 0,
        address(weights), weights.size, FLOAT_DTYPES[weights.dtype],
        0 if v is None else address(v), 0 if v is None else v.size,
        0 if v is None else FLOAT_DTYPES[v.dtype],
        address(sectors), sectors.size, CODE_DTYPES[sectors.dtype],
        0 if p is None else address(p), 0 if p is None else p.size,
        0 if p is None else CODE_DTYPES[p.dtype],
    )  # fmt: skip
    return (
        keep,
        base,
        None if v is None else base + _COLUMN_SIZE,
        base + 2 * _COLUMN_SIZE,
        None if p is None else base + 3 * _COLUMN_SIZE,
    )


def offsets_array(x: ArrayLike, num_bonds: int, name: str = "offsets") -> np.ndarray:
    """int64, 1-D, C-contiguous; the same array when it already is."""
    a = x if type(x) is np.ndarray else np.asarray(x)
    if a.ndim != 1:
        raise ValueError(f"{name} must be 1-D (num_portfolios + 1 offsets), got shape {a.shape}")
    if a.dtype is not I64 and a.dtype != I64:
        if a.dtype.kind == "O":
            a = _objects_to_integers(a, "offsets")
        dt = a.dtype
        if dt.kind not in "iu" and not (dt.kind == "f" and a.size == 0):
            raise TypeError(f"{name} must hold integers, got dtype {dt}")
        if a.size and not np.can_cast(dt, I64):  # uint64
            _refuse_offsets_beyond_int64(a, num_bonds, name)
        a = a.astype(I64)
    return _in_place(a, I64)


def _refuse_offsets_beyond_int64(a: np.ndarray, num_bonds: int, name: str) -> None:
    """The library cannot be given an offset beyond int64: the first one is reported here, in
    the words the library uses for an offset past the end."""
    big = np.flatnonzero(a > np.iinfo(np.int64).max)
    if big.size:
        i = int(big[0])
        raise SectorWeightsError(
            Status.ERROR_BAD_OFFSETS,
            f"{name}[{i}] = {int(a[i])} is past the end of the {num_bonds} bonds",
        )


def output_array(out: Optional[np.ndarray], shape: Tuple[int, ...]) -> np.ndarray:
    """A new float64 array of ``shape``, or ``out`` if it is one the library can fill."""
    if out is None:
        return np.empty(shape, dtype=F64)
    if not isinstance(out, np.ndarray):
        raise TypeError(f"out must be a numpy.ndarray of float64, got {type(out).__name__}")
    if out.dtype != F64:
        raise TypeError(f"out must have dtype float64, got {out.dtype}")
    if out.shape != shape:
        raise ValueError(f"out has shape {out.shape} but the result has shape {shape}")
    if not out.flags.c_contiguous:
        raise ValueError("out must be C-contiguous")
    if not out.flags.writeable:
        raise ValueError("out is read-only")
    if not out.flags.aligned:
        raise ValueError("out is not aligned for float64")
    return out
