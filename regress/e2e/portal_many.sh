#!/bin/sh
# SPDX-License-Identifier: ISC
# 1,000 portal connections at once through one inlet -> secure channel
# -> outlet, each moving a small file to an echo target and back
# byte-exact; then the nodes still serve, and no portal is left.
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
