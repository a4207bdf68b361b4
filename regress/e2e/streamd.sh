#!/bin/sh
# SPDX-License-Identifier: ISC
# ockam-streamd on its own, driven by regress/helpers/streamdpoke exactly
# as routed drives it: appends confirmed in order, reads by limit and
# budget, offsets, a restart, a torn and a corrupt tail cut off, its
# sandbox (a forbidden call kills it, a path out of its directory is
# refused), every malformed request fatal to it; then in a node: started
# only with a stream service, chrooted to its data directory, and its
# death (a forbidden call, a malformed imsg to routed) stops the node.
. "$(dirname "$0")/lib.sh"

STREAMD=$BUILD/ockam-streamd
POKE=$HELPERS/streamdpoke
U=$NODE_USER
is_root && have_user || U=$(id -un)

# poke OUT DIR SCENARIO [N]: run streamdpoke, output to $T/OUT
poke() {
	out=$1; shift
	"$POKE" "$STREAMD" "$U" "$@" > "$T/$out" 2>&1
}

D=$T/sdata
poke normal "$D" normal 100
expect normal "appends confirmed in order with indices from 0" \
    "^ready" "open alice_to_bob: status 0 existed 0 first 0 next 0" \
    "appends confirmed in order, contiguous indices ok" \
    "child exited: status 0"
if grep -q "FAILED\|no READY\|did not exit\|BAD RECORDS" "$T/normal"; then
	fail "reads, stat and offsets as expected"
	sed 's/^/#   /' "$T/normal"
else ok "reads, stat and offsets as expected"; fi
expect normal "read by limit, by budget, past the end; a record over it" \
    "read by limit ok" "read by budget ok" "STREAMD_ERR_BIG ok" \
    "read far past the end ok" "read with the largest limit: what fits ok"
expect normal "offsets: none, then 0 after SAVE 0, the larger kept" \
    "offset c1 alice_to_bob: found 0 index 0" \
    "offset c1 alice_to_bob: found 1 index 0" \
    "offset c1 alice_to_bob: found 1 index 6" \
    "offset c2 alice_to_bob: found 0"
expect normal "a second open joins the stream, a missing one is not made" \
    "open alice_to_bob: status 0 existed 1 first 0 next 100" \
    "open nobody: status 3"
[ "$(stat -c '%U %a' "$D")" = "$U 700" ] &&
    ok "data directory made, mode 0700, owned by $U" ||
    fail "data directory made ($(stat -c '%U %a' "$D"))"
seg=$D/streams/alice_to_bob/00000000000000000000.seg
[ "$(stat -c '%U %a' "$seg")" = "$U 600" ] &&
    ok "segment file mode 0600, owned by $U" ||
    fail "segment file ($(stat -c '%U %a' "$seg" 2>&1))"
[ ! -e "$D/streams/nobody" ] && ok "no directory for a stream not made" ||
    fail "no directory for a stream not made"

poke check "$D" check
expect check "a restarted streamd has every record and the offset" \
    "open alice_to_bob: status 0 existed 1 first 0 next 100" \
    "records 100" "offset c1 alice_to_bob: found 1 index 6" \
    "child exited: status 0"

# A crash in the middle of the last record; then a record's byte changed.
poke fill "$D" fill 10
tseg=$D/streams/torn/00000000000000000000.seg
size=$(stat -c %s "$tseg")
truncate -s $((size - 3)) "$tseg"
poke count "$D" count
expect count "a torn last record is cut off at start, and said" \
    "torn record at offset" "open torn: status 0 existed 1 first 0 next 9"
printf 'X' | dd of="$tseg" bs=1 seek=30 conv=notrunc 2>/dev/null
poke count2 "$D" count
expect count2 "a corrupt record and what follows are cut off, and said" \
    "record checksum mismatch at offset 0 (index 0)" \
    "open torn: status 0 existed 1 first 0 next 0"

# Killed in the middle of appends, 32 in flight: what was confirmed
# is all there, in order (read_stream checks each record's bytes).
poke crash "$D" crash 20000
expect crash "killed with appends in flight: every confirmed record kept" \
    "killed after 10000 confirmed" \
    "every confirmed record kept, none made up ok" \
    "all of them read back in order ok" \
    "appends confirmed in order, contiguous indices ok" \
    "child exited: status 0"
grep -q "BAD RECORDS\|FAILED" "$T/crash" &&
    { fail "killed with appends in flight: records intact"
    sed 's/^/#   /' "$T/crash"; } ||
    ok "killed with appends in flight: records intact"

# The sandbox.
poke sandbox "$D" sandbox
expect sandbox "execve kills streamd (SIGSYS)" "child exited: signal 31"
poke unlink "$D" unlink
expect unlink "unlinkat(AT_FDCWD) kills streamd (SIGSYS)" \
    "child exited: signal 31"
: > "$T/ockam-regress-victim"
poke escape "$D" escape
expect escape "out of its data directory: refused, still answering" \
    'unlinkat(dir, "../ockam-regress-victim") refused' \
    'openat(dir, "/etc/passwd") refused' \
    "open alice_to_bob: status 0 existed 1" "child exited: status 0"
[ -e "$T/ockam-regress-victim" ] && ok "the file beside it is still there" ||
    fail "the file beside it is still there"

# What routed never sends is fatal.
for s in early twice noconf badsize unknown badname dotdot slash \
    unterminated badid empty big budget overhead create getindex noclient
do
	poke fatal.$s "$D" $s
	expect fatal.$s "$s: fatal to streamd" "fatal in streamd" \
	    "child exited: status 1"
done

# Under valgrind (the build without the sandbox): no leak, no error.
if command -v valgrind >/dev/null 2>&1 && [ -n "$VGBUILD" ] &&
    [ -x "$VGBUILD/ockam-streamd" ]; then
	vg=$(cd "$VGBUILD" && pwd)
	mkdir -p "$T/vg"
	chmod 777 "$T/vg"
	cat > "$T/vgstreamd" <<VG
#!/bin/sh
exec valgrind -q --vgdb=no --leak-check=full \\
    --show-leak-kinds=definite,indirect \\
    --errors-for-leak-kinds=definite,indirect --error-exitcode=99 \\
    --log-file=$T/vg/vg.%p "$vg/ockam-streamd" "\$@"
VG
	chmod 755 "$T/vgstreamd"
	for sc in normal check fill count; do
		"$POKE" "$T/vgstreamd" "$U" "$T/vgdata" $sc 300 \
		    > "$T/vg.$sc" 2>&1
	done
	if grep -q "child exited: status 0" "$T/vg.normal" &&
	    grep -q "records 300" "$T/vg.check" &&
	    grep -q "child exited: status 0" "$T/vg.count" &&
	    ! grep -q "FAILED" "$T/vg.normal" &&
	    [ -z "$(cat "$T"/vg/vg.* 2>/dev/null)" ]; then
		ok "valgrind: streamd appends, reads, restarts, no error or leak"
	else
		fail "valgrind: streamd appends, reads, restarts"
		cat "$T"/vg.normal "$T"/vg/vg.* 2>/dev/null | sed 's/^/#   /'
	fi
else
	skip "valgrind or the valgrind build (VGBUILD) missing"
fi

# In a node.
cat > "$T/hub.conf" <<CONF
user "$NODE_USER"
stream service "stream" index "stream_index" storage embedded \\
    directory "$T/hubdata"
CONF
start_node hub "$T/hub.conf" || { fail "hub starts"; exit 0; }
pid=$(child_pid hub ockam-streamd)
alive "$pid" && ok "a node with a stream service runs ockam-streamd" ||
    fail "a node with a stream service runs ockam-streamd"
if is_root && have_user; then
	[ "$(readlink "/proc/$pid/root")" = "$T/hubdata" ] &&
	    ok "streamd is chrooted to its data directory" ||
	    fail "streamd is chrooted ($(readlink "/proc/$pid/root"))"
	uid=$(id -u "$NODE_USER")
	[ "$(sed -n 's/^Uid:[[:space:]]*//p' "/proc/$pid/status")" = \
	    "$uid	$uid	$uid	$uid" ] &&
	    ok "streamd runs as $NODE_USER" || fail "streamd runs as $NODE_USER"
fi
[ "$(sed -n 's/^Seccomp:[[:space:]]*//p' "/proc/$pid/status")" = 2 ] &&
    ok "streamd has a seccomp filter" || fail "streamd has a seccomp filter"
ctl hub regress sandbox streamd >/dev/null 2>&1
if wait_exit hub 5 && wait_for 2 node_down hub; then
	ok "streamd violates its sandbox: whole node down"
else fail "streamd violates its sandbox: whole node down"; fi
grep -q "lost child: streamd (pid [0-9]*) terminated by signal 31" \
    "$(node_log hub)" && ok "streamd killed by SIGSYS, and routed says so" ||
    { fail "streamd killed by SIGSYS, and routed says so"; show_log hub; }
[ "$(exit_status hub)" = 1 ] && ok "routed exits 1 after losing streamd" ||
    fail "routed exits 1 after losing streamd ($(exit_status hub))"

start_node hub2 "$T/hub.conf" || { fail "hub starts again"; exit 0; }
ctl hub2 regress badimsg streamd 2 >/dev/null 2>&1
if wait_exit hub2 3 && wait_for 1 node_down hub2 &&
    grep -q "fatal in routed: .*unknown type 32767 from streamd" \
    "$(node_log hub2)"; then
	ok "a malformed imsg from streamd: routed stops, logged"
else fail "a malformed imsg from streamd: routed stops"; show_log hub2; fi

start_node plain "$TOP/etc/many-hops.conf" || { fail "node starts"; exit 0; }
[ -z "$(child_pid plain ockam-streamd)" ] &&
    ok "a node without a stream service has no streamd" ||
    fail "a node without a stream service has no streamd"
ctl plain regress sandbox streamd > "$T/nostreamd" 2>&1
grep -q "no ockam-streamd on this node" "$T/nostreamd" &&
    ok "regress streamd on such a node: refused" ||
    fail "regress streamd on such a node: refused"
stop_node plain
