#!/usr/bin/env bash
# relay_timeouts.sh: every deadline of PROTOCOL.md, shortened with ferryd's
# test flags so each expires in well under a second: no hello (or a TLS
# handshake that never ends), an offer whose data connections are never
# bound, binds that do not come, a slot nobody binds, pings and silence.
# The relay has no answer deadline (the answer travels end to end): a
# bridge outlives every one of these.
source "$(dirname "$0")/lib.bash"
source "$(dirname "$0")/relay_lib.bash"

# The deadlines stretch with FERRY_TEST_SLOW (valgrind: a TLS handshake
# alone can take longer than 400 ms there); wire reads PAST_BIND from the
# environment.
HELLO_MS=$((400 * T_SLOW)) BIND_MS=$((500 * T_SLOW)) SLOT_MS=$((700 * T_SLOW))
export PAST_BIND=$((800 * T_SLOW))
t_start_relay --hello-timeout-ms "$HELLO_MS" --bind-timeout-ms "$BIND_MS" --slot-timeout-ms "$SLOT_MS" --ping-after-ms 20000 \
    --idle-timeout-ms 40000
t_ok $? "ferryd starts with short deadlines"

t_wire "no hello in time: error idle and a close" <<'EOF2'
connect a
connect b
raw b 00000010
connect-plain s
connect-plain h
raw h 1603010200
expect a error code=idle message~hello
expect-close a notify
expect b error code=idle
expect-close b notify
expect s error code=idle message~hello
expect-close s
expect-close h
connect c
hello c in-time
EOF2
t_log_has 5 "closing with error idle: no hello within ($HELLO_MS ms|$((HELLO_MS / 1000)) s)"
t_ok $? "the relay logs the hello deadline"

t_wire "an offer nobody binds: ready at once, timeout to both at the bind deadline" <<'EOF2'
pair a:off-a b:off-b 1 offered
expect a ready transfer=${a.transfer} role=send
expect b ready transfer=${a.transfer} role=receive
expect a error code=timeout transfer=${a.transfer} message~bound
expect b error code=timeout transfer=${a.transfer}
send b {"type":"decline","transfer":${a.transfer},"reason":"x"}
expect b error code=no_such_transfer
ping a
EOF2
t_log_has 5 'transfer [0-9]+ binds expired: 0 bytes .*, 0 bytes back, [0-9.]+ s, never bridged'
t_ok $? "the relay logs the expired binds"

t_wire "a bridge has no answer deadline: it outlives the bind deadline" <<'EOF2'
pair a:ans-a b:ans-b 1000
ignore a peer_joined
ignore b peer_joined
quiet ad ${PAST_BIND}
quiet a 10
quiet b 10
pump ad bd 1000
pump bd ad 10
EOF2

t_wire "binds that do not come: timeout to both, the lone data connection closes" <<'EOF2'
pair a:tok-a b:tok-b 1 ready
attach ad
send a {"type":"bind","transfer":${a.transfer},"slot":"${ad.slot}"}
expect a error code=timeout transfer=${a.transfer} message~bound
expect b error code=timeout transfer=${a.transfer}
expect-close ad
attach bd
send b {"type":"bind","transfer":${a.transfer},"slot":"${bd.slot}"}
expect b error code=no_such_transfer transfer=${a.transfer}
ping a
EOF2

t_wire "a data connection nobody binds gets idle after its slot's deadline" <<'EOF2'
attach x
write x 1000
expect x error code=idle message~bound
expect-close x
EOF2

t_wire "a bound data connection whose partner never comes is not bridged" <<'EOF2'
pair a:half-a b:half-b 1 ready
attach bd
send b {"type":"bind","transfer":${a.transfer},"slot":"${bd.slot}"}
quiet bd 100
close bd
expect a error code=peer_gone transfer=${a.transfer}
EOF2
t_stop_relay "short deadlines"

t_start_relay --ping-after-ms 300 --idle-timeout-ms 900
t_ok $? "ferryd starts with a short ping and idle time"
t_wire "silence gets a ping; an answer keeps the connection, none closes it" <<'EOF2'
connect quiet
hello quiet quiet
connect live
hello live live
autopong off
expect quiet ping
expect live ping
send live {"type":"pong"}
expect quiet error code=idle message~silent
expect-close quiet
ping live
expect live ping
send live {"type":"pong"}
send live {"type":"peers"}
expect live peer_list npeers=0
EOF2
t_stop_relay "ping"
t_done
