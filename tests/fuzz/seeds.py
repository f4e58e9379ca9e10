#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Seed inputs for tests/fuzz/fuzz_walk (record format: see fuzz_walk.c).

  seeds.py pcap OUTDIR [PCAP_DIR]
      Frames of the Ethernet captures under PCAP_DIR (default
      ../shared/data/pcap beside the source tree), 16 frames a seed, at
      most 4 seeds a capture. A frame whose source MAC is the capture's
      first source MAC arrives on the inside port, any other on the outside
      one; every 4th frame ends a burst, and each seed ends by completing a
      pended classification. Generated at run time (smoke.sh): captures
      under ../shared are not copied into the project.

  seeds.py synth OUTDIR
      The hand-made scenarios committed in tests/fuzz/corpus/fuzz_walk.

  seeds.py frames OUTDIR [PCAP_DIR]
      For fuzz_parse: each frame of those captures as a file of its own
      (the first 8 frames of each capture, at most 2048 bytes).
"""
import os
import struct
import sys

WAN, LAN = 0, 1
MAX_FRAME = 2048


def frame_rec(port, data, end_burst=False, split=False, step=0):
    h = port | (4 if end_burst else 0) | (8 if split else 0) | ((step & 7) << 4)
    data = data[:MAX_FRAME]
    return bytes([h]) + struct.pack(">H", len(data)) + data


def ctl_rec(op, arg=0):
    return bytes([2 | (op << 2), arg & 0xFF])


COMPLETE, ABORT, TOGGLE, ADVANCE, EXPIRE, REMOVE, IDLE, CONFIG = range(8)
FAIL_OPEN, TCP_PICKUP = 1, 2
PERMIT, BLOCK, REAUTH = 0x00, 0x40, 0x80


# ---- Captures ----

def pcap_frames(path):
    with open(path, "rb") as f:
        blob = f.read()
    if len(blob) < 24:
        return []
    magic = blob[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        end = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        end = ">"
    else:
        return []  # pcapng or not a capture
    if struct.unpack(end + "I", blob[20:24])[0] != 1:
        return []  # not Ethernet
    frames, off = [], 24
    while off + 16 <= len(blob):
        incl = struct.unpack(end + "I", blob[off + 8:off + 12])[0]
        off += 16
        if incl > len(blob) - off:
            break
        frames.append(blob[off:off + incl])
        off += incl
    return frames


def captures(pcap_dir):
    for root, _, files in sorted(os.walk(pcap_dir)):
        for name in sorted(files):
            if not name.endswith(".pcap"):
                continue
            frames = pcap_frames(os.path.join(root, name))
            if frames:
                rel = os.path.relpath(os.path.join(root, name), pcap_dir)
                yield rel.replace("/", "_").replace(".pcap", ""), frames


def frames_only(out, pcap_dir):
    n = 0
    for tag, frames in captures(pcap_dir):
        for i, fr in enumerate(frames[:8]):
            with open(os.path.join(out, "frame-%s-%d" % (tag, i)), "wb") as f:
                f.write(fr[:MAX_FRAME])
            n += 1
    return n


def from_pcaps(out, pcap_dir):
    n = 0
    for tag, frames in captures(pcap_dir):
        inside = frames[0][6:12]
        for s in range(min(4, (len(frames) + 15) // 16)):
            chunk = frames[16 * s:16 * (s + 1)]
            seed = b"".join(
                frame_rec(LAN if fr[6:12] == inside else WAN, fr, end_burst=(i % 4 == 3))
                for i, fr in enumerate(chunk))
            seed += ctl_rec(COMPLETE, PERMIT)
            with open(os.path.join(out, "pcap-%s-%d" % (tag, s)), "wb") as f:
                f.write(seed)
            n += 1
    return n


# ---- Hand-made scenarios ----

MAC_IN = bytes.fromhex("020000000001")   # inside host
MAC_OUT = bytes.fromhex("020000000002")  # outside router


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ip4(a):
    return bytes(int(x) for x in a.split("."))


def eth(src, dst, etype, payload, vlan=None):
    tag = struct.pack("!HH", 0x8100, vlan) if vlan is not None else b""
    return dst + src + tag + struct.pack("!H", etype) + payload


def ipv4(src, dst, proto, payload, ident=1, frag=0, mf=False):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident,
                    (0x2000 if mf else 0) | (frag >> 3), 64, proto, 0, ip4(src), ip4(dst))
    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    return h + payload


def ipv6(src, dst, nh, payload):
    import ipaddress
    return (struct.pack("!IHBB", 6 << 28, len(payload), nh, 64) +
            ipaddress.IPv6Address(src).packed + ipaddress.IPv6Address(dst).packed + payload)


def tcp(sport, dport, flags, payload=b"", seq=1, ack=0):
    return struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 8192, 0, 0) + payload


def udp(sport, dport, payload=b""):
    return struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload


SYN, FIN, RST, PSH, ACK = 0x02, 0x01, 0x04, 0x08, 0x10


def v4(port, src, dst, l4, proto=6, **kw):
    mac_s, mac_d = (MAC_IN, MAC_OUT) if port == LAN else (MAC_OUT, MAC_IN)
    return eth(mac_s, mac_d, 0x0800, ipv4(src, dst, proto, l4, **kw))


def v6(port, src, dst, l4, nh=6):
    mac_s, mac_d = (MAC_IN, MAC_OUT) if port == LAN else (MAC_OUT, MAC_IN)
    return eth(mac_s, mac_d, 0x86DD, ipv6(src, dst, nh, l4))


def tcp_session(port_open, cli, srv, sport, dport, data=b"hello", v=v4, **extra):
    """Handshake, data both ways and a FIN/FIN close, opened on port_open."""
    other = WAN if port_open == LAN else LAN
    recs = [
        frame_rec(port_open, v(port_open, cli, srv, tcp(sport, dport, SYN)), end_burst=True),
        frame_rec(other, v(other, srv, cli, tcp(dport, sport, SYN | ACK)), end_burst=True),
        frame_rec(port_open, v(port_open, cli, srv, tcp(sport, dport, ACK))),
        frame_rec(port_open, v(port_open, cli, srv, tcp(sport, dport, PSH | ACK, data)),
                  end_burst=True),
        frame_rec(other, v(other, srv, cli, tcp(dport, sport, PSH | ACK, data * 2)),
                  end_burst=True, split=True),
        frame_rec(port_open, v(port_open, cli, srv, tcp(sport, dport, FIN | ACK))),
        frame_rec(other, v(other, srv, cli, tcp(dport, sport, FIN | ACK)), end_burst=True),
        frame_rec(port_open, v(port_open, cli, srv, tcp(sport, dport, ACK)), end_burst=True),
    ]
    return recs


def synth(out):
    seeds = {}
    # Inbound TCP to 8080: verdict pends the flow (held SYN), completed with permit.
    s = tcp_session(WAN, "198.51.100.7", "10.0.0.5", 40000, 8080)
    seeds["pend-permit"] = b"".join(s[:1] + [ctl_rec(COMPLETE, PERMIT)] + s[1:])
    # The same, held packets beyond hold_packets, then blocked.
    syn = frame_rec(WAN, v4(WAN, "198.51.100.8", "10.0.0.5", tcp(40001, 8080, SYN)))
    seeds["pend-overflow-block"] = syn * 6 + ctl_rec(COMPLETE, BLOCK) + syn
    # Re-authorisation by completion, then a policy toggle and the pend timing out.
    seeds["pend-reauth-toggle"] = (syn + ctl_rec(COMPLETE, REAUTH) + ctl_rec(TOGGLE, 0) + syn +
                                   ctl_rec(EXPIRE) + syn)
    # Outbound UDP: hard permit to 53 at TRANSPORT, others blocked; replies; aging.
    dns = v4(LAN, "10.0.0.5", "203.0.113.53", udp(5353, 53, b"q"), proto=17)
    dns_r = v4(WAN, "203.0.113.53", "10.0.0.5", udp(53, 5353, b"r"), proto=17)
    other = v4(LAN, "10.0.0.5", "203.0.113.9", udp(5353, 1234, b"x"), proto=17)
    seeds["udp-dns-age"] = (frame_rec(LAN, dns) + frame_rec(LAN, other, end_burst=True) +
                            frame_rec(WAN, dns_r, end_burst=True) + ctl_rec(ADVANCE, 255) +
                            frame_rec(WAN, dns_r, end_burst=True, step=7))
    # Outbound TCP under conn_limit (max 3, veto) and a hard permit to 443.
    recs = []
    for i in range(5):
        recs.append(frame_rec(LAN, v4(LAN, "10.0.0.6", "203.0.113.80",
                                      tcp(50000 + i, 443 if i % 2 else 80, SYN))))
    seeds["conn-limit-out"] = b"".join(recs) + ctl_rec(ABORT, 0) + ctl_rec(ADVANCE, 8)
    # Inbound TCP sessions under conn_limit (max 2) with count contexts; remove contexts.
    recs = []
    for i in range(3):
        recs += tcp_session(WAN, "198.51.100.9", "10.0.0.7", 41000 + i, 1500)[:4]
    seeds["conn-limit-in-count"] = b"".join(recs) + ctl_rec(REMOVE, 0) + ctl_rec(REMOVE, 1)
    # A full outbound TCP session with payload (STREAM) and count's report.
    seeds["tcp-session"] = b"".join(tcp_session(LAN, "10.0.0.5", "203.0.113.10", 43000, 8000))
    # Fragments: first, middle, last of a UDP datagram; then a later fragment alone.
    pl = udp(7000, 7001, b"A" * 40)
    f1 = v4(LAN, "10.0.0.5", "203.0.113.20", pl[:24], proto=17, ident=77, mf=True)
    f2 = v4(LAN, "10.0.0.5", "203.0.113.20", pl[24:40], proto=17, ident=77, frag=24, mf=True)
    f3 = v4(LAN, "10.0.0.5", "203.0.113.20", pl[40:], proto=17, ident=77, frag=40)
    lone = v4(WAN, "203.0.113.21", "10.0.0.5", b"B" * 16, proto=17, ident=78, frag=64)
    seeds["fragments"] = (frame_rec(LAN, f1) + frame_rec(LAN, f3) + frame_rec(LAN, f2) +
                          frame_rec(WAN, lone, end_burst=True))
    # IPv6 outbound TCP to 8443: verdict at CONNECT_V6 pends; re-authorised; VLAN frame.
    s6 = tcp_session(LAN, "2001:db8:1::5", "2001:db8:2::9", 44000, 8443, v=v6)
    seeds["v6-pend"] = b"".join(s6[:1] + [ctl_rec(COMPLETE, REAUTH), ctl_rec(IDLE)] + s6[1:])
    vl = eth(MAC_IN, MAC_OUT, 0x0800, ipv4("10.0.0.5", "203.0.113.30", 17, udp(1, 2)), vlan=99)
    seeds["vlan-lldp"] = (frame_rec(LAN, vl) + frame_rec(WAN, eth(MAC_OUT, MAC_IN, 0x88CC,
                                                                  b"\0" * 46)))
    # A full flow table (16 flows): fail-open lets the rest through without a flow.
    flows = b"".join(frame_rec(LAN, v4(LAN, "10.0.0.5", "203.0.113.53", udp(20000 + i, 53, b"q"),
                                       proto=17), end_burst=(i % 8 == 7)) for i in range(20))
    seeds["fail-open-full"] = ctl_rec(CONFIG, FAIL_OPEN) + flows
    seeds["fail-closed-full"] = flows + ctl_rec(ADVANCE, 255) + flows[:40]
    # Mid-stream TCP: picked up with tcp_pickup, dropped as tcp_no_flow without.
    mid = (frame_rec(WAN, v4(WAN, "198.51.100.7", "10.0.0.5", tcp(40100, 22, ACK, b"data"))) +
           frame_rec(LAN, v4(LAN, "10.0.0.5", "198.51.100.7", tcp(22, 40100, PSH | ACK, b"re"))))
    seeds["tcp-pickup"] = ctl_rec(CONFIG, TCP_PICKUP) + mid + mid
    seeds["tcp-no-flow"] = mid
    for name, blob in seeds.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(blob)
    return len(seeds)


def main():
    if len(sys.argv) < 3 or sys.argv[1] not in ("pcap", "synth", "frames"):
        sys.stderr.write(__doc__)
        return 2
    out = sys.argv[2]
    os.makedirs(out, exist_ok=True)
    if sys.argv[1] == "synth":
        n = synth(out)
    else:
        here = os.path.dirname(os.path.abspath(__file__))
        pcap_dir = sys.argv[3] if len(sys.argv) > 3 else os.path.join(
            here, "..", "..", "..", "shared", "data", "pcap")
        if not os.path.isdir(pcap_dir):
            sys.stderr.write("seeds.py: no capture directory %s\n" % pcap_dir)
            return 1
        n = (from_pcaps if sys.argv[1] == "pcap" else frames_only)(out, pcap_dir)
    print("seeds.py: %d seeds in %s" % (n, out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
