# SPDX-License-Identifier: BSD-3-Clause
"""The Mpps-vs-filters plot of run.py's sweep, rendered with gnuplot.

Classify-only Mpps per core (TSC Hz / wall cycles per packet, 32 headers
per call) against the number of filters on a log x axis, one line per
rule-set family and classifier: dfp's compiled classifier (match_burst,
best SIMD width), dfp with arbitration (classify_burst), and
dpdk-test-acl's best algorithm.
"""

import os
import shutil


def render(points, png, workdir, runner, title):
    """Write the data and gnuplot script to workdir and render png.

    points: list of dicts with family, n_rules, mpps_dfp_best,
    mpps_dfp_classify_best, mpps_testacl_best. Returns None or an error text.
    """
    if shutil.which("gnuplot") is None:
        return "gnuplot not installed (apt-get install gnuplot-nox)"
    families = sorted({p["family"] for p in points})
    if not families:
        return "no sweep points"
    series = [("mpps_dfp_best", "dfp match\\_burst"),
              ("mpps_dfp_classify_best", "dfp classify\\_burst"),
              ("mpps_testacl_best", "dpdk-test-acl best alg")]
    plots = []
    for fi, fam in enumerate(families):
        rows = sorted((p for p in points if p["family"] == fam), key=lambda p: p["n_rules"])
        for si, (key, label) in enumerate(series):
            data = [(p["n_rules"], p[key]) for p in rows if p.get(key)]
            if not data:
                continue
            path = os.path.join(workdir, "sweep-%s-%s.dat" % (fam, key))
            with open(path, "w") as f:
                f.write("# filters Mpps\n")
                for n, v in data:
                    f.write("%d %.3f\n" % (n, v))
            plots.append("'%s' using 1:2 with linespoints lc %d dt %d pt %d lw 2 title '%s, %s'"
                         % (path, si + 1, fi + 1, 7 - 2 * fi, fam, label))
    script = os.path.join(workdir, "mpps-vs-filters.gp")
    with open(script, "w") as f:
        f.write("set terminal pngcairo size 960,680 font 'sans,11'\n")
        f.write("set output '%s'\n" % png)
        f.write("set title '%s' noenhanced\n" % title.replace("'", ""))
        f.write("set logscale x 10\n")
        f.write("set xrange [50:200000]\n")
        f.write("set yrange [0:*]\n")
        f.write('set xlabel "filters (ClassBench rules, log scale); '
                'the 100K points use the 10K set\'s headers"\n')
        f.write("set ylabel 'Mpps per core, classify only'\n")
        f.write("set grid\n")
        f.write("set key below maxrows 3\n")
        f.write("plot " + ", \\\n     ".join(plots) + "\n")
    os.makedirs(os.path.dirname(os.path.abspath(png)), exist_ok=True)
    res = runner.run(["gnuplot", script], 60, "plot", "gnuplot " + png)
    return None if res.ok else res.why()
