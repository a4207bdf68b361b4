#!/bin/sh
# SPDX-License-Identifier: ISC
# The guide "Secure channel via Streams" from etc/: a hub from
# etc/hub.conf, and two nodes that never connect to each other
# (etc/streams-responder.conf, etc/streams-initiator.conf), each with a
# stream client at the hub.  A secure channel over the two streams, an
# echo through it; the hub stores only ciphertext; what the streams
# bring reaches only the stream client's consumers; the responder,
# restarted, resumes from its saved index (a handshake pushed while it
# was down completes, the old one is not replayed); a message sent
# while the hub is down goes through the same channel after the hub's
# restart.
. "$(dirname "$0")/lib.sh"

if [ ! -x "$BUILD/ockam-streamd" ]; then
	skip "ockam-streamd is not built"
	exit 0
fi
# The statement: what a stream client needs, checked by -n.
H=/ip4/127.0.0.1/tcp/4000
for bad in "send a receive b" "send a receive a sender s" \
    "send ../x receive b sender s" "send a receive b sender s interval 0" \
    "send a receive b sender \"echoer\"" \
    "send a receive b sender s client-id a/b"
do
	printf 'echoer "echoer"\nstream client at "%s" %s\n' "$H" "$bad" \
	    > "$T/bad.conf"
	if "$ROUTED" -n -f "$T/bad.conf" > "$T/bad.out" 2>&1; then
		fail "stream client at HUB $bad: refused"
	else ok "stream client at HUB $bad: refused"; fi
done
printf 'stream client at "%s" send a receive b sender s interval 100 %s\n' \
    "$H" 'consumers { "x" "y" }' > "$T/good.conf"
"$ROUTED" -nv -f "$T/good.conf" 2>&1 | grep -q \
    '^stream client at .* sender "s" interval 100 .*consumers { "x" "y" }' &&
    ok "-nv prints a stream client" || fail "-nv prints a stream client"

PH=$(free_port 37100)
HUB=/ip4/127.0.0.1/tcp/$PH
mkdir -p "$T/hub" "$T/resp" "$T/init"
start_node hub "$TOP/etc/hub.conf" -D port="$PH" -D vaultdir="$T/hub/vault" \
    -D statedir="$T/hub/streams" || { fail "hub starts"; exit 0; }
start_resp() {
	start_node resp "$TOP/etc/streams-responder.conf" \
	    -D vaultdir="$T/resp/vault" -D hub="$HUB"
}
start_resp || { fail "responder starts"; exit 0; }
start_node init "$TOP/etc/streams-initiator.conf" \
    -D vaultdir="$T/init/vault" -D hub="$HUB" ||
    { fail "initiator starts"; exit 0; }
ok "hub, responder and initiator from etc/"
# pulling NODE: its consumer asked for its saved index and pulls
pulling() { grep -q "stream client $1: pulls" "$(node_log "$2")"; }
wait_for 10 pulling to_initiator resp &&
    wait_for 10 pulling to_responder init &&
    ok "both stream clients pull" || fail "both stream clients pull"

ch=$(ctl init secure-channel create \
    /service/to_responder/service/secure_channel_listener 2>&1)
case $ch in
/service/*) ok "a secure channel over the streams: $ch" ;;
*) fail "a secure channel over the streams ($ch)"; show_log init
   show_log resp; exit 0 ;;
esac
out=$(ctl init message send "$ch/service/echoer" 'Hello World!' 2>&1)
[ "$out" = "Hello World!" ] && ok "message send: the echo prints Hello World!" ||
    fail "message send: the echo prints Hello World! ($out)"
out=$(ctl init message send "$ch/service/echoer" 'second' 2>&1)
[ "$out" = second ] && ok "a second echo" || fail "a second echo ($out)"

ctl init show workers > "$T/workers" 2>&1
check "show workers: the producer, up" grep -q \
    "^to_responder *stream producer to sc-initiator-to-responder, up, [1-9]" \
    "$T/workers"
check "show workers: the consumer, pulling or idle" grep -Eq \
    "^stc_[0-9a-f]{16} *stream consumer +from sc-responder-to-initiator, (pulling|idle), index [1-9]" \
    "$T/workers"

# The hub holds a pull until the next push: an echo does not wait for
# the poll interval (250 ms each way).
t0=$(date +%s%N)
for i in 1 2 3 4 5 6 7 8 9 10; do
	ctl init message send "$ch/service/echoer" "e$i" > /dev/null 2>&1
done
ms=$((($(date +%s%N) - t0) / 10000000))
echo "# 10 echoes over streams: $ms ms each"
[ "$ms" -lt 250 ] && ok "an echo over streams takes less than a poll ($ms ms)" ||
    fail "an echo over streams takes less than a poll ($ms ms)"

# The hub's records: both streams, no plaintext.
check "the hub stores both streams" sh -c \
    "ls '$T/hub/streams/streams' | grep -q sc-initiator-to-responder &&
    ls '$T/hub/streams/streams' | grep -q sc-responder-to-initiator"
if grep -rqa -e 'Hello World' -e second "$T/hub/streams"; then
	fail "the hub's records hold no plaintext"
else ok "the hub's records hold no plaintext"; fi

# Without a channel: what the stream brings reaches no echoer.
out=$(ctl init message send -t 3 /service/to_responder/service/echoer \
    plain 2>&1)
[ "$out" != plain ] && ok "echoer unreachable through the stream" ||
    fail "echoer unreachable through the stream"
check "the responder logs the denial" grep -q \
    "denied: echoer may not receive from that stream client" \
    "$(node_log resp)"

# Garbage pushed to the stream the responder reads: logged, skipped.
ctl init stream push "$HUB" sc-initiator-to-responder garbage > /dev/null 2>&1
wait_for 5 grep -q "stream client to_initiator: message .* of sc-initiator-to-responder" \
    "$(node_log resp)" && ok "a record that is no message: logged, skipped" ||
    fail "a record that is no message: logged, skipped"
out=$(ctl init message send "$ch/service/echoer" 'after garbage' 2>&1)
[ "$out" = "after garbage" ] && ok "the channel still echoes" ||
    fail "the channel still echoes ($out)"

# The responder restarts: a handshake pushed meanwhile waits at the hub;
# the consumer resumes from its saved index, past the first handshake.
stop_node resp
ctl init secure-channel create \
    /service/to_responder/service/secure_channel_listener \
    > "$T/ch2.out" 2>&1 &
creator=$!
sleep 1
mv "$(node_log resp)" "$T/resp.log.1"
start_resp || { fail "responder restarts"; exit 0; }
wait "$creator"
ch2=$(cat "$T/ch2.out")
case $ch2 in
/service/*) ok "a handshake pushed while the responder was down completes" ;;
*) fail "a handshake pushed while the responder was down completes ($ch2)" ;;
esac
idx=$(sed -n 's/.*stream client to_initiator: pulls .* from index \([0-9]*\) (saved).*/\1/p' \
    "$(node_log resp)")
[ -n "$idx" ] && [ "$idx" -gt 0 ] &&
    ok "the restarted consumer resumes from its saved index ($idx)" ||
    fail "the restarted consumer resumes from its saved index ($idx)"
n=$(ctl resp show channels 2>/dev/null | grep -c '^/service/.* responder ')
[ "$n" = 1 ] && ok "the old handshake is not replayed: one channel" ||
    fail "the old handshake is not replayed: one channel ($n)"
out=$(ctl init message send "$ch2/service/echoer" 'Hello again' 2>&1)
[ "$out" = "Hello again" ] && ok "an echo through the new channel" ||
    fail "an echo through the new channel ($out)"

# ockamctl stream client create: the same over another pair of streams.
out=$(ctl resp stream client create --send cli-b-to-a --receive cli-a-to-b \
    --name to_a --consumer secure_channel_listener --interval 100 "$HUB" 2>&1)
[ "$out" = /service/to_a ] && ok "stream client create on the responder" ||
    fail "stream client create on the responder ($out)"
out=$(ctl init stream client create --send cli-a-to-b --receive cli-b-to-a \
    --name to_b --client-id a1 "$HUB" 2>&1)
[ "$out" = /service/to_b ] && ok "stream client create on the initiator" ||
    fail "stream client create on the initiator ($out)"
ch3=$(ctl init secure-channel create \
    /service/to_b/service/secure_channel_listener 2>&1)
out=$(ctl init message send "$ch3/service/echoer" 'Hello World!' 2>&1)
[ "$out" = "Hello World!" ] && ok "an echo over streams made by ockamctl" ||
    fail "an echo over streams made by ockamctl ($ch3: $out)"
for bad in "--send ../x --name n2" "--send a/b --name n2" \
    "--send q --name to_b" "--send z --name n2"; do
	out=$(ctl init stream client create $bad --receive z "$HUB" 2>&1)
	case $out in
	*"stream client create:"*) ok "stream client create $bad: refused" ;;
	*) fail "stream client create $bad: refused ($out)" ;;
	esac
done

# The hub restarts: a message sent meanwhile waits at the initiator,
# then goes through the same channel; the streams are on disk.
stop_node hub
ctl init message send -t 40 "$ch2/service/echoer" 'through a restart' \
    > "$T/restart.out" 2>&1 &
sender=$!
sleep 1
start_node hub "$TOP/etc/hub.conf" -D port="$PH" -D vaultdir="$T/hub/vault" \
    -D statedir="$T/hub/streams" || { fail "hub restarts"; exit 0; }
wait "$sender"
out=$(cat "$T/restart.out")
[ "$out" = "through a restart" ] &&
    ok "an echo sent while the hub was down, after its restart" ||
    fail "an echo sent while the hub was down, after its restart ($out)"
