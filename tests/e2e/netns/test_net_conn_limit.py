#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""builtin:conn_limit with real connections (issue 6, scenario 6).

Topology of dfpnet: the client (10.0.0.1 and 10.0.0.3) faces dfp's outside
port wan, the server (10.0.0.2) its inside port lan, so the client's
connections are INBOUND: ALE_AUTH_RECV_ACCEPT_V4, remote = the client.
The callout `limiter` (builtin:conn_limit, max 3) is the terminating
callout of a filter for local port 7000; the server there (tcp_tick.py)
sends every connection a line every 0.2 s, so every held-open nc session
shows data flowing.

  the client                                   limiter's counters
  1. three nc sessions from 10.0.0.1           live 3 admitted 3 blocked 0
     held open: each receives ticks
  2. a fourth connection from 10.0.0.1         blocked 1: the SYN is dropped,
     times out (never reaches the server)      live still 3
  3. a session from 10.0.0.3 is admitted and   live 4 admitted 4
     receives ticks
  4. the server closes one of the first        live 3, within seconds (not the
     three (SIGUSR1 to tcp_tick.py), its nc     idle timeout): the flow ended on
     exits: the flow ends, flowDeleteFn gives   its FIN handshake
     the count back
  5. a new session from 10.0.0.1 works again   live 4 admitted 5 blocked 1
  6. the server closes every session (SIGUSR2) live 0, every admitted flow ended

The server closes, not the client, so no segment outlives its flow: a
client closing while a tick is on its way answers the tick with a RST after
its FIN, and the server's FIN with another RST once its socket is gone. The
datapath forgets a TCP flow at the ACK after both FINs or at the first RST;
a late segment after that opens no flow (flows tcp_pickup: no, the
default: only a SYN is authorised at ALE_AUTH_RECV_ACCEPT) and is dropped
as drop.tcp_no_flow, so conn_limit never admits one and its counts are
exact in any case.

The datapath's counters agree (flows ended, drop.filter_block for the
refused SYN and its retransmissions, no other drop but tx_full and, only
after such a loss, tcp_no_flow for a retransmission that outlived its
flow), and the accounting closes.
"""

import os
import signal
import sys
import time

sys.dont_write_bytecode = True
import dfpnet as n  # noqa: E402

e = n.e
RA4 = "ALE_AUTH_RECV_ACCEPT_V4"
PORT = 7000
MAX = 3
IDLE_S = 30            # longer than the test waits for a closed flow to end (FIN, not aging)
END_TIMEOUT_S = 5      # a closed session's flow ends within this
TICKS_TIMEOUT_S = 5


def config():
    return n.base_yaml(flows={"idle_timeout_s": IDLE_S}) + (
        "sublayers:\n"
        "  - {name: limits, key: %s, weight: 100}\n"
        "callouts:\n"
        "  - {name: limiter, key: %s, layer: %s, module: \"builtin:conn_limit\","
        " params: {max: %d}}\n"
        "filters:\n"
        "  - {name: limit-7000, layer: %s, sublayer: limits, action: callout_terminating,"
        " callout: limiter,"
        " conditions: [{field: IP_LOCAL_PORT, match: equal, value: %d}]}\n"
        % (e.guid(0x601), e.guid(0x602), RA4, MAX, RA4, PORT))


def limiter(c):
    """The callout's counters from `show stats`: {live: N, admitted: N, ...}."""
    line = e.stat(c.stats(), "callout limiter")
    tok = str(line).split()
    out = {}
    for k, v in zip(tok[0::2], tok[1::2]):
        try:
            out[k] = int(v, 0)
        except ValueError:
            out[k] = v
    return out


def expect_limiter(c, what, **want):
    """The limiter's counters are exactly want."""
    got = limiter(c)
    e.expect_eq({k: got.get(k) for k in want}, want, "limiter counters %s (%r)" % (what, got))
    return got


def wait_limiter(c, pred, what, timeout):
    end = time.monotonic() + timeout
    while True:
        got = limiter(c)
        if pred(got):
            return got
        if time.monotonic() >= end:
            e.fail("timed out (%.1f s) waiting for %s; limiter: %r" % (timeout, what, got))
        time.sleep(0.1)


def ticks(s):
    return sum(1 for line in s.out().splitlines() if line.startswith("tick "))


def expect_ticking(sessions, what):
    """Every session receives at least 3 more ticks (bounded) and is still open."""
    start = [ticks(s) for s in sessions]
    end = time.monotonic() + TICKS_TIMEOUT_S
    while True:
        now = [ticks(s) for s in sessions]
        if all(b >= a + 3 for a, b in zip(start, now)):
            break
        if time.monotonic() >= end:
            e.fail("%s: every session must receive ticks: %r -> %r; %s" % (
                what, start, now, "; ".join("%s: %s" % (s.name, s.err().strip())
                                            for s in sessions)))
        time.sleep(0.05)
    e.log("%s: ticks %r -> %r" % (what, start, now))
    e.check(all(s.alive() for s in sessions), "%s: every session must be open" % what)


def opened(tick, addr, what="open"):
    """Connections from addr the server logged as opened (or closed: what="close")."""
    return sum(1 for line in tick.out().splitlines()
               if line.startswith(what + " ") and line.split()[1] == addr)


def wait_closed(tick, addr, count, what):
    """Until the server logged count closes of connections from addr (bounded)."""
    end = time.monotonic() + END_TIMEOUT_S
    while opened(tick, addr, "close") < count and time.monotonic() < end:
        time.sleep(0.05)
    e.expect_eq(opened(tick, addr, "close"), count, "%s: connections from %s the server "
                "saw closed (its log:\n%s)" % (what, addr, tick.out()))


def wait_exited(sessions, count, what):
    """Until count of the sessions' nc have exited with 0 (bounded); those."""
    end = time.monotonic() + END_TIMEOUT_S
    while sum(1 for s in sessions if not s.alive()) < count and time.monotonic() < end:
        time.sleep(0.05)
    gone = [s for s in sessions if not s.alive()]
    e.check(len(gone) == count and all(s.proc.returncode == 0 for s in gone),
            "%s: %d nc session(s) must have ended with 0: %r" % (
                what, count, [(s.name, s.proc.returncode) for s in sessions]))
    return gone


def main(t):
    d = t.dfp(config())
    c = d.client()
    tick = t.tcp_tick(PORT)
    expect_limiter(c, "at start", live=0, admitted=0, blocked=0, max=MAX)
    s0 = c.stats()

    # 1. MAX sessions from 10.0.0.1, held open, data flowing on each.
    first = [t.nc_reader(PORT, src=n.CLI4, name="nc1-%d" % i) for i in range(MAX)]
    wait_limiter(c, lambda g: g["live"] == MAX, "%d live sessions" % MAX, TICKS_TIMEOUT_S)
    expect_ticking(first, "%d sessions from %s" % (MAX, n.CLI4))
    expect_limiter(c, "with %d sessions" % MAX, live=MAX, admitted=MAX, blocked=0)

    # 2. One more from the same address: its SYN is dropped.
    r = t.tcp_connect(PORT, src=n.CLI4)
    e.check(r.timed_out, "connection %d from %s must time out (SYN dropped): %r" % (
        MAX + 1, n.CLI4, r))
    expect_limiter(c, "after the refused connection", live=MAX, admitted=MAX, blocked=1)
    e.expect_eq(opened(tick, n.CLI4), MAX, "connections the server accepted from %s" % n.CLI4)

    # 3. Another address has its own count.
    alt = t.nc_reader(PORT, src=n.CLI4_ALT, name="nc3")
    expect_ticking([alt], "a session from %s" % n.CLI4_ALT)
    expect_limiter(c, "with a session from %s" % n.CLI4_ALT, live=MAX + 1, admitted=MAX + 1,
                   blocked=1)
    flows = [f for f in c.flows() if f.proto == 6 and f.dport == PORT]
    with_ctx = [f for f in flows if f.ctx]
    e.expect_eq(sorted(f.src for f in with_ctx), sorted([n.CLI4] * MAX + [n.CLI4_ALT]),
                "flows carrying limiter's context (show flows:\n  %s)" % "\n  ".join(
                    f.raw for f in flows))
    ended0 = e.stat(c.stats(), "flows_ended")

    # 4. The server closes its oldest connection, one of the first three: nc sees the
    # end and exits, the flow ends on the FIN handshake and flowDeleteFn gives its
    # count back, long before the idle timeout. (The server closes, so no data is in
    # flight when the client's FIN goes: see end_sessions.)
    t_close = time.monotonic()
    os.kill(tick.proc.pid, signal.SIGUSR1)
    wait_closed(tick, n.CLI4, 1, "after the server closed its oldest connection")
    gone = wait_exited(first, 1, "after the server closed its oldest connection")
    got = wait_limiter(c, lambda g: g["live"] == MAX, "the closed session's count given back",
                       END_TIMEOUT_S)
    e.log("count given back %.2f s after the close: %r" % (time.monotonic() - t_close, got))
    e.check(e.stat(c.stats(), "flows_ended") >= ended0 + 1, "the closed session's flow "
            "must have ended (flows_ended)")
    held = [s for s in first if s not in gone]

    # 5. A new session from 10.0.0.1 is admitted again.
    again = t.nc_reader(PORT, src=n.CLI4, name="nc1-again")
    expect_ticking(held + [again, alt], "the sessions after a new one from %s" % n.CLI4)
    expect_limiter(c, "after the new session", live=MAX + 1, admitted=MAX + 2, blocked=1,
                   table_full=0, contended=0, assoc_failed=0)
    e.expect_eq(opened(tick, n.CLI4), MAX + 1, "connections the server accepted from %s" %
                n.CLI4)

    # 6. Every session closes: no count outlives its flow.
    os.kill(tick.proc.pid, signal.SIGUSR2)
    wait_closed(tick, n.CLI4, MAX + 1, "after the server closed every connection")
    wait_closed(tick, n.CLI4_ALT, 1, "after the server closed every connection")
    wait_exited(held + [again, alt], MAX + 1, "after the server closed every connection")
    wait_limiter(c, lambda g: g["live"] == 0, "every count given back", END_TIMEOUT_S)
    c.wait_idle()
    s = c.stats()
    e.check(e.stat(s, "flows_ended") - e.stat(s0, "flows_ended") >= MAX + 2,
            "the %d admitted flows must have ended" % (MAX + 2))
    fb = e.drops(s).get("filter_block", 0) - e.drops(s0).get("filter_block", 0)
    e.check(fb >= 1, "drop.filter_block must count the refused SYN: +%d" % fb)
    # tx_full aside (a PMD refusing a burst on a starved CPU), and tcp_no_flow
    # (a late segment of an ended connection: it opens no flow, so conn_limit
    # never counts it).
    e.expect_eq(set(k for k, v in e.drops(s).items()
                    if v and k not in ("tx_full", "tcp_no_flow")),
                {"filter_block"}, "drop reasons with a count")
    n.check_late_segments(e.drops(s))
    rx, tx, dropped, held, ok = e.accounting(s)
    e.check(ok and held == 0, "accounting: rx %d != tx %d + drops %d + held %d" % (
        rx, tx, dropped, held))
    expect_limiter(c, "at the end", live=0, admitted=MAX + 2, blocked=1)
    e.expect_eq(d.quit(c), 0, "exit code after quit")


n.run("net_conn_limit", main, budget=45)
