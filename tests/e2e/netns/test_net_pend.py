#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Pended connections (issue 6, scenario 4; spec §6, S1/S2; DESIGN §1 pended classification).

Topology of dfpnet (client on the outside port wan, server on lan: the
client's connections are INBOUND, ALE_AUTH_RECV_ACCEPT_V4).  Two
builtin:verdict callouts pend every new flow to their port:

  gate       local port 8080, default block
  gate-open  local port 8081, default permit
  flows: pend_timeout_ms 2500, hold_packets 1

Each curl uses a fixed source port, so `show flows` tells them apart.

  curl  what dfp is told            what the client sees
  A     `pend complete H permit`    stalled (nothing received, the server saw
                                    no request) while `show pended` lists it;
                                    then the whole file (sha256); meanwhile a
                                    curl to 8082 (not pended) is not delayed
  B     `pend complete H block`     connect times out (curl exit 28)
  C     nothing: times out, block   connect times out (curl exit 28)
  D     nothing: times out, permit  the whole file, not before 2.5 s

SYN retransmissions: the first SYN of a pended flow is held (hold_packets
1), the client's retransmissions from 1 s on overflow the queue (C and D are
pended 2.5 s: hold_overflow, one or two each depending on the kernel's
tcp_syn_linear_timeouts), the held SYN leaves on permit
(released_packets) or is dropped on block (pend_blocked), and the SYNs after
a block meet the flow's cached decision (filter_block): a retransmission is
never pended again (4 pends in all).
"""

import os
import sys
import time

sys.dont_write_bytecode = True
import dfpnet as n  # noqa: E402

e = n.e
RA4 = "ALE_AUTH_RECV_ACCEPT_V4"
RA4_ID = e.LAYER_IDS[RA4]
PEND_MS = 2500
BLOB = 1 << 20
SPORT = {"A": 40001, "B": 40002, "C": 40003, "D": 40004, "E": 40005}
DPORT = {"A": 8080, "B": 8080, "C": 8080, "D": 8081, "E": 8082}
CURL_EXIT_TIMEOUT = 28


def config():
    return n.base_yaml(flows={"pend_timeout_ms": PEND_MS, "hold_packets": 1}) + (
        "sublayers:\n"
        "  - {name: gate, key: %s, weight: 100}\n"
        "callouts:\n"
        "  - {name: gate, key: %s, layer: %s, module: \"builtin:verdict\","
        " params: {default: block}}\n"
        "  - {name: gate-open, key: %s, layer: %s, module: \"builtin:verdict\","
        " params: {default: permit}}\n"
        "filters:\n"
        "  - {name: pend-8080, layer: %s, sublayer: gate, action: callout_terminating,"
        " callout: gate, conditions: [{field: IP_LOCAL_PORT, match: equal, value: 8080}]}\n"
        "  - {name: pend-8081, layer: %s, sublayer: gate, action: callout_terminating,"
        " callout: gate-open, conditions: [{field: IP_LOCAL_PORT, match: equal,"
        " value: 8081}]}\n"
        % (e.guid(0x401), e.guid(0x402), RA4, e.guid(0x403), RA4, RA4, RA4))


def curl_bg(t, name, connect_timeout):
    """curl from SPORT[name] to DPORT[name] in the background; (Bg, output path, start)."""
    out = t.path("got%s" % name)
    b = t.bg("cli", ["curl", "-sS", "--connect-timeout", str(connect_timeout),
                     "--max-time", str(connect_timeout + 5), "--local-port",
                     str(SPORT[name]), "-o", out,
                     "http://%s:%d/blob" % (n.SRV4, DPORT[name])], name="curl%s" % name)
    return b, out, time.monotonic()


def size(path):
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


def requests(server):
    """GET lines python's http.server logged (stderr)."""
    return [x for x in server.err().splitlines() if '"GET /blob' in x]


def wait_pended(c, k, what, timeout=3):
    """Poll show pended until k handles are listed; returns them."""
    end = time.monotonic() + min(timeout, c.test.remaining())
    while True:
        p = c.pended()
        if len(p) >= k:
            e.expect_eq(len(p), k, "handles in show pended (%s):\n  %s" % (
                what, "\n  ".join(x["raw"] for x in p)))
            return p
        if time.monotonic() >= end:
            e.fail("%s: %d handles in show pended after %.0f s, expected %d" % (
                what, len(p), timeout, k))
        time.sleep(0.02)


def handles_by_curl(c, pended, names, ids):
    """{curl name: handle} through show flows (source ports), checking layer and callout."""
    flows = {f.id: f for f in c.flows()}
    out = {}
    for p in pended:
        f = flows.get(e.to_int(p["flow"]))
        e.check(f is not None, "pended flow of %s not in show flows" % p["raw"])
        hit = [x for x in names if (f.sport, f.dport) == (SPORT[x], DPORT[x])]
        e.check(len(hit) == 1 and f.src == n.CLI4 and f.state == "pended",
                "unexpected pended flow %r (handle %s)" % (f.raw, p["raw"]))
        x = hit[0]
        want_callout = ids["gate-open" if DPORT[x] == 8081 else "gate"]
        e.expect_eq((e.layer_id(p["layer"]), e.to_int(p["callout"])), (RA4_ID, want_callout),
                    "layer and callout of %s's pend: %s" % (x, p["raw"]))
        e.check(0 <= e.to_int(p["age"]) < PEND_MS, "age of %s" % p["raw"])
        out[x] = p["id"]
    e.expect_eq(sorted(out), sorted(names), "curls pended")
    return out


def main(t):
    _, digest = t.make_file("blob", BLOB)
    srv = {p: t.http_server(p) for p in (8080, 8081, 8082)}
    d = t.dfp(config())
    c = d.client()
    ids = {o["name"]: int(o["id"]) for o in c.callouts()}

    # A: pended, stalled, then permitted by the operator.
    ca, outa, t_a = curl_bg(t, "A", 8)
    ha = handles_by_curl(c, wait_pended(c, 1, "curl A"), ["A"], ids)["A"]
    s = c.stats()
    e.expect_eq((e.stat(s, "pends"), e.stat(s, "pended_now"), e.held_now(s)), (1, 1, 1),
                "pends, pended_now, held_now while A is pended")
    # Not pended traffic goes on meanwhile.
    r = t.curl("http://%s:8082/blob" % n.SRV4, out=t.path("gotE"),
               extra=["--local-port", str(SPORT["E"])])
    e.check(r.ok and n.sha256(t.path("gotE")) == digest, "curl to 8082 during A's pend: %r"
            % r)
    time.sleep(0.3)
    e.check(ca.alive() and size(outa) == 0 and requests(srv[8080]) == [],
            "curl A must stall while pended (%s, %d bytes, server log %r)" % (
                "running" if ca.alive() else "exit %s" % ca.proc.returncode, size(outa),
                requests(srv[8080])))
    e.expect_eq([p["id"] for p in c.pended()], [ha], "show pended before the completion")
    c.cmd("pend complete 0x%x permit" % ha)
    e.expect_eq(ca.wait(10), 0, "curl A exit code after the permit: %s" % ca.err())
    e.log("curl A done %.2f s after its start" % (time.monotonic() - t_a))
    e.expect_eq(n.sha256(outa), digest, "sha256 of A's download")
    s = c.stats()
    e.expect_eq((e.stat(s, "pend_timeouts"), e.stat(s, "released_packets")), (0, 1),
                "pend_timeouts and released_packets after A (its held SYN released)")
    e.expect_eq(len(requests(srv[8080])), 1, "requests at 8080 after A")
    e.expect_eq(c.pended(), [], "show pended after A's completion")
    c.cmd("pend complete 0x%x permit" % ha, "STATUS_INVALID_PARAMETER")

    # B, C, D pended together: B blocked by the operator, C and D time out.
    cb, outb, t_b = curl_bg(t, "B", 4)
    cc, outc, _ = curl_bg(t, "C", 5)
    cd, outd, t_d = curl_bg(t, "D", 8)
    hs = handles_by_curl(c, wait_pended(c, 3, "curls B, C, D"), ["B", "C", "D"], ids)
    c.cmd("pend complete 0x%x block" % hs["B"])
    s = c.wait_stats(lambda s: e.drops(s).get("pend_blocked", 0) == 1,
                     "B's held SYN dropped as pend_blocked", timeout=3)
    e.expect_eq(e.stat(s, "pend_timeouts"), 0, "pend_timeouts right after B's block")
    e.check(time.monotonic() - t_b < PEND_MS / 1000.0 - 0.3,
            "B was blocked %.1f s after its start: too late to tell C's and D's timeouts "
            "apart" % (time.monotonic() - t_b))
    e.expect_eq(sorted(p["id"] for p in c.pended()), sorted([hs["C"], hs["D"]]),
                "show pended after B's block")

    # D: permitted by the timeout, then the whole file.
    e.expect_eq(cd.wait(12), 0, "curl D exit code (timeout default permit): %s" % cd.err())
    e.check(time.monotonic() - t_d >= PEND_MS / 1000.0 - 0.1,
            "D finished %.2f s after its start, before the %d ms pend timeout" % (
                time.monotonic() - t_d, PEND_MS))
    e.expect_eq(n.sha256(outd), digest, "sha256 of D's download")
    # B and C: never connected.
    for name, b, out in (("B", cb, outb), ("C", cc, outc)):
        e.expect_eq(b.wait(10), CURL_EXIT_TIMEOUT, "curl %s exit code (connect timeout): %s"
                    % (name, b.err()))
        e.expect_eq(size(out), 0, "bytes curl %s received" % name)
    e.expect_eq((len(requests(srv[8080])), len(requests(srv[8081]))), (1, 1),
                "requests the servers saw (A at 8080, D at 8081)")

    c.wait_idle()
    s = c.stats()
    dr = e.drops(s)
    e.log("stats: pends %d held %d released %d timeouts %d drops %r" % (
        e.stat(s, "pends"), e.stat(s, "held_packets"), e.stat(s, "released_packets"),
        e.stat(s, "pend_timeouts"), dr))
    e.expect_eq((e.stat(s, "pends"), e.stat(s, "held_packets"), e.stat(s, "released_packets"),
                 e.stat(s, "pend_timeouts"), dr.get("pend_blocked", 0)), (4, 4, 2, 2, 2),
                "pends, held_packets, released_packets, pend_timeouts, drop.pend_blocked "
                "(one held SYN per pend: A and D released, B and C dropped)")
    e.check(dr.get("hold_overflow", 0) >= 2,
            "drop.hold_overflow %d: C's and D's SYN retransmissions while pended" %
            dr.get("hold_overflow", 0))
    e.check(dr.get("filter_block", 0) >= 2,
            "drop.filter_block %d: B's and C's SYNs after the block" %
            dr.get("filter_block", 0))
    e.expect_eq(set(k for k, v in dr.items() if v and k not in ("tx_full", "tcp_no_flow")),
                {"pend_blocked", "hold_overflow", "filter_block"},
                "drop reasons (tx_full aside: a PMD refusing a burst on a starved CPU; "
                "tcp_no_flow aside: late segments of ended connections)")
    n.check_late_segments(dr)
    e.expect_eq((e.stat(s, "pended_now"), e.stat(s, "handles_in_use"), e.held_now(s)),
                (0, 0, 0), "pended_now, handles_in_use, held_now at the end")
    rx, tx, dropped, held, ok = e.accounting(s)
    e.check(ok, "accounting: rx %d, tx %d, drops %d, held %d" % (rx, tx, dropped, held))
    g = s.get("callout gate", "")
    go = s.get("callout gate-open", "")
    e.check(g.startswith("pended 3 pend_failures 0 reauthorized 0") and
            go.startswith("pended 1 pend_failures 0 reauthorized 0"),
            "verdict counters: gate %r, gate-open %r" % (g, go))
    e.expect_eq(c.pended(), [], "show pended at the end")
    e.expect_eq(d.quit(c), 0, "exit code after quit")


n.run("net_pend", main, budget=45)
