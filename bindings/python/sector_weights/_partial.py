"""Partial results: the exact sums of some rows, merged with the partials of the other rows in any
order and grouping, shipped as bytes, and rounded into the result of one exact call over all the
rows (``SwPartial`` in the C API).

>>> import sector_weights as sw
>>> a = sw.Partial.from_rows([30.0, 10.0], [0, 1], 2, portfolios=[1, 1], num_portfolios=2)
>>> b = sw.Partial.from_rows([5.0, 15.0], [1, 0], 2, portfolios=[0, 0], num_portfolios=2)
>>> sw.Partial.from_bytes(b.to_bytes()).merge(a).result(normalize=True)
array([[0.75, 0.25],
       [0.75, 0.25]])
"""

from __future__ import annotations

import ctypes
from typing import Any, Iterable, Optional, Tuple

import numpy as np
from numpy.typing import ArrayLike

from . import _lib
from ._arrays import F64, FloatArray, address, columns
from ._errors import check
from ._inputs import Inputs

__all__ = ["Partial"]

_U8 = np.dtype(np.uint8)


def _new_handle(make: Any) -> "Partial":
    """A Partial owning the handle that ``make(address of the out pointer)`` stores (its status
    checked: on failure nothing was made)."""
    out = ctypes.c_void_p()
    check(make(ctypes.addressof(out)))
    return Partial._adopt(out.value)


def _restore(data: bytes) -> "Partial":
    """Unpickling: the partial saved by ``to_bytes``."""
    return Partial.from_bytes(data)


class Partial:
    """The exact per-portfolio, per-sector sums of some of a table's rows, not yet rounded.

    Partials of any split of the rows (a Dask or Spark partition each, say) merge with
    :meth:`merge` in any order and grouping into the very bits one partial of all the rows
    holds, and :meth:`result` rounds them once: every sum is the correctly rounded value of its
    exact sum (what :func:`math.fsum` gives on the terms), the same for every split, row order
    and thread count. :meth:`to_bytes` / :meth:`from_bytes` ship a partial between processes
    (pickling uses them); the format is versioned and checksummed, and bytes that are truncated,
    corrupted or not a partial raise :class:`SectorWeightsError` (``ERROR_BAD_PARTIAL``).

    A partial is immutable: merging makes a new one. Its memory (24 bytes per cell) is released
    when it is garbage-collected.
    """

    __slots__ = ("_handle", "_shape")

    _handle: Optional[int]
    _shape: Tuple[int, int]

    def __init__(self) -> None:
        raise TypeError("use Partial.from_rows(...) or Partial.from_bytes(...)")

    @classmethod
    def _adopt(cls, handle: Optional[int]) -> "Partial":
        """A Partial owning ``handle`` (freed with it)."""
        self = object.__new__(cls)
        self._handle = handle
        if not handle:  # never: the library stores a handle whenever it returns SW_OK
            raise RuntimeError("sector_weights: the library returned no partial result")
        p, s = ctypes.c_size_t(), ctypes.c_size_t()
        check(_lib.sw_partial_shape(handle, ctypes.addressof(p), ctypes.addressof(s)))
        self._shape = (p.value, s.value)
        return self

    def __del__(self, _free: Any = _lib.sw_partial_free) -> None:
        handle = getattr(self, "_handle", None)
        if handle:
            self._handle = None
            _free(handle)

    @classmethod
    def from_rows(
        cls,
        weights: ArrayLike,
        sectors: ArrayLike,
        num_sectors: int,
        portfolios: Optional[ArrayLike] = None,
        num_portfolios: Optional[int] = None,
        values: Optional[ArrayLike] = None,
        *,
        offsets: Optional[ArrayLike] = None,
    ) -> "Partial":
        """The partial of some rows: the exact sums of ``weights`` (times ``values``, when
        given: exposures) per portfolio and sector.

        Arguments as in :func:`sector_weights` / :func:`sector_exposures` (same dtypes, read in
        place; same checks and error messages): ``portfolios`` gives one portfolio code per row,
        rows in any order; without it, 1-D ``weights`` are one portfolio, 2-D ``(P, B)`` are P
        portfolios, and ``offsets`` splits 1-D rows into portfolios. Pass ``num_portfolios`` with
        ``portfolios``: partials merge only with partials of the same shape, and by default it is
        this subset's largest code + 1.
        """
        inputs = Inputs(
            weights, values, sectors, num_sectors, offsets,
            native=True, portfolios=portfolios, num_portfolios=num_portfolios,
        )  # fmt: skip
        S, P = inputs.num_sectors, inputs.num_portfolios
        if inputs.portfolios is not None:
            keep, w, v, s, p = columns(
                inputs.weights, inputs.values, inputs.sectors, inputs.portfolios
            )
            made = _new_handle(lambda out: _lib.sw_partial_from_rows(w, v, s, S, p, P, 0, out))
        else:
            offs = inputs.ragged_offsets()
            keep, w, v, s, _ = columns(inputs.weights, inputs.values, inputs.sectors)
            made = _new_handle(
                lambda out: _lib.sw_partial_from_ragged(
                    w, v, s, S, address(offs), offs.size, 0, out
                )
            )
        del keep  # the SwColumn structures, alive until here
        return made

    @classmethod
    def from_bytes(cls, data: Any) -> "Partial":
        """The partial saved by :meth:`to_bytes` (``bytes``, ``bytearray``, ``memoryview`` or
        a uint8 array; read in place). Anything else raises :class:`SectorWeightsError`."""
        if isinstance(data, str):
            raise TypeError("data must be bytes (from Partial.to_bytes), got str")
        buf = np.frombuffer(data, dtype=_U8) if not isinstance(data, np.ndarray) else data
        if buf.dtype != _U8 or buf.ndim != 1 or not buf.flags.c_contiguous:
            raise TypeError(
                f"data must be bytes or a 1-D contiguous uint8 array, got {buf.dtype} of shape "
                f"{buf.shape}"
            )
        return _new_handle(lambda out: _lib.sw_partial_from_bytes(address(buf), buf.size, out))

    @classmethod
    def merge_all(cls, partials: Iterable["Partial"]) -> "Partial":
        """All the partials merged (pairwise, as a balanced tree): the same bits as any other
        order or grouping."""
        level = list(partials)
        if not level:
            raise ValueError("merge_all needs at least one partial")
        while len(level) > 1:
            pairs = [a.merge(b) for a, b in zip(level[0::2], level[1::2])]
            level = pairs + level[len(pairs) * 2 :]
        return level[0]

    def merge(self, other: "Partial") -> "Partial":
        """A new partial holding the rows of both (associative and commutative, bit for bit).
        Both must have the same :attr:`shape`."""
        if not isinstance(other, Partial):
            raise TypeError(f"can only merge a Partial with a Partial, not {type(other).__name__}")
        return _new_handle(lambda out: _lib.sw_partial_merge(self._handle, other._handle, out))

    def to_bytes(self) -> bytes:
        """The partial as bytes (versioned, CRC-32-checked; equal partials, however merged,
        give equal bytes), for :meth:`from_bytes` in any process or machine."""
        needed = ctypes.c_size_t()
        check(_lib.sw_partial_to_bytes(self._handle, None, 0, ctypes.addressof(needed)))
        buf = bytearray(needed.value)
        view = (ctypes.c_char * len(buf)).from_buffer(buf)
        check(
            _lib.sw_partial_to_bytes(
                self._handle, ctypes.addressof(view), len(buf), ctypes.addressof(needed)
            )
        )
        del view
        return bytes(buf)

    def result(self, normalize: bool = False) -> FloatArray:
        """The sums, float64 of shape ``(num_portfolios, num_sectors)``: each the correctly
        rounded exact sum of its terms (:func:`math.fsum` of them), i.e. what an exact call over
        all the rows gives. ``normalize=True`` divides each by its portfolio's exact total
        rounded once (``fsum(sector) / fsum(portfolio)``); a zero total is an error, as is a sum
        beyond the doubles."""
        out = np.empty(self._shape, dtype=F64)
        flags = _lib.SW_NORMALIZE if normalize else 0
        check(_lib.sw_partial_result(self._handle, flags, address(out), out.size))
        return out

    @property
    def shape(self) -> Tuple[int, int]:
        """``(num_portfolios, num_sectors)``: the shape of :meth:`result`."""
        return self._shape

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Partial):
            return NotImplemented
        return self._shape == other._shape and self.to_bytes() == other.to_bytes()

    __hash__ = None  # type: ignore[assignment]

    def __reduce__(self) -> Tuple[Any, Tuple[bytes]]:
        return (_restore, (self.to_bytes(),))

    def __repr__(self) -> str:
        p, s = self._shape
        return f"<sector_weights.Partial: {p} portfolios x {s} sectors>"
