#!/bin/sh
# SPDX-License-Identifier: ISC
# The clients of a relay cannot push out one another's reply grants:
# 40 connections send through the middle node's relay while Alice and
# Bob talk through it, and Alice loses nothing, Bob's Close included.
# And a frame that arrives just before its connection closes is routed.
. "$(dirname "$0")/lib.sh"

if ! command -v bash >/dev/null 2>&1; then
	skip "bash is needed for /dev/tcp"
	exit 0
fi
PR=$(free_port 24600)
PM=$(free_port $((PR + 1)))
sed "s/{ \"bob_listener\" }/{ \"bob_listener\" \"sink\" }/" \
    "$TOP/etc/responder.conf" > "$T/responder.conf"
start_three "$PR" "$PM" || exit 0

ROUTE=/ip4/127.0.0.1/tcp/$PM/service/forward_to_bob/service/bob_listener
ch=$(ctl alice secure-channel create "$ROUTE" 2>&1)
echo "$ch" | grep -qE '^/service/[0-9a-f]{32}$' ||
    { fail "channel through the relay ($ch)"; exit 0; }
[ "$(ctl alice message send "$ch/service/echoer" first 2>&1)" = first ] &&
    ok "a channel through the relay" || fail "a channel through the relay"

"$HELPERS/sinkworker" "$(node_sock bob)" sink > "$T/sink.out" 2>&1 &
sink=$!
wait_for 5 grep -q ready "$T/sink.out"

# frame: forward_to_bob, echoer <- x, payload "a": Bob denies it, but
# the middle relays it and grants Bob's replies to that connection.
F='\x00\x20\x01\x02\x00\x0eforward_to_bob\x00\x06echoer\x01\x00\x01x\x01a'
bash -c 'fds=""
for i in $(seq 40); do
	exec {fd}<>/dev/tcp/127.0.0.1/'"$PM"' || exit 1
	fds="$fds $fd"
done
end=$((SECONDS + 60))
while [ $SECONDS -lt $end ]; do
	for fd in $fds; do printf "$1" >&$fd || exit 1; done
	sleep 0.02
done' sh "$F" 2>/dev/null &
flood=$!
wait_for 5 sh -c "[ \$(grep -c 'denied: echoer' '$(node_log bob)') -ge 200 ]" ||
    fail "the 40 connections get through the relay"

good=0
for i in $(seq 1 15); do
	out=$(ctl alice message send -t 2 "$ch/service/echoer" "m$i" 2>&1)
	[ "$out" = "m$i" ] && good=$((good + 1))
done
[ $good = 15 ] && ok "40 other clients of the relay: 15 echoes of 15" ||
    fail "40 other clients of the relay: $good echoes of 15"

# Bob closes his end: the Close reaches Alice.
bch=$(ctl bob show channels |
    awk '$2 == "responder" && $3 == "open" { print $1; exit }')
ctl bob secure-channel delete "$bch" > /dev/null 2>&1
if wait_for 3 grep -q "closed by the peer" "$(node_log alice)"; then
	ok "Bob's Close reaches Alice meanwhile"
else fail "Bob's Close reaches Alice meanwhile ($bch)"; fi

# Frames whose connections close right behind them, while the middle is
# busy with the flood: routed all the same.
G='\x00\x20\x01\x02\x00\x0eforward_to_bob\x00\x04sink\x01\x00\x01x\x03\x02hi'
bash -c 'for i in $(seq 20); do
	exec 3<>/dev/tcp/127.0.0.1/'"$PM"' && printf "$1" >&3; exec 3>&-
done' sh "$G" 2>/dev/null
if wait_for 3 sh -c "[ \$(wc -l < '$T/sink.out') -ge 21 ]"; then
	ok "20 frames right before their connections close: all relayed"
else fail "20 frames right before their connections close:" \
    "$(( $(wc -l < "$T/sink.out") - 1 )) relayed"; fi
kill $sink 2>/dev/null; wait $sink 2>/dev/null
kill $flood 2>/dev/null; wait $flood 2>/dev/null

for n in alice middle bob; do stop_node $n; done
