"""One argument at a time: the dtypes the library reads, and the conversion of what callers pass.

What is checked here: types, dtypes and dimensions (``TypeError`` / ``ValueError``), and integers
that do not fit the library's C type (:class:`SectorWeightsError`, before anything is converted).
Everything else (NaN/Inf, codes outside ``0..num_sectors``, offsets, overlap, lengths) is the
library's to check and to name.

An array that already is what the library reads (float64, int32 codes, int64 offsets;
C-contiguous and aligned) is used as it is, never copied.
"""

from __future__ import annotations

import ctypes
import operator
from typing import Any, Callable, Optional, Tuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._errors import SectorWeightsError, Status

# The element types of the library's arrays.
F64 = np.dtype(np.float64)  # weights, values, results (double)
I32 = np.dtype(np.int32)  # sector codes (int32_t)
I64 = np.dtype(np.int64)  # offsets (int64_t)
BOOL = np.dtype(np.bool_)  # breaches (uint8_t 0/1: numpy bools are such bytes)
INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1
SIZE_MAX = 2**63 - 1  # the largest size_t argument taken: what numpy can index

FloatArray = NDArray[np.float64]
Locate = Callable[[int], Tuple[int, int]]  # a flat index -> (portfolio, bond)

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


def code_array(
    x: ArrayLike,
    name: str,
    num_sectors: int,
    locate: Locate,
    units: Tuple[str, str] = ("bond", "portfolio"),
) -> np.ndarray:
    """int32, C-contiguous and aligned; the same array when it already is. Wider integers are
    range-checked first: a value outside int32 is an error naming its position (``locate``
    maps a flat index to (portfolio, bond); ``units`` names them, e.g. ("order", "order list")
    as the library does for order lists), never wrapped around."""
    a = x if type(x) is np.ndarray else np.asarray(x)
    if a.dtype is not I32 and a.dtype != I32:
        if a.dtype.kind == "O":
            a = _objects_to_integers(a, name)
        kind = a.dtype.kind
        if kind not in "iu" and not (kind == "f" and a.size == 0):  # `[]` reads as float64
            _refuse_non_integer_codes(a.dtype, name)
        if a.size and not np.can_cast(a.dtype, I32):
            _refuse_codes_outside_int32(a, num_sectors, locate, units)
        a = a.astype(I32)
    return _in_place(a, I32)


def _refuse_codes_outside_int32(
    a: np.ndarray, num_sectors: int, locate: Locate, units: Tuple[str, str]
) -> None:
    """The library cannot be given a code outside int32: the first one is reported here, in
    the words the library uses for a code outside ``0..num_sectors``."""
    if a.min() >= INT32_MIN and a.max() <= INT32_MAX:
        return
    flat = a.ravel()
    i = int(np.flatnonzero((flat < INT32_MIN) | (flat > INT32_MAX))[0])
    portfolio, bond = locate(i)
    raise SectorWeightsError(
        Status.ERROR_SECTOR_OUT_OF_RANGE,
        f"sector code {int(flat[i])} at {units[0]} {bond} of {units[1]} {portfolio} is "
        f"outside 0..{num_sectors} and does not fit in int32",
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
