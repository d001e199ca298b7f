"""What ``sector_weights.dask`` and ``sector_weights.spark`` run on each piece of a table (a
pandas partition, the Arrow batches of a Spark partition) and on the driver, whatever the engine.

A holdings table split into pieces any way (by rows, not by fund) is read in two passes:

1. :func:`summarize` reads a piece's label columns as the table API does (``_table``, ``_rows``)
   and returns a :class:`Summary`: the labels it uses with their row counts and first rows, and
   its missing entries. :class:`Plan` combines the summaries on the driver: the result's labels
   (portfolios sorted, sectors as ``sectors=`` lists them, else sorted), one global code per label,
   and every error the table API raises before summing (unknown sectors, missing data), naming
   the first such row of the whole table.
2. :func:`piece_sums` maps a piece's labels to the global codes and accumulates its rows into
   exact partial sums (:class:`sector_weights.Partial`: the correctly rounded exact sum, whatever
   the order or grouping of the rows); :func:`merge` combines two pieces' :class:`Sums`
   (associative and commutative, bit for bit), so any tree reduction gives the same bits.

The per-sector sums and per-portfolio totals are rounded once each, and the weights are their
quotients, as :class:`~sector_weights.holdings.Holdings` computes them from exact sums.
"""

from __future__ import annotations

import inspect
from typing import Any, Callable, Dict, List, NamedTuple, Optional, Sequence, Tuple, Type

import numpy as np

from . import Partial, SectorWeightsError
from .holdings import Holdings
from ._rows import check_na, missing_error, missing_rows, read_labels, unknown_sector_error
from ._table import Codes, Table

__all__ = [
    "Codebook", "EngineHoldings", "Plan", "Summary", "Sums", "check_na", "merge", "merge_all",
    "one_question_functions", "piece_sums", "summarize",
]  # fmt: skip

Names = Tuple[Any, Any, Any]  # the portfolio, sector and value columns
RowNamer = Callable[["Summary", int], str]  # a piece's row (its position in the piece) as named


# ---------------------------------------------------------------------------------------------
# Pass 1: labels


class LabelStats:
    """The labels a piece's column uses (kept rows only), each with its row count and first row
    (position in the piece)."""

    __slots__ = ("labels", "counts", "first")

    def __init__(self, codes: Codes, keep: np.ndarray, positions: np.ndarray) -> None:
        c = codes.codes[keep]
        n_labels = len(codes.labels)
        counts = np.bincount(c, minlength=n_labels)
        present = np.flatnonzero(counts)
        first = np.full(n_labels, np.iinfo(np.int64).max, dtype=np.int64)
        np.minimum.at(first, c, positions[keep])
        self.labels: List[Any] = [codes.labels[i] for i in present.tolist()]
        self.counts: np.ndarray = counts[present]
        self.first: np.ndarray = first[present]


class Summary:
    """One piece of the table after pass 1 (small: a few numbers per label it uses).

    ``missing``: per column (portfolio, sector, value), the number of rows without it and the
    first such row. ``index_start``: the piece's pandas index is a RangeIndex of step 1 starting
    there (None otherwise; then ``index`` holds the index labels of the rows named here)."""

    __slots__ = (
        "piece", "num_rows", "p", "s", "missing", "dropped", "index_start", "index",
    )  # fmt: skip

    def __init__(self, frame: Any, names: Names, na: str, piece: int, what: str) -> None:
        t = Table(frame, what)
        p, s, v = read_labels(t, names[0]), read_labels(t, names[1]), t.floats(names[2])
        n = t.num_rows
        positions = np.arange(n, dtype=np.int64)
        lack = [_missing(p), _missing(s), ~np.isfinite(v)]
        self.missing: List[Tuple[int, int]] = [
            (int(np.count_nonzero(m)), int(np.argmax(m)) if m.any() else -1) for m in lack
        ]
        if na == "drop":
            keep = ~missing_rows([p.codes, s.codes], [v])
        else:  # rows without a label are reported (Plan), the others counted
            keep = ~(lack[0] | lack[1])
        self.dropped = int(n - np.count_nonzero(keep)) if na == "drop" else 0
        self.piece, self.num_rows = piece, n
        self.p, self.s = LabelStats(p, keep, positions), LabelStats(s, keep, positions)
        self.index_start, self.index = _index_of(t, self)


def _missing(c: Codes) -> np.ndarray:
    return c.codes < 0 if c.codes.dtype.kind == "i" else np.zeros(c.codes.shape[0], dtype=bool)


def _index_of(t: Table, summary: Summary) -> Tuple[Optional[int], Dict[int, Any]]:
    """How the piece's rows are named: a RangeIndex start, or the index labels of the rows a
    message may name (first rows of labels and of missing entries)."""
    if t.kind != "pandas":
        return None, {}
    import pandas as pd

    index = t.frame.index
    if isinstance(index, pd.RangeIndex) and index.step == 1:
        return int(index.start), {}
    rows = set(summary.p.first.tolist()) | set(summary.s.first.tolist())
    rows |= {i for _, i in summary.missing if i >= 0}
    rows |= {0} if t.num_rows else set()  # where a piece's own failure is named
    return None, {i: index[i] for i in rows}


def summarize(frame: Any, names: Names, na: str, piece: int, what: str = "holdings") -> Summary:
    """Pass 1 on one piece (a pandas DataFrame or an Arrow table)."""
    return Summary(frame, names, na, piece, what)


class Codebook:
    """What pass 2 needs on every worker: the global code of every label, and the columns."""

    __slots__ = ("names", "na", "p_index", "s_index", "what")

    def __init__(
        self, names: Names, na: str, p_index: Dict[Any, int], s_index: Dict[Any, int], what: str
    ) -> None:
        self.names, self.na, self.p_index, self.s_index = names, na, p_index, s_index
        self.what = what

    def codes(self, c: Codes, column: int) -> np.ndarray:
        """A piece's codes as global codes (int32); -1 for a label the plan does not know."""
        index = self.p_index if column == 0 else self.s_index
        table = np.array([index.get(x, -1) for x in c.labels] + [-1], dtype=np.int32)
        return table[c.codes]  # a missing label's -1 takes the table's last entry, -1


class Plan:
    """The summaries of every piece combined on the driver: the result's labels and global codes,
    and the errors the table API raises before summing (in its order: unknown sectors, then
    missing portfolios, sectors and values), each naming the first such row of the whole table.

    ``name(summary, position)`` names a row of a piece as the engine's users know it."""

    def __init__(
        self,
        summaries: Sequence[Summary],
        names: Names,
        listed: Optional[List[Any]],
        na: str,
        name: RowNamer,
        what: str = "holdings",
    ) -> None:
        self.summaries = sorted(summaries, key=lambda x: x.piece)
        self.names, self._name = names, name
        self.num_rows = sum(x.num_rows for x in self.summaries) - sum(
            x.dropped for x in self.summaries
        )
        self.dropped = sum(x.dropped for x in self.summaries)
        p_labels, self._p_rows = self._union("p")
        s_labels, s_rows = self._union("s")
        if listed is not None:
            self._check_listed(s_labels, s_rows, listed)
        if na == "raise":
            self._check_missing(what)
        porder = Holdings._sorted(np.arange(len(p_labels)), p_labels, names[0]).tolist()
        self.portfolios = [p_labels[i] for i in porder]
        self._p_rows = [self._p_rows[i] for i in porder]
        if listed is None:
            sorder = Holdings._sorted(np.arange(len(s_labels)), s_labels, names[1]).tolist()
            self.sectors = [s_labels[i] for i in sorder]
        else:
            self.sectors = listed
        self.book = Codebook(
            names, na,
            {x: i for i, x in enumerate(self.portfolios)},
            {x: j for j, x in enumerate(self.sectors)},
            what,
        )  # fmt: skip

    def _union(self, column: str) -> Tuple[List[Any], List[List[int]]]:
        """Labels in order of first appearance, each with [rows, piece, first position]."""
        where: Dict[Any, int] = {}
        labels: List[Any] = []
        rows: List[List[int]] = []
        for k, x in enumerate(self.summaries):
            st: LabelStats = getattr(x, column)
            for label, n, first in zip(st.labels, st.counts.tolist(), st.first.tolist()):
                i = where.setdefault(label, len(labels))
                if i == len(labels):
                    labels.append(label)
                    rows.append([n, k, first])
                else:
                    rows[i][0] += n
        return labels, rows

    def position(self, piece: int) -> int:
        """Where a piece's summary is in ``summaries``."""
        return next(k for k, x in enumerate(self.summaries) if x.piece == piece)

    def row(self, k: int, position: int) -> str:
        return self._name(self.summaries[k], position)

    def rows_of(self, i: int) -> Tuple[int, str]:
        """Result portfolio i's row count and first row (for the zero-total error)."""
        n, k, first = self._p_rows[i]
        return n, self.row(k, first)

    def _check_listed(self, labels: List[Any], rows: List[List[int]], listed: List[Any]) -> None:
        known = set(listed)
        out = [i for i, x in enumerate(labels) if x not in known]
        if out:
            n, k, first = rows[out[0]]
            raise unknown_sector_error(
                labels[out[0]], self.names[1], n, self.row(k, first),
                [labels[i] for i in out[1:]],
            )  # fmt: skip

    def _check_missing(self, what: str) -> None:
        for column, kind in enumerate(("label", "label", "value")):
            hits = [(x.missing[column], k) for k, x in enumerate(self.summaries)]
            n = sum(m[0] for m, _ in hits)
            if n:
                (_, first), k = next((m, k) for m, k in hits if m[0])
                raise missing_error(n, self.names[column], kind, what, self.row(k, first))


# ---------------------------------------------------------------------------------------------
# Pass 2: exact partial sums


class Sums:
    """Exact partial sums of some pieces: per (portfolio, sector) of the value (or of value x
    metric), and per portfolio of the value; or, for a metric, its missing entries (count, piece,
    first position, its index label); or a piece's failure (piece, status, message). Merged pairwise in any order or grouping with the same bits."""

    __slots__ = ("sums", "totals", "lack", "failure")

    def __init__(
        self,
        sums: Any = None,
        totals: Any = None,
        lack: Optional[Tuple[int, int, int, Any]] = None,
        failure: Optional[Tuple[int, int, str]] = None,
    ) -> None:
        self.sums, self.totals, self.lack, self.failure = sums, totals, lack, failure

    def rounded(self, plan: Plan, metric: Any) -> Tuple[np.ndarray, Optional[np.ndarray]]:
        """The correctly rounded sums (P, S) and totals (P,), or the error of the first piece
        that had one (a missing metric entry names the first such row of the whole table)."""
        if self.lack is not None:
            n, piece, first, label = self.lack
            k = plan.position(piece)
            plan.summaries[k].index.setdefault(first, label)
            raise missing_error(n, metric, "value", plan.book.what, plan.row(k, first))
        if self.failure is not None:
            piece, status, message = self.failure
            k = plan.position(piece)
            raise SectorWeightsError(status, f"{message} (in the rows of {plan.row(k, 0)} on)")
        P, S = len(plan.portfolios), len(plan.sectors)
        if self.sums is None:  # no rows at all
            return np.zeros((P, S)), (None if metric is not None else np.zeros(P))
        sums = np.asarray(self.sums.result(), dtype=np.float64).reshape(P, S)
        if self.totals is None:
            return sums, None
        return sums, np.asarray(self.totals.result(), dtype=np.float64).reshape(P)


def _earliest(a: Optional[Tuple[int, int, str]], b: Optional[Tuple[int, int, str]]) -> Any:
    """Of two failures (piece, status, message), the one of the earlier piece."""
    if a is None or b is None:
        return a if b is None else b
    return a if a[0] <= b[0] else b


def merge(a: Sums, b: Sums) -> Sums:
    """Two pieces' sums as one (pure: neither argument changes)."""
    if a.lack is not None or b.lack is not None:
        la, lb = a.lack, b.lack
        if la is not None and lb is not None:
            first = la if la[1] <= lb[1] else lb
            return Sums(lack=(la[0] + lb[0],) + first[1:])
        return Sums(lack=la if lb is None else lb)
    if a.failure is not None or b.failure is not None:
        return Sums(failure=_earliest(a.failure, b.failure))
    if a.sums is None or b.sums is None:
        return a if b.sums is None else b
    totals = None if a.totals is None else a.totals.merge(b.totals)
    return Sums(a.sums.merge(b.sums), totals)


def merge_all(parts: Sequence[Sums]) -> Sums:
    """Sums of several pieces (a node of a tree reduction)."""
    out = parts[0]
    for x in parts[1:]:
        out = merge(out, x)
    return out


def piece_sums(frame: Any, book: Codebook, metric: Any, piece: int) -> Sums:
    """Pass 2 on one piece: its rows (those na='drop' keeps) as exact partial sums over the
    global codes; with ``metric``, of value x metric (a missing metric entry is reported, not
    summed: the table API refuses it whatever ``na`` is)."""
    t = Table(frame, book.what)
    names = book.names
    p, s, v = read_labels(t, names[0]), read_labels(t, names[1]), t.floats(names[2])
    m = None if metric is None else t.floats(metric)
    keep = None
    if book.na == "drop":
        bad = missing_rows([p.codes, s.codes], [v])
        if bad.any():
            keep = np.flatnonzero(~bad)
    if m is not None:
        lack = ~np.isfinite(m if keep is None else m[keep])
        if lack.any():
            first = _at(keep, int(np.flatnonzero(lack)[0]))
            return Sums(lack=(int(np.count_nonzero(lack)), piece, first, _index_label(t, first)))
    pg, sg = book.codes(p, 0), book.codes(s, 1)
    if keep is not None:
        pg, sg, v = pg[keep], sg[keep], v[keep]
        m = None if m is None else m[keep]
    if v.shape[0] == 0:
        return Sums()
    if (pg < 0).any() or (sg < 0).any():
        raise RuntimeError(
            f"a piece of the table has a label that its first reading did not see: the table "
            f"changed between the two passes (piece {piece})"
        )
    P, S = len(book.p_index), len(book.s_index)
    v = v.astype(np.float64, copy=False)
    try:
        if m is not None:
            return Sums(
                Partial.from_rows(v, sg, S, portfolios=pg, num_portfolios=P,
                                  values=m.astype(np.float64, copy=False))
            )  # fmt: skip
        sums = Partial.from_rows(v, sg, S, portfolios=pg, num_portfolios=P)
        totals = Partial.from_rows(v, np.zeros(v.shape[0], np.int8), 1, portfolios=pg,
                                   num_portfolios=P)  # fmt: skip
    except SectorWeightsError as e:
        return Sums(failure=(piece, int(e.status), e.message))
    return Sums(sums, totals)


def _index_label(t: Table, i: int) -> Any:
    """Row i's pandas index label (for naming it), or None."""
    return t.frame.index[i] if t.kind == "pandas" else None


def _at(keep: Optional[np.ndarray], i: int) -> int:
    return i if keep is None else int(keep[i])



# ---------------------------------------------------------------------------------------------
# The table API on an engine's frame


def _only_exact(exact: bool) -> None:
    if not exact:
        raise ValueError(
            "results computed on a cluster are always exact sums (exact=False would depend on "
            "how the rows are split); compute the frame on one machine for ordinary sums"
        )


class _Rounded:
    """The exact sums, totals and weights in result order (what ``Holdings._exact()`` gives)."""

    __slots__ = ("sums", "totals", "weights")

    def __init__(self, sums: np.ndarray, totals: np.ndarray, weights: np.ndarray) -> None:
        self.sums, self.totals, self.weights = sums, totals, weights


class EngineHoldings(Holdings):
    """A :class:`~sector_weights.holdings.Holdings` whose exact sums an engine computed (Dask,
    Spark). A subclass provides ``_reduce(metric)`` (pass 2 on the engine: the merged
    :class:`Sums`) and ``_local(orders)`` (an order table of the engine's kind as a local
    frame), and calls :meth:`_start` with the :class:`Plan` of pass 1. Every answer is exact
    (``exact=False`` is refused); ``compare``, reports, plots and notebook display are the table
    API's own; order lists merge their exact partials with the holdings' unrounded ones."""

    _plan: Plan
    _parts: Sums

    def _reduce(self, metric: Any) -> Sums:
        raise NotImplementedError

    def _local(self, orders: Any) -> Any:
        return orders

    def _start(self, plan: Plan, names: Names, na: str) -> None:
        """The table API's state from pass 1 (labels) and pass 2 (sums, run here)."""
        self._kind, self._names, self._na = "pandas", names, na
        self._plan, self.dropped, self._num_rows = plan, plan.dropped, plan.num_rows
        self._set_axes(plan.portfolios, plan.sectors)
        self._parts = self._reduce(None)
        sums, totals = self._parts.rounded(plan, None)
        self._set_sums(sums, totals, plan.rows_of)
        self._exact_sums = _Rounded(self._sum, self._totals, self._weights)

    def _exact(self) -> Any:
        return self._exact_sums

    def _partial(self, v: np.ndarray, s: Optional[np.ndarray], op: np.ndarray) -> Any:
        """The exact partial of rows ``v`` at result positions ``op`` (and sectors ``s``; None:
        per portfolio, one column)."""
        P, S = len(self._axes.portfolios), len(self._axes.sectors)
        if s is None:
            s, S = np.zeros(v.shape[0], np.int8), 1
        return Partial.from_rows(v.astype(np.float64, copy=False), s.astype(np.int32),
                                 S, portfolios=op.astype(np.int32), num_portfolios=P)  # fmt: skip

    def _held(self, which: str) -> Any:
        """The holdings' unrounded partial (``'sums'`` or ``'totals'``): zeros for no rows."""
        held = getattr(self._parts, which)
        if held is None:
            none = np.zeros(0, np.intp)
            held = self._partial(np.zeros(0), None if which == "totals" else none, none)
        return held

    def _proforma_totals(self, v: np.ndarray, op: np.ndarray) -> np.ndarray:
        out = self._held("totals").merge(self._partial(v, None, op)).result()
        return np.asarray(out, dtype=np.float64)[:, 0]

    def _exact_orders(self, o: Any) -> Tuple[np.ndarray, np.ndarray]:
        """``orders`` = exact signed order sums / exact gross; ``after`` = the exact sums of
        holdings and orders per sector / their exact total: the holdings' partials merged with
        the orders' (what one machine computes over both tables' rows)."""
        v = o.v.astype(np.float64, copy=False)
        placed = self._partial(v, o.os, o.op)
        after = self._held("sums").merge(placed).result()
        after = after / self._proforma_totals(v, o.op)[:, None]
        with np.errstate(divide="ignore", invalid="ignore"):  # funds without orders: not used
            mix = placed.result() / self._partial(np.abs(v), None, o.op).result()
        return mix[o.funds], after[o.funds]

    def weights(self, exact: bool = True) -> Any:
        """Each portfolio's share of its own total per sector (exact sums), as a pandas frame."""
        _only_exact(exact)
        return super().weights(exact=True)

    def exposures(self, column: Any, exact: bool = True) -> Any:
        """Per portfolio and sector, the exact sum of value x ``column`` over the portfolio's
        exact total (one more pass over the engine's partitions); see
        :meth:`sector_weights.Holdings.exposures`."""
        _only_exact(exact)
        sums, _ = self._reduce(column).rounded(self._plan, column)
        return self._frame(sums / self._totals[:, None])

    def compare(self, targets: Any, tolerance: Any = 0.0, exact: bool = True) -> Any:
        """:meth:`sector_weights.Holdings.compare` of the exact weights."""
        _only_exact(exact)
        return super().compare(targets, tolerance, exact=True)

    def evaluate(self, orders: Any, *args: Any, exact: bool = True, **kwargs: Any) -> Any:
        """:meth:`sector_weights.Holdings.evaluate` with exact sums; ``orders`` may also be a
        frame of the engine's kind (brought to this process: order lists are small)."""
        _only_exact(exact)
        return super().evaluate(self._local(orders), *args, exact=True, **kwargs)


# ---------------------------------------------------------------------------------------------
# One question each: the module-level functions of an engine module

Spec = Tuple[str, Any, str]  # a parameter: name, default (_REQUIRED: none), annotation
_REQUIRED = inspect.Parameter.empty
_ARG, _KW = inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY
_LABELS: List[Spec] = [
    ("portfolio", _REQUIRED, "Any"), ("sector", _REQUIRED, "Any"), ("value", _REQUIRED, "Any"),
    ("sectors", None, "Optional[Sequence[Any]]"), ("na", "raise", "str"),
]  # fmt: skip


class _Question(NamedTuple):
    """A module-level function: its parameters after the frame (``before`` the holdings'
    columns, which are keyword-only when ``keyword_labels``, and ``after`` them, keyword-only),
    and the question it asks the engine's Holdings ``h`` with the bound arguments ``a``."""

    name: str
    doc: str
    before: List[Spec]
    keyword_labels: bool
    after: List[Spec]
    ask: Callable[[EngineHoldings, Dict[str, Any]], Any]


_QUESTIONS = [
    _Question(
        "weights",
        """Each portfolio's share of its own total per sector, as a pandas DataFrame (index: the
    portfolio labels, sorted; columns: the sector labels): ``Holdings(...).weights()``.""",
        [], False, [],
        lambda h, a: h.weights(),
    ),
    _Question(
        "exposures",
        """Per portfolio and sector, the sum of (value / portfolio total) x ``metric``.""",
        [("metric", _REQUIRED, "Any")], False, [],
        lambda h, a: h.exposures(a["metric"]),
    ),
    _Question(
        "compare",
        """The weights against targets and a tolerance band (matched by label); a
    :class:`sector_weights.TableComparison`.""",
        [("targets", _REQUIRED, "Any"), ("tolerance", 0.0, "Any")], True, [],
        lambda h, a: h.compare(a["targets"], a["tolerance"]),
    ),
    _Question(
        "evaluate",
        """An order list (a pandas or {kind} DataFrame; columns named like the holdings' unless
    ``orders_portfolio=``, ``orders_sector=``, ``orders_value=`` say otherwise) against the
    holdings: a :class:`sector_weights.TableEvaluation` (``.before``, ``.orders``,
    ``.after``, and with targets ``.active``, ``.breaches``).""",
        [("orders", _REQUIRED, "Any"), ("targets", None, "Any"), ("tolerance", None, "Any")],
        True,
        [("orders_portfolio", None, "Any"), ("orders_sector", None, "Any"),
         ("orders_value", None, "Any"), ("orders_na", None, "Optional[str]")],
        lambda h, a: h.evaluate(
            a["orders"], a["targets"], a["tolerance"], portfolio=a["orders_portfolio"],
            sector=a["orders_sector"], value=a["orders_value"], na=a["orders_na"],
        ),
    ),
]  # fmt: skip


def one_question_functions(
    holdings: Type[EngineHoldings], frame: str, kind: str, options: List[Spec], module: str
) -> Tuple[Callable[..., Any], ...]:
    """An engine module's ``weights``, ``exposures``, ``compare`` and ``evaluate``: each builds
    ``holdings(frame, portfolio, sector, value, sectors, na, **options)`` and asks it one
    question. ``frame``: the name of the first parameter; ``kind``: the engine's frames (in the
    docstrings); ``options``: the engine's keyword-only parameters of ``holdings``. Each function
    has its full signature (``inspect.signature``, ``help``) and binds its arguments by it."""

    def params(kind: Any, specs: List[Spec]) -> List[inspect.Parameter]:
        return [inspect.Parameter(n, kind, default=d, annotation=a) for n, d, a in specs]

    made = []
    for q in _QUESTIONS:
        sig = inspect.Signature(
            [inspect.Parameter(frame, _ARG, annotation="Any")] + params(_ARG, q.before)
            + params(_KW if q.keyword_labels else _ARG, _LABELS) + params(_KW, q.after)
            + params(_KW, options),
            return_annotation="Any",
        )  # fmt: skip
        f = _one_question(holdings, frame, [o[0] for o in options], q, sig)
        f.__module__, f.__doc__ = module, q.doc.format(kind=kind)
        made.append(f)
    return tuple(made)


def _one_question(
    holdings: Type[EngineHoldings], frame: str, options: List[str], q: _Question,
    sig: inspect.Signature,
) -> Callable[..., Any]:
    def question(*args: Any, **kwargs: Any) -> Any:
        bound = sig.bind(*args, **kwargs)
        bound.apply_defaults()
        a = bound.arguments
        columns = [a[name] for name, _, _ in _LABELS]
        return q.ask(holdings(a[frame], *columns, **{o: a[o] for o in options}), a)

    question.__name__ = question.__qualname__ = q.name
    question.__signature__ = sig  # type: ignore[attr-defined]
    return question
