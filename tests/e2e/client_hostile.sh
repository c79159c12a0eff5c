#!/usr/bin/env bash
# client_hostile.sh: offers whose file names are paths or worse, sent raw by
# tests/tools/hostile_offer. Each offer is declined with reason bad_name,
# the receiver says why, nothing appears inside or outside its folder, and
# it goes on to take a good file afterwards.
source "$(dirname "$0")/lib.bash"
source "$(dirname "$0")/client_lib.bash"

t_start_relay || { t_ok 1 "relay starts"; t_done; exit; }
IN="$T_DIR/box/in"
mkdir -p "$IN"
echo sentinel >"$T_DIR/box/sentinel"
# The receiver's whole world is box/: in/ is its folder, the rest must not change.
snapshot() { (cd "$T_DIR/box" && find . -printf '%p %s %T@\n' | sort); }
before=$(snapshot)

long=$(printf 'x%.0s' $(seq 300))
NAMES=("../x" "../../escape.txt" "/etc/passwd" "/tmp/ferry-hostile-abs" "a/b" 'a\b'
    "." ".." $'new\nline' $'\e[31mred' $'tab\there' $'del\x7f' $'c1\xc2\x85' "$long")
WHAT=("../x" "../../escape.txt" "/etc/passwd" "an absolute path" "a/b" "a backslash"
    "." ".." "a newline" "an escape sequence" "a tab" "DEL" "a C1 control" "300 bytes")

start_receiver bob "$IN" --count 1
RX=$RX_PID
offer_raw h mallory bob -- "${NAMES[@]}"
t_ok $? "every hostile offer was declined"
for i in "${!NAMES[@]}"; do
	line=$(sed -n "$((i + 1))p" "$T_DIR/h.out")
	case $line in
	"declined: bad_name: "*) t_ok 0 "declined with bad_name: ${WHAT[$i]}" ;;
	*) echo "# got: $line"; t_ok 1 "declined with bad_name: ${WHAT[$i]}" ;;
	esac
done
t_check "the reasons say what is wrong" grep -q '"a/b" is in a folder that the list does not give before it' "$T_DIR/h.out"
t_check "a path out of the folder is refused for its part" grep -q '"../x" in its part 1: is' "$T_DIR/h.out"
t_check "an absolute path is refused as one" grep -q '"/etc/passwd" is not a relative path' "$T_DIR/h.out"
t_check "a long name is refused for its length" grep -q 'is longer than 255 bytes' "$T_DIR/h.out"
t_check "a control character is refused" grep -q 'contains a control character' "$T_DIR/h.out"

# One bad name spoils the whole offer: the good file beside it is not taken.
offer_raw h2 mallory2 bob --with-good -- "../good-neighbour"
t_ok $? "an offer with one bad name among good ones is declined"

t_check "bob printed why for each refusal" test \
    "$(grep -c '^ferry: refused the files from mallory' "$T_DIR/bob.err")" -ge "${#NAMES[@]}"
t_check "bob's stderr never carries raw control bytes" \
    bash -c "! LC_ALL=C grep -q \$'[\\x01-\\x08\\x0b-\\x1f\\x7f]' '$T_DIR/bob.err'"
t_check "nothing was written in the folder" test -z "$(ls -A "$IN")"
t_check "nothing was written outside the folder" test "$(snapshot)" = "$before"
t_check "no absolute-path file appeared" test ! -e /tmp/ferry-hostile-abs
t_check "bob is still running" kill -0 "$RX"

# The receiver is still healthy and takes a good file.
send_saved alice bob 777 "$IN" "a good send after the hostile ones works"
t_check "bob exits 0: refusals do not count as transfers" exited "$RX" 0 10
[ "$T_FAILED" -gt 0 ] && [ -n "${DEBUG_E2E:-}" ] && { sed "s/^/# relay: /" "$RELAY_LOG"; cat "$T_DIR"/*.err; }
t_done
