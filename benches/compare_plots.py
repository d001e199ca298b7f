"""The PNG plots of benches/compare.py (matplotlib; none are made without it)."""

from __future__ import annotations

import sys
from pathlib import Path

from compare import ALL_CONTENDERS


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def plots(report, outdir: Path) -> list[Path]:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        log("matplotlib not installed: no plots")
        return []
    made = []
    mode = "A" if "A" in report.runs else next(iter(report.runs))
    rows = [r for r in report.rows if r["mode"] == mode]
    for s in sorted({r["s"] for r in rows}):
        made += time_vs_bonds(plt, outdir, [r for r in rows if r["s"] == s], s, mode)
    made += speedup_article(plt, outdir, rows, mode)
    made += peer_ratios(plt, outdir, report)
    made += isolated(plt, outdir, report)
    return made


def save(plt, fig, path: Path) -> list[Path]:
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return [path]


def time_vs_bonds(plt, outdir, sel, s, mode) -> list[Path]:
    if len({r["p"] * r["b"] for r in sel}) < 2:
        return []
    fig, ax = plt.subplots(figsize=(10, 6.5))
    for i, name in enumerate(ALL_CONTENDERS):
        mine = [r for r in sel if r["contender"] == name]
        if not mine:
            continue
        color = f"C{i % 10}"
        lw = 2.5 if name.startswith("sw") else 1.3
        ls = ":" if i >= 10 else ("--" if "1 thread" in name else "-")
        # Few large portfolios form the line; many small ones (another shape of the same number of
        # bonds) are separate crosses, so the line does not zigzag between shapes.
        line = sorted((r["p"] * r["b"], r["median_s"]) for r in mine if r["p"] < 1000)
        many = [(r["p"] * r["b"], r["median_s"]) for r in mine if r["p"] >= 1000]
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
    ax.set_title(f"Sector weights, {s:,} sectors: time vs bonds (run {mode})")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7, ncol=2)
    return save(plt, fig, outdir / f"time_vs_bonds_s{s}.png")


def speedup_article(plt, outdir, rows, mode) -> list[Path]:
    art = [r for r in rows if (r["p"], r["b"]) == (20, 50_000) and r["ratio"] is not None]
    sectors = sorted({r["s"] for r in art})
    if not art:
        return []
    fig, axes = plt.subplots(1, len(sectors), figsize=(6 * len(sectors), 5.5), squeeze=False)
    for ax, s in zip(axes[0], sectors):
        sel = sorted((r for r in art if r["s"] == s and not r["contender"].startswith("sw")),
                     key=lambda r: -r["ratio"])
        names = [r["contender"] for r in sel]
        vals = [r["ratio"] for r in sel]
        colors = ["tab:gray" if "floor" in n else "tab:blue" for n in names]
        ax.barh(names, vals, color=colors)
        ax.set_xscale("log")
        ax.axvline(1.0, color="black", lw=1)
        for y, v in enumerate(vals):
            ax.text(v, y, f" {v:.2f}", va="center", fontsize=8)
        ax.set_title(f"20 x 50,000, {s:,} sectors")
        ax.set_xlabel("this library's time / contender's time (log; < 1: the library is faster)")
    fig.suptitle(f"The library against each contender at the article's size (run {mode})")
    return save(plt, fig, outdir / "speedup_20x50000.png")


def peer_ratios(plt, outdir, report) -> list[Path]:
    """Issue 15's table as bars: per case, the library over OpenMP C and numba (runs A and B) and
    over the true floor (run B), with the 0.9 and 1.15 target lines."""
    series = [("A", "sw (C)", "OpenMP C"), ("B", "sw (C)", "OpenMP C"), ("A", "sw (ctypes)", "numba"),
              ("B", "sw (ctypes)", "numba"), ("B", "sw (C)", "true floor")]
    series = [x for x in series if x[0] in report.runs]
    cases = [c for c in report.cases if any(report.ratio(m, c[:3], b, p) for m, b, p in series)]
    if not cases or not series:
        return []
    fig, ax = plt.subplots(figsize=(max(8, 1.1 * len(cases)), 5.5))
    width = 0.8 / len(series)
    for j, (m, base, peer) in enumerate(series):
        vals = [report.ratio(m, c[:3], base, peer) for c in cases]
        xs = [i + (j - (len(series) - 1) / 2) * width for i in range(len(cases))]
        ax.bar(xs, [v[0] if v else 0 for v in vals], width, label=f"vs {peer}, run {m}", color=f"C{j}")
    ax.axhline(0.9, color="black", lw=1, ls="--", label="target vs peers: 0.9")
    ax.axhline(1.15, color="gray", lw=1, ls=":", label="target vs floor: 1.15 (500x50,000, 1x20M)")
    ax.set_xticks(range(len(cases)))
    ax.set_xticklabels([c[3] for c in cases], rotation=30, ha="right", fontsize=8)
    ax.set_yscale("log")
    ax.set_ylabel("library time / peer time (log; < 1: the library is faster)")
    ax.set_title("The library against the strongest peers and the true floor")
    ax.grid(True, axis="y", which="both", alpha=0.3)
    ax.legend(fontsize=8)
    return save(plt, fig, outdir / "peers_and_floor.png")


def isolated(plt, outdir, report) -> list[Path]:
    """Per case: the library's call back-to-back, after 10 ms idle, after a passive and after a
    spinning OpenMP neighbour, and its 1-thread call the same ways, over its back-to-back call."""
    bars = [("B", "sw (C)", "idle"), ("B", "sw (C) 1 thread", "idle"), ("B", "sw (C)", "neighbour"),
            ("N", "sw (C)", "neighbour"), ("N", "sw (C) 1 thread", "neighbour")]
    bars = [x for x in bars if x[0] in report.runs]
    cases = [c for c in report.cases if report.med.get(("B", *c[:3], "sw (C)")) and
             report.lat_med.get(("B", *c[:3], "sw (C)", "idle"))]
    if not cases or not bars:
        return []
    labels = {"idle": "after idle", "neighbour": "after OpenMP region"}
    fig, ax = plt.subplots(figsize=(max(8, 1.1 * len(cases)), 5.5))
    width = 0.8 / len(bars)
    for j, (m, name, cond) in enumerate(bars):
        vals = []
        for c in cases:
            t = report.lat_med.get((m, *c[:3], name, cond))
            b2b = report.med.get(("B", *c[:3], "sw (C)"))
            vals.append(t / b2b if t and b2b else 0)
        xs = [i + (j - (len(bars) - 1) / 2) * width for i in range(len(cases))]
        spin = " (spinning)" if m == "N" else ""
        ax.bar(xs, vals, width, label=f"{name}, {labels[cond]}{spin}, run {m}", color=f"C{j}")
    ax.axhline(1.0, color="black", lw=1)
    ax.axhline(1.3, color="gray", lw=1, ls="--", label="1.3 x back-to-back (target at 20x50,000)")
    ax.set_yscale("log")
    ax.set_xticks(range(len(cases)))
    ax.set_xticklabels([c[3] for c in cases], rotation=30, ha="right", fontsize=8)
    ax.set_ylabel("one call's time / sw (C) back-to-back, run B (log)")
    ax.set_title("Isolated calls: the library after idling, and next to an OpenMP neighbour")
    ax.grid(True, axis="y", alpha=0.3)
    ax.legend(fontsize=7)
    return save(plt, fig, outdir / "isolated_calls.png")
