#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Numbers on the console grammar are range-checked (RELIABILITY "Security"):
each one is accepted at the edge of its range and refused with
STATUS_INVALID_PARAMETER just outside it, 2^64 (which a strtoul would wrap or
clamp) and negative numbers included; nothing refused changes the listings.

Ranges: wait idle 0..3600000 ms; sublayer weight 0..65535; filter weight a
uint64 or range:0..15; port conditions 0..65535, IP_PROTOCOL 0..255; callout,
flow, filter and handle ids 32 or 64 bits; show flows limit a uint64; module
params (count max_flows, conn_limit max and table_size) their module's range.
"""

import sys

sys.dont_write_bytecode = True
import dfpe2e as e  # noqa: E402

INVALID = "STATUS_INVALID_PARAMETER"
U64_MAX = "18446744073709551615"
U64_OVER = "18446744073709551616"
LAYER = "INBOUND_TRANSPORT_V4"


def listings(c):
    return (sorted(c.cmd("show filters")), sorted(c.cmd("show sublayers")),
            sorted(c.cmd("show callouts")))


def main(t):
    d = t.dfp(e.base_yaml(), wan=[], lan=[])   # forwarding (wait idle needs it), no traffic
    c = d.client()
    problems = []

    def expect(line, want):
        r = c.send(line)
        if r.status != want:
            problems.append("%r: %s, expected %s: %r" % (line, r.status, want, r.lines[-2:]))

    # Refused: just outside, 2^64, negative. Nothing may change.
    before = listings(c)
    for line in [
        "wait idle 3600001",
        "wait idle %s" % U64_OVER,
        "wait idle -1",
        "sublayer add s-over weight 65536",
        "sublayer add s-neg weight -1",
        "sublayer add s-huge weight %s" % U64_OVER,
        "filter add f-w weight %s layer %s action block" % (U64_OVER, LAYER),
        "filter add f-w weight -1 layer %s action block" % LAYER,
        "filter add f-r weight range:16 layer %s action block" % LAYER,
        "filter add f-p layer %s action block cond IP_LOCAL_PORT equal 65536" % LAYER,
        "filter add f-p layer %s action block cond IP_LOCAL_PORT equal -1" % LAYER,
        "filter add f-p layer %s action block cond IP_LOCAL_PORT range 1-65536" % LAYER,
        "filter add f-proto layer %s action block cond IP_PROTOCOL equal 256" % LAYER,
        "callout unregister id 4294967296",
        "callout delete id 4294967296",
        "callout unregister id -1",
        "flow remove-context all callout 4294967296",
        "flow remove-context 0x1 %s 4294967296" % LAYER,
        "flow abort %s" % U64_OVER,
        "show flow %s" % U64_OVER,
        "show flows limit %s" % U64_OVER,
        "show flows limit -1",
        "show filter %s" % U64_OVER,
        "pend complete 0x10000000000000000 permit",
    ]:
        expect(line, INVALID)
    for line, words in [
        ("callout add cnt key %s layer ALE_FLOW_ESTABLISHED_V4 module builtin:count "
         "param max_flows=16777217" % e.guid(0x91), "out of range"),
        ("callout add cnt key %s layer ALE_FLOW_ESTABLISHED_V4 module builtin:count "
         "param max_flows=%s" % (e.guid(0x91), U64_OVER), "out of range"),
        ("callout add cnt key %s layer ALE_FLOW_ESTABLISHED_V4 module builtin:count "
         "param max_flows=-1" % e.guid(0x91), "not a number"),
        ("callout add lim key %s layer ALE_AUTH_RECV_ACCEPT_V4 module builtin:conn_limit "
         "param max=0" % e.guid(0x92), "out of range"),
        ("callout add lim key %s layer ALE_AUTH_RECV_ACCEPT_V4 module builtin:conn_limit "
         "param max=1000001" % e.guid(0x92), "out of range"),
        ("callout add lim key %s layer ALE_AUTH_RECV_ACCEPT_V4 module builtin:conn_limit "
         "param max=10 param table_size=16777217" % e.guid(0x92), "out of range"),
    ]:
        r = c.send(line)
        if r.status == "STATUS_SUCCESS" or not any(words in x for x in r.lines):
            problems.append("%r: %s, expected a refusal saying %r: %r"
                            % (line, r.status, words, r.lines))
    after = listings(c)
    if after != before:
        problems.append("the refused lines changed the listings:\n  %r\n  %r" % (before, after))

    # Accepted at the edges (ids that are in range but unknown get their not-found status).
    for line, want in [
        ("wait idle 3600000", "STATUS_SUCCESS"),
        ("wait idle 0", None),
        ("sublayer add s-max weight 65535", "STATUS_SUCCESS"),
        ("sublayer add s-min weight 0", "STATUS_SUCCESS"),
        ("filter add f-wmax weight %s layer %s action block" % (U64_MAX, LAYER),
         "STATUS_SUCCESS"),
        ("filter add f-r15 weight range:15 layer %s action block" % LAYER, "STATUS_SUCCESS"),
        ("filter add f-pmax layer %s action block cond IP_LOCAL_PORT equal 65535" % LAYER,
         "STATUS_SUCCESS"),
        ("filter add f-prange layer %s action block cond IP_LOCAL_PORT range 0-65535" % LAYER,
         "STATUS_SUCCESS"),
        ("filter add f-proto layer %s action block cond IP_PROTOCOL equal 255" % LAYER,
         "STATUS_SUCCESS"),
        ("callout unregister id 4294967295", "STATUS_FWP_CALLOUT_NOT_FOUND"),
        ("show flows limit %s" % U64_MAX, "STATUS_SUCCESS"),
        ("show filter %s" % U64_MAX, "STATUS_FWP_FILTER_NOT_FOUND"),
        ("callout add cnt key %s layer ALE_FLOW_ESTABLISHED_V4 module builtin:count "
         "param max_flows=1" % e.guid(0x91), "STATUS_SUCCESS"),
        ("callout add lim key %s layer ALE_AUTH_RECV_ACCEPT_V4 module builtin:conn_limit "
         "param max=1000000 param table_size=1" % e.guid(0x92), "STATUS_SUCCESS"),
    ]:
        r = c.send(line)
        if want is None:
            if r.status == INVALID:
                problems.append("%r: refused as %s" % (line, r.status))
        elif r.status != want:
            problems.append("%r: %s, expected %s: %r" % (line, r.status, want, r.lines[-2:]))
    e.check(not problems, "range checks:\n  " + "\n  ".join(problems))
    e.expect_eq(d.quit(c), 0, "exit code after quit")


e.run("console_ranges", main)
