"""sector_weights.spark on PySpark local[2] (run by `make test-spark`, which sets PYSPARK_PYTHON).

The Spark results equal the one-machine exact results bit for bit for two partitionings of the
rows (shuffled); exposures; errors name the row by its Spark partition; the Python workers'
library thread count follows the OMP_NUM_THREADS Spark's Python runner sets.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("pyspark", reason="pyspark is not installed (make test-spark installs it)")
sw = pytest.importorskip("sector_weights", reason="the sector_weights package is not installed (make python-install)")
if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
    pytest.skip("Spark needs Java (17 or later): none found", allow_module_level=True)

import pandas as pd  # noqa: E402

import sector_weights.spark as sws  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from distributed_data import (  # noqa: E402
    SECTORS, exact_weights, has_exact_holdings, holdings, same_bits, shuffled,
)  # fmt: skip

COLUMNS = dict(portfolio="fund", sector="sector", value="mv")
# PySpark 4.3 warns that it does not fully support pandas 3 (the features used here work).
pytestmark = pytest.mark.filterwarnings("ignore:PySpark does not yet fully support", "ignore::DeprecationWarning", "ignore:The copy keyword")


@pytest.fixture(scope="module")
def spark():
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)  # the workers use this environment
    from pyspark.sql import SparkSession

    s = (
        SparkSession.builder.master("local[2]")
        .appName("sector-weights-test")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.executorEnv.SECTOR_WEIGHTS_NUM_THREADS", "2")
        .getOrCreate()
    )
    s.sparkContext.setLogLevel("ERROR")
    yield s
    s.stop()


@pytest.fixture(scope="module")
def pdf():
    return holdings(num_rows=8_000, num_funds=9)


@pytest.fixture(scope="module")
def frames(spark, pdf):
    """The same rows in two partitionings: shuffled, 3 round-robin partitions; shuffled again,
    5 partitions by sector (a sector's rows together, a fund's rows everywhere)."""
    a = spark.createDataFrame(shuffled(pdf, 1).reset_index(drop=True)).repartition(3)
    b = spark.createDataFrame(shuffled(pdf, 2).reset_index(drop=True)).repartition(5, "sector")
    return a.cache(), b.cache()  # each read by several passes


def test_weights_and_exposures_equal_the_one_machine_result(frames, pdf):
    reference = exact_weights(pdf)
    exposures = exact_weights(pdf, metric="dur")
    for sdf in frames:
        h = sws.Holdings(sdf, **COLUMNS)
        same_bits(h.weights(), reference)
        same_bits(h.exposures("dur"), exposures)
    listed = SECTORS[::-1]
    got = sws.weights(frames[0], **COLUMNS, sectors=listed)
    same_bits(got, exact_weights(pdf, sectors=listed))
    if has_exact_holdings():  # once Holdings has exact sums (issue 16 §1)
        whole = sw.Holdings(pdf, **COLUMNS)
        same_bits(h.weights(), whole.weights(exact=True))
        same_bits(h.exposures("dur"), whole.exposures("dur", exact=True))


def test_evaluate_and_errors(spark, frames, pdf):
    orders = pd.DataFrame({"fund": ["F00", "F03", "F03"], "sector": ["S01", "S02", "S05"],
                           "mv": [1e6, -2e5, 3e5]})  # fmt: skip
    sdf = frames[0]
    e = sws.evaluate(sdf, spark.createDataFrame(orders), **COLUMNS)
    same_bits(e.before, exact_weights(pdf))
    assert e.order_counts["F03"] == 2 and e.orders.loc["F01"].isna().all()
    if has_exact_holdings("evaluate"):
        want = sw.Holdings(pdf, **COLUMNS).evaluate(orders, exact=True)
        for key in ("before", "orders", "after"):
            same_bits(getattr(e, key), getattr(want, key))
    bad = pdf.reset_index(drop=True)
    bad.loc[5_000, "mv"] = np.nan
    bad_sdf = spark.createDataFrame(bad).repartition(2).cache()
    with pytest.raises(sw.SectorWeightsError, match=r"1 row of the holdings has no 'mv' .*first at row \d+ of Spark partition \d"):
        sws.weights(bad_sdf, **COLUMNS)
    h = sws.Holdings(bad_sdf, **COLUMNS, na="drop")
    assert h.dropped == 1
    same_bits(h.weights(), exact_weights(bad.dropna()))
    with pytest.raises(ValueError, match="no column 'market_value'"):
        sws.weights(sdf, portfolio="fund", sector="sector", value="market_value")
    with pytest.raises(TypeError, match="must be a pyspark DataFrame"):
        sws.weights(pdf, **COLUMNS)


def test_python_workers_honour_spark_task_cpus(spark):
    def threads(_):
        import sector_weights as sw

        sw.set_num_threads(0)  # the default: the environment decides
        given = sw.get_num_threads()
        mine = os.environ.pop("SECTOR_WEIGHTS_NUM_THREADS")
        sw.set_num_threads(0)
        without = sw.get_num_threads()
        os.environ["SECTOR_WEIGHTS_NUM_THREADS"] = mine
        sw.set_num_threads(0)
        yield (os.environ.get("OMP_NUM_THREADS"), mine, given, without)

    got = set(spark.sparkContext.parallelize(range(2), 2).mapPartitions(threads).collect())
    # spark.task.cpus is 1: OMP_NUM_THREADS=1 sizes the pool, unless SECTOR_WEIGHTS_NUM_THREADS
    # (here spark.executorEnv.SECTOR_WEIGHTS_NUM_THREADS=2) says otherwise.
    assert got == {("1", "2", 2, 1)}


def test_example_on_the_running_session(spark, capsys):
    script = Path(__file__).resolve().parents[2] / "examples" / "python" / "spark_portfolios.py"
    spec = importlib.util.spec_from_file_location("spark_portfolios", script)
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    assert example.run(spark, rows=30_001, funds=23, sectors=18, seed=5) == 0
    out = capsys.readouterr().out
    assert "data: 30,001 rows, 23 funds x 18 sectors" in out
    assert "result: match: bit-identical (the two partitionings;" in out
