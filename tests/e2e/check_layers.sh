#!/usr/bin/env bash
# check_layers.sh: `make check-layers` passes on this tree and fails on
# every kind of upward or sideways include, proving the check is not
# vacuous: each case copies the layer folders to a scratch tree, adds one
# offending line and expects the checker to name the file and exit 1.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
check=$root/tests/tools/check_layers.sh
n=0
ok()  { n=$((n + 1)); echo "ok $n - $*"; }
nok() { n=$((n + 1)); echo "not ok $n - $*"; }
tmp=$(mktemp -d /tmp/ferry-layers.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

if out=$("$check" "$root" 2>&1); then ok "the tree passes"; else nok "the tree fails: $out"; fi

# case FILE LINE WHAT: append LINE to FILE in a fresh copy; the check must fail naming FILE.
case_() {
	local file=$1 line=$2 what=$3 out
	rm -rf "$tmp/t" && mkdir -p "$tmp/t"
	cp -r "$root/proto" "$root/server" "$root/src" "$root/ui" "$tmp/t/"
	printf '%s\n' "$line" >>"$tmp/t/$file"
	if out=$("$check" "$tmp/t" 2>&1); then
		nok "$what: passed"
	elif [[ $out == *"$file"* ]]; then
		ok "$what: refused ($out)"
	else
		nok "$what: failed without naming $file: $out"
	fi
}
case_ src/client.c '#include "app.h"' "src/ includes a ui/ header"
case_ src/client.c '#include "../ui/widget.h"' "src/ includes a ui/ header by path"
case_ proto/frame.c '#include "client.h"' "proto/ includes the client core"
case_ proto/frame.c '#include <uv.h>' "proto/ includes libuv"
case_ server/relay.c '#include "peers.h"' "server/ includes the client core"
case_ src/peers.c '#include "relay.h"' "src/ includes the relay"
case_ src/peers.c '#include <curses.h>' "src/ includes curses"
case_ ui/keys.c '#include <cjson/cJSON.h>' "ui/ includes cJSON"
case_ src/peers.c '#include <getopt.h>' "src/ takes argv"
case_ src/peers.c 'int main(void) { return 0; }' "src/ has a main"
case_ ui/keys.c '#include "nosuch.h"' "an include that is in no layer"

rm -rf "$tmp/t" && mkdir -p "$tmp/t"
cp -r "$root/proto" "$root/server" "$root/src" "$root/ui" "$tmp/t/"
cp "$tmp/t/src/peers.c" "$tmp/t/server/peers.c"
if out=$("$check" "$tmp/t" 2>&1); then nok "two peers.c: passed"
elif [[ $out == *"peers.c"* ]]; then ok "two .c files with one basename: refused"
else nok "two peers.c: $out"; fi
echo "1..$n"
