#!/usr/bin/env bash
# hostile_vanish.sh: a peer that dies closes its data and control sockets at
# once, and the relay may handle the data socket first, ending the bridge
# before it hears who left. The other side must still get error{peer_gone,
# transfer} (PROTOCOL.md 3.2), not only a bare peer_left. A bridge that ended
# with an answer from the receiver (a receipt) gets no peer_gone afterwards.
source "$(dirname "$0")/lib.bash"
source "$(dirname "$0")/relay_lib.bash"
source "$(dirname "$0")/hostile_lib.bash"

t_start_relay; t_ok $? "ferryd starts"

# --- the sender's data socket closes first, then its control socket ---------
wire_open v
wire_say v "pair alice bob 1000000" \
    "write aliced 4096 1" "read bobd 4096 1" \
    "close aliced" "expect-close bobd" "close bobd" "echo @bridge-closed"
t_check "a bridge between alice and bob ran, then alice's data socket closed" \
    wire_reached v @bridge-closed
# Hold alice's control socket until the relay has ended the bridge: the
# order a killed process can produce.
t_check "the relay ended the bridge with nothing back from bob" \
    t_log_has 10 'transfer [0-9]+ ended with nothing back: 4096 bytes alice -> bob'
wire_say v "close alice" 'expect bob error code=peer_gone transfer=${alice.transfer}' \
    "echo @told"
t_check "bob gets error{peer_gone} for the transfer when alice's control socket closes" \
    wire_reached v @told

# --- the same from the receiver's side --------------------------------------
wire_say v "pair carol dave 1000000" \
    "write carold 4096 2" "read daved 4096 2" \
    "close daved" "expect-close carold" "close carold" "echo @bridge2-closed"
t_check "a bridge between carol and dave ran, then dave's data socket closed" \
    wire_reached v @bridge2-closed
t_check "the relay ended that bridge too" \
    t_log_has 10 'transfer [0-9]+ ended with nothing back: 4096 bytes carol -> dave'
wire_say v "close dave" 'expect carol error code=peer_gone transfer=${carol.transfer}' \
    "echo @told2"
t_check "carol gets error{peer_gone} when dave's control socket closes" \
    wire_reached v @told2

# --- a bridge that finished (the receiver answered) stays quiet -------------
wire_say v "pair erin fred 4096" \
    "write erind 4096 3" "read fredd 4096 3" \
    "write fredd 200 4" "read erind 200 4" \
    "shut erind" "shut fredd" "expect-close erind" "expect-close fredd" \
    "close erind" "close fredd" "echo @done3"
t_check "a bridge between erin and fred finished both ways" wire_reached v @done3
t_check "the relay logged it as done" \
    t_log_has 10 'transfer [0-9]+ done: 4096 bytes erin -> fred, 200 bytes back'
# peer_gone goes out at once, peer_left after the relay's short batching:
# the first thing fred hears (joins aside) must be erin's peer_left.
wire_say v "ignore fred peer_joined" 'send fred {"type":"peers"}' "expect fred peer_list peers~erin" \
    "close erin" 'expect fred peer_left ids~${erin.id}' \
    "echo @quiet"
t_check "fred hears no peer_gone for a transfer that was answered, only erin's peer_left" \
    wire_reached v @quiet

t_check "the wire script ran to its end" wire_end v
t_stop_relay "vanish"
t_done
