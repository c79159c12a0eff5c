#!/usr/bin/env bash
# tui_retry.sh: r on a failed send in the TUI sends it again, and it goes on
# from what the receiver kept. alice (the TUI, slowed with --limit-rate)
# sends a 16 MiB file to bob (headless); bob is killed at a random point;
# the row says failed; bob comes back; r on the row offers it again, the
# status line says so, the row reaches done and verified, and bob's copy has
# the right SHA-256, after taking only the rest (bob says it resumed).
source "$(dirname "$0")/lib.bash"
source "$(dirname "$0")/client_lib.bash"
source "$(dirname "$0")/tui.bash"

SIZE=$((16 * 1024 * 1024))
t_start_relay || exit 1
mkdir -p "$T_DIR/home" "$T_DIR/inbox"
mkfile "$T_DIR/home/big.bin" "$SIZE"

start_receiver bob "$T_DIR/bob" --count 1
tui_start "$T_DIR/home" --server "$RELAY_ADDR" --name alice --dir "$T_DIR/inbox" \
    --limit-rate 4M
t_check "bob shows up" tui_wait_for 'Peers 1'
# The cursor starts on "..": Down to big.bin, Space marks it, s twice sends.
tui_keys Down Space
t_check "big.bin is marked" tui_wait_for '1 marked'
tui_keys s
t_check "s asks first" tui_wait_for 'Send big\.bin \(16\.0 MiB\) to bob\?'
tui_keys s
PCT=$((15 + RANDOM % 50))
t_diag "breaking at about $PCT%"
t_check "bytes flow to bob" t_wait_for 20 part_bigger_than "$T_DIR/bob" $((SIZE * PCT / 100))
kill -KILL "$RX_PID"
t_check "the row says failed" tui_wait_for 'failed'
t_check "and the status line says why, no longer 'waiting for bob'" \
    tui_wait_for 'big\.bin failed: bob disconnected after [0-9.]+ MiB of 16\.0 MiB'
t_check "bob keeps its part" t_wait_for 10 kept_one "$T_DIR/bob"
start_receiver bob "$T_DIR/bob" --count 1
t_check "bob is back" tui_wait_for 'Peers 1'
tui_keys 3
t_check "3 focuses Transfers, r is among its keys" tui_wait_for 'r retry'
tui_keys r
t_check "r says it sends the file again (or, already, where it resumes)" \
    tui_wait_for 'sending big\.bin to bob again|resuming big\.bin at [0-9.]+ MiB of 16\.0 MiB'
t_check "and the new row reaches done, verified, saying what was resumed" \
    tui_wait_for 'done ✓ verified  16\.0 MiB in [0-9:]+, .*, [0-9.]+ MiB resu' 30
t_check "bob exits 0" exited "$RX_PID" 0 10
t_check "bob's copy has the right SHA-256" same_sha "$T_DIR/bob/big.bin" "$T_DIR/home/big.bin"
t_check "bob took only the rest" grep -q '^ferry: resuming big\.bin from alice at ' "$T_DIR/bob.err"
t_check "and keeps no part now" no_part_files "$T_DIR/bob"
tui_keys q
t_done
