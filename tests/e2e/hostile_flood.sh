#!/usr/bin/env bash
# hostile_flood.sh: a client that floods `peers` requests or offers meets the
# relay's per-connection allowance (PROTOCOL.md section 4; here 2 a second,
# 50 at once): the first 50 are served, the rest get error{rate_limited}
# (with the offer's ref), its connection stays open and is served again
# once the bucket refills, and everybody else is served normally meanwhile,
# a real transfer included. Each flood is one write; the relay may still
# read it in a few gulps, but at 2 a second no token comes back while it
# does (it takes far less than the 500 ms of one token, even under ASan:
# at the default 20 a second it once did not), so the counts are exact.
source "$(dirname "$0")/lib.bash"
source "$(dirname "$0")/relay_lib.bash"
source "$(dirname "$0")/client_lib.bash"
source "$(dirname "$0")/hostile_lib.bash"

BURST=50 N=200

# --max-pending: the offers all go to one victim; its own cap is hostile_limits.sh's.
t_start_relay --rate-limit 2 --rate-burst "$BURST" --max-pending 1000; t_ok $? "ferryd starts"

peers_hex=$(frame_hex '{"type":"peers"}')
flood_peers=$(for _ in $(seq "$N"); do printf '%s' "$peers_hex"; done)

# --- peers: exactly the burst is answered, the rest are refused -------------
t_wire "$N peers at once: $BURST peer_lists, then $((N - BURST)) error{rate_limited}, connection open" < <(
	echo "connect f"
	echo "hello f flooder"
	echo "ignore f peer_joined peer_left"
	echo "raw f $flood_peers"
	for _ in $(seq "$BURST"); do echo "expect f peer_list more=false"; done
	for _ in $(seq $((N - BURST))); do echo "expect f error code=rate_limited ref=0 transfer=0 message~peers"; done
	echo "quiet f 100"
	# 2 a second: after 600 ms there is a token again.
	echo "sleep 600"
	echo 'send f {"type":"peers"}'
	echo "expect f peer_list more=false"
	echo "ping f"
)

# --- offers: the burst is forwarded, the rest refused by ref ----------------
t_wire "$N offers at once: $BURST offered, then error{rate_limited, ref} for each other ref" < <(
	echo "connect v"
	echo "hello v victim"
	echo "ignore v peer_joined peer_left ready"
	echo "connect g"
	echo "hello g offerer"
	echo "ignore g peer_joined peer_left ready"
	# In one write, as a flood would come: cork holds them back.
	echo "cork g"
	for i in $(seq "$N"); do
		echo 'send g {"type":"offer","ref":'"$i"',"to":${v.id},"count":1,"size":1}'
	done
	echo "uncork g"
	for i in $(seq "$BURST"); do echo "expect g offered ref=$i peer=victim"; done
	for i in $(seq $((BURST + 1)) "$N"); do echo "expect g error code=rate_limited ref=$i message~offer"; done
	for _ in $(seq "$BURST"); do echo "expect v incoming peer=offerer"; done
	# Somebody else, meanwhile, is served as usual.
	echo "connect b"
	echo "hello b bystander"
	echo "ignore b peer_joined peer_left ready"
	echo 'send b {"type":"peers"}'
	echo "expect b peer_list more=false"
	echo 'send b {"type":"offer","ref":7,"to":${v.id},"count":1,"size":1}'
	echo "expect b offered ref=7 peer=victim"
	echo "expect v incoming peer=bystander"
)

# --- a flood that goes on while a real transfer runs ------------------------
mkfile "$T_DIR/f.bin" $((8 * 1024 * 1024))
start_receiver bob "$T_DIR/bob" --count 1; t_ok $? "bob is listening"
BOB=$RX_PID
# The storm goes on, one round (a $N-peers write, then a ping) at a time,
# for as long as the transfer runs.
wire_open z
wire_say z "connect z" "hello z storm" "ignore z peer_joined peer_left peer_list error"
t_check "ferry peers is answered while the storming client is on (and lists it)" \
    t_wait_for 10 listed storm
t_bg "$FERRY" send --name alice --to bob --limit-rate 8M "$T_DIR/f.bin" \
    >"$T_DIR/alice.out" 2>"$T_DIR/alice.err"
SEND=$T_LAST
rounds=0 st=0
while kill -0 "$SEND" 2>/dev/null && [ "$rounds" -lt 3000 ]; do
	wire_say z "raw z $flood_peers" "ping z" "echo @r$rounds"
	wire_reached z "@r$rounds" 20 || { st=1; break; }
	rounds=$((rounds + 1))
done
t_ok "$st" "the storming client stayed connected through $rounds rounds of $N peers (its pings answered)"
t_check "a real ferry send completed during the storm" exited "$SEND" 0 60
t_check "bob saved it intact" check_saved "$T_DIR/bob.out" f.bin "$T_DIR/f.bin" alice "$T_DIR/bob"
t_check "bob exits 0" exited "$BOB" 0 20
t_check "the storming client's script ran to its end" wire_end z
t_check "the relay logged the refusals" grep -q 'error rate_limited sent' "$RELAY_LOG"

t_stop_relay "flood"
t_done
