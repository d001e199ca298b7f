#!/usr/bin/env bash
# C++ callers (issue 7): builds against the staged install in $ECO_PREFIX (make ecosystem-stage)
#  1. examples/cpp/article_call_site.cpp: the article's call site, unchanged (hand-declared `void`
#     prototype, no header of ours), linked against the library: the drop-in proof for C++;
#  2. examples/cpp/wrapper_example.cpp: the same through the C++17 wrapper;
#  3. tests/ecosystem/test_wrapper.cpp: the wrapper's tests, also under ASan + UBSan;
# and runs each; every program checks its own numbers against a naive loop.
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${ECO_PREFIX:?set by make test-cpp}"
CXX=${CXX:-c++}
ECO_CXXFLAGS=${ECO_CXXFLAGS:--std=c++17 -O2 -Wall -Wextra -Wpedantic -Werror}
out="$ECO_PREFIX/../cpp"
mkdir -p "$out"
export PKG_CONFIG_PATH="$ECO_PREFIX/lib/pkgconfig"
cflags=$(pkg-config --cflags sector_weights)
libs=$(pkg-config --libs sector_weights)
rpath="-Wl,-rpath,$ECO_PREFIX/lib"
version=$(pkg-config --modversion sector_weights)

run() {  # run NAME EXPECTED-LAST-LINE-PREFIX-OR-EMPTY CMD...
    local name=$1 want=$2; shift 2
    echo "--- $name"
    local log="$out/$name.log"
    if ! "$@" >"$log" 2>&1; then cat "$log"; echo "test-cpp: $name FAILED (exit status)"; exit 1; fi
    cat "$log"
    if [ -n "$want" ] && [ "$(tail -n 1 "$log" | cut -c1-${#want})" != "$want" ]; then
        echo "test-cpp: $name FAILED: last line does not start with '$want'"; exit 1
    fi
}

# 1. The article's call site: compiled exactly as it was (it includes no header of ours).
$CXX $ECO_CXXFLAGS examples/cpp/article_call_site.cpp -o "$out/article_call_site" $libs $rpath
if readelf -d "$out/article_call_site" | grep -q "NEEDED.*libsector_weights.so.0"; then :; else
    echo "test-cpp: article_call_site does not depend on the versioned soname"; readelf -d "$out/article_call_site"; exit 1
fi
run article_call_site "OK: drop-in call matches" "$out/article_call_site"

# 2. The wrapper example.
$CXX $ECO_CXXFLAGS examples/cpp/wrapper_example.cpp -o "$out/wrapper_example" $cflags $libs $rpath
run wrapper_example "OK: all wrapper results match" "$out/wrapper_example"

# 3. The wrapper's tests, plain and under AddressSanitizer + UndefinedBehaviorSanitizer.
$CXX $ECO_CXXFLAGS -DSW_EXPECTED_VERSION="\"$version\"" tests/ecosystem/test_wrapper.cpp \
    -o "$out/test_wrapper" $cflags $libs $rpath
run test_wrapper "" "$out/test_wrapper"
grep -q " 0 failed$" "$out/test_wrapper.log" || { echo "test-cpp: test_wrapper FAILED"; exit 1; }
$CXX $ECO_CXXFLAGS -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer \
    -DSW_EXPECTED_VERSION="\"$version\"" tests/ecosystem/test_wrapper.cpp \
    -o "$out/test_wrapper_asan" $cflags $libs $rpath
ASAN_OPTIONS=detect_leaks=1 run test_wrapper_asan "" "$out/test_wrapper_asan"
grep -q " 0 failed$" "$out/test_wrapper_asan.log" || { echo "test-cpp: test_wrapper under ASan/UBSan FAILED"; exit 1; }
echo "test-cpp: all C++ programs passed"
