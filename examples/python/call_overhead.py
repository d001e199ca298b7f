#!/usr/bin/env python3
"""Per-call overhead of the sector_weights package over a raw ctypes call of the same library.

    python examples/python/call_overhead.py

Measures, in one process and interleaved (so machine noise hits every variant alike):
- 1 portfolio x 100 bonds: the package's sector_weights(), the raw ctypes call with addresses
  computed per call (arr.ctypes.data) and precomputed, and numpy.bincount for scale;
- 20 portfolios x 50,000 bonds (the article's size): the package (with and without out=, and
  through its Python path instead of its C fast path), the raw ctypes call with addresses read
  per call (from_buffer) and precomputed;
- the Python path's own work (the library call replaced by a no-op) right after a big call and
  right after a small one: the cold-cache cost that a big call leaves behind.
Prints min and median per call over the repeats.
"""

from __future__ import annotations

import ctypes
import statistics
import sys
import timeit

import numpy as np

import sector_weights as sw
from sector_weights import _fastpath, _lib


def raw_function():
    """sw_sector_weights through a ctypes handle of its own, pointers as plain c_void_p."""
    fn = ctypes.CDLL(sw.library_path).sw_sector_weights
    fn.restype = ctypes.c_int32
    address, size = ctypes.c_void_p, ctypes.c_size_t
    # weights, weights_len, sectors, sectors_len, num_portfolios, num_sectors, out, out_len
    fn.argtypes = [address, size, address, size, size, size, address, size]
    return fn


def bench(cases, number, repeat):
    """cases: {label: zero-argument callable}. Interleaves the repeats of every case."""
    samples = {label: [] for label in cases}
    for _ in range(repeat):
        for label, fn in cases.items():
            samples[label].append(timeit.timeit(fn, number=number) / number)
    return {label: (min(s), statistics.median(s)) for label, s in samples.items()}


def show(title, results, unit=1e6, unit_name="us"):
    print(title)
    for label, (best, median) in results.items():
        print(f"  {label:<52} min {best * unit:9.2f} {unit_name}   median {median * unit:9.2f} {unit_name}")


def without_fast_path(*args, **kwargs):
    """sector_weights() through its Python path (checks in Python, then ctypes), as it was before
    the C fast path (_fastcall.c) existed."""
    saved, _fastpath.sector_weights = _fastpath.sector_weights, None
    try:
        return sw.sector_weights(*args, **kwargs)
    finally:
        _fastpath.sector_weights = saved


def cold_python(fn, W, C, OUT, w, c, out, n=2000):
    """The Python path's own work (its checks and address reads; the library call replaced by a
    no-op) timed right after a raw 20 x 50,000 call, and right after a raw 1 x 100 call."""
    P, B = W.shape
    big = (W.ctypes.data, P * B, C.ctypes.data, P * B, P, 18, OUT.ctypes.data, P * 18)
    small = (w.ctypes.data, 100, c.ctypes.data, 100, 1, 18, out.ctypes.data, 18)
    OUT2 = np.empty_like(OUT)
    times = {"big": [], "small": []}
    real, _lib.sw_sector_weights = _lib.sw_sector_weights, lambda *args: 0
    try:
        for i in range(2 * n):
            which = "big" if i % 2 else "small"
            fn(*(big if which == "big" else small))
            t = timeit.default_timer()
            without_fast_path(W, C, 18, out=OUT2)
            times[which].append(timeit.default_timer() - t)
    finally:
        _lib.sw_sector_weights = real
    print("The Python path's own work (library call replaced by a no-op), per call, median:")
    print(f"  right after a raw {P} x {B:,} call   {statistics.median(times['big']) * 1e6:6.2f} us")
    print(f"  right after a raw 1 x 100 call       {statistics.median(times['small']) * 1e6:6.2f} us")


def main():
    rng = np.random.default_rng(0)
    fn = raw_function()

    w = rng.random(100)
    c = rng.integers(0, 18, 100, dtype=np.int32)
    out = np.empty(18)
    aw, ac, ao = w.ctypes.data, c.ctypes.data, out.ctypes.data
    small = bench(
        {
            "sector_weights.sector_weights(w, c, 18)": lambda: sw.sector_weights(w, c, 18),
            "raw ctypes, arr.ctypes.data per call": lambda: fn(
                w.ctypes.data, 100, c.ctypes.data, 100, 1, 18, out.ctypes.data, 18
            ),
            "raw ctypes, addresses precomputed": lambda: fn(aw, 100, ac, 100, 1, 18, ao, 18),
            "numpy.bincount(c, w, minlength=18)": lambda: np.bincount(c, w, minlength=18),
        },
        number=20_000,
        repeat=15,
    )
    show("1 portfolio x 100 bonds, per call:", small)
    pkg, raw = small["sector_weights.sector_weights(w, c, 18)"], small[
        "raw ctypes, addresses precomputed"
    ]
    print(f"  package overhead over the raw call: {(pkg[1] - raw[1]) * 1e6:.2f} us (medians)\n")

    P, B = 20, 50_000
    W = rng.random((P, B))
    C = rng.integers(0, 18, (P, B), dtype=np.int32)
    OUT = np.empty((P, 18))
    aW, aC, aO = W.ctypes.data, C.ctypes.data, OUT.ctypes.data
    OUT2 = np.empty((P, 18))
    buf = (ctypes.c_char * 0).from_buffer  # what the package uses to read an array's address
    addr = ctypes.addressof
    raw_label = "raw ctypes, addresses precomputed"
    large = bench(
        {
            "sector_weights.sector_weights(W, C, 18)": lambda: sw.sector_weights(W, C, 18),
            "sector_weights.sector_weights(W, C, 18, out=OUT)": lambda: sw.sector_weights(
                W, C, 18, out=OUT2
            ),
            "the same through the Python path (no C fast path)": lambda: without_fast_path(
                W, C, 18, out=OUT2
            ),
            # The least any wrapper taking arrays does per call: read the three addresses.
            "raw ctypes, from_buffer addresses per call": lambda: fn(
                addr(buf(W)), P * B, addr(buf(C)), P * B, P, 18, addr(buf(OUT)), P * 18
            ),
            raw_label: lambda: fn(aW, P * B, aC, P * B, P, 18, aO, P * 18),
        },
        number=20,
        repeat=31,
    )
    show(f"{P} portfolios x {B:,} bonds, per call:", large)
    raw = large[raw_label]
    for label, (_, median) in large.items():
        if label != raw_label:
            print(
                f"  {label}: {(median - raw[1]) * 1e6:+.1f} us "
                f"({(median / raw[1] - 1) * 100:+.1f}%) over the raw call (medians)"
            )
    print(
        "  Python code right after a call this size runs with cold caches (the call streamed\n"
        "  its input through this core's L2), at several times its usual cost; the C fast path\n"
        "  does its checks in a few cache lines instead (below: the Python path's own cost).\n"
    )
    cold_python(fn, W, C, OUT, w, c, out)
    print(f"\n(sector_weights {sw.__version__}, {sw.get_num_threads()} threads, numpy "
          f"{np.__version__}, Python {sys.version.split()[0]})")


if __name__ == "__main__":
    main()
