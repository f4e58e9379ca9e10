#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""`config load` / `config check` on a running appliance (DESIGN §3, §4).

Start with sublayer `base`, a count callout and filter `block-7001`
(INBOUND_TRANSPORT_V4, local port 7001).  Traffic: inbound UDP to local ports
7001, 7002, 7003 (two frames each) and outbound UDP to remote port 7004.

1. Every bad file (unknown key, bad action, unknown sublayer, YAML syntax,
   a good filter followed by a bad one, duplicate names, ports that differ
   from the running ones, a port number out of range, a bad GUID, an unknown
   module, a sublayer key already in the engine) is refused by `config check`
   and `config load`: status not STATUS_SUCCESS, at least one
   `FILE:LINE:COL: message` line (on the expected line where it is
   unambiguous), and show filters / sublayers / callouts are identical
   before and after.  A replay (stop/start) forwards exactly as before.
2. `config check GOOD` succeeds and changes nothing; `config load GOOD` adds
   sublayer `extra` and filters block-7002 (inbound) and block-7004
   (outbound, in the existing sublayer `base`) in one transaction (the
   ruleset generation moves by exactly one; refused loads leave it alone); a
   replay then blocks 7002 and 7004 too.
"""

import re
import sys

sys.dont_write_bytecode = True
import dfpe2e as e  # noqa: E402

PORTS_TEXT = ("ports:\n"
              "  - {name: wan, port: 0, role: outside, peer: lan}\n"
              "  - {name: lan, port: 1, role: inside, peer: wan}\n")
BASE_KEY = e.guid(0x41)


def config():
    return e.base_yaml() + (
        "sublayers:\n"
        "  - {name: base, key: %s, weight: 50}\n"
        "callouts:\n"
        "  - name: counter\n"
        "    key: %s\n"
        "    layer: ALE_FLOW_ESTABLISHED_V4\n"
        "    module: \"builtin:count\"\n"
        "filters:\n"
        "  - name: count-all\n"
        "    layer: ALE_FLOW_ESTABLISHED_V4\n"
        "    sublayer: base\n"
        "    action: callout_inspection\n"
        "    callout: counter\n"
        "  - name: block-7001\n"
        "    layer: INBOUND_TRANSPORT_V4\n"
        "    sublayer: base\n"
        "    action: block\n"
        "    conditions:\n"
        "      - {field: IP_LOCAL_PORT, match: equal, value: 7001}\n" % (BASE_KEY, e.guid(0x42)))


def filt(name, port, sublayer="base", layer="INBOUND_TRANSPORT_V4", field="IP_LOCAL_PORT",
         action="block"):
    return ("  - name: %s\n"
            "    layer: %s\n"
            "    sublayer: %s\n"
            "    action: %s\n"
            "    conditions:\n"
            "      - {field: %s, match: equal, value: %s}\n" % (name, layer, sublayer, action,
                                                                field, port))


GOOD = ("version: 1\n" + PORTS_TEXT +
        "sublayers:\n"
        "  - {name: extra, key: %s, weight: 60}\n"
        "filters:\n" % e.guid(0x43) +
        filt("block-7002", 7002, "extra") +
        filt("block-7004", 7004, "base", "OUTBOUND_TRANSPORT_V4", "IP_REMOTE_PORT"))

# name -> (text, line of the error or None when several places are plausible,
#          whether `config check` must refuse it too: not for errors that only
#          the running engine can see, i.e. a reference to a sublayer it lacks
#          or a key it already has)
BAD = {
    "unknown-key": ("version: 1\nfilters:\n" + filt("block-7002", 7002) + "frobnicate: 1\n",
                    9, True),
    "bad-action": ("version: 1\nfilters:\n" + filt("block-7002", 7002, action="allow"), 6, True),
    "unknown-sublayer": ("version: 1\nfilters:\n" + filt("block-7002", 7002, "nowhere"), 5, False),
    "yaml-syntax": ("version: 1\nfilters:\n  - {name: x, layer: INBOUND_TRANSPORT_V4\n"
                    "  - name: y\n", None, True),
    "good-then-bad": ("version: 1\nfilters:\n" + filt("block-7002", 7002) +
                      filt("block-7003", 7003, field="IP_LOCAL_PORTX"), 14, True),
    "duplicate-names": ("version: 1\nfilters:\n" + filt("block-7002", 7002) +
                        filt("block-7002", 7003), 9, True),
    "ports-differ": ("version: 1\nports:\n"
                     "  - {name: wan, port: 0, role: inside, peer: lan}\n"
                     "  - {name: lan, port: 1, role: outside, peer: wan}\n"
                     "filters:\n" + filt("block-7002", 7002), None, True),
    "flows-differ": ("version: 1\nflows: {tcp_pickup: yes}\nfilters:\n" +
                     filt("block-7002", 7002), 2, True),
    "port-out-of-range": ("version: 1\nfilters:\n" + filt("block-big", 70000), 8, True),
    "bad-guid": ("version: 1\nsublayers:\n  - {name: extra, key: not-a-guid, weight: 60}\n"
                 "filters:\n" + filt("block-7002", 7002, "extra"), 3, True),
    "unknown-module": ("version: 1\ncallouts:\n  - name: c2\n    key: %s\n"
                       "    layer: ALE_FLOW_ESTABLISHED_V4\n    module: \"builtin:nonesuch\"\n"
                       % e.guid(0x44), 6, True),
    "key-in-use": ("version: 1\nsublayers:\n  - {name: again, key: %s, weight: 70}\n"
                   "filters:\n" % BASE_KEY + filt("block-7002", 7002, "again"), None, False),
}


def traffic():
    wan = []
    for port in (7001, 7002, 7003):
        wan += e.udp_flow("198.51.100.70", "10.0.0.70", 40000 + port, port, 2, "p%d" % port)
    lan = e.udp_flow("10.0.0.71", "203.0.113.71", 47004, 7004, 2, "p7004", inbound=False)
    return wan, lan


def snapshot(c):
    """show filters (hits masked), sublayers, callouts (contexts masked)."""
    def mask(lines):
        return sorted(re.sub(r"\b(hits|contexts) \d+", r"\1 *", x) for x in lines)
    return {"filters": mask(c.cmd("show filters")),
            "sublayers": mask(c.cmd("show sublayers")),
            "callouts": mask(c.cmd("show callouts"))}


def replay(d, c):
    """stop, start, wait idle; (ports seen out of lan, ports seen out of wan)."""
    c.cmd("stop")
    c.cmd("start")
    c.wait_idle()
    return ([p.dport for p in d.out_packets("lan")], [p.dport for p in d.out_packets("wan")])


def main(t):
    wan, lan = traffic()
    d = t.dfp(config(), wan=wan, lan=lan)
    c = d.client()
    c.wait_idle()
    first = ([p.dport for p in d.out_packets("lan")], [p.dport for p in d.out_packets("wan")])
    e.expect_eq(first, ([7002, 7002, 7003, 7003], [7004, 7004]), "ports forwarded (lan, wan)")
    before = snapshot(c)
    gen0 = e.stat(c.stats(), "ruleset_generation")
    e.check(before["filters"] and before["sublayers"] and before["callouts"],
            "a listing is empty: %r" % before)

    problems = []
    for name, (text, line, check_too) in sorted(BAD.items()):
        path = t.write("bad-%s.yaml" % name, text)
        for verb in ("check", "load"):
            r = c.send("config %s %s" % (verb, path))
            if verb == "check" and not check_too:
                continue
            locs = e.loc_lines("\n".join(r.lines), path)
            if r.status == "STATUS_SUCCESS":
                problems.append("config %s %s: STATUS_SUCCESS" % (verb, name))
            if not locs:
                problems.append("config %s %s: no %s:LINE:COL: line in:\n    %s" % (
                    verb, name, path, "\n    ".join(r.lines)))
            elif line is not None and line not in [x[0] for x in locs]:
                problems.append("config %s %s: error expected on line %d, reported %s" % (
                    verb, name, line, ["%d:%d" % (x[0], x[1]) for x in locs]))
        after = snapshot(c)
        if after != before:
            problems.append("config load %s changed the listings:\n    before %r\n    after  %r"
                            % (name, before, after))
    # Reported at the end, after the good file's part has run too.
    bad_problems = problems

    e.expect_eq(replay(d, c), first, "ports forwarded after the bad loads (lan, wan)")
    e.expect_eq(snapshot(c), before, "listings after the replay")

    good = t.write("good.yaml", GOOD)
    c.cmd("config check %s" % good)
    e.expect_eq(snapshot(c), before, "listings after config check of the good file")
    e.expect_eq(e.stat(c.stats(), "ruleset_generation"), gen0,
                "ruleset generation after the refused loads and the check")
    c.cmd("config load %s" % good)
    e.expect_eq(e.stat(c.stats(), "ruleset_generation"), gen0 + 1,
                "ruleset generation after config load (one transaction, one commit)")
    flt = {f["name"]: f for f in c.filters()}
    for name in ("block-7001", "count-all", "block-7002", "block-7004"):
        e.check(name in flt, "filter %s not listed after config load: %s" % (name, sorted(flt)))
    e.expect_eq(flt["block-7002"].get("sublayer"), "extra", "sublayer of block-7002")
    e.expect_eq(flt["block-7004"].get("sublayer"), "base", "sublayer of block-7004")
    e.expect_eq(e.layer_id(flt["block-7004"].get("layer", "?")),
                e.LAYER_IDS["OUTBOUND_TRANSPORT_V4"], "layer of block-7004")
    e.check(any(re.search(r"\bextra\b", x) for x in c.cmd("show sublayers")),
            "sublayer extra not listed after config load")
    # Loading the same file again collides with its own objects: refused, nothing changes.
    loaded = snapshot(c)
    r = c.send("config load %s" % good)
    e.check(r.status != "STATUS_SUCCESS", "second config load of the good file succeeded")
    e.expect_eq(snapshot(c), loaded, "listings after the refused second load")

    s0 = c.stats()
    e.expect_eq(replay(d, c), ([7003, 7003], []), "ports forwarded after config load (lan, wan)")
    s1 = c.stats()
    e.expect_eq(e.drops(s1).get("filter_block", 0) - e.drops(s0).get("filter_block", 0), 6,
                "filter_block drops of the last replay (7001, 7002, 7004)")
    e.expect_eq(d.quit(c), 0, "exit code after quit")
    e.check(not bad_problems, "bad files:\n  " + "\n  ".join(bad_problems))


e.run("config_load", main)
