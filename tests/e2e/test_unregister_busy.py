#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""N1 through the control socket: unregistering a callout whose flows carry
contexts (spec §4.1, §5, §10.9).

The `count` callout is declared at ALE_FLOW_ESTABLISHED_V4 with one filter;
its companion at DATAGRAM_DATA_V4 (`counter.datagram`) holds one context per
UDP flow.  Single-direction UDP flows (4 inbound, 2 outbound) are replayed.

Run 1:
  callout unregister id <companion> / id <declared>   -> STATUS_DEVICE_BUSY (nothing changes)
  flow remove-context FLOWID LAYER CALLOUTID (each)   -> STATUS_SUCCESS
  the same again                                      -> STATUS_UNSUCCESSFUL
  callout unregister id <declared>                    -> STATUS_SUCCESS
  the same again                                      -> STATUS_FWP_CALLOUT_NOT_FOUND
Run 2 (fresh appliance):
  callout unregister key <declared GUID>              -> STATUS_DEVICE_BUSY
  flow remove-context all callout <companion>         -> one line per flow, STATUS_SUCCESS
  callout unregister key <declared GUID>              -> STATUS_SUCCESS, again NOT_FOUND
Each flowDeleteFn runs exactly once: after the removals the flows still exist
but list no context, and `show callouts` reports contexts 0.
"""

import sys

sys.dont_write_bytecode = True
import dfpe2e as e  # noqa: E402

DG = e.LAYER_IDS["DATAGRAM_DATA_V4"]
COUNTER_KEY = e.guid(0x10)


def config():
    return e.base_yaml() + (
        "sublayers:\n"
        "  - {name: monitor, key: %s, weight: 10}\n"
        "callouts:\n"
        "  - name: counter\n"
        "    key: %s\n"
        "    layer: ALE_FLOW_ESTABLISHED_V4\n"
        "    module: \"builtin:count\"\n"
        "filters:\n"
        "  - name: count-all\n"
        "    layer: ALE_FLOW_ESTABLISHED_V4\n"
        "    sublayer: monitor\n"
        "    action: callout_inspection\n"
        "    callout: counter\n" % (e.guid(0x11), COUNTER_KEY))


def traffic():
    wan, lan = [], []
    for i in range(4):
        wan += e.udp_flow("198.51.100.%d" % (10 + i), "10.0.0.10", 30000 + i, 7000 + i, 3,
                          "in%d" % i, inbound=True)
    for i in range(2):
        lan += e.udp_flow("10.0.0.20", "203.0.113.%d" % (10 + i), 31000 + i, 53, 2,
                          "out%d" % i, inbound=False)
    return wan, lan


N_FLOWS = 6
N_FRAMES = 4 * 3 + 2 * 2


def established(t, c):
    """Wait for the replay; return (flows, counter, companion) after checking the contexts."""
    c.wait_idle()
    s = c.stats()
    e.expect_eq(e.stat(s, "rx_packets"), N_FRAMES, "rx_packets")
    e.expect_eq(e.stat(s, "tx_packets"), N_FRAMES, "tx_packets (nothing blocks)")
    flows = c.flows()
    e.expect_eq(len(flows), N_FLOWS, "flows listed by show flows:\n  %s" %
                "\n  ".join(f.raw for f in flows))
    counter = c.callout("counter")
    comp = c.callout("counter.datagram")
    cid = int(comp["id"])
    for f in flows:
        e.expect_eq(f.proto, 17, "protocol of %r" % f)
        e.expect_eq(f.ctx, [(DG, cid)], "contexts of flow %r" % f.raw)
    e.expect_eq(counter.get("registered"), "yes", "counter registered")
    e.expect_eq(comp.get("registered"), "yes", "counter.datagram registered")
    e.expect_eq(e.to_int(comp.get("contexts", "-1")), N_FLOWS, "contexts of counter.datagram")
    return flows, counter, comp


def busy_changes_nothing(c, flows, comp, counter):
    flows2 = c.flows()
    e.expect_eq(sorted((f.id, tuple(f.ctx)) for f in flows2),
                sorted((f.id, tuple(f.ctx)) for f in flows),
                "flows and contexts after STATUS_DEVICE_BUSY")
    comp2 = c.callout("counter.datagram")
    e.expect_eq((comp2["registered"], comp2["contexts"]), ("yes", comp["contexts"]),
                "counter.datagram after STATUS_DEVICE_BUSY")
    e.expect_eq(c.callout("counter")["registered"], "yes", "counter after STATUS_DEVICE_BUSY")


def all_gone(c, n_flows):
    flows = c.flows()
    e.expect_eq(len(flows), n_flows, "flows still listed after the contexts were removed")
    for f in flows:
        e.expect_eq(f.ctx, [], "contexts of %r after removal" % f.raw)
    e.expect_eq(e.to_int(c.callout("counter.datagram")["contexts"]), 0,
                "contexts of counter.datagram after removal")


def check_reports(d, flows):
    """count's flowDeleteFn reported each flow exactly once, with its packets."""
    reps = e.count_reports(d.output(), "counter")
    e.expect_eq(sorted(r["flow"] for r in reps), sorted(f.id for f in flows),
                "flows in count's flowDeleteFn reports:\n  %s" % "\n  ".join(
                    r["line"] for r in reps))
    for r in reps:
        want = 3 if r["pin"] else 2   # inbound flows have 3 frames, outbound 2
        e.expect_eq((r["packets"], r["pin"] == 0 or r["pout"] == 0), (want, True),
                    "packets in %r" % r["line"])


def run1(t, wan, lan):
    d = t.dfp(config(), wan=wan, lan=lan)
    c = d.client()
    flows, counter, comp = established(t, c)
    cid, did = int(comp["id"]), int(counter["id"])

    c.cmd("callout unregister id %d" % cid, "STATUS_DEVICE_BUSY")
    busy_changes_nothing(c, flows, comp, counter)
    c.cmd("callout unregister id %d" % did, "STATUS_DEVICE_BUSY")
    busy_changes_nothing(c, flows, comp, counter)

    e.expect_eq(e.count_reports(d.output()), [], "count reports before any removal")
    for f in flows:
        for lay, callout in f.ctx:
            c.cmd("flow remove-context 0x%x %d %d" % (f.id, lay, callout), "STATUS_SUCCESS")
    check_reports(d, flows)
    for f in flows:
        for lay, callout in f.ctx:
            c.cmd("flow remove-context 0x%x %d %d" % (f.id, lay, callout), "STATUS_UNSUCCESSFUL")
    all_gone(c, N_FLOWS)

    c.cmd("callout unregister id %d" % did, "STATUS_SUCCESS")
    after = {o["name"]: o for o in c.callouts()}
    for name in ("counter", "counter.datagram", "counter.stream"):
        e.check(name in after, "%s no longer listed by show callouts after unregister" % name)
        e.expect_eq(after[name].get("registered"), "no", "%s registered after unregister" % name)
    c.cmd("callout unregister id %d" % did, "STATUS_FWP_CALLOUT_NOT_FOUND")
    c.cmd("callout unregister id %d" % cid, "STATUS_FWP_CALLOUT_NOT_FOUND")
    # Forwarding goes on without the callout (its inspection filter is skipped):
    # a second replay passes every frame and no flow gets a context.
    tx0 = e.stat(c.stats(), "tx_packets")
    c.cmd("stop")
    c.cmd("start")
    c.wait_idle()
    e.expect_eq(e.stat(c.stats(), "tx_packets") - tx0, N_FRAMES, "frames forwarded by the replay"
                " after unregistration")
    flows = c.flows()
    e.expect_eq(len(flows), N_FLOWS, "flows of the second replay")
    e.expect_eq([f.ctx for f in flows], [[]] * N_FLOWS, "contexts of the second replay's flows")
    e.expect_eq(d.quit(c), 0, "exit code after quit (run 1)")
    return set(f.key() for f in flows)


def run2(t, wan, lan):
    d = t.dfp(config(), wan=wan, lan=lan)
    c = d.client()
    flows, counter, comp = established(t, c)
    cid = int(comp["id"])

    c.cmd("callout unregister key %s" % COUNTER_KEY, "STATUS_DEVICE_BUSY")
    busy_changes_nothing(c, flows, comp, counter)

    lines = c.cmd("flow remove-context all callout %d" % cid, "STATUS_SUCCESS")
    # One line per flow, starting with its id and naming its status; other lines
    # (a summary) are allowed.
    listed = []
    for line in lines:
        tok = line.split()
        try:
            fid = e.to_int(tok[0])
        except (ValueError, IndexError):
            continue
        e.check("STATUS_SUCCESS" in line, "flow line without STATUS_SUCCESS: %r" % line)
        listed.append(fid)
    e.expect_eq(sorted(listed), sorted(f.id for f in flows),
                "flow ids in `flow remove-context all` output:\n  %s" % "\n  ".join(lines))
    all_gone(c, N_FLOWS)
    check_reports(d, flows)

    c.cmd("callout unregister key %s" % COUNTER_KEY, "STATUS_SUCCESS")
    c.cmd("callout unregister key %s" % COUNTER_KEY, "STATUS_FWP_CALLOUT_NOT_FOUND")
    e.expect_eq(d.quit(c), 0, "exit code after quit (run 2)")


def main(t):
    wan, lan = traffic()
    keys = run1(t, wan, lan)
    run2(t, wan, lan)
    # show flows named the flows by their addresses and ports (first packet's direction).
    want = set()
    for i in range(4):
        want.add((17, "198.51.100.%d" % (10 + i), 30000 + i, "10.0.0.10", 7000 + i))
    for i in range(2):
        want.add((17, "10.0.0.20", 31000 + i, "203.0.113.%d" % (10 + i), 53))
    e.expect_eq(keys, want, "flows of show flows (proto, src, sport, dst, dport)")


e.run("unregister_busy", main)
