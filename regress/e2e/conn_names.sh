#!/bin/sh
# SPDX-License-Identifier: ISC
# Connection names (issue 9, item 11): an accepted connection is named
# by its id, never by its remote address, which the node would dial.
# Attacks first: a local socket bound to a relay target's address
# while the target is down gets nothing relayed; a reply to a closed
# accepted connection does not dial its old address, however many
# connections closed since.  Then the three-node guide works as before.
. "$(dirname "$0")/lib.sh"

RAW=$HELPERS/rawpeer
PM=$(free_port 26000)
PT=$(free_port 26100)
PN=$(free_port 26200)
PS=$(free_port 26300)

cat > "$T/n.conf" <<EOC
listen on 127.0.0.1 port $PN consumers { "late" }
EOC
cp "$TOP/etc/initiator.conf" "$T/initiator.conf"
mkdir -p "$T/bob" "$T/alice"
start_node middle "$TOP/etc/middle.conf" -D port="$PM" -D bob_port="$PT" ||
    { fail "middle starts"; exit 0; }
start_node alice "$T/initiator.conf" -D vaultdir="$T/alice/vault" ||
    { fail "initiator starts"; exit 0; }

# 1. Bob is down; a local user connects to the middle from Bob's
# address (127.0.0.1:PT) and waits for what the relay sends to Bob.
"$RAW" from "$PT" "$PM" 3000 > "$T/spoof.out" 2>&1 &
spid=$!
wait_for 5 grep -q "connection .* from 127.0.0.1:$PT" "$(node_log middle)"
out=$(ctl alice message send -t 2 \
    "/ip4/127.0.0.1/tcp/$PM/service/forward_to_bob/service/bob_listener" \
    secret 2>&1)
wait $spid
if grep -q "received 0 bytes" "$T/spoof.out"; then
	ok "a socket from the relay target's address gets nothing relayed"
else fail "a socket from the relay target's address gets the relayed" \
    "message ($(cat "$T/spoof.out"); $out)"; fi
grep -q "cannot reach 127.0.0.1:$PT" "$(node_log middle)" &&
    ok "the middle dials the target instead, and says it is down" ||
    fail "the middle dials the target instead"

# The guide, now that Bob is up on that port.
start_node bob "$TOP/etc/responder.conf" -D port="$PT" \
    -D vaultdir="$T/bob/vault" ||
    { fail "responder starts"; exit 0; }
ROUTE=/ip4/127.0.0.1/tcp/$PM/service/forward_to_bob/service/bob_listener
ch=$(ctl alice secure-channel create "$ROUTE" 2>&1)
out=$(ctl alice message send "$ch/service/echoer" 'Hello Ockam!' 2>&1)
[ "$out" = "Hello Ockam!" ] &&
    ok "guide: Hello Ockam! through the middle to Bob's echoer" ||
    fail "guide: Hello Ockam! through the middle to Bob's echoer ($ch: $out)"
ctl middle show connections > "$T/mconn" 2>&1
grep -q "127.0.0.1:[0-9]* *accepted on 127.0.0.1 port $PM" "$T/mconn" &&
    grep -q "127.0.0.1:$PT *opened by this node" "$T/mconn" &&
    ok "show connections: the remote address of the accepted one" ||
    fail "show connections ($(cat "$T/mconn"))"
out=$("$HELPERS/scsend" "$(node_sock alice)" "$ch/service/echoer" 200 64 2>&1)
[ "$out" = "sent 200 received 200" ] &&
    ok "200 messages through the channel" ||
    fail "200 messages through the channel ($out)"

# 2. A message in from 127.0.0.1:PS, then the connection closes and 300
# more do; the reply to it comes after that.  A listener on PS would
# see a dial.
start_node n "$T/n.conf" || { fail "node n starts"; exit 0; }
"$HELPERS/lateecho" "$(node_sock n)" late > "$T/late.out" 2>&1 &
lpid=$!
wait_for 5 grep -q ready "$T/late.out"
"$RAW" from "$PS" "$PN" 200 late > "$T/from.out" 2>&1
wait_for 5 grep -q holding "$T/late.out"
"$RAW" churn "$PN" 300
"$RAW" listen "$PS" 2500 > "$T/listen.out" 2>&1 &
wpid=$!
wait_for 5 grep -q listening "$T/listen.out"
# The legitimate peer: its message makes lateecho answer both.
out=$(ctl alice message send -t 5 "/ip4/127.0.0.1/tcp/$PN/service/late" \
    hi 2>&1)
wait $wpid
[ "$out" = hi ] && ok "a reply by id over a live accepted connection" ||
    fail "a reply by id over a live accepted connection ($out)"
if grep -q "accepted 0" "$T/listen.out"; then
	ok "a reply to a closed accepted connection dials nobody"
else fail "a reply to a closed accepted connection dialled its old" \
    "port ($(cat "$T/listen.out"))"; fi
grep -q "connection @[0-9]*\.[0-9a-f]* is closed (an accepted connection is" \
    "$(node_log n)" &&
    ok "... it is dropped, with the reason" ||
    fail "... it is dropped, with the reason"
kill $lpid 2>/dev/null; wait $lpid 2>/dev/null
for n in alice middle bob n; do stop_node $n; done
