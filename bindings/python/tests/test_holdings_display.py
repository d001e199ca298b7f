"""How table results show: text reports, notebook HTML with breaches highlighted, matplotlib
plots rendered to PNG; and the frames benchmark's smoke run."""

from __future__ import annotations

import io
import subprocess
import sys

import numpy as np
import pytest

import sector_weights as sw

from conftest import REPO_ROOT
from test_holdings import make_rows

pd = pytest.importorskip("pandas")

TARGETS = {"Energy": 0.3, "Financials": 0.2, "Govt": 0.25, "Utilities": 0.25}


@pytest.fixture
def h(rng):
    return sw.Holdings(pd.DataFrame(make_rows(rng)), "fund", "sector", "mv")


@pytest.fixture
def orders():
    return pd.DataFrame(
        {"fund": ["Alpha", "Gamma"], "sector": ["Energy", "Govt"], "mv": [900.0, -50.0]}
    )


def test_compare_report_lists_every_cell_and_marks_breaches(h):
    r = h.compare(TARGETS, 0.02)
    text = r.report()
    blocks = {b.split("\n")[0]: b for b in text.split("\n\n")}
    b = r.breaches
    for f in h.portfolios:
        lines = blocks[f].split("\n")
        assert lines[1].split() == ["sector", "actual", "target", "band", "active"]
        for s, line in zip(h.sectors, lines[2:6]):
            assert line.split()[0] == s
            assert ("BREACH" in line) == bool(b.loc[f, s])
            assert f"{100 * h.weights().loc[f, s]:.2f}%" in line and "±2.00%" in line
    assert f"{int(b.to_numpy().sum())} breaches in" in text


def test_evaluate_report_names_funds_without_orders(h, orders):
    text = h.evaluate(orders, targets=TARGETS, tolerance=0.02).report()
    assert "Alpha: 1 order" in text and "Beta: no orders" in text
    assert "after = (holdings + orders)" in text
    plain = h.evaluate(orders).report(percent=False)
    assert "BREACH" not in plain and "target" not in plain


def test_repr(h, orders):
    assert repr(h) == "Holdings(3 portfolios x 4 sectors, 300 rows)"
    r = h.compare(TARGETS, 0.02)
    assert (
        repr(r)
        == f"TableComparison(3 portfolios x 4 sectors, {int(r.breaches.to_numpy().sum())} breaches)"
    )
    assert repr(h.evaluate(orders)) == "TableEvaluation(3 portfolios x 4 sectors, 2 with orders)"


def test_html_highlights_exactly_the_breaches(h, orders):
    for r in (h.compare(TARGETS, 0.02), h.evaluate(orders, targets=TARGETS, tolerance=0.02)):
        page = r._repr_html_()
        assert page.startswith("<div>") and page.endswith("</div>")
        assert page.count("class='sw-breach'") == int(r.breaches.to_numpy().sum()) > 0
        assert page.count("<td") == 3 * 4
        assert "target 30.00% ± 2.00%" in page
    assert "<th>Alpha</th>" in h._repr_html_()


def test_html_escapes_labels(rng):
    rows = make_rows(rng, funds=["<b>A&B</b>", "C"], sectors=["x", "y"])
    page = sw.Holdings(pd.DataFrame(rows), "fund", "sector", "mv").compare(0.5, 0.1)._repr_html_()
    assert "<b>A&B</b>" not in page and "&lt;b&gt;A&amp;B&lt;/b&gt;" in page


def test_plot_renders_png_with_breaches_marked(h, orders):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    r = h.compare(TARGETS, 0.02)
    fig = r.plot()
    axes = [a for a in fig.axes if a.get_visible()]
    assert len(axes) == 3
    breach_color = matplotlib.colors.to_rgba("#c0392b")
    for ax, f in zip(axes, h.portfolios):
        bars = [p for p in ax.patches if p.get_height() == pytest.approx(0.55)]
        assert len(bars) == 4
        red = sum(1 for p in bars if p.get_facecolor() == breach_color)
        assert red == int(r.breaches.loc[f].sum())
        widths = [p.get_width() for p in bars]
        np.testing.assert_allclose(widths, 100 * h.weights().loc[f].to_numpy())
        assert ax.get_title().startswith(f)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=60)
    png = buf.getvalue()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5_000

    one = h.evaluate(orders, targets=TARGETS, tolerance=0.02).plot(portfolio="Alpha")
    assert len([a for a in one.axes if a.get_visible()]) == 1
    buf = io.BytesIO()
    one.savefig(buf, format="png", dpi=60)
    assert buf.getvalue()[:4] == b"\x89PNG"
    with pytest.raises(ValueError, match="unknown portfolio 'Zeta'"):
        r.plot(portfolio="Zeta")


def test_frames_benchmark_smoke():
    """benches/frames.py runs end to end (tiny sizes) and checks its results against pandas."""
    pytest.importorskip("polars")
    pytest.importorskip("pyarrow")  # the benchmark's string cases and its polars-to-pandas check
    r = subprocess.run(
        [sys.executable, str(REPO_ROOT / "benches" / "frames.py"), "--smoke"],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert "| string | sector_weights (pandas) |" in r.stdout
    assert "| orders (3 lists) | sector_weights |" in r.stdout


def test_holdings_demo_runs(tmp_path):
    """examples/python/holdings_demo.py end to end on a small table, with its plot."""
    pytest.importorskip("matplotlib")
    png = tmp_path / "plot.png"
    demo = REPO_ROOT / "examples" / "python" / "holdings_demo.py"
    r = subprocess.run(
        [sys.executable, str(demo), "--bonds", "300", "--plot", str(png)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert (
        "ETF-01: no orders" in r.stdout
        and "TableEvaluation(20 portfolios x 18 sectors, 19 with orders" in r.stdout
    )
    assert png.read_bytes()[:4] == b"\x89PNG"


def test_html_of_many_portfolios_is_cut(rng):
    funds = [f"F{i:03d}" for i in range(60)]
    rows = make_rows(rng, n=600, funds=funds, sectors=["x", "y"])
    page = sw.Holdings(pd.DataFrame(rows), "fund", "sector", "mv")._repr_html_()
    assert page.count("<tr><th>") == 1 + 50 and "... 10 more portfolios" in page  # header + 50
