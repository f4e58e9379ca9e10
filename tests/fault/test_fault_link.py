#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Fault: a port's link goes down and comes back (needs root, `ip netns` and
/dev/net/tun; skipped with 77 otherwise).

dfp runs in a network namespace of its own (IPv6 off, so the kernel sends
nothing by itself) on two net_tap ports: wan = ftap0, lan = ftap1. Frames
are written into ftap0 with a packet socket (the kernel transmits them to
dfp) and read on ftap1 (what dfp transmitted). Then:

1. link up: 3 frames sent, 3 arrive on ftap1;
2. `ip link set ftap1 down`: dfp sees it within its 100 ms poll (show port
   info all: port 1 `Link status: down`, `Link changes: 1 (down 1)`; a log
   line "port lan (1): link down"; link_changes 1) and keeps running; 5
   frames sent: none arrives, and each one dfp received is transmitted or
   counted as a drop (net_tap refuses them: drop.link_down, since dfp saw
   the link go down): closed;
3. `ip link set ftap1 up`: `Link changes: 2 (down 1)`, a "link up" log
   line, and 3 frames sent all arrive again;
4. quit exits 0; the final statistics balance (rx 11 = tx 6 + drops 5 when
   the PMD refuses, as net_tap does) with link_changes 2.
The namespace and dfp are removed whatever happens (finally and atexit).
"""

import atexit
import os
import shutil
import subprocess
import sys
import time

sys.dont_write_bytecode = True
import faultlib as fl  # noqa: E402

e = fl.e
HERE = os.path.dirname(os.path.abspath(__file__))
L2 = os.path.join(HERE, "l2frames.py")
NS = "dfpflt-%d" % os.getpid()
WAN, LAN = "ftap0", "ftap1"


def ns_argv(argv):
    return ["ip", "netns", "exec", NS] + list(argv)


def ns_run(argv, timeout=15):
    return e.run_cmd(ns_argv(argv), timeout=timeout)


def ns_del():
    subprocess.run(["ip", "netns", "del", NS], stdin=subprocess.DEVNULL,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=15)


def skip(why):
    print("SKIP fault_link: %s" % why)
    sys.exit(e.EXIT_SKIP)


class TapDfp(e.Dfp):
    """dfp in the namespace on net_tap0 (ftap0, wan) and net_tap1 (ftap1, lan)."""

    def __init__(self, test, config):
        e.Dfp.__init__(self, test, config, "", "")
        self.inputs = {}
        self.outputs = {"wan": None, "lan": None}
        self.argv = ns_argv([test.dfp_path, "--no-huge", "--no-pci", "--no-shconf", "-m", "256",
                             "--file-prefix", self.prefix, "-l", "0,1",
                             "--log-level=lib.eal:error", "--log-level=pmd.net.tap:error",
                             "--vdev=net_tap0,iface=%s" % WAN,
                             "--vdev=net_tap1,iface=%s" % LAN,
                             "--", "-f", config, "--control", self.sock_path])


def exchange(n, tag):
    """Send n frames into ftap0 while reading ftap1; the tags that arrived."""
    rd = subprocess.Popen(ns_argv([sys.executable, L2, "recv", LAN, "2.0"]),
                          stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE)
    time.sleep(0.3)     # the reader's socket is bound
    rc, out, err = ns_run([sys.executable, L2, "send", WAN, str(n), tag])
    e.expect_eq(rc, 0, "send %d frames into %s: %s" % (n, WAN, err.strip()))
    out, err = rd.communicate(timeout=20)
    e.expect_eq(rd.returncode, 0, "reader on %s: %s" % (LAN, err.decode().strip()))
    got = [x for x in out.decode().split() if x.startswith(tag + "-")]
    e.log("sent %d %s frames, %d arrived on %s" % (n, tag, len(got), LAN))
    return got


def wait_link(c, up, changes, timeout=10):
    end = time.monotonic() + timeout
    while True:
        info = fl.port_info(c)[1]
        got = (info.get("Link status"), fl.link_changes(info))
        if got == ("up" if up else "down", changes):
            return
        if time.monotonic() >= end:
            e.fail("port 1: link %r, changes %r; want %s, %r" % (
                got[0], got[1], "up" if up else "down", changes))
        time.sleep(0.1)


def main(t):
    rc, out, err = e.run_cmd(["ip", "netns", "add", NS])
    if rc != 0:
        skip("cannot create a network namespace: %s" % err.strip())
    atexit.register(ns_del)
    try:
        for argv in (["sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1",
                      "net.ipv6.conf.default.disable_ipv6=1"], ["ip", "link", "set", "lo", "up"]):
            rc, out, err = ns_run(argv)
            e.expect_eq(rc, 0, "%s: %s" % (" ".join(argv), err.strip()))
        run(t)
    finally:
        t.cleanup()
        t.procs = []
        ns_del()


def run(t):
    cfg = t.write("link.yaml", e.base_yaml())
    d = TapDfp(t, cfg)
    d.start()
    c = d.client()
    wait_link(c, True, (0, 0))
    e.expect_eq(exchange(3, "up"), ["up-%d" % i for i in range(3)], "frames with the link up")
    c.wait_idle()
    s0 = c.stats()
    fl.expect_closed(s0, "link up")

    rc, out, err = ns_run(["ip", "link", "set", LAN, "down"])
    e.expect_eq(rc, 0, "ip link set %s down: %s" % (LAN, err.strip()))
    wait_link(c, False, (1, 1))
    e.check(d.alive(), "dfp exited after the link went down")
    e.expect_eq(exchange(5, "down"), [], "frames arriving with lan's link down")
    c.wait_stats(lambda s: e.stat(s, "rx_packets") == e.stat(s0, "rx_packets") + 5,
                 "the 5 frames received on wan", timeout=10)
    c.wait_idle()
    s = c.stats()
    rx, tx, dropped, held = fl.expect_closed(s, "link down")
    e.expect_eq((rx - e.stat(s0, "rx_packets"), held), (5, 0), "received, held while down")
    e.expect_eq(tx - e.stat(s0, "tx_packets") + dropped, 5,
                "frames sent while down: each transmitted or counted as a drop")
    e.expect_eq(set(fl.nonzero(e.drops(s))) - {"link_down"}, set(),
                "drop reasons while down (the PMD's refusal on a down link is link_down)")
    e.expect_eq(e.drops(s).get("link_down", 0), dropped,
                "every frame dropped while down counted as link_down")
    e.expect_eq(e.stat(s, "link_changes"), 1, "link_changes in show stats (down)")
    e.log("link down: dfp rx %d tx %d drops %r; port 1 %r" % (
        rx, tx, fl.nonzero(e.drops(s)), fl.port_stats(c)[1]))
    e.expect_eq(len(fl.log_lines(d.output(), "port lan (1)", "link down")), 1,
                "log lines: port lan link down")

    rc, out, err = ns_run(["ip", "link", "set", LAN, "up"])
    e.expect_eq(rc, 0, "ip link set %s up: %s" % (LAN, err.strip()))
    wait_link(c, True, (2, 1))
    e.expect_eq(exchange(3, "back"), ["back-%d" % i for i in range(3)],
                "frames after the link came back")
    e.expect_eq(len(fl.log_lines(d.output(), "port lan (1)", "link up")), 1,
                "log lines: port lan link up")
    c.wait_idle()
    s = c.stats()
    rx2, tx2, dropped2, _ = fl.expect_closed(s, "link back up")
    e.expect_eq((rx2 - rx, tx2 - tx, dropped2 - dropped), (3, 3, 0),
                "received, transmitted, dropped after the link came back")
    e.expect_eq(d.quit(c), 0, "exit code after quit")
    fin = e.parse_stats(d.stdout().splitlines())
    e.expect_eq(fl.expect_closed(fin, "final statistics"), (rx2, tx2, dropped2, 0),
                "final rx, tx, dropped, held")
    e.expect_eq(e.stat(fin, "link_changes"), 2, "final link_changes")


if __name__ == "__main__":
    if os.geteuid() != 0:
        skip("needs root (network namespace, tap devices)")
    if shutil.which("ip") is None:
        skip("no `ip` program")
    if not os.path.exists("/dev/net/tun"):
        skip("no /dev/net/tun")
    e.run("fault_link", main)
