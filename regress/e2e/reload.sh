#!/bin/sh
# SPDX-License-Identifier: ISC
# Reload (issue 14, item 3): SIGHUP and ockamctl reload read the
# configuration again and apply the difference, all or nothing.  A
# channel carrying echo traffic survives a reload that adds a worker
# and a listener; a consumer or trust removed takes effect (a listener's
# trust, and an initiator's); a listener
# removed closes its connections; a broken configuration, a change that
# needs a restart and a new listener on a "listen static" node are
# refused, and the node keeps serving on the old configuration.
. "$(dirname "$0")/lib.sh"

PB=$(free_port 23400)
PB2=$(free_port $((PB + 1)))
OTHER=I1111111111111111111111111111111111111111111111111111111111111111
C=$T/conf
mkdir -p "$C" "$T/bob" "$T/alice"
chmod 755 "$C"

# bobconf CONSUMERS [TRUST] [EXTRA]: bob's configuration
bobconf() {
	cat > "$C/bob.conf.new" <<EOF
vault directory \$vaultdir
identity "bob"
echoer "echoer"
listen on 127.0.0.1 port $PB consumers { "bob_listener" }
secure-channel listener "bob_listener" identity "bob" \\
    trust ${2:-everyone} consumers { $1 }
$3
EOF
	chmod 644 "$C/bob.conf.new"
	mv "$C/bob.conf.new" "$C/bob.conf"
}
bobconf '"echoer"'
grep -v '^secure-channel pin' "$TOP/etc/initiator.conf" > "$C/alice.conf"
chmod 644 "$C/alice.conf"
start_node bob "$C/bob.conf" -D vaultdir="$T/bob/vault" ||
    { fail "bob starts"; exit 0; }
start_node alice "$C/alice.conf" -D vaultdir="$T/alice/vault" ||
    { fail "alice starts"; exit 0; }
bobid=$(ctl bob identity show bob | awk '{ print $2 }')
ch=$(ctl alice secure-channel create -T "$bobid" \
    "/ip4/127.0.0.1/tcp/$PB/service/bob_listener" 2>&1)

# echo_ok CHANNEL WORKER: hello through the channel to bob's worker
echo_ok() {
	[ "$(ctl alice message send -t "${3:-3}" "$1/service/$2" hello \
	    2>&1)" = hello ]
}
echo_ok "$ch" echoer && ok "a channel to bob echoes" ||
    fail "a channel to bob echoes ($ch)"

# 1. Under traffic: a worker and a listener added, the channel stays.
( i=0; while [ $i -lt 20 ]; do
	echo_ok "$ch" echoer && echo good || echo bad
	i=$((i + 1))
done > "$T/traffic" ) &
traffic=$!
wait_for 10 grep -q good "$T/traffic"
bobconf '"echoer" "echo2"' everyone "echoer \"echo2\"
listen on 127.0.0.1 port $PB2 consumers { \"bob_listener\" }"
out=$(ctl bob reload 2>&1); st=$?
wait $traffic
if [ $st -eq 0 ] && echo "$out" | grep -q "^reloaded: workers +1 -0" &&
    echo "$out" | grep -q "listeners +1 -0"; then
	ok "reload adds a worker and a listener ($out)"
else fail "reload adds a worker and a listener ($st: $out)"; fi
[ "$(grep -c good "$T/traffic")" -eq 20 ] &&
    ok "20 echoes through the channel during the reload, none lost" ||
    fail "echoes during the reload: $(grep -c bad "$T/traffic") lost"
echo_ok "$ch" echo2 && ok "the channel reaches the new worker" ||
    fail "the channel reaches the new worker"
ch2=$(ctl alice secure-channel create -T "$bobid" \
    "/ip4/127.0.0.1/tcp/$PB2/service/bob_listener" 2>&1)
echo_ok "$ch2" echo2 && ok "the new listener accepts a channel" ||
    fail "the new listener accepts a channel ($ch2)"
grep -q "reloaded: .* ($C/bob.conf)" "$(node_log bob)" &&
    ok "the reload is one line in the log" ||
    fail "the reload is one line in the log"

# 2. A broken configuration: refused with file:line, nothing changes.
cp "$C/bob.conf" "$T/good.conf"
printf 'echoer "e3"\nlisten on 127.0.0.1 port %s\nechoerr "x"\n' \
    "$(free_port $((PB2 + 1)))" >> "$C/bob.conf"
line=$(grep -n '^echoerr' "$C/bob.conf" | cut -d: -f1)
out=$(ctl bob reload 2>&1); st=$?
if [ $st -eq 3 ] && echo "$out" | grep -q "$C/bob.conf:$line: "; then
	ok "a broken configuration is refused, naming file:line (exit $st)"
else fail "a broken configuration is refused ($st: $out)"; fi
ctl bob show workers | grep -q '^e3 ' &&
    fail "nothing of it is applied" || ok "nothing of it is applied"
echo_ok "$ch" echoer && ok "the node keeps serving on the old one" ||
    fail "the node keeps serving on the old one"

# 3. A change that needs a restart, and an include from elsewhere.
{ cat "$T/good.conf"; echo 'limit connections 100'; } > "$C/bob.conf"
out=$(ctl bob reload 2>&1); st=$?
[ $st -eq 3 ] && echo "$out" | grep -q "limit connections: .*needs a restart" &&
    ok "a limit tcpd read at start-up: refused, needs a restart" ||
    fail "a restart-only change refused ($st: $out)"
echo 'echoer "e4"' > "$T/outside.conf"
{ cat "$T/good.conf"; echo "include \"$T/outside.conf\""; } > "$C/bob.conf"
out=$(ctl bob reload 2>&1); st=$?
[ $st -eq 3 ] && echo "$out" | grep -q "outside .*restart the node" &&
    ok "an include outside the directory: refused" ||
    fail "an include outside the directory: refused ($st: $out)"
echo 'echoer "e5"' > "$C/inside.conf"
chmod 644 "$C/inside.conf"
{ cat "$T/good.conf"; echo "include \"$C/inside.conf\""; } > "$C/bob.conf"
out=$(ctl bob reload 2>&1); st=$?
[ $st -eq 0 ] && ctl bob show workers | grep -q '^e5 ' &&
    ok "an include by its absolute name in the directory: read" ||
    fail "an include by its absolute name in the directory ($st: $out)"

# 4. SIGHUP: a consumer removed; the channel stays, that worker not.
n=$(grep -c "reloaded: " "$(node_log bob)")
bobconf '"echo2"' everyone "echoer \"echo2\"
listen on 127.0.0.1 port $PB2 consumers { \"bob_listener\" }"
kill -HUP "$(node_pid bob)"
wait_for 5 sh -c "[ \$(grep -c 'reloaded: ' '$(node_log bob)') -gt $n ]" &&
    ok "SIGHUP reloads (the log says so)" || fail "SIGHUP reloads"
echo_ok "$ch" echo2 && ok "the channel stays" || fail "the channel stays"
echo_ok "$ch" echoer 1 && fail "a consumer removed takes effect" ||
    ok "a consumer removed takes effect"

# 5. A listener removed: what it accepted closes.
bobconf '"echo2"' everyone 'echoer "echo2"'
out=$(ctl bob reload 2>&1)
echo "$out" | grep -q "listeners +0 -1" &&
    echo "$out" | grep -q "connections closed 1" &&
    ok "a listener removed ($out)" || fail "a listener removed ($out)"
wait_for 5 sh -c "! '$CTL' -s '$(node_sock alice)' show connections |
    grep -q ':$PB2'" && ok "its connection closed" ||
    fail "its connection closed"

# 6. Portals: an outlet on bob, an inlet on alice (with an initiator
# trust list), both added by reload, bytes through; the inlet removed.
if command -v python3 >/dev/null 2>&1; then
	PEER="python3 $TOP/regress/e2e/portalpeer.py"
	PE=$(free_port $((PB2 + 5)))
	PI=$(free_port $((PE + 1)))
	$PEER serve "$PE" echo >/dev/null 2>&1 &
	target=$!
	listening() {
		grep -qi "0100007F:$(printf '%04X' "$1") 00000000:0000 0A" \
		    /proc/net/tcp
	}
	wait_for 10 listening "$PE"
	bobconf '"echo2"' everyone "echoer \"echo2\"
outlet \"out\" to \"127.0.0.1:$PE\" consumers { \"bob_listener\" }"
	out=$(ctl bob reload 2>&1)
	echo "$out" | grep -q "outlets +1 -0" && ok "an outlet added ($out)" ||
	    fail "an outlet added ($out)"
	cp "$C/alice.conf" "$T/alice.orig"
	cat >> "$C/alice.conf" <<EOF
limit inlets 1
secure-channel trust { "$bobid" }
inlet on 127.0.0.1 port $PI \\
    via "/ip4/127.0.0.1/tcp/$PB/service/bob_listener" to "out"
EOF
	out=$(ctl alice reload 2>&1)
	echo "$out" | grep -q "inlets +1 -0" &&
	    ok "an inlet added, bound at tcpd ($out)" ||
	    fail "an inlet added ($out)"
	out=$(timeout 30 $PEER echo "$PI" 100000 2>&1)
	set -- $out
	[ "$#" -eq 3 ] && [ "$1" = "$2" ] && [ "$3" = 100000 ] &&
	    ok "bytes both ways through the new inlet and outlet" ||
	    fail "bytes through the new inlet and outlet ($out)"
	# At limit inlets 1, an inlet moved to another port: the new one
	# takes the old one's place, it is not a second one over the limit.
	PI2=$(free_port $((PI + 1)))
	sed "s/port $PI /port $PI2 /" "$C/alice.conf" > "$T/alice.moved"
	cp "$T/alice.moved" "$C/alice.conf"
	out=$(ctl alice reload 2>&1)
	echo "$out" | grep -q "inlets +1 -1" && wait_for 5 listening "$PI2" &&
	    wait_for 5 sh -c "! grep -qi '0100007F:$(printf '%04X' "$PI") \
	    00000000:0000 0A' /proc/net/tcp" &&
	    ok "limit inlets 1: an inlet moved to another port ($out)" ||
	    fail "limit inlets 1: an inlet moved to another port ($out)"
	PI=$PI2
	cp "$T/alice.orig" "$C/alice.conf"
	out=$(ctl alice reload 2>&1)
	echo "$out" | grep -q "inlets +0 -1" && wait_for 5 sh -c \
	    "! grep -qi '0100007F:$(printf '%04X' "$PI") 00000000:0000 0A' \
	    /proc/net/tcp" && ok "an inlet removed: its port closed ($out)" ||
	    fail "an inlet removed: its port closed ($out)"
	# A bind that fails: what was bound with it is closed again.
	PF=$(free_port $((PI + 1)))
	cp "$C/bob.conf" "$T/bob.orig"
	printf 'listen on 127.0.0.1 port %s\nlisten on 127.0.0.1 port %s\n' \
	    "$PF" "$PE" >> "$C/bob.conf"
	out=$(ctl bob reload 2>&1); st=$?
	[ $st -eq 3 ] && echo "$out" | grep -q "port $PE: Address already in use" &&
	    wait_for 5 sh -c "! grep -qi \
	    '0100007F:$(printf '%04X' "$PF") 00000000:0000 0A' /proc/net/tcp" &&
	    ok "a bind fails: refused with tcpd's error, the other unbound" ||
	    fail "a bind fails: refused, the other unbound ($st: $out)"
	cp "$T/bob.orig" "$C/bob.conf"
	kill "$target" 2>/dev/null
else skip "python3 is needed for the portal's target"; fi

# 6b. An initiator's trust: a channel made by the file's rules closes
# when "secure-channel trust" no longer lists its responder; one made
# with -T stays.
cp "$C/alice.conf" "$T/alice.notrust"
echo "secure-channel trust { \"$bobid\" }" >> "$C/alice.conf"
ctl alice reload > /dev/null 2>&1
chf=$(ctl alice secure-channel create \
    "/ip4/127.0.0.1/tcp/$PB/service/bob_listener" 2>&1)
echo_ok "$chf" echo2 && ok "a channel by the file's initiator trust" ||
    fail "a channel by the file's initiator trust ($chf)"
cp "$T/alice.notrust" "$C/alice.conf"
out=$(ctl alice reload 2>&1)
echo "$out" | grep -q "channels closed 1" &&
    grep -q "no longer in secure-channel trust" "$(node_log alice)" &&
    ! echo_ok "$chf" echo2 1 &&
    ok "its responder no longer trusted: that channel closes ($out)" ||
    fail "its responder no longer trusted: that channel closes ($out)"
echo_ok "$ch" echo2 && ok "the channel made with -T stays" ||
    fail "the channel made with -T stays"

# 7. Trust removed: the channel closes, a new one is refused.
bobconf '"echo2"' "{ \"$OTHER\" }" 'echoer "echo2"'
out=$(ctl bob reload 2>&1)
echo "$out" | grep -q "channels closed [1-9]" &&
    grep -q "no longer trusted" "$(node_log bob)" &&
    ok "a peer no longer trusted: its channel closes ($out)" ||
    fail "a peer no longer trusted: its channel closes ($out)"
out=$(ctl alice secure-channel create -T "$bobid" -t 3 \
    "/ip4/127.0.0.1/tcp/$PB/service/bob_listener" 2>&1) &&
    fail "a new channel is refused ($out)" ||
    ok "a new channel is refused"

# 8. The file must be readable by the node's user.
if is_root && have_user; then
	chmod 600 "$C/bob.conf"
	out=$(ctl bob reload 2>&1); st=$?
	[ $st -eq 3 ] && echo "$out" | grep -q \
	    "cannot read $C/bob.conf as $NODE_USER: Permission denied" &&
	    ok "a file the node cannot read: refused, saying so" ||
	    fail "a file the node cannot read ($st: $out)"
	chmod 644 "$C/bob.conf"
else skip "not root: the node runs as this user"; fi
# A link out of the directory: Landlock refuses it, and the reason says
# where the node reads.
if grep -q "routed: Landlock is not available" "$(node_log bob)"; then
	skip "a link out of the directory (no Landlock here)"
else
	cp "$C/bob.conf" "$T/outside-bob.conf"
	chmod 644 "$T/outside-bob.conf"
	mv "$C/bob.conf" "$T/bob.conf.saved"
	ln -s ../outside-bob.conf "$C/bob.conf"
	out=$(ctl bob reload 2>&1); st=$?
	[ $st -eq 3 ] && echo "$out" | grep -q \
	    "Permission denied (the node reads it as its user, beneath $C only" &&
	    ok "a link out of the directory: refused, saying where it reads" ||
	    fail "a link out of the directory ($st: $out)"
	rm -f "$C/bob.conf"
	mv "$T/bob.conf.saved" "$C/bob.conf"
fi
alive "$(node_pid bob)" && ok "bob still runs" || fail "bob still runs"

# 9. listen static: a new listener needs a restart.
PC=$(free_port $((PB2 + 2)))
PC2=$(free_port $((PC + 1)))
mkdir -p "$T/carol"
printf 'listen static\nlisten on 127.0.0.1 port %s\nechoer "e"\n' "$PC" \
    > "$C/carol.conf"
chmod 644 "$C/carol.conf"
start_node carol "$C/carol.conf" || { fail "carol starts"; exit 0; }
echo "listen on 127.0.0.1 port $PC2" >> "$C/carol.conf"
out=$(ctl carol reload 2>&1); st=$?
[ $st -eq 3 ] && echo "$out" | grep -q "listen static" &&
    ok "listen static: a new listener refused ($out)" ||
    fail "listen static: a new listener refused ($st: $out)"

for n in alice bob carol; do stop_node $n; done
grep -q "AddressSanitizer" "$T"/*/log &&
    fail "no sanitizer report" || ok "no sanitizer report"
