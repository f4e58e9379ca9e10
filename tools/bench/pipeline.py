#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""dfp's whole datapath against testpmd's io forwarding, and two latencies.

    tools/bench/pipeline.py --build DIR --out PATH [--quick]

In one run, for each memory mode (hugepages, then --no-huge -m 1024):

  * dpdk-testpmd, io forwarding between two net_null ports (64-byte
    frames), one forwarding lcore: the reference;
  * dfp-bench --mode pipeline on two net_null ports of the same size, one
    worker lcore: no filters (known and new flows: the floor), and the
    issue's rows, acl1_10K loaded at IPPACKET and TRANSPORT of both
    directions with the count callout (ALE_FLOW_ESTABLISHED_V4 and its
    STREAM_V4 / DATAGRAM_DATA_V4 filters), for 100,000 known flows (TCP
    flows opened with a handshake) and for all-new flows.

Both programs count every packet their lcore forwarded (both ports receive
and both transmit). Cycles per packet are on-CPU: the forwarding thread's
CPU time (dfp-bench: its CPU-time clock; testpmd: the rte-worker-1
thread's /proc schedstat) times the TSC rate, over packets received in
each window; the median of the windows is reported, and Mpps per lcore is
the TSC rate over that. dfp's figure is given raw and net of its traffic
generator (the rx callbacks that write each frame, which testpmd does
not need: net_null's frames are never read by io forwarding).

Then, once (--no-huge): filter add to enforcement at acl1_10K installed
(dfp-bench --mode add-latency) and pend completion to held packets out
(--mode pend-latency).

Prints Markdown tables and writes a JSON list, one object per result:
{"section": "pipeline" | "latency", "name", "memory", "metrics",
 "commands", "machine", "targets" (where the issue sets one)}.

As root, hugepages are set up for the hugepage rows (nr_hugepages raised
to 1024 if lower, /dev/hugepages mounted if it is not) and put back at
exit, also on SIGINT/SIGTERM/SIGHUP; without root, or if the pages cannot
be had, the hugepage rows are skipped and say why. Every subprocess runs
in its own process group with a timeout and is killed if it overstays.
"""

import argparse
import atexit
import datetime
import json
import os
import platform
import re
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
NR_HUGEPAGES = "/proc/sys/vm/nr_hugepages"
HUGE_WANTED = 1024          # 2 MB pages: 2 GiB, one -m 1024 process at a time
HUGE_MOUNT = "/dev/hugepages"
FRAME = 64
L4 = ["INBOUND_IPPACKET_V4", "INBOUND_TRANSPORT_V4",
      "OUTBOUND_IPPACKET_V4", "OUTBOUND_TRANSPORT_V4"]

PROFILES = {
    # known: packets per window; new: packets per window (new flows are slower and
    # every one takes a flow table entry); windows; testpmd window seconds.
    "full": {"known_packets": "4M", "new_packets": "200k", "repeat": 5, "tp_window": 2.0,
             "tp_warmup": 1.0, "add_samples": 20, "pend_samples": 200, "timeout": 240},
    "quick": {"known_packets": "1M", "new_packets": "100k", "repeat": 3, "tp_window": 1.0,
              "tp_warmup": 0.5, "add_samples": 5, "pend_samples": 50, "timeout": 120},
}


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def read(path):
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return None


def run_text(cmd, timeout=20):
    """Output of a short informational command, or None."""
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                              check=False).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None


# ---- Processes ----

class Procs:
    """Every child in its own process group; whatever is left is killed at exit."""

    def __init__(self):
        self.live = set()
        self.commands = []

    def popen(self, cmd, **kw):
        p = subprocess.Popen(cmd, start_new_session=True, **kw)
        self.live.add(p)
        return p

    def kill(self, p):
        if p.poll() is None:
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
        self.live.discard(p)

    def run(self, cmd, timeout):
        """Run to completion; (rc or None on timeout, stdout, stderr, seconds)."""
        t0 = time.monotonic()
        p = self.popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            out, err = p.communicate(timeout=timeout)
            rc = p.returncode
        except subprocess.TimeoutExpired:
            self.kill(p)
            out, err = p.communicate()
            rc = None
        self.live.discard(p)
        secs = time.monotonic() - t0
        self.commands.append({"cmd": " ".join(shlex.quote(c) for c in cmd), "rc": rc,
                              "seconds": round(secs, 1)})
        return rc, out, err, secs

    def cleanup(self):
        for p in list(self.live):
            self.kill(p)


PROCS = Procs()


# ---- Hugepages ----

class Hugepages:
    """Raise nr_hugepages and mount hugetlbfs for the run; put both back."""

    def __init__(self):
        self.saved = None
        self.mounted = False
        self.why_not = None

    def setup(self):
        if os.geteuid() != 0:
            self.why_not = "not root: cannot reserve hugepages"
            return False
        cur = read(NR_HUGEPAGES)
        if cur is None:
            self.why_not = "no %s" % NR_HUGEPAGES
            return False
        if not any(l.split()[1:3] == [HUGE_MOUNT, "hugetlbfs"]
                   for l in (read("/proc/mounts") or "").splitlines() if len(l.split()) > 2):
            os.makedirs(HUGE_MOUNT, exist_ok=True)
            if subprocess.run(["mount", "-t", "hugetlbfs", "nodev", HUGE_MOUNT],
                              check=False, timeout=20).returncode != 0:
                self.why_not = "cannot mount hugetlbfs on %s" % HUGE_MOUNT
                return False
            self.mounted = True
        if int(cur) < HUGE_WANTED:
            self.saved = cur
            with open(NR_HUGEPAGES, "w") as f:
                f.write(str(HUGE_WANTED))
        free = self.free()
        if free < 520:
            self.why_not = "only %d free hugepages (wanted 512 for -m 1024)" % free
            return False
        return True

    @staticmethod
    def free():
        m = re.search(r"HugePages_Free:\s+(\d+)", read("/proc/meminfo") or "")
        return int(m.group(1)) if m else 0

    def restore(self):
        if self.saved is not None:
            try:
                with open(NR_HUGEPAGES, "w") as f:
                    f.write(self.saved)
                log("# nr_hugepages restored to %s" % self.saved)
            except OSError as e:
                log("# could not restore nr_hugepages to %s: %s" % (self.saved, e))
            self.saved = None
        if self.mounted:
            subprocess.run(["umount", HUGE_MOUNT], check=False, timeout=20)
            self.mounted = False


HUGE = Hugepages()


def cleanup():
    PROCS.cleanup()
    HUGE.restore()


def on_signal(signum, frame):
    raise SystemExit(128 + signum)


# ---- Machine ----

def os_name():
    m = re.search(r'PRETTY_NAME="([^"]+)"', read("/etc/os-release") or "")
    return m.group(1) if m else None


def machine_facts(build):
    lscpu = run_text(["lscpu"]) or ""

    def field(name):
        m = re.search(r"^%s:\s*(.+)$" % re.escape(name), lscpu, re.M)
        return m.group(1).strip() if m else None

    commit = run_text(["git", "-C", REPO, "rev-parse", "HEAD"])
    dirty = run_text(["git", "-C", REPO, "status", "--porcelain", "--untracked-files=no"])
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "host": platform.node(),
        "cpu_model": field("Model name"),
        "cpus": field("CPU(s)"),
        "threads_per_core": field("Thread(s) per core"),
        "sockets": field("Socket(s)"),
        "hypervisor": field("Hypervisor vendor"),
        "kernel": platform.release(),
        "os": os_name(),
        "dpdk": run_text(["pkg-config", "--modversion", "libdpdk"]),
        "dpdk_package": run_text(["dpkg-query", "-W", "-f=${Version}", "dpdk"]),
        "git_commit": commit,
        "git_dirty": bool(dirty),
        "build": os.path.abspath(build),
        "loadavg_start": os.getloadavg(),
        "tsc_hz": None,   # filled from dfp-bench's JSON
    }


# ---- Runs ----

def eal_args(mem, prefix):
    base = ["-l", "0,1", "--no-pci", "--file-prefix", prefix, "--log-level=lib.eal:error"]
    if mem == "hugepages":
        return base + ["--in-memory", "-m", "1024"]
    return base + ["--no-huge", "--no-shconf", "-m", "1024"]


class TestPmd:
    """dpdk-testpmd -i driven through stdin; per-window packets and CPU time."""

    def __init__(self, mem, prefix, timeout):
        # testpmd prints through stdio: line-buffered so each answer arrives at once.
        self.cmd = (["stdbuf", "-oL", "dpdk-testpmd"] + eal_args(mem, prefix) +
                    ["--vdev", "net_null0,size=%d" % FRAME, "--vdev", "net_null1,size=%d" % FRAME,
                     "--", "-i", "--forward-mode=io", "--nb-cores=1", "--rxq=1", "--txq=1",
                     "--burst=32", "--no-flush-rx", "--record-core-cycles"])
        self.timeout = timeout
        self.buf = ""
        self.lock = threading.Lock()

    def _reader(self):
        while True:
            chunk = os.read(self.p.stdout.fileno(), 65536)
            if not chunk:
                return
            with self.lock:
                self.buf += chunk.decode(errors="replace")

    def _wait_for(self, pattern, start, timeout):
        deadline = time.monotonic() + timeout
        rx = re.compile(pattern, re.S)
        while time.monotonic() < deadline:
            with self.lock:
                m = rx.search(self.buf, start)
            if m:
                return m
            if self.p.poll() is not None:
                raise RuntimeError("testpmd exited (%s)" % self.p.returncode)
            time.sleep(0.01)
        raise RuntimeError("testpmd: no %r within %.0f s" % (pattern, timeout))

    def _send(self, line):
        self.p.stdin.write((line + "\n").encode())
        self.p.stdin.flush()

    def _worker_tid(self):
        for tid in os.listdir("/proc/%d/task" % self.p.pid):
            if read("/proc/%d/task/%s/comm" % (self.p.pid, tid)) == "rte-worker-1":
                return tid
        raise RuntimeError("testpmd: no rte-worker-1 thread")

    def _cpu_ns(self, tid):
        return int(read("/proc/%d/task/%s/schedstat" % (self.p.pid, tid)).split()[0])

    def _tx(self):
        """Packets both ports transmitted: what the forwarding lcore forwarded."""
        with self.lock:
            start = len(self.buf)
        self._send("show port stats all")
        m = self._wait_for(r"port 0\s.*?TX-packets:\s*(\d+).*?port 1\s.*?TX-packets:\s*(\d+)"
                           r".*?Tx-pps.*?#{20,}", start, 20)
        return int(m.group(1)) + int(m.group(2))

    def run(self, warmup_s, window_s, windows, tsc_hz):
        t_start = time.monotonic()
        self.p = PROCS.popen(self.cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT)
        threading.Thread(target=self._reader, daemon=True).start()
        try:
            self._wait_for(r"testpmd> ", 0, 60)
            tid = self._worker_tid()
            self._send("start")
            time.sleep(warmup_s)
            samples = []
            for _ in range(windows + 1):
                t = time.monotonic()
                cpu = self._cpu_ns(tid)
                samples.append((t, cpu, self._tx()))
                time.sleep(window_s)
            with self.lock:
                start = len(self.buf)
            self._send("stop")
            m = self._wait_for(r"CPU cycles/packet=([\d.]+).*? at (\d+) MHz Clock", start, 20)
            busy = float(m.group(1))
            tsc_hz = tsc_hz or int(m.group(2)) * 1e6
            self._send("quit")
            try:
                self.p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                pass
            rc = self.p.poll()
        finally:
            PROCS.kill(self.p)
            PROCS.commands.append({"cmd": " ".join(shlex.quote(c) for c in self.cmd) +
                                   "  # stdin: start; show port stats all (per window); stop;"
                                   " quit", "rc": self.p.returncode,
                                   "seconds": round(time.monotonic() - t_start, 1)})
        wall, cpu, share = [], [], []
        for (t0, c0, r0), (t1, c1, r1) in zip(samples, samples[1:]):
            n = r1 - r0
            if n <= 0:
                raise RuntimeError("testpmd forwarded nothing in a window")
            wall.append((t1 - t0) * tsc_hz / n)
            cpu.append((c1 - c0) * 1e-9 * tsc_hz / n)
            share.append((c1 - c0) * 1e-9 / (t1 - t0))
        cpp = statistics.median(cpu)
        return {
            "cycles_per_packet_cpu": cpp,
            "cycles_per_packet_wall": statistics.median(wall),
            "cpu_share": statistics.median(share),
            "mpps_cpu": tsc_hz / cpp / 1e6,
            "testpmd_busy_cycles_per_packet": busy,
            "packets": samples[-1][2] - samples[0][2],
            "windows": windows,
            "exit_code": rc,
            "tsc_hz": tsc_hz,
        }


def dfp_bench(build, mem, prefix, args, timeout):
    """Run dfp-bench with --json; its first result and the command line."""
    exe = os.path.join(build, "app", "dfp-bench", "dfp-bench")
    with tempfile.NamedTemporaryFile(prefix="dfp-pipeline-", suffix=".json", delete=False) as f:
        path = f.name
    try:
        cmd = [exe] + eal_args(mem, prefix) + ["--"] + args + ["--json", path]
        rc, out, err, secs = PROCS.run(cmd, timeout)
        if rc != 0:
            tail = " | ".join([l for l in (err + "\n" + out).splitlines() if l.strip()][-3:])
            raise RuntimeError("dfp-bench %s: %s" % (
                "timed out after %.0f s" % secs if rc is None else "exit code %d" % rc,
                tail[:400]))
        with open(path) as f:
            data = json.load(f)
    finally:
        os.unlink(path)
    shown = cmd[:-2]   # the temporary --json path is not part of the recipe
    PROCS.commands[-1]["cmd"] = " ".join(shlex.quote(c) for c in shown)
    return data, data["results"][0], " ".join(shlex.quote(c) for c in shown)


# ---- Rows ----

def pipeline_rows(prof):
    """(name, flows, dfp-bench arguments) of the pipeline section."""
    known = ["--flows", "known", "--nflows", "100000", "--handshake",
             "--packets", prof["known_packets"], "--repeat", str(prof["repeat"])]
    new = ["--flows", "new", "--packets", prof["new_packets"], "--repeat", str(prof["repeat"])]
    filt = ["--rules", "acl1_10K", "--layer", ",".join(L4), "--count"]
    return [
        ("no filters, 100k known flows", "known", ["--rules", "none"] + known),
        ("no filters, all-new flows", "new", ["--rules", "none"] + new),
        ("acl1_10K at IPPACKET+TRANSPORT (in+out) + count, 100k known flows", "known",
         filt + known),
        ("acl1_10K at IPPACKET+TRANSPORT (in+out) + count, all-new flows", "new", filt + new),
    ]


def fmt(v, nd=0):
    if v is None:
        return "–"
    if isinstance(v, float):
        return "{:,.{}f}".format(v, nd)
    return "{:,}".format(v)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", required=True, help="meson build directory with dfp-bench")
    ap.add_argument("--out", required=True, help="JSON output path")
    ap.add_argument("--quick", action="store_true", help="short windows, fewer samples")
    args = ap.parse_args()
    prof = PROFILES["quick" if args.quick else "full"]

    atexit.register(cleanup)
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, on_signal)

    exe = os.path.join(args.build, "app", "dfp-bench", "dfp-bench")
    if not os.access(exe, os.X_OK):
        log("no %s: build it first" % exe)
        return 2
    if shutil.which("dpdk-testpmd") is None:
        log("no dpdk-testpmd (apt-get install dpdk)")
        return 2
    machine = machine_facts(args.build)
    tag = "dfpB%d" % os.getpid()
    seq = [0]

    def prefix():
        seq[0] += 1
        return "%s_%d" % (tag, seq[0])

    results, failures = [], []

    def add(section, name, mem, metrics, commands, targets=None, error=None):
        r = {"section": section, "name": name, "memory": mem, "metrics": metrics,
             "commands": commands, "machine": machine}
        if targets:
            r["targets"] = targets
        if error:
            r["error"] = error
            failures.append("%s / %s / %s: %s" % (section, name, mem, error))
            log("# FAILED %s (%s): %s" % (name, mem, error))
        results.append(r)

    t_begin = time.monotonic()
    try:
        modes = ["hugepages", "no-huge"]
        huge_ok = HUGE.setup()
        table = []
        for mem in modes:
            if mem == "hugepages" and not huge_ok:
                add("pipeline", "all rows", mem, {}, [], error="skipped: " + HUGE.why_not)
                continue
            log("# %s: testpmd" % mem)
            tp = None
            t = TestPmd(mem, prefix(), prof["timeout"])
            try:
                tp = t.run(prof["tp_warmup"], prof["tp_window"], prof["repeat"],
                           machine["tsc_hz"])
                machine["tsc_hz"] = machine["tsc_hz"] or tp["tsc_hz"]
                add("pipeline", "testpmd io, 2 net_null ports", mem, tp,
                    [PROCS.commands[-1]["cmd"]])
            except (RuntimeError, OSError, ValueError) as e:
                add("pipeline", "testpmd io, 2 net_null ports", mem, {},
                    [" ".join(t.cmd)], error=str(e))
            log("# %s: dfp-bench rows" % mem)
            dfp = {}
            for name, flows, a in pipeline_rows(prof):
                try:
                    data, res, cmd = dfp_bench(args.build, mem, prefix(),
                                               ["--mode", "pipeline"] + a, prof["timeout"])
                    machine["tsc_hz"] = data.get("tsc_hz") or machine["tsc_hz"]
                    m = dict(res["metrics"])
                    m["n_filters"] = res.get("n_filters")
                    dfp[name] = (flows, m, cmd)
                except (RuntimeError, ValueError, KeyError, IndexError, OSError) as e:
                    add("pipeline", "dfp: " + name, mem, {}, [], error=str(e))
            table.append((mem, "testpmd io", tp))
            for name, (flows, m, cmd) in dfp.items():
                targets = []
                if tp:
                    m["ratio_to_testpmd"] = m["mpps_cpu"] / tp["mpps_cpu"]
                    m["ratio_to_testpmd_net"] = m["mpps_cpu_net"] / tp["mpps_cpu"]
                    m["testpmd_mpps_cpu"] = tp["mpps_cpu"]
                    if m.get("n_filters"):
                        limit = 0.5 if flows == "known" else 0.2
                        targets.append({
                            "target": "%s flows, 10K filters ≥ %g× testpmd io Mpps/lcore (%s)"
                                      % ("known" if flows == "known" else "all-new", limit,
                                         mem),
                            "measured": round(m["ratio_to_testpmd"], 3), "limit": limit,
                            "op": ">=", "unit": "×",
                            "note": "raw; net of the generator %.3f×"
                                    % m["ratio_to_testpmd_net"]})
                add("pipeline", "dfp: " + name, mem, m, [cmd], targets)
                table.append((mem, name, m))

        log("# latency rows (no-huge)")
        mem = "no-huge"
        lat = []
        for name, a, key, targets in (
                ("filter add to enforcement, acl1_10K at IPPACKET+TRANSPORT (in+out), "
                 "1,024 known flows",
                 ["--mode", "add-latency", "--rules", "acl1_10K", "--layer", ",".join(L4),
                  "--nflows", "1024", "--samples", str(prof["add_samples"])],
                 "enforce_ms", ("single filter add at 10K installed enforced ≤ 50 ms "
                                "(max of the samples)", "enforce_ms_max", 50, "ms", 1)),
                ("pend completion to held packets out (verdict callout)",
                 ["--mode", "pend-latency", "--samples", str(prof["pend_samples"])],
                 "complete_to_last_tx_us",
                 ("pend-complete latency median ≤ 1 ms", "complete_to_last_tx_us_median",
                  1, "ms", 1e-3))):
            try:
                data, res, cmd = dfp_bench(args.build, mem, prefix(), a, prof["timeout"])
                m = dict(res["metrics"])
                text, mkey, limit, unit, scale = targets
                tg = [{"target": text, "measured": round(m[mkey] * scale, 4), "limit": limit,
                       "op": "<=", "unit": unit, "note": res.get("note", "")[:200]}]
                add("latency", name, mem, m, [cmd], tg)
                lat.append((name, key, m))
            except (RuntimeError, ValueError, KeyError, IndexError, OSError) as e:
                add("latency", name, mem, {}, [], error=str(e))
    finally:
        PROCS.cleanup()
        HUGE.restore()

    machine["loadavg_end"] = os.getloadavg()
    machine["seconds"] = round(time.monotonic() - t_begin, 1)
    with open(args.out, "w") as f:
        json.dump(results, f, indent=1)
        f.write("\n")

    # ---- Tables ----
    print("\n## Pipeline: one lcore, two net_null ports, %d-byte frames (%s, %s)\n"
          % (FRAME, machine["cpu_model"], machine["date"]))
    print("| memory | what | on-CPU cycles/pkt | generator cycles/pkt | net cycles/pkt |"
          " CPU share | Mpps/lcore | Mpps/lcore net | × testpmd | × testpmd net |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for mem, name, m in table:
        if m is None:
            print("| %s | %s | failed | | | | | | | |" % (mem, name))
            continue
        if name == "testpmd io":
            print("| %s | testpmd io (busy TSC cycles/pkt by testpmd: %s) | %s | – | – | %s |"
                  " %s | – | 1 | 1 |" % (mem, fmt(m["testpmd_busy_cycles_per_packet"], 1),
                                          fmt(m["cycles_per_packet_cpu"], 1),
                                          fmt(100 * m["cpu_share"]) + " %",
                                          fmt(m["mpps_cpu"], 2)))
            continue
        print("| %s | dfp: %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            mem, name, fmt(m["cycles_per_packet_cpu"]), fmt(m["generator_cycles_per_packet"], 1),
            fmt(m["cycles_per_packet_cpu_net"]), fmt(100 * m["cpu_share"]) + " %",
            fmt(m["mpps_cpu"], 2), fmt(m["mpps_cpu_net"], 2),
            fmt(m.get("ratio_to_testpmd"), 3), fmt(m.get("ratio_to_testpmd_net"), 3)))
    print("\n## Latencies (--no-huge)\n")
    print("| what | samples | median | p99 | max | the call alone (median / max) | note |")
    print("|---|---:|---:|---:|---:|---:|---|")
    for name, key, m in lat:
        if key == "enforce_ms":
            print("| %s | %d | %s ms | – | %s ms | add %s / %s ms | flow's packet every %s ms;"
                  " delete call median %s ms |" % (
                      name, m["samples"], fmt(m["enforce_ms_median"], 2),
                      fmt(m["enforce_ms_max"], 2), fmt(m["add_call_ms_median"], 2),
                      fmt(m["add_call_ms_max"], 2), fmt(m["flow_period_ms"], 3),
                      fmt(m["delete_call_ms_median"], 2)))
        else:
            print("| %s | %d | %s µs | %s µs | %s µs | %s / %s µs | first frame out: median %s"
                  " µs; %d frames held per flow |" % (
                      name, m["samples"], fmt(m["complete_to_last_tx_us_median"], 1),
                      fmt(m["complete_to_last_tx_us_p99"], 1),
                      fmt(m["complete_to_last_tx_us_max"], 1),
                      fmt(m["complete_call_us_median"], 1), fmt(m["complete_call_us_max"], 1),
                      fmt(m["complete_to_first_tx_us_median"], 1), m["held_per_flow"]))
    print("\n## Targets\n")
    print("| target | measured | limit | status |")
    print("|---|---:|---:|---|")
    for r in results:
        for t in r.get("targets", []):
            ok = t["measured"] >= t["limit"] if t["op"] == ">=" else t["measured"] <= t["limit"]
            print("| %s | %s %s | %s %s %s | %s |" % (t["target"], t["measured"], t["unit"],
                                                     t["op"], t["limit"], t["unit"],
                                                     "met" if ok else "MISSED"))
    print("\n## Commands\n")
    for c in PROCS.commands:
        print("    %s    # rc %s, %s s" % (c["cmd"], c["rc"], c["seconds"]))
    print("\n# %d results in %s, %.0f s; %s" % (len(results), args.out, machine["seconds"],
                                               "%d failed" % len(failures) if failures
                                               else "all ran"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
