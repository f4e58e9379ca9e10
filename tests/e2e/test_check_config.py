#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""`dfp -- --check-config -f FILE` and the exit codes of DESIGN §2.

- Every file of the bad corpus (tests/conf/bad, passed as --conf-bad; each
  file's first line is `# expect: LINE:COL: TEXT`) exits 1 and prints a line
  `FILE:LINE:COL: ...` containing TEXT.
- Good files (one written here that uses every section, and the bundled
  config/*.yaml if any) exit 0 and print no FILE:LINE:COL line.  No ports
  are given: checking needs none.
- A missing file exits 1; bad usage (unknown option, missing argument) exits 2;
  -h exits 0 and prints the options.
"""

import os
import re
import sys

sys.dont_write_bytecode = True
import dfpe2e as e  # noqa: E402

EXPECT_RE = re.compile(r"^#\s*expect:\s*(\d+):(\d+):\s*(.*?)\s*$")

GOOD = """version: 1
eal: ["--no-huge", "-m", "64"]
ports:
  - {name: wan, port: 0, role: outside, peer: lan, rx_queues: 1}
  - {name: lan, port: 1, role: inside, peer: wan, rx_queues: 1}
workers: {lcores: [1], burst: 32}
flows: {capacity: 4096, idle_timeout_s: 60, hold_packets: 32, pend_timeout_ms: 5000}
sublayers:
  - {name: firewall, key: 4f1b6a0e-0d6e-4b4e-9a43-2f3c9d1e7a10, weight: 100}
  - {name: low, weight: 5}
callouts:
  - name: counter
    key: 9b7c0f7e-1c1d-4e51-8a0a-3f6f2d8c1b22
    layer: ALE_FLOW_ESTABLISHED_V4
    module: "builtin:count"
    register: true
    params: {}
  - name: gate
    key: 9b7c0f7e-1c1d-4e51-8a0a-3f6f2d8c1b23
    layer: ALE_AUTH_CONNECT_V4
    module: "builtin:verdict"
    params: {default: block}
  - name: limiter
    key: 9b7c0f7e-1c1d-4e51-8a0a-3f6f2d8c1b24
    layer: ALE_AUTH_RECV_ACCEPT_V4
    module: "builtin:conn_limit"
    params: {max: 10}
filters:
  - name: block-telnet
    layer: INBOUND_TRANSPORT_V4
    sublayer: firewall
    weight: 10
    flags: [clear_action_right]
    conditions:
      - {field: IP_LOCAL_PORT, match: equal, value: 23}
      - {field: IP_REMOTE_ADDRESS, match: equal, value: 10.0.0.0/8}
    action: block
  - name: ranged
    layer: INBOUND_TRANSPORT_V4
    sublayer: firewall
    weight: {range: 3}
    conditions:
      - {field: IP_LOCAL_PORT, match: range, value: [1000, 2000]}
      - {field: IP_PROTOCOL, match: equal, value: tcp}
    action: permit
  - name: count-all
    layer: ALE_FLOW_ESTABLISHED_V4
    sublayer: low
    action: callout_inspection
    callout: counter
  - name: gate-8080
    layer: ALE_AUTH_CONNECT_V4
    sublayer: low
    flags: [permit_if_callout_unregistered]
    conditions:
      - {field: IP_REMOTE_PORT, match: equal, value: 8080}
    action: callout_terminating
    callout: gate
  - name: limit-in
    layer: ALE_AUTH_RECV_ACCEPT_V4
    action: callout_unknown
    callout: 9b7c0f7e-1c1d-4e51-8a0a-3f6f2d8c1b24
  - name: v6-web
    layer: INBOUND_TRANSPORT_V6
    conditions:
      - {field: IP_REMOTE_ADDRESS, match: equal, value: "2001:db8::/32"}
      - {field: IP_LOCAL_PORT, match: greater_or_equal, value: 443}
    action: permit
"""


def check_config(t, path, n):
    return e.run_cmd([t.dfp_path] + e.eal_min("dfpe2e-cc-%d-%d" % (os.getpid(), n)) +
                     ["--", "--check-config", "-f", path], timeout=20)


def main(t):
    problems = []
    n = 0

    # The bad corpus.
    e.check(t.conf_bad is not None, "no --conf-bad DIR given")
    e.check(os.path.isdir(t.conf_bad), "bad corpus %s is not a directory" % t.conf_bad)
    files = sorted(os.path.join(t.conf_bad, f) for f in os.listdir(t.conf_bad)
                   if os.path.isfile(os.path.join(t.conf_bad, f)) and not f.startswith("."))
    files = [f for f in files if not f.endswith((".build", ".md", ".txt"))]
    e.check(files, "bad corpus %s is empty" % t.conf_bad)
    for path in files:
        with open(path, "rb") as f:
            first = f.readline().decode("utf-8", "replace").rstrip("\r\n")
        m = EXPECT_RE.match(first)
        if not m:
            problems.append("%s: first line is not `# expect: LINE:COL: TEXT`: %r" % (path, first))
            continue
        line, col, text = int(m.group(1)), int(m.group(2)), m.group(3)
        n += 1
        rc, out, err = check_config(t, path, n)
        both = out + "\n" + err
        prefix = "%s:%d:%d:" % (path, line, col)
        hits = [x for x in both.splitlines() if x.strip().startswith(prefix)]
        if rc != 1:
            problems.append("%s: exit code %d, expected 1" % (os.path.basename(path), rc))
        if not any(text in x for x in hits):
            locs = [x for x in both.splitlines() if x.strip().startswith(path + ":")]
            problems.append("%s: no line `%s ...%s...`; error lines:\n      %s" % (
                os.path.basename(path), prefix, text, "\n      ".join(locs) or
                "(none; output: %r)" % both[-600:]))
    e.log("bad corpus: %d files checked" % n)

    # Good files.
    goods = [t.write("good.yaml", GOOD)]
    cfg_dir = os.path.join(e.SRC_ROOT, "config")
    if os.path.isdir(cfg_dir):
        goods += sorted(os.path.join(cfg_dir, f) for f in os.listdir(cfg_dir)
                        if f.endswith((".yaml", ".yml")))
    for path in goods:
        n += 1
        rc, out, err = check_config(t, path, n)
        locs = e.loc_lines(out + "\n" + err, path)
        if rc != 0 or locs:
            problems.append("good file %s: exit %d, error lines: %s; output tail: %r" % (
                path, rc, locs, (out + err)[-800:]))

    # A file that does not exist: a configuration error.
    n += 1
    missing = t.path("no-such-file.yaml")
    rc, out, err = check_config(t, missing, n)
    if rc != 1:
        problems.append("missing file: exit code %d, expected 1" % rc)
    if missing not in out + err:
        problems.append("missing file: its name is not in the error output: %r" % (out + err))

    # Bad usage.
    for args in (["--no-such-option"], ["-f"], ["--check-config", "-f", t.path("good.yaml"),
                                                  "--bogus"]):
        n += 1
        rc, out, err = e.run_cmd([t.dfp_path] + e.eal_min("dfpe2e-cc-%d-%d" % (os.getpid(), n)) +
                                 ["--"] + args)
        if rc != 2:
            problems.append("bad usage %s: exit code %d, expected 2; output %r" % (
                args, rc, (out + err)[-400:]))
    n += 1
    rc, out, err = e.run_cmd([t.dfp_path] + e.eal_min("dfpe2e-cc-%d-%d" % (os.getpid(), n)) +
                             ["--", "-h"])
    if rc != 0 or "--check-config" not in out + err or "--control" not in out + err:
        problems.append("-h: exit code %d (expected 0), options listed: %s" % (
            rc, "--check-config" in out + err))

    e.check(not problems, "%d problem(s):\n  %s" % (len(problems), "\n  ".join(problems)))


e.run("check_config", main)
