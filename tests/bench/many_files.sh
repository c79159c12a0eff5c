#!/usr/bin/env bash
# many_files.sh: `make bench`, issue 13. Many small files in one send:
# MANY_FILES (10,000) files of 1 to 16 KiB in folders of 100, sent with
# `ferry send DIR` through a local ferryd to `ferry receive`, against
# `tar -c | socat` through a socat relay into `tar -x`, on this machine in
# this run (median of BENCH_RUNS runs each). Prints both, the ratio of
# ferry's rate to tar's and PASS/MISS against 1.5x; then one send of
# MANY_BIG (100,000) files at its full size, with both ends' peak RSS.
# Every copy is compared with diff -r. Asserts nothing.
#
# Knobs: MANY_FILES, MANY_BIG (0 skips it), BENCH_RUNS, BENCH_DIR (/dev/shm).
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
source "$ROOT/tests/e2e/lib.bash"	# t_start_relay, t_wait_for, t_stop
FB=${FBENCH:-$ROOT/build/rel/bench/fbench}
N=${MANY_FILES:-10000}
BIG=${MANY_BIG:-100000}
RUNS=${BENCH_RUNS:-3}
BASE=${BENCH_DIR:-/dev/shm}
for x in socat tar; do
	command -v "$x" >/dev/null || { echo "many_files: $x is missing (run make bench)" >&2; exit 1; }
done
W=$(mktemp -d "$BASE/ferry-many.XXXXXX") || exit 1
PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	t_cleanup
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
median() { printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
calc() { awk "BEGIN { printf \"$1\", $2 }"; }
now_ns() { date +%s%N; }
listening() { ss -Hltn "sport = :$1" 2>/dev/null | grep -q .; }

# make_tree DIR COUNT: COUNT files of 1 to 16 KiB (a fixed spread), 100 to a folder.
make_tree() {
	python3 - "$1" "$2" <<'EOF'
import os, sys
root, n = sys.argv[1], int(sys.argv[2])
rnd = os.urandom(16384 + 4096)
for i in range(n):
    d = os.path.join(root, "d%05d" % (i // 100))
    if i % 100 == 0:
        os.makedirs(d, exist_ok=True)
    size = 1024 + (i * 7919) % (15 * 1024 + 1)
    with open(os.path.join(d, "f%07d" % i), "wb") as f:
        f.write(rnd[i % 4096:i % 4096 + size])
EOF
}

# ferry_once SRC OUT: one send of SRC into OUT; prints "NS SENDER_KB RECEIVER_KB".
ferry_once() {
	local src=$1 out=$2 rx t0 t1 rss_rx
	mkdir -p "$out"
	rm -f "$W/rx.rss"
	t_bg /usr/bin/time -f '%M' -o "$W/rx.rss" "$FERRY_BIN/ferry" receive \
	    --server "$RELAY_ADDR" --name rx$$ --dir "$out" --count 1 >"$W/rx.out" 2>"$W/rx.err"
	rx=$T_LAST
	t_wait_for 10 bash -c "'$FERRY_BIN/ferry' peers --server '$RELAY_ADDR' --name probe$$ 2>/dev/null | cut -f1 | grep -qx rx$$"
	t0=$(now_ns)
	/usr/bin/time -f '%M' -o "$W/tx.rss" "$FERRY_BIN/ferry" send --server "$RELAY_ADDR" \
	    --name tx$$ --to rx$$ "$src" >/dev/null 2>"$W/tx.err" || { cat "$W/tx.err" >&2; }
	t1=$(now_ns)
	t_wait_exit "$rx" 60
	rss_rx=$(tail -n1 "$W/rx.rss" 2>/dev/null)
	echo "$(( t1 - t0 )) $(tail -n1 "$W/tx.rss") ${rss_rx:-0}"
}

# tar_once SRC OUT: tar -c | socat | socat relay | socat | tar -x; prints NS.
tar_once() {
	local src=$1 out=$2 a b s t0 t1 tx
	mkdir -p "$out"
	a=$("$FB" freeport); b=$("$FB" freeport)
	while [ "$b" = "$a" ]; do b=$("$FB" freeport); done
	socat -b 262144 TCP-LISTEN:"$a",bind=127.0.0.1,reuseaddr \
	    TCP-LISTEN:"$b",bind=127.0.0.1,reuseaddr 2>/dev/null &
	s=$!
	PIDS+=("$s")
	t_wait_for 5 listening "$a"
	# socat listens on its second port once the first is connected.
	t0=$(now_ns)
	( (cd "$(dirname "$src")" && tar -c "$(basename "$src")") |
	    socat -u -b 262144 - TCP:127.0.0.1:"$a" ) &
	tx=$!
	t_wait_for 5 listening "$b"
	socat -u -b 262144 TCP:127.0.0.1:"$b" - | tar -x -C "$out"
	wait "$tx"
	t1=$(now_ns)
	t_stop "$s" 5
	echo $(( t1 - t0 ))
}

mkdir -p "$W/src"
make_tree "$W/src/tree" "$N"
bytes=$(du -sb --apparent-size "$W/src/tree" | cut -f1)
t_start_relay --log-level warn >&2 || exit 1
fer=() tar=() ok=1
for r in $(seq "$RUNS"); do
	rm -rf "$W/f" "$W/t"
	set -- $(ferry_once "$W/src/tree" "$W/f")
	fer+=("$1")
	diff -r "$W/src/tree" "$W/f/tree" >/dev/null || ok=0
	tar+=("$(tar_once "$W/src/tree" "$W/t")")
	diff -r "$W/src/tree" "$W/t/tree" >/dev/null || ok=0
done
fm=$(median "${fer[@]}"); tm=$(median "${tar[@]}")
fr=$(calc '%.1f' "$bytes / ($fm / 1e9) / 1e6"); tr=$(calc '%.1f' "$bytes / ($tm / 1e9) / 1e6")
ratio=$(calc '%.2f' "$tm / $fm")
echo "many files: $N files of 1-16 KiB ($(calc '%.1f' "$bytes / 1048576") MiB), median of $RUNS"
printf '  %-34s %8.2f s  %7s MB/s  %7.0f files/s\n' "ferry send DIR (TLS, SHA-256)" \
    "$(calc '%.3f' "$fm / 1e9")" "$fr" "$(calc '%.0f' "$N / ($fm / 1e9)")"
printf '  %-34s %8.2f s  %7s MB/s  %7.0f files/s\n' "tar -c | socat relay | tar -x" \
    "$(calc '%.3f' "$tm / 1e9")" "$tr" "$(calc '%.0f' "$N / ($tm / 1e9)")"
echo "  every copy identical (diff -r): $([ $ok = 1 ] && echo yes || echo NO)"
verdict=$(awk "BEGIN { print ($ratio >= 1.5) ? \"PASS\" : \"MISS\" }")
echo "  target ferry >= 1.5x tar|socat: ${ratio}x $verdict"

if [ "$BIG" -gt 0 ]; then
	rm -rf "$W/src/tree" "$W/f" "$W/t"
	make_tree "$W/src/big" "$BIG"
	bytes=$(du -sb --apparent-size "$W/src/big" | cut -f1)
	set -- $(ferry_once "$W/src/big" "$W/f")
	same=$(diff -r "$W/src/big" "$W/f/big" >/dev/null && echo yes || echo NO)
	echo "one send of $BIG files ($(calc '%.1f' "$bytes / 1048576") MiB): $(calc '%.2f' "$1 / 1e9") s," \
	    "$(calc '%.0f' "$BIG / ($1 / 1e9)") files/s; peak RSS sender $(calc '%.1f' "$2 / 1024") MiB," \
	    "receiver $(calc '%.1f' "$3 / 1024") MiB; identical: $same"
fi
