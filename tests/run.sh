#!/usr/bin/env bash
# run.sh: runs unit programs (cmocka, TAP output) and e2e scripts (TAP lines),
# counts "ok"/"not ok" lines and ends with one line "N passed, N failed".
# A program that exits non-zero without reporting a failure counts as one.
set -u
pass=0 fail=0
export CMOCKA_MESSAGE_OUTPUT=TAP
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:halt_on_error=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
limit=${FERRY_TEST_TIMEOUT:-900}
log=$(mktemp /tmp/ferry-test.XXXXXX)
trap 'rm -f "$log"' EXIT
for t in "$@"; do
	name=${t#"$PWD"/}
	t0=$(date +%s%N)
	case $t in
	*.sh) timeout -k 5 "$limit" bash "$t" >"$log" 2>&1 ;;
	*)    timeout -k 5 "$limit" "$t" >"$log" 2>&1 ;;
	esac
	st=$?
	secs=$(( ($(date +%s%N) - t0) / 100000000 ))
	secs="$((secs / 10)).$((secs % 10))s"
	p=$(grep -cE '^ok( |$)' "$log")
	f=$(grep -cE '^not ok( |$)' "$log")
	if [ "$st" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1; echo "not ok - $name exited with status $st" >>"$log"
	fi
	if [ "$st" -eq 0 ] && [ "$p" -eq 0 ] && [ "$f" -eq 0 ]; then
		f=1; echo "not ok - $name reported no test" >>"$log"
	fi
	pass=$((pass + p)); fail=$((fail + f))
	if [ "$f" -gt 0 ]; then
		echo "FAIL $name ($p passed, $f failed, $secs):"
		sed 's/^/    /' "$log" | tail -n 60
	else
		echo "ok   $name ($p passed, $secs)"
	fi
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
