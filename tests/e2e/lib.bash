# lib.sh: shared helpers for the end-to-end scripts (sourced, not run).
# Each script starts its own ferryd on 127.0.0.1 with an ephemeral port,
# reports TAP lines ("ok N - what" / "not ok N - what"), bounds every wait by
# a deadline, and kills every process it started, by PID, on exit.

set -u
FERRY_BIN=${FERRY_BIN:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/bin}
FERRYD="$FERRY_BIN/ferryd"
FERRY="$FERRY_BIN/ferry"
FERRY_TOOLS=${FERRY_TOOLS:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/build/rel/tools}
T_N=0 T_FAILED=0
T_PIDS=()
T_DIR=$(mktemp -d /tmp/ferry-e2e.XXXXXX)
# FERRY_TEST_SLOW=N stretches every wait below N times, for binaries run
# under valgrind (make valgrind); deadlines stay bounds, never sleeps.
T_SLOW=${FERRY_TEST_SLOW:-1}

T_MAIN=$BASHPID
t_cleanup() {
	local p
	# A background child that a signal hits before it execs runs this
	# trap too: only the script itself may clean up.
	[ "$BASHPID" = "$T_MAIN" ] || return 0
	for p in "${T_PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${T_PIDS[@]}"; do
		# Give each a moment to exit, then insist.
		for _ in $(seq $((50 * T_SLOW))); do kill -0 "$p" 2>/dev/null || break; sleep 0.02; done
		kill -9 "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	rm -rf "$T_DIR"
}
trap t_cleanup EXIT

# ok COND-STATUS "description": report one TAP line from the last status.
t_ok() {
	local st=$1; shift
	T_N=$((T_N + 1))
	if [ "$st" -eq 0 ]; then echo "ok $T_N - $*"
	else echo "not ok $T_N - $*"; T_FAILED=$((T_FAILED + 1)); fi
}
# t_check "description" cmd args...: runs the command, reports its status.
t_check() {
	local what=$1; shift
	"$@"; t_ok $? "$what"
}
t_diag() { echo "# $*"; }

# t_now_ms: monotonic-enough milliseconds.
t_now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# t_wait_for SECONDS cmd args...: polls the command every 20 ms until it
# succeeds or the deadline passes (status 1).
t_wait_for() {
	local end=$(( $(t_now_ms) + $1 * 1000 * T_SLOW )); shift
	while :; do
		"$@" && return 0
		[ "$(t_now_ms)" -ge "$end" ] && return 1
		sleep 0.02
	done
}

# t_wait_exit PID SECONDS: waits for a child to exit; its status is in T_STATUS.
# Returns 1 (and leaves it running) if it did not exit in time.
t_wait_exit() {
	local pid=$1 end=$(( $(t_now_ms) + $2 * 1000 * T_SLOW ))
	while kill -0 "$pid" 2>/dev/null; do
		if [ "$(t_now_ms)" -ge "$end" ]; then T_STATUS=124; return 1; fi
		sleep 0.02
	done
	wait "$pid"; T_STATUS=$?
	return 0
}

# t_start_relay [extra ferryd args...]: starts ferryd on 127.0.0.1:0 and sets
# RELAY_PID, RELAY_PORT, RELAY_ADDR and RELAY_LOG.
t_start_relay() {
	RELAY_LOG="$T_DIR/ferryd.$RANDOM.log"
	"$FERRYD" --listen 127.0.0.1:0 --log-level debug "$@" 2>"$RELAY_LOG" &
	RELAY_PID=$!
	T_PIDS+=("$RELAY_PID")
	if ! t_wait_for 10 grep -q 'listening on ' "$RELAY_LOG"; then
		echo "# ferryd did not start:"; sed 's/^/#   /' "$RELAY_LOG"
		return 1
	fi
	RELAY_ADDR=$(grep -o 'listening on [^ ]*' "$RELAY_LOG" | head -n1 | cut -d' ' -f3)
	RELAY_PORT=${RELAY_ADDR##*:}
	export FERRY_SERVER=$RELAY_ADDR
	return 0
}

# t_bg cmd args...: starts a background process and remembers its PID in T_LAST.
t_bg() {
	"$@" &
	T_LAST=$!
	T_PIDS+=("$T_LAST")
}

# t_done: the script's exit status.
t_done() { [ "$T_FAILED" -eq 0 ]; }
