#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Fault: the mbuf pool runs dry, then recovers.

dfp runs with `--mbufs 1024` (the smallest sensible pool is 512) and
`verdict` pending every new inbound flow to local port 7000 (hold_packets
64, the most a flow may hold). 40 such flows of 64 frames each (2560
frames) arrive on wan: the held packets take every mbuf long before the
capture ends, so net_pcap cannot allocate for the rest and counts them as
RX-nombuf (those frames are lost before dfp sees them: a counted rx miss).

Asserted while the pool is dry:
- RX-nombuf > 0 on wan; frames in = RX-packets + RX-nombuf;
- dfp: rx_packets = RX-packets = held_now (nothing forwarded yet), closed.

Then every pend is completed with permit: the held frames leave lan, the
mbufs return, nothing is held, and the accounting closes (rx = tx, frames
out of lan = tx_packets).

Recovery: `stop`, the gate filter deleted, counters cleared, `start` (net_pcap
reads its capture again from the start): all 2560 frames are forwarded,
RX-nombuf stays 0, and the accounting closes again.
"""

import sys

sys.dont_write_bytecode = True
import faultlib as fl  # noqa: E402

e = fl.e
N_FLOWS, PER_FLOW, MBUFS = 40, 64, 1024


def frames():
    out = []
    for i in range(N_FLOWS):
        out += e.udp_flow("198.51.100.%d" % (10 + i), "10.0.0.70", 20000 + i, 7000, PER_FLOW,
                          "m%d" % i)
    return out


def main(t):
    n_in = N_FLOWS * PER_FLOW
    cfg = fl.verdict_yaml(flows={"hold_packets": 64, "pend_timeout_ms": 120000})
    d = t.dfp(cfg, wan=frames(), lan=[], extra_opts=["--mbufs", str(MBUFS)])
    c = d.client()

    def dry(s):
        ps = fl.port_stats(c)
        return (ps[0]["RX-packets"] + ps[0]["RX-nombuf"] == n_in and
                e.stat(s, "rx_packets") == ps[0]["RX-packets"])

    s = c.wait_stats(dry, "the capture read to its end with the pool dry", timeout=30)
    ps = fl.port_stats(c)
    e.log("pool dry: port 0 %r; held_now %d, pends %d" % (ps[0], e.held_now(s),
                                                         e.stat(s, "pends")))
    e.check(ps[0]["RX-nombuf"] > 0, "RX-nombuf is 0: the pool never ran dry (%r)" % ps[0])
    e.check(e.held_now(s) <= MBUFS, "held_now %d > %d mbufs" % (e.held_now(s), MBUFS))
    e.expect_eq(e.stat(s, "tx_packets"), 0, "tx_packets while every flow is pended")
    e.expect_eq(e.held_now(s), e.stat(s, "rx_packets"), "held_now = rx_packets while dry")
    e.expect_eq(fl.nonzero(e.drops(s)), {}, "drops while dry (misses are the port's, not dfp's)")
    fl.expect_closed(s, "pool dry")
    fl.expect_wire(d, c, n_in, "pool dry")

    n = fl.complete_all(c, "permit")
    e.check(n > 0 and n == e.stat(s, "pends"), "completed %d handles of %d pends" % (
        n, e.stat(s, "pends")))
    s = c.wait_stats(lambda s: e.held_now(s) == 0 and
                     e.stat(s, "tx_packets") == e.stat(s, "rx_packets"),
                     "every held frame sent once the pends completed", timeout=20)
    fl.expect_closed(s, "after completion")
    fl.expect_wire(d, c, n_in, "after completion")
    e.expect_eq(e.stat(s, "released_packets"), e.stat(s, "rx_packets"),
                "released_packets after completion")

    # Recovery: the mbufs are back; the same capture again, ungated, loses nothing.
    c.cmd("stop")
    c.cmd("filter delete pend-new")
    c.cmd("clear port stats all")
    c.cmd("start")
    s = c.wait_stats(lambda s: e.stat(s, "tx_packets") == n_in,
                     "the capture forwarded whole after recovery", timeout=30)
    ps = fl.port_stats(c)
    e.expect_eq((ps[0]["RX-packets"], ps[0]["RX-nombuf"]), (n_in, 0),
                "port 0 RX-packets, RX-nombuf after recovery")
    rx, tx, dropped, held = fl.expect_closed(s, "after recovery")
    e.expect_eq((rx, tx, dropped, held), (n_in, n_in, 0, 0), "rx, tx, dropped, held after "
                "recovery")
    e.expect_eq(len(d.out("lan")), n_in, "frames out of lan after recovery (the capture is "
                "rewritten on start)")
    e.expect_eq(d.quit(c), 0, "exit code after quit")


e.run("fault_mbuf", main)
