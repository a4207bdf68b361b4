#!/bin/sh
# SPDX-License-Identifier: ISC
# A hub's stream and stream_index services (ockam.conf(5)): ockamctl
# stream create, push and pull through a client node over TCP (indices
# from 0, a second create joins, pulls by index and limit, a pull at
# the end waits for the next push, the stream's worker reachable
# through a secure channel too, what is stored survives a restart of
# the hub), then raw clients for what
# Ockam's Rust and Elixir peers rely on: a Save has no reply, Get
# after Save 0 is 0, Save keeps the max, and error replies, never a
# crash, for malformed requests, path-like and 10 KB names, a pull
# limit of 2^32, an index past the end and a push too big to come back;
# requests waiting for streamd bounded per connection.
. "$(dirname "$0")/lib.sh"

if ! command -v python3 >/dev/null 2>&1; then
	skip "python3 is needed for the raw clients"
	exit 0
fi
if [ ! -x "$BUILD/ockam-streamd" ]; then
	skip "ockam-streamd is not built"
	exit 0
fi
PH=$(free_port 32000)
# streamd makes the data directory (mode 0700) in the hub's own.
mkdir -p "$T/hub" "$T/client"
if is_root && have_user; then chown "$NODE_USER" "$T/hub"; fi
cat > "$T/hub.conf" <<EOF
listen on 127.0.0.1 port $PH consumers { "stream", "stream_index", \\
    "hub_listener" }
stream service "stream" index "stream_index" \\
    storage embedded directory "$T/hub/data"
vault directory "$T/hub/vault"
identity "hub"
secure-channel listener "hub_listener" identity "hub" trust everyone \\
    consumers { "stream" }
limit stream-message-size 1K
limit stream-pending-per-source 2
limit streams 8
EOF
start_node hub "$T/hub.conf" || { fail "hub starts"; show_log hub; exit 0; }
start_node client "$TOP/etc/initiator.conf" -D vaultdir="$T/client/vault" ||
    { fail "client starts"; exit 0; }
ok "a hub with stream services, and a client node"
HUB=/ip4/127.0.0.1/tcp/$PH

out=$(ctl client stream create "$HUB" alice_to_bob 2>&1)
echo "$out" | grep -qE "^alice_to_bob $HUB/service/ST_S_[0-9a-f]{16}\$" &&
    ok "create: Init from the stream's worker ST_S_x" ||
    fail "create: Init from the stream's worker ST_S_x ($out)"
again=$(ctl client stream create "$HUB" alice_to_bob 2>&1)
[ "$again" = "$out" ] && ok "a second create joins the same stream" ||
    fail "a second create joins the same stream ($again)"
gen=$(ctl client stream create "$HUB" 2>&1)
echo "$gen" | grep -qE '^generated_[0-9a-f]{8} ' &&
    ok "create without a name: generated_x" ||
    fail "create without a name: generated_x ($gen)"

idx=""
for m in one two three; do
	idx="$idx $(ctl client stream push "$HUB" alice_to_bob "$m" 2>&1)"
done
[ "$idx" = " 0 1 2" ] && ok "pushes confirmed with indices 0, 1, 2" ||
    fail "pushes confirmed with indices 0, 1, 2 ($idx)"
out=$(ctl client stream pull "$HUB" alice_to_bob 2>&1 | tr '\n' '|')
[ "$out" = "0 one|1 two|2 three|" ] && ok "pull from 0: all three" ||
    fail "pull from 0: all three ($out)"
out=$(ctl client stream pull -i 1 -l 1 "$HUB" alice_to_bob 2>&1)
[ "$out" = "1 two" ] && ok "pull by index and limit" ||
    fail "pull by index and limit ($out)"
out=$(ctl client stream pull -i 3 "$HUB" alice_to_bob 2>&1)
[ -z "$out" ] && ok "pull at the end: an empty reply (after the wait)" ||
    fail "pull at the end: an empty reply (after the wait) ($out)"
# A pull at the end waits on the hub: the next push answers it at once.
ctl client stream pull "$HUB" waited > "$T/wait.out" 2>&1 &
waiter=$!
sleep 0.5
ctl client stream push "$HUB" waited now > /dev/null 2>&1
if wait_for 1 sh -c "! kill -0 $waiter 2>/dev/null"; then
	wait "$waiter"
	out=$(cat "$T/wait.out")
	[ "$out" = "0 now" ] &&
	    ok "a waiting pull is answered by the next push, at once" ||
	    fail "a waiting pull is answered by the next push ($out)"
else
	fail "a waiting pull is answered by the next push, at once"
	wait "$waiter"
fi
out=$(ctl client stream pull -i 4 "$HUB" alice_to_bob 2>&1)
echo "$out" | grep -q "beyond the end" &&
    ok "pull past the end: an error reply" ||
    fail "pull past the end: an error reply ($out)"
out=$(ctl client stream pull -l 4294967296 "$HUB" alice_to_bob 2>&1)
echo "$out" | grep -q "stream-pull-limit" &&
    ok "pull with limit 2^32: an error reply" ||
    fail "pull with limit 2^32: an error reply ($out)"
big=$(head -c 1025 /dev/zero | tr '\0' a)
out=$(ctl client stream push "$HUB" alice_to_bob "$big" 2>&1)
echo "$out" | grep -q "refused" &&
    ok "a push over stream-message-size: status error" ||
    fail "a push over stream-message-size: status error ($out)"
for n in ../x a/b .hidden "a b"; do
	out=$(ctl client stream create "$HUB" "$n" 2>&1)
	echo "$out" | grep -q "invalid stream name" &&
	    ok "create \"$n\": an error reply" ||
	    fail "create \"$n\": an error reply ($out)"
done

# Raw clients: frames by hand (doc/design.md 4 and 4.5).
cat "$(dirname "$0")/frames.py" - > "$T/raw.py" <<'PY'
def env(proto, data): return bare(proto) + bare(data)
def ask(s, to, pl, t=2):
    s.sendall(frame([(0, to)], [(0, b"app")], pl)); s.settimeout(t)
    return recv(s)
def proto(r):
    if r is None: return None
    n, i = rduv(r[2], 0); return r[2][i:i + n].decode()
def say(*a): print(*a); sys.stdout.flush()
s = conn()
IDX = b"stream_index"
def save(c, n, i): return env(IDX, b"\x01" + bare(c) + bare(n) + uv(i))
def get(c, n): return env(IDX, b"\x00" + bare(c) + bare(n))
# Save 0 has no reply; then Get says 0 (present), not absent.
say("save-no-reply", ask(s, IDX, save(b"c1", b"s1", 0), 0.5) is None)
r = ask(s, IDX, get(b"c1", b"s1"))
say("get-after-save-0", r is not None and
    r[2] == env(IDX, bare(b"c1") + bare(b"s1") + b"\x01\x00"))
ask(s, IDX, save(b"c1", b"s1", 6), 0.2)
ask(s, IDX, save(b"c1", b"s1", 2**64 - 1), 0.2)
ask(s, IDX, save(b"c1", b"s1", 3), 0.2)
r = ask(s, IDX, get(b"c1", b"s1"))
say("save-keeps-max-64bit", r is not None and
    r[2] == env(IDX, bare(b"c1") + bare(b"s1") + b"\x01" + uv(2**64 - 1)))
r = ask(s, IDX, get(b"c2", b"s1"))
say("get-never-saved-absent", r is not None and
    r[2] == env(IDX, bare(b"c2") + bare(b"s1") + b"\x00"))
# Malformed: each gets an error reply.
bad = [(b"stream", b""), (b"stream", b"\xff\xff"),
       (b"stream", env(b"stream_create", b"\x01" + bare(b"x" * 10240))),
       (b"stream", env(b"stream_create", b"\x01" + bare(b"a\x00b"))),
       (b"stream", env(b"stream_create", b"\x02")),
       (b"stream", env(b"stream_push", b"\x00\x01x")),
       (b"stream", env(b"nonsense", b"")),
       (IDX, env(IDX, b"\x02" + bare(b"c") + bare(b"s"))),
       (IDX, get(b"c1", b"../x")), (IDX, get(b"", b"s")),
       (IDX, env(IDX, b"\x00" + bare(b"c") + bare(b"s") + b"\x00"))]
errs = [proto(ask(s, to, pl)) for to, pl in bad]
say("malformed-errors", errs == ["error"] * len(bad), errs)
# A stream worker: a 64-bit overflowing index is refused, not wrapped.
r = ask(s, b"stream", env(b"stream_create", b"\x01" + bare(b"raw")))
w = r[1][-1][1] if r else b"-"
say("raw-init", w.startswith(b"ST_S_"))
over = env(b"stream_pull", b"\x01" + b"\xff" * 9 + b"\x02" + b"\x01")
say("overflow-error", proto(ask(s, w, over)) == "error")
pl = env(b"stream_push", b"\x07" + bare(b"rec"))
r = ask(s, w, pl)
say("push-confirm", r is not None and
    r[2] == env(b"stream_push", b"\x07\x00\x00"), r and r[1])
r = ask(s, w, env(b"stream_pull", b"\x09\x00\x08"))
say("pull-reply", r is not None and
    r[2] == env(b"stream_pull", b"\x09\x01\x00" + bare(b"rec")))
# A pull is answered with the longest run that fits one frame, also
# to a return route of 30 addresses of 255 bytes.
r = ask(s, b"stream", env(b"stream_create", b"\x01" + bare(b"big")))
w = r[1][-1][1]
for i in range(80):
    ask(s, w, env(b"stream_push", uv(i) + bare(bytes([65 + i % 26]) * 1000)))
def pulled(r):
    d = r[2]; n, i = rduv(d, 0); i += n; n, i = rduv(d, i)
    _, i = rduv(d, i); cnt, i = rduv(d, i); idx = []
    for _ in range(cnt):
        x, i = rduv(d, i); l, i = rduv(d, i); i += l; idx.append(x)
    return idx
def pull(ret, index):
    s.sendall(frame([(0, w)], ret, env(b"stream_pull", b"\x01" +
        uv(index) + uv(100))))
    s.settimeout(2)
    r = recv(s)
    return r, pulled(r) if r else []
fits = True
for ret in ([(0, b"app")], [(0, bytes([97 + i]) * 255) for i in range(30)]):
    r, a = pull(ret, 0)
    size = len(frame(r[0], r[1], r[2])) - 2 if r else 99999
    r2, b = pull(ret, len(a))
    fits = fits and 40 < len(a) < 80 and a == list(range(len(a))) and \
        size <= 65535 and b == list(range(len(a), 80))
    if not fits: say("sizes", len(a), size, b[:3])
say("pull-fits-one-frame", fits)
# 30 pushes at once from one connection: past stream-pending-per-source
# they are refused with status error, every one answered.
b = conn()
r = ask(b, b"stream", env(b"stream_create", b"\x01" + bare(b"burst")))
w = r[1][-1][1]
b.sendall(b"".join(frame([(0, w)], [(0, b"app")],
    env(b"stream_push", uv(i) + bare(b"x"))) for i in range(30)))
st = []
while True:
    b.settimeout(3)
    r = recv(b)
    if r is None: break
    st.append(r[2][-2])
say("burst-bounded", len(st) == 30 and 0 in st and 1 in st, st)
# Past limit streams (8), a new stream is refused; an old one joins.
got = [proto(ask(s, b"stream", env(b"stream_create", b"\x01" +
    bare(b"fill%d" % i)))) for i in range(6)]
old = proto(ask(s, b"stream", env(b"stream_create", b"\x01" +
    bare(b"alice_to_bob"))))
say("streams-bounded", got[0] == "stream_create" and got[-1] == "error" and
    old == "stream_create", got)
# A pull with limit 0: an empty reply, as Ockam's hub gives.
r = ask(s, w, env(b"stream_pull", b"\x05\x00\x00"))
say("limit-0-empty", r is not None and
    r[2] == env(b"stream_pull", b"\x05\x00"))
# A flood of what the hub refuses, pipelined on one connection: 10 KB
# names, limits of 2^32, garbage; every one answered with an error.
f = conn()
flood = [env(b"stream_create", b"\x01" + bare(b"n" * 10240)),
         env(b"stream_pull", b"\x01\x00" + uv(2**32)), b"\xff" * 100]
n = 3000
f.sendall(b"".join(frame([(0, b"stream" if i % 3 != 1 else w)],
    [(0, b"app")], flood[i % 3]) for i in range(n)))
errs = 0
while errs < n:
    f.settimeout(5)
    r = recv(f)
    if r is None or proto(r) != "error": break
    errs += 1
say("flood-answered", errs == n, errs)
say("serving", proto(ask(conn(), IDX, get(b"c1", b"s1"))) ==
    "stream_index")
PY
python3 "$T/raw.py" "$PH" > "$T/raw.out" 2>&1
for t in save-no-reply get-after-save-0 save-keeps-max-64bit \
    get-never-saved-absent malformed-errors raw-init overflow-error \
    push-confirm pull-reply pull-fits-one-frame burst-bounded streams-bounded \
    limit-0-empty flood-answered serving; do
	grep -q "^$t True" "$T/raw.out" && ok "raw: $t" ||
	    { fail "raw: $t"; sed 's/^/#   /' "$T/raw.out"; }
done
alive "$(node_pid hub)" && ok "the hub is still running" ||
    { fail "the hub is still running"; show_log hub; }
rss=$(awk '/^VmRSS/ { print $2 }' "/proc/$(node_pid hub)/status")
[ "$rss" -lt 131072 ] && ok "routed of the hub stays small (${rss} kB)" ||
    fail "routed of the hub stays small (${rss} kB)"

# Through a secure channel whose listener has the stream service as a
# consumer: the stream's worker is reachable too.
ch=$(ctl client secure-channel create --trust-any \
    "$HUB/service/hub_listener" 2>&1)
out=$(ctl client stream push "$ch" alice_to_bob secret 2>&1)
[ "$out" = 3 ] && ok "a push through a secure channel to the hub" ||
    fail "a push through a secure channel to the hub ($ch: $out)"
out=$(ctl client stream pull -i 3 "$ch" alice_to_bob 2>&1)
[ "$out" = "3 secret" ] && ok "and a pull through it" ||
    fail "and a pull through it ($out)"

out=$(ctl hub show streams 2>&1)
re='^alice_to_bob +ST_S_[0-9a-f]{16} +4 +0 +[0-9]+ embedded$'
echo "$out" | grep -qE "$re" &&
    echo "$out" | grep -qE '^burst ' &&
    ok "show streams: names, workers, messages, bytes, backend" ||
    fail "show streams: names, workers, messages, bytes, backend ($out)"
out=$(ctl client show streams 2>&1)
[ "$out" = none ] && ok "show streams on a node without streams: none" ||
    fail "show streams on a node without streams: none ($out)"

# What was confirmed is there after a restart.
stop_node hub
# Entries that are no stream's are left alone, said in one line.
mkdir -p "$T/hub/data/streams/.hidden" "$T/hub/data/streams/not a name"
start_node hub "$T/hub.conf" || { fail "hub restarts"; show_log hub; exit 0; }
# Before anything opens them: every stream in storage is listed.
out=$(ctl hub show streams 2>&1)
echo "$out" | grep -qE '^alice_to_bob +- +4 +0 +[0-9]+ embedded$' &&
    echo "$out" | grep -qE '^burst +- ' &&
    ok "show streams after a restart: the streams in storage, unopened" ||
    fail "show streams after a restart: the streams in storage ($out)"
n=$(grep -c 'entries are not a stream name' "$(node_log hub)")
[ "$n" = 1 ] && ok "two entries not streams: one log line" ||
    fail "two entries not streams: one log line ($n)"
out=$(ctl client stream pull "$HUB" alice_to_bob 2>&1 | tr '\n' '|')
[ "$out" = "0 one|1 two|2 three|3 secret|" ] &&
    ok "after a restart of the hub: the same records" ||
    fail "after a restart of the hub: the same records ($out)"
out=$(ctl client stream push "$HUB" alice_to_bob four 2>&1)
[ "$out" = 4 ] && ok "and the next push gets index 4" ||
    fail "and the next push gets index 4 ($out)"

# show streams is bounded: 1030 streams on disk, the first 1024 listed,
# then why the listing ended.
PB=$(free_port $((PH + 1)))
mkdir -p "$T/big/data/streams"
i=0
while [ $i -lt 1030 ]; do
	mkdir "$T/big/data/streams/s$i"
	: > "$T/big/data/streams/s$i/00000000000000000000.seg"
	i=$((i + 1))
done
chmod 700 "$T/big/data"
if is_root && have_user; then chown -R "$NODE_USER" "$T/big"; fi
cat > "$T/big.conf" <<EOF2
listen on 127.0.0.1 port $PB consumers { "stream" }
stream service "stream" index "stream_index" \\
    storage embedded directory "$T/big/data"
limit streams 2000
EOF2
if start_node big "$T/big.conf"; then
	ctl big show streams > "$T/big.out" 2> "$T/big.err"
	st=$?
	n=$(grep -c '^s[0-9]* ' "$T/big.out")
	[ "$n" = 1024 ] && [ $st -ne 0 ] &&
	    grep -q 'only the first 1024 streams are listed' "$T/big.err" &&
	    ok "show streams: 1024 of 1030 listed, then it says so" ||
	    fail "show streams: 1024 of 1030 listed ($n, $st, $(cat "$T/big.err"))"
else
	fail "a hub with 1030 streams starts"
	show_log big
fi
