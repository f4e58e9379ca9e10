#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Re-authorisation of live flows by a commit (issue 6, scenario 5).

Topology of dfpnet: the client (10.0.0.1) faces dfp's outside port wan, the
server (10.0.0.2) its inside port lan, so the client's connections are
INBOUND: ALE_AUTH_RECV_ACCEPT_V4 (RA4), local = the server. Rule base in
sublayer `lo`: block tcp (w 1), permit local ports 8080 and 8081 (w 10).

Two paced HTTP downloads run at once (curl --limit-rate, small client
receive buffer, so both stay on the wire for seconds):
  A  8080, 32 MB at 1 MB/s (would take half a minute)
  B  8081,  6 MB at 1 MB/s

  commit                                          the client sees       counters
  1. INBOUND_TRANSPORT_V4 block port 9999        A and B go on         reauthorizations and
     (another layer)                                                   drop.filter_block unchanged
  2. `txn begin`, RA4 block port 8080 added      A and B go on         unchanged: nothing is
     inside the transaction, not committed yet                         published before the commit
  3. `txn commit`                                A stalls and curl     reauthorizations + 2 (A
                                                 gives up short of     blocked, B permitted again),
                                                 the end; B goes on    drop.filter_block grows,
                                                 and ends intact       block-8080 has hits
  4. a new connection to 8080                    times out             block-8080 hits once more
     a new connection to 8081                    connects

The server's end of A never hears of the cut: its connection stays
ESTABLISHED with unacknowledged data while its retransmissions are dropped
(the blocked flow keeps dropping until it ages out). The accounting closes.
"""

import sys
import time

sys.dont_write_bytecode = True
import dfpnet as n  # noqa: E402

e = n.e
RA4, TR4 = "ALE_AUTH_RECV_ACCEPT_V4", "INBOUND_TRANSPORT_V4"
SIZE_A, SIZE_B = 32 << 20, 6 << 20
RATE = "1M"
STEP = 384 << 10       # "goes on": a transfer grows by this much (~0.4 s at the rate)
GROW_TIMEOUT_S = 5
FLUSH_SLACK = 64 << 10  # curl's last buffered write at its exit
MAX_TIME_A = 10        # curl's --max-time for A: it ends there, short of the end, if cut
CUT_SLACK = 512 << 10  # what the client's kernel held when A was cut (rmem max 256 KB)


def config():
    return n.base_yaml() + (
        "sublayers:\n"
        "  - {name: lo, key: %s, weight: 100}\n"
        "filters:\n"
        "  - {name: deny-tcp, layer: %s, sublayer: lo, weight: 1, action: block,"
        " conditions: [{field: IP_PROTOCOL, match: equal, value: tcp}]}\n"
        "  - {name: permit-a, layer: %s, sublayer: lo, weight: 10, action: permit,"
        " conditions: [{field: IP_LOCAL_PORT, match: equal, value: 8080}]}\n"
        "  - {name: permit-b, layer: %s, sublayer: lo, weight: 10, action: permit,"
        " conditions: [{field: IP_LOCAL_PORT, match: equal, value: 8081}]}\n"
        % (e.guid(0x501), RA4, RA4, RA4))


def paced_curl(t, port, name, out, max_time):
    return t.bg("cli", ["curl", "-sS", "--limit-rate", RATE, "--max-time", str(max_time),
                        "-o", out, "http://%s:%d/%s" % (n.SRV4, port, name)],
                name="curl-" + name)


def grow(outs, what):
    """Each download in outs grows by STEP from now (bounded); their sizes."""
    start = [n.file_size(o) for o in outs]
    got = [n.wait_size(o, s + STEP, GROW_TIMEOUT_S) for o, s in zip(outs, start)]
    e.log("%s: %r -> %r" % (what, start, got))
    e.check(all(g >= s + STEP for g, s in zip(got, start)),
            "%s: the download(s) must go on (sizes %r, then %r)" % (what, start, got))
    return got


def hits(c):
    return {f["name"]: int(f["hits"], 0) for f in c.filters(RA4)}


def main(t):
    _, digest_b = t.make_file("b", SIZE_B)
    t.make_file("a", SIZE_A)
    t.small_rcvbuf("cli")
    d = t.dfp(config())
    c = d.client()
    t.http_server(8080)
    t.http_server(8081)
    out_a, out_b = t.path("got-a"), t.path("got-b")
    dl_a = paced_curl(t, 8080, "a", out_a, MAX_TIME_A)
    dl_b = paced_curl(t, 8081, "b", out_b, 30)
    t_start = time.monotonic()
    have = [n.wait_size(out_a, STEP, GROW_TIMEOUT_S), n.wait_size(out_b, STEP, GROW_TIMEOUT_S)]
    e.check(have[0] >= STEP and have[1] >= STEP and dl_a.alive() and dl_b.alive(),
            "both downloads must be running: %r bytes, curl a %s, curl b %s" % (
                have, dl_a.proc.poll(), dl_b.proc.poll()))
    flows = [f for f in c.flows() if f.proto == 6 and f.dport in (8080, 8081)]
    e.expect_eq(sorted(f.dport for f in flows), [8080, 8081],
                "the two downloads' flows in show flows")
    s0 = c.stats()
    r0, fb0 = e.stat(s0, "reauthorizations"), e.drops(s0).get("filter_block", 0)

    # 1. A commit at another layer: the ALE layer's version stands, no re-authorisation.
    c.cmd("filter add other-layer layer %s sublayer lo action block "
          "cond IP_LOCAL_PORT equal 9999" % TR4)
    grow((out_a, out_b), "after a commit at %s" % TR4)
    s1 = c.stats()
    e.expect_eq(e.stat(s1, "reauthorizations"), r0,
                "reauthorizations after a commit at another layer")
    e.expect_eq(e.drops(s1).get("filter_block", 0), fb0,
                "drop.filter_block after a commit at another layer")

    # 2. The block inside an open transaction: nothing changes before the commit.
    c.cmd("txn begin")
    c.cmd("filter add block-a layer %s sublayer lo weight 100 action block "
          "cond IP_LOCAL_PORT equal 8080" % RA4)
    grow((out_a, out_b), "with block-a added in an open transaction")
    s2 = c.stats()
    e.expect_eq(e.stat(s2, "reauthorizations"), r0,
                "reauthorizations before the transaction commits")
    e.expect_eq(e.drops(s2).get("filter_block", 0), fb0,
                "drop.filter_block before the transaction commits")
    left_b = SIZE_B - n.file_size(out_b)
    e.check(dl_b.alive() and left_b >= 2 * STEP,
            "download b must still have data to come at the commit (%d bytes left)" % left_b)
    e.check(dl_a.alive() and time.monotonic() - t_start < MAX_TIME_A - 3,
            "download a must be running well before its --max-time at the commit")

    # 3. The commit: both live flows are re-authorised on their next packet; A is cut.
    c.cmd("txn commit")
    t_commit = time.monotonic()
    s3 = c.wait_stats(lambda s: e.stat(s, "reauthorizations") >= r0 + 2,
                      "both live flows re-authorised", timeout=5)
    at_cut = n.file_size(out_a)
    e.log("re-authorised %.2f s after the commit; a: %d bytes" % (
        time.monotonic() - t_commit, at_cut))
    grown = grow((out_b,), "download b after the commit")
    # A stalls once what the client's kernel held is read (at most its receive
    # buffer, a quarter of a second at the rate); it grows no more (but for
    # curl's last buffered write) until curl gives up at --max-time, short of
    # the end, where it would have had 7 MB more.
    time.sleep(0.5)
    mid_a = n.file_size(out_a)
    rc_a = dl_a.wait(MAX_TIME_A + 2 - (time.monotonic() - t_start))
    size_a = n.file_size(out_a)
    e.log("curl a: rc %s after %.1f s, %d of %d bytes (%d at the re-authorisation, %d a "
          "moment later); %s" % (rc_a, time.monotonic() - t_start, size_a, SIZE_A, at_cut,
                                 mid_a, dl_a.err().strip()))
    e.check(rc_a == 28 and "timed out" in dl_a.err(),
            "curl a must time out (rc 28) once its flow is blocked (rc %s): %s" % (
                rc_a, dl_a.err()))
    e.check(size_a - mid_a <= FLUSH_SLACK and size_a - at_cut < CUT_SLACK and
            size_a < SIZE_A // 2,
            "download a must stop at the cut: %d bytes at the re-authorisation, %d a moment "
            "later, %d in the end, of %d" % (at_cut, mid_a, size_a, SIZE_A))
    # B, re-authorised and permitted, goes on to the end, intact.
    rc_b = dl_b.wait(15)
    e.check(rc_b == 0, "curl b must complete (rc %s, %d bytes after the commit): %s" % (
        rc_b, grown[0], dl_b.err()))
    e.expect_eq(n.sha256(out_b), digest_b, "sha256 of download b")

    # The server's end of A: still established, data unacknowledged; never told.
    conns = [x for x in t.tcp_conns(8080) if n.CLI4 in x["peer"]]
    e.log("server sockets on 8080: %r" % conns)
    e.check(len(conns) == 1 and conns[0]["state"] == "ESTAB" and conns[0]["send_q"] > 0,
            "the server's connection of download a must be stalled (ESTABLISHED with "
            "unacknowledged data): %r" % conns)

    # 4. New connections: 8080 refused by the new filter, 8081 still permitted.
    h0 = hits(c)
    r = t.tcp_connect(8080)
    e.check(r.timed_out, "a new connection to 8080 must time out (SYN dropped): %r" % r)
    r = t.tcp_connect(8081)
    e.check(r.connected, "a new connection to 8081 must connect: %r" % r)
    h1 = hits(c)
    e.log("hits before %r, after %r" % (h0, h1))
    e.expect_eq((h1["block-a"] - h0["block-a"], h1["permit-b"] - h0["permit-b"]), (1, 1),
                "new hits of block-a and permit-b from the two connections")

    # The counters: exactly the two live flows were re-authorised (the new
    # connections are authorised, not re-authorised); A's packets and the
    # refused SYNs are filter blocks; the accounting closes.
    s4 = c.stats()
    e.expect_eq(e.stat(s4, "reauthorizations") - r0, 2,
                "re-authorisations (a blocked, b permitted again)")
    fb = e.drops(s4).get("filter_block", 0) - fb0
    e.check(fb >= 3, "drop.filter_block must count download a's packets and the refused "
            "SYN: +%d" % fb)
    e.expect_eq(set(k for k, v in e.drops(s4).items()
                    if v and k not in ("tx_full", "tcp_no_flow")),
                {"filter_block"}, "drop reasons with a count (tx_full aside: a PMD refusing "
                "a burst on a starved CPU; tcp_no_flow aside: late segments of ended "
                "connections)")
    n.check_late_segments(e.drops(s4))
    e.check(h1["block-a"] >= 2, "block-a must have decided the re-authorisation and the "
            "new connection: %d hits" % h1["block-a"])
    e.expect_eq(e.stat(s3, "reauthorizations") - r0, 2, "re-authorisations right after "
                "the commit")
    c.wait_idle()
    rx, tx, dropped, held, ok = e.accounting(c.stats())
    e.check(ok and held == 0, "accounting: rx %d != tx %d + drops %d + held %d" % (
        rx, tx, dropped, held))
    e.expect_eq(d.quit(c), 0, "exit code after quit")


n.run("net_reauth", main, budget=45)
