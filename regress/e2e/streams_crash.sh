#!/bin/sh
# SPDX-License-Identifier: ISC
# A hub killed (SIGKILL) in the middle of 10,000 pushes from 8
# producers into one stream, then restarted on the same storage: every
# push the hub confirmed is there, at the index it was confirmed with,
# exactly once, in each producer's order, and the indices run from 0
# with no hole (issue 12's durability through the hub, not only
# ockam-streamd's).
. "$(dirname "$0")/lib.sh"

if ! command -v python3 >/dev/null 2>&1; then
	skip "python3 is needed for the raw producers"
	exit 0
fi
if [ ! -x "$BUILD/ockam-streamd" ]; then
	skip "ockam-streamd is not built"
	exit 0
fi
PH=$(free_port 32400)
mkdir -p "$T/hub"
if is_root && have_user; then chown "$NODE_USER" "$T/hub"; fi
cat > "$T/hub.conf" <<EOF
listen on 127.0.0.1 port $PH consumers { "stream" }
stream service "stream" index "stream_index" \\
    storage embedded directory "$T/hub/data"
EOF
start_node hub "$T/hub.conf" || { fail "hub starts"; exit 0; }

# produce: 8 threads, 1250 pushes each, one at a time, into "crash";
# every confirmation "prod seq index" to confirmed.txt as it comes
cat "$(dirname "$0")/frames.py" - > "$T/produce.py" <<'PY'
import threading
def env(proto, data): return bare(proto) + bare(data)
out = open(sys.argv[2], "w", buffering=1)
lock = threading.Lock()
def producer(p):
    try:
        s = conn(); s.settimeout(5)
        s.sendall(frame([(0, b"stream")], [(0, b"prod%d" % p)],
            env(b"stream_create", b"\x01" + bare(b"crash"))))
        w = recv(s)[1][-1][1]
        for q in range(1250):
            data = b"p%d-%d" % (p, q)
            s.sendall(frame([(0, w)], [(0, b"prod%d" % p)],
                env(b"stream_push", uv(q) + bare(data))))
            r = recv(s)
            if r is None:
                return
            d = r[2]; n, i = rduv(d, 0); i += n; n, i = rduv(d, i)
            rid, i = rduv(d, i); st, i = rduv(d, i); idx, i = rduv(d, i)
            if rid == q and st == 0:
                with lock:
                    out.write("%d %d %d\n" % (p, q, idx))
    except (OSError, TypeError, IndexError):
        return
ts = [threading.Thread(target=producer, args=(p,)) for p in range(8)]
for t in ts: t.start()
for t in ts: t.join()
PY
python3 "$T/produce.py" "$PH" "$T/confirmed.txt" &
PROD=$!
# Kill the hub once about a third are confirmed.
wait_for 60 sh -c "[ \$(wc -l < $T/confirmed.txt 2>/dev/null || echo 0) \
    -ge 3000 ]"
kill -KILL "$(node_pid hub)" "$(child_pid hub ockam-streamd)" \
    "$(child_pid hub ockam-tcpd)" "$(child_pid hub ockam-vaultd)" 2>/dev/null
wait "$PROD" 2>/dev/null
n=$(wc -l < "$T/confirmed.txt")
[ "$n" -ge 3000 ] && [ "$n" -lt 10000 ] &&
    ok "the hub killed in the middle: $n of 10000 pushes confirmed" ||
    fail "the hub killed in the middle ($n confirmed)"
wait_for 5 sh -c "! kill -0 $(node_pid hub) 2>/dev/null"

start_node hub "$T/hub.conf" && ok "the hub starts again on its storage" ||
    { fail "the hub starts again on its storage"; exit 0; }

# consume: pull everything from 0; check it against confirmed.txt
cat "$(dirname "$0")/frames.py" - > "$T/consume.py" <<'PY'
def env(proto, data): return bare(proto) + bare(data)
s = conn(); s.settimeout(5)
s.sendall(frame([(0, b"stream")], [(0, b"cons")],
    env(b"stream_create", b"\x01" + bare(b"crash"))))
w = recv(s)[1][-1][1]
recs, idx, rid = {}, 0, 0
while True:
    rid += 1
    s.sendall(frame([(0, w)], [(0, b"cons")],
        env(b"stream_pull", uv(rid) + uv(idx) + uv(1000))))
    d = recv(s)[2]; n, i = rduv(d, 0); i += n; n, i = rduv(d, i)
    _, i = rduv(d, i); cnt, i = rduv(d, i)
    if cnt == 0:
        break
    for _ in range(cnt):
        x, i = rduv(d, i); l, i = rduv(d, i)
        recs[x] = d[i:i + l]; i += l; idx = x + 1
conf = [tuple(map(int, l.split())) for l in open(sys.argv[2])]
stored = sorted(recs)
print("contiguous", stored == list(range(len(stored))))
print("confirmed-kept", all(recs.get(x) == b"p%d-%d" % (p, q)
    for p, q, x in conf))
vals = list(recs.values())
print("once", len(vals) == len(set(vals)))
order = True
for p in range(8):
    seqs = [int(recs[x].split(b"-")[1]) for x in stored
        if recs[x].startswith(b"p%d-" % p)]
    order = order and seqs == sorted(seqs)
print("in-order", order)
print("count", len(stored), len(conf))
PY
python3 "$T/consume.py" "$PH" "$T/confirmed.txt" > "$T/check.out" 2>&1
check "every index from 0, no hole" grep -q "^contiguous True" "$T/check.out"
check "every confirmed push at its index" grep -q "^confirmed-kept True" \
    "$T/check.out"
check "none twice" grep -q "^once True" "$T/check.out"
check "each producer's in its order" grep -q "^in-order True" "$T/check.out"
echo "# $(grep '^count' "$T/check.out") (stored, confirmed)"
