# perfloop: build, test and demo. `make` builds build/perfloop; `make test`
# runs unit and end-to-end tests; `make asan` runs them under ASan+UBSan;
# `make demo` installs what is missing and runs the loop on the bundled example.
#
# Knobs: O=DIR (build directory), DEVELOPER=1 (-Werror and extra warnings),
# SANITIZE=address,undefined, CC=clang, PREFIX=/usr/local for install.

O ?= build
CC ?= cc
PREFIX ?= /usr/local
CFLAGS ?= -O2 -g
PKGS = sqlite3 jansson libcurl libelf libzstd libxxhash

WARN = -Wall -Wextra -Wpedantic -Wstrict-prototypes -Wmissing-prototypes -Wvla \
	-Wwrite-strings -Wno-unused-parameter
ifdef DEVELOPER
WARN += -Werror
endif
# headers are included by their path from src/ ("perf/hists.h", "strbuf.h")
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE -Isrc $(WARN) $(CFLAGS) -MMD -MP
ALL_LDFLAGS = $(LDFLAGS)
ifdef SANITIZE
ALL_CFLAGS += -fsanitize=$(SANITIZE) -fno-sanitize-recover=all -fno-omit-frame-pointer
ALL_LDFLAGS += -fsanitize=$(SANITIZE)
endif

# recursive (=) so they are evaluated after the dependency check has run.
# libcurl is not linked: src/github/curl-lazy.c loads it when a GitHub call needs it
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS))
PKG_LIBS = $(shell pkg-config --libs $(filter-out libcurl,$(PKGS))) -liberty -lm -ldl

# the library is every source but main.c: src/*.c and one level of directories
# (src/cmd, src/perf, src/report, src/github); objects mirror the tree under $(O)/src
LIB_SRC = $(filter-out src/main.c,$(sort $(wildcard src/*.c src/*/*.c)))
HDRS = $(sort $(wildcard src/*.h src/*/*.h))
LIB_OBJ = $(LIB_SRC:src/%.c=$(O)/src/%.o)
UNIT_SRC = $(sort $(wildcard t/unit/test-*.c))
UNIT_BIN = $(UNIT_SRC:t/unit/%.c=$(O)/t/%)
HELPER_SRC = $(sort $(wildcard t/helper/*.c))
HELPER_BIN = $(HELPER_SRC:t/helper/%.c=$(O)/t/helper/%)
BENCH_BIN = $(O)/bench/verdicts

.PHONY: all test test-load test-lint lint unit e2e fuzz asan valgrind demo deps tools install clean \
	style hdr-check bench readme

all: $(O)/perfloop $(O)/perfloop.1

# the manual page is made from the command and key tables, so it never drifts
$(O)/perfloop.1: $(O)/perfloop
	$(O)/perfloop help --man >$@

# README's command reference and table of keys are made from the same tables (t0001 checks)
readme: $(O)/perfloop
	scripts/update-readme $(O)/perfloop README.md >$(O)/README.md.new
	mv $(O)/README.md.new README.md

deps: $(O)/.deps-ok

# Install missing Debian packages once (scripts/install-deps is idempotent).
$(O)/.deps-ok: scripts/install-deps
	@mkdir -p $(O)
	@if ! pkg-config --exists $(PKGS) || ! test -f /usr/include/libiberty/demangle.h \
	    || ! pkg-config --exists cmocka; then scripts/install-deps; fi
	@touch $@

$(O)/src/%.o: src/%.c | $(O)/.deps-ok
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(PKG_CFLAGS) -c -o $@ $<

$(O)/libperfloop.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(O)/perfloop: $(O)/src/main.o $(O)/libperfloop.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(O)/t/test-%: t/unit/test-%.c $(O)/libperfloop.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(PKG_CFLAGS) -o $@ $< $(O)/libperfloop.a $(ALL_LDFLAGS) \
		$(PKG_LIBS) $(shell pkg-config --libs cmocka)

$(O)/t/helper/%: t/helper/%.c $(O)/libperfloop.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(PKG_CFLAGS) -o $@ $< $(O)/libperfloop.a $(ALL_LDFLAGS) \
		$(PKG_LIBS)

$(O)/bench/%: bench/%.c $(O)/libperfloop.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(PKG_CFLAGS) -o $@ $< $(O)/libperfloop.a $(ALL_LDFLAGS) \
		$(PKG_LIBS)

# every binary runs; the last line is the total ("N passed, N failed")
unit: $(UNIT_BIN)
	@PERFLOOP_BUILD=$(abspath $(O)) t/run-all --unit-only $(UNIT_BIN)

e2e: $(O)/perfloop $(HELPER_BIN)
	@PERFLOOP_BUILD=$(abspath $(O)) t/run-e2e

# the perf.data reader under libFuzzer for a fixed number of runs (skipped without clang's runtime)
fuzz: | $(O)/.deps-ok
	@PERFLOOP_BUILD=$(abspath $(O)) PKG_CFLAGS="$(PKG_CFLAGS)" PKG_LIBS="$(PKG_LIBS)" t/run-fuzz

# the tools the tests and the demo use (git, perf, hyperfine, chromium...) too
tools:
	@scripts/install-deps

# the test tree's rules (t/lint): unique script numbers in t/README's families,
# executable scripts that source t/lib.sh, unit tests named after their module
test-lint:
	@t/lint

# the command layer holds no SQL: each table's module has its statements behind
# typed calls (README "Architecture"), so src/cmd/ has no SQL text and no sqlite3_ call
CMD_FILES = $(wildcard src/cmd/*.c src/cmd/*.h)
lint: test-lint
	@bad=$$(grep -nE '"[^"]*\b(SELECT|INSERT|UPDATE|DELETE)\b' $(CMD_FILES)); \
	if [ -n "$$bad" ]; then printf '%s\n' "$$bad"; \
		echo "lint: SQL text in src/cmd/: move it to the module that owns the table" >&2; \
		exit 1; fi; \
	bad=$$(grep -n 'sqlite3_' $(CMD_FILES)); \
	if [ -n "$$bad" ]; then printf '%s\n' "$$bad"; \
		echo "lint: sqlite3_ in src/cmd/: read and write the ledger through its modules" >&2; \
		exit 1; fi; \
	echo "lint ok"

# the lints, then unit, end-to-end and fuzz tests, each to its end; the last line
# is the total over all
test: lint tools all $(UNIT_BIN) $(HELPER_BIN) | $(O)/.deps-ok
	@PERFLOOP_BUILD=$(abspath $(O)) PKG_CFLAGS="$(PKG_CFLAGS)" PKG_LIBS="$(PKG_LIBS)" \
		t/run-all $(UNIT_BIN)

# the bench, loop and verdict end-to-end scripts with a CPU hog on every core
# (t/run-load): they must pass on a loaded machine too
test-load: all $(HELPER_BIN) | $(O)/.deps-ok
	@PERFLOOP_BUILD=$(abspath $(O)) t/run-load

# the end-to-end path under valgrind's memcheck: a build dir whose perfloop is
# a wrapper around the real binary (t/valgrind/perfloop)
VALGRIND_TESTS ?= t1000-bench.sh t2000-loop.sh t5100-report.sh
valgrind: $(O)/perfloop $(HELPER_BIN)
	@rm -rf $(O)/valgrind && mkdir -p $(O)/valgrind
	@cp t/valgrind/perfloop $(O)/valgrind/perfloop && ln -s $(abspath $(O))/t $(O)/valgrind/t
	@PERFLOOP_REAL=$(abspath $(O))/perfloop PERFLOOP_BUILD=$(abspath $(O))/valgrind \
		t/run-e2e $(VALGRIND_TESTS)

asan:
	$(MAKE) O=build-asan SANITIZE=address,undefined CFLAGS="-O1 -g" test

bench: $(O)/perfloop $(BENCH_BIN) $(HELPER_BIN)
	bench/run-all $(abspath $(O))

demo: tools $(O)/perfloop $(HELPER_BIN)
	@PERFLOOP_BUILD=$(abspath $(O)) examples/demo

install: $(O)/perfloop $(O)/perfloop.1
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions
	install -m 755 $(O)/perfloop $(DESTDIR)$(PREFIX)/bin/perfloop
	install -m 644 $(O)/perfloop.1 $(DESTDIR)$(PREFIX)/share/man/man1/perfloop.1
	install -m 644 contrib/perfloop-completion.bash \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions/perfloop

# each header compiles on its own
hdr-check: | $(O)/.deps-ok
	@set -e; for h in $(HDRS); do \
		printf '#include "%s"\ntypedef int hdr_check_nonempty;\n' "$$h" | \
			$(CC) $(ALL_CFLAGS) $(PKG_CFLAGS) -x c -c -o /dev/null -; \
	done; echo "headers ok"

style:
	@clang-format --dry-run --Werror $(LIB_SRC) src/main.c $(HDRS) t/unit/*.c t/helper/*.c

clean:
	rm -rf build build-asan

-include $(LIB_OBJ:.o=.d) $(O)/src/main.d
