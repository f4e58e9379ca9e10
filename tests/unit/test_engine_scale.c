/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The engine holds 100,000 filters in one layer.
 *
 * The two large ClassBench sets (acl1_100k, fw1_100k: 95,883 rules without
 * their catch-alls; format 2 with a TCP-flags field the loader ignores) go
 * into INBOUND_TRANSPORT_V4 in file order, then generated exact 5-tuple
 * filters bring the layer to exactly 100,000, all reachable. The rule base is committed; packets built to hit
 * random rules (and some random ones) are classified by the compiled
 * classifier and by the naive oracle, which must agree on every one. Then a
 * transaction deletes one filter and adds a new top-priority one at that
 * size, and the next ruleset must reflect both. Build time and peak RSS are
 * printed (figures, not assertions: benchmarks own speed targets).
 */
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <cmocka.h>

#include "classbench.h"
#include "dfp_engine.h"
#include "oracle/oracle.h"
#include "test_eal.h"

#define SCALE_FILTERS 100000u
#define SCALE_PACKETS 6000u
#define SCALE_BURST 32u

struct scale {
	struct dfp_engine *eng;
	struct oracle *oracle;
	struct classbench_rule *rules;
	uint64_t *ids;
	uint32_t n_rules;
	struct dfp_engine_ruleset *rs;
	uint64_t rng;
};

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static long
peak_rss_mb(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss / 1024;
}

static uint64_t
rnd(struct scale *s)
{
	/* xorshift64*: deterministic across runs. */
	s->rng ^= s->rng >> 12;
	s->rng ^= s->rng << 25;
	s->rng ^= s->rng >> 27;
	return s->rng * 0x2545F4914F6CDD1DULL;
}

static uint32_t
rnd_in(struct scale *s, uint32_t lo, uint32_t hi)
{
	return lo + (uint32_t)(rnd(s) % ((uint64_t)hi - lo + 1));
}

static uint32_t
rnd_prefix(struct scale *s, uint32_t addr, uint8_t len)
{
	uint32_t host = len >= 32 ? 0 : (uint32_t)(UINT64_C(0xffffffff) >> len);

	return (addr & ~host) | ((uint32_t)rnd(s) & host);
}

/* Append rules of a file; returns 0 on success. */
static int
load_append(struct scale *s, const char *rel)
{
	struct classbench_rule *more;
	char err[256];
	uint32_t n, i;

	if (classbench_rules_load(dfp_test_shared_path(rel), &more, &n, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	s->rules = realloc(s->rules, (size_t)(s->n_rules + n) * sizeof(*s->rules));
	if (s->rules == NULL)
		return -1;
	/*
	 * Each set ends with a catch-all rule, which would make every later
	 * filter of the sublayer unreachable (and compiled away): drop it, so
	 * that all 100,000 filters are live.
	 */
	for (i = 0; i < n; i++) {
		const struct classbench_rule *r = &more[i];

		if (r->src_len == 0 && r->dst_len == 0 && r->proto_mask == 0 &&
				r->sport_lo == 0 && r->sport_hi == 65535 &&
				r->dport_lo == 0 && r->dport_hi == 65535)
			continue;
		s->rules[s->n_rules++] = *r;
	}
	free(more);
	return 0;
}

/* Fill up to SCALE_FILTERS with exact 5-tuples in 172.16.0.0/12. */
static void
fill_synthetic(struct scale *s)
{
	uint32_t i, n = SCALE_FILTERS - s->n_rules;

	s->rules = realloc(s->rules, (size_t)SCALE_FILTERS * sizeof(*s->rules));
	assert_non_null(s->rules);
	for (i = 0; i < n; i++) {
		struct classbench_rule *r = &s->rules[s->n_rules + i];

		memset(r, 0, sizeof(*r));
		r->src_addr = 0xAC100000u | (i & 0xFFFFF);
		r->src_len = 32;
		r->dst_addr = 0xC0A80000u | (uint32_t)rnd_in(s, 0, 0xFFFF);
		r->dst_len = 32;
		r->sport_lo = r->sport_hi = (uint16_t)rnd_in(s, 1024, 65535);
		r->dport_lo = r->dport_hi = (uint16_t)rnd_in(s, 1, 1023);
		r->proto = (i & 1) ? 17 : 6;
		r->proto_mask = 0xFF;
		r->line = s->n_rules + i + 1;
	}
	s->n_rules = SCALE_FILTERS;
}

static int
group_setup(void **state)
{
	struct dfp_engine_sublayer_spec sl = {.name = "scale", .weight = 0x4000};
	struct dfp_engine_cond conds[CLASSBENCH_MAX_CONDS];
	struct oracle_cond oconds[CLASSBENCH_MAX_CONDS];
	struct dfp_engine_filter_spec spec;
	struct dfp_guid sl_key;
	struct scale *s;
	double t0, t1;
	int osl;
	char name[64];
	uint32_t i;
	int n, k;

	if (dfp_test_eal_init(NULL, 0) != 0)
		return -1;
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return -1;
	s->rng = 0x100000u;
	if (load_append(s, "data/classbench/large/acl1_100k") != 0 ||
			load_append(s, "data/classbench/large/fw1_100k") != 0)
		return -1;
	if (s->n_rules > SCALE_FILTERS)
		s->n_rules = SCALE_FILTERS;
	fill_synthetic(s);
	s->ids = calloc(s->n_rules, sizeof(*s->ids));
	s->oracle = oracle_create(4);
	if (s->ids == NULL || s->oracle == NULL)
		return -1;
	osl = oracle_sublayer_add(s->oracle, sl.weight);

	if (dfp_engine_create(NULL, &s->eng) != DFP_STATUS_SUCCESS ||
			dfp_engine_txn_begin(s->eng) != DFP_STATUS_SUCCESS ||
			dfp_engine_sublayer_add(s->eng, &sl, 0, &sl_key) != DFP_STATUS_SUCCESS)
		return -1;
	t0 = now_s();
	for (i = 0; i < s->n_rules; i++) {
		n = classbench_rule_spec(&s->rules[i], i, s->n_rules, 0, conds, name, sizeof(name),
				&spec);
		if (n < 0)
			return -1;
		n = (int)spec.n_conds;
		spec.sublayer_key = sl_key;
		if (dfp_engine_filter_add(s->eng, &spec, 0, &s->ids[i]) != DFP_STATUS_SUCCESS)
			return -1;
		for (k = 0; k < n; k++)
			oracle_cond_from_engine(&conds[k], &oconds[k]);
		if (oracle_rule_add(s->oracle, osl, s->ids[i], spec.weight, (unsigned int)n,
				oconds) != 0)
			return -1;
	}
	t1 = now_s();
	if (dfp_engine_txn_prepare(s->eng, &s->rs) != DFP_STATUS_SUCCESS || s->rs == NULL)
		return -1;
	dfp_engine_txn_finish(s->eng, s->rs, NULL);
	oracle_prepare(s->oracle);
	print_message("[ scale ] %u filters: model add %.2fs, compile %.2fs, peak RSS %ld MB\n",
		s->n_rules, t1 - t0, now_s() - t1, peak_rss_mb());
	*state = s;
	return 0;
}

static int
group_teardown(void **state)
{
	struct scale *s = *state;

	if (s == NULL)
		return 0;
	dfp_engine_destroy(s->eng);
	oracle_destroy(s->oracle);
	free(s->rules);
	free(s->ids);
	free(s);
	return 0;
}

/* A packet inside rule r's box, or (every 8th) anywhere. */
static void
make_packet(struct scale *s, struct dfp_engine_values *v)
{
	const struct classbench_rule *r = &s->rules[rnd(s) % s->n_rules];

	memset(v, 0, sizeof(*v));
	v->direction = DFP_DIRECTION_INBOUND;
	if (rnd(s) % 8 == 0) {
		v->remote_addr.v4 = (uint32_t)rnd(s);
		v->local_addr.v4 = (uint32_t)rnd(s);
		v->remote_port = (uint16_t)rnd(s);
		v->local_port = (uint16_t)rnd(s);
		v->ip_protocol = (uint8_t)rnd(s);
		return;
	}
	v->remote_addr.v4 = rnd_prefix(s, r->src_addr, r->src_len);
	v->local_addr.v4 = rnd_prefix(s, r->dst_addr, r->dst_len);
	v->remote_port = (uint16_t)rnd_in(s, r->sport_lo, r->sport_hi);
	v->local_port = (uint16_t)rnd_in(s, r->dport_lo, r->dport_hi);
	v->ip_protocol = r->proto_mask ? r->proto : (uint8_t)rnd(s);
}

/* Compare engine and oracle on SCALE_PACKETS packets; returns mismatches. */
static unsigned int
compare(struct scale *s, const struct dfp_engine_ruleset *rs, const struct oracle *o,
		double *engine_s)
{
	struct dfp_engine_values vals[SCALE_BURST];
	const struct dfp_engine_values *vp[SCALE_BURST];
	uint64_t got[SCALE_BURST], want;
	unsigned int bad = 0, i, done;
	double t;

	*engine_s = 0;
	for (done = 0; done < SCALE_PACKETS; done += SCALE_BURST) {
		for (i = 0; i < SCALE_BURST; i++) {
			make_packet(s, &vals[i]);
			vp[i] = &vals[i];
		}
		t = now_s();
		dfp_engine_match_burst(rs, DFP_LAYER_INBOUND_TRANSPORT_V4, vp, SCALE_BURST, 1, got);
		*engine_s += now_s() - t;
		for (i = 0; i < SCALE_BURST; i++) {
			oracle_match(o, &vals[i], 1, &want);
			if (got[i] != want && bad++ < 5)
				fprintf(stderr, "mismatch: engine %" PRIu64 " oracle %" PRIu64 "\n",
					got[i], want);
		}
	}
	return bad;
}

static void
test_engine_holds_100k_filters_in_one_layer(void **state)
{
	struct scale *s = *state;
	double engine_s;
	unsigned int bad;

	assert_int_equal(dfp_engine_filter_count(s->eng), SCALE_FILTERS);
	assert_int_equal(dfp_engine_ruleset_filter_count(s->rs, DFP_LAYER_INBOUND_TRANSPORT_V4),
		SCALE_FILTERS);
	bad = compare(s, s->rs, s->oracle, &engine_s);
	print_message("[ scale ] %u packets: %u mismatches, engine %.3fs\n", SCALE_PACKETS, bad,
		engine_s);
	assert_int_equal(bad, 0);
}

static void
test_engine_applies_a_change_at_100k_filters(void **state)
{
	struct dfp_engine_cond c[2];
	struct dfp_engine_filter_spec spec;
	struct dfp_engine_ruleset *rs = NULL;
	struct dfp_engine_values v;
	const struct dfp_engine_values *vp = &v;
	struct scale *s = *state;
	uint64_t victim = s->ids[0];
	uint64_t top = 0, got;
	double t0;

	/* Packet matching rule 0 exactly: before the change rule 0 (or better) wins. */
	memset(&v, 0, sizeof(v));
	v.remote_addr.v4 = s->rules[0].src_addr;
	v.local_addr.v4 = s->rules[0].dst_addr;
	v.remote_port = s->rules[0].sport_lo;
	v.local_port = s->rules[0].dport_lo;
	v.ip_protocol = s->rules[0].proto;
	dfp_engine_match_burst(s->rs, DFP_LAYER_INBOUND_TRANSPORT_V4, &vp, 1, 1, &got);
	assert_int_equal(got, victim);

	memset(c, 0, sizeof(c));
	c[0].field = DFP_FIELD_IP_LOCAL_PORT;
	c[0].match = DFP_MATCH_EQUAL;
	c[0].value.lo = v.local_port;
	memset(&spec, 0, sizeof(spec));
	spec.name = "scale-top";
	spec.layer_id = DFP_LAYER_INBOUND_TRANSPORT_V4;
	spec.weight_type = DFP_ENGINE_WEIGHT_EXPLICIT;
	spec.weight = UINT64_MAX;
	spec.action = DFP_ACTION_BLOCK;
	spec.conds = c;
	spec.n_conds = 1;

	t0 = now_s();
	assert_int_equal(dfp_engine_txn_begin(s->eng), DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_engine_filter_delete_by_id(s->eng, victim), DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_engine_filter_add(s->eng, &spec, 0, &top), DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_engine_txn_prepare(s->eng, &rs), DFP_STATUS_SUCCESS);
	assert_non_null(rs);
	/* The old ruleset still answers as before until it is replaced. */
	dfp_engine_match_burst(s->rs, DFP_LAYER_INBOUND_TRANSPORT_V4, &vp, 1, 1, &got);
	assert_int_equal(got, victim);
	dfp_engine_txn_finish(s->eng, rs, s->rs);
	s->rs = rs;
	print_message("[ scale ] delete+add commit at 100k: %.2fs\n", now_s() - t0);

	/* The new filter lives in the universal sublayer, heavier than "scale". */
	assert_int_equal(dfp_engine_match_burst(rs, DFP_LAYER_INBOUND_TRANSPORT_V4, &vp, 1, 1,
		&got), 2);
	assert_int_equal(got, top);
	assert_int_equal(dfp_engine_filter_count(s->eng), SCALE_FILTERS);
	assert_int_equal(dfp_engine_filter_get(s->eng, victim, &(struct dfp_engine_filter_info){0}),
		DFP_STATUS_FWP_FILTER_NOT_FOUND);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_engine_holds_100k_filters_in_one_layer),
		cmocka_unit_test(test_engine_applies_a_change_at_100k_filters),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
