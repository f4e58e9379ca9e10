#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""tools/dfpctl.py, the command-line client of the control socket (README).

- Commands given as arguments run in order on one connection (one session):
  a filter added inside `txn begin` ... `txn commit` is committed (a later
  `show filters` lists it); exit status 0 when every answer is STATUS_SUCCESS.
- Commands read from stdin work the same way; blank and # lines are skipped.
- A failing command gives exit status 1 and its status line is printed.
- A socket nobody listens on gives exit status 2 and a message on stderr.
"""

import os
import subprocess
import sys

sys.dont_write_bytecode = True
import dfpe2e as e  # noqa: E402

DFPCTL = os.path.join(e.SRC_ROOT, "tools", "dfpctl.py")


def dfpctl(args, stdin=None):
    p = subprocess.run([sys.executable, DFPCTL] + args, input=stdin, capture_output=True,
                       text=True, timeout=30)
    return p.returncode, p.stdout, p.stderr


def main(t):
    d = t.dfp(e.base_yaml(), wan=[], lan=[], auto_start=False)
    sock = d.sock_path

    rc, out, err = dfpctl([sock, "txn begin",
                           "filter add no7300 layer INBOUND_TRANSPORT_V4 action block "
                           "cond IP_LOCAL_PORT equal 7300", "txn commit"])
    e.expect_eq(rc, 0, "dfpctl exit status (stderr %r)" % err)
    e.expect_eq(out.count("status: STATUS_SUCCESS (0x00000000)"), 3, "status lines in %r" % out)

    rc, out, err = dfpctl([sock], stdin="# a comment\n\nshow filters\n")
    e.expect_eq(rc, 0, "dfpctl exit status, commands from stdin")
    e.check("name no7300" in out, "show filters lists the committed filter: %r" % out)
    e.expect_eq(out.count("status:"), 1, "one answer for one command from stdin")

    rc, out, err = dfpctl([sock, "callout unregister key 00000000-0000-0000-0000-0000000000ff"])
    e.expect_eq(rc, 1, "dfpctl exit status of a failing command")
    e.check("status: STATUS_FWP_CALLOUT_NOT_FOUND" in out, "failing status printed: %r" % out)

    rc, out, err = dfpctl([t.path("nobody.sock"), "show stats"])
    e.expect_eq(rc, 2, "dfpctl exit status without a listener")
    e.check("dfpctl:" in err, "message on stderr: %r" % err)

    e.expect_eq(d.quit(), 0, "exit code after quit")


e.run("dfpctl", main)
