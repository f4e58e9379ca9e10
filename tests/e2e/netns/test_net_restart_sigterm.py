#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Restart with the same YAML, and SIGTERM during a transfer (issue 6, scenario 7).

Topology of dfpnet (client on the outside port wan, server on lan).  One
YAML file, used by every run:

  lo RA4: block tcp (w 1), permit local port 8080 (w 10)   HTTP yes, 9090 no
  hi TR4: block udp from 10.0.0.3                          UDP echo for .1 only
  hi TR4: block icmp from 10.0.0.3                         ping from .1 only
  FE4:    builtin:count on every flow (inspection)         flowDeleteFn reports

1. dfp #1: the probes (curl 1 MB intact, nc to 9090, UDP from .1 and .3,
   ping from .1 and .3) give the expected outcomes; `quit` exits 0.
2. dfp #2, same file: the same probes give the same outcomes.
3. During a rate-limited curl download through dfp #2, SIGTERM: exit 0
   within a bounded time, `--- final statistics ---` on stdout with the
   accounting closed (rx = tx + drops by reason, nothing held), every flow
   ended, count's flowDeleteFn reported the transfer's flow with its
   packets; the client's transfer stops short (nothing forwards any more,
   and a new connection gets no answer).
4. dfp #3, same file, after the SIGTERM: the probes give the same outcomes.
"""

import os
import signal
import sys
import time

sys.dont_write_bytecode = True
import dfpnet as n  # noqa: E402

e = n.e
RA4, TR4, FE4 = "ALE_AUTH_RECV_ACCEPT_V4", "INBOUND_TRANSPORT_V4", "ALE_FLOW_ESTABLISHED_V4"
BIG = 16 << 20          # the SIGTERM transfer: 16 MB at 4 MB/s
RATE = "4M"


def config():
    return n.base_yaml() + (
        "sublayers:\n"
        "  - {name: hi, key: %s, weight: 200}\n"
        "  - {name: lo, key: %s, weight: 100}\n"
        "callouts:\n"
        "  - {name: counter, key: %s, layer: %s, module: \"builtin:count\"}\n"
        "filters:\n"
        "  - name: deny-tcp\n    layer: %s\n    sublayer: lo\n    weight: 1\n"
        "    action: block\n"
        "    conditions: [{field: IP_PROTOCOL, match: equal, value: tcp}]\n"
        "  - name: permit-http\n    layer: %s\n    sublayer: lo\n    weight: 10\n"
        "    action: permit\n"
        "    conditions: [{field: IP_LOCAL_PORT, match: equal, value: 8080}]\n"
        "  - name: block-udp-alt\n    layer: %s\n    sublayer: hi\n    action: block\n"
        "    conditions:\n"
        "      - {field: IP_PROTOCOL, match: equal, value: udp}\n"
        "      - {field: IP_REMOTE_ADDRESS, match: equal, value: %s}\n"
        "  - name: block-icmp-alt\n    layer: %s\n    sublayer: hi\n    action: block\n"
        "    conditions:\n"
        "      - {field: IP_PROTOCOL, match: equal, value: icmp}\n"
        "      - {field: IP_REMOTE_ADDRESS, match: equal, value: %s}\n"
        "  - {name: count-all, layer: %s, sublayer: inspection, action: callout_inspection,"
        " callout: counter}\n"
        % (e.guid(0x701), e.guid(0x702), e.guid(0x703), FE4, RA4, RA4, TR4, n.CLI4_ALT,
           TR4, n.CLI4_ALT, FE4))


EXPECTED = {
    "curl 8080": "intact",
    "nc 9090": "timed out",
    "udp from .1": 3,
    "udp from .3": 0,
    "ping from .1": "replies",
    "ping from .3": "no reply",
}


def probes(t, digest, tag):
    """The client's view of the rule base: {probe: outcome}."""
    got = {}
    out = t.path("small-%s" % tag)
    r = t.curl("http://%s:8080/small" % n.SRV4, out=out)
    got["curl 8080"] = "intact" if r.ok and n.sha256(out) == digest else "failed: %r" % r
    r = t.tcp_connect(9090)
    got["nc 9090"] = ("connected" if r.connected else "timed out" if r.timed_out else
                      "refused" if r.refused else "other: %r" % r)
    got["udp from .1"] = t.udp_probe(5353)
    got["udp from .3"] = t.udp_probe(5353, src=n.CLI4_ALT)
    r = t.ping(n.SRV4, count=2)
    got["ping from .1"] = "replies" if r.ok else "no reply"
    r = t.ping(n.SRV4, src=n.CLI4_ALT, count=2)
    got["ping from .3"] = "replies" if r.ok else ("no reply" if " 0 received" in r.out
                                                  else "other: %r" % r)
    return got


def wait_size(path, size, timeout):
    """Until the file at path holds at least size bytes (bounded); its size."""
    end = time.monotonic() + timeout
    while True:
        try:
            have = os.path.getsize(path)
        except OSError:
            have = 0
        if have >= size or time.monotonic() >= end:
            return have
        time.sleep(0.05)


def main(t):
    _, small_digest = t.make_file("small", 1 << 20)
    t.make_file("big", BIG)
    cfg = t.write("net.yaml", config())
    t.http_server(8080)
    t.http_server(9090)
    echo = t.udp_echo(5353)

    # 1. The first run.
    d1 = t.dfp(cfg)
    c1 = d1.client()
    first = probes(t, small_digest, "1")
    e.expect_eq(first, EXPECTED, "the client's outcomes through dfp #1")
    e.expect_eq(d1.quit(c1), 0, "dfp #1 exit code after quit")

    # 2. The same file again: the same outcomes.
    d2 = t.dfp(cfg)
    c2 = d2.client()
    second = probes(t, small_digest, "2")
    e.expect_eq(second, first, "the client's outcomes through dfp #2 (restart, same YAML)")
    senders = sorted(set(line.split()[1] for line in echo.out().splitlines()
                         if line.startswith("from ")))
    e.expect_eq(senders, [n.CLI4], "addresses the UDP server heard from (two runs)")

    # 3. SIGTERM in the middle of a transfer. The client's receive buffer is kept
    # small so the rate limit paces the server: most of the file is still to come
    # through dfp when the signal arrives.
    r = t.run("cli", ["sysctl", "-qw", "net.ipv4.tcp_rmem=4096 65536 262144"])
    e.check(r.ok, "sysctl tcp_rmem in the client namespace: %r" % r)
    big_out = t.path("big-got")
    dl = t.bg("cli", ["curl", "-sS", "--limit-rate", RATE, "--max-time", "30",
                      "--speed-time", "2", "--speed-limit", "1000", "-o", big_out,
                      "http://%s:8080/big" % n.SRV4], name="curl-big")
    have = wait_size(big_out, 2 << 20, 10)
    e.check(have >= 2 << 20 and dl.alive(),
            "the transfer must be running (%d bytes so far, curl %s)" % (
                have, "running" if dl.alive() else "exit %s" % dl.proc.returncode))
    s = c2.stats()
    flows_live = [f for f in c2.flows() if f.proto == 6 and f.dport == 8080]
    e.expect_eq(len(flows_live), 1, "the transfer's flow in show flows:\n  %s" %
                "\n  ".join(f.raw for f in c2.flows()))
    n_out, n_err = len(d2.stdout()), len(d2.stderr())
    at_signal = os.path.getsize(big_out)
    t0 = time.monotonic()
    rc = d2.signal(signal.SIGTERM, timeout=15)
    e.log("dfp #2 exited %d after %.2f s" % (rc, time.monotonic() - t0))
    e.expect_eq(rc, 0, "dfp #2 exit code after SIGTERM")
    out = d2.stdout()
    e.check("signal 15 received" in out[n_out:], "no 'signal 15 received' line on stdout")
    fin = d2.final_stats()
    e.check(fin is not None, "no '--- final statistics ---' block on stdout:\n%s" % out[-2000:])
    rx, tx, dropped, held, ok = e.accounting(fin)
    e.log("final: rx %d tx %d dropped %d held %d, drops %r" % (rx, tx, dropped, held,
                                                               e.drops(fin)))
    e.check(ok and held == 0, "final accounting must close with nothing held: rx %d, tx %d, "
            "drops %d, held %d" % (rx, tx, dropped, held))
    e.check(rx >= e.stat(s, "rx_packets") and rx > 1000,
            "final rx_packets %d (before the signal %d)" % (rx, e.stat(s, "rx_packets")))
    e.expect_eq(fin.get("flows_ended"), fin.get("flows_created"),
                "flows ended at shutdown (final flows_ended vs flows_created)")
    e.expect_eq(fin.get("pended_now"), 0, "pended_now")
    e.expect_eq(fin.get("handles_in_use"), 0, "handles_in_use")
    reps = [r for r in e.count_reports(out[n_out:] + "\n" + d2.stderr()[n_err:], "counter")
            if r["proto"] == 6 and r["flow"] == flows_live[0].id]
    e.expect_eq(len(reps), 1, "count's flowDeleteFn report of the transfer's flow")
    e.check(reps[0]["packets"] > 1000, "packets counted for the transfer: %s" % reps[0]["line"])

    # The client: the transfer stalls short of the end (curl's buffer drains, then
    # nothing more arrives); curl is stopped rather than left to time out.
    sizes = []
    for _ in range(3):
        time.sleep(0.75)
        sizes.append(os.path.getsize(big_out))
    e.log("after the signal: %d bytes at it, then %r; curl %s" % (
        at_signal, sizes, "running" if dl.alive() else "exit %s" % dl.proc.returncode))
    e.check(sizes[1] == sizes[2] and sizes[2] < BIG // 2,
            "the download must stall well short of the end after SIGTERM: %d bytes at the "
            "signal, then %r of %d" % (at_signal, sizes, BIG))
    e.check(dl.alive() or dl.proc.returncode != 0, "curl must not have finished: %r" % (
        dl.err(),))
    dl.stop()
    r = t.tcp_connect(8080, wait_s=1)
    e.check(r.timed_out, "with dfp gone nothing must pass: %r" % r)

    # 4. Started again after the SIGTERM: the same outcomes.
    d3 = t.dfp(cfg)
    c3 = d3.client()
    third = probes(t, small_digest, "3")
    e.expect_eq(third, first, "the client's outcomes through dfp #3 (after SIGTERM)")
    e.expect_eq(d3.quit(c3), 0, "dfp #3 exit code after quit")


n.run("net_restart_sigterm", main, budget=60)
