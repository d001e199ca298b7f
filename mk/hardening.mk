# Hardening (issue 6): fuzzing, Miri, the catalogue of bad inputs from C and Python.
# (The Rust catalogue, panic and stress tests run in test-rust: tests/bad_inputs.rs, panic.rs,
# stress.rs. The C API tests under ASan/UBSan and valgrind are in mk/c.mk.)
#
#   make test-catalogue-c       (make test) tests/catalogue/catalogue.c on tests/catalogue/cases.txt,
#                               linked with the .so
#   make test-catalogue-c-sanitize
#                               (make check) the same built with -fsanitize=address,undefined
#                               (until this split, test-catalogue-c ran both)
#   make test-catalogue-python  (make test) tests/catalogue/*.py with the venv's pytest
#                               (python-install): every row through raw ctypes and the public API
#   make fuzz-short             (make check) every cargo-fuzz target for FUZZ_SHORT_TIME s (30), one
#                               after another
#   make fuzz-long              the same for FUZZ_LONG_TIME s (600) each: the local 10-minute runs
#   make fuzz-cmin              minimises build/fuzz/corpus/* + fuzz/seeds/* into fuzz/seeds/* (the
#                               committed seeds: a set cover of the features, about 100 KB)
#   make miri-ci                (make check) Miri over the catalogue and the inline panic tests
#                               (Stacked Borrows, strict provenance): a few minutes
#   make miri                   miri-ci, then Miri over the kernel, API, PM, property, pool-panic
#                               and stress tests (Tree Borrows): long
#   make hardening              all of the above except fuzz-long
#
# cargo-fuzz and Miri need the nightly toolchain (`rustup toolchain install nightly`); the targets
# install cargo-fuzz (`cargo install cargo-fuzz --locked`) and the miri component when missing.
# The library itself builds on stable.
.PHONY: test-catalogue-c test-catalogue-c-sanitize test-catalogue-python fuzz-install fuzz-short \
	fuzz-long fuzz-cmin miri-install miri-ci miri hardening

HARD_OUT := build/hardening
CATALOGUE := tests/catalogue/cases.txt
NIGHTLY ?= +nightly
FUZZ_TARGETS := calculate_sector_weights sw_sector_weights sw_sector_weights_ragged \
	sw_sector_exposures sw_last_error_message sw_compare_to_targets sw_grouped_sums sw_ragged_sums \
	sw_factorize_strings sw_partial_from_bytes
FUZZ_SHORT_TIME ?= 30
FUZZ_LONG_TIME ?= 600
FUZZ_CORPUS := $(CURDIR)/build/fuzz/corpus
# Every run is bounded: a hang fails the target instead of CI.
HARD_RUN := timeout 900

TEST_TARGETS += test-catalogue-c test-catalogue-python
CHECK_TARGETS += test-catalogue-c-sanitize fuzz-short miri-ci

$(HARD_OUT):
	mkdir -p $@

HARD_CATALOGUE_DEPS := tests/catalogue/catalogue.c include/sector_weights.h mk/hardening.mk Makefile

$(HARD_OUT)/catalogue: $(HARD_CATALOGUE_DEPS) | build $(HARD_OUT)
	$(CC) $(C_CFLAGS) -O2 $< -o $@ $(C_SO_LIBS)
$(HARD_OUT)/catalogue_san: $(HARD_CATALOGUE_DEPS) | build $(HARD_OUT)
	$(CC) $(C_CFLAGS) $(C_SAN) $< -o $@ $(C_SO_LIBS)

test-catalogue-c: build $(HARD_OUT)/catalogue
	$(HARD_RUN) $(HARD_OUT)/catalogue $(CATALOGUE)

test-catalogue-c-sanitize: build $(HARD_OUT)/catalogue_san
	$(C_SAN_ENV) $(HARD_RUN) $(HARD_OUT)/catalogue_san $(CATALOGUE)

# python-install is in mk/python.mk. Run from the root: the installed package.
test-catalogue-python: build python-install
	@$(HARD_RUN) $(VENV_PY) -m pytest -q -p no:cacheprovider tests/catalogue; rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "test-catalogue-python: FAILED: pytest collected no tests"; fi; exit $$rc

fuzz-install:
	@cargo $(NIGHTLY) --version >/dev/null 2>&1 || { echo "fuzzing needs the nightly toolchain: rustup toolchain install nightly"; exit 1; }
	@command -v cargo-fuzz >/dev/null 2>&1 || cargo install cargo-fuzz --locked

# $(1): seconds per target. New corpus entries go to build/ (never into the repository); the
# committed seeds in fuzz/seeds/<target> are read too. A crash, a failed check against the
# reference, or a timeout fails the target and leaves the input in fuzz/artifacts/<target>/.
define fuzz_all
	@mkdir -p build/fuzz; for t in $(FUZZ_TARGETS); do \
		mkdir -p $(FUZZ_CORPUS)/$$t fuzz/seeds/$$t; \
		echo "== fuzz $$t for $(1) s (log: build/fuzz/$$t.log)"; \
		cargo $(NIGHTLY) fuzz run $$t $(FUZZ_CORPUS)/$$t $(CURDIR)/fuzz/seeds/$$t -- \
			-max_total_time=$(1) -timeout=60 -print_final_stats=1 > build/fuzz/$$t.log 2>&1; \
		rc=$$?; \
		grep -aE '^#[0-9]+[[:space:]]+DONE' build/fuzz/$$t.log | tail -n 1; \
		if [ $$rc -ne 0 ]; then tail -n 80 build/fuzz/$$t.log; \
			if grep -q "failed to build fuzz script" build/fuzz/$$t.log; then \
				echo "fuzz $$t FAILED: the target did not build"; \
			else echo "fuzz $$t FAILED (exit $$rc): the input is in fuzz/artifacts/$$t/"; fi; exit 1; fi; \
	done
endef

fuzz-short: fuzz-install
	$(call fuzz_all,$(FUZZ_SHORT_TIME))

fuzz-long: fuzz-install
	$(call fuzz_all,$(FUZZ_LONG_TIME))

# Greedy set cover of the features seen: the smallest seed set that keeps the coverage.
fuzz-cmin: fuzz-install
	@for t in $(FUZZ_TARGETS); do \
		rm -rf build/fuzz/seeds-new/$$t && mkdir -p build/fuzz/seeds-new/$$t && \
		cargo $(NIGHTLY) fuzz run $$t $(CURDIR)/build/fuzz/seeds-new/$$t $(FUZZ_CORPUS)/$$t \
			$(CURDIR)/fuzz/seeds/$$t -- -set_cover_merge=1 > build/fuzz/cmin-$$t.log 2>&1 && \
		rm -rf fuzz/seeds/$$t && cp -r build/fuzz/seeds-new/$$t fuzz/seeds/$$t && \
		echo "$$t: $$(ls fuzz/seeds/$$t | wc -l) seeds" || exit 1; \
	done

miri-install:
	@cargo $(NIGHTLY) miri --version >/dev/null 2>&1 || rustup component add --toolchain nightly miri rust-src

# Miri's own target directory: it never disturbs the stable build.
MIRI_ENV := PROPTEST_CASES=2 CARGO_TARGET_DIR=$(CURDIR)/target/miri
MIRI_SB := -Zmiri-strict-provenance
# rayon's pool runs on crossbeam-epoch, which is sound under Tree Borrows but not Stacked Borrows
# (crossbeam-rs/crossbeam#545, #996) and casts integers to pointers; its threads outlive the tests.
MIRI_TB := -Zmiri-tree-borrows -Zmiri-permissive-provenance -Zmiri-ignore-leaks

# In CI (a few minutes): every catalogue row through the C ABI — NULL and zero-length ranges,
# misaligned pointers, raw addresses, outputs aliasing inputs — and panics on the calling thread,
# under the strictest settings (Stacked Borrows, strict provenance).
miri-ci: miri-install
	MIRIFLAGS="$(MIRI_SB)" $(MIRI_ENV) cargo $(NIGHTLY) miri test --all-features --test bad_inputs
	MIRIFLAGS="$(MIRI_SB)" $(MIRI_ENV) cargo $(NIGHTLY) miri test --all-features --test panic -- inline

# Everything, also on the pool (slow: see README, Hardening): the above, then the kernel unit
# tests, the API, PM and property tests, panics on pool workers and the 16-thread stress test.
miri: miri-ci
	MIRIFLAGS="$(MIRI_TB)" $(MIRI_ENV) cargo $(NIGHTLY) miri test --all-features --no-fail-fast \
		--lib --test api --test pm --test props --test panic --test stress

hardening: test-catalogue-c test-catalogue-c-sanitize test-catalogue-python fuzz-short miri
