#!/usr/bin/env bash
# client_peer_trust.sh: known_peers and the authentication code. On a first
# contact both ends print the same code (from their end-to-end session) and
# remember the key as seen; `ferry trust` with the short fingerprint marks
# it verified and later transfers say nothing. A client that takes a known
# name with another key is refused on both ends, loudly, with nothing
# written and the command that would accept the new key; that command does.
# --to and --from take a fingerprint's beginning and a HOST:PORT, which
# matches an address only, never a name that looks like one.
source "$(dirname "$0")/lib.bash"
source "$(dirname "$0")/client_lib.bash"

peers=$XDG_CONFIG_HOME/ferry/known_peers
short() { echo "${1:0:4}-${1:4:4}-${1:8:4}-${1:12:4}"; }

t_start_relay || { t_ok 1 "relay starts"; t_done; exit; }
# Two people: alice (the test's default identity) and bob (his own key),
# each with their own config folder, as on two machines.
"$FERRY" id >/dev/null 2>&1
fa=$(t_fingerprint "$XDG_CONFIG_HOME/ferry/identity.pem")
# person DIR: a config folder of another person, who knows the relay and
# has a key of their own; prints that key's fingerprint.
person() {
	mkdir -p -m 700 "$1/ferry"
	cp "$XDG_CONFIG_HOME/ferry/known_relays" "$1/ferry/"
	XDG_CONFIG_HOME=$1 "$FERRY" id >/dev/null 2>&1
	t_fingerprint "$1/ferry/identity.pem"
}
BOBCFG=$T_DIR/bobcfg
fb=$(person "$BOBCFG")
t_check "alice and bob have different keys" test "$fa" != "$fb"

mkdir -p "$T_DIR/rx"
XDG_CONFIG_HOME=$BOBCFG t_bg "$FERRY" receive --name bob --dir "$T_DIR/rx" --count 1 \
    >"$T_DIR/bob.out" 2>"$T_DIR/bob.err"
BOB=$T_LAST
t_wait_for 10 listed bob
t_ok $? "bob is listed"
echo one >"$T_DIR/one.txt"
"$FERRY" send --name alice --to bob "$T_DIR/one.txt" >"$T_DIR/a.out" 2>"$T_DIR/a.err"
t_ok $? "the first transfer goes through"
t_check "bob exits 0" exited "$BOB" 0 10
code_re='[0-9]{3} [0-9]{3} [0-9]{3}'
t_check "alice is told it is a first contact with bob, with bob's key and a code" \
    grep -qE "^ferry: first contact with bob \(key $(short "$fb")\): compare the code $code_re with bob; if it matches, run: ferry trust bob $(short "$fb")\$" "$T_DIR/a.err"
t_check "bob is told the same about alice, with her key" \
    grep -qE "^ferry: first contact with alice \(key $(short "$fa")\): compare the code $code_re with alice" "$T_DIR/bob.err"
ca=$(grep -oE "the code $code_re" "$T_DIR/a.err")
cb=$(grep -oE "the code $code_re" "$T_DIR/bob.err")
t_check "both ends show the same code ($ca)" test -n "$ca" -a "$ca" = "$cb"
t_check "alice remembers bob's key as seen" grep -qxF "bob	$fb	seen" "$peers"
t_check "bob remembers alice's key as seen" grep -qxF "alice	$fa	seen" "$BOBCFG/ferry/known_peers"
t_check "known_peers is 600" test "$(stat -c %a "$peers")" = 600

# alice compared the code with bob and says so.
"$FERRY" trust bob "$(short "$fb")" >"$T_DIR/t.out" 2>"$T_DIR/t.err"
t_ok $? "ferry trust with the short fingerprint exits 0"
t_check "and says bob is verified" grep -q "^bob is verified: key $(short "$fb")" "$T_DIR/t.out"
t_check "known_peers now says verified" grep -qxF "bob	$fb	verified" "$peers"
"$FERRY" trust bob ABCD-EFGH-JKMN-PQRS >"$T_DIR/t.out" 2>"$T_DIR/t.err"
t_ok $(( $? == 1 ? 0 : 1 )) "ferry trust with a key ferry has not seen for bob exits 1"
t_check "and says a new key needs its whole fingerprint" grep -q "whole fingerprint" "$T_DIR/t.err"
t_check "known_peers is unchanged" grep -qxF "bob	$fb	verified" "$peers"

# A second transfer: nothing to compare any more on alice's side. By the
# fingerprint's beginning, and with bob taking files only from alice's address.
XDG_CONFIG_HOME=$BOBCFG t_bg "$FERRY" receive --name bob --dir "$T_DIR/rx" --count 1 \
    --from "$(short "$fa" | cut -c1-9)" >"$T_DIR/bob2.out" 2>"$T_DIR/bob2.err"
BOB=$T_LAST
t_wait_for 10 listed bob
echo two >"$T_DIR/two.txt"
"$FERRY" send --name alice --to "$(short "$fb" | cut -c1-9 | tr A-Z a-z)" "$T_DIR/two.txt" \
    >"$T_DIR/a2.out" 2>"$T_DIR/a2.err"
t_ok $? "--to with the first 8 characters of bob's fingerprint (lower case) reaches bob"
t_check "bob took it (--from a fingerprint's beginning)" exited "$BOB" 0 10
t_check "alice said nothing: bob is verified" test ! -s "$T_DIR/a2.err"
t_check "bob saved it" same_sha "$T_DIR/rx/two.txt" "$T_DIR/two.txt"

# Someone else takes the name bob, with another key.
MCFG=$T_DIR/malcfg
fm=$(person "$MCFG")
mkdir -p "$T_DIR/mrx"
XDG_CONFIG_HOME=$MCFG t_bg "$FERRY" receive --name bob --dir "$T_DIR/mrx" --count 1 \
    >"$T_DIR/m.out" 2>"$T_DIR/m.err"
MAL=$T_LAST
t_wait_for 10 listed bob
t_ok $? "a second 'bob' with another key is listed"
cp "$peers" "$T_DIR/peers.before"
echo secret >"$T_DIR/secret.txt"
"$FERRY" send --name alice --to bob "$T_DIR/secret.txt" >"$T_DIR/a3.out" 2>"$T_DIR/a3.err"
t_ok $(( $? == 1 ? 0 : 1 )) "sending to the new bob exits 1"
t_check "it says loudly that bob's key changed, both keys, and how to accept the new one" \
    grep -q "^ferry: THE KEY OF bob HAS CHANGED: known_peers has $(short "$fb"), the bob on the relay now has $(short "$fm").* nothing was sent.* ferry trust bob $fm\$" "$T_DIR/a3.err"
t_check "the new bob saved nothing" test -z "$(ls -A "$T_DIR/mrx")"
t_check "known_peers is unchanged" cmp -s "$peers" "$T_DIR/peers.before"
"$FERRY" peers --name probe$$ >"$T_DIR/p.out" 2>/dev/null
t_check "ferry peers lists the new bob with its own fingerprint" \
    grep -qE $'^bob\t127\\.0\\.0\\.1:[0-9]+\t'"$(short "$fm")\$" "$T_DIR/p.out"
# HOST:PORT is an address: it reaches this bob, whose key is still not bob's.
maddr=$(grep '^bob' "$T_DIR/p.out" | cut -f2)

# alice accepts the new key on bob's word: the whole fingerprint.
"$FERRY" trust bob "$fm" >"$T_DIR/t.out" 2>"$T_DIR/t.err"
t_ok $? "ferry trust with the whole new fingerprint exits 0"
"$FERRY" send --name alice --to "$maddr" "$T_DIR/secret.txt" >"$T_DIR/a4.out" 2>"$T_DIR/a4.err"
t_ok $? "then the new bob, by HOST:PORT, gets the file"
t_check "the new bob exits 0" exited "$MAL" 0 10
t_check "and saved it" same_sha "$T_DIR/mrx/secret.txt" "$T_DIR/secret.txt"

# The receiving side refuses a changed sender the same way.
XDG_CONFIG_HOME=$BOBCFG t_bg "$FERRY" receive --name bob --dir "$T_DIR/rx" --count 1 \
    >"$T_DIR/bob3.out" 2>"$T_DIR/bob3.err"
BOB=$T_LAST
t_wait_for 10 listed bob
# Not alice's key: someone calling themselves alice.
XDG_CONFIG_HOME=$MCFG "$FERRY" send --name alice --to bob "$T_DIR/secret.txt" \
    >"$T_DIR/m2.out" 2>"$T_DIR/m2.err"
t_ok $(( $? == 1 ? 0 : 1 )) "an 'alice' with another key cannot send to bob"
t_check "bob says alice's key changed and saved nothing" bash -c '
	grep -q "THE KEY OF alice HAS CHANGED: known_peers has $1, this alice has $2.*nothing was saved" "$3" &&
	! test -e "$4/secret.txt"' _ "$(short "$fa")" "$(short "$fm")" "$T_DIR/bob3.err" "$T_DIR/rx"
t_stop "$BOB" 5 INT
t_done
