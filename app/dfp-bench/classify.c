/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Classify-only: the engine's compiled classifier on a ClassBench trace,
 * no ports, no flows. Every rule becomes a PERMIT filter in the default
 * sublayer (weight = file order), compiled once; the trace's headers are
 * turned into incoming values up front, so the timed loop is the engine
 * call alone, one burst at a time, sequentially through the trace.
 *
 * Two figures: dfp_engine_match_burst() (the compiled lookup: the first
 * matching filter per sublayer) and dfp_engine_classify_burst() (lookup
 * plus WFP arbitration, what the datapath calls per layer). Before timing,
 * the first match of every header is checked against the trace's expected
 * rule, and the filter that decided each classify_burst verdict against the
 * first match (every filter permits, so they must agree). --answers writes
 * each header's first match as a 0-based rule index, the form
 * `dpdk-test-acl --verbose=2` prints, so tools/bench/run.py can compare the
 * two header by header (also for rule sets without a trace of their own).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_cycles.h>

#include "dfp_engine.h"
#include "bench.h"

/* Sublayers a match row may hold (only the default one has filters here). */
#define ROW_MAX 4

struct classify_ctx {
	const struct dfp_engine_ruleset *rs;
	uint16_t layer;
	const struct dfp_engine_values **vp;   /* One pointer per trace header. */
	uint32_t n;                             /* Trace headers. */
	unsigned int burst;
};

/* Add every rule to the engine and compile; ids[i] receives rule i's filter id. */
static int
engine_build(const struct bench_opts *o, const struct bench_set *set, struct dfp_engine *eng,
		uint64_t *ids, struct dfp_engine_ruleset **rs)
{
	struct dfp_engine_cond conds[CLASSBENCH_MAX_CONDS];
	struct dfp_engine_filter_spec spec;
	dfp_status_t st;
	char name[32];
	uint32_t i;

	if (dfp_engine_txn_begin(eng) != DFP_STATUS_SUCCESS)
		return -1;
	for (i = 0; i < set->n_rules; i++) {
		if (classbench_rule_spec(&set->rules[i], i, set->n_rules, 0, conds, name,
				sizeof(name), &spec) != 0)
			return -1;
		spec.layer_id = o->layer;
		st = dfp_engine_filter_add(eng, &spec, 0, &ids[i]);
		if (st != DFP_STATUS_SUCCESS) {
			fprintf(stderr, "rule at line %u: %s\n", set->rules[i].line,
				dfp_status_name(st));
			return -1;
		}
	}
	st = dfp_engine_txn_prepare(eng, rs);
	if (st != DFP_STATUS_SUCCESS) {
		fprintf(stderr, "compile: %s\n", dfp_status_name(st));
		return -1;
	}
	return 0;
}

/* Filter id to 0-based rule index (ids need not be dense or in rule order). */
struct id_index {
	uint64_t id;
	uint32_t index;
};

static int
id_index_cmp(const void *a, const void *b)
{
	const struct id_index *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

/* Rule index of a filter id; -1 for 0 (no match) or an id of no rule. */
static int64_t
rule_index(const struct id_index *map, uint32_t n, uint64_t id)
{
	struct id_index key = {.id = id};
	const struct id_index *hit;

	if (id == 0)
		return -1;
	hit = bsearch(&key, map, n, sizeof(*map), id_index_cmp);
	return hit != NULL ? (int64_t)hit->index : -1;
}

/* What check() found. */
struct check_result {
	uint64_t trace_agree;    /* First match = the trace's expected rule. */
	uint64_t decided_agree;  /* classify_burst's deciding filter = the first match. */
	uint64_t unmatched;      /* Headers no filter matched. */
};

/*
 * Classify every header with both calls: count agreement with the trace's
 * rule column and between the two calls, and write the first match's rule
 * index per header to `answers` (if not NULL). Returns 0, or -1 on an
 * allocation or write error.
 */
static int
check(const struct classify_ctx *c, const struct bench_set *set, const uint64_t *ids,
		FILE *answers, struct check_result *res)
{
	struct dfp_engine_verdict out[DFP_ENGINE_BURST_MAX];
	uint64_t row[DFP_ENGINE_BURST_MAX * ROW_MAX];
	struct id_index *map;
	unsigned int len;
	uint32_t i, k;

	memset(res, 0, sizeof(*res));
	map = calloc(set->n_rules, sizeof(*map));
	if (map == NULL)
		return -1;
	for (i = 0; i < set->n_rules; i++) {
		map[i].id = ids[i];
		map[i].index = i;
	}
	qsort(map, set->n_rules, sizeof(*map), id_index_cmp);
	for (i = 0; i < c->n; i += c->burst) {
		unsigned int n = RTE_MIN(c->burst, c->n - i);

		len = dfp_engine_match_burst(c->rs, c->layer, &c->vp[i], n, ROW_MAX, row);
		dfp_engine_classify_burst(c->rs, c->layer, &c->vp[i], NULL, n, NULL, out);
		for (k = 0; k < n; k++) {
			uint64_t got = len > 0 ? row[k * ROW_MAX] : 0;
			int64_t index = rule_index(map, set->n_rules, got);

			/* The trace names a 1-based line; rules[] keeps each rule's line. */
			if (index >= 0 && set->rules[index].line == set->pkts[i + k].rule)
				res->trace_agree++;
			if (out[k].filter_id == got)
				res->decided_agree++;
			if (index < 0)
				res->unmatched++;
			if (answers != NULL)
				fprintf(answers, "%" PRId64 "\n", index);
		}
	}
	free(map);
	return answers != NULL && ferror(answers) ? -1 : 0;
}

/* One pass over the trace with either call; returns packets classified. */
static uint64_t
trace_pass(const struct classify_ctx *c, bool arbitrate)
{
	uint64_t row[DFP_ENGINE_BURST_MAX * ROW_MAX];
	struct dfp_engine_verdict out[DFP_ENGINE_BURST_MAX];
	uint32_t i;

	for (i = 0; i + c->burst <= c->n; i += c->burst) {
		if (arbitrate)
			dfp_engine_classify_burst(c->rs, c->layer, &c->vp[i], NULL, c->burst, NULL,
				out);
		else
			dfp_engine_match_burst(c->rs, c->layer, &c->vp[i], c->burst, ROW_MAX, row);
	}
	return i;
}

/* Warm up, then time `repeat` windows of passes over the trace, `packets` each. */
static void
measure(const struct classify_ctx *c, bool arbitrate, const struct bench_opts *o,
		struct bench_result *r)
{
	double cpp[BENCH_MAX_WINDOWS], cpu[BENCH_MAX_WINDOWS];
	uint64_t done = 0, t0, t1, c0, c1;
	unsigned int w;

	while (done < o->warmup)
		done += trace_pass(c, arbitrate);
	for (w = 0; w < o->repeat; w++) {
		done = 0;
		c0 = bench_cpu_ns(CLOCK_THREAD_CPUTIME_ID);
		t0 = rte_rdtsc_precise();
		while (done < o->packets)
			done += trace_pass(c, arbitrate);
		t1 = rte_rdtsc_precise();
		c1 = bench_cpu_ns(CLOCK_THREAD_CPUTIME_ID);
		r->packets += done;
		cpp[w] = (double)(t1 - t0) / (double)done;
		cpu[w] = bench_ns_to_cycles(c1 - c0, done);
	}
	bench_result_windows(r, cpp, cpu, o->repeat);
}

unsigned int
bench_classify_run(const struct bench_opts *o, const struct bench_set *set,
		struct bench_result res[BENCH_MAX_RESULTS])
{
	struct dfp_engine_values *values = NULL;
	struct dfp_engine_ruleset *rs = NULL;
	struct dfp_engine *eng = NULL;
	struct check_result chk;
	struct classify_ctx c;
	uint64_t *ids = NULL, t0;
	unsigned int n_res = 0;
	FILE *answers = NULL;
	double build_ms;
	uint32_t i;
	int rc;

	if (set->n_rules == 0 || set->n_pkts < o->burst) {
		fprintf(stderr, "classify needs rules and a trace of at least one burst\n");
		return 0;
	}
	ids = calloc(set->n_rules, sizeof(*ids));
	values = calloc(set->n_pkts, sizeof(*values));
	c.vp = calloc(set->n_pkts, sizeof(*c.vp));
	if (ids == NULL || values == NULL || c.vp == NULL)
		goto out_free;
	if (dfp_engine_create(NULL, &eng) != DFP_STATUS_SUCCESS)
		goto out_free;
	t0 = rte_rdtsc();
	if (engine_build(o, set, eng, ids, &rs) != 0 || rs == NULL)
		goto out_free;
	build_ms = bench_ms(t0, rte_rdtsc());
	for (i = 0; i < set->n_pkts; i++) {
		classbench_packet_values(&set->pkts[i], &values[i]);
		c.vp[i] = &values[i];
	}
	c.rs = rs;
	c.layer = o->layer;
	c.n = set->n_pkts;
	c.burst = o->burst;
	if (o->answers_path[0] != '\0') {
		answers = fopen(o->answers_path, "w");
		if (answers == NULL) {
			perror(o->answers_path);
			goto out_free;
		}
	}
	rc = check(&c, set, ids, answers, &chk);
	if (answers != NULL && fclose(answers) != 0)
		rc = -1;
	if (rc != 0) {
		fprintf(stderr, "checking the answers failed (%s)\n",
			answers != NULL ? o->answers_path : "no memory");
		goto out_free;
	}

	bench_result_init(&res[n_res], o, set->n_rules, "engine: dfp_engine_match_burst");
	measure(&c, false, o, &res[n_res]);
	snprintf(res[n_res].note, sizeof(res[n_res].note),
		"first match = trace's rule for %" PRIu64 "/%u headers; compiled in %.0f ms",
		chk.trace_agree, set->n_pkts, build_ms);
	bench_result_metric(&res[n_res], "headers", set->n_pkts);
	bench_result_metric(&res[n_res], "trace_agree", (double)chk.trace_agree);
	bench_result_metric(&res[n_res], "unmatched", (double)chk.unmatched);
	bench_result_metric(&res[n_res], "compile_ms", build_ms);
	n_res++;
	bench_result_init(&res[n_res], o, set->n_rules, "engine: dfp_engine_classify_burst");
	measure(&c, true, o, &res[n_res]);
	snprintf(res[n_res].note, sizeof(res[n_res].note),
		"lookup + WFP arbitration; deciding filter = first match for %" PRIu64 "/%u",
		chk.decided_agree, set->n_pkts);
	bench_result_metric(&res[n_res], "headers", set->n_pkts);
	bench_result_metric(&res[n_res], "decided_agree", (double)chk.decided_agree);
	n_res++;

out_free:
	if (eng != NULL) {
		if (rs != NULL)
			dfp_engine_txn_finish(eng, rs, NULL);
		dfp_engine_destroy(eng);
	}
	free(c.vp);
	free(values);
	free(ids);
	return n_res;
}
