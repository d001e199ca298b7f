#!/usr/bin/env python3
"""Times sector-weights against every peer on identical data, interleaved, in three runs.

Contenders (each computes the full portfolios x sectors table from the same arrays, no checks
except the library's own):

  sw (C)            this library's drop-in `calculate_sector_weights`, called from a C timing loop
  sw (ctypes)       the same entry point through raw ctypes (addresses passed as integers)
  sw (python)       the Python package `sector_weights.sector_weights(w2d, s2d, S, out=out)`, on
                    the same library file (SECTOR_WEIGHTS_LIBRARY, unless already set)
  sw (C) 1 thread   a second, separately loaded copy of the library, its pool set to 1 thread
  C loop            a plain single-thread C loop (gcc -O3), zeroing then summing
  C++ article       the article's C++: 3 std::threads per batch of 3 portfolios (g++ -O3)
  OpenMP C          per-(portfolio, chunk) private tables on OpenMP's pool, then a reduction
  numba             the same algorithm with numba prange (benches/compare_numba.py)
  numpy.bincount    numpy.bincount(portfolio*S + sector, weights, minlength=P*S)
  numpy masked      the article's numpy loop: for p, for s: w[p][sectors[p] == s].sum()
  polars, pandas    group_by / groupby on (portfolio, sector), sum, then densified
  duckdb            SELECT p, s, sum(w) FROM bonds GROUP BY p, s on an in-memory table
  boost-histogram   a 2-D weighted histogram filled with threads= all cores
  true floor        every input byte loaded once, vectorised, on OpenMP's pool of all cores,
                    nothing else (its GB/s is printed); true floor 1 thread: the same on one
                    thread. No implementation that reads its input can beat the floor where
                    memory bandwidth decides.
  floor + output    the true floor's reads plus every output double stored once, on all cores:
                    the floor where the output is large (many sectors, few bonds)

Runs, each in its own process (ratios are only ever taken within one run):

  run B   the library, OpenMP C, numba and the floor alone (OMP_WAIT_POLICY=PASSIVE)
  run A   every contender: the pools of polars, duckdb, boost-histogram, numba and OpenMP all
          live in the process and run in between the library's samples (PASSIVE)
  run N   the library and OpenMP C under OpenMP's default wait policy (idle OpenMP threads spin
          after each parallel region): a neighbour library's spinning pool. OpenMP reads
          OMP_WAIT_POLICY once, when libgomp starts, so this needs its own process.

Data: uniform random sectors; weights are uniform multiples of 2^-m (m = 20 + ceil(log2 B),
numerators below 2^20, so a portfolio's weights sum to at most 1). Every partial sum of such
weights is exact in double, in any order: each contender's table must equal the exact sums bit
for bit, checked before it is timed and again after. The library is also checked to be
bit-identical with 1 thread and all threads on the article's data (uniform weights normalised
per portfolio), where the order of additions matters.

Timing: C contenders are called through one C loop (function pointer), Python ones by a Python
loop. A sample is k back-to-back calls (k such that it lasts at least --sample-ms); samples of all
contenders are interleaved, in a shuffled order per repetition, so load from other processes
hits every contender alike. Then the isolated calls, interleaved the same way: one call after
--idle-ms asleep, and one call right after a neighbour's OpenMP parallel region (sw (C), sw (C)
1 thread and OpenMP C, timed in C).

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
import math
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

ROOT = Path(__file__).resolve().parent.parent
BENCHES = Path(__file__).resolve().parent

DEFAULT_SIZES = "1x100,1x10000,20x50000,1x20000000,100000x100"
HUGE_SIZE = "500x50000"
DEFAULT_SECTORS = "18,1000,65536"
SMOKE = {"sizes": "1x100,20x500,3x40000", "sectors": "18,70", "reps": 2, "sample_ms": 1.0, "isolated": 3}
# Cases whose output exceeds this many doubles are skipped (100,000 x 100 with 1,000+ sectors
# would write 0.8-52 GB of mostly zeros: not a grouping benchmark).
MAX_OUTPUT = 1 << 24

ALL_CONTENDERS = [
    "sw (C)",
    "sw (ctypes)",
    "sw (python)",
    "sw (C) 1 thread",
    "C loop",
    "C++ article",
    "OpenMP C",
    "numba",
    "numpy.bincount",
    "numpy masked",
    "polars",
    "pandas",
    "duckdb",
    "boost-histogram",
    "true floor",
    "true floor 1 thread",
    "floor + output",
]
# Contenders timed by the C loop: name -> (shared object, symbol).
C_SYMBOLS = {
    "sw (C)": ("lib", "calculate_sector_weights"),
    "sw (C) 1 thread": ("lib1", "calculate_sector_weights"),
    "C loop": ("contenders", "c_loop"),
    "C++ article": ("article", "article_cpp"),
    "OpenMP C": ("contenders", "omp_sector_sum"),
    "true floor": ("contenders", "true_floor"),
    "true floor 1 thread": ("contenders", "true_floor_1"),
    "floor + output": ("contenders", "true_floor_out"),
}
FLOORS = ("true floor", "true floor 1 thread", "floor + output")
RUN_B = ["sw (C)", "sw (ctypes)", "sw (python)", "sw (C) 1 thread", "OpenMP C", "numba", "true floor", "true floor 1 thread",
         "floor + output"]
MODES = {
    "B": {"contenders": RUN_B, "wait_policy": "PASSIVE"},
    "A": {"contenders": ALL_CONTENDERS, "wait_policy": "PASSIVE"},
    "N": {"contenders": ["sw (C)", "sw (C) 1 thread", "OpenMP C"], "wait_policy": None},
}
# Timed one call at a time: after --idle-ms asleep ("idle"), right after an OpenMP region
# ("neighbour"; spinning only in run N).
# The floors too: what the idle process costs any code that reads the input (caches, clocks, the
# virtual CPU's wake), whatever its threads do.
ISOLATED = ["sw (C)", "sw (C) 1 thread", "OpenMP C", "true floor", "true floor 1 thread"]
CONDITIONS = ("idle", "neighbour")
# The heavy pip peers (make bench-peers-deps): `make test`'s smoke leaves them out.
HEAVY_PEERS = ["numba", "duckdb", "boost-histogram"]


def log(*a):
    print(*a, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- building and loading


def build_c(build_dir: Path) -> None:
    """contenders.so (C loop, OpenMP C, the floors, the timing loops) and article.so."""
    build_dir.mkdir(parents=True, exist_ok=True)
    # -march=native for the floor's vector loads (the scatter loops cannot vectorise);
    # -fno-strict-aliasing: the floor reads the weights as 64-bit integers.
    subprocess.run(
        ["gcc", "-O3", "-march=native", "-fopenmp", "-fno-strict-aliasing", "-shared", "-fPIC",
         "-o", build_dir / "contenders.so", BENCHES / "c/contenders.c"],
        check=True,
    )
    subprocess.run(
        ["g++", "-O3", "-shared", "-fPIC", "-pthread", "-o", build_dir / "article.so",
         BENCHES / "c/article.cpp"],
        check=True,
    )


SW_ARGTYPES = [ctypes.c_void_p, ctypes.c_uint64, ctypes.c_void_p, ctypes.c_uint64, ctypes.c_void_p, ctypes.c_uint64]


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
    lib.sw_status_name.argtypes = [ctypes.c_int32]
    lib.sw_status_name.restype = ctypes.c_char_p
    return lib


def load_one_thread_copy(lib_path: Path, tmp: Path, lib: ctypes.CDLL) -> ctypes.CDLL:
    """A second, separately loaded copy of the library whose pool is set to one thread once.

    Switching the one shared pool between 1 thread and all threads around every sample would
    rebuild it each time, and a freshly started pool can spend its first milliseconds with both
    workers on one CPU: "sw (C)" then ran at one-thread speed in some samples."""
    copy = tmp / "libsector_weights_one_thread.so"
    shutil.copyfile(lib_path, copy)
    lib1 = load_library(copy)
    if c_addr(lib1.calculate_sector_weights) == c_addr(lib.calculate_sector_weights):
        raise RuntimeError(f"{copy} was not loaded as a separate copy (same soname?)")
    st = lib1.sw_set_num_threads(1)
    if st != 0:
        raise RuntimeError(f"sw_set_num_threads(1) failed: {last_error(lib1, st)}")
    return lib1


def c_addr(fn) -> int:
    return ctypes.cast(fn, ctypes.c_void_p).value


def last_error(lib, status: int) -> str:
    """"SW_ERROR_...: message" for a status the library returned."""
    buf = ctypes.create_string_buffer(512)
    lib.sw_last_error_message(buf, 512)
    return f"{lib.sw_status_name(status).decode()}: {buf.value.decode()}"


# ---------------------------------------------------------------- memory

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


# ---------------------------------------------------------------- data


class Case:
    """One size: identical data for every contender, and the exact sums to check them against."""

    def __init__(self, p: int, b: int, s: int, seed: int):
        import numpy as np

        rng = np.random.default_rng(seed)
        self.p, self.b, self.s, self.seed = p, b, s, seed
        # Multiples of 2^-m with numerators below 2^20: every partial sum is exact in double.
        self.scale = 2.0 ** -(20 + max(0, (b - 1).bit_length()))
        w = np.floor(rng.uniform(0.0, 2.0**20, size=(p, b)))
        w *= self.scale
        self.w2 = w
        self.c2 = rng.integers(0, s, size=(p, b), dtype=np.int32)
        self.w = self.w2.reshape(-1)
        self.c = self.c2.reshape(-1)
        self.pid = np.repeat(np.arange(p, dtype=np.int64), b)
        # np.bincount adds in its own order; exact all the same (see above). One cell is
        # recomputed with math.fsum as a check of that claim.
        self.exact = np.bincount(self.pid * s + self.c, weights=self.w, minlength=p * s).reshape(p, s)
        first = self.w2[0][self.c2[0] == self.c2[0, 0]]
        assert math.fsum(first) == self.exact[0, self.c2[0, 0]], "weights are not exactly summable"

    @property
    def n(self) -> int:
        return self.p * self.b

    def label(self) -> str:
        return f"{self.p:,}x{self.b:,} S={self.s:,}"

    def article_weights(self):
        """The article's weights (uniform, normalised per portfolio): sums depend on the order of
        additions, so the determinism check uses these."""
        import numpy as np

        w = np.random.default_rng(self.seed + 7).uniform(0.0, 1.0, size=(self.p, self.b))
        w /= w.sum(axis=1, keepdims=True)
        return w


def first_difference(out, exact) -> str:
    import numpy as np

    bad = np.argwhere(~(out == exact))
    if len(bad) == 0:
        return ""
    cell = tuple(int(x) for x in bad[0])
    return f"{len(bad)} cells differ; first at (portfolio, sector) {cell}: {out[cell]!r}, exact {exact[cell]!r}"


# ---------------------------------------------------------------- one run (child process)


class Contender:
    """kind 'c': `thing` is a function pointer for the C timing loop; kind 'py': a callable."""

    def __init__(self, name: str, kind: str, thing, out):
        self.name, self.kind, self.thing, self.out = name, kind, thing, out


class Runner:
    """Everything one run holds: the libraries, the compiled C and the timing loops."""

    def __init__(self, lib_path: Path, build_dir: Path, tmp: Path):
        self.lib = load_library(lib_path)
        self.lib1 = load_one_thread_copy(lib_path, tmp, self.lib)
        self.contenders_so = ctypes.CDLL(str(build_dir / "contenders.so"))
        self.article_so = ctypes.CDLL(str(build_dir / "article.so"))
        cs = self.contenders_so
        cs.time_calls.restype = ctypes.c_int32
        cs.time_calls.argtypes = [ctypes.c_void_p, *SW_ARGTYPES, ctypes.c_uint64, ctypes.POINTER(ctypes.c_double)]
        cs.time_isolated.restype = ctypes.c_int32
        cs.time_isolated.argtypes = [
            ctypes.c_void_p, *SW_ARGTYPES, ctypes.c_uint64, ctypes.c_int, ctypes.POINTER(ctypes.c_double)
        ]
        cs.omp_threads.restype = ctypes.c_int
        self.objects = {"lib": self.lib, "lib1": self.lib1, "contenders": cs, "article": self.article_so}

    def make(self, case: Case, names: list[str]) -> tuple[dict[str, Contender], dict[str, str]]:
        """The contenders that can run on this case, and those left out by design (too slow)."""
        import numpy as np

        import compare_peers

        res, too_slow = {}, {}
        for name in names:
            out = np.full((case.p, case.s), np.nan)
            if name in C_SYMBOLS:
                obj, sym = C_SYMBOLS[name]
                res[name] = Contender(name, "c", c_addr(getattr(self.objects[obj], sym)), out)
                continue
            try:
                call = compare_peers.PEERS[name](case, out, self.lib, last_error)
            except compare_peers.Skip as e:
                log(f"  {name}: {e}; skipped")
                if isinstance(e, compare_peers.TooSlow):
                    too_slow[name] = str(e)
                continue
            res[name] = Contender(name, "py", call, out)
        return res, too_slow

    def run_once(self, case: Case, con: Contender, iters: int) -> float:
        """Seconds per call over `iters` back-to-back calls."""
        if con.kind == "c":
            ns = ctypes.c_double()
            st = self.contenders_so.time_calls(
                con.thing, case.w.ctypes.data, case.p, case.c.ctypes.data, case.b,
                con.out.ctypes.data, case.s, iters, ctypes.byref(ns),
            )
            if st != 0:
                raise RuntimeError(f"{con.name} returned status {st}" + self.status_text(con, st))
            return ns.value / 1e9 / iters
        call = con.thing
        t0 = time.perf_counter_ns()
        for _ in range(iters):
            call()
        return (time.perf_counter_ns() - t0) / 1e9 / iters

    def run_isolated(self, case: Case, con: Contender, condition: str, idle_s: float) -> float:
        ns = ctypes.c_double()
        st = self.contenders_so.time_isolated(
            con.thing, case.w.ctypes.data, case.p, case.c.ctypes.data, case.b, con.out.ctypes.data,
            case.s, int(idle_s * 1e9) if condition == "idle" else 0, int(condition == "neighbour"),
            ctypes.byref(ns),
        )
        if st != 0:
            raise RuntimeError(f"{con.name} returned status {st}" + self.status_text(con, st))
        return ns.value / 1e9

    def status_text(self, con: Contender, st: int) -> str:
        if con.name.startswith("sw (C)"):
            return " (" + last_error(self.lib1 if "1 thread" in con.name else self.lib, st) + ")"
        return ""

    def check(self, case: Case, contenders: dict[str, Contender], when: str) -> None:
        """Every contender's table must equal the exact sums (the floors compute nothing)."""
        for con in contenders.values():
            if con.name in FLOORS:
                continue
            diff = first_difference(con.out, case.exact)
            if diff:
                raise AssertionError(f"{con.name} on {case.label()} {when}: {diff}")

    def determinism(self, case: Case, nthreads: int) -> None:
        """The library's result must be bit-identical with 1 thread and with every core."""
        import numpy as np

        w = case.article_weights()
        outs = []
        for one in (self.lib1, self.lib):
            o = np.full((case.p, case.s), np.nan)
            st = one.calculate_sector_weights(w.ctypes.data, case.p, case.c.ctypes.data, case.b, o.ctypes.data, case.s)
            if st != 0:
                raise RuntimeError(f"calculate_sector_weights returned {last_error(one, st)}")
            outs.append(o)
        if outs[0].tobytes() != outs[1].tobytes():
            raise AssertionError(f"1-thread and {nthreads}-thread results differ on {case.label()}")

    def bench(self, case: Case, names: list[str], args, seed: int) -> dict:
        """Check, then time every contender back to back and in isolated calls, then check again."""
        contenders, too_slow = self.make(case, names)
        rss, iters = self.calibrate(case, contenders, args.sample_ms / 1e3)
        shuffler = random.Random(seed)
        samples = self.interleave(case, contenders, iters, args.reps, shuffler)
        isolated = self.isolate(case, contenders, args.isolated, args.idle_ms / 1e3, shuffler)
        self.check(case, contenders, "after timing")
        return {"samples": samples, "iters": iters, "rss": rss, "isolated": isolated, "too_slow": too_slow}

    def calibrate(self, case: Case, contenders: dict[str, Contender], sample_s: float):
        """The first call of each contender measures its peak memory (before the allocator has
        anything cached from this case) and is checked; then k is chosen so that one sample of k
        back-to-back calls lasts at least sample_s."""
        rss, iters = {}, {}
        for name, con in contenders.items():
            rss[name] = extra_peak_rss_mib(lambda con=con: self.run_once(case, con, 1))
        self.check(case, contenders, "before timing")
        for name, con in contenders.items():
            t = min(self.run_once(case, con, 1), self.run_once(case, con, 1))
            iters[name] = max(1, min(1_000_000, int(sample_s / max(t, 1e-9))))
        return rss, iters

    def interleave(self, case: Case, contenders, iters, reps: int, shuffler) -> dict[str, list[float]]:
        """reps samples per contender, all contenders in a freshly shuffled order each time."""
        samples = {name: [] for name in contenders}
        order = list(contenders)
        for _ in range(reps):
            shuffler.shuffle(order)
            for name in order:
                samples[name].append(self.run_once(case, contenders[name], iters[name]))
        return samples

    def isolate(self, case: Case, contenders, n: int, idle_s: float, shuffler) -> dict:
        """n isolated calls per contender and condition, interleaved like the samples."""
        isolated = {name: {c: [] for c in CONDITIONS} for name in ISOLATED if name in contenders}
        slots = [(name, c) for name in isolated for c in CONDITIONS]
        for _ in range(n):
            shuffler.shuffle(slots)
            for name, cond in slots:
                isolated[name][cond].append(self.run_isolated(case, contenders[name], cond, idle_s))
        return isolated


def run_child(args) -> int:
    """One run (B, A or N) in this process: every case, raw samples written to --raw-out."""
    mode = MODES[args.child]
    policy = os.environ.get("OMP_WAIT_POLICY")
    if policy != mode["wait_policy"]:
        raise RuntimeError(f"run {args.child} needs OMP_WAIT_POLICY={mode['wait_policy']}, got {policy}")
    os.environ.setdefault("NUMBA_CACHE_DIR", str(ROOT / "target/numba-cache"))
    sys.path.insert(0, str(BENCHES))
    lib_path = Path(args.lib)
    os.environ.setdefault("SECTOR_WEIGHTS_LIBRARY", str(lib_path.resolve()))
    want = [c for c in mode["contenders"] if c in args.want]
    results = []
    with tempfile.TemporaryDirectory(prefix="sw-bench-") as tmp:
        runner = Runner(lib_path, Path(args.build_dir), Path(tmp))
        nthreads = runner.lib.sw_get_num_threads()
        log(f"run {args.child} (OMP_WAIT_POLICY={policy or 'default'}): library {nthreads} threads, "
            f"OpenMP {runner.contenders_so.omp_threads()} threads; {', '.join(want)}")
        seed = args.seed
        for p, b, s in cases(args):
            seed += 1
            if p * s > MAX_OUTPUT:
                continue
            t0 = time.perf_counter()
            case = Case(p, b, s, seed)
            log(f"run {args.child}, {case.label()}: data ready in {time.perf_counter() - t0:.1f} s")
            runner.determinism(case, nthreads)
            r = runner.bench(case, want, args, seed)
            results.append({"case": case.label(), "p": p, "b": b, "s": s, **r})
            med = {k: statistics.median(v) for k, v in r["samples"].items()}
            for name in sorted(med, key=med.get):
                log(f"    {name:20s} {fmt_time(med[name]):>10s}")
            for name, conds in r["isolated"].items():
                log(f"    {name:20s} " + ", ".join(f"{c} {fmt_time(statistics.median(v))}" for c, v in conds.items()))
            log(f"  done in {time.perf_counter() - t0:.1f} s")
            missing = [c for c in want if c not in r["samples"] and c not in r["too_slow"]]
            if missing and args.require_all:
                log(f"FAILED: run {args.child}, {case.label()}: contenders did not run: {', '.join(missing)}")
                return 1
            del case
            gc.collect()
        info = {"omp_wait_policy": policy or "default (spinning)", "library_threads": nthreads,
                "openmp_threads": runner.contenders_so.omp_threads()}
    if "compare_numba" in sys.modules:
        info["numba"] = sys.modules["compare_numba"].describe()
    import compare_peers

    info["versions"] = compare_peers.versions()
    Path(args.raw_out).write_text(json.dumps({"mode": args.child, "info": info, "results": results}))
    return 0


def cases(args) -> list[tuple[int, int, int]]:
    sizes = parse_sizes(args.sizes) + (parse_sizes(HUGE_SIZE) if args.huge else [])
    return [(p, b, int(s)) for p, b in sizes for s in args.sectors.split(",")]


def parse_sizes(text: str) -> list[tuple[int, int]]:
    out = []
    for part in text.split(","):
        p, b = part.lower().replace("_", "").split("x")
        out.append((int(p), int(b)))
    return out


def fmt_time(t: float) -> str:
    if t < 1e-6:
        return f"{t * 1e9:.0f} ns"
    if t < 1e-3:
        return f"{t * 1e6:.2f} µs"
    if t < 1:
        return f"{t * 1e3:.2f} ms"
    return f"{t:.2f} s"


# ---------------------------------------------------------------- the parent


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
    }


def child_env(mode: str) -> dict:
    env = dict(os.environ)
    # OpenMP reads these once, when libgomp starts: each run gets its policy from its environment.
    env.pop("OMP_WAIT_POLICY", None)
    env.pop("GOMP_SPINCOUNT", None)
    if MODES[mode]["wait_policy"]:
        env["OMP_WAIT_POLICY"] = MODES[mode]["wait_policy"]
    return env


def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default=DEFAULT_SIZES, help=f"PxB list (default {DEFAULT_SIZES})")
    ap.add_argument("--huge", action="store_true", help=f"also {HUGE_SIZE} (300 MB of input; slow)")
    ap.add_argument("--sectors", default=DEFAULT_SECTORS, help=f"sector counts (default {DEFAULT_SECTORS})")
    ap.add_argument("--reps", type=int, default=7, help="interleaved repetitions per case (default 7)")
    ap.add_argument("--sample-ms", type=float, default=20.0, help="minimum duration of one sample (default 20)")
    ap.add_argument("--isolated", type=int, default=21, help="isolated calls per contender and condition (default 21)")
    ap.add_argument("--idle-ms", type=float, default=10.0, help="sleep before each isolated call (default 10)")
    ap.add_argument("--modes", default="B,A,N", help="runs, in this order (default B,A,N)")
    ap.add_argument("--only", help="comma-separated contenders (default: all; the library always runs)")
    ap.add_argument("--without", help="comma-separated contenders to leave out")
    ap.add_argument("--lib", default=str(ROOT / "target/release/libsector_weights.so"))
    ap.add_argument("--out", default=str(ROOT / "docs/benchmarks"), help="output directory (default docs/benchmarks)")
    ap.add_argument("--seed", type=int, default=2024)
    ap.add_argument("--smoke", action="store_true", help="tiny sizes, 2 reps: checks every code path")
    ap.add_argument("--require-all", action="store_true",
                    help="fail unless every contender of every run ran in every case (the smoke tests use this)")
    ap.add_argument("--child", choices=sorted(MODES), help=argparse.SUPPRESS)
    ap.add_argument("--build-dir", help=argparse.SUPPRESS)
    ap.add_argument("--raw-out", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.smoke:
        for k, v in SMOKE.items():
            setattr(args, k, v)
    want = ALL_CONTENDERS if not args.only else [x.strip() for x in args.only.split(",")]
    drop = [x.strip() for x in args.without.split(",")] if args.without else []
    unknown = (set(want) | set(drop)) - set(ALL_CONTENDERS)
    if unknown:
        ap.error(f"unknown contenders {sorted(unknown)}; known: {ALL_CONTENDERS}")
    # The baselines of every ratio always run.
    args.want = [c for c in ALL_CONTENDERS if (c in want and c not in drop) or c in ("sw (C)", "sw (ctypes)")]
    args.mode_list = [m.strip().upper() for m in args.modes.split(",")]
    if set(args.mode_list) - set(MODES):
        ap.error(f"--modes: runs are {', '.join(MODES)}")
    return args


def forwarded(args) -> list[str]:
    """The options a child needs to run the same cases."""
    out = ["--sizes", args.sizes, "--sectors", args.sectors, "--reps", str(args.reps),
           "--sample-ms", str(args.sample_ms), "--isolated", str(args.isolated),
           "--idle-ms", str(args.idle_ms), "--lib", args.lib, "--seed", str(args.seed),
           "--only", ",".join(args.want)]
    if args.huge:
        out.append("--huge")
    if args.require_all:
        out.append("--require-all")
    return out


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    if args.child:
        return run_child(args)
    lib_path = Path(args.lib)
    if not lib_path.exists():
        sys.exit(f"{lib_path} does not exist: run `cargo build --release` first")
    if shutil.which("gcc") is None or shutil.which("g++") is None:
        sys.exit("compare.py needs gcc and g++ on PATH to build the C and C++ contenders")
    outdir = Path(args.out)
    outdir.mkdir(parents=True, exist_ok=True)
    info = machine()
    command = shlex.join(["python", "benches/compare.py", *argv])
    log(f"machine: {info['cpu']}, {info['cpus']} CPUs; library {lib_path}")
    runs = {}
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="sw-bench-build-") as tmp:
        build_c(Path(tmp))
        for mode in args.mode_list:
            raw = Path(tmp) / f"run-{mode}.json"
            cmd = [sys.executable, str(Path(__file__).resolve()), "--child", mode, "--build-dir", tmp,
                   "--raw-out", str(raw), *forwarded(args)]
            rc = subprocess.run(cmd, env=child_env(mode)).returncode
            if rc != 0:
                log(f"FAILED: run {mode} exited with {rc}")
                return 1
            runs[mode] = json.loads(raw.read_text())
    info["load_end"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    info["seconds"] = round(time.perf_counter() - t0)
    info["idle_ms"] = args.idle_ms
    sys.path.insert(0, str(BENCHES))
    import compare_report

    skipped = [f"{p:,}x{b:,} with {s:,} sectors skipped: output of {p * s:,} doubles"
               for p, b, s in cases(args) if p * s > MAX_OUTPUT]
    notes = skipped + compare_report.standing_notes(args)
    report = compare_report.Report(runs, info, command, notes, args.want)
    made = report.write(outdir)
    log("wrote " + ", ".join(str(m) for m in made))
    report.log_summary()
    if args.require_all and not report.every_contender_ran():
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
