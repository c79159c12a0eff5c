#!/usr/bin/env bash
# relay_conns.sh: what an idle connection costs the relay. Opens N (default
# 10000) connections that say nothing and prints the relay's RSS before and
# after, and the cost per connection. Prints numbers, asserts nothing.
#
#	tests/bench/relay_conns.sh [N]
set -u
cd "$(dirname "$0")/../.."
N=${1:-10000}
source tests/e2e/lib.bash	# t_start_relay; it cleans up on exit
WIRE=$FERRY_TOOLS/wire
[ -x "$FERRYD" ] && [ -x "$WIRE" ] || { echo "build first: make all build/rel/tools/wire" >&2; exit 1; }
ulimit -n $(( N + 256 )) 2>/dev/null || { echo "cannot raise the fd limit to $((N + 256))" >&2; exit 1; }

t_start_relay --log-level warn --hello-timeout-ms 600000 \
    --max-clients $(( N + 10 )) || exit 1
pid=$RELAY_PID addr=$RELAY_ADDR
before=$(awk '/^VmRSS/ {print $2}' /proc/$pid/status)
out=$("$WIRE" -t 60000 "$addr" <<EOF
connect-many idle $N
connect probe
hello probe probe
ping probe
mem $pid VmRSS 100000000
EOF
) || { echo "$out" >&2; exit 1; }
# Measured by wire while all N connections were open.
after=$(sed -n 's/^# mem [0-9]* VmRSS: \([0-9]*\) kB.*/\1/p' <<<"$out")
echo "ferryd RSS: $before kB idle, $after kB with $N silent connections:" \
    "$(( (after - before) * 1024 / N )) bytes each"
