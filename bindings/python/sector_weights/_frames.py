"""Result frames in the kind of the user's input (portfolios x sectors).

- pandas: a DataFrame indexed by the portfolio labels (the index named after the portfolio
  column), one column per sector label (the columns' axis named after the sector column);
- polars: a DataFrame whose first column holds the portfolio labels (named after the portfolio
  column), then one column per sector label;
- arrow: a pyarrow Table laid out like the polars result.

polars and Arrow column names are strings: sector labels are written with ``str()`` there.
"""

from __future__ import annotations

import sys
from typing import Any, Tuple

import numpy as np

__all__ = ["result_frame"]


def _labels(kind: str, axes: Any) -> Tuple[Any, Any]:
    """The result's row and column labels as ``kind`` wants them, built once per Holdings
    (a pandas Index of strings costs about half a millisecond)."""
    cached = axes.cache.get(kind)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    if kind == "pandas":
        pd = sys.modules["pandas"]
        labels = (
            pd.Index(axes.portfolios, name=axes.portfolio_name),
            pd.Index(axes.sectors, name=axes.sector_name),
        )
    else:
        names = [str(s) for s in axes.sectors]
        pname = str(axes.portfolio_name)
        if pname in names:
            raise ValueError(
                f"sector label {pname!r} is also the name of the portfolio column: a {kind} "
                "result cannot have two columns of that name"
            )
        if kind == "polars":
            first = sys.modules["polars"].Series(pname, axes.portfolios)
        else:
            import pyarrow as pa

            first = pa.array(axes.portfolios)
        labels = (first, [pname] + names)
    axes.cache[kind] = labels
    return labels


def result_frame(kind: str, data: np.ndarray, axes: Any) -> Any:
    """``data`` (P, S) as a frame of ``kind`` ('pandas', 'polars' or 'arrow') labelled by
    ``axes``. The frame owns its data (a copy): changing it never changes a cached result."""
    rows, columns = _labels(kind, axes)
    if kind == "pandas":
        return sys.modules["pandas"].DataFrame(data, index=rows, columns=columns, copy=True)
    by_column = np.ascontiguousarray(data.T)  # one contiguous row per sector column
    if kind == "polars":
        pl = sys.modules["polars"]
        series = [rows] + [pl.Series(n, by_column[j]) for j, n in enumerate(columns[1:])]
        return pl.DataFrame(series)
    import pyarrow as pa

    arrays = [rows] + [pa.array(by_column[j]) for j in range(len(columns) - 1)]
    return pa.Table.from_arrays(arrays, names=columns)
