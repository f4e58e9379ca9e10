#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""A module's log lines written on a worker reach the log without a syscall there.

`count` (log on) gives 8 inbound UDP flows a context; the flows age out after
1 s of silence, so their flowDeleteFn runs on the worker that owns them.  The
appliance queues those lines (app/dfp/app_log.c) and its control thread writes
them out while it keeps running:

- every flow's report appears in the output before `quit`, with its frames
  counted;
- `show stats` counts exactly those lines as queued by workers
  (worker_log_lines: 8) and none dropped;
- `quit` afterwards prints no report a second time.
"""

import sys
import time

sys.dont_write_bytecode = True
import dfpe2e as e  # noqa: E402

N_FLOWS = 8
FRAMES = 3


def config():
    return e.base_yaml(flows={"idle_timeout_s": 1}) + (
        "sublayers:\n"
        "  - {name: watch, key: %s, weight: 10}\n"
        "callouts:\n"
        "  - name: counter\n"
        "    key: %s\n"
        "    layer: ALE_FLOW_ESTABLISHED_V4\n"
        "    module: \"builtin:count\"\n"
        "    params: {log: yes}\n"
        "filters:\n"
        "  - name: count-all\n"
        "    layer: ALE_FLOW_ESTABLISHED_V4\n"
        "    sublayer: watch\n"
        "    action: callout_inspection\n"
        "    callout: counter\n"
        % (e.guid(0x71), e.guid(0x72)))


def main(t):
    wan = []
    for i in range(N_FLOWS):
        wan += e.udp_flow("198.51.100.%d" % (80 + i), "10.0.0.80", 40000 + i, 7200 + i,
                          FRAMES, "w%d" % i, inbound=True)
    d = t.dfp(config(), wan=wan, lan=[])
    c = d.client()
    c.wait_stats(lambda s: e.stat(s, "rx_packets") == len(wan), "all frames in", timeout=10)

    deadline = time.monotonic() + 15
    reps = []
    while time.monotonic() < deadline:
        reps = e.count_reports(d.output(), "counter")
        if len(reps) >= N_FLOWS:
            break
        time.sleep(0.1)
    e.expect_eq(len(reps), N_FLOWS, "flowDeleteFn reports while running (flows aged out on "
                "the worker):\n  %s" % "\n  ".join(r["line"] for r in reps))
    e.expect_eq(sorted(r["dport"] for r in reps), [7200 + i for i in range(N_FLOWS)],
                "ports of the reported flows")
    for r in reps:
        e.expect_eq(r["packets"], FRAMES, "packets in %r" % r["line"])

    s = c.stats()
    e.expect_eq(e.stat(s, "worker_log_lines"), N_FLOWS, "worker_log_lines (queued by workers)")
    e.expect_eq(e.stat(s, "worker_log_dropped"), 0, "worker_log_dropped")
    e.expect_eq(len(c.flows()), 0, "flows left after aging")

    rc = d.quit(c)
    e.expect_eq(rc, 0, "exit code after quit")
    e.expect_eq(len(e.count_reports(d.output(), "counter")), N_FLOWS,
                "count reports after quit (none twice)")


e.run("worker_log", main)
