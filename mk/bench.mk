# Performance (issues 4 and 15): benchmarks. Not part of `make test` except the smoke run.
#
#   make bench             criterion benchmarks of the Rust kernel (cargo bench --bench kernel);
#                          BENCH_ARGS='-- 20x50000' filters, SW_BENCH_HUGE=1 adds 500 x 50,000
#   make bench-parts       benches/parts.rs: one small portfolio with many sectors taken apart (check,
#                          zero + add, both, kernel::compute) against the plain loop, interleaved
#   make bench-exact       benches/exact.rs: exact mode (SW_EXACT) against the default mode, interleaved
#                          in one process (EXACT_CASES=call selects the whole calls, EXACT_ROUNDS the
#                          rounds; docs/guarantees.md quotes it)
#   make bench-compare     benches/compare.py: this library against C, C++, OpenMP C, numba, numpy,
#                          polars, pandas, duckdb, boost-histogram and the true read floor, in runs
#                          A, B and N; writes docs/benchmarks/ (COMPARE_ARGS='--huge' adds
#                          500 x 50,000, '--out DIR' writes elsewhere; see --help)
#   make bench-deps        the package and every Python peer in the venv ($(BENCH_PY) $(BENCH_PEERS_PY))
#   make test-bench-smoke  compare.py on tiny sizes, every contender but the heavy pip peers required
#                          (in make test: no large install, well under a minute); then the report
#                          re-rendered from its results.json must be the same
#   python benches/compare_report.py docs/benchmarks/results.json   re-renders a run's tables and
#                          plots with the current report code (no timing)
#   make test-bench-peers  the same with numba, duckdb and boost-histogram required too (make check;
#                          installs them)
.PHONY: bench bench-exact bench-parts bench-deps bench-deps-core bench-compare test-bench-smoke test-bench-peers

BENCH_ARGS ?=
COMPARE_ARGS ?=
BENCH_PY := polars pandas matplotlib
BENCH_PEERS_PY := numba duckdb boost-histogram
BENCH_SMOKE_ARGS := --smoke --require-all

bench:
	$(CARGO) bench --bench kernel $(BENCH_ARGS)

bench-parts:
	$(CARGO) bench --bench parts

EXACT_CASES ?=
EXACT_ROUNDS ?= 31
bench-exact:
	SW_EXACT_CASES='$(EXACT_CASES)' SW_EXACT_ROUNDS='$(EXACT_ROUNDS)' $(CARGO) bench --bench exact

# The package (python-install, mk/python.mk) plus the frame libraries and matplotlib in its venv.
bench-deps-core: python-install
	@$(VENV_PY) -c "import polars, pandas, matplotlib" 2>/dev/null || \
	  $(PY_PIP) install --quiet $(BENCH_PY)

# ... plus the heavy peers: numba (with llvmlite), duckdb, boost-histogram.
bench-deps: bench-deps-core
	@$(VENV_PY) -c "import numba, duckdb, boost_histogram" 2>/dev/null || \
	  $(PY_PIP) install --quiet $(BENCH_PEERS_PY)

bench-compare: build bench-deps
	$(VENV_PY) benches/compare.py $(COMPARE_ARGS)

# The smoke run, then its report re-rendered from results.json alone: the tables must come out the same.
test-bench-smoke: build bench-deps-core
	$(VENV_PY) benches/compare.py $(BENCH_SMOKE_ARGS) --without numba,duckdb,boost-histogram \
	  --out target/bench-smoke
	$(VENV_PY) benches/compare_report.py target/bench-smoke/results.json target/bench-smoke-rerender
	cmp target/bench-smoke/results.md target/bench-smoke-rerender/results.md

test-bench-peers: build bench-deps
	$(VENV_PY) benches/compare.py $(BENCH_SMOKE_ARGS) --out target/bench-smoke-peers

TEST_TARGETS += test-bench-smoke
CHECK_TARGETS += test-bench-peers
