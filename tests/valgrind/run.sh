#!/usr/bin/env bash
# run.sh: `make valgrind`. Runs the end-to-end scripts given as arguments
# with ferryd and ferry under valgrind memcheck: FERRY_BIN points at
# wrappers that exec valgrind on the real binaries, each process writes its
# own log, and lib.bash stretches its waits by FERRY_TEST_SLOW. With -q and
# only definite leaks shown, a clean process leaves an empty log; so the
# suite passes when tests/run.sh passes and every log is empty (no error,
# no definite leak). The processes also exit 1 on an error
# (--error-exitcode), which the tests see.
set -u
real=${FERRY_REAL_BIN:?FERRY_REAL_BIN: the folder with the real ferryd and ferry}
root=$(cd "$(dirname "$0")/../.." && pwd)
dir=$root/build/valgrind
command -v valgrind >/dev/null || { echo "valgrind: not installed (make deps)"; exit 1; }

rm -rf "$dir"
mkdir -p "$dir/bin" "$dir/logs"
for b in ferryd ferry; do
	cat >"$dir/bin/$b" <<EOF2
#!/bin/sh
exec valgrind -q --tool=memcheck --leak-check=full --show-leak-kinds=definite \\
    --errors-for-leak-kinds=definite --error-exitcode=1 --num-callers=30 \\
    --log-file="$dir/logs/$b.%p.log" ${VALGRIND_ARGS:-} "$real/$b" "\$@"
EOF2
	chmod +x "$dir/bin/$b"
done

# Under memcheck everything runs 20-50 times slower: stretch the waits,
# use the sanitizer builds' smaller sizes (SANITIZE=1 only picks sizes and
# skips RSS bounds in the scripts; the binaries are the plain build), and a
# smaller chaos.
export FERRY_BIN=$dir/bin SANITIZE=1
export FERRY_TEST_SLOW=${FERRY_TEST_SLOW:-10}
# A TLS handshake between two processes under memcheck can outlast the
# client's 10 s to connect.
export FERRY_CONNECT_TIMEOUT=${FERRY_CONNECT_TIMEOUT:-$((10 * FERRY_TEST_SLOW))}
export WIRE_T=${WIRE_T:-$((15000 * FERRY_TEST_SLOW))}
export CHAOS_CLIENTS=${CHAOS_CLIENTS:-8} CHAOS_SECONDS=${CHAOS_SECONDS:-20}
export FERRY_TEST_TIMEOUT=${FERRY_TEST_TIMEOUT:-1800}

"$root/tests/run.sh" "$@"
st=$?

n=0 bad=0
for f in "$dir"/logs/*.log; do
	[ -e "$f" ] || continue
	n=$((n + 1))
	[ -s "$f" ] || continue
	bad=$((bad + 1))
	echo "valgrind: $(basename "$f"):"
	head -n 60 "$f" | sed 's/^/    /'
done
echo "valgrind: $n processes ran under memcheck, $bad with errors or definite leaks"
[ "$st" -eq 0 ] && [ "$bad" -eq 0 ] && [ "$n" -gt 0 ]
