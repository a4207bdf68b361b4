#!/bin/sh
# SPDX-License-Identifier: ISC
# The guide "Secure Channels" over two TCP hops, with three real nodes
# from etc/: initiator -> middle (relay forward_to_bob) -> responder.
. "$(dirname "$0")/lib.sh"

# Ports of this run (the etc/ files use 3000 and 4000; -D keeps the
# files as they are but tests must not collide with anything running).
PM=$(free_port 23000)
PR=$(free_port 24000)

# The middle also lets a tap (an app worker that records what it
# forwards) receive from its listener, to show what the middle sees.
sed "s/{ \"forward_to_bob\" }/{ \"forward_to_bob\" \"tap\" }/" \
    "$TOP/etc/middle.conf" > "$T/middle.conf"
start_three "$PR" "$PM" || exit 0
ok "three nodes from etc/responder.conf, middle.conf, initiator.conf"

ROUTE=/ip4/127.0.0.1/tcp/$PM/service/forward_to_bob/service/bob_listener
ch=$(ctl alice secure-channel create "$ROUTE" 2>&1)
if echo "$ch" | grep -qE '^/service/[0-9a-f]{32}$'; then
	ok "secure channel over two TCP hops: created"
else fail "secure channel over two TCP hops: created ($ch)"; fi
out=$(ctl alice message send "$ch/service/echoer" 'Hello Ockam!' 2>&1)
[ "$out" = "Hello Ockam!" ] && ok "guide: Hello Ockam! from Alice to Bob's echoer" ||
    fail "guide: Hello Ockam! from Alice to Bob's echoer ($out)"

bobid=$(ctl bob identity show bob | awk '{ print $2 }')
ctl alice show channels 2>&1 | grep -q "open *$bobid" &&
    ok "Alice's channel is authenticated as Bob" ||
    fail "Alice's channel is authenticated as Bob"

# What the middle node carries: ciphertext only.  A tap at the middle
# records every payload it forwards on the way to forward_to_bob.
"$HELPERS/taphop" "$(node_sock middle)" tap "$T/tap.log" > "$T/tap.out" 2>&1 &
tappid=$!
wait_for 5 grep -q ready "$T/tap.out"
TROUTE=/ip4/127.0.0.1/tcp/$PM/service/tap/service/forward_to_bob/service/bob_listener
cht=$(ctl alice secure-channel create "$TROUTE" 2>&1)
out=$(ctl alice message send "$cht/service/echoer" 'Hello Ockam!' 2>&1)
[ "$out" = "Hello Ockam!" ] && ok "through a tap at the middle: Hello Ockam!" ||
    fail "through a tap at the middle ($cht: $out)"
hex=$(printf 'Hello Ockam!' | od -An -tx1 | tr -d ' \n')
n=$(wc -l < "$T/tap.log")
if [ "$n" -ge 5 ] && ! grep -qi "$hex" "$T/tap.log"; then
	ok "the middle carried $n messages, no plaintext in any"
else fail "the middle saw plaintext or too little ($n)"; fi
kill $tappid; wait $tappid 2>/dev/null
ctl middle show connections > "$T/mconn" 2>&1
grep -q "opened by this node" "$T/mconn" && grep -q "accepted on" "$T/mconn" &&
    ok "middle: one connection in (from Alice), one out (to Bob)" ||
    fail "middle: connections ($(cat "$T/mconn"))"

# Without the channel, Bob's echoer is unreachable through the relay.
out=$(ctl alice message send -t 2 \
    "/ip4/127.0.0.1/tcp/$PM/service/forward_to_bob/service/echoer" x 2>&1)
if echo "$out" | grep -q "no reply" && wait_for 2 grep -q \
    "denied: echoer may not receive from that TCP connection" \
    "$(node_log bob)"; then
	ok "echoer is unreachable without the channel (denied, logged)"
else fail "echoer is unreachable without the channel ($out)"; fi
# ... and the middle is no open relay: only forward_to_bob is reachable.
out=$(ctl alice message send -t 2 "/ip4/127.0.0.1/tcp/$PM/service/echoer" \
    x 2>&1)
echo "$out" | grep -q "no reply" &&
    ok "the middle node's listener admits forward_to_bob only" ||
    fail "the middle node's listener admits forward_to_bob only ($out)"

# Many messages through the channel across both hops.
out=$("$HELPERS/scsend" "$(node_sock alice)" "$ch/service/echoer" 2000 64 2>&1)
[ "$out" = "sent 2000 received 2000" ] &&
    ok "2000 messages through the channel over TCP" ||
    fail "2000 messages through the channel over TCP ($out)"

# The grants are visible.
ctl bob show listeners > "$T/grants" 2>&1
grep -q "^tcp .*127.0.0.1:$PR *bob_listener" "$T/grants" &&
    grep -q "^secure-channel *bob_listener *echoer" "$T/grants" &&
    ok "show listeners: the TCP listener feeds bob_listener, it the echoer" ||
    fail "show listeners ($(cat "$T/grants"))"

# Connections are reused, listed, and can be closed.
n=$(ctl alice show connections | grep -c "127.0.0.1:$PM")
[ "$n" = 1 ] && ok "one connection from Alice to the middle, reused" ||
    fail "one connection from Alice to the middle ($n)"
ctl alice tcp-connection delete "127.0.0.1:$PM" > /dev/null 2>&1
if wait_for 3 sh -c "! $CTL -s $(node_sock alice) show connections | grep -q 127.0.0.1:$PM"
then ok "tcp-connection delete closes it"
else fail "tcp-connection delete closes it"; fi

# A port nobody listens on: the sender hears of it.
out=$(ctl alice message send -t 3 /ip4/127.0.0.1/tcp/9/service/echoer x 2>&1)
echo "$out" | grep -q "cannot reach 127.0.0.1:9" &&
    ok "unreachable peer: reported to the sender" ||
    fail "unreachable peer: reported to the sender ($out)"

# The middle keeps serving after all that.
ch2=$(ctl alice secure-channel create "$ROUTE" 2>&1)
out=$(ctl alice message send "$ch2/service/echoer" again 2>&1)
[ "$out" = again ] && ok "a new channel after the connection was closed" ||
    fail "a new channel after the connection was closed ($out)"

# Forty handshakes at once over the one connection: every reply gets
# through (more than the 32 reply grants a peer keeps), every channel
# carries a message.
pids=""
for i in $(seq 1 40); do
	ctl alice secure-channel create "$ROUTE" > "$T/many.$i" 2>&1 &
	pids="$pids $!"
	# An identity made meanwhile: routed waits for the vault's
	# answer while answers for the handshakes come first.
	[ $i = 20 ] && { ctl alice identity create carol > "$T/carol" 2>&1 &
	    pids="$pids $!"; }
done
wait $pids
grep -qE '^I[0-9a-f]{64}$' "$T/carol" &&
    ok "an identity created while 40 handshakes are in flight" ||
    fail "an identity created while 40 handshakes are in flight ($(cat "$T/carol"))"
good=0
for i in $(seq 1 40); do
	c=$(cat "$T/many.$i")
	out=$(ctl alice message send "$c/service/echoer" "m$i" 2>&1)
	[ "$out" = "m$i" ] && good=$((good + 1))
done
[ $good = 40 ] && ok "40 channels created at once over one connection, all work" ||
    fail "40 channels created at once over one connection: $good work ($(cat "$T/many.1"))"
grep -q "denied: .* may not receive" "$(node_log alice)" &&
    fail "no handshake reply denied at Alice" ||
    ok "no handshake reply denied at Alice"

for n in alice middle bob; do stop_node $n; done
