# SPDX-License-Identifier: ISC
# Sourced by run.sh: the Redis storage of ockam-streamd, confirmed
# appends/s next to redis-benchmark XADD with the same payload and the
# same number in flight, against the same redis-server, in this run.
# Skipped without redis-server and redis-benchmark.
if ! command -v redis-server >/dev/null 2>&1 ||
    ! command -v redis-benchmark >/dev/null 2>&1; then
	printf '\nRedis storage: skipped (redis-server or redis-benchmark ' \
	    'is not installed; ./setup installs them)\n'
	return 0 2>/dev/null || exit 0
fi
RD=$(mktemp -d /var/tmp/ockam-bench-redis.XXXXXX)
chmod 755 "$RD"
RPORT=$(port 27500)
redis-server --port "$RPORT" --bind 127.0.0.1 --dir "$RD" --save "" \
    --appendonly yes --appendfsync always --daemonize no \
    > "$RD/redis.log" 2>&1 &
RPID=$!
PIDS="$PIDS $RPID"
n=0
until redis-cli -p "$RPORT" ping > /dev/null 2>&1; do
	n=$((n + 1))
	[ $n -gt 100 ] && { cat "$RD/redis.log" >&2; exit 1; }
	sleep 0.1
done
STREAMBENCH_REDIS=127.0.0.1:$RPORT "$BUILD/regress/streambench" \
    "$BUILD/ockam-streamd" _ockam "$RD/data" 2 2>/dev/null |
    grep '^[0-9]* [0-9]* [0-9]*$' > "$D/redisbench"
# rb SIZE CLIENTS: redis-benchmark XADD of SIZE bytes, requests/s
rb() {
	redis-benchmark -p "$RPORT" -c "$2" -n $(( $2 == 1 ? 5000 : 50000 )) \
	    --csv XADD rb '*' d "$(head -c "$1" /dev/zero | tr '\0' x)" \
	    2>/dev/null | tail -n 1 | cut -d, -f2 | tr -d '"' |
	    cut -d. -f1
}
b1="$(rb 64 1) $(rb 1024 1)"
b32="$(rb 64 32) $(rb 1024 32)"
kill "$RPID" 2>/dev/null
wait "$RPID" 2>/dev/null
rm -rf "$RD"
r1=$(awk '$2 == 1 { printf "%s ", $3 }' "$D/redisbench")
r32=$(awk '$2 == 32 { printf "%s ", $3 }' "$D/redisbench")
printf '\n%-44s %14s %14s\n' "Redis storage (appendfsync always)" \
    "appends/s 64 B" "appends/s 1 KiB"
row "ockam-streamd, 1 append in flight" $r1
row "redis-benchmark XADD, 1 client" $b1
row "ockam-streamd, 32 appends in flight" $r32
row "redis-benchmark XADD, 32 clients" $b32
set -- $r32 $b32
[ $# -eq 4 ] && [ "$3" -gt 0 ] && [ "$4" -gt 0 ] &&
    printf '\n32 in flight, against XADD: %s x (64 B), %s x (1 KiB)\n' \
    "$(awk "BEGIN { printf \"%.2f\", $1 / $3 }")" \
    "$(awk "BEGIN { printf \"%.2f\", $2 / $4 }")"
cat <<EOC

ockam-streamd sends the appends that reach it together in one
pipeline, each a Lua script (next index, XADD, counts), over one
connection; redis-benchmark sends a bare XADD per client.  Both go to
the same redis-server, appendonly with appendfsync always.
EOC
