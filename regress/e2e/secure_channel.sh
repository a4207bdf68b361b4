#!/bin/sh
# SPDX-License-Identifier: ISC
# Secure channels with real processes: the guides "Secure Channel" and
# "Secure Channel over many hops", what a hop in the middle sees, bad
# and replayed messages, identities, trust, close, flow control.
. "$(dirname "$0")/lib.sh"

# The guides' node, its handshakes abandoned after 3 s rather than 10
# so that the test does not wait out the default.
CONF=$T/sc.conf
{ cat "$TOP/etc/secure-channel-many-hops.conf"
  echo "limit handshake-timeout 3"; } > "$CONF"
TAP=$HELPERS/taphop
SEND=$HELPERS/scsend

# start_sc NAME [conf]: a node with its own vault directory
start_sc() {
	mkdir -p "$T/$1"
	start_node "$1" "${2:-$CONF}" -D vaultdir="$T/$1/vault"
}

# create NAME ROUTE [options]: a channel; its route on stdout
create() {
	n=$1 r=$2; shift 2
	ctl $n secure-channel create "$@" "$r" 2>&1
}

start_sc n1 || { fail "node starts"; exit 0; }
ok "node with a secure channel listener starts"

ids=$(ctl n1 identity show 2>&1)
bob=$(echo "$ids" | awk '$1 == "bob" { print $2 }')
alice=$(echo "$ids" | awk '$1 == "alice" { print $2 }')
if echo "$bob" | grep -qE '^I[0-9a-f]{64}$' &&
    echo "$alice" | grep -qE '^I[0-9a-f]{64}$' && [ "$bob" != "$alice" ]
then ok "identities alice and bob, identifiers I + 64 hex"
else fail "identities alice and bob ($ids)"; fi

# Guide "Secure Channel": a channel to the listener on the same node.
ch=$(create n1 /service/secure_channel_listener)
if echo "$ch" | grep -qE '^/service/[0-9a-f]{32}$'; then
	ok "secure-channel create prints the channel's route"
else fail "secure-channel create prints the channel's route ($ch)"; fi
out=$(ctl n1 message send "$ch/service/echoer" 'Hello Ockam!' 2>&1)
[ "$out" = "Hello Ockam!" ] && ok "guide: Hello Ockam! through the channel" ||
    fail "guide: Hello Ockam! through the channel ($out)"

# The initiator knows who answered: bob (the listener's identity).
sc=$(ctl n1 show channels 2>&1)
if echo "$sc" | grep "^$ch " | grep -q "initiator *open *$bob"; then
	ok "show channels: initiator, open, peer is bob's identifier"
else fail "show channels: initiator, open, peer is bob ($sc)"; fi
if echo "$sc" | grep "responder" | grep -q "open *$alice"; then
	ok "show channels: responder sees alice's identifier"
else fail "show channels: responder sees alice's identifier"; fi

# Guide "Secure Channel over many hops", exactly.
chh=$(create n1 /service/h1/service/h2/service/h3/service/secure_channel_listener)
out=$(ctl n1 message send "$chh/service/echoer" 'Hello Ockam!' 2>&1)
[ "$out" = "Hello Ockam!" ] &&
    ok "guide: Hello Ockam! through a channel over h1, h2, h3" ||
    fail "guide: through a channel over h1, h2, h3 ($chh: $out)"

# An app worker behind a channel sees who sent it the message.
"$HELPERS/sinkworker" "$(node_sock n1)" sink > "$T/sink.out" 2>&1 &
sinkpid=$!
wait_for 5 grep -q ready "$T/sink.out"
cs=$(create n1 /service/sink_listener --identity alice)
ctl n1 message send -t 1 "$cs/service/sink" 'who' > /dev/null 2>&1
if wait_for 3 grep -q "received 4 bytes from $alice" "$T/sink.out"; then
	ok "the receiving worker sees the peer's identifier (alice)"
else fail "the receiving worker sees the peer's identifier"; fi
kill $sinkpid; wait $sinkpid 2>/dev/null

# The responder's trust: the listener trusts nobody we have.  It says
# so (a Close with a reason) and the create fails.
out=$(create n1 /service/strict_listener); st=$?
if [ $st -ne 0 ] && echo "$out" | grep -q "not trusted by the responder" &&
    grep -q "responder.*peer $alice is not trusted" "$(node_log n1)"; then
	ok "a listener that does not trust the initiator: create fails, logged"
else fail "a listener that does not trust the initiator ($st: $out)"; fi

# The same with a tap in the middle.
"$TAP" "$(node_sock n1)" tap "$T/tap.log" > "$T/tap.out" 2>&1 &
tappid=$!
wait_for 5 grep -q ready "$T/tap.out" || fail "tap registers"
ch2=$(create n1 /service/h1/service/tap/service/h3/service/secure_channel_listener)
out=$(ctl n1 message send "$ch2/service/echoer" 'Hello Ockam!' 2>&1)
[ "$out" = "Hello Ockam!" ] &&
    ok "many hops: Hello Ockam! through h1, tap, h3" ||
    fail "many hops: Hello Ockam! through h1, tap, h3 ($out)"
hex=$(printf 'Hello Ockam!' | od -An -tx1 | tr -d ' \n')
lines=$(wc -l < "$T/tap.log")
if [ "$lines" -ge 5 ] && ! grep -qi "$hex" "$T/tap.log"; then
	ok "the hop carried $lines messages, none with the plaintext"
else fail "the hop saw plaintext or too little ($lines messages)"; fi
# Message 1 is a bare ephemeral key, 2 and 3 carry encrypted identities.
sizes=$(awk 'NR <= 3 { printf "%s ", $2 }' "$T/tap.log")
[ "$sizes" = "32 193 161 " ] &&
    ok "handshake sizes 32, 193, 161 bytes (XX with 97-byte identities)" ||
    fail "handshake sizes ($sizes)"
# ... and the same hop without a channel sees the text.
ctl n1 message send /service/tap/service/echoer 'plain text' >/dev/null 2>&1
phex=$(printf 'plain text' | od -An -tx1 | tr -d ' \n')
grep -q "$phex" "$T/tap.log" && ok "(control: without a channel it is seen)" ||
    fail "(control: without a channel it is seen)"
kill $tappid; wait $tappid 2>/dev/null

# Misbehaving hops: tamper, replay, reorder the first data message (the
# 5th: after the three of the handshake, the responder's Confirm).
for mode in tamper replay reorder; do
	"$TAP" "$(node_sock n1)" t_$mode "$T/t_$mode.log" $mode:5 \
	    > "$T/t_$mode.out" 2>&1 &
	pid=$!
	wait_for 5 grep -q ready "$T/t_$mode.out"
	c=$(create n1 /service/t_$mode/service/secure_channel_listener)
	case $mode in
	tamper)
		out=$(ctl n1 message send -t 2 "$c/service/echoer" one 2>&1)
		if echo "$out" | grep -q "no reply" && grep -q \
		    "does not verify" "$(node_log n1)"; then
			ok "tampered ciphertext: dropped, logged"
		else fail "tampered ciphertext: dropped, logged ($out)"; fi
		out=$(ctl n1 message send "$c/service/echoer" two 2>&1)
		[ "$out" = two ] && ok "tampered: the channel stays up" ||
		    fail "tampered: the channel stays up ($out)"
		;;
	replay)
		out=$("$SEND" "$(node_sock n1)" "$c/service/echoer" 3 1 2>&1)
		if [ "$out" = "sent 3 received 3" ] && grep -q \
		    "replayed or outside the window" "$(node_log n1)"; then
			ok "replayed message: rejected once, the rest delivered"
		else fail "replayed message: rejected ($out)"; fi
		;;
	reorder)
		out=$("$SEND" "$(node_sock n1)" "$c/service/echoer" 4 4 2>&1)
		[ "$out" = "sent 4 received 4" ] &&
		    ok "reordered messages inside the window: all delivered" ||
		    fail "reordered messages: all delivered ($out)"
		;;
	esac
	kill $pid; wait $pid 2>/dev/null
done

# Trust: the initiator insists on an identifier bob does not have.
out=$(create n1 /service/secure_channel_listener --trust "$alice")
if echo "$out" | grep -q "peer $bob is not trusted"; then
	ok "wrong identity: no channel, the initiator says why"
else fail "wrong identity: no channel ($out)"; fi
out=$(create n1 /service/secure_channel_listener --trust "$bob")
echo "$out" | grep -qE '^/service/' &&
    ok "--trust the right identifier: channel" ||
    fail "--trust the right identifier: channel ($out)"

# Flow control: the listener's consumers are the echoer alone.
out=$(ctl n1 message send -t 2 "$ch/service/h1/service/echoer" x 2>&1)
if echo "$out" | grep -q "denied: h1 may not receive"; then
	ok "default deny: h1 is not a consumer of the listener"
else fail "default deny: h1 is not a consumer ($out)"; fi

# Close: deleting one end closes the other.
ctl n1 secure-channel delete "$ch" > /dev/null 2>&1
if wait_for 2 grep -q "closed by the peer" "$(node_log n1)"; then
	ok "secure-channel delete: the peer closes too"
else fail "secure-channel delete: the peer closes too"; fi
out=$(ctl n1 message send -t 2 "$ch/service/echoer" x 2>&1)
echo "$out" | grep -q "no worker at address" &&
    ok "a deleted channel is gone" || fail "a deleted channel is gone ($out)"

# Many messages: past a rekey (every 65536) in both directions.
c=$(create n1 /service/secure_channel_listener)
out=$("$SEND" "$(node_sock n1)" "$c/service/echoer" 66000 256 2>&1)
[ "$out" = "sent 66000 received 66000" ] &&
    ok "66000 messages each way: across a rekey" ||
    fail "66000 messages each way ($out)"

# An abandoned handshake (message 1, then nothing) is freed.  Those
# the tests above left half done are gone first.
wait_for 5 sh -c "! $CTL -s $(node_sock n1) show channels | grep -q handshake"
eph=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
# (scsend reads answers for 2 s: meanwhile, the handshake is listed.)
"$SEND" -r "$(node_sock n1)" /service/secure_channel_listener "$eph" 1 \
    > /dev/null 2>&1 &
sp=$!
if wait_for 3 sh -c "$CTL -s $(node_sock n1) show channels | grep -q handshake"
then ok "a half-done handshake is listed"
else fail "a half-done handshake is listed"; fi
hs=$(ctl n1 show channels 2>&1 |
    sed -n 's|^/service/\([0-9a-f]*\)  *responder  *handshake.*|\1|p')
if [ -n "$hs" ] && wait_for 6 grep -q \
    "secure channel $hs .*handshake abandoned after [34] s" "$(node_log n1)"
then ok "abandoned handshake freed after the timeout (3 s), logged"
else fail "abandoned handshake freed after the timeout (3 s), logged"; fi
wait $sp

# A flood of first messages: the pending handshakes are capped (64
# from one source), the oldest evicted.
"$SEND" -r "$(node_sock n1)" /service/secure_channel_listener "$eph" 400 \
    > /dev/null 2>&1
if wait_for 5 grep -q "pending handshakes evicted" "$(node_log n1)"; then
	ok "flood of first messages: the cap is reached and logged"
else fail "flood of first messages: the cap is reached and logged"; fi
np=$(ctl n1 show channels 2>&1 | grep -c 'responder *handshake')
[ "$np" -le 64 ] && ok "at most 64 pending handshakes from one source ($np)" ||
    fail "at most 64 pending handshakes from one source ($np)"
if wait_for 7 sh -c "! $CTL -s $(node_sock n1) show channels | grep -q handshake"
then ok "the flood's handshakes are freed"
else fail "the flood's handshakes are freed"; fi
c=$(create n1 /service/secure_channel_listener)
out=$(ctl n1 message send "$c/service/echoer" after 2>&1)
[ "$out" = after ] && ok "after the flood: channels work" ||
    fail "after the flood: channels work ($out)"

# An initiator whose listener never answers gives up.
out=$(create n1 /service/h1/service/echoer --timeout 2)
echo "$out" | grep -q "handshake abandoned after 2 s: no answer (message 2) to message 1" &&
    ok "create --timeout 2: gives up, says which step timed out" ||
    fail "create --timeout 2: gives up, says which step ($out)"

# An unreachable first hop: the transport's error at once, not 10 s on.
PD=$(free_port 29990)
s=$(date +%s)
out=$(create n1 "/ip4/127.0.0.1/tcp/$PD/service/secure_channel_listener")
e=$(date +%s)
echo "$out" | grep -q "message 1 of the handshake could not be delivered: .*Connection refused" &&
    ok "create to a port nobody listens on: connection refused" ||
    fail "create to a port nobody listens on: connection refused ($out)"
[ $((e - s)) -le 3 ] && ok "create to a port nobody listens on: fails at once" ||
    fail "create to a port nobody listens on: fails at once ($((e - s)) s)"

# Restart: the identities are the same, read back from the vault.
stop_node n1
start_sc n1 || fail "node restarts"
ids2=$(ctl n1 identity show 2>&1)
[ "$ids2" = "$ids" ] && ok "after a restart the identifiers are the same" ||
    fail "after a restart the identifiers are the same"
new=$(ctl n1 identity create carol 2>&1)
echo "$new" | grep -qE '^I[0-9a-f]{64}$' && ok "identity create" ||
    fail "identity create ($new)"
stop_node n1
start_sc n1 || fail "node restarts"
again=$(ctl n1 identity create carol 2>&1)
[ "$again" = "$new" ] && ok "a created identity survives a restart" ||
    fail "a created identity survives a restart ($again)"
stop_node n1
