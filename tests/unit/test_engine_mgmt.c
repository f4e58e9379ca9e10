/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Management calls at engine level (Fwpm*-style, spec §1.5–§1.8, §4.1,
 * §8.1, N2–N4, N9): every status, "invalid input changes nothing", the
 * callout id shared between a registration binding and the management
 * object, the notify hook (ADD veto, context, DELETE after commit,
 * POST_COMMIT), and weights (explicit, range, auto).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dfp_engine.h"
#include "test_eal.h"
#include "test_engine_fixture.h"

#define AUTO_WEIGHT_MAX ((UINT64_C(1) << 60) - 1)

/* ---- Helpers ---- */

static struct dfp_engine_callout_spec
callout_spec(const struct dfp_guid *key, uint16_t layer)
{
	struct dfp_engine_callout_spec s;

	memset(&s, 0, sizeof(s));
	s.key = *key;
	s.name = "co";
	s.layer_id = layer;
	return s;
}

/* A callout filter naming `key` at FX_L4. */
static struct dfp_engine_filter_spec
callout_filter(const struct dfp_guid *key)
{
	struct dfp_engine_filter_spec s = fx_spec("cf", FX_L4, DFP_ACTION_CALLOUT_TERMINATING);

	s.callout_key = *key;
	return s;
}

struct counts {
	uint32_t filters;
	uint32_t filters_enumerated;
	uint32_t sublayers;
	uint32_t sublayer_refs;
	uint32_t callouts;
	uint32_t callout_refs;
	uint32_t events;
};

static int
count_filter(void *arg, const struct dfp_engine_filter_info *f)
{
	(void)f;
	((struct counts *)arg)->filters_enumerated++;
	return 0;
}

static int
count_sublayer(void *arg, const struct dfp_engine_sublayer_info *s)
{
	struct counts *c = arg;

	c->sublayers++;
	c->sublayer_refs += s->n_filters;
	return 0;
}

static int
count_callout(void *arg, const struct dfp_engine_callout_info *co)
{
	struct counts *c = arg;

	c->callouts++;
	c->callout_refs += co->n_filters;
	return 0;
}

static struct counts
snapshot(struct fx *f)
{
	struct counts c;

	memset(&c, 0, sizeof(c));
	c.filters = dfp_engine_filter_count(f->eng);
	dfp_engine_filter_foreach(f->eng, 0xFFFF, count_filter, &c);
	dfp_engine_sublayer_foreach(f->eng, count_sublayer, &c);
	dfp_engine_callout_foreach(f->eng, count_callout, &c);
	c.events = f->notify.n;
	return c;
}

static void
assert_same_counts(const struct counts *a, const struct counts *b)
{
	assert_int_equal(a->filters, b->filters);
	assert_int_equal(a->filters_enumerated, b->filters_enumerated);
	assert_int_equal(a->sublayers, b->sublayers);
	assert_int_equal(a->sublayer_refs, b->sublayer_refs);
	assert_int_equal(a->callouts, b->callouts);
	assert_int_equal(a->callout_refs, b->callout_refs);
	assert_int_equal(a->events, b->events);
}

static struct dfp_guid
universal_key(void)
{
	return fx_guid(DFP_ENGINE_SUBLAYER_UNIVERSAL_KEY);
}

/* ---- Callout objects (N2, N3, N4) ---- */

static void
test_mgmt_callout_add_twice_is_already_exists(void **state)
{
	struct fx *f = *state;
	struct dfp_guid k = fx_guid_n(1);
	struct dfp_engine_callout_spec s = callout_spec(&k, FX_L4);
	uint32_t id = 0;

	fx_begin(f);
	assert_int_equal(dfp_engine_callout_add(f->eng, &s, 0, &id), DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_engine_callout_add(f->eng, &s, 0, NULL), DFP_STATUS_FWP_ALREADY_EXISTS);
	fx_commit(f);
	fx_begin(f);
	s.layer_id = FX_L6;
	assert_int_equal(dfp_engine_callout_add(f->eng, &s, 0, NULL), DFP_STATUS_FWP_ALREADY_EXISTS);
}

static void
test_mgmt_callout_delete_unknown_id_is_callout_not_found(void **state)
{
	struct fx *f = *state;

	fx_begin(f);
	assert_int_equal(dfp_engine_callout_delete_by_id(f->eng, 4242),
		DFP_STATUS_FWP_CALLOUT_NOT_FOUND);
	assert_int_equal(dfp_engine_callout_delete_by_id(f->eng, 0),
		DFP_STATUS_FWP_CALLOUT_NOT_FOUND);
}

static void
test_mgmt_callout_delete_unknown_key_is_callout_not_found(void **state)
{
	struct fx *f = *state;
	struct dfp_guid k = fx_guid_n(77);

	fx_begin(f);
	assert_int_equal(dfp_engine_callout_delete_by_key(f->eng, &k),
		DFP_STATUS_FWP_CALLOUT_NOT_FOUND);
}

static void
test_mgmt_callout_delete_twice_is_callout_not_found(void **state)
{
	struct fx *f = *state;
	struct dfp_guid k = fx_guid_n(1);
	uint32_t id;

	fx_begin(f);
	id = fx_add_callout(f, &k, FX_L4);
	assert_int_equal(dfp_engine_callout_delete_by_id(f->eng, id), DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_engine_callout_delete_by_id(f->eng, id),
		DFP_STATUS_FWP_CALLOUT_NOT_FOUND);
	assert_int_equal(dfp_engine_callout_delete_by_key(f->eng, &k),
		DFP_STATUS_FWP_CALLOUT_NOT_FOUND);
}

static void
test_mgmt_callout_delete_by_id_in_use_until_filter_deleted(void **state)
{
	struct fx *f = *state;
	struct dfp_guid k = fx_guid_n(1);
	struct dfp_engine_filter_spec s = callout_filter(&k);
	uint64_t fid;
	uint32_t id;

	fx_begin(f);
	id = fx_add_callout(f, &k, FX_L4);
	fid = fx_add(f, &s);
	fx_commit(f);
	fx_begin(f);
	assert_int_equal(dfp_engine_callout_delete_by_id(f->eng, id), DFP_STATUS_FWP_IN_USE);
	assert_int_equal(dfp_engine_filter_delete_by_id(f->eng, fid), DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_engine_callout_delete_by_id(f->eng, id), DFP_STATUS_SUCCESS);
	fx_commit(f);
	assert_int_equal(dfp_engine_callout_lookup(f->eng, &k, NULL),
		DFP_STATUS_FWP_CALLOUT_NOT_FOUND);
}

static void
test_mgmt_callout_delete_by_key_in_use_until_filter_deleted(void **state)
{
	struct fx *f = *state;
	struct dfp_guid k = fx_guid_n(1);
	struct dfp_engine_filter_spec s = callout_filter(&k);
	struct dfp_guid fkey = fx_guid_n(500);

	s.key = fkey;
	fx_begin(f);
	fx_add_callout(f, &k, FX_L4);
	fx_add(f, &s);
	fx_commit(f);
	fx_begin(f);
	assert_int_equal(dfp_engine_callout_delete_by_key(f->eng, &k), DFP_STATUS_FWP_IN_USE);
	assert_int_equal(dfp_engine_filter_delete_by_key(f->eng, &fkey), DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_engine_callout_delete_by_key(f->eng, &k), DFP_STATUS_SUCCESS);
	fx_commit(f);
}

static void
test_mgmt_callout_in_use_counts_every_filter(void **state)
{
	struct fx *f = *state;
	struct dfp_guid k = fx_guid_n(1);
	struct dfp_engine_filter_spec s = callout_filter(&k);
	struct dfp_engine_callout_info info;
	uint64_t f1, f2;
	uint32_t id;

	fx_begin(f);
	id = fx_add_callout(f, &k, FX_L4);
	f1 = fx_add(f, &s);
	f2 = fx_add(f, &s);
	assert_int_equal(dfp_engine_callout_get(f->eng, id, &info), DFP_STATUS_SUCCESS);
	assert_int_equal(info.n_filters, 2);
	assert_int_equal(dfp_engine_filter_delete_by_id(f->eng, f1), DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_engine_callout_delete_by_id(f->eng, id), DFP_STATUS_FWP_IN_USE);
	assert_int_equal(dfp_engine_filter_delete_by_id(f->eng, f2), DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_engine_callout_delete_by_id(f->eng, id), DFP_STATUS_SUCCESS);
}

static void
test_mgmt_callout_add_bad_layer_is_layer_not_found(void **state)
{
	struct fx *f = *state;
	struct dfp_guid k = fx_guid_n(1);
	struct dfp_engine_callout_spec s = callout_spec(&k, 1);

	fx_begin(f);
	assert_int_equal(dfp_engine_callout_add(f->eng, &s, 0, NULL),
		DFP_STATUS_FWP_LAYER_NOT_FOUND);
	s.layer_id = DFP_LAYER_ID_MAX;
	assert_int_equal(dfp_engine_callout_add(f->eng, &s, 0, NULL),
		DFP_STATUS_FWP_LAYER_NOT_FOUND);
}

static void
test_mgmt_callout_add_empty_name_is_null_display_name(void **state)
{
	struct fx *f = *state;
	struct dfp_guid k = fx_guid_n(1);
	struct dfp_engine_callout_spec s = callout_spec(&k, FX_L4);

	fx_begin(f);
	s.name = "";
	assert_int_equal(dfp_engine_callout_add(f->eng, &s, 0, NULL),
		DFP_STATUS_FWP_NULL_DISPLAY_NAME);
	s.name = NULL;
	assert_int_equal(dfp_engine_callout_add(f->eng, &s, 0, NULL),
		DFP_STATUS_FWP_NULL_DISPLAY_NAME);
}

static void
test_mgmt_callout_add_bad_flags_is_invalid_flags(void **state)
{
	struct fx *f = *state;
	struct dfp_guid k = fx_guid_n(1);
	struct dfp_engine_callout_spec s = callout_spec(&k, FX_L4);

	fx_begin(f);
	s.flags = 0x40000; /* FWPM_CALLOUT_FLAG_REGISTERED is output only. */
	assert_int_equal(dfp_engine_callout_add(f->eng, &s, 0, NULL), DFP_STATUS_FWP_INVALID_FLAGS);
	s.flags = 0x10000; /* PERSISTENT is accepted. */
	assert_int_equal(dfp_engine_callout_add(f->eng, &s, 0, NULL), DFP_STATUS_SUCCESS);
}

/* ---- Filter add statuses ---- */

static void
test_mgmt_filter_unknown_callout_is_callout_not_found(void **state)
{
	struct fx *f = *state;
	struct dfp_guid k = fx_guid_n(9);
	struct dfp_engine_filter_spec s = callout_filter(&k);

	fx_begin(f);
	assert_int_equal(dfp_engine_filter_add(f->eng, &s, 0, NULL),
		DFP_STATUS_FWP_CALLOUT_NOT_FOUND);
}

static void
test_mgmt_filter_registered_but_not_added_callout_is_callout_not_found(void **state)
{
	/* A binding (registration) alone is not a management object. */
	struct fx *f = *state;
	struct dfp_guid k = fx_guid_n(9);
	struct dfp_engine_filter_spec s = callout_filter(&k);
	uint32_t id;

	assert_int_equal(dfp_engine_callout_id_bind(f->eng, &k, &id), DFP_STATUS_SUCCESS);
	fx_begin(f);
	assert_int_equal(dfp_engine_filter_add(f->eng, &s, 0, NULL),
		DFP_STATUS_FWP_CALLOUT_NOT_FOUND);
	dfp_engine_callout_id_unbind(f->eng, id);
}

static void
test_mgmt_filter_unknown_sublayer_is_sublayer_not_found(void **state)
{
	struct fx *f = *state;
	struct dfp_engine_filter_spec s = fx_spec("f", FX_L4, DFP_ACTION_PERMIT);

	s.sublayer_key = fx_guid_n(123);
	fx_begin(f);
	assert_int_equal(dfp_engine_filter_add(f->eng, &s, 0, NULL),
		DFP_STATUS_FWP_SUBLAYER_NOT_FOUND);
}

static void
test_mgmt_filter_bad_layer_is_layer_not_found(void **state)
{
	struct fx *f = *state;
	struct dfp_engine_filter_spec s = fx_spec("f", 1, DFP_ACTION_PERMIT);

	fx_begin(f);
	assert_int_equal(dfp_engine_filter_add(f->eng, &s, 0, NULL),
		DFP_STATUS_FWP_LAYER_NOT_FOUND);
	s.layer_id = 0xFFFF;
	assert_int_equal(dfp_engine_filter_add(f->eng, &s, 0, NULL),
		DFP_STATUS_FWP_LAYER_NOT_FOUND);
}

static void
test_mgmt_filter_bad_action_is_invalid_action_type(void **state)
{
	static const uint32_t bad[] = {
		DFP_ACTION_CONTINUE, DFP_ACTION_NONE, DFP_ACTION_NONE_NO_MATCH, 0, 0x00001003,
		0x00000009,
	};
	struct fx *f = *state;
	struct dfp_engine_filter_spec s = fx_spec("f", FX_L4, DFP_ACTION_PERMIT);
	unsigned int i;

	fx_begin(f);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		s.action = bad[i];
		assert_int_equal(dfp_engine_filter_add(f->eng, &s, 0, NULL),
			DFP_STATUS_FWP_INVALID_ACTION_TYPE);
	}
}

static void
test_mgmt_filter_bad_flags_is_invalid_flags(void **state)
{
	static const uint32_t bad[] = {0x2, 0x4, 0x20, 0x40, 0x100, 0x80000000u};
	struct fx *f = *state;
	struct dfp_engine_filter_spec s = fx_spec("f", FX_L4, DFP_ACTION_PERMIT);
	unsigned int i;

	fx_begin(f);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		s.flags = bad[i];
		assert_int_equal(dfp_engine_filter_add(f->eng, &s, 0, NULL),
			DFP_STATUS_FWP_INVALID_FLAGS);
	}
}

static void
test_mgmt_filter_permit_if_unregistered_needs_terminating_or_unknown(void **state)
{
	struct fx *f = *state;
	struct dfp_guid k = fx_guid_n(1);
	struct dfp_engine_filter_spec s = fx_spec("f", FX_L4, DFP_ACTION_PERMIT);

	fx_begin(f);
	fx_add_callout(f, &k, FX_L4);
	s.flags = DFP_FILTER_FLAG_PERMIT_IF_CALLOUT_UNREGISTERED;
	assert_int_equal(dfp_engine_filter_add(f->eng, &s, 0, NULL), DFP_STATUS_FWP_INVALID_FLAGS);
	s.action = DFP_ACTION_BLOCK;
	assert_int_equal(dfp_engine_filter_add(f->eng, &s, 0, NULL), DFP_STATUS_FWP_INVALID_FLAGS);
	s.action = DFP_ACTION_CALLOUT_INSPECTION;
	s.callout_key = k;
	assert_int_equal(dfp_engine_filter_add(f->eng, &s, 0, NULL), DFP_STATUS_FWP_INVALID_FLAGS);
	s.action = DFP_ACTION_CALLOUT_TERMINATING;
	assert_int_equal(dfp_engine_filter_add(f->eng, &s, 0, NULL), DFP_STATUS_SUCCESS);
	s.action = DFP_ACTION_CALLOUT_UNKNOWN;
	assert_int_equal(dfp_engine_filter_add(f->eng, &s, 0, NULL), DFP_STATUS_SUCCESS);
}

static void
test_mgmt_filter_weight_range_16_is_invalid_weight(void **state)
{
	struct fx *f = *state;
	struct dfp_engine_filter_spec s = fx_spec("f", FX_L4, DFP_ACTION_PERMIT);

	fx_begin(f);
	s.weight_type = DFP_ENGINE_WEIGHT_RANGE;
	s.weight = 16;
	assert_int_equal(dfp_engine_filter_add(f->eng, &s, 0, NULL), DFP_STATUS_FWP_INVALID_WEIGHT);
	s.weight = UINT64_MAX;
	assert_int_equal(dfp_engine_filter_add(f->eng, &s, 0, NULL), DFP_STATUS_FWP_INVALID_WEIGHT);
	s.weight = 15;
	assert_int_equal(dfp_engine_filter_add(f->eng, &s, 0, NULL), DFP_STATUS_SUCCESS);
}

static void
test_mgmt_filter_unknown_weight_type_is_invalid_weight(void **state)
{
	struct fx *f = *state;
	struct dfp_engine_filter_spec s = fx_spec("f", FX_L4, DFP_ACTION_PERMIT);

	fx_begin(f);
	s.weight_type = (enum dfp_engine_weight_type)9;
	assert_int_equal(dfp_engine_filter_add(f->eng, &s, 0, NULL), DFP_STATUS_FWP_INVALID_WEIGHT);
}

static void
test_mgmt_filter_callout_of_other_layer_is_incompatible_layer(void **state)
{
	struct fx *f = *state;
	struct dfp_guid k = fx_guid_n(1);
	struct dfp_engine_filter_spec s = callout_filter(&k);

	fx_begin(f);
	fx_add_callout(f, &k, FX_L6);
	assert_int_equal(dfp_engine_filter_add(f->eng, &s, 0, NULL),
		DFP_STATUS_FWP_INCOMPATIBLE_LAYER);
	s.layer_id = FX_L6;
	assert_int_equal(dfp_engine_filter_add(f->eng, &s, 0, NULL), DFP_STATUS_SUCCESS);
}

static void
test_mgmt_filter_empty_name_is_null_display_name(void **state)
{
	struct fx *f = *state;
	struct dfp_engine_filter_spec s = fx_spec("", FX_L4, DFP_ACTION_PERMIT);

	fx_begin(f);
	assert_int_equal(dfp_engine_filter_add(f->eng, &s, 0, NULL),
		DFP_STATUS_FWP_NULL_DISPLAY_NAME);
	s.name = NULL;
	assert_int_equal(dfp_engine_filter_add(f->eng, &s, 0, NULL),
		DFP_STATUS_FWP_NULL_DISPLAY_NAME);
}

static void
test_mgmt_filter_duplicate_key_is_already_exists(void **state)
{
	struct fx *f = *state;
	struct dfp_engine_filter_spec s = fx_spec("f", FX_L4, DFP_ACTION_PERMIT);

	s.key = fx_guid_n(300);
	fx_begin(f);
	fx_add(f, &s);
	assert_int_equal(dfp_engine_filter_add(f->eng, &s, 0, NULL),
		DFP_STATUS_FWP_ALREADY_EXISTS);
	fx_commit(f);
	fx_begin(f);
	s.layer_id = FX_L6;
	assert_int_equal(dfp_engine_filter_add(f->eng, &s, 0, NULL),
		DFP_STATUS_FWP_ALREADY_EXISTS);
}

static void
test_mgmt_filter_zero_key_gets_a_generated_key(void **state)
{
	struct fx *f = *state;
	struct dfp_engine_filter_spec s = fx_spec("f", FX_L4, DFP_ACTION_PERMIT);
	struct dfp_engine_filter_info a, b;
	uint64_t ia, ib;

	fx_begin(f);
	ia = fx_add(f, &s);
	ib = fx_add(f, &s);
	assert_int_equal(dfp_engine_filter_get(f->eng, ia, &a), DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_engine_filter_get(f->eng, ib, &b), DFP_STATUS_SUCCESS);
	assert_false(dfp_guid_is_zero(&a.key));
	assert_false(dfp_guid_equal(&a.key, &b.key));
}

static void
test_mgmt_filter_delete_unknown_is_filter_not_found(void **state)
{
	struct fx *f = *state;
	struct dfp_guid k = fx_guid_n(400);

	fx_begin(f);
	assert_int_equal(dfp_engine_filter_delete_by_id(f->eng, 12345),
		DFP_STATUS_FWP_FILTER_NOT_FOUND);
	assert_int_equal(dfp_engine_filter_delete_by_key(f->eng, &k),
		DFP_STATUS_FWP_FILTER_NOT_FOUND);
}

static void
test_mgmt_filter_delete_twice_is_filter_not_found(void **state)
{
	struct fx *f = *state;
	struct dfp_engine_filter_spec s = fx_spec("f", FX_L4, DFP_ACTION_PERMIT);
	uint64_t id;

	fx_begin(f);
	id = fx_add(f, &s);
	fx_commit(f);
	fx_begin(f);
	assert_int_equal(dfp_engine_filter_delete_by_id(f->eng, id), DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_engine_filter_delete_by_id(f->eng, id),
		DFP_STATUS_FWP_FILTER_NOT_FOUND);
	assert_int_equal(dfp_engine_filter_get(f->eng, id, &(struct dfp_engine_filter_info){0}),
		DFP_STATUS_FWP_FILTER_NOT_FOUND);
}

static void
test_mgmt_filter_without_sublayer_goes_to_universal(void **state)
{
	struct fx *f = *state;
	struct dfp_engine_filter_spec s = fx_spec("f", FX_L4, DFP_ACTION_PERMIT);
	struct dfp_guid universal = universal_key();
	struct dfp_engine_filter_info info;
	uint64_t id;

	fx_begin(f);
	id = fx_add(f, &s);
	assert_int_equal(dfp_engine_filter_get(f->eng, id, &info), DFP_STATUS_SUCCESS);
	assert_true(dfp_guid_equal(&info.sublayer_key, &universal));
	assert_int_equal(info.rt.sublayer_weight, DFP_ENGINE_SUBLAYER_UNIVERSAL_WEIGHT);
}

static void
test_mgmt_filter_is_committed_only_after_commit(void **state)
{
	struct fx *f = *state;
	struct dfp_engine_filter_spec s = fx_spec("f", FX_L4, DFP_ACTION_PERMIT);
	struct dfp_engine_filter_info info;
	uint64_t id;

	fx_begin(f);
	id = fx_add(f, &s);
	assert_int_equal(dfp_engine_filter_get(f->eng, id, &info), DFP_STATUS_SUCCESS);
	assert_false(info.committed);
	fx_commit(f);
	assert_int_equal(dfp_engine_filter_get(f->eng, id, &info), DFP_STATUS_SUCCESS);
	assert_true(info.committed);
}

static void
test_mgmt_filter_rt_view_reflects_spec(void **state)
{
	struct dfp_engine_cond c = fx_cond(DFP_FIELD_IP_LOCAL_PORT, DFP_MATCH_EQUAL, 80);
	struct fx *f = *state;
	struct dfp_guid k = fx_guid_n(1);
	struct dfp_engine_filter_spec s = callout_filter(&k);
	struct dfp_engine_filter_info info;
	uint32_t cid;
	uint64_t id;

	s.flags = DFP_FILTER_FLAG_CLEAR_ACTION_RIGHT |
		DFP_FILTER_FLAG_PERMIT_IF_CALLOUT_UNREGISTERED;
	s.raw_context = 77;
	s.conds = &c;
	s.n_conds = 1;
	fx_begin(f);
	cid = fx_add_callout(f, &k, FX_L4);
	id = fx_add(f, &s);
	assert_int_equal(dfp_engine_filter_get(f->eng, id, &info), DFP_STATUS_SUCCESS);
	assert_int_equal(info.rt.filter_id, id);
	assert_int_equal(info.rt.layer_id, FX_L4);
	assert_int_equal(info.rt.action_type, DFP_ACTION_CALLOUT_TERMINATING);
	assert_int_equal(info.rt.callout_id, cid);
	assert_int_equal(info.rt.context, 77);
	assert_int_equal(info.rt.flags, DFP_RT_FILTER_FLAG_CLEAR_ACTION_RIGHT |
		DFP_RT_FILTER_FLAG_PERMIT_IF_CALLOUT_UNREGISTERED);
	assert_int_equal(info.rt.n_conds, 1);
	assert_int_equal(info.rt.conds[0].value.lo, 80);
	assert_int_equal(info.mgmt_flags, s.flags);
	assert_true(dfp_guid_equal(&info.callout_key, &k));
	assert_string_equal(info.name, "cf");
}

/* ---- Sublayers ---- */

static void
test_mgmt_sublayer_duplicate_is_already_exists(void **state)
{
	struct dfp_engine_sublayer_spec s = {.name = "s", .weight = 5};
	struct fx *f = *state;

	s.key = fx_guid_n(600);
	fx_begin(f);
	assert_int_equal(dfp_engine_sublayer_add(f->eng, &s, 0, NULL), DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_engine_sublayer_add(f->eng, &s, 0, NULL), DFP_STATUS_FWP_ALREADY_EXISTS);
	s.key = universal_key();
	assert_int_equal(dfp_engine_sublayer_add(f->eng, &s, 0, NULL), DFP_STATUS_FWP_ALREADY_EXISTS);
}

static void
test_mgmt_sublayer_delete_with_filters_is_in_use(void **state)
{
	struct fx *f = *state;
	struct dfp_engine_filter_spec s = fx_spec("f", FX_L4, DFP_ACTION_PERMIT);
	struct dfp_guid sl;
	uint64_t id;

	fx_begin(f);
	sl = fx_add_sublayer(f, "s", 7);
	s.sublayer_key = sl;
	id = fx_add(f, &s);
	assert_int_equal(dfp_engine_sublayer_delete(f->eng, &sl), DFP_STATUS_FWP_IN_USE);
	assert_int_equal(dfp_engine_filter_delete_by_id(f->eng, id), DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_engine_sublayer_delete(f->eng, &sl), DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_engine_sublayer_get(f->eng, &sl, &(struct dfp_engine_sublayer_info){0}),
		DFP_STATUS_FWP_SUBLAYER_NOT_FOUND);
}

static void
test_mgmt_sublayer_delete_builtin_is_builtin_object(void **state)
{
	struct fx *f = *state;
	struct dfp_guid u = universal_key();
	struct dfp_guid i = fx_guid(DFP_ENGINE_SUBLAYER_INSPECTION_KEY);
	struct dfp_engine_sublayer_info info;

	fx_begin(f);
	assert_int_equal(dfp_engine_sublayer_delete(f->eng, &u), DFP_STATUS_FWP_BUILTIN_OBJECT);
	assert_int_equal(dfp_engine_sublayer_delete(f->eng, &i), DFP_STATUS_FWP_BUILTIN_OBJECT);
	assert_int_equal(dfp_engine_sublayer_get(f->eng, &i, &info), DFP_STATUS_SUCCESS);
	assert_true(info.builtin);
	assert_int_equal(info.weight, 0);
}

static void
test_mgmt_sublayer_delete_unknown_is_sublayer_not_found(void **state)
{
	struct fx *f = *state;
	struct dfp_guid k = fx_guid_n(601);

	fx_begin(f);
	assert_int_equal(dfp_engine_sublayer_delete(f->eng, &k), DFP_STATUS_FWP_SUBLAYER_NOT_FOUND);
}

static void
test_mgmt_sublayer_bad_name_or_flags_rejected(void **state)
{
	struct dfp_engine_sublayer_spec s = {.name = "", .weight = 5};
	struct fx *f = *state;

	fx_begin(f);
	assert_int_equal(dfp_engine_sublayer_add(f->eng, &s, 0, NULL),
		DFP_STATUS_FWP_NULL_DISPLAY_NAME);
	s.name = "s";
	s.flags = 0x2;
	assert_int_equal(dfp_engine_sublayer_add(f->eng, &s, 0, NULL), DFP_STATUS_FWP_INVALID_FLAGS);
}

/* ---- Transactions at engine level ---- */

static void
test_mgmt_writes_outside_transaction_are_no_txn_in_progress(void **state)
{
	struct dfp_engine_sublayer_spec sls = {.name = "s", .weight = 5};
	struct fx *f = *state;
	struct dfp_guid k = fx_guid_n(1);
	struct dfp_engine_callout_spec cs = callout_spec(&k, FX_L4);
	struct dfp_engine_filter_spec fs = fx_spec("f", FX_L4, DFP_ACTION_PERMIT);
	struct dfp_engine_ruleset *rs = NULL;
	struct dfp_guid u = universal_key();
	struct counts before = snapshot(f);
	struct counts after;

	assert_int_equal(dfp_engine_sublayer_add(f->eng, &sls, 0, NULL),
		DFP_STATUS_FWP_NO_TXN_IN_PROGRESS);
	assert_int_equal(dfp_engine_sublayer_delete(f->eng, &u), DFP_STATUS_FWP_NO_TXN_IN_PROGRESS);
	assert_int_equal(dfp_engine_callout_add(f->eng, &cs, 0, NULL),
		DFP_STATUS_FWP_NO_TXN_IN_PROGRESS);
	assert_int_equal(dfp_engine_callout_delete_by_id(f->eng, 1),
		DFP_STATUS_FWP_NO_TXN_IN_PROGRESS);
	assert_int_equal(dfp_engine_callout_delete_by_key(f->eng, &k),
		DFP_STATUS_FWP_NO_TXN_IN_PROGRESS);
	assert_int_equal(dfp_engine_filter_add(f->eng, &fs, 0, NULL),
		DFP_STATUS_FWP_NO_TXN_IN_PROGRESS);
	assert_int_equal(dfp_engine_filter_delete_by_id(f->eng, 1),
		DFP_STATUS_FWP_NO_TXN_IN_PROGRESS);
	assert_int_equal(dfp_engine_filter_delete_by_key(f->eng, &k),
		DFP_STATUS_FWP_NO_TXN_IN_PROGRESS);
	assert_int_equal(dfp_engine_delete_owned(f->eng, 3), DFP_STATUS_FWP_NO_TXN_IN_PROGRESS);
	assert_int_equal(dfp_engine_txn_prepare(f->eng, &rs), DFP_STATUS_FWP_NO_TXN_IN_PROGRESS);
	assert_int_equal(dfp_engine_txn_abort(f->eng), DFP_STATUS_FWP_NO_TXN_IN_PROGRESS);
	after = snapshot(f);
	assert_same_counts(&before, &after);
}

static void
test_mgmt_txn_begin_twice_is_txn_in_progress(void **state)
{
	struct fx *f = *state;

	fx_begin(f);
	assert_true(dfp_engine_txn_is_open(f->eng));
	assert_int_equal(dfp_engine_txn_begin(f->eng), DFP_STATUS_FWP_TXN_IN_PROGRESS);
	assert_true(dfp_engine_txn_is_open(f->eng));
}

static void
test_mgmt_invalid_parameters_change_nothing(void **state)
{
	struct dfp_engine_cond bad_cond = fx_cond_range(DFP_FIELD_IP_LOCAL_PORT, 9, 1);
	struct dfp_engine_sublayer_spec sls = {.name = "dup", .weight = 5};
	struct dfp_engine_ruleset *rs = (struct dfp_engine_ruleset *)1;
	struct fx *f = *state;
	struct dfp_guid k = fx_guid_n(1);
	struct dfp_guid k2 = fx_guid_n(2);
	struct dfp_engine_filter_spec s;
	struct dfp_engine_callout_spec cs;
	struct counts before, after;
	uint64_t fid;
	uint32_t cid;

	/* A committed base: a sublayer, a callout, a filter naming it. */
	fx_begin(f);
	sls.key = fx_guid_n(700);
	assert_int_equal(dfp_engine_sublayer_add(f->eng, &sls, 0, NULL), DFP_STATUS_SUCCESS);
	cid = fx_add_callout(f, &k, FX_L4);
	fx_add_callout(f, &k2, FX_L6);
	s = callout_filter(&k);
	s.key = fx_guid_n(701);
	s.sublayer_key = sls.key;
	fid = fx_add(f, &s);
	fx_commit(f);
	f->notify.n = 0;

	fx_begin(f);
	before = snapshot(f);
	assert_int_equal(dfp_engine_filter_add(f->eng, &s, 0, NULL), DFP_STATUS_FWP_ALREADY_EXISTS);
	s.key = fx_guid_n(702);
	s.layer_id = FX_L6;
	assert_int_equal(dfp_engine_filter_add(f->eng, &s, 0, NULL),
		DFP_STATUS_FWP_INCOMPATIBLE_LAYER);
	s.layer_id = FX_L4;
	s.conds = &bad_cond;
	s.n_conds = 1;
	assert_int_equal(dfp_engine_filter_add(f->eng, &s, 0, NULL), DFP_STATUS_FWP_INVALID_RANGE);
	s.n_conds = 0;
	s.flags = 0x2;
	assert_int_equal(dfp_engine_filter_add(f->eng, &s, 0, NULL), DFP_STATUS_FWP_INVALID_FLAGS);
	s.flags = 0;
	s.sublayer_key = fx_guid_n(703);
	assert_int_equal(dfp_engine_filter_add(f->eng, &s, 0, NULL),
		DFP_STATUS_FWP_SUBLAYER_NOT_FOUND);
	s.sublayer_key = sls.key;
	s.callout_key = fx_guid_n(704);
	assert_int_equal(dfp_engine_filter_add(f->eng, &s, 0, NULL),
		DFP_STATUS_FWP_CALLOUT_NOT_FOUND);
	assert_int_equal(dfp_engine_sublayer_add(f->eng, &sls, 0, NULL),
		DFP_STATUS_FWP_ALREADY_EXISTS);
	assert_int_equal(dfp_engine_sublayer_delete(f->eng, &sls.key), DFP_STATUS_FWP_IN_USE);
	cs = callout_spec(&k, FX_L4);
	assert_int_equal(dfp_engine_callout_add(f->eng, &cs, 0, NULL),
		DFP_STATUS_FWP_ALREADY_EXISTS);
	assert_int_equal(dfp_engine_callout_delete_by_id(f->eng, cid), DFP_STATUS_FWP_IN_USE);
	assert_int_equal(dfp_engine_callout_delete_by_key(f->eng, &k), DFP_STATUS_FWP_IN_USE);
	assert_int_equal(dfp_engine_filter_delete_by_id(f->eng, fid + 100),
		DFP_STATUS_FWP_FILTER_NOT_FOUND);
	after = snapshot(f);
	assert_same_counts(&before, &after);
	assert_int_equal(f->notify.n, 0);
	/* Nothing changed, so nothing needs compiling. */
	assert_int_equal(dfp_engine_txn_prepare(f->eng, &rs), DFP_STATUS_SUCCESS);
	assert_null(rs);
	dfp_engine_txn_finish(f->eng, NULL, NULL);
}

/* ---- The shared callout id (spec §1.8) ---- */

static void
test_mgmt_callout_id_bound_before_add_is_reused(void **state)
{
	struct fx *f = *state;
	struct dfp_guid k = fx_guid_n(1);
	struct dfp_engine_callout_info info;
	uint32_t bound, added;

	assert_int_equal(dfp_engine_callout_id_bind(f->eng, &k, &bound), DFP_STATUS_SUCCESS);
	fx_begin(f);
	added = fx_add_callout(f, &k, FX_L4);
	assert_int_equal(added, bound);
	assert_int_equal(dfp_engine_callout_get(f->eng, bound, &info), DFP_STATUS_SUCCESS);
	assert_true(dfp_guid_equal(&info.key, &k));
	fx_commit(f);
	dfp_engine_callout_id_unbind(f->eng, bound);
}

static void
test_mgmt_callout_id_of_object_is_reused_by_bind(void **state)
{
	struct fx *f = *state;
	struct dfp_guid k = fx_guid_n(1);
	uint32_t bound, added;

	fx_begin(f);
	added = fx_add_callout(f, &k, FX_L4);
	fx_commit(f);
	assert_int_equal(dfp_engine_callout_id_bind(f->eng, &k, &bound), DFP_STATUS_SUCCESS);
	assert_int_equal(bound, added);
	dfp_engine_callout_id_unbind(f->eng, bound);
}

static void
test_mgmt_callout_ids_differ_per_key(void **state)
{
	struct fx *f = *state;
	struct dfp_guid k1 = fx_guid_n(1);
	struct dfp_guid k2 = fx_guid_n(2);
	struct dfp_guid k3 = fx_guid_n(3);
	uint32_t a, b, c, b2;

	fx_begin(f);
	a = fx_add_callout(f, &k1, FX_L4);
	assert_int_equal(dfp_engine_callout_id_bind(f->eng, &k2, &b), DFP_STATUS_SUCCESS);
	c = fx_add_callout(f, &k3, FX_L4);
	assert_int_equal(dfp_engine_callout_id_bind(f->eng, &k2, &b2), DFP_STATUS_SUCCESS);
	assert_int_equal(b, b2);
	assert_int_not_equal(a, b);
	assert_int_not_equal(a, c);
	assert_int_not_equal(b, c);
	dfp_engine_callout_id_unbind(f->eng, b);
	dfp_engine_callout_id_unbind(f->eng, b2);
}

static void
test_mgmt_callout_readded_while_bound_keeps_its_id(void **state)
{
	/* Spec §10.24: re-adding the object re-links to the live registration. */
	struct fx *f = *state;
	struct dfp_guid k = fx_guid_n(1);
	uint32_t bound, first, again;

	assert_int_equal(dfp_engine_callout_id_bind(f->eng, &k, &bound), DFP_STATUS_SUCCESS);
	fx_begin(f);
	first = fx_add_callout(f, &k, FX_L4);
	fx_commit(f);
	fx_begin(f);
	assert_int_equal(dfp_engine_callout_delete_by_key(f->eng, &k), DFP_STATUS_SUCCESS);
	fx_commit(f);
	fx_begin(f);
	again = fx_add_callout(f, &k, FX_L4);
	fx_commit(f);
	assert_int_equal(first, bound);
	assert_int_equal(again, bound);
	dfp_engine_callout_id_unbind(f->eng, bound);
}

static void
test_mgmt_filter_carries_the_shared_callout_id(void **state)
{
	struct dfp_engine_values v;
	struct fx *f = *state;
	struct dfp_guid k = fx_guid_n(1);
	struct dfp_engine_filter_spec s = callout_filter(&k);
	struct fx_callout *c;
	uint32_t bound;

	memset(&v, 0, sizeof(v));
	assert_int_equal(dfp_engine_callout_id_bind(f->eng, &k, &bound), DFP_STATUS_SUCCESS);
	c = fx_env_add(&f->env, bound, DFP_ACTION_PERMIT);
	fx_begin(f);
	fx_add_callout(f, &k, FX_L4);
	fx_add(f, &s);
	fx_commit(f);
	assert_int_equal(fx_classify(f, FX_L4, &v).action, DFP_ACTION_PERMIT);
	assert_int_equal(c->calls, 1);
	dfp_engine_callout_id_unbind(f->eng, bound);
}

/*
 * BUG REPRODUCER (engine, model.c, dfp_engine_txn_abort): aborting a
 * transaction that deleted callout K and added K again frees K's id
 * directory entry (the CALLOUT_ADD undo drops has_object and frees the
 * entry) before the CALLOUT_DEL undo re-inserts the original object, which
 * then finds no entry to mark. The restored object keeps id N, but the
 * directory no longer knows K -> N, so a later registration bind of K gets
 * a new id: the two halves of the callout no longer share one id (§1.8).
 */
static void
test_mgmt_abort_of_delete_and_readd_keeps_shared_callout_id(void **state)
{
	struct fx *f = *state;
	struct dfp_guid k = fx_guid_n(1);
	uint32_t id, readded, bound;

	fx_begin(f);
	id = fx_add_callout(f, &k, FX_L4);
	fx_commit(f);
	fx_begin(f);
	assert_int_equal(dfp_engine_callout_delete_by_key(f->eng, &k), DFP_STATUS_SUCCESS);
	readded = fx_add_callout(f, &k, FX_L4);
	assert_int_equal(readded, id);
	assert_int_equal(dfp_engine_txn_abort(f->eng), DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_engine_callout_lookup(f->eng, &k, &readded), DFP_STATUS_SUCCESS);
	assert_int_equal(readded, id);
	assert_int_equal(dfp_engine_callout_id_bind(f->eng, &k, &bound), DFP_STATUS_SUCCESS);
	assert_int_equal(bound, id);
	dfp_engine_callout_id_unbind(f->eng, bound);
}

/* ---- Notify hook (N9, spec §4.3, §8.2) ---- */

static void
test_mgmt_notify_add_failure_is_notification_failed_and_no_filter(void **state)
{
	struct fx *f = *state;
	struct dfp_guid k = fx_guid_n(1);
	struct dfp_engine_filter_spec s = callout_filter(&k);
	struct dfp_engine_callout_info info;
	uint64_t id = 99;
	uint32_t cid;

	f->notify.add_status = DFP_STATUS_UNSUCCESSFUL;
	fx_begin(f);
	cid = fx_add_callout(f, &k, FX_L4);
	assert_int_equal(dfp_engine_filter_add(f->eng, &s, 0, &id),
		DFP_STATUS_FWP_CALLOUT_NOTIFICATION_FAILED);
	assert_int_equal(dfp_engine_filter_count(f->eng), 0);
	assert_int_equal(dfp_engine_callout_get(f->eng, cid, &info), DFP_STATUS_SUCCESS);
	assert_int_equal(info.n_filters, 0);
	assert_int_equal(fx_notify_count(&f->notify, DFP_NOTIFY_ADD_FILTER), 1);
	/* Not referenced, so the callout can go. */
	assert_int_equal(dfp_engine_callout_delete_by_id(f->eng, cid), DFP_STATUS_SUCCESS);
	fx_commit(f);
	assert_int_equal(fx_notify_count(&f->notify, DFP_NOTIFY_DELETE_FILTER), 0);
	assert_int_equal(fx_notify_count(&f->notify, DFP_NOTIFY_ADD_FILTER_POST_COMMIT), 0);
}

static void
test_mgmt_notify_add_may_set_context_seen_by_classify(void **state)
{
	struct dfp_engine_values v;
	struct fx *f = *state;
	struct dfp_guid k = fx_guid_n(1);
	struct dfp_engine_filter_spec s = callout_filter(&k);
	struct dfp_engine_filter_info info;
	struct fx_callout *c;
	uint32_t cid;
	uint64_t id;

	memset(&v, 0, sizeof(v));
	f->notify.set_context = true;
	f->notify.context = UINT64_C(0xC0FFEE);
	s.raw_context = 5;
	fx_begin(f);
	cid = fx_add_callout(f, &k, FX_L4);
	id = fx_add(f, &s);
	fx_commit(f);
	assert_int_equal(f->notify.ev[0].context, 5);
	assert_int_equal(dfp_engine_filter_get(f->eng, id, &info), DFP_STATUS_SUCCESS);
	assert_int_equal(info.rt.context, UINT64_C(0xC0FFEE));
	c = fx_env_add(&f->env, cid, DFP_ACTION_PERMIT);
	fx_classify(f, FX_L4, &v);
	assert_int_equal(c->calls, 1);
	assert_int_equal(c->context_seen, UINT64_C(0xC0FFEE));
}

static void
test_mgmt_notify_add_carries_filter_key_and_id(void **state)
{
	struct fx *f = *state;
	struct dfp_guid k = fx_guid_n(1);
	struct dfp_engine_filter_spec s = callout_filter(&k);
	uint64_t id;

	s.key = fx_guid_n(800);
	fx_begin(f);
	fx_add_callout(f, &k, FX_L4);
	id = fx_add(f, &s);
	assert_int_equal(f->notify.n, 1);
	assert_int_equal(f->notify.ev[0].type, DFP_NOTIFY_ADD_FILTER);
	assert_false(f->notify.ev[0].key_null);
	assert_true(dfp_guid_equal(&f->notify.ev[0].key, &s.key));
	assert_int_equal(f->notify.ev[0].filter_id, id);
}

static void
test_mgmt_notify_delete_sent_with_null_key_after_commit(void **state)
{
	struct dfp_engine_ruleset *prev, *rs = NULL;
	struct fx *f = *state;
	struct dfp_guid k = fx_guid_n(1);
	struct dfp_engine_filter_spec s = callout_filter(&k);
	uint64_t id;

	f->notify.set_context = true;
	f->notify.context = 42;
	fx_begin(f);
	fx_add_callout(f, &k, FX_L4);
	id = fx_add(f, &s);
	fx_commit(f);
	f->notify.n = 0;

	fx_begin(f);
	assert_int_equal(dfp_engine_filter_delete_by_id(f->eng, id), DFP_STATUS_SUCCESS);
	assert_int_equal(f->notify.n, 0);
	prev = dfp_engine_ruleset_current(f->eng);
	assert_int_equal(dfp_engine_txn_prepare(f->eng, &rs), DFP_STATUS_SUCCESS);
	assert_non_null(rs);
	/* Still published (workers may hold it): no DELETE yet. */
	assert_int_equal(f->notify.n, 0);
	dfp_engine_txn_finish(f->eng, rs, prev);
	assert_int_equal(f->notify.n, 1);
	assert_int_equal(f->notify.ev[0].type, DFP_NOTIFY_DELETE_FILTER);
	assert_true(f->notify.ev[0].key_null);
	assert_int_equal(f->notify.ev[0].filter_id, id);
	assert_int_equal(f->notify.ev[0].context, 42);
}

static void
test_mgmt_notify_post_commit_after_commit(void **state)
{
	struct dfp_engine_ruleset *prev, *rs = NULL;
	struct fx *f = *state;
	struct dfp_guid k = fx_guid_n(1);
	struct dfp_engine_filter_spec s = callout_filter(&k);
	uint64_t id;

	s.key = fx_guid_n(801);
	fx_begin(f);
	fx_add_callout(f, &k, FX_L4);
	id = fx_add(f, &s);
	prev = dfp_engine_ruleset_current(f->eng);
	assert_int_equal(dfp_engine_txn_prepare(f->eng, &rs), DFP_STATUS_SUCCESS);
	assert_int_equal(fx_notify_count(&f->notify, DFP_NOTIFY_ADD_FILTER_POST_COMMIT), 0);
	dfp_engine_txn_finish(f->eng, rs, prev);
	assert_int_equal(f->notify.n, 2);
	assert_int_equal(f->notify.ev[0].type, DFP_NOTIFY_ADD_FILTER);
	assert_int_equal(f->notify.ev[1].type, DFP_NOTIFY_ADD_FILTER_POST_COMMIT);
	assert_false(f->notify.ev[1].key_null);
	assert_true(dfp_guid_equal(&f->notify.ev[1].key, &s.key));
	assert_int_equal(f->notify.ev[1].filter_id, id);
}

static void
test_mgmt_notify_not_sent_for_static_filters(void **state)
{
	struct fx *f = *state;
	struct dfp_engine_filter_spec s = fx_spec("f", FX_L4, DFP_ACTION_BLOCK);
	uint64_t id;

	fx_begin(f);
	id = fx_add(f, &s);
	fx_commit(f);
	fx_begin(f);
	assert_int_equal(dfp_engine_filter_delete_by_id(f->eng, id), DFP_STATUS_SUCCESS);
	fx_commit(f);
	assert_int_equal(f->notify.n, 0);
}

static void
test_mgmt_notify_delete_for_aborted_add(void **state)
{
	struct fx *f = *state;
	struct dfp_guid k = fx_guid_n(1);
	struct dfp_engine_filter_spec s = callout_filter(&k);
	uint64_t id;

	fx_begin(f);
	fx_add_callout(f, &k, FX_L4);
	id = fx_add(f, &s);
	assert_int_equal(dfp_engine_txn_abort(f->eng), DFP_STATUS_SUCCESS);
	assert_int_equal(f->notify.n, 2);
	assert_int_equal(f->notify.ev[1].type, DFP_NOTIFY_DELETE_FILTER);
	assert_true(f->notify.ev[1].key_null);
	assert_int_equal(f->notify.ev[1].filter_id, id);
	assert_int_equal(dfp_engine_filter_count(f->eng), 0);
}

/*
 * BUG REPRODUCER (engine, model.c, dfp_engine_txn_finish): a filter added
 * and deleted in the same transaction is freed by the first loop (its
 * FILTER_DEL entry) and then read again by the POST_COMMIT loop (its
 * FILTER_ADD entry reads f->live): a heap use-after-free. Invisible in a
 * plain build (the freed chunk usually still reads live == false); the
 * AddressSanitizer build (tests/sanitize/run.sh) reports it here.
 */
static void
test_mgmt_filter_added_and_deleted_in_one_transaction_commits_cleanly(void **state)
{
	struct fx *f = *state;
	struct dfp_guid k = fx_guid_n(1);
	struct dfp_engine_filter_spec s = callout_filter(&k);
	struct dfp_engine_filter_spec st = fx_spec("static", FX_L4, DFP_ACTION_PERMIT);
	uint64_t id, sid;

	fx_begin(f);
	fx_add_callout(f, &k, FX_L4);
	id = fx_add(f, &s);
	sid = fx_add(f, &st);
	assert_int_equal(dfp_engine_filter_delete_by_id(f->eng, id), DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_engine_filter_delete_by_id(f->eng, sid), DFP_STATUS_SUCCESS);
	fx_commit(f);
	assert_int_equal(dfp_engine_filter_count(f->eng), 0);
	assert_int_equal(fx_notify_count(&f->notify, DFP_NOTIFY_ADD_FILTER), 1);
	assert_int_equal(fx_notify_count(&f->notify, DFP_NOTIFY_DELETE_FILTER), 1);
	assert_int_equal(fx_notify_count(&f->notify, DFP_NOTIFY_ADD_FILTER_POST_COMMIT), 0);
}

/* ---- Weights (spec §1.6) ---- */

static uint64_t
weight_of(struct fx *f, uint64_t id)
{
	struct dfp_engine_filter_info info;

	assert_int_equal(dfp_engine_filter_get(f->eng, id, &info), DFP_STATUS_SUCCESS);
	return info.rt.weight;
}

static void
test_mgmt_weight_explicit_is_used_verbatim(void **state)
{
	static const uint64_t w[] = {0, 1, UINT64_C(0xdeadbeef12345678), UINT64_MAX};
	struct fx *f = *state;
	unsigned int i;

	fx_begin(f);
	for (i = 0; i < sizeof(w) / sizeof(w[0]); i++) {
		struct dfp_engine_filter_spec s = fx_spec_w("w", FX_L4, DFP_ACTION_PERMIT, w[i]);

		assert_int_equal(weight_of(f, fx_add(f, &s)), w[i]);
	}
}

static void
test_mgmt_weight_range_goes_in_top_4_bits(void **state)
{
	struct dfp_engine_cond c = fx_cond(DFP_FIELD_IP_LOCAL_PORT, DFP_MATCH_EQUAL, 80);
	struct fx *f = *state;
	struct dfp_engine_filter_spec s = fx_spec("w", FX_L4, DFP_ACTION_PERMIT);
	uint64_t auto_w, w0, w7, w15;

	s.conds = &c;
	s.n_conds = 1;
	fx_begin(f);
	auto_w = weight_of(f, fx_add(f, &s));
	s.weight_type = DFP_ENGINE_WEIGHT_RANGE;
	s.weight = 0;
	w0 = weight_of(f, fx_add(f, &s));
	s.weight = 7;
	w7 = weight_of(f, fx_add(f, &s));
	s.weight = 15;
	w15 = weight_of(f, fx_add(f, &s));
	assert_int_equal(w0 >> 60, 0);
	assert_int_equal(w7 >> 60, 7);
	assert_int_equal(w15 >> 60, 15);
	/* The low 60 bits are the auto weight of the same conditions. */
	assert_int_equal(w0 & AUTO_WEIGHT_MAX, auto_w);
	assert_int_equal(w7 & AUTO_WEIGHT_MAX, auto_w);
	assert_int_equal(w15 & AUTO_WEIGHT_MAX, auto_w);
}

static void
test_mgmt_weight_auto_stays_below_2_pow_60(void **state)
{
	struct dfp_engine_cond c[DFP_ENGINE_MAX_CONDS];
	struct fx *f = *state;
	struct dfp_engine_filter_spec s = fx_spec("w", FX_L6, DFP_ACTION_PERMIT);
	unsigned int i;

	/* The most specific filter possible: 64 exact IPv6 address conditions. */
	for (i = 0; i < DFP_ENGINE_MAX_CONDS; i++) {
		struct dfp_u128 a = fx_ip6("2001:db8::");

		a.lo += i;
		c[i] = fx_cond128(DFP_FIELD_IP_REMOTE_ADDRESS, DFP_MATCH_EQUAL, a);
	}
	s.conds = c;
	s.n_conds = DFP_ENGINE_MAX_CONDS;
	fx_begin(f);
	assert_true(weight_of(f, fx_add(f, &s)) <= AUTO_WEIGHT_MAX);
}

static void
test_mgmt_weight_auto_prefers_longer_prefix(void **state)
{
	struct dfp_engine_cond p8 = fx_cond_prefix(DFP_FIELD_IP_REMOTE_ADDRESS,
		fx_u128(fx_ip4(10, 0, 0, 0)), 8);
	struct dfp_engine_cond p32 = fx_cond_prefix(DFP_FIELD_IP_REMOTE_ADDRESS,
		fx_u128(fx_ip4(10, 0, 0, 1)), 32);
	struct fx *f = *state;
	struct dfp_engine_filter_spec s = fx_spec("w", FX_L4, DFP_ACTION_PERMIT);
	uint64_t w8, w32;

	fx_begin(f);
	s.conds = &p8;
	s.n_conds = 1;
	w8 = weight_of(f, fx_add(f, &s));
	s.conds = &p32;
	w32 = weight_of(f, fx_add(f, &s));
	assert_true(w32 > w8);
}

static void
test_mgmt_weight_auto_prefers_narrower_range(void **state)
{
	struct dfp_engine_cond wide = fx_cond_range(DFP_FIELD_IP_LOCAL_PORT, 0, 65535);
	struct dfp_engine_cond narrow = fx_cond_range(DFP_FIELD_IP_LOCAL_PORT, 80, 81);
	struct dfp_engine_cond exact = fx_cond(DFP_FIELD_IP_LOCAL_PORT, DFP_MATCH_EQUAL, 80);
	struct fx *f = *state;
	struct dfp_engine_filter_spec s = fx_spec("w", FX_L4, DFP_ACTION_PERMIT);
	uint64_t ww, wn, we;

	fx_begin(f);
	s.n_conds = 1;
	s.conds = &wide;
	ww = weight_of(f, fx_add(f, &s));
	s.conds = &narrow;
	wn = weight_of(f, fx_add(f, &s));
	s.conds = &exact;
	we = weight_of(f, fx_add(f, &s));
	assert_true(wn > ww);
	assert_true(we > wn);
}

static void
test_mgmt_weight_auto_prefers_more_conditions(void **state)
{
	struct dfp_engine_cond c[2] = {
		fx_cond(DFP_FIELD_IP_LOCAL_PORT, DFP_MATCH_EQUAL, 80),
		fx_cond(DFP_FIELD_IP_PROTOCOL, DFP_MATCH_EQUAL, 6),
	};
	struct fx *f = *state;
	struct dfp_engine_filter_spec s = fx_spec("w", FX_L4, DFP_ACTION_PERMIT);
	uint64_t w0, w1, w2;

	fx_begin(f);
	w0 = weight_of(f, fx_add(f, &s));
	s.conds = c;
	s.n_conds = 1;
	w1 = weight_of(f, fx_add(f, &s));
	s.n_conds = 2;
	w2 = weight_of(f, fx_add(f, &s));
	assert_true(w1 > w0);
	assert_true(w2 > w1);
}

static void
test_mgmt_weight_auto_lets_specific_filter_decide(void **state)
{
	struct dfp_engine_cond p8 = fx_cond_prefix(DFP_FIELD_IP_REMOTE_ADDRESS,
		fx_u128(fx_ip4(10, 0, 0, 0)), 8);
	struct dfp_engine_cond p32 = fx_cond_prefix(DFP_FIELD_IP_REMOTE_ADDRESS,
		fx_u128(fx_ip4(10, 0, 0, 1)), 32);
	struct fx *f = *state;
	struct dfp_engine_filter_spec s = fx_spec("w", FX_L4, DFP_ACTION_BLOCK);
	struct dfp_engine_values v;
	struct dfp_engine_verdict vd;
	uint64_t specific, broad;

	memset(&v, 0, sizeof(v));
	fx_begin(f);
	s.conds = &p8;
	s.n_conds = 1;
	broad = fx_add(f, &s);
	s.action = DFP_ACTION_PERMIT;
	s.conds = &p32;
	specific = fx_add(f, &s);
	fx_commit(f);
	v.remote_addr.v4 = fx_ip4(10, 0, 0, 1);
	vd = fx_classify(f, FX_L4, &v);
	assert_int_equal(vd.action, DFP_ACTION_PERMIT);
	assert_int_equal(vd.filter_id, specific);
	v.remote_addr.v4 = fx_ip4(10, 0, 0, 2);
	vd = fx_classify(f, FX_L4, &v);
	assert_int_equal(vd.action, DFP_ACTION_BLOCK);
	assert_int_equal(vd.filter_id, broad);
}

static int
group_setup(void **state)
{
	(void)state;
	return dfp_test_eal_init(NULL, 0);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_mgmt_callout_add_twice_is_already_exists),
		T(test_mgmt_callout_delete_unknown_id_is_callout_not_found),
		T(test_mgmt_callout_delete_unknown_key_is_callout_not_found),
		T(test_mgmt_callout_delete_twice_is_callout_not_found),
		T(test_mgmt_callout_delete_by_id_in_use_until_filter_deleted),
		T(test_mgmt_callout_delete_by_key_in_use_until_filter_deleted),
		T(test_mgmt_callout_in_use_counts_every_filter),
		T(test_mgmt_callout_add_bad_layer_is_layer_not_found),
		T(test_mgmt_callout_add_empty_name_is_null_display_name),
		T(test_mgmt_callout_add_bad_flags_is_invalid_flags),
		T(test_mgmt_filter_unknown_callout_is_callout_not_found),
		T(test_mgmt_filter_registered_but_not_added_callout_is_callout_not_found),
		T(test_mgmt_filter_unknown_sublayer_is_sublayer_not_found),
		T(test_mgmt_filter_bad_layer_is_layer_not_found),
		T(test_mgmt_filter_bad_action_is_invalid_action_type),
		T(test_mgmt_filter_bad_flags_is_invalid_flags),
		T(test_mgmt_filter_permit_if_unregistered_needs_terminating_or_unknown),
		T(test_mgmt_filter_weight_range_16_is_invalid_weight),
		T(test_mgmt_filter_unknown_weight_type_is_invalid_weight),
		T(test_mgmt_filter_callout_of_other_layer_is_incompatible_layer),
		T(test_mgmt_filter_empty_name_is_null_display_name),
		T(test_mgmt_filter_duplicate_key_is_already_exists),
		T(test_mgmt_filter_zero_key_gets_a_generated_key),
		T(test_mgmt_filter_delete_unknown_is_filter_not_found),
		T(test_mgmt_filter_delete_twice_is_filter_not_found),
		T(test_mgmt_filter_without_sublayer_goes_to_universal),
		T(test_mgmt_filter_is_committed_only_after_commit),
		T(test_mgmt_filter_rt_view_reflects_spec),
		T(test_mgmt_sublayer_duplicate_is_already_exists),
		T(test_mgmt_sublayer_delete_with_filters_is_in_use),
		T(test_mgmt_sublayer_delete_builtin_is_builtin_object),
		T(test_mgmt_sublayer_delete_unknown_is_sublayer_not_found),
		T(test_mgmt_sublayer_bad_name_or_flags_rejected),
		T(test_mgmt_writes_outside_transaction_are_no_txn_in_progress),
		T(test_mgmt_txn_begin_twice_is_txn_in_progress),
		T(test_mgmt_invalid_parameters_change_nothing),
		T(test_mgmt_callout_id_bound_before_add_is_reused),
		T(test_mgmt_callout_id_of_object_is_reused_by_bind),
		T(test_mgmt_callout_ids_differ_per_key),
		T(test_mgmt_callout_readded_while_bound_keeps_its_id),
		T(test_mgmt_filter_carries_the_shared_callout_id),
		T(test_mgmt_abort_of_delete_and_readd_keeps_shared_callout_id),
		T(test_mgmt_notify_add_failure_is_notification_failed_and_no_filter),
		T(test_mgmt_notify_add_may_set_context_seen_by_classify),
		T(test_mgmt_notify_add_carries_filter_key_and_id),
		T(test_mgmt_notify_delete_sent_with_null_key_after_commit),
		T(test_mgmt_notify_post_commit_after_commit),
		T(test_mgmt_notify_not_sent_for_static_filters),
		T(test_mgmt_notify_delete_for_aborted_add),
		T(test_mgmt_filter_added_and_deleted_in_one_transaction_commits_cleanly),
		T(test_mgmt_weight_explicit_is_used_verbatim),
		T(test_mgmt_weight_range_goes_in_top_4_bits),
		T(test_mgmt_weight_auto_stays_below_2_pow_60),
		T(test_mgmt_weight_auto_prefers_longer_prefix),
		T(test_mgmt_weight_auto_prefers_narrower_range),
		T(test_mgmt_weight_auto_prefers_more_conditions),
		T(test_mgmt_weight_auto_lets_specific_filter_decide),
	};

	return cmocka_run_group_tests(tests, group_setup, NULL);
}
