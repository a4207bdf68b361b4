# SPDX-License-Identifier: ISC
# Raw clients of the end-to-end tests: TCP frames written and read by
# hand (doc/design.md 4).  A test's script is this file followed by its
# own code; the port is its first argument.
import socket, struct, sys, time
PORT = int(sys.argv[1])
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
def conn():
    s = socket.create_connection(("127.0.0.1", PORT)); s.settimeout(2)
    return s
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
def recv(s):
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
    on, i = rdroute(b, 1); ret, i = rdroute(b, i); l, i = rduv(b, i)
    return on, ret, b[i:i + l]
