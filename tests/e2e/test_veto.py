#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""A callout veto of a hard permit end to end (spec §3.4, N11).

At ALE_AUTH_RECV_ACCEPT_V4, for local port 7000:

  sublayer hi (weight 200): permit with clear_action_right     (a hard permit)
  sublayer lo (weight 100): callout_terminating -> builtin:conn_limit, max 1

so the limiter is invoked without the write right.  Three inbound UDP flows
arrive on wan: A1 and A2 from one remote address, B1 from another, then A1
again (it must keep passing).

  veto: yes  A1 and B1 pass, A2 is blocked despite the hard permit: the
             limiter writes BLOCK without the right, the engine takes it as a
             veto.  Limiter: admitted 2, blocked 1, vetoed 1, no_right 0;
             datapath: vetoes 1, drop.filter_block = A2's frames.
  veto: no   everything passes (the hard permit wins); the limiter leaves
             each flow alone (no_right 3) and counts nothing; vetoes 0.
"""

import re
import sys

sys.dont_write_bytecode = True
import dfpe2e as e  # noqa: E402

N = 3
LOCAL = "10.0.0.60"
LPORT = 7000
REMOTE_A = "198.51.100.60"
REMOTE_B = "198.51.100.61"
RA = "ALE_AUTH_RECV_ACCEPT_V4"


def config(veto):
    return e.base_yaml() + (
        "sublayers:\n"
        "  - {name: hi, key: %s, weight: 200}\n"
        "  - {name: lo, key: %s, weight: 100}\n"
        "callouts:\n"
        "  - name: limiter\n"
        "    key: %s\n"
        "    layer: %s\n"
        "    module: \"builtin:conn_limit\"\n"
        "    params: {max: 1, veto: %s}\n"
        "filters:\n"
        "  - name: hard-permit\n"
        "    layer: %s\n"
        "    sublayer: hi\n"
        "    weight: 1\n"
        "    flags: [clear_action_right]\n"
        "    action: permit\n"
        "    conditions:\n"
        "      - {field: IP_LOCAL_PORT, match: equal, value: %d}\n"
        "  - name: limit\n"
        "    layer: %s\n"
        "    sublayer: lo\n"
        "    weight: 1\n"
        "    action: callout_terminating\n"
        "    callout: limiter\n"
        "    conditions:\n"
        "      - {field: IP_LOCAL_PORT, match: equal, value: %d}\n"
        % (e.guid(0x71), e.guid(0x72), e.guid(0x73), RA, veto, RA, LPORT, RA, LPORT))


# (tag, remote, remote port, frames)
FLOWS = [
    ("A1", REMOTE_A, 40001, N),
    ("A2", REMOTE_A, 40002, N),
    ("B1", REMOTE_B, 40001, N),
]


def frames():
    out = []
    for tag, remote, rport, n in FLOWS:
        out += e.udp_flow(remote, LOCAL, rport, LPORT, n, tag)
    # A1 again, after A2 was refused: still its flow, still admitted.
    out += [e.mkpcap.udp_frame(REMOTE_A, LOCAL, 40001, LPORT, b"A1-late", e.mkpcap.DEMO_ROUTER_MAC,
                               e.mkpcap.DEMO_INSIDE_MAC, ident=99)]
    return out


def limiter_counters(stats):
    text = str(e.stat(stats, "callout limiter"))
    return {k: int(v) for k, v in re.findall(r"\b([a-z_]+) (\d+)\b", text)}, text


def run_case(t, veto):
    wan = frames()
    d = t.dfp(config(veto), wan=wan, lan=[])
    c = d.client()
    c.wait_idle()

    got = {}
    for p in d.out_packets("lan"):
        e.check(p.proto == 17 and p.dport == LPORT, "veto %s: unexpected frame %r" % (veto, p))
        got.setdefault((p.src, p.sport), []).append(p.payload.decode("ascii", "replace"))
    e.check(not d.out("wan"), "veto %s: frames sent back out of wan" % veto)
    passed = {"A1": ["A1-%d" % i for i in range(N)] + ["A1-late"],
              "B1": ["B1-%d" % i for i in range(N)]}
    a2 = ["A2-%d" % i for i in range(N)]
    if veto == "no":
        passed["A2"] = a2
    want = {}
    for tag, remote, rport, _ in FLOWS:
        if tag in passed:
            want[(remote, rport)] = passed[tag]
    e.expect_eq(got, want, "veto %s: frames out of lan by (remote, port)" % veto)

    s = c.stats()
    total = len(wan)
    blocked = 0 if veto == "no" else N
    e.expect_eq(e.stat(s, "rx_packets"), total, "veto %s: rx_packets" % veto)
    e.expect_eq(e.stat(s, "tx_packets"), total - blocked, "veto %s: tx_packets" % veto)
    dr = {k: v for k, v in e.drops(s).items() if v}
    e.expect_eq(dr, {"filter_block": blocked} if blocked else {},
                "veto %s: non-zero drop counters" % veto)
    e.expect_eq(e.stat(s, "vetoes"), 1 if veto == "yes" else 0,
                "veto %s: datapath vetoes" % veto)
    lim, text = limiter_counters(s)
    if veto == "yes":
        want_lim = {"admitted": 2, "blocked": 1, "vetoed": 1, "no_right": 0, "live": 2}
    else:
        want_lim = {"admitted": 0, "blocked": 0, "vetoed": 0, "no_right": 3, "live": 0}
    e.expect_eq({k: lim.get(k) for k in want_lim}, want_lim,
                "veto %s: limiter counters (callout limiter: %s)" % (veto, text))
    e.check(("veto %s" % veto) in text, "veto %s: the setting is not shown: %s" % (veto, text))
    # The filter listing agrees: the hard permit matched every flow, the limiter's filter too.
    flt = {o["name"]: o for o in c.filters(RA)}
    e.expect_eq(sorted(flt), ["hard-permit", "limit"], "veto %s: filters at %s" % (veto, RA))
    d.quit(c)
    e.expect_eq(d.rc, 0, "veto %s: exit code after quit" % veto)


def main(t):
    run_case(t, "yes")
    run_case(t, "no")


e.run("veto", main)
