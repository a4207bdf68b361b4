#!/bin/sh
# SPDX-License-Identifier: ISC
# 1,000 portal connections at once through one inlet -> secure channel
# -> outlet, each moving a small file to an echo target and back
# byte-exact; then the nodes still serve, and no portal is left.  With
# 100 held open, each node's windows: 1 MiB while the pool of 64 MiB
# above 256 KiB a portal lasts (85 of them, one 512 KiB), 256 KiB after;
# the pool is whole again once they close.
. "$(dirname "$0")/lib.sh"

if ! command -v python3 >/dev/null 2>&1; then
	skip "python3 is needed for the clients and the target"
	exit 0
fi
N=1000
PEER="python3 $TOP/regress/e2e/portalpeer.py"
PB=$(free_port 35700)
PE=$(free_port $((PB + 1)))
PI=$(free_port $((PE + 1)))
$PEER serve "$PE" echo >/dev/null 2>&1 &
TARGET=$!
trap 'kill $TARGET 2>/dev/null; cleanup' EXIT
cp "$TOP/etc/portal-outlet.conf" "$T/outlet.conf"
echo "limit portals-per-channel 1024" >> "$T/outlet.conf"
cp "$TOP/etc/portal-inlet.conf" "$T/inlet.conf"
echo "limit portals-per-inlet 1024" >> "$T/inlet.conf"
mkdir -p "$T/out" "$T/in"
start_node out "$T/outlet.conf" -D port="$PB" -D target_port="$PE" \
    -D vaultdir="$T/out/vault" ||
    { fail "outlet node starts"; exit 0; }
start_node in "$T/inlet.conf" -D port="$PI" -D bob_port="$PB" \
    -D vaultdir="$T/in/vault" ||
    { fail "inlet node starts"; exit 0; }

# N clients at once, each 4 KiB of its own bytes, read back whole.
cat > "$T/many.py" <<'PY'
import asyncio, hashlib, sys, time
PORT, N = int(sys.argv[1]), int(sys.argv[2])
async def one(i):
    data = hashlib.sha256(b"%d" % i).digest() * 128
    r, w = await asyncio.open_connection("127.0.0.1", PORT)
    w.write(data)
    await w.drain()
    got = await r.readexactly(len(data))
    w.close()
    return got == data
async def main():
    t0 = time.time()
    res = await asyncio.wait_for(asyncio.gather(
        *(one(i) for i in range(N)), return_exceptions=True), 90)
    ok = sum(1 for x in res if x is True)
    print("%d %d %.1f" % (ok, N, time.time() - t0))
asyncio.run(main())
PY
out=$(python3 "$T/many.py" "$PI" "$N" 2>&1 | tail -1)
set -- $out
[ "$1" = "$N" ] &&
    ok "$N portal connections at once, each byte-exact ($3 s)" ||
    fail "$N portal connections at once, each byte-exact ($out)"
wait_for 15 sh -c "$CTL -s $(node_sock in) show portals | grep -qx none"
check "all $N portals gone on the inlet node" sh -c \
    "$CTL -s $(node_sock in) show portals | grep -qx none"
check "and on the outlet node" sh -c \
    "$CTL -s $(node_sock out) show portals | grep -qx none"
out=$(python3 "$T/many.py" "$PI" 1 2>&1 | tail -1)
set -- $out
[ "$1" = 1 ] && ok "then a new client is served" ||
    fail "then a new client is served ($out)"

# 100 held open: the windows each node offers (show portals).
cat > "$T/hold.py" <<'PY'
import socket, subprocess, sys
port, n, ctl = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3:]
# each of ctl: a command that prints show portals
conns = []
for i in range(n):
    s = socket.create_connection(("127.0.0.1", port), timeout=20)
    s.sendall(b"x")
    conns.append(s)
for s in conns:
    if s.recv(1) != b"x":
        sys.exit("no echo")
for cmd in ctl:
    out = subprocess.run(["sh", "-c", cmd], capture_output=True,
        text=True).stdout
    w = [l.split("window ")[1].split(" KiB")[0] for l in out.splitlines()
        if "window " in l]
    print(" ".join("%s:%d" % (k, w.count(k)) for k in
        sorted(set(w), key=int)))
for s in conns:
    s.close()
PY
out=$(timeout 60 python3 "$T/hold.py" "$PI" 100 \
    "$CTL -s $(node_sock in) show portals" \
    "$CTL -s $(node_sock out) show portals" 2>&1)
echo "$out" | sed 's/^/# windows (KiB:count) /'
set -- $out
[ "$1" = "256:14" ] && [ "$2" = "512:1" ] && [ "$3" = "1024:85" ] &&
    ok "inlet node, 100 open: 85 windows of 1 MiB, one 512 KiB, 14 256 KiB" ||
    fail "inlet node, 100 open: 85 windows of 1 MiB, one 512 KiB, 14 256 KiB"
[ "$4" = "256:14" ] && [ "$5" = "512:1" ] && [ "$6" = "1024:85" ] &&
    ok "outlet node, the same" || fail "outlet node, the same"
wait_for 15 sh -c "$CTL -s $(node_sock out) show portals | grep -qx none"
out=$(timeout 60 python3 "$T/hold.py" "$PI" 1 \
    "$CTL -s $(node_sock in) show portals" \
    "$CTL -s $(node_sock out) show portals" 2>&1)
[ "$out" = "1024:1
1024:1" ] && ok "once they closed, a new portal offers 1 MiB again" ||
    fail "once they closed, a new portal offers 1 MiB again ($out)"
