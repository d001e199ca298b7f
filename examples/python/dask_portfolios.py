#!/usr/bin/env python3
"""Sector weights for thousands of portfolios on a Dask cluster.

Portfolios are partitioned along the portfolio axis: each task generates its own block of
portfolios (so no process ever holds the whole data set), calls the ``sector_weights`` package on
it and returns a small ``(portfolios, sectors)`` block; the client gathers the blocks. A second,
bond-chunked variant is for portfolios too large for one worker: each task takes a range of
portfolios *and* a range of their bonds, and the partial sector sums of a block's chunks are added
on the cluster (sums compose). Last, the same data set is computed in this one process, block by
block, and the script prints whether the cluster's results match it.

The library is never pickled: the tasks import ``sector_weights`` on the worker, which loads the C
library there (ctypes objects cannot cross processes).

    # on this machine: a LocalCluster of 2 process workers, the default 2,000 x 50,000 x 18
    python examples/python/dask_portfolios.py --workers 2
    # on a real cluster (every worker needs numpy and the same sector_weights installed)
    python examples/python/dask_portfolios.py --scheduler tcp://scheduler-host:8786

The data are a pure function of (seed, portfolio, bond): weight in [0, 1), sector code in
[0, sectors), from a SplitMix64 hash of the bond's global index, so any partitioning generates
exactly its part of one and the same data set. Throughput is bonds per second of wall time,
including the tasks' data generation (reported separately as the library's own time).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from typing import List, Sequence, Tuple

import numpy as np

MASK64 = (1 << 64) - 1
GOLDEN = 0x9E3779B97F4A7C15


def _mix(z: np.ndarray) -> np.ndarray:
    """SplitMix64's finaliser on a uint64 array, in place (wrapping arithmetic)."""
    z ^= z >> np.uint64(30)
    z *= np.uint64(0xBF58476D1CE4E5B9)
    z ^= z >> np.uint64(27)
    z *= np.uint64(0x94D049BB133111EB)
    z ^= z >> np.uint64(31)
    return z


def generate(
    seed: int, num_bonds: int, num_sectors: int, p0: int, p1: int, b0: int = 0, b1: int | None = None
) -> Tuple[np.ndarray, np.ndarray]:
    """Weights (float64) and sector codes (int32), shape ``(p1 - p0, b1 - b0)``, of portfolios
    ``p0..p1-1`` and their bonds ``b0..b1-1``: a pure function of (seed, portfolio, bond)."""
    b1 = num_bonds if b1 is None else b1
    key = np.uint64((seed * GOLDEN + 0x632BE59BD9B4E019) & MASK64)
    index = np.arange(p0, p1, dtype=np.uint64)[:, None] * np.uint64(num_bonds)
    index = index + np.arange(b0, b1, dtype=np.uint64)[None, :]  # global bond index
    x = index * np.uint64(GOLDEN)
    x += key
    del index
    z = _mix(x.copy())
    weights = (z >> np.uint64(11)).astype(np.float64)
    weights *= 2.0**-53
    x ^= np.uint64(0xD1B54A32D192ED03)
    z = _mix(x)
    # Multiply-shift maps the high 32 bits onto [0, num_sectors) without a modulo.
    sectors = (((z >> np.uint64(32)) * np.uint64(num_sectors)) >> np.uint64(32)).astype(np.int32)
    return weights, sectors


def blocks(n: int, size: int) -> List[Tuple[int, int]]:
    """[(0, size), (size, 2 size), ..., (.., n)]."""
    return [(a, min(a + size, n)) for a in range(0, n, size)]


# ---------------------------------------------------------------------------------------------
# Tasks (run on the workers; they import the package there)


def portfolio_task(
    seed: int, num_bonds: int, num_sectors: int, p0: int, p1: int
) -> Tuple[np.ndarray, float]:
    """Sector sums of portfolios p0..p1-1 (all their bonds), and the library's time."""
    import sector_weights as sw

    weights, sectors = generate(seed, num_bonds, num_sectors, p0, p1)
    t = time.perf_counter()
    result = sw.sector_weights(weights, sectors, num_sectors)
    return result, time.perf_counter() - t


def chunk_task(
    seed: int, num_bonds: int, num_sectors: int, p0: int, p1: int, b0: int, b1: int
) -> Tuple[np.ndarray, float]:
    """Partial sector sums of portfolios p0..p1-1 over their bonds b0..b1-1."""
    import sector_weights as sw

    weights, sectors = generate(seed, num_bonds, num_sectors, p0, p1, b0, b1)
    t = time.perf_counter()
    result = sw.sector_weights(weights, sectors, num_sectors)
    return result, time.perf_counter() - t


def add_partials(*parts: Tuple[np.ndarray, float]) -> Tuple[np.ndarray, float]:
    """Adds the chunks' partial sums, in chunk order (so the result does not depend on which
    task finished first)."""
    total = parts[0][0].copy()
    for partial, _ in parts[1:]:
        total += partial
    return total, sum(t for _, t in parts)


def worker_setup(library_threads: int) -> str:
    """Runs once on every worker: imports the package (loading the library) and sizes its pool."""
    import sector_weights as sw

    if library_threads >= 0:
        sw.set_num_threads(library_threads)
    return f"{sw.__version__} {sw.library_path} threads={sw.get_num_threads()}"


# ---------------------------------------------------------------------------------------------
# The client


def single_process(
    seed: int, num_portfolios: int, num_bonds: int, num_sectors: int, block: int
) -> Tuple[np.ndarray, float, float]:
    """The reference: the same blocks computed one after another in this process."""
    import sector_weights as sw

    out = np.empty((num_portfolios, num_sectors))
    library = 0.0
    start = time.perf_counter()
    for p0, p1 in blocks(num_portfolios, block):
        weights, sectors = generate(seed, num_bonds, num_sectors, p0, p1)
        t = time.perf_counter()
        sw.sector_weights(weights, sectors, num_sectors, out=out[p0:p1])
        library += time.perf_counter() - t
    return out, time.perf_counter() - start, library


def compare(result: np.ndarray, reference: np.ndarray, num_bonds: int) -> Tuple[bool, str]:
    """Whether ``result`` matches ``reference`` (weights are >= 0, so each reference sum is also
    the sum of its terms' magnitudes): equal bit for bit, or within the bound every summation
    order satisfies, |a - b| <= 2 n eps sum|w| with n = num_bonds."""
    if result.shape != reference.shape:
        return False, f"shape {result.shape} instead of {reference.shape}"
    if np.array_equal(result, reference):
        return True, "bit-identical"
    bound = 2.0 * num_bonds * np.finfo(np.float64).eps * np.abs(reference)
    diff = np.abs(result - reference)
    worst = float(np.max(diff / np.maximum(np.abs(reference), np.finfo(np.float64).tiny)))
    if np.all(diff <= bound):
        return True, f"max relative difference {worst:.2g} (bound {2.0 * num_bonds * np.finfo(np.float64).eps:.2g})"
    bad = int(np.count_nonzero(diff > bound))
    return False, f"{bad} sums outside the summation-order bound, max relative difference {worst:.2g}"


def rate(bonds: float, seconds: float) -> str:
    return f"{bonds / seconds / 1e6:,.0f} M bonds/s" if seconds > 0 else "n/a"


def library_time(seconds: float, bonds: float) -> str:
    return f"library {seconds:.2f} s summed over tasks, {rate(bonds, seconds)} of library time"


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--portfolios", type=int, default=2000, help="number of portfolios (default 2000)")
    ap.add_argument("--bonds", type=int, default=50_000, help="bonds per portfolio (default 50000)")
    ap.add_argument("--sectors", type=int, default=18, help="number of sectors (default 18)")
    ap.add_argument("--block", type=int, default=100, help="portfolios per task (default 100)")
    ap.add_argument("--bond-chunk", type=int, default=12_500,
                    help="bonds per task in the bond-chunked variant (default 12500)")
    where = ap.add_mutually_exclusive_group()
    where.add_argument("--workers", type=int, default=None,
                       help="start a LocalCluster with this many process workers (default: 2)")
    where.add_argument("--scheduler", metavar="ADDR", help="connect to a running scheduler, e.g. tcp://host:8786")
    ap.add_argument("--threads-per-worker", type=int, default=1, help="Dask threads per LocalCluster worker")
    ap.add_argument("--library-threads", type=int, default=None,
                    help="the library's pool size on each worker (default: CPUs / workers on a "
                         "LocalCluster, the library's default on a real cluster)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    for name in ("portfolios", "bonds", "sectors", "block", "bond_chunk"):
        if getattr(args, name) < 1:
            ap.error(f"--{name.replace('_', '-')} must be at least 1")

    from dask.distributed import Client, LocalCluster

    import sector_weights as sw

    P, B, S, seed = args.portfolios, args.bonds, args.sectors, args.seed
    cluster = None
    if args.scheduler:
        client = Client(args.scheduler)
        where_text = f"scheduler {args.scheduler}"
        library_threads = -1 if args.library_threads is None else args.library_threads
    else:
        n = 2 if args.workers is None else args.workers
        if n < 1:
            ap.error("--workers must be at least 1")
        cluster = LocalCluster(n_workers=n, threads_per_worker=args.threads_per_worker, processes=True,
                               dashboard_address=":0")
        client = Client(cluster)
        where_text = f"LocalCluster of {n} process workers, {args.threads_per_worker} Dask thread(s) each"
        cpus = os.cpu_count() or 1
        library_threads = (max(1, cpus // n) if args.library_threads is None else args.library_threads)
    try:
        workers = client.run(worker_setup, library_threads)
        if not workers:
            print("no workers connected to the scheduler", file=sys.stderr)
            return 1
        versions = {info.split()[0] for info in workers.values()}
        if versions != {sw.__version__}:
            print(f"workers run sector_weights {sorted(versions)}, this process {sw.__version__}", file=sys.stderr)
            return 1
        print(f"cluster: {where_text}; sector_weights {sw.__version__} on {len(workers)} workers")
        for addr, info in sorted(workers.items()):
            print(f"  {addr}: {info.split(' ', 1)[1]}")
        total = P * B
        print(f"data: {P:,} portfolios x {B:,} bonds x {S} sectors = {total:,} bonds "
              f"({total * 12 / 1e6:,.1f} MB of weights and codes), generated on the workers in blocks of {args.block} portfolios")

        # 1. Partitioned along portfolios.
        parts = blocks(P, args.block)
        t = time.perf_counter()
        futures = [client.submit(portfolio_task, seed, B, S, p0, p1, pure=False) for p0, p1 in parts]
        gathered = client.gather(futures)
        wall = time.perf_counter() - t
        by_portfolio = np.concatenate([r for r, _ in gathered])
        library = sum(t for _, t in gathered)
        print(f"partitioned along portfolios: {len(parts)} tasks, {wall:.2f} s, {rate(total, wall)} "
              f"({library_time(library, total)})")

        # 2. Bond-chunked: partial sums per (portfolio block, bond chunk), added on the cluster.
        chunks = blocks(B, args.bond_chunk)
        t = time.perf_counter()
        sums = []
        for p0, p1 in parts:
            partials = [client.submit(chunk_task, seed, B, S, p0, p1, b0, b1, pure=False) for b0, b1 in chunks]
            sums.append(client.submit(add_partials, *partials, pure=False))
        gathered = client.gather(sums)
        wall = time.perf_counter() - t
        by_chunk = np.concatenate([r for r, _ in gathered])
        library = sum(t for _, t in gathered)
        print(f"bond-chunked: {len(parts) * len(chunks)} tasks ({len(chunks)} chunks of <= {args.bond_chunk:,} "
              f"bonds per block) + {len(parts)} additions, {wall:.2f} s, {rate(total, wall)} "
              f"({library_time(library, total)})")
    finally:
        client.close()
        if cluster is not None:
            cluster.close()

    # 3. The single-process reference (same data, same library, this process, all its threads).
    sw.set_num_threads(0)
    reference, wall, library = single_process(seed, P, B, S, args.block)
    print(f"single process ({sw.get_num_threads()} library threads): {wall:.2f} s, {rate(total, wall)} "
          f"(library {library:.2f} s, {rate(total, library)})")

    ok1, how1 = compare(by_portfolio, reference, B)
    ok2, how2 = compare(by_chunk, reference, B)
    if ok1 and ok2:
        print(f"result: match: the cluster's results equal the single-process computation "
              f"(partitioned along portfolios: {how1}; bond-chunked: {how2})")
        return 0
    print(f"result: DIFFERENT from the single-process computation "
          f"(partitioned along portfolios: {how1}; bond-chunked: {how2})")
    return 1


if __name__ == "__main__":
    sys.exit(main())
