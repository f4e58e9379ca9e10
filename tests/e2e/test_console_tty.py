#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""The interactive console on a terminal (DESIGN §4: prompt, help, completion,
history; -i).

dfp runs with -i on a pseudo-terminal (stdin, stdout and stderr); the test
types as a person would and reads what the terminal shows (rdline's echo
and VT100 sequences stripped).  Every read is bounded.

  - the `dfp> ` prompt appears; `help` lists the grammar;
  - with -i forwarding waits for `start` (show stats: rx_packets 0), then
    `start` and `wait idle` forward the replay;
  - TAB: `show fil<TAB>` completes to the common prefix `show filter`, a second
    TAB lists the choices (filters, filter) and redisplays the line, `s` Enter
    runs `show filters` (the YAML's two filters); `show callo<TAB>` completes
    to `show callouts` at once;
  - history: up-arrow (ESC [ A) recalls `show stats`, Enter runs it again;
    up-arrows walk back through show stats, show stats, show callouts, show
    filters, a down-arrow (ESC [ B) comes back to show callouts, Enter runs it;
  - an unknown command answers STATUS_INVALID_PARAMETER and the console goes
    on;
  - every command's output ends with `status: NAME (0x........)`;
  - `quit`: STATUS_SUCCESS, then `--- final statistics ---` with the replay's
    totals, and exit code 0.
"""

import re
import sys

sys.dont_write_bytecode = True
import dfpe2e as e  # noqa: E402

UP, DOWN, TAB = "\x1b[A", "\x1b[B", "\t"
LOCAL = "10.0.0.90"
WAN_FRAMES, LAN_FRAMES = 3, 2


def config():
    return e.base_yaml() + (
        "sublayers:\n"
        "  - {name: fw, key: %s, weight: 100}\n"
        "callouts:\n"
        "  - name: limiter\n"
        "    key: %s\n"
        "    layer: ALE_AUTH_RECV_ACCEPT_V4\n"
        "    module: \"builtin:conn_limit\"\n"
        "    params: {max: 100}\n"
        "filters:\n"
        "  - name: limit\n"
        "    layer: ALE_AUTH_RECV_ACCEPT_V4\n"
        "    sublayer: fw\n"
        "    action: callout_terminating\n"
        "    callout: limiter\n"
        "  - name: no-telnet\n"
        "    layer: INBOUND_TRANSPORT_V4\n"
        "    sublayer: fw\n"
        "    action: block\n"
        "    conditions:\n"
        "      - {field: IP_LOCAL_PORT, match: equal, value: 23}\n"
        % (e.guid(0x91), e.guid(0x92)))


def ok(what, r):
    lines, status, code = r
    e.check(status == "STATUS_SUCCESS" and code == 0, "%s: status %s (0x%08x); output:\n  %s" % (
        what, status, code, "\n  ".join(lines)))
    return lines


def main(t):
    wan = e.udp_flow("198.51.100.90", LOCAL, 40000, 8080, WAN_FRAMES, "w")
    lan = e.udp_flow(LOCAL, "203.0.113.90", 40001, 443, LAN_FRAMES, "l", inbound=False)
    d = t.dfp(config(), wan=wan, lan=lan, start=False, extra_opts=["-i"])
    d.start_pty()
    p = d.pty
    p.read_until(e.PROMPT, what="the first prompt")

    lines = ok("help", p.command("help"))
    text = "\n".join(lines)
    for cmd in ("show filters", "show callouts", "show stats", "pend complete", "quit",
                "wait idle"):
        e.check(cmd in text, "help does not mention %r:\n%s" % (cmd, text))

    # -i: forwarding waits for `start`.
    s = e.parse_stats(ok("show stats (before start)", p.command("show stats")))
    e.expect_eq(e.stat(s, "rx_packets"), 0, "rx_packets before start")
    ok("start", p.command("start"))
    ok("wait idle", p.command("wait idle 10000", timeout=20))

    # TAB: the common prefix, then the choices and the line again, then the rest typed.
    line, _ = p.keys("show fil" + TAB, what="TAB completing 'show fil'")
    e.expect_eq(line, "show filter", "the line after 'show fil' TAB")
    line, raw = p.keys(TAB, what="the choices after a second TAB")
    choices = "\n".join(e.term_text(raw))
    e.check(re.search(r"^ filters\b", choices, re.M) and re.search(r"^ filter\b", choices, re.M),
            "the second TAB does not list filters and filter:\n%s" % choices)
    e.expect_eq(line, "show filter", "the line redisplayed after the choices")
    p.write("s\r")
    lines = ok("show filters (completed)", p.finish("s"))
    names = sorted(o.get("name") for o in e.parse_listing(lines))
    e.expect_eq(names, ["limit", "no-telnet"], "filters listed by show filters")

    line, _ = p.keys("show callo" + TAB, what="TAB completing 'show callo'")
    e.expect_eq(line, "show callouts", "the line after 'show callo' TAB")
    p.write("\r")
    lines = ok("show callouts (completed)", p.finish())
    e.expect_eq([o.get("name") for o in e.parse_listing(lines)], ["limiter"],
                "callouts listed by show callouts")

    # The replay went through.
    s = e.parse_stats(ok("show stats", p.command("show stats")))
    e.expect_eq((e.stat(s, "rx_packets"), e.stat(s, "tx_packets")),
                (WAN_FRAMES + LAN_FRAMES, WAN_FRAMES + LAN_FRAMES), "rx, tx after start")

    # History: up-arrow recalls show stats, Enter runs it again.
    line, _ = p.keys(UP, what="up-arrow")
    e.expect_eq(line, "show stats", "the line after one up-arrow")
    p.write("\r")
    s2 = e.parse_stats(ok("show stats (history)", p.finish()))
    e.expect_eq(s2, s, "show stats run again from the history")
    # Newest first: show stats, show stats, show callouts, show filters, ...
    for n, want in ((1, "show stats"), (2, "show stats"), (3, "show callouts"),
                    (4, "show filters")):
        line, _ = p.keys(UP, what="up-arrow %d" % n)
        e.expect_eq(line, want, "the line after up-arrow %d" % n)
    line, _ = p.keys(DOWN, what="down-arrow")
    e.expect_eq(line, "show callouts", "the line after a down-arrow")
    p.write("\r")
    lines = ok("show callouts (history)", p.finish())
    e.expect_eq([o.get("name") for o in e.parse_listing(lines)], ["limiter"],
                "callouts listed by show callouts from the history")

    # Errors never stop the console.
    lines, status, code = p.command("bogus command")
    e.expect_eq((status, code), ("STATUS_INVALID_PARAMETER", 0xC000000D), "an unknown command")
    e.check(any("unknown command" in x for x in lines), "no error line: %r" % lines)

    # quit: its status, the final statistics, exit 0.
    p.write("quit\r")
    rest = e.term_text(p.read_to_eof())
    e.check(rest and rest[0].endswith("quit"), "the terminal does not show 'quit': %r" % rest[:3])
    e.check(any(e.parse_status(x) == ("STATUS_SUCCESS", 0) for x in rest[:4]),
            "quit: no STATUS_SUCCESS line:\n%s" % "\n".join(rest))
    e.check("--- final statistics ---" in rest, "no final statistics:\n%s" % "\n".join(rest))
    final = e.parse_stats(rest[rest.index("--- final statistics ---") + 1:])
    e.expect_eq((e.stat(final, "rx_packets"), e.stat(final, "tx_packets")),
                (WAN_FRAMES + LAN_FRAMES, WAN_FRAMES + LAN_FRAMES), "final rx, tx")
    e.expect_eq(d.wait_exit(), 0, "exit code after quit")


e.run("console_tty", main)
