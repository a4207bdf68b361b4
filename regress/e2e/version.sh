#!/bin/sh
# SPDX-License-Identifier: ISC
# -V on every program prints the version of the file VERSION (and the
# revision of a checkout); the process titles name the node's socket,
# so ps tells the processes of several nodes apart.
. "$(dirname "$0")/lib.sh"

v=$(cat "$TOP/VERSION")
for p in ockam-routed ockam-vaultd ockam-tcpd ockam-streamd ockamctl; do
	out=$("$(dirname "$ROUTED")/$p" -V 2>&1); rc=$?
	case $out in
	"$p $v"|"$p $v ("*")") [ $rc -eq 0 ] && ok "$p -V: $out" ||
	    fail "$p -V exits 0 ($rc)" ;;
	*) fail "$p -V prints $p $v ($out)" ;;
	esac
done

start_node n1 "$TOP/etc/many-hops.conf" || { fail "node starts"; exit 0; }
sock=$(node_sock n1)
title() { tr '\0' ' ' < "/proc/$1/cmdline" | sed 's/ *$//'; }
for p in "router:$(node_pid n1)" "vault:$(child_pid n1 ockam-vaultd)" \
    "transport:$(child_pid n1 ockam-tcpd)"; do
	t=${p%%:*} pid=${p#*:}
	got=$(title "$pid")
	case $got in
	*"$t $sock"*) ok "process title: $got" ;;
	*) fail "process title of $t names $sock ($got)" ;;
	esac
done
