#!/usr/bin/env bash
# keepalive_relay_stop.sh: the client's keepalive. A relay that vanishes
# without a word (SIGSTOP: its sockets stay open, nothing is answered) is
# noticed after the client's idle timeout, not minutes later when TCP gives
# up: transfers fail with a reason and keep their part to resume. A live relay
# answers the pings, so an idle client stays connected far past that
# timeout. The timeouts are shortened through the environment.
source "$(dirname "$0")/lib.bash"
source "$(dirname "$0")/client_lib.bash"

export FERRY_PING_AFTER_MS=250 FERRY_IDLE_TIMEOUT_MS=1500
mkfile "$T_DIR/big.bin" $((32 * 1024 * 1024))

t_start_relay || { t_ok 1 "relay starts"; t_done; exit; }

# --- a live relay answers: an idle client stays ------------------------------
start_receiver bob "$T_DIR/bob"; t_ok $? "bob is listed"
BOB=$RX_PID
# Absence over a span takes waiting out the span: three idle timeouts.
sleep 4.5
t_check "bob is still running after 3 idle timeouts with a live relay" kill -0 "$BOB"
t_check "bob is still listed" listed bob
t_check "bob said nothing on stderr" quiet "$T_DIR/bob.err"

# --- the relay stops mid-transfer -------------------------------------------
t_bg "$FERRY" send --name alice --to bob --limit-rate 2M --no-retry "$T_DIR/big.bin" \
    >"$T_DIR/alice.out" 2>"$T_DIR/alice.err"
ALICE=$T_LAST
t_check "bytes are flowing to bob" t_wait_for 20 part_bigger_than "$T_DIR/bob" 1048576
kill -STOP "$RELAY_PID"
t_check "alice gives up on the stopped relay (exit 1)" exited "$ALICE" 1 20
t_check "bob gives up on the stopped relay (exit 1)" exited "$BOB" 1 20
t_check "alice says the relay stopped answering, and how far it got" err_matches "$T_DIR/alice.err" \
    "^ferry: lost the connection to the relay $RELAY_ADDR after [0-9.]+ [KMG]?i?B of 32\.0 MiB: it stopped answering \\(silent for 1500 ms\\); sent again, it goes on from what arrived\$"
t_check "bob says the relay stopped answering" grep -qF \
    "ferry: the relay $RELAY_ADDR stopped answering (silent for 1500 ms)" "$T_DIR/bob.err"
t_check "bob keeps the part to resume" kept_one "$T_DIR/bob"
t_check "neither printed a success line" test ! -s "$T_DIR/alice.out" -a ! -s "$T_DIR/bob.out"

# --- the relay comes back and serves again ----------------------------------
kill -CONT "$RELAY_PID"
start_receiver carol "$T_DIR/carol"
t_ok $? "after SIGCONT the relay serves a new client"
t_done
