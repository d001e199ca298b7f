"""sw.Holdings on pandas frames: the rules of the table API (issue 13, section 2).

Every number is checked against an independent reference (math.fsum over plain Python rows);
every error against the rows it must name. Other input kinds: test_holdings_kinds.py; reports,
HTML and plots: test_holdings_display.py.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict

import numpy as np
import pytest

import sector_weights as sw

pd = pytest.importorskip("pandas")

FUNDS = ["Alpha", "Beta", "Gamma"]
SECTORS = ["Energy", "Financials", "Utilities", "Govt"]


def make_rows(rng, n=300, funds=FUNDS, sectors=SECTORS):
    """Shuffled rows: every fund holds every sector at least once."""
    fund = [funds[i % len(funds)] for i in range(n)]
    sector = [sectors[(i // len(funds)) % len(sectors)] for i in range(n)]
    order = rng.permutation(n)
    return {
        "fund": [fund[i] for i in order],
        "sector": [sector[i] for i in order],
        "mv": rng.uniform(1.0, 100.0, n).tolist(),
        "duration": rng.uniform(0.5, 12.0, n).tolist(),
    }


def reference(rows, metric=None, value="mv"):
    """{fund: {sector: weight (or exposure)}} by math.fsum over the rows."""
    terms = defaultdict(lambda: defaultdict(list))
    totals = defaultdict(list)
    for i, (f, s, v) in enumerate(zip(rows["fund"], rows["sector"], rows[value])):
        terms[f][s].append(v * (rows[metric][i] if metric else 1.0))
        totals[f].append(v)
    return {
        f: {s: math.fsum(t) / math.fsum(totals[f]) for s, t in by_sector.items()}
        for f, by_sector in terms.items()
    }


def assert_frame_matches(frame, ref, sectors=None):
    assert list(frame.index) == sorted(ref)
    want_sectors = sectors if sectors is not None else sorted({s for r in ref.values() for s in r})
    assert list(frame.columns) == want_sectors
    for f in ref:
        for s in want_sectors:
            assert frame.loc[f, s] == pytest.approx(ref[f].get(s, 0.0), rel=1e-12, abs=1e-15)


@pytest.fixture
def rows(rng):
    return make_rows(rng)


@pytest.fixture
def df(rows):
    return pd.DataFrame(rows)


def test_weights_match_reference_on_shuffled_rows(rows, df):
    h = sw.Holdings(df, portfolio="fund", sector="sector", value="mv")
    w = h.weights()
    assert isinstance(w, pd.DataFrame)
    assert w.index.name == "fund" and w.columns.name == "sector"
    assert_frame_matches(w, reference(rows))
    np.testing.assert_allclose(w.sum(axis=1), 1.0, rtol=1e-12)
    assert h.portfolios == sorted(FUNDS) and h.sectors == sorted(SECTORS)
    assert h.dropped == 0 and h.num_rows == len(rows["mv"])


def test_row_order_does_not_matter(rows, df, rng):
    shuffled = df.iloc[rng.permutation(len(df))]
    a = sw.Holdings(df, "fund", "sector", "mv").weights()
    b = sw.Holdings(shuffled, "fund", "sector", "mv").weights()
    pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-13)


def test_results_are_copies(df):
    h = sw.Holdings(df, "fund", "sector", "mv")
    w = h.weights()
    w.iloc[0, 0] = 99.0
    assert h.weights().iloc[0, 0] != 99.0


def test_sectors_order_and_unused_sector(rows, df):
    listed = ["Utilities", "Materials", "Govt", "Energy", "Financials"]
    w = sw.Holdings(df, "fund", "sector", "mv", sectors=listed).weights()
    assert list(w.columns) == listed
    assert (w["Materials"] == 0).all()
    assert_frame_matches(w, reference(rows), sectors=listed)


def test_sectors_missing_a_label_names_it_and_its_rows(df):
    df = df.set_axis([f"XS{i:04d}" for i in range(len(df))])
    first = int(np.flatnonzero(df["sector"].to_numpy() == "Govt")[0])
    count = int((df["sector"] == "Govt").sum())
    with pytest.raises(sw.SectorWeightsError) as e:
        sw.Holdings(df, "fund", "sector", "mv", sectors=["Energy", "Financials", "Utilities"])
    msg = str(e.value)
    assert "'Govt'" in msg and f"{count} rows" in msg
    assert f"row {first} (index 'XS{first:04d}')" in msg


def test_sectors_listed_twice_is_an_error(df):
    with pytest.raises(ValueError, match="more than once"):
        sw.Holdings(df, "fund", "sector", "mv", sectors=["Energy", "Energy"])


def test_missing_column_is_named(df):
    with pytest.raises(ValueError, match=r"no column 'market_value'.*'fund', 'sector', 'mv'"):
        sw.Holdings(df, "fund", "sector", "market_value")


def test_not_a_frame():
    with pytest.raises(TypeError, match="pandas or polars DataFrame"):
        sw.Holdings({"fund": [1]}, "fund", "sector", "mv")


def test_bad_na_argument(df):
    with pytest.raises(ValueError, match="na must be"):
        sw.Holdings(df, "fund", "sector", "mv", na="ignore")


# ---------------------------------------------------------------------------------------------
# Missing data


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_missing_value_raises_naming_rows(df, bad):
    df = df.set_axis([f"XS{i:04d}" for i in range(len(df))])
    df.loc[df.index[[17, 40, 41]], "mv"] = bad
    with pytest.raises(sw.SectorWeightsError) as e:
        sw.Holdings(df, "fund", "sector", "mv")
    msg = str(e.value)
    assert "3 rows of the holdings have no 'mv'" in msg
    assert "first at row 17 (index 'XS0017')" in msg
    assert e.value.status == sw.Status.ERROR_NON_FINITE


@pytest.mark.parametrize("column", ["fund", "sector"])
def test_missing_label_raises_naming_rows(df, column):
    df[column] = df[column].astype(object)
    df.loc[[5, 9], column] = None
    with pytest.raises(
        sw.SectorWeightsError,
        match=rf"2 rows of the holdings have no '{column}' \(missing\); first at row 5\b",
    ):
        sw.Holdings(df, "fund", "sector", "mv")


def test_na_drop_leaves_rows_out_and_counts_them(rows, df):
    df["fund"] = df["fund"].astype(object)
    df.loc[3, "mv"] = np.nan
    df.loc[7, "fund"] = None
    df.loc[8, "mv"] = np.inf
    h = sw.Holdings(df, "fund", "sector", "mv", na="drop")
    assert h.dropped == 3 and h.num_rows == len(df) - 3
    keep = [i for i in range(len(df)) if i not in (3, 7, 8)]
    kept_rows = {k: [v[i] for i in keep] for k, v in rows.items()}
    assert_frame_matches(h.weights(), reference(kept_rows))


def test_na_drop_of_all_of_a_sectors_rows_removes_the_sector(df):
    df.loc[df["sector"] == "Govt", "mv"] = np.nan
    h = sw.Holdings(df, "fund", "sector", "mv", na="drop")
    assert "Govt" not in h.sectors
    assert h.dropped == int((df["sector"] == "Govt").sum())


def test_na_drop_errors_name_original_rows(df):
    """After dropped rows, a later error still names the row of the user's table."""
    df.loc[0, "mv"] = np.nan
    df.loc[10, "duration"] = np.nan
    h = sw.Holdings(df, "fund", "sector", "mv", na="drop")
    with pytest.raises(
        sw.SectorWeightsError, match=r"1 row of the holdings has no 'duration'.*first at row 10\b"
    ):
        h.exposures("duration")


def test_nullable_values_missing(df):
    df["mv"] = df["mv"].astype("Float64")
    df.loc[4, "mv"] = pd.NA
    with pytest.raises(sw.SectorWeightsError, match="1 row of the holdings has no 'mv'.*row 4"):
        sw.Holdings(df, "fund", "sector", "mv")
    assert sw.Holdings(df, "fund", "sector", "mv", na="drop").dropped == 1


def test_nullable_integer_labels_with_missing(df):
    df["fund"] = pd.array([i % 3 + 100 if i != 6 else None for i in range(len(df))], dtype="Int64")
    with pytest.raises(
        sw.SectorWeightsError, match=r"1 row of the holdings has no 'fund'.*row 6\b"
    ):
        sw.Holdings(df, "fund", "sector", "mv")
    h = sw.Holdings(df, "fund", "sector", "mv", na="drop")
    assert h.portfolios == [100, 101, 102]


def test_zero_total_is_named(df):
    df.loc[df["fund"] == "Beta", "mv"] = 0.0
    with pytest.raises(sw.SectorWeightsError, match="portfolio 'Beta' .* total 'mv' of 0") as e:
        sw.Holdings(df, "fund", "sector", "mv")
    assert e.value.status == sw.Status.ERROR_ZERO_TOTAL


def test_non_numeric_values(df):
    df["mv"] = ["x"] * len(df)
    with pytest.raises(TypeError, match="'mv'"):
        sw.Holdings(df, "fund", "sector", "mv")


def test_boolean_values_refused(df):
    df["mv"] = True
    with pytest.raises(TypeError, match="booleans"):
        sw.Holdings(df, "fund", "sector", "mv")


# ---------------------------------------------------------------------------------------------
# Labels of other types


def test_integer_fund_ids_and_categorical_sectors(rows, df):
    ids = {"Alpha": 3001, "Beta": 1002, "Gamma": 2000}
    df["fund"] = df["fund"].map(ids).astype(np.int64)
    df["sector"] = df["sector"].astype(
        pd.CategoricalDtype(["Utilities", "Govt", "Energy", "Financials", "Unused"])
    )
    w = sw.Holdings(df, "fund", "sector", "mv").weights()
    assert list(w.index) == [1002, 2000, 3001]
    assert list(w.columns) == sorted(SECTORS)  # present sectors, sorted; 'Unused' has no row
    ref = reference(rows)
    for name, fid in ids.items():
        for s in SECTORS:
            assert w.loc[fid, s] == pytest.approx(ref[name][s], rel=1e-12)


def test_categorical_with_zero_valued_sector_keeps_it(df):
    """A sector whose rows are all worth 0 is still a sector of the data."""
    df["sector"] = df["sector"].astype("category")
    df.loc[df["sector"] == "Energy", "mv"] = 0.0
    w = sw.Holdings(df, "fund", "sector", "mv").weights()
    assert "Energy" in w.columns and (w["Energy"] == 0).all()


def test_unsortable_labels(df):
    df["fund"] = df["fund"].astype(object)
    df.loc[0, "fund"] = 7
    with pytest.raises(TypeError, match="column 'fund': its labels cannot be sorted"):
        sw.Holdings(df, "fund", "sector", "mv")


# ---------------------------------------------------------------------------------------------
# Exposures


def test_exposures_match_reference(rows, df):
    e = sw.Holdings(df, "fund", "sector", "mv").exposures("duration")
    assert_frame_matches(e, reference(rows, metric="duration"))


def test_exposures_missing_metric_always_raises(df):
    df.loc[12, "duration"] = np.nan
    h = sw.Holdings(df, "fund", "sector", "mv", na="drop")
    with pytest.raises(sw.SectorWeightsError, match="no 'duration'.*row 12"):
        h.exposures("duration")


# ---------------------------------------------------------------------------------------------
# Targets: by label, never by position


def test_compare_scalar_and_dict(df):
    h = sw.Holdings(df, "fund", "sector", "mv")
    w = h.weights()
    targets = {"Govt": 0.25, "Energy": 0.2, "Utilities": 0.3, "Financials": 0.25}
    r = h.compare(targets, 0.02)
    want = w - pd.Series(targets)[w.columns].to_numpy()
    pd.testing.assert_frame_equal(r.active, want, check_exact=False, rtol=1e-12)
    pd.testing.assert_frame_equal(r.breaches, want.abs() > 0.02)
    assert r.breaches.dtypes.eq(bool).all()
    pd.testing.assert_frame_equal(r.actual, w)
    assert (r.tolerance == 0.02).all().all()
    s = h.compare(0.25, 0.0)
    pd.testing.assert_frame_equal(s.active, w - 0.25)


def test_compare_series_in_another_order_is_matched_by_label(df):
    h = sw.Holdings(df, "fund", "sector", "mv")
    ordered = pd.Series({"Energy": 0.1, "Financials": 0.2, "Govt": 0.3, "Utilities": 0.4})
    reversed_ = ordered.iloc[::-1]
    assert list(reversed_.index) != h.sectors
    a, b = h.compare(ordered, 0.01), h.compare(reversed_, 0.01)
    pd.testing.assert_frame_equal(a.active, b.active)
    assert b.active.loc["Alpha", "Energy"] == pytest.approx(
        h.weights().loc["Alpha", "Energy"] - 0.1
    )


def test_compare_per_cell_frame_and_multiindex_series(df):
    h = sw.Holdings(df, "fund", "sector", "mv")
    w = h.weights()
    t = w.copy() * 0 + np.arange(w.size).reshape(w.shape) / 100
    shuffled = t.iloc[::-1, ::-1]
    r = h.compare(shuffled, 0.0)
    pd.testing.assert_frame_equal(r.active, w - t, check_exact=False, rtol=1e-12)
    r2 = h.compare(t.stack().sample(frac=1.0, random_state=1), 0.0)
    pd.testing.assert_frame_equal(r2.active, r.active)
    r3 = h.compare({f: t.loc[f].to_dict() for f in t.index}, 0.0)
    pd.testing.assert_frame_equal(r3.active, r.active)


def test_tolerance_per_sector_dict(df):
    h = sw.Holdings(df, "fund", "sector", "mv")
    tol = {"Energy": 0.0, "Financials": 1.0, "Govt": 1.0, "Utilities": 1.0}
    r = h.compare(0.0, tol)
    assert r.breaches["Energy"].all() and not r.breaches.drop(columns="Energy").any().any()


@pytest.mark.parametrize(
    "targets, pattern",
    [
        ({"Energy": 0.1, "Financials": 0.2, "Govt": 0.3}, r"no value for sector 'Utilities'"),
        (
            {"Energy": 0.1, "Financials": 0.2, "Govt": 0.3, "Utilities": 0.4, "Crypto": 0.0},
            r"targets for unknown sector 'Crypto'",
        ),
        (
            {"Energy": 0.1, "Financials": np.nan, "Govt": 0.3, "Utilities": 0.4},
            r"sector 'Financials' is not finite",
        ),
    ],
)
def test_compare_label_errors(df, targets, pattern):
    h = sw.Holdings(df, "fund", "sector", "mv")
    with pytest.raises(sw.SectorWeightsError, match=pattern):
        h.compare(targets, 0.01)


def test_compare_frame_with_unknown_or_missing_portfolio(df):
    h = sw.Holdings(df, "fund", "sector", "mv")
    t = h.weights()
    with pytest.raises(sw.SectorWeightsError, match="no value for portfolio 'Gamma'"):
        h.compare(t.drop(index="Gamma"), 0.0)
    with pytest.raises(sw.SectorWeightsError, match="unknown portfolio 'Delta'"):
        h.compare(t.rename(index={"Gamma": "Delta"}), 0.0)


def test_negative_tolerance_named(df):
    h = sw.Holdings(df, "fund", "sector", "mv")
    with pytest.raises(sw.SectorWeightsError, match="tolerance for sector 'Govt' is negative"):
        h.compare(0.25, {"Energy": 0.0, "Financials": 0.0, "Govt": -0.1, "Utilities": 0.0})


def test_positional_targets_refused(df):
    h = sw.Holdings(df, "fund", "sector", "mv")
    with pytest.raises(TypeError, match="by position"):
        h.compare(np.full(4, 0.25), 0.01)
    with pytest.raises(TypeError, match="by position"):
        h.compare([0.25] * 4, 0.01)


# ---------------------------------------------------------------------------------------------
# Order lists


def orders_frame():
    return pd.DataFrame(
        {
            "fund": ["Gamma", "Alpha", "Gamma", "Alpha"],
            "sector": ["Energy", "Govt", "Utilities", "Energy"],
            "mv": [500.0, -200.0, 300.0, 100.0],
        }
    )


def test_evaluate_against_reference(rows, df):
    h = sw.Holdings(df, "fund", "sector", "mv")
    o = orders_frame()
    r = h.evaluate(o)
    both = {k: rows[k] + o[k].tolist() if k in o else None for k in ("fund", "sector", "mv")}
    after = reference(both)
    for f in ("Alpha", "Gamma"):
        for s in SECTORS:
            assert r.after.loc[f, s] == pytest.approx(after[f][s], rel=1e-12)
    # each fund's signed order mix: sector sums / gross order value
    assert r.orders.loc["Alpha", "Govt"] == pytest.approx(-200 / 300)
    assert r.orders.loc["Alpha", "Energy"] == pytest.approx(100 / 300)
    assert r.orders.loc["Gamma", "Utilities"] == pytest.approx(300 / 800)
    assert r.orders.loc["Gamma", "Financials"] == 0.0
    pd.testing.assert_frame_equal(r.before, h.weights())
    assert r.order_counts == {"Alpha": 2, "Beta": 0, "Gamma": 2}
    assert r.active is None and r.breaches is None


def test_fund_without_orders_is_valid(df):
    h = sw.Holdings(df, "fund", "sector", "mv")
    r = h.evaluate(orders_frame(), targets=0.25, tolerance=0.05)
    assert r.orders.loc["Beta"].isna().all()
    assert (r.after.loc["Beta"] == r.before.loc["Beta"]).all()  # exactly
    assert not r.orders.loc["Alpha"].isna().any()
    pd.testing.assert_frame_equal(r.active, r.after - 0.25)
    pd.testing.assert_frame_equal(r.breaches, (r.after - 0.25).abs() > 0.05)


def test_no_orders_at_all(df):
    h = sw.Holdings(df, "fund", "sector", "mv")
    r = h.evaluate(orders_frame().iloc[:0])
    assert r.orders.isna().all().all()
    pd.testing.assert_frame_equal(r.after, r.before)


def test_evaluate_orders_columns_of_their_own(df):
    h = sw.Holdings(df, "fund", "sector", "mv")
    o = orders_frame().rename(columns={"fund": "account", "sector": "gics", "mv": "notional"})
    r = h.evaluate(o, portfolio="account", sector="gics", value="notional")
    pd.testing.assert_frame_equal(r.after, h.evaluate(orders_frame()).after)


def test_evaluate_unknown_fund_or_sector(df):
    h = sw.Holdings(df, "fund", "sector", "mv")
    o = orders_frame()
    o.loc[2, "fund"] = "Delta"
    with pytest.raises(
        sw.SectorWeightsError, match=r"portfolio 'Delta' .* is not in the holdings: first at row 2"
    ):
        h.evaluate(o)
    o = orders_frame()
    o.loc[3, "sector"] = "Materials"
    with pytest.raises(
        sw.SectorWeightsError, match=r"sector 'Materials' .*pass sectors=.*first at row 3"
    ):
        h.evaluate(o)


def test_evaluate_order_for_listed_but_unheld_sector(df):
    h = sw.Holdings(df, "fund", "sector", "mv", sectors=SECTORS + ["Materials"])
    o = orders_frame()
    o.loc[3, "sector"] = "Materials"
    r = h.evaluate(o)
    assert r.after.loc["Alpha", "Materials"] > 0
    assert r.before.loc["Alpha", "Materials"] == 0


def test_evaluate_missing_order_data(df):
    h = sw.Holdings(df, "fund", "sector", "mv")
    o = orders_frame()
    o.loc[1, "mv"] = np.nan
    with pytest.raises(
        sw.SectorWeightsError, match=r"1 row of the orders has no 'mv'.*first at row 1\b"
    ):
        h.evaluate(o)
    r = h.evaluate(o, na="drop")
    assert r.dropped == 1 and r.order_counts["Alpha"] == 1


def test_evaluate_zero_orders_and_selling_everything(df):
    h = sw.Holdings(df, "fund", "sector", "mv")
    o = orders_frame()
    o.loc[[1, 3], "mv"] = 0.0
    with pytest.raises(sw.SectorWeightsError, match="orders of portfolio 'Alpha' all have 'mv' 0"):
        h.evaluate(o)
    df["mv"] = np.arange(len(df), dtype=np.float64)  # exact sums
    h = sw.Holdings(df, "fund", "sector", "mv")
    total = float(df.loc[df["fund"] == "Beta", "mv"].sum())
    sell = pd.DataFrame(
        {"fund": ["Beta", "Beta"], "sector": ["Govt", "Energy"], "mv": [-total + 1, -1.0]}
    )
    with pytest.raises(
        sw.SectorWeightsError, match="orders of portfolio 'Beta' sell its whole value"
    ):
        h.evaluate(sell)


def test_tolerance_without_targets(df):
    h = sw.Holdings(df, "fund", "sector", "mv")
    with pytest.raises(ValueError, match="tolerance was given without targets"):
        h.evaluate(orders_frame(), tolerance=0.1)


def test_many_order_lists_reuse_the_holdings(df, rng):
    h = sw.Holdings(df, "fund", "sector", "mv")
    for _ in range(5):
        n = 40
        o = pd.DataFrame(
            {
                "fund": rng.choice(FUNDS, n),
                "sector": rng.choice(SECTORS, n),
                "mv": rng.uniform(-50, 50, n),
            }
        )
        r = h.evaluate(o)
        both = pd.concat([df[["fund", "sector", "mv"]], o])
        sums = both.groupby(["fund", "sector"]).mv.sum().unstack(fill_value=0.0)
        want = sums.div(sums.sum(axis=1), axis=0)
        pd.testing.assert_frame_equal(
            r.after, want, check_exact=False, rtol=1e-10, check_names=False
        )


def test_error_messages_never_name_array_positions(df):
    """No 'bond i of portfolio p' (positions in arrays the user never built) from the table API."""
    df.loc[5, "mv"] = np.nan
    with pytest.raises(sw.SectorWeightsError) as e:
        sw.Holdings(df, "fund", "sector", "mv")
    assert not re.search(r"\bbond \d+|portfolio \d+", str(e.value))
