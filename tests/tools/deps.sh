#!/bin/sh
# deps.sh: `make deps`. Installs the Debian packages given as arguments that
# are not installed yet: as root with apt-get, otherwise it prints the
# command to run and fails.
set -u
missing=""
for p in "$@"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
	echo "deps: installing$missing"
	DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		    --no-install-recommends $missing
	exit
fi
echo "deps: missing packages; run:"
echo "  sudo apt-get install -y$missing"
exit 1
