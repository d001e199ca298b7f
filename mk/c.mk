# C (issue 2 items 9-10, issue 6 item 3): the C API test, the drop-in proof for callers of the old
# `void` prototype, the same tests under valgrind and under ASan/UBSan, and the C examples.
# Everything is built into build/c/ against target/release (the `build` target).
#
#   make test-c            test_pm (order lists, targets); test_api linked with the .so and with the .a, compiled as C++ (extern "C"
#                          guards), and with RAYON_NUM_THREADS=3; tests/c/old_prototype.c; examples-c
#   make test-c-valgrind   test_api and old_prototype under valgrind memcheck: no errors, no definite
#                          or indirect leaks ("possibly lost"/"still reachable" are the worker threads
#                          still alive at exit, see examples/c/README.md)
#   make test-c-sanitize   test_api (.so and .a) and old_prototype built with
#                          -fsanitize=address,undefined, leak detection on
#   make demo-c            examples/c/article.c: the article's scenario and its timing (DEMO_C_ARGS)
#   make examples-c        builds both examples, runs bad_inputs and a short article run
.PHONY: test-c test-c-valgrind test-c-sanitize demo-c examples-c

C_OUT := build/c
C_LIBDIR := $(CURDIR)/target/release
C_VERSION := $(shell awk -F'"' '/^\[package\]/{p=1;next} /^\[/{p=0} p && /^version *=/{print $$2; exit}' Cargo.toml)
C_WARN := -Wall -Wextra -Wpedantic -Werror
C_CFLAGS := -std=c11 -g $(C_WARN) -Iinclude
C_CXXFLAGS := -std=c++17 -g $(C_WARN) -Iinclude
C_TEST_DEFS := -DSW_EXPECTED_VERSION='"$(C_VERSION)"'
# -lsector_weights picks the .so when both are present; the .a is named explicitly.
C_SO_LIBS := -L$(C_LIBDIR) -Wl,-rpath,$(C_LIBDIR) -lsector_weights -lpthread -lm
C_A_LIBS := $(C_LIBDIR)/libsector_weights.a -lpthread -ldl -lm
C_SAN := -O1 -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
# Leak detection stays on: LeakSanitizer treats live threads' stacks and TLS as roots, so the worker
# pool (alive at exit) is not a leak. halt_on_error: any UBSan report fails the run.
C_SAN_ENV := ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
VALGRIND ?= valgrind
C_VALGRIND_FLAGS := --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite,indirect \
	--show-leak-kinds=definite,indirect
# Every run is bounded: a deadlock fails the target instead of hanging CI.
C_RUN := timeout 600
DEMO_C_ARGS ?= --print 3

TEST_TARGETS += test-c test-c-valgrind test-c-sanitize

$(C_OUT):
	mkdir -p $@

# The examples link the shared library, so they need no relink when only the library changes.
$(C_OUT)/article: examples/c/article.c include/sector_weights.h | build $(C_OUT)
	$(CC) $(C_CFLAGS) -O2 $< -o $@ $(C_SO_LIBS)

$(C_OUT)/bad_inputs: examples/c/bad_inputs.c include/sector_weights.h | build $(C_OUT)
	$(CC) $(C_CFLAGS) -O2 $< -o $@ $(C_SO_LIBS)

examples-c: $(C_OUT)/article $(C_OUT)/bad_inputs
	$(C_RUN) $(C_OUT)/bad_inputs > $(C_OUT)/bad_inputs.log || { cat $(C_OUT)/bad_inputs.log; exit 1; }
	@tail -n 1 $(C_OUT)/bad_inputs.log
	$(C_RUN) $(C_OUT)/article --print 1 --runs 2

demo-c: $(C_OUT)/article
	$(C_OUT)/article $(DEMO_C_ARGS)

test-c: build examples-c | $(C_OUT)
	$(CC) $(C_CFLAGS) -O2 $(C_TEST_DEFS) tests/c/test_api.c -o $(C_OUT)/test_api $(C_SO_LIBS)
	$(CC) $(C_CFLAGS) -O2 $(C_TEST_DEFS) tests/c/test_api.c -o $(C_OUT)/test_api_static $(C_A_LIBS)
	$(CXX) -x c++ $(C_CXXFLAGS) -O2 $(C_TEST_DEFS) tests/c/test_api.c -x none -o $(C_OUT)/test_api_cxx $(C_SO_LIBS)
	$(CC) $(C_CFLAGS) -O2 tests/c/old_prototype.c -o $(C_OUT)/old_prototype $(C_SO_LIBS)
	$(CC) $(C_CFLAGS) -O2 tests/c/test_pm.c -o $(C_OUT)/test_pm $(C_SO_LIBS)
	$(C_RUN) $(C_OUT)/test_pm
	$(C_RUN) $(C_OUT)/test_api
	$(C_RUN) $(C_OUT)/test_api_static
	$(C_RUN) $(C_OUT)/test_api_cxx --quick
	RAYON_NUM_THREADS=3 $(C_RUN) $(C_OUT)/test_api --quick
	$(C_RUN) $(C_OUT)/old_prototype

test-c-valgrind: build | $(C_OUT)
	@command -v $(VALGRIND) >/dev/null 2>&1 || { \
		echo "valgrind not found; installing it with apt-get"; \
		apt-get install -y valgrind >/dev/null 2>&1 || sudo apt-get install -y valgrind; }
	$(CC) $(C_CFLAGS) -O2 $(C_TEST_DEFS) tests/c/test_api.c -o $(C_OUT)/test_api_vg $(C_SO_LIBS)
	$(CC) $(C_CFLAGS) -O2 tests/c/old_prototype.c -o $(C_OUT)/old_prototype_vg $(C_SO_LIBS)
	$(C_RUN) $(VALGRIND) $(C_VALGRIND_FLAGS) $(C_OUT)/test_api_vg
	$(C_RUN) $(VALGRIND) $(C_VALGRIND_FLAGS) $(C_OUT)/old_prototype_vg
	$(CC) $(C_CFLAGS) -O2 tests/c/test_pm.c -o $(C_OUT)/test_pm_vg $(C_SO_LIBS)
	$(C_RUN) $(VALGRIND) $(C_VALGRIND_FLAGS) $(C_OUT)/test_pm_vg

test-c-sanitize: build | $(C_OUT)
	$(CC) $(C_CFLAGS) $(C_SAN) $(C_TEST_DEFS) tests/c/test_api.c -o $(C_OUT)/test_api_asan $(C_SO_LIBS)
	$(CC) $(C_CFLAGS) $(C_SAN) $(C_TEST_DEFS) tests/c/test_api.c -o $(C_OUT)/test_api_asan_static $(C_A_LIBS)
	$(CC) $(C_CFLAGS) $(C_SAN) tests/c/old_prototype.c -o $(C_OUT)/old_prototype_asan $(C_SO_LIBS)
	$(C_SAN_ENV) $(C_RUN) $(C_OUT)/test_api_asan
	$(C_SAN_ENV) $(C_RUN) $(C_OUT)/test_api_asan_static
	$(C_SAN_ENV) $(C_RUN) $(C_OUT)/old_prototype_asan
	$(CC) $(C_CFLAGS) $(C_SAN) tests/c/test_pm.c -o $(C_OUT)/test_pm_asan $(C_SO_LIBS)
	$(C_SAN_ENV) $(C_RUN) $(C_OUT)/test_pm_asan
