/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The packet-facing flow table (dfp_flow_table.h, DESIGN §1): bidirectional
 * keys, the key hash (insert, burst lookup, removal at flow end), per-flow
 * state, idle and abort aging, and snapshots (foreach, get), including
 * snapshots taken by another thread while the owner works.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_memory.h>

#include <cmocka.h>

#include "dfp_flow.h"
#include "dfp_flow_table.h"
#include "test_eal.h"

#define TABLE_ID 5
#define CAPACITY 16
#define IDLE 1000
#define MAX_EVENTS 64
#define LAYER 44
#define CALLOUT 7

enum ev_kind {
	EV_ON_END = 1,
	EV_HOOK,
};

struct ev {
	enum ev_kind kind;
	uint64_t value;        /* on_end: flow id; hook: context. */
	bool live_at_on_end;   /* on_end: id still live and key still found. */
};

struct fx {
	struct dfp_flow_dir *dir;
	struct dfp_flow_table *t;
	struct ev evs[MAX_EVENTS];
	unsigned int n_evs;
};

static void
fx_hook(void *ctx, uint16_t layer_id, uint32_t callout_id, uint64_t context)
{
	struct fx *x = ctx;

	(void)layer_id;
	(void)callout_id;
	assert_true(x->n_evs < MAX_EVENTS);
	x->evs[x->n_evs].kind = EV_HOOK;
	x->evs[x->n_evs].value = context;
	x->n_evs++;
}

static void
fx_on_end(void *arg, struct dfp_flow *f)
{
	struct fx *x = arg;
	struct dfp_flow *found;
	uint64_t id = dfp_flow_id(f);

	assert_true(x->n_evs < MAX_EVENTS);
	dfp_flow_lookup_burst(x->t, dfp_flow_key(f), 1, &found);
	x->evs[x->n_evs].kind = EV_ON_END;
	x->evs[x->n_evs].value = id;
	x->evs[x->n_evs].live_at_on_end = dfp_flow_lookup_id(x->t, id) == f && found == f;
	x->n_evs++;
}

static struct dfp_flow_table *
fx_table(struct fx *x, unsigned int table_id, uint32_t capacity)
{
	struct dfp_flow_table_params p = {
		.idle_timeout_tsc = IDLE,
		.hold_max = 8,
		.socket_id = (unsigned int)SOCKET_ID_ANY,
	};
	struct dfp_flow_table *t;

	assert_int_equal(dfp_flow_table_create(x->dir, table_id, capacity, &t), DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_flow_table_configure(t, &p), DFP_STATUS_SUCCESS);
	return t;
}

static int
fx_setup(void **state)
{
	struct fx *x = calloc(1, sizeof(*x));

	assert_non_null(x);
	assert_int_equal(dfp_flow_dir_create(fx_hook, x, &x->dir), DFP_STATUS_SUCCESS);
	x->t = fx_table(x, TABLE_ID, CAPACITY);
	*state = x;
	return 0;
}

/* End every live flow of t. */
static void
fx_drain(struct fx *x, struct dfp_flow_table *t)
{
	(void)x;
	dfp_flow_table_end_all(t, NULL, NULL);
}

static int
fx_teardown(void **state)
{
	struct fx *x = *state;

	fx_drain(x, x->t);
	assert_int_equal(dfp_flow_table_count(x->t), 0);
	dfp_flow_table_free(x->t);
	dfp_flow_dir_free(x->dir);
	free(x);
	return 0;
}

static int
group_setup(void **state)
{
	(void)state;
	return dfp_test_eal_init(NULL, 0);
}

/* The v4 key of a.b.c.d-style addresses given as host-order words. */
static enum dfp_flow_direction
key4(uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport, uint8_t proto, uint16_t vlan,
		struct dfp_flow_key *k)
{
	uint8_t s[4] = {src >> 24, src >> 16, src >> 8, src};
	uint8_t d[4] = {dst >> 24, dst >> 16, dst >> 8, dst};

	return dfp_flow_key_make(4, s, d, sport, dport, proto, vlan, 0, k);
}

/* A distinct TCP key per n. */
static void
keyn(unsigned int n, struct dfp_flow_key *k)
{
	key4(0x0a000001, 0x0a100000 + n, 40000 + (n & 0xfff), 443, 6, 0, k);
}

static struct dfp_flow *
insert_n(struct fx *x, unsigned int n, uint64_t now)
{
	struct dfp_flow_key k;
	struct dfp_flow *f;

	keyn(n, &k);
	f = dfp_flow_insert(x->t, &k, DFP_FLOW_DIR_FWD, now);
	assert_non_null(f);
	return f;
}

/* Lookup of one key: its flow or NULL. */
static struct dfp_flow *
lookup1(struct dfp_flow_table *t, const struct dfp_flow_key *k)
{
	struct dfp_flow *f = (struct dfp_flow *)1;

	dfp_flow_lookup_burst(t, k, 1, &f);
	return f;
}

/* ---- Keys ---- */

static void
test_flow_key_v4_both_directions_give_one_key_and_opposite_dirs(void **state)
{
	struct dfp_flow_key a, b;
	enum dfp_flow_direction da, db;

	(void)state;
	da = key4(0xc0a80102, 0x0a000001, 51000, 80, 6, 0, &a);
	db = key4(0x0a000001, 0xc0a80102, 80, 51000, 6, 0, &b);
	assert_memory_equal(&a, &b, sizeof(a));
	assert_int_not_equal(da, db);
	/* The lower (address, port) is endpoint 0: 10.0.0.1:80. */
	assert_int_equal(db, DFP_FLOW_DIR_FWD);
	assert_int_equal(a.addr[0][0], 10);
	assert_int_equal(a.port[0], 80);
	assert_int_equal(a.port[1], 51000);
	assert_int_equal(a.family, 4);
	assert_int_equal(a.proto, 6);
}

static void
test_flow_key_v6_both_directions_give_one_key_and_opposite_dirs(void **state)
{
	uint8_t x[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 0x01};
	uint8_t y[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 0x02};
	struct dfp_flow_key a, b;
	enum dfp_flow_direction da, db;

	(void)state;
	da = dfp_flow_key_make(6, y, x, 53, 5353, 17, 0, 0, &a);
	db = dfp_flow_key_make(6, x, y, 5353, 53, 17, 0, 0, &b);
	assert_memory_equal(&a, &b, sizeof(a));
	assert_int_equal(da, DFP_FLOW_DIR_REV);
	assert_int_equal(db, DFP_FLOW_DIR_FWD);
	assert_memory_equal(a.addr[0], x, 16);
	assert_int_equal(a.family, 6);
}

static void
test_flow_key_same_address_orders_by_port(void **state)
{
	struct dfp_flow_key a, b;

	(void)state;
	assert_int_equal(key4(0x7f000001, 0x7f000001, 9000, 22, 6, 0, &a), DFP_FLOW_DIR_REV);
	assert_int_equal(key4(0x7f000001, 0x7f000001, 22, 9000, 6, 0, &b), DFP_FLOW_DIR_FWD);
	assert_memory_equal(&a, &b, sizeof(a));
	assert_int_equal(a.port[0], 22);
}

static void
test_flow_key_icmp_echo_id_gives_one_key_both_directions(void **state)
{
	struct dfp_flow_key req, rep, other;
	enum dfp_flow_direction dq, dr;

	(void)state;
	/* Callers pass (echo id, 0) both ways: ports are not reordered. */
	dq = key4(0x0a000002, 0x08080808, 0x1234, 0, 1, 0, &req);
	dr = key4(0x08080808, 0x0a000002, 0x1234, 0, 1, 0, &rep);
	assert_memory_equal(&req, &rep, sizeof(req));
	assert_int_not_equal(dq, dr);
	assert_int_equal(req.port[0], 0x1234);
	assert_int_equal(req.port[1], 0);
	key4(0x0a000002, 0x08080808, 0x1235, 0, 1, 0, &other);
	assert_memory_not_equal(&req, &other, sizeof(req));
}

static void
test_flow_key_vlan_distinguishes_keys(void **state)
{
	struct dfp_flow_key a, b;

	(void)state;
	key4(0x0a000001, 0x0a000002, 1000, 2000, 17, 10, &a);
	key4(0x0a000001, 0x0a000002, 1000, 2000, 17, 20, &b);
	assert_memory_not_equal(&a, &b, sizeof(a));
	assert_int_equal(a.vlan, 10);
}

static void
test_flow_key_inner_vlan_distinguishes_keys_in_both_directions(void **state)
{
	static const uint8_t x[4] = {10, 0, 0, 1}, y[4] = {10, 0, 0, 2};
	struct dfp_flow_key a, a_rev, b, single;

	(void)state;
	/* Service VLAN 100, customer VLANs 10 and 20; and 100 alone. */
	dfp_flow_key_make(4, x, y, 1000, 2000, 17, 100, 10, &a);
	dfp_flow_key_make(4, y, x, 2000, 1000, 17, 100, 10, &a_rev);
	dfp_flow_key_make(4, x, y, 1000, 2000, 17, 100, 20, &b);
	dfp_flow_key_make(4, x, y, 1000, 2000, 17, 100, 0, &single);
	assert_memory_equal(&a, &a_rev, sizeof(a));
	assert_memory_not_equal(&a, &b, sizeof(a));
	assert_memory_not_equal(&a, &single, sizeof(a));
	assert_int_equal(a.vlan, 100);
	assert_int_equal(a.inner_vlan, 10);
	assert_int_equal(single.inner_vlan, 0);
}

static void
test_flow_key_padding_is_zeroed(void **state)
{
	static const uint8_t zero[12];
	struct dfp_flow_key a, b;

	(void)state;
	memset(&a, 0xaa, sizeof(a));
	memset(&b, 0x55, sizeof(b));
	key4(0x0a000001, 0x0a000002, 1000, 2000, 6, 0, &a);
	key4(0x0a000002, 0x0a000001, 2000, 1000, 6, 0, &b);
	assert_memory_equal(&a, &b, sizeof(a));
	assert_memory_equal(&a.addr[0][4], zero, sizeof(zero));
	assert_memory_equal(&a.addr[1][4], zero, sizeof(zero));
	assert_memory_equal(a.pad, zero, sizeof(a.pad));
}

/* ---- Hash: insert, lookup, removal ---- */

static void
test_flow_insert_then_lookup_finds_it_and_unknown_keys_miss(void **state)
{
	struct fx *x = *state;
	struct dfp_flow_key k, rev, unknown;
	struct dfp_flow *f;

	key4(0x0a000001, 0x0a000002, 1000, 2000, 6, 0, &k);
	key4(0x0a000002, 0x0a000001, 2000, 1000, 6, 0, &rev);
	key4(0x0a000001, 0x0a000002, 1000, 2001, 6, 0, &unknown);
	assert_null(lookup1(x->t, &k));
	f = dfp_flow_insert(x->t, &k, DFP_FLOW_DIR_FWD, 5);
	assert_non_null(f);
	assert_ptr_equal(lookup1(x->t, &k), f);
	assert_ptr_equal(lookup1(x->t, &rev), f);
	assert_null(lookup1(x->t, &unknown));
	assert_memory_equal(dfp_flow_key(f), &k, sizeof(k));
	assert_int_equal(dfp_flow_state(f)->phase, DFP_FLOW_PHASE_NEW);
	assert_int_equal(dfp_flow_state(f)->created, 5);
	assert_int_equal(dfp_flow_state(f)->last_seen, 5);
	assert_int_equal(dfp_flow_state(f)->initiator, DFP_FLOW_DIR_FWD);
}

static void
test_flow_insert_gives_live_ids(void **state)
{
	struct fx *x = *state;
	struct dfp_flow_info info;
	struct dfp_flow *f, *g;
	uint64_t id, id2;

	f = insert_n(x, 1, 0);
	g = insert_n(x, 2, 0);
	id = dfp_flow_id(f);
	id2 = dfp_flow_id(g);
	assert_int_not_equal(id, id2);
	assert_int_equal(id >> 56, TABLE_ID);
	assert_int_equal((id >> 24) & 1, 1);
	assert_ptr_equal(dfp_flow_lookup_id(x->t, id), f);
	assert_int_equal(dfp_flow_get(x->dir, id, &info), DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_flow_context_associate(x->dir, id, LAYER, CALLOUT, 9),
			DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_flow_table_count(x->t), 2);
}

static void
test_flow_insert_of_present_key_returns_that_flow(void **state)
{
	struct fx *x = *state;
	struct dfp_flow_key k, rev;
	struct dfp_flow *f;

	key4(0x0a000001, 0x0a000002, 1000, 2000, 17, 0, &k);
	key4(0x0a000002, 0x0a000001, 2000, 1000, 17, 0, &rev);
	f = dfp_flow_insert(x->t, &k, DFP_FLOW_DIR_FWD, 1);
	dfp_flow_state(f)->phase = DFP_FLOW_PHASE_AUTHORIZED;
	assert_ptr_equal(dfp_flow_insert(x->t, &rev, DFP_FLOW_DIR_REV, 2), f);
	assert_int_equal(dfp_flow_state(f)->phase, DFP_FLOW_PHASE_AUTHORIZED);
	assert_int_equal(dfp_flow_state(f)->initiator, DFP_FLOW_DIR_FWD);
	assert_int_equal(dfp_flow_state(f)->created, 1);
	assert_int_equal(dfp_flow_table_count(x->t), 1);
}

static void
test_flow_insert_into_full_table_returns_null(void **state)
{
	struct fx *x = *state;
	struct dfp_flow_key k;
	unsigned int i;

	for (i = 0; i < CAPACITY; i++)
		insert_n(x, i, 0);
	keyn(CAPACITY, &k);
	assert_null(dfp_flow_insert(x->t, &k, DFP_FLOW_DIR_FWD, 0));
	assert_null(lookup1(x->t, &k));
	assert_int_equal(dfp_flow_table_count(x->t), CAPACITY);
	/* Ending one makes room again. */
	keyn(3, &k);
	dfp_flow_end(x->t, lookup1(x->t, &k));
	keyn(CAPACITY, &k);
	assert_non_null(dfp_flow_insert(x->t, &k, DFP_FLOW_DIR_FWD, 0));
}

static void
test_flow_insert_rejects_family_zero_and_unconfigured_table(void **state)
{
	struct fx *x = *state;
	struct dfp_flow_table *t;
	struct dfp_flow_key k;

	memset(&k, 0, sizeof(k));
	assert_null(dfp_flow_insert(x->t, &k, DFP_FLOW_DIR_FWD, 0));
	assert_int_equal(dfp_flow_table_create(x->dir, TABLE_ID + 1, 4, &t), DFP_STATUS_SUCCESS);
	keyn(1, &k);
	assert_null(dfp_flow_insert(t, &k, DFP_FLOW_DIR_FWD, 0));
	assert_null(lookup1(t, &k));
	dfp_flow_table_free(t);
}

static void
test_flow_end_removes_key_reuses_slot_and_stales_id(void **state)
{
	struct fx *x = *state;
	struct dfp_flow_table *t;
	struct dfp_flow_info info;
	struct dfp_flow_key k, k2;
	struct dfp_flow *f, *g;
	uint64_t id;

	/* A one-entry table: the next flow must reuse the slot. */
	t = fx_table(x, TABLE_ID + 1, 1);
	keyn(1, &k);
	keyn(2, &k2);
	f = dfp_flow_insert(t, &k, DFP_FLOW_DIR_FWD, 0);
	assert_non_null(f);
	id = dfp_flow_id(f);
	dfp_flow_end(t, f);
	assert_null(lookup1(t, &k));
	g = dfp_flow_insert(t, &k2, DFP_FLOW_DIR_FWD, 0);
	assert_ptr_equal(g, f);
	assert_int_not_equal(dfp_flow_id(g), id);
	assert_null(dfp_flow_lookup_id(t, id));
	assert_int_equal(dfp_flow_get(x->dir, id, &info), DFP_STATUS_UNSUCCESSFUL);
	assert_null(lookup1(t, &k));
	assert_ptr_equal(lookup1(t, &k2), g);
	/* The old key can come back as a new flow once there is room. */
	dfp_flow_end(t, g);
	assert_non_null(dfp_flow_insert(t, &k, DFP_FLOW_DIR_FWD, 0));
	fx_drain(x, t);
	dfp_flow_table_free(t);
}

static void
test_flow_hold_queues_come_from_a_bounded_pool(void **state)
{
	struct dfp_flow_table_params p = {
		.idle_timeout_tsc = IDLE,
		.hold_max = 8,
		.hold_queues = 2,
		.socket_id = (unsigned int)SOCKET_ID_ANY,
	};
	struct dfp_flow_state *st[3];
	struct dfp_flow_table *t;
	struct dfp_flow_key k;
	struct dfp_flow *f[3];
	struct fx *x = *state;
	void **q0, **q1;
	unsigned int i;

	assert_int_equal(dfp_flow_table_create(x->dir, TABLE_ID + 1, 16, &t), DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_flow_table_configure(t, &p), DFP_STATUS_SUCCESS);
	for (i = 0; i < 3; i++) {
		keyn(100 + i, &k);
		f[i] = dfp_flow_insert(t, &k, DFP_FLOW_DIR_FWD, 1);
		assert_non_null(f[i]);
		st[i] = dfp_flow_state(f[i]);
		/* A flow that never pends has no queue. */
		assert_null(dfp_flow_hold_queue(t, st[i], false));
	}
	q0 = dfp_flow_hold_queue(t, st[0], true);
	q1 = dfp_flow_hold_queue(t, st[1], true);
	assert_non_null(q0);
	assert_non_null(q1);
	assert_ptr_not_equal(q0, q1);
	/* Asking again gives the same queue; the pool of two is now empty. */
	assert_ptr_equal(dfp_flow_hold_queue(t, st[0], true), q0);
	assert_null(dfp_flow_hold_queue(t, st[2], true));
	/* Released explicitly, or by the flow's end, a queue serves another flow. */
	dfp_flow_hold_release(t, st[0]);
	assert_null(dfp_flow_hold_queue(t, st[0], false));
	assert_ptr_equal(dfp_flow_hold_queue(t, st[2], true), q0);
	dfp_flow_end(t, f[1]);
	assert_ptr_equal(dfp_flow_hold_queue(t, st[0], true), q1);
	dfp_flow_table_end_all(t, NULL, NULL);
	dfp_flow_table_free(t);
}

static void
test_flow_state_is_zeroed_on_reuse(void **state)
{
	struct fx *x = *state;
	struct dfp_flow_table *t;
	struct dfp_flow_state *s;
	struct dfp_flow_key k;
	struct dfp_flow *f;

	t = fx_table(x, TABLE_ID + 1, 1);
	keyn(1, &k);
	f = dfp_flow_insert(t, &k, DFP_FLOW_DIR_REV, 10);
	s = dfp_flow_state(f);
	dfp_flow_state_count(s, DFP_FLOW_DIR_REV, 1500, 20);
	s->phase = DFP_FLOW_PHASE_PENDED;
	s->tcp = DFP_FLOW_TCP_SYN_FWD | DFP_FLOW_TCP_RST;
	s->ale_generation = 3;
	s->ale_action = 5;
	s->pend_handle = 6;
	s->inbound_initiator = 1;
	s->n_held = 2;
	s->n_held_dropped = 7;
	dfp_flow_end(t, f);
	keyn(2, &k);
	f = dfp_flow_insert(t, &k, DFP_FLOW_DIR_FWD, 30);
	s = dfp_flow_state(f);
	assert_int_equal(s->phase, DFP_FLOW_PHASE_NEW);
	assert_int_equal(s->initiator, DFP_FLOW_DIR_FWD);
	assert_int_equal(s->created, 30);
	assert_int_equal(s->last_seen, 30);
	assert_int_equal(s->pkts[0] | s->pkts[1] | s->bytes[0] | s->bytes[1], 0);
	assert_int_equal(s->ale_generation | s->pend_handle, 0);
	assert_int_equal(s->ale_action, 0);
	assert_int_equal(s->tcp | s->inbound_initiator, 0);
	assert_int_equal(s->n_held | s->n_held_dropped, 0);
	/* A keyless flow (dfp_flow_alloc) in the slot has a zero key and state. */
	dfp_flow_end(t, f);
	assert_int_not_equal(dfp_flow_alloc(t, &f), 0);
	assert_int_equal(dfp_flow_key(f)->family, 0);
	assert_int_equal(dfp_flow_state(f)->created, 0);
	dfp_flow_end(t, f);
	/* Its end removed no key: the table still inserts and finds. */
	keyn(2, &k);
	assert_ptr_equal(dfp_flow_insert(t, &k, DFP_FLOW_DIR_FWD, 40), f);
	assert_ptr_equal(lookup1(t, &k), f);
	fx_drain(x, t);
	dfp_flow_table_free(t);
}

static void
test_flow_lookup_burst_of_64_keys_mixes_hits_and_misses(void **state)
{
	struct fx *x = *state;
	struct dfp_flow *inserted[70];
	struct dfp_flow_key keys[70];
	struct dfp_flow *flows[70];
	struct dfp_flow_table *t;
	unsigned int i;

	t = fx_table(x, TABLE_ID + 1, 64);
	for (i = 0; i < 70; i++) {
		keyn(i, &keys[i]);
		inserted[i] = NULL;
		/* Hits at multiples of 3 (0 and 63 included), misses between. */
		if (i % 3 == 0) {
			inserted[i] = dfp_flow_insert(t, &keys[i], DFP_FLOW_DIR_FWD, 0);
			assert_non_null(inserted[i]);
		}
	}
	memset(flows, 0xff, sizeof(flows));
	assert_int_equal(dfp_flow_lookup_burst(t, keys, 64, flows), 22);
	for (i = 0; i < 64; i++)
		assert_ptr_equal(flows[i], inserted[i]);
	/* Longer bursts are looked up 64 at a time; an empty one finds nothing. */
	memset(flows, 0xff, sizeof(flows));
	assert_int_equal(dfp_flow_lookup_burst(t, keys, 70, flows), 24);
	for (i = 0; i < 70; i++)
		assert_ptr_equal(flows[i], inserted[i]);
	assert_int_equal(dfp_flow_lookup_burst(t, keys, 0, flows), 0);
	fx_drain(x, t);
	dfp_flow_table_free(t);
}

/* ---- Aging ---- */

static void
test_flow_age_ends_only_idle_flows_calling_on_end_first(void **state)
{
	struct fx *x = *state;
	struct dfp_flow *idle, *busy, *keyless;
	uint64_t idle_id, busy_id;

	idle = insert_n(x, 1, 100);
	busy = insert_n(x, 2, 100);
	idle_id = dfp_flow_id(idle);
	busy_id = dfp_flow_id(busy);
	assert_int_equal(dfp_flow_context_associate(x->dir, idle_id, LAYER, CALLOUT, 77),
			DFP_STATUS_SUCCESS);
	assert_int_not_equal(dfp_flow_alloc(x->t, &keyless), 0);
	dfp_flow_state_count(dfp_flow_state(busy), DFP_FLOW_DIR_FWD, 60, 900);
	/* Exactly IDLE since last_seen is not yet idle. */
	assert_int_equal(dfp_flow_age(x->t, 100 + IDLE, 8, fx_on_end, x), 0);
	assert_int_equal(dfp_flow_age(x->t, 101 + IDLE, 8, fx_on_end, x), 1);
	assert_int_equal(x->n_evs, 2);
	assert_int_equal(x->evs[0].kind, EV_ON_END);
	assert_int_equal(x->evs[0].value, idle_id);
	assert_true(x->evs[0].live_at_on_end);
	assert_int_equal(x->evs[1].kind, EV_HOOK);
	assert_int_equal(x->evs[1].value, 77);
	assert_null(dfp_flow_lookup_id(x->t, idle_id));
	assert_ptr_equal(dfp_flow_lookup_id(x->t, busy_id), busy);
	/* Keyless flows have no packets and never idle out. */
	assert_int_equal(dfp_flow_age(x->t, 901 + IDLE, 8, NULL, NULL), 1);
	assert_null(dfp_flow_lookup_id(x->t, busy_id));
	assert_int_equal(dfp_flow_table_count(x->t), 1);
	assert_int_equal(dfp_flow_abort(x->dir, dfp_flow_id(keyless)), DFP_STATUS_SUCCESS);
}

static void
test_flow_age_respects_max_per_call_and_resumes(void **state)
{
	struct fx *x = *state;
	unsigned int i;

	for (i = 0; i < 10; i++)
		insert_n(x, i, 0);
	/* Idle: all ten. max 3 ends 3 per call; the cursor moves on. */
	assert_int_equal(dfp_flow_age(x->t, 2 * IDLE, 3, NULL, NULL), 3);
	assert_int_equal(dfp_flow_table_count(x->t), 7);
	assert_int_equal(dfp_flow_age(x->t, 2 * IDLE, 3, NULL, NULL), 3);
	assert_int_equal(dfp_flow_age(x->t, 2 * IDLE, 3, NULL, NULL), 3);
	assert_int_equal(dfp_flow_age(x->t, 2 * IDLE, 3, NULL, NULL), 1);
	assert_int_equal(dfp_flow_table_count(x->t), 0);
	assert_int_equal(dfp_flow_age(x->t, 2 * IDLE, 3, NULL, NULL), 0);
	assert_int_equal(dfp_flow_age(x->t, 2 * IDLE, 0, NULL, NULL), 0);
}

static void
test_flow_age_examines_at_most_four_entries_per_flow_allowed(void **state)
{
	struct fx *x = *state;
	struct dfp_flow *f;
	unsigned int i;

	/* Slots 0-7 busy, slot 8 idle (slots are handed out from 0). */
	for (i = 0; i < 9; i++) {
		f = insert_n(x, i, 0);
		if (i < 8)
			dfp_flow_state(f)->last_seen = 5 * IDLE;
	}
	/* max 1: four entries per call, so two calls pass over the busy ones. */
	assert_int_equal(dfp_flow_age(x->t, 5 * IDLE, 1, NULL, NULL), 0);
	assert_int_equal(dfp_flow_age(x->t, 5 * IDLE, 1, NULL, NULL), 0);
	assert_int_equal(dfp_flow_age(x->t, 5 * IDLE, 1, NULL, NULL), 1);
	assert_int_equal(dfp_flow_table_count(x->t), 8);
}

static void
test_flow_age_ends_flows_whose_abort_was_requested(void **state)
{
	struct fx *x = *state;
	struct dfp_flow *a, *b;
	struct dfp_flow_key k;
	uint64_t id;

	a = insert_n(x, 1, 50);
	b = insert_n(x, 2, 50);
	id = dfp_flow_id(a);
	assert_int_equal(dfp_flow_abort(x->dir, id), DFP_STATUS_SUCCESS);
	/* Not idle at all: only the abort ends it. */
	assert_int_equal(dfp_flow_age(x->t, 50, 8, fx_on_end, x), 1);
	assert_int_equal(x->n_evs, 1);
	assert_int_equal(x->evs[0].value, id);
	assert_null(dfp_flow_lookup_id(x->t, id));
	keyn(1, &k);
	assert_null(lookup1(x->t, &k));
	assert_non_null(dfp_flow_lookup_id(x->t, dfp_flow_id(b)));
}

static void
test_flow_table_end_all_ends_every_flow_calling_on_end_first(void **state)
{
	struct fx *x = *state;
	struct dfp_flow *a, *b, *keyless;
	uint64_t ida, idb;

	a = insert_n(x, 1, 0);
	b = insert_n(x, 2, 0);
	ida = dfp_flow_id(a);
	idb = dfp_flow_id(b);
	assert_int_not_equal(dfp_flow_alloc(x->t, &keyless), 0);
	assert_int_equal(dfp_flow_context_associate(x->dir, idb, LAYER, CALLOUT, 5),
			DFP_STATUS_SUCCESS);
	dfp_flow_end(x->t, a);
	/* Two live flows (one keyless); the ended one is not ended again. */
	assert_int_equal(dfp_flow_table_end_all(x->t, fx_on_end, x), 2);
	assert_int_equal(dfp_flow_table_count(x->t), 0);
	assert_int_equal(x->n_evs, 3);
	assert_int_equal(x->evs[0].kind, EV_ON_END);
	assert_int_equal(x->evs[0].value, idb);
	assert_true(x->evs[0].live_at_on_end);
	assert_int_equal(x->evs[1].kind, EV_HOOK);
	assert_int_equal(x->evs[1].value, 5);
	assert_int_equal(x->evs[2].kind, EV_ON_END);
	assert_null(dfp_flow_lookup_id(x->t, ida));
	assert_null(dfp_flow_lookup_id(x->t, idb));
	assert_int_equal(dfp_flow_table_end_all(x->t, fx_on_end, x), 0);
	assert_int_equal(dfp_flow_table_end_all(NULL, NULL, NULL), 0);
}

/* ---- Snapshots ---- */

struct listing {
	struct dfp_flow_info infos[CAPACITY];
	unsigned int n;
	unsigned int stop_after;
};

static int
list_cb(void *arg, const struct dfp_flow_info *f)
{
	struct listing *l = arg;

	assert_true(l->n < CAPACITY);
	l->infos[l->n++] = *f;
	return l->stop_after != 0 && l->n == l->stop_after;
}

static void
test_flow_foreach_lists_key_phase_counters_and_contexts(void **state)
{
	struct fx *x = *state;
	struct dfp_flow_state *s;
	struct dfp_flow_key k;
	struct listing *l;
	struct dfp_flow *f;
	uint64_t id;

	l = calloc(1, sizeof(*l));
	assert_non_null(l);
	key4(0x0a000009, 0x0a000001, 3333, 22, 6, 7, &k);
	f = dfp_flow_insert(x->t, &k, DFP_FLOW_DIR_REV, 1);
	id = dfp_flow_id(f);
	s = dfp_flow_state(f);
	dfp_flow_state_count(s, DFP_FLOW_DIR_REV, 60, 2);
	dfp_flow_state_count(s, DFP_FLOW_DIR_REV, 40, 3);
	dfp_flow_state_count(s, DFP_FLOW_DIR_FWD, 1500, 4);
	__atomic_store_n(&s->phase, DFP_FLOW_PHASE_ESTABLISHED, __ATOMIC_RELAXED);
	assert_int_equal(dfp_flow_context_associate(x->dir, id, LAYER, CALLOUT, 0xabc),
			DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_flow_context_associate(x->dir, id, LAYER + 1, CALLOUT, 0xdef),
			DFP_STATUS_SUCCESS);
	insert_n(x, 1, 0);
	dfp_flow_foreach(x->dir, list_cb, l);
	assert_int_equal(l->n, 2);
	assert_int_equal(l->infos[0].flow_id, id);
	assert_memory_equal(&l->infos[0].key, &k, sizeof(k));
	assert_int_equal(l->infos[0].phase, DFP_FLOW_PHASE_ESTABLISHED);
	assert_int_equal(l->infos[0].initiator, DFP_FLOW_DIR_REV);
	assert_int_equal(l->infos[0].pkts[DFP_FLOW_DIR_REV], 2);
	assert_int_equal(l->infos[0].bytes[DFP_FLOW_DIR_REV], 100);
	assert_int_equal(l->infos[0].pkts[DFP_FLOW_DIR_FWD], 1);
	assert_int_equal(l->infos[0].bytes[DFP_FLOW_DIR_FWD], 1500);
	assert_int_equal(l->infos[0].n_contexts, 2);
	assert_int_equal(l->infos[0].contexts[0].flow_id, id);
	assert_int_equal(l->infos[0].contexts[0].layer_id, LAYER);
	assert_int_equal(l->infos[0].contexts[0].callout_id, CALLOUT);
	assert_int_equal(l->infos[0].contexts[0].context, 0xabc);
	assert_int_equal(l->infos[0].contexts[1].context, 0xdef);
	assert_int_equal(l->infos[1].n_contexts, 0);
	assert_int_equal(l->infos[1].phase, DFP_FLOW_PHASE_NEW);
	/* A non-zero return stops the walk. */
	memset(l, 0, sizeof(*l));
	l->stop_after = 1;
	dfp_flow_foreach(x->dir, list_cb, l);
	assert_int_equal(l->n, 1);
	free(l);
}

static void
test_flow_get_snapshots_one_live_flow(void **state)
{
	struct fx *x = *state;
	struct dfp_flow_info info;
	struct dfp_flow *f;
	uint64_t id;

	f = insert_n(x, 4, 0);
	id = dfp_flow_id(f);
	dfp_flow_state_count(dfp_flow_state(f), DFP_FLOW_DIR_FWD, 99, 1);
	assert_int_equal(dfp_flow_get(x->dir, id, &info), DFP_STATUS_SUCCESS);
	assert_int_equal(info.flow_id, id);
	assert_memory_equal(&info.key, dfp_flow_key(f), sizeof(info.key));
	assert_int_equal(info.pkts[0], 1);
	assert_int_equal(info.bytes[0], 99);
	assert_int_equal(dfp_flow_get(x->dir, id ^ (UINT64_C(2) << 24), &info),
			DFP_STATUS_UNSUCCESSFUL);
	assert_int_equal(dfp_flow_get(x->dir, 0, &info), DFP_STATUS_UNSUCCESSFUL);
	assert_int_equal(dfp_flow_get(x->dir, id, NULL), DFP_STATUS_INVALID_PARAMETER);
	dfp_flow_end(x->t, f);
	assert_int_equal(dfp_flow_get(x->dir, id, &info), DFP_STATUS_UNSUCCESSFUL);
}

static void
test_flow_table_configure_rejects_bad_parameters(void **state)
{
	struct dfp_flow_table_params p = {.hold_max = 0, .socket_id = (unsigned int)SOCKET_ID_ANY};
	struct fx *x = *state;
	struct dfp_flow *f;

	assert_int_equal(dfp_flow_table_configure(x->t, &p), DFP_STATUS_INVALID_PARAMETER);
	p.hold_max = DFP_FLOW_HOLD_MAX + 1;
	assert_int_equal(dfp_flow_table_configure(x->t, &p), DFP_STATUS_INVALID_PARAMETER);
	assert_int_equal(dfp_flow_table_configure(x->t, NULL), DFP_STATUS_INVALID_PARAMETER);
	assert_int_equal(dfp_flow_table_configure(NULL, &p), DFP_STATUS_INVALID_PARAMETER);
	/* Reconfiguring keeps the hash and its flows; only options change. */
	f = insert_n(x, 1, 0);
	p.hold_max = DFP_FLOW_HOLD_MAX;
	p.idle_timeout_tsc = 0;
	assert_int_equal(dfp_flow_table_configure(x->t, &p), DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_flow_age(x->t, UINT64_MAX / 2, 8, NULL, NULL), 0);
	assert_int_equal(dfp_flow_table_count(x->t), 1);
	assert_ptr_equal(dfp_flow_insert(x->t, dfp_flow_key(f), DFP_FLOW_DIR_FWD, 0), f);
	dfp_flow_end(x->t, f);
}

/* ---- Snapshots while the owner works ---- */

#define RACE_RECENT 32
#define RACE_OPS 200000
#define RACE_MS 400

struct race {
	struct dfp_flow_dir *dir;
	struct dfp_flow_table *t;
	/* Owner publishes ids of recent flows; relaxed: the reader only tries them. */
	uint64_t recent_id[RACE_RECENT];
	/* Set by the owner when it stops (release), read by the reader (acquire). */
	int done;
	unsigned int bad;
	unsigned int seen;
};

static uint64_t
ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* A listed flow's key must be some keyn(n) with matching counters. */
static int
race_check(void *arg, const struct dfp_flow_info *f)
{
	struct race *r = arg;
	struct dfp_flow_key k;
	unsigned int n;

	n = ((unsigned int)f->key.addr[1][1] << 16 | (unsigned int)f->key.addr[1][2] << 8 |
			f->key.addr[1][3]) - 0x100000;
	keyn(n, &k);
	if (memcmp(&k, &f->key, sizeof(k)) != 0 || f->bytes[0] % 64 != 0)
		r->bad++;
	__atomic_store_n(&r->seen, r->seen + 1, __ATOMIC_RELAXED);
	return 0;
}

static void *
race_reader(void *arg)
{
	struct race *r = arg;
	struct dfp_flow_info info;
	unsigned int i;
	uint64_t id;

	while (!__atomic_load_n(&r->done, __ATOMIC_ACQUIRE)) {
		dfp_flow_foreach(r->dir, race_check, r);
		for (i = 0; i < RACE_RECENT; i++) {
			id = __atomic_load_n(&r->recent_id[i], __ATOMIC_RELAXED);
			if (id == 0 || dfp_flow_get(r->dir, id, &info) != DFP_STATUS_SUCCESS)
				continue;
			/* A live id's snapshot is that flow's, whole (a stale id is refused). */
			if (info.flow_id != id)
				r->bad++;
			race_check(r, &info);
		}
	}
	return NULL;
}

static void
test_flow_snapshots_race_free_while_owner_inserts_counts_and_ends(void **state)
{
	struct fx *x = *state;
	struct dfp_flow *live[CAPACITY] = {NULL};
	struct dfp_flow_key k;
	struct race *r;
	pthread_t th;
	uint64_t deadline;
	unsigned int ops, i, n = 0;
	struct dfp_flow *f;

	r = calloc(1, sizeof(*r));
	assert_non_null(r);
	r->dir = x->dir;
	r->t = x->t;
	assert_int_equal(pthread_create(&th, NULL, race_reader, r), 0);
	deadline = ms_now() + RACE_MS;
	/*
	 * Until RACE_OPS or RACE_MS, and on a loaded machine until the reader
	 * has taken a snapshot at all (bounded: RACE_MS more).
	 */
	for (ops = 0; ops % 256 != 0 || (ops < RACE_OPS && ms_now() < deadline) ||
			(__atomic_load_n(&r->seen, __ATOMIC_RELAXED) == 0 &&
			 ms_now() < deadline + RACE_MS); ops++) {
		i = ops % CAPACITY;
		if (live[i] != NULL && (ops / CAPACITY) % 3 == 0) {
			dfp_flow_end(x->t, live[i]);
			live[i] = NULL;
		} else if (live[i] == NULL) {
			keyn(n, &k);
			f = dfp_flow_insert(x->t, &k, DFP_FLOW_DIR_FWD, ops);
			if (f == NULL)
				continue;
			live[i] = f;
			__atomic_store_n(&r->recent_id[n % RACE_RECENT], dfp_flow_id(f),
					__ATOMIC_RELAXED);
			n = (n + 1) & 0xffff;
		} else {
			dfp_flow_state_count(dfp_flow_state(live[i]), DFP_FLOW_DIR_FWD, 64, ops);
			__atomic_store_n(&dfp_flow_state(live[i])->phase,
					DFP_FLOW_PHASE_ESTABLISHED, __ATOMIC_RELAXED);
		}
	}
	__atomic_store_n(&r->done, 1, __ATOMIC_RELEASE);
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(r->bad, 0);
	assert_true(r->seen > 0);
	free(r);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_flow_key_v4_both_directions_give_one_key_and_opposite_dirs),
		T(test_flow_key_v6_both_directions_give_one_key_and_opposite_dirs),
		T(test_flow_key_same_address_orders_by_port),
		T(test_flow_key_icmp_echo_id_gives_one_key_both_directions),
		T(test_flow_key_vlan_distinguishes_keys),
		T(test_flow_key_inner_vlan_distinguishes_keys_in_both_directions),
		T(test_flow_key_padding_is_zeroed),
		T(test_flow_insert_then_lookup_finds_it_and_unknown_keys_miss),
		T(test_flow_insert_gives_live_ids),
		T(test_flow_insert_of_present_key_returns_that_flow),
		T(test_flow_insert_into_full_table_returns_null),
		T(test_flow_insert_rejects_family_zero_and_unconfigured_table),
		T(test_flow_end_removes_key_reuses_slot_and_stales_id),
		T(test_flow_hold_queues_come_from_a_bounded_pool),
		T(test_flow_state_is_zeroed_on_reuse),
		T(test_flow_lookup_burst_of_64_keys_mixes_hits_and_misses),
		T(test_flow_age_ends_only_idle_flows_calling_on_end_first),
		T(test_flow_age_respects_max_per_call_and_resumes),
		T(test_flow_age_examines_at_most_four_entries_per_flow_allowed),
		T(test_flow_age_ends_flows_whose_abort_was_requested),
		T(test_flow_table_end_all_ends_every_flow_calling_on_end_first),
		T(test_flow_foreach_lists_key_phase_counters_and_contexts),
		T(test_flow_get_snapshots_one_live_flow),
		T(test_flow_table_configure_rejects_bad_parameters),
		T(test_flow_snapshots_race_free_while_owner_inserts_counts_and_ends),
	};

	return cmocka_run_group_tests_name("flow_table", tests, group_setup, NULL);
}
