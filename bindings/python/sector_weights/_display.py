"""How table results show themselves: a text report, HTML for notebooks, a matplotlib plot.

All three read plain (P, S) arrays and the result's labels (an ``Axes``); matplotlib is an
optional dependency imported only by :func:`plot`.
"""

from __future__ import annotations

import html
import math
from typing import Any, Dict, List, Mapping, Optional, Sequence

import numpy as np

__all__ = ["report", "html_table", "plot"]

_HTML_ROWS = 50  # portfolios shown in a notebook before "... N more"
_PLOT_PANELS = 24  # portfolios one plot() draws without being asked for them by label
_BREACH_COLOR = "#c0392b"
_BAR_COLOR = "#4c72b0"
_BAND_COLOR = "#bbbbbb"


def _pct(x: float, percent: bool, signed: bool = False) -> str:
    if math.isnan(x):
        return "-"
    if percent:
        return f"{100 * x:+.2f}%" if signed else f"{100 * x:.2f}%"
    return f"{x:+.4f}" if signed else f"{x:.4f}"


def report(
    axes: Any,
    cols: Dict[str, np.ndarray],
    t: Optional[np.ndarray],
    tol: Optional[np.ndarray],
    active: Optional[np.ndarray],
    breaches: Optional[np.ndarray],
    *,
    percent: bool = True,
    counts: Optional[Mapping[Any, int]] = None,
    legend: Sequence[str] = (),
) -> str:
    """One block per portfolio: a line per sector with ``cols``, then target, band and active
    when there are targets; breaches marked ``BREACH over`` / ``BREACH under``."""
    sectors = [str(s) for s in axes.sectors]
    width = max([len("sector")] + [len(s) for s in sectors])
    titles = list(cols) + (["target", "band", "active"] if t is not None else [])
    lines: List[str] = list(legend)
    for p, label in enumerate(axes.portfolios):
        if lines:
            lines.append("")
        head = str(label)
        if counts is not None:
            n = counts[label]
            head += f": {n} order{'s' if n != 1 else ''}" if n else ": no orders"
        lines.append(head)
        lines.append("  " + "sector".ljust(width) + "".join(f"{x:>10}" for x in titles))
        for k, name in enumerate(sectors):
            cells = [_pct(float(a[p, k]), percent, signed=c == "orders") for c, a in cols.items()]
            if t is not None and tol is not None and active is not None:
                cells += [
                    _pct(float(t[p, k]), percent),
                    "±" + _pct(float(tol[p, k]), percent),
                    _pct(float(active[p, k]), percent, signed=True),
                ]
            line = "  " + name.ljust(width) + "".join(f"{x:>10}" for x in cells)
            if breaches is not None and active is not None and breaches[p, k]:
                line += "  BREACH " + ("over" if active[p, k] > 0 else "under")
            lines.append(line.rstrip())
        if breaches is not None:
            n = int(np.count_nonzero(breaches[p]))
            lines.append(f"  {n} of {len(sectors)} sectors outside their band")
    if breaches is not None:
        n, hit = int(np.count_nonzero(breaches)), int(np.count_nonzero(breaches.any(axis=1)))
        lines += ["", f"{n} breaches in {hit} of {len(axes.portfolios)} portfolios"]
    return "\n".join(lines)


def html_table(
    title: str,
    axes: Any,
    cols: Dict[str, np.ndarray],
    t: Optional[np.ndarray],
    tol: Optional[np.ndarray],
    breaches: Optional[np.ndarray],
) -> str:
    """Portfolios x sectors, each cell the first of ``cols`` in percent; breached cells
    highlighted; every cell's tooltip lists all of ``cols`` and the band."""
    esc = html.escape
    main = next(iter(cols))
    P = len(axes.portfolios)
    out = [
        "<div><style>.sw-breach{background:#f8d7da;color:#842029;font-weight:bold}</style>",
        f"<table><caption style='text-align:left'>{esc(title)}: {esc(main)} weights"
        + (", breaches highlighted" if breaches is not None else "")
        + "</caption><thead><tr>",
        f"<th>{esc(str(axes.portfolio_name))}</th>",
    ]
    out += [f"<th>{esc(str(s))}</th>" for s in axes.sectors]
    out.append("</tr></thead><tbody>")
    for p in range(min(P, _HTML_ROWS)):
        out.append(f"<tr><th>{esc(str(axes.portfolios[p]))}</th>")
        for k in range(len(axes.sectors)):
            tip = "; ".join(f"{c} {_pct(float(a[p, k]), True)}" for c, a in cols.items())
            if t is not None and tol is not None:
                tip += f"; target {_pct(float(t[p, k]), True)} ± {_pct(float(tol[p, k]), True)}"
            breach = breaches is not None and bool(breaches[p, k])
            cls = " class='sw-breach'" if breach else ""
            cell = _pct(float(cols[main][p, k]), True)
            out.append(f"<td{cls} title='{esc(tip, quote=True)}'>{cell}</td>")
        out.append("</tr>")
    if P > _HTML_ROWS:
        more = f"... {P - _HTML_ROWS} more portfolios"
        out.append(f"<tr><td colspan='{len(axes.sectors) + 1}'>{more}</td></tr>")
    out.append("</tbody></table></div>")
    return "".join(out)


def _chosen(axes: Any, portfolio: Any) -> List[int]:
    if portfolio is None:
        if len(axes.portfolios) > _PLOT_PANELS:
            raise ValueError(
                f"{len(axes.portfolios)} portfolios are too many panels for one figure: pass "
                f"portfolio= a label or a list of labels"
            )
        return list(range(len(axes.portfolios)))
    labels = portfolio if isinstance(portfolio, (list, tuple)) else [portfolio]
    unknown = [x for x in labels if x not in axes.p_index]
    if unknown:
        raise ValueError(
            f"unknown portfolio {unknown[0]!r} (the portfolios are {axes.portfolios[:8]})"
        )
    return [axes.p_index[x] for x in labels]


def plot(
    axes: Any,
    main: np.ndarray,
    before: Optional[np.ndarray],
    t: Optional[np.ndarray],
    tol: Optional[np.ndarray],
    breaches: Optional[np.ndarray],
    portfolio: Any,
    main_label: str,
) -> Any:
    """A matplotlib Figure: a panel per chosen portfolio, a bar per sector (``main``, in %),
    the target as a tick inside its grey tolerance band, ``before`` as hollow circles;
    breached bars and their sector names in red."""
    try:
        from matplotlib.figure import Figure
        from matplotlib.lines import Line2D
        from matplotlib.patches import Patch
    except ImportError as e:
        raise ImportError("plot() needs matplotlib: pip install matplotlib") from e
    chosen = _chosen(axes, portfolio)
    S = len(axes.sectors)
    ncols = min(len(chosen), 3)
    nrows = math.ceil(len(chosen) / ncols)
    fig = Figure(
        figsize=(max(6.5, 5.0 * ncols), (0.28 * S + 1.2) * nrows + 0.4), layout="constrained"
    )
    panels = fig.subplots(nrows, ncols, squeeze=False).reshape(-1)
    y = np.arange(S)
    names = [str(s) for s in axes.sectors]
    for ax, p in zip(panels, chosen):
        hit = np.zeros(S, bool) if breaches is None else np.asarray(breaches[p], bool)
        if t is not None and tol is not None:
            lo = 100 * (t[p] - tol[p])
            ax.barh(y, 200 * tol[p], left=lo, height=0.9, color=_BAND_COLOR, alpha=0.5, zorder=0)
            ax.plot(100 * t[p], y, "|", color="black", markersize=14, zorder=3)
        ax.barh(
            y,
            100 * main[p],
            height=0.55,
            color=[_BREACH_COLOR if b else _BAR_COLOR for b in hit],
            zorder=2,
        )
        if before is not None:
            ax.plot(100 * before[p], y, "o", mfc="none", color="black", markersize=5, zorder=4)
        ax.set_yticks(y, names)
        for tick, b in zip(ax.get_yticklabels(), hit):
            if b:
                tick.set_color(_BREACH_COLOR)
        ax.invert_yaxis()
        ax.set_xlabel("% of portfolio")
        n = int(hit.sum())
        title = str(axes.portfolios[p]) + (
            f": {n} breach{'es' if n != 1 else ''}" if breaches is not None else ""
        )
        ax.set_title(title)
    for ax in panels[len(chosen) :]:
        ax.set_visible(False)
    handles = [Patch(color=_BAR_COLOR, label=main_label)]
    if breaches is not None:
        handles.append(Patch(color=_BREACH_COLOR, label="outside the band"))
    if t is not None:
        handles += [
            Line2D(
                [], [], marker="|", color="black", linestyle="none", markersize=12, label="target"
            ),
            Patch(color=_BAND_COLOR, alpha=0.5, label="tolerance band"),
        ]
    if before is not None:
        handles.append(
            Line2D([], [], marker="o", mfc="none", color="black", linestyle="none", label="before")
        )
    per_row = len(handles) if ncols > 1 else min(len(handles), 3)
    fig.legend(handles=handles, loc="outside lower center", ncols=per_row, frameon=False)
    return fig
