# SPDX-License-Identifier: BSD-3-Clause
"""dfpnet: real programs' traffic through dfp (suite 'e2e', needs root and `ip netns`).

A test script does

    import dfpnet as n
    e = n.e                                   # the dfpe2e module: checks, parsers, Client

    def main(t):                              # t: n.NetTest
        d = t.dfp(n.base_yaml() + FILTERS)    # dfp started in the dfp namespace, socket ready
        c = d.client()                        # dfpe2e.Client on its control socket
        t.http_server(8080)                   # python3 -m http.server in the server namespace
        blob, digest = t.make_file("blob", 4 << 20)
        r = t.curl("http://10.0.0.2:8080/blob", out=t.path("got"))
        e.check(r.ok and n.sha256(t.path("got")) == digest, "download: %s" % r)
        r = t.tcp_connect(9090)               # nc -z from the client, bounded
        e.check(r.timed_out, "9090 must be blocked: %s" % r)
        e.expect_eq(d.quit(c), 0, "exit code")

    n.run("net_example", main, budget=60)

and is started by meson as `python3 SCRIPT DFP` (the options of dfpe2e are
accepted too).

The topology (tools/netns-topo.sh, one per test run, named dfpn-PID-N)
---------------------------------------------------------------------
  client ns   cli0 10.0.0.1 (+ 10.0.0.3), fd00::1 (+ fd00::3)
     | veth
  dfp ns      wan0 = DPDK port 0 "wan", role outside  (net_af_packet0,iface=wan0)
              lan0 = DPDK port 1 "lan", role inside   (net_af_packet1,iface=lan0)
     | veth
  server ns   srv0 10.0.0.2, fd00::2

The client faces the outside port, so a connection the client opens to the
server is INBOUND: ALE_AUTH_RECV_ACCEPT, INBOUND_TRANSPORT/IPPACKET, with
local = the server (10.0.0.2, its port) and remote = the client. A
connection the server opens is OUTBOUND (ALE_AUTH_CONNECT). Neighbours are
static, so no ARP/ND is needed. base_yaml() gives exactly the ports above.

What the harness guarantees
---------------------------
- Exit 77 (skip) when not root, without `ip`/`ip netns`, or without one of
  the programs (nc, curl, ping, ethtool, ss); otherwise 0 pass, 1 fail.
- Every wait and program run is bounded; the test has a budget (run(...,
  budget=S), SIGALRM).
- The namespaces, the programs started in them and dfp are removed at the
  end whatever happens: finally, atexit and a SIGTERM/SIGINT/SIGHUP handler
  (meson's timeout); leftovers of killed runs are collected by the next run
  (`tools/netns-topo.sh gc`).
"""

import atexit
import errno
import hashlib
import os
import select
import shutil
import signal
import subprocess
import sys
import time
import traceback

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.normpath(os.path.join(HERE, "..")))
import dfpe2e as e  # noqa: E402

SRC_ROOT = e.SRC_ROOT
TOPO = os.path.join(SRC_ROOT, "tools", "netns-topo.sh")
UDP_ECHO = os.path.join(HERE, "udp_echo.py")      # server: echo, logs senders
UDP_PROBE = os.path.join(HERE, "udp_probe.py")    # client: send N, count echoes

# Addresses (tools/netns-topo.sh).
CLI4, CLI4_ALT, SRV4 = "10.0.0.1", "10.0.0.3", "10.0.0.2"
CLI6, CLI6_ALT, SRV6 = "fd00::1", "fd00::3", "fd00::2"
WAN_IF, LAN_IF = "wan0", "lan0"

CONNECT_TIMEOUT_S = 2     # nc -w: a blocked TCP connect fails after this
RUN_TIMEOUT_S = 15        # default bound of one client/server program run
LISTEN_TIMEOUT_S = 5      # a server until its socket is listening

REQUIRED_PROGRAMS = ("ip", "ethtool", "nc", "curl", "ping", "ss")


def base_yaml(flows=None, workers="{lcores: [1]}"):
    """version, ports (wan: port 0 outside, faces the client; lan: port 1 inside), workers,
    flows (idle_timeout_s 600 unless given)."""
    return e.base_yaml(flows=flows, workers=workers)


# A TCP segment that arrives after its connection's flow ended (a FIN or RST
# sent again, an RST answering a late segment) opens no flow under the default
# `flows: {tcp_pickup: no}` and is dropped as drop.tcp_no_flow: expected now and
# then on real traffic, never more than a few per test.
LATE_SEGMENTS_MAX = 8


def check_late_segments(drops):
    """drop.tcp_no_flow within the few late segments real TCP closes produce."""
    n = drops.get("tcp_no_flow", 0)
    e.check(n <= LATE_SEGMENTS_MAX, "drop.tcp_no_flow %d: more than %d late segments of "
            "ended connections" % (n, LATE_SEGMENTS_MAX))


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def final_stats(text):
    """The counters printed after `--- final statistics ---` (the last such block)."""
    marker = "--- final statistics ---"
    if marker not in text:
        return None
    return e.parse_stats(text.rsplit(marker, 1)[1].splitlines())


def _read(path):
    try:
        with open(path, "rb") as f:
            return f.read().decode("utf-8", "replace")
    except OSError:
        return ""


# ---------------------------------------------------------------- topology

class Topology:
    """Three namespaces NAME-cli, NAME-dfp, NAME-srv made by tools/netns-topo.sh."""

    def __init__(self, name, v6=True):
        self.name = name
        self.v6 = v6
        self.is_up = False

    def ns(self, where):
        return {"cli": self.name + "-cli", "client": self.name + "-cli",
                "srv": self.name + "-srv", "server": self.name + "-srv",
                "dfp": self.name + "-dfp"}[where]

    def argv(self, where, argv):
        """argv run inside namespace `where` (cli, srv or dfp)."""
        return ["ip", "netns", "exec", self.ns(where)] + list(argv)

    def up(self):
        argv = [TOPO, "up", self.name] + ([] if self.v6 else ["--no-v6"])
        p = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=60)
        out = p.stdout.decode("utf-8", "replace")
        if p.returncode != 0:
            return False, out
        self.is_up = True
        e.log(out.strip())
        return True, out

    def down(self):
        try:
            p = subprocess.run([TOPO, "down", self.name], stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60)
            if p.returncode != 0:
                sys.stdout.write("dfpnet: %s down: %s\n" % (
                    self.name, p.stdout.decode("utf-8", "replace")))
        except (OSError, subprocess.TimeoutExpired) as ex:
            sys.stdout.write("dfpnet: %s down failed: %s\n" % (self.name, ex))
        self.is_up = False


# ---------------------------------------------------------------- programs

class Run:
    """A finished program: rc, out, err (text), elapsed (s), timed_out_by_harness."""

    def __init__(self, argv, rc, out, err, elapsed, killed):
        self.argv, self.rc, self.out, self.err = argv, rc, out, err
        self.elapsed, self.killed = elapsed, killed

    @property
    def ok(self):
        return self.rc == 0 and not self.killed

    def __repr__(self):
        return "Run(%s: rc %s%s, %.2f s, out %r, err %r)" % (
            " ".join(self.argv[4:] if self.argv[:3] == ["ip", "netns", "exec"] else self.argv),
            self.rc, " killed" if self.killed else "", self.elapsed, self.out[-300:],
            self.err[-300:])


class Connect(Run):
    """An `nc -z` probe: .connected, .timed_out (no answer: the SYN was dropped),
    .refused (a RST came back: the SYN reached the server's kernel)."""

    @property
    def connected(self):
        return self.rc == 0 and "succeeded" in self.err

    @property
    def timed_out(self):
        return self.rc != 0 and "timed out" in self.err

    @property
    def refused(self):
        return self.rc != 0 and "refused" in self.err


class Bg:
    """A background program in a namespace (own session), its output in files."""

    def __init__(self, test, where, argv, name, cwd=None):
        self.test = test
        self.where = where
        self.name = name
        self.argv = test.topo.argv(where, argv)
        self.out_path = test.path("%s.out" % name)
        self.err_path = test.path("%s.err" % name)
        e.log("start %s in %s: %s" % (name, where, " ".join(argv)))
        self.proc = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL,
                                     stdout=open(self.out_path, "wb"),
                                     stderr=open(self.err_path, "wb"),
                                     cwd=cwd or test.tmp, start_new_session=True)
        test.bgs.append(self)

    def alive(self):
        return self.proc.poll() is None

    def out(self):
        return _read(self.out_path)

    def err(self):
        return _read(self.err_path)

    def wait(self, timeout):
        """Exit code, or None if still running after timeout seconds."""
        try:
            return self.proc.wait(timeout=max(0.05, min(timeout, self.test.remaining())))
        except subprocess.TimeoutExpired:
            return None

    def stop(self):
        """TERM its process group, then KILL after 2 s (bounded)."""
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
            except OSError:
                pass
            try:
                self.proc.wait(timeout=2)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except OSError:
                    pass
                try:
                    self.proc.wait(timeout=2)
                except subprocess.TimeoutExpired:
                    pass
        return self.proc.poll()


class NcSession:
    """`nc -v -N [-6] [-s SRC] ADDR PORT` in a namespace, its stdin a FIFO this process
    writes: the connection stays open (and idle) until close(). .sent counts the bytes
    written, .bg is the Bg (its stderr has nc's `... succeeded!` once connected)."""

    def __init__(self, test, port, addr, src, name, where):
        self.test = test
        self.name = name
        self.sent = 0
        self.fd = None
        self.fifo = test.path("%s.fifo" % name)
        os.mkfifo(self.fifo, 0o600)
        argv = ["sh", "-c", 'f=$1; shift; exec nc "$@" < "$f"', "nc", self.fifo, "-v", "-N"]
        if ":" in addr:
            argv.append("-6")
        if src:
            argv += ["-s", src]
        argv += [addr, str(port)]
        self.bg = Bg(test, where, argv, name)
        # The shell opens the FIFO for reading before nc starts: open the write end
        # once it does (non-blocking: ENXIO while no reader), bounded.
        end = time.monotonic() + min(LISTEN_TIMEOUT_S, test.remaining())
        while self.fd is None:
            try:
                self.fd = os.open(self.fifo, os.O_WRONLY | os.O_NONBLOCK)
            except OSError as ex:
                if ex.errno != errno.ENXIO:
                    raise
                if not self.bg.alive():
                    e.fail("%s exited (%s) before opening its input: %s" % (
                        name, self.bg.proc.returncode, self.bg.err()[-500:]))
                if time.monotonic() >= end:
                    e.fail("%s did not open its input FIFO within %d s" % (name,
                                                                         LISTEN_TIMEOUT_S))
                time.sleep(0.02)

    def wait_connected(self, timeout=LISTEN_TIMEOUT_S):
        """Until nc reports the connection (fails if it exits or after timeout s)."""
        end = time.monotonic() + min(timeout, self.test.remaining())
        while "succeeded" not in self.bg.err():
            if not self.bg.alive():
                e.fail("%s exited (%s) without connecting: %s" % (
                    self.name, self.bg.proc.returncode, self.bg.err()[-500:]))
            if time.monotonic() >= end:
                e.fail("%s not connected after %.0f s: %s" % (self.name, timeout,
                                                              self.bg.err()[-500:]))
            time.sleep(0.02)

    def send(self, data, timeout=10):
        """Write all of data to nc's input (bounded: fails after timeout s)."""
        view = memoryview(data)
        end = time.monotonic() + min(timeout, self.test.remaining())
        while len(view) > 0:
            left = end - time.monotonic()
            if left <= 0:
                e.fail("%s: %d of %d bytes still unwritten after %.0f s" % (
                    self.name, len(view), len(data), timeout))
            _, w, _ = select.select([], [self.fd], [], min(left, 0.2))
            if not w:
                if not self.bg.alive():
                    e.fail("%s exited (%s) with %d bytes unwritten: %s" % (
                        self.name, self.bg.proc.returncode, len(view), self.bg.err()[-500:]))
                continue
            try:
                n = os.write(self.fd, view[:65536])
            except BlockingIOError:
                continue
            view = view[n:]
            self.sent += n

    def close(self):
        """End nc's input: nc -N then shuts its side of the connection down."""
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


# ---------------------------------------------------------------- the appliance

class NetDfp(e.Dfp):
    """dfp inside the dfp namespace, ports net_af_packet0 (wan0) and net_af_packet1 (lan0).

    Inherits from dfpe2e.Dfp: start(), wait_ready(), client(), quit(), signal(),
    wait_exit(), kill(), stdout(), stderr(), output(), alive(); adds final_stats().
    """

    def __init__(self, test, config, auto_start=True, cmdline_file=None, extra_opts=(),
                 eal_extra=(), wan_vdev_extra="", lan_vdev_extra=""):
        self.test = test
        self.seq = test.next_seq()
        self.config = config
        self.sock_path = test.path("ctl%d.sock" % self.seq)
        self.prefix = "dfpnet-%s-%d-%d" % (test.name, os.getpid(), self.seq)
        self.inputs = {}
        self.outputs = {"wan": None, "lan": None}
        self.stdout_path = test.path("dfp%d.stdout" % self.seq)
        self.stderr_path = test.path("dfp%d.stderr" % self.seq)
        dfp_argv = [test.dfp_path, "--no-huge", "--no-pci", "--no-shconf", "-m", "256",
                    "--file-prefix", self.prefix, "-l", "0,1", "--log-level=lib.eal:error",
                    "--vdev=net_af_packet0,iface=%s%s" % (WAN_IF, wan_vdev_extra),
                    "--vdev=net_af_packet1,iface=%s%s" % (LAN_IF, lan_vdev_extra)]
        dfp_argv += list(eal_extra)
        dfp_argv += ["--", "-f", config, "--control", self.sock_path]
        if not auto_start:
            dfp_argv.append("--no-auto-start")
        if cmdline_file:
            dfp_argv += ["--cmdline-file", cmdline_file]
        dfp_argv += list(extra_opts)
        # `ip netns exec` execs: the process is dfp itself (signals reach it).
        self.argv = test.topo.argv("dfp", dfp_argv)
        self.proc = None
        self.clients = []
        self.rc = None

    def final_stats(self):
        """Counters of the `--- final statistics ---` block on stdout (None if absent)."""
        return final_stats(self.stdout())


# ---------------------------------------------------------------- the test

class NetTest(e.Test):
    """dfpe2e.Test plus a topology and programs run in its namespaces."""

    def __init__(self, name, args, topo, budget):
        e.Test.__init__(self, name, args)
        self.deadline = self.t0 + budget
        self.budget = budget
        self.topo = topo
        self.bgs = []

    # -- the appliance

    def dfp(self, config_text, start=True, **kw):
        """Write the config (or use an existing absolute path), start dfp in the dfp
        namespace and wait for its control socket. Returns NetDfp."""
        seq = self._seq + 1
        cfg = config_text if os.path.isabs(config_text) and os.path.exists(config_text) \
            else self.write("config%d.yaml" % seq, config_text)
        d = NetDfp(self, cfg, **kw)
        if start:
            d.start()
        return d

    # -- programs

    def run(self, where, argv, timeout=RUN_TIMEOUT_S, input=None):
        """Run argv in namespace `where` ("cli", "srv", "dfp"), at most timeout seconds
        (then its process group is killed: .killed). Returns Run; never fails by itself."""
        full = self.topo.argv(where, argv)
        timeout = max(0.1, min(timeout, self.remaining()))
        e.log("run in %s: %s" % (where, " ".join(argv)))
        t0 = time.monotonic()
        p = subprocess.Popen(full, stdin=subprocess.PIPE if input is not None else
                             subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             cwd=self.tmp, start_new_session=True)
        killed = False
        try:
            out, err = p.communicate(input=input, timeout=timeout)
        except subprocess.TimeoutExpired:
            killed = True
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except OSError:
                pass
            out, err = p.communicate()
        r = Run(full, p.returncode, out.decode("utf-8", "replace"),
                err.decode("utf-8", "replace"), time.monotonic() - t0, killed)
        return r

    def bg(self, where, argv, name=None, cwd=None):
        """Start argv in namespace `where` in the background; stopped at the end."""
        return Bg(self, where, argv, name or "bg%d" % (len(self.bgs) + 1), cwd)

    def wait_listening(self, port, proto="tcp", where="srv", timeout=LISTEN_TIMEOUT_S, bg=None):
        """Until a socket listens (tcp) or is bound (udp) on port in namespace `where`."""
        flag = "-Hltn" if proto == "tcp" else "-Hlun"
        end = time.monotonic() + min(timeout, self.remaining())
        while True:
            p = subprocess.run(self.topo.argv(where, ["ss", flag, "sport = :%d" % port]),
                               stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, timeout=10)
            if p.stdout.strip():
                return
            if bg is not None and not bg.alive():
                e.fail("%s exited (%s) before listening on %s port %d:\n%s\n%s" % (
                    bg.name, bg.proc.returncode, proto, port, bg.out()[-1000:],
                    bg.err()[-1000:]))
            if time.monotonic() >= end:
                e.fail("nothing listens on %s port %d in %s after %.0f s" % (
                    proto, port, where, timeout))
            time.sleep(0.05)

    # -- servers (in the server namespace unless told)

    def http_server(self, port=8080, directory=None, bind="::", where="srv"):
        """python3 -m http.server on port (dual stack), serving directory (default: the
        test's temporary directory). Waits until it listens."""
        directory = directory or self.tmp
        b = self.bg(where, [sys.executable, "-m", "http.server", str(port), "--bind", bind,
                            "--directory", directory], name="http%d" % port)
        self.wait_listening(port, "tcp", where, bg=b)
        return b

    def nc_listener(self, port, out_path, where="srv", v6=False):
        """`nc -l PORT` writing what it receives to out_path (one connection, then exits);
        with v6, `nc -6 -l PORT` (IPv6 only)."""
        argv = ["sh", "-c", 'exec nc -l "$1" > "$2"', "nc", str(port), out_path]
        if v6:
            argv = ["sh", "-c", 'exec nc -6 -l "$1" > "$2"', "nc", str(port), out_path]
        b = Bg(self, where, argv, "nc%d" % port)
        self.wait_listening(port, "tcp", where, bg=b)
        return b

    def udp_echo(self, port, where="srv"):
        """A UDP echo server (python3) on port, both families; its stdout logs one line
        `from ADDR PORT LEN` per datagram received. Waits until bound."""
        b = self.bg(where, [sys.executable, UDP_ECHO, str(port)], name="udp%d" % port)
        self.wait_listening(port, "udp", where, bg=b)
        return b

    # -- client probes (in the client namespace unless told)

    def curl(self, url, out=None, src=None, timeout=10, extra=(), where="cli"):
        """curl -sS URL [-o out] [--interface src], bounded by --max-time."""
        argv = ["curl", "-sS", "-g", "--connect-timeout", str(CONNECT_TIMEOUT_S),
                "--max-time", str(timeout), "-o", out or "/dev/null"]
        if src:
            argv += ["--interface", src]
        argv += list(extra) + [url]
        return self.run(where, argv, timeout=timeout + 5)

    def nc_session(self, port, addr=SRV4, src=None, name=None, where="cli"):
        """A long-lived TCP connection from the client: `nc -v -N ADDR PORT` fed through a
        FIFO (NcSession: send() some bytes, close() its input so nc shuts the connection
        down). Returns once nc is started (not necessarily connected: wait_connected())."""
        return NcSession(self, port, addr, src, name or "ncs%d" % (len(self.bgs) + 1), where)

    def tcp_connect(self, port, addr=SRV4, src=None, wait_s=CONNECT_TIMEOUT_S, where="cli"):
        """`nc -z -v -w WAIT [-s SRC] ADDR PORT`: returns Connect (.connected, .timed_out,
        .refused)."""
        argv = ["nc", "-z", "-v", "-w", str(wait_s)]
        if ":" in addr:
            argv.append("-6")
        if src:
            argv += ["-s", src]
        argv += [addr, str(port)]
        r = self.run(where, argv, timeout=wait_s + 5)
        c = Connect(r.argv, r.rc, r.out, r.err, r.elapsed, r.killed)
        e.log("  -> %s" % ("connected" if c.connected else "timed out" if c.timed_out else
                           "refused" if c.refused else "rc %s: %s" % (c.rc, c.err.strip())))
        return c

    def udp_probe(self, port, addr=SRV4, src=None, n=3, wait_s=1.0, where="cli"):
        """Send n datagrams from the client (bound to src if given) and count the echoes
        received within wait_s seconds in all. Returns the number echoed."""
        argv = [sys.executable, UDP_PROBE, addr, str(port), src or "", str(n),
                str(wait_s)]
        r = self.run(where, argv, timeout=wait_s + 10)
        if not r.ok:
            e.fail("udp probe failed: %r" % r)
        got = int(r.out.strip().splitlines()[-1])
        e.log("  -> %d of %d echoed" % (got, n))
        return got

    def ping(self, addr=SRV4, src=None, count=3, where="cli"):
        """ping -c count -i 0.2 -W 1 [-I src] addr: Run (.ok when every reply came back)."""
        argv = ["ping", "-n", "-q", "-c", str(count), "-i", "0.2", "-W", "1"]
        if ":" in addr:
            argv.append("-6")
        if src:
            argv += ["-I", src]
        argv.append(addr)
        r = self.run(where, argv, timeout=count * 0.2 + 8)
        e.log("  -> ping rc %s" % r.rc)
        return r

    # -- files

    def make_file(self, name, size):
        """A file of size random bytes in the test directory: (path, sha256)."""
        p = self.path(name)
        with open(p, "wb") as f:
            left = size
            while left > 0:
                chunk = os.urandom(min(left, 1 << 20))
                f.write(chunk)
                left -= len(chunk)
        return p, sha256(p)

    # -- the end

    def cleanup(self):
        for b in self.bgs:
            b.stop()
        e.Test.cleanup(self)  # kills dfp processes, removes the directory

    def report_processes(self):
        e.Test.report_processes(self)
        for b in self.bgs:
            rc = b.proc.poll()
            sys.stdout.write("---- %s (%s) in %s: %s\n" % (
                b.name, "running" if rc is None else "exit %d" % rc, b.where,
                " ".join(b.argv)))
            for what, text in (("stdout", b.out()), ("stderr", b.err())):
                lines = text.splitlines()
                if lines:
                    sys.stdout.write("---- %s %s (last %d of %d lines):\n" % (
                        b.name, what, min(20, len(lines)), len(lines)))
                    for line in lines[-20:]:
                        sys.stdout.write("    %s\n" % line[:300])


# ---------------------------------------------------------------- live-connection helpers
# (scenarios 5 and 6: re-authorisation, conn_limit) -- additive, nothing above uses them.

TCP_TICK = os.path.join(HERE, "tcp_tick.py")      # server: a line every interval per connection


def file_size(path):
    """Size of the file at path, 0 if it does not exist (yet)."""
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


def wait_size(path, size, timeout, interval=0.05):
    """Until the file at path holds at least size bytes or timeout seconds pass (bounded);
    returns its size."""
    end = time.monotonic() + timeout
    while True:
        have = file_size(path)
        if have >= size or time.monotonic() >= end:
            return have
        time.sleep(interval)


def _tcp_conns(self, port, where="srv", side="sport"):
    """TCP sockets in namespace `where` whose local (side="sport") or remote ("dport")
    port is `port`, listeners excluded: [{state, recv_q, send_q, local, peer}] from
    `ss -Htan`."""
    p = subprocess.run(self.topo.argv(where, ["ss", "-Htan", "%s = :%d" % (side, port)]),
                       stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.DEVNULL, timeout=10)
    out = []
    for line in p.stdout.decode("utf-8", "replace").splitlines():
        f = line.split()
        if len(f) < 5 or f[0] == "LISTEN":
            continue
        out.append({"state": f[0], "recv_q": int(f[1]), "send_q": int(f[2]),
                    "local": f[3], "peer": f[4]})
    return out


def _tcp_tick(self, port, interval=0.2, where="srv"):
    """tcp_tick.py on port (dual stack): every connection gets a line `tick N` every
    interval seconds until it closes; stdout logs `open ADDR PORT` / `close ADDR PORT
    ticks N why`. Waits until it listens."""
    b = self.bg(where, [sys.executable, TCP_TICK, str(port), str(interval)],
                name="tick%d" % port)
    self.wait_listening(port, "tcp", where, bg=b)
    return b


def _nc_reader(self, port, addr=SRV4, src=None, name=None, where="cli"):
    """A held-open `nc [-s SRC] ADDR PORT` in the background (stdin at EOF, no -N: it
    keeps receiving until the server closes or it is stopped); what it receives is in
    its .out()."""
    argv = ["nc", "-v"]
    if src:
        argv += ["-s", src]
    argv += [addr, str(port)]
    return self.bg(where, argv, name=name)


def _small_rcvbuf(self, where="cli", rmem="4096 65536 262144"):
    """A small TCP receive buffer in namespace `where` (net.ipv4.tcp_rmem), so that a
    rate-limited reader paces its sender: the transfer stays on the wire."""
    r = self.run(where, ["sysctl", "-qw", "net.ipv4.tcp_rmem=%s" % rmem])
    e.check(r.ok, "sysctl tcp_rmem in %s: %r" % (where, r))


NetTest.tcp_conns = _tcp_conns
NetTest.tcp_tick = _tcp_tick
NetTest.nc_reader = _nc_reader
NetTest.small_rcvbuf = _small_rcvbuf


# ---------------------------------------------------------------- running a test

_ACTIVE = []     # (test, topology) of this process, for atexit / signals


def _teardown():
    while _ACTIVE:
        t, topo = _ACTIVE.pop()
        if t is not None:
            try:
                t.cleanup()
            except Exception:  # noqa: BLE001 - keep tearing down
                traceback.print_exc(file=sys.stdout)
        topo.down()


class Interrupted(e.TestFailure):
    pass


def _on_signal(signum, frame):
    raise Interrupted("interrupted by signal %d" % signum)


def _skip(name, why):
    print("SKIP %s: %s" % (name, why))
    sys.stdout.flush()
    sys.exit(e.EXIT_SKIP)


def _pid_gone(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return True


def _gc():
    """Leftovers of killed runs: topologies dfpn-PID-* and EAL runtime directories
    dfpnet-NAME-PID-SEQ whose PID is gone."""
    try:
        p = subprocess.run([TOPO, "gc"], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=60)
        if p.stdout.strip():
            e.log(p.stdout.decode("utf-8", "replace").strip())
    except (OSError, subprocess.TimeoutExpired):
        pass
    run_dir = "/var/run/dpdk"
    try:
        names = os.listdir(run_dir)
    except OSError:
        names = []
    for d in names:
        parts = d.split("-")
        if d.startswith("dfpnet-") and len(parts) >= 4 and parts[-2].isdigit() \
                and _pid_gone(int(parts[-2])):
            shutil.rmtree(os.path.join(run_dir, d), ignore_errors=True)


_TOPO_SEQ = [0]


def run(name, main, argv=None, budget=60, v6=True):
    """Run main(NetTest) in a fresh topology; exit 0 pass, 1 fail, 77 skip."""
    argv = sys.argv if argv is None else argv
    args = e._parse_args(argv)
    if not (os.path.isfile(args["dfp"]) and os.access(args["dfp"], os.X_OK)):
        _skip(name, "dfp binary %s is missing" % args["dfp"])
    if os.geteuid() != 0:
        _skip(name, "needs root (network namespaces, veth, af_packet)")
    missing = [p for p in REQUIRED_PROGRAMS if shutil.which(p) is None]
    if missing:
        _skip(name, "missing programs: %s (tools/install-deps.sh installs them)" %
              ", ".join(missing))
    try:
        ok = subprocess.run(["ip", "netns", "list"], stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            timeout=10).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        ok = False
    if not ok:
        _skip(name, "`ip netns` is unavailable")
    _gc()

    _TOPO_SEQ[0] += 1
    topo = Topology("dfpn-%d-%d" % (os.getpid(), _TOPO_SEQ[0]), v6=v6)
    entry = [None, topo]
    atexit.register(_teardown)
    for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(s, _on_signal)

    def on_alarm(signum, frame):
        raise e.TestTimeout("test time budget of %d s exceeded" % budget)

    signal.signal(signal.SIGALRM, on_alarm)
    rc = e.EXIT_FAIL
    t = None
    try:
        _ACTIVE.append(entry)
        signal.alarm(budget + 5)   # the topology first; the test's own deadline inside
        ok, out = topo.up()
        if not ok:
            if "ip netns add" in out:
                _skip(name, "cannot create network namespaces: %s" % out.strip())
            e.fail("topology %s: %s" % (topo.name, out.strip()))
        t = NetTest(name, args, topo, budget)
        entry[0] = t
        signal.alarm(budget)
        main(t)
        rc = e.EXIT_PASS
    except SystemExit:
        raise
    except e.TestFailure as ex:
        signal.alarm(0)
        print("FAIL %s: %s" % (name, ex))
        for fs in traceback.extract_tb(ex.__traceback__):
            if os.path.basename(fs.filename) not in ("dfpe2e.py", "dfpnet.py"):
                print("  at %s:%d in %s" % (os.path.basename(fs.filename), fs.lineno, fs.name))
        if t is not None:
            t.report_processes()
    except Exception:  # noqa: BLE001 - any harness or test error is a failure
        signal.alarm(0)
        print("FAIL %s: exception" % name)
        traceback.print_exc(file=sys.stdout)
        if t is not None:
            t.report_processes()
    finally:
        signal.alarm(0)
        # A second signal during teardown must not cut it short.
        for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(s, signal.SIG_IGN)
        _teardown()
    if rc == e.EXIT_PASS:
        print("PASS %s (%.1f s)" % (name, time.monotonic() - t.t0))
    sys.stdout.flush()
    sys.exit(rc)
