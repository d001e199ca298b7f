"""Holdings data and exact references shared by the Dask and Spark tests (tests/ecosystem).

The values are adversarial for ordinary floating-point sums: magnitudes from 1e-3 to 1e9, sells,
and pairs of +-1e15 positions in the same fund and sector that cancel, so that summing the same
rows in another order or split changes the last bits of ordinary sums (checked by
``order_matters``): a distributed result equal to the one-machine result bit for bit is then
evidence of exact sums, not luck.
"""

from __future__ import annotations

import inspect
import math
from typing import Any, List, Optional, Sequence

import numpy as np
import pandas as pd

import sector_weights as sw

SECTORS = [f"S{j:02d}" for j in range(18)]


def holdings(num_rows: int = 20_000, num_funds: int = 13, seed: int = 16) -> pd.DataFrame:
    """A holdings table: fund, sector (strings), mv (market value), dur (duration); index: ids."""
    rng = np.random.default_rng(seed)
    funds = [f"F{i:02d}" for i in range(num_funds)]
    fund = rng.choice(funds, num_rows)
    sector = rng.choice(SECTORS[:-1], num_rows)  # the last sector is held by no row
    mv = 10.0 ** rng.uniform(-3, 9, num_rows)
    mv[rng.random(num_rows) < 0.1] *= -1.0  # sells
    # rows num_funds + 2k and the next: pairs that never overlap nor touch the first rows
    big = num_funds + 2 * rng.choice((num_rows - num_funds - 1) // 2, num_rows // 50, replace=False)
    mv[big], mv[big + 1] = 1e15, -1e15  # cancelling pairs, same fund and sector
    fund[big + 1], sector[big + 1] = fund[big], sector[big]
    fund[: num_funds], mv[: num_funds] = funds, 1e10  # every fund: a positive total
    return pd.DataFrame(
        {"fund": fund, "sector": sector, "mv": mv, "dur": rng.uniform(0, 30, num_rows)},
        index=pd.Index([f"XS{i:07d}" for i in range(num_rows)], name="id"),
    )


def shuffled(pdf: pd.DataFrame, seed: int) -> pd.DataFrame:
    return pdf.iloc[np.random.default_rng(seed).permutation(len(pdf))]


def order_matters(pdf: pd.DataFrame, other: pd.DataFrame) -> bool:
    """Whether ordinary (ordered) sums of the two tables' rows differ somewhere."""
    a = pdf.groupby(["fund", "sector"], sort=True).mv.sum()
    b = other.groupby(["fund", "sector"], sort=True).mv.sum()
    return not np.array_equal(a.to_numpy(), b.reindex(a.index).to_numpy())


def exact_weights(
    pdf: pd.DataFrame, metric: Optional[str] = None, sectors: Optional[Sequence[Any]] = None
) -> pd.DataFrame:
    """The exact result on one machine: ``sw.Partial`` over all rows, labelled like the table
    API (portfolios sorted; sectors listed, else sorted), each cell checked against math.fsum."""
    ports = sorted(pdf.fund.unique())
    secs: List[Any] = list(sectors) if sectors is not None else sorted(pdf.sector.unique())
    pc = pdf.fund.map({x: i for i, x in enumerate(ports)}).to_numpy(np.int32)
    sc = pdf.sector.map({x: j for j, x in enumerate(secs)}).to_numpy(np.int32)
    v = pdf.mv.to_numpy(np.float64)
    m = None if metric is None else pdf[metric].to_numpy(np.float64)
    P, S = len(ports), len(secs)
    sums = sw.Partial.from_rows(v, sc, S, portfolios=pc, num_portfolios=P, values=m).result()
    totals = sw.Partial.from_rows(v, np.zeros(len(v), np.int32), 1, portfolios=pc,
                                  num_portfolios=P).result()[:, 0]  # fmt: skip
    terms = v if m is None else v * m
    for i in range(P):
        assert totals[i] == math.fsum(v[pc == i])
        for j in range(S):
            assert sums[i, j] == math.fsum(terms[(pc == i) & (sc == j)]), (i, j)
    return pd.DataFrame(
        sums / totals[:, None],
        index=pd.Index(ports, name="fund"),
        columns=pd.Index(secs, name="sector"),
    )


def has_exact_holdings(method: str = "weights") -> bool:
    """Whether this package's Holdings method has exact sums (``weights(exact=True)``, issue 16
    §1: the table API's methods take ``exact=``)."""
    return "exact" in inspect.signature(getattr(sw.Holdings, method)).parameters


def same_bits(a: pd.DataFrame, b: pd.DataFrame) -> None:
    """Equal labels (and label names) and the same bits in every cell."""
    pd.testing.assert_index_equal(a.index, b.index, exact=False)
    pd.testing.assert_index_equal(a.columns, b.columns, exact=False)
    assert a.index.name == b.index.name and a.columns.name == b.columns.name
    x, y = a.to_numpy(np.float64), b.to_numpy(np.float64)
    assert x.shape == y.shape
    assert np.array_equal(x.view(np.int64), y.view(np.int64)), np.argwhere(x != y)[:5]
