#!/bin/sh
# SPDX-License-Identifier: ISC
# Peers that never read (issue 9, item 3): fifty of them send requests
# to an echoer through a listener and read none of the replies.  The
# node's memory stays within queue-bytes (tcpd's queues and routed's
# held messages each), another peer keeps its speed, and the peers
# that do not read are closed after paused-timeout.
. "$(dirname "$0")/lib.sh"

HOSTILE=$HELPERS/hostile
NPEERS=50
KIB=${HQ_KIB:-4096}		# requests sent by each (KiB)
BUDGET_MB=16
SLACK_MB=32			# 8 MiB towards the other process, buffers,
				# kept heap, the sanitizer's own

P=$(free_port 21000)
cat > "$T/b.conf" <<EOC
echoer "echoer"
listen on 127.0.0.1 port $P consumers { "echoer" }
EOC
[ "${HQ_LIMITS:-1}" = 1 ] && cat >> "$T/b.conf" <<EOC
limit queue-bytes ${BUDGET_MB}M
limit queue-high 256K
limit paused-timeout 5
EOC
# ASan keeps freed memory (its quarantine) resident: keep it small, so
# that VmRSS measures the node (other builds ignore the variable).
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=4 \
    start_node b "$T/b.conf" || { fail "node with an echoer starts"; exit 0; }
ROUTED_PID=$(node_pid b)
TCPD_PID=$(child_pid b ockam-tcpd)

rss() { awk '/^VmRSS/ { print int($2 / 1024) }' "/proc/$1/status"; }
fds() { ls "/proc/$1/fd" 2>/dev/null | wc -l; }

r0=$(rss "$ROUTED_PID") t0=$(rss "$TCPD_PID") f0=$(fds "$TCPD_PID")
"$HOSTILE" echo "$P" 50 > "$T/echo0" 2>&1 ||
    { fail "echo before the attack ($(cat "$T/echo0"))"; exit 0; }
ms0=$(sed -n 's/.*max \([0-9]*\) ms.*/\1/p' "$T/echo0")

# The attack, watched every 0.2 s; the other peer while it holds.
mkfifo "$T/hold"
"$HOSTILE" noread "$P" $NPEERS "$KIB" < "$T/hold" > "$T/noread" 2>&1 &
hpid=$!
exec 7> "$T/hold"
rmax=$r0 tmax=$t0 echoed=""
i=0
while [ $i -lt 40 ]; do
	r=$(rss "$ROUTED_PID") t=$(rss "$TCPD_PID")
	[ "${r:-0}" -gt "$rmax" ] && rmax=$r
	[ "${t:-0}" -gt "$tmax" ] && tmax=$t
	if [ -z "$echoed" ] && grep -q "^sent" "$T/noread"; then
		"$HOSTILE" echo "$P" 50 > "$T/echo1" 2>&1
		echoed=1
	fi
	sleep 0.2
	i=$((i + 1))
done
echo "# routed ${r0} -> ${rmax} MB, tcpd ${t0} -> ${tmax} MB (VmRSS)" \
    "with $NPEERS peers that do not read; $(cat "$T/noread" | head -n 1)"
[ -n "$echoed" ] && echo "# another peer: before $(cat "$T/echo0"); during $(cat "$T/echo1")"

[ $((rmax - r0)) -le $((BUDGET_MB + SLACK_MB)) ] &&
    ok "routed holds at most queue-bytes (+$((rmax - r0)) MB)" ||
    fail "routed holds at most queue-bytes (+$((rmax - r0)) MB)"
[ $((tmax - t0)) -le $((BUDGET_MB + SLACK_MB)) ] &&
    ok "tcpd queues at most queue-bytes (+$((tmax - t0)) MB)" ||
    fail "tcpd queues at most queue-bytes (+$((tmax - t0)) MB)"
ms1=$(sed -n 's/.*max \([0-9]*\) ms.*/\1/p' "$T/echo1" 2>/dev/null)
if grep -q "^echoed 50 of 50" "$T/echo1" 2>/dev/null &&
    [ "${ms1:-9999}" -le 2000 ]; then
	# Served, none starved: speed itself is for make bench to measure.
	ok "another peer is served throughout (max ${ms0} ms before, ${ms1} ms during)"
else fail "another peer is served throughout ($(cat "$T/echo1" 2>/dev/null))"; fi

# paused-timeout: every peer that does not read is closed.
if wait_for 10 sh -c "grep -q 'paused-timeout: closed' '$(node_log b)' &&
    [ \$(ls /proc/$TCPD_PID/fd | wc -l) -le $((f0 + 2)) ]"; then
	ok "paused-timeout closes the peers that do not read"
else fail "paused-timeout closes the peers that do not read ($(fds "$TCPD_PID") descriptors, $f0 before)"; fi
n=$(grep -c "paused-timeout: closed" "$(node_log b)")
[ "$n" -le 6 ] && ok "logged at most once a second ($n lines)" ||
    fail "logged at most once a second ($n lines)"
"$HOSTILE" echo "$P" 10 > "$T/echo2" 2>&1 &&
    ok "the node serves after it" || fail "the node serves after it"
exec 7>&-
kill "$hpid" 2>/dev/null; wait "$hpid" 2>/dev/null
stop_node b
