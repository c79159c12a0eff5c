# hostile_lib.bash: helpers for the hostile_*, slow_* and keepalive_* scripts
# (sourced after lib.bash and relay_lib.bash). A "live" wire reads its script
# from a FIFO, so a test can hold it at a step while it checks the relay's
# log or starts other clients, and go on when it is ready.

# wire_open NAME [wire flags...]: starts wire on the FIFO $T_DIR/NAME.fifo
# with output in $T_DIR/NAME.out; sets WIRE_PID_<NAME> and WIRE_FD_<NAME>.
wire_open() {
	local name=$1 fifo fd
	shift
	fifo="$T_DIR/$name.fifo"
	mkfifo "$fifo"
	t_bg "$WIRE" -t "$WIRE_T" "$@" "${W_ADDR:-$RELAY_ADDR}" "$fifo" \
	    >"$T_DIR/$name.out" 2>&1
	printf -v "WIRE_PID_$name" '%s' "$T_LAST"
	# Read-write: the open does not wait for wire, and wire sees EOF
	# when this, the only writer, is closed.
	exec {fd}<>"$fifo"
	printf -v "WIRE_FD_$name" '%s' "$fd"
}

# wire_say NAME LINE...: more script lines for that wire.
wire_say() {
	local fdv="WIRE_FD_$1"
	shift
	printf '%s\n' "$@" >&"${!fdv}"
}

# wire_reached NAME MARK [SECONDS]: has the wire run up to `echo MARK`?
# Fails as soon as it stopped (a failed step) and shows why.
wire_reached() {
	local name=$1 mark=$2 pidv="WIRE_PID_$1"
	t_wait_for "${3:-20}" wire_at "$name" "$mark" "${!pidv}"
	# It may have printed the mark just before it stopped.
	grep -qxF "# $mark" "$T_DIR/$name.out" && return 0
	echo "# $name did not reach $mark:"
	sed 's/^/#   /' "$T_DIR/$name.out"
	return 1
}

# wire_at NAME MARK PID: the wire printed MARK, or it is no longer running.
wire_at() {
	grep -qxF "# $2" "$T_DIR/$1.out" || ! kill -0 "$3" 2>/dev/null
}

# wire_end NAME: no more lines; wire must then exit 0 in time.
wire_end() {
	local fdv="WIRE_FD_$1" pidv="WIRE_PID_$1"
	eval "exec ${!fdv}>&-"
	if t_wait_exit "${!pidv}" "${2:-30}" && [ "$T_STATUS" -eq 0 ]; then
		return 0
	fi
	echo "# wire $1 ended with status $T_STATUS:"
	sed 's/^/#   /' "$T_DIR/$1.out"
	return 1
}

# fd_count PID: open descriptors of a process.
fd_count() {
	ls "/proc/$1/fd" 2>/dev/null | wc -l
}

# rss_kb PID: resident set size in kB.
rss_kb() {
	awk '$1 == "VmRSS:" { print $2 }' "/proc/$1/status" 2>/dev/null
}

# frame_hex JSON: one control frame as hex digits, for wire's `raw` (many
# frames in one write reach the relay in one read).
frame_hex() {
	printf '%08x01' $((${#1} + 1))
	printf '%s' "$1" | od -An -v -tx1 | tr -d ' \n'
}

# corked_offers FROM TO N: wire lines in which the open connection FROM
# writes N one-byte offers to ${TO.id} in one write, refs 1..N.
corked_offers() {
	local i
	echo "cork $1"
	for i in $(seq "$3"); do
		echo 'send '"$1"' {"type":"offer","ref":'"$i"',"to":${'"$2"'.id},"count":1,"size":1}'
	done
	echo "uncork $1"
}

# offer_flood PEER N KEEP: a wire named h looks up PEER's id and writes N
# offers to it in one write, each claiming 1000 files, then waits until
# N - KEEP of them are declined with busy and says "# declined".
offer_flood() {
	local i
	wire_open h
	wire_say h "connect h" "hello h flooder" "ignore h peer_joined peer_left" \
	    'send h {"type":"peers"}' "expect h peer_list id_of:$1>TARGET" \
	    "ignore h peer_joined peer_left offered ready" "cork h"
	for i in $(seq "$2"); do
		wire_say h 'send h {"type":"offer","ref":'"$i"',"to":${TARGET},"count":1000,"size":1000000}'
	done
	wire_say h "uncork h"
	for i in $(seq $(($2 - $3))); do
		wire_say h "expect h decline reason~busy:"
	done
	wire_say h "echo declined"
}
