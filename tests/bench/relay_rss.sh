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
FERRYD=${FERRY_BIN:-$PWD/bin}/ferryd
WIRE=${FERRY_TOOLS:-$PWD/build/rel/tools}/wire
[ -x "$FERRYD" ] && [ -x "$WIRE" ] || { echo "build first: make all build/rel/tools/wire" >&2; exit 1; }

dir=$(mktemp -d /tmp/ferry-bench.XXXXXX)
"$FERRYD" --listen 127.0.0.1:0 --log-level warn 2>"$dir/log" &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 200); do grep -q 'listening on' "$dir/log" && break; sleep 0.02; done
addr=$(grep -o 'listening on [^ ]*' "$dir/log" | cut -d' ' -f3)
[ -n "$addr" ] || { cat "$dir/log" >&2; exit 1; }

script() {	# script N: one sender/receiver pair pumping SIZE bytes
	cat <<EOF
connect s$1
hello s$1 sender$1
ignore s$1 peer_joined peer_left
connect r$1
hello r$1 receiver$1
ignore r$1 peer_joined peer_left
send s$1 {"type":"offer","ref":1,"to":"receiver$1","files":[{"name":"bench","size":$SIZE}]}
expect s$1 offered transfer>T
expect r$1 incoming transfer=\${T}
send r$1 {"type":"accept","transfer":\${T}}
expect s$1 ready token>A
expect r$1 ready token>B
connect sd
send sd {"type":"attach","token":"\${A}"}
connect rd
send rd {"type":"attach","token":"\${B}"}
expect sd attached
expect rd attached
pump sd rd $SIZE $1
EOF
}

t0=$(date +%s%N)
pids=()
for i in $(seq "$PARALLEL"); do
	script "$i" >"$dir/s$i"
	"$WIRE" -t 60000 "$addr" "$dir/s$i" >"$dir/o$i" 2>&1 &
	pids+=($!)
done
st=0
for p in "${pids[@]}"; do wait "$p" || st=1; done
t1=$(date +%s%N)
cat "$dir"/o*
hwm=$(awk '/^VmHWM/ {print $2}' /proc/$pid/status)
rss=$(awk '/^VmRSS/ {print $2}' /proc/$pid/status)
ms=$(( (t1 - t0) / 1000000 ))
total=$(( SIZE * PARALLEL ))
echo "transfers: $PARALLEL x $SIZE bytes, $total bytes in $ms ms" \
    "($(awk -v b="$total" -v ms="$ms" 'BEGIN { printf "%.1f", ms ? b / 1048576 / (ms / 1000) : 0 }') MiB/s overall, setup included)"
echo "ferryd peak RSS (VmHWM): $hwm kB; RSS now: $rss kB"
exit $st
