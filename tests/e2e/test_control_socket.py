#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""The control socket's file (DESIGN §2: --control PATH, mode 0600) and what
dfp does with whatever already sits at PATH (app/dfp/control.c).

- A stale socket of ours (nobody listening) in a sticky world-writable
  directory (as /tmp is) is replaced: the new socket is a socket, mode 0600,
  owned by the running user, and answers.
- A regular file, a symbolic link (to a file or dangling), or a socket that
  another process listens on are left alone: dfp exits 1 with a message
  naming the path, the file's content, the link and its target, and the
  other listener are unchanged.
- A directory writable by others without the sticky bit is refused (anyone
  could swap the socket for their own): dfp exits 1 and creates nothing.
- As root: with the socket's mode loosened to 0666 behind dfp's back, a
  client of another uid (nobody) is refused by its credentials
  (SO_PEERCRED) with STATUS_ACCESS_DENIED; this user is still served.
- At quit the socket file is removed.
"""

import os
import socket
import stat
import sys

sys.dont_write_bytecode = True
import dfpe2e as e  # noqa: E402

NOBODY = 65534


def start_at(t, path, ok=True):
    """An appliance whose --control is path; waits for its socket or its exit code."""
    d = t.dfp(e.base_yaml(), wan=[], lan=[], start=False, auto_start=False)
    d.argv[d.argv.index("--control") + 1] = path
    d.sock_path = path
    if ok:
        return d.start()
    d.start(wait=False)
    e.expect_eq(d.wait_exit(20), 1, "exit code with --control %s" % path)
    return d


def check_ours(path, what):
    st = os.lstat(path)
    e.check(stat.S_ISSOCK(st.st_mode), "%s: %s is not a socket" % (what, path))
    e.expect_eq(oct(stat.S_IMODE(st.st_mode)), oct(0o600), "%s: mode of the socket" % what)
    e.expect_eq(st.st_uid, os.geteuid(), "%s: owner of the socket" % what)


def stale_socket(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(path)
    s.close()   # The name stays; nobody listens.


def as_other_user(path):
    """Connect as uid/gid NOBODY (a forked child); everything it reads until EOF."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        rc = 1
        try:
            os.close(r)
            os.setgroups([])
            os.setgid(NOBODY)
            os.setuid(NOBODY)
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.settimeout(10)
            s.connect(path)
            # Nothing is sent: the refusal comes at accept (a client that was
            # served instead would wait for its prompt-less session and time out).
            while True:
                x = s.recv(4096)
                if not x:
                    break
                os.write(w, x)
            rc = 0
        except Exception as ex:  # noqa: BLE001 - reported through the pipe
            os.write(w, ("child: %r" % ex).encode())
        finally:
            os._exit(rc)
    os.close(w)
    out = b""
    while True:
        x = os.read(r, 4096)
        if not x:
            break
        out += x
    os.close(r)
    os.waitpid(pid, 0)
    return out.decode("utf-8", "replace")


def refused(d, path, words):
    err = d.stderr()
    e.check(path in err and words in err, "stderr does not say %r about %s:\n%s"
            % (words, path, err[-2000:]))


def main(t):
    # Stale socket in a sticky, world-writable directory: replaced.
    sticky = t.path("sticky")
    os.mkdir(sticky)
    os.chmod(sticky, 0o1777)
    path = os.path.join(sticky, "ctl.sock")
    stale_socket(path)
    d = start_at(t, path)
    check_ours(path, "stale socket replaced")
    c = d.client()
    c.cmd("show stats")

    if os.geteuid() == 0:
        # Loosen what dfp made; the peer's credentials still keep others out.
        os.chmod(path, 0o666)
        os.chmod(t.tmp, 0o711)
        out = as_other_user(path)
        e.check("status: STATUS_ACCESS_DENIED (0xC0000022)" in out,
                "a client of uid %d was not refused: %r" % (NOBODY, out))
        os.chmod(t.tmp, 0o700)
        c.cmd("show stats")
    else:
        e.log("not root: the other-uid client case is left out")
    e.expect_eq(d.quit(c), 0, "exit code after quit")
    e.check(not os.path.lexists(path), "the socket file is left behind after quit")

    # A regular file: left alone.
    path = t.write("regular.sock", "operator data\n")
    d = start_at(t, path, ok=False)
    refused(d, path, "not a socket")
    with open(path) as f:
        e.expect_eq(f.read(), "operator data\n", "content of the regular file")

    # A symlink to a file, and a dangling one: never followed, never removed.
    target = t.write("target.txt", "target data\n")
    path = t.path("link.sock")
    os.symlink(target, path)
    d = start_at(t, path, ok=False)
    refused(d, path, "symbolic link")
    e.expect_eq(os.readlink(path), target, "the symlink")
    with open(target) as f:
        e.expect_eq(f.read(), "target data\n", "content of the symlink's target")
    dangling = t.path("nowhere.sock")
    path = t.path("dangling.sock")
    os.symlink(dangling, path)
    d = start_at(t, path, ok=False)
    refused(d, path, "symbolic link")
    e.check(not os.path.lexists(dangling), "a dangling symlink's target was created")

    # A live socket: another process owns it.
    path = t.path("live.sock")
    other = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    other.bind(path)
    other.listen(4)
    try:
        d = start_at(t, path, ok=False)
        refused(d, path, "in use")
        probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        probe.settimeout(5)
        probe.connect(path)
        conn, _ = other.accept()
        conn.close()
        probe.close()
    finally:
        other.close()

    # A directory others may write, not sticky: refused, nothing created.
    open_dir = t.path("open")
    os.mkdir(open_dir)
    os.chmod(open_dir, 0o777)
    path = os.path.join(open_dir, "ctl.sock")
    d = start_at(t, path, ok=False)
    refused(d, open_dir, "writable by others")
    e.check(not os.path.lexists(path), "a socket was created in a world-writable directory")


e.run("control_socket", main)
