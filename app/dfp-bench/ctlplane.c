/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Control plane (--mode commit): what installing a rule base costs.
 *
 * Every rule of the set becomes one PERMIT filter at o->layer, added inside
 * one explicit transaction of a lib/ctl session and committed, as the
 * appliance's console (`txn begin`, `filter add`..., `txn commit`) and its
 * configuration loader do: dfp_ctl_txn_begin(), dfp_ctl_filter_add() per
 * filter, dfp_ctl_txn_commit(). The commit compiles the changed layers,
 * publishes the ruleset and waits for an RCU grace period; no worker is
 * registered here, so that wait ends at once and the figure is the control
 * thread's own work.
 *
 * Figures:
 *  - the adds and the commit, timed separately (wall, and this thread's CPU
 *    time: on a shared machine the two differ);
 *  - memory: VmRSS before the control plane exists and after the commit
 *    (steady growth, per filter), VmHWM reset just before the first add
 *    (peak growth while adding and compiling), and what libc malloc and the
 *    rte_malloc heap hold (nominal bytes per filter);
 *  - then `singles` times, with the N filters installed: one filter added in
 *    its own transaction and committed, and deleted the same way. That is
 *    the control plane's share of "a filter added at N installed is
 *    enforced"; the datapath's share is measured by tools/bench/pipeline.py.
 *
 * Run each size in a fresh process (tools/bench/run.py does): peaks do not
 * mix, and freed heap memory is not reused from an earlier size.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_cycles.h>

#include "dfp_ctl.h"
#include "dfp_engine.h"
#include "bench.h"
#include "report.h"

/* Wall and CPU time of one step, in milliseconds. */
struct span {
	uint64_t tsc;
	uint64_t cpu_ns;
};

static void
span_start(struct span *s)
{
	s->cpu_ns = bench_cpu_ns(CLOCK_THREAD_CPUTIME_ID);
	s->tsc = rte_rdtsc_precise();
}

/* Milliseconds since span_start(); *cpu_ms receives the CPU time (may be NULL). */
static double
span_ms(const struct span *s, double *cpu_ms)
{
	uint64_t tsc = rte_rdtsc_precise();

	if (cpu_ms != NULL)
		*cpu_ms = (double)(bench_cpu_ns(CLOCK_THREAD_CPUTIME_ID) - s->cpu_ns) / 1e6;
	return bench_ms(s->tsc, tsc);
}

static int
double_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Median and maximum of n > 0 values (sorts them). */
static void
median_max(double *v, unsigned int n, double *med, double *max)
{
	qsort(v, n, sizeof(*v), double_cmp);
	*med = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
	*max = v[n - 1];
}

/* Add rule `index` as a filter of weight `weight`; the status of the add. */
static dfp_status_t
rule_add(struct dfp_ctl_session *s, const struct bench_opts *o, const struct bench_set *set,
		uint32_t index, uint64_t weight, uint64_t *id)
{
	struct dfp_engine_cond conds[CLASSBENCH_MAX_CONDS];
	struct dfp_engine_filter_spec spec;
	char name[32];

	if (classbench_rule_spec(&set->rules[index], index, set->n_rules, 0, conds, name,
			sizeof(name), &spec) != 0)
		return DFP_STATUS_INVALID_PARAMETER;
	spec.layer_id = o->layer;
	if (weight != 0)
		spec.weight = weight;
	return dfp_ctl_filter_add(s, &spec, id);
}

/* Every rule in one transaction; fills the add and commit times. 0 or -1. */
static int
load_all(struct dfp_ctl_session *s, const struct bench_opts *o, const struct bench_set *set,
		struct bench_result *r)
{
	double wall, cpu;
	struct span sp;
	dfp_status_t st;
	uint64_t id;
	uint32_t i;

	span_start(&sp);
	st = dfp_ctl_txn_begin(s, 0);
	for (i = 0; i < set->n_rules && st == DFP_STATUS_SUCCESS; i++) {
		st = rule_add(s, o, set, i, 0, &id);
		if (st != DFP_STATUS_SUCCESS)
			fprintf(stderr, "rule at line %u: %s\n", set->rules[i].line,
				dfp_status_name(st));
	}
	if (st != DFP_STATUS_SUCCESS)
		return -1;
	wall = span_ms(&sp, &cpu);
	bench_result_metric(r, "add_ms", wall);
	bench_result_metric(r, "add_cpu_ms", cpu);
	span_start(&sp);
	st = dfp_ctl_txn_commit(s);
	wall = span_ms(&sp, &cpu);
	if (st != DFP_STATUS_SUCCESS) {
		fprintf(stderr, "commit: %s\n", dfp_status_name(st));
		return -1;
	}
	bench_result_metric(r, "commit_ms", wall);
	bench_result_metric(r, "commit_cpu_ms", cpu);
	return 0;
}

/*
 * `n` single-filter transactions at the installed base: add rule k (k-th
 * of the set, heaviest weight so it would decide first) and commit, then
 * delete it and commit. Records the median and worst of each. 0 or -1.
 */
static int
singles(struct dfp_ctl_session *s, const struct bench_opts *o, const struct bench_set *set,
		unsigned int n, struct bench_result *r)
{
	double add[1000], del[1000], med, max;
	struct span sp;
	dfp_status_t st;
	unsigned int k;
	uint64_t id;

	for (k = 0; k < n; k++) {
		span_start(&sp);
		st = dfp_ctl_txn_begin(s, 0);
		if (st == DFP_STATUS_SUCCESS)
			st = rule_add(s, o, set, k % set->n_rules, (uint64_t)set->n_rules + 1 + k,
				&id);
		if (st == DFP_STATUS_SUCCESS)
			st = dfp_ctl_txn_commit(s);
		add[k] = span_ms(&sp, NULL);
		if (st != DFP_STATUS_SUCCESS)
			break;
		span_start(&sp);
		st = dfp_ctl_txn_begin(s, 0);
		if (st == DFP_STATUS_SUCCESS)
			st = dfp_ctl_filter_delete_by_id(s, id);
		if (st == DFP_STATUS_SUCCESS)
			st = dfp_ctl_txn_commit(s);
		del[k] = span_ms(&sp, NULL);
		if (st != DFP_STATUS_SUCCESS)
			break;
	}
	if (k < n) {
		fprintf(stderr, "single-filter transaction %u: %s\n", k + 1, dfp_status_name(st));
		if (dfp_ctl_session_in_txn(s))
			dfp_ctl_txn_abort(s);
		return -1;
	}
	if (n == 0)
		return 0;
	median_max(add, n, &med, &max);
	bench_result_metric(r, "single_add_commit_ms", med);
	bench_result_metric(r, "single_add_commit_max_ms", max);
	median_max(del, n, &med, &max);
	bench_result_metric(r, "single_delete_commit_ms", med);
	bench_result_metric(r, "single_delete_commit_max_ms", max);
	return 0;
}

/* The value of a metric the run recorded (0 if absent). */
static double
metric(const struct bench_result *r, const char *name)
{
	unsigned int i;

	for (i = 0; i < r->n_extra; i++)
		if (strcmp(r->extra[i].name, name) == 0)
			return r->extra[i].value;
	return 0;
}

static void
print_row(const struct bench_result *r)
{
	printf("\n| rules | filters | layer | adds ms | commit ms (CPU) | RSS before MiB |"
		" peak RSS MiB | steady growth B/filter | peak growth B/filter |"
		" single add+commit ms | single delete+commit ms |\n");
	printf("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
	printf("| %s | %u | %s | %.0f | %.0f (%.0f) | %.1f | %.1f | %.0f | %.0f | %.2f | %.2f |\n",
		r->rules, r->n_filters, r->layer, metric(r, "add_ms"), metric(r, "commit_ms"),
		metric(r, "commit_cpu_ms"), metric(r, "rss_before_kib") / 1024,
		metric(r, "hwm_kib") / 1024, metric(r, "rss_bytes_per_filter"),
		metric(r, "peak_bytes_per_filter"), metric(r, "single_add_commit_ms"),
		metric(r, "single_delete_commit_ms"));
}

int
bench_commit_run(const struct bench_opts *o)
{
	struct bench_mem before, after;
	struct dfp_ctl_session *s = NULL;
	struct dfp_ctl_params cp;
	struct dfp_ctl *ctl = NULL;
	struct bench_result r;
	struct bench_set set;
	char err[512] = "";
	int rc = -1;

	memset(&set, 0, sizeof(set));
	if (o->rules_path[0] == '\0' || classbench_rules_load(o->rules_path, &set.rules,
			&set.n_rules, err, sizeof(err)) != 0 || set.n_rules == 0) {
		fprintf(stderr, "commit needs a rule set%s%s\n", err[0] ? ": " : "", err);
		return -1;
	}
	printf("# commit: rules %s, %u filters at %s, then %u single-filter transactions\n",
		o->rules_name, set.n_rules, dfp_engine_layer_name(o->layer), o->singles);
	bench_result_init(&r, o, set.n_rules, "control plane: add N filters, commit");
	/* The peak from here on: the control plane's, not EAL's start-up. */
	if (bench_hwm_reset() != 0)
		fprintf(stderr, "warning: VmHWM not reset; the peak includes start-up\n");
	bench_mem_read(&before);
	memset(&cp, 0, sizeof(cp));
	cp.n_workers = 1;
	if (dfp_ctl_create(&cp, &ctl) != DFP_STATUS_SUCCESS ||
			dfp_ctl_session_open(ctl, 0, &s) != DFP_STATUS_SUCCESS) {
		fprintf(stderr, "control plane: creation failed\n");
		goto out;
	}
	if (load_all(s, o, &set, &r) != 0)
		goto out;
	bench_mem_read(&after);
	bench_result_metric(&r, "rss_before_kib", (double)before.rss_kib);
	bench_result_metric(&r, "rss_after_kib", (double)after.rss_kib);
	bench_result_metric(&r, "hwm_kib", (double)after.hwm_kib);
	bench_result_metric(&r, "rss_bytes_per_filter",
		(double)(after.rss_kib - before.rss_kib) * 1024 / set.n_rules);
	bench_result_metric(&r, "peak_bytes_per_filter",
		(double)(after.hwm_kib - before.rss_kib) * 1024 / set.n_rules);
	bench_result_metric(&r, "libc_bytes_per_filter",
		(after.libc_bytes - before.libc_bytes) / set.n_rules);
	bench_result_metric(&r, "eal_heap_bytes_per_filter",
		(after.eal_bytes - before.eal_bytes) / set.n_rules);
	if (singles(s, o, &set, o->singles, &r) != 0)
		goto out;
	snprintf(r.note, sizeof(r.note), "one transaction through lib/ctl; peak = VmHWM (reset"
		" before the control plane was created)");
	print_row(&r);
	rc = o->json_path[0] != '\0' ? bench_json_results(o, &r, 1) : 0;
out:
	if (s != NULL)
		dfp_ctl_session_close(s);
	dfp_ctl_destroy(ctl);
	free(set.rules);
	return rc;
}
