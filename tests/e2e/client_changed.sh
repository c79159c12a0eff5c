#!/usr/bin/env bash
# client_changed.sh: a file that changes while `ferry send` reads it is
# never reported as delivered. What was read is neither the old nor the
# new version, and its digest would match what the receiver got, so the
# sender checks the file again (size and modification time) once it has
# read it all: changed in place, grown or shrunk, the sender says so and
# cancels, and the receiver removes its part file and saves nothing (then
# waits on: a failed transfer does not count for --count 1). The sender is
# slowed with --limit-rate so that the change lands mid-transfer.
source "$(dirname "$0")/lib.bash"
source "$(dirname "$0")/client_lib.bash"

SIZE=$((8 * 1024 * 1024))
t_start_relay || { t_ok 1 "relay starts"; t_done; exit; }

# changed HOW RECEIVER SCRIPT: RECEIVER takes a slowed send of a fresh
# file; once 1 MiB has landed, SCRIPT (bash, run here) changes it ($F).
changed() {
	local how=$1 rx=$2 script=$3
	F=$T_DIR/$how.bin
	mkfile "$F" "$SIZE"
	start_receiver "$rx" "$T_DIR/$rx" --count 1
	RX=$RX_PID
	t_bg "$FERRY" send --name "w-$how" --to "$rx" --limit-rate 4M "$F" \
	    >"$T_DIR/$how.s.out" 2>"$T_DIR/$how.s.err"
	SX=$T_LAST
	t_check "$how: bytes are flowing to $rx" \
	    t_wait_for 20 part_bigger_than "$T_DIR/$rx" $((1024 * 1024))
	eval "$script"
	t_check "$how: the sender exits 1" exited "$SX" 1 30
	t_check "$how: and says the file changed, so it was not delivered" \
	    contains "$T_DIR/$how.s.err" "$F changed while it was being sent, so it was not delivered"
	t_check "$how: nothing says it was sent" test ! -s "$T_DIR/$how.s.out"
	t_check "$how: $rx says why the transfer ended" t_wait_for 10 contains \
	    "$T_DIR/$rx.err" "changed while it was being sent"
	t_check "$how: $rx removed its part file" t_wait_for 10 no_part_files "$T_DIR/$rx"
	t_check "$how: $rx saved nothing" test -z "$(ls -A "$T_DIR/$rx")"
	waits_on "$RX" "$rx" carol "$how"
}

# In place: one byte near the start, which was read long ago.
changed "in-place" bob 'printf X | dd of="$F" bs=1 seek=100 conv=notrunc status=none'
# Grown: bytes appended past the size that was offered.
changed "grown" dave 'head -c 4096 /dev/zero >>"$F"'
t_done
