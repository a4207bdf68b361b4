#!/bin/sh
# SPDX-License-Identifier: ISC
# Any process that dies takes the node down cleanly, and routed says
# which one and how; a malformed imsg from a sibling is fatal to routed.
. "$(dirname "$0")/lib.sh"

CONF=$TOP/etc/many-hops.conf

for c in "ockam-vaultd:vault:KILL:9" "ockam-tcpd:tcpd:TERM:15" \
    "ockam-vaultd:vault:ABRT:6"; do
	prog=${c%%:*}; c=${c#*:}; role=${c%%:*}; c=${c#*:}
	sig=${c%%:*}; num=${c#*:}
	name=kill_${role}_$sig
	start_node $name "$CONF" || { fail "node starts"; continue; }
	kill -$sig "$(child_pid $name $prog)"
	if wait_exit $name 3 && wait_for 1 node_down $name; then
		ok "SIG$sig to $role: the node stops"
	else fail "SIG$sig to $role: the node stops"; fi
	if grep -q "lost child: $role (pid [0-9]*) terminated by signal $num" \
	    "$(node_log $name)"; then
		ok "SIG$sig to $role: logged with the signal"
	else fail "SIG$sig to $role: logged with the signal"; show_log $name; fi
	[ "$(exit_status $name)" = 1 ] && ok "SIG$sig to $role: routed exits 1" ||
	    fail "SIG$sig to $role: routed exits 1 ($(exit_status $name))"
	check "SIG$sig to $role: socket removed" test ! -e "$(node_sock $name)"
done

# SIGINT (a ^C in the foreground) stops the node like SIGTERM.
start_node int "$CONF" || fail "node starts"
kill -INT "$(node_pid int)"
if wait_exit int 3 && [ "$(exit_status int)" = 0 ] && node_down int &&
    [ ! -e "$(node_sock int)" ]; then
	ok "SIGINT: clean shutdown, exit 0, socket removed"
else fail "SIGINT: clean shutdown (status $(exit_status int))"; fi

# A malformed imsg from a child: bad length, unknown type, bad header.
for c in "vault:1:READY from vault (length 8): size" \
    "tcpd:2:unknown type 32767 from tcpd" \
    "vault:3:malformed imsg header from vault"; do
	role=${c%%:*}; c=${c#*:}; variant=${c%%:*}; msg=${c#*:}
	name=bad_${role}_$variant
	start_node $name "$CONF" || { fail "node starts"; continue; }
	ctl $name regress badimsg $role $variant >/dev/null 2>&1
	if wait_exit $name 3 && wait_for 1 node_down $name; then
		ok "malformed imsg $variant from $role: node stops"
	else fail "malformed imsg $variant from $role: node stops"; fi
	if grep -q "fatal in routed: .*$msg" "$(node_log $name)"; then
		ok "malformed imsg $variant from $role: fatal, logged"
	else
		fail "malformed imsg $variant from $role: fatal, logged"
		show_log $name
	fi
done
