# tui.bash: helpers for the TUI tests (sourced after lib.bash, not run).
# The real bin/ferry runs inside tmux on a private socket under $T_DIR;
# tests type with send-keys and poll capture-pane until text shows up,
# each wait bounded by a deadline, never a bare sleep. The tmux server
# and everything in it is killed by PID when the script exits.

export TMUX_TMPDIR=$T_DIR
unset TMUX
TUI_SOCK="ferry$$"
TUI_S=app		# the tmux session the helpers act on; tui_use switches
TUI_STATUS="$T_DIR/app.status"
TUI_ERR="$T_DIR/app.err"
TUI_WAIT=${TUI_WAIT:-15}	# seconds per wait (times FERRY_TEST_SLOW, as every t_wait_for)

T() { tmux -L "$TUI_SOCK" -f /dev/null "$@"; }

tui_cleanup() {
	T kill-server 2>/dev/null
	t_cleanup
}
trap tui_cleanup EXIT

# tui_use NAME: later helpers act on tmux session NAME (default "app").
tui_use() {
	TUI_S=$1
	TUI_STATUS="$T_DIR/$1.status"
	TUI_ERR="$T_DIR/$1.err"
}

# tui_start DIR [ferry args...]: runs `ferry ARGS` with DIR as its current
# folder in a detached 100x30 tmux session $TUI_S; its stderr goes to
# $TUI_ERR (to the terminal with TUI_TTY_STDERR=1) and its exit status to
# $TUI_STATUS.
tui_start() {
	local dir=$1; shift
	local cmd q a
	rm -f "$TUI_STATUS" "$TUI_ERR"
	q=$(printf '%q ' "$FERRY" "$@")
	# TUI_TTY_STDERR=1: stderr stays on the terminal (a headless command's bar).
	if [ -n "${TUI_TTY_STDERR:-}" ]; then
		cmd="cd $(printf '%q' "$dir") && $q; echo \$? > $(printf '%q' "$TUI_STATUS")"
	else
		cmd="cd $(printf '%q' "$dir") && $q 2>$(printf '%q' "$TUI_ERR"); echo \$? > $(printf '%q' "$TUI_STATUS")"
	fi
	T new-session -d -x 100 -y 30 -s "$TUI_S" -e LC_ALL=C.UTF-8 -e TERM=tmux-256color \
	    -e "HOME=$T_DIR" -e "NO_COLOR=${TUI_NO_COLOR:-}" "sh -c $(printf '%q' "$cmd")" \; \
	    set -w -t "$TUI_S" remain-on-exit on \; set -w -t "$TUI_S" window-size manual \; \
	    set -t "$TUI_S" status off
	# (window-size as a global option crashes tmux 3.3a on a second new-session.)
	# Every process is killed by PID on exit: the tmux server and the pane's shell.
	a=$(T display -p -t "$TUI_S" '#{pid}') && T_PIDS+=("$a")
	a=$(T display -p -t "$TUI_S" '#{pane_pid}') && T_PIDS+=("$a")
	return 0
}

tui_screen() { T capture-pane -p -t "$TUI_S" "$@"; }

# tui_shows REGEX: the screen matches REGEX (grep -E).
tui_shows() { tui_screen | grep -qE -- "$1"; }
tui_hides() { ! tui_shows "$1"; }

# tui_wait_for REGEX [SECONDS]: polls the screen (t_wait_for) until REGEX
# matches; on timeout prints the screen as TAP comments.
tui_wait_for() {
	t_wait_for "${2:-$TUI_WAIT}" tui_shows "$1" && return 0
	echo "# timed out waiting for /$1/; the screen was:"
	tui_screen | sed 's/^/# | /'
	return 1
}

# tui_wait_gone REGEX [SECONDS]: the opposite: until REGEX no longer matches.
tui_wait_gone() {
	t_wait_for "${2:-$TUI_WAIT}" tui_hides "$1" && return 0
	echo "# timed out waiting for /$1/ to go; the screen was:"
	tui_screen | sed 's/^/# | /'
	return 1
}

# tui_unchanged: the screen (with colours) is what it was at the last call.
tui_unchanged() {
	local b
	b=$(tui_screen -e)
	[ "$b" = "${TUI_LAST:-}" ] && return 0
	TUI_LAST=$b
	return 1
}

# tui_wait_stable: until two captures 100 ms apart are the same (before screenshots).
tui_wait_stable() {
	TUI_LAST=
	t_poll 5 100 tui_unchanged
}

tui_keys() { T send-keys -t "$TUI_S" "$@"; }

# tui_wait_exit [SECONDS]: until the TUI has exited; its status is in TUI_RC.
tui_wait_exit() {
	TUI_RC=124
	t_wait_for "${1:-$TUI_WAIT}" test -s "$TUI_STATUS" || return 1
	TUI_RC=$(cat "$TUI_STATUS")
	return 0
}

# tui_err_empty: the TUI wrote nothing to stderr (it must not while curses is on).
tui_err_empty() {
	[ ! -s "$TUI_ERR" ] && return 0
	echo "# the TUI wrote to stderr:"; sed 's/^/#   /' "$TUI_ERR"
	return 1
}

