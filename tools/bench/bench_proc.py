# SPDX-License-Identifier: BSD-3-Clause
"""Subprocesses and machine facts for tools/bench/run.py (stdlib only).

Runner starts every benchmark process in its own process group with a
timeout, records each command line with its exit code and duration, kills
what is left over (on timeout, on exit, on SIGINT/SIGTERM), removes the
DPDK runtime directories of the file prefixes it handed out, and puts the
hugepage counts back if anything it ran changed them.
"""

import atexit
import glob
import json
import os
import platform
import resource
import shlex
import shutil
import signal
import subprocess
import tempfile
import time

# Interval of Runner.run(sample_cpu=True): a proc read costs ~20 us, 0.4 % of a core.
SAMPLE_S = 0.005

HUGEPAGE_FILES = ["/proc/sys/vm/nr_hugepages"] + sorted(
    glob.glob("/sys/kernel/mm/hugepages/hugepages-*/nr_hugepages"))


class BudgetExceeded(Exception):
    """The run's time budget is spent: no new process is started."""


class Result:
    """What one process did."""

    def __init__(self, rc, out, err, elapsed, timed_out, cpu_s=None, samples=None,
                 mark_at=None):
        self.rc = rc
        self.cpu_s = cpu_s          # user + system CPU seconds of the process
        self.samples = samples      # [(monotonic s, main thread on-CPU ns)] if sampled
        self.mark_at = mark_at      # index of the first sample taken after `mark` was printed
        self.out = out
        self.err = err
        self.elapsed = elapsed
        self.timed_out = timed_out

    @property
    def ok(self):
        return self.rc == 0 and not self.timed_out

    def why(self):
        """A one-line reason for a failure (the last lines of stderr/stdout)."""
        if self.timed_out:
            return "timed out after %.0f s" % self.elapsed
        tail = [l for l in (self.err + "\n" + self.out).splitlines()
                if l.strip() and not l.startswith("TELEMETRY")]
        return "exit code %s: %s" % (self.rc, " | ".join(tail[-3:])[:300])


def _read(path):
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return None


class Runner:
    """Runs commands with timeouts and a global deadline; cleans up after them."""

    def __init__(self, budget_s, verbose=False):
        self.start = time.monotonic()
        self.deadline = self.start + budget_s
        self.verbose = verbose
        self.commands = []
        self._active = {}
        self._prefixes = []
        self._hugepages = {p: _read(p) for p in HUGEPAGE_FILES}
        self.hugepages_restored = []
        atexit.register(self.cleanup)
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, self._on_signal)

    # ---- DPDK helpers ----

    def file_prefix(self):
        """A DPDK --file-prefix unique to this run."""
        name = "dfpbench%d_%d" % (os.getpid(), len(self._prefixes))
        self._prefixes.append(name)
        return name

    def remaining(self):
        return self.deadline - time.monotonic()

    # ---- Running ----

    def run(self, cmd, timeout, section, what, sample_cpu=False, mark=None):
        """Run cmd (a list); returns a Result. Raises BudgetExceeded.

        sample_cpu: also read the main thread's on-CPU time (the first field
        of /proc/PID/schedstat, ns) every SAMPLE_S seconds while it runs, so
        the CPU time of its last phase can be told apart (Result.samples).
        Output then goes through temporary files, not pipes; `mark` (a
        string) sets Result.mark_at to the first sample taken after it
        appeared in stdout (run the command line-buffered: stdbuf -oL).
        """
        left = self.remaining()
        if left <= 1:
            raise BudgetExceeded()
        limit = min(timeout, left)
        rec = {"section": section, "what": what, "cmd": shlex.join(cmd),
               "timeout_s": round(limit), "loadavg_before": list(os.getloadavg())}
        if self.verbose:
            print("  $ " + rec["cmd"], flush=True)
        t0 = time.monotonic()
        sinks = [tempfile.TemporaryFile("w+") for _ in range(2)] if sample_cpu else None
        try:
            proc = subprocess.Popen(cmd, stdout=sinks[0] if sinks else subprocess.PIPE,
                                    stderr=sinks[1] if sinks else subprocess.PIPE,
                                    stdin=subprocess.DEVNULL, text=True,
                                    start_new_session=True)
        except OSError as e:
            rec.update(rc=None, elapsed_s=0, timed_out=False, error=str(e))
            self.commands.append(rec)
            return Result(None, "", str(e), 0, False)
        self._active[proc.pid] = proc
        # Children are waited for one at a time, so the delta is this one's.
        ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        timed_out = False
        samples = [] if sample_cpu else None
        mark_at = None
        try:
            if sample_cpu:
                done, mark_at = self._sample(proc, t0 + limit, samples, sinks[0], mark)
                timed_out = not done
                if timed_out:
                    self._kill(proc)
                proc.wait()
                for f in sinks:
                    f.seek(0)
                out, err = sinks[0].read(), sinks[1].read()
            else:
                out, err = proc.communicate(timeout=limit)
        except subprocess.TimeoutExpired:
            timed_out = True
            self._kill(proc)
            out, err = proc.communicate()
        finally:
            self._active.pop(proc.pid, None)
            for f in sinks or []:
                f.close()
        elapsed = time.monotonic() - t0
        ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu_s = (ru1.ru_utime - ru0.ru_utime) + (ru1.ru_stime - ru0.ru_stime)
        rec.update(rc=proc.returncode, elapsed_s=round(elapsed, 3), cpu_s=round(cpu_s, 4),
                   timed_out=timed_out)
        self.commands.append(rec)
        res = Result(proc.returncode, out, err, elapsed, timed_out, cpu_s, samples, mark_at)
        if not res.ok:
            rec["error"] = res.why()
        return res

    @staticmethod
    def _sample(proc, deadline, samples, out, mark):
        """Sample until proc exits or the deadline passes: (exited, mark_at)."""
        path = "/proc/%d/schedstat" % proc.pid
        seen, mark_at = "", None
        while time.monotonic() < deadline:
            if mark is not None and mark_at is None:
                # The sink is shared with the child: read by path from our position.
                with open("/proc/self/fd/%d" % out.fileno()) as f:
                    f.seek(len(seen))
                    seen += f.read()
            try:
                with open(path) as f:
                    ns = int(f.read().split()[0])
                samples.append((time.monotonic(), ns))
                if mark is not None and mark_at is None and mark in seen:
                    mark_at = len(samples) - 1
            except (OSError, ValueError, IndexError):
                pass
            try:
                proc.wait(timeout=SAMPLE_S)
                return True, mark_at
            except subprocess.TimeoutExpired:
                continue
        return False, mark_at

    @staticmethod
    def _kill(proc):
        """SIGTERM the process group, then SIGKILL after 5 s."""
        for sig, wait in ((signal.SIGTERM, 5), (signal.SIGKILL, 5)):
            try:
                os.killpg(proc.pid, sig)
            except ProcessLookupError:
                return
            try:
                proc.wait(timeout=wait)
                return
            except subprocess.TimeoutExpired:
                continue

    # ---- Cleanup ----

    def _on_signal(self, signum, frame):
        self.cleanup()
        raise SystemExit(128 + signum)

    def cleanup(self):
        """Kill leftovers, remove our DPDK runtime dirs, restore hugepages."""
        for proc in list(self._active.values()):
            self._kill(proc)
        self._active.clear()
        bases = ["/var/run/dpdk"]
        if os.environ.get("XDG_RUNTIME_DIR"):
            bases.append(os.path.join(os.environ["XDG_RUNTIME_DIR"], "dpdk"))
        for prefix in self._prefixes:
            for base in bases:
                path = os.path.join(base, prefix)
                if os.path.isdir(path):
                    shutil.rmtree(path, ignore_errors=True)
        self._prefixes.clear()
        self.restore_hugepages()

    def restore_hugepages(self):
        """Write back hugepage counts that differ from the start of the run."""
        for path, value in self._hugepages.items():
            now = _read(path)
            if value is None or now is None or now == value:
                continue
            try:
                with open(path, "w") as f:
                    f.write(value)
                self.hugepages_restored.append({"file": path, "was": now, "restored": value})
            except OSError as e:
                self.hugepages_restored.append({"file": path, "was": now, "error": str(e)})


# ---- Machine facts ----

def _cmd_out(cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=20,
                              check=False).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        return ""


def _lscpu():
    facts = {}
    for line in _cmd_out(["lscpu"]).splitlines():
        if ":" in line:
            k, v = line.split(":", 1)
            facts[k.strip()] = v.strip()
    return facts


def machine_facts(repo, build):
    """CPU, memory, OS, kernel, DPDK, compiler, build and code facts."""
    cpu = _lscpu()
    flags = set(cpu.get("Flags", "").split())
    mem_kib = 0
    for line in (_read("/proc/meminfo") or "").splitlines():
        if line.startswith("MemTotal:"):
            mem_kib = int(line.split()[1])
    os_name = ""
    for line in (_read("/etc/os-release") or "").splitlines():
        if line.startswith("PRETTY_NAME="):
            os_name = line.split("=", 1)[1].strip('"')
    debian_version = _read("/etc/debian_version")
    build_opts = {}
    intro = _cmd_out(["meson", "introspect", "--buildoptions", build])
    try:
        for o in json.loads(intro):
            if o.get("name") in ("buildtype", "werror", "b_ndebug", "optimization", "debug"):
                build_opts[o["name"]] = o.get("value")
    except ValueError:
        pass
    dirty = _cmd_out(["git", "-C", repo, "status", "--porcelain", "--untracked-files=no",
                      "--", "lib", "app"])
    return {
        "cpu_model": cpu.get("Model name", platform.processor()),
        "cpus": int(cpu.get("CPU(s)", os.cpu_count() or 0)),
        "threads_per_core": cpu.get("Thread(s) per core"),
        "cores_per_socket": cpu.get("Core(s) per socket"),
        "sockets": cpu.get("Socket(s)"),
        "numa_nodes": cpu.get("NUMA node(s)"),
        "hypervisor": cpu.get("Hypervisor vendor"),
        "l1d": cpu.get("L1d cache"), "l2": cpu.get("L2 cache"), "l3": cpu.get("L3 cache"),
        "avx2": "avx2" in flags, "avx512f": "avx512f" in flags, "avx512bw": "avx512bw" in flags,
        "constant_tsc": "constant_tsc" in flags, "nonstop_tsc": "nonstop_tsc" in flags,
        "memory_gib": round(mem_kib / 1048576, 1),
        "os": os_name, "debian_version": debian_version,
        "kernel": platform.release(),
        "dpdk_pkgconfig": _cmd_out(["pkg-config", "--modversion", "libdpdk"]),
        "dpdk_package": _cmd_out(["dpkg-query", "-W", "-f", "${Version}", "dpdk"]),
        "gcc": (_cmd_out(["gcc", "--version"]).splitlines() or [""])[0],
        "gnuplot": (_cmd_out(["gnuplot", "--version"]) if shutil.which("gnuplot") else None),
        "python": platform.python_version(),
        "git_commit": _cmd_out(["git", "-C", repo, "rev-parse", "HEAD"]),
        "git_describe": _cmd_out(["git", "-C", repo, "log", "-1", "--format=%h %cI %s"]),
        "git_dirty_lib_app": bool(dirty),
        "build_dir": os.path.abspath(build),
        "build_options": build_opts,
        "nr_hugepages": _read("/proc/sys/vm/nr_hugepages"),
    }


def cpu_before(samples, end, seconds):
    """On-CPU seconds of the sampled thread in the `seconds` of wall time
    before samples[end] (e.g. Result.mark_at); the window's start is
    interpolated between samples. None if the samples do not cover it.
    """
    if not samples or end is None or end < 1:
        return None
    t_end, ns_end = samples[end]
    t_start = t_end - seconds
    if t_start < samples[0][0]:
        return None
    for (t0, n0), (t1, n1) in zip(samples, samples[1:]):
        if t0 <= t_start <= t1:
            ns_start = n0 + (n1 - n0) * ((t_start - t0) / (t1 - t0) if t1 > t0 else 0)
            return (ns_end - ns_start) / 1e9
    return None
