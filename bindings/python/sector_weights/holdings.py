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

Module layout: ``_table`` reads columns, ``_grouped`` sums rows by (portfolio, sector) code,
``_bands`` aligns targets and tolerances by label, ``_frames`` builds result frames, ``_display``
draws reports, HTML and plots; this module ties them together.
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np

# Only the package's public names (imported by __init__ before this module).
from . import SectorWeightsError, Status, _display, compare_to_targets, evaluate_orders
from ._bands import Axes, band
from ._frames import result_frame
from ._grouped import grouped_sums
from ._table import Codes, Table, compact

__all__ = ["Holdings", "TableComparison", "TableEvaluation"]

_NA = ("raise", "drop")


def _some(labels: Sequence[Any], limit: int = 5) -> str:
    shown = ", ".join(repr(x) for x in list(labels)[:limit])
    return shown + (f" and {len(labels) - limit} more" if len(labels) > limit else "")


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


class _Rows:
    """The rows kept from a table (all, or those left after na='drop'), named as in the table."""

    __slots__ = ("table", "kept")

    def __init__(self, table: Table, kept: Optional[np.ndarray]) -> None:
        self.table, self.kept = table, kept

    def name(self, i: int) -> str:
        """The table's name for kept row i."""
        return self.table.row(int(i) if self.kept is None else int(self.kept[i]))

    def missing(self, bad: np.ndarray, column: Any, what: str) -> SectorWeightsError:
        n = int(np.count_nonzero(bad))
        first = int(np.flatnonzero(bad)[0])
        return SectorWeightsError(
            Status.ERROR_NON_FINITE if what == "value" else Status.ERROR_INVALID_ARGUMENT,
            f"{_plural(n, 'row')} of the {self.table.what} {'has' if n == 1 else 'have'} no "
            f"{column!r} (missing{', NaN or ±Inf' if what == 'value' else ''}); first at "
            f"{self.name(first)}",
        )


def _read_labels(t: Table, name: Any) -> Codes:
    codes = t.codes(name)
    labels = codes.labels
    if len(set(labels)) != len(labels):  # e.g. an Arrow dictionary with repeated entries
        first: Dict[Any, int] = {}
        remap = np.array([first.setdefault(x, len(first)) for x in labels], dtype=np.int64)
        c = codes.codes
        c = np.where(c < 0, -1, remap[np.maximum(c, 0)])
        codes = Codes(c, list(first), codes.all_used)
    return codes


def _is_identity(order: np.ndarray, n: int) -> bool:
    return order.shape[0] == n and bool(np.all(order == np.arange(n)))


def _compacted(c: Codes) -> Codes:
    present, dense = compact(c.codes, len(c.labels))
    return Codes(dense, [c.labels[i] for i in present.tolist()], True)


def _bounded(p: Codes, s: Codes, rows: int) -> Tuple[Codes, Codes]:
    """Codes whose (portfolio x sector) table stays small: label lists far longer than the
    labels in use (e.g. a categorical's unused categories) are cut to the labels in use."""
    limit = max(1 << 22, 4 * rows)
    if len(p.labels) * len(s.labels) > limit and not s.all_used:
        s = _compacted(s)
    if len(p.labels) * len(s.labels) > limit and not p.all_used:
        p = _compacted(p)
    return p, s


def _missing_rows(codes: Sequence[np.ndarray], values: Sequence[np.ndarray]) -> np.ndarray:
    bad = np.zeros(len(codes[0]) if codes else len(values[0]), dtype=bool)
    for c in codes:
        if c.dtype.kind == "i":
            bad |= c < 0
    for v in values:
        bad |= ~np.isfinite(v)
    return bad


class Holdings:
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
        if na not in _NA:
            raise ValueError(f"na must be 'raise' or 'drop', got {na!r}")
        t = Table(frame, "holdings")
        self._kind = t.kind
        self._names = (portfolio, sector, value)
        self._na = na
        p, s, v = _read_labels(t, portfolio), _read_labels(t, sector), t.floats(value)
        kept: Optional[np.ndarray] = None
        if na == "drop":
            bad = _missing_rows([p.codes, s.codes], [v])
            if bad.any():
                kept = np.flatnonzero(~bad)
                p = Codes(p.codes[kept], p.labels, False)
                s = Codes(s.codes[kept], s.labels, False)
                v = v[kept]
        p, s = _bounded(p, s, v.shape[0])
        self.dropped: int = 0 if kept is None else t.num_rows - kept.size
        self._rows = _Rows(t, kept)
        self._p, self._s, self._v = p, s, v
        listed = None if sectors is None else self._listed(sectors)
        if listed is not None:
            self._check_listed(listed)
        raw = self._sums(None, value)
        self._order(raw, listed)
        self._sum = self._arrange(raw)
        self._totals = self._sum.sum(axis=1)
        self._check_totals()
        self._weights = self._sum / self._totals[:, None]

    # -----------------------------------------------------------------------------------------
    # Construction

    def _listed(self, sectors: Sequence[Any]) -> List[Any]:
        if isinstance(sectors, (str, bytes)):
            raise TypeError("sectors must be a list of sector labels, not one string")
        listed = list(sectors)
        if len(set(listed)) != len(listed):
            twice = [x for i, x in enumerate(listed) if x in listed[:i]]
            raise ValueError(f"sectors lists {_some(twice)} more than once")
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
        n = int(np.count_nonzero(hits))
        others = f"; also {_some([s.labels[k] for k in used[1:]])}" if len(used) > 1 else ""
        raise SectorWeightsError(
            Status.ERROR_SECTOR_OUT_OF_RANGE,
            f"sector {s.labels[c]!r} (column {self._names[1]!r}) is not in sectors=: "
            f"{_plural(n, 'row')}, first at {self._rows.name(int(np.argmax(hits)))}{others}",
        )

    def _grouped(self, weights: np.ndarray, metric: Optional[np.ndarray]) -> np.ndarray:
        p, s = self._p, self._s
        return grouped_sums(weights, s.codes, len(s.labels), p.codes, len(p.labels), values=metric)

    def _sums(self, metric: Optional[np.ndarray], metric_name: Any) -> np.ndarray:
        """Sums of value (x metric) per (portfolio code, sector code); missing data named."""
        p, s, v = self._p, self._s, self._v
        try:
            return self._grouped(v, metric)
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
        portfolios = [p.labels[c] for c in self._prow]
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

    def _check_totals(self) -> None:
        zero = np.flatnonzero(self._totals == 0)
        if zero.size:
            i = int(zero[0])
            hits = self._p.codes == self._prow[i]
            raise SectorWeightsError(
                Status.ERROR_ZERO_TOTAL,
                f"portfolio {self.portfolios[i]!r} (column {self._names[0]!r}) has a total "
                f"{self._names[2]!r} of 0 over its {_plural(int(np.count_nonzero(hits)), 'row')} "
                f"(first at {self._rows.name(int(np.argmax(hits)))}): its weights are undefined"
                + (f"; {zero.size - 1} more such portfolios" if zero.size > 1 else ""),
            )

    # -----------------------------------------------------------------------------------------
    # Questions

    @property
    def portfolios(self) -> List[Any]:
        """Portfolio labels in result order (sorted)."""
        return list(self._axes.portfolios)

    @property
    def sectors(self) -> List[Any]:
        """Sector labels in result order (``sectors=``, else sorted)."""
        return list(self._axes.sectors)

    @property
    def num_rows(self) -> int:
        """Rows read (after ``na='drop'``)."""
        return int(self._v.shape[0])

    def _frame(self, data: np.ndarray) -> Any:
        return result_frame(self._kind, data, self._axes)

    def weights(self) -> Any:
        """Each portfolio's share of its own total per sector (rows sum to 1), as a frame."""
        return self._frame(self._weights)

    def exposures(self, column: Any) -> Any:
        """Per portfolio and sector, the sum of (value / portfolio total) x ``column`` (e.g.
        contributions to duration); rows add up to the portfolio's exposure. A row without
        the metric is an error naming it, whatever ``na`` is (dropping it would understate the
        exposure silently)."""
        m = self._rows.table.floats(column)
        if self._rows.kept is not None:
            m = m[self._rows.kept]
        raw = self._sums(m, column)
        return self._frame(self._arrange(raw) / self._totals[:, None])

    def compare(self, targets: Any, tolerance: Any = 0.0) -> TableComparison:
        """The weights against targets with a tolerance band (both matched by label: a number,
        a dict, a Series or a frame; see ``docs/tables.md``). Returns a
        :class:`TableComparison` with ``.active`` (weight - target) and ``.breaches``
        (\\|active\\| > tolerance) frames."""
        t = band(targets, "targets", self._axes)
        tol = band(tolerance, "tolerance", self._axes, nonnegative=True)
        r = compare_to_targets(self._weights, t, tol)
        return TableComparison(self, r.active, r.breaches, t, tol)

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
    ) -> TableEvaluation:
        """An order list (a table with signed values: buys > 0, sells < 0, in the holdings'
        units) against the holdings: ``.before`` (the weights), ``.orders`` (each fund's
        signed order mix: sector sums / the fund's gross order value), ``.after`` (pro-forma
        weights once the orders fill) and, with ``targets``, ``.active`` and ``.breaches`` of
        ``.after``. A fund without orders is valid: its ``.orders`` row is NaN, its
        ``.after`` equals its ``.before``. The order table's columns are named like the
        holdings' unless ``portfolio=``, ``sector=``, ``value=`` say otherwise; ``na``
        defaults to the holdings'."""
        if tolerance is not None and targets is None:
            raise ValueError("tolerance was given without targets: a band needs a target")
        o = _Orders(self, orders, portfolio, sector, value, self._na if na is None else na)
        before = self._weights
        mix = np.full(before.shape, np.nan)
        after = before.copy()
        if o.funds.size:
            r = o.evaluate()
            mix[o.funds] = r.orders
            after[o.funds] = r.after
        if targets is None:
            return TableEvaluation(self, before, mix, after, o.counts, o.dropped)
        t = band(targets, "targets", self._axes)
        tol = band(
            0.0 if tolerance is None else tolerance, "tolerance", self._axes, nonnegative=True
        )
        c = compare_to_targets(after, t, tol)
        return TableEvaluation(
            self, before, mix, after, o.counts, o.dropped, t, tol, c.active, c.breaches
        )

    def __repr__(self) -> str:
        dropped = f", {_plural(self.dropped, 'row')} dropped" if self.dropped else ""
        return (
            f"Holdings({_plural(len(self._axes.portfolios), 'portfolio')} x "
            f"{_plural(len(self._axes.sectors), 'sector')}, {_plural(self.num_rows, 'row')}"
            f"{dropped})"
        )

    def _repr_html_(self) -> str:
        return _display.html_table(
            repr(self), self._axes, {"weight": self._weights}, None, None, None
        )


class _Orders:
    """One order table read against a Holdings: codes in the holdings' result order, the funds
    with orders, and the library call for them."""

    def __init__(
        self, h: Holdings, orders: Any, portfolio: Any, sector: Any, value: Any, na: str
    ) -> None:
        if na not in _NA:
            raise ValueError(f"na must be 'raise' or 'drop', got {na!r}")
        names = tuple(
            n if n is not None else d for n, d in zip((portfolio, sector, value), h._names)
        )
        t = Table(orders, "orders")
        p, s, v = _read_labels(t, names[0]), _read_labels(t, names[1]), t.floats(names[2])
        bad = _missing_rows([p.codes, s.codes], [v])
        kept = None
        if bad.any():
            if na == "raise":
                for codes, name in ((p.codes, names[0]), (s.codes, names[1])):
                    if codes.dtype.kind == "i" and np.any(codes < 0):
                        raise _Rows(t, None).missing(codes < 0, name, "label")
                raise _Rows(t, None).missing(~np.isfinite(v), names[2], "value")
            kept = np.flatnonzero(~bad)
            p, s, v = (
                Codes(p.codes[kept], p.labels, False),
                Codes(s.codes[kept], s.labels, False),
                v[kept],
            )
        self.dropped = 0 if kept is None else t.num_rows - kept.size
        rows = _Rows(t, kept)
        axes = h._axes
        self.op = self._map(p, axes.p_index, "portfolio", names[0], rows)
        self.os = self._map(s, axes.s_index, "sector", names[1], rows)
        self.v = v
        P = len(axes.portfolios)
        self.counts = np.bincount(self.op, minlength=P)
        self.funds = np.flatnonzero(self.counts)
        gross = np.bincount(self.op, weights=np.abs(v), minlength=P)
        net = np.bincount(self.op, weights=v, minlength=P)
        for i in self.funds:
            if gross[i] == 0:
                first = int(np.argmax(self.op == i))
                raise SectorWeightsError(
                    Status.ERROR_ZERO_TOTAL,
                    f"the orders of portfolio {axes.portfolios[i]!r} all have {names[2]!r} 0 "
                    f"(first at {rows.name(first)}): their mix is undefined",
                )
            if h._totals[i] + net[i] == 0:
                raise SectorWeightsError(
                    Status.ERROR_ZERO_TOTAL,
                    f"the orders of portfolio {axes.portfolios[i]!r} sell its whole value "
                    f"(pro-forma total 0): its weights after them are undefined",
                )
        self.h, self.rows = h, rows

    @staticmethod
    def _map(
        codes: Codes, index: Dict[Any, int], what: str, column: Any, rows: _Rows
    ) -> np.ndarray:
        """The orders' codes as holdings result positions; unknown labels named with rows."""
        table = np.array([index.get(x, -1) for x in codes.labels], dtype=np.intp)
        if table.size == 0:
            return np.zeros(0, dtype=np.intp)
        mapped = table[codes.codes]
        if np.any(mapped < 0):
            bad = mapped < 0
            first = int(np.argmax(bad))
            label = codes.labels[int(codes.codes[first])]
            unknown = sorted({codes.labels[int(c)] for c in np.unique(codes.codes[bad])}, key=repr)
            others = f"; unknown {what}s: {_some(unknown)}" if len(unknown) > 1 else ""
            extra = (
                " (pass sectors= to Holdings to allow a sector no holding has)"
                if what == "sector"
                else ""
            )
            n = int(np.count_nonzero(codes.codes == codes.codes[first]))
            raise SectorWeightsError(
                Status.ERROR_INVALID_ARGUMENT,
                f"{what} {label!r} (column {column!r}) of {_plural(n, 'order')} is not in the "
                f"holdings{extra}: first at {rows.name(first)}{others}",
            )
        return mapped

    def evaluate(self) -> Any:
        """sw.evaluate_orders for the funds with orders: each fund's holdings enter as its
        per-sector sums (one pseudo-holding per sector), its orders sorted by fund."""
        h, funds = self.h, self.funds
        S = len(h._axes.sectors)
        # Orders grouped by fund, keeping their order within a fund: a stable sort of small
        # integers (numpy sorts 8 and 16-bit keys by radix, in one pass).
        key = np.int16 if funds.size <= np.iinfo(np.int16).max else np.intp
        position = np.full(len(h._axes.portfolios), -1, dtype=key)
        position[funds] = np.arange(funds.size, dtype=key)
        order = np.argsort(position[self.op], kind="stable")
        order_offsets = np.zeros(funds.size + 1, dtype=np.int64)
        np.cumsum(self.counts[funds], out=order_offsets[1:])
        try:
            return evaluate_orders(
                np.ascontiguousarray(h._sum[funds]).reshape(-1),
                np.tile(np.arange(S, dtype=np.int32), funds.size),
                self.v[order].astype(np.float64, copy=False),
                self.os[order].astype(np.int32),
                S,
                portfolio_offsets=np.arange(funds.size + 1, dtype=np.int64) * S,
                order_offsets=order_offsets,
            )
        except SectorWeightsError as e:  # name the funds, not positions in the call's arrays
            labels = h._axes.portfolios

            def fund(m: re.Match[str]) -> str:
                return f"{m.group(0)} (portfolio {labels[int(funds[int(m.group(2))])]!r})"

            raise SectorWeightsError(
                e.status, re.sub(r"(order list|portfolio) (\d+)", fund, e.message)
            ) from None


class _Result:
    """What TableComparison and TableEvaluation share: frames built on first use."""

    _main = "actual"

    def __init__(self, h: Holdings) -> None:
        self._kind, self._axes = h._kind, h._axes
        self._cache: Dict[str, Any] = {}

    def _frame(self, key: str, data: Optional[np.ndarray]) -> Any:
        if data is None:
            return None
        if key not in self._cache:
            self._cache[key] = result_frame(self._kind, np.asarray(data), self._axes)
        return self._cache[key]

    @property
    def portfolios(self) -> List[Any]:
        return list(self._axes.portfolios)

    @property
    def sectors(self) -> List[Any]:
        return list(self._axes.sectors)

    def _shape(self) -> Tuple[int, int]:
        return len(self._axes.portfolios), len(self._axes.sectors)

    def _band(self, x: Optional[np.ndarray]) -> Optional[np.ndarray]:
        return None if x is None else np.broadcast_to(x, self._shape())


class TableComparison(_Result):
    """The result of :meth:`Holdings.compare`: frames (portfolios x sectors) ``actual`` (the
    weights), ``targets``, ``tolerance``, ``active`` (actual - targets) and ``breaches``
    (\\|active\\| > tolerance, bool); :meth:`report`, :meth:`plot`, HTML in notebooks."""

    def __init__(
        self, h: Holdings, active: np.ndarray, breaches: np.ndarray, t: np.ndarray, tol: np.ndarray
    ) -> None:
        super().__init__(h)
        self._actual, self._active, self._breaches = h._weights, active, breaches
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
        h: Holdings,
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
        super().__init__(h)
        self._before, self._orders, self._after = before, orders, after
        self._t, self._tol = self._band(t), self._band(tol)
        self._active, self._breaches = active, breaches
        self.order_counts: Dict[Any, int] = dict(zip(h._axes.portfolios, counts.tolist()))
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
