#!/usr/bin/env bash
# cancel_commit.sh: a cancel that crosses the receiver's commit
# (PROTOCOL.md 3.4, who wins). Round after round a real `ferry send` sends
# one small file to a real `ferry receive --count 1` run with
# FERRY_TEST_COMMIT_DELAY_MS=D: it waits D ms after the file was verified
# before it decides the commit, and D ms more inside the commit before the
# file gets its name. Once the part file is on disk the script interrupts
# the sender (odd rounds) or the receiver (even rounds) at a random moment
# of those 2D ms, so the cancel lands before the commit is decided in some
# rounds and after it (crossing the receipt) in others.
# In every round both ends' reports must agree with the disk:
#  - the file is in the receiver's folder with the sender's digest: both
#    exited 0, the sender printed "sent", the receiver "saved", and
#    neither said "cancelled";
#  - it is not: no part file is left, both exited 1, both said
#    "cancelled", nobody printed "sent" or "saved", and the sender did
#    not fall back to "may have kept the files". A receiver whose sender
#    cancelled waits on for another transfer (--count counts only saved
#    ones) and exits 1 when it is interrupted in turn.
# Where the signal lands is random on purpose (the jitter is not a wait:
# every check holds whichever side wins); the tally says how the rounds
# fell. CANCEL_ROUNDS (40) and CANCEL_SECONDS (150) bound the run;
# CANCEL_SHOW=1 prints what both ends said in every round.
source "$(dirname "$0")/lib.bash"
source "$(dirname "$0")/client_lib.bash"

ROUNDS=${CANCEL_ROUNDS:-40}
BUDGET=${CANCEL_SECONDS:-150}
DELAY=$((300 * T_SLOW))		# ms before the commit is decided, and again before it is done
SIZE=4096

# has_file DIR: the receiver began writing (a part file) or already saved.
has_file() {
	[ -n "$(find "$1" -type f 2>/dev/null | head -n1)" ]
}

# rx_settled PID ERR: the receiver exited, or said the transfer was cancelled.
rx_settled() {
	t_gone "$1" || grep -q cancelled "$2"
}

t_start_relay || { t_ok 1 "relay starts"; t_done; exit; }

# verdict R SIDE: judges round R ($1) against the disk; prints one word
# (kept, removed) or explains a disagreement and returns 1.
verdict() {
	local r=$1 dir=$T_DIR/bob$1 name=f$1.bin src=$T_DIR/f$1.bin
	local tx_out=$T_DIR/alice$r.out tx_err=$T_DIR/alice$r.err
	local rx_out=$T_DIR/bob$r.out rx_err=$T_DIR/bob$r.err why=""
	if [ -f "$dir/$name" ]; then
		[ "$(sha "$dir/$name")" = "$(sha "$src")" ] || why="$why; kept file has the wrong digest"
		# 130: the signal came after the end, when ferry had said all and
		# let go of SIGINT on its way out; it said "sent" or "saved" first.
		[ "$TX_RC" -eq 0 ] || [ "$TX_RC" -eq 130 ] || why="$why; sender exited $TX_RC"
		[ "$RX_RC" -eq 0 ] || [ "$RX_RC" -eq 130 ] || why="$why; receiver exited $RX_RC"
		grep -qF "sent $name (" "$tx_out" || why="$why; sender did not say sent"
		check_saved "$rx_out" "$name" "$src" "alice$r" "$dir" >/dev/null ||
		    why="$why; receiver did not say saved"
		grep -qi cancelled "$tx_err" "$rx_err" && why="$why; an end said cancelled"
		no_part_files "$dir" >/dev/null || why="$why; part file left"
		[ -z "$why" ] && { echo kept; return 0; }
	else
		no_part_files "$dir" >/dev/null || why="$why; part file left"
		[ "$(find "$dir" -type f | wc -l)" -eq 0 ] || why="$why; other files in $dir"
		[ "$TX_RC" -eq 1 ] || why="$why; sender exited $TX_RC"
		[ "$RX_RC" -eq 1 ] || why="$why; receiver exited $RX_RC"
		grep -q cancelled "$tx_err" || why="$why; sender did not say cancelled"
		grep -q cancelled "$rx_err" || why="$why; receiver did not say cancelled"
		grep -q "may have kept" "$tx_err" && why="$why; sender did not know"
		grep -qF "sent $name" "$tx_out" && why="$why; sender said sent"
		grep -qF "saved $name" "$rx_out" && why="$why; receiver said saved"
		[ -z "$why" ] && { echo removed; return 0; }
	fi
	echo "disagreement"
	t_diag "round $r (${2} cancelled):${why}"
	for f in "$tx_out" "$tx_err" "$rx_out" "$rx_err"; do
		sed "s|^|#   ${f##*/}: |" "$f"
	done
	return 1
}

kept=0 removed=0 bad=0 ran=0 tx_side=0 rx_side=0 late=0 waited=0
start=$(t_now_ms)
for r in $(seq 1 "$ROUNDS"); do
	[ $(( $(t_now_ms) - start )) -lt $((BUDGET * 1000 * T_SLOW)) ] || break
	mkfile "$T_DIR/f$r.bin" "$SIZE"
	export FERRY_TEST_COMMIT_DELAY_MS=$DELAY
	start_receiver "bob$r" "$T_DIR/bob$r" --count 1 || { bad=$((bad + 1)); break; }
	unset FERRY_TEST_COMMIT_DELAY_MS
	RX=$RX_PID
	t_bg "$FERRY" send --name "alice$r" --to "bob$r" "$T_DIR/f$r.bin" \
	    >"$T_DIR/alice$r.out" 2>"$T_DIR/alice$r.err"
	TX=$T_LAST
	if ! t_poll 20 5 has_file "$T_DIR/bob$r"; then
		t_diag "round $r: no part file appeared"
		bad=$((bad + 1))
	fi
	# The jitter: anywhere in the two windows (the cancel wins in the
	# first, which began a moment before the part file was seen, and
	# loses in the second) and a little past them.
	j=$(( RANDOM % (DELAY * 2) ))
	sleep "$((j / 1000)).$(printf '%03d' $((j % 1000)))"
	if [ $((r % 2)) -eq 1 ]; then
		side=sender; pid=$TX; tx_side=$((tx_side + 1))
	else
		side=receiver; pid=$RX; rx_side=$((rx_side + 1))
	fi
	kill -INT "$pid" 2>/dev/null || late=$((late + 1))	# it had already finished
	t_wait_exit "$TX" 20; TX_RC=$T_STATUS
	rx_waited=0
	if [ "$side" = sender ]; then
		# A transfer the sender cancelled does not count for --count 1:
		# the receiver says so and waits for another, until interrupted.
		t_poll 20 20 rx_settled "$RX" "$T_DIR/bob$r.err"
		if kill -0 "$RX" 2>/dev/null; then
			waited=$((waited + 1)) rx_waited=1
			kill -INT "$RX"
		fi
	fi
	t_wait_exit "$RX" 20; RX_RC=$T_STATUS
	t_stop "$TX" 1; t_stop "$RX" 1
	ran=$((ran + 1))
	case $(verdict "$r" "$side" | tee "$T_DIR/verdict$r" | head -n1) in
	kept)		kept=$((kept + 1)) ;;
	removed)	removed=$((removed + 1))
		if [ "$side" = sender ] && [ "$rx_waited" -eq 0 ]; then
			t_diag "round $r: the receiver stopped after a cancelled transfer, as if it counted"
			bad=$((bad + 1))
		fi ;;
	*)		bad=$((bad + 1)); tail -n +2 "$T_DIR/verdict$r" ;;
	esac
	if [ -n "${CANCEL_SHOW:-}" ]; then	# what each end said, round by round
		t_diag "round $r: $side interrupted after ${j} ms: $(head -n1 "$T_DIR/verdict$r")"
		for f in alice$r.out alice$r.err bob$r.out bob$r.err; do
			sed "s|^|#   $f: |" "$T_DIR/$f"
		done
	fi
done
t_diag "$ran rounds ($tx_side cancelled by the sender, $rx_side by the receiver): $kept kept on both ends ($((kept - late > 0 ? kept - late : 0)) with the cancel too late, $late done before the signal), $removed removed on both ends ($waited receivers waited on for another transfer after the sender's cancel, as --count counts only saved ones), $bad disagreements"
want=$(( ROUNDS < 10 ? ROUNDS : 10 ))
t_ok $(( ran < want )) "at least $want rounds ran in the time allowed ($ran)"
t_ok "$bad" "in every round both ends' reports agree with the disk ($kept kept, $removed removed, $bad disagreements)"
t_done
