"""Tables, targets and plots of benches/compare.py, from the raw samples of its runs.

Every ratio here is this library's time over the other's, taken within one run (< 1: the library
is faster), as in issue 15. C-side contenders are compared with `sw (C)` (the same C timing loop
calls both), Python-side ones with the package's `sw (python)` (both called from Python).
"""

from __future__ import annotations

import json
import statistics
import sys
from pathlib import Path

from compare import ALL_CONTENDERS, C_SYMBOLS, FLOORS, HUGE_SIZE, ISOLATED, MODES, fmt_time

RUN_TITLES = {
    "B": "run B (library, OpenMP C, numba, floor)",
    "A": "run A (every peer's pool in the process)",
    "N": "run N (OpenMP's default, spinning wait policy)",
}
ISSUE_CASES = [(20, 50_000, 18), (500, 50_000, 18), (1, 20_000_000, 18), (20, 50_000, 1_000), (100_000, 100, 18)]
# The sizes issue 15's targets name: its table's portfolio shapes, at 18 sectors and at the many-sector
# counts (1,000 and 65,536). The suite's other cases (1 x 100, 1 x 10,000) are reported, but apart.
ISSUE_SHAPES = {(p, b) for p, b, _ in ISSUE_CASES}
ISSUE_SECTORS = {18, 1_000, 65_536}
FLOOR_CASES = [(500, 50_000, 18), (1, 20_000_000, 18)]
ARTICLE = (20, 50_000, 18)
# The library called from Python: the package, or raw ctypes where the package did not run.
PY = "sw (python) or, without the package, sw (ctypes)"


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def fmt_ratio(r: float) -> str:
    """Two decimals, or two significant digits below 0.1 (0.0041, not 0.00)."""
    return f"{r:.2f}" if r >= 0.1 else f"{r:.2g}"


def pair_of(name: str, present) -> tuple[str, str]:
    """(numerator, denominator) of a contender's ratio: the library over the contender, the
    library called the same way: `sw (C)` over C-side contenders (one C timing loop calls them
    all); over Python-side ones the package's `sector_weights()`, what a Python user calls (raw
    ctypes where the package did not run). The package itself: its time over raw ctypes."""
    if name == "sw (python)":
        return ("sw (python)", "sw (ctypes)")
    if name in C_SYMBOLS:
        return ("sw (C)", name)
    return ("sw (python)" if "sw (python)" in present else "sw (ctypes)", name)


def floor_bytes(name: str, p: int, b: int, s: int) -> int:
    """Bytes a floor moves: 12 a bond read (8 of weight, 4 of code), and for `floor + output`
    8 an output double written."""
    return p * b * 12 + (p * s * 8 if name == "floor + output" else 0)


def is_issue_size(key) -> bool:
    """Whether case (p, b, s) is one of the sizes issue 15's targets name."""
    p, b, s = key[:3]
    return (p, b) in ISSUE_SHAPES and s in ISSUE_SECTORS


def runs_inline(p: int, b: int, s: int) -> bool:
    """Whether the library sums this case on the calling thread alone, whatever its pool size
    (src/kernel/mod.rs `mode`: one portfolio of one chunk, or fewer than 2^15 bonds plus a quarter
    of the output's doubles)."""
    one_chunk = b <= max(1 << 16, 16 * s)
    return (p <= 1 and one_chunk) or (p > 1 and p * b + p * s // 4 < 1 << 15)


def standing_notes(args) -> list[str]:
    notes = [
        "numpy masked (the article's loop) is skipped where it would make more than 2e9 element "
        "visits or 200,000 Python-level calls.",
    ]
    if not args.huge and not args.smoke:
        notes.append(f"{HUGE_SIZE} (300 MB) runs only with --huge: its targets are 'not measured' without it.")
    return notes


class Report:
    def __init__(self, runs: dict, info: dict, command: str, notes: list[str], want: list[str]):
        self.runs, self.info, self.command, self.notes, self.want = runs, info, command, notes, want
        self.rows, self.lat = [], []
        self.cases = []  # (p, b, s, label) in measured order
        for mode, run in runs.items():
            for r in run["results"]:
                key = (r["p"], r["b"], r["s"])
                if key not in [c[:3] for c in self.cases]:
                    self.cases.append((*key, r["case"]))
                self._add(mode, r)
        self.med = {(x["mode"], x["p"], x["b"], x["s"], x["contender"]): x["median_s"] for x in self.rows}
        self.lat_med = {
            (x["mode"], x["p"], x["b"], x["s"], x["contender"], x["condition"]): x["median_s"] for x in self.lat
        }

    def _add(self, mode: str, r: dict) -> None:
        med = {k: statistics.median(v) for k, v in r["samples"].items()}
        common = {"mode": mode, "case": r["case"], "p": r["p"], "b": r["b"], "s": r["s"]}
        for name, v in r["samples"].items():
            num, den = pair_of(name, med)
            row = {
                **common,
                "contender": name,
                "median_s": med[name],
                "min_s": min(v),
                "max_s": max(v),
                "ratio": med[num] / med[den] if num in med and den in med else None,
                "calls_per_sample": r["iters"][name],
                "extra_rss_mib": r["rss"][name],
                "samples_s": v,
            }
            if name in FLOORS:
                row["gb_per_s"] = floor_bytes(name, r["p"], r["b"], r["s"]) / med[name] / 1e9
            self.rows.append(row)
        for name, conds in r["isolated"].items():
            for cond, v in conds.items():
                if v:
                    self.lat.append({**common, "contender": name, "condition": cond, "median_s": statistics.median(v),
                                     "min_s": min(v), "max_s": max(v), "n": len(v), "samples_s": v})

    def case_meta(self) -> dict:
        """What results.json needs besides its rows to rebuild the runs ([`Report.from_results`]):
        per run, each case's label and the contenders it skipped as too slow."""
        return {m: [{k: r[k] for k in ("case", "p", "b", "s", "too_slow")} for r in run["results"]]
                for m, run in self.runs.items()}

    @classmethod
    def from_results(cls, data: dict) -> "Report":
        """The report of a results.json written by [`Report.write`]: the same tables from the same
        samples, with the current tables' code (`python benches/compare_report.py RESULTS_JSON`)."""
        runs = {}
        cases = data.get("cases") or cls.cases_of_rows(data["rows"])
        for mode, info in data["runs"].items():
            results = []
            for meta in cases[mode]:
                key = (meta["p"], meta["b"], meta["s"])
                rows = [x for x in data["rows"] if x["mode"] == mode and (x["p"], x["b"], x["s"]) == key]
                isolated = {}
                for x in data["isolated"]:
                    if x["mode"] == mode and (x["p"], x["b"], x["s"]) == key:
                        isolated.setdefault(x["contender"], {})[x["condition"]] = x["samples_s"]
                results.append({**meta, "samples": {x["contender"]: x["samples_s"] for x in rows},
                                "iters": {x["contender"]: x["calls_per_sample"] for x in rows},
                                "rss": {x["contender"]: x["extra_rss_mib"] for x in rows}, "isolated": isolated})
            runs[mode] = {"info": info, "results": results}
        return cls(runs, data["machine"], data["command"], data["notes"], data.get("want", ALL_CONTENDERS))

    @staticmethod
    def cases_of_rows(rows) -> dict:
        """`case_meta` of a results.json written before it was stored: the cases in row order, and
        no contender known as skipped (such a file does not say which were)."""
        out = {}
        for x in rows:
            meta = {"case": x["case"], "p": x["p"], "b": x["b"], "s": x["s"], "too_slow": {}}
            if meta not in out.setdefault(x["mode"], []):
                out[x["mode"]].append(meta)
        return out

    # ------------------------------------------------------------ lookups

    def ratio(self, mode, key, a, b):
        if a == PY:
            a = "sw (python)" if (mode, *key, "sw (python)") in self.med else "sw (ctypes)"
        x, y = self.med.get((mode, *key, a)), self.med.get((mode, *key, b))
        return None if x is None or y is None else (x / y, x, y)

    def lat_ratio(self, mode, key, a, cond_a, b, cond_b):
        x = self.lat_med.get((mode, *key, a, cond_a))
        y = self.lat_med.get((mode, *key, b, cond_b)) if cond_b else self.med.get((mode, *key, b))
        return None if x is None or y is None else (x / y, x, y)

    def label(self, key) -> str:
        for c in self.cases:
            if c[:3] == tuple(key):
                return c[3]
        p, b, s = key
        return f"{p:,}x{b:,} S={s:,}"

    # ------------------------------------------------------------ targets

    def every_case(self, title: str, limit: float, pairs) -> tuple[str, str, str]:
        """One target over every case: pairs is [(key, ratio tuple or None)]."""
        got = [(k, r) for k, r in pairs if r is not None]
        if not got:
            return (title, "not measured", "not measured")
        worst_k, worst = max(got, key=lambda kr: kr[1][0])
        measured = (f"worst {worst[0]:.2f} at {self.label(worst_k)} ({fmt_time(worst[1])} / {fmt_time(worst[2])}); "
                    f"{len(got)} cases")
        issue = [(k, r) for k, r in got if is_issue_size(k)]
        other = [(k, r) for k, r in got if not is_issue_size(k)]
        verdicts = [self.misses(issue, limit, "issue sizes"), self.misses(other, limit, "other sizes")]
        return (title, measured, "; ".join(v for v in verdicts if v))

    def misses(self, got, limit: float, what: str) -> str:
        """'met at n issue sizes' or 'missed at k of n issue sizes: ...' (empty without cases)."""
        if not got:
            return ""
        missed = [self.label(k) for k, r in got if r[0] > limit]
        if not missed:
            return f"met at {len(got)} {what}"
        return f"missed at {len(missed)} of {len(got)} {what}: " + ", ".join(missed)

    def beyond_floor(self, mode, peer, pairs) -> tuple[str, str, str]:
        """The 0.9 x `peer` misses at issue sizes, apart: those where 0.9 x the peer is below the
        floor in this run (†, no program can meet them) and those it does not explain."""
        missed = [k for k, r in pairs if r is not None and r[0] > 0.9 and is_issue_size(k)]
        dagger = [k for k in missed if self.unreachable(mode, k, peer)]
        rest = [k for k in missed if k not in dagger]
        below = [k for k, _ in pairs if is_issue_size(k) and self.unreachable(mode, k, peer)]
        title = (f"run {mode}: issue-size misses of 0.9 x {peer} where 0.9 x {peer} is faster than the floor "
                 "(†, unreachable), and the rest")
        measured = (f"† {len(dagger)}: {', '.join(map(self.label, dagger)) or 'none'}; "
                    f"rest {len(rest)}: {', '.join(map(self.label, rest)) or 'none'} "
                    f"(0.9 x {peer} below the floor at {len(below)} issue sizes in this run)")
        return (title, measured, "reference" if not rest else f"{len(rest)} not explained by the floor")

    def one(self, title: str, limit: float, r, absent="not measured") -> tuple[str, str, str]:
        if r is None:
            return (title, absent, "not measured")
        verdict = "met" if r[0] <= limit else f"missed by {r[0] / limit:.2f}x"
        return (title, f"{r[0]:.3f} ({fmt_time(r[1])} / {fmt_time(r[2])})", verdict)

    def targets_issue15(self) -> list[tuple[str, str, str]]:
        keys = [c[:3] for c in self.cases]
        out = []
        for mode in ("B", "A"):
            if mode not in self.runs:
                continue
            for peer, base in (("OpenMP C", "sw (C)"), ("numba", PY)):
                pairs = [(k, self.ratio(mode, k, base, peer)) for k in keys]
                name = "sw (python)" if base == PY else base
                out.append(self.every_case(f"run {mode}: {name} <= 0.9 x {peer}, every case", 0.9, pairs))
                out.append(self.beyond_floor(mode, peer, pairs))
        for mode in ("B", "A"):
            for k in FLOOR_CASES:
                if mode in self.runs:
                    absent = "not measured (needs --huge)" if k == FLOOR_CASES[0] else "not measured"
                    out.append(self.one(f"run {mode}, {self.label(k)}: sw (C) <= 1.15 x true floor", 1.15,
                                        self.ratio(mode, k, "sw (C)", "true floor"), absent))
        for mode in ("B", "A"):
            if mode not in self.runs:
                continue
            out.append(self.one(f"run {mode}, {self.label(ARTICLE)}: isolated call (idle) <= 1.3 x back-to-back",
                                1.3, self.lat_ratio(mode, ARTICLE, "sw (C)", "idle", "sw (C)", None)))
            for floor in ("true floor", "true floor 1 thread"):
                r = self.lat_ratio(mode, ARTICLE, floor, "idle", floor, None)
                if r is not None:
                    out.append((f"run {mode}, {self.label(ARTICLE)}: the {floor}'s own isolated call (idle) over its "
                                "back-to-back (the machine's cost of idling, for reference)",
                                f"{r[0]:.3f} ({fmt_time(r[1])} / {fmt_time(r[2])})", "reference"))
            pairs = [(k, self.lat_ratio(mode, k, "sw (C)", "idle", "sw (C) 1 thread", "idle")) for k in keys]
            out.append(self.every_case(f"run {mode}: isolated call (idle) <= isolated 1-thread call, every case",
                                       1.0, pairs))
        if "N" in self.runs:
            pairs = [(k, self.lat_ratio("N", k, "sw (C)", "neighbour", "sw (C) 1 thread", "neighbour")) for k in keys]
            out.append(self.every_case(
                "run N: call after a spinning OpenMP neighbour <= 1-thread call after it, every case", 1.0, pairs))
        same = [self.label(k) for k in keys if runs_inline(*k)]
        if same:
            out.append(("cases the library runs on the calling thread whatever its pool size (the same code as "
                        "`sw (C) 1 thread`: there the two isolated-call targets compare two copies of one path)",
                        ", ".join(same), "reference"))
        return out

    def targets_issue4(self) -> list[tuple[str, str, str]]:
        """Issue 4's targets on run A (every contender present), the floor now the true floor."""
        if "A" not in self.runs:
            return []
        out = []
        art = ARTICLE
        for peer, base, limit in (("numpy.bincount", "sw (ctypes)", 0.25), ("C++ article", "sw (C)", 0.30),
                                  ("C loop", "sw (C)", 0.80)):
            r = self.ratio("A", art, base, peer)
            if r:
                out.append(self.one(f"20x50,000: sw <= {limit:.2f} x {peer}", limit, r))
        for k, limit in ((FLOOR_CASES[0], 1.25), (FLOOR_CASES[1], 1.30)):
            r = self.ratio("A", k, "sw (C)", "true floor")
            if r:
                out.append(self.one(f"{self.label(k)}: sw <= {limit:.2f} x true floor", limit, r))
        for p, b, s, _ in self.cases:
            if s in (1_000, 65_536):
                r = self.ratio("A", (p, b, s), "sw (C)", "C loop")
                if r:
                    out.append(self.one(f"{self.label((p, b, s))}: sw <= C loop", 1.0, r))
        a, c = self.med.get(("A", 1, 100, 18, "sw (C)")), self.med.get(("A", 1, 100, 18, "C loop"))
        if a and c:
            bound = 2 * c + 100e-9
            out.append(("1x100 from C: sw <= 2 x C loop + 100 ns",
                        f"{fmt_time(a)} vs 2 x {fmt_time(c)} + 100 ns = {fmt_time(bound)}",
                        "met" if a <= bound else f"missed by {a / bound:.2f}x"))
        t = self.med.get(("A", 1, 100, 18, "sw (python)"))
        if t:
            out.append(("1x100: Python package <= 8 µs", fmt_time(t), "met" if t <= 8e-6 else f"missed by {t / 8e-6:.2f}x"))
        r = self.ratio("A", art, "sw (python)", "sw (ctypes)")
        if r:
            out.append(self.one("20x50,000: Python package <= 1.05 x raw ctypes", 1.05, r))
        return out

    def every_contender_ran(self) -> bool:
        ok = True
        for mode, run in self.runs.items():
            need = [c for c in MODES[mode]["contenders"] if c in self.want]
            for r in run["results"]:
                missing = [c for c in need if c not in r["samples"] and c not in r["too_slow"]]
                if missing:
                    log(f"FAILED: run {mode}, {r['case']}: did not run: {', '.join(missing)}")
                    ok = False
        return ok

    def done_when(self) -> tuple[str, str, str]:
        missing = set()
        for mode, run in self.runs.items():
            for r in run["results"]:
                missing |= {f"{c} (run {mode}, {r['case']})" for c in MODES[mode]["contenders"]
                            if c not in r["samples"] and c not in r["too_slow"]}
        title = "every contender and the true floor in the table (issue 15, done when)"
        left_out = [c for c in ALL_CONTENDERS if c not in self.want]
        if left_out:
            return (title, "left out by --only/--without: " + ", ".join(left_out), "not measured")
        if not {"A", "B"} <= set(self.runs):
            return (title, "runs A and B not both measured", "not measured")
        if missing:
            return (title, "missing: " + ", ".join(sorted(missing)), "missed")
        return (title, f"{len(ALL_CONTENDERS)} contenders in run A", "met")

    # ------------------------------------------------------------ markdown

    def header(self) -> list[str]:
        i = self.info
        lines = [
            f"Command: `{self.command}` ({i.get('seconds', '?')} s)",
            "",
            f"Machine: {i['cpu']}, {i['cpus']} CPUs, {i['memory_gib']} GiB; {i['os']}; Python {i['python']}; "
            f"{i['gcc']}; {i['rustc']}; commit {i['git']}; {i['date']}.",
            "",
            f"Load average (1, 5, 15 min) at the start: {i['load_start']}; at the end: {i.get('load_end', '?')} "
            "(a load near or above the CPU count means other processes took cores from the contenders).",
            "",
        ]
        for mode, run in self.runs.items():
            ri = run["info"]
            vers = ", ".join(f"{k} {v}" for k, v in ri.get("versions", {}).items())
            extra = f"; {ri['numba']}" if "numba" in ri else ""
            lines.append(f"- {RUN_TITLES[mode]}: OMP_WAIT_POLICY {ri['omp_wait_policy']}, library "
                         f"{ri['library_threads']} threads, OpenMP {ri['openmp_threads']} threads{extra}; {vers}.")
        return lines + [""]

    @staticmethod
    def target_table(rows, title="target") -> list[str]:
        lines = [f"| {title} | measured | verdict |", "|---|---|---|"]
        return lines + [f"| {a} | {b} | {c} |" for a, b, c in rows] + [""]

    def issue_grid(self) -> list[str]:
        """The issue's table: the library's time over each strongest peer's, every case."""
        cols = [("A", "sw (C)", "OpenMP C"), ("B", "sw (C)", "OpenMP C"), ("A", PY, "numba"),
                ("B", PY, "numba"), ("A", "sw (C)", "true floor"), ("B", "sw (C)", "true floor")]
        cols = [c for c in cols if c[0] in self.runs]
        reach_cols = [(m, peer) for peer in ("OpenMP C", "numba") for m in ("A", "B") if m in self.runs]
        lines = [
            "| case | sw (C), run B | " + " | ".join(f"vs {p}, run {m}" for m, _, p in cols)
            + "".join(f" | {peer} over the floor, run {m}" for m, peer in reach_cols)
            + " | " + " | ".join(f"{f} GB/s" for f in FLOORS) + " |",
            "|---|---:|" + "---:|" * (len(cols) + len(reach_cols) + len(FLOORS)),
        ]
        fmode = "B" if "B" in self.runs else "A"
        for p, b, s, label in self.cases:
            key = (p, b, s)
            cells = []
            for m, base, peer in cols:
                r = self.ratio(m, key, base, peer)
                bold = r is not None and r[0] > 0.9 and peer != "true floor"
                cells.append("—" if r is None else f"**{fmt_ratio(r[0])}**" if bold else fmt_ratio(r[0]))
            t = self.med.get((fmode, *key, "sw (C)"))
            gb = [self.gbps(fmode, key, f) for f in FLOORS]
            for m, peer in reach_cols:
                reach = self.peer_over_floor(m, key, peer)
                dagger = " †" if self.unreachable(m, key, peer) else ""
                cells.append("—" if reach is None else f"{reach[0]:.2f}{dagger}")
            lines.append(f"| {label} | {fmt_time(t) if t else '—'} | " + " | ".join(cells) + " | "
                         + " | ".join("—" if g is None else f"{g:.1f}" for g in gb) + " |")
        return lines + [""]

    def peer_over_floor(self, mode, key, peer="OpenMP C"):
        """A peer's time over the floor (the slower of the true floor and floor + output): below
        1/0.9, 0.9 x the peer is faster than reading the input (and writing the output) on this
        machine, a target no program can meet. (ratio, peer time, floor time) or None. numba is
        timed from Python and the floors from C: its ratio includes one Python call."""
        t = self.med.get((mode, *key, peer))
        floors = [self.med.get((mode, *key, f)) for f in ("true floor", "floor + output")]
        floors = [f for f in floors if f is not None]
        return None if t is None or not floors else (t / max(floors), t, max(floors))

    def unreachable(self, mode, key, peer) -> bool:
        """Whether 0.9 x `peer` is faster than the floor in this run (see `peer_over_floor`)."""
        r = self.peer_over_floor(mode, key, peer)
        return r is not None and r[0] < 1 / 0.9

    def gbps(self, mode, key, name):
        t = self.med.get((mode, *key, name))
        return None if t is None else floor_bytes(name, *key) / t / 1e9

    def latency_table(self) -> list[str]:
        cols = [("B", "back-to-back"), ("B", "idle"), ("B", "neighbour"), ("A", "back-to-back"), ("A", "idle"),
                ("N", "back-to-back"), ("N", "neighbour")]
        cols = [(m, c) for m, c in cols if m in self.runs]
        heads = {"back-to-back": "back-to-back", "idle": f"after {self.idle_ms():g} ms idle",
                 "neighbour": "after an OpenMP region"}
        lines = [
            "| case | contender | " + " | ".join(
                f"{heads[c]}, run {m}" + (" (spinning)" if m == "N" and c == "neighbour" else "") for m, c in cols
            ) + " |",
            "|---|---|" + "---:|" * len(cols),
        ]
        for p, b, s, label in self.cases:
            key = (p, b, s)
            for name in ISOLATED:
                cells = []
                for m, c in cols:
                    if c == "back-to-back":
                        t = self.med.get((m, *key, name))
                        cells.append("—" if t is None else fmt_time(t))
                    else:
                        t = self.lat_med.get((m, *key, name, c))
                        b2b = self.med.get((m, *key, name))
                        cells.append("—" if t is None else fmt_time(t) + (f" ({t / b2b:.2f}x)" if b2b else ""))
                if any(x != "—" for x in cells):
                    lines.append(f"| {label} | {name} | " + " | ".join(cells) + " |")
        return lines + [""]

    def scaling_lines(self) -> list[str]:
        """1 thread over all threads, for the library and the floor (run B): how much of the
        machine the run got (other processes share it)."""
        mode = "B" if "B" in self.runs else "A"
        out = []
        for p, b, s, label in self.cases:
            if p * b < 1_000_000:
                continue
            f = self.ratio(mode, (p, b, s), "true floor 1 thread", "true floor")
            w = self.ratio(mode, (p, b, s), "sw (C) 1 thread", "sw (C)")
            if f and w:
                out.append(f"| {label} | {f[0]:.2f}x | {w[0]:.2f}x |")
        if not out:
            return []
        return [f"Speed-up from 1 thread to all threads in run {mode} (the floor's shows how much of the machine "
                "the run got; other processes share it):", "", "| case | true floor | sw (C) |", "|---|---:|---:|",
                *out, ""]

    def wide_table(self, mode: str) -> list[str]:
        names = [c for c in ALL_CONTENDERS if any(r["contender"] == c and r["mode"] == mode for r in self.rows)]
        others = [c for c in names if c not in ("sw (C)", "sw (ctypes)")]
        lines = [
            f"{RUN_TITLES[mode]}: time of `sw (C)` per call (median), and the library's median time over each "
            "contender's (< 1: the library is faster): `sw (C)` over C contenders and the floors, the package "
            "`sw (python)` over Python ones; in the `sw (python)` column the package over raw `sw (ctypes)`.",
            "",
            "| case | sw (C) | " + " | ".join(others) + " |",
            "|---|---:|" + "---:|" * len(others),
        ]
        for p, b, s, label in self.cases:
            t = self.med.get((mode, p, b, s, "sw (C)"))
            if t is None:
                continue
            cells = []
            for c in others:
                present = {x for (m, *k, x) in self.med if m == mode and tuple(k) == (p, b, s)}
                r = self.ratio(mode, (p, b, s), *pair_of(c, present))
                cells.append("—" if r is None else fmt_ratio(r[0]))
            lines.append(f"| {label} | {fmt_time(t)} | " + " | ".join(cells) + " |")
        return lines + [""]

    def explain(self) -> list[str]:
        return [
            "Ratios are the library's median time over the other's, within one run (< 1: the library is "
            "faster; bold: above the 0.9 target). `sw (C)` is compared with OpenMP C and the floor (one C "
            "timing loop calls all three), the package `sw (python)` with numba (both called from Python). "
            "Isolated calls: one call after "
            f"{self.idle_ms()} ms asleep (idle), or right after a neighbour's OpenMP parallel region (passive in "
            "runs A and B, spinning in run N); median of the interleaved calls, in brackets over the same "
            "contender's back-to-back median in that run. \"OpenMP C (numba) over the floor\": the peer's time "
            "over the slower of the true floor and floor + output in the same run (reading every input byte, and "
            "writing every output double, on all cores; numba is called from Python, the floors from C); † marks "
            "a case where it is below 1/0.9 = 1.11, i.e. where 0.9 x the peer is faster than the floor: no "
            "program that reads its input can meet the 0.9 target against that peer in that run.",
            "",
        ]

    def idle_ms(self):
        return self.info.get("idle_ms", 10)

    def write_markdown(self, path: Path) -> None:
        lines = ["# Benchmark results", "", *self.header()]
        if self.notes:
            lines += [f"- {n}" for n in self.notes] + [""]
        lines += ["## Issue 15 targets in this run", "", *self.target_table([self.done_when(), *self.targets_issue15()])]
        lines += ["## The library against the strongest peers and the true floor", "", *self.explain(), *self.issue_grid()]
        lines += ["## Isolated calls", "", *self.latency_table()]
        t4 = self.targets_issue4()
        if t4:
            lines += ["## Issue 4 targets (run A)", "", *self.target_table(t4)]
        lines += self.scaling_lines()
        for mode in self.runs:
            lines += [f"## {RUN_TITLES[mode]}", "", *self.wide_table(mode)]
        lines += ["## All cases", "",
                  "Per call: median, min and max over the interleaved samples (each the mean of `k` back-to-back "
                  "calls); `ratio` as above; `extra RSS`: peak resident memory above the baseline during the first "
                  "call of the case.", ""]
        for mode in self.runs:
            for p, b, s, label in self.cases:
                sel = [r for r in self.rows if r["mode"] == mode and (r["p"], r["b"], r["s"]) == (p, b, s)]
                if not sel:
                    continue
                lines += [f"### run {mode}: {label}", "",
                          "| contender | median | min | max | ratio | k | extra RSS | GB/s |",
                          "|---|---:|---:|---:|---:|---:|---:|---:|"]
                for r in sorted(sel, key=lambda r: r["median_s"]):
                    ratio = "" if r["ratio"] is None else fmt_ratio(r["ratio"])
                    rss = "?" if r["extra_rss_mib"] is None else f"{r['extra_rss_mib']:.1f} MiB"
                    gb = f"{r['gb_per_s']:.1f}" if "gb_per_s" in r else ""
                    lines.append(f"| {r['contender']} | {fmt_time(r['median_s'])} | {fmt_time(r['min_s'])} | "
                                 f"{fmt_time(r['max_s'])} | {ratio} | {r['calls_per_sample']} | {rss} | {gb} |")
                lines.append("")
        path.write_text("\n".join(lines))

    def write_summary(self, path: Path) -> None:
        """The compact page the README includes."""
        i = self.info
        lines = [
            f"Measured by `{self.command}` on {i['cpu']} ({i['cpus']} CPUs, {i['memory_gib']} GiB), commit {i['git']}, "
            f"{i['date']}; load average {i['load_start']} at the start, {i.get('load_end', '?')} at the end.",
            "",
            *self.target_table([self.done_when(), *self.targets_issue15()], "target (issue 15)"),
            *self.explain(),
            *self.issue_grid(),
            *self.latency_table(),
        ]
        t4 = self.targets_issue4()
        if t4:
            lines += self.target_table(t4, "target (issue 4, run A)")
        if "A" in self.runs:
            lines += self.wide_table("A")
        lines += self.scaling_lines()
        path.write_text("\n".join(lines) + "\n")

    def write(self, outdir: Path) -> list[Path]:
        outdir.mkdir(parents=True, exist_ok=True)
        data = {"machine": self.info, "command": self.command, "notes": self.notes,
                "runs": {m: r["info"] for m, r in self.runs.items()},
                "targets_issue15": [self.done_when(), *self.targets_issue15()],
                "targets_issue4": self.targets_issue4(), "rows": self.rows, "isolated": self.lat,
                "want": self.want, "cases": self.case_meta()}
        made = [outdir / "results.json", outdir / "results.md", outdir / "summary.md"]
        made[0].write_text(json.dumps(data, indent=1))
        self.write_markdown(made[1])
        self.write_summary(made[2])
        import compare_plots

        return made + compare_plots.plots(self, outdir)

    def log_summary(self) -> None:
        for m in ("B", "A"):
            for p, b, s, label in self.cases:
                g = self.gbps(m, (p, b, s), "true floor")
                if g is not None and m == ("B" if "B" in self.runs else "A"):
                    log(f"  true floor, run {m}, {label}: {g:.1f} GB/s")
        for a, b, c in [self.done_when(), *self.targets_issue15(), *self.targets_issue4()]:
            log(f"  {a}: {b} -> {c}")


def main(argv: list[str]) -> int:
    """Re-renders a report from its results.json (into its own directory, or OUTDIR)."""
    if len(argv) not in (1, 2):
        log("usage: python benches/compare_report.py RESULTS_JSON [OUTDIR]")
        return 2
    src = Path(argv[0])
    report = Report.from_results(json.loads(src.read_text()))
    made = report.write(Path(argv[1]) if len(argv) == 2 else src.parent)
    log("wrote " + ", ".join(str(m) for m in made))
    report.log_summary()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
