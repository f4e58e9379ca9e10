/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The compiled classifier on ClassBench (acl1, fw1, ipc1 at 1K and 10K).
 *
 * Every rule becomes one filter at INBOUND_TRANSPORT_V4 in a dedicated
 * sublayer, with explicit weight N - index so that file order is priority
 * order (classbench.h). The whole trace runs through
 * dfp_engine_match_burst() in bursts of 32; each answer must equal the
 * trace's first-matching rule (mapped from its line to the filter id) and
 * the naive oracle's answer. One more case keeps wildcards as always-true
 * conditions, which must not change any answer.
 *
 * Reads ../shared/data/classbench/wustl through dfp_test_shared_path().
 */
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "classbench.h"
#include "dfp_engine.h"
#include "oracle/oracle.h"
#include "test_eal.h"

/* The trace is fed in bursts of this size. */
#define CB_BURST 32
/* Mismatches printed in full. */
#define MAX_REPORTS 5

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void
print_rule(const struct classbench_rule *r)
{
	fprintf(stderr, "    line %u: @%u.%u.%u.%u/%u %u.%u.%u.%u/%u %u : %u %u : %u "
		"0x%02x/0x%02x\n",
		r->line, r->src_addr >> 24, (r->src_addr >> 16) & 0xff, (r->src_addr >> 8) & 0xff,
		r->src_addr & 0xff, r->src_len, r->dst_addr >> 24, (r->dst_addr >> 16) & 0xff,
		(r->dst_addr >> 8) & 0xff, r->dst_addr & 0xff, r->dst_len, r->sport_lo,
		r->sport_hi, r->dport_lo, r->dport_hi, r->proto, r->proto_mask);
}

/* The rule behind a filter id, or NULL. */
static const struct classbench_rule *
rule_of(const struct classbench_rule *rules, const uint64_t *ids, uint32_t n, uint64_t id)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		if (ids[i] == id)
			return &rules[i];
	return NULL;
}

static void
run_classbench(const char *set, unsigned int conv_flags)
{
	char rules_rel[128], trace_rel[128], rules_path[4096], trace_path[4096];
	const struct dfp_engine_values *vp[CB_BURST];
	struct dfp_engine_cond conds[CLASSBENCH_MAX_CONDS];
	struct dfp_engine_values values[CB_BURST];
	struct dfp_engine_sublayer_spec slspec;
	struct dfp_engine_ruleset *rs = NULL;
	struct oracle_cond oc[CLASSBENCH_MAX_CONDS];
	uint64_t row[CB_BURST];
	struct classbench_packet *pkts = NULL;
	struct classbench_rule *rules = NULL;
	uint64_t agree_trace = 0, agree_oracle = 0, reports = 0;
	double t0, t_build, t_engine = 0, t_oracle = 0;
	uint64_t *line_to_id = NULL;
	uint32_t n_rules = 0, n_pkts = 0, i, max_line = 0;
	struct dfp_engine *eng = NULL;
	struct dfp_guid sl_key;
	char err[512] = "";
	uint64_t *ids = NULL;
	struct oracle *o;
	int sl;

	snprintf(rules_rel, sizeof(rules_rel), "data/classbench/wustl/%s", set);
	snprintf(trace_rel, sizeof(trace_rel), "data/classbench/wustl/%s_trace", set);
	snprintf(rules_path, sizeof(rules_path), "%s", dfp_test_shared_path(rules_rel));
	snprintf(trace_path, sizeof(trace_path), "%s", dfp_test_shared_path(trace_rel));
	if (classbench_rules_load(rules_path, &rules, &n_rules, err, sizeof(err)) != 0 ||
			classbench_trace_load(trace_path, &pkts, &n_pkts, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		fail();
	}
	assert_true(n_rules > 0);
	assert_true(n_pkts > 0);

	/* Engine: one dedicated sublayer, one filter per rule in file order. */
	t0 = now_s();
	assert_int_equal(dfp_engine_create(NULL, &eng), DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_engine_txn_begin(eng), DFP_STATUS_SUCCESS);
	memset(&slspec, 0, sizeof(slspec));
	slspec.name = "classbench";
	slspec.weight = 100;
	assert_int_equal(dfp_engine_sublayer_add(eng, &slspec, 0, &sl_key), DFP_STATUS_SUCCESS);
	ids = calloc(n_rules, sizeof(*ids));
	assert_non_null(ids);
	o = oracle_create(4);
	assert_non_null(o);
	sl = oracle_sublayer_add(o, slspec.weight);
	for (i = 0; i < n_rules; i++) {
		struct dfp_engine_filter_spec spec;
		char name[32];
		unsigned int k;
		dfp_status_t st;
		int rc;

		rc = classbench_rule_spec(&rules[i], i, n_rules, conv_flags, conds, name,
			sizeof(name), &spec);
		assert_int_equal(rc, 0);
		spec.sublayer_key = sl_key;
		/* Alternate actions: match_burst must ignore them. */
		spec.action = i % 2 ? DFP_ACTION_BLOCK : DFP_ACTION_PERMIT;
		st = dfp_engine_filter_add(eng, &spec, 0, &ids[i]);
		if (st != DFP_STATUS_SUCCESS) {
			fprintf(stderr, "%s line %u rejected: %s\n", set, rules[i].line,
				dfp_status_name(st));
			fail();
		}
		for (k = 0; k < spec.n_conds; k++)
			oracle_cond_from_engine(&conds[k], &oc[k]);
		assert_int_equal(oracle_rule_add(o, sl, ids[i], spec.weight, spec.n_conds, oc), 0);
		if (rules[i].line > max_line)
			max_line = rules[i].line;
	}
	assert_int_equal(dfp_engine_txn_prepare(eng, &rs), DFP_STATUS_SUCCESS);
	assert_non_null(rs);
	t_build = now_s() - t0;
	oracle_prepare(o);
	line_to_id = calloc(max_line + 1, sizeof(*line_to_id));
	assert_non_null(line_to_id);
	for (i = 0; i < n_rules; i++)
		line_to_id[rules[i].line] = ids[i];

	for (i = 0; i < n_pkts; i += CB_BURST) {
		unsigned int n = n_pkts - i < CB_BURST ? n_pkts - i : CB_BURST;
		unsigned int k, len;

		for (k = 0; k < n; k++) {
			classbench_packet_values(&pkts[i + k], &values[k]);
			vp[k] = &values[k];
		}
		t0 = now_s();
		len = dfp_engine_match_burst(rs, DFP_LAYER_INBOUND_TRANSPORT_V4, vp, n, 1, row);
		t_engine += now_s() - t0;
		assert_int_equal(len, 1);
		for (k = 0; k < n; k++) {
			const struct classbench_packet *p = &pkts[i + k];
			uint64_t expect = p->rule <= max_line ? line_to_id[p->rule] : 0;
			uint64_t orow[1];

			t0 = now_s();
			oracle_match(o, &values[k], 1, orow);
			t_oracle += now_s() - t0;
			if (row[k] == expect)
				agree_trace++;
			if (row[k] == orow[0])
				agree_oracle++;
			if ((row[k] != expect || row[k] != orow[0]) && reports++ < MAX_REPORTS) {
				const struct classbench_rule *got, *want;

				got = rule_of(rules, ids, n_rules, row[k]);
				want = rule_of(rules, ids, n_rules, expect);

				fprintf(stderr, "MISMATCH %s trace line %u: %u %u %u %u %u -> "
					"trace rule %u (filter %" PRIu64 "), engine filter %"
					PRIu64 ", oracle filter %" PRIu64 "\n", set, i + k + 1,
					p->src_addr, p->dst_addr, p->src_port, p->dst_port,
					p->proto, p->rule, expect, row[k], orow[0]);
				if (want != NULL)
					print_rule(want);
				if (got != NULL)
					print_rule(got);
				if (row[k] != 0)
					oracle_rule_print(o, row[k], stderr);
			}
		}
	}
	printf("[ classbench ] %s%s: %u rules, %u packets; agree with trace %" PRIu64 "/%u, "
		"with oracle %" PRIu64 "/%u; build %.2fs, engine %.3fs (%.2f Mpps), oracle %.2fs\n",
		set, conv_flags & CLASSBENCH_KEEP_WILDCARDS ? " (wildcards kept)" : "", n_rules,
		n_pkts, agree_trace, n_pkts, agree_oracle, n_pkts, t_build, t_engine,
		t_engine > 0 ? n_pkts / t_engine / 1e6 : 0.0, t_oracle);
	dfp_engine_txn_finish(eng, rs, NULL);
	dfp_engine_destroy(eng);
	oracle_destroy(o);
	free(line_to_id);
	free(ids);
	free(pkts);
	free(rules);
	assert_int_equal(agree_trace, n_pkts);
	assert_int_equal(agree_oracle, n_pkts);
}

static void
test_classbench_acl1_1k_matches_trace(void **state)
{
	(void)state;
	run_classbench("acl1_1K", 0);
}

static void
test_classbench_acl1_10k_matches_trace(void **state)
{
	(void)state;
	run_classbench("acl1_10K", 0);
}

static void
test_classbench_fw1_1k_matches_trace(void **state)
{
	(void)state;
	run_classbench("fw1_1K", 0);
}

static void
test_classbench_fw1_10k_matches_trace(void **state)
{
	(void)state;
	run_classbench("fw1_10K", 0);
}

static void
test_classbench_ipc1_1k_matches_trace(void **state)
{
	(void)state;
	run_classbench("ipc1_1K", 0);
}

static void
test_classbench_ipc1_10k_matches_trace(void **state)
{
	(void)state;
	run_classbench("ipc1_10K", 0);
}

static void
test_classbench_fw1_1k_with_wildcard_conditions_matches_trace(void **state)
{
	(void)state;
	run_classbench("fw1_1K", CLASSBENCH_KEEP_WILDCARDS);
}

static int
group_setup(void **state)
{
	(void)state;
	return dfp_test_eal_init(NULL, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_classbench_acl1_1k_matches_trace),
		cmocka_unit_test(test_classbench_acl1_10k_matches_trace),
		cmocka_unit_test(test_classbench_fw1_1k_matches_trace),
		cmocka_unit_test(test_classbench_fw1_10k_matches_trace),
		cmocka_unit_test(test_classbench_ipc1_1k_matches_trace),
		cmocka_unit_test(test_classbench_ipc1_10k_matches_trace),
		cmocka_unit_test(test_classbench_fw1_1k_with_wildcard_conditions_matches_trace),
	};

	/* DFP_TEST_FILTER=<glob> runs a subset (cmocka's own filter syntax). */
	if (getenv("DFP_TEST_FILTER") != NULL)
		cmocka_set_test_filter(getenv("DFP_TEST_FILTER"));
	return cmocka_run_group_tests(tests, group_setup, NULL);
}
