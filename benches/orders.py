#!/usr/bin/env python3
"""Order-list evaluation against plain sector weights, on the same portfolios (issue 5's bar:
evaluating an order list per portfolio costs no more than 1.2x `sector_weights`).

Default size: the article's 20 portfolios x 50,000 bonds x 18 sectors, with 500 orders per
portfolio (buys and sells). Contenders, all on the same arrays, in one process:

  sector_weights            sw.sector_weights(W, C, 18): the article's call, (20, 50000) arrays
                            (the baseline of every ratio)
  sector_weights ragged     sw.sector_weights(w, c, 18, offsets=po, normalize=True): the same
                            portfolios as flat arrays + offsets, as order lists need them
  evaluate_orders           sw.evaluate_orders(w, c, ov, oc, 18, portfolio_offsets=po,
                            order_offsets=oo)
  evaluate_orders+targets   the same with targets=1/18, tolerance=0.005
  raw sw_sector_weights     the C functions through ctypes with precomputed addresses and
  raw sw_evaluate_orders    preallocated outputs: the library alone, no Python-side work
  raw orders pass           sw_sector_weights_ragged on the 10,000 orders alone: the extra kernel
                            pass an order evaluation makes

Each repetition calls every contender once, in a freshly shuffled order (so drift and other
processes' load hit all alike); the table gives the median and the minimum over repetitions and
the ratio of medians to the baseline. The results are checked (before == ragged normalised sums,
bit for bit) before timing.

Usage:  python benches/orders.py                    # 20 x 50,000, 500 orders, 300 repetitions
        python benches/orders.py --threads 1        # pin the library's pool size
        python benches/orders.py --smoke            # tiny sizes, a few repetitions (a test)
"""

from __future__ import annotations

import argparse
import ctypes
import gc
import os
import platform
import random
import statistics
import sys
import time

import numpy as np

import sector_weights as sw
from sector_weights import _arrays, _errors, _lib

BAR = 1.2


def build(args: argparse.Namespace) -> dict:
    rng = np.random.default_rng(args.seed)
    P, B, N, S = args.portfolios, args.bonds, args.orders, args.sectors
    W = rng.uniform(0, 1, (P, B))
    C = rng.integers(0, S, (P, B), dtype=np.int32)
    ov = rng.uniform(-1, 1, P * N) * (B / N) * 0.05  # orders of about 5% of each portfolio
    oc = rng.integers(0, S, P * N, dtype=np.int32)
    return dict(
        W=W, C=C, w=W.reshape(-1), c=C.reshape(-1),
        po=np.arange(P + 1, dtype=np.int64) * B, oo=np.arange(P + 1, dtype=np.int64) * N,
        ov=ov, oc=oc, S=S, P=P,
    )  # fmt: skip


def contenders(d: dict) -> dict:
    W, C, w, c, po, oo, ov, oc, S, P = (d[k] for k in ("W", "C", "w", "c", "po", "oo", "ov", "oc", "S", "P"))
    lib = _lib  # the package's one library handle: its declared functions
    a = _arrays.address
    cells = P * S
    out = np.empty((P, S))
    before, orders, after = (np.empty((P, S)) for _ in range(3))
    ragged_out = np.empty((P, S))
    f_sw = lib.sw_sector_weights
    f_eval = lib.sw_evaluate_orders
    f_ragged = lib.sw_sector_weights_ragged
    sw_args = (a(W), W.size, a(C), C.size, P, S, a(out), out.size)
    ev_args = (
        a(w), w.size, a(c), c.size, a(po), po.size, a(ov), ov.size, a(oc), oc.size, a(oo), oo.size,
        S, None, 0, None, 0, a(before), cells, a(orders), cells, a(after), cells, None, 0, None, 0,
    )  # fmt: skip
    op_args = (a(ov), ov.size, a(oc), oc.size, a(oo), oo.size, S, 0, a(ragged_out), cells)

    # The raw calls pass bare addresses: the arrays behind them must outlive the closures.
    keep = (out, before, orders, after, ragged_out)

    def raw(f, args):
        def call():
            assert keep
            _errors.check(f(*args))

        return call

    return {
        "sector_weights": lambda: sw.sector_weights(W, C, S),
        "sector_weights ragged": lambda: sw.sector_weights(w, c, S, offsets=po, normalize=True),
        "evaluate_orders": lambda: sw.evaluate_orders(
            w, c, ov, oc, S, portfolio_offsets=po, order_offsets=oo
        ),
        "evaluate_orders+targets": lambda: sw.evaluate_orders(
            w, c, ov, oc, S, portfolio_offsets=po, order_offsets=oo, targets=1 / S, tolerance=0.005
        ),
        "raw sw_sector_weights": raw(f_sw, sw_args),
        "raw sw_evaluate_orders": raw(f_eval, ev_args),
        "raw orders pass": raw(f_ragged, op_args),
    }


def check(d: dict) -> None:
    r = sw.evaluate_orders(
        d["w"], d["c"], d["ov"], d["oc"], d["S"], portfolio_offsets=d["po"], order_offsets=d["oo"]
    )
    ragged = sw.sector_weights(d["w"], d["c"], d["S"], offsets=d["po"], normalize=True)
    assert r.before.tobytes() == ragged.tobytes(), "evaluate_orders.before != normalised sums"
    plain = sw.sector_weights(d["W"], d["C"], d["S"])
    np.testing.assert_allclose(ragged, plain / plain.sum(axis=1, keepdims=True), rtol=1e-12)
    assert np.all(np.isfinite(r.after))


def measure(fns: dict, reps: int, warmup: int) -> dict:
    names = list(fns)
    times = {n: [] for n in names}
    order = names[:]
    rnd = random.Random(1)
    for _ in range(warmup):
        for n in names:
            fns[n]()
    gc.collect()
    gc.disable()
    try:
        for _ in range(reps):
            rnd.shuffle(order)
            for n in order:
                t0 = time.perf_counter_ns()
                fns[n]()
                times[n].append(time.perf_counter_ns() - t0)
    finally:
        gc.enable()
    return times


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--portfolios", type=int, default=20)
    ap.add_argument("--bonds", type=int, default=50_000)
    ap.add_argument("--orders", type=int, default=500)
    ap.add_argument("--sectors", type=int, default=18)
    ap.add_argument("--reps", type=int, default=300)
    ap.add_argument("--warmup", type=int, default=10)
    ap.add_argument("--threads", type=int, default=0, help="library pool size (0 = default)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--smoke", action="store_true", help="tiny sizes, 5 repetitions")
    args = ap.parse_args()
    if args.smoke:
        args.portfolios, args.bonds, args.orders, args.reps, args.warmup = 3, 2_000, 20, 5, 1
    for name in ("portfolios", "bonds", "orders", "sectors", "reps"):
        if getattr(args, name) < 1:
            ap.error(f"--{name} must be at least 1")
    sw.set_num_threads(args.threads)
    d = build(args)
    check(d)
    times = measure(contenders(d), args.reps, args.warmup)

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"{args.portfolios} portfolios x {args.bonds:,} bonds x {args.sectors} sectors, "
          f"{args.orders} orders per portfolio; {args.reps} interleaved repetitions; "
          f"library threads {sw.get_num_threads()}; {os.cpu_count()} CPUs; load average {load:.2f}; "
          f"Python {platform.python_version()}, numpy {np.__version__}, sector_weights {sw.__version__}")
    base = statistics.median(times["sector_weights"])
    base_min = min(times["sector_weights"])
    raw = times["raw sw_sector_weights"]
    print()
    print("| contender | median (us) | min (us) | median / baseline | min / baseline min |")
    print("|---|---:|---:|---:|---:|")
    for n, t in times.items():
        med = statistics.median(t)
        is_raw = n.startswith("raw")
        ref, ref_min = (statistics.median(raw), min(raw)) if is_raw else (base, base_min)
        tag = " (raw)" if is_raw else ""
        print(f"| {n} | {med / 1e3:,.1f} | {min(t) / 1e3:,.1f} | {med / ref:.3f}{tag} "
              f"| {min(t) / ref_min:.3f}{tag} |")
    print()
    print("baseline: sector_weights; (raw): raw sw_sector_weights")
    ratio = statistics.median(times["evaluate_orders"]) / base
    ratio_t = statistics.median(times["evaluate_orders+targets"]) / base
    # Paired ratios: each repetition's evaluate_orders over the same repetition's sector_weights.
    paired = statistics.median(
        e / s for e, s in zip(times["evaluate_orders+targets"], times["sector_weights"])
    )
    if args.smoke:
        print("(smoke sizes: the 1.2x bar applies to the default size)")
    print()
    print(f"evaluate_orders / sector_weights (medians): {ratio:.3f}; with targets {ratio_t:.3f}; "
          f"median of per-repetition ratios (with targets) {paired:.3f}; ratio of minima "
          f"{min(times['evaluate_orders']) / base_min:.3f} / "
          f"{min(times['evaluate_orders+targets']) / base_min:.3f}; bar {BAR} on the medians: "
          + ("met" if max(ratio, ratio_t) <= BAR else "MISSED"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
