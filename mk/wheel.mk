# Packaging (issue 14): the Python wheel and sdist, and the checks that they install.
#
#   make wheel        dist/sector_weights-<v>-py3-none-manylinux2014_x86_64.manylinux_2_17_x86_64.whl:
#                     the library built against glibc 2.17 (cargo-zigbuild + the ziglang package),
#                     stripped (its debug info in dist/libsector_weights-<v>-manylinux2014_x86_64.so.debug,
#                     found through the library's gnu-debuglink and build-id), the C fast path
#                     compiled for every CPython in WHEEL_PYTHONS; checked with `auditwheel show`
#   make sdist        dist/sector_weights-<v>.tar.gz: the package with the Rust crate inside (the
#                     files of `cargo package`); `pip install dist/sector_weights-<v>.tar.gz` builds
#                     it with cargo
#   make test-wheel   the wheel installed into a fresh venv of each WHEEL_TEST_PYTHONS, PATH without
#                     cargo, rustc or a C compiler, the Python tests run from another directory
#   make test-sdist   a read-only copy of the checkout: `make sdist wheel` from it, `pip install` of
#                     that sdist and of the read-only bindings/python, each tested
#   make test-cargo-package   `cargo package` (builds the packaged crate: nothing outside OUT_DIR)
#
# Both targets write only to DIST (dist/) and PKG_BUILD (target/pkg/) and cargo's target dir; the
# build tools (pinned below) live in a venv under PKG_BUILD. Override DIST, PKG_BUILD and
# CARGO_TARGET_DIR to build from a read-only checkout.
.PHONY: wheel sdist wheel-tools test-wheel test-sdist test-cargo-package

DIST ?= $(CURDIR)/dist
PKG_BUILD ?= $(CURDIR)/target/pkg
PKG_CARGO_TARGET := $(or $(CARGO_TARGET_DIR),$(CURDIR)/target)

# The build tools, pinned: a wheel is reproducible from the same commit.
WHEEL_TOOLS := ziglang==0.17.1 cargo-zigbuild==0.24.1 auditwheel==6.8.2 build==1.6.1 wheel==0.48.0 \
	setuptools==84.2.1 setuptools-rust==1.13.0
WHEEL_TOOLS_VENV := $(PKG_BUILD)/tools
WHEEL_TOOLS_PY := $(WHEEL_TOOLS_VENV)/bin/python
# A new tool list (its hash) makes a new venv.
WHEEL_TOOLS_STAMP := $(WHEEL_TOOLS_VENV)/.tools-$(shell echo '$(WHEEL_TOOLS)' | md5sum | cut -c1-12)

# glibc 2.17 = manylinux2014 (RHEL/CentOS 7, Amazon Linux 2, Ubuntu 14.04, Debian 8 and later).
WHEEL_TRIPLE := x86_64-unknown-linux-gnu
WHEEL_GLIBC := 2.17
WHEEL_PLATFORM := manylinux2014_x86_64.manylinux_2_17_x86_64
WHEEL_NAME := sector_weights-$(SW_VERSION)-py3-none-$(WHEEL_PLATFORM).whl
SDIST_NAME := sector_weights-$(SW_VERSION).tar.gz
WHEEL_MAX_BYTES := 2000000
WHEEL_ZIG_LIB := $(PKG_CARGO_TARGET)/$(WHEEL_TRIPLE)/release/libsector_weights.so
WHEEL_LIB := $(PKG_BUILD)/lib/libsector_weights.so
WHEEL_DEBUG_NAME := libsector_weights-$(SW_VERSION)-manylinux2014_x86_64.so.debug

# The CPythons the fast path is compiled for (pyenv's, newest patch release of each), and those
# the wheel is tested with. Any other interpreter uses the wheel without the fast path.
PYENV_ROOT ?= $(HOME)/.pyenv
pyenv_python = $(lastword $(sort $(wildcard $(PYENV_ROOT)/versions/$(1).*/bin/python)))
WHEEL_PYTHONS ?= $(strip $(foreach v,3.9 3.10 3.11 3.12 3.13 3.14,$(call pyenv_python,$(v))))
WHEEL_MISSING := $(strip $(foreach v,3.9 3.10 3.11 3.12 3.13 3.14,$(if $(call pyenv_python,$(v)),,$(v))))
WHEEL_TEST_PYTHONS ?= $(strip $(foreach v,3.9 3.11 3.13,$(call pyenv_python,$(v))))

PKG_SOURCES := Cargo.toml Cargo.lock build.rs $(shell find src -name '*.rs') \
	$(wildcard bindings/python/pyproject.toml bindings/python/setup.py bindings/python/MANIFEST.in \
	bindings/python/README.md bindings/python/sector_weights/* bindings/python/tests/*.py)

$(WHEEL_TOOLS_STAMP):
	rm -rf $(WHEEL_TOOLS_VENV)
	$(PYTHON) -m venv $(WHEEL_TOOLS_VENV)
	$(WHEEL_TOOLS_PY) -m pip install --disable-pip-version-check --quiet $(WHEEL_TOOLS)
	touch $@

wheel-tools: $(WHEEL_TOOLS_STAMP)

# Only the cdylib, linked by zig against glibc 2.17's symbols; then split into a stripped library
# and its debug file (linked by name and CRC: gnu-debuglink).
$(WHEEL_LIB): $(WHEEL_TOOLS_STAMP) Cargo.toml Cargo.lock build.rs $(shell find src -name '*.rs')
	PATH="$(WHEEL_TOOLS_VENV)/bin:$$PATH" CARGO_TARGET_DIR="$(PKG_CARGO_TARGET)" \
	  cargo-zigbuild rustc --release --locked --lib --crate-type cdylib --target $(WHEEL_TRIPLE).$(WHEEL_GLIBC)
	mkdir -p $(dir $@)
	objcopy --only-keep-debug $(WHEEL_ZIG_LIB) $(dir $@)$(WHEEL_DEBUG_NAME)
	objcopy --strip-debug --strip-unneeded --add-gnu-debuglink=$(dir $@)$(WHEEL_DEBUG_NAME) $(WHEEL_ZIG_LIB) $@

# The sdist, built with the pinned tools (no isolation: nothing downloaded per build).
$(PKG_BUILD)/sdist/$(SDIST_NAME): $(WHEEL_TOOLS_STAMP) $(PKG_SOURCES)
	rm -rf $(PKG_BUILD)/sdist && mkdir -p $(PKG_BUILD)/sdist
	CARGO_TARGET_DIR="$(PKG_CARGO_TARGET)" $(WHEEL_TOOLS_PY) -m build --sdist --no-isolation \
	  --outdir $(PKG_BUILD)/sdist bindings/python > $(PKG_BUILD)/sdist.log 2>&1 || { cat $(PKG_BUILD)/sdist.log; exit 1; }
	@test -f $@ || { echo "sdist: expected $@, got: $$(ls $(PKG_BUILD)/sdist)"; exit 1; }

sdist: $(PKG_BUILD)/sdist/$(SDIST_NAME)
	mkdir -p $(DIST)
	rm -f $(DIST)/sector_weights-*.tar.gz
	cp $< $(DIST)/
	@echo "sdist: $(DIST)/$(SDIST_NAME) ($$(stat -c %s $<) bytes; $$(tar -tzf $< | grep -c '/rust/.*[^/]$$') crate files)"

# The wheel is built from the unpacked sdist (so the sdist is known to hold the package), with the
# prebuilt library and the fast path for each interpreter, then tagged py3-none-manylinux2014
# (ctypes needs no particular Python; the fast path is loaded only where it was compiled for).
wheel: $(WHEEL_LIB) $(PKG_BUILD)/sdist/$(SDIST_NAME)
	@test -n "$(WHEEL_PYTHONS)" || { echo "wheel: no CPython found under $(PYENV_ROOT)/versions (set WHEEL_PYTHONS)"; exit 1; }
	rm -rf $(PKG_BUILD)/wheel && mkdir -p $(PKG_BUILD)/wheel/out
	tar -xzf $(PKG_BUILD)/sdist/$(SDIST_NAME) -C $(PKG_BUILD)/wheel
	cd $(PKG_BUILD)/wheel/sector_weights-$(SW_VERSION) && \
	  SECTOR_WEIGHTS_PREBUILT_LIBRARY="$(WHEEL_LIB)" SECTOR_WEIGHTS_FASTCALL_PYTHONS="$(WHEEL_PYTHONS)" \
	  $(WHEEL_TOOLS_PY) -m build --wheel --no-isolation --outdir $(PKG_BUILD)/wheel/out . \
	  > $(PKG_BUILD)/wheel.log 2>&1 || { cat $(PKG_BUILD)/wheel.log; exit 1; }
	$(WHEEL_TOOLS_PY) -m wheel tags --remove --python-tag py3 --abi-tag none \
	  --platform-tag $(WHEEL_PLATFORM) $(PKG_BUILD)/wheel/out/*.whl
	@cd $(PKG_BUILD)/wheel/out && test "$$(ls)" = "$(WHEEL_NAME)" || { echo "wheel: expected $(WHEEL_NAME), got: $$(ls)"; exit 1; }
	$(WHEEL_TOOLS_VENV)/bin/auditwheel show $(PKG_BUILD)/wheel/out/$(WHEEL_NAME) | tee $(PKG_BUILD)/auditwheel.txt
	@tr -s ' \n' ' ' < $(PKG_BUILD)/auditwheel.txt | grep -q 'consistent with the following platform tag: "manylinux_2_17_x86_64"' \
	  || { echo "wheel: auditwheel does not find the wheel manylinux_2_17 (manylinux2014)"; exit 1; }
	@size=$$(stat -c %s $(PKG_BUILD)/wheel/out/$(WHEEL_NAME)); [ $$size -lt $(WHEEL_MAX_BYTES) ] \
	  || { echo "wheel: $$size bytes, over $(WHEEL_MAX_BYTES)"; exit 1; }
	mkdir -p $(DIST)
	rm -f $(DIST)/sector_weights-*.whl $(DIST)/libsector_weights-*.so.debug
	cp $(PKG_BUILD)/wheel/out/$(WHEEL_NAME) $(PKG_BUILD)/lib/$(WHEEL_DEBUG_NAME) $(DIST)/
	@echo "wheel: $(DIST)/$(WHEEL_NAME) ($$(stat -c %s $(DIST)/$(WHEEL_NAME)) bytes; library $$(stat -c %s $(WHEEL_LIB)) bytes stripped)"
	@$(WHEEL_TOOLS_PY) -c 'import sys, zipfile; print("       fast path for: " + " ".join(n[25:-3] for n in zipfile.ZipFile(sys.argv[1]).namelist() if n.startswith("sector_weights/_fastcall.")))' $(DIST)/$(WHEEL_NAME)
	@echo "       debug info:    $(DIST)/$(WHEEL_DEBUG_NAME)"

# Install the wheel where nothing could build it: PATH is the fresh venv's bin/ alone (no cargo,
# rustc, cc), the tests run from an empty directory against the installed package.
WHEEL_TEST_DIR := $(PKG_BUILD)/test-wheel
test-wheel: wheel
	@test -n "$(WHEEL_TEST_PYTHONS)" || { echo "test-wheel: no CPython 3.9/3.11/3.13 under $(PYENV_ROOT)/versions"; exit 1; }
	@rm -rf $(WHEEL_TEST_DIR) && mkdir -p $(WHEEL_TEST_DIR)/cwd
	@for py in $(WHEEL_TEST_PYTHONS); do \
	  v=$$($$py -c 'import sys; print("%d.%d" % sys.version_info[:2])'); venv=$(WHEEL_TEST_DIR)/venv-$$v; \
	  $$py -m venv $$venv || exit 1; \
	  for tool in cargo rustc cc gcc clang; do \
	    if env PATH="$$venv/bin" sh -c "command -v $$tool" >/dev/null 2>&1; then echo "test-wheel: $$tool is on the test PATH"; exit 1; fi; \
	  done; \
	  t0=$$(date +%s%N); \
	  env -u SECTOR_WEIGHTS_LIBRARY -u PYTHONPATH PATH="$$venv/bin" \
	    $$venv/bin/python -m pip install --disable-pip-version-check --quiet --no-deps "$(DIST)/$(WHEEL_NAME)" \
	    > $(WHEEL_TEST_DIR)/install-$$v.log 2>&1 \
	    || { cat $(WHEEL_TEST_DIR)/install-$$v.log; echo "test-wheel: install under Python $$v FAILED"; exit 1; }; \
	  t1=$$(date +%s%N); \
	  env -u SECTOR_WEIGHTS_LIBRARY -u PYTHONPATH PATH="$$venv/bin" \
	    $$venv/bin/python -m pip install --disable-pip-version-check --quiet --only-binary=:all: \
	    "$(DIST)/$(WHEEL_NAME)[test,frames]" >> $(WHEEL_TEST_DIR)/install-$$v.log 2>&1 \
	    || { cat $(WHEEL_TEST_DIR)/install-$$v.log; echo "test-wheel: installing the test extras under Python $$v FAILED"; exit 1; }; \
	  t2=$$(date +%s%N); \
	  (cd $(WHEEL_TEST_DIR)/cwd && timeout 1200 env -u SECTOR_WEIGHTS_LIBRARY -u PYTHONPATH PATH="$$venv/bin" \
	    $$venv/bin/python -m pytest -q -p no:cacheprovider $(CURDIR)/bindings/python/tests) \
	    > $(WHEEL_TEST_DIR)/pytest-$$v.log 2>&1; rc=$$?; \
	  t3=$$(date +%s%N); \
	  tail -n 1 $(WHEEL_TEST_DIR)/pytest-$$v.log; \
	  if [ $$rc -ne 0 ]; then cat $(WHEEL_TEST_DIR)/pytest-$$v.log; \
	    [ $$rc -eq 5 ] && echo "test-wheel: pytest collected no tests"; echo "test-wheel: Python $$v FAILED"; exit 1; fi; \
	  fast=$$(cd $(WHEEL_TEST_DIR)/cwd && $$venv/bin/python -c 'import sector_weights._fastpath as f; print("with" if f.sector_weights else "WITHOUT")'); \
	  echo "test-wheel: Python $$v: wheel install $$(( (t1 - t0) / 1000000 )) ms (--no-deps), numpy/pytest/pandas/polars $$(( (t2 - t1) / 1000000 )) ms, tests $$(( (t3 - t2) / 1000000 )) ms, $$fast the C fast path"; \
	done
	@echo "test-wheel: passed under $(words $(WHEEL_TEST_PYTHONS)) Python versions$(if $(WHEEL_MISSING),; not on this machine: $(WHEEL_MISSING))"

# A read-only copy of the checkout (its tracked and new files, no .git: as from a tarball):
#  1. `make sdist wheel` in it, writing only to DIST/PKG_BUILD outside it (the pinned tools and
#     cargo's target dir of this checkout are reused: the crate is rebuilt, its dependencies not);
#  2. `pip install` of that sdist into a fresh venv (cargo builds the crate inside the sdist) and the
#     Python tests from another directory against it;
#  3. `pip install` of the read-only bindings/python itself (setup.py sends cargo's and setuptools'
#     build directories to a temporary directory), and an import and a call from another directory.
# Read-only for real: root ignores permission bits, so as root (CI) steps 1 and 3 run in a private
# mount namespace where the copy is bind-mounted read-only (tests/ecosystem/readonly_run.sh);
# otherwise `chmod -R a-w` is enough. A probe write must fail first.
RO_DIR := $(PKG_BUILD)/readonly
RO_SRC := $(RO_DIR)/checkout
ro_run = sh tests/ecosystem/readonly_run.sh $(RO_SRC) $(1)
test-sdist: wheel-tools
	@if [ -d $(RO_DIR) ]; then chmod -R u+w $(RO_DIR); rm -rf $(RO_DIR); fi
	@mkdir -p $(RO_SRC) $(RO_DIR)/cwd
	@git ls-files -z --cached --others --exclude-standard | \
	  xargs -0 sh -c 'for f; do [ -e "$$f" ] && printf "%s\0" "$$f"; done' sh | \
	  tar --null -T - -cf - | tar -xf - -C $(RO_SRC)
	chmod -R a-w $(RO_SRC)
	@$(call ro_run,sh -c 'test ! -w $(RO_SRC) && ! touch $(RO_SRC)/.probe 2>/dev/null') \
	  || { echo "test-sdist: FAILED: could not make $(RO_SRC) read-only (as root this needs unshare -m)"; exit 1; }
	@echo "--- 1. make sdist wheel in the read-only checkout $(RO_SRC)"
	$(call ro_run,$(MAKE) --no-print-directory -C $(RO_SRC) sdist wheel DIST=$(RO_DIR)/dist PKG_BUILD=$(RO_DIR)/pkg \
	  CARGO_TARGET_DIR=$(PKG_CARGO_TARGET) WHEEL_TOOLS_VENV=$(WHEEL_TOOLS_VENV)) > $(RO_DIR)/make.log 2>&1 \
	  || { cat $(RO_DIR)/make.log; echo "test-sdist: make sdist wheel in a read-only checkout FAILED"; exit 1; }
	@grep -E "^(sdist|wheel):" $(RO_DIR)/make.log
	@echo "--- 2. pip install $(RO_DIR)/dist/$(SDIST_NAME)"
	$(PYTHON) -m venv $(RO_DIR)/venv-sdist
	CARGO_TARGET_DIR=$(PKG_CARGO_TARGET) $(RO_DIR)/venv-sdist/bin/python -m pip install --disable-pip-version-check \
	  --quiet "$(RO_DIR)/dist/$(SDIST_NAME)[test,frames]" > $(RO_DIR)/sdist-install.log 2>&1 \
	  || { cat $(RO_DIR)/sdist-install.log; echo "test-sdist: installing the sdist FAILED"; exit 1; }
	@cd $(RO_DIR)/cwd && env -u SECTOR_WEIGHTS_LIBRARY -u PYTHONPATH timeout 1200 $(RO_DIR)/venv-sdist/bin/python \
	  -m pytest -q -p no:cacheprovider $(CURDIR)/bindings/python/tests > $(RO_DIR)/sdist-pytest.log 2>&1; rc=$$?; \
	  tail -n 1 $(RO_DIR)/sdist-pytest.log; \
	  if [ $$rc -ne 0 ]; then cat $(RO_DIR)/sdist-pytest.log; echo "test-sdist: tests of the installed sdist FAILED"; exit 1; fi
	@echo "--- 3. pip install $(RO_SRC)/bindings/python (read-only)"
	$(PYTHON) -m venv $(RO_DIR)/venv-checkout
	$(call ro_run,env -u CARGO_TARGET_DIR $(RO_DIR)/venv-checkout/bin/python -m pip install --disable-pip-version-check \
	  --quiet $(RO_SRC)/bindings/python) > $(RO_DIR)/checkout-install.log 2>&1 \
	  || { cat $(RO_DIR)/checkout-install.log; echo "test-sdist: pip install of a read-only checkout FAILED"; exit 1; }
	cd $(RO_DIR)/cwd && env -u SECTOR_WEIGHTS_LIBRARY $(RO_DIR)/venv-checkout/bin/python -c \
	  'import sector_weights as sw, pathlib; p = pathlib.Path(sw.library_path); assert p.parent == pathlib.Path(sw.__file__).parent, p; print("read-only checkout install:", sw.__version__, p.name, sw.sector_weights([0.25, 0.75], [1, 0], 2))'
	@test -z "$$(find $(RO_SRC) -newer $(RO_DIR)/cwd ! -type d)" || { echo "test-sdist: files written into the checkout:"; \
	  find $(RO_SRC) -newer $(RO_DIR)/cwd ! -type d; exit 1; }
	@chmod -R u+w $(RO_SRC)
	@echo "test-sdist: the sdist and the wheel build from a read-only checkout; the sdist and the checkout install"

# (cargo names each test and bench left out of the package: expected, not shown.)
test-cargo-package:
	@mkdir -p $(PKG_BUILD)
	$(CARGO) package --allow-dirty --locked > $(PKG_BUILD)/cargo-package.log 2>&1 || { cat $(PKG_BUILD)/cargo-package.log; exit 1; }
	@grep -v "^warning: ignoring \(test\|benchmark\)" $(PKG_BUILD)/cargo-package.log | grep -v "^ *Compiling"

CHECK_TARGETS += test-wheel test-sdist test-cargo-package
