#!/bin/sh
# SPDX-License-Identifier: ISC
# Logs under attack (issue 9, item 7): a flood of 9-byte junk frames
# writes a bounded number of lines at the default level (one
# aggregated line a second per cause, every drop only at debug), the
# node serves meanwhile, and a TCP address from the network with a
# newline in it cannot forge a log line.
. "$(dirname "$0")/lib.sh"

P=$(free_port 26400)
cat > "$T/b.conf" <<EOC
echoer "echoer"
hop { "h1" }
listen on 127.0.0.1 port $P consumers { "echoer" "h1" }
EOC
printf '' > "$T/a.conf"
start_node b "$T/b.conf" || { fail "node with a listener starts"; exit 0; }
start_node a "$T/a.conf" || { fail "second node starts"; exit 0; }
LOG=$(node_log b)

ctl b log brief > /dev/null
ctl a message send "/ip4/127.0.0.1/tcp/$P/service/echoer" before > /dev/null
n0=$(wc -l < "$LOG")
"$HELPERS/rawpeer" junk "$P" 3000 > "$T/junk.out" 2>&1 &
jpid=$!
sleep 1
# A peer already connected, and a new one (which waits 1 s for its echo).
"$HELPERS/rawpeer" from 0 "$P" 1000 echoer > "$T/new.out" 2>&1 &
npid=$!
t0=$(date +%s%N)
out=$(ctl a message send -t 5 "/ip4/127.0.0.1/tcp/$P/service/echoer" during \
    2>&1)
t1=$(date +%s%N)
wait $npid $jpid
sleep 1.5
n=$(( $(wc -l < "$LOG") - n0 ))
echo "# $(cat "$T/junk.out") in 3 s: $n log lines"
ms=$(( (t1 - t0) / 1000000 ))
# Served while the flood goes on (it has 2 s to go), not after it.
[ "$out" = during ] && [ "$ms" -lt 1500 ] &&
    ok "the echoer serves during a junk-frame flood ($ms ms)" ||
    fail "the echoer serves during a junk-frame flood ($out, $ms ms)"
grep -q "received [1-9]" "$T/new.out" &&
    ok "a new connection is served during the flood" ||
    fail "a new connection is served during the flood ($(cat "$T/new.out"))"
[ "$n" -le 40 ] && ok "3 s of junk frames: $n log lines at the default level" ||
    fail "3 s of junk frames: $n log lines at the default level"
grep -q 'dropped messages: [0-9]* times in [0-9]*s, [0-9]* in all (last: to /se' \
    "$LOG" &&
    ok "the drops are counted, one line a second" ||
    fail "the drops are counted, one line a second"

# 300 messages through the hop to 300 ports where nothing listens: the
# failed connections and the lost messages are counted, not each logged.
n0=$(wc -l < "$LOG")
"$HELPERS/rawpeer" dials "$P" 300 h1
sleep 1.5
n=$(( $(wc -l < "$LOG") - n0 ))
nt=$(grep -c "tcpd: cannot connect: .* in all" "$LOG")
nr=$(grep -c "routed: undeliverable: .* in all" "$LOG")
[ "$n" -le 20 ] && [ "$nt" -ge 1 ] && [ "$nr" -ge 1 ] &&
    ok "300 failed dials: $n log lines, counted" ||
    fail "300 failed dials: $n log lines ($nt, $nr counted)"

# A route through the hop to a TCP address with a newline and a fake
# line in it, which cannot be dialled.  Every level is on.
ctl b log verbose > /dev/null
"$HELPERS/rawpeer" from 0 "$P" 500 h1 \
    "$(printf '9.9.9.9:9\nrouted: FORGED by a peer')" > /dev/null 2>&1
wait_for 3 grep -q 'FORGED' "$LOG"
if grep -q '^routed: FORGED' "$LOG"; then
	fail "a crafted address forges a log line"
elif grep -qF 'cannot reach 9.9.9.9:9\nrouted: FORGED by a peer' "$LOG"; then
	ok "a crafted address is logged escaped, no forged line"
else fail "a crafted address: not logged ($(grep FORGED "$LOG"))"; fi
for n in a b; do stop_node $n; done
