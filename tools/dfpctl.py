#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""dfpctl: send console commands to a running dfp over its control socket.

    tools/dfpctl.py SOCKET "show pended" "pend complete 0x100000001 permit"
    echo "show stats" | tools/dfpctl.py SOCKET

Each command is one line of the console grammar (DESIGN §4); its answer is
printed as it arrives, up to and including its `status: NAME (0x...)` line.
Exit status: 0 when every command answered STATUS_SUCCESS, 1 when one did
not, 2 on a usage or connection error (including a reply that does not come
within --timeout seconds).
"""

import argparse
import re
import socket
import sys

STATUS_RE = re.compile(rb"^status: (\S+) \((0x[0-9a-fA-F]{8})\)$", re.M)


def one(sock, line, timeout):
    sock.sendall(line.encode() + b"\n")
    buf = b""
    sock.settimeout(timeout)
    while True:
        m = STATUS_RE.search(buf)
        if m and buf.endswith(b"\n"):
            sys.stdout.write(buf.decode(errors="replace"))
            sys.stdout.flush()
            return m.group(1) == b"STATUS_SUCCESS"
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            raise OSError("no answer to %r within %.0f s" % (line, timeout))
        if not chunk:
            raise OSError("dfp closed the connection during %r" % line)
        buf += chunk


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("socket", help="dfp's --control path")
    ap.add_argument("command", nargs="*", help="console lines (default: read stdin)")
    ap.add_argument("--timeout", type=float, default=30.0, help="seconds per answer")
    a = ap.parse_args()
    lines = a.command or [ln.rstrip("\n") for ln in sys.stdin]
    ok = True
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.connect(a.socket)
            for ln in lines:
                if ln.strip() == "" or ln.lstrip().startswith("#"):
                    continue
                ok = one(s, ln, a.timeout) and ok
    except OSError as err:
        print("dfpctl: %s: %s" % (a.socket, err), file=sys.stderr)
        return 2
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
