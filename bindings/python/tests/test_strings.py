"""String label columns factorised by the library (sw_factorize_strings, ``_strings``): every
Arrow string layout, nulls, slices, several chunks, binary and empty strings, against
``pandas.factorize``; and the table readers use it for pandas, polars and pyarrow strings."""

from __future__ import annotations

import numpy as np
import pytest

import sector_weights as sw

pa = pytest.importorskip("pyarrow")
pd = pytest.importorskip("pandas")
from sector_weights import _strings, _table  # noqa: E402

NAMES = ["", "a", "Energy", "Consumer Non-Cyclical", "FUND-01", "twelve bytes", "thirteen byte"]


def reference(values):
    """Codes in order of first appearance (-1 for None) and the labels, by pandas."""
    codes, uniques = pd.factorize(pd.Series(values, dtype=object), use_na_sentinel=True)
    return codes.astype(np.int32), list(uniques)


def labels(rng, n, nulls=True):
    out = [NAMES[i] for i in rng.integers(0, len(NAMES), n)]
    if nulls:
        for i in np.flatnonzero(rng.random(n) < 0.1):
            out[i] = None
    return out


@pytest.mark.parametrize("typ", ["string", "large_string", "string_view", "binary", "large_binary"])
@pytest.mark.parametrize("n", [1, 100, 200_000])
def test_every_layout_with_nulls_and_slices(rng, typ, n):
    values = labels(rng, n)
    t = getattr(pa, typ)()
    arr = pa.array(values, pa.string()).cast(t)
    for start, stop in [(0, n), (min(3, n), n), (n // 3, max(n // 3, n - 5))]:
        part = values[start:stop]
        codes, got = _strings.factorize_arrow(arr.slice(start, stop - start))
        want_codes, want = reference(part)
        if typ.endswith("binary"):
            want = [x.encode() for x in want]
        np.testing.assert_array_equal(codes, want_codes)
        assert got == want


def test_chunks_are_numbered_in_the_columns_order(rng):
    values = labels(rng, 5000)
    ca = pa.chunked_array([pa.array(values[:10]), pa.array([], pa.string()), pa.array(values[10:])])
    codes, got = _strings.factorize_arrow(ca)
    want_codes, want = reference(values)
    np.testing.assert_array_equal(codes, want_codes)
    assert got == want


def test_many_labels_and_all_null_and_other_types():
    values = [f"ISIN{i:08d}" for i in range(70_000)] * 2
    codes, got = _strings.factorize_arrow(pa.array(values).cast(pa.string_view()))
    assert got == values[:70_000] and codes[70_000] == 0 and codes[-1] == 69_999
    codes, got = _strings.factorize_arrow(pa.array([None, None], pa.string()))
    assert got == [] and codes.tolist() == [-1, -1]
    assert _strings.factorize_arrow(pa.array([1, 2])) is None


def test_the_readers_use_the_library_for_strings(rng):
    values = labels(rng, 1000, nulls=False)
    want_codes, want = reference(values)
    frames = [pd.DataFrame({"x": values}), pa.table({"x": values})]
    pl = None
    try:
        import polars as pl
    except ImportError:
        pass
    if pl is not None:
        frames.append(pl.DataFrame({"x": values}))
    for frame in frames:
        c = _table.Table(frame).codes("x")
        assert c.codes.dtype == np.int32, type(frame)
        np.testing.assert_array_equal(c.codes, want_codes)
        assert c.labels == want and c.all_used


def test_holdings_from_string_views_with_long_labels(rng):
    n = 50_000
    fund = [f"A fund with a long name {i % 7}" for i in rng.integers(0, 7, n)]
    sector = [NAMES[i] or "blank" for i in rng.integers(0, len(NAMES), n)]
    mv = rng.uniform(1, 2, n)
    t = pa.table({"fund": pa.array(fund).cast(pa.string_view()), "sector": sector, "mv": mv})
    w = sw.Holdings(t, "fund", "sector", "mv").weights().to_pandas().set_index("fund")
    ref = pd.DataFrame({"fund": fund, "sector": sector, "mv": mv})
    want = ref.groupby(["fund", "sector"]).mv.sum() / ref.groupby("fund").mv.sum()
    np.testing.assert_allclose(w.stack().reindex(want.index).to_numpy(), want.to_numpy(), rtol=1e-12)
