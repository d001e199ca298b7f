"""Portfolio-manager helpers: targets and tolerance bands, order-list evaluation.

Both functions are thin: Python converts and shape-checks the arguments (``_inputs``,
``_arrays``) and allocates the results (``_reports``); the library (``sw_compare_to_targets``,
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

from typing import Any, Optional, Tuple

import numpy as np
from numpy.typing import ArrayLike

from . import _fastpath, _lib
from ._arrays import BOOL, F64, I32, I64, SIZE_MAX, address, float_array
from ._errors import check
from ._inputs import Inputs, Names
from ._reports import OrderEvaluation, TargetComparison

__all__ = ["compare_to_targets", "evaluate_orders", "TargetComparison", "OrderEvaluation"]

_NO_F64 = np.zeros(0, dtype=F64)
_NO_BOOL = np.zeros(0, dtype=BOOL)
# Holdings and orders as the library reads them: values, codes, offsets (see _fastpath.ready).
_READY_ORDERS = "".join(dt.char for dt in (F64, I32, I64) * 2)
_HOLDINGS = Names(
    weights="portfolio_values", sectors="portfolio_sectors", offsets="portfolio_offsets"
)
_ORDERS = Names(
    weights="order_values", sectors="order_sectors", offsets="order_offsets",
    units=("order", "order list"),
)  # fmt: skip


def _band(x: ArrayLike, name: str, shape: Tuple[int, ...]) -> np.ndarray:
    """``targets``/``tolerance`` as the flat float64 array the library broadcasts: 1, S or P*S
    values. Shapes numpy would not broadcast to ``shape`` are refused here; wrong 1-D lengths are
    left to the library, which names them."""
    a = float_array(x, name)
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
    a = float_array(actual, "actual")
    if a.ndim not in (1, 2):
        raise ValueError(
            f"actual must be 1-D (one portfolio's sectors) or 2-D (portfolios x sectors), "
            f"got shape {a.shape}"
        )
    t = _band(targets, "targets", a.shape)
    tol = _band(tolerance, "tolerance", a.shape)
    active = np.empty(a.shape, dtype=F64)
    breaches = np.empty(a.shape, dtype=BOOL)  # numpy bools are bytes 0/1: filled in place
    compare_into(a, t, tol, active, breaches)
    return TargetComparison(a, t, tol, active, breaches)


def compare_into(
    a: np.ndarray, t: np.ndarray, tol: np.ndarray, active: np.ndarray, breaches: np.ndarray
) -> None:
    """One sw_compare_to_targets call into the given buffers (``breaches``: any 1-byte dtype,
    bool or uint8); raises on error, when the library has written nothing."""
    check(_lib.sw_compare_to_targets(
        address(a), a.size, address(t), t.size, address(tol), tol.size, a.shape[-1],
        address(active), active.size, address(breaches), breaches.size,
    ))  # fmt: skip


def _address_or_null(a: np.ndarray) -> Optional[int]:
    return address(a) if a.size else None


def evaluate_into(
    holdings: Inputs,
    order_lists: Inputs,
    targets: np.ndarray,
    tolerance: np.ndarray,
    outputs: Tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray],
) -> None:
    """One sw_evaluate_orders call into ``outputs`` (before, orders, after, active, breaches;
    the last two empty without targets, and then ``targets`` is empty too: NULL with length 0);
    raises on error, when the library has written nothing."""
    hw, hs, ho = holdings.weights, holdings.sectors, holdings.ragged_offsets()
    ow, os_, oo = order_lists.weights, order_lists.sectors, order_lists.ragged_offsets()
    before, orders, after, active, breaches = outputs
    check(_lib.sw_evaluate_orders(
        address(hw), hw.size, address(hs), hs.size, address(ho), ho.size,
        address(ow), ow.size, address(os_), os_.size, address(oo), oo.size,
        holdings.num_sectors,
        _address_or_null(targets), targets.size, _address_or_null(tolerance), tolerance.size,
        address(before), before.size, address(orders), orders.size, address(after), after.size,
        _address_or_null(active), active.size, _address_or_null(breaches), breaches.size,
    ))  # fmt: skip


def _ready_inputs(
    pv: Any, ps: Any, po: Any, ov: Any, os_: Any, oo: Any, num_sectors: Any
) -> Optional[Tuple[Inputs, Inputs]]:
    """Holdings and orders as they are, when the arrays are ready (``_fastpath.ready``), 1-D
    and of matching lengths; else None: the general path converts them, and produces every
    Python-side error message."""
    if not (
        type(num_sectors) is int
        and 0 <= num_sectors <= SIZE_MAX
        and _fastpath.ready(_READY_ORDERS, pv, ps, po, ov, os_, oo)
        and pv.ndim == ov.ndim == po.ndim == oo.ndim == 1
        and ps.shape == pv.shape
        and os_.shape == ov.shape
        and po.shape[0] >= 1
    ):
        return None
    return Inputs.ready(pv, ps, po, num_sectors), Inputs.ready(ov, os_, oo, num_sectors)


def order_inputs(
    portfolio_values: ArrayLike,
    portfolio_sectors: ArrayLike,
    order_values: ArrayLike,
    order_sectors: ArrayLike,
    num_sectors: Any,
    portfolio_offsets: Optional[ArrayLike],
    order_offsets: Optional[ArrayLike],
) -> Tuple[Inputs, Inputs]:
    """Holdings and orders, checked and converted (the general path)."""
    if (portfolio_offsets is None) != (order_offsets is None):
        names = ("portfolio_offsets", "order_offsets")
        given, missing = names if order_offsets is None else names[::-1]
        raise ValueError(
            f"{given} was given without {missing}: pass both (P + 1 offsets each; portfolio p "
            "is paired with order list p), or neither (one portfolio and one order list)"
        )
    holdings = Inputs(
        portfolio_values, None, portfolio_sectors, num_sectors, portfolio_offsets, _HOLDINGS
    )
    orders = Inputs(
        order_values, None, order_sectors, holdings.num_sectors, order_offsets, _ORDERS
    )
    if portfolio_offsets is None:
        for inputs, names in ((holdings, _HOLDINGS), (orders, _ORDERS)):
            if inputs.weights.ndim != 1:
                raise ValueError(
                    f"without offsets, {names.weights} must be 1-D (one portfolio and one order "
                    f"list), got shape {inputs.weights.shape}; for several portfolios pass all "
                    "holdings and all orders one after another with portfolio_offsets and "
                    "order_offsets"
                )
    return holdings, orders


def _band_outputs(
    targets: Optional[ArrayLike], tolerance: Optional[ArrayLike], shape: Tuple[int, ...]
) -> Tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """targets, tolerance (flat, as the library broadcasts them) and the active and breaches
    outputs; all four empty without targets."""
    if targets is None:
        if tolerance is not None:
            raise ValueError("tolerance was given without targets: a band needs a target")
        return _NO_F64, _NO_F64, _NO_F64, _NO_BOOL
    t = _band(targets, "targets", shape)
    tol = _band(0.0 if tolerance is None else tolerance, "tolerance", shape)
    return t, tol, np.empty(shape, dtype=F64), np.empty(shape, dtype=BOOL)


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
    inputs = _ready_inputs(
        portfolio_values, portfolio_sectors, portfolio_offsets,
        order_values, order_sectors, order_offsets, num_sectors,
    ) or order_inputs(
        portfolio_values, portfolio_sectors, order_values, order_sectors, num_sectors,
        portfolio_offsets, order_offsets,
    )  # fmt: skip
    holdings, orders = inputs
    shape = holdings.shape
    t, tol, active, breaches = _band_outputs(targets, tolerance, shape)
    outputs = (np.empty(shape, dtype=F64), np.empty(shape, dtype=F64), np.empty(shape, dtype=F64))
    evaluate_into(holdings, orders, t, tol, outputs + (active, breaches))
    po, oo = holdings.ragged_offsets(), orders.ragged_offsets()
    if targets is None:
        return OrderEvaluation(*outputs, po, oo)
    return OrderEvaluation(*outputs, po, oo, t, tol, active, breaches)
