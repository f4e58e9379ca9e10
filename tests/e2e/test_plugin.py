#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Callout modules loaded from shared objects (DESIGN §1 "Callouts are code", §6).

With --plugin (the tree's example port_block plugin): declared at
ALE_AUTH_CONNECT_V4 with param port 6667, one terminating filter naming it.
Outbound UDP flows to remote ports 6667 (blocked) and 6668 (passes), and an
inbound flow from remote port 6667 (a different layer: passes).

With --bad-abi-plugin (a plugin built with another module ABI version):
- `--check-config` of a config naming it exits 1 with a `FILE:LINE:COL:`
  line at its `module:` value that names the ABI problem;
- starting the appliance with that config exits 1 (a configuration error);
- on a running appliance, `config load` of such a file is refused with a
  FILE:LINE:COL line (and `callout add ... module PATH` too: the console
  takes built-in modules only), and the appliance keeps forwarding.
"""

import os
import sys

sys.dont_write_bytecode = True
import dfpe2e as e  # noqa: E402

LAYER = "ALE_AUTH_CONNECT_V4"
BLOCKED_PORT = 6667


def plugin_config(path):
    return e.base_yaml() + (
        "sublayers:\n"
        "  - {name: plug, key: %s, weight: 10}\n"
        "callouts:\n"
        "  - name: blocker\n"
        "    key: %s\n"
        "    layer: %s\n"
        "    module: \"%s\"\n"
        "    params: {port: %d}\n"
        "filters:\n"
        "  - name: block-by-plugin\n"
        "    layer: %s\n"
        "    sublayer: plug\n"
        "    action: callout_terminating\n"
        "    callout: blocker\n" % (e.guid(0x71), e.guid(0x72), LAYER, path, BLOCKED_PORT, LAYER))


def module_line(text):
    """(line, col) of the `module:` value in the config text (1-based)."""
    for i, line in enumerate(text.splitlines(), 1):
        k = line.find("module: ")
        if k >= 0:
            return i, k + len("module: ") + 1
    e.fail("no module: line")


def traffic():
    lan = (e.udp_flow("10.0.0.80", "203.0.113.80", 45000, BLOCKED_PORT, 3, "blocked",
                      inbound=False) +
           e.udp_flow("10.0.0.80", "203.0.113.80", 45001, BLOCKED_PORT + 1, 3, "passed",
                      inbound=False))
    wan = e.udp_flow("203.0.113.81", "10.0.0.81", BLOCKED_PORT, 45002, 2, "inbound")
    return wan, lan


def run_good(t):
    wan, lan = traffic()
    d = t.dfp(plugin_config(os.path.abspath(t.plugin)), wan=wan, lan=lan)
    c = d.client()
    c.wait_idle()
    blocker = c.callout("blocker")
    e.expect_eq(blocker.get("registered"), "yes", "plugin callout registered")
    e.expect_eq([p.payload for p in d.out_packets("wan")], [b"passed-0", b"passed-1",
                                                            b"passed-2"],
                "frames out of wan (outbound: 6667 blocked, 6668 passes)")
    e.expect_eq([p.payload for p in d.out_packets("lan")], [b"inbound-0", b"inbound-1"],
                "frames out of lan (inbound, no filter at its layer)")
    s = c.stats()
    e.expect_eq({k: v for k, v in e.drops(s).items() if v}, {"filter_block": 3}, "drops")
    e.check(any(k.startswith("callout blocker") for k in s),
            "no `callout blocker: ...` line in show stats")
    e.expect_eq(d.quit(c), 0, "exit code after quit")


def run_bad(t):
    bad = os.path.abspath(t.bad_abi_plugin)
    text = plugin_config(bad)
    path = t.write("bad-abi.yaml", text)
    line, col = module_line(text)

    def abi_error(output, what):
        locs = e.loc_lines(output, path)
        e.check(locs, "%s: no %s:LINE:COL: line; output:\n%s" % (what, path, output[-1500:]))
        hits = [x for x in locs if x[0] == line]
        e.check(hits, "%s: no error on line %d (the module: value): %r" % (what, line, locs))
        msg = " ".join(x[2] for x in hits).lower()
        e.check("abi" in msg or "version" in msg,
                "%s: the message does not name the ABI problem: %r" % (what, msg))

    rc, out, err = e.run_cmd([t.dfp_path] + e.eal_min("dfpe2e-plg-%d" % os.getpid()) +
                             ["--", "--check-config", "-f", path])
    e.expect_eq(rc, 1, "--check-config exit code with a bad-ABI plugin")
    abi_error(out + "\n" + err, "--check-config")

    wan, lan = traffic()
    d = t.dfp(path, wan=wan, lan=lan, start=False)
    d.start(wait=False)
    rc = d.wait_exit(20)
    e.expect_eq(rc, 1, "exit code of a start-up with a bad-ABI plugin")
    abi_error(d.output(), "start-up")

    # A running appliance refuses it and keeps going.
    d = t.dfp(e.base_yaml(), wan=wan, lan=lan)
    c = d.client()
    c.wait_idle()
    e.expect_eq(len(d.out("wan")), 6, "frames out of wan before")
    # The console adds built-in modules only (README): a plugin path is refused there.
    r = c.send("callout add bad key %s layer %s module %s" % (e.guid(0x73), LAYER, bad))
    e.check(r.status != "STATUS_SUCCESS", "callout add with a bad-ABI plugin succeeded")
    r = c.send("config load %s" % path)
    e.check(r.status != "STATUS_SUCCESS", "config load with a bad-ABI plugin succeeded")
    e.check(e.loc_lines("\n".join(r.lines), path), "config load: no FILE:LINE:COL line: %r"
            % r.lines)
    names = [o["name"] for o in c.callouts()]
    e.check("bad" not in names and "blocker" not in names, "refused callouts listed: %r" % names)
    c.cmd("stop")
    c.cmd("start")
    c.wait_idle()
    e.expect_eq(len(d.out("wan")), 6, "frames out of wan after the refusals")
    e.expect_eq(len(d.out("lan")), 2, "frames out of lan after the refusals")
    e.expect_eq(d.quit(c), 0, "exit code after quit")


def main(t):
    e.check(t.plugin or t.bad_abi_plugin, "neither --plugin nor --bad-abi-plugin given")
    if t.plugin:
        run_good(t)
    if t.bad_abi_plugin:
        run_bad(t)


e.run("plugin", main)
