# SPDX-License-Identifier: BSD-3-Clause
"""dfpe2e: the harness of dfp's end-to-end tests (suite 'e2e').

A test script does

    import dfpe2e as e

    def main(t):                      # t: e.Test
        d = t.dfp(CONFIG_TEXT, wan=[frames...], lan=[frames...])
        c = d.client()
        c.wait_idle()
        e.expect_eq(len(d.out("lan")), 3, "frames sent out of lan")

    e.run("name", main)

and is started by meson as `python3 SCRIPT DFP [--conf-bad DIR] [--plugin SO]
[--bad-abi-plugin SO]`.

What the harness guarantees
---------------------------
- A fresh temporary directory per test (removed afterwards unless --keep or
  DFPE2E_KEEP=1), holding the YAML, the input and output pcaps, the control
  socket and the appliance's stdout/stderr.
- Every wait is bounded; the whole test has a budget of TEST_BUDGET_S seconds
  (SIGALRM), after which it fails.
- Every appliance process it started is killed at the end, pass or fail; on
  failure the tail of each one's stdout and stderr is printed.
- Exit code 0 pass, 1 fail, 77 skip: skip only when the dfp binary is missing.

The appliance is started as (conventions fixed by the integrator)

    DFP --no-huge --no-pci --no-shconf -m 256 --file-prefix dfpe2e-<unique> -l 0,1
        --log-level=lib.eal:error
        --vdev=net_pcap0,rx_pcap=IN0,tx_pcap=OUT0 --vdev=net_pcap1,rx_pcap=IN1,tx_pcap=OUT1
        -- -f CONFIG --control SOCK [--no-auto-start] [--cmdline-file F]

port 0 = "wan" (outside), port 1 = "lan" (inside).  A frame arriving on wan
(INBOUND) leaves through lan's tx pcap and vice versa.

The control socket protocol: one command line terminated by "\\n"; the answer
is the command's output lines, the last one `status: NAME (0xXXXXXXXX)`.

DPDK telemetry (DESIGN §5): `d.telemetry()` connects to the v2 socket of
the appliance's EAL runtime directory (eal_runtime_dir(); --no-shconf does
not prevent it) as usertools/dpdk-telemetry.py does, and `.query(CMD)`
returns the decoded JSON value of one command.

A terminal: `d = t.dfp(CONFIG, start=False, extra_opts=["-i"]); d.start_pty()`
runs the appliance on a pseudo-terminal (stdin, stdout and stderr); `d.pty`
writes keys and reads what the terminal shows (every read bounded; the
transcript goes to the appliance's stdout file for failure reports).
"""

import errno
import importlib.util
import ipaddress
import json
import os
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback

sys.dont_write_bytecode = True

HERE = os.path.dirname(os.path.abspath(__file__))
SRC_ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
MKPCAP_PATH = os.path.join(SRC_ROOT, "tools", "mkpcap.py")


def _load_mkpcap():
    spec = importlib.util.spec_from_file_location("mkpcap", MKPCAP_PATH)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


mkpcap = _load_mkpcap()

EXIT_PASS, EXIT_FAIL, EXIT_SKIP = 0, 1, 77
TEST_BUDGET_S = 60
READY_TIMEOUT_S = 20          # appliance start-up until the control socket answers
CMD_TIMEOUT_S = 10            # one console command (wait idle gets its own timeout + this)
EXIT_TIMEOUT_S = 15           # quit / SIGTERM until the process is gone

STATUS_RE = re.compile(r"^status: ([A-Z][A-Z0-9_]*) \((0x[0-9A-Fa-f]{8})\)$")
LOC_RE_TEMPLATE = r"^%s:(\d+):(\d+): (.*)$"

# NTSTATUS values the tests name (spec §8.1).
STATUS = {
    "STATUS_SUCCESS": 0x00000000,
    "STATUS_PENDING": 0x00000103,
    "STATUS_OBJECT_NAME_EXISTS": 0x40000000,
    "STATUS_DEVICE_BUSY": 0x80000011,
    "STATUS_UNSUCCESSFUL": 0xC0000001,
    "STATUS_INVALID_PARAMETER": 0xC000000D,
    "STATUS_NOT_SUPPORTED": 0xC00000BB,
    "STATUS_FWP_CALLOUT_NOT_FOUND": 0xC0220001,
    "STATUS_FWP_FILTER_NOT_FOUND": 0xC0220003,
    "STATUS_FWP_ALREADY_EXISTS": 0xC0220009,
    "STATUS_FWP_IN_USE": 0xC022000A,
}

# Run-time layer ids (spec §1.2).
LAYER_IDS = {
    "INBOUND_IPPACKET_V4": 0, "INBOUND_IPPACKET_V6": 2, "OUTBOUND_IPPACKET_V4": 4,
    "OUTBOUND_IPPACKET_V6": 6, "INBOUND_TRANSPORT_V4": 12, "INBOUND_TRANSPORT_V6": 14,
    "OUTBOUND_TRANSPORT_V4": 16, "OUTBOUND_TRANSPORT_V6": 18, "STREAM_V4": 20, "STREAM_V6": 22,
    "DATAGRAM_DATA_V4": 24, "DATAGRAM_DATA_V6": 26, "ALE_AUTH_RECV_ACCEPT_V4": 44,
    "ALE_AUTH_RECV_ACCEPT_V6": 46, "ALE_AUTH_CONNECT_V4": 48, "ALE_AUTH_CONNECT_V6": 50,
    "ALE_FLOW_ESTABLISHED_V4": 52, "ALE_FLOW_ESTABLISHED_V6": 54,
    "INBOUND_MAC_FRAME_ETHERNET": 56, "OUTBOUND_MAC_FRAME_ETHERNET": 57,
}

PROTO_NUMBERS = {"icmp": 1, "tcp": 6, "udp": 17, "icmpv6": 58, "ipv6-icmp": 58}

PORTS = {"wan": 0, "lan": 1}
PEER = {"wan": "lan", "lan": "wan"}


# ---------------------------------------------------------------- failures

class TestFailure(Exception):
    """An assertion of the test failed."""


class TestTimeout(TestFailure):
    """The test's time budget ran out."""


def fail(msg):
    raise TestFailure(msg)


def check(cond, msg):
    if not cond:
        raise TestFailure(msg)


def expect_eq(actual, expected, what):
    if actual != expected:
        raise TestFailure("%s: expected %r, got %r" % (what, expected, actual))


def log(msg):
    sys.stdout.write("[%7.3f] %s\n" % (time.monotonic() - _T_START, msg))
    sys.stdout.flush()


_T_START = time.monotonic()


# ---------------------------------------------------------------- config text

def guid(n, family=0xE2E0):
    """A deterministic GUID for object number n."""
    return "%08x-0000-4000-8000-%012x" % (family, n)


def base_yaml(flows=None, workers="{lcores: [1]}"):
    """version, ports (wan: port 0 outside, lan: port 1 inside), workers, flows."""
    flows = flows or {}
    f = {"idle_timeout_s": 600}
    f.update(flows)
    ftext = ", ".join("%s: %s" % (k, v) for k, v in f.items())
    return ("version: 1\n"
            "ports:\n"
            "  - {name: wan, port: 0, role: outside, peer: lan}\n"
            "  - {name: lan, port: 1, role: inside, peer: wan}\n"
            "workers: %s\n"
            "flows: {%s}\n" % (workers, ftext))


# ---------------------------------------------------------------- parsers

def parse_status(line):
    """(NAME, code) of a status line, or None."""
    m = STATUS_RE.match(line)
    if not m:
        return None
    return m.group(1), int(m.group(2), 16)


def to_int(x):
    return int(x, 0)


def parse_stats(lines):
    """`name: value` lines → {name: int or text}."""
    out = {}
    for line in lines:
        if ": " not in line:
            continue
        k, v = line.split(": ", 1)
        k, v = k.strip(), v.strip()
        try:
            out[k] = int(v, 0)
        except ValueError:
            out[k] = v
    return out


def stat(stats, name):
    """A counter by name: exact, then case-insensitive, then unique dotted suffix."""
    if name in stats:
        return stats[name]
    low = {k.lower(): k for k in stats}
    if name.lower() in low:
        return stats[low[name.lower()]]
    cands = [k for k in stats if re.split(r"[.\s]", k.lower())[-1] == name.lower()]
    if len(cands) == 1:
        return stats[cands[0]]
    fail("counter %r %s in show stats (keys: %s)" % (
        name, "ambiguous" if cands else "missing", ", ".join(sorted(stats))))


def drops(stats):
    """{reason (lower case): n} from `drop.REASON: N` lines."""
    return {k[5:].lower(): v for k, v in stats.items()
            if k.lower().startswith("drop.") and isinstance(v, int)}


def held_now(stats):
    """Packets held right now (counter `held_now`, or `held`)."""
    for k in ("held_now", "held"):
        for key in stats:
            if key.lower() == k:
                return stats[key]
    fail("no held_now/held counter in show stats (keys: %s)" % ", ".join(sorted(stats)))


def accounting(stats):
    """(rx, tx, dropped, held) and whether rx == tx + dropped + held."""
    rx = stat(stats, "rx_packets")
    tx = stat(stats, "tx_packets")
    dropped = sum(drops(stats).values())
    held = held_now(stats)
    return rx, tx, dropped, held, rx == tx + dropped + held


def parse_endpoint(text):
    """'10.0.0.1:80' or '[2001:db8::1]:80' → ('10.0.0.1', 80); address normalised."""
    if text.startswith("["):
        addr, _, port = text[1:].partition("]:")
    else:
        addr, _, port = text.rpartition(":")
    return str(ipaddress.ip_address(addr)), int(port, 0)


def proto_number(p):
    p = p.lower()
    if p in PROTO_NUMBERS:
        return PROTO_NUMBERS[p]
    return int(p, 0)


def layer_id(x):
    """A layer given by id (decimal/0x) or name (with or without FWPS_LAYER_)."""
    if isinstance(x, int):
        return x
    try:
        return int(x, 0)
    except ValueError:
        pass
    n = x.upper()
    for prefix in ("FWPS_LAYER_", "FWPM_LAYER_"):
        if n.startswith(prefix):
            n = n[len(prefix):]
    if n not in LAYER_IDS:
        fail("unknown layer %r in a listing" % x)
    return LAYER_IDS[n]


class Flow:
    """One line of `show flows`: FLOWID PROTO SRC:SPORT > DST:DPORT state STATE [ctx L/C]..."""

    def __init__(self, line):
        self.raw = line
        tok = line.split()
        if len(tok) < 5 or tok[3] != ">":
            raise ValueError("not a flow line")
        self.id = to_int(tok[0])
        self.proto = proto_number(tok[1])
        self.src, self.sport = parse_endpoint(tok[2])
        self.dst, self.dport = parse_endpoint(tok[4])
        self.state = None
        self.ctx = []
        i = 5
        while i < len(tok):
            if tok[i] == "state" and i + 1 < len(tok):
                self.state = tok[i + 1]
                i += 2
            elif tok[i] == "ctx" and i + 1 < len(tok):
                lay, _, cid = tok[i + 1].partition("/")
                self.ctx.append((layer_id(lay), to_int(cid)))
                i += 2
            else:
                i += 1

    def key(self):
        return (self.proto, self.src, self.sport, self.dst, self.dport)

    def __repr__(self):
        return "Flow(%s)" % self.raw


def parse_flows(lines):
    out = []
    for line in lines:
        try:
            out.append(Flow(line))
        except (ValueError, IndexError):
            continue
    return out


def parse_listing(lines):
    """Lines `ID key value key value ...` → [{'id': int, key: value, 'raw': line}]."""
    out = []
    for line in lines:
        tok = line.split()
        if not tok:
            continue
        try:
            oid = to_int(tok[0])
        except ValueError:
            continue
        d = {"id": oid, "raw": line}
        for i in range(1, len(tok) - 1, 2):
            d[tok[i]] = tok[i + 1]
        out.append(d)
    return out


def find_one(objs, what, **kw):
    """The one listed object whose fields equal kw (values compared as text)."""
    hits = [o for o in objs if all(str(o.get(k)) == str(v) for k, v in kw.items())]
    if len(hits) != 1:
        fail("%s: expected exactly one object with %r, found %d in:\n  %s" % (
            what, kw, len(hits), "\n  ".join(o.get("raw", str(o)) for o in objs)))
    return hits[0]


# The report builtin:count's flowDeleteFn logs once per association:
#   count NAME: flow 0xID proto P SRC:SPORT > DST:DPORT packets IN/OUT bytes IN/OUT
COUNT_REPORT_RE = re.compile(
    r"count (?P<callout>\S+): flow (?P<flow>0x[0-9a-fA-F]+) proto (?P<proto>\d+) "
    r"(?P<src>\S+):(?P<sport>\d+) > (?P<dst>\S+):(?P<dport>\d+) "
    r"packets (?P<pin>\d+)/(?P<pout>\d+) bytes (?P<bin>\d+)/(?P<bout>\d+)")


def count_reports(text, callout=None):
    """builtin:count flowDeleteFn reports in a log: [{'flow': int, 'packets': in+out, ...}]."""
    out = []
    for line in text.splitlines():
        m = COUNT_REPORT_RE.search(line)
        if not m or (callout is not None and m.group("callout") != callout):
            continue
        d = m.groupdict()
        for k in ("flow", "proto", "sport", "dport", "pin", "pout", "bin", "bout"):
            d[k] = int(d[k], 0)
        d["packets"] = d["pin"] + d["pout"]
        d["line"] = line
        out.append(d)
    return out


# ---------------------------------------------------------------- frames

def frames_of(path):
    """Frames of a pcap file (empty if it does not exist yet)."""
    if not os.path.exists(path):
        return []
    return mkpcap.read_pcap(path).frames


def packets_of(path):
    return [mkpcap.parse(f) for f in frames_of(path)]


def payloads_by_dport(packets):
    """{dport: [payload, ...]} in arrival order."""
    out = {}
    for p in packets:
        out.setdefault(p.dport, []).append(p.payload)
    return out


def udp_flow(src, dst, sport, dport, n, tag, inbound=True):
    """n UDP frames of one flow, payloads b'<tag>-<i>' (i from 0)."""
    smac, dmac = ((mkpcap.DEMO_ROUTER_MAC, mkpcap.DEMO_INSIDE_MAC) if inbound
                  else (mkpcap.DEMO_INSIDE_MAC, mkpcap.DEMO_ROUTER_MAC))
    return [mkpcap.udp_frame(src, dst, sport, dport, ("%s-%d" % (tag, i)).encode(), smac, dmac,
                             ident=i) for i in range(n)]


# ---------------------------------------------------------------- control socket

class Reply(tuple):
    """(output_lines, status_name) plus .code and .raw (bytes)."""

    def __new__(cls, lines, status, code, raw):
        r = tuple.__new__(cls, (lines, status))
        r.code = code
        r.raw = raw
        return r

    @property
    def lines(self):
        return self[0]

    @property
    def status(self):
        return self[1]

    def __repr__(self):
        return "Reply(status=%s, lines=%r)" % (self.status, self.lines)


class Client:
    """One connection to the control socket (one WFP engine session)."""

    def __init__(self, path, test, name="client"):
        self.path = path
        self.test = test
        self.name = name
        self.buf = b""
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(CMD_TIMEOUT_S)
        self.sock.connect(path)

    def close(self):
        if self.sock is not None:
            try:
                self.sock.close()
            finally:
                self.sock = None

    def _leftover(self):
        """Bytes already waiting before a command (there should be none)."""
        self.sock.setblocking(False)
        try:
            while True:
                try:
                    chunk = self.sock.recv(65536)
                except (BlockingIOError, InterruptedError):
                    break
                if not chunk:
                    break
                self.buf += chunk
        finally:
            self.sock.settimeout(CMD_TIMEOUT_S)
        extra, self.buf = self.buf, b""
        return extra

    def send_raw(self, data):
        """Write bytes as they are (no newline added, no reply read)."""
        self.sock.sendall(data)

    def read_reply(self, timeout=CMD_TIMEOUT_S, what="reply"):
        """Read lines up to and including the status line."""
        end = time.monotonic() + min(timeout, self.test.remaining())
        lines = []
        raw = b""
        while True:
            while b"\n" in self.buf:
                line, self.buf = self.buf.split(b"\n", 1)
                raw += line + b"\n"
                text = line.decode("utf-8", "replace").rstrip("\r")
                st = parse_status(text)
                if st:
                    return Reply(lines, st[0], st[1], raw)
                lines.append(text)
            left = end - time.monotonic()
            if left <= 0:
                fail("%s: no status line within %.1f s for %s; got so far:\n%s" % (
                    self.name, timeout, what, (raw + self.buf).decode("utf-8", "replace")[-3000:]))
            self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                continue
            finally:
                self.sock.settimeout(CMD_TIMEOUT_S)
            if not chunk:
                fail("%s: connection closed by the appliance while waiting for %s; got:\n%s" % (
                    self.name, what, (raw + self.buf).decode("utf-8", "replace")[-3000:]))
            self.buf += chunk

    def send(self, line, timeout=CMD_TIMEOUT_S):
        """Send one command line; returns Reply (lines, status)."""
        if isinstance(line, str):
            data = line.encode("utf-8")
        else:
            data = bytes(line)
        extra = self._leftover()
        if extra:
            fail("%s: unexpected output before sending %r (after the previous status line):\n%r"
                 % (self.name, data[:200], extra[:2000]))
        self.sock.sendall(data + b"\n")
        return self.read_reply(timeout, what=repr(data[:200]))

    def cmd(self, line, expect="STATUS_SUCCESS", timeout=CMD_TIMEOUT_S):
        """Send a command and require its status; returns the output lines."""
        r = self.send(line, timeout)
        if expect is not None and r.status != expect:
            fail("%r: expected %s, got %s (0x%08x); output:\n  %s" % (
                line, expect, r.status, r.code, "\n  ".join(r.lines)))
        return r.lines

    def expect_no_output(self, quiet_s=0.3):
        """Nothing arrives within quiet_s seconds."""
        time.sleep(quiet_s)
        extra = self._leftover()
        if extra:
            fail("%s: unexpected output: %r" % (self.name, extra[:2000]))

    # -- typed helpers

    def stats(self):
        return parse_stats(self.cmd("show stats"))

    def flows(self):
        return parse_flows(self.cmd("show flows"))

    def pended(self):
        return parse_listing(self.cmd("show pended"))

    def callouts(self):
        return parse_listing(self.cmd("show callouts"))

    def filters(self, layer=None):
        return parse_listing(self.cmd("show filters" + (" " + layer if layer else "")))

    def callout(self, name):
        return find_one(self.callouts(), "show callouts", name=name)

    def wait_idle(self, timeout_ms=10000):
        self.cmd("wait idle %d" % timeout_ms, timeout=timeout_ms / 1000.0 + CMD_TIMEOUT_S)

    def wait_stats(self, pred, what, timeout=10.0, interval=0.05):
        """Poll show stats until pred(stats) is true; returns the stats."""
        end = time.monotonic() + min(timeout, self.test.remaining())
        while True:
            s = self.stats()
            if pred(s):
                return s
            if time.monotonic() >= end:
                fail("timed out (%.1f s) waiting for %s; last stats:\n  %s" % (
                    timeout, what, "\n  ".join("%s: %s" % kv for kv in sorted(s.items()))))
            time.sleep(interval)


# ---------------------------------------------------------------- telemetry

def eal_runtime_dir(prefix):
    """EAL's runtime directory for a file prefix (DPDK 22.11 eal_create_runtime_dir():
    /var/run as root, else $XDG_RUNTIME_DIR or /tmp; then dpdk/PREFIX)."""
    if os.getuid() == 0:
        base = "/var/run"
    else:
        base = os.environ.get("XDG_RUNTIME_DIR") or "/tmp"
    return os.path.join(base, "dpdk", prefix)


class Telemetry:
    """One connection to DPDK telemetry v2 (SOCK_SEQPACKET, one JSON object per message)."""

    def __init__(self, path, test, name="telemetry"):
        self.path = path
        self.test = test
        self.name = name
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.sock.settimeout(CMD_TIMEOUT_S)
        self.sock.connect(path)
        self.max_len = 16384
        # The greeting: {"version": ..., "pid": ..., "max_output_len": ...}.
        self.info = self._recv("the greeting")
        check(isinstance(self.info, dict) and "version" in self.info and "pid" in self.info,
              "%s: unexpected greeting %r" % (name, self.info))
        self.max_len = int(self.info.get("max_output_len", self.max_len))

    def close(self):
        if self.sock is not None:
            try:
                self.sock.close()
            finally:
                self.sock = None

    def _recv(self, what):
        self.sock.settimeout(max(0.1, min(CMD_TIMEOUT_S, self.test.remaining())))
        try:
            data = self.sock.recv(self.max_len + 1024)
        except socket.timeout:
            fail("%s: no telemetry reply within %.0f s for %s" % (self.name, CMD_TIMEOUT_S, what))
        if not data:
            fail("%s: telemetry connection closed while waiting for %s" % (self.name, what))
        try:
            return json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as ex:
            fail("%s: reply to %s is not JSON (%s): %r" % (self.name, what, ex, data[:2000]))

    def query_raw(self, cmd):
        """Send one command ("/path" or "/path,params"); the whole decoded reply."""
        self.sock.sendall(cmd.encode("utf-8"))
        return self._recv(repr(cmd))

    def query(self, cmd):
        """The value of one command's reply {"/path": VALUE} (None for null)."""
        r = self.query_raw(cmd)
        key = cmd.split(",", 1)[0]
        check(isinstance(r, dict) and list(r) == [key],
              "%s: reply to %r is not {%r: ...}: %r" % (self.name, cmd, key, r))
        return r[key]


# ---------------------------------------------------------------- terminal

# Terminal control sequences rdline writes (VT100: ESC [ ... letter, ESC letter).
ANSI_RE = re.compile(rb"\x1b(?:\[[0-9;?]*[A-Za-z]|[A-Za-z])")
PROMPT = b"dfp> "


def term_text(raw):
    """Terminal output as text lines: control sequences and carriage returns removed."""
    text = ANSI_RE.sub(b"", raw).decode("utf-8", "replace")
    return [line.rstrip("\r").replace("\r", "") for line in text.split("\n")]


class Pty:
    """The master side of the appliance's pseudo-terminal."""

    def __init__(self, fd, dfp):
        self.fd = fd
        self.dfp = dfp
        self.buf = b""
        self.eof = False
        self.transcript = open(dfp.stdout_path, "ab")

    def close(self):
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None
        if self.transcript is not None:
            self.transcript.close()
            self.transcript = None

    def write(self, data):
        """Type bytes (keys) as they are."""
        if isinstance(data, str):
            data = data.encode("utf-8")
        os.write(self.fd, data)

    def _fill(self, left):
        """Read what is there within `left` seconds; False at EOF (the appliance closed it)."""
        r, _, _ = select.select([self.fd], [], [], max(0.0, left))
        if not r:
            return True
        try:
            chunk = os.read(self.fd, 65536)
        except OSError as ex:
            if ex.errno != errno.EIO:
                raise
            chunk = b""
        if not chunk:
            self.eof = True
            return False
        self.buf += chunk
        self.transcript.write(chunk)
        self.transcript.flush()
        return True

    def read_until(self, pattern, timeout=CMD_TIMEOUT_S, what=None):
        """Output up to and including the first match of pattern (bytes or compiled bytes
        regex); fails after timeout seconds or at EOF."""
        rx = pattern if hasattr(pattern, "search") else re.compile(re.escape(pattern))
        end = time.monotonic() + min(timeout, self.test_remaining())
        while True:
            m = rx.search(self.buf)
            if m:
                out, self.buf = self.buf[:m.end()], self.buf[m.end():]
                return out
            left = end - time.monotonic()
            if left <= 0 or self.eof:
                fail("terminal: %s %s; the terminal showed:\n%s" % (
                    "no" if left <= 0 else "EOF before", what or repr(rx.pattern),
                    "\n".join(term_text(self.buf[-3000:]))))
            self._fill(min(left, 0.2))

    def read_to_eof(self, timeout=EXIT_TIMEOUT_S):
        """Everything until the appliance closes the terminal (bounded)."""
        end = time.monotonic() + min(timeout, self.test_remaining())
        while not self.eof:
            left = end - time.monotonic()
            if left <= 0:
                fail("terminal: not closed within %.0f s; it showed:\n%s" % (
                    timeout, "\n".join(term_text(self.buf[-3000:]))))
            self._fill(min(left, 0.2))
        out, self.buf = self.buf, b""
        return out

    def expect_quiet(self, quiet_s=0.3):
        """Nothing is shown within quiet_s seconds (fails otherwise)."""
        end = time.monotonic() + quiet_s
        while time.monotonic() < end and self._fill(end - time.monotonic()):
            pass
        if self.buf:
            fail("terminal: unexpected output: %r" % self.buf[:2000])

    def test_remaining(self):
        return max(0.1, self.dfp.test.remaining())

    def command(self, line, timeout=CMD_TIMEOUT_S):
        """Type a line and Enter; (output lines, status name, code) up to the next prompt.
        The echo of the line is checked and left out; the last line must be the status."""
        self.write(line + "\r")
        return self.finish(line, timeout)

    def finish(self, echo="", timeout=CMD_TIMEOUT_S):
        """After Enter: the output up to the next prompt, as command() returns it. The
        first line shown (the rest of the line echoed before Enter) must end with echo."""
        raw = self.read_until(PROMPT, timeout, "prompt after %r" % echo)
        lines = term_text(raw[:-len(PROMPT)])
        check(lines and lines[0].endswith(echo), "terminal: the line shows %r, not %r" % (
            lines[0] if lines else "", echo))
        out = lines[1:]
        while out and out[-1] == "":
            out.pop()
        st = parse_status(out[-1]) if out else None
        check(st is not None, "terminal: after %r: output does not end with a status line:"
              "\n%s" % (echo, "\n".join(out)))
        return out[:-1], st[0], st[1]

    def keys(self, data, timeout=CMD_TIMEOUT_S, what=None):
        """Type editing keys (TAB, arrows, ...) and wait for rdline's answer, which ends
        with erase-to-end-of-line (ESC [ K); returns the line as then shown and the raw
        output."""
        self.write(data)
        raw = self.read_until(re.compile(rb"\x1b\[0?K"), timeout, what or repr(data))
        return term_text(raw)[-1].rpartition(PROMPT.decode())[2].strip(), raw


# ---------------------------------------------------------------- the appliance

class Dfp:
    """One appliance process with two net_pcap ports (wan = port 0, lan = port 1)."""

    def __init__(self, test, config, wan_in, lan_in, auto_start=True, cmdline_file=None,
                 extra_opts=(), wan_vdev_extra="", lan_vdev_extra="", wan_tx=True, lan_tx=True,
                 eal_extra=()):
        self.test = test
        self.seq = test.next_seq()
        self.config = config
        self.sock_path = test.path("ctl%d.sock" % self.seq)
        self.prefix = "dfpe2e-%s-%d-%d" % (test.name, os.getpid(), self.seq)
        self.inputs = {"wan": wan_in, "lan": lan_in}
        self.outputs = {"wan": test.path("out%d-wan.pcap" % self.seq) if wan_tx else None,
                        "lan": test.path("out%d-lan.pcap" % self.seq) if lan_tx else None}
        self.stdout_path = test.path("dfp%d.stdout" % self.seq)
        self.stderr_path = test.path("dfp%d.stderr" % self.seq)

        def vdev(i, port, extra):
            v = "--vdev=net_pcap%d,rx_pcap=%s" % (i, self.inputs[port])
            if self.outputs[port]:
                v += ",tx_pcap=%s" % self.outputs[port]
            return v + extra

        self.argv = [test.dfp_path, "--no-huge", "--no-pci", "--no-shconf", "-m", "256",
                     "--file-prefix", self.prefix, "-l", "0,1", "--log-level=lib.eal:error",
                     vdev(0, "wan", wan_vdev_extra), vdev(1, "lan", lan_vdev_extra)]
        self.argv += list(eal_extra)
        self.argv += ["--", "-f", config, "--control", self.sock_path]
        if not auto_start:
            self.argv.append("--no-auto-start")
        if cmdline_file:
            self.argv += ["--cmdline-file", cmdline_file]
        self.argv += list(extra_opts)
        self.proc = None
        self.clients = []
        self.rc = None
        self.pty = None

    def start(self, wait=True):
        log("start dfp #%d: %s" % (self.seq, " ".join(self.argv)))
        self.proc = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL,
                                     stdout=open(self.stdout_path, "wb"),
                                     stderr=open(self.stderr_path, "wb"),
                                     cwd=self.test.tmp)
        self.test.procs.append(self)
        if wait:
            self.wait_ready()
        return self

    def start_pty(self, wait=True):
        """Start on a new pseudo-terminal (stdin, stdout, stderr); self.pty drives it."""
        log("start dfp #%d on a terminal: %s" % (self.seq, " ".join(self.argv)))
        master, slave = os.openpty()
        try:
            self.proc = subprocess.Popen(self.argv, stdin=slave, stdout=slave, stderr=slave,
                                         cwd=self.test.tmp, start_new_session=True)
        finally:
            os.close(slave)
        self.pty = Pty(master, self)
        self.clients.append(self.pty)
        self.test.procs.append(self)
        if wait:
            self.wait_ready()
        return self

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def wait_ready(self, timeout=READY_TIMEOUT_S):
        """Until the control socket accepts a connection (fails if the process exits)."""
        end = time.monotonic() + min(timeout, self.test.remaining())
        while True:
            rc = self.proc.poll()
            if rc is not None:
                fail("dfp #%d exited with %d before its control socket answered" % (self.seq, rc))
            if os.path.exists(self.sock_path):
                s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                try:
                    s.connect(self.sock_path)
                    s.close()
                    return
                except OSError:
                    s.close()
            if time.monotonic() >= end:
                fail("dfp #%d: control socket %s not answering after %.0f s" % (
                    self.seq, self.sock_path, timeout))
            time.sleep(0.05)

    def client(self, name=None):
        c = Client(self.sock_path, self.test, name or "client%d.%d" % (self.seq,
                                                                      len(self.clients)))
        self.clients.append(c)
        return c

    def telemetry_path(self):
        return os.path.join(eal_runtime_dir(self.prefix), "dpdk_telemetry.v2")

    def telemetry(self, timeout=READY_TIMEOUT_S, name=None):
        """A Telemetry connection, once the socket accepts one (bounded; fails if dfp exits)."""
        path = self.telemetry_path()
        end = time.monotonic() + min(timeout, self.test.remaining())
        while True:
            rc = self.proc.poll()
            if rc is not None:
                fail("dfp #%d exited with %d before its telemetry socket answered" % (
                    self.seq, rc))
            if os.path.exists(path):
                try:
                    t = Telemetry(path, self.test, name or "telemetry%d.%d" % (
                        self.seq, len(self.clients)))
                    self.clients.append(t)
                    return t
                except (ConnectionRefusedError, FileNotFoundError):
                    pass
            if time.monotonic() >= end:
                fail("dfp #%d: telemetry socket %s not answering after %.0f s" % (
                    self.seq, path, timeout))
            time.sleep(0.05)

    def wait_exit(self, timeout=EXIT_TIMEOUT_S):
        """The exit code, waiting at most timeout seconds (fails on timeout)."""
        try:
            self.rc = self.proc.wait(timeout=min(timeout, max(0.1, self.test.remaining())))
        except subprocess.TimeoutExpired:
            fail("dfp #%d did not exit within %.0f s" % (self.seq, timeout))
        return self.rc

    def quit(self, client=None, timeout=EXIT_TIMEOUT_S):
        """`quit` (status STATUS_SUCCESS), then the exit code."""
        c = client or self.client("quitter")
        c.cmd("quit")
        return self.wait_exit(timeout)

    def signal(self, sig=signal.SIGTERM, timeout=EXIT_TIMEOUT_S):
        self.proc.send_signal(sig)
        return self.wait_exit(timeout)

    def kill(self):
        for c in self.clients:
            try:
                c.close()
            except OSError:
                pass
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        # EAL's runtime directory of this process (its own file prefix only).
        xdg = os.environ.get("XDG_RUNTIME_DIR")
        for base in ["/var/run/dpdk"] + ([os.path.join(xdg, "dpdk")] if xdg else []):
            shutil.rmtree(os.path.join(base, self.prefix), ignore_errors=True)
        shutil.rmtree(eal_runtime_dir(self.prefix), ignore_errors=True)

    def stdout(self):
        return _read_text(self.stdout_path)

    def stderr(self):
        return _read_text(self.stderr_path)

    def output(self):
        """stdout and stderr together."""
        return self.stdout() + "\n" + self.stderr()

    def out_path(self, port):
        return self.outputs[port]

    def out(self, port):
        """Frames transmitted on port ("wan"/"lan") so far."""
        return frames_of(self.outputs[port])

    def out_packets(self, port):
        return [mkpcap.parse(f) for f in self.out(port)]


def _read_text(path):
    try:
        with open(path, "rb") as f:
            return f.read().decode("utf-8", "replace")
    except OSError:
        return ""


def run_cmd(argv, timeout=20, cwd=None):
    """Run a short-lived command; (rc, stdout, stderr) as text. Bounded."""
    log("run: %s" % " ".join(argv))
    try:
        p = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=timeout, cwd=cwd)
    except subprocess.TimeoutExpired as ex:
        fail("%s did not finish within %d s; output:\n%s\n%s" % (
            argv[0], timeout, (ex.stdout or b"").decode("utf-8", "replace")[-2000:],
            (ex.stderr or b"").decode("utf-8", "replace")[-2000:]))
    return (p.returncode, p.stdout.decode("utf-8", "replace"),
            p.stderr.decode("utf-8", "replace"))


def eal_min(prefix):
    """EAL arguments for runs that need no ports (--check-config, usage errors)."""
    return ["--no-huge", "--no-pci", "--no-shconf", "--file-prefix", prefix, "-m", "64",
            "--log-level=lib.eal:error"]


def loc_lines(text, path):
    """[(line, col, message)] of `PATH:LINE:COL: message` lines in text."""
    rx = re.compile(LOC_RE_TEMPLATE % re.escape(path))
    out = []
    for line in text.splitlines():
        m = rx.match(line.strip())
        if m:
            out.append((int(m.group(1)), int(m.group(2)), m.group(3)))
    return out


# ---------------------------------------------------------------- the test

class Test:
    def __init__(self, name, args):
        self.name = name
        self.dfp_path = os.path.abspath(args["dfp"])
        self.conf_bad = args.get("conf_bad")
        self.plugin = args.get("plugin")
        self.bad_abi_plugin = args.get("bad_abi_plugin")
        self.keep = args.get("keep") or os.environ.get("DFPE2E_KEEP") == "1"
        self.t0 = time.monotonic()
        self.deadline = self.t0 + TEST_BUDGET_S
        base = tempfile.gettempdir()
        if len(base) > 40:
            base = "/tmp"
        self.tmp = tempfile.mkdtemp(prefix="dfpe2e-%s-" % name, dir=base)
        self.procs = []
        self._seq = 0

    def remaining(self):
        return max(0.0, self.deadline - time.monotonic())

    def next_seq(self):
        self._seq += 1
        return self._seq

    def path(self, name):
        return os.path.join(self.tmp, name)

    def write(self, name, text):
        p = self.path(name)
        mode = "wb" if isinstance(text, bytes) else "w"
        with open(p, mode) as f:
            f.write(text)
        return p

    def pcap(self, name, frames):
        p = self.path(name)
        mkpcap.write_pcap(p, frames)
        return p

    def dfp(self, config_text, wan=(), lan=(), start=True, **kw):
        """Write the config and the two input pcaps, start dfp, wait for its socket."""
        seq = self._seq + 1
        cfg = config_text if os.path.isabs(config_text) and os.path.exists(config_text) \
            else self.write("config%d.yaml" % seq, config_text)
        wan_in = wan if isinstance(wan, str) else self.pcap("in%d-wan.pcap" % seq, list(wan))
        lan_in = lan if isinstance(lan, str) else self.pcap("in%d-lan.pcap" % seq, list(lan))
        d = Dfp(self, cfg, wan_in, lan_in, **kw)
        if start:
            d.start()
        return d

    def cleanup(self):
        for d in self.procs:
            d.kill()
        if self.keep:
            log("kept %s" % self.tmp)
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)

    def report_processes(self):
        for d in self.procs:
            rc = d.proc.poll() if d.proc else None
            sys.stdout.write("---- dfp #%d (%s) argv: %s\n" % (
                d.seq, "running" if rc is None else "exit %d" % rc, " ".join(d.argv)))
            for what, text in (("stdout", d.stdout()), ("stderr", d.stderr())):
                lines = text.splitlines()
                sys.stdout.write("---- dfp #%d %s (last %d of %d lines):\n" % (
                    d.seq, what, min(60, len(lines)), len(lines)))
                for line in lines[-60:]:
                    sys.stdout.write("    %s\n" % line[:400])


def _parse_args(argv):
    args = {"dfp": None}
    i = 1
    opts = {"--conf-bad": "conf_bad", "--plugin": "plugin", "--bad-abi-plugin": "bad_abi_plugin"}
    while i < len(argv):
        a = argv[i]
        if a in opts and i + 1 < len(argv):
            args[opts[a]] = argv[i + 1]
            i += 2
        elif a == "--keep":
            args["keep"] = True
            i += 1
        elif args["dfp"] is None and not a.startswith("--"):
            args["dfp"] = a
            i += 1
        else:
            sys.stderr.write("dfpe2e: bad argument %r\n" % a)
            sys.exit(EXIT_FAIL)
    if args["dfp"] is None:
        sys.stderr.write("usage: %s DFP [--conf-bad DIR] [--plugin SO] [--bad-abi-plugin SO]"
                         " [--keep]\n" % argv[0])
        sys.exit(EXIT_FAIL)
    return args


def _alarm(signum, frame):
    raise TestTimeout("test time budget of %d s exceeded" % TEST_BUDGET_S)


def run(name, main, argv=None):
    """Run main(Test) and exit 0 (pass), 1 (fail) or 77 (dfp binary missing)."""
    argv = sys.argv if argv is None else argv
    args = _parse_args(argv)
    if not (os.path.isfile(args["dfp"]) and os.access(args["dfp"], os.X_OK)):
        print("SKIP %s: dfp binary %s is missing" % (name, args["dfp"]))
        sys.exit(EXIT_SKIP)
    t = Test(name, args)
    signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(TEST_BUDGET_S)
    rc = EXIT_FAIL
    try:
        main(t)
        rc = EXIT_PASS
    except TestFailure as ex:
        signal.alarm(0)
        print("FAIL %s: %s" % (name, ex))
        tb = traceback.extract_tb(ex.__traceback__)
        for fs in tb:
            if os.path.abspath(fs.filename) != os.path.abspath(__file__):
                print("  at %s:%d in %s" % (os.path.basename(fs.filename), fs.lineno, fs.name))
        t.report_processes()
    except Exception:  # noqa: BLE001 - any harness or test error is a failure
        signal.alarm(0)
        print("FAIL %s: exception" % name)
        traceback.print_exc(file=sys.stdout)
        t.report_processes()
    finally:
        signal.alarm(0)
        t.cleanup()
    if rc == EXIT_PASS:
        print("PASS %s (%.1f s)" % (name, time.monotonic() - t.t0))
    sys.stdout.flush()
    sys.exit(rc)
