# lib.bash: shared helpers for the end-to-end scripts (sourced, not run).
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
T_RELAY_WRAP=()
T_DIR=$(mktemp -d /tmp/ferry-e2e.XXXXXX)
# Every client of a test keeps its identity in the test's own folder, never
# in the home folder of whoever runs the tests ...
export XDG_CONFIG_HOME=$T_DIR/config
# ... and every relay its host key (ferryd's default as root is /var/lib/ferryd).
export STATE_DIRECTORY=$T_DIR/relay-state
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
	# Give each a moment to exit, then insist.
	for p in "${T_PIDS[@]}"; do t_stop "$p" 1 0; done
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

# t_poll SECONDS MS cmd args...: runs the command every MS milliseconds
# until it succeeds (status 0) or SECONDS, times FERRY_TEST_SLOW, have
# passed (status 1); at most one try per MS of that span. Every wait of
# the scripts is made of this one, so all of them stretch under valgrind.
t_poll() {
	local ms=$2 end n
	end=$(( $(t_now_ms) + $1 * 1000 * T_SLOW ))
	n=$(( $1 * 1000 * T_SLOW / ms + 1 ))
	shift 2
	until "$@"; do
		[ $((n -= 1)) -gt 0 ] && [ "$(t_now_ms)" -lt "$end" ] || return 1
		sleep "$((ms / 1000)).$(printf '%03d' $((ms % 1000)))"
	done
}

# t_wait_for SECONDS cmd args...: t_poll every 20 ms.
t_wait_for() {
	local secs=$1
	shift
	t_poll "$secs" 20 "$@"
}

# t_gone PID: the process has exited (or was never ours).
t_gone() { ! kill -0 "$1" 2>/dev/null; }

# t_wait_exit PID SECONDS: waits for a child to exit; its status is in T_STATUS.
# Returns 1 (and leaves it running) if it did not exit in time.
t_wait_exit() {
	T_STATUS=124
	t_wait_for "$2" t_gone "$1" || return 1
	wait "$1"; T_STATUS=$?
	return 0
}

# t_stop PID [SECONDS [SIG]]: sends SIG (TERM; 0 sends none), waits up to
# SECONDS (5) for the exit, then SIGKILL; reaps it and forgets its PID.
t_stop() {
	local pid=$1 p keep=()
	[ "${3:-TERM}" = 0 ] || kill "-${3:-TERM}" "$pid" 2>/dev/null
	t_wait_for "${2:-5}" t_gone "$pid" || kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	for p in "${T_PIDS[@]}"; do [ "$p" = "$pid" ] || keep+=("$p"); done
	T_PIDS=("${keep[@]}")
	return 0
}

# t_start_relay [ferryd args...]: starts ferryd on 127.0.0.1 with an
# ephemeral port (the one way the scripts and benchmarks start a relay)
# and waits for its "listening on" line; sets RELAY_PID (also in T_PIDS),
# RELAY_ADDR, RELAY_PORT, RELAY_LOG and exports FERRY_SERVER. The log
# level is debug unless the arguments say otherwise (the last one wins).
# T_RELAY_LISTEN (127.0.0.1:0) and the array T_RELAY_WRAP (a command that
# execs its arguments, e.g. env VAR=1) are for the few that need another.
t_start_relay() {
	RELAY_LOG="$T_DIR/ferryd.$RANDOM.log"
	"${T_RELAY_WRAP[@]}" "$FERRYD" --listen "${T_RELAY_LISTEN:-127.0.0.1:0}" \
	    --log-level debug "$@" 2>"$RELAY_LOG" &
	RELAY_PID=$!
	T_PIDS+=("$RELAY_PID")
	if ! t_wait_for 10 grep -q 'listening on ' "$RELAY_LOG"; then
		echo "# ferryd did not start:"; sed 's/^/#   /' "$RELAY_LOG"
		return 1
	fi
	RELAY_ADDR=$(grep -o 'listening on [^ ]*' "$RELAY_LOG" | head -n1 | cut -d' ' -f3)
	RELAY_PORT=${RELAY_ADDR##*:}
	export FERRY_SERVER=$RELAY_ADDR
	[ -n "${T_NO_PIN:-}" ] || t_pin_relay
}

# t_fingerprint KEYFILE: the fingerprint of an Ed25519 key file, computed
# without ferry (SHA-256 of the raw public key in Crockford base32), so
# the tests check ferry's own computation against an independent one.
t_fingerprint() {
	openssl pkey -in "$1" -pubout -outform DER | tail -c 32 |
	    openssl dgst -sha256 -binary | base32 -w0 | tr -d '=' |
	    tr 'A-Z2-7' '0-9A-HJKMNP-TV-Z'
}

# t_pin_relay: the relay just started (RELAY_LOG, RELAY_ADDR) goes into the
# clients' known_relays, as if they had met it before, so that a test's
# first ferry command is not a first contact (that has its own test).
# Sets RELAY_FPR. Relays that show a CA-signed certificate are skipped.
t_pin_relay() {
	local key
	t_wait_for 10 grep -qE 'host key .* in |certificate ' "$RELAY_LOG" || return 1
	grep -q 'host key .* in ' "$RELAY_LOG" || return 0
	key=$(grep -o 'host key .* in .*' "$RELAY_LOG" | head -n1 |
	    sed -e 's/^host key [^ ]* in //' -e 's/ (new)$//')
	RELAY_FPR=$(t_fingerprint "$key") || return 1
	mkdir -p -m 700 "$XDG_CONFIG_HOME/ferry"
	(umask 077; echo "$RELAY_ADDR $RELAY_FPR" >>"$XDG_CONFIG_HOME/ferry/known_relays")
}

# line_done FILE: FILE holds at least one line and ends with a newline, so
# the line a process is writing is whole.
line_done() { [ -s "$1" ] && [ -z "$(tail -c 1 "$1")" ]; }

# sha FILE: the file's SHA-256 in hex, as sha256sum prints it.
sha() { sha256sum <"$1" | cut -d' ' -f1; }

# same_sha A B: the two files exist and have the same SHA-256.
same_sha() {
	[ -f "$1" ] && [ -f "$2" ] && [ "$(sha "$1")" = "$(sha "$2")" ] && return 0
	echo "# $1 and $2 differ (or one is missing)"
	return 1
}

# sha_in DIR FILE: some file in DIR has FILE's SHA-256.
sha_in() {
	local f want
	want=$(sha "$2")
	for f in "$1"/*; do
		[ -f "$f" ] && [ "$(sha "$f")" = "$want" ] && return 0
	done
	echo "# no file in $1 has the digest of $2"
	return 1
}

# t_bg cmd args...: starts a background process and remembers its PID in T_LAST.
t_bg() {
	"$@" &
	T_LAST=$!
	T_PIDS+=("$T_LAST")
}

# t_done: the script's exit status.
t_done() { [ "$T_FAILED" -eq 0 ]; }
