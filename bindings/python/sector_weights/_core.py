"""The array-level API: sector_weights, sector_exposures and the thread count.

Python converts and shape-checks the arguments (``_inputs``, ``_arrays``); the library does
every value check and all the arithmetic, and reports failures that :func:`check` raises as
:class:`SectorWeightsError` with the library's own message. On any error ``out`` is untouched.

Which entry point computes a call:

- float64 weights (and values) with int32 codes: the original ones, ``sw_sector_weights`` (equal
  portfolios, not normalised; through the C fast path ``_fastpath`` when the arrays are ready),
  ``sw_sector_weights_ragged`` and ``sw_sector_exposures`` (offsets, normalised, exposures);
- codes of another width (int8 ... int64, uint8 ... uint32) or float32 weights and values:
  ``sw_ragged_sums`` with typed columns (equal portfolios as offsets 0, B, 2B, ...);
- ``portfolios=`` (one portfolio code per bond, rows in any order): ``sw_grouped_sums``.

Every one of those arrays reaches the library without a copy when it is C-contiguous, aligned and
in native byte order: their own addresses are passed.
"""

from __future__ import annotations

from typing import Optional

import numpy as np
from numpy.typing import ArrayLike

from . import _fastpath, _lib
from ._arrays import F64, I32, FloatArray, address, columns, output_array, whole_number
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


def _compute_ragged(inputs: Inputs, out: np.ndarray, flags: int) -> None:
    """sw_sector_exposures (with values) or sw_sector_weights_ragged."""
    w, v, s, offs = inputs.weights, inputs.values, inputs.sectors, inputs.ragged_offsets()
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


def _compute_typed(inputs: Inputs, out: np.ndarray, flags: int) -> None:
    """sw_ragged_sums: typed columns, portfolios by offsets (computed for equal sizes)."""
    offs = inputs.ragged_offsets()
    keep, w, v, s, _ = columns(inputs.weights, inputs.values, inputs.sectors)
    status = _lib.sw_ragged_sums(
        w, v, s, inputs.num_sectors, address(offs), offs.size, flags, address(out), out.size
    )
    del keep  # the SwColumn structures, alive until here
    check(status)


def _compute_grouped(inputs: Inputs, out: np.ndarray, flags: int) -> None:
    """sw_grouped_sums: typed columns, one portfolio code per row."""
    keep, w, v, s, p = columns(inputs.weights, inputs.values, inputs.sectors, inputs.portfolios)
    status = _lib.sw_grouped_sums(
        w, v, s, inputs.num_sectors, p, inputs.num_portfolios, flags, address(out), out.size
    )
    del keep  # the SwColumn structures, alive until here
    check(status)


def _compute(
    inputs: Inputs, out: Optional[np.ndarray], normalize: bool, exact: bool = False
) -> FloatArray:
    """The result of converted inputs, into ``out`` or a new array (see the module docstring
    for which entry point)."""
    try:
        result = output_array(out, inputs.shape)
    except (MemoryError, ValueError) as e:
        if out is None and inputs.inferred:
            raise inputs.too_many_portfolios(e) from None
        raise
    flags = (_lib.SW_NORMALIZE if normalize else 0) | (_lib.SW_EXACT if exact else 0)
    wt, st, v = inputs.weights.dtype, inputs.sectors.dtype, inputs.values
    if inputs.portfolios is not None:
        _compute_grouped(inputs, result, flags)
    elif (
        (wt is not F64 and wt != F64)
        or (st is not I32 and st != I32)
        or (v is not None and v.dtype != F64)
    ):
        _compute_typed(inputs, result, flags)
    elif inputs.offsets is None and v is None and not flags:
        _compute_uniform(inputs, result)  # (sw_sector_weights has no flags)
    else:
        _compute_ragged(inputs, result, flags)
    return result


def sector_weights(
    weights: ArrayLike,
    sectors: ArrayLike,
    num_sectors: int,
    *,
    offsets: Optional[ArrayLike] = None,
    portfolios: Optional[ArrayLike] = None,
    num_portfolios: Optional[int] = None,
    normalize: bool = False,
    exact: bool = False,
    out: Optional[np.ndarray] = None,
) -> FloatArray:
    """Per-portfolio, per-sector sums of bond weights.

    Parameters
    ----------
    weights
        Floats, shape ``(B,)`` (one portfolio) or ``(P, B)`` (P portfolios of B bonds); with
        ``offsets`` or ``portfolios``, shape ``(n,)``. Anything :func:`numpy.asarray` takes
        (lists, pandas or polars columns). float32 and float64 are read in place; other real
        types (float16, integers) are read as float64. Must be finite; negative is fine.
    sectors
        Integer sector codes of the same shape, each in ``0..num_sectors``. int8, int16, int32,
        int64, uint8, uint16 and uint32 are read in place; uint64 is read as int64 when every
        code fits. A code outside the range is an error naming its position, whatever its
        width (an int64 code is never wrapped).
    num_sectors
        The number of sectors S.
    offsets
        Optional ``P + 1`` integers: portfolio p is bonds ``offsets[p]:offsets[p + 1]``
        (portfolios of different sizes, one after another). Must start at 0, never decrease,
        and end at ``n``.
    portfolios
        Optional integer portfolio codes, one per bond, rows in any order (a holdings table as
        the database returned it), of any of the code types above. Not with ``offsets``.
    num_portfolios
        With ``portfolios``: the number of portfolios P, each code in ``0..P``. By default the
        largest code + 1 (0 for no bonds: a ``(0, S)`` result); passing it saves a pass over
        the codes and makes a too-large code an error naming its row.
    normalize
        Divide each portfolio's sums by its total, so each row adds up to 1 (market values in,
        weights out). A portfolio whose total is 0 (also an empty one) is an error.
    exact
        Exact mode: each sum is the correctly rounded value of the exact sum of its weights (the
        double ``math.fsum`` returns for them), so the result is the same, bit for bit, for any
        order of the bonds (with ``portfolios``, of the rows), any thread count and any split of
        the data; with ``normalize``, the exact sums are divided by the exact total, each rounded
        once. Costs about four times the default mode (see docs/guarantees.md).
    out
        Optional float64 C-contiguous array of the result's shape, filled in place and returned.
        On any error it is left untouched.

    Returns
    -------
    numpy.ndarray
        float64 of shape ``(S,)`` for 1-D ``weights`` without offsets or portfolios, else
        ``(P, S)``.

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
    >>> sector_weights([1.0, 2.0, 3.0, 4.0], [0, 1, 1, 0], 2, portfolios=[1, 0, 1, 0])
    array([[4., 2.],
           [1., 3.]])
    """
    # Ready arrays go through the C fast path (_fastpath), which returns None for anything else.
    fast = _fastpath.sector_weights
    if (
        offsets is None
        and portfolios is None
        and num_portfolios is None
        and normalize is False
        and exact is False
        and fast is not None
    ):
        done = fast(weights, sectors, num_sectors, out)
        if done is not None:
            if type(done) is int:
                check(done)
            return done  # type: ignore[no-any-return]
    inputs = Inputs(
        weights, None, sectors, num_sectors, offsets,
        native=True, portfolios=portfolios, num_portfolios=num_portfolios,
    )  # fmt: skip
    return _compute(inputs, out, normalize, bool(exact))


def sector_exposures(
    weights: ArrayLike,
    values: ArrayLike,
    sectors: ArrayLike,
    num_sectors: int,
    *,
    offsets: Optional[ArrayLike] = None,
    portfolios: Optional[ArrayLike] = None,
    num_portfolios: Optional[int] = None,
    normalize: bool = False,
    exact: bool = False,
    out: Optional[np.ndarray] = None,
) -> FloatArray:
    """Per-portfolio, per-sector sums of ``weights * values`` (e.g. contributions to duration,
    spread duration or DTS).

    ``weights``, ``values`` and ``sectors`` have the same shape, with the rules of
    :func:`sector_weights` (``(B,)``, ``(P, B)``, or 1-D with ``offsets`` or ``portfolios``).
    Both weights and values must be finite; each may be float32 or float64 (read in place; when
    one is float32 and the other float64, the float32 one is widened to float64 first).
    ``normalize=True`` divides each row by its total exposure (a zero total is an error).
    Returns float64 of shape ``(S,)`` or ``(P, S)``; ``out`` as in :func:`sector_weights`.
    ``exact=True``: each product is rounded once and their sums are exact (the double
    ``math.fsum`` returns for the products), as in :func:`sector_weights`.

    >>> sector_exposures([0.5, 0.5], [4.0, 6.0], [1, 1], 2)
    array([0., 5.])
    """
    inputs = Inputs(
        weights, values, sectors, num_sectors, offsets,
        native=True, portfolios=portfolios, num_portfolios=num_portfolios,
    )  # fmt: skip
    return _compute(inputs, out, normalize, bool(exact))


def set_num_threads(n: int) -> None:
    """Sets the number of worker threads for all later calls; 0 means the default
    (``SECTOR_WEIGHTS_NUM_THREADS``, else ``RAYON_NUM_THREADS``, else ``OMP_NUM_THREADS``, else
    every logical CPU; see docs/guarantees.md). Results never depend on it."""
    check(_lib.sw_set_num_threads(whole_number(n, "n", zero_means=" (0 = all cores)")))


def get_num_threads() -> int:
    """The number of worker threads calls use now."""
    n: int = _lib.sw_get_num_threads()
    if n == 0:  # the pool could not be started: the library's last error says why
        check(Status.ERROR_THREAD_POOL)
    return n
