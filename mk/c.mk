# C (issue 2 items 9-10, issue 6 item 3): the C API test, the drop-in proof for callers of the old
# `void` prototype, the portfolio-manager test, the same under valgrind and under ASan/UBSan, and
# the C examples. Everything is built into build/c/ against target/release (the `build` target),
# with the shared C flags of the top Makefile; objects are rebuilt only when their sources change.
#
#   make test-c            (make test) test_pm (order lists, targets); test_api (tests/c/api/, one
#                          file per area) linked with the .so and with the .a, compiled as C++
#                          (extern "C" guards), and with RAYON_NUM_THREADS=3; tests/c/old_prototype.c;
#                          examples-c
#   make test-c-valgrind   (make check) test_api, old_prototype and test_pm under valgrind memcheck:
#                          no errors, no definite or indirect leaks ("possibly lost"/"still reachable"
#                          are the worker threads still alive at exit, see examples/c/README.md)
#   make test-c-sanitize   (make check) test_api (.so and .a), old_prototype and test_pm built with
#                          -fsanitize=address,undefined, leak detection on
#   make demo-c            examples/c/article.c: the article's scenario and its timing (DEMO_C_ARGS)
#   make examples-c        builds both examples, runs bad_inputs and a short article run
#   make build/c/test_api  the C API test alone; then build/c/test_api [--quick] [--only AREA,...]
.PHONY: test-c test-c-valgrind test-c-sanitize demo-c examples-c

C_OUT := build/c
C_TEST_DEFS := -DSW_EXPECTED_VERSION='"$(SW_VERSION)"'
VALGRIND ?= valgrind
C_VALGRIND_FLAGS := --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite,indirect \
	--show-leak-kinds=definite,indirect
# Every run is bounded: a deadlock fails the target instead of hanging CI.
C_RUN := timeout 600
DEMO_C_ARGS ?= --print 3

# What a C test object is compiled from besides its own source (the flags live in these makefiles).
C_DEPS := include/sector_weights.h mk/c.mk Makefile
C_API_SRC := $(sort $(wildcard tests/c/api/*.c))
C_API_OBJ := $(C_API_SRC:tests/c/api/%.c=$(C_OUT)/api/%.o)
C_API_CXX_OBJ := $(C_API_SRC:tests/c/api/%.c=$(C_OUT)/api-cxx/%.o)
C_API_SAN_OBJ := $(C_API_SRC:tests/c/api/%.c=$(C_OUT)/api-san/%.o)
# Single-file programs: tests/c/NAME.c and examples/c/NAME.c.
C_TESTS := old_prototype test_pm
C_EXAMPLES := article bad_inputs

TEST_TARGETS += test-c
CHECK_TARGETS += test-c-valgrind test-c-sanitize

$(C_OUT):
	mkdir -p $@

# The C API test: the same sources as C, as C++, and with the sanitizers.
$(C_OUT)/api/%.o: tests/c/api/%.c tests/c/api/helpers.h $(C_DEPS)
	@mkdir -p $(@D)
	$(CC) $(C_CFLAGS) -O2 $(C_TEST_DEFS) -c $< -o $@
$(C_OUT)/api-cxx/%.o: tests/c/api/%.c tests/c/api/helpers.h $(C_DEPS)
	@mkdir -p $(@D)
	$(CXX) -x c++ $(C_CXXFLAGS) -O2 $(C_TEST_DEFS) -c $< -o $@
$(C_OUT)/api-san/%.o: tests/c/api/%.c tests/c/api/helpers.h $(C_DEPS)
	@mkdir -p $(@D)
	$(CC) $(C_CFLAGS) $(C_SAN) $(C_TEST_DEFS) -c $< -o $@
# messages.c checks sw_version() against the version in Cargo.toml.
$(C_OUT)/api/messages.o $(C_OUT)/api-cxx/messages.o $(C_OUT)/api-san/messages.o: Cargo.toml

# Linked with the shared library: no relink when only the library changes. The static links
# depend on `build` itself, so they are redone after every build (a second or so).
$(C_OUT)/test_api: $(C_API_OBJ) | build
	$(CC) $^ -o $@ $(C_SO_LIBS)
$(C_OUT)/test_api_static: $(C_API_OBJ) build
	$(CC) $(filter %.o,$^) -o $@ $(C_A_LIBS)
$(C_OUT)/test_api_cxx: $(C_API_CXX_OBJ) | build
	$(CXX) $^ -o $@ $(C_SO_LIBS)
$(C_OUT)/test_api_asan: $(C_API_SAN_OBJ) | build
	$(CC) $(C_SAN) $^ -o $@ $(C_SO_LIBS)
$(C_OUT)/test_api_asan_static: $(C_API_SAN_OBJ) build
	$(CC) $(C_SAN) $(filter %.o,$^) -o $@ $(C_A_LIBS)

$(C_TESTS:%=$(C_OUT)/%): $(C_OUT)/%: tests/c/%.c $(C_DEPS) | build $(C_OUT)
	$(CC) $(C_CFLAGS) -O2 $< -o $@ $(C_SO_LIBS)
$(C_TESTS:%=$(C_OUT)/%_asan): $(C_OUT)/%_asan: tests/c/%.c $(C_DEPS) | build $(C_OUT)
	$(CC) $(C_CFLAGS) $(C_SAN) $< -o $@ $(C_SO_LIBS)
$(C_EXAMPLES:%=$(C_OUT)/%): $(C_OUT)/%: examples/c/%.c $(C_DEPS) | build $(C_OUT)
	$(CC) $(C_CFLAGS) -O2 $< -o $@ $(C_SO_LIBS)

examples-c: $(C_EXAMPLES:%=$(C_OUT)/%)
	$(C_RUN) $(C_OUT)/bad_inputs > $(C_OUT)/bad_inputs.log || { cat $(C_OUT)/bad_inputs.log; exit 1; }
	@tail -n 1 $(C_OUT)/bad_inputs.log
	$(C_RUN) $(C_OUT)/article --print 1 --runs 2

demo-c: $(C_OUT)/article
	$(C_OUT)/article $(DEMO_C_ARGS)

test-c: build examples-c $(C_OUT)/test_pm $(C_OUT)/test_api $(C_OUT)/test_api_static $(C_OUT)/test_api_cxx \
		$(C_OUT)/old_prototype
	$(C_RUN) $(C_OUT)/test_pm
	$(C_RUN) $(C_OUT)/test_api
	$(C_RUN) $(C_OUT)/test_api_static
	$(C_RUN) $(C_OUT)/test_api_cxx --quick
	RAYON_NUM_THREADS=3 $(C_RUN) $(C_OUT)/test_api --quick
	$(C_RUN) $(C_OUT)/old_prototype

test-c-valgrind: build $(C_OUT)/test_api $(C_OUT)/old_prototype $(C_OUT)/test_pm
	@command -v $(VALGRIND) >/dev/null 2>&1 || { \
		echo "valgrind not found; installing it with apt-get"; \
		apt-get install -y valgrind >/dev/null 2>&1 || sudo apt-get install -y valgrind; }
	$(C_RUN) $(VALGRIND) $(C_VALGRIND_FLAGS) $(C_OUT)/test_api
	$(C_RUN) $(VALGRIND) $(C_VALGRIND_FLAGS) $(C_OUT)/old_prototype
	$(C_RUN) $(VALGRIND) $(C_VALGRIND_FLAGS) $(C_OUT)/test_pm

test-c-sanitize: build $(C_OUT)/test_api_asan $(C_OUT)/test_api_asan_static $(C_OUT)/old_prototype_asan \
		$(C_OUT)/test_pm_asan
	$(C_SAN_ENV) $(C_RUN) $(C_OUT)/test_api_asan
	$(C_SAN_ENV) $(C_RUN) $(C_OUT)/test_api_asan_static
	$(C_SAN_ENV) $(C_RUN) $(C_OUT)/old_prototype_asan
	$(C_SAN_ENV) $(C_RUN) $(C_OUT)/test_pm_asan
