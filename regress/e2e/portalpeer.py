#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""Clients and targets for regress/e2e/portal.sh, on 127.0.0.1 only.

  portalpeer.py serve PORT MODE   a target until killed; MODE:
      echo     writes back what it reads, closes at EOF
      digest   reads to EOF, answers "N SHA256" and closes (half-close)
      close    closes each connection at once
      stall    accepts and never reads
  portalpeer.py echo PORT BYTES   sends BYTES (a seeded stream) while
      reading the echo; prints "sent-sha got-sha"
  portalpeer.py digest PORT BYTES sends BYTES, shuts its write side,
      prints the answer it reads
  portalpeer.py eof PORT          connects; prints "eof" when the
      portal closes it (or "data"/"timeout")
  portalpeer.py flood PORT SECONDS [HOLD] writes for SECONDS without
      reading, prints how many bytes the socket had taken half-way and
      at the end, keeps the connection HOLD seconds more
  portalpeer.py ockam PORT BYTES STATUS   a fake Ockam outlet (no
      offers) on framed TCP: see ockam() below
  portalpeer.py slowread PORT DELAY  reads nothing for DELAY s, then
      to EOF; prints "N SHA"
Every wait is bounded (socket timeout 30 s).
"""
import hashlib
import socket
import struct
import sys
import threading
import time

TIMEOUT = 30


def stream(n):
    """n bytes of a seeded pseudo-random stream, 64 KiB a chunk."""
    off, i = 0, 0
    while off < n:
        block = hashlib.sha256(b"portal %d" % i).digest() * 2048
        k = min(len(block), n - off)
        yield block[:k]
        off += k
        i += 1


def connect(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
    return s


def chunks(s):
    """What s brings, to EOF."""
    while True:
        d = s.recv(65536)
        if not d:
            return
        yield d


def serve_conn(c, mode):
    c.settimeout(TIMEOUT * 4)
    try:
        if mode == "echo":
            for d in chunks(c):
                c.sendall(d)
        elif mode == "digest":
            h, n = hashlib.sha256(), 0
            for d in chunks(c):
                h.update(d)
                n += len(d)
            c.sendall(("%d %s\n" % (n, h.hexdigest())).encode())
        elif mode == "stall":
            time.sleep(TIMEOUT * 4)
    except OSError:
        pass
    c.close()


def serve(port, mode):
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", port))
    ls.listen(64)
    while True:
        c, _ = ls.accept()
        if mode == "close":
            c.close()
            continue
        threading.Thread(target=serve_conn, args=(c, mode),
                         daemon=True).start()


def echo(port, n):
    s = connect(port)
    hs = hashlib.sha256()

    def send():
        for chunk in stream(n):
            hs.update(chunk)
            s.sendall(chunk)
        s.shutdown(socket.SHUT_WR)
    t = threading.Thread(target=send)
    t.start()
    hr, got = hashlib.sha256(), 0
    for d in chunks(s):
        hr.update(d)
        got += len(d)
    t.join()
    print(hs.hexdigest(), hr.hexdigest(), got)


def digest(port, n):
    s = connect(port)
    h = hashlib.sha256()
    for chunk in stream(n):
        h.update(chunk)
        s.sendall(chunk)
    s.shutdown(socket.SHUT_WR)
    ans = b"".join(chunks(s))
    print("%d %s" % (n, h.hexdigest()), "|", ans.decode().strip())


def eof(port):
    s = connect(port)
    try:
        d = s.recv(1)
        print("eof" if not d else "data")
    except socket.timeout:
        print("timeout")
    except ConnectionResetError:
        print("eof")


def flood(port, secs):
    s = connect(port)
    s.setblocking(False)
    sent, half, start = 0, None, time.time()
    buf = b"x" * 65536
    while time.time() < start + secs:
        if half is None and time.time() >= start + secs / 2:
            half = sent
        try:
            sent += s.send(buf)
        except BlockingIOError:
            time.sleep(0.05)
        except OSError:
            break
    print(half, sent)
    sys.stdout.flush()
    time.sleep(float(sys.argv[4]) if len(sys.argv) > 4 else 0)


def uv(n):
    b = b""
    while n >= 0x80:
        b += bytes([n & 0x7f | 0x80])
        n >>= 7
    return b + bytes([n])


def rduv(b, i):
    n = sh = 0
    while True:
        c = b[i]
        i += 1
        n |= (c & 0x7f) << sh
        sh += 7
        if c < 0x80:
            return n, i


def rdroute(b, i):
    n, i = rduv(b, i)
    r = []
    for _ in range(n):
        t = b[i]
        ln, i = rduv(b, i + 1)
        r.append((t, b[i:i + ln]))
        i += ln
    return r, i


def frame(onward, ret, payload):
    def route(r):
        return uv(len(r)) + b"".join(bytes([t]) + uv(len(v)) + v
                                     for t, v in r)
    m = b"\x01" + route(onward) + route(ret) + uv(len(payload)) + payload
    return struct.pack(">H", len(m)) + m


def ockam(port, nbytes, status):
    """An Ockam outlet as the Rust one behaves: Pong with no offer, its
    Payloads sent as fast as TCP takes them, whatever the inlet grants.
    The first portal gets nbytes then a Disconnect; the second is a
    sink.  status gets "sent N" as it goes, "sink N SHA disconnect"."""
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", port))
    ls.listen(1)
    c, _ = ls.accept()
    lock = threading.Lock()
    portals = []
    sink = {"n": 0, "h": hashlib.sha256(), "extra": 0}

    def put(line):
        with open(status, "a") as f:
            f.write(line + "\n")

    def send(fr):
        with lock:
            c.sendall(fr)

    def flood(to, me):
        sent = 0
        for chunk in stream(nbytes):
            for o in range(0, len(chunk), 48 * 1024):
                d = chunk[o:o + 48 * 1024]
                send(frame(to, me, b"\x03" + uv(len(d)) + d))
                sent += len(d)
                if sent % (4 << 20) == 0:
                    put("sent %d" % sent)
        send(frame(to, me, b"\x02"))
        put("sent %d done" % sent)

    buf = b""
    while True:
        d = c.recv(65536)
        if not d:
            break
        buf += d
        while len(buf) >= 2:
            ln = struct.unpack(">H", buf[:2])[0]
            if len(buf) < 2 + ln:
                break
            m, buf = buf[2:2 + ln], buf[2 + ln:]
            on, i = rdroute(m, 1)
            ret, i = rdroute(m, i)
            pl, i = rduv(m, i)
            pl = m[i:i + pl]
            if pl[:1] == b"\x00":              # Ping: Pong, no offer
                me = [(0, b"fake%d" % len(portals))]
                portals.append(me)
                send(frame(ret, me, b"\x01"))
                if len(portals) == 1:
                    threading.Thread(target=flood, args=(ret, me),
                                     daemon=True).start()
            elif pl[:1] == b"\x03" and on[-1][1] == b"fake1":
                ln2, j = rduv(pl, 1)
                sink["n"] += ln2
                sink["h"].update(pl[j:j + ln2])
            elif pl[:1] == b"\x02" and on[-1][1] == b"fake1":
                put("sink %d %s disconnect extra %d" % (sink["n"],
                    sink["h"].hexdigest(), sink["extra"]))
            elif pl[:1] != b"\x02" and pl[:1] != b"\x03":
                sink["extra"] += 1              # Credit, Shutdown: never
                put("unexpected %r" % pl[:1])


def slowread(port, delay):
    """Connects, reads nothing for delay seconds, then to EOF."""
    s = connect(port)
    time.sleep(delay)
    h, n = hashlib.sha256(), 0
    for d in chunks(s):
        h.update(d)
        n += len(d)
    print(n, h.hexdigest())


def main():
    cmd, port = sys.argv[1], int(sys.argv[2])
    if cmd == "serve":
        serve(port, sys.argv[3])
    elif cmd == "echo":
        echo(port, int(sys.argv[3]))
    elif cmd == "digest":
        digest(port, int(sys.argv[3]))
    elif cmd == "eof":
        eof(port)
    elif cmd == "flood":
        flood(port, float(sys.argv[3]))
    elif cmd == "ockam":
        ockam(port, int(sys.argv[3]), sys.argv[4])
    elif cmd == "slowread":
        slowread(port, float(sys.argv[3]))


if __name__ == "__main__":
    main()
