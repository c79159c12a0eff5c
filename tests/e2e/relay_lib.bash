# relay_lib.bash: helpers for the relay's end-to-end scripts (relay_*.sh),
# sourced after lib.bash. The scripts talk to a real ferryd through the
# scriptable client tests/tools/wire (tests/tools/wire/main.c opens with
# the list of its commands).

WIRE="$FERRY_TOOLS/wire"
WIRE_T=${WIRE_T:-15000}		# ms any single wait may take without progress

# t_wire "what" [wire flags...] <<'EOF' script EOF
# Runs the script against $W_ADDR (default $RELAY_ADDR) and reports one TAP
# line. wire's "# ..." diagnostics (rates, memory) are always shown; its
# failure report only when it fails.
t_wire() {
	local what=$1 out st
	shift
	out="$T_DIR/wire.$RANDOM.out"
	"$WIRE" -t "$WIRE_T" "$@" "${W_ADDR:-$RELAY_ADDR}" >"$out" 2>&1
	st=$?
	grep '^# ' "$out"
	[ "$st" -ne 0 ] && grep -v '^# ' "$out" | sed 's/^/#   /'
	t_ok "$st" "$what"
}

# t_wire_bg OUTFILE [wire flags...] <<'EOF' script EOF
# Starts wire in the background (T_LAST is its PID); the caller waits and
# checks. The script goes through a file: a background job's stdin is
# /dev/null in bash.
t_wire_bg() {
	local out=$1 script
	shift
	script="$T_DIR/wire.$RANDOM.script"
	cat >"$script"
	t_bg "$WIRE" -t "$WIRE_T" "$@" "${W_ADDR:-$RELAY_ADDR}" "$script" >"$out" 2>&1
}

# t_stop_relay WHAT: SIGTERM, ferryd must exit 0 in time and its log must
# hold no sanitizer report (ASan/UBSan/LSan print there, and LSan runs at exit).
t_stop_relay() {
	local st=1
	kill -TERM "$RELAY_PID" 2>/dev/null
	if t_wait_exit "$RELAY_PID" 30 && [ "$T_STATUS" -eq 0 ]; then st=0; fi
	[ "$st" -ne 0 ] && { t_diag "ferryd status $T_STATUS; log tail:"; tail -n 30 "$RELAY_LOG" | sed 's/^/#   /'; }
	t_ok "$st" "ferryd ($1) exits 0 on SIGTERM"
	st=0
	if grep -qE 'Sanitizer|runtime error:' "$RELAY_LOG"; then
		grep -A 30 -E 'Sanitizer|runtime error:' "$RELAY_LOG" | head -n 80 | sed 's/^/#   /'
		st=1
	fi
	t_ok "$st" "ferryd ($1) log has no sanitizer report"
}

# t_log_has SECONDS REGEX: the relay's log gets a matching line in time.
t_log_has() {
	t_wait_for "$1" grep -qE "$2" "$RELAY_LOG"
}
