#!/usr/bin/env python3
"""The table API against pandas and polars, whole job from the user's frame to a labelled result
(issue 13, section 3).

Data: 20 funds of 1,000 to 100,000 bonds (linearly spaced: 1,010,000 rows), 18 sectors, rows
shuffled; fund and sector labels as strings or as categoricals; market values float64.

Cases (each timed from the frame to the labelled result, in one process):

  string       pandas' default string dtype (Arrow-backed when pyarrow is installed) and polars
               String; target: sw.Holdings(...).weights() <= 0.5x pandas and polars
  categorical  pandas Categorical, polars Categorical and Enum, an Arrow dictionary Table;
               target <= 0.1x pandas and polars (on their categorical frames)
  orders       one Holdings built once, then evaluating 100 order lists of 500 orders per fund
               (10,000 orders per list, string labels; .after as a frame each time) against
               pandas and polars doing the same naturally (concatenate holdings and orders,
               group, pivot, normalise per fund), 100 times; target <= 0.05x

Peers: pandas ``df.groupby(["fund", "sector"]).mv.sum() / df.groupby("fund").mv.sum()`` (the
issue's one-liner, a labelled long Series); polars ``group_by(["fund", "sector"]).agg(sum)``,
divided by the fund's total, ``pivot`` to funds x sectors.

"parts" rows take sector_weights' job apart (reading each column, the grouped sums, the result
frame): where the time goes. Each repetition runs every contender of a case once, in a freshly
shuffled order (drift and other processes' load hit all alike); the table gives the median and
minimum over repetitions, the ratio of medians to each peer (the targets are judged on these) and
the ratio of minima (each contender when the machine let it run undisturbed). Results are checked
against pandas before timing.

Usage:  make bench-frames                       # all cases, default repetitions
        python benches/frames.py --case string  # one case (string, categorical, orders)
        python benches/frames.py --smoke        # tiny sizes, 2 repetitions (a test)
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import random
import statistics
import sys
import time
from typing import Any, Callable, Dict, List, Tuple

import numpy as np

import sector_weights as sw
from sector_weights import _table

SECTORS = [
    "Agency", "Asset-Backed", "Banking", "Basic Industry", "Capital Goods", "Communications",
    "Consumer Cyclical", "Consumer Non-Cyclical", "Energy", "Financial Other", "Insurance",
    "Local Authority", "Mortgage-Backed", "Sovereign", "Supranational", "Technology",
    "Transportation", "Utility",
]  # fmt: skip
TARGETS = {"string": 0.5, "categorical": 0.1, "orders": 0.05}


def holdings(funds: int, smallest: int, largest: int, seed: int) -> Dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    sizes = np.linspace(smallest, largest, funds).round().astype(np.int64)
    names = np.array([f"FUND-{i + 1:02d}" for i in range(funds)], dtype=object)
    fund = np.repeat(np.arange(funds), sizes)
    n = fund.size
    order = rng.permutation(n)
    sector = rng.integers(0, len(SECTORS), n)
    return {
        "fund": names[fund[order]],
        "sector": np.array(SECTORS, dtype=object)[sector],
        "mv": rng.uniform(1e4, 5e6, n),
        "names": names,
    }


def order_lists(
    d: Dict[str, np.ndarray], count: int, per_fund: int, seed: int
) -> List[Dict[str, Any]]:
    rng = np.random.default_rng(seed + 1)
    names = d["names"]
    sectors = np.array(SECTORS, dtype=object)
    out = []
    for _ in range(count):
        n = names.size * per_fund
        out.append({
            "fund": names[rng.permutation(np.repeat(np.arange(names.size), per_fund))],
            "sector": sectors[rng.integers(0, len(SECTORS), n)],
            "mv": rng.uniform(-2e5, 2e5, n),
        })  # fmt: skip
    return out


# ---------------------------------------------------------------------------------------------
# Frames of each kind


def frames(d: Dict[str, np.ndarray], case: str) -> Dict[str, Any]:
    import pandas as pd
    import polars as pl

    cols = {"fund": d["fund"], "sector": d["sector"], "mv": d["mv"]}
    pdf = pd.DataFrame(cols)  # str columns: pandas' default string dtype
    pldf = pl.DataFrame({"fund": list(d["fund"]), "sector": list(d["sector"]), "mv": d["mv"]})
    if case == "string":
        return {"pandas": pdf, "polars": pldf}
    out = {
        "pandas": pdf.astype({"fund": "category", "sector": "category"}),
        "polars": pldf.with_columns(pl.col("fund", "sector").cast(pl.Categorical)),
        "polars Enum": pldf.with_columns(
            pl.col("fund").cast(pl.Enum(sorted(set(d["fund"])))),
            pl.col("sector").cast(pl.Enum(SECTORS)),
        ),
    }
    try:
        import pyarrow as pa
        import pyarrow.compute as pc

        out["arrow dictionary"] = pa.table({
            "fund": pc.dictionary_encode(pa.array(d["fund"], pa.string())),
            "sector": pc.dictionary_encode(pa.array(d["sector"], pa.string())),
            "mv": pa.array(d["mv"]),
        })  # fmt: skip
    except ImportError:
        pass
    return out


def pandas_job(df: Any) -> Any:
    return df.groupby(["fund", "sector"]).mv.sum() / df.groupby("fund").mv.sum()


def polars_job(df: Any) -> Any:
    import polars as pl

    return (
        df.group_by(["fund", "sector"])
        .agg(pl.col("mv").sum())
        .with_columns(pl.col("mv") / pl.col("mv").sum().over("fund"))
        .pivot(on="sector", index="fund", values="mv")
    )


def ours(df: Any) -> Any:
    return sw.Holdings(df, "fund", "sector", "mv").weights()


def parts(df: Any) -> Dict[str, Callable[[], Any]]:
    """sector_weights' job in steps (the internals Holdings runs), for the profile rows."""
    t = _table.Table(df)
    f, s, v = t.codes("fund"), t.codes("sector"), t.floats("mv")
    P, S = len(f.labels), len(s.labels)
    h = sw.Holdings(df, "fund", "sector", "mv")
    return {
        "read fund labels": lambda: _table.Table(df).codes("fund"),
        "read sector labels": lambda: _table.Table(df).codes("sector"),
        "read values": lambda: _table.Table(df).floats("mv"),
        "grouped sums": lambda: sw.sector_weights(v, s.codes, S, portfolios=f.codes, num_portfolios=P),
        "result frame": h.weights,
    }


def check(df: Any, ref: Any) -> None:
    got = ours(df)
    if type(got).__module__.startswith("pandas"):
        got_long = got.stack()
    else:
        import pandas as pd

        wide = got.to_pandas() if hasattr(got, "to_pandas") else got
        got_long = wide.set_index("fund").stack()
        got_long.index = pd.MultiIndex.from_tuples(got_long.index)
    want = ref.copy()
    want.index = want.index.map(lambda ix: (str(ix[0]), str(ix[1])))
    got_long.index = got_long.index.map(lambda ix: (str(ix[0]), str(ix[1])))
    diff = (got_long.reindex(want.index) - want).abs().max()
    assert diff < 1e-12, f"sector_weights differs from pandas by {diff}"


# ---------------------------------------------------------------------------------------------
# The order-list case


def order_jobs(
    d: Dict[str, np.ndarray], lists: List[Dict[str, Any]]
) -> Dict[str, Callable[[], Any]]:
    import pandas as pd
    import polars as pl

    pdf = pd.DataFrame({"fund": d["fund"], "sector": d["sector"], "mv": d["mv"]})
    pldf = pl.DataFrame({"fund": list(d["fund"]), "sector": list(d["sector"]), "mv": d["mv"]})
    pd_orders = [pd.DataFrame(o) for o in lists]
    pl_orders = [
        pl.DataFrame({k: list(v) if k != "mv" else v for k, v in o.items()}) for o in lists
    ]

    def sector_weights_job() -> Any:
        h = sw.Holdings(pdf, "fund", "sector", "mv")
        return [h.evaluate(o).after for o in pd_orders]

    def pandas_orders() -> Any:
        out = []
        for o in pd_orders:
            both = pd.concat([pdf, o], ignore_index=True)
            sums = both.groupby(["fund", "sector"]).mv.sum().unstack(fill_value=0.0)
            out.append(sums.div(sums.sum(axis=1), axis=0))
        return out

    def polars_orders() -> Any:
        out = []
        for o in pl_orders:
            both = pl.concat([pldf, o])
            out.append(polars_job(both))
        return out

    return {"sector_weights": sector_weights_job, "pandas": pandas_orders, "polars": polars_orders}


def check_orders(jobs: Dict[str, Callable[[], Any]]) -> None:
    ours_after, theirs = jobs["sector_weights"](), jobs["pandas"]()
    for a, b in zip(ours_after, theirs):
        diff = (a - b.reindex(index=a.index, columns=a.columns)).abs().max().max()
        assert diff < 1e-12, f"after differs from pandas by {diff}"


# ---------------------------------------------------------------------------------------------


def measure(fns: Dict[str, Callable[[], Any]], reps: int) -> Dict[str, List[float]]:
    names = list(fns)
    times: Dict[str, List[float]] = {n: [] for n in names}
    rnd = random.Random(1)
    for n in names:  # warm-up
        fns[n]()
    for _ in range(reps):
        rnd.shuffle(names)
        for n in names:
            gc.collect()
            t0 = time.perf_counter()
            fns[n]()
            times[n].append(time.perf_counter() - t0)
    return times


def table(
    title: str, times: Dict[str, List[float]], peers: Dict[str, str], target: float
) -> Tuple[List[str], List[str]]:
    """Markdown rows: median and minimum, the ratio of medians and the ratio of minima to each
    peer; the misses of the target (judged on the medians)."""
    med = {n: statistics.median(t) for n, t in times.items()}
    low = {n: min(t) for n, t in times.items()}
    rows, misses = [], []
    for n in times:
        ratios = [f"{med[n] / med[p]:.3f}" for p in peers.values()]
        ratios += [f"{low[n] / low[p]:.3f}" for p in peers.values()]
        for label, peer in peers.items():
            r = med[n] / med[peer]
            if n.startswith("sector_weights") and r > target:
                misses.append(f"{title}: {n} / {label} = {r:.3f} > {target}")
        rows.append(
            f"| {title} | {n} | {med[n] * 1e3:,.2f} | {low[n] * 1e3:,.2f} | "
            + " | ".join(ratios)
            + " |"
        )
    return rows, misses


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--case", choices=["string", "categorical", "orders", "all"], default="all")
    ap.add_argument("--reps", type=int, default=15, help="repetitions of the weights cases")
    ap.add_argument("--order-reps", type=int, default=3, help="repetitions of the orders case")
    ap.add_argument("--lists", type=int, default=100, help="order lists in the orders case")
    ap.add_argument("--orders", type=int, default=500, help="orders per fund per list")
    ap.add_argument("--funds", type=int, default=20)
    ap.add_argument("--smallest", type=int, default=1_000)
    ap.add_argument("--largest", type=int, default=100_000)
    ap.add_argument("--threads", type=int, default=0, help="library pool size (0 = default)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-parts", action="store_true", help="leave out the profile rows")
    ap.add_argument("--smoke", action="store_true", help="tiny sizes, 2 repetitions")
    args = ap.parse_args()
    if args.smoke:
        args.funds, args.smallest, args.largest = 4, 100, 1_000
        args.reps, args.order_reps, args.lists, args.orders = 2, 1, 3, 20
    sw.set_num_threads(args.threads)
    import pandas as pd
    import polars as pl

    d = holdings(args.funds, args.smallest, args.largest, args.seed)
    cases = ["string", "categorical", "orders"] if args.case == "all" else [args.case]
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"{args.funds} funds of {args.smallest:,} to {args.largest:,} bonds ({d['mv'].size:,} "
        f"shuffled rows), {len(SECTORS)} sectors; library threads {sw.get_num_threads()}; "
        f"{os.cpu_count()} CPUs; "
        f"load average {load:.2f}; Python {platform.python_version()}, numpy {np.__version__}, "
        f"pandas {pd.__version__}, polars {pl.__version__}, sector_weights {sw.__version__}",
        flush=True,
    )
    rows = [
        "| case | contender | median (ms) | min (ms) | / pandas | / polars | / pandas (min) "
        "| / polars (min) |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    misses: List[str] = []
    for case in cases:
        if case == "orders":
            lists = order_lists(d, args.lists, args.orders, args.seed)
            jobs = order_jobs(d, lists)
            check_orders(jobs)
            times = measure(jobs, args.order_reps)
            r, m = table(
                f"orders ({args.lists} lists)",
                times,
                {"pandas": "pandas", "polars": "polars"},
                TARGETS[case],
            )
            rows += r
            misses += m
            print("\n".join(r), flush=True)
            continue
        inputs = frames(d, case)
        ref = pandas_job(inputs["pandas"])
        fns: Dict[str, Callable[[], Any]] = {
            "pandas": lambda df=inputs["pandas"]: pandas_job(df),
            "polars": lambda df=inputs["polars"]: polars_job(df),
        }
        for kind, df in inputs.items():
            check(df, ref)
            fns[f"sector_weights ({kind})"] = lambda df=df: ours(df)
            if not args.no_parts:
                for part, fn in parts(df).items():
                    fns[f"  part ({kind}): {part}"] = fn
        times = measure(fns, args.reps)
        r, m = table(case, times, {"pandas": "pandas", "polars": "polars"}, TARGETS[case])
        rows += r
        misses += m
        print("\n".join(r), flush=True)
    print()
    print("\n".join(rows))
    print()
    if args.smoke:
        print("(smoke sizes: the targets apply to the default size)")
    else:
        print("targets: " + ", ".join(f"{c} <= {t}x" for c, t in TARGETS.items() if c in cases))
        print("all targets met" if not misses else "MISSED:\n  " + "\n  ".join(misses))
    return 0


if __name__ == "__main__":
    sys.exit(main())
