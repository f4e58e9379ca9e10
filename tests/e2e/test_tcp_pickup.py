#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Which TCP segments open a flow (flows tcp_pickup), end to end.

builtin:conn_limit (max 8) is the terminating callout of a filter at
ALE_AUTH_RECV_ACCEPT_V4 for local port 7000. Arriving on wan: a lone ACK,
a lone RST, a FIN+ACK and a SYN+ACK, each of a connection the appliance
never saw, then a SYN of a new connection.

  tcp_pickup: no (default)  only the SYN opens a flow: the limiter admits 1;
                            the four strays are drop.tcp_no_flow, not
                            classified (limit-7000 hits 1); only the SYN
                            comes out of lan
  tcp_pickup: yes           every segment opens a flow authorised afresh:
                            admitted 5, hits 5, no drop, all out of lan

The running appliance refuses a `config load` whose tcp_pickup differs
(flows settings differ from the running ones).
"""

import re
import sys

sys.dont_write_bytecode = True
import dfpe2e as e  # noqa: E402

LOCAL = "10.0.0.80"
REMOTE = "198.51.100.80"
LPORT = 7000
RA = "ALE_AUTH_RECV_ACCEPT_V4"
STRAYS = [(41001, "A"), (41002, "R"), (41003, "FA"), (41004, "SA")]
SYN_PORT = 41005


def config(pickup):
    flows = {} if pickup is None else {"tcp_pickup": pickup}
    return e.base_yaml(flows=flows) + (
        "sublayers:\n"
        "  - {name: limits, key: %s, weight: 100}\n"
        "callouts:\n"
        "  - {name: limiter, key: %s, layer: %s, module: \"builtin:conn_limit\","
        " params: {max: 8}}\n"
        "filters:\n"
        "  - {name: limit-7000, layer: %s, sublayer: limits, action: callout_terminating,"
        " callout: limiter,"
        " conditions: [{field: IP_LOCAL_PORT, match: equal, value: %d}]}\n"
        % (e.guid(0x801), e.guid(0x802), RA, RA, LPORT))


def frames():
    out = []
    for rport, flags in STRAYS + [(SYN_PORT, "S")]:
        out.append(e.mkpcap.tcp_frame(REMOTE, LOCAL, rport, LPORT, flags, 1000, 1 if "A" in flags
                                      else 0, b"", e.mkpcap.DEMO_ROUTER_MAC,
                                      e.mkpcap.DEMO_INSIDE_MAC))
    return out


def limiter_counters(stats):
    text = str(e.stat(stats, "callout limiter"))
    return {k: int(v) for k, v in re.findall(r"\b([a-z_]+) (\d+)\b", text)}


def run_case(t, pickup):
    what = "tcp_pickup %s" % (pickup or "(default)")
    wan = frames()
    d = t.dfp(config(pickup), wan=wan, lan=[])
    c = d.client()
    c.wait_idle()
    out = sorted(p.sport for p in d.out_packets("lan"))
    strict = pickup != "yes"
    want_out = [SYN_PORT] if strict else sorted(p for p, _ in STRAYS + [(SYN_PORT, "S")])
    e.expect_eq(out, want_out, "%s: remote ports of the frames out of lan" % what)
    s = c.stats()
    e.expect_eq({k: v for k, v in e.drops(s).items() if v},
                {"tcp_no_flow": len(STRAYS)} if strict else {}, "%s: drops" % what)
    n_flows = 1 if strict else len(STRAYS) + 1
    e.expect_eq(e.stat(s, "flows_created"), n_flows, "%s: flows_created" % what)
    lim = limiter_counters(s)
    e.expect_eq(lim.get("admitted"), n_flows, "%s: limiter admitted" % what)
    hits = {f["name"]: int(f["hits"], 0) for f in c.filters()}
    e.expect_eq(hits.get("limit-7000"), n_flows, "%s: hits of limit-7000" % what)
    rx, tx, dropped, held, ok = e.accounting(s)
    e.check(ok and held == 0, "%s: accounting: rx %d, tx %d, drops %d, held %d" % (
        what, rx, tx, dropped, held))
    if pickup is None:
        # A different tcp_pickup is a flows setting: refused on a running appliance.
        path = t.write("pickup-yes.yaml", "version: 1\nflows: {tcp_pickup: yes}\n")
        r = c.send("config load %s" % path)
        e.check(r.status != "STATUS_SUCCESS" and
                any("flows settings differ" in x for x in r.lines),
                "config load of tcp_pickup yes on a running appliance must be refused: %r"
                % (r.lines,))
    e.expect_eq(d.quit(c), 0, "%s: exit code after quit" % what)


def main(t):
    run_case(t, None)
    run_case(t, "yes")


e.run("tcp_pickup", main)
