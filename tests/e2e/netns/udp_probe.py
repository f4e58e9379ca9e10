#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""udp_probe.py ADDR PORT SRC N WAIT_S: send N datagrams to ADDR:PORT (from SRC if not
empty) and print how many distinct ones came back within WAIT_S seconds in all."""
import os
import socket
import sys
import time

addr, port, src = sys.argv[1], int(sys.argv[2]), sys.argv[3]
n, wait = int(sys.argv[4]), float(sys.argv[5])
s = socket.socket(socket.AF_INET6 if ":" in addr else socket.AF_INET, socket.SOCK_DGRAM)
if src:
    s.bind((src, 0))
tags = set()
for i in range(n):
    tag = b"probe-%d-%d" % (os.getpid(), i)
    tags.add(tag)
    s.sendto(tag, (addr, port))
got = set()
end = time.monotonic() + wait
while len(got) < n:
    left = end - time.monotonic()
    if left <= 0:
        break
    s.settimeout(left)
    try:
        data, _ = s.recvfrom(65535)
    except socket.timeout:
        break
    if data in tags:
        got.add(data)
print(len(got))
