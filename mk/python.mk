# Python (issue 3): the sector_weights package, its tests, and the article's experiment.
#
#   make python-env      a virtualenv ($(PY_VENV)) with numpy and pytest, plus pandas, polars,
#                        pyarrow, duckdb and matplotlib for the tests (the table API's input kinds)
#                        and the plots that use them, and threadpoolctl (an optional dependency:
#                        tests/test_thread_budget.py checks its controller)
#   make python-install  builds the Rust library and installs ./bindings/python into the venv,
#                        again whenever a Rust or package source changed (never a stale library)
#   make test-python     pytest bindings/python/tests
#   make demo-python     examples/python/article_comparison.py at the article's size
#
# The venv's variables (PY_VENV, VENV_PY, PY_PIP) are in the top Makefile: other parts may depend on
# python-env or python-install and run $(VENV_PY).
.PHONY: python-env python-install test-python demo-python

PY_REQUIREMENTS := numpy pytest pandas polars pyarrow duckdb matplotlib threadpoolctl
PY_ENV_STAMP := $(PY_VENV)/.sector-weights-env
PY_INSTALL_STAMP := $(PY_VENV)/.sector-weights-installed
# Everything the installed package is built from: a change to any of these reinstalls it.
PY_PKG_SOURCES := Cargo.toml Cargo.lock build.rs cbindgen.toml $(shell find src -name '*.rs') \
	$(wildcard bindings/python/pyproject.toml bindings/python/setup.py bindings/python/sector_weights/*)
DEMO_PYTHON_ARGS ?=

$(PY_ENV_STAMP): mk/python.mk
	$(PYTHON) -m venv $(PY_VENV)
	$(PY_PIP) install --quiet $(PY_REQUIREMENTS)
	touch $@

python-env: $(PY_ENV_STAMP)

# setuptools-rust runs `cargo rustc --release` on ../../Cargo.toml (cargo decides what to rebuild);
# the build directory is removed first so that no file of an earlier build is packaged.
$(PY_INSTALL_STAMP): $(PY_ENV_STAMP) $(PY_PKG_SOURCES)
	rm -rf bindings/python/build
	$(PY_PIP) install --quiet --force-reinstall --no-deps ./bindings/python
	touch $@

python-install: $(PY_INSTALL_STAMP)

# Runs from the repository root so that `import sector_weights` finds the installed package, not
# the source directory. pytest exits 5 when it collected no test: that fails too.
# The fast path's C source must compile without a warning (setup.py builds it with -Wall -Wextra).
test-python: build python-install
	$(CC) -fsyntax-only -Wall -Wextra -Werror -I"$$($(VENV_PY) -c 'import sysconfig; print(sysconfig.get_paths()["include"])')" \
	  bindings/python/sector_weights/_fastcall.c
	@$(VENV_PY) -m pytest -q -p no:cacheprovider bindings/python/tests; rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "test-python: FAILED: pytest collected no tests"; fi; exit $$rc

demo-python: python-install
	$(VENV_PY) examples/python/article_comparison.py $(DEMO_PYTHON_ARGS)

TEST_TARGETS += test-python
