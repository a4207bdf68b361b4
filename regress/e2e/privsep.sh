#!/bin/sh
# SPDX-License-Identifier: ISC
# The boundaries of a running node: each process runs as the node user
# (the vault as its own user) inside its chroot, non-dumpable, with no new privileges and a seccomp
# filter; and each one is killed by a syscall its filter forbids.
. "$(dirname "$0")/lib.sh"

CONF=$TOP/etc/many-hops.conf

status_field() { sed -n "s/^$2:[[:space:]]*//p" "/proc/$1/status"; }

if is_root && have_user; then
	start_node n1 "$CONF" || { fail "node starts"; exit 0; }
	for p in "routed:$(node_pid n1)" \
	    "vault:$(child_pid n1 ockam-vaultd)" \
	    "tcpd:$(child_pid n1 ockam-tcpd)"; do
		role=${p%%:*} pid=${p#*:}
		u=$NODE_USER
		[ "$role" = vault ] && u=$VAULT_USER
		uid=$(id -u "$u")
		home=$(getent passwd "$u" | cut -d: -f6)
		uids=$(status_field "$pid" Uid)
		if [ "$uids" = "$uid	$uid	$uid	$uid" ]; then
			ok "$role runs as $u (real, effective, saved)"
		else fail "$role runs as $u (Uid: $uids)"; fi
		g=$(status_field "$pid" Groups)
		gid=$(id -g "$u")
		if [ "$(echo $g)" = "$gid" ]; then
			ok "$role has only the group of $u"
		else fail "$role has only the group of $u ($g)"; fi
		r=$(readlink "/proc/$pid/root")
		if [ "$r" = "$home" ]; then ok "$role is chrooted to $home"
		else fail "$role is chrooted to $home ($r)"; fi
		if [ "$(status_field "$pid" Seccomp)" = 2 ]; then
			ok "$role has a seccomp filter"
		else fail "$role has a seccomp filter"; fi
		if [ "$(status_field "$pid" NoNewPrivs)" = 1 ]; then
			ok "$role has no_new_privs"
		else fail "$role has no_new_privs"; fi
		# Non-dumpable: /proc/PID files are owned by root.
		if [ "$(stat -c %u "/proc/$pid/environ")" = 0 ]; then
			ok "$role is not dumpable"
		else fail "$role is not dumpable"; fi
	done
	stop_node n1
else
	skip "privilege drop checks need root and the $NODE_USER and $VAULT_USER users"
fi

# The forbidden syscall (execve), one process at a time.
for target in vault tcpd; do
	name=sb_$target
	start_node $name "$CONF" || { fail "node starts"; continue; }
	ctl $name regress sandbox $target >/dev/null 2>&1
	if wait_exit $name 5 && wait_for 2 node_down $name; then
		ok "$target violates its sandbox: whole node down"
	else
		fail "$target violates its sandbox: whole node down"
	fi
	if grep -q "lost child: $target (pid [0-9]*) terminated by signal 31" \
	    "$(node_log $name)"; then
		ok "$target killed by SIGSYS, and routed says so"
	else
		fail "$target killed by SIGSYS, and routed says so"
		show_log $name
	fi
	[ "$(exit_status $name)" = 1 ] && ok "routed exits 1 after losing $target" ||
	    fail "routed exits 1 after losing $target ($(exit_status $name))"
	check "socket removed after losing $target" \
	    test ! -e "$(node_sock $name)"
done

start_node sb_routed "$CONF" || { fail "node starts"; exit 0; }
ctl sb_routed regress sandbox routed >/dev/null 2>&1
if wait_exit sb_routed 5 && [ "$(exit_status sb_routed)" = $((128 + 31)) ]
then ok "routed violates its sandbox: killed by SIGSYS"
else fail "routed violates its sandbox: killed by SIGSYS ($(exit_status sb_routed))"; fi
check "children exit within a second of routed" wait_for 1 node_down sb_routed
# The socket outlives a killed routed; the next start clears it.
if start_node sb_routed "$CONF" &&
    grep -q "removing stale control socket" "$(node_log sb_routed)"; then
	ok "restart after a crash removes the stale socket"
else fail "restart after a crash removes the stale socket"; fi
stop_node sb_routed

# Nothing inherited: a descriptor open when the node was started is held
# by none of its processes.
exec 9> "$T/inherited"
start_node sb_fds "$CONF"; r=$?
exec 9>&-
[ $r -eq 0 ] || { fail "node starts"; exit 0; }
bad=""
for p in "routed:$(node_pid sb_fds)" "vault:$(child_pid sb_fds ockam-vaultd)" \
    "tcpd:$(child_pid sb_fds ockam-tcpd)"; do
	ls -l "/proc/${p#*:}/fd/" 2>/dev/null | grep -q "$T/inherited" &&
	    bad="$bad ${p%%:*}"
done
[ -z "$bad" ] && ok "no process holds a descriptor it inherited" ||
    fail "inherited descriptor held by:$bad"
# Each child closes them itself too, whoever starts it (regress/helpers/
# fdspawn: fd 3 its channel, more descriptors above it).
for c in tcpd:tcpd vaultd:vault; do
	role=${c#*:} c=${c%%:*}
	"$HELPERS/fdspawn" "$T/inherited" "$BUILD/ockam-$c" -P $role -d \
	    > "$T/fds.$c" 2>&1
	if grep -q "^fd 3 -> socket:" "$T/fds.$c" &&
	    [ "$(awk '$2 > 3' "$T/fds.$c" | wc -l)" -eq 0 ]; then
		ok "ockam-$c started with more descriptors keeps only 0 to 3"
	else
		fail "ockam-$c started with more descriptors keeps only 0 to 3"
		sed 's/^/#   /' "$T/fds.$c"
	fi
done

# routed keeps its control socket's directory: out of it through that
# descriptor is refused (Landlock), and the node keeps serving.
: > "$T/ockam-regress-victim"
ctl sb_fds regress sandbox routed 4 >/dev/null 2>&1
wait_for 2 grep -q 'openat(dir, "../ockam-regress-victim")' \
    "$(node_log sb_fds)"
if grep -q "routed: Landlock is not available" "$(node_log sb_fds)"; then
	skip "routed: out of its directory (no Landlock here)"
elif grep -q 'unlinkat(dir, "../ockam-regress-victim") refused' \
    "$(node_log sb_fds)" && [ -e "$T/ockam-regress-victim" ]; then
	ok "routed: unlinkat out of its control directory refused"
else fail "routed: unlinkat out of its control directory refused"; fi
check "routed: still serving after the refusal" ctl sb_fds show workers
# A path routed may not even stat: killed.
ctl sb_fds regress sandbox routed 2 >/dev/null 2>&1
if wait_exit sb_fds 5 && [ "$(exit_status sb_fds)" = $((128 + 31)) ]
then ok "routed: stat of a path kills (SIGSYS)"
else fail "routed: stat of a path kills ($(exit_status sb_fds))"; fi
wait_for 1 node_down sb_fds

# A tcpd binds at run time (listeners added by a reload, inlets by
# tcp-inlet create) unprivileged; with "listen static" it binds nothing
# after start-up.
start_node sb_runbind "$CONF" || { fail "node starts"; exit 0; }
ctl sb_runbind regress sandbox tcpd 5 >/dev/null 2>&1
wait_for 5 grep -q "regress: bind succeeded" "$(node_log sb_runbind)" &&
    ctl sb_runbind show workers >/dev/null && ok "tcpd: binds after start-up, node up" ||
    fail "tcpd: binds after start-up, node up"
stop_node sb_runbind
{ cat "$CONF"; echo "listen static"; } > "$T/static.conf"
start_node sb_bind "$T/static.conf" || { fail "node starts"; exit 0; }
ctl sb_bind regress sandbox tcpd 5 >/dev/null 2>&1
if wait_exit sb_bind 5 && grep -q \
    "lost child: tcpd (pid [0-9]*) terminated by signal 31" \
    "$(node_log sb_bind)"; then
	ok "tcpd, listen static: bind after start-up kills it (SIGSYS), node down"
else fail "tcpd, listen static: bind after start-up kills it (SIGSYS), node down"; fi
# Landlock refuses the bind first where it can (regress/unit/test_landlock).
if grep -q -e "tcpd: Landlock ABI [4-9][0-9]*: no files, no TCP bind" \
    -e "tcpd: Landlock is not available" -e "tcpd: .*no network rules" \
    "$(node_log sb_bind)"
then ok "tcpd: its Landlock confinement logged"
else fail "tcpd: its Landlock confinement logged"; fi

# The control socket's group and mode are set without following a link
# that replaced it (a regress-only hook plays the one who swaps it).
d=$T/sb_link
mkdir -p "$d"
if is_root && have_user; then chown "$NODE_USER" "$d"; fi
: > "$T/csock-target"
chmod 600 "$T/csock-target"
OCKAM_REGRESS_CSOCK_LINK=$T/csock-target timeout 10 "$ROUTED" -d -v \
    -f "$CONF" -s "$d/ockam.sock" > "$d/log" 2>&1
r=$?
[ $r = 1 ] && [ "$(stat -c %a "$T/csock-target")" = 600 ] &&
    grep -q "control socket .* permissions" "$d/log" &&
    [ ! -e "$d/ockam.sock" ] &&
    ok "a link in the socket's place: not followed, start refused" ||
    fail "a link in the socket's place: not followed, start refused ($r)"
