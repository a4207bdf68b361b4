#!/bin/sh
# SPDX-License-Identifier: ISC
# The guide "Securely connecting devices" from etc/: Bob has no
# listener and keeps relays at the hub; Alice reaches his channel
# listener through them (the 2021 forwarding address and the 2022
# alias), the hub forwards ciphertext only, and nothing reaches Bob's
# app through the hub but out of a channel.
. "$(dirname "$0")/lib.sh"

start_hub_guide 28100 || exit 0

# receive NAME ARGS...: Bob's message receive in the background
receive() {
	out=$T/$1; shift
	( ctl bob message receive "$@" >"$out.out" 2>"$out.err"
	  echo $? > "$out.rc.tmp"; mv "$out.rc.tmp" "$out.rc" ) &
}
registered() { ctl bob show workers | grep -q "^$1 *app "; }

# hello NAME CHANNEL FORM: Bob's app receives Hello Ockam! out of it
hello() {
	receive "$1" -c 1 -t 10 app
	wait_for 5 registered app || fail "bob's message receive registers app"
	ctl alice message send --no-reply "$2/service/app" 'Hello Ockam!'
	wait_for 10 test -s "$T/$1.rc"
	[ "$(cat "$T/$1.out")" = "Hello Ockam!" ] &&
	    ok "bob's app prints Hello Ockam! ($3 route)" ||
	    fail "bob's app prints Hello Ockam! ($3 route:" \
	    "$(cat "$T/$1.out" "$T/$1.err"))"
}

# 2021: relay create prints the forwarding address.
out=$(ctl bob relay create --to bob_secure_channel_listener "$HUB" 2>&1)
fwd=${out#Forwarding address: }
case $fwd in
"$HUB"/service/FWD_????????????????) ok "relay create: $out" ;;
*) fail "relay create prints the forwarding address ($out)"; fwd=none ;;
esac
ch=$(ctl alice secure-channel create "$fwd" 2>&1)
case $ch in
/service/*) ok "alice: a channel through $fwd" ;;
*) fail "alice: a channel through the forwarding address ($ch)" ;;
esac
hello app1 "$ch" 2021
out=$(ctl alice message send "$ch/service/echoer" ping 2>&1)
[ "$out" = ping ] && ok "an echo through that channel" ||
    fail "an echo through that channel ($out)"

# 2022: the alias from etc/hub-bob.conf (claimed through a channel).
wait_for 10 sh -c "$CTL -s $(node_sock bob) show relays |
    grep -q 'client.* up .*bob'"
check "the configured relay claims the alias bob" \
    sh -c "$CTL -s $(node_sock bob) show relays | grep -q 'client.* up'"
ch2=$(ctl alice secure-channel create \
    "$HUB/service/forward_to_bob/service/bob_secure_channel_listener" 2>&1)
case $ch2 in
/service/*) ok "alice: a channel through forward_to_bob" ;;
*) fail "alice: a channel through forward_to_bob ($ch2)" ;;
esac
out=$(ctl alice message send "$ch2/service/echoer" 'Hello Ockam!' 2>&1)
[ "$out" = "Hello Ockam!" ] && ok "an echo through the alias' channel" ||
    fail "an echo through the alias' channel ($out)"
hello app2 "$ch2" 2022

# Without a channel: the relay lets nothing reach app or echoer.
receive app3 -c 1 -t 3 app
wait_for 5 registered app
ctl alice message send --no-reply "$fwd/service/app" 'plain' 2>/dev/null
ctl alice message send --no-reply "$HUB/service/forward_to_bob/service/app" \
    'plain' 2>/dev/null
out=$(ctl alice message send -t 2 "$fwd/service/echoer" plain 2>&1)
[ "$out" != plain ] && ok "echoer unreachable through the relay" ||
    fail "echoer unreachable through the relay"
wait_for 6 test -s "$T/app3.rc"
[ ! -s "$T/app3.out" ] && ok "app unreachable through the hub but by a channel" ||
    fail "app unreachable through the hub but by a channel ($(cat "$T/app3.out"))"
check "bob logs the denial" grep -q "denied: app may not receive from that relay" \
    "$(node_log bob)"

ctl bob show relays > "$T/relays.out" 2>&1
check "show relays on bob: two client relays" \
    test "$(grep -c '^client' "$T/relays.out")" = 2
ctl hub show relays > "$T/hubrelays.out" 2>&1
check "show relays on the hub: FWD_ and forward_to_bob" \
    sh -c "grep -q '^hub .*FWD_' $T/hubrelays.out &&
    grep -q '^hub .*forward_to_bob' $T/hubrelays.out"
