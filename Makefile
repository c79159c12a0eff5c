# ferry: one plain Makefile. `make` builds bin/ferryd and bin/ferry,
# `make test` runs every test, `make run` starts a local relay and the TUI.
# Sources are found by wildcard, so a new .c file needs no edit here.

PREFIX	?= /usr/local
BINDIR_INSTALL = $(DESTDIR)$(PREFIX)/bin
PKG_CONFIG ?= pkg-config

# Debian 12 packages for building and testing (make deps installs the missing ones).
DEB_PKGS = make gcc pkg-config libuv1-dev libncurses-dev libcjson-dev libssl-dev \
	   libcmocka-dev tmux procps coreutils clang libclang-rt-14-dev openssl

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

# pkg-config runs once per build: the first make evaluates it and exports
# the results, so the recursive makes below reuse them.
ifndef FERRY_PC_DONE
pc := $(PKG_CONFIG)
UV_CFLAGS	:= $(shell $(pc) --cflags libuv 2>/dev/null)
UV_LIBS		:= $(shell $(pc) --libs libuv 2>/dev/null)
CURSES_CFLAGS	:= $(shell $(pc) --cflags ncursesw 2>/dev/null)
CURSES_LIBS	:= $(shell $(pc) --libs ncursesw 2>/dev/null)
CJSON_CFLAGS	:= $(shell $(pc) --cflags libcjson 2>/dev/null)
CJSON_LIBS	:= $(shell $(pc) --libs libcjson 2>/dev/null)
CRYPTO_CFLAGS	:= $(shell $(pc) --cflags libssl libcrypto 2>/dev/null)
CRYPTO_LIBS	:= $(shell $(pc) --libs libssl libcrypto 2>/dev/null)
CMOCKA_CFLAGS	:= $(shell $(pc) --cflags cmocka 2>/dev/null)
CMOCKA_LIBS	:= $(shell $(pc) --libs cmocka 2>/dev/null)
FERRY_PC_DONE	:= 1
export UV_CFLAGS UV_LIBS CURSES_CFLAGS CURSES_LIBS CJSON_CFLAGS CJSON_LIBS \
	CRYPTO_CFLAGS CRYPTO_LIBS CMOCKA_CFLAGS CMOCKA_LIBS FERRY_PC_DONE
endif

# DWARF 4: Debian 12's valgrind (3.19) cannot read clang 14's default DWARF 5.
ALL_CFLAGS = $(WARN) $(DEFS) $(CFLAGS) -gdwarf-4 $(SANFLAGS) -MMD -MP
ALL_LDFLAGS = $(LDFLAGS) $(SANFLAGS)

# The layering (ui -> src -> proto, server -> proto) is enforced by include
# paths: each folder sees only its own headers and those below it.
PROTO_SRC  = $(wildcard proto/*.c)
SERVER_SRC = $(filter-out server/ferryd.c,$(wildcard server/*.c))
CORE_SRC   = $(wildcard src/*.c)
UI_SRC	   = $(filter-out ui/ferry.c,$(wildcard ui/*.c))
UNIT_SRC   = $(wildcard tests/unit/test_*.c)
UNIT_HELP  = $(filter-out $(UNIT_SRC),$(wildcard tests/unit/*.c))	# shared by the unit programs
# A tool is one tests/tools/NAME.c, or the files of a folder tests/tools/NAME/.
TOOL_ONE   = $(wildcard tests/tools/*.c)
TOOL_DIRS  = $(sort $(patsubst %/,%,$(dir $(wildcard tests/tools/*/*.c))))
TOOL_SRC   = $(TOOL_ONE) $(wildcard tests/tools/*/*.c)

obj = $(patsubst %.c,$(BUILD)/%.o,$(1))
PROTO_OBJ  = $(call obj,$(PROTO_SRC))
SERVER_OBJ = $(call obj,$(SERVER_SRC))
CORE_OBJ   = $(call obj,$(CORE_SRC))
UI_OBJ	   = $(call obj,$(UI_SRC))
FERRYD_OBJ = $(BUILD)/server/ferryd.o
FERRY_OBJ  = $(BUILD)/ui/ferry.o
UNIT_OBJ   = $(call obj,$(UNIT_SRC) $(UNIT_HELP))
UNIT_HELP_OBJ = $(call obj,$(UNIT_HELP))
TOOL_OBJ   = $(call obj,$(TOOL_SRC))
ALL_OBJ	   = $(PROTO_OBJ) $(SERVER_OBJ) $(CORE_OBJ) $(UI_OBJ) $(FERRYD_OBJ) \
	     $(FERRY_OBJ) $(UNIT_OBJ) $(TOOL_OBJ)
UNIT_BIN   = $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))
TOOLS	   = $(BUILD)/tools
TOOL_BIN_ONE = $(patsubst tests/tools/%.c,$(TOOLS)/%,$(TOOL_ONE))
TOOL_BIN_DIR = $(patsubst tests/tools/%,$(TOOLS)/%,$(TOOL_DIRS))
TOOL_BIN   = $(TOOL_BIN_ONE) $(TOOL_BIN_DIR)

LIBPROTO  = $(BUILD)/libproto.a
LIBRELAY  = $(BUILD)/librelay.a
LIBCLIENT = $(BUILD)/libclient.a
LIBUI	  = $(BUILD)/libui.a

FERRYD_LIBS = $(UV_LIBS) $(CJSON_LIBS) $(CRYPTO_LIBS)
FERRY_LIBS  = $(CURSES_LIBS) $(UV_LIBS) $(CJSON_LIBS) $(CRYPTO_LIBS)

.PHONY: all deps test unit e2e run install uninstall clean check-layers
all: $(BIN)/ferryd $(BIN)/ferry

# One compile rule; each folder's include path and packages are its flag set.
$(PROTO_OBJ):			LAYER = -Iproto $(CJSON_CFLAGS) $(CRYPTO_CFLAGS)
$(SERVER_OBJ) $(FERRYD_OBJ):	LAYER = -Iproto -Iserver $(UV_CFLAGS) $(CRYPTO_CFLAGS)
$(CORE_OBJ):			LAYER = -Iproto -Isrc $(UV_CFLAGS) $(CRYPTO_CFLAGS)
$(UI_OBJ) $(FERRY_OBJ):		LAYER = -Iproto -Isrc -Iui $(UV_CFLAGS) $(CURSES_CFLAGS)
$(UNIT_OBJ):			LAYER = -Iproto -Iserver -Isrc -Iui $(UV_CFLAGS) \
				    $(CURSES_CFLAGS) $(CJSON_CFLAGS) $(CRYPTO_CFLAGS) $(CMOCKA_CFLAGS)
$(TOOL_OBJ):			LAYER = -Iproto -Isrc $(UV_CFLAGS) $(CRYPTO_CFLAGS)
$(BUILD)/%.o: %.c $(BUILD)/flags
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(LAYER) -c $< -o $@

# The compiler and flags of the last build: when they change (make
# CC=clang after a gcc build), every object is rebuilt, never mixed.
FLAGS_NOW = $(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS)
$(BUILD)/flags: FORCE
	@mkdir -p $(@D)
	@echo '$(FLAGS_NOW)' | cmp -s - $@ || echo '$(FLAGS_NOW)' >$@
.PHONY: FORCE

# Objects of the unit tests and tools are kept, not removed as intermediates.
.SECONDARY: $(UNIT_OBJ) $(TOOL_OBJ)

ar = @mkdir -p $(@D) && rm -f $@ && $(AR) rcs $@ $^
$(LIBPROTO): $(PROTO_OBJ)
	$(ar)
$(LIBRELAY): $(SERVER_OBJ)
	$(ar)
$(LIBCLIENT): $(CORE_OBJ)
	$(ar)
$(LIBUI): $(UI_OBJ)
	$(ar)

$(BIN)/ferryd: $(FERRYD_OBJ) $(LIBRELAY) $(LIBPROTO)
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(FERRYD_LIBS)
$(BIN)/ferry: $(FERRY_OBJ) $(LIBUI) $(LIBCLIENT) $(LIBPROTO)
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(FERRY_LIBS)

# Each tests/unit/test_*.c is one cmocka program, linked with the unit
# tests' shared helpers (the other tests/unit/*.c) and every layer.
$(UNIT_BIN): $(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(UNIT_HELP_OBJ) $(LIBUI) $(LIBCLIENT) $(LIBRELAY) $(LIBPROTO)
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(CMOCKA_LIBS) $(FERRY_LIBS)

# tests/tools/*.c: small protocol-speaking programs the e2e scripts and benchmarks drive.
$(TOOL_BIN_ONE): $(TOOLS)/%: $(BUILD)/tests/tools/%.o $(LIBCLIENT) $(LIBPROTO)
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(FERRY_LIBS)
.SECONDEXPANSION:
$(TOOL_BIN_DIR): $(TOOLS)/%: $$(call obj,$$(wildcard tests/tools/%/*.c)) $(LIBCLIENT) $(LIBPROTO)
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(FERRY_LIBS)

-include $(ALL_OBJ:.o=.d)

# libFuzzer targets (tests/fuzz/fuzz_*.c), always clang with ASan + UBSan,
# linked straight against the proto sources.
FUZZ_CC	  ?= clang
FUZZ_DIR   = build/fuzz
FUZZ_BIN   = $(patsubst tests/fuzz/%.c,$(FUZZ_DIR)/%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_FLAGS = -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
FUZZ_SECONDS ?= 60
$(FUZZ_DIR)/fuzz_%: tests/fuzz/fuzz_%.c $(PROTO_SRC) $(wildcard proto/*.h)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(WARN) $(DEFS) $(FUZZ_FLAGS) -Iproto $(CJSON_CFLAGS) $(CRYPTO_CFLAGS) -o $@ $< $(PROTO_SRC) \
	    $(CJSON_LIBS) $(CRYPTO_LIBS)

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
	@tests/tools/deps.sh $(DEB_PKGS)

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

# The dependency direction of DESIGN.md, with no exceptions
# (tests/tools/check_layers.sh; tests/e2e/check_layers.sh shows it failing).
check-layers:
	@tests/tools/check_layers.sh

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
BENCH_PKGS = socat magic-wormhole-transit-relay openssl iproute2 procps coreutils tar python3 time
FBENCH	   = $(BUILD)/bench/fbench
$(FBENCH): tests/bench/fbench.c $(LIBPROTO)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Iproto $(CJSON_CFLAGS) $(CRYPTO_CFLAGS) -o $@ $< $(ALL_LDFLAGS) \
	    $(LIBPROTO) $(CJSON_LIBS) $(CRYPTO_LIBS)
.PHONY: bench
bench: deps
	@$(MAKE) --no-print-directory deps DEB_PKGS="$(BENCH_PKGS)"
	@$(MAKE) --no-print-directory all $(FBENCH)
	@FERRY_BIN=$(abspath $(BIN)) FBENCH=$(abspath $(FBENCH)) bash tests/bench/bench.sh
	@FERRY_BIN=$(abspath $(BIN)) FBENCH=$(abspath $(FBENCH)) bash tests/bench/many_files.sh

# Starts a local relay on 127.0.0.1:7117 unless one is listening, opens the
# TUI against it, and stops the relay it started (by PID) when the TUI exits.
RUN_ADDR ?= 127.0.0.1:7117
run: deps
	@$(MAKE) --no-print-directory all
	@ui/run.sh $(BIN) $(RUN_ADDR) $(RUN_ARGS)

install: all
	install -d $(BINDIR_INSTALL)
	install -m 755 $(BIN)/ferryd $(BIN)/ferry $(BINDIR_INSTALL)/

uninstall:
	rm -f $(BINDIR_INSTALL)/ferryd $(BINDIR_INSTALL)/ferry

clean:
	rm -rf build bin
