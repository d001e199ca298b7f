"""String label columns factorised by the library (``sw_factorize_strings``), read in place.

An Arrow string array (``string``, ``large_string``, ``string_view`` and their binary twins:
pandas' Arrow-backed ``str``, polars ``String`` via ``to_arrow``, pyarrow, duckdb) is handed to
the library as its own buffers: offsets (or views), data buffers and validity bitmap. The
library hashes the rows in parallel, without sorting them, and returns each row's code (labels
numbered in order of first appearance, -1 for null) and each label's first row; the labels are
then taken from the column itself at those rows (one small ``take``). No string is copied.
"""

from __future__ import annotations

import ctypes
from typing import Any, List, Optional, Tuple

import numpy as np

from . import _lib
from ._errors import check

__all__ = ["factorize_arrow"]


def _layout(t: Any) -> Optional[Tuple[int, int]]:
    """(SwStrings layout, offset width in bytes) of an Arrow type, or None."""
    import pyarrow as pa

    if pa.types.is_string(t) or pa.types.is_binary(t):
        return _lib.SW_UTF8, 4
    if pa.types.is_large_string(t) or pa.types.is_large_binary(t):
        return _lib.SW_LARGE_UTF8, 8
    is_view = getattr(pa.types, "is_string_view", None)
    is_bin_view = getattr(pa.types, "is_binary_view", None)
    if (is_view and is_view(t)) or (is_bin_view and is_bin_view(t)):
        return _lib.SW_UTF8_VIEW, 16
    return None


def readable(t: Any) -> bool:
    """Whether the library reads strings of this Arrow type."""
    return _layout(t) is not None


def _factorize_chunk(arr: Any) -> Tuple[np.ndarray, np.ndarray]:
    """(codes int32, first rows int64) of one pyarrow Array."""
    layout, width = _layout(arr.type)  # type: ignore[misc]
    n, offset = len(arr), arr.offset
    bufs = arr.buffers()
    data = bufs[2:] if layout == _lib.SW_UTF8_VIEW else bufs[2:3]
    addrs = [0 if b is None else b.address for b in data] or [0]
    sizes = [0 if b is None else b.size for b in data] or [0]
    k = len(addrs)
    col = _lib.SwStrings(
        layout=layout,
        len=n,
        offsets=(bufs[1].address + offset * width) if (n and bufs[1] is not None) else None,
        buffers=(ctypes.c_void_p * k)(*addrs),
        buffer_lens=(ctypes.c_size_t * k)(*sizes),
        num_buffers=k,
        validity=bufs[0].address if (arr.null_count and bufs[0] is not None) else None,
        validity_offset=offset,
    )
    codes = np.empty(n, dtype=np.int32)
    # Room for a label per row: never too little. np.empty of a large array is mapped lazily,
    # so only the pages of the labels found are ever touched.
    first = np.empty(max(n, 1), dtype=np.int64)
    count = ctypes.c_size_t(0)
    check(
        _lib.sw_factorize_strings(
            ctypes.addressof(col),
            codes.ctypes.data,
            n,
            first.ctypes.data,
            n,
            ctypes.addressof(count),
        )
    )
    return codes, first[: count.value]


def _labels(arr: Any, rows: np.ndarray) -> List[Any]:
    """The values of ``arr`` at ``rows``. pyarrow has no ``take`` for string views: a few labels
    are read one by one, many through a cast to large strings (a copy of the column)."""
    import pyarrow as pa

    if _layout(arr.type)[0] != _lib.SW_UTF8_VIEW:  # type: ignore[index]
        return arr.take(pa.array(rows)).to_pylist()
    if rows.size <= 4096:
        return [arr[int(i)].as_py() for i in rows]
    wide = pa.large_string() if pa.types.is_string_view(arr.type) else pa.large_binary()
    return arr.cast(wide).take(pa.array(rows)).to_pylist()


def factorize_arrow(ca: Any) -> Optional[Tuple[np.ndarray, List[Any]]]:
    """(codes, labels) of a pyarrow ChunkedArray or Array of strings (None for another type):
    ``labels[codes[i]]`` is row i's label, -1 a null; labels in order of first appearance."""
    import pyarrow as pa

    if _layout(ca.type) is None:
        return None
    chunks = [c for c in (ca.chunks if isinstance(ca, pa.ChunkedArray) else [ca]) if len(c)]
    if not chunks:
        return np.zeros(0, np.int32), []
    if len(chunks) == 1:
        codes, first = _factorize_chunk(chunks[0])
        return codes, _labels(chunks[0], first)
    # Several chunks: each factorised alone, its labels then numbered in the column's order.
    index: dict = {}
    parts = []
    for c in chunks:
        codes, first = _factorize_chunk(c)
        labels = _labels(c, first)
        table = np.array([index.setdefault(x, len(index)) for x in labels] + [-1], np.int32)
        parts.append(table[codes])  # code -1 takes the table's last entry, -1
    return np.concatenate(parts), list(index)
