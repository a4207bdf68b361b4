#!/bin/sh
# SPDX-License-Identifier: ISC
# Connection slots (issue 9, item 2) on the middle node of the guide
# "Secure Channels" over two TCP hops (etc/responder.conf, middle.conf,
# initiator.conf): 1,100 idle connections from one address, 1,100 more
# from twenty others, and slow frames.  The guide still works end to
# end while they hold, new connections are taken, and what holds a
# slot without completing a frame is closed after frame-timeout.
. "$(dirname "$0")/lib.sh"

HOSTILE=$HELPERS/hostile
FT=4				# frame-timeout of the middle, seconds

PM=$(free_port 21100)
PR=$(free_port 21300)
cp "$TOP/etc/middle.conf" "$T/middle.conf"
[ "${HT_LIMITS:-1}" = 1 ] && echo "limit frame-timeout $FT" >> "$T/middle.conf"
cp "$TOP/etc/initiator.conf" "$T/initiator.conf"
mkdir -p "$T/bob" "$T/alice"
start_node bob "$TOP/etc/responder.conf" -D port="$PR" \
    -D vaultdir="$T/bob/vault" ||
    { fail "responder starts"; exit 0; }
start_node middle "$T/middle.conf" -D port="$PM" -D bob_port="$PR" ||
    { fail "middle starts"; exit 0; }
start_node alice "$T/initiator.conf" -D vaultdir="$T/alice/vault" ||
    { fail "initiator starts"; exit 0; }
ROUTE=/ip4/127.0.0.1/tcp/$PM/service/forward_to_bob/service/bob_listener
MLOG=$(node_log middle)

# open NAME: how many of its connections the node keeps now
open_now() { sed -n 's/^open \([0-9]*\) of.*/\1/p' "$T/$1" | tail -n 1; }

# The peers hold until the test closes their stdin, a fifo.
mkfifo "$T/p.in"
# Slow frames first: a heartbeat then 7 bytes of a frame, and a
# heartbeat then nothing (an idle peer that did complete a frame).
"$HOSTILE" hold "$PM" 3 slow 127.0.0.7 < "$T/p.in" > "$T/slow" 2>&1 &
slow_pid=$!
"$HOSTILE" hold "$PM" 3 frame 127.0.0.8 < "$T/p.in" > "$T/framed" 2>&1 &
framed_pid=$!
"$HOSTILE" hold "$PM" 1100 half 127.0.0.5 < "$T/p.in" > "$T/one" 2>&1 &
one_pid=$!
exec 7> "$T/p.in"
wait_for 20 grep -q "^open" "$T/one"
sleep 0.5
n1=$(open_now one)
[ "${n1:-0}" -le 64 ] &&
    ok "1,100 idle connections from one address: $n1 kept (connections-per-ip)" ||
    fail "1,100 idle connections from one address: ${n1:-none} kept"

# Twenty other addresses, 55 each: more than the slots for accepted
# connections (1024 less 64 kept for opening).
srcs=""
for i in $(seq 10 29); do srcs="$srcs 127.0.0.$i"; done
"$HOSTILE" hold "$PM" 1100 none $srcs < "$T/p.in" > "$T/many" 2>&1 &
many_pid=$!
wait_for 20 grep -q "^open" "$T/many"
sleep 0.5
nm=$(open_now many) n1=$(open_now one)
tfd=$(ls "/proc/$(child_pid middle ockam-tcpd)/fd" | wc -l)
echo "# held: $n1 from one address, $nm from twenty; the middle's tcpd has $tfd descriptors"

# The guide, while they hold: the middle must accept Alice and still
# connect to Bob.
t0=$(date +%s%N)
ch=$(ctl alice secure-channel create "$ROUTE" 2>&1)
out=$(ctl alice message send "$ch/service/echoer" 'Hello Ockam!' 2>&1)
t1=$(date +%s%N)
held=$(( $(open_now one) + $(open_now many) ))
if [ "$out" = "Hello Ockam!" ]; then
	ok "under attack ($held idle connections held): channel and Hello Ockam! in $(( (t1 - t0) / 1000000 )) ms"
else fail "under attack: the guide ($ch: $out)"; fi
ctl middle show connections > "$T/mconn" 2>&1
grep -q "127.0.0.1:$PR .*opened by this node" "$T/mconn" &&
    ok "the middle opened its connection to Bob (connections-outgoing)" ||
    fail "the middle opened its connection to Bob ($(grep -v 127.0.0.[1-9][0-9]* "$T/mconn" | head -n 3))"
[ "$held" -gt 800 ] && ok "the attack still held $held connections" ||
    fail "the attack still held only $held connections"

# frame-timeout: every connection without a whole frame goes, after
# frame-timeout and not before; the framed idle ones stay.
if wait_for $((FT + 8)) sh -c "[ \"\$(sed -n 's/^open \([0-9]*\) of.*/\1/p' '$T/one' | tail -n 1)\" = 0 ] &&
    [ \"\$(sed -n 's/^open \([0-9]*\) of.*/\1/p' '$T/many' | tail -n 1)\" = 0 ] &&
    [ \"\$(sed -n 's/^open \([0-9]*\) of.*/\1/p' '$T/slow' | tail -n 1)\" = 0 ]"
then
	ok "frame-timeout: the idle and the slow connections are closed"
else fail "frame-timeout: $(open_now one) + $(open_now many) idle, $(open_now slow) slow still open"; fi
at=$(sed -n 's/^open 0 of 3 at \([0-9]*\).*/\1/p' "$T/slow")
[ -n "$at" ] && [ "$at" -ge $((FT - 1)) ] && [ "$at" -le $((FT + 4)) ] &&
    ok "a frame begun and not finished: closed after ${at} s (frame-timeout $FT)" ||
    fail "a frame begun and not finished: closed after ${at:-?} s (frame-timeout $FT)"
[ "$(open_now framed)" = 3 ] &&
    ok "connections idle after a whole frame stay open" ||
    fail "connections idle after a whole frame stay open ($(cat "$T/framed"))"
out=$(ctl alice message send "$ch/service/echoer" again 2>&1)
n=$(ctl alice show connections | grep -c "127.0.0.1:$PM")
[ "$out" = again ] && [ "$n" = 1 ] &&
    ok "Alice's idle connection stays, and carries the channel" ||
    fail "Alice's idle connection stays ($n: $out)"

# A new connection after it all.
ch2=$(ctl alice secure-channel create "$ROUTE" 2>&1)
out=$(ctl alice message send "$ch2/service/echoer" new 2>&1)
[ "$out" = new ] && ok "a new channel afterwards" ||
    fail "a new channel afterwards ($out)"

# Each cause in a line a second at most.
for c in "connections-per-ip reached" "connection slots full" \
    "frame-timeout: closed"; do
	n=$(grep -c "$c" "$MLOG")
	[ "$n" -ge 1 ] && [ "$n" -le $((FT + 12)) ] &&
	    ok "\"$c\" logged $n times" || fail "\"$c\" logged $n times"
done
n=$(wc -l < "$MLOG")
echo "# the middle's log: $n lines (debug level)"

exec 7>&-
for p in $slow_pid $framed_pid $one_pid $many_pid; do
	kill "$p" 2>/dev/null; wait "$p" 2>/dev/null
done
for n in alice middle bob; do stop_node $n; done
