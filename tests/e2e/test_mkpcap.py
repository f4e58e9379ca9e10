#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""tools/mkpcap.py on its own: checksums against known values, the demo
captures (deterministic, every frame well formed, the traffic mix the demo
promises), and the files read back by libpcap itself (through ctypes) when
the library is present.  Exit 0 pass, 1 fail."""

import ctypes
import ctypes.util
import hashlib
import os
import shutil
import struct
import sys
import tempfile

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tools"))
import mkpcap  # noqa: E402


def libpcap_count(path):
    """Records libpcap reads from path, or None without libpcap."""
    name = ctypes.util.find_library("pcap")
    if not name:
        return None
    lib = ctypes.CDLL(name)
    lib.pcap_open_offline.restype = ctypes.c_void_p
    lib.pcap_open_offline.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
    lib.pcap_next_ex.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_void_p),
                                 ctypes.POINTER(ctypes.c_void_p)]
    lib.pcap_datalink.argtypes = [ctypes.c_void_p]
    lib.pcap_close.argtypes = [ctypes.c_void_p]
    err = ctypes.create_string_buffer(512)
    h = lib.pcap_open_offline(path.encode(), err)
    if not h:
        raise AssertionError("libpcap cannot open %s: %s" % (path, err.value))
    try:
        if lib.pcap_datalink(h) != 1:
            raise AssertionError("libpcap: link type %d" % lib.pcap_datalink(h))
        hdr, data = ctypes.c_void_p(), ctypes.c_void_p()
        n = 0
        while True:
            rc = lib.pcap_next_ex(h, ctypes.byref(hdr), ctypes.byref(data))
            if rc == 1:
                n += 1
            elif rc == -2:
                return n
            else:
                raise AssertionError("libpcap: pcap_next_ex returned %d after %d" % (rc, n))
    finally:
        lib.pcap_close(h)


def main():
    problems = []

    def check(cond, msg):
        if not cond:
            problems.append(msg)

    # A well-known IPv4 header (checksum 0xb861).
    hdr = bytes.fromhex("450000730000400040110000c0a80001c0a800c7")
    check(mkpcap.checksum(hdr) == 0xB861, "IPv4 header checksum %04x != b861" %
          mkpcap.checksum(hdr))
    ip = mkpcap.ipv4("192.168.0.1", "192.168.0.199", 17, bytes(0x73 - 20), ident=0)
    check(ip[10:12] == b"\xb8\x61", "ipv4() checksum %s != b861" % ip[10:12].hex())

    # Builders round-trip through the parser with valid checksums.
    cases = [
        mkpcap.udp_frame("10.0.0.1", "10.0.0.2", 1234, 53, b"hello"),
        mkpcap.udp_frame("2001:db8::1", "2001:db8::2", 1234, 53, b"hello6", vlan=[100, 200]),
        mkpcap.tcp_frame("10.0.0.1", "10.0.0.2", 40000, 80, "PA", 1, 2, b"GET /", vlan=7),
        mkpcap.tcp_frame("2001:db8::1", "2001:db8::2", 40000, 443, "S", 99),
        mkpcap.icmp_echo_frame("10.0.0.1", "10.0.0.2", 7, 1, payload=b"ping"),
        mkpcap.icmp_echo_frame("2001:db8::1", "2001:db8::2", 7, 1, reply=True, payload=b"pong"),
    ]
    for f in cases:
        p = mkpcap.parse(f)
        check(not mkpcap.verify(f), "frame %s: %s" % (mkpcap.summary(f), mkpcap.verify(f)))
        check(p.payload in (b"hello", b"hello6", b"GET /", b"", b"ping", b"pong"),
              "payload lost in %s" % mkpcap.summary(f))
    check(mkpcap.parse(cases[1]).vlans == [100, 200], "QinQ tags")
    check(struct.unpack("!H", cases[1][12:14])[0] == 0x88A8, "outer tag TPID 0x88a8")
    check(mkpcap.parse(cases[2]).tcp_flags == 0x18, "TCP flags PA")
    bad = bytearray(cases[0])
    bad[-1] ^= 0xFF
    check(mkpcap.verify(bytes(bad)) == ["bad checksum"], "a corrupted UDP payload is detected")

    tmp = tempfile.mkdtemp(prefix="dfpe2e-mkpcap-")
    try:
        a, b = os.path.join(tmp, "a"), os.path.join(tmp, "b")
        mkpcap.write_demo(a)
        mkpcap.write_demo(b)
        for name in ("demo-wan.pcap", "demo-lan.pcap"):
            ha = hashlib.sha256(open(os.path.join(a, name), "rb").read()).hexdigest()
            hb = hashlib.sha256(open(os.path.join(b, name), "rb").read()).hexdigest()
            check(ha == hb, "%s differs between two runs" % name)
        wan = mkpcap.read_pcap(os.path.join(a, "demo-wan.pcap"))
        lan = mkpcap.read_pcap(os.path.join(a, "demo-lan.pcap"))
        total = len(wan.records) + len(lan.records)
        check(200 <= total <= 500, "demo has %d frames" % total)
        check(not wan.truncated and not lan.truncated, "demo files truncated")
        for pc, port in ((wan, "wan"), (lan, "lan")):
            last = None
            for r in pc.records:
                ts = (r.ts_sec, r.ts_frac)
                check(last is None or ts > last, "%s timestamps not increasing" % port)
                last = ts
                check(not mkpcap.verify(r.data), "%s frame %s: %s" % (
                    port, mkpcap.summary(r.data), mkpcap.verify(r.data)))
            n = libpcap_count(os.path.join(a, "demo-%s.pcap" % port))
            if n is not None:
                check(n == len(pc.records), "libpcap reads %s frames from demo-%s, expected %d"
                      % (n, port, len(pc.records)))
            else:
                print("note: libpcap not found; files read back with mkpcap only")
        lp = [mkpcap.parse(r.data) for r in lan.records]
        wp = [mkpcap.parse(r.data) for r in wan.records]
        check(all(p.src.startswith("10.0.0.") or p.src.startswith("2001:db8:1:")
                  for p in lp), "lan frames come from inside clients")
        check({p.dport for p in lp if p.proto == 6 and p.ip_version == 4} == {80, 443, 8080},
              "HTTP/HTTPS connections to 80 and 443, attempts to 8080")
        check(len([p for p in lp if p.dport == 8080]) == 3, "three SYNs to port 8080")
        check(any(p.dport == 53 and p.dst == "8.8.8.8" for p in lp), "DNS queries")
        check(any(p.sport == 53 and p.src == "8.8.8.8" for p in wp), "DNS replies")
        check(any(p.icmp_type == 8 for p in lp) and any(p.icmp_type == 0 for p in wp),
              "ICMP echo and replies")
        check(any(p.ip_version == 6 and p.proto == 6 for p in lp), "one IPv6 TCP connection")
        check({p.dport for p in wp if p.tcp_flags == 0x02 and p.src == "198.51.100.200"} ==
              set(range(1, 41)), "a SYN scan of ports 1-40 from one address")
        check(any(p.dport == 23 for p in wp) and any(p.dport == 22 for p in wp),
              "inbound telnet and ssh attempts")
        for p in lp + wp:
            if p.ip_version == 4 and p.proto in (6, 17) and "8.8.8.8" not in (p.src, p.dst):
                outside = p.dst if p.src.startswith("10.") else p.src
                check(outside.startswith(("203.0.113.", "198.51.100.")),
                      "outside address %s not in the documentation ranges" % outside)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    if problems:
        print("FAIL mkpcap:\n  " + "\n  ".join(problems))
        return 1
    print("PASS mkpcap")
    return 0


sys.exit(main())
