"""The C fast path (_fastcall.c, _fastpath.py): sector_weights() is taken in C for ready arrays,
with the same results and errors as the Python path for every shape; anything not ready goes the
Python way. ready() is the one rule for "ready", also used by evaluate_orders()."""

from __future__ import annotations

import numpy as np
import pytest

import sector_weights as sw
from sector_weights import SectorWeightsError, _fastpath, _lib


def python_path_only(monkeypatch):
    monkeypatch.setattr(_fastpath, "sector_weights", None)


def outcome(fn):
    try:
        return "ok", fn()
    except (SectorWeightsError, TypeError, ValueError) as e:
        return type(e).__name__, str(e)


def test_the_fast_path_is_built_and_taken(monkeypatch, rng):
    assert _fastpath.sector_weights is not None
    w = rng.random((3, 50))
    c = rng.integers(0, 4, (3, 50), dtype=np.int32)

    def python_path(*args):
        raise AssertionError("ready arrays went through the ctypes path")

    monkeypatch.setattr(_lib, "sw_sector_weights", python_path)
    out = np.full((3, 4), np.nan)
    assert sw.sector_weights(w, c, 4, out=out) is out
    want = np.zeros((3, 4))
    for p in range(3):
        np.add.at(want[p], c[p], w[p])
    np.testing.assert_allclose(out, want, rtol=1e-12)
    # Not ready (strided int32 codes): the Python path copies, and calls the ctypes function.
    with pytest.raises(AssertionError, match="ctypes path"):
        sw.sector_weights(w, np.repeat(c, 2, axis=1)[:, ::2], 4)
    # int64 codes are read as they are, by the typed entry point.
    monkeypatch.setattr(_lib, "sw_ragged_sums", python_path)
    with pytest.raises(AssertionError, match="ctypes path"):
        sw.sector_weights(w, c.astype(np.int64), 4)


@pytest.mark.parametrize(
    "shape, num_sectors",
    [((0,), 0), ((0,), 3), ((5,), 0), ((5,), 1), ((5,), 7), ((3, 0), 2), ((0, 4), 2), ((2, 7), 5)],
)
def test_same_bits_and_errors_as_the_python_path(monkeypatch, rng, shape, num_sectors):
    w = rng.random(shape)
    c = rng.integers(0, max(num_sectors, 1), shape, dtype=np.int32)
    runs = {}
    for name in ("fast", "python"):
        if name == "python":
            python_path_only(monkeypatch)
        got = outcome(lambda: sw.sector_weights(w, c, num_sectors))
        out = np.full(got[1].shape if got[0] == "ok" else (1,), 7.0)
        with_out = None
        if got[0] == "ok":
            with_out = outcome(lambda: sw.sector_weights(w, c, num_sectors, out=out))
        runs[name] = (got, with_out)
    (fast, fast_out), (py, py_out) = runs["fast"], runs["python"]
    assert fast[0] == py[0], (fast, py)
    if fast[0] == "ok":
        assert fast[1].shape == py[1].shape and fast[1].tobytes() == py[1].tobytes()
        assert fast_out[1].tobytes() == py_out[1].tobytes()
    else:
        assert fast[1] == py[1]


def test_bad_elements_through_the_fast_path_name_their_place(rng):
    w = rng.random((2, 10))
    c = rng.integers(0, 3, (2, 10), dtype=np.int32)
    c[1, 4] = 3
    out = np.full((2, 3), -1.0)
    message = r"sector code 3 at bond 4 of portfolio 1 is outside 0\.\.3"
    with pytest.raises(SectorWeightsError, match=message):
        sw.sector_weights(w, c, 3, out=out)
    assert (out == -1.0).all()
    w[0, 2] = np.nan
    with pytest.raises(SectorWeightsError, match=r"weight NaN at bond 2 of portfolio 0"):
        sw.sector_weights(w, c, 3)


def test_inputs_that_are_not_ready_give_the_python_paths_result(rng):
    w = rng.random((3, 40))
    c = rng.integers(0, 5, (3, 40), dtype=np.int32)
    misaligned = np.zeros(4 * 120 + 2, dtype=np.uint8)[2:].view(np.int32).reshape(3, 40)
    misaligned[:] = c
    want = sw.sector_weights(w, c, 5)
    cases = [
        ("big-endian weights", w.astype(">f8"), c, 5),
        ("int64 codes", w, c.astype(np.int64), 5),
        ("misaligned codes", w, misaligned, 5),
        ("strided weights", np.repeat(w, 2, axis=1)[:, ::2], c, 5),
        ("Fortran-ordered", np.asfortranarray(w), np.asfortranarray(c), 5),
        ("list input", w.tolist(), c, 5),
        ("numpy integer num_sectors", w, c, np.int64(5)),
        ("read-only weights", np.frombuffer(w.tobytes()).reshape(3, 40), c, 5),
    ]
    for name, ww, cc, s in cases:
        assert sw.sector_weights(ww, cc, s).tobytes() == want.tobytes(), name
    np.testing.assert_allclose(sw.sector_weights(w.astype(np.float32), c, 5), want, rtol=1e-6)


def test_ready_is_the_one_rule_for_arrays_used_in_place(rng):
    """_fastpath.ready: exactly numpy.ndarray, C-contiguous, aligned, native byte order, of the
    element type of its letter (numpy's dtype.char; C long named by its size)."""
    w = rng.random(40)
    c = rng.integers(0, 5, 40, dtype=np.int32)
    offsets = np.array([0, 10, 40], dtype=np.int64)
    letters = np.dtype(np.float64).char + np.dtype(np.int32).char + np.dtype(np.int64).char
    assert _fastpath.ready(letters, w, c, offsets)
    assert _fastpath.ready("diq", w, c, offsets)  # int64 is 'l' (C long) here, 'q' elsewhere
    read_only = w.copy()
    read_only.flags.writeable = False
    assert _fastpath.ready("d", read_only)  # the library only reads it
    assert _fastpath.ready("")  # no arrays: nothing to refuse
    misaligned = np.zeros(8 * 40 + 1, dtype=np.uint8)[1:].view(np.float64)

    class Subclass(np.ndarray):
        pass

    not_ready = [
        ("another dtype", "d", w.astype(np.float32)),
        ("another letter", "i", w),
        ("big-endian", "d", w.astype(">f8")),
        ("misaligned", "d", misaligned),
        ("strided", "d", w[::2]),
        ("Fortran-ordered", "d", np.asfortranarray(rng.random((3, 4)))),
        ("a subclass", "d", w.view(Subclass)),
        ("a list", "d", w.tolist()),
        ("a memoryview", "d", memoryview(w)),
        ("int32 as int64", "q", c),
        ("a letter not read", "e", w.astype(np.float16)),
    ]
    for what, letter, array in not_ready:
        assert not _fastpath.ready(letter, array), what
        assert not _fastpath.ready("d" + letter, w, array), what
    with pytest.raises(TypeError, match="one letter per array"):
        _fastpath.ready("dd", w)
