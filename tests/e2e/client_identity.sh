#!/usr/bin/env bash
# client_identity.sh: `ferry id` and --identity. The first use creates an
# Ed25519 key in $XDG_CONFIG_HOME/ferry/ (else ~/.config/ferry/) with folder
# 700 and file 600, later uses show the same identity, and a key or folder
# that others could read is refused with the chmod that fixes it, before
# anything is printed. Public key lines and fingerprints only: the private
# key is never printed. Every other command loads the same identity and is
# stopped by an unsafe one before it connects.
source "$(dirname "$0")/lib.bash"
source "$(dirname "$0")/client_lib.bash"

cfg=$XDG_CONFIG_HOME
key=$cfg/ferry/identity.pem
mode() { stat -c %a "$1"; }

"$FERRY" id >"$T_DIR/id1" 2>"$T_DIR/id1.err"
t_ok $? "ferry id exits 0 on first use"
t_check "it says it created the key, and where" \
    err_matches "$T_DIR/id1.err" "^ferry: created a new identity in $key\$"
t_check "the folder is 700" test "$(mode "$cfg/ferry")" = 700
t_check "the key file is 600" test "$(mode "$key")" = 600
t_check "line 1 is the public key line, the name its comment" \
    grep -qE '^ferry-ed25519 [A-Za-z0-9+/]{43}= [^ ].*$' <(sed -n 1p "$T_DIR/id1")
t_check "line 2 the short fingerprint" \
    grep -qE '^fingerprint [0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$' <(sed -n 2p "$T_DIR/id1")
t_check "line 3 the whole fingerprint, which it begins" bash -c '
	s=$(sed -n 2p "$1" | cut -d" " -f2 | tr -d -); f=$(sed -n 3p "$1")
	[[ $f =~ ^full\ fingerprint\ [0-9A-HJKMNP-TV-Z]{52}$ ]] && [[ ${f#full fingerprint } == "$s"* ]]' _ "$T_DIR/id1"
t_check "line 4 the key file" test "$(sed -n 4p "$T_DIR/id1")" = "key file $key"
t_check "four lines, no private key" bash -c '[ "$(wc -l <"$1")" = 4 ] && ! grep -q PRIVATE "$1"' _ "$T_DIR/id1"

"$FERRY" id >"$T_DIR/id2" 2>"$T_DIR/id2.err"
t_ok $? "a second ferry id exits 0"
t_check "and shows the same identity" cmp -s "$T_DIR/id1" "$T_DIR/id2"
t_check "without creating anything" test ! -s "$T_DIR/id2.err"

# Refusals: exit 1, one line that says how to fix it, nothing on stdout.
refused() {	# refused WHAT REGEX ARGS...
	local what=$1 re=$2; shift 2
	"$FERRY" "$@" >"$T_DIR/r.out" 2>"$T_DIR/r.err"
	local st=$?
	t_ok $((st != 1)) "$what: exits 1"
	t_check "$what: says so" err_matches "$T_DIR/r.err" "$re"
	t_check "$what: prints nothing on stdout" test ! -s "$T_DIR/r.out"
}
chmod 644 "$key"
refused "a key others can read" "^ferry: others can read or write the identity $key \\(mode 644\\): a private key must be 600 \\(chmod 600 $key\\)\$" id
chmod 600 "$key"
chmod 755 "$cfg/ferry"
refused "a folder others can open" "^ferry: others can open the folder $cfg/ferry \\(mode 755\\): .*\\(chmod 700 $cfg/ferry\\)\$" id
chmod 700 "$cfg/ferry"
"$FERRY" id >"$T_DIR/id3" 2>/dev/null
t_check "after the chmods the same identity is back" cmp -s "$T_DIR/id1" "$T_DIR/id3"

# --identity FILE: another key, wherever the file is.
"$FERRY" --identity "$T_DIR/work.pem" id >"$T_DIR/w1" 2>/dev/null
t_ok $? "--identity FILE makes a key there"
t_check "600 as well" test "$(mode "$T_DIR/work.pem")" = 600
t_check "another fingerprint" bash -c '! cmp -s <(sed -n 2p "$1") <(sed -n 2p "$2")' _ "$T_DIR/id1" "$T_DIR/w1"
"$FERRY" id --identity "$T_DIR/work.pem" >"$T_DIR/w2" 2>/dev/null
t_check "the option may follow the command, same key" cmp -s "$T_DIR/w1" "$T_DIR/w2"
ln -s "$key" "$T_DIR/link.pem"
refused "a symlinked key" "^ferry: the identity $T_DIR/link.pem is a symbolic link\$" --identity "$T_DIR/link.pem" id
printf 'not a key\n' >"$T_DIR/junk.pem"; chmod 600 "$T_DIR/junk.pem"
refused "a file with no key" "^ferry: $T_DIR/junk.pem holds no private key in PEM form\$" --identity "$T_DIR/junk.pem" id

# No XDG_CONFIG_HOME (or a relative one, which the XDG spec says to ignore): ~/.config/ferry/.
mkdir -p "$T_DIR/home"
HOME=$T_DIR/home XDG_CONFIG_HOME=relative "$FERRY" id >"$T_DIR/h1" 2>/dev/null
t_ok $? "without an absolute XDG_CONFIG_HOME it uses the home folder"
t_check "in ~/.config/ferry/identity.pem" test "$(sed -n 4p "$T_DIR/h1")" = "key file $T_DIR/home/.config/ferry/identity.pem"
t_check "with the folder 700" test "$(mode "$T_DIR/home/.config/ferry")" = 700
t_check "and no folder named relative" test ! -e relative

# Every command uses the identity: one that others can read stops peers,
# send and receive before they reach the relay.
t_start_relay || exit 1
chmod 644 "$key"
refused "peers with an unsafe key" "^ferry: others can read or write the identity $key .*\(chmod 600 $key\)\$" peers
refused "send with an unsafe key" "^ferry: others can read or write the identity $key .*\(chmod 600 $key\)\$" send --to bob /etc/hostname
refused "receive with an unsafe key" "^ferry: others can read or write the identity $key .*\(chmod 600 $key\)\$" receive --count 1
t_check "none of them connected to the relay" bash -c '! grep -q " connected$" "$1"' _ "$RELAY_LOG"
chmod 600 "$key"
"$FERRY" peers >"$T_DIR/p.out" 2>"$T_DIR/p.err"
t_ok $? "with the key private again, peers runs"
t_check "and it did connect" grep -q " connected$" "$RELAY_LOG"

"$FERRY" id extra >"$T_DIR/u.out" 2>"$T_DIR/u.err"
t_ok $(($? != 2)) "id takes no arguments (exit 2)"
t_done
