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
source "$ROOT/tests/e2e/lib.bash"	# t_start_relay, t_bg, sha; cleans up its PIDs
BIN=$FERRY_BIN
MIB=${1:-1024}
BASE=${2:-/dev/shm}
W=$(mktemp -d "$BASE/ferry-bench.XXXXXX")
trap 't_cleanup; rm -rf "$W"' EXIT

now() { date +%s.%N; }

mkdir -p "$W/in"
echo "making $MIB MiB of random bytes in $W"
head -c $((MIB * 1024 * 1024)) /dev/urandom >"$W/big.bin" || exit 1

t_start_relay --log-level info || exit 1
RELAY=$RELAY_PID ADDR=$RELAY_ADDR

t_bg "$BIN/ferry" --server "$ADDR" receive --name bench-rx --dir "$W/in" --count 1 \
    >"$W/rx.out" 2>"$W/rx.err"
RX=$T_LAST
rx_listed() { "$BIN/ferry" --server "$ADDR" peers --name bench-probe 2>/dev/null | grep -q '^bench-rx'; }
t_wait_for 4 rx_listed

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
a=$(sha "$W/big.bin")
b=$(sha "$W/in/big.bin")
echo "sha256 sent     $a"
echo "sha256 received $b"
grep -q "sha256 $a" "$W/tx.out" && grep -q "sha256 $a" "$W/rx.out" || { echo "the clients disagree"; exit 1; }
[ "$a" = "$b" ] && [ "$st" -eq 0 ] && [ "$rst" -eq 0 ] && echo "OK: digests match" || { echo "FAILED"; exit 1; }
