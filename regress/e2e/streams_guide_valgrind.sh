#!/bin/sh
# SPDX-License-Identifier: ISC
# The stream clients of the guide "Secure channel via Streams" under
# valgrind: the responder and the initiator (etc/streams-*.conf) run
# from the build without the sandbox (VGBUILD) against a hub of the
# regress build; a channel over the streams, echoes, a client made by
# ockamctl, a denial, a record that is no message, the hub's restart,
# a shutdown: no leaks, no memory errors.
. "$(dirname "$0")/lib.sh"

if ! command -v valgrind >/dev/null 2>&1 || [ -z "$VGBUILD" ] ||
    [ ! -x "$VGBUILD/ockam-routed" ] || [ ! -x "$BUILD/ockam-streamd" ]; then
	skip "valgrind, the valgrind build (VGBUILD) or ockam-streamd missing"
	exit 0
fi
VGBUILD=$(cd "$VGBUILD" && pwd)
PH=$(free_port 37200)
HUB=/ip4/127.0.0.1/tcp/$PH
mkdir -p "$T/hub"
start_node hub "$TOP/etc/hub.conf" -D port="$PH" -D vaultdir="$T/hub/vault" \
    -D statedir="$T/hub/streams" || { fail "hub starts"; exit 0; }

# vg NAME CONF: a node under valgrind, its logs in $T/NAME
vg() {
	d=$T/$1
	mkdir -p "$d"
	if is_root && have_user; then chown "$NODE_USER" "$d"; fi
	valgrind -q --vgdb=no --trace-children=yes --leak-check=full \
	    --show-leak-kinds=definite,indirect \
	    --errors-for-leak-kinds=definite,indirect \
	    --log-file="$d/vg.%p" "$VGBUILD/ockam-routed" -d -v -f "$2" \
	    -s "$d/ockam.sock" -D vaultdir="$d/vault" -D hub="$HUB" \
	    > "$d/log" 2>&1 &
	echo $! > "$d/pid"
	wait_for 60 grep -q "node ready" "$d/log"
}
vg resp "$TOP/etc/streams-responder.conf" &&
    vg init "$TOP/etc/streams-initiator.conf" ||
    { fail "the nodes start under valgrind"; exit 0; }
vctl() { v=$1; shift; "$CTL" -s "$T/$v/ockam.sock" "$@"; }

ch=$(vctl init secure-channel create -t 60 \
    /service/to_responder/service/secure_channel_listener 2>&1)
out=$(vctl init message send -t 30 "$ch/service/echoer" 'Hello World!' 2>&1)
[ "$out" = "Hello World!" ] && ok "valgrind: an echo over streams" ||
    fail "valgrind: an echo over streams ($ch: $out)"
vctl resp stream client create --send b2 --receive a2 --name to_a \
    --consumer secure_channel_listener "$HUB" > /dev/null 2>&1
vctl init stream client create --send a2 --receive b2 --name to_b \
    "$HUB" > /dev/null 2>&1
vctl init stream client create --send ../x --receive y --name n \
    "$HUB" > /dev/null 2>&1
vctl init message send -t 3 /service/to_responder/service/echoer plain \
    > /dev/null 2>&1
vctl init stream push "$HUB" sc-initiator-to-responder garbage \
    > /dev/null 2>&1
stop_node hub
sleep 1
start_node hub "$TOP/etc/hub.conf" -D port="$PH" -D vaultdir="$T/hub/vault" \
    -D statedir="$T/hub/streams" || { fail "hub restarts"; exit 0; }
out=$(vctl init message send -t 60 "$ch/service/echoer" again 2>&1)
[ "$out" = again ] && ok "valgrind: an echo after the hub's restart" ||
    fail "valgrind: an echo after the hub's restart ($out)"

nlogs=0
for node in resp init; do
	pid=$(cat "$T/$node/pid")
	kill -TERM "$pid"
	if wait_for 60 sh -c "! kill -0 $pid 2>/dev/null"; then
		ok "valgrind: $node stops on SIGTERM"
	else
		fail "valgrind: $node stops on SIGTERM"
		kill -KILL "$pid"
	fi
	for f in "$T/$node"/vg.*; do
		if [ -s "$f" ]; then
			fail "valgrind: $node $(basename "$f") clean"
			sed 's/^/#   /' "$f"
		else
			ok "valgrind: $node $(basename "$f") clean"
		fi
		nlogs=$((nlogs + 1))
	done
done
[ "$nlogs" -eq 6 ] && ok "valgrind ran the three processes of both nodes" ||
    fail "valgrind ran the three processes of both nodes ($nlogs logs)"
