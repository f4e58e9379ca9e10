#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""dfp benchmark orchestrator (issue 7): every published figure in one run.

    tools/bench/run.py [--quick] [--sections LIST] [--build DIR] [--out PATH]

Sections (BENCHMARKS.md explains each; aliases a-d follow the issue):

  classify  a) dfp's compiled classifier vs dpdk-test-acl, every algorithm,
               on acl1/fw1/ipc1 10K and acl1 1K: cycles/packet, identical answers
  sweep     a) the same for 100 to 100K filters: the Mpps-vs-filters plot
  pipeline  b) and c) latency: tools/bench/pipeline.py (another script) —
               the datapath vs testpmd, filter-add enforcement, pend-complete
  commit    c) commit time and peak RSS of 1K, 10K and 100K filters, single
               add/delete commits at N installed (dfp-bench --mode commit)
  memory    d) bytes per flow (dfp-bench --mode memory); bytes per filter
               come from the commit section

Prints one Markdown table per section and a targets table (PASS/MISS),
writes them to <out dir>/results.md, everything (machine facts, every
command with its exit code) to --out (default bench-results/results.json),
and renders the plot with gnuplot (docs/bench-mpps-vs-filters.png for a full
run; the out dir for --quick). Every process has a timeout, the whole run a
budget (--budget); leftovers are killed and hugepage counts restored.
Python 3 standard library only.
"""

import argparse
import datetime
import json
import os
import re
import shutil
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import bench_acl  # noqa: E402
import bench_plot  # noqa: E402
from bench_proc import BudgetExceeded, Runner, machine_facts  # noqa: E402

REPO = os.path.dirname(os.path.dirname(HERE))
SECTIONS = ["commit", "memory", "pipeline", "classify", "sweep"]
ALIASES = {"a": ["classify", "sweep"], "b": ["pipeline"], "c": ["commit", "pipeline"],
           "d": ["memory", "commit"], "all": SECTIONS}

# What each mode measures (run.py --quick keeps the structure, shrinks the counts).
PROFILES = {
    "full": {
        "packets": 3000000, "repeat": 5, "reps": 3, "sweep_reps": 2,
        "testacl_packets": 20000000, "testacl_cycles": 1e9,
        "classify_sets": ["acl1_10K", "fw1_10K", "ipc1_10K", "acl1_1K"],
        "sweep": {
            "acl1": [("acl1_100", None), ("acl1_1K", None), ("acl1_10K", None),
                     ("large/acl1_100k", "acl1_10K_trace")],
            "fw1": [("fw1", None), ("fw1_1K", None), ("fw1_10K", None),
                    ("large/fw1_100k", "fw1_10K_trace")],
        },
        "commit_sets": ["acl1_1K", "fw1_1K", "acl1_10K", "fw1_10K", "large/acl1_100k",
                        "large/fw1_100k", "mix_100k"],
        "flow_capacity": 1 << 20,
        "pipeline_timeout": 600,
        "budget": 900,
    },
    "quick": {
        "packets": 1000000, "repeat": 3, "reps": 1, "sweep_reps": 1,
        "testacl_packets": 10000000, "testacl_cycles": 5e8,
        "classify_sets": ["acl1_10K", "acl1_1K"],
        "sweep": {
            "acl1": [("acl1_100", None), ("acl1_1K", None), ("acl1_10K", None),
                     ("large/acl1_100k", "acl1_10K_trace")],
        },
        "commit_sets": ["acl1_1K", "acl1_10K", "mix_100k"],
        "flow_capacity": 1 << 20,
        "pipeline_timeout": 300,
        "budget": 420,
    },
}

# The 100K point of the commit section: the two 100K ClassBench sets hold
# 44,473 and 51,412 rules after redundancy removal, so 100,000 filters are
# made of acl1_100k, then fw1_100k, then ipc1_10K, in that order.
CATCH_ALL = re.compile(r"^@0\.0\.0\.0/0\s+0\.0\.0\.0/0\s+0 : 65535\s+0 : 65535\s+0x00/0x00")
MIX_100K = (100000, ["large/acl1_100k", "large/fw1_100k", "wustl/ipc1_10K"])

EAL_MEM_MB = 2048


def utc_now():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def fmt(v, digits=0):
    if v is None:
        return "–"
    if isinstance(v, float):
        return "{:,.{}f}".format(v, digits)
    return "{:,}".format(v) if isinstance(v, int) else str(v)


class Tables:
    """Markdown tables, printed as they come and kept for results.md."""

    def __init__(self):
        self.text = []

    def heading(self, title):
        self.emit("\n## " + title + "\n")

    def table(self, header, rows, align=None):
        align = align or ["---"] + ["---:"] * (len(header) - 1)
        lines = ["| " + " | ".join(header) + " |", "|" + "|".join(align) + "|"]
        lines += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
        self.emit("\n".join(lines) + "\n")

    def note(self, text):
        self.emit(text + "\n")

    def emit(self, s):
        print(s, flush=True)
        self.text.append(s)


class Bench:
    """One run: configuration, results, targets."""

    def __init__(self, args):
        self.args = args
        self.quick = args.quick
        self.p = dict(PROFILES["quick" if args.quick else "full"])
        self.runner = Runner(args.budget or self.p["budget"], verbose=args.verbose)
        self.tmp = tempfile.mkdtemp(prefix="dfpbench-")
        self.shared = os.path.abspath(args.shared)
        self.bench = os.path.join(os.path.abspath(args.build), "app", "dfp-bench", "dfp-bench")
        self.out = os.path.abspath(args.out)
        self.out_dir = os.path.dirname(self.out)
        # pipeline.py writes beside the results before run.py writes them.
        os.makedirs(self.out_dir, exist_ok=True)
        self.results = {}
        self.targets = []
        self.tables = Tables()
        self.failed = []
        self.machine = {}
        lcore = args.lcore if args.lcore is not None else (1 if (os.cpu_count() or 1) > 1 else 0)
        self.cfg = {"bench": self.bench, "testacl": args.testacl, "lcore": lcore,
                    "mem_mb": EAL_MEM_MB, "packets": self.p["packets"],
                    "repeat": self.p["repeat"],
                    "testacl_cycles": self.p["testacl_cycles"],
                    "testacl_packets": self.p["testacl_packets"],
                    "tmp": self.tmp, "burst": 32, "timeout": 240}
        self.acl = bench_acl.ClassifyBench(self.runner, self.cfg)

    # ---- Paths ----

    def rules_path(self, name):
        """wustl/<name>, or <shared>/data/classbench/<name> for large/... names."""
        base = os.path.join(self.shared, "data", "classbench")
        return os.path.join(base, name if "/" in name else os.path.join("wustl", name))

    def trace_path(self, name, trace):
        if trace is not None:
            return os.path.join(self.shared, "data", "classbench", "wustl", trace)
        return self.rules_path(name) + "_trace"

    def mix_100k(self):
        """Write the 100,000-filter mix (MIX_100K) to the temp dir; its path."""
        path = os.path.join(self.tmp, "mix_100k")
        if not os.path.exists(path):
            want, parts = MIX_100K
            n = 0
            catch_all = None
            with open(path, "w") as out:
                for part in parts:
                    with open(self.rules_path(part)) as f:
                        for line in f:
                            if not line.lstrip().startswith("@"):
                                continue
                            # Each set ends with a match-everything rule: one
                            # mid-file would hide every later filter (the
                            # engine compiles nothing behind it), so only the
                            # last one is kept, at the end.
                            if CATCH_ALL.match(line):
                                catch_all = line
                                continue
                            if n < want - 1:
                                out.write(line)
                                n += 1
                if catch_all is not None:
                    out.write(catch_all)
        return path

    def eal(self):
        return ["-l", str(self.cfg["lcore"]), "--no-huge", "-m", str(EAL_MEM_MB), "--no-pci",
                "--no-shconf", "--file-prefix", self.runner.file_prefix(),
                "--log-level=lib.eal:error"]

    # ---- Targets ----

    def target(self, section, text, measured, limit, op, unit, note="", extra_ok=True):
        if measured is None:
            status, ratio = "NO DATA", None
        else:
            ok = (measured <= limit) if op == "<=" else (measured >= limit)
            ratio = measured / limit if limit else None
            status = "PASS" if ok and extra_ok else "MISS"
            if ok and not extra_ok:
                note = (note + "; " if note else "") + "answers differ"
            elif not ok:
                miss = (measured / limit - 1) if op == "<=" else (1 - measured / limit)
                note = (note + "; " if note else "") + "missed by %.0f %%" % (100 * miss)
        self.targets.append({"section": section, "target": text, "op": op, "limit": limit,
                             "unit": unit, "measured": measured, "ratio_to_limit":
                             round(ratio, 3) if ratio is not None else None,
                             "status": status, "note": note})

    # ---- Sections ----

    def _measure_all(self, section, jobs, reps):
        """Measure (label, name, trace) jobs in turn; stops at the budget. (rows, status)."""
        rows, status = [], "ok"
        for label, name, trace in jobs:
            try:
                rows.append((label, self.acl.measure(section, os.path.basename(name),
                                                     self.rules_path(name),
                                                     self.trace_path(name, trace), reps)))
            except BudgetExceeded:
                status = "partial: time budget spent before %s" % name
                self.tables.note("\n%s: %s" % (section, status))
                break
        return rows, status

    def sec_classify(self):
        jobs = [(None, name, None) for name in self.p["classify_sets"]]
        rows, status = self._measure_all("classify", jobs, self.p["reps"])
        rows = [r for _, r in rows]
        self.results["classify"] = {"status": status, "rows": rows}
        self.tables.heading("a) Classify only: dfp vs dpdk-test-acl, cycles/packet on-CPU (wall)")
        hdr = ["set", "filters", "headers", "dfp match default", "dfp match AVX-512",
               "dfp classify_burst default / AVX-512"] + [
               "test-acl " + a for a in bench_acl.ALGS] + [
               "test-acl best", "dfp best / test-acl best", "same, wall",
               "dfp default / test-acl best ≤256-bit", "answers identical"]
        out = []
        for r in rows:
            out.append([r["set"], fmt(r["n_rules"]), fmt(r["n_headers"]),
                        self._dfp_cell(r, "default"), self._dfp_cell(r, "512"),
                        "%s / %s" % (fmt(self._c(r, "default", "classify"), 1),
                                     fmt(self._c(r, "512", "classify"), 1))]
                       + [self._acl_cell(r, a) for a in bench_acl.ALGS]
                       + ["%s (%s)" % (fmt(r["testacl_best"], 1), r["testacl_best_alg"]),
                          fmt(r["ratio_best"], 2), fmt(r["ratio_best_wall"], 2),
                          fmt(r["ratio_default_vs_256"], 2), self._answers_cell(r)])
            self.target("classify", "classify only ≤ 1.3× dpdk-test-acl best, identical answers: "
                        + r["set"], r["ratio_best"], 1.3, "<=", "×",
                        note="on-CPU: dfp %s vs %s %s cycles; wall ratio %s" % (
                            fmt(r["dfp_best"], 1), r["testacl_best_alg"],
                            fmt(r["testacl_best"], 1), fmt(r["ratio_best_wall"], 2)),
                        extra_ok=r["answers_identical"])
        self.tables.table(hdr, out, ["---"] + ["---:"] * (len(hdr) - 2) + ["---"])
        self.tables.note(
            "On-CPU cycles/packet, wall in brackets. dfp: median of %d windows (thread "
            "CPU-time clock) of %s headers after as many for warm-up. test-acl: median of %d "
            "runs of about %.0e cycles at dfp's speed (2M to %s headers); on-CPU = its main "
            "thread's CPU time (schedstat) over the search, wall = its own TSC count. Same "
            "lcore, --no-huge -m %d, 32 headers per call; AVX-512 = "
            "--force-max-simd-bitwidth=512. Answers: dfp vs the trace's rule column, dfp default "
            "vs AVX-512, each test-acl algorithm vs dfp and vs the trace, header by header."
            % (self.p["repeat"], fmt(self.p["packets"]), self.p["reps"],
               self.p["testacl_cycles"], fmt(self.p["testacl_packets"]), EAL_MEM_MB))

    @staticmethod
    def _c(r, width, call="match", key="cycles_per_packet_cpu"):
        d = r["dfp"].get(width, {})
        return d.get(call, {}).get(key) if d.get("ok") else None

    def _dfp_cell(self, r, width):
        if not r["dfp"].get(width, {}).get("ok"):
            return "failed"
        return "%s (%s)" % (fmt(self._c(r, width), 1),
                            fmt(self._c(r, width, key="cycles_per_packet_wall"), 1))

    @staticmethod
    def _acl_cell(r, alg):
        t = r["testacl"].get(alg, {})
        if not t.get("ok"):
            return "n/a"
        return "%s (%s)" % (fmt(t.get("cycles_per_packet_cpu"), 1),
                            fmt(t["cycles_per_packet_wall"], 1))

    @staticmethod
    def _answers_cell(r):
        checks = len(r["answers_checked"])
        if r["answers_identical"]:
            return "yes (%d checks × %s)" % (checks, fmt(r["n_headers"]))
        bad = ["%s %s" % (k, fmt(v)) for k, v in r["answers"].items()
               if v is not None and v != r["n_headers"]]
        if bad:
            return "NO: " + ", ".join(bad)
        missing = [k for k, v in r["answers"].items() if v is None]
        return "incomplete: " + ", ".join(missing) if missing else "not checked"

    def sec_sweep(self):
        points = []
        jobs = [(family, name, trace) for family, sets in self.p["sweep"].items()
                for name, trace in sets]
        rows, status = self._measure_all("sweep", jobs, self.p["sweep_reps"])
        for family, r in rows:
            p = {"family": family, "set": r["set"], "n_rules": r["n_rules"],
                 "trace": os.path.basename(r["trace_file"]), "reps": r["reps"]}
            for k in ("mpps_dfp_best", "mpps_dfp_classify_best", "mpps_testacl_best",
                      "dfp_best", "testacl_best", "testacl_best_alg", "ratio_best",
                      "ratio_best_wall", "answers_identical", "answers_checked"):
                p[k] = r[k]
            points.append(p)
        self.results["sweep"] = {"status": status, "points": points}
        self.tables.heading("a) Sweep: Mpps per core, classify only, vs number of filters")
        self.tables.table(
            ["family", "set", "filters", "trace", "dfp match cycles", "dfp Mpps",
             "dfp classify_burst Mpps", "test-acl best cycles", "test-acl Mpps", "dfp / test-acl",
             "answers identical"],
            [[p["family"], p["set"], fmt(p["n_rules"]), p["trace"], fmt(p["dfp_best"], 1),
              fmt(p["mpps_dfp_best"], 1), fmt(p["mpps_dfp_classify_best"], 1),
              "%s (%s)" % (fmt(p["testacl_best"], 1), p["testacl_best_alg"]),
              fmt(p["mpps_testacl_best"], 1), fmt(p["ratio_best"], 2),
              "yes" if p["answers_identical"] else "NO"] for p in points],
            ["---", "---", "---:", "---"] + ["---:"] * 6 + ["---"])
        self.tables.note("The 100K sets have no trace of their own: their headers are the "
                         "10K set's trace, and answers are checked header by header between "
                         "dfp and every test-acl algorithm (not against a trace column).")
        png = self.args.plot or (os.path.join(REPO, "docs", "bench-mpps-vs-filters.png")
                                 if not self.quick else
                                 os.path.join(self.out_dir, "bench-mpps-vs-filters.png"))
        err = bench_plot.render(points, png, self.tmp, self.runner,
                                plot_title(self.machine, self.started))
        self.results["sweep"]["plot"] = png if err is None else None
        if err is None:
            self.tables.note("Plot: `%s`." % os.path.relpath(png, REPO))
        else:
            self.results["sweep"]["plot_error"] = err
            self.tables.note("Plot not rendered: " + err)

    def sec_commit(self):
        rows = []
        for name in self.p["commit_sets"]:
            path = self.mix_100k() if name == "mix_100k" else self.rules_path(name)
            js = os.path.join(self.tmp, "commit-%s.json" % os.path.basename(name))
            cmd = [self.bench] + self.eal() + ["--", "--mode", "commit", "--rules", path,
                                               "--singles", "5", "--json", js]
            res = self.runner.run(cmd, 240, "commit", "commit " + name)
            row = {"set": os.path.basename(name), "rules_file": path,
                   "command": self.runner.commands[-1]["cmd"], "ok": res.ok}
            if res.ok:
                with open(js) as f:
                    d = json.load(f)["results"][0]
                row["n_filters"] = d["n_filters"]
                row["metrics"] = d["metrics"]
            else:
                row["error"] = res.why()
            rows.append(row)
        self.results["commit"] = {"status": "ok" if all(r["ok"] for r in rows) else "partial",
                                  "rows": rows}
        self.tables.heading("c) Control plane: N filters in one transaction (lib/ctl)")
        out = []
        for r in rows:
            m = r.get("metrics", {})
            if not r["ok"]:
                out.append([r["set"], "failed: " + r["error"]] + [""] * 10)
                continue
            out.append([r["set"], fmt(r["n_filters"]), fmt(m["add_ms"]),
                        "%s (%s)" % (fmt(m["commit_ms"]), fmt(m["commit_cpu_ms"])),
                        fmt(m["hwm_kib"] / 1024, 1),
                        fmt((m["rss_after_kib"] - m["rss_before_kib"]) / 1024, 1),
                        fmt(m["rss_bytes_per_filter"]), fmt(m["peak_bytes_per_filter"]),
                        "%s / %s" % (fmt(m["libc_bytes_per_filter"]),
                                     fmt(m["eal_heap_bytes_per_filter"])),
                        "%s (%s)" % (fmt(m.get("single_add_commit_ms"), 2),
                                     fmt(m.get("single_add_commit_max_ms"), 2)),
                        "%s (%s)" % (fmt(m.get("single_delete_commit_ms"), 2),
                                     fmt(m.get("single_delete_commit_max_ms"), 2))])
        self.tables.table(["set", "filters", "adds ms", "commit ms (CPU)", "peak RSS MiB",
                           "RSS growth MiB", "steady B/filter", "peak B/filter",
                           "malloc / rte_malloc B/filter", "1 add + commit ms (max)",
                           "1 delete + commit ms (max)"], out)
        self.tables.note("Peak RSS is VmHWM, reset just before the control plane was created "
                         "(so it includes EAL's resident start-up memory, see RSS before). "
                         "mix_100k = %d filters: acl1_100k, fw1_100k, then ipc1_10K rules. "
                         "Single add/delete: 5 transactions each at N installed, median (max)."
                         % MIX_100K[0])
        by = {r["set"]: r.get("metrics") for r in rows if r["ok"]}
        n_filters = {r["set"]: r.get("n_filters") for r in rows if r["ok"]}
        for name in ("acl1_10K", "fw1_10K"):
            if name in self.p["commit_sets"]:
                m = by.get(name)
                self.target("commit", "commit of 10K filters ≤ 1.5 s: " + name,
                            m and m["commit_ms"] / 1000, 1.5, "<=", "s",
                            note="%s filters" % fmt(n_filters.get(name)))
        m = by.get("mix_100k")
        self.target("commit", "commit of 100K filters ≤ 10 s: mix_100k",
                    m and m["commit_ms"] / 1000, 10, "<=", "s")
        self.target("commit", "peak RSS at 100K filters ≤ 1 GiB: mix_100k",
                    m and m["hwm_kib"] / 1048576, 1, "<=", "GiB")
        m = by.get("acl1_10K")
        self.target("commit", "single filter add at 10K installed, control-plane share "
                    "(add + commit) of the 50 ms: acl1_10K",
                    m and m.get("single_add_commit_ms"), 50, "<=", "ms",
                    note="the datapath's share is in the latency section")

    def sec_memory(self):
        cap = self.p["flow_capacity"]
        js = os.path.join(self.tmp, "memory.json")
        cmd = [self.bench] + self.eal() + ["--", "--mode", "memory", "--capacity", str(cap),
                                           "--json", js]
        res = self.runner.run(cmd, 180, "memory", "flow table %d" % cap)
        row = {"capacity": cap, "command": self.runner.commands[-1]["cmd"], "ok": res.ok}
        if res.ok:
            with open(js) as f:
                row["metrics"] = json.load(f)["results"][0]["metrics"]
        else:
            row["error"] = res.why()
        commit = {r["set"]: r for r in self.results.get("commit", {}).get("rows", [])
                  if r.get("ok")}
        self.results["memory"] = {"status": "ok" if res.ok else "failed", "flows": row,
                                  "filters": {k: {"n_filters": v["n_filters"],
                                                  "rss_bytes_per_filter":
                                                  v["metrics"]["rss_bytes_per_filter"],
                                                  "peak_bytes_per_filter":
                                                  v["metrics"]["peak_bytes_per_filter"]}
                                              for k, v in commit.items()}}
        self.tables.heading("d) Memory per flow and per filter")
        if res.ok:
            m = row["metrics"]
            self.tables.table(
                ["flow table capacity", "flows inserted", "nominal B/flow (entries + hash)",
                 "resident B/flow", "of which at create / configure / inserts",
                 "insert ns/flow"],
                [[fmt(cap), fmt(int(m["inserted"])),
                  "%s (%s + %s)" % (fmt(m["nominal_bytes_per_flow"]),
                                    fmt(m["entries_bytes_per_flow"]),
                                    fmt(m["hash_bytes_per_flow"])),
                  fmt(m["rss_bytes_per_flow"]),
                  "%s / %s / %s" % (fmt(m["rss_create_bytes_per_flow"]),
                                    fmt(m["rss_configure_bytes_per_flow"]),
                                    fmt(m["rss_insert_bytes_per_flow"])),
                  fmt(m["insert_ns_per_flow"])]])
        else:
            self.tables.note("flow table: failed: " + row["error"])
        if commit:
            self.tables.table(["rule set", "filters", "steady B/filter (RSS after commit)",
                               "peak B/filter (VmHWM)"],
                              [[k, fmt(v["n_filters"]), fmt(v["metrics"]["rss_bytes_per_filter"]),
                                fmt(v["metrics"]["peak_bytes_per_filter"])]
                               for k, v in commit.items()])
        else:
            self.tables.note("Bytes per filter: run the commit section too.")

    def sec_pipeline(self):
        script = os.path.join(HERE, "pipeline.py")
        path = os.path.join(self.out_dir, "pipeline.json")
        self.tables.heading("b) Pipeline vs testpmd, and c) latencies (tools/bench/pipeline.py)")
        if not os.path.exists(script):
            self.results["pipeline"] = {"status": "failed", "error": "tools/bench/pipeline.py "
                                        "is absent"}
            self.tables.note("Not run: tools/bench/pipeline.py is absent.")
            self._pipeline_targets([])
            return
        if os.path.exists(path):
            os.remove(path)
        cmd = [sys.executable, script, "--build", os.path.abspath(self.args.build),
               "--out", path] + (["--quick"] if self.quick else [])
        res = self.runner.run(cmd, self.p["pipeline_timeout"], "pipeline", "pipeline.py")
        # pipeline.py may change hugepages: put them back even if it was killed.
        self.runner.restore_hugepages()
        items, error = [], None if res.ok else res.why()
        if os.path.exists(path):
            try:
                with open(path) as f:
                    data = json.load(f)
                items = data if isinstance(data, list) else data.get("results", [])
            except ValueError as e:
                error = "%s; unreadable JSON: %s" % (error or "exit code 0", e)
        elif error is None:
            error = "wrote no %s" % path
        self.results["pipeline"] = {"status": "failed" if error else "ok",
                                    "command": self.runner.commands[-1]["cmd"],
                                    "results": items, "json": path}
        if error:
            self.results["pipeline"]["error"] = error
            self.tables.note("pipeline.py failed: " + error)
        for sec in ("pipeline", "latency"):
            rows = [i for i in items if i.get("section") == sec]
            if rows:
                self.tables.table(["section", "name", "memory", "figures"],
                                  [[sec, i.get("name", "?"), i.get("memory", ""),
                                    "failed: " + i["error"] if i.get("error") else
                                    self._figures(i.get("metrics") or {})] for i in rows],
                                  ["---", "---", "---", "---"])
        self._pipeline_targets(items)

    # pipeline.py's headline figures, in this order, before the rest.
    HEADLINE = ["mpps_cpu", "ratio_to_testpmd", "ratio_to_testpmd_net", "cycles_per_packet_cpu",
                "cycles_per_packet_cpu_net", "cpu_share", "enforce_ms_median", "enforce_ms_max",
                "complete_to_last_tx_us_median", "complete_to_last_tx_us_max"]

    @classmethod
    def _figures(cls, metrics, most=8):
        """The headline figures of a pipeline.py result first, then the rest by name."""
        keys = sorted(metrics, key=lambda k: (cls.HEADLINE.index(k) if k in cls.HEADLINE
                                              else len(cls.HEADLINE), k))
        return ", ".join("%s %s" % (k, fmt(metrics[k], 2) if isinstance(metrics[k], float)
                                    else fmt(metrics[k]))
                         for k in keys[:most] if not isinstance(metrics[k], (dict, list)))

    def _pipeline_targets(self, items):
        """Targets pipeline.py evaluated itself ("targets" in a result), else NO DATA rows."""
        found = False
        for i in items:
            for t in i.get("targets", []) or []:
                found = True
                self.target(i.get("section", "pipeline"), t.get("target", i.get("name", "?")),
                            t.get("measured"), t.get("limit"), t.get("op", ">="),
                            t.get("unit", ""), note=t.get("note", ""))
        if not found:
            for sec, text, limit, op, unit in (
                    ("pipeline", "known flows, 10K filters ≥ 0.5× testpmd io Mpps/lcore", 0.5,
                     ">=", "×"),
                    ("pipeline", "all-new flows, 10K filters ≥ 0.2× testpmd io Mpps/lcore", 0.2,
                     ">=", "×"),
                    ("latency", "single filter add at 10K installed enforced ≤ 50 ms", 50, "<=",
                     "ms"),
                    ("latency", "pend-complete latency median ≤ 1 ms", 1, "<=", "ms")):
                self.target(sec, text, None, limit, op, unit,
                            note="no figure from tools/bench/pipeline.py")

    # ---- Run ----

    def run(self, sections):
        self.started = utc_now()
        load0 = os.getloadavg()
        self.machine = machine_facts(REPO, self.args.build)
        print("# dfp benchmarks, %s run, %s: %s, %s CPUs, kernel %s, DPDK %s, commit %s"
              % ("quick" if self.quick else "full", self.started, self.machine["cpu_model"],
                 self.machine["cpus"], self.machine["kernel"], self.machine["dpdk_package"],
                 self.machine["git_commit"][:12]), flush=True)
        for tool in (self.bench, shutil.which(self.args.testacl) or self.args.testacl):
            if not os.access(tool, os.X_OK):
                print("missing: %s (build it / apt-get install dpdk)" % tool, file=sys.stderr)
        for sec in SECTIONS:
            if sec not in sections:
                continue
            t0 = time.monotonic()
            try:
                getattr(self, "sec_" + sec)()
                self.results.setdefault(sec, {})["elapsed_s"] = round(time.monotonic() - t0, 1)
            except BudgetExceeded:
                self.results[sec] = {"status": "skipped", "error": "time budget spent"}
                self.tables.note("\n%s: skipped, the time budget (--budget) is spent." % sec)
            except Exception as e:  # noqa: BLE001 - one section's fault must not stop the rest
                self.results[sec] = {"status": "failed", "error": "%s: %s" % (
                    type(e).__name__, e)}
                self.tables.note("\n%s: failed: %s: %s" % (sec, type(e).__name__, e))
        self.print_targets()
        self.write(sections, load0)

    def print_targets(self):
        self.tables.heading("Targets")
        self.tables.table(["section", "target", "limit", "measured", "measured / limit",
                           "status", "note"],
                          [[t["section"], t["target"], "%s %g %s" % (t["op"], t["limit"],
                                                                     t["unit"]),
                            "%.4g" % t["measured"] if isinstance(t["measured"], float)
                            else fmt(t["measured"]), fmt(t["ratio_to_limit"], 2), t["status"],
                            t["note"]] for t in self.targets],
                          ["---", "---", "---", "---:", "---:", "---", "---"])

    def write(self, sections, load0):
        tsc = None
        for row in self.results.get("classify", {}).get("rows", []):
            tsc = tsc or row.get("tsc_hz")
        self.machine["tsc_hz"] = tsc
        doc = {
            "schema": "dfp-bench-results/1",
            "started": self.started, "finished": utc_now(),
            "elapsed_s": round(time.monotonic() - self.runner.start, 1),
            "quick": self.quick, "sections_requested": sections,
            "loadavg_start": list(load0), "loadavg_end": list(os.getloadavg()),
            "machine": self.machine,
            "config": {k: v for k, v in self.cfg.items() if k not in ("tmp",)},
            "profile": self.p, "eal_memory": "--no-huge -m %d" % EAL_MEM_MB,
            "sections": self.results, "targets": self.targets,
            "commands": self.runner.commands,
            "hugepages_restored": self.runner.hugepages_restored,
        }
        os.makedirs(self.out_dir, exist_ok=True)
        with open(self.out, "w") as f:
            json.dump(doc, f, indent=1)
        md = os.path.join(self.out_dir, "results.md")
        with open(md, "w") as f:
            f.write("# dfp benchmark run %s (%s)\n\n" % (self.started,
                                                         "quick" if self.quick else "full"))
            f.write("Machine: %s, %s CPUs, %s GiB, kernel %s, DPDK %s, commit %s%s, "
                    "load average %.1f → %.1f\n" % (
                        self.machine["cpu_model"], self.machine["cpus"],
                        self.machine["memory_gib"], self.machine["kernel"],
                        self.machine["dpdk_package"], self.machine["git_commit"][:12],
                        " (lib/app modified)" if self.machine["git_dirty_lib_app"] else "",
                        load0[0], os.getloadavg()[0]))
            # Markdown wants a blank line around headings, tables and paragraphs.
            f.write("\n" + "\n\n".join(t.strip("\n") for t in self.tables.text) + "\n")
        failed = [s for s in sections if self.results.get(s, {}).get("status") != "ok"]
        print("\nwrote %s and %s in %.0f s%s" % (
            self.out, md, time.monotonic() - self.runner.start,
            "; not ok: " + ", ".join(failed) if failed else ""))
        self.failed = failed


def parse_sections(text):
    out = []
    for s in text.split(","):
        s = s.strip()
        for name in ALIASES.get(s, [s]):
            if name not in SECTIONS:
                raise argparse.ArgumentTypeError("unknown section %r (known: %s, or a-d)"
                                                 % (name, ", ".join(SECTIONS)))
            if name not in out:
                out.append(name)
    return out


def replot(args):
    """Render the plot from an earlier run's results (--out) without measuring."""
    with open(args.out) as f:
        doc = json.load(f)
    points = doc.get("sections", {}).get("sweep", {}).get("points")
    if not points:
        print("%s has no sweep points" % args.out, file=sys.stderr)
        return 1
    png = args.plot or (os.path.join(os.path.dirname(os.path.abspath(args.out)),
                                     "bench-mpps-vs-filters.png") if doc.get("quick") else
                        os.path.join(REPO, "docs", "bench-mpps-vs-filters.png"))
    runner = Runner(120)
    tmp = tempfile.mkdtemp(prefix="dfpbench-")
    try:
        err = bench_plot.render(points, png, tmp, runner, plot_title(doc["machine"],
                                                                    doc["started"]))
    finally:
        runner.cleanup()
        shutil.rmtree(tmp, ignore_errors=True)
    print(err or "wrote " + png)
    return 1 if err else 0


def plot_title(machine, started):
    return "Classify only, 32 headers/call, one core: %s, %s" % (
        machine.get("cpu_model", "?"), started[:10])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog=__doc__.split("\n\n", 2)[2])
    ap.add_argument("--quick", action="store_true",
                    help="development run: fewer sets, shorter windows (about 5 minutes)")
    ap.add_argument("--sections", type=parse_sections, default=list(SECTIONS),
                    help="comma-separated: " + ",".join(SECTIONS) + " (or a,b,c,d; default all)")
    ap.add_argument("--build", default=os.path.join(REPO, "build"),
                    help="meson build directory with app/dfp-bench (default build)")
    ap.add_argument("--out", default=os.path.join(REPO, "bench-results", "results.json"),
                    help="JSON results file (results.md and pipeline.json go beside it)")
    ap.add_argument("--plot", help="PNG path (default docs/bench-mpps-vs-filters.png; "
                    "the out dir for --quick)")
    ap.add_argument("--shared", default=os.environ.get("DFP_SHARED_DIR",
                                                        os.path.join(REPO, "..", "shared")),
                    help="shared test data (default $DFP_SHARED_DIR or ../shared)")
    ap.add_argument("--testacl", default="dpdk-test-acl", help="dpdk-test-acl binary")
    ap.add_argument("--lcore", type=int, help="lcore for classify and commit (default 1)")
    ap.add_argument("--budget", type=float,
                    help="seconds for the whole run (default 900, --quick 420): no process "
                    "starts after it")
    ap.add_argument("--replot", action="store_true",
                    help="measure nothing: render the plot again from --out's sweep points")
    ap.add_argument("-v", "--verbose", action="store_true", help="print every command")
    args = ap.parse_args()
    if args.replot:
        return replot(args)
    b = Bench(args)
    try:
        b.run(args.sections)
    finally:
        b.runner.cleanup()
        shutil.rmtree(b.tmp, ignore_errors=True)
    return 1 if b.failed else 0


if __name__ == "__main__":
    sys.exit(main())
