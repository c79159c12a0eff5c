#!/usr/bin/env bash
# hostile_tokens.sh: the v2 form of guessing a data connection's secret.
# There is none to guess: a data connection gets a slot that only names it,
# and only a bind on the authenticated control connection claims it. An
# attacker who binds random (or malformed) slots to a transfer of its own
# gets error{bad_slot, transfer} each time (bad_message and a close for a
# slot that is not 32 hex digits), and one who opens data connections and
# never binds them holds nothing once they close; meanwhile a real transfer
# and a fresh pairing go on untouched, and afterwards the relay holds no
# more descriptors than before the attack.
source "$(dirname "$0")/lib.bash"
source "$(dirname "$0")/relay_lib.bash"
source "$(dirname "$0")/client_lib.bash"
source "$(dirname "$0")/hostile_lib.bash"

N=300
[ "${SANITIZE:-}" = 1 ] && N=150

t_start_relay; t_ok $? "ferryd starts"
FD0=$(fd_count "$RELAY_PID")

# A real transfer is running when the attack begins.
mkfile "$T_DIR/f.bin" $((12 * 1024 * 1024))
start_receiver bob "$T_DIR/bob" --count 1; t_ok $? "bob is listening"
BOB=$RX_PID
t_bg "$FERRY" send --name alice --to bob --limit-rate 6M "$T_DIR/f.bin" \
    >"$T_DIR/alice.out" 2>"$T_DIR/alice.err"
ALICE=$T_LAST
t_check "alice's bytes are flowing" t_wait_for 20 part_bigger_than "$T_DIR/bob" 1048576

# The attacker: N guessed binds on its own control connection, for a
# transfer of its own, and N data connections opened in waves of 50 and
# left unbound; a legitimate pairing is made in the middle of it.
slots=$(od -An -v -tx1 -N $((16 * N)) /dev/urandom | tr -d ' \n' | fold -w 32)
t_wire "$N random binds: each gets bad_slot, the connection stays; $N unbound data connections; a valid pairing meanwhile works" < <(
	echo "pair m:mallory n:accomplice 1 ready"
	echo "ignore m peer_joined peer_left"
	i=0
	for slot in $slots; do
		echo "send m {\"type\":\"bind\",\"transfer\":\${m.transfer},\"slot\":\"$slot\"}"
		echo "attach x$i"
		i=$((i + 1))
		if [ $((i % 50)) -eq 0 ]; then
			for j in $(seq $((i - 50)) $((i - 1))); do
				echo "expect m error code=bad_slot transfer=\${m.transfer}"
				echo "close x$j"
			done
		fi
		if [ "$i" -eq $((N / 2)) ]; then
			echo "pair carol dave 1048576"
			echo "pump carold daved 1048576 7"
		fi
	done
	echo "ping m"
	# Slots that are not slots at all: the message is bad, not the slot.
	k=0
	for slot in "" "00" "$(printf 'A%.0s' $(seq 32))" "$(printf 'g%.0s' $(seq 32))" "$(printf '0%.0s' $(seq 33))"; do
		echo "connect y$k"
		echo "hello y$k malformed-$k"
		echo "send y$k {\"type\":\"bind\",\"transfer\":1,\"slot\":\"$slot\"}"
		echo "expect y$k error code=bad_message"
		echo "expect-close y$k"
		echo "close y$k"
		k=$((k + 1))
	done
)

t_check "alice's transfer survived the attack (exit 0)" exited "$ALICE" 0 60
t_check "bob saved it intact" check_saved "$T_DIR/bob.out" f.bin "$T_DIR/f.bin" alice "$T_DIR/bob"
t_check "bob exits 0" exited "$BOB" 0 20
t_check "a new client is served after the attack" "$FERRY" peers --name probe
fd_back() { [ "$(fd_count "$RELAY_PID")" -le "$FD0" ]; }
t_wait_for 20 fd_back
t_ok $? "the relay's descriptors are back to $FD0 (now $(fd_count "$RELAY_PID"))"
t_check "the relay logged the refusals" grep -q 'bind by mallory of a slot the relay does not hold' "$RELAY_LOG"

t_stop_relay "tokens"
t_done
