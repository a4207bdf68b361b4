#!/bin/sh
# SPDX-License-Identifier: ISC
# make bench: the secure channel benchmarks on one node, then two nodes
# over TCP on 127.0.0.1 next to plain TCP and an stunnel TLS 1.3 tunnel
# measured by this script in the same run, then a hub between them
# (hub.sh); then the stream storage, ockam-streamd alone, and a hub's
# stream service over TCP; an echo through a secure channel over
# streams (streamecho.sh); Redis (redis.sh).
BUILD=${1:-build}
TOP=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(cd "$BUILD" && pwd) || exit 1
D=$(mktemp -d /tmp/ockam-bench.XXXXXX)
chmod 755 "$D"
[ "$(id -u)" -eq 0 ] && chown _ockam "$D"
PIDS=""
trap 'kill $PIDS 2>/dev/null; wait 2>/dev/null; rm -rf "$D"' EXIT

# start NAME CONF [flags]: a node in the background, ready
start() {
	name=$1 conf=$2; shift 2
	: > "$D/$name.log"
	"$BUILD/ockam-routed" -d -f "$conf" -s "$D/$name.sock" "$@" \
	    >> "$D/$name.log" 2>&1 &
	PIDS="$PIDS $!"
	PID=$!
	n=0
	until grep -q "node ready" "$D/$name.log"; do
		n=$((n + 1))
		if [ $n -gt 100 ]; then
			cat "$D/$name.log" >&2
			exit 1
		fi
		sleep 0.1
	done
}

# port FROM: as free_port in regress/e2e/lib.sh, OCKAM_PORT_BASE too.
port() {
	b=$1
	[ "${OCKAM_PORT_BASE:-20000}" -ne 20000 ] && [ "$b" -lt 36000 ] &&
	    b=$(( b - 20000 + OCKAM_PORT_BASE ))
	for p in $(seq "$b" $(( b + 500 ))); do
		grep -qi ":$(printf '%04X' "$p") " /proc/net/tcp ||
		    { echo "$p"; return; }
	done
}

# The guide's node; its 960 channels a run are one peer's, past the
# default channels-per-peer (256).
{ cat "$TOP/etc/secure-channel.conf"; echo "limit channels-per-peer 4096"; } \
    > "$D/one.conf"
start one "$D/one.conf" -D vaultdir="$D/vault1"
"$BUILD/regress/bench" "$D/one.sock"

# Two nodes over TCP.
PB=$(port 25000)
cat > "$D/b.conf" <<EOC
control socket "$D/b.sock"
vault directory "$D/vaultb"
identity "bob"
echoer "echoer"
listen on 127.0.0.1 port $PB consumers { "echoer" "bob_listener" }
secure-channel listener "bob_listener" identity "bob" consumers { "echoer" }
limit channels-per-peer 4096
EOC
cat > "$D/a.conf" <<EOC
control socket "$D/a.sock"
vault directory "$D/vaulta"
identity "alice"
echoer "echoer"
EOC
start b "$D/b.conf"
BPID=$PID
start a "$D/a.conf"
APID=$PID
plain=$("$BUILD/regress/bench" "$D/a.sock" route \
    "/ip4/127.0.0.1/tcp/$PB/service/echoer")
ch=$("$BUILD/ockamctl" -s "$D/a.sock" secure-channel create --trust-any \
    "/ip4/127.0.0.1/tcp/$PB/service/bob_listener") || exit 1
secure=$("$BUILD/regress/bench" "$D/a.sock" route "$ch/service/echoer")
hs2=$("$BUILD/regress/bench" "$D/a.sock" handshakes \
    "/ip4/127.0.0.1/tcp/$PB/service/bob_listener")

# stunnel_conf FILE SERVER TARGET CLIENT: an stunnel TLS 1.3 pair, its
# server on port SERVER in front of TARGET, its client on CLIENT
stunnel_conf() {
	cat > "$1" <<EOC
foreground = yes
pid =
[server]
accept = 127.0.0.1:$2
connect = 127.0.0.1:$3
cert = $D/cert.pem
key = $D/key.pem
sslVersion = TLSv1.3
[client]
client = yes
accept = 127.0.0.1:$4
connect = 127.0.0.1:$2
sslVersion = TLSv1.3
EOC
}

# References: plain TCP, and stunnel (TLS 1.3) in front of it.
PE=$(port 26000)
"$BUILD/regress/tcpecho" server "$PE" & PIDS="$PIDS $!"
sleep 0.2
tcp=$("$BUILD/regress/tcpecho" client "$PE")
tls="- - -"
if command -v stunnel4 >/dev/null 2>&1 || command -v stunnel >/dev/null 2>&1
then
	ST=$(command -v stunnel4 || command -v stunnel)
	PS1=$(port 27000)
	PS2=$(port $((PS1 + 1)))
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
	    -nodes -days 2 -subj /CN=localhost -keyout "$D/key.pem" \
	    -out "$D/cert.pem" > /dev/null 2>&1
	stunnel_conf "$D/stunnel.conf" "$PS1" "$PE" "$PS2"
	"$ST" "$D/stunnel.conf" > "$D/stunnel.log" 2>&1 & PIDS="$PIDS $!"
	sleep 0.5
	tls=$("$BUILD/regress/tcpecho" client "$PS2") || tls="- - -"
fi

printf '\n%-44s %10s %10s %12s\n' "two nodes on 127.0.0.1" "RTT 64 B" \
    "RTT 64 B" "MB/s"
printf '%-44s %10s %10s %12s\n' "" "p50 (us)" "p99 (us)" "16 KiB"
row() { printf '%-44s %10s %10s %12s\n' "$1" "$2" "$3" "$4"; }
row "plain TCP echo (reference)" $tcp
row "stunnel TLS 1.3 tunnel (reference)" $tls
row "ockam-c over TCP, no channel" $plain
row "ockam-c secure channel over TCP" $secure
set -- $hs2
printf '\nchannels established/s between the two nodes: %s with 1 client, %s with 16, %s with 32\n' "$1" "$2" "$3"
cat <<EOC

Every ockam-c round trip goes ockamctl's client -> node A (routed,
tcpd) -> TCP -> node B (tcpd, routed, echoer) and back; through the
channel routed also encrypts and decrypts on both nodes.  The
references echo the same sizes over one TCP connection (stunnel: two
TLS hops, client and server, around it).
EOC

. "$TOP/regress/bench/hub.sh"
. "$TOP/regress/bench/portal.sh"

# The stream storage alone: confirmed appends/s, each after its fsync.
# On a disk, not tmpfs (where fsync costs nothing): /var/tmp.
SD=$(mktemp -d /var/tmp/ockam-bench-streamd.XXXXXX)
chmod 755 "$SD"
"$BUILD/regress/streambench" "$BUILD/ockam-streamd" _ockam "$SD/data" 2 \
    2>/dev/null | grep '^[0-9]* [0-9]* [0-9]*$' > "$D/streambench"
printf '\n%-44s %14s %14s\n' \
    "ockam-streamd alone ($(stat -f -c %T "$SD"))" "appends/s 64 B" \
    "appends/s 1 KiB"
rm -rf "$SD"
r1=$(awk '$2 == 1 { printf "%s ", $3 }' "$D/streambench")
r32=$(awk '$2 == 32 { printf "%s ", $3 }' "$D/streambench")
row "1 append in flight" $r1
row "32 appends in flight (group commit)" $r32
cat <<EOC

Each append is answered only after the fsync of its record; those that
reach ockam-streamd together share one fsync (ockam-streamd(8)).
EOC

# A hub's stream service: confirmed pushes/s over TCP (each confirmed
# only once ockam-streamd has it on disk), 1 and 32 producers in flight;
# its storage on a disk too.
PH=$(port 28500)
SH=$(mktemp -d /var/tmp/ockam-bench-hub.XXXXXX)
chmod 755 "$SH"
[ "$(id -u)" -eq 0 ] && chown _ockam "$SH"
cat > "$D/shub.conf" <<EOC
control socket "$D/shub.sock"
listen on 127.0.0.1 port $PH consumers { "stream" }
stream service "stream" index "stream_index" \\
    storage embedded directory "$SH/streams"
EOC
start shub "$D/shub.conf"
hubpid=${PIDS##* }
printf '\n%-44s %14s %14s\n' \
    "a hub's stream pushes ($(stat -f -c %T "$SH"))" "confirmed/s, 1" \
    "32 in flight"
printf '%-44s %14s %14s\n' "(32 in flight: median of 3 runs)" "" ""
for size in 64 1024; do
	one=$("$BUILD/regress/pushbench" "$PH" $size 1 5000) || one=-
	many=
	for i in 1 2 3; do
		n=$("$BUILD/regress/pushbench" "$PH" $size 32 50000) || n=-
		many="$many $n"
	done
	case $many in *-*) many=- ;; *) many=$(med $many) ;; esac
	row "$size B pushes over TCP, 1 or 32 producers" "$one" "$many"
	[ $size = 64 ] && m64=$many
done
echo
echo "64 B, 32 in flight: $m64 confirmed pushes/s (target at least 50000)"
kill "$hubpid"
wait "$hubpid" 2>/dev/null
rm -rf "$SH"

. "$TOP/regress/bench/streamecho.sh"
. "$TOP/regress/bench/redis.sh"
