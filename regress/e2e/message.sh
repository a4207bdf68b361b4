#!/bin/sh
# SPDX-License-Identifier: ISC
# ockamctl message receive and message send --no-reply: a shell user
# takes the messages that come to an address, and sends without
# waiting for a reply.
. "$(dirname "$0")/lib.sh"

if ! start_node n1 "$TOP/etc/many-hops.conf"; then
	fail "node starts"
	exit 0
fi

# receive NAME ARGS...: ctl n1 message receive in the background, its
# output in $T/NAME.out, its exit status in $T/NAME.rc
receive() {
	out=$T/$1; shift
	( ctl n1 message receive "$@" >"$out.out" 2>"$out.err"
	  echo $? > "$out.rc.tmp"; mv "$out.rc.tmp" "$out.rc" ) &
}
# registered ADDR: the node lists an app worker at ADDR
registered() { ctl n1 show workers | grep -q "^$1 *app "; }

receive two -c 2 -t 5 inbox
wait_for 5 registered inbox || fail "receive registers inbox"
for i in 1 2; do
	out=$(ctl n1 message send --no-reply /service/inbox 'Hello Ockam!' \
	    2>&1); rc=$?
	[ $rc -eq 0 ] && [ -z "$out" ] && ok "send --no-reply $i: exit 0" ||
	    fail "send --no-reply $i: exit 0 (rc $rc: $out)"
done
wait_for 5 test -s "$T/two.rc"
if [ "$(cat "$T/two.rc")" = 0 ] &&
    [ "$(cat "$T/two.out")" = "$(printf 'Hello Ockam!\nHello Ockam!')" ]
then ok "receive -c 2: both messages printed, exit 0"
else fail "receive -c 2: both printed, exit 0 (rc $(cat "$T/two.rc"):" \
    "$(cat "$T/two.out" "$T/two.err"))"; fi
wait_for 5 sh -c "! $CTL -s $(node_sock n1) show workers | grep -q '^inbox '"
check "receive: inbox is gone once it exits" \
    sh -c "! $CTL -s $(node_sock n1) show workers | grep -q '^inbox '"

# Printed as each comes: the first is out before the second is sent.
receive live -c 2 -t 10 live
wait_for 5 registered live
ctl n1 message send -n /service/live 'first' >/dev/null 2>&1
if wait_for 5 grep -q '^first$' "$T/live.out"; then
	ok "receive prints a message as it comes (flushed)"
else fail "receive prints a message as it comes (flushed)"; fi
ctl n1 message send -n /service/live 'second' >/dev/null 2>&1
wait_for 5 test -s "$T/live.rc"
[ "$(cat "$T/live.rc")" = 0 ] && ok "receive -c 2: exits after the second" ||
    fail "receive -c 2: exits after the second"

# -x: hex, whatever the payload; a payload that is not a string is
# printed in hex anyway.
receive hex -c 2 -t 5 -x hexbox
wait_for 5 registered hexbox
ctl n1 message send -n /service/hexbox 'Hi' >/dev/null 2>&1
ctl n1 message send -n -x /service/hexbox 00ff7f >/dev/null 2>&1
wait_for 5 test -s "$T/hex.rc"
if [ "$(cat "$T/hex.out")" = "$(printf '024869\n00ff7f')" ]; then
	ok "receive -x prints hex"
else fail "receive -x prints hex (got: $(cat "$T/hex.out"))"; fi
receive raw -c 1 -t 5 rawbox
wait_for 5 registered rawbox
ctl n1 message send -n -x /service/rawbox 00ff7f >/dev/null 2>&1
wait_for 5 test -s "$T/raw.rc"
if [ "$(cat "$T/raw.out")" = 00ff7f ] &&
    grep -q 'not a string' "$T/raw.err"
then ok "receive: a payload that is not a string comes out in hex"
else fail "receive: not a string in hex (got: $(cat "$T/raw.out"))"; fi

# Text from the network never reaches the terminal as control bytes.
receive esc -c 1 -t 5 escbox
wait_for 5 registered escbox
ctl n1 message send -n -x /service/escbox 061b5b324a0a41 >/dev/null 2>&1
wait_for 5 test -s "$T/esc.rc"
if [ "$(cat "$T/esc.out")" = '\033[2J\nA' ]; then
	ok "receive: control bytes are printed escaped"
else fail "receive: control bytes escaped (got: $(cat "$T/esc.out"))"; fi

# Nothing within -t: the timeout exit status, 2.
out=$(ctl n1 message receive -t 1 quiet 2>&1); rc=$?
if [ $rc -eq 2 ] && echo "$out" | grep -q 'nothing came to quiet'; then
	ok "receive -t 1 with nothing: exit 2, says so"
else fail "receive -t 1 with nothing: exit 2 (rc $rc: $out)"; fi

# Only as many as -c: the third stays for no one.
receive one -c 1 -t 5 onebox
wait_for 5 registered onebox
ctl n1 message send -n /service/onebox 'a' >/dev/null 2>&1
wait_for 5 test -s "$T/one.rc"
[ "$(cat "$T/one.out")" = a ] && [ "$(cat "$T/one.rc")" = 0 ] &&
    ok "receive -c 1: one message, exit 0" ||
    fail "receive -c 1: one message, exit 0"

# A name already taken: a clear error, exit 1.
out=$(ctl n1 message receive -t 1 echoer 2>&1); rc=$?
if [ $rc -eq 1 ] && echo "$out" | grep -q 'cannot register a worker at echoer'
then ok "receive at a taken address: clear error, exit 1"
else fail "receive at a taken address: clear error (rc $rc: $out)"; fi
receive held -t 5 heldbox
wait_for 5 registered heldbox
out=$(ctl n1 message receive -t 1 heldbox 2>&1); rc=$?
if [ $rc -eq 1 ] && echo "$out" | grep -q 'heldbox'; then
	ok "receive at an address another receive holds: refused"
else fail "receive at an address another holds: refused (rc $rc: $out)"; fi

# --no-reply where the node cannot take it: an error, not exit 0.
out=$(ctl n1 message send --no-reply /service/nosuch 'x' 2>&1); rc=$?
if [ $rc -eq 1 ] && echo "$out" | grep -q 'no worker at address "nosuch"'
then ok "send --no-reply to no worker: clear error, exit 1"
else fail "send --no-reply to no worker: error (rc $rc: $out)"; fi

# The echoer's reply is not waited for: it comes back to a worker that
# goes away, and is dropped there; the node keeps serving.
out=$(ctl n1 message send -n /service/echoer 'x' 2>&1); rc=$?
[ $rc -eq 0 ] && ok "send --no-reply to the echoer: exit 0" ||
    fail "send --no-reply to the echoer: exit 0 (rc $rc: $out)"
out=$(ctl n1 message send /service/echoer 'still here' 2>&1)
[ "$out" = "still here" ] && ok "node still serving" ||
    fail "node still serving (got: $out)"

# Usage errors.
check "receive without an address: usage, exit 64" \
    sh -c "$CTL -s $(node_sock n1) message receive; [ \$? -eq 64 ]"
check "receive -c 0: refused" \
    sh -c "! $CTL -s $(node_sock n1) message receive -c 0 x"
check "message with no verb: usage" \
    sh -c "! $CTL -s $(node_sock n1) message"

# The receiver that held heldbox gives up after its 5 seconds.
wait_for 8 test -s "$T/held.rc"
[ "$(cat "$T/held.rc" 2>/dev/null)" = 2 ] &&
    ok "receive -t 5 with nothing: exit 2" ||
    fail "receive -t 5 with nothing: exit 2"

# The guide's shape over TCP: Bob's app, a consumer of his secure
# channel listener only, takes what Alice sends through a channel, and
# nothing that comes to it outside one.
PR=$(free_port 28600)
sed 's/consumers { "echoer" }/consumers { "echoer" "app" }/' \
    "$TOP/etc/responder.conf" > "$T/responder.conf"
mkdir -p "$T/bob" "$T/alice"
if start_node bob "$T/responder.conf" -D port="$PR" \
    -D vaultdir="$T/bob/vault" &&
    start_node alice "$TOP/etc/initiator.conf" -D vaultdir="$T/alice/vault"
then
	( ctl bob message receive -c 2 -t 4 app >"$T/app.out" 2>&1
	  echo $? > "$T/app.rc.tmp"; mv "$T/app.rc.tmp" "$T/app.rc" ) &
	wait_for 5 sh -c "$CTL -s $(node_sock bob) show workers |
	    grep -q '^app *app '"
	ctl alice message send -n "/ip4/127.0.0.1/tcp/$PR/service/app" \
	    'outside' >/dev/null 2>&1
	ch=$(ctl alice secure-channel create \
	    "/ip4/127.0.0.1/tcp/$PR/service/bob_listener" 2>&1)
	out=$(ctl alice message send --no-reply "$ch/service/app" \
	    'Hello Ockam!' 2>&1); rc=$?
	[ $rc -eq 0 ] && ok "send --no-reply through a channel: exit 0" ||
	    fail "send --no-reply through a channel (rc $rc: $ch: $out)"
	wait_for 8 test -s "$T/app.rc"
	if [ "$(cat "$T/app.out")" = 'Hello Ockam!' ] &&
	    [ "$(cat "$T/app.rc")" = 0 ]; then
		ok "receive on Bob: Hello Ockam! through the channel only"
	else fail "receive on Bob: through the channel only" \
	    "(rc $(cat "$T/app.rc" 2>/dev/null): $(cat "$T/app.out"))"; fi
	check "Bob's node denied the message outside the channel" \
	    grep -q 'denied: app may not receive' "$(node_log bob)"
else
	fail "bob and alice start"
fi
