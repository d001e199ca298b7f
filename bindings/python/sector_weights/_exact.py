"""Exact mode of the table API (``exact=True`` on the :class:`~sector_weights.holdings.Holdings`
methods): every sum the answers are made of is the library's exact grouped sum
(``sector_weights(..., portfolios=, exact=True)``), the double ``math.fsum`` returns for its
terms, so an answer does not change with the order of the table's rows.

- weights: exact sums per (portfolio, sector) / the portfolio's exact total, one rounding each;
- exposures: exact sums of ``value x metric`` (each product rounded once) / the exact total;
- order lists: ``after`` = the exact sums of holdings and orders together per sector / their exact
  pro-forma total; ``orders`` = exact signed order sums / the exact gross order value.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Tuple

import numpy as np

from ._core import sector_weights

if TYPE_CHECKING:
    from ._orders import OrderTable
    from .holdings import Holdings

__all__ = ["ExactSums", "totals", "evaluate"]


def totals(values: np.ndarray, portfolios: np.ndarray, num_portfolios: int) -> np.ndarray:
    """Each portfolio's exact total of ``values`` (rows by portfolio code), correctly rounded."""
    one = np.zeros(values.shape[0], dtype=np.int8)
    return sector_weights(
        values, one, 1, portfolios=portfolios, num_portfolios=num_portfolios, exact=True
    )[:, 0]


class ExactSums:
    """A Holdings' exact sums per (portfolio, sector) and exact totals, in result order."""

    def __init__(self, h: "Holdings") -> None:
        self.sums = h._arrange(h._sums(None, h._names[2], exact=True))
        self.totals = totals(h._v, h._p.codes, len(h._p.labels))[h._prow]
        h._check_totals(self.totals)
        self.weights = self.sums / self.totals[:, None]


def positions(h: "Holdings") -> Tuple[np.ndarray, np.ndarray]:
    """The holdings rows' portfolio and sector as positions in the result (not codes)."""
    prow = np.full(len(h._p.labels), -1, dtype=np.intp)
    prow[h._prow] = np.arange(h._prow.size)
    scol = np.full(len(h._s.labels), -1, dtype=np.intp)
    listed = h._scol >= 0
    scol[h._scol[listed]] = np.flatnonzero(listed)
    return prow[h._p.codes], scol[h._s.codes]


def proforma_totals(h: "Holdings", v: np.ndarray, op: np.ndarray) -> np.ndarray:
    """Each fund's exact total of its holdings and its orders ``v`` (fund positions ``op``)."""
    hp, _ = positions(h)
    both = np.concatenate([h._v.astype(np.float64, copy=False), v])
    return totals(both, np.concatenate([hp, op]), len(h._axes.portfolios))


def evaluate(h: "Holdings", o: "OrderTable") -> Tuple[np.ndarray, np.ndarray]:
    """``orders`` and ``after`` rows of the funds with orders, from exact sums."""
    P, S = len(h._axes.portfolios), len(h._axes.sectors)
    hp, hs = positions(h)
    v = np.concatenate([h._v.astype(np.float64, copy=False), o.v])
    p, s = np.concatenate([hp, o.op]), np.concatenate([hs, o.os])
    after = sector_weights(v, s, S, portfolios=p, num_portfolios=P, exact=True)
    after /= totals(v, p, P)[:, None]
    mix = sector_weights(o.v, o.os, S, portfolios=o.op, num_portfolios=P, exact=True)
    with np.errstate(divide="ignore", invalid="ignore"):  # funds without orders: not returned
        mix /= totals(np.abs(o.v), o.op, P)[:, None]
    return mix[o.funds], after[o.funds]
