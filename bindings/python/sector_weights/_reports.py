"""The results of the portfolio-manager helpers, with the per-sector report and frame a
portfolio manager reads: :class:`TargetComparison` and :class:`OrderEvaluation`."""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np
from numpy.typing import NDArray

__all__ = ["TargetComparison", "OrderEvaluation", "band_view"]

Labels = Union[Sequence[Any], Mapping[int, Any], None]

_PANDAS_MISSING = (
    "to_frame() needs pandas, which is not installed: pip install pandas "
    "(or pip install 'sector-weights[frames]'); the results are also plain numpy arrays "
    "(.before, .orders, .after, .active, .breaches)"
)


def band_view(flat: np.ndarray, shape: Tuple[int, ...]) -> NDArray[np.float64]:
    """Targets or tolerances as accepted (1, S or P*S values) as a read-only view of ``shape``."""
    if flat.size == int(np.prod(shape)) and flat.size not in (1, shape[-1]):
        view = flat.reshape(shape)
        view.flags.writeable = False
        return view
    return np.broadcast_to(flat if flat.size != 1 else flat.reshape(()), shape)


def _sector_names(labels: Labels, S: int) -> List[str]:
    if labels is None:
        return [f"sector {k}" for k in range(S)]
    if isinstance(labels, Mapping):
        return [str(labels[k]) if k in labels else f"sector {k}" for k in range(S)]
    names = [str(getattr(x, "name", x)) for x in labels]
    if len(names) != S:
        raise ValueError(f"labels has {len(names)} names but there are {S} sectors")
    return names


def _portfolio_names(portfolios: Optional[Sequence[Any]], P: int) -> List[str]:
    if portfolios is None:
        return [f"portfolio {p}" for p in range(P)]
    names = [str(x) for x in portfolios]
    if len(names) != P:
        raise ValueError(f"portfolios has {len(names)} names but there are {P} portfolios")
    return names


def _number_format(percent: bool) -> Callable[[float, bool], str]:
    def number(x: float, signed: bool = False) -> str:
        if percent:
            return f"{100 * x:+.2f}%" if signed else f"{100 * x:.2f}%"
        return f"{x:+.4f}" if signed else f"{x:.4f}"

    return number


class _Columns:
    """The report's columns of one result, (P, S) each; a target is followed by its band."""

    def __init__(self, columns: Dict[str, np.ndarray], percent: bool) -> None:
        self.tolerance = columns.pop("tolerance", None)
        self.columns = columns
        self.number = _number_format(percent)

    def titles(self) -> List[str]:
        titles = []
        for name in self.columns:
            titles.append(name)
            if name == "target" and self.tolerance is not None:
                titles.append("band")
        return titles

    def cells(self, p: int, k: int) -> List[str]:
        cells = []
        for name, values in self.columns.items():
            cells.append(self.number(float(values[p, k]), name == "active"))
            if name == "target" and self.tolerance is not None:
                cells.append("±" + self.number(float(self.tolerance[p, k]), False))
        return cells


class SectorTable:
    """Shared by the result objects: the per-sector table behind ``report`` and ``to_frame``."""

    shape: Tuple[int, ...]  # (S,) for one portfolio given as 1-D arrays, else (P, S)
    active: Optional[NDArray[np.float64]]
    breaches: Optional[NDArray[np.bool_]]
    targets: Optional[NDArray[np.float64]]
    tolerance: Optional[NDArray[np.float64]]

    def _columns(self) -> Dict[str, np.ndarray]:  # name -> array of self.shape
        raise NotImplementedError

    def _header(self, p: int) -> str:
        return ""

    def _legend(self) -> List[str]:
        return []

    def _size(self) -> str:
        S = self.num_sectors
        if len(self.shape) == 1:
            return f"{S} sector{'s' if S != 1 else ''}"
        P = self.num_portfolios
        return f"{P} portfolio{'s' if P != 1 else ''} x {S} sector{'s' if S != 1 else ''}"

    @property
    def num_portfolios(self) -> int:
        return self.shape[0] if len(self.shape) == 2 else 1

    @property
    def num_sectors(self) -> int:
        return self.shape[-1]

    def _rows(self, a: np.ndarray) -> np.ndarray:
        return a.reshape(self.num_portfolios, self.num_sectors)

    def report(
        self,
        labels: Labels = None,
        *,
        portfolios: Optional[Sequence[Any]] = None,
        percent: bool = True,
    ) -> str:
        """The per-sector lines a portfolio manager reads, one block per portfolio.

        ``labels``: sector names (a sequence of S, or a mapping code -> name); default
        ``sector 0``, ``sector 1``, ... ``portfolios``: names of the P portfolios. ``percent``:
        print allocations as percentages (default) or as plain fractions. Breaches are marked
        ``BREACH over`` / ``BREACH under`` (the allocation is above / below the band).
        """
        names = _sector_names(labels, self.num_sectors)
        pnames = _portfolio_names(portfolios, self.num_portfolios)
        columns = _Columns({k: self._rows(v) for k, v in self._columns().items()}, percent)
        width = max([len("sector")] + [len(n) for n in names])
        titles = "  " + "sector".ljust(width) + "".join(f"{t:>10}" for t in columns.titles())
        lines: List[str] = self._legend()
        for p in range(self.num_portfolios):
            if lines:
                lines.append("")
            lines += [pnames[p] + self._header(p), titles]
            for k in range(self.num_sectors):
                cells = "".join(f"{x:>10}" for x in columns.cells(p, k))
                lines.append(("  " + names[k].ljust(width) + cells + self._mark(p, k)).rstrip())
            lines += self._breach_count(p)
        return "\n".join(lines + self._breach_total())

    def _mark(self, p: int, k: int) -> str:
        """``  BREACH over`` / ``  BREACH under`` for a cell outside its band, else ""."""
        if self.breaches is None or self.active is None or not self._rows(self.breaches)[p, k]:
            return ""
        return "  BREACH " + ("over" if self._rows(self.active)[p, k] > 0 else "under")

    def _breach_count(self, p: int) -> List[str]:
        if self.breaches is None:
            return []
        n = int(np.count_nonzero(self._rows(self.breaches)[p]))
        return [f"  {n} of {self.num_sectors} sectors outside their band"]

    def _breach_total(self) -> List[str]:
        P, S = self.num_portfolios, self.num_sectors
        if self.breaches is None or P == 1:
            return []
        breaches = self._rows(self.breaches)
        total = int(np.count_nonzero(breaches))
        hit = int(np.count_nonzero(breaches.any(axis=1)))
        return ["", f"{total} breaches in {hit} of {P} portfolios ({P} x {S} sector allocations)"]

    def to_frame(self, labels: Labels = None) -> Any:
        """The results as a pandas DataFrame, one row per (portfolio, sector): index ``sector``
        for a single portfolio, else a MultiIndex ``(portfolio, sector)``; ``labels`` names the
        sectors (default: their codes). Needs pandas (ImportError otherwise)."""
        try:
            import pandas as pd
        except ImportError as e:
            raise ImportError(_PANDAS_MISSING) from e
        P, S = self.num_portfolios, self.num_sectors
        names: List[Any] = list(range(S)) if labels is None else _sector_names(labels, S)
        data = {k: np.ascontiguousarray(v).reshape(-1) for k, v in self._columns().items()}
        if self.breaches is not None:
            data["breach"] = self.breaches.reshape(-1)
        if len(self.shape) == 1:
            index = pd.Index(names, name="sector")
        else:
            index = pd.MultiIndex.from_product([range(P), names], names=["portfolio", "sector"])
        return pd.DataFrame(data, index=index)


class TargetComparison(SectorTable):
    """The result of :func:`compare_to_targets`.

    Attributes (all of the shape of ``actual``, ``(S,)`` or ``(P, S)``):
    ``actual``; ``targets`` and ``tolerance`` (read-only broadcast views of what was given);
    ``active`` = actual − targets (float64); ``breaches`` = \\|active\\| > tolerance (bool).
    """

    __slots__ = ("actual", "active", "breaches", "shape", "_t", "_tol", "_views")

    def __init__(
        self,
        actual: np.ndarray,
        targets: np.ndarray,
        tolerance: np.ndarray,
        active: np.ndarray,
        breaches: np.ndarray,
    ) -> None:
        self.shape = actual.shape
        self.actual = actual
        self.active = active
        self.breaches = breaches
        self._t, self._tol = targets, tolerance
        self._views: Optional[Tuple[np.ndarray, np.ndarray]] = None

    def _band_views(self) -> Tuple[np.ndarray, np.ndarray]:
        # Built on first use: a broadcast view costs several microseconds per call.
        if self._views is None:
            self._views = (band_view(self._t, self.shape), band_view(self._tol, self.shape))
        return self._views

    @property
    def targets(self) -> NDArray[np.float64]:  # type: ignore[override]
        return self._band_views()[0]

    @property
    def tolerance(self) -> NDArray[np.float64]:  # type: ignore[override]
        return self._band_views()[1]

    def _columns(self) -> Dict[str, np.ndarray]:
        assert self.active is not None
        t, tol = self._band_views()
        return {"actual": self.actual, "target": t, "tolerance": tol, "active": self.active}

    def __repr__(self) -> str:
        assert self.breaches is not None
        return (
            f"TargetComparison({self._size()}, "
            f"{int(np.count_nonzero(self.breaches))} breaches)"
        )


class OrderEvaluation(SectorTable):
    """The result of :func:`evaluate_orders`; every array has shape ``(S,)`` (one portfolio) or
    ``(P, S)``.

    - ``before``: the portfolio's allocation (sector sums / its total);
    - ``orders``: the order list's gross mix (signed sector sums / the sum of \\|order values\\|);
    - ``after``: the pro-forma allocation once the orders fill;
    - with targets: ``targets``, ``tolerance`` (read-only broadcast views), ``active`` =
      after − targets and ``breaches`` = \\|active\\| > tolerance (bool); otherwise all four
      are None.
    - ``holdings``, ``order_counts``: the number of holdings and of orders of each portfolio
      (int64, shape ``(P,)``).
    """

    __slots__ = (
        "before", "orders", "after", "active", "breaches", "shape",
        "_t", "_tol", "_views", "_po", "_oo",
    )  # fmt: skip

    def __init__(
        self,
        before: np.ndarray,
        orders: np.ndarray,
        after: np.ndarray,
        portfolio_offsets: np.ndarray,
        order_offsets: np.ndarray,
        targets: Optional[np.ndarray] = None,
        tolerance: Optional[np.ndarray] = None,
        active: Optional[np.ndarray] = None,
        breaches: Optional[np.ndarray] = None,
    ) -> None:
        self.shape = before.shape
        self.before, self.orders, self.after = before, orders, after
        self._po, self._oo = portfolio_offsets, order_offsets
        self._t, self._tol = targets, tolerance
        self._views: Optional[Tuple[np.ndarray, np.ndarray]] = None
        self.active, self.breaches = active, breaches

    def _band_views(self) -> Optional[Tuple[np.ndarray, np.ndarray]]:
        if self._views is None and self._t is not None and self._tol is not None:
            self._views = (band_view(self._t, self.shape), band_view(self._tol, self.shape))
        return self._views

    @property
    def targets(self) -> Optional[NDArray[np.float64]]:  # type: ignore[override]
        views = self._band_views()
        return None if views is None else views[0]

    @property
    def tolerance(self) -> Optional[NDArray[np.float64]]:  # type: ignore[override]
        views = self._band_views()
        return None if views is None else views[1]

    @property
    def holdings(self) -> NDArray[np.int64]:
        return np.diff(self._po)

    @property
    def order_counts(self) -> NDArray[np.int64]:
        return np.diff(self._oo)

    def _columns(self) -> Dict[str, np.ndarray]:
        cols = {"before": self.before, "orders": self.orders, "after": self.after}
        views = self._band_views()
        if views is not None and self.active is not None:
            cols.update(target=views[0], tolerance=views[1], active=self.active)
        return cols

    def _header(self, p: int) -> str:
        h, o = int(self._po[p + 1] - self._po[p]), int(self._oo[p + 1] - self._oo[p])
        return f": {h} holding{'s' if h != 1 else ''}, {o} order{'s' if o != 1 else ''}"

    def _legend(self) -> List[str]:
        return [
            "before = holdings / portfolio total; orders = signed orders / gross order value;",
            "after = (holdings + orders) / (total + net orders), once the orders fill",
        ]

    def __repr__(self) -> str:
        extra = ""
        if self.breaches is not None:
            extra = f", {int(np.count_nonzero(self.breaches))} breaches after the orders"
        return f"OrderEvaluation({self._size()}{extra})"
