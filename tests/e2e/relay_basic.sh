#!/usr/bin/env bash
# relay_basic.sh: joining and leaving (each peer with the key of its TLS
# certificate), the peer list, routing of offers and answers, slots and
# binds, and the byte bridge in both directions, against a real ferryd on
# 127.0.0.1 driven by tests/tools/wire.
source "$(dirname "$0")/lib.bash"
source "$(dirname "$0")/relay_lib.bash"

t_start_relay; t_ok $? "ferryd starts on an ephemeral port"

t_wire "two peers see each other join and leave" <<'EOF2'
connect a
send a {"type":"hello","version":2,"name":"alice"}
expect a welcome name=alice addr~127.0.0.1: id>A key=${a.key}
send a {"type":"peers"}
expect a peer_list npeers=0 more=false
connect b
hello b bob
expect a peer_joined peers=bob keys=${b.key}
send b {"type":"peers"}
expect b peer_list peers=alice more=false keys=${a.key}
close b
expect a peer_left ids=${b.id}
send a {"type":"peers"}
expect a peer_list npeers=0 more=false
EOF2

# quiet counts presence events: c and v must not be announced to a (the
# leaves of the clients of the script before may still reach it).
t_wire "a taken name and a foreign version are refused and closed" <<'EOF2'
connect a
hello a alice
ignore a peer_left
connect c
send c {"type":"hello","version":2,"name":"alice"}
expect c error code=name_taken
expect-close c
connect v
send v {"type":"hello","version":1,"name":"vera"}
expect v error code=version
expect-close v
ping a
quiet a 100
EOF2

t_wire "an offer to an unknown peer or to yourself fails, the connection stays" <<'EOF2'
connect a
hello a alice
send a {"type":"offer","ref":3,"to":424242,"count":1,"size":1}
expect a error code=no_such_peer ref=3
send a {"type":"offer","ref":4,"to":${a.id},"count":1,"size":1}
expect a error code=forbidden ref=4
ping a
EOF2

t_wire "offer, ready to both at once, attach, bind: bytes are bridged and checked both ways" <<'EOF2'
connect a
hello a alice
connect b
hello b bob
expect a peer_joined peers=bob
send a {"type":"offer","ref":1,"to":${b.id},"count":2,"size":3000000}
expect a offered ref=1 peer=bob transfer>T peer.key=${b.key}
expect a ready transfer=${T} role=send
expect b incoming transfer=${T} peer=alice count=2 size=3000000 nfiles=0 peer.key=${a.key}
expect b ready transfer=${T} role=receive
attach ad
attach bd
send a {"type":"bind","transfer":${T},"slot":"${ad.slot}"}
quiet ad 100
send b {"type":"bind","transfer":${T},"slot":"${bd.slot}"}
expect ad attached transfer=${T}
expect bd attached transfer=${T}
pump ad bd 3000000 11
pump bd ad 100000 12
pump ad bd 1 13
shut ad
expect-close bd
close bd
expect-close ad
ping a
send b {"type":"peers"}
expect b peer_list peers=alice
EOF2
t_log_has 5 'transfer [0-9]+ done: 3000001 bytes alice -> bob, 100000 bytes back'
t_ok $? "the relay logs the transfer's end with its byte counts"

t_wire "an offer names its receiver by id, and only by id" <<'EOF2'
connect a
hello a alice
connect b
hello b bob
send a {"type":"offer","ref":6,"to":${b.id},"count":1,"size":2}
expect a offered ref=6 peer=bob peer.id=${b.id}
expect a ready
expect b incoming peer=alice count=1 size=2
expect b ready
send a {"type":"offer","ref":5,"to":"bob","count":1,"size":1}
expect a error code=bad_message
expect-close a
connect c
hello c carol
send c {"type":"offer","ref":7,"to":"${b.addr}","count":1,"size":1}
expect c error code=bad_message
expect-close c
EOF2

t_wire "only the receiver may decline; before the bridge it reaches the sender" <<'EOF2'
connect c
hello c carol
pair a:alice b:bob 1 ready
send c {"type":"decline","transfer":${a.transfer},"reason":"x"}
expect c error code=forbidden transfer=${a.transfer}
send a {"type":"decline","transfer":${a.transfer},"reason":"x"}
expect a error code=forbidden transfer=${a.transfer}
send c {"type":"decline","transfer":424242,"reason":"x"}
expect c error code=no_such_transfer transfer=424242
attach bd
send b {"type":"bind","transfer":${a.transfer},"slot":"${bd.slot}"}
send b {"type":"decline","transfer":${a.transfer},"reason":"not-today"}
expect a decline transfer=${a.transfer} reason=not-today
expect-close bd
send b {"type":"decline","transfer":${a.transfer},"reason":"again"}
expect b error code=no_such_transfer transfer=${a.transfer}
ping a
ping b
ping c
EOF2

t_wire "decline after the bridge is bad_state and the connection stays open" <<'EOF2'
pair a:alice b:bob 1000
send b {"type":"decline","transfer":${a.transfer},"reason":"late"}
expect b error code=bad_state transfer=${a.transfer} message~session
ignore a peer_joined
quiet a 100
pump ad bd 1000
pump bd ad 10
ping b
EOF2

t_wire "accept on a control connection is bad_state and closes it" <<'EOF2'
pair a:alice b:bob 1 ready
send b {"type":"accept","transfer":${a.transfer}}
expect b error code=bad_state message~end-to-end
expect-close b notify
expect a error code=peer_gone transfer=${a.transfer}
ping a
EOF2

t_wire "cancel is forwarded and closes the transfer's data connections" <<'EOF2'
pair a:alice b:bob 1 ready
send a {"type":"cancel","transfer":${a.transfer},"reason":"changed-my-mind"}
expect b cancel transfer=${a.transfer} reason=changed-my-mind
pair a b 1000
pump ad bd 1000
send b {"type":"cancel","transfer":${a.transfer},"reason":"stop"}
expect a cancel transfer=${a.transfer} reason=stop
expect-close ad
expect-close bd
EOF2

t_wire "peer_gone: the sender leaves an open offer" <<'EOF2'
pair a:alice b:bob 1 ready
send b {"type":"peers"}
expect b peer_list peers=alice
close a
expect b error code=peer_gone transfer=${a.transfer}
expect b peer_left ids=${a.id}
send b {"type":"decline","transfer":${a.transfer},"reason":"x"}
expect b error code=no_such_transfer
EOF2

t_wire "peer_gone: the receiver leaves mid-bridge, the data connections close" <<'EOF2'
pair a:alice b:bob 100000
pump ad bd 50000
close b
expect a error code=peer_gone transfer=${a.transfer}
expect-close ad
expect-close bd
EOF2

t_wire "a closing sender's last bytes are flushed before the receiver sees EOF" <<'EOF2'
pair a:alice b:bob 2000000
write ad 2000000 7
close ad
read bd 2000000 7
expect-close bd
EOF2

t_wire "a data connection may attach and bind before the other side's ready is read" <<'EOF2'
pair a:alice b:bob 10 offered
expect b ready
attach bd
send b {"type":"bind","transfer":${a.transfer},"slot":"${bd.slot}"}
quiet bd 200
expect a ready
attach ad
send a {"type":"bind","transfer":${a.transfer},"slot":"${ad.slot}"}
expect bd attached transfer=${a.transfer}
expect ad attached transfer=${a.transfer}
pump bd ad 10
EOF2

t_stop_relay "basic"

# A second relay, two clients at most.
t_start_relay --max-clients 2; t_ok $? "ferryd starts with --max-clients 2"
t_wire "busy at --max-clients, and room again after a leave" <<'EOF2'
connect a
hello a one
connect b
hello b two
expect a peer_joined peers=two
connect c
send c {"type":"hello","version":2,"name":"three"}
expect c error code=busy
expect-close c
close b
expect a peer_left
connect d
hello d three
EOF2
t_stop_relay "max-clients"

t_done
