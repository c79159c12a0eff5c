#!/usr/bin/env bash
# client_sizes.sh: files of 0 B, 1 B, one chunk less one byte, one chunk,
# one chunk and a byte, and 100 MiB of random bytes (16 MiB under ASan),
# each sent with `ferry send` and checked with sha256sum on both sides.
source "$(dirname "$0")/lib.bash"
source "$(dirname "$0")/client_lib.bash"

BIG=$((100 * 1024 * 1024))
[ "${SANITIZE:-}" = 1 ] && BIG=$((16 * 1024 * 1024))
SIZES=(0 1 $((CHUNK - 1)) "$CHUNK" $((CHUNK + 1)) "$BIG")

t_start_relay || { t_ok 1 "relay starts"; t_done; exit; }
mkdir -p "$T_DIR/src"
for s in "${SIZES[@]}"; do mkfile "$T_DIR/src/f$s.bin" "$s"; done

start_receiver bob "$T_DIR/bob" --count "${#SIZES[@]}"
t_ok $? "bob is listening"
RX=$RX_PID

for s in "${SIZES[@]}"; do
	f="$T_DIR/src/f$s.bin"
	"$FERRY" send --name alice --to bob "$f" >"$T_DIR/s.out" 2>"$T_DIR/s.err"
	t_ok $? "send of $s bytes exits 0"
	t_check "the sender reports $s bytes with the source's sha256" grep -qxF \
	    "sent f$s.bin ($s bytes, sha256 $(sha "$f")) to bob" "$T_DIR/s.out"
	t_check "sender stderr is silent when not a terminal ($s bytes)" quiet "$T_DIR/s.err"
	t_check "bob saved $s bytes with the same sha256" \
	    check_saved "$T_DIR/bob.out" "f$s.bin" "$f" alice "$T_DIR/bob"
	t_check "cmp agrees for $s bytes" cmp -s "$f" "$T_DIR/bob/f$s.bin"
done
t_check "bob exits 0 after --count transfers" exited "$RX" 0 20
t_check "bob left no part files" no_part_files "$T_DIR/bob"
t_check "bob saved exactly the files sent" test "$(ls "$T_DIR/bob" | wc -l)" -eq "${#SIZES[@]}"
t_done
