/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Sessions and transactions through lib/ctl (spec §8.2): publication at
 * commit, abort, the transaction statuses, the lock wait timeout, dynamic
 * and static sessions, and N12 (PASSIVE calls from a worker thread or from
 * inside a callout callback return STATUS_NOT_SUPPORTED).
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "dfp_ctl.h"
#include "dfp_thread.h"
#include "test_eal.h"
#include "test_engine_fixture.h"

struct ct {
	struct dfp_ctl *ctl;
	struct dfp_ctl_session *s;     /* A static session. */
	struct fx_notify notify;
	struct fx_env env;
	struct dfp_engine_classify_env cenv;
};

static int
ct_setup(void **state)
{
	struct dfp_ctl_params p;
	struct ct *t = calloc(1, sizeof(*t));

	assert_non_null(t);
	memset(&p, 0, sizeof(p));
	p.engine.notify = fx_notify_hook;
	p.engine.notify_ctx = &t->notify;
	p.max_readers = 4;
	assert_int_equal(dfp_ctl_create(&p, &t->ctl), DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_ctl_session_open(t->ctl, 0, &t->s), DFP_STATUS_SUCCESS);
	t->cenv.invoke = fx_invoke_hook;
	t->cenv.ctx = &t->env;
	*state = t;
	return 0;
}

static int
ct_teardown(void **state)
{
	struct ct *t = *state;

	dfp_ctl_destroy(t->ctl);
	free(t);
	return 0;
}

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static struct dfp_engine_values
pkt(uint16_t lport)
{
	struct dfp_engine_values v;

	memset(&v, 0, sizeof(v));
	v.ip_protocol = 6;
	v.local_port = lport;
	return v;
}

/* Classify against what the workers see: the published ruleset. */
static struct dfp_engine_verdict
published(struct ct *t, uint16_t lport)
{
	struct dfp_engine_values v = pkt(lport);
	const struct dfp_engine_values *vals[1] = {&v};
	struct dfp_engine_verdict out;

	dfp_engine_classify_burst(dfp_ctl_ruleset_get(dfp_ctl_ruleset_slot(t->ctl)), FX_L4, vals,
		NULL, 1, &t->cenv, &out);
	return out;
}

static uint32_t
published_count(struct ct *t)
{
	return dfp_engine_ruleset_filter_count(dfp_ctl_ruleset_get(dfp_ctl_ruleset_slot(t->ctl)),
		FX_L4);
}

/* A permit filter on local port `port`. */
static uint64_t
add_permit(struct ct *t, struct dfp_ctl_session *s, uint16_t port)
{
	struct dfp_engine_cond c = fx_cond(DFP_FIELD_IP_LOCAL_PORT, DFP_MATCH_EQUAL, port);
	struct dfp_engine_filter_spec f = fx_spec("permit", FX_L4, DFP_ACTION_PERMIT);
	uint64_t id = 0;

	(void)t;
	f.conds = &c;
	f.n_conds = 1;
	assert_int_equal(dfp_ctl_filter_add(s, &f, &id), DFP_STATUS_SUCCESS);
	return id;
}

static bool
filter_exists(struct ct *t, uint64_t id)
{
	struct dfp_engine_filter_info info;

	return dfp_ctl_filter_get(t->s, id, &info) == DFP_STATUS_SUCCESS;
}

/* ---- Commit and publication ---- */

static void
test_ctl_commit_publishes_new_generation(void **state)
{
	struct ct *t = *state;
	uint64_t g0, id;

	g0 = dfp_ctl_generation(t->ctl);
	assert_int_equal(dfp_ctl_txn_begin(t->s, 0), DFP_STATUS_SUCCESS);
	assert_true(dfp_ctl_session_in_txn(t->s));
	id = add_permit(t, t->s, 80);
	/* Staged only: the model has it, the workers do not. */
	assert_true(filter_exists(t, id));
	assert_int_equal(dfp_ctl_generation(t->ctl), g0);
	assert_int_equal(published(t, 80).action, DFP_ACTION_NONE_NO_MATCH);
	assert_int_equal(dfp_ctl_txn_commit(t->s), DFP_STATUS_SUCCESS);
	assert_false(dfp_ctl_session_in_txn(t->s));
	assert_true(dfp_ctl_generation(t->ctl) > g0);
	assert_int_equal(published(t, 80).action, DFP_ACTION_PERMIT);
	assert_int_equal(published(t, 80).filter_id, id);
}

static void
test_ctl_write_outside_txn_is_committed_at_once(void **state)
{
	struct ct *t = *state;
	uint64_t g0, g1, id;

	g0 = dfp_ctl_generation(t->ctl);
	id = add_permit(t, t->s, 80);
	g1 = dfp_ctl_generation(t->ctl);
	assert_true(g1 > g0);
	assert_int_equal(published(t, 80).action, DFP_ACTION_PERMIT);
	assert_int_equal(dfp_ctl_filter_delete_by_id(t->s, id), DFP_STATUS_SUCCESS);
	assert_true(dfp_ctl_generation(t->ctl) > g1);
	assert_int_equal(published(t, 80).action, DFP_ACTION_NONE_NO_MATCH);
}

static void
test_ctl_failed_implicit_write_publishes_nothing(void **state)
{
	struct ct *t = *state;
	struct dfp_engine_filter_spec f = fx_spec("bad", 1, DFP_ACTION_PERMIT);
	uint64_t g0;

	add_permit(t, t->s, 80);
	g0 = dfp_ctl_generation(t->ctl);
	assert_int_equal(dfp_ctl_filter_add(t->s, &f, NULL), DFP_STATUS_FWP_LAYER_NOT_FOUND);
	assert_int_equal(dfp_ctl_generation(t->ctl), g0);
	assert_int_equal(published_count(t), 1);
}

static void
test_ctl_commit_keeps_generation_increasing(void **state)
{
	struct ct *t = *state;
	uint64_t last = dfp_ctl_generation(t->ctl);
	unsigned int i;

	for (i = 0; i < 5; i++) {
		uint64_t g;

		assert_int_equal(dfp_ctl_txn_begin(t->s, 0), DFP_STATUS_SUCCESS);
		add_permit(t, t->s, (uint16_t)(1000 + i));
		assert_int_equal(dfp_ctl_txn_commit(t->s), DFP_STATUS_SUCCESS);
		g = dfp_ctl_generation(t->ctl);
		assert_true(g > last);
		last = g;
	}
	assert_int_equal(published_count(t), 5);
}

/* ---- Abort ---- */

static void
test_ctl_abort_restores_everything(void **state)
{
	struct dfp_engine_sublayer_spec sl1 = {.name = "sl1", .weight = 10};
	struct dfp_engine_sublayer_spec sl2 = {.name = "sl2", .weight = 20};
	struct dfp_engine_callout_spec c1 = {.name = "c1", .layer_id = FX_L4};
	struct dfp_engine_callout_spec c2 = {.name = "c2", .layer_id = FX_L4};
	struct dfp_engine_filter_spec f1 = fx_spec("f1", FX_L4, DFP_ACTION_CALLOUT_TERMINATING);
	struct dfp_engine_filter_spec f2 = fx_spec("f2", FX_L4, DFP_ACTION_CALLOUT_INSPECTION);
	struct dfp_engine_sublayer_info sli;
	struct dfp_engine_filter_info fi;
	struct ct *t = *state;
	uint64_t g1, id0, id1, id2;
	uint32_t cid1, cid2, cid;

	sl1.key = fx_guid_n(10);
	sl2.key = fx_guid_n(20);
	c1.key = fx_guid_n(11);
	c2.key = fx_guid_n(21);
	f1.key = fx_guid_n(12);
	f1.sublayer_key = sl1.key;
	f1.callout_key = c1.key;
	f2.key = fx_guid_n(22);
	f2.sublayer_key = sl2.key;
	f2.callout_key = c2.key;

	/* Committed base: sl1, c1, f1 (names c1, in sl1), f0 (static). */
	assert_int_equal(dfp_ctl_txn_begin(t->s, 0), DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_ctl_sublayer_add(t->s, &sl1, NULL), DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_ctl_callout_add(t->s, &c1, &cid1), DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_ctl_filter_add(t->s, &f1, &id1), DFP_STATUS_SUCCESS);
	id0 = add_permit(t, t->s, 80);
	assert_int_equal(dfp_ctl_txn_commit(t->s), DFP_STATUS_SUCCESS);
	g1 = dfp_ctl_generation(t->ctl);
	t->notify.n = 0;

	/* Add sl2, c2, f2; delete f1, c1, sl1 and f0; then abort. */
	assert_int_equal(dfp_ctl_txn_begin(t->s, 0), DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_ctl_sublayer_add(t->s, &sl2, NULL), DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_ctl_callout_add(t->s, &c2, &cid2), DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_ctl_filter_add(t->s, &f2, &id2), DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_ctl_filter_delete_by_id(t->s, id1), DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_ctl_callout_delete_by_id(t->s, cid1), DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_ctl_sublayer_delete(t->s, &sl1.key), DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_ctl_filter_delete_by_id(t->s, id0), DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_ctl_txn_abort(t->s), DFP_STATUS_SUCCESS);
	assert_false(dfp_ctl_session_in_txn(t->s));

	/* The base is back, with the same ids; the additions are gone. */
	assert_int_equal(dfp_ctl_filter_get(t->s, id1, &fi), DFP_STATUS_SUCCESS);
	assert_true(dfp_guid_equal(&fi.key, &f1.key));
	assert_true(dfp_guid_equal(&fi.sublayer_key, &sl1.key));
	assert_int_equal(fi.rt.callout_id, cid1);
	assert_true(filter_exists(t, id0));
	assert_int_equal(dfp_ctl_callout_lookup(t->s, &c1.key, &cid), DFP_STATUS_SUCCESS);
	assert_int_equal(cid, cid1);
	assert_int_equal(dfp_ctl_sublayer_get(t->s, &sl1.key, &sli), DFP_STATUS_SUCCESS);
	assert_int_equal(sli.n_filters, 1);
	assert_false(filter_exists(t, id2));
	assert_int_equal(dfp_ctl_callout_lookup(t->s, &c2.key, &cid),
		DFP_STATUS_FWP_CALLOUT_NOT_FOUND);
	assert_int_equal(dfp_ctl_sublayer_get(t->s, &sl2.key, &sli),
		DFP_STATUS_FWP_SUBLAYER_NOT_FOUND);
	assert_int_equal(dfp_engine_filter_count(dfp_ctl_engine(t->ctl)), 2);
	/* Nothing was published; the aborted add got its DELETE_FILTER. */
	assert_int_equal(dfp_ctl_generation(t->ctl), g1);
	assert_int_equal(published_count(t), 2);
	assert_int_equal(fx_notify_count(&t->notify, DFP_NOTIFY_ADD_FILTER), 1);
	assert_int_equal(fx_notify_count(&t->notify, DFP_NOTIFY_DELETE_FILTER), 1);
	assert_int_equal(fx_notify_count(&t->notify, DFP_NOTIFY_ADD_FILTER_POST_COMMIT), 0);
	assert_int_equal(t->notify.ev[1].type, DFP_NOTIFY_DELETE_FILTER);
	assert_int_equal(t->notify.ev[1].filter_id, id2);
	/* The restored model keeps working. */
	assert_int_equal(dfp_ctl_callout_delete_by_id(t->s, cid1), DFP_STATUS_FWP_IN_USE);
	assert_int_equal(dfp_ctl_filter_delete_by_id(t->s, id1), DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_ctl_callout_delete_by_id(t->s, cid1), DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_ctl_sublayer_delete(t->s, &sl1.key), DFP_STATUS_SUCCESS);
	assert_int_equal(published_count(t), 1);
}

static void
test_ctl_abort_keeps_published_classification(void **state)
{
	struct ct *t = *state;
	uint64_t id;

	id = add_permit(t, t->s, 80);
	assert_int_equal(dfp_ctl_txn_begin(t->s, 0), DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_ctl_filter_delete_by_id(t->s, id), DFP_STATUS_SUCCESS);
	add_permit(t, t->s, 81);
	assert_int_equal(dfp_ctl_txn_abort(t->s), DFP_STATUS_SUCCESS);
	assert_int_equal(published(t, 80).filter_id, id);
	assert_int_equal(published(t, 81).action, DFP_ACTION_NONE_NO_MATCH);
	/* A later commit of something else publishes the restored state. */
	add_permit(t, t->s, 82);
	assert_int_equal(published(t, 80).filter_id, id);
	assert_int_equal(published(t, 81).action, DFP_ACTION_NONE_NO_MATCH);
	assert_int_equal(published(t, 82).action, DFP_ACTION_PERMIT);
}

/* ---- Transaction statuses ---- */

static void
test_ctl_begin_twice_is_txn_in_progress(void **state)
{
	struct ct *t = *state;

	assert_int_equal(dfp_ctl_txn_begin(t->s, 0), DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_ctl_txn_begin(t->s, 0), DFP_STATUS_FWP_TXN_IN_PROGRESS);
	assert_int_equal(dfp_ctl_txn_begin(t->s, DFP_CTL_TXN_READ_ONLY),
		DFP_STATUS_FWP_TXN_IN_PROGRESS);
	assert_true(dfp_ctl_session_in_txn(t->s));
	assert_int_equal(dfp_ctl_txn_commit(t->s), DFP_STATUS_SUCCESS);
}

static void
test_ctl_commit_without_txn_is_no_txn_in_progress(void **state)
{
	struct ct *t = *state;

	assert_int_equal(dfp_ctl_txn_commit(t->s), DFP_STATUS_FWP_NO_TXN_IN_PROGRESS);
	assert_int_equal(dfp_ctl_txn_begin(t->s, 0), DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_ctl_txn_commit(t->s), DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_ctl_txn_commit(t->s), DFP_STATUS_FWP_NO_TXN_IN_PROGRESS);
}

static void
test_ctl_abort_without_txn_is_no_txn_in_progress(void **state)
{
	struct ct *t = *state;

	assert_int_equal(dfp_ctl_txn_abort(t->s), DFP_STATUS_FWP_NO_TXN_IN_PROGRESS);
	assert_int_equal(dfp_ctl_txn_begin(t->s, 0), DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_ctl_txn_abort(t->s), DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_ctl_txn_abort(t->s), DFP_STATUS_FWP_NO_TXN_IN_PROGRESS);
}

static void
test_ctl_txn_begin_bad_flags_is_invalid_flags(void **state)
{
	struct ct *t = *state;

	assert_int_equal(dfp_ctl_txn_begin(t->s, 0x2), DFP_STATUS_FWP_INVALID_FLAGS);
	assert_false(dfp_ctl_session_in_txn(t->s));
}

static void
test_ctl_session_open_bad_flags_is_invalid_flags(void **state)
{
	struct dfp_ctl_session *s = NULL;
	struct ct *t = *state;

	assert_int_equal(dfp_ctl_session_open(t->ctl, 0x2, &s), DFP_STATUS_FWP_INVALID_FLAGS);
	assert_null(s);
}

static void
test_ctl_read_only_txn_write_is_incompatible_txn(void **state)
{
	struct dfp_engine_sublayer_spec sl = {.name = "sl", .weight = 1};
	struct dfp_engine_callout_spec co = {.name = "co", .layer_id = FX_L4};
	struct dfp_engine_filter_spec f = fx_spec("f", FX_L4, DFP_ACTION_PERMIT);
	struct dfp_guid k = fx_guid_n(5);
	struct dfp_engine_filter_info fi;
	struct ct *t = *state;
	uint64_t g0, id;

	id = add_permit(t, t->s, 80);
	g0 = dfp_ctl_generation(t->ctl);
	co.key = k;
	assert_int_equal(dfp_ctl_txn_begin(t->s, DFP_CTL_TXN_READ_ONLY), DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_ctl_filter_add(t->s, &f, NULL), DFP_STATUS_FWP_INCOMPATIBLE_TXN);
	assert_int_equal(dfp_ctl_filter_delete_by_id(t->s, id), DFP_STATUS_FWP_INCOMPATIBLE_TXN);
	assert_int_equal(dfp_ctl_filter_delete_by_key(t->s, &k), DFP_STATUS_FWP_INCOMPATIBLE_TXN);
	assert_int_equal(dfp_ctl_sublayer_add(t->s, &sl, NULL), DFP_STATUS_FWP_INCOMPATIBLE_TXN);
	assert_int_equal(dfp_ctl_sublayer_delete(t->s, &k), DFP_STATUS_FWP_INCOMPATIBLE_TXN);
	assert_int_equal(dfp_ctl_callout_add(t->s, &co, NULL), DFP_STATUS_FWP_INCOMPATIBLE_TXN);
	assert_int_equal(dfp_ctl_callout_delete_by_id(t->s, 1), DFP_STATUS_FWP_INCOMPATIBLE_TXN);
	assert_int_equal(dfp_ctl_callout_delete_by_key(t->s, &k), DFP_STATUS_FWP_INCOMPATIBLE_TXN);
	/* Reads work. */
	assert_int_equal(dfp_ctl_filter_get(t->s, id, &fi), DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_ctl_txn_commit(t->s), DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_ctl_generation(t->ctl), g0);
	assert_int_equal(dfp_engine_filter_count(dfp_ctl_engine(t->ctl)), 1);
}

static void
test_ctl_failed_call_does_not_doom_transaction(void **state)
{
	struct dfp_engine_filter_spec bad = fx_spec("bad", FX_L4, DFP_ACTION_CONTINUE);
	struct ct *t = *state;
	uint64_t a, b;

	assert_int_equal(dfp_ctl_txn_begin(t->s, 0), DFP_STATUS_SUCCESS);
	a = add_permit(t, t->s, 80);
	assert_int_equal(dfp_ctl_filter_add(t->s, &bad, NULL), DFP_STATUS_FWP_INVALID_ACTION_TYPE);
	assert_int_equal(dfp_ctl_filter_delete_by_id(t->s, 999), DFP_STATUS_FWP_FILTER_NOT_FOUND);
	assert_true(dfp_ctl_session_in_txn(t->s));
	b = add_permit(t, t->s, 81);
	assert_int_equal(dfp_ctl_txn_commit(t->s), DFP_STATUS_SUCCESS);
	assert_int_equal(published(t, 80).filter_id, a);
	assert_int_equal(published(t, 81).filter_id, b);
	assert_int_equal(published_count(t), 2);
}

/* ---- The transaction lock across sessions ---- */

static void
test_ctl_second_session_times_out_waiting_for_transaction(void **state)
{
	struct dfp_engine_filter_info fi;
	struct dfp_ctl_session *s2;
	struct ct *t = *state;
	uint64_t t0, dt, id;

	id = add_permit(t, t->s, 80);
	assert_int_equal(dfp_ctl_session_open(t->ctl, 0, &s2), DFP_STATUS_SUCCESS);
	dfp_ctl_session_set_txn_wait(s2, 100);
	assert_int_equal(dfp_ctl_txn_begin(t->s, 0), DFP_STATUS_SUCCESS);

	t0 = now_ms();
	assert_int_equal(dfp_ctl_txn_begin(s2, 0), DFP_STATUS_FWP_TIMEOUT);
	dt = now_ms() - t0;
	assert_true(dt >= 95);
	assert_true(dt < 5000);
	assert_false(dfp_ctl_session_in_txn(s2));
	t0 = now_ms();
	assert_int_equal(dfp_ctl_filter_delete_by_id(s2, id), DFP_STATUS_FWP_TIMEOUT);
	assert_true(now_ms() - t0 >= 95);
	assert_int_equal(dfp_ctl_filter_get(s2, id, &fi), DFP_STATUS_FWP_TIMEOUT);

	/* The owner is not blocked by its own transaction. */
	assert_int_equal(dfp_ctl_filter_get(t->s, id, &fi), DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_ctl_txn_commit(t->s), DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_ctl_txn_begin(s2, 0), DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_ctl_filter_delete_by_id(s2, id), DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_ctl_txn_commit(s2), DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_ctl_session_close(s2), DFP_STATUS_SUCCESS);
}

struct waiter {
	struct ct *t;
	struct dfp_ctl_session *s;
	dfp_status_t st;
	uint64_t id;
	uint64_t done_ms;
};

static void *
waiter_main(void *arg)
{
	struct dfp_engine_cond c = fx_cond(DFP_FIELD_IP_LOCAL_PORT, DFP_MATCH_EQUAL, 443);
	struct dfp_engine_filter_spec f = fx_spec("w", FX_L4, DFP_ACTION_PERMIT);
	struct waiter *w = arg;

	f.conds = &c;
	f.n_conds = 1;
	w->st = dfp_ctl_filter_add(w->s, &f, &w->id);
	w->done_ms = now_ms();
	return NULL;
}

static void
test_ctl_waiting_session_proceeds_when_transaction_ends(void **state)
{
	struct ct *t = *state;
	struct waiter w;
	struct timespec pause = {0, 50 * 1000 * 1000};
	pthread_t th;
	uint64_t commit_ms;

	memset(&w, 0, sizeof(w));
	w.t = t;
	assert_int_equal(dfp_ctl_session_open(t->ctl, 0, &w.s), DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_ctl_txn_begin(t->s, 0), DFP_STATUS_SUCCESS);
	add_permit(t, t->s, 80);
	assert_int_equal(pthread_create(&th, NULL, waiter_main, &w), 0);
	nanosleep(&pause, NULL);
	commit_ms = now_ms();
	assert_int_equal(dfp_ctl_txn_commit(t->s), DFP_STATUS_SUCCESS);
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(w.st, DFP_STATUS_SUCCESS);
	assert_true(w.done_ms >= commit_ms);
	assert_int_equal(published(t, 80).action, DFP_ACTION_PERMIT);
	assert_int_equal(published(t, 443).filter_id, w.id);
	assert_int_equal(dfp_ctl_session_close(w.s), DFP_STATUS_SUCCESS);
}

/* ---- Dynamic and static sessions ---- */

static void
test_ctl_dynamic_session_close_deletes_its_objects_and_publishes(void **state)
{
	struct dfp_engine_sublayer_spec sl = {.name = "dyn", .weight = 3};
	struct dfp_engine_callout_spec co = {.name = "dyn", .layer_id = FX_L4};
	struct dfp_engine_filter_spec cf = fx_spec("dyn", FX_L4, DFP_ACTION_CALLOUT_INSPECTION);
	struct dfp_engine_sublayer_info sli;
	struct dfp_ctl_session *ds;
	struct ct *t = *state;
	uint64_t g, mine, dyn_static, dyn_callout;
	uint32_t cid;

	sl.key = fx_guid_n(30);
	co.key = fx_guid_n(31);
	cf.sublayer_key = sl.key;
	cf.callout_key = co.key;
	assert_int_equal(dfp_ctl_session_open(t->ctl, DFP_CTL_SESSION_FLAG_DYNAMIC, &ds),
		DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_ctl_sublayer_add(ds, &sl, NULL), DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_ctl_callout_add(ds, &co, &cid), DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_ctl_filter_add(ds, &cf, &dyn_callout), DFP_STATUS_SUCCESS);
	dyn_static = add_permit(t, ds, 80);
	mine = add_permit(t, t->s, 81);
	assert_int_equal(published_count(t), 3);
	g = dfp_ctl_generation(t->ctl);
	t->notify.n = 0;

	assert_int_equal(dfp_ctl_session_close(ds), DFP_STATUS_SUCCESS);
	assert_false(filter_exists(t, dyn_static));
	assert_false(filter_exists(t, dyn_callout));
	assert_int_equal(dfp_ctl_callout_lookup(t->s, &co.key, &cid),
		DFP_STATUS_FWP_CALLOUT_NOT_FOUND);
	assert_int_equal(dfp_ctl_sublayer_get(t->s, &sl.key, &sli),
		DFP_STATUS_FWP_SUBLAYER_NOT_FOUND);
	assert_true(filter_exists(t, mine));
	assert_true(dfp_ctl_generation(t->ctl) > g);
	assert_int_equal(published_count(t), 1);
	assert_int_equal(published(t, 80).action, DFP_ACTION_NONE_NO_MATCH);
	assert_int_equal(published(t, 81).filter_id, mine);
	assert_int_equal(t->notify.n, 1);
	assert_int_equal(t->notify.ev[0].type, DFP_NOTIFY_DELETE_FILTER);
	assert_int_equal(t->notify.ev[0].filter_id, dyn_callout);
}

static void
test_ctl_dynamic_session_close_aborts_open_transaction(void **state)
{
	struct dfp_engine_callout_spec co = {.name = "co", .layer_id = FX_L4};
	struct dfp_engine_filter_spec cf = fx_spec("cf", FX_L4, DFP_ACTION_CALLOUT_INSPECTION);
	struct dfp_ctl_session *ds;
	struct ct *t = *state;
	uint64_t g, id;

	co.key = fx_guid_n(40);
	cf.callout_key = co.key;
	assert_int_equal(dfp_ctl_callout_add(t->s, &co, NULL), DFP_STATUS_SUCCESS);
	g = dfp_ctl_generation(t->ctl);
	assert_int_equal(dfp_ctl_session_open(t->ctl, DFP_CTL_SESSION_FLAG_DYNAMIC, &ds),
		DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_ctl_txn_begin(ds, 0), DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_ctl_filter_add(ds, &cf, &id), DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_ctl_session_close(ds), DFP_STATUS_SUCCESS);
	assert_false(filter_exists(t, id));
	assert_int_equal(fx_notify_count(&t->notify, DFP_NOTIFY_DELETE_FILTER), 1);
	assert_int_equal(fx_notify_count(&t->notify, DFP_NOTIFY_ADD_FILTER_POST_COMMIT), 0);
	assert_int_equal(published_count(t), 0);
	assert_true(dfp_ctl_generation(t->ctl) >= g);
	/* The lock was released: another session can start a transaction. */
	assert_int_equal(dfp_ctl_txn_begin(t->s, 0), DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_ctl_txn_abort(t->s), DFP_STATUS_SUCCESS);
}

static void
test_ctl_static_session_objects_survive_close(void **state)
{
	struct dfp_engine_callout_spec co = {.name = "co", .layer_id = FX_L4};
	struct dfp_ctl_session *s2;
	struct ct *t = *state;
	uint64_t g, id;
	uint32_t cid;

	co.key = fx_guid_n(50);
	assert_int_equal(dfp_ctl_session_open(t->ctl, 0, &s2), DFP_STATUS_SUCCESS);
	id = add_permit(t, s2, 80);
	assert_int_equal(dfp_ctl_callout_add(s2, &co, NULL), DFP_STATUS_SUCCESS);
	g = dfp_ctl_generation(t->ctl);
	assert_int_equal(dfp_ctl_session_close(s2), DFP_STATUS_SUCCESS);
	assert_true(filter_exists(t, id));
	assert_int_equal(dfp_ctl_callout_lookup(t->s, &co.key, &cid), DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_ctl_generation(t->ctl), g);
	assert_int_equal(published(t, 80).filter_id, id);
}

static void
test_ctl_objects_record_their_session(void **state)
{
	struct dfp_engine_filter_info fi;
	struct dfp_ctl_session *s2;
	struct ct *t = *state;
	uint64_t id;

	assert_int_equal(dfp_ctl_session_open(t->ctl, 0, &s2), DFP_STATUS_SUCCESS);
	assert_int_not_equal(dfp_ctl_session_id(s2), dfp_ctl_session_id(t->s));
	id = add_permit(t, s2, 80);
	assert_int_equal(dfp_ctl_filter_get(t->s, id, &fi), DFP_STATUS_SUCCESS);
	assert_int_equal(fi.owner, dfp_ctl_session_id(s2));
	assert_int_equal(dfp_ctl_session_close(s2), DFP_STATUS_SUCCESS);
}

static void
test_ctl_destroy_aborts_open_transaction(void **state)
{
	struct dfp_engine_callout_spec co = {.name = "co", .layer_id = FX_L4};
	struct dfp_engine_filter_spec cf = fx_spec("cf", FX_L4, DFP_ACTION_CALLOUT_INSPECTION);
	struct ct *t = *state;

	co.key = fx_guid_n(60);
	cf.callout_key = co.key;
	assert_int_equal(dfp_ctl_callout_add(t->s, &co, NULL), DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_ctl_txn_begin(t->s, 0), DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_ctl_filter_add(t->s, &cf, NULL), DFP_STATUS_SUCCESS);
	dfp_ctl_destroy(t->ctl);
	t->ctl = NULL;
	assert_int_equal(fx_notify_count(&t->notify, DFP_NOTIFY_DELETE_FILTER), 1);
}

/* ---- N12: PASSIVE calls from a worker or a callback ---- */

#define N_PASSIVE 21

struct passive {
	struct dfp_ctl *ctl;
	struct dfp_ctl_session *s;       /* For every call but close. */
	struct dfp_ctl_session *victim;  /* Passed to close. */
	dfp_status_t st[N_PASSIVE];
	unsigned int n;
	bool victim_closed;
	bool mark_callback;              /* Play the callout runtime around the calls. */
	unsigned int runs;
};

static int
cb_filter(void *arg, const struct dfp_engine_filter_info *f)
{
	(void)arg;
	(void)f;
	return 0;
}

static int
cb_callout(void *arg, const struct dfp_engine_callout_info *c)
{
	(void)arg;
	(void)c;
	return 0;
}

static int
cb_sublayer(void *arg, const struct dfp_engine_sublayer_info *s)
{
	(void)arg;
	(void)s;
	return 0;
}

/* Call every PASSIVE entry point of lib/ctl once; record the statuses. */
static void
passive_calls(void *arg)
{
	struct dfp_engine_sublayer_spec sl = {.name = "x", .weight = 1};
	struct dfp_engine_callout_spec co = {.name = "x", .layer_id = FX_L4};
	struct dfp_engine_filter_spec f = fx_spec("x", FX_L4, DFP_ACTION_PERMIT);
	struct passive *p = arg;
	struct dfp_engine_sublayer_info sli;
	struct dfp_engine_callout_info ci;
	struct dfp_engine_filter_info fi;
	struct dfp_guid k = fx_guid_n(99);
	struct dfp_ctl_session *ns = NULL;
	unsigned int n = 0;
	uint32_t cid;

	if (p->mark_callback)
		dfp_thread_callback_enter();
	co.key = k;
	p->st[n++] = dfp_ctl_session_open(p->ctl, 0, &ns);
	p->st[n] = dfp_ctl_session_close(p->victim);
	p->victim_closed = p->st[n++] == DFP_STATUS_SUCCESS;
	p->st[n++] = dfp_ctl_txn_begin(p->s, 0);
	p->st[n++] = dfp_ctl_txn_commit(p->s);
	p->st[n++] = dfp_ctl_txn_abort(p->s);
	p->st[n++] = dfp_ctl_sublayer_add(p->s, &sl, NULL);
	p->st[n++] = dfp_ctl_sublayer_delete(p->s, &k);
	p->st[n++] = dfp_ctl_callout_add(p->s, &co, NULL);
	p->st[n++] = dfp_ctl_callout_delete_by_id(p->s, 1);
	p->st[n++] = dfp_ctl_callout_delete_by_key(p->s, &k);
	p->st[n++] = dfp_ctl_filter_add(p->s, &f, NULL);
	p->st[n++] = dfp_ctl_filter_delete_by_id(p->s, 1);
	p->st[n++] = dfp_ctl_filter_delete_by_key(p->s, &k);
	p->st[n++] = dfp_ctl_filter_get(p->s, 1, &fi);
	p->st[n++] = dfp_ctl_filter_foreach(p->s, 0xFFFF, cb_filter, NULL);
	p->st[n++] = dfp_ctl_callout_get(p->s, 1, &ci);
	p->st[n++] = dfp_ctl_callout_lookup(p->s, &k, &cid);
	p->st[n++] = dfp_ctl_callout_foreach(p->s, cb_callout, NULL);
	p->st[n++] = dfp_ctl_sublayer_get(p->s, &k, &sli);
	p->st[n++] = dfp_ctl_sublayer_foreach(p->s, cb_sublayer, NULL);
	p->st[n++] = dfp_ctl_synchronize(p->ctl);
	p->n = n;
	p->runs++;
	if (ns != NULL)
		dfp_ctl_session_close(ns);
	if (p->mark_callback)
		dfp_thread_callback_leave();
}

static void
assert_all_not_supported(const struct passive *p)
{
	unsigned int i;

	assert_int_equal(p->n, N_PASSIVE);
	for (i = 0; i < p->n; i++) {
		if (p->st[i] != DFP_STATUS_NOT_SUPPORTED)
			print_error("passive call #%u returned 0x%08x\n", i, (unsigned int)p->st[i]);
		assert_int_equal(p->st[i], DFP_STATUS_NOT_SUPPORTED);
	}
	assert_false(p->victim_closed);
}

static void
passive_init(struct passive *p, struct ct *t)
{
	memset(p, 0, sizeof(*p));
	p->ctl = t->ctl;
	p->s = t->s;
	assert_int_equal(dfp_ctl_session_open(t->ctl, 0, &p->victim), DFP_STATUS_SUCCESS);
}

static void *
worker_main(void *arg)
{
	dfp_thread_enter_worker();
	passive_calls(arg);
	dfp_thread_leave_worker();
	return NULL;
}

static void
test_ctl_passive_calls_from_worker_are_not_supported(void **state)
{
	struct ct *t = *state;
	struct passive p;
	pthread_t th;
	uint64_t g;

	add_permit(t, t->s, 80);
	g = dfp_ctl_generation(t->ctl);
	passive_init(&p, t);
	assert_int_equal(pthread_create(&th, NULL, worker_main, &p), 0);
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_all_not_supported(&p);
	assert_int_equal(dfp_ctl_generation(t->ctl), g);
	assert_int_equal(dfp_engine_filter_count(dfp_ctl_engine(t->ctl)), 1);
	assert_false(dfp_ctl_session_in_txn(t->s));
	assert_int_equal(dfp_ctl_session_close(p.victim), DFP_STATUS_SUCCESS);
}

struct reg_arg {
	struct ct *t;
	dfp_status_t reg, while_registered, after_unregister;
};

static void *
reader_main(void *arg)
{
	struct reg_arg *r = arg;
	struct dfp_ctl_session *s = NULL;

	r->reg = dfp_ctl_reader_register(r->t->ctl, 1);
	r->while_registered = dfp_ctl_session_open(r->t->ctl, 0, &s);
	dfp_ctl_reader_quiescent(r->t->ctl, 1);
	dfp_ctl_reader_unregister(r->t->ctl, 1);
	r->after_unregister = dfp_ctl_session_open(r->t->ctl, 0, &s);
	if (r->after_unregister == DFP_STATUS_SUCCESS)
		dfp_ctl_session_close(s);
	return NULL;
}

static void
test_ctl_reader_registration_marks_thread_as_worker(void **state)
{
	struct ct *t = *state;
	struct reg_arg r;
	pthread_t th;

	memset(&r, 0, sizeof(r));
	r.t = t;
	assert_int_equal(pthread_create(&th, NULL, reader_main, &r), 0);
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(r.reg, DFP_STATUS_SUCCESS);
	assert_int_equal(r.while_registered, DFP_STATUS_NOT_SUPPORTED);
	assert_int_equal(r.after_unregister, DFP_STATUS_SUCCESS);
}

static void
test_ctl_reader_id_out_of_range_is_invalid_parameter(void **state)
{
	struct ct *t = *state;

	assert_int_equal(dfp_ctl_reader_register(t->ctl, 4), DFP_STATUS_INVALID_PARAMETER);
	assert_true(dfp_thread_is_passive());
}

static void
test_ctl_passive_calls_from_notify_callback_are_not_supported(void **state)
{
	struct dfp_engine_callout_spec co = {.name = "co", .layer_id = FX_L4};
	struct dfp_engine_filter_spec cf = fx_spec("cf", FX_L4, DFP_ACTION_CALLOUT_INSPECTION);
	struct ct *t = *state;
	struct passive p;
	uint64_t id;

	co.key = fx_guid_n(70);
	cf.callout_key = co.key;
	assert_int_equal(dfp_ctl_callout_add(t->s, &co, NULL), DFP_STATUS_SUCCESS);
	passive_init(&p, t);
	/*
	 * The hook plays the callout runtime, which marks the thread as inside
	 * a callback around notifyFn. It runs with the ctl lock held, so a call
	 * that did not fail fast would deadlock here.
	 */
	p.mark_callback = true;
	t->notify.inside = passive_calls;
	t->notify.inside_arg = &p;
	assert_int_equal(dfp_ctl_filter_add(t->s, &cf, &id), DFP_STATUS_SUCCESS);
	/* ADD_FILTER during the add and ADD_FILTER_POST_COMMIT after its commit. */
	assert_int_equal(p.runs, 2);
	assert_all_not_supported(&p);
	p.runs = 0;
	assert_int_equal(dfp_ctl_filter_delete_by_id(t->s, id), DFP_STATUS_SUCCESS);
	assert_int_equal(p.runs, 1);
	assert_all_not_supported(&p);
	t->notify.inside = NULL;
	assert_true(dfp_thread_is_passive());
	assert_int_equal(dfp_engine_filter_count(dfp_ctl_engine(t->ctl)), 0);
	assert_int_equal(dfp_ctl_session_close(p.victim), DFP_STATUS_SUCCESS);
}

static void
test_ctl_synchronize_without_readers_returns(void **state)
{
	struct ct *t = *state;

	assert_int_equal(dfp_ctl_synchronize(t->ctl), DFP_STATUS_SUCCESS);
}

static int
group_setup(void **state)
{
	(void)state;
	return dfp_test_eal_init(NULL, 0);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, ct_setup, ct_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_ctl_commit_publishes_new_generation),
		T(test_ctl_write_outside_txn_is_committed_at_once),
		T(test_ctl_failed_implicit_write_publishes_nothing),
		T(test_ctl_commit_keeps_generation_increasing),
		T(test_ctl_abort_restores_everything),
		T(test_ctl_abort_keeps_published_classification),
		T(test_ctl_begin_twice_is_txn_in_progress),
		T(test_ctl_commit_without_txn_is_no_txn_in_progress),
		T(test_ctl_abort_without_txn_is_no_txn_in_progress),
		T(test_ctl_txn_begin_bad_flags_is_invalid_flags),
		T(test_ctl_session_open_bad_flags_is_invalid_flags),
		T(test_ctl_read_only_txn_write_is_incompatible_txn),
		T(test_ctl_failed_call_does_not_doom_transaction),
		T(test_ctl_second_session_times_out_waiting_for_transaction),
		T(test_ctl_waiting_session_proceeds_when_transaction_ends),
		T(test_ctl_dynamic_session_close_deletes_its_objects_and_publishes),
		T(test_ctl_dynamic_session_close_aborts_open_transaction),
		T(test_ctl_static_session_objects_survive_close),
		T(test_ctl_objects_record_their_session),
		T(test_ctl_destroy_aborts_open_transaction),
		T(test_ctl_passive_calls_from_worker_are_not_supported),
		T(test_ctl_reader_registration_marks_thread_as_worker),
		T(test_ctl_reader_id_out_of_range_is_invalid_parameter),
		T(test_ctl_passive_calls_from_notify_callback_are_not_supported),
		T(test_ctl_synchronize_without_readers_returns),
	};

	return cmocka_run_group_tests(tests, group_setup, NULL);
}
