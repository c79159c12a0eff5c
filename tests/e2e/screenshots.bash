#!/usr/bin/env bash
# screenshots.bash: renders PNGs of the real TUI into screenshots/ (run by
# `make screenshots`; not part of `make test`, hence not *.sh). The TUI runs
# in tmux as in the tests, with a real relay and headless peers; for each
# picture an xterm under Xvfb attaches to the session and ImageMagick's
# import grabs its window. Needs xvfb, xterm, imagemagick, fonts-dejavu-core.
source "$(dirname "$0")/lib.bash"
source "$(dirname "$0")/tui.bash"

OUT=${SCREENSHOTS_DIR:-$(cd "$(dirname "$0")/../.." && pwd)/screenshots}
mkdir -p "$OUT"
for tool in Xvfb xterm import; do
	command -v "$tool" >/dev/null || { echo "screenshots: $tool is missing (make screenshots installs it)" >&2; exit 1; }
done

XPID=
shot_cleanup() {
	[ -n "$XPID" ] && kill "$XPID" 2>/dev/null
	tui_cleanup
}
trap shot_cleanup EXIT

# One X server for every picture; it picks a free display itself.
Xvfb -displayfd 3 -screen 0 2400x1600x24 -nolisten tcp 3>"$T_DIR/disp" 2>/dev/null &
XPID=$!
T_PIDS+=("$XPID")
t_wait_for 10 test -s "$T_DIR/disp" || { echo "screenshots: Xvfb did not start" >&2; exit 1; }
export DISPLAY=":$(cat "$T_DIR/disp")"

# shot_settled WID: a capture of window WID ($T_DIR/s.png) is the same as
# the one before it (SHOT_LAST), so the terminal has finished drawing.
shot_settled() {
	local cur
	import -window "$1" "$T_DIR/s.png" 2>/dev/null || return 1
	cur=$(md5sum < "$T_DIR/s.png")
	[ "$cur" = "$SHOT_LAST" ] && return 0
	SHOT_LAST=$cur
	return 1
}

# shot NAME: attaches an xterm of the window's size, waits until two grabs
# agree (bounded), writes $OUT/NAME.png, detaches.
shot() {
	local name=$1 cols rows pal=() c i=0 tpid wid
	read -r cols rows < <(T display -p -t "$TUI_S" '#{window_width} #{window_height}')
	# The Tango palette: xterm's own is garish.
	for c in 2e3436 cc0000 4e9a06 c4a000 3465a4 75507b 06989a d3d7cf \
	    555753 ef2929 8ae234 fce94f 729fcf ad7fa8 34e2e2 eeeeec; do
		pal+=(-xrm "XTerm*color$i: #$c"); i=$((i + 1))
	done
	rm -f "$T_DIR/wid"
	xterm -geometry "${cols}x${rows}+0+0" -fa 'DejaVu Sans Mono' -fs 12 -u8 \
	    -bg '#1e1e1e' -fg '#d4d4d4' -b 10 +sb -xrm 'XTerm*forceBoxChars: true' \
	    -xrm 'XTerm*cursorColor: #1e1e1e' "${pal[@]}" \
	    -e sh -c "echo \$WINDOWID > '$T_DIR/wid'; exec tmux -L '$TUI_SOCK' attach -t '$TUI_S'" \
	    2>/dev/null &
	tpid=$!
	T_PIDS+=("$tpid")
	t_wait_for 10 test -s "$T_DIR/wid" || return 1
	t_wait_for 10 bash -c "[ \"\$(tmux -L '$TUI_SOCK' display -p -t '$TUI_S' '#{session_attached}')\" -ge 1 ]" || return 1
	wid=$(cat "$T_DIR/wid")
	SHOT_LAST=
	t_poll 5 150 shot_settled "$wid"
	cp "$T_DIR/s.png" "$OUT/$name.png"
	T detach-client -s "$TUI_S" 2>/dev/null
	t_stop "$tpid"
	echo "screenshots: $OUT/$name.png ($(stat -c %s "$OUT/$name.png") bytes)"
}

# A believable scene: alice's work folder, three other people on the relay.
W="$T_DIR/work"
mkdir -p "$W/Documents" "$W/Pictures" "$W/src" "$T_DIR/Downloads" "$T_DIR/out" \
	"$T_DIR/bob" "$T_DIR/carol" "$T_DIR/dave"
head -c 2411724 /dev/urandom > "$W/quarterly-report-2024.pdf"
head -c 734003 /dev/urandom > "$W/budget.xlsx"
head -c 18874368 /dev/urandom > "$W/holiday-video.mp4"
head -c 4518 /dev/urandom > "$W/notes.md"
head -c 51200 /dev/urandom > "$W/résumé.pdf"
head -c 1572864 /dev/urandom > "$W/screenshot 2024-06-01 at 10.42.17.png"
head -c 917 /dev/urandom > "$W/.env"
truncate -s 1G "$T_DIR/out/debian-12-amd64.iso"
head -c 3145728 /dev/urandom > "$T_DIR/out/IMG_2041.jpg"
head -c 2831155 /dev/urandom > "$T_DIR/out/IMG_2042.jpg"
head -c 4194304 /dev/urandom > "$T_DIR/out/IMG_2043.jpg"

t_start_relay || exit 1
t_bg "$FERRY" receive --server "$RELAY_ADDR" --name bob --dir "$T_DIR/bob"
t_bg "$FERRY" receive --server "$RELAY_ADDR" --name carol@laptop --dir "$T_DIR/carol"
t_bg "$FERRY" receive --server "$RELAY_ADDR" --name dave --dir "$T_DIR/dave"
tui_start "$W" --server "$RELAY_ADDR" --name alice --dir "$T_DIR/Downloads"
tui_wait_for 'Peers 3' || exit 1

# 1. Idle, with peers: a peer picked, two files marked.
tui_keys BTab Down Tab
tui_wait_for 'Space mark' || exit 1
tui_keys Down Down Down Down Space Down Space Up
tui_wait_for '2 marked' || exit 1
tui_wait_stable
shot idle-with-peers || exit 1

# A finished transfer for the list: the marked files to carol.
tui_keys s
tui_wait_for 'to carol@laptop\?' || exit 1
tui_keys s
tui_wait_for 'done ✓ verified' || exit 1

# 2. An offer: bob streams a big file slowly (so it is still running
# behind the dialog), then dave offers three photos.
t_bg "$FERRY" send --server "$RELAY_ADDR" --name erin --to alice --quiet \
	--limit-rate 24M "$T_DIR/out/debian-12-amd64.iso"
tui_wait_for 'Incoming files' || exit 1
tui_keys y
tui_wait_gone 'Incoming files' || exit 1
t_bg "$FERRY" send --server "$RELAY_ADDR" --name frank@studio --to alice --quiet \
	--limit-rate 1M "$T_DIR/out/IMG_2041.jpg" "$T_DIR/out/IMG_2042.jpg" "$T_DIR/out/IMG_2043.jpg"
tui_wait_for 'wants to send you 3 files' || exit 1
tui_wait_stable
shot offer-dialog || exit 1

# 3. Transfers in progress: accept, let both run a little.
tui_keys y
tui_wait_gone 'Incoming files' || exit 1
tui_keys 3
tui_wait_for '↓ frank@studio +file [1-3]/3 .* [1-9][0-9]%' || exit 1
shot transfer-in-progress || exit 1

# 4. Help.
tui_keys '?'
tui_wait_for 'Everywhere' || exit 1
shot help || exit 1
tui_keys Escape
tui_wait_gone 'Everywhere' || exit 1

# 5. A folder offered: its tree, raw/ unticked.
P="$T_DIR/out/trip-2024"
mkdir -p "$P/raw" "$P/edited/best" "$P/edited/web"
for i in $(seq -w 1 30); do truncate -s $((20000000 + 10#$i * 7919)) "$P/raw/DSC_04$i.NEF"; done
for i in 1 2 3; do head -c $((2400000 + i * 1000)) /dev/urandom >"$P/edited/best/lake-$i.jpg"; done
for i in 1 2 3 4; do head -c $((310000 + i * 999)) /dev/urandom >"$P/edited/web/lake-$i-small.jpg"; done
printf 'Day 1: the lake.\n' >"$P/notes.txt"
t_bg "$FERRY" send --server "$RELAY_ADDR" --name grace --to alice --quiet "$P"
tui_wait_for 'grace .* wants to send you 38 files in 5 folders' || exit 1
tui_keys Down Down Down Down Down Down Down Down Down Down Down Down
tui_wait_for '\[x\]   raw/' || exit 1
tui_keys Space
tui_wait_for 'Total, 8 of 38 files ticked' || exit 1
tui_wait_stable
shot offer-folder || exit 1

# 6. Its detail once done.
tui_keys y
tui_wait_gone 'Incoming files' || exit 1
tui_keys 3
tui_wait_for '↓ grace +trip-2024/ \(38 fi.* +done' || exit 1
tui_keys Enter
tui_wait_for 'Receiving from grace' || exit 1
tui_wait_stable
shot transfer-detail || exit 1
exit 0
