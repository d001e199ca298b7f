# Distributed engines (issue 16 §3): sector_weights.dask and sector_weights.spark, the holdings table
# API on a Dask or PySpark DataFrame partitioned any way, bit for bit equal to one machine's exact
# result (docs/distributed.md).
#
#   make test-dask    a LocalCluster of 2 process workers: tests/ecosystem/test_dask_holdings.py (the
#                     module) and test_dask.py (examples/python/dask_portfolios.py); in make test
#   make test-spark   PySpark local[2]: tests/ecosystem/test_spark.py (with
#                     examples/python/spark_portfolios.py on the same session); in make check only
#                     (Spark starts a JVM); SKIPPED with a message where java is missing
#
# Both install what they need into the venv of mk/python.mk when it lacks it: dask[distributed] and
# pyspark are heavy (pyspark is about 490 MB installed) and only these targets use them, so they are not in
# PY_REQUIREMENTS. Spark's Python workers run the venv's python (PYSPARK_PYTHON).
.PHONY: test-dask test-spark

DASK_REQUIREMENT ?= dask[distributed]
SPARK_REQUIREMENT ?= pyspark
SPARK_ENV := PYSPARK_PYTHON=$(VENV_PY) PYSPARK_DRIVER_PYTHON=$(VENV_PY)

# $(call venv_has,module,requirement): install the requirement into the venv unless it imports.
venv_has = $(VENV_PY) -c "import $(1)" 2>/dev/null || { echo "installing $(2) into $(PY_VENV)"; \
	  $(PY_PIP) install --quiet "$(2)"; }

# pytest exits 5 when it collected no test: that fails too.
dist_pytest = $(VENV_PY) -m pytest -q -p no:cacheprovider $(2); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "$(1): FAILED: pytest collected no tests"; fi; exit $$rc

test-dask: python-install
	@$(call venv_has,distributed,$(DASK_REQUIREMENT))
	@$(call dist_pytest,$@,tests/ecosystem/test_dask_holdings.py tests/ecosystem/test_dask.py)

test-spark: python-install
	@if ! command -v java >/dev/null 2>&1 && [ -z "$$JAVA_HOME" ]; then \
	  echo "test-spark: SKIPPED: Spark needs Java 17 or later (Debian: apt-get install openjdk-17-jre-headless)"; \
	else \
	  $(call venv_has,pyspark,$(SPARK_REQUIREMENT)) && \
	  { $(SPARK_ENV) $(call dist_pytest,$@,tests/ecosystem/test_spark.py); }; \
	fi

TEST_TARGETS += test-dask
CHECK_TARGETS += test-spark
