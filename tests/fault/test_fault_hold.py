#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Fault: a pended flow's hold queue is full.

flows.hold_packets 4; `verdict` pends every new inbound flow to local port
7000. On wan: flow A (10 frames) and flow B (10 frames) to 7000, and flow C
(3 frames) to 7001, not pended.

- While pended: A and B each hold 4 frames and drop the other 6 as
  drop.hold_overflow (12); C is forwarded; held_now 8; closed.
- A completed with permit: its 4 held frames leave lan in order (A-0..A-3).
- B completed with block: its 4 held frames are dropped as drop.pend_blocked.
- At the end: rx 23 = tx 7 + hold_overflow 12 + pend_blocked 4, held 0;
  frames out of lan = tx_packets.
"""

import sys

sys.dont_write_bytecode = True
import faultlib as fl  # noqa: E402

e = fl.e
HOLD = 4
FLOWS = {"A": ("198.51.100.81", 7000, 10), "B": ("198.51.100.82", 7000, 10),
         "C": ("198.51.100.83", 7001, 3)}


def main(t):
    wan = []
    for name, (src, dport, n) in sorted(FLOWS.items()):
        wan += e.udp_flow(src, "10.0.0.72", 22000, dport, n, name)
    n_in = len(wan)
    d = t.dfp(fl.verdict_yaml(flows={"hold_packets": HOLD, "pend_timeout_ms": 120000}),
              wan=wan, lan=[])
    c = d.client()
    s = c.wait_stats(lambda s: e.stat(s, "rx_packets") == n_in and e.held_now(s) == 2 * HOLD
                     and e.stat(s, "tx_packets") == 3, "23 frames in, 8 held, C forwarded",
                     timeout=15)
    e.expect_eq(fl.nonzero(e.drops(s)), {"hold_overflow": 12}, "drops while pended")
    e.expect_eq(e.stat(s, "pends"), 2, "pends")
    fl.expect_closed(s, "while pended")

    flows = {f.src: f for f in c.flows()}
    handles = {e.to_int(p["flow"]): p["id"] for p in c.pended()}
    h = {}
    for name in "AB":
        f = flows.get(FLOWS[name][0])
        e.check(f is not None and f.id in handles, "flow %s pended: %r, %r" % (
            name, f, handles))
        h[name] = handles[f.id]
    c.cmd("pend complete 0x%x permit" % h["A"])
    c.cmd("pend complete 0x%x block" % h["B"])
    s = c.wait_stats(lambda s: e.held_now(s) == 0 and e.stat(s, "tx_packets") == 3 + HOLD and
                     e.drops(s).get("pend_blocked", 0) == HOLD,
                     "A's held frames sent, B's dropped", timeout=15)
    rx, tx, dropped, held = fl.expect_closed(s, "after completion")
    e.expect_eq((rx, tx, dropped, held), (n_in, 3 + HOLD, 12 + HOLD, 0),
                "rx, tx, dropped, held after completion")
    e.expect_eq(fl.nonzero(e.drops(s)), {"hold_overflow": 12, "pend_blocked": HOLD},
                "drops by reason after completion")
    fl.expect_wire(d, c, n_in, "after completion")
    got = [p.payload.decode() for p in d.out_packets("lan")]
    e.expect_eq(sorted(got), sorted(["C-%d" % i for i in range(3)] +
                                    ["A-%d" % i for i in range(HOLD)]), "frames out of lan")
    e.expect_eq([x for x in got if x.startswith("A")], ["A-%d" % i for i in range(HOLD)],
                "A's held frames in order")
    e.expect_eq(d.quit(c), 0, "exit code after quit")


e.run("fault_hold", main)
