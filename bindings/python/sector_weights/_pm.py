"""Portfolio-manager helpers: targets and tolerance bands, order-list evaluation, reports.

Both functions are thin: Python converts and shape-checks the arguments (with the building blocks
of ``_core``) and allocates the results; the library (``sw_compare_to_targets``,
``sw_evaluate_orders``) does every value check and all the arithmetic, through the same one-pass
kernel as :func:`sector_weights`. On any error the library writes nothing and the call raises
:class:`SectorWeightsError` with the library's message.

Broadcasting of ``targets`` and ``tolerance`` against a ``(P, S)`` (or ``(S,)``) allocation:

- a scalar (or shape ``(1,)``): the same for every cell;
- shape ``(S,)`` (or ``(1, S)``): one per sector, the same for every portfolio;
- shape ``(P, S)``: one per cell.

A 1-D array of ``P * S`` values is refused (``ValueError``): it would be read as per-cell, which
numpy's broadcasting would not do; pass it as ``(P, S)``. Other wrong lengths are reported by the
library (``SW_ERROR_LENGTH_MISMATCH``).
"""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np
from numpy.typing import ArrayLike, NDArray

from . import _core
from ._core import _addr, _float_array, _Job, _raise

__all__ = ["compare_to_targets", "evaluate_orders", "TargetComparison", "OrderEvaluation"]

# Bound once; tests replace these to observe the exact arguments passed.
_sw_compare_to_targets = _core._lib.sw_compare_to_targets
_sw_evaluate_orders = _core._lib.sw_evaluate_orders

_F64 = np.dtype(np.float64)
_I32 = np.dtype(np.int32)
_I64 = np.dtype(np.int64)
_BOOL = np.dtype(np.bool_)
_EMPTY_F64 = np.zeros(0)
_EMPTY_BOOL = np.zeros(0, dtype=_BOOL)

Labels = Union[Sequence[Any], Mapping[int, Any], None]

_PANDAS_MISSING = (
    "to_frame() needs pandas, which is not installed: pip install pandas "
    "(or pip install 'sector-weights[frames]'); the results are also plain numpy arrays "
    "(.before, .orders, .after, .active, .breaches)"
)


def _band(x: ArrayLike, name: str, shape: Tuple[int, ...]) -> np.ndarray:
    """``targets``/``tolerance`` as the flat float64 array the library broadcasts: 1, S or P*S
    values. Shapes numpy would not broadcast to ``shape`` are refused here; wrong 1-D lengths are
    left to the library, which names them."""
    a = _float_array(x, name)
    S = shape[-1]
    P = shape[0] if len(shape) == 2 else 1
    if a.ndim == 0:
        return a.reshape(1)
    if a.ndim == 1:
        n = a.shape[0]
        if n not in (1, S) and P > 1 and n == P * S:
            raise ValueError(
                f"{name} has shape {a.shape}: per-portfolio {name} must have shape ({P}, {S}) "
                f"(a flat array of {P * S} values is ambiguous)"
            )
        return a
    if a.ndim == 2 and a.shape in ((P, S), (1, S)) and (len(shape) == 2 or a.shape[0] == 1):
        return a.reshape(-1) if a.shape[0] != 1 else a.reshape(S)
    allowed = (
        f"a scalar, ({S},) (one per sector) or ({P}, {S}) (one per cell)"
        if len(shape) == 2
        else f"a scalar or ({S},) (one per sector)"
    )
    raise ValueError(
        f"{name} has shape {a.shape} but must be {allowed} to broadcast against shape {shape}"
    )


def _spread(flat: np.ndarray, shape: Tuple[int, ...]) -> NDArray[np.float64]:
    """The accepted flat targets/tolerance as a read-only view of ``shape``."""
    if flat.size == int(np.prod(shape)) and flat.size not in (1, shape[-1]):
        view = flat.reshape(shape)
        view.flags.writeable = False
        return view
    return np.broadcast_to(flat if flat.size != 1 else flat.reshape(()), shape)


# ---------------------------------------------------------------------------------------------
# Reports and frames


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


class _SectorTable:
    """Shared by the result objects: the per-sector table behind ``report`` and ``to_frame``."""

    shape: Tuple[int, ...]
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
        P, S = self.num_portfolios, self.num_sectors
        names = _sector_names(labels, S)
        pnames = _portfolio_names(portfolios, P)
        cols = {k: self._rows(v) for k, v in self._columns().items()}
        tol = cols.pop("tolerance", None)
        width = max([len("sector")] + [len(n) for n in names])

        def num(x: float, signed: bool = False) -> str:
            if percent:
                return f"{100 * x:+.2f}%" if signed else f"{100 * x:.2f}%"
            return f"{x:+.4f}" if signed else f"{x:.4f}"

        titles = []
        for c in cols:
            titles.append(c)
            if c == "target" and tol is not None:
                titles.append("band")
        lines: List[str] = self._legend()
        breaches = None if self.breaches is None else self._rows(self.breaches)
        active = None if self.active is None else self._rows(self.active)
        for p in range(P):
            head = pnames[p] + self._header(p)
            if lines:
                lines.append("")
            lines.append(head)
            lines.append(
                "  " + "sector".ljust(width) + "".join(f"{t:>10}" for t in titles)
            )
            for k in range(S):
                cells = []
                for c, v in cols.items():
                    cells.append(num(float(v[p, k]), signed=c == "active"))
                    if c == "target" and tol is not None:
                        cells.append("±" + num(float(tol[p, k])))
                line = "  " + names[k].ljust(width) + "".join(f"{x:>10}" for x in cells)
                if breaches is not None and active is not None and breaches[p, k]:
                    line += "  BREACH " + ("over" if active[p, k] > 0 else "under")
                lines.append(line.rstrip())
            if breaches is not None:
                n = int(np.count_nonzero(breaches[p]))
                lines.append(f"  {n} of {S} sectors outside their band")
        if breaches is not None and P > 1:
            total = int(np.count_nonzero(breaches))
            hit = int(np.count_nonzero(breaches.any(axis=1)))
            lines.append("")
            lines.append(
                f"{total} breaches in {hit} of {P} portfolios ({P} x {S} sector allocations)"
            )
        return "\n".join(lines)

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


class TargetComparison(_SectorTable):
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
            self._views = (_spread(self._t, self.shape), _spread(self._tol, self.shape))
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


class OrderEvaluation(_SectorTable):
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
            self._views = (_spread(self._t, self.shape), _spread(self._tol, self.shape))
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


# ---------------------------------------------------------------------------------------------
# Public functions


def compare_to_targets(
    actual: ArrayLike, targets: ArrayLike, tolerance: ArrayLike
) -> TargetComparison:
    """Compares allocations with targets and tolerance bands, cell by cell.

    Parameters
    ----------
    actual
        Allocations of shape ``(S,)`` (one portfolio) or ``(P, S)``, e.g. from
        ``sector_weights(..., normalize=True)``; finite.
    targets
        A scalar, shape ``(S,)`` (one per sector) or ``(P, S)`` (one per cell); finite.
    tolerance
        The half-width of the band, shaped like ``targets``; finite and non-negative.

    Returns
    -------
    TargetComparison
        ``.active = actual - targets`` (float64) and ``.breaches = |active| > tolerance`` (bool),
        both of the shape of ``actual``; ``.report()`` and ``.to_frame()``.

    Raises
    ------
    SectorWeightsError
        Non-finite values (naming the cell or index), a negative tolerance, a wrong length.
    ValueError, TypeError
        Shapes that do not broadcast, non-numeric input.

    >>> r = compare_to_targets([0.30, 0.70], [0.25, 0.75], 0.04)
    >>> r.breaches
    array([ True,  True])
    """
    a = _float_array(actual, "actual")
    if a.ndim not in (1, 2):
        raise ValueError(
            f"actual must be 1-D (one portfolio's sectors) or 2-D (portfolios x sectors), "
            f"got shape {a.shape}"
        )
    t = _band(targets, "targets", a.shape)
    tol = _band(tolerance, "tolerance", a.shape)
    active = np.empty(a.shape, dtype=_F64)
    breaches = np.empty(a.shape, dtype=_BOOL)  # numpy bools are bytes 0/1: filled in place
    _compare_into(a, t, tol, active, breaches)
    return TargetComparison(a, t, tol, active, breaches)


def _compare_into(
    a: np.ndarray, t: np.ndarray, tol: np.ndarray, active: np.ndarray, breaches: np.ndarray
) -> None:
    """One sw_compare_to_targets call into the given buffers (``breaches``: any 1-byte dtype,
    bool or uint8); raises on error, when the library has written nothing."""
    status = _sw_compare_to_targets(
        _addr(a), a.size, _addr(t), t.size, _addr(tol), tol.size, a.shape[-1],
        _addr(active), active.size, _addr(breaches), breaches.size,
    )  # fmt: skip
    if status:
        _raise(status)


def _evaluate_into(
    hold: Union[_Job, "_Ready"],
    ords: Union[_Job, "_Ready"],
    po: np.ndarray,
    oo: np.ndarray,
    t: np.ndarray,
    tol: np.ndarray,
    before: np.ndarray,
    orders: np.ndarray,
    after: np.ndarray,
    active: np.ndarray,
    breaches: np.ndarray,
) -> None:
    """One sw_evaluate_orders call into the given buffers (empty t/tol/active/breaches: no
    targets); raises on error, when the library has written nothing."""
    hw, hs, ow, os_ = hold.w, hold.s, ords.w, ords.s
    band: Tuple[Optional[int], ...]
    if t.size:
        band = (
            _addr(t), t.size, _addr(tol), tol.size, _addr(before), before.size,
            _addr(orders), orders.size, _addr(after), after.size,
            _addr(active), active.size, _addr(breaches), breaches.size,
        )  # fmt: skip
    else:  # no targets: NULL with length 0 for the target ranges (saves four addresses)
        band = (
            None, 0, _addr(tol) if tol.size else None, tol.size, _addr(before), before.size,
            _addr(orders), orders.size, _addr(after), after.size,
            _addr(active) if active.size else None, active.size,
            _addr(breaches) if breaches.size else None, breaches.size,
        )  # fmt: skip
    status = _sw_evaluate_orders(
        _addr(hw), hw.size, _addr(hs), hs.size, _addr(po), po.size,
        _addr(ow), ow.size, _addr(os_), os_.size, _addr(oo), oo.size, hold.num_sectors, *band
    )
    if status:
        _raise(status)


class _Ready:
    """Inputs that are already what the library reads (the fast path): the part of ``_Job``
    that ``_evaluate_into`` uses."""

    __slots__ = ("w", "s", "offsets", "num_sectors")

    def __init__(self, w: np.ndarray, s: np.ndarray, offsets: np.ndarray, num_sectors: int):
        self.w, self.s, self.offsets, self.num_sectors = w, s, offsets, num_sectors

    def ragged_offsets(self) -> np.ndarray:
        return self.offsets


def _ready_inputs(
    pv: Any, ps: Any, po: Any, ov: Any, os_: Any, oo: Any, num_sectors: Any
) -> Optional[Tuple[_Ready, _Ready, Tuple[int, int]]]:
    """The common call with ready arrays — float64 values, int32 codes, int64 offsets, all 1-D,
    C-contiguous and aligned, matching lengths — skips the general conversion (a few
    microseconds per call). Anything else returns None and takes the general path, which also
    produces every Python-side error message."""
    if not (
        type(num_sectors) is int
        and 0 <= num_sectors <= _core._SIZE_MAX
        and type(pv) is np.ndarray
        and type(ps) is np.ndarray
        and type(po) is np.ndarray
        and type(ov) is np.ndarray
        and type(os_) is np.ndarray
        and type(oo) is np.ndarray
        and pv.dtype is _F64
        and ov.dtype is _F64
        and ps.dtype is _I32
        and os_.dtype is _I32
        and po.dtype is _I64
        and oo.dtype is _I64
        and pv.ndim == 1
        and ov.ndim == 1
        and po.ndim == 1
        and oo.ndim == 1
        and ps.shape == pv.shape
        and os_.shape == ov.shape
        and po.shape[0] >= 1
    ):
        return None
    for a in (pv, ps, po, ov, os_, oo):
        flags = a.flags
        if not (flags.c_contiguous and flags.aligned):
            return None
    shape = (po.shape[0] - 1, num_sectors)
    return _Ready(pv, ps, po, num_sectors), _Ready(ov, os_, oo, num_sectors), shape


def _order_jobs(
    portfolio_values: ArrayLike,
    portfolio_sectors: ArrayLike,
    order_values: ArrayLike,
    order_sectors: ArrayLike,
    num_sectors: Any,
    portfolio_offsets: Optional[ArrayLike],
    order_offsets: Optional[ArrayLike],
) -> Tuple[_Job, _Job]:
    if (portfolio_offsets is None) != (order_offsets is None):
        given = "portfolio_offsets" if order_offsets is None else "order_offsets"
        raise ValueError(
            f"{given} was given without "
            f"{'order_offsets' if given == 'portfolio_offsets' else 'portfolio_offsets'}: pass "
            "both (P + 1 offsets each; portfolio p is paired with order list p), or neither "
            "(one portfolio and one order list)"
        )
    hold = _Job(
        portfolio_values, None, portfolio_sectors, num_sectors, portfolio_offsets,
        weights_name="portfolio_values", sectors_name="portfolio_sectors",
        offsets_name="portfolio_offsets",
    )  # fmt: skip
    ords = _Job(
        order_values, None, order_sectors, hold.num_sectors, order_offsets,
        weights_name="order_values", sectors_name="order_sectors",
        offsets_name="order_offsets", units=("order", "order list"),
    )  # fmt: skip
    if portfolio_offsets is None:
        for job, name in ((hold, "portfolio_values"), (ords, "order_values")):
            if job.w.ndim != 1:
                raise ValueError(
                    f"without offsets, {name} must be 1-D (one portfolio and one order list), "
                    f"got shape {job.w.shape}; for several portfolios pass all holdings and all "
                    "orders one after another with portfolio_offsets and order_offsets"
                )
    return hold, ords


def evaluate_orders(
    portfolio_values: ArrayLike,
    portfolio_sectors: ArrayLike,
    order_values: ArrayLike,
    order_sectors: ArrayLike,
    num_sectors: int,
    *,
    portfolio_offsets: Optional[ArrayLike] = None,
    order_offsets: Optional[ArrayLike] = None,
    targets: Optional[ArrayLike] = None,
    tolerance: Optional[ArrayLike] = None,
) -> OrderEvaluation:
    """Evaluates order lists against portfolios, in one library call.

    For each portfolio p and sector k:

    - ``before[p, k]`` = holdings in k / the portfolio's total;
    - ``orders[p, k]`` = signed orders in k (buys > 0, sells < 0) / the sum of \\|order values\\|
      of list p (the list's gross mix);
    - ``after[p, k]`` = (holdings in k + orders in k) / (total + sum of order values), the
      pro-forma allocation once the orders fill;
    - with ``targets`` (and ``tolerance``, default 0): ``active`` = after − targets and
      ``breaches`` = \\|active\\| > tolerance, broadcast as in :func:`compare_to_targets`.

    Parameters
    ----------
    portfolio_values, portfolio_sectors
        Market values of the holdings (finite) and their sector codes in ``0..num_sectors``:
        1-D. Without offsets they are one portfolio; with ``portfolio_offsets`` (P + 1
        integers) portfolio p is ``[offsets[p], offsets[p + 1])``.
    order_values, order_sectors
        Signed order values (finite; sells may exceed holdings) and their codes: 1-D, one order
        list, or with ``order_offsets`` (P + 1 integers) P lists; list p goes with portfolio p.
    num_sectors
        The number of sectors (or of any integer groups, e.g. sector x rating bucket).
    portfolio_offsets, order_offsets
        Both or neither.
    targets, tolerance
        Optional: a scalar, ``(S,)`` or ``(P, S)``. ``tolerance`` needs ``targets``.

    Returns
    -------
    OrderEvaluation
        Arrays of shape ``(S,)`` without offsets, else ``(P, S)``; ``.report()``,
        ``.to_frame()``.

    Raises
    ------
    SectorWeightsError
        ``SW_ERROR_ZERO_TOTAL`` for a portfolio with a zero total (an empty one too), an empty or
        all-zero order list, or a zero pro-forma total; non-finite values and out-of-range codes
        naming the holding ("bond i of portfolio p") or the order ("order i of order list p");
        bad offsets; bad targets or tolerances.
    ValueError, TypeError
        Shapes and types found before the call (e.g. only one of the two offsets).

    >>> r = evaluate_orders([60.0, 40.0], [0, 1], [10.0, -10.0], [1, 0], 2)
    >>> r.before, r.orders, r.after
    (array([0.6, 0.4]), array([-0.5,  0.5]), array([0.5, 0.5]))
    """
    hold: Union[_Job, _Ready]
    ords: Union[_Job, _Ready]
    shape: Tuple[int, ...]
    ready = _ready_inputs(
        portfolio_values, portfolio_sectors, portfolio_offsets,
        order_values, order_sectors, order_offsets, num_sectors,
    )  # fmt: skip
    if ready is not None:
        hold, ords, shape = ready
    else:
        hold, ords = _order_jobs(
            portfolio_values, portfolio_sectors, order_values, order_sectors, num_sectors,
            portfolio_offsets, order_offsets,
        )  # fmt: skip
        shape = hold.shape
    if targets is None:
        if tolerance is not None:
            raise ValueError("tolerance was given without targets: a band needs a target")
        t = tol = _EMPTY_F64
        active: np.ndarray = _EMPTY_F64
        breaches: np.ndarray = _EMPTY_BOOL
    else:
        t = _band(targets, "targets", shape)
        tol = _band(0.0 if tolerance is None else tolerance, "tolerance", shape)
        active = np.empty(shape, dtype=_F64)
        breaches = np.empty(shape, dtype=_BOOL)
    before = np.empty(shape, dtype=_F64)
    orders = np.empty(shape, dtype=_F64)
    after = np.empty(shape, dtype=_F64)
    po, oo = hold.ragged_offsets(), ords.ragged_offsets()
    _evaluate_into(hold, ords, po, oo, t, tol, before, orders, after, active, breaches)
    if targets is None:
        return OrderEvaluation(before, orders, after, po, oo)
    return OrderEvaluation(before, orders, after, po, oo, t, tol, active, breaches)
