"""sector_weights.dask on a LocalCluster of 2 process workers (run by `make test-dask`).

The cluster's results equal the one-machine exact results bit for bit for several partitionings
of the rows (by rows, not by fund; rows shuffled); exposures and order lists likewise; every error
names the row of the whole table that the table API names; the library's thread count inside the
workers follows the nanny's OMP_NUM_THREADS unless SECTOR_WEIGHTS_NUM_THREADS is set.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("distributed", reason="dask[distributed] is not installed (make test-dask installs it)")
sw = pytest.importorskip("sector_weights", reason="the sector_weights package is not installed (make python-install)")
import dask.dataframe as dd  # noqa: E402
import pandas as pd  # noqa: E402
from distributed import Client, LocalCluster  # noqa: E402

import sector_weights.dask as swd  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from distributed_data import (  # noqa: E402
    SECTORS, exact_weights, has_exact_holdings, holdings, order_matters, same_bits, shuffled,
)  # fmt: skip

COLUMNS = dict(portfolio="fund", sector="sector", value="mv")


@pytest.fixture(scope="module")
def client():
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0")
    with Client(cluster) as c:
        yield c
    cluster.close()


@pytest.fixture(scope="module")
def pdf():
    return holdings()


def partitionings(pdf):
    """The same rows split three ways: 6 partitions in order; shuffled into 4; shuffled again
    into 11 partitions of uneven size (merged 2 at a time)."""
    return [
        (dd.from_pandas(pdf, npartitions=6, sort=False), 8),
        (dd.from_pandas(shuffled(pdf, 1), npartitions=4, sort=False), 8),
        (dd.from_pandas(shuffled(pdf, 2), chunksize=1_900, sort=False), 2),
    ]


def test_the_data_defeat_ordinary_sums(pdf):
    assert order_matters(pdf, shuffled(pdf, 1))


def test_weights_equal_the_one_machine_result_for_every_partitioning(client, pdf):
    reference = exact_weights(pdf)
    for ddf, split_every in partitionings(pdf):
        got = swd.weights(ddf, **COLUMNS, split_every=split_every)
        assert isinstance(got, pd.DataFrame)
        same_bits(got, reference)
    # With every sector listed (one no row holds: a zero column), in the listed order.
    listed = SECTORS[::-1]
    got = swd.weights(partitionings(pdf)[1][0], **COLUMNS, sectors=listed)
    same_bits(got, exact_weights(pdf, sectors=listed))
    assert (got["S17"] == 0).all()


def test_label_columns_of_every_kind(client, pdf):
    """Categorical labels (codes per partition, unused categories), integer fund ids and
    Arrow-backed strings: the labels and bits of the string table."""
    reference = exact_weights(pdf)
    cat = pdf.astype({"fund": "category", "sector": pd.CategoricalDtype(SECTORS)})
    got = swd.weights(dd.from_pandas(shuffled(cat, 3), npartitions=5, sort=False), **COLUMNS)
    same_bits(got, reference)
    ids = pdf.assign(fund=pdf.fund.str[1:].astype("int64") * 1000 + 7)
    got = swd.weights(dd.from_pandas(ids, npartitions=3, sort=False), **COLUMNS)
    assert list(got.index) == sorted(ids.fund.unique())
    np.testing.assert_array_equal(got.to_numpy(), reference.to_numpy())
    arrow = pdf.astype({"fund": "string[pyarrow]", "sector": "string[pyarrow]"})
    same_bits(swd.weights(dd.from_pandas(arrow, npartitions=4, sort=False), **COLUMNS), reference)


@pytest.mark.skipif(not has_exact_holdings(), reason="Holdings(...).weights(exact=True) is not in this build yet (issue 16 §1)")
def test_weights_equal_holdings_exact_on_the_whole_table(client, pdf):
    whole = sw.Holdings(pdf, **COLUMNS)
    for ddf, split_every in partitionings(pdf):
        h = swd.Holdings(ddf, **COLUMNS, split_every=split_every)
        same_bits(h.weights(), whole.weights(exact=True))
        if has_exact_holdings("exposures"):
            same_bits(h.exposures("dur"), whole.exposures("dur", exact=True))


def test_exposures_equal_the_one_machine_result(client, pdf):
    reference = exact_weights(pdf, metric="dur")
    for ddf, split_every in partitionings(pdf)[:2]:
        same_bits(swd.exposures(ddf, "dur", **COLUMNS, split_every=split_every), reference)


def test_holdings_answers_many_questions_from_one_read(client, pdf):
    ddf = partitionings(pdf)[1][0]
    h = swd.Holdings(ddf, **COLUMNS)
    assert h.portfolios == sorted(pdf.fund.unique()) and h.sectors == sorted(pdf.sector.unique())
    assert h.num_rows == len(pdf) and h.dropped == 0
    assert repr(h).startswith("dask.Holdings(13 portfolios x 17 sectors, 20,000 rows")
    with pytest.raises(ValueError, match="always exact"):
        h.weights(exact=False)
    same_bits(h.weights(), exact_weights(pdf))
    c = h.compare({s: 1 / 17 for s in h.sectors}, 0.01)
    np.testing.assert_array_equal(c.active.to_numpy(), h.weights().to_numpy() - 1 / 17)
    np.testing.assert_array_equal(c.breaches.to_numpy(), np.abs(c.active.to_numpy()) > 0.01)


def orders_for(pdf):
    rng = np.random.default_rng(5)
    funds = sorted(pdf.fund.unique())[:-2]  # the last two funds have no orders
    n = 300
    return pd.DataFrame({
        "fund": rng.choice(funds, n), "sector": rng.choice(SECTORS[:-1], n),
        "mv": rng.uniform(-1e6, 2e6, n),
    })  # fmt: skip


def test_evaluate_orders_as_pandas_or_dask(client, pdf):
    orders = orders_for(pdf)
    targets = {s: 1 / 17 for s in sorted(pdf.sector.unique())}
    runs = []
    for ddf, split_every in partitionings(pdf)[:2]:
        for o in (orders, dd.from_pandas(orders, npartitions=3)):
            runs.append(swd.evaluate(ddf, o, targets, 0.02, **COLUMNS, split_every=split_every))
    first = runs[0]
    for r in runs[1:]:  # the same bits whatever the partitioning and the orders' kind
        for key in ("before", "orders", "after", "active", "breaches"):
            pd.testing.assert_frame_equal(getattr(r, key), getattr(first, key), check_exact=True)
    same_bits(first.before, exact_weights(pdf))
    assert first.orders.loc[sorted(pdf.fund.unique())[-2:]].isna().all().all()
    # after = (holdings + orders) / (total + net orders), per fund and sector
    sums = pdf.groupby(["fund", "sector"]).mv.sum().unstack(fill_value=0.0)
    placed = orders.groupby(["fund", "sector"]).mv.sum().unstack(fill_value=0.0)
    placed = placed.reindex(index=sums.index, columns=sums.columns, fill_value=0.0)
    expect = (sums + placed).div(sums.sum(axis=1) + placed.sum(axis=1), axis=0)
    np.testing.assert_allclose(first.after.to_numpy(), expect.to_numpy(), rtol=1e-9, atol=1e-12)
    assert first.order_counts == {f: int((orders.fund == f).sum()) for f in first.portfolios}


@pytest.mark.skipif(not has_exact_holdings("evaluate"), reason="Holdings(...).evaluate(exact=True) is not in this build yet (issue 16 §1)")
def test_evaluate_equals_holdings_exact(client, pdf):
    orders = orders_for(pdf)
    got = swd.evaluate(partitionings(pdf)[2][0], orders, **COLUMNS)
    want = sw.Holdings(pdf, **COLUMNS).evaluate(orders, exact=True)
    for key in ("before", "orders", "after"):
        same_bits(getattr(got, key), getattr(want, key))


# ---------------------------------------------------------------------------------------------
# Errors: the same message as the table API on the whole table (same rows named)


def both_raise(pdf, ddf, **kwargs):
    """The message sw.Holdings gives on the whole table, and the one sector_weights.dask gives."""
    with pytest.raises(Exception) as whole:
        sw.Holdings(pdf, **COLUMNS, **kwargs).weights()
    with pytest.raises(type(whole.value)) as dist:
        swd.weights(ddf, **COLUMNS, **kwargs)
    return str(whole.value), str(dist.value)


def test_missing_values_name_the_first_row_of_the_whole_table(client, pdf):
    bad = pdf.copy()
    bad.iloc[[15_000, 7_321], bad.columns.get_loc("mv")] = [np.nan, np.inf]
    ddf = dd.from_pandas(bad, npartitions=5, sort=False)
    whole, dist = both_raise(bad, ddf)
    assert dist == whole
    assert "2 rows of the holdings have no 'mv'" in dist and "first at row 7321 (index 'XS0007321')" in dist
    # na="drop": those rows are left out, counted, and the result is the exact one without them.
    h = swd.Holdings(ddf, **COLUMNS, na="drop")
    assert h.dropped == 2 and h.num_rows == len(pdf) - 2
    same_bits(h.weights(), exact_weights(bad[np.isfinite(bad.mv)]))


def test_missing_labels_are_named_like_the_table_api(client, pdf):
    bad = pdf.copy()
    bad.iloc[12_345, bad.columns.get_loc("fund")] = None
    bad.iloc[[3, 19_000], bad.columns.get_loc("sector")] = None
    ddf = dd.from_pandas(bad, npartitions=4, sort=False)
    whole, dist = both_raise(bad, ddf)
    assert dist == whole and "1 row of the holdings has no 'fund'" in dist
    assert "row 12345 (index 'XS0012345')" in dist


def test_unknown_sector_and_zero_total_are_named_like_the_table_api(client, pdf):
    ddf = dd.from_pandas(pdf, npartitions=3, sort=False)
    listed = [s for s in SECTORS if s != "S04"]
    whole, dist = both_raise(pdf, ddf, sectors=listed)
    assert dist == whole and "sector 'S04' (column 'sector') is not in sectors=" in dist
    # A fund whose positions cancel exactly: its total is 0 (rows in two partitions).
    zero = pd.concat([pdf.iloc[:8000], pd.DataFrame(
        {"fund": ["Z", "Z"], "sector": ["S01", "S02"], "mv": [2.5e7, -2.5e7], "dur": [1.0, 2.0]},
        index=pd.Index(["Z1", "Z2"], name="id"),
    ), pdf.iloc[8000:]])  # fmt: skip
    ddf = dd.from_pandas(zero, npartitions=2, sort=False)  # rows 8000 and 8001 split? not needed
    whole, dist = both_raise(zero, ddf)
    assert dist == whole and "portfolio 'Z' (column 'fund') has a total 'mv' of 0 over its 2 rows" in dist


def test_missing_metric_and_bad_arguments(client, pdf):
    bad = pdf.copy()
    bad.iloc[[17_001, 9_999], bad.columns.get_loc("dur")] = np.nan
    ddf = dd.from_pandas(bad, npartitions=4, sort=False)
    with pytest.raises(sw.SectorWeightsError) as whole:
        sw.Holdings(bad, **COLUMNS).exposures("dur")
    with pytest.raises(sw.SectorWeightsError) as dist:
        swd.exposures(ddf, "dur", **COLUMNS)
    assert str(dist.value) == str(whole.value) and "first at row 9999" in str(dist.value)
    with pytest.raises(TypeError, match="must be a dask DataFrame"):
        swd.weights(pdf, **COLUMNS)
    with pytest.raises(ValueError, match="no column 'market_value'"):
        swd.weights(ddf, portfolio="fund", sector="sector", value="market_value")
    with pytest.raises(ValueError, match="na must be"):
        swd.weights(ddf, **COLUMNS, na="ignore")


# ---------------------------------------------------------------------------------------------
# Thread budget inside the workers


def _worker_threads():
    import sector_weights as sw

    sw.set_num_threads(0)  # back to the default: the environment decides
    return (
        os.environ.get("OMP_NUM_THREADS"),
        os.environ.get("SECTOR_WEIGHTS_NUM_THREADS"),
        sw.get_num_threads(),
    )


def test_workers_honour_the_nannys_omp_num_threads(client):
    got = client.run(_worker_threads)
    assert len(got) == 2
    assert all(r == ("1", None, 1) for r in got.values()), got


def test_sector_weights_num_threads_wins_inside_workers():
    env = {"SECTOR_WEIGHTS_NUM_THREADS": "3"}
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=":0",
                      env=env) as cluster, Client(cluster) as c:  # fmt: skip
        (got,) = c.run(_worker_threads).values()
    assert got == ("1", "3", 3)
