#!/usr/bin/env bash
# client_many.sh: many files in one send, the quick form of issue 13's
# 100,000 (make bench sends those): 20,000 small files in 200 folders,
# names of many lengths so the list and the receipt cross many pages, go
# in one offer and arrive whole (diff -r); each end prints a line per file;
# the receiver's peak RSS is printed against its size before (bounded by a
# small record per file, not by the bytes). Then 1,500 files given on the
# command line, beyond the old ceiling of 1000, in one send.
source "$(dirname "$0")/lib.bash"
source "$(dirname "$0")/client_lib.bash"

t_start_relay || { t_ok 1 "relay starts"; t_done; exit; }
N=20000
S="$T_DIR/src/many"
long=$(printf 'n%.0s' $(seq 200))
for ((d = 0; d < N / 100; d++)); do
	mkdir -p "$S/d$d"
	for ((i = 0; i < 100; i++)); do
		k=$((d * 100 + i))
		# Names of 8 to 208 bytes: pages end at different counts.
		printf '%s\n' "$k" >"$S/d$d/f${k}_${long:0:$(( (k * 37) % 200 ))}"
	done
done
mkdir -p "$S/empty"
t_check "the source holds $N files" test "$(find "$S" -type f | wc -l)" -eq "$N"

start_receiver bob "$T_DIR/bob" --count 2
RX=$RX_PID
rss0=$(awk '/VmRSS/ { print $2 }' "/proc/$RX/status")
"$FERRY" send --name alice --to bob "$S" >"$T_DIR/s.out" 2>"$T_DIR/s.err"
t_ok $? "one send of $N files in $((N / 100 + 1)) folders (exit 0)"
t_check "the sender prints one line per file" test "$(grep -c '^sent ' "$T_DIR/s.out")" -eq "$N"
t_check "the tree arrived whole: diff -r" t_wait_for 30 diff -r "$S" "$T_DIR/bob/many"
t_check "the receiver printed one line per file" \
    t_wait_for 10 test "$(grep -c '^saved many/' "$T_DIR/bob.out")" -eq "$N"
hwm=$(awk '/VmHWM/ { print $2 }' "/proc/$RX/status")
t_diag "receiver RSS before ${rss0} kB, peak ${hwm} kB for $N files: $(( (hwm - rss0) * 1024 / N )) bytes a file"
if [ "${SANITIZE:-0}" != 1 ]; then
	t_ok "$([ $(( (hwm - rss0) * 1024 / N )) -lt 2048 ]; echo $?)" \
	    "the receiver grew by less than 2 KiB a file (a small record each)"
fi
t_check "no staging folder is left" no_part_files "$T_DIR/bob"

# --- 1,500 files named on the command line, beyond the old 1000 -------------
args=()
for ((k = 0; k < 1500; k++)); do args+=("$S/d$((k / 100))/f${k}_${long:0:$(( (k * 37) % 200 ))}"); done
mkdir -p "$T_DIR/bob/flat" 2>/dev/null
"$FERRY" send --name alice --to bob "${args[@]}" >"$T_DIR/s2.out" 2>"$T_DIR/s2.err"
t_ok $? "1,500 files on the command line go in one send"
t_check "each was saved" t_wait_for 10 test "$(grep -c '^saved f' "$T_DIR/bob.out")" -eq 1500
t_check "with its bytes" same_sha "$T_DIR/bob/f1499_${long:0:$(( (1499 * 37) % 200 ))}" "${args[1499]}"
t_check "bob exits 0 after the two" exited "$RX" 0 20
t_done
