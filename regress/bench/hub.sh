# SPDX-License-Identifier: ISC
# make bench, the hub (sourced by run.sh, after the two nodes): node b
# keeps relays at a hub from etc/hub.conf, and node a's channels to b
# through them are measured next to a's direct channel to b, in turns;
# then registrations/s at the hub's forwarding_service and the hub's
# memory per forwarder.

# median of three numbers
med() { printf '%s\n' "$@" | sort -n | sed -n 2p; }

PH=$(port 25500)
HUBR=/ip4/127.0.0.1/tcp/$PH
REGS=${BENCH_FORWARDERS:-10000}
# The hub has an echoer too, to tell its part of a round trip.
{ sed 's/consumers { "forwarding_service"/& "echoer"/' \
      "$TOP/etc/hub.conf"
  echo 'echoer "echoer"'
  echo "limit forwarders 65536"
  echo "limit forwarders-per-connection 65536"; } > "$D/hub.conf"
start hub "$D/hub.conf" -D port="$PH" -D vaultdir="$D/vaulthub" \
    -D statedir="$D/hubstreams"
HUBPID=$PID
fwd=$("$BUILD/ockamctl" -s "$D/b.sock" relay create --to bob_listener \
    "$HUBR") || exit 1
fwd=${fwd#Forwarding address: }
"$BUILD/ockamctl" -s "$D/b.sock" relay create --name bob --trust-any \
    --to bob_listener "$HUBR" > /dev/null || exit 1
chf=$("$BUILD/ockamctl" -s "$D/a.sock" secure-channel create --trust-any \
    "$fwd") || exit 1
cha=$("$BUILD/ockamctl" -s "$D/a.sock" secure-channel create --trust-any \
    "$HUBR/service/forward_to_bob/service/bob_listener") || exit 1

# Three turns of: direct, relayed by FWD_, relayed by the alias, and
# for the breakdown a's own echoer, b's and the hub's without a channel.
for i in 1 2 3; do
	for k in d f a l p h; do
		case $k in
		d) r=$ch/service/echoer ;;
		f) r=$chf/service/echoer ;;
		a) r=$cha/service/echoer ;;
		l) r=/service/echoer ;;
		p) r=/ip4/127.0.0.1/tcp/$PB/service/echoer ;;
		h) r=$HUBR/service/echoer ;;
		esac
		"$BUILD/regress/bench" "$D/a.sock" route "$r" \
		    >> "$D/turns.$k" || exit 1
	done
done
# col FILE N: the median of column N of the three turns
col() { med $(awk -v n="$2" '{ print $n }' "$D/turns.$1"); }
for k in d f a l p h; do
	eval "p50_$k=$(col $k 1) p99_$k=$(col $k 2) mbs_$k=$(col $k 3)"
done

printf '\n%-44s %10s %10s %12s\n' "three nodes: alice -> hub -> bob" \
    "RTT 64 B" "RTT 64 B" "MB/s"
printf '%-44s %10s %10s %12s\n' "(median of 3 turns)" "p50 (us)" \
    "p99 (us)" "16 KiB"
row "secure channel alice -> bob, direct" $p50_d $p99_d $mbs_d
row "secure channel through the hub, FWD_" $p50_f $p99_f $mbs_f
row "secure channel through the hub, alias" $p50_a $p99_a $mbs_a
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", a / b }'; }
row "through the hub / direct, FWD_" "$(ratio $p50_f $p50_d)" \
    "$(ratio $p99_f $p99_d)" "$(ratio $mbs_f $mbs_d)"
row "through the hub / direct, alias" "$(ratio $p50_a $p50_d)" \
    "$(ratio $p99_a $p99_d)" "$(ratio $mbs_a $mbs_d)"
echo "targets: RTT p50 at most 1.60x direct, MB/s at least 0.90x direct"

# us A B: A - B, one decimal
us() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", a - b }'; }
printf '\n%-60s %12s\n' "where a 64 B round trip goes (p50 differences)" "us"
hop() { printf '%-60s %12s\n' "$1" "$2"; }
hop "bench <-> node a (control socket, routed a, a's echoer)" $p50_l
hop "a -> b over TCP and back (tcpd a, tcpd b, routed b)" \
    "$(us $p50_p $p50_l)"
hop "a -> hub over TCP and back (tcpd a, tcpd hub, routed hub)" \
    "$(us $p50_h $p50_l)"
hop "the channel: encrypt and decrypt on a and on b" "$(us $p50_d $p50_p)"
hop "the hub's forwarding, both ways (FWD_)" "$(us $p50_f $p50_d)"
hop "the hub's forwarding, both ways (alias)" "$(us $p50_a $p50_d)"

# CPU of each node's routed and tcpd over one run (direct, then FWD_):
# ms of user + system time, from /proc.
tcpd_of() {
	ps -o pid=,comm= --ppid "$1" | awk '$2 == "ockam-tcpd" { print $1 }'
}
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
PROCS="$APID $(tcpd_of $APID) $HUBPID $(tcpd_of $HUBPID) $BPID $(tcpd_of $BPID)"
for k in d f; do
	[ $k = d ] && r=$ch || r=$chf
	t0=$(for p in $PROCS; do ticks $p; done)
	"$BUILD/regress/bench" "$D/a.sock" route "$r/service/echoer" \
	    > /dev/null || exit 1
	t1=$(for p in $PROCS; do ticks $p; done)
	eval "cpu_$k=\"$(echo $t0 $t1 | awk '{ n = NF / 2
	    for (i = 1; i <= n; i++) printf "%d ", ($(i + n) - $i) * 10 }')\""
done
printf '\n%-44s %10s %10s\n' "CPU ms of one run, by process" "direct" "FWD_"
i=1
for p in "routed a" "tcpd a" "routed hub" "tcpd hub" "routed b" "tcpd b"; do
	printf '%-44s %10s %10s\n' "$p" "$(echo $cpu_d | cut -d' ' -f$i)" \
	    "$(echo $cpu_f | cut -d' ' -f$i)"
	i=$((i + 1))
done
echo "(a run: 5000 round trips of 64 B, then 10000 echoes of 16 KiB)"

# Registrations at forwarding_service from node a (over its one
# connection to the hub), each from a return route of its own; the
# hub's routed's RSS before and after.
rss() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status"; }
rss0=$(rss $HUBPID)
r1=$("$BUILD/regress/bench" "$D/a.sock" register \
    "$HUBR/service/forwarding_service" 1000 1) || exit 1
r8=$("$BUILD/regress/bench" "$D/a.sock" register \
    "$HUBR/service/forwarding_service" 1000 8) || exit 1
"$BUILD/regress/bench" "$D/a.sock" register \
    "$HUBR/service/forwarding_service" $((REGS - 3000)) 8 > /dev/null ||
    exit 1
rl=$("$BUILD/regress/bench" "$D/a.sock" register \
    "$HUBR/service/forwarding_service" 1000 8) || exit 1
rss1=$(rss $HUBPID)
n=$("$BUILD/ockamctl" -s "$D/hub.sock" show relays | grep -c '^hub .*FWD_')
# The channel through FWD_ again, with them all on the hub.
set -- $("$BUILD/regress/bench" "$D/a.sock" route "$chf/service/echoer")
printf '\n%-44s %10s\n' "hub: forwarding_service" ""
row "registrations/s, the first 1000, 1 client" "$r1"
row "registrations/s, the next 1000, 8 clients" "$r8"
row "registrations/s, 1000 more past $((REGS - 1000))" "$rl"
row "forwarders on the hub" "$n"
row "channel through FWD_ with them all (p50 p99 MB/s)" "$1" "$2" "$3"
row "hub routed RSS before / after (KiB)" "$rss0 / $rss1"
row "hub memory per forwarder (bytes)" \
    "$(( (rss1 - rss0) * 1024 / (n > 0 ? n : 1) ))"
cat <<EOC

Through the hub (FWD_) a channel's frames cross only the hub's tcpd,
once each way: after routed allowed the pair it lets tcpd forward
between the two connections itself (cut-through, doc/design.md 3.3),
so the hub's routed does nothing for them (its CPU above).  That is
two process wake-ups more than the eight of a direct round trip.  With
an alias the hub also decrypts and encrypts the outer channel between
it and Bob (never Alice's), in routed.  All nodes share this machine's
cores: the hub's CPU (above) comes out of the same cores the direct
path uses, so relayed MB/s is lower here than with a hub elsewhere.
A registration is one message from node a's client through a's routed
and tcpd to the hub and its answer back; the hub looks for a forwarder
to renew among those of the connection (found by the head of their
route), and counts them in a tree.  Here one connection holds them all
(forwarders-per-connection raised to 65536), so a renewal walks them
all: the worst case; at the default 16 it walks at most 16.
EOC
