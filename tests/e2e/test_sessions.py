#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Control-socket clients as WFP engine sessions (spec §8.2, DESIGN §4).

- The socket is a socket, mode 0600, owned by the running user (what dfp
  does with a file already at the path: test_control_socket.py).
- One transaction per session: a second `txn begin` -> STATUS_FWP_TXN_IN_PROGRESS;
  `txn commit`/`txn abort` without one -> STATUS_FWP_NO_TXN_IN_PROGRESS.
- `txn abort` drops what the transaction added; `txn commit` publishes it to
  every session and to the datapath.
- A client that disconnects with a transaction open has it aborted: its
  filter never appears, and another session can begin a transaction.
- Sessions are static (not dynamic): a filter added outside a transaction
  stays after its client disconnects.
Traffic (inbound UDP to local ports 7101..7104) replayed after the changes
shows which filters are live: 7102 (committed) and 7104 (added by a client
that left) are blocked; 7101 (aborted) and 7103 (abandoned) pass.
"""

import os
import stat
import sys
import time

sys.dont_write_bytecode = True
import dfpe2e as e  # noqa: E402


def add(c, name, port, expect="STATUS_SUCCESS"):
    c.cmd("filter add %s layer INBOUND_TRANSPORT_V4 action block cond IP_LOCAL_PORT equal %d"
          % (name, port), expect)


def names(c):
    return {f["name"] for f in c.filters()}


def main(t):
    wan = []
    for port in (7101, 7102, 7103, 7104):
        wan += e.udp_flow("198.51.100.77", "10.0.0.77", 30000 + port, port, 2, "p%d" % port)
    d = t.dfp(e.base_yaml(), wan=wan, lan=[], auto_start=False)
    st = os.lstat(d.sock_path)
    e.check(stat.S_ISSOCK(st.st_mode), "%s is not a socket" % d.sock_path)
    e.expect_eq(oct(stat.S_IMODE(st.st_mode)), oct(0o600), "mode of the control socket")
    e.expect_eq(st.st_uid, os.geteuid(), "owner of the control socket")
    a, b = d.client("a"), d.client("b")

    a.cmd("txn commit", "STATUS_FWP_NO_TXN_IN_PROGRESS")
    a.cmd("txn abort", "STATUS_FWP_NO_TXN_IN_PROGRESS")
    a.cmd("txn begin")
    a.cmd("txn begin", "STATUS_FWP_TXN_IN_PROGRESS")
    add(a, "aborted-7101", 7101)
    a.cmd("txn abort")
    e.check("aborted-7101" not in names(a), "an aborted filter is listed")

    a.cmd("txn begin")
    add(a, "committed-7102", 7102)
    a.cmd("txn commit")
    e.check("committed-7102" in names(b), "a committed filter is not listed in another session")

    # A client leaves with its transaction open.
    x = d.client("leaver")
    x.cmd("txn begin")
    add(x, "abandoned-7103", 7103)
    x.close()
    # Its session closes asynchronously: b's transaction begins once the lock is free.
    end = time.monotonic() + 10
    while True:
        r = b.send("txn begin", timeout=20)
        if r.status == "STATUS_SUCCESS":
            break
        e.check(time.monotonic() < end, "txn begin in another session after the leaver's "
                "disconnect: %s" % r.status)
        time.sleep(0.1)
    b.cmd("txn abort")
    e.check("abandoned-7103" not in names(b), "a filter of an abandoned transaction is listed")

    # Static session: objects outlive their client.
    y = d.client("static")
    add(y, "static-7104", 7104)
    y.close()
    time.sleep(0.3)
    e.check("static-7104" in names(b), "a filter added outside a transaction vanished with its "
            "client (the console's sessions are static)")

    b.cmd("start")
    b.wait_idle()
    e.expect_eq([p.dport for p in d.out_packets("lan")], [7101, 7101, 7103, 7103],
                "ports forwarded (7102 and 7104 blocked)")
    e.expect_eq(d.quit(b), 0, "exit code after quit")


e.run("sessions", main)
