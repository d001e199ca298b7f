"""Portfolio-manager features (issue 5): compare_to_targets, evaluate_orders, their reports and
frames, the combined-code "many rules at once" breakdown, and the worked example script.

Results are checked against a naive reference (math.fsum per sector, numpy for the band
arithmetic); every error the issue lists is provoked and its status and located message checked;
outputs are checked untouched on error; results are bit-identical for any thread count.
"""

from __future__ import annotations

import math
import re
import subprocess
import sys

import numpy as np
import pytest
from conftest import REPO_ROOT, reference

import sector_weights as sw
from sector_weights import SectorWeightsError, Status, _lib, _pm

SENTINEL = -12345.678


# ---------------------------------------------------------------------------------------------
# Naive references


def ref_orders(pv, ps, po, ov, os_, oo, S):
    """before, orders, after per portfolio, one holding and one order at a time (math.fsum)."""
    pv, ov = np.asarray(pv, float), np.asarray(ov, float)
    ps, os_ = np.asarray(ps), np.asarray(os_)
    P = len(po) - 1
    before, orders, after = (np.zeros((P, S)) for _ in range(3))
    for p in range(P):
        held = [[] for _ in range(S)]
        for i in range(po[p], po[p + 1]):
            held[ps[i]].append(pv[i])
        ordered = [[] for _ in range(S)]
        for i in range(oo[p], oo[p + 1]):
            ordered[os_[i]].append(ov[i])
        total = math.fsum(pv[po[p]:po[p + 1]])
        net = math.fsum(ov[oo[p]:oo[p + 1]])
        gross = math.fsum(abs(x) for x in ov[oo[p]:oo[p + 1]])
        for k in range(S):
            h, o = math.fsum(held[k]), math.fsum(ordered[k])
            before[p, k] = h / total
            orders[p, k] = o / gross
            after[p, k] = math.fsum(held[k] + ordered[k]) / (total + net)
    return before, orders, after


def random_book(rng, P, S, max_bonds=300, max_orders=40, big_sells=True):
    """P non-empty ragged portfolios (positive market values) and P non-empty order lists with
    buys and sells whose net is at most half the portfolio. With ``big_sells`` (and S >= 2) each
    list also sells more than the portfolio's whole holding of one sector, so that sector goes
    short, and buys a little more than that in another sector (the pro-forma total stays at
    least the portfolio's total, far from 0)."""
    sizes = rng.integers(1, max_bonds + 1, P)
    po = np.concatenate([[0], np.cumsum(sizes)])
    pv = rng.uniform(0.1, 10.0, po[-1])
    ps = rng.integers(0, S, po[-1]).astype(np.int32)
    big = big_sells and S >= 2
    nsizes = rng.integers(1, max_orders + 1, P) + (2 if big else 0)
    oo = np.concatenate([[0], np.cumsum(nsizes)])
    ov = np.empty(oo[-1])
    os_ = rng.integers(0, S, oo[-1]).astype(np.int32)
    for p in range(P):
        a, b = oo[p], oo[p + 1]
        total = pv[po[p]:po[p + 1]].sum()
        ov[a:b] = rng.uniform(-1, 1, b - a) * total / (2 * (b - a))
        if big:
            k = int(ps[po[p]])
            held_k = pv[po[p]:po[p + 1]][ps[po[p]:po[p + 1]] == k].sum()
            sell = held_k + total / 2 + 1.0
            ov[a], os_[a] = -sell, k
            ov[a + 1], os_[a + 1] = sell + total / 2, (k + 1) % S
    return pv, ps, po, ov, os_, oo


def assert_orders_close(res, want):
    for got, ref, name in zip((res.before, res.orders, res.after), want, ("before", "orders", "after")):
        np.testing.assert_allclose(got, ref, rtol=1e-12, atol=1e-13, err_msg=name)


# ---------------------------------------------------------------------------------------------
# compare_to_targets


@pytest.mark.parametrize("trial", range(6))
def test_compare_to_targets_against_numpy(rng, trial):
    P, S = int(rng.integers(1, 7)), int(rng.integers(1, 25))
    actual = rng.dirichlet(np.ones(S), P)
    forms = {
        "scalar": lambda: float(rng.uniform(0, 0.2)),
        "one": lambda: rng.uniform(0, 0.2, 1),
        "per sector": lambda: rng.uniform(0, 0.2, S),
        "row": lambda: rng.uniform(0, 0.2, (1, S)),
        "per cell": lambda: rng.uniform(0, 0.2, (P, S)),
    }
    for tname, tf in forms.items():
        for bname, bf in forms.items():
            targets, tol = tf(), bf()
            r = sw.compare_to_targets(actual, targets, tol)
            want_active = actual - np.asarray(targets)
            assert r.active.dtype == np.float64 and r.breaches.dtype == np.bool_
            assert r.active.shape == r.breaches.shape == (P, S)
            assert r.active.tobytes() == np.broadcast_to(want_active, (P, S)).tobytes(), (tname, bname)
            np.testing.assert_array_equal(r.breaches, np.abs(want_active) > np.asarray(tol))
            np.testing.assert_array_equal(r.targets, np.broadcast_to(targets, (P, S)))
            np.testing.assert_array_equal(r.tolerance, np.broadcast_to(tol, (P, S)))
    # One portfolio: (S,) in, (S,) out.
    one = sw.compare_to_targets(actual[0], np.full(S, 1 / S), 0.01)
    assert one.active.shape == one.breaches.shape == (S,)
    np.testing.assert_array_equal(one.active, actual[0] - 1 / S)


def test_compare_breach_is_strictly_outside_the_band():
    # |active| == tolerance is inside the band; breaches are true bools (one byte, 0 or 1).
    r = sw.compare_to_targets([0.5, 0.25, 0.0], [0.25, 0.25, 0.25], [0.25, 0.0, 0.2])
    np.testing.assert_array_equal(r.active, [0.25, 0.0, -0.25])
    assert r.breaches.tolist() == [False, False, True]
    assert set(r.breaches.view(np.uint8).tolist()) <= {0, 1}


def test_compare_accepts_lists_and_other_dtypes():
    r = sw.compare_to_targets([[1, 2], [3, 4]], np.array([1, 1], dtype=np.int32), np.float32(0.5))
    np.testing.assert_array_equal(r.active, [[0, 1], [2, 3]])
    np.testing.assert_array_equal(r.breaches, [[False, True], [True, True]])


def test_compare_targets_views_are_read_only():
    r = sw.compare_to_targets(np.ones((2, 3)), np.zeros((2, 3)), 0.1)
    with pytest.raises(ValueError):
        r.targets[0, 0] = 1.0
    with pytest.raises(ValueError):
        r.tolerance[0, 0] = 1.0


def library_error(status, pattern, fn, *args, **kw):
    with pytest.raises(SectorWeightsError) as info:
        fn(*args, **kw)
    err = info.value
    assert err.status == status, (err.status, str(err))
    assert re.search(pattern, err.message), err.message
    return err


def test_compare_errors():
    a = np.array([[0.5, 0.5, 0.0], [0.2, 0.3, 0.5]])
    t = np.full(3, 1 / 3)
    library_error(Status.ERROR_LENGTH_MISMATCH,
                  r"targets has 2 elements but must have 1, 3 \(one per sector\) or 6 \(2 portfolios x 3 sectors\)",
                  sw.compare_to_targets, a, [0.1, 0.2], 0.1)
    library_error(Status.ERROR_LENGTH_MISMATCH, r"tolerance has 4 elements",
                  sw.compare_to_targets, a, t, [0.1] * 4)
    bad = a.copy()
    bad[1, 2] = np.nan
    library_error(Status.ERROR_NON_FINITE, r"actual weight NaN of sector 2 of portfolio 1 is not finite",
                  sw.compare_to_targets, bad, t, 0.1)
    library_error(Status.ERROR_NON_FINITE, r"targets\[1\] = inf is not finite",
                  sw.compare_to_targets, a, [0.1, np.inf, 0.1], 0.1)
    library_error(Status.ERROR_NON_FINITE, r"tolerance\[4\] = NaN is not finite",
                  sw.compare_to_targets, a, t, [[0.1] * 3, [0.1, np.nan, 0.1]])
    library_error(Status.ERROR_INVALID_ARGUMENT, r"tolerance\[2\] = -0.01 is negative",
                  sw.compare_to_targets, a, t, [0.1, 0.1, -0.01])
    library_error(Status.ERROR_INVALID_ARGUMENT, r"tolerance\[0\] = -0.5 is negative",
                  sw.compare_to_targets, a, t, -0.5)
    library_error(Status.ERROR_INVALID_ARGUMENT, r"num_sectors must be at least 1",
                  sw.compare_to_targets, np.zeros((2, 0)), 0.0, 0.0)
    # Shapes found in Python: ValueError (SectorWeightsError is one too, but these are not it).
    for targets, pattern in [
        (np.full(6, 0.1), r"targets has shape \(6,\): per-portfolio targets must have shape \(2, 3\)"),
        (np.full((3, 3), 0.1), r"targets has shape \(3, 3\) but must be a scalar, \(3,\) .* or \(2, 3\)"),
        (np.full((2, 3, 1), 0.1), r"targets has shape \(2, 3, 1\)"),
    ]:
        with pytest.raises(ValueError, match=pattern) as info:
            sw.compare_to_targets(a, targets, 0.1)
        assert not isinstance(info.value, SectorWeightsError)
    with pytest.raises(ValueError, match=r"tolerance has shape \(2, 3\) but must be a scalar or \(3,\) \(one per sector\) to broadcast against shape \(3,\)"):
        sw.compare_to_targets(a[0], t, np.full((2, 3), 0.1))
    with pytest.raises(ValueError, match=r"actual must be 1-D .* got shape \(\)"):
        sw.compare_to_targets(0.5, 0.5, 0.1)
    with pytest.raises(ValueError, match=r"actual must be 1-D .* got shape \(1, 2, 3\)"):
        sw.compare_to_targets(np.ones((1, 2, 3)), 0.5, 0.1)
    with pytest.raises(TypeError, match=r"targets must hold real numbers"):
        sw.compare_to_targets(a, "abc", 0.1)


def test_compare_outputs_untouched_on_error():
    a = np.array([[0.5, 0.5], [0.2, 0.8]])
    cases = [
        (np.array([0.5, np.nan]), np.array([0.1])),   # non-finite target
        (np.array([0.5, 0.5]), np.array([-0.1])),     # negative tolerance
        (np.array([0.5, 0.5, 0.5]), np.array([0.1])),  # wrong length
    ]
    for t, tol in cases:
        active = np.full(a.shape, SENTINEL)
        breaches = np.full(a.shape, 7, dtype=np.uint8)
        with pytest.raises(SectorWeightsError):
            _pm.compare_into(a, t, tol, active, breaches)
        assert np.all(active == SENTINEL) and np.all(breaches == 7)
    # The same buffers are filled on success (uint8 0/1, the C type of breaches).
    _pm.compare_into(a, np.array([0.5]), np.array([0.1]), active, breaches)
    np.testing.assert_array_equal(active, a - 0.5)
    np.testing.assert_array_equal(breaches, [[0, 0], [1, 1]])


# ---------------------------------------------------------------------------------------------
# evaluate_orders


@pytest.mark.parametrize("trial", range(8))
def test_evaluate_orders_against_reference(rng, trial):
    P, S = int(rng.integers(1, 7)), int(rng.integers(1, 30))
    pv, ps, po, ov, os_, oo = random_book(rng, P, S)
    r = sw.evaluate_orders(pv, ps, ov, os_, S, portfolio_offsets=po, order_offsets=oo)
    assert r.before.shape == r.orders.shape == r.after.shape == (P, S)
    assert r.active is None and r.breaches is None and r.targets is None and r.tolerance is None
    want = ref_orders(pv, ps, po, ov, os_, oo, S)
    assert_orders_close(r, want)
    np.testing.assert_array_equal(r.holdings, np.diff(po))
    np.testing.assert_array_equal(r.order_counts, np.diff(oo))
    # Sells larger than holdings: every portfolio has a sector that goes short after the orders.
    if S >= 2:
        assert np.all((r.after < 0).any(axis=1))
    # before sums to 1; the gross mix's absolute values sum to at most 1.
    np.testing.assert_allclose(r.before.sum(axis=1), 1.0, rtol=1e-12)
    np.testing.assert_allclose(r.after.sum(axis=1), 1.0, rtol=1e-10)
    assert np.all(np.abs(r.orders).sum(axis=1) <= 1 + 1e-12)
    # before is exactly what sector_weights(normalize=True) gives: the same kernel.
    assert r.before.tobytes() == sw.sector_weights(pv, ps, S, offsets=po, normalize=True).tobytes()


@pytest.mark.parametrize("trial", range(4))
def test_evaluate_orders_with_targets(rng, trial):
    P, S = int(rng.integers(1, 6)), int(rng.integers(2, 20))
    pv, ps, po, ov, os_, oo = random_book(rng, P, S)
    for targets, tolerance in [
        (1 / S, None),
        (1 / S, 0.05),
        (rng.dirichlet(np.ones(S)), rng.uniform(0, 0.1, S)),
        (rng.dirichlet(np.ones(S), P), rng.uniform(0, 0.1, (P, S))),
        (rng.dirichlet(np.ones(S), 1), 0.02),
    ]:
        r = sw.evaluate_orders(pv, ps, ov, os_, S, portfolio_offsets=po, order_offsets=oo,
                               targets=targets, tolerance=tolerance)
        tol = 0.0 if tolerance is None else tolerance
        want_active = r.after - np.broadcast_to(targets, (P, S))
        assert r.active.tobytes() == want_active.tobytes()
        np.testing.assert_array_equal(r.breaches, np.abs(want_active) > np.broadcast_to(tol, (P, S)))
        assert r.breaches.dtype == np.bool_
        np.testing.assert_array_equal(r.tolerance, np.broadcast_to(tol, (P, S)))
        # The same as comparing .after afterwards.
        c = sw.compare_to_targets(r.after, targets, tol)
        assert c.active.tobytes() == r.active.tobytes()
        assert c.breaches.tobytes() == r.breaches.tobytes()
        assert_orders_close(r, ref_orders(pv, ps, po, ov, os_, oo, S))


def test_one_portfolio_without_offsets(rng):
    S = 7
    pv, ps, po, ov, os_, oo = random_book(rng, 1, S)
    r = sw.evaluate_orders(pv, ps, ov, os_, S, targets=np.full(S, 1 / S), tolerance=0.01)
    assert r.before.shape == r.orders.shape == r.after.shape == r.active.shape == (S,)
    assert r.breaches.shape == (S,)
    ragged = sw.evaluate_orders(pv, ps, ov, os_, S, portfolio_offsets=po, order_offsets=oo,
                                targets=np.full(S, 1 / S), tolerance=0.01)
    for name in ("before", "orders", "after", "active", "breaches"):
        assert getattr(r, name).tobytes() == getattr(ragged, name)[0].tobytes(), name
    assert_orders_close(ragged, ref_orders(pv, ps, po, ov, os_, oo, S))
    # Lists and int64 codes are accepted too.
    again = sw.evaluate_orders(pv.tolist(), ps.astype(np.int64), ov.tolist(), os_.tolist(), S)
    assert again.after.tobytes() == r.after.tobytes()


def test_hand_computed_example():
    # Holdings 60 in sector 0, 40 in sector 1; orders buy 30 of sector 1, sell 10 of sector 0.
    r = sw.evaluate_orders([60.0, 40.0], [0, 1], [30.0, -10.0], [1, 0], 2, targets=[0.5, 0.5],
                           tolerance=0.1)
    np.testing.assert_allclose(r.before, [0.6, 0.4])
    np.testing.assert_allclose(r.orders, [-0.25, 0.75])
    np.testing.assert_allclose(r.after, [50 / 120, 70 / 120])
    np.testing.assert_allclose(r.active, [50 / 120 - 0.5, 70 / 120 - 0.5])
    assert r.breaches.tolist() == [False, False]
    # A sell larger than the holding: sector 0 goes short.
    r = sw.evaluate_orders([60.0, 40.0], [0, 1], [-80.0, 100.0], [0, 1], 2)
    np.testing.assert_allclose(r.after, [-20 / 120, 140 / 120])


def test_portfolio_values_may_be_market_values_of_any_sign(rng):
    # A short holding is fine as long as the portfolio's total is not 0.
    r = sw.evaluate_orders([100.0, -20.0, 40.0], [0, 1, 2], [10.0], [1], 3)
    np.testing.assert_allclose(r.before, [100 / 120, -20 / 120, 40 / 120])
    np.testing.assert_allclose(r.after, [100 / 130, -10 / 130, 40 / 130])


def orders_error(status, pattern, *args, **kw):
    return library_error(status, pattern, sw.evaluate_orders, *args, **kw)


def test_evaluate_orders_every_error():
    pv = np.array([10.0, 20.0, 30.0, 40.0])
    ps = np.array([0, 1, 2, 1], dtype=np.int32)
    po = [0, 2, 4]
    ov = np.array([5.0, -3.0, 2.0])
    os_ = np.array([1, 0, 2], dtype=np.int32)
    oo = [0, 2, 3]
    kw = dict(portfolio_offsets=po, order_offsets=oo)
    ok = sw.evaluate_orders(pv, ps, ov, os_, 3, **kw)
    assert ok.after.shape == (2, 3)

    # Empty portfolio, zero-valued portfolio.
    orders_error(Status.ERROR_ZERO_TOTAL, r"portfolio 1 \(0 holdings\) has a total of 0",
                 pv[:2], ps[:2], ov, os_, 3, portfolio_offsets=[0, 2, 2], order_offsets=oo)
    orders_error(Status.ERROR_ZERO_TOTAL, r"portfolio 0 \(2 holdings\) has a total of 0",
                 [5.0, -5.0, 1.0, 1.0], ps, ov, os_, 3, **kw)
    # Empty order list, all-zero order list.
    orders_error(Status.ERROR_ZERO_TOTAL, r"order list 1 \(0 orders\) is empty or all zero",
                 pv, ps, ov[:2], os_[:2], 3, portfolio_offsets=po, order_offsets=[0, 2, 2])
    orders_error(Status.ERROR_ZERO_TOTAL, r"order list 0 \(2 orders\) is empty or all zero",
                 pv, ps, [0.0, -0.0, 2.0], os_, 3, **kw)
    orders_error(Status.ERROR_ZERO_TOTAL, r"order list 0 \(0 orders\) is empty or all zero",
                 pv, ps, [], [], 3)
    # Pro-forma total of 0: selling exactly everything.
    orders_error(Status.ERROR_ZERO_TOTAL,
                 r"portfolio 1: total 70 plus net orders -70 is 0",
                 pv, ps, [5.0, -3.0, -70.0], os_, 3, **kw)
    # Non-finite and out-of-range values, in holdings and in orders, with their positions.
    bad = pv.copy()
    bad[3] = np.inf
    orders_error(Status.ERROR_NON_FINITE, r"weight inf at bond 1 of portfolio 1 is not finite",
                 bad, ps, ov, os_, 3, **kw)
    bad = ov.copy()
    bad[2] = np.nan
    orders_error(Status.ERROR_NON_FINITE, r"weight NaN at order 0 of order list 1 is not finite",
                 pv, ps, bad, os_, 3, **kw)
    orders_error(Status.ERROR_SECTOR_OUT_OF_RANGE,
                 r"sector code 3 at bond 0 of portfolio 1 is outside 0\.\.3",
                 pv, [0, 1, 3, 1], ov, os_, 3, **kw)
    orders_error(Status.ERROR_SECTOR_OUT_OF_RANGE,
                 r"sector code -1 at order 1 of order list 0 is outside 0\.\.3",
                 pv, ps, ov, [1, -1, 2], 3, **kw)
    orders_error(Status.ERROR_SECTOR_OUT_OF_RANGE,
                 r"sector code 4294967296 at order 0 of order list 1 is outside 0\.\.3 and does not fit in int32",
                 pv, ps, ov, np.array([1, 0, 2**32]), 3, **kw)
    orders_error(Status.ERROR_SECTOR_OUT_OF_RANGE,
                 r"sector code 4294967296 at bond 1 of portfolio 1 is outside 0\.\.3 and does not fit in int32",
                 pv, np.array([0, 1, 2, 2**32]), ov, os_, 3, **kw)
    # Offsets.
    orders_error(Status.ERROR_BAD_OFFSETS, r"portfolio_offsets\[0\] is 1 but must be 0",
                 pv, ps, ov, os_, 3, portfolio_offsets=[1, 2, 4], order_offsets=oo)
    orders_error(Status.ERROR_BAD_OFFSETS,
                 r"portfolio_offsets\[2\] = 3 but the last offset must equal the number of bonds, 4",
                 pv, ps, ov, os_, 3, portfolio_offsets=[0, 2, 3], order_offsets=oo)
    orders_error(Status.ERROR_BAD_OFFSETS,
                 r"order_offsets\[2\] = 1 is less than order_offsets\[1\] = 2",
                 pv, ps, ov, os_, 3, portfolio_offsets=po, order_offsets=[0, 2, 1])
    orders_error(Status.ERROR_BAD_OFFSETS, r"order_offsets\[2\] = 5 is past the end",
                 pv, ps, ov, os_, 3, portfolio_offsets=po, order_offsets=[0, 2, 5])
    orders_error(Status.ERROR_LENGTH_MISMATCH, r"order_offsets has 2 elements but must have 3",
                 pv, ps, ov, os_, 3, portfolio_offsets=po, order_offsets=[0, 3])
    # Targets and tolerances.
    orders_error(Status.ERROR_NON_FINITE, r"targets\[2\] = NaN is not finite",
                 pv, ps, ov, os_, 3, targets=[0.3, 0.3, np.nan], **kw)
    orders_error(Status.ERROR_INVALID_ARGUMENT, r"tolerance\[1\] = -0.01 is negative",
                 pv, ps, ov, os_, 3, targets=0.3, tolerance=[0.1, -0.01, 0.1], **kw)
    orders_error(Status.ERROR_LENGTH_MISMATCH, r"targets has 2 elements but must have 1, 3",
                 pv, ps, ov, os_, 3, targets=[0.5, 0.5], **kw)
    # Found in Python.
    for extra, exc, pattern in [
        (dict(portfolio_offsets=po), ValueError, r"portfolio_offsets was given without order_offsets"),
        (dict(order_offsets=oo), ValueError, r"order_offsets was given without portfolio_offsets"),
        (dict(tolerance=0.1), ValueError, r"tolerance was given without targets"),
        (dict(targets=np.full(6, 0.3), **kw), ValueError, r"per-portfolio targets must have shape \(2, 3\)"),
        (dict(portfolio_offsets=[[0, 2, 4]], order_offsets=oo), ValueError,
         r"portfolio_offsets must be 1-D"),
        (dict(portfolio_offsets=po, order_offsets=[0.0, 2.0, 3.0]), TypeError,
         r"order_offsets must hold integers"),
    ]:
        with pytest.raises(exc, match=pattern) as info:
            sw.evaluate_orders(pv, ps, ov, os_, 3, **extra)
        assert not isinstance(info.value, SectorWeightsError)
    with pytest.raises(ValueError, match=r"without offsets, portfolio_values must be 1-D"):
        sw.evaluate_orders(pv.reshape(2, 2), ps.reshape(2, 2), ov, os_, 3)
    with pytest.raises(ValueError, match=r"order_sectors has shape \(2,\) but order_values has shape \(3,\)"):
        sw.evaluate_orders(pv, ps, ov, os_[:2], 3, **kw)
    with pytest.raises(TypeError, match=r"order_sectors must hold integer codes"):
        sw.evaluate_orders(pv, ps, ov, os_.astype(float), 3, **kw)
    with pytest.raises(TypeError, match=r"num_sectors must be an integer"):
        sw.evaluate_orders(pv, ps, ov, os_, 3.0, **kw)


def test_evaluate_orders_outputs_untouched_on_error(rng):
    """Errors found before, inside and after the kernel passes: no output byte changes."""
    S = 4
    pv, ps, po, ov, os_, oo = random_book(rng, 3, S)
    shape = (3, S)

    def jobs(pv=pv, ov=ov, ps=ps, po=po, oo=oo):
        return _pm.order_inputs(pv, ps, ov, os_, S, po, oo)

    zero_list = ov.copy()
    zero_list[oo[2]:oo[3]] = 0.0
    nan_order = ov.copy()
    nan_order[-1] = np.nan
    cases = [
        (jobs(ov=zero_list), np.full(1, 0.25), np.zeros(1)),        # after both kernel passes
        (jobs(ov=nan_order), np.full(1, 0.25), np.zeros(1)),        # in the order pass
        (jobs(), np.array([0.25, 0.25, np.inf, 0.25]), np.zeros(1)),  # at the targets
        (jobs(), np.full(1, 0.25), np.array([-1.0])),               # negative tolerance
        (jobs(po=np.array([0, 1, 0, po[-1]])), np.full(1, 0.25), np.zeros(1)),  # offsets
    ]
    for (hold, ords), t, tol in cases:
        outs = [np.full(shape, SENTINEL) for _ in range(4)]
        breaches = np.full(shape, 9, dtype=np.uint8)
        with pytest.raises(SectorWeightsError):
            _pm.evaluate_into(hold, ords, t, tol, (*outs, breaches))
        for o in outs:
            assert np.all(o == SENTINEL), "an output was written on error"
        assert np.all(breaches == 9)
    # And the same buffers are filled on success.
    hold, ords = jobs()
    _pm.evaluate_into(hold, ords, np.full(1, 0.25), np.zeros(1), (*outs, breaches))
    want = ref_orders(pv, ps, po, ov, os_, oo, S)
    for got, ref in zip(outs[:3], want):
        np.testing.assert_allclose(got, ref, rtol=1e-12, atol=1e-13)
    np.testing.assert_array_equal(outs[3], outs[2] - 0.25)


def test_evaluate_orders_passes_arrays_without_copies(rng, monkeypatch):
    """float64/int32/int64 inputs reach the library at their own addresses."""
    S = 5
    pv, ps, po, ov, os_, oo = random_book(rng, 2, S)
    po, oo = po.astype(np.int64), oo.astype(np.int64)
    seen = {}
    real = _lib.sw_evaluate_orders

    def spy(*args):
        seen["args"] = args
        return real(*args)

    monkeypatch.setattr(_lib, "sw_evaluate_orders", spy)
    t = np.full(S, 0.2)
    r = sw.evaluate_orders(pv, ps, ov, os_, S, portfolio_offsets=po, order_offsets=oo,
                           targets=t, tolerance=0.01)
    a = seen["args"]
    assert [a[i] for i in (0, 2, 4, 6, 8, 10, 13)] == [
        x.ctypes.data for x in (pv, ps, po, ov, os_, oo, t)
    ]
    assert [a[i] for i in (1, 3, 5, 7, 9, 11, 12, 14, 16)] == [
        pv.size, ps.size, po.size, ov.size, os_.size, oo.size, S, S, 1
    ]
    assert [a[i] for i in (17, 19, 21, 23, 25)] == [
        x.ctypes.data for x in (r.before, r.orders, r.after, r.active, r.breaches)
    ]
    # Without targets the target, tolerance, active and breach ranges are empty.
    sw.evaluate_orders(pv, ps, ov, os_, S, portfolio_offsets=po, order_offsets=oo)
    a = seen["args"]
    assert (a[14], a[16], a[24], a[26]) == (0, 0, 0, 0)


def test_ready_arrays_and_converted_inputs_agree(rng, monkeypatch):
    """float64 / int32 / int64 contiguous arrays take a fast path (no conversion); every other
    form is converted first. Both give the same bytes, and the fast path's inputs are the
    caller's arrays."""
    S = 9
    pv, ps, po, ov, os_, oo = random_book(rng, 4, S)
    po, oo = po.astype(np.int64), oo.astype(np.int64)
    fast = sw.evaluate_orders(pv, ps, ov, os_, S, portfolio_offsets=po, order_offsets=oo,
                              targets=1 / S, tolerance=0.01)
    calls = []
    real = _pm.order_inputs
    monkeypatch.setattr(_pm, "order_inputs", lambda *a: calls.append(1) or real(*a))
    variants = [
        (pv.tolist(), ps.tolist(), ov.tolist(), os_.tolist(), po.tolist(), oo.tolist()),
        (pv, ps.astype(np.int64), ov, os_.astype(np.uint8), po.astype(np.int32), oo),
        (np.repeat(pv, 2)[::2], ps, ov, os_[::-1].copy()[::-1], po, oo),  # strided views
    ]
    for v in variants:
        r = sw.evaluate_orders(v[0], v[1], v[2], v[3], S, portfolio_offsets=v[4],
                               order_offsets=v[5], targets=1 / S, tolerance=0.01)
        for name in ("before", "orders", "after", "active", "breaches"):
            assert getattr(r, name).tobytes() == getattr(fast, name).tobytes(), name
    assert len(calls) == len(variants)  # none of them took the fast path
    sw.evaluate_orders(pv, ps, ov, os_, S, portfolio_offsets=po, order_offsets=oo)
    assert len(calls) == len(variants)  # ready arrays did
    # Ready arrays with a problem fall back to the general path and its messages.
    with pytest.raises(ValueError, match=r"portfolio_sectors has shape .* one sector code per"):
        sw.evaluate_orders(pv, ps[:-1], ov, os_, S, portfolio_offsets=po, order_offsets=oo)
    with pytest.raises(SectorWeightsError, match=r"portfolio_offsets is empty"):
        sw.evaluate_orders(pv, ps, ov, os_, S, portfolio_offsets=po[:0], order_offsets=oo)
    with pytest.raises(ValueError, match=r"portfolio_offsets was given without order_offsets"):
        sw.evaluate_orders(pv, ps, ov, os_, S, portfolio_offsets=po)


def test_bit_identical_for_any_thread_count(rng, restore_threads):
    S = 18
    sizes = [300_000, 3, 120_000]
    po = np.concatenate([[0], np.cumsum(sizes)])
    # Mixed magnitudes: any change of summation order changes the last bits.
    pv = rng.uniform(0, 1, po[-1]) * 10.0 ** rng.integers(-6, 7, po[-1])
    ps = rng.integers(0, S, po[-1], dtype=np.int32)
    osizes = [70_000, 1, 500]
    oo = np.concatenate([[0], np.cumsum(osizes)])
    ov = rng.standard_normal(oo[-1]) * 10.0 ** rng.integers(-6, 5, oo[-1])
    os_ = rng.integers(0, S, oo[-1], dtype=np.int32)
    results = {}
    for n in (1, 2, 3, 0):
        sw.set_num_threads(n)
        r = sw.evaluate_orders(pv, ps, ov, os_, S, portfolio_offsets=po, order_offsets=oo,
                               targets=1 / S, tolerance=0.01)
        c = sw.compare_to_targets(r.after, 1 / S, 0.01)
        results[n] = [r.before, r.orders, r.after, r.active, r.breaches, c.active, c.breaches]
    for n, got in results.items():
        for a, b in zip(results[1], got):
            assert a.tobytes() == b.tobytes(), f"{n} threads differ from 1 thread"
    # And right, not only stable (the holdings sums against numpy's bincount).
    held = np.bincount(ps[: po[1]], pv[: po[1]], minlength=S)
    np.testing.assert_allclose(results[1][0][0], held / held.sum(), rtol=1e-9)


# ---------------------------------------------------------------------------------------------
# Many rules at once: a combined code


def test_sector_by_rating_two_way_breakdown_in_one_call(rng):
    """code = sector * R + rating: one call gives the (P, S, R) breakdown; its margins are the
    one-way sector and rating breakdowns."""
    P, S, R = 4, 18, 5
    sizes = rng.integers(50, 400, P)
    offsets = np.concatenate([[0], np.cumsum(sizes)])
    mv = rng.uniform(0.5, 5.0, offsets[-1])
    sector = rng.integers(0, S, mv.size, dtype=np.int32)
    rating = rng.integers(0, R, mv.size, dtype=np.int32)
    combined = sector * R + rating
    two_way = sw.sector_weights(mv, combined, S * R, offsets=offsets, normalize=True)
    two_way = two_way.reshape(P, S, R)
    for p in range(P):
        a, b = offsets[p], offsets[p + 1]
        want = np.zeros((S, R))
        for i in range(a, b):
            want[sector[i], rating[i]] += mv[i]
        np.testing.assert_allclose(two_way[p], want / mv[a:b].sum(), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(two_way.sum(axis=2),
                               sw.sector_weights(mv, sector, S, offsets=offsets, normalize=True),
                               rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(two_way.sum(axis=1),
                               sw.sector_weights(mv, rating, R, offsets=offsets, normalize=True),
                               rtol=1e-12, atol=1e-15)
    # The same code through order lists and against per-(sector, rating) targets.
    osizes = rng.integers(1, 30, P)
    oo = np.concatenate([[0], np.cumsum(osizes)])
    ov = rng.uniform(-1, 2, oo[-1])
    oc = rng.integers(0, S * R, oo[-1], dtype=np.int32)
    targets = np.full(S * R, 1 / (S * R))
    r = sw.evaluate_orders(mv, combined, ov, oc, S * R, portfolio_offsets=offsets,
                           order_offsets=oo, targets=targets, tolerance=0.01)
    assert r.after.reshape(P, S, R).shape == (P, S, R)
    assert_orders_close(r, ref_orders(mv, combined, offsets, ov, oc, oo, S * R))
    assert r.breaches.reshape(P, S, R).sum() == int(np.count_nonzero(np.abs(r.active) > 0.01))


# ---------------------------------------------------------------------------------------------
# Reports and frames


def small_evaluation():
    return sw.evaluate_orders(
        [60.0, 40.0, 50.0, 50.0], [0, 1, 0, 1], [10.0, -10.0, 30.0], [1, 0, 1], 2,
        portfolio_offsets=[0, 2, 4], order_offsets=[0, 2, 3], targets=[0.5, 0.5], tolerance=0.05,
    )


def test_order_report_lines():
    text = small_evaluation().report(["BANKING", "ENERGY"], portfolios=["Fund A", "Fund B"])
    lines = text.splitlines()
    assert lines[0].startswith("before = holdings / portfolio total")
    assert "Fund A: 2 holdings, 2 orders" in lines
    assert "Fund B: 2 holdings, 1 order" in lines
    header = next(x for x in lines if x.strip().startswith("sector"))
    assert header.split() == ["sector", "before", "orders", "after", "target", "band", "active"]
    assert "  BANKING    60.00%   -50.00%    50.00%    50.00%    ±5.00%    +0.00%" in lines
    # Fund B: 50 + 0 in banking, 50 + 30 in energy, of 130.
    b = next(x for x in lines[lines.index("Fund B: 2 holdings, 1 order"):] if "BANKING" in x)
    assert b.split() == ["BANKING", "50.00%", "0.00%", "38.46%", "50.00%", "±5.00%", "-11.54%",
                         "BREACH", "under"]
    e = [x for x in lines if x.strip().startswith("ENERGY")][-1]
    assert e.endswith("+11.54%  BREACH over")
    assert "  0 of 2 sectors outside their band" in lines
    assert "  2 of 2 sectors outside their band" in lines
    assert lines[-1] == "2 breaches in 1 of 2 portfolios (2 x 2 sector allocations)"


def test_report_options_and_default_labels():
    r = small_evaluation()
    text = r.report()
    assert "portfolio 0: 2 holdings, 2 orders" in text and "  sector 1 " in text
    plain = r.report({1: "ENERGY"}, percent=False)
    rows = [x.split() for x in plain.splitlines()]
    assert ["sector", "0", "0.6000", "-0.5000", "0.5000", "0.5000", "±0.0500", "+0.0000"] in rows
    assert ["ENERGY", "0.4000", "0.5000", "0.5000", "0.5000", "±0.0500", "+0.0000"] in rows
    assert "ENERGY" in plain
    with pytest.raises(ValueError, match=r"labels has 3 names but there are 2 sectors"):
        r.report(["A", "B", "C"])
    with pytest.raises(ValueError, match=r"portfolios has 1 names but there are 2 portfolios"):
        r.report(portfolios=["only one"])
    # Without targets: before / orders / after only, no breach lines.
    r = sw.evaluate_orders([1.0, 3.0], [0, 1], [2.0], [0], 2)
    lines = r.report(["X", "Y"]).splitlines()
    assert [x.split() for x in lines if x.strip().startswith(("X", "Y"))] == [
        ["X", "25.00%", "100.00%", "50.00%"], ["Y", "75.00%", "0.00%", "50.00%"],
    ]
    assert "BREACH" not in "\n".join(lines) and "outside their band" not in "\n".join(lines)
    assert repr(r) == "OrderEvaluation(2 sectors)"
    assert repr(small_evaluation()) == (
        "OrderEvaluation(2 portfolios x 2 sectors, 2 breaches after the orders)"
    )


def test_compare_report():
    c = sw.compare_to_targets([0.30, 0.70], [0.25, 0.75], [0.10, 0.01])
    lines = c.report(["IG", "HY"]).splitlines()
    assert lines[0] == "portfolio 0"
    assert lines[1].split() == ["sector", "actual", "target", "band", "active"]
    assert lines[2].split() == ["IG", "30.00%", "25.00%", "±10.00%", "+5.00%"]
    assert lines[3].split() == ["HY", "70.00%", "75.00%", "±1.00%", "-5.00%", "BREACH", "under"]
    assert lines[4] == "  1 of 2 sectors outside their band"
    assert repr(c) == "TargetComparison(2 sectors, 1 breaches)"


def test_to_frame():
    pd = pytest.importorskip("pandas")
    r = small_evaluation()
    df = r.to_frame(["BANKING", "ENERGY"])
    assert isinstance(df, pd.DataFrame)
    assert list(df.columns) == ["before", "orders", "after", "target", "tolerance", "active", "breach"]
    assert df.index.names == ["portfolio", "sector"]
    assert df.loc[(1, "ENERGY"), "breach"] == True  # noqa: E712 (numpy bool)
    np.testing.assert_array_equal(df["after"].to_numpy(), r.after.ravel())
    np.testing.assert_array_equal(df["breach"].to_numpy(), r.breaches.ravel())
    one = sw.evaluate_orders([1.0, 3.0], [0, 1], [2.0], [0], 2).to_frame()
    assert list(one.columns) == ["before", "orders", "after"]
    assert one.index.name == "sector" and list(one.index) == [0, 1]
    c = sw.compare_to_targets(np.array([[0.3, 0.7]]), 0.5, 0.1).to_frame()
    assert list(c.columns) == ["actual", "target", "tolerance", "active", "breach"]
    assert c["breach"].tolist() == [True, True]


def test_to_frame_without_pandas(monkeypatch):
    monkeypatch.setitem(sys.modules, "pandas", None)  # `import pandas` now raises ImportError
    for result in (small_evaluation(), sw.compare_to_targets([0.5], 0.5, 0.0)):
        with pytest.raises(ImportError, match=r"to_frame\(\) needs pandas, which is not installed"):
            result.to_frame()
        assert "sector" in result.report()  # everything else still works


# ---------------------------------------------------------------------------------------------
# The worked example script and the guide's copy of its report (docs/portfolio-managers.md)

SCRIPT = REPO_ROOT / "examples" / "python" / "order_lists.py"
GUIDE = REPO_ROOT / "docs" / "portfolio-managers.md"
MARKER = "<!-- order_lists.py report: the test in bindings/python/tests/test_pm.py checks it -->"


def run_script(*args):
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True,
                          timeout=120)


@pytest.mark.skipif(not SCRIPT.is_file(), reason="no source checkout")
def test_order_lists_example_runs():
    r = run_script("--portfolios", "3", "--bonds", "2000", "--orders", "50")
    assert r.returncode == 0, r.stdout + r.stderr
    out = r.stdout
    assert "Fund A: 7 holdings, 4 orders" in out and "Fund B: 5 holdings, 2 orders" in out
    # The sell beyond the holding: Fund B goes short utilities.
    assert "  UTILITY           15.00%   -62.50%    -5.43%     0.00%    ±2.00%    -5.43%  BREACH under" in out
    assert "The article's scale: 3 portfolios x 2,000 bonds x 18 sectors, 50 orders each" in out
    assert "OrderEvaluation(3 portfolios x 18 sectors" in out
    assert run_script("--orders", "0").returncode == 2


@pytest.mark.skipif(not (SCRIPT.is_file() and GUIDE.is_file()), reason="no source checkout")
def test_guide_shows_the_real_report():
    """Every ```text block that follows MARKER in the guide is verbatim script output."""
    text = GUIDE.read_text(encoding="utf-8")
    parts = text.split(MARKER)[1:]
    assert len(parts) >= 2, "the portfolio-manager guide lost its example reports"
    r = run_script("--portfolios", "2", "--bonds", "100", "--orders", "5")
    assert r.returncode == 0, r.stderr
    for part in parts:
        assert part.startswith("\n```text\n"), part[:80]
        block = part.split("```text\n", 1)[1].split("```", 1)[0]
        assert block.strip() and block in r.stdout, (
            "the guide's report differs from the script's output:\n" + block
        )


BENCH = REPO_ROOT / "benches" / "orders.py"


@pytest.mark.skipif(not BENCH.is_file(), reason="no source checkout")
def test_orders_benchmark_smoke():
    """The benchmark script runs and checks its results (tiny sizes; no timing is asserted)."""
    r = subprocess.run([sys.executable, str(BENCH), "--smoke"], capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    for name in ("sector_weights", "evaluate_orders+targets", "raw sw_evaluate_orders"):
        assert f"| {name} |" in r.stdout
    assert "evaluate_orders / sector_weights (medians):" in r.stdout


def test_docstring_examples():
    import doctest

    result = doctest.testmod(_pm, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted >= 3 and result.failed == 0, result
