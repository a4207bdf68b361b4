#!/bin/sh
# SPDX-License-Identifier: ISC
# The manual pages are well-formed and name what the programs accept.
. "$(dirname "$0")/lib.sh"

PAGES="ockam-routed/ockam-routed.8 ockam-routed/ockam.conf.5 \
ockam-vaultd/ockam-vaultd.8 ockam-tcpd/ockam-tcpd.8 ockamctl/ockamctl.8 \
ockam-streamd/ockam-streamd.8"

if command -v mandoc >/dev/null 2>&1; then
	for p in $PAGES; do
		out=$(cd "$TOP" && mandoc -Tlint -Wwarning "$p" 2>&1)
		[ -z "$out" ] && ok "mandoc -Tlint: $p" ||
		    fail "mandoc -Tlint: $p: $out"
	done
else
	skip "mandoc not installed"
fi

# Every flag in ockam-routed's usage is in its page, and vice versa.
usage=$("$ROUTED" -x 2>&1)
for f in d n v D f s; do
	if echo "$usage" | grep -q -- "-[a-zA-Z]*$f" &&
	    grep -q "^\.It Fl $f" "$TOP/ockam-routed/ockam-routed.8"; then
		ok "ockam-routed -$f: in usage and in the manual"
	else fail "ockam-routed -$f: in usage and in the manual"; fi
done
# Every ockamctl command in its usage is in its page.
for c in "message send" "message receive" "show workers" "log brief"; do
	if "$CTL" 2>&1 | grep -q "$c" &&
	    tr '\n' ' ' < "$TOP/ockamctl/ockamctl.8" |
	    sed 's/ Cm / /g' | grep -q "$c"; then
		ok "ockamctl $c: in usage and in the manual"
	else fail "ockamctl $c: in usage and in the manual"; fi
done

# Every option of message send and receive is in the page, and back.
page=$(tr '\n' ' ' < "$TOP/ockamctl/ockamctl.8")
for o in "send n no-reply" "send x hex" "send t timeout" "receive c count" \
    "receive t timeout" "receive x hex"; do
	set -- $o
	if "$CTL" 2>&1 | grep -q "message $1 .*-[a-z]*$2" &&
	    echo "$page" | grep -q "Cm message $1 .*Fl $2 | -$3"; then
		ok "ockamctl message $1 -$2: in usage and in the manual"
	else fail "ockamctl message $1 -$2: in usage and in the manual"; fi
done

# Every limit is in ockam.conf(5), with its default, and -nv prints it.
"$ROUTED" -nv -f "$TOP/etc/many-hops.conf" 2>&1 |
    sed -n 's/^# limit \([^ ]*\) \([^ ]*\)$/\1 \2/p' > "$T/limits"
[ -s "$T/limits" ] || fail "-nv prints the limits in force"
while read -r name def; do
	if grep -q "^\.It Ic $name Pq $def ;" "$TOP/ockam-routed/ockam.conf.5"
	then ok "limit $name: in ockam.conf(5) with its default $def"
	else fail "limit $name: in ockam.conf(5) with its default $def"; fi
done < "$T/limits"
