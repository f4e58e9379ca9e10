/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dfp-bench reporting: a small streaming JSON writer, the JSON form of a
 * run's results (--json), and the process memory figures the control-plane
 * and memory modes read from /proc/self/status.
 *
 * The JSON is one object per run:
 *
 *   {"tool": "dfp-bench", "mode": "classify", "tsc_hz": ..., "hugepages": false,
 *    "max_simd_bitwidth": 256, "main_lcore": 1, "lcores": 1, "burst": 32,
 *    "rules_path": "...", "trace_path": "...",
 *    "results": [{"what": "...", "rules": "...", "n_filters": N, "layer": "...",
 *                 "flows": "...", "note": "...", "metrics": {"name": value, ...}}]}
 *
 * tools/bench/run.py reads it. Not thread-safe; control thread only.
 */
#ifndef DFP_BENCH_REPORT_H
#define DFP_BENCH_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "bench.h"

/* Nesting depth the writer supports. */
#define BENCH_JSON_DEPTH 8

/* A streaming JSON writer: objects and arrays, commas placed for the caller. */
struct bench_json {
	FILE *f;
	unsigned int depth;                /* Open containers. */
	bool first[BENCH_JSON_DEPTH];      /* No member written yet at that depth. */
};

/* Open an object (key NULL inside an array or at the top). */
void bench_json_obj_begin(struct bench_json *j, const char *key);
void bench_json_obj_end(struct bench_json *j);
/* Open an array (key NULL inside an array). */
void bench_json_arr_begin(struct bench_json *j, const char *key);
void bench_json_arr_end(struct bench_json *j);
/* Members: a string (escaped), a number (non-finite values become null), a boolean. */
void bench_json_str(struct bench_json *j, const char *key, const char *value);
void bench_json_num(struct bench_json *j, const char *key, double value);
void bench_json_bool(struct bench_json *j, const char *key, bool value);

/*
 * Open o->json_path and write the run's header members (tool, mode, TSC,
 * EAL memory mode, SIMD width, lcores, burst, rule and trace paths), leaving
 * the top-level object open. Returns 0, or -1 after printing why.
 */
int bench_json_start(struct bench_json *j, const struct bench_opts *o, const char *mode);

/* Close the top-level object and the file; 0, or -1 on a write error. */
int bench_json_finish(struct bench_json *j);

/* Write one result object (its cycle figures only if it measured packets). */
void bench_json_result(struct bench_json *j, const struct bench_result *r);

/* Write a whole classify or pipeline run's results to o->json_path; 0 or -1. */
int bench_json_results(const struct bench_opts *o, const struct bench_result *res,
		unsigned int n);

/* Process memory at one moment (bench_mem_read()). */
struct bench_mem {
	long rss_kib;        /* VmRSS: resident now (-1 if unreadable). */
	long hwm_kib;        /* VmHWM: resident at the peak since start or bench_hwm_reset(). */
	double libc_bytes;   /* libc malloc in use, every arena (mallinfo2 uordblks + hblkhd). */
	double eal_bytes;    /* rte_malloc heap in use, every socket. */
};

/* Read the figures of struct bench_mem. */
void bench_mem_read(struct bench_mem *m);

/*
 * A "Vm*" field of /proc/self/status (e.g. "VmRSS", "VmHWM"), in KiB.
 * Returns -1 if it cannot be read.
 */
long bench_status_kib(const char *field);

/*
 * Reset the process's peak RSS (VmHWM) to its current RSS (writes 5 to
 * /proc/self/clear_refs). Returns 0, or -1 if the kernel refused.
 */
int bench_hwm_reset(void);

#endif /* DFP_BENCH_REPORT_H */
