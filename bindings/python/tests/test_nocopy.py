"""Inputs the library reads reach it without a copy: the very addresses of the caller's arrays are
passed. float64 weights with int32 codes go to the original entry points; codes of every other
width the library reads (int8 ... int64, uint8 ... uint32) and float32 weights and values go to
the typed ones (sw_ragged_sums, sw_grouped_sums) in SwColumn structures, recorded here as
(data, len, dtype). Other dtypes and strided views are converted (and the recorded addresses then
differ, which shows the check can fail)."""

from __future__ import annotations

import ctypes

import numpy as np
import pytest

import sector_weights as sw
from sector_weights import _arrays, _fastcall, _fastpath, _lib


# The SwColumn arguments of the typed entry points, by position.
TYPED = {"sw_ragged_sums": (0, 1, 2), "sw_grouped_sums": (0, 1, 2, 4)}


def _column(address):
    """A SwColumn argument, read during the call: (data, len, dtype), or None for NULL."""
    if address is None:
        return None
    col = _lib.SwColumn.from_address(address)
    return (col.data or 0, col.len, col.dtype)


@pytest.fixture
def recorded(monkeypatch):
    """Replaces the library's functions by wrappers that record their arguments, and points the
    C fast path (_fastcall) at a ctypes callback that records them too (as "sw_sector_weights")."""
    calls = []

    def recorder(name):
        real = getattr(_lib, name)

        def wrapper(*args):
            calls.append((name, tuple(_column(a) if name in TYPED and i in TYPED[name] else a
                                      for i, a in enumerate(args))))
            return real(*args)

        monkeypatch.setattr(_lib, name, wrapper)

    for name in ("sw_sector_weights", "sw_sector_weights_ragged", "sw_sector_exposures", *TYPED):
        recorder(name)

    assert _fastpath.sector_weights is not None, "the installed package lacks its C fast path"
    real = _lib.handle.sw_sector_weights
    # The declared types, with plain c_void_p for the pointers (a callback receives their ints).
    restype, params = _lib.DECLARED["sw_sector_weights"]
    plain = [ctypes.c_void_p if issubclass(t, ctypes.c_void_p) else t for t in params.values()]

    @ctypes.CFUNCTYPE(restype, *plain)
    def through_fast_path(*args):
        calls.append(("sw_sector_weights", tuple(0 if a is None else a for a in args)))
        return real(*args)

    _fastcall.configure(ctypes.cast(through_fast_path, ctypes.c_void_p).value, np.ndarray, np.empty)
    yield calls
    _fastcall.configure(ctypes.cast(real, ctypes.c_void_p).value, np.ndarray, np.empty)


def test_float64_and_int32_are_passed_in_place(recorded, rng):
    w = rng.random((4, 1000))
    c = rng.integers(0, 18, (4, 1000), dtype=np.int32)
    got = sw.sector_weights(w, c, 18)
    (name, args), = recorded
    assert name == "sw_sector_weights"
    assert args[0] == w.ctypes.data and args[2] == c.ctypes.data
    assert args[6] == got.ctypes.data
    assert args[1] == args[3] == 4000 and args[4:6] == (4, 18) and args[7] == 72


def test_out_is_passed_in_place(recorded, rng):
    w = rng.random(100)
    c = rng.integers(0, 5, 100, dtype=np.int32)
    out = np.empty(5)
    sw.sector_weights(w, c, 5, out=out)
    (_, args), = recorded
    assert args[0] == w.ctypes.data and args[2] == c.ctypes.data and args[6] == out.ctypes.data


def test_read_only_views_are_passed_in_place(recorded, rng):
    w = rng.random(100)
    c = rng.integers(0, 5, 100, dtype=np.int32)
    w.flags.writeable = False
    c.flags.writeable = False
    sw.sector_weights(w, c, 5)
    (_, args), = recorded
    assert args[0] == w.ctypes.data and args[2] == c.ctypes.data


def test_contiguous_slices_of_larger_arrays_are_passed_in_place(recorded, rng):
    big_w = rng.random((10, 100))
    big_c = rng.integers(0, 5, (10, 100), dtype=np.int32)
    w, c = big_w[3:7], big_c[3:7]  # C-contiguous views into the middle
    sw.sector_weights(w, c, 5)
    (_, args), = recorded
    assert args[0] == w.ctypes.data == big_w[3:].ctypes.data
    assert args[2] == c.ctypes.data


def test_ragged_exposures_and_offsets_are_passed_in_place(recorded, rng):
    w = rng.random(50)
    v = rng.random(50)
    c = rng.integers(0, 4, 50, dtype=np.int32)
    offsets = np.array([0, 20, 50], dtype=np.int64)
    sw.sector_weights(w, c, 4, offsets=offsets, normalize=True)
    sw.sector_exposures(w, v, c, 4, offsets=offsets)
    (n1, a1), (n2, a2) = recorded
    assert n1 == "sw_sector_weights_ragged" and n2 == "sw_sector_exposures"
    assert (a1[0], a1[2], a1[4], a1[7]) == (w.ctypes.data, c.ctypes.data, offsets.ctypes.data, 1)
    assert (a2[0], a2[2], a2[4], a2[6]) == (
        w.ctypes.data, v.ctypes.data, c.ctypes.data, offsets.ctypes.data
    )


def test_other_dtypes_and_strided_views_are_converted(recorded, rng):
    w = rng.random((4, 200))
    c = rng.integers(0, 18, (4, 200), dtype=np.int32)
    sw.sector_weights(w, c.astype(np.uint64), 18)  # uint64: read as int64 (a copy)
    sw.sector_weights(w.astype(np.float16), c, 18)  # float16: widened to float64
    sw.sector_weights(w[:, ::2], c[:, ::2], 18)  # strided: copied
    (n1, a), (n2, b), (n3, d) = recorded
    assert n1 == "sw_ragged_sums" and a[0][0] == w.ctypes.data and a[2][2] == _lib.SW_INT64
    assert n2 == n3 == "sw_sector_weights"
    assert b[2] == c.ctypes.data and b[0] not in (0, w.ctypes.data)
    assert d[0] != w.ctypes.data and d[2] != c.ctypes.data


CODE_TYPES = [np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32]


@pytest.mark.parametrize("ctype", CODE_TYPES)
@pytest.mark.parametrize("ftype", [np.float32, np.float64])
def test_native_types_are_passed_in_place_in_every_layout(recorded, rng, ctype, ftype):
    """(P, B), (B,), offsets and portfolios, weights and exposures: the columns the library
    reads are the caller's arrays. (float64 with int32 takes the original entry points, checked
    above.)"""
    w = rng.random((3, 40)).astype(ftype)
    v = rng.random((3, 40)).astype(ftype)
    c = rng.integers(0, 5, (3, 40)).astype(ctype)
    p = rng.integers(0, 3, 120).astype(ctype)
    sw.sector_weights(w, c, 5)
    sw.sector_weights(w[1], c[1], 5, normalize=True)
    sw.sector_exposures(w.ravel(), v.ravel(), c.ravel(), 5, offsets=[0, 7, 7, 120])
    sw.sector_weights(w.ravel(), c.ravel(), 5, portfolios=p, num_portfolios=3)
    sw.sector_exposures(w.ravel(), v.ravel(), c.ravel(), 5, portfolios=p)
    typed = ctype is not np.int32 or ftype is not np.float64
    if not typed:
        assert [name for name, _ in recorded[3:]] == ["sw_grouped_sums"] * 2
        return
    assert [name for name, _ in recorded] == ["sw_ragged_sums"] * 3 + ["sw_grouped_sums"] * 2
    fdt, cdt = _arrays.FLOAT_DTYPES[np.dtype(ftype)], _arrays.CODE_DTYPES[np.dtype(ctype)]
    (_, a), (_, b), (_, e), (_, g), (_, h) = recorded
    assert a[:3] == ((w.ctypes.data, 120, fdt), None, (c.ctypes.data, 120, cdt))
    assert (a[3], a[5], a[6], a[8]) == (5, 4, 0, 15)  # S, offsets 0 40 80 120, flags, out_len
    assert b[:3] == ((w[1].ctypes.data, 40, fdt), None, (c[1].ctypes.data, 40, cdt))
    assert b[6] == _lib.SW_NORMALIZE
    assert e[:3] == ((w.ctypes.data, 120, fdt), (v.ctypes.data, 120, fdt), (c.ctypes.data, 120, cdt))
    assert g[0] == (w.ctypes.data, 120, fdt) and g[1] is None and g[2] == (c.ctypes.data, 120, cdt)
    assert g[4] == (p.ctypes.data, 120, cdt) and g[5] == 3
    assert h[:3] == e[:3] and h[4] == g[4]


def test_float32_with_float64_widens_the_float32_one(recorded, rng):
    w32 = rng.random(50).astype(np.float32)
    v64 = rng.random(50)
    c = rng.integers(0, 4, 50).astype(np.int8)
    sw.sector_exposures(w32, v64, c, 4)
    sw.sector_exposures(v64, w32, c, 4)
    (_, a), (_, b) = recorded
    assert a[0][2] == a[1][2] == b[0][2] == b[1][2] == _lib.SW_FLOAT64
    assert a[1][0] == v64.ctypes.data and a[0][0] != w32.ctypes.data  # float32 widened
    assert b[0][0] == v64.ctypes.data and b[1][0] != w32.ctypes.data
    assert a[2][0] == b[2][0] == c.ctypes.data


def test_byte_swapped_and_strided_native_types_are_copied_keeping_their_width(recorded, rng):
    w = rng.random(60).astype(">f4")
    c = rng.integers(0, 4, 120).astype(np.int16)[::2]
    p = np.zeros(60, dtype=">u4")
    sw.sector_weights(w, c, 4, portfolios=p)
    (_, g), = recorded
    assert g[0][2] == _lib.SW_FLOAT32 and g[2][2] == _lib.SW_INT16 and g[4][2] == _lib.SW_UINT32
    assert g[2][0] != c.ctypes.data and g[4][0] != p.ctypes.data
