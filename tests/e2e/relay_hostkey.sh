#!/usr/bin/env bash
# relay_hostkey.sh: ferryd's host key, the identity clients will pin. The
# first start creates it in the state folder (700, key 600) and logs its
# fingerprint; a restart keeps the same key; --state-dir, $STATE_DIRECTORY
# (systemd's StateDirectory=) choose the folder; a key or folder others
# could read stops the relay before it listens, with the chmod that fixes it.
source "$(dirname "$0")/lib.bash"

# ferryd names its key right after "listening on", which t_start_relay waits for.
fpr_of() {
	t_wait_for 5 grep -q 'host key ' "$1" &&
	    grep -oE 'host key [0-9A-Z]{4}(-[0-9A-Z]{4}){3}' "$1" | cut -d' ' -f3
}
mode() { stat -c %a "$1"; }

t_start_relay || exit 1
st=$STATE_DIRECTORY
first=$(fpr_of "$RELAY_LOG")
t_check "the first start creates the host key in \$STATE_DIRECTORY" \
    grep -q "host key .* in $st/host_key.pem (new)\$" "$RELAY_LOG"
t_check "the folder is 700" test "$(mode "$st")" = 700
t_check "the key is 600" test "$(mode "$st/host_key.pem")" = 600
t_check "the log names its fingerprint ($first)" test -n "$first"
t_check "and never the private key" bash -c '! grep -q PRIVATE "$1"' _ "$RELAY_LOG"
t_stop "$RELAY_PID"

t_start_relay || exit 1
t_check "a restart keeps the same key" test "$(fpr_of "$RELAY_LOG")" = "$first"
t_check "and does not call it new" bash -c '! grep -q "(new)" "$1"' _ "$RELAY_LOG"
t_stop "$RELAY_PID"

t_start_relay --state-dir "$T_DIR/other" || exit 1
other=$(fpr_of "$RELAY_LOG")
t_check "--state-dir picks another folder, another key" \
    bash -c '[ -n "$1" ] && [ "$1" != "$2" ] && [ -f "$3/host_key.pem" ]' _ "$other" "$first" "$T_DIR/other"
t_stop "$RELAY_PID"

# The defaults after those two ($XDG_STATE_HOME, /var/lib/ferryd as root)
# are only read here: a test must not write into the machine's folders.
"$FERRYD" --help | grep -q 'XDG_STATE_HOME'
t_ok $? "--help names the default folders"

# refused WHAT REGEX: ferryd exits 1 before listening, with one line.
refused() {
	local what=$1 re=$2 st=0
	timeout 10 "$FERRYD" --listen 127.0.0.1:0 >"$T_DIR/r.out" 2>"$T_DIR/r.err" || st=$?
	t_ok $((st != 1)) "$what: ferryd exits 1"
	t_check "$what: says why" grep -qE "$re" "$T_DIR/r.err"
	t_check "$what: it never listened" bash -c '! grep -q "listening on" "$1"' _ "$T_DIR/r.err"
}
chmod 644 "$st/host_key.pem"
refused "a host key others can read" "^ferryd: others can read or write the identity $st/host_key.pem \\(mode 644\\): a private key must be 600 \\(chmod 600 $st/host_key.pem\\)\$"
chmod 600 "$st/host_key.pem"
chmod 755 "$st"
refused "a state folder others can open" "^ferryd: others can open the folder $st \\(mode 755\\): .*\\(chmod 700 $st\\)\$"
chmod 700 "$st"
printf 'garbage\n' >"$st/host_key.pem"
refused "a host key file with no key" "^ferryd: $st/host_key.pem holds no private key in PEM form\$"
t_done
