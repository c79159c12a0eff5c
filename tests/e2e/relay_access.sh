#!/usr/bin/env bash
# relay_access.sh: ferryd --allow-keys FILE. A listed key is admitted, an
# unlisted one refused with error{not_allowed} and closed; SIGHUP re-reads
# the file: a key added is admitted after it, a key removed has its
# connected client dropped while a listed bystander stays served; a
# malformed or missing file on SIGHUP keeps the old list and the log says
# why with the line; a malformed file at start stops ferryd. The real
# client: refused, it prints its `ferry id` first line, which pasted
# verbatim into the file admits it (`ferry peers`).
source "$(dirname "$0")/lib.bash"
source "$(dirname "$0")/relay_lib.bash"

# keyline KEYFILE: the first line of `ferry id` for that key (made if missing).
keyline() { "$FERRY" --identity "$1" --name "$2" id 2>/dev/null | sed -n 1p; }
# openssl's own base64 of the raw public key, to check ferry's line against.
raw_b64() { openssl pkey -in "$1" -pubout -outform DER | tail -c 32 | base64 -w0; }

# cat_in_ann_out WHAT: cat's key is admitted and ann's refused and closed.
cat_in_ann_out() {
	t_wire "$1" <<EOF
connect c $T_DIR/cat.pem
hello c cat
connect a $T_DIR/ann.pem
send a {"type":"hello","version":2,"name":"ann"}
expect a error code=not_allowed
expect-close a
EOF
}

for who in ann bob cat dan; do
	line=$(keyline "$T_DIR/$who.pem" "$who")
	eval "L_$who=\$line"
done
t_check "ferry id's first line is ferry-ed25519, the raw key in base64, the name" \
    test "$L_ann" = "ferry-ed25519 $(raw_b64 "$T_DIR/ann.pem") ann"

allow=$T_DIR/allow_keys
printf '# the team\n\n%s\n  %s  \n' "$L_ann" "$L_dan" >"$allow"

# A malformed file at start: ferryd exits 1 before it listens, naming the line.
printf '%s\nssh-ed25519 AAAA bob\n' "$L_ann" >"$T_DIR/bad_allow"
st=0
timeout 10 "$FERRYD" --listen 127.0.0.1:0 --allow-keys "$T_DIR/bad_allow" \
    >/dev/null 2>"$T_DIR/start.err" || st=$?
t_ok $((st != 1)) "a malformed allow file at start: ferryd exits 1"
t_check "saying which line and why" grep -qxF "ferryd: --allow-keys $T_DIR/bad_allow: line 2: does not begin with \"ferry-ed25519\" (a line of \`ferry id\`)" "$T_DIR/start.err"
t_check "without listening" bash -c '! grep -q "listening on" "$1"' _ "$T_DIR/start.err"

t_start_relay --allow-keys "$allow" || exit 1
t_check "the log says how many keys it holds" t_log_has 5 "allow list $allow: 2 keys\$"

t_wire "a listed key is admitted, an unlisted one refused and closed" <<EOF
connect a $T_DIR/ann.pem
hello a ann
connect b $T_DIR/bob.pem
send b {"type":"hello","version":2,"name":"bob"}
expect b error code=not_allowed message~fingerprint message~operator
expect-close b
ping a
EOF

# SIGHUP with ann taken off and cat added: ann's open connection is closed
# with not_allowed, dan (still listed) goes on being served.
t_wire_bg "$T_DIR/drop.out" <<EOF
connect a $T_DIR/ann.pem
hello a ann
connect d $T_DIR/dan.pem
hello d dan
expect a error code=not_allowed message~taken
expect-close a
ping d
EOF
drop_pid=$T_LAST
t_check "ann and dan are both on" t_wait_for 10 bash -c \
    '[ "$(grep -c "hello from \"\(ann\|dan\)\"" "$1")" -ge 3 ]' _ "$RELAY_LOG"
printf '%s\n%s\n' "$L_dan" "$L_cat" >"$allow"
kill -HUP "$RELAY_PID"
t_check "on SIGHUP the relay logs the new count" t_log_has 5 "allow list $allow: 2 keys \\(reloaded\\)\$"
t_check "and that it closed the one taken off" t_log_has 5 "closed 1 client no longer on the allow list"
st=1
t_wait_exit "$drop_pid" 20 && st=$T_STATUS
[ "$st" -ne 0 ] && sed 's/^/#   /' "$T_DIR/drop.out"
t_ok "$st" "ann's connection was dropped with not_allowed, dan's still answers"

cat_in_ann_out "after SIGHUP the added key is admitted and the removed one refused"

# A malformed file, then a missing one: the old list (dan, cat) stays.
printf '%s\n# fine so far\n%s trailing\nferry-ed25519 not-base64\n' "$L_dan" "$L_ann" >"$allow"
kill -HUP "$RELAY_PID"
t_check "a malformed file on SIGHUP: the log says why, with the line" \
    t_log_has 5 "allow list not reloaded, the old one stays: $allow: line 4: has a key that is not 44 characters of base64"
mv "$allow" "$allow.gone"
kill -HUP "$RELAY_PID"
t_check "a missing file on SIGHUP: the log says it cannot open it" \
    t_log_has 5 "allow list not reloaded, the old one stays: cannot open $allow: No such file or directory"
cat_in_ann_out "and the old list is still the one in force"
printf '%s\n%s\n' "$L_dan" "$L_cat" >"$allow"

# The real client: refused with its own `ferry id` line, which, pasted
# verbatim, admits it.
me=$("$FERRY" --name eve id 2>/dev/null | sed -n 1p)
st=0
"$FERRY" --name eve peers >"$T_DIR/eve.out" 2>"$T_DIR/eve.err" || st=$?
t_ok $((st != 1)) "ferry peers with an unlisted key exits 1"
t_check "and prints its ferry id line for the operator" grep -qF "send its operator this line, the first of \`ferry id\`: $me" "$T_DIR/eve.err"
t_check "in one message that says why" grep -q "does not admit your key (it is not on the relay's allow list)" "$T_DIR/eve.err"
echo "$me" >>"$allow"
kill -HUP "$RELAY_PID"
t_check "its line, appended verbatim, is taken" t_log_has 5 "allow list $allow: 3 keys \\(reloaded\\)\$"
"$FERRY" --name eve peers >"$T_DIR/eve.out" 2>"$T_DIR/eve.err"
t_ok $? "then ferry peers is admitted (exit 0)"
t_check "ferryd is still the same process" kill -0 "$RELAY_PID"
t_stop_relay "allow list"
t_done
