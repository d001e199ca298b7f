"""What :meth:`Holdings.compare` and :meth:`Holdings.evaluate` return: plain (P, S) arrays
shown as frames of the holdings' kind (built on first use), text reports, notebook HTML and
plots."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

import numpy as np

from . import _display
from ._bands import Axes
from ._frames import result_frame

__all__ = ["Labelled", "TableComparison", "TableEvaluation"]


class Labelled:
    """The result labels of a Holdings and of what it returns (``self._axes``)."""

    _axes: Axes

    @property
    def portfolios(self) -> List[Any]:
        """Portfolio labels in result order (sorted)."""
        return list(self._axes.portfolios)

    @property
    def sectors(self) -> List[Any]:
        """Sector labels in result order (``sectors=``, else sorted)."""
        return list(self._axes.sectors)


class _Result(Labelled):
    """What TableComparison and TableEvaluation share: frames built on first use."""

    def __init__(self, kind: str, axes: Axes) -> None:
        self._kind, self._axes = kind, axes
        self._cache: Dict[str, Any] = {}

    def _frame(self, key: str, data: Optional[np.ndarray]) -> Any:
        if data is None:
            return None
        if key not in self._cache:
            self._cache[key] = result_frame(self._kind, np.asarray(data), self._axes)
        return self._cache[key]

    def _shape(self) -> Tuple[int, int]:
        return len(self._axes.portfolios), len(self._axes.sectors)

    def _band(self, x: Optional[np.ndarray]) -> Optional[np.ndarray]:
        return None if x is None else np.broadcast_to(x, self._shape())


class TableComparison(_Result):
    """The result of :meth:`Holdings.compare`: frames (portfolios x sectors) ``actual`` (the
    weights), ``targets``, ``tolerance``, ``active`` (actual - targets) and ``breaches``
    (\\|active\\| > tolerance, bool); :meth:`report`, :meth:`plot`, HTML in notebooks."""

    def __init__(
        self,
        kind: str,
        axes: Axes,
        actual: np.ndarray,
        active: np.ndarray,
        breaches: np.ndarray,
        t: np.ndarray,
        tol: np.ndarray,
    ) -> None:
        super().__init__(kind, axes)
        self._actual, self._active, self._breaches = actual, active, breaches
        self._t, self._tol = self._band(t), self._band(tol)

    actual = property(lambda self: self._frame("actual", self._actual))
    targets = property(lambda self: self._frame("targets", self._t))
    tolerance = property(lambda self: self._frame("tolerance", self._tol))
    active = property(lambda self: self._frame("active", self._active))
    breaches = property(lambda self: self._frame("breaches", self._breaches))

    def report(self, percent: bool = True) -> str:
        """The per-sector lines a portfolio manager reads, one block per portfolio."""
        return _display.report(
            self._axes, {"actual": self._actual}, self._t, self._tol, self._active, self._breaches,
            percent=percent,
        )  # fmt: skip

    def __repr__(self) -> str:
        P, S = self._shape()
        n = int(np.count_nonzero(self._breaches))
        return f"TableComparison({P} portfolios x {S} sectors, {n} breaches)"

    def _repr_html_(self) -> str:
        return _display.html_table(
            repr(self), self._axes, {"actual": self._actual}, self._t, self._tol, self._breaches
        )

    def plot(self, portfolio: Any = None) -> Any:
        """Per sector, the weight against the target and its tolerance band, breaches marked
        (matplotlib). ``portfolio``: a label, a list of labels, or None (every portfolio, one
        panel each; at most 24). Returns the matplotlib Figure."""
        return _display.plot(
            self._axes, self._actual, None, self._t, self._tol, self._breaches, portfolio, "weight"
        )


class TableEvaluation(_Result):
    """The result of :meth:`Holdings.evaluate`: frames (portfolios x sectors) ``before``,
    ``orders`` (each fund's signed order mix; NaN for a fund without orders), ``after``
    (pro-forma weights) and, with targets, ``targets``, ``tolerance``, ``active`` (after -
    targets) and ``breaches`` (else None); ``order_counts`` (orders per portfolio, in
    result order); ``dropped`` (order rows left out by na='drop'); :meth:`report`,
    :meth:`plot`, HTML in notebooks."""

    def __init__(
        self,
        kind: str,
        axes: Axes,
        before: np.ndarray,
        orders: np.ndarray,
        after: np.ndarray,
        counts: np.ndarray,
        dropped: int,
        t: Optional[np.ndarray] = None,
        tol: Optional[np.ndarray] = None,
        active: Optional[np.ndarray] = None,
        breaches: Optional[np.ndarray] = None,
    ) -> None:
        super().__init__(kind, axes)
        self._before, self._orders, self._after = before, orders, after
        self._t, self._tol = self._band(t), self._band(tol)
        self._active, self._breaches = active, breaches
        self.order_counts: Dict[Any, int] = dict(zip(axes.portfolios, counts.tolist()))
        self.dropped = dropped

    before = property(lambda self: self._frame("before", self._before))
    orders = property(lambda self: self._frame("orders", self._orders))
    after = property(lambda self: self._frame("after", self._after))
    targets = property(lambda self: self._frame("targets", self._t))
    tolerance = property(lambda self: self._frame("tolerance", self._tol))
    active = property(lambda self: self._frame("active", self._active))
    breaches = property(lambda self: self._frame("breaches", self._breaches))

    def report(self, percent: bool = True) -> str:
        """One block per portfolio: before, orders, after (and target, band, active)."""
        cols = {"before": self._before, "orders": self._orders, "after": self._after}
        return _display.report(
            self._axes, cols, self._t, self._tol, self._active, self._breaches, percent=percent,
            counts=self.order_counts,
            legend=[
                "before = holdings / portfolio total; orders = signed orders / gross order value;",
                "after = (holdings + orders) / (total + net orders), once the orders fill",
            ],
        )  # fmt: skip

    def __repr__(self) -> str:
        P, S = self._shape()
        n = sum(1 for c in self.order_counts.values() if c)
        extra = (
            ""
            if self._breaches is None
            else f", {int(np.count_nonzero(self._breaches))} breaches after the orders"
        )
        return f"TableEvaluation({P} portfolios x {S} sectors, {n} with orders{extra})"

    def _repr_html_(self) -> str:
        return _display.html_table(
            repr(self), self._axes, {"after": self._after, "before": self._before},
            self._t, self._tol, self._breaches,
        )  # fmt: skip

    def plot(self, portfolio: Any = None) -> Any:
        """Per sector, the pro-forma weight (bars) and the weight before (markers) against the
        target and its band, breaches marked (matplotlib). Returns the Figure."""
        return _display.plot(
            self._axes, self._after, self._before, self._t, self._tol, self._breaches, portfolio,
            "after",
        )  # fmt: skip
