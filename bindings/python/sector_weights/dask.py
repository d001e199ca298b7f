"""The table API on a Dask DataFrame of holdings, partitioned any way, with exact sums.

>>> import sector_weights.dask as swd
>>> swd.weights(ddf, portfolio="fund", sector="sector", value="market_value")
>>> swd.exposures(ddf, "duration", portfolio="fund", sector="sector", value="market_value")
>>> swd.evaluate(ddf, orders, targets, 0.01, portfolio="fund", sector="sector",
...              value="market_value").after

The partitions may split the rows any way (by rows, not by fund: a fund's rows may sit in every
partition). Each result is the pandas DataFrame that ``sector_weights.Holdings`` gives on the
whole table with exact sums (``Holdings(pdf, ...).weights(exact=True)``), bit for bit, whatever
the partitioning, the row order and the cluster: every sum is the correctly rounded value of the
exact sum of its terms (``sector_weights.Partial``), and partial sums merge exactly.

How it runs (two passes over the partitions; ``ddf.persist()`` first if reading them twice costs):

1. each partition's label sets (and missing entries) are read on the workers; the client combines
   them into the result's labels and one global code per label (``_distributed.Plan``), raising
   the table API's errors (unknown sectors, missing data) with the first such row of the table;
2. each partition's rows become exact partial sums over those codes, merged in a tree reduction
   (``split_every`` partials per node) on the workers; the client rounds the one result.

Rows are named as in the whole table: ``row 1043`` (its position in the Dask DataFrame) and its
index label when the index is not the positions (``row 1043 (index 'XS123')``).

:class:`Holdings` does the passes once and answers many questions (weights, compare, evaluate;
exposures run one more pass for the metric column). Every worker needs ``sector_weights``
installed; the library is loaded there (ctypes objects never cross processes). Inside the workers
the library's thread count follows ``OMP_NUM_THREADS`` (1 under Dask's nanny) unless
``SECTOR_WEIGHTS_NUM_THREADS`` says otherwise (docs/distributed.md).
"""

from __future__ import annotations

from typing import Any, List, Optional, Sequence

import dask
import numpy as np

from ._distributed import (
    EngineHoldings, Plan, Summary, Sums, check_na, merge_all, one_question_functions, piece_sums,
    summarize,
)  # fmt: skip

__all__ = ["Holdings", "weights", "exposures", "compare", "evaluate"]

SPLIT_EVERY = 8  # partials merged per node of the tree reduction


def _is_dask_frame(obj: Any) -> bool:
    return type(obj).__module__.partition(".")[0] in ("dask", "dask_expr") and hasattr(
        obj, "to_delayed"
    )


def _row_namer(summaries: Sequence[Summary]) -> Any:
    """Rows named by their position in the whole Dask DataFrame (partitions in order), with the
    index label where the index is not those positions."""
    offsets = np.zeros(len(summaries) + 1, dtype=np.int64)
    np.cumsum([x.num_rows for x in sorted(summaries, key=lambda x: x.piece)], out=offsets[1:])

    def name(x: Summary, i: int) -> str:
        row = int(offsets[x.piece]) + i
        if x.index_start is not None:
            label = x.index_start + i
            return f"row {row}" if label == row else f"row {row} (index {label!r})"
        return f"row {row} (index {x.index[i]!r})"

    return name


def _tree(parts: List[Any], split_every: int) -> Any:
    """One delayed Sums from many: merged ``split_every`` at a time, level by level."""
    merge = dask.delayed(merge_all, pure=True)
    while len(parts) > 1:
        parts = [merge(parts[i : i + split_every]) for i in range(0, len(parts), split_every)]
    return parts[0]


class Holdings(EngineHoldings):
    """A holdings table held as a Dask DataFrame, read once on the cluster; answers like
    :class:`sector_weights.Holdings` (``weights``, ``exposures``, ``compare``, ``evaluate``,
    ``portfolios``, ``sectors``, ``dropped``), as pandas frames, from exact sums.

    Parameters are those of :class:`sector_weights.Holdings`, with ``ddf`` a
    ``dask.dataframe.DataFrame`` in any partitioning; ``split_every``: partial sums merged per
    node of the tree reduction (default 8)."""

    def __init__(
        self,
        ddf: Any,
        portfolio: Any,
        sector: Any,
        value: Any,
        sectors: Optional[Sequence[Any]] = None,
        na: str = "raise",
        *,
        split_every: int = SPLIT_EVERY,
    ) -> None:
        check_na(na)
        if not _is_dask_frame(ddf):
            raise TypeError(
                f"ddf must be a dask DataFrame, got {type(ddf).__name__} (for a pandas, polars "
                "or Arrow table use sector_weights.Holdings)"
            )
        if int(split_every) < 2:
            raise ValueError(f"split_every must be at least 2, got {split_every!r}")
        names = (portfolio, sector, value)
        self._pieces, self._split_every = ddf.to_delayed(), int(split_every)
        listed = None if sectors is None else self._listed(sectors)
        task = dask.delayed(summarize, pure=True)
        summaries = dask.compute(*[task(part, names, na, k) for k, part in enumerate(self._pieces)])
        self._start(Plan(summaries, names, listed, na, _row_namer(summaries)), names, na)

    def _reduce(self, metric: Any) -> Sums:
        """Pass 2 on the cluster: exact partial sums per partition, merged in a tree."""
        if not self._pieces:
            return Sums()
        book = dask.delayed(self._plan.book, pure=True)  # sent once to each worker
        task = dask.delayed(piece_sums, pure=True)
        parts = [task(part, book, metric, k) for k, part in enumerate(self._pieces)]
        (merged,) = dask.compute(_tree(parts, self._split_every))
        return merged  # type: ignore[no-any-return]

    def _local(self, orders: Any) -> Any:
        """An order list given as a dask DataFrame, computed (order lists are small)."""
        return orders.compute() if _is_dask_frame(orders) else orders

    def __repr__(self) -> str:
        return "dask." + super().__repr__()


# ---------------------------------------------------------------------------------------------
# One question each: weights, exposures, compare, evaluate, made from Holdings (their full
# signatures: help(weights), inspect.signature(weights))

weights, exposures, compare, evaluate = one_question_functions(
    Holdings, "ddf", "dask", [("split_every", SPLIT_EVERY, "int")], __name__
)
