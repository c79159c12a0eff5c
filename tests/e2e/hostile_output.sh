#!/usr/bin/env bash
# hostile_output.sh: clients that ask for big answers and never read them
# meet the relay-wide budget of queued control output (--output-budget,
# PROTOCOL.md section 5): past it the relay closes the connections with
# the largest backlog first, so its memory stays near the budget whatever
# they ask, while clients that read are not touched. Here the budget is
# 1 MiB; 200 members with long names make each peer_list ~30 kB; 6
# clients each ask for 600 of them in one write (~100 MB in all; the
# kernel's buffers on loopback hold up to ~10 MB a connection, the rest
# queues in the relay) and read nothing. The members read only when the
# script looks, and the relay closes clients silent for 60 s: the checks
# on them come well before. Figures: the relay's RSS and its peak, its descriptors, a
# bystander's ping and a bystander's real transfer.
source "$(dirname "$0")/lib.bash"
source "$(dirname "$0")/relay_lib.bash"
source "$(dirname "$0")/client_lib.bash"
source "$(dirname "$0")/hostile_lib.bash"

BUDGET=1048576 HOGS=6 ASKS=600
# ASan's quarantine (and valgrind) keep freed memory: RSS is no bound there.
GROW_KB=16384
[ "${SANITIZE:-}" = 1 ] && GROW_KB=100000000

t_start_relay --output-budget "$BUDGET" --rate-limit 1000 --rate-burst 1000 \
    --max-per-addr 1000
t_ok $? "ferryd starts with a budget of $BUDGET bytes of unread output"
BOBDIR=$T_DIR/bob
start_receiver bob "$BOBDIR" --count 1; t_ok $? "bob is listening"

long=$(printf 'm%.0s' $(seq 56))
wire_open m
wire_say m "connect-many p 200" "hello p* $long*" "echo members"
t_check "200 members with 60-byte names are on the relay" wire_reached m members 120
RSS0=$(rss_kb "$RELAY_PID") FD0=$(fd_count "$RELAY_PID")

peers_hex=$(frame_hex '{"type":"peers"}')
flood=$(for _ in $(seq "$ASKS"); do printf '%s' "$peers_hex"; done)
wire_open n
for k in $(seq "$HOGS"); do
	wire_say n "connect n$k" "hello n$k hog$k" "raw n$k $flood"
done
wire_say n "echo asked"
t_check "$HOGS clients each ask for $ASKS peer lists at once and read nothing" \
    wire_reached n asked 60

# closed_hogs: how many the relay closed over the budget, by its log.
closed_hogs() { grep -c "over the relay's budget of $BUDGET; closing" "$RELAY_LOG"; }
t_check "the relay closes the biggest backlogs once over its budget" \
    t_wait_for 30 eval '[ "$(closed_hogs)" -ge 1 ]'
t_check "and every hog in the end (their answers would not fit)" \
    t_wait_for 30 eval '[ "$(closed_hogs)" -ge $HOGS ]'
HWM=$(awk '$1 == "VmHWM:" { print $2 }' "/proc/$RELAY_PID/status")
t_diag "relay: $RSS0 kB and $FD0 descriptors before; peak $HWM kB, now $(rss_kb "$RELAY_PID") kB and $(fd_count "$RELAY_PID") descriptors; $(closed_hogs) clients closed over the budget; the hogs asked for ~$(( HOGS * ASKS * 30 / 1024 )) MB"
# Without the budget the relay would queue up to its cap of 8 MiB a
# client: ~48 MB. With it, the peak stays within a few budgets.
t_ok "$(( HWM - RSS0 < GROW_KB ? 0 : 1 ))" "the relay's peak grew by less than $GROW_KB kB ($((HWM - RSS0)) kB)"
t_check "the relay gives the hogs' descriptors back" \
    t_wait_for 20 eval '[ "$(fd_count "$RELAY_PID")" -le "$FD0" ]'

t_wire "a bystander's ping is answered" <<'EOF2'
connect by
hello by bystander
ping by
EOF2
wire_say m "ping p0" "ping p199" "echo served"
t_check "members that were only slow to read are still served" wire_reached m served 30
send_saved carol bob 65536 "$BOBDIR" "a bystander's real transfer completes"
t_check "bob exits 0" exited "$RX_PID" 0 10
t_check "the hogs' script ran to its end" wire_end n
t_stop_relay "output"
t_done
