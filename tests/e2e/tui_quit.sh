#!/usr/bin/env bash
# tui_quit.sh: two TUIs on one relay. alice offers a file to bob, whose
# dialog waits; while that transfer runs, q in alice's TUI asks first (n
# keeps it running), x cancels it after a question, and bob's dialog goes
# away with the row showing why. Then q quits both.
source "$(dirname "$0")/lib.bash"
source "$(dirname "$0")/tui.bash"

t_start_relay || exit 1
mkdir -p "$T_DIR/a" "$T_DIR/b" "$T_DIR/ain" "$T_DIR/bin"
printf 'for bob\n' > "$T_DIR/a/letter.txt"

tui_use bob
tui_start "$T_DIR/b" --server "$RELAY_ADDR" --name bob --dir "$T_DIR/bin"
tui_use alice
tui_start "$T_DIR/a" --server "$RELAY_ADDR" --name alice --dir "$T_DIR/ain"
t_check "alice sees bob" tui_wait_for 'Peers 1'
tui_keys Down Enter
t_check "Enter on a file asks to send it to the only peer" \
	tui_wait_for 'Send letter\.txt \(8 B\) to bob\?'
tui_keys Enter
t_check "alice waits for bob's answer" tui_wait_for 'waiting for bob to accept'

tui_use bob
t_check "bob gets the dialog" tui_wait_for 'alice .* wants to send you a file'
t_check "bob's Peers pane marks alice as busy" tui_wait_for '⇅ alice'

tui_use alice
tui_keys q
t_check "q asks first while a transfer runs" tui_wait_for '1 transfer is still running: quit and cancel it\?'
tui_keys n
t_check "n keeps the TUI running" tui_wait_gone 'still running'
tui_keys x
t_check "x asks before cancelling" tui_wait_for 'Cancel sending letter\.txt to bob\?'
tui_keys y
t_check "the row says cancelled" tui_wait_for 'cancelled'

tui_use bob
t_check "bob's dialog goes away by itself" tui_wait_gone 'Incoming files'
t_check "and bob's row says it was cancelled" tui_wait_for '↓ alice +letter\.txt +cancelled'
t_ok "$([ -z "$(ls -A "$T_DIR/bin")" ]; echo $?)" "nothing was written in bob's folder"
tui_keys q
t_check "bob quits" tui_wait_exit
t_ok "$([ "${TUI_RC:-1}" = 0 ]; echo $?)" "bob's TUI exits with status 0 (got ${TUI_RC:-none})"
t_check "bob's TUI wrote nothing to stderr" tui_err_empty

tui_use alice
t_check "alice sees bob leave" tui_wait_for 'Peers 0'
tui_keys q
t_check "alice quits at once: nothing runs now" tui_wait_exit
t_ok "$([ "${TUI_RC:-1}" = 0 ]; echo $?)" "alice's TUI exits with status 0 (got ${TUI_RC:-none})"
t_check "alice's TUI wrote nothing to stderr" tui_err_empty
t_done
