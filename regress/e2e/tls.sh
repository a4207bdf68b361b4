#!/bin/sh
# SPDX-License-Identifier: ISC
# TLS between two nodes (libtls in ockam-tcpd): a TLS listener next to a
# plain one, outgoing TLS verified against a CA and the peer's name.
. "$(dirname "$0")/lib.sh"

if ! command -v openssl >/dev/null 2>&1; then
	skip "openssl is needed to make the test certificates"
	exit 0
fi

PT=$(free_port 28000)
PP=$(free_port $((PT + 1)))

# A CA, a certificate for localhost, and one for another name.
C=$T/pki
mkdir -p "$C"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -days 2 -subj "/CN=ockam-c test CA" -keyout "$C/ca.key" \
    -out "$C/ca.pem" > /dev/null 2>&1
for name in localhost wrong.example; do
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -subj "/CN=$name" -keyout "$C/$name.key" -out "$C/$name.csr" \
	    > /dev/null 2>&1
	printf 'subjectAltName=DNS:%s\n' "$name" > "$C/$name.ext"
	openssl x509 -req -in "$C/$name.csr" -CA "$C/ca.pem" \
	    -CAkey "$C/ca.key" -CAcreateserial -days 2 \
	    -extfile "$C/$name.ext" -out "$C/$name.pem" > /dev/null 2>&1
done
if [ ! -s "$C/localhost.pem" ]; then
	fail "test certificates made with openssl"
	exit 0
fi
chmod 644 "$C"/*.pem
chmod 600 "$C"/*.key

cat > "$T/bob.conf" <<EOC
echoer "echoer"
listen on 127.0.0.1 port $PT tls certificate "$C/localhost.pem" \\
    key "$C/localhost.key" consumers { "echoer" }
listen on 127.0.0.1 port $PP consumers { "echoer" }
EOC
cat > "$T/alice.conf" <<EOC
tls ca "$C/ca.pem"
EOC
cat > "$T/eve.conf" <<EOC
echoer "echoer"
listen on 127.0.0.1 port $((PP + 1)) tls certificate "$C/wrong.example.pem" \\
    key "$C/wrong.example.key" consumers { "echoer" }
EOC

start_node bob "$T/bob.conf" || { fail "TLS node starts"; exit 0; }
start_node alice "$T/alice.conf" || { fail "client node starts"; exit 0; }
ok "a node with a TLS and a plain listener starts"

out=$(ctl alice message send "/dnsaddr/localhost/tls/$PT/service/echoer" \
    'Hello Ockam!' 2>&1)
[ "$out" = "Hello Ockam!" ] && ok "TLS: Hello Ockam! (verified: CA and name)" ||
    fail "TLS: Hello Ockam! ($out)"
out=$(ctl alice message send "/ip4/127.0.0.1/tcp/$PP/service/echoer" plain 2>&1)
[ "$out" = plain ] && ok "the plain listener beside it works" ||
    fail "the plain listener beside it works ($out)"
ctl alice show connections 2>&1 | grep "localhost:$PT" | grep -q TLS &&
    ok "show connections marks the TLS connection" ||
    fail "show connections marks the TLS connection"

# A TLS client talking to the plain port, and plain bytes to TLS.
out=$(ctl alice message send -t 3 "/ip4/127.0.0.1/tls/$PP/service/echoer" \
    x 2>&1)
echo "$out" | grep -q "no reply\|cannot reach" &&
    ok "TLS to a plain listener: no answer, nothing breaks" ||
    fail "TLS to a plain listener ($out)"
out=$(ctl alice message send -t 3 "/ip4/127.0.0.1/tcp/$PT/service/echoer" \
    x 2>&1)
echo "$out" | grep -q "no reply\|cannot reach" &&
    ok "plain TCP to the TLS listener: no answer" ||
    fail "plain TCP to the TLS listener ($out)"

# A certificate for another name is refused.
start_node eve "$T/eve.conf" || fail "second TLS node starts"
out=$(ctl alice message send -t 5 \
    "/dnsaddr/localhost/tls/$((PP + 1))/service/echoer" x 2>&1)
if echo "$out" | grep -q "cannot reach"; then
	ok "a certificate for another name: refused, reported"
else fail "a certificate for another name: refused ($out)"; fi

out=$(ctl alice message send "/dnsaddr/localhost/tls/$PT/service/echoer" \
    'still' 2>&1)
[ "$out" = still ] && ok "the good TLS peer still works" ||
    fail "the good TLS peer still works ($out)"
for n in alice bob eve; do stop_node $n; done

# A CA file with no certificate in it stops the node at start-up.
printf 'not a certificate\n' > "$C/bad-ca.pem"
printf 'tls ca "%s"\n' "$C/bad-ca.pem" > "$T/bad.conf"
out=$("$ROUTED" -d -f "$T/bad.conf" -s "$T/bad.sock" 2>&1); rc=$?
if [ $rc -ne 0 ] && echo "$out" | grep -q "holds no PEM certificate"; then
	ok "a CA file without a certificate: refused at start-up"
else fail "a CA file without a certificate: refused at start-up ($rc)"; fi
