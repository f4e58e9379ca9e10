#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""N2/N3 through the control socket: deleting a callout's management object
while a filter names it (spec §4.1, FwpmCalloutDeleteByKey0/ById0).

  callout delete key GUID   (filter count-a names it)   -> STATUS_FWP_IN_USE
  filter delete count-a                                  -> STATUS_SUCCESS
  callout delete key GUID                                -> STATUS_SUCCESS
  callout delete key GUID                                -> STATUS_FWP_CALLOUT_NOT_FOUND
and the same by id with a second callout (filter deleted by its id), and
unknown keys/ids -> STATUS_FWP_CALLOUT_NOT_FOUND.  Deleting a filter twice ->
STATUS_FWP_FILTER_NOT_FOUND.  The remaining rule base then forwards as configured.
"""

import sys

sys.dont_write_bytecode = True
import dfpe2e as e  # noqa: E402

KEY_A = e.guid(0x21)
KEY_B = e.guid(0x22)
UNKNOWN = e.guid(0x2F)


def config():
    return e.base_yaml() + (
        "sublayers:\n"
        "  - {name: monitor, key: %s, weight: 10}\n"
        "callouts:\n"
        "  - name: count-a\n"
        "    key: %s\n"
        "    layer: ALE_FLOW_ESTABLISHED_V4\n"
        "    module: \"builtin:count\"\n"
        "  - name: count-b\n"
        "    key: %s\n"
        "    layer: ALE_FLOW_ESTABLISHED_V4\n"
        "    module: \"builtin:count\"\n"
        "filters:\n"
        "  - name: filter-a\n"
        "    layer: ALE_FLOW_ESTABLISHED_V4\n"
        "    sublayer: monitor\n"
        "    weight: 2\n"
        "    action: callout_inspection\n"
        "    callout: count-a\n"
        "  - name: filter-b\n"
        "    layer: ALE_FLOW_ESTABLISHED_V4\n"
        "    sublayer: monitor\n"
        "    weight: 1\n"
        "    action: callout_inspection\n"
        "    callout: count-b\n"
        "  - name: block-7777\n"
        "    layer: INBOUND_TRANSPORT_V4\n"
        "    sublayer: monitor\n"
        "    action: block\n"
        "    conditions:\n"
        "      - {field: IP_LOCAL_PORT, match: equal, value: 7777}\n"
        % (e.guid(0x20), KEY_A, KEY_B))


def main(t):
    wan = (e.udp_flow("198.51.100.9", "10.0.0.9", 5000, 7777, 2, "blocked") +
           e.udp_flow("198.51.100.9", "10.0.0.9", 5001, 8888, 3, "passed"))
    # Forwarding starts only after the deletions: no flow holds a context of
    # these callouts while their management objects go.
    d = t.dfp(config(), wan=wan, lan=[], auto_start=False)
    c = d.client()

    def forwarded():
        return [p.payload for p in d.out_packets("lan")]

    expect_out = [b"passed-0", b"passed-1", b"passed-2"]

    names = {o["name"] for o in c.callouts()}
    for n in ("count-a", "count-b"):
        e.check(n in names, "%s not listed by show callouts: %s" % (n, sorted(names)))
    id_b = int(c.callout("count-b")["id"])
    filters = c.filters()
    fid_b = int(e.find_one(filters, "show filters", name="filter-b")["id"])
    e.find_one(filters, "show filters", name="filter-a")

    # By key.
    c.cmd("callout delete key %s" % KEY_A, "STATUS_FWP_IN_USE")
    e.expect_eq(e.find_one(c.callouts(), "show callouts", name="count-a")["key"].lower(),
                KEY_A, "count-a still listed after STATUS_FWP_IN_USE")
    c.cmd("filter delete filter-a", "STATUS_SUCCESS")
    c.cmd("filter delete filter-a", "STATUS_FWP_FILTER_NOT_FOUND")
    c.cmd("callout delete key %s" % KEY_A, "STATUS_SUCCESS")
    c.cmd("callout delete key %s" % KEY_A, "STATUS_FWP_CALLOUT_NOT_FOUND")

    # By id.
    c.cmd("callout delete id %d" % id_b, "STATUS_FWP_IN_USE")
    c.cmd("filter delete %d" % fid_b, "STATUS_SUCCESS")
    c.cmd("filter delete %d" % fid_b, "STATUS_FWP_FILTER_NOT_FOUND")
    c.cmd("callout delete id %d" % id_b, "STATUS_SUCCESS")
    c.cmd("callout delete id %d" % id_b, "STATUS_FWP_CALLOUT_NOT_FOUND")

    # Unknown objects (N3).
    c.cmd("callout delete key %s" % UNKNOWN, "STATUS_FWP_CALLOUT_NOT_FOUND")
    c.cmd("callout unregister key %s" % UNKNOWN, "STATUS_FWP_CALLOUT_NOT_FOUND")
    c.cmd("callout delete id 999999", "STATUS_FWP_CALLOUT_NOT_FOUND")
    c.cmd("callout unregister id 999999", "STATUS_FWP_CALLOUT_NOT_FOUND")

    left = {f["name"] for f in c.filters()}
    e.check("filter-a" not in left and "filter-b" not in left,
            "deleted filters still listed: %s" % sorted(left))
    e.check("block-7777" in left, "block-7777 missing from show filters: %s" % sorted(left))

    # The rest of the rule base works.
    c.cmd("start")
    c.wait_idle()
    e.expect_eq(forwarded(), expect_out, "frames out of lan")
    s = c.stats()
    e.expect_eq((e.stat(s, "rx_packets"), e.stat(s, "tx_packets")), (5, 3), "rx/tx packets")
    e.expect_eq({k: v for k, v in e.drops(s).items() if v}, {"filter_block": 2}, "drops")
    e.expect_eq(d.quit(c), 0, "exit code after quit")


e.run("callout_in_use", main)
