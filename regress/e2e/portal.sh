#!/bin/sh
# SPDX-License-Identifier: ISC
# TCP portals (doc/design.md 6) between two nodes from
# etc/portal-inlet.conf and etc/portal-outlet.conf: bytes exact both
# ways through inlet -> secure channel -> outlet, a half-close, a target
# that refuses or closes, an outlet that the channel's listener may not
# open, an outlet behind a hub (etc/hub.conf, etc/hub-bob.conf), a
# plain TCP route, a client that writes to a target that never reads,
# which no process may buffer (RSS from /proc), and the channel's
# connection cut under a portal.
. "$(dirname "$0")/lib.sh"

if ! command -v python3 >/dev/null 2>&1; then
	skip "python3 is needed for the clients and targets"
	exit 0
fi
PEER="python3 $TOP/regress/e2e/portalpeer.py"
PB=$(free_port 35000)
PE=$(free_port $((PB + 1)))
PD=$(free_port $((PE + 1)))
PS=$(free_port $((PD + 1)))
PC=$(free_port $((PS + 1)))
PR=$(free_port $((PC + 1)))
PH=$(free_port $((PR + 1)))
PI=$(free_port $((PH + 1)))
MB=${PORTAL_BYTES:-4000000}	# PORTAL_BYTES=100000000 for the issue's 100 MB
RSS_GROW=4096		# kB: what a process may grow by, stalled

# The targets, until the script ends.
TARGETS=""
for t in "$PE echo" "$PD digest" "$PS stall" "$PC close"; do
	$PEER serve $t >/dev/null 2>&1 &
	TARGETS="$TARGETS $!"
	case $t in *stall) STALL=$!;; esac
done
trap 'kill $TARGETS 2>/dev/null; cleanup' EXIT

sed -e "s/port 4000/port $PB/" -e "s/127.0.0.1:5000/127.0.0.1:$PE/" \
    -e "/^listen/s/}$/\"outlet\" }/" \
    "$TOP/etc/portal-outlet.conf" > "$T/outlet.conf"
cat >> "$T/outlet.conf" <<EOF
secure-channel listener "other_listener" identity "bob" trust everyone
outlet "digest" to "127.0.0.1:$PD" consumers { "bob_listener" }
outlet "stall" to "127.0.0.1:$PS" consumers { "bob_listener" }
outlet "closer" to "127.0.0.1:$PC" consumers { "bob_listener" }
outlet "refused" to "127.0.0.1:$PR" consumers { "bob_listener" }
outlet "private" to "127.0.0.1:$PE" consumers { "other_listener" }
EOF
VIA="/ip4/127.0.0.1/tcp/$PB/service/bob_listener"
sed -e "s/port 6000/port $PI/" -e "s|tcp/4000|tcp/$PB|" \
    "$TOP/etc/portal-inlet.conf" > "$T/inlet.conf"
i=1
for o in digest stall closer refused private nosuch; do
	echo "inlet on 127.0.0.1 port $((PI + i)) via \"$VIA\" to \"$o\"" \
	    >> "$T/inlet.conf"
	i=$((i + 1))
done
# PI + 7: plain TCP, PI + 8: through a hub
echo "inlet on 127.0.0.1 port $((PI + 7)) to" \
    "\"/ip4/127.0.0.1/tcp/$PB/service/outlet\"" >> "$T/inlet.conf"
# The real deployment: an outlet behind NAT, reached through a hub.
HUB=/ip4/127.0.0.1/tcp/$PH
echo "inlet on 127.0.0.1 port $((PI + 8)) via" \
    "\"$HUB/service/forward_to_bob/service/bob_secure_channel_listener\"" \
    "to \"outlet\"" >> "$T/inlet.conf"
sed "s/port 4000/port $PH/" "$TOP/etc/hub.conf" > "$T/hub.conf"
cp "$TOP/etc/hub-bob.conf" "$T/natbob.conf"
echo "outlet \"outlet\" to \"127.0.0.1:$PD\"" \
    "consumers { \"bob_secure_channel_listener\" }" >> "$T/natbob.conf"

mkdir -p "$T/bob" "$T/alice" "$T/hub" "$T/natbob"
start_node bob "$T/outlet.conf" -D vaultdir="$T/bob/vault" ||
    { fail "outlet node starts"; exit 0; }
start_node hub "$T/hub.conf" -D vaultdir="$T/hub/vault" ||
    { fail "hub starts"; exit 0; }
start_node natbob "$T/natbob.conf" -D vaultdir="$T/natbob/vault" \
    -D hub="$HUB" || { fail "an outlet node behind a hub starts"; exit 0; }
start_node alice "$T/inlet.conf" -D vaultdir="$T/alice/vault" ||
    { fail "inlet node starts"; exit 0; }
ok "nodes from etc/portal-outlet.conf and etc/portal-inlet.conf start"

# Both ways at once, the client's write side shut at the end.
out=$(timeout 60 $PEER echo $PI $MB 2>&1)
set -- $out
if [ "$#" -eq 3 ] && [ "$1" = "$2" ] && [ "$3" = $MB ]; then
	ok "$MB bytes both ways through inlet, channel and outlet, sha256 equal"
else fail "$MB bytes both ways through the portal ($out)"; fi
grep -q "inlet 1: channel .* open" "$(node_log alice)" &&
    ok "the inlet opened its secure channel itself" ||
    fail "the inlet opened its secure channel itself"

# Half-close: the target reads to EOF, then answers.
out=$(timeout 60 $PEER digest $((PI + 1)) 3000000 2>&1)
mine=${out%% |*}
theirs=${out##*| }
[ -n "$mine" ] && [ "$mine" = "$theirs" ] &&
    ok "half-close: the target got every byte and the reply came back" ||
    fail "half-close: the client shuts its write side, reads the reply ($out)"

out=$(timeout 20 $PEER eof $((PI + 4)) 2>&1)
[ "$out" = eof ] && ok "target refused: the client is closed" ||
    fail "target refused: the client is closed ($out)"
out=$(timeout 20 $PEER eof $((PI + 3)) 2>&1)
[ "$out" = eof ] && ok "target closes: so is the client" ||
    fail "target closes: so is the client ($out)"

# Not a consumer: bob_listener's channel may not open "private"; and
# no outlet at all.  The client is closed when no Pong came in 10 s.
timeout 30 $PEER eof $((PI + 6)) > "$T/nosuch" 2>&1 &
ns=$!
out=$(timeout 30 $PEER eof $((PI + 5)) 2>&1)
if [ "$out" = eof ] && grep -q "denied: private may not receive" \
    "$(node_log bob)"; then
	ok "an outlet whose consumers leave the listener out is not opened"
else fail "an outlet not for this listener's channels ($out)"; fi
wait $ns
out=$(cat "$T/nosuch")
[ "$out" = eof ] && grep -q 'no worker at address "nosuch"' \
    "$(node_log bob)" &&
    ok "an inlet route to an outlet the node does not have: closed" ||
    fail "an inlet route to an outlet the node does not have ($out)"

# Through the hub: the node behind it claimed forward_to_bob.
wait_for 10 sh -c "$CTL -s $(node_sock natbob) show relays |
    grep -q 'client.* up'"
out=$(timeout 60 $PEER digest $((PI + 8)) 2000000 2>&1)
mine=${out%% |*}
theirs=${out##*| }
[ -n "$mine" ] && [ "$mine" = "$theirs" ] &&
    grep -q "outlet outlet to 127.0.0.1:$PD" "$(node_log natbob)" &&
    ok "through a hub: inlet, relay and channel to an outlet behind it" ||
    fail "through a hub to an outlet behind it ($out)"

# A plain route (no channel): the TCP listener's consumers name outlet.
out=$(timeout 60 $PEER echo $((PI + 7)) 1000000 2>&1)
set -- $out
[ "$#" -eq 3 ] && [ "$1" = "$2" ] && [ "$3" = 1000000 ] &&
    ok "a plain TCP route to the outlet carries bytes both ways" ||
    fail "a plain TCP route to the outlet ($out)"

# A target that never reads: once the kernel's buffers are full, the
# inlet stops reading its client and nothing grows.  (Growth from the
# middle of the flood, not size: a sanitizer's build starts large and
# keeps what it freed a while.)
rss() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status" 2>/dev/null; }
PIDS="$(node_pid alice) $(child_pid alice ockam-tcpd) $(node_pid bob)
    $(child_pid bob ockam-tcpd)"
timeout 30 $PEER flood $((PI + 2)) 8 4 > "$T/flood" 2>&1 &
fl=$!
sleep 4.5
for p in $PIDS; do eval "rss0_$p=$(rss $p)"; done
sleep 5
big=""
for p in $PIDS; do
	r=$(rss $p)
	eval "r0=\$rss0_$p"
	echo "# pid $p VmRSS $r0 kB at 4.5 s, $r kB at 9.5 s"
	[ -n "$r" ] && [ $((r - r0)) -gt $RSS_GROW ] && big="$big $p:$r0:$r"
done
wait $fl
set -- $(cat "$T/flood")
echo "# the inlet took $1 bytes in 4 s, $2 in 8 s"
if [ -z "$big" ] && [ "$#" -eq 2 ] && [ "$1" = "$2" ] &&
    [ "$2" -lt 33554432 ]; then
	ok "slow reader: the client stopped at $2 bytes, no process grew"
else fail "slow reader: memory bounded ($big; took $*)"; fi

# The stalled target goes: its portal closes on both nodes (and so does
# every other), both nodes still serve.
kill $STALL
portals() { ctl $1 show workers 2>&1 | grep -c ' portal '; }
wait_for 10 sh -c "[ \$($CTL -s $(node_sock bob) show workers |
    grep -c ' portal ') = 0 ] && [ \$($CTL -s $(node_sock alice) show workers |
    grep -c ' portal ') = 0 ]" &&
    ok "a target gone with bytes queued: its portal closes on both nodes" ||
    fail "portals left: bob $(portals bob), alice $(portals alice)"
# The channel's connection cut under a portal: both its sockets close,
# and the next client gets a new channel.
$PEER serve $PS stall >/dev/null 2>&1 &
TARGETS="$TARGETS $!"
sleep 0.5
timeout 30 $PEER eof $((PI + 2)) > "$T/cut" 2>&1 &
cut=$!
wait_for 10 sh -c "$CTL -s $(node_sock bob) show workers | grep -q ' portal '"
ctl alice tcp-connection delete 127.0.0.1:$PB >/dev/null 2>&1
wait $cut
out=$(cat "$T/cut")
if [ "$out" = eof ] && wait_for 10 sh -c "[ \$($CTL -s $(node_sock bob) \
    show workers | grep -c ' portal ') = 0 ]"; then
	ok "the channel's connection cut: the client and the target are closed"
else fail "the channel's connection cut ($out; bob $(portals bob))"; fi
out=$(timeout 60 $PEER echo $PI 100000 2>&1)
set -- $out
n=$(grep -c "inlet 1: channel .* open" "$(node_log alice)")
[ "$#" -eq 3 ] && [ "$1" = "$2" ] && [ "$n" -ge 2 ] &&
    ok "the portal works after that, through a new channel" ||
    fail "the portal works after that, through a new channel ($out, $n)"
alive "$(node_pid alice)" && alive "$(node_pid bob)" &&
    ok "both nodes alive" || { fail "both nodes alive"; show_log alice; show_log bob; }
