#!/usr/bin/env bash
# relay_tls.sh: the control connection's TLS 1.3 (PROTOCOL.md 1.1) against
# a real ferryd: the relay presents the key it logged, clients without a
# certificate and TLS 1.2 clients are refused in the handshake (and the log
# says why), the key in welcome and in peer objects is the one each client
# presented, a hello with the same key takes its name back (error
# replaced) while another key gets name_taken, a recording of the control
# traffic holds no hello name in clear, and --tls-cert/--tls-key serve a
# certificate from a CA made here with the openssl command.
source "$(dirname "$0")/lib.bash"
source "$(dirname "$0")/relay_lib.bash"

t_start_relay --state-dir "$T_DIR/state"; t_ok $? "ferryd starts"
HOSTFPR=$(grep -o 'host key [0-9A-Z-]* in ' "$RELAY_LOG" | cut -d' ' -f3)

# --- the relay's key -----------------------------------------------------------
out="$T_DIR/fpr.out"
"$WIRE" -t "$WIRE_T" "$RELAY_ADDR" >"$out" 2>&1 <<'EOF2'
connect a
echo relay ${a.relay_fpr}
EOF2
[ -n "$HOSTFPR" ] && grep -qxF "# relay $HOSTFPR" "$out"
t_ok $? "the relay presents the host key it logged ($HOSTFPR)"

# --- who may not connect ---------------------------------------------------------
n0=$(grep -c 'TLS handshake failed' "$RELAY_LOG")
timeout 10 openssl s_client -connect "$RELAY_ADDR" -tls1_2 </dev/null \
    >"$T_DIR/tls12.out" 2>&1
st=$?
[ "$st" -ne 0 ] && grep -q 'alert protocol version' "$T_DIR/tls12.out" &&
    grep -q 'Cipher is (NONE)' "$T_DIR/tls12.out"
t_ok $? "a TLS 1.2 client is refused (openssl s_client status $st)"
t_log_has 5 'TLS handshake failed: .*(version|protocol)'
t_ok $? "the relay logs why: $(grep 'TLS handshake failed' "$RELAY_LOG" | tail -n1 | cut -d' ' -f4-)"
# TLS 1.3: the client finishes before the server has judged its
# (missing) certificate, so the refusal is the relay's alert after it.
timeout 10 openssl s_client -connect "$RELAY_ADDR" -tls1_3 -quiet \
    </dev/null >"$T_DIR/nocert.out" 2>&1
t_log_has 5 'TLS handshake failed: .*certificate'
t_ok $? "a client without a certificate fails the handshake: $(grep 'TLS handshake failed' "$RELAY_LOG" | tail -n1 | cut -d' ' -f4-)"
[ "$(grep -c 'TLS handshake failed' "$RELAY_LOG")" -ge $((n0 + 2)) ] &&
    ! grep -q 'hello from' <(sed -n "$((n0 + 1)),\$p" "$RELAY_LOG" | grep -v 'hello from "')
t_ok $? "neither got further than the handshake"

t_wire "a frame in clear where a control connection should start TLS is read as a data connection: bad_state" <<'EOF2'
connect-plain p
send p {"type":"hello","version":2,"name":"in-clear"}
expect p error code=bad_state message~TLS
expect-close p
EOF2

# --- keys in welcome and peer objects --------------------------------------------
t_wire "welcome and every peer object carry the key each client presented" <<'EOF2'
connect a
hello a alice
connect b
hello b bob
expect a peer_joined peers=bob keys=${b.key}
send b {"type":"peers"}
expect b peer_list peers=alice keys=${a.key}
pair a b 1 ready
ignore a peer_joined peer_left
EOF2

# --- the same key takes its name back --------------------------------------------
KEY="$T_DIR/alice.key"
t_wire "same key: the name is taken back (replaced); another key: name_taken" <<EOF2
connect a $KEY
hello a alice
connect b
hello b bob
send b {"type":"peers"}
expect b peer_list peers=alice keys=\${a.key}
ignore a peer_joined
pair a b 1 ready
connect c
send c {"type":"hello","version":2,"name":"alice"}
expect c error code=name_taken
expect-close c
connect a2 $KEY
hello a2 alice
expect a error code=replaced message~another
expect-close a notify
expect b error code=peer_gone transfer=\${b.transfer}
expect b peer_left ids=\${a.id}
expect b peer_joined peers=alice keys=\${a2.key} keys=\${a.key}
send a2 {"type":"peers"}
expect a2 peer_list peers=bob
ping b
EOF2
t_log_has 5 'is replaced by a new connection with its key'
t_ok $? "the relay logs the replacement"
[ "$(stat -c %a "$KEY")" = 600 ]; t_ok $? "wire made its key file 600"

# --- no name in clear ---------------------------------------------------------------
# tests/tools/tap between wire and the relay records every byte both ways.
mkdir -p "$T_DIR/tap"
t_bg "$FERRY_TOOLS/tap" "$RELAY_ADDR" "$T_DIR/tap" >"$T_DIR/tap.out"
TAPPID=$T_LAST
t_wait_for 10 grep -q '^listening on ' "$T_DIR/tap.out"
t_ok $? "the recording proxy listens"
MARK="name-marker-$RANDOM$RANDOM"
W_ADDR=$(cut -d' ' -f3 "$T_DIR/tap.out") t_wire "a transfer through the recording proxy" <<EOF2
connect a
hello a $MARK
connect b
hello b other-$MARK
pair a b 4096
pump ad bd 4096
EOF2
kill "$TAPPID" 2>/dev/null
TAP="$T_DIR/tap.all"
cat "$T_DIR"/tap/*.up "$T_DIR"/tap/*.down >"$TAP" 2>/dev/null
[ -s "$TAP" ] && ! grep -qF "$MARK" "$TAP" && ! grep -qF '"hello"' "$TAP" &&
    grep -qF '"attach"' "$TAP"
t_ok $? "the recording ($(ls "$T_DIR/tap" | wc -l) files, $(wc -c <"$TAP") bytes) holds no hello and no name in clear, only the data connections' attach"
t_stop_relay "host key"

# --- a CA-signed certificate ----------------------------------------------------
# openssl is in make deps (Makefile DEB_PKGS).
CA="$T_DIR/ca"
mkdir -p "$CA"
(
	cd "$CA" || exit 1
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
	    -nodes -keyout ca.key -out ca.pem -days 2 -subj '/CN=ferry test CA' &&
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout relay.key -out relay.csr -subj '/CN=localhost' &&
	printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >ext.cnf &&
	openssl x509 -req -in relay.csr -CA ca.pem -CAkey ca.key \
	    -CAcreateserial -days 2 -extfile ext.cnf -out relay.pem &&
	openssl req -x509 -newkey ed25519 -nodes -keyout client.key \
	    -out client.pem -days 2 -subj '/CN=client'
) >"$T_DIR/ca.out" 2>&1
t_ok $? "a CA and a relay certificate made with openssl"
chmod 600 "$CA/relay.key"
t_start_relay --tls-cert "$CA/relay.pem" --tls-key "$CA/relay.key" \
    --state-dir "$T_DIR/no-state"
t_ok $? "ferryd starts with --tls-cert and --tls-key"
CERTFPR=$(grep -o "certificate $CA/relay.pem, key [0-9A-Z-]*" "$RELAY_LOG" | awk '{print $NF}')
[ -n "$CERTFPR" ]; t_ok $? "it logs the certificate and its key's fingerprint ($CERTFPR)"
[ ! -e "$T_DIR/no-state" ]; t_ok $? "no host key is made for it"
out="$T_DIR/certfpr.out"
"$WIRE" -t "$WIRE_T" "$RELAY_ADDR" >"$out" 2>&1 <<'EOF2'
connect a
hello a over-ca
echo relay ${a.relay_fpr}
EOF2
grep -qxF "# relay $CERTFPR" "$out"
t_ok $? "a client sees the key the relay logged, and is welcomed"
timeout 10 openssl s_client -connect "$RELAY_ADDR" -servername localhost \
    -CAfile "$CA/ca.pem" -verify_return_error -cert "$CA/client.pem" \
    -key "$CA/client.key" </dev/null >"$T_DIR/ca-verify.out" 2>&1
grep -q 'Verify return code: 0 (ok)' "$T_DIR/ca-verify.out"
t_ok $? "the chain verifies against the CA for localhost"
t_stop_relay "certificate"

# one_line_exit WHAT CODE ARGS...: ferryd exits CODE with one line that says WHY.
one_line_exit() {
	local what=$1 code=$2 why=$3 err st
	shift 3
	err=$(timeout 10 "$FERRYD" --listen 127.0.0.1:0 "$@" 2>&1 >/dev/null); st=$?
	[ "$st" -eq "$code" ] && [ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] &&
	    grep -q "^ferryd: .*$why" <<<"$err"
	t_ok $? "$what: one line, exit $code ($err)"
}
chmod 644 "$CA/relay.key"
one_line_exit "a certificate key others can read" 1 "others may read" \
    --tls-cert "$CA/relay.pem" --tls-key "$CA/relay.key"
chmod 600 "$CA/relay.key"
one_line_exit "a certificate file that is not there" 1 "nothing.pem" \
    --tls-cert "$CA/nothing.pem" --tls-key "$CA/relay.key"
one_line_exit "a key that is not the certificate's" 1 "ca.key" \
    --tls-cert "$CA/relay.pem" --tls-key "$CA/ca.key"
one_line_exit "--tls-cert alone" 2 "go together" --tls-cert "$CA/relay.pem"
one_line_exit "--tls-key alone" 2 "go together" --tls-key "$CA/relay.key"
# --- busy before TLS ----------------------------------------------------------------
# At the cap of connections that have not said hello (64 at least), the next
# one is refused before the relay reads a byte: error{busy} in clear.
t_start_relay --max-clients 1; t_ok $? "ferryd starts with --max-clients 1"
fds_idle=$(ls /proc/"$RELAY_PID"/fd | wc -l)
relay_fds_at_most() { [ "$(ls /proc/"$RELAY_PID"/fd | wc -l)" -le "$1" ]; }
t_wire "past the cap of unknown connections (64, unbound slots included): busy in clear, before any TLS" <<'EOF2'
connect-many quiet 60 plain
attach d0
attach d1
attach d2
attach d3
connect-plain late
expect late error code=busy
expect-close late
EOF2
# The refused connections are gone once the relay holds no more descriptors
# than before them; then a client is served again.
t_wait_for 10 relay_fds_at_most "$fds_idle"
t_ok $? "the relay closed every refused connection (back to $fds_idle descriptors)"
t_wire "after the busy spell, a client is served again" <<'EOF2'
connect a
hello a after-busy
EOF2
t_stop_relay "busy"

out=$("$FERRYD" --help 2>&1)
grep -q -- '--tls-cert FILE' <<<"$out" && grep -q -- '--tls-key FILE' <<<"$out"
t_ok $? "--help names --tls-cert and --tls-key"
t_done
