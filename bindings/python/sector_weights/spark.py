"""The table API on a PySpark DataFrame of holdings, partitioned any way, with exact sums.

>>> import sector_weights.spark as sws
>>> sws.weights(spark_df, portfolio="fund", sector="sector", value="market_value")
>>> sws.exposures(spark_df, "duration", portfolio="fund", sector="sector", value="market_value")

Each result is the pandas DataFrame that ``sector_weights.Holdings`` gives on the whole table
with exact sums (``Holdings(pdf, ...).weights(exact=True)``), bit for bit, whatever the
partitioning and the row order: every sum is the correctly rounded value of the exact sum of its
terms (``sector_weights.Partial``), and partial sums merge exactly.

How it runs (two Spark jobs over the needed columns; ``spark_df.cache()`` first if reading the
source twice costs):

1. ``mapInArrow``: each partition's Arrow batches are read as the table API reads an Arrow table
   (label sets, missing entries); the driver combines them into the result's labels and one
   global code per label, raising the table API's errors (unknown sectors, missing data);
2. ``mapInArrow`` again: each partition's rows become exact partial sums over those codes, merged
   on the executors by ``treeReduce``; the driver rounds the one result.

Spark rows have no position of their own: a row is named by its position in its partition
(``row 17 of Spark partition 3``). The executors need ``sector_weights``, numpy and pyarrow
installed (``PYSPARK_PYTHON`` pointing at that environment). Inside them the library's thread
count follows ``OMP_NUM_THREADS``, which Spark's Python runner sets to ``spark.task.cpus``,
unless ``SECTOR_WEIGHTS_NUM_THREADS`` says otherwise (docs/distributed.md).
"""

from __future__ import annotations

import pickle
from typing import Any, Callable, Iterator, List, Optional, Sequence

from ._distributed import (
    EngineHoldings, Plan, Summary, Sums, check_na, merge, one_question_functions, piece_sums,
    summarize,
)  # fmt: skip

__all__ = ["Holdings", "weights", "exposures", "compare", "evaluate"]

TREE_DEPTH = 2  # levels of treeAggregate on the executors


def _is_spark_frame(obj: Any) -> bool:
    return type(obj).__module__.startswith("pyspark.") and hasattr(obj, "mapInArrow")


def _name(x: Summary, i: int) -> str:
    return f"row {i} of Spark partition {x.piece}"


def _partition(batches: Iterator[Any]) -> Any:
    """A partition's Arrow batches as one pyarrow Table (None if it has no rows), and its id."""
    import pyarrow as pa
    from pyspark import TaskContext

    ctx = TaskContext.get()
    piece = ctx.partitionId() if ctx is not None else 0
    got = [b for b in batches if b.num_rows]
    return (pa.Table.from_batches(got) if got else None), piece


def _one(value: bytes, name: str) -> Any:
    import pyarrow as pa

    return pa.RecordBatch.from_arrays([pa.array([value], type=pa.binary())], names=[name])


def _per_partition(
    column: str, work: Callable[[Any, int], Any]
) -> Callable[[Iterator[Any]], Iterator[Any]]:
    """A ``mapInArrow`` function: ``work(table, piece)`` on each partition with rows, pickled
    into one binary row of ``column``."""

    def run(batches: Iterator[Any]) -> Iterator[Any]:
        table, piece = _partition(batches)
        if table is not None:
            yield _one(pickle.dumps(work(table, piece)), column)

    return run


class Holdings(EngineHoldings):
    """A holdings table held as a PySpark DataFrame, read once by two Spark jobs; answers like
    :class:`sector_weights.Holdings` (``weights``, ``exposures``, ``compare``, ``evaluate``,
    ``portfolios``, ``sectors``, ``dropped``), as pandas frames, from exact sums."""

    def __init__(
        self,
        sdf: Any,
        portfolio: Any,
        sector: Any,
        value: Any,
        sectors: Optional[Sequence[Any]] = None,
        na: str = "raise",
    ) -> None:
        check_na(na)
        if not _is_spark_frame(sdf):
            raise TypeError(
                f"spark_df must be a pyspark DataFrame, got {type(sdf).__name__} (for a pandas, "
                "polars or Arrow table use sector_weights.Holdings)"
            )
        self._names, self._sdf = (portfolio, sector, value), sdf
        listed = None if sectors is None else self._listed(sectors)
        names = self._names
        read = _per_partition("summary", lambda table, k: summarize(table, names, na, k))
        rows = self._select([]).mapInArrow(read, "summary binary").collect()
        summaries = [pickle.loads(r[0]) for r in rows]
        self._start(Plan(summaries, self._names, listed, na, _name), self._names, na)

    def _select(self, more: List[Any]) -> Any:
        """The DataFrame's columns the passes read (an unknown name is named with the columns)."""
        have = self._sdf.columns
        wanted = list(self._names) + more
        for c in wanted:
            if have.count(c) != 1:
                shown = ", ".join(repr(x) for x in have[:20]) + (", ..." if len(have) > 20 else "")
                problem = "no column" if c not in have else f"{have.count(c)} columns named"
                raise ValueError(f"the holdings has {problem} {c!r} (its columns: {shown})")
        return self._sdf.select(*[self._sdf[c] for c in dict.fromkeys(wanted)])

    def _reduce(self, metric: Any) -> Sums:
        """Pass 2: exact partial sums per partition, merged by treeAggregate on the executors."""
        df = self._select([] if metric is None else [metric])
        book = self._plan.book  # (not self: the function is sent to the executors)
        sums = _per_partition("sums", lambda table, k: piece_sums(table, book, metric, k))
        parts = df.mapInArrow(sums, "sums binary")
        rdd = parts.rdd.map(lambda row: pickle.loads(row[0]))
        return rdd.treeAggregate(Sums(), merge, merge, depth=TREE_DEPTH)  # type: ignore[no-any-return]

    def _local(self, orders: Any) -> Any:
        """An order list given as a pyspark DataFrame, collected (order lists are small)."""
        return orders.toPandas() if _is_spark_frame(orders) else orders

    def __repr__(self) -> str:
        return "spark." + super().__repr__()


# ---------------------------------------------------------------------------------------------
# One question each: weights, exposures, compare, evaluate, made from Holdings (their full
# signatures: help(weights), inspect.signature(weights))

weights, exposures, compare, evaluate = one_question_functions(
    Holdings, "spark_df", "pyspark", [], __name__
)
