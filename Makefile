# sector-weights. On a fresh machine two commands do all set-up:
#   make demo    the main demo (examples/python/article_comparison.py, the article's experiment)
#   make test    the everyday suites: Rust, C, C++, Python, Node, Dask, install (<= 5 min warm)
#   make check   make test, then the hardening and slow suites (fuzz-short, Miri, sanitizers,
#                valgrind, Java/Go/R, wheels, benchmark peers): what CI (.ci/run) runs
# tests/README.md says where each kind of test lives and how to run one alone.
#
# Each part of the project adds its own targets in a fragment mk/*.mk:
#   TEST_TARGETS += x     x runs in make test (and so in make check)
#   CHECK_TARGETS += y    y runs in make check only
# A fragment may use the shared variables below anywhere; its own variables it uses only itself.
# So the fragments can be read in any order, and none sets a variable another one reads.
.PHONY: all build demo test check suites lint test-make test-rust header clean

CARGO ?= cargo
PYTHON ?= python3

# ---- Shared by the fragments ------------------------------------------------------------------
# The version, read once: [package] version in Cargo.toml.
SW_VERSION := $(shell awk -F'"' '/^\[package\]/{p=1;next} /^\[/{p=0} p && /^version *=/{print $$2; exit}' Cargo.toml)
RELEASE_DIR := $(CURDIR)/target/release
RELEASE_LIB := target/release/libsector_weights.so
RELEASE_STATIC := target/release/libsector_weights.a
# The private install that tests link against (make ecosystem-stage, mk/install.mk): never the system.
ECO_PREFIX := $(CURDIR)/target/ecosystem/prefix
# The Python virtualenv: mk/python.mk makes it (targets python-env, python-install).
PY_VENV ?= $(CURDIR)/.venv
VENV_PY := $(PY_VENV)/bin/python
PY_PIP := $(VENV_PY) -m pip --disable-pip-version-check
# C programs built against include/ and the release library (mk/c.mk, mk/hardening.mk).
C_WARN := -Wall -Wextra -Wpedantic -Werror
C_CFLAGS := -std=c11 -g $(C_WARN) -Iinclude
C_CXXFLAGS := -std=c++17 -g $(C_WARN) -Iinclude
# -lsector_weights picks the .so when both are present; the .a is named explicitly.
C_SO_LIBS := -L$(RELEASE_DIR) -Wl,-rpath,$(RELEASE_DIR) -lsector_weights -lpthread -lm
C_A_LIBS := $(RELEASE_DIR)/libsector_weights.a -lpthread -ldl -lm
C_SAN := -O1 -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
# Leak detection stays on: LeakSanitizer treats live threads' stacks and TLS as roots, so the worker
# pool (alive at exit) is not a leak. halt_on_error: any UBSan report fails the run.
C_SAN_ENV := ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

DEMO := demo-python
TEST_TARGETS := lint test-make test-rust
CHECK_TARGETS :=

all: build

build:
	$(CARGO) build --release

MK_FRAGMENTS ?= $(sort $(wildcard mk/*.mk))
include $(MK_FRAGMENTS)

demo: $(DEMO)

test: $(TEST_TARGETS)
	@echo "== make test: every everyday suite passed =="

check: $(TEST_TARGETS) $(CHECK_TARGETS)
	@echo "== make check: every suite passed =="

suites:
	@echo "make test runs:        $(TEST_TARGETS)"
	@echo "make check adds:       $(CHECK_TARGETS)"

lint:
	$(CARGO) fmt --check
	$(CARGO) clippy --release --all-targets --all-features -- -D warnings

# The fragments do not depend on the order they are read in (tests/make/fragments.sh).
test-make:
	MAKE="$(MAKE)" bash tests/make/fragments.sh

# The Rust tests need the test-only panic-hook feature, so they build in their own target directory:
# the library is a cdylib, whose file names in target/release carry no hash, so a build with other
# features there would replace the release library, and each build would redo the other every run.
# There they build without LTO, in 16 codegen units (the release library that the C, Python and
# other suites test keeps Cargo.toml's thin LTO and single unit). Measured here: 190 s of CPU
# instead of 470 s from a clean checkout, and 7 s instead of 37 s warm (each doctest links the
# library, with LTO 5 s apiece); the tests themselves run as fast.
# RUST_TEST_ARGS picks tests: make test-rust RUST_TEST_ARGS='--test api -- ragged'
RUST_TEST_DIR := $(CURDIR)/target/all-features
RUST_TEST_ENV := CARGO_PROFILE_RELEASE_LTO=off CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16
RUST_TEST_ARGS ?=
test-rust:
	$(RUST_TEST_ENV) $(CARGO) test --release --all-features --target-dir $(RUST_TEST_DIR) $(RUST_TEST_ARGS)

# Regenerate the committed C header from the Rust sources.
header:
	SW_UPDATE_HEADER=1 $(CARGO) test --release --test header

clean:
	$(CARGO) clean
