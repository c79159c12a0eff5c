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
send a {"type":"offer","ref":3,"to":"nobody","files":[{"name":"x","size":1}]}
expect a error code=no_such_peer ref=3
send a {"type":"offer","ref":4,"to":"alice","files":[{"name":"x","size":1}]}
expect a error code=forbidden ref=4
ping a
EOF2

t_wire "offer, accept, ready, attach, bind: bytes are bridged and checked both ways" <<'EOF2'
connect a
hello a alice
connect b
hello b bob
expect a peer_joined peers=bob
send a {"type":"offer","ref":1,"to":"bob","files":[{"name":"one.bin","size":3000000},{"name":"two","size":0}]}
expect a offered ref=1 peer=bob transfer>T peer.key=${b.key}
expect b incoming transfer=${T} peer=alice files=one.bin,two nfiles=2 peer.key=${a.key}
send b {"type":"accept","transfer":${T}}
expect a ready transfer=${T} role=send
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

t_wire "offers reach a peer named by its address or its id" <<'EOF2'
connect a
hello a alice
connect b
hello b bob
send a {"type":"offer","ref":5,"to":"${b.addr}","files":[{"name":"f","size":1}]}
expect a offered ref=5 peer=bob
expect b incoming peer=alice
send a {"type":"offer","ref":6,"to":"${b.id}","files":[{"name":"g","size":2}]}
expect a offered ref=6 peer=bob
expect b incoming peer=alice files=g
EOF2

t_wire "only the receiver may accept; decline reaches the sender" <<'EOF2'
connect c
hello c carol
pair a:alice b:bob 1 offered
send c {"type":"accept","transfer":${a.transfer}}
expect c error code=forbidden transfer=${a.transfer}
send a {"type":"accept","transfer":${a.transfer}}
expect a error code=forbidden transfer=${a.transfer}
send c {"type":"accept","transfer":424242}
expect c error code=no_such_transfer transfer=424242
send b {"type":"decline","transfer":${a.transfer},"reason":"not-today"}
expect a decline transfer=${a.transfer} reason=not-today
send b {"type":"accept","transfer":${a.transfer}}
expect b error code=no_such_transfer
ping c
EOF2

t_wire "cancel is forwarded and closes the transfer's data connections" <<'EOF2'
pair a:alice b:bob 1 offered
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
pair a:alice b:bob 1 offered
send b {"type":"peers"}
expect b peer_list peers=alice
close a
expect b error code=peer_gone transfer=${a.transfer}
expect b peer_left ids=${a.id}
send b {"type":"accept","transfer":${a.transfer}}
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
send b {"type":"accept","transfer":${a.transfer}}
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
