#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""tcp_tick.py PORT [INTERVAL]: a TCP server (IPv4 and IPv6) that sends every
connection a line `tick N` every INTERVAL seconds (default 0.2) until the peer
closes or resets it. Whatever the peer sends is read and discarded.

stdout, one line per event: `open ADDR PORT` when a connection is accepted,
`close ADDR PORT ticks N why` when it ends (why: eof, reset, error). Runs
until killed (dfpnet starts it in the server namespace and stops it at the end).
"""
import select
import socket
import sys
import threading
import time

port = int(sys.argv[1])
interval = float(sys.argv[2]) if len(sys.argv) > 2 else 0.2
lock = threading.Lock()


def say(line):
    with lock:
        print(line, flush=True)


def serve(c, peer):
    addr = peer[0][7:] if peer[0].startswith("::ffff:") else peer[0]
    say("open %s %d" % (addr, peer[1]))
    ticks, why = 0, "error"
    try:
        nxt = time.monotonic()
        while True:
            left = nxt - time.monotonic()
            r, _, _ = select.select([c], [], [], max(0.0, left))
            if r:
                data = c.recv(65536)
                if not data:
                    why = "eof"
                    break
                continue
            c.sendall(b"tick %d\n" % ticks)
            ticks += 1
            nxt += interval
    except ConnectionResetError:
        why = "reset"
    except OSError:
        why = "error"
    finally:
        c.close()
    say("close %s %d ticks %d %s" % (addr, peer[1], ticks, why))


s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("::", port))
s.listen(64)
while True:
    conn, peer = s.accept()
    threading.Thread(target=serve, args=(conn, peer), daemon=True).start()
