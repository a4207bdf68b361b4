#!/bin/sh
# SPDX-License-Identifier: ISC
# Redis Streams storage (ockam.conf(5) storage redis), against a real
# redis-server started here on 127.0.0.1 (appendonly, appendfsync
# always) and stopped by its PID: ockam-streamd driven by streamdpoke
# (appends, reads, offsets, a second streamd that finds them; its
# sandbox); Redis killed and restarted under appends, nothing confirmed
# lost; two streamds appending to one stream at once, indices
# contiguous and each writer's records once, in order; then two hub
# nodes on one Redis, a push through one and a pull through the other,
# with an ACL user and its password file.  Skipped without redis-server.
. "$(dirname "$0")/lib.sh"

if ! command -v redis-server >/dev/null 2>&1 ||
    ! command -v redis-cli >/dev/null 2>&1; then
	skip "redis-server is not installed (./setup installs it)"
	exit 0
fi
STREAMD=$BUILD/ockam-streamd
POKE=$HELPERS/streamdpoke
U=$NODE_USER
is_root && have_user || U=$(id -un)
RP=$(free_port 27700)
RPID=""
mkdir -p "$T/redis"

# start_redis: redis-server on 127.0.0.1:$RP with its files in
# $T/redis, up within 10 s.
start_redis() {
	redis-server --port "$RP" --bind 127.0.0.1 --dir "$T/redis" \
	    --save "" --appendonly yes --appendfsync always \
	    --aclfile "$T/redis/users.acl" --daemonize no \
	    >> "$T/redis/log" 2>&1 &
	RPID=$!
	wait_for 10 redis-cli -p "$RP" --user probe --pass probe ping
}
stop_redis() {
	[ -n "$RPID" ] && kill -KILL "$RPID" 2>/dev/null
	[ -n "$RPID" ] && wait "$RPID" 2>/dev/null
	RPID=""
}
trap 'stop_redis; cleanup' EXIT

# The ACL: the hubs' user with what ockam.conf(5) says it needs, and
# one for the probe that sees Redis up.
# (Redis 7.0 cannot load its AOF back with the default user off: what
# it replays as that user is refused, and the records are gone.)
cat > "$T/redis/users.acl" <<EOF
user default on nopass ~* +@all
user probe on >probe +ping
user hub on >hub-secret ~ockam:* -@all +evalsha +script|load +hget +hmget \
    +hset +hincrby +hlen +xadd +xrange +scan
EOF
start_redis || { fail "redis-server starts"; cat "$T/redis/log"; exit 0; }
export STREAMDPOKE_REDIS=127.0.0.1:$RP STREAMDPOKE_REDIS_USER=hub \
    STREAMDPOKE_REDIS_PASS=hub-secret

# poke OUT DIR SCENARIO [N]: run streamdpoke (at most 120 s)
poke() {
	out=$1; shift
	timeout 120 "$POKE" "$STREAMD" "$U" "$@" > "$T/$out" 2>&1
}

poke normal "$T/sd1" normal 100
expect normal "appends confirmed in order with indices from 0 in Redis" \
    "Redis at 127.0.0.1:$RP: connected" \
    "open alice_to_bob: status 0 existed 0 first 0 next 0" \
    "appends confirmed in order, contiguous indices ok" \
    "child exited: status 0"
if grep -q "FAILED\|no READY\|did not exit\|BAD RECORDS" "$T/normal"; then
	fail "reads, stat and offsets as with the embedded log"
	sed 's/^/#   /' "$T/normal"
else ok "reads, stat and offsets as with the embedded log"; fi
expect normal "offsets in Redis: none, 0 after SAVE 0, the larger kept" \
    "offset c1 alice_to_bob: found 0 index 0" \
    "offset c1 alice_to_bob: found 1 index 0" \
    "offset c1 alice_to_bob: found 1 index 6" \
    "offset c2 alice_to_bob: found 0" \
    "open nobody: status 3"
[ -z "$(ls -A "$T/sd1")" ] && ok "no file in streamd's directory" ||
    fail "no file in streamd's directory ($(ls -A "$T/sd1"))"
poke check "$T/sd2" check
expect check "another streamd finds every record and the offset" \
    "open alice_to_bob: status 0 existed 1 first 0 next 100" \
    "records 100" "offset c1 alice_to_bob: found 1 index 6" \
    "child exited: status 0"
out=$(redis-cli -p "$RP" --user hub --pass hub-secret --no-auth-warning \
    xrange 'ockam:{alice_to_bob}:log' - + count 1 2>&1 | tr '\n' ' ')
echo "$out" | grep -q "^0-1 d record 0 of the stream" &&
    ok "record 0 is the Redis stream entry 0-1" ||
    fail "record 0 is the Redis stream entry 0-1 ($out)"

STREAMDPOKE_REDIS_PASS=wrong poke auth "$T/sd3" check
expect auth "a wrong password: refused by Redis, said, errors answered" \
    "AUTH refused" "open alice_to_bob: status 1"

poke sandbox "$T/sd3" sandbox
expect sandbox "streamd with Redis: a forbidden call kills it" \
    "child exited: signal 31"
poke connect "$T/sd3" connect
if grep -q "Landlock ABI [4-9]" "$T/connect" ||
    grep -q "Landlock ABI [1-9][0-9]" "$T/connect"; then
	expect connect "streamd with Redis: a connect to another port \
refused (Landlock), still serving" \
	    "connect to port 1 refused: Permission denied" \
	    "open alice_to_bob: status 0 existed 1"
else skip "Landlock has no network rules here: connect not checked"; fi
poke unlink "$T/sd3" unlink
expect unlink "streamd with Redis: no file removed, killed" \
    "child exited: signal 31"

# Two streamds (two hubs) appending to one stream at once.
poke share1 "$T/sd4" share 3000 &
p1=$!
poke share2 "$T/sd5" share 3000
wait "$p1"
expect share1 "first writer: every append confirmed" \
    "appends confirmed, indices increasing ok"
expect share2 "second writer: every append confirmed" \
    "appends confirmed, indices increasing ok"
poke sharecheck "$T/sd4" sharecheck 6000
expect sharecheck "two writers, one stream: indices 0 to 5999, each \
writer's records once and in order" \
    "records 6000: writers 3000 and 3000" "each writer's records once"

# Redis killed and restarted under appends (32 in flight).
poke load "$T/sd6" load 20000 &
lp=$!
wait_for 20 grep -q "open load" "$T/load"
sleep 0.3
stop_redis
sleep 0.5
start_redis || fail "redis-server starts again"
wait "$lp"
expect load "Redis killed (SIGKILL) and restarted under appends: every \
confirmed record read back at its index" \
    "confirmed 20000" "confirmed records missing or changed: 0" \
    "every confirmed record read back at its index ok" \
    "child exited: status 0"
grep -q "confirmed 20000, refused [1-9]" "$T/load" &&
    ok "appends refused while Redis was down (error replies)" ||
    fail "appends refused while Redis was down ($(grep confirmed \
    "$T/load"))"
grep -q "Redis at .*connecting again" "$T/load" &&
    grep -c "Redis at 127.0.0.1:$RP: connected" "$T/load" | grep -q 2 &&
    ok "streamd said the loss and connected again" ||
    fail "streamd said the loss and connected again"

# Two hub nodes on one Redis: a push through one, a pull through the other.
printf 'hub hub-secret\n' > "$T/redis/pass"
chmod 600 "$T/redis/pass"
for h in hub1 hub2; do
	mkdir -p "$T/$h"
	if is_root && have_user; then chown "$NODE_USER" "$T/$h"; fi
	port=$(free_port 27800)
	[ "$h" = hub2 ] && port=$(free_port 27900)
	eval "P_$h=$port"
	cat > "$T/$h.conf" <<EOF
listen on 127.0.0.1 port $port consumers { "stream", "stream_index" }
stream service "stream" index "stream_index" \\
    storage redis 127.0.0.1:$RP directory "$T/$h/data" \\
    password-file "$T/redis/pass"
EOF
	start_node "$h" "$T/$h.conf" ||
	    { fail "$h starts on Redis"; show_log "$h"; exit 0; }
done
start_node client "$TOP/etc/initiator.conf" -D vaultdir="$T/client/vault" ||
    { fail "client starts"; exit 0; }
ok "two hubs on one Redis, and a client node"
H1=/ip4/127.0.0.1/tcp/$P_hub1
H2=/ip4/127.0.0.1/tcp/$P_hub2
ctl client stream create "$H1" a_to_b > /dev/null 2>&1
ctl client stream create "$H2" a_to_b > /dev/null 2>&1
idx=""
for m in one two three; do
	idx="$idx $(ctl client stream push "$H1" a_to_b "$m" 2>&1)"
done
idx="$idx $(ctl client stream push "$H2" a_to_b four 2>&1)"
[ "$idx" = " 0 1 2 3" ] &&
    ok "pushes through both hubs: indices 0 to 3, one sequence" ||
    fail "pushes through both hubs: indices 0 to 3, one sequence ($idx)"
out=$(ctl client stream pull "$H2" a_to_b 2>&1 | tr '\n' '|')
[ "$out" = "0 one|1 two|2 three|3 four|" ] &&
    ok "pull through the other hub: all four, in order" ||
    fail "pull through the other hub: all four, in order ($out)"
out=$(ctl client stream pull -i 1 -l 2 "$H1" a_to_b 2>&1 | tr '\n' '|')
[ "$out" = "1 two|2 three|" ] && ok "pull by index and limit on the first" ||
    fail "pull by index and limit on the first ($out)"

# show streams on a hub restarted on Redis: every stream there, those
# it has not opened (streamd's own, the other hub's) too.
stop_node hub2
start_node hub2 "$T/hub2.conf" || { fail "hub2 restarts"; show_log hub2; }
out=$(ctl hub2 show streams 2>&1)
echo "$out" | grep -qE '^a_to_b +- +4 +0 +[0-9]+ redis$' &&
    echo "$out" | grep -qE '^alice_to_bob +- +[0-9]+ +0 +[0-9]+ redis$' &&
    ok "show streams after a restart: the streams in Redis, unopened" ||
    fail "show streams after a restart: the streams in Redis ($out)"
