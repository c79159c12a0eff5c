#!/usr/bin/env bash
# client_flood.sh: a receiver holds up to an offer flood by itself (the
# client side of PROTOCOL.md section 5). The relay here lets 1000 offers
# wait at one receiver (--max-pending 1000), so only the client's own
# bounds stand between a flooder and a real `ferry receive`:
#  - it opens a data connection for at most 16 offers not yet answered
#    and declines the others at once with `busy`, opening nothing;
#  - an offer costs it a few hundred bytes until its list of files comes,
#    whatever count it claims (each here claims 1000 files);
#  - when the flooder goes, it forgets every offer and gives back every
#    descriptor;
#  - none of those offers counts for --count 1, so a real transfer
#    afterwards lands and ends it with 0.
# Figures: bob's descriptors and RSS before, during and after the flood,
# the relay's, and a bystander's ping.
source "$(dirname "$0")/lib.bash"
source "$(dirname "$0")/relay_lib.bash"
source "$(dirname "$0")/hostile_lib.bash"
source "$(dirname "$0")/client_lib.bash"

N=40		# offers in the flood
# ASan's quarantine (and valgrind) keep freed memory: RSS is no bound there.
GROW_KB=4096
[ "${SANITIZE:-}" = 1 ] && GROW_KB=100000000
WAIT=16		# TRANSFER_MAX_WAITING in src/transfer_int.h

# The held offers must end because the flooder goes, not at the relay's
# 30 s bind deadline first (valgrind is that slow).
t_start_relay --max-pending 1000 --bind-timeout-ms $((30000 * T_SLOW)); t_ok $? "ferryd starts, letting 1000 offers wait at one receiver"
BOBDIR=$T_DIR/bob
start_receiver bob "$BOBDIR" --count 1; t_ok $? "bob is listening"
BOB=$RX_PID
FD0=$(fd_count "$BOB") RSS0=$(rss_kb "$BOB")

# bob_fds_at_most N: bob holds N descriptors or fewer.
bob_fds_at_most() { [ "$(fd_count "$BOB")" -le "$1" ]; }

offer_flood bob "$N" "$WAIT"
t_check "$N offers at once, each claiming 1000 files: bob declines $((N - WAIT)) at once with busy" \
    wire_reached h declined 30
# The 16 it took open their data connections; poll until they are all up.
t_check "bob opens one data connection for each of the $WAIT offers it holds, no more" \
    t_wait_for 10 eval '[ "$(fd_count "$BOB")" -ge $((FD0 + WAIT)) ]'
FD1=$(fd_count "$BOB") RSS1=$(rss_kb "$BOB")
t_diag "bob: $FD0 descriptors and $RSS0 kB before, $FD1 and $RSS1 kB holding $WAIT offers of 1000 files each; relay: $(fd_count "$RELAY_PID") descriptors, $(rss_kb "$RELAY_PID") kB"
t_ok "$(bob_fds_at_most $((FD0 + WAIT)) && echo 0 || echo 1)" \
    "bob holds at most $WAIT more descriptors ($FD0 -> $FD1)"
# The flooder never attaches, so each data connection waits unpaired: a
# socket and a few hundred bytes. The state of 1000 files made for each
# offer up front, as ferry did before, was ~720 kB per offer (11 MiB here).
t_ok "$(( RSS1 - RSS0 < GROW_KB ? 0 : 1 ))" "bob grew by less than $GROW_KB kB for $WAIT offers ($((RSS1 - RSS0)) kB)"

# A bystander is served meanwhile.
t_wire "a bystander's ping is answered during the flood" <<'EOF2'
connect by
hello by bystander
ping by
EOF2

# The flooder goes: the relay ends its transfers, and bob lets go of all.
t_check "the flooder's script ran to its end" wire_end h
t_check "bob gives every descriptor back" t_wait_for 20 bob_fds_at_most "$FD0"
t_diag "bob after the flood: $(fd_count "$BOB") descriptors, $(rss_kb "$BOB") kB"
t_check "bob is still waiting: declined and failed offers do not count for --count 1" \
    kill -0 "$BOB"
t_check "bob saved nothing" test -z "$(ls -A "$BOBDIR")"

send_saved carol bob 65536 "$BOBDIR" "after the flood a real transfer to bob completes"
t_check "bob exits 0 once that one is saved" exited "$BOB" 0 10
t_stop_relay "flood"
t_done
