#!/bin/sh
# make bench: start a node from etc/secure-channel.conf in a scratch
# directory and run the benchmarks against it.
BUILD=${1:-build}
TOP=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(cd "$BUILD" && pwd) || exit 1
D=$(mktemp -d /tmp/ockam-bench.XXXXXX)
chmod 755 "$D"
[ "$(id -u)" -eq 0 ] && chown _ockam "$D"
"$BUILD/ockam-routed" -d -f "$TOP/etc/secure-channel.conf" \
    -s "$D/ockam.sock" -D vaultdir="$D/vault" > "$D/log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null; wait $PID 2>/dev/null; rm -rf "$D"' EXIT
n=0
until grep -q "node ready" "$D/log"; do
	n=$((n + 1))
	if [ $n -gt 100 ] || ! kill -0 $PID 2>/dev/null; then
		cat "$D/log" >&2
		exit 1
	fi
	sleep 0.1
done
"$BUILD/regress/bench" "$D/ockam.sock"
