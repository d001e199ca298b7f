"""Targets and tolerances given by label, aligned to a result's portfolios and sectors.

Accepted forms (always matched by label, never by position):

- a number: the same for every cell;
- per sector: a dict ``{sector: x}``, a pandas Series indexed by sector label, or a polars
  DataFrame / pyarrow Table with the sector column and one numeric column (long form);
- per cell: a dict of dicts ``{portfolio: {sector: x}}``; a pandas Series with a (portfolio,
  sector) MultiIndex; a frame shaped like a result (pandas: index = portfolios, columns =
  sectors; polars / Arrow: the portfolio column, then one column per sector); or a polars /
  Arrow long form with the portfolio column, the sector column and one numeric column.

Every sector needs a value, and every label must be known: a missing or unknown label is an
error naming it. Values must be finite (and tolerances >= 0).
"""

from __future__ import annotations

import math
import numbers
import sys
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

import numpy as np

from . import SectorWeightsError, Status
from ._table import frame_kind

__all__ = ["Axes", "band"]

_POSITIONAL = (
    "{name} must be labelled (a number, a dict, a Series or a frame keyed by sector label), got "
    "{kind}: values by position are not accepted, since a different label order would silently "
    "give wrong answers"
)


class Axes:
    """The labels of a result and how to find them: what a band is aligned to."""

    __slots__ = (
        "portfolios", "sectors", "p_index", "s_index", "portfolio_name", "sector_name", "cache",
    )  # fmt: skip

    def __init__(
        self,
        portfolios: List[Any],
        sectors: List[Any],
        p_index: Dict[Any, int],
        s_index: Dict[Any, int],
        portfolio_name: Any,
        sector_name: Any,
    ) -> None:
        self.portfolios, self.sectors = portfolios, sectors
        self.p_index, self.s_index = p_index, s_index
        self.portfolio_name, self.sector_name = portfolio_name, sector_name
        self.cache: Dict[str, Any] = {}  # frame labels per result kind (see _frames)


def _names(labels: Sequence[Any], limit: int = 5) -> str:
    shown = ", ".join(repr(x) for x in list(labels)[:limit])
    return shown + (f" and {len(labels) - limit} more" if len(labels) > limit else "")


def _positions(keys: Sequence[Any], index: Dict[Any, int], what: str, name: str) -> np.ndarray:
    """Where each key goes; unknown, repeated or absent labels are errors naming them."""
    pos = np.empty(len(keys), dtype=np.intp)
    unknown = []
    for i, k in enumerate(keys):
        j = index.get(k, -1)
        if j < 0 and isinstance(k, str):  # polars / Arrow column names of non-string labels
            j = _str_index(index).get(k, -1)
        pos[i] = j
        if j < 0:
            unknown.append(k)
    if unknown:
        raise SectorWeightsError(
            Status.ERROR_INVALID_ARGUMENT,
            f"{name} for unknown {what} {_names(unknown)} (the {what}s are "
            f"{_names(list(index), 8)})",
        )
    seen = np.bincount(pos, minlength=len(index))
    if np.any(seen > 1):
        twice = [k for k, j in index.items() if seen[j] > 1]
        raise SectorWeightsError(
            Status.ERROR_INVALID_ARGUMENT, f"{name} gives {what} {_names(twice)} more than once"
        )
    if np.any(seen == 0):
        absent = [k for k, j in index.items() if seen[j] == 0]
        raise SectorWeightsError(
            Status.ERROR_INVALID_ARGUMENT, f"{name} has no value for {what} {_names(absent)}"
        )
    return pos


def _str_index(index: Dict[Any, int]) -> Dict[str, int]:
    return {str(k): j for k, j in index.items() if not isinstance(k, str)}


def _floats(values: Sequence[Any], name: str) -> np.ndarray:
    try:
        return np.array([float(v) if v is not None else math.nan for v in values], dtype=np.float64)
    except (TypeError, ValueError) as e:
        raise TypeError(f"{name} must hold numbers ({e})") from None


def _per_sector(keys: Sequence[Any], values: Sequence[Any], axes: Axes, name: str) -> np.ndarray:
    pos = _positions(list(keys), axes.s_index, "sector", name)
    out = np.empty(len(axes.sectors))
    out[pos] = _floats(values, name)
    return out


def _per_cell(
    pkeys: Sequence[Any], skeys: Sequence[Any], values: Sequence[Any], axes: Axes, name: str
) -> np.ndarray:
    """Long form: one (portfolio, sector, value) per cell, every cell exactly once."""
    P, S = len(axes.portfolios), len(axes.sectors)
    codes = []
    for keys, what, index in ((pkeys, "portfolio", axes.p_index), (skeys, "sector", axes.s_index)):
        c = np.array([index.get(k, -1) for k in keys], dtype=np.intp)
        if np.any(c < 0):
            unknown = list(dict.fromkeys(k for k, i in zip(keys, c) if i < 0))
            raise SectorWeightsError(
                Status.ERROR_INVALID_ARGUMENT,
                f"{name} for unknown {what} {_names(unknown)} (the {what}s are "
                f"{_names(list(index), 8)})",
            )
        codes.append(c)
    flat = codes[0] * S + codes[1]
    seen = np.bincount(flat, minlength=P * S)
    for problem, cells in (("gives more than once", seen > 1), ("has no value for", seen == 0)):
        if np.any(cells):
            k = np.flatnonzero(cells)
            more = f" (and {k.size - 1} more cells)" if k.size > 1 else ""
            raise SectorWeightsError(
                Status.ERROR_INVALID_ARGUMENT,
                f"{name} {problem} portfolio {axes.portfolios[k[0] // S]!r}, sector "
                f"{axes.sectors[k[0] % S]!r}{more}",
            )
    out = np.empty(P * S)
    out[flat] = _floats(values, name)
    return out.reshape(P, S)


def _wide(
    pkeys: Sequence[Any], skeys: Sequence[Any], data: np.ndarray, axes: Axes, name: str
) -> np.ndarray:
    """A portfolios x sectors block with its own row and column labels."""
    rows = _positions(list(pkeys), axes.p_index, "portfolio", name)
    cols = _positions(list(skeys), axes.s_index, "sector", name)
    out = np.empty((len(axes.portfolios), len(axes.sectors)))
    try:
        out[np.ix_(rows, cols)] = np.asarray(data, dtype=np.float64)
    except (TypeError, ValueError) as e:
        raise TypeError(f"{name} must hold numbers ({e})") from None
    return out


def _from_mapping(obj: Mapping[Any, Any], axes: Axes, name: str) -> np.ndarray:
    items = list(obj.items())
    if items and all(isinstance(v, Mapping) for _, v in items):
        rows = _positions([k for k, _ in items], axes.p_index, "portfolio", name)
        out = np.empty((len(axes.portfolios), len(axes.sectors)))
        for r, (p, inner) in zip(rows, items):
            out[r] = _per_sector(list(inner), list(inner.values()), axes, f"{name}[{p!r}]")
        return out
    return _per_sector([k for k, _ in items], [v for _, v in items], axes, name)


def _from_pandas(obj: Any, axes: Axes, name: str) -> np.ndarray:
    pd = sys.modules["pandas"]
    if isinstance(obj, pd.Series):
        index = obj.index
        if isinstance(index, pd.MultiIndex):
            if index.nlevels != 2:
                raise ValueError(
                    f"{name}: a Series with a MultiIndex must have two levels (portfolio, sector), "
                    f"got {index.nlevels}"
                )
            return _per_cell(
                index.get_level_values(0).tolist(), index.get_level_values(1).tolist(),
                obj.tolist(), axes, name,
            )  # fmt: skip
        return _per_sector(index.tolist(), obj.tolist(), axes, name)
    return _wide(
        obj.index.tolist(),
        obj.columns.tolist(),
        obj.to_numpy(dtype=np.float64, na_value=np.nan),
        axes,
        name,
    )


def _from_columns(names: List[str], column: Any, axes: Axes, name: str) -> np.ndarray:
    """A polars DataFrame or pyarrow Table: wide (portfolio column + sector columns) or long
    (sector [and portfolio] column + one value column)."""
    pname, sname = str(axes.portfolio_name), str(axes.sector_name)
    if sname in names:
        rest = [n for n in names if n not in (pname, sname)]
        if len(rest) != 1:
            raise ValueError(
                f"{name}: a long-form frame has the {sname!r} column (and optionally {pname!r}) "
                f"and exactly one value column; got columns {names}"
            )
        values = column(rest[0])
        if pname in names:
            return _per_cell(column(pname), column(sname), values, axes, name)
        return _per_sector(column(sname), values, axes, name)
    if pname in names:
        sectors = [n for n in names if n != pname]
        data = (
            np.column_stack([_floats(column(n), name) for n in sectors])
            if sectors
            else np.empty((0, 0))
        )
        return _wide(column(pname), sectors, data, axes, name)
    if names:  # one row of sector columns
        values = [column(n) for n in names]
        if any(len(v) != 1 for v in values):
            raise ValueError(
                f"{name}: a frame without a {pname!r} or {sname!r} column must be one row of "
                f"sector columns; got {len(values[0])} rows"
            )
        return _per_sector(names, [v[0] for v in values], axes, name)
    raise ValueError(f"{name}: the frame has no columns")


def _checked(a: np.ndarray, name: str, axes: Axes, nonnegative: bool) -> np.ndarray:
    bad = ~np.isfinite(a) | ((a < 0) if nonnegative else False)
    if np.any(bad):
        flat = int(np.flatnonzero(bad.reshape(-1))[0])
        value = a.reshape(-1)[flat]
        if a.ndim == 2:
            S = a.shape[1]
            where = f"portfolio {axes.portfolios[flat // S]!r}, sector {axes.sectors[flat % S]!r}"
        elif a.ndim == 1:
            where = f"sector {axes.sectors[flat]!r}"
        else:
            where = "every cell"
        problem = "is not finite" if not np.isfinite(value) else "is negative"
        raise SectorWeightsError(
            Status.ERROR_NON_FINITE if not np.isfinite(value) else Status.ERROR_INVALID_ARGUMENT,
            f"{name} for {where} {problem} ({value!r}); {np.count_nonzero(bad)} such value(s)",
        )
    return a


def band(obj: Any, name: str, axes: Axes, nonnegative: bool = False) -> np.ndarray:
    """``obj`` as float64 of shape () (one value), (S,) (per sector) or (P, S) (per cell), in
    the result's label order."""
    if isinstance(obj, (numbers.Real, np.number)) and not isinstance(obj, (bool, np.bool_)):
        a = np.array(float(obj))
    elif isinstance(obj, Mapping):
        a = _from_mapping(obj, axes, name)
    else:
        kind = type(obj).__module__.partition(".")[0]
        fkind = frame_kind(obj)
        if kind == "pandas" and hasattr(obj, "index"):
            a = _from_pandas(obj, axes, name)
        elif kind == "polars" and fkind == "polars":
            frame = obj if hasattr(obj, "get_column") else obj.collect()  # a LazyFrame
            a = _from_columns(frame.columns, lambda n: frame.get_column(n).to_list(), axes, name)
        elif kind == "polars":
            raise TypeError(
                f"{name}: a polars Series has no labels; pass a dict, or a DataFrame with the "
                f"{str(axes.sector_name)!r} column and one value column"
            )
        elif fkind == "arrow":
            table = _arrow_table(obj)
            a = _from_columns(table.column_names, lambda n: table.column(n).to_pylist(), axes, name)
        else:
            raise TypeError(_POSITIONAL.format(name=name, kind=type(obj).__name__))
    return _checked(a, name, axes, nonnegative)


def _arrow_table(obj: Any) -> Any:
    import pyarrow as pa

    return obj if isinstance(obj, pa.Table) else pa.RecordBatchReader.from_stream(obj).read_all()


def broadcast(a: Optional[np.ndarray], shape: Tuple[int, int]) -> Optional[np.ndarray]:
    return None if a is None else np.broadcast_to(a, shape)
