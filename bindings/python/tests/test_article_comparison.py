"""Smoke run of examples/python/article_comparison.py on a small size: every approach runs, agrees
with the reference, and the table, the per-sector log and the plot come out."""

from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import REPO_ROOT

SCRIPT = REPO_ROOT / "examples" / "python" / "article_comparison.py"

pytestmark = pytest.mark.skipif(not SCRIPT.is_file(), reason="no source checkout")


def run(*args, timeout=300):
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=timeout
    )


def test_small_run_of_every_approach(tmp_path):
    png = tmp_path / "comparison.png"
    r = run("--portfolios", "4", "--bonds", "2000", "--sectors", "18", "--min-time", "0.05",
            "--with-logging", "--plot", str(png))
    assert r.returncode == 0, r.stdout + r.stderr
    out = r.stdout
    assert "4 portfolios x 2,000 bonds x 18 sectors" in out
    rows = [line for line in out.splitlines() if line.startswith("| ") and "---" not in line]
    header, body = rows[0], rows[1:]
    assert "speed-up vs iterative" in header and "peak RSS" in header
    labels = [
        "iterative", "threading", "1 process per portfolio", "3 fixed workers",
        "numpy masked loop", "numpy.bincount", "this library: drop-in via raw ctypes",
        "this library: sector_weights package",
    ]
    for label in labels:
        row = next((b for b in body if label in b), None)
        assert row is not None, f"no row for {label}:\n{out}"
        assert "| yes (" in row, row
    cpp = next((b for b in body if "C++ unsafe baseline" in b), None)
    assert cpp is not None or "C++ baseline skipped" in out
    assert "portfolio  0 BANKING" in out and "target  5.556%" in out
    assert "target lines logged" in out
    if "matplotlib is not installed" not in out:
        assert png.is_file() and png.stat().st_size > 1000


def test_odd_sizes_and_subset():
    r = run("--portfolios", "3", "--bonds", "7", "--sectors", "25", "--only",
            "iterative,numpy-bincount,package", "--min-time", "0")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "SECTOR_24" in r.stdout  # sectors beyond the 18 named ones
    assert r.stdout.count("| yes (") == 3


def test_bad_arguments_are_refused():
    r = run("--only", "nonsense")
    assert r.returncode == 2 and "unknown approach" in r.stderr
    r = run("--sectors", "0")
    assert r.returncode == 2
