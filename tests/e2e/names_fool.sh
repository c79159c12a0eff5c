#!/usr/bin/env bash
# names_fool.sh: names that would fool a person (PROTOCOL.md 2, 6): a bidi
# override, zero-width and other invisible characters, a byte-order mark,
# white space at an end, and peer names of the form HOST:PORT or a number.
# The relay refuses such a hello (bad_message, with the character named and
# its place) while a real "bob" stays the only "bob" listed; `ferry send`
# names every bad file name at once and offers nothing; `ferry receive`
# declines a hostile offer naming every bad name and writes nothing.
source "$(dirname "$0")/lib.bash"
source "$(dirname "$0")/relay_lib.bash"
source "$(dirname "$0")/hostile_lib.bash"
source "$(dirname "$0")/client_lib.bash"

t_start_relay || { t_ok 1 "relay starts"; t_done; exit; }
IN="$T_DIR/in"
start_receiver bob "$IN" --count 1
RX=$RX_PID
t_ok $? "the real bob is on the relay"
fd0=$(fd_count "$RELAY_PID")
rss0=$(rss_kb "$RELAY_PID")

# --- the relay: look-alike hellos -------------------------------------------
# look NAME-JSON WORDS...: a hello named NAME-JSON (JSON escapes) is refused
# with bad_message and closed; the message holds each of WORDS (one word
# each: wire splits its arguments at spaces). A bystander is served after.
look() {
	local name=$1 checks="" w
	shift
	for w in "$@"; do checks="$checks message~$w"; done
	t_wire "hello \"$name\" refused: $*" <<EOF2
connect x
send x {"type":"hello","version":2,"name":"$name"}
expect x error code=bad_message$checks
expect-close x
connect by
hello by bystander-$RANDOM
ping by
EOF2
}
look 'bob\u202e' U+202E RIGHT-TO-LEFT OVERRIDE 3 '4)'
look 'bob\u200b' U+200B ZERO WIDTH
look '\ufeffbob' U+FEFF BYTE ORDER 0 '1)'
look 'bob ' ends space
look 'bob\u00a0' ends U+00A0 NO-BREAK
look 'b\u200dob' U+200D JOINER 1 '2)'
look 'bo\u034fb' U+034F GRAPHEME
look 'bob\u3164' U+3164 HANGUL
look ' bob' starts space
look 'bob:80' HOST:PORT
look '[::1]:7117' HOST:PORT
look '7117' number
look '\u2066bob\u2069' U+2066 ISOLATE
look 'bob\udb40\udc41' U+E0041 TAG

t_check "the relay lists exactly one bob" \
    test "$("$FERRY" peers --name "probe$$" | cut -f1 | grep -c '^bob')" -eq 1
# The client refuses the same names before it connects, in the same words.
"$FERRY" peers --name $'bob\u202e' >/dev/null 2>"$T_DIR/cl.err"
t_check "ferry refuses a name with U+202E before connecting (exit 2)" test $? -eq 2
t_check "... in the relay's words, the character shown as ?" err_is "$T_DIR/cl.err" \
    'ferry: the name "bob?" contains U+202E RIGHT-TO-LEFT OVERRIDE at byte 3 (character 4)'
"$FERRY" peers --name '10.0.0.5:50312' >/dev/null 2>"$T_DIR/cl2.err"
t_check "ferry refuses a name of the form HOST:PORT" err_is "$T_DIR/cl2.err" \
    'ferry: the name "10.0.0.5:50312" has the form HOST:PORT of an address'
"$FERRY" peers --name '42' >/dev/null 2>"$T_DIR/cl3.err"
t_check "ferry refuses a name that is a number" err_is "$T_DIR/cl3.err" \
    'ferry: the name "42" is a number'
t_check "no hello of a refused name reached the relay's log as a peer" \
    bash -c "! grep -q 'hello.*10.0.0.5:50312' '$RELAY_LOG'"

# --- the sender: every bad name at once, nothing offered ----------------------
S="$T_DIR/send"
mkdir -p "$S"
for f in $'invoice\u202efdp.exe' 'notes.txt ' $'\ufeffreport.pdf' $'zw\u200bsp.txt' \
    $'nb\u00a0' 'good.txt'; do
	echo data >"$S/$f"
done
"$FERRY" send --name alice --to bob "$S/"* >/dev/null 2>"$T_DIR/send.err"
t_check "ferry send exits 2 for bad names" test $? -eq 2
t_check "one line names all five bad ones" err_matches "$T_DIR/send.err" \
    '^ferry: 5 file names cannot be sent \(rename and send again\): '
for w in '"invoice?fdp.exe" contains U+202E RIGHT-TO-LEFT OVERRIDE at byte 7 (character 8)' \
    '"notes.txt " ends with a space' \
    '"?report.pdf" contains U+FEFF ZERO WIDTH NO-BREAK SPACE (BYTE ORDER MARK) at byte 0 (character 1)' \
    '"zw?sp.txt" contains U+200B ZERO WIDTH SPACE at byte 2 (character 3)' \
    $'"nb\u00a0" ends with U+00A0 NO-BREAK SPACE'; do
	t_check "it says: $w" contains "$T_DIR/send.err" "$w"
done
t_check "the good file is not blamed" bash -c "! grep -q 'good.txt' '$T_DIR/send.err'"
t_check "ferry send never printed a raw U+202E" \
    bash -c "! grep -q \$'\\u202e' '$T_DIR/send.err'"
t_check "nothing was offered: bob saw no offer" quiet "$T_DIR/bob.err"

# --- the receiver: a hostile sender's batch, every bad name in the decline ----
before=$(ls -A "$IN" | wc -l)
offer_raw h mallory bob --together -- $'invoice\u202efdp.exe' 'trailing ' $'\ufeffbom.txt' \
    '..' $'rlm\u200f.txt' $'soft\u00adhyphen' $'tag\U000e0041' ok.txt
t_ok $? "the hostile offer was declined"
line=$(head -n1 "$T_DIR/h.out")
t_check "declined with bad_name and the count" \
    bash -c "[[ \$1 == 'declined: bad_name: 7 file names are refused: '* ]]" _ "$line"
for w in '"invoice?fdp.exe" contains U+202E RIGHT-TO-LEFT OVERRIDE at byte 7 (character 8)' \
    '"trailing " ends with a space' \
    '"?bom.txt" contains U+FEFF' '".." is ".."' \
    '"rlm?.txt" contains U+200F RIGHT-TO-LEFT MARK' '"soft?hyphen" contains U+00AD SOFT HYPHEN' \
    '"tag?" contains U+E0041 (a TAG character) at byte 3 (character 4)'; do
	t_check "the reason says: $w" contains "$T_DIR/h.out" "$w"
done
t_check "every one of the seven is in the reason: no 'more'" bash -c "! grep -q 'more' '$T_DIR/h.out'"
t_check "the good name is not in the reason" bash -c "! grep -q 'ok.txt' '$T_DIR/h.out'"
t_check "bob printed the refusal with every name" \
    bash -c "grep '^ferry: refused the files from mallory: 7 file names' '$T_DIR/bob.err' | grep -q 'tag?'"
t_check "the reason carries no raw bidi or invisible character" \
    bash -c "! grep -q \$'[\\u202e\\u200f\\ufeff\\u00ad]' '$T_DIR/h.out' '$T_DIR/bob.err'"

# 60 bad names: the reason stays within 512 bytes and says how many more.
many=()
for i in $(seq 60); do many+=("bad-name-number-$i "); done
offer_raw h2 mallory2 bob --together -- "${many[@]}"
t_ok $? "an offer of 60 bad names is declined"
line=$(head -n1 "$T_DIR/h2.out")
t_check "it counts all 60" contains "$T_DIR/h2.out" "bad_name: 60 file names are refused: \"bad-name-number-1 \" ends with a space; "
t_check "and ends with 'and N more'" bash -c "[[ \$1 =~ '; and '[0-9]+' more'\$ ]]" _ "$line"
t_check "the reason fits 512 bytes" test "$(( ${#line} - 10 ))" -le 512
t_check "nothing was written in the folder" test "$(ls -A "$IN" | wc -l)" -eq "$before" -a "$before" -eq 0
t_check "no part file" no_part_files "$IN"

# The relay is none the worse, and bob still takes a good file.
fd1=$(fd_count "$RELAY_PID")
rss1=$(rss_kb "$RELAY_PID")
t_diag "relay descriptors $fd0 -> $fd1, RSS $rss0 -> $rss1 kB"
t_check "the relay holds no more descriptors than before (+2 slack)" test "$fd1" -le $((fd0 + 2))
send_saved alice bob 1000 "$IN" "a good file still goes through"
t_check "bob exits 0: refusals do not count" exited "$RX" 0 10
t_done
