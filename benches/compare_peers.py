"""The Python-side contenders of benches/compare.py: each builds, before any timing, what it
needs (frames, tables, histograms, compiled functions) and returns a zero-argument callable that
writes the full portfolios x sectors table into its own output array.

A peer whose package is not installed is skipped with a message (compare.py --require-all turns
that into a failure). Every callable is checked against the exact sums by compare.py before it is
timed.
"""

from __future__ import annotations

import os
import sys

import numpy as np

# The article's masked loop costs P*S*B element visits; beyond this it is skipped (minutes).
MASKED_MAX_VISITS = 2_000_000_000
MASKED_MAX_PYCALLS = 200_000


class Skip(Exception):
    """This peer cannot run here (its package is missing)."""


class TooSlow(Skip):
    """This peer is left out of this case by design: it would take minutes."""


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def sw_ctypes(case, out, lib, last_error):
    f = lib.calculate_sector_weights
    args = (case.w.ctypes.data, case.p, case.c.ctypes.data, case.b, out.ctypes.data, case.s)

    def call():
        st = f(*args)
        if st != 0:
            raise RuntimeError(f"calculate_sector_weights returned {last_error(lib, st)}")

    return call


def sw_python(case, out, lib, last_error):
    try:
        import sector_weights as swpkg
    except ImportError as e:
        raise Skip(f"package not importable ({e})") from None
    fn, w2, c2, s = swpkg.sector_weights, case.w2, case.c2, case.s
    return lambda: fn(w2, c2, s, out=out)


def numpy_bincount(case, out, lib, last_error):
    of, pid, w, c, s, n = out.reshape(-1), case.pid, case.w, case.c, case.s, case.p * case.s

    def call():
        of[:] = np.bincount(pid * s + c, weights=w, minlength=n)

    return call


def numpy_masked(case, out, lib, last_error):
    p, b, s = case.p, case.b, case.s
    if p * s * b > MASKED_MAX_VISITS or p * s > MASKED_MAX_PYCALLS:
        raise TooSlow(f"{p * s * b:.2g} element visits / {p * s:,} Python calls")
    w2, c2 = case.w2, case.c2

    def call():
        # The article's numpy version, per portfolio and per sector.
        for i in range(p):
            wi, ci = w2[i], c2[i]
            for k in range(s):
                out[i, k] = wi[ci == k].sum()

    return call


def polars_group_by(case, out, lib, last_error):
    try:
        import polars as pl
    except ImportError:
        raise Skip("polars not installed") from None
    of, s = out.reshape(-1), case.s
    df = pl.DataFrame({"p": case.pid, "s": case.c, "w": case.w})

    def call():
        g = df.group_by(["p", "s"]).agg(pl.col("w").sum())
        of[:] = 0.0
        of[g["p"].to_numpy() * s + g["s"].to_numpy()] = g["w"].to_numpy()

    return call


def pandas_groupby(case, out, lib, last_error):
    try:
        import pandas as pd
    except ImportError:
        raise Skip("pandas not installed") from None
    of, s = out.reshape(-1), case.s
    df = pd.DataFrame({"p": case.pid, "s": case.c, "w": case.w})

    def call():
        g = df.groupby(["p", "s"], sort=False)["w"].sum()
        of[:] = 0.0
        idx = g.index
        of[idx.get_level_values(0).to_numpy() * s + idx.get_level_values(1).to_numpy()] = g.to_numpy()

    return call


def duckdb_group_by(case, out, lib, last_error):
    """An in-memory DuckDB table (loaded before timing, as a DuckDB user holds the data), one
    GROUP BY query on all threads, then the groups scattered into the dense table."""
    try:
        import duckdb
        import pandas as pd
    except ImportError as e:
        raise Skip(f"{e.name} not installed") from None
    of, s = out.reshape(-1), case.s
    con = duckdb.connect(":memory:")
    frame = pd.DataFrame({"p": case.pid.astype(np.int32), "s": case.c, "w": case.w})
    con.register("frame", frame)
    con.execute("CREATE TABLE bonds AS SELECT * FROM frame")
    con.unregister("frame")
    del frame
    query = "SELECT p, s, sum(w) AS w FROM bonds GROUP BY p, s"

    def call():
        r = con.execute(query).fetchnumpy()
        of[:] = 0.0
        of[r["p"].astype(np.int64) * s + r["s"]] = r["w"]

    call.keep = con  # the connection lives as long as the callable
    return call


def boost_histogram(case, out, lib, last_error):
    """A 2-D histogram (portfolio, sector) with weighted double storage, filled with threads= all
    cores; the portfolio index array is made once, before timing (as for numpy.bincount)."""
    try:
        import boost_histogram as bh
    except ImportError:
        raise Skip("boost-histogram not installed") from None
    p, s = case.p, case.s
    h = bh.Histogram(
        bh.axis.Integer(0, p, underflow=False, overflow=False),
        bh.axis.Integer(0, s, underflow=False, overflow=False),
        storage=bh.storage.Double(),
    )
    pid, c, w, threads = case.pid, case.c, case.w, os.cpu_count()

    def call():
        h.reset()
        h.fill(pid, c, weight=w, threads=threads)
        out[:] = h.view()

    return call


def numba_prange(case, out, lib, last_error):
    try:
        import compare_numba
    except ImportError as e:
        raise Skip(f"{e.name} not installed") from None
    return compare_numba.make(case.w2, case.c2, out)


PEERS = {
    "sw (ctypes)": sw_ctypes,
    "sw (python)": sw_python,
    "numba": numba_prange,
    "numpy.bincount": numpy_bincount,
    "numpy masked": numpy_masked,
    "polars": polars_group_by,
    "pandas": pandas_groupby,
    "duckdb": duckdb_group_by,
    "boost-histogram": boost_histogram,
}


def versions() -> dict:
    """Versions of the Python peers that are importable (without importing the heavy ones that
    are not wanted: only those already imported, plus the cheap ones)."""
    out = {}
    for mod in ("numpy", "polars", "pandas", "duckdb", "boost_histogram", "numba", "matplotlib"):
        m = sys.modules.get(mod)
        if m is None and mod in ("numpy", "matplotlib"):
            try:
                m = __import__(mod)
            except ImportError:
                m = None
        if m is not None:
            out[mod] = getattr(m, "__version__", "?")
    return out
