#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Hostile console input, over the control socket and a --cmdline-file.

Each hostile line (overlong, binary bytes 0x00-0x1f and 0x7f-0xff, unknown
words, bad numbers, bad GUIDs, half commands, ANSI escapes) must get exactly
one `status:` line, never STATUS_SUCCESS; lines the grammar does not know get
STATUS_INVALID_PARAMETER (DESIGN §1, §4).  Meanwhile wan replays its capture
forever (net_pcap infinite_rx=1; lan has no tx_pcap, so the PMD drops what it
is given) and the tx counter keeps growing.  Clients that disconnect in the
middle of a line, or before reading their answer, disturb nobody; the
appliance still answers afterwards and quits with 0.
"""

import socket
import sys
import time

sys.dont_write_bytecode = True
import dfpe2e as e  # noqa: E402

INVALID = "STATUS_INVALID_PARAMETER"
DENIED = "STATUS_ACCESS_DENIED"
ANSWER_TIMEOUT_S = 2.0   # a hostile line gets its status at once or never
# Follows every hostile line in the --cmdline-file: a well-formed command with a
# failure status of its own (checked over the socket first), so that stdout's
# status lines can be split per hostile line even if one of them succeeds.
SENTINEL = b"sublayer delete dfpe2e-no-such-sublayer"
GROWTH_TIMEOUT_S = 5.0   # the worker may be descheduled for a while on a busy machine
FAIL = None  # any status but STATUS_SUCCESS

BINARY = bytes(b for b in range(0x00, 0x20) if b != 0x0A) + bytes(range(0x7F, 0x100))

LINES = [
    # Overlong.
    (b"A" * 10240, FAIL),
    (b"show stats " + b"x" * 10240, FAIL),
    (b"show " * 2048, FAIL),
    # Binary.
    (BINARY, INVALID),
    (b"x" + BINARY + b"y", INVALID),
    (b"\x00show stats", INVALID),
    (b"show\x00stats", INVALID),
    (b"show stats\x00", INVALID),
    (b"show stats\x00\x01\x02", INVALID),
    (b"\xff\xfe show stats", INVALID),
    (b"sh\xc3\xb6w stats", INVALID),
    (b"show\x7fstats", INVALID),
    (b"frob\rnicate", INVALID),
    # ANSI escapes (a line editor would move the cursor or recall history).
    (b"\x1b[31mshow stats\x1b[0m", INVALID),
    (b"\x1b[A", INVALID),
    (b"\x1b[A\x1b[A\x1b[B", INVALID),
    (b"show\x1b[D\x1b[D\x1b[Dstats", INVALID),
    (b"\x1b]0;title\x07", INVALID),
    (b"\x1b[2J\x1b[H", INVALID),
    # Unknown words.
    (b"frobnicate", INVALID),
    (b"show frobs", INVALID),
    (b"show stats extra", INVALID),
    (b"filter frob", INVALID),
    (b"callout frob key 9b7c0f7e-1c1d-4e51-8a0a-3f6f2d8c1b22", INVALID),
    (b"pend complete 0x1 maybe", INVALID),
    (b"filter add x layer NO_SUCH_LAYER action permit", FAIL),
    (b"filter add x layer INBOUND_TRANSPORT_V4 action frob", FAIL),
    (b"filter add x layer INBOUND_TRANSPORT_V4 action permit cond NO_FIELD equal 1", INVALID),
    # Bad numbers.
    (b"show flows limit -1", INVALID),
    (b"show flows limit 99999999999999999999", INVALID),
    (b"show flows limit 0x", INVALID),
    (b"show flows limit 12abc", INVALID),
    (b"show flows limit 1e3", INVALID),
    (b"callout unregister id -1", INVALID),
    (b"callout unregister id 99999999999999999999", INVALID),
    (b"callout unregister id 0x", INVALID),
    (b"callout unregister id 0x1ffffffff", INVALID),
    (b"callout delete id 4294967296", INVALID),
    (b"flow remove-context 0x 24 1", INVALID),
    (b"flow remove-context 0x1 99999 1", INVALID),
    (b"flow remove-context 0x1 24 -7", INVALID),
    (b"wait idle -5", INVALID),
    (b"wait idle 0x", INVALID),
    (b"sublayer add s1 weight 70000", INVALID),
    (b"filter add x layer INBOUND_TRANSPORT_V4 action permit cond IP_LOCAL_PORT equal 65536",
     INVALID),
    (b"filter add x layer INBOUND_TRANSPORT_V4 weight -3 action permit", INVALID),
    # Bad GUIDs.
    (b"callout delete key 1234", INVALID),
    (b"callout delete key 9b7c0f7e-1c1d-4e51-8a0a-3f6f2d8c1b2", INVALID),
    (b"callout delete key 9b7c0f7e-1c1d-4e51-8a0a-3f6f2d8c1b22x", INVALID),
    (b"callout delete key zzzzzzzz-1c1d-4e51-8a0a-3f6f2d8c1b22", INVALID),
    (b"callout delete key 9b7c0f7e1c1d-4e51-8a0a-3f6f2d8c1b22-", INVALID),
    (b"callout unregister key {9b7c0f7e-1c1d-4e51-8a0a-3f6f2d8c1b22", INVALID),
    (b"sublayer add s1 weight 1 key not-a-guid", INVALID),
    # Half commands.
    (b"show", INVALID),
    (b"show filter", INVALID),
    (b"show port", INVALID),
    (b"filter add", INVALID),
    (b"filter add x", INVALID),
    (b"filter add x layer", INVALID),
    (b"filter add x layer INBOUND_TRANSPORT_V4 action", INVALID),
    (b"filter add x layer INBOUND_TRANSPORT_V4 action permit cond IP_LOCAL_PORT equal", INVALID),
    (b"filter delete", INVALID),
    (b"callout add c1 key", INVALID),
    (b"callout register", INVALID),
    (b"callout unregister", INVALID),
    (b"callout unregister id", INVALID),
    (b"callout delete", INVALID),
    (b"flow remove-context", INVALID),
    (b"flow remove-context 0x1", INVALID),
    (b"flow remove-context all", INVALID),
    (b"flow remove-context all callout", INVALID),
    (b"flow abort", INVALID),
    (b"pend complete", INVALID),
    (b"pend complete 0x1", INVALID),
    (b"sublayer add", INVALID),
    (b"sublayer add s1 weight", INVALID),
    (b"sublayer delete", INVALID),
    (b"txn", INVALID),
    (b"config load", INVALID),
    (b"config", INVALID),
    (b"wait", INVALID),
    # Well formed but refused.
    (b"pend complete 0x7fffffff permit", FAIL),
    (b"flow remove-context 0x1 24 1", FAIL),
    (b"flow abort 0x1", FAIL),
    (b"filter delete no-such-filter", FAIL),
    (b"callout register no-such-callout", FAIL),
    (b"config load /nonexistent/dfpe2e.yaml", FAIL),
    # Files outside the configuration's directory; a plugin from a console line.
    (b"config load ../../../../../../../../etc/passwd", DENIED),
    (b"config check /etc/shadow", DENIED),
    (b"config load /dev/zero", DENIED),
    (b"config check /proc/self/mem", DENIED),
    (b"callout add p key 9b7c0f7e-1c1d-4e51-8a0a-3f6f2d8c1b99 layer ALE_AUTH_CONNECT_V4 "
     b"module /lib/x86_64-linux-gnu/libc.so.6", DENIED),
    # Numbers just outside their ranges, 2^64 and negative ones (test_console_ranges
    # has both edges of each).
    (b"wait idle 3600001", INVALID),
    (b"show flows limit 18446744073709551616", INVALID),
    (b"sublayer add big weight 65536", INVALID),
    (b"callout unregister id -1", INVALID),
    (b"txn commit", FAIL),
    (b"txn abort", FAIL),
]


def config():
    return e.base_yaml()


def tx_of(c):
    return e.stat(c.stats(), "tx_packets")


def grows(c, prev):
    """tx_packets above prev within GROWTH_TIMEOUT_S: the new value, or None."""
    end = time.monotonic() + GROWTH_TIMEOUT_S
    while True:
        now = tx_of(c)
        if now > prev:
            return now
        if time.monotonic() >= end:
            return None
        time.sleep(0.05)


def check_statuses(statuses, lines, where):
    """statuses[i] answers lines[i]."""
    problems = []
    for (line, want), (status, code) in zip(lines, statuses):
        if status == "(no answer)":
            continue
        if status == "STATUS_SUCCESS" or (want is not None and status != want):
            problems.append("%s %r: got %s (0x%08x), expected %s" % (
                where, line[:60], status, code, want or "a failure status"))
    return problems


def main(t):
    wan = e.udp_flow("198.51.100.90", "10.0.0.90", 9000, 9001, 4, "loop")
    lan = e.udp_flow("10.0.0.91", "203.0.113.91", 9002, 9003, 2, "lanpkt", inbound=False)
    # In the file every hostile line is followed by a sentinel that succeeds, so the
    # statuses on stdout can be told apart per line.
    cmdfile_lines = [b"# a comment: no answer", b""]
    for x, _ in LINES:
        cmdfile_lines += [x, SENTINEL]
    cmdfile = t.write("hostile.cmds", b"\n".join(cmdfile_lines) + b"\n")
    d = t.dfp(config(), wan=wan, lan=lan, wan_vdev_extra=",infinite_rx=1", lan_tx=False,
              cmdline_file=cmdfile)
    c = d.client("main")
    other = d.client("bystander")

    tx = [tx_of(c)]
    now = grows(c, tx[0])
    e.check(now is not None, "forwarding is not running: tx_packets stays at %d" % tx[0])
    tx.append(now)
    r = c.send(SENTINEL)
    e.check(r.status not in ("STATUS_SUCCESS", INVALID), "the sentinel %r answers %s: pick "
            "another" % (SENTINEL, r.status))
    sentinel_status = r.status

    problems = []
    statuses = []
    for i, (line, want) in enumerate(LINES):
        try:
            r = c.send(line, timeout=ANSWER_TIMEOUT_S)
        except e.TestFailure as ex:
            # No answer (or extra output): note it and go on with the next line.
            problems.append("socket: %r: %s" % (line[:60], str(ex).splitlines()[0][:200]))
            statuses.append(("(no answer)", 0))
            continue
        statuses.append((r.status, r.code))
        if i % 10 == 9:
            # The bystander is answered in between, and traffic still flows.
            other.cmd("show lcores")
            now = grows(other, tx[-1])
            if now is None:
                problems.append("tx_packets stuck at %d for %.0f s after line %d" % (
                    tx[-1], GROWTH_TIMEOUT_S, i))
            else:
                tx.append(now)
    c.expect_no_output(0.3)
    problems += check_statuses(statuses, LINES, "socket:")

    # Clients that go away in the middle of a line or before reading the answer.
    for data in (b"show sta", b"show stats", b"x" * 5000, b"callout delete key 9b7c0f7e-",
                 b"show flows\n", b"show stats\nshow stats\n"):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(5)
        s.connect(d.sock_path)
        s.sendall(data)
        s.close()
    half = d.client("half")
    half.send_raw(b"show st")
    lines = c.cmd("show stats")
    e.check(lines, "show stats printed nothing")
    other.cmd("show lcores")
    half.send_raw(b"ats\n")
    r = half.read_reply(what="the rest of a line sent in two pieces")
    e.expect_eq(r.status, "STATUS_SUCCESS", "status of `show st` + `ats` sent in two writes")
    e.check(d.alive(), "dfp died (exit %s)" % d.proc.poll())

    if grows(c, tx[-1]) is None:
        problems.append("tx_packets stuck at %d for %.0f s at the end" % (tx[-1],
                                                                         GROWTH_TIMEOUT_S))

    # The --cmdline-file ran at start-up: on stdout, each hostile line's one failure
    # status, then its sentinel's.
    e.expect_eq(d.quit(c), 0, "exit code after quit")
    out = d.stdout()
    st = [e.parse_status(x.rstrip("\r")) for x in out.split("\n")]
    st = [x for x in st if x]
    groups, cur = [], []
    for x in st:
        if x[0] == sentinel_status:
            groups.append(cur)
            cur = []
        else:
            cur.append(x)
    if cur:
        problems.append("cmdline-file: statuses after the last sentinel: %r" % cur)
    if len(groups) != len(LINES):
        problems.append("cmdline-file: %d %s statuses for %d sentinels" % (
            len(groups), sentinel_status, len(LINES)))
    for (line, want), g in zip(LINES, groups):
        if len(g) != 1:
            problems.append("cmdline-file: %r: %d status lines %r" % (line[:60], len(g), g))
        elif g[0][0] == "STATUS_SUCCESS":
            problems.append("cmdline-file: %r: got STATUS_SUCCESS" % line[:60])
        elif want is not None and g[0][0] != want:
            problems.append("cmdline-file: %r: got %s, expected %s" % (line[:60], g[0][0], want))
    e.check(not problems, "%d problem(s):\n  %s" % (len(problems), "\n  ".join(problems)))


e.run("console_hostile", main)
