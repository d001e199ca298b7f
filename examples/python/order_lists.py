"""A portfolio manager's order lists, evaluated with the sector_weights package.

docs/portfolio-managers.md walks through this script; its printed report there is this script's
real output. Run it from the repository root with the package installed
(`make python-install`):

    .venv/bin/python examples/python/order_lists.py

What it shows, in order:

1. two bond portfolios of different sizes (flat arrays + offsets), market values in, weights out
   (`normalize=True`), and a duration exposure per sector;
2. an order list per portfolio (buys positive, sells negative, one sell larger than the holding)
   evaluated in one call against per-sector targets with a tolerance band, and its report;
3. many rules at once: a combined code (sector x rating bucket) gives the two-way breakdown in one
   call, reshaped to (portfolios, sectors, ratings);
4. the article's scale: 20 portfolios x 50,000 bonds, 500 orders each, one call.
"""

from __future__ import annotations

import argparse

import numpy as np

import sector_weights as sw

SECTORS = ["BANKING", "ENERGY", "TECHNOLOGY", "UTILITY", "INSURANCE", "COMMUNICATIONS"]
RATINGS = ["AAA-AA", "A", "BBB", "HY"]
S, R = len(SECTORS), len(RATINGS)


def worked_example() -> None:
    # Holdings of two portfolios, one after another: Fund A holds 7 bonds, Fund B 5.
    # Market values in millions; sector codes index SECTORS; rating codes index RATINGS.
    values = np.array([12.0, 8.0, 15.0, 10.0, 5.0, 20.0, 30.0,   # Fund A
                       40.0, 25.0, 10.0, 15.0, 10.0])            # Fund B
    sectors = np.array([0, 0, 1, 2, 3, 4, 5,
                        0, 2, 2, 3, 5], dtype=np.int32)
    ratings = np.array([0, 1, 2, 1, 3, 0, 2,
                        1, 2, 3, 0, 1], dtype=np.int32)
    offsets = [0, 7, 12]
    durations = np.array([4.5, 6.0, 7.5, 3.0, 9.0, 5.5, 8.0,
                          5.0, 4.0, 6.5, 12.0, 7.0])

    print("== 1. Allocation and duration contribution (2 portfolios of 7 and 5 bonds) ==")
    weights = sw.sector_weights(values, sectors, S, offsets=offsets, normalize=True)
    # Duration contribution per sector: sum of (bond value / portfolio total) x duration.
    totals = np.add.reduceat(values, offsets[:-1])
    bond_weights = values / np.repeat(totals, np.diff(offsets))
    contribution = sw.sector_exposures(bond_weights, durations, sectors, S, offsets=offsets)
    print(f"{'sector':<16}{'A weight':>10}{'A dur':>8}{'B weight':>10}{'B dur':>8}")
    for k, name in enumerate(SECTORS):
        print(f"{name:<16}{weights[0, k]:>10.2%}{contribution[0, k]:>8.2f}"
              f"{weights[1, k]:>10.2%}{contribution[1, k]:>8.2f}")
    print(f"{'total':<16}{weights[0].sum():>10.2%}{contribution[0].sum():>8.2f}"
          f"{weights[1].sum():>10.2%}{contribution[1].sum():>8.2f}")
    print()

    # Order lists, one per portfolio. Fund A rotates out of energy and communications into
    # banking and technology. Fund B sells 20 of its 15 in utilities (a sell larger than the
    # holding: it goes short 5) and buys energy, which it did not hold.
    order_values = np.array([3.0, -8.0, 4.0, -5.0,   # Fund A: 4 orders
                             -20.0, 12.0])           # Fund B: 2 orders
    order_sectors = np.array([0, 1, 2, 5,
                              3, 1], dtype=np.int32)
    order_offsets = [0, 4, 6]
    targets = np.array([[0.22, 0.10, 0.15, 0.06, 0.20, 0.27],    # Fund A, one per sector
                        [0.42, 0.12, 0.36, 0.00, 0.00, 0.10]])   # Fund B
    tolerance = 0.02                                             # +/- 2 points everywhere

    print("== 2. Order lists against targets (one call) ==")
    result = sw.evaluate_orders(
        values, sectors, order_values, order_sectors, S,
        portfolio_offsets=offsets, order_offsets=order_offsets,
        targets=targets, tolerance=tolerance,
    )  # fmt: skip
    print(result.report(SECTORS, portfolios=["Fund A", "Fund B"]))
    print()

    print("== 3. Many rules at once: sector x rating in one call ==")
    combined = sectors * R + ratings  # code = sector * 4 + rating bucket
    two_way = sw.sector_weights(values, combined, S * R, offsets=offsets, normalize=True)
    two_way = two_way.reshape(len(offsets) - 1, S, R)  # (portfolios, sectors, ratings)
    print("Fund A, share of market value:")
    print(f"{'sector':<16}" + "".join(f"{r:>9}" for r in RATINGS) + f"{'total':>9}")
    for k, name in enumerate(SECTORS):
        row = two_way[0, k]
        print(f"{name:<16}" + "".join(f"{x:>9.1%}" for x in row) + f"{row.sum():>9.1%}")
    print(f"{'total':<16}" + "".join(f"{x:>9.1%}" for x in two_way[0].sum(axis=0))
          + f"{two_way[0].sum():>9.1%}")
    # The same combined code works for orders: the pro-forma two-way breakdown after the orders.
    order_ratings = np.array([1, 2, 1, 2, 0, 3], dtype=np.int32)  # the bonds traded
    after = sw.evaluate_orders(
        values, combined, order_values, order_sectors * R + order_ratings, S * R,
        portfolio_offsets=offsets, order_offsets=order_offsets,
    ).after.reshape(-1, S, R)  # fmt: skip
    hy = RATINGS.index("HY")
    print(f"HY share after the orders: Fund A {after[0, :, hy].sum():.1%}, "
          f"Fund B {after[1, :, hy].sum():.1%}")
    print()


def article_scale(portfolios: int, bonds: int, orders: int, seed: int) -> None:
    print(f"== 4. The article's scale: {portfolios} portfolios x {bonds:,} bonds x 18 sectors, "
          f"{orders} orders each ==")
    rng = np.random.default_rng(seed)
    values = rng.uniform(0, 1, portfolios * bonds)
    codes = rng.integers(0, 18, values.size, dtype=np.int32)
    order_values = rng.uniform(-1, 1, portfolios * orders) * 5  # buys and sells
    order_codes = rng.integers(0, 18, order_values.size, dtype=np.int32)
    result = sw.evaluate_orders(
        values, codes, order_values, order_codes, 18,
        portfolio_offsets=np.arange(portfolios + 1) * bonds,
        order_offsets=np.arange(portfolios + 1) * orders,
        targets=1 / 18, tolerance=0.003,
    )  # fmt: skip
    print(repr(result))
    print(result.report().splitlines()[-1])
    worst = np.unravel_index(np.argmax(np.abs(result.active)), result.active.shape)
    print(f"largest deviation: portfolio {worst[0]}, sector {worst[1]}: "
          f"{result.active[worst]:+.3%} against the 1/18 target")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--portfolios", type=int, default=20)
    ap.add_argument("--bonds", type=int, default=50_000)
    ap.add_argument("--orders", type=int, default=500)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    for name in ("portfolios", "bonds", "orders"):
        if getattr(args, name) < 1:
            ap.error(f"--{name} must be at least 1")
    worked_example()
    article_scale(args.portfolios, args.bonds, args.orders, args.seed)


if __name__ == "__main__":
    main()
