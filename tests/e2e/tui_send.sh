#!/usr/bin/env bash
# tui_send.sh: sending from the TUI with nothing but arrows, Space and s:
# pick a peer (the second of two), mark a file, confirm; the headless
# receiver gets the file with the right SHA-256 and the row reaches done.
source "$(dirname "$0")/lib.bash"
source "$(dirname "$0")/tui.bash"

t_start_relay || exit 1
mkdir -p "$T_DIR/home" "$T_DIR/inbox" "$T_DIR/bob" "$T_DIR/carol" "$T_DIR/home/sub"
head -c 3000000 /dev/urandom > "$T_DIR/home/data.bin"
printf 'hello from alice\n' > "$T_DIR/home/notes.txt"
# Two names a receiver refuses (names_fool.sh has the rest): in sub/.
echo x >"$T_DIR/home/sub/a "
echo x >"$T_DIR/home/sub/b"$'\u200b'

t_bg "$FERRY" receive --server "$RELAY_ADDR" --name bob --dir "$T_DIR/bob"
t_bg "$FERRY" receive --server "$RELAY_ADDR" --name carol --dir "$T_DIR/carol" --count 1
CAROL=$T_LAST
tui_start "$T_DIR/home" --server "$RELAY_ADDR" --name alice --dir "$T_DIR/inbox"

t_check "both receivers show up" tui_wait_for 'Peers 2'
t_check "the picker lists the start folder, folders first" \
	bash -c "tmux -L '$TUI_SOCK' capture-pane -p -t $TUI_S | grep -oE '(sub/|data\.bin|notes\.txt)' | tr '\n' ' ' | grep -q 'sub/ data.bin notes.txt'"
t_check "with sizes in human units" tui_wait_for 'data\.bin +2\.9 MiB'

# Shift-Tab to Peers, Down to carol, Tab back to Files.
tui_keys BTab
t_check "Shift-Tab focuses Peers (its keys in the status line)" tui_wait_for 'Enter files'
tui_keys Down
tui_keys Tab
t_check "Tab goes back to Files" tui_wait_for 'Space mark'
# The cursor starts on "..": Down twice to data.bin, Space marks it.
tui_keys Down Down Space
t_check "Space marks the file" tui_wait_for '1 marked, 2\.9 MiB'
tui_keys s
t_check "s asks first, saying what goes to whom" \
	tui_wait_for 'Send data\.bin \(2\.9 MiB\) to carol\?'
tui_keys s
t_check "the transfer row appears, sending to carol" tui_wait_for '↑ carol +data\.bin'
t_check "and reaches done, verified" tui_wait_for 'done ✓ verified'
t_check "the receiver exits 0 after its one transfer" t_wait_exit "$CAROL" "$TUI_WAIT"
t_ok "$([ "${T_STATUS:-1}" = 0 ]; echo $?)" "carol's receive exit status is 0 (got ${T_STATUS:-none})"
t_check "carol's copy has the same SHA-256" \
	same_sha "$T_DIR/carol/data.bin" "$T_DIR/home/data.bin"
t_ok "$([ -z "$(ls -A "$T_DIR/bob")" ]; echo $?)" "bob got nothing"
t_check "the marks are cleared after the offer" tui_wait_gone 'marked'

# Enter on a file sends that file; the confirm says so; n keeps it unsent.
tui_keys BTab Up Tab Enter
t_check "Enter on a file asks to send that file" \
	tui_wait_for 'Send notes\.txt \(17 B\) to bob\?'
tui_keys n
t_check "n drops the question" tui_wait_gone 'Send notes'

# Folders open with Enter and Backspace goes back up.
tui_keys Up Up Enter
t_check "Enter opens a folder" tui_wait_for 'Files ~/home/sub'
# Both bad names marked: s says how many and which, and asks nothing.
tui_keys Down Space Down Space
t_check "two files marked in sub/" tui_wait_for '2 marked'
tui_keys s
t_check "s refuses them at once, with the count and the first name" \
	tui_wait_for '2 file names cannot be sent \(rename and send again\): "a " ends'
t_check "and asks nothing" tui_wait_gone 'Send 2 files'
tui_keys BSpace
t_check "Backspace goes up again, the cursor on the folder we left" \
	tui_wait_for 'Files ~/home ─'
tui_keys q
t_check "q quits" tui_wait_exit
t_ok "$([ "${TUI_RC:-1}" = 0 ]; echo $?)" "the TUI exits with status 0 (got ${TUI_RC:-none})"
t_check "the TUI wrote nothing to stderr" tui_err_empty

# A marked folder goes whole, and 1001 marked files go in one send.
mkdir -p "$T_DIR/tree/many/sub/deeper" "$T_DIR/tree/many/empty"
(cd "$T_DIR/tree/many" && for i in $(seq 1001); do echo "$i" >"f$i"; done)
echo deep >"$T_DIR/tree/many/sub/deeper/deep.txt"
tui_use many
tui_start "$T_DIR/tree" --server "$RELAY_ADDR" --name dora --dir "$T_DIR/inbox"
t_check "a TUI beside a folder of 1001 files sees bob" tui_wait_for 'Peers 1'
tui_keys Down Space
t_check "Space marks the folder" tui_wait_for '1 marked'
tui_keys s
t_check "s asks to send the folder with everything in it" \
	tui_wait_for 'Send the folder many with everything in it to bob\?'
tui_keys s
t_check "the folder's transfer reaches done" tui_wait_for 'done ✓ verified'
t_check "bob has the whole tree, empty folder included" \
	t_wait_for 20 diff -r "$T_DIR/tree/many" "$T_DIR/bob/many"
tui_keys Enter
t_check "Enter opens the folder" tui_wait_for 'Files .*/tree/many'
tui_keys a
t_check "a marks its 1001 files, not its folders" tui_wait_for '1001 marked'
tui_keys s
t_check "s asks about 1001 files, no ceiling" tui_wait_for 'Send 1001 files \(.*\) to bob\?'
tui_keys s
t_check "and they arrive" t_wait_for 30 test -f "$T_DIR/bob/f1001"
t_check "every one of them" test "$(find "$T_DIR/bob" -maxdepth 1 -name 'f*' | wc -l)" -eq 1001
t_check "and their row reaches done, verified" tui_wait_for '1001 files +done ✓ verified'
tui_keys q
t_check "q quits" tui_wait_exit
t_done
