#!/usr/bin/env bash
# relay_lifecycle.sh: ferryd as a program: flags, errors on start, the log
# line format, IPv6, and a graceful stop that tells every client.
source "$(dirname "$0")/lib.bash"
source "$(dirname "$0")/relay_lib.bash"

out=$("$FERRYD" --help 2>&1); st=$?
[ $st -eq 0 ] && grep -q -- '--listen' <<<"$out" && grep -q -- '--max-clients' <<<"$out"
t_ok $? "--help prints usage and exits 0"
out=$("$FERRYD" --version 2>&1); st=$?
[ $st -eq 0 ] && grep -qE '^ferryd [0-9]+\.[0-9]+\.[0-9]+ \(protocol 2\)$' <<<"$out"
t_ok $? "--version prints the version and the protocol"

# one_line_exit2 WHAT ARGS...: exits 2 with exactly one line on stderr.
one_line_exit2() {
	local what=$1 err st
	shift
	err=$(timeout 10 "$FERRYD" "$@" 2>&1 >/dev/null); st=$?
	[ "$st" -eq 2 ] && [ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] &&
	    grep -q '^ferryd: ' <<<"$err"
	t_ok $? "$what: one line, exit 2 ($err)"
}
one_line_exit2 "an unknown flag" --bogus
one_line_exit2 "a missing value" --listen
one_line_exit2 "a bad log level" --log-level loud
one_line_exit2 "a bad client count" --max-clients 0
one_line_exit2 "a stray argument" extra
one_line_exit2 "an address without a port" --listen 127.0.0.1
one_line_exit2 "a bad IPv6 address" --listen '[::zz]:1'

t_start_relay; t_ok $? "ferryd starts"
one_line_exit2 "a port in use" --listen "127.0.0.1:$RELAY_PORT"

t_wire "clients connect and say hello" <<'EOF2'
connect a
hello a logged
EOF2
grep -qE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z info 127\.0\.0\.1:[0-9]+ connected$' "$RELAY_LOG"
t_ok $? "a log line has a timestamp, the level and the peer's address"
t_log_has 5 'info 127\.0\.0\.1:[0-9]+ hello from "logged": id [0-9]+, key [0-9A-Z]{4}(-[0-9A-Z]{4}){3}$'
t_ok $? "hello is logged"
t_log_has 5 'disconnected: logged \(id [0-9]+\)'
t_ok $? "the disconnect is logged"

# SIGTERM while clients are connected: each hears shutdown and is closed.
out="$T_DIR/shutdown.out"
W_ADDR=$RELAY_ADDR t_wire_bg "$out" <<EOF2
connect a
hello a stay-a
connect b
hello b stay-b
connect n
attach d
kill $RELAY_PID TERM
expect a error code=shutdown
expect-close a notify
expect b error code=shutdown
expect-close b notify
expect n error code=shutdown
expect-close n notify
expect d error code=shutdown
expect-close d
EOF2
wpid=$T_LAST
t_wait_exit "$wpid" 30; st=$T_STATUS
[ "$st" -ne 0 ] && sed 's/^/#   /' "$out"
t_ok "$st" "SIGTERM: every client gets error{shutdown} (inside TLS, then close_notify) and a close"
t_wait_exit "$RELAY_PID" 30; st=$T_STATUS
[ "$st" -ne 0 ] && { t_diag "status $st"; tail -n 20 "$RELAY_LOG" | sed 's/^/#   /'; }
t_ok "$st" "ferryd exits 0 after SIGTERM"
! grep -qE 'Sanitizer|runtime error:' "$RELAY_LOG"
t_ok $? "no sanitizer report after the graceful stop"
t_log_has 1 'stopped$'; t_ok $? "ferryd logs that it stopped"

# SIGINT with nobody connected.
t_start_relay; t_ok $? "ferryd starts again"
kill -INT "$RELAY_PID"
t_wait_exit "$RELAY_PID" 20; t_ok "$T_STATUS" "SIGINT: exit 0"

# Out of file descriptors: connections beyond the limit are dropped, the
# relay keeps running and serves again once the flood is gone.
T_RELAY_WRAP=(bash -c 'ulimit -n 40 && exec "$@"' ferryd)
# 8 in reserve (of the default 32 none would be left): past them busy, past
# the limit libuv drops what it cannot accept.
t_start_relay --fd-reserve 8
t_ok $? "ferryd starts with 40 file descriptors"
T_RELAY_WRAP=()
t_wire "past the descriptor limit the relay survives and serves again" <<'EOF2'
connect-many flood 80 plain
sleep 300
close flood*
sleep 300
connect good
hello good after-flood
ping good
EOF2
t_stop_relay "EMFILE"

# IPv6, when the host has ::1.
if python3 -c 'import socket; s=socket.socket(socket.AF_INET6); s.bind(("::1", 0))' 2>/dev/null ||
   ip -6 addr show lo 2>/dev/null | grep -q '::1'; then
	T_RELAY_LISTEN='[::1]:0' t_start_relay --log-level info &&
	    [[ $RELAY_ADDR =~ ^\[::1\]:[0-9]+$ ]]
	t_ok $? "--listen [::1]:0 listens on IPv6"
	t_wire "a client over IPv6 sees its [v6]:port address" <<'EOF2'
connect a
send a {"type":"hello","version":2,"name":"six"}
expect a welcome addr~[::1]:
EOF2
	t_stop_relay "IPv6"
else
	echo "ok $((T_N + 1)) - # SKIP no IPv6 loopback"; T_N=$((T_N + 1))
fi
t_done
