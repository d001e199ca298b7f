"""Tests of examples/python/dask_portfolios.py (run by `make test-dask` with the project's venv).

The script runs on a LocalCluster of 2 process workers on a small size; its data generator (the
same rows whatever the partitioning) is tested directly. sector_weights.dask itself is tested in
test_dask_holdings.py.
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


def test_generated_rows_do_not_depend_on_the_partitioning():
    whole = dp.generate(7, 0, 5000, 40, 18)
    assert list(whole.columns) == ["fund", "sector", "market_value"]
    assert whole.fund.nunique() == 40 and whole.sector.nunique() == 18
    assert list(whole.fund.cat.categories[:2]) == ["F0000", "F0001"]
    v = whole.market_value.to_numpy()
    assert np.isfinite(v).all() and (v < 0).any() and v.max() / np.abs(v).min() > 1e10
    part = dp.generate(7, 1234, 4321, 40, 18)
    assert part.equals(whole.iloc[1234:4321])
    assert not dp.generate(8, 0, 5000, 40, 18).equals(whole)


def test_blocks_cover_the_range_exactly_once():
    assert dp.blocks(10, 4) == [(0, 4), (4, 8), (8, 10)]
    assert dp.blocks(8, 4) == [(0, 4), (4, 8)]
    assert dp.blocks(3, 10) == [(0, 3)]


def test_script_on_a_local_cluster_of_two_workers():
    cmd = [sys.executable, str(SCRIPT), "--workers", "2", "--rows", "30001", "--funds", "37",
           "--partitions", "5", "--seed", "11"]
    run = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    print(run.stdout)
    print(run.stderr[-3000:], file=sys.stderr)
    assert run.returncode == 0, run.stderr[-3000:]
    lines = run.stdout.strip().splitlines()
    assert re.match(r"cluster: LocalCluster of 2 process workers; sector_weights ", lines[0])
    assert lines[1] == "data: 30,001 rows, 37 funds x 18 sectors, generated on the workers"
    assert re.match(r"split 1: 5 partitions \(generated and persisted in .* s\), weights in .* M rows/s", lines[2])
    assert re.match(r"split 2: 3 partitions \(.*\), weights in .* M rows/s", lines[3])
    assert lines[-1].startswith("result: match: bit-identical (split 1 = split 2; split 1 = one piece")
