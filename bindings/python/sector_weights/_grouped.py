"""Grouped sums: ``out[portfolios[i], sectors[i]] += weights[i] (* values[i])``, rows in any order.

TEMPORARY: a stand-in with the semantics of the array call issue 13 adds to the library,
``sector_weights(weights, sectors, num_sectors, portfolios=..., num_portfolios=...,
normalize=...)`` / ``sector_exposures(...)`` likewise. When that lands, the body of
:func:`grouped_sums` becomes that one call and this module goes away; everything in the table
layer calls only this function for its passes over the rows.

Until then the sums come from today's library all the same: each row's (portfolio, sector) pair
becomes one int32 code ``portfolio * num_sectors + sector`` of a single portfolio with
``num_portfolios * num_sectors`` "sectors", summed by ``sector_weights`` / ``sector_exposures``
(one extra numpy pass to combine the codes; ``np.bincount`` when the pairs outgrow int32).

Checks, as the library makes them (and raised as :class:`SectorWeightsError`, so that the table
layer can turn them into messages that name the user's rows): every code in range, every weight
and value finite, no sum overflowing, no zero total under ``normalize``.
"""

from __future__ import annotations

from typing import Optional

import numpy as np

from . import SectorWeightsError, Status, sector_exposures, sector_weights

__all__ = ["grouped_sums"]


def _check_codes(codes: np.ndarray, count: int, what: str) -> None:
    if codes.dtype.kind not in "iu":
        raise TypeError(f"{what} codes must be integers, got dtype {codes.dtype}")
    if codes.size and (int(codes.min()) < 0 or int(codes.max()) >= count):
        i = int(np.flatnonzero((codes < 0) | (codes >= count))[0])
        raise SectorWeightsError(
            Status.ERROR_SECTOR_OUT_OF_RANGE,
            f"{what} code {int(codes[i])} at bond {i} is outside 0..{count}",
        )


def _check_finite(x: np.ndarray, what: str) -> None:
    if x.size and not np.isfinite(x.sum()) and not np.isfinite(x).all():
        i = int(np.flatnonzero(~np.isfinite(x))[0])
        raise SectorWeightsError(
            Status.ERROR_NON_FINITE, f"{what} {x[i]} at bond {i} is not finite"
        )


def grouped_sums(
    weights: np.ndarray,
    sectors: np.ndarray,
    num_sectors: int,
    portfolios: np.ndarray,
    num_portfolios: int,
    values: Optional[np.ndarray] = None,
    normalize: bool = False,
) -> np.ndarray:
    """float64 ``(num_portfolios, num_sectors)``: per (portfolio code, sector code) sums of
    ``weights`` (times ``values``); with ``normalize`` each row divided by its total.

    The numpy stand-in for the library's grouped layout (see the module docstring)."""
    n = weights.shape[0]
    if (
        sectors.shape != (n,)
        or portfolios.shape != (n,)
        or (values is not None and values.shape != (n,))
    ):
        raise ValueError("weights, sectors, portfolios (and values) must be 1-D of one length")
    _check_codes(sectors, num_sectors, "sector")
    _check_codes(portfolios, num_portfolios, "portfolio")
    cells = num_portfolios * num_sectors
    if cells < 2**31:  # the library sums (and checks the values)
        key = portfolios.astype(np.int32)
        key *= num_sectors
        key += sectors
        if values is None:
            out = sector_weights(weights, key, cells)
        else:
            out = sector_exposures(weights, values, key, cells)
        out = out.reshape(num_portfolios, num_sectors)
    else:
        _check_finite(weights, "weight")
        x = weights.astype(np.float64, copy=False)
        if values is not None:
            _check_finite(values, "value")
            x = x * values
        key = portfolios.astype(np.intp) * num_sectors
        key += sectors
        out = np.bincount(key, weights=x, minlength=cells).reshape(num_portfolios, num_sectors)
        if not np.isfinite(out).all():
            raise SectorWeightsError(Status.ERROR_NON_FINITE, "a sum overflows float64")
    if normalize:
        totals = out.sum(axis=1)
        if np.any(totals == 0):
            p = int(np.flatnonzero(totals == 0)[0])
            raise SectorWeightsError(Status.ERROR_ZERO_TOTAL, f"portfolio {p} has a total of 0")
        out /= totals[:, None]
    return out
