#!/usr/bin/env bash
# client_multi.sh: several files in one offer, UTF-8 names, names that
# already exist (" (1)", also for "archive.tar.gz" and dotfiles), a line per
# file as each is verified (before the transfer ends), and two
# senders to one receiver at once with the same file name.
source "$(dirname "$0")/lib.bash"
source "$(dirname "$0")/client_lib.bash"

t_start_relay || { t_ok 1 "relay starts"; t_done; exit; }
S="$T_DIR/src"
mkdir -p "$S" "$S/a" "$S/b"

# --- several files in one offer, UTF-8 names -------------------------------
mkfile "$S/one.bin" 12345
: >"$S/empty"
mkfile "$S/résumé 📄.txt" 4096
mkfile "$S/日本語 テキスト.md" $((CHUNK + 7))
start_receiver bob "$T_DIR/bob" --count 1
RX=$RX_PID
"$FERRY" send --name alice --to bob "$S/one.bin" "$S/empty" "$S/résumé 📄.txt" \
    "$S/日本語 テキスト.md" >"$T_DIR/s.out" 2>"$T_DIR/s.err"
t_ok $? "an offer of four files succeeds"
t_check "the sender reports four files" test "$(grep -c '^sent ' "$T_DIR/s.out")" -eq 4
for f in one.bin empty "résumé 📄.txt" "日本語 テキスト.md"; do
	t_check "bob saved '$f' with the same sha256" \
	    check_saved "$T_DIR/bob.out" "$f" "$S/$f" alice "$T_DIR/bob"
done
t_check "bob exits 0 after the one transfer" exited "$RX" 0 10
t_check "no part files after the multi-file offer" no_part_files "$T_DIR/bob"

# --- one line per file as it is verified, while the rest still comes --------
mkfile "$S/first.bin" 100000
mkfile "$S/second.bin" $((8 * 1024 * 1024))
start_receiver bea "$T_DIR/bea" --count 1
RX=$RX_PID
t_bg "$FERRY" send --name alice --to bea --limit-rate 2M "$S/first.bin" "$S/second.bin" \
    >"$T_DIR/s2.out" 2>"$T_DIR/s2.err"
SX=$T_LAST
t_check "bea says first.bin is verified as soon as it is" t_wait_for 10 grep -qxF \
    "verified first.bin (100000 bytes, sha256 $(sha "$S/first.bin")) from alice" "$T_DIR/bea.out"
t_check "while second.bin is still on its way" kill -0 "$SX"
t_check "and nothing is said saved before all is" test -z "$(grep '^saved' "$T_DIR/bea.out")"
t_check "the send ends well" exited "$SX" 0 20
t_check "then bea says second.bin verified and both saved" \
    check_saved "$T_DIR/bea.out" second.bin "$S/second.bin" alice "$T_DIR/bea"
t_check "with second.bin's verified line" grep -q '^verified second\.bin ' "$T_DIR/bea.out"
t_check "bea exits 0" exited "$RX" 0 10

# --- never overwrite --------------------------------------------------------
D="$T_DIR/carol"
mkdir -p "$D"
echo "old a" >"$D/a.txt"
echo "old archive" >"$D/archive.tar.gz"
echo "old env" >"$D/.env"
mkfile "$S/a.txt" 100
mkfile "$S/archive.tar.gz" 200
mkfile "$S/.env" 300
start_receiver carol "$D" --count 4
RX=$RX_PID
"$FERRY" send --name alice --to carol "$S/a.txt" >/dev/null 2>"$T_DIR/s.err"
t_ok $? "sending a.txt over an existing a.txt succeeds"
t_check "it is saved as 'a (1).txt'" check_saved "$T_DIR/carol.out" "a (1).txt" "$S/a.txt" alice "$D"
t_check "the old a.txt is untouched" test "$(cat "$D/a.txt")" = "old a"
"$FERRY" send --name alice --to carol "$S/a.txt" >/dev/null 2>"$T_DIR/s.err"
t_check "the next one is 'a (2).txt'" check_saved "$T_DIR/carol.out" "a (2).txt" "$S/a.txt" alice "$D"
"$FERRY" send --name alice --to carol "$S/archive.tar.gz" >/dev/null 2>"$T_DIR/s.err"
t_check "archive.tar.gz becomes 'archive (1).tar.gz'" \
    check_saved "$T_DIR/carol.out" "archive (1).tar.gz" "$S/archive.tar.gz" alice "$D"
t_check "the old archive is untouched" test "$(cat "$D/archive.tar.gz")" = "old archive"
"$FERRY" send --name alice --to carol "$S/.env" >/dev/null 2>"$T_DIR/s.err"
t_check "a dotfile .env becomes '.env (1)'" check_saved "$T_DIR/carol.out" ".env (1)" "$S/.env" alice "$D"
t_check "the old .env is untouched" test "$(cat "$D/.env")" = "old env"
t_check "carol exits 0" exited "$RX" 0 10

# --- two senders at once, same file name ------------------------------------
N=$((8 * 1024 * 1024))
mkfile "$S/a/same.bin" "$N"
mkfile "$S/b/same.bin" "$N"
start_receiver dave "$T_DIR/dave" --count 2
RX=$RX_PID
t_bg "$FERRY" send --name alice --to dave "$S/a/same.bin" >"$T_DIR/p1.out" 2>"$T_DIR/p1.err"
P1=$T_LAST
t_bg "$FERRY" send --name erin --to dave "$S/b/same.bin" >"$T_DIR/p2.out" 2>"$T_DIR/p2.err"
P2=$T_LAST
t_check "the first sender succeeds" exited "$P1" 0 60
t_check "the second sender succeeds" exited "$P2" 0 60
t_check "dave exits 0 after both" exited "$RX" 0 10
t_check "dave saved two files" test "$(ls "$T_DIR/dave" | wc -l)" -eq 2
t_check "alice's file arrived intact" sha_in "$T_DIR/dave" "$S/a/same.bin"
t_check "erin's file arrived intact" sha_in "$T_DIR/dave" "$S/b/same.bin"
t_check "one kept the name, the other got ' (1)'" \
    test -f "$T_DIR/dave/same.bin" -a -f "$T_DIR/dave/same (1).bin"
t_check "each saved line names its sender" \
    bash -c "grep -q ' from alice\$' '$T_DIR/dave.out' && grep -q ' from erin\$' '$T_DIR/dave.out'"
t_check "no part files after two at once" no_part_files "$T_DIR/dave"
t_done
