#!/usr/bin/env bash
# client_liar.sh: a sender whose bytes do not match its words, played by
# tests/tools/hostile_offer --stream: a wrong digest (the receipt says
# verify failed), one byte short, ten bytes too many. Each time the
# receiver keeps nothing, removes its part file and says why, and (started
# with --count 1) waits on: a failed transfer does not count, so a real one
# then lands and ends it.
source "$(dirname "$0")/lib.bash"
source "$(dirname "$0")/client_lib.bash"

t_start_relay || { t_ok 1 "relay starts"; t_done; exit; }
SIZE=200000

# liar MODE RECEIVER: one lying transfer to a fresh receiver (--count 1).
liar() {
	start_receiver "$2" "$T_DIR/$2" --count 1
	RX=$RX_PID
	"$HOSTILE" --server "$RELAY_ADDR" --name "liar-$1" --to "$2" --size "$SIZE" \
	    --stream "$1" "$1.bin" >"$T_DIR/$1.out" 2>"$T_DIR/$1.err"
}

liar bad-digest bob
t_check "a wrong digest: the offer was accepted" grep -qx accepted "$T_DIR/bad-digest.out"
t_check "the receipt says the file did not verify" grep -qx \
    "receipt: failed: verify_failed: bad-digest.bin did not match its checksum" "$T_DIR/bad-digest.out"
t_check "bob says the file did not match" t_wait_for 10 err_is "$T_DIR/bob.err" \
    "ferry: bad-digest.bin from liar-bad-digest did not match its checksum; nothing was saved"
t_check "bob kept nothing" test -z "$(ls -A "$T_DIR/bob")"
t_check "bob printed no saved line" test ! -s "$T_DIR/bob.out"
waits_on "$RX" bob alice "a wrong digest"

liar short carol
t_check "one byte short: the receiver cancels with the reason" grep -qx \
    "cancel: liar-short sent $((SIZE - 1)) bytes of short.bin, but offered $SIZE" "$T_DIR/short.out"
t_check "carol says what was wrong" t_wait_for 10 err_is "$T_DIR/carol.err" \
    "ferry: liar-short sent $((SIZE - 1)) bytes of short.bin, but offered $SIZE"
t_check "carol kept nothing" test -z "$(ls -A "$T_DIR/carol")"
waits_on "$RX" carol alice "one byte short"

liar long dave
t_check "ten bytes too many: the receiver cancels with the reason" grep -qx \
    "cancel: liar-long sent more bytes of long.bin than it offered" "$T_DIR/long.out"
t_check "dave says what was wrong" t_wait_for 10 err_is "$T_DIR/dave.err" \
    "ferry: liar-long sent more bytes of long.bin than it offered"
t_check "dave kept nothing" test -z "$(ls -A "$T_DIR/dave")"
waits_on "$RX" dave alice "ten bytes too many"
t_done
