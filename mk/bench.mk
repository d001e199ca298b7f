# Performance (issue 4): benchmarks. Not part of `make test` except the smoke run.
#
#   make bench           criterion benchmarks of the Rust kernel (cargo bench --bench kernel);
#                        BENCH_ARGS='-- 20x50000' filters, SW_BENCH_HUGE=1 adds 500 x 50,000
#   make bench-parts     benches/parts.rs: one small portfolio with many sectors taken apart (check,
#                        zero + add, both, kernel::compute) against the plain loop, interleaved
#   make bench-compare   benches/compare.py: this library against C, C++, numpy, polars, pandas and
#                        the read-bandwidth floor, in one process; writes docs/benchmarks/
#                        (COMPARE_ARGS='--huge' adds 500 x 50,000; see --help)
#   make test-bench-smoke  compare.py on tiny sizes with every contender required (in make test)
.PHONY: bench bench-parts bench-deps bench-compare test-bench-smoke

BENCH_ARGS ?=
COMPARE_ARGS ?=
BENCH_EXTRA_PY := polars pandas matplotlib

bench:
	$(CARGO) bench --bench kernel $(BENCH_ARGS)

bench-parts:
	$(CARGO) bench --bench parts

# The package (python-install, mk/python.mk) plus the frame libraries and matplotlib in its venv.
bench-deps: python-install
	@$(VENV_PY) -c "import polars, pandas, matplotlib" 2>/dev/null || \
	  $(PY_PIP) install --quiet $(BENCH_EXTRA_PY)

bench-compare: build bench-deps
	$(VENV_PY) benches/compare.py $(COMPARE_ARGS)

test-bench-smoke: build bench-deps
	$(VENV_PY) benches/compare.py --smoke --require-all --out target/bench-smoke

TEST_TARGETS += test-bench-smoke
