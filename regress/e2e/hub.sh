#!/bin/sh
# SPDX-License-Identifier: ISC
# A hub from etc/hub.conf: forwarding_service registers forwarders
# (renewed, not minted again, by a repeat registration), the 2022 data
# path through one and the replies back, a forwarder goes with its
# connection, bounds per connection, static aliases only out of a
# secure channel and only for their first identity, malformed
# registrations refused while the hub keeps serving.
. "$(dirname "$0")/lib.sh"

if ! command -v python3 >/dev/null 2>&1; then
	skip "python3 is needed for the raw clients"
	exit 0
fi
# The raw clients' frames: regress/e2e/frames.py.
PYTHONPATH=$TOP/regress/e2e
export PYTHONPATH
PH=$(free_port 28000)
mkdir -p "$T/hub" "$T/alice" "$T/carol"
start_node hub "$TOP/etc/hub.conf" -D port="$PH" -D vaultdir="$T/hub/vault" \
    -D statedir="$T/hub/streams" ||
    { fail "hub starts"; exit 0; }
start_node alice "$TOP/etc/initiator.conf" -D vaultdir="$T/alice/vault" ||
    { fail "alice starts"; exit 0; }
sed 's/identity "alice"/identity "carol"/' "$TOP/etc/initiator.conf" \
    > "$T/carol.conf"
start_node carol "$T/carol.conf" -D vaultdir="$T/carol/vault" ||
    { fail "carol starts"; exit 0; }
ok "a hub from etc/hub.conf"
HUB=/ip4/127.0.0.1/tcp/$PH

out=$(ctl alice message send "$HUB/service/forwarding_service" hi 2>&1)
[ "$out" = hi ] && ok "forwarding_service answers with the payload" ||
    fail "forwarding_service answers with the payload ($out)"
ctl hub show workers 2>&1 | grep -qE 'FWD_[0-9a-f]{16}' &&
    ok "the forwarder is a worker of the hub" ||
    fail "the forwarder is a worker of the hub"

# Raw clients: frames written and read by hand (doc/design.md 4).
cat "$(dirname "$0")/frames.py" - > "$T/raw.py" <<'PY'
import os
def reg(s, svc, ret, pl):
    s.sendall(frame([(0, svc)], ret, pl)); return recv(s)
def name(r): return r[1][-1][1].decode() if r and r[1] else "-"
def say(*a): print(*a); sys.stdout.flush()
REG = bare(b"register")
def unanswered(s, svc, ret, pl):
    # Nothing answers pl: what comes first answers a registration sent
    # after it (the hub answers a connection's frames in order).
    s.sendall(frame([(0, svc)], ret, pl))
    s.sendall(frame([(0, b"forwarding_service")], [(0, b"P")], REG))
    r = recv(s)
    return r is not None and r[0] == [(0, b"P")]
cmd = sys.argv[2]
if cmd == "path":
    a, b = conn(), conn()
    r1 = reg(a, b"forwarding_service", [(0, b"F")], REG)
    r2 = reg(a, b"forwarding_service", [(0, b"F")], REG)
    say("answer", r1 and r1[0] == [(0, b"F")] and r1[2] == REG, name(r1))
    say("renew", name(r1) == name(r2))
    f = name(r1).encode()
    b.sendall(frame([(0, f), (0, b"echoer")], [(0, b"B")], b"\x04data"))
    d = recv(a)
    ok = d is not None and d[0] == [(0, b"F"), (0, b"echoer")] and \
        len(d[1]) == 2 and d[1][1] == (0, b"B") and d[2] == b"\x04data"
    say("data", ok)
    if ok:
        a.sendall(frame(d[1], [(0, b"echoer")], b"\x05reply"))
        e = recv(b)
        say("reply", e is not None and e[0] == [(0, b"B")] and
            e[2] == b"\x05reply")
    say(f.decode())
    sys.stdout.flush()
    # Closed once the script has seen the forwarder: sys.argv[3] exists.
    for i in range(100):
        if os.path.exists(sys.argv[3]): break
        time.sleep(0.1)
    a.close()
    time.sleep(0.5)
    say("late", unanswered(b, f, [(0, b"B")], b"\x04late"))
elif cmd == "bound":
    a = conn()
    got = set()
    for i in range(1000):
        a.sendall(frame([(0, b"forwarding_service")], [(0, b"F%d" % i)],
            REG))
    # F0 again: renewed, its answer the last.
    a.sendall(frame([(0, b"forwarding_service")], [(0, b"F0")], REG))
    f0 = 0
    while f0 < 2:
        r = recv(a)
        if r is None: break
        got.add(name(r))
        f0 += r[0] == [(0, b"F0")]
    say(len(got))
elif cmd == "bad":
    a = conn()
    # static over plain TCP, empty return route, garbage, a huge alias
    say("tcp", unanswered(a, b"static_forwarding_service", [(0, b"F")],
        bare(b"bob")))
    say("noret", unanswered(a, b"forwarding_service", [], REG))
    for pl in (b"", b"\xff\xff", bare(b"a/b"), bare(b".."),
               bare(b"x\x01"), bare(b"x" * 65), bare(b"y" * 300)):
        if not unanswered(a, b"static_forwarding_service", [(0, b"F")],
            pl):
            say("accepted", pl); break
    else:
        say("malformed", True)
    say("serving", name(reg(conn(), b"forwarding_service",
        [(0, b"G")], REG)).startswith("FWD_"))
PY
python3 "$T/raw.py" "$PH" path "$T/path.close" > "$T/path.out" 2>&1 &
raw=$!
wait_for 5 grep -q '^FWD_' "$T/path.out"
fwd=$(grep '^FWD_' "$T/path.out")
check "a raw client registers and is answered from FWD_x" \
    grep -q "^answer True $fwd" "$T/path.out"
check "a repeat registration renews the same forwarder" \
    grep -q "^renew True" "$T/path.out"
check "data path: FWD_x/echoer reaches route ++ echoer, return untouched" \
    grep -q "^data True" "$T/path.out"
check "the reply goes back to the sender's connection" \
    grep -q "^reply True" "$T/path.out"
ctl hub show workers 2>&1 | grep -q "$fwd" &&
    ok "$fwd is a worker while its connection is up" ||
    fail "$fwd is a worker while its connection is up"
: > "$T/path.close"
wait $raw
check "its connection closed: a message to $fwd is dropped" \
    grep -q "^late True" "$T/path.out"
ctl hub show workers 2>&1 | grep -q "$fwd" &&
    fail "its connection closed: $fwd is gone" ||
    ok "its connection closed: $fwd is gone"
check "the drop to $fwd is logged" \
    grep -q "no worker at address \"$fwd\"" "$(node_log hub)"

n=$(python3 "$T/raw.py" "$PH" bound 2>&1)
[ "$n" = 16 ] && ok "1,000 registrations on one connection: 16 forwarders" ||
    fail "1,000 registrations on one connection: 16 forwarders ($n)"
check "refusals past forwarders-per-connection are logged" \
    grep -q "limit forwarders-per-connection" "$(node_log hub)"

python3 "$T/raw.py" "$PH" bad > "$T/bad.out" 2>&1
check "a static alias over plain TCP: refused" grep -q "^tcp True" \
    "$T/bad.out"
check "a static alias over plain TCP: logged" \
    grep -q "claimed outside a secure channel" "$(node_log hub)"
check "a registration without a return route: refused" \
    grep -q "^noret True" "$T/bad.out"
check "malformed aliases (empty, garbage, /, .., control, huge): refused" \
    grep -q "^malformed True" "$T/bad.out"
check "the hub keeps serving" grep -q "^serving True" "$T/bad.out"

# Static aliases: through a secure channel, by their first identity.
ch=$(ctl alice secure-channel create --trust-any \
    "$HUB/service/hub_listener" 2>&1)
out=$(ctl alice message send "$ch/service/static_forwarding_service" bob 2>&1)
[ "$out" = bob ] && ok "alice claims alias bob through a channel" ||
    fail "alice claims alias bob through a channel ($ch: $out)"
ctl hub show workers 2>&1 | grep -q forward_to_bob &&
    ok "forward_to_bob is a worker of the hub" ||
    fail "forward_to_bob is a worker of the hub"
out=$(ctl alice message send "$ch/service/static_forwarding_service" bob 2>&1)
[ "$out" = bob ] && ok "alice claims bob again: accepted" ||
    fail "alice claims bob again: accepted ($out)"
ch2=$(ctl carol secure-channel create --trust-any \
    "$HUB/service/hub_listener" 2>&1)
out=$(ctl carol message send -t 2 "$ch2/service/static_forwarding_service" \
    bob 2>&1)
[ "$out" != bob ] && ok "carol claims alice's alias: refused" ||
    fail "carol claims alice's alias: refused"
check "the hijack is logged" grep -q 'alias "bob" is I' "$(node_log hub)"
ctl alice secure-channel delete "$ch" > /dev/null 2>&1
wait_for 3 sh -c "! '$CTL' -s '$(node_sock hub)' show workers 2>&1 |
    grep -q forward_to_bob" &&
    ok "alice's channel closed: forward_to_bob is gone" ||
    fail "alice's channel closed: forward_to_bob is gone"

for n in carol alice hub; do stop_node $n; done
