#!/usr/bin/env bash
# client_kill.sh: things that die mid-transfer. The sender is slowed with
# --limit-rate so "mid" is real: a receiver that quits (sender fails
# cleanly, no part file left), a receiver killed outright, a sender killed
# outright (receiver keeps the part to resume and, since a failed transfer
# does not count for --count, waits on for one that lands), and the relay
# killed (both exit non-zero with a message; the part is kept to resume,
# nothing else is left). The senders run with --no-retry: client_resume.sh
# has the retries.
source "$(dirname "$0")/lib.bash"
source "$(dirname "$0")/client_lib.bash"

SIZE=$((64 * 1024 * 1024))
RATE=8M			# 8 s for the whole file: plenty of "mid"
mkfile "$T_DIR/big.bin" "$SIZE"

# send_bg NAME TO: a slowed sender in the background, SX_PID, output in NAME.s.*
send_bg() {
	t_bg "$FERRY" send --name "$1" --to "$2" --limit-rate "$RATE" --no-retry "$T_DIR/big.bin" \
	    >"$T_DIR/$1.s.out" 2>"$T_DIR/$1.s.err"
	SX_PID=$T_LAST
}

# mid_transfer RECEIVER SENDER: RECEIVER (--count 1, PID in RX) takes
# big.bin from SENDER (PID in SX_PID); checks that the bytes flow.
mid_transfer() {
	start_receiver "$1" "$T_DIR/$1" --count 1
	RX=$RX_PID
	send_bg "$2" "$1"
	t_check "bytes are flowing to $1" \
	    t_wait_for 20 part_bigger_than "$T_DIR/$1" $((2 * 1024 * 1024))
}

t_start_relay || { t_ok 1 "relay starts"; t_done; exit; }

# --- the receiver quits mid-transfer (SIGTERM) ------------------------------
mid_transfer bob alice
kill -TERM "$RX"
t_check "bob exits 1 when interrupted mid-transfer" exited "$RX" 1 10
t_check "alice exits 1" exited "$SX_PID" 1 10
t_check "alice says bob cancelled, and how far it got" err_matches "$T_DIR/alice.s.err" \
    '^ferry: bob cancelled the transfer after [0-9.]+ [KMG]?i?B of 64\.0 MiB: interrupted$'
t_check "bob removed its part file" no_part_files "$T_DIR/bob"
t_check "bob says what happened" contains "$T_DIR/bob.err" "ferry: interrupted; the transfer was cancelled"

# --- the receiver is killed outright ----------------------------------------
mid_transfer carol alice2
kill -KILL "$RX"
t_check "alice2 exits 1 when carol dies" exited "$SX_PID" 1 10
t_check "alice2 says carol disconnected and sending again resumes" err_matches "$T_DIR/alice2.s.err" \
    '^ferry: carol disconnected after [0-9.]+ [KMG]?i?B of 64\.0 MiB; sent again, it goes on from what arrived$'

# --- the sender is killed outright ------------------------------------------
mid_transfer dave erin
kill -KILL "$SX_PID"
t_check "dave says erin disconnected and what arrived is kept" t_wait_for 10 err_matches "$T_DIR/dave.err" \
    '^ferry: erin disconnected after [0-9.]+ [KMG]?i?B of 64\.0 MiB; what arrived is kept, so sending it again goes on from there$'
t_check "dave keeps the part to resume, with its record" t_wait_for 10 kept_one "$T_DIR/dave"
t_check "dave printed no saved line" test ! -s "$T_DIR/dave.out"
waits_on "$RX" dave erin "the sender died"

# --- the relay is killed ----------------------------------------------------
mid_transfer frank gina
kill -KILL "$RELAY_PID"
t_check "gina exits 1 when the relay dies" exited "$SX_PID" 1 10
t_check "frank exits 1 when the relay dies" exited "$RX" 1 10
t_check "gina says the relay went away" err_matches "$T_DIR/gina.s.err" \
    "^ferry: lost the connection to the relay $RELAY_ADDR after [0-9.]+ [KMG]?i?B of 64\.0 MiB; sent again, it goes on from what arrived\$"
t_check "frank says the relay went away" contains "$T_DIR/frank.err" \
    "ferry: lost the connection to the relay $RELAY_ADDR after"
t_check "frank keeps the part to resume" kept_one "$T_DIR/frank"
t_check "and nothing else half-written" test "$(ls -A "$T_DIR/frank")" = .ferry-resume
t_done
