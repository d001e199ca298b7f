"""Every bad input raises the right exception with a message naming the position, and leaves
``out`` untouched."""

from __future__ import annotations

import pickle
import re

import numpy as np
import pytest

import sector_weights as sw
from sector_weights import SectorWeightsError, Status

SENTINEL = -12345.678


def good(P=3, B=8, S=5):
    rng = np.random.default_rng(7)
    return rng.random((P, B)), rng.integers(0, S, (P, B)).astype(np.int32), S


def fresh_out(shape):
    return np.full(shape, SENTINEL)


def expect_library_error(status, pattern, weights, sectors, num_sectors, **kw):
    """Calls with a sentinel-filled out=, checks status, message and that out is untouched."""
    w = np.asarray(weights)
    if kw.get("offsets") is not None:
        shape = (max(len(kw["offsets"]) - 1, 0), num_sectors)
    else:
        shape = (num_sectors,) if w.ndim == 1 else (w.shape[0], num_sectors)
    out = fresh_out(shape)
    with pytest.raises(SectorWeightsError) as info:
        sw.sector_weights(weights, sectors, num_sectors, out=out, **kw)
    err = info.value
    assert err.status == status, (err.status, str(err))
    assert isinstance(err.status, int)
    assert re.search(pattern, err.message), err.message
    assert err.message in str(err) and status.c_name in str(err)
    assert np.all(out == SENTINEL), "out was modified on error"
    # The same error without out=.
    with pytest.raises(SectorWeightsError, match=pattern):
        sw.sector_weights(weights, sectors, num_sectors, **kw)
    return err


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_weight_names_bond_and_portfolio(bad):
    w, c, S = good()
    w[2, 5] = bad
    text = {"nan": "NaN", "inf": "inf", "-inf": "-inf"}[str(bad)]
    expect_library_error(
        Status.ERROR_NON_FINITE,
        rf"weight {re.escape(text)} at bond 5 of portfolio 2 is not finite",
        w, c, S,
    )


def test_code_too_large_names_bond_and_portfolio():
    w, c, S = good()
    c[1, 6] = S
    expect_library_error(
        Status.ERROR_SECTOR_OUT_OF_RANGE, r"sector code 5 at bond 6 of portfolio 1 is outside 0\.\.5",
        w, c, S,
    )


def test_negative_code_names_bond_and_portfolio():
    w, c, S = good()
    c[0, 3] = -1
    expect_library_error(
        Status.ERROR_SECTOR_OUT_OF_RANGE, r"sector code -1 at bond 3 of portfolio 0", w, c, S
    )


@pytest.mark.parametrize("value", [2**31, -(2**31) - 1, 2**40 + 3, -(2**62)])
def test_int64_codes_beyond_int32_are_errors_never_wrapped(value):
    w, c, S = good()
    c64 = c.astype(np.int64)
    c64[2, 7] = value
    # 2**40 + 3 would wrap to 3, a valid code: it must not. int64 codes reach the library as
    # they are (sw_ragged_sums), so the message is the library's own.
    err = expect_library_error(
        Status.ERROR_SECTOR_OUT_OF_RANGE,
        rf"sector code {value} at bond 7 of portfolio 2 is outside 0\.\.5", w, c64, S,
    )
    assert err.message.endswith("outside 0..5")


def test_uint64_codes_beyond_int32():
    w, c, S = good()
    cu = c.astype(np.uint64)
    cu[1, 0] = 2**64 - 1
    expect_library_error(
        Status.ERROR_SECTOR_OUT_OF_RANGE, rf"sector code {2**64 - 1} at bond 0 of portfolio 1",
        w, cu, S,
    )


def test_beyond_int32_in_ragged_input_names_portfolio_and_bond():
    w = np.ones(10)
    c = np.zeros(10, dtype=np.int64)
    c[6] = 2**33
    expect_library_error(
        Status.ERROR_SECTOR_OUT_OF_RANGE, r"sector code 8589934592 at bond 2 of portfolio 1",
        w, c, 3, offsets=[0, 4, 10],
    )


def test_num_sectors_zero_with_bonds():
    w, c, _ = good()
    expect_library_error(
        Status.ERROR_INVALID_ARGUMENT, r"num_sectors is 0 but there are 24 bonds", w, c, 0
    )


@pytest.mark.parametrize(
    "offsets, pattern",
    [
        ([1, 4, 10], r"offsets\[0\] is 1 but must be 0"),
        ([0, 6, 4, 10], r"offsets\[2\] = 4 is less than offsets\[1\] = 6"),
        ([0, 4, 9], r"offsets\[2\] = 9 but the last offset must equal the number of bonds, 10"),
        ([0, 11, 10], r"offsets\[1\] = 11 is past the end of the 10 bonds"),
        ([0, -1, 10], r"offsets\[1\] = -1 is less than offsets\[0\] = 0"),
    ],
)
def test_bad_offsets_name_the_offset(offsets, pattern):
    expect_library_error(
        Status.ERROR_BAD_OFFSETS, pattern, np.ones(10), np.zeros(10, np.int32), 3, offsets=offsets
    )


def test_empty_offsets():
    with pytest.raises(SectorWeightsError, match=r"offsets is empty") as info:
        sw.sector_weights([], [], 3, offsets=[])
    assert info.value.status == Status.ERROR_BAD_OFFSETS


def test_uint64_offset_beyond_int64():
    with pytest.raises(SectorWeightsError, match=r"offsets\[1\] = 18446744073709551615") as info:
        sw.sector_weights(np.ones(3), np.zeros(3, np.int32), 2,
                          offsets=np.array([0, 2**64 - 1, 3], dtype=np.uint64))
    assert info.value.status == Status.ERROR_BAD_OFFSETS


def test_normalize_zero_total_names_portfolio():
    mv = np.array([[1.0, 2.0], [0.0, 0.0], [3.0, 1.0]])
    err = expect_library_error(
        Status.ERROR_ZERO_TOTAL, r"portfolio 1", mv, np.zeros((3, 2), np.int32), 2,
        normalize=True,
    )
    assert "total" in err.message
    # An empty portfolio has a zero total too.
    expect_library_error(
        Status.ERROR_ZERO_TOTAL, r"portfolio 1", np.ones(4), np.zeros(4, np.int32), 2,
        offsets=[0, 4, 4], normalize=True,
    )


def test_exposures_non_finite_value_names_position():
    w, c, S = good()
    v = np.ones_like(w)
    v[1, 4] = np.nan
    out = fresh_out((3, S))
    with pytest.raises(SectorWeightsError, match=r"value NaN at bond 4 of portfolio 1") as info:
        sw.sector_exposures(w, v, c, S, out=out)
    assert info.value.status == Status.ERROR_NON_FINITE
    assert np.all(out == SENTINEL)
    with pytest.raises(ValueError, match=r"values has shape \(3, 7\) but weights has shape"):
        sw.sector_exposures(w, v[:, :7], c, S)


def test_out_overlapping_an_input_is_refused():
    buf = np.zeros(20)
    weights = buf[:10]
    out = buf[8:10 + 0]  # overlaps the last two weights
    with pytest.raises(SectorWeightsError) as info:
        sw.sector_weights(weights, np.zeros(10, np.int32), 2, out=out)
    assert info.value.status == Status.ERROR_OVERLAP
    assert np.all(buf == 0.0)


# --- problems found in Python: TypeError / ValueError, out untouched --------------------------


def python_error(exc, pattern, *args, out_shape=None, **kw):
    out = None if out_shape is None else fresh_out(out_shape)
    with pytest.raises(exc, match=pattern) as info:
        sw.sector_weights(*args, **({"out": out} if out is not None else {}), **kw)
    assert not isinstance(info.value, SectorWeightsError) or exc is SectorWeightsError
    if out is not None:
        assert np.all(out == SENTINEL)


def test_shape_mismatch():
    w, c, S = good()
    python_error(ValueError, r"sectors has shape \(3, 7\) but weights has shape \(3, 8\)",
                 w, c[:, :7], S, out_shape=(3, S))
    python_error(ValueError, r"sectors has shape \(24,\) but weights has shape \(3, 8\)",
                 w, c.ravel(), S, out_shape=(3, S))


def test_too_many_dimensions():
    python_error(ValueError, r"weights must be 1-D .* or 2-D .*got shape \(2, 2, 2\)",
                 np.ones((2, 2, 2)), np.zeros((2, 2, 2), np.int32), 3)
    python_error(ValueError, r"weights must be 1-D .*got shape \(\)", 1.0, 0, 3)


def test_offsets_with_2d_inputs_and_2d_offsets():
    w, c, S = good()
    python_error(ValueError, r"with offsets, weights must be 1-D", w, c, S, offsets=[0, 8, 16, 24])
    python_error(ValueError, r"offsets must be 1-D", w.ravel(), c.ravel(), S,
                 offsets=[[0, 24]])
    python_error(TypeError, r"offsets must hold integers, got dtype float64", w.ravel(),
                 c.ravel(), S, offsets=[0.0, 24.0])


@pytest.mark.parametrize(
    "codes, pattern",
    [
        (np.array([0.0, 1.0]), r"sectors must hold integer codes, got float64"),
        (np.array([True, False]), r"sectors must hold integer codes, got bool"),
        (np.array(["a", "b"]), r"sectors must hold integer codes, got dtype <U1"),
        (np.array([1, 2.5], dtype=object), r"not all integers"),
        (np.array([1, None], dtype=object), r"not all integers"),
    ],
)
def test_bad_code_types(codes, pattern):
    python_error(TypeError, pattern, np.ones(2), codes, 3, out_shape=(3,))


@pytest.mark.parametrize(
    "weights, pattern",
    [
        (np.array([1 + 2j, 3j]), r"weights must hold real numbers .*complex128"),
        (np.array([True, False]), r"weights must hold real numbers .*bool"),
        (np.array(["1", "2"]), r"weights must hold real numbers .*<U1"),
        (np.array([1.0, "x"], dtype=object), r"weights: cannot read its elements as float64"),
    ],
)
def test_bad_weight_types(weights, pattern):
    python_error(TypeError, pattern, weights, np.zeros(2, np.int32), 3, out_shape=(3,))


def test_missing_weight_in_object_column_is_reported_as_nan():
    # numpy reads None as NaN; the library then names the position.
    expect_library_error(
        Status.ERROR_NON_FINITE, r"weight NaN at bond 1 of portfolio 0",
        np.array([1.0, None], dtype=object), np.zeros(2, np.int32), 3,
    )


@pytest.mark.parametrize(
    "num_sectors, exc, pattern",
    [
        (-1, ValueError, r"num_sectors must be >= 0, got -1"),
        (2.0, TypeError, r"num_sectors must be an integer, got float"),
        (True, TypeError, r"num_sectors must be an integer, got bool"),
        ("5", TypeError, r"num_sectors must be an integer, got str"),
        (2**70, ValueError, r"num_sectors = \d+ is too large"),
    ],
)
def test_bad_num_sectors(num_sectors, exc, pattern):
    python_error(exc, pattern, np.ones(2), np.zeros(2, np.int32), num_sectors)


def test_wrong_out():
    w, c, S = good()
    cases = [
        (np.full((3, S + 1), SENTINEL), ValueError, r"out has shape \(3, 6\) but the result has shape \(3, 5\)"),
        (np.full((S,), SENTINEL), ValueError, r"out has shape \(5,\) but the result has shape \(3, 5\)"),
        (np.full((3, S), SENTINEL, dtype=np.float32), TypeError, r"out must have dtype float64, got float32"),
        (np.full((3, S), SENTINEL, dtype=">f8"), TypeError, r"out must have dtype float64"),
        (np.full((S, 3), SENTINEL).T, ValueError, r"out must be C-contiguous"),
        (np.full((3, 2 * S), SENTINEL)[:, ::2], ValueError, r"out must be C-contiguous"),
        # float64 starting one byte into a buffer: the fast path must not pass it either.
        (np.full(8 * 3 * S + 1, 7, dtype=np.uint8)[1:].view(np.float64).reshape(3, S), ValueError,
         r"out is not aligned for float64"),
    ]  # fmt: skip
    for out, exc, pattern in cases:
        before = out.copy()
        with pytest.raises(exc, match=pattern):
            sw.sector_weights(w, c, S, out=out)
        assert np.array_equal(out, before)
    ro = np.full((3, S), SENTINEL)
    ro.flags.writeable = False
    with pytest.raises(ValueError, match=r"out is read-only"):
        sw.sector_weights(w, c, S, out=ro)
    with pytest.raises(TypeError, match=r"out must be a numpy.ndarray of float64, got list"):
        sw.sector_weights(w, c, S, out=[[0.0] * S] * 3)


def test_set_num_threads_bad_values(restore_threads):
    with pytest.raises(ValueError, match=r"n must be >= 0"):
        sw.set_num_threads(-1)
    with pytest.raises(TypeError, match=r"n must be an integer, got float"):
        sw.set_num_threads(1.5)
    with pytest.raises(SectorWeightsError) as info:
        sw.set_num_threads(100_000)
    assert info.value.status == Status.ERROR_INVALID_ARGUMENT
    assert "4096" in info.value.message or "100000" in info.value.message


def test_error_is_a_value_error_and_pickles():
    w, c, S = good()
    c[0, 0] = 99
    with pytest.raises(ValueError) as info:
        sw.sector_weights(w, c, S)
    err = info.value
    again = pickle.loads(pickle.dumps(err))
    assert type(again) is SectorWeightsError
    assert again.status == err.status and again.message == err.message and str(again) == str(err)


def test_last_error_is_per_call():
    """A successful call after a failed one does not raise; the next error has its own text."""
    w, c, S = good()
    bad = c.copy()
    bad[1, 1] = 77
    with pytest.raises(SectorWeightsError, match="sector code 77"):
        sw.sector_weights(w, bad, S)
    sw.sector_weights(w, c, S)
    w2 = w.copy()
    w2[0, 2] = np.nan
    with pytest.raises(SectorWeightsError, match=r"weight NaN at bond 2 of portfolio 0"):
        sw.sector_weights(w2, c, S)
