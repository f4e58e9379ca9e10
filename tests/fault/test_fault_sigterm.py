#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Fault: SIGTERM while flows are pended and packets held.

flows.hold_packets 4, pend timeout 120 s (never reached). Two `verdict`
callouts:
- `admit` (default permit) at ALE_AUTH_RECV_ACCEPT_V4 pends inbound flows to
  local port 7000: flows A and B, 6 frames each on wan: 4 held each, 2 each
  dropped as hold_overflow;
- `deny` (default block) at ALE_AUTH_CONNECT_V4 pends outbound flows to
  remote port 9999: flow C, 3 frames on lan, all held;
- flows D (wan, 3 frames) and E (lan, 3 frames) are not pended: forwarded.

With 11 frames held, SIGTERM. The appliance exits 0 in WFP unload order:
every pend completes with its callout's default, so A's and B's 8 held
frames are transmitted and C's 3 are dropped (counted); the final
statistics balance: rx 24 = tx 14 + hold_overflow 4 + C's 3, held 0; the
output captures hold exactly the 14 transmitted frames (A-0..A-3 and
B-0..B-3 in order among them).
"""

import signal
import sys

sys.dont_write_bytecode = True
import faultlib as fl  # noqa: E402

e = fl.e
HOLD = 4


def config():
    return e.base_yaml(flows={"hold_packets": HOLD, "pend_timeout_ms": 120000}) + (
        "sublayers:\n"
        "  - {name: gate, key: %s, weight: 10}\n"
        "callouts:\n"
        "  - {name: admit, key: %s, layer: ALE_AUTH_RECV_ACCEPT_V4, module: \"builtin:verdict\",\n"
        "     params: {default: permit}}\n"
        "  - {name: deny, key: %s, layer: ALE_AUTH_CONNECT_V4, module: \"builtin:verdict\",\n"
        "     params: {default: block}}\n"
        "filters:\n"
        "  - name: admit-7000\n"
        "    layer: ALE_AUTH_RECV_ACCEPT_V4\n"
        "    sublayer: gate\n"
        "    action: callout_terminating\n"
        "    callout: admit\n"
        "    conditions:\n"
        "      - {field: IP_LOCAL_PORT, match: equal, value: 7000}\n"
        "  - name: deny-9999\n"
        "    layer: ALE_AUTH_CONNECT_V4\n"
        "    sublayer: gate\n"
        "    action: callout_terminating\n"
        "    callout: deny\n"
        "    conditions:\n"
        "      - {field: IP_REMOTE_PORT, match: equal, value: 9999}\n"
        % (e.guid(0xE0), e.guid(0xE1), e.guid(0xE2)))


def main(t):
    wan = (e.udp_flow("198.51.100.97", "10.0.0.75", 25000, 7000, 6, "A") +
           e.udp_flow("198.51.100.98", "10.0.0.75", 25001, 7000, 6, "B") +
           e.udp_flow("198.51.100.99", "10.0.0.75", 25002, 7100, 3, "D"))
    lan = (e.udp_flow("10.0.0.76", "203.0.113.97", 26000, 9999, 3, "C", inbound=False) +
           e.udp_flow("10.0.0.76", "203.0.113.98", 26001, 53, 3, "E", inbound=False))
    n_in = len(wan) + len(lan)
    d = t.dfp(config(), wan=wan, lan=lan)
    c = d.client()
    s = c.wait_stats(lambda s: e.stat(s, "rx_packets") == n_in and e.held_now(s) == 11 and
                     e.stat(s, "tx_packets") == 6, "24 frames in, 11 held, D and E forwarded",
                     timeout=15)
    e.expect_eq(e.stat(s, "pends"), 3, "pends before SIGTERM")
    e.expect_eq(fl.nonzero(e.drops(s)), {"hold_overflow": 4}, "drops before SIGTERM")
    fl.expect_closed(s, "before SIGTERM")
    c.close()

    e.expect_eq(d.signal(signal.SIGTERM), 0, "exit code after SIGTERM")
    fin = e.parse_stats(d.stdout().splitlines())
    rx, tx, dropped, held = fl.expect_closed(fin, "final statistics")
    e.expect_eq((rx, tx, dropped, held), (n_in, 14, 7, 0), "final rx, tx, dropped, held")
    dr = fl.nonzero(e.drops(fin))
    e.expect_eq(dr.get("hold_overflow"), 4, "final drop.hold_overflow (drops: %r)" % dr)
    e.expect_eq(sum(dr.values()) - dr.get("hold_overflow", 0), 3,
                "C's 3 held frames dropped, by a counted reason (drops: %r)" % dr)
    e.expect_eq(e.stat(fin, "released_packets"), 2 * HOLD, "final released_packets")
    e.expect_eq(e.stat(fin, "pended_now"), 0, "final pended_now")
    out_lan = [p.payload.decode() for p in d.out_packets("lan")]
    out_wan = [p.payload.decode() for p in d.out_packets("wan")]
    e.expect_eq(len(out_lan) + len(out_wan), tx, "frames in the output captures = final tx")
    e.expect_eq(sorted(out_wan), ["E-%d" % i for i in range(3)], "frames out of wan")
    e.expect_eq(sorted(out_lan), sorted(["A-%d" % i for i in range(HOLD)] +
                                        ["B-%d" % i for i in range(HOLD)] +
                                        ["D-%d" % i for i in range(3)]), "frames out of lan")
    for f in "AB":
        e.expect_eq([x for x in out_lan if x.startswith(f)], ["%s-%d" % (f, i)
                    for i in range(HOLD)], "%s's held frames in order" % f)


e.run("fault_sigterm", main)
