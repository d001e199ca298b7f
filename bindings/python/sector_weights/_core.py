"""The array-level API: input checks and conversion in Python, the computation in the library.

Building blocks shared by every entry point (and meant for later ones, such as order-list
evaluation, which only add their own arithmetic on top): ``_float_array``, ``_code_array``,
``_offsets_array``, ``_num_sectors``, ``_result``, ``_addr`` and ``_raise``.

What is checked where:

- here, in Python: types, dtypes, dimensions and shapes (``TypeError`` / ``ValueError``), integer
  codes that do not fit in int32 (:class:`SectorWeightsError`, before anything is converted);
- in the library: everything else (NaN/Inf, codes outside ``0..num_sectors``, offsets, zero
  totals, overlap of ``out`` with an input, lengths again), reported as
  :class:`SectorWeightsError` with the library's own message. On any error ``out`` is untouched.

float64 and C-contiguous int32 (int64 for offsets) inputs reach the library without a copy:
their own addresses are passed.
"""

from __future__ import annotations

import ctypes
import operator
from typing import Any, Callable, Optional, Tuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from . import _loader
from ._errors import SectorWeightsError, Status

try:
    from ._version import __version__
except ImportError:  # a source checkout that was not built: take the crate's version
    __version__ = _loader.source_version()

__all__ = [
    "__version__",
    "library_path",
    "sector_weights",
    "sector_exposures",
    "set_num_threads",
    "get_num_threads",
    "status_message",
]

_lib, _library_path = _loader.load(__version__)
library_path: str = str(_library_path)
"""The file the library was loaded from."""

# Bound once; tests replace these to observe the exact arguments passed.
_sw_sector_weights = _lib.sw_sector_weights
_sw_sector_weights_ragged = _lib.sw_sector_weights_ragged
_sw_sector_exposures = _lib.sw_sector_exposures
_sw_set_num_threads = _lib.sw_set_num_threads
_sw_get_num_threads = _lib.sw_get_num_threads
_sw_last_error_message = _lib.sw_last_error_message
_sw_status_message = _lib.sw_status_message

# The C fast path of sector_weights() (_fastcall.c), given the address of the very function the
# loader bound above. Absent only in a source checkout that was not built: the Python path serves.
try:
    from . import _fastcall  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - the installed package always has it
    _fast_call: Optional[Callable[..., Any]] = None
else:
    _fastcall.configure(ctypes.cast(_sw_sector_weights, ctypes.c_void_p).value, np.ndarray, np.empty)
    _fast_call = _fastcall.call

_F64 = np.dtype(np.float64)
_I32 = np.dtype(np.int32)
_I64 = np.dtype(np.int64)
_INT32_MIN = -(2**31)
_INT32_MAX = 2**31 - 1
_SIZE_MAX = 2**63 - 1  # what numpy can index; far above any real sector count
SW_NORMALIZE = 1

FloatArray = NDArray[np.float64]

_from_buffer = (ctypes.c_char * 0).from_buffer
_addressof = ctypes.addressof


def _addr(a: np.ndarray) -> int:
    """The address of a C-contiguous array's first element (about 0.3 us; ``a.ctypes.data``,
    about 1 us, is the fallback for read-only arrays, which ``from_buffer`` refuses)."""
    try:
        return _addressof(_from_buffer(a))  # type: ignore[arg-type]
    except (TypeError, ValueError, BufferError):
        return a.ctypes.data


def status_message(status: int) -> str:
    """The library's static description of a status code."""
    text: bytes = _sw_status_message(int(status))
    return text.decode("utf-8", "replace")


def _raise(status: int) -> None:
    """Raises SectorWeightsError with the calling thread's last error detail from the library."""
    n = _sw_last_error_message(None, 0)
    buf = ctypes.create_string_buffer(n + 1)
    _sw_last_error_message(buf, n + 1)
    message = buf.value.decode("utf-8", "replace") or status_message(status)
    raise SectorWeightsError(status, message)


# ---------------------------------------------------------------------------------------------
# Argument conversion


def _num_sectors(n: Any) -> int:
    if type(n) is int and 0 <= n <= _SIZE_MAX:
        return n
    if isinstance(n, (bool, np.bool_)):
        raise TypeError("num_sectors must be an integer, got bool")
    try:
        value: int = operator.index(n)
    except TypeError:
        raise TypeError(f"num_sectors must be an integer, got {type(n).__name__}") from None
    if value < 0:
        raise ValueError(f"num_sectors must be >= 0, got {value}")
    if value > _SIZE_MAX:
        raise ValueError(f"num_sectors = {value} is too large")
    return value


def _contiguous(a: np.ndarray, dtype: np.dtype) -> np.ndarray:
    if a.flags.c_contiguous and a.flags.aligned:
        return a
    return np.array(a, dtype=dtype, order="C", copy=True)


def _float_array(x: ArrayLike, name: str) -> np.ndarray:
    """float64, C-contiguous and aligned; the same array when it already is."""
    a = x if type(x) is np.ndarray else np.asarray(x)
    dt = a.dtype
    if dt is not _F64 and dt != _F64:
        kind = dt.kind
        if kind in "fiu":  # float32/float16 widened, longdouble rounded, integers read
            a = a.astype(_F64)
        elif kind == "O":
            try:
                a = a.astype(_F64)
            except (TypeError, ValueError) as e:
                raise TypeError(f"{name}: cannot read its elements as float64 ({e})") from None
        else:
            raise TypeError(f"{name} must hold real numbers (float or integer), got dtype {dt}")
    return _contiguous(a, _F64)


def _objects_to_integers(a: np.ndarray, name: str) -> np.ndarray:
    """An object array (e.g. a pandas column of Python ints) as an integer array, refusing
    anything that is not an integer (floats are never truncated)."""
    b = np.array(a.tolist()) if a.ndim else np.array(a.item())
    if b.dtype.kind not in "iu" and b.size:
        raise TypeError(
            f"{name} must hold integer codes; its Python objects are not all integers that "
            f"fit in int64 (they read as {b.dtype})"
        )
    return b.astype(_I64) if b.dtype.kind not in "iu" else b


Locate = Callable[[int], Tuple[int, int]]


def _code_array(
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
    dt = a.dtype
    if dt is not _I32 and dt != _I32:
        if dt.kind == "O":
            a = _objects_to_integers(a, name)
            dt = a.dtype
        kind = dt.kind
        if kind == "f" and a.size == 0:  # `[]` reads as float64: nothing to convert
            kind = "i"
        if kind not in "iu":
            if kind == "b":
                raise TypeError(f"{name} must hold integer codes, got bool")
            if kind == "f":
                raise TypeError(
                    f"{name} must hold integer codes, got {dt}: convert explicitly "
                    "(after checking for NaN), e.g. sectors.astype(np.int32)"
                )
            raise TypeError(f"{name} must hold integer codes, got dtype {dt}")
        if a.size and not np.can_cast(dt, _I32):
            lo, hi = a.min(), a.max()
            if lo < _INT32_MIN or hi > _INT32_MAX:
                flat = a.ravel()
                i = int(np.flatnonzero((flat < _INT32_MIN) | (flat > _INT32_MAX))[0])
                portfolio, bond = locate(i)
                raise SectorWeightsError(
                    Status.ERROR_SECTOR_OUT_OF_RANGE,
                    f"sector code {int(flat[i])} at {units[0]} {bond} of {units[1]} {portfolio} is "
                    f"outside 0..{num_sectors} and does not fit in int32",
                )
        a = a.astype(_I32)
    return _contiguous(a, _I32)


def _offsets_array(x: ArrayLike, num_bonds: int, name: str = "offsets") -> np.ndarray:
    """int64, 1-D, C-contiguous; the same array when it already is."""
    a = x if type(x) is np.ndarray else np.asarray(x)
    if a.ndim != 1:
        raise ValueError(f"{name} must be 1-D (num_portfolios + 1 offsets), got shape {a.shape}")
    dt = a.dtype
    if dt is not _I64 and dt != _I64:
        if dt.kind == "O":
            a = _objects_to_integers(a, "offsets")
            dt = a.dtype
        if dt.kind not in "iu" and not (dt.kind == "f" and a.size == 0):
            raise TypeError(f"{name} must hold integers, got dtype {dt}")
        if a.size and not np.can_cast(dt, _I64):  # uint64
            big = np.flatnonzero(a > np.iinfo(np.int64).max)
            if big.size:
                i = int(big[0])
                raise SectorWeightsError(
                    Status.ERROR_BAD_OFFSETS,
                    f"{name}[{i}] = {int(a[i])} is past the end of the {num_bonds} bonds",
                )
        a = a.astype(_I64)
    return _contiguous(a, _I64)


def _uniform_offsets(num_portfolios: int, bonds: int) -> np.ndarray:
    return np.arange(num_portfolios + 1, dtype=_I64) * bonds


def _ragged_locator(offsets: np.ndarray) -> Locate:
    def locate(i: int) -> Tuple[int, int]:
        # Offsets are only validated by the library later: fall back to the flat index.
        if offsets.size and offsets[0] == 0 and bool(np.all(offsets[1:] >= offsets[:-1])):
            p = int(np.searchsorted(offsets, i, side="right")) - 1
            if 0 <= p < offsets.size - 1:
                return p, i - int(offsets[p])
        return 0, i

    return locate


def _result(out: Optional[np.ndarray], shape: Tuple[int, ...]) -> np.ndarray:
    if out is None:
        return np.empty(shape, dtype=_F64)
    if not isinstance(out, np.ndarray):
        raise TypeError(f"out must be a numpy.ndarray of float64, got {type(out).__name__}")
    if out.dtype != _F64:
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


class _Job:
    """Checked, converted inputs of one call (shape rules shared by every entry point)."""

    __slots__ = ("w", "v", "s", "offsets", "num_portfolios", "num_sectors", "shape")

    def __init__(
        self,
        weights: ArrayLike,
        values: Optional[ArrayLike],
        sectors: ArrayLike,
        num_sectors: Any,
        offsets: Optional[ArrayLike],
        weights_name: str = "weights",
        values_name: str = "values",
        sectors_name: str = "sectors",
        offsets_name: str = "offsets",
        units: Tuple[str, str] = ("bond", "portfolio"),
    ) -> None:
        S = self.num_sectors = _num_sectors(num_sectors)
        w = self.w = _float_array(weights, weights_name)
        v = self.v = None if values is None else _float_array(values, values_name)
        locate: Locate
        if offsets is None:
            self.offsets = None
            if w.ndim == 1:
                P, B = 1, w.shape[0]
                self.shape: Tuple[int, ...] = (S,)
            elif w.ndim == 2:
                P, B = w.shape
                self.shape = (P, S)
            else:
                raise ValueError(
                    f"{weights_name} must be 1-D (one portfolio's bonds) or 2-D (portfolios x "
                    f"bonds), got shape {w.shape}"
                )

            def locate_uniform(i: int) -> Tuple[int, int]:
                return (i // B, i % B) if B else (0, i)

            locate = locate_uniform

        else:
            offs = self.offsets = _offsets_array(offsets, w.size, offsets_name)
            if w.ndim != 1:
                raise ValueError(
                    f"with offsets, {weights_name} must be 1-D (all portfolios' bonds one after "
                    f"another), got shape {w.shape}"
                )
            P = max(offs.shape[0] - 1, 0)
            self.shape = (P, S)
            locate = _ragged_locator(offs)
        self.num_portfolios = P
        if v is not None and v.shape != w.shape:
            raise ValueError(
                f"{values_name} has shape {v.shape} but {weights_name} has shape {w.shape}: "
                "one value per weight"
            )
        s = self.s = _code_array(sectors, sectors_name, S, locate, units)
        if s.shape != w.shape:
            raise ValueError(
                f"{sectors_name} has shape {s.shape} but {weights_name} has shape {w.shape}: "
                "one sector code per weight"
            )

    def ragged_offsets(self) -> np.ndarray:
        if self.offsets is not None:
            return self.offsets
        w = self.w
        return _uniform_offsets(self.num_portfolios, w.shape[-1] if w.ndim == 2 else w.size)

    def run_ragged(self, out: np.ndarray, normalize: bool) -> None:
        """Calls sw_sector_exposures (with values) or sw_sector_weights_ragged; raises on error."""
        w, v, s, offs = self.w, self.v, self.s, self.ragged_offsets()
        flags = SW_NORMALIZE if normalize else 0
        if v is None:
            status = _sw_sector_weights_ragged(
                _addr(w), w.size, _addr(s), s.size, _addr(offs), offs.size,
                self.num_sectors, flags, _addr(out), out.size,
            )  # fmt: skip
        else:
            status = _sw_sector_exposures(
                _addr(w), w.size, _addr(v), v.size, _addr(s), s.size, _addr(offs), offs.size,
                self.num_sectors, flags, _addr(out), out.size,
            )  # fmt: skip
        if status:
            _raise(status)


# ---------------------------------------------------------------------------------------------
# Public functions


def sector_weights(
    weights: ArrayLike,
    sectors: ArrayLike,
    num_sectors: int,
    *,
    offsets: Optional[ArrayLike] = None,
    normalize: bool = False,
    out: Optional[np.ndarray] = None,
) -> FloatArray:
    """Per-portfolio, per-sector sums of bond weights.

    Parameters
    ----------
    weights
        Floats, shape ``(B,)`` (one portfolio) or ``(P, B)`` (P portfolios of B bonds); with
        ``offsets``, shape ``(n,)``: all portfolios' bonds one after another. Anything
        :func:`numpy.asarray` takes (lists, pandas or polars columns). float64 is used in place;
        float32 is widened, integers are read as floats. Must be finite; negative is fine.
    sectors
        Integer sector codes of the same shape, each in ``0..num_sectors``. C-contiguous int32
        is used in place; other integer widths (such as the int64 of ``np.random.randint``) are
        converted, and a value outside int32 is an error naming its position, never wrapped.
    num_sectors
        The number of sectors S.
    offsets
        Optional ``P + 1`` integers: portfolio p is bonds ``offsets[p]:offsets[p + 1]``
        (portfolios of different sizes). Must start at 0, never decrease, and end at ``n``.
    normalize
        Divide each portfolio's sums by its total, so each row adds up to 1 (market values in,
        weights out). A portfolio whose total is 0 (also an empty one) is an error.
    out
        Optional float64 C-contiguous array of the result's shape, filled in place and returned.
        On any error it is left untouched.

    Returns
    -------
    numpy.ndarray
        float64 of shape ``(S,)`` for 1-D ``weights`` without offsets, else ``(P, S)``.

    Raises
    ------
    SectorWeightsError
        For every failure the library reports (a ``ValueError`` with ``.status`` and the
        library's message naming the position), e.g. NaN weights or out-of-range codes.
    TypeError, ValueError
        For wrong types, dtypes and shapes found before the call.

    Examples
    --------
    >>> sector_weights([0.5, 0.25, 0.25], [2, 0, 2], 3)
    array([0.25, 0.  , 0.75])
    """
    # Fast path, in C (_fastcall.c): ready arrays (float64 / int32, C-contiguous, aligned, equal
    # 1-D or 2-D shapes; `out` float64 of the result's shape, writable), passed in place with the
    # GIL released. Code right after a large call runs with cold caches (the call streamed its
    # input through this core's L2): the same checks in Python, with ctypes' conversions, cost
    # 10-20 us there. It returns None for anything else, which the general path below converts
    # or rejects with the precise TypeError / ValueError.
    if offsets is None and normalize is False and _fast_call is not None:
        done = _fast_call(weights, sectors, num_sectors, out)
        if done is not None:
            if type(done) is int:
                _raise(done)
            return done  # type: ignore[no-any-return]

    job = _Job(weights, None, sectors, num_sectors, offsets)
    result = _result(out, job.shape)
    if job.offsets is None and not normalize:
        w, s = job.w, job.s
        status = _sw_sector_weights(
            _addr(w), w.size, _addr(s), s.size, job.num_portfolios, job.num_sectors,
            _addr(result), result.size,
        )  # fmt: skip
        if status:
            _raise(status)
    else:
        job.run_ragged(result, normalize)
    return result


def sector_exposures(
    weights: ArrayLike,
    values: ArrayLike,
    sectors: ArrayLike,
    num_sectors: int,
    *,
    offsets: Optional[ArrayLike] = None,
    normalize: bool = False,
    out: Optional[np.ndarray] = None,
) -> FloatArray:
    """Per-portfolio, per-sector sums of ``weights * values`` (e.g. contributions to duration,
    spread duration or DTS).

    ``weights``, ``values`` and ``sectors`` have the same shape, with the rules of
    :func:`sector_weights` (``(B,)``, ``(P, B)``, or 1-D with ``offsets``). Both weights and
    values must be finite. ``normalize=True`` divides each row by its total exposure (a zero total
    is an error). Returns float64 of shape ``(S,)`` or ``(P, S)``; ``out`` as in
    :func:`sector_weights`.

    >>> sector_exposures([0.5, 0.5], [4.0, 6.0], [1, 1], 2)
    array([0., 5.])
    """
    job = _Job(weights, values, sectors, num_sectors, offsets)
    result = _result(out, job.shape)
    job.run_ragged(result, normalize)
    return result


def set_num_threads(n: int) -> None:
    """Sets the number of worker threads for all later calls; 0 means the default
    (``RAYON_NUM_THREADS`` if set, else every logical CPU). Results never depend on it."""
    if isinstance(n, (bool, np.bool_)):
        raise TypeError("n must be an integer, got bool")
    try:
        n = operator.index(n)
    except TypeError:
        raise TypeError(f"n must be an integer, got {type(n).__name__}") from None
    if n < 0:
        raise ValueError(f"n must be >= 0 (0 = all cores), got {n}")
    if n > _SIZE_MAX:
        raise ValueError(f"n = {n} is too large")
    status = _sw_set_num_threads(n)
    if status:
        _raise(status)


def get_num_threads() -> int:
    """The number of worker threads calls use now."""
    n = _sw_get_num_threads()
    if n == 0:
        _raise(Status.ERROR_THREAD_POOL)
    return int(n)
