#!/bin/sh
# SPDX-License-Identifier: ISC
# The bounds of TCP portals (ockam.conf(5) LIMITS): portals-per-channel
# has the outlet answer a Ping over it with a Disconnect, so the inlet
# closes its client at once, not after the 10 s an unanswered Ping
# waits, while another inlet (its own channel) still serves;
# portal-idle-timeout closes portals that carry nothing, and a new
# client is served after; portals-per-inlet closes a client over it at
# once.
. "$(dirname "$0")/lib.sh"

if ! command -v python3 >/dev/null 2>&1; then
	skip "python3 is needed for the clients and the target"
	exit 0
fi
PEER="python3 $TOP/regress/e2e/portalpeer.py"
PB=$(free_port 35500)
PE=$(free_port $((PB + 1)))
I1=$(free_port $((PE + 1)))
I2=$(free_port $((I1 + 1)))
$PEER serve "$PE" echo >/dev/null 2>&1 &
TARGET=$!
trap 'kill $TARGET 2>/dev/null; cleanup' EXIT
cp "$TOP/etc/portal-outlet.conf" "$T/outlet.conf"
# bob_listener2: a second channel for I2 (inlets via one route share
# theirs)
sed -i -e '/^listen on/s/}$/"bob_listener2" }/' \
    -e '/^outlet/s/}$/"bob_listener2" }/' "$T/outlet.conf"
cat >> "$T/outlet.conf" <<EOF
secure-channel listener "bob_listener2" identity "bob" trust everyone
limit portals-per-channel 2
EOF
VIA="/ip4/127.0.0.1/tcp/$PB/service/bob_listener"
cp "$TOP/etc/portal-inlet.conf" "$T/inlet.conf"
cat >> "$T/inlet.conf" <<EOF
inlet on 127.0.0.1 port $I2 via "${VIA}2" to "outlet"
limit portals-per-inlet 3
limit portal-idle-timeout 4
EOF
mkdir -p "$T/out" "$T/in"
start_node out "$T/outlet.conf" -D port="$PB" -D target_port="$PE" \
    -D vaultdir="$T/out/vault" ||
    { fail "outlet node starts"; exit 0; }
start_node in "$T/inlet.conf" -D port="$I1" -D bob_port="$PB" \
    -D vaultdir="$T/in/vault" ||
    { fail "inlet node starts"; exit 0; }

# hold NAME PORT: a client that sends "hi", reads its echo, then waits;
# $T/NAME says "echo", then "closed after N s" (or "refused N s")
cat > "$T/hold.py" <<'PY'
import socket, sys, time
out = open(sys.argv[2], "w", buffering=1)
t0 = time.time()
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.settimeout(15)
try:
    s.sendall(b"hi")
    d = s.recv(16)
    if d != b"hi":
        out.write("refused %.1f s\n" % (time.time() - t0)); sys.exit(0)
    out.write("echo\n")
    t1 = time.time()
    while s.recv(16):
        pass
    out.write("closed after %.1f s\n" % (time.time() - t1))
except (socket.timeout, OSError) as e:
    out.write("error %s %.1f s\n" % (e, time.time() - t0))
PY
hold() { python3 "$T/hold.py" "$2" "$T/$1" & }
echoed() { grep -q '^echo' "$T/$1" 2>/dev/null; }

hold c1 "$I1"; wait_for 10 echoed c1
hold c2 "$I1"; wait_for 10 echoed c2
check "two clients of an inlet served" sh -c \
    "grep -q '^echo' $T/c1 && grep -q '^echo' $T/c2"
hold c3 "$I1"; wait_for 5 test -s "$T/c3"
if grep -q '^refused [0-2]\.\|^error.* [0-2]\.' "$T/c3"; then
	ok "portals-per-channel 2: the outlet refuses a third at once" \
	    "($(cat "$T/c3"))"
else fail "portals-per-channel 2: the outlet refuses a third at once" \
    "($(cat "$T/c3"))"; fi
check "the outlet node logs the refusal" grep -q \
    "limit portals-per-channel" "$(node_log out)"
hold c4 "$I2"; wait_for 10 echoed c4
check "another inlet, its own channel, still serves" grep -q '^echo' \
    "$T/c4"
ctl in show portals > "$T/pin" 2>&1
ctl out show portals > "$T/pout" 2>&1
check "show portals on the inlet node: three up, 2 bytes each way" sh -c \
    "[ \$(grep -c '^inlet .* up ' $T/pin) = 3 ] &&
    [ \$(grep -c '2 bytes in, 2 out' $T/pin) = 3 ]"
check "show portals on the outlet node: three, to the target" sh -c \
    "[ \$(grep -c '^outlet .* up .*outlet outlet to 127.0.0.1:$PE' \
    $T/pout) = 3 ]"

# Idle: the three held portals carry nothing; 4 s later they go.
wait_for 12 sh -c "grep -q '^closed' $T/c1 && grep -q '^closed' $T/c2 &&
    grep -q '^closed' $T/c4"
for c in c1 c2 c4; do
	grep -q '^closed after [3-7]\.' "$T/$c" &&
	    ok "portal-idle-timeout 4: $c closed ($(sed -n 2p "$T/$c"))" ||
	    fail "portal-idle-timeout 4: $c closed ($(cat "$T/$c"))"
done
check "the idle closes are logged" grep -q "portals closed: idle" \
    "$(node_log in)"
check "after the idle closes, show portals says none" sh -c \
    "$CTL -s $(node_sock out) show portals | grep -qx none"
hold c6 "$I1"; wait_for 10 echoed c6
check "after them a new client is served" grep -q '^echo' "$T/c6"

# portals-per-inlet 1: the inlet node again, its second client closed.
stop_node in
sed -i 's/^limit portals-per-inlet 3/limit portals-per-inlet 1/' \
    "$T/inlet.conf"
start_node in "$T/inlet.conf" -D port="$I1" -D bob_port="$PB" \
    -D vaultdir="$T/in/vault" ||
    { fail "inlet node starts again"; exit 0; }
hold c7 "$I1"; wait_for 10 echoed c7
hold c8 "$I1"; wait_for 5 test -s "$T/c8"
grep -q '^refused 0\.\|^error.* 0\.' "$T/c8" &&
    ok "portals-per-inlet 1: a second client closed at once ($(cat "$T/c8"))" ||
    fail "portals-per-inlet 1: a second client closed at once ($(cat "$T/c8"))"
check "the inlet node logs it" grep -q "limit portals-per-inlet" \
    "$(node_log in)"
check "the first client still served" grep -q '^echo' "$T/c7"
