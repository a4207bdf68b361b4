#!/bin/sh
# SPDX-License-Identifier: ISC
# A hub's stream services under valgrind: creates, pushes, pulls (one
# answered by a push while it waited, one that times out), index saves
# and gets, malformed requests, show streams, and a shutdown with a
# pull still waiting: no leak, no memory error, in all four processes.
# Uses the build without the sandbox (VGBUILD, made by "make regress").
. "$(dirname "$0")/lib.sh"

if ! command -v valgrind >/dev/null 2>&1 || [ -z "$VGBUILD" ] ||
    [ ! -x "$VGBUILD/ockam-routed" ] || [ ! -x "$VGBUILD/ockam-streamd" ]
then
	skip "valgrind or the valgrind build (VGBUILD) missing"
	exit 0
fi
if ! command -v python3 >/dev/null 2>&1; then
	skip "python3 is needed for the raw clients"
	exit 0
fi
VGBUILD=$(cd "$VGBUILD" && pwd)
PH=$(free_port 32500)
d=$T/vg
mkdir -p "$d"
if is_root && have_user; then chown "$NODE_USER" "$d"; fi
cat > "$d/hub.conf" <<EOF
listen on 127.0.0.1 port $PH consumers { "stream", "stream_index" }
stream service "stream" index "stream_index" \\
    storage embedded directory "$d/data"
limit stream-pull-wait 1
EOF
vg_start "$d" "$d/hub.conf" || exit 0

cat "$(dirname "$0")/frames.py" - > "$T/raw.py" <<'PY'
def env(p, d): return bare(p) + bare(d)
def ask(s, to, pl, t=5):
    s.sendall(frame([(0, to)], [(0, b"app")], pl)); s.settimeout(t)
    return recv(s)
def proto(r):
    if r is None: return None
    n, i = rduv(r[2], 0); return r[2][i:i + n].decode()
s = conn()
IDX = b"stream_index"
if len(sys.argv) > 2:
    # A pull left waiting when the hub stops.
    r = ask(s, b"stream", env(b"stream_create", b"\x01" + bare(b"vgwait")))
    s.sendall(frame([(0, r[1][-1][1])], [(0, b"app")],
        env(b"stream_pull", b"\x04\x00\x08")))
    time.sleep(0.5)
    print("waiting"); sys.stdout.flush()
    time.sleep(3)
    sys.exit(0)
r = ask(s, b"stream", env(b"stream_create", b"\x01" + bare(b"vg")))
w = r[1][-1][1] if r else b"-"
ok = proto(r) == "stream_create"
for i in range(20):
    ok = ok and proto(ask(s, w, env(b"stream_push", uv(i) +
        bare(b"m%d" % i)))) == "stream_push"
ok = ok and proto(ask(s, w, env(b"stream_pull", b"\x01\x00\x08"))) == \
    "stream_pull"
# A pull at the end, answered by a push on another connection.
s.sendall(frame([(0, w)], [(0, b"app")], env(b"stream_pull",
    b"\x02\x14\x08")))
t = conn()
ok = ok and proto(ask(t, w, env(b"stream_push", b"\x63" +
    bare(b"late")))) == "stream_push"
s.settimeout(5)
ok = ok and proto(recv(s)) == "stream_pull"
# One that times out empty.
ok = ok and proto(ask(s, w, env(b"stream_pull", b"\x03\x15\x08"))) == \
    "stream_pull"
ask(s, IDX, env(IDX, b"\x01" + bare(b"c") + bare(b"vg") + b"\x05"), 0.3)
ok = ok and proto(ask(s, IDX, env(IDX, b"\x00" + bare(b"c") +
    bare(b"vg")))) == "stream_index"
for to, pl in ((b"stream", b"\xff"), (w, env(b"stream_pull", b"\x01")),
               (IDX, env(IDX, b"\x07")), (b"stream",
               env(b"stream_create", b"\x01" + bare(b"../x")))):
    ok = ok and proto(ask(s, to, pl)) == "error"
print("exercised", ok)
PY
python3 "$T/raw.py" "$PH" > "$T/raw.out" 2>&1
grep -q "^exercised True" "$T/raw.out" &&
    ok "valgrind: stream and index services exercised" ||
    { fail "valgrind: stream and index services exercised"; \
    sed 's/^/#   /' "$T/raw.out"; }
"$CTL" -s "$d/ockam.sock" show streams 2>&1 | grep -q "^vg " &&
    ok "valgrind: show streams" || fail "valgrind: show streams"
python3 "$T/raw.py" "$PH" wait > "$T/wait.out" 2>&1 &
wait_for 30 grep -q waiting "$T/wait.out" ||
    fail "valgrind: a pull waits at the end"
vg_stop
wait
vg_clean "$d" 4
