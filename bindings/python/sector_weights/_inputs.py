"""One call's inputs, checked and converted together: the shape rules every entry point shares.

Layouts: ``(B,)`` one portfolio; ``(P, B)`` P portfolios of B bonds; 1-D with ``offsets``, P
portfolios of different sizes one after another. Values (if any) and sector codes have the
weights' shape.
"""

from __future__ import annotations

from typing import Any, NamedTuple, Optional, Tuple

import numpy as np
from numpy.typing import ArrayLike

from ._arrays import I64, Locate, code_array, float_array, offsets_array, whole_number


class Names(NamedTuple):
    """What the caller calls each argument, and the units of a position, for messages."""

    weights: str = "weights"
    values: str = "values"
    sectors: str = "sectors"
    offsets: str = "offsets"
    units: Tuple[str, str] = ("bond", "portfolio")


class Inputs:
    """One call's arrays, each what the library reads as it is, and the result's shape:
    ``(S,)`` for one portfolio given as 1-D arrays, else ``(P, S)``."""

    __slots__ = ("weights", "values", "sectors", "offsets", "num_portfolios", "num_sectors", "shape")

    def __init__(
        self,
        weights: ArrayLike,
        values: Optional[ArrayLike],
        sectors: ArrayLike,
        num_sectors: Any,
        offsets: Optional[ArrayLike],
        names: Names = Names(),
    ) -> None:
        """Converts the caller's arguments, or raises naming the one that is wrong."""
        S = self.num_sectors = whole_number(num_sectors, "num_sectors")
        w = self.weights = float_array(weights, names.weights)
        v = self.values = None if values is None else float_array(values, names.values)
        offs = None if offsets is None else offsets_array(offsets, w.size, names.offsets)
        P, self.shape, locate = _uniform(w, S, names) if offs is None else _ragged(w, offs, S, names)
        self.num_portfolios, self.offsets = P, offs
        if v is not None and v.shape != w.shape:
            raise ValueError(
                f"{names.values} has shape {v.shape} but {names.weights} has shape {w.shape}: "
                "one value per weight"
            )
        s = self.sectors = code_array(sectors, names.sectors, S, locate, names.units)
        if s.shape != w.shape:
            raise ValueError(
                f"{names.sectors} has shape {s.shape} but {names.weights} has shape {w.shape}: "
                "one sector code per weight"
            )

    @classmethod
    def ready(
        cls, weights: np.ndarray, sectors: np.ndarray, offsets: np.ndarray, num_sectors: int
    ) -> "Inputs":
        """Ragged inputs that already are what the library reads (1-D, ``_fastpath.ready``),
        taken as they are: nothing is checked."""
        self = cls.__new__(cls)
        self.weights, self.values, self.sectors, self.offsets = weights, None, sectors, offsets
        self.num_portfolios, self.num_sectors = offsets.shape[0] - 1, num_sectors
        self.shape = (self.num_portfolios, num_sectors)
        return self

    def ragged_offsets(self) -> np.ndarray:
        """The offsets, also for equal-sized portfolios (0, B, 2B, ...)."""
        if self.offsets is not None:
            return self.offsets
        w = self.weights
        bonds = w.shape[-1] if w.ndim == 2 else w.size
        return np.arange(self.num_portfolios + 1, dtype=I64) * bonds


Layout = Tuple[int, Tuple[int, ...], Locate]  # P, the result's shape, where a flat index is


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

    def locate(i: int) -> Tuple[int, int]:
        return (i // B, i % B) if B else (0, i)

    return P, shape, locate


def _ragged(w: np.ndarray, offsets: np.ndarray, S: int, names: Names) -> Layout:
    """The layout of 1-D weights with offsets."""
    if w.ndim != 1:
        raise ValueError(
            f"with offsets, {names.weights} must be 1-D (all portfolios' bonds one after "
            f"another), got shape {w.shape}"
        )

    def locate(i: int) -> Tuple[int, int]:
        # Offsets are only validated by the library later: fall back to the flat index.
        if offsets.size and offsets[0] == 0 and bool(np.all(offsets[1:] >= offsets[:-1])):
            p = int(np.searchsorted(offsets, i, side="right")) - 1
            if 0 <= p < offsets.size - 1:
                return p, i - int(offsets[p])
        return 0, i

    P = max(offsets.shape[0] - 1, 0)
    return P, (P, S), locate
