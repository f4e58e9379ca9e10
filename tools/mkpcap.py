#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""mkpcap: classic pcap files and test frames, Python 3 standard library only.

Library
-------
Frames (bytes, with correct IPv4/TCP/UDP/ICMP/ICMPv6 checksums):

    udp_frame(src, dst, sport, dport, payload=b"", vlan=None, ...)
    tcp_frame(src, dst, sport, dport, flags="S", seq=0, ack=0, payload=b"", ...)
    icmp_echo_frame(src, dst, ident, seq, reply=False, payload=b"", ...)
    tcp_session(client, server, cport, sport, request, response, ...)
        -> [(from_client, frame), ...] handshake, request, response, FIN

Addresses are text; the IP version follows the address ("10.0.0.1" or
"2001:db8::1").  `vlan` is a VLAN id or a list of them (outer first: 802.1ad
outer tag, 802.1Q inner tags).  Lower-level builders: ether(), ipv4(), ipv6(),
tcp(), udp(), icmp_echo(), icmpv6_echo().

Files (LINKTYPE_ETHERNET, microsecond timestamps, little endian):

    write_pcap(path, frames, start=T0, step_us=1000)  frames: bytes or (ts, bytes)
    read_pcap(path) -> Pcap(linktype, records, truncated); records are Record
        (ts_sec, ts_frac, orig_len, data); both byte orders and the nanosecond
        magic are read; a torn last record (a file being written) is dropped
        and reported in `truncated`.

Parsing: parse(frame) -> Packet (macs, vlans, ethertype, ip version, addresses,
protocol, ports, TCP flags/seq/ack, ICMP type/code, payload, checksum_ok).

Command line
------------
    mkpcap.py demo OUTDIR      OUTDIR/demo-wan.pcap (frames arriving on the
                               outside port) and OUTDIR/demo-lan.pcap (inside)
    mkpcap.py dump FILE...     one line per frame (a tcpdump -r stand-in)
    mkpcap.py check FILE...    verify headers and checksums; exit 1 on a bad frame
"""

import ipaddress
import os
import struct
import sys

LINKTYPE_ETHERNET = 1
PCAP_MAGIC_US = 0xA1B2C3D4
PCAP_MAGIC_NS = 0xA1B23C4D
SNAPLEN = 65535

ETH_P_IPV4 = 0x0800
ETH_P_IPV6 = 0x86DD
ETH_P_ARP = 0x0806
ETH_P_8021Q = 0x8100
ETH_P_8021AD = 0x88A8

PROTO_ICMP = 1
PROTO_TCP = 6
PROTO_UDP = 17
PROTO_ICMPV6 = 58

# Fixed start of every generated file: 2023-11-14 22:13:20 UTC.
T0 = 1700000000

DEFAULT_INSIDE_MAC = "02:00:00:00:00:01"
DEFAULT_OUTSIDE_MAC = "02:00:00:00:00:02"

TCP_FLAG_BITS = {"F": 0x01, "S": 0x02, "R": 0x04, "P": 0x08, "A": 0x10, "U": 0x20,
                 "E": 0x40, "C": 0x80}

__all__ = [
    "LINKTYPE_ETHERNET", "T0", "Packet", "Pcap", "Record", "checksum", "ether", "ipv4", "ipv6",
    "tcp", "udp", "icmp_echo", "icmpv6_echo", "ip_packet", "udp_frame", "tcp_frame",
    "icmp_echo_frame", "tcp_session", "write_pcap", "read_pcap", "parse", "verify",
    "summary", "demo_frames", "write_demo",
]


# ---------------------------------------------------------------- helpers

def checksum(data):
    """Internet checksum (RFC 1071) of bytes."""
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return (~total) & 0xFFFF


def mac_bytes(mac):
    if isinstance(mac, (bytes, bytearray)):
        if len(mac) != 6:
            raise ValueError("MAC address must be 6 bytes")
        return bytes(mac)
    parts = mac.split(":")
    if len(parts) != 6:
        raise ValueError("bad MAC address %r" % mac)
    return bytes(int(p, 16) for p in parts)


def mac_text(b):
    return ":".join("%02x" % x for x in b)


def ip_addr(addr):
    """ipaddress object of a text address (or of an ipaddress object)."""
    if isinstance(addr, (ipaddress.IPv4Address, ipaddress.IPv6Address)):
        return addr
    return ipaddress.ip_address(addr)


def tcp_flag_bits(flags):
    if isinstance(flags, int):
        return flags
    bits = 0
    for ch in flags.upper():
        if ch not in TCP_FLAG_BITS:
            raise ValueError("bad TCP flag %r in %r" % (ch, flags))
        bits |= TCP_FLAG_BITS[ch]
    return bits


def tcp_flag_text(bits):
    return "".join(ch for ch, b in TCP_FLAG_BITS.items() if bits & b) or "."


def _pseudo_header(src, dst, proto, length):
    src, dst = ip_addr(src), ip_addr(dst)
    if src.version != dst.version:
        raise ValueError("address families differ: %s %s" % (src, dst))
    if src.version == 4:
        return src.packed + dst.packed + struct.pack("!BBH", 0, proto, length)
    return src.packed + dst.packed + struct.pack("!I3xB", length, proto)


# ---------------------------------------------------------------- builders

def ether(payload, src=DEFAULT_INSIDE_MAC, dst=DEFAULT_OUTSIDE_MAC, ethertype=ETH_P_IPV4,
          vlan=None, pcp=0):
    """Ethernet II frame; vlan = id or list of ids (outer first)."""
    if vlan is None:
        tags = []
    elif isinstance(vlan, int):
        tags = [vlan]
    else:
        tags = list(vlan)
    hdr = mac_bytes(dst) + mac_bytes(src)
    for i, vid in enumerate(tags):
        if not 0 <= vid <= 4095:
            raise ValueError("VLAN id out of range: %d" % vid)
        tpid = ETH_P_8021AD if (len(tags) > 1 and i == 0) else ETH_P_8021Q
        hdr += struct.pack("!HH", tpid, (pcp << 13) | vid)
    return hdr + struct.pack("!H", ethertype) + bytes(payload)


def ipv4(src, dst, proto, payload, ttl=64, ident=0, tos=0, df=True, mf=False, frag_offset=0,
         options=b""):
    """IPv4 packet with a correct header checksum. frag_offset in bytes (multiple of 8)."""
    if len(options) % 4:
        raise ValueError("IPv4 options must be a multiple of 4 bytes")
    if frag_offset % 8:
        raise ValueError("fragment offset must be a multiple of 8")
    ihl = 5 + len(options) // 4
    total = ihl * 4 + len(payload)
    if total > 65535:
        raise ValueError("IPv4 packet too long")
    flags_frag = (0x4000 if df else 0) | (0x2000 if mf else 0) | (frag_offset // 8)
    hdr = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, tos, total, ident & 0xFFFF, flags_frag, ttl,
                      proto, 0, ip_addr(src).packed, ip_addr(dst).packed) + options
    hdr = hdr[:10] + struct.pack("!H", checksum(hdr)) + hdr[12:]
    return hdr + bytes(payload)


def ipv6(src, dst, next_header, payload, hop_limit=64, traffic_class=0, flow_label=0):
    first = (6 << 28) | (traffic_class << 20) | (flow_label & 0xFFFFF)
    return struct.pack("!IHBB16s16s", first, len(payload), next_header, hop_limit,
                       ip_addr(src).packed, ip_addr(dst).packed) + bytes(payload)


def tcp(src, dst, sport, dport, flags="S", seq=0, ack=0, payload=b"", window=65535, urg=0,
        options=b""):
    """TCP segment with its checksum over the pseudo-header of src/dst."""
    if len(options) % 4:
        raise ValueError("TCP options must be a multiple of 4 bytes")
    bits = tcp_flag_bits(flags)
    off = (5 + len(options) // 4) << 4
    seg = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF, off, bits,
                      window, 0, urg) + options + bytes(payload)
    csum = checksum(_pseudo_header(src, dst, PROTO_TCP, len(seg)) + seg)
    return seg[:16] + struct.pack("!H", csum) + seg[18:]


def udp(src, dst, sport, dport, payload=b""):
    length = 8 + len(payload)
    seg = struct.pack("!HHHH", sport, dport, length, 0) + bytes(payload)
    csum = checksum(_pseudo_header(src, dst, PROTO_UDP, length) + seg)
    if csum == 0:
        csum = 0xFFFF
    return seg[:6] + struct.pack("!H", csum) + seg[8:]


def icmp_echo(ident, seq, payload=b"", reply=False):
    msg = struct.pack("!BBHHH", 0 if reply else 8, 0, 0, ident, seq) + bytes(payload)
    return msg[:2] + struct.pack("!H", checksum(msg)) + msg[4:]


def icmpv6_echo(src, dst, ident, seq, payload=b"", reply=False):
    msg = struct.pack("!BBHHH", 129 if reply else 128, 0, 0, ident, seq) + bytes(payload)
    csum = checksum(_pseudo_header(src, dst, PROTO_ICMPV6, len(msg)) + msg)
    return msg[:2] + struct.pack("!H", csum) + msg[4:]


def ip_packet(src, dst, proto, l4, ident=0, ttl=64):
    """IPv4 or IPv6 packet (chosen by the address) around an L4 payload."""
    if ip_addr(src).version == 4:
        return ipv4(src, dst, proto, l4, ident=ident, ttl=ttl), ETH_P_IPV4
    return ipv6(src, dst, proto, l4, hop_limit=ttl), ETH_P_IPV6


def udp_frame(src, dst, sport, dport, payload=b"", smac=DEFAULT_INSIDE_MAC,
              dmac=DEFAULT_OUTSIDE_MAC, vlan=None, ident=0, ttl=64):
    pkt, et = ip_packet(src, dst, PROTO_UDP, udp(src, dst, sport, dport, payload), ident, ttl)
    return ether(pkt, smac, dmac, et, vlan)


def tcp_frame(src, dst, sport, dport, flags="S", seq=0, ack=0, payload=b"",
              smac=DEFAULT_INSIDE_MAC, dmac=DEFAULT_OUTSIDE_MAC, vlan=None, window=65535,
              ident=0, ttl=64, options=b""):
    seg = tcp(src, dst, sport, dport, flags, seq, ack, payload, window, options=options)
    pkt, et = ip_packet(src, dst, PROTO_TCP, seg, ident, ttl)
    return ether(pkt, smac, dmac, et, vlan)


def icmp_echo_frame(src, dst, ident, seq, reply=False, payload=b"", smac=DEFAULT_INSIDE_MAC,
                    dmac=DEFAULT_OUTSIDE_MAC, vlan=None, ttl=64):
    if ip_addr(src).version == 4:
        pkt = ipv4(src, dst, PROTO_ICMP, icmp_echo(ident, seq, payload, reply), ident=seq,
                   ttl=ttl)
        et = ETH_P_IPV4
    else:
        pkt = ipv6(src, dst, PROTO_ICMPV6, icmpv6_echo(src, dst, ident, seq, payload, reply),
                   hop_limit=ttl)
        et = ETH_P_IPV6
    return ether(pkt, smac, dmac, et, vlan)


def tcp_session(client, server, cport, sport, request=b"", response=b"", isn_c=1000,
                isn_s=5000, mss=1400, close=True, cmac=DEFAULT_INSIDE_MAC,
                smac=DEFAULT_OUTSIDE_MAC, vlan=None):
    """A whole TCP conversation: [(from_client, frame), ...].

    SYN, SYN-ACK, ACK; the request (one segment per mss) acknowledged by the
    server; the response in segments of mss acknowledged by the client; then
    client FIN, server FIN-ACK, client ACK.
    """
    out = []
    c_seq, s_seq = isn_c, isn_s

    def c(flags, payload=b""):
        out.append((True, tcp_frame(client, server, cport, sport, flags, c_seq, s_seq if "A" in
                                    flags else 0, payload, cmac, smac, vlan)))

    def s(flags, payload=b""):
        out.append((False, tcp_frame(server, client, sport, cport, flags, s_seq, c_seq, payload,
                                     smac, cmac, vlan)))

    c("S")
    c_seq += 1
    s("SA")
    s_seq += 1
    c("A")
    for i in range(0, len(request), mss):
        chunk = request[i:i + mss]
        c("PA", chunk)
        c_seq += len(chunk)
    if request:
        s("A")
    for i in range(0, len(response), mss):
        chunk = response[i:i + mss]
        s("PA", chunk)
        s_seq += len(chunk)
    if response:
        c("A")
    if close:
        c("FA")
        c_seq += 1
        s("FA")
        s_seq += 1
        c("A")
    return out


# ---------------------------------------------------------------- pcap files

class Record:
    __slots__ = ("ts_sec", "ts_frac", "orig_len", "data")

    def __init__(self, ts_sec, ts_frac, orig_len, data):
        self.ts_sec, self.ts_frac, self.orig_len, self.data = ts_sec, ts_frac, orig_len, data

    def __repr__(self):
        return "Record(%d.%06d, %d bytes)" % (self.ts_sec, self.ts_frac, len(self.data))


class Pcap:
    __slots__ = ("linktype", "records", "truncated", "nanosecond", "snaplen")

    def __init__(self, linktype, records, truncated, nanosecond, snaplen):
        self.linktype, self.records, self.truncated = linktype, records, truncated
        self.nanosecond, self.snaplen = nanosecond, snaplen

    @property
    def frames(self):
        return [r.data for r in self.records]


def pcap_bytes(frames, start=T0, step_us=1000, linktype=LINKTYPE_ETHERNET):
    """The bytes of a pcap file. frames: bytes, or (timestamp_seconds_float, bytes)."""
    out = [struct.pack("<IHHiIII", PCAP_MAGIC_US, 2, 4, 0, 0, SNAPLEN, linktype)]
    t_us = start * 1000000
    for item in frames:
        if isinstance(item, tuple):
            ts, data = item
            t = int(round(ts * 1000000))
        else:
            data = item
            t = t_us
            t_us += step_us
        data = bytes(data)
        out.append(struct.pack("<IIII", t // 1000000, t % 1000000, len(data), len(data)))
        out.append(data)
    return b"".join(out)


def write_pcap(path, frames, start=T0, step_us=1000, linktype=LINKTYPE_ETHERNET):
    """Write a pcap file atomically (tmp + rename). Returns the number of frames."""
    frames = list(frames)
    tmp = "%s.tmp%d" % (path, os.getpid())
    with open(tmp, "wb") as f:
        f.write(pcap_bytes(frames, start, step_us, linktype))
    os.replace(tmp, path)
    return len(frames)


def read_pcap(path):
    with open(path, "rb") as f:
        buf = f.read()
    if len(buf) < 24:
        # A tx file the PMD has not written its header to yet reads as empty.
        return Pcap(LINKTYPE_ETHERNET, [], len(buf) > 0, False, SNAPLEN)
    magic_le = struct.unpack("<I", buf[:4])[0]
    magic_be = struct.unpack(">I", buf[:4])[0]
    if magic_le in (PCAP_MAGIC_US, PCAP_MAGIC_NS):
        e, magic = "<", magic_le
    elif magic_be in (PCAP_MAGIC_US, PCAP_MAGIC_NS):
        e, magic = ">", magic_be
    else:
        raise ValueError("%s: not a classic pcap file (magic %08x)" % (path, magic_le))
    _, _, _, _, snaplen, linktype = struct.unpack(e + "HHiIII", buf[4:24])
    records = []
    off = 24
    truncated = False
    while off < len(buf):
        if off + 16 > len(buf):
            truncated = True
            break
        ts_sec, ts_frac, incl, orig = struct.unpack(e + "IIII", buf[off:off + 16])
        if off + 16 + incl > len(buf):
            truncated = True
            break
        records.append(Record(ts_sec, ts_frac, orig, buf[off + 16:off + 16 + incl]))
        off += 16 + incl
    return Pcap(linktype & 0xFFFF, records, truncated, magic == PCAP_MAGIC_NS, snaplen)


# ---------------------------------------------------------------- parsing

class Packet:
    """What parse() found in a frame. Absent fields are None."""
    __slots__ = ("dst_mac", "src_mac", "vlans", "ethertype", "ip_version", "src", "dst", "proto",
                 "ttl", "ident", "sport", "dport", "tcp_flags", "seq", "ack", "icmp_type",
                 "icmp_code", "icmp_id", "icmp_seq", "payload", "checksum_ok", "fragment",
                 "error")

    def __init__(self):
        for k in self.__slots__:
            setattr(self, k, None)
        self.vlans = []
        self.checksum_ok = True
        self.fragment = False
        self.payload = b""

    def flow(self):
        """(proto, src, sport, dst, dport) of the packet."""
        return (self.proto, self.src, self.sport, self.dst, self.dport)

    def __repr__(self):
        return "Packet(%s)" % summary_of(self)


def parse(frame):
    p = Packet()
    frame = bytes(frame)
    if len(frame) < 14:
        p.error = "short Ethernet header"
        return p
    p.dst_mac, p.src_mac = mac_text(frame[0:6]), mac_text(frame[6:12])
    et = struct.unpack("!H", frame[12:14])[0]
    off = 14
    while et in (ETH_P_8021Q, ETH_P_8021AD):
        if off + 4 > len(frame):
            p.error = "short VLAN header"
            return p
        tci, et = struct.unpack("!HH", frame[off:off + 4])
        p.vlans.append(tci & 0x0FFF)
        off += 4
    p.ethertype = et
    if et == ETH_P_IPV4:
        if off + 20 > len(frame):
            p.error = "short IPv4 header"
            return p
        vihl = frame[off]
        ihl = (vihl & 0xF) * 4
        total, ident, ff, ttl, proto = struct.unpack("!2xHHHBB", frame[off:off + 10])
        p.ip_version, p.ttl, p.ident, p.proto = 4, ttl, ident, proto
        p.src = str(ipaddress.IPv4Address(frame[off + 12:off + 16]))
        p.dst = str(ipaddress.IPv4Address(frame[off + 16:off + 20]))
        if vihl >> 4 != 4 or ihl < 20 or off + total > len(frame) or total < ihl:
            p.error = "bad IPv4 header"
            return p
        if checksum(frame[off:off + ihl]) != 0:
            p.checksum_ok = False
        p.fragment = bool(ff & 0x2000) or (ff & 0x1FFF) != 0
        l4 = frame[off + ihl:off + total]
        if ff & 0x1FFF:
            p.payload = l4
            return p
    elif et == ETH_P_IPV6:
        if off + 40 > len(frame):
            p.error = "short IPv6 header"
            return p
        plen, nh, hlim = struct.unpack("!HBB", frame[off + 4:off + 8])
        p.ip_version, p.proto, p.ttl = 6, nh, hlim
        p.src = str(ipaddress.IPv6Address(frame[off + 8:off + 24]))
        p.dst = str(ipaddress.IPv6Address(frame[off + 24:off + 40]))
        if frame[off] >> 4 != 6 or off + 40 + plen > len(frame):
            p.error = "bad IPv6 header"
            return p
        l4 = frame[off + 40:off + 40 + plen]
    else:
        p.payload = frame[off:]
        return p
    pseudo = lambda proto, n: _pseudo_header(p.src, p.dst, proto, n)  # noqa: E731
    if p.proto == PROTO_TCP:
        if len(l4) < 20:
            p.error = "short TCP header"
            return p
        p.sport, p.dport, p.seq, p.ack, doff, p.tcp_flags = struct.unpack("!HHIIBB", l4[:14])
        doff = (doff >> 4) * 4
        p.payload = l4[doff:]
        if not p.fragment and checksum(pseudo(PROTO_TCP, len(l4)) + l4) != 0:
            p.checksum_ok = False
    elif p.proto == PROTO_UDP:
        if len(l4) < 8:
            p.error = "short UDP header"
            return p
        p.sport, p.dport, ulen, ucsum = struct.unpack("!HHHH", l4[:8])
        p.payload = l4[8:ulen]
        if not p.fragment and ucsum != 0 and checksum(pseudo(PROTO_UDP, ulen) + l4[:ulen]) != 0:
            p.checksum_ok = False
    elif p.proto in (PROTO_ICMP, PROTO_ICMPV6):
        if len(l4) < 8:
            p.error = "short ICMP header"
            return p
        p.icmp_type, p.icmp_code, _, p.icmp_id, p.icmp_seq = struct.unpack("!BBHHH", l4[:8])
        p.payload = l4[8:]
        data = (pseudo(PROTO_ICMPV6, len(l4)) + l4) if p.proto == PROTO_ICMPV6 else l4
        if not p.fragment and checksum(data) != 0:
            p.checksum_ok = False
    else:
        p.payload = l4
    return p


def verify(frame):
    """Problems found in a frame (empty list: headers and checksums are right)."""
    p = parse(frame)
    problems = []
    if p.error:
        problems.append(p.error)
    if not p.checksum_ok:
        problems.append("bad checksum")
    if p.ethertype not in (ETH_P_IPV4, ETH_P_IPV6):
        problems.append("not IP (ethertype 0x%04x)" % (p.ethertype or 0))
    return problems


def summary_of(p):
    vl = "vlan %s " % ",".join(str(v) for v in p.vlans) if p.vlans else ""
    if p.error:
        return "%s%s" % (vl, p.error)
    if p.ip_version is None:
        return "%sethertype 0x%04x %d bytes" % (vl, p.ethertype, len(p.payload))
    a = lambda addr: ("[%s]" % addr) if ":" in addr else addr  # noqa: E731
    if p.proto == PROTO_TCP:
        return "%sIP%d TCP %s:%d > %s:%d [%s] seq %d ack %d len %d" % (
            vl, p.ip_version, a(p.src), p.sport, a(p.dst), p.dport, tcp_flag_text(p.tcp_flags),
            p.seq, p.ack, len(p.payload))
    if p.proto == PROTO_UDP:
        return "%sIP%d UDP %s:%d > %s:%d len %d" % (vl, p.ip_version, a(p.src), p.sport, a(p.dst),
                                                    p.dport, len(p.payload))
    if p.proto in (PROTO_ICMP, PROTO_ICMPV6):
        return "%sIP%d ICMP %s > %s type %d code %d id %d seq %d" % (
            vl, p.ip_version, a(p.src), a(p.dst), p.icmp_type, p.icmp_code, p.icmp_id, p.icmp_seq)
    return "%sIP%d proto %d %s > %s" % (vl, p.ip_version, p.proto, a(p.src), a(p.dst))


def summary(frame):
    return summary_of(parse(frame))


# ---------------------------------------------------------------- the demo

DEMO_INSIDE_MAC = "02:00:0a:00:00:01"   # inside hosts (one L2 segment, one MAC per host below)
DEMO_ROUTER_MAC = "02:00:cb:00:71:01"   # the outside next hop


def _host_mac(addr):
    b = ip_addr(addr).packed[-2:]
    return "02:00:0a:00:%02x:%02x" % (b[0], b[1])


def _dns_query(qid, name):
    q = struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 0)
    for label in name.split("."):
        q += bytes([len(label)]) + label.encode()
    return q + b"\0" + struct.pack("!HH", 1, 1)


def _dns_reply(qid, name, addr):
    query = _dns_query(qid, name)
    hdr = struct.pack("!HHHHHH", qid, 0x8180, 1, 1, 0, 0)
    answer = struct.pack("!HHHIH", 0xC00C, 1, 1, 300, 4) + ip_addr(addr).packed
    return hdr + query[12:] + answer


def demo_frames():
    """The bundled demo: [(arrives_on, frame)] with arrives_on "lan" (inside port) or "wan"."""
    out = []

    def add(port, frame):
        out.append((port, frame))

    def session(client, server, cport, sport, request, response, isn):
        for from_client, frame in tcp_session(client, server, cport, sport, request, response,
                                              isn_c=isn, isn_s=isn * 7 + 11, mss=1200,
                                              cmac=_host_mac(client), smac=DEMO_ROUTER_MAC):
            add("lan" if from_client else "wan", frame)

    # HTTP and HTTPS-like connections from inside clients to outside servers.
    web = [
        ("10.0.0.10", "203.0.113.10", 40010, 80, "/index.html", 3000),
        ("10.0.0.11", "203.0.113.10", 40011, 80, "/logo.png", 4800),
        ("10.0.0.12", "198.51.100.30", 40012, 80, "/api/v1/status", 900),
        ("10.0.0.13", "203.0.113.20", 40013, 443, None, 3600),
        ("10.0.0.14", "203.0.113.20", 40014, 443, None, 2400),
        ("10.0.0.10", "198.51.100.31", 40015, 443, None, 6000),
        ("10.0.0.11", "203.0.113.10", 40016, 80, "/news", 7200),
        ("10.0.0.12", "203.0.113.21", 40017, 443, None, 4000),
        ("10.0.0.13", "198.51.100.30", 40018, 80, "/download/file.bin", 9600),
        ("10.0.0.14", "203.0.113.10", 40019, 80, "/", 1500),
    ]
    for i, (client, server, cport, sport, path, size) in enumerate(web):
        if path is not None:
            req = ("GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: dfp-demo\r\n\r\n"
                   % (path, server)).encode()
            body = bytes((j * 7 + i) & 0xFF for j in range(size))
            resp = ("HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % size).encode() + body
        else:
            req = b"\x16\x03\x01\x00\xc8\x01\x00\x00\xc4\x03\x03" + bytes(range(32)) + bytes(160)
            resp = b"\x16\x03\x03" + struct.pack("!H", size) + bytes((j * 13 + i) & 0xFF
                                                                   for j in range(size))
        session(client, server, cport, sport, req, resp, 100000 * (i + 1))
        # DNS lookups interleaved with the connections.
        for k in range(2):
            qid = 0x1000 + i * 2 + k
            name = "host%d-%d.example.com" % (i, k)
            cl = "10.0.0.%d" % (10 + (i + k) % 5)
            add("lan", udp_frame(cl, "8.8.8.8", 53000 + qid % 1000, 53, _dns_query(qid, name),
                                 _host_mac(cl), DEMO_ROUTER_MAC, ident=qid))
            add("wan", udp_frame("8.8.8.8", cl, 53, 53000 + qid % 1000,
                                 _dns_reply(qid, name, "203.0.113.%d" % (100 + qid % 50)),
                                 DEMO_ROUTER_MAC, _host_mac(cl), ident=qid))

    # ICMP echo: two clients, four echoes each, with replies.
    for client, server, ident in (("10.0.0.10", "203.0.113.10", 0x0101),
                                  ("10.0.0.12", "198.51.100.30", 0x0202)):
        for seq in range(1, 5):
            data = bytes(range(48))
            add("lan", icmp_echo_frame(client, server, ident, seq, False, data, _host_mac(client),
                                       DEMO_ROUTER_MAC))
            add("wan", icmp_echo_frame(server, client, ident, seq, True, data, DEMO_ROUTER_MAC,
                                       _host_mac(client)))

    # One IPv6 TCP connection.
    for from_client, frame in tcp_session("2001:db8:1::10", "2001:db8:2::80", 40100, 80,
                                          b"GET / HTTP/1.1\r\nHost: v6.example\r\n\r\n",
                                          b"HTTP/1.1 200 OK\r\nContent-Length: 2000\r\n\r\n"
                                          + bytes(2000), isn_c=777000, isn_s=888000, mss=1200,
                                          cmac=DEMO_INSIDE_MAC, smac=DEMO_ROUTER_MAC):
        add("lan" if from_client else "wan", frame)

    # Inbound attempts from outside: telnet and ssh (SYN and two retransmissions each).
    for remote, local, rport, lport in (("198.51.100.66", "10.0.0.10", 51000, 23),
                                        ("198.51.100.67", "10.0.0.11", 51001, 22),
                                        ("203.0.113.99", "10.0.0.12", 51002, 22)):
        for _ in range(3):
            add("wan", tcp_frame(remote, local, rport, lport, "S", 4242, 0, b"", DEMO_ROUTER_MAC,
                                 _host_mac(local)))

    # An outbound connection attempt to port 8080 (SYN and two retransmissions):
    # the bundled demo holds it for an operator's verdict.
    for k in range(3):
        add("lan", tcp_frame("10.0.0.14", "203.0.113.10", 40200, 8080, "S", 808000, 0, b"",
                             _host_mac("10.0.0.14"), DEMO_ROUTER_MAC))

    # A SYN scan of ports 1-40 from one outside address.
    for port in range(1, 41):
        add("wan", tcp_frame("198.51.100.200", "10.0.0.10", 60000, port, "S", 9000 + port, 0,
                             b"", DEMO_ROUTER_MAC, _host_mac("10.0.0.10")))
    return out


def write_demo(outdir):
    """Write demo-wan.pcap and demo-lan.pcap; returns (wan_count, lan_count)."""
    os.makedirs(outdir, exist_ok=True)
    wan, lan = [], []
    for i, (port, frame) in enumerate(demo_frames()):
        ts = T0 + i * 0.001
        (wan if port == "wan" else lan).append((ts, frame))
    write_pcap(os.path.join(outdir, "demo-wan.pcap"), wan)
    write_pcap(os.path.join(outdir, "demo-lan.pcap"), lan)
    return len(wan), len(lan)


# ---------------------------------------------------------------- command line

def _usage():
    sys.stderr.write("usage: mkpcap.py demo OUTDIR | dump FILE... | check FILE...\n")
    return 2


def main(argv):
    if len(argv) < 2:
        return _usage()
    cmd = argv[1]
    if cmd == "demo" and len(argv) == 3:
        n_wan, n_lan = write_demo(argv[2])
        print("demo-wan.pcap: %d frames, demo-lan.pcap: %d frames" % (n_wan, n_lan))
        return 0
    if cmd in ("dump", "check") and len(argv) >= 3:
        bad = 0
        for path in argv[2:]:
            pc = read_pcap(path)
            if pc.linktype != LINKTYPE_ETHERNET:
                print("%s: link type %d, not Ethernet" % (path, pc.linktype))
                bad += 1
                continue
            for i, r in enumerate(pc.records):
                if cmd == "dump":
                    print("%d.%06d %s" % (r.ts_sec, r.ts_frac, summary(r.data)))
                else:
                    problems = verify(r.data)
                    if problems:
                        print("%s: frame %d: %s" % (path, i + 1, "; ".join(problems)))
                        bad += 1
            if pc.truncated:
                print("%s: truncated last record" % path)
                bad += 1
            if cmd == "check":
                print("%s: %d frames" % (path, len(pc.records)))
        return 1 if bad else 0
    return _usage()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
