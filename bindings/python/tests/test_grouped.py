"""The grouped layout (issue 13): ``portfolios=`` gives one portfolio code per bond, rows in any
order, and the result is (num_portfolios, num_sectors). Checked against numpy (np.bincount on the
combined codes portfolio * S + sector, dyadic weights: exact in any order) for every pair of code
types and both float types, in both of the library's strategies (one table of cells up to 2^15,
buckets of portfolios above); shuffled rows; every error with its row and an untouched out=;
bit-identical results for every thread count; and no conversion copy (peak memory)."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

import sector_weights as sw
from sector_weights import SectorWeightsError, Status

CODE_TYPES = [np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32]
FLOAT_TYPES = [np.float32, np.float64]
SENTINEL = -7.5


def dyadic(rng, n, ftype=np.float64):
    """Multiples of 1/64 below 16 with both signs: sums are exact in any order."""
    return (rng.integers(-1024, 1024, n) / 64).astype(ftype)


def bincount_grouped(w, s, p, S, P, v=None):
    """numpy's reference: one bincount over the combined codes p * S + s."""
    terms = w.astype(np.float64) * (1.0 if v is None else v.astype(np.float64))
    cells = p.astype(np.int64) * S + s.astype(np.int64)
    return np.bincount(cells, terms, minlength=P * S).reshape(P, S)


def table(rng, n, P, S, ptype=np.int32, stype=np.int32, ftype=np.float64):
    return (dyadic(rng, n, ftype), rng.integers(0, S, n).astype(stype),
            rng.integers(0, P, n).astype(ptype))


@pytest.mark.parametrize("ptype", CODE_TYPES)
@pytest.mark.parametrize("stype", CODE_TYPES)
@pytest.mark.parametrize("ftype", FLOAT_TYPES)
def test_every_type_combination_matches_numpy(rng, ptype, stype, ftype):
    P, S, n = 20, 18, 3000
    w, s, p = table(rng, n, P, S, ptype, stype, ftype)
    v = dyadic(rng, n, ftype)
    want = bincount_grouped(w, s, p, S, P)
    got = sw.sector_weights(w, s, S, portfolios=p, num_portfolios=P)
    assert got.shape == (P, S) and got.dtype == np.float64
    assert np.array_equal(got, want)
    assert np.array_equal(sw.sector_exposures(w, v, s, S, portfolios=p, num_portfolios=P),
                          bincount_grouped(w, s, p, S, P, v))


@pytest.mark.parametrize("P, S", [(3, 5), (2000, 18), (40_000, 3), (100, 400)])
def test_both_strategies_match_numpy(rng, P, S):
    """Up to 2^15 cells one table; above, buckets of portfolios (2000 x 18, 40,000 x 3: also
    portfolios that hold no row)."""
    n = 120_000
    w, s, p = table(rng, n, P, S, np.uint16, np.int16, np.float32)
    out = np.full((P, S), np.nan)
    assert sw.sector_weights(w, s, S, portfolios=p, num_portfolios=P, out=out) is out
    assert np.array_equal(out, bincount_grouped(w, s, p, S, P))


def test_shuffled_rows_give_the_same_result(rng):
    P, S, sizes = 20, 18, rng.integers(1_000, 5_000, 20)
    p_sorted = np.repeat(np.arange(P, dtype=np.int8), sizes)
    n = p_sorted.size
    w, s = dyadic(rng, n, np.float32), rng.integers(0, S, n).astype(np.uint8)
    offsets = np.concatenate([[0], np.cumsum(sizes)])
    ragged = sw.sector_weights(w, s, S, offsets=offsets)
    grouped = sw.sector_weights(w, s, S, portfolios=p_sorted)
    assert np.array_equal(grouped, ragged)
    for seed in range(3):
        order = np.random.default_rng(seed).permutation(n)
        got = sw.sector_weights(w[order], s[order], S, portfolios=p_sorted[order])
        assert got.tobytes() == ragged.tobytes()
        norm = sw.sector_weights(w[order], s[order], S, portfolios=p_sorted[order], normalize=True)
        np.testing.assert_allclose(norm, ragged / ragged.sum(axis=1, keepdims=True), rtol=1e-15)


def test_num_portfolios_defaults_to_the_largest_code_plus_one(rng):
    w, s, p = table(rng, 500, 7, 4, np.uint32, np.int16)
    p[p == 6] = 5  # the largest code is 5: 6 portfolios
    got = sw.sector_weights(w, s, 4, portfolios=p)
    assert got.shape == (6, 4) and np.array_equal(got, bincount_grouped(w, s, p, 4, 6))
    # Portfolios beyond the largest code only by num_portfolios: rows of zeros.
    more = sw.sector_weights(w, s, 4, portfolios=p, num_portfolios=9)
    assert np.array_equal(more[:6], got) and not more[6:].any()
    # Lists and other array-likes, like every other argument.
    assert sw.sector_weights([1.0, 2.0, 4.0], [1, 0, 1], 2, portfolios=[1, 1, 0]).tolist() == [
        [0.0, 4.0], [2.0, 1.0]]


def test_no_rows(rng):
    """No rows and no num_portfolios: no portfolios, a (0, S) result; with num_portfolios,
    rows of zeros (and normalising them is an error: their totals are 0)."""
    empty_w, empty_c = np.zeros(0, np.float32), np.zeros(0, np.int8)
    assert sw.sector_weights(empty_w, empty_c, 3, portfolios=empty_c).shape == (0, 3)
    assert sw.sector_weights([], [], 3, portfolios=[]).shape == (0, 3)
    assert sw.sector_weights([], [], 3, portfolios=[], normalize=True).shape == (0, 3)
    assert sw.sector_exposures([], [], [], 3, portfolios=[]).shape == (0, 3)
    assert sw.sector_weights(empty_w, empty_c, 3, portfolios=empty_c, num_portfolios=0).shape == (
        0, 3)
    assert sw.sector_weights(empty_w, empty_c, 0, portfolios=empty_c).shape == (0, 0)
    zeros = sw.sector_weights(empty_w, empty_c, 3, portfolios=empty_c, num_portfolios=2)
    assert zeros.tolist() == [[0.0] * 3] * 2
    with pytest.raises(SectorWeightsError, match=r"portfolio 0 \(0 bonds\) has a total of 0"):
        sw.sector_weights(empty_w, empty_c, 3, portfolios=empty_c, num_portfolios=2, normalize=True)


def test_normalize_and_exposures(rng):
    P, S, n = 30, 18, 20_000
    w, s, p = table(rng, n, P, S, np.int16, np.int8, np.float32)
    w = np.abs(w) + np.float32(1 / 64)  # market values: positive
    v = dyadic(rng, n, np.float32)
    sums = bincount_grouped(w, s, p, S, P)
    got = sw.sector_weights(w, s, S, portfolios=p, normalize=True)
    np.testing.assert_allclose(got, sums / sums.sum(axis=1, keepdims=True), rtol=1e-15)
    exp = bincount_grouped(w, s, p, S, P, v)
    assert np.array_equal(sw.sector_exposures(w, v, s, S, portfolios=p), exp)
    got = sw.sector_exposures(w, v, s, S, portfolios=p, normalize=True)
    np.testing.assert_allclose(got, exp / exp.sum(axis=1, keepdims=True), rtol=1e-13)
    # float32 weights with float64 values: the weights are widened, the same sums.
    assert np.array_equal(sw.sector_exposures(w, v.astype(np.float64), s, S, portfolios=p), exp)


# --- errors: named by row, out untouched ---------------------------------------------------------


def library_error(status, pattern, *args, shape, exposures=False, **kw):
    out = np.full(shape, SENTINEL)
    fn = sw.sector_exposures if exposures else sw.sector_weights
    with pytest.raises(SectorWeightsError, match=pattern) as info:
        fn(*args, out=out, **kw)
    assert info.value.status == status, str(info.value)
    assert (out == SENTINEL).all(), "out was written on error"
    with pytest.raises(SectorWeightsError, match=pattern):
        fn(*args, **kw)


@pytest.mark.parametrize("ptype", CODE_TYPES)
def test_bad_portfolio_code_names_the_row(rng, ptype):
    w, s, p = table(rng, 2000, 21, 18, ptype, np.int8, np.float32)
    p[1043] = 25
    library_error(Status.ERROR_SECTOR_OUT_OF_RANGE,
                  r"^portfolio code 25 at row 1043 is outside 0\.\.21 \(SW_ERROR_SECTOR_OUT_OF_RANGE\)$",
                  w, s, 18, portfolios=p, num_portfolios=21, shape=(21, 18))
    if np.dtype(ptype).kind == "i":
        p[1043], p[7] = 3, -1
        library_error(Status.ERROR_SECTOR_OUT_OF_RANGE,
                      r"portfolio code -1 at row 7 is outside 0\.\.21",
                      w, s, 18, portfolios=p, num_portfolios=21, shape=(21, 18))


def test_num_portfolios_too_small(rng):
    w, s, p = table(rng, 1000, 10, 4)
    p[500] = 9
    library_error(Status.ERROR_SECTOR_OUT_OF_RANGE, r"portfolio code 9 at row \d+ is outside 0\.\.9",
                  w, s, 4, portfolios=p, num_portfolios=9, shape=(9, 4))
    # No portfolios at all for rows that have codes.
    library_error(Status.ERROR_SECTOR_OUT_OF_RANGE, rf"portfolio code {p[0]} at row 0 is outside 0\.\.0",
                  w, s, 4, portfolios=p, num_portfolios=0, shape=(0, 4))


def test_int64_portfolio_codes_are_never_wrapped(rng):
    w, s, p = table(rng, 100, 3, 4, np.int64)
    p[42] = 2**32 + 1  # 1 in uint32/int32
    library_error(Status.ERROR_SECTOR_OUT_OF_RANGE, r"portfolio code 4294967297 at row 42 is outside 0\.\.3 \(SW",
                  w, s, 4, portfolios=p, num_portfolios=3, shape=(3, 4))
    p[42] = 2**63 - 1
    library_error(Status.ERROR_SECTOR_OUT_OF_RANGE, r"portfolio code 9223372036854775807 at row 42",
                  w, s, 4, portfolios=p, num_portfolios=3, shape=(3, 4))
    big = p.astype(np.uint64)
    big[42] = 2**64 - 2
    library_error(Status.ERROR_SECTOR_OUT_OF_RANGE,
                  r"portfolio code 18446744073709551614 at row 42 is outside 0\.\.3 and does not fit in int64",
                  w, s, 4, portfolios=big, num_portfolios=3, shape=(3, 4))


def test_bad_sector_code_names_row_and_portfolio(rng):
    w, s, p = table(rng, 1000, 5, 18, np.uint8, np.int64)
    s[777], p[777] = 18, 3
    library_error(Status.ERROR_SECTOR_OUT_OF_RANGE,
                  r"^sector code 18 at row 777 \(portfolio 3\) is outside 0\.\.18 \(SW_ERROR",
                  w, s, 18, portfolios=p, num_portfolios=5, shape=(5, 18))


@pytest.mark.parametrize("ftype", FLOAT_TYPES)
def test_non_finite_weight_and_value_name_row_and_portfolio(rng, ftype):
    w, s, p = table(rng, 1000, 5, 18, np.int32, np.int32, ftype)
    v = dyadic(rng, 1000, ftype)
    w[5], p[5] = np.nan, 3
    library_error(Status.ERROR_NON_FINITE, r"weight NaN at row 5 \(portfolio 3\) is not finite",
                  w, s, 18, portfolios=p, num_portfolios=5, shape=(5, 18))
    w[5], v[600], p[600] = 1.0, -np.inf, 2
    library_error(Status.ERROR_NON_FINITE, r"value -inf at row 600 \(portfolio 2\) is not finite",
                  w, v, s, 18, portfolios=p, num_portfolios=5, shape=(5, 18), exposures=True)


def test_zero_total_names_the_portfolio(rng):
    w, s, p = table(rng, 100, 4, 3)
    w[p == 2] = 0.0
    library_error(Status.ERROR_ZERO_TOTAL, r"portfolio 2 \(\d+ bonds\) has a total of 0",
                  w, s, 3, portfolios=p, num_portfolios=4, normalize=True, shape=(4, 3))


def python_error(exc, pattern, *args, shape=None, **kw):
    out = None if shape is None else np.full(shape, SENTINEL)
    with pytest.raises(exc, match=pattern) as info:
        sw.sector_weights(*args, out=out, **kw)
    assert not isinstance(info.value, SectorWeightsError)
    assert out is None or (out == SENTINEL).all()


def test_wrong_arguments_are_python_errors(rng):
    w, s, p = table(rng, 10, 2, 3)
    python_error(ValueError, r"pass offsets .* or portfolios .*, not both",
                 w, s, 3, portfolios=p, offsets=[0, 10], shape=(2, 3))
    python_error(ValueError, r"num_portfolios is given without portfolios", w, s, 3, num_portfolios=2)
    python_error(ValueError, r"num_portfolios is given without portfolios",
                 w.reshape(2, 5), s.reshape(2, 5), 3, num_portfolios=2)
    python_error(ValueError, r"with portfolios, weights must be 1-D .*got shape \(2, 5\)",
                 w.reshape(2, 5), s.reshape(2, 5), 3, portfolios=p.reshape(2, 5))
    python_error(ValueError, r"portfolios has shape \(9,\) but weights has shape \(10,\)",
                 w, s, 3, portfolios=p[:9])
    python_error(ValueError, r"sectors has shape \(9,\) but weights has shape \(10,\)",
                 w, s[:9], 3, portfolios=p)
    python_error(TypeError, r"portfolios must hold integer codes, got float64",
                 w, s, 3, portfolios=p.astype(float))
    python_error(TypeError, r"portfolios must hold integer codes, got bool",
                 w, s, 3, portfolios=p.astype(bool))
    python_error(ValueError, r"num_portfolios must be >= 0", w, s, 3, portfolios=p, num_portfolios=-1)
    python_error(TypeError, r"num_portfolios must be an integer, got float",
                 w, s, 3, portfolios=p, num_portfolios=2.0)
    python_error(ValueError, r"out has shape \(3, 3\) but the result has shape \(2, 3\)",
                 w, s, 3, portfolios=p, shape=(3, 3))
    with pytest.raises(ValueError, match=r"not both"):
        sw.sector_exposures(w, w, s, 3, portfolios=p, offsets=[0, 10])


def test_a_huge_inferred_num_portfolios_names_the_row():
    """The default num_portfolios is the largest code + 1: a stray huge code would ask for an
    impossible result. The error names it and its row (with num_portfolios given, the library
    reports such a code instead)."""
    p = np.array([0, 1, 2**62, 1])
    with pytest.raises(ValueError, match=r"largest portfolio code \+ 1, here "
                       r"4,611,686,018,427,387,905 \(portfolio code 4611686018427387904 at row 2\)"):
        sw.sector_weights(np.ones(4), np.zeros(4, np.int8), 18, portfolios=p)
    with pytest.raises(SectorWeightsError, match=r"portfolio code 4611686018427387904 at row 2"):
        sw.sector_weights(np.ones(4), np.zeros(4, np.int8), 18, portfolios=p, num_portfolios=3)
    huge = np.array([0, 2**64 - 1], dtype=np.uint64)
    with pytest.raises(SectorWeightsError, match=r"portfolio code 18446744073709551615 at row 1 "
                       r"does not fit in int64"):
        sw.sector_weights(np.ones(2), np.zeros(2, np.int8), 18, portfolios=huge)


# --- threads and memory --------------------------------------------------------------------------


@pytest.mark.parametrize("P, S", [(20, 18), (5_000, 18)])  # one table; buckets
def test_bit_identical_for_any_thread_count(rng, restore_threads, P, S):
    n = 400_000  # above the library's inline threshold: split across the pool
    w = (rng.standard_normal(n) * 10.0 ** rng.integers(-6, 7, n)).astype(np.float32)
    v = rng.random(n)
    s = rng.integers(0, S, n).astype(np.uint8)
    p = rng.integers(0, P, n).astype(np.uint16)
    results = {}
    for threads in (1, 2, 3, 0):
        sw.set_num_threads(threads)
        results[threads] = [
            sw.sector_weights(w, s, S, portfolios=p, num_portfolios=P),
            sw.sector_weights(w, s, S, portfolios=p, num_portfolios=P, normalize=True),
            sw.sector_exposures(w.astype(np.float64), v, s, S, portfolios=p, num_portfolios=P),
        ]
    for threads, got in results.items():
        for a, b in zip(results[1], got):
            assert a.tobytes() == b.tobytes(), f"{threads} threads differ from 1 thread"
    want = bincount_grouped(w, s, p, S, P)
    np.testing.assert_allclose(results[1][0], want, rtol=0, atol=1e-9 * np.abs(w).sum())


def peak_bytes(call):
    """The peak of memory traced by tracemalloc (numpy's array data included) during call()."""
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        call()
        return tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()


def test_no_conversion_copy_of_int8_float32_columns(rng):
    """4M rows: int8 codes and float32 weights are 4 and 16 MB, a float64 copy of the weights
    32 MB. The calls allocate only their result (and offsets for equal portfolios); a strided
    view, which must be copied, shows the measurement sees copies."""
    n, P, S = 4_000_000, 20, 18
    w = rng.random(n, dtype=np.float32)
    s = rng.integers(0, S, n).astype(np.int8)
    p = rng.integers(0, P, n).astype(np.int8)
    limit = 256 * 1024
    assert peak_bytes(lambda: sw.sector_weights(w, s, S, portfolios=p, num_portfolios=P)) < limit
    assert peak_bytes(lambda: sw.sector_weights(w, s, S, portfolios=p)) < limit
    assert peak_bytes(lambda: sw.sector_exposures(w, w, s, S, portfolios=p)) < limit
    assert peak_bytes(lambda: sw.sector_weights(w.reshape(P, -1), s.reshape(P, -1), S)) < limit
    assert peak_bytes(lambda: sw.sector_weights(w, s, S, offsets=[0, n // 2, n])) < limit
    u32 = p.astype(np.uint32)
    i64 = s.astype(np.int64)
    assert peak_bytes(lambda: sw.sector_weights(w, i64, S, portfolios=u32, num_portfolios=P)) < limit
    # The control: a strided view of the codes is copied (n / 2 bytes at least).
    copied = peak_bytes(lambda: sw.sector_weights(w[::2], s[::2], S, portfolios=p[::2]))
    assert copied >= n // 2
