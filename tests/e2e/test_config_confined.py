#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""What a console line can make dfp read or load (README deviations, RELIABILITY
"Security"): `config load|check FILE` reads only files inside the directory of
the start-up configuration (-f), FILE relative to that directory; plugin
paths come from the operator's YAML only.

Tree (dfp's working directory is T, its -f file T/conf/dfp.yaml):
  T/conf/more.yaml, T/conf/sub/deeper.yaml   loaded by relative and absolute name
  T/outside/evil.yaml                        a valid file adding filter `evil`
  T/conf/link-out.yaml -> ../outside/evil.yaml, T/conf/dir-out -> ../outside
  T/conf/fifo                                a FIFO (a read would block)
  T/outside/plugin.yaml, T/conf/plugin.yaml  declare the --plugin shared object

- Every escape (`..`, absolute names outside, symlinks out, /etc/passwd,
  the FIFO, a directory) is refused with STATUS_ACCESS_DENIED, one
  `FILE:0:0:` line, none of the file's content shown, nothing changed; a
  missing file inside is STATUS_OBJECT_NAME_NOT_FOUND.
- `callout add ... module PATH` (a plugin) is STATUS_ACCESS_DENIED and the
  shared object is not mapped into the process; so is a YAML outside that
  names it. With --plugin, the YAML inside naming it loads it (mapped,
  callout registered).
"""

import os
import sys

sys.dont_write_bytecode = True
import dfpe2e as e  # noqa: E402

DENIED = "STATUS_ACCESS_DENIED"
LAYER = "ALE_AUTH_CONNECT_V4"


def filt(name, port):
    return ("  - {name: %s, layer: INBOUND_TRANSPORT_V4, action: block,\n"
            "     conditions: [{field: IP_LOCAL_PORT, match: equal, value: %d}]}\n"
            % (name, port))


def plugin_yaml(path, name, n):
    return ("version: 1\ncallouts:\n"
            "  - {name: %s, key: %s, layer: %s, module: \"%s\", params: {port: 6667}}\n"
            % (name, e.guid(n), LAYER, path))


def names(c):
    return sorted(f["name"] for f in c.filters())


def mapped(d, so):
    with open("/proc/%d/maps" % d.proc.pid) as f:
        return os.path.realpath(so) in f.read()


def denied(c, line, path, what):
    r = c.send(line)
    e.expect_eq(r.status, DENIED, "%s: %r" % (what, line))
    text = "\n".join(r.lines)
    locs = e.loc_lines(text, path)
    e.check(len(locs) == 1 and locs[0][:2] == (0, 0),
            "%s: not one %s:0:0: line: %r" % (what, path, r.lines))
    for secret in ("evil", "root:", "SECRET"):
        e.check(secret not in text.replace(path, ""), "%s: the answer shows %r: %r"
                % (what, secret, r.lines))


def main(t):
    conf = t.path("conf")
    outside = t.path("outside")
    os.makedirs(os.path.join(conf, "sub"))
    os.mkdir(outside)
    start = os.path.join(conf, "dfp.yaml")
    with open(start, "w") as f:
        f.write(e.base_yaml())
    t.write("conf/more.yaml", "version: 1\nfilters:\n" + filt("more-a", 7201))
    t.write("conf/sub/deeper.yaml", "version: 1\nfilters:\n" + filt("more-b", 7202))
    t.write("outside/evil.yaml", "version: 1\n# SECRET\nfilters:\n" + filt("evil", 7203))
    os.symlink("../outside/evil.yaml", os.path.join(conf, "link-out.yaml"))
    os.symlink("../outside", os.path.join(conf, "dir-out"))
    os.mkfifo(os.path.join(conf, "fifo"))

    d = t.dfp(start, wan=[], lan=[], auto_start=False)
    c = d.client()
    before = names(c)

    # Escapes: refused, nothing changed.
    evil = os.path.join(outside, "evil.yaml")
    cases = [
        ("config load ../outside/evil.yaml", "../outside/evil.yaml", "dot-dot"),
        ("config check ../outside/evil.yaml", "../outside/evil.yaml", "check, dot-dot"),
        ("config load sub/../../outside/evil.yaml", "sub/../../outside/evil.yaml",
         "dot-dot below a subdirectory"),
        ("config load %s" % evil, evil, "absolute name outside"),
        ("config load %s/../outside/evil.yaml" % conf, "%s/../outside/evil.yaml" % conf,
         "absolute name through the directory"),
        ("config load link-out.yaml", "link-out.yaml", "symlink out"),
        ("config load dir-out/evil.yaml", "dir-out/evil.yaml", "directory symlink out"),
        ("config load /etc/passwd", "/etc/passwd", "/etc/passwd"),
        ("config check /proc/self/environ", "/proc/self/environ", "/proc"),
        ("config load fifo", "fifo", "a FIFO inside"),
        ("config load sub", "sub", "a directory inside"),
        ("config load ../outside/nonesuch.yaml", "../outside/nonesuch.yaml",
         "a missing file outside"),
    ]
    for line, path, what in cases:
        denied(c, line, path, what)
    e.expect_eq(names(c), before, "filters after the refused loads")
    r = c.send("config load nonesuch.yaml")
    e.expect_eq(r.status, "STATUS_OBJECT_NAME_NOT_FOUND", "a missing file inside")

    # Inside: relative to the configuration's directory (not dfp's working directory).
    c.cmd("config load more.yaml")
    c.cmd("config load %s" % os.path.join(conf, "sub", "deeper.yaml"))
    e.expect_eq(names(c), sorted(before + ["more-a", "more-b"]), "filters after the loads")

    # Plugins: never from a console line, nor from a YAML outside.
    so = os.path.abspath(t.plugin) if t.plugin else t.path("no-such-plugin.so")
    r = c.send("callout add plug key %s layer %s module %s param port=6667"
               % (e.guid(0x81), LAYER, so))
    e.expect_eq(r.status, DENIED, "callout add with a plugin path")
    t.write("outside/plugin.yaml", plugin_yaml(so, "outside-plug", 0x82))
    denied(c, "config load ../outside/plugin.yaml", "../outside/plugin.yaml",
           "a YAML outside naming a plugin")
    e.check(not any(o["name"] in ("plug", "outside-plug") for o in c.callouts()),
            "a refused plugin callout is listed")
    if t.plugin:
        e.check(not mapped(d, so), "the plugin is mapped after the refusals")
        t.write("conf/plugin.yaml", plugin_yaml(so, "inside-plug", 0x83))
        c.cmd("config load plugin.yaml")
        e.check(mapped(d, so), "the plugin named by the YAML inside is not mapped")
        e.expect_eq(c.callout("inside-plug").get("registered"), "yes",
                    "the plugin callout of the YAML inside")
    else:
        e.log("no --plugin: the YAML-inside plugin case is left out")
    e.expect_eq(d.quit(c), 0, "exit code after quit")


e.run("config_confined", main)
