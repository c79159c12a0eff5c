#!/usr/bin/env bash
# client_relay_trust.sh: how a client decides to trust a relay, and what
# the network sees. First contact pins the relay's key in known_relays
# (the fingerprint computed by openssl alone), later contacts are silent,
# a relay with another key on the same address is refused loudly before a
# byte of ours goes inside the session (the relay never learns our name)
# and nothing is sent or received; --relay-fingerprint accepts only its
# key and re-pins on the user's word. A CA-signed certificate for a DNS
# name (a test CA made with openssl, trusted through SSL_CERT_FILE) needs
# no pin; without the CA the same relay falls back to pinning. A recording
# proxy between clients and relay finds no peer name, file name or content
# marker on any connection, control or data, and no secret on any.
source "$(dirname "$0")/lib.bash"
source "$(dirname "$0")/client_lib.bash"

T_NO_PIN=1
pins=$XDG_CONFIG_HOME/ferry/known_relays
short() { echo "${1:0:4}-${1:4:4}-${1:8:4}-${1:12:4}"; }

t_start_relay || { t_ok 1 "relay starts"; t_done; exit; }
fpr=$(t_fingerprint "$STATE_DIRECTORY/host_key.pem")
t_check "the relay logs the short fingerprint openssl computes for its key" \
    grep -q "host key $(short "$fpr") in $STATE_DIRECTORY/host_key.pem" "$RELAY_LOG"

"$FERRY" peers --name probe1 >"$T_DIR/o" 2>"$T_DIR/e"
t_ok $? "first contact: peers exits 0"
t_check "it says so once, with the key and where it is pinned" err_is "$T_DIR/e" \
    "ferry: first contact with relay $RELAY_ADDR: its key $(short "$fpr") is now pinned in $pins"
t_check "known_relays holds the address and the whole fingerprint" \
    test "$(cat "$pins")" = "$RELAY_ADDR $fpr"
t_check "known_relays is 600" test "$(stat -c %a "$pins")" = 600
"$FERRY" peers --name probe2 >"$T_DIR/o" 2>"$T_DIR/e"
t_ok $? "second contact exits 0"
t_check "and is silent" test ! -s "$T_DIR/e"

# The same address, another key: someone in the middle, or a new relay.
start_receiver bob "$T_DIR/bob"
t_ok $? "bob is listed"
BOB=$RX_PID
t_stop "$BOB" 5 INT
t_stop "$RELAY_PID"
cp "$pins" "$T_DIR/pins.before"
old_addr=$RELAY_ADDR
T_RELAY_LISTEN=$old_addr t_start_relay --state-dir "$T_DIR/other-state" ||
    { t_ok 1 "a relay with another key starts on the same address"; t_done; exit; }
fpr2=$(t_fingerprint "$T_DIR/other-state/host_key.pem")
t_check "it has another key" test "$fpr2" != "$fpr"
mkdir -p "$T_DIR/rx2"
"$FERRY" receive --name carol-$$-marker --dir "$T_DIR/rx2" --count 1 >"$T_DIR/o" 2>"$T_DIR/e"
t_ok $(( $? == 1 ? 0 : 1 )) "receive from the relay with the changed key exits 1"
t_check "it says loudly that the key changed, and both keys" bash -c '
	grep -q "^ferry: THE KEY OF RELAY $1 HAS CHANGED; not connecting." "$2" &&
	grep -q "pinned: $3 ($4 line 1)" "$2" && grep -q "now:    $5" "$2" &&
	grep -q -- "--relay-fingerprint" "$2" && grep -q "delete line 1 of $4" "$2"' \
    _ "$RELAY_ADDR" "$T_DIR/e" "$fpr" "$pins" "$fpr2"
t_check "known_relays is unchanged" cmp -s "$pins" "$T_DIR/pins.before"
t_check "nothing was received" test -z "$(ls -A "$T_DIR/rx2")"
t_check "the relay never learnt the name (no hello reached it)" \
    bash -c '! grep -q "carol-$1-marker" "$2"' _ $$ "$RELAY_LOG"
echo "secret" >"$T_DIR/s.txt"
"$FERRY" send --name alice --to bob "$T_DIR/s.txt" >"$T_DIR/o" 2>"$T_DIR/e"
t_ok $(( $? == 1 ? 0 : 1 )) "send through the changed relay exits 1 too"
t_check "with the same warning" grep -q "HAS CHANGED" "$T_DIR/e"

"$FERRY" peers --name probe3 --relay-fingerprint "$(short "$fpr")" >"$T_DIR/o" 2>"$T_DIR/e"
t_ok $(( $? == 1 ? 0 : 1 )) "--relay-fingerprint with the old key exits 1"
t_check "it names the key the relay showed" \
    grep -q "relay $RELAY_ADDR showed the key $fpr2, not the one --relay-fingerprint names" "$T_DIR/e"
"$FERRY" peers --name probe3 --relay-fingerprint "$(short "$fpr2" | tr A-Z a-z)" >"$T_DIR/o" 2>"$T_DIR/e"
t_ok $? "--relay-fingerprint with the new key (short, lower case) exits 0"
t_check "and says the new key is pinned" grep -q "its new key $(short "$fpr2") is pinned in $pins" "$T_DIR/e"
t_check "known_relays now holds the new key only" test "$(cat "$pins")" = "$RELAY_ADDR $fpr2"
"$FERRY" peers --name probe4 >"$T_DIR/o" 2>"$T_DIR/e"
t_ok $? "afterwards the relay is known"
t_check "and silent" test ! -s "$T_DIR/e"
"$FERRY" peers --relay-fingerprint XYZ >"$T_DIR/o" 2>"$T_DIR/e"
t_ok $(( $? == 2 || $? == 1 ? 0 : 1 )) "a fingerprint that is not one is refused"
t_check "with a line that says what one looks like" grep -q "not a fingerprint" "$T_DIR/e"
t_stop "$RELAY_PID"

# A CA-signed certificate for a DNS name. The CA is ours, trusted only
# through SSL_CERT_FILE; the relay's key is EC, not Ed25519.
ca=$T_DIR/ca
mkdir -p "$ca"
(
	cd "$ca" || exit 1
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout ca.key -out ca.pem -days 2 -subj /CN=ferry-test-ca
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout relay.key -out relay.csr -subj /CN=localhost
	printf 'subjectAltName=DNS:localhost\n' >ext
	openssl x509 -req -in relay.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
	    -days 2 -extfile ext -out relay.pem
	chmod 600 relay.key
) >"$T_DIR/openssl.log" 2>&1
t_ok $? "a test CA and a certificate for localhost are made"
chmod 644 "$ca/relay.key"
"$FERRYD" --listen 127.0.0.1:0 --tls-cert "$ca/relay.pem" --tls-key "$ca/relay.key" \
    >"$T_DIR/o" 2>"$T_DIR/e"
t_ok $(( $? == 1 ? 0 : 1 )) "ferryd refuses a certificate key others can read"
t_check "with the chmod that fixes it" grep -q "chmod 600" "$T_DIR/e"
chmod 600 "$ca/relay.key"
t_start_relay --tls-cert "$ca/relay.pem" --tls-key "$ca/relay.key" ||
    { t_ok 1 "ferryd starts with the certificate"; t_done; exit; }
spki=$(openssl pkey -in "$ca/relay.key" -pubout -outform DER | openssl dgst -sha256 -binary |
    base32 -w0 | tr -d = | tr 'A-Z2-7' '0-9A-HJKMNP-TV-Z')
t_check "ferryd logs the certificate and its key's fingerprint" \
    grep -q "certificate $ca/relay.pem, key $(short "$spki")" "$RELAY_LOG"
cp "$pins" "$T_DIR/pins.before"
# localhost: a DNS name (it resolves to the loopback only).
SSL_CERT_FILE=$ca/ca.pem "$FERRY" peers --server "localhost:$RELAY_PORT" --name probe5 \
    >"$T_DIR/o" 2>"$T_DIR/e"
t_ok $? "with the CA trusted, the relay's certificate is accepted"
t_check "silently" test ! -s "$T_DIR/e"
t_check "and nothing is pinned" cmp -s "$pins" "$T_DIR/pins.before"
"$FERRY" peers --server "localhost:$RELAY_PORT" --name probe6 >"$T_DIR/o" 2>"$T_DIR/e"
t_ok $? "without the CA the same relay falls back to a pin"
t_check "as a first contact, named by the key's fingerprint" err_is "$T_DIR/e" \
    "ferry: first contact with relay localhost:$RELAY_PORT: its key $(short "$spki") is now pinned in $pins"
SSL_CERT_FILE=$ca/ca.pem "$FERRY" peers --server "127.0.0.1:$RELAY_PORT" --name probe7 \
    >"$T_DIR/o" 2>"$T_DIR/e"
t_ok $? "an IP address is never checked against a CA: pinned"
t_check "as a first contact too" grep -q "first contact with relay 127.0.0.1:$RELAY_PORT" "$T_DIR/e"
t_stop "$RELAY_PID"

# A relay too busy to start TLS says so in clear; the client shows it, and
# sends nothing in clear. 64 silent connections fill the relay's cap of
# connections that have not said hello (64 for a relay of one client).
T_NO_PIN=
t_start_relay --max-clients 1 || { t_ok 1 "relay starts"; t_done; exit; }
fds=()
for i in $(seq 64); do
	exec {fd}<>"/dev/tcp/127.0.0.1/$RELAY_PORT" && fds+=("$fd")
done
t_check "64 silent connections are open" test "${#fds[@]}" -eq 64
t_check "the relay has taken them all" t_wait_for 10 bash -c '[ "$(grep -c " connected$" "$0")" -ge 64 ]' "$RELAY_LOG"
"$FERRY" peers --name probe8 >"$T_DIR/o" 2>"$T_DIR/e"
t_ok $(( $? == 1 ? 0 : 1 )) "ferry peers at a full relay exits 1"
t_check "saying the relay is full" grep -q "^ferry: relay $RELAY_ADDR is full" "$T_DIR/e"
for fd in "${fds[@]}"; do exec {fd}>&-; done
t_wait_for 10 bash -c '"$0" peers --name probe9 >/dev/null 2>&1' "$FERRY"
t_ok $? "once they are gone, the relay serves again"
t_stop "$RELAY_PID"

# What the network sees: a recording proxy between the clients and the relay.
t_start_relay || { t_ok 1 "relay starts"; t_done; exit; }
mkdir -p "$T_DIR/tap"
t_bg "$FERRY_TOOLS/tap" "$RELAY_ADDR" "$T_DIR/tap" >"$T_DIR/tap.out"
TAP=$T_LAST
t_wait_for 10 grep -q '^listening on ' "$T_DIR/tap.out"
t_ok $? "the tap listens"
tap_addr=$(cut -d' ' -f3 "$T_DIR/tap.out")
echo "$tap_addr $RELAY_FPR" >>"$pins"
mark=M$$x$RANDOM
mkdir -p "$T_DIR/rx3"
printf 'content-%s-%s\n' "$mark" "$(head -c 3000 /dev/urandom | base64 -w0)" >"$T_DIR/name-$mark.txt"
FERRY_SERVER=$tap_addr t_bg "$FERRY" receive --name "bob-$mark" --dir "$T_DIR/rx3" --count 1 \
    >"$T_DIR/rx3.out" 2>"$T_DIR/rx3.err"
RX=$T_LAST
t_wait_for 10 listed "bob-$mark"
t_ok $? "bob is listed through the tap"
FERRY_SERVER=$tap_addr "$FERRY" send --name "alice-$mark" --to "bob-$mark" \
    "$T_DIR/name-$mark.txt" >"$T_DIR/o" 2>"$T_DIR/e"
t_ok $? "alice sends to bob through the tap"
t_check "bob exits 0" exited "$RX" 0 10
t_check "and has the file" same_sha "$T_DIR/rx3/name-$mark.txt" "$T_DIR/name-$mark.txt"
t_stop "$TAP"
ctl=() data=()
for f in "$T_DIR"/tap/*.up; do
	if [ "$(head -c 1 "$f" | od -An -tx1 | tr -d ' ')" = 16 ]; then ctl+=("$f"); else data+=("$f"); fi
done
t_diag "recorded ${#ctl[@]} control and ${#data[@]} data connections"
t_check "the sender's and the receiver's control connections and both data connections were recorded" \
    test "${#ctl[@]}" -ge 2 -a "${#data[@]}" -eq 2
# clear_of RE FILE.up...: neither direction of these connections holds the
# marker or a JSON member matching RE in clear.
clear_of() {
	local re=$1 f g; shift
	for f in "$@"; do
		for g in "$f" "${f%.up}.down"; do
			grep -qaF "$mark" "$g" && { echo "# $g has the marker"; return 1; }
			grep -qaE "\"($re)\"" "$g" && { echo "# $g has a message in clear"; return 1; }
		done
	done
	return 0
}
# Each control connection, both directions: TLS only.
t_check "no control connection carries a peer name, file name or content in clear" \
    clear_of 'type|name|files|hello|offer' "${ctl[@]}"
t_check "the data connections carry no secret: their slots are only names, claimed on the control connections" \
    clear_of 'token|bind' "${data[@]}"
# Each data connection: in clear only attach, slot and attached, then TLS.
t_check "no data connection carries a file name, content or a message of the two clients in clear" \
    clear_of 'files|receipt|file_end|accept|sha256|saved_as' "${data[@]}"
t_check "and the file's bytes crossed them: each direction of the sender's holds more than the file" bash -c '
	big=0; for f in "${@:2}"; do [ "$(stat -c %s "$f")" -gt "$1" ] && big=$((big + 1)); done; [ "$big" -ge 1 ]' \
    _ "$(stat -c %s "$T_DIR/name-$mark.txt")" "${data[@]}"
t_done
