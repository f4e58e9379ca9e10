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
 * rule.
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

/* Headers whose first match is the trace's expected rule. */
static uint64_t
agreement(const struct classify_ctx *c, const struct bench_set *set, const uint64_t *ids)
{
	uint64_t row[DFP_ENGINE_BURST_MAX * ROW_MAX];
	uint64_t *line_to_id, agree = 0;
	uint32_t i, k, max_line = 0;
	unsigned int len;

	for (i = 0; i < set->n_rules; i++)
		max_line = RTE_MAX(max_line, set->rules[i].line);
	line_to_id = calloc(max_line + 1, sizeof(*line_to_id));
	if (line_to_id == NULL)
		return 0;
	for (i = 0; i < set->n_rules; i++)
		line_to_id[set->rules[i].line] = ids[i];
	for (i = 0; i < c->n; i += c->burst) {
		unsigned int n = RTE_MIN(c->burst, c->n - i);

		len = dfp_engine_match_burst(c->rs, c->layer, &c->vp[i], n, ROW_MAX, row);
		for (k = 0; k < n; k++) {
			uint32_t want = set->pkts[i + k].rule;
			uint64_t got = len > 0 ? row[k * ROW_MAX] : 0;

			if (want <= max_line && got == line_to_id[want])
				agree++;
		}
	}
	free(line_to_id);
	return agree;
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
	struct classify_ctx c;
	uint64_t *ids = NULL, agree, t0;
	unsigned int n_res = 0;
	double build_ms;
	uint32_t i;

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
	agree = agreement(&c, set, ids);

	bench_result_init(&res[n_res], o, set->n_rules, "engine: dfp_engine_match_burst");
	measure(&c, false, o, &res[n_res]);
	snprintf(res[n_res].note, sizeof(res[n_res].note),
		"first match = trace's rule for %" PRIu64 "/%u headers; compiled in %.0f ms",
		agree, set->n_pkts, build_ms);
	n_res++;
	bench_result_init(&res[n_res], o, set->n_rules, "engine: dfp_engine_classify_burst");
	measure(&c, true, o, &res[n_res]);
	snprintf(res[n_res].note, sizeof(res[n_res].note), "lookup + WFP arbitration");
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
