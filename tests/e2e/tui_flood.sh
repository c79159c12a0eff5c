#!/usr/bin/env bash
# tui_flood.sh: client_flood.sh's offer flood against the TUI, which runs
# the same engine: through a relay that lets 1000 offers wait at one
# receiver, 40 offers claiming 1000 files each reach bob's TUI; it holds
# a data connection for 16 and declines 24 at once with busy; when the
# flooder goes, the TUI gives every descriptor back and keeps the rows of
# only the last 8 offers that ended unaccepted; then a real offer still
# gets its dialog and lands. Figures: the TUI's descriptors and RSS.
source "$(dirname "$0")/lib.bash"
source "$(dirname "$0")/relay_lib.bash"
source "$(dirname "$0")/hostile_lib.bash"
source "$(dirname "$0")/tui.bash"

N=40 WAIT=16 KEEP=8	# TRANSFER_MAX_WAITING; UI_UNANSWERED_KEEP
# ASan's quarantine (and valgrind) keep freed memory: RSS is no bound there.
GROW_KB=4096
[ "${SANITIZE:-}" = 1 ] && GROW_KB=100000000

# The held offers must end because the flooder goes, not at the relay's
# 30 s bind deadline first (valgrind is that slow).
t_start_relay --max-pending 1000 --bind-timeout-ms $((30000 * T_SLOW)); t_ok $? "ferryd starts, letting 1000 offers wait at one receiver"
mkdir -p "$T_DIR/b" "$T_DIR/bin" "$T_DIR/a"
printf 'the real one\n' > "$T_DIR/a/real.txt"
tui_use bob
tui_start "$T_DIR/b" --server "$RELAY_ADDR" --name bob --dir "$T_DIR/bin"
t_check "bob's TUI is connected" tui_wait_for "$RELAY_ADDR connected"
PANE=$(T display -p -t bob '#{pane_pid}')
# The pane's one child: ferry, or valgrind running it.
TUI=$(pgrep -P "$PANE" | head -n1)
t_ok "$([ -n "$TUI" ]; echo $?)" "the TUI's process is found (pid ${TUI:-none})"
t_check "the TUI is idle" tui_wait_stable
FD0=$(fd_count "$TUI") RSS0=$(rss_kb "$TUI")
tui_fds_at_most() { [ "$(fd_count "$TUI")" -le "$1" ]; }

offer_flood bob "$N" "$WAIT"
t_check "$N offers at once: the TUI declines $((N - WAIT)) at once with busy" \
    wire_reached h declined 30
t_check "it holds a data connection for each of the other $WAIT" \
    t_wait_for 10 eval '[ "$(fd_count "$TUI")" -ge $((FD0 + WAIT)) ]'
FD1=$(fd_count "$TUI") RSS1=$(rss_kb "$TUI")
t_diag "bob's TUI: $FD0 descriptors and $RSS0 kB before, $FD1 and $RSS1 kB holding $WAIT offers of 1000 files each"
t_ok "$(tui_fds_at_most $((FD0 + WAIT)) && echo 0 || echo 1)" "no more than $WAIT more descriptors ($FD0 -> $FD1)"
t_ok "$(( RSS1 - RSS0 < GROW_KB ? 0 : 1 ))" "the TUI grew by less than $GROW_KB kB ($((RSS1 - RSS0)) kB)"

t_check "the flooder's script ran to its end" wire_end h
t_check "the TUI gives every descriptor back" t_wait_for 20 tui_fds_at_most "$FD0"
t_check "the ended offers show" tui_wait_for 'flooder +an offer'
t_check "the TUI settles" tui_wait_stable
# The pane's title counts every transfer the TUI still holds.
t_check "only the last $KEEP ended offers are kept (the pane says Transfers $KEEP)" \
    tui_wait_for "Transfers $KEEP\\b"
t_diag "bob's TUI after the flood: $(fd_count "$TUI") descriptors, $(rss_kb "$TUI") kB"

t_bg "$FERRY" send --server "$RELAY_ADDR" --name alice --to bob --quiet "$T_DIR/a/real.txt" 2>"$T_DIR/alice.err"
ALICE=$T_LAST
t_check "a real offer still gets its dialog" tui_wait_for 'alice .* wants to send you a file'
tui_keys y
t_check "and lands" t_wait_for 20 test -f "$T_DIR/bin/real.txt"
t_check "alice's send exits 0" t_wait_exit "$ALICE" 20
t_ok "${T_STATUS:-1}" "with status 0 (got ${T_STATUS:-none})"
tui_keys q
t_check "q quits" tui_wait_exit
t_done
