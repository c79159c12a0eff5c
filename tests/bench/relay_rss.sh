#!/usr/bin/env bash
# relay_rss.sh: the relay's data bridge as a benchmark. Starts a release
# ferryd on 127.0.0.1, pushes SIZE bytes (default 1 GiB) through one bridged
# transfer with tests/tools/wire (which also checks every byte), and prints
# the throughput and the relay's peak RSS (VmHWM). Prints numbers, asserts
# nothing. PARALLEL=N runs N transfers at once.
#
#	tests/bench/relay_rss.sh [SIZE]
set -u
cd "$(dirname "$0")/../.."
SIZE=${1:-1073741824}
PARALLEL=${PARALLEL:-1}
source tests/e2e/lib.bash	# t_start_relay; it cleans up on exit
WIRE=$FERRY_TOOLS/wire
[ -x "$FERRYD" ] && [ -x "$WIRE" ] || { echo "build first: make all build/rel/tools/wire" >&2; exit 1; }
t_start_relay --log-level warn || exit 1
dir=$T_DIR

script() {	# script N: one sender/receiver pair pumping SIZE bytes
	printf '%s\n' "connect s$1" "hello s$1 sender$1" "connect r$1" \
	    "hello r$1 receiver$1" "pair s$1 r$1 $SIZE" "pump s$1d r$1d $SIZE $1"
}

t0=$(date +%s%N)
pids=()
for i in $(seq "$PARALLEL"); do
	script "$i" >"$dir/s$i"
	t_bg "$WIRE" -t 60000 "$RELAY_ADDR" "$dir/s$i" >"$dir/o$i" 2>&1
	pids+=("$T_LAST")
done
st=0
for p in "${pids[@]}"; do wait "$p" || st=1; done
t1=$(date +%s%N)
cat "$dir"/o*
hwm=$(awk '/^VmHWM/ {print $2}' /proc/$RELAY_PID/status)
rss=$(awk '/^VmRSS/ {print $2}' /proc/$RELAY_PID/status)
ms=$(( (t1 - t0) / 1000000 ))
total=$(( SIZE * PARALLEL ))
echo "transfers: $PARALLEL x $SIZE bytes, $total bytes in $ms ms" \
    "($(awk -v b="$total" -v ms="$ms" 'BEGIN { printf "%.1f", ms ? b / 1048576 / (ms / 1000) : 0 }') MiB/s overall, setup included)"
echo "ferryd peak RSS (VmHWM): $hwm kB; RSS now: $rss kB"
exit $st
