# SPDX-License-Identifier: ISC
# Shared by the end-to-end tests: start real nodes on this machine,
# with bounded waits everywhere, and report TAP-like lines that
# regress/run.sh counts ("ok - ...", "not ok - ...", "skip - ...").
#
# BUILD names the build directory (set by run.sh).

: "${BUILD:=build-regress}"
BUILD=$(cd "$BUILD" && pwd)
TOP=$(cd "$(dirname "$0")/../.." && pwd)
ROUTED=$BUILD/ockam-routed
CTL=$BUILD/ockamctl
HELPERS=$BUILD/regress
NODE_USER=_ockam
VAULT_USER=_ockamvault
case ${OCKAM_PORT_BASE:-20000} in
20000|3[6-9][0-9][0-9][0-9]|4[0-8][0-9][0-9][0-9]|49000) ;;
*)	echo "not ok - OCKAM_PORT_BASE must be 20000, or 36000 to 49000" \
	    "(not $OCKAM_PORT_BASE)"; exit 1 ;;
esac
T=$(mktemp -d /tmp/ockam-regress.XXXXXX)
chmod 755 "$T"
NODES=""

ok()   { echo "ok - $*"; }
fail() { echo "not ok - $*"; }
skip() { echo "skip - $*"; }

# check DESC CMD...: ok when CMD succeeds
check() {
	desc=$1; shift
	if "$@" >/dev/null 2>&1; then ok "$desc"; else fail "$desc"; fi
}

# expect OUT DESC PATTERN...: ok when every pattern is in $T/OUT,
# else its text (a test may define an expect of its own)
expect() {
	out=$1 desc=$2; shift 2
	for p in "$@"; do
		if ! grep -q -- "$p" "$T/$out"; then
			fail "$desc (no \"$p\")"
			sed 's/^/#   /' "$T/$out"
			return 1
		fi
	done
	ok "$desc"
}

is_root() { [ "$(id -u)" -eq 0 ]; }

# free_port FROM: the first TCP port from FROM on (200 tried) that
# nothing on this machine uses.  FROM is written for a suite whose
# ports are 20000 to 36000; OCKAM_PORT_BASE (36000 to 49000) moves
# them all, so that two suites share a machine.  A FROM already moved
# (a port found before, plus one) stays as it is.
free_port() {
	b=$1
	[ "${OCKAM_PORT_BASE:-20000}" -ne 20000 ] && [ "$b" -lt 36000 ] &&
	    b=$(( b - 20000 + OCKAM_PORT_BASE ))
	for p in $(seq "$b" $(( b + 200 ))); do
		grep -qi ":$(printf '%04X' "$p") " /proc/net/tcp ||
		    { echo "$p"; return; }
	done
}

have_user() {
	getent passwd "$NODE_USER" >/dev/null 2>&1 &&
	    getent passwd "$VAULT_USER" >/dev/null 2>&1
}

# wait_for SECONDS CMD...: poll CMD every 0.1 s until it succeeds
wait_for() {
	n=$(( $1 * 10 )); shift
	while [ "$n" -gt 0 ]; do
		if "$@" >/dev/null 2>&1; then return 0; fi
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}

# node_dir NAME: the directory of a node (socket, log, config)
node_dir() { echo "$T/$1"; }
node_sock() { echo "$T/$1/ockam.sock"; }
node_log() { echo "$T/$1/log"; }
node_pid() { cat "$T/$1/pid" 2>/dev/null; }

# start_node NAME CONFFILE [routed flags]: start a node in the
# foreground mode (-d) in the background, wait until it is ready.
start_node() {
	name=$1 conf=$2; shift 2
	d=$T/$name
	mkdir -p "$d"
	# Unprivileged, routed must be able to remove its socket at exit.
	if is_root && have_user; then chown "$NODE_USER" "$d"; fi
	: > "$d/log"
	"$ROUTED" -d -v -v -f "$conf" -s "$d/ockam.sock" "$@" \
	    >>"$d/log" 2>&1 &
	echo $! > "$d/pid"
	NODES="$NODES $name"
	if ! wait_for 10 grep -q "node ready" "$d/log"; then
		echo "# node $name did not become ready; its log:"
		sed 's/^/#   /' "$d/log"
		return 1
	fi
	return 0
}

# start_three PR PM: the nodes of the guide "Secure Channels" over two
# TCP hops, Bob on port PR from etc/responder.conf, the middle node on
# port PM from etc/middle.conf (either from $T when the test wrote it
# there) and Alice from etc/initiator.conf, with their vaults under $T
start_three() {
	r=$TOP/etc/responder.conf m=$TOP/etc/middle.conf
	[ -f "$T/responder.conf" ] && r=$T/responder.conf
	[ -f "$T/middle.conf" ] && m=$T/middle.conf
	mkdir -p "$T/bob" "$T/alice"
	start_node bob "$r" -D port="$1" -D vaultdir="$T/bob/vault" ||
	    { fail "responder starts"; return 1; }
	start_node middle "$m" -D port="$2" -D bob_port="$1" ||
	    { fail "middle starts"; return 1; }
	start_node alice "$TOP/etc/initiator.conf" \
	    -D vaultdir="$T/alice/vault" ||
	    { fail "initiator starts"; return 1; }
}

# start_hub_guide PORT: the nodes of the guide "Securely connecting
# devices" from etc/ (hub on the first free port from PORT, bob, alice),
# with their vaults under $T; HUB is the hub's route
start_hub_guide() {
	HUB=/ip4/127.0.0.1/tcp/$(free_port "$1")
	mkdir -p "$T/hub" "$T/bob" "$T/alice"
	start_node hub "$TOP/etc/hub.conf" -D port="${HUB##*/}" \
	    -D vaultdir="$T/hub/vault" \
	    -D statedir="$T/hub/streams" || { fail "hub starts"; return 1; }
	start_node bob "$TOP/etc/hub-bob.conf" -D vaultdir="$T/bob/vault" \
	    -D hub_port="${HUB##*/}" || { fail "bob starts"; return 1; }
	start_node alice "$TOP/etc/hub-alice.conf" \
	    -D vaultdir="$T/alice/vault" || { fail "alice starts"; return 1; }
	ok "hub, bob and alice from etc/"
}

# child_pid NAME PROG: pid of routed's child (ockam-vaultd, ockam-tcpd)
child_pid() {
	sed -n "s/.*started $2 as pid \([0-9]*\).*/\1/p" \
	    "$(node_log "$1")" | tail -n 1
}

# alive PID: running (a zombie whose parent is gone does not count:
# orphans are reaped by init, which in a container may never happen)
alive() {
	[ -n "$1" ] && kill -0 "$1" 2>/dev/null &&
	    ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null
}

# node_down NAME: routed and its children are gone
node_down() {
	name=$1
	! alive "$(node_pid "$name")" &&
	    ! alive "$(child_pid "$name" ockam-vaultd)" &&
	    ! alive "$(child_pid "$name" ockam-tcpd)" &&
	    ! alive "$(child_pid "$name" ockam-streamd)"
}

# wait_exit NAME SECONDS: wait for routed to exit; its status goes to
# $T/NAME/status (wait works: routed is our child)
wait_exit() {
	pid=$(node_pid "$1")
	if ! wait_for "$2" sh -c "! kill -0 $pid 2>/dev/null"; then
		return 1
	fi
	wait "$pid" 2>/dev/null
	echo $? > "$T/$1/status"
	return 0
}

exit_status() { cat "$T/$1/status" 2>/dev/null; }

stop_node() {
	pid=$(node_pid "$1")
	alive "$pid" || return 0
	kill -TERM "$pid" 2>/dev/null
	wait_exit "$1" 5 || { kill -KILL "$pid" 2>/dev/null; return 1; }
}

ctl() { name=$1; shift; "$CTL" -s "$(node_sock "$name")" "$@"; }

# vg_start DIR CONF [routed flags]: routed of VGBUILD under valgrind,
# every child traced, with its socket DIR/ockam.sock, its output in
# DIR/log and valgrind's in DIR/vg.PID; its pid in $vgpid once ready,
# else says so and returns 1
vg_start() {
	vgd=$1 conf=$2; shift 2
	valgrind -q --vgdb=no --trace-children=yes --leak-check=full \
	    --show-leak-kinds=definite,indirect \
	    --errors-for-leak-kinds=definite,indirect \
	    --log-file="$vgd/vg.%p" "$VGBUILD/ockam-routed" -d -v -f "$conf" \
	    -s "$vgd/ockam.sock" "$@" > "$vgd/log" 2>&1 &
	vgpid=$!
	if ! wait_for 30 grep -q "node ready" "$vgd/log"; then
		fail "node starts under valgrind"
		sed 's/^/#   /' "$vgd/log"
		kill -KILL $vgpid 2>/dev/null
		return 1
	fi
}

# vg_stop: stop the node of vg_start, say so
vg_stop() {
	kill -TERM "$vgpid"
	if wait_for 30 sh -c "! kill -0 $vgpid 2>/dev/null"; then
		ok "valgrind: node stops on SIGTERM"
	else
		fail "valgrind: node stops on SIGTERM"
		kill -KILL "$vgpid"
	fi
}

# vg_clean DIR N: the N valgrind logs DIR/vg.* are empty (valgrind -q
# writes only what it found)
vg_clean() {
	n=0
	for f in "$1"/vg.*; do
		n=$((n + 1))
		if [ -s "$f" ]; then
			fail "valgrind: $(basename "$f") clean"
			sed 's/^/#   /' "$f"
		else
			ok "valgrind: $(basename "$f") clean"
		fi
	done
	[ $n -eq "$2" ] && ok "valgrind ran all $2 processes" ||
	    fail "valgrind ran all $2 processes ($n logs)"
}

show_log() {
	echo "# log of $1:"
	sed 's/^/#   /' "$(node_log "$1")"
}

cleanup() {
	for n in $NODES; do
		pid=$(node_pid "$n")
		alive "$pid" && kill -KILL "$pid" 2>/dev/null
		for r in ockam-vaultd ockam-tcpd ockam-streamd; do
			p=$(child_pid "$n" $r)
			alive "$p" && kill -KILL "$p" 2>/dev/null
		done
	done
	[ -n "$KEEP" ] && echo "# kept $T" || rm -rf "$T"
}
trap cleanup EXIT
