"""The numba contender of benches/compare.py: the algorithm of `omp_sector_sum` in
benches/c/contenders.c, with `prange`.

Every (portfolio, chunk) is a task that sums into its own table (the output row itself when a
portfolio is one chunk), then the chunk tables of each portfolio are added in a fixed order, in
parallel over blocks of sectors. Below PARALLEL_MIN_BONDS bonds it runs on the calling thread (a
parallel launch costs more than such a call). No checks, as a quant would write it. Compiled
functions are cached in NUMBA_CACHE_DIR (compare.py points it at target/numba-cache).
"""

from __future__ import annotations

import numba as nb
import numpy as np

PARALLEL_MIN_BONDS = 32768
SECTOR_BLOCK = 1024


def chunks_per_portfolio(p: int, b: int, s: int, threads: int) -> int:
    """As in contenders.c: 1 with at least 4 portfolios per thread, else enough chunks for 4 tasks
    per thread, each of at least 4,096 bonds and 4 bonds per sector."""
    if p * b < PARALLEL_MIN_BONDS or p >= 4 * threads:
        return 1
    want = (4 * threads + p - 1) // p
    most = max(1, b // max(4 * s, 4096))
    return min(want, most)


@nb.njit(cache=True, nogil=True)
def _serial(w, c, out):
    for p in range(w.shape[0]):
        row = out[p]
        row[:] = 0.0
        for i in range(w.shape[1]):
            row[c[p, i]] += w[p, i]


@nb.njit(parallel=True, cache=True, nogil=True)
def _rows(w, c, out):
    for p in nb.prange(w.shape[0]):
        row = out[p]
        row[:] = 0.0
        for i in range(w.shape[1]):
            row[c[p, i]] += w[p, i]


@nb.njit(parallel=True, cache=True, nogil=True)
def _chunked(w, c, out, tab, per):
    n_pf, n_b = w.shape
    n_s = out.shape[1]
    chunk = (n_b + per - 1) // per
    for t in nb.prange(n_pf * per):
        p = t // per
        lo = (t % per) * chunk
        hi = min(lo + chunk, n_b)
        row = tab[t]
        row[:] = 0.0
        for i in range(lo, hi):
            row[c[p, i]] += w[p, i]
    blocks = (n_s + SECTOR_BLOCK - 1) // SECTOR_BLOCK
    for x in nb.prange(n_pf * blocks):
        p = x // blocks
        s0 = (x % blocks) * SECTOR_BLOCK
        s1 = min(s0 + SECTOR_BLOCK, n_s)
        for s in range(s0, s1):
            out[p, s] = tab[p * per, s]
        for k in range(1, per):
            for s in range(s0, s1):
                out[p, s] += tab[p * per + k, s]


def warm_up() -> None:
    """Compiles (or loads from the cache) every variant for the argument types used, on tiny
    arrays, so that no compilation lands in a timed or memory-measured call."""
    w, c, out = np.zeros((1, 1)), np.zeros((1, 1), dtype=np.int32), np.zeros((1, 1))
    _serial(w, c, out)
    _rows(w, c, out)
    _chunked(w, c, out, np.zeros((1, 1)), 1)


def make(w2: np.ndarray, c2: np.ndarray, out: np.ndarray):
    """A zero-argument callable that fills `out` (portfolios x sectors) from w2 and c2 (portfolios
    x bonds). The chunk tables are allocated here, once, not on every call."""
    warm_up()
    p, b = w2.shape
    s = out.shape[1]
    per = chunks_per_portfolio(p, b, s, nb.get_num_threads())
    if p * b < PARALLEL_MIN_BONDS:
        return lambda: _serial(w2, c2, out)
    if per == 1:
        return lambda: _rows(w2, c2, out)
    tab = np.empty((p * per, s))
    return lambda: _chunked(w2, c2, out, tab, per)


def describe() -> str:
    """numba's version, thread count and threading layer (known after the first parallel call)."""
    try:
        layer = nb.threading_layer()
    except ValueError:
        layer = "not started"
    return f"numba {nb.__version__}, {nb.get_num_threads()} threads, threading layer {layer}"
