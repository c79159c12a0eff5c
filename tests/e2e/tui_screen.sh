#!/usr/bin/env bash
# tui_screen.sh: the TUI as a whole: refuses to run without a terminal,
# resizes (below 80x24 it says so instead of drawing garbage), shows the
# help overlay with every key, survives the relay going away (reconnects
# with the picker state kept), asks before quitting while a transfer runs.
source "$(dirname "$0")/lib.bash"
source "$(dirname "$0")/tui.bash"

t_start_relay || exit 1
mkdir -p "$T_DIR/home" "$T_DIR/inbox"
printf 'x\n' > "$T_DIR/home/a.txt"
printf 'y\n' > "$T_DIR/home/b.txt"
printf 'h\n' > "$T_DIR/home/.hidden"

# Not a terminal: a clear error and exit status 2, before touching anything.
"$FERRY" --server "$RELAY_ADDR" --name nobody </dev/null >"$T_DIR/notty.out" 2>"$T_DIR/notty.err"
rc=$?
t_ok "$([ "$rc" = 2 ]; echo $?)" "without a terminal ferry exits 2 (got $rc)"
t_check "and says it needs a terminal" grep -q 'terminal' "$T_DIR/notty.err"

# Colours: on by default, and NO_COLOR turns them off (attributes remain).
has_color() { tui_screen -e | grep -qE $'\e\\[([0-9;]*;)?(3[0-7]|4[0-7]|38;5;[0-9]+)(;[0-9;]*)?m'; }
tui_use mono
TUI_NO_COLOR=1 tui_start "$T_DIR/home" --server "$RELAY_ADDR" --name mono --dir "$T_DIR/inbox"
t_check "with NO_COLOR set the TUI starts" tui_wait_for 'Transfers 0'
t_ok "$(has_color; [ $? != 0 ]; echo $?)" "and draws without colours"
tui_keys q
t_check "and quits" tui_wait_exit
tui_use app

tui_start "$T_DIR/home" --server "$RELAY_ADDR" --name alice --dir "$T_DIR/inbox"
t_check "the TUI starts with three panes" tui_wait_for 'Transfers 0'
t_check "in colour when NO_COLOR is not set" has_color
t_check "the status line shows the focused pane's keys" tui_wait_for 'Space mark'
t_check "our name is in the header" tui_wait_for 'you alice'
fp=$("$FERRY" id 2>/dev/null | sed -n 2p | cut -d' ' -f2)
t_check "and our key's fingerprint, as ferry id shows it ($fp)" \
    tui_wait_for "you alice ${fp:-no-fingerprint} "

# Picker state to keep across the reconnect below: a mark, hidden files shown.
tui_keys Down Space .
t_check "hidden files can be shown" tui_wait_for '\.hidden'
t_check "the mark is counted" tui_wait_for '1 marked'

tui_keys /
tui_keys -l 'b.t'
t_check "/ filters by typed text" tui_wait_gone 'a\.txt'
t_check "the filter shows in the title" tui_wait_for '/b\.t'
tui_keys Escape
t_check "Esc clears the filter" tui_wait_for 'a\.txt'

# Resize below the minimum and back.
T resize-window -t "$TUI_S" -x 60 -y 20
t_check "at 60x20 it says the terminal is too small" tui_wait_for 'terminal too small'
t_check "with the sizes" tui_wait_for 'need 80x24, have 60x20'
T resize-window -t "$TUI_S" -x 100 -y 30
t_check "back at 100x30 the panes return" tui_wait_for 'Transfers 0'
t_check "and the message is gone" tui_wait_gone 'too small'
T resize-window -t "$TUI_S" -x 80 -y 24
t_check "80x24 is enough" tui_wait_for 'Transfers 0'
t_check "where the key bar is cut short" tui_wait_gone 'Tab pane'
T resize-window -t "$TUI_S" -x 100 -y 30
# The clicks below are for the 100x30 layout: wait until it is drawn.
t_check "at 100x30 the whole key bar is back" tui_wait_for 'Tab pane'

# Mouse: a click focuses the pane under it and selects the row. tmux passes
# the reports through as X10 sequences (tmux-256color's kmous): ESC [ M then
# button, column and row, each plus 32 (1-based).
tui_keys -l $'\e[M +:'
tui_keys -l $'\e[M#+:'
t_check "a click focuses the pane under it (Transfers)" tui_wait_for 'x cancel'
tui_keys -l $'\e[M I%'
tui_keys -l $'\e[M#I%'
t_check "a click on a file row focuses Files and selects that row" tui_wait_for 'marked, 2 B  3/4'

# Help.
tui_keys '?'
t_check "? opens the help" tui_wait_for 'Keys'
t_check "it lists the pane keys" tui_wait_for 'cancel the selected transfer'
t_check "and the dialog keys" tui_wait_for 'accept into the target folder'
tui_keys '?'
t_check "? closes it again" tui_wait_gone 'cancel the selected transfer'

# The relay goes away: the header says so, the client retries, and comes back
# when a relay listens on that address again, with the picker as it was.
kill "$RELAY_PID"
t_check "the header shows the relay is gone" tui_wait_for 'disconnected'
t_check "and that it retries" tui_wait_for 'retrying'
"$FERRYD" --listen "$RELAY_ADDR" 2>"$T_DIR/ferryd2.log" &
T_PIDS+=("$!")
t_check "it reconnects by itself" tui_wait_for "$RELAY_ADDR connected" 40
t_check "the mark survived" tui_wait_for '1 marked'
t_check "hidden files are still shown" tui_wait_for '\.hidden'

# q asks first while a transfer runs: an offer waiting for an answer is one.
mkdir -p "$T_DIR/bob"
t_bg "$FERRY" receive --server "$RELAY_ADDR" --name bob --dir "$T_DIR/bob"
t_check "a peer joins" tui_wait_for 'Peers 1'
tui_keys s
t_check "s asks to send the marked file" tui_wait_for 'Send a\.txt'
tui_keys y
t_check "it is sent" tui_wait_for 'done ✓ verified'
# (A finished transfer does not count as running.)
tui_keys q
t_check "q with nothing running quits at once" tui_wait_exit
t_ok "$([ "${TUI_RC:-1}" = 0 ]; echo $?)" "the TUI exits with status 0 (got ${TUI_RC:-none})"
t_check "the TUI wrote nothing to stderr" tui_err_empty
t_done
