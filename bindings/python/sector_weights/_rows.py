"""Rows of the user's tables as the table API names them in errors, and label columns read
with their missing entries.

Every message names rows of the user's table (their position and, for pandas, index label) or
the labels at fault, never positions in arrays the user did not build.
"""

from __future__ import annotations

from typing import Any, Dict, Optional, Sequence, Tuple

import numpy as np

from . import SectorWeightsError, Status
from ._table import Codes, Table, compact

__all__ = [
    "NA", "Rows", "bounded", "check_na", "missing_error", "missing_rows", "plural", "read_labels",
    "some", "unknown_sector_error", "zero_total_error",
]  # fmt: skip

NA = ("raise", "drop")  # the na= choices


def check_na(na: str) -> None:
    if na not in NA:
        raise ValueError(f"na must be 'raise' or 'drop', got {na!r}")


def some(labels: Sequence[Any], limit: int = 5) -> str:
    shown = ", ".join(repr(x) for x in list(labels)[:limit])
    return shown + (f" and {len(labels) - limit} more" if len(labels) > limit else "")


def plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


class Rows:
    """The rows kept from a table (all, or those left after na='drop'), named as in the table."""

    __slots__ = ("table", "kept")

    def __init__(self, table: Table, kept: Optional[np.ndarray]) -> None:
        self.table, self.kept = table, kept

    def name(self, i: int) -> str:
        """The table's name for kept row i."""
        return self.table.row(int(i) if self.kept is None else int(self.kept[i]))

    def missing(self, bad: np.ndarray, column: Any, what: str) -> SectorWeightsError:
        n = int(np.count_nonzero(bad))
        first = int(np.flatnonzero(bad)[0])
        return missing_error(n, column, what, self.table.what, self.name(first))


# The table API's errors about rows, worded once (Holdings and the distributed modules raise them).


def missing_error(n: int, column: Any, what: str, table: str, first: str) -> SectorWeightsError:
    """``n`` rows of ``table`` without ``column`` (``what``: 'label' or 'value'), the first
    named ``first``."""
    return SectorWeightsError(
        Status.ERROR_NON_FINITE if what == "value" else Status.ERROR_INVALID_ARGUMENT,
        f"{plural(n, 'row')} of the {table} {'has' if n == 1 else 'have'} no "
        f"{column!r} (missing{', NaN or ±Inf' if what == 'value' else ''}); first at {first}",
    )


def unknown_sector_error(
    label: Any, column: Any, n: int, first: str, others: Sequence[Any]
) -> SectorWeightsError:
    """A sector label of ``n`` rows (the first named ``first``) not in ``sectors=``."""
    more = f"; also {some(others)}" if others else ""
    return SectorWeightsError(
        Status.ERROR_SECTOR_OUT_OF_RANGE,
        f"sector {label!r} (column {column!r}) is not in sectors=: "
        f"{plural(n, 'row')}, first at {first}{more}",
    )


def zero_total_error(
    label: Any, names: Sequence[Any], n: int, first: str, more: int
) -> SectorWeightsError:
    """Portfolio ``label``'s total of ``names[2]`` is 0 over its ``n`` rows; ``more`` other
    portfolios are in the same case."""
    return SectorWeightsError(
        Status.ERROR_ZERO_TOTAL,
        f"portfolio {label!r} (column {names[0]!r}) has a total "
        f"{names[2]!r} of 0 over its {plural(n, 'row')} "
        f"(first at {first}): its weights are undefined"
        + (f"; {more} more such portfolios" if more else ""),
    )


def read_labels(t: Table, name: Any) -> Codes:
    codes = t.codes(name)
    labels = codes.labels
    if len(set(labels)) != len(labels):  # e.g. an Arrow dictionary with repeated entries
        first: Dict[Any, int] = {}
        remap = np.array([first.setdefault(x, len(first)) for x in labels], dtype=np.int64)
        c = codes.codes
        c = np.where(c < 0, -1, remap[np.maximum(c, 0)])
        codes = Codes(c, list(first), codes.all_used)
    return codes


def compacted(c: Codes) -> Codes:
    present, dense = compact(c.codes, len(c.labels))
    return Codes(dense, [c.labels[i] for i in present.tolist()], True)


def bounded(p: Codes, s: Codes, rows: int) -> Tuple[Codes, Codes]:
    """Codes whose (portfolio x sector) table stays small: label lists far longer than the
    labels in use (e.g. a categorical's unused categories) are cut to the labels in use."""
    limit = max(1 << 22, 4 * rows)
    if len(p.labels) * len(s.labels) > limit and not s.all_used:
        s = compacted(s)
    if len(p.labels) * len(s.labels) > limit and not p.all_used:
        p = compacted(p)
    return p, s


def missing_rows(codes: Sequence[np.ndarray], values: Sequence[np.ndarray]) -> np.ndarray:
    bad = np.zeros(len(codes[0]) if codes else len(values[0]), dtype=bool)
    for c in codes:
        if c.dtype.kind == "i":
            bad |= c < 0
    for v in values:
        bad |= ~np.isfinite(v)
    return bad
