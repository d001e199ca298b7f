"""Tests of examples/python/dask_portfolios.py (run by `make test-dask` with the project's venv).

The script runs on a LocalCluster of 2 process workers on a small size; its pieces (the
partition-independent data generator, chunk sums composing, the match check) are tested directly.
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("distributed", reason="dask[distributed] is not installed (make test-dask installs it)")
sw = pytest.importorskip("sector_weights", reason="the sector_weights package is not installed (make python-install)")

SCRIPT = Path(__file__).resolve().parents[2] / "examples" / "python" / "dask_portfolios.py"
spec = importlib.util.spec_from_file_location("dask_portfolios", SCRIPT)
dp = importlib.util.module_from_spec(spec)
spec.loader.exec_module(dp)


def test_generated_data_do_not_depend_on_the_partitioning():
    P, B, S = 9, 1001, 18
    weights, sectors = dp.generate(7, B, S, 0, P)
    assert weights.shape == sectors.shape == (P, B)
    assert weights.dtype == np.float64 and sectors.dtype == np.int32
    assert weights.min() >= 0.0 and weights.max() < 1.0
    assert sectors.min() == 0 and sectors.max() == S - 1
    w, s = dp.generate(7, B, S, 3, 8, 250, 777)
    assert np.array_equal(w, weights[3:8, 250:777])
    assert np.array_equal(s, sectors[3:8, 250:777])
    # Another seed gives other data.
    assert not np.array_equal(dp.generate(8, B, S, 0, P)[0], weights)


def test_blocks_cover_the_range_exactly_once():
    assert dp.blocks(10, 4) == [(0, 4), (4, 8), (8, 10)]
    assert dp.blocks(8, 4) == [(0, 4), (4, 8)]
    assert dp.blocks(3, 10) == [(0, 3)]


def test_chunk_partial_sums_compose_to_the_whole():
    seed, B, S = 3, 5003, 18
    whole, _ = dp.portfolio_task(seed, B, S, 2, 6)
    parts = [dp.chunk_task(seed, B, S, 2, 6, b0, b1) for b0, b1 in dp.blocks(B, 1000)]
    added, _ = dp.add_partials(*parts)
    ok, how = dp.compare(added, whole, B)
    assert ok, how
    # And both equal the naive per-sector sums.
    w, s = dp.generate(seed, B, S, 2, 6)
    naive = np.stack([np.bincount(s[p], weights=w[p], minlength=S) for p in range(4)])
    assert dp.compare(whole, naive, B)[0]


def test_compare_tells_a_match_from_a_difference():
    reference = np.array([[0.5, 1.25, 0.0], [3.0, 0.0, 2.0]])
    assert dp.compare(reference.copy(), reference, 100) == (True, "bit-identical")
    within = reference * (1 + 1e-15)
    ok, how = dp.compare(within, reference, 100)
    assert ok and "relative difference" in how
    off = reference.copy()
    off[1, 2] += 1e-9
    ok, how = dp.compare(off, reference, 100)
    assert not ok and "1 sums outside" in how
    assert not dp.compare(reference[:1], reference, 100)[0]


def test_script_on_a_local_cluster_of_two_workers():
    # Sizes that do not divide evenly: the last block and the last bond chunk are short.
    cmd = [sys.executable, str(SCRIPT), "--workers", "2", "--portfolios", "45", "--bonds", "2100",
           "--block", "10", "--bond-chunk", "500", "--seed", "11"]
    run = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    print(run.stdout)
    print(run.stderr[-3000:], file=sys.stderr)
    assert run.returncode == 0, run.stderr[-3000:]
    lines = run.stdout.strip().splitlines()
    assert re.match(r"cluster: LocalCluster of 2 process workers", lines[0])
    assert sum(1 for line in lines if line.startswith("  tcp://")) == 2
    assert any(line.startswith("partitioned along portfolios: 5 tasks,") and "M bonds/s" in line for line in lines)
    assert any(line.startswith("bond-chunked: 25 tasks (5 chunks") and "M bonds/s" in line for line in lines)
    assert any(line.startswith("single process") and "M bonds/s" in line for line in lines)
    assert lines[-1].startswith("result: match:")
    assert "partitioned along portfolios: bit-identical" in lines[-1]
