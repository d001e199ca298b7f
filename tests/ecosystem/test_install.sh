#!/usr/bin/env bash
# `make install` for C and C++ users (issue 7), tested in temporary prefixes under target/ecosystem:
#  1. a DESTDIR-staged install: layout, symlinks, soname, the final (unstaged) prefix in the .pc
#     file, then `make uninstall` leaves no file behind;
#  2. a real install into a prefix: a C program built with
#     `cc app.c $(pkg-config --cflags --libs sector_weights)` and run; the same program linked
#     statically with Libs.private, run without the shared library;
#  3. a CMake project using find_package(sector_weights) (shared, static and C++ wrapper targets),
#     built and run; an incompatible requested version is refused.
set -euo pipefail
cd "$(dirname "$0")/../.."
MAKE=${MAKE:-make}
CC=${CC:-cc}
: "${SW_VERSION:?set by make test-install (the version in Cargo.toml)}"
major=${SW_VERSION%%.*}
root="$PWD/target/ecosystem/install-test"
rm -rf "$root"
mkdir -p "$root"
fail() { echo "test-install: FAILED: $*"; exit 1; }

# `make install` needs no patchelf (the soname is set at link time, build.rs): a `patchelf` first
# on PATH that only records its call proves no step runs one, whether or not the machine has it.
mkdir -p "$root/no-patchelf"
printf '#!/bin/sh\necho "$0 $*" >> "%s/patchelf-called"\nexit 1\n' "$root" > "$root/no-patchelf/patchelf"
chmod +x "$root/no-patchelf/patchelf"
export PATH="$root/no-patchelf:$PATH"

echo "--- 1. DESTDIR staging: make install PREFIX=/opt/sector-weights DESTDIR=$root/stage"
$MAKE --no-print-directory install PREFIX=/opt/sector-weights DESTDIR="$root/stage" >"$root/stage.log" 2>&1 \
    || { cat "$root/stage.log"; fail "staged install"; }
s="$root/stage/opt/sector-weights"
for f in lib/libsector_weights.so.$SW_VERSION lib/libsector_weights.a include/sector_weights.h \
         include/sector_weights.hpp lib/pkgconfig/sector_weights.pc \
         lib/cmake/sector_weights/sector_weightsConfig.cmake \
         lib/cmake/sector_weights/sector_weightsConfigVersion.cmake; do
    [ -f "$s/$f" ] && [ ! -L "$s/$f" ] || fail "$f missing"
done
[ "$(readlink "$s/lib/libsector_weights.so")" = "libsector_weights.so.$major" ] || fail "libsector_weights.so link"
[ "$(readlink "$s/lib/libsector_weights.so.$major")" = "libsector_weights.so.$SW_VERSION" ] || fail ".so.$major link"
soname=$(readelf -d "$s/lib/libsector_weights.so.$SW_VERSION" | sed -n 's/.*(SONAME).*\[\(.*\)\].*/\1/p')
[ "$soname" = "libsector_weights.so.$major" ] || fail "soname is '$soname'"
grep -qx "prefix=/opt/sector-weights" "$s/lib/pkgconfig/sector_weights.pc" || fail ".pc prefix is not the final one"
grep -q "$root" "$s/lib/pkgconfig/sector_weights.pc" && fail ".pc mentions the DESTDIR"
grep -qx "Version: $SW_VERSION" "$s/lib/pkgconfig/sector_weights.pc" || fail ".pc version"
cmp -s include/sector_weights.h "$s/include/sector_weights.h" || fail "installed header differs"
# Only the C API is exported from the shared library (no Rust internals).
exported=$(nm -D --defined-only "$s/lib/libsector_weights.so.$SW_VERSION" | awk '$2 == "T" {print $3}' | sort | tr '\n' ' ')
echo "exported functions: $exported"
for fn in $exported; do grep -q "\b$fn(" include/sector_weights.h || fail "exported $fn is not in the header"; done
$MAKE --no-print-directory uninstall PREFIX=/opt/sector-weights DESTDIR="$root/stage" >"$root/unstage.log" 2>&1 \
    || { cat "$root/unstage.log"; fail "uninstall"; }
left=$(find "$root/stage" ! -type d)
[ -z "$left" ] || fail "uninstall left: $left"
echo "staged layout, symlinks, soname $soname, .pc prefix and uninstall OK"

echo "--- 2. make install PREFIX=$root/prefix; cc app.c \$(pkg-config --cflags --libs sector_weights)"
p="$root/prefix"
$MAKE --no-print-directory install PREFIX="$p" >"$root/install.log" 2>&1 || { cat "$root/install.log"; fail "install"; }
export PKG_CONFIG_PATH="$p/lib/pkgconfig"
[ "$(pkg-config --modversion sector_weights)" = "$SW_VERSION" ] || fail "pkg-config --modversion"
# shellcheck disable=SC2046
$CC tests/ecosystem/install/app.c -o "$root/app" $(pkg-config --cflags --libs sector_weights)
readelf -d "$root/app" | grep -q "NEEDED.*\[libsector_weights.so.$major\]" || fail "app does not need the soname"
LD_LIBRARY_PATH="$p/lib" "$root/app" "$SW_VERSION" || fail "app (shared)"
# Static: the archive plus exactly the .pc file's Libs.private.
private=$(pkg-config --static --libs-only-l sector_weights | sed 's/-lsector_weights//')
# shellcheck disable=SC2046,SC2086
$CC tests/ecosystem/install/app.c -o "$root/app_static" $(pkg-config --cflags sector_weights) \
    $(pkg-config --libs-only-L sector_weights) -Wl,-Bstatic -lsector_weights -Wl,-Bdynamic $private
readelf -d "$root/app_static" | grep -q "libsector_weights" && fail "app_static still needs the shared library"
"$root/app_static" "$SW_VERSION" || fail "app (static)"

echo "--- 3. CMake: find_package(sector_weights) with CMAKE_PREFIX_PATH=$p"
cmake -S tests/ecosystem/install -B "$root/cmake-build" -DCMAKE_PREFIX_PATH="$p" -DCMAKE_BUILD_TYPE=Release \
    -DSW_REQUIRED_VERSION="${SW_VERSION%.*}" >"$root/cmake.log" 2>&1 || { cat "$root/cmake.log"; fail "cmake configure"; }
cmake --build "$root/cmake-build" -j 2 >>"$root/cmake.log" 2>&1 || { cat "$root/cmake.log"; fail "cmake build"; }
# CMake's build tree rpath points at the installed libdir: no LD_LIBRARY_PATH needed.
"$root/cmake-build/app_shared" "$SW_VERSION" || fail "cmake app_shared"
readelf -d "$root/cmake-build/app_static" | grep -q "libsector_weights" && fail "cmake app_static needs the .so"
"$root/cmake-build/app_static" "$SW_VERSION" || fail "cmake app_static"
"$root/cmake-build/app_cpp" "$SW_VERSION" || fail "cmake app_cpp"
# The version file refuses another major version.
if cmake -S tests/ecosystem/install -B "$root/cmake-build-v" -DCMAKE_PREFIX_PATH="$p" \
        -DSW_REQUIRED_VERSION=$((major + 1)).0 >"$root/cmake-v.log" 2>&1; then
    fail "find_package(sector_weights $((major + 1)).0) accepted version $SW_VERSION"
fi
grep -q "version: $SW_VERSION" "$root/cmake-v.log" || { cat "$root/cmake-v.log"; fail "no version message"; }
echo "find_package(sector_weights $((major + 1)).0) refused version $SW_VERSION, as it must"

$MAKE --no-print-directory uninstall PREFIX="$p" >/dev/null
left=$(find "$p" ! -type d)
[ -z "$left" ] || fail "uninstall left: $left"
[ ! -e "$root/patchelf-called" ] || fail "patchelf was called: $(cat "$root/patchelf-called")"
echo "test-install: install, pkg-config (shared and static), CMake package and uninstall all passed"
