#!/usr/bin/env python3
"""Sector weights of a holdings table on a Dask cluster, bit for bit equal to one machine.

A holdings table (one row per position: fund, sector, market value) is generated on the workers
as a Dask DataFrame split by rows, not by fund: every partition holds rows of every fund. The
``sector_weights.dask`` module computes each fund's weight per sector from it (exact sums per
partition, merged in a tree on the cluster), for two different partitionings of the same rows in
different orders; then this process computes the same table in one piece. The script prints
whether all three results are the same bits (they must: the sums are exact, so no row order,
partitioning or cluster layout can change them).

    # on this machine: a LocalCluster of 2 process workers, 2,000,000 rows, 500 funds, 18 sectors
    python examples/python/dask_portfolios.py --workers 2
    # on a real cluster (every worker needs numpy, pandas and the same sector_weights installed)
    python examples/python/dask_portfolios.py --scheduler tcp://scheduler-host:8786

The rows are a pure function of (seed, row number) (a SplitMix64 hash): any partitioning generates
exactly its part of one and the same table.
"""

from __future__ import annotations

import argparse
import inspect
import sys
import time
from typing import List, Sequence, Tuple

import numpy as np

MASK64 = (1 << 64) - 1
GOLDEN = 0x9E3779B97F4A7C15
COLUMNS = dict(portfolio="fund", sector="sector", value="market_value")


def _mix(z: np.ndarray) -> np.ndarray:
    """SplitMix64's finaliser on a uint64 array, in place (wrapping arithmetic)."""
    z ^= z >> np.uint64(30)
    z *= np.uint64(0xBF58476D1CE4E5B9)
    z ^= z >> np.uint64(27)
    z *= np.uint64(0x94D049BB133111EB)
    z ^= z >> np.uint64(31)
    return z


def _below(z: np.ndarray, n: int) -> np.ndarray:
    """The high 32 bits of z mapped onto [0, n) (multiply-shift, no modulo)."""
    return (((z >> np.uint64(32)) * np.uint64(n)) >> np.uint64(32)).astype(np.int64)


def generate(seed: int, r0: int, r1: int, funds: int, sectors: int):
    """Rows r0..r1-1 of the holdings table (a pandas DataFrame indexed by row number): fund
    'F0000'.., sector 'S00'.. (categorical, as a Parquet file's dictionary-encoded columns are
    read), market value in [-1e4, 1e8) (10% sells, magnitudes spread over twelve decades)."""
    import pandas as pd

    key = np.uint64((seed * GOLDEN + 0x632BE59BD9B4E019) & MASK64)
    x = np.arange(r0, r1, dtype=np.uint64) * np.uint64(GOLDEN) + key
    fund = _below(_mix(x.copy()), funds)
    x ^= np.uint64(0xD1B54A32D192ED03)
    sector = _below(_mix(x.copy()), sectors)
    x ^= np.uint64(0x2545F4914F6CDD1D)
    z = _mix(x)
    mantissa = (z >> np.uint64(11)).astype(np.float64) * 2.0**-53  # [0, 1)
    decade = (z & np.uint64(15)).astype(np.float64) % 12.0 - 4.0  # -4..7
    value = (1.0 + 9.0 * mantissa) * 10.0**decade
    value[(z >> np.uint64(4)) % np.uint64(10) == 0] *= -1e-4  # small sells
    f_labels = [f"F{i:04d}" for i in range(funds)]
    s_labels = [f"S{j:02d}" for j in range(sectors)]
    return pd.DataFrame(
        {
            "fund": pd.Categorical.from_codes(fund, f_labels),
            "sector": pd.Categorical.from_codes(sector, s_labels),
            "market_value": value,
        },
        index=pd.RangeIndex(r0, r1),
    )


def blocks(n: int, size: int) -> List[Tuple[int, int]]:
    """[(0, size), (size, 2 size), ..., (.., n)]."""
    return [(a, min(a + size, n)) for a in range(0, n, size)]


def holdings_frame(seed: int, parts: Sequence[Tuple[int, int]], funds: int, sectors: int):
    """A Dask DataFrame of the row blocks ``parts`` (in that order), generated on the workers."""
    import dask.dataframe as dd

    meta = generate(seed, 0, 0, funds, sectors)  # the columns and dtypes, without computing
    return dd.from_map(lambda b: generate(seed, b[0], b[1], funds, sectors), list(parts), meta=meta)


def same_bits(a, b) -> bool:
    """Same labels and the same bits in every cell."""
    return (
        list(a.index) == list(b.index)
        and list(a.columns) == list(b.columns)
        and np.array_equal(a.to_numpy().view(np.int64), b.to_numpy().view(np.int64))
    )


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=2_000_000, help="rows of the table (default 2000000)")
    ap.add_argument("--funds", type=int, default=500, help="funds (default 500)")
    ap.add_argument("--sectors", type=int, default=18, help="sectors (default 18)")
    ap.add_argument("--partitions", type=int, default=16, help="partitions of the first split (default 16)")
    where = ap.add_mutually_exclusive_group()
    where.add_argument("--workers", type=int, default=2, help="LocalCluster process workers (default 2)")
    where.add_argument("--scheduler", metavar="ADDR", help="a running scheduler, e.g. tcp://host:8786")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    for name in ("rows", "funds", "sectors", "partitions", "workers"):
        if getattr(args, name) < 1:
            ap.error(f"--{name} must be at least 1")

    import dask
    from dask.distributed import Client, LocalCluster, wait

    import sector_weights as sw
    import sector_weights.dask as swd

    n, seed, F, S = args.rows, args.seed, args.funds, args.sectors
    cluster = None
    if args.scheduler:
        client = Client(args.scheduler)
        where_text = f"scheduler {args.scheduler}"
    else:
        cluster = LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                               dashboard_address=":0")  # fmt: skip
        client = Client(cluster)
        where_text = f"LocalCluster of {args.workers} process workers"
    try:
        versions = set(client.run(lambda: __import__("sector_weights").__version__).values())
        if versions != {sw.__version__}:
            print(f"workers run sector_weights {sorted(versions)}, this process {sw.__version__}", file=sys.stderr)
            return 1
        print(f"cluster: {where_text}; sector_weights {sw.__version__}")
        print(f"data: {n:,} rows, {F:,} funds x {S} sectors, generated on the workers")
        # Split 1: equal blocks of rows, in order. Split 2: the same rows in 3 uneven blocks,
        # last block first (another row order and another partitioning).
        split1 = blocks(n, -(-n // args.partitions))
        cut = [0, n // 7, n // 2, n]
        split2 = [(cut[i], cut[i + 1]) for i in (2, 0, 1) if cut[i] < cut[i + 1]]
        results = []
        for name, parts in (("split 1", split1), ("split 2", split2)):
            t = time.perf_counter()
            ddf = client.persist(holdings_frame(seed, parts, F, S))  # read twice: keep it
            wait(ddf)
            made = time.perf_counter() - t
            t = time.perf_counter()
            results.append(swd.weights(ddf, **COLUMNS))
            wall = time.perf_counter() - t
            print(f"{name}: {len(parts)} partitions (generated and persisted in {made:.2f} s), "
                  f"weights in {wall:.2f} s, {n / wall / 1e6:.1f} M rows/s")
            del ddf
    finally:
        client.close()
        if cluster is not None:
            cluster.close()

    # One machine, one piece: this process, the whole table.
    pdf = generate(seed, 0, n, F, S)
    t = time.perf_counter()
    with dask.config.set(scheduler="sync"):
        whole = swd.weights(holdings_frame(seed, [(0, n)], F, S), **COLUMNS)
    print(f"one piece in this process: {time.perf_counter() - t:.2f} s")
    checks = {"split 1 = split 2": same_bits(results[0], results[1]),
              "split 1 = one piece": same_bits(results[0], whole)}  # fmt: skip
    if "exact" in inspect.signature(sw.Holdings.weights).parameters:
        checks["split 1 = Holdings(...).weights(exact=True)"] = same_bits(
            results[0], sw.Holdings(pdf, **COLUMNS).weights(exact=True)
        )
    ordinary = sw.Holdings(pdf, **COLUMNS).weights()
    diff = float(np.max(np.abs(ordinary.to_numpy() - whole.to_numpy())))
    print(f"(the default, ordered sums of Holdings differ from the exact ones by at most {diff:.2g})")
    print(whole.iloc[:3, :6])
    if all(checks.values()):
        print(f"result: match: bit-identical ({'; '.join(checks)})")
        return 0
    print(f"result: DIFFERENT: {', '.join(k for k, ok in checks.items() if not ok)} not bit-identical")
    return 1


if __name__ == "__main__":
    sys.exit(main())
