"""The drop-in proof: the article's own ctypes wrapper, as a reader would fix it, loads
libsector_weights.so in place of the article's C++ library and gets numpy's numbers on the
article's mock data; with ``restype = c_int32`` it also learns about bad input, which the
library refuses without touching the output."""

from __future__ import annotations

import ctypes
import shutil
from pathlib import Path

import numpy as np
import pytest
from conftest import REPO_ROOT

import sector_weights as sw

NUM_PORTFOLIOS = 20
NUM_BONDS = 50_000
NUM_SECTORS = 18


def article_mock_data(seed=42):
    """The article's mock data: per portfolio, np.random.uniform market values normalised to
    weights, and np.random.randint(..., dtype=int) sector codes; concatenated, the codes cast to
    int32 for the C function."""
    np.random.seed(seed)
    mv_list, sector_list = [], []
    for _ in range(NUM_PORTFOLIOS):
        mv = np.random.uniform(0, 1, NUM_BONDS)
        mv_list.append(mv / mv.sum())
        sector_list.append(np.random.randint(0, NUM_SECTORS, NUM_BONDS, dtype=int))
    mv_arrays = np.concatenate(mv_list)
    sector_array = np.concatenate(sector_list).astype(np.int32)
    return mv_arrays, sector_array


def numpy_sector_weights(mv_arrays, sector_array):
    """The article's numpy approach: a masked sum per portfolio and sector."""
    mv = mv_arrays.reshape(NUM_PORTFOLIOS, NUM_BONDS)
    sec = sector_array.reshape(NUM_PORTFOLIOS, NUM_BONDS)
    return np.array(
        [[mv[p][sec[p] == s].sum() for s in range(NUM_SECTORS)] for p in range(NUM_PORTFOLIOS)]
    )


@pytest.fixture(params=["bundled", "target/release"])
def libsector_weights_so(request, tmp_path):
    """A file named libsector_weights.so: a copy of the library the package bundles, and the
    repository's own `cargo build --release` output."""
    if request.param == "bundled":
        path = tmp_path / "libsector_weights.so"
        shutil.copyfile(sw.library_path, path)
        return str(path)
    path = REPO_ROOT / "target" / "release" / "libsector_weights.so"
    if not path.is_file():
        pytest.skip(f"{path} not built (make test builds it first)")
    return str(path)


def test_the_articles_wrapper_as_printed_does_not_run():
    """Why the reader must fix it: the flag is misspelled, and argtypes lists only the arrays."""
    with pytest.raises(KeyError):
        np.ctypeslib.ndpointer(dtype=np.float64, ndim=1, flags="C_CONTINUOUS")
    lib = ctypes.cdll.LoadLibrary(sw.library_path)
    fn = lib.calculate_sector_weights
    fn.restype = None
    fn.argtypes = [  # the article's three arrays, flag spelled right
        np.ctypeslib.ndpointer(dtype=np.float64, ndim=1, flags="C_CONTIGUOUS"),
        np.ctypeslib.ndpointer(dtype=np.int32, ndim=1, flags="C_CONTIGUOUS"),
        np.ctypeslib.ndpointer(dtype=np.float64, ndim=1, flags="C_CONTIGUOUS"),
    ]
    mv_arrays, sector_array = article_mock_data()
    out_arr = np.zeros(NUM_PORTFOLIOS * NUM_SECTORS)
    with pytest.raises(ctypes.ArgumentError, match="argument 2"):
        fn(mv_arrays, NUM_PORTFOLIOS, sector_array, NUM_BONDS, out_arr, NUM_SECTORS)


def fixed_article_wrapper(path, restype):
    """The article's wrapper as a reader fixes it: flag spelled C_CONTIGUOUS and every one of
    the six parameters declared (uintmax_t is 64 bits)."""
    lib = ctypes.cdll.LoadLibrary(path)
    calculate_sector_weights = lib.calculate_sector_weights
    calculate_sector_weights.restype = restype
    calculate_sector_weights.argtypes = [
        np.ctypeslib.ndpointer(dtype=np.float64, ndim=1, flags="C_CONTIGUOUS"),
        ctypes.c_uint64,
        np.ctypeslib.ndpointer(dtype=np.int32, ndim=1, flags="C_CONTIGUOUS"),
        ctypes.c_uint64,
        np.ctypeslib.ndpointer(dtype=np.float64, ndim=1, flags="C_CONTIGUOUS"),
        ctypes.c_uint64,
    ]
    return lib, calculate_sector_weights


def test_drop_in_with_restype_none_gives_numpys_numbers(libsector_weights_so):
    _, calculate_sector_weights = fixed_article_wrapper(libsector_weights_so, None)
    mv_arrays, sector_array = article_mock_data()
    out_arr = np.zeros(NUM_PORTFOLIOS * NUM_SECTORS)
    ret = calculate_sector_weights(
        mv_arrays, NUM_PORTFOLIOS, sector_array, NUM_BONDS, out_arr, NUM_SECTORS
    )
    assert ret is None  # a void function to this caller
    want = numpy_sector_weights(mv_arrays, sector_array)
    np.testing.assert_allclose(out_arr.reshape(NUM_PORTFOLIOS, NUM_SECTORS), want, rtol=1e-12)
    np.testing.assert_allclose(want.sum(axis=1), 1.0, rtol=1e-12)  # normalised weights


def test_drop_in_void_caller_is_protected_but_not_told(libsector_weights_so):
    """A bad sector code no longer corrupts memory: the void caller is not told, but its output
    is left exactly as it was instead of being silently wrong."""
    _, calculate_sector_weights = fixed_article_wrapper(libsector_weights_so, None)
    mv_arrays, sector_array = article_mock_data()
    sector_array[10 * NUM_BONDS + 123] = NUM_SECTORS  # one past the last sector
    out_arr = np.full(NUM_PORTFOLIOS * NUM_SECTORS, -1.0)
    calculate_sector_weights(mv_arrays, NUM_PORTFOLIOS, sector_array, NUM_BONDS, out_arr,
                             NUM_SECTORS)
    assert np.all(out_arr == -1.0)


def test_drop_in_with_restype_int32_reports_bad_code(libsector_weights_so):
    lib, calculate_sector_weights = fixed_article_wrapper(libsector_weights_so, ctypes.c_int32)
    lib.sw_last_error_message.restype = ctypes.c_size_t
    lib.sw_last_error_message.argtypes = [ctypes.c_char_p, ctypes.c_size_t]
    mv_arrays, sector_array = article_mock_data()

    out_arr = np.zeros(NUM_PORTFOLIOS * NUM_SECTORS)
    status = calculate_sector_weights(
        mv_arrays, NUM_PORTFOLIOS, sector_array, NUM_BONDS, out_arr, NUM_SECTORS
    )
    assert status == 0
    good = out_arr.copy()

    sector_array[10 * NUM_BONDS + 123] = 25
    status = calculate_sector_weights(
        mv_arrays, NUM_PORTFOLIOS, sector_array, NUM_BONDS, out_arr, NUM_SECTORS
    )
    assert status == sw.Status.ERROR_SECTOR_OUT_OF_RANGE == 4
    assert np.array_equal(out_arr, good), "output changed on error"
    buf = ctypes.create_string_buffer(256)
    n = lib.sw_last_error_message(buf, len(buf))
    assert buf.value.decode() == "sector code 25 at bond 123 of portfolio 10 is outside 0..18"
    assert n == len(buf.value)

    sector_array[10 * NUM_BONDS + 123] = 0
    mv_arrays[3 * NUM_BONDS + 7] = np.nan
    status = calculate_sector_weights(
        mv_arrays, NUM_PORTFOLIOS, sector_array, NUM_BONDS, out_arr, NUM_SECTORS
    )
    assert status == sw.Status.ERROR_NON_FINITE
    assert np.array_equal(out_arr, good)


def test_the_package_gives_the_same_numbers_on_the_articles_data():
    mv_arrays, sector_array = article_mock_data()
    got = sw.sector_weights(
        mv_arrays.reshape(NUM_PORTFOLIOS, NUM_BONDS),
        sector_array.reshape(NUM_PORTFOLIOS, NUM_BONDS),
        NUM_SECTORS,
    )
    _, calculate_sector_weights = fixed_article_wrapper(sw.library_path, ctypes.c_int32)
    out_arr = np.zeros(NUM_PORTFOLIOS * NUM_SECTORS)
    assert calculate_sector_weights(
        mv_arrays, NUM_PORTFOLIOS, sector_array, NUM_BONDS, out_arr, NUM_SECTORS
    ) == 0
    assert got.tobytes() == out_arr.tobytes()  # the same kernel behind both entry points
    assert Path(sw.library_path).is_file()
