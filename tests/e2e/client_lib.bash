# client_lib.bash: helpers for the client_*.sh end-to-end scripts (sourced
# after lib.bash): files of exact sizes, headless receivers that
# the scripts wait for by polling `ferry peers`, and checks of what they print.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# The core's chunk size, so sizes around it test the real edges.
CHUNK=$(awk '$1 == "#define" && $2 == "CLIENT_CHUNK_SIZE" { print $3 }' "$ROOT/src/client.h")
HOSTILE="$FERRY_TOOLS/hostile_offer"

# mkfile PATH SIZE: SIZE random bytes.
mkfile() {
	head -c "$2" /dev/urandom >"$1"
}

# offer_raw OUT NAME TO ARGS...: tests/tools/hostile_offer as NAME to TO on
# this relay (its status is the function's); output in $T_DIR/OUT.out, .err.
offer_raw() {
	local out=$1 name=$2 to=$3
	shift 3
	"$HOSTILE" --server "$RELAY_ADDR" --name "$name" --to "$to" "$@" \
	    >"$T_DIR/$out.out" 2>"$T_DIR/$out.err"
}

# listed NAME [PROBE]: true when `ferry peers` (as PROBE) lists NAME.
listed() {
	"$FERRY" peers --name "${2:-probe$$}" 2>/dev/null | cut -f1 | grep -qxF -- "$1"
}

# not_listed NAME: the opposite, once the relay has seen NAME leave.
not_listed() {
	! listed "$1"
}

# start_receiver NAME DIR [ferry receive args...]: starts `ferry receive`
# in the background with stdout in $T_DIR/NAME.out and stderr in
# $T_DIR/NAME.err, sets RX_PID, and waits until the relay lists it.
start_receiver() {
	local name=$1 dir=$2; shift 2
	mkdir -p "$dir"
	t_bg "$FERRY" receive --name "$name" --dir "$dir" "$@" \
	    >"$T_DIR/$name.out" 2>"$T_DIR/$name.err"
	RX_PID=$T_LAST
	t_wait_for 10 listed "$name"
}

# saved_line OUTFILE NAME: the receiver's "saved NAME (...)" line for NAME.
saved_line() {
	grep -F -- "saved $2 (" "$1" | head -n1
}

# check_saved OUTFILE SAVED_NAME SRC_FILE FROM DIR: the receiver printed the
# right line (size, sha256, sender) and the file on disk has the same digest.
check_saved() {
	local out=$1 name=$2 src=$3 from=$4 dir=$5 want size
	want=$(sha "$src")
	size=$(stat -c %s "$src")
	grep -qxF -- "saved $name ($size bytes, sha256 $want) from $from" "$out" || {
		echo "# no line 'saved $name ($size bytes, sha256 $want) from $from' in:"
		sed 's/^/#   /' "$out"
		return 1
	}
	[ -f "$dir/$name" ] || { echo "# $dir/$name is missing"; return 1; }
	[ "$(sha "$dir/$name")" = "$want" ] || { echo "# $dir/$name has the wrong digest"; return 1; }
}

# send_saved FROM TO SIZE DIR WHAT: FROM sends TO a new file of SIZE random
# bytes; two checks: the send exits 0 (WHAT), and TO (a start_receiver)
# saved it intact in DIR.
send_saved() {
	local f="$T_DIR/sent-$SENT_N-$3.bin"
	SENT_N=$((SENT_N + 1))
	mkfile "$f" "$3"
	"$FERRY" send --name "$1" --to "$2" "$f" >/dev/null 2>"$T_DIR/s.err"
	t_ok $? "$5"
	t_check "and $2 saved it intact" \
	    check_saved "$T_DIR/$2.out" "${f##*/}" "$f" "$1" "$4"
}
SENT_N=0

# part_list DIR: every half-written thing in DIR: NAME.part files and
# folders, and the kept parts (with their records) in DIR/.ferry-resume.
part_list() {
	find "$1" -name '*.part'
	[ -d "$1/.ferry-resume" ] && find "$1/.ferry-resume" -mindepth 1
}

# no_part_files DIR: nothing half-written is left, not even kept to resume.
no_part_files() {
	local n
	n=$(part_list "$1" | wc -l)
	[ "$n" -eq 0 ] || { echo "# part files left:"; part_list "$1" | sed 's/^/#   /'; return 1; }
}

# kept_parts DIR: how many parts DIR keeps to resume (records not counted).
kept_parts() {
	[ -d "$1/.ferry-resume" ] || { echo 0; return; }
	find "$1/.ferry-resume" -mindepth 1 -type f ! -name '*.info' | wc -l
}

# kept_one DIR: DIR keeps exactly one part to resume, with its record.
kept_one() {
	[ "$(kept_parts "$1")" -eq 1 ] && [ "$(find "$1/.ferry-resume" -name '*.info' | wc -l)" -eq 1 ]
}

# part_size DIR: bytes of the (one) part DIR is writing or keeps; 0 when none.
part_size() {
	local f
	for f in "$1"/*.part "$1"/.ferry-resume/*; do
		case $f in *.info) continue ;; esac
		[ -f "$f" ] && { stat -c %s "$f"; return; }
	done
	echo 0
}

# part_bigger_than DIR BYTES: a part file in DIR has grown past BYTES.
part_bigger_than() {
	[ "$(part_size "$1")" -gt "$2" ]
}

# said FILE: what a ferry wrote on stderr, without the one-time notes of a
# first contact with a peer's key (client_peer_trust.sh checks those), so
# the checks below see only what they are about.
said() {
	grep -v '^ferry: first contact with .* (key [0-9A-Z-]*): compare the code ' "$1"
}

# quiet FILE: stderr said nothing (but first-contact notes).
quiet() {
	[ -z "$(said "$1")" ] || { echo "# stderr was:"; sed 's/^/#   /' "$1"; return 1; }
}

# err_is FILE TEXT: stderr is exactly one line, TEXT.
err_is() {
	[ "$(said "$1")" = "$2" ] || { echo "# stderr was:"; sed 's/^/#   /' "$1"; echo "# wanted: $2"; return 1; }
}

# err_matches FILE REGEX: stderr is one line matching the extended REGEX.
err_matches() {
	[ "$(said "$1" | wc -l)" -eq 1 ] && said "$1" | grep -qE -- "$2" || {
		echo "# stderr was:"; sed 's/^/#   /' "$1"; echo "# wanted /$2/"; return 1; }
}

# contains FILE TEXT: FILE holds TEXT somewhere.
contains() {
	grep -qF -- "$2" "$1" || { echo "# '$2' not in $1:"; sed 's/^/#   /' "$1"; return 1; }
}

# waits_on RX NAME SENDER WHAT: receiver NAME (PID RX, --count 1, its
# output in $T_DIR/NAME.*) saw its transfer fail and keeps waiting, since
# only saved transfers count: a real one from SENDER lands, and then NAME
# exits 0. Call it after the checks of what the failure left behind.
waits_on() {
	send_saved "$3" "$2" 4096 "$T_DIR/$2" "$4: $2 waited on and saves a real transfer from $3"
	t_check "$4: $2 exits 0 once one transfer is saved" exited "$1" 0 10
}

# exited PID STATUS SECONDS: the process exits within SECONDS with STATUS.
exited() {
	t_wait_exit "$1" "$3" || { echo "# pid $1 still running"; return 1; }
	[ "$T_STATUS" -eq "$2" ] || { echo "# pid $1 exited $T_STATUS, wanted $2"; return 1; }
}
