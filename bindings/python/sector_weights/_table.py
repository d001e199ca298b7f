"""Reading the user's table: label columns as integer codes, value columns as floats.

One :class:`Table` wraps a pandas DataFrame, a polars DataFrame, a pyarrow Table or any object with
``__arrow_c_stream__`` (read into a pyarrow Table). Each reader keeps the column's own buffers
where their layout allows (categorical codes, Arrow dictionary indices, numeric arrays without
missing entries) and factorises strings without sorting the rows: Arrow string arrays (pandas'
Arrow-backed ``str``, polars ``String`` as string views, pyarrow) by the library on their own
buffers (``_strings``); without pyarrow, by polars' Categorical cast or ``pandas.factorize``. pandas, polars and pyarrow are
imported only when a table of theirs is read.

Conventions of every reader: a label column becomes :class:`Codes` (``codes[i]`` indexes
``labels``; -1 marks a missing label); a value column becomes a float32/float64 array in which
NaN (and only non-finite values) marks missing data.
"""

from __future__ import annotations

import sys
from typing import Any, List, Optional, Sequence

import numpy as np

from . import _strings

__all__ = ["Codes", "Table", "frame_kind"]

_NATIVE_CODES = frozenset(np.dtype(t) for t in ("i1", "i2", "i4", "i8", "u1", "u2", "u4"))
# Integer labels whose range is at most this (or the row count) are read as codes = label - min:
# no hashing, and zero-copy when min is 0 and the dtype is one the grouped call reads in place.
_DENSE_SPAN = 1 << 16


class Codes:
    """A label column as codes: ``labels[codes[i]]`` is row i's label, -1 a missing one.

    ``all_used``: every label occurs in some row (factorised columns); False for categories,
    dictionaries and integer ranges, which may list labels no row carries."""

    __slots__ = ("codes", "labels", "all_used")

    def __init__(self, codes: np.ndarray, labels: List[Any], all_used: bool) -> None:
        self.codes, self.labels, self.all_used = codes, labels, all_used


def frame_kind(obj: Any) -> Optional[str]:
    """'pandas', 'polars' or 'arrow' for a frame this package reads, else None. Never imports a
    frame library: a frame of one can only exist once it is imported."""
    mod = type(obj).__module__.partition(".")[0]
    if mod == "pandas" and _is(obj, "pandas", "DataFrame"):
        return "pandas"
    if mod == "polars" and (_is(obj, "polars", "DataFrame") or _is(obj, "polars", "LazyFrame")):
        return "polars"
    if mod == "pyarrow" and _is(obj, "pyarrow", "Table"):
        return "arrow"
    if hasattr(obj, "__arrow_c_stream__"):
        return "arrow"
    return None


def _is(obj: Any, module: str, cls: str) -> bool:
    m = sys.modules.get(module)
    return m is not None and isinstance(obj, getattr(m, cls))


# ---------------------------------------------------------------------------------------------
# Codes from numpy arrays (shared by every kind)


def _int_codes(a: np.ndarray) -> Codes:
    """Integer labels: codes = label - min when the range is small, else sorted uniques."""
    if a.size == 0:
        return Codes(np.zeros(0, np.int32), [], True)
    lo, hi = int(a.min()), int(a.max())
    span = hi - lo + 1
    if span > max(_DENSE_SPAN, a.size) or hi > np.iinfo(np.int64).max:
        uniques, inverse = np.unique(a, return_inverse=True)
        return Codes(inverse.reshape(-1), uniques.tolist(), True)
    if lo == 0 and a.dtype in _NATIVE_CODES and a.flags.c_contiguous:
        codes = a
    else:
        codes = a.astype(np.int64) - lo
    return Codes(codes, list(range(lo, hi + 1)), False)


def _float_codes(a: np.ndarray) -> Codes:
    """Float labels (e.g. integer ids with a missing one): NaN is missing; the rest by value."""
    missing = np.isnan(a)
    if not missing.any():
        uniques, inverse = np.unique(a, return_inverse=True)
        return Codes(inverse.reshape(-1), uniques.tolist(), True)
    uniques, inverse = np.unique(a[~missing], return_inverse=True)
    codes = np.full(a.shape[0], -1, dtype=np.int64)
    codes[~missing] = inverse.reshape(-1)
    return Codes(codes, uniques.tolist(), True)


def _numpy_codes(a: np.ndarray, name: str) -> Codes:
    kind = a.dtype.kind
    if kind in "iu":
        return _int_codes(a)
    if kind == "f":
        return _float_codes(a)
    if kind == "b":
        codes = _int_codes(a.view(np.uint8))
        codes.labels = [bool(x) for x in codes.labels]
        return codes
    raise TypeError(f"column {name!r}: cannot read labels of dtype {a.dtype}")


def compact(codes: np.ndarray, count: int) -> tuple[np.ndarray, np.ndarray]:
    """(the codes present, the codes renumbered 0.. in that order; -1 stays -1)."""
    counts = np.bincount(codes[codes >= 0] if codes.dtype.kind == "i" else codes, minlength=count)
    present = np.flatnonzero(counts)
    table = np.full(count + 1, -1, dtype=np.int32)  # the extra last entry maps -1 to -1
    table[present] = np.arange(present.size, dtype=np.int32)
    return present, table[codes]


def _with_missing(codes: Codes, missing: np.ndarray) -> Codes:
    """``codes`` with -1 where ``missing`` (the codes copied to int64)."""
    out = codes.codes.astype(np.int64)
    out[missing] = -1
    return Codes(out, codes.labels, codes.all_used)


def _float_values(a: np.ndarray, name: str) -> np.ndarray:
    kind = a.dtype.kind
    if kind == "f":
        if a.dtype.itemsize in (4, 8):
            return a
        return a.astype(np.float64)
    if kind in "iu":
        return a.astype(np.float64)
    if kind == "b":
        raise TypeError(f"column {name!r} holds booleans, not numbers")
    try:
        return a.astype(np.float64)
    except (TypeError, ValueError) as e:
        raise TypeError(f"column {name!r}: cannot read its values as numbers ({e})") from None


# ---------------------------------------------------------------------------------------------
# Arrow


def _arrow_codes(ca: Any, name: str) -> Codes:
    import pyarrow as pa
    import pyarrow.compute as pc

    t = ca.type
    if pa.types.is_dictionary(t):
        return _dictionary_codes(ca, all_used=False)
    if _strings.readable(t):  # strings, by the library (in place, hashed in parallel)
        codes, labels = _strings.factorize_arrow(ca)  # type: ignore[misc]
        return Codes(codes, labels, True)
    if pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_boolean(t):
        if ca.null_count:
            return _dictionary_codes(pc.dictionary_encode(ca), all_used=True)
        return _numpy_codes(_arrow_numpy(ca), name)
    # dates, decimals, timestamps...: hashed by Arrow like strings
    return _dictionary_codes(pc.dictionary_encode(ca), all_used=True)


def _dictionary_codes(ca: Any, all_used: bool) -> Codes:
    """Indices of a dictionary-typed ChunkedArray; chunks with different dictionaries are
    unified first (pyarrow's dictionary_encode gives every chunk a prefix of one dictionary)."""
    import pyarrow as pa

    chunks = [c for c in ca.chunks if len(c)] or list(ca.chunks[:1])
    if not chunks:
        return Codes(np.zeros(0, np.int32), [], True)
    last = chunks[-1].dictionary
    for c in chunks[:-1]:
        d = c.dictionary
        if len(d) > len(last) or not d.equals(last.slice(0, len(d))):
            ca = ca.unify_dictionaries()
            chunks = [c for c in ca.chunks if len(c)]
            last = chunks[-1].dictionary
            break
    labels = last.to_pylist()
    parts = []
    for c in chunks:
        idx = c.indices
        if idx.null_count:
            import pyarrow.compute as pc

            idx = pc.fill_null(
                idx.cast(pa.int64()) if pa.types.is_unsigned_integer(idx.type) else idx, -1
            )
        parts.append(idx.to_numpy(zero_copy_only=False))
    codes = parts[0] if len(parts) == 1 else np.concatenate(parts)
    if codes.dtype.kind == "u" and codes.dtype not in _NATIVE_CODES:
        codes = codes.astype(np.int64)
    return Codes(codes, labels, all_used)


def _arrow_numpy(ca: Any) -> np.ndarray:
    """A ChunkedArray without nulls as one numpy array (no copy for a single chunk)."""
    chunks = [c for c in ca.chunks if len(c)]
    if len(chunks) == 1:
        return chunks[0].to_numpy(zero_copy_only=False)
    return ca.to_numpy()


def _arrow_floats(ca: Any, name: str) -> np.ndarray:
    import pyarrow as pa
    import pyarrow.compute as pc

    t = ca.type
    if pa.types.is_boolean(t):
        raise TypeError(f"column {name!r} holds booleans, not numbers")
    if not pa.types.is_floating(t):
        if not (pa.types.is_integer(t) or pa.types.is_decimal(t)):
            raise TypeError(f"column {name!r}: cannot read values of Arrow type {t} as numbers")
        ca = pc.cast(ca, pa.float64())
    elif pa.types.is_float16(t):
        ca = pc.cast(ca, pa.float64())
    if ca.null_count:  # nulls become NaN: missing data like NaN itself
        ca = pc.fill_null(ca, float("nan"))
    return _arrow_numpy(ca)


# ---------------------------------------------------------------------------------------------
# pandas


def _pandas_arrow_array(col: Any) -> Any:
    """The pyarrow ChunkedArray behind an Arrow-backed pandas column, else None."""
    pd = sys.modules["pandas"]
    arr = col.array
    if isinstance(arr, pd.arrays.ArrowExtensionArray):
        return arr.__arrow_array__()
    return None


def _pandas_codes(col: Any, name: str) -> Codes:
    pd = sys.modules["pandas"]
    dtype = col.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        return Codes(col.array.codes, col.array.categories.tolist(), False)
    ca = _pandas_arrow_array(col)
    if ca is not None:
        return _arrow_codes(ca, name)
    if isinstance(dtype, np.dtype) and dtype.kind in "iuf":
        return _numpy_codes(col.to_numpy(), name)
    codes, uniques = pd.factorize(col, use_na_sentinel=True)
    return Codes(codes, list(uniques), True)


def _pandas_floats(col: Any, name: str) -> np.ndarray:
    dtype = col.dtype
    if isinstance(dtype, np.dtype):
        return _float_values(col.to_numpy(), name)
    ca = _pandas_arrow_array(col)
    if ca is not None:
        return _arrow_floats(ca, name)
    if getattr(dtype, "kind", "") == "b":
        raise TypeError(f"column {name!r} holds booleans, not numbers")
    try:  # nullable Float64/Int64 and others: missing entries become NaN
        return col.to_numpy(dtype=np.float64, na_value=np.nan)
    except (TypeError, ValueError) as e:
        raise TypeError(f"column {name!r}: cannot read its values as numbers ({e})") from None


# ---------------------------------------------------------------------------------------------
# polars


def _polars_codes(s: Any, name: str) -> Codes:
    pl = sys.modules["polars"]
    dtype = s.dtype
    if isinstance(dtype, pl.Enum):
        return Codes(_polars_physical(s), dtype.categories.to_list(), False)
    if isinstance(dtype, pl.Categorical):
        return _polars_categorical(s)
    if dtype == pl.String:
        return _polars_strings(s, name)
    if dtype.is_integer() or dtype == pl.Boolean:
        if s.null_count():
            missing = s.is_null().to_numpy()
            return _with_missing(_numpy_codes(s.fill_null(s.min()).to_numpy(), name), missing)
        return _numpy_codes(s.to_numpy(), name)
    if dtype.is_float():
        return _float_codes(s.to_numpy())  # nulls come out as NaN
    uniques = s.unique(maintain_order=True).drop_nulls()
    enum = pl.Enum(uniques.cast(pl.String))
    return Codes(_polars_physical(s.cast(pl.String).cast(enum)), uniques.to_list(), True)


def _polars_strings(s: Any, name: str) -> Codes:
    """With pyarrow: the column's own string views (exported without a copy), factorised by the
    library; without it, the cast to Categorical (one hash per string; unique + an Enum cast
    hash twice). Measured in docs/tables.md."""
    pl = sys.modules["polars"]
    try:
        import pyarrow as pa
    except ImportError:
        return _polars_categorical(s.cast(pl.Categorical))
    compat = getattr(pl, "CompatLevel", None)
    arr = s.to_arrow(compat_level=compat.newest()) if compat is not None else s.to_arrow()
    return _arrow_codes(pa.chunked_array([arr]), name)


def _polars_category_list(s: Any) -> Any:
    """The strings a Categorical's physical codes index: `dtype.categories.to_series()` from
    polars 2 on, `cat.get_categories()` before (polars 1.x, the newest on Python 3.9)."""
    categories = s.dtype.categories
    if hasattr(categories, "to_series"):
        return categories.to_series()
    return s.cat.get_categories()


def _polars_categorical(s: Any) -> Codes:
    """A Categorical's physical codes index the process-wide category list, which holds the
    strings of every categorical the process made: the codes are shifted to start at this
    column's smallest (one pass; a column's codes are usually close together, e.g. when it was
    cast from strings), and a range still long is cut to the codes present."""
    codes = _polars_physical(s)
    categories = _polars_category_list(s)
    valid = codes[codes >= 0] if codes.dtype.kind == "i" else codes
    if valid.size == 0:
        return Codes(np.full(codes.shape[0], -1, np.int32), [], True)
    lo, hi = int(valid.min()), int(valid.max())
    if lo > 0 or hi - lo < 1 << 15:
        # One pass: shifted to start at 0 and narrowed (uint32 codes cost the grouped sums 3x
        # the time of 1- or 2-byte ones, measured in docs/tables.md).
        signed = codes.dtype.kind == "i"
        width = 8 if hi - lo < 1 << 7 else 16 if hi - lo < 1 << 15 else 32
        narrow = np.dtype(f"{'i' if signed else 'u'}{width // 8}")
        shifted = np.subtract(codes, lo, out=np.empty(codes.shape, narrow), casting="unsafe")
        if signed:
            shifted[codes < 0] = -1
        codes = shifted
    if hi - lo < _DENSE_SPAN:
        return Codes(codes, categories.slice(lo, hi - lo + 1).to_list(), False)
    present, dense = compact(codes, hi - lo + 1)
    return Codes(dense, categories.gather(present + lo).to_list(), True)


def _polars_physical(s: Any) -> np.ndarray:
    pl = sys.modules["polars"]
    phys = s.to_physical()
    if phys.null_count():
        phys = phys.cast(pl.Int64).fill_null(-1)
    return phys.to_numpy()


def _polars_floats(s: Any, name: str) -> np.ndarray:
    pl = sys.modules["polars"]
    dtype = s.dtype
    if dtype == pl.Boolean:
        raise TypeError(f"column {name!r} holds booleans, not numbers")
    if not (dtype.is_float() or dtype.is_integer()):
        try:
            s = s.cast(pl.Float64)
        except Exception as e:  # polars raises its own exception types
            raise TypeError(
                f"column {name!r}: cannot read values of type {dtype} as numbers ({e})"
            ) from None
    return _float_values(s.to_numpy(), name)  # nulls come out as NaN


# ---------------------------------------------------------------------------------------------


class Table:
    """The user's table, read column by column; rows named as the user knows them."""

    __slots__ = ("kind", "frame", "num_rows", "_index", "what")

    def __init__(self, frame: Any, what: str = "frame") -> None:
        kind = frame_kind(frame)
        if kind is None:
            raise TypeError(
                f"{what} must be a pandas or polars DataFrame (or polars LazyFrame), a pyarrow "
                "Table or an object with __arrow_c_stream__ (e.g. a duckdb relation), got "
                f"{type(frame).__name__}"
            )
        if kind == "arrow" and not _is(frame, "pyarrow", "Table"):
            try:
                import pyarrow as pa
            except ImportError as e:
                raise ImportError(
                    f"reading a {type(frame).__name__} (an Arrow stream) needs pyarrow: "
                    "pip install pyarrow"
                ) from e
            frame = pa.RecordBatchReader.from_stream(frame).read_all()
        if kind == "polars" and not _is(frame, "polars", "DataFrame"):
            frame = frame.collect()  # a LazyFrame: its query runs here, once
        self.kind, self.frame, self.what = kind, frame, what
        self._index: Any = None
        if kind == "pandas":
            self.num_rows = len(frame.index)
            pd = sys.modules["pandas"]
            index = frame.index
            if not (isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1):
                self._index = index
        else:
            self.num_rows = frame.num_rows if kind == "arrow" else frame.height

    def columns(self) -> List[str]:
        f = self.frame
        return [str(c) for c in (f.columns if self.kind != "arrow" else f.column_names)]

    def column(self, name: Any) -> Any:
        f, kind = self.frame, self.kind
        if kind == "pandas":
            col = f[name] if name in f.columns else None
            if col is not None and col.ndim == 1:
                return col
        elif kind == "polars":
            if name in f.columns:  # polars refuses repeated names
                return f.get_column(name)
        elif len(f.schema.get_all_field_indices(name)) == 1:
            return f.column(name)
        names = f.column_names if kind == "arrow" else list(f.columns)
        hits = sum(1 for c in names if c == name)
        shown = ", ".join(repr(c) for c in names[:20]) + (", ..." if len(names) > 20 else "")
        problem = "no column" if hits == 0 else f"{hits} columns named"
        raise ValueError(f"the {self.what} has {problem} {name!r} (its columns: {shown})")

    def codes(self, name: Any) -> Codes:
        col = self.column(name)
        if self.kind == "pandas":
            return _pandas_codes(col, name)
        if self.kind == "polars":
            return _polars_codes(col, name)
        return _arrow_codes(col, name)

    def floats(self, name: Any) -> np.ndarray:
        col = self.column(name)
        if self.kind == "pandas":
            return _pandas_floats(col, name)
        if self.kind == "polars":
            return _polars_floats(col, name)
        return _arrow_floats(col, name)

    def row(self, i: int) -> str:
        """'row 1043' or 'row 1043 (index 'XS123')': position i among the table's rows."""
        if self._index is None:
            return f"row {i}"
        return f"row {i} (index {self._index[i]!r})"

    def rows(self, positions: Sequence[int]) -> str:
        return ", ".join(self.row(int(i)) for i in positions)
