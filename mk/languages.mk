# More FFI languages (issue 14): Java (JNA), Go (cgo + pkg-config) and R (.Call), each calling the
# drop-in calculate_sector_weights and the checked sw_sector_weights, and turning a failure into the
# language's error with the library's status name and message. (Node.js: test-node, mk/install.mk.)
#
#   make test-java   examples/java: SectorWeightsTest (JNA from Debian's libjna-java), then Example
#   make test-go     examples/go: go vet, go test against the staged `make install` (pkg-config), then
#                    the example program
#   make test-r      examples/r: the .Call wrapper sw_r.c built with R's flags, test_sector_weights.R,
#                    then example.R
#   make example-java example-go example-r   the article's experiment in each language
#
# Each test installs what it lacks with apt-get when run as root (CI; Debian packages), and skips
# with a message saying what to install only where it cannot.
.PHONY: test-java test-go test-r example-java example-go example-r lang-java-run lang-go-run lang-r-run \
	lang-r-wrapper

LANG_OUT := $(CURDIR)/build/lang
LANG_LIB := $(CURDIR)/$(RELEASE_LIB)
LANG_RUN := timeout 600
JNA_JAR ?= /usr/share/java/jna.jar

# $(call lang_ready,target,check command,Debian packages): a shell condition, true when the check
# passes, at once or after installing the packages with apt-get (as root); false, after a SKIPPED
# message, where they cannot be installed. A failed apt-get fails the target.
lang_ready = { ( $(2) ) >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "$(1): installing $(3) with apt-get"; mkdir -p $(LANG_OUT); \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(3)) > $(LANG_OUT)/$(1).apt.log 2>&1 \
	      || { cat $(LANG_OUT)/$(1).apt.log; echo "$(1): apt-get install $(3) FAILED"; exit 1; }; \
	  else echo "$(1): SKIPPED: needs $(3) (Debian: apt-get install $(3)); cannot install here (not root or no apt-get)"; false; fi; }; }
JAVA_READY = $(call lang_ready,$@,command -v javac && test -f $(JNA_JAR),default-jdk-headless libjna-java)
GO_READY = $(call lang_ready,$@,command -v go && command -v pkg-config,golang-go pkg-config)
R_READY = $(call lang_ready,$@,command -v Rscript && test -f "$$(R CMD config --cppflags | sed 's/^-I//')/R.h",r-base-core)

test-java: build
	@if $(JAVA_READY); then $(MAKE) --no-print-directory lang-java-run; fi
lang-java-run:
	mkdir -p $(LANG_OUT)/java
	javac -Xlint:all -Werror -cp $(JNA_JAR) -d $(LANG_OUT)/java examples/java/*.java
	SW_EXPECTED_VERSION=$(SW_VERSION) SECTOR_WEIGHTS_LIBRARY=$(LANG_LIB) \
	  $(LANG_RUN) java -cp $(LANG_OUT)/java:$(JNA_JAR) SectorWeightsTest
	SECTOR_WEIGHTS_LIBRARY=$(LANG_LIB) $(LANG_RUN) java -cp $(LANG_OUT)/java:$(JNA_JAR) Example

example-java: build
	@if $(JAVA_READY); then mkdir -p $(LANG_OUT)/java && \
	  javac -cp $(JNA_JAR) -d $(LANG_OUT)/java examples/java/*.java && \
	  SECTOR_WEIGHTS_LIBRARY=$(LANG_LIB) java -cp $(LANG_OUT)/java:$(JNA_JAR) Example; fi

# Go builds against the installed library, as a Go user would: ecosystem-stage (mk/install.mk)
# installs into $(ECO_PREFIX) (top Makefile); pkg-config finds it there.
LANG_GO_ENV = PKG_CONFIG_PATH="$(ECO_PREFIX)/lib/pkgconfig" LD_LIBRARY_PATH="$(ECO_PREFIX)/lib"
test-go: build
	@if $(GO_READY); then $(MAKE) --no-print-directory ecosystem-stage lang-go-run; fi
lang-go-run:
	cd examples/go && test -z "$$(gofmt -l .)" || { echo "test-go: gofmt would change: $$(gofmt -l .)"; exit 1; }
	cd examples/go && $(LANG_GO_ENV) go vet ./...
	cd examples/go && $(LANG_GO_ENV) SW_EXPECTED_VERSION=$(SW_VERSION) $(LANG_RUN) go test -count=1 ./...
	cd examples/go && $(LANG_GO_ENV) $(LANG_RUN) go run ./cmd/example

example-go: build
	@if $(GO_READY); then $(MAKE) --no-print-directory ecosystem-stage && \
	  cd examples/go && $(LANG_GO_ENV) go run ./cmd/example; fi

# The .Call wrapper, linked against target/release (rpath) with R's own compiler flags.
LANG_R_SO := $(LANG_OUT)/r/sw_r.so
LANG_R_ENV := SECTOR_WEIGHTS_R_WRAPPER=$(LANG_R_SO) SECTOR_WEIGHTS_R_DIR=$(CURDIR)/examples/r
lang-r-wrapper: build
	mkdir -p $(LANG_OUT)/r
	$(CC) -std=c11 -O2 -Wall -Wextra -Werror -fPIC -shared $$(R CMD config --cppflags) -Iinclude \
	  examples/r/sw_r.c -o $(LANG_R_SO) -L$(dir $(LANG_LIB)) -Wl,-rpath,$(dir $(LANG_LIB)) -lsector_weights \
	  $$(R CMD config --ldflags)
test-r: build
	@if $(R_READY); then $(MAKE) --no-print-directory lang-r-run; fi
lang-r-run: lang-r-wrapper
	$(LANG_R_ENV) SW_EXPECTED_VERSION=$(SW_VERSION) $(LANG_RUN) Rscript examples/r/test_sector_weights.R
	$(LANG_R_ENV) $(LANG_RUN) Rscript examples/r/example.R

example-r: build
	@if $(R_READY); then $(MAKE) --no-print-directory lang-r-wrapper && $(LANG_R_ENV) Rscript examples/r/example.R; fi

CHECK_TARGETS += test-java test-go test-r
