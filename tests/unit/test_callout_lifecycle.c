/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The callout runtime through lib/ctl (spec §4-§7, scenarios N1, N3-N10,
 * N12): registration and its shared id, unregistration and its statuses,
 * the fall-back of filters naming an unregistered callout, notifyFn,
 * the classifyFn contract, flow contexts, the calling-context rules and
 * classify handles.
 *
 * Each test builds a fresh control plane with two flow tables owned by the
 * main thread (it plays the worker that owns the flows), registers small
 * test callouts whose callbacks record what they saw, and classifies
 * packets against the published ruleset with the runtime's invoke hook.
 * Tests that need concurrency (FWP_IN_USE, N12 on a worker thread) start
 * their own threads and only assert on the main thread.
 */
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <rte_common.h>

#include <cmocka.h>

#include "dfp_ctl.h"
#include "dfp_thread.h"
#include "test_eal.h"
#include "test_engine_fixture.h"

/* Layers used here. */
#define L_EST DFP_LAYER_ALE_FLOW_ESTABLISHED_V4
#define L_DGRAM DFP_LAYER_DATAGRAM_DATA_V4
#define L_CONN DFP_LAYER_ALE_AUTH_CONNECT_V4
#define L_TRANS DFP_LAYER_INBOUND_TRANSPORT_V4
#define L_IPPKT DFP_LAYER_INBOUND_IPPACKET_V4

#define MAX_CO 8
#define MAX_FLOWS 16
#define MAX_LOG 16
#define N_TABLES 2
#define PEND_TIMEOUT_MS 20
#define WAIT_MS 10000          /* Bound on every wait for another thread. */
#define T_STATUS_FAIL ((dfp_status_t)0xC0000001U) /* STATUS_UNSUCCESSFUL */

struct lc;

/* One notifyFn call. */
struct notify_rec {
	enum dfp_notify_type type;
	bool key_null;
	struct dfp_guid key;
	uint64_t filter_id;
};

/* One flowDeleteFn call. */
struct delete_rec {
	uint16_t layer_id;
	uint32_t callout_id;
	uint64_t context;
};

/*
 * A test callout: its registration, what it does, and what its callbacks
 * saw. Single-threaded tests only (plain fields).
 */
struct tco {
	struct lc *t;
	struct dfp_callout_desc desc;
	uint32_t id;
	bool registered;
	/* Behaviour. */
	uint32_t action;                /* actionType written (0: leave classifyOut). */
	bool clear_right;
	uint32_t out_flags;
	dfp_status_t notify_add_status; /* What ADD_FILTER returns. */
	dfp_status_t notify_del_status; /* What DELETE_FILTER returns (ignored). */
	uint64_t notify_set_context;    /* Stored into filter->context at ADD (0: no). */
	void (*on_classify)(struct tco *c, const struct dfp_callout_classify_in *in,
		const struct dfp_engine_filter_rt *filter, uint64_t flow_ctx,
		struct dfp_classify_out *out);
	void (*on_notify)(struct tco *c, enum dfp_notify_type type);
	void (*on_delete)(struct tco *c);
	/* Recorded by classifyFn (the last call). */
	unsigned int n_classify;
	uint16_t seen_layer;
	struct dfp_engine_values seen_values;
	const struct dfp_engine_values *seen_values_ptr;
	bool seen_meta_null;
	struct dfp_callout_meta seen_meta;
	void *seen_layer_data;
	const void *seen_classify_context;
	void *seen_callout_ctx;
	uint64_t seen_filter_id;
	uint64_t seen_filter_context;
	uint16_t seen_filter_layer;
	uint32_t seen_filter_callout;
	uint64_t seen_flow_ctx;
	uint32_t seen_rights;
	unsigned int deletes_at_exit;   /* n_delete when classifyFn returned. */
	/* Results of calls made from inside callbacks. */
	dfp_status_t st[16];
	unsigned int n_st;
	uint64_t handle;
	/* notifyFn. */
	struct notify_rec nlog[MAX_LOG];
	unsigned int n_notify;
	/* flowDeleteFn. */
	struct delete_rec dlog[MAX_LOG];
	unsigned int n_delete;
};

struct lc {
	struct dfp_ctl *ctl;
	struct dfp_ctl_session *s;
	struct dfp_callout_rt *rt;
	struct dfp_flow_dir *dir;
	struct dfp_flow_table *tbl[N_TABLES];
	struct tco co[MAX_CO];
	unsigned int n_co;
	struct dfp_flow *flow[MAX_FLOWS];
	struct dfp_flow_table *flow_tbl[MAX_FLOWS];
	uint64_t flow_id[MAX_FLOWS];
	unsigned int n_flows;
};

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void
sleep_ms(unsigned int ms)
{
	struct timespec d = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };

	nanosleep(&d, NULL);
}

/* ---- Test callouts ---- */

static void
tco_classify(const struct dfp_callout_classify_in *in, const struct dfp_engine_filter_rt *filter,
		uint64_t flow_context, struct dfp_classify_out *out)
{
	struct tco *c = in->callout_ctx;

	c->n_classify++;
	c->seen_layer = in->layer_id;
	c->seen_values_ptr = in->values;
	if (in->values != NULL)
		c->seen_values = *in->values;
	c->seen_meta_null = in->meta == NULL;
	if (in->meta != NULL)
		c->seen_meta = *in->meta;
	c->seen_layer_data = in->layer_data;
	c->seen_classify_context = in->classify_context;
	c->seen_callout_ctx = in->callout_ctx;
	c->seen_filter_id = filter->filter_id;
	c->seen_filter_context = filter->context;
	c->seen_filter_layer = filter->layer_id;
	c->seen_filter_callout = filter->callout_id;
	c->seen_flow_ctx = flow_context;
	c->seen_rights = out->rights;
	if (c->action != 0) {
		out->action_type = c->action;
		if (c->clear_right)
			out->rights &= ~DFP_RIGHT_ACTION_WRITE;
		out->flags |= c->out_flags;
	}
	if (c->on_classify != NULL)
		c->on_classify(c, in, filter, flow_context, out);
	c->deletes_at_exit = c->n_delete;
}

static dfp_status_t
tco_notify(void *ctx, enum dfp_notify_type type, const struct dfp_guid *filter_key,
		struct dfp_engine_filter_rt *filter)
{
	struct tco *c = ctx;
	struct notify_rec *r;

	if (c->n_notify < MAX_LOG) {
		r = &c->nlog[c->n_notify++];
		r->type = type;
		r->key_null = filter_key == NULL;
		if (filter_key != NULL)
			r->key = *filter_key;
		r->filter_id = filter->filter_id;
	}
	if (c->on_notify != NULL)
		c->on_notify(c, type);
	if (type == DFP_NOTIFY_ADD_FILTER) {
		if (c->notify_add_status != DFP_STATUS_SUCCESS)
			return c->notify_add_status;
		if (c->notify_set_context != 0)
			filter->context = c->notify_set_context;
	}
	if (type == DFP_NOTIFY_DELETE_FILTER)
		return c->notify_del_status;
	return DFP_STATUS_SUCCESS;
}

static void
tco_flow_delete(void *ctx, uint16_t layer_id, uint32_t callout_id, uint64_t flow_context)
{
	struct tco *c = ctx;

	if (c->n_delete < MAX_LOG) {
		c->dlog[c->n_delete].layer_id = layer_id;
		c->dlog[c->n_delete].callout_id = callout_id;
		c->dlog[c->n_delete].context = flow_context;
	}
	c->n_delete++;
	if (c->on_delete != NULL)
		c->on_delete(c);
}

static void
tco_record(struct tco *c, dfp_status_t st)
{
	if (c->n_st < RTE_DIM(c->st))
		c->st[c->n_st++] = st;
}

static unsigned int
tco_notify_count(const struct tco *c, enum dfp_notify_type type)
{
	unsigned int i, n = 0;

	for (i = 0; i < c->n_notify; i++)
		if (c->nlog[i].type == type)
			n++;
	return n;
}

/* A callout description (key n) with the recording callbacks. */
static struct tco *
tco_new(struct lc *t, unsigned int n, uint32_t flags, bool with_flow_delete)
{
	struct tco *c;

	assert_true(t->n_co < MAX_CO);
	c = &t->co[t->n_co++];
	memset(c, 0, sizeof(*c));
	c->t = t;
	c->desc.key = fx_guid_n(n);
	c->desc.flags = flags;
	c->desc.classify = tco_classify;
	c->desc.notify = tco_notify;
	c->desc.flow_delete = with_flow_delete ? tco_flow_delete : NULL;
	c->desc.ctx = c;
	c->desc.name = "test callout";
	return c;
}

static uint32_t
tco_register(struct tco *c)
{
	uint32_t id = 0;

	assert_int_equal(dfp_ctl_callout_register(c->t->ctl, &c->desc, &id), DFP_STATUS_SUCCESS);
	assert_true(id != 0);
	c->id = id;
	c->registered = true;
	return id;
}

/* FwpmCalloutAdd0 for the callout's key at a layer; returns the id. */
static uint32_t
tco_add_object(struct tco *c, uint16_t layer)
{
	struct dfp_engine_callout_spec s;
	uint32_t id = 0;

	memset(&s, 0, sizeof(s));
	s.key = c->desc.key;
	s.name = "test callout object";
	s.layer_id = layer;
	assert_int_equal(dfp_ctl_callout_add(c->t->s, &s, &id), DFP_STATUS_SUCCESS);
	assert_true(id != 0);
	return id;
}

/* Management object at `layer`, then registration: the usual order. */
static uint32_t
tco_setup(struct tco *c, uint16_t layer)
{
	uint32_t id = tco_add_object(c, layer);

	assert_int_equal(tco_register(c), id);
	return id;
}

/* A filter naming callout c (or static when c is NULL); returns its id. */
static uint64_t
add_filter_w(struct lc *t, uint16_t layer, uint32_t action, struct tco *c, uint32_t flags,
		uint64_t weight)
{
	struct dfp_engine_filter_spec f = fx_spec_w("f", layer, action, weight);
	uint64_t id = 0;

	f.flags = flags;
	if (c != NULL)
		f.callout_key = c->desc.key;
	assert_int_equal(dfp_ctl_filter_add(t->s, &f, &id), DFP_STATUS_SUCCESS);
	assert_true(id != 0);
	return id;
}

static uint64_t
add_filter(struct lc *t, uint16_t layer, uint32_t action, struct tco *c, uint32_t flags)
{
	return add_filter_w(t, layer, action, c, flags, 100);
}

static int
count_cb(void *arg, const struct dfp_engine_filter_info *f)
{
	(void)f;
	(*(unsigned int *)arg)++;
	return 0;
}

static unsigned int
filter_count(struct lc *t, uint16_t layer)
{
	unsigned int n = 0;

	assert_int_equal(dfp_ctl_filter_foreach(t->s, layer, count_cb, &n), DFP_STATUS_SUCCESS);
	return n;
}

/* ---- Flows (the main thread owns both tables) ---- */

static unsigned int
flow_new_in(struct lc *t, unsigned int table)
{
	unsigned int i = t->n_flows;

	assert_true(i < MAX_FLOWS);
	t->flow_id[i] = dfp_flow_alloc(t->tbl[table], &t->flow[i]);
	assert_true(t->flow_id[i] != 0);
	assert_non_null(t->flow[i]);
	assert_int_equal(dfp_flow_id(t->flow[i]), t->flow_id[i]);
	t->flow_tbl[i] = t->tbl[table];
	t->n_flows++;
	return i;
}

static unsigned int
flow_new(struct lc *t)
{
	return flow_new_in(t, 0);
}

static void
flow_end(struct lc *t, unsigned int i)
{
	assert_non_null(t->flow[i]);
	dfp_flow_end(t->flow_tbl[i], t->flow[i]);
	t->flow[i] = NULL;
}

/* ---- Classification ---- */

static struct dfp_engine_values
values_default(void)
{
	struct dfp_engine_values v;

	memset(&v, 0, sizeof(v));
	v.ip_protocol = 17;
	v.local_addr.v4 = fx_ip4(10, 0, 0, 1);
	v.remote_addr.v4 = fx_ip4(10, 0, 0, 2);
	v.local_port = 5353;
	v.remote_port = 53;
	return v;
}

/* The per-packet context a datapath builds: flow i (or none, -1) and its worker. */
static struct dfp_callout_pkt
pkt_for(struct lc *t, int flow, unsigned int worker)
{
	struct dfp_callout_pkt p;

	memset(&p, 0, sizeof(p));
	p.worker = worker;
	p.layer_data = (void *)(uintptr_t)0x5eed;
	p.packet_tag = 0x7a6;
	if (flow >= 0) {
		p.table = t->flow_tbl[flow];
		p.flow = t->flow[flow];
		p.meta.present = DFP_META_FLOW_HANDLE;
		p.meta.flow_handle = t->flow_id[flow];
	}
	return p;
}

static struct dfp_engine_verdict
classify_pkt(struct lc *t, uint16_t layer, const struct dfp_engine_values *v,
		struct dfp_callout_pkt *p)
{
	const struct dfp_engine_values *vals[1] = {v};
	struct dfp_engine_classify_env env = {dfp_callout_invoke, t->rt};
	void *ctxs[1] = {p};
	struct dfp_engine_verdict out;

	memset(&out, 0xa5, sizeof(out));
	dfp_engine_classify_burst(dfp_ctl_ruleset_get(dfp_ctl_ruleset_slot(t->ctl)), layer, vals,
		ctxs, 1, &env, &out);
	return out;
}

/* Classify one default packet of flow `flow` (-1: none) at `layer` on worker 0. */
static struct dfp_engine_verdict
classify(struct lc *t, uint16_t layer, int flow)
{
	struct dfp_engine_values v = values_default();
	struct dfp_callout_pkt p = pkt_for(t, flow, 0);

	return classify_pkt(t, layer, &v, &p);
}

static struct dfp_callout_stats
stats(struct lc *t)
{
	struct dfp_callout_stats s;

	dfp_callout_stats_get(t->rt, &s);
	return s;
}

/* ---- Fixture ---- */

static int
lc_setup(void **state)
{
	struct lc *t = calloc(1, sizeof(*t));
	struct dfp_ctl_params p;
	unsigned int i;

	assert_non_null(t);
	memset(&p, 0, sizeof(p));
	p.max_readers = 8;
	p.n_workers = N_TABLES;
	p.max_handles = 64;
	p.pend_timeout_ms = PEND_TIMEOUT_MS;
	assert_int_equal(dfp_ctl_create(&p, &t->ctl), DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_ctl_session_open(t->ctl, 0, &t->s), DFP_STATUS_SUCCESS);
	t->rt = dfp_ctl_callouts(t->ctl);
	t->dir = dfp_ctl_flows(t->ctl);
	assert_non_null(t->rt);
	assert_non_null(t->dir);
	for (i = 0; i < N_TABLES; i++)
		assert_int_equal(dfp_flow_table_create(t->dir, i, 64, &t->tbl[i]),
			DFP_STATUS_SUCCESS);
	*state = t;
	return 0;
}

static int
lc_teardown(void **state)
{
	struct lc *t = *state;
	unsigned int i;

	/* Flows first: their contexts' flowDeleteFn need the registrations. */
	for (i = 0; i < t->n_flows; i++)
		if (t->flow[i] != NULL)
			flow_end(t, i);
	for (i = 0; i < t->n_co; i++)
		if (t->co[i].registered)
			(void)dfp_ctl_callout_unregister_by_id(t->ctl, t->co[i].id);
	for (i = 0; i < N_TABLES; i++)
		dfp_flow_table_free(t->tbl[i]);
	dfp_ctl_destroy(t->ctl);
	free(t);
	return 0;
}

/* ---- Registration ---- */

struct reg_find {
	uint32_t id;
	unsigned int n;
	struct dfp_callout_reg_info found;
};

static int
reg_find_cb(void *arg, const struct dfp_callout_reg_info *r)
{
	struct reg_find *f = arg;

	f->n++;
	if (r->callout_id == f->id)
		f->found = *r;
	return 0;
}

static struct reg_find
reg_list(struct lc *t, uint32_t id)
{
	struct reg_find f;

	memset(&f, 0, sizeof(f));
	f.id = id;
	dfp_callout_foreach(t->rt, reg_find_cb, &f);
	return f;
}

static void
test_register_then_add_object_shares_id(void **state)
{
	struct lc *t = *state;
	struct tco *c = tco_new(t, 1, 0, false);
	struct dfp_engine_callout_info info;
	uint32_t rid, aid;

	rid = tco_register(c);
	aid = tco_add_object(c, L_DGRAM);
	assert_int_equal(aid, rid);
	assert_int_equal(dfp_ctl_callout_get(t->s, rid, &info), DFP_STATUS_SUCCESS);
	assert_true(dfp_guid_equal(&info.key, &c->desc.key));
	assert_true(dfp_callout_is_registered(t->rt, rid));
}

static void
test_add_object_then_register_shares_id(void **state)
{
	struct lc *t = *state;
	struct tco *c = tco_new(t, 2, 0, false);
	struct reg_find f;
	uint32_t aid, rid;

	aid = tco_add_object(c, L_DGRAM);
	rid = tco_register(c);
	assert_int_equal(rid, aid);
	f = reg_list(t, rid);
	assert_int_equal(f.n, 1);
	assert_int_equal(f.found.callout_id, rid);
	assert_true(dfp_guid_equal(&f.found.key, &c->desc.key));
	assert_string_equal(f.found.name, "test callout");
}

static void
test_register_same_key_twice_already_exists(void **state)
{
	struct lc *t = *state;
	struct tco *c = tco_new(t, 3, 0, false);
	uint32_t id, id2 = 0;

	id = tco_setup(c, L_DGRAM);
	c->action = DFP_ACTION_PERMIT;
	add_filter(t, L_DGRAM, DFP_ACTION_CALLOUT_TERMINATING, c, 0);
	assert_int_equal(dfp_ctl_callout_register(t->ctl, &c->desc, &id2),
		DFP_STATUS_FWP_ALREADY_EXISTS);
	/* The first registration is untouched. */
	assert_int_equal(reg_list(t, id).n, 1);
	assert_int_equal(classify(t, L_DGRAM, -1).action, DFP_ACTION_PERMIT);
	assert_int_equal(c->n_classify, 1);
}

static void
test_register_without_classify_fn_invalid_parameter(void **state)
{
	struct lc *t = *state;
	struct tco *c = tco_new(t, 4, 0, false);
	uint32_t id = 0;

	c->desc.classify = NULL;
	assert_int_equal(dfp_ctl_callout_register(t->ctl, &c->desc, &id),
		DFP_STATUS_INVALID_PARAMETER);
	assert_int_equal(reg_list(t, 0).n, 0);
	/* A valid registration of the same key still works afterwards. */
	c->desc.classify = tco_classify;
	tco_register(c);
}

/* ---- Unregistration ---- */

static void
test_unregister_unknown_id_callout_not_found(void **state)
{
	struct lc *t = *state;
	struct tco *c = tco_new(t, 5, 0, false);
	uint32_t obj;

	assert_int_equal(dfp_ctl_callout_unregister_by_id(t->ctl, 0xdead),
		DFP_STATUS_FWP_CALLOUT_NOT_FOUND);
	/* A management object alone is not a registration (N3). */
	obj = tco_add_object(c, L_DGRAM);
	assert_int_equal(dfp_ctl_callout_unregister_by_id(t->ctl, obj),
		DFP_STATUS_FWP_CALLOUT_NOT_FOUND);
}

static void
test_unregister_unknown_key_callout_not_found(void **state)
{
	struct lc *t = *state;
	struct dfp_guid k = fx_guid_n(0x777);

	assert_int_equal(dfp_ctl_callout_unregister_by_key(t->ctl, &k),
		DFP_STATUS_FWP_CALLOUT_NOT_FOUND);
}

static void
test_unregister_by_id_succeeds_once(void **state)
{
	struct lc *t = *state;
	struct tco *c = tco_new(t, 6, 0, false);
	uint32_t id = tco_setup(c, L_DGRAM);

	assert_int_equal(dfp_ctl_callout_unregister_by_id(t->ctl, id), DFP_STATUS_SUCCESS);
	c->registered = false;
	assert_false(dfp_callout_is_registered(t->rt, id));
	assert_int_equal(dfp_ctl_callout_unregister_by_id(t->ctl, id),
		DFP_STATUS_FWP_CALLOUT_NOT_FOUND);
	assert_int_equal(dfp_ctl_callout_unregister_by_key(t->ctl, &c->desc.key),
		DFP_STATUS_FWP_CALLOUT_NOT_FOUND);
}

static void
test_unregister_by_key_succeeds_once(void **state)
{
	struct lc *t = *state;
	struct tco *c = tco_new(t, 7, 0, false);
	uint32_t id = tco_setup(c, L_DGRAM);

	assert_int_equal(dfp_ctl_callout_unregister_by_key(t->ctl, &c->desc.key),
		DFP_STATUS_SUCCESS);
	c->registered = false;
	assert_false(dfp_callout_is_registered(t->rt, id));
	assert_int_equal(dfp_ctl_callout_unregister_by_key(t->ctl, &c->desc.key),
		DFP_STATUS_FWP_CALLOUT_NOT_FOUND);
	assert_int_equal(dfp_ctl_callout_unregister_by_id(t->ctl, id),
		DFP_STATUS_FWP_CALLOUT_NOT_FOUND);
}

/* N1 and spec §10.9: DEVICE_BUSY changes nothing; remove, then unregister. */
static void
test_unregister_with_flow_context_device_busy_changes_nothing(void **state)
{
	struct lc *t = *state;
	struct tco *c = tco_new(t, 8, 0, true);
	unsigned int f = flow_new(t);
	struct reg_find rf;
	unsigned int g;
	uint32_t id;

	id = tco_setup(c, L_DGRAM);
	c->action = DFP_ACTION_PERMIT;
	add_filter(t, L_DGRAM, DFP_ACTION_CALLOUT_TERMINATING, c, 0);
	assert_int_equal(dfp_callout_flow_associate(t->rt, t->flow_id[f], L_DGRAM, id, 0x1234),
		DFP_STATUS_SUCCESS);

	assert_int_equal(dfp_ctl_callout_unregister_by_id(t->ctl, id), DFP_STATUS_DEVICE_BUSY);
	assert_int_equal(dfp_ctl_callout_unregister_by_key(t->ctl, &c->desc.key),
		DFP_STATUS_DEVICE_BUSY);
	/* Still fully active: listed, invoked, context delivered, nothing deleted. */
	assert_true(dfp_callout_is_registered(t->rt, id));
	rf = reg_list(t, id);
	assert_int_equal(rf.found.callout_id, id);
	assert_int_equal(rf.found.n_contexts, 1);
	assert_int_equal(classify(t, L_DGRAM, (int)f).action, DFP_ACTION_PERMIT);
	assert_int_equal(c->n_classify, 1);
	assert_int_equal(c->seen_flow_ctx, 0x1234);
	assert_int_equal(c->n_delete, 0);
	/* Associating more still works. */
	g = flow_new(t);
	assert_int_equal(dfp_callout_flow_associate(t->rt, t->flow_id[g], L_DGRAM, id, 0x5678),
		DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_callout_flow_remove(t->rt, t->flow_id[g], L_DGRAM, id),
		DFP_STATUS_SUCCESS);
	assert_int_equal(c->n_delete, 1);
	assert_int_equal(dfp_ctl_callout_unregister_by_id(t->ctl, id), DFP_STATUS_DEVICE_BUSY);
}

static void
test_unregister_after_context_removed_succeeds(void **state)
{
	struct lc *t = *state;
	struct tco *c = tco_new(t, 9, 0, true);
	unsigned int f = flow_new(t);
	uint32_t id;

	id = tco_setup(c, L_DGRAM);
	assert_int_equal(dfp_callout_flow_associate(t->rt, t->flow_id[f], L_DGRAM, id, 0x99),
		DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_ctl_callout_unregister_by_id(t->ctl, id), DFP_STATUS_DEVICE_BUSY);
	assert_int_equal(dfp_callout_flow_remove(t->rt, t->flow_id[f], L_DGRAM, id),
		DFP_STATUS_SUCCESS);
	/* flowDeleteFn ran inside the remove, once, with the association. */
	assert_int_equal(c->n_delete, 1);
	assert_int_equal(c->dlog[0].layer_id, L_DGRAM);
	assert_int_equal(c->dlog[0].callout_id, id);
	assert_int_equal(c->dlog[0].context, 0x99);
	assert_int_equal(reg_list(t, id).found.n_contexts, 0);
	assert_int_equal(dfp_ctl_callout_unregister_by_id(t->ctl, id), DFP_STATUS_SUCCESS);
	c->registered = false;
	assert_int_equal(dfp_ctl_callout_unregister_by_id(t->ctl, id),
		DFP_STATUS_FWP_CALLOUT_NOT_FOUND);
	/* Ending the flow later runs nothing more. */
	flow_end(t, f);
	assert_int_equal(c->n_delete, 1);
}

/* N8: after unregistration a TERMINATING filter stands in for a block. */
static void
test_unregistered_terminating_filter_blocks(void **state)
{
	struct lc *t = *state;
	struct tco *c = tco_new(t, 10, 0, false);
	struct dfp_engine_verdict v;
	uint64_t fid;
	uint32_t id;

	id = tco_setup(c, L_DGRAM);
	c->action = DFP_ACTION_PERMIT;
	fid = add_filter(t, L_DGRAM, DFP_ACTION_CALLOUT_TERMINATING, c, 0);
	assert_int_equal(classify(t, L_DGRAM, -1).action, DFP_ACTION_PERMIT);
	assert_int_equal(dfp_ctl_callout_unregister_by_id(t->ctl, id), DFP_STATUS_SUCCESS);
	c->registered = false;
	v = classify(t, L_DGRAM, -1);
	assert_int_equal(v.action, DFP_ACTION_BLOCK);
	assert_int_equal(v.filter_id, fid);
	assert_int_equal(c->n_classify, 1);
}

static void
test_unregistered_permit_if_unregistered_filter_permits(void **state)
{
	struct lc *t = *state;
	struct tco *c = tco_new(t, 11, 0, false);
	struct dfp_engine_verdict v;
	uint64_t fid;
	uint32_t id;

	id = tco_setup(c, L_DGRAM);
	c->action = DFP_ACTION_BLOCK;
	fid = add_filter(t, L_DGRAM, DFP_ACTION_CALLOUT_TERMINATING, c,
		DFP_FILTER_FLAG_PERMIT_IF_CALLOUT_UNREGISTERED);
	assert_int_equal(classify(t, L_DGRAM, -1).action, DFP_ACTION_BLOCK);
	assert_int_equal(dfp_ctl_callout_unregister_by_key(t->ctl, &c->desc.key),
		DFP_STATUS_SUCCESS);
	c->registered = false;
	v = classify(t, L_DGRAM, -1);
	assert_int_equal(v.action, DFP_ACTION_PERMIT);
	assert_int_equal(v.filter_id, fid);
	assert_int_equal(c->n_classify, 1);
	(void)id;
}

static void
test_unregistered_inspection_filter_skipped(void **state)
{
	struct lc *t = *state;
	struct tco *c = tco_new(t, 12, 0, false);
	struct dfp_engine_verdict v;
	uint64_t pid;
	uint32_t id;

	id = tco_setup(c, L_DGRAM);
	c->action = DFP_ACTION_BLOCK;   /* Coerced to CONTINUE while registered. */
	add_filter_w(t, L_DGRAM, DFP_ACTION_CALLOUT_INSPECTION, c, 0, 200);
	pid = add_filter_w(t, L_DGRAM, DFP_ACTION_PERMIT, NULL, 0, 100);
	assert_int_equal(classify(t, L_DGRAM, -1).action, DFP_ACTION_PERMIT);
	assert_int_equal(c->n_classify, 1);
	assert_int_equal(dfp_ctl_callout_unregister_by_id(t->ctl, id), DFP_STATUS_SUCCESS);
	c->registered = false;
	/* Skipped, not blocking: the static permit below it decides. */
	v = classify(t, L_DGRAM, -1);
	assert_int_equal(v.action, DFP_ACTION_PERMIT);
	assert_int_equal(v.filter_id, pid);
	assert_int_equal(c->n_classify, 1);
}

static void
test_reregister_after_unregister_works(void **state)
{
	struct lc *t = *state;
	struct tco *c = tco_new(t, 13, 0, true);
	uint32_t id;

	id = tco_setup(c, L_DGRAM);
	c->action = DFP_ACTION_PERMIT;
	add_filter(t, L_DGRAM, DFP_ACTION_CALLOUT_TERMINATING, c, 0);
	assert_int_equal(classify(t, L_DGRAM, -1).action, DFP_ACTION_PERMIT);
	assert_int_equal(dfp_ctl_callout_unregister_by_id(t->ctl, id), DFP_STATUS_SUCCESS);
	c->registered = false;
	assert_int_equal(classify(t, L_DGRAM, -1).action, DFP_ACTION_BLOCK);
	assert_int_equal(c->n_classify, 1);
	/* Same key, same id (the management object keeps it), invoked again. */
	assert_int_equal(tco_register(c), id);
	assert_int_equal(classify(t, L_DGRAM, -1).action, DFP_ACTION_PERMIT);
	assert_int_equal(c->n_classify, 2);
}

/*
 * Regression (commit bafa3d2, found by fuzz_ctl_seq): a transaction deletes
 * the callout's management object, the callout is unregistered while that
 * transaction is open, and the transaction is aborted. The abort puts the
 * object back with its run-time id, so the key must still own that id: the
 * next registration gets it again (spec §1.8) and a filter naming the key
 * reaches the registered callout instead of falling back to the
 * unregistered-callout block (spec §10.24).
 */
static void
test_unregister_in_txn_that_deleted_object_keeps_id_after_abort(void **state)
{
	struct lc *t = *state;
	struct tco *c = tco_new(t, 14, 0, false);
	struct dfp_engine_callout_info info;
	struct dfp_engine_verdict v;
	uint64_t fid;
	uint32_t id;

	id = tco_setup(c, L_DGRAM);
	assert_int_equal(dfp_ctl_txn_begin(t->s, 0), DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_ctl_callout_delete_by_key(t->s, &c->desc.key), DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_ctl_callout_unregister_by_id(t->ctl, id), DFP_STATUS_SUCCESS);
	c->registered = false;
	assert_int_equal(dfp_ctl_txn_abort(t->s), DFP_STATUS_SUCCESS);
	/* The object is back under its old id... */
	assert_int_equal(dfp_ctl_callout_get(t->s, id, &info), DFP_STATUS_SUCCESS);
	assert_true(dfp_guid_equal(&info.key, &c->desc.key));
	/* ...and the key's next registration shares it. */
	assert_int_equal(tco_register(c), id);
	assert_true(dfp_callout_is_registered(t->rt, id));
	c->action = DFP_ACTION_PERMIT;
	fid = add_filter(t, L_DGRAM, DFP_ACTION_CALLOUT_TERMINATING, c, 0);
	v = classify(t, L_DGRAM, -1);
	assert_int_equal(v.action, DFP_ACTION_PERMIT);
	assert_int_equal(v.filter_id, fid);
	assert_int_equal(c->n_classify, 1);
	assert_int_equal(c->seen_filter_callout, id);
}

/* ---- FWP_IN_USE: a concurrent register/unregister of the same callout ---- */

/*
 * A reader thread classifies through the "holder" callout, whose classifyFn
 * sits still while `hold` is set: the grace period any register or
 * unregister waits for cannot end until it is released.
 */
struct holder {
	struct lc *t;
	unsigned int reader_id;
	int hold;          /* Main: 1 = the next classifyFn waits. */
	int inside;        /* Holder: 1 while waiting inside classifyFn. */
	int release;       /* Main: let the classifyFn return. */
	int stop;
	int reader_ok;
	uint64_t loops;
	pthread_t th;
};

static struct holder *holder_current;

static void
holder_classify(const struct dfp_callout_classify_in *in, const struct dfp_engine_filter_rt *f,
		uint64_t flow_ctx, struct dfp_classify_out *out)
{
	struct holder *h = holder_current;
	uint64_t t0;

	(void)in;
	(void)f;
	(void)flow_ctx;
	out->action_type = DFP_ACTION_PERMIT;
	if (!__atomic_load_n(&h->hold, __ATOMIC_ACQUIRE))
		return;
	__atomic_store_n(&h->hold, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&h->inside, 1, __ATOMIC_RELEASE);
	t0 = now_ms();
	while (!__atomic_load_n(&h->release, __ATOMIC_ACQUIRE) && now_ms() - t0 < WAIT_MS)
		sched_yield();
	__atomic_store_n(&h->inside, 0, __ATOMIC_RELEASE);
}

static dfp_status_t
holder_notify(void *ctx, enum dfp_notify_type type, const struct dfp_guid *key,
		struct dfp_engine_filter_rt *filter)
{
	(void)ctx;
	(void)type;
	(void)key;
	(void)filter;
	return DFP_STATUS_SUCCESS;
}

static void *
holder_main(void *arg)
{
	struct holder *h = arg;
	struct dfp_engine_values v = values_default();
	struct dfp_callout_pkt p;
	uint64_t t0 = now_ms();

	memset(&p, 0, sizeof(p));
	if (dfp_ctl_reader_register(h->t->ctl, h->reader_id) != DFP_STATUS_SUCCESS)
		return NULL;
	__atomic_store_n(&h->reader_ok, 1, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&h->stop, __ATOMIC_ACQUIRE) && now_ms() - t0 < 4 * WAIT_MS) {
		(void)classify_pkt(h->t, L_IPPKT, &v, &p);
		__atomic_fetch_add(&h->loops, 1, __ATOMIC_RELAXED);
		dfp_ctl_reader_quiescent(h->t->ctl, h->reader_id);
		sched_yield();
	}
	dfp_ctl_reader_unregister(h->t->ctl, h->reader_id);
	return NULL;
}

/* Register the holder callout and its filter, start the reader, park it inside classifyFn. */
static void
holder_start(struct lc *t, struct holder *h)
{
	struct tco *hc = tco_new(t, 0x100, 0, false);
	uint64_t t0;

	memset(h, 0, sizeof(*h));
	h->t = t;
	h->reader_id = 1;
	holder_current = h;
	hc->desc.classify = holder_classify;
	hc->desc.notify = holder_notify;
	tco_setup(hc, L_IPPKT);
	add_filter(t, L_IPPKT, DFP_ACTION_CALLOUT_TERMINATING, hc, 0);
	assert_int_equal(pthread_create(&h->th, NULL, holder_main, h), 0);
	t0 = now_ms();
	while (!__atomic_load_n(&h->reader_ok, __ATOMIC_ACQUIRE) && now_ms() - t0 < WAIT_MS)
		sched_yield();
	assert_true(__atomic_load_n(&h->reader_ok, __ATOMIC_ACQUIRE));
	__atomic_store_n(&h->hold, 1, __ATOMIC_RELEASE);
	t0 = now_ms();
	while (!__atomic_load_n(&h->inside, __ATOMIC_ACQUIRE) && now_ms() - t0 < WAIT_MS)
		sched_yield();
	assert_true(__atomic_load_n(&h->inside, __ATOMIC_ACQUIRE));
}

static void
holder_stop(struct holder *h)
{
	__atomic_store_n(&h->release, 1, __ATOMIC_RELEASE);
	__atomic_store_n(&h->stop, 1, __ATOMIC_RELEASE);
	pthread_join(h->th, NULL);
	holder_current = NULL;
}

/* A control thread running one register or unregister. */
struct ctl_call {
	struct lc *t;
	struct tco *c;
	bool do_register;
	dfp_status_t st;
	int done;
	pthread_t th;
};

static void *
ctl_call_main(void *arg)
{
	struct ctl_call *cc = arg;
	dfp_status_t st;
	uint32_t id = 0;

	if (cc->do_register)
		st = dfp_ctl_callout_register(cc->t->ctl, &cc->c->desc, &id);
	else
		st = dfp_ctl_callout_unregister_by_id(cc->t->ctl, cc->c->id);
	cc->st = st;
	__atomic_store_n(&cc->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/*
 * Is the callout in the table published to workers? Looked up as a worker
 * would (dfp_callout_is_registered() on a thread marked worker reads the
 * published table with acquire), not through rt->lock: a control-thread
 * lookup must not be what orders us after the other thread's publication
 * (see the regression tests below). Safe without being an RCU reader only because the holder
 * pins every grace period, so no table can be freed meanwhile.
 * (The acquire orders the caller after that publication.)
 */
static bool
published_while_held(struct lc *t, uint32_t id)
{
	bool found;

	dfp_thread_enter_worker();
	found = dfp_callout_is_registered(t->rt, id);
	dfp_thread_leave_worker();
	return found;
}

/* Wait until the other thread's registration of id is published. */
static bool
wait_published(struct lc *t, uint32_t id)
{
	uint64_t t0 = now_ms();

	while (!published_while_held(t, id) && now_ms() - t0 < WAIT_MS)
		sched_yield();
	return published_while_held(t, id);
}

/*
 * Wait until the other thread's unregistration of id has begun: the
 * callout is no longer listed (its state left REGISTERED under rt->lock;
 * the thread then unpublishes it and waits for the grace period). Reads
 * only the registration list under rt->lock, not the table.
 */
static bool
wait_unlisted(struct lc *t, uint32_t id)
{
	uint64_t t0 = now_ms();

	while (reg_list(t, id).found.callout_id == id && now_ms() - t0 < WAIT_MS)
		sched_yield();
	return reg_list(t, id).found.callout_id != id;
}

static void
test_unregister_while_unregistering_in_use(void **state)
{
	struct lc *t = *state;
	struct tco *c = tco_new(t, 14, 0, false);
	struct ctl_call cc;
	struct holder h;
	uint32_t id, id2 = 0;

	id = tco_setup(c, L_DGRAM);
	holder_start(t, &h);
	memset(&cc, 0, sizeof(cc));
	cc.t = t;
	cc.c = c;
	assert_int_equal(pthread_create(&cc.th, NULL, ctl_call_main, &cc), 0);
	/* Being unregistered by the other thread, which then waits for the grace period. */
	assert_true(wait_unlisted(t, id));
	assert_false(__atomic_load_n(&cc.done, __ATOMIC_ACQUIRE));
	assert_int_equal(dfp_ctl_callout_unregister_by_id(t->ctl, id), DFP_STATUS_FWP_IN_USE);
	assert_int_equal(dfp_ctl_callout_unregister_by_key(t->ctl, &c->desc.key),
		DFP_STATUS_FWP_IN_USE);
	assert_int_equal(dfp_ctl_callout_register(t->ctl, &c->desc, &id2), DFP_STATUS_FWP_IN_USE);
	assert_false(__atomic_load_n(&cc.done, __ATOMIC_ACQUIRE));
	holder_stop(&h);
	pthread_join(cc.th, NULL);
	assert_int_equal(cc.st, DFP_STATUS_SUCCESS);
	c->registered = false;
	assert_int_equal(dfp_ctl_callout_unregister_by_id(t->ctl, id),
		DFP_STATUS_FWP_CALLOUT_NOT_FOUND);
	assert_int_equal(tco_register(c), id);
}

static void
test_register_while_registering_in_use(void **state)
{
	struct lc *t = *state;
	struct tco *c = tco_new(t, 15, 0, false);
	struct ctl_call cc;
	struct holder h;
	uint32_t id, id2 = 0;

	id = tco_add_object(c, L_DGRAM);
	holder_start(t, &h);
	memset(&cc, 0, sizeof(cc));
	cc.t = t;
	cc.c = c;
	cc.do_register = true;
	assert_int_equal(pthread_create(&cc.th, NULL, ctl_call_main, &cc), 0);
	/* Published (REGISTERING) by the other thread, which waits for the grace period. */
	assert_true(wait_published(t, id));
	assert_false(__atomic_load_n(&cc.done, __ATOMIC_ACQUIRE));
	assert_int_equal(dfp_ctl_callout_register(t->ctl, &c->desc, &id2), DFP_STATUS_FWP_IN_USE);
	assert_int_equal(dfp_ctl_callout_unregister_by_id(t->ctl, id), DFP_STATUS_FWP_IN_USE);
	assert_int_equal(dfp_ctl_callout_unregister_by_key(t->ctl, &c->desc.key),
		DFP_STATUS_FWP_IN_USE);
	assert_false(__atomic_load_n(&cc.done, __ATOMIC_ACQUIRE));
	holder_stop(&h);
	pthread_join(cc.th, NULL);
	assert_int_equal(cc.st, DFP_STATUS_SUCCESS);
	c->id = id;
	c->registered = true;
	assert_int_equal(dfp_ctl_callout_register(t->ctl, &c->desc, &id2),
		DFP_STATUS_FWP_ALREADY_EXISTS);
}

/*
 * Regression test (was a BUG REPRODUCER against the pre-commit registry.c,
 * fixed in 363a485 by swapping the table under rt->lock): table_publish()
 * swapped rt->table and freed the old table without rt->lock, while
 * control-thread lookups (reg_get() off a worker: dfp_callout_is_registered(),
 * associate, the flowDeleteFn dispatch, a pend's default action) read
 * rt->table under rt->lock only, and register/unregister rebuilt from
 * rt->table under the lock but published after dropping it. Minimal
 * sequence (deterministic under ThreadSanitizer):
 *   1. a reader sits inside a classifyFn (grace periods cannot end);
 *   2. thread A: dfp_ctl_callout_unregister_by_id(X): rebuild under the
 *      lock, unlock, __atomic_exchange(&rt->table), wait for the grace period;
 *   3. main: dfp_callout_is_registered(rt, Y): lock, plain read of
 *      rt->table -> data race with A's exchange (registry.c reg_get vs
 *      table_publish). Had main read the old table just before A's
 *      exchange, A frees it after a grace period that does not wait for
 *      control threads: use after free.
 */
static void
test_control_lookup_during_other_publish_is_race_free(void **state)
{
	struct lc *t = *state;
	struct tco *x = tco_new(t, 16, 0, false);
	struct tco *y = tco_new(t, 17, 0, false);
	struct ctl_call cc;
	struct holder h;
	uint32_t ix, iy;

	ix = tco_setup(x, L_DGRAM);
	iy = tco_setup(y, L_DGRAM);
	holder_start(t, &h);
	memset(&cc, 0, sizeof(cc));
	cc.t = t;
	cc.c = x;
	assert_int_equal(pthread_create(&cc.th, NULL, ctl_call_main, &cc), 0);
	assert_true(wait_unlisted(t, ix));
	/* A control-thread lookup of another callout while A publishes. */
	assert_true(dfp_callout_is_registered(t->rt, iy));
	holder_stop(&h);
	pthread_join(cc.th, NULL);
	assert_int_equal(cc.st, DFP_STATUS_SUCCESS);
	x->registered = false;
	assert_true(dfp_callout_is_registered(t->rt, iy));
}

#define REG_CYCLES 100000u

struct reg_loop {
	struct lc *t;
	struct tco *c;
	unsigned int cycles;
	unsigned int lost;      /* Registered, yet missing from the published table. */
	unsigned int failed;    /* Register/unregister returned an error. */
	pthread_t th;
};

static void *
reg_loop_main(void *arg)
{
	struct reg_loop *r = arg;
	uint64_t t0 = now_ms();
	unsigned int i;
	uint32_t id;

	for (i = 0; i < REG_CYCLES && now_ms() - t0 < WAIT_MS; i++) {
		if (dfp_ctl_callout_register(r->t->ctl, &r->c->desc, &id) != DFP_STATUS_SUCCESS) {
			r->failed++;
			continue;
		}
		if (!dfp_callout_is_registered(r->t->rt, id))
			r->lost++;
		/* The last cycle leaves the callout registered. */
		if (i + 1 < REG_CYCLES &&
				dfp_ctl_callout_unregister_by_id(r->t->ctl, id) != DFP_STATUS_SUCCESS)
			r->failed++;
	}
	r->cycles = i;
	return NULL;
}

/*
 * Regression test (was a BUG REPRODUCER, same root cause and fix as above):
 * two control threads registering and unregistering *different* callouts
 * lost table updates. Minimal interleaving: A registers X (rebuilds T0 -> T1 =
 * T0 + X under rt->lock, unlocks); before A's exchange, B registers Y
 * (rebuilds from rt->table, still T0, -> T2 = T0 + Y, unlocks); A publishes
 * T1, B publishes T2: X is REGISTERED but absent from the published table,
 * so workers treat its filters as unregistered (block) and
 * dfp_callout_is_registered(X) is false. Probabilistic in plain builds
 * (failed about one run in two before the fix), reported at once by
 * ThreadSanitizer.
 */
static void
test_concurrent_registrations_of_other_callouts_stay_published(void **state)
{
	struct lc *t = *state;
	struct reg_loop r[2];
	unsigned int i;

	memset(r, 0, sizeof(r));
	for (i = 0; i < 2; i++) {
		r[i].t = t;
		r[i].c = tco_new(t, 18 + i, 0, false);
		tco_add_object(r[i].c, L_DGRAM);
	}
	for (i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&r[i].th, NULL, reg_loop_main, &r[i]), 0);
	for (i = 0; i < 2; i++)
		pthread_join(r[i].th, NULL);
	for (i = 0; i < 2; i++) {
		if (r[i].lost != 0 || r[i].failed != 0)
			print_error("thread %u: %u of %u registrations missing from the published "
				"table, %u failures\n", i, r[i].lost, r[i].cycles, r[i].failed);
		assert_int_equal(r[i].failed, 0);
		assert_int_equal(r[i].lost, 0);
	}
	for (i = 0; i < 2; i++) {
		uint32_t id = 0;

		/* Still registered at the end: a second register says so... */
		assert_int_equal(dfp_ctl_callout_register(t->ctl, &r[i].c->desc, &id),
			DFP_STATUS_FWP_ALREADY_EXISTS);
		r[i].c->registered = true;
		assert_int_equal(dfp_ctl_callout_lookup(t->s, &r[i].c->desc.key, &r[i].c->id),
			DFP_STATUS_SUCCESS);
		/* ...and workers must see it. */
		assert_true(dfp_callout_is_registered(t->rt, r[i].c->id));
	}
}

/* ---- notifyFn (N9, N10, POST_COMMIT, filter context) ---- */

static void
test_notify_add_failure_fails_filter_add(void **state)
{
	struct lc *t = *state;
	struct tco *c = tco_new(t, 20, 0, false);
	struct dfp_engine_filter_spec f = fx_spec("vetoed", L_DGRAM,
		DFP_ACTION_CALLOUT_TERMINATING);
	uint64_t fid = 0;

	tco_setup(c, L_DGRAM);
	c->action = DFP_ACTION_BLOCK;
	c->notify_add_status = T_STATUS_FAIL;
	f.key = fx_guid_n(0x2000);
	f.callout_key = c->desc.key;
	assert_int_equal(dfp_ctl_filter_add(t->s, &f, &fid),
		DFP_STATUS_FWP_CALLOUT_NOTIFICATION_FAILED);
	/* The callout was asked, with the filter's key. */
	assert_int_equal(tco_notify_count(c, DFP_NOTIFY_ADD_FILTER), 1);
	assert_false(c->nlog[0].key_null);
	assert_true(dfp_guid_equal(&c->nlog[0].key, &f.key));
	/* The filter is absent: not listed, not deletable, never classified. */
	assert_int_equal(filter_count(t, L_DGRAM), 0);
	assert_int_equal(dfp_ctl_filter_delete_by_key(t->s, &f.key),
		DFP_STATUS_FWP_FILTER_NOT_FOUND);
	assert_int_equal(classify(t, L_DGRAM, -1).action, DFP_ACTION_NONE_NO_MATCH);
	assert_int_equal(c->n_classify, 0);
}

static void
test_notify_delete_failure_still_removes_filter(void **state)
{
	struct lc *t = *state;
	struct tco *c = tco_new(t, 21, 0, false);
	uint64_t fid;

	tco_setup(c, L_DGRAM);
	c->action = DFP_ACTION_BLOCK;
	c->notify_del_status = T_STATUS_FAIL;
	fid = add_filter(t, L_DGRAM, DFP_ACTION_CALLOUT_TERMINATING, c, 0);
	assert_int_equal(classify(t, L_DGRAM, -1).action, DFP_ACTION_BLOCK);
	assert_int_equal(dfp_ctl_filter_delete_by_id(t->s, fid), DFP_STATUS_SUCCESS);
	assert_int_equal(tco_notify_count(c, DFP_NOTIFY_DELETE_FILTER), 1);
	assert_int_equal(filter_count(t, L_DGRAM), 0);
	assert_int_equal(classify(t, L_DGRAM, -1).action, DFP_ACTION_NONE_NO_MATCH);
	assert_int_equal(c->n_classify, 1);
}

static void
test_notify_add_and_delete_carry_filter(void **state)
{
	struct lc *t = *state;
	struct tco *c = tco_new(t, 22, 0, false);
	struct dfp_engine_filter_spec f = fx_spec("k", L_DGRAM, DFP_ACTION_CALLOUT_TERMINATING);
	uint64_t fid = 0;

	tco_setup(c, L_DGRAM);
	f.key = fx_guid_n(0x2200);
	f.callout_key = c->desc.key;
	assert_int_equal(dfp_ctl_filter_add(t->s, &f, &fid), DFP_STATUS_SUCCESS);
	assert_int_equal(c->n_notify, 1);
	assert_int_equal(c->nlog[0].type, DFP_NOTIFY_ADD_FILTER);
	assert_true(dfp_guid_equal(&c->nlog[0].key, &f.key));
	assert_int_equal(c->nlog[0].filter_id, fid);
	assert_int_equal(dfp_ctl_filter_delete_by_key(t->s, &f.key), DFP_STATUS_SUCCESS);
	assert_int_equal(c->n_notify, 2);
	assert_int_equal(c->nlog[1].type, DFP_NOTIFY_DELETE_FILTER);
	assert_true(c->nlog[1].key_null);
	assert_int_equal(c->nlog[1].filter_id, fid);
}

/* N10: no ADD replay for filters that existed before registration; DELETEs still come. */
static void
test_register_after_filters_no_add_replay_but_delete_sent(void **state)
{
	struct lc *t = *state;
	struct tco *c = tco_new(t, 23, 0, false);
	uint64_t f1, f2;

	tco_add_object(c, L_DGRAM);
	f1 = add_filter(t, L_DGRAM, DFP_ACTION_CALLOUT_TERMINATING, c, 0);
	f2 = add_filter(t, L_DGRAM, DFP_ACTION_CALLOUT_INSPECTION, c, 0);
	tco_register(c);
	assert_int_equal(c->n_notify, 0);
	assert_int_equal(dfp_ctl_filter_delete_by_id(t->s, f1), DFP_STATUS_SUCCESS);
	assert_int_equal(c->n_notify, 1);
	assert_int_equal(c->nlog[0].type, DFP_NOTIFY_DELETE_FILTER);
	assert_true(c->nlog[0].key_null);
	assert_int_equal(c->nlog[0].filter_id, f1);
	assert_int_equal(dfp_ctl_filter_delete_by_id(t->s, f2), DFP_STATUS_SUCCESS);
	assert_int_equal(tco_notify_count(c, DFP_NOTIFY_DELETE_FILTER), 2);
	assert_int_equal(tco_notify_count(c, DFP_NOTIFY_ADD_FILTER), 0);
}

static void
test_post_commit_notify_only_with_flag_after_commit(void **state)
{
	struct lc *t = *state;
	struct tco *a = tco_new(t, 24, DFP_CALLOUT_FLAG_ENABLE_COMMIT_ADD_NOTIFY, false);
	struct tco *b = tco_new(t, 25, 0, false);
	struct dfp_engine_filter_spec f = fx_spec("pc", L_DGRAM, DFP_ACTION_CALLOUT_INSPECTION);
	uint64_t fa = 0, fb;

	tco_setup(a, L_DGRAM);
	tco_setup(b, L_DGRAM);
	assert_int_equal(dfp_ctl_txn_begin(t->s, 0), DFP_STATUS_SUCCESS);
	f.key = fx_guid_n(0x2400);
	f.callout_key = a->desc.key;
	assert_int_equal(dfp_ctl_filter_add(t->s, &f, &fa), DFP_STATUS_SUCCESS);
	fb = add_filter(t, L_DGRAM, DFP_ACTION_CALLOUT_INSPECTION, b, 0);
	/* Inside the transaction: ADD only. */
	assert_int_equal(a->n_notify, 1);
	assert_int_equal(a->nlog[0].type, DFP_NOTIFY_ADD_FILTER);
	assert_int_equal(b->n_notify, 1);
	assert_int_equal(dfp_ctl_txn_commit(t->s), DFP_STATUS_SUCCESS);
	/* After commit: POST_COMMIT for the flagged callout only. */
	assert_int_equal(a->n_notify, 2);
	assert_int_equal(a->nlog[1].type, DFP_NOTIFY_ADD_FILTER_POST_COMMIT);
	assert_false(a->nlog[1].key_null);
	assert_true(dfp_guid_equal(&a->nlog[1].key, &f.key));
	assert_int_equal(a->nlog[1].filter_id, fa);
	assert_int_equal(b->n_notify, 1);
	assert_int_equal(tco_notify_count(b, DFP_NOTIFY_ADD_FILTER_POST_COMMIT), 0);
	(void)fb;
}

static void
test_post_commit_notify_after_implicit_commit(void **state)
{
	struct lc *t = *state;
	struct tco *a = tco_new(t, 26, DFP_CALLOUT_FLAG_ENABLE_COMMIT_ADD_NOTIFY, false);
	uint64_t fa;

	tco_setup(a, L_DGRAM);
	fa = add_filter(t, L_DGRAM, DFP_ACTION_CALLOUT_INSPECTION, a, 0);
	assert_int_equal(a->n_notify, 2);
	assert_int_equal(a->nlog[0].type, DFP_NOTIFY_ADD_FILTER);
	assert_int_equal(a->nlog[1].type, DFP_NOTIFY_ADD_FILTER_POST_COMMIT);
	assert_int_equal(a->nlog[1].filter_id, fa);
}

static void
test_notify_filter_context_seen_by_classify(void **state)
{
	struct lc *t = *state;
	struct tco *c = tco_new(t, 27, 0, false);
	uint64_t fid;

	tco_setup(c, L_DGRAM);
	c->notify_set_context = 0xC0FFEE;
	c->action = DFP_ACTION_PERMIT;
	fid = add_filter(t, L_DGRAM, DFP_ACTION_CALLOUT_TERMINATING, c, 0);
	assert_int_equal(classify(t, L_DGRAM, -1).action, DFP_ACTION_PERMIT);
	assert_int_equal(c->seen_filter_id, fid);
	assert_int_equal(c->seen_filter_context, 0xC0FFEE);
}

/* ---- classifyFn contract ---- */

static void
test_classify_receives_layer_values_meta_filter_and_flow_context(void **state)
{
	struct lc *t = *state;
	struct tco *c = tco_new(t, 30, 0, true);
	unsigned int f = flow_new(t);
	struct dfp_engine_values v = values_default();
	struct dfp_callout_pkt p;
	uint64_t fid;
	uint32_t id;

	id = tco_setup(c, L_DGRAM);
	c->action = DFP_ACTION_PERMIT;
	fid = add_filter(t, L_DGRAM, DFP_ACTION_CALLOUT_TERMINATING, c, 0);
	assert_int_equal(dfp_callout_flow_associate(t->rt, t->flow_id[f], L_DGRAM, id, 0xABC),
		DFP_STATUS_SUCCESS);
	p = pkt_for(t, (int)f, 0);
	v.local_port = 4242;
	assert_int_equal(classify_pkt(t, L_DGRAM, &v, &p).action, DFP_ACTION_PERMIT);
	assert_int_equal(c->n_classify, 1);
	assert_int_equal(c->seen_layer, L_DGRAM);
	assert_ptr_equal(c->seen_values_ptr, &v);
	assert_int_equal(c->seen_values.local_port, 4242);
	assert_false(c->seen_meta_null);
	assert_true(c->seen_meta.present & DFP_META_FLOW_HANDLE);
	assert_int_equal(c->seen_meta.flow_handle, t->flow_id[f]);
	assert_ptr_equal(c->seen_layer_data, p.layer_data);
	assert_non_null(c->seen_classify_context);
	assert_ptr_equal(c->seen_callout_ctx, c);
	assert_int_equal(c->seen_filter_id, fid);
	assert_int_equal(c->seen_filter_layer, L_DGRAM);
	assert_int_equal(c->seen_filter_callout, id);
	assert_int_equal(c->seen_flow_ctx, 0xABC);
	assert_true(c->seen_rights & DFP_RIGHT_ACTION_WRITE);
}

static void
test_classify_flow_context_zero_without_association(void **state)
{
	struct lc *t = *state;
	struct tco *c = tco_new(t, 31, 0, true);
	unsigned int f = flow_new(t);

	tco_setup(c, L_DGRAM);
	c->action = DFP_ACTION_PERMIT;
	add_filter(t, L_DGRAM, DFP_ACTION_CALLOUT_TERMINATING, c, 0);
	assert_int_equal(classify(t, L_DGRAM, (int)f).action, DFP_ACTION_PERMIT);
	assert_int_equal(c->n_classify, 1);
	assert_int_equal(c->seen_flow_ctx, 0);
	assert_int_equal(c->seen_meta.flow_handle, t->flow_id[f]);
}

static void
test_classify_flow_context_keyed_by_flow_and_callout(void **state)
{
	struct lc *t = *state;
	struct tco *a = tco_new(t, 32, 0, true);
	struct tco *b = tco_new(t, 33, 0, true);
	unsigned int f = flow_new(t);
	unsigned int g = flow_new(t);
	uint32_t ia, ib;

	ia = tco_setup(a, L_DGRAM);
	ib = tco_setup(b, L_DGRAM);
	add_filter_w(t, L_DGRAM, DFP_ACTION_CALLOUT_INSPECTION, a, 0, 200);
	add_filter_w(t, L_DGRAM, DFP_ACTION_CALLOUT_INSPECTION, b, 0, 100);
	/* a: a context on f; b: one on g only. */
	assert_int_equal(dfp_callout_flow_associate(t->rt, t->flow_id[f], L_DGRAM, ia, 0xA1),
		DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_callout_flow_associate(t->rt, t->flow_id[g], L_DGRAM, ib, 0xB2),
		DFP_STATUS_SUCCESS);
	classify(t, L_DGRAM, (int)f);
	assert_int_equal(a->n_classify, 1);
	assert_int_equal(b->n_classify, 1);
	assert_int_equal(a->seen_flow_ctx, 0xA1);
	assert_int_equal(b->seen_flow_ctx, 0);
	classify(t, L_DGRAM, (int)g);
	assert_int_equal(a->seen_flow_ctx, 0);
	assert_int_equal(b->seen_flow_ctx, 0xB2);
}

static void
test_classify_non_flow_layer_has_no_flow_context(void **state)
{
	struct lc *t = *state;
	struct tco *c = tco_new(t, 34, 0, true);
	unsigned int f = flow_new(t);
	struct dfp_engine_values v = values_default();
	struct dfp_callout_pkt p;
	uint32_t id;

	id = tco_setup(c, L_IPPKT);
	c->action = DFP_ACTION_PERMIT;
	add_filter(t, L_IPPKT, DFP_ACTION_CALLOUT_TERMINATING, c, 0);
	/* No association is possible at a layer without flows... */
	assert_int_equal(dfp_callout_flow_associate(t->rt, t->flow_id[f], L_IPPKT, id, 0x1),
		DFP_STATUS_INVALID_PARAMETER);
	/* ...and no flow context even if the caller passes a flow there. */
	p = pkt_for(t, (int)f, 0);
	p.meta.present = 0;
	assert_int_equal(classify_pkt(t, L_IPPKT, &v, &p).action, DFP_ACTION_PERMIT);
	assert_int_equal(c->n_classify, 1);
	assert_int_equal(c->seen_flow_ctx, 0);
	assert_false(c->seen_meta.present & DFP_META_FLOW_HANDLE);
}

static void
test_conditional_on_flow_skipped_without_context(void **state)
{
	struct lc *t = *state;
	struct tco *c = tco_new(t, 35, DFP_CALLOUT_FLAG_CONDITIONAL_ON_FLOW, true);
	unsigned int f = flow_new(t);
	unsigned int g = flow_new(t);
	struct dfp_engine_verdict v;
	uint64_t fid;
	uint32_t id;

	id = tco_setup(c, L_DGRAM);
	c->action = DFP_ACTION_BLOCK;
	fid = add_filter(t, L_DGRAM, DFP_ACTION_CALLOUT_TERMINATING, c, 0);
	/* No flow, and a flow without a context: as if the filter had not matched. */
	assert_int_equal(classify(t, L_DGRAM, -1).action, DFP_ACTION_NONE_NO_MATCH);
	assert_int_equal(classify(t, L_DGRAM, (int)g).action, DFP_ACTION_NONE_NO_MATCH);
	assert_int_equal(c->n_classify, 0);
	assert_int_equal(dfp_callout_flow_associate(t->rt, t->flow_id[f], L_DGRAM, id, 0x35),
		DFP_STATUS_SUCCESS);
	v = classify(t, L_DGRAM, (int)f);
	assert_int_equal(v.action, DFP_ACTION_BLOCK);
	assert_int_equal(v.filter_id, fid);
	assert_int_equal(c->n_classify, 1);
	assert_int_equal(c->seen_flow_ctx, 0x35);
	assert_int_equal(classify(t, L_DGRAM, (int)g).action, DFP_ACTION_NONE_NO_MATCH);
	assert_int_equal(c->n_classify, 1);
}

static void
test_classify_absorb_reported_in_verdict(void **state)
{
	struct lc *t = *state;
	struct tco *c = tco_new(t, 36, 0, false);
	struct dfp_engine_verdict v;

	tco_setup(c, L_DGRAM);
	c->action = DFP_ACTION_BLOCK;
	c->clear_right = true;
	c->out_flags = DFP_CLASSIFY_OUT_FLAG_ABSORB;
	add_filter(t, L_DGRAM, DFP_ACTION_CALLOUT_TERMINATING, c, 0);
	v = classify(t, L_DGRAM, -1);
	assert_int_equal(v.action, DFP_ACTION_BLOCK);
	assert_true(v.flags & DFP_ENGINE_VERDICT_F_ABSORB);
	assert_true(v.flags & DFP_ENGINE_VERDICT_F_HARD);
}

static void
test_classify_block_without_right_vetoes_hard_permit(void **state)
{
	struct lc *t = *state;
	struct tco *c = tco_new(t, 37, 0, false);
	struct dfp_engine_sublayer_spec sl;
	struct dfp_engine_filter_spec f;
	struct dfp_guid hi, lo;
	struct dfp_engine_verdict v;
	uint64_t fid = 0, cid = 0;

	tco_setup(c, L_DGRAM);
	c->action = DFP_ACTION_BLOCK;
	memset(&sl, 0, sizeof(sl));
	sl.name = "hi";
	sl.weight = 0x9000;
	assert_int_equal(dfp_ctl_sublayer_add(t->s, &sl, &hi), DFP_STATUS_SUCCESS);
	sl.name = "lo";
	sl.weight = 0x100;
	assert_int_equal(dfp_ctl_sublayer_add(t->s, &sl, &lo), DFP_STATUS_SUCCESS);
	f = fx_spec("hard permit", L_DGRAM, DFP_ACTION_PERMIT);
	f.sublayer_key = hi;
	f.flags = DFP_FILTER_FLAG_CLEAR_ACTION_RIGHT;
	assert_int_equal(dfp_ctl_filter_add(t->s, &f, &fid), DFP_STATUS_SUCCESS);
	f = fx_spec("veto", L_DGRAM, DFP_ACTION_CALLOUT_TERMINATING);
	f.sublayer_key = lo;
	f.callout_key = c->desc.key;
	assert_int_equal(dfp_ctl_filter_add(t->s, &f, &cid), DFP_STATUS_SUCCESS);
	v = classify(t, L_DGRAM, -1);
	/* The callout ran without the write right; its BLOCK is a veto. */
	assert_int_equal(c->n_classify, 1);
	assert_false(c->seen_rights & DFP_RIGHT_ACTION_WRITE);
	assert_int_equal(v.action, DFP_ACTION_BLOCK);
	assert_true(v.flags & DFP_ENGINE_VERDICT_F_VETO);
	assert_int_equal(v.filter_id, cid);
}

/* ---- Flow contexts through the runtime (N5, N6) ---- */

static void
test_associate_zero_context_invalid_parameter(void **state)
{
	struct lc *t = *state;
	struct tco *c = tco_new(t, 40, 0, true);
	unsigned int f = flow_new(t);
	uint32_t id = tco_setup(c, L_DGRAM);

	assert_int_equal(dfp_callout_flow_associate(t->rt, t->flow_id[f], L_DGRAM, id, 0),
		DFP_STATUS_INVALID_PARAMETER);
	assert_int_equal(dfp_ctl_callout_unregister_by_id(t->ctl, id), DFP_STATUS_SUCCESS);
	c->registered = false;
}

static void
test_associate_callout_without_flow_delete_invalid_parameter(void **state)
{
	struct lc *t = *state;
	struct tco *c = tco_new(t, 41, 0, false);
	unsigned int f = flow_new(t);
	uint32_t id = tco_setup(c, L_DGRAM);

	assert_int_equal(dfp_callout_flow_associate(t->rt, t->flow_id[f], L_DGRAM, id, 0x41),
		DFP_STATUS_INVALID_PARAMETER);
	assert_int_equal(dfp_ctl_callout_unregister_by_id(t->ctl, id), DFP_STATUS_SUCCESS);
	c->registered = false;
}

static void
test_associate_unregistered_callout_invalid_parameter(void **state)
{
	struct lc *t = *state;
	struct tco *c = tco_new(t, 42, 0, true);
	unsigned int f = flow_new(t);
	uint32_t id;

	/* Management object only. */
	id = tco_add_object(c, L_DGRAM);
	assert_int_equal(dfp_callout_flow_associate(t->rt, t->flow_id[f], L_DGRAM, id, 0x42),
		DFP_STATUS_INVALID_PARAMETER);
	/* Registered, then unregistered. */
	tco_register(c);
	assert_int_equal(dfp_ctl_callout_unregister_by_id(t->ctl, id), DFP_STATUS_SUCCESS);
	c->registered = false;
	assert_int_equal(dfp_callout_flow_associate(t->rt, t->flow_id[f], L_DGRAM, id, 0x42),
		DFP_STATUS_INVALID_PARAMETER);
	/* An id nobody has. */
	assert_int_equal(dfp_callout_flow_associate(t->rt, t->flow_id[f], L_DGRAM, 0xdead, 0x42),
		DFP_STATUS_INVALID_PARAMETER);
	flow_end(t, f);
	assert_int_equal(c->n_delete, 0);
}

static void
test_associate_twice_object_name_exists_keeps_first(void **state)
{
	struct lc *t = *state;
	struct tco *c = tco_new(t, 43, 0, true);
	unsigned int f = flow_new(t);
	uint32_t id;

	id = tco_setup(c, L_DGRAM);
	add_filter(t, L_DGRAM, DFP_ACTION_CALLOUT_INSPECTION, c, 0);
	assert_int_equal(dfp_callout_flow_associate(t->rt, t->flow_id[f], L_DGRAM, id, 0x1),
		DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_callout_flow_associate(t->rt, t->flow_id[f], L_DGRAM, id, 0x2),
		DFP_STATUS_OBJECT_NAME_EXISTS);
	classify(t, L_DGRAM, (int)f);
	assert_int_equal(c->seen_flow_ctx, 0x1);
	assert_int_equal(reg_list(t, id).found.n_contexts, 1);
	flow_end(t, f);
	assert_int_equal(c->n_delete, 1);
	assert_int_equal(c->dlog[0].context, 0x1);
}

static void
test_associate_stale_flow_id_invalid_parameter(void **state)
{
	struct lc *t = *state;
	struct tco *c = tco_new(t, 44, 0, true);
	unsigned int f = flow_new(t);
	uint64_t stale;
	uint32_t id;

	id = tco_setup(c, L_DGRAM);
	stale = t->flow_id[f];
	flow_end(t, f);
	/* The slot may be reused; the old id must not reach the new flow. */
	flow_new(t);
	assert_int_equal(dfp_callout_flow_associate(t->rt, stale, L_DGRAM, id, 0x44),
		DFP_STATUS_INVALID_PARAMETER);
	assert_int_equal(dfp_callout_flow_remove(t->rt, stale, L_DGRAM, id),
		DFP_STATUS_UNSUCCESSFUL);
	assert_int_equal(reg_list(t, id).found.n_contexts, 0);
}

static void
test_remove_without_context_unsuccessful(void **state)
{
	struct lc *t = *state;
	struct tco *c = tco_new(t, 45, 0, true);
	unsigned int f = flow_new(t);
	uint32_t id;

	id = tco_setup(c, L_DGRAM);
	assert_int_equal(dfp_callout_flow_remove(t->rt, t->flow_id[f], L_DGRAM, id),
		DFP_STATUS_UNSUCCESSFUL);
	assert_int_equal(dfp_callout_flow_associate(t->rt, t->flow_id[f], L_DGRAM, id, 0x45),
		DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_callout_flow_remove(t->rt, t->flow_id[f], L_DGRAM, id),
		DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_callout_flow_remove(t->rt, t->flow_id[f], L_DGRAM, id),
		DFP_STATUS_UNSUCCESSFUL);
	assert_int_equal(c->n_delete, 1);
}

static void
remove_own_context(struct tco *c, const struct dfp_callout_classify_in *in,
		const struct dfp_engine_filter_rt *filter, uint64_t flow_ctx,
		struct dfp_classify_out *out)
{
	(void)flow_ctx;
	(void)out;
	tco_record(c, dfp_callout_flow_remove(c->t->rt, in->meta->flow_handle, in->layer_id,
		filter->callout_id));
}

/* Spec §10.12 and N6: removal from one's own classifyFn is deferred. */
static void
test_remove_from_own_classify_pending_then_deleted_once(void **state)
{
	struct lc *t = *state;
	struct tco *c = tco_new(t, 46, 0, true);
	unsigned int f = flow_new(t);
	uint32_t id;

	id = tco_setup(c, L_DGRAM);
	add_filter(t, L_DGRAM, DFP_ACTION_CALLOUT_INSPECTION, c, 0);
	assert_int_equal(dfp_callout_flow_associate(t->rt, t->flow_id[f], L_DGRAM, id, 0x46),
		DFP_STATUS_SUCCESS);
	c->on_classify = remove_own_context;
	classify(t, L_DGRAM, (int)f);
	assert_int_equal(c->n_st, 1);
	assert_int_equal(c->st[0], DFP_STATUS_PENDING);
	/* Not during the classifyFn; once after it. */
	assert_int_equal(c->deletes_at_exit, 0);
	assert_int_equal(c->n_delete, 1);
	assert_int_equal(c->dlog[0].context, 0x46);
	assert_int_equal(c->dlog[0].layer_id, L_DGRAM);
	assert_int_equal(c->dlog[0].callout_id, id);
	/* Gone: not delivered, not removable, not deleted again at flow end. */
	c->on_classify = NULL;
	classify(t, L_DGRAM, (int)f);
	assert_int_equal(c->seen_flow_ctx, 0);
	assert_int_equal(dfp_callout_flow_remove(t->rt, t->flow_id[f], L_DGRAM, id),
		DFP_STATUS_UNSUCCESSFUL);
	flow_end(t, f);
	assert_int_equal(c->n_delete, 1);
	assert_int_equal(dfp_ctl_callout_unregister_by_id(t->ctl, id), DFP_STATUS_SUCCESS);
	c->registered = false;
}

static bool
dlog_has(const struct tco *c, uint16_t layer, uint32_t id, uint64_t ctx)
{
	unsigned int i, n = 0;

	for (i = 0; i < c->n_delete && i < MAX_LOG; i++)
		if (c->dlog[i].layer_id == layer && c->dlog[i].callout_id == id &&
				c->dlog[i].context == ctx)
			n++;
	return n == 1;
}

static void
test_flow_end_runs_every_flow_delete_once(void **state)
{
	struct lc *t = *state;
	struct tco *a = tco_new(t, 47, 0, true);
	struct tco *b = tco_new(t, 48, 0, true);
	unsigned int f = flow_new(t);
	unsigned int g = flow_new(t);
	uint32_t ia, ib;

	ia = tco_setup(a, L_DGRAM);
	ib = tco_setup(b, L_TRANS);
	assert_int_equal(dfp_callout_flow_associate(t->rt, t->flow_id[f], L_DGRAM, ia, 0xA),
		DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_callout_flow_associate(t->rt, t->flow_id[f], L_TRANS, ib, 0xB),
		DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_callout_flow_associate(t->rt, t->flow_id[g], L_TRANS, ib, 0xBB),
		DFP_STATUS_SUCCESS);
	flow_end(t, f);
	assert_int_equal(a->n_delete, 1);
	assert_int_equal(b->n_delete, 1);
	assert_true(dlog_has(a, L_DGRAM, ia, 0xA));
	assert_true(dlog_has(b, L_TRANS, ib, 0xB));
	/* a is free to go; b still has g's context. */
	assert_int_equal(dfp_ctl_callout_unregister_by_id(t->ctl, ia), DFP_STATUS_SUCCESS);
	a->registered = false;
	assert_int_equal(dfp_ctl_callout_unregister_by_id(t->ctl, ib), DFP_STATUS_DEVICE_BUSY);
	flow_end(t, g);
	assert_int_equal(b->n_delete, 2);
	assert_true(dlog_has(b, L_TRANS, ib, 0xBB));
	assert_int_equal(dfp_ctl_callout_unregister_by_id(t->ctl, ib), DFP_STATUS_SUCCESS);
	b->registered = false;
}

static void
test_flow_abort_then_owner_end_deletes_once(void **state)
{
	struct lc *t = *state;
	struct tco *c = tco_new(t, 49, 0, true);
	unsigned int f = flow_new(t);
	uint64_t fid;
	uint32_t id;

	id = tco_setup(c, L_DGRAM);
	fid = t->flow_id[f];
	assert_int_equal(dfp_callout_flow_associate(t->rt, fid, L_DGRAM, id, 0x49),
		DFP_STATUS_SUCCESS);
	assert_false(dfp_flow_abort_requested(t->flow[f]));
	assert_int_equal(dfp_flow_abort(t->dir, fid), DFP_STATUS_SUCCESS);
	assert_true(dfp_flow_abort_requested(t->flow[f]));
	/* The owner ends it; the context's flowDeleteFn runs then, once. */
	assert_int_equal(c->n_delete, 0);
	flow_end(t, f);
	assert_int_equal(c->n_delete, 1);
	assert_true(dlog_has(c, L_DGRAM, id, 0x49));
	assert_int_equal(dfp_flow_abort(t->dir, fid), DFP_STATUS_UNSUCCESSFUL);
	assert_int_equal(dfp_ctl_callout_unregister_by_id(t->ctl, id), DFP_STATUS_SUCCESS);
	c->registered = false;
}

/* ---- N12: PASSIVE calls in a DISPATCH context ---- */

/* Every PASSIVE-only call, each expected to return STATUS_NOT_SUPPORTED. */
static unsigned int
passive_calls(struct lc *t, struct tco *c, dfp_status_t st[], unsigned int n)
{
	struct dfp_engine_filter_spec f = fx_spec("n12", L_DGRAM, DFP_ACTION_PERMIT);
	struct dfp_engine_callout_spec cs;
	struct dfp_ctl_session *s2 = NULL;
	unsigned int i = 0;
	uint64_t fid = 0;
	uint32_t id = 0;

	memset(&cs, 0, sizeof(cs));
	cs.key = fx_guid_n(0x1200);
	cs.name = "n12";
	cs.layer_id = L_DGRAM;
	if (i < n)
		st[i++] = dfp_ctl_callout_register(t->ctl, &c->desc, &id);
	if (i < n)
		st[i++] = dfp_ctl_callout_unregister_by_id(t->ctl, c->id);
	if (i < n)
		st[i++] = dfp_ctl_callout_unregister_by_key(t->ctl, &c->desc.key);
	if (i < n)
		st[i++] = dfp_ctl_session_open(t->ctl, 0, &s2);
	if (i < n)
		st[i++] = dfp_ctl_callout_add(t->s, &cs, &id);
	if (i < n)
		st[i++] = dfp_ctl_callout_delete_by_id(t->s, c->id);
	if (i < n)
		st[i++] = dfp_ctl_filter_add(t->s, &f, &fid);
	if (i < n)
		st[i++] = dfp_ctl_filter_delete_by_id(t->s, 1);
	if (i < n)
		st[i++] = dfp_ctl_txn_begin(t->s, 0);
	if (i < n)
		st[i++] = dfp_ctl_txn_commit(t->s);
	if (i < n)
		st[i++] = dfp_ctl_txn_abort(t->s);
	if (i < n)
		st[i++] = dfp_ctl_synchronize(t->ctl);
	return i;
}

#define N_PASSIVE 12

static void
assert_all_not_supported(const dfp_status_t st[], unsigned int n)
{
	unsigned int i;

	assert_int_equal(n, N_PASSIVE);
	for (i = 0; i < n; i++) {
		if (st[i] != DFP_STATUS_NOT_SUPPORTED)
			print_error("PASSIVE call %u returned %s\n", i, dfp_status_name(st[i]));
		assert_int_equal(st[i], DFP_STATUS_NOT_SUPPORTED);
	}
}

struct n12_worker {
	struct lc *t;
	struct tco *c;
	uint64_t flow_id;
	dfp_status_t st[N_PASSIVE];
	unsigned int n;
	dfp_status_t assoc, dup, remove;
};

static void *
n12_worker_main(void *arg)
{
	struct n12_worker *w = arg;

	dfp_thread_enter_worker();
	w->n = passive_calls(w->t, w->c, w->st, N_PASSIVE);
	w->assoc = dfp_callout_flow_associate(w->t->rt, w->flow_id, L_DGRAM, w->c->id, 0x12);
	w->dup = dfp_callout_flow_associate(w->t->rt, w->flow_id, L_DGRAM, w->c->id, 0x13);
	w->remove = dfp_callout_flow_remove(w->t->rt, w->flow_id, L_DGRAM, w->c->id);
	dfp_thread_leave_worker();
	return NULL;
}

static void
test_worker_thread_passive_calls_not_supported(void **state)
{
	struct lc *t = *state;
	struct tco *c = tco_new(t, 50, 0, true);
	unsigned int f = flow_new(t);
	struct n12_worker w;
	pthread_t th;
	uint32_t id;

	id = tco_setup(c, L_DGRAM);
	memset(&w, 0, sizeof(w));
	w.t = t;
	w.c = c;
	w.flow_id = t->flow_id[f];
	assert_int_equal(pthread_create(&th, NULL, n12_worker_main, &w), 0);
	pthread_join(th, NULL);
	assert_all_not_supported(w.st, w.n);
	/* DISPATCH-level calls work on a worker. */
	assert_int_equal(w.assoc, DFP_STATUS_SUCCESS);
	assert_int_equal(w.dup, DFP_STATUS_OBJECT_NAME_EXISTS);
	assert_int_equal(w.remove, DFP_STATUS_SUCCESS);
	assert_int_equal(c->n_delete, 1);
	/* Nothing changed: still registered, the session has no transaction. */
	assert_true(dfp_callout_is_registered(t->rt, id));
	assert_false(dfp_ctl_session_in_txn(t->s));
	assert_int_equal(filter_count(t, L_DGRAM), 0);
}

/* From inside classifyFn: PASSIVE calls fail; contexts and handles work. */
static void
passive_in_classify(struct tco *c, const struct dfp_callout_classify_in *in,
		const struct dfp_engine_filter_rt *filter, uint64_t flow_ctx,
		struct dfp_classify_out *out)
{
	struct tco *other = &c->t->co[1];
	uint64_t h = 0;

	(void)filter;
	(void)flow_ctx;
	(void)out;
	c->n_st = passive_calls(c->t, c, c->st, N_PASSIVE);
	/* Stash the DISPATCH-level results past the PASSIVE ones. */
	c->handle = 0;
	c->st[N_PASSIVE] = dfp_callout_flow_associate(c->t->rt, in->meta->flow_handle, L_DGRAM,
		other->id, 0x77);
	c->st[N_PASSIVE + 1] = dfp_callout_flow_remove(c->t->rt, in->meta->flow_handle, L_DGRAM,
		other->id);
	c->st[N_PASSIVE + 2] = dfp_callout_handle_acquire(c->t->rt, in->classify_context, &h);
	c->st[N_PASSIVE + 3] = dfp_callout_handle_release(c->t->rt, h);
}

static void
test_classify_fn_passive_calls_not_supported(void **state)
{
	struct lc *t = *state;
	struct tco *c = tco_new(t, 51, 0, true);
	struct tco *other = tco_new(t, 52, 0, true);
	unsigned int f = flow_new(t);
	uint32_t id;

	id = tco_setup(c, L_DGRAM);
	tco_setup(other, L_DGRAM);
	add_filter(t, L_DGRAM, DFP_ACTION_CALLOUT_INSPECTION, c, 0);
	c->on_classify = passive_in_classify;
	classify(t, L_DGRAM, (int)f);
	assert_int_equal(c->n_classify, 1);
	assert_all_not_supported(c->st, c->n_st);
	assert_int_equal(c->st[N_PASSIVE], DFP_STATUS_SUCCESS);
	/* The flow is being classified: the removal is deferred (spec §5). */
	assert_int_equal(c->st[N_PASSIVE + 1], DFP_STATUS_PENDING);
	assert_int_equal(c->st[N_PASSIVE + 2], DFP_STATUS_SUCCESS);
	assert_int_equal(c->st[N_PASSIVE + 3], DFP_STATUS_SUCCESS);
	assert_int_equal(other->n_delete, 1);
	assert_true(dfp_callout_is_registered(t->rt, id));
	assert_int_equal(stats(t).handles_in_use, 0);
	/* The callback context ended with the call: PASSIVE works again here. */
	assert_true(dfp_thread_is_passive());
}

static void
passive_in_notify(struct tco *c, enum dfp_notify_type type)
{
	struct lc *t = c->t;

	if (type != DFP_NOTIFY_ADD_FILTER || c->n_st != 0)
		return;
	c->n_st = passive_calls(t, c, c->st, N_PASSIVE);
	c->st[N_PASSIVE] = dfp_callout_flow_associate(t->rt, t->flow_id[0], L_DGRAM, c->id, 0x78);
	c->st[N_PASSIVE + 1] = dfp_callout_flow_remove(t->rt, t->flow_id[0], L_DGRAM, c->id);
}

static void
test_notify_fn_passive_calls_not_supported(void **state)
{
	struct lc *t = *state;
	struct tco *c = tco_new(t, 53, 0, true);
	uint32_t id;

	flow_new(t);
	id = tco_setup(c, L_DGRAM);
	c->on_notify = passive_in_notify;
	add_filter(t, L_DGRAM, DFP_ACTION_CALLOUT_INSPECTION, c, 0);
	assert_all_not_supported(c->st, c->n_st);
	assert_int_equal(c->st[N_PASSIVE], DFP_STATUS_SUCCESS);
	assert_int_equal(c->st[N_PASSIVE + 1], DFP_STATUS_SUCCESS);
	assert_int_equal(c->n_delete, 1);
	assert_true(dfp_callout_is_registered(t->rt, id));
	assert_int_equal(filter_count(t, L_DGRAM), 1);
	assert_true(dfp_thread_is_passive());
}

static void
passive_in_delete(struct tco *c)
{
	if (c->n_st == 0)
		c->n_st = passive_calls(c->t, c, c->st, N_PASSIVE);
}

static void
test_flow_delete_fn_passive_calls_not_supported(void **state)
{
	struct lc *t = *state;
	struct tco *c = tco_new(t, 54, 0, true);
	unsigned int f = flow_new(t);
	uint32_t id;

	id = tco_setup(c, L_DGRAM);
	c->on_delete = passive_in_delete;
	assert_int_equal(dfp_callout_flow_associate(t->rt, t->flow_id[f], L_DGRAM, id, 0x54),
		DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_callout_flow_remove(t->rt, t->flow_id[f], L_DGRAM, id),
		DFP_STATUS_SUCCESS);
	assert_int_equal(c->n_delete, 1);
	assert_all_not_supported(c->st, c->n_st);
	assert_true(dfp_callout_is_registered(t->rt, id));
	assert_true(dfp_thread_is_passive());
}

/* ---- Classify handles (spec §6) ---- */

enum pend_mode {
	PEND_KEEP,          /* Acquire and pend; the test completes and releases. */
	PEND_RELEASE,       /* Acquire, pend, release inside classifyFn. */
	PEND_NO_PEND,       /* Acquire only. */
};

static enum pend_mode pend_mode;

static void
acquire_and_pend(struct tco *c, const struct dfp_callout_classify_in *in,
		const struct dfp_engine_filter_rt *filter, uint64_t flow_ctx,
		struct dfp_classify_out *out)
{
	struct dfp_callout_rt *rt = c->t->rt;
	uint64_t h = 0;

	(void)flow_ctx;
	tco_record(c, dfp_callout_handle_acquire(rt, in->classify_context, &h));
	c->handle = h;
	if (pend_mode == PEND_NO_PEND)
		return;
	tco_record(c, dfp_callout_handle_pend(rt, h, filter->filter_id, out));
	if (pend_mode == PEND_RELEASE)
		tco_record(c, dfp_callout_handle_release(rt, h));
}

/* A pending callout at ALE_AUTH_CONNECT on flow f; returns the filter id. */
static uint64_t
pend_setup(struct lc *t, struct tco *c, uint16_t layer)
{
	tco_setup(c, layer);
	c->on_classify = acquire_and_pend;
	c->action = DFP_ACTION_PERMIT;
	return add_filter(t, layer, DFP_ACTION_CALLOUT_TERMINATING, c, 0);
}

static void
test_handle_pend_complete_release_delivers_decision(void **state)
{
	struct lc *t = *state;
	struct tco *c = tco_new(t, 60, 0, false);
	unsigned int f = flow_new(t);
	struct dfp_callout_completion comp[4];
	struct dfp_classify_out dec;
	struct dfp_engine_verdict v;
	struct dfp_callout_stats s;
	uint64_t fid;

	fid = pend_setup(t, c, L_CONN);
	pend_mode = PEND_KEEP;
	v = classify(t, L_CONN, (int)f);
	assert_int_equal(c->n_st, 2);
	assert_int_equal(c->st[0], DFP_STATUS_SUCCESS);
	assert_int_equal(c->st[1], DFP_STATUS_SUCCESS);
	assert_true(c->handle != 0);
	/* Pended: held (absorbed, hard) until the decision arrives. */
	assert_int_equal(v.action, DFP_ACTION_BLOCK);
	assert_true(v.flags & DFP_ENGINE_VERDICT_F_ABSORB);
	s = stats(t);
	assert_int_equal(s.handles_in_use, 1);
	assert_int_equal(s.pended, 1);
	assert_int_equal(dfp_callout_completion_poll(t->rt, 0, comp, 4), 0);

	memset(&dec, 0, sizeof(dec));
	dec.action_type = DFP_ACTION_PERMIT;
	assert_int_equal(dfp_callout_handle_complete(t->rt, c->handle, &dec), DFP_STATUS_SUCCESS);
	assert_int_equal(stats(t).pended, 0);
	assert_int_equal(dfp_callout_completion_poll(t->rt, 0, comp, 4), 1);
	assert_int_equal(comp[0].kind, DFP_CALLOUT_COMPLETE_DECISION);
	assert_int_equal(comp[0].handle, c->handle);
	assert_int_equal(comp[0].flow_id, t->flow_id[f]);
	assert_int_equal(comp[0].layer_id, L_CONN);
	assert_int_equal(comp[0].callout_id, c->id);
	assert_int_equal(comp[0].filter_id, fid);
	assert_int_equal(comp[0].packet_tag, 0x7a6);
	assert_int_equal(comp[0].out.action_type, DFP_ACTION_PERMIT);
	assert_int_equal(stats(t).handles_in_use, 1);
	assert_int_equal(dfp_callout_handle_release(t->rt, c->handle), DFP_STATUS_SUCCESS);
	s = stats(t);
	assert_int_equal(s.handles_in_use, 0);
	assert_int_equal(s.pended, 0);
	assert_int_equal(s.stale_handle_calls, 0);
}

static void
test_handle_release_before_complete_still_delivers(void **state)
{
	struct lc *t = *state;
	struct tco *c = tco_new(t, 61, 0, false);
	unsigned int f = flow_new(t);
	struct dfp_callout_completion comp[4];
	struct dfp_classify_out dec;

	pend_setup(t, c, L_CONN);
	pend_mode = PEND_RELEASE;
	classify(t, L_CONN, (int)f);
	assert_int_equal(c->n_st, 3);
	assert_int_equal(c->st[2], DFP_STATUS_SUCCESS);
	/* The pend's reference keeps the handle. */
	assert_int_equal(stats(t).handles_in_use, 1);
	assert_int_equal(stats(t).pended, 1);
	memset(&dec, 0, sizeof(dec));
	dec.action_type = DFP_ACTION_BLOCK;
	assert_int_equal(dfp_callout_handle_complete(t->rt, c->handle, &dec), DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_callout_completion_poll(t->rt, 0, comp, 4), 1);
	assert_int_equal(comp[0].out.action_type, DFP_ACTION_BLOCK);
	assert_int_equal(stats(t).handles_in_use, 0);
	assert_int_equal(stats(t).pended, 0);
	/* The handle is gone: a second release is stale. */
	assert_int_equal(dfp_callout_handle_release(t->rt, c->handle),
		DFP_STATUS_INVALID_PARAMETER);
}

static void
test_complete_without_decision_requests_reauth(void **state)
{
	struct lc *t = *state;
	struct tco *c = tco_new(t, 62, 0, false);
	unsigned int f = flow_new(t);
	struct dfp_callout_completion comp[4];

	pend_setup(t, c, L_CONN);
	pend_mode = PEND_RELEASE;
	classify(t, L_CONN, (int)f);
	assert_int_equal(dfp_callout_handle_complete(t->rt, c->handle, NULL), DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_callout_completion_poll(t->rt, 0, comp, 4), 1);
	assert_int_equal(comp[0].kind, DFP_CALLOUT_COMPLETE_REAUTH);
	assert_int_equal(comp[0].flow_id, t->flow_id[f]);
	assert_int_equal(stats(t).handles_in_use, 0);
}

/* N7: no pend at ALE_FLOW_ESTABLISHED nor at a packet layer. */
static void
test_pend_at_flow_established_cannot_pend(void **state)
{
	struct lc *t = *state;
	struct tco *c = tco_new(t, 63, 0, false);
	unsigned int f = flow_new(t);
	struct dfp_engine_verdict v;

	pend_setup(t, c, L_EST);
	pend_mode = PEND_KEEP;
	v = classify(t, L_EST, (int)f);
	assert_int_equal(c->n_st, 2);
	assert_int_equal(c->st[0], DFP_STATUS_SUCCESS);
	assert_int_equal(c->st[1], DFP_STATUS_FWP_CANNOT_PEND);
	/* classifyOut untouched by the failed pend: the callout's PERMIT stands. */
	assert_int_equal(v.action, DFP_ACTION_PERMIT);
	assert_int_equal(stats(t).pended, 0);
	assert_int_equal(dfp_callout_handle_release(t->rt, c->handle), DFP_STATUS_SUCCESS);
	assert_int_equal(stats(t).handles_in_use, 0);
}

static void
test_pend_at_packet_layer_cannot_pend(void **state)
{
	struct lc *t = *state;
	struct tco *c = tco_new(t, 64, 0, false);
	unsigned int f = flow_new(t);

	pend_setup(t, c, L_DGRAM);
	pend_mode = PEND_KEEP;
	classify(t, L_DGRAM, (int)f);
	assert_int_equal(c->st[1], DFP_STATUS_FWP_CANNOT_PEND);
	assert_int_equal(dfp_callout_handle_release(t->rt, c->handle), DFP_STATUS_SUCCESS);
	assert_int_equal(stats(t).handles_in_use, 0);
}

static void
test_pend_during_reauthorization_cannot_pend(void **state)
{
	struct lc *t = *state;
	struct tco *c = tco_new(t, 65, 0, false);
	unsigned int f = flow_new(t);
	struct dfp_engine_values v = values_default();
	struct dfp_callout_pkt p = pkt_for(t, (int)f, 0);

	pend_setup(t, c, L_CONN);
	pend_mode = PEND_KEEP;
	v.flags = DFP_COND_FLAG_IS_REAUTHORIZE;
	classify_pkt(t, L_CONN, &v, &p);
	assert_int_equal(c->st[0], DFP_STATUS_SUCCESS);
	assert_int_equal(c->st[1], DFP_STATUS_FWP_CANNOT_PEND);
	assert_int_equal(dfp_callout_handle_release(t->rt, c->handle), DFP_STATUS_SUCCESS);
	assert_int_equal(stats(t).handles_in_use, 0);
}

static void
test_completion_delivered_to_owning_worker_ring(void **state)
{
	struct lc *t = *state;
	struct tco *c = tco_new(t, 66, 0, false);
	unsigned int f = flow_new_in(t, 1);
	struct dfp_engine_values v = values_default();
	struct dfp_callout_pkt p = pkt_for(t, (int)f, 1);
	struct dfp_callout_completion comp[4];
	struct dfp_classify_out dec;

	pend_setup(t, c, L_CONN);
	pend_mode = PEND_RELEASE;
	classify_pkt(t, L_CONN, &v, &p);
	assert_int_equal(c->st[1], DFP_STATUS_SUCCESS);
	memset(&dec, 0, sizeof(dec));
	dec.action_type = DFP_ACTION_PERMIT;
	assert_int_equal(dfp_callout_handle_complete(t->rt, c->handle, &dec), DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_callout_completion_poll(t->rt, 0, comp, 4), 0);
	assert_int_equal(dfp_callout_completion_poll(t->rt, 1, comp, 4), 1);
	assert_int_equal(comp[0].flow_id, t->flow_id[f]);
	assert_int_equal(dfp_callout_completion_poll(t->rt, 1, comp, 4), 0);
}

static void
test_pend_timeout_completes_with_default_action(void **state)
{
	struct lc *t = *state;
	struct tco *a = tco_new(t, 67, 0, false);
	struct tco *b = tco_new(t, 68, 0, false);
	unsigned int f = flow_new(t);
	struct dfp_callout_completion comp[4];
	struct dfp_classify_out dec;
	unsigned int n, i;
	uint64_t t0;

	a->desc.pend_default_action = DFP_ACTION_PERMIT;
	pend_setup(t, a, L_CONN);
	/* b: default 0 = BLOCK. A separate layer so both pend on one flow. */
	pend_setup(t, b, DFP_LAYER_ALE_AUTH_RECV_ACCEPT_V4);
	pend_mode = PEND_RELEASE;
	classify(t, L_CONN, (int)f);
	classify(t, DFP_LAYER_ALE_AUTH_RECV_ACCEPT_V4, (int)f);
	assert_int_equal(a->st[1], DFP_STATUS_SUCCESS);
	assert_int_equal(b->st[1], DFP_STATUS_SUCCESS);
	assert_int_equal(stats(t).pended, 2);
	/* Young pends are left alone. */
	assert_int_equal(dfp_callout_pend_expire(t->rt), 0);
	sleep_ms(PEND_TIMEOUT_MS + 10);
	n = 0;
	t0 = now_ms();
	while (n < 2 && now_ms() - t0 < WAIT_MS)
		n += dfp_callout_pend_expire(t->rt);
	assert_int_equal(n, 2);
	assert_int_equal(dfp_callout_completion_poll(t->rt, 0, comp, 4), 2);
	for (i = 0; i < 2; i++) {
		assert_int_equal(comp[i].kind, DFP_CALLOUT_COMPLETE_TIMEOUT);
		if (comp[i].callout_id == a->id)
			assert_int_equal(comp[i].out.action_type, DFP_ACTION_PERMIT);
		else
			assert_int_equal(comp[i].out.action_type, DFP_ACTION_BLOCK);
	}
	assert_int_equal(stats(t).pend_timeouts, 2);
	assert_int_equal(stats(t).pended, 0);
	assert_int_equal(stats(t).handles_in_use, 0);
	/* Too late for the callout's own completion. */
	memset(&dec, 0, sizeof(dec));
	dec.action_type = DFP_ACTION_PERMIT;
	assert_int_equal(dfp_callout_handle_complete(t->rt, a->handle, &dec),
		DFP_STATUS_INVALID_PARAMETER);
}

struct handle_list {
	unsigned int n;
	struct dfp_callout_handle_info h[8];
};

static int
handle_list_cb(void *arg, const struct dfp_callout_handle_info *h)
{
	struct handle_list *l = arg;

	if (l->n < RTE_DIM(l->h))
		l->h[l->n] = *h;
	l->n++;
	return 0;
}

static const struct dfp_callout_handle_info *
handle_find(const struct handle_list *l, uint64_t h)
{
	unsigned int i;

	for (i = 0; i < l->n && i < RTE_DIM(l->h); i++)
		if (l->h[i].handle == h)
			return &l->h[i];
	return NULL;
}

static void
test_handle_foreach_lists_acquired_and_pended(void **state)
{
	struct lc *t = *state;
	struct tco *a = tco_new(t, 69, 0, false);
	struct tco *b = tco_new(t, 70, 0, false);
	unsigned int f = flow_new(t);
	const struct dfp_callout_handle_info *ha, *hb;
	struct handle_list l;

	pend_setup(t, a, L_CONN);
	pend_setup(t, b, L_EST);
	pend_mode = PEND_KEEP;
	classify(t, L_CONN, (int)f);
	pend_mode = PEND_NO_PEND;
	classify(t, L_EST, (int)f);
	memset(&l, 0, sizeof(l));
	dfp_callout_handle_foreach(t->rt, handle_list_cb, &l);
	assert_int_equal(l.n, 2);
	ha = handle_find(&l, a->handle);
	hb = handle_find(&l, b->handle);
	assert_non_null(ha);
	assert_non_null(hb);
	assert_true(ha->pended);
	assert_int_equal(ha->flow_id, t->flow_id[f]);
	assert_int_equal(ha->layer_id, L_CONN);
	assert_int_equal(ha->callout_id, a->id);
	assert_false(hb->pended);
	assert_int_equal(hb->layer_id, L_EST);
	assert_int_equal(hb->callout_id, b->id);
	/* Clean up: complete and release a, release b; the list empties. */
	assert_int_equal(dfp_callout_handle_complete(t->rt, a->handle, NULL), DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_callout_handle_release(t->rt, a->handle), DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_callout_handle_release(t->rt, b->handle), DFP_STATUS_SUCCESS);
	memset(&l, 0, sizeof(l));
	dfp_callout_handle_foreach(t->rt, handle_list_cb, &l);
	assert_int_equal(l.n, 0);
}

static void
test_stale_and_double_handle_calls_counted_not_fatal(void **state)
{
	struct lc *t = *state;
	struct tco *c = tco_new(t, 71, 0, false);
	unsigned int f = flow_new(t);
	struct dfp_classify_out dec;
	uint64_t stale0, h;

	pend_setup(t, c, L_CONN);
	pend_mode = PEND_NO_PEND;
	classify(t, L_CONN, (int)f);
	h = c->handle;
	stale0 = stats(t).stale_handle_calls;
	memset(&dec, 0, sizeof(dec));
	/* Complete before any pend. */
	assert_int_equal(dfp_callout_handle_complete(t->rt, h, &dec), DFP_STATUS_INVALID_PARAMETER);
	assert_int_equal(dfp_callout_handle_release(t->rt, h), DFP_STATUS_SUCCESS);
	/* Double release, then a stale complete and pend, then garbage. */
	assert_int_equal(dfp_callout_handle_release(t->rt, h), DFP_STATUS_INVALID_PARAMETER);
	assert_int_equal(dfp_callout_handle_complete(t->rt, h, &dec), DFP_STATUS_INVALID_PARAMETER);
	assert_int_equal(dfp_callout_handle_pend(t->rt, h, 1, &dec), DFP_STATUS_INVALID_PARAMETER);
	assert_int_equal(dfp_callout_handle_release(t->rt, UINT64_C(0xdeadbeef00000007)),
		DFP_STATUS_INVALID_PARAMETER);
	assert_int_equal(dfp_callout_handle_release(t->rt, UINT64_C(0x1ffffffff)),
		DFP_STATUS_INVALID_PARAMETER);
	assert_int_equal(stats(t).stale_handle_calls - stale0, 6);
	assert_int_equal(stats(t).handles_in_use, 0);
	/* The slot is reusable; the old handle does not name the new one. */
	pend_mode = PEND_KEEP;
	classify(t, L_CONN, (int)f);
	assert_true(c->handle != h);
	assert_int_equal(dfp_callout_handle_release(t->rt, h), DFP_STATUS_INVALID_PARAMETER);
	assert_int_equal(stats(t).pended, 1);
	assert_int_equal(dfp_callout_handle_complete(t->rt, c->handle, NULL), DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_callout_handle_release(t->rt, c->handle), DFP_STATUS_SUCCESS);
	assert_int_equal(stats(t).handles_in_use, 0);
}

static int
group_setup(void **state)
{
	(void)state;
	return dfp_test_eal_init(NULL, 0);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, lc_setup, lc_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_register_then_add_object_shares_id),
		T(test_add_object_then_register_shares_id),
		T(test_register_same_key_twice_already_exists),
		T(test_register_without_classify_fn_invalid_parameter),
		T(test_unregister_unknown_id_callout_not_found),
		T(test_unregister_unknown_key_callout_not_found),
		T(test_unregister_by_id_succeeds_once),
		T(test_unregister_by_key_succeeds_once),
		T(test_unregister_with_flow_context_device_busy_changes_nothing),
		T(test_unregister_after_context_removed_succeeds),
		T(test_unregistered_terminating_filter_blocks),
		T(test_unregistered_permit_if_unregistered_filter_permits),
		T(test_unregistered_inspection_filter_skipped),
		T(test_reregister_after_unregister_works),
		T(test_unregister_in_txn_that_deleted_object_keeps_id_after_abort),
		T(test_unregister_while_unregistering_in_use),
		T(test_register_while_registering_in_use),
		T(test_control_lookup_during_other_publish_is_race_free),
		T(test_concurrent_registrations_of_other_callouts_stay_published),
		T(test_notify_add_failure_fails_filter_add),
		T(test_notify_delete_failure_still_removes_filter),
		T(test_notify_add_and_delete_carry_filter),
		T(test_register_after_filters_no_add_replay_but_delete_sent),
		T(test_post_commit_notify_only_with_flag_after_commit),
		T(test_post_commit_notify_after_implicit_commit),
		T(test_notify_filter_context_seen_by_classify),
		T(test_classify_receives_layer_values_meta_filter_and_flow_context),
		T(test_classify_flow_context_zero_without_association),
		T(test_classify_flow_context_keyed_by_flow_and_callout),
		T(test_classify_non_flow_layer_has_no_flow_context),
		T(test_conditional_on_flow_skipped_without_context),
		T(test_classify_absorb_reported_in_verdict),
		T(test_classify_block_without_right_vetoes_hard_permit),
		T(test_associate_zero_context_invalid_parameter),
		T(test_associate_callout_without_flow_delete_invalid_parameter),
		T(test_associate_unregistered_callout_invalid_parameter),
		T(test_associate_twice_object_name_exists_keeps_first),
		T(test_associate_stale_flow_id_invalid_parameter),
		T(test_remove_without_context_unsuccessful),
		T(test_remove_from_own_classify_pending_then_deleted_once),
		T(test_flow_end_runs_every_flow_delete_once),
		T(test_flow_abort_then_owner_end_deletes_once),
		T(test_worker_thread_passive_calls_not_supported),
		T(test_classify_fn_passive_calls_not_supported),
		T(test_notify_fn_passive_calls_not_supported),
		T(test_flow_delete_fn_passive_calls_not_supported),
		T(test_handle_pend_complete_release_delivers_decision),
		T(test_handle_release_before_complete_still_delivers),
		T(test_complete_without_decision_requests_reauth),
		T(test_pend_at_flow_established_cannot_pend),
		T(test_pend_at_packet_layer_cannot_pend),
		T(test_pend_during_reauthorization_cannot_pend),
		T(test_completion_delivered_to_owning_worker_ring),
		T(test_pend_timeout_completes_with_default_action),
		T(test_handle_foreach_lists_acquired_and_pended),
		T(test_stale_and_double_handle_calls_counted_not_fatal),
	};

	return cmocka_run_group_tests(tests, group_setup, NULL);
}
