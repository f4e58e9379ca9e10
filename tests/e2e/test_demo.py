#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""The bundled demo: config/demo.yaml.in's rule base (its `eal:` list left
out: the harness gives its own ports) on the captures of `mkpcap.py demo`.

Its rules, and what they do to the demo traffic whatever the order between
the two ports:
  block-telnet  INBOUND_TRANSPORT, local port 23        -> the telnet SYNs and the scan's port 23
  block-scans   ALE_AUTH_RECV_ACCEPT, TCP, local 1-1023 -> inbound SYNs to low ports
  admin-ssh     hard permit above it, port 22 from 198.51.100.0/24
                                                        -> ssh from 198.51.100.67 and the scan's
                                                           port 22 pass; ssh from 203.0.113.99 not
  approve-8080  verdict at ALE_AUTH_CONNECT, remote 8080 -> the three SYNs to 8080 are held
Everything else (web sessions in both directions, DNS, ICMP, IPv6) passes:
the demo sets flows tcp_pickup: yes because the two ports replay with no
order between them, so a session's flow may be opened by its server's
reply from outside, which has a local port above 1023.
Then `pend complete HANDLE permit` releases the held SYNs in order.
"""

import os
import sys

sys.dont_write_bytecode = True
import dfpe2e as e  # noqa: E402

DEMO_IN = os.path.join(e.SRC_ROOT, "config", "demo.yaml.in")


def config_without_eal():
    """demo.yaml.in without its top-level `eal:` block."""
    out, skipping = [], False
    with open(DEMO_IN) as f:
        for line in f:
            top = line[:1] not in (" ", "-", "#", "\n", "")
            if top:
                skipping = line.startswith("eal:")
            if not skipping:
                out.append(line)
    text = "".join(out)
    e.check("@" not in text, "demo.yaml.in has a placeholder outside eal:")
    return text


def blocked_inbound(p):
    """Whether the demo rules drop this frame arriving on wan."""
    if p.ip_version != 4 or p.proto != 6:
        return False
    if p.dport == 23:
        return True                                   # block-telnet
    new_syn = p.tcp_flags == 0x02
    if new_syn and 1 <= p.dport <= 1023:
        if p.dport == 22 and p.src.startswith("198.51.100."):
            return False                              # admin-ssh (hard permit)
        return True                                   # block-scans
    return False


def main(t):
    demo = t.path("demo")
    n_wan, n_lan = e.mkpcap.write_demo(demo)
    wan_in, lan_in = os.path.join(demo, "demo-wan.pcap"), os.path.join(demo, "demo-lan.pcap")
    wan = e.frames_of(wan_in)
    lan = e.frames_of(lan_in)
    want_lan_out = [f for f in wan if not blocked_inbound(e.mkpcap.parse(f))]
    held = [f for f in lan if e.mkpcap.parse(f).dport == 8080]
    want_wan_out = [f for f in lan if f not in held]
    e.expect_eq((len(held), n_wan - len(want_lan_out)), (3, 45),
                "held and blocked frames of the demo capture (did mkpcap's demo change?)")

    d = t.dfp(config_without_eal(), wan=wan_in, lan=lan_in)
    c = d.client()
    # `wait idle` waits for held packets too: poll the counters instead.
    n_tx = len(want_lan_out) + len(want_wan_out)
    c.wait_stats(lambda s: e.stat(s, "rx_packets") == n_wan + n_lan and
                 e.held_now(s) == 3 and e.stat(s, "tx_packets") == n_tx,
                 "the demo replayed: %d frames sent, 3 held" % n_tx, timeout=15)
    got_lan, got_wan = d.out("lan"), d.out("wan")

    def diff(got, want):
        missing = [e.mkpcap.summary(f) for f in want if f not in got]
        extra = [e.mkpcap.summary(f) for f in got if f not in want]
        return "missing %s; unexpected %s" % (missing[:8], extra[:8])

    e.check(got_lan == want_lan_out, "frames out of lan (%d, expected %d): %s" % (
        len(got_lan), len(want_lan_out), diff(got_lan, want_lan_out)))
    e.check(got_wan == want_wan_out, "frames out of wan (%d, expected %d): %s" % (
        len(got_wan), len(want_wan_out), diff(got_wan, want_wan_out)))
    s = c.stats()
    e.expect_eq({k: v for k, v in e.drops(s).items() if v}, {"filter_block": 45}, "drops")
    e.expect_eq(e.stat(s, "pends"), 1, "pends")

    pend = c.pended()
    e.expect_eq(len(pend), 1, "handles in show pended")
    e.expect_eq(e.layer_id(pend[0]["layer"]), e.LAYER_IDS["ALE_AUTH_CONNECT_V4"],
                "layer of the pend")
    c.cmd("pend complete 0x%x permit" % pend[0]["id"])
    c.wait_stats(lambda s: e.stat(s, "released_packets") == 3, "the 3 SYNs released", timeout=5)
    c.wait_idle()
    e.check(d.out("wan") == want_wan_out + held, "frames out of wan after the permit: the held "
            "SYNs, in order, after the rest")
    e.expect_eq(d.quit(c), 0, "exit code after quit")


e.run("demo", main)
