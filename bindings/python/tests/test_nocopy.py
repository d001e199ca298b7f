"""float64 and C-contiguous int32 inputs reach the library without a copy: the very addresses of
the caller's arrays are passed. Other dtypes and strided views are converted (and the recorded
addresses then differ, which shows the check can fail)."""

from __future__ import annotations

import ctypes

import numpy as np
import pytest

import sector_weights as sw
from sector_weights import _fastcall, _fastpath, _lib


@pytest.fixture
def recorded(monkeypatch):
    """Replaces the library's functions by wrappers that record their arguments, and points the
    C fast path (_fastcall) at a ctypes callback that records them too (as "sw_sector_weights")."""
    calls = []

    def recorder(name):
        real = getattr(_lib, name)

        def wrapper(*args):
            calls.append((name, args))
            return real(*args)

        monkeypatch.setattr(_lib, name, wrapper)

    for name in ("sw_sector_weights", "sw_sector_weights_ragged", "sw_sector_exposures"):
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
    c64 = rng.integers(0, 18, (4, 200))  # int64, like np.random.randint(..., dtype=int)
    sw.sector_weights(w, c64, 18)
    w32 = w.astype(np.float32)
    c = c64.astype(np.int32)
    sw.sector_weights(w32, c, 18)
    sw.sector_weights(w[:, ::2], c[:, ::2], 18)
    (_, a), (_, b), (_, d) = recorded
    assert a[0] == w.ctypes.data and a[2] != c64.ctypes.data  # int64 codes: converted
    assert b[0] != w32.ctypes.data and b[2] == c.ctypes.data  # float32 weights: widened
    assert d[0] != w.ctypes.data and d[2] != c.ctypes.data  # strided: copied

