#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Unload order on live flows (issue 6, scenario 3; spec §4.1, §4.5, §3.3, N1, N8).

Topology of dfpnet (client on the outside port wan, server on lan: the
client's connections are INBOUND, ALE_AUTH_RECV_ACCEPT_V4).  Callouts:

  counter  builtin:count at ALE_FLOW_ESTABLISHED_V4, inspection filter
           count-all: every flow gets a context at STREAM_V4/counter.stream
  limiter  builtin:conn_limit (max 8) at ALE_AUTH_RECV_ACCEPT_V4, which
           associates a context at (RA4, limiter) with each flow it admits;
           terminating filters
             limit-block   local port 7001 or 8001
             limit-permit  local port 7002 or 8002, permit_if_callout_unregistered

Three long-lived nc uploads A (7001), B (7002), C (7003) carry the contexts
(A, B: limiter + counter.stream; C: counter.stream).  Then, as a driver's
unload does:

  callout unregister key counter / key limiter / id counter.stream
                                            STATUS_DEVICE_BUSY, nothing changes,
                                            the uploads keep flowing
  flow remove-context FLOWID 20 STREAM_ID   STATUS_SUCCESS each, count reports
                                            each flow at once (exactly once)
  flow remove-context all callout LIMITER   one line per flow, STATUS_SUCCESS
  the same again                            STATUS_UNSUCCESSFUL
  callout unregister key counter / limiter  STATUS_SUCCESS; again NOT_FOUND

After that (spec §3.3: an unregistered callout's filter is not invoked;
TERMINATING stands in for a hard BLOCK, or a PERMIT with
permit_if_callout_unregistered; INSPECTION is ignored): a new connection to
8001 times out (its SYN dropped), 8002 and 8003 connect, and a new upload D
passes with no context.  The established uploads keep their ALE decision
(unregistering is no policy change) and arrive intact; nothing is reported
twice.
"""

import os
import sys
import time

sys.dont_write_bytecode = True
import dfpnet as n  # noqa: E402

e = n.e
RA4, FE4 = "ALE_AUTH_RECV_ACCEPT_V4", "ALE_FLOW_ESTABLISHED_V4"
RA4_ID, STREAM4 = e.LAYER_IDS[RA4], e.LAYER_IDS["STREAM_V4"]
COUNTER_KEY, LIMITER_KEY = e.guid(0x302), e.guid(0x303)
CHUNK = 60000                   # bytes per upload per step
TCP_HDR = 14 + 20 + 32          # Ethernet + IPv4 + TCP with timestamps, per segment
MSS = 1500 - 20 - 32


def ports(*ps):
    return ", ".join("{field: IP_LOCAL_PORT, match: equal, value: %d}" % p for p in ps)


def config():
    return n.base_yaml() + (
        "sublayers:\n"
        "  - {name: mon, key: %s, weight: 100}\n"
        "callouts:\n"
        "  - {name: counter, key: %s, layer: %s, module: \"builtin:count\"}\n"
        "  - {name: limiter, key: %s, layer: %s, module: \"builtin:conn_limit\","
        " params: {max: 8}}\n"
        "filters:\n"
        "  - {name: count-all, layer: %s, sublayer: mon, action: callout_inspection,"
        " callout: counter}\n"
        "  - {name: limit-block, layer: %s, sublayer: mon, action: callout_terminating,"
        " callout: limiter, conditions: [%s]}\n"
        "  - {name: limit-permit, layer: %s, sublayer: mon, action: callout_terminating,"
        " callout: limiter, flags: [permit_if_callout_unregistered], conditions: [%s]}\n"
        % (e.guid(0x301), COUNTER_KEY, FE4, LIMITER_KEY, RA4, FE4, RA4, ports(7001, 8001),
           RA4, ports(7002, 8002)))


def instance(stats, name):
    """The `callout NAME: k v k v ...` line of show stats as {k: int or text}."""
    text = stats.get("callout %s" % name)
    e.check(isinstance(text, str), "no 'callout %s:' line in show stats" % name)
    tok = text.split()
    out = {}
    for i in range(0, len(tok) - 1, 2):
        try:
            out[tok[i]] = int(tok[i + 1], 0)
        except ValueError:
            out[tok[i]] = tok[i + 1]
    return out


def tcp_retrans(t):
    """TCP segments the client namespace retransmitted so far (/proc/net/snmp)."""
    r = t.run("cli", ["cat", "/proc/net/snmp"])
    e.check(r.ok, "reading the client's /proc/net/snmp: %r" % r)
    rows = [line.split() for line in r.out.splitlines() if line.startswith("Tcp:")]
    e.check(len(rows) == 2, "no Tcp rows in /proc/net/snmp:\n%s" % r.out)
    return int(rows[1][rows[0].index("RetransSegs")])


class Upload:
    """A kept-open nc upload to a `nc -l` listener; chunks of random bytes."""

    def __init__(self, t, port):
        self.t = t
        self.port = port
        self.out = t.path("got%d" % port)
        self.listener = t.nc_listener(port, self.out)
        self.session = t.nc_session(port, n.SRV4, name="up%d" % port)
        self.session.wait_connected()
        self.data = b""
        self.flow = None

    def step(self):
        """Send a chunk; wait until the server has everything so far (bounded)."""
        chunk = os.urandom(CHUNK)
        self.session.send(chunk)
        self.data += chunk
        end = time.monotonic() + 10
        while os.path.getsize(self.out) < len(self.data) and time.monotonic() < end:
            time.sleep(0.02)
        e.expect_eq(os.path.getsize(self.out), len(self.data),
                    "bytes at the server of the upload to %d" % self.port)

    def finish(self):
        self.session.close()
        for b in (self.session.bg, self.listener):
            e.expect_eq(b.wait(5), 0, "%s exit code after the close" % b.name)
        with open(self.out, "rb") as f:
            e.check(f.read() == self.data, "the upload to %d arrived altered (%d bytes sent)"
                    % (self.port, len(self.data)))


def by_port(flows, port):
    hits = [f for f in flows if f.proto == 6 and f.dst == n.SRV4 and f.dport == port]
    e.check(len(hits) == 1, "expected one flow to port %d in show flows, got:\n  %s" % (
        port, "\n  ".join(f.raw for f in flows)))
    return hits[0]


def wait_contexts(c, want, what, timeout=5):
    """Poll show callouts until {name: contexts} matches want."""
    end = time.monotonic() + min(timeout, c.test.remaining())
    while True:
        got = {o["name"]: e.to_int(o["contexts"]) for o in c.callouts() if o["name"] in want}
        if got == want:
            return
        if time.monotonic() >= end:
            e.fail("%s: contexts %r, expected %r" % (what, got, want))
        time.sleep(0.05)


def wait_reports(d, k, what, timeout=3):
    """Poll the output until counter's reports number k (a worker's log lines are written
    by the control thread within ~10 ms); fails on more or after timeout s."""
    end = time.monotonic() + min(timeout, d.test.remaining())
    while True:
        reps = e.count_reports(d.output(), "counter")
        if len(reps) >= k or time.monotonic() >= end:
            e.expect_eq(len(reps), k, "%s:\n  %s" % (what, "\n  ".join(r["line"]
                                                                        for r in reps)))
            return reps
        time.sleep(0.02)


def main(t):
    for p in (8001, 8002, 8003):
        t.http_server(p)
    d = t.dfp(config())
    c = d.client()
    ids = {o["name"]: int(o["id"]) for o in c.callouts()}
    stream_id, limiter_id = ids["counter.stream"], ids["limiter"]
    none = {"counter.stream": 0, "limiter": 0}

    # Registered: every port connects (limiter admits), and the short flows'
    # contexts go with them at FIN.
    for p in (8001, 8002, 8003):
        r = t.tcp_connect(p)
        e.check(r.connected, "port %d must connect while the callouts are registered: %r" % (
            p, r))
    wait_contexts(c, none, "after the probes' flows ended")
    n_probe_reports = 3
    wait_reports(d, n_probe_reports, "count reports of the three probes (FIN, on the worker)")

    # Three long-lived uploads with contexts.
    retrans0 = tcp_retrans(t)
    ups = {p: Upload(t, p) for p in (7001, 7002, 7003)}
    for u in ups.values():
        u.step()
    flows = c.flows()
    for p, u in ups.items():
        u.flow = by_port(flows, p)
    want_ctx = {7001: {(RA4_ID, limiter_id), (STREAM4, stream_id)},
                7002: {(RA4_ID, limiter_id), (STREAM4, stream_id)},
                7003: {(STREAM4, stream_id)}}
    e.expect_eq({p: set(u.flow.ctx) for p, u in ups.items()}, want_ctx,
                "contexts of the uploads' flows")
    e.expect_eq({p: u.flow.state for p, u in ups.items()},
                {p: "established" for p in ups}, "states of the uploads' flows")
    busy = {"counter.stream": 3, "limiter": 2}
    wait_contexts(c, busy, "while the uploads are open")

    # Unregister while flows carry contexts: DEVICE_BUSY, nothing changes.
    for how in ("key %s" % COUNTER_KEY, "key %s" % LIMITER_KEY, "id %d" % stream_id):
        lines = c.cmd("callout unregister " + how, "STATUS_DEVICE_BUSY")
        e.check(any("flow remove-context" in x for x in lines),
                "DEVICE_BUSY without a hint to remove the contexts: %r" % lines)
    co = {o["name"]: o for o in c.callouts()}
    e.expect_eq({x: co[x]["registered"] for x in ("counter", "counter.stream",
                                                    "counter.datagram", "limiter")},
                {x: "yes" for x in ("counter", "counter.stream", "counter.datagram",
                                    "limiter")}, "registered after STATUS_DEVICE_BUSY")
    wait_contexts(c, busy, "after STATUS_DEVICE_BUSY")
    for u in ups.values():
        u.step()        # the uploads keep flowing
    flows = c.flows()
    e.expect_eq({p: set(by_port(flows, p).ctx) for p in ups}, want_ctx,
                "contexts after STATUS_DEVICE_BUSY and more data")
    e.expect_eq(len(e.count_reports(d.output(), "counter")), n_probe_reports,
                "count reports before any removal")

    # Remove every context: count's one by one, the limiter's all at once.
    for p, u in ups.items():
        r = c.send("flow remove-context 0x%x %d %d" % (u.flow.id, STREAM4, stream_id))
        e.expect_eq(r.status, "STATUS_SUCCESS", "removing the stream context of the upload "
                    "to %d (no packet in flight: flowDeleteFn runs in the call)" % p)
    retrans = tcp_retrans(t) - retrans0     # every segment the reports can include
    reps = {r["flow"]: r for r in e.count_reports(d.output(), "counter")}
    for p, u in ups.items():
        r = reps.get(u.flow.id)
        e.check(r is not None, "no count report of flow 0x%x (port %d) after its removal" % (
            u.flow.id, p))
        e.log("%s (client retransmitted %d segments)" % (r["line"], retrans))
        e.expect_eq((r["dport"], r["pout"], r["bout"]), (p, 0, 0),
                    "port and server payload in %r" % r["line"])
        payload = r["bin"] - TCP_HDR * r["pin"]
        if retrans == 0:
            e.expect_eq(payload, 2 * CHUNK, "payload bytes in %r" % r["line"])
        else:
            # Lost segments were sent again (dfp may have seen both copies or one).
            e.check(2 * CHUNK <= payload <= 2 * CHUNK + retrans * MSS,
                    "payload bytes %d not within [%d, %d + %d retransmitted segments] in %r"
                    % (payload, 2 * CHUNK, 2 * CHUNK, retrans, r["line"]))
    lines = c.cmd("flow remove-context all callout %d" % limiter_id)
    listed = sorted(e.to_int(x.split()[0]) for x in lines
                    if x.split() and x.split()[0].startswith("0x"))
    e.expect_eq(listed, sorted([ups[7001].flow.id, ups[7002].flow.id]),
                "flows listed by `flow remove-context all callout %d`:\n  %s" % (
                    limiter_id, "\n  ".join(lines)))
    e.check(all("STATUS_SUCCESS" in x for x in lines if x.startswith("0x")),
            "every removal must succeed:\n  %s" % "\n  ".join(lines))
    for p, u in ups.items():
        for lay, cid in sorted(want_ctx[p]):
            c.cmd("flow remove-context 0x%x %d %d" % (u.flow.id, lay, cid),
                  "STATUS_UNSUCCESSFUL")
    wait_contexts(c, none, "after every removal", timeout=0)
    flows = c.flows()
    e.expect_eq({p: by_port(flows, p).ctx for p in ups}, {p: [] for p in ups},
                "contexts of the uploads after the removals")
    s = c.stats()
    e.expect_eq((instance(s, "counter")["live"], instance(s, "limiter")["live"]), (0, 0),
                "live contexts of counter and limiter after the removals")
    for u in ups.values():
        u.step()        # still flowing, no context any more

    # Unregister: SUCCESS, then NOT_FOUND; every callout of both instances is gone.
    c.cmd("callout unregister key %s" % COUNTER_KEY, "STATUS_SUCCESS")
    c.cmd("callout unregister key %s" % LIMITER_KEY, "STATUS_SUCCESS")
    for key in (COUNTER_KEY, LIMITER_KEY):
        c.cmd("callout unregister key %s" % key, "STATUS_FWP_CALLOUT_NOT_FOUND")
    co = {o["name"]: o for o in c.callouts()}
    e.expect_eq({x: co[x]["registered"] for x in ("counter", "counter.stream",
                                                    "counter.datagram", "limiter")},
                {x: "no" for x in ("counter", "counter.stream", "counter.datagram",
                                   "limiter")}, "registered after unregistration")

    # Established flows keep their ALE decision; new ones meet the fallbacks.
    for u in ups.values():
        u.step()
    s0 = c.stats()
    hits0 = {f["name"]: int(f["hits"], 0) for f in c.filters()}
    r = t.tcp_connect(8001)
    e.check(r.timed_out, "8001 (terminating filter, callout unregistered) must time out: %r"
            % r)
    r = t.tcp_connect(8002)
    e.check(r.connected, "8002 (permit_if_callout_unregistered) must connect: %r" % r)
    r = t.tcp_connect(8003)
    e.check(r.connected, "8003 (no terminating filter) must connect: %r" % r)
    ud = Upload(t, 7004)
    ud.step()
    fd = by_port(c.flows(), 7004)
    e.expect_eq((fd.state, fd.ctx), ("established", []),
                "a new upload's flow after unregistration (inspection filter ignored)")
    c.wait_idle()
    s1 = c.stats()
    hits1 = {f["name"]: int(f["hits"], 0) for f in c.filters()}
    # The fallbacks decide: one block (SYN retransmissions meet the flow's cached
    # decision), and the permit comes from limit-permit itself, not from "nothing
    # matched" (which would leave its hits alone).
    e.expect_eq({k: hits1[k] - hits0[k] for k in ("limit-block", "limit-permit")},
                {"limit-block": 1, "limit-permit": 1},
                "filter hits of the new connections' fallbacks")
    e.check(e.drops(s1).get("filter_block", 0) > e.drops(s0).get("filter_block", 0),
            "drop.filter_block must count the SYNs to 8001")

    # Closed: intact, and nothing reported again.
    for u in list(ups.values()) + [ud]:
        u.finish()
    c.wait_idle()
    s = c.stats()
    wait_reports(d, n_probe_reports + 3, "count reports at the end (none since the removals)")
    e.expect_eq({k: instance(s, "counter")[k] for k in ("flows", "live")},
                {"flows": 6, "live": 0}, "counter flows/live at the end")
    # Admitted: the 8001 and 8002 probes, A and B.
    lim = instance(s, "limiter")
    e.expect_eq({k: lim[k] for k in ("live", "admitted", "blocked")},
                {"live": 0, "admitted": 4, "blocked": 0}, "limiter at the end")
    rx, tx, dropped, held, ok = e.accounting(s)
    e.check(ok, "accounting: rx %d, tx %d, drops %d, held %d" % (rx, tx, dropped, held))
    e.expect_eq(d.quit(c), 0, "exit code after quit")
    e.expect_eq(len(e.count_reports(d.output(), "counter")), n_probe_reports + 3,
                "count reports after quit (exactly once)")


n.run("net_unload", main, budget=45)
