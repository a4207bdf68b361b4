#!/bin/sh
# SPDX-License-Identifier: ISC
# The daemons' normal paths under valgrind: no leaks, no memory errors,
# in all three processes.  Uses the build without the sandbox
# (VGBUILD, made by "make regress"): valgrind cannot run under seccomp.
. "$(dirname "$0")/lib.sh"

if ! command -v valgrind >/dev/null 2>&1 || [ -z "$VGBUILD" ] ||
    [ ! -x "$VGBUILD/ockam-routed" ]; then
	skip "valgrind or the valgrind build (VGBUILD) missing"
	exit 0
fi
VGBUILD=$(cd "$VGBUILD" && pwd)
ROUTE=/service/h1/service/h2/service/h3/service/echoer

d=$T/vg
mkdir -p "$d" "$d/conf"
if is_root && have_user; then chown "$NODE_USER" "$d"; fi
# In a directory of its own, which the node reads again on reload.
chmod 755 "$d/conf"
cp "$TOP/etc/secure-channel-many-hops.conf" "$d/conf/node.conf"
chmod 644 "$d/conf/node.conf"
vg_start "$d" "$d/conf/node.conf" -D vaultdir="$d/vault" || exit 0
S=$d/ockam.sock
[ "$("$CTL" -s "$S" message send "$ROUTE" 'Hello Ockam!' 2>&1)" = \
    "Hello Ockam!" ] && ok "valgrind: many hops" || fail "valgrind: many hops"
"$BUILD/examples/many-hops" -s "$S" > /dev/null 2>&1
"$CTL" -s "$S" message send /service/nosuch x > /dev/null 2>&1
"$CTL" -s "$S" show workers > /dev/null 2>&1
"$HELPERS/ctlpoke" "$S" deadbeefdeadbeefdeadbeefdeadbeef > /dev/null 2>&1
"$HELPERS/ctlpoke" -c "$S" 0300000064000000 > /dev/null 2>&1
"$HELPERS/sinkworker" "$S" sink > "$d/sink" 2>&1 &
spid=$!
wait_for 10 grep -q ready "$d/sink"
"$CTL" -s "$S" message send -t 1 /service/sink x > /dev/null 2>&1
kill $spid; wait $spid 2>/dev/null
# Secure channels: handshake, data both ways, a bad message, close.
ch=$("$CTL" -s "$S" secure-channel create \
    /service/h1/service/h2/service/h3/service/secure_channel_listener 2>&1)
[ "$("$CTL" -s "$S" message send "$ch/service/echoer" 'Hello Ockam!' 2>&1)" = \
    "Hello Ockam!" ] && ok "valgrind: secure channel over many hops" ||
    fail "valgrind: secure channel over many hops ($ch)"
"$CTL" -s "$S" message send -t 1 "$ch/service/h1/service/echoer" x \
    > /dev/null 2>&1
"$CTL" -s "$S" identity create carol > /dev/null 2>&1
"$CTL" -s "$S" show channels > /dev/null 2>&1
"$CTL" -s "$S" secure-channel delete "$ch" > /dev/null 2>&1
"$CTL" -s "$S" secure-channel create /service/strict_listener \
    > /dev/null 2>&1
ch=$("$CTL" -s "$S" secure-channel create /service/secure_channel_listener \
    2>&1)
# Reload: a listener and a worker added, a broken file refused, both
# removed again.
cp "$d/conf/node.conf" "$d/orig.conf"
printf 'listen on 127.0.0.1 port %s\necho "e2"\n' "$(free_port 23500)" \
    >> "$d/conf/node.conf"
"$CTL" -s "$S" reload > /dev/null 2>&1
sed -i 's/^echo "e2"$/echoer "e2"/' "$d/conf/node.conf"
"$CTL" -s "$S" reload > "$d/reload.out" 2>&1
cp "$d/orig.conf" "$d/conf/node.conf"
"$CTL" -s "$S" reload >> "$d/reload.out" 2>&1
[ "$(grep -c '^reloaded: ' "$d/reload.out")" -eq 2 ] &&
    ok "valgrind: reloads" || fail "valgrind: reloads ($(cat "$d/reload.out"))"
vg_stop
vg_clean "$d" 3

# The relay client (relayc.c): Bob from etc/hub-bob.conf under valgrind
# claims his alias at a hub (through a channel) and keeps a relay at
# FWD_ from relay create, heartbeats each second, a channel from Alice
# through each, his connection cut once and the relays back, both
# deleted (by alias and by address), the node stopped with a third.
PH=$(free_port 28300)
HUB=/ip4/127.0.0.1/tcp/$PH
sed 's/^relay at .*"bob_secure_channel_listener"$/& heartbeat 1/' \
    "$TOP/etc/hub-bob.conf" > "$T/bob.conf"
mkdir -p "$T/hub" "$T/alice"
start_node hub "$TOP/etc/hub.conf" -D port="$PH" -D vaultdir="$T/hub/vault" \
    -D statedir="$T/hub/streams" ||
    { fail "hub starts"; exit 0; }
start_node alice "$TOP/etc/hub-alice.conf" -D vaultdir="$T/alice/vault" ||
    { fail "alice starts"; exit 0; }
d=$T/vgr
mkdir -p "$d"
if is_root && have_user; then chown "$NODE_USER" "$d"; fi
vg_start "$d" "$T/bob.conf" -D hub="$HUB" -D vaultdir="$d/vault" || exit 0
S=$d/ockam.sock
out=$("$CTL" -s "$S" relay create --heartbeat 1 \
    --to bob_secure_channel_listener "$HUB" 2>&1)
relays_up() {
	[ "$("$CTL" -s "$S" show relays | grep -c '^client .* up ')" = 2 ]
}
wait_for 20 relays_up && ok "valgrind relay: both relays up ($out)" ||
    fail "valgrind relay: both relays up ($out)"
echoes() {
	for r in "${out#Forwarding address: }" \
	    "$HUB/service/forward_to_bob/service/bob_secure_channel_listener"
	do
		ch=$(ctl alice secure-channel create "$r" 2>&1)
		[ "$(ctl alice message send "$ch/service/echoer" hi 2>&1)" = \
		    hi ] || return 1
	done
}
echoes && ok "valgrind relay: echoes through both" ||
    fail "valgrind relay: echoes through both"
"$CTL" -s "$S" tcp-connection delete "127.0.0.1:$PH" > /dev/null 2>&1
sleep 1
wait_for 20 relays_up && ok "valgrind relay: both back after a cut" ||
    fail "valgrind relay: both back after a cut"
"$CTL" -s "$S" show relays > /dev/null 2>&1
"$CTL" -s "$S" relay delete bob > /dev/null 2>&1
for r in $("$CTL" -s "$S" show relays | awk '/^client/ { print $2 }'); do
	"$CTL" -s "$S" relay delete "$r" > /dev/null 2>&1
done
[ "$("$CTL" -s "$S" show relays | grep -c '^client')" = 0 ] &&
    ok "valgrind relay: both deleted" || fail "valgrind relay: both deleted"
"$CTL" -s "$S" relay create --to x "$HUB" > /dev/null 2>&1
vg_stop
vg_clean "$d" 3
