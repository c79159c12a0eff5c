#!/usr/bin/env bash
# client_decline.sh: a receiver that declines (the sender exits 1 with
# "ferry: bob declined the transfer"), and --from, which declines everyone
# else with a reason the sender shows.
source "$(dirname "$0")/lib.bash"
source "$(dirname "$0")/client_lib.bash"

t_start_relay || { t_ok 1 "relay starts"; t_done; exit; }
mkfile "$T_DIR/x.bin" 5000

start_receiver bob "$T_DIR/bob" --decline --count 1
RX=$RX_PID
"$FERRY" send --name alice --to bob "$T_DIR/x.bin" >"$T_DIR/s.out" 2>"$T_DIR/s.err"
t_ok $(( $? == 1 ? 0 : 1 )) "a declined send exits 1"
t_check "the sender says who declined" err_is "$T_DIR/s.err" "ferry: bob declined the transfer"
t_check "the sender prints nothing on stdout" test ! -s "$T_DIR/s.out"
t_check "bob exits 0 after declining" exited "$RX" 0 10
t_check "bob wrote nothing" test -z "$(ls -A "$T_DIR/bob")"

start_receiver carol "$T_DIR/carol" --from erin --count 1
RX=$RX_PID
"$FERRY" send --name alice --to carol "$T_DIR/x.bin" >"$T_DIR/s.out" 2>"$T_DIR/s.err"
t_ok $(( $? == 1 ? 0 : 1 )) "a send from someone else than --from exits 1"
t_check "with carol's reason" err_is "$T_DIR/s.err" \
    "ferry: carol declined the transfer: carol only takes files from erin"
t_check "carol wrote nothing for alice" test -z "$(ls -A "$T_DIR/carol")"
"$FERRY" send --name erin --to carol "$T_DIR/x.bin" >"$T_DIR/s.out" 2>"$T_DIR/s.err"
t_ok $? "a send from erin is taken"
t_check "carol saved erin's file" check_saved "$T_DIR/carol.out" x.bin "$T_DIR/x.bin" erin "$T_DIR/carol"
t_check "carol exits 0 after erin's transfer" exited "$RX" 0 10

# 4 PiB (and 64-bit sizes on the way): more than any folder here has free.
start_receiver dave "$T_DIR/dave" --count 1
RX=$RX_PID
offer_raw h mallory dave --size 4503599627370496 huge.iso
t_ok $? "an offer larger than the free space is declined"
t_check "with reason no_space" grep -qE '^declined: no_space: the files need 4\.0 PiB and the receiver has .* free$' "$T_DIR/h.out"
# dave prints after the decline is on its way: wait for the whole line.
t_wait_for 10 line_done "$T_DIR/dave.err"
t_check "dave says why" err_matches "$T_DIR/dave.err" \
    "^ferry: declined the files from mallory: they need 4\.0 PiB and $T_DIR/dave has .* free\$"
t_check "dave wrote nothing" test -z "$(ls -A "$T_DIR/dave")"
t_check "dave is still waiting (a refusal is not a transfer)" kill -0 "$RX"
send_saved alice dave 4321 "$T_DIR/dave" "dave still takes a file that fits"
t_check "dave exits 0" exited "$RX" 0 10
t_done
