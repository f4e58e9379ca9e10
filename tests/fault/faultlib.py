# SPDX-License-Identifier: BSD-3-Clause
"""Helpers of the fault-injection suite (tests/fault): dfpe2e plus what every
fault test checks.

Every test injects one fault into the real appliance (app/dfp on net_pcap
ports, or net_af_packet in a network namespace) and asserts two things:

- the counted outcome: the counter or drop reason the fault must show up in
  (`show stats`, `show port stats all`, `show port info all`), and
- the closed accounting: received = transmitted + dropped by reason + held,
  both dfp's own (`show stats`) and on the wire (frames in the input pcaps =
  RX-packets + RX-nombuf of the ports; frames in the output pcaps =
  tx_packets).

Plugins come from the environment (tests/fault/meson.build):
DFP_FAULT_PLUGIN (tests/fault/plugin_faulty.c), DFP_FAULT_ABI99 and
DFP_FAULT_NOSYM (tests/module's refused plugins).
"""

import os
import re
import sys

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.normpath(os.path.join(HERE, "..", "e2e")))
import dfpe2e as e  # noqa: E402

PORT_HDR_RE = re.compile(r"NIC statistics for port (\d+)")
PORT_KV_RE = re.compile(r"([A-Za-z][A-Za-z-]*):\s+(\d+)")


def plugin_path(var):
    """A plugin's path from the environment, or fail (meson sets them)."""
    p = os.environ.get(var)
    e.check(p and os.path.isfile(p), "%s is not set to a plugin (run through meson)" % var)
    return os.path.abspath(p)


def port_stats(client):
    """`show port stats all` → {port_id: {"RX-packets": n, "RX-nombuf": n, ...}}."""
    lines = client.cmd("show port stats all")
    out, cur = {}, None
    for line in lines:
        m = PORT_HDR_RE.search(line)
        if m:
            cur = out.setdefault(int(m.group(1)), {})
            continue
        if cur is None or "Throughput" in line:
            continue
        for k, v in PORT_KV_RE.findall(line):
            if k.startswith(("RX-", "TX-")) and not k.endswith(("pps", "bps")):
                cur[k] = int(v)
    e.check(set(out) == {0, 1}, "show port stats all: ports %r, not 0 and 1:\n%s" % (
        sorted(out), "\n".join(lines)))
    return out


def port_info(client):
    """`show port info all` → {port_id: {"Link status": "up", "Link changes": "1 (down 1)"}}."""
    out, cur = {}, None
    for line in client.cmd("show port info all"):
        m = re.search(r"Infos for port (\d+)", line)
        if m:
            cur = out.setdefault(int(m.group(1)), {})
            continue
        if cur is not None and ": " in line:
            k, v = line.split(": ", 1)
            cur[k.strip()] = v.strip()
    return out


def link_changes(info):
    """(changes, downs) from a port_info() entry's `Link changes: N (down M)`."""
    m = re.match(r"(\d+) \(down (\d+)\)", info.get("Link changes", ""))
    e.check(m, "no `Link changes: N (down M)` line in show port info: %r" % info)
    return int(m.group(1)), int(m.group(2))


def expect_closed(stats, what):
    """dfp's accounting closes: rx == tx + drops by reason + held. Returns the parts."""
    rx, tx, dropped, held, ok = e.accounting(stats)
    e.check(ok, "%s: accounting does not close: rx %d != tx %d + dropped %d + held %d "
            "(drops %r)" % (what, rx, tx, dropped, held, nonzero(e.drops(stats))))
    return rx, tx, dropped, held


def nonzero(d):
    return {k: v for k, v in d.items() if v}


def expect_wire(d, c, n_in, what):
    """On the wire: frames in = RX-packets + RX-nombuf + RX-missed; frames out = tx_packets."""
    ps = port_stats(c)
    s = c.stats()
    rx = sum(p.get("RX-packets", 0) for p in ps.values())
    lost = sum(p.get("RX-nombuf", 0) + p.get("RX-missed", 0) for p in ps.values())
    e.expect_eq(rx + lost, n_in, "%s: input frames = RX-packets %d + RX-nombuf/missed %d" % (
        what, rx, lost))
    e.expect_eq(e.stat(s, "rx_packets"), rx, "%s: dfp rx_packets = ports' RX-packets" % what)
    n_out = len(d.out("wan")) + len(d.out("lan"))
    e.expect_eq(n_out, e.stat(s, "tx_packets"), "%s: frames in the output pcaps = tx_packets"
                % what)
    return ps, s


def verdict_yaml(layer="ALE_AUTH_RECV_ACCEPT_V4", default="permit", flows=None,
                 cond="      - {field: IP_LOCAL_PORT, match: equal, value: 7000}\n"):
    """base_yaml + `verdict` (gate) at layer pending new flows that match cond."""
    return e.base_yaml(flows=flows) + (
        "sublayers:\n"
        "  - {name: gate, key: %s, weight: 10}\n"
        "callouts:\n"
        "  - name: gate\n"
        "    key: %s\n"
        "    layer: %s\n"
        "    module: \"builtin:verdict\"\n"
        "    params: {default: %s}\n"
        "filters:\n"
        "  - name: pend-new\n"
        "    layer: %s\n"
        "    sublayer: gate\n"
        "    action: callout_terminating\n"
        "    callout: gate\n"
        "    conditions:\n%s"
        % (e.guid(0xF1), e.guid(0xF2), layer, default, layer, cond))


def complete_all(c, verdict="permit"):
    """`pend complete H VERDICT` for every handle `show pended` lists; returns their count."""
    handles = [p["id"] for p in c.pended()]
    for h in handles:
        c.cmd("pend complete 0x%x %s" % (h, verdict))
    return len(handles)


def log_lines(text, *needles):
    """Lines of text holding every needle (case-insensitive)."""
    return [ln for ln in text.splitlines() if all(n.lower() in ln.lower() for n in needles)]
