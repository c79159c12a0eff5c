#!/usr/bin/env bash
# client_cli.sh: the ferry command line: help, version, usage errors (exit
# 2), an unreachable relay (exit 1, one clear line), `ferry peers` listing
# the other peers live, a taken name, an unknown peer, unreadable files.
source "$(dirname "$0")/lib.bash"
source "$(dirname "$0")/client_lib.bash"

"$FERRY" --help >"$T_DIR/help" 2>&1
t_ok $? "--help exits 0"
t_check "--help lists the commands" grep -q 'send --to PEER FILE' "$T_DIR/help"
"$FERRY" --version >"$T_DIR/version" 2>&1
t_ok $? "--version exits 0"
t_check "--version names ferry" grep -q '^ferry ' "$T_DIR/version"

usage() {	# usage WHAT ARGS...: exit status 2 and one "ferry: " line first
	local what=$1; shift
	"$FERRY" "$@" >"$T_DIR/u.out" 2>"$T_DIR/u.err"
	local st=$?
	[ "$st" -eq 2 ] && head -n1 "$T_DIR/u.err" | grep -q '^ferry: ' &&
	    [ ! -s "$T_DIR/u.out" ]
	t_ok $? "usage error exits 2: $what"
}
usage "unknown option" --bogus peers
usage "unknown command" frobnicate
usage "send without --to" send /etc/hostname
usage "send without files" send --to bob
usage "--count not a number" receive --count many
usage "--count zero" receive --count 0
usage "--server without a value" peers --server
usage "bad --limit-rate" send --to bob --limit-rate fast /etc/hostname
usage "peers with an argument" peers extra
usage "bad relay address" --server nocolon peers

# Port 1 on 127.0.0.1: nothing listens there.
"$FERRY" --server 127.0.0.1:1 peers >"$T_DIR/o" 2>"$T_DIR/e"
t_ok $(( $? == 1 ? 0 : 1 )) "unreachable relay exits 1"
t_check "unreachable relay says so" err_is "$T_DIR/e" \
    "ferry: cannot reach relay 127.0.0.1:1: connection refused"
FERRY_SERVER=127.0.0.1:1 "$FERRY" send --to bob /etc/hostname >"$T_DIR/o" 2>"$T_DIR/e"
t_ok $(( $? == 1 ? 0 : 1 )) "\$FERRY_SERVER is used, send exits 1"
t_check "send names the relay it could not reach" err_is "$T_DIR/e" \
    "ferry: cannot reach relay 127.0.0.1:1: connection refused"

t_start_relay || { t_ok 1 "relay starts"; t_done; exit; }

"$FERRY" peers --name alice >"$T_DIR/p0" 2>"$T_DIR/e"
t_ok $? "peers on an empty relay exits 0"
t_check "and prints nothing" test ! -s "$T_DIR/p0"

start_receiver bob "$T_DIR/bob"
t_ok $? "bob shows up in the list"
BOB=$RX_PID
start_receiver "carol 🚢" "$T_DIR/carol"
t_ok $? "a UTF-8 name shows up in the list"
CAROL=$RX_PID

"$FERRY" peers --name alice >"$T_DIR/p1" 2>"$T_DIR/e"
t_ok $? "peers exits 0"
# Every client here has the test's one identity: its fingerprint, computed by openssl.
fpr=$(t_fingerprint "$XDG_CONFIG_HOME/ferry/identity.pem")
short="${fpr:0:4}-${fpr:4:4}-${fpr:8:4}-${fpr:12:4}"
t_check "peers prints NAME<TAB>HOST:PORT<TAB>FINGERPRINT" \
    grep -qE $'^bob\t127\\.0\\.0\\.1:[0-9]+\t'"$short\$" "$T_DIR/p1"
t_check "peers lists carol" grep -qE $'^carol 🚢\t127\\.0\\.0\\.1:[0-9]+\t'"$short\$" "$T_DIR/p1"
t_check "peers does not list itself" bash -c "! grep -q '^alice' '$T_DIR/p1'"
t_check "peers lists exactly the others" test "$(wc -l <"$T_DIR/p1")" -eq 2

# Sending to a peer by HOST:PORT as peers shows it.
addr=$(grep '^bob' "$T_DIR/p1" | cut -f2)
echo "by address" >"$T_DIR/addr.txt"
"$FERRY" send --name alice --to "$addr" "$T_DIR/addr.txt" >"$T_DIR/s.out" 2>"$T_DIR/s.err"
t_ok $? "send --to HOST:PORT works"
t_check "bob got it" check_saved "$T_DIR/bob.out" addr.txt "$T_DIR/addr.txt" alice "$T_DIR/bob"

# A name is taken by another key; the same key takes it back (below).
"$FERRY" peers --name bob --identity "$T_DIR/other.pem" >"$T_DIR/o" 2>"$T_DIR/e0"
t_ok $(( $? == 1 ? 0 : 1 )) "a name taken by another key exits 1"
grep -v '^ferry: created a new identity' "$T_DIR/e0" >"$T_DIR/e"
t_check "a taken name is explained" err_is "$T_DIR/e" \
    "ferry: the name \"bob\" is already taken on relay $RELAY_ADDR"

"$FERRY" send --name alice --to nobody /etc/hostname >"$T_DIR/o" 2>"$T_DIR/e"
t_ok $(( $? == 1 ? 0 : 1 )) "send to an unknown peer exits 1"
t_check "an unknown peer is explained" err_is "$T_DIR/e" \
    "ferry: there is no peer \"nobody\" on the relay $RELAY_ADDR"

"$FERRY" send --name alice --to bob "$T_DIR/missing" >"$T_DIR/o" 2>"$T_DIR/e"
t_ok $(( $? == 1 ? 0 : 1 )) "a missing file exits 1"
t_check "a missing file is explained" err_is "$T_DIR/e" \
    "ferry: cannot read $T_DIR/missing: no such file or directory"
# A FIFO with no writer would block open(2) forever: refused at once.
mkfifo "$T_DIR/pipe"
timeout 20 "$FERRY" send --name alice --to bob "$T_DIR/pipe" >"$T_DIR/o" 2>"$T_DIR/e"
t_ok $(( $? == 1 ? 0 : 1 )) "a FIFO exits 1 at once instead of hanging"
t_check "a FIFO is explained" err_is "$T_DIR/e" \
    "ferry: $T_DIR/pipe is a FIFO (named pipe); ferry sends regular files and folders"
timeout 20 "$FERRY" send --name alice --to bob /dev/null >"$T_DIR/o" 2>"$T_DIR/e"
t_ok $(( $? == 1 ? 0 : 1 )) "a device exits 1"
t_check "a device is explained" err_is "$T_DIR/e" \
    "ferry: /dev/null is a device; ferry sends regular files and folders"
printf 'fine\n' >"$T_DIR/good.txt"
# Every problem of a batch at once, so it can be fixed in one go.
timeout 20 "$FERRY" send --name alice --to bob "$T_DIR/good.txt" "$T_DIR/missing" \
    "$T_DIR/pipe" /dev/null >"$T_DIR/o" 2>"$T_DIR/e"
t_ok $(( $? == 1 ? 0 : 1 )) "a batch with three bad paths exits 1"
t_check "and names all three in one line" err_is "$T_DIR/e" \
    "ferry: 3 of the 4 files cannot be sent: $T_DIR/missing (no such file or directory), $T_DIR/pipe (a FIFO (named pipe)), /dev/null (a device)"

"$FERRY" receive --name dave --dir "$T_DIR/nope" >"$T_DIR/o" 2>"$T_DIR/e"
t_ok $(( $? == 1 ? 0 : 1 )) "receive into a missing folder exits 1"
t_check "and says so" err_is "$T_DIR/e" "ferry: $T_DIR/nope is not a folder"

# Leaving is pushed: carol goes, the list follows.
kill -INT "$CAROL"
t_check "carol exits 0 on SIGINT when idle" exited "$CAROL" 0 10
t_check "carol left the list" t_wait_for 10 not_listed "carol 🚢"
kill -INT "$BOB"
t_check "bob exits 0 on SIGINT when idle" exited "$BOB" 0 10
t_check "bob's stderr stayed quiet" quiet "$T_DIR/bob.err"

# The same key takes its name back at once (a restart after a crash), and
# the connection it replaces is told why and does not fight back.
start_receiver dave "$T_DIR/dave"
t_ok $? "dave is listed"
DAVE=$RX_PID
mkdir -p "$T_DIR/dave2"
t_bg "$FERRY" receive --name dave --dir "$T_DIR/dave2" >"$T_DIR/dave2.out" 2>"$T_DIR/dave2.err"
RX_PID=$T_LAST
t_check "the first dave exits 1" exited "$DAVE" 1 10
t_check "and says another ferry with its key took the name" err_is "$T_DIR/dave.err" \
    "ferry: another ferry with your key took the name \"dave\" on relay $RELAY_ADDR"
t_check "the new dave is listed" t_wait_for 10 listed dave
t_check "and quiet" quiet "$T_DIR/dave2.err"
kill -INT "$RX_PID"
t_check "the new dave exits 0 on SIGINT" exited "$RX_PID" 0 10

# A relay that takes the TCP connection and never answers (stopped: the
# kernel still completes the handshake): FERRY_CONNECT_TIMEOUT=1 gives up
# after a second, where the default would wait 10.
kill -STOP "$RELAY_PID"
t0=$(t_now_ms)
FERRY_CONNECT_TIMEOUT=1 "$FERRY" peers >"$T_DIR/to.out" 2>"$T_DIR/to.err"; st=$?
t1=$(t_now_ms)
kill -CONT "$RELAY_PID"
t_diag "ferry peers against a stopped relay: exit $st after $((t1 - t0)) ms: $(cat "$T_DIR/to.err")"
[ "$st" -ne 0 ] && grep -q "cannot reach relay $RELAY_ADDR: timed out" "$T_DIR/to.err" &&
    [ $((t1 - t0)) -lt $((8000 * T_SLOW)) ]
t_ok $? "FERRY_CONNECT_TIMEOUT=1: ferry peers gives up on a silent relay with 'timed out', before the default 10 s"
t_done
