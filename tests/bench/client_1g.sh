#!/usr/bin/env bash
# client_1g.sh: one big transfer between two headless clients through a
# local relay, timed, with sha256sum on both sides. Prints figures and
# asserts only that the bytes arrived intact (a benchmark, not a test):
#
#	tests/bench/client_1g.sh [SIZE_MIB] [WORKDIR]
#
# SIZE_MIB defaults to 1024; WORKDIR to /dev/shm (memory, so the disk is
# not what is measured). Uses bin/ferryd and bin/ferry.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${FERRY_BIN:-$ROOT/bin}
MIB=${1:-1024}
BASE=${2:-/dev/shm}
W=$(mktemp -d "$BASE/ferry-bench.XXXXXX")
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT

now() { date +%s.%N; }

mkdir -p "$W/in"
echo "making $MIB MiB of random bytes in $W"
head -c $((MIB * 1024 * 1024)) /dev/urandom >"$W/big.bin" || exit 1

"$BIN/ferryd" --listen 127.0.0.1:0 2>"$W/relay.log" &
PIDS+=($!)
RELAY=$!
for _ in $(seq 200); do grep -q 'listening on' "$W/relay.log" && break; sleep 0.02; done
ADDR=$(grep -o 'listening on [^ ]*' "$W/relay.log" | head -n1 | cut -d' ' -f3)
[ -n "$ADDR" ] || { echo "ferryd did not start"; cat "$W/relay.log"; exit 1; }

"$BIN/ferry" --server "$ADDR" receive --name bench-rx --dir "$W/in" --count 1 \
    >"$W/rx.out" 2>"$W/rx.err" &
RX=$!
PIDS+=("$RX")
for _ in $(seq 200); do
	"$BIN/ferry" --server "$ADDR" peers --name bench-probe 2>/dev/null | grep -q '^bench-rx' && break
	sleep 0.02
done

t0=$(now)
/usr/bin/time -f '%e s wall, %U s user, %S s sys, %M KiB max RSS (sender)' \
    "$BIN/ferry" --server "$ADDR" send --name bench-tx --to bench-rx "$W/big.bin" \
    >"$W/tx.out" 2>"$W/tx.err"
st=$?
t1=$(now)
wait "$RX"
rst=$?
secs=$(echo "$t1 - $t0" | bc -l)
cat "$W/tx.err"
echo "send exit $st, receive exit $rst"
printf 'time %.2f s, %.1f MiB/s\n' "$secs" "$(echo "$MIB / $secs" | bc -l)"
ps -o rss= -p "$RELAY" | awk '{ printf "relay RSS now %d KiB\n", $1 }'
a=$(sha256sum <"$W/big.bin" | cut -d' ' -f1)
b=$(sha256sum <"$W/in/big.bin" | cut -d' ' -f1)
echo "sha256 sent     $a"
echo "sha256 received $b"
grep -q "sha256 $a" "$W/tx.out" && grep -q "sha256 $a" "$W/rx.out" || { echo "the clients disagree"; exit 1; }
[ "$a" = "$b" ] && [ "$st" -eq 0 ] && [ "$rst" -eq 0 ] && echo "OK: digests match" || { echo "FAILED"; exit 1; }
