#!/usr/bin/env bash
# tui_choose.sh: a folder offered to the TUI shows as a tree in the dialog
# (indented, folders with a slash, sizes), everything ticked; a list longer
# than the dialog scrolls; Space unticks a folder with everything in it and
# the total follows; y takes what is ticked: the folder left out is not
# made, the rest arrives intact, and the sender hears what was left out.
# Unticking everything and answering y declines.
source "$(dirname "$0")/lib.bash"
source "$(dirname "$0")/tui.bash"

t_start_relay || exit 1
P="$T_DIR/out/trip"
mkdir -p "$T_DIR/home" "$T_DIR/inbox" "$P/raw" "$P/edited/best"
for i in $(seq -w 1 30); do head -c 2048 /dev/urandom >"$P/raw/img$i.cr2"; done
head -c 5000 /dev/urandom >"$P/edited/best/cover.jpg"
printf 'notes\n' >"$P/notes.txt"

tui_start "$T_DIR/home" --server "$RELAY_ADDR" --name alice --dir "$T_DIR/inbox"
t_check "the TUI is connected" tui_wait_for "$RELAY_ADDR connected"
t_bg bash -c "exec \"\$0\" send --server '$RELAY_ADDR' --name bob --to alice '$P' 2>'$T_DIR/bob.err' >'$T_DIR/bob.out'" "$FERRY"
BOB=$T_LAST
t_check "the offer says files in folders" tui_wait_for 'bob .* wants to send you 32 files in 4 folders'
t_check "the tree starts with the folder, ticked" tui_wait_for '\[x\] trip/ +folder'
t_check "inner folders are indented" tui_wait_for '\[x\]   edited/ +folder'
t_check "files deeper still, with sizes" tui_wait_for '\[x\]     best/ +folder'
t_check "a long list says where it is" tui_wait_for '1-[0-9]+ of 36'
t_check "the total is every byte" tui_wait_for 'Total +64\.9 KiB'
tui_keys End
t_check "End scrolls to the last entry" tui_wait_for '\[x\]     img30\.cr2 +2\.0 KiB'
t_check "and the list's place follows" tui_wait_for '2[0-9]-36 of 36'
tui_keys Home Down Down Down Down Down
t_check "the cursor reaches raw/" tui_wait_for '\[x\]   raw/ +folder'
tui_keys Space
t_check "Space unticks raw/ and everything in it" tui_wait_for '\[ \]   raw/ +folder'
t_check "the total follows" tui_wait_for 'Total, 2 of 32 files ticked +4\.9 KiB'
tui_keys y
t_check "y takes the rest: the row reaches done" tui_wait_for '↓ bob +trip/ \(32 files\) +done ✓ verified'
t_check "the sender exits 0" t_wait_exit "$BOB" "$TUI_WAIT"
t_ok "$([ "${T_STATUS:-1}" = 0 ]; echo $?)" "its status is 0 (got ${T_STATUS:-none})"
t_check "the rest arrived intact" diff -r -x raw "$P" "$T_DIR/inbox/trip"
t_check "raw/ was not made" test ! -e "$T_DIR/inbox/trip/raw"
t_check "the sender heard what was left out" \
	grep -q '^ferry: alice left out 30 of the 32 files: trip/raw/img01\.cr2, ' "$T_DIR/bob.err"
t_check "and printed sent lines for the two it sent" \
	test "$(grep -c '^sent ' "$T_DIR/bob.out")" -eq 2

# The detail of that transfer: every entry, how it ended, where it went.
tui_keys 3 Enter
t_check "Enter on the row opens its detail" tui_wait_for 'Receiving from bob trip/ \(32 files\)'
t_check "it says how the transfer stands" tui_wait_for '4\.9 KiB of 4\.9 KiB +\(30 files left out by the receiver\)'
t_check "and how it ended" tui_wait_for 'saved every file from bob'
t_check "a saved file, its size and path" tui_wait_for 'saved +4\.9 KiB +trip/edited/best/cover\.jpg'
t_check "a folder that was made" tui_wait_for 'made +- +trip/edited/'
t_check "a file left out" tui_wait_for 'left out +2\.0 KiB +trip/raw/img01\.cr2'
t_check "a long list says where it is" tui_wait_for '1-[0-9]+ of 36'
tui_keys End
t_check "End shows the last entries" tui_wait_for 'left out +2\.0 KiB +trip/raw/img30\.cr2'
tui_keys Escape
t_check "Esc goes back to the panes" tui_wait_gone 'Receiving from bob'

# Nothing ticked: y is a no.
t_bg bash -c "exec \"\$0\" send --server '$RELAY_ADDR' --name carol --to alice --quiet '$P' 2>'$T_DIR/carol.err'" "$FERRY"
CAROL=$T_LAST
t_check "a second offer opens the dialog" tui_wait_for 'carol .* wants to send you'
tui_keys Space
t_check "Space on the top folder unticks everything" tui_wait_for 'Total, 0 of 32 files ticked'
tui_keys y
t_check "y with nothing ticked declines" tui_wait_for 'nothing was ticked: declined the offer from carol'
t_check "the sender exits" t_wait_exit "$CAROL" "$TUI_WAIT"
t_check "saying the receiver took none" grep -q 'took none of the files' "$T_DIR/carol.err"
t_check "nothing more was saved" test "$(ls -A "$T_DIR/inbox")" = trip
tui_keys q
t_check "q quits" tui_wait_exit
t_check "the TUI wrote nothing to stderr" tui_err_empty
t_done
