#!/bin/sh
# SPDX-License-Identifier: ISC
# Trust that fails closed (issue 9, items 8 and 9): an initiator never
# takes an unknown responder silently, pins one only when asked and
# refuses it when it changes; trusting anyone is asked for and logged;
# a responder that refuses the initiator says so and the create fails.
. "$(dirname "$0")/lib.sh"

# The configuration: the initiators' statements, apart from a
# listener's trust, printed back by -n -v; a bad identifier refused.
ID1=I1111111111111111111111111111111111111111111111111111111111111111
ID2=I2222222222222222222222222222222222222222222222222222222222222222
cat > "$T/cfg.conf" <<EOF
vault directory "$T/cfgvault"
identity "alice"
secure-channel trust { "$ID1" }
secure-channel pin
secure-channel listener "l" identity "alice" trust "$ID2" consumers { "e" }
EOF
out=$("$ROUTED" -n -v -f "$T/cfg.conf" 2>&1)
if echo "$out" | grep -qx "secure-channel trust { \"$ID1\" }" &&
    echo "$out" | grep -qx "secure-channel pin" &&
    echo "$out" | grep -q "listener \"l\" identity \"alice\" trust { \"$ID2\" }"
then ok "secure-channel trust and pin parsed, apart from the listener's trust"
else fail "secure-channel trust and pin parsed ($out)"; fi
echo 'secure-channel trust everyone' > "$T/any.conf"
"$ROUTED" -n -f "$T/any.conf" 2>&1 | grep -q \
    "warning: secure-channel trust everyone: the channels this node creates take any responder" &&
    ok "secure-channel trust everyone: -n warns" ||
    fail "secure-channel trust everyone: -n warns"
echo 'secure-channel trust "Ibad"' > "$T/bad.conf"
"$ROUTED" -n -f "$T/bad.conf" > "$T/bad.out" 2>&1 &&
    fail "secure-channel trust with a bad identifier: refused" ||
    { grep -q "invalid identifier" "$T/bad.out" &&
    ok "secure-channel trust with a bad identifier: refused" ||
    fail "secure-channel trust: bad identifier ($(cat "$T/bad.out"))"; }

PB=$(free_port 23000)
# bob, and a second listener of his that trusts nobody alice is.
sed 's/consumers { "bob_listener" }/consumers { "bob_listener" "strict_listener" }/' \
    "$TOP/etc/responder.conf" > "$T/bob.conf"
cat >> "$T/bob.conf" <<EOF
secure-channel listener "strict_listener" identity "bob" \\
    trust "I0000000000000000000000000000000000000000000000000000000000000000" \\
    consumers { "echoer" }
EOF
# alice: etc/initiator.conf without its "secure-channel pin".
grep -v '^secure-channel pin' "$TOP/etc/initiator.conf" > "$T/alice.conf"

mkdir -p "$T/bob" "$T/alice"
start_node bob "$T/bob.conf" -D port="$PB" -D vaultdir="$T/bob/vault" ||
    { fail "bob starts"; exit 0; }
start_node alice "$T/alice.conf" -D vaultdir="$T/alice/vault" ||
    { fail "alice starts"; exit 0; }
bobid=$(ctl bob identity show bob | awk '{ print $2 }')
ROUTE=/ip4/127.0.0.1/tcp/$PB/service/bob_listener

# echo_ok CHANNEL: Hello through it
echo_ok() {
	[ "$(ctl alice message send -t 3 "$1/service/echoer" hello 2>&1)" = \
	    hello ]
}

# 1. No -T, nothing configured, nothing pinned: refused, clearly.
out=$(ctl alice secure-channel create "$ROUTE" 2>&1); st=$?
if [ $st -ne 0 ] && echo "$out" | grep -q "responder $bobid is unknown" &&
    echo "$out" | grep -q -- "-T"; then
	ok "create to an unknown responder fails, naming it ($st)"
else fail "create to an unknown responder fails ($st: $out)"; fi
ctl alice show channels 2>&1 | grep -q initiator &&
    fail "no channel is left behind" || ok "no channel is left behind"

# 2. Named with -T: works; a wrong -T does not.
ch=$(ctl alice secure-channel create -T "$bobid" "$ROUTE" 2>&1)
echo_ok "$ch" && ok "create -T bob: a channel, hello echoed" ||
    fail "create -T bob ($ch)"
other=I1111111111111111111111111111111111111111111111111111111111111111
out=$(ctl alice secure-channel create -T $other "$ROUTE" 2>&1) &&
    fail "create -T another: fails ($out)" ||
    { echo "$out" | grep -q "peer $bobid is not trusted" &&
    ok "create -T another identifier: fails, not trusted" ||
    fail "create -T another: message ($out)"; }

# 3. Trust anyone: an explicit flag, logged at info.
ch=$(ctl alice secure-channel create -A "$ROUTE" 2>&1)
if echo_ok "$ch" && grep -q "trusting any responder.*--trust-any" \
    "$(node_log alice)"; then
	ok "create --trust-any: works, logged"
else fail "create --trust-any ($ch)"; fi
[ ! -e "$T/alice/vault/pins" ] && ok "nothing was pinned so far" ||
    fail "nothing was pinned so far"

# 4. Pin on first use (--pin), then without a flag: the pin is enough.
ch=$(ctl alice secure-channel create --pin "$ROUTE" 2>&1)
echo_ok "$ch" && grep -qx "$ROUTE $bobid" "$T/alice/vault/pins" &&
    ok "create --pin: works, the vault pinned bob for the route" ||
    fail "create --pin ($ch; $(cat "$T/alice/vault/pins" 2>&1))"
ch=$(ctl alice secure-channel create "$ROUTE" 2>&1)
echo_ok "$ch" && ok "create without flags: the pinned responder is taken" ||
    fail "create without flags after the pin ($ch)"

# 5. Item 9: a listener that does not trust alice: the create fails
# with the responder's reason, at once, and no channel stays open.
n0=$(ctl alice show channels 2>&1 | grep -c " initiator  *open ")
t0=$(date +%s%N)
out=$(ctl alice secure-channel create -T "$bobid" \
    /ip4/127.0.0.1/tcp/$PB/service/strict_listener 2>&1); st=$?
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
if [ $st -ne 0 ] && echo "$out" | grep -q "not trusted by the responder"
then ok "a responder that refuses alice: create fails, not trusted by the responder (${ms} ms)"
else fail "a responder that refuses alice ($st: $out)"; fi
grep -q "responder.*is not trusted" "$(node_log bob)" &&
    ok "bob logs why he refused" || fail "bob logs why he refused"
[ "$ms" -lt 3000 ] && ok "the refusal arrives without waiting ($ms ms)" ||
    fail "the refusal arrives without waiting ($ms ms)"
n1=$(ctl alice show channels 2>&1 | grep -c " initiator  *open ")
[ "$n0" = "$n1" ] && ok "the refused channel is gone at alice's ($n1 open left)" ||
    fail "the refused channel is gone at alice's ($n0 -> $n1)"
ch=$(ctl alice secure-channel create "$ROUTE" 2>&1)
echo_ok "$ch" && ok "meanwhile the pinned channel to bob still works" ||
    fail "the pinned channel to bob still works ($ch)"

# 6. bob's identity changes (a new vault, same address): refused,
# naming both identifiers, with or without --pin; -A still works.
stop_node bob
mkdir -p "$T/bob2"
start_node bob "$T/bob.conf" -D port="$PB" -D vaultdir="$T/bob2/vault" ||
    { fail "bob restarts with new keys"; exit 0; }
newid=$(ctl bob identity show bob | awk '{ print $2 }')
[ "$newid" != "$bobid" ] || fail "bob has a new identifier"
for flag in "" --pin; do
	out=$(ctl alice secure-channel create $flag "$ROUTE" 2>&1); st=$?
	if [ $st -ne 0 ] && echo "$out" | grep -q "identity changed" &&
	    echo "$out" | grep -q "$bobid" && echo "$out" | grep -q "$newid"
	then ok "changed responder refused ${flag:-without a flag}, both identifiers named"
	else fail "changed responder refused $flag ($st: $out)"; fi
done
grep -qx "$ROUTE $bobid" "$T/alice/vault/pins" &&
    ok "the pin is unchanged" || fail "the pin is unchanged"
ch=$(ctl alice secure-channel create -T "$newid" "$ROUTE" 2>&1)
echo_ok "$ch" && ok "-T the new identifier: works (the operator decided)" ||
    fail "-T the new identifier ($ch)"
# The operator accepts the change: unpin, and pin again.
out=$(ctl alice secure-channel unpin "$ROUTE" 2>&1)
[ "$out" = "$bobid" ] && ! grep -q "$bobid" "$T/alice/vault/pins" &&
    ok "secure-channel unpin: prints the identifier, the pin is gone" ||
    fail "secure-channel unpin ($out)"
out=$(ctl alice secure-channel unpin "$ROUTE" 2>&1) &&
    fail "unpin again: fails ($out)" ||
    { echo "$out" | grep -q "nothing is pinned for $ROUTE" &&
    ok "unpin again: nothing is pinned" || fail "unpin again ($out)"; }
ch=$(ctl alice secure-channel create --pin "$ROUTE" 2>&1)
echo_ok "$ch" && grep -qx "$ROUTE $newid" "$T/alice/vault/pins" &&
    ok "create --pin after unpin: the new identifier is pinned" ||
    fail "create --pin after unpin ($ch)"

# 7. The configuration's word: secure-channel trust LIST.
stop_node alice
{ cat "$T/alice.conf"; echo "secure-channel trust \"$newid\""
    echo "limit confirm-timeout 1"; } > "$T/alice2.conf"
start_node alice "$T/alice2.conf" -D vaultdir="$T/alice/vault" ||
    { fail "alice restarts"; exit 0; }
ch=$(ctl alice secure-channel create "$ROUTE" 2>&1)
echo_ok "$ch" && ok "secure-channel trust in ockam.conf: the listed responder is taken" ||
    fail "secure-channel trust in ockam.conf ($ch)"

# 8. A responder whose Confirm never comes (here a hop spoils it, as a
# responder older than the Confirm would never send it): the create is
# answered after confirm-timeout, logged, and the channel works.
"$HELPERS/taphop" "$(node_sock alice)" tap "$T/tap.log" tamper:4 \
    > "$T/tap.out" 2>&1 &
tappid=$!
wait_for 5 grep -q ready "$T/tap.out"
t0=$(date +%s%N)
ch=$(ctl alice secure-channel create /service/tap$ROUTE 2>&1)
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
if echo_ok "$ch" && [ "$ms" -ge 900 ] && grep -q "no word from the responder" \
    "$(node_log alice)"; then
	ok "no Confirm: create answered after confirm-timeout (${ms} ms), logged"
else fail "no Confirm: create after confirm-timeout ($ms ms: $ch)"; fi
kill $tappid; wait $tappid 2>/dev/null
exit 0
