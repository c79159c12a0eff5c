#!/usr/bin/env bash
# slow_receiver.sh: a receiver that stops reading slows its own sender and
# nobody else. Both pairs are real ferry clients, so the bytes on the slow
# bridge are their end-to-end TLS session: once the slow transfer is
# flowing its receiver is stopped (SIGSTOP, it reads nothing at all), and
# meanwhile another pair moves a big file through the same relay. Progress
# is compared, not timed: the fast transfer finishes while the slow sender
# could read no more of its file than the buffers in between hold (less
# than the fast one moved), and the slow sender is still waiting, not
# failed.
source "$(dirname "$0")/lib.bash"
source "$(dirname "$0")/relay_lib.bash"
source "$(dirname "$0")/client_lib.bash"

# What the buffers between the slow sender and its stopped receiver can
# hold at most: two TCP connections (sender -> relay -> receiver), each
# with a send and a receive buffer at the kernel's maxima, plus 16 MiB for
# the relay's and the clients' own queues. The fast file is bigger than
# that, so "the slow sender read no more than the buffers hold" can fail.
rmem_max=$(awk '{ print $3 }' /proc/sys/net/ipv4/tcp_rmem)
wmem_max=$(awk '{ print $3 }' /proc/sys/net/ipv4/tcp_wmem)
BUFFERS=$((2 * (rmem_max + wmem_max) + 16 * 1024 * 1024))
FAST=$((BUFFERS + 32 * 1024 * 1024))
SLOW=$((1024 * 1024 * 1024))	# sparse: more than could ever fit in buffers

# rchar PID: bytes the process has read so far (its file and its sockets).
rchar() { awk '/^rchar:/ { print $2 }' "/proc/$1/io"; }

t_start_relay --log-level info; t_ok $? "ferryd starts"
mkfile "$T_DIR/fast.bin" "$FAST"
truncate -s "$SLOW" "$T_DIR/slow.bin"

# --- the slow pair ----------------------------------------------------------
start_receiver slowrx "$T_DIR/slowrx" --count 1
t_ok $? "the slow receiver is on the relay"
SLOWRX=$RX_PID
t_bg "$FERRY" send --name slowtx --to slowrx "$T_DIR/slow.bin" \
    >"$T_DIR/slowtx.out" 2>"$T_DIR/slowtx.err"
SLOWTX=$T_LAST
t_check "the slow transfer is bridged and its first bytes are saved" \
    t_wait_for 20 part_bigger_than "$T_DIR/slowrx" 0
kill -STOP "$SLOWRX"
t_check "the slow receiver is stopped" \
    t_wait_for 5 grep -q '^State:.*T' "/proc/$SLOWRX/status"
read0=$(rchar "$SLOWTX")

# --- the fast pair, while the slow receiver is stopped ----------------------
start_receiver fastrx "$T_DIR/fastrx" --count 1; t_ok $? "the fast receiver is listening"
FASTRX=$RX_PID
t_bg "$FERRY" send --name fasttx --to fastrx "$T_DIR/fast.bin" \
    >"$T_DIR/fasttx.out" 2>"$T_DIR/fasttx.err"
FASTTX=$T_LAST
t_check "the fast transfer finished (exit 0)" exited "$FASTTX" 0 120
t_check "the fast receiver saved it intact" \
    check_saved "$T_DIR/fastrx.out" fast.bin "$T_DIR/fast.bin" fasttx "$T_DIR/fastrx"
t_check "the fast receiver exits 0" exited "$FASTRX" 0 20
t_check "the slow sender is still waiting on its receiver, not failed" kill -0 "$SLOWTX"

read1=$(rchar "$SLOWTX")
slow=$((read1 - read0))
t_diag "fast: $FAST bytes done; slow: its sender read $slow bytes more while its receiver was stopped (the buffers hold at most $BUFFERS)"
[ "$slow" -le "$BUFFERS" ] && [ "$FAST" -gt "$BUFFERS" ]
t_ok $? "the slow sender read no more than the buffers hold, less than the fast one moved"

# The slow sender is interrupted (it cancels inside the session and waits
# 10 s for the stopped receiver's receipt, then tells the relay and says it
# cannot know what was kept); its receiver, let go, hears it and keeps nothing.
kill -INT "$SLOWTX"
t_check "the slow sender exits 1 when interrupted" exited "$SLOWTX" 1 20
t_check "and says its receiver did not confirm the cancel" contains "$T_DIR/slowtx.err" \
    "slowrx did not confirm it in 10 seconds, so slowrx may have kept the files"
t_check "the relay logs the slow transfer's bytes" \
    t_log_has 10 'transfer [0-9]+ cancelled by sender: [0-9]+ bytes slowtx -> slowrx'
kill -CONT "$SLOWRX"
t_check "the slow receiver fails the transfer once let go" \
    t_wait_for 20 contains "$T_DIR/slowrx.err" cancelled
t_check "and keeps no part file" t_wait_for 10 no_part_files "$T_DIR/slowrx"
# A failed transfer does not count for --count 1: it waits on until stopped.
kill -TERM "$SLOWRX"
t_check "it exits 1 when stopped, having saved nothing" exited "$SLOWRX" 1 10
t_stop_relay "slow"
t_done
