#!/usr/bin/env bash
# chaos.sh: one relay, CHAOS_CLIENTS headless clients (receivers running
# `ferry receive`, sender slots running `ferry send` of random files of 0 B to
# a few MiB to random receivers, back to back), while the script kills and
# restarts random clients and cancels random transfers (SIGKILL or SIGINT to
# a sender; SIGKILL or SIGTERM to a receiver, which comes back under a new
# name in a new folder). Then the invariants:
#  - every transfer a sender reported done (exit 0) is byte-identical at its
#    receiver (sha256), and the receiver said so;
#  - every file a receiver kept is byte-identical to what was sent;
#  - every transfer that failed was reported failed on both ends (a sender
#    not killed says why; a receiver not killed that got the offer names the
#    sender, or was itself interrupted);
#  - no .part file is left by a receiver that was not itself killed (the
#    parts kept to resume in DIR/.ferry-resume are not counted);
#  - the relay is still up, serves new clients, and its descriptors and RSS
#    are back near where they started.
# `make test` runs a short form; `make chaos` a long one. Knobs:
# CHAOS_SECONDS (15), CHAOS_CLIENTS (20), CHAOS_MAX_SIZE (3 MiB),
# CHAOS_SEED (random; printed, so a run can be repeated), CHAOS_RSS_SLACK_KB.
source "$(dirname "$0")/lib.bash"
source "$(dirname "$0")/client_lib.bash"
source "$(dirname "$0")/hostile_lib.bash"

SECONDS_RUN=${CHAOS_SECONDS:-15}
CLIENTS=${CHAOS_CLIENTS:-20}
MAX_SIZE=${CHAOS_MAX_SIZE:-$((3 * 1024 * 1024))}
SEED=${CHAOS_SEED:-$(( $(date +%s%N) % 32768 ))}
# Waits: K for lib.bash's (which stretch themselves by FERRY_TEST_SLOW),
# SLOW for this script's own clocks.
K=1
[ "${SANITIZE:-}" = 1 ] && K=3
SLOW=$((K * T_SLOW))
# Freed memory the allocator keeps (the bridge's chunk freelist alone is
# 2 MiB); ASan's quarantine keeps far more.
RSS_SLACK=${CHAOS_RSS_SLACK_KB:-$((16 * 1024))}
[ "${SANITIZE:-}" = 1 ] && RSS_SLACK=${CHAOS_RSS_SLACK_KB:-$((256 * 1024))}
NRX=$(( CLIENTS * 2 / 5 ))
[ "$NRX" -lt 2 ] && NRX=2
NTX=$(( CLIENTS - NRX ))
[ "$NTX" -lt 1 ] && NTX=1
RANDOM=$SEED
t_diag "chaos: seed $SEED, $SECONDS_RUN s, $NRX receivers, $NTX sender slots, files up to $MAX_SIZE bytes"

# rnd N: R is a random number in [0, N) (a variable, not $(...): a subshell
# would not advance the parent's $RANDOM, so the seed would not repeat a run).
rnd() { R=$(( ((RANDOM << 15) | RANDOM) % $1 )); }

# --- bookkeeping ------------------------------------------------------------
# Receiver slot r runs incarnation RX_NAME[r] (pid RXP[r]); every
# incarnation's fate: live, killed (SIGKILL), stopped (SIGTERM mid-run),
# final (SIGTERM at the end).
declare -a RXP RX_NAME RX_INC
declare -A RX_FATE RX_DIR
# Sender slot s runs TXP[s] (0 when idle) named TX_CUR[s]; per sender
# name: target, files ("pool:name" words), fate (none, killed, interrupted),
# exit status, start time.
declare -a TXP TX_CUR
declare -A TX_TO TX_FILES TX_FATE TX_RC TX_T0
TX_ALL=()
N_TX=0 N_RXKILL=0 N_RXSTOP=0 N_TXKILL=0 N_TXINT=0 HUNG=0

chaos_cleanup() {
	local p
	[ "$BASHPID" = "$T_MAIN" ] || return 0	# see t_cleanup
	for p in "${RXP[@]}" "${TXP[@]}"; do
		[ "${p:-0}" -gt 0 ] && kill -9 "$p" 2>/dev/null
	done
	for p in "${RXP[@]}" "${TXP[@]}"; do
		[ "${p:-0}" -gt 0 ] && wait "$p" 2>/dev/null
	done
	t_cleanup
}
trap chaos_cleanup EXIT

mkdir -p "$T_DIR/pool" "$T_DIR/rx" "$T_DIR/tx"
POOL_SIZES=(0 1 1000 $((CHUNK - 1)) "$CHUNK" $((CHUNK + 1)))
while [ "${#POOL_SIZES[@]}" -lt 12 ]; do rnd "$MAX_SIZE"; POOL_SIZES+=("$R"); done
declare -a POOL_SHA
for i in "${!POOL_SIZES[@]}"; do
	mkfile "$T_DIR/pool/p$i" "${POOL_SIZES[$i]}"
	POOL_SHA[$i]=$(sha "$T_DIR/pool/p$i")
done

rx_start() {
	local r=$1 name dir
	RX_INC[$r]=$(( ${RX_INC[$r]:--1} + 1 ))
	name="r${r}i${RX_INC[$r]}"
	dir="$T_DIR/rx/$name"
	mkdir -p "$dir"
	"$FERRY" receive --name "$name" --dir "$dir" \
	    >"$dir.out" 2>"$dir.err" &
	RXP[$r]=$!
	RX_NAME[$r]=$name
	RX_DIR[$name]=$dir
	RX_FATE[$name]=live
}

# rx_end R FATE SIGNAL: ends slot R's incarnation; waits for it.
rx_end() {
	local r=$1 pid=${RXP[$1]}
	RX_FATE[${RX_NAME[$r]}]=$2
	t_stop "$pid" $((20 * K)) "$3"
	RXP[$r]=0
}

tx_start() {
	local s=$1 name r n j k files="" args=()
	N_TX=$((N_TX + 1))
	name="s${s}n${N_TX}"
	rnd "$NRX"; r=$R
	mkdir -p "$T_DIR/tx/$name"
	n=1
	rnd 20
	[ "$R" -ge 12 ] && n=2
	[ "$R" -ge 17 ] && n=3
	for ((j = 0; j < n; j++)); do
		rnd "${#POOL_SIZES[@]}"; k=$R
		ln "$T_DIR/pool/p$k" "$T_DIR/tx/$name/$name-$j.bin"
		files+="$k:$name-$j.bin "
		args+=("$T_DIR/tx/$name/$name-$j.bin")
	done
	# Half are slowed (1 to 6 MiB/s), so a kill or a cancel often lands
	# mid-transfer.
	rnd 12
	[ "$R" -lt 6 ] && args=(--limit-rate "$(( 1 + R ))M" "${args[@]}")
	TX_TO[$name]=${RX_NAME[$r]}
	TX_FILES[$name]=$files
	TX_FATE[$name]=none
	TX_T0[$name]=$(t_now_ms)
	TX_ALL+=("$name")
	# --no-retry: a killed receiver comes back under another name, so a
	# retry would only wait (client_resume.sh has the retries).
	"$FERRY" send --name "$name" --to "${RX_NAME[$r]}" --no-retry "${args[@]}" \
	    >"$T_DIR/tx/$name.out" 2>"$T_DIR/tx/$name.err" &
	TXP[$s]=$!
	TX_CUR[$s]=$name
}

# check_done NAME: NAME exited 0: each file is at the receiver, byte for
# byte, and both ends said so. Then the received copies are removed, so a
# long run does not fill the disk.
n_done=0 n_files=0 bytes=0 bad_done=0
check_done() {
	local name=$1 to=${TX_TO[$1]} f k fn size want rdir rfate
	rdir=${RX_DIR[$to]} rfate=${RX_FATE[$to]}
	n_done=$((n_done + 1))
	for f in ${TX_FILES[$name]}; do
		k=${f%%:*} fn=${f#*:}
		size=${POOL_SIZES[$k]} want=${POOL_SHA[$k]}
		n_files=$((n_files + 1)) bytes=$((bytes + size))
		if ! grep -qxF -- "sent $fn ($size bytes, sha256 $want) to $to" "$T_DIR/tx/$name.out"; then
			t_diag "$name exited 0 without 'sent $fn ... $want'"; bad_done=$((bad_done + 1))
		fi
		if [ ! -f "$rdir/$fn" ] || [ "$(sha "$rdir/$fn")" != "$want" ]; then
			t_diag "$name: done, but $rdir/$fn is missing or differs"; bad_done=$((bad_done + 1))
		elif [ "$rfate" != killed ] && ! t_wait_for $((5 * K)) grep -qxF -- \
		    "saved $fn ($size bytes, sha256 $want) from $name" "$rdir.out"; then
			t_diag "$name: done, but $to did not print saved $fn"; bad_done=$((bad_done + 1))
		fi
		rm -f "$rdir/$fn"
	done
}

# tx_reap S: if slot S's sender ended, record its status and free the slot.
tx_reap() {
	local s=$1 pid=${TXP[$1]:-0} name=${TX_CUR[$1]:-}
	[ "$pid" -gt 0 ] || return 0
	if kill -0 "$pid" 2>/dev/null; then
		# A sender that runs far too long is a hang: a bug.
		if [ $(( $(t_now_ms) - TX_T0[$name] )) -gt $((60000 * SLOW)) ]; then
			t_diag "sender $name hung; killing it"
			HUNG=$((HUNG + 1))
			TX_FATE[$name]=hung
			kill -9 "$pid" 2>/dev/null
		else
			return 0
		fi
	fi
	wait "$pid" 2>/dev/null
	TX_RC[$name]=$?
	TXP[$s]=0
	rm -rf "$T_DIR/tx/$name"
	[ "${TX_RC[$name]}" -eq 0 ] && check_done "$name"
	return 0
}

all_listed() {
	local list r
	list=$("$FERRY" peers --name "probe$RANDOM" 2>/dev/null | cut -f1)
	for ((r = 0; r < NRX; r++)); do
		grep -qxF -- "${RX_NAME[$r]}" <<<"$list" || return 1
	done
}

# --- the run ----------------------------------------------------------------
t_start_relay --log-level info || { t_ok 1 "relay starts"; t_done; exit; }
FD0=$(fd_count "$RELAY_PID") RSS0=$(rss_kb "$RELAY_PID")
for ((r = 0; r < NRX; r++)); do rx_start "$r"; done
t_check "all $NRX receivers are on the relay" t_wait_for $((20 * K)) all_listed
for ((s = 0; s < NTX; s++)); do TXP[$s]=0; done

# The shell reports each job it sees killed on its stderr: keep that out of
# the test output.
{
end=$(( $(t_now_ms) + SECONDS_RUN * 1000 ))
ticks=0
while [ "$(t_now_ms)" -lt "$end" ] && [ "$ticks" -lt $((SECONDS_RUN * 50)) ]; do
	ticks=$((ticks + 1))
	for ((s = 0; s < NTX; s++)); do
		tx_reap "$s"
		[ "${TXP[$s]}" -eq 0 ] && tx_start "$s"
	done
	# A fault in most ticks, of four kinds.
	rnd 20
	case $R in
	0|1|2|3|4|5)	rnd "$NTX"; s=$R
		if [ "${TXP[$s]}" -gt 0 ] && kill -KILL "${TXP[$s]}" 2>/dev/null; then
			TX_FATE[${TX_CUR[$s]}]=killed; N_TXKILL=$((N_TXKILL + 1))
		fi ;;
	6|7|8|9|10|11)	rnd "$NTX"; s=$R
		if [ "${TXP[$s]}" -gt 0 ] && kill -INT "${TXP[$s]}" 2>/dev/null; then
			TX_FATE[${TX_CUR[$s]}]=interrupted; N_TXINT=$((N_TXINT + 1))
		fi ;;
	12|13|14)	rnd "$NRX"; r=$R; rx_end "$r" killed KILL; rx_start "$r"
		N_RXKILL=$((N_RXKILL + 1)) ;;
	15|16|17)	rnd "$NRX"; r=$R; rx_end "$r" stopped TERM; rx_start "$r"
		N_RXSTOP=$((N_RXSTOP + 1)) ;;
	esac
	# The faults keep pace with the clients: under memcheck (FERRY_TEST_SLOW)
	# everything runs many times slower, so at the same rate per second the
	# faults would end every transfer before it could finish.
	sleep "$(awk -v k="$T_SLOW" 'BEGIN { print 0.1 * k }')"
done
# Each tick forks dozens of processes, so on a busy 2-core machine (or a
# sanitizer build) a short run has only a handful of ticks, and the dice
# may kill no sender at all. Every run must have a failure to check: then
# the first sender still running is killed now, or, when every one has
# already finished, a new one in the first free slot.
if [ "$N_TXKILL" -eq 0 ]; then
	for ((s = 0; s < NTX; s++)); do
		if [ "${TXP[$s]}" -gt 0 ] && kill -KILL "${TXP[$s]}" 2>/dev/null; then
			TX_FATE[${TX_CUR[$s]}]=killed; N_TXKILL=$((N_TXKILL + 1))
			break
		fi
	done
fi
if [ "$N_TXKILL" -eq 0 ]; then
	for ((s = 0; s < NTX; s++)); do
		tx_reap "$s"
		[ "${TXP[$s]}" -eq 0 ] || continue
		tx_start "$s"
		if kill -KILL "${TXP[$s]}" 2>/dev/null; then
			TX_FATE[${TX_CUR[$s]}]=killed; N_TXKILL=$((N_TXKILL + 1))
		fi
		break
	done
fi

# Let every sender finish (bounded: tx_reap kills a hung one), then stop
# the receivers.
# all_reaped: every sender's slot is free (reaping those that ended).
all_reaped() {
	local s busy=0
	for ((s = 0; s < NTX; s++)); do
		tx_reap "$s"
		[ "${TXP[$s]}" -gt 0 ] && busy=1
	done
	return "$busy"
}
t_poll $((90 * K)) 50 all_reaped
busy=$?
# A kill that found its sender already done (a zombie not yet reaped, or in
# its last moment) leaves no failure to check (it exited 0): then one more,
# killed as soon as it starts, before it can have connected.
failed_any=0
for name in "${TX_ALL[@]}"; do
	[ "${TX_RC[$name]:-255}" -ne 0 ] && failed_any=1
done
if [ "$busy" -eq 0 ] && [ "$failed_any" -eq 0 ]; then
	tx_start 0
	kill -KILL "${TXP[0]}" 2>/dev/null
	TX_FATE[${TX_CUR[0]}]=killed; N_TXKILL=$((N_TXKILL + 1))
	t_poll $((90 * K)) 50 all_reaped
	busy=$?
fi
} 2>>"$T_DIR/jobs.log"
t_ok "$busy" "every sender exited after the chaos"
t_diag "chaos: $ticks ticks"
t_ok "$HUNG" "no sender hung ($HUNG killed after $((60 * SLOW)) s)"
for ((r = 0; r < NRX; r++)); do rx_end "$r" final TERM; done 2>>"$T_DIR/jobs.log"

# --- the invariants ---------------------------------------------------------
# (Transfers that ended done were checked as they ended: check_done.)
n_failed=0 races=0 bad_fail=0 bad_kept=0

for name in "${TX_ALL[@]}"; do
	rc=${TX_RC[$name]:-255} fate=${TX_FATE[$name]} to=${TX_TO[$name]}
	rdir=${RX_DIR[$to]} rfate=${RX_FATE[$to]}
	[ "$rc" -eq 0 ] && continue
	n_failed=$((n_failed + 1))
	# The sender's end: one that was not killed says why. (A SIGINT that
	# lands before ferry set up its handler kills it too: status 130.)
	if [ "$rc" -le 128 ] && [ "$fate" != hung ] && ! grep -q '^ferry: ' "$T_DIR/tx/$name.err" 2>/dev/null; then
		t_diag "$name failed (exit $rc) without saying why"; bad_fail=$((bad_fail + 1))
	fi
	# The receiver's end, when the offer reached it and it was not killed.
	grep -qF -- " $name -> $to," "$RELAY_LOG" || continue
	[ "$rfate" = killed ] && continue
	saved=0
	for f in ${TX_FILES[$name]}; do
		grep -qF -- "saved ${f#*:} (" "$rdir.out" && saved=1
	done
	if [ "$saved" -eq 1 ]; then
		# Kept by the receiver, failed at the sender: only a kill racing
		# the receipt may do that. An interrupted sender learns from the
		# receipt whether its cancel won (PROTOCOL.md 3.4), unless it
		# says it cannot know.
		if [ "$fate" = killed ] || { [ "$fate" = interrupted ] &&
		    grep -q 'may have kept the files' "$T_DIR/tx/$name.err" 2>/dev/null; }; then
			races=$((races + 1))
		else
			t_diag "$name failed (exit $rc) but $to saved its files"; bad_fail=$((bad_fail + 1))
		fi
		continue
	fi
	if [ "$rfate" != stopped ] && ! grep -qF -- "$name" "$rdir.err"; then
		t_diag "$name failed (exit $rc, $fate) but $to ($rfate) never said so:"
		sed 's/^/#   /' "$T_DIR/tx/$name.err"
		bad_fail=$((bad_fail + 1))
	fi
done

# Every file any receiver kept is a file that was sent, byte for byte.
kept=0 parts=0
for name in "${!RX_DIR[@]}"; do
	dir=${RX_DIR[$name]}
	for f in "$dir"/*; do
		[ -e "$f" ] || continue
		case $f in
		*.part)	[ "${RX_FATE[$name]}" = killed ] && continue
			t_diag "$name (${RX_FATE[$name]}) left $f"; parts=$((parts + 1))
			continue ;;
		esac
		kept=$((kept + 1))
		fn=${f##*/} sender=${fn%-*}
		k=""
		for w in ${TX_FILES[$sender]:-}; do [ "${w#*:}" = "$fn" ] && k=${w%%:*}; done
		if [ -z "$k" ] || [ "$(sha "$f")" != "${POOL_SHA[$k]}" ]; then
			t_diag "$f was kept but is not what $sender sent"; bad_kept=$((bad_kept + 1))
		fi
	done
done

# A client whose sanitizer (make SANITIZE=1 test) found something says so on
# its stderr.
san=$(grep -lE 'Sanitizer|runtime error:' "$T_DIR"/tx/*.err "$T_DIR"/rx/*.err 2>/dev/null | wc -l)
if [ "$san" -gt 0 ]; then
	grep -hE -A 20 'Sanitizer|runtime error:' "$T_DIR"/tx/*.err "$T_DIR"/rx/*.err 2>/dev/null |
	    head -n 60 | sed 's/^/#   /'
fi
t_ok "$san" "no client's stderr has a sanitizer report"
t_diag "transfers: $N_TX started, $n_done done ($n_files files, $bytes bytes verified), $n_failed failed"
t_diag "faults: $N_TXKILL senders killed, $N_TXINT senders interrupted, $N_RXKILL receivers killed, $N_RXSTOP receivers stopped; $races kills (or unanswered cancels) raced a receipt"
t_ok "$bad_done" "every transfer reported done is byte-identical at its receiver ($n_done transfers, $n_files files)"
t_ok "$bad_kept" "every file a receiver kept is byte-identical to what was sent ($kept files)"
t_ok "$bad_fail" "every failed transfer was reported failed on both ends ($n_failed failed)"
t_ok "$parts" "no .part file left by a receiver that was not killed"
[ "$n_done" -gt 0 ] && [ "$n_failed" -gt 0 ]
t_ok $? "the run had both successes and failures to check"

# --- the relay afterwards ---------------------------------------------------
t_check "the relay is still running" kill -0 "$RELAY_PID"
mkdir -p "$T_DIR/after"
mkfile "$T_DIR/after.bin" 100000
start_receiver after-rx "$T_DIR/after" --count 1
t_ok $? "a new receiver is served"
"$FERRY" send --name after-tx --to after-rx "$T_DIR/after.bin" >/dev/null 2>"$T_DIR/after-tx.err"
t_ok $? "a new transfer goes through"
t_check "and arrives intact" check_saved "$T_DIR/after-rx.out" after.bin "$T_DIR/after.bin" after-tx "$T_DIR/after"
t_check "the new receiver exits 0" exited "$RX_PID" 0 $((20 * K))
fd_back() { [ "$(fd_count "$RELAY_PID")" -le "$FD0" ]; }
t_wait_for $((20 * K)) fd_back
st=$?
FD1=$(fd_count "$RELAY_PID") RSS1=$(rss_kb "$RELAY_PID")
HWM=$(awk '$1 == "VmHWM:" { print $2 }' "/proc/$RELAY_PID/status")
t_diag "relay: fds $FD0 before, $FD1 after; RSS $RSS0 kB before, $RSS1 kB after, peak $HWM kB"
t_ok "$st" "the relay's descriptors are back to where they started ($FD0)"
[ "$RSS1" -le $((RSS0 + RSS_SLACK)) ]
t_ok $? "the relay's RSS is back near where it started (within $RSS_SLACK kB)"
if grep -qE 'Sanitizer|runtime error:' "$RELAY_LOG"; then
	grep -A 30 -E 'Sanitizer|runtime error:' "$RELAY_LOG" | head -n 60 | sed 's/^/#   /'
	t_ok 1 "the relay's log has no sanitizer report"
fi
kill -TERM "$RELAY_PID"
t_wait_exit "$RELAY_PID" $((30 * K))
t_ok "$T_STATUS" "the relay exits 0 on SIGTERM after the chaos"
t_done
