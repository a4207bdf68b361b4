#!/bin/sh
# SPDX-License-Identifier: ISC
# What each role's seccomp filter lets through, read from the filter
# itself (libseccomp's pseudo-code, regress/helpers/sandboxdump).
. "$(dirname "$0")/lib.sh"

# One line per syscall: name, action(s), and "cond" when arguments are
# checked.  The default action comes out as "DEFAULT <action>".
rules() {
	"$HELPERS/sandboxdump" "$1" | awk '
	/# filter for syscall "/ {
		split($0, q, "\""); cur = q[2]; acts[cur] = ""; next
	}
	/# default action/ { cur = "DEFAULT"; next }
	/# invalid architecture action/ { cur = "BADARCH"; next }
	/if \(\$a[0-9]/ { if (cur != "") cond[cur] = 1; next }
	/action / {
		a = $2; sub(";", "", a)
		if (cur != "") acts[cur] = acts[cur] a " "
	}
	END {
		for (n in acts)
			printf "%s %s%s\n", n, acts[n], cond[n] ? "cond" : ""
	}'
}

action() { awk -v n="$2" '$1 == n { $1 = ""; print substr($0, 2) }' "$1"; }

# tcpd binds the listeners added at run time (reload, tcp-inlet create);
# tcpd-static is tcpd of a node with "listen static", which never binds.
for role in routed vault tcpd tcpd-static streamd; do
	rules $role > "$T/$role.rules"
	if [ ! -s "$T/$role.rules" ]; then
		fail "$role: filter exported"
		continue
	fi
	[ "$(action "$T/$role.rules" DEFAULT)" = "KILL_PROCESS" ] &&
	    ok "$role: anything unlisted kills the process" ||
	    fail "$role: anything unlisted kills the process"
	[ "$(action "$T/$role.rules" BADARCH)" = "KILL" ] &&
	    ok "$role: foreign architectures are killed" ||
	    fail "$role: foreign architectures are killed"
	bad=""
	for s in execve execveat fork vfork clone clone3 ptrace \
	    process_vm_readv process_vm_writev bind listen setuid setgid \
	    setresuid chroot mount pivot_root bpf perf_event_open \
	    userfaultfd io_uring_setup kexec_load init_module \
	    open_by_handle_at socketpair memfd_create; do
		case $role:$s in tcpd:bind|tcpd:listen) continue ;; esac
		[ -n "$(action "$T/$role.rules" $s)" ] && bad="$bad $s"
	done
	[ -z "$bad" ] && ok "$role: exec, fork, ptrace, bind, setuid... all kill" ||
	    fail "$role: these are let through:$bad"
	bad=""
	for s in socket connect open openat; do
		want="ERRNO(13)"
		# The vault, streamd: openat relative to their directory.
		case $role:$s in vault:openat|streamd:openat)
		    want="ALLOW ERRNO(13) ERRNO(13) cond" ;; esac
		# routed: read-only, relative to its configuration's
		# directory, for reload.
		case $role:$s in routed:openat)
		    want="ALLOW ERRNO(13) ERRNO(13) ERRNO(13) ERRNO(13) cond" ;;
		esac
		# tcpd: its sockets (checked below).
		case $role:$s in tcpd*:socket|tcpd*:connect) continue ;; esac
		[ "$(action "$T/$role.rules" $s)" = "$want" ] || bad="$bad $s"
	done
	what="socket, connect, open fail"
	case $role in tcpd*) what="open fails" ;; esac
	[ -z "$bad" ] && ok "$role: $what with EACCES" ||
	    fail "$role: $what with EACCES:$bad"
	bad=""
	for s in mmap mprotect; do
		[ "$(action "$T/$role.rules" $s)" = "ALLOW cond" ] || bad="$bad $s"
	done
	[ -z "$bad" ] && ok "$role: mmap and mprotect only without PROT_EXEC" ||
	    fail "$role: mmap and mprotect unconditional:$bad"
done

bad=""
for s in accept4 kill wait4 getsockopt shutdown; do
	[ -n "$(action "$T/vault.rules" $s)" ] && bad="$bad $s"
done
# unlinkat: only relative to the key directory (stale temporary files).
[ "$(action "$T/vault.rules" unlinkat)" = "ALLOW cond" ] ||
    bad="$bad unlinkat"
[ -z "$bad" ] && ok "vault: no accept, kill, wait; unlink only in its dir" ||
    fail "vault: let through:$bad"
[ "$(action "$T/routed.rules" kill)" = "ALLOW cond" ] &&
    ok "routed: kill only with a checked pid" ||
    fail "routed: kill only with a checked pid"
for role in tcpd tcpd-static; do
	bad=""
	for s in kill wait4 unlinkat renameat mkdirat getpeername sendfile \
	    splice; do
		[ -n "$(action "$T/$role.rules" $s)" ] && bad="$bad $s"
	done
	[ $role = tcpd-static ] && [ -n "$(action "$T/$role.rules" \
	    getsockname)" ] && bad="$bad getsockname"
	[ -z "$bad" ] &&
	    ok "$role: no kill, wait, unlink, rename, mkdir, sendfile" ||
	    fail "$role: let through:$bad"
	# Sockets: TCP over IPv4 and IPv6 only, exactly as tcpd makes them
	# (two ALLOW rules with conditions); other types and protocols, and
	# AF_UNIX, EACCES.  accept4 with tcpd's flags only; socket options
	# by name (two more for a listener's, where tcpd binds).
	a=$(action "$T/$role.rules" socket)
	[ "$(echo "$a" | grep -o ALLOW | wc -l)" -eq 2 ] &&
	    [ "$(echo "$a" | grep -o 'ERRNO(13)' | wc -l)" -eq 5 ] &&
	    [ "$(echo "$a" | grep -o -w 'cond')" = cond ] &&
	    [ "$(echo "$a" | tr ' ' '\n' |
	    grep -v -c -x 'ALLOW\|ERRNO(13)\|cond')" -eq 0 ] &&
	    ok "$role: socket only for TCP, with its arguments checked" ||
	    fail "$role: socket only for TCP ($a)"
	[ "$(action "$T/$role.rules" connect)" = "ALLOW" ] &&
	    ok "$role: connect allowed" || fail "$role: connect allowed"
	bad=""
	for s in accept4 getsockopt; do
		[ "$(action "$T/$role.rules" $s)" = "ALLOW cond" ] ||
		    bad="$bad $s"
	done
	want="ALLOW ALLOW ALLOW ALLOW ALLOW cond"
	[ $role = tcpd ] && want="ALLOW ALLOW ALLOW ALLOW ALLOW ALLOW ALLOW cond"
	[ "$(action "$T/$role.rules" setsockopt)" = "$want" ] ||
	    bad="$bad setsockopt"
	[ -z "$bad" ] &&
	    ok "$role: accept4 and socket options only with checked arguments" ||
	    fail "$role: unconditional:$bad"
done
[ "$(action "$T/tcpd.rules" bind)" = ALLOW ] &&
    [ "$(action "$T/tcpd.rules" listen)" = ALLOW ] &&
    [ "$(action "$T/tcpd.rules" getsockname)" = ALLOW ] &&
    ok "tcpd: bind, listen, getsockname for listeners at run time" ||
    fail "tcpd: bind, listen, getsockname for listeners at run time"

# Paths: newfstatat (fstat(3) in glibc) only with AT_EMPTY_PATH below
# the kept directory; routed unlinks only in its control directory.
# (libseccomp splits a 64-bit comparison: ALLOW may show twice.)
only_cond() {
	a=$(action "$1" "$2")
	[ "$(echo "$a" | tr ' ' '\n' | grep -c -x cond)" -eq 1 ] &&
	    [ "$(echo "$a" | tr ' ' '\n' | grep -v -c -x 'ALLOW\|cond')" -eq 0 ]
}
bad=""
for role in routed vault tcpd tcpd-static streamd; do
	only_cond "$T/$role.rules" newfstatat || bad="$bad $role"
done
[ -z "$bad" ] && ok "newfstatat only with its arguments checked" ||
    fail "newfstatat unconditional:$bad"
only_cond "$T/routed.rules" unlinkat &&
    ok "routed: unlinkat only with its arguments checked" ||
    fail "routed: unlinkat unconditional"
# streamd: files relative to its data directory only, no network.
bad=""
for s in accept4 kill wait4 getsockopt setsockopt shutdown sendfile \
    splice linkat symlinkat fchmodat fchownat; do
	[ -n "$(action "$T/streamd.rules" $s)" ] && bad="$bad $s"
done
for s in unlinkat renameat mkdirat; do
	only_cond "$T/streamd.rules" $s || bad="$bad $s"
done
[ -z "$bad" ] &&
    ok "streamd: no accept, kill, link; unlink, rename, mkdir in its dir" ||
    fail "streamd: let through:$bad"

# The rules at work, in a child confined as each role is, without the
# chroot (a node started unprivileged has none): sandboxtry ROLE DIR
# VARIANT (REGRESS_SB_* of lib/privsep.h).
mkdir -p "$T/try/dir"
: > "$T/try/ockam-regress-victim"
try() { "$HELPERS/sandboxtry" "$1" "$T/try/dir" "$2" > "$T/try/out" 2>&1; }
killed() { try "$1" "$2" && grep -qx "signal 31" "$T/try/out"; }
for c in "1:unlinkat(AT_FDCWD)" "2:stat(/etc/shadow)" \
    "3:fstatat(kept dir, \"..\", AT_EMPTY_PATH)"; do
	v=${c%%:*} what=${c#*:}
	bad=""
	for role in routed vault tcpd tcpd-static streamd; do
		killed $role $v || bad="$bad $role"
	done
	[ -z "$bad" ] && ok "$what kills every role" ||
	    fail "$what kills every role (not:$bad)"
done
if killed tcpd-static 5; then ok "tcpd, listen static: bind after start-up kills"
else fail "tcpd, listen static: bind after start-up kills"; fi
try tcpd 5
grep -q "regress: bind succeeded" "$T/try/out" && grep -qx "exit 0" "$T/try/out" &&
    ok "tcpd: binds after start-up (unprivileged)" ||
    fail "tcpd: binds after start-up (unprivileged)"
try routed 5
grep -q "regress: socket refused: Permission denied" "$T/try/out" &&
    ok "routed: socket refused" || fail "routed: socket refused"

# Out of the kept directory with the calls the filter lets through
# there: only Landlock stops it (or the chroot, when root).
try routed 4
if grep -q "Landlock is not available" "$T/try/out"; then
	skip "routed, vault: out of the directory (no Landlock here)"
else
	grep -q 'unlinkat(dir, "../ockam-regress-victim") refused' \
	    "$T/try/out" && [ -e "$T/try/ockam-regress-victim" ] &&
	    grep -qx "exit 0" "$T/try/out" &&
	    ok "routed: unlinkat out of its directory refused" ||
	    fail "routed: unlinkat out of its directory refused"
	try vault 4
	grep -q 'openat(dir, "/etc/passwd") refused' "$T/try/out" &&
	    grep -q 'openat(dir, "../ockam-regress-victim") refused' \
	    "$T/try/out" && grep -qx "exit 0" "$T/try/out" &&
	    ok "vault: an absolute path and .. refused" ||
	    fail "vault: an absolute path and .. refused"
	try streamd 4
	grep -q 'unlinkat(dir, "../ockam-regress-victim") refused' \
	    "$T/try/out" && grep -q 'openat(dir, "/etc/passwd") refused' \
	    "$T/try/out" && [ -e "$T/try/ockam-regress-victim" ] &&
	    grep -qx "exit 0" "$T/try/out" &&
	    ok "streamd: an absolute path and .. refused" ||
	    fail "streamd: an absolute path and .. refused"
fi
