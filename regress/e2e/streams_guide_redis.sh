#!/bin/sh
# SPDX-License-Identifier: ISC
# The guide "Secure channel via Streams" over Redis: etc/hub-redis.conf
# with its streams in a redis-server started here on 127.0.0.1 (a
# password, requirepass, read from a 0600 file) and stopped by its PID,
# and etc/streams-responder.conf and etc/streams-initiator.conf as
# they are.  A secure channel over the two streams and an echo through
# it; Redis holds the records, never the plaintext (XRANGE); the hub
# restarted, the same channel echoes again and show streams lists the
# two streams in Redis.  Skipped without redis-server.
. "$(dirname "$0")/lib.sh"

if ! command -v redis-server >/dev/null 2>&1 ||
    ! command -v redis-cli >/dev/null 2>&1; then
	skip "redis-server is not installed (./setup installs it)"
	exit 0
fi
if [ ! -x "$BUILD/ockam-streamd" ]; then
	skip "ockam-streamd is not built"
	exit 0
fi
RP=$(free_port 37300)
RPID=""
mkdir -p "$T/redis" "$T/hub" "$T/resp" "$T/init"
redis-server --port "$RP" --bind 127.0.0.1 --dir "$T/redis" --save "" \
    --appendonly no --requirepass guide-secret --daemonize no \
    > "$T/redis/log" 2>&1 &
RPID=$!
trap '[ -n "$RPID" ] && kill -KILL "$RPID" 2>/dev/null; cleanup' EXIT
rcli() { redis-cli -p "$RP" -a guide-secret --no-auth-warning "$@"; }
wait_for 10 rcli ping || { fail "redis-server starts"; cat "$T/redis/log"
    exit 0; }
printf 'guide-secret\n' > "$T/redis/pass"
chmod 600 "$T/redis/pass"

PH=$(free_port 37200)
HUB=/ip4/127.0.0.1/tcp/$PH
cp "$TOP/etc/hub-redis.conf" "$T/hub.conf"
if is_root && have_user; then chown "$NODE_USER" "$T/hub"; fi
start_hub() {
	start_node hub "$T/hub.conf" -D vaultdir="$T/hub/vault" \
	    -D statedir="$T/hub/streams" -D redis="127.0.0.1:$RP" -D port="$PH" \
	    -D redispass="$T/redis/pass"
}
start_hub || { fail "hub starts on Redis"; exit 0; }
start_node resp "$TOP/etc/streams-responder.conf" \
    -D vaultdir="$T/resp/vault" -D hub="$HUB" ||
    { fail "responder starts"; exit 0; }
start_node init "$TOP/etc/streams-initiator.conf" \
    -D vaultdir="$T/init/vault" -D hub="$HUB" ||
    { fail "initiator starts"; exit 0; }
ok "hub (etc/hub-redis.conf), responder and initiator from etc/"

ch=$(ctl init secure-channel create \
    /service/to_responder/service/secure_channel_listener 2>&1)
case $ch in
/service/*) ok "a secure channel over streams in Redis: $ch" ;;
*) fail "a secure channel over streams in Redis ($ch)"; show_log hub
   exit 0 ;;
esac
out=$(ctl init message send "$ch/service/echoer" 'Hello World!' 2>&1)
[ "$out" = "Hello World!" ] && ok "message send: the echo prints Hello World!" ||
    fail "message send: the echo prints Hello World! ($out)"

# Redis holds both streams' records, and no plaintext in them.
for s in sc-initiator-to-responder sc-responder-to-initiator; do
	rcli xrange "ockam:{$s}:log" - + > "$T/$s.xrange" 2>&1
done
n1=$(grep -c '^d$' "$T/sc-initiator-to-responder.xrange")
n2=$(grep -c '^d$' "$T/sc-responder-to-initiator.xrange")
[ "$n1" -ge 3 ] && [ "$n2" -ge 3 ] &&
    ok "Redis holds both streams ($n1 and $n2 records)" ||
    fail "Redis holds both streams ($n1 and $n2 records)"
if grep -qa 'Hello World' "$T"/sc-*.xrange; then
	fail "XRANGE: no plaintext in Redis"
else ok "XRANGE: no plaintext in Redis"; fi

# The hub restarts on Redis: the same channel, the streams listed.
stop_node hub
start_hub || { fail "hub restarts on Redis"; exit 0; }
out=$(ctl init message send -t 20 "$ch/service/echoer" 'after a restart' \
    2>&1)
[ "$out" = "after a restart" ] &&
    ok "the hub restarted: an echo through the same channel" ||
    fail "the hub restarted: an echo through the same channel ($out)"
out=$(ctl hub show streams 2>&1)
echo "$out" | grep -qE '^sc-initiator-to-responder +[^ ]+ +[0-9]+ +0 +[0-9]+ redis$' &&
    echo "$out" | grep -qE '^sc-responder-to-initiator +[^ ]+ +[0-9]+ +0 +[0-9]+ redis$' &&
    ok "show streams: both streams, in Redis" ||
    fail "show streams: both streams, in Redis ($out)"
[ -z "$(ls -A "$T/hub/streams" 2>/dev/null)" ] &&
    ok "nothing written in the hub's directory" ||
    fail "nothing written in the hub's directory"
