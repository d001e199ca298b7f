#!/usr/bin/env python3
"""From a holdings table to labelled answers with sw.Holdings (docs/tables.md).

A portfolio manager's loop on the article's shape: 20 ETF portfolios, 18 sectors, one row per
bond position in whatever order the database returned them, labels as strings. Built once, the
Holdings answers: sector weights, duration contributions, a comparison with target weights and
tolerance bands, and the pro-forma weights of an order list (in which one fund has no orders).

Usage:  python examples/python/holdings_demo.py                 # pandas, 20 x 2,000 bonds
        python examples/python/holdings_demo.py --bonds 50000   # the article's size
        python examples/python/holdings_demo.py --plot out.png  # also draw one fund's plot
        python examples/python/holdings_demo.py --polars        # the same from polars
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

import sector_weights as sw

SECTORS = [
    "Agency", "Asset-Backed", "Banking", "Basic Industry", "Capital Goods", "Communications",
    "Consumer Cyclical", "Consumer Non-Cyclical", "Energy", "Financial Other", "Insurance",
    "Local Authority", "Mortgage-Backed", "Sovereign", "Supranational", "Technology",
    "Transportation", "Utility",
]  # fmt: skip


def holdings_table(funds: int, bonds: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = funds * bonds
    fund = np.repeat([f"ETF-{i + 1:02d}" for i in range(funds)], bonds)
    df = pd.DataFrame(
        {
            "fund": fund,
            "isin": [f"XS{i:010d}" for i in range(n)],
            "sector": rng.choice(SECTORS, n),
            "market_value": rng.lognormal(13, 1, n).round(2),
            "duration": rng.uniform(0.5, 15, n).round(2),
        }
    )
    return df.sample(frac=1.0, random_state=seed).set_index("isin")  # the database's order


def order_list(funds: int, per_fund: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed + 1)
    names = [f"ETF-{i + 1:02d}" for i in range(1, funds)]  # ETF-01 trades nothing today
    n = len(names) * per_fund
    return pd.DataFrame(
        {
            "fund": np.repeat(names, per_fund),
            "sector": rng.choice(SECTORS, n),
            "market_value": rng.normal(0, 2e6, n).round(2),  # buys > 0, sells < 0
        }
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--funds", type=int, default=20)
    ap.add_argument("--bonds", type=int, default=2_000)
    ap.add_argument("--orders", type=int, default=50, help="orders per fund")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument(
        "--polars", action="store_true", help="hand the table to sw as a polars DataFrame"
    )
    ap.add_argument(
        "--plot", metavar="PNG", help="save ETF-02's comparison plot there (matplotlib)"
    )
    args = ap.parse_args()

    df = holdings_table(args.funds, args.bonds, args.seed)
    orders = order_list(args.funds, args.orders, args.seed)
    if args.polars:
        import polars as pl

        df, orders = pl.from_pandas(df.reset_index()), pl.from_pandas(orders)

    t0 = time.perf_counter()
    h = sw.Holdings(df, portfolio="fund", sector="sector", value="market_value", sectors=SECTORS)
    weights = h.weights()
    t1 = time.perf_counter()
    print(f"{h}: read and summed in {(t1 - t0) * 1e3:.1f} ms")
    print(weights.iloc[:3, :4] if not args.polars else weights.select(weights.columns[:5]).head(3))

    print("\nContribution to duration (years), first fund:")
    durations = h.exposures("duration")
    row = durations.iloc[0] if not args.polars else durations.row(0, named=True)
    print({k: round(float(v), 3) for k, v in dict(row).items() if k != "fund"})

    # Targets by sector label, in any order: a 1/18 benchmark, except a tilt to Sovereign.
    targets = {s: (1.0 - 0.10) / 17 for s in SECTORS if s != "Sovereign"} | {"Sovereign": 0.10}
    cmp = h.compare(targets, tolerance=0.005)
    print(f"\n{cmp}")
    print(cmp.report().split("\n\n")[0])

    t0 = time.perf_counter()
    ev = h.evaluate(orders, targets=targets, tolerance=0.005)
    t1 = time.perf_counter()
    print(f"\n{ev} in {(t1 - t0) * 1e3:.2f} ms")
    print("\n".join(ev.report().split("\n\n")[1].split("\n")[:6]))  # ETF-01: no orders
    if args.plot:
        fig = cmp.plot(portfolio="ETF-02")
        fig.savefig(args.plot, dpi=100)
        print(f"\nplot of ETF-02 saved to {args.plot}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
