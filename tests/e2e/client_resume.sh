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
# and the file is sent whole (and verified); a whole kept part keeps the
# time of its last write until its commit; --no-retry gives up at once;
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

# --- the sender is killed outright, and run again ----------------------------
mkfile "$T_DIR/b.bin" "$SIZE"
start_receiver carol "$T_DIR/carol" --count 1
send_bg dave carol "$T_DIR/b.bin"
t_check "bytes flow to carol" break_at "$T_DIR/carol"
kill -KILL "$SX_PID"
t_check "carol says dave went and what arrived is kept" t_wait_for 15 grep -qE \
    '^ferry: dave disconnected after [0-9.]+ [KM]iB of 24\.0 MiB; what arrived is kept, so sending it again goes on from there$' \
    "$T_DIR/carol.err"
t_check "carol's part is kept" t_wait_for 10 kept_one "$T_DIR/carol"
KEPT=$(part_size "$T_DIR/carol")
BEFORE=$(tap_up "$TAP_DIR")
send_bg dave carol "$T_DIR/b.bin"
t_check "dave, run again, resumes and exits 0" exited "$SX_PID" 0 60
t_check "carol exits 0" exited "$RX_PID" 0 10
t_check "carol saved it whole" check_saved "$T_DIR/carol.out" b.bin "$T_DIR/b.bin" dave "$T_DIR/carol"
t_check "only the rest went up again (+2%)" resent_ok "$BEFORE" "$KEPT"
t_check "and carol keeps no part now" no_part_files "$T_DIR/carol"

# --- the relay is killed, and started again on its port ----------------------
mkfile "$T_DIR/c.bin" "$SIZE"
start_receiver erin "$T_DIR/erin" --count 1
send_bg frank erin "$T_DIR/c.bin"
t_check "bytes flow to erin" break_at "$T_DIR/erin"
kill -KILL "$RELAY_PID"
t_check "erin exits 1 (the relay is gone)" exited "$RX_PID" 1 10
t_check "frank hears the break and tries again" t_wait_for 15 contains \
    "$T_DIR/frank.s.err" "ferry: trying again in"
t_check "erin's part is kept" kept_one "$T_DIR/erin"
KEPT=$(part_size "$T_DIR/erin")
BEFORE=$(tap_up "$TAP_DIR")
T_RELAY_LISTEN=127.0.0.1:$RELAY_PORT t_start_relay
t_ok $? "the relay starts again on port $RELAY_PORT"
start_receiver erin "$T_DIR/erin" --count 1
t_check "frank reconnects, resumes and exits 0" exited "$SX_PID" 0 90
t_check "erin exits 0" exited "$RX_PID" 0 10
t_check "erin saved it whole" check_saved "$T_DIR/erin.out" c.bin "$T_DIR/c.bin" frank "$T_DIR/erin"
t_check "only the rest went up again (+2%)" resent_ok "$BEFORE" "$KEPT"

# --- the network goes (the tap is killed) and comes back ----------------------
mkfile "$T_DIR/d.bin" "$SIZE"
start_receiver gina "$T_DIR/gina" --count 1
send_bg hank gina "$T_DIR/d.bin"
t_check "bytes flow to gina" break_at "$T_DIR/gina"
TAP_PORT=${TAP_ADDR##*:}
kill -KILL "$TAP_PID"
t_check "hank hears the break and tries again" t_wait_for 15 contains \
    "$T_DIR/hank.s.err" "ferry: trying again in"
t_check "gina's part is kept" t_wait_for 10 kept_one "$T_DIR/gina"
KEPT=$(part_size "$T_DIR/gina")
TAP_DIR="$T_DIR/tap2"		# a new recording: everything in it is after the break
start_tap "$TAP_DIR" "$TAP_PORT"
t_ok $? "the network comes back (the tap on port $TAP_PORT)"
t_check "hank reconnects, resumes and exits 0" exited "$SX_PID" 0 90
t_check "gina exits 0" exited "$RX_PID" 0 10
t_check "gina saved it whole" check_saved "$T_DIR/gina.out" d.bin "$T_DIR/d.bin" hank "$T_DIR/gina"
t_check "only the rest went up again (+2%)" resent_ok 0 "$KEPT"

# --- a kept part corrupted on the receiver's disk -----------------------------
mkfile "$T_DIR/e.bin" "$SIZE"
start_receiver ivan "$T_DIR/ivan" --count 1
send_bg judy ivan "$T_DIR/e.bin"
t_check "bytes flow to ivan" break_at "$T_DIR/ivan"
kill -KILL "$RX_PID"
t_check "judy tries again" t_wait_for 15 contains "$T_DIR/judy.s.err" "ferry: trying again in"
PART=$(find "$T_DIR/ivan/.ferry-resume" -type f ! -name '*.info')
printf 'XXXXXXXX' | dd of="$PART" bs=1 seek=4096 conv=notrunc status=none
BEFORE=$(tap_up "$TAP_DIR")
start_receiver ivan "$T_DIR/ivan" --count 1
t_check "judy exits 0" exited "$SX_PID" 0 60
t_check "ivan saved the right bytes, not the corrupted ones" \
    check_saved "$T_DIR/ivan.out" e.bin "$T_DIR/e.bin" judy "$T_DIR/ivan"
t_check "judy said the kept part was not this file" grep -q \
    '^ferry: what ivan kept of "\?e\.bin"\? is not this file: sending it whole$' "$T_DIR/judy.s.err"
t_check "ivan said so too" grep -q \
    '^ferry: the part of "\?e\.bin"\? kept from before is not what judy has: receiving it whole$' "$T_DIR/ivan.err"
SENT=$(( $(tap_up "$TAP_DIR") - BEFORE ))
t_diag "after the break: $SENT bytes went up for a $SIZE-byte file"
t_ok "$([ "$SENT" -ge "$SIZE" ]; echo $?)" "the whole file went up again"

# --- two files, the first an old one, the break in the second ----------------
# A part kept whole waits for the commit with the time of its last write,
# not the sender's old time, so the age cleanup never takes it for stale.
mkfile "$T_DIR/old.bin" $((2 * 1024 * 1024))
touch -d '400 days ago' "$T_DIR/old.bin"
mkfile "$T_DIR/g.bin" "$SIZE"
start_receiver max "$T_DIR/max" --count 1
t_bg "$FERRY" send --server "$TAP_ADDR" --relay-fingerprint "$RELAY_FPR" \
    --name nora --to max --limit-rate "$RATE" --retry-for 60 "$T_DIR/old.bin" "$T_DIR/g.bin" \
    >"$T_DIR/nora.s.out" 2>"$T_DIR/nora.s.err"
SX_PID=$T_LAST
t_check "max says old.bin verified" t_wait_for 20 grep -q '^verified old\.bin ' "$T_DIR/max.out"
t_check "bytes of g.bin flow" t_wait_for 30 bash -c \
    '[ "$(find "$1/.ferry-resume" -type f ! -name "*.info" -size +1024k | wc -l)" -ge 2 ]' _ "$T_DIR/max"
kill -KILL "$RX_PID"
t_check "nora tries again" t_wait_for 15 contains "$T_DIR/nora.s.err" "ferry: trying again in"
t_check "max keeps both parts, both written in the last day" test \
    "$(find "$T_DIR/max/.ferry-resume" -type f ! -name '*.info' -mtime -1 | wc -l)" -eq 2
start_receiver max "$T_DIR/max" --count 1
t_check "nora exits 0" exited "$SX_PID" 0 60
t_check "max said nothing about removing a part" test -z "$(grep 'removed the kept part' "$T_DIR/max.err")"
t_check "old.bin was kept whole and not sent again" grep -qE \
    '^ferry: resuming "?old\.bin"? at 2\.0 MiB of 2\.0 MiB' "$T_DIR/nora.s.err"
t_check "max saved old.bin with its old time" test \
    "$(stat -c %Y "$T_DIR/max/old.bin")" = "$(stat -c %Y "$T_DIR/old.bin")"
t_check "and g.bin whole" check_saved "$T_DIR/max.out" g.bin "$T_DIR/g.bin" nora "$T_DIR/max"

# --- --no-retry gives up at once; --keep-parts removes old parts --------------
mkfile "$T_DIR/f.bin" "$SIZE"
start_receiver kim "$T_DIR/kim" --count 1
t_bg "$FERRY" send --server "$TAP_ADDR" --relay-fingerprint "$RELAY_FPR" \
    --name lee --to kim --limit-rate "$RATE" --no-retry "$T_DIR/f.bin" \
    >"$T_DIR/lee.s.out" 2>"$T_DIR/lee.s.err"
SX_PID=$T_LAST
t_check "bytes flow to kim" break_at "$T_DIR/kim"
kill -KILL "$RX_PID"
t_check "lee exits 1 at once with --no-retry" exited "$SX_PID" 1 10
t_check "and tries nothing" test -z "$(grep 'trying again' "$T_DIR/lee.s.err")"
t_check "kim's part is kept" kept_one "$T_DIR/kim"
find "$T_DIR/kim/.ferry-resume" -type f ! -name '*.info' -exec touch -d '10 days ago' {} +
start_receiver kim "$T_DIR/kim" --count 1 --keep-parts 7
t_check "kim says which part it removed, and why" grep -qE \
    '^ferry: removed the kept part of "?f\.bin"? \([0-9.]+ [KM]iB of 24\.0 MiB\) from a broken transfer nobody resumed in 10 days$' \
    "$T_DIR/kim.err"
t_check "and it is gone" no_part_files "$T_DIR/kim"
kill -TERM "$RX_PID"
t_check "kim stops on SIGTERM" exited "$RX_PID" 0 10
kill "$TAP_PID"

t_done
