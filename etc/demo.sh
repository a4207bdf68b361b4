#!/bin/sh
# SPDX-License-Identifier: ISC
# The main demo: a node from etc/secure-channel-many-hops.conf does the
# guides "Routing over many hops" and "Secure Channel over many hops"
# end to end, with real processes, and prints the replies; then three
# nodes from etc/hub.conf, etc/hub-bob.conf and etc/hub-alice.conf do
# the guide "Securely connecting devices" (Bob behind NAT, reached
# through a hub that sees only ciphertext); then two nodes from
# etc/streams-responder.conf and etc/streams-initiator.conf do "Secure
# channel via Streams" through the same hub; last, a web server is
# fetched through a TCP portal (etc/portal-outlet.conf,
# etc/portal-inlet.conf); and, when redis-server is installed, "Secure
# channel via Streams" again with the hub's streams in Redis
# (etc/hub-redis.conf).
#
#	sh etc/demo.sh [build-dir]

BUILD=${1:-build}
TOP=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(cd "$BUILD" && pwd) || exit 1
D=$(mktemp -d /tmp/ockam-demo.XXXXXX)
chmod 755 "$D"
SOCK=$D/ockam.sock
ROUTE=/service/h1/service/h2/service/h3/service/echoer
CTL=$BUILD/ockamctl
PIDS=""

# Started as root the node drops to _ockam, which must be able to
# remove its socket when it stops.
[ "$(id -u)" -eq 0 ] && chown _ockam "$D"
trap 'kill $PIDS 2>/dev/null; wait 2>/dev/null; rm -rf "$D"' EXIT

# start NAME CONF [flags]: a node in the background, ready; its log is
# $D/NAME.log
start() {
	name=$1 conf=$2; shift 2
	: > "$D/$name.log"
	"$BUILD/ockam-routed" -d -f "$conf" "$@" >> "$D/$name.log" 2>&1 &
	PIDS="$PIDS $!"
	PID=$!
	n=0
	until grep -q "node ready" "$D/$name.log"; do
		n=$((n + 1))
		if [ $n -gt 100 ] || ! kill -0 $PID 2>/dev/null; then
			echo "demo: the node $name did not start:" >&2
			cat "$D/$name.log" >&2
			exit 1
		fi
		sleep 0.1
	done
}

echo "== starting a node from etc/secure-channel-many-hops.conf"
echo "   (echoer, hops h1 h2 h3, identities alice and bob, a listener)"
start many "$TOP/etc/secure-channel-many-hops.conf" -s "$SOCK" \
    -D vaultdir="$D/vault"
MANY=$PID
ps -o user=,args= -p $PID
ps -o user=,args= --ppid $PID

echo
echo "== ockamctl message send $ROUTE 'Hello Ockam!'"
"$CTL" -s "$SOCK" message send "$ROUTE" 'Hello Ockam!' || exit 1
echo
echo "== the same from a C program (examples/many-hops.c, client API)"
"$BUILD/examples/many-hops" -s "$SOCK" || exit 1
echo
# The listener has bob's identity, one of this node's own: the
# initiator trusts it without -T or a pin (ockam.conf(5), INITIATORS).
echo "== ockamctl secure-channel create" \
    "/service/h1/service/h2/service/h3/service/secure_channel_listener"
CH=$("$CTL" -s "$SOCK" secure-channel create \
    /service/h1/service/h2/service/h3/service/secure_channel_listener) ||
    exit 1
echo "$CH"
echo
echo "== ockamctl message send $CH/service/echoer 'Hello Ockam!'"
"$CTL" -s "$SOCK" message send "$CH/service/echoer" \
    'Hello Ockam!' || exit 1
echo
echo "== ockamctl show channels"
"$CTL" -s "$SOCK" show channels
echo
kill -TERM $MANY
wait $MANY
rc=$?
echo "== node log"
cat "$D/many.log"
[ $rc -eq 0 ] || exit $rc

# The hub listens on 127.0.0.1:4000, or the next free port.
PH=4000
while grep -qi ":$(printf '%04X' $PH) " /proc/net/tcp; do PH=$((PH + 1)); done
HUB=/ip4/127.0.0.1/tcp/$PH
ctl() { n=$1; shift; "$CTL" -s "$D/$n.sock" "$@"; }
# wait_for WHAT CMD...: until CMD succeeds, 10 s at most
wait_for() {
	what=$1; shift
	n=0
	until "$@" > /dev/null 2>&1; do
		n=$((n + 1))
		[ $n -gt 100 ] && { echo "demo: $what" >&2; exit 1; }
		sleep 0.1
	done
}

echo
echo "== the guide \"Securely connecting devices\": a hub from etc/hub.conf"
echo "   on $HUB, Bob (etc/hub-bob.conf: no listener) and Alice"
start hub "$TOP/etc/hub.conf" -s "$D/hub.sock" -D port="$PH" \
    -D vaultdir="$D/hubvault" -D statedir="$D/hubstreams"
start bob "$TOP/etc/hub-bob.conf" -s "$D/bob.sock" -D vaultdir="$D/bobvault" \
    -D hub="$HUB"
start alice "$TOP/etc/hub-alice.conf" -s "$D/alice.sock" \
    -D vaultdir="$D/alicevault"
echo
echo "== bob: ockamctl relay create --to bob_secure_channel_listener $HUB"
FWD=$(ctl bob relay create --to bob_secure_channel_listener "$HUB") || exit 1
echo "$FWD"
FWD=${FWD#Forwarding address: }
echo
echo "== alice: ockamctl secure-channel create $FWD"
CH=$(ctl alice secure-channel create "$FWD") || exit 1
echo "$CH"
echo
echo "== bob: ockamctl message receive -c 1 -t 10 app  (in the background)"
ctl bob message receive -c 1 -t 10 app > "$D/app.out" 2>&1 &
RECV=$!
wait_for "bob's app did not register" sh -c \
    "'$CTL' -s '$D/bob.sock' show workers | grep -q '^app '"
echo "== alice: ockamctl message send --no-reply $CH/service/app 'Hello Ockam!'"
ctl alice message send --no-reply "$CH/service/app" 'Hello Ockam!' || exit 1
wait $RECV || { cat "$D/app.out"; exit 1; }
echo "bob's app received: $(cat "$D/app.out")"
echo

# etc/hub-bob.conf's own relay claims the alias bob through a secure
# channel to the hub: wait until it is up.
wait_for "the alias bob is not up" sh -c \
    "'$CTL' -s '$D/bob.sock' show relays | grep -q '^client .* up .*bob'"
R=$HUB/service/forward_to_bob/service/bob_secure_channel_listener
echo "== alice: ockamctl secure-channel create $R"
CH2=$(ctl alice secure-channel create "$R") || exit 1
echo "$CH2"
echo "== alice: ockamctl message send $CH2/service/echoer 'Hello Ockam!'"
ctl alice message send "$CH2/service/echoer" 'Hello Ockam!' || exit 1
echo
echo "== the same from C programs (examples/hub-bob.c, examples/hub-alice.c)"
"$BUILD/examples/hub-bob" -s "$D/bob.sock" -t 10 "$HUB" > "$D/hub-bob.out" \
    2>&1 &
BOB=$!
wait_for "hub-bob: $(cat "$D/hub-bob.out")" \
    grep -q "^Forwarding address: " "$D/hub-bob.out"
FWD=$(sed -n 's/^Forwarding address: //p' "$D/hub-bob.out")
"$BUILD/examples/hub-alice" -s "$D/alice.sock" "$FWD" | sed 's/^/alice: /' ||
    exit 1
wait $BOB || { cat "$D/hub-bob.out"; exit 1; }
sed 's/^/bob: /' "$D/hub-bob.out"
echo
echo "== hub: ockamctl show relays"
ctl hub show relays
echo
echo "== bob: ockamctl show relays"
ctl bob show relays

echo
echo "== the guide \"Secure channel via Streams\": the same hub, and two nodes"
echo "   that never connect to each other (etc/streams-responder.conf,"
echo "   etc/streams-initiator.conf), each with a stream client at the hub"
# streams_guide HUB R I: the responder R and the initiator I from etc/,
# each with a stream client at HUB; a channel over the streams, an echo
streams_guide() {
	start "$2" "$TOP/etc/streams-responder.conf" -s "$D/$2.sock" \
	    -D vaultdir="$D/$2vault" -D hub="$1"
	start "$3" "$TOP/etc/streams-initiator.conf" -s "$D/$3.sock" \
	    -D vaultdir="$D/$3vault" -D hub="$1"
	R=/service/to_responder/service/secure_channel_listener
	echo "== initiator: ockamctl secure-channel create $R"
	CHS=$(ctl "$3" secure-channel create "$R") || exit 1
	echo "$CHS"
	echo "== initiator: ockamctl message send $CHS/service/echoer" \
	    "'Hello World!'"
	ctl "$3" message send "$CHS/service/echoer" 'Hello World!' || exit 1
}
streams_guide "$HUB" responder initiator
if grep -rqa 'Hello World' "$D/hubstreams"; then
	echo "demo: plaintext in the hub's records" >&2
	exit 1
fi
echo "(the hub's records under $D/hubstreams hold no plaintext)"

echo
echo "== the TCP portal: a web server (python3 -m http.server) reached"
echo "   through an inlet -> secure channel -> outlet between two nodes"
echo "   (etc/portal-outlet.conf, etc/portal-inlet.conf)"
# port FROM: the first free TCP port from FROM on
port() {
	p=$1
	while grep -qi ":$(printf '%04X' "$p") " /proc/net/tcp; do
		p=$((p + 1))
	done
	echo "$p"
}
PW=$(port 24080)
mkdir -p "$D/www"
echo 'Hello Ockam through a portal!' > "$D/www/index.html"
(cd "$D/www" && exec python3 -m http.server --bind 127.0.0.1 "$PW") \
    > "$D/www.log" 2>&1 &
PIDS="$PIDS $!"
PO=$(port 24400)
PI=$(port 24600)
start outlet "$TOP/etc/portal-outlet.conf" -s "$D/outlet.sock" \
    -D port="$PO" -D target_port="$PW" -D vaultdir="$D/outvault"
start inlet "$TOP/etc/portal-inlet.conf" -s "$D/inlet.sock" \
    -D port="$PI" -D bob_port="$PO" -D vaultdir="$D/invault"
echo "== GET http://127.0.0.1:$PI/ (the inlet)"
page=$(python3 -c 'import sys, urllib.request
print(urllib.request.urlopen(sys.argv[1], timeout=10).read().decode(),
    end="")' "http://127.0.0.1:$PI/") || exit 1
echo "$page"
[ "$page" = 'Hello Ockam through a portal!' ] || exit 1
echo "== outlet: ockamctl show portals (the browser's connection is done)"
ctl outlet show portals

echo
echo "== the guide \"Secure channel via Streams\" over Redis: a hub from"
echo "   etc/hub-redis.conf keeps its streams in a redis-server on 127.0.0.1,"
echo "   and the same two configurations talk through it"
if ! command -v redis-server > /dev/null 2>&1 ||
    ! command -v redis-cli > /dev/null 2>&1; then
	echo "(skipped: redis-server is not installed; ./setup installs it)"
	exit 0
fi
PR=$(port 26379)
mkdir -p "$D/redis"
redis-server --port "$PR" --bind 127.0.0.1 --dir "$D/redis" --save "" \
    --appendonly no --requirepass demo-secret --daemonize no \
    > "$D/redis.log" 2>&1 &
PIDS="$PIDS $!"
wait_for "redis-server did not start" redis-cli -p "$PR" -a demo-secret \
    --no-auth-warning ping
printf 'demo-secret\n' > "$D/redis.pass"
chmod 600 "$D/redis.pass"
PHR=$(port $((PH + 1)))
HUBR=/ip4/127.0.0.1/tcp/$PHR
start hubr "$TOP/etc/hub-redis.conf" -s "$D/hubr.sock" -D port="$PHR" \
    -D vaultdir="$D/hubrvault" \
    -D statedir="$D/hubrstreams" -D redis="127.0.0.1:$PR" \
    -D redispass="$D/redis.pass"
streams_guide "$HUBR" respr initr
echo "== hub: ockamctl show streams"
ctl hubr show streams
if redis-cli -p "$PR" -a demo-secret --no-auth-warning \
    xrange 'ockam:{sc-initiator-to-responder}:log' - + |
    grep -qa 'Hello World'; then
	echo "demo: plaintext in Redis" >&2
	exit 1
fi
echo "(redis-cli XRANGE: Redis holds no plaintext)"
