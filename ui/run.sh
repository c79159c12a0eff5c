#!/usr/bin/env bash
# run.sh: `make run`. Starts a local relay on ADDR unless something already
# listens on its port, opens the TUI against it with the remaining
# arguments, and stops the relay it started (by its PID) when the TUI exits.
# usage: run.sh BINDIR ADDR [ferry arguments...]
set -u
bin=$1 addr=$2
shift 2
port=${addr##*:}
pid=""
log=$(mktemp /tmp/ferryd.XXXXXX.log)
if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
	"$bin/ferryd" --listen "$addr" 2>"$log" &
	pid=$!
	i=0
	while [ $i -lt 100 ]; do
		grep -q 'listening on' "$log" && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
		i=$((i + 1))
	done
	if ! grep -q 'listening on' "$log"; then
		cat "$log" >&2
		kill "$pid" 2>/dev/null
		rm -f "$log"
		exit 1
	fi
	echo "started ferryd on $addr (pid $pid, log $log)"
fi
"$bin/ferry" --server "$addr" "$@"
st=$?
if [ -n "$pid" ]; then
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
fi
rm -f "$log"
exit $st
