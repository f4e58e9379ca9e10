/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The compiled classifier against the naive oracle on random rule sets.
 *
 * Each round draws thousands of filters over several sublayers (built-in
 * and added, two pairs of them with equal weights), with every match type
 * and value form, same-field ORs in shuffled order, explicit weights drawn
 * from a small pool so that ties are common (ties break by ascending filter
 * id), and a few range/auto weights. Packets are drawn from the same value
 * pools, so most of them hit something. For every packet the row of
 * dfp_engine_match_burst() must equal the oracle's row exactly.
 *
 * On a mismatch the test prints the seed and shrinks the sublayer's filters
 * to a minimal set that still disagrees, so the report is a small case.
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

#include <rte_common.h>

#include "dfp_engine.h"
#include "engine_private.h"
#include "lookup_private.h"
#include "oracle/gen.h"
#include "oracle/oracle.h"
#include "test_eal.h"

/* Row capacity passed to dfp_engine_match_burst(). */
#define ROW_MAX 16
/* Mismatches printed in full per round. */
#define MAX_REPORTS 3

/* ---- Engine and oracle from a set of generated filters ---- */

static void
add_sublayers(struct gen_run *run, struct dfp_engine *eng)
{
	unsigned int s;

	for (s = 0; s < run->n_sublayers; s++) {
		struct gen_sublayer *sl = &run->sublayers[s];
		struct dfp_engine_sublayer_spec spec;

		if (sl->builtin)
			continue;
		memset(&spec, 0, sizeof(spec));
		spec.key = sl->key;
		spec.name = sl->name;
		spec.weight = sl->weight;
		assert_int_equal(dfp_engine_sublayer_add(eng, &spec, 0, NULL), DFP_STATUS_SUCCESS);
	}
}

/* An engine with the run's sublayers and callout, a transaction open. */
static struct dfp_engine *
engine_new(struct gen_run *run, const struct dfp_engine_params *params)
{
	struct dfp_engine_callout_spec cspec;
	struct dfp_engine *eng = NULL;

	assert_int_equal(dfp_engine_create(params, &eng), DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_engine_txn_begin(eng), DFP_STATUS_SUCCESS);
	add_sublayers(run, eng);
	memset(&cspec, 0, sizeof(cspec));
	cspec.key = run->callout_key;
	cspec.name = "oracle-callout";
	cspec.layer_id = run->layer;
	assert_int_equal(dfp_engine_callout_add(eng, &cspec, 0, NULL), DFP_STATUS_SUCCESS);
	return eng;
}

/* Add filters[idx[0..n-1]] in that order; writes each one's id and effective weight back. */
static void
add_filters(struct gen_run *run, struct dfp_engine *eng, const uint32_t *idx, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++) {
		struct gen_filter *g = &run->filters[idx[i]];
		struct dfp_engine_filter_spec spec;
		struct dfp_engine_filter_info info;
		char name[32];
		dfp_status_t st;

		memset(&spec, 0, sizeof(spec));
		snprintf(name, sizeof(name), "f%u", idx[i]);
		spec.name = name;
		spec.layer_id = run->layer;
		spec.sublayer_key = run->sublayers[g->sublayer].key;
		spec.weight_type = g->weight_type;
		spec.weight = g->weight;
		spec.action = g->action;
		if (g->action & DFP_ACTION_FLAG_CALLOUT)
			spec.callout_key = run->callout_key;
		spec.n_conds = g->n_conds;
		spec.conds = g->conds;
		st = dfp_engine_filter_add(eng, &spec, 0, &g->id);
		if (st != DFP_STATUS_SUCCESS) {
			fprintf(stderr, "seed 0x%" PRIx64 ": filter %u rejected: %s\n", run->seed,
				idx[i], dfp_status_name(st));
			fail();
		}
		if (g->weight_type == DFP_ENGINE_WEIGHT_EXPLICIT) {
			g->eff_weight = g->weight;
		} else {
			/* Derived weights are the engine's to choose; only the range is checked. */
			st = dfp_engine_filter_get(eng, g->id, &info);
			assert_int_equal(st, DFP_STATUS_SUCCESS);
			g->eff_weight = info.rt.weight;
			if (g->weight_type == DFP_ENGINE_WEIGHT_RANGE)
				assert_true(g->eff_weight >> 60 == g->weight);
		}
	}
}

/*
 * Build an engine holding filters[idx[0..n-1]] (added in that order) and
 * prepare a ruleset. Writes each filter's id and effective weight back.
 */
static void
build_engine(struct gen_run *run, const uint32_t *idx, uint32_t n, struct dfp_engine **eng_out,
		struct dfp_engine_ruleset **rs_out)
{
	struct dfp_engine *eng = engine_new(run, NULL);

	add_filters(run, eng, idx, n);
	assert_int_equal(dfp_engine_txn_prepare(eng, rs_out), DFP_STATUS_SUCCESS);
	assert_non_null(*rs_out);
	*eng_out = eng;
}

static struct oracle *
build_oracle(struct gen_run *run, const uint32_t *idx, uint32_t n)
{
	struct oracle *o = oracle_create(run->family);
	struct oracle_cond oc[GEN_MAX_CONDS];
	unsigned int s, k;
	uint32_t i;

	assert_non_null(o);
	for (s = 0; s < run->n_sublayers; s++)
		run->sublayers[s].oracle_index = oracle_sublayer_add(o, run->sublayers[s].weight);
	for (i = 0; i < n; i++) {
		const struct gen_filter *g = &run->filters[idx[i]];

		for (k = 0; k < g->n_conds; k++)
			oracle_cond_from_engine(&g->conds[k], &oc[k]);
		assert_int_equal(oracle_rule_add(o, run->sublayers[g->sublayer].oracle_index, g->id,
			g->eff_weight, g->n_conds, oc), 0);
	}
	oracle_prepare(o);
	return o;
}

static void
finish_engine(struct dfp_engine *eng, struct dfp_engine_ruleset *rs)
{
	dfp_engine_txn_finish(eng, rs, NULL);
	dfp_engine_destroy(eng);
}

/*
 * Does the engine still disagree with the oracle at row position `pos` for
 * packet v when only filters idx[0..n-1] exist?
 */
static bool
still_disagrees(struct gen_run *run, const uint32_t *idx, uint32_t n,
		const struct dfp_engine_values *v)
{
	const struct dfp_engine_values *vp[1] = {v};
	uint64_t erow[ROW_MAX], orow[ROW_MAX];
	struct dfp_engine_ruleset *rs = NULL;
	struct dfp_engine *eng = NULL;
	unsigned int elen, olen, i;
	struct oracle *o;
	bool differ;

	build_engine(run, idx, n, &eng, &rs);
	o = build_oracle(run, idx, n);
	elen = dfp_engine_match_burst(rs, run->layer, vp, 1, ROW_MAX, erow);
	olen = oracle_match(o, v, ROW_MAX, orow);
	differ = elen != olen;
	for (i = 0; !differ && i < elen && i < ROW_MAX; i++)
		differ = erow[i] != orow[i];
	oracle_destroy(o);
	finish_engine(eng, rs);
	return differ;
}

/* Shrink a failing filter set (ddmin-like) and print the minimal case. */
static void
shrink_and_report(struct gen_run *run, const struct dfp_engine_values *v)
{
	uint32_t *idx = malloc(run->n_filters * sizeof(*idx));
	uint32_t *tmp = malloc(run->n_filters * sizeof(*tmp));
	uint32_t n = run->n_filters;
	uint32_t chunk, start, i, m;
	struct oracle *o;

	assert_non_null(idx);
	assert_non_null(tmp);
	for (i = 0; i < n; i++)
		idx[i] = i;
	if (!still_disagrees(run, idx, n, v)) {
		fprintf(stderr, "  (does not reproduce alone; no shrinking)\n");
		goto out;
	}
	for (chunk = n / 2; chunk >= 1; chunk /= 2) {
		bool progress = true;

		while (progress && n > 1) {
			progress = false;
			for (start = 0; start < n && n > 1; start += chunk) {
				uint32_t end = start + chunk < n ? start + chunk : n;

				m = 0;
				for (i = 0; i < n; i++)
					if (i < start || i >= end)
						tmp[m++] = idx[i];
				if (m > 0 && still_disagrees(run, tmp, m, v)) {
					memcpy(idx, tmp, m * sizeof(*idx));
					n = m;
					progress = true;
				}
			}
		}
	}
	/* Rebuild once more so that ids in the report are those of the minimal engine. */
	{
		const struct dfp_engine_values *vp[1] = {v};
		uint64_t erow[ROW_MAX], orow[ROW_MAX];
		struct dfp_engine_ruleset *rs = NULL;
		struct dfp_engine *eng = NULL;
		unsigned int elen, olen;

		build_engine(run, idx, n, &eng, &rs);
		o = build_oracle(run, idx, n);
		elen = dfp_engine_match_burst(rs, run->layer, vp, 1, ROW_MAX, erow);
		olen = oracle_match(o, v, ROW_MAX, orow);
		fprintf(stderr, "  minimal case: %u filter(s) at layer %s\n", n,
			dfp_engine_layer_name(run->layer));
		for (i = 0; i < n; i++) {
			const struct gen_filter *g = &run->filters[idx[i]];

			fprintf(stderr, "    [%s, action 0x%x, weight_type %d] ",
				run->sublayers[g->sublayer].name, g->action, (int)g->weight_type);
			oracle_rule_print(o, g->id, stderr);
		}
		fprintf(stderr, "    ");
		oracle_values_print(o, v, stderr);
		fprintf(stderr, "    engine row (len %u):", elen);
		for (i = 0; i < elen && i < ROW_MAX; i++)
			fprintf(stderr, " %" PRIu64, erow[i]);
		fprintf(stderr, "\n    oracle row (len %u):", olen);
		for (i = 0; i < olen && i < ROW_MAX; i++)
			fprintf(stderr, " %" PRIu64, orow[i]);
		fprintf(stderr, "\n");
		oracle_destroy(o);
		finish_engine(eng, rs);
	}
out:
	free(tmp);
	free(idx);
}

static void
report_mismatch(struct gen_run *run, const struct oracle *o, const struct dfp_engine_values *v,
		uint32_t pkt, unsigned int elen, const uint64_t *erow, unsigned int olen,
		const uint64_t *orow)
{
	unsigned int i;

	fprintf(stderr, "MISMATCH seed 0x%" PRIx64 " layer %s packet #%u: "
		"row len engine %u oracle %u\n",
		run->seed, dfp_engine_layer_name(run->layer), pkt, elen, olen);
	for (i = 0; i < elen && i < olen && i < ROW_MAX; i++) {
		if (erow[i] == orow[i])
			continue;
		fprintf(stderr, "  row slot %u: engine %" PRIu64 " (oracle says it %s), oracle %"
			PRIu64 "\n", i, erow[i],
			erow[i] == 0 ? "-" : oracle_rule_matches(o, erow[i], v) ? "matches" :
			"does not match", orow[i]);
		fprintf(stderr, "  engine's: ");
		if (erow[i] != 0)
			oracle_rule_print(o, erow[i], stderr);
		else
			fprintf(stderr, "none\n");
		fprintf(stderr, "  oracle's: ");
		if (orow[i] != 0)
			oracle_rule_print(o, orow[i], stderr);
		else
			fprintf(stderr, "none\n");
	}
	fprintf(stderr, "  ");
	oracle_values_print(o, v, stderr);
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int
id_order(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a;
	uint64_t y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* One round: build, classify every packet in random bursts, compare every row. */
static void
run_round(uint16_t layer, const struct gen_params *rp)
{
	const struct dfp_engine_values *vp[DFP_ENGINE_BURST_MAX];
	struct dfp_engine_values burst[DFP_ENGINE_BURST_MAX];
	uint64_t erow[DFP_ENGINE_BURST_MAX * ROW_MAX];
	double t0, t_build, t_engine = 0, t_oracle = 0;
	uint64_t compared = 0, hits = 0, mismatches = 0, bad_rows = 0;
	struct dfp_engine_ruleset *rs = NULL;
	struct dfp_engine *eng = NULL;
	uint32_t done = 0, distinct = 0;
	uint64_t *ids;
	uint8_t *seen;
	uint32_t *all;
	struct oracle *o;
	struct gen_run run;
	uint32_t i;

	assert_int_equal(gen_run_init(&run, layer, rp), 0);
	all = malloc(run.n_filters * sizeof(*all));
	ids = malloc(run.n_filters * sizeof(*ids));
	seen = calloc(run.n_filters, 1);
	assert_non_null(all);
	assert_non_null(ids);
	assert_non_null(seen);
	for (i = 0; i < run.n_filters; i++)
		all[i] = i;
	t0 = now_s();
	build_engine(&run, all, run.n_filters, &eng, &rs);
	t_build = now_s() - t0;
	o = build_oracle(&run, all, run.n_filters);
	assert_int_equal(dfp_engine_ruleset_filter_count(rs, layer), run.n_filters);
	for (i = 0; i < run.n_filters; i++)
		ids[i] = run.filters[i].id;
	qsort(ids, run.n_filters, sizeof(*ids), id_order);

	while (done < rp->n_packets) {
		unsigned int n = 1 + (unsigned int)gen_rng_below(&run.rng, DFP_ENGINE_BURST_MAX);
		unsigned int elen, k, j;

		if (n > rp->n_packets - done)
			n = rp->n_packets - done;
		for (k = 0; k < n; k++) {
			gen_packet(&run, &burst[k]);
			vp[k] = &burst[k];
		}
		t0 = now_s();
		elen = dfp_engine_match_burst(rs, layer, vp, n, ROW_MAX, erow);
		t_engine += now_s() - t0;
		for (k = 0; k < n; k++) {
			uint64_t orow[ROW_MAX];
			const uint64_t *row = &erow[k * ROW_MAX];
			unsigned int olen;
			bool bad;

			t0 = now_s();
			olen = oracle_match(o, &burst[k], ROW_MAX, orow);
			t_oracle += now_s() - t0;
			bad = olen != elen;
			for (j = 0; j < olen && j < elen && j < ROW_MAX; j++) {
				compared++;
				if (row[j] != orow[j]) {
					bad = true;
					bad_rows++;
				}
				if (orow[j] != 0)
					hits++;
			}
			if (bad) {
				if (mismatches < MAX_REPORTS)
					report_mismatch(&run, o, &burst[k], done + k, elen,
						row, olen, orow);
				if (mismatches == 0)
					shrink_and_report(&run, &burst[k]);
				mismatches++;
			}
			for (j = 0; j < olen && j < ROW_MAX; j++) {
				const uint64_t *hit;

				if (orow[j] == 0)
					continue;
				hit = bsearch(&orow[j], ids, run.n_filters, sizeof(*ids), id_order);
				if (hit != NULL && !seen[hit - ids]) {
					seen[hit - ids] = 1;
					distinct++;
				}
			}
		}
		done += n;
	}
	printf("[ oracle ] %s seed 0x%" PRIx64 ": %u filters, %u packets, %" PRIu64
		" rows compared, %" PRIu64 " agree, %" PRIu64 " hits, %u distinct winners; "
		"build %.2fs, engine %.3fs, oracle %.2fs\n",
		dfp_engine_layer_name(layer), rp->seed, run.n_filters, rp->n_packets, compared,
		compared - bad_rows, hits, distinct, t_build, t_engine, t_oracle);
	oracle_destroy(o);
	finish_engine(eng, rs);
	free(seen);
	free(ids);
	free(all);
	gen_run_free(&run);
	if (mismatches != 0)
		fprintf(stderr, "seed 0x%" PRIx64 ": %" PRIu64 " packets disagree\n", rp->seed,
			mismatches);
	assert_int_equal(mismatches, 0);
	/* The packets must exercise the rules, or agreement proves little. */
	assert_true(hits * 4 > compared);
	assert_true(distinct * 4 > run.n_filters || distinct > 500);
}

static const struct gen_params rounds[] = {
	/* Many filters, ties common. */
	{.seed = 0x5eed0001, .n_filters = 3000, .n_packets = 20000, .tie_pool = 8},
	/* Fewer filters, almost all tied: the id tie-break decides. */
	{.seed = 0x5eed0002, .n_filters = 400, .n_packets = 10000, .tie_pool = 2},
	/* A small set, where single filters decide. */
	{.seed = 0x5eed0003, .n_filters = 40, .n_packets = 5000, .tie_pool = 4},
};

static void
run_rounds(uint16_t layer)
{
	const char *env = getenv("DFP_ORACLE_SEED");
	unsigned int i;

	if (env != NULL) {
		/*
		 * Reproduce one round: DFP_ORACLE_SEED=<seed> with the first round's
		 * sizes, or DFP_ORACLE_FILTERS / DFP_ORACLE_PACKETS.
		 */
		struct gen_params rp = rounds[0];

		rp.seed = strtoull(env, NULL, 0);
		if (getenv("DFP_ORACLE_FILTERS") != NULL)
			rp.n_filters = (uint32_t)strtoul(getenv("DFP_ORACLE_FILTERS"), NULL, 0);
		if (getenv("DFP_ORACLE_PACKETS") != NULL)
			rp.n_packets = (uint32_t)strtoul(getenv("DFP_ORACLE_PACKETS"), NULL, 0);
		run_round(layer, &rp);
		return;
	}
	for (i = 0; i < sizeof(rounds) / sizeof(rounds[0]); i++)
		run_round(layer, &rounds[i]);
}

/* ---- Incremental commits ---- */

/* Did the layer's last compile build on the previous one (delta.c)? */
static bool
layer_is_incremental(const struct dfp_engine_ruleset *rs, uint16_t layer)
{
	return rs->layers[layer] != NULL && rs->layers[layer]->lookup->origin != NULL;
}

/* Packets compared and rows that disagree with an oracle of filters[idx[0..n-1]]. */
static uint64_t
disagreements(struct gen_run *run, struct dfp_engine_ruleset *rs, const uint32_t *idx, uint32_t n,
		uint32_t n_packets)
{
	const struct dfp_engine_values *vp[DFP_ENGINE_BURST_MAX];
	struct dfp_engine_values burst[DFP_ENGINE_BURST_MAX];
	uint64_t erow[DFP_ENGINE_BURST_MAX * ROW_MAX];
	struct oracle *o = build_oracle(run, idx, n);
	uint64_t bad_packets = 0;
	uint32_t done = 0;

	while (done < n_packets) {
		unsigned int m = RTE_MIN(n_packets - done, (uint32_t)DFP_ENGINE_BURST_MAX);
		unsigned int elen, k, j;

		for (k = 0; k < m; k++) {
			gen_packet(run, &burst[k]);
			vp[k] = &burst[k];
		}
		elen = dfp_engine_match_burst(rs, run->layer, vp, m, ROW_MAX, erow);
		for (k = 0; k < m; k++) {
			uint64_t orow[ROW_MAX];
			unsigned int olen = oracle_match(o, &burst[k], ROW_MAX, orow);
			bool bad = olen != elen;

			for (j = 0; j < olen && j < elen && j < ROW_MAX; j++)
				bad |= erow[k * ROW_MAX + j] != orow[j];
			if (bad && bad_packets++ < MAX_REPORTS)
				report_mismatch(run, o, &burst[k], done + k, elen, &erow[k * ROW_MAX],
					olen, orow);
		}
		done += m;
	}
	oracle_destroy(o);
	return bad_packets;
}

/* Commit the open transaction: the new ruleset replaces *rs. */
static void
commit(struct dfp_engine *eng, struct dfp_engine_ruleset **rs)
{
	struct dfp_engine_ruleset *next = NULL;

	assert_int_equal(dfp_engine_txn_prepare(eng, &next), DFP_STATUS_SUCCESS);
	assert_non_null(next);
	dfp_engine_txn_finish(eng, next, *rs);
	*rs = next;
}

/*
 * Three quarters of a random set committed in full, then the rest in
 * commits of a few dozen filters (one sublayer appears only there, so the
 * sublayers are renumbered), then an added filter deleted: each of those
 * commits builds on the full compile and every packet's row equals the
 * oracle's. Deleting a filter of the full compile compiles in full again.
 */
static void
run_incremental_round(uint16_t layer, const struct gen_params *rp)
{
	struct dfp_engine_params params = {.incremental_min = 1};
	struct dfp_engine_ruleset *rs = NULL;
	uint32_t *live, n_live = 0, n_base, n_full, i, k, commits = 0, fulls = 0;
	uint32_t *rest, n_rest = 0;
	struct dfp_engine *eng;
	struct gen_run run;
	int late = -1;

	assert_int_equal(gen_run_init(&run, layer, rp), 0);
	live = malloc(run.n_filters * sizeof(*live));
	rest = malloc(run.n_filters * sizeof(*rest));
	assert_non_null(live);
	assert_non_null(rest);
	/*
	 * The heaviest added sublayer only gets filters in the incremental
	 * commits: when it appears, every other sublayer's index moves.
	 */
	for (i = 0; i < run.n_sublayers; i++)
		if (!run.sublayers[i].builtin &&
				(late < 0 || run.sublayers[i].weight > run.sublayers[late].weight))
			late = (int)i;
	for (i = 0; i < run.n_filters; i++) {
		if (i < run.n_filters * 3 / 4 && run.filters[i].sublayer != late)
			live[n_live++] = i;
		else
			rest[n_rest++] = i;
	}
	n_base = n_live;
	n_full = n_live;
	eng = engine_new(&run, &params);
	add_filters(&run, eng, live, n_live);
	commit(eng, &rs);
	assert_false(layer_is_incremental(rs, layer));
	assert_int_equal(disagreements(&run, rs, live, n_live, rp->n_packets / 4), 0);

	/* The rest in commits small enough to stay incremental. */
	for (i = 0; i < n_rest; i += k) {
		k = RTE_MIN(n_rest - i, 1 + (uint32_t)gen_rng_below(&run.rng, 40));
		assert_int_equal(dfp_engine_txn_begin(eng), DFP_STATUS_SUCCESS);
		add_filters(&run, eng, &rest[i], k);
		memcpy(&live[n_live], &rest[i], k * sizeof(*live));
		n_live += k;
		commit(eng, &rs);
		commits++;
		/* Beyond 1/16 of the full compile (at least 64) added, it compiles in full. */
		if (n_live - n_full <= RTE_MAX(64u, n_full / 16)) {
			assert_true(layer_is_incremental(rs, layer));
		} else {
			assert_false(layer_is_incremental(rs, layer));
			n_full = n_live;
			fulls++;
		}
		assert_int_equal(dfp_engine_ruleset_filter_count(rs, layer), n_live);
		assert_int_equal(disagreements(&run, rs, live, n_live, rp->n_packets / 8), 0);
	}
	/* An added filter deleted: still on the full compile. */
	if (n_live > n_full) {
		assert_int_equal(dfp_engine_txn_begin(eng), DFP_STATUS_SUCCESS);
		assert_int_equal(dfp_engine_filter_delete_by_id(eng, run.filters[live[n_live - 1]].id),
			DFP_STATUS_SUCCESS);
		n_live--;
		commit(eng, &rs);
		assert_true(layer_is_incremental(rs, layer));
		assert_int_equal(disagreements(&run, rs, live, n_live, rp->n_packets / 8), 0);
	}
	/* A filter of the full compile deleted: compiled in full again. */
	assert_int_equal(dfp_engine_txn_begin(eng), DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_engine_filter_delete_by_id(eng, run.filters[live[0]].id),
		DFP_STATUS_SUCCESS);
	memmove(&live[0], &live[1], (n_live - 1) * sizeof(*live));
	n_live--;
	commit(eng, &rs);
	assert_false(layer_is_incremental(rs, layer));
	assert_int_equal(disagreements(&run, rs, live, n_live, rp->n_packets / 4), 0);
	printf("[ oracle ] %s seed 0x%" PRIx64 ": %u filters in full, %u more in %u commits "
		"(%u of them compiled in full), then deletes; every row agreed\n",
		dfp_engine_layer_name(layer), rp->seed, n_base, n_rest, commits, fulls);
	assert_true(commits > fulls);

	dfp_engine_destroy(eng);
	free(rest);
	free(live);
	gen_run_free(&run);
}

static void
test_incremental_commits_agree_with_the_oracle(void **state)
{
	static const struct gen_params rp[] = {
		{.seed = 0x1ac0001, .n_filters = 1600, .n_packets = 8000, .tie_pool = 8},
		{.seed = 0x1ac0002, .n_filters = 300, .n_packets = 4000, .tie_pool = 2},
	};
	unsigned int i;

	(void)state;
	for (i = 0; i < RTE_DIM(rp); i++) {
		run_incremental_round(DFP_LAYER_INBOUND_TRANSPORT_V4, &rp[i]);
		run_incremental_round(DFP_LAYER_DATAGRAM_DATA_V6, &rp[i]);
	}
	run_incremental_round(DFP_LAYER_INBOUND_MAC_FRAME_ETHERNET, &rp[0]);
}

/* One condition, one packet, through a one-rule oracle. */
static bool
oracle_says(unsigned int family, const struct dfp_engine_cond *c, unsigned int n,
		const struct dfp_engine_values *v)
{
	struct oracle_cond oc[4];
	struct oracle *o = oracle_create(family);
	uint64_t row[1];
	unsigned int i;

	assert_non_null(o);
	for (i = 0; i < n; i++)
		oracle_cond_from_engine(&c[i], &oc[i]);
	assert_int_equal(oracle_rule_add(o, oracle_sublayer_add(o, 1), 7, 0, n, oc), 0);
	oracle_prepare(o);
	assert_int_equal(oracle_match(o, v, 1, row), 1);
	oracle_destroy(o);
	return row[0] == 7;
}

static struct dfp_engine_cond
cond(enum dfp_field f, enum dfp_match m, uint64_t hi, uint64_t lo, int prefix)
{
	struct dfp_engine_cond c;

	memset(&c, 0, sizeof(c));
	c.field = (uint16_t)f;
	c.match = (uint16_t)m;
	c.value.hi = hi;
	c.value.lo = lo;
	if (prefix >= 0) {
		c.has_prefix = 1;
		c.prefix_len = (uint8_t)prefix;
	}
	return c;
}

/* The oracle itself, on hand-computed cases: it must be right before it judges. */
static void
test_oracle_evaluates_every_match_type_by_hand(void **state)
{
	struct dfp_engine_values v;
	struct dfp_engine_cond c[3];
	unsigned int i;

	(void)state;
	memset(&v, 0, sizeof(v));
	v.remote_addr.v4 = 0x0a010203; /* 10.1.2.3 */
	v.local_port = 80;
	v.flags = 0x21;
	v.ip_protocol = 6;

	c[0] = cond(DFP_FIELD_IP_REMOTE_ADDRESS, DFP_MATCH_EQUAL, 0, 0x0a000000, 8);
	assert_true(oracle_says(4, c, 1, &v));
	c[0] = cond(DFP_FIELD_IP_REMOTE_ADDRESS, DFP_MATCH_EQUAL, 0, 0x0a0102ff, 24);
	assert_true(oracle_says(4, c, 1, &v)); /* Host bits of the operand do not count. */
	c[0] = cond(DFP_FIELD_IP_REMOTE_ADDRESS, DFP_MATCH_EQUAL, 0, 0x0a010300, 24);
	assert_false(oracle_says(4, c, 1, &v));
	c[0] = cond(DFP_FIELD_IP_REMOTE_ADDRESS, DFP_MATCH_EQUAL, 0, 0xffffffff, 0);
	assert_true(oracle_says(4, c, 1, &v));
	c[0] = cond(DFP_FIELD_IP_REMOTE_ADDRESS, DFP_MATCH_NOT_EQUAL, 0, 0x0a000000, 8);
	assert_false(oracle_says(4, c, 1, &v));
	c[0] = cond(DFP_FIELD_IP_REMOTE_ADDRESS, DFP_MATCH_NOT_EQUAL, 0, 0x0b000000, 8);
	assert_true(oracle_says(4, c, 1, &v));
	c[0] = cond(DFP_FIELD_IP_REMOTE_ADDRESS, DFP_MATCH_EQUAL, 0, 0x0a010203, -1);
	assert_true(oracle_says(4, c, 1, &v));
	c[0] = cond(DFP_FIELD_IP_LOCAL_PORT, DFP_MATCH_GREATER, 0, 80, -1);
	assert_false(oracle_says(4, c, 1, &v));
	c[0] = cond(DFP_FIELD_IP_LOCAL_PORT, DFP_MATCH_GREATER, 0, 79, -1);
	assert_true(oracle_says(4, c, 1, &v));
	c[0] = cond(DFP_FIELD_IP_LOCAL_PORT, DFP_MATCH_GREATER_OR_EQUAL, 0, 80, -1);
	assert_true(oracle_says(4, c, 1, &v));
	c[0] = cond(DFP_FIELD_IP_LOCAL_PORT, DFP_MATCH_LESS, 0, 80, -1);
	assert_false(oracle_says(4, c, 1, &v));
	c[0] = cond(DFP_FIELD_IP_LOCAL_PORT, DFP_MATCH_LESS_OR_EQUAL, 0, 80, -1);
	assert_true(oracle_says(4, c, 1, &v));
	c[0] = cond(DFP_FIELD_IP_LOCAL_PORT, DFP_MATCH_NOT_EQUAL, 0, 80, -1);
	assert_false(oracle_says(4, c, 1, &v));
	for (i = 0; i < 3; i++) {
		/* Inclusive at both ends: [80,90], [70,80], [81,90]. */
		static const uint64_t lo[] = {80, 70, 81}, hi[] = {90, 80, 90};

		c[0] = cond(DFP_FIELD_IP_LOCAL_PORT, DFP_MATCH_RANGE, 0, lo[i], -1);
		c[0].high.lo = hi[i];
		assert_true(oracle_says(4, c, 1, &v) == (i < 2));
	}
	c[0] = cond(DFP_FIELD_FLAGS, DFP_MATCH_FLAGS_ALL_SET, 0, 0x21, -1);
	assert_true(oracle_says(4, c, 1, &v));
	c[0] = cond(DFP_FIELD_FLAGS, DFP_MATCH_FLAGS_ALL_SET, 0, 0x23, -1);
	assert_false(oracle_says(4, c, 1, &v));
	c[0] = cond(DFP_FIELD_FLAGS, DFP_MATCH_FLAGS_ANY_SET, 0, 0x03, -1);
	assert_true(oracle_says(4, c, 1, &v));
	c[0] = cond(DFP_FIELD_FLAGS, DFP_MATCH_FLAGS_ANY_SET, 0, 0, -1);
	assert_false(oracle_says(4, c, 1, &v));
	c[0] = cond(DFP_FIELD_FLAGS, DFP_MATCH_FLAGS_NONE_SET, 0, 0x06, -1);
	assert_true(oracle_says(4, c, 1, &v));
	c[0] = cond(DFP_FIELD_FLAGS, DFP_MATCH_FLAGS_NONE_SET, 0, 0x01, -1);
	assert_false(oracle_says(4, c, 1, &v));

	/* Same field OR-ed even when not adjacent; different fields AND-ed; none = all. */
	c[0] = cond(DFP_FIELD_IP_LOCAL_PORT, DFP_MATCH_EQUAL, 0, 81, -1);
	c[1] = cond(DFP_FIELD_IP_PROTOCOL, DFP_MATCH_EQUAL, 0, 6, -1);
	c[2] = cond(DFP_FIELD_IP_LOCAL_PORT, DFP_MATCH_EQUAL, 0, 80, -1);
	assert_true(oracle_says(4, c, 3, &v));
	c[1] = cond(DFP_FIELD_IP_PROTOCOL, DFP_MATCH_EQUAL, 0, 17, -1);
	assert_false(oracle_says(4, c, 3, &v));
	assert_true(oracle_says(4, c, 0, &v));

	/* IPv6: 2001:db8::1 against prefixes across the 64-bit halves. */
	memset(&v, 0, sizeof(v));
	v.local_addr.v6[0] = 0x20;
	v.local_addr.v6[1] = 0x01;
	v.local_addr.v6[2] = 0x0d;
	v.local_addr.v6[3] = 0xb8;
	v.local_addr.v6[15] = 0x01;
	c[0] = cond(DFP_FIELD_IP_LOCAL_ADDRESS, DFP_MATCH_EQUAL, UINT64_C(0x20010db800000000), 0,
		32);
	assert_true(oracle_says(6, c, 1, &v));
	c[0] = cond(DFP_FIELD_IP_LOCAL_ADDRESS, DFP_MATCH_EQUAL, UINT64_C(0x20010db800000000), 1,
		128);
	assert_true(oracle_says(6, c, 1, &v));
	c[0] = cond(DFP_FIELD_IP_LOCAL_ADDRESS, DFP_MATCH_EQUAL, UINT64_C(0x20010db800000000),
		UINT64_C(0x8000000000000000), 65);
	assert_false(oracle_says(6, c, 1, &v));
	c[0] = cond(DFP_FIELD_IP_LOCAL_ADDRESS, DFP_MATCH_GREATER, UINT64_C(0x20010db7ffffffff),
		UINT64_MAX, -1);
	assert_true(oracle_says(6, c, 1, &v));
	/* The v4 member is not read at a v6 layer. */
	c[0] = cond(DFP_FIELD_IP_LOCAL_ADDRESS, DFP_MATCH_LESS, 0, 0xffffffff, -1);
	assert_false(oracle_says(6, c, 1, &v));

	/* MAC: 02:00:00:00:00:2a as the 48-bit number 0x02000000002a. */
	memset(&v, 0, sizeof(v));
	v.remote_mac[0] = 0x02;
	v.remote_mac[5] = 0x2a;
	c[0] = cond(DFP_FIELD_MAC_REMOTE_ADDRESS, DFP_MATCH_EQUAL, 0, UINT64_C(0x02000000002a), -1);
	assert_true(oracle_says(0, c, 1, &v));
	c[0] = cond(DFP_FIELD_MAC_REMOTE_ADDRESS, DFP_MATCH_LESS, 0, UINT64_C(0x02000000002a), -1);
	assert_false(oracle_says(0, c, 1, &v));
}

static void
test_oracle_agrees_on_random_v4_rules(void **state)
{
	(void)state;
	run_rounds(DFP_LAYER_INBOUND_TRANSPORT_V4);
}

static void
test_oracle_agrees_on_random_v6_rules(void **state)
{
	(void)state;
	run_rounds(DFP_LAYER_DATAGRAM_DATA_V6);
}

static void
test_oracle_agrees_on_random_mac_layer(void **state)
{
	(void)state;
	run_rounds(DFP_LAYER_INBOUND_MAC_FRAME_ETHERNET);
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
		cmocka_unit_test(test_oracle_evaluates_every_match_type_by_hand),
		cmocka_unit_test(test_oracle_agrees_on_random_v4_rules),
		cmocka_unit_test(test_oracle_agrees_on_random_v6_rules),
		cmocka_unit_test(test_oracle_agrees_on_random_mac_layer),
		cmocka_unit_test(test_incremental_commits_agree_with_the_oracle),
	};

	/* DFP_TEST_FILTER=<glob> runs a subset (cmocka's own filter syntax). */
	if (getenv("DFP_TEST_FILTER") != NULL)
		cmocka_set_test_filter(getenv("DFP_TEST_FILTER"));
	return cmocka_run_group_tests(tests, group_setup, NULL);
}
