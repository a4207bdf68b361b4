# SPDX-License-Identifier: ISC
# A tap between nodes and a hub, on 127.0.0.1 only, for hub_live.sh.
#
#	python3 tap.py listen PORT HUBPORT LOG SECONDS
# forwards each connection to PORT on to HUBPORT for SECONDS at most,
# and logs to LOG, with the time in seconds since it started: each
# connection accepted (the first address of the onward route of its
# first frame, "ok", or "refused" when the hub is down, in which case
# it closes), and each time "Hello Ockam!" goes by in plaintext.
#
#	python3 tap.py count LOG FROM TO SECONDS RELAYS
# counts the connections accepted in lines FROM to TO of LOG, a window
# of SECONDS, and checks them (some, not too many) against the back-off
# of RELAYS relays (ockam.conf(5) RELAYS): after a failure 1 s, doubled
# for each further one up to 60 s, up to half of it off, so the k-th
# retry comes at least 0.5 * (2^k - 1) s after the first failure.
#
#	python3 tap.py backoff LOG...
# checks the delays the relays in the node logs LOG... say they wait
# after each failure against the same back-off.
import math, re, socket, struct, sys, threading, time
from frames import rduv

PLAIN = b"Hello Ockam!"
t0 = time.monotonic()
lock = threading.Lock()

def log(*a):
    with lock:
        out.write("%.3f %s\n" % (time.monotonic() - t0, " ".join(map(str, a))))
        out.flush()

def head(b):
    # frame: length (2), version (1), onward route: count, type, BARE
    try:
        n, i = rduv(b, 3)
        if n == 0: return "-"
        l, i = rduv(b, i + 1)
        return b[i:i + l].decode("ascii", "replace")
    except Exception:
        return "-"

def first(s):
    b = b""
    s.settimeout(1)
    try:
        while len(b) < 2 or len(b) < 2 + struct.unpack(">H", b[:2])[0]:
            c = s.recv(65536)
            if not c: break
            b += c
    except socket.timeout:
        pass
    return b

def pump(a, b, tag):
    tail = b""
    try:
        while True:
            c = a.recv(65536)
            if not c: break
            if PLAIN in tail + c: log("PLAIN", tag)
            tail = (tail + c)[1 - len(PLAIN):]
            b.sendall(c)
    except OSError:
        pass
    for s in (a, b):
        try: s.shutdown(socket.SHUT_RDWR)
        except OSError: pass

def serve(c, n):
    b = first(c)
    try:
        u = socket.create_connection(("127.0.0.1", HUBPORT), timeout=1)
    except OSError:
        log("accept", n, head(b), "refused"); c.close(); return
    log("accept", n, head(b), "ok")
    if PLAIN in b: log("PLAIN", "up", n)
    u.settimeout(None); c.settimeout(None)
    u.sendall(b)
    threading.Thread(target=pump, args=(u, c, "down %d" % n),
        daemon=True).start()
    pump(c, u, "up %d" % n)

def listen():
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", PORT)); ls.listen(64); ls.settimeout(0.2)
    log("listening", PORT)
    n = 0
    while time.monotonic() - t0 < SECS:
        try:
            c, _ = ls.accept()
        except socket.timeout:
            continue
        n += 1
        threading.Thread(target=serve, args=(c, n), daemon=True).start()
    log("done")

def count(lines, w, relays):
    t = [float(l.split()[0]) for l in lines if l.split()[1] == "accept"]
    most = max([sum(1 for y in t if x <= y < x + 1) for x in t] or [0])
    # per relay: at most one in flight, then retries within w
    bound = relays * (int(math.log2(2 * w + 1)) + 1)
    print("%d connections in %.1f s (at most %d), at most %d in a second "
        "(at most %d)" % (len(t), w, bound, most, 2 * relays))
    return 0 < len(t) <= bound and most <= 2 * relays

def backoff(logs):
    # "relay NAME at HUB: WHY; trying again in S s", per relay: the k-th
    # in [2^(k-1) / 2, 2^(k-1)] s, capped at 60 (no registration holds
    # the 30 s after which the count starts over in hub_live.sh)
    k, n, bad = {}, 0, []
    for f in logs:
        for l in open(f):
            m = re.search(r"relay (\S+) at .*; trying again in ([0-9.]+) s$",
                l.strip())
            if not m: continue
            r, d = m.group(1), float(m.group(2))
            i = k.get(r, 0) + 1
            hi = min(2 ** (i - 1), 60)
            if not hi / 2 <= d <= hi:
                bad.append("%s: %g s at failure %d" % (r, d, i))
            k[r] = i; n += 1
    print("%d delays of %d relays%s" % (n, len(k),
        ", out of the back-off: " + ", ".join(bad) if bad else
        ", each within the back-off"))
    return n > 0 and not bad

if sys.argv[1] == "listen":
    PORT, HUBPORT = int(sys.argv[2]), int(sys.argv[3])
    out, SECS = open(sys.argv[4], "a"), float(sys.argv[5])
    listen()
elif sys.argv[1] == "backoff":
    sys.exit(0 if backoff(sys.argv[2:]) else 1)
else:
    lines = open(sys.argv[2]).read().splitlines()
    lines = lines[int(sys.argv[3]):int(sys.argv[4])]
    sys.exit(0 if count(lines, float(sys.argv[5]), int(sys.argv[6])) else 1)
