#!/usr/bin/env bash
# client_tree.sh: folders. A tree with nested and empty folders, an
# executable, modification times, unicode names, symlinks inside it and
# pointing out of it and a FIFO arrives whole (diff -r, modes and times
# compared); the links and the FIFO are not sent and the sender lists them;
# a folder whose name exists is saved as "photos (1)"; a link planted where
# the receiver builds is never followed; hostile trees from a lying sender
# are refused with nothing written; a bad name deep in a tree is refused
# by the sender before it offers.
source "$(dirname "$0")/lib.bash"
source "$(dirname "$0")/client_lib.bash"

t_start_relay || { t_ok 1 "relay starts"; t_done; exit; }
S="$T_DIR/src"
P="$S/photos"
mkdir -p "$P/2024/trip" "$P/2024/empty" "$P/résumé 📄" "$P/deep/a/b/c/d" "$T_DIR/outside"
mkfile "$P/a.txt" 5000
mkfile "$P/2024/trip/b.bin" $((CHUNK + 3))
: >"$P/2024/zero"
mkfile "$P/résumé 📄/notes 日本.md" 777
mkfile "$P/deep/a/b/c/d/leaf" 100
printf '#!/bin/sh\necho hi\n' >"$P/run.sh"
chmod 755 "$P/run.sh"
chmod 700 "$P/deep"
ln -s a.txt "$P/link-in"
ln -s /etc/passwd "$P/link-out"
ln -s ../../outside "$P/2024/dirlink"
mkfifo "$P/2024/fifo"
# Whole-second times, distinct per entry, folders last so nothing moves them.
n=0
while IFS= read -r -d '' f; do
	n=$((n + 1))
	touch -h -d "@$((1000000000 + n * 3600))" "$f"
done < <(find "$P" -depth ! -type l ! -type p -print0)

# What must arrive: the tree without links and FIFOs.
E="$T_DIR/expected"
cp -a "$P" "$E"
find "$E" \( -type l -o -type p \) -delete
# Deleting changed the times of their folders: back to the source's.
while IFS= read -r -d '' d; do touch -d "@$(stat -c %Y "$P/$d")" "$E/$d"; done \
    < <(cd "$E" && find . -type d -print0)
# listing DIR: every entry with its type and time, and a file's mode, as
# find sees them (a folder gets the receiver's umask, as with cp).
listing() { (cd "$1" && find . \( -type d -printf '%p %y %T@\n' \) -o -printf '%p %y %m %T@\n' | sort); }

start_receiver bob "$T_DIR/bob" --count 2
RX=$RX_PID
"$FERRY" send --name alice --to bob "$P" >"$T_DIR/s.out" 2>"$T_DIR/s.err"
t_ok $? "a folder is sent (exit 0)"
t_check "the sender lists what it did not send" grep -qF \
    "ferry: not sent (only files and folders are): 4 skipped: " "$T_DIR/s.err"
for what in "$P/link-in (a symbolic link)" "$P/link-out (a symbolic link)" \
    "$P/2024/dirlink (a symbolic link)" "$P/2024/fifo (a FIFO (named pipe))"; do
	t_check "skipped: ${what#$S/}" contains "$T_DIR/s.err" "$what"
done
t_check "the sender prints one line per file (6 files)" \
    test "$(grep -c '^sent ' "$T_DIR/s.out")" -eq 6
t_check "a nested path is named from the folder" \
    grep -qF "sent photos/2024/trip/b.bin ($((CHUNK + 3)) bytes" "$T_DIR/s.out"
t_poll 20 100 test -d "$T_DIR/bob/photos"
t_check "bob saved the tree: diff -r finds nothing" diff -r "$E" "$T_DIR/bob/photos"
t_check "types, modes and times match for every entry" \
    diff <(listing "$E") <(listing "$T_DIR/bob/photos")
t_check "the empty folder arrived" test -d "$T_DIR/bob/photos/2024/empty"
t_check "the executable is executable" test -x "$T_DIR/bob/photos/run.sh"
t_check "a plain file is not" test ! -x "$T_DIR/bob/photos/a.txt"
t_check "no link was made" test -z "$(find "$T_DIR/bob" -type l)"
t_check "the receiver prints a line per file with where it went" \
    check_saved "$T_DIR/bob.out" "photos/2024/trip/b.bin" "$P/2024/trip/b.bin" alice "$T_DIR/bob"
t_check "nothing was followed out of the tree" test -z "$(ls -A "$T_DIR/outside")"
t_check "no staging folder is left" no_part_files "$T_DIR/bob"

# --- the name exists: "photos (1)", the first copy untouched ---------------
before=$(listing "$T_DIR/bob/photos")
"$FERRY" send --name alice --to bob "$P/" >"$T_DIR/s2.out" 2>"$T_DIR/s2.err"
t_ok $? "the same folder again (with a trailing slash)"
t_check "it is saved as 'photos (1)'" diff -r "$E" "$T_DIR/bob/photos (1)"
t_check "the first photos is unchanged" test "$before" = "$(listing "$T_DIR/bob/photos")"
t_check "the receiver says so" contains "$T_DIR/bob.out" "saved photos (1)/a.txt (5000 bytes"
t_check "bob exits 0 after two transfers" exited "$RX" 0 20

# --- links planted where the receiver builds are never followed -----------
D="$T_DIR/carol"
mkdir -p "$D"
ln -s "$T_DIR/outside" "$D/photos"
ln -s "$T_DIR/outside" "$D/photos.part"
start_receiver carol "$D" --count 1
RX=$RX_PID
"$FERRY" send --name alice --to carol "$P" >/dev/null 2>"$T_DIR/s3.err"
t_ok $? "a send to a folder with planted links succeeds"
t_check "the tree went to 'photos (1)'" diff -r "$E" "$D/photos (1)"
t_check "the planted links are still links" test -L "$D/photos" -a -L "$D/photos.part"
t_check "nothing went through them" test -z "$(ls -A "$T_DIR/outside")"
t_check "carol exits 0" exited "$RX" 0 10

# --- "." sends the folder under its own name --------------------------------
start_receiver dave "$T_DIR/dave" --count 1
RX=$RX_PID
(cd "$P/2024" && "$FERRY" send --name alice --to dave . >/dev/null 2>"$T_DIR/s4.err")
t_ok $? "'ferry send .' in photos/2024"
t_check "arrives as 2024/" diff -r "$E/2024" "$T_DIR/dave/2024"
t_check "dave exits 0" exited "$RX" 0 10

# --- the receiver chooses: --only and --exclude; the sender hears ---------
start_receiver frank "$T_DIR/frank" --count 1 --exclude 2024 --exclude '*.sh'
RX=$RX_PID
"$FERRY" send --name alice --to frank "$P" >"$T_DIR/s6.out" 2>"$T_DIR/s6.err"
t_ok $? "a send to a receiver that leaves some out succeeds"
t_check "frank took the rest" diff -r -x 2024 -x run.sh "$E" "$T_DIR/frank/photos"
t_check "and made nothing of what it left out" \
    test ! -e "$T_DIR/frank/photos/2024" -a ! -e "$T_DIR/frank/photos/run.sh"
t_check "frank says what it takes" contains "$T_DIR/frank.err" \
    "ferry: taking 3 of the 6 files from alice (--only/--exclude leave out 3)"
t_check "the sender hears what was left out" contains "$T_DIR/s6.err" \
    "ferry: frank left out 3 of the 6 files: photos/2024/trip/b.bin, photos/2024/zero, photos/run.sh"
t_check "and prints sent lines for the three it sent" \
    test "$(grep -c '^sent ' "$T_DIR/s6.out")" -eq 3
t_check "frank exits 0" exited "$RX" 0 10
start_receiver gina "$T_DIR/gina" --count 1 --only 'photos/2024/*'
RX=$RX_PID
"$FERRY" send --name alice --to gina "$P" >/dev/null 2>"$T_DIR/s7.err"
t_ok $? "--only with a path: a send succeeds"
t_check "gina has 2024 whole (a folder it matched, with everything in it)" \
    diff -r "$E/2024" "$T_DIR/gina/photos/2024"
t_check "and nothing else" test "$(ls -A "$T_DIR/gina/photos")" = 2024
t_check "gina exits 0" exited "$RX" 0 10
start_receiver hana "$T_DIR/hana" --only '*.nothing'
RX=$RX_PID
"$FERRY" send --name alice --to hana "$P" >/dev/null 2>"$T_DIR/s8.err"
t_ok $(( $? == 1 ? 0 : 1 )) "a receiver that takes none declines (exit 1)"
t_check "and says why" contains "$T_DIR/s8.err" "the receiver takes none of these files"
t_check "hana made nothing" test -z "$(ls -A "$T_DIR/hana")"
t_stop "$RX"

# --- a lying sender's trees are refused, nothing written ------------------
H="$T_DIR/erin"
start_receiver erin "$H"
RX=$RX_PID
snap() { (cd "$T_DIR" && find . -path ./config -prune -o -path ./relay-state -prune -o -printf '%p\n' | grep -v -e '\.out$' -e '\.err$' -e 'ferryd' | sort); }
before=$(snap)
declare -A TREES=(
	["a file inside a file"]="--together f f/x"
	["a folder given after what it holds"]="--together d/x dir:d"
	["a path through .."]="--together dir:d d/../../x"
	["a folder listed twice"]="--together dir:d dir:d"
	["a file and a folder of one name"]="--together dir:d d"
	["a path with an empty part"]="--together dir:d d//x"
	["a bidi override deep inside"]=$'--together dir:d dir:d/e d/e/\u202ex'
)
for what in "${!TREES[@]}"; do
	# shellcheck disable=SC2086
	offer_raw tree mallory erin --identity "$T_DIR/config/mallory.key" ${TREES[$what]}
	t_ok $? "refused: $what"
	t_check "with bad_name: $what" grep -q '^declined: bad_name: ' "$T_DIR/tree.out"
done
t_check "nothing was written anywhere" test "$before" = "$(snap)"
t_check "erin is still running" kill -0 "$RX"
send_saved alice erin 1000 "$H" "a real send to erin afterwards"

# --- the sender refuses a tree with names a receiver would refuse ---------
B="$T_DIR/bad"
mkdir -p "$B/ok" "$B/sub"
echo x >"$B/ok/fine"
echo x >"$B/sub/tab$(printf '\t')name"
echo x >"$B/sub/trail "
"$FERRY" send --name alice --to erin "$B" >/dev/null 2>"$T_DIR/s5.err"
t_ok $(( $? == 1 ? 0 : 1 )) "a tree with two bad names exits 1"
t_check "both are named, before any offer" contains "$T_DIR/s5.err" \
    "2 of the 6 files and folders cannot be sent: "
t_check "with why" grep -q 'trail  (ends with' "$T_DIR/s5.err"
t_done
