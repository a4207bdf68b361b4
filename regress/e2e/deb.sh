#!/bin/sh
# SPDX-License-Identifier: ISC
# The Debian package of the tree: dpkg-buildpackage builds it from a
# copy of the checkout (its .deb lands beside the copy, not beside the
# operator's tree), lintian finds nothing at its default level, and the
# package holds the programs, manuals, unit, sysusers.d entry and the
# configuration as a conffile.  The build is unoptimised (noopt) to keep
# the suite short: `make deb` makes the real one.
. "$(dirname "$0")/lib.sh"

for t in dpkg-buildpackage dh lintian dpkg-deb git tar; do
	if ! command -v $t >/dev/null 2>&1; then
		skip "the Debian package: no $t here (./setup installs it)"
		exit 0
	fi
done
if [ "$(id -u)" -ne 0 ] && ! command -v fakeroot >/dev/null 2>&1; then
	skip "the Debian package: no fakeroot for an unprivileged build"
	exit 0
fi
if ! git -C "$TOP" rev-parse --git-dir >/dev/null 2>&1; then
	skip "the Debian package: $TOP is not a git checkout"
	exit 0
fi

# The tracked files as they are now (edits included), nothing built.
S=$T/src/ockam-c
mkdir -p "$S"
(cd "$TOP" && git ls-files -z | xargs -0 tar -cf - --no-recursion) |
    tar -xf - -C "$S" || { fail "copy the tree"; exit 0; }
ver=$(cat "$S/VERSION")
arch=$(dpkg --print-architecture)
deb=$T/src/ockam-c_${ver}_$arch.deb

if (cd "$S" && DEB_BUILD_OPTIONS="parallel=2 noopt" \
    dpkg-buildpackage -us -uc -b) > "$T/build.log" 2>&1 && [ -f "$deb" ]
then
	ok "dpkg-buildpackage -us -uc -b builds $(basename "$deb")"
else
	fail "dpkg-buildpackage -us -uc -b"
	tail -20 "$T/build.log" | sed 's/^/#   /'
	exit 0
fi

lintian "$T/src/ockam-c_${ver}_$arch.changes" > "$T/lintian.out" 2>&1
rc=$?
grep -v "^running with root privileges" "$T/lintian.out" > "$T/tags"
if [ $rc -eq 0 ] && [ ! -s "$T/tags" ]; then
	ok "lintian: no tags at its default level"
else
	fail "lintian: exit $rc"
	sed 's/^/#   /' "$T/tags"
fi

dpkg-deb -c "$deb" | awk '{ print $6 }' > "$T/files"
bad=""
for f in ./usr/sbin/ockam-routed ./usr/bin/ockamctl \
    ./usr/libexec/ockam/ockam-vaultd ./usr/libexec/ockam/ockam-tcpd \
    ./usr/libexec/ockam/ockam-streamd ./usr/share/man/man5/ockam.conf.5.gz \
    ./usr/share/man/man8/ockam-routed.8.gz ./usr/share/man/man8/ockamctl.8.gz \
    ./usr/share/man/man8/ockam-tcpd.8.gz ./usr/share/man/man8/ockam-vaultd.8.gz \
    ./usr/share/man/man8/ockam-streamd.8.gz \
    ./lib/systemd/system/ockam-routed.service \
    ./usr/lib/sysusers.d/ockam-c.conf ./etc/ockam/ockam.conf \
    ./var/lib/ockam/empty/; do
	grep -qx "$f" "$T/files" || bad="$bad $f"
done
[ -z "$bad" ] && ok "the package holds programs, manuals, unit, users" ||
    fail "the package lacks:$bad"

dpkg-deb -e "$deb" "$T/ctl"
grep -qx /etc/ockam/ockam.conf "$T/ctl/conffiles" &&
    ok "ockam.conf is a conffile" || fail "ockam.conf is a conffile"
grep -q "systemd-sysusers.*ockam-c.conf" "$T/ctl/postinst" &&
    grep -q "^u _ockam " "$S/debian/ockam-c.sysusers" &&
    grep -q "^u _ockamvault " "$S/debian/ockam-c.sysusers" &&
    ok "postinst makes _ockam and _ockamvault (sysusers.d)" ||
    fail "postinst makes _ockam and _ockamvault (sysusers.d)"

# The packaged programs run, and say the tree's version.
dpkg-deb -x "$deb" "$T/root"
"$T/root/usr/sbin/ockam-routed" -V > "$T/v" 2>&1
grep -q "^ockam-routed $ver" "$T/v" &&
    ok "the packaged ockam-routed -V says $ver" ||
    fail "the packaged ockam-routed -V ($(cat "$T/v"))"
"$T/root/usr/sbin/ockam-routed" -n -f "$T/root/etc/ockam/ockam.conf" \
    > "$T/n" 2>&1 && ok "the packaged configuration parses" ||
    fail "the packaged configuration parses ($(cat "$T/n"))"
grep -q "^ExecStart=/usr/sbin/ockam-routed " \
    "$T/root/lib/systemd/system/ockam-routed.service" &&
    ok "the unit starts /usr/sbin/ockam-routed" ||
    fail "the unit starts /usr/sbin/ockam-routed"
