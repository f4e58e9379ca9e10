#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Fault: a plugin with the wrong ABI version, and one without the descriptor symbol.

For each bad plugin (tests/module's plugin_abi99.so and plugin_nosym.so):

- `--check-config` of a config naming it exits 1 with a FILE:LINE:COL line
  at its `module:` value naming the file and the problem (ABI version;
  missing symbol dfp_module_descriptor);
- starting the appliance with that config exits 1 with the same line;
- a running appliance (its own filter blocking local port 23, a `count`
  callout) refuses `config load` of a file adding a callout on that plugin
  with a FILE:LINE:COL line, and keeps everything else: the same filters
  and callouts, and the traffic (3 frames to port 23 blocked, 3 to port 80
  forwarded) is handled exactly as before the refusal after a stop/start
  (net_pcap replays its capture): drops by reason, tx, closed accounting.
"""

import os
import sys

sys.dont_write_bytecode = True
import faultlib as fl  # noqa: E402

e = fl.e


def running_config():
    return e.base_yaml() + (
        "sublayers:\n"
        "  - {name: base, key: %s, weight: 10}\n"
        "callouts:\n"
        "  - {name: counter, key: %s, layer: ALE_FLOW_ESTABLISHED_V4, module: \"builtin:count\"}\n"
        "filters:\n"
        "  - {name: count-all, layer: ALE_FLOW_ESTABLISHED_V4, sublayer: base,\n"
        "     action: callout_inspection, callout: counter}\n"
        "  - name: block-23\n"
        "    layer: INBOUND_TRANSPORT_V4\n"
        "    sublayer: base\n"
        "    action: block\n"
        "    conditions:\n"
        "      - {field: IP_LOCAL_PORT, match: equal, value: 23}\n" % (e.guid(0xD0), e.guid(0xD1)))


def bad_config(plugin):
    return e.base_yaml() + (
        "callouts:\n"
        "  - name: bad\n"
        "    key: %s\n"
        "    layer: INBOUND_TRANSPORT_V4\n"
        "    module: \"%s\"\n"
        "filters:\n"
        "  - {name: by-bad, layer: INBOUND_TRANSPORT_V4, action: callout_terminating,\n"
        "     callout: bad}\n" % (e.guid(0xD2), plugin))


def module_pos(text):
    for i, line in enumerate(text.splitlines(), 1):
        k = line.find("module: ")
        if k >= 0:
            return i, k + len("module: ") + 1
    e.fail("no module: line")


def traffic():
    return (e.udp_flow("198.51.100.95", "10.0.0.74", 24000, 23, 3, "telnet") +
            e.udp_flow("198.51.100.95", "10.0.0.74", 24001, 80, 3, "web"))


def check_error(output, path, line, words, what):
    locs = [x for x in e.loc_lines(output, path) if x[0] == line]
    e.check(locs, "%s: no %s:%d:COL: line; output:\n%s" % (what, path, line, output[-1500:]))
    msg = " ".join(x[2] for x in locs).lower()
    e.check(any(w in msg for w in words), "%s: the message does not name the problem (%s): %r"
            % (what, "/".join(words), msg))


def snapshot(c):
    s = c.stats()
    return (sorted(f["name"] for f in c.filters()), sorted(o["name"] for o in c.callouts()),
            fl.nonzero(e.drops(s)), e.stat(s, "rx_packets"), e.stat(s, "tx_packets"))


def one(t, var, words):
    plugin = fl.plugin_path(var)
    name = os.path.basename(plugin)
    text = bad_config(plugin)
    path = t.write("bad-%s.yaml" % name, text)
    line, _ = module_pos(text)

    rc, out, err = e.run_cmd([t.dfp_path] + e.eal_min("dfpflt-%d" % os.getpid()) +
                             ["--", "--check-config", "-f", path])
    e.expect_eq(rc, 1, "%s: --check-config exit code" % name)
    check_error(out + "\n" + err, path, line, words, "%s: --check-config" % name)

    d = t.dfp(path, wan=traffic(), lan=[], start=False)
    d.start(wait=False)
    e.expect_eq(d.wait_exit(20), 1, "%s: exit code of a start-up naming it" % name)
    check_error(d.output(), path, line, words, "%s: start-up" % name)

    d = t.dfp(running_config(), wan=traffic(), lan=[])
    c = d.client()
    c.wait_idle()
    before = snapshot(c)
    e.expect_eq(before[2:], ({"filter_block": 3}, 6, 3), "%s: drops, rx, tx before" % name)
    r = c.send("config load %s" % path)
    e.check(r.status != "STATUS_SUCCESS", "%s: config load succeeded" % name)
    check_error("\n".join(r.lines), path, line, words, "%s: config load" % name)
    e.expect_eq(snapshot(c), before, "%s: filters, callouts, drops, rx, tx after the refusal"
                % name)
    # The same traffic again: handled as before.
    c.cmd("stop")
    c.cmd("clear port stats all")
    c.cmd("start")
    c.wait_idle()
    s = c.stats()
    e.expect_eq(fl.nonzero(e.drops(s)), {"filter_block": 3}, "%s: drops after the refusal"
                % name)
    e.expect_eq(fl.expect_closed(s, "%s: after the refusal" % name), (6, 3, 3, 0),
                "%s: rx, tx, dropped, held after the refusal" % name)
    fl.expect_wire(d, c, 6, "%s: after the refusal" % name)
    e.expect_eq(d.quit(c), 0, "%s: exit code after quit" % name)


def main(t):
    one(t, "DFP_FAULT_ABI99", ("abi", "version"))
    one(t, "DFP_FAULT_NOSYM", ("dfp_module_descriptor", "symbol"))


e.run("fault_plugin", main)
