#!/usr/bin/env python3
"""Native code and float types through the array API (issue 13 §3, last bullet): int8, uint32 or
int64 codes with float32 weights against the original int32 codes with float64 weights, at the
article's size, timed interleaved in one process; and the peak memory of each call, which shows
that no conversion copy is made.

Layouts, 20 portfolios x 50,000 bonds x 18 sectors (1M rows):

  uniform   sw.sector_weights(W, C, 18): (20, 50000) arrays; the baseline float64/int32 takes
            the C fast path (sw_sector_weights), the others sw_ragged_sums through ctypes
  grouped   sw.sector_weights(w, s, 18, portfolios=p, num_portfolios=20): 1M rows in shuffled
            order, one portfolio code per row (sw_grouped_sums); portfolio and sector codes of
            the same type. "grouped, inferred" leaves num_portfolios out (one more pass over
            the codes to find the largest)

and the per-call overhead at 1 portfolio x 100 bonds (uniform (100,) and grouped), where the
call's own work is negligible: what building the SwColumn structures costs.

Every contender of a layout computes the same numbers: the weights are float32 values, passed as
float32 or widened to float64, and the sums are checked bit for bit against the baseline before
timing. Each repetition calls every contender of a layout once (a batch of calls for the small
size), in a freshly shuffled order, so drift and other processes' load hit all alike; the table
gives the median and minimum per call and the ratios of medians and of minimums to the layout's
baseline (on a shared machine the minimum is the steadier: the median includes waits for a core). Peak
memory is tracemalloc's (numpy's array data included) during one call, less the result.

Usage:  python benches/dtypes.py                 # 20 x 50,000, 200 repetitions
        python benches/dtypes.py --threads 1     # pin the library's pool size
        python benches/dtypes.py --smoke         # tiny sizes, a few repetitions (a test)
"""

from __future__ import annotations

import argparse
import gc
import platform
import random
import statistics
import sys
import time
import tracemalloc
from typing import Callable, Dict, List, Tuple

import numpy as np

import sector_weights as sw

BASELINE = ("float64", "int32")
TYPES = [BASELINE, ("float32", "int8"), ("float32", "uint32"), ("float32", "int64"),
         ("float64", "int64")]  # the last: numpy's default integer, as the article passes it


def contenders(P: int, B: int, S: int, seed: int) -> Dict[str, Dict[str, Callable[[], np.ndarray]]]:
    """layout -> {label: call}, every call of a layout computing the same sums."""
    rng = np.random.default_rng(seed)
    w32 = rng.random((P, B), dtype=np.float32)
    c = rng.integers(0, S, (P, B))
    order = rng.permutation(P * B)
    flat_p = np.repeat(np.arange(P), B)[order]
    flat_s, flat_w = c.ravel()[order], w32.ravel()[order]
    layouts: Dict[str, Dict[str, Callable[[], np.ndarray]]] = {
        "uniform": {}, "grouped": {}, "grouped, inferred": {},
    }
    for ftype, ctype in TYPES:
        label = f"{ftype} weights, {ctype} codes"
        W, C = w32.astype(ftype), c.astype(ctype)
        w, s, p = flat_w.astype(ftype), flat_s.astype(ctype), flat_p.astype(ctype)
        layouts["uniform"][label] = lambda W=W, C=C: sw.sector_weights(W, C, S)
        layouts["grouped"][label] = lambda w=w, s=s, p=p: sw.sector_weights(
            w, s, S, portfolios=p, num_portfolios=P
        )
        layouts["grouped, inferred"][label] = lambda w=w, s=s, p=p: sw.sector_weights(
            w, s, S, portfolios=p
        )
    return layouts


def check(layouts: Dict[str, Dict[str, Callable[[], np.ndarray]]]) -> None:
    """Every contender of a layout gives the baseline's bits."""
    for layout, calls in layouts.items():
        want = None
        for label, call in calls.items():
            got = call()
            want = got if want is None else want
            if got.tobytes() != want.tobytes():
                sys.exit(f"{layout}: {label} differs from the baseline")


def peak_bytes(call: Callable[[], np.ndarray]) -> int:
    """tracemalloc's peak during one call, less the result it returns."""
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        result = call()
        return max(tracemalloc.get_traced_memory()[1] - base - result.nbytes, 0)
    finally:
        tracemalloc.stop()


def time_layout(calls: Dict[str, Callable[[], np.ndarray]], reps: int, number: int) -> Dict[str, List[float]]:
    """Seconds per call of each contender, one sample per repetition (a batch of `number`
    calls), contenders in a fresh random order each time."""
    samples: Dict[str, List[float]] = {label: [] for label in calls}
    labels = list(calls)
    clock = time.perf_counter
    for _ in range(reps):
        random.shuffle(labels)
        for label in labels:
            call = calls[label]
            t0 = clock()
            for _ in range(number):
                call()
            samples[label].append((clock() - t0) / number)
    return samples


def report(title: str, calls: Dict[str, Callable[[], np.ndarray]], reps: int, number: int,
           memory: bool) -> List[Tuple[str, float]]:
    gc.collect()
    gc.disable()
    try:
        samples = time_layout(calls, reps, number)
    finally:
        gc.enable()
    base = samples[f"{BASELINE[0]} weights, {BASELINE[1]} codes"]
    base_med, base_min = statistics.median(base), min(base)
    print(f"\n{title}")
    head = f"  {'weights, codes':<34} {'median':>10} {'min':>10} {'ratio':>7} {'(mins)':>7}"
    print(head + ("  peak memory" if memory else ""))
    ratios = []
    for label, times in samples.items():
        med, low = statistics.median(times), min(times)
        ratios.append((label, med / base_med))
        line = (f"  {label:<34} {fmt(med):>10} {fmt(low):>10} {med / base_med:>6.2f}x "
                f"{low / base_min:>6.2f}x")
        if memory:
            line += f"  {peak_bytes(calls[label]) / 1024:>8.1f} KiB"
        print(line)
    return ratios


def fmt(seconds: float) -> str:
    return f"{seconds * 1e6:.2f} us" if seconds < 1e-3 else f"{seconds * 1e3:.3f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--portfolios", type=int, default=20)
    parser.add_argument("--bonds", type=int, default=50_000)
    parser.add_argument("--sectors", type=int, default=18)
    parser.add_argument("--reps", type=int, default=200, help="repetitions at the large size")
    parser.add_argument("--threads", type=int, default=0, help="library threads (0: default)")
    parser.add_argument("--seed", type=int, default=20261130)
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, a few repetitions")
    args = parser.parse_args()
    if args.smoke:
        args.portfolios, args.bonds, args.reps = 3, 1000, 3
    sw.set_num_threads(args.threads)
    P, B, S = args.portfolios, args.bonds, args.sectors
    print(f"sector_weights {sw.__version__}, {sw.get_num_threads()} threads, numpy "
          f"{np.__version__}, Python {platform.python_version()}, {platform.machine()}")

    small = contenders(1, 100, S, args.seed)
    check(small)
    small_reps, small_number = (3, 10) if args.smoke else (200, 200)
    for layout in ("uniform", "grouped"):
        report(f"1 portfolio x 100 bonds, {layout}: per call", small[layout], small_reps,
               small_number, memory=False)

    large = contenders(P, B, S, args.seed)
    check(large)
    worst = 0.0
    for layout, calls in large.items():
        ratios = report(f"{P} portfolios x {B:,} bonds x {S} sectors, {layout}", calls,
                        args.reps, 1, memory=True)
        if layout != "grouped, inferred":
            worst = max(worst, *(r for label, r in ratios if label.startswith("float32")))
    print(f"\nslowest float32 contender against float64/int32 (uniform and grouped): {worst:.2f}x "
          "(the bar: no slower, 1.00x, within the machine's noise)")


if __name__ == "__main__":
    main()
