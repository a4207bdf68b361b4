#!/bin/sh
# SPDX-License-Identifier: ISC
# Readiness and exit status, as systemd and an init script see them:
# READY=1 on $NOTIFY_SOCKET once the node is ready; a daemonized start
# exits 0 when the node runs and 1 when it does not (a port in use);
# under systemd's journal, log lines carry their <N> priority.
. "$(dirname "$0")/lib.sh"

if ! command -v python3 >/dev/null 2>&1; then
	skip "python3 is needed for the notify socket"
	exit 0
fi
P=$(free_port 29400)
mkdir -p "$T/n1" "$T/d1" "$T/d2"
# Unprivileged, routed must be able to remove its socket at exit.
if is_root && have_user; then chown "$NODE_USER" "$T/n1" "$T/d1" "$T/d2"; fi

# 1. Type=notify: one datagram, READY=1 and MAINPID, once ready; on
# SIGHUP (ExecReload), RELOADING=1 with MONOTONIC_USEC, then READY=1.
cat > "$T/notify.py" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1]); s.settimeout(15)
open(sys.argv[2] + ".bound", "w").close()
try:
    for i in range(3):
        d = s.recv(4096)
        with open(sys.argv[2], "ab") as f:
            f.write(d + b"\n--\n")
except socket.timeout:
    pass
PY
python3 "$T/notify.py" "$T/notify.sock" "$T/notify.out" &
npid=$!
wait_for 5 test -e "$T/notify.out.bound"
NOTIFY_SOCKET=$T/notify.sock "$ROUTED" -d -f "$TOP/etc/hub.conf" -D port="$P" \
    -s "$T/n1/ockam.sock" -D vaultdir="$T/n1/vault" \
    -D statedir="$T/n1/streams" > "$T/n1/log" 2>&1 &
rpid=$!
echo $rpid > "$T/n1/pid"
NODES="$NODES n1"
wait_for 10 test -s "$T/notify.out"
if grep -q "^READY=1" "$T/notify.out" &&
    grep -q "^MAINPID=$rpid\$" "$T/notify.out"; then
	ok "NOTIFY_SOCKET: READY=1 and MAINPID=$rpid"
else fail "NOTIFY_SOCKET: READY=1 and MAINPID ($(cat "$T/notify.out"))"; fi
check "READY=1 comes once the node is ready" grep -q "node ready" "$T/n1/log"
kill -HUP $rpid
wait_for 10 sh -c "[ \$(grep -c '^--' '$T/notify.out') -ge 3 ]"
if [ "$(grep -v '^MAINPID\|^MONOTONIC_USEC=[0-9]*$' "$T/notify.out" |
    tr '\n' ' ')" = "READY=1 -- RELOADING=1 -- READY=1 -- " ] &&
    grep -q "^MONOTONIC_USEC=[0-9]" "$T/notify.out"; then
	ok "SIGHUP: RELOADING=1 and MONOTONIC_USEC, then READY=1"
else fail "SIGHUP: RELOADING=1, then READY=1 ($(cat "$T/notify.out"))"; fi
kill "$npid" 2>/dev/null
stop_node n1

# 2. Daemonized: the exit status says whether the node started.
# pid_of SOCK: the daemon's routed, by its process title
pid_of() {
	for d in /proc/[0-9]*; do
		{ tr '\0' ' ' < "$d/cmdline"; } 2>/dev/null |
		    grep -q "router $1" && { echo "${d#/proc/}"; return; }
	done
}
"$ROUTED" -f "$TOP/etc/hub.conf" -D port="$P" -s "$T/d1/ockam.sock" \
    -D vaultdir="$T/d1/vault" -D statedir="$T/d1/streams" \
    > "$T/d1.out" 2>&1; rc=$?
d1=$(pid_of "$T/d1/ockam.sock")
[ $rc -eq 0 ] && [ -n "$d1" ] && ok "daemonized start: exit 0, the node runs" ||
    fail "daemonized start: exit 0, the node runs (rc $rc, pid $d1)"
[ "$(ctl d1 message send "/ip4/127.0.0.1/tcp/$P/service/forwarding_service" \
    hi 2>&1)" = hi ] && ok "the daemonized node serves at once" ||
    fail "the daemonized node serves at once"
"$ROUTED" -f "$TOP/etc/hub.conf" -D port="$P" -s "$T/d2/ockam.sock" \
    -D vaultdir="$T/d2/vault" -D statedir="$T/d2/streams" \
    > "$T/d2.out" 2>&1; rc=$?
[ $rc -eq 1 ] && grep -q "did not start" "$T/d2.out" &&
    ok "daemonized start with its port in use: exit 1 ($(cat "$T/d2.out"))" ||
    fail "daemonized start with its port in use: exit 1 (rc $rc: $(cat "$T/d2.out"))"
check "nothing of that node is left" test -z "$(pid_of "$T/d2/ockam.sock")"
[ -n "$d1" ] && kill -TERM "$d1"
wait_for 5 sh -c "! kill -0 $d1 2>/dev/null" && ok "the daemon stops on SIGTERM" ||
    { fail "the daemon stops on SIGTERM"; kill -KILL "$d1" 2>/dev/null; }

# 3. The journal: stderr is the stream $JOURNAL_STREAM names.
: > "$T/j.log"
JOURNAL_STREAM=$(stat -c '%d:%i' "$T/j.log") "$ROUTED" -d \
    -f "$TOP/etc/hub.conf" -D port="$P" -s "$T/n1/ockam.sock" \
    -D vaultdir="$T/n1/vault" \
    -D statedir="$T/n1/streams" 2>> "$T/j.log" &
echo $! > "$T/n1/pid"
wait_for 10 grep -q "node ready" "$T/j.log"
check "journal: info lines carry <6>" grep -q "^<6>routed: node ready" "$T/j.log"
check "journal: the children's lines too" grep -q "^<6>tcpd: listener" "$T/j.log"
check "journal: every line has a priority" \
    sh -c "! grep -v '^<[0-7]>' $T/j.log"
stop_node n1
