#!/bin/sh
# SPDX-License-Identifier: ISC
# Bad input on the control socket: every malformed request gets an
# error, and the node keeps serving everyone else.
. "$(dirname "$0")/lib.sh"

CONF=$TOP/etc/many-hops.conf
POKE=$HELPERS/ctlpoke
ROUTE=/service/h1/service/h2/service/h3/service/echoer

# le32 N: N as 4 little-endian bytes in hex
le32() {
	h=$(printf '%08x' "$1")
	echo "$h" | sed 's/\(..\)\(..\)\(..\)\(..\)/\4\3\2\1/'
}
# hdr TYPE PAYLOADLEN REQID: an imsg header
hdr() { echo "$(le32 "$1")$(le32 $(( $2 + 16 )))$(le32 "$3")$(le32 0)"; }

# Request types (lib/ctl.h)
CTL_SEND=3
CTL_WORKER_ADD=5
CTL_SHOW_WORKERS=7

start_node n1 "$CONF" || { fail "node starts"; exit 0; }
S=$(node_sock n1)

serving() {
	[ "$(ctl n1 message send "$ROUTE" 'still here' 2>&1)" = "still here" ]
}

expect() {
	desc=$1 pattern=$2 out=$3
	if echo "$out" | grep -q "$pattern"; then ok "$desc"
	else fail "$desc (got: $(echo $out))"; fi
	if serving; then ok "$desc: node still serving"
	else fail "$desc: node still serving"; fi
}

out=$("$POKE" "$S" deadbeefdeadbeefdeadbeefdeadbeef00)
expect "garbage: error reply, connection closed" \
    "RESULT 3 malformed or oversized request" "$out"
echo "$out" | grep -q EOF && ok "garbage: connection closed" ||
    fail "garbage: connection closed"

out=$("$POKE" "$S" "$(hdr $CTL_SEND 1048576 1)")
expect "header announcing 1 MiB: refused" "RESULT 3 malformed or oversized" \
    "$out"

out=$("$POKE" "$S" big:200000)
expect "200 kB of junk: refused" "RESULT 3 malformed or oversized" "$out"

out=$("$POKE" "$S" "$(hdr 153 0 7)" "$(hdr $CTL_SHOW_WORKERS 0 8)")
expect "unknown request type: error" "RESULT 3 unknown request type 153" \
    "$out"
echo "$out" | grep -q '^END' && ok "unknown type: same connection goes on" ||
    fail "unknown type: same connection goes on"

out=$("$POKE" "$S" "$(hdr $CTL_SEND 0 1)")
expect "send with no payload: error" "RESULT 3 malformed send request" "$out"

# flags 0, then a TransportMessage cut short
out=$("$POKE" "$S" "$(hdr $CTL_SEND 8 1)0000000001010006")
expect "truncated message: error names it" \
    "RESULT 3 malformed message: truncated" "$out"

# version 2 is not ours
out=$("$POKE" "$S" "$(hdr $CTL_SEND 14 1)00000000020100066563686f6500")
expect "unknown wire version: error" "unsupported version" "$out"

# 40 addresses in the onward route
r=""
i=0
while [ $i -lt 40 ]; do r="${r}00026831"; i=$((i + 1)); done
out=$("$POKE" "$S" "$(hdr $CTL_SEND $((4 + 1 + 1 + 160 + 1 + 1)) 1)0000000001$(printf '%02x' 40)${r}0000")
expect "route of 40 addresses: error" "route too long" "$out"

# worker names
out=$("$POKE" "$S" "$(hdr $CTL_WORKER_ADD 4 1)03612062")
expect "worker name with a space: refused" "RESULT 1 invalid worker address" \
    "$out"
out=$("$POKE" "$S" "$(hdr $CTL_WORKER_ADD 7 1)06656368" "6f6572")
expect "worker name in use: refused" "RESULT 1 address \"echoer\" is already" \
    "$out"
out=$("$POKE" "$S" "$(hdr $CTL_WORKER_ADD 5 1)0a61626364")
expect "worker name length beyond its data: refused" "RESULT 3 malformed" \
    "$out"

# A client that leaves in the middle of a request.
"$POKE" -c "$S" "$(hdr $CTL_SEND 100 1)000000000101"
if wait_for 2 grep -q "left in the middle of a request" "$(node_log n1)"
then ok "client gone mid-request: logged"
else fail "client gone mid-request: logged"; fi
serving && ok "client gone mid-request: node still serving" ||
    fail "client gone mid-request: node still serving"

# Many clients at once, all served.
i=0
pids=""
while [ $i -lt 20 ]; do
	ctl n1 message send "$ROUTE" "client $i" > "$T/c$i.out" 2>&1 &
	pids="$pids $!"
	i=$((i + 1))
done
wait $pids
i=0
good=0
while [ $i -lt 20 ]; do
	[ "$(cat "$T/c$i.out")" = "client $i" ] && good=$((good + 1))
	i=$((i + 1))
done
[ $good -eq 20 ] && ok "20 concurrent clients each get their own reply" ||
    fail "20 concurrent clients each get their own reply ($good)"

# A client that never reads: routed queues at most 4 MiB for it
# (control-queue), drops the rest (logged), and does not grow.
"$HELPERS/scsend" -n "$S" /service/echoer 2000 > "$T/lazy.out" 2>&1 &
lazy=$!
if wait_for 10 grep -q "is not reading" "$(node_log n1)"; then
	ok "a client that does not read: its replies are dropped, logged"
else fail "a client that does not read: its replies are dropped, logged"; fi
rss=$(awk '/^VmRSS/ { print $2 }' "/proc/$(node_pid n1)/status")
[ "$rss" -lt 131072 ] && ok "routed stays small meanwhile (${rss} kB)" ||
    fail "routed stays small meanwhile (${rss} kB)"
serving && ok "the node serves others meanwhile" ||
    fail "the node serves others meanwhile"
kill $lazy 2>/dev/null; wait $lazy 2>/dev/null

# Not allowed: a uid that is neither root, the owner nor in the group.
if is_root && command -v setpriv >/dev/null 2>&1; then
	chmod 0777 "$S"	# past the file mode, to reach routed's own check
	out=$(setpriv --reuid 65534 --regid 65534 --clear-groups \
	    "$CTL" -s "$S" show workers 2>&1); rc=$?
	chmod 0660 "$S"
	if [ $rc -ne 0 ] && grep -q "control: refused: uid 65534" \
	    "$(node_log n1)"; then
		ok "control: other users refused by credentials"
	else fail "control: other users refused by credentials (rc $rc)"; fi
else
	skip "credential check needs root and setpriv"
fi

# The socket's mode, as configured.
m=$(stat -c %a "$S")
[ "$m" = 660 ] && ok "control socket mode 0660" ||
    fail "control socket mode 0660 ($m)"

serving && ok "after all that, the node still serves" ||
    fail "after all that, the node still serves"
stop_node n1
