# Ecosystem (issue 7): `make install` for C/C++ users (shared + static library, headers, pkg-config,
# CMake package), and the tests for the install, the C++ wrapper and Node.js (Dask and Spark:
# mk/distributed.mk).
#
#   make install   PREFIX=/usr/local [DESTDIR=/staging] [LIBDIR=$(PREFIX)/lib] [INCLUDEDIR=$(PREFIX)/include]
#   make uninstall PREFIX=... [DESTDIR=...]
#   make test-install test-cpp test-node
.PHONY: install uninstall test-install test-cpp test-node ecosystem-tools ecosystem-stage

PREFIX ?= /usr/local
DESTDIR ?=
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
# Absolute final locations must stay under PREFIX: the CMake package finds its files relative to
# itself (so a DESTDIR-staged or moved tree still works) and the .pc file uses ${prefix}.
SW_LIBDIR_REL = $(patsubst $(PREFIX)/%,%,$(LIBDIR))
SW_INCLUDEDIR_REL = $(patsubst $(PREFIX)/%,%,$(INCLUDEDIR))
SW_CMAKEDIR = $(LIBDIR)/cmake/sector_weights
# From the CMake package directory (LIBDIR/cmake/sector_weights) up to PREFIX.
sw_empty :=
sw_space := $(sw_empty) $(sw_empty)
SW_CMAKE_UP = $(subst $(sw_space),/,$(foreach c,$(subst /, ,$(SW_LIBDIR_REL)) cmake sector_weights,..))

# SW_VERSION (the version in Cargo.toml) and RELEASE_LIB / RELEASE_STATIC are in the top Makefile.
SW_MAJOR := $(firstword $(subst ., ,$(SW_VERSION)))
SW_SONAME := libsector_weights.so.$(SW_MAJOR)
SW_REALNAME := libsector_weights.so.$(SW_VERSION)
SW_PTR_BITS := $(shell getconf LONG_BIT)

# build.rs links the library with its soname, so a program linked against target/release (the C
# tests, the catalogue, benches/c) asks for libsector_weights.so.<major> at run time: the build
# directory gets that name too, as a symlink (what ldconfig makes for an installed library).
RELEASE_SONAME_LINK := $(dir $(RELEASE_LIB))$(SW_SONAME)
build: $(RELEASE_SONAME_LINK)
$(RELEASE_SONAME_LINK):
	mkdir -p $(dir $@)
	ln -sfn $(notdir $(RELEASE_LIB)) $@

# Where the tests stage their own install (never the system): ECO_PREFIX (top Makefile) is in it.
ECO_DIR := $(CURDIR)/target/ecosystem
ECO_CXXFLAGS := -std=c++17 -O2 -Wall -Wextra -Wpedantic -Werror
NODE_DIR := examples/node

install: build
	@case "$(LIBDIR)/" in "$(PREFIX)/"?*) ;; *) echo "install: LIBDIR=$(LIBDIR) must be under PREFIX=$(PREFIX)"; exit 1;; esac
	@case "$(INCLUDEDIR)/" in "$(PREFIX)/"?*) ;; *) echo "install: INCLUDEDIR=$(INCLUDEDIR) must be under PREFIX=$(PREFIX)"; exit 1;; esac
	@test -n "$(SW_VERSION)" || { echo "install: no [package] version found in Cargo.toml"; exit 1; }
	install -d "$(DESTDIR)$(LIBDIR)/pkgconfig" "$(DESTDIR)$(INCLUDEDIR)" "$(DESTDIR)$(SW_CMAKEDIR)"
	install -m 0755 $(RELEASE_LIB) "$(DESTDIR)$(LIBDIR)/$(SW_REALNAME)"
	@# The soname is set when the library is linked (build.rs: -Wl,-soname): nothing to patch.
	@# (Checked where readelf is there: a library built before build.rs set it would lack it.)
	@if command -v readelf >/dev/null 2>&1; then \
	  have=$$(readelf -d "$(DESTDIR)$(LIBDIR)/$(SW_REALNAME)" | sed -n 's/.*(SONAME).*\[\(.*\)\].*/\1/p'); \
	  [ "$$have" = "$(SW_SONAME)" ] || { echo "install: $(RELEASE_LIB) has soname '$$have', not $(SW_SONAME): rebuild it (cargo build --release)"; exit 1; }; \
	fi
	ln -sfn $(SW_REALNAME) "$(DESTDIR)$(LIBDIR)/$(SW_SONAME)"
	ln -sfn $(SW_SONAME) "$(DESTDIR)$(LIBDIR)/libsector_weights.so"
	install -m 0644 $(RELEASE_STATIC) "$(DESTDIR)$(LIBDIR)/libsector_weights.a"
	install -m 0644 include/sector_weights.h include/sector_weights.hpp "$(DESTDIR)$(INCLUDEDIR)/"
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@LIBDIR_REL@|$(SW_LIBDIR_REL)|g' \
	    -e 's|@INCLUDEDIR_REL@|$(SW_INCLUDEDIR_REL)|g' -e 's|@VERSION@|$(SW_VERSION)|g' \
	    pkgconfig/sector_weights.pc.in > "$(DESTDIR)$(LIBDIR)/pkgconfig/sector_weights.pc"
	sed -e 's|@UP@|$(SW_CMAKE_UP)|g' -e 's|@LIBDIR_REL@|$(SW_LIBDIR_REL)|g' \
	    -e 's|@INCLUDEDIR_REL@|$(SW_INCLUDEDIR_REL)|g' -e 's|@VERSION@|$(SW_VERSION)|g' \
	    -e 's|@SONAME@|$(SW_SONAME)|g' -e 's|@REALNAME@|$(SW_REALNAME)|g' \
	    cmake/sector_weightsConfig.cmake.in > "$(DESTDIR)$(SW_CMAKEDIR)/sector_weightsConfig.cmake"
	sed -e 's|@VERSION@|$(SW_VERSION)|g' -e 's|@PTR_BITS@|$(SW_PTR_BITS)|g' \
	    -e 's|@PTR_BYTES@|$(shell expr $(SW_PTR_BITS) / 8)|g' \
	    cmake/sector_weightsConfigVersion.cmake.in > "$(DESTDIR)$(SW_CMAKEDIR)/sector_weightsConfigVersion.cmake"
	@echo "installed sector_weights $(SW_VERSION) into $(DESTDIR)$(PREFIX)"

uninstall:
	rm -f "$(DESTDIR)$(LIBDIR)/$(SW_REALNAME)" "$(DESTDIR)$(LIBDIR)/$(SW_SONAME)" \
	      "$(DESTDIR)$(LIBDIR)/libsector_weights.so" "$(DESTDIR)$(LIBDIR)/libsector_weights.a" \
	      "$(DESTDIR)$(INCLUDEDIR)/sector_weights.h" "$(DESTDIR)$(INCLUDEDIR)/sector_weights.hpp" \
	      "$(DESTDIR)$(LIBDIR)/pkgconfig/sector_weights.pc" \
	      "$(DESTDIR)$(SW_CMAKEDIR)/sector_weightsConfig.cmake" \
	      "$(DESTDIR)$(SW_CMAKEDIR)/sector_weightsConfigVersion.cmake"
	-rmdir "$(DESTDIR)$(SW_CMAKEDIR)" 2>/dev/null

# cmake, pkg-config and readelf for the install test (CI runs as root; Debian packages). Not
# patchelf: the library is linked with its soname, and the test proves `make install` needs no more.
ecosystem-tools:
	@missing=""; for t in cmake pkg-config readelf; do command -v $$t >/dev/null 2>&1 || missing="$$missing $$t"; done; \
	if [ -n "$$missing" ]; then \
	  pkgs=$$(echo "$$missing" | sed 's/readelf/binutils/'); \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing$$pkgs with apt-get"; \
	    mkdir -p $(dir $(ECO_DIR)); \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$pkgs) >$(ECO_DIR).apt.log 2>&1 \
	      || { cat $(ECO_DIR).apt.log; exit 1; }; \
	  else echo "ecosystem: missing$$missing: install them (Debian: apt-get install$$pkgs)"; exit 1; fi; \
	fi

# A private install used by test-cpp (links exactly what users get, soname and all).
ecosystem-stage: build ecosystem-tools
	@rm -rf "$(ECO_PREFIX)"
	@$(MAKE) --no-print-directory install PREFIX="$(ECO_PREFIX)" >/dev/null

test-install: build ecosystem-tools
	MAKE="$(MAKE)" SW_VERSION=$(SW_VERSION) bash tests/ecosystem/test_install.sh

test-cpp: ecosystem-stage
	MAKE="$(MAKE)" CXX="$(CXX)" ECO_PREFIX="$(ECO_PREFIX)" ECO_CXXFLAGS="$(ECO_CXXFLAGS)" \
	  bash tests/ecosystem/test_cpp.sh

test-node: build
	@if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then \
	  echo "test-node: SKIPPED: node and npm are not installed (Debian: apt-get install nodejs npm)"; \
	else \
	  cd $(NODE_DIR) && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error && \
	  SECTOR_WEIGHTS_LIBRARY="$(CURDIR)/$(RELEASE_LIB)" npm test; \
	fi

TEST_TARGETS += test-install test-cpp test-node
