#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Pended classification with the `verdict` callout (spec §6, DESIGN §1).

`verdict` at ALE_AUTH_RECV_ACCEPT_V4 pends every new inbound flow to local
ports 5001-5003 (param default: permit; flows.pend_timeout_ms 6000).  Four
one-direction UDP flows arrive on wan, interleaved:

  A -> 5001, 5 frames   completed `permit`: its held frames leave lan in order
  B -> 5002, 5 frames   completed `block`: never leave, counted as pend_blocked
  C -> 5003, 4 frames   never completed: times out to the default (permit),
                        counted in pend_timeouts, then leaves in order
  D -> 5004, 3 frames   not pended: forwarded at once

and afterwards the accounting closes: rx = tx + drops + held (0).
"""

import sys
import time

sys.dont_write_bytecode = True
import dfpe2e as e  # noqa: E402

PEND_TIMEOUT_MS = 6000
RA = e.LAYER_IDS["ALE_AUTH_RECV_ACCEPT_V4"]
LOCAL = "10.0.0.30"
FLOWS = {  # name: (remote, rport, lport, frames)
    "A": ("198.51.100.41", 33001, 5001, 5),
    "B": ("198.51.100.42", 33002, 5002, 5),
    "C": ("198.51.100.43", 33003, 5003, 4),
    "D": ("198.51.100.44", 33004, 5004, 3),
}


def config():
    return e.base_yaml(flows={"pend_timeout_ms": PEND_TIMEOUT_MS, "hold_packets": 16}) + (
        "sublayers:\n"
        "  - {name: gate, key: %s, weight: 10}\n"
        "callouts:\n"
        "  - name: gate\n"
        "    key: %s\n"
        "    layer: ALE_AUTH_RECV_ACCEPT_V4\n"
        "    module: \"builtin:verdict\"\n"
        "    params: {default: permit}\n"
        "filters:\n"
        "  - name: pend-new\n"
        "    layer: ALE_AUTH_RECV_ACCEPT_V4\n"
        "    sublayer: gate\n"
        "    action: callout_terminating\n"
        "    callout: gate\n"
        "    conditions:\n"
        "      - {field: IP_LOCAL_PORT, match: range, value: [5001, 5003]}\n"
        % (e.guid(0x31), e.guid(0x32)))


def frames():
    per = {n: e.udp_flow(r, LOCAL, rp, lp, k, n) for n, (r, rp, lp, k) in FLOWS.items()}
    out = []
    for i in range(max(len(v) for v in per.values())):
        for n in sorted(per):
            if i < len(per[n]):
                out.append(per[n][i])
    return out


def main(t):
    d = t.dfp(config(), wan=frames(), lan=[], auto_start=False)
    c = d.client()
    gate = int(c.callout("gate")["id"])
    c.cmd("start")
    t_start = time.monotonic()

    def out_by_flow():
        got = {}
        for p in d.out_packets("lan"):
            for n, (r, rp, lp, _) in FLOWS.items():
                if (p.src, p.sport, p.dport) == (r, rp, lp):
                    got.setdefault(n, []).append(p.payload.decode())
                    break
            else:
                e.fail("unexpected frame out of lan: %r" % p)
        return got

    def want(n):
        return ["%s-%d" % (n, i) for i in range(FLOWS[n][3])]

    held = 5 + 5 + 4
    s = c.wait_stats(lambda s: e.stat(s, "rx_packets") == 17 and e.stat(s, "pends") == 3 and
                     e.stat(s, "held_packets") == held and e.stat(s, "tx_packets") == 3,
                     "17 frames received, 3 pends holding 14 frames, D forwarded", timeout=5)
    e.expect_eq(e.held_now(s), held, "packets held now")
    e.expect_eq(out_by_flow(), {"D": want("D")}, "lan output while A, B, C are pended")

    flows = {f.dport: f for f in c.flows()}
    pend = c.pended()
    e.expect_eq(len(pend), 3, "handles listed by show pended:\n  %s" %
                "\n  ".join(p["raw"] for p in pend))
    by_flow = {}
    for p in pend:
        e.expect_eq(e.layer_id(p.get("layer", "?")), RA, "layer of pended %s" % p["raw"])
        e.expect_eq(e.to_int(p.get("callout", "-1")), gate, "callout of pended %s" % p["raw"])
        e.check(0 <= e.to_int(p.get("age", "-1")) < PEND_TIMEOUT_MS,
                "age of pended %s out of range" % p["raw"])
        by_flow[e.to_int(p["flow"])] = p["id"]
    handle = {}
    for n in "ABC":
        f = flows.get(FLOWS[n][2])
        e.check(f is not None, "flow %s (local port %d) not in show flows" % (n, FLOWS[n][2]))
        e.check(f.id in by_flow, "flow %s (0x%x) has no pended handle" % (n, f.id))
        handle[n] = by_flow[f.id]

    c.cmd("pend complete 0x%x permit" % handle["A"])
    c.wait_stats(lambda s: e.stat(s, "released_packets") == 5 and e.stat(s, "tx_packets") == 8,
                 "A's 5 held frames released and sent", timeout=5)
    e.expect_eq(out_by_flow(), {"D": want("D"), "A": want("A")}, "lan output after A permitted")

    c.cmd("pend complete 0x%x block" % handle["B"])
    s = c.wait_stats(lambda s: e.drops(s).get("pend_blocked", 0) == 5,
                     "B's 5 held frames dropped as pend_blocked", timeout=5)
    e.expect_eq(e.stat(s, "tx_packets"), 8, "tx_packets after B blocked")
    elapsed = time.monotonic() - t_start
    e.check(elapsed < PEND_TIMEOUT_MS / 1000.0 - 0.5,
            "A and B completed only %.1f s after start: too slow to tell C's timeout apart" %
            elapsed)
    e.expect_eq(e.stat(s, "pend_timeouts"), 0, "pend_timeouts before C's timeout")
    left = c.pended()
    e.expect_eq([p["id"] for p in left], [handle["C"]], "handles left in show pended")

    # Completing a handle twice, or an unknown one, is refused.
    for line in ("pend complete 0x%x permit" % handle["A"],
                 "pend complete 0x%x block" % handle["B"],
                 "pend complete 0x7fffffff permit"):
        r = c.send(line)
        e.check(r.status != "STATUS_SUCCESS", "%r: expected a failure status, got %s" % (
            line, r.status))

    s = c.wait_stats(lambda s: e.stat(s, "pend_timeouts") == 1 and
                     e.stat(s, "released_packets") == 9 and e.stat(s, "tx_packets") == 12,
                     "C timed out to permit and its 4 frames sent",
                     timeout=PEND_TIMEOUT_MS / 1000.0 + 5)
    waited = time.monotonic() - t_start
    e.check(waited >= PEND_TIMEOUT_MS / 1000.0 - 0.5,
            "C completed after %.1f s, before its %d ms timeout" % (waited, PEND_TIMEOUT_MS))
    e.expect_eq(out_by_flow(), {"D": want("D"), "A": want("A"), "C": want("C")},
                "lan output after C's timeout")
    e.expect_eq(c.pended(), [], "show pended after every pend completed")
    rx, tx, dropped, held_n, ok = e.accounting(s)
    e.expect_eq((rx, tx, dropped, held_n), (17, 12, 5, 0), "rx, tx, drops, held")
    e.expect_eq({k: v for k, v in e.drops(s).items() if v}, {"pend_blocked": 5}, "drops")
    e.expect_eq(e.stat(s, "pends"), 3, "pends")
    e.expect_eq(d.quit(c), 0, "exit code after quit")


e.run("pend", main)
