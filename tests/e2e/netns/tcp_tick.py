#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""tcp_tick.py PORT [INTERVAL]: a TCP server (IPv4 and IPv6) that sends every
connection a line `tick N` every INTERVAL seconds (default 0.2) until the peer
closes or resets it. Whatever the peer sends is read and discarded.

SIGUSR1 makes the server close its oldest open connection, SIGUSR2 every
one (within one interval): a close with no data in flight either way.

stdout, one line per event: `open ADDR PORT` when a connection is accepted,
`close ADDR PORT ticks N why` when it ends (why: eof, reset, error, or server
when a signal asked for it). Runs until killed (dfpnet starts it in the server
namespace and stops it at the end).
"""
import select
import signal
import socket
import sys
import threading
import time

port = int(sys.argv[1])
interval = float(sys.argv[2]) if len(sys.argv) > 2 else 0.2
lock = threading.RLock()   # re-entrant: the signal handler runs on the main thread
live = []          # [threading.Event] of open connections, oldest first


def say(line):
    with lock:
        print(line, flush=True)


def serve(c, peer, stop):
    addr = peer[0][7:] if peer[0].startswith("::ffff:") else peer[0]
    say("open %s %d" % (addr, peer[1]))
    ticks, why = 0, "error"
    try:
        nxt = time.monotonic()
        while True:
            if stop.is_set():
                why = "server"
                break
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
        with lock:
            live.remove(stop)
    say("close %s %d ticks %d %s" % (addr, peer[1], ticks, why))


def on_signal(signum, frame):
    with lock:
        todo = [ev for ev in live if not ev.is_set()]
    for ev in todo[:1] if signum == signal.SIGUSR1 else todo:
        ev.set()


signal.signal(signal.SIGUSR1, on_signal)
signal.signal(signal.SIGUSR2, on_signal)


s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("::", port))
s.listen(64)
while True:
    conn, peer = s.accept()
    ev = threading.Event()
    with lock:
        live.append(ev)
    threading.Thread(target=serve, args=(conn, peer, ev), daemon=True).start()
