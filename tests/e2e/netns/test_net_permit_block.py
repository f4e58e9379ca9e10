#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Permit and block real programs' traffic by port and address (issue 6, scenario 1).

Topology of dfpnet: the client (10.0.0.1, 10.0.0.3, fd00::1) faces dfp's
outside port wan, the server (10.0.0.2, fd00::2) its inside port lan, so
the client's connections are INBOUND (local = the server).  Sublayer `hi`
(weight 200) is evaluated before `lo` (weight 100).  RA =
ALE_AUTH_RECV_ACCEPT_V4/V6, TR = INBOUND_TRANSPORT_V4.

  what                               filters                                 the client sees
  TCP by default (v4 and v6)         lo RA: block tcp (w 1)                  nc to 9090 times out
  HTTP 8080 (v4 and v6)              lo RA: permit local port 8080 (w 10)    curl gets 4 MB intact
  upload 7070                        lo RA: permit 7070 (w 10)               nc sends 2 MB intact
  9191                               hi RA: hard permit; lo RA: block w 100  connects
  9292                               hi RA: soft permit; lo RA: block w 100  times out
  9393                               hi RA: block; lo RA: soft permit w 10   times out, connects
                                                                             once the block goes
  UDP 5353 by address                hi TR: block udp from 10.0.0.3          echo from .1, none
                                                                             from .3 (never at
                                                                             the server)
  ping by address                    hi TR: block icmp from 10.0.0.3         ping from .1 only
  9090 with a console permit         `filter add` permit 9090, then delete   connects, then not

"times out" means nc got no answer at all (the SYN was dropped), not a
refusal: a server listens on every port probed.  Then the filters' hit
counters and the datapath's drop counters must match, and the accounting
must close (rx = tx + drops + held).
"""

import sys

sys.dont_write_bytecode = True
import dfpnet as n  # noqa: E402

e = n.e
RA4, RA6, TR4 = "ALE_AUTH_RECV_ACCEPT_V4", "ALE_AUTH_RECV_ACCEPT_V6", "INBOUND_TRANSPORT_V4"
HARD = ["clear_action_right"]


def flt(name, layer, sublayer, weight, action, conds, flags=None):
    s = "  - name: %s\n    layer: %s\n    sublayer: %s\n    weight: %d\n    action: %s\n" % (
        name, layer, sublayer, weight, action)
    if flags:
        s += "    flags: [%s]\n" % ", ".join(flags)
    s += "    conditions:\n"
    for field, value in conds:
        s += "      - {field: %s, match: equal, value: %s}\n" % (field, value)
    return s


def port(p):
    return [("IP_LOCAL_PORT", p)]


def config():
    y = n.base_yaml()
    y += ("sublayers:\n"
          "  - {name: hi, key: %s, weight: 200}\n"
          "  - {name: lo, key: %s, weight: 100}\n" % (e.guid(0x101), e.guid(0x102)))
    y += "filters:\n"
    y += flt("deny-tcp", RA4, "lo", 1, "block", [("IP_PROTOCOL", "tcp")])
    y += flt("deny-tcp6", RA6, "lo", 1, "block", [("IP_PROTOCOL", "tcp")])
    y += flt("permit-http", RA4, "lo", 10, "permit", port(8080))
    y += flt("permit-http6", RA6, "lo", 10, "permit", port(8080))
    y += flt("permit-upload", RA4, "lo", 10, "permit", port(7070))
    y += flt("hard-9191", RA4, "hi", 1, "permit", port(9191), HARD)
    y += flt("block-9191", RA4, "lo", 100, "block", port(9191))
    y += flt("soft-9292", RA4, "hi", 1, "permit", port(9292))
    y += flt("block-9292", RA4, "lo", 100, "block", port(9292))
    y += flt("block-9393", RA4, "hi", 1, "block", port(9393))
    y += flt("soft-9393", RA4, "lo", 10, "permit", port(9393))
    y += flt("block-udp-alt", TR4, "hi", 1, "block",
             [("IP_PROTOCOL", "udp"), ("IP_REMOTE_ADDRESS", n.CLI4_ALT), ("IP_LOCAL_PORT", 5353)])
    y += flt("block-icmp-alt", TR4, "hi", 1, "block",
             [("IP_PROTOCOL", "icmp"), ("IP_REMOTE_ADDRESS", n.CLI4_ALT)])
    return y


def expect_connects(t, p, addr=n.SRV4, src=None):
    r = t.tcp_connect(p, addr=addr, src=src)
    e.check(r.connected, "TCP to %s port %d (from %s) must connect: %r" % (
        addr, p, src or "default", r))


def expect_blocked(t, p, addr=n.SRV4, src=None):
    r = t.tcp_connect(p, addr=addr, src=src)
    e.check(r.timed_out, "TCP to %s port %d (from %s) must time out (SYN dropped), not "
            "connect or be refused: %r" % (addr, p, src or "default", r))


def main(t):
    blob, digest = t.make_file("blob", 4 << 20)
    up, up_digest = t.make_file("upload", 2 << 20)
    d = t.dfp(config())
    c = d.client()
    for p in (8080, 9090, 9191, 9292, 9393):
        t.http_server(p)
    echo = t.udp_echo(5353)
    got_up = t.path("uploaded")
    ncl = t.nc_listener(7070, got_up)

    # Ping: permitted from 10.0.0.1, blocked from 10.0.0.3.
    r = t.ping(n.SRV4)
    e.check(r.ok, "ping from %s must work: %r" % (n.CLI4, r))
    r = t.ping(n.SRV4, src=n.CLI4_ALT)
    e.check(r.rc != 0 and " 0 received" in r.out, "ping from %s must get no reply: %r" % (
        n.CLI4_ALT, r))

    # HTTP on 8080, v4 from both client addresses and v6: intact.
    for i, (url, src) in enumerate((("http://%s:8080/blob" % n.SRV4, None),
                                    ("http://%s:8080/blob" % n.SRV4, n.CLI4_ALT),
                                    ("http://[%s]:8080/blob" % n.SRV6, None))):
        out = t.path("got%d" % i)
        r = t.curl(url, out=out, src=src)
        e.check(r.ok, "curl %s must succeed: %r" % (url, r))
        e.expect_eq(n.sha256(out), digest, "sha256 of %s (from %s)" % (url, src or "default"))

    # Upload with nc to 7070: intact.
    r = t.run("cli", ["nc", "-N", "-w", "5", n.SRV4, "7070"], input=open(up, "rb").read())
    e.check(r.ok, "nc upload must succeed: %r" % r)
    e.check(ncl.wait(5) == 0, "the nc listener must end after the upload")
    e.expect_eq(n.sha256(got_up), up_digest, "sha256 of the upload")

    # Default deny and sublayer arbitration.
    expect_blocked(t, 9090)
    expect_blocked(t, 9090, addr=n.SRV6)
    expect_connects(t, 9191)
    expect_blocked(t, 9292)
    expect_blocked(t, 9393)

    # UDP by address: echoed for 10.0.0.1; dropped for 10.0.0.3 before the server.
    e.expect_eq(t.udp_probe(5353), 3, "UDP echoes for %s" % n.CLI4)
    e.expect_eq(t.udp_probe(5353, src=n.CLI4_ALT), 0, "UDP echoes for %s" % n.CLI4_ALT)
    e.expect_eq(t.udp_probe(5353, src=n.CLI4_ALT), 0, "UDP echoes for %s, second probe" %
                n.CLI4_ALT)
    senders = sorted(set(line.split()[1] for line in echo.out().splitlines()
                         if line.startswith("from ")))
    e.expect_eq(senders, [n.CLI4], "addresses the UDP server heard from")

    # Hit counters before the rule base changes: one per decision (a blocked TCP
    # attempt is one flow, its SYN retransmissions are not classified again).
    hits = {f["name"]: int(f["hits"], 0) for f in c.filters()}
    e.log("hits: %r" % hits)
    e.expect_eq({k: hits.get(k) for k in ("block-udp-alt", "block-icmp-alt", "hard-9191",
                                          "block-9191", "soft-9292", "block-9292",
                                          "block-9393", "soft-9393", "permit-upload",
                                          "permit-http", "permit-http6", "deny-tcp",
                                          "deny-tcp6")},
                {"block-udp-alt": 6,    # 2 probes of 3 datagrams from 10.0.0.3
                 "block-icmp-alt": 3,   # 3 echo requests from 10.0.0.3
                 "hard-9191": 1, "block-9191": 0,     # the hard permit decided
                 "soft-9292": 0, "block-9292": 1,     # the lower block overrode it
                 "block-9393": 1, "soft-9393": 0,     # the higher block decided
                 "permit-upload": 1, "permit-http": 2, "permit-http6": 1,
                 "deny-tcp": 1, "deny-tcp6": 1},      # 9090 over v4 and v6
                "hits per filter")

    # The console changes the rule base at run time; new connections follow it.
    c.cmd("filter add permit-9090 layer %s sublayer lo weight 10 action permit "
          "cond IP_LOCAL_PORT equal 9090" % RA4)
    expect_connects(t, 9090)
    expect_connects(t, 9090, src=n.CLI4_ALT)
    c.cmd("filter delete block-9393")
    expect_connects(t, 9393)
    c.cmd("filter delete permit-9090")
    expect_blocked(t, 9090)
    # A commit at an ALE layer re-authorises flows still open (e.g. a connection in
    # its teardown), which counts a hit again: from here on, lower bounds only.
    c.wait_idle()
    hits = {f["name"]: int(f["hits"], 0) for f in c.filters()}
    e.log("hits: %r" % hits)
    e.check(hits["soft-9393"] >= 1 and hits["deny-tcp"] >= 2,
            "soft-9393 must have permitted once more and deny-tcp blocked once more: %r" % hits)

    # The datapath's counters: drops by reason, and the accounting closes.
    s = c.stats()
    rx, tx, dropped, held, ok = e.accounting(s)
    e.check(ok, "accounting: rx %d != tx %d + drops %d + held %d" % (rx, tx, dropped, held))
    fb = e.drops(s).get("filter_block", 0)
    e.check(fb >= 6 + 3 + 5, "drop.filter_block %d: at least the 6 datagrams, 3 pings and "
            "5 SYNs blocked" % fb)
    # Besides the blocks, only tcp_no_flow: a segment that arrives after its
    # connection's flow ended (a retransmitted FIN or ACK when the last ACK was
    # lost or late) opens no flow (flows tcp_pickup: no) and is dropped.
    reasons = set(k for k, v in e.drops(s).items() if v)
    e.check("filter_block" in reasons and reasons <= {"filter_block", "tcp_no_flow"},
            "drop reasons with a count: %r (expected filter_block, possibly tcp_no_flow)"
            % sorted(reasons))
    n.check_late_segments(e.drops(s))
    e.expect_eq(held, 0, "held_now")
    e.expect_eq(d.quit(c), 0, "exit code after quit")


n.run("net_permit_block", main, budget=60)
