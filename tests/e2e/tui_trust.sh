#!/usr/bin/env bash
# tui_trust.sh: who a peer is, in the TUI. The Peers pane marks a peer
# never met "new"; an offer from it shows the session's code in the dialog,
# the same code the sender prints; v marks the key verified (known_peers
# says so, the pane says "verified"); a peer that takes a known name with
# another key is marked "KEY CHANGED", and its offer fails loudly in the
# Transfers pane with nothing saved.
source "$(dirname "$0")/lib.bash"
source "$(dirname "$0")/tui.bash"

t_start_relay || exit 1
mkdir -p "$T_DIR/home" "$T_DIR/inbox" "$T_DIR/out"
printf 'hello\n' > "$T_DIR/out/hi.txt"
# bob is another person: his own key, his own config folder.
BOBCFG=$T_DIR/bobcfg
mkdir -p -m 700 "$BOBCFG/ferry"
cp "$XDG_CONFIG_HOME/ferry/known_relays" "$BOBCFG/ferry/"

tui_start "$T_DIR/home" --server "$RELAY_ADDR" --name alice --dir "$T_DIR/inbox"
t_check "the TUI is connected" tui_wait_for "$RELAY_ADDR connected"
XDG_CONFIG_HOME=$BOBCFG t_bg "$FERRY" receive --server "$RELAY_ADDR" --name bob \
    --dir "$T_DIR/out" --count 1 >/dev/null 2>&1
BOBRX=$T_LAST
t_check "a peer never met is marked new" tui_wait_for 'new'
t_stop "$BOBRX" 5 INT
t_check "bob leaves" tui_wait_gone 'new'

XDG_CONFIG_HOME=$BOBCFG t_bg bash -c "exec \"\$0\" send --server '$RELAY_ADDR' --name bob --to alice --quiet '$T_DIR/out/hi.txt' 2>'$T_DIR/bob.err'" "$FERRY"
BOB=$T_LAST
t_check "bob's offer opens the dialog" tui_wait_for 'Incoming files'
t_check "with a code to compare, as a first contact" \
    tui_wait_for 'First contact, code [0-9]{3} [0-9]{3} [0-9]{3}: compare with bob, v if it matches'
t_wait_for 10 grep -q 'compare the code' "$T_DIR/bob.err"
code=$(grep -oE 'the code [0-9]{3} [0-9]{3} [0-9]{3}' "$T_DIR/bob.err" | cut -d' ' -f3-)
t_check "it is the code bob's ferry printed ($code)" tui_wait_for "code $code:"
tui_keys v
t_check "known_peers says so" t_wait_for 10 grep -qE $'^bob\t[0-9A-Z]{52}\tverified$' "$XDG_CONFIG_HOME/ferry/known_peers"
t_check "v: the dialog now says the key is verified" tui_wait_for "bob's key [0-9A-Z-]{19} is verified"
t_check "and the Peers pane marks bob verified" tui_wait_for '127\.0\.0\.1:[0-9]+ verified'

tui_keys y
t_check "y accepts: the file arrives" tui_wait_for '↓ bob +hi\.txt +done'
t_check "bob's send exits" t_wait_exit "$BOB" "$TUI_WAIT"
XDG_CONFIG_HOME=$BOBCFG t_bg "$FERRY" receive --server "$RELAY_ADDR" --name bob \
    --dir "$T_DIR/out" --count 1 >/dev/null 2>&1
BOBRX=$T_LAST
t_check "bob is back: verified" tui_wait_for 'verified'
t_stop "$BOBRX" 5 INT

# Someone else as bob.
MCFG=$T_DIR/malcfg
mkdir -p -m 700 "$MCFG/ferry"
cp "$XDG_CONFIG_HOME/ferry/known_relays" "$MCFG/ferry/"
XDG_CONFIG_HOME=$MCFG t_bg "$FERRY" receive --server "$RELAY_ADDR" --name bob \
    --dir "$T_DIR/out" --count 1 >/dev/null 2>&1
MRX=$T_LAST
t_check "a bob with another key is marked KEY CHANGED" tui_wait_for 'KEY CHANGED'
t_stop "$MRX" 5 INT
XDG_CONFIG_HOME=$MCFG t_bg bash -c "exec \"\$0\" send --server '$RELAY_ADDR' --name bob --to alice --quiet '$T_DIR/out/hi.txt' 2>'$T_DIR/mal.err'" "$FERRY"
MAL=$T_LAST
t_check "its offer fails in the Transfers pane, loudly" tui_wait_for 'failed: THE KEY OF bob HAS CHANGED'
t_check "no dialog opened for it" tui_wait_gone 'Incoming files'
t_check "its send exits" t_wait_exit "$MAL" "$TUI_WAIT"
t_ok "$([ "${T_STATUS:-0}" != 0 ]; echo $?)" "with a non-zero status (got ${T_STATUS:-none})"
t_check "nothing more was saved" test "$(ls "$T_DIR/inbox")" = hi.txt
tui_keys q
t_check "q quits" tui_wait_exit
t_done
