#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""The telemetry endpoints (DESIGN §5) against the replayed traffic and the YAML.

The appliance runs as the harness starts it (--no-shconf: EAL still opens
its telemetry v2 socket in the runtime directory).  A client speaks to it as
usertools/dpdk-telemetry.py does: SOCK_SEQPACKET, the greeting JSON first,
then one command per message and one JSON object back.

Filters (YAML, explicit keys):
  pend-5001   ALE_AUTH_RECV_ACCEPT_V4  callout gate (builtin:verdict)  local port 5001
  limit-6001  ALE_AUTH_RECV_ACCEPT_V4  callout limiter (conn_limit, max 1)  local port 6001
  no-telnet   INBOUND_TRANSPORT_V4     block   local port 23
  web         INBOUND_TRANSPORT_V4     permit  local port 80

Traffic (UDP): on wan P -> 5001 (2 frames, pended and held), L1 -> 6001
(3, admitted), L2 -> 6001 from the same address (2, blocked by the
limiter), T -> 23 (2, blocked at transport, no flow), W -> 80 (3); on lan
O (2, outbound, no filter).

Checked: /dfp/info; /dfp/stats (equal to `show stats` once its names are
spelt as telemetry allows them, "drop/REASON" and "callout/NAME", and the
totals of the replay); /dfp/filters and /dfp/callouts (arrays of ids) and
/dfp/filters,ID and /dfp/callouts,ID (the YAML's objects, agreeing with
`show filters` / `show callouts`); /dfp/flows (counts by state and the
sample, agreeing with `show flows`); /dfp/pended and /dfp/pended,HANDLE
(the held flow, as `show pended`); /ethdev/stats,0 and ,1 (frames in and out
of each pcap).  Then the pend is completed and /dfp/pended empties while
/dfp/stats follows.  Bad requests (an unknown command, a parameter where
none is taken, a bad or unknown id, an over-long command) answer null and
the appliance keeps answering.
"""

import sys

sys.dont_write_bytecode = True
import dfpe2e as e  # noqa: E402

RA = "ALE_AUTH_RECV_ACCEPT_V4"
TR = "INBOUND_TRANSPORT_V4"
LOCAL = "10.0.0.70"
OUT_REMOTE = "203.0.113.70"
PEND_TIMEOUT_MS = 30000

# name: (layer, action, callout, local port, key)
FILTERS = {
    "pend-5001": (RA, "callout_terminating", "gate", 5001, e.guid(0x701)),
    "limit-6001": (RA, "callout_terminating", "limiter", 6001, e.guid(0x702)),
    "no-telnet": (TR, "block", None, 23, e.guid(0x703)),
    "web": (TR, "permit", None, 80, e.guid(0x704)),
}
CALLOUTS = {  # name: (module, params, key)
    "gate": ("builtin:verdict", "{default: permit}", e.guid(0x711)),
    "limiter": ("builtin:conn_limit", "{max: 1}", e.guid(0x712)),
}
# tag: (remote, remote port, local port, frames, passes, has a flow)
WAN_FLOWS = {
    "P": ("198.51.100.70", 31001, 5001, 2, False, True),
    "L1": ("198.51.100.71", 31002, 6001, 3, True, True),
    "L2": ("198.51.100.71", 31003, 6001, 2, False, True),
    "T": ("198.51.100.72", 31004, 23, 2, False, False),
    "W": ("198.51.100.73", 31005, 80, 3, True, True),
}
LAN_FRAMES = 2  # flow O


def config():
    y = e.base_yaml(flows={"pend_timeout_ms": PEND_TIMEOUT_MS, "hold_packets": 8})
    y += "sublayers:\n  - {name: fw, key: %s, weight: 100}\n" % e.guid(0x720)
    y += "callouts:\n"
    for name, (module, params, key) in CALLOUTS.items():
        y += ("  - name: %s\n    key: %s\n    layer: %s\n    module: \"%s\"\n"
              "    params: %s\n" % (name, key, RA, module, params))
    y += "filters:\n"
    for name, (layer, action, callout, port, key) in FILTERS.items():
        y += ("  - name: %s\n    key: %s\n    layer: %s\n    sublayer: fw\n    action: %s\n"
              % (name, key, layer, action))
        if callout:
            y += "    callout: %s\n" % callout
        y += "    conditions:\n      - {field: IP_LOCAL_PORT, match: equal, value: %d}\n" % port
    return y


def wan_frames():
    out = []
    for tag, (remote, rport, lport, n, _, _) in WAN_FLOWS.items():
        out += e.udp_flow(remote, LOCAL, rport, lport, n, tag)
    return out


def tel_name(name):
    """A show stats name as /dfp/stats spells it (DPDK allows [A-Za-z0-9_/] only):
    the first '.' or ' ' becomes '/', any other such character '_'."""
    out, slash = [], False
    for ch in name:
        if ch in ". " and not slash:
            out.append("/")
            slash = True
        elif ch.isascii() and (ch.isalnum() or ch in "_/"):
            out.append(ch)
        else:
            out.append("_")
    return "".join(out)


def expect_keys(obj, keys, what):
    e.check(isinstance(obj, dict), "%s: not a JSON object: %r" % (what, obj))
    missing = [k for k in keys if k not in obj]
    e.check(not missing, "%s: keys %s missing in %r" % (what, missing, obj))


def main(t):
    wan = wan_frames()
    lan = e.udp_flow(LOCAL, OUT_REMOTE, 32001, 443, LAN_FRAMES, "O", inbound=False)
    d = t.dfp(config(), wan=wan, lan=lan)
    c = d.client()
    tel = d.telemetry()
    e.expect_eq(tel.info.get("pid"), d.proc.pid, "telemetry greeting pid")

    n_rx = len(wan) + len(lan)
    n_tx = sum(f[3] for f in WAN_FLOWS.values() if f[4]) + LAN_FRAMES
    held = WAN_FLOWS["P"][3]
    n_drop = n_rx - n_tx - held
    s = c.wait_stats(lambda s: e.stat(s, "rx_packets") == n_rx and e.stat(s, "pends") == 1 and
                     e.stat(s, "tx_packets") == n_tx and e.held_now(s) == held,
                     "%d frames in, %d out, P pended with %d held" % (n_rx, n_tx, held),
                     timeout=10)

    # The command list names every dfp endpoint.
    cmds = tel.query("/")
    e.check(isinstance(cmds, list), "/ is not a list: %r" % cmds)
    for ep in ("/dfp/info", "/dfp/stats", "/dfp/filters", "/dfp/callouts", "/dfp/flows",
               "/dfp/pended", "/ethdev/stats"):
        e.check(ep in cmds, "%s missing from the telemetry command list" % ep)

    # /dfp/info
    info = tel.query("/dfp/info")
    expect_keys(info, ("version", "dpdk", "config", "ports", "workers", "forwarding",
                       "ruleset_generation"), "/dfp/info")
    e.check(str(info["dpdk"]).startswith("DPDK 22.11"), "/dfp/info dpdk: %r" % info["dpdk"])
    e.expect_eq(info["config"], d.config, "/dfp/info config")
    e.expect_eq((info["ports"], info["workers"], info["forwarding"]), (2, 1, "started"),
                "/dfp/info ports, workers, forwarding")

    # /dfp/stats: the same counters as show stats, and the replay's totals.
    ts = tel.query("/dfp/stats")
    e.check(isinstance(ts, dict), "/dfp/stats: not an object: %r" % ts)
    s = c.stats()
    e.expect_eq(ts, {tel_name(k): v for k, v in s.items()}, "/dfp/stats against show stats")
    e.expect_eq((ts["rx_packets"], ts["tx_packets"], ts["dropped"], ts["held_now"]),
                (n_rx, n_tx, n_drop, held), "/dfp/stats rx, tx, dropped, held_now")
    e.expect_eq({k: v for k, v in ts.items() if k.startswith("drop/")},
                {"drop/filter_block": n_drop}, "/dfp/stats drops")
    e.expect_eq((ts["pends"], ts["pended_now"], ts["vetoes"]), (1, 1, 0),
                "/dfp/stats pends, pended_now, vetoes")
    e.expect_eq(ts["ruleset_generation"], info["ruleset_generation"],
                "ruleset_generation in /dfp/stats and /dfp/info")
    lim = str(ts.get("callout/limiter"))
    e.check("admitted 1 " in lim and "blocked 1 " in lim and "live 1 " in lim,
            "/dfp/stats callout limiter: %r" % lim)
    e.check("pended 1 " in str(ts.get("callout/gate")),
            "/dfp/stats callout gate: %r" % ts.get("callout/gate"))

    # /dfp/filters: the ids of the YAML's four, as show filters lists them;
    # /dfp/filters,ID: each one.
    shown = {o["name"]: o for o in c.filters()}
    tf = tel.query("/dfp/filters")
    e.check(isinstance(tf, list), "/dfp/filters: not a list: %r" % tf)
    e.expect_eq(sorted(tf), sorted(o["id"] for o in shown.values()),
                "/dfp/filters ids against show filters")
    e.expect_eq(len(tf), len(FILTERS), "/dfp/filters count")
    for fid in tf:
        f = tel.query("/dfp/filters,%d" % fid)
        expect_keys(f, ("id", "key", "name", "layer", "sublayer", "weight", "action",
                        "conditions", "hits"), "/dfp/filters,%d" % fid)
        e.expect_eq(f["id"], fid, "/dfp/filters,%d id" % fid)
        name = f["name"]
        e.check(name in FILTERS, "/dfp/filters: unexpected filter %r" % f)
        layer, action, _, _, key = FILTERS[name]
        e.expect_eq((f["key"].lower(), f["layer"], f["sublayer"], f["conditions"]),
                    (key, layer, "fw", 1), "/dfp/filters %s key, layer, sublayer, conditions"
                    % name)
        e.check(action.replace("_", "").lower() in f["action"].replace("_", "").lower(),
                "/dfp/filters %s action %r is not %s" % (name, f["action"], action))
        o = shown.get(name)
        e.check(o is not None, "filter %s not in show filters" % name)
        e.expect_eq((f["id"], f["weight"], f["action"]),
                    (o["id"], e.to_int(o["weight"]), o["action"]),
                    "/dfp/filters %s against show filters" % name)

    # /dfp/callouts: the YAML's two, registered, one filter each; the limiter
    # holds the context of the one flow it admitted.
    tc_ids = tel.query("/dfp/callouts")
    e.check(isinstance(tc_ids, list), "/dfp/callouts: not a list: %r" % tc_ids)
    tc = [tel.query("/dfp/callouts,%d" % i) for i in tc_ids]
    e.expect_eq(sorted(str(x.get("name")) for x in tc if isinstance(x, dict)), sorted(CALLOUTS),
                "/dfp/callouts,ID names")
    ids = {}
    for x in tc:
        expect_keys(x, ("id", "key", "name", "layer", "registered", "filters", "contexts"),
                    "/dfp/callouts entry")
        name = x["name"]
        ids[name] = x["id"]
        e.expect_eq((x["key"].lower(), x["layer"], x["registered"], x["filters"]),
                    (CALLOUTS[name][2], RA, "yes", 1), "/dfp/callouts %s" % name)
        e.expect_eq(x["contexts"], 1 if name == "limiter" else 0, "/dfp/callouts %s contexts"
                    % name)
        o = c.callout(name)
        e.expect_eq((x["id"], x["contexts"]), (o["id"], e.to_int(o["contexts"])),
                    "/dfp/callouts %s against show callouts" % name)

    # /dfp/flows: P pended, L2 blocked, L1, W and O established; T made no flow.
    tfl = tel.query("/dfp/flows")
    expect_keys(tfl, ("flows", "new", "pended", "authorized", "established", "blocked",
                      "closing", "sample"), "/dfp/flows")
    n_flows = sum(1 for f in WAN_FLOWS.values() if f[5]) + 1
    e.expect_eq((tfl["flows"], tfl["pended"], tfl["blocked"], tfl["established"]),
                (n_flows, 1, 1, n_flows - 2), "/dfp/flows flows, pended, blocked, established")
    e.expect_eq(tfl["flows"], e.stat(s, "flows_created"), "/dfp/flows against flows_created")
    sample = e.parse_flows(tfl["sample"])
    e.expect_eq(len(sample), len(tfl["sample"]), "/dfp/flows sample lines parsed")
    shown_flows = c.flows()
    e.expect_eq(sorted((f.id, f.key()) for f in sample),
                sorted((f.id, f.key()) for f in shown_flows),
                "/dfp/flows sample against show flows")
    by_port = {f.dport if f.dport != 443 else f.sport: f for f in shown_flows}
    p_flow = by_port[WAN_FLOWS["P"][2]]

    # /dfp/pended: P's classification, as show pended lists it.
    tp = tel.query("/dfp/pended")
    e.check(isinstance(tp, list) and len(tp) == 1, "/dfp/pended: %r" % tp)
    h = tel.query("/dfp/pended,%d" % tp[0])
    expect_keys(h, ("handle", "flow", "layer", "callout", "age_ms"), "/dfp/pended,HANDLE")
    e.expect_eq(h["handle"], tp[0], "/dfp/pended,HANDLE handle")
    e.expect_eq((h["flow"], h["layer"], h["callout"]),
                (p_flow.id, e.LAYER_IDS[RA], ids["gate"]), "/dfp/pended flow, layer, callout")
    e.check(0 <= h["age_ms"] < PEND_TIMEOUT_MS, "/dfp/pended age_ms %r" % h["age_ms"])
    sp = c.pended()
    e.expect_eq([x["id"] for x in sp], [h["handle"]], "/dfp/pended handle against show pended")

    # /ethdev/stats: frames in and out of each net_pcap port.
    for port, name, n_in in ((0, "wan", len(wan)), (1, "lan", len(lan))):
        es = tel.query("/ethdev/stats,%d" % port)
        expect_keys(es, ("ipackets", "opackets", "ibytes", "obytes", "ierrors", "oerrors"),
                    "/ethdev/stats,%d" % port)
        e.expect_eq((es["ipackets"], es["opackets"], es["ierrors"], es["oerrors"]),
                    (n_in, len(d.out(name)), 0, 0),
                    "/ethdev/stats,%d (%s) ipackets, opackets, errors" % (port, name))
        e.expect_eq(es["ibytes"], sum(len(f) for f in (wan if port == 0 else lan)),
                    "/ethdev/stats,%d ibytes" % port)

    # Bad requests: null, never a crash.
    e.expect_eq(tel.query_raw("/dfp/nonexistent"), {"/dfp/nonexistent": None}, "unknown command")
    for cmd in ("/ethdev/stats,99", "/ethdev/stats,garbage", "/dfp/flows,garbage\x01%s",
                "/dfp/info,1", "/dfp/stats,x", "/dfp/filters,garbage", "/dfp/filters,12abc",
                "/dfp/filters,-1", "/dfp/filters,99999999", "/dfp/filters,0x7fffffffffffffff",
                "/dfp/filters,99999999999999999999999", "/dfp/callouts,4294967296",
                "/dfp/callouts,77777", "/dfp/pended,0", "/dfp/pended,%d" % (h["handle"] + 1),
                "/dfp/pended,handle"):
        e.expect_eq(tel.query(cmd), None, "telemetry %r" % cmd)
    long_cmd = tel.query_raw("/dfp/" + "x" * 200)
    e.check(isinstance(long_cmd, dict) and list(long_cmd.values()) == [None],
            "an over-long command: %r" % long_cmd)
    e.check(d.alive(), "dfp died on bad telemetry requests")
    e.expect_eq(tel.query("/dfp/info")["ports"], 2, "/dfp/info after bad requests")

    # Complete the pend: the handle leaves /dfp/pended, P's frames go out.
    c.cmd("pend complete 0x%x permit" % h["handle"])
    c.wait_stats(lambda s: e.stat(s, "tx_packets") == n_tx + held and e.held_now(s) == 0,
                 "P's held frames released", timeout=5)
    e.expect_eq(tel.query("/dfp/pended"), [], "/dfp/pended after the completion")
    ts = tel.query("/dfp/stats")
    e.expect_eq((ts["tx_packets"], ts["released_packets"], ts["held_now"], ts["pended_now"]),
                (n_tx + held, held, 0, 0), "/dfp/stats after the completion")
    e.expect_eq(tel.query("/dfp/flows")["pended"], 0, "/dfp/flows pended after the completion")
    e.expect_eq(tel.query("/ethdev/stats,1")["opackets"], len(d.out("lan")),
                "/ethdev/stats,1 opackets after the completion")
    tel.close()
    e.expect_eq(d.quit(c), 0, "exit code after quit")


e.run("telemetry", main)
