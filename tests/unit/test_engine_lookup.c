/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The compiled per-layer classifier (compile.c, lookup.c) against its
 * oracle: a linear scan with dfp_engine_filter_match() in rank order.
 * Inputs are hand-made engine_compile_input structs, independent of the
 * management model.
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "engine_private.h"
#include "lookup_private.h"
#include "test_eal.h"

#define NONE ENGINE_RANK_NONE

/* A layer under construction: filters are added in rank order. */
struct tlayer {
	uint16_t layer_id;
	uint32_t n;
	uint32_t cap;
	struct dfp_engine_filter_rt *rt;
	struct dfp_engine_cond **conds;
	const struct dfp_engine_filter_rt **ptrs;
	uint32_t *sl_of;
	uint32_t n_sl;
	struct engine_sublayer_rt *sl;
	uint32_t *callouts;
	struct engine_compile_input in;
	struct engine_lookup *lk;
};

static void
tl_init(struct tlayer *t, uint16_t layer_id, uint32_t cap)
{
	memset(t, 0, sizeof(*t));
	t->layer_id = layer_id;
	t->cap = cap;
	t->rt = calloc(cap, sizeof(*t->rt));
	t->conds = calloc(cap, sizeof(*t->conds));
	t->ptrs = calloc(cap, sizeof(*t->ptrs));
	t->sl_of = calloc(cap, sizeof(*t->sl_of));
	t->callouts = calloc(cap, sizeof(*t->callouts));
	assert_non_null(t->rt);
	assert_non_null(t->callouts);
}

static int
cond_cmp(const void *a, const void *b)
{
	const struct dfp_engine_cond *x = a, *y = b;

	return (int)x->field - (int)y->field;
}

/* Add a filter in sublayer sl (non-decreasing); conditions are sorted by field here. */
static uint32_t
tl_add(struct tlayer *t, uint32_t sl, uint32_t action, const struct dfp_engine_cond *c,
		uint32_t n_conds)
{
	struct dfp_engine_filter_rt *f = &t->rt[t->n];
	uint32_t i, j;

	assert_true(t->n < t->cap);
	t->conds[t->n] = calloc(n_conds + 1, sizeof(*c));
	if (n_conds > 0)
		memcpy(t->conds[t->n], c, n_conds * sizeof(*c));
	/* Stable insertion sort: keeps same-field conditions in order. */
	for (i = 1; i < n_conds; i++)
		for (j = i; j > 0 && cond_cmp(&t->conds[t->n][j - 1], &t->conds[t->n][j]) > 0; j--) {
			struct dfp_engine_cond tmp = t->conds[t->n][j];

			t->conds[t->n][j] = t->conds[t->n][j - 1];
			t->conds[t->n][j - 1] = tmp;
		}
	f->filter_id = t->n + 1000;
	f->layer_id = t->layer_id;
	f->n_conds = n_conds;
	f->conds = t->conds[t->n];
	f->action_type = action;
	t->ptrs[t->n] = f;
	t->sl_of[t->n] = sl;
	if (sl + 1 > t->n_sl)
		t->n_sl = sl + 1;
	return t->n++;
}

#define ADD(t, sl, act, ...) \
	tl_add(t, sl, act, (struct dfp_engine_cond[]){__VA_ARGS__}, \
		sizeof((struct dfp_engine_cond[]){__VA_ARGS__}) / sizeof(struct dfp_engine_cond))

static void
tl_build(struct tlayer *t, uint32_t max_expansion, uint32_t acl_max_rules)
{
	dfp_status_t st = DFP_STATUS_SUCCESS;
	uint32_t s, r, nc = 0;

	t->sl = calloc(t->n_sl + 1, sizeof(*t->sl));
	for (s = 0; s < t->n_sl; s++) {
		t->sl[s].first = UINT32_MAX;
		t->sl[s].callouts = &t->callouts[nc];
		for (r = 0; r < t->n; r++) {
			if (t->sl_of[r] != s)
				continue;
			if (t->sl[s].first == UINT32_MAX)
				t->sl[s].first = r;
			t->sl[s].end = r + 1;
			if (t->rt[r].action_type & DFP_ACTION_FLAG_CALLOUT) {
				t->callouts[nc++] = r;
				t->sl[s].n_callouts++;
			}
		}
		if (t->sl[s].first == UINT32_MAX)
			t->sl[s].first = t->sl[s].end = t->n;
		t->sl[s].weight = 100 - s;
	}
	t->in.layer_id = t->layer_id;
	t->in.family = dfp_engine_layer_family(t->layer_id);
	t->in.generation = 1;
	t->in.n_filters = t->n;
	t->in.filters = t->ptrs;
	t->in.n_sublayers = t->n_sl;
	t->in.sublayers = t->sl;
	t->in.socket_id = (unsigned int)SOCKET_ID_ANY;
	t->in.acl_max_rules = acl_max_rules;
	t->in.max_expansion = max_expansion;
	t->lk = engine_lookup_build(&t->in, &st);
	assert_int_equal(st, DFP_STATUS_SUCCESS);
	assert_non_null(t->lk);
}

static void
tl_fini(struct tlayer *t)
{
	uint32_t i;

	engine_lookup_free(t->lk);
	for (i = 0; i < t->n; i++)
		free(t->conds[i]);
	free(t->conds);
	free(t->rt);
	free(t->ptrs);
	free(t->sl_of);
	free(t->callouts);
	free(t->sl);
}

/* The oracle: a linear scan in rank order. */
static void
oracle(const struct tlayer *t, const struct dfp_engine_values *v, uint32_t *st, uint32_t *co)
{
	uint32_t s, r;

	for (s = 0; s < t->n_sl; s++) {
		st[s] = NONE;
		co[s] = NONE;
		for (r = t->sl[s].first; r < t->sl[s].end; r++) {
			uint32_t *o = (t->rt[r].action_type & DFP_ACTION_FLAG_CALLOUT) ? &co[s] : &st[s];

			if (*o == NONE && dfp_engine_filter_match(&t->rt[r], v))
				*o = r;
		}
	}
}

/* Classify n packets (any n) and compare every answer with the oracle. */
static void
check_burst(const struct tlayer *t, const struct dfp_engine_values *vals, uint32_t n)
{
	const struct dfp_engine_values *ptrs[DFP_ENGINE_BURST_MAX];
	uint32_t st[DFP_ENGINE_BURST_MAX * 32], co[DFP_ENGINE_BURST_MAX * 32];
	uint32_t est[32], eco[32];
	uint32_t i, m, s, off;

	assert_true(t->n_sl <= 32);
	for (off = 0; off < n; off += m) {
		m = n - off < DFP_ENGINE_BURST_MAX ? n - off : DFP_ENGINE_BURST_MAX;
		for (i = 0; i < m; i++)
			ptrs[i] = &vals[off + i];
		engine_lookup_burst(t->lk, ptrs, m, st, co);
		for (i = 0; i < m; i++) {
			oracle(t, &vals[off + i], est, eco);
			for (s = 0; s < t->n_sl; s++) {
				if (st[i * t->n_sl + s] != est[s] || co[i * t->n_sl + s] != eco[s])
					fail_msg("packet %u sublayer %u: static %u (want %u), callout %u "
						"(want %u)", off + i, s, st[i * t->n_sl + s], est[s],
						co[i * t->n_sl + s], eco[s]);
			}
		}
	}
}

/* One packet: the oracle must agree and give the expected ranks at sublayer sl. */
static void
expect(const struct tlayer *t, const struct dfp_engine_values *v, uint32_t sl, uint32_t st_rank,
		uint32_t co_rank)
{
	uint32_t est[32], eco[32];

	check_burst(t, v, 1);
	oracle(t, v, est, eco);
	assert_int_equal(est[sl], st_rank);
	assert_int_equal(eco[sl], co_rank);
}

static struct dfp_engine_cond
cu(uint16_t field, uint16_t match, uint64_t v)
{
	struct dfp_engine_cond c = {.field = field, .match = match};

	c.value.lo = v;
	return c;
}

static struct dfp_engine_cond
crange(uint16_t field, uint64_t lo, uint64_t hi)
{
	struct dfp_engine_cond c = {.field = field, .match = DFP_MATCH_RANGE};

	c.value.lo = lo;
	c.high.lo = hi;
	return c;
}

static struct dfp_u128
v6num(const char *s)
{
	struct dfp_u128 r = {0, 0};
	uint8_t b[16];
	int i;

	assert_int_equal(inet_pton(AF_INET6, s, b), 1);
	for (i = 0; i < 8; i++)
		r.hi = (r.hi << 8) | b[i];
	for (i = 8; i < 16; i++)
		r.lo = (r.lo << 8) | b[i];
	return r;
}

static struct dfp_engine_cond
c6(uint16_t field, uint16_t match, const char *addr, int prefix)
{
	struct dfp_engine_cond c = {.field = field, .match = match};

	c.value = v6num(addr);
	if (prefix >= 0) {
		c.has_prefix = 1;
		c.prefix_len = prefix;
	}
	return c;
}

static struct dfp_engine_cond
c6range(uint16_t field, const char *lo, const char *hi)
{
	struct dfp_engine_cond c = {.field = field, .match = DFP_MATCH_RANGE};

	c.value = v6num(lo);
	c.high = v6num(hi);
	return c;
}

static struct dfp_engine_cond
c4prefix(uint16_t field, uint32_t addr, uint8_t len)
{
	struct dfp_engine_cond c = cu(field, DFP_MATCH_EQUAL, addr);

	c.has_prefix = 1;
	c.prefix_len = len;
	return c;
}

#define IP4(a, b, c, d) (((uint32_t)(a) << 24) | ((b) << 16) | ((c) << 8) | (d))
#define PERMIT DFP_ACTION_PERMIT
#define BLOCK DFP_ACTION_BLOCK
#define CALLOUT DFP_ACTION_CALLOUT_INSPECTION
#define L_V4 DFP_LAYER_INBOUND_TRANSPORT_V4
#define L_V6 DFP_LAYER_INBOUND_TRANSPORT_V6
#define L_MAC DFP_LAYER_INBOUND_MAC_FRAME_ETHERNET
#define F(x) DFP_FIELD_##x
#define M(x) DFP_MATCH_##x

static struct dfp_engine_values
pkt4(uint8_t proto, uint32_t local, uint32_t remote, uint16_t lport, uint16_t rport)
{
	struct dfp_engine_values v;

	memset(&v, 0, sizeof(v));
	v.ip_protocol = proto;
	v.local_addr.v4 = local;
	v.remote_addr.v4 = remote;
	v.local_port = lport;
	v.remote_port = rport;
	return v;
}

static struct dfp_engine_values
pkt6(const char *local, const char *remote, uint16_t lport)
{
	struct dfp_engine_values v;

	memset(&v, 0, sizeof(v));
	v.ip_protocol = 6;
	assert_int_equal(inet_pton(AF_INET6, local, v.local_addr.v6), 1);
	assert_int_equal(inet_pton(AF_INET6, remote, v.remote_addr.v6), 1);
	v.local_port = lport;
	return v;
}

static int
group_setup(void **state)
{
	static const char *const dbg[] = {"--log-level=dfp.engine:debug"};

	/* LK_DEBUG=1 shows what each layer compiled to. */
	(void)state;
	return dfp_test_eal_init(dbg, getenv("LK_DEBUG") != NULL);
}

/* ---- Match types on a v4 layer ---- */

static void
test_lookup_equal_matches_protocol_port_and_v4_address(void **state)
{
	struct dfp_engine_values v = pkt4(6, IP4(10, 0, 0, 1), IP4(192, 168, 1, 9), 80, 5555);
	struct tlayer t;

	(void)state;
	tl_init(&t, L_V4, 8);
	ADD(&t, 0, BLOCK, cu(F(IP_PROTOCOL), M(EQUAL), 17), cu(F(IP_LOCAL_PORT), M(EQUAL), 80));
	ADD(&t, 0, PERMIT, cu(F(IP_PROTOCOL), M(EQUAL), 6), cu(F(IP_LOCAL_PORT), M(EQUAL), 80),
		cu(F(IP_LOCAL_ADDRESS), M(EQUAL), IP4(10, 0, 0, 1)));
	ADD(&t, 0, BLOCK, cu(F(IP_REMOTE_ADDRESS), M(EQUAL), IP4(192, 168, 1, 9)));
	tl_build(&t, 0, 0);
	expect(&t, &v, 0, 1, NONE);
	v.local_port = 81;
	expect(&t, &v, 0, 2, NONE);
	v.remote_addr.v4++;
	expect(&t, &v, 0, NONE, NONE);
	tl_fini(&t);
}

static void
test_lookup_prefix_matches_v4_subnets(void **state)
{
	struct dfp_engine_values v = pkt4(6, 0, 0, 1, 2);
	struct tlayer t;

	(void)state;
	tl_init(&t, L_V4, 8);
	ADD(&t, 0, PERMIT, c4prefix(F(IP_REMOTE_ADDRESS), IP4(10, 1, 2, 0), 24));
	ADD(&t, 0, BLOCK, c4prefix(F(IP_REMOTE_ADDRESS), IP4(10, 0, 0, 0), 8));
	ADD(&t, 0, BLOCK, c4prefix(F(IP_LOCAL_ADDRESS), IP4(172, 16, 0, 0), 12));
	ADD(&t, 0, BLOCK, c4prefix(F(IP_LOCAL_ADDRESS), 0, 0));
	tl_build(&t, 0, 0);
	v.remote_addr.v4 = IP4(10, 1, 2, 255);
	expect(&t, &v, 0, 0, NONE);
	v.remote_addr.v4 = IP4(10, 1, 3, 0);
	expect(&t, &v, 0, 1, NONE);
	v.remote_addr.v4 = IP4(11, 0, 0, 0);
	v.local_addr.v4 = IP4(172, 31, 255, 255);
	expect(&t, &v, 0, 2, NONE);
	v.local_addr.v4 = IP4(172, 32, 0, 0);
	expect(&t, &v, 0, 3, NONE);
	/* The /0 filter always matches: it is a constant, not an ACL rule. */
	assert_int_equal(t.lk->const_best[0], 3);
	tl_fini(&t);
}

static void
test_lookup_not_equal_excludes_one_value(void **state)
{
	struct dfp_engine_values v = pkt4(6, IP4(1, 2, 3, 4), 0, 443, 0);
	struct tlayer t;

	(void)state;
	tl_init(&t, L_V4, 8);
	ADD(&t, 0, PERMIT, cu(F(IP_LOCAL_PORT), M(NOT_EQUAL), 443));
	ADD(&t, 0, BLOCK, c4prefix(F(IP_LOCAL_ADDRESS), IP4(1, 2, 0, 0), 16),
		cu(F(IP_PROTOCOL), M(NOT_EQUAL), 17));
	ADD(&t, 0, BLOCK, cu(F(IP_LOCAL_PORT), M(NOT_EQUAL), 0));
	tl_build(&t, 0, 0);
	expect(&t, &v, 0, 1, NONE);
	v.ip_protocol = 17;
	expect(&t, &v, 0, 2, NONE);
	v.local_port = 0;
	expect(&t, &v, 0, 0, NONE);
	v.local_port = 65535;
	expect(&t, &v, 0, 0, NONE);
	v.local_port = 443;
	v.local_addr.v4 = IP4(9, 9, 9, 9);
	expect(&t, &v, 0, 2, NONE);
	tl_fini(&t);
}

static void
test_lookup_greater_less_and_or_equal_bound_ports(void **state)
{
	struct dfp_engine_values v = pkt4(6, 0, 0, 0, 0);
	struct tlayer t;
	uint32_t p;

	(void)state;
	tl_init(&t, L_V4, 8);
	ADD(&t, 0, PERMIT, cu(F(IP_LOCAL_PORT), M(GREATER), 60000));
	ADD(&t, 0, PERMIT, cu(F(IP_LOCAL_PORT), M(LESS), 100));
	ADD(&t, 0, PERMIT, cu(F(IP_LOCAL_PORT), M(GREATER_OR_EQUAL), 50000));
	ADD(&t, 0, PERMIT, cu(F(IP_LOCAL_PORT), M(LESS_OR_EQUAL), 1024));
	ADD(&t, 0, PERMIT, cu(F(IP_LOCAL_ADDRESS), M(GREATER), IP4(200, 0, 0, 0)));
	ADD(&t, 0, PERMIT, cu(F(IP_LOCAL_ADDRESS), M(LESS_OR_EQUAL), IP4(0, 0, 1, 7)));
	tl_build(&t, 0, 0);
	for (p = 0; p < 65536; p += 97) {
		v.local_port = p;
		v.local_addr.v4 = p * 65519u;
		check_burst(&t, &v, 1);
	}
	v.local_port = 60000;
	v.local_addr.v4 = IP4(100, 0, 0, 0);
	expect(&t, &v, 0, 2, NONE);
	v.local_port = 60001;
	expect(&t, &v, 0, 0, NONE);
	v.local_port = 100;
	expect(&t, &v, 0, 3, NONE);
	v.local_port = 1025;
	v.local_addr.v4 = IP4(200, 0, 0, 1);
	expect(&t, &v, 0, 4, NONE);
	v.local_addr.v4 = IP4(0, 0, 1, 7);
	expect(&t, &v, 0, 5, NONE);
	tl_fini(&t);
}

static void
test_lookup_range_matches_inclusive_bounds(void **state)
{
	struct dfp_engine_values v = pkt4(17, 0, 0, 0, 0);
	struct tlayer t;

	(void)state;
	tl_init(&t, L_V4, 8);
	ADD(&t, 0, PERMIT, crange(F(IP_REMOTE_PORT), 1000, 1999),
		crange(F(IP_REMOTE_ADDRESS), IP4(10, 0, 0, 5), IP4(10, 0, 1, 3)));
	ADD(&t, 0, BLOCK, crange(F(IP_PROTOCOL), 6, 17));
	tl_build(&t, 0, 0);
	v.remote_port = 1000;
	v.remote_addr.v4 = IP4(10, 0, 0, 5);
	expect(&t, &v, 0, 0, NONE);
	v.remote_port = 1999;
	v.remote_addr.v4 = IP4(10, 0, 1, 3);
	expect(&t, &v, 0, 0, NONE);
	v.remote_addr.v4 = IP4(10, 0, 1, 4);
	expect(&t, &v, 0, 1, NONE);
	v.remote_addr.v4 = IP4(10, 0, 0, 4);
	expect(&t, &v, 0, 1, NONE);
	v.ip_protocol = 18;
	expect(&t, &v, 0, NONE, NONE);
	tl_fini(&t);
}

static void
test_lookup_flags_all_any_none_set(void **state)
{
	struct dfp_engine_values v = pkt4(6, 0, 0, 0, 0);
	struct tlayer t;
	uint32_t x;

	(void)state;
	tl_init(&t, L_V4, 8);
	ADD(&t, 0, PERMIT, cu(F(FLAGS), M(FLAGS_ALL_SET), DFP_COND_FLAG_IS_FRAGMENT |
		DFP_COND_FLAG_IS_LOOPBACK));
	ADD(&t, 0, PERMIT, cu(F(DFP_TCP_FLAGS), M(FLAGS_ANY_SET), 0x06));
	ADD(&t, 0, PERMIT, cu(F(FLAGS), M(FLAGS_NONE_SET), DFP_COND_FLAG_IS_REAUTHORIZE),
		cu(F(DFP_TCP_FLAGS), M(FLAGS_ALL_SET), 0x10));
	ADD(&t, 0, PERMIT, cu(F(FLAGS), M(FLAGS_ANY_SET), 0xf0000000));
	tl_build(&t, 0, 0);
	for (x = 0; x < 4096; x++) {
		v.flags = (x & 0x3f) | ((x & 0x40) ? 0x80000000u : 0);
		v.tcp_flags = (uint8_t)(x >> 4);
		check_burst(&t, &v, 1);
	}
	v.flags = DFP_COND_FLAG_IS_FRAGMENT | DFP_COND_FLAG_IS_LOOPBACK | 0x100;
	v.tcp_flags = 0;
	expect(&t, &v, 0, 0, NONE);
	v.flags = DFP_COND_FLAG_IS_FRAGMENT;
	v.tcp_flags = 0x04;
	expect(&t, &v, 0, 1, NONE);
	v.flags = DFP_COND_FLAG_IS_REAUTHORIZE;
	v.tcp_flags = 0x10;
	expect(&t, &v, 0, NONE, NONE);
	v.flags = 0;
	expect(&t, &v, 0, 2, NONE);
	v.flags = 0x10000000;
	v.tcp_flags = 0;
	expect(&t, &v, 0, 3, NONE);
	tl_fini(&t);
}

/* A ternary on a RANGE field (ports) becomes intervals, or goes exact when too many. */
static void
test_lookup_flags_on_range_field_become_intervals_or_exact(void **state)
{
	struct dfp_engine_values v = pkt4(6, 0, 0, 0, 0);
	struct tlayer t;
	uint32_t p;

	(void)state;
	tl_init(&t, L_V4, 8);
	ADD(&t, 0, PERMIT, cu(F(IP_LOCAL_PORT), M(FLAGS_NONE_SET), 0x8000));
	ADD(&t, 0, PERMIT, cu(F(IP_REMOTE_PORT), M(FLAGS_ALL_SET), 0x0001));
	ADD(&t, 0, PERMIT, cu(F(IP_REMOTE_PORT), M(FLAGS_ALL_SET), 0xc000));
	tl_build(&t, 0, 0);
	assert_int_equal(t.lk->n_exact, 1);
	assert_ptr_equal(t.lk->exact[0].filter, &t.rt[1]);
	for (p = 0; p < 65536; p += 13) {
		v.local_port = p;
		v.remote_port = p * 7;
		check_burst(&t, &v, 1);
	}
	tl_fini(&t);
}

/* DIRECTION is laid out as one byte: operands beyond 255 must still behave. */
static void
test_lookup_direction_operands_beyond_one_byte(void **state)
{
	struct dfp_engine_values v;
	struct tlayer t;
	uint32_t d;

	(void)state;
	tl_init(&t, DFP_LAYER_DATAGRAM_DATA_V4, 8);
	ADD(&t, 0, PERMIT, cu(F(DIRECTION), M(EQUAL), 256));
	ADD(&t, 0, PERMIT, cu(F(DIRECTION), M(LESS), 0x10000), cu(F(IP_PROTOCOL), M(EQUAL), 1));
	ADD(&t, 0, PERMIT, cu(F(DIRECTION), M(NOT_EQUAL), DFP_DIRECTION_INBOUND));
	ADD(&t, 0, PERMIT, cu(F(DIRECTION), M(FLAGS_ANY_SET), 0x101));
	tl_build(&t, 0, 0);
	memset(&v, 0, sizeof(v));
	for (d = 0; d < 256; d++) {
		v.direction = d;
		v.ip_protocol = d & 1;
		check_burst(&t, &v, 1);
	}
	tl_fini(&t);
}

/* ---- IPv6 and MAC layers ---- */

static void
test_lookup_v6_prefixes_ranges_and_not_equal(void **state)
{
	static const char *const addrs[] = {
		"2001:db8::1", "2001:db8:0:1::1", "2001:db8:1::", "2001:db9::", "fe80::1",
		"2001:db8::ffff:ffff", "2001:db8::1:0:0", "::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
		"2001:db8:0:0:8000::", "2001:db8:0:0:7fff:ffff:ffff:ffff", "2001:db8::f:fff0",
	};
	struct dfp_engine_values v;
	struct tlayer t;
	unsigned int i, j;

	(void)state;
	tl_init(&t, L_V6, 16);
	ADD(&t, 0, PERMIT, c6(F(IP_LOCAL_ADDRESS), M(EQUAL), "2001:db8::1", -1));
	ADD(&t, 0, PERMIT, c6(F(IP_LOCAL_ADDRESS), M(EQUAL), "2001:db8::", 64),
		c6(F(IP_REMOTE_ADDRESS), M(EQUAL), "2001:db8::f:fff0", 124));
	ADD(&t, 0, PERMIT, c6(F(IP_REMOTE_ADDRESS), M(EQUAL), "2001:db8::", 33));
	ADD(&t, 0, BLOCK, c6range(F(IP_LOCAL_ADDRESS), "2001:db8::ffff:ffff",
		"2001:db8:0:0:8000::"));
	ADD(&t, 0, BLOCK, c6(F(IP_LOCAL_ADDRESS), M(NOT_EQUAL), "fe80::", 10),
		cu(F(IP_LOCAL_PORT), M(EQUAL), 22));
	ADD(&t, 0, BLOCK, c6(F(IP_REMOTE_ADDRESS), M(GREATER), "2001:db8:1::", -1));
	ADD(&t, 0, BLOCK, c6(F(IP_REMOTE_ADDRESS), M(LESS_OR_EQUAL), "2001:db8::1", -1));
	tl_build(&t, 0, 0);
	for (i = 0; i < RTE_DIM(addrs); i++) {
		for (j = 0; j < RTE_DIM(addrs); j++) {
			v = pkt6(addrs[i], addrs[j], (i + j) % 2 ? 22 : 80);
			check_burst(&t, &v, 1);
		}
	}
	v = pkt6("2001:db8::1", "::", 1);
	expect(&t, &v, 0, 0, NONE);
	v = pkt6("2001:db8::2", "2001:db8::f:fffa", 1);
	expect(&t, &v, 0, 1, NONE);
	v = pkt6("2001:db8::1:0:0", "::", 1);
	expect(&t, &v, 0, 3, NONE);
	tl_fini(&t);
}

static void
test_lookup_mac_layer_addresses_vlan_and_ether_type(void **state)
{
	struct dfp_engine_values v;
	struct tlayer t;
	unsigned int i;

	(void)state;
	tl_init(&t, L_MAC, 16);
	ADD(&t, 0, PERMIT, cu(F(MAC_REMOTE_ADDRESS), M(EQUAL), 0x0200deadbeefULL));
	ADD(&t, 0, BLOCK, cu(F(MAC_LOCAL_ADDRESS), M(NOT_EQUAL), 0x0200deadbeefULL),
		cu(F(ETHER_TYPE), M(EQUAL), 0x86dd));
	ADD(&t, 0, BLOCK, crange(F(MAC_LOCAL_ADDRESS), 0x00000000ff00ULL, 0x00010000ff01ULL),
		crange(F(VLAN_ID), 10, 20));
	ADD(&t, 0, BLOCK, cu(F(MAC_REMOTE_ADDRESS), M(GREATER_OR_EQUAL), 0xff0000000000ULL));
	ADD(&t, 0, CALLOUT, cu(F(INTERFACE_INDEX), M(EQUAL), 3));
	tl_build(&t, 0, 0);
	memset(&v, 0, sizeof(v));
	for (i = 0; i < 4000; i++) {
		static const uint8_t macs[][6] = {
			{2, 0, 0xde, 0xad, 0xbe, 0xef}, {2, 0, 0xde, 0xad, 0xbe, 0xee},
			{0, 0, 0, 0, 0xff, 0}, {0, 1, 0, 0, 0xff, 1}, {0, 1, 0, 0, 0xff, 2},
			{0, 0, 0xff, 0xff, 0xff, 0xff}, {0xff, 0, 0, 0, 0, 0}, {0xfe, 0xff, 0xff, 0xff, 0xff, 0xff},
		};

		memcpy(v.local_mac, macs[i % 8], 6);
		memcpy(v.remote_mac, macs[(i / 8) % 8], 6);
		v.ether_type = (i / 64) % 2 ? 0x86dd : 0x0800;
		v.vlan_id = (i / 128) % 25;
		v.interface_index = i % 5;
		check_burst(&t, &v, 1);
	}
	memset(&v, 0, sizeof(v));
	memcpy(v.remote_mac, (uint8_t[]){2, 0, 0xde, 0xad, 0xbe, 0xef}, 6);
	v.interface_index = 3;
	expect(&t, &v, 0, 0, 4);
	tl_fini(&t);
}

/* ---- Layer structure ---- */

static void
test_lookup_same_field_conditions_are_or_ed(void **state)
{
	struct dfp_engine_values v = pkt4(6, 0, 0, 0, 0);
	struct tlayer t;

	(void)state;
	tl_init(&t, L_V4, 8);
	ADD(&t, 0, PERMIT, cu(F(IP_LOCAL_PORT), M(EQUAL), 22), cu(F(IP_LOCAL_PORT), M(EQUAL), 80),
		crange(F(IP_LOCAL_PORT), 8000, 8080), cu(F(IP_PROTOCOL), M(EQUAL), 6),
		cu(F(IP_PROTOCOL), M(EQUAL), 17));
	/* Complementary conditions make the field a wildcard: the filter always matches. */
	ADD(&t, 1, BLOCK, cu(F(IP_REMOTE_PORT), M(LESS), 1000),
		cu(F(IP_REMOTE_PORT), M(GREATER_OR_EQUAL), 1000));
	tl_build(&t, 0, 0);
	v.local_port = 80;
	expect(&t, &v, 0, 0, NONE);
	v.local_port = 8080;
	v.ip_protocol = 17;
	expect(&t, &v, 0, 0, NONE);
	v.local_port = 8081;
	expect(&t, &v, 0, NONE, NONE);
	v.local_port = 22;
	v.ip_protocol = 1;
	expect(&t, &v, 0, NONE, NONE);
	expect(&t, &v, 1, 1, NONE);
	assert_int_equal(t.lk->const_best[2], 1);
	tl_fini(&t);
}

static void
test_lookup_static_and_callout_filters_use_separate_categories(void **state)
{
	struct dfp_engine_values v = pkt4(6, 0, 0, 443, 0);
	struct tlayer t;

	(void)state;
	tl_init(&t, L_V4, 8);
	ADD(&t, 0, CALLOUT, cu(F(IP_LOCAL_PORT), M(EQUAL), 443));
	ADD(&t, 0, DFP_ACTION_CALLOUT_TERMINATING, cu(F(IP_PROTOCOL), M(EQUAL), 6));
	ADD(&t, 0, PERMIT, cu(F(IP_LOCAL_PORT), M(GREATER), 400));
	ADD(&t, 0, BLOCK, cu(F(IP_PROTOCOL), M(EQUAL), 6));
	tl_build(&t, 0, 0);
	/* Two shapes (port, protocol), each with a static and a callout category. */
	assert_int_equal(t.lk->groups[0].n_ctxs, 2);
	assert_int_equal(t.lk->groups[0].ctxs[0].n_slots, 2);
	assert_int_equal(t.lk->groups[0].ctxs[1].n_slots, 2);
	expect(&t, &v, 0, 2, 0);
	v.local_port = 80;
	expect(&t, &v, 0, 3, 1);
	v.ip_protocol = 17;
	expect(&t, &v, 0, NONE, NONE);
	tl_fini(&t);
}

static void
test_lookup_more_than_eight_sublayers_use_several_contexts(void **state)
{
	struct dfp_engine_values vals[200];
	struct tlayer t;
	uint32_t s, i;

	(void)state;
	tl_init(&t, L_V4, 64);
	for (s = 0; s < 12; s++) {
		ADD(&t, s, PERMIT, cu(F(IP_LOCAL_PORT), M(EQUAL), 1000 + s));
		ADD(&t, s, CALLOUT, crange(F(IP_LOCAL_PORT), 1000, 1000 + s));
		ADD(&t, s, BLOCK, cu(F(IP_PROTOCOL), M(EQUAL), s));
	}
	tl_build(&t, 0, 0);
	/* Port filters: 24 categories, one context of 16 and one of 8; protocol: 12. */
	assert_int_equal(t.lk->groups[0].n_ctxs, 3);
	assert_int_equal(t.lk->groups[0].ctxs[0].n_categories, 16);
	assert_int_equal(t.lk->groups[0].ctxs[1].n_categories, 8);
	assert_int_equal(t.lk->groups[0].ctxs[2].n_categories, 12);
	for (i = 0; i < RTE_DIM(vals); i++)
		vals[i] = pkt4(i % 14, 0, 0, 995 + i % 20, 0);
	check_burst(&t, vals, RTE_DIM(vals));
	vals[0] = pkt4(11, 0, 0, 1011, 0);
	expect(&t, &vals[0], 11, 33, 34);
	expect(&t, &vals[0], 10, NONE, NONE);
	vals[0].ip_protocol = 10;
	expect(&t, &vals[0], 10, 32, NONE);
	tl_fini(&t);
}

static void
test_lookup_exact_list_when_expansion_exceeds_limit(void **state)
{
	struct dfp_engine_values vals[64];
	struct tlayer t;
	uint32_t i;

	(void)state;
	tl_init(&t, L_V4, 8);
	ADD(&t, 0, PERMIT, cu(F(IP_LOCAL_PORT), M(EQUAL), 7));
	ADD(&t, 0, BLOCK, cu(F(IP_LOCAL_PORT), M(NOT_EQUAL), 80));
	ADD(&t, 0, PERMIT, cu(F(IP_LOCAL_PORT), M(LESS), 100));
	ADD(&t, 0, CALLOUT, crange(F(IP_REMOTE_PORT), 10, 20), crange(F(IP_REMOTE_PORT), 30, 40));
	ADD(&t, 0, BLOCK, cu(F(IP_PROTOCOL), M(EQUAL), 6));
	tl_build(&t, 1, 0);
	assert_int_equal(t.lk->n_exact, 2);
	assert_int_equal(t.lk->exact[0].rank, 1);
	assert_int_equal(t.lk->exact[1].rank, 3);
	for (i = 0; i < RTE_DIM(vals); i++)
		vals[i] = pkt4(i % 2 ? 6 : 17, 0, 0, i % 3 ? 80 : 7 + i, i);
	check_burst(&t, vals, RTE_DIM(vals));
	expect(&t, &vals[0], 0, 0, NONE);
	expect(&t, &vals[1], 0, 2, NONE);
	expect(&t, &vals[35], 0, 2, 3);
	tl_fini(&t);
}

static void
test_lookup_zero_condition_filters_need_no_acl(void **state)
{
	struct dfp_engine_values v = pkt4(6, 0, 0, 0, 0);
	struct tlayer t;

	(void)state;
	tl_init(&t, L_V4, 8);
	tl_add(&t, 0, CALLOUT, NULL, 0);
	tl_add(&t, 0, PERMIT, NULL, 0);
	tl_add(&t, 0, BLOCK, NULL, 0);
	tl_add(&t, 2, BLOCK, NULL, 0);
	tl_build(&t, 0, 0);
	assert_int_equal(t.lk->groups[0].n_ctxs, 0);
	assert_int_equal(t.lk->n_exact, 0);
	expect(&t, &v, 0, 1, 0);
	expect(&t, &v, 1, NONE, NONE);
	expect(&t, &v, 2, 3, NONE);
	tl_fini(&t);
}

static void
test_lookup_zero_condition_filter_merges_with_acl_results(void **state)
{
	struct dfp_engine_values v = pkt4(6, 0, 0, 53, 0);
	struct tlayer t;

	(void)state;
	tl_init(&t, L_V4, 8);
	ADD(&t, 0, PERMIT, cu(F(IP_LOCAL_PORT), M(EQUAL), 53));
	tl_add(&t, 0, BLOCK, NULL, 0);
	ADD(&t, 0, PERMIT, cu(F(IP_LOCAL_PORT), M(EQUAL), 54));
	tl_build(&t, 0, 0);
	/* Rank 2 sits behind an always-matching filter: it is dropped. */
	assert_int_equal(t.lk->groups[0].n_ctxs, 1);
	expect(&t, &v, 0, 0, NONE);
	v.local_port = 54;
	expect(&t, &v, 0, 1, NONE);
	tl_fini(&t);
}

/* Conditions not grouped by field: the matcher ANDs the runs, so must the lookup. */
static void
test_lookup_split_runs_of_one_field_go_exact(void **state)
{
	struct dfp_engine_values v = pkt4(6, 0, 0, 80, 0);
	struct dfp_engine_cond *c;
	struct tlayer t;
	uint32_t r;

	(void)state;
	tl_init(&t, L_V4, 4);
	r = ADD(&t, 0, PERMIT, crange(F(IP_LOCAL_PORT), 1, 100), cu(F(IP_PROTOCOL), M(EQUAL), 6),
		crange(F(IP_LOCAL_PORT), 50, 200));
	/* tl_add sorted them; put them back as [port, proto, port]. */
	c = t.conds[r];
	c[0] = crange(F(IP_LOCAL_PORT), 1, 100);
	c[1] = cu(F(IP_PROTOCOL), M(EQUAL), 6);
	c[2] = crange(F(IP_LOCAL_PORT), 50, 200);
	tl_build(&t, 0, 0);
	assert_int_equal(t.lk->n_exact, 1);
	expect(&t, &v, 0, 0, NONE);
	v.local_port = 150;
	expect(&t, &v, 0, NONE, NONE);
	v.local_port = 20;
	expect(&t, &v, 0, NONE, NONE);
	tl_fini(&t);
}

static void
test_lookup_filter_that_cannot_match_is_skipped(void **state)
{
	struct dfp_engine_values v = pkt4(255, 0xffffffff, 0, 65535, 0);
	struct tlayer t;

	(void)state;
	tl_init(&t, L_V4, 8);
	ADD(&t, 0, PERMIT, cu(F(IP_LOCAL_PORT), M(GREATER), 65535));
	ADD(&t, 0, PERMIT, cu(F(IP_LOCAL_ADDRESS), M(LESS), 0), cu(F(IP_PROTOCOL), M(EQUAL), 255));
	tl_build(&t, 0, 0);
	assert_int_equal(t.lk->groups[0].n_ctxs, 0);
	assert_int_equal(t.lk->n_exact, 0);
	expect(&t, &v, 0, NONE, NONE);
	tl_fini(&t);
}

static void
test_lookup_protocol_only_layer_uses_one_byte_key(void **state)
{
	struct dfp_engine_values vals[256];
	struct tlayer t;
	uint32_t i;

	(void)state;
	tl_init(&t, L_V4, 8);
	ADD(&t, 0, PERMIT, cu(F(IP_PROTOCOL), M(EQUAL), 6));
	ADD(&t, 0, CALLOUT, crange(F(IP_PROTOCOL), 1, 17));
	ADD(&t, 1, BLOCK, cu(F(IP_PROTOCOL), M(GREATER), 200));
	tl_build(&t, 0, 0);
	assert_int_equal(t.lk->groups[0].key_size, 4);
	for (i = 0; i < 256; i++)
		vals[i] = pkt4(i, 0, 0, 0, 0);
	check_burst(&t, vals, 256);
	tl_fini(&t);
}

static void
test_lookup_rule_chunks_merge_by_rank(void **state)
{
	struct dfp_engine_values vals[512];
	struct tlayer t;
	uint32_t i;

	(void)state;
	tl_init(&t, L_V4, 1100);
	for (i = 0; i < 1000; i++)
		ADD(&t, i / 500, i % 7 ? PERMIT : CALLOUT,
			crange(F(IP_LOCAL_PORT), 2000 - i, 2000 + i / 2),
			c4prefix(F(IP_REMOTE_ADDRESS), IP4(10, i % 8, 0, 0), 16 + i % 3));
	tl_build(&t, 0, 100);
	/* Four categories over 1000 rules in chunks of at most 100. */
	assert_true(t.lk->groups[0].n_ctxs >= 10);
	for (i = 0; i < RTE_DIM(vals); i++)
		vals[i] = pkt4(6, 0, IP4(10, i % 9, i % 2, 1), 900 + i * 7 % 1700, 0);
	check_burst(&t, vals, RTE_DIM(vals));
	tl_fini(&t);
}

static void
test_lookup_same_generation_builds_are_independent(void **state)
{
	struct dfp_engine_values v = pkt4(6, 0, 0, 80, 0);
	struct tlayer a, b;

	(void)state;
	tl_init(&a, L_V4, 4);
	tl_init(&b, L_V4, 4);
	ADD(&a, 0, PERMIT, cu(F(IP_LOCAL_PORT), M(EQUAL), 80));
	ADD(&b, 0, PERMIT, cu(F(IP_LOCAL_PORT), M(EQUAL), 81));
	tl_build(&a, 0, 0);
	tl_build(&b, 0, 0);
	expect(&a, &v, 0, 0, NONE);
	expect(&b, &v, 0, NONE, NONE);
	tl_fini(&a);
	tl_fini(&b);
}

/* ---- Shapes: which filters share a context ---- */

/* Packets over the 5-tuple values the shape tests draw their filters from. */
static void
check_tuples(const struct tlayer *t, uint32_t n)
{
	struct dfp_engine_values *vals = calloc(n, sizeof(*vals));
	uint32_t i;

	assert_non_null(vals);
	for (i = 0; i < n; i++)
		vals[i] = pkt4(i % 3 ? 6 : 17, IP4(10, i % 7, i % 250, 1), IP4(192, 168, i % 50, 9),
			1000 + i % 220, 0);
	check_burst(t, vals, n);
	free(vals);
}

static void
test_lookup_filters_on_disjoint_fields_compile_apart(void **state)
{
	struct tlayer t;
	uint32_t i;

	(void)state;
	tl_init(&t, L_V4, 300);
	for (i = 0; i < 200; i++)
		ADD(&t, 0, PERMIT, cu(F(IP_PROTOCOL), M(EQUAL), 6),
			c4prefix(F(IP_LOCAL_ADDRESS), IP4(10, i % 7, i, 0), 24),
			cu(F(IP_LOCAL_PORT), M(EQUAL), 1000 + i));
	/* In one trie, each of these would be copied under all 200 filters above. */
	for (i = 0; i < 40; i++)
		ADD(&t, 0, BLOCK, c4prefix(F(IP_REMOTE_ADDRESS), IP4(192, 168, i, 0), 24));
	tl_build(&t, 0, 0);
	assert_int_equal(t.lk->groups[0].n_ctxs, 2);
	check_tuples(&t, 2000);
	tl_fini(&t);
}

static void
test_lookup_subset_shape_joins_the_context_of_its_superset(void **state)
{
	struct tlayer t;
	uint32_t i;

	(void)state;
	tl_init(&t, L_V4, 200);
	for (i = 0; i < 100; i++)
		ADD(&t, 0, PERMIT, cu(F(IP_PROTOCOL), M(EQUAL), 6),
			c4prefix(F(IP_LOCAL_ADDRESS), IP4(10, i % 7, i, 0), 24),
			cu(F(IP_LOCAL_PORT), M(EQUAL), 1000 + i));
	/* Wildcard only in the port, on other subnets: (protocol, address), a subset of the above. */
	for (i = 0; i < 50; i++)
		ADD(&t, 0, BLOCK, cu(F(IP_PROTOCOL), M(EQUAL), 17),
			c4prefix(F(IP_LOCAL_ADDRESS), IP4(10, i % 7, 100 + i, 0), 24));
	tl_build(&t, 0, 0);
	assert_int_equal(t.lk->groups[0].n_ctxs, 1);
	check_tuples(&t, 2000);
	tl_fini(&t);
}

static void
test_lookup_overlapping_siblings_get_their_own_contexts(void **state)
{
	struct tlayer t;
	uint32_t i;

	(void)state;
	tl_init(&t, L_V4, 300);
	/* A head covering both shapes below, so that both could join it. */
	ADD(&t, 0, PERMIT, cu(F(IP_PROTOCOL), M(EQUAL), 6),
		cu(F(IP_LOCAL_ADDRESS), M(EQUAL), IP4(10, 0, 0, 1)),
		cu(F(IP_REMOTE_ADDRESS), M(EQUAL), IP4(192, 168, 0, 9)),
		cu(F(IP_LOCAL_PORT), M(EQUAL), 999));
	for (i = 0; i < 200; i++)
		ADD(&t, 0, PERMIT, cu(F(IP_PROTOCOL), M(EQUAL), 6),
			c4prefix(F(IP_LOCAL_ADDRESS), IP4(10, i % 7, i, 0), 24),
			cu(F(IP_LOCAL_PORT), M(EQUAL), 1000 + i));
	/* Each of these overlaps every filter above: it stays apart. */
	for (i = 0; i < 40; i++)
		ADD(&t, 0, BLOCK, c4prefix(F(IP_REMOTE_ADDRESS), IP4(192, 168, i, 0), 24));
	tl_build(&t, 0, 0);
	assert_int_equal(t.lk->groups[0].n_ctxs, 2);
	check_tuples(&t, 2000);
	tl_fini(&t);
}

static void
test_lookup_siblings_that_never_overlap_share_a_context(void **state)
{
	struct tlayer t;
	uint32_t i;

	(void)state;
	tl_init(&t, L_V4, 200);
	ADD(&t, 0, PERMIT, cu(F(IP_PROTOCOL), M(EQUAL), 1),
		cu(F(IP_LOCAL_ADDRESS), M(EQUAL), IP4(10, 0, 0, 1)),
		cu(F(IP_REMOTE_ADDRESS), M(EQUAL), IP4(192, 168, 0, 9)));
	/* (protocol, local) and (protocol, remote): siblings, but never the same protocol. */
	for (i = 0; i < 50; i++) {
		ADD(&t, 0, PERMIT, cu(F(IP_PROTOCOL), M(EQUAL), 6),
			c4prefix(F(IP_LOCAL_ADDRESS), IP4(10, i % 7, i, 0), 24));
		ADD(&t, 0, BLOCK, cu(F(IP_PROTOCOL), M(EQUAL), 17),
			c4prefix(F(IP_REMOTE_ADDRESS), IP4(192, 168, i, 0), 24));
	}
	tl_build(&t, 0, 0);
	assert_int_equal(t.lk->groups[0].n_ctxs, 1);
	check_tuples(&t, 2000);
	tl_fini(&t);
}

static void
test_lookup_tiny_shape_joins_even_when_its_rules_overlap(void **state)
{
	struct tlayer t;
	uint32_t i;

	(void)state;
	tl_init(&t, L_V4, 200);
	for (i = 0; i < 100; i++)
		ADD(&t, 0, PERMIT, cu(F(IP_PROTOCOL), M(EQUAL), 6),
			cu(F(IP_LOCAL_PORT), M(EQUAL), 1000 + i));
	/* Ten nested port ranges: each overlaps all the others. */
	for (i = 0; i < 10; i++)
		ADD(&t, 0, BLOCK, crange(F(IP_LOCAL_PORT), 1100 - 10 * i, 1100 + 10 * i));
	tl_build(&t, 0, 0);
	assert_int_equal(t.lk->groups[0].n_ctxs, 1);
	check_tuples(&t, 2000);
	tl_fini(&t);
}

static void
test_lookup_overlapping_shape_is_cut_in_bounded_contexts(void **state)
{
	struct dfp_engine_values vals[2000];
	struct tlayer t;
	uint32_t i;

	(void)state;
	tl_init(&t, L_V4, 4200);
	/* [i, 65535] for every i: every rule overlaps every other one. */
	for (i = 0; i < 4200; i++)
		ADD(&t, i / 2100, i % 3 ? PERMIT : CALLOUT, cu(F(IP_LOCAL_PORT),
			M(GREATER_OR_EQUAL), 4200 - i));
	tl_build(&t, 0, 0);
	/* Two sublayers x static/callout: 4 categories, chunks of at most 4096 rules. */
	assert_int_equal(t.lk->groups[0].n_ctxs, 2);
	for (i = 0; i < RTE_DIM(vals); i++)
		vals[i] = pkt4(6, 0, 0, i * 3, 0);
	check_burst(&t, vals, RTE_DIM(vals));
	tl_fini(&t);
}

/* A range on a MAC is at most 5 boxes of 16-bit ranges (not up to 94 prefixes). */
static void
test_lookup_mac_range_fits_five_rules(void **state)
{
	static const uint64_t macs[] = {
		0x0200deadbdffULL, 0x0200deadbe00ULL, 0x0200deadbe01ULL, 0x0200deadffffULL,
		0x0200deae0000ULL, 0x02ffffffffffULL, 0x030000000000ULL, 0x0400000000feULL,
		0x0400000000ffULL, 0x040000000100ULL, 0x040000010000ULL, 0ULL,
	};
	struct dfp_engine_values v;
	struct tlayer t;
	unsigned int i, j;

	(void)state;
	tl_init(&t, L_MAC, 4);
	ADD(&t, 0, PERMIT, crange(F(MAC_REMOTE_ADDRESS), 0x0200deadbe00ULL, 0x0400000000ffULL));
	ADD(&t, 0, BLOCK, cu(F(MAC_LOCAL_ADDRESS), M(GREATER), 0x0200deadbe00ULL));
	tl_build(&t, 5, 0);
	assert_int_equal(t.lk->n_exact, 0);
	memset(&v, 0, sizeof(v));
	for (i = 0; i < RTE_DIM(macs); i++) {
		for (j = 0; j < 6; j++) {
			v.remote_mac[j] = macs[i] >> (40 - 8 * j);
			v.local_mac[j] = macs[RTE_DIM(macs) - 1 - i] >> (40 - 8 * j);
		}
		check_burst(&t, &v, 1);
	}
	tl_fini(&t);
}

/* A range on an IPv6 address is at most 15 boxes of 16-bit ranges. */
static void
test_lookup_v6_range_fits_fifteen_rules(void **state)
{
	static const char *const addrs[] = {
		"2001:db8::ffff:fffd", "2001:db8::ffff:fffe", "2001:db8::ffff:ffff", "2001:db8::1:0:0",
		"2001:db8:ffff::", "2001:db9::", "2001:db9::1", "2001:db9::2", "2001:db9::1:0", "::",
	};
	struct dfp_engine_values v;
	struct tlayer t;
	unsigned int i;

	(void)state;
	tl_init(&t, L_V6, 4);
	ADD(&t, 0, PERMIT, c6range(F(IP_REMOTE_ADDRESS), "2001:db8::ffff:fffe", "2001:db9::1"));
	tl_build(&t, 15, 0);
	assert_int_equal(t.lk->n_exact, 0);
	for (i = 0; i < RTE_DIM(addrs); i++) {
		v = pkt6("::1", addrs[i], 80);
		check_burst(&t, &v, 1);
	}
	v = pkt6("::1", "2001:db8:1::", 80);
	expect(&t, &v, 0, 0, NONE);
	v = pkt6("::1", "2001:db9::2", 80);
	expect(&t, &v, 0, NONE, NONE);
	tl_fini(&t);
}

static void
test_lookup_free_accepts_null(void **state)
{
	(void)state;
	engine_lookup_free(NULL);
}

/* ---- Randomised agreement with the linear scan ---- */

static uint64_t rng_state;

static uint64_t
rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static uint64_t
rnd_below(uint64_t n)
{
	return rnd() % n;
}

/* Field values drawn from small pools so that packets hit filters. */
static struct dfp_u128
pool_value(enum dfp_field f, unsigned int family, unsigned int slot)
{
	static const uint16_t ports[] = {0, 1, 22, 53, 80, 443, 1023, 1024, 8080, 65535};
	struct dfp_u128 r = {0, 0};
	uint64_t x = slot * 0x9e3779b97f4a7c15ULL;

	switch (dfp_engine_field_type(f)) {
	case DFP_FIELD_TYPE_U8:
		r.lo = slot % 5 == 0 ? 255 : (slot * 37) % 20;
		break;
	case DFP_FIELD_TYPE_U16:
		r.lo = slot < RTE_DIM(ports) ? ports[slot] : x % 65536;
		break;
	case DFP_FIELD_TYPE_U32:
		r.lo = f == DFP_FIELD_FLAGS ? (x >> 20) & 0x5e5 : slot % 6;
		break;
	case DFP_FIELD_TYPE_ADDR:
		if (family == 6) {
			r.hi = 0x20010db800000000ULL | ((slot % 4) << 16);
			r.lo = (slot % 3) * (x & 0xffff0000ffffULL);
		} else {
			r.lo = 0x0a000000 | ((slot % 4) << 16) | (x & 0x1ff);
		}
		break;
	case DFP_FIELD_TYPE_MAC:
		r.lo = 0x020000000000ULL | ((slot % 3) << 24) | (x & 0x3ff);
		break;
	}
	return r;
}

static struct dfp_u128
u128_add_small(struct dfp_u128 a, uint64_t d)
{
	uint64_t lo = a.lo + d;

	a.hi += lo < a.lo;
	a.lo = lo;
	return a;
}

/*
 * A random valid condition on field f. A selective one (equal, a long
 * prefix or a narrow range) keeps the filter from matching everything.
 */
static struct dfp_engine_cond
rnd_cond(enum dfp_field f, unsigned int family, bool selective)
{
	uint32_t bits = dfp_engine_field_bits(f, family);
	struct dfp_engine_cond c = {.field = f};
	struct dfp_u128 max = engine_field_max(f, family);
	enum dfp_field_type type = dfp_engine_field_type(f);
	bool flags_ok = type != DFP_FIELD_TYPE_MAC && !(type == DFP_FIELD_TYPE_ADDR && family == 6);

	c.value = pool_value(f, family, rnd_below(16));
	if (selective) {
		c.match = rnd_below(3) == 0 ? DFP_MATCH_RANGE : DFP_MATCH_EQUAL;
		c.high = u128_add_small(c.value, rnd_below(64));
		if (engine_u128_cmp(c.high, max) > 0)
			c.high = max;
		if (type == DFP_FIELD_TYPE_ADDR && c.match == DFP_MATCH_EQUAL) {
			c.has_prefix = rnd_below(2);
			c.prefix_len = bits / 2 + rnd_below(bits / 2 + 1);
		}
		return c;
	}
	switch (rnd_below(flags_ok ? 12 : 9)) {
	case 0:
	case 1:
		c.match = DFP_MATCH_EQUAL;
		if (type == DFP_FIELD_TYPE_ADDR) {
			c.has_prefix = rnd_below(3) != 0;
			c.prefix_len = rnd_below(bits + 1);
		}
		break;
	case 2:
		c.match = DFP_MATCH_NOT_EQUAL;
		break;
	case 3:
		c.match = DFP_MATCH_GREATER;
		break;
	case 4:
		c.match = DFP_MATCH_LESS;
		break;
	case 5:
		c.match = DFP_MATCH_GREATER_OR_EQUAL;
		break;
	case 6:
		c.match = DFP_MATCH_LESS_OR_EQUAL;
		break;
	case 7:
	case 8:
		c.match = DFP_MATCH_RANGE;
		c.high = u128_add_small(c.value, rnd_below(4) == 0 ? 0 : rnd_below(3000));
		if (engine_u128_cmp(c.high, max) > 0)
			c.high = max;
		break;
	default:
		c.match = DFP_MATCH_FLAGS_ALL_SET + rnd_below(3);
		c.value.lo = (rnd() & rnd()) & max.lo;
		c.value.hi = 0;
		break;
	}
	return c;
}

static void
random_layer(uint16_t layer_id, uint32_t field_mask, uint32_t n_filters, uint32_t n_sl,
		uint32_t n_pkts, uint32_t max_expansion, uint64_t seed)
{
	uint32_t wide_pct = 30;
	unsigned int family = dfp_engine_layer_family(layer_id);
	struct dfp_engine_cond conds[8];
	struct dfp_engine_values *vals;
	enum dfp_field fields[DFP_FIELD_COUNT];
	unsigned int n_fields = 0, i, k, j;
	struct tlayer t;

	rng_state = seed;
	for (i = 0; i < DFP_FIELD_COUNT; i++)
		if (dfp_engine_layer_has_field(layer_id, i) && (field_mask & (1u << i)) != 0)
			fields[n_fields++] = i;
	tl_init(&t, layer_id, n_filters);
	for (i = 0; i < n_filters; i++) {
		uint32_t n_conds = rnd_below(1000) == 0 ? 0 : 1 + rnd_below(3);
		uint32_t sl = i * n_sl / n_filters;
		uint32_t action = rnd_below(4) == 0 ? CALLOUT : PERMIT;

		for (k = 0; k < n_conds; k++) {
			/* Sometimes repeat the previous field: same-field OR. */
			enum dfp_field f = k > 0 && rnd_below(4) == 0 ? conds[k - 1].field :
				fields[rnd_below(n_fields)];

			conds[k] = rnd_cond(f, family, k == 0 || f == conds[0].field ||
				rnd_below(100) >= wide_pct);
			assert_int_equal(engine_cond_validate(&conds[k], layer_id), DFP_STATUS_SUCCESS);
		}
		tl_add(&t, sl, action, conds, n_conds);
	}
	tl_build(&t, max_expansion, 0);
	/* Keys are gathered by byte shuffles on x86: the scan below checks them. */
	if (t.lk->groups[0].n_ctxs != 0)
		assert_true(t.lk->groups[0].n_gather > 0);
	vals = calloc(n_pkts, sizeof(*vals));
	assert_non_null(vals);
	for (i = 0; i < n_pkts; i++) {
		struct dfp_engine_values *v = &vals[i];

		for (k = 0; k < n_fields; k++) {
			enum dfp_field f = fields[k];
			struct dfp_u128 x = pool_value(f, family, rnd_below(16));

			/* Perturb the low bits: land next to the filters' edges. */
			x.lo ^= rnd_below(3) == 0 ? rnd_below(4) : 0;
			x = engine_u128_and(x, engine_field_max(f, family));
			switch (f) {
			case DFP_FIELD_IP_PROTOCOL: v->ip_protocol = x.lo; break;
			case DFP_FIELD_IP_LOCAL_ADDRESS_TYPE: v->local_addr_type = x.lo; break;
			case DFP_FIELD_DFP_TCP_FLAGS: v->tcp_flags = rnd(); break;
			case DFP_FIELD_DFP_DSCP: v->dscp = x.lo & 63; break;
			case DFP_FIELD_IP_LOCAL_PORT: v->local_port = x.lo; break;
			case DFP_FIELD_IP_REMOTE_PORT: v->remote_port = x.lo; break;
			case DFP_FIELD_VLAN_ID: v->vlan_id = x.lo; break;
			case DFP_FIELD_ETHER_TYPE: v->ether_type = x.lo; break;
			case DFP_FIELD_INTERFACE_INDEX: v->interface_index = x.lo; break;
			case DFP_FIELD_FLAGS: v->flags = rnd() & rnd(); break;
			case DFP_FIELD_DIRECTION: v->direction = x.lo & 1; break;
			case DFP_FIELD_REAUTHORIZE_REASON: v->reauth_reason = x.lo; break;
			case DFP_FIELD_IP_LOCAL_ADDRESS:
			case DFP_FIELD_IP_REMOTE_ADDRESS: {
				union dfp_engine_addr *a = f == DFP_FIELD_IP_LOCAL_ADDRESS ?
					&v->local_addr : &v->remote_addr;

				if (family != 6) {
					a->v4 = x.lo;
					break;
				}
				for (j = 0; j < 8; j++) {
					a->v6[j] = x.hi >> (56 - 8 * j);
					a->v6[8 + j] = x.lo >> (56 - 8 * j);
				}
				break;
			}
			case DFP_FIELD_MAC_LOCAL_ADDRESS:
			case DFP_FIELD_MAC_REMOTE_ADDRESS:
				for (j = 0; j < 6; j++)
					(f == DFP_FIELD_MAC_LOCAL_ADDRESS ? v->local_mac : v->remote_mac)[j] =
						x.lo >> (40 - 8 * j);
				break;
			default:
				break;
			}
		}
	}
	check_burst(&t, vals, n_pkts);
	free(vals);
	tl_fini(&t);
}

#define FM(x) (1u << DFP_FIELD_##x)
#define FM_ALL UINT32_MAX
#define FM_5TUPLE (FM(IP_PROTOCOL) | FM(IP_LOCAL_ADDRESS) | FM(IP_REMOTE_ADDRESS) | \
	FM(IP_LOCAL_PORT) | FM(IP_REMOTE_PORT))

/*
 * Many filters over the fields real rule sets use; fewer over every field,
 * where rte_acl's build time grows with the mix of constrained fields.
 */
static void
test_lookup_random_v4_agrees_with_linear_scan(void **state)
{
	(void)state;
	random_layer(L_V4, FM_5TUPLE | FM(FLAGS), 500, 6, 3000, 0, 0x1234567887654321ULL);
}

static void
test_lookup_random_v4_all_fields_agrees_with_linear_scan(void **state)
{
	(void)state;
	random_layer(L_V4, FM_ALL, 200, 4, 3000, 0, 0x1122334455667788ULL);
}

static void
test_lookup_random_v6_agrees_with_linear_scan(void **state)
{
	(void)state;
	random_layer(DFP_LAYER_ALE_AUTH_RECV_ACCEPT_V6, FM_5TUPLE, 200, 3, 3000, 0,
		0xfeedfacecafebeefULL);
}

static void
test_lookup_random_v6_all_fields_agrees_with_linear_scan(void **state)
{
	(void)state;
	random_layer(DFP_LAYER_ALE_AUTH_RECV_ACCEPT_V6, FM_ALL, 150, 3, 2000, 0,
		0x5eed5eed5eed5eedULL);
}

static void
test_lookup_random_mac_agrees_with_linear_scan(void **state)
{
	(void)state;
	random_layer(L_MAC, FM_ALL, 300, 10, 3000, 0, 0x0ddba11deadbeefULL);
}

static void
test_lookup_random_small_expansion_agrees_with_linear_scan(void **state)
{
	(void)state;
	random_layer(DFP_LAYER_DATAGRAM_DATA_V4, FM_5TUPLE | FM(DIRECTION), 1000, 2, 3000, 3,
		0xabcdef0123456789ULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lookup_equal_matches_protocol_port_and_v4_address),
		cmocka_unit_test(test_lookup_prefix_matches_v4_subnets),
		cmocka_unit_test(test_lookup_not_equal_excludes_one_value),
		cmocka_unit_test(test_lookup_greater_less_and_or_equal_bound_ports),
		cmocka_unit_test(test_lookup_range_matches_inclusive_bounds),
		cmocka_unit_test(test_lookup_flags_all_any_none_set),
		cmocka_unit_test(test_lookup_flags_on_range_field_become_intervals_or_exact),
		cmocka_unit_test(test_lookup_direction_operands_beyond_one_byte),
		cmocka_unit_test(test_lookup_v6_prefixes_ranges_and_not_equal),
		cmocka_unit_test(test_lookup_mac_layer_addresses_vlan_and_ether_type),
		cmocka_unit_test(test_lookup_same_field_conditions_are_or_ed),
		cmocka_unit_test(test_lookup_static_and_callout_filters_use_separate_categories),
		cmocka_unit_test(test_lookup_more_than_eight_sublayers_use_several_contexts),
		cmocka_unit_test(test_lookup_exact_list_when_expansion_exceeds_limit),
		cmocka_unit_test(test_lookup_zero_condition_filters_need_no_acl),
		cmocka_unit_test(test_lookup_zero_condition_filter_merges_with_acl_results),
		cmocka_unit_test(test_lookup_split_runs_of_one_field_go_exact),
		cmocka_unit_test(test_lookup_filter_that_cannot_match_is_skipped),
		cmocka_unit_test(test_lookup_protocol_only_layer_uses_one_byte_key),
		cmocka_unit_test(test_lookup_rule_chunks_merge_by_rank),
		cmocka_unit_test(test_lookup_same_generation_builds_are_independent),
		cmocka_unit_test(test_lookup_filters_on_disjoint_fields_compile_apart),
		cmocka_unit_test(test_lookup_subset_shape_joins_the_context_of_its_superset),
		cmocka_unit_test(test_lookup_overlapping_siblings_get_their_own_contexts),
		cmocka_unit_test(test_lookup_siblings_that_never_overlap_share_a_context),
		cmocka_unit_test(test_lookup_tiny_shape_joins_even_when_its_rules_overlap),
		cmocka_unit_test(test_lookup_overlapping_shape_is_cut_in_bounded_contexts),
		cmocka_unit_test(test_lookup_mac_range_fits_five_rules),
		cmocka_unit_test(test_lookup_v6_range_fits_fifteen_rules),
		cmocka_unit_test(test_lookup_free_accepts_null),
		cmocka_unit_test(test_lookup_random_v4_agrees_with_linear_scan),
		cmocka_unit_test(test_lookup_random_v4_all_fields_agrees_with_linear_scan),
		cmocka_unit_test(test_lookup_random_v6_agrees_with_linear_scan),
		cmocka_unit_test(test_lookup_random_v6_all_fields_agrees_with_linear_scan),
		cmocka_unit_test(test_lookup_random_mac_agrees_with_linear_scan),
		cmocka_unit_test(test_lookup_random_small_expansion_agrees_with_linear_scan),
	};

	return cmocka_run_group_tests(tests, group_setup, NULL);
}
