#!/usr/bin/env bash
# slow_receiver.sh: a receiver that reads 1 KiB/s slows its own sender and
# nobody else. The slow receiver is wire, accepting a real `ferry send` and
# draining its data connection 1 KiB a second; meanwhile another real pair
# moves a big file through the same relay. Progress is compared, not timed:
# the fast transfer finishes while the slow sender could push no more than
# the buffers in between hold (a small fraction of the fast one), and the
# slow sender is still waiting, not failed.
source "$(dirname "$0")/lib.bash"
source "$(dirname "$0")/relay_lib.bash"
source "$(dirname "$0")/client_lib.bash"
source "$(dirname "$0")/hostile_lib.bash"

FAST=$((128 * 1024 * 1024))
[ "${SANITIZE:-}" = 1 ] && FAST=$((64 * 1024 * 1024))
SLOW=$((1024 * 1024 * 1024))	# sparse: more than could ever fit in buffers

t_start_relay --log-level info; t_ok $? "ferryd starts"
mkfile "$T_DIR/fast.bin" "$FAST"
truncate -s "$SLOW" "$T_DIR/slow.bin"

# --- the slow pair ----------------------------------------------------------
wire_open s
wire_say s "connect slowrx" "hello slowrx slowrx" "ignore slowrx peer_joined peer_left" \
    "expect slowrx incoming peer=slowtx transfer>T" \
    'send slowrx {"type":"accept","transfer":${T}}' \
    'expect slowrx ready role=receive' "attach sd" \
    'send slowrx {"type":"bind","transfer":${T},"slot":"${sd.slot}"}' \
    'expect sd attached transfer=${T}' \
    "drain sd 1024" "echo @attached"
t_check "the slow receiver is on the relay" t_wait_for 20 listed slowrx
t_bg "$FERRY" send --name slowtx --to slowrx "$T_DIR/slow.bin" \
    >"$T_DIR/slowtx.out" 2>"$T_DIR/slowtx.err"
SLOWTX=$T_LAST
t_check "the slow transfer is bridged and its first KiB was read" wire_reached s @attached

# --- the fast pair, while the slow receiver reads 1 KiB/s -------------------
start_receiver fastrx "$T_DIR/fastrx" --count 1; t_ok $? "the fast receiver is listening"
FASTRX=$RX_PID
t_bg "$FERRY" send --name fasttx --to fastrx "$T_DIR/fast.bin" \
    >"$T_DIR/fasttx.out" 2>"$T_DIR/fasttx.err"
FASTTX=$T_LAST
drained=1024 n=0 st=0
while kill -0 "$FASTTX" 2>/dev/null && [ "$n" -lt 600 ]; do
	wire_say s "sleep 250" "drain sd 256" "echo @d$n"
	wire_reached s "@d$n" 20 || { st=1; break; }
	drained=$((drained + 256)) n=$((n + 1))
done
t_ok "$st" "the slow receiver drained $drained bytes at 1 KiB/s meanwhile"
t_check "the fast transfer finished (exit 0)" exited "$FASTTX" 0 120
t_check "the fast receiver saved it intact" \
    check_saved "$T_DIR/fastrx.out" fast.bin "$T_DIR/fast.bin" fasttx "$T_DIR/fastrx"
t_check "the fast receiver exits 0" exited "$FASTRX" 0 20
t_check "the slow sender is still waiting on its receiver, not failed" kill -0 "$SLOWTX"

# How far the slow sender got: the relay logs what it read from it once the
# transfer ends. The slow sender is interrupted (it cancels).
kill -INT "$SLOWTX"
t_check "the slow sender exits 1 when interrupted" exited "$SLOWTX" 1 20
wire_say s 'expect slowrx cancel transfer=${T}' "echo @cancelled"
t_check "the slow receiver hears the cancel" wire_reached s @cancelled
t_check "the relay logs the slow transfer's bytes" \
    t_log_has 10 'transfer [0-9]+ cancelled by sender: [0-9]+ bytes slowtx -> slowrx'
slow=$(grep -oE 'cancelled by sender: [0-9]+ bytes slowtx' "$RELAY_LOG" | grep -oE '[0-9]+' | head -n1)
t_diag "fast: $FAST bytes done; slow: ${slow:-?} bytes taken from its sender, $drained read by its receiver"
[ -n "$slow" ] && [ $((slow * 4)) -lt "$FAST" ]
t_ok $? "the slow sender pushed less than a quarter of what the fast one did (buffers only)"
t_check "the slow wire ends cleanly" wire_end s
t_stop_relay "slow"
t_done
