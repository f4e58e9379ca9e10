#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Filter arbitration end to end (spec §3, negative case N11).

One UDP flow (or two) per case, told apart by the local port (inbound, from
wan) or the remote port (outbound, from lan); each case's filters match only
its port.  After the replay, the tx pcaps must hold exactly the frames of the
permitted cases, in order, and the FILTER_BLOCK drops must count exactly the
frames of the blocked ones.

Sublayer `hi` (weight 200) is evaluated before `lo` (weight 100).  TR =
INBOUND_TRANSPORT_V4, RA = ALE_AUTH_RECV_ACCEPT_V4, FE = ALE_FLOW_ESTABLISHED_V4.

  port  layer  filters                                         result
  6001  TR     hi: hard permit (clear_action_right, w 1)       PERMIT: a hard permit wins
               lo: block (w 1000)                              over a lower sublayer's block
  6002  TR     hi: soft permit       lo: block                 BLOCK: a soft permit is overridden
  6003  TR     hi: block             lo: hard permit           BLOCK: a static block is final
  6004  TR     hi: block             lo: soft permit           BLOCK
  6005  TR     hi: permit w 20, block w 10                     PERMIT: weight order in a sublayer
  6006  TR     hi: block w 20, permit w 10                     BLOCK
  6007  -      (nothing matches)                               PERMIT
  6010  RA     hi: hard permit       lo: conn_limit (max 1)    both flows PERMIT: the callout is
               invoked without the write right and, as WFP's samples do, leaves the decision
               alone (spec §3.1.9); it admits nothing
  6011  RA     lo: conn_limit (max 1)                          flow 1 PERMIT, flow 2 BLOCK
  6012  RA     hi: soft permit       lo: conn_limit (max 1)    flow 1 PERMIT, flow 2 BLOCK: a
                                                               callout overrides a soft permit
  6013  RA     hi: hard permit       lo: unregistered callout  PERMIT: the substituted block is
                                                               static, it cannot veto (§3.3)
  6014  RA     hi: soft permit       lo: unregistered callout  BLOCK
  6015  RA     lo: unregistered callout with                   PERMIT
               permit_if_callout_unregistered
  6016  RA     lo: unregistered callout (callout_unknown)      BLOCK
  6020  FE     hi: count inspection w 100, block w 10          BLOCK: CONTINUE does not end the
                                                               sublayer (a 1-frame flow)
  6021  FE     hi: count inspection w 100, permit w 50,        PERMIT: the permit ends the sublayer
               block w 10
  6022  FE     hi: count inspection only                       PERMIT: inspection decides nothing
  6030  INBOUND_TRANSPORT_V6  hi: hard permit  lo: block       PERMIT (IPv6 flow)
  6031  INBOUND_TRANSPORT_V6  hi: soft permit  lo: block       BLOCK  (IPv6 flow)
  6040  ALE_AUTH_CONNECT_V4   hi: hard permit  lo: block       PERMIT (outbound: from lan,
  6041  ALE_AUTH_CONNECT_V4   hi: soft permit  lo: block       BLOCK   remote port 6040/6041)

6010 checks that a callout without the veto (conn_limit's default, `veto:
no`) leaves the hard permit alone, and the conn_limit counters show which
flows it admitted and blocked; the veto of a hard permit by a callout that
writes BLOCK without the write right (`veto: yes`) is test_veto.py.

Hit counters: after the replay `show filters` and telemetry's /dfp/filters,ID
must give each filter the number of classifications it decided (HITS): every
frame at a per-packet layer (TR and its IPv6 twin), one authorisation per flow
at the ALE layers (a flow's later frames reuse its decision, a blocked flow's
included), and nothing for a filter that matched but lost the arbitration or
only inspected.
"""

import re
import sys

sys.dont_write_bytecode = True
import dfpe2e as e  # noqa: E402

N = 3  # frames per multi-frame flow


def cond_port(port, field="IP_LOCAL_PORT"):
    return "    conditions:\n      - {field: %s, match: equal, value: %d}\n" % (field, port)


def flt(name, layer, sublayer, weight, action, port, flags=None, callout=None,
        field="IP_LOCAL_PORT"):
    s = "  - name: %s\n    layer: %s\n    sublayer: %s\n    weight: %d\n    action: %s\n" % (
        name, layer, sublayer, weight, action)
    if flags:
        s += "    flags: [%s]\n" % ", ".join(flags)
    if callout:
        s += "    callout: %s\n" % callout
    return s + cond_port(port, field)


TR = "INBOUND_TRANSPORT_V4"
RA = "ALE_AUTH_RECV_ACCEPT_V4"
FE = "ALE_FLOW_ESTABLISHED_V4"
HARD = ["clear_action_right"]


def config():
    y = e.base_yaml()
    y += ("sublayers:\n"
          "  - {name: hi, key: %s, weight: 200}\n"
          "  - {name: lo, key: %s, weight: 100}\n" % (e.guid(1), e.guid(2)))
    y += ("callouts:\n"
          "  - name: limiter\n    key: %s\n    layer: %s\n    module: \"builtin:conn_limit\"\n"
          "    params: {max: 1}\n"
          "  - name: counter\n    key: %s\n    layer: %s\n    module: \"builtin:count\"\n"
          "  - name: absent\n    key: %s\n    layer: %s\n    module: \"builtin:conn_limit\"\n"
          "    register: false\n    params: {max: 1}\n"
          % (e.guid(3), RA, e.guid(4), FE, e.guid(5), RA))
    y += "filters:\n"
    y += flt("c6001-hard-permit", TR, "hi", 1, "permit", 6001, HARD)
    y += flt("c6001-block", TR, "lo", 1000, "block", 6001)
    y += flt("c6002-soft-permit", TR, "hi", 1, "permit", 6002)
    y += flt("c6002-block", TR, "lo", 1000, "block", 6002)
    y += flt("c6003-block", TR, "hi", 1, "block", 6003)
    y += flt("c6003-hard-permit", TR, "lo", 1000, "permit", 6003, HARD)
    y += flt("c6004-block", TR, "hi", 1, "block", 6004)
    y += flt("c6004-soft-permit", TR, "lo", 1000, "permit", 6004)
    y += flt("c6005-permit", TR, "hi", 20, "permit", 6005)
    y += flt("c6005-block", TR, "hi", 10, "block", 6005)
    y += flt("c6006-block", TR, "hi", 20, "block", 6006)
    y += flt("c6006-permit", TR, "hi", 10, "permit", 6006, HARD)
    y += flt("c6010-hard-permit", RA, "hi", 1, "permit", 6010, HARD)
    y += flt("c6010-limit", RA, "lo", 1, "callout_terminating", 6010, callout="limiter")
    y += flt("c6011-limit", RA, "lo", 1, "callout_terminating", 6011, callout="limiter")
    y += flt("c6012-soft-permit", RA, "hi", 1, "permit", 6012)
    y += flt("c6012-limit", RA, "lo", 1, "callout_terminating", 6012, callout="limiter")
    y += flt("c6013-hard-permit", RA, "hi", 1, "permit", 6013, HARD)
    y += flt("c6013-absent", RA, "lo", 1, "callout_terminating", 6013, callout="absent")
    y += flt("c6014-soft-permit", RA, "hi", 1, "permit", 6014)
    y += flt("c6014-absent", RA, "lo", 1, "callout_terminating", 6014, callout="absent")
    y += flt("c6015-absent", RA, "lo", 1, "callout_terminating", 6015,
             ["permit_if_callout_unregistered"], callout="absent")
    y += flt("c6016-absent", RA, "lo", 1, "callout_unknown", 6016, callout="absent")
    y += flt("c6020-inspect", FE, "hi", 100, "callout_inspection", 6020, callout="counter")
    y += flt("c6020-block", FE, "hi", 10, "block", 6020)
    y += flt("c6021-inspect", FE, "hi", 100, "callout_inspection", 6021, callout="counter")
    y += flt("c6021-permit", FE, "hi", 50, "permit", 6021)
    y += flt("c6021-block", FE, "hi", 10, "block", 6021)
    y += flt("c6022-inspect", FE, "hi", 100, "callout_inspection", 6022, callout="counter")
    y += flt("c6030-hard-permit", "INBOUND_TRANSPORT_V6", "hi", 1, "permit", 6030, HARD)
    y += flt("c6030-block", "INBOUND_TRANSPORT_V6", "lo", 1, "block", 6030)
    y += flt("c6031-soft-permit", "INBOUND_TRANSPORT_V6", "hi", 1, "permit", 6031)
    y += flt("c6031-block", "INBOUND_TRANSPORT_V6", "lo", 1, "block", 6031)
    y += flt("c6040-hard-permit", "ALE_AUTH_CONNECT_V4", "hi", 1, "permit", 6040, HARD,
             field="IP_REMOTE_PORT")
    y += flt("c6040-block", "ALE_AUTH_CONNECT_V4", "lo", 1, "block", 6040,
             field="IP_REMOTE_PORT")
    y += flt("c6041-soft-permit", "ALE_AUTH_CONNECT_V4", "hi", 1, "permit", 6041,
             field="IP_REMOTE_PORT")
    y += flt("c6041-block", "ALE_AUTH_CONNECT_V4", "lo", 1, "block", 6041,
             field="IP_REMOTE_PORT")
    return y


# (tag, remote, remote port, local port, frames, permitted)
FLOWS = [
    ("c6001", "198.51.100.1", 41001, 6001, N, True),
    ("c6002", "198.51.100.2", 41002, 6002, N, False),
    ("c6003", "198.51.100.3", 41003, 6003, N, False),
    ("c6004", "198.51.100.4", 41004, 6004, N, False),
    ("c6005", "198.51.100.5", 41005, 6005, N, True),
    ("c6006", "198.51.100.6", 41006, 6006, N, False),
    ("c6007", "198.51.100.7", 41007, 6007, N, True),
    ("c6010a", "198.51.100.50", 42001, 6010, N, True),
    ("c6010b", "198.51.100.50", 42002, 6010, N, True),
    ("c6011a", "198.51.100.51", 42001, 6011, N, True),
    ("c6011b", "198.51.100.51", 42002, 6011, N, False),
    ("c6012a", "198.51.100.52", 42001, 6012, N, True),
    ("c6012b", "198.51.100.52", 42002, 6012, N, False),
    ("c6013", "198.51.100.13", 41013, 6013, N, True),
    ("c6014", "198.51.100.14", 41014, 6014, N, False),
    ("c6015", "198.51.100.15", 41015, 6015, N, True),
    ("c6016", "198.51.100.16", 41016, 6016, N, False),
    ("c6020", "198.51.100.20", 43001, 6020, 1, False),
    ("c6021", "198.51.100.21", 43001, 6021, N, True),
    ("c6022", "198.51.100.22", 43001, 6022, N, True),
]
LOCAL = "10.0.0.10"
# IPv6, inbound: (tag, remote, remote port, local port, frames, permitted).
FLOWS6 = [
    ("c6030", "2001:db8:ff::30", 44001, 6030, N, True),
    ("c6031", "2001:db8:ff::31", 44001, 6031, N, False),
]
LOCAL6 = "2001:db8:1::10"
# Outbound from lan: (tag, remote, remote port, local port, frames, permitted).
OUT_FLOWS = [
    ("c6040", "203.0.113.40", 6040, 45001, N, True),
    ("c6041", "203.0.113.41", 6041, 45002, N, False),
]


# Filter name -> classifications it decided; every other filter decided none.
# N frames per flow at TR (and INBOUND_TRANSPORT_V6); 1 per flow at RA, FE and
# ALE_AUTH_CONNECT.
HITS = {
    "c6001-hard-permit": N,   # beats lo's block
    "c6002-block": N,         # overrides hi's soft permit
    "c6003-block": N,         # hi's block is final
    "c6004-block": N,
    "c6005-permit": N,        # heavier than the block beside it
    "c6006-block": N,
    "c6010-hard-permit": 2,   # both flows; the limiter runs without the write right
    "c6011-limit": 2,         # admits flow a, blocks flow b
    "c6012-soft-permit": 1,   # flow a: the limiter's soft PERMIT leaves it in place
    "c6012-limit": 1,         # flow b: its BLOCK overrides the soft permit
    "c6013-hard-permit": 1,   # the substituted static block cannot veto it
    "c6014-absent": 1,        # substituted hard block beats the soft permit
    "c6015-absent": 1,        # permit_if_callout_unregistered
    "c6016-absent": 1,
    "c6020-block": 1,         # established once; inspection decides nothing
    "c6021-permit": 1,
    "c6030-hard-permit": N,
    "c6031-block": N,
    "c6040-hard-permit": 1,
    "c6041-block": 1,
}


def check_hits(d, c):
    """`show filters` and telemetry: each filter's hits equal the classifications it decided."""
    listed = c.filters()
    names = [f.get("name") for f in listed]
    e.check(len(listed) == len(set(names)), "filter names not unique: %r" % names)
    missing = sorted(set(HITS) - set(names))
    e.check(not missing, "filters not listed: %r" % missing)
    problems = []
    for f in listed:
        e.check(re.fullmatch(r"\d+", f.get("hits", "")) is not None,
                "no hit count in %r" % f["raw"])
        want = HITS.get(f["name"], 0)
        if int(f["hits"]) != want:
            problems.append("%s: hits %s, expected %d" % (f["name"], f["hits"], want))
    e.check(not problems, "hit counters differ from the arbitration table:\n  " +
            "\n  ".join(problems))
    # /dfp/filters,ID reports the same counts.
    tel = d.telemetry()
    for f in listed:
        obj = tel.query("/dfp/filters,%d" % f["id"])
        e.check(isinstance(obj, dict) and obj.get("name") == f["name"],
                "/dfp/filters,%d: %r is not filter %s" % (f["id"], obj, f["name"]))
        e.expect_eq(obj.get("hits"), int(f["hits"]), "/dfp/filters,%d hits (%s)" % (
            f["id"], f["name"]))
    # Each frame of a TR case was decided by exactly one filter at that layer.
    tr = sum(int(f["hits"]) for f in c.filters(TR))
    e.expect_eq(tr, N * 6, "hits at %s (six cases of %d frames)" % (TR, N))


def main(t):
    wan, lan = [], []
    for tag, remote, rport, lport, n, _ in FLOWS:
        wan += e.udp_flow(remote, LOCAL, rport, lport, n, tag, inbound=True)
    for tag, remote, rport, lport, n, _ in FLOWS6:
        wan += e.udp_flow(remote, LOCAL6, rport, lport, n, tag, inbound=True)
    for tag, remote, rport, lport, n, _ in OUT_FLOWS:
        lan += e.udp_flow(LOCAL, remote, lport, rport, n, tag, inbound=False)
    d = t.dfp(config(), wan=wan, lan=lan)
    c = d.client()
    c.wait_idle()

    got = {}
    for port in ("lan", "wan"):
        for p in d.out_packets(port):
            e.check(p.proto == 17, "unexpected frame out of %s: %r" % (port, p))
            got.setdefault((port, p.src, p.sport, p.dst, p.dport), []).append(
                p.payload.decode("ascii", "replace"))
    expected = []
    for tag, remote, rport, lport, n, permitted in FLOWS:
        expected.append((tag, ("lan", remote, rport, LOCAL, lport), n, permitted))
    for tag, remote, rport, lport, n, permitted in FLOWS6:
        expected.append((tag, ("lan", remote, rport, LOCAL6, lport), n, permitted))
    for tag, remote, rport, lport, n, permitted in OUT_FLOWS:
        expected.append((tag, ("wan", LOCAL, lport, remote, rport), n, permitted))
    problems = []
    for tag, key, n, permitted in expected:
        want = ["%s-%d" % (tag, i) for i in range(n)] if permitted else []
        have = got.pop(key, [])
        if have != want:
            problems.append("%s (out of %s: %s:%d > %s:%d): expected %s, got %s" % (
                tag, key[0], key[1], key[2], key[3], key[4], want or "nothing",
                have or "nothing"))
    for k, v in got.items():
        problems.append("frames of no case: %r %r" % (k, v))
    e.check(not problems, "output differs from the arbitration table:\n  " +
            "\n  ".join(problems))

    every = FLOWS + FLOWS6 + OUT_FLOWS
    total = sum(f[4] for f in every)
    permitted = sum(f[4] for f in every if f[5])
    s = c.stats()
    e.expect_eq(e.stat(s, "rx_packets"), total, "rx_packets")
    e.expect_eq(e.stat(s, "tx_packets"), permitted, "tx_packets")
    dr = {k: v for k, v in e.drops(s).items() if v}
    e.expect_eq(dr, {"filter_block": total - permitted}, "non-zero drop counters")
    # conn_limit admitted the first flows of 6011 and 6012 and blocked their second
    # ones; 6010's two flows reached it without the write right.
    lim = e.stat(s, "callout limiter")
    got = dict(re.findall(r"\b(admitted|blocked|live) (\d+)", str(lim)))
    e.expect_eq(got, {"admitted": "2", "blocked": "2", "live": "2"},
                "conn_limit counters (callout limiter: %s)" % lim)
    reg = {o["name"]: o.get("registered") for o in c.callouts()}
    e.expect_eq((reg.get("limiter"), reg.get("absent")), ("yes", "no"), "registered")
    check_hits(d, c)
    d.quit(c)
    e.expect_eq(d.rc, 0, "exit code after quit")


e.run("arbitration", main)
