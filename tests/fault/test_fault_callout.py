#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Faults of callout code (tests/fault/plugin_faulty.c, loaded from the YAML).

Three callouts of the misbehaving plugin in one appliance:

- `staller` (fault pend_forever, default permit) at ALE_AUTH_RECV_ACCEPT_V4
  pends new inbound flows to local port 7000 and never completes nor
  releases them: pend timeout path. Two flows of 3 frames are held (6);
  after flows.pend_timeout_ms the pends time out to the default (permit):
  pend_timeouts 2, the 6 held frames leave lan, nothing is held.
- `leaker` (fault leak) at INBOUND_TRANSPORT_V4 acquires a classify handle
  for every inbound frame and never releases it (8 frames: 8 handles).
  Handles never released are reported, not leaked silently:
  `callout unregister` of staller logs a line naming it and the 2 handles
  it kept, show stats counts handles_orphaned 2; at quit the shutdown
  unregisters leaker, which logs a line naming it and its 8 handles, and
  the final statistics show handles_orphaned 10.
- `refuser` (fault notify_fail) at INBOUND_TRANSPORT_V4 fails its notifyFn:
  `filter add` naming it fails with STATUS_FWP_CALLOUT_NOTIFICATION_FAILED
  and adds nothing (spec N9); `config load` of a file whose filter names it
  is refused with that status and changes nothing (filters, callouts).
  (A callout registered only after its filters exist is not notified of
  them, spec §4.3: a config load declaring such a callout succeeds.)

Throughout, the accounting closes: rx 8 = tx 8 (the 2 frames to port 7001
pass at once, the 6 held ones after the timeout).
"""

import sys

sys.dont_write_bytecode = True
import faultlib as fl  # noqa: E402

e = fl.e
PEND_TIMEOUT_MS = 3000
K_STALL, K_LEAK, K_REFUSE = e.guid(0xC1), e.guid(0xC2), e.guid(0xC3)


def config(plugin):
    return e.base_yaml(flows={"pend_timeout_ms": PEND_TIMEOUT_MS}) + (
        "sublayers:\n"
        "  - {name: faults, key: %s, weight: 10}\n"
        "callouts:\n"
        "  - {name: staller, key: %s, layer: ALE_AUTH_RECV_ACCEPT_V4, module: \"%s\",\n"
        "     params: {fault: pend_forever, default: permit}}\n"
        "  - {name: leaker, key: %s, layer: INBOUND_TRANSPORT_V4, module: \"%s\",\n"
        "     params: {fault: leak}}\n"
        "  - {name: refuser, key: %s, layer: INBOUND_TRANSPORT_V4, module: \"%s\",\n"
        "     params: {fault: notify_fail}}\n"
        "filters:\n"
        "  - name: stall-7000\n"
        "    layer: ALE_AUTH_RECV_ACCEPT_V4\n"
        "    sublayer: faults\n"
        "    action: callout_terminating\n"
        "    callout: staller\n"
        "    conditions:\n"
        "      - {field: IP_LOCAL_PORT, match: equal, value: 7000}\n"
        "  - name: leak-all\n"
        "    layer: INBOUND_TRANSPORT_V4\n"
        "    sublayer: faults\n"
        "    action: callout_terminating\n"
        "    callout: leaker\n"
        % (e.guid(0xC0), K_STALL, plugin, K_LEAK, plugin, K_REFUSE, plugin))


def late_config():
    """A config load: a new filter naming refuser (registered: its notifyFn refuses)."""
    return e.base_yaml(flows={"pend_timeout_ms": PEND_TIMEOUT_MS}) + (
        "filters:\n"
        "  - {name: late-filter, layer: INBOUND_TRANSPORT_V4, action: callout_terminating,\n"
        "     callout: %s}\n" % K_REFUSE)


def describe(stats, name):
    return stats.get("callout %s" % name, "")


def main(t):
    plugin = fl.plugin_path("DFP_FAULT_PLUGIN")
    wan = (e.udp_flow("198.51.100.91", "10.0.0.73", 23000, 7000, 3, "P") +
           e.udp_flow("198.51.100.92", "10.0.0.73", 23001, 7000, 3, "Q") +
           e.udp_flow("198.51.100.93", "10.0.0.73", 23002, 7001, 2, "R"))
    n_in = len(wan)
    d = t.dfp(config(plugin), wan=wan, lan=[])
    c = d.client()

    # The pend that never completes: held until the timeout.
    s = c.wait_stats(lambda s: e.stat(s, "rx_packets") == n_in and e.held_now(s) == 6,
                     "8 frames in, 6 held by staller's pends", timeout=PEND_TIMEOUT_MS / 1000.0)
    e.expect_eq(e.stat(s, "tx_packets"), 2, "tx_packets while pended")
    fl.expect_closed(s, "while pended")
    s = c.wait_stats(lambda s: e.stat(s, "pend_timeouts") == 2 and e.held_now(s) == 0,
                     "staller's 2 pends timed out", timeout=PEND_TIMEOUT_MS / 1000.0 + 10)
    rx, tx, dropped, held = fl.expect_closed(s, "after the timeouts")
    e.expect_eq((rx, tx, dropped, held), (n_in, n_in, 0, 0),
                "rx, tx, dropped, held after the timeouts (default permit)")
    fl.expect_wire(d, c, n_in, "after the timeouts")
    e.expect_eq(e.stat(s, "handles_in_use"), 2 + n_in,
                "handles_in_use: staller's 2 and leaker's 8, never released")
    e.expect_eq(e.stat(s, "handles_orphaned"), 0, "handles_orphaned before any unregister")
    e.check("acquired %d " % n_in in describe(s, "leaker"), "leaker: %r" % describe(s, "leaker"))
    e.check("pended 2 " in describe(s, "staller"), "staller: %r" % describe(s, "staller"))

    # Unregistering a callout that kept handles reports them.
    c.cmd("callout unregister key %s" % K_STALL)
    s = c.stats()
    e.expect_eq(e.stat(s, "handles_orphaned"), 2, "handles_orphaned after staller's unregister")
    c.cmd("callout unregister key %s" % K_STALL, expect="STATUS_FWP_CALLOUT_NOT_FOUND")
    e.expect_eq(e.stat(c.stats(), "handles_orphaned"), 2, "handles_orphaned counted once")
    lines = fl.log_lines(d.output(), "staller", "never released")
    e.expect_eq(len(lines), 1, "log lines naming staller's unreleased handles")
    e.check("2 classify handle" in lines[0], "staller's count in %r" % lines[0])

    # notifyFn fails: the filter is not added, nothing changes.
    before = sorted(f["name"] for f in c.filters())
    callouts = sorted(o["name"] for o in c.callouts())
    r = c.send("filter add refused layer INBOUND_TRANSPORT_V4 sublayer faults "
               "action callout_terminating callout refuser")
    e.expect_eq(r.status, "STATUS_FWP_CALLOUT_NOTIFICATION_FAILED", "filter add naming refuser")
    e.expect_eq(sorted(f["name"] for f in c.filters()), before, "filters after the refused add")
    path = t.write("late.yaml", late_config())
    r = c.send("config load %s" % path)
    e.expect_eq(r.status, "STATUS_FWP_CALLOUT_NOTIFICATION_FAILED",
                "config load of a filter naming refuser; output: %r" % (r.lines,))
    e.expect_eq(sorted(f["name"] for f in c.filters()), before, "filters after the refused load")
    e.expect_eq(sorted(o["name"] for o in c.callouts()), callouts,
                "callouts after the refused load")
    s = c.stats()
    e.check("notify_refused 2 " in describe(s, "refuser"), "refuser: %r" % describe(s, "refuser"))
    fl.expect_closed(s, "after the refusals")

    # Shutdown unregisters leaker: its 8 handles are reported by name.
    e.expect_eq(d.quit(c), 0, "exit code after quit")
    fin = e.parse_stats(d.stdout().splitlines())
    e.expect_eq(e.stat(fin, "handles_orphaned"), 2 + n_in, "final handles_orphaned")
    e.expect_eq(fl.expect_closed(fin, "final statistics"), (n_in, n_in, 0, 0),
                "final rx, tx, dropped, held")
    lines = fl.log_lines(d.output(), "leaker", "never released")
    e.expect_eq(len(lines), 1, "log lines naming leaker's unreleased handles")
    e.check("%d classify handle" % n_in in lines[0], "leaker's count in %r" % lines[0])


e.run("fault_callout", main)
