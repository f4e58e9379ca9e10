#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""SIGTERM in WFP unload order (DESIGN §1 "Shutdown", spec §4.5).

`count` at ALE_FLOW_ESTABLISHED_V4 gives every flow a context; `verdict` at
ALE_AUTH_CONNECT_V4 (default: block, pend timeout 60 s) pends outbound flows
to remote port 9999.  Replayed: 4 inbound UDP flows (3 frames each),
2 outbound UDP flows to port 53 (2 frames each) and 1 outbound UDP flow to
port 9999 (3 frames, held).  Then SIGTERM:

- exit code 0 within a bounded time;
- the final stats on stdout show nothing held and the accounting closes:
  rx_packets (19) = tx_packets (16) + drops (the 3 held frames) + 0 held;
- count's flowDeleteFn reports once for each of the 6 flows that carried a
  context, with its packet count, and for no other flow.
A second run ends with SIGINT, the same way.
"""

import signal
import sys

sys.dont_write_bytecode = True
import dfpe2e as e  # noqa: E402

DG = e.LAYER_IDS["DATAGRAM_DATA_V4"]


def config():
    return e.base_yaml(flows={"pend_timeout_ms": 60000}) + (
        "sublayers:\n"
        "  - {name: gate, key: %s, weight: 10}\n"
        "callouts:\n"
        "  - name: counter\n"
        "    key: %s\n"
        "    layer: ALE_FLOW_ESTABLISHED_V4\n"
        "    module: \"builtin:count\"\n"
        "  - name: gate\n"
        "    key: %s\n"
        "    layer: ALE_AUTH_CONNECT_V4\n"
        "    module: \"builtin:verdict\"\n"
        "    params: {default: block}\n"
        "filters:\n"
        "  - name: count-all\n"
        "    layer: ALE_FLOW_ESTABLISHED_V4\n"
        "    sublayer: gate\n"
        "    action: callout_inspection\n"
        "    callout: counter\n"
        "  - name: pend-9999\n"
        "    layer: ALE_AUTH_CONNECT_V4\n"
        "    sublayer: gate\n"
        "    action: callout_terminating\n"
        "    callout: gate\n"
        "    conditions:\n"
        "      - {field: IP_REMOTE_PORT, match: equal, value: 9999}\n"
        % (e.guid(0x61), e.guid(0x62), e.guid(0x63)))


# (remote, rport, local, lport, frames, inbound)
FLOWS = [("198.51.100.%d" % (60 + i), 30000 + i, "10.0.0.60", 7100 + i, 3, True)
         for i in range(4)]
FLOWS += [("203.0.113.60", 53, "10.0.0.61", 31000 + i, 2, False) for i in range(2)]
PENDED = ("203.0.113.61", 9999, "10.0.0.62", 32000, 3, False)


def frames(flow, tag):
    remote, rport, local, lport, n, inbound = flow
    if inbound:
        return e.udp_flow(remote, local, rport, lport, n, tag, inbound=True)
    return e.udp_flow(local, remote, lport, rport, n, tag, inbound=False)


def main(t):
    wan, lan = [], []
    for i, f in enumerate(FLOWS):
        (wan if f[5] else lan).extend(frames(f, "f%d" % i))
    lan += frames(PENDED, "held")
    n_rx = len(wan) + len(lan)
    d = t.dfp(config(), wan=wan, lan=lan)
    c = d.client()
    s = c.wait_stats(lambda s: e.stat(s, "rx_packets") == n_rx and e.stat(s, "pends") == 1 and
                     e.held_now(s) == 3, "all frames in and 3 held", timeout=10)
    e.expect_eq(e.stat(s, "tx_packets"), n_rx - 3, "tx_packets before SIGTERM")
    counter_dg = int(c.callout("counter.datagram")["id"])
    flows = c.flows()
    with_ctx = [f for f in flows if f.ctx]
    e.expect_eq(len(with_ctx), len(FLOWS), "flows with a context:\n  %s" %
                "\n  ".join(f.raw for f in flows))
    for f in with_ctx:
        e.expect_eq(f.ctx, [(DG, counter_dg)], "contexts of %s" % f.raw)
    pended_flows = [f for f in flows if f.dport == 9999]
    e.expect_eq(len(pended_flows), 1, "the pended flow in show flows")
    e.expect_eq(pended_flows[0].ctx, [], "contexts of the pended flow")
    e.expect_eq(len(c.pended()), 1, "handles in show pended")
    n_out, n_err = len(d.stdout()), len(d.stderr())

    rc = d.signal(signal.SIGTERM)
    e.expect_eq(rc, 0, "exit code after SIGTERM")

    out = d.stdout()
    fin = e.parse_stats(out.splitlines())
    rx, tx, dropped, held, ok = e.accounting(fin)
    e.expect_eq((rx, tx, held), (n_rx, n_rx - 3, 0), "final rx_packets, tx_packets, held")
    e.check(ok, "final accounting does not close: rx %d != tx %d + drops %d + held %d" % (
        rx, tx, dropped, held))
    e.expect_eq(dropped, 3, "final drops (the 3 held frames, dropped by the block default)")

    # flowDeleteFn of count: once per flow that carried a context, after the signal,
    # with the flow's frames counted.
    reps = e.count_reports(d.output(), "counter")
    late = e.count_reports(d.stdout()[n_out:] + "\n" + d.stderr()[n_err:], "counter")
    e.expect_eq(sorted(r["flow"] for r in reps), sorted(f.id for f in with_ctx),
                "flows reported by count's flowDeleteFn:\n  %s" % "\n  ".join(
                    r["line"] for r in reps))
    e.expect_eq(len(late), len(reps), "count reports printed after SIGTERM")
    frames_by_port = {f[3]: f[4] for f in FLOWS}
    for r in reps:
        lport = r["dport"] if r["dport"] in frames_by_port else r["sport"]
        e.expect_eq(r["packets"], frames_by_port.get(lport), "packets in %r" % r["line"])

    # show flows named each flow by its addresses and ports (first packet's direction).
    want = set()
    for remote, rport, local, lport, _, inbound in FLOWS + [PENDED]:
        want.add((17, remote, rport, local, lport) if inbound else
                 (17, local, lport, remote, rport))
    e.expect_eq(set(f.key() for f in flows), want, "flows listed by show flows (proto, src, "
                "sport, dst, dport):\n  %s\n" % "\n  ".join(f.raw for f in flows))


def main_both(t):
    main(t)
    # SIGINT shuts down the same way.
    wan, lan = [], []
    for i, f in enumerate(FLOWS):
        (wan if f[5] else lan).extend(frames(f, "f%d" % i))
    lan += frames(PENDED, "held")
    n_rx = len(wan) + len(lan)
    d = t.dfp(config(), wan=wan, lan=lan)
    c = d.client()
    c.wait_stats(lambda s: e.stat(s, "rx_packets") == n_rx and e.held_now(s) == 3,
                 "all frames in and 3 held (second run)", timeout=10)
    e.expect_eq(d.signal(signal.SIGINT), 0, "exit code after SIGINT")
    fin = e.parse_stats(d.stdout().splitlines())
    rx, tx, dropped, held, ok = e.accounting(fin)
    e.expect_eq((rx, tx, dropped, held, ok), (n_rx, n_rx - 3, 3, 0, True),
                "final rx, tx, drops, held and balance after SIGINT")
    e.expect_eq(len(e.count_reports(d.output(), "counter")), len(FLOWS),
                "count reports after SIGINT")


e.run("shutdown", main_both)
