"""Results: agreement with a naive reference over random shapes and dtypes, every input form."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import assert_close_to_reference, reference

import sector_weights as sw

WEIGHT_DTYPES = [np.float64, np.float32, np.int64, np.int32, np.uint16, np.float16]
CODE_DTYPES = [np.int32, np.int64, np.int16, np.int8, np.uint8, np.uint16, np.uint32, np.uint64]


def random_weights(rng, shape, dtype):
    if np.dtype(dtype).kind == "f":
        # Mixed signs and magnitudes (shorts, sells), the hard case for summation.
        return (rng.standard_normal(shape) * 10.0 ** rng.integers(-3, 4, shape)).astype(dtype)
    return rng.integers(0, 1000, shape).astype(dtype)


@pytest.mark.parametrize("trial", range(40))
def test_agrees_with_reference_on_random_shapes_and_dtypes(rng, trial):
    rng = np.random.default_rng(trial)
    P = int(rng.integers(0, 6))
    B = int(rng.choice([0, 1, 2, 7, 100, 1000, 5000]))
    S = int(rng.integers(1, 40))
    wdt = WEIGHT_DTYPES[trial % len(WEIGHT_DTYPES)]
    cdt = CODE_DTYPES[trial % len(CODE_DTYPES)]
    S = min(S, np.iinfo(cdt).max)
    w = random_weights(rng, (P, B), wdt)
    c = rng.integers(0, S, (P, B)).astype(cdt)
    got = sw.sector_weights(w, c, S)
    assert got.dtype == np.float64 and got.shape == (P, S)
    assert_close_to_reference(got, reference(w, c, S), w)
    if P:
        one = sw.sector_weights(w[0], c[0], S)
        assert one.shape == (S,)
        assert_close_to_reference(one, reference(w[0], c[0], S), w[0])


def test_integer_weights_are_exact(rng):
    w = rng.integers(-(2**20), 2**20, (5, 3000)).astype(np.float64)
    c = rng.integers(0, 18, (5, 3000))
    got = sw.sector_weights(w, c, 18)
    want = np.array([np.bincount(c[p], w[p], minlength=18) for p in range(5)])
    assert np.array_equal(got, want)


def test_large_parallel_input_agrees(rng):
    # Above the library's inline threshold, so the pool and chunking are used.
    w = rng.random((3, 200_000))
    c = rng.integers(0, 18, (3, 200_000), dtype=np.int32)
    got = sw.sector_weights(w, c, 18)
    want = np.array([np.bincount(c[p], w[p], minlength=18) for p in range(3)])
    np.testing.assert_allclose(got, want, rtol=1e-12)


def test_views_strides_and_orders(rng):
    base_w = rng.random((6, 400))
    base_c = rng.integers(0, 9, (6, 400))
    for w, c in [
        (base_w[::2, ::3], base_c[::2, ::3]),  # strided
        (np.asfortranarray(base_w), np.asfortranarray(base_c)),  # column-major
        (base_w[:, 10:50], base_c[:, 10:50].astype(np.int32)),  # offset non-contiguous slices
        (base_w.T.copy().T, base_c.T.copy().T),
    ]:
        assert_close_to_reference(sw.sector_weights(w, c, 9), reference(w, c, 9), w)


def test_byte_swapped_and_misaligned_inputs(rng):
    w = rng.random(1000)
    c = rng.integers(0, 7, 1000, dtype=np.int32)
    want = reference(w, c, 7)
    assert_close_to_reference(sw.sector_weights(w.astype(">f8"), c.astype(">i4"), 7), want, w)
    # float64 data starting one byte into a buffer: not aligned, so it is copied first.
    raw = np.zeros(8 * 1000 + 1, dtype=np.uint8)
    mis = raw[1:].view(np.float64)
    mis[:] = w
    assert not mis.flags.aligned
    assert_close_to_reference(sw.sector_weights(mis, c, 7), want, w)


def test_lists_and_scalars_forms():
    assert sw.sector_weights([0.5, 0.25, 0.25], [2, 0, 2], 3).tolist() == [0.25, 0.0, 0.75]
    assert sw.sector_weights([[1.0, 2.0], [3.0, 4.0]], [[0, 0], [1, 0]], 2).tolist() == [
        [3.0, 0.0],
        [4.0, 3.0],
    ]
    # Python ints of any kind for num_sectors; object arrays of Python ints for codes.
    codes = np.array([1, 0, 1], dtype=object)
    assert sw.sector_weights([1.0, 2.0, 3.0], codes, np.int64(2)).tolist() == [2.0, 4.0]
    # Read-only inputs are fine (and not copied).
    w = np.array([1.0, 2.0])
    w.flags.writeable = False
    assert sw.sector_weights(w, [1, 1], 2).tolist() == [0.0, 3.0]


def test_empty_shapes():
    assert sw.sector_weights(np.zeros(0), np.zeros(0, np.int32), 4).tolist() == [0.0] * 4
    assert sw.sector_weights(np.zeros((0, 5)), np.zeros((0, 5), np.int32), 3).shape == (0, 3)
    got = sw.sector_weights(np.zeros((3, 0)), np.zeros((3, 0), np.int32), 2)
    assert got.tolist() == [[0.0, 0.0]] * 3
    # Zero sectors is fine when there is nothing to group.
    assert sw.sector_weights(np.zeros((2, 0)), np.zeros((2, 0), np.int32), 0).shape == (2, 0)


def test_out_is_filled_in_place_and_returned(rng):
    w = rng.random((4, 50))
    c = rng.integers(0, 5, (4, 50))
    out = np.full((4, 5), -1.0)
    got = sw.sector_weights(w, c, 5, out=out)
    assert got is out
    assert_close_to_reference(out, reference(w, c, 5), w)
    out1 = np.full(5, 7.0)
    assert sw.sector_weights(w[1], c[1], 5, out=out1) is out1
    assert_close_to_reference(out1, reference(w[1], c[1], 5), w[1])


def test_ragged_offsets(rng):
    sizes = [0, 5, 1, 1000, 0, 37]
    offsets = np.concatenate([[0], np.cumsum(sizes)])
    n = int(offsets[-1])
    w = rng.standard_normal(n)
    c = rng.integers(0, 11, n)
    got = sw.sector_weights(w, c, 11, offsets=offsets)
    assert got.shape == (len(sizes), 11)
    assert_close_to_reference(got, reference(w, c, 11, offsets=offsets), w)
    assert got[0].tolist() == [0.0] * 11 and got[4].tolist() == [0.0] * 11
    # Offsets as a list, and as int32.
    again = sw.sector_weights(w, c, 11, offsets=list(offsets))
    assert np.array_equal(again, got)
    assert np.array_equal(sw.sector_weights(w, c, 11, offsets=offsets.astype(np.int32)), got)
    # No portfolios at all: offsets [0].
    assert sw.sector_weights([], [], 3, offsets=[0]).shape == (0, 3)


def test_normalize(rng):
    mv = rng.random((4, 300)) * 1e6  # market values in, weights out
    c = rng.integers(0, 6, (4, 300))
    got = sw.sector_weights(mv, c, 6, normalize=True)
    np.testing.assert_allclose(got.sum(axis=1), 1.0, rtol=1e-14)
    np.testing.assert_allclose(got, reference(mv, c, 6, normalize=True), rtol=1e-13)
    one = sw.sector_weights(mv[2], c[2], 6, normalize=True)
    np.testing.assert_allclose(one, reference(mv[2], c[2], 6, normalize=True), rtol=1e-13)
    offsets = [0, 300, 900, 1200]
    ragged = sw.sector_weights(mv.ravel(), c.ravel(), 6, offsets=offsets, normalize=True)
    want = reference(mv.ravel(), c.ravel(), 6, offsets=offsets, normalize=True)
    np.testing.assert_allclose(ragged, want, rtol=1e-13)


def test_sector_exposures(rng):
    w = rng.random((3, 400))
    dur = rng.random((3, 400)) * 10  # e.g. duration per bond
    c = rng.integers(0, 8, (3, 400))
    got = sw.sector_exposures(w, dur, c, 8)
    assert got.shape == (3, 8)
    assert_close_to_reference(got, reference(w, c, 8, values=dur), w, dur)
    one = sw.sector_exposures(w[0], dur[0], c[0], 8)
    assert_close_to_reference(one, reference(w[0], c[0], 8, values=dur[0]), w[0], dur[0])
    offsets = [0, 100, 100, 1200]
    ragged = sw.sector_exposures(w.ravel(), dur.ravel(), c.ravel(), 8, offsets=offsets)
    want = reference(w.ravel(), c.ravel(), 8, values=dur.ravel(), offsets=offsets)
    assert_close_to_reference(ragged, want, w, dur)
    norm = sw.sector_exposures(w, dur, c, 8, normalize=True)
    np.testing.assert_allclose(norm.sum(axis=1), 1.0, rtol=1e-14)
    out = np.empty((3, 8))
    assert sw.sector_exposures(w, dur, c, 8, out=out) is out
    assert np.array_equal(out, got)


def test_pandas_columns():
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame(
        {"mv": [0.1, 0.2, 0.3, 0.4], "sector": [3, 1, 3, 0], "sector32": [3, 1, 3, 0]}
    ).astype({"sector32": "int32"})
    want = [0.4, 0.2, 0.0, 0.4]
    np.testing.assert_allclose(sw.sector_weights(df["mv"], df["sector"], 4), want)
    np.testing.assert_allclose(sw.sector_weights(df["mv"], df["sector32"], 4), want)
    nullable = df["sector"].astype("Int64")  # pandas' nullable integers, no missing value
    np.testing.assert_allclose(sw.sector_weights(df["mv"], nullable, 4), want)


def test_polars_columns():
    pl = pytest.importorskip("polars")
    df = pl.DataFrame({"mv": [0.1, 0.2, 0.3, 0.4], "sector": [3, 1, 3, 0]})
    want = [0.4, 0.2, 0.0, 0.4]
    np.testing.assert_allclose(sw.sector_weights(df["mv"], df["sector"], 4), want)
    np.testing.assert_allclose(
        sw.sector_weights(df["mv"], df["sector"].cast(pl.Int32), 4), want
    )


def test_public_names_and_types():
    for name in ["sector_weights", "sector_exposures", "SectorWeightsError", "set_num_threads",
                 "get_num_threads", "__version__"]:
        assert hasattr(sw, name), name
    assert issubclass(sw.SectorWeightsError, ValueError)
    assert isinstance(sw.get_num_threads(), int) and sw.get_num_threads() >= 1
    assert sw.status_message(4) == sw.status_message(sw.Status.ERROR_SECTOR_OUT_OF_RANGE)
    assert sw.status_message(0) and sw.status_message(999)
