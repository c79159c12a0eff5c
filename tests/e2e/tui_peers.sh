#!/usr/bin/env bash
# tui_peers.sh: the TUI's Peers pane is live: a headless client joining the
# relay shows up with its HOST:PORT, and leaving removes it at once.
source "$(dirname "$0")/lib.bash"
source "$(dirname "$0")/tui.bash"

t_start_relay || exit 1
mkdir -p "$T_DIR/home" "$T_DIR/inbox" "$T_DIR/bob"
tui_start "$T_DIR/home" --server "$RELAY_ADDR" --name alice --dir "$T_DIR/inbox"

t_check "the TUI connects and shows an empty Peers pane" \
	tui_wait_for 'Peers 0'
t_check "the header shows the relay and the connection" \
	tui_wait_for "$RELAY_ADDR connected"

t_bg "$FERRY" receive --server "$RELAY_ADDR" --name bob --dir "$T_DIR/bob"
BOB=$T_LAST
t_check "a headless client joining appears in the Peers pane" \
	tui_wait_for 'Peers 1'
t_check "with its name" tui_wait_for '│ +bob'
t_check "and its HOST:PORT" tui_wait_for '│ +127\.0\.0\.1:[0-9]+'

t_bg "$FERRY" receive --server "$RELAY_ADDR" --name carol --dir "$T_DIR/bob"
CAROL=$T_LAST
t_check "a second one appears too" tui_wait_for 'Peers 2'
t_check "sorted by name, below bob" \
	bash -c "tmux -L '$TUI_SOCK' capture-pane -p -t $TUI_S | grep -oE '│ +(bob|carol) ' | grep -oE 'bob|carol' | tr '\n' ' ' | grep -qx 'bob carol '"

kill "$BOB"
t_check "leaving removes it at once" tui_wait_for 'Peers 1'
t_check "bob is gone, carol stays" \
	bash -c "! tmux -L '$TUI_SOCK' capture-pane -p -t $TUI_S | grep -qE '│ +bob ' && tmux -L '$TUI_SOCK' capture-pane -p -t $TUI_S | grep -qE '│ +carol '"
kill "$CAROL"
t_check "and the last one too" tui_wait_for 'Peers 0'

tui_keys q
t_check "q quits at once when nothing is running" tui_wait_exit
t_ok "$([ "${TUI_RC:-1}" = 0 ]; echo $?)" "the TUI exits with status 0 (got ${TUI_RC:-none})"
t_check "the TUI wrote nothing to stderr" tui_err_empty

# SIGTERM (and SIGINT, SIGHUP) end it cleanly too: curses is shut down, status 0.
tui_use term
tui_start "$T_DIR/home" --server "$RELAY_ADDR" --name alice2 --dir "$T_DIR/inbox"
t_check "a second TUI starts" tui_wait_for "$RELAY_ADDR connected"
FPID=$(pgrep -P "$(T display -p -t term '#{pane_pid}')" | head -n1)
t_ok "$([ -n "$FPID" ]; echo $?)" "its PID is known"
[ -n "$FPID" ] && kill -TERM "$FPID"
t_check "SIGTERM makes it exit" tui_wait_exit
t_ok "$([ "${TUI_RC:-1}" = 0 ]; echo $?)" "with status 0 (got ${TUI_RC:-none})"
t_check "and nothing on stderr" tui_err_empty
t_done
