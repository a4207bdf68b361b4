#!/bin/sh
# SPDX-License-Identifier: ISC
# ockam-tcpd on its own, driven by regress/helpers/tcpdpoke exactly as
# routed drives it, with loopback peers made by tcpdpoke: frames in and
# out, bad frames, many connections and the limit, a peer that does not
# read, a routed that does not read, connecting, TLS both ways, the
# request checks, the seccomp filter and the sandbox.
. "$(dirname "$0")/lib.sh"

TCPD=$BUILD/ockam-tcpd
POKE=$HELPERS/tcpdpoke
AS=""			# prefix that runs tcpdpoke as another user

# poke OUT SCENARIO [DIR]: run tcpdpoke, output to $T/OUT
poke() {
	_o=$1; shift
	$AS timeout 120 "$POKE" "$TCPD" "$NODE_USER" "$@" > "$T/$_o" 2>&1
}

# expect OUT DESC PATTERN...: ok when every pattern is in $T/OUT
expect() {
	_o=$1 _d=$2; shift 2
	for _p in "$@"; do
		if ! grep -q -- "$_p" "$T/$_o"; then
			fail "$_d (no \"$_p\")"
			grep -v 'tcpd: connection [0-9]* [ft][ro]' "$T/$_o" |
			    sed 's/^/#   /' | tail -n 40
			return 1
		fi
	done
	ok "$_d"
}

# results OUT TAG: one line per check tcpdpoke made ("... ok" or
# "... FAILED"); tcpd must have become ready
results() {
	_o=$1 _t=$2
	grep -E ' (ok|FAILED)$' "$T/$_o" | while IFS= read -r _l; do
		case $_l in
		*" ok")	ok "$_t: ${_l% ok}" ;;
		*)	fail "$_t: ${_l% FAILED}" ;;
		esac
	done
	if ! grep -q '^ready$' "$T/$_o"; then
		fail "$_t: tcpd never became ready"
		sed 's/^/#   /' "$T/$_o" | tail -n 20
	fi
}

# A CA, a certificate for localhost and one for another name, both
# signed by it, and a self-signed one for localhost.
mkcerts() {
	d=$1
	mkdir -p "$d"
	(
	cd "$d" || exit 1
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
	    -nodes -keyout ca.key -out ca.pem -days 2 \
	    -subj "/CN=ockam-c regress CA" || exit 1
	for n in localhost:localhost wrong:wronghost.invalid; do
		f=${n%%:*} cn=${n#*:}
		openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
		    -nodes -keyout $f.key -out $f.csr -subj "/CN=$cn" ||
		    exit 1
		printf 'subjectAltName=DNS:%s\n' "$cn" > $f.ext
		openssl x509 -req -in $f.csr -CA ca.pem -CAkey ca.key \
		    -CAcreateserial -out $f.pem -days 2 -extfile $f.ext ||
		    exit 1
	done
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
	    -nodes -keyout self.key -out self.pem -days 2 \
	    -subj "/CN=localhost" -addext "subjectAltName=DNS:localhost" ||
	    exit 1
	chmod 600 ./*.key
	) > "$d/openssl.log" 2>&1
}

# suite TAG TLSDIR: every scenario, run as whoever $AS makes us.
suite() {
	tag=$1 tlsdir=$2

	# connect waits out tcpd's 5 s connect timeout: beside the others.
	poke $tag.connect connect &
	_c=$!
	for s in frames bad many noread drain slowrouted connect names \
	    portal; do
		if [ $s = connect ]; then wait $_c; else poke $tag.$s $s; fi
		results $tag.$s "$tag $s"
		expect $tag.$s "$tag $s: tcpd exits 0 when routed goes away" \
		    "child exited: status 0"
	done
	# The first of a cause is logged at once, the rest a line a second.
	expect $tag.bad "$tag bad: bad frames are logged with the peer" \
	    "bad frame, connection closed: connection [0-9]* from 127.0.0.1:[0-9]*: frame of length 0" \
	    "frame cut short, connection closed: connection [0-9]* from 127.0.0.1:[0-9]*: closed by the peer in the middle of a frame (12 of 65537 bytes)"
	n=$(grep -c "bad frame, connection closed" "$T/$tag.bad")
	[ "$n" -le 4 ] &&
	    ok "$tag bad: 7 bad frames in seconds, $n log lines" ||
	    fail "$tag bad: 7 bad frames in seconds, $n log lines"
	expect $tag.slowrouted "$tag slowrouted: the pause is logged" \
	    "queued to routed: sockets are not read until it catches up" \
	    "routed caught up: reading sockets again"
	expect $tag.many "$tag many: the limit is logged" \
	    "connection limit reached: closed new connections: 1024 accepted"
	n=$(grep -c "connection limit reached" "$T/$tag.many")
	[ "$n" -le 3 ] &&
	    ok "$tag many: the limit is logged at most once a second ($n)" ||
	    fail "$tag many: the limit is logged at most once a second ($n)"

	if [ -n "$tlsdir" ]; then
		poke $tag.tls tls "$tlsdir"
		results $tag.tls "$tag tls"
		expect $tag.tls "$tag tls: the refused handshake is logged" \
		    "closed before it was up: .*TLS handshake"
	else
		skip "$tag tls: no openssl to make certificates"
	fi

	poke $tag.filter filter
	grep -E ' (ok|FAILED)$' "$T/$tag.filter" | while IFS= read -r _l; do
		case $_l in
		*" ok")	ok "$tag ${_l% ok}" ;;
		*)	fail "$tag ${_l% FAILED}" ;;
		esac
	done
	expect $tag.filter "$tag filter: every check ran" \
	    "filter: accept4 without tcpd's flags kills"

	poke $tag.sandbox sandbox
	expect $tag.sandbox "$tag: a forbidden syscall kills tcpd (SIGSYS)" \
	    "child exited: signal 31"

	for s in late twice dupid badfamily badsize short emptymsg \
	    undecodable unterminated unknown pdata0 pdatabig popen pcredit \
	    pclose; do
		[ $s = twice ] && [ -z "$tlsdir" ] && continue
		poke $tag.$s $s "$tlsdir"
		r="from routed"
		case $s in
		late)		why="a listener at run time, but the node is .listen static" ;;
		twice)		why="TCP_TLSCONF $r .*not permitted twice" ;;
		dupid)		why="listener id used twice" ;;
		badfamily)	why="family is neither 4 nor 6" ;;
		badsize)	why="TCP_CLOSE $r (length [0-9]*): size" ;;
		short)		why="TCP_SEND $r (length [0-9]*): size" ;;
		emptymsg)	why="TCP_SEND $r .*no message" ;;
		undecodable)	why="TCP_SEND $r .*unsupported version" ;;
		unterminated)	why="unterminated peer name" ;;
		unknown)	why="unknown type 32767 $r" ;;
		pdata0|pdatabig) why="portal data of 0 or over 48 KiB" ;;
		popen)		why="portal id in use or not routed's" ;;
		pcredit)	why="portal credit 0 or too large" ;;
		pclose)		why="TCP_PORTAL_CLOSE $r (length [0-9]*): size" ;;
		esac
		expect $tag.$s "$tag: $s request is fatal: $why" \
		    "malformed imsg" "$why" "child exited: status 1"
	done

	poke $tag.bindfail bindfail
	port=$(sed -n 's/^port \([0-9]*\) taken$/\1/p' "$T/$tag.bindfail")
	expect $tag.bindfail "$tag: a listener that cannot bind is fatal" \
	    "cannot listen on 127.0.0.1:$port: bind: Address already in use" \
	    "no READY" "child exited: status 1"
}

tls=""
if command -v openssl >/dev/null 2>&1 && mkcerts "$T/tls"; then
	tls=$T/tls
	chmod 755 "$tls"
else
	sed 's/^/#   /' "$T/tls/openssl.log" 2>/dev/null
fi

if is_root && have_user; then
	suite root "$tls"
	expect root.frames "root: tcpd runs as $NODE_USER in its sandbox" \
	    "tcpd Seccomp: 2, Uid: $(id -u "$NODE_USER")" \
	    "chrooted to .*, running as $NODE_USER"
else
	skip "tcpd as root: needs root and the $NODE_USER user"
fi

# Unprivileged: as ourselves, or as nobody when we are root.
if ! is_root; then
	suite user "$tls"
elif command -v setpriv >/dev/null 2>&1 && id nobody >/dev/null 2>&1; then
	utls=""
	if [ -n "$tls" ]; then
		utls=$T/utls
		cp -R "$tls" "$utls"
		chown -R nobody "$utls"
	fi
	AS="setpriv --reuid=nobody --regid=$(id -g nobody) --clear-groups"
	suite user "$utls"
	AS=""
	expect user.frames "user: not root, nothing to drop" \
	    "not started as root: no chroot"
else
	skip "tcpd unprivileged: needs setpriv and the nobody user"
fi
