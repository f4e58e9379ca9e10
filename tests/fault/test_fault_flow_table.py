#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Fault: the flow table is full.

flows.capacity 64 (the least the YAML takes; one worker, so 64 flows in
all). 80 inbound UDP flows of 2 frames each arrive on wan, one flow after
the other (160 frames): the first 64 flows fill the table.

- full_policy fail_closed (the default): the 16 flows that find the table
  full are refused: their 32 frames are dropped as drop.flow_table_full;
  flows_created 64; tx 128; frames out of lan 128; closed.
- full_policy fail_open: they are forwarded without a flow, classified per
  packet only: fail_open_packets 32, no drop, tx 160; closed.
"""

import sys

sys.dont_write_bytecode = True
import faultlib as fl  # noqa: E402

e = fl.e
CAPACITY, N_FLOWS, PER_FLOW = 64, 80, 2


def frames():
    out = []
    for i in range(N_FLOWS):
        out += e.udp_flow("198.51.%d.%d" % (100 + i // 200, 1 + i % 200), "10.0.0.71",
                          21000 + i, 8000, PER_FLOW, "t%d" % i)
    return out


def run(t, policy):
    n_in = N_FLOWS * PER_FLOW
    refused = (N_FLOWS - CAPACITY) * PER_FLOW
    d = t.dfp(e.base_yaml(flows={"capacity": CAPACITY, "full_policy": policy}),
              wan=frames(), lan=[])
    c = d.client()
    c.wait_idle()
    s = c.stats()
    e.expect_eq(e.stat(s, "flows_created"), CAPACITY, "%s: flows_created" % policy)
    rx, tx, dropped, held = fl.expect_closed(s, policy)
    if policy == "fail_closed":
        e.expect_eq(fl.nonzero(e.drops(s)), {"flow_table_full": refused},
                    "%s: drops by reason" % policy)
        e.expect_eq(e.stat(s, "fail_open_packets"), 0, "%s: fail_open_packets" % policy)
        e.expect_eq((rx, tx), (n_in, n_in - refused), "%s: rx, tx" % policy)
    else:
        e.expect_eq(fl.nonzero(e.drops(s)), {}, "%s: drops by reason" % policy)
        e.expect_eq(e.stat(s, "fail_open_packets"), refused, "%s: fail_open_packets" % policy)
        e.expect_eq((rx, tx), (n_in, n_in), "%s: rx, tx" % policy)
    fl.expect_wire(d, c, n_in, policy)
    e.expect_eq(d.quit(c), 0, "%s: exit code after quit" % policy)
    fin = e.parse_stats(d.stdout().splitlines())
    e.expect_eq(fl.expect_closed(fin, "%s: final statistics" % policy), (rx, tx, dropped, 0),
                "%s: final rx, tx, dropped, held" % policy)


def main(t):
    run(t, "fail_closed")
    run(t, "fail_open")


e.run("fault_flow_table", main)
