#!/bin/sh
# SPDX-License-Identifier: ISC
# ockamctl as a program to script: -j gives JSON a parser takes, for
# every show and create verb, with the values the human output has;
# each exit status (usage, no node, refused, failed) is distinct; a
# usage error names the mistake, then the verb's usage alone; help
# VERB and VERB --help; an empty listing says "none".
. "$(dirname "$0")/lib.sh"

if ! command -v python3 >/dev/null 2>&1; then
	skip "python3 is needed to parse the JSON"
	exit 0
fi
P=$(free_port 35900)
cat > "$T/hub.conf" <<EOF
control socket "/run/ockam/ockam.sock" mode 0660
vault directory "$T/hub/vault"
identity "hub"
echoer "echoer"
forwarding service "forwarding_service"
stream service "stream" index "stream_index" \\
    storage embedded directory "$T/hub/streams"
listen on 127.0.0.1 port $P consumers { "forwarding_service" \\
    "hub_listener" "stream" "stream_index" "echoer" }
secure-channel listener "hub_listener" identity "hub" \\
    trust everyone consumers { "echoer" }
limit stream-clients 1
EOF
mkdir -p "$T/hub"
start_node hub "$T/hub.conf" || { fail "node starts"; exit 0; }
HUB=/ip4/127.0.0.1/tcp/$P

# js PYEXPR: evaluate PYEXPR on the document d read from stdin; it
# fails unless stdin is one JSON document and PYEXPR is true
js() {
	python3 -c 'import json, sys
d = json.load(sys.stdin)
sys.exit(0 if eval("(" + sys.argv[1] + ")") else 1)' "$1"
}
# jcheck DESC PYEXPR CTL-ARGS...: ockamctl -j ARGS, its JSON, PYEXPR
jcheck() {
	desc=$1 expr=$2; shift 2
	ctl hub -j "$@" > "$T/j.out" 2> "$T/j.err"
	if js "$expr" < "$T/j.out"; then ok "$desc"
	else fail "$desc: $(cat "$T/j.out" "$T/j.err")"; fi
}

# Empty listings: "none"; -j: an empty array.
for v in channels relays portals streams connections; do
	out=$(ctl hub show $v 2>&1)
	[ "$out" = none ] && ok "show $v, empty: none" ||
	    fail "show $v, empty: none ($out)"
done
jcheck "-j show portals, empty: []" 'd == {"portals": []}' show portals
# -j after the verb too
ctl hub show portals -j > "$T/j.out" 2> "$T/j.err"
js 'd == {"portals": []}' < "$T/j.out" && ok "show portals -j: after the verb" ||
    fail "show portals -j: after the verb ($(cat "$T/j.out" "$T/j.err"))"

# show summary: its pid is routed's, its counts those of the listings.
pid=$(node_pid hub)
jcheck "-j show summary: pid, version, identities, config" \
    "d['pid'] == $pid and d['identities'] == ['hub'] and
    d['config'] == '$T/hub.conf' and d['version'].startswith('0.') and
    d['listeners'] == 1 and d['channels'] == 0" show summary
nw=$(ctl hub show workers | sed 1d | wc -l)
jcheck "-j show summary: workers as many as show workers lists ($nw)" \
    "d['workers'] == $nw and isinstance(d['uptime'], int)" show summary
ctl hub show summary > "$T/sum" 2>&1
grep -q "^pid  *$pid\$" "$T/sum" && grep -q "^identities  *hub\$" "$T/sum" &&
    ok "show summary: one key and value a line" ||
    fail "show summary ($(cat "$T/sum"))"

jcheck "-j show workers: the echoer, kinds" \
    "{'address': 'echoer', 'kind': 'echoer', 'detail': '0 received'}
    in d['workers'] and len(d['workers']) == $nw" show workers
jcheck "-j show listeners: the TCP listener and its consumers" \
    "d['listeners'][0]['listener'] == '127.0.0.1:$P' and
    'hub_listener' in d['listeners'][0]['consumers']" show listeners

# identity create / show
jcheck "-j identity create: name and identifier" \
    "d['name'] == 'carol' and d['identifier'].startswith('I') and
    len(d['identifier']) == 65" identity create carol
cid=$(ctl hub identity show carol | awk '{ print $2 }')
ctl hub identity show carol -j > "$T/j.out" 2> "$T/j.err"
js "d['identities'][0]['identifier'] == '$cid'" < "$T/j.out" &&
    ok "identity show NAME -j: after the operand" ||
    fail "identity show NAME -j ($(cat "$T/j.out" "$T/j.err"))"
jcheck "-j identity show: the identifier show prints" \
    "{'name': 'carol', 'identifier': '$cid'} in d['identities']" \
    identity show
[ "$(ctl hub identity show | head -1 | awk '{ print $1 }')" = NAME ] &&
    ok "identity show: a header" || fail "identity show: a header"

# secure-channel create, show channels, show connections
jcheck "-j secure-channel create: the channel's route" \
    "d['channel'].startswith('/service/') and len(d['channel']) == 41" \
    secure-channel create -A "$HUB/service/hub_listener"
ch=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["channel"])' \
    < "$T/j.out")
jcheck "-j show channels: that channel, initiator, open, its peer" \
    "[c for c in d['channels'] if c['channel'] == '$ch' and
    c['role'] == 'initiator' and c['state'] == 'open' and
    c['identity'] == 'hub' and c['peer'].startswith('I')]" show channels
ctl hub show channels > "$T/chans"
head -1 "$T/chans" | grep -q "^CHANNEL  *ROLE  *STATE  *PEER$" &&
    grep -q "^$ch  *initiator  *open  *I" "$T/chans" &&
    ok "show channels: header, columns" ||
    fail "show channels: header, columns ($(cat "$T/chans"))"
jcheck "-j show connections: the ids are numbers" \
    "len(d['connections']) >= 2 and
    all(isinstance(c['id'], int) for c in d['connections'])" \
    show connections

# message send: the reply's bytes, escaped for JSON
text=$(printf 'a "q" \\ tab\there')
jcheck "-j message send: the reply, quotes, backslash, tab" \
    "d['reply']['text'] == 'a \"q\" \\\\ tab\\there'" \
    message send "$ch/service/echoer" "$text"
jcheck "-j message send -n: sent" 'd == {"sent": True}' \
    message send -n /service/echoer x

# relay create, show relays
jcheck "-j relay create: the forwarding address" \
    "'/service/FWD_' in d['forwarding_address'] and d['to'] == 'echoer'" \
    relay create --to echoer "$HUB"
wait_for 5 sh -c "'$CTL' -s '$(node_sock hub)' show relays | grep -q '^client .* up '"
jcheck "-j show relays: the client relay, up, and its forwarder" \
    "[r for r in d['relays'] if r['side'] == 'client' and
    r['state'] == 'up'] and [r for r in d['relays'] if r['side'] ==
    'hub']" show relays

# streams: create, push (a non-UTF-8 byte, a newline), pull, show
jcheck "-j stream create: its name and route" \
    "d['stream'] == 's1' and d['route'].startswith('/ip4/')" \
    stream create "$HUB" s1
jcheck "-j stream push: index 0" "d == {'stream': 's1', 'index': 0}" \
    stream push "$HUB" s1 first
jcheck "-j stream push -x: index 1" "d['index'] == 1" \
    stream push -x "$HUB" s1 ff0a01
jcheck "-j stream pull: bytes not UTF-8 as \\u00XX, control chars" \
    "d['messages'] == [{'index': 0, 'data': 'first'},
    {'index': 1, 'data': '\\u00ff\\n\\u0001'}]" stream pull "$HUB" s1
grep -q '"\\u00ff\\n\\u0001"' "$T/j.out" &&
    ok "-j stream pull: the escapes as written" ||
    fail "-j stream pull: the escapes as written ($(cat "$T/j.out"))"
# UTF-8 that is not well-formed (overlong, a surrogate, cut short)
# byte by byte; well-formed 3- and 4-byte sequences as they are
ctl hub stream push -x "$HUB" s2 c080eda080f09f9880e282ace282 >/dev/null 2>&1
jcheck "-j stream pull: ill-formed UTF-8 escaped, well-formed kept" \
    "d['messages'][0]['data'] == '\u00c0\u0080\u00ed\u00a0\u0080' +
    '\U0001f600\u20ac\u00e2\u0082'" stream pull "$HUB" s2
jcheck "-j show streams: s1, two messages, numbers" \
    "[s for s in d['streams'] if s['name'] == 's1' and
    s['messages'] == 2 and s['first'] == 0 and s['next'] == 2]" \
    show streams

# Exit status: refused (a limit), failed, usage, no node, permission.
jcheck "-j stream client create: its route" \
    "d['route'] == '/service/sc1' and d['send'] == 'a'" \
    stream client create --send a --receive b --name sc1 "$HUB"
ctl hub stream client create --send a --receive b --name sc2 "$HUB" \
    > "$T/out" 2>&1; rc=$?
[ $rc -eq 77 ] && grep -q "limit stream-clients" "$T/out" &&
    ok "over a limit: refused, exit 77" ||
    fail "over a limit: refused, exit 77 (rc $rc: $(cat "$T/out"))"
ctl hub message send -t 1 /service/nowhere x > "$T/out" 2>&1; rc=$?
[ $rc -eq 1 ] && ok "no route: failed, exit 1" ||
    fail "no route: failed, exit 1 (rc $rc: $(cat "$T/out"))"
ctl hub -j secure-channel delete nosuch > "$T/out" 2> "$T/err"; rc=$?
[ $rc -eq 1 ] && [ ! -s "$T/out" ] && grep -q "no secure channel" "$T/err" &&
    ok "-j: an error on stderr as text, exit 1" ||
    fail "-j: an error on stderr as text, exit 1 (rc $rc)"
"$CTL" -s "$T/nothere.sock" show workers > "$T/out" 2>&1; rc=$?
[ $rc -eq 69 ] && ok "no node: exit 69" ||
    fail "no node: exit 69 (rc $rc: $(cat "$T/out"))"
if is_root && command -v setpriv >/dev/null 2>&1; then
	S=$(node_sock hub)
	chmod 0777 "$S"
	setpriv --reuid 65534 --regid 65534 --clear-groups \
	    "$CTL" -s "$S" show workers > "$T/out" 2>&1; rc=$?
	chmod 0660 "$S"
	[ $rc -eq 77 ] && grep -q "permission denied" "$T/out" &&
	    ok "a user the node refuses: exit 77" ||
	    fail "a user the node refuses: exit 77 (rc $rc: $(cat "$T/out"))"
	setpriv --reuid 65534 --regid 65534 --clear-groups \
	    "$CTL" -s "$S" show workers > "$T/out" 2>&1; rc=$?
	[ $rc -eq 77 ] && ok "the socket's permission: exit 77" ||
	    fail "the socket's permission: exit 77 (rc $rc: $(cat "$T/out"))"
else
	skip "refused users need root and setpriv"
fi

# usage ERRLINE ARGS...: exit 64, ERRLINE first, then the verb's usage
usage() {
	want=$1; shift
	ctl hub "$@" > "$T/out" 2>&1; rc=$?
	first=$(head -1 "$T/out")
	if [ $rc -eq 64 ] && [ "$first" = "ockamctl: $want" ] &&
	    sed -n 2p "$T/out" | grep -q "^usage: ockamctl $1 $2 " &&
	    ! grep -q "^commands:" "$T/out"; then
		ok "usage error: $want, then the usage of $1 $2"
	else fail "usage error: $want (rc $rc: $(cat "$T/out"))"; fi
}
usage "missing ROUTE" message send
usage "missing TEXT" message send /service/echoer
usage "extra argument \"c\"" message send /service/echoer b c
usage "unknown option -q" message send -q /service/echoer b
usage "unknown option --bogus" secure-channel create --bogus r
usage "option -t needs an argument" message receive x -t
usage "timeout 0 is too small (1 to 3600 seconds)" \
    secure-channel create -t 0 "$HUB"
usage "--trust-any goes with neither --trust nor --pin" \
    relay create -A -T I00 --to echoer "$HUB"
ctl hub show bogus > "$T/out" 2>&1; rc=$?
[ $rc -eq 64 ] && grep -q "^ *ockamctl show workers\$" "$T/out" &&
    ! grep -q "message send" "$T/out" &&
    ok "show bogus: exit 64, the show verbs' usage" ||
    fail "show bogus: exit 64 ($(cat "$T/out"))"

# help
out=$(ctl hub help relay create); rc=$?
[ $rc -eq 0 ] && echo "$out" | grep -q "^usage: ockamctl relay create " &&
    echo "$out" | grep -q -- "--to address" &&
    echo "$out" | grep -q "hub-route\$" &&
    ok "help relay create: its usage, exit 0" ||
    fail "help relay create ($rc: $out)"
out=$(ctl hub stream client create --help); rc=$?
[ $rc -eq 0 ] && [ "$(echo "$out" | grep -c usage:)" = 1 ] &&
    echo "$out" | grep -q "^usage: ockamctl stream client create --send" &&
    ok "stream client create --help: its usage alone, exit 0" ||
    fail "stream client create --help ($rc: $out)"
out=$(ctl hub help); rc=$?
[ $rc -eq 0 ] && echo "$out" | grep -q "^	show summary$" &&
    echo "$out" | grep -q "^	log brief|verbose$" &&
    ! echo "$out" | grep -q regress &&
    ok "help: the verbs, exit 0" || fail "help ($rc: $out)"
