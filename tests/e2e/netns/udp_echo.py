#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""udp_echo.py PORT: echo every UDP datagram on PORT (IPv4 and IPv6) back to its sender.

One line per datagram on stdout: `from ADDR PORT LEN`. Runs until killed
(dfpnet starts it in the server namespace and stops it at the end).
"""
import socket
import sys

port = int(sys.argv[1])
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
s.bind(("::", port))
while True:
    data, peer = s.recvfrom(65535)
    addr = peer[0][7:] if peer[0].startswith("::ffff:") else peer[0]
    print("from %s %d %d" % (addr, peer[1], len(data)), flush=True)
    s.sendto(data, peer)
