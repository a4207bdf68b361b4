#!/bin/sh
# SPDX-License-Identifier: ISC
# A flood of first handshake messages (no credentials needed) against a
# secure channel listener, from one source and from many (connections
# from 127.0.0.1..127.0.0.32): a legitimate initiator still creates 20
# channels at once, and a burst of 63 messages sent right after create,
# while the responder's vault is busy, all come back (issue 9, items 1
# and 10).
. "$(dirname "$0")/lib.sh"

PR=$(free_port 22000)
FLOOD=$HELPERS/hsflood
SEND=$HELPERS/scsend
ROUTE=/ip4/127.0.0.1/tcp/$PR/service/bob_listener

mkdir -p "$T/bob" "$T/alice"
start_node bob "$TOP/etc/responder.conf" -D port="$PR" \
    -D vaultdir="$T/bob/vault" ||
    { fail "responder starts"; exit 0; }
start_node alice "$TOP/etc/initiator.conf" -D vaultdir="$T/alice/vault" ||
    { fail "initiator starts"; exit 0; }

# creates N: N channels from alice to bob at once; how many were made
creates() {
	i=0
	while [ "$i" -lt "$1" ]; do
		ctl alice secure-channel create "$ROUTE" > "$T/c.$i" 2>&1 &
		i=$((i + 1))
	done
	wait
	cat "$T"/c.* | grep -cE '^/service/[0-9a-f]{32}$'
	rm -f "$T"/c.*
}

# flood NCONN NADDR RATE SECONDS: message 1s in the background
flood() {
	"$FLOOD" "$PR" bob_listener "$@" > "$T/flood.out" 2>&1 &
	floodpid=$!
	sleep 1
}

# pending: bob's responder handshakes now
pending() { ctl bob show channels 2>&1 | grep -c 'responder *handshake'; }

# under DESC NCONN NADDR RATE MAX: 20 creates while NCONN connections
# from NADDR addresses flood; at most MAX handshakes pending meanwhile
under() {
	desc=$1 max=$5
	flood "$2" "$3" "$4" 5
	np=$(pending)
	t0=$(date +%s)
	n=$(creates 20)
	t1=$(date +%s)
	[ "$n" -eq 20 ] &&
	    ok "flood from $desc: 20 of 20 creates succeed ($((t1 - t0)) s)" ||
	    fail "flood from $desc: $n of 20 creates succeed"
	[ "$np" -le "$max" ] &&
	    ok "flood from $desc: at most $max handshakes pending ($np)" ||
	    fail "flood from $desc: at most $max handshakes pending ($np)"
}

under "one connection" 1 1 400 64
wait $floodpid
grep -q "^sent" "$T/flood.out" && grep -q \
    "pending handshakes evicted: handshakes-per-connection" "$(node_log bob)" &&
    ok "the flood's own handshakes were evicted, logged" ||
    fail "the flood's own handshakes were evicted ($(cat "$T/flood.out"))"
under "64 connections, 32 addresses" 64 32 1500 1024
grep -q "pending handshakes evicted: handshakes reached" "$(node_log bob)" &&
    ok "node-wide bound reached, the oldest evicted, logged" ||
    fail "node-wide bound reached, the oldest evicted, logged"

# A burst right after create while bob's vault is busy with 50 other
# handshakes: message 3 waits for the vault, and so do the 63 behind
# it.  Four rounds (the code before got about 15 of 63 back).
wait $floodpid
grep -q "^sent" "$T/flood.out" ||
    fail "the flood ran ($(cat "$T/flood.out"))"
bad=""
for r in 1 2 3 4; do
	i=0 pids=""
	while [ "$i" -lt 50 ]; do
		ctl alice secure-channel create "$ROUTE" > /dev/null 2>&1 &
		pids="$pids $!"
		i=$((i + 1))
	done
	out=$("$SEND" -c "$(node_sock alice)" "$ROUTE" 63 2>&1)
	wait $pids
	[ "$out" = "sent 63 received 63" ] || bad="$bad [$out]"
done
[ -z "$bad" ] &&
    ok "a burst of 63 right after create, vault busy: all 63 echo back, 4 times" ||
    fail "a burst of 63 right after create, vault busy:$bad"

# After it: nothing left over, and the node serves as before.
if wait_for 12 sh -c "[ \$($CTL -s $(node_sock bob) show channels | \
    grep -c 'responder *handshake') -eq 0 ]"; then
	ok "after the flood no handshake is left"
else fail "after the flood no handshake is left ($(pending))"; fi
alive "$(node_pid bob)" && ok "the responder is alive" ||
    fail "the responder is alive"
