#!/bin/sh
# SPDX-License-Identifier: ISC
# The guide "Securely connecting devices" with the client API:
# examples/hub-bob registers app and a relay at the hub and prints the
# forwarding address, examples/hub-alice opens a channel through it and
# sends Hello Ockam! to Bob's app, which hub-bob prints.  Nodes from
# etc/hub.conf, etc/hub-bob.conf and etc/hub-alice.conf; the route
# with Bob's alias too.  Every wait is bounded.
. "$(dirname "$0")/lib.sh"

EX=$BUILD/examples
start_hub_guide 28400 || exit 0

# guide NAME FORM SUFFIX [hub-bob flags]: hub-bob in the background,
# hub-alice on the route it printed with SUFFIX appended; Bob prints
# the hello.
guide() {
	g=$1 form=$2 suffix=$3; shift 3
	timeout 30 "$EX/hub-bob" -s "$(node_sock bob)" -t 20 "$@" "$HUB" \
	    > "$T/$g.bob" 2>&1 &
	bpid=$!
	if ! wait_for 10 grep -q "^Forwarding address: " "$T/$g.bob"; then
		fail "hub-bob prints the forwarding address ($form:" \
		    "$(cat "$T/$g.bob"))"
		kill "$bpid" 2>/dev/null
		return
	fi
	fwd=$(sed -n 's/^Forwarding address: //p' "$T/$g.bob")
	ok "hub-bob ($form): Forwarding address: $fwd"
	timeout 20 "$EX/hub-alice" -s "$(node_sock alice)" "$fwd$suffix" \
	    > "$T/$g.alice" 2>&1
	rc=$?
	[ $rc -eq 0 ] && grep -q "^Sent Hello Ockam! to Bob's app through" \
	    "$T/$g.alice" && ok "hub-alice: a channel and the hello ($form)" ||
	    fail "hub-alice ($form, rc $rc: $(cat "$T/$g.alice"))"
	wait "$bpid"
	rc=$?
	[ $rc -eq 0 ] && grep -q "^Bob Received: Hello Ockam! from Alice via" \
	    "$T/$g.bob" && ok "hub-bob prints Hello Ockam! ($form)" ||
	    fail "hub-bob prints Hello Ockam! ($form, rc $rc:" \
	    "$(cat "$T/$g.bob"))"
	aid=$(ctl alice identity show alice | awk '{ print $2 }')
	grep -q "^Alice's identifier: $aid\$" "$T/$g.bob" &&
	    ok "the hello came from Alice's identity ($form)" ||
	    fail "the hello came from Alice's identity ($form:" \
	    "$aid, $(cat "$T/$g.bob"))"
}

# 2021: the forwarding address alone, Bob's relay's --to.
guide fwd 2021 ""
case $fwd in
"$HUB"/service/FWD_????????????????) ok "the forwarder is FWD_ + 16 hex" ;;
*) fail "the forwarder is FWD_ + 16 hex ($fwd)" ;;
esac
# The relay stays with the node, for "relay delete".
check "relay delete ${fwd##*/}" ctl bob relay delete "${fwd##*/}"

# 2022: an alias, and the rest of the route past forward_to_ALIAS.
guide alias 2022 /service/bob_secure_channel_listener -n carol
case $fwd in
"$HUB"/service/forward_to_carol) ;;
*) fail "the alias' forwarding route ($fwd)" ;;
esac

# The example fails plainly when there is no hub.
out=$(timeout 20 "$EX/hub-bob" -s "$(node_sock bob)" -t 1 \
    /ip4/127.0.0.1/tcp/1 2>&1); rc=$?
[ $rc -eq 1 ] && echo "$out" | grep -q "cannot reach" &&
    ok "hub-bob: no hub, a clear error ($out)" ||
    fail "hub-bob: no hub, a clear error (rc $rc: $out)"
