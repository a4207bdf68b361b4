# SPDX-License-Identifier: ISC
# make bench, TCP portals (sourced by run.sh, after the references):
# iperf3, one stream for 10 s, and tcpecho's 64 B round trips and 16 KiB
# echoes, each straight to its server, through an ockam-c portal (inlet
# -> secure channel over TCP -> outlet, two nodes), through ssh -L
# (aes256-gcm, an sshd started here on 127.0.0.1 with throwaway keys)
# and through the stunnel TLS 1.3 pair of run.sh, in the same run.

if ! command -v iperf3 >/dev/null 2>&1 || [ ! -x /usr/sbin/sshd ] ||
    ! command -v ssh >/dev/null 2>&1; then
	echo
	echo "portals: iperf3, sshd or ssh missing (./setup installs them)"
	return 0 2>/dev/null || exit 0
fi

# iperf3 PORT: receiver Mbit/s of one stream for 10 s, or -; the bytes
# received into $D/iperf.bytes
iperf() {
	iperf3 -c 127.0.0.1 -p "$1" -t 10 -J 2>/dev/null | python3 -c '
import json, sys
try:
    r = json.load(sys.stdin)["end"]["sum_received"]
    print("%.0f" % (r["bits_per_second"] / 1e6))
    open(sys.argv[1], "w").write("%d\n" % r["bytes"])
except Exception:
    print("-")
    open(sys.argv[1], "w").write("0\n")' "$D/iperf.bytes"
}

PI3=$(port 29100)
iperf3 -s -B 127.0.0.1 -p "$PI3" > "$D/iperf3.log" 2>&1 & PIDS="$PIDS $!"

# The portal: an outlet to tcpecho and one to iperf3, an inlet each.
PPO=$(port 29200)
PPE=$(port $((PPO + 1)))
PPI=$(port $((PPE + 1)))
cp "$TOP/etc/portal-outlet.conf" "$D/poutlet.conf"
echo "outlet \"iperf\" to \"127.0.0.1:$PI3\" consumers { \"bob_listener\" }" \
    >> "$D/poutlet.conf"
cp "$TOP/etc/portal-inlet.conf" "$D/pinlet.conf"
echo "inlet on 127.0.0.1 port $PPI via" \
    "\"/ip4/127.0.0.1/tcp/$PPO/service/bob_listener\" to \"iperf\"" \
    >> "$D/pinlet.conf"
# portal_start AEAD: both nodes, their channels' AES-256-GCM by AEAD
# (OCKAM_AEAD, ockam-routed(8)), fresh vaults; portal_stop ends them.
portal_start() {
	export OCKAM_AEAD=$1
	start poutlet "$D/poutlet.conf" -D port="$PPO" -D target_port="$PE" \
	    -D vaultdir="$D/poutvault-$1"
	POPID=$PID
	start pinlet "$D/pinlet.conf" -D port="$PPE" -D bob_port="$PPO" \
	    -D vaultdir="$D/pinvault-$1"
	PIPID=$PID
	unset OCKAM_AEAD
}
portal_stop() {
	kill "$POPID" "$PIPID"
	wait "$POPID" "$PIPID" 2>/dev/null
}

# ssh -L: an sshd of our own, a key for root, two forwards.
PSSH=$(port 29300)
PLE=$(port $((PSSH + 1)))
PLI=$(port $((PLE + 1)))
ssh-keygen -q -t ed25519 -N '' -f "$D/hostkey" > /dev/null
ssh-keygen -q -t ed25519 -N '' -f "$D/userkey" > /dev/null
cp "$D/userkey.pub" "$D/authorized_keys"
chmod 600 "$D/authorized_keys"
mkdir -p /run/sshd 2>/dev/null
cat > "$D/sshd_config" <<EOC
ListenAddress 127.0.0.1
Port $PSSH
HostKey $D/hostkey
AuthorizedKeysFile $D/authorized_keys
PidFile $D/sshd.pid
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PermitRootLogin prohibit-password
AllowTcpForwarding yes
Ciphers aes256-gcm@openssh.com
EOC
/usr/sbin/sshd -D -f "$D/sshd_config" > "$D/sshd.log" 2>&1 & PIDS="$PIDS $!"
SSHDPID=$!
sleep 0.5
ssh -N -o BatchMode=yes -o StrictHostKeyChecking=no \
    -o UserKnownHostsFile=/dev/null -o Ciphers=aes256-gcm@openssh.com \
    -o ExitOnForwardFailure=yes -i "$D/userkey" -p "$PSSH" \
    -L "127.0.0.1:$PLE:127.0.0.1:$PE" -L "127.0.0.1:$PLI:127.0.0.1:$PI3" \
    "$(id -un)@127.0.0.1" > "$D/ssh.log" 2>&1 & PIDS="$PIDS $!"
SSHPID=$!
n=0
until grep -qi ":$(printf '%04X' "$PLI") " /proc/net/tcp || [ $n -gt 50 ]
do
	n=$((n + 1)); sleep 0.1
done

# stunnel: another pair, in front of iperf3 (the echo one is run.sh's).
tls_i="-"
if [ -n "$ST" ]; then
	PT1=$(port 29400)
	PT2=$(port $((PT1 + 1)))
	stunnel_conf "$D/stunnel2.conf" "$PT1" "$PI3" "$PT2"
	"$ST" "$D/stunnel2.conf" > "$D/stunnel2.log" 2>&1 & PIDS="$PIDS $!"
	sleep 0.5
fi

# cpu PID...: each one's CPU ticks and context switches, "T/S" a pid
cpu() {
	for p in "$@"; do
		printf '%s/%s ' "$(awk '{ print $14 + $15 }' "/proc/$p/stat")" \
		    "$(awk '/ctxt_switches/ { n += $2 } END { print n }' \
		    "/proc/$p/status")"
	done
}
# per_gb BEFORE AFTER: from two cpu()s around the iperf3 run, CPU ms
# per GB by process, then the total, then context switches per MB, all
# processes together
per_gb() {
	python3 -c 'import sys
gb = int(sys.argv[1]) / 1e9
a = [x.split("/") for x in sys.argv[2].split()]
b = [x.split("/") for x in sys.argv[3].split()]
if gb <= 0 or len(a) != len(b):
    print("- " * (len(a) + 2)); sys.exit(0)
ms = [(int(y[0]) - int(x[0])) * 10 / gb for x, y in zip(a, b)]
sw = sum(int(y[1]) - int(x[1]) for x, y in zip(a, b)) / gb / 1000
print(" ".join("%.0f" % m for m in ms), "%.0f" % sum(ms), "%.1f" % sw)' \
	    "$(cat "$D/iperf.bytes")" "$1" "$2"
}
# portal_run AEAD: iperf3 and tcpecho through the portal; the results in
# i_AEAD, e_AEAD and, CPU ms per GB of the iperf3 run by process, c_AEAD.
portal_run() {
	portal_start "$1"
	PROCS="$POPID $(tcpd_of "$POPID") $PIPID $(tcpd_of "$PIPID")"
	c0=$(cpu $PROCS)
	i=$(iperf "$PPI")
	c1=$(cpu $PROCS)
	e=$("$BUILD/regress/tcpecho" client "$PPE") || e="- - -"
	c=$(per_gb "$c0" "$c1")
	portal_stop
	eval "i_$1=\$i; e_$1=\$e; c_$1=\$c"
}

i_direct=$(iperf "$PI3")
portal_run openssl
portal_run libsodium
# ssh -L's processes: the client and sshd's session (for root one
# process; for another user its privsep child too).
SSHDS=$(pgrep -P "$SSHDPID")
SSHDS="$SSHDS $(for p in $SSHDS; do pgrep -P "$p"; done)"
c0=$(cpu $SSHPID $SSHDS)
i_ssh=$(iperf "$PLI")
c_ssh=$(per_gb "$c0" "$(cpu $SSHPID $SSHDS)")
[ -n "$ST" ] && tls_i=$(iperf "$PT2")
e_ssh=$("$BUILD/regress/tcpecho" client "$PLE") || e_ssh="- - -"

"$BUILD/regress/aeadbench"
printf '\n%-44s %10s %10s %12s %8s\n' "a TCP service, reached through" \
    "RTT 64 B" "RTT 64 B" "MB/s" "iperf3"
printf '%-44s %10s %10s %12s %8s\n' "" "p50 (us)" "p99 (us)" "16 KiB" \
    "Mbit/s"
prow() { printf '%-44s %10s %10s %12s %8s\n' "$1" "$2" "$3" "$4" "$5"; }
prow "nothing: straight to the server" $tcp "$i_direct"
prow "an ockam-c portal, AES-GCM by OpenSSL" $e_openssl "$i_openssl"
prow "an ockam-c portal, AES-GCM by libsodium" $e_libsodium \
    "$i_libsodium"
prow "ssh -L, aes256-gcm" $e_ssh "$i_ssh"
prow "stunnel, TLS 1.3 (two hops)" $tls "$tls_i"
set -- $e_ssh
es=$1
for a in openssl libsodium; do
	eval "ip=\$i_$a; set -- \$e_$a"
	python3 - "$a" "$ip" "$i_ssh" "$tls_i" "$1" "$es" <<'PY'
import sys
def f(x):
    try: return float(x)
    except ValueError: return None
a = sys.argv[1]
p, s, t, rp, rs = (f(x) for x in sys.argv[2:])
best = max(x for x in (s, t) if x is not None) if (s or t) else None
if p and best:
    print("portal (%s) / better of ssh -L and stunnel, iperf3: %.2fx "
        "(target at least 1.00x)" % (a, p / best))
if rp and rs:
    print("portal (%s) / ssh -L, 64 B RTT p50: %.2fx (target at most "
        "1.50x)" % (a, rp / rs))
PY
done

printf '\n%-36s %7s %7s %7s %7s %7s %7s\n' \
    "CPU ms per GB, iperf3 (same runs)" "outlet" "outlet" "inlet" "inlet" \
    "total" "switch"
printf '%-36s %7s %7s %7s %7s %7s %7s\n' "" "routed" "tcpd" "routed" \
    "tcpd" "" "per MB"
printf '%-36s %7s %7s %7s %7s %7s %7s\n' "portal, AES-GCM by OpenSSL" \
    $c_openssl
printf '%-36s %7s %7s %7s %7s %7s %7s\n' "portal, AES-GCM by libsodium" \
    $c_libsodium
set -- $c_ssh
eval "st=\${$(($# - 1))} ss=\${$#}"
case $1 in -) sd=- ;; *) sd=$((st - $1)) ;; esac
printf '%-36s %7s %7s %7s %7s %7s %7s\n' "ssh -L (ssh, sshd's session)" \
    "$1" "$sd" "" "" "$st" "$ss"
cat <<EOC

A portal byte crosses the inlet's tcpd and routed, TCP, the outlet's
tcpd and routed, and each routed seals or opens it in the secure
channel (AES-256-GCM by OpenSSL, or by libsodium with OCKAM_AEAD);
ssh and stunnel do the same work in one process a side.  "switch per
MB": context switches of those processes together, per MB carried.
EOC
