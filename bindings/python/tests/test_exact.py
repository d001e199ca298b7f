"""Exact mode (``exact=True``, issue 16): every sum is the double ``math.fsum`` returns for its
terms, so shuffled rows, thread counts and layouts give the same bits. Checked against
``math.fsum`` on adversarial data (1e300 with 1e-300, huge cancellations, subnormals, sells),
through ``sector_weights``, ``sector_exposures`` and the ``Holdings`` methods; errors are the
library's own."""

from __future__ import annotations

import math
from collections import defaultdict

import numpy as np
import pytest

import sector_weights as sw


def nasty(rng: np.random.Generator, n: int) -> np.ndarray:
    """Weights an adversary picks: ordinary, 1e300, 1e-300, subnormals, powers of two, sells,
    and cancelling twins of them, shuffled."""
    kinds = rng.integers(0, 6, n // 2)
    x = rng.uniform(-1.0, 1.0, n // 2)
    x = np.where(kinds == 1, x * 1e300, x)
    x = np.where(kinds == 2, x * 1e-300, x)
    x = np.where(kinds == 3, x * 5e-310, x)  # subnormal
    x = np.where(kinds == 4, np.ldexp(1.0, rng.integers(-1000, 1000, n // 2)), x)
    rest = rng.uniform(-1.0, 1.0, n - 2 * (n // 2)) * 1e16
    w = np.concatenate([x, -x[: n // 4], x[n // 4 :] * 3.0, rest])
    rng.shuffle(w)
    return w


def fsum_table(w, codes, portfolios, P, S):
    cells = defaultdict(list)
    for x, k, p in zip(w.tolist(), codes.tolist(), portfolios.tolist()):
        cells[(p, k)].append(x)
    return np.array([[math.fsum(cells[(p, k)]) for k in range(S)] for p in range(P)])


def bits(a: np.ndarray) -> list:
    return np.ascontiguousarray(a, dtype=np.float64).view(np.uint64).tolist()


@pytest.fixture
def data():
    rng = np.random.default_rng(16)
    n, P, S = 20_000, 7, 18
    w = nasty(rng, n)
    codes = rng.integers(0, S, n).astype(np.int32)
    portfolios = rng.integers(0, P, n).astype(np.int32)
    return rng, w, codes, portfolios, P, S


def test_the_classic_cases_are_fsums():
    for w in ([1e300, 1e-300, -1e300], [1e16, 1.0, -1e16], [0.1, 0.2, 0.3], [5e-324, -1e-320]):
        got = sw.sector_weights(w, [0] * len(w), 1, exact=True)
        assert got[0] == math.fsum(w)
    # Unlike math.fsum, no intermediate overflow: 1e308 + 1e308 - 1e308 is 1e308.
    assert sw.sector_weights([1e308, 1e308, -1e308], [0, 0, 0], 1, exact=True)[0] == 1e308
    assert sw.sector_weights([0.1, 0.2, 0.3], [0, 0, 0], 1)[0] != 0.6  # the default mode


def test_grouped_weights_are_fsums_in_any_row_order(data):
    rng, w, codes, portfolios, P, S = data
    want = fsum_table(w, codes, portfolios, P, S)
    got = sw.sector_weights(w, codes, S, portfolios=portfolios, num_portfolios=P, exact=True)
    assert bits(got) == bits(want)
    order = rng.permutation(w.size)
    again = sw.sector_weights(
        w[order], codes[order], S, portfolios=portfolios[order], num_portfolios=P, exact=True
    )
    assert bits(again) == bits(got)
    norm = sw.sector_weights(
        w, codes, S, portfolios=portfolios, num_portfolios=P, normalize=True, exact=True
    )
    totals = [math.fsum(w[portfolios == p].tolist()) for p in range(P)]
    assert bits(norm) == bits(want / np.array(totals)[:, None])


def test_offsets_uniform_and_typed_are_fsums(data):
    rng, w, codes, _, _, S = data
    offsets = np.array([0, 5000, 5000, 12_000, w.size])
    got = sw.sector_weights(w, codes, S, offsets=offsets, exact=True)
    for p in range(4):
        r = slice(offsets[p], offsets[p + 1])
        want = [math.fsum(w[r][codes[r] == k].tolist()) for k in range(S)]
        assert bits(got[p]) == bits(np.array(want))
    # Equal portfolios (2-D) go through the ragged entry point in exact mode; int8 codes typed.
    two = sw.sector_weights(w.reshape(4, -1), codes.reshape(4, -1).astype(np.int8), S, exact=True)
    for p, row in enumerate(w.reshape(4, -1)):
        c = codes.reshape(4, -1)[p]
        assert bits(two[p]) == bits(np.array([math.fsum(row[c == k].tolist()) for k in range(S)]))


def test_exposures_round_each_product_once_and_sum_exactly(data):
    rng, w, codes, portfolios, P, S = data
    v = rng.uniform(-10.0, 10.0, w.size)
    got = sw.sector_exposures(w, v, codes, S, portfolios=portfolios, num_portfolios=P, exact=True)
    assert bits(got) == bits(fsum_table(w * v, codes, portfolios, P, S))


def test_thread_counts_give_the_same_bits():
    rng = np.random.default_rng(3)
    w = nasty(rng, 300_000)
    codes = rng.integers(0, 18, w.size).astype(np.int32)
    runs = []
    try:
        for t in (1, 2, 3, 8):
            sw.set_num_threads(t)
            runs.append(bits(sw.sector_weights(w, codes, 18, exact=True)))
    finally:
        sw.set_num_threads(0)
    assert all(r == runs[0] for r in runs)


def test_errors_are_the_librarys_and_leave_out_untouched():
    out = np.full(2, -7.0)
    with pytest.raises(sw.SectorWeightsError) as e:
        sw.sector_weights([1e308, 1e308], [0, 0], 2, offsets=[0, 2], exact=True, out=out[None, :])
    assert e.value.status == sw.Status.ERROR_NON_FINITE
    assert "the sum of sector 0 of portfolio 0 overflows (inf)" in str(e.value)
    assert (out == -7.0).all()
    # An exact total of 0 (the default mode's total here is -1).
    with pytest.raises(sw.SectorWeightsError) as e:
        sw.sector_weights([1e16, 1.0, -1e16, -1.0], [0, 1, 0, 1], 2, normalize=True, exact=True)
    assert e.value.status == sw.Status.ERROR_ZERO_TOTAL
    assert e.value.message == "portfolio 0 (4 bonds) has a total of 0 and cannot be normalised"


pd = pytest.importorskip("pandas")


def holdings_frame(rng, n=5000):
    funds = ["A", "B", "C"]
    sectors = ["Energy", "Govt", "Utilities", "Tech"]
    mv = np.abs(nasty(rng, n)) + 1e-3  # market values: positive, wildly scaled
    mv[rng.integers(0, n, n // 10)] *= -1.0  # some short positions
    return pd.DataFrame(
        {
            "fund": [funds[i % 3] for i in range(n)],
            "sector": [sectors[(i * 7 // 3) % 4] for i in range(n)],
            "mv": mv,
            "duration": rng.uniform(0.5, 12.0, n),
        }
    )


def test_holdings_exact_is_fsum_and_ignores_row_order():
    rng = np.random.default_rng(13)
    df = holdings_frame(rng)
    h = sw.Holdings(df, portfolio="fund", sector="sector", value="mv")
    w = h.weights(exact=True)
    for fund in w.index:
        rows = df[df.fund == fund]
        total = math.fsum(rows.mv.tolist())
        for sector in w.columns:
            cell = math.fsum(rows[rows.sector == sector].mv.tolist())
            assert w.loc[fund, sector] == cell / total
    e = h.exposures("duration", exact=True)
    rows = df[df.fund == "A"]
    terms = (rows.mv * rows.duration)[rows.sector == "Govt"].tolist()
    assert e.loc["A", "Govt"] == math.fsum(terms) / math.fsum(rows.mv.tolist())
    shuffled = df.sample(frac=1.0, random_state=5).reset_index(drop=True)
    h2 = sw.Holdings(shuffled, portfolio="fund", sector="sector", value="mv")
    assert bits(h2.weights(exact=True).to_numpy()) == bits(w.to_numpy())
    assert bits(h2.exposures("duration", exact=True).to_numpy()) == bits(e.to_numpy())
    c1, c2 = h.compare(w * 0 + 0.25, 0.01, exact=True), h2.compare(w * 0 + 0.25, 0.01, exact=True)
    assert bits(c1.active.to_numpy()) == bits(c2.active.to_numpy())
    assert (c1.breaches == c2.breaches).all().all()


def test_holdings_evaluate_exact_ignores_row_order():
    rng = np.random.default_rng(17)
    df = holdings_frame(rng)
    orders = pd.DataFrame(
        {"fund": ["A", "B", "A", "A"], "sector": ["Govt", "Tech", "Energy", "Govt"],
         "mv": [1e15, -3.0, 0.1, -1e15]}
    )  # fmt: skip
    h = sw.Holdings(df, portfolio="fund", sector="sector", value="mv")
    r = h.evaluate(orders, exact=True)
    rows = df[df.fund == "A"]
    both = rows.mv.tolist() + orders[orders.fund == "A"].mv.tolist()
    govt = rows[rows.sector == "Govt"].mv.tolist() + [1e15, -1e15]
    assert r.after.loc["A", "Govt"] == math.fsum(govt) / math.fsum(both)
    assert r.orders.loc["A", "Energy"] == 0.1 / math.fsum([1e15, 0.1, 1e15])
    h2 = sw.Holdings(df.sample(frac=1.0, random_state=9), portfolio="fund", sector="sector", value="mv")
    r2 = h2.evaluate(orders.iloc[::-1], exact=True)
    for a, b in ((r.after, r2.after), (r.orders, r2.orders), (r.before, r2.before)):
        assert bits(a.to_numpy()) == bits(b.to_numpy())
    assert np.isnan(r.orders.loc["C"]).all()
