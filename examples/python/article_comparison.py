#!/usr/bin/env python3
"""The article's experiment, reproduced: sector weights of 20 portfolios x 50,000 bonds x 18
sectors, computed by every approach the article measured, plus numpy.bincount, an unsafe C++
baseline in the article's design, and this library (drop-in through raw ctypes, and the
sector_weights package).

For each approach: wall time of the computation (logging excluded unless --with-logging), peak
RSS, CPU use, and a check against an exactly rounded reference. Each approach runs in a fresh
process of its own (this script with --child), so that its peak RSS and CPU time are its own.

    python examples/python/article_comparison.py                 # the article's size
    python examples/python/article_comparison.py --bonds 5000 --portfolios 6
    python examples/python/article_comparison.py --with-logging --plot comparison.png

Needs numpy and the sector_weights package (`pip install ./bindings/python`); g++ (or $CXX) for
the C++ baseline, which is skipped with a message otherwise; matplotlib for --plot.
"""

from __future__ import annotations

import argparse
import ctypes
import enum
import json
import logging
import math
import multiprocessing
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np


class Sector(enum.IntEnum):
    """The 18 sectors (a corporate-bond industry classification), codes 0..17."""

    BANKING = 0
    BASIC_INDUSTRY = 1
    BROKERAGE = 2
    CAPITAL_GOODS = 3
    COMMUNICATIONS = 4
    CONSUMER_CYCLICAL = 5
    CONSUMER_NON_CYCLICAL = 6
    ELECTRIC = 7
    ENERGY = 8
    FINANCE_COMPANIES = 9
    INSURANCE = 10
    NATURAL_GAS = 11
    OTHER_FINANCIAL = 12
    OTHER_INDUSTRIAL = 13
    OTHER_UTILITY = 14
    REITS = 15
    TECHNOLOGY = 16
    TRANSPORTATION = 17


def sector_names(num_sectors):
    names = [s.name for s in Sector]
    return [names[k] if k < len(names) else f"SECTOR_{k}" for k in range(num_sectors)]


# ---------------------------------------------------------------------------------------------
# The article's mock data


class Data:
    """Per portfolio: np.random.uniform market values normalised to weights, and
    np.random.randint(..., dtype=int) sector codes (int64), as in the article. The flat float64
    and int32 arrays the C functions take are prepared once, outside every timing."""

    def __init__(self, portfolios, bonds, sectors, seed):
        self.P, self.B, self.S = portfolios, bonds, sectors
        np.random.seed(seed)
        self.mv_list, self.sector_list = [], []
        for _ in range(portfolios):
            mv = np.random.uniform(0, 1, bonds)
            self.mv_list.append(mv / mv.sum())
            self.sector_list.append(np.random.randint(0, sectors, bonds, dtype=int))
        self.mv_flat = np.concatenate(self.mv_list) if portfolios else np.zeros(0)
        codes = np.concatenate(self.sector_list) if portfolios else np.zeros(0, dtype=int)
        self.sectors_flat = codes.astype(np.int32)
        self.target = 1.0 / sectors


def reference(data):
    """Exactly rounded sums (math.fsum per portfolio and sector)."""
    out = np.zeros((data.P, data.S))
    for p in range(data.P):
        order = np.argsort(data.sector_list[p], kind="stable")
        codes = data.sector_list[p][order]
        mv = data.mv_list[p][order]
        bounds = np.searchsorted(codes, np.arange(data.S + 1))
        for s in range(data.S):
            out[p, s] = math.fsum(mv[bounds[s] : bounds[s + 1]].tolist())
    return out


# ---------------------------------------------------------------------------------------------
# Logging (the article logs each portfolio's sector weights against the target)

_LOGGER = None


def get_logger(log_path):
    """A logger writing to log_path, set up once per process (worker processes included)."""
    global _LOGGER
    if log_path is None:
        return None
    if _LOGGER is None:
        logger = logging.getLogger("article_comparison.targets")
        logger.setLevel(logging.INFO)
        logger.propagate = False
        handler = logging.FileHandler(log_path)
        handler.setFormatter(logging.Formatter("%(asctime)s %(processName)s %(message)s"))
        logger.addHandler(handler)
        _LOGGER = logger
    return _LOGGER


def target_lines(p, weights, target):
    names = sector_names(len(weights))
    lines = []
    for s, w in enumerate(weights):
        diff = w - target
        side = "over" if diff > 0 else "under" if diff < 0 else "on"
        lines.append(
            f"portfolio {p:2d} {names[s]:<22} weight {100 * w:7.3f}%  target {100 * target:6.3f}%"
            f"  {side:>5} by {100 * abs(diff):6.3f}%"
        )
    return lines


def log_portfolio(log_path, p, weights, target):
    logger = get_logger(log_path)
    if logger is not None:
        for line in target_lines(p, weights, target):
            logger.info(line)


# ---------------------------------------------------------------------------------------------
# Progress (for the slow approaches, on a terminal only)


class Progress:
    def __init__(self, total):
        self.total, self.done = total, 0
        self.lock = threading.Lock()
        self.on = sys.stderr.isatty() and total > 1

    def step(self, n=1):
        if not self.on:
            return
        with self.lock:
            self.done += n
            sys.stderr.write(f"\r      portfolio {self.done}/{self.total} ")
            sys.stderr.flush()

    def close(self):
        if self.on:
            sys.stderr.write("\r" + " " * 40 + "\r")
            sys.stderr.flush()


# ---------------------------------------------------------------------------------------------
# The approaches. Each takes (data, log_path, progress) and returns a (P, S) float64 array.


def one_portfolio_iterative(mv, sectors, num_sectors, p=0, log_path=None, target=0.0):
    """The article's iterative approach for one portfolio: a Python loop over the bonds."""
    weights = [0.0] * num_sectors
    for w, s in zip(mv, sectors):
        weights[s] += w
    log_portfolio(log_path, p, weights, target)
    return weights


def run_iterative(data, log_path, progress):
    out = []
    for p in range(data.P):
        out.append(one_portfolio_iterative(
            data.mv_list[p], data.sector_list[p], data.S, p, log_path, data.target))
        progress.step()
    return np.array(out).reshape(data.P, data.S)


def run_threading(data, log_path, progress, batch=3):
    """Three threads per batch of three portfolios, as in the article (the GIL serialises them)."""
    out = [None] * data.P

    def work(p):
        out[p] = one_portfolio_iterative(
            data.mv_list[p], data.sector_list[p], data.S, p, log_path, data.target)
        progress.step()

    for start in range(0, data.P, batch):
        threads = [threading.Thread(target=work, args=(p,))
                   for p in range(start, min(start + batch, data.P))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    return np.array(out).reshape(data.P, data.S)


def _process_worker(p, mv, sectors, num_sectors, log_path, target, queue):
    queue.put((p, one_portfolio_iterative(mv, sectors, num_sectors, p, log_path, target)))


def run_process_per_portfolio(data, log_path, progress):
    """One multiprocessing.Process per portfolio, results through a Queue."""
    queue = multiprocessing.Queue()
    procs = [
        multiprocessing.Process(
            target=_process_worker,
            args=(p, data.mv_list[p], data.sector_list[p], data.S, log_path, data.target, queue),
        )
        for p in range(data.P)
    ]
    for proc in procs:
        proc.start()
    out = [None] * data.P
    for _ in range(data.P):
        p, weights = queue.get()
        out[p] = weights
        progress.step()
    for proc in procs:
        proc.join()
    return np.array(out).reshape(data.P, data.S)


def _pool_worker(args):
    return one_portfolio_iterative(*args)


def run_pool(data, log_path, progress, workers=3):
    """A multiprocessing.Pool of three workers over the portfolios."""
    jobs = [(data.mv_list[p], data.sector_list[p], data.S, p, log_path, data.target)
            for p in range(data.P)]
    out = []
    with multiprocessing.Pool(workers) as pool:
        for weights in pool.imap(_pool_worker, jobs):
            out.append(weights)
            progress.step()
    return np.array(out).reshape(data.P, data.S)


def run_numpy_masked(data, log_path, progress):
    """The article's numpy approach: a boolean mask and a sum per portfolio and sector."""
    out = np.zeros((data.P, data.S))
    for p in range(data.P):
        mv, sectors = data.mv_list[p], data.sector_list[p]
        for s in range(data.S):
            out[p, s] = mv[sectors == s].sum()
        log_portfolio(log_path, p, out[p], data.target)
    return out


def run_numpy_bincount(data, log_path, progress):
    """numpy.bincount with weights, one call per portfolio."""
    out = np.zeros((data.P, data.S))
    for p in range(data.P):
        out[p] = np.bincount(data.sector_list[p], weights=data.mv_list[p], minlength=data.S)
        log_portfolio(log_path, p, out[p], data.target)
    return out


CPP_SOURCE = r"""
// The article's design, written here as the unsafe baseline: no check of any kind (a bad
// sector code writes outside the output, NaN poisons a sector, the caller learns nothing), and
// three std::threads started per batch of three portfolios.
#include <cstdint>
#include <thread>
#include <vector>

static void portfolio_sector_weights(const double *bond_weights, const int32_t *bond_sectors,
                                     uintmax_t num_bonds, double *sector_weights,
                                     uintmax_t num_sectors) {
    for (uintmax_t s = 0; s < num_sectors; ++s) sector_weights[s] = 0.0;
    for (uintmax_t i = 0; i < num_bonds; ++i) sector_weights[bond_sectors[i]] += bond_weights[i];
}

extern "C" void calculate_sector_weights(const double *portfolios_bond_weights, uintmax_t pf_size,
                                         const int32_t *portfolios_bond_sectors,
                                         uintmax_t num_bonds, double *portfolios_sector_weights,
                                         uintmax_t num_sectors) {
    const uintmax_t batch = 3;
    for (uintmax_t start = 0; start < pf_size; start += batch) {
        std::vector<std::thread> threads;
        for (uintmax_t p = start; p < start + batch && p < pf_size; ++p)
            threads.emplace_back(portfolio_sector_weights, portfolios_bond_weights + p * num_bonds,
                                 portfolios_bond_sectors + p * num_bonds, num_bonds,
                                 portfolios_sector_weights + p * num_sectors, num_sectors);
        for (auto &t : threads) t.join();
    }
}
"""


def compile_cpp(workdir):
    """Compiles CPP_SOURCE into workdir; returns the library path, or None with a reason."""
    cxx = os.environ.get("CXX") or shutil.which("g++") or shutil.which("c++")
    if not cxx or not shutil.which(cxx):
        return None, "no C++ compiler (g++ or $CXX) found"
    src = Path(workdir) / "article_cpp.cpp"
    lib = Path(workdir) / "libarticle_cpp.so"
    src.write_text(CPP_SOURCE)
    cmd = [cxx, "-O3", "-std=c++17", "-shared", "-fPIC", "-pthread", str(src), "-o", str(lib)]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        return None, f"{' '.join(cmd)} failed:\n{r.stderr}"
    return str(lib), " ".join(cmd)


def _raw_ctypes_function(path, restype):
    """calculate_sector_weights through ctypes with raw addresses (all six parameters declared)."""
    fn = ctypes.CDLL(path).calculate_sector_weights
    fn.restype = restype
    fn.argtypes = [ctypes.c_void_p, ctypes.c_uint64, ctypes.c_void_p, ctypes.c_uint64,
                   ctypes.c_void_p, ctypes.c_uint64]
    return fn


def _log_all(data, out, log_path):
    for p in range(data.P):
        log_portfolio(log_path, p, out[p], data.target)


def run_cpp(data, log_path, progress, cpp_lib=None):
    fn = _raw_ctypes_function(cpp_lib, None)
    out = np.zeros((data.P, data.S))
    fn(data.mv_flat.ctypes.data, data.P, data.sectors_flat.ctypes.data, data.B,
       out.ctypes.data, data.S)
    _log_all(data, out, log_path)
    return out


def run_library_raw(data, log_path, progress):
    """This library's drop-in calculate_sector_weights through raw ctypes, status checked."""
    import sector_weights as sw

    fn = _raw_ctypes_function(sw.library_path, ctypes.c_int32)
    out = np.zeros((data.P, data.S))
    status = fn(data.mv_flat.ctypes.data, data.P, data.sectors_flat.ctypes.data, data.B,
                out.ctypes.data, data.S)
    if status != 0:
        raise RuntimeError(f"calculate_sector_weights returned status {status}")
    _log_all(data, out, log_path)
    return out


def run_package(data, log_path, progress):
    """sector_weights.sector_weights on the (P, B) float64 / int32 arrays (no copy)."""
    import sector_weights as sw

    out = sw.sector_weights(data.mv_flat.reshape(data.P, data.B),
                            data.sectors_flat.reshape(data.P, data.B), data.S)
    _log_all(data, out, log_path)
    return out


def run_package_int64(data, log_path, progress):
    """sector_weights.sector_weights on the article's own per-portfolio int64 codes (the package
    checks they fit in int32 and converts them)."""
    import sector_weights as sw

    out = sw.sector_weights(np.vstack(data.mv_list), np.vstack(data.sector_list), data.S)
    _log_all(data, out, log_path)
    return out


# name, label, function, slow (progress shown), safe (checks its input)
APPROACHES = [
    ("iterative", "iterative (pure Python loop)", run_iterative, True),
    ("threading", "threading (3 threads per batch)", run_threading, True),
    ("process-per-portfolio", "multiprocessing (1 process per portfolio)",
     run_process_per_portfolio, True),
    ("pool", "multiprocessing (3 fixed workers)", run_pool, True),
    ("numpy-masked", "numpy masked loop (article)", run_numpy_masked, False),
    ("numpy-bincount", "numpy.bincount per portfolio", run_numpy_bincount, False),
    ("cpp", "C++ unsafe baseline (3 std::threads/batch)", run_cpp, False),
    ("library-ctypes", "this library: drop-in via raw ctypes", run_library_raw, False),
    ("package", "this library: sector_weights package", run_package, False),
    ("package-int64", "sector_weights package, int64 codes as given", run_package_int64, False),
]


# ---------------------------------------------------------------------------------------------
# Measurement (in a child process per approach)


def cpu_seconds():
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def measure(name, args):
    """Runs one approach, repeated while it is fast; writes result and metrics to args.workdir."""
    spec = {a[0]: a for a in APPROACHES}[name]
    fn = spec[2]
    data = Data(args.portfolios, args.bonds, args.sectors, args.seed)
    log_path = str(Path(args.workdir) / "targets.log") if args.with_logging else None
    extra = {"cpp_lib": args.cpp_lib} if name == "cpp" else {}
    times = []
    cpu0 = cpu_seconds()
    wall0 = time.perf_counter()
    while True:
        progress = Progress(data.P) if spec[3] else Progress(0)
        t0 = time.perf_counter()
        result = fn(data, log_path, progress, **extra)
        times.append(time.perf_counter() - t0)
        progress.close()
        spent = time.perf_counter() - wall0
        if len(times) >= args.max_runs or spent >= args.min_time or spec[3] and len(times) >= 1:
            break
    cpu = cpu_seconds() - cpu0
    wall = time.perf_counter() - wall0
    kib = 1 if sys.platform != "darwin" else 1 / 1024  # ru_maxrss: KiB on Linux, bytes on macOS
    metrics = {
        "name": name,
        "best": min(times),
        "median": float(np.median(times)),
        "runs": len(times),
        "cores": cpu / wall if wall > 0 else 0.0,
        "rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * kib / 1024,
        "worker_rss_mib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * kib / 1024,
    }
    np.save(Path(args.workdir) / f"{name}.npy", np.asarray(result, dtype=np.float64))
    (Path(args.workdir) / f"{name}.json").write_text(json.dumps(metrics))


# ---------------------------------------------------------------------------------------------
# The parent: runs every approach, checks, prints


def run_child(name, args, cpp_lib):
    cmd = [sys.executable, os.path.abspath(__file__), "--child", name,
           "--portfolios", str(args.portfolios), "--bonds", str(args.bonds),
           "--sectors", str(args.sectors), "--seed", str(args.seed),
           "--workdir", args.workdir, "--min-time", str(args.min_time),
           "--max-runs", str(args.max_runs)]
    if args.with_logging:
        cmd.append("--with-logging")
    if cpp_lib:
        cmd += ["--cpp-lib", cpp_lib]
    r = subprocess.run(cmd, stdout=subprocess.PIPE, text=True)
    if r.returncode != 0:
        return None, f"failed (exit {r.returncode}){': ' + r.stdout.strip() if r.stdout else ''}"
    metrics = json.loads((Path(args.workdir) / f"{name}.json").read_text())
    result = np.load(Path(args.workdir) / f"{name}.npy")
    return (metrics, result), None


def fmt_time(s):
    """Milliseconds with three significant digits or more."""
    ms = s * 1e3
    return f"{ms:.3f}" if ms < 1 else f"{ms:.2f}" if ms < 10 else f"{ms:.1f}" if ms < 100 else f"{ms:,.0f}"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--portfolios", type=int, default=20)
    ap.add_argument("--bonds", type=int, default=50_000, help="bonds per portfolio")
    ap.add_argument("--sectors", type=int, default=18)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--with-logging", action="store_true",
                    help="include the article's per-sector target logging in the timings")
    ap.add_argument("--plot", metavar="FILE.png", help="write a bar chart (needs matplotlib)")
    ap.add_argument("--only", metavar="NAMES",
                    help="comma-separated subset of: " + ", ".join(a[0] for a in APPROACHES))
    ap.add_argument("--min-time", type=float, default=1.0,
                    help="repeat a fast approach until this many seconds have passed (default 1)")
    ap.add_argument("--max-runs", type=int, default=50, help="at most this many runs (default 50)")
    ap.add_argument("--no-table", action="store_true",
                    help="leave out the step from a holdings table (pandas)")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--workdir", help=argparse.SUPPRESS)
    ap.add_argument("--cpp-lib", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.portfolios < 0 or args.bonds < 0 or args.sectors < 1:
        ap.error("--portfolios and --bonds must be >= 0 and --sectors >= 1")
    if args.child:
        measure(args.child, args)
        return 0

    names = [a[0] for a in APPROACHES]
    selected = names if not args.only else [n.strip() for n in args.only.split(",")]
    unknown = [n for n in selected if n not in names]
    if unknown:
        ap.error(f"unknown approach(es) {unknown}; choose from {names}")

    import sector_weights as sw

    print(f"Sector weights: {args.portfolios} portfolios x {args.bonds:,} bonds x "
          f"{args.sectors} sectors, target weight 1/{args.sectors}; "
          f"{os.cpu_count()} CPUs; sector_weights {sw.__version__} "
          f"({sw.get_num_threads()} threads); numpy {np.__version__}; "
          f"logging {'included' if args.with_logging else 'excluded'}")
    with tempfile.TemporaryDirectory(prefix="sector-weights-") as workdir:
        args.workdir = workdir
        cpp_lib = None
        if "cpp" in selected:
            cpp_lib, how = compile_cpp(workdir)
            if cpp_lib:
                print(f"C++ baseline compiled: {how}")
            else:
                print(f"C++ baseline skipped: {how}")
                selected.remove("cpp")
        data = Data(args.portfolios, args.bonds, args.sectors, args.seed)
        want = reference(data)
        rows = []
        labels = {a[0]: a[1] for a in APPROACHES}
        for i, name in enumerate(selected, 1):
            print(f"[{i}/{len(selected)}] {labels[name]} ...", end="", flush=True)
            got, error = run_child(name, args, cpp_lib)
            if error:
                print(f" {error}")
                rows.append((name, None, None))
                continue
            metrics, result = got
            err = float(np.max(np.abs(result - want))) if result.size else 0.0
            print(f" {fmt_time(metrics['best'])} ms")
            rows.append((name, metrics, err))
        print_table(rows, labels, args)
        table_ok = True if args.no_table else holdings_step(data, want, args)
        print_log(data, args)
        if args.plot:
            plot(rows, labels, args)
        if args.with_logging and (Path(workdir) / "targets.log").is_file():
            n = sum(1 for _ in open(Path(workdir) / "targets.log"))
            print(f"\n(--with-logging: {n:,} target lines logged to a file during the timings)")
    bad = [name for name, m, err in rows if m is None or err > 1e-12]
    return 1 if bad or not table_ok else 0


# ---------------------------------------------------------------------------------------------
# From a holdings table: the same data as a user holds it


def holdings_step(data, want, args, reps=7):
    """The same portfolios as one shuffled pandas holdings table (fund name, sector name, market
    value; one row per position, in random order), through sw.Holdings, checked against the
    reference and timed next to the pandas one-liner (interleaved, best of `reps`). Returns
    whether the result matched."""
    try:
        import pandas as pd
    except ImportError:
        print("\nFrom a holdings table: skipped (pip install pandas)")
        return True
    import sector_weights as sw

    funds = np.array([f"FUND-{p + 1:02d}" for p in range(data.P)], dtype=object)
    names = np.array(sector_names(data.S), dtype=object)
    order = np.random.default_rng(args.seed).permutation(data.P * data.B)
    df = pd.DataFrame({
        "fund": funds[np.repeat(np.arange(data.P), data.B)][order],
        "sector": names[data.sectors_flat][order],
        "market_value": data.mv_flat[order],
    })

    def ours():
        return sw.Holdings(df, "fund", "sector", "market_value", sectors=list(names)).weights()

    def pandas_one_liner():
        return (df.groupby(["fund", "sector"]).market_value.sum()
                / df.groupby("fund").market_value.sum())

    got = ours()
    err = float(np.max(np.abs(got.to_numpy() - want))) if want.size else 0.0
    times = {"ours": [], "pandas": []}
    for _ in range(reps):
        for name, fn in (("ours", ours), ("pandas", pandas_one_liner)):
            t0 = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - t0)
    best = {k: min(v) for k, v in times.items()}
    print(f"\nFrom a holdings table: the same data as one shuffled pandas table of "
          f"{len(df):,} rows (fund and sector names as pandas' default string dtype), "
          f"best of {reps}, interleaved:\n")
    print("| approach | time (ms) | correct (max abs error) |")
    print("|---|---:|---:|")
    print(f"| sw.Holdings(df, \"fund\", \"sector\", \"market_value\").weights() "
          f"| {fmt_time(best['ours'])} | {err:.1e} |")
    print(f"| pandas one-liner: groupby([fund, sector]).sum() / groupby(fund).sum() "
          f"| {fmt_time(best['pandas'])} | (long Series, not a table) |")
    print(f"\n(sw.Holdings: {best['ours'] / best['pandas']:.2f}x the pandas one-liner's time, "
          "from the frame to a labelled funds x sectors table)")
    return err <= 1e-12


def print_table(rows, labels, args):
    base = next((m["best"] for name, m, _ in rows if name == "iterative" and m), None)
    print()
    print("| approach | time (ms) | speed-up vs iterative | CPU (cores) | peak RSS (MiB) | runs "
          "| correct (max abs error) |")
    print("|---|---:|---:|---:|---:|---:|---|")
    for name, m, err in rows:
        if m is None:
            print(f"| {labels[name]} | failed | | | | | |")
            continue
        speed = f"{base / m['best']:,.0f}x" if base else "-"
        if base and base / m["best"] < 10:
            speed = f"{base / m['best']:.2f}x"
        rss = f"{m['rss_mib']:.0f}"
        if m["worker_rss_mib"] > 0:
            rss += f" (+ workers, largest {m['worker_rss_mib']:.0f})"
        ok = "yes" if err <= 1e-12 else "NO"
        print(f"| {labels[name]} | {fmt_time(m['best'])} | {speed} | {m['cores']:.2f} | {rss} | "
              f"{m['runs']} | {ok} ({err:.1e}) |")
    print("\ntime: best of `runs` runs (fast approaches repeat for about --min-time seconds); "
          "CPU: CPU seconds / wall seconds, workers included; correct: against exactly rounded "
          "sums (math.fsum).")


def print_log(data, args):
    if data.P == 0:
        return
    import sector_weights as sw

    weights = sw.sector_weights(data.mv_flat.reshape(data.P, data.B),
                                data.sectors_flat.reshape(data.P, data.B), data.S)
    print(f"\nSector weights of portfolio 0 against the target 1/{data.S} "
          f"(the article's log, from sector_weights):")
    for line in target_lines(0, weights[0], data.target):
        print("  " + line)


def plot(rows, labels, args):
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print(f"\n--plot: matplotlib is not installed (pip install matplotlib); "
              f"{args.plot} not written")
        return
    done = [(labels[n], m["best"]) for n, m, _ in rows if m]
    fig, ax = plt.subplots(figsize=(10, 0.5 * len(done) + 1.5))
    names = [d[0] for d in done][::-1]
    times = [d[1] * 1e3 for d in done][::-1]
    bars = ax.barh(names, times, color="tab:blue")
    ax.set_xscale("log")
    ax.set_xlabel("milliseconds (log scale, lower is better)")
    ax.set_title(f"Sector weights: {args.portfolios} portfolios x {args.bonds:,} bonds x "
                 f"{args.sectors} sectors")
    for bar, t in zip(bars, times):
        ax.text(bar.get_width(), bar.get_y() + bar.get_height() / 2, f" {fmt_time(t / 1e3)} ms",
                va="center", fontsize=8)
    fig.tight_layout()
    fig.savefig(args.plot, dpi=120)
    print(f"\nplot written to {args.plot}")


if __name__ == "__main__":
    sys.exit(main())
