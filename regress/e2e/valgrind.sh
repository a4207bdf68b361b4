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
mkdir -p "$d"
if is_root && have_user; then chown "$NODE_USER" "$d"; fi
vg_start "$d" "$TOP/etc/secure-channel-many-hops.conf" \
    -D vaultdir="$d/vault" || exit 0
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
vg_stop
vg_clean "$d" 3
