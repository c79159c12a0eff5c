#!/usr/bin/env bash
# relay_bridge.sh: the data bridge under load. 1 GiB goes through with the
# relay's peak RSS (VmHWM) under 16 MiB; a receiver that stops reading slows
# the sender instead of growing the relay; several transfers run at once in
# both directions. Memory is a bound, not a timing. Under SANITIZE=1 ASan
# inflates RSS, so sizes shrink and the memory bounds are not asserted.
source "$(dirname "$0")/lib.bash"
source "$(dirname "$0")/relay_lib.bash"

FILL=$((64 * 1024 * 1024))	# far more than socket buffers hold
if [ "${SANITIZE:-}" = 1 ]; then
	BIG=$((64 * 1024 * 1024)) EACH=$((8 * 1024 * 1024)) MAXKB=100000000
else
	BIG=$((1024 * 1024 * 1024)) EACH=$((64 * 1024 * 1024)) MAXKB=16384
fi

t_start_relay --log-level info; t_ok $? "ferryd starts"

t_wire "$BIG bytes through the bridge, checked, relay peak RSS <= $MAXKB kB" < <(
	echo "pair alice bob $BIG"
	echo "pump aliced bobd $BIG 21"
	echo "pump bobd aliced 65536 22"
	echo "shut aliced"
	echo "expect-close bobd"
	echo "close bobd"
	echo "expect-close aliced"
	echo "mem $RELAY_PID VmHWM $MAXKB"
)
t_log_has 5 "done: $((BIG + 0)) bytes alice -> bob, 65536 bytes back"
t_ok $? "the relay logs the byte counts of the finished transfer"

t_wire "a receiver that does not read: the sender stalls, the relay stays small" < <(
	echo "pair carol dave $FILL"
	echo "fill carold $FILL 500 31"
	echo "mem $RELAY_PID VmRSS $MAXKB"
	echo 'read daved ${carold.written} 31'
	echo "pump carold daved 1048576 32"
)

# Three transfers at once, in both directions between overlapping peers.
outs=() pids=()
for spec in "e1 f1" "f2 e2" "g3 e4"; do
	set -- $spec
	out="$T_DIR/conc.$1.out"
	t_wire_bg "$out" < <(echo "pair $1 $2 $EACH"; echo "pump ${1}d ${2}d $EACH 4${#1}"; echo "pump ${2}d ${1}d 1048576 5")
	outs+=("$out"); pids+=("$T_LAST")
done
st=0
for i in 0 1 2; do
	t_wait_exit "${pids[$i]}" 120 || st=1
	[ "$T_STATUS" -ne 0 ] && { st=1; sed 's/^/#   /' "${outs[$i]}"; }
	grep '^# pump' "${outs[$i]}"
done
t_ok $st "three transfers at once, both directions, every byte checked"

t_stop_relay "bridge"
t_done
