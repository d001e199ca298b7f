"""Native code and float types (issue 13): int8 ... int64 and uint8 ... uint32 codes, float32 and
float64 weights and values, read by the library in place, in every layout ((B,), (P, B),
offsets; the grouped layout is test_grouped.py). Results are checked against numpy (np.bincount
with dyadic weights: exact in any order), bit for bit against the original int32/float64 entry
points, and the dtypes the library does not read keep their conversions and errors. That no
conversion copy is made: test_nocopy.py (the addresses passed) and test_grouped.py (peak memory).
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from conftest import REPO_ROOT

import sector_weights as sw
from sector_weights import SectorWeightsError, Status

CODE_TYPES = [np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32]
FLOAT_TYPES = [np.float32, np.float64]


def dyadic(rng, shape, ftype=np.float64):
    """Multiples of 1/64 below 16 with both signs: every sum is exact in float32 and float64, in
    any order, so results compare with ==."""
    return (rng.integers(-1024, 1024, shape) / 64).astype(ftype)


def bincount_rows(w, c, S, v=None):
    """numpy's per-row sums of (P, B) inputs."""
    terms = w.astype(np.float64) * (1.0 if v is None else v.astype(np.float64))
    return np.array([np.bincount(c[p].astype(np.int64), terms[p], minlength=S)
                     for p in range(w.shape[0])]).reshape(w.shape[0], S)


@pytest.mark.parametrize("ctype", CODE_TYPES)
@pytest.mark.parametrize("ftype", FLOAT_TYPES)
def test_every_type_pair_in_every_layout_matches_numpy(rng, ctype, ftype):
    P, B, S = 4, 300, 11
    w, v = dyadic(rng, (P, B), ftype), dyadic(rng, (P, B), ftype)
    c = rng.integers(0, S, (P, B)).astype(ctype)
    want = bincount_rows(w, c, S)
    assert np.array_equal(sw.sector_weights(w, c, S), want)
    assert np.array_equal(sw.sector_weights(w[2], c[2], S), want[2])
    offsets = [0, 0, 250, 700, 1200]
    got = sw.sector_weights(w.ravel(), c.ravel(), S, offsets=offsets)
    flat = [np.bincount(c.ravel()[a:b].astype(np.int64), w.ravel()[a:b].astype(np.float64),
                        minlength=S) for a, b in zip(offsets[:-1], offsets[1:])]
    assert np.array_equal(got, np.array(flat))
    assert np.array_equal(sw.sector_exposures(w, v, c, S), bincount_rows(w, c, S, v))
    out = np.full((P, S), np.nan)
    assert sw.sector_weights(w, c, S, out=out) is out and np.array_equal(out, want)


@pytest.mark.parametrize("ctype", CODE_TYPES)
def test_narrow_codes_give_the_bits_of_int32_codes(rng, ctype):
    """Order-sensitive weights: any change of summation order would change the last bits."""
    S = min(40, int(np.iinfo(ctype).max))
    w = rng.standard_normal((3, 70_000)) * 10.0 ** rng.integers(-6, 7, (3, 70_000))
    c32 = rng.integers(0, S, w.shape, dtype=np.int32)
    c = c32.astype(ctype)
    v = rng.random(w.shape)
    pairs = [
        (sw.sector_weights(w, c, S), sw.sector_weights(w, c32, S)),
        (sw.sector_weights(w, c, S, normalize=True), sw.sector_weights(w, c32, S, normalize=True)),
        (sw.sector_exposures(w, v, c, S), sw.sector_exposures(w, v, c32, S)),
    ]
    for typed, original in pairs:
        assert typed.tobytes() == original.tobytes()


def test_float32_gives_the_bits_of_float32_widened_to_float64(rng):
    w32 = (rng.standard_normal((3, 70_000)) * 10.0 ** rng.integers(-6, 7, (3, 70_000))).astype(
        np.float32
    )
    v32 = rng.random(w32.shape, dtype=np.float32)
    c = rng.integers(0, 18, w32.shape, dtype=np.int32)
    w64, v64 = w32.astype(np.float64), v32.astype(np.float64)
    assert sw.sector_weights(w32, c, 18).tobytes() == sw.sector_weights(w64, c, 18).tobytes()
    assert (sw.sector_exposures(w32, v32, c, 18, normalize=True).tobytes()
            == sw.sector_exposures(w64, v64, c, 18, normalize=True).tobytes())
    # One float32 and one float64: the float32 one is widened, the same bits again.
    assert (sw.sector_exposures(w32, v64, c, 18).tobytes()
            == sw.sector_exposures(w64, v64, c, 18).tobytes())


def test_pandas_categorical_codes_and_polars_physical_codes():
    pd = pytest.importorskip("pandas")
    sectors = pd.Series(["b", "a", "b", "c"]).astype("category")
    codes = sectors.cat.codes.to_numpy()
    assert codes.dtype == np.int8
    w = np.array([0.25, 0.5, 0.125, 0.125], dtype=np.float32)
    assert sw.sector_weights(w, codes, 3).tolist() == [0.5, 0.375, 0.125]
    pl = pytest.importorskip("polars")
    enum = pl.Series(["b", "a", "b", "c"], dtype=pl.Enum(["a", "b", "c"])).to_physical()
    assert sw.sector_weights(w, enum.to_numpy(), 3).tolist() == [0.5, 0.375, 0.125]


# --- codes the library does not read: converted as before, never wrapped -----------------------


def test_uint64_codes_are_read_as_int64_and_checked_by_the_library(rng):
    w = dyadic(rng, (2, 50))
    c = rng.integers(0, 6, (2, 50)).astype(np.uint64)
    assert np.array_equal(sw.sector_weights(w, c, 6), bincount_rows(w, c, 6))
    c[1, 7] = 2**40 + 3  # would wrap to 3 in int32 or uint32
    with pytest.raises(SectorWeightsError, match=r"^sector code 1099511627779 at bond 7 of "
                       r"portfolio 1 is outside 0\.\.6 \(SW_ERROR") as info:
        sw.sector_weights(w, c, 6)
    assert info.value.status == Status.ERROR_SECTOR_OUT_OF_RANGE


def test_codes_wider_than_every_type_the_library_reads_are_reported_here():
    """A uint64 code above int64 cannot be given to the library: the package names it, in the
    library's words."""
    c = np.array([0, 2**64 - 1, 1], dtype=np.uint64)
    out = np.full(3, -1.0)
    with pytest.raises(SectorWeightsError, match=r"sector code 18446744073709551615 at bond 1 of "
                       r"portfolio 0 is outside 0\.\.3 and does not fit in int64") as info:
        sw.sector_weights(np.ones(3, np.float32), c, 3, out=out)
    assert info.value.status == Status.ERROR_SECTOR_OUT_OF_RANGE
    assert (out == -1.0).all()


@pytest.mark.parametrize("ftype", [np.float16, np.int16, np.uint8, np.longdouble])
def test_other_real_weights_are_read_as_float64(rng, ftype):
    w = rng.integers(0, 100, (3, 40)).astype(ftype)
    c = rng.integers(0, 5, (3, 40)).astype(np.int8)
    assert np.array_equal(sw.sector_weights(w, c, 5), bincount_rows(w, c, 5))


@pytest.mark.parametrize("ctype", [np.int16, np.uint32, np.int64])
def test_non_native_byte_order_and_strides_keep_working(rng, ctype):
    w = dyadic(rng, (3, 80), np.float32)
    c = rng.integers(0, 9, (3, 80)).astype(ctype)
    want = bincount_rows(w, c, 9)
    swapped_w = w.astype(w.dtype.newbyteorder(">"))
    swapped_c = c.astype(c.dtype.newbyteorder(">"))
    assert np.array_equal(sw.sector_weights(swapped_w, swapped_c, 9), want)
    assert np.array_equal(sw.sector_weights(np.asfortranarray(w), np.asfortranarray(c), 9), want)
    assert np.array_equal(sw.sector_weights(w[:, ::2], c[:, ::2], 9), bincount_rows(
        w[:, ::2], c[:, ::2], 9))
    # float32 starting one byte into a buffer: copied (aligned) first.
    raw = np.zeros(4 * w.size + 1, dtype=np.uint8)
    mis = raw[1:].view(np.float32).reshape(w.shape)
    mis[:] = w
    assert not mis.flags.aligned
    assert np.array_equal(sw.sector_weights(mis, c, 9), want)


@pytest.mark.parametrize("ctype", CODE_TYPES)
def test_negative_and_too_large_codes_of_every_type_are_the_librarys_errors(rng, ctype):
    w = dyadic(rng, (2, 30), np.float32)
    c = rng.integers(0, 4, (2, 30)).astype(ctype)
    bad = -1 if np.dtype(ctype).kind == "i" else int(np.iinfo(ctype).max)
    c[1, 9] = bad
    out = np.full((2, 4), -1.0)
    with pytest.raises(SectorWeightsError, match=rf"^sector code {bad} at bond 9 of portfolio 1 "
                       r"is outside 0\.\.4 \(SW_ERROR_SECTOR_OUT_OF_RANGE\)$"):
        sw.sector_weights(w, c, 4, out=out)
    assert (out == -1.0).all()


@pytest.mark.parametrize("ftype", FLOAT_TYPES)
def test_non_finite_float32_and_float64_are_named(rng, ftype):
    w = dyadic(rng, 20, ftype)
    v = dyadic(rng, 20, ftype)
    c = np.zeros(20, np.uint8)
    w[4] = np.inf
    with pytest.raises(SectorWeightsError, match=r"weight inf at bond 4 of portfolio 0"):
        sw.sector_weights(w, c, 2, offsets=[0, 20])
    w[4] = 1.0
    v[13] = np.nan
    with pytest.raises(SectorWeightsError, match=r"value NaN at bond 3 of portfolio 1"):
        sw.sector_exposures(w, v, c, 2, offsets=[0, 10, 20])


BENCH = REPO_ROOT / "benches" / "dtypes.py"


@pytest.mark.skipif(not BENCH.is_file(), reason="no source checkout")
def test_the_dtypes_benchmark_runs():
    """benches/dtypes.py --smoke: every contender gives the baseline's bits (it exits otherwise)
    and every table comes out, with the peak memory of each call."""
    r = subprocess.run([sys.executable, str(BENCH), "--smoke"], capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    for title in ("1 portfolio x 100 bonds, uniform", "1 portfolio x 100 bonds, grouped",
                  "3 portfolios x 1,000 bonds x 18 sectors, uniform",
                  "3 portfolios x 1,000 bonds x 18 sectors, grouped, inferred"):
        assert title in r.stdout, r.stdout
    assert r.stdout.count("float32 weights, int8 codes") == 5
    assert r.stdout.count(" KiB") == 15
