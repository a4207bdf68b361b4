#!/bin/sh
# SPDX-License-Identifier: ISC
# The life of secure channels on a node that trusts everyone (issue 9,
# item 4): channels per peer identity and per listener are capped, an
# idle channel is closed, a channel whose TCP connection closed is
# closed (also after tcp-connection delete), and show channels tells
# the open ones from the closed.
. "$(dirname "$0")/lib.sh"

PR=$(free_port 22200)
ROUTE=/ip4/127.0.0.1/tcp/$PR/service/bob_listener

cp "$TOP/etc/responder.conf" "$T/responder.conf"
cat >> "$T/responder.conf" <<EOF
limit channels-per-peer 4
limit channels-per-listener 6
limit channel-idle-timeout 6
EOF
mkdir -p "$T/bob" "$T/alice"
start_node bob "$T/responder.conf" -D port="$PR" -D vaultdir="$T/bob/vault" ||
    { fail "responder starts"; exit 0; }
start_node alice "$TOP/etc/initiator.conf" -D vaultdir="$T/alice/vault" ||
    { fail "initiator starts"; exit 0; }
ctl alice identity create carol > /dev/null 2>&1

# open WHO: bob's open responder channels (with WHO's identifier)
open() { ctl bob show channels 2>&1 | grep 'responder *open' | grep -c "$1"; }
alice=$(ctl alice identity show alice | awk '{ print $2 }')

# Per peer: alice gets 4, the others are refused with a Close.
i=0
while [ "$i" -lt 6 ]; do
	ctl alice secure-channel create -t 3 "$ROUTE" > "$T/create.$i" 2>&1
	i=$((i + 1))
done
n=$(open "$alice")
[ "$n" -eq 4 ] && ok "channels-per-peer 4: alice has 4 channels at bob" ||
    fail "channels-per-peer 4: alice has $n channels at bob"
grep -q "refused: channels-per-peer reached" "$(node_log bob)" &&
    ok "refused channels logged" || fail "refused channels logged"
grep -q "refused by the responder: too many channels" "$T/create.5" &&
    ok "the fifth create fails: refused by the responder, too many" ||
    fail "the fifth create fails: $(cat "$T/create.5")"
wait_for 3 sh -c "[ \$($CTL -s $(node_sock alice) show channels |
    grep -c 'initiator *open') -eq 4 ]" &&
    ok "alice hears of the refusal (Close): 4 open at her end" ||
    fail "alice hears of the refusal ($(ctl alice show channels 2>&1 |
    grep -c 'initiator *open') open)"

# Per listener: 6 in all; carol gets 2 (4 at once: checked at message
# 1 and when the channel opens), the others are refused.
i=0 pids=""
while [ "$i" -lt 4 ]; do
	ctl alice secure-channel create -i carol -t 2 "$ROUTE" > /dev/null 2>&1 &
	pids="$pids $!"
	i=$((i + 1))
done
wait $pids
n=$(ctl bob show channels 2>&1 | grep -c 'responder *open')
sleep 1	# the Closes
made=$(ctl alice show channels 2>&1 | awk '/initiator *open/ { o = 1; next }
    o && /identity carol,/ { n++ } { o = 0 } END { print n + 0 }')
[ "$n" -eq 6 ] && [ "$made" -eq 2 ] &&
    ok "channels-per-listener 6: 6 open, 2 of carol's 4" ||
    fail "channels-per-listener 6: $n open, $made of carol's 4"

# Idle: 6 s without a message and the channels close, at both ends.
if wait_for 10 sh -c "[ \$($CTL -s $(node_sock bob) show channels |
    grep -c 'responder *open') -eq 0 ]"; then
	ok "channel-idle-timeout 6: idle channels closed"
else fail "channel-idle-timeout 6: idle channels closed"; fi
ctl bob show channels > "$T/sc" 2>&1
grep -q 'responder *closed' "$T/sc" && grep -q "idle for" "$T/sc" &&
    ok "show channels: closed, idle for N s" ||
    fail "show channels: closed, idle ($(cat "$T/sc"))"
wait_for 3 sh -c "! $CTL -s $(node_sock alice) show channels |
    grep -q 'initiator *open'" &&
    ok "alice's ends closed too (Close)" || fail "alice's ends closed too"

# A busy channel stays open past the idle timeout.
ch=$(ctl alice secure-channel create "$ROUTE" 2>&1)
i=0 good=0
while [ "$i" -lt 8 ]; do
	out=$(ctl alice message send "$ch/service/echoer" ping 2>&1)
	[ "$out" = ping ] && good=$((good + 1))
	sleep 1
	i=$((i + 1))
done
[ "$good" -eq 8 ] && ok "a channel in use outlives the idle timeout" ||
    fail "a channel in use outlives the idle timeout ($good of 8)"

# Its TCP connection closed (tcp-connection delete): closed, both ends.
id=$(ctl alice show connections 2>&1 | awk '/127.0.0.1:'"$PR"'/ { print $1; exit }')
ctl alice tcp-connection delete "$id" > /dev/null 2>&1
if wait_for 3 sh -c "$CTL -s $(node_sock alice) show channels |
    grep '^$ch ' | grep -q 'initiator *closed'"; then
	ok "tcp-connection delete: the channel over it is closed"
else fail "tcp-connection delete: the channel over it is closed ($id)"; fi
ctl alice show channels 2>&1 | grep -q "connection $id closed" &&
    ok "show channels says why: its TCP connection closed" ||
    fail "show channels says why"
wait_for 3 sh -c "! $CTL -s $(node_sock bob) show channels |
    grep -q 'responder *open'" &&
    ok "bob's end is closed too" || fail "bob's end is closed too"
out=$(ctl alice message send -t 2 "$ch/service/echoer" x 2>&1)
echo "$out" | grep -q "no worker at address" &&
    ok "nothing goes into the closed channel" ||
    fail "nothing goes into the closed channel ($out)"
