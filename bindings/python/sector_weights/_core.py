"""The array-level API: sector_weights, sector_exposures and the thread count.

Python converts and shape-checks the arguments (``_inputs``, ``_arrays``); the library does
every value check and all the arithmetic, and reports failures that :func:`check` raises as
:class:`SectorWeightsError` with the library's own message. On any error ``out`` is untouched.
Ready arrays (float64, int32 codes, int64 offsets; C-contiguous and aligned) reach the library
without a copy: their own addresses are passed.
"""

from __future__ import annotations

from typing import Optional

import numpy as np
from numpy.typing import ArrayLike

from . import _fastpath, _lib
from ._arrays import FloatArray, address, output_array, whole_number
from ._errors import Status, check
from ._inputs import Inputs

__all__ = ["sector_weights", "sector_exposures", "set_num_threads", "get_num_threads"]


def _compute_uniform(inputs: Inputs, out: np.ndarray) -> None:
    """sw_sector_weights: portfolios of equal size, not normalised."""
    w, s = inputs.weights, inputs.sectors
    check(_lib.sw_sector_weights(
        address(w), w.size, address(s), s.size, inputs.num_portfolios, inputs.num_sectors,
        address(out), out.size,
    ))  # fmt: skip


def _compute_ragged(inputs: Inputs, out: np.ndarray, normalize: bool) -> None:
    """sw_sector_exposures (with values) or sw_sector_weights_ragged."""
    w, v, s, offs = inputs.weights, inputs.values, inputs.sectors, inputs.ragged_offsets()
    flags = _lib.SW_NORMALIZE if normalize else 0
    if v is None:
        status = _lib.sw_sector_weights_ragged(
            address(w), w.size, address(s), s.size, address(offs), offs.size,
            inputs.num_sectors, flags, address(out), out.size,
        )  # fmt: skip
    else:
        status = _lib.sw_sector_exposures(
            address(w), w.size, address(v), v.size, address(s), s.size,
            address(offs), offs.size, inputs.num_sectors, flags, address(out), out.size,
        )  # fmt: skip
    check(status)


def sector_weights(
    weights: ArrayLike,
    sectors: ArrayLike,
    num_sectors: int,
    *,
    offsets: Optional[ArrayLike] = None,
    normalize: bool = False,
    out: Optional[np.ndarray] = None,
) -> FloatArray:
    """Per-portfolio, per-sector sums of bond weights.

    Parameters
    ----------
    weights
        Floats, shape ``(B,)`` (one portfolio) or ``(P, B)`` (P portfolios of B bonds); with
        ``offsets``, shape ``(n,)``: all portfolios' bonds one after another. Anything
        :func:`numpy.asarray` takes (lists, pandas or polars columns). float64 is used in place;
        float32 is widened, integers are read as floats. Must be finite; negative is fine.
    sectors
        Integer sector codes of the same shape, each in ``0..num_sectors``. C-contiguous int32
        is used in place; other integer widths (such as the int64 of ``np.random.randint``) are
        converted, and a value outside int32 is an error naming its position, never wrapped.
    num_sectors
        The number of sectors S.
    offsets
        Optional ``P + 1`` integers: portfolio p is bonds ``offsets[p]:offsets[p + 1]``
        (portfolios of different sizes). Must start at 0, never decrease, and end at ``n``.
    normalize
        Divide each portfolio's sums by its total, so each row adds up to 1 (market values in,
        weights out). A portfolio whose total is 0 (also an empty one) is an error.
    out
        Optional float64 C-contiguous array of the result's shape, filled in place and returned.
        On any error it is left untouched.

    Returns
    -------
    numpy.ndarray
        float64 of shape ``(S,)`` for 1-D ``weights`` without offsets, else ``(P, S)``.

    Raises
    ------
    SectorWeightsError
        For every failure the library reports (a ``ValueError`` with ``.status`` and the
        library's message naming the position), e.g. NaN weights or out-of-range codes.
    TypeError, ValueError
        For wrong types, dtypes and shapes found before the call.

    Examples
    --------
    >>> sector_weights([0.5, 0.25, 0.25], [2, 0, 2], 3)
    array([0.25, 0.  , 0.75])
    """
    # Ready arrays go through the C fast path (_fastpath), which returns None for anything else.
    fast = _fastpath.sector_weights
    if offsets is None and normalize is False and fast is not None:
        done = fast(weights, sectors, num_sectors, out)
        if done is not None:
            if type(done) is int:
                check(done)
            return done  # type: ignore[no-any-return]

    inputs = Inputs(weights, None, sectors, num_sectors, offsets)
    result = output_array(out, inputs.shape)
    if inputs.offsets is None and not normalize:
        _compute_uniform(inputs, result)
    else:
        _compute_ragged(inputs, result, normalize)
    return result


def sector_exposures(
    weights: ArrayLike,
    values: ArrayLike,
    sectors: ArrayLike,
    num_sectors: int,
    *,
    offsets: Optional[ArrayLike] = None,
    normalize: bool = False,
    out: Optional[np.ndarray] = None,
) -> FloatArray:
    """Per-portfolio, per-sector sums of ``weights * values`` (e.g. contributions to duration,
    spread duration or DTS).

    ``weights``, ``values`` and ``sectors`` have the same shape, with the rules of
    :func:`sector_weights` (``(B,)``, ``(P, B)``, or 1-D with ``offsets``). Both weights and
    values must be finite. ``normalize=True`` divides each row by its total exposure (a zero total
    is an error). Returns float64 of shape ``(S,)`` or ``(P, S)``; ``out`` as in
    :func:`sector_weights`.

    >>> sector_exposures([0.5, 0.5], [4.0, 6.0], [1, 1], 2)
    array([0., 5.])
    """
    inputs = Inputs(weights, values, sectors, num_sectors, offsets)
    result = output_array(out, inputs.shape)
    _compute_ragged(inputs, result, normalize)
    return result


def set_num_threads(n: int) -> None:
    """Sets the number of worker threads for all later calls; 0 means the default
    (``RAYON_NUM_THREADS`` if set, else every logical CPU). Results never depend on it."""
    check(_lib.sw_set_num_threads(whole_number(n, "n", zero_means=" (0 = all cores)")))


def get_num_threads() -> int:
    """The number of worker threads calls use now."""
    n: int = _lib.sw_get_num_threads()
    if n == 0:  # the pool could not be started: the library's last error says why
        check(Status.ERROR_THREAD_POOL)
    return n
