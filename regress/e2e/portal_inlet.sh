#!/bin/sh
# SPDX-License-Identifier: ISC
# Portal inlets made while the node runs (ockamctl tcp-inlet create and
# delete): bytes exact through one; port 0 (the kernel's pick); two
# inlets via one channel listener share one channel; the errors, at
# once: address in use, a port below 1024, a bad route, the bound
# (limit inlets), a "listen static" node; delete closes the listener
# and the inlet's open connections.
. "$(dirname "$0")/lib.sh"

if ! command -v python3 >/dev/null 2>&1; then
	skip "python3 is needed for the clients and the target"
	exit 0
fi
PEER="python3 $TOP/regress/e2e/portalpeer.py"
PB=$(free_port 35700)
PE=$(free_port $((PB + 1)))
I1=$(free_port $((PE + 1)))
I2=$(free_port $((I1 + 1)))
I3=$(free_port $((I2 + 1)))
$PEER serve "$PE" echo >/dev/null 2>&1 &
TARGET=$!
trap 'kill $TARGET 2>/dev/null; cleanup' EXIT
sed -e "/^listen/s/}$/\"outlet\" }/" \
    "$TOP/etc/portal-outlet.conf" > "$T/outlet.conf"
VIA="/ip4/127.0.0.1/tcp/$PB/service/bob_listener"
# The inlet node: the example's, without its inlet; at most 3.
sed -e '/^inlet on/,$d' "$TOP/etc/portal-inlet.conf" > "$T/inlet.conf"
echo "limit inlets 3" >> "$T/inlet.conf"
{ cat "$T/inlet.conf"; echo "listen static"; } > "$T/static.conf"
mkdir -p "$T/out" "$T/in" "$T/st"
start_node out "$T/outlet.conf" -D vaultdir="$T/out/vault" \
    -D port="$PB" -D target_port="$PE" ||
    { fail "outlet node starts"; exit 0; }
start_node in "$T/inlet.conf" -D vaultdir="$T/in/vault" ||
    { fail "inlet node starts"; exit 0; }
start_node st "$T/static.conf" -D vaultdir="$T/st/vault" ||
    { fail "a listen static node starts"; exit 0; }

# create VAR ARGS...: tcp-inlet create on the inlet node, its output
# (or error) in $T/VAR and its status in $VAR_rc
create() {
	_v=$1; shift
	ctl in tcp-inlet create "$@" > "$T/$_v" 2>&1
	eval "${_v}_rc=$?"
}

create c1 --from "127.0.0.1:$I1" --via "$VIA" --to outlet
[ "$c1_rc" = 0 ] && grep -q "^Inlet [0-9]* listening on 127.0.0.1:$I1\$" \
    "$T/c1" && ok "tcp-inlet create: $(cat "$T/c1")" ||
    fail "tcp-inlet create ($(cat "$T/c1"))"
ID1=$(awk '{ print $2 }' "$T/c1")
out=$(timeout 60 $PEER echo "$I1" 2000000 2>&1)
set -- $out
[ "$#" -eq 3 ] && [ "$1" = "$2" ] && [ "$3" = 2000000 ] &&
    ok "2000000 bytes both ways through it, sha256 equal" ||
    fail "bytes through a run-time inlet ($out)"

create c2 --from 127.0.0.1:0 --via "$VIA" --to outlet
P2=$(sed -n 's/^Inlet [0-9]* listening on 127.0.0.1:\([0-9]*\)$/\1/p' \
    "$T/c2")
[ "$c2_rc" = 0 ] && [ -n "$P2" ] && [ "$P2" -gt 0 ] &&
    ok "port 0: the port the kernel chose is said ($(cat "$T/c2"))" ||
    fail "port 0 ($(cat "$T/c2"))"
out=$(timeout 60 $PEER echo "${P2:-1}" 100000 2>&1)
set -- $out
[ "$#" -eq 3 ] && [ "$1" = "$2" ] && ok "and it carries bytes too" ||
    fail "bytes through the port-0 inlet ($out)"
n=$(ctl in show channels 2>&1 | grep -c '^/service/.* initiator')
[ "$n" = 1 ] && ok "two inlets via one listener route share one channel" ||
    { fail "two inlets via one route: $n channels"; ctl in show channels; }

create c3 --from "127.0.0.1:$PE" --to outlet
[ "$c3_rc" != 0 ] && grep -q "Address already in use" "$T/c3" &&
    ok "address in use: $(cat "$T/c3")" ||
    fail "address in use ($(cat "$T/c3"))"
if [ "$(cat /proc/sys/net/ipv4/ip_unprivileged_port_start)" -lt 1024 ]; then
	skip "ports below 1024 are not kept for root on this machine"
else
	create c4 --from 127.0.0.1:1000 --to outlet
	[ "$c4_rc" != 0 ] && grep -q "Permission denied" "$T/c4" &&
	    ok "port below 1024: $(cat "$T/c4")" ||
	    fail "port below 1024 ($(cat "$T/c4"))"
fi
check "the failures are counted in the log" grep -q "inlets not started" \
    "$(node_log in)"
create c5 --from "127.0.0.1:$I3" --to "/ip4/1.2.3/tcp/1/service/x"
[ "$c5_rc" != 0 ] && grep -q "bad route" "$T/c5" &&
    ok "a bad route: $(cat "$T/c5")" || fail "a bad route ($(cat "$T/c5"))"
create c6 --from "localhost:$I3" --to outlet
[ "$c6_rc" != 0 ] && grep -q "not ADDRESS:PORT" "$T/c6" &&
    ok "not a numeric address: $(cat "$T/c6")" ||
    fail "not a numeric address ($(cat "$T/c6"))"
create c7 --from "127.0.0.1:$I2" --to "/ip4/127.0.0.1/tcp/$PB/service/outlet"
create c8 --from "127.0.0.1:$I3" --to outlet
[ "$c7_rc" = 0 ] && [ "$c8_rc" != 0 ] && grep -q "limit inlets" "$T/c8" &&
    ok "limit inlets 3: the fourth refused: $(cat "$T/c8")" ||
    fail "limit inlets 3 ($(cat "$T/c7"); $(cat "$T/c8"))"
out=$(timeout 60 $PEER echo "$I2" 100000 2>&1)
set -- $out
[ "$#" -eq 3 ] && [ "$1" = "$2" ] && ok "a plain TCP inlet made so serves" ||
    fail "bytes through a plain TCP run-time inlet ($out)"
ctl st tcp-inlet create --from "127.0.0.1:$I3" --to outlet > "$T/st1" 2>&1
[ $? != 0 ] && grep -q "binds at start-up alone: listen static" "$T/st1" &&
    ok "a listen static node refuses: $(cat "$T/st1")" ||
    fail "a listen static node refuses ($(cat "$T/st1"))"

ctl in show listeners > "$T/ls" 2>&1
expect ls "show listeners: the inlets that run, their routes" \
    "^inlet $ID1  *127.0.0.1:$I1  *via $VIA, to outlet\$" \
    "^inlet [0-9]*  *127.0.0.1:$P2 " \
    "^inlet [0-9]*  *127.0.0.1:$I2  *to /ip4/127.0.0.1/tcp/$PB/service/outlet\$"

# Delete: an open connection closes, and the port refuses.
timeout 30 $PEER eof "$I1" > "$T/held" 2>&1 &
held=$!
wait_for 10 sh -c "$CTL -s $(node_sock in) show portals |
    grep -q 'inlet 127.0.0.1:$I1'" &&
    ok "show portals lists the run-time inlet's connection" ||
    fail "show portals lists the run-time inlet's connection"
ctl in tcp-inlet delete "$ID1" > "$T/d1" 2>&1 &&
    ok "tcp-inlet delete $ID1" || fail "tcp-inlet delete $ID1 ($(cat "$T/d1"))"
wait $held
[ "$(cat "$T/held")" = eof ] && ok "its open connection closed" ||
    fail "its open connection closed ($(cat "$T/held"))"
out=$(python3 -c "import socket; socket.create_connection(('127.0.0.1', $I1),
    timeout=5)" 2>&1)
case $out in *refused*) ok "its port refuses connections";;
*) fail "its port refuses connections ($out)";; esac
ctl in tcp-inlet delete "127.0.0.1:$P2" > "$T/d2" 2>&1 &&
    ok "tcp-inlet delete by ADDRESS:PORT" ||
    fail "tcp-inlet delete by ADDRESS:PORT ($(cat "$T/d2"))"
wait_for 5 sh -c "! '$CTL' -s '$(node_sock in)' show channels |
    grep -q '^/service/.* initiator  *open'" &&
    grep -q "its last inlet stopped" "$(node_log in)" &&
    ok "the last inlet via a route gone: its channel closed" ||
    { fail "the last inlet via a route gone: its channel closed"; ctl in show channels; }
ctl in tcp-inlet delete "$ID1" > "$T/d3" 2>&1
[ $? != 0 ] && grep -q "no such inlet" "$T/d3" &&
    ok "deleting it again: $(cat "$T/d3")" ||
    fail "deleting it again ($(cat "$T/d3"))"
create c9 --from "127.0.0.1:$I1" --via "$VIA" --to outlet
out=$(timeout 60 $PEER echo "$I1" 100000 2>&1)
set -- $out
[ "$c9_rc" = 0 ] && [ "$#" -eq 3 ] && [ "$1" = "$2" ] &&
    ok "below the bound again: a new inlet on the same port serves" ||
    fail "a new inlet on the same port ($(cat "$T/c9"); $out)"
if [ -e /proc/net/if_inet6 ] && grep -q '^0*1 ' /proc/net/if_inet6; then
	create c10 --from "[::1]:0" --to outlet
	P10=$(sed -n 's/^Inlet [0-9]* listening on \[::1\]:\([0-9]*\)$/\1/p' \
	    "$T/c10")
	[ -n "$P10" ] &&
	    ctl in tcp-inlet delete "[0::1]:$P10" >/dev/null 2>&1 &&
	    ok "IPv6: [::1]:0 made, and deleted by [0::1]:$P10" ||
	    fail "IPv6 inlet ($(cat "$T/c10"))"
else
	skip "no IPv6 loopback"
fi
alive "$(node_pid in)" && alive "$(node_pid out)" &&
    alive "$(node_pid st)" && ok "the nodes are alive" ||
    { fail "the nodes are alive"; show_log in; }
