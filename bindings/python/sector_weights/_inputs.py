"""One call's inputs, checked and converted together: the shape rules every entry point shares.

Layouts: ``(B,)`` one portfolio; ``(P, B)`` P portfolios of B bonds; 1-D with ``offsets``, P
portfolios of different sizes one after another; 1-D with ``portfolios`` ("grouped"), one
portfolio code per bond, rows in any order. Values (if any) and sector codes have the weights'
shape.

Two conversions: for the original entry points (``native=False``, the default: order lists)
float64 weights and values and int32 codes; for the typed ones (``native=True``: the array API)
the arrays' own types where the library reads them (``_arrays.native_code_array``,
``native_float_array``).
"""

from __future__ import annotations

from typing import Any, NamedTuple, Optional, Tuple

import numpy as np
from numpy.typing import ArrayLike

from ._arrays import (
    F32,
    F64,
    I64,
    Where,
    code_array,
    float_array,
    native_code_array,
    native_float_array,
    offsets_array,
    whole_number,
)


class Names(NamedTuple):
    """What the caller calls each argument, and the units of a position, for messages."""

    weights: str = "weights"
    values: str = "values"
    sectors: str = "sectors"
    offsets: str = "offsets"
    units: Tuple[str, str] = ("bond", "portfolio")
    portfolios: str = "portfolios"


class Inputs:
    """One call's arrays, each what the library reads as it is, and the result's shape:
    ``(S,)`` for one portfolio given as 1-D arrays, else ``(P, S)``. ``portfolios`` holds the
    portfolio codes of the grouped layout (else None); ``inferred`` says whether
    ``num_portfolios`` was taken from them (the largest code + 1)."""

    __slots__ = (
        "weights", "values", "sectors", "offsets", "portfolios", "num_portfolios",
        "num_sectors", "shape", "inferred",
    )  # fmt: skip

    def __init__(
        self,
        weights: ArrayLike,
        values: Optional[ArrayLike],
        sectors: ArrayLike,
        num_sectors: Any,
        offsets: Optional[ArrayLike],
        names: Names = Names(),
        *,
        native: bool = False,
        portfolios: Optional[ArrayLike] = None,
        num_portfolios: Any = None,
    ) -> None:
        """Converts the caller's arguments, or raises naming the one that is wrong."""
        if portfolios is not None or num_portfolios is not None:
            _one_layout(offsets, portfolios, num_portfolios, names)
        S = self.num_sectors = whole_number(num_sectors, "num_sectors")
        if native and values is None:
            w, v = native_float_array(weights, names.weights), None
        else:
            w, v = _floats(weights, values, names, native)
        self.weights, self.values = w, v
        self.offsets = self.portfolios = None
        self.inferred = False
        if portfolios is not None:
            P, self.shape, where = self._grouped(portfolios, num_portfolios, names)
        elif offsets is not None:
            self.offsets = offsets_array(offsets, w.size, names.offsets)
            P, self.shape, where = _ragged(w, self.offsets, S, names)
        else:
            P, self.shape, where = _uniform(w, S, names)
        self.num_portfolios = P
        if v is not None and v.shape != w.shape:
            raise ValueError(
                f"{names.values} has shape {v.shape} but {names.weights} has shape {w.shape}: "
                "one value per weight"
            )
        if native:
            s = native_code_array(sectors, names.sectors, "sector", S, where)
        else:
            s = code_array(sectors, names.sectors, S, where)
        if s.shape != w.shape:
            raise ValueError(
                f"{names.sectors} has shape {s.shape} but {names.weights} has shape {w.shape}: "
                "one sector code per weight"
            )
        self.sectors = s

    @classmethod
    def ready(
        cls, weights: np.ndarray, sectors: np.ndarray, offsets: np.ndarray, num_sectors: int
    ) -> "Inputs":
        """Ragged inputs that already are what the library reads (1-D, ``_fastpath.ready``),
        taken as they are: nothing is checked."""
        self = cls.__new__(cls)
        self.weights, self.values, self.sectors, self.offsets = weights, None, sectors, offsets
        self.portfolios, self.inferred = None, False
        self.num_portfolios, self.num_sectors = offsets.shape[0] - 1, num_sectors
        self.shape = (self.num_portfolios, num_sectors)
        return self

    def ragged_offsets(self) -> np.ndarray:
        """The offsets, also for equal-sized portfolios (0, B, 2B, ...)."""
        if self.offsets is not None:
            return self.offsets
        w = self.weights
        bonds = w.shape[-1] if w.ndim == 2 else w.size
        if not bonds:
            return np.zeros(self.num_portfolios + 1, dtype=I64)
        return np.arange(0, (self.num_portfolios + 1) * bonds, bonds, dtype=I64)

    def _grouped(self, portfolios: ArrayLike, num_portfolios: Any, names: Names) -> "Layout":
        """The grouped layout: 1-D weights, one portfolio code per weight."""
        w = self.weights
        if w.ndim != 1:
            raise ValueError(
                f"with {names.portfolios}, {names.weights} must be 1-D (one row per bond, "
                f"in any order), got shape {w.shape}"
            )
        given = num_portfolios is not None
        P = whole_number(num_portfolios, "num_portfolios") if given else None
        p = self.portfolios = native_code_array(
            portfolios, names.portfolios, "portfolio", P, lambda i: f"row {i}"
        )
        if p.shape != w.shape:
            raise ValueError(
                f"{names.portfolios} has shape {p.shape} but {names.weights} has shape "
                f"{w.shape}: one portfolio code per weight"
            )
        if P is None:  # the largest code + 1; no rows, no portfolios
            self.inferred = True
            P = max(int(p.max()) + 1, 0) if p.size else 0

        def where(i: int) -> str:
            return f"row {i} (portfolio {int(p[i])})"

        return P, (P, self.num_sectors), where

    def too_many_portfolios(self, cause: BaseException) -> ValueError:
        """The error for a result of inferred ``num_portfolios`` that cannot be allocated."""
        p = self.portfolios
        assert self.inferred and p is not None and p.size
        row = int(np.argmax(p))
        P, S = self.num_portfolios, self.num_sectors
        return ValueError(
            f"num_portfolios defaults to the largest portfolio code + 1, here {P:,} (portfolio "
            f"code {int(p[row])} at row {row}), and a {P:,} x {S} result cannot be allocated "
            f"({cause}): pass num_portfolios to have larger codes reported as errors, or "
            "number the portfolios 0..P-1"
        )


Layout = Tuple[int, Tuple[int, ...], Where]  # P, the result's shape, where a flat index is


def _one_layout(
    offsets: Optional[ArrayLike], portfolios: Optional[ArrayLike], num_portfolios: Any,
    names: Names,
) -> None:
    """Portfolios are given one way: by shape, by offsets, or by codes."""
    if offsets is not None and portfolios is not None:
        raise ValueError(
            f"pass {names.offsets} (portfolios one after another) or {names.portfolios} (one "
            f"portfolio code per bond, rows in any order), not both"
        )
    if num_portfolios is not None and portfolios is None:
        raise ValueError(
            f"num_portfolios is given without {names.portfolios}: it is the number of "
            f"portfolio codes; with {names.offsets} or 2-D weights the portfolios are given by "
            "them"
        )


def _floats(
    weights: ArrayLike, values: Optional[ArrayLike], names: Names, native: bool
) -> Tuple[np.ndarray, Optional[np.ndarray]]:
    """Weights and values as the library reads them: float64, or (``native``) float32 or
    float64 as given, the float32 one widened to float64 when the two differ."""
    if not native:
        w = float_array(weights, names.weights)
        return w, None if values is None else float_array(values, names.values)
    w = native_float_array(weights, names.weights)
    if values is None:
        return w, None
    v = native_float_array(values, names.values)
    if w.dtype != v.dtype:
        if w.dtype == F32:
            w = w.astype(F64)
        else:
            v = v.astype(F64)
    return w, v


def _uniform(w: np.ndarray, S: int, names: Names) -> Layout:
    """The layout of ``(B,)`` or ``(P, B)`` weights."""
    if w.ndim == 1:
        P, B, shape = 1, w.shape[0], (S,)
    elif w.ndim == 2:
        (P, B), shape = w.shape, (w.shape[0], S)
    else:
        raise ValueError(
            f"{names.weights} must be 1-D (one portfolio's bonds) or 2-D (portfolios x "
            f"bonds), got shape {w.shape}"
        )
    bond, portfolio = names.units

    def where(i: int) -> str:
        p, b = (i // B, i % B) if B else (0, i)
        return f"{bond} {b} of {portfolio} {p}"

    return P, shape, where


def _ragged(w: np.ndarray, offsets: np.ndarray, S: int, names: Names) -> Layout:
    """The layout of 1-D weights with offsets."""
    if w.ndim != 1:
        raise ValueError(
            f"with offsets, {names.weights} must be 1-D (all portfolios' bonds one after "
            f"another), got shape {w.shape}"
        )
    bond, portfolio = names.units

    def where(i: int) -> str:
        p, b = 0, i
        # Offsets are only validated by the library later: fall back to the flat index.
        if offsets.size and offsets[0] == 0 and bool(np.all(offsets[1:] >= offsets[:-1])):
            q = int(np.searchsorted(offsets, i, side="right")) - 1
            if 0 <= q < offsets.size - 1:
                p, b = q, i - int(offsets[q])
        return f"{bond} {b} of {portfolio} {p}"

    P = max(offsets.shape[0] - 1, 0)
    return P, (P, S), where
