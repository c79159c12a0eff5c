#!/usr/bin/env bash
# tui_receive.sh: offers from headless senders open the dialog in the TUI:
# y accepts (the row reaches done, the file is on disk with the same
# SHA-256), n declines (the sender exits non-zero saying so), several
# offers at once queue up behind each other, and a multi-file transfer's
# row says which file is on its way ("file 2/3 m2.bin").
source "$(dirname "$0")/lib.bash"
source "$(dirname "$0")/tui.bash"

t_start_relay || exit 1
mkdir -p "$T_DIR/home" "$T_DIR/inbox" "$T_DIR/out"
head -c 1500000 /dev/urandom > "$T_DIR/out/photo.jpg"
printf 'a report\n' > "$T_DIR/out/report.txt"
printf 'not wanted\n' > "$T_DIR/out/spam.txt"
printf 'first\n' > "$T_DIR/out/one.txt"
printf 'second\n' > "$T_DIR/out/two.txt"

tui_start "$T_DIR/home" --server "$RELAY_ADDR" --name alice --dir "$T_DIR/inbox"
t_check "the TUI is connected" tui_wait_for "$RELAY_ADDR connected"

# 1. Accept with y.
t_bg "$FERRY" send --server "$RELAY_ADDR" --name bob --to alice --quiet \
	"$T_DIR/out/photo.jpg" "$T_DIR/out/report.txt"
BOB=$T_LAST
t_check "an offer opens the dialog" tui_wait_for 'Incoming files'
t_check "it names the sender" tui_wait_for 'bob \(127\.0\.0\.1:[0-9]+\) wants to send you 2 files'
t_check "it lists the files with their sizes" tui_wait_for 'photo\.jpg +1\.4 MiB'
t_check "and the second file" tui_wait_for 'report\.txt +9 B'
t_check "and the total" tui_wait_for 'Total +1\.4 MiB'
t_check "and the target folder" tui_wait_for 'Save to +~/inbox'
tui_keys y
t_check "y accepts: the dialog goes away" tui_wait_gone 'Incoming files'
t_check "the transfer row reaches done, verified" tui_wait_for '↓ bob +2 files +done ✓ verified'
t_check "the sender exits" t_wait_exit "$BOB" "$TUI_WAIT"
t_ok "$([ "${T_STATUS:-1}" = 0 ]; echo $?)" "the sender's exit status is 0 (got ${T_STATUS:-none})"
t_check "photo.jpg is in --dir with the same SHA-256" \
	same_sha "$T_DIR/inbox/photo.jpg" "$T_DIR/out/photo.jpg"
t_check "report.txt is in --dir with the same SHA-256" \
	same_sha "$T_DIR/inbox/report.txt" "$T_DIR/out/report.txt"

# 2. Decline with n.
t_bg bash -c "exec \"\$0\" send --server '$RELAY_ADDR' --name carol --to alice --quiet '$T_DIR/out/spam.txt' 2>'$T_DIR/carol.err'" "$FERRY"
CAROL=$T_LAST
t_check "a second offer opens the dialog again" tui_wait_for 'carol .* wants to send you a file'
tui_keys n
t_check "n declines: the dialog goes away" tui_wait_gone 'Incoming files'
t_check "the sender exits" t_wait_exit "$CAROL" "$TUI_WAIT"
t_ok "$([ "${T_STATUS:-0}" != 0 ]; echo $?)" "the sender's exit status is non-zero (got ${T_STATUS:-none})"
t_check "the sender says it was declined" grep -q 'declined' "$T_DIR/carol.err"
t_check "the row says declined" tui_wait_for '↓ carol +spam\.txt +declined'
t_ok "$([ ! -e "$T_DIR/inbox/spam.txt" ]; echo $?)" "nothing was saved"

# 3. Two offers at once queue: the dialog shows one, then the other.
t_bg "$FERRY" send --server "$RELAY_ADDR" --name dave --to alice --quiet "$T_DIR/out/one.txt"
DAVE=$T_LAST
t_bg "$FERRY" send --server "$RELAY_ADDR" --name erin --to alice --quiet "$T_DIR/out/two.txt"
ERIN=$T_LAST
t_check "two offers at once: the dialog says 1 of 2" tui_wait_for 'Incoming files \(1 of 2\)'
tui_keys y
t_check "after y the next offer shows" tui_wait_for 'Incoming files ─'
tui_keys y
t_check "and after y again no dialog is left" tui_wait_gone 'Incoming files'
t_check "dave's sender exits" t_wait_exit "$DAVE" "$TUI_WAIT"
t_check "erin's sender exits" t_wait_exit "$ERIN" "$TUI_WAIT"
t_ok "$(cmp -s "$T_DIR/inbox/one.txt" "$T_DIR/out/one.txt" && cmp -s "$T_DIR/inbox/two.txt" "$T_DIR/out/two.txt"; echo $?)" \
	"both queued files arrived intact"

# 4. A multi-file transfer's row says which file is on its way.
for f in m1 m2 m3; do head -c 1500000 /dev/urandom >"$T_DIR/out/$f.bin"; done
# gus sends headless, in a terminal of its own so that it draws its bar.
tui_use gus
TUI_TTY_STDERR=1 tui_start "$T_DIR/out" --server "$RELAY_ADDR" --name gus send --to alice \
	--limit-rate 1M m1.bin m2.bin m3.bin
tui_use app
t_check "a three-file offer opens the dialog" tui_wait_for 'gus .* wants to send you 3 files'
tui_keys y
t_check "its row names the first file: file 1/3" tui_wait_for 'gus +file 1/3 m1\.bin'
t_check "then the second: file 2/3" tui_wait_for 'gus +file 2/3 m2\.bin'
tui_use gus
t_check "gus's own progress bar says which file too" tui_wait_for '\] +[0-9]+%.*ETA .* file [23]/3'
t_check "gus's send exits" tui_wait_exit 30
t_ok "$([ "${TUI_RC:-1}" = 0 ]; echo $?)" "with status 0 (got ${TUI_RC:-none})"
tui_use app
t_check "and the row says done, with the count again" tui_wait_for 'gus +3 files +done'
t_ok "$(cmp -s "$T_DIR/inbox/m3.bin" "$T_DIR/out/m3.bin"; echo $?)" "the third file arrived intact"

# c clears the finished rows.
tui_keys 3
t_check "3 focuses Transfers" tui_wait_for 'x cancel'
tui_keys c
t_check "c clears finished transfers" tui_wait_for 'No transfers yet'

tui_keys q
t_check "q quits" tui_wait_exit
t_ok "$([ "${TUI_RC:-1}" = 0 ]; echo $?)" "the TUI exits with status 0 (got ${TUI_RC:-none})"
t_check "the TUI wrote nothing to stderr" tui_err_empty
t_done
