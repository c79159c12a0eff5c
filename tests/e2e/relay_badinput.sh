#!/usr/bin/env bash
# relay_badinput.sh: hostile and broken clients. Each bad input gets its
# error code and a close, while a well-behaved client on the same relay is
# served before, during and after; at the end ferryd must stop cleanly with
# nothing from the sanitizers (under make SANITIZE=1 test). The bad bytes
# go inside TLS on a control connection (the relay's frame checks run on
# what TLS decrypted), and in clear on a connection that never starts TLS.
source "$(dirname "$0")/lib.bash"
source "$(dirname "$0")/relay_lib.bash"

# --max-per-addr: every client here is 127.0.0.1 (hostile_limits.sh tests the cap).
t_start_relay --hello-timeout-ms 3000 --max-per-addr 1000; t_ok $? "ferryd starts"

# hex TEXT: the bytes of TEXT in hex.
hex() { printf '%s' "$1" | od -An -v -tx1 | tr -d ' \n'; }
# frame_hex KIND PREFIX: a frame header for PREFIX plus one more byte and
# the 2-byte tail '"}' (used to splice a raw byte into a JSON string).
frame_hex() {
	local h
	h=$(hex "$2")
	printf '%08x%s%s' $(( ${#h} / 2 + 1 + 1 + 2 )) "$1" "$h"
}

# bad_input "what" CODE SCRIPT-LINES: the lines act on connection x, which
# must then get error{CODE} and be closed; a good client keeps working.
# X_CONNECT says how x opens: connect (TLS, the default) or connect-plain.
bad_input() {
	local what=$1 code=$2 lines=$3
	t_wire "$what: error $code, closed, others unaffected" <<EOF2
connect good
hello good good-$RANDOM
${X_CONNECT:-connect} x
$lines
expect x error code=$code
expect-close x
send good {"type":"peers"}
expect good peer_list
connect after
hello after after-$RANDOM
ping good
EOF2
}

bad_input "garbage bytes (an HTTP request)" bad_frame \
	"raw x 474554202f20485454502f312e310d0a486f73743a20780d0a0d0a"
bad_input "a frame of unknown kind" bad_frame "raw x 000000050761626364"
bad_input "a zero length" bad_frame "raw x 0000000000"
bad_input "an empty data frame" bad_frame "raw x 0000000102"
bad_input "an oversized control length" too_large "raw x 0001000201"
bad_input "an oversized data length" too_large "raw x 0010000202"
bad_input "a 4 GiB length" too_large "raw x ffffffff01"
bad_input "a data frame on a control connection" bad_state "raw x 00000003026869"
bad_input "malformed JSON" bad_message 'send x {"type":"hello","version":2,'
bad_input "JSON that is not an object" bad_message 'send x [1,2,3]'
bad_input "no type" bad_message 'send x {"version":2}'
bad_input "an unknown type" unknown_type 'send x {"type":"dance"}'
bad_input "a hello without a name" bad_message 'send x {"type":"hello","version":2}'
bad_input "a name with a control character" bad_message \
	'send x {"type":"hello","version":2,"name":"a\u0007b"}'
bad_input "a name of 65 bytes" bad_message \
	"send x {\"type\":\"hello\",\"version\":2,\"name\":\"$(printf 'n%.0s' $(seq 65))\"}"
bad_input "invalid UTF-8" bad_message \
	"raw x $(frame_hex 01 '{"type":"hello","version":2,"name":"')80$(hex '"}')"
bad_input "an offer before hello" bad_state \
	'send x {"type":"offer","ref":1,"to":1,"count":1,"size":1}'
bad_input "an offer with names and no count (names travel end to end)" \
	bad_message "hello x lister
send x {\"type\":\"offer\",\"ref\":1,\"to\":1,\"files\":[{\"name\":\"f\",\"size\":1}]}"
bad_input "an offer of 1000001 files" bad_message "hello x many
send x {\"type\":\"offer\",\"ref\":1,\"to\":1,\"count\":1000001,\"size\":1}"
bad_input "peers before hello" bad_state 'send x {"type":"peers"}'
bad_input "attach on a control connection" bad_state \
	"hello x attacher
send x {\"type\":\"attach\"}"
bad_input "attach first inside TLS" bad_state 'send x {"type":"attach"}'
bad_input "a second hello" bad_state \
	"hello x twice
send x {\"type\":\"hello\",\"version\":2,\"name\":\"twice\"}"
bad_input "a relay message from a client" bad_state \
	"hello x mimic
send x {\"type\":\"welcome\",\"id\":1,\"name\":\"x\",\"addr\":\"y\",\"key\":\"$(printf '0%.0s' $(seq 64))\"}"
bad_input "a flood after a bad header" too_large \
	"raw x ffffffff01
write x 3000000"

# In clear: only attach may come first (a control connection is TLS).
X_CONNECT=connect-plain
bad_input "a hello in clear" bad_state \
	'send x {"type":"hello","version":2,"name":"plain"}'
bad_input "peers in clear" bad_state 'send x {"type":"peers"}'
bad_input "an HTTP request in clear" bad_frame \
	"raw x 474554202f20485454502f312e310d0a486f73743a20780d0a0d0a"
bad_input "a data frame first in clear" bad_state "raw x 00000003026869"
bad_input "a frame of unknown kind in clear" bad_frame "raw x 000000050761626364"
bad_input "malformed JSON in clear" bad_message 'send x {"type":"attach",'
unset X_CONNECT

t_wire "a half-sent frame, then a disconnect" <<'EOF2'
connect good
hello good half-good
connect x
raw x 00000040017b2274797065223a2268656c
close x
connect y
raw y 0000
close y
connect z
hello z half-z
expect good peer_joined peers=half-z
raw z 00000020017b22
close z
expect good peer_left
send good {"type":"peers"}
expect good peer_list npeers=0
ping good
EOF2
t_log_has 5 'closed in the middle of a frame'
t_ok $? "the relay logs the cut frame"

t_wire "a slot binds once, for its transfer only; refusals keep the connection" <<'EOF2'
connect c
hello c slot-c
pair a:slot-a b:slot-b 1000 ready
ignore a peer_joined peer_left
ignore b peer_joined peer_left
attach ad
send c {"type":"bind","transfer":${a.transfer},"slot":"${ad.slot}"}
expect c error code=forbidden transfer=${a.transfer}
send a {"type":"bind","transfer":999999,"slot":"${ad.slot}"}
expect a error code=no_such_transfer transfer=999999
send a {"type":"bind","transfer":${a.transfer},"slot":"${ad.slot}"}
quiet a 100
send b {"type":"bind","transfer":${a.transfer},"slot":"${ad.slot}"}
expect b error code=bad_slot transfer=${a.transfer}
send b {"type":"bind","transfer":${a.transfer},"slot":"0123456789abcdef0123456789abcdef"}
expect b error code=bad_slot transfer=${a.transfer}
attach bd
send a {"type":"bind","transfer":${a.transfer},"slot":"${bd.slot}"}
expect a error code=bad_state transfer=${a.transfer} message~already
send b {"type":"bind","transfer":${a.transfer},"slot":"${bd.slot}"}
expect ad attached transfer=${a.transfer}
expect bd attached transfer=${a.transfer}
pump ad bd 1000
ping a
ping b
ping c
EOF2
t_log_has 5 'bind by slot-b of a slot the relay does not hold'
t_ok $? "the relay logs the refused bind"

# 200 connections that never say hello, while a good pair transfers.
t_wire "200 silent connections: a good pair still transfers, then the silent ones get idle" <<'EOF2'
connect-many idle 200
pair a:busy-a b:busy-b 4000000
pump ad bd 4000000
pump bd ad 4000
expect idle* error code=idle
expect-close idle*
ping a
EOF2

t_stop_relay "bad input"
t_done
