/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Helpers shared by the engine and ctl unit tests: condition and value
 * builders, an engine fixture that commits like lib/ctl does (prepare,
 * publish, finish; single-threaded, so no grace period is needed), a
 * recording notify hook, and a table of fake callouts played by a
 * dfp_engine_classify_env invoke hook.
 *
 * Everything is static inline so that each test uses what it needs
 * without -Wunused-function noise. Include after <cmocka.h>.
 */
#ifndef DFP_TEST_ENGINE_FIXTURE_H
#define DFP_TEST_ENGINE_FIXTURE_H

#include <arpa/inet.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dfp_engine.h"
#include "dfp_guid.h"

/* Layers the tests use most. */
#define FX_L4 DFP_LAYER_INBOUND_TRANSPORT_V4
#define FX_L6 DFP_LAYER_INBOUND_TRANSPORT_V6
#define FX_MAC DFP_LAYER_INBOUND_MAC_FRAME_ETHERNET

/* ---- GUIDs ---- */

static inline struct dfp_guid
fx_guid(const char *text)
{
	struct dfp_guid g;

	memset(&g, 0, sizeof(g));
	assert_int_equal(dfp_guid_parse(text, &g), 0);
	return g;
}

/* A distinct, recognisable GUID per small integer (n in 1..0xffff). */
static inline struct dfp_guid
fx_guid_n(unsigned int n)
{
	struct dfp_guid g;

	memset(&g, 0, sizeof(g));
	g.data1 = 0xdf900000u | (n & 0xffffu);
	g.data2 = 0x1234;
	g.data3 = 0x4000;
	g.data4[0] = 0x80;
	g.data4[7] = (uint8_t)n;
	return g;
}

/* ---- Values and conditions ---- */

static inline uint32_t
fx_ip4(unsigned int a, unsigned int b, unsigned int c, unsigned int d)
{
	return (uint32_t)((a << 24) | (b << 16) | (c << 8) | d);
}

/* An IPv6 address as the engine's big-endian 128-bit number. */
static inline struct dfp_u128
fx_ip6(const char *text)
{
	struct dfp_u128 r = {0, 0};
	uint8_t b[16];
	unsigned int i;

	assert_int_equal(inet_pton(AF_INET6, text, b), 1);
	for (i = 0; i < 8; i++)
		r.hi = (r.hi << 8) | b[i];
	for (i = 8; i < 16; i++)
		r.lo = (r.lo << 8) | b[i];
	return r;
}

/* An IPv6 address in network order, for struct dfp_engine_values. */
static inline void
fx_ip6_bytes(const char *text, uint8_t out[16])
{
	assert_int_equal(inet_pton(AF_INET6, text, out), 1);
}

/* A MAC address as the engine's 48-bit number. */
static inline uint64_t
fx_mac_u64(const uint8_t m[6])
{
	uint64_t v = 0;
	unsigned int i;

	for (i = 0; i < 6; i++)
		v = (v << 8) | m[i];
	return v;
}

static inline struct dfp_engine_cond
fx_cond(enum dfp_field field, enum dfp_match match, uint64_t value)
{
	struct dfp_engine_cond c;

	memset(&c, 0, sizeof(c));
	c.field = (uint16_t)field;
	c.match = (uint16_t)match;
	c.value.lo = value;
	return c;
}

static inline struct dfp_engine_cond
fx_cond128(enum dfp_field field, enum dfp_match match, struct dfp_u128 value)
{
	struct dfp_engine_cond c;

	memset(&c, 0, sizeof(c));
	c.field = (uint16_t)field;
	c.match = (uint16_t)match;
	c.value = value;
	return c;
}

static inline struct dfp_engine_cond
fx_cond_range(enum dfp_field field, uint64_t lo, uint64_t hi)
{
	struct dfp_engine_cond c = fx_cond(field, DFP_MATCH_RANGE, lo);

	c.high.lo = hi;
	return c;
}

static inline struct dfp_engine_cond
fx_cond_range128(enum dfp_field field, struct dfp_u128 lo, struct dfp_u128 hi)
{
	struct dfp_engine_cond c = fx_cond128(field, DFP_MATCH_RANGE, lo);

	c.high = hi;
	return c;
}

/* FWP_V4_ADDR_MASK / FWP_V6_ADDR_MASK: address with prefix length. */
static inline struct dfp_engine_cond
fx_cond_prefix(enum dfp_field field, struct dfp_u128 addr, unsigned int len)
{
	struct dfp_engine_cond c = fx_cond128(field, DFP_MATCH_EQUAL, addr);

	c.has_prefix = 1;
	c.prefix_len = (uint8_t)len;
	return c;
}

static inline struct dfp_u128
fx_u128(uint64_t lo)
{
	struct dfp_u128 r = {0, lo};

	return r;
}

/* ---- Filter specs ---- */

static inline struct dfp_engine_filter_spec
fx_spec(const char *name, uint16_t layer, uint32_t action)
{
	struct dfp_engine_filter_spec s;

	memset(&s, 0, sizeof(s));
	s.name = name;
	s.layer_id = layer;
	s.action = action;
	return s;
}

/* Same, with an explicit weight. */
static inline struct dfp_engine_filter_spec
fx_spec_w(const char *name, uint16_t layer, uint32_t action, uint64_t weight)
{
	struct dfp_engine_filter_spec s = fx_spec(name, layer, action);

	s.weight_type = DFP_ENGINE_WEIGHT_EXPLICIT;
	s.weight = weight;
	return s;
}

/* ---- Notify recorder ---- */

#define FX_MAX_EVENTS 64

struct fx_event {
	enum dfp_notify_type type;
	bool key_null;
	struct dfp_guid key;
	uint64_t filter_id;
	uint64_t context;
};

struct fx_notify {
	struct fx_event ev[FX_MAX_EVENTS];
	unsigned int n;
	dfp_status_t add_status;  /* What ADD_FILTER returns. */
	bool set_context;         /* ADD_FILTER stores `context` into the filter. */
	uint64_t context;
	/* Optional extra work run inside the hook (N12 tests). */
	void (*inside)(void *arg);
	void *inside_arg;
};

static inline dfp_status_t
fx_notify_hook(void *ctx, enum dfp_notify_type type, const struct dfp_guid *key,
		struct dfp_engine_filter_rt *filter)
{
	struct fx_notify *nt = ctx;
	struct fx_event *e;

	if (nt->inside != NULL)
		nt->inside(nt->inside_arg);
	if (nt->n < FX_MAX_EVENTS) {
		e = &nt->ev[nt->n++];
		memset(e, 0, sizeof(*e));
		e->type = type;
		e->key_null = key == NULL;
		if (key != NULL)
			e->key = *key;
		e->filter_id = filter->filter_id;
		e->context = filter->context;
	}
	if (type == DFP_NOTIFY_ADD_FILTER) {
		if (!DFP_SUCCESS(nt->add_status))
			return nt->add_status;
		if (nt->set_context)
			filter->context = nt->context;
	}
	return DFP_STATUS_SUCCESS;
}

/* Number of recorded events of a type. */
static inline unsigned int
fx_notify_count(const struct fx_notify *nt, enum dfp_notify_type type)
{
	unsigned int i, n = 0;

	for (i = 0; i < nt->n; i++)
		if (nt->ev[i].type == type)
			n++;
	return n;
}

/* ---- Fake callouts (the callout runtime, as an invoke hook) ---- */

#define FX_MAX_CALLOUTS 16
#define FX_MAX_CALLS 64

struct fx_callout {
	uint32_t id;              /* Run-time callout id (0 = unused slot). */
	bool registered;          /* false: the hook says UNREGISTERED. */
	bool skipped;             /* true: the hook says SKIPPED (CONDITIONAL_ON_FLOW). */
	bool write_nothing;       /* Leave classifyOut untouched. */
	bool honour_rights;       /* Like the samples: return untouched without the write right. */
	uint32_t action;          /* actionType written. */
	bool clear_right;         /* Clear DFP_RIGHT_ACTION_WRITE on return. */
	uint32_t out_flags;       /* classifyOut flags OR-ed in (ABSORB). */
	/* Recorded. */
	unsigned int calls;
	uint32_t rights_seen;     /* Rights of the last call. */
	uint32_t prefill_seen;    /* actionType on entry of the last call. */
	uint64_t context_seen;    /* filter->context of the last call. */
};

struct fx_env {
	struct fx_callout co[FX_MAX_CALLOUTS];
	unsigned int n_co;
	uint64_t order[FX_MAX_CALLS];  /* Filter ids in invocation order. */
	unsigned int n_calls;
};

static inline struct fx_callout *
fx_env_find(struct fx_env *env, uint32_t id)
{
	unsigned int i;

	for (i = 0; i < env->n_co; i++)
		if (env->co[i].id == id)
			return &env->co[i];
	return NULL;
}

/* Add a registered fake callout returning `action` (rights kept). */
static inline struct fx_callout *
fx_env_add(struct fx_env *env, uint32_t id, uint32_t action)
{
	struct fx_callout *c;

	assert_true(env->n_co < FX_MAX_CALLOUTS);
	c = &env->co[env->n_co++];
	memset(c, 0, sizeof(*c));
	c->id = id;
	c->registered = true;
	c->action = action;
	return c;
}

static inline enum dfp_engine_invoke_result
fx_invoke_hook(void *env_ctx, const struct dfp_engine_filter_rt *filter,
		const struct dfp_engine_values *values, void *pkt_ctx, struct dfp_classify_out *out)
{
	struct fx_env *env = env_ctx;
	struct fx_callout *c = fx_env_find(env, filter->callout_id);

	(void)values;
	(void)pkt_ctx;
	if (c == NULL || !c->registered)
		return DFP_ENGINE_INVOKE_UNREGISTERED;
	if (c->skipped)
		return DFP_ENGINE_INVOKE_SKIPPED;
	c->calls++;
	c->rights_seen = out->rights;
	c->prefill_seen = out->action_type;
	c->context_seen = filter->context;
	if (env->n_calls < FX_MAX_CALLS)
		env->order[env->n_calls++] = filter->filter_id;
	if (c->write_nothing)
		return DFP_ENGINE_INVOKE_CALLED;
	if (c->honour_rights && !(out->rights & DFP_RIGHT_ACTION_WRITE))
		return DFP_ENGINE_INVOKE_CALLED;
	out->action_type = c->action;
	if (c->clear_right)
		out->rights &= ~DFP_RIGHT_ACTION_WRITE;
	out->flags |= c->out_flags;
	return DFP_ENGINE_INVOKE_CALLED;
}

/* ---- Engine fixture ---- */

struct fx {
	struct dfp_engine *eng;
	struct fx_notify notify;
	struct fx_env env;
	struct dfp_engine_classify_env cenv;
};

static inline struct fx *
fx_new(void)
{
	struct dfp_engine_params p;
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	memset(&p, 0, sizeof(p));
	p.notify = fx_notify_hook;
	p.notify_ctx = &f->notify;
	assert_int_equal(dfp_engine_create(&p, &f->eng), DFP_STATUS_SUCCESS);
	f->cenv.invoke = fx_invoke_hook;
	f->cenv.ctx = &f->env;
	return f;
}

static inline void
fx_free(struct fx *f)
{
	if (f == NULL)
		return;
	if (dfp_engine_txn_is_open(f->eng))
		dfp_engine_txn_abort(f->eng);
	dfp_engine_destroy(f->eng);
	free(f);
}

/* cmocka setup/teardown wrappers. */
static inline int
fx_setup(void **state)
{
	*state = fx_new();
	return 0;
}

static inline int
fx_teardown(void **state)
{
	fx_free(*state);
	*state = NULL;
	return 0;
}

static inline void
fx_begin(struct fx *f)
{
	assert_int_equal(dfp_engine_txn_begin(f->eng), DFP_STATUS_SUCCESS);
}

/* Prepare, "publish" and finish the open transaction, as lib/ctl does. */
static inline void
fx_commit(struct fx *f)
{
	struct dfp_engine_ruleset *prev = dfp_engine_ruleset_current(f->eng);
	struct dfp_engine_ruleset *rs = NULL;

	assert_int_equal(dfp_engine_txn_prepare(f->eng, &rs), DFP_STATUS_SUCCESS);
	dfp_engine_txn_finish(f->eng, rs, rs != NULL ? prev : NULL);
}

/* Add a filter in the open transaction; returns its id. */
static inline uint64_t
fx_add(struct fx *f, const struct dfp_engine_filter_spec *spec)
{
	uint64_t id = 0;

	assert_int_equal(dfp_engine_filter_add(f->eng, spec, 0, &id), DFP_STATUS_SUCCESS);
	assert_true(id != 0);
	return id;
}

/* Add a sublayer in the open transaction. */
static inline struct dfp_guid
fx_add_sublayer(struct fx *f, const char *name, uint16_t weight)
{
	struct dfp_engine_sublayer_spec s;
	struct dfp_guid key;

	memset(&s, 0, sizeof(s));
	s.name = name;
	s.weight = weight;
	assert_int_equal(dfp_engine_sublayer_add(f->eng, &s, 0, &key), DFP_STATUS_SUCCESS);
	return key;
}

/* Add a callout object in the open transaction; returns its id. */
static inline uint32_t
fx_add_callout(struct fx *f, const struct dfp_guid *key, uint16_t layer)
{
	struct dfp_engine_callout_spec s;
	uint32_t id = 0;

	memset(&s, 0, sizeof(s));
	s.key = *key;
	s.name = "callout";
	s.layer_id = layer;
	assert_int_equal(dfp_engine_callout_add(f->eng, &s, 0, &id), DFP_STATUS_SUCCESS);
	assert_true(id != 0);
	return id;
}

/* Classify one packet against the current ruleset with the fake callouts. */
static inline struct dfp_engine_verdict
fx_classify(struct fx *f, uint16_t layer, const struct dfp_engine_values *v)
{
	const struct dfp_engine_values *vals[1] = {v};
	struct dfp_engine_verdict out;

	memset(&out, 0xa5, sizeof(out));
	dfp_engine_classify_burst(dfp_engine_ruleset_current(f->eng), layer, vals, NULL, 1,
		&f->cenv, &out);
	return out;
}

/* The id of the first matching filter in the heaviest sublayer (0 = none). */
static inline uint64_t
fx_match(struct fx *f, uint16_t layer, const struct dfp_engine_values *v)
{
	const struct dfp_engine_values *vals[1] = {v};
	uint64_t row[8];

	memset(row, 0xa5, sizeof(row));
	dfp_engine_match_burst(dfp_engine_ruleset_current(f->eng), layer, vals, 1, 8, row);
	return row[0];
}

#endif /* DFP_TEST_ENGINE_FIXTURE_H */
