#!/usr/bin/env bash
# check_layers.sh: `make check-layers`. The dependency direction of
# DESIGN.md, with no exceptions: ui -> src -> proto and server -> proto.
# Every quoted include of a file in one of those folders must name a header
# of its own folder or of a folder below it; libuv stays out of proto/,
# curses out of everything but ui/, cJSON out of everything but proto/; the
# client core has no main and no argv; no two .c files share a basename.
# usage: check_layers.sh [ROOT]   (default: the checkout this script is in)
set -u
root=${1:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$root" || exit 2
bad=0
fail() { echo "check-layers: $*"; bad=1; }

declare -A below=(
	[proto]="proto"
	[server]="server proto"
	[src]="src proto"
	[ui]="ui src proto"
)
layers="proto server src ui"

# Where a quoted include resolves: the first folder of the layers that holds
# it (relative to the including file first, as the compiler looks).
resolve() {	# file include
	local dir=${1%/*} inc=$2 l p
	p=$(realpath -m "$dir/$inc")
	for l in $layers; do
		case $p in "$root/$l/"*) [ -e "$p" ] && { echo "$l"; return; } ;; esac
	done
	for l in $layers; do
		[ -e "$l/$inc" ] && { echo "$l"; return; }
	done
}

for layer in $layers; do
	for f in "$layer"/*.[ch]; do
		[ -e "$f" ] || continue
		while IFS= read -r line; do
			n=${line%%:*}
			inc=${line#*:}
			inc=${inc#*\"}
			inc=${inc%%\"*}
			to=$(resolve "$root/$f" "$inc")
			if [ -z "$to" ]; then
				fail "$f:$n includes \"$inc\", which is in no layer"
			elif [[ " ${below[$layer]} " != *" $to "* ]]; then
				fail "$f:$n includes \"$inc\" from $to/: $layer/ may include only ${below[$layer]// /, }"
			fi
		done < <(grep -nE '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$f")
	done
done

sys() {	# pattern folders... : files in those folders that include <pattern>
	local pat=$1; shift
	grep -lE "^[[:space:]]*#[[:space:]]*include[[:space:]]*[<\"]($pat)[>\"]" \
	    $(for d in "$@"; do ls "$d"/*.[ch] 2>/dev/null; done) 2>/dev/null
}
for f in $(sys 'uv\.h' proto); do fail "$f: proto/ must not include libuv"; done
for f in $(sys '[^>"]*curses\.h' proto server src); do fail "$f: only ui/ may include curses"; done
for f in $(sys 'cjson/cJSON\.h' server src ui); do fail "$f: only proto/ may include cJSON"; done
for f in $(sys 'getopt\.h' proto src); do fail "$f: the client core and proto/ take no argv"; done
for f in src/*.c proto/*.c; do
	[ -e "$f" ] || continue
	grep -qE '^(int[[:space:]]+)?main[[:space:]]*\(' "$f" && fail "$f: no main in the libraries"
done

dups=$(for l in $layers; do ls "$l"/*.c 2>/dev/null; done | xargs -n1 basename | sort | uniq -d)
for d in $dups; do fail "two .c files named $d"; done

exit $bad
