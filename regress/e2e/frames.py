# SPDX-License-Identifier: ISC
# Ockam transport frames written and read by hand, for the raw clients
# of the end-to-end tests (doc/design.md 4): a 2-byte length, then
# version 1, the onward and the return route (a count, then a type byte
# and a BARE value for each address) and the BARE payload.  A route is
# a list of (type, bytes).  A test's script is this file followed by
# its own code, the port its first argument (conn()), or imports it.
import socket, struct, sys, time

PORT = int(sys.argv[1]) if sys.argv[1:] and sys.argv[1].isdigit() else None

def conn():
    s = socket.create_connection(("127.0.0.1", PORT)); s.settimeout(2)
    return s

def uv(n):
    b = b""
    while n >= 0x80:
        b += bytes([n & 0x7f | 0x80]); n >>= 7
    return b + bytes([n])

def bare(b): return uv(len(b)) + b

def route(r): return uv(len(r)) + b"".join(bytes([t]) + bare(v) for t, v in r)

def frame(on, ret, pl):
    m = b"\x01" + route(on) + route(ret) + bare(pl)
    return struct.pack(">H", len(m)) + m

def rduv(b, i):
    n = sh = 0
    while True:
        c = b[i]; i += 1; n |= (c & 0x7f) << sh; sh += 7
        if c < 0x80: return n, i

def rdroute(b, i):
    n, i = rduv(b, i); r = []
    for _ in range(n):
        t = b[i]; l, i = rduv(b, i + 1); r.append((t, b[i:i + l])); i += l
    return r, i

def parse(b):
    """(onward, return, payload) of the frame b without its length"""
    on, i = rdroute(b, 1); ret, i = rdroute(b, i); l, i = rduv(b, i)
    return on, ret, b[i:i + l]

def recv(s):
    """the next frame from s, parsed; None when it closes or times out"""
    try:
        h = b""
        while len(h) < 2:
            c = s.recv(2 - len(h))
            if not c: return None
            h += c
        n = struct.unpack(">H", h)[0]; b = b""
        while len(b) < n:
            c = s.recv(n - len(b))
            if not c: return None
            b += c
    except socket.timeout:
        return None
    return parse(b)
