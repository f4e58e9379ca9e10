#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Inspection of live flows with builtin:count (issue 6, scenario 2).

Topology of dfpnet (client on the outside port wan, server on lan: the
client's flows are INBOUND, "in" = client to server).  One `count` callout
per family, each at ALE_FLOW_ESTABLISHED_Vx with one inspection filter; the
module registers its companions NAME.stream (STREAM_Vx) and NAME.datagram
(DATAGRAM_DATA_Vx).  flows.idle_timeout_s is short so UDP flows end during
the test.

  what the client does                   what dfp must show
  udp_probe: 5 datagrams to 5353 (v4),   while alive: show flows lists each with
  4 over v6, every one echoed            ctx DATAGRAM_DATA_Vx/NAME.datagram; after
                                         the idle timeout one flowDeleteFn report
                                         each: packets 5/5 (4/4), bytes = the
                                         datagrams' frame bytes exactly
  nc upload of 300000 bytes (v4) and     while open: ctx STREAM_Vx/NAME.stream, no
  200000 bytes (v6), kept open, then     report yet; at close (FIN) exactly one
  closed                                 report each: packets in = data segments,
                                         bytes in = 300000 (200000) + the segments'
                                         headers (exact unless the client
                                         retransmitted), nothing out (the server
                                         sends no payload)

Then the instances' counters in `show stats` (`callout NAME: flows F packets
P bytes B live L ...`) are the sums of their reports with nothing live,
`worker_log_lines` counts the reports (written by workers: FIN and aging),
and after `quit` no flow was reported twice.
"""

import os
import sys
import time

sys.dont_write_bytecode = True
import dfpnet as n  # noqa: E402

e = n.e
FE4, FE6 = "ALE_FLOW_ESTABLISHED_V4", "ALE_FLOW_ESTABLISHED_V6"
STREAM4, STREAM6 = e.LAYER_IDS["STREAM_V4"], e.LAYER_IDS["STREAM_V6"]
DG4, DG6 = e.LAYER_IDS["DATAGRAM_DATA_V4"], e.LAYER_IDS["DATAGRAM_DATA_V6"]
IDLE_S = 6
UP4, UP6 = 300000, 200000       # upload sizes
UDP4, UDP6 = 5, 4               # datagrams per probe
# Ethernet + IP + TCP with the timestamp option (Linux's default), per segment.
TCP_HDR = {4: 14 + 20 + 32, 6: 14 + 40 + 32}
UDP_HDR = {4: 14 + 20 + 8, 6: 14 + 40 + 8}
MSS = {4: 1500 - 20 - 32, 6: 1500 - 40 - 32}


def config():
    return n.base_yaml(flows={"idle_timeout_s": IDLE_S}) + (
        "sublayers:\n"
        "  - {name: monitor, key: %s, weight: 100}\n"
        "callouts:\n"
        "  - {name: counter4, key: %s, layer: %s, module: \"builtin:count\"}\n"
        "  - {name: counter6, key: %s, layer: %s, module: \"builtin:count\"}\n"
        "filters:\n"
        "  - {name: count-v4, layer: %s, sublayer: monitor, action: callout_inspection,"
        " callout: counter4, conditions: [%s]}\n"
        "  - {name: count-v6, layer: %s, sublayer: monitor, action: callout_inspection,"
        " callout: counter6, conditions: [%s]}\n"
        % (e.guid(0x201), e.guid(0x202), FE4, e.guid(0x203), FE6, FE4, TCP_UDP, FE6, TCP_UDP))


# TCP or UDP (conditions on one field are OR-ed): the kernels' own ICMPv6 (DAD, MLD)
# also crosses dfp and is not counted.
TCP_UDP = ("{field: IP_PROTOCOL, match: equal, value: tcp}, "
           "{field: IP_PROTOCOL, match: equal, value: udp}")


def instance(stats, name):
    """The `callout NAME: k v k v ...` line of show stats as {k: int}."""
    text = stats.get("callout %s" % name)
    e.check(isinstance(text, str), "no 'callout %s:' line in show stats" % name)
    tok = text.split()
    return {tok[i]: int(tok[i + 1], 0) for i in range(0, len(tok) - 1, 2)}


def tcp_retrans(t):
    """TCP segments the client namespace retransmitted so far (/proc/net/snmp)."""
    r = t.run("cli", ["cat", "/proc/net/snmp"])
    e.check(r.ok, "reading the client's /proc/net/snmp: %r" % r)
    rows = [line.split() for line in r.out.splitlines() if line.startswith("Tcp:")]
    e.check(len(rows) == 2, "no Tcp rows in /proc/net/snmp:\n%s" % r.out)
    return int(rows[1][rows[0].index("RetransSegs")])


def find_flow(flows, proto, dst, dport, what):
    hits = [f for f in flows if (f.proto, f.dst, f.dport) == (proto, dst, dport)]
    e.check(len(hits) == 1, "%s: expected one flow %d > %s:%d in show flows, got:\n  %s" % (
        what, proto, dst, dport, "\n  ".join(f.raw for f in flows)))
    return hits[0]


def wait_reports(d, pred, what, timeout):
    """Poll the appliance's output until pred(reports) holds; returns the reports."""
    end = time.monotonic() + min(timeout, d.test.remaining())
    while True:
        reps = e.count_reports(d.output())
        if pred(reps):
            return reps
        if time.monotonic() >= end:
            e.fail("timed out (%.0f s) waiting for %s; count reports so far:\n  %s" % (
                timeout, what, "\n  ".join(r["line"] for r in reps)))
        time.sleep(0.05)


def until(pred, msg, timeout=3):
    """Poll pred() (bounded); fails with msg() when it stays false."""
    end = time.monotonic() + timeout
    while not pred():
        if time.monotonic() >= end:
            e.fail(msg())
        time.sleep(0.05)


def echoed_lengths(echo, src, sport):
    """Lengths of the datagrams the UDP echo server got from src:sport."""
    out = []
    for line in echo.out().splitlines():
        tok = line.split()
        if len(tok) == 4 and tok[0] == "from" and tok[1] == src and int(tok[2]) == sport:
            out.append(int(tok[3]))
    return out


def main(t):
    up4, up4_digest = t.make_file("up4", UP4)
    up6, up6_digest = t.make_file("up6", UP6)
    echo = t.udp_echo(5353)
    got4, got6 = t.path("got4"), t.path("got6")
    l4 = t.nc_listener(7070, got4)
    l6 = t.nc_listener(7071, got6, v6=True)
    d = t.dfp(config())
    c = d.client()
    ids = {o["name"]: int(o["id"]) for o in c.callouts()}
    for name in ("counter4", "counter4.stream", "counter4.datagram", "counter6",
                 "counter6.stream", "counter6.datagram"):
        e.check(name in ids, "%s not in show callouts: %r" % (name, ids))
    s0 = c.stats()
    log0 = e.stat(s0, "worker_log_lines")

    # 1. UDP: every datagram echoed; the flows carry their datagram contexts.
    e.expect_eq(t.udp_probe(5353, n=UDP4), UDP4, "UDP echoes (v4)")
    e.expect_eq(t.udp_probe(5353, addr=n.SRV6, n=UDP6), UDP6, "UDP echoes (v6)")
    flows = c.flows()
    u4 = find_flow(flows, 17, n.SRV4, 5353, "UDP v4")
    u6 = find_flow(flows, 17, n.SRV6, 5353, "UDP v6")
    e.expect_eq(u4.ctx, [(DG4, ids["counter4.datagram"])], "contexts of %s" % u4.raw)
    e.expect_eq(u6.ctx, [(DG6, ids["counter6.datagram"])], "contexts of %s" % u6.raw)
    e.expect_eq((u4.src, u6.src), (n.CLI4, n.CLI6), "UDP flows' sources")
    t_udp = time.monotonic()

    # 2. TCP uploads kept open: the flows carry their stream contexts, no report yet.
    retrans0 = tcp_retrans(t)
    s4 = t.nc_session(7070, n.SRV4, name="up4")
    s6 = t.nc_session(7071, n.SRV6, name="up6")
    s4.wait_connected()
    s6.wait_connected()
    with open(up4, "rb") as f:
        s4.send(f.read())
    with open(up6, "rb") as f:
        s6.send(f.read())
    for path, size in ((got4, UP4), (got6, UP6)):
        end = time.monotonic() + 10
        while os.path.getsize(path) < size and time.monotonic() < end:
            time.sleep(0.02)
        e.expect_eq(os.path.getsize(path), size, "bytes at the server in %s while open" % path)
    flows = c.flows()
    t4 = find_flow(flows, 6, n.SRV4, 7070, "TCP v4 (open)")
    t6 = find_flow(flows, 6, n.SRV6, 7071, "TCP v6 (open)")
    e.expect_eq((t4.state, t4.ctx), ("established", [(STREAM4, ids["counter4.stream"])]),
                "state and contexts of %s" % t4.raw)
    e.expect_eq((t6.state, t6.ctx), ("established", [(STREAM6, ids["counter6.stream"])]),
                "state and contexts of %s" % t6.raw)
    co = {o["name"]: o for o in c.callouts()}
    e.expect_eq([e.to_int(co[x]["contexts"]) for x in ("counter4.stream", "counter6.stream")],
                [1, 1], "contexts of the stream companions while the uploads are open")
    s = c.stats()
    for name in ("counter4", "counter6"):
        st = instance(s, name)
        e.expect_eq((st["live"], st["flows"], st["pool_exhausted"], st["assoc_failed"]),
                    (2, 0, 0, 0), "%s live/flows/pool_exhausted/assoc_failed while the TCP and"
                    " UDP flows are alive: %r" % (name, st))
    e.expect_eq(e.count_reports(d.output()), [], "count reports while every flow is alive")

    # 3. Close the uploads: one report each, at once (FIN), with the client's bytes.
    s4.close()
    s6.close()
    for b in (s4.bg, s6.bg, l4, l6):
        e.expect_eq(b.wait(5), 0, "%s exit code after the close" % b.name)
    e.expect_eq((n.sha256(got4), n.sha256(got6)), (up4_digest, up6_digest),
                "sha256 of the uploads at the server")
    retrans = tcp_retrans(t) - retrans0
    reps = wait_reports(d, lambda rs: {r["flow"] for r in rs} >= {t4.id, t6.id},
                        "the TCP flows' reports after the close", 5)
    for fl, fam, size, name in ((t4, 4, UP4, "counter4"), (t6, 6, UP6, "counter6")):
        mine = [r for r in reps if r["flow"] == fl.id]
        e.expect_eq(len(mine), 1, "reports of flow 0x%x" % fl.id)
        r = mine[0]
        e.log("%s (client retransmitted %d segments)" % (r["line"], retrans))
        src = "[%s]" % n.CLI6 if fam == 6 else n.CLI4
        dst = "[%s]" % n.SRV6 if fam == 6 else n.SRV4
        e.expect_eq((r["callout"], r["proto"], r["src"], r["sport"], r["dst"], r["dport"]),
                    (name, 6, src, fl.sport, dst, fl.dport), "identity in %r" % r["line"])
        e.expect_eq((r["pout"], r["bout"]), (0, 0), "server-to-client payload in %r" %
                    r["line"])
        e.check(r["pin"] >= -(-size // MSS[fam]),
                "at least %d segments for %d bytes: %r" % (-(-size // MSS[fam]), size,
                                                           r["line"]))
        payload = r["bin"] - r["pin"] * TCP_HDR[fam]
        if retrans == 0:
            e.expect_eq(payload, size, "payload bytes (frame bytes - %d per segment) in %r" %
                        (TCP_HDR[fam], r["line"]))
        else:
            # Lost segments were sent again (dfp may have seen both copies or one).
            e.check(size <= payload <= size + retrans * MSS[fam],
                    "payload bytes %d not within [%d, %d + %d retransmitted segments] in %r"
                    % (payload, size, size, retrans, r["line"]))
    until(lambda: not [f for f in c.flows() if f.id in (t4.id, t6.id)],
          lambda: "the closed TCP flows still listed:\n  %s" % "\n  ".join(
              f.raw for f in c.flows()))

    # 4. The UDP flows end by idle timeout: one report each, exact counts.
    left = IDLE_S - (time.monotonic() - t_udp)
    e.check(left > 0.5, "the TCP part took too long (%.1f s) to tell the UDP flows' aging "
            "apart" % (time.monotonic() - t_udp))
    e.check(not [r for r in e.count_reports(d.output()) if r["proto"] == 17],
            "UDP flows reported %.1f s before their idle timeout" % left)
    reps = wait_reports(d, lambda rs: {r["flow"] for r in rs} >= {u4.id, u6.id},
                        "the UDP flows' reports after the idle timeout", left + IDLE_S / 2 + 3)
    e.check(time.monotonic() - t_udp >= IDLE_S - 0.5,
            "UDP flows reported after %.1f s, before the %d s idle timeout" % (
                time.monotonic() - t_udp, IDLE_S))
    for fl, fam, k, src in ((u4, 4, UDP4, n.CLI4), (u6, 6, UDP6, n.CLI6)):
        mine = [r for r in reps if r["flow"] == fl.id]
        e.expect_eq(len(mine), 1, "reports of UDP flow 0x%x" % fl.id)
        r = mine[0]
        e.log(r["line"])
        lens = echoed_lengths(echo, src, fl.sport)
        e.expect_eq(len(lens), k, "datagrams the echo server got from %s port %d" % (
            src, fl.sport))
        frames = sum(UDP_HDR[fam] + x for x in lens)
        e.expect_eq((r["pin"], r["pout"], r["bin"], r["bout"]), (k, k, frames, frames),
                    "UDP packets and frame bytes in/out in %r" % r["line"])

    # 5. The instances' counters are the sums of their reports; nothing live.
    reps = e.count_reports(d.output())
    e.expect_eq(sorted(r["flow"] for r in reps), sorted([u4.id, u6.id, t4.id, t6.id]),
                "flows reported")
    want = {}
    for name in ("counter4", "counter6"):
        mine = [r for r in reps if r["callout"] == name]
        want[name] = {"flows": 2, "packets": sum(r["packets"] for r in mine),
                      "bytes": sum(r["bin"] + r["bout"] for r in mine), "live": 0,
                      "pool_exhausted": 0, "assoc_failed": 0}
    # flowDeleteFn adds to the totals just after queueing its line: poll, bounded.
    c.wait_idle()
    s = c.wait_stats(lambda s: all(instance(s, x) == want[x] for x in want) and
                     e.stat(s, "flows_aged") >= 2,
                     "the count instances' totals to equal their reports %r, and "
                     "flows_aged >= 2 (the UDP flows)" % want, timeout=3)
    e.expect_eq((e.stat(s, "worker_log_lines") - log0, e.stat(s, "worker_log_dropped")),
                (4, 0), "worker_log_lines (new) and worker_log_dropped: the 4 reports were "
                "logged by the worker")
    co = {o["name"]: o for o in c.callouts()}
    e.expect_eq([e.to_int(co[x]["contexts"]) for x in sorted(co) if x.startswith("counter")],
                [0] * 6, "contexts of the count callouts at the end")
    rx, tx, dropped, held, ok = e.accounting(s)
    e.check(ok, "accounting: rx %d, tx %d, drops %d, held %d" % (rx, tx, dropped, held))
    # Nothing is filtered; only a PMD refusing a burst (tx_full, a starved CPU) and
    # late segments of ended connections (tcp_no_flow) may drop.
    e.expect_eq({k: v for k, v in e.drops(s).items()
                 if v and k not in ("tx_full", "tcp_no_flow")}, {}, "drops by reason")
    n.check_late_segments(e.drops(s))

    # 6. Exactly once: nothing is reported again at shutdown.
    e.expect_eq(d.quit(c), 0, "exit code after quit")
    e.expect_eq(sorted(r["flow"] for r in e.count_reports(d.output())),
                sorted([u4.id, u6.id, t4.id, t6.id]), "flows reported, after quit")


n.run("net_count", main, budget=45)
