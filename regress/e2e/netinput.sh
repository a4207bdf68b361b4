#!/bin/sh
# SPDX-License-Identifier: ISC
# Bad input on a whole node's TCP listener: every kind of broken frame
# and a crowd of abandoned connections, and the node still serves.
# (ockam-tcpd alone is tested in depth by tcpd.sh.)
. "$(dirname "$0")/lib.sh"

if ! command -v bash >/dev/null 2>&1; then
	skip "bash is needed for /dev/tcp"
	exit 0
fi
P=$(free_port 29000)
cat > "$T/b.conf" <<EOC
echoer "echoer"
listen on 127.0.0.1 port $P consumers { "echoer" }
EOC
printf '' > "$T/a.conf"
start_node b "$T/b.conf" || { fail "node with a listener starts"; exit 0; }
start_node a "$T/a.conf" || { fail "second node starts"; exit 0; }

serves() {
	[ "$(ctl a message send -t 5 "/ip4/127.0.0.1/tcp/$P/service/echoer" \
	    "$1" 2>&1)" = "$1" ]
}
serves first && ok "a node reaches the echoer over TCP" ||
    fail "a node reaches the echoer over TCP"

# send HEX...: one connection, these bytes, then close
send() {
	bash -c 'exec 3<>/dev/tcp/127.0.0.1/'"$P"' || exit 1
	for h in "$@"; do printf "$h" >&3; done
	sleep 0.2; exec 3>&-' sh "$@" 2>/dev/null
}
# frame: 00 1e 01 01 00 06 "echoer" 01 00 03 "app" 0d 0c "Hello Ockam!"
good='\x00\x1e\x01\x01\x00\x06echoer\x01\x00\x03app\x0d\x0cHello Ockam!'
send '\x00\x1e\x01\x01\x00\x06ech'
send '\xff\xff\x01\x01'
send '\x00\x05\x02\x00\x00\x00\x00'
send '\x00\x06\x01\xff\xff\xff\xff\xff'
send '\x00\x04\x01\x00\x00\x00'
send '\x00\x00'
r=""; i=0
while [ $i -lt 40 ]; do r="$r\\x00\\x01a"; i=$((i + 1)); done
send "\\x00\\x7c\\x01\\x28$r\\x00\\x00"
send "$good" "$good"
serves second && ok "after truncated, oversized, bad-version, bad-varint frames: serving" ||
    fail "after bad frames: serving"
# Logged by cause, a line a second at most: "CAUSE: detail" for one,
# "CAUSE: N times in ..." for more.
events() {
	grep -o "tcpd: $1: [0-9]* times in\|tcpd: $1: " "$(node_log b)" |
	    awk '/times in$/ { n += $(NF - 2); next } { n++ } END { print n + 0 }'
}
bad="bad frame, connection closed" cut="frame cut short, connection closed"
if wait_for 3 sh -c "[ \$(grep -c '$bad\|$cut' '$(node_log b)') -ge 2 ]" &&
    sleep 1.2 && [ "$(events "$bad")" -ge 4 ] && [ "$(events "$cut")" -ge 2 ]
then
	ok "each bad frame closed its connection, logged ($(events "$bad") bad, $(events "$cut") cut)"
else fail "bad frames logged ($(events "$bad") bad, $(events "$cut") cut)"; fi

# 300 connections opened and abandoned at once.
bash -c 'for i in $(seq 300); do exec {fd}<>/dev/tcp/127.0.0.1/'"$P"' ||
    break; done; sleep 1' 2>/dev/null
serves third && ok "after 300 abandoned connections: serving" ||
    fail "after 300 abandoned connections: serving"
n=$(ls /proc/$(child_pid b ockam-tcpd)/fd 2>/dev/null | wc -l)
[ "$n" -lt 64 ] && ok "the transport let go of them ($n descriptors)" ||
    fail "the transport let go of them ($n descriptors)"
# A second node on the same port: a clear error, nothing left behind.
mkdir -p "$T/second"
if is_root && have_user; then chown "$NODE_USER" "$T/second"; fi
out=$(timeout 10 "$ROUTED" -d -f "$T/b.conf" -s "$T/second/ockam.sock" 2>&1)
rc=$?
if [ $rc -eq 1 ] && echo "$out" | grep -q "cannot listen on 127.0.0.1:$P" &&
    [ ! -e "$T/second/ockam.sock" ]; then
	ok "a port in use: the second node says so and stops cleanly"
else fail "a port in use ($rc: $out)"; fi
serves fourth && ok "the first node is not disturbed" ||
    fail "the first node is not disturbed"
for n in a b; do stop_node $n; done
