# SPDX-License-Identifier: BSD-3-Clause
"""Classify-only: dfp's compiled classifier against dpdk-test-acl (run.py).

For one rule set and header trace, in the same run and with the same EAL
flags (--no-huge, the same -m and lcore) and the same burst (32 headers
per call):

* dfp-bench --mode classify, once at the default SIMD width and once with
  --force-max-simd-bitwidth=512 (rte_acl inside the engine then may use
  AVX-512), giving wall and on-CPU cycles/packet of dfp_engine_match_burst
  (the compiled classifier) and dfp_engine_classify_burst (plus WFP
  arbitration), and each header's first match (--answers);
* dpdk-test-acl with every algorithm (scalar, sse, avx2, avx512x16,
  avx512x32; the AVX-512 ones with --force-max-simd-bitwidth=512):
  --verbose=0 runs for the time, and one --verbose=2 --iter=1 run per
  algorithm for its per-header answers (0-based rule index).

Two figures per side. Wall: test-acl prints TSC cycles over all its
iterations; dfp-bench the median window's TSC cycles. On-CPU, as dfp-bench
reports it (the measuring thread's CPU-time clock): for test-acl, the
main thread's on-CPU time (/proc/PID/schedstat, sampled every 5 ms) over
the search's wall interval, which ends when its result line appears
(stdout line-buffered with stdbuf -oL) and lasts as long as test-acl says
the search took. On a shared machine the wall figures include other
tenants' time; the ratios use the on-CPU figures, and both are published.

test-acl's timed runs are sized from dfp's measured cycles/packet on the
same set (about cfg testacl_cycles TSC cycles each), so slow sets do not
take minutes and fast ones still run long enough for the 5 ms sampling.

Answers are compared header by header: dfp against the trace's rule column
(when the trace belongs to the rule set), dfp at both widths against each
other, and every test-acl algorithm against dfp.
"""

import json
import os
import re
import shutil
import statistics

from bench_proc import cpu_before

ALGS = ["scalar", "sse", "avx2", "avx512x16", "avx512x32"]
ALGS_256 = ["scalar", "sse", "avx2"]

TESTACL_RE = re.compile(
    r"search_ip5tuples\s+@lcore (\d+): (\d+) iterations, (\d+) pkts, (\d+) categories, "
    r"(\d+) cycles \(([\d.]+) sec\), ([\d.]+) cycles/pkt")
ANSWER_RE = re.compile(r"^ipv4_5tuple: (\d+), category: 0, result: (\d+)$", re.M)


def count_rules(path):
    """Rules in a ClassBench file (lines starting with '@', as both tools count)."""
    with open(path) as f:
        return sum(1 for line in f if line.lstrip().startswith("@"))


def read_trace(path):
    """(number of headers, 0-based expected rule per header or None)."""
    expected = []
    with open(path) as f:
        for line in f:
            cols = line.split()
            if cols:
                expected.append(int(cols[5]) - 1 if len(cols) == 6 else None)
    return len(expected), expected


def read_answers(path):
    with open(path) as f:
        return [int(x) for x in f.read().split()]


def agree(a, b):
    """Headers where two answer lists agree (None if either is missing)."""
    if a is None or b is None or len(a) != len(b):
        return None
    return sum(1 for x, y in zip(a, b) if x == y)


class ClassifyBench:
    """Runs the dfp and test-acl sides of classify-only measurements."""

    def __init__(self, runner, cfg):
        self.r = runner
        self.cfg = cfg          # dict: bench, testacl, lcore, mem_mb, packets, repeat,
                                # warmup, reps, tmp, burst
        self.cache = {}         # (rules, trace) -> row, for the sweep to reuse

    def _eal(self, simd512):
        c = self.cfg
        eal = ["-l", str(c["lcore"]), "--no-huge", "-m", str(c["mem_mb"]), "--no-pci",
               "--no-shconf", "--file-prefix", self.r.file_prefix(),
               "--log-level=lib.eal:error"]
        if simd512:
            eal.append("--force-max-simd-bitwidth=512")
        return eal

    # ---- dfp ----

    def dfp(self, section, name, rules, trace, simd512, answers):
        c = self.cfg
        js = os.path.join(c["tmp"], "%s-%s.json" % (name, 512 if simd512 else 256))
        cmd = [c["bench"]] + self._eal(simd512) + [
            "--", "--mode", "classify", "--rules", rules, "--trace", trace,
            "--burst", str(c["burst"]), "--packets", str(c["packets"]),
            "--repeat", str(c["repeat"]), "--warmup", str(c["packets"]),
            "--answers", answers, "--json", js]
        res = self.r.run(cmd, c["timeout"], section,
                         "dfp classify %s simd %s" % (name, 512 if simd512 else "default"))
        out = {"command": self.r.commands[-1]["cmd"], "ok": res.ok}
        if not res.ok:
            out["error"] = res.why()
            return out
        with open(js) as f:
            data = json.load(f)
        out["tsc_hz"] = data["tsc_hz"]
        out["max_simd_bitwidth"] = data["max_simd_bitwidth"]
        for r in data["results"]:
            m = r["metrics"]
            key = "match" if "match_burst" in r["what"] else "classify"
            out[key] = {k: m[k] for k in ("cycles_per_packet_wall", "cycles_per_packet_wall_min",
                                          "cycles_per_packet_wall_max",
                                          "cycles_per_packet_cpu", "cpu_share")}
            for k in ("trace_agree", "decided_agree", "unmatched", "compile_ms", "headers"):
                if k in m:
                    out[key][k] = m[k]
        return out

    # ---- dpdk-test-acl ----

    def _testacl_cmd(self, alg, rules, trace, n_rules, n_trace, iters, verbose):
        c = self.cfg
        return [c["testacl"]] + self._eal(alg.startswith("avx512")) + [
            "--", "--rulesf=" + rules, "--tracef=" + trace,
            "--rulenum=%d" % max(n_rules, 1), "--tracenum=%d" % n_trace,
            "--tracestep=%d" % c["burst"], "--iter=%d" % iters, "--verbose=%d" % verbose,
            "--alg=" + alg]

    def _testacl_run(self, section, what, cmd):
        """(Result, parsed search line or None, command text)."""
        res = self.r.run(cmd, self.cfg["timeout"], section, what)
        m = TESTACL_RE.search(res.out) if res.ok else None
        return res, m, self.r.commands[-1]["cmd"]

    def testacl_time(self, section, name, alg, rules, trace, n_rules, n_trace, packets, reps,
                     tsc_hz):
        """`reps` timed runs of about `packets` headers: wall and on-CPU figures, or an error."""
        iters = max(2, round(packets / n_trace))
        runs, cmds = [], []
        stdbuf = [shutil.which("stdbuf")] if shutil.which("stdbuf") else []
        for _ in range(reps):
            cmd = stdbuf + ["-oL"] * bool(stdbuf) + self._testacl_cmd(
                alg, rules, trace, n_rules, n_trace, iters, 0)
            res = self.r.run(cmd, self.cfg["timeout"], section, "test-acl %s %s" % (name, alg),
                             sample_cpu=True, mark="search_ip5tuples  @lcore")
            cmds.append(self.r.commands[-1]["cmd"])
            m = TESTACL_RE.search(res.out) if res.ok else None
            if m is None:
                return {"ok": False, "error": res.why() if not res.ok else
                        "no cycles/pkt line in its output", "commands": cmds}
            run = {"packets": int(m.group(3)), "cycles": int(m.group(5)),
                   "cycles_per_packet_wall": float(m.group(7))}
            cpu = cpu_before(res.samples, res.mark_at, run["cycles"] / tsc_hz) \
                if tsc_hz else None
            if cpu is not None:
                run["search_cpu_s"] = cpu
                run["cycles_per_packet_cpu"] = cpu * tsc_hz / run["packets"]
            runs.append(run)
        out = {"ok": True, "iterations": iters, "packets": iters * n_trace, "runs": runs,
               "cycles_per_packet_wall": statistics.median(
                   r["cycles_per_packet_wall"] for r in runs), "commands": cmds}
        cpu = [r["cycles_per_packet_cpu"] for r in runs if "cycles_per_packet_cpu" in r]
        if cpu:
            out["cycles_per_packet_cpu"] = statistics.median(cpu)
        return out

    def testacl_answers(self, section, name, alg, rules, trace, n_rules, n_trace):
        """0-based rule index per header (-1: no match), or None."""
        cmd = self._testacl_cmd(alg, rules, trace, n_rules, n_trace, 1, 2)
        res = self.r.run(cmd, self.cfg["timeout"], section, "test-acl answers %s %s" % (name, alg))
        if not res.ok:
            return None
        answers = [None] * n_trace
        for m in ANSWER_RE.finditer(res.out):
            i, v = int(m.group(1)) - 1, int(m.group(2))
            if 0 <= i < n_trace:
                # test-acl prints result - 1 as unsigned: 0xffffffff is "no match".
                answers[i] = -1 if v == 0xFFFFFFFF else v
        return None if None in answers else answers

    # ---- One rule set ----

    def measure(self, section, name, rules, trace, reps):
        """Everything for one (rules, trace) pair; a row dict (cached).

        dfp's windows are cfg packets headers; test-acl's timed runs about
        cfg testacl_cycles TSC cycles at dfp's speed (2M to cfg
        testacl_packets headers).
        """
        key = (os.path.abspath(rules), os.path.abspath(trace))
        if key in self.cache:
            return self.cache[key]
        c = self.cfg
        n_rules = count_rules(rules)
        n_trace, expected = read_trace(trace)
        own = os.path.basename(trace) == os.path.basename(rules) + "_trace"
        row = {"set": name, "rules_file": rules, "trace_file": trace, "trace_own": own,
               "n_rules": n_rules, "n_headers": n_trace, "burst": c["burst"], "reps": reps,
               "dfp": {}, "testacl": {}, "answers": {}}
        dfp_answers = {}
        for simd512 in (False, True):
            width = "512" if simd512 else "default"
            path = os.path.join(c["tmp"], "%s-%s.ans" % (name, width))
            row["dfp"][width] = self.dfp(section, name, rules, trace, simd512, path)
            if row["dfp"][width]["ok"]:
                dfp_answers[width] = read_answers(path)
        ref = dfp_answers.get("default") or dfp_answers.get("512")
        if own and ref is not None:
            row["answers"]["dfp_vs_trace"] = agree(ref, expected)
        row["answers"]["dfp_default_vs_dfp_512"] = agree(dfp_answers.get("default"),
                                                         dfp_answers.get("512"))
        tsc_hz = next((d["tsc_hz"] for d in row["dfp"].values() if d.get("ok")), None)
        est = min([_dfp_cycles(row, w) or 1e9 for w in ("default", "512")])
        acl_packets = int(min(max(c["testacl_cycles"] / est, 2000000), c["testacl_packets"]))
        row["testacl_packets"] = acl_packets
        for alg in ALGS:
            t = self.testacl_time(section, name, alg, rules, trace, n_rules, n_trace,
                                  acl_packets, reps, tsc_hz)
            if t["ok"]:
                answers = self.testacl_answers(section, name, alg, rules, trace, n_rules,
                                               n_trace)
                row["answers"]["testacl_%s_vs_dfp" % alg] = agree(answers, ref)
                if own:
                    row["answers"]["testacl_%s_vs_trace" % alg] = agree(answers, expected)
            row["testacl"][alg] = t
        summarise(row)
        self.cache[key] = row
        return row


def _best(row, algs, key):
    got = [(row["testacl"][a][key], a) for a in algs
           if row["testacl"].get(a, {}).get(key) is not None]
    return min(got) if got else (None, None)


def _dfp_cycles(row, width, call="match", key="cycles_per_packet_cpu"):
    d = row["dfp"].get(width, {})
    return d.get(call, {}).get(key) if d.get("ok") else None


def _ratio(a, b):
    return round(a / b, 3) if a and b else None


def summarise(row):
    """Best test-acl algorithms, dfp/test-acl ratios and the answer verdict.

    The headline figures (no suffix) are on-CPU cycles/packet; *_wall repeat
    them from wall-clock figures.
    """
    for suffix, key in (("", "cycles_per_packet_cpu"), ("_wall", "cycles_per_packet_wall")):
        best, best_alg = _best(row, ALGS, key)
        best256, best256_alg = _best(row, ALGS_256, key)
        d256 = _dfp_cycles(row, "default", key=key)
        d512 = _dfp_cycles(row, "512", key=key)
        dfp_best = min([c for c in (d256, d512) if c], default=None)
        row["testacl_best_alg" + suffix], row["testacl_best" + suffix] = best_alg, best
        row["testacl_best_256_alg" + suffix] = best256_alg
        row["testacl_best_256" + suffix] = best256
        row["dfp_best" + suffix] = dfp_best
        row["ratio_best" + suffix] = _ratio(dfp_best, best)
        row["ratio_default_vs_256" + suffix] = _ratio(d256, best256)
        row["ratio_512_vs_best" + suffix] = _ratio(d512, best)
    best, dfp_best = row["testacl_best"], row["dfp_best"]
    n = row["n_headers"]
    checks = {k: v for k, v in row["answers"].items() if k.endswith("_vs_dfp")
              or k in ("dfp_vs_trace", "dfp_default_vs_dfp_512")}
    row["answers_identical"] = bool(checks) and all(v == n for v in checks.values())
    row["answers_checked"] = sorted(k for k, v in checks.items() if v is not None)
    tsc = next((d["tsc_hz"] for d in row["dfp"].values() if d.get("ok")), None)
    row["tsc_hz"] = tsc
    row["mpps_dfp_best"] = round(tsc / dfp_best / 1e6, 2) if tsc and dfp_best else None
    row["mpps_testacl_best"] = round(tsc / best / 1e6, 2) if tsc and best else None
    c = _dfp_cycles(row, "default", "classify")
    c512 = _dfp_cycles(row, "512", "classify")
    cbest = min([x for x in (c, c512) if x], default=None)
    row["mpps_dfp_classify_best"] = round(tsc / cbest / 1e6, 2) if tsc and cbest else None

