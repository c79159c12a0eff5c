# ferry: one plain Makefile. `make` builds bin/ferryd and bin/ferry,
# `make test` runs every test, `make run` starts a local relay and the TUI.
# Sources are found by wildcard, so a new .c file needs no edit here.

PREFIX	?= /usr/local
BINDIR_INSTALL = $(DESTDIR)$(PREFIX)/bin
PKG_CONFIG ?= pkg-config

# Debian 12 packages for building and testing (make deps installs the missing ones).
DEB_PKGS = make gcc pkg-config libuv1-dev libncurses-dev libcjson-dev libssl-dev \
	   libcmocka-dev tmux procps coreutils clang libclang-rt-14-dev

CFLAGS	?= -O2 -g
WARN	 = -std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	   -Wmissing-prototypes -Wwrite-strings -Wformat=2 -Wno-format-nonliteral
DEFS	 = -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE

# SANITIZE=1 builds everything with ASan + UBSan into its own tree, so the two
# builds never mix objects.
ifeq ($(SANITIZE),1)
SANFLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
BUILD	?= build/san
BIN	?= build/san/bin
else
SANFLAGS =
BUILD	?= build/rel
BIN	?= bin
endif

pc = $(shell $(PKG_CONFIG) $(1) $(2) 2>/dev/null)
UV_CFLAGS	= $(call pc,--cflags,libuv)
UV_LIBS		= $(call pc,--libs,libuv)
CURSES_CFLAGS	= $(call pc,--cflags,ncursesw)
CURSES_LIBS	= $(call pc,--libs,ncursesw)
CJSON_CFLAGS	= $(call pc,--cflags,libcjson)
CJSON_LIBS	= $(call pc,--libs,libcjson)
CRYPTO_CFLAGS	= $(call pc,--cflags,libcrypto)
CRYPTO_LIBS	= $(call pc,--libs,libcrypto)
CMOCKA_CFLAGS	= $(call pc,--cflags,cmocka)
CMOCKA_LIBS	= $(call pc,--libs,cmocka)

ALL_CFLAGS = $(WARN) $(DEFS) $(CFLAGS) $(SANFLAGS) -MMD -MP
ALL_LDFLAGS = $(LDFLAGS) $(SANFLAGS)

# The layering (ui -> src -> proto, server -> proto) is enforced by include paths.
PROTO_SRC  = $(wildcard proto/*.c)
SERVER_SRC = $(wildcard server/*.c)
CORE_SRC   = $(filter-out src/ferry.c src/ferryd.c,$(wildcard src/*.c))
UI_SRC	   = $(wildcard ui/*.c)
UNIT_SRC   = $(wildcard tests/unit/test_*.c)
TOOL_SRC   = $(wildcard tests/tools/*.c)

obj = $(patsubst %.c,$(BUILD)/%.o,$(1))
PROTO_OBJ  = $(call obj,$(PROTO_SRC))
SERVER_OBJ = $(call obj,$(SERVER_SRC))
CORE_OBJ   = $(call obj,$(CORE_SRC))
UI_OBJ	   = $(call obj,$(UI_SRC))
UNIT_BIN   = $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))
TOOLS	   = $(BUILD)/tools
TOOL_BIN   = $(patsubst tests/tools/%.c,$(TOOLS)/%,$(TOOL_SRC))

LIBPROTO  = $(BUILD)/libproto.a
LIBRELAY  = $(BUILD)/librelay.a
LIBCLIENT = $(BUILD)/libclient.a
LIBUI	  = $(BUILD)/libui.a

FERRYD_LIBS = $(UV_LIBS) $(CJSON_LIBS)
FERRY_LIBS  = $(CURSES_LIBS) $(UV_LIBS) $(CJSON_LIBS) $(CRYPTO_LIBS)

.PHONY: all deps test unit e2e run install uninstall clean check-layers fmt-check
all: $(BIN)/ferryd $(BIN)/ferry

$(BUILD)/proto/%.o: proto/%.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Iproto $(CJSON_CFLAGS) -c $< -o $@
$(BUILD)/server/%.o: server/%.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Iproto -Iserver $(UV_CFLAGS) -c $< -o $@
$(BUILD)/src/ferryd.o: src/ferryd.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Iproto -Iserver $(UV_CFLAGS) -c $< -o $@
$(BUILD)/src/ferry.o: src/ferry.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Iproto -Isrc -Iui $(UV_CFLAGS) $(CURSES_CFLAGS) $(CRYPTO_CFLAGS) -c $< -o $@
$(BUILD)/src/%.o: src/%.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Iproto -Isrc $(UV_CFLAGS) $(CRYPTO_CFLAGS) -c $< -o $@
$(BUILD)/ui/%.o: ui/%.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Iproto -Isrc -Iui $(UV_CFLAGS) $(CURSES_CFLAGS) -c $< -o $@
$(BUILD)/tests/unit/%.o: tests/unit/%.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Iproto -Iserver -Isrc -Iui $(UV_CFLAGS) $(CURSES_CFLAGS) \
	    $(CJSON_CFLAGS) $(CRYPTO_CFLAGS) $(CMOCKA_CFLAGS) -c $< -o $@

$(BUILD)/tests/tools/%.o: tests/tools/%.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Iproto -Isrc $(UV_CFLAGS) $(CRYPTO_CFLAGS) -c $< -o $@

$(LIBPROTO): $(PROTO_OBJ)
	@mkdir -p $(@D)
	rm -f $@ && $(AR) rcs $@ $^
$(LIBRELAY): $(SERVER_OBJ)
	@mkdir -p $(@D)
	rm -f $@ && $(AR) rcs $@ $^
$(LIBCLIENT): $(CORE_OBJ)
	@mkdir -p $(@D)
	rm -f $@ && $(AR) rcs $@ $^
$(LIBUI): $(UI_OBJ)
	@mkdir -p $(@D)
	rm -f $@ && $(AR) rcs $@ $^

$(BIN)/ferryd: $(BUILD)/src/ferryd.o $(LIBRELAY) $(LIBPROTO)
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(FERRYD_LIBS)
$(BIN)/ferry: $(BUILD)/src/ferry.o $(LIBUI) $(LIBCLIENT) $(LIBPROTO)
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(FERRY_LIBS)

# Each tests/unit/test_*.c is one cmocka program, linked against every layer.
$(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(LIBUI) $(LIBCLIENT) $(LIBRELAY) $(LIBPROTO)
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(CMOCKA_LIBS) $(FERRY_LIBS)

# tests/tools/*.c: small protocol-speaking programs the e2e scripts and benchmarks drive.
$(TOOLS)/%: $(BUILD)/tests/tools/%.o $(LIBCLIENT) $(LIBPROTO)
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(FERRY_LIBS)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

# libFuzzer targets (tests/fuzz/fuzz_*.c), always clang with ASan + UBSan,
# linked straight against the proto sources.
FUZZ_CC	  ?= clang
FUZZ_DIR   = build/fuzz
FUZZ_BIN   = $(patsubst tests/fuzz/%.c,$(FUZZ_DIR)/%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_FLAGS = -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
FUZZ_SECONDS ?= 60
$(FUZZ_DIR)/fuzz_%: tests/fuzz/fuzz_%.c $(PROTO_SRC) $(wildcard proto/*.h)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(WARN) $(DEFS) $(FUZZ_FLAGS) -Iproto $(CJSON_CFLAGS) -o $@ $< $(PROTO_SRC) $(CJSON_LIBS)

.PHONY: fuzz
fuzz: deps
	@$(MAKE) --no-print-directory $(FUZZ_BIN)
	@FERRY_FUZZ=$(abspath $(FUZZ_DIR)) FUZZ_SECONDS=$(FUZZ_SECONDS) tests/run.sh tests/fuzz/short.sh

# `make chaos`: tests/e2e/chaos.sh in its long form (`make test` runs a short
# one): CHAOS_SECONDS of kills, restarts and cancels among CHAOS_CLIENTS
# headless clients, then the invariants, with every figure printed.
# CHAOS_SEED=N repeats a run.
CHAOS_SECONDS ?= 180
CHAOS_CLIENTS ?= 20
.PHONY: chaos
chaos: deps
	@$(MAKE) --no-print-directory all $(TOOL_BIN)
	@$(TEST_ENV) CHAOS_SECONDS=$(CHAOS_SECONDS) CHAOS_CLIENTS=$(CHAOS_CLIENTS) \
	    bash tests/e2e/chaos.sh

# `make valgrind`: every e2e script with ferryd and ferry under valgrind
# memcheck (tests/valgrind/run.sh); it passes with zero errors and zero
# definite leaks in every process. valgrind is installed here, through deps.
.PHONY: valgrind
valgrind: deps
	@$(MAKE) --no-print-directory deps DEB_PKGS="valgrind"
	@$(MAKE) --no-print-directory all $(TOOL_BIN)
	@FERRY_REAL_BIN=$(abspath $(BIN)) FERRY_TOOLS=$(abspath $(TOOLS)) \
	    tests/valgrind/run.sh $(wildcard tests/e2e/*.sh)

# Installs what is missing from DEB_PKGS; as root with apt-get, else prints the line.
deps:
	@missing=""; for p in $(DEB_PKGS); do \
	    dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' \
	        || missing="$$missing $$p"; done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "deps: installing$$missing"; \
	    DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	else \
	    echo "deps: missing packages; run:"; \
	    echo "  sudo apt-get install -y$$missing"; exit 1; \
	fi

TEST_FUZZ_SECONDS ?= 3
TEST_ENV = FERRY_BIN=$(abspath $(BIN)) FERRY_TOOLS=$(abspath $(TOOLS)) SANITIZE=$(SANITIZE)

# Every unit program and every e2e script reports TAP lines; tests/run.sh
# counts them and ends with "N passed, N failed".
test: deps
	@$(MAKE) --no-print-directory all check-layers
	@$(MAKE) --no-print-directory $(UNIT_BIN) $(TOOL_BIN) $(FUZZ_BIN)
	@$(TEST_ENV) FERRY_FUZZ=$(abspath $(FUZZ_DIR)) FUZZ_SECONDS=$(TEST_FUZZ_SECONDS) \
	    tests/run.sh $(UNIT_BIN) tests/fuzz/short.sh $(wildcard tests/e2e/*.sh)

unit: all $(UNIT_BIN)
	@$(TEST_ENV) tests/run.sh $(UNIT_BIN)

e2e: all $(TOOL_BIN)
	@$(TEST_ENV) tests/run.sh $(wildcard tests/e2e/*.sh)

# The dependency direction of DESIGN.md, checked by grep so it cannot erode.
check-layers:
	@bad=0; \
	if grep -lE '#include *[<"](uv|curses|ncurses|cjson/cJSON)\.h' proto/*.h >/dev/null 2>&1 || \
	   grep -lE '#include *[<"](uv|curses|ncurses)\.h' proto/*.c 2>/dev/null | grep -q .; then \
	    echo "check-layers: proto/ must not include libuv or curses"; bad=1; fi; \
	if grep -lE '#include *[<"]([^>"]*curses\.h|ui/|client\.h)' server/*.[ch] 2>/dev/null | grep -q .; then \
	    echo "check-layers: server/ must not include curses, ui/ or the client core"; bad=1; fi; \
	if grep -lE '#include *[<"]([^>"]*curses\.h|ui/)' $(filter-out src/ferry.c,$(wildcard src/*.[ch])) 2>/dev/null | grep -q .; then \
	    echo "check-layers: the client core must not include curses or ui/"; bad=1; fi; \
	if grep -lE '#include *[<"]cjson/cJSON\.h' server/*.[ch] src/*.[ch] ui/*.[ch] 2>/dev/null | grep -q .; then \
	    echo "check-layers: only proto/msg.c may include cJSON"; bad=1; fi; \
	exit $$bad

# PNGs of the real TUI for README.md: tests/e2e/screenshots.bash drives it in
# tmux and grabs an xterm under Xvfb. Its X packages are not needed by `make
# test`, so they are installed here (through deps) rather than in DEB_PKGS.
SHOT_PKGS = xvfb xterm imagemagick fonts-dejavu-core
.PHONY: screenshots
screenshots: deps
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory deps DEB_PKGS="$(SHOT_PKGS)"
	@$(TEST_ENV) bash tests/e2e/screenshots.bash

# `make bench`: ferry against a direct pipe, socat and the magic-wormhole
# transit relay (tests/bench/bench.sh; figures, ratios, PASS/MISS). Its
# baselines are installed here (through deps), never needed by `make test`.
BENCH_PKGS = socat magic-wormhole-transit-relay openssl iproute2 procps coreutils
FBENCH	   = $(BUILD)/bench/fbench
$(FBENCH): tests/bench/fbench.c $(LIBPROTO)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Iproto $(CJSON_CFLAGS) -o $@ $< $(ALL_LDFLAGS) $(LIBPROTO) $(CJSON_LIBS)
.PHONY: bench
bench: deps
	@$(MAKE) --no-print-directory deps DEB_PKGS="$(BENCH_PKGS)"
	@$(MAKE) --no-print-directory all $(FBENCH)
	@FERRY_BIN=$(abspath $(BIN)) FBENCH=$(abspath $(FBENCH)) bash tests/bench/bench.sh

# Starts a local relay on 127.0.0.1:7117 unless one is listening, opens the
# TUI against it, and stops the relay it started (by PID) when the TUI exits.
RUN_ADDR ?= 127.0.0.1:7117
run: deps
	@$(MAKE) --no-print-directory all
	@addr=$(RUN_ADDR); port=$${addr##*:}; pid=""; log=$$(mktemp /tmp/ferryd.XXXXXX.log); \
	if ! (exec 3<>/dev/tcp/127.0.0.1/$$port) 2>/dev/null; then \
	    $(BIN)/ferryd --listen $$addr 2>"$$log" & pid=$$!; \
	    for i in $$(seq 100); do grep -q 'listening on' "$$log" && break; \
	        kill -0 $$pid 2>/dev/null || break; sleep 0.05; done; \
	    if ! grep -q 'listening on' "$$log"; then cat "$$log" >&2; kill $$pid 2>/dev/null; exit 1; fi; \
	    echo "started ferryd on $$addr (pid $$pid, log $$log)"; \
	fi; \
	$(BIN)/ferry --server $$addr $(RUN_ARGS); st=$$?; \
	if [ -n "$$pid" ]; then kill $$pid 2>/dev/null; wait $$pid 2>/dev/null; fi; \
	rm -f "$$log"; exit $$st

install: all
	install -d $(BINDIR_INSTALL)
	install -m 755 $(BIN)/ferryd $(BIN)/ferry $(BINDIR_INSTALL)/

uninstall:
	rm -f $(BINDIR_INSTALL)/ferryd $(BINDIR_INSTALL)/ferry

clean:
	rm -rf build bin
