#!/bin/sh
# SPDX-License-Identifier: ISC
# The guides' local scenario with real processes: a node from
# etc/many-hops.conf, a message through h1, h2, h3 to the echoer.
. "$(dirname "$0")/lib.sh"

ROUTE=/service/h1/service/h2/service/h3/service/echoer

if ! start_node n1 "$TOP/etc/many-hops.conf"; then
	fail "node from etc/many-hops.conf starts"
	exit 0
fi
ok "node from etc/many-hops.conf starts"

out=$(ctl n1 message send "$ROUTE" 'Hello Ockam!' 2>&1)
if [ "$out" = "Hello Ockam!" ]; then ok "many hops: reply is Hello Ockam!"
else fail "many hops: reply is Hello Ockam! (got: $out)"; fi

out=$(ctl n1 message send --hex /service/echoer 00ff7f 2>&1)
if [ "$out" = "00ff7f" ]; then ok "echoer returns raw bytes (--hex)"
else fail "echoer returns raw bytes (--hex) (got: $out)"; fi

out=$("$BUILD/examples/many-hops" -s "$(node_sock n1)" 2>&1)
if [ "$out" = "App Received: Hello Ockam!" ]; then
	ok "examples/many-hops does the round trip with the client API"
else
	fail "examples/many-hops does the round trip (got: $out)"
fi

# Every hop saw the message on the way there and back.
ws=$(ctl n1 show workers 2>&1)
for w in echoer h1 h2 h3; do
	if echo "$ws" | grep -q "^$w "; then ok "show workers lists $w"
	else fail "show workers lists $w"; fi
done
if echo "$ws" | grep -q '^h2 *hop *4 received'; then
	ok "h2 forwarded both requests and both replies"
else
	fail "h2 forwarded both requests and both replies: $ws"
fi

# An unknown address: the sender hears of it, the node logs it.
out=$(ctl n1 message send /service/h1/service/nosuch 'x' 2>&1); rc=$?
if [ $rc -ne 0 ] && echo "$out" | grep -q 'no worker at address "nosuch"'
then ok "unknown address: clear error, non-zero exit"
else fail "unknown address: clear error, non-zero exit (rc $rc: $out)"; fi
check "unknown address: the node logs the drop" \
    grep -q 'dropped message to /service/nosuch: no worker' "$(node_log n1)"

# An empty route after the last hop.
out=$(ctl n1 message send /service/h1 'x' 2>&1); rc=$?
if [ $rc -ne 0 ] && echo "$out" | grep -q 'empty onward route'; then
	ok "route that ends at a hop: reported"
else fail "route that ends at a hop: reported (rc $rc: $out)"; fi

# Long routes: 30 hops through h1 fit; 32 overflow the return route
# (32 addresses at most, the sender's own included): the sender hears.
loop=""
i=0
while [ $i -lt 30 ]; do loop="$loop/service/h1"; i=$((i + 1)); done
out=$(ctl n1 message send "$loop/service/echoer" 'long way' 2>&1); rc=$?
if [ $rc -eq 0 ] && [ "$out" = "long way" ]; then
	ok "30 hops through h1 and back"
else fail "30 hops through h1 and back (rc $rc: $out)"; fi
out=$(ctl n1 message send "$loop/service/h1/service/h2" 'x' 2>&1); rc=$?
if [ $rc -ne 0 ] && echo "$out" | grep -q 'return route too long'; then
	ok "32 hops: return route too long, reported"
else fail "32 hops: return route too long, reported (rc $rc: $out)"; fi
out=$(ctl n1 message send "$loop/service/h1/service/h2/service/echoer" 'x' \
    2>&1); rc=$?
if [ $rc -ne 0 ] && echo "$out" | grep -q 'more than 32 addresses'; then
	ok "a route of 33 addresses: refused by ockamctl"
else fail "a route of 33 addresses: refused by ockamctl (rc $rc: $out)"; fi

# Bad routes never reach the node.
out=$(ctl n1 message send /service/h1//echoer 'x' 2>&1); rc=$?
if [ $rc -ne 0 ] && echo "$out" | grep -qi 'bad route'; then
	ok "malformed multiaddr: clear error"
else fail "malformed multiaddr: clear error (rc $rc: $out)"; fi
out=$(ctl n1 message send /ip4/1.2.3/tcp/4000 'x' 2>&1); rc=$?
if [ $rc -ne 0 ] && echo "$out" | grep -q '1.2.3'; then
	ok "bad IPv4 address named in the error"
else fail "bad IPv4 address named in the error (rc $rc: $out)"; fi

# A worker that never replies: the timeout.
"$HELPERS/sinkworker" "$(node_sock n1)" sink > "$T/sink.out" 2>&1 &
sinkpid=$!
if wait_for 5 grep -q ready "$T/sink.out"; then
	start=$(date +%s)
	out=$(ctl n1 message send --timeout 1 /service/h3/service/sink 'x' \
	    2>&1); rc=$?
	end=$(date +%s)
	if [ $rc -ne 0 ] && echo "$out" | grep -q 'no reply' &&
	    [ $((end - start)) -le 3 ]; then
		ok "--timeout 1: gives up with a clear message"
	else
		fail "--timeout 1: gives up with a clear message (rc $rc: $out)"
	fi
	check "app worker received the message" \
	    wait_for 2 grep -q 'received 2 bytes from this node' "$T/sink.out"
else
	fail "sink worker registers"
fi
kill "$sinkpid" 2>/dev/null
wait "$sinkpid" 2>/dev/null
# Its worker goes with its connection.
if wait_for 3 sh -c "! $CTL -s $(node_sock n1) show workers | grep -q '^sink '"
then ok "an app worker goes away with its client"
else fail "an app worker goes away with its client"; fi

# A second node on the same socket is refused; the first keeps serving.
"$ROUTED" -d -f "$TOP/etc/many-hops.conf" -s "$(node_sock n1)" \
    > "$T/second.log" 2>&1; rc=$?
if [ $rc -ne 0 ] && grep -q 'in use' "$T/second.log"; then
	ok "second node on a socket in use: refused"
else fail "second node on a socket in use: refused (rc $rc)"; fi
out=$(ctl n1 message send "$ROUTE" 'Hello again' 2>&1)
[ "$out" = "Hello again" ] && ok "first node still serving" ||
    fail "first node still serving ($out)"

if stop_node n1 && [ "$(exit_status n1)" = 0 ]; then
	ok "SIGTERM: routed exits 0"
else fail "SIGTERM: routed exits 0 (status $(exit_status n1))"; fi
check "SIGTERM: children gone" wait_for 2 node_down n1
check "SIGTERM: control socket removed" test ! -e "$(node_sock n1)"
