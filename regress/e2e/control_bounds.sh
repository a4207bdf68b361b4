#!/bin/sh
# SPDX-License-Identifier: ISC
# Hostile control clients: one that floods requests and never reads its
# replies, a crowd of idle ones, one that stays idle; and a member of the
# socket's group by a supplementary group only.  Others keep being served.
. "$(dirname "$0")/lib.sh"

HOG=$HELPERS/ctlhog
ROUTE=/service/h1/service/h2/service/h3/service/echoer
cat > "$T/n.conf" <<EOC
echoer "echoer"
hop { "h1" "h2" "h3" }
vault directory "$T/vault"
identity "alice"
limit control-idle-timeout 3
EOC
start_node n1 "$T/n.conf" || { fail "node starts"; exit 0; }
S=$(node_sock n1)

serving() {
	[ "$(timeout 10 "$CTL" -s "$S" message send "$ROUTE" "$1" 2>&1)" = \
	    "$1" ]
}
rss() { awk '/^VmRSS/ { print $2 }' "/proc/$(node_pid n1)/status"; }

# A client that sends `show workers' for 3 seconds and reads nothing:
# its requests stop being read once 4 MiB wait for it.
rss0=$(rss)
"$HOG" -f "$S" 3 > "$T/flood.out" 2>&1 &
hog=$!
sleep 2
t0=$(date +%s%N)
timeout 10 "$CTL" -s "$S" show workers > "$T/workers" 2>&1
t1=$(date +%s%N)
ms=$(( (t1 - t0) / 1000000 ))
grep -q "echoer" "$T/workers" &&
    ok "during the flood, another client's show workers ($ms ms)" ||
    fail "during the flood, another client's show workers ($(cat "$T/workers"))"
wait $hog
rss1=$(rss)
echo "# routed RSS ${rss0} kB before the flood, ${rss1} kB after;" \
    "$(head -1 "$T/flood.out")"
[ $(( rss1 - rss0 )) -lt 65536 ] &&
    ok "routed grows by less than 64 MiB ($(( (rss1 - rss0) / 1024 )) MiB)" ||
    fail "routed grows by less than 64 MiB ($(( (rss1 - rss0) / 1024 )) MiB)"
serving flood && ok "after the flood: serving" ||
    fail "after the flood: serving"
n=$(grep -c "not reading its replies" "$(node_log n1)")
[ "$n" -ge 1 ] && [ "$n" -le 8 ] && ok "the flood is logged, $n lines" ||
    fail "the flood is logged, $n lines"

# An app worker's client waits for its messages: not idle, and not the
# first to make room either.
"$HELPERS/sinkworker" "$S" sink > "$T/sink.out" 2>&1 &
sink=$!
wait_for 5 grep -q ready "$T/sink.out"
# 70 idle clients, more than the 64 slots: a newcomer still gets in.
mkfifo "$T/hold"
"$HOG" -i "$S" 70 < "$T/hold" > "$T/idle.out" 2>&1 &
hog=$!
exec 7> "$T/hold"
wait_for 5 grep -q ready "$T/idle.out"
# Meanwhile a handshake with nobody (the sink never answers) that may
# take 5 s, longer than the idle timeout: its client waits, not idle.
timeout 15 "$CTL" -s "$S" secure-channel create -t 5 /service/sink \
    > "$T/sc.out" 2>&1 &
sc=$!
serving crowd && ok "70 idle clients: a new client is served" ||
    fail "70 idle clients: a new client is served"
grep -q "all client slots taken" "$(node_log n1)" &&
    ok "the longest idle made room, logged" ||
    fail "the longest idle made room, logged"
# ... and past control-idle-timeout (3 s here) every one of them is gone.
sleep 5
exec 7>&-
wait $hog
wait $sc
grep -q "abandoned after 5 s" "$T/sc.out" &&
    ok "a client waiting 5 s for a handshake is not idle" ||
    fail "a client waiting 5 s for a handshake is not idle ($(cat "$T/sc.out"))"
grep -q "^70 closed by the node" "$T/idle.out" &&
    ok "idle clients closed after the idle timeout" ||
    fail "idle clients closed after the idle timeout ($(cat "$T/idle.out"))"
grep -q "closed an idle client" "$(node_log n1)" &&
    ok "idle timeout logged" || fail "idle timeout logged"
n=$(grep -c "control: closed an idle client" "$(node_log n1)")
[ "$n" -le 10 ] && ok "70 closed clients, $n log lines" ||
    fail "70 closed clients, $n log lines"
if kill -0 $sink 2>/dev/null &&
    [ "$(timeout 5 "$CTL" -s "$S" show workers | grep -c sink)" = 1 ]; then
	ok "a client with an app worker outlives the idle timeout"
else fail "a client with an app worker outlives the idle timeout"; fi
kill $sink 2>/dev/null; wait $sink 2>/dev/null
stop_node n1

# Six flooding clients under a node-wide mark far below what their own
# marks would let them hold together (6 x 16 MiB, and 4 times that).
cat > "$T/q.conf" <<EOC
echoer "echoer"
limit control-queue 16M
limit control-queue-total 1M
EOC
start_node q "$T/q.conf" || fail "node with control-queue-total starts"
S=$(node_sock q)
q0=$(awk '/^VmRSS/ { print $2 }' "/proc/$(node_pid q)/status")
hogs=""
for i in 1 2 3 4 5 6; do
	"$HOG" -f "$S" 3 > "$T/qflood.$i" 2>&1 &
	hogs="$hogs $!"
done
sleep 2
timeout 10 "$CTL" -s "$S" show workers 2>&1 | grep -q echoer &&
    ok "six floods under control-queue-total: another client served" ||
    fail "six floods under control-queue-total: another client served"
wait $hogs
q1=$(awk '/^VmRSS/ { print $2 }' "/proc/$(node_pid q)/status")
[ $(( q1 - q0 )) -lt 40960 ] &&
    ok "six floods: routed grows by less than 40 MiB ($(( (q1 - q0) / 1024 )) MiB)" ||
    fail "six floods: routed grows by less than 40 MiB ($(( (q1 - q0) / 1024 )) MiB)"
stop_node q

# A member of the socket's group through a supplementary group only.
if is_root && command -v setpriv >/dev/null 2>&1 &&
    command -v groupadd >/dev/null 2>&1; then
	G=ockh4$$
	if groupadd "$G" 2>/dev/null; then
		gid=$(getent group "$G" | cut -d: -f3)
		cat > "$T/g.conf" <<EOC
control socket "$T/g/ockam.sock" mode 0660 group "$G"
echoer "echoer"
EOC
		mkdir -p "$T/g"
		start_node g "$T/g.conf" || fail "node with a group starts"
		out=$(setpriv --reuid 65534 --regid 65534 --groups "$gid" \
		    "$CTL" -s "$T/g/ockam.sock" show workers 2>&1)
		echo "$out" | grep -q echoer &&
		    ok "supplementary member of the socket's group admitted" ||
		    fail "supplementary member of the group admitted ($out)"
		out=$(setpriv --reuid 65534 --regid "$gid" --clear-groups \
		    "$CTL" -s "$T/g/ockam.sock" show workers 2>&1)
		echo "$out" | grep -q echoer &&
		    ok "primary member of the socket's group admitted" ||
		    fail "primary member of the socket's group admitted ($out)"
		chmod 0777 "$T/g/ockam.sock"
		out=$(setpriv --reuid 65534 --regid 65534 --groups 100 \
		    "$CTL" -s "$T/g/ockam.sock" show workers 2>&1); rc=$?
		chmod 0660 "$T/g/ockam.sock"
		[ $rc -ne 0 ] && grep -q "control: refused: uid 65534" \
		    "$(node_log g)" &&
		    ok "not a member: refused" ||
		    fail "not a member: refused ($out)"
		stop_node g
		groupdel "$G"
	else skip "groupadd failed"; fi
else
	skip "group membership needs root, setpriv and groupadd"
fi
