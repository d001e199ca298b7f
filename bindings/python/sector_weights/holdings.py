"""The table API: a holdings table in, labelled answers out.

>>> h = Holdings(df, portfolio="fund", sector="sector", value="market_value")
>>> h.weights()                          # portfolios x sectors, each row sums to 1
>>> h.compare({"Energy": 0.05, ...}, 0.01).breaches
>>> h.evaluate(orders, targets=t, tolerance=0.01).after

Built once, a :class:`Holdings` keeps the table read as codes (its label columns factorised or
taken from their categorical codes, its values as floats) and the per-portfolio, per-sector sums
and totals: every later question (weights, exposures to a metric, targets, many order lists)
reuses them. Results are frames of the input's kind (see ``_frames``); every error names rows of
the user's table (position and, for pandas, index label) or the labels at fault.

Module layout: ``_table`` reads columns; ``_rows`` names rows and missing entries; the library's
grouped layout (``sector_weights(..., portfolios=)``) sums rows by (portfolio, sector) code, in
place and in one pass; ``_bands`` aligns targets and tolerances by label;
``_orders`` reads an order table against the holdings; ``_results`` holds what ``compare`` and
``evaluate`` return; ``_frames`` builds result frames; ``_display`` draws reports, HTML and plots.
This module ties them together.
"""

from __future__ import annotations

from typing import Any, List, Optional, Sequence, Tuple

import numpy as np

# Of the package, only its public names (imported by __init__ before this module).
from . import SectorWeightsError, _display, compare_to_targets
from ._bands import Axes, band
from ._frames import result_frame
from . import _exact
from ._core import sector_exposures, sector_weights
from ._exact import ExactSums
from ._orders import OrderTable
from ._results import Labelled, TableComparison, TableEvaluation
from ._rows import (
    Rows, bounded, check_na, missing_rows, plural, read_labels, some, unknown_sector_error,
    zero_total_error,
)  # fmt: skip
from ._table import Codes, Table

__all__ = ["Holdings", "TableComparison", "TableEvaluation"]


def _is_identity(order: np.ndarray, n: int) -> bool:
    return order.shape[0] == n and bool(np.all(order == np.arange(n)))


class Holdings(Labelled):
    """A holdings table (one row per position) read once, answering many questions.

    Parameters
    ----------
    frame
        A pandas DataFrame (numpy, nullable, Arrow-backed or categorical columns), a polars
        DataFrame (String, Categorical, Enum or integer label columns), a pyarrow Table, or any
        object with ``__arrow_c_stream__`` (e.g. a duckdb relation). Rows in any order.
    portfolio, sector, value
        Column names: the portfolio (fund) label, the sector label and the market value.
    sectors
        Optional: the full list of sector labels, in result order. A sector in the data that is
        not listed is an error; a listed sector no row uses gets a zero column. Default: the
        sectors of the data, sorted.
    na
        ``"raise"`` (default): a row without a portfolio, a sector or a value (null, NaN or
        ±Inf) is an error naming the column, the number of such rows and the first one.
        ``"drop"``: those rows are left out; :attr:`dropped` counts them.

    Attributes
    ----------
    portfolios, sectors
        The labels, in result order (portfolios sorted by label).
    dropped
        The number of rows left out by ``na="drop"``.
    """

    def __init__(
        self,
        frame: Any,
        portfolio: Any,
        sector: Any,
        value: Any,
        sectors: Optional[Sequence[Any]] = None,
        na: str = "raise",
    ) -> None:
        check_na(na)
        t = Table(frame, "holdings")
        self._kind = t.kind
        self._names = (portfolio, sector, value)
        self._na = na
        p, s, v = read_labels(t, portfolio), read_labels(t, sector), t.floats(value)
        kept: Optional[np.ndarray] = None
        if na == "drop":
            bad = missing_rows([p.codes, s.codes], [v])
            if bad.any():
                kept = np.flatnonzero(~bad)
                p = Codes(p.codes[kept], p.labels, False)
                s = Codes(s.codes[kept], s.labels, False)
                v = v[kept]
        p, s = bounded(p, s, v.shape[0])
        self.dropped: int = 0 if kept is None else t.num_rows - kept.size
        self._rows = Rows(t, kept)
        self._p, self._s, self._v = p, s, v
        listed = None if sectors is None else self._listed(sectors)
        if listed is not None:
            self._check_listed(listed)
        raw = self._sums(None, value)
        self._order(raw, listed)
        self._num_rows = int(v.shape[0])
        self._exact_sums: Optional[ExactSums] = None
        sums = self._arrange(raw)
        self._set_sums(sums, sums.sum(axis=1), self._portfolio_rows)

    def _set_sums(self, sums: np.ndarray, totals: np.ndarray, rows_of: Any) -> None:
        """The per-portfolio, per-sector sums and totals, in result order, every later answer
        starts from; a zero total is an error naming the portfolio's rows (``rows_of(i)``:
        result portfolio i's row count and the name of its first row). Also the way in for
        sums computed elsewhere (``sector_weights.dask``, ``sector_weights.spark``)."""
        self._sum, self._totals = sums, totals
        self._check_totals(totals, rows_of)
        self._weights = self._sum / self._totals[:, None]

    # -----------------------------------------------------------------------------------------
    # Construction

    @staticmethod
    def _listed(sectors: Sequence[Any]) -> List[Any]:
        if isinstance(sectors, (str, bytes)):
            raise TypeError("sectors must be a list of sector labels, not one string")
        listed = list(sectors)
        if len(set(listed)) != len(listed):
            twice = [x for i, x in enumerate(listed) if x in listed[:i]]
            raise ValueError(f"sectors lists {some(twice)} more than once")
        return listed

    def _check_listed(self, listed: List[Any]) -> None:
        """Every sector the rows use must be listed: an unknown one is named with its rows."""
        known = set(listed)
        s = self._s
        out = [c for c, x in enumerate(s.labels) if x not in known]
        if not out:
            return
        codes = s.codes
        if len(out) <= 4:
            used = [c for c in out if (codes == c).any()]
        else:  # e.g. polars' process-wide categories: count once
            counts = np.bincount(
                codes[codes >= 0] if codes.dtype.kind == "i" else codes, minlength=len(s.labels)
            )
            used = [c for c in out if counts[c]]
        if not used:
            return
        c = used[0]
        hits = codes == c
        raise unknown_sector_error(
            s.labels[c], self._names[1], int(np.count_nonzero(hits)),
            self._rows.name(int(np.argmax(hits))), [s.labels[k] for k in used[1:]],
        )  # fmt: skip

    def _grouped(
        self, weights: np.ndarray, metric: Optional[np.ndarray], exact: bool = False
    ) -> np.ndarray:
        """The library's grouped sums: one call over the rows, in their order, read in place."""
        p, s = self._p, self._s
        where = dict(portfolios=p.codes, num_portfolios=len(p.labels), exact=exact)
        if metric is None:
            return sector_weights(weights, s.codes, len(s.labels), **where)
        return sector_exposures(weights, metric, s.codes, len(s.labels), **where)

    def _sums(
        self, metric: Optional[np.ndarray], metric_name: Any, exact: bool = False
    ) -> np.ndarray:
        """Sums of value (x metric) per (portfolio code, sector code); missing data named."""
        p, s, v = self._p, self._s, self._v
        try:
            return self._grouped(v, metric, exact)
        except SectorWeightsError as e:
            for codes, name in ((p.codes, self._names[0]), (s.codes, self._names[1])):
                if codes.dtype.kind == "i" and codes.size and codes.min() < 0:
                    raise self._rows.missing(codes < 0, name, "label") from None
            for x, name in ((v, self._names[2]), (metric, metric_name)):
                if x is not None and not np.isfinite(x).all():
                    raise self._rows.missing(~np.isfinite(x), name, "value") from None
            raise e

    def _order(self, raw: np.ndarray, listed: Optional[List[Any]]) -> None:
        """Result order: portfolios present, sorted; sectors as listed, else present, sorted.
        ``_prow``/``_scol`` hold the code of each result row/column (-1: a zero column).

        A label with a non-zero sum is present. Only when some label's sums are all zero and
        its column may list labels no row carries (categories, dictionaries, integer ranges, or
        rows dropped) are the rows counted, in one more grouped pass over a vector of ones."""
        p, s = self._p, self._s
        rows, cols = raw.any(axis=1), raw.any(axis=0)
        if not (p.all_used or rows.all()) or (listed is None and not (s.all_used or cols.all())):
            counts = self._grouped(np.ones(self._v.shape[0]), None)
            rows, cols = counts.any(axis=1), counts.any(axis=0)
        else:
            rows, cols = np.ones(len(p.labels), bool), np.ones(len(s.labels), bool)
        self._prow = self._sorted(np.flatnonzero(rows), p.labels, self._names[0])
        if listed is None:
            self._scol = self._sorted(np.flatnonzero(cols), s.labels, self._names[1])
            sectors = [s.labels[c] for c in self._scol]
        else:
            where = {x: c for c, x in enumerate(s.labels)}
            self._scol = np.array([where.get(x, -1) for x in listed], dtype=np.intp)
            sectors = listed
        self._set_axes([p.labels[c] for c in self._prow], sectors)

    def _set_axes(self, portfolios: List[Any], sectors: List[Any]) -> None:
        """The result labels, in result order."""
        self._axes = Axes(
            portfolios, sectors,
            {x: i for i, x in enumerate(portfolios)}, {x: j for j, x in enumerate(sectors)},
            self._names[0], self._names[1],
        )  # fmt: skip

    @staticmethod
    def _sorted(present: np.ndarray, labels: List[Any], column: Any) -> np.ndarray:
        try:
            order = sorted(present.tolist(), key=labels.__getitem__)
        except TypeError as e:
            raise TypeError(f"column {column!r}: its labels cannot be sorted ({e})") from None
        return np.array(order, dtype=np.intp)

    def _arrange(self, raw: np.ndarray) -> np.ndarray:
        """Sums per code -> sums in result order (listed sectors no code has: zeros)."""
        prow, scol = self._prow, self._scol
        rows = raw if _is_identity(prow, raw.shape[0]) else np.take(raw, prow, axis=0)
        if _is_identity(scol, rows.shape[1]):
            return rows
        if scol.size and scol.min() < 0:
            rows = np.concatenate([rows, np.zeros((rows.shape[0], 1))], axis=1)
        return np.take(rows, scol, axis=1)  # (numpy's rows[:, scol] is 5x slower)

    def _portfolio_rows(self, i: int) -> Tuple[int, str]:
        """Result portfolio i's row count and the name of its first row."""
        hits = self._p.codes == self._prow[i]
        return int(np.count_nonzero(hits)), self._rows.name(int(np.argmax(hits)))

    def _check_totals(self, totals: np.ndarray, rows_of: Any = None) -> None:
        """A zero total is an error naming the portfolio and its rows (``rows_of``, default
        :meth:`_portfolio_rows`)."""
        zero = np.flatnonzero(totals == 0)
        if zero.size:
            i = int(zero[0])
            n, first = (rows_of or self._portfolio_rows)(i)
            raise zero_total_error(self.portfolios[i], self._names, n, first, zero.size - 1)

    # -----------------------------------------------------------------------------------------
    # Questions

    @property
    def num_rows(self) -> int:
        """Rows read (after ``na='drop'``)."""
        return self._num_rows

    def _frame(self, data: np.ndarray) -> Any:
        return result_frame(self._kind, data, self._axes)

    def _exact(self) -> ExactSums:
        """The exact sums and totals, computed on first use (see ``_exact``)."""
        if self._exact_sums is None:
            self._exact_sums = ExactSums(self)
        return self._exact_sums

    def _proforma_totals(self, v: np.ndarray, op: np.ndarray) -> np.ndarray:
        """Each fund's exact total of its holdings and the orders ``v`` (fund positions ``op``)."""
        return _exact.proforma_totals(self, v, op)

    def _exact_orders(self, o: OrderTable) -> Tuple[np.ndarray, np.ndarray]:
        """The exact ``orders`` and ``after`` rows of the funds with orders (see ``_exact``)."""
        return _exact.evaluate(self, o)

    def _weights_of(self, exact: bool) -> np.ndarray:
        return self._exact().weights if exact else self._weights

    def weights(self, exact: bool = False) -> Any:
        """Each portfolio's share of its own total per sector (rows sum to 1), as a frame.
        ``exact=True``: the exact sum of each cell divided by the portfolio's exact total, each
        rounded once (``math.fsum(cell) / math.fsum(portfolio)``): the same bits for any order
        of the rows, any thread count and any split of the table."""
        return self._frame(self._weights_of(exact))

    def exposures(self, column: Any, exact: bool = False) -> Any:
        """Per portfolio and sector, the sum of (value / portfolio total) x ``column`` (e.g.
        contributions to duration); rows add up to the portfolio's exposure. A row without
        the metric is an error naming it, whatever ``na`` is (dropping it would understate the
        exposure silently). ``exact=True``: the exact sums of ``value x column`` (each product
        rounded once) divided by the exact totals."""
        m = self._rows.table.floats(column)
        if self._rows.kept is not None:
            m = m[self._rows.kept]
        raw = self._arrange(self._sums(m, column, exact))
        return self._frame(raw / (self._exact().totals if exact else self._totals)[:, None])

    def compare(self, targets: Any, tolerance: Any = 0.0, exact: bool = False) -> TableComparison:
        """The weights against targets with a tolerance band (both matched by label: a number,
        a dict, a Series or a frame; see ``docs/tables.md``). Returns a
        :class:`TableComparison` with ``.active`` (weight - target) and ``.breaches``
        (\\|active\\| > tolerance) frames. ``exact=True``: of the exact weights (see
        :meth:`weights`), so a breach at the edge of a band does not flip with the rows' order."""
        w = self._weights_of(exact)
        t = band(targets, "targets", self._axes)
        tol = band(tolerance, "tolerance", self._axes, nonnegative=True)
        r = compare_to_targets(w, t, tol)
        return TableComparison(self._kind, self._axes, w, r.active, r.breaches, t, tol)

    def evaluate(
        self,
        orders: Any,
        targets: Any = None,
        tolerance: Any = None,
        *,
        portfolio: Any = None,
        sector: Any = None,
        value: Any = None,
        na: Optional[str] = None,
        exact: bool = False,
    ) -> TableEvaluation:
        """An order list (a table with signed values: buys > 0, sells < 0, in the holdings'
        units) against the holdings: ``.before`` (the weights), ``.orders`` (each fund's
        signed order mix: sector sums / the fund's gross order value), ``.after`` (pro-forma
        weights once the orders fill) and, with ``targets``, ``.active`` and ``.breaches`` of
        ``.after``. A fund without orders is valid: its ``.orders`` row is NaN, its
        ``.after`` equals its ``.before``. The order table's columns are named like the
        holdings' unless ``portfolio=``, ``sector=``, ``value=`` say otherwise; ``na``
        defaults to the holdings'. ``exact=True``: every sum exact (``after`` = the exact
        sums of holdings and orders per sector / their exact total; ``orders`` = exact signed
        sums / the exact gross), so no answer depends on the order of either table's rows."""
        if tolerance is not None and targets is None:
            raise ValueError("tolerance was given without targets: a band needs a target")
        o = OrderTable(
            self, orders, portfolio, sector, value, self._na if na is None else na, exact
        )
        before = self._weights_of(exact)
        mix = np.full(before.shape, np.nan)
        after = before.copy()
        if o.funds.size and exact:
            mix[o.funds], after[o.funds] = self._exact_orders(o)
        elif o.funds.size:
            r = o.evaluate()
            mix[o.funds] = r.orders
            after[o.funds] = r.after
        if targets is None:
            return TableEvaluation(self._kind, self._axes, before, mix, after, o.counts, o.dropped)
        t = band(targets, "targets", self._axes)
        tol = band(
            0.0 if tolerance is None else tolerance, "tolerance", self._axes, nonnegative=True
        )
        c = compare_to_targets(after, t, tol)
        return TableEvaluation(
            self._kind, self._axes, before, mix, after, o.counts, o.dropped,
            t, tol, c.active, c.breaches,
        )  # fmt: skip

    def __repr__(self) -> str:
        dropped = f", {plural(self.dropped, 'row')} dropped" if self.dropped else ""
        return (
            f"Holdings({plural(len(self._axes.portfolios), 'portfolio')} x "
            f"{plural(len(self._axes.sectors), 'sector')}, {plural(self.num_rows, 'row')}"
            f"{dropped})"
        )

    def _repr_html_(self) -> str:
        return _display.html_table(
            repr(self), self._axes, {"weight": self._weights}, None, None, None
        )
