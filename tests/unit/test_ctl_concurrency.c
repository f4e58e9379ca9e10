/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The publication proof (STYLE §9, spec §8.2 [port]): one control thread
 * commits new rule bases in a loop while reader threads classify bursts.
 * Every reader must see the old rule base or the new one, never a mix, and
 * never a filter that was reclaimed.
 *
 * Rule base g (g = the generation of the ruleset that publishes it) has, at
 * INBOUND_TRANSPORT_V4:
 *   sublayer HI: inspection callout filter, context g, match all;
 *                static soft PERMIT, match all;
 *   sublayer LO: inspection callout filter, context g, match all;
 *                static BLOCK for local port (g & 0xff);
 *                a few static BLOCKs that never match (compiler load).
 * Weights encode g too. The invoke hook records, per packet, the context of
 * the inspection filter it saw in each sublayer. For every burst the reader
 * loads the published pointer once and checks that each packet saw exactly
 * one inspection filter per sublayer, both carrying the ruleset's own
 * generation, that the verdict is g's (BLOCK iff port == g & 0xff), and that
 * g never goes backwards. The DELETE_FILTER notification, sent only after
 * the grace period, overwrites the filter's context with a poison value: a
 * reader that saw it would have used a reclaimed filter. The ASan and TSan
 * builds (tests/sanitize/run.sh) check the same run for use-after-free and
 * data races.
 *
 * Bounded by commit count and wall time: DFP_TEST_CONCURRENCY_MS (default
 * 4000) caps the writer loop so sanitizer builds stay within the timeout.
 */
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "dfp_ctl.h"
#include "dfp_thread.h"
#include "test_eal.h"
#include "test_engine_fixture.h"

#define N_READERS 2
#define BURST 32
#define TARGET_COMMITS 500
#define MIN_COMMITS 20         /* Required even when the time cap is hit (TSan on a loaded 2-core machine managed 82). */
#define DEFAULT_TIME_MS 4000
#define N_NOISE 4
#define W_HI 0x9000
#define W_LO 0x0100
#define POISON UINT64_C(0xdeadbeefdeadbeef)

struct pkt_rec {
	uint64_t ctx_hi;
	uint64_t ctx_lo;
	uint32_t n_hi;
	uint32_t n_lo;
	uint32_t n_other;
};

struct shared {
	struct dfp_ctl *ctl;
	struct dfp_engine_ruleset *const *slot;
	int stop;                 /* Set with release by the writer when done. */
	uint64_t poison_seen;     /* Filters seen after DELETE (atomic add). */
};

struct reader {
	struct shared *sh;
	unsigned int id;
	pthread_t th;
	struct dfp_engine_classify_env env;
	/* Results, read by the main thread after join. */
	uint64_t bursts;
	uint64_t gens_seen;       /* Distinct generations observed. */
	uint64_t first_g, last_g;
	uint64_t errors;
	uint64_t offline_rounds;
	char msg[256];            /* First error. */
};

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static uint64_t
time_limit_ms(void)
{
	const char *s = getenv("DFP_TEST_CONCURRENCY_MS");
	long v = s != NULL ? strtol(s, NULL, 10) : 0;

	return v > 0 ? (uint64_t)v : DEFAULT_TIME_MS;
}

/* EAL pins the main thread to one CPU and threads inherit it: spread out. */
static void
unpin(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	cpu_set_t set;
	long i;

	CPU_ZERO(&set);
	for (i = 0; i < n && i < CPU_SETSIZE; i++)
		CPU_SET(i, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

/* ---- Callout side: notify (control thread) and invoke (readers) ---- */

static dfp_status_t
notify(void *ctx, enum dfp_notify_type type, const struct dfp_guid *key,
		struct dfp_engine_filter_rt *filter)
{
	(void)ctx;
	(void)key;
	/* After the grace period no reader may still look at this filter. */
	if (type == DFP_NOTIFY_DELETE_FILTER)
		filter->context = POISON;
	return DFP_STATUS_SUCCESS;
}

static enum dfp_engine_invoke_result
invoke(void *env_ctx, const struct dfp_engine_filter_rt *filter,
		const struct dfp_engine_values *values, void *pkt_ctx, struct dfp_classify_out *out)
{
	struct reader *r = env_ctx;
	struct pkt_rec *rec = pkt_ctx;

	(void)values;
	if (filter->context == POISON)
		__atomic_fetch_add(&r->sh->poison_seen, 1, __ATOMIC_RELAXED);
	if (filter->sublayer_weight == W_HI) {
		rec->ctx_hi = filter->context;
		rec->n_hi++;
	} else if (filter->sublayer_weight == W_LO) {
		rec->ctx_lo = filter->context;
		rec->n_lo++;
	} else {
		rec->n_other++;
	}
	out->action_type = DFP_ACTION_CONTINUE;
	return DFP_ENGINE_INVOKE_CALLED;
}

/* ---- Readers ---- */

static void __attribute__((format(printf, 2, 3)))
reader_fail(struct reader *r, const char *fmt, ...)
{
	va_list ap;

	if (r->errors++ > 0)
		return;
	va_start(ap, fmt);
	vsnprintf(r->msg, sizeof(r->msg), fmt, ap);
	va_end(ap);
}

static void
check_burst(struct reader *r, const struct dfp_engine_ruleset *rs,
		const struct dfp_engine_values *v, const struct pkt_rec *rec,
		const struct dfp_engine_verdict *out)
{
	uint64_t g = dfp_engine_ruleset_generation(rs);
	unsigned int i;

	if (g < r->last_g)
		reader_fail(r, "generation went back: %" PRIu64 " after %" PRIu64, g, r->last_g);
	if (g != r->last_g) {
		r->gens_seen++;
		if (r->first_g == 0)
			r->first_g = g;
	}
	r->last_g = g;
	for (i = 0; i < BURST; i++) {
		uint32_t want = v[i].local_port == (g & 0xff) ? DFP_ACTION_BLOCK : DFP_ACTION_PERMIT;

		if (rec[i].n_hi != 1 || rec[i].n_lo != 1 || rec[i].n_other != 0) {
			reader_fail(r, "gen %" PRIu64 " pkt %u: %u/%u/%u inspection calls (hi/lo/other)",
				g, i, rec[i].n_hi, rec[i].n_lo, rec[i].n_other);
			continue;
		}
		if (rec[i].ctx_hi != g || rec[i].ctx_lo != g)
			reader_fail(r, "gen %" PRIu64 " pkt %u: saw filters of generations %" PRIu64
				" and %" PRIu64, g, i, rec[i].ctx_hi, rec[i].ctx_lo);
		if (out[i].action != want)
			reader_fail(r, "gen %" PRIu64 " pkt %u port %u: verdict 0x%x, want 0x%x", g, i,
				v[i].local_port, out[i].action, want);
	}
}

static void *
reader_main(void *arg)
{
	const struct dfp_engine_values *vals[BURST];
	struct dfp_engine_values v[BURST];
	struct dfp_engine_verdict out[BURST];
	struct pkt_rec rec[BURST];
	void *ctxs[BURST];
	struct reader *r = arg;
	uint64_t loop = 0;
	unsigned int i;

	unpin();
	if (dfp_ctl_reader_register(r->sh->ctl, r->id) != DFP_STATUS_SUCCESS) {
		reader_fail(r, "reader_register failed");
		return NULL;
	}
	for (i = 0; i < BURST; i++) {
		memset(&v[i], 0, sizeof(v[i]));
		v[i].ip_protocol = 6;
		v[i].remote_addr.v4 = fx_ip4(192, 0, 2, 1);
		vals[i] = &v[i];
		ctxs[i] = &rec[i];
	}
	while (!__atomic_load_n(&r->sh->stop, __ATOMIC_ACQUIRE)) {
		const struct dfp_engine_ruleset *rs;

		for (i = 0; i < BURST; i++)
			v[i].local_port = (uint16_t)((loop * 7 + i * 13 + r->id) & 0xff);
		memset(rec, 0, sizeof(rec));
		/* One snapshot per burst. */
		rs = dfp_ctl_ruleset_get(r->sh->slot);
		dfp_engine_classify_burst(rs, FX_L4, vals, ctxs, BURST, &r->env, out);
		check_burst(r, rs, v, rec, out);
		r->bursts++;
		dfp_ctl_reader_quiescent(r->sh->ctl, r->id);
		/* Now and then go offline, as a worker does before it waits. */
		if (++loop % 256 == 0) {
			dfp_ctl_reader_offline(r->sh->ctl, r->id);
			sched_yield();
			dfp_ctl_reader_online(r->sh->ctl, r->id);
			r->offline_rounds++;
		}
	}
	dfp_ctl_reader_unregister(r->sh->ctl, r->id);
	return NULL;
}

/* ---- Writer ---- */

struct base {
	struct dfp_guid hi, lo, co;
	uint64_t ids[4 + N_NOISE];
	unsigned int n_ids;
};

static void
add_filter(struct dfp_ctl_session *s, struct base *b, struct dfp_engine_filter_spec *f)
{
	assert_int_equal(dfp_ctl_filter_add(s, f, &b->ids[b->n_ids]), DFP_STATUS_SUCCESS);
	b->n_ids++;
}

/* Replace the whole rule base with generation g's, in one transaction. */
static void
commit_generation(struct dfp_ctl *ctl, struct dfp_ctl_session *s, struct base *b, uint64_t g)
{
	struct dfp_engine_cond port = fx_cond(DFP_FIELD_IP_LOCAL_PORT, DFP_MATCH_EQUAL, g & 0xff);
	struct dfp_engine_cond noise;
	struct dfp_engine_filter_spec f;
	unsigned int i;

	assert_int_equal(dfp_ctl_txn_begin(s, 0), DFP_STATUS_SUCCESS);
	for (i = 0; i < b->n_ids; i++)
		assert_int_equal(dfp_ctl_filter_delete_by_id(s, b->ids[i]), DFP_STATUS_SUCCESS);
	b->n_ids = 0;

	f = fx_spec_w("insp-hi", FX_L4, DFP_ACTION_CALLOUT_INSPECTION, (g << 8) | 2);
	f.sublayer_key = b->hi;
	f.callout_key = b->co;
	f.raw_context = g;
	add_filter(s, b, &f);
	f = fx_spec_w("permit-hi", FX_L4, DFP_ACTION_PERMIT, (g << 8) | 1);
	f.sublayer_key = b->hi;
	add_filter(s, b, &f);
	f = fx_spec_w("insp-lo", FX_L4, DFP_ACTION_CALLOUT_INSPECTION, (g << 8) | 3);
	f.sublayer_key = b->lo;
	f.callout_key = b->co;
	f.raw_context = g;
	add_filter(s, b, &f);
	f = fx_spec_w("block-lo", FX_L4, DFP_ACTION_BLOCK, (g << 8) | 1);
	f.sublayer_key = b->lo;
	f.conds = &port;
	f.n_conds = 1;
	add_filter(s, b, &f);
	for (i = 0; i < N_NOISE; i++) {
		noise = fx_cond_prefix(DFP_FIELD_IP_REMOTE_ADDRESS,
			fx_u128(fx_ip4(10, (unsigned int)(g & 0xff), i, 0)), 24);
		f = fx_spec_w("noise", FX_L4, DFP_ACTION_BLOCK, (g << 8) | (4 + i));
		f.sublayer_key = (i & 1) ? b->hi : b->lo;
		f.conds = &noise;
		f.n_conds = 1;
		add_filter(s, b, &f);
	}
	assert_int_equal(dfp_ctl_txn_commit(s), DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_ctl_generation(ctl), g);
}

struct conc {
	struct dfp_ctl *ctl;
	struct dfp_ctl_session *s;
	struct base base;
	struct shared sh;
	struct reader readers[N_READERS];
	unsigned int n_started;   /* Readers to stop and join in teardown. */
};

/* Stop and join the readers (also after a failed assertion in the writer). */
static void
stop_readers(struct conc *c)
{
	__atomic_store_n(&c->sh.stop, 1, __ATOMIC_RELEASE);
	while (c->n_started > 0)
		pthread_join(c->readers[--c->n_started].th, NULL);
}

static int
conc_setup(void **state)
{
	struct dfp_engine_sublayer_spec hi = {.name = "hi", .weight = W_HI};
	struct dfp_engine_sublayer_spec lo = {.name = "lo", .weight = W_LO};
	struct dfp_engine_callout_spec co = {.name = "rec", .layer_id = FX_L4};
	struct conc *c = calloc(1, sizeof(*c));
	struct dfp_ctl_params p;

	assert_non_null(c);
	memset(&p, 0, sizeof(p));
	p.engine.notify = notify;
	p.max_readers = N_READERS + 1;
	assert_int_equal(dfp_ctl_create(&p, &c->ctl), DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_ctl_session_open(c->ctl, 0, &c->s), DFP_STATUS_SUCCESS);
	hi.key = fx_guid_n(1);
	lo.key = fx_guid_n(2);
	co.key = fx_guid_n(3);
	assert_int_equal(dfp_ctl_sublayer_add(c->s, &hi, &c->base.hi), DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_ctl_sublayer_add(c->s, &lo, &c->base.lo), DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_ctl_callout_add(c->s, &co, NULL), DFP_STATUS_SUCCESS);
	c->base.co = co.key;
	c->sh.ctl = c->ctl;
	c->sh.slot = dfp_ctl_ruleset_slot(c->ctl);
	*state = c;
	return 0;
}

static int
conc_teardown(void **state)
{
	struct conc *c = *state;

	stop_readers(c);
	dfp_ctl_destroy(c->ctl);
	free(c);
	return 0;
}

static void
test_ctl_readers_see_whole_generations_while_writer_commits(void **state)
{
	struct conc *c = *state;
	struct reader *readers = c->readers;
	uint64_t limit = time_limit_ms();
	uint64_t t0, g = 0, commits = 0;
	bool timed_out = false;
	unsigned int i;

	/* The writer competes with the readers for CPUs like any thread. */
	unpin();
	/* Generation 1 of the rule base exists before the readers start. */
	commit_generation(c->ctl, c->s, &c->base, dfp_ctl_generation(c->ctl) + 1);
	for (i = 0; i < N_READERS; i++) {
		readers[i].sh = &c->sh;
		readers[i].id = i;
		readers[i].env.invoke = invoke;
		readers[i].env.ctx = &readers[i];
		assert_int_equal(pthread_create(&readers[i].th, NULL, reader_main, &readers[i]), 0);
		c->n_started++;
	}
	t0 = now_ms();
	while (commits < TARGET_COMMITS) {
		if (now_ms() - t0 > limit) {
			timed_out = true;
			break;
		}
		g = dfp_ctl_generation(c->ctl) + 1;
		commit_generation(c->ctl, c->s, &c->base, g);
		commits++;
	}
	stop_readers(c);

	print_message("concurrency: %" PRIu64 " commits in %" PRIu64 " ms%s\n", commits,
		now_ms() - t0, timed_out ? " (time cap)" : "");
	for (i = 0; i < N_READERS; i++) {
		struct reader *r = &readers[i];

		print_message("  reader %u: %" PRIu64 " bursts, %" PRIu64 " generations (%" PRIu64
			"..%" PRIu64 "), %" PRIu64 " offline rounds, %" PRIu64 " errors%s%s\n",
			i, r->bursts, r->gens_seen, r->first_g, r->last_g, r->offline_rounds,
			r->errors, r->errors ? ": " : "", r->msg);
		assert_int_equal(r->errors, 0);
		assert_true(r->bursts > 0);
		/* The reader really overlapped with the writer. */
		assert_true(r->gens_seen >= 2);
		assert_true(r->last_g <= g);
	}
	assert_int_equal(__atomic_load_n(&c->sh.poison_seen, __ATOMIC_RELAXED), 0);
	assert_true(commits >= (timed_out ? MIN_COMMITS : TARGET_COMMITS));
}

/* ---- The grace period waits for a reader that holds the old ruleset ---- */

struct holder {
	struct shared *sh;
	const struct dfp_engine_ruleset *held;
	int state;                /* 1: holding, 2: told to release, 3: released. */
	const int *commit_done;   /* Unregister only once the commit returned. */
};

static void *
holder_main(void *arg)
{
	struct holder *h = arg;

	unpin();
	if (dfp_ctl_reader_register(h->sh->ctl, 0) != DFP_STATUS_SUCCESS)
		return NULL;
	h->held = dfp_ctl_ruleset_get(h->sh->slot);
	__atomic_store_n(&h->state, 1, __ATOMIC_RELEASE);
	while (__atomic_load_n(&h->state, __ATOMIC_ACQUIRE) != 2)
		sched_yield();
	/* Still valid: the writer cannot have reclaimed it yet. */
	if (dfp_engine_ruleset_filter_count(h->held, FX_L4) == 0)
		h->held = NULL;
	dfp_ctl_reader_quiescent(h->sh->ctl, 0);
	__atomic_store_n(&h->state, 3, __ATOMIC_RELEASE);
	/*
	 * Unregistering while the writer is still in its grace period is
	 * correct, but the writer may then learn of it only from the
	 * registration bitmap, which rte_rcu_qsbr_thread_unregister() clears
	 * inside the uninstrumented librte_rcu: ThreadSanitizer would miss that
	 * release and report the free of the old ruleset as a race. Wait for
	 * the commit so the edge TSan sees is the quiescent-state report.
	 */
	while (!__atomic_load_n(h->commit_done, __ATOMIC_ACQUIRE))
		sched_yield();
	dfp_ctl_reader_unregister(h->sh->ctl, 0);
	return NULL;
}

struct committer {
	struct conc *c;
	uint64_t g;
	int done;
};

static void *
committer_main(void *arg)
{
	struct committer *w = arg;
	struct dfp_engine_filter_spec f = fx_spec("late", FX_L4, DFP_ACTION_BLOCK);
	dfp_status_t st;

	st = dfp_ctl_filter_add(w->c->s, &f, NULL);
	w->g = st == DFP_STATUS_SUCCESS ? dfp_ctl_generation(w->c->ctl) : 0;
	__atomic_store_n(&w->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void
test_ctl_commit_waits_for_reader_holding_old_ruleset(void **state)
{
	struct timespec pause = {0, 100 * 1000 * 1000};
	struct conc *c = *state;
	struct committer w;
	struct holder h;
	pthread_t ht, wt;
	uint64_t g0;

	commit_generation(c->ctl, c->s, &c->base, dfp_ctl_generation(c->ctl) + 1);
	g0 = dfp_ctl_generation(c->ctl);
	memset(&h, 0, sizeof(h));
	memset(&w, 0, sizeof(w));
	h.sh = &c->sh;
	h.commit_done = &w.done;
	assert_int_equal(pthread_create(&ht, NULL, holder_main, &h), 0);
	while (__atomic_load_n(&h.state, __ATOMIC_ACQUIRE) != 1)
		sched_yield();

	w.c = c;
	assert_int_equal(pthread_create(&wt, NULL, committer_main, &w), 0);
	nanosleep(&pause, NULL);
	/* Published already, but the commit is stuck in its grace period. */
	assert_int_equal(__atomic_load_n(&w.done, __ATOMIC_ACQUIRE), 0);
	assert_true(dfp_ctl_generation(c->ctl) > g0);
	__atomic_store_n(&h.state, 2, __ATOMIC_RELEASE);
	assert_int_equal(pthread_join(wt, NULL), 0);
	assert_int_equal(pthread_join(ht, NULL), 0);
	assert_int_equal(w.done, 1);
	assert_int_equal(w.g, g0 + 1);
	assert_non_null(h.held);
	assert_int_equal(h.state, 3);
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
		cmocka_unit_test_setup_teardown(
			test_ctl_readers_see_whole_generations_while_writer_commits,
			conc_setup, conc_teardown),
		cmocka_unit_test_setup_teardown(
			test_ctl_commit_waits_for_reader_holding_old_ruleset,
			conc_setup, conc_teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, NULL);
}
