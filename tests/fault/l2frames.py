#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Raw Ethernet frames for test_fault_link.py (run inside its network namespace).

    l2frames.py send IFACE N TAG       N frames (ethertype 0x88b5, payload TAG-i) out of IFACE
    l2frames.py recv IFACE SECONDS     print the payload tag of every 0x88b5 frame IFACE
                                       receives (not the ones it sends) for SECONDS
"""

import errno
import socket
import sys
import time

ETH_P_ALL = 3
ETHERTYPE = 0x88B5          # IEEE local experimental
PACKET_OUTGOING = 4
HDR = bytes.fromhex("020000000002" "020000000001") + ETHERTYPE.to_bytes(2, "big")


def send(iface, n, tag):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((iface, 0))
    for i in range(n):
        s.send(HDR + ("%s-%d" % (tag, i)).encode().ljust(46, b"\0"))
    s.close()


def recv(iface, seconds):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.bind((iface, 0))
    end = time.monotonic() + seconds
    while True:
        left = end - time.monotonic()
        if left <= 0:
            break
        s.settimeout(left)
        try:
            data, addr = s.recvfrom(2048)
        except socket.timeout:
            break
        except OSError as ex:
            # The interface is down: nothing arrives; keep watching until the end.
            if ex.errno != errno.ENETDOWN:
                raise
            time.sleep(0.05)
            continue
        if addr[2] == PACKET_OUTGOING or data[12:14] != HDR[12:14]:
            continue
        print(data[14:].rstrip(b"\0").decode("ascii", "replace"), flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "send":
        send(sys.argv[2], int(sys.argv[3]), sys.argv[4])
    else:
        recv(sys.argv[2], float(sys.argv[3]))
