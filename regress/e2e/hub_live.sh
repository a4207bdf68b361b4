#!/bin/sh
# SPDX-License-Identifier: ISC
# The guide "Securely connecting devices" live, through a tap between
# the nodes and the hub (tap.py): the hub sees only ciphertext; it is
# killed and restarted, and Bob's relays come back by themselves; with
# the hub down, and with Carol's connection cut 20 times in a row, the
# relays try again no faster than their back-off, without spinning.
# Then the relay client's checks: forged registration answers (a fake
# hub), an alias bound by the hub's config, limit relays, relay delete,
# relay create to a hub that is down.
. "$(dirname "$0")/lib.sh"

if ! command -v python3 >/dev/null 2>&1; then
	skip "python3 is needed for the tap"
	exit 0
fi
TAP=$TOP/regress/e2e/tap.py
PYTHONPATH=$TOP/regress/e2e		# frames.py, for the fake hub
export PYTHONPATH
PH=$(free_port 28200)
PT=$(free_port $((PH + 1)))
HUB=/ip4/127.0.0.1/tcp/$PT
PT2=$(free_port $((PT + 1)))
mkdir -p "$T/hub" "$T/bob" "$T/alice" "$T/carol"
# Carol: at most 4 relays; the hub binds the alias "bound" to her.
{ sed 's/^identity "alice"/identity "carol"/' "$TOP/etc/hub-alice.conf"
  echo 'limit relays 4'; } > "$T/carol.conf"
start_node carol "$T/carol.conf" -D vaultdir="$T/carol/vault" ||
    { fail "carol starts"; exit 0; }
carol=$(ctl carol identity show carol | awk '{ print $2 }')
{ cat "$TOP/etc/hub.conf"
  echo "forwarding alias \"bound\" identity \"$carol\""; } > "$T/hub.conf"
sed 's/^relay at .*"bob_secure_channel_listener"$/& heartbeat 1/' \
    "$TOP/etc/hub-bob.conf" > "$T/bob.conf"
# Bob and Alice reach the hub through one tap, Carol through another.
python3 "$TAP" listen "$PT" "$PH" "$T/tap" 100 > /dev/null 2>&1 &
PIDS=$!
python3 "$TAP" listen "$PT2" "$PH" "$T/tap2" 100 > /dev/null 2>&1 &
PIDS="$PIDS $!"
trap 'kill $PIDS 2>/dev/null; cleanup' EXIT
wait_for 5 sh -c "grep -q listening $T/tap && grep -q listening $T/tap2" ||
    { fail "the taps listen"; exit 0; }
start_node hub "$T/hub.conf" -D port="$PH" -D vaultdir="$T/hub/vault" \
    -D statedir="$T/hub/streams" ||
    { fail "hub starts"; exit 0; }
start_node bob "$T/bob.conf" -D vaultdir="$T/bob/vault" -D hub="$HUB" ||
    { fail "bob starts"; exit 0; }
start_node alice "$TOP/etc/hub-alice.conf" -D vaultdir="$T/alice/vault" ||
    { fail "alice starts"; exit 0; }

now() { date +%s.%N; }
since() { echo "$(now) $1" | awk '{ printf "%.1f", $1 - $2 }'; }
taplines() { wc -l < "$T/${1:-tap}"; }
# cpu PID: user and system time, in clock ticks
cpu() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
# nodecpu NAME: that of routed and its tcpd
nodecpu() {
	echo $(( $(cpu "$(node_pid "$1")") +
	    $(cpu "$(child_pid "$1" ockam-tcpd)") ))
}
# window_start NODE TAP: from now on, count NODE's connections
# through TAP and its CPU time
window_start() { l0=$(taplines "$2"); c0=$(nodecpu "$1"); t0=$(now); }
# window_end DESC NODE TAP: as many as the back-off of its two relays
# allows (tap.py), and no spinning: less than 1 s of CPU
window_end() {
	w=$(since "$t0")
	l1=$(taplines "$3")
	c1=$(nodecpu "$2")
	sed -n "$((l0 + 1)),${l1}p" "$T/$3" | sed 's/^/# /'
	n=$(python3 "$TAP" count "$T/$3" "$l0" "$l1" "$w" 2) &&
	    ok "$1: $n" || fail "$1: $n"
	[ $((c1 - c0)) -lt 100 ] &&
	    ok "$1: $2 used $((c1 - c0))/100 s of CPU in $w s" ||
	    fail "$1: $2 used $((c1 - c0))/100 s of CPU in $w s"
}
# up WHAT: Bob's relay whose forwarder is WHAT is up
up() { ctl bob show relays | grep -q "^client [^ ]* *up .* $1[^ ]*\$"; }
# relays: Bob's relay at FWD_ and his alias are up
relays() { up FWD_ && up forward_to_bob; }
# bobfwd: the forwarder of Bob's relay at FWD_
bobfwd() {
	ctl bob show relays | sed -n 's/^client .*  *up .* \(FWD_.*\)/\1/p'
}
# channels TAG: Alice's channels through the FWD_ and the alias, an
# echo and Hello Ockam! to Bob's app (message receive) through each
channels() {
	ch1=$(ctl alice secure-channel create "$HUB/service/$fwd" 2>&1)
	ch2=$(ctl alice secure-channel create \
	    "$HUB/service/forward_to_bob/service/bob_secure_channel_listener" \
	    2>&1)
	( ctl bob message receive -c 2 -t 10 app > "$T/app.$1" 2>&1 ) &
	wait_for 5 sh -c "'$CTL' -s '$(node_sock bob)' show workers |
	    grep -q '^app '"
	for ch in "$ch1" "$ch2"; do
		ctl alice message send --no-reply "$ch/service/app" \
		    'Hello Ockam!' > /dev/null 2>&1
		[ "$(ctl alice message send "$ch/service/echoer" \
		    'Hello Ockam!' 2>&1)" = 'Hello Ockam!' ] || return 1
	done
	wait_for 10 test "$(grep -c '^Hello Ockam!$' "$T/app.$1")" = 2
}

# The guide, both route forms, through the tap.
out=$(ctl bob relay create --heartbeat 1 --to bob_secure_channel_listener \
    "$HUB" 2>&1)
fwd=${out##*/service/}
wait_for 10 relays && [ "$fwd" = "$(bobfwd)" ] &&
    ok "bob's relays are up: $fwd, forward_to_bob" ||
    fail "bob's relays are up ($out)"
channels 1 &&
    ok "the guide through the tap: channels through both, echo, app" ||
    fail "the guide through the tap ($ch1, $ch2, $(cat "$T/app.1"))"
n=$(grep -c ' accept ' "$T/tap")
[ "$n" -ge 2 ] && ! grep -q PLAIN "$T/tap" &&
    ok "no plaintext Hello Ockam! crossed the hub ($n connections)" ||
    fail "no plaintext Hello Ockam! crossed the hub ($(grep PLAIN "$T/tap"))"
# The tap does see plaintext: the same words outside a channel (which
# Bob's relay lets through only to its channel listener).
ctl alice message send --no-reply "$HUB/service/$fwd/service/echoer" \
    'Hello Ockam!' > /dev/null 2>&1
wait_for 5 grep -q PLAIN "$T/tap" &&
    ok "the tap sees Hello Ockam! sent outside a channel" ||
    fail "the tap sees Hello Ockam! sent outside a channel"

# The hub killed: Bob's relays try again, fewer and fewer times, and
# spin no CPU; restarted, they are back without operator action.
old=$fwd
window_start bob tap
kill -KILL "$(node_pid hub)"
wait_for 5 node_down hub || fail "the hub's processes go with it"
sleep 6
window_end "hub down" bob tap
start_node hub "$T/hub.conf" -D port="$PH" -D vaultdir="$T/hub/vault" \
    -D statedir="$T/hub/streams" ||
    { fail "hub restarts"; exit 0; }
t0=$(now)
wait_for 20 relays && fwd=$(bobfwd) && [ "$fwd" != "$old" ] &&
    ok "hub restarted: relays back in $(since "$t0") s, $old now $fwd" ||
    fail "hub restarted: relays back ($fwd)"
check "hub restarted: back within the default heartbeat, 10 s" \
    awk "BEGIN { exit !($(since "$t0") < 10) }"
check "the new address is logged" grep -q "new address, $fwd (was $old)" \
    "$(node_log bob)"
l0=$(taplines)
channels 2 && ok "new channels through both relays, echo, app" ||
    fail "new channels through both relays ($ch1, $ch2, $(cat "$T/app.2"))"
sed -n "$((l0 + 1)),\$p" "$T/tap" | grep -q PLAIN &&
    fail "no plaintext Hello Ockam! crossed the restarted hub" ||
    ok "no plaintext Hello Ockam! crossed the restarted hub"

# Carol claims the alias bound to her by the hub's config (Alice may
# not), and keeps a relay at FWD_ too, both through the second tap;
# then her connection is cut 20 times in a row, 0.2 s apart.
HUB2=/ip4/127.0.0.1/tcp/$PT2
out=$(ctl carol relay create -A --heartbeat 1 --name bound --to x "$HUB2" \
    2>&1)
[ "$out" = "Forwarding address: $HUB2/service/forward_to_bound" ] &&
    ok "carol claims the alias the hub binds to her" ||
    fail "carol claims the alias the hub binds to her ($out)"
ch=$(ctl alice secure-channel create --trust-any \
    "/ip4/127.0.0.1/tcp/$PH/service/hub_listener" 2>&1)
out=$(ctl alice message send -t 2 "$ch/service/static_forwarding_service" \
    bound 2>&1)
[ "$out" != bound ] && grep -q '"bound" is bound to other identities than' \
    "$(node_log hub)" &&
    ok "alice claims carol's bound alias: refused, logged" ||
    fail "alice claims carol's bound alias: refused, logged ($ch: $out)"
out=$(ctl carol relay create --heartbeat 1 --to x "$HUB2" 2>&1)
case $out in
"Forwarding address: $HUB2/service/FWD_"*) ok "carol: a relay at FWD_" ;;
*) fail "carol: a relay at FWD_ ($out)" ;;
esac
window_start carol tap2
cuts=0
for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
	ctl carol tcp-connection delete "127.0.0.1:$PT2" > /dev/null 2>&1 &&
	    cuts=$((cuts + 1))
	sleep 0.2
done
window_end "20 cuts ($cuts found a connection)" carol tap2

# A fake hub, raw frames (doc/design.md 4): it answers a registration
# with forged answers first (a longer return route, none, not for the
# relay, a payload not BARE), which the relay does not take, then from
# FWD_good, and Carol's next heartbeat from FWD_other, also not taken.
PF=$(free_port $((PT2 + 1)))
cat > "$T/fake.py" <<'PY'
import os, socket, sys, time
from frames import *
PORT, GO = int(sys.argv[1]), sys.argv[2]
def registration(s):
    while True:
        f = recv(s)
        if f is None: sys.exit(0)
        if f[0] == [(0, b"forwarding_service")]:
            return f[1], f[2]
def say(*a): print(*a); sys.stdout.flush()
ls = socket.socket(); ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("127.0.0.1", PORT)); ls.listen(4); ls.settimeout(10)
say("listening")
s, _ = ls.accept(); s.settimeout(10)
ret, pl = registration(s)
for on, r, p in ((ret, [(0, b"FWD_forged"), (0, b"more")], pl),
                 (ret, [], pl), (ret + [(0, b"x")], [(0, b"FWD_forged")], pl),
                 (ret, [(0, b"FWD_forged")], b"\xff")):
    s.sendall(frame(on, r, p))
say("forged")
for _ in range(100):
    if os.path.exists(GO): break
    time.sleep(0.1)
s.sendall(frame(ret, [(0, b"FWD_good")], pl))
ret, pl = registration(s)
s.sendall(frame(ret, [(0, b"FWD_other")], pl))
say("other")
time.sleep(10)
PY
python3 "$T/fake.py" "$PF" "$T/fake.go" > "$T/fake.out" 2>&1 &
PIDS="$PIDS $!"
wait_for 5 grep -q listening "$T/fake.out" || fail "the fake hub listens"
( ctl carol relay create --heartbeat 1 --to x "/ip4/127.0.0.1/tcp/$PF" \
    > "$T/create.out" 2>&1; echo $? > "$T/create.rc" ) &
# xdrops N: carol dropped more than N messages for x: what is not an
# answer goes on, to "to", x, which is no worker
xdrops() {
	[ "$(grep -c 'dropped message to /service/x:' "$(node_log carol)")" \
	    -gt "$1" ]
}
wait_for 5 grep -q forged "$T/fake.out"
wait_for 5 xdrops 3
ctl carol show relays > "$T/fake.relays" 2>&1
grep -q "^client .* registering .*-$" "$T/fake.relays" &&
    ! grep -q FWD_forged "$T/fake.relays" && [ ! -f "$T/create.rc" ] &&
    xdrops 3 &&
    ok "forged registration answers: not taken (data, for x), registering" ||
    fail "forged registration answers: not taken ($(cat "$T/fake.relays"))"
touch "$T/fake.go"
wait_for 5 test -f "$T/create.rc"
check "the answer from [hub, FWD_good]: taken" grep -qx \
    "Forwarding address: /ip4/127.0.0.1/tcp/$PF/service/FWD_good" \
    "$T/create.out"
wait_for 5 grep -q other "$T/fake.out"
wait_for 5 xdrops 4
ctl carol show relays | grep -q "^client .* up .* FWD_good$" &&
    ! grep -q FWD_other "$(node_log carol)" && xdrops 4 &&
    ok "a heartbeat answered from another forwarder: not taken" ||
    fail "a heartbeat answered from another forwarder: not taken"

# A fake hub whose static_forwarding_service answers through the
# channel, but for another alias (forward_to_eve): not taken either.
PE=$(free_port $((PF + 1)))
mkdir -p "$T/eve"
cat > "$T/eve.conf" <<CONF
control socket "$(node_sock eve)"
vault directory "$T/eve/vault"
identity "eve"
listen on 127.0.0.1 port $PE consumers { "hub_listener" }
secure-channel listener "hub_listener" identity "eve" trust everyone \
    consumers { "static_forwarding_service" }
relay "static_forwarding_service" to "/service/forward_to_eve"
echoer "forward_to_eve"
CONF
start_node eve "$T/eve.conf" || fail "eve starts"
( ctl carol relay create -A --name bob --to x "/ip4/127.0.0.1/tcp/$PE" \
    > "$T/create2.out" 2>&1; echo $? > "$T/create2.rc" ) &
wait_for 5 xdrops 5
ctl carol show relays > "$T/eve.relays" 2>&1
grep -q "^client .* registering .*-$" "$T/eve.relays" &&
    [ ! -f "$T/create2.rc" ] && xdrops 5 &&
    ok "an answer from forward_to_eve for alias bob: not taken" ||
    fail "an answer from forward_to_eve for alias bob: not taken" \
    "($(cat "$T/eve.relays"))"

# Relays: four of them now, the limit; a fifth is refused.
out=$(ctl carol relay create --to x "/ip4/127.0.0.1/tcp/$PH" 2>&1)
case $out in
*"limit relays"*) ok "past limit relays: refused ($out)" ;;
*) fail "past limit relays: refused ($out)" ;;
esac
# relay delete: the alias' relay goes, and its channel to the hub.
# chan_to PORT: carol has an open channel to the node at PORT
chan_to() {
	ctl carol show channels | grep -B1 "remote /ip4/127.0.0.1/tcp/$1/" |
	    grep -q "^/service/.* open "
}
check "carol's alias relay has a channel to eve" chan_to "$PE"
check "relay delete bob" ctl carol relay delete bob
wait_for 5 test -f "$T/create2.rc"
[ "$(cat "$T/create2.rc")" != 0 ] &&
    grep -q "deleted by the operator" "$T/create2.out" &&
    ok "relay delete: its relay create fails, \"deleted by the operator\"" ||
    fail "relay delete: its relay create fails ($(cat "$T/create2.out"))"
! ctl carol show relays | grep -q "alias bob" && ! chan_to "$PE" &&
    ok "relay delete: the relay and its channel to the hub are gone" ||
    fail "relay delete: the relay and its channel to the hub are gone"

# A hub nobody listens at: relay create fails at once, no relay stays,
# with an alias (its channel fails) or without.
PN=$(free_port $((PE + 1)))
before=$(ctl carol show relays | grep -c '^client')
for form in "" "-A --name z"; do
	t0=$(now)
	out=$(ctl carol relay create $form --to x "/ip4/127.0.0.1/tcp/$PN" \
	    2>&1)
	rc=$?
	w=$(since "$t0")
	[ $rc != 0 ] && awk "BEGIN { exit !($w < 3) }" &&
	    ok "relay create ${form:+$form }to a hub down: exit $rc in $w s:" \
	    "$out" ||
	    fail "relay create ${form:+$form }to a hub down: exit $rc in $w s:" \
	    "$out"
done
check "relay create to a hub down: no relay stays" \
    test "$(ctl carol show relays | grep -c '^client')" = "$before"

# After the 20 cuts, Carol's relays came back by themselves.
carol_up() {
	[ "$(ctl carol show relays | grep -A1 '^client .* up ' |
	    grep -c "route $HUB2/")" = 2 ]
}
wait_for 15 carol_up && ok "after the cuts, carol's relays are up again" ||
    fail "after the cuts, carol's relays are up again"
# relay delete while its channel to the hub is still in its handshake
# (the hub stopped): the handshake goes too, no channel opens for it.
# hubchans: carol's open channels to the hub
hubchans() {
	ctl carol show channels | grep -B1 "remote $HUB2/" |
	    grep -c "^/service/.* open "
}
before=$(hubchans)
kill -STOP "$(node_pid hub)"
( ctl carol relay create -A --name late --to x "$HUB2" > /dev/null 2>&1 ) &
wait_for 5 sh -c "'$CTL' -s '$(node_sock carol)' show relays |
    grep -q '^client .* channel '"
ctl carol relay delete late > /dev/null 2>&1
kill -CONT "$(node_pid hub)"
sleep 1
check "relay delete during its channel's handshake: no channel opens" \
    test "$(hubchans)" = "$before"

# Every delay Bob's and Carol's relays took after a failure, as they
# logged it: within the back-off.
out=$(python3 "$TAP" backoff "$(node_log bob)" "$(node_log carol)") &&
    ok "$out" || fail "$out"

# Bob deletes his alias' relay: its channel closes, and with it the
# hub's forward_to_bob.
check "bob: relay delete bob" ctl bob relay delete bob
wait_for 5 sh -c "! '$CTL' -s '$(node_sock hub)' show relays |
    grep -q forward_to_bob" &&
    ! ctl bob show relays | grep -q forward_to_bob &&
    ok "its channel closed: forward_to_bob is gone from the hub" ||
    fail "its channel closed: forward_to_bob is gone from the hub"

# A reload that binds "bound" to another identity: carol's forwarder
# for it closes, and her next claim is refused.
other=I$(printf '%064d' 7)
{ cat "$TOP/etc/hub.conf"
  echo "forwarding alias \"bound\" identity \"$other\""; } > "$T/hub.conf"
check "carol's forward_to_bound is up" sh -c \
    "'$CTL' -s '$(node_sock hub)' show relays | grep -q forward_to_bound"
out=$(ctl hub reload 2>&1)
echo "$out" | grep -q "forwarders closed 1" &&
    grep -q "forwarder forward_to_bound closed: alias \"bound\"" \
    "$(node_log hub)" &&
    ! ctl hub show relays | grep -q forward_to_bound &&
    ok "reload: an alias bound to another identity, its forwarder closed ($out)" ||
    fail "reload: an alias bound to another identity ($out)"

for node in eve carol alice bob hub; do
	stop_node $node
	[ "$(exit_status $node)" = 0 ] &&
	    ! grep -q Sanitizer "$(node_log $node)" &&
	    ok "$node stops cleanly" ||
	    { fail "$node stops cleanly (status $(exit_status $node))"
	      show_log $node; }
done
