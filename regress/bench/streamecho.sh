# SPDX-License-Identifier: ISC
# Sourced by run.sh: the guide "Secure channel via Streams" from etc/
# (a hub from etc/hub.conf with its streams on a disk, the responder
# and the initiator with stream clients polling every 100 ms), and the
# round trip of a 64-byte echo through the channel over the streams,
# one at a time: with the hub-side wait (stream-pull-wait, a pull at
# the end of a stream answered by the next push) and without it
# (stream-pull-wait 0: the stream clients' polls alone), next to the
# same channel's echo straight over TCP measured above; and with the
# wait and the hub's storage in /dev/shm (tmpfs: what the fsyncs cost).
SE=$(mktemp -d /var/tmp/ockam-bench-sech.XXXXXX)
SM=$(mktemp -d /dev/shm/ockam-bench-sech.XXXXXX 2>/dev/null) || SM=""
chmod 755 "$SE" $SM
[ "$(id -u)" -eq 0 ] && chown _ockam "$SE" $SM
for side in responder initiator; do
	sed "s/client-id \"$side\"/& interval 100/" \
	    "$TOP/etc/streams-$side.conf" > "$D/se-$side.conf"
done
# se_echo WAIT N DIR: hub (its streams under DIR), responder and
# initiator, N echoes; prints "p50 p99" (us)
se_echo() {
	sp=$(port $((28700 + $1)))
	{ cat "$TOP/etc/hub.conf"
	  echo "limit stream-pull-wait $1"; } > "$D/se-hub$1.conf"
	start sehub$1 "$D/se-hub$1.conf" -D vaultdir="$D/sehv$1" \
	    -D statedir="$3/streams$1" -D port="$sp"
	sepids=$PID
	start seresp$1 "$D/se-responder.conf" -D vaultdir="$D/serv$1" \
	    -D hub="/ip4/127.0.0.1/tcp/$sp"
	sepids="$sepids $PID"
	start seinit$1 "$D/se-initiator.conf" -D vaultdir="$D/seiv$1" \
	    -D hub="/ip4/127.0.0.1/tcp/$sp"
	sepids="$sepids $PID"
	sech=$("$BUILD/ockamctl" -s "$D/seinit$1.sock" secure-channel create \
	    /service/to_responder/service/secure_channel_listener) || exit 1
	"$BUILD/regress/bench" "$D/seinit$1.sock" rtt "$sech/service/echoer" \
	    "$2" || echo "- -"
	kill $sepids 2>/dev/null
	wait $sepids 2>/dev/null
}
sew=$(se_echo 2 ${BENCH_STREAM_ECHOES:-1000} "$SE")
sep=$(se_echo 0 ${BENCH_STREAM_POLLS:-50} "$SE")
sem="- -"
[ -n "$SM" ] && sem=$(se_echo 2 ${BENCH_STREAM_ECHOES:-1000} "$SM")
rm -rf "$SE" $SM
ms() { awk -v u="$1" 'BEGIN { if (u == "-") print "-"; else printf "%.2f", u / 1000 }'; }
rowms() { printf '%-52s %10s %10s\n' "$1" "$(ms "$2")" "$(ms "$3")"; }
printf '\n%-52s %10s %10s\n' "echo through a secure channel over streams" \
    "RTT 64 B" "RTT 64 B"
printf '%-52s %10s %10s\n' "(stream clients polling every 100 ms)" \
    "p50 (ms)" "p99 (ms)"
set -- $secure
rowms "the same channel straight over TCP (reference)" "$1" "$2"
set -- $sew
rowms "over streams, the hub's wait (stream-pull-wait 2)" "$1" "$2"
sewp50=$1
set -- $sep
rowms "over streams, polls alone (stream-pull-wait 0)" "$1" "$2"
set -- $sem
rowms "over streams, the hub's wait, streams on tmpfs" "$1" "$2"
[ "$sewp50" != "-" ] &&
    printf '\nwith the hub-side wait: p50 %s ms (target <= 5 ms)\n' \
    "$(ms "$sewp50")"
cat <<EOC

Each echo goes: the initiator's channel -> its producer pushes to
sc-initiator-to-responder at the hub (confirmed after the fsync) -> the
responder's consumer, whose pull was waiting at the hub, gets it ->
the responder's channel -> echoer, and back the same way through
sc-responder-to-initiator.  Without the hub's wait a pull that finds
nothing is answered at once and the consumer polls again 100 ms later.
Each push is confirmed after the fdatasync of its record: the tmpfs row
shows what the fsyncs of an echo's two pushes cost (the disk here:
$(stat -f -c %T /var/tmp)).
EOC
