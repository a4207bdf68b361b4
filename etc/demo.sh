#!/bin/sh
# SPDX-License-Identifier: ISC
# The main demo: a node from etc/secure-channel-many-hops.conf does the
# guides "Routing over many hops" and "Secure Channel over many hops"
# end to end, with real processes, and prints the replies.
#
#	sh etc/demo.sh [build-dir]

BUILD=${1:-build}
TOP=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(cd "$BUILD" && pwd) || exit 1
D=$(mktemp -d /tmp/ockam-demo.XXXXXX)
chmod 755 "$D"
SOCK=$D/ockam.sock
ROUTE=/service/h1/service/h2/service/h3/service/echoer

# Started as root the node drops to _ockam, which must be able to
# remove its socket when it stops.
[ "$(id -u)" -eq 0 ] && chown _ockam "$D"

echo "== starting a node from etc/secure-channel-many-hops.conf"
echo "   (echoer, hops h1 h2 h3, identities alice and bob, a listener)"
"$BUILD/ockam-routed" -d -f "$TOP/etc/secure-channel-many-hops.conf" \
    -s "$SOCK" -D vaultdir="$D/vault" > "$D/log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null; wait $PID 2>/dev/null; rm -rf "$D"' EXIT
n=0
until grep -q "node ready" "$D/log"; do
	n=$((n + 1))
	if [ $n -gt 100 ] || ! kill -0 $PID 2>/dev/null; then
		echo "demo: the node did not start:" >&2
		cat "$D/log" >&2
		exit 1
	fi
	sleep 0.1
done
ps -o user=,args= -p $PID
ps -o user=,args= --ppid $PID

echo
echo "== ockamctl message send $ROUTE 'Hello Ockam!'"
"$BUILD/ockamctl" -s "$SOCK" message send "$ROUTE" 'Hello Ockam!' || exit 1
echo
echo "== the same from a C program (examples/many-hops.c, client API)"
"$BUILD/examples/many-hops" -s "$SOCK" || exit 1
echo
# The listener has bob's identity, one of this node's own: the
# initiator trusts it without -T or a pin (ockam.conf(5), INITIATORS).
echo "== ockamctl secure-channel create" \
    "/service/h1/service/h2/service/h3/service/secure_channel_listener"
CH=$("$BUILD/ockamctl" -s "$SOCK" secure-channel create \
    /service/h1/service/h2/service/h3/service/secure_channel_listener) ||
    exit 1
echo "$CH"
echo
echo "== ockamctl message send $CH/service/echoer 'Hello Ockam!'"
"$BUILD/ockamctl" -s "$SOCK" message send "$CH/service/echoer" \
    'Hello Ockam!' || exit 1
echo
echo "== ockamctl show channels"
"$BUILD/ockamctl" -s "$SOCK" show channels
echo
kill -TERM $PID
wait $PID
rc=$?
trap 'rm -rf "$D"' EXIT
echo "== node log"
cat "$D/log"
exit $rc
