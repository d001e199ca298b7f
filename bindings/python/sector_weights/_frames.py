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
from typing import Any, List

import numpy as np

__all__ = ["result_frame"]


def result_frame(
    kind: str,
    data: np.ndarray,
    portfolios: List[Any],
    sectors: List[Any],
    portfolio_name: Any,
    sector_name: Any,
) -> Any:
    """``data`` (P, S) as a frame of ``kind`` ('pandas', 'polars' or 'arrow'). The frame owns
    its data (a copy): changing it never changes a cached result."""
    if kind == "pandas":
        pd = sys.modules["pandas"]
        return pd.DataFrame(
            data.copy(),
            index=pd.Index(portfolios, name=portfolio_name),
            columns=pd.Index(sectors, name=sector_name),
        )
    names = [str(s) for s in sectors]
    if str(portfolio_name) in names:
        raise ValueError(
            f"sector label {str(portfolio_name)!r} is also the name of the portfolio column: "
            f"a {kind} result cannot have two columns of that name"
        )
    columns = np.ascontiguousarray(data.T)  # one contiguous row per sector column
    if kind == "polars":
        pl = sys.modules["polars"]
        series = [pl.Series(str(portfolio_name), portfolios)]
        series += [pl.Series(n, columns[j]) for j, n in enumerate(names)]
        return pl.DataFrame(series)
    import pyarrow as pa

    arrays = [pa.array(portfolios)] + [pa.array(columns[j]) for j in range(len(names))]
    return pa.Table.from_arrays(arrays, names=[str(portfolio_name)] + names)
