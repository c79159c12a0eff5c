#!/usr/bin/env bash
# short.sh: runs every libFuzzer target for FUZZ_SECONDS (default 3) each over
# the seed corpus, one TAP line per target. `make test` runs it briefly so a
# regression in the decoders shows up in CI; `make fuzz` runs it for longer.
# New inputs go to a scratch folder; a crash is copied to tests/fuzz/crashes/
# so it can be turned into a regression input.
set -u
here=$(cd "$(dirname "$0")" && pwd)
dir=${FERRY_FUZZ:-$here/../../build/fuzz}
secs=${FUZZ_SECONDS:-3}
scratch=$(mktemp -d /tmp/ferry-fuzz.XXXXXX)
trap 'rm -rf "$scratch"' EXIT
n=0 failed=0
for t in frame msg name; do
	n=$((n + 1))
	bin=$dir/fuzz_$t
	if [ ! -x "$bin" ]; then
		echo "not ok $n - fuzz_$t: $bin was not built"; failed=1; continue
	fi
	dict=(); [ -f "$here/$t.dict" ] && dict=(-dict="$here/$t.dict")
	mkdir -p "$scratch/$t"
	if "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
	    -print_final_stats=1 -artifact_prefix="$scratch/$t-" "${dict[@]}" \
	    "$scratch/$t" "$here/corpus/$t" >"$scratch/$t.log" 2>&1; then
		runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$scratch/$t.log" | grep -o '[0-9]*$')
		echo "ok $n - fuzz_$t: ${runs:-?} inputs in ${secs}s, no crash"
	else
		echo "not ok $n - fuzz_$t crashed:"
		grep -E 'ERROR|SUMMARY|Test unit written' "$scratch/$t.log" | head -n 10 | sed 's/^/# /'
		mkdir -p "$here/crashes"
		cp "$scratch/$t"-* "$here/crashes/" 2>/dev/null
		failed=1
	fi
done
[ "$failed" -eq 0 ]
