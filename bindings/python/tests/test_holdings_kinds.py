"""sw.Holdings on every input kind: pandas (numpy, nullable, Arrow-backed, categorical columns),
polars (String, Categorical, Enum, integers, nulls, several chunks), pyarrow Tables (strings,
dictionaries with per-chunk dictionaries, nulls, decimals), a duckdb relation; results in the
input's kind; and the package without pyarrow, and without any frame library."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import sector_weights as sw

from test_holdings import FUNDS, SECTORS, make_rows, reference


@pytest.fixture
def rows(rng):
    return make_rows(rng, n=240)


def as_nested(result):
    """{portfolio: {sector: value}} of a result frame of any kind."""
    mod = type(result).__module__.partition(".")[0]
    if mod == "pandas":
        return {f: {s: float(result.loc[f, s]) for s in result.columns} for f in result.index}
    cols = result.columns if mod == "polars" else result.column_names
    data = {
        c: (result.get_column(c).to_list() if mod == "polars" else result.column(c).to_pylist())
        for c in cols
    }
    first = cols[0]
    return {f: {c: data[c][i] for c in cols[1:]} for i, f in enumerate(data[first])}


def assert_matches(result, ref, sectors=None):
    got = as_nested(result)
    assert list(got) == sorted(ref)
    want_sectors = sectors if sectors is not None else sorted({s for r in ref.values() for s in r})
    for f in ref:
        assert list(got[f]) == [str(s) for s in want_sectors] or list(got[f]) == list(want_sectors)
        for s in want_sectors:
            assert got[f][s if s in got[f] else str(s)] == pytest.approx(
                ref[f].get(s, 0.0), rel=1e-12
            )


# ---------------------------------------------------------------------------------------------
# pandas


@pytest.mark.parametrize(
    "label_dtype",
    ["object", "str", "string[python]", "category", "arrow-string", "arrow-dictionary"],
)
def test_pandas_label_dtypes(rows, label_dtype):
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame(rows)
    if label_dtype.startswith("arrow"):
        pa = pytest.importorskip("pyarrow")
        t = pa.string() if label_dtype == "arrow-string" else pa.dictionary(pa.int8(), pa.string())
        dtype = pd.ArrowDtype(t)
    else:
        dtype = label_dtype
    df = df.astype({"fund": dtype, "sector": dtype})
    w = sw.Holdings(df, "fund", "sector", "mv").weights()
    assert isinstance(w, pd.DataFrame) and w.index.name == "fund"
    assert_matches(w, reference(rows))


def test_pandas_default_string_dtype_is_read_without_python_objects(rows):
    """With pyarrow installed pandas' default string column is Arrow-backed: read through
    the library's string factoriser (sw_factorize_strings) on its Arrow buffers, never as
    Python objects."""
    pd = pytest.importorskip("pandas")
    pytest.importorskip("pyarrow")
    df = pd.DataFrame(rows)
    assert isinstance(df["fund"].array, pd.arrays.ArrowExtensionArray)
    from sector_weights import _table

    codes = _table.Table(df).codes("sector")
    assert codes.codes.dtype == np.int32 and sorted(codes.labels) == sorted(SECTORS)


@pytest.mark.parametrize("value_dtype", ["float32", "int64", "Float64", "Int64", "double[pyarrow]"])
def test_pandas_value_dtypes(rows, value_dtype):
    pd = pytest.importorskip("pandas")
    if "pyarrow" in value_dtype:
        pytest.importorskip("pyarrow")
    rows = dict(rows, mv=[float(round(v)) for v in rows["mv"]])
    df = pd.DataFrame(rows).astype({"mv": value_dtype})
    assert_matches(sw.Holdings(df, "fund", "sector", "mv").weights(), reference(rows))


def test_pandas_categorical_codes_read_in_place(rows):
    pd = pytest.importorskip("pandas")
    from sector_weights import _table

    df = pd.DataFrame(rows).astype({"sector": "category"})
    codes = _table.Table(df).codes("sector")
    assert codes.codes.dtype == np.int8
    assert np.shares_memory(codes.codes, df["sector"].array.codes)
    values = _table.Table(df).floats("mv")
    assert np.shares_memory(values, df["mv"].to_numpy())


def test_pandas_arrow_dictionary_missing_label(rows):
    pd = pytest.importorskip("pandas")
    pa = pytest.importorskip("pyarrow")
    rows = dict(rows, sector=[None if i == 13 else s for i, s in enumerate(rows["sector"])])
    df = pd.DataFrame(rows).astype(
        {"sector": pd.ArrowDtype(pa.dictionary(pa.int32(), pa.string()))}
    )
    with pytest.raises(
        sw.SectorWeightsError, match=r"1 row of the holdings has no 'sector'.*row 13\b"
    ):
        sw.Holdings(df, "fund", "sector", "mv")
    assert sw.Holdings(df, "fund", "sector", "mv", na="drop").dropped == 1


# ---------------------------------------------------------------------------------------------
# polars


@pytest.mark.parametrize("label_dtype", ["String", "Categorical", "Enum"])
def test_polars_label_dtypes(rows, label_dtype):
    pl = pytest.importorskip("polars")
    df = pl.DataFrame(rows)
    if label_dtype == "Categorical":
        first = pl.Series(["unrelated", "labels", "first"], dtype=pl.Categorical)  # noqa: F841
        df = df.with_columns(pl.col("fund", "sector").cast(pl.Categorical))
    elif label_dtype == "Enum":
        df = df.with_columns(
            pl.col("fund").cast(pl.Enum(["Gamma", "Alpha", "Beta", "Unused"])),
            pl.col("sector").cast(pl.Enum(SECTORS[::-1])),
        )
    w = sw.Holdings(df, "fund", "sector", "mv").weights()
    assert isinstance(w, pl.DataFrame)
    assert w.columns == ["fund"] + sorted(SECTORS)
    assert w["fund"].to_list() == sorted(FUNDS)
    assert_matches(w, reference(rows))


def test_polars_categorical_with_a_long_global_category_list(rows):
    """Many unrelated categories in the process: the codes are cut to those present."""
    pl = pytest.importorskip("polars")
    from sector_weights import _table

    noise = pl.Series([f"noise {i}" for i in range(70_000)], dtype=pl.Categorical)
    df = pl.DataFrame(rows).with_columns(pl.col("fund", "sector").cast(pl.Categorical))
    assert df["sector"].to_physical().max() >= 70_000 > len(noise) - 1
    codes = _table.Table(df).codes("sector")
    assert sorted(codes.labels) == sorted(SECTORS)
    assert_matches(sw.Holdings(df, "fund", "sector", "mv").weights(), reference(rows))


def test_polars_integer_labels_float32_values_and_chunks(rows):
    pl = pytest.importorskip("polars")
    ids = {"Alpha": 30, "Beta": 10, "Gamma": 20}
    rows32 = dict(
        rows, fund=[ids[f] for f in rows["fund"]], mv=[float(np.float32(v)) for v in rows["mv"]]
    )
    df = pl.DataFrame(rows32).with_columns(pl.col("mv").cast(pl.Float32))
    df = pl.concat([df[:100], df[100:]], rechunk=False)
    assert df.n_chunks() == 2
    w = sw.Holdings(df, "fund", "sector", "mv").weights()
    assert w["fund"].to_list() == [10, 20, 30]
    assert_matches(w, reference(rows32))


def test_polars_nulls_both_ways(rows):
    pl = pytest.importorskip("polars")
    rows = dict(rows)
    rows["mv"] = [None if i in (21, 30) else v for i, v in enumerate(rows["mv"])]
    rows["fund"] = [None if i == 50 else f for i, f in enumerate(rows["fund"])]
    df = pl.DataFrame(rows)
    with pytest.raises(
        sw.SectorWeightsError, match=r"1 row of the holdings has no 'fund'.*first at row 50\b"
    ):
        sw.Holdings(df, "fund", "sector", "mv")
    with pytest.raises(
        sw.SectorWeightsError, match=r"2 rows of the holdings have no 'mv'.*first at row 21\b"
    ):
        sw.Holdings(df.with_columns(pl.col("fund").fill_null("Alpha")), "fund", "sector", "mv")
    h = sw.Holdings(df, "fund", "sector", "mv", na="drop")
    assert h.dropped == 3
    keep = [i for i in range(len(rows["mv"])) if i not in (21, 30, 50)]
    assert_matches(h.weights(), reference({k: [v[i] for i in keep] for k, v in rows.items()}))


def test_polars_targets_frames(rows):
    pl = pytest.importorskip("polars")
    df = pl.DataFrame(rows)
    h = sw.Holdings(df, "fund", "sector", "mv")
    long = pl.DataFrame({"sector": SECTORS[::-1], "target": [0.1, 0.2, 0.3, 0.4]})
    r = h.compare(long, 0.01)
    assert isinstance(r.active, pl.DataFrame)
    w = as_nested(h.weights())
    want = dict(zip(SECTORS[::-1], [0.1, 0.2, 0.3, 0.4]))
    got = as_nested(r.active)
    for f in FUNDS:
        for s in SECTORS:
            assert got[f][s] == pytest.approx(w[f][s] - want[s])
    wide = h.weights().reverse()  # another row order: matched by label
    assert all(
        v == 0 for row in as_nested(h.compare(wide, 0.0).active).values() for v in row.values()
    )
    with pytest.raises(TypeError, match="polars Series has no labels"):
        h.compare(pl.Series([0.25] * 4), 0.01)


def test_polars_orders_against_pandas_holdings(rows):
    pd = pytest.importorskip("pandas")
    pl = pytest.importorskip("polars")
    h = sw.Holdings(pd.DataFrame(rows), "fund", "sector", "mv")
    o = {"fund": ["Beta", "Gamma"], "sector": ["Govt", "Energy"], "mv": [10.0, -5.0]}
    a = h.evaluate(pd.DataFrame(o)).after
    b = h.evaluate(pl.DataFrame(o)).after
    assert isinstance(b, pd.DataFrame)  # results follow the holdings' kind
    pd.testing.assert_frame_equal(a, b)


# ---------------------------------------------------------------------------------------------
# pyarrow and Arrow streams


@pytest.mark.parametrize("label_type", ["string", "large_string", "string_view", "dictionary"])
def test_arrow_label_types(rows, label_type):
    pa = pytest.importorskip("pyarrow")
    t = pa.table(rows)
    if label_type == "dictionary":
        t = t.set_column(0, "fund", t.column("fund").dictionary_encode())
        t = t.set_column(1, "sector", t.column("sector").dictionary_encode())
    elif label_type != "string":
        typ = getattr(pa, label_type)()
        t = t.set_column(0, "fund", t.column("fund").cast(typ)).set_column(
            1, "sector", t.column("sector").cast(typ)
        )
    w = sw.Holdings(t, "fund", "sector", "mv").weights()
    assert isinstance(w, pa.Table)
    assert w.column_names == ["fund"] + sorted(SECTORS)
    assert_matches(w, reference(rows))


def test_arrow_chunks_with_their_own_dictionaries(rows):
    pa = pytest.importorskip("pyarrow")
    batches = []
    for lo, hi in ((0, 80), (80, 160), (160, 240)):
        part = {k: v[lo:hi] for k, v in rows.items()}
        b = pa.table(part)
        # Each chunk's dictionary in a different order (as a stream of batches would have).
        sectors = sorted(set(part["sector"]), key=lambda s: hash((s, lo)))
        sdict = pa.array(sectors)
        idx = pa.array([sectors.index(s) for s in part["sector"]], pa.int16())
        b = b.set_column(1, "sector", pa.DictionaryArray.from_arrays(idx, sdict))
        batches.append(b)
    t = pa.concat_tables(batches)
    assert t.column("sector").num_chunks == 3
    assert_matches(sw.Holdings(t, "fund", "sector", "mv").weights(), reference(rows))


def test_arrow_nulls_and_decimals(rows):
    pa = pytest.importorskip("pyarrow")
    import decimal

    rows = dict(rows, mv=[round(v, 2) for v in rows["mv"]])
    dec = pa.array([decimal.Decimal(f"{v:.2f}") for v in rows["mv"]], pa.decimal128(12, 2))
    t = pa.table(rows).set_column(2, "mv", dec)
    assert_matches(sw.Holdings(t, "fund", "sector", "mv").weights(), reference(rows))
    with_null = pa.table(dict(rows, mv=[None if i == 7 else v for i, v in enumerate(rows["mv"])]))
    with pytest.raises(
        sw.SectorWeightsError, match=r"1 row of the holdings has no 'mv'.*first at row 7\b"
    ):
        sw.Holdings(with_null, "fund", "sector", "mv")


def test_duckdb_relation(rows):
    duckdb = pytest.importorskip("duckdb")
    pa = pytest.importorskip("pyarrow")
    con = duckdb.connect()
    positions = pa.table(rows)  # noqa: F841 (read by duckdb's replacement scan)
    rel = con.sql("SELECT fund, sector, mv, duration FROM positions ORDER BY duration DESC")
    h = sw.Holdings(rel, "fund", "sector", "mv")
    w = h.weights()
    assert isinstance(w, pa.Table)
    assert_matches(w, reference(rows))
    e = h.exposures("duration")
    assert_matches(e, reference(rows, metric="duration"))
    r = h.compare({s: 0.25 for s in SECTORS}, 0.02)
    assert isinstance(r.breaches, pa.Table) and r.breaches.schema.field("Govt").type == pa.bool_()


def test_duckdb_relation_missing_value_names_row(rows):
    duckdb = pytest.importorskip("duckdb")
    pytest.importorskip("pyarrow")
    con = duckdb.connect()
    rel = con.sql(
        "SELECT * FROM (VALUES ('A', 'Energy', 1.0), ('A', 'Govt', NULL), ('B', 'Govt', 2.0)) "
        "t(fund, sector, mv)"
    )
    with pytest.raises(sw.SectorWeightsError, match=r"1 row of the holdings has no 'mv'.*row 1\b"):
        sw.Holdings(rel, "fund", "sector", "mv")


# ---------------------------------------------------------------------------------------------
# Optional dependencies really are optional


def run_blocked(blocked, code):
    """Runs code in a fresh interpreter in which importing any of ``blocked`` fails."""
    prelude = textwrap.dedent(
        f"""
        import sys
        for name in {blocked!r}:
            sys.modules[name] = None  # 'import name' now raises ImportError
        """
    )
    env = dict(os.environ)
    return subprocess.run(
        [sys.executable, "-c", prelude + textwrap.dedent(code)],
        capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip


def test_pandas_without_pyarrow():
    pytest.importorskip("pandas")
    r = run_blocked(
        ["pyarrow"],
        """
        import pandas as pd, sector_weights as sw
        df = pd.DataFrame({"fund": ["b", "a", "b", None], "sector": ["x", "y", "y", "x"],
                           "mv": [1.0, 2.0, 3.0, 4.0]})
        # pandas 3: the default string dtype, python storage; pandas 2: object columns
        assert getattr(df["fund"].dtype, "storage", "python") == "python", df["fund"].dtype
        h = sw.Holdings(df, "fund", "sector", "mv", na="drop")
        w = h.weights()
        assert list(w.index) == ["a", "b"] and list(w.columns) == ["x", "y"], w
        assert w.loc["b", "y"] == 0.75 and h.dropped == 1
        cat = df.dropna().astype({"sector": "category"})
        assert sw.Holdings(cat, "fund", "sector", "mv").weights().loc["b", "x"] == 0.25
        assert "pyarrow" not in [m for m in sys.modules if sys.modules[m] is not None]
        print("ok")
        """,
    )
    assert r.returncode == 0 and r.stdout.strip() == "ok", r.stderr


def test_polars_without_pyarrow():
    pytest.importorskip("polars")
    r = run_blocked(
        ["pyarrow", "pandas"],
        """
        import polars as pl, sector_weights as sw
        df = pl.DataFrame({"fund": ["b", "a", "b"], "sector": ["x", "y", "y"]})
        df = df.with_columns(mv=pl.Series([1.0, 2.0, 3.0]))
        h = sw.Holdings(df, "fund", "sector", "mv")
        w = h.weights()
        assert w["fund"].to_list() == ["a", "b"] and w["y"].to_list() == [1.0, 0.75], w
        orders = pl.DataFrame({"fund": ["a"], "sector": ["x"], "mv": [2.0]})
        r = h.evaluate(orders, targets=0.5, tolerance=0.1)
        assert r.after["x"].to_list() == [0.5, 0.25], r.after
        assert r.orders["x"][0] == 1.0 and r.orders["x"].is_nan()[1], r.orders
        assert r.breaches["x"].to_list() == r.breaches["y"].to_list() == [False, True]
        print("ok")
        """,
    )
    assert r.returncode == 0 and r.stdout.strip() == "ok", r.stderr


def test_numpy_only_import():
    r = run_blocked(
        ["pandas", "polars", "pyarrow", "matplotlib", "duckdb"],
        """
        import numpy as np, sector_weights as sw
        assert sw.sector_weights(np.array([1.0, 3.0]), np.array([0, 1]), 2).tolist() == [1.0, 3.0]
        try:
            sw.Holdings({"fund": []}, "fund", "sector", "mv")
        except TypeError as e:
            assert "DataFrame" in str(e)
        print("ok")
        """,
    )
    assert r.returncode == 0 and r.stdout.strip() == "ok", r.stderr


def test_polars_categorical_with_a_sectors_list(rows):
    pl = pytest.importorskip("polars")
    # Funds and sectors cast together: their global codes interleave.
    mixed = pl.DataFrame({"x": [v for pair in zip(FUNDS, SECTORS) for v in pair]}).cast(
        pl.Categorical
    )
    df = pl.DataFrame(rows).with_columns(pl.col("fund", "sector").cast(pl.Categorical))
    listed = SECTORS + ["Materials"]
    w = sw.Holdings(df, "fund", "sector", "mv", sectors=listed).weights()
    assert w.columns == ["fund"] + listed
    assert_matches(w, reference(rows), sectors=listed)
    first = rows["sector"].index("Govt")
    with pytest.raises(
        sw.SectorWeightsError,
        match=rf"sector 'Govt' .* is not in sectors=: \d+ rows, first at row {first}\b",
    ):
        sw.Holdings(df, "fund", "sector", "mv", sectors=SECTORS[:3])
    del mixed


def test_arrow_targets_shaped_like_the_result(rows):
    pa = pytest.importorskip("pyarrow")
    h = sw.Holdings(pa.table(rows), "fund", "sector", "mv")
    w = h.weights()
    shuffled = w.take([2, 0, 1]).select(["fund"] + sorted(SECTORS, reverse=True))
    r = h.compare(shuffled, 0.0)
    assert all(v == 0 for row in as_nested(r.active).values() for v in row.values())
    long = pa.table({"sector": SECTORS, "t": [0.1, 0.2, 0.3, 0.4]})
    want = dict(zip(SECTORS, [0.1, 0.2, 0.3, 0.4]))
    got, weights = as_nested(h.compare(long, 0.01).active), as_nested(w)
    assert all(got[f][s] == pytest.approx(weights[f][s] - want[s]) for f in FUNDS for s in SECTORS)


def test_many_portfolios_with_wide_integer_ids(rng):
    """20,000 funds with ids spread over 10^9: codes by sorted uniques, checked against pandas."""
    pd = pytest.importorskip("pandas")
    n, funds = 200_000, 20_000
    ids = rng.choice(10**9, funds, replace=False)
    df = pd.DataFrame(
        {
            "fund": ids[rng.integers(0, funds, n)],
            "sector": rng.integers(0, 30, n).astype(np.int16),
            "mv": rng.uniform(1, 2, n),
        }
    )
    w = sw.Holdings(df, "fund", "sector", "mv").weights()
    sums = df.groupby(["fund", "sector"]).mv.sum().unstack(fill_value=0.0)
    want = sums.div(sums.sum(axis=1), axis=0)
    assert list(w.index) == sorted(set(df["fund"]))
    np.testing.assert_allclose(w.to_numpy(), want.to_numpy(), rtol=1e-12, atol=1e-15)


def test_polars_lazyframe_and_arrow_record_batch(rows):
    pl = pytest.importorskip("polars")
    pa = pytest.importorskip("pyarrow")
    lazy = pl.DataFrame(rows).lazy().filter(pl.col("mv") > 0)
    w = sw.Holdings(lazy, "fund", "sector", "mv").weights()
    assert isinstance(w, pl.DataFrame)
    assert_matches(w, reference(rows))
    batch = pa.record_batch(pa.table(rows).to_batches()[0].to_pydict())
    assert_matches(sw.Holdings(batch, "fund", "sector", "mv").weights(), reference(rows))
