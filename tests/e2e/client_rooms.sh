#!/usr/bin/env bash
# client_rooms.sh: ferry --room. Receivers in room A (two), room B and no
# room: each `ferry peers` lists only its own room; `ferry send --to` a peer
# of another room fails with no such peer, and an offer straight to its id
# (wire) gets error{no_such_peer}; a transfer inside a room arrives intact;
# the same name in two rooms is admitted twice (with the same key: per room,
# nobody is "replaced"), while in one room the same key still takes its
# name back; a peer leaving is told only to its room. ferryd --require-room
# refuses a roomless client with error{room_required}, and ferry says what
# to do. `ferry room new` prints distinct names of 160 random bits. The
# TUI with --room shows its room and only that room's peers.
source "$(dirname "$0")/lib.bash"
source "$(dirname "$0")/client_lib.bash"
source "$(dirname "$0")/relay_lib.bash"
source "$(dirname "$0")/tui.bash"

# names ROOM PROBE: the names `ferry peers` lists in ROOM ("" for none), sorted.
names() {
	if [ -n "$1" ]; then "$FERRY" peers --room "$1" --name "$2"
	else "$FERRY" peers --name "$2"; fi 2>"$T_DIR/peers.err" | cut -f1 | sort | tr '\n' ' '
}
# has_names ROOM PROBE WANT: names ROOM PROBE is exactly WANT.
has_names() { [ "$(names "$1" "$2")" = "$3" ]; }

# `ferry room new`: distinct lines of 32 base32 digits (160 bits) in groups of 4.
: >"$T_DIR/rooms"
for i in $(seq 1 20); do "$FERRY" room new >>"$T_DIR/rooms" || break; done
t_check "ferry room new prints one room per run, 20 in all" test "$(wc -l <"$T_DIR/rooms")" = 20
t_check "each is 8 groups of 4 lower-case base32 digits (160 bits)" bash -c \
    '! grep -vxE "[0-9a-hjkmnp-tv-z]{4}(-[0-9a-hjkmnp-tv-z]{4}){7}" "$1"' _ "$T_DIR/rooms"
t_check "all 20 differ" test "$(sort -u "$T_DIR/rooms" | wc -l)" = 20
A=$(sed -n 1p "$T_DIR/rooms")
B=team-b

t_start_relay || exit 1
mkdir -p "$T_DIR/a1" "$T_DIR/a2" "$T_DIR/b1" "$T_DIR/n1" "$T_DIR/ba1"
rx() {	# rx NAME DIR ROOM: a receiver in ROOM ("" for none)
	local r=()
	[ -n "$3" ] && r=(--room "$3")
	t_bg "$FERRY" receive "${r[@]}" --name "$1" --dir "$2" \
	    >"$T_DIR/$1.out" 2>"$T_DIR/$1.err"
}
rx a1 "$T_DIR/a1" "$A"; A1=$T_LAST
rx a2 "$T_DIR/a2" "$A"
rx b1 "$T_DIR/b1" "$B"
rx n1 "$T_DIR/n1" ""
t_check "room A lists its two receivers" t_wait_for 10 has_names "$A" probe-a "a1 a2 "
t_check "room B lists only b1" t_wait_for 10 has_names "$B" probe-b "b1 "
t_check "no room lists only n1" t_wait_for 10 has_names "" probe-n "n1 "

# The same name, and the same key (the tests' one identity), in room B: admitted.
rx a1 "$T_DIR/ba1" "$B"; BA1=$T_LAST
t_check "the name a1 is taken in A and free in B: B lists b1 and a1" \
    t_wait_for 10 has_names "$B" probe-b "a1 b1 "
t_check "and A still lists its own a1 (nobody was replaced)" has_names "$A" probe-a "a1 a2 "
t_check "both a1 receivers are still running" bash -c 'kill -0 "$1" && kill -0 "$2"' _ "$A1" "$BA1"

mkdir -p "$T_DIR/tui"
tui_start "$T_DIR/tui" --server "$RELAY_ADDR" --room "$A" --name tui-a --dir "$T_DIR/tui"
t_check "the TUI with --room says which room it is in" tui_wait_for "connected in room $A"
t_check "and lists room A's two peers" tui_wait_for 'Peers 2'
t_check "a1 and a2 by name, not b1 or n1" bash -c '
	s=$(tmux -L "$1" capture-pane -p -t "$2")
	grep -qE "│ +a1 " <<<"$s" && grep -qE "│ +a2 " <<<"$s" &&
	    ! grep -qE "│ +(b1|n1) " <<<"$s"' _ "$TUI_SOCK" "$TUI_S"
tui_keys q
t_check "the TUI quits" tui_wait_exit
t_check "having written nothing to stderr" tui_err_empty

f=$T_DIR/inroom.bin
mkfile "$f" 300000
"$FERRY" send --room "$A" --name s-a --to a1 "$f" >/dev/null 2>"$T_DIR/s.err"
t_ok $? "a send inside room A exits 0"
t_check "and room A's a1 saved it intact" \
    check_saved "$T_DIR/a1.out" inroom.bin "$f" s-a "$T_DIR/a1"
t_check "room B's a1 got nothing" bash -c '[ -z "$(ls -A "$1")" ]' _ "$T_DIR/ba1"

st=0
"$FERRY" send --room "$A" --name s-a --to b1 "$f" >/dev/null 2>"$T_DIR/x.err" || st=$?
t_ok $((st != 1)) "ferry send --to a peer of another room exits 1"
t_check "saying there is no such peer in its room" grep -qF "there is no peer \"b1\" in your room on the relay $RELAY_ADDR" "$T_DIR/x.err"
st=0
"$FERRY" send --name s-n --to a2 "$f" >/dev/null 2>"$T_DIR/x.err" || st=$?
t_ok $((st != 1)) "and from no room to a peer in one too"
t_check "saying there is no such peer" grep -qF "there is no peer \"a2\" on the relay $RELAY_ADDR" "$T_DIR/x.err"
t_check "nothing arrived in room B's or the lobby's folders" bash -c \
    '[ -z "$(ls -A "$1")" ] && [ -z "$(ls -A "$2")" ]' _ "$T_DIR/b1" "$T_DIR/n1"

# The relay itself: an offer to the id of a peer in another room is
# no_such_peer, whatever the client knows; presence stays in the room.
t_wire "wire: an offer to another room's peer id is no_such_peer; names are per room, and reclaimed per room" <<EOF
connect x
hello x wx wire-a
connect y
hello y wy wire-b
send x {"type":"offer","ref":7,"to":\${y.id},"count":1,"size":1}
expect x error code=no_such_peer ref=7
connect z
hello z wx wire-b
send y {"type":"peers"}
expect y peer_list peers=wx keys=\${z.key} more=false
connect k $T_DIR/wire-k.pem
hello k wk wire-a
connect k2 $T_DIR/wire-k.pem
hello k2 wk wire-b
ping k
connect k3 $T_DIR/wire-k.pem
hello k3 wk wire-a
expect k error code=replaced
expect-close k
ping k2
EOF

t_wire "wire: joins and leaves reach only the room's members" <<EOF
connect p1
hello p1 p1 r-p
connect q1
hello q1 q1 r-q
connect p2
hello p2 p2 r-p
expect p1 peer_joined peers=p2
close p2
expect p1 peer_left ids=\${p2.id}
quiet q1 300
EOF

t_stop "$RELAY_PID"

# --require-room: no room, no entry; a room, as before.
t_start_relay --require-room || exit 1
st=0
"$FERRY" peers --name lone >/dev/null 2>"$T_DIR/lone.err" || st=$?
t_ok $((st != 1)) "--require-room: ferry peers without a room exits 1"
t_check "saying the relay admits only clients in a room, and how" \
    grep -qF "admits only clients in a room: agree on a room with your peers (\`ferry room new\` makes one) and use --room NAME" "$T_DIR/lone.err"
"$FERRY" peers --room "$A" --name member >/dev/null 2>"$T_DIR/member.err"
t_ok $? "--require-room: with --room it is admitted"
t_wire "wire: a roomless hello gets room_required and is closed" <<EOF
connect a
send a {"type":"hello","version":2,"name":"lone"}
expect a error code=room_required message~room
expect-close a
connect b
hello b member r1
connect c
send c {"type":"hello","version":2,"name":"bad","room":"a\u0007b"}
expect c error code=bad_message message~room
expect-close c
EOF
t_stop_relay "rooms"
t_done
