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


class ResultShape:
    """The number of portfolios P and of sectors S of ``shape``, the shape of a result:
    ``(S,)`` for one portfolio given as 1-D arrays, else ``(P, S)``."""

    __slots__ = ()
    shape: Tuple[int, ...]

    @property
    def num_portfolios(self) -> int:
        return self.shape[0] if len(self.shape) == 2 else 1

    @property
    def num_sectors(self) -> int:
        return self.shape[-1]


class Inputs(ResultShape):
    """Arrays the library reads as they are, and the result's shape, ``(S,)`` or ``(P, S)``."""

    __slots__ = ("weights", "values", "sectors", "offsets", "shape")

    def __init__(
        self,
        weights: np.ndarray,
        values: Optional[np.ndarray],
        sectors: np.ndarray,
        offsets: Optional[np.ndarray],
        shape: Tuple[int, ...],
    ) -> None:
        self.weights, self.values, self.sectors = weights, values, sectors
        self.offsets, self.shape = offsets, shape

    @classmethod
    def checked(
        cls,
        weights: ArrayLike,
        values: Optional[ArrayLike],
        sectors: ArrayLike,
        num_sectors: Any,
        offsets: Optional[ArrayLike],
        names: Names = Names(),
    ) -> "Inputs":
        """Converts the caller's arguments, or raises naming the one that is wrong."""
        S = whole_number(num_sectors, "num_sectors")
        w = float_array(weights, names.weights)
        v = None if values is None else float_array(values, names.values)
        offs = None if offsets is None else offsets_array(offsets, w.size, names.offsets)
        shape, locate = _uniform(w, S, names) if offs is None else _ragged(w, offs, S, names)
        if v is not None and v.shape != w.shape:
            raise ValueError(
                f"{names.values} has shape {v.shape} but {names.weights} has shape {w.shape}: "
                "one value per weight"
            )
        s = code_array(sectors, names.sectors, S, locate, names.units)
        if s.shape != w.shape:
            raise ValueError(
                f"{names.sectors} has shape {s.shape} but {names.weights} has shape {w.shape}: "
                "one sector code per weight"
            )
        return cls(w, v, s, offs, shape)

    def ragged_offsets(self) -> np.ndarray:
        """The offsets, also for equal-sized portfolios (0, B, 2B, ...)."""
        if self.offsets is not None:
            return self.offsets
        w = self.weights
        bonds = w.shape[-1] if w.ndim == 2 else w.size
        return np.arange(self.num_portfolios + 1, dtype=I64) * bonds


def _uniform(w: np.ndarray, S: int, names: Names) -> Tuple[Tuple[int, ...], Locate]:
    """The result's shape for ``(B,)`` or ``(P, B)`` weights, and where a flat index is."""
    if w.ndim == 1:
        B, shape = w.shape[0], (S,)
    elif w.ndim == 2:
        B, shape = w.shape[1], (w.shape[0], S)
    else:
        raise ValueError(
            f"{names.weights} must be 1-D (one portfolio's bonds) or 2-D (portfolios x "
            f"bonds), got shape {w.shape}"
        )

    def locate(i: int) -> Tuple[int, int]:
        return (i // B, i % B) if B else (0, i)

    return shape, locate


def _ragged(
    w: np.ndarray, offsets: np.ndarray, S: int, names: Names
) -> Tuple[Tuple[int, ...], Locate]:
    """The result's shape for 1-D weights with offsets, and where a flat index is."""
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

    return (max(offsets.shape[0] - 1, 0), S), locate
