# sector-weights: `make demo` runs the main demo, `make test` runs every test suite (what CI runs).
# Each part of the project adds its own targets in mk/*.mk (TEST_TARGETS += ...).
.PHONY: all build demo test lint test-rust header clean

CARGO ?= cargo
PYTHON ?= python3
RELEASE_LIB := target/release/libsector_weights.so
TEST_TARGETS := lint test-rust
DEMO := demo-c

all: build

build:
	$(CARGO) build --release

include $(sort $(wildcard mk/*.mk))

demo: $(DEMO)

test: $(TEST_TARGETS)
	@echo "== all test suites passed =="

lint:
	$(CARGO) fmt --check
	$(CARGO) clippy --release --all-targets --all-features -- -D warnings

test-rust: build
	$(CARGO) test --release --all-features

# Regenerate the committed C header from the Rust sources.
header:
	SW_UPDATE_HEADER=1 $(CARGO) test --release --test header

clean:
	$(CARGO) clean
