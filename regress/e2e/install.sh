#!/bin/sh
# SPDX-License-Identifier: ISC
# make install into a DESTDIR: programs, helpers in the libexec
# directory, manuals, the unit and a sample configuration that does not
# replace the operator's; a node runs from there; make uninstall takes
# it all away but a configuration the operator changed.
. "$(dirname "$0")/lib.sh"

# The valgrind build is the one without sanitizers that regress makes;
# its flags are given again so that make finds it up to date.
if [ -z "$VGBUILD" ]; then
	skip "VGBUILD is not set: no plain build to install"
	exit 0
fi
R=$T/root
P=/usr/local
inst() {
	make -s -C "$TOP" BUILD="$VGBUILD" NOSANDBOX=1 DESTDIR="$R" "$@" \
	    >"$T/make.out" 2>&1
}
if ! inst install; then
	fail "make install DESTDIR ($(tail -3 "$T/make.out"))"
	exit 0
fi
ok "make install DESTDIR=$R"
for f in sbin/ockam-routed bin/ockamctl libexec/ockam/ockam-vaultd \
    libexec/ockam/ockam-tcpd libexec/ockam/ockam-streamd \
    share/man/man5/ockam.conf.5 share/man/man8/ockam-streamd.8 \
    share/man/man8/ockam-routed.8 share/man/man8/ockamctl.8 \
    lib/systemd/system/ockam-routed.service etc/ockam/ockam.conf \
    etc/ockam/ockam.conf.sample; do
	[ -f "$R$P/$f" ] || fail "installed: $P/$f"
done
check "programs are executable, the rest is not" sh -c "
    test -x $R$P/sbin/ockam-routed && test -x $R$P/libexec/ockam/ockam-tcpd &&
    test ! -x $R$P/etc/ockam/ockam.conf"
check "the unit runs the installed ockam-routed" \
    grep -q "^ExecStart=$P/sbin/ockam-routed -d -f $P/etc/ockam/ockam.conf" \
    "$R$P/lib/systemd/system/ockam-routed.service"
if command -v systemd-analyze >/dev/null 2>&1; then
	mkdir -p "$T/unit"
	sed "s|$P/|$R$P/|g" "$R$P/lib/systemd/system/ockam-routed.service" \
	    > "$T/unit/ockam-routed.service"
	if (cd "$T/unit" && systemd-analyze verify --man=no \
	    ./ockam-routed.service) > "$T/verify.out" 2>&1; then
		ok "systemd-analyze verify: clean"
	else fail "systemd-analyze verify: clean ($(cat "$T/verify.out"))"; fi
else skip "systemd-analyze is not installed"; fi
check "the sample configuration is valid" \
    "$R$P/sbin/ockam-routed" -n -f "$R$P/etc/ockam/ockam.conf"

# The operator's configuration survives a second install.
echo "# mine" >> "$R$P/etc/ockam/ockam.conf"
inst install
check "install again: the operator's configuration is kept" \
    grep -q "^# mine" "$R$P/etc/ockam/ockam.conf"

# A node from there; the helpers are found in the libexec directory
# (-X: in a DESTDIR, not where they were built to be).
"$R$P/sbin/ockam-routed" -V >/dev/null 2>&1 &&
    ok "the installed ockam-routed runs" || fail "the installed ockam-routed runs"
out=$("$R$P/sbin/ockam-routed" -d -f "$TOP/etc/many-hops.conf" \
    -s "$T/x.sock" 2>&1); rc=$?
[ $rc -ne 0 ] && echo "$out" | grep -q "$P/libexec/ockam/ockam-" &&
    ok "without -X it looks in $P/libexec/ockam" ||
    fail "without -X it looks in $P/libexec/ockam (rc $rc: $out)"
ROUTED=$R$P/sbin/ockam-routed
start_node inst "$TOP/etc/many-hops.conf" -X "$R$P/libexec/ockam" &&
    ok "a node starts from the installed programs" ||
    fail "a node starts from the installed programs"
[ "$(ctl inst message send /service/echoer installed 2>&1)" = installed ] &&
    ok "and answers" || fail "and answers"
stop_node inst

inst uninstall
left=$(cd "$R" && find . -type f | sort | tr '\n' ' ')
[ "$left" = "./usr/local/etc/ockam/ockam.conf " ] &&
    ok "make uninstall: all gone but the changed configuration" ||
    fail "make uninstall: all gone but the changed configuration ($left)"
