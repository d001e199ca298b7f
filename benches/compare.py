#!/usr/bin/env python3
"""Times sector-weights against every peer on identical data, in one process, interleaved.

Contenders (each computes the full portfolios x sectors table from the same arrays):

  sw (C)          this library's drop-in `calculate_sector_weights`, called from a C timing loop
  sw (ctypes)     the same entry point through raw ctypes (addresses passed as integers)
  sw (python)     the Python package `sector_weights.sector_weights(w2d, s2d, S, out=out)`, on
                  the same library file (SECTOR_WEIGHTS_LIBRARY, unless already set)
  C loop          a plain single-thread C loop with no checks (gcc -O3), zeroing then summing
  C++ article     the article's C++: 3 std::threads per batch of 3 portfolios, no checks (g++ -O3)
  numpy.bincount  numpy.bincount(portfolio*S + sector, weights, minlength=P*S)
  numpy masked    the article's numpy loop: for p, for s: w[p][sectors[p] == s].sum()
  polars          DataFrame.group_by([p, s]).agg(sum) (frame built before timing), then densified
  pandas          DataFrame.groupby([p, s]).sum() (frame built before timing), then densified
  read floor      a C loop that reads every input byte once on all cores (OpenMP) and nothing else
  sw (C) 1 thread, read floor 1 thread
                  the same two with one thread (for the library: a second copy of the .so loaded
                  separately, its pool set to one thread once): their ratios to the all-core runs
                  show how much of the machine the run really got (other processes share it)

The C and C++ contenders are compiled at run time with gcc/g++. C contenders (sw (C), C loop, C++
article, read floor) are timed by the same C loop through a function pointer; Python contenders by a
Python loop. Ratios are to the library called the same way: C contenders to `sw (C)`, Python ones
to `sw (ctypes)`. For each sample a contender is called k times in a row (k chosen so that a sample
lasts at least --sample-ms); samples of all contenders are interleaved, in a shuffled order per
repetition, so drift and noise from other processes hit every contender alike.

Peak RSS: before one extra call of each contender the kernel's peak-RSS mark is reset
(/proc/self/clear_refs = 5); "extra RSS" is VmHWM after the first call of a case minus VmRSS
before it (after handing free heap memory back with malloc_trim).

Usage:  python benches/compare.py                 # default sizes, writes docs/benchmarks/
        python benches/compare.py --huge          # also 500 x 50,000 (300 MB of input)
        python benches/compare.py --smoke --out /tmp/x   # tiny sizes, every code path (CI)
"""

from __future__ import annotations

import argparse
import ctypes
import datetime
import gc
import json
import os
import platform
import random
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# libgomp reads this once when it loads: idle OpenMP threads sleep instead of spinning, so the read
# floor does not steal a core from the contender timed right after it.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent

C_SOURCE = r"""
#include <stdint.h>
#include <string.h>
#include <time.h>

typedef int32_t (*sw_fn)(const double *, uintmax_t, const int32_t *, uintmax_t, double *, uintmax_t);

/* The plain loop: no checks, one thread. */
int32_t c_loop(const double *w, uintmax_t pf_size, const int32_t *c, uintmax_t num_bonds,
               double *out, uintmax_t num_sectors) {
    for (uintmax_t p = 0; p < pf_size; p++) {
        double *row = out + p * num_sectors;
        const double *wp = w + p * num_bonds;
        const int32_t *cp = c + p * num_bonds;
        memset(row, 0, num_sectors * sizeof(double));
        for (uintmax_t i = 0; i < num_bonds; i++) row[cp[i]] += wp[i];
    }
    return 0;
}

/* The floor: every input byte read once, on all cores, nothing else done with it. */
volatile uint64_t floor_sink;
int32_t read_floor(const double *w, uintmax_t pf_size, const int32_t *c, uintmax_t num_bonds,
                   double *out, uintmax_t num_sectors) {
    (void)out; (void)num_sectors;
    const uint64_t *a = (const uint64_t *)w;
    const uint32_t *b = (const uint32_t *)c;
    size_t n = (size_t)(pf_size * num_bonds);
    uint64_t acc = 0;
    #pragma omp parallel for reduction(^:acc) schedule(static) if(n >= 65536)
    for (size_t i = 0; i < n; i++) acc ^= a[i] ^ b[i];
    floor_sink = acc;
    return 0;
}

/* The floor on one thread. */
int32_t read_floor_1(const double *w, uintmax_t pf_size, const int32_t *c, uintmax_t num_bonds,
                     double *out, uintmax_t num_sectors) {
    (void)out; (void)num_sectors;
    const uint64_t *a = (const uint64_t *)w;
    const uint32_t *b = (const uint32_t *)c;
    size_t n = (size_t)(pf_size * num_bonds);
    uint64_t acc = 0;
    for (size_t i = 0; i < n; i++) acc ^= a[i] ^ b[i];
    floor_sink = acc;
    return 0;
}

/* Calls f(args) `iters` times; returns the status OR-ed over calls, the elapsed ns in *ns. */
int32_t time_calls(void *f, const double *w, uintmax_t pf_size, const int32_t *c,
                   uintmax_t num_bonds, double *out, uintmax_t num_sectors, uint64_t iters,
                   double *ns) {
    sw_fn fn = (sw_fn)f;
    int32_t st = 0;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (uint64_t k = 0; k < iters; k++) {
        st |= fn(w, pf_size, c, num_bonds, out, num_sectors);
        __asm__ volatile("" ::: "memory");
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    *ns = (double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec);
    return st;
}
"""

CPP_SOURCE = r"""
#include <cstdint>
#include <cstring>
#include <thread>
#include <vector>

// One portfolio, as in the article: no checks at all.
static void portfolio_sector_weights(const double *w, const int32_t *c, uintmax_t num_bonds,
                                     double *out, uintmax_t num_sectors) {
    std::memset(out, 0, num_sectors * sizeof(double));
    for (uintmax_t i = 0; i < num_bonds; ++i) out[c[i]] += w[i];
}

// The article's driver: three std::threads per batch of three portfolios, joined per batch.
extern "C" int32_t article_cpp(const double *w, uintmax_t pf_size, const int32_t *c,
                               uintmax_t num_bonds, double *out, uintmax_t num_sectors) {
    for (uintmax_t p = 0; p < pf_size; p += 3) {
        std::vector<std::thread> threads;
        for (uintmax_t q = p; q < pf_size && q < p + 3; ++q)
            threads.emplace_back(portfolio_sector_weights, w + q * num_bonds, c + q * num_bonds,
                                 num_bonds, out + q * num_sectors, num_sectors);
        for (auto &t : threads) t.join();
    }
    return 0;
}
"""

DEFAULT_SIZES = "1x100,1x10000,20x50000,1x20000000,100000x100"
HUGE_SIZE = "500x50000"
DEFAULT_SECTORS = "18,1000,65536"
# Cases whose output exceeds this many doubles are skipped (100,000 x 100 with 1,000+ sectors
# would write 0.8-52 GB of mostly zeros: not a grouping benchmark).
MAX_OUTPUT = 1 << 24
# The article's masked loop costs P*S*B element visits; beyond this it is skipped (minutes).
MASKED_MAX_VISITS = 2_000_000_000
MASKED_MAX_PYCALLS = 200_000

ALL_CONTENDERS = [
    "sw (C)",
    "sw (ctypes)",
    "sw (python)",
    "C loop",
    "C++ article",
    "numpy.bincount",
    "numpy masked",
    "polars",
    "pandas",
    "read floor",
    "sw (C) 1 thread",
    "read floor 1 thread",
]
C_SIDE = {"sw (C)", "C loop", "C++ article", "read floor", "sw (C) 1 thread", "read floor 1 thread"}


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def compile_baselines(workdir: Path) -> tuple[ctypes.CDLL, ctypes.CDLL]:
    c_src = workdir / "baselines.c"
    c_src.write_text(C_SOURCE)
    c_so = workdir / "baselines.so"
    cpp_src = workdir / "article.cpp"
    cpp_src.write_text(CPP_SOURCE)
    cpp_so = workdir / "article.so"
    # -march=native only for the floor's benefit (vector loads); the scatter loop cannot vectorise.
    subprocess.run(
        ["gcc", "-O3", "-march=native", "-fopenmp", "-shared", "-fPIC", "-o", c_so, c_src],
        check=True,
    )
    subprocess.run(
        ["g++", "-O3", "-shared", "-fPIC", "-pthread", "-o", cpp_so, cpp_src], check=True
    )
    return ctypes.CDLL(str(c_so)), ctypes.CDLL(str(cpp_so))


SW_ARGTYPES = [
    ctypes.c_void_p,
    ctypes.c_uint64,
    ctypes.c_void_p,
    ctypes.c_uint64,
    ctypes.c_void_p,
    ctypes.c_uint64,
]


def load_library(path: Path) -> ctypes.CDLL:
    lib = ctypes.CDLL(str(path))
    lib.calculate_sector_weights.argtypes = SW_ARGTYPES
    lib.calculate_sector_weights.restype = ctypes.c_int32
    lib.sw_set_num_threads.argtypes = [ctypes.c_size_t]
    lib.sw_set_num_threads.restype = ctypes.c_int32
    lib.sw_get_num_threads.argtypes = []
    lib.sw_get_num_threads.restype = ctypes.c_size_t
    lib.sw_last_error_message.argtypes = [ctypes.c_char_p, ctypes.c_size_t]
    lib.sw_last_error_message.restype = ctypes.c_size_t
    return lib


def load_one_thread_copy(lib_path: Path, tmp: Path) -> ctypes.CDLL:
    """A second, separately loaded copy of the library whose pool is set to one thread once.

    Switching the one shared pool between 1 thread and all threads around every sample would
    rebuild it each time, and a freshly started pool can spend its first milliseconds with both
    workers on one CPU: "sw (C)" then ran at one-thread speed in some samples."""
    copy = tmp / "libsector_weights_one_thread.so"
    shutil.copyfile(lib_path, copy)
    lib1 = load_library(copy)
    if c_addr(lib1.calculate_sector_weights) == c_addr(load_library(lib_path).calculate_sector_weights):
        raise RuntimeError(f"{copy} was not loaded as a separate copy (same soname?)")
    if lib1.sw_set_num_threads(1) != 0:
        raise RuntimeError(f"sw_set_num_threads(1) failed: {last_error(lib1)}")
    return lib1


def c_addr(fn) -> int:
    return ctypes.cast(fn, ctypes.c_void_p).value


def last_error(lib) -> str:
    buf = ctypes.create_string_buffer(512)
    lib.sw_last_error_message(buf, 512)
    return buf.value.decode()


try:
    _LIBC = ctypes.CDLL("libc.so.6")
except OSError:
    _LIBC = None


def vm_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/self/status")


def extra_peak_rss_mib(call) -> float | None:
    """Peak RSS above the resident baseline during one call, or None if it cannot be reset.
    Free heap memory is handed back to the system first (glibc malloc_trim), so memory that an
    earlier call freed but kept does not hide what this call allocates."""
    gc.collect()
    if _LIBC is not None and hasattr(_LIBC, "malloc_trim"):
        _LIBC.malloc_trim(0)
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return None
    before = vm_kib("VmRSS")
    call()
    return max(0, vm_kib("VmHWM") - before) / 1024.0


class Case:
    """One size: identical data for every contender, and one output buffer per contender."""

    def __init__(self, p: int, b: int, s: int, seed: int):
        rng = np.random.default_rng(seed)
        self.p, self.b, self.s = p, b, s
        # As in the article: uniform weights normalised per portfolio, uniform random sectors.
        w = rng.uniform(0.0, 1.0, size=(p, b))
        w /= w.sum(axis=1, keepdims=True)
        self.w2 = np.ascontiguousarray(w)
        self.c2 = rng.integers(0, s, size=(p, b), dtype=np.int32)
        self.w = self.w2.reshape(-1)
        self.c = self.c2.reshape(-1)
        self.pid = np.repeat(np.arange(p, dtype=np.int64), b)

    @property
    def n(self) -> int:
        return self.p * self.b

    def label(self) -> str:
        return f"{self.p:,}x{self.b:,} S={self.s:,}"


def make_contenders(case: Case, lib, lib1, base, cpp, want: set[str]):
    """Name -> (kind, thing, out array). kind 'c': function pointer for the C timing loop;
    kind 'py': a zero-argument Python callable. (Closures bind their own output through default
    arguments: the names are reused for every contender.)"""
    p, b, s = case.p, case.b, case.s
    w, c = case.w, case.c
    res = {}

    def out():
        return np.full((p, s), np.nan)

    def c_ptr(fn) -> int:
        return ctypes.cast(fn, ctypes.c_void_p).value

    if "sw (C)" in want:
        res["sw (C)"] = ("c", c_ptr(lib.calculate_sector_weights), out())
    if "C loop" in want:
        res["C loop"] = ("c", c_ptr(base.c_loop), out())
    if "C++ article" in want:
        res["C++ article"] = ("c", c_ptr(cpp.article_cpp), out())
    if "read floor" in want:
        res["read floor"] = ("c", c_ptr(base.read_floor), out())
    if "read floor 1 thread" in want:
        res["read floor 1 thread"] = ("c", c_ptr(base.read_floor_1), out())
    if "sw (C) 1 thread" in want:
        res["sw (C) 1 thread"] = ("c", c_ptr(lib1.calculate_sector_weights), out())

    if "sw (ctypes)" in want:
        o = out()
        f = lib.calculate_sector_weights
        args = (w.ctypes.data, p, c.ctypes.data, b, o.ctypes.data, s)

        def sw_ctypes(f=f, args=args):
            st = f(*args)
            if st != 0:
                raise RuntimeError(f"calculate_sector_weights returned {st}: {last_error(lib)}")

        res["sw (ctypes)"] = ("py", sw_ctypes, o)

    if "sw (python)" in want:
        try:
            import sector_weights as swpkg

            fn = swpkg.sector_weights
        except ImportError as e:
            log(f"  sw (python): package not importable ({e}); skipped")
        else:
            o = out()
            w2, c2 = case.w2, case.c2
            res["sw (python)"] = ("py", lambda o=o: fn(w2, c2, s, out=o), o)

    if "numpy.bincount" in want:
        o = out()
        of = o.reshape(-1)
        pid = case.pid

        def bincount(of=of):
            of[:] = np.bincount(pid * s + c, weights=w, minlength=p * s)

        res["numpy.bincount"] = ("py", bincount, o)

    if "numpy masked" in want:
        if p * s * b > MASKED_MAX_VISITS or p * s > MASKED_MAX_PYCALLS:
            log(f"  numpy masked: {p * s * b:.2g} element visits / {p * s:,} Python calls; skipped")
        else:
            o = out()
            w2, c2 = case.w2, case.c2

            def masked(o=o):
                # The article's numpy version, per portfolio and per sector.
                for i in range(p):
                    wi, ci = w2[i], c2[i]
                    for k in range(s):
                        o[i, k] = wi[ci == k].sum()

            res["numpy masked"] = ("py", masked, o)

    if "polars" in want:
        try:
            import polars as pl
        except ImportError:
            log("  polars: not installed; skipped")
        else:
            o = out()
            of = o.reshape(-1)
            df_pl = pl.DataFrame({"p": case.pid, "s": c, "w": w})

            def polars_groupby(of=of, df_pl=df_pl):
                g = df_pl.group_by(["p", "s"]).agg(pl.col("w").sum())
                of[:] = 0.0
                of[g["p"].to_numpy() * s + g["s"].to_numpy()] = g["w"].to_numpy()

            res["polars"] = ("py", polars_groupby, o)

    if "pandas" in want:
        try:
            import pandas as pd
        except ImportError:
            log("  pandas: not installed; skipped")
        else:
            o = out()
            of = o.reshape(-1)
            df_pd = pd.DataFrame({"p": case.pid, "s": c, "w": w})

            def pandas_groupby(of=of, df_pd=df_pd):
                g = df_pd.groupby(["p", "s"], sort=False)["w"].sum()
                of[:] = 0.0
                of[
                    g.index.get_level_values(0).to_numpy() * s
                    + g.index.get_level_values(1).to_numpy()
                ] = g.to_numpy()

            res["pandas"] = ("py", pandas_groupby, o)
    return res


def run_once(case: Case, base, kind, thing, out, iters: int) -> float:
    """Seconds per call over `iters` back-to-back calls."""
    if kind == "c":
        ns = ctypes.c_double()
        st = base.time_calls(
            ctypes.c_void_p(thing),
            ctypes.c_void_p(case.w.ctypes.data),
            ctypes.c_uint64(case.p),
            ctypes.c_void_p(case.c.ctypes.data),
            ctypes.c_uint64(case.b),
            ctypes.c_void_p(out.ctypes.data),
            ctypes.c_uint64(case.s),
            ctypes.c_uint64(iters),
            ctypes.byref(ns),
        )
        if st != 0:
            raise RuntimeError(f"status {st} from a C contender")
        return ns.value / 1e9 / iters
    t0 = time.perf_counter_ns()
    for _ in range(iters):
        thing()
    return (time.perf_counter_ns() - t0) / 1e9 / iters


def bench_case(case: Case, lib, lib1, base, cpp, want, reps: int, sample_s: float, seed: int):
    base.time_calls.restype = ctypes.c_int32
    contenders = make_contenders(case, lib, lib1, base, cpp, want)
    # The first call measures peak memory (before the allocator has anything cached from this
    # case) and is the correctness run; then pick k so that one sample lasts >= sample_s.
    iters = {}
    rss = {}
    for name, (kind, thing, out) in contenders.items():
        rss[name] = extra_peak_rss_mib(lambda: run_once(case, base, kind, thing, out, 1))
        t = run_once(case, base, kind, thing, out, 1)
        t = min(t, run_once(case, base, kind, thing, out, 1))
        iters[name] = max(1, min(1_000_000, int(sample_s / max(t, 1e-9))))

    # Every contender must have computed the same table (the read floor computes nothing).
    reference = None
    for name in ("sw (C)", "sw (ctypes)"):
        if name in contenders:
            reference = contenders[name][2]
            break
    if reference is not None:
        assert np.isfinite(reference).all(), "the library left NaN in its output"
        for name, (_, _, out) in contenders.items():
            if name.startswith("read floor"):
                continue
            if not np.allclose(out, reference, rtol=1e-9, atol=1e-12):
                bad = np.argwhere(~np.isclose(out, reference, rtol=1e-9, atol=1e-12))[0]
                raise AssertionError(
                    f"{name} disagrees with the library on {case.label()} at {tuple(bad)}: "
                    f"{out[tuple(bad)]!r} vs {reference[tuple(bad)]!r}"
                )

    samples = {name: [] for name in contenders}
    order = list(contenders)
    shuffler = random.Random(seed)
    for _ in range(reps):
        shuffler.shuffle(order)
        for name in order:
            kind, thing, out = contenders[name]
            samples[name].append(run_once(case, base, kind, thing, out, iters[name]))

    return samples, iters, rss


def determinism_check(case: Case, lib, lib1, nthreads: int):
    """The library's result must be bit-identical with 1 thread (the one-thread copy) and with
    every core (the main copy)."""
    outs = []
    for one in (lib1, lib):
        o = np.full((case.p, case.s), np.nan)
        st = one.calculate_sector_weights(
            case.w.ctypes.data, case.p, case.c.ctypes.data, case.b, o.ctypes.data, case.s
        )
        if st != 0:
            raise RuntimeError(f"calculate_sector_weights returned {st}: {last_error(one)}")
        outs.append(o)
    if outs[0].tobytes() != outs[1].tobytes():
        raise AssertionError(f"1-thread and {nthreads}-thread results differ on {case.label()}")


def fmt_time(t: float) -> str:
    if t < 1e-6:
        return f"{t * 1e9:.0f} ns"
    if t < 1e-3:
        return f"{t * 1e6:.2f} µs"
    if t < 1:
        return f"{t * 1e3:.2f} ms"
    return f"{t:.2f} s"


def machine() -> dict:
    model = platform.processor() or "?"
    try:
        for line in subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines():
            if line.startswith("Model name:"):
                model = line.split(":", 1)[1].strip()
    except OSError:
        pass

    def version(cmd):
        try:
            return subprocess.run(cmd, capture_output=True, text=True).stdout.splitlines()[0]
        except (OSError, IndexError):
            return "?"

    mods = {}
    for m in ("numpy", "polars", "pandas", "matplotlib"):
        try:
            mods[m] = __import__(m).__version__
        except ImportError:
            mods[m] = "not installed"
    return {
        "cpu": model,
        "cpus": os.cpu_count(),
        "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
        "gcc": version(["gcc", "--version"]),
        "rustc": version(["rustc", "--version"]),
        "git": version(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"]),
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "load_start": " ".join(f"{x:.2f}" for x in os.getloadavg()),
        **mods,
    }


def summarise(results: list[dict]) -> list[dict]:
    rows = []
    for r in results:
        med = {k: statistics.median(v) for k, v in r["samples"].items()}
        for name, v in r["samples"].items():
            base = "sw (C)" if name in C_SIDE else "sw (ctypes)"
            ratio = med[name] / med[base] if base in med else None
            rows.append(
                {
                    "case": r["case"],
                    "p": r["p"],
                    "b": r["b"],
                    "s": r["s"],
                    "contender": name,
                    "median_s": med[name],
                    "min_s": min(v),
                    "max_s": max(v),
                    "ratio": ratio,
                    "calls_per_sample": r["iters"][name],
                    "extra_rss_mib": r["rss"][name],
                }
            )
    return rows


def targets(rows: list[dict]) -> list[tuple[str, str, str]]:
    """Issue 4's targets evaluated on this run: (target, measured, verdict)."""
    med = {(r["p"], r["b"], r["s"], r["contender"]): r["median_s"] for r in rows}
    out = []

    def check(label, key_sw, key_other, limit, extra=0.0):
        a, b = med.get(key_sw), med.get(key_other)
        if a is None or b is None:
            return
        ratio = a / b
        if extra:
            bound = limit * b + extra
            out.append(
                (
                    label,
                    f"{fmt_time(a)} vs {limit:g} x {fmt_time(b)} + {fmt_time(extra)} = {fmt_time(bound)}",
                    "met" if a <= bound else f"missed by {a / bound:.2f}x",
                )
            )
        else:
            out.append(
                (
                    label,
                    f"{ratio:.3f} ({fmt_time(a)} / {fmt_time(b)})",
                    "met" if ratio <= limit else f"missed by {ratio / limit:.2f}x",
                )
            )

    art = (20, 50_000, 18)
    check("20x50,000: sw <= 0.25 x numpy.bincount", (*art, "sw (ctypes)"), (*art, "numpy.bincount"), 0.25)
    check("20x50,000: sw <= 0.30 x C++ article", (*art, "sw (C)"), (*art, "C++ article"), 0.30)
    check("20x50,000: sw <= 0.80 x C loop", (*art, "sw (C)"), (*art, "C loop"), 0.80)
    check("500x50,000: sw <= 1.25 x read floor", (500, 50_000, 18, "sw (C)"), (500, 50_000, 18, "read floor"), 1.25)
    check(
        "1x20,000,000: sw <= 1.30 x read floor",
        (1, 20_000_000, 18, "sw (C)"),
        (1, 20_000_000, 18, "read floor"),
        1.30,
    )
    for (p, b, s, name) in sorted(med):
        if name == "sw (C)" and s in (1_000, 65_536):
            check(f"{p:,}x{b:,} S={s:,}: sw <= C loop", (p, b, s, "sw (C)"), (p, b, s, "C loop"), 1.0)
    check("1x100 from C: sw <= 2 x C loop + 100 ns", (1, 100, 18, "sw (C)"), (1, 100, 18, "C loop"), 2.0, 100e-9)
    if (1, 100, 18, "sw (python)") in med:
        t = med[(1, 100, 18, "sw (python)")]
        out.append(("1x100: Python package <= 8 µs", fmt_time(t), "met" if t <= 8e-6 else f"missed by {t / 8e-6:.2f}x"))
    check("20x50,000: Python package <= 1.05 x raw ctypes", (*art, "sw (python)"), (*art, "sw (ctypes)"), 1.05)
    return out


def scaling_lines(rows) -> list[str]:
    """How much faster all threads were than one, for the library and the read floor: on a
    machine shared with other work this shows how much of it the run got."""
    med = {(r["case"], r["contender"]): r["median_s"] for r in rows}
    out = []
    big = {r["case"] for r in rows if r["p"] * r["b"] >= 1_000_000}
    for case in [c for c in dict.fromkeys(r["case"] for r in rows) if c in big]:
        pairs = [("read floor", "read floor 1 thread"), ("sw (C)", "sw (C) 1 thread")]
        got = [(med.get((case, a)), med.get((case, b))) for a, b in pairs]
        if all(a and b for a, b in got):
            (fa, f1), (sa, s1) = got
            out.append(f"| {case} | {f1 / fa:.2f}x | {s1 / sa:.2f}x |")
    if not out:
        return []
    return [
        "Speed-up from 1 thread to all threads in this run (the read floor's shows how much of the "
        "machine the run got; other processes share it):",
        "",
        "| case | read floor | sw (C) |",
        "|---|---:|---:|",
        *out,
        "",
    ]


def write_summary(path: Path, rows, tgt, info, command: str):
    """A compact page for the README: targets, then the library's time and every contender's
    ratio to it, one row per case."""
    names = [c for c in ALL_CONTENDERS if any(r["contender"] == c for r in rows)]
    others = [c for c in names if c not in ("sw (C)", "sw (ctypes)")]
    lines = [
        f"Measured by `{command}` on {info['cpu']} ({info['cpus']} CPUs, {info['memory_gib']} GiB), "
        f"commit {info['git']}, {info['date']}; load average {info['load_start']} at the start, "
        f"{info['load_end']} at the end.",
        "",
    ]
    if tgt:
        lines += ["| target (issue 4) | measured | verdict |", "|---|---|---|"]
        lines += [f"| {a} | {b} | {c} |" for a, b, c in tgt]
        lines.append("")
    lines += [
        "Time of `sw (C)` per call (median), and each contender's median time divided by this "
        "library's called the same way (> 1: slower than this library): C, C++ and the read "
        "floor over `sw (C)`; Python contenders over `sw (ctypes)`.",
        "",
        "| case | sw (C) | " + " | ".join(others) + " |",
        "|---|---:|" + "---:|" * len(others),
    ]
    cases = []
    for r in rows:
        if r["case"] not in cases:
            cases.append(r["case"])
    for case in cases:
        by = {r["contender"]: r for r in rows if r["case"] == case}
        if "sw (C)" not in by:
            continue
        cells = []
        for c in others:
            r = by.get(c)
            cells.append("—" if r is None or r["ratio"] is None else f"{r['ratio']:.2f}")
        lines.append(f"| {case} | {fmt_time(by['sw (C)']['median_s'])} | " + " | ".join(cells) + " |")
    lines += [""] + scaling_lines(rows)
    path.write_text("\n".join(lines) + "\n")


def write_markdown(path: Path, rows, tgt, info, command: str, notes: list[str]):
    lines = [
        "# Benchmark results",
        "",
        f"Command: `{command}`",
        "",
        f"Machine: {info['cpu']}, {info['cpus']} CPUs, {info['memory_gib']} GiB; {info['os']}; "
        f"Python {info['python']}, numpy {info['numpy']}, polars {info['polars']}, "
        f"pandas {info['pandas']}; {info['gcc']}; {info['rustc']}; commit {info['git']}; {info['date']}.",
        "",
        f"Load average (1, 5, 15 min) at the start: {info['load_start']}; at the end: "
        f"{info['load_end']} (other processes share the machine: a load near or above the CPU "
        "count means the library's threads and the read floor's got less than all cores).",
        "",
        "Times are per call: median, min and max over the interleaved repetitions (each sample is the "
        "mean of `k` back-to-back calls). `ratio` is the contender's median over this library's median "
        "called the same way: C contenders over `sw (C)`, Python ones over `sw (ctypes)` (so > 1 "
        "means slower than this library). `extra RSS` is the peak resident memory above the baseline "
        "during the first call of the case (free heap memory trimmed first; memory the allocator "
        "still holds from earlier cases is reused without being counted).",
        "",
    ]
    if notes:
        lines += [f"- {n}" for n in notes] + [""]
    if tgt:
        lines += ["## Issue 4 targets in this run", "", "| target | measured | verdict |", "|---|---|---|"]
        lines += [f"| {a} | {b} | {c} |" for a, b, c in tgt]
        lines.append("")
    lines += scaling_lines(rows)
    lines += ["## All cases", ""]
    cases = []
    for r in rows:
        if r["case"] not in cases:
            cases.append(r["case"])
    for case in cases:
        lines += [
            f"### {case}",
            "",
            "| contender | median | min | max | ratio | k | extra RSS |",
            "|---|---:|---:|---:|---:|---:|---:|",
        ]
        for r in sorted((r for r in rows if r["case"] == case), key=lambda r: r["median_s"]):
            ratio = "" if r["ratio"] is None else f"{r['ratio']:.2f}"
            rss = "?" if r["extra_rss_mib"] is None else f"{r['extra_rss_mib']:.1f} MiB"
            lines.append(
                f"| {r['contender']} | {fmt_time(r['median_s'])} | {fmt_time(r['min_s'])} | "
                f"{fmt_time(r['max_s'])} | {ratio} | {r['calls_per_sample']} | {rss} |"
            )
        lines.append("")
    path.write_text("\n".join(lines))


def plots(outdir: Path, rows) -> list[Path]:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        log("matplotlib not installed: no plots")
        return []
    made = []
    for s in sorted({r["s"] for r in rows}):
        sel = [r for r in rows if r["s"] == s]
        if len({r["p"] * r["b"] for r in sel}) < 2:
            continue
        fig, ax = plt.subplots(figsize=(9, 6))
        for i, name in enumerate(ALL_CONTENDERS):
            mine = [r for r in sel if r["contender"] == name]
            if not mine:
                continue
            color = f"C{i % 10}"
            lw = 2.5 if name.startswith("sw") else 1.3
            # Few large portfolios form the line; many small ones (another shape of the same
            # number of bonds) are separate crosses, so the line does not zigzag between shapes.
            line = sorted((r["p"] * r["b"], r["median_s"]) for r in mine if r["p"] < 1000)
            many = [(r["p"] * r["b"], r["median_s"]) for r in mine if r["p"] >= 1000]
            ls = "--" if "1 thread" in name else "-"
            ax.plot([x for x, _ in line], [y for _, y in line], marker="o", color=color, lw=lw, ls=ls, label=name)
            if many:
                ax.plot([x for x, _ in many], [y for _, y in many], "x", color=color, ms=9, mew=2)
        shapes = sorted({(r["p"] * r["b"], f"{r['p']:,}x{r['b']:,}") for r in sel})
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xticks([x for x, _ in shapes])
        ax.set_xticklabels([lab for _, lab in shapes], rotation=30, ha="right", fontsize=8)
        ax.minorticks_off()
        ax.set_xlabel("portfolios x bonds (total bonds, log scale; crosses: 1,000+ small portfolios)")
        ax.set_ylabel("seconds per call (median, log scale)")
        ax.set_title(f"Sector weights, {s:,} sectors: time vs bonds")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
        fig.tight_layout()
        path = outdir / f"time_vs_bonds_s{s}.png"
        fig.savefig(path, dpi=110)
        plt.close(fig)
        made.append(path)

    art = [r for r in rows if (r["p"], r["b"]) == (20, 50_000)]
    sectors = sorted({r["s"] for r in art})
    if art:
        fig, axes = plt.subplots(1, len(sectors), figsize=(6 * len(sectors), 5), squeeze=False)
        for ax, s in zip(axes[0], sectors):
            sel = sorted((r for r in art if r["s"] == s and r["ratio"] is not None), key=lambda r: r["ratio"])
            names = [r["contender"] for r in sel]
            vals = [r["ratio"] for r in sel]
            colors = ["tab:green" if n.startswith("sw") else "tab:gray" if n == "read floor" else "tab:blue" for n in names]
            ax.barh(names, vals, color=colors)
            ax.set_xscale("log")
            ax.axvline(1.0, color="black", lw=1)
            for y, v in enumerate(vals):
                ax.text(v, y, f" {v:.2f}x", va="center", fontsize=8)
            ax.set_title(f"20 x 50,000, {s:,} sectors")
            ax.set_xlabel("time / this library's time (log; > 1 = slower)")
        fig.suptitle("Each contender's time relative to sector-weights at the article size")
        fig.tight_layout()
        path = outdir / "speedup_20x50000.png"
        fig.savefig(path, dpi=110)
        plt.close(fig)
        made.append(path)
    return made


def parse_sizes(text: str) -> list[tuple[int, int]]:
    out = []
    for part in text.split(","):
        p, b = part.lower().replace("_", "").split("x")
        out.append((int(p), int(b)))
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default=DEFAULT_SIZES, help=f"PxB list (default {DEFAULT_SIZES})")
    ap.add_argument("--huge", action="store_true", help=f"also {HUGE_SIZE} (300 MB of input; slow)")
    ap.add_argument("--sectors", default=DEFAULT_SECTORS, help=f"sector counts (default {DEFAULT_SECTORS})")
    ap.add_argument("--reps", type=int, default=7, help="interleaved repetitions per case")
    ap.add_argument("--sample-ms", type=float, default=20.0, help="minimum duration of one sample")
    ap.add_argument("--only", help="comma-separated contenders (default: all)")
    ap.add_argument("--lib", default=str(ROOT / "target/release/libsector_weights.so"))
    ap.add_argument("--out", default=str(ROOT / "docs/benchmarks"), help="output directory")
    ap.add_argument("--seed", type=int, default=2024)
    ap.add_argument("--smoke", action="store_true", help="tiny sizes, 2 reps: checks every code path")
    ap.add_argument(
        "--require-all",
        action="store_true",
        help="fail unless every contender ran in every case (the smoke test uses this)",
    )
    args = ap.parse_args(argv)

    if args.smoke:
        args.sizes, args.sectors, args.reps, args.sample_ms = "1x100,20x500,3x40000", "18,70", 2, 1.0
    sizes = parse_sizes(args.sizes)
    if args.huge:
        sizes += parse_sizes(HUGE_SIZE)
    sector_counts = [int(x) for x in args.sectors.split(",")]
    want = set(ALL_CONTENDERS if not args.only else [x.strip() for x in args.only.split(",")])
    unknown = want - set(ALL_CONTENDERS)
    if unknown:
        ap.error(f"unknown contenders {sorted(unknown)}; known: {ALL_CONTENDERS}")
    want |= {"sw (C)", "sw (ctypes)"}  # the baselines of every ratio

    lib_path = Path(args.lib)
    if not lib_path.exists():
        ap.error(f"{lib_path} does not exist: run `cargo build --release` first")
    lib = load_library(lib_path)
    # The package loads this same file (one library, one thread pool in the process), unless
    # the caller chose another on purpose.
    os.environ.setdefault("SECTOR_WEIGHTS_LIBRARY", str(lib_path.resolve()))
    outdir = Path(args.out)
    outdir.mkdir(parents=True, exist_ok=True)
    info = machine()
    command = shlex.join(["python", "benches/compare.py", *(argv if argv is not None else sys.argv[1:])])
    log(f"machine: {info['cpu']}, {info['cpus']} CPUs; library {lib_path}")
    nthreads = lib.sw_get_num_threads()

    notes = []
    results = []
    with tempfile.TemporaryDirectory(prefix="sw-bench-") as tmp:
        base, cpp = compile_baselines(Path(tmp))
        lib1 = load_one_thread_copy(lib_path, Path(tmp))
        base.time_calls.restype = ctypes.c_int32
        seed = args.seed
        for p, b in sizes:
            for s in sector_counts:
                if p * s > MAX_OUTPUT:
                    note = f"{p:,}x{b:,} with {s:,} sectors skipped: output of {p * s:,} doubles"
                    notes.append(note)
                    log(note)
                    continue
                seed += 1
                t0 = time.perf_counter()
                case = Case(p, b, s, seed)
                log(f"{case.label()}: data ready in {time.perf_counter() - t0:.1f} s")
                determinism_check(case, lib, lib1, nthreads)
                samples, iters, rss = bench_case(
                    case, lib, lib1, base, cpp, want, args.reps, args.sample_ms / 1e3, seed
                )
                results.append(
                    {
                        "case": case.label(),
                        "p": p,
                        "b": b,
                        "s": s,
                        "samples": samples,
                        "iters": iters,
                        "rss": rss,
                    }
                )
                med = {k: statistics.median(v) for k, v in samples.items()}
                for name in sorted(med, key=med.get):
                    log(f"    {name:15s} {fmt_time(med[name]):>10s}")
                log(f"  done in {time.perf_counter() - t0:.1f} s")
                del case
                gc.collect()

    if "numpy masked" in want:
        notes.append(
            f"numpy masked (the article's loop) is skipped where it would make more than "
            f"{MASKED_MAX_VISITS:.0e} element visits or {MASKED_MAX_PYCALLS:,} Python-level calls."
        )
    if not args.huge and not args.smoke:
        notes.append(f"{HUGE_SIZE} (300 MB) runs only with --huge.")
    if args.require_all:
        for r in results:
            missing = [c for c in sorted(want) if c not in r["samples"]]
            if missing:
                log(f"FAILED: {r['case']}: contenders did not run: {', '.join(missing)}")
                return 1
    info["load_end"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    rows = summarise(results)
    tgt = targets(rows)
    (outdir / "results.json").write_text(json.dumps({"machine": info, "command": command, "rows": rows}, indent=1))
    write_markdown(outdir / "results.md", rows, tgt, info, command, notes)
    write_summary(outdir / "summary.md", rows, tgt, info, command)
    made = plots(outdir, rows)
    log(f"wrote {outdir / 'results.md'}, {outdir / 'results.json'}" + "".join(f", {m}" for m in made))
    for a, b, c in tgt:
        log(f"  {a}: {b} -> {c}")
    return 0


if __name__ == "__main__":
    if shutil.which("gcc") is None or shutil.which("g++") is None:
        sys.exit("compare.py needs gcc and g++ on PATH to build the C and C++ contenders")
    sys.exit(main())
