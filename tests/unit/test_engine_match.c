/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Filter conditions through the public engine API (spec §1.6): every match
 * type, every value form, same-field OR / different-field AND, the empty
 * condition list, and the statuses of condition validation.
 *
 * Each test adds permit filters in a transaction, compiles them with
 * dfp_engine_txn_prepare(), publishes with dfp_engine_txn_finish(), and asks
 * dfp_engine_match_burst() (the compiled lookup alone),
 * dfp_engine_classify_burst() (lookup plus arbitration) and
 * dfp_engine_filter_match() (the exact evaluator used for callout
 * fall-through and non-compilable filters), which must all agree.
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

/* ---- Helpers ---- */

/* The filter of the last one_filter() call: hits() checks the exact evaluator on it. */
static uint64_t last_id;
static uint16_t last_layer;

static int
match_setup(void **state)
{
	last_id = 0;
	return fx_setup(state);
}

/* Commit one permit filter with these conditions; returns its id. */
static uint64_t
one_filter(struct fx *f, uint16_t layer, const struct dfp_engine_cond *conds, uint32_t n)
{
	struct dfp_engine_filter_spec s = fx_spec("match", layer, DFP_ACTION_PERMIT);
	uint64_t id;

	s.conds = conds;
	s.n_conds = n;
	fx_begin(f);
	id = fx_add(f, &s);
	fx_commit(f);
	last_id = id;
	last_layer = layer;
	return id;
}

/* Does the packet hit the filter? The three evaluators must agree. */
static bool
hits(struct fx *f, uint16_t layer, const struct dfp_engine_values *v)
{
	struct dfp_engine_verdict vd = fx_classify(f, layer, v);
	uint64_t id = fx_match(f, layer, v);
	struct dfp_engine_filter_info info;

	if (last_id != 0 && layer == last_layer) {
		assert_int_equal(dfp_engine_filter_get(f->eng, last_id, &info), DFP_STATUS_SUCCESS);
		assert_int_equal(dfp_engine_filter_match(&info.rt, v), id == last_id);
	}

	if (id != 0) {
		assert_int_equal(vd.action, DFP_ACTION_PERMIT);
		assert_int_equal(vd.filter_id, id);
	} else {
		assert_int_equal(vd.action, DFP_ACTION_NONE_NO_MATCH);
		assert_int_equal(vd.filter_id, 0);
	}
	return id != 0;
}

static struct dfp_engine_values
pkt(uint8_t proto, uint32_t laddr, uint16_t lport, uint32_t raddr, uint16_t rport)
{
	struct dfp_engine_values v;

	memset(&v, 0, sizeof(v));
	v.ip_protocol = proto;
	v.local_addr.v4 = laddr;
	v.local_port = lport;
	v.remote_addr.v4 = raddr;
	v.remote_port = rport;
	return v;
}

static struct dfp_engine_values
port_pkt(uint16_t lport)
{
	return pkt(6, fx_ip4(10, 0, 0, 1), lport, fx_ip4(192, 0, 2, 1), 40000);
}

static struct dfp_engine_values
raddr_pkt(uint32_t raddr)
{
	return pkt(6, fx_ip4(10, 0, 0, 1), 80, raddr, 40000);
}

static struct dfp_engine_values
flags_pkt(uint32_t flags)
{
	struct dfp_engine_values v = port_pkt(80);

	v.flags = flags;
	return v;
}

static struct dfp_engine_values
v6_pkt(const char *raddr)
{
	struct dfp_engine_values v = port_pkt(80);

	fx_ip6_bytes("2001:db8:ffff::1", v.local_addr.v6);
	fx_ip6_bytes(raddr, v.remote_addr.v6);
	return v;
}

/* Try to add one filter; returns the status (the transaction is aborted). */
static dfp_status_t
try_add(struct fx *f, uint16_t layer, const struct dfp_engine_cond *conds, uint32_t n)
{
	struct dfp_engine_filter_spec s = fx_spec("bad", layer, DFP_ACTION_PERMIT);
	dfp_status_t st;

	s.conds = conds;
	s.n_conds = n;
	fx_begin(f);
	st = dfp_engine_filter_add(f->eng, &s, 0, NULL);
	assert_int_equal(dfp_engine_txn_abort(f->eng), DFP_STATUS_SUCCESS);
	return st;
}

/* ---- Match types on integers ---- */

static void
test_match_equal_port(void **state)
{
	struct dfp_engine_cond c = fx_cond(DFP_FIELD_IP_LOCAL_PORT, DFP_MATCH_EQUAL, 80);
	struct fx *f = *state;
	struct dfp_engine_values v;

	one_filter(f, FX_L4, &c, 1);
	v = port_pkt(80);
	assert_true(hits(f, FX_L4, &v));
	v = port_pkt(81);
	assert_false(hits(f, FX_L4, &v));
	v = port_pkt(79);
	assert_false(hits(f, FX_L4, &v));
}

static void
test_match_greater_is_strict(void **state)
{
	struct dfp_engine_cond c = fx_cond(DFP_FIELD_IP_LOCAL_PORT, DFP_MATCH_GREATER, 1000);
	struct fx *f = *state;
	struct dfp_engine_values v;

	one_filter(f, FX_L4, &c, 1);
	v = port_pkt(1001);
	assert_true(hits(f, FX_L4, &v));
	v = port_pkt(65535);
	assert_true(hits(f, FX_L4, &v));
	v = port_pkt(1000);
	assert_false(hits(f, FX_L4, &v));
	v = port_pkt(0);
	assert_false(hits(f, FX_L4, &v));
}

static void
test_match_less_is_strict(void **state)
{
	struct dfp_engine_cond c = fx_cond(DFP_FIELD_IP_LOCAL_PORT, DFP_MATCH_LESS, 1000);
	struct fx *f = *state;
	struct dfp_engine_values v;

	one_filter(f, FX_L4, &c, 1);
	v = port_pkt(999);
	assert_true(hits(f, FX_L4, &v));
	v = port_pkt(0);
	assert_true(hits(f, FX_L4, &v));
	v = port_pkt(1000);
	assert_false(hits(f, FX_L4, &v));
	v = port_pkt(65535);
	assert_false(hits(f, FX_L4, &v));
}

static void
test_match_greater_or_equal_includes_bound(void **state)
{
	struct dfp_engine_cond c = fx_cond(DFP_FIELD_IP_LOCAL_PORT,
		DFP_MATCH_GREATER_OR_EQUAL, 1000);
	struct fx *f = *state;
	struct dfp_engine_values v;

	one_filter(f, FX_L4, &c, 1);
	v = port_pkt(1000);
	assert_true(hits(f, FX_L4, &v));
	v = port_pkt(1001);
	assert_true(hits(f, FX_L4, &v));
	v = port_pkt(999);
	assert_false(hits(f, FX_L4, &v));
}

static void
test_match_less_or_equal_includes_bound(void **state)
{
	struct dfp_engine_cond c = fx_cond(DFP_FIELD_IP_LOCAL_PORT, DFP_MATCH_LESS_OR_EQUAL, 1000);
	struct fx *f = *state;
	struct dfp_engine_values v;

	one_filter(f, FX_L4, &c, 1);
	v = port_pkt(1000);
	assert_true(hits(f, FX_L4, &v));
	v = port_pkt(0);
	assert_true(hits(f, FX_L4, &v));
	v = port_pkt(1001);
	assert_false(hits(f, FX_L4, &v));
}

static void
test_match_range_is_inclusive_at_both_ends(void **state)
{
	struct dfp_engine_cond c = fx_cond_range(DFP_FIELD_IP_LOCAL_PORT, 100, 200);
	struct fx *f = *state;
	struct dfp_engine_values v;

	one_filter(f, FX_L4, &c, 1);
	v = port_pkt(99);
	assert_false(hits(f, FX_L4, &v));
	v = port_pkt(100);
	assert_true(hits(f, FX_L4, &v));
	v = port_pkt(150);
	assert_true(hits(f, FX_L4, &v));
	v = port_pkt(200);
	assert_true(hits(f, FX_L4, &v));
	v = port_pkt(201);
	assert_false(hits(f, FX_L4, &v));
}

static void
test_match_range_of_one_value(void **state)
{
	struct dfp_engine_cond c = fx_cond_range(DFP_FIELD_IP_LOCAL_PORT, 443, 443);
	struct fx *f = *state;
	struct dfp_engine_values v;

	one_filter(f, FX_L4, &c, 1);
	v = port_pkt(443);
	assert_true(hits(f, FX_L4, &v));
	v = port_pkt(442);
	assert_false(hits(f, FX_L4, &v));
	v = port_pkt(444);
	assert_false(hits(f, FX_L4, &v));
}

static void
test_match_flags_all_set_needs_every_bit(void **state)
{
	struct dfp_engine_cond c = fx_cond(DFP_FIELD_FLAGS, DFP_MATCH_FLAGS_ALL_SET,
		DFP_COND_FLAG_IS_LOOPBACK | DFP_COND_FLAG_IS_FRAGMENT);
	struct fx *f = *state;
	struct dfp_engine_values v;

	one_filter(f, FX_L4, &c, 1);
	v = flags_pkt(DFP_COND_FLAG_IS_LOOPBACK | DFP_COND_FLAG_IS_FRAGMENT);
	assert_true(hits(f, FX_L4, &v));
	v = flags_pkt(DFP_COND_FLAG_IS_LOOPBACK | DFP_COND_FLAG_IS_FRAGMENT |
		DFP_COND_FLAG_IS_REAUTHORIZE);
	assert_true(hits(f, FX_L4, &v));
	v = flags_pkt(DFP_COND_FLAG_IS_LOOPBACK);
	assert_false(hits(f, FX_L4, &v));
	v = flags_pkt(DFP_COND_FLAG_IS_FRAGMENT);
	assert_false(hits(f, FX_L4, &v));
	v = flags_pkt(0);
	assert_false(hits(f, FX_L4, &v));
}

static void
test_match_flags_any_set_needs_one_bit(void **state)
{
	struct dfp_engine_cond c = fx_cond(DFP_FIELD_FLAGS, DFP_MATCH_FLAGS_ANY_SET,
		DFP_COND_FLAG_IS_LOOPBACK | DFP_COND_FLAG_IS_FRAGMENT);
	struct fx *f = *state;
	struct dfp_engine_values v;

	one_filter(f, FX_L4, &c, 1);
	v = flags_pkt(DFP_COND_FLAG_IS_LOOPBACK);
	assert_true(hits(f, FX_L4, &v));
	v = flags_pkt(DFP_COND_FLAG_IS_FRAGMENT | DFP_COND_FLAG_IS_REAUTHORIZE);
	assert_true(hits(f, FX_L4, &v));
	v = flags_pkt(DFP_COND_FLAG_IS_LOOPBACK | DFP_COND_FLAG_IS_FRAGMENT);
	assert_true(hits(f, FX_L4, &v));
	v = flags_pkt(DFP_COND_FLAG_IS_REAUTHORIZE);
	assert_false(hits(f, FX_L4, &v));
	v = flags_pkt(0);
	assert_false(hits(f, FX_L4, &v));
}

static void
test_match_flags_none_set_rejects_any_bit(void **state)
{
	struct dfp_engine_cond c = fx_cond(DFP_FIELD_FLAGS, DFP_MATCH_FLAGS_NONE_SET,
		DFP_COND_FLAG_IS_LOOPBACK | DFP_COND_FLAG_IS_FRAGMENT);
	struct fx *f = *state;
	struct dfp_engine_values v;

	one_filter(f, FX_L4, &c, 1);
	v = flags_pkt(0);
	assert_true(hits(f, FX_L4, &v));
	v = flags_pkt(DFP_COND_FLAG_IS_REAUTHORIZE);
	assert_true(hits(f, FX_L4, &v));
	v = flags_pkt(DFP_COND_FLAG_IS_LOOPBACK);
	assert_false(hits(f, FX_L4, &v));
	v = flags_pkt(DFP_COND_FLAG_IS_FRAGMENT | DFP_COND_FLAG_IS_REAUTHORIZE);
	assert_false(hits(f, FX_L4, &v));
}

static void
test_match_not_equal_protocol(void **state)
{
	struct dfp_engine_cond c = fx_cond(DFP_FIELD_IP_PROTOCOL, DFP_MATCH_NOT_EQUAL, 6);
	struct fx *f = *state;
	struct dfp_engine_values v = port_pkt(80);

	one_filter(f, FX_L4, &c, 1);
	v.ip_protocol = 17;
	assert_true(hits(f, FX_L4, &v));
	v.ip_protocol = 0;
	assert_true(hits(f, FX_L4, &v));
	v.ip_protocol = 255;
	assert_true(hits(f, FX_L4, &v));
	v.ip_protocol = 6;
	assert_false(hits(f, FX_L4, &v));
}

static void
test_match_not_equal_prefix_excludes_whole_block(void **state)
{
	struct dfp_engine_cond c = fx_cond_prefix(DFP_FIELD_IP_REMOTE_ADDRESS,
		fx_u128(fx_ip4(10, 0, 0, 0)), 8);
	struct fx *f = *state;
	struct dfp_engine_values v;

	c.match = DFP_MATCH_NOT_EQUAL;
	one_filter(f, FX_L4, &c, 1);
	v = raddr_pkt(fx_ip4(10, 200, 3, 4));
	assert_false(hits(f, FX_L4, &v));
	v = raddr_pkt(fx_ip4(10, 0, 0, 0));
	assert_false(hits(f, FX_L4, &v));
	v = raddr_pkt(fx_ip4(11, 0, 0, 0));
	assert_true(hits(f, FX_L4, &v));
	v = raddr_pkt(fx_ip4(9, 255, 255, 255));
	assert_true(hits(f, FX_L4, &v));
}

/* ---- IPv4 addresses ---- */

static void
test_match_ipv4_address_exact(void **state)
{
	struct dfp_engine_cond c = fx_cond(DFP_FIELD_IP_REMOTE_ADDRESS, DFP_MATCH_EQUAL,
		fx_ip4(192, 168, 1, 10));
	struct fx *f = *state;
	struct dfp_engine_values v;

	one_filter(f, FX_L4, &c, 1);
	v = raddr_pkt(fx_ip4(192, 168, 1, 10));
	assert_true(hits(f, FX_L4, &v));
	v = raddr_pkt(fx_ip4(192, 168, 1, 11));
	assert_false(hits(f, FX_L4, &v));
	v = raddr_pkt(fx_ip4(10, 168, 1, 10));
	assert_false(hits(f, FX_L4, &v));
}

static void
test_match_ipv4_local_address_exact(void **state)
{
	struct dfp_engine_cond c = fx_cond(DFP_FIELD_IP_LOCAL_ADDRESS, DFP_MATCH_EQUAL,
		fx_ip4(10, 0, 0, 1));
	struct fx *f = *state;
	struct dfp_engine_values v = port_pkt(80);

	one_filter(f, FX_L4, &c, 1);
	assert_true(hits(f, FX_L4, &v));
	v.local_addr.v4 = fx_ip4(10, 0, 0, 2);
	assert_false(hits(f, FX_L4, &v));
}

static void
test_match_ipv4_prefix_0_matches_everything(void **state)
{
	struct dfp_engine_cond c = fx_cond_prefix(DFP_FIELD_IP_REMOTE_ADDRESS,
		fx_u128(0), 0);
	struct fx *f = *state;
	struct dfp_engine_values v;

	one_filter(f, FX_L4, &c, 1);
	v = raddr_pkt(0);
	assert_true(hits(f, FX_L4, &v));
	v = raddr_pkt(fx_ip4(255, 255, 255, 255));
	assert_true(hits(f, FX_L4, &v));
	v = raddr_pkt(fx_ip4(128, 1, 2, 3));
	assert_true(hits(f, FX_L4, &v));
}

static void
test_match_ipv4_prefix_8(void **state)
{
	struct dfp_engine_cond c = fx_cond_prefix(DFP_FIELD_IP_REMOTE_ADDRESS,
		fx_u128(fx_ip4(10, 0, 0, 0)), 8);
	struct fx *f = *state;
	struct dfp_engine_values v;

	one_filter(f, FX_L4, &c, 1);
	v = raddr_pkt(fx_ip4(10, 0, 0, 0));
	assert_true(hits(f, FX_L4, &v));
	v = raddr_pkt(fx_ip4(10, 255, 255, 255));
	assert_true(hits(f, FX_L4, &v));
	v = raddr_pkt(fx_ip4(11, 0, 0, 0));
	assert_false(hits(f, FX_L4, &v));
	v = raddr_pkt(fx_ip4(9, 255, 255, 255));
	assert_false(hits(f, FX_L4, &v));
}

static void
test_match_ipv4_prefix_ignores_host_bits_of_value(void **state)
{
	/* FWP_V4_ADDR_MASK with host bits set still names the whole /8 block. */
	struct dfp_engine_cond c = fx_cond_prefix(DFP_FIELD_IP_REMOTE_ADDRESS,
		fx_u128(fx_ip4(10, 1, 2, 3)), 8);
	struct fx *f = *state;
	struct dfp_engine_values v;

	one_filter(f, FX_L4, &c, 1);
	v = raddr_pkt(fx_ip4(10, 9, 9, 9));
	assert_true(hits(f, FX_L4, &v));
	v = raddr_pkt(fx_ip4(12, 1, 2, 3));
	assert_false(hits(f, FX_L4, &v));
}

static void
test_match_ipv4_prefix_32_is_one_address(void **state)
{
	struct dfp_engine_cond c = fx_cond_prefix(DFP_FIELD_IP_REMOTE_ADDRESS,
		fx_u128(fx_ip4(203, 0, 113, 7)), 32);
	struct fx *f = *state;
	struct dfp_engine_values v;

	one_filter(f, FX_L4, &c, 1);
	v = raddr_pkt(fx_ip4(203, 0, 113, 7));
	assert_true(hits(f, FX_L4, &v));
	v = raddr_pkt(fx_ip4(203, 0, 113, 6));
	assert_false(hits(f, FX_L4, &v));
	v = raddr_pkt(fx_ip4(203, 0, 113, 8));
	assert_false(hits(f, FX_L4, &v));
}

static void
test_match_ipv4_address_range(void **state)
{
	struct dfp_engine_cond c = fx_cond_range(DFP_FIELD_IP_REMOTE_ADDRESS,
		fx_ip4(192, 0, 2, 10), fx_ip4(192, 0, 2, 20));
	struct fx *f = *state;
	struct dfp_engine_values v;

	one_filter(f, FX_L4, &c, 1);
	v = raddr_pkt(fx_ip4(192, 0, 2, 10));
	assert_true(hits(f, FX_L4, &v));
	v = raddr_pkt(fx_ip4(192, 0, 2, 20));
	assert_true(hits(f, FX_L4, &v));
	v = raddr_pkt(fx_ip4(192, 0, 2, 9));
	assert_false(hits(f, FX_L4, &v));
	v = raddr_pkt(fx_ip4(192, 0, 2, 21));
	assert_false(hits(f, FX_L4, &v));
}

static void
test_match_flags_on_ipv4_address_are_allowed(void **state)
{
	/* An IPv4 address is FWP_UINT32, an unsigned integer: flag matches apply. */
	struct dfp_engine_cond c = fx_cond(DFP_FIELD_IP_REMOTE_ADDRESS, DFP_MATCH_FLAGS_ALL_SET,
		fx_ip4(0, 0, 0, 1));
	struct fx *f = *state;
	struct dfp_engine_values v;

	one_filter(f, FX_L4, &c, 1);
	v = raddr_pkt(fx_ip4(192, 0, 2, 3));
	assert_true(hits(f, FX_L4, &v));
	v = raddr_pkt(fx_ip4(192, 0, 2, 4));
	assert_false(hits(f, FX_L4, &v));
}

/* ---- IPv6 addresses ---- */

static void
test_match_ipv6_address_exact(void **state)
{
	struct dfp_engine_cond c = fx_cond128(DFP_FIELD_IP_REMOTE_ADDRESS, DFP_MATCH_EQUAL,
		fx_ip6("2001:db8::1"));
	struct fx *f = *state;
	struct dfp_engine_values v;

	one_filter(f, FX_L6, &c, 1);
	v = v6_pkt("2001:db8::1");
	assert_true(hits(f, FX_L6, &v));
	v = v6_pkt("2001:db8::2");
	assert_false(hits(f, FX_L6, &v));
	v = v6_pkt("2001:db9::1");
	assert_false(hits(f, FX_L6, &v));
	v = v6_pkt("::1");
	assert_false(hits(f, FX_L6, &v));
}

static void
test_match_ipv6_prefix_64(void **state)
{
	struct dfp_engine_cond c = fx_cond_prefix(DFP_FIELD_IP_REMOTE_ADDRESS,
		fx_ip6("2001:db8:1:2::"), 64);
	struct fx *f = *state;
	struct dfp_engine_values v;

	one_filter(f, FX_L6, &c, 1);
	v = v6_pkt("2001:db8:1:2::");
	assert_true(hits(f, FX_L6, &v));
	v = v6_pkt("2001:db8:1:2:ffff:ffff:ffff:ffff");
	assert_true(hits(f, FX_L6, &v));
	v = v6_pkt("2001:db8:1:3::");
	assert_false(hits(f, FX_L6, &v));
	v = v6_pkt("2001:db8:1:1:ffff:ffff:ffff:ffff");
	assert_false(hits(f, FX_L6, &v));
}

static void
test_match_ipv6_prefix_56_inside_upper_half(void **state)
{
	struct dfp_engine_cond c = fx_cond_prefix(DFP_FIELD_IP_REMOTE_ADDRESS,
		fx_ip6("2001:db8:aa:bb00::"), 56);
	struct fx *f = *state;
	struct dfp_engine_values v;

	one_filter(f, FX_L6, &c, 1);
	v = v6_pkt("2001:db8:aa:bbff:1::");
	assert_true(hits(f, FX_L6, &v));
	v = v6_pkt("2001:db8:aa:bc00::");
	assert_false(hits(f, FX_L6, &v));
}

static void
test_match_ipv6_prefix_72_crosses_into_lower_half(void **state)
{
	struct dfp_engine_cond c = fx_cond_prefix(DFP_FIELD_IP_REMOTE_ADDRESS,
		fx_ip6("2001:db8:0:1:ab00::"), 72);
	struct fx *f = *state;
	struct dfp_engine_values v;

	one_filter(f, FX_L6, &c, 1);
	v = v6_pkt("2001:db8:0:1:abff:ffff:ffff:ffff");
	assert_true(hits(f, FX_L6, &v));
	v = v6_pkt("2001:db8:0:1:ab00::");
	assert_true(hits(f, FX_L6, &v));
	v = v6_pkt("2001:db8:0:1:ac00::");
	assert_false(hits(f, FX_L6, &v));
	v = v6_pkt("2001:db8:0:1:aa00::");
	assert_false(hits(f, FX_L6, &v));
}

static void
test_match_ipv6_prefix_0_and_128(void **state)
{
	struct dfp_engine_cond c[2] = {
		fx_cond_prefix(DFP_FIELD_IP_REMOTE_ADDRESS, fx_ip6("::"), 0),
		fx_cond_prefix(DFP_FIELD_IP_LOCAL_ADDRESS, fx_ip6("2001:db8:ffff::1"), 128),
	};
	struct fx *f = *state;
	struct dfp_engine_values v;

	one_filter(f, FX_L6, c, 2);
	v = v6_pkt("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	assert_true(hits(f, FX_L6, &v));
	v = v6_pkt("::");
	assert_true(hits(f, FX_L6, &v));
	fx_ip6_bytes("2001:db8:ffff::2", v.local_addr.v6);
	assert_false(hits(f, FX_L6, &v));
}

static void
test_match_ipv6_range_across_halves(void **state)
{
	struct dfp_engine_cond c = fx_cond_range128(DFP_FIELD_IP_REMOTE_ADDRESS,
		fx_ip6("2001:db8::ffff:ffff:ffff:fff0"), fx_ip6("2001:db8:0:1::10"));
	struct fx *f = *state;
	struct dfp_engine_values v;

	one_filter(f, FX_L6, &c, 1);
	v = v6_pkt("2001:db8::ffff:ffff:ffff:fff0");
	assert_true(hits(f, FX_L6, &v));
	v = v6_pkt("2001:db8:0:1::");
	assert_true(hits(f, FX_L6, &v));
	v = v6_pkt("2001:db8:0:1::10");
	assert_true(hits(f, FX_L6, &v));
	v = v6_pkt("2001:db8::ffff:ffff:ffff:ffef");
	assert_false(hits(f, FX_L6, &v));
	v = v6_pkt("2001:db8:0:1::11");
	assert_false(hits(f, FX_L6, &v));
}

static void
test_match_ipv6_greater_compares_as_128_bit_number(void **state)
{
	struct dfp_engine_cond c = fx_cond128(DFP_FIELD_IP_REMOTE_ADDRESS, DFP_MATCH_GREATER,
		fx_ip6("2001:db8::ffff:ffff:ffff:ffff"));
	struct fx *f = *state;
	struct dfp_engine_values v;

	one_filter(f, FX_L6, &c, 1);
	v = v6_pkt("2001:db8:0:1::");
	assert_true(hits(f, FX_L6, &v));
	v = v6_pkt("2001:db8::ffff:ffff:ffff:ffff");
	assert_false(hits(f, FX_L6, &v));
	v = v6_pkt("2001:db7:ffff:ffff:ffff:ffff:ffff:ffff");
	assert_false(hits(f, FX_L6, &v));
}

/* ---- Ports, protocol, interface, VLAN, MAC ---- */

static void
test_match_remote_port_range(void **state)
{
	struct dfp_engine_cond c = fx_cond_range(DFP_FIELD_IP_REMOTE_PORT, 1024, 65535);
	struct fx *f = *state;
	struct dfp_engine_values v = port_pkt(80);

	one_filter(f, FX_L4, &c, 1);
	v.remote_port = 1024;
	assert_true(hits(f, FX_L4, &v));
	v.remote_port = 65535;
	assert_true(hits(f, FX_L4, &v));
	v.remote_port = 1023;
	assert_false(hits(f, FX_L4, &v));
}

static void
test_match_protocol_equal(void **state)
{
	struct dfp_engine_cond c = fx_cond(DFP_FIELD_IP_PROTOCOL, DFP_MATCH_EQUAL, 17);
	struct fx *f = *state;
	struct dfp_engine_values v = port_pkt(53);

	one_filter(f, FX_L4, &c, 1);
	v.ip_protocol = 17;
	assert_true(hits(f, FX_L4, &v));
	v.ip_protocol = 6;
	assert_false(hits(f, FX_L4, &v));
}

static void
test_match_interface_index(void **state)
{
	struct dfp_engine_cond c = fx_cond(DFP_FIELD_INTERFACE_INDEX, DFP_MATCH_EQUAL, 3);
	struct fx *f = *state;
	struct dfp_engine_values v = port_pkt(80);

	one_filter(f, FX_L4, &c, 1);
	v.interface_index = 3;
	assert_true(hits(f, FX_L4, &v));
	v.interface_index = 2;
	assert_false(hits(f, FX_L4, &v));
}

static void
test_match_vlan_at_transport_layer(void **state)
{
	struct dfp_engine_cond c = fx_cond(DFP_FIELD_VLAN_ID, DFP_MATCH_EQUAL, 100);
	struct fx *f = *state;
	struct dfp_engine_values v = port_pkt(80);

	one_filter(f, FX_L4, &c, 1);
	v.vlan_id = 100;
	assert_true(hits(f, FX_L4, &v));
	v.vlan_id = 0;
	assert_false(hits(f, FX_L4, &v));
}

static void
test_match_vlan_range_at_mac_layer(void **state)
{
	struct dfp_engine_cond c = fx_cond_range(DFP_FIELD_VLAN_ID, 100, 199);
	struct fx *f = *state;
	struct dfp_engine_values v;

	memset(&v, 0, sizeof(v));
	one_filter(f, FX_MAC, &c, 1);
	v.vlan_id = 150;
	assert_true(hits(f, FX_MAC, &v));
	v.vlan_id = 200;
	assert_false(hits(f, FX_MAC, &v));
}

static void
test_match_mac_address_equal(void **state)
{
	static const uint8_t mac[6] = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55};
	struct dfp_engine_cond c = fx_cond(DFP_FIELD_MAC_REMOTE_ADDRESS, DFP_MATCH_EQUAL,
		fx_mac_u64(mac));
	struct fx *f = *state;
	struct dfp_engine_values v;

	memset(&v, 0, sizeof(v));
	one_filter(f, FX_MAC, &c, 1);
	memcpy(v.remote_mac, mac, 6);
	assert_true(hits(f, FX_MAC, &v));
	v.remote_mac[5] = 0x56;
	assert_false(hits(f, FX_MAC, &v));
	memcpy(v.remote_mac, mac, 6);
	v.remote_mac[0] = 0x01;
	assert_false(hits(f, FX_MAC, &v));
	/* The local MAC is another field. */
	memset(v.remote_mac, 0, 6);
	memcpy(v.local_mac, mac, 6);
	assert_false(hits(f, FX_MAC, &v));
}

static void
test_match_mac_address_range(void **state)
{
	static const uint8_t lo[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x00};
	static const uint8_t hi[6] = {0x02, 0x00, 0x00, 0xff, 0xff, 0xff};
	struct dfp_engine_cond c = fx_cond_range(DFP_FIELD_MAC_LOCAL_ADDRESS, fx_mac_u64(lo),
		fx_mac_u64(hi));
	struct fx *f = *state;
	struct dfp_engine_values v;

	memset(&v, 0, sizeof(v));
	one_filter(f, FX_MAC, &c, 1);
	memcpy(v.local_mac, hi, 6);
	assert_true(hits(f, FX_MAC, &v));
	v.local_mac[3] = 0x01;
	v.local_mac[2] = 0x01;
	assert_false(hits(f, FX_MAC, &v));
}

static void
test_match_ether_type_at_mac_layer(void **state)
{
	struct dfp_engine_cond c = fx_cond(DFP_FIELD_ETHER_TYPE, DFP_MATCH_EQUAL, 0x86dd);
	struct fx *f = *state;
	struct dfp_engine_values v;

	memset(&v, 0, sizeof(v));
	one_filter(f, FX_MAC, &c, 1);
	v.ether_type = 0x86dd;
	assert_true(hits(f, FX_MAC, &v));
	v.ether_type = 0x0800;
	assert_false(hits(f, FX_MAC, &v));
}

/* ---- Combining conditions ---- */

static void
test_match_same_field_conditions_are_ored(void **state)
{
	struct dfp_engine_cond c[2] = {
		fx_cond(DFP_FIELD_IP_LOCAL_PORT, DFP_MATCH_EQUAL, 80),
		fx_cond(DFP_FIELD_IP_LOCAL_PORT, DFP_MATCH_EQUAL, 443),
	};
	struct fx *f = *state;
	struct dfp_engine_values v;

	one_filter(f, FX_L4, c, 2);
	v = port_pkt(80);
	assert_true(hits(f, FX_L4, &v));
	v = port_pkt(443);
	assert_true(hits(f, FX_L4, &v));
	v = port_pkt(22);
	assert_false(hits(f, FX_L4, &v));
}

static void
test_match_different_fields_are_anded(void **state)
{
	struct dfp_engine_cond c[2] = {
		fx_cond(DFP_FIELD_IP_LOCAL_PORT, DFP_MATCH_EQUAL, 80),
		fx_cond(DFP_FIELD_IP_PROTOCOL, DFP_MATCH_EQUAL, 6),
	};
	struct fx *f = *state;
	struct dfp_engine_values v;

	one_filter(f, FX_L4, c, 2);
	v = port_pkt(80);
	assert_true(hits(f, FX_L4, &v));
	v.ip_protocol = 17;
	assert_false(hits(f, FX_L4, &v));
	v = port_pkt(81);
	assert_false(hits(f, FX_L4, &v));
}

static void
test_match_or_groups_and_together(void **state)
{
	/* (port 80 OR port 443) AND (10/8 OR 192.168/16), given interleaved. */
	struct dfp_engine_cond c[4] = {
		fx_cond(DFP_FIELD_IP_LOCAL_PORT, DFP_MATCH_EQUAL, 80),
		fx_cond_prefix(DFP_FIELD_IP_REMOTE_ADDRESS, fx_u128(fx_ip4(10, 0, 0, 0)), 8),
		fx_cond(DFP_FIELD_IP_LOCAL_PORT, DFP_MATCH_EQUAL, 443),
		fx_cond_prefix(DFP_FIELD_IP_REMOTE_ADDRESS, fx_u128(fx_ip4(192, 168, 0, 0)), 16),
	};
	struct fx *f = *state;
	struct dfp_engine_values v;

	one_filter(f, FX_L4, c, 4);
	v = pkt(6, 0, 80, fx_ip4(10, 1, 1, 1), 1);
	assert_true(hits(f, FX_L4, &v));
	v = pkt(6, 0, 443, fx_ip4(192, 168, 3, 3), 1);
	assert_true(hits(f, FX_L4, &v));
	v = pkt(6, 0, 443, fx_ip4(172, 16, 0, 1), 1);
	assert_false(hits(f, FX_L4, &v));
	v = pkt(6, 0, 22, fx_ip4(10, 1, 1, 1), 1);
	assert_false(hits(f, FX_L4, &v));
}

static void
test_match_zero_conditions_match_everything(void **state)
{
	struct fx *f = *state;
	struct dfp_engine_values v;

	one_filter(f, FX_L4, NULL, 0);
	v = port_pkt(1);
	assert_true(hits(f, FX_L4, &v));
	memset(&v, 0xff, sizeof(v));
	assert_true(hits(f, FX_L4, &v));
	memset(&v, 0, sizeof(v));
	assert_true(hits(f, FX_L4, &v));
}

static void
test_match_filters_apply_only_at_their_layer(void **state)
{
	struct fx *f = *state;
	struct dfp_engine_values v = port_pkt(80);

	one_filter(f, FX_L4, NULL, 0);
	assert_false(hits(f, DFP_LAYER_OUTBOUND_TRANSPORT_V4, &v));
	assert_false(hits(f, FX_L6, &v));
}

static void
test_match_empty_ruleset_matches_nothing(void **state)
{
	struct dfp_engine_values v = port_pkt(80);
	const struct dfp_engine_values *vals[1] = {&v};
	struct dfp_engine_verdict out;
	uint64_t row[4] = {1, 1, 1, 1};

	(void)state;
	dfp_engine_classify_burst(NULL, FX_L4, vals, NULL, 1, NULL, &out);
	assert_int_equal(out.action, DFP_ACTION_NONE_NO_MATCH);
	assert_int_equal(dfp_engine_match_burst(NULL, FX_L4, vals, 1, 4, row), 0);
	assert_int_equal(row[0], 0);
}

static void
test_match_burst_reports_first_match_per_sublayer(void **state)
{
	struct dfp_engine_cond port80 = fx_cond(DFP_FIELD_IP_LOCAL_PORT, DFP_MATCH_EQUAL, 80);
	struct dfp_engine_filter_spec s;
	struct dfp_engine_values v = port_pkt(80);
	const struct dfp_engine_values *vals[1] = {&v};
	struct fx *f = *state;
	uint64_t hi_any, hi_80, lo_80, row[4];
	struct dfp_guid hi, lo;

	fx_begin(f);
	hi = fx_add_sublayer(f, "high", 0xF000);
	lo = fx_add_sublayer(f, "low", 0x0100);
	s = fx_spec_w("hi-any", FX_L4, DFP_ACTION_PERMIT, 1);
	s.sublayer_key = hi;
	hi_any = fx_add(f, &s);
	s = fx_spec_w("hi-80", FX_L4, DFP_ACTION_BLOCK, 2);
	s.sublayer_key = hi;
	s.conds = &port80;
	s.n_conds = 1;
	hi_80 = fx_add(f, &s);
	s.name = "lo-80";
	s.sublayer_key = lo;
	lo_80 = fx_add(f, &s);
	fx_commit(f);

	assert_int_equal(dfp_engine_match_burst(dfp_engine_ruleset_current(f->eng), FX_L4, vals,
		1, 4, row), 2);
	assert_int_equal(row[0], hi_80);
	assert_int_equal(row[1], lo_80);
	v.local_port = 81;
	assert_int_equal(dfp_engine_match_burst(dfp_engine_ruleset_current(f->eng), FX_L4, vals,
		1, 4, row), 2);
	assert_int_equal(row[0], hi_any);
	assert_int_equal(row[1], 0);
}

static void
test_match_burst_of_64_packets_is_per_packet(void **state)
{
	struct dfp_engine_cond c = fx_cond_range(DFP_FIELD_IP_LOCAL_PORT, 100, 131);
	const struct dfp_engine_values *vals[DFP_ENGINE_BURST_MAX];
	struct dfp_engine_values v[DFP_ENGINE_BURST_MAX];
	struct dfp_engine_verdict out[DFP_ENGINE_BURST_MAX];
	uint64_t row[DFP_ENGINE_BURST_MAX];
	struct fx *f = *state;
	uint64_t id;
	unsigned int i;

	id = one_filter(f, FX_L4, &c, 1);
	for (i = 0; i < DFP_ENGINE_BURST_MAX; i++) {
		v[i] = port_pkt((uint16_t)(84 + i));
		vals[i] = &v[i];
	}
	dfp_engine_classify_burst(dfp_engine_ruleset_current(f->eng), FX_L4, vals, NULL,
		DFP_ENGINE_BURST_MAX, NULL, out);
	dfp_engine_match_burst(dfp_engine_ruleset_current(f->eng), FX_L4, vals,
		DFP_ENGINE_BURST_MAX, 1, row);
	for (i = 0; i < DFP_ENGINE_BURST_MAX; i++) {
		bool in = v[i].local_port >= 100 && v[i].local_port <= 131;

		assert_int_equal(row[i], in ? id : 0);
		assert_int_equal(out[i].action, in ? DFP_ACTION_PERMIT : DFP_ACTION_NONE_NO_MATCH);
	}
}

static void
test_match_callout_fall_through_uses_same_condition_semantics(void **state)
{
	/*
	 * A callout reached by CONTINUE fall-through is matched by the exact
	 * evaluator, not the compiled lookup: its range must still include
	 * both ends.
	 */
	struct dfp_engine_cond r = fx_cond_range(DFP_FIELD_IP_LOCAL_PORT, 100, 200);
	struct dfp_engine_filter_spec s;
	struct fx *f = *state;
	struct dfp_guid k1 = fx_guid_n(1), k2 = fx_guid_n(2);
	struct dfp_engine_values v;
	uint64_t ranged, blk;
	uint32_t c1, c2;

	fx_begin(f);
	c1 = fx_add_callout(f, &k1, FX_L4);
	c2 = fx_add_callout(f, &k2, FX_L4);
	s = fx_spec_w("insp", FX_L4, DFP_ACTION_CALLOUT_INSPECTION, 50);
	s.callout_key = k1;
	fx_add(f, &s);
	s = fx_spec_w("ranged", FX_L4, DFP_ACTION_CALLOUT_UNKNOWN, 40);
	s.callout_key = k2;
	s.conds = &r;
	s.n_conds = 1;
	ranged = fx_add(f, &s);
	s = fx_spec_w("block", FX_L4, DFP_ACTION_BLOCK, 10);
	blk = fx_add(f, &s);
	fx_commit(f);
	fx_env_add(&f->env, c1, DFP_ACTION_CONTINUE);
	fx_env_add(&f->env, c2, DFP_ACTION_PERMIT);
	v = port_pkt(100);
	assert_int_equal(fx_classify(f, FX_L4, &v).filter_id, ranged);
	v = port_pkt(200);
	assert_int_equal(fx_classify(f, FX_L4, &v).filter_id, ranged);
	v = port_pkt(99);
	assert_int_equal(fx_classify(f, FX_L4, &v).filter_id, blk);
	v = port_pkt(201);
	assert_int_equal(fx_classify(f, FX_L4, &v).filter_id, blk);
}

/* ---- Condition validation statuses ---- */

static void
test_cond_field_not_at_layer_is_condition_not_found(void **state)
{
	struct dfp_engine_cond dir = fx_cond(DFP_FIELD_DIRECTION, DFP_MATCH_EQUAL, 1);
	struct dfp_engine_cond mac = fx_cond(DFP_FIELD_MAC_LOCAL_ADDRESS, DFP_MATCH_EQUAL, 1);
	struct dfp_engine_cond port = fx_cond(DFP_FIELD_IP_LOCAL_PORT, DFP_MATCH_EQUAL, 1);
	struct dfp_engine_cond bogus = fx_cond((enum dfp_field)DFP_FIELD_COUNT,
		DFP_MATCH_EQUAL, 1);
	struct fx *f = *state;

	assert_int_equal(try_add(f, FX_L4, &dir, 1), DFP_STATUS_FWP_CONDITION_NOT_FOUND);
	assert_int_equal(try_add(f, FX_L4, &mac, 1), DFP_STATUS_FWP_CONDITION_NOT_FOUND);
	assert_int_equal(try_add(f, FX_MAC, &port, 1), DFP_STATUS_FWP_CONDITION_NOT_FOUND);
	assert_int_equal(try_add(f, FX_L4, &bogus, 1), DFP_STATUS_FWP_CONDITION_NOT_FOUND);
}

static void
test_cond_flags_on_ipv6_address_is_match_type_mismatch(void **state)
{
	struct dfp_engine_cond c = fx_cond128(DFP_FIELD_IP_REMOTE_ADDRESS,
		DFP_MATCH_FLAGS_ANY_SET, fx_ip6("::1"));
	struct fx *f = *state;

	assert_int_equal(try_add(f, FX_L6, &c, 1), DFP_STATUS_FWP_MATCH_TYPE_MISMATCH);
}

static void
test_cond_flags_on_mac_is_match_type_mismatch(void **state)
{
	struct dfp_engine_cond c = fx_cond(DFP_FIELD_MAC_REMOTE_ADDRESS,
		DFP_MATCH_FLAGS_ALL_SET, 1);
	struct fx *f = *state;

	assert_int_equal(try_add(f, FX_MAC, &c, 1), DFP_STATUS_FWP_MATCH_TYPE_MISMATCH);
}

static void
test_cond_case_insensitive_is_match_type_mismatch(void **state)
{
	struct dfp_engine_cond c = fx_cond(DFP_FIELD_IP_LOCAL_PORT,
		DFP_MATCH_EQUAL_CASE_INSENSITIVE, 80);
	struct fx *f = *state;

	assert_int_equal(try_add(f, FX_L4, &c, 1), DFP_STATUS_FWP_MATCH_TYPE_MISMATCH);
}

static void
test_cond_prefix_with_ordering_match_is_match_type_mismatch(void **state)
{
	struct dfp_engine_cond c = fx_cond_prefix(DFP_FIELD_IP_REMOTE_ADDRESS,
		fx_u128(fx_ip4(10, 0, 0, 0)), 8);
	struct fx *f = *state;

	c.match = DFP_MATCH_GREATER;
	assert_int_equal(try_add(f, FX_L4, &c, 1), DFP_STATUS_FWP_MATCH_TYPE_MISMATCH);
}

static void
test_cond_range_low_above_high_is_invalid_range(void **state)
{
	struct dfp_engine_cond c = fx_cond_range(DFP_FIELD_IP_LOCAL_PORT, 200, 100);
	struct dfp_engine_cond c6 = fx_cond_range128(DFP_FIELD_IP_REMOTE_ADDRESS,
		fx_ip6("2001:db8::2"), fx_ip6("2001:db8::1"));
	struct fx *f = *state;

	assert_int_equal(try_add(f, FX_L4, &c, 1), DFP_STATUS_FWP_INVALID_RANGE);
	assert_int_equal(try_add(f, FX_L6, &c6, 1), DFP_STATUS_FWP_INVALID_RANGE);
}

static void
test_cond_ipv4_prefix_above_32_is_invalid_net_mask(void **state)
{
	struct dfp_engine_cond c = fx_cond_prefix(DFP_FIELD_IP_REMOTE_ADDRESS,
		fx_u128(fx_ip4(10, 0, 0, 0)), 33);
	struct fx *f = *state;

	assert_int_equal(try_add(f, FX_L4, &c, 1), DFP_STATUS_FWP_INVALID_NET_MASK);
}

static void
test_cond_ipv6_prefix_above_128_is_invalid_net_mask(void **state)
{
	struct dfp_engine_cond c = fx_cond_prefix(DFP_FIELD_IP_REMOTE_ADDRESS,
		fx_ip6("2001:db8::"), 129);
	struct fx *f = *state;

	assert_int_equal(try_add(f, FX_L6, &c, 1), DFP_STATUS_FWP_INVALID_NET_MASK);
}

static void
test_cond_prefix_on_non_address_is_type_mismatch(void **state)
{
	struct dfp_engine_cond c = fx_cond(DFP_FIELD_IP_LOCAL_PORT, DFP_MATCH_EQUAL, 80);
	struct fx *f = *state;

	c.has_prefix = 1;
	c.prefix_len = 8;
	assert_int_equal(try_add(f, FX_L4, &c, 1), DFP_STATUS_FWP_TYPE_MISMATCH);
}

static void
test_cond_port_70000_is_out_of_bounds(void **state)
{
	struct dfp_engine_cond c = fx_cond(DFP_FIELD_IP_LOCAL_PORT, DFP_MATCH_EQUAL, 70000);
	struct dfp_engine_cond r = fx_cond_range(DFP_FIELD_IP_REMOTE_PORT, 1, 70000);
	struct fx *f = *state;

	assert_int_equal(try_add(f, FX_L4, &c, 1), DFP_STATUS_FWP_OUT_OF_BOUNDS);
	assert_int_equal(try_add(f, FX_L4, &r, 1), DFP_STATUS_FWP_OUT_OF_BOUNDS);
}

static void
test_cond_value_wider_than_field_is_out_of_bounds(void **state)
{
	struct dfp_engine_cond proto = fx_cond(DFP_FIELD_IP_PROTOCOL, DFP_MATCH_EQUAL, 256);
	struct dfp_engine_cond addr = fx_cond(DFP_FIELD_IP_REMOTE_ADDRESS, DFP_MATCH_EQUAL,
		UINT64_C(0x100000000));
	struct dfp_engine_cond mac = fx_cond(DFP_FIELD_MAC_LOCAL_ADDRESS, DFP_MATCH_EQUAL,
		UINT64_C(1) << 48);
	struct fx *f = *state;

	assert_int_equal(try_add(f, FX_L4, &proto, 1), DFP_STATUS_FWP_OUT_OF_BOUNDS);
	assert_int_equal(try_add(f, FX_L4, &addr, 1), DFP_STATUS_FWP_OUT_OF_BOUNDS);
	assert_int_equal(try_add(f, FX_MAC, &mac, 1), DFP_STATUS_FWP_OUT_OF_BOUNDS);
}

static void
test_cond_rejected_filter_is_not_added(void **state)
{
	struct dfp_engine_cond c[2] = {
		fx_cond(DFP_FIELD_IP_LOCAL_PORT, DFP_MATCH_EQUAL, 80),
		fx_cond_range(DFP_FIELD_IP_REMOTE_PORT, 9, 1),
	};
	struct dfp_engine_filter_spec s = fx_spec("bad", FX_L4, DFP_ACTION_PERMIT);
	struct fx *f = *state;

	s.conds = c;
	s.n_conds = 2;
	fx_begin(f);
	assert_int_equal(dfp_engine_filter_add(f->eng, &s, 0, NULL), DFP_STATUS_FWP_INVALID_RANGE);
	assert_int_equal(dfp_engine_filter_count(f->eng), 0);
	fx_commit(f);
	assert_int_equal(dfp_engine_ruleset_filter_count(dfp_engine_ruleset_current(f->eng),
		FX_L4), 0);
}

static int
group_setup(void **state)
{
	(void)state;
	return dfp_test_eal_init(NULL, 0);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, match_setup, fx_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_match_equal_port),
		T(test_match_greater_is_strict),
		T(test_match_less_is_strict),
		T(test_match_greater_or_equal_includes_bound),
		T(test_match_less_or_equal_includes_bound),
		T(test_match_range_is_inclusive_at_both_ends),
		T(test_match_range_of_one_value),
		T(test_match_flags_all_set_needs_every_bit),
		T(test_match_flags_any_set_needs_one_bit),
		T(test_match_flags_none_set_rejects_any_bit),
		T(test_match_not_equal_protocol),
		T(test_match_not_equal_prefix_excludes_whole_block),
		T(test_match_ipv4_address_exact),
		T(test_match_ipv4_local_address_exact),
		T(test_match_ipv4_prefix_0_matches_everything),
		T(test_match_ipv4_prefix_8),
		T(test_match_ipv4_prefix_ignores_host_bits_of_value),
		T(test_match_ipv4_prefix_32_is_one_address),
		T(test_match_ipv4_address_range),
		T(test_match_flags_on_ipv4_address_are_allowed),
		T(test_match_ipv6_address_exact),
		T(test_match_ipv6_prefix_64),
		T(test_match_ipv6_prefix_56_inside_upper_half),
		T(test_match_ipv6_prefix_72_crosses_into_lower_half),
		T(test_match_ipv6_prefix_0_and_128),
		T(test_match_ipv6_range_across_halves),
		T(test_match_ipv6_greater_compares_as_128_bit_number),
		T(test_match_remote_port_range),
		T(test_match_protocol_equal),
		T(test_match_interface_index),
		T(test_match_vlan_at_transport_layer),
		T(test_match_vlan_range_at_mac_layer),
		T(test_match_mac_address_equal),
		T(test_match_mac_address_range),
		T(test_match_ether_type_at_mac_layer),
		T(test_match_same_field_conditions_are_ored),
		T(test_match_different_fields_are_anded),
		T(test_match_or_groups_and_together),
		T(test_match_zero_conditions_match_everything),
		T(test_match_filters_apply_only_at_their_layer),
		T(test_match_empty_ruleset_matches_nothing),
		T(test_match_burst_reports_first_match_per_sublayer),
		T(test_match_burst_of_64_packets_is_per_packet),
		T(test_match_callout_fall_through_uses_same_condition_semantics),
		T(test_cond_field_not_at_layer_is_condition_not_found),
		T(test_cond_flags_on_ipv6_address_is_match_type_mismatch),
		T(test_cond_flags_on_mac_is_match_type_mismatch),
		T(test_cond_case_insensitive_is_match_type_mismatch),
		T(test_cond_prefix_with_ordering_match_is_match_type_mismatch),
		T(test_cond_range_low_above_high_is_invalid_range),
		T(test_cond_ipv4_prefix_above_32_is_invalid_net_mask),
		T(test_cond_ipv6_prefix_above_128_is_invalid_net_mask),
		T(test_cond_prefix_on_non_address_is_type_mismatch),
		T(test_cond_port_70000_is_out_of_bounds),
		T(test_cond_value_wider_than_field_is_out_of_bounds),
		T(test_cond_rejected_filter_is_not_added),
	};

	return cmocka_run_group_tests(tests, group_setup, NULL);
}
