#!/usr/bin/env bash
# relay_metrics.sh: ferryd --metrics-listen: GET /metrics answers the
# Prometheus text format (0.0.4) whose values follow what the relay did
# (clients that said hello, a transfer pumped through wire, an error code
# sent, busy in clear), other requests get 404/405/431/400, and it faces
# a hostile client: 20 idle connections (only 16 are kept, each for at most
# 5 s) neither stop the relay serving a bystander nor the endpoint after.
# Metrics are fetched with bash's /dev/tcp.
source "$(dirname "$0")/lib.bash"
source "$(dirname "$0")/relay_lib.bash"

t_start_relay --metrics-listen 127.0.0.1:0; t_ok $? "ferryd starts with --metrics-listen 127.0.0.1:0"
t_wait_for 10 grep -q 'metrics on 127\.0\.0\.1:[0-9]' "$RELAY_LOG"
t_ok $? "the log names the metrics port it chose"
MPORT=$(grep -o 'metrics on [^ ]*' "$RELAY_LOG" | head -n1 | sed 's/.*://')
M_OUT="$T_DIR/metrics.out"

# m_req REQUEST: sends REQUEST (printf format) to the endpoint and puts the
# whole answer, up to the relay's close, into $M_OUT (10 s at most).
m_req() {
	local fd
	: >"$M_OUT"
	exec {fd}<>"/dev/tcp/127.0.0.1/$MPORT" || return 1
	# In a subshell: a write the relay refuses must not SIGPIPE the script.
	( printf "$1" >&"$fd" ) 2>/dev/null
	timeout 10 cat <&"$fd" >"$M_OUT"
	exec {fd}<&-
	[ -s "$M_OUT" ]
}
m_get() { m_req "GET $1 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"; }
# m_val 'NAME{LABELS}': the value of one series in the last answer.
m_val() { grep -F "$1 " "$M_OUT" | grep -v '^#' | head -n1 | awk '{print $2}'; }
# m_is SERIES VALUE: a fresh GET /metrics shows it (for t_wait_for).
m_is() { m_get /metrics && [ "$(m_val "$1")" = "$2" ]; }
m_show() { t_diag "$1 = $(m_val "$1")"; }

m_get /metrics
head -n1 "$M_OUT" | grep -q '^HTTP/1\.1 200 '
t_ok $? "GET /metrics: 200"
grep -qi '^Content-Type: text/plain; version=0\.0\.4' "$M_OUT"
t_ok $? "... with Content-Type text/plain; version=0.0.4"
st=0
for n in ferry_clients ferry_connections ferry_rooms ferry_transfers_active \
    ferry_transfers_total ferry_bytes_bridged_total ferry_refusals_total \
    ferry_resident_memory_bytes ferry_uptime_seconds; do
	grep -q "^# HELP $n " "$M_OUT" && grep -q "^# TYPE $n " "$M_OUT" &&
	    grep -qE "^$n(\{[^}]*\})? [0-9]" "$M_OUT" ||
	    { t_diag "missing or bare: $n"; st=1; }
done
t_ok $st "each of the nine metrics has # HELP, # TYPE and a value"
[ "$(m_val ferry_clients)" = 0 ] && [ "$(m_val ferry_transfers_total'{outcome="done"}')" = 0 ]
t_ok $? "a fresh relay: 0 clients, 0 transfers done"
rss=$(m_val ferry_resident_memory_bytes)
kb=$(awk '/^VmRSS:/ {print $2}' "/proc/$RELAY_PID/status")
# Both read the same counter a moment apart: within a factor of two.
[ "$rss" -gt $((kb * 512)) ] && [ "$rss" -lt $((kb * 2048)) ]
t_ok $? "ferry_resident_memory_bytes ($rss) matches VmRSS (${kb} kB)"

# Two clients say hello and stay until the check is done.
HOLD="$T_DIR/hold.out"
t_wire_bg "$HOLD" <<'EOF2'
connect a
hello a alice
connect b
hello b bob
echo both said hello
sleep 30000
EOF2
HOLD_PID=$T_LAST
t_wait_for 15 grep -q 'both said hello' "$HOLD"
m_get /metrics
m_show ferry_clients; m_show ferry_connections
[ "$(m_val ferry_clients)" = 2 ] && [ "$(m_val ferry_connections)" -ge 2 ]
t_ok $? "two wire clients said hello: ferry_clients 2, ferry_connections >= 2"
t_stop "$HOLD_PID"
t_wait_for 10 m_is ferry_clients 0
t_ok $? "... and 0 again once they are gone"

# A transfer: 1 MiB pumped each way and 1000 bytes back, then the data
# connections close; the control ones stay until the relay counted it done.
N=1048576
XFER="$T_DIR/xfer.out"
t_wire_bg "$XFER" <<EOF2
pair a b $N
pump ad bd $N 7
pump bd ad 1000 8
close ad
close bd
echo data closed
sleep 30000
EOF2
XFER_PID=$T_LAST
t_wait_for 15 grep -q 'data closed' "$XFER"
t_ok $? "wire pumped a transfer through the relay"
t_wait_for 10 m_is ferry_transfers_total'{outcome="done"}' 1
t_ok $? "ferry_transfers_total{outcome=\"done\"} 1 after the transfer"
m_show ferry_bytes_bridged_total
tot=0
for o in done failed cancelled declined; do
	tot=$((tot + $(m_val ferry_transfers_total"{outcome=\"$o\"}")))
done
[ "$tot" = 1 ] && [ "$(m_val ferry_transfers_active)" = 0 ]
t_ok $? "one transfer in all outcomes together, none active"
[ "$(m_val ferry_bytes_bridged_total)" -ge $((N + 1000)) ]
t_ok $? "ferry_bytes_bridged_total >= the $((N + 1000)) bytes pumped"
t_stop "$XFER_PID"
[ "$(grep -cE 'transfer [0-9]+ done: ' "$RELAY_LOG")" = 1 ] &&
    grep -E 'transfer [0-9]+ done: ' "$RELAY_LOG" |
    grep -qE "done: $N bytes a -> b, 1000 bytes back, [0-9.]+ s"
t_ok $? "exactly one log line for the finished transfer: outcome, bytes both ways, duration"
grep -E 'transfer [0-9]+ done: ' "$RELAY_LOG" | sed 's/^/#   /'

t_wire "an offer to an id nobody has gets no_such_peer" <<'EOF2'
connect a
hello a alice
send a {"type":"offer","ref":3,"to":424242,"count":1,"size":1}
expect a error code=no_such_peer ref=3
EOF2
m_get /metrics
[ "$(m_val 'ferry_refusals_total{code="no_such_peer"}')" = 1 ]
t_ok $? "ferry_refusals_total{code=\"no_such_peer\"} 1"

m_get /nope
head -n1 "$M_OUT" | grep -q '^HTTP/1\.1 404 '
t_ok $? "GET /nope: 404"
m_req "POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"
head -n1 "$M_OUT" | grep -q '^HTTP/1\.1 405 '
t_ok $? "POST /metrics: 405"
m_req "GET /metrics HTTP/1.1\r\nX-Junk: $(head -c 9000 /dev/zero | tr '\0' a)\r\n\r\n"
head -n1 "$M_OUT" | grep -qE '^HTTP/1\.1 (431|400) '
t_ok $? "a 9000-byte request head: refused after 8 KiB ($(head -n1 "$M_OUT" | tr -d '\r'))"
m_req "\x16\x03\x01\x02\x00garbage\r\n\r\n"
head -n1 "$M_OUT" | grep -q '^HTTP/1\.1 400 '
t_ok $? "bytes that are no HTTP request: 400"

# Hostile: 20 connections that send nothing.
fds0=$(ls "/proc/$RELAY_PID/fd" | wc -l)
kb0=$(awk '/^VmRSS:/ {print $2}' "/proc/$RELAY_PID/status")
IDLE=()
t0=$(t_now_ms)
for i in $(seq 1 20); do
	exec {fd}<>"/dev/tcp/127.0.0.1/$MPORT" && IDLE+=("$fd")
done
# The four past 16 are closed at once: EOF comes well before the 5 s deadline.
early=0
for fd in "${IDLE[@]:16}"; do
	timeout 3 cat <&"$fd" >/dev/null && early=$((early + 1))
done
t_diag "20 idle metrics connections: $early of the last 4 closed at once"
[ "$early" = 4 ]
t_ok $? "connections past 16 are closed at once"
fds1=$(ls "/proc/$RELAY_PID/fd" | wc -l)
kb1=$(awk '/^VmRSS:/ {print $2}' "/proc/$RELAY_PID/status")
t_diag "relay descriptors $fds0 -> $fds1, VmRSS $kb0 -> $kb1 kB with the 16 held"
[ $((fds1 - fds0)) -le 16 ]
t_ok $? "the relay holds at most 16 metrics connections ($((fds1 - fds0)) more descriptors)"
t_wire "a bystander is served while 16 metrics connections are held" <<'EOF2'
connect z
hello z zed
ping z
ping z
EOF2
# A 17th now is closed without an answer.
! m_get /metrics
t_ok $? "while 16 are held, another metrics connection gets no answer"
# The deadline: the relay closes the held ones within its 5 s.
closed=0
for fd in "${IDLE[@]:0:16}"; do
	timeout 10 cat <&"$fd" >/dev/null && closed=$((closed + 1))
done
t1=$(t_now_ms)
for fd in "${IDLE[@]}"; do exec {fd}<&-; done
t_diag "the 16 held ones closed by the relay: $closed, $((t1 - t0)) ms after opening"
[ "$closed" = 16 ]
t_ok $? "the relay closes idle metrics connections at its deadline"
t_wait_for 10 m_get /metrics
head -n1 "$M_OUT" | grep -q '^HTTP/1\.1 200 '
t_ok $? "the metrics endpoint answers again afterwards"
kill -0 "$RELAY_PID"
t_ok $? "ferryd still runs"
# A metrics connection still open at SIGTERM is closed with the rest.
exec {held}<>"/dev/tcp/127.0.0.1/$MPORT"
t_stop_relay "metrics, one metrics connection open"
exec {held}<&-

# A non-loopback metrics address is allowed with a warning (192.0.2.1 is
# TEST-NET, on no interface here: the bind fails after the warning, so no
# test listens beyond 127.0.0.1); a bad one is fatal.
out=$("$FERRYD" --listen 127.0.0.1:0 --metrics-listen 192.0.2.1:0 2>&1 >/dev/null)
st=$?
echo "$out" | grep -q 'metrics on 192.0.2.1:0 are not authenticated' &&
    [ "$st" = 1 ] && echo "$out" | grep -q '^ferryd: --metrics-listen: cannot listen for metrics on 192.0.2.1:0'
t_ok $? "a non-loopback metrics address: the unauthenticated warning; failing to bind it: exit 1 ($st)"
echo "$out" | grep -E 'not authenticated|^ferryd:' | sed 's/^/#   /'

t_start_relay --metrics-listen 127.0.0.1:0 --max-per-addr 1
MPORT=$(grep -o 'metrics on [^ ]*' "$RELAY_LOG" | head -n1 | sed 's/.*://')
# The busy said in clear at admission counts with the other refusals.
t_wire "a second connection from one address hears busy (--max-per-addr 1)" <<'EOF2'
connect-plain x
connect-plain y
expect y error code=busy
expect-close y
EOF2
m_get /metrics
[ "$(m_val 'ferry_refusals_total{code="busy"}')" = 1 ]
t_ok $? "ferry_refusals_total{code=\"busy\"} 1: the busy said in clear is counted"
t_stop_relay "metrics, --max-per-addr 1"
out=$("$FERRYD" --listen 127.0.0.1:0 --metrics-listen 127.0.0.1:notaport 2>&1 >/dev/null)
st=$?
[ "$st" = 1 ] && echo "$out" | grep -q '^ferryd: --metrics-listen: bad address'
t_ok $? "a bad metrics address: exit 1 ($st) with one line: $(echo "$out" | grep '^ferryd:')"
"$FERRYD" --help | grep -q -- '--metrics-listen HOST:PORT'
t_ok $? "--help lists --metrics-listen"

echo "1..$T_N"
t_done
