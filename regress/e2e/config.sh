#!/bin/sh
# SPDX-License-Identifier: ISC
# ockam-routed's configuration checks, as an operator meets them.
. "$(dirname "$0")/lib.sh"

for f in "$TOP"/etc/*.conf; do
	out=$("$ROUTED" -n -f "$f" 2>&1); rc=$?
	if [ $rc -eq 0 ] && [ "$out" = "configuration OK" ]; then
		ok "-n: $(basename "$f") is valid"
	else fail "-n: $(basename "$f") is valid ($out)"; fi
done

# Every port an etc/ file names is a macro at its top: -D moves each
# one, and -nv then prints the moved ports and no other.
n=0 files=0
for f in "$TOP"/etc/*.conf; do
	b=$(basename "$f") flags="" new=""
	for m in $(sed -n 's/^\([a-z_]*port\) = "\([0-9]*\)"$/\1/p' "$f"); do
		n=$((n + 1))
		flags="$flags -D $m=$((9000 + n))" new="$new $((9000 + n))"
	done
	[ -n "$flags" ] && files=$((files + 1))
	# shellcheck disable=SC2086
	got=$("$ROUTED" -nv -f "$f" $flags 2>&1 |
	    grep -oE '(port |tcp/|[0-9]:)[0-9]+' | grep -oE '[0-9]+$' |
	    sort -u | xargs)
	want=$(for p in $new; do echo "$p"; done | sort -u | xargs)
	[ "$got" = "$want" ] &&
	    ok "-D moves every port of $b (${want:-none})" ||
	    fail "-D moves every port of $b (printed $got, moved $want)"
done
[ "$files" -ge 8 ] && ok "the port macros of $files files in etc/" ||
    fail "the port macros of $files files in etc/ (8 expected)"

# -nv prints the configuration, and what it prints parses again.
"$ROUTED" -nv -f "$TOP/etc/many-hops.conf" > "$T/printed.conf" 2>&1
if grep -q '^hop "h2"' "$T/printed.conf" &&
    "$ROUTED" -n -f "$T/printed.conf" >/dev/null 2>&1; then
	ok "-nv prints a configuration that parses again"
else fail "-nv prints a configuration that parses again"; fi

# Errors: file:line, exit 1, no process left behind.
bad() {
	desc=$1 want=$2
	cat > "$T/bad.conf"
	out=$("$ROUTED" -d -f "$T/bad.conf" -s "$T/bad.sock" 2>&1); rc=$?
	if [ $rc -eq 1 ] && echo "$out" | grep -q -- "$want"; then
		ok "$desc"
	else fail "$desc (rc $rc: $out)"; fi
	[ ! -e "$T/bad.sock" ] || fail "$desc: left a socket behind"
}
printf 'echoer "echoer"\nfrobnicate "x"\n' |
    bad "unknown keyword: file:line error, names it" \
    'bad.conf:2: syntax error at "frobnicate": not a keyword'
printf 'echoer e1 e2\n' |
    bad "a syntax error names the token" 'bad.conf:1: syntax error at "e2"'
printf 'listen on 127.0.0.1 port\n' |
    bad "a statement cut short" \
    'bad.conf:1: syntax error at the end of the line'
printf 'hop "h1"\nhop "h1"\n' |
    bad "duplicate worker address" 'bad.conf:2: worker "h1" defined twice'
printf 'hop "a b"\n' |
    bad "invalid worker address" "bad.conf:1:"
printf 'control socket "relative.sock"\n' |
    bad "relative socket path" "bad.conf:1:"
printf 'control socket "/tmp/x.sock" mode 0666\n' |
    bad "world-accessible socket mode" "bad.conf:1:"
printf 'echoer $nosuch\n' |
    bad "undefined macro" "bad.conf:1:"
printf 'limit frobs 3\n' |
    bad "unknown limit" "bad.conf:1: limit frobs: no such limit"
printf 'limit handshakes 0\n' |
    bad "limit out of range" "bad.conf:1: limit handshakes 0: out of range"
printf 'limit handshakes 12x\n' |
    bad "limit not a number" "bad.conf:1: limit handshakes 12x: not a number"
printf 'limit handshakes 5\nlimit handshakes 6\n' |
    bad "limit given twice" "bad.conf:2: limit handshakes: given twice"
printf 'limit connections 16\nlimit connections-outgoing 16\n' |
    bad "connections-outgoing not below connections" \
    "connections-outgoing (16) leaves no connection to accept"
printf 'echoer "unterminated\n' |
    bad "unterminated string" "bad.conf:1:"

# A forwarding consumer of a listener makes an open gateway: warned of.
cat > "$T/gw.conf" <<EOC
hop "h1"
echoer "echoer"
relay "r1" to "/service/h1"
relay "r2" to "/ip4/127.0.0.1/tcp/4000"
listen on 127.0.0.1 port 3999 consumers { "h1" "echoer" "r1" "r2" }
EOC
out=$("$ROUTED" -n -f "$T/gw.conf" 2>&1); rc=$?
if [ $rc -eq 0 ] && echo "$out" | grep -q 'warning: hop "h1" is a consumer' &&
    echo "$out" | grep -q 'warning: relay "r1" is a consumer' &&
    ! echo "$out" | grep -q '"r2"' && ! echo "$out" | grep -q '"echoer"' &&
    echo "$out" | grep -q "configuration OK"; then
	ok "-n warns of a hop and a local relay as listener consumers"
else fail "-n warns of a hop and a local relay as listener consumers ($out)"; fi

out=$("$ROUTED" -n -f "$T/does-not-exist.conf" 2>&1); rc=$?
if [ $rc -eq 1 ] && echo "$out" | grep -q "does-not-exist.conf"; then
	ok "missing configuration file: named in the error"
else fail "missing configuration file ($out)"; fi

# Device files and FIFOs are refused, not read for ever.
out=$(timeout 5 "$ROUTED" -n -f /dev/zero 2>&1); rc=$?
[ $rc -eq 1 ] && echo "$out" | grep -q "not a regular file" &&
    ok "-f /dev/zero: refused at once" || fail "-f /dev/zero ($rc: $out)"
mkfifo "$T/fifo"
printf 'include "%s"\n' "$T/fifo" > "$T/fifo.conf"
out=$(timeout 5 "$ROUTED" -n -f "$T/fifo.conf" 2>&1); rc=$?
[ $rc -eq 1 ] && echo "$out" | grep -q "not a regular file" &&
    ok "include of a FIFO: refused at once" ||
    fail "include of a FIFO ($rc: $out)"

# -D overrides a macro of the file.
printf 'name = "e1"\nechoer $name\n' > "$T/macro.conf"
if "$ROUTED" -nv -D name=e2 -f "$T/macro.conf" 2>&1 | grep -q '^echoer "e2"'
then ok "-D name=value wins over the file's macro"
else fail "-D name=value wins over the file's macro"; fi

if is_root; then
	printf 'user "_nosuchuser_"\nechoer "e"\n' |
	    bad "unknown user: clear error" 'unknown user "_nosuchuser_"'
	mkdir -p "$T/badroot"
	chmod 777 "$T/badroot"
	printf 'chroot "%s"\nechoer "e"\n' "$T/badroot" |
	    bad "writable chroot directory refused" "must be a directory owned by root"
	printf 'user "root"\nechoer "e"\n' |
	    bad "refuses to run the node as root" 'is root'
	printf 'vault user "_nosuchuser_"\nechoer "e"\n' |
	    bad "unknown vault user: clear error" \
	    'vault user: unknown user "_nosuchuser_"'
	printf 'vault user "root"\nechoer "e"\n' |
	    bad "refuses to run the vault as root" 'vault user: .*is root'
else
	skip "user and chroot checks need root"
fi

# The vault's user: its own by default, or the one configured.
"$ROUTED" -nv -f "$TOP/etc/many-hops.conf" 2>&1 | grep -q '^vault user "_ockamvault"$' &&
    ok "the vault's user is _ockamvault by default" ||
    fail "the vault's user is _ockamvault by default"
printf 'vault user "_ockam"\nvault user "x"\n' > "$T/vu.conf"
out=$("$ROUTED" -n -f "$T/vu.conf" 2>&1)
echo "$out" | grep -q "vu.conf:2: vault user given twice" &&
    ok "vault user given twice: refused ($out)" ||
    fail "vault user given twice: refused ($out)"

# A bad configuration does not disturb a node that is running.
start_node n1 "$TOP/etc/many-hops.conf" || fail "node starts"
printf 'bogus\n' > "$T/bad2.conf"
"$ROUTED" -d -f "$T/bad2.conf" -s "$(node_sock n1)" > /dev/null 2>&1
[ "$(ctl n1 message send /service/echoer 'still' 2>&1)" = still ] &&
    ok "a bad configuration leaves the running node alone" ||
    fail "a bad configuration leaves the running node alone"
stop_node n1

# -D without '=' is fatal, not a warning.
out=$("$ROUTED" -n -D nosuchequals -f "$TOP/etc/many-hops.conf" 2>&1); rc=$?
[ $rc -ne 0 ] && echo "$out" | grep -q "name=value" &&
    ok "-D without '=': fatal ($out)" || fail "-D without '=': fatal (rc $rc: $out)"

# -nn: what the system must have, checked without starting.
mkdir -p "$T/nn"
out=$("$ROUTED" -nn -f "$TOP/etc/hub-bob.conf" -s "$T/nn/x.sock" \
    -D vaultdir="$T/nn/vault" 2>&1); rc=$?
if ! have_user; then skip "-nn: no node user on this machine"
elif [ $rc -eq 0 ]; then ok "-nn: a node that can start passes"
else fail "-nn: a node that can start passes ($out)"; fi
out=$("$ROUTED" -nn -f "$TOP/etc/hub-bob.conf" -s "$T/nope/x.sock" \
    -D vaultdir="$T/nope/a/vault" 2>&1); rc=$?
[ $rc -eq 1 ] && echo "$out" | grep -q "control socket $T/nope/x.sock" &&
    echo "$out" | grep -q "vault directory $T/nope/a/vault" &&
    ok "-nn: missing directories, each named" ||
    fail "-nn: missing directories, each named (rc $rc: $out)"
printf 'user "nosuchuser_x"\ncontrol socket "%s" group "nosuchgroup_x"\n' \
    "$T/nn/y.sock" > "$T/nn.conf"
out=$("$ROUTED" -nn -f "$T/nn.conf" 2>&1); rc=$?
[ $rc -eq 1 ] && echo "$out" | grep -q "nosuchuser_x" &&
    echo "$out" | grep -q "group nosuchgroup_x: no such group" &&
    ok "-nn: unknown user and group" ||
    fail "-nn: unknown user and group (rc $rc: $out)"
"$ROUTED" -n -f "$T/nn.conf" >/dev/null 2>&1 &&
    ok "-n alone does not look at the system" ||
    fail "-n alone does not look at the system"
