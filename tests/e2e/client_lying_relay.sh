#!/usr/bin/env bash
# client_lying_relay.sh: the clients against a relay they trust that lies,
# played by tests/tools/liar: a man in the middle between real `ferry`
# clients and a real ferryd, with a pinned key of its own, that ends every
# client's TLS control connection, speaks to ferryd with keys of its own,
# and rewrites peer objects. Each client has an identity of its own here,
# so every peer has a different key.
#
# (a) Through an honest liar (every peer object carries the real key of
#     its name) a file of 300000 bytes arrives intact: the liar is
#     transparent, so what fails below fails because of the lie alone.
# (b) --substitute bob: every peer object for bob carries a key nobody
#     here holds. (b1) alice met bob in (a), so her known_peers already
#     refuses the new key ("THE KEY OF bob HAS CHANGED") before any offer
#     leaves. (b2) On a first contact (a config of her own, nothing known)
#     only the end-to-end check is left, and it catches the lie: `ferry
#     send --to bob` exits 1 saying the other end is not bob, names bob's
#     real fingerprint (the sender did reach bob, whose certificate showed
#     his own key) beside the announced one. Both times bob saves nothing,
#     leaves no part file and never sees the file's name: the sender
#     checks the key before it sends the list.
# (c) --misroute alice:bob:mallory: alice's offer to bob goes to mallory
#     and its answer is forged to look like bob. alice's send fails with
#     the same "not bob" message (mallory's fingerprint at the other end),
#     bob is never offered anything, and mallory saves nothing and never
#     sees the file's name either. known_peers is no help here (the forged
#     object carries bob's real key): the end-to-end check is.
# (d) During all this a bystander that talks to the real ferryd directly
#     (`ferry peers`) gets its answer (the figure: milliseconds per round
#     trip, printed), so a lying relay in front of some clients does not
#     disturb the others.
source "$(dirname "$0")/lib.bash"
source "$(dirname "$0")/client_lib.bash"

LIAR="$FERRY_TOOLS/liar"
t_start_relay || { t_ok 1 "relay starts"; t_done; exit; }
REAL=$RELAY_ADDR REAL_LOG=$RELAY_LOG
mkfile "$T_DIR/f.bin" 300000

# start_liar NAME [liar args...]: a liar in front of the real relay, pinned
# like a relay met before; sets LIAR_PID, LIAR_ADDR, LIAR_LOG.
start_liar() {
	local name=$1
	shift
	LIAR_LOG="$T_DIR/$name.log"
	t_bg "$LIAR" --upstream "$REAL" --key "$T_DIR/liar-key.pem" "$@" 2>"$LIAR_LOG"
	LIAR_PID=$T_LAST
	t_wait_for 10 grep -q '^listening on ' "$LIAR_LOG" || {
		echo "# the liar did not start:"; sed 's/^/#   /' "$LIAR_LOG"; return 1; }
	LIAR_ADDR=$(grep -o '^listening on [^ ]*' "$LIAR_LOG" | cut -d' ' -f3)
	RELAY_LOG=$LIAR_LOG RELAY_ADDR=$LIAR_ADDR t_pin_relay
}

# via NAME ARGS...: ferry as NAME (its own identity) through the liar.
via() {
	local name=$1
	shift
	"$FERRY" --server "$LIAR_ADDR" --identity "$T_DIR/id-$name.pem" "$@"
}

# rx NAME: `ferry receive` as NAME through the liar into $T_DIR/NAME; sets RX_PID.
rx() {
	start_receiver "$1" "$T_DIR/$1" --server "$LIAR_ADDR" \
	    --identity "$T_DIR/id-$1.pem" --count 1
}

# short_fpr NAME: the short fingerprint of NAME's identity, computed apart from ferry.
short_fpr() {
	t_fingerprint "$T_DIR/id-$1.pem" | cut -c1-16 | sed 's/..../&-/g; s/-$//'
}

# bystander [NAME]: a round trip (listing NAME) to the real relay, straight,
# while the liar lies.
BY_MS=()
bystander() {
	local t0 ok
	t0=$(t_now_ms)
	"$FERRY" peers --name bystander >"$T_DIR/by.out" 2>"$T_DIR/by.err"
	ok=$?
	BY_MS+=($(($(t_now_ms) - t0)))
	[ "$ok" -eq 0 ] || { sed 's/^/#   /' "$T_DIR/by.err"; return 1; }
	[ $# -eq 0 ] || cut -f1 "$T_DIR/by.out" | grep -qxF -- "$1"
}

# err_has FILE REGEX: a line of FILE matches the extended REGEX.
err_has() {
	grep -qE -- "$2" "$1" || {
		echo "# stderr was:"; sed 's/^/#   /' "$1"; echo "# wanted /$2/"; return 1; }
}

# nothing_for NAME FILE: NAME's folder is empty, no part file, and neither
# its stdout nor its stderr names FILE.
nothing_for() {
	test -z "$(ls -A "$T_DIR/$1")" || { echo "# $1 has:"; ls -A "$T_DIR/$1"; return 1; }
	no_part_files "$T_DIR/$1" || return 1
	! grep -qF -- "$2" "$T_DIR/$1.out" "$T_DIR/$1.err" || {
		echo "# $1 saw the name $2:"; cat "$T_DIR/$1.out" "$T_DIR/$1.err" | sed 's/^/#   /'; return 1; }
}

# The (a) part: honest.
start_liar honest || { t_ok 1 "the liar starts"; t_done; exit; }
rx bob
RX=$RX_PID
cp "$T_DIR/f.bin" "$T_DIR/honest.bin"
t_check "(a) a bystander's round trip to the real relay works" bystander bob
t0=$(t_now_ms)
via alice send --name alice --to bob "$T_DIR/honest.bin" >"$T_DIR/s.out" 2>"$T_DIR/s.err"
t_ok $? "(a) through an honest liar the send exits 0"
t_diag "(a) 300000 bytes through the liar in $(($(t_now_ms) - t0)) ms"
t_check "(a) bob saved the file intact" \
    check_saved "$T_DIR/bob.out" honest.bin "$T_DIR/honest.bin" alice "$T_DIR/bob"
t_check "(a) both control connections went through the liar" \
    test "$(grep -cE '^liar: [0-9]+: the client is (alice|bob)$' "$LIAR_LOG")" -eq 2
t_check "(a) bob exits 0" exited "$RX" 0 10
t_stop "$LIAR_PID"
rm -f "$T_DIR/bob"/* "$T_DIR/bob.out" "$T_DIR/bob.err"

# The (b) part: a fresh key for bob in every peer object.
start_liar substitute --substitute bob || { t_ok 1 "the liar starts"; t_done; exit; }
rx bob
RX=$RX_PID
cp "$T_DIR/f.bin" "$T_DIR/secret-b1.bin"
cp "$T_DIR/f.bin" "$T_DIR/secret-b2.bin"
t_check "(b) a bystander's round trip works while the liar lies about bob" bystander bob
offers() { grep -cE 'offer [0-9]+: alice -> ' "$REAL_LOG"; }
n0=$(offers)
via alice send --name alice --to bob "$T_DIR/secret-b1.bin" >"$T_DIR/s.out" 2>"$T_DIR/s.err"
t_ok $(( $? == 1 ? 0 : 1 )) "(b1) a send to a substituted bob that alice knew exits 1"
t_check "(b1) known_peers refuses the new key before any offer" err_has "$T_DIR/s.err" \
    "^ferry: THE KEY OF bob HAS CHANGED: known_peers has $(short_fpr bob), "
t_check "(b1) so no offer reached the real relay" test "$(offers)" -eq "$n0"
# (b2): alice's own config, with the relays pinned and nobody known.
mkdir -p -m 700 "$T_DIR/config-b2/ferry"
(umask 077; cp "$XDG_CONFIG_HOME/ferry/known_relays" "$T_DIR/config-b2/ferry/")
XDG_CONFIG_HOME=$T_DIR/config-b2 via alice send --name alice --to bob \
    "$T_DIR/secret-b2.bin" >"$T_DIR/s.out" 2>"$T_DIR/s.err"
t_ok $(( $? == 1 ? 0 : 1 )) "(b2) a first-contact send to a substituted bob exits 1"
t_check "(b2) the sender says the other end is not bob, with bob's real key" err_has \
    "$T_DIR/s.err" "the other end of the data connection is not bob: its key is $(short_fpr bob), the relay announced [0-9A-Z-]{19}[;,. ]"
t_check "(b2) the announced key was not bob's" \
    bash -c "! grep -qF 'announced $(short_fpr bob)' '$T_DIR/s.err'"
t_check "(b2) the offer did go to bob through the real relay" test "$(offers)" -eq $((n0 + 1))
t_check "(b) the liar did substitute bob's key" grep -q "substituted bob's key in offered to alice" "$LIAR_LOG"
t_check "(b) the sender printed nothing on stdout" test ! -s "$T_DIR/s.out"
t_wait_for 10 line_done "$T_DIR/bob.err"
t_check "(b) bob saved nothing, has no part file and never saw a name" nothing_for bob secret-b
t_stop "$RX"
t_check "(b) a bystander's round trip still works" bystander
t_stop "$LIAR_PID"
rm -f "$T_DIR/bob.out" "$T_DIR/bob.err"

# The (c) part: alice's offers to bob go to mallory, dressed as bob.
start_liar misroute --misroute alice:bob:mallory || { t_ok 1 "the liar starts"; t_done; exit; }
rx bob
RXB=$RX_PID
rx mallory
RXM=$RX_PID
cp "$T_DIR/f.bin" "$T_DIR/secret-c.bin"
via alice send --name alice --to bob "$T_DIR/secret-c.bin" >"$T_DIR/s.out" 2>"$T_DIR/s.err"
t_ok $(( $? == 1 ? 0 : 1 )) "(c) a misrouted send exits 1"
t_check "(c) the sender says the other end is not bob: mallory's key, bob's announced" err_matches \
    "$T_DIR/s.err" "^ferry: .*the other end of the data connection is not bob: its key is $(short_fpr mallory), the relay announced $(short_fpr bob)[;,. ]"
t_check "(c) the liar misrouted the offer" grep -q "misrouted alice's offer [0-9]* to bob into mallory" "$LIAR_LOG"
t_check "(c) and forged its answer" grep -q "offered [0-9]* made to look like bob" "$LIAR_LOG"
t_check "(c) the real relay routed it to mallory" grep -qE "offer [0-9]+: alice -> mallory," "$REAL_LOG"
t_check "(c) a bystander's round trip works during the misroute" bystander bob
t_wait_for 10 line_done "$T_DIR/mallory.err"
t_check "(c) mallory saved nothing and never saw the name" nothing_for mallory secret-c.bin
t_check "(c) bob saved nothing and was told nothing" nothing_for bob secret-c.bin
t_check "(c) bob was never offered anything" test ! -s "$T_DIR/bob.err"
t_stop "$RXB"
t_stop "$RXM"
t_check "(d) a bystander's round trip after the liar's runs works" bystander
t_diag "(d) bystander round trips to the real relay: ${BY_MS[*]} ms"
t_stop "$LIAR_PID"
[ "$T_FAILED" -gt 0 ] && [ -n "${DEBUG_E2E:-}" ] && { cat "$T_DIR"/*.log "$T_DIR"/*.err; }
t_done
