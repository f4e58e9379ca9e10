/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The RSS key the datapath programs into multi-queue ports
 * (dfp_dp_rss_key()) is symmetric: with DPDK's software Toeplitz hash
 * (rte_softrss, rte_thash.h), hash(a, b, pa, pb) == hash(b, a, pb, pa) for
 * IPv4 and IPv6, with and without ports, over many random tuples. So both
 * directions of a flow land on the same queue, hence the same worker. A
 * control shows the check can fail: the usual (asymmetric) Toeplitz key
 * breaks it. No EAL needed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <rte_thash.h>

#include <cmocka.h>

#include "dfp_dp.h"

#define TUPLES 100000

/* The Toeplitz key of Microsoft's RSS verification suite: not symmetric. */
static const uint8_t asymmetric_key[40] = {
	0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67,
	0x25, 0x3d, 0x43, 0xa3, 0x8f, 0xb0, 0xd0, 0xca, 0x2b, 0xcb,
	0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3, 0x80, 0x30,
	0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
};

/* xorshift64*: deterministic, so a failure replays. */
static uint64_t rng_state = UINT64_C(0x9e3779b97f4a7c15);

static uint64_t
rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * UINT64_C(0x2545f4914f6cdd1d);
}

static uint32_t
hash_v4(const uint8_t *key, uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport,
		bool l4)
{
	struct rte_ipv4_tuple t;

	memset(&t, 0, sizeof(t));
	t.src_addr = src;
	t.dst_addr = dst;
	t.sport = sport;
	t.dport = dport;
	return rte_softrss((uint32_t *)&t, l4 ? RTE_THASH_V4_L4_LEN : RTE_THASH_V4_L3_LEN, key);
}

static uint32_t
hash_v6(const uint8_t *key, const uint8_t src[16], const uint8_t dst[16], uint16_t sport,
		uint16_t dport, bool l4)
{
	union rte_thash_tuple t;
	struct rte_ipv6_hdr ip;

	memset(&t, 0, sizeof(t));
	memset(&ip, 0, sizeof(ip));
	memcpy(ip.src_addr, src, 16);
	memcpy(ip.dst_addr, dst, 16);
	/* Addresses as the hash reads them: host-order 32-bit words. */
	rte_thash_load_v6_addrs(&ip, &t);
	t.v6.sport = sport;
	t.v6.dport = dport;
	return rte_softrss((uint32_t *)&t, l4 ? RTE_THASH_V6_L4_LEN : RTE_THASH_V6_L3_LEN, key);
}

static void
random_v6(uint8_t a[16])
{
	uint64_t x = rng(), y = rng();

	memcpy(a, &x, 8);
	memcpy(a + 8, &y, 8);
}

/* How many of TUPLES random tuples hash differently reversed (v4 and v6, L3 and L4). */
static unsigned int
asymmetric_tuples(const uint8_t *key)
{
	unsigned int i, bad = 0;

	for (i = 0; i < TUPLES; i++) {
		uint32_t a = (uint32_t)rng(), b = (uint32_t)rng();
		uint16_t pa = (uint16_t)rng(), pb = (uint16_t)rng();
		uint8_t a6[16], b6[16];
		bool l4 = i & 1;

		random_v6(a6);
		random_v6(b6);
		bad += hash_v4(key, a, b, pa, pb, l4) != hash_v4(key, b, a, pb, pa, l4);
		bad += hash_v6(key, a6, b6, pa, pb, l4) != hash_v6(key, b6, a6, pb, pa, l4);
	}
	return bad;
}

static void
test_dp_rss_key_is_forty_bytes_of_one_16_bit_pattern(void **state)
{
	const uint8_t *key;
	unsigned int len = 0, i;

	(void)state;
	key = dfp_dp_rss_key(&len);
	assert_non_null(key);
	/* Toeplitz over an IPv6 4-tuple (36 bytes) needs 36 + 4 key bytes. */
	assert_int_equal(len, 40);
	for (i = 2; i < len; i++)
		assert_int_equal(key[i], key[i % 2]);
	assert_ptr_equal(dfp_dp_rss_key(NULL), key);
}

static void
test_dp_rss_key_hashes_both_directions_of_a_tuple_alike(void **state)
{
	const uint8_t *key = dfp_dp_rss_key(NULL);

	(void)state;
	assert_int_equal(asymmetric_tuples(key), 0);
}

static void
test_dp_rss_hash_is_symmetric_for_swapped_ports_and_addresses_at_the_edges(void **state)
{
	static const uint8_t zero6[16], ones6[16] = {
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	};
	const uint8_t *key = dfp_dp_rss_key(NULL);
	uint32_t h;

	(void)state;
	assert_int_equal(hash_v4(key, 0, UINT32_MAX, 0, UINT16_MAX, true),
		hash_v4(key, UINT32_MAX, 0, UINT16_MAX, 0, true));
	assert_int_equal(hash_v4(key, 0x0a000001, 0x0a000002, 80, 80, true),
		hash_v4(key, 0x0a000002, 0x0a000001, 80, 80, true));
	assert_int_equal(hash_v6(key, zero6, ones6, 1, 65535, true),
		hash_v6(key, ones6, zero6, 65535, 1, true));
	/* Not trivially constant: different flows spread. */
	h = hash_v4(key, 0x0a000001, 0x0a000002, 1000, 80, true);
	assert_int_not_equal(h, hash_v4(key, 0x0a000001, 0x0a000003, 1000, 80, true));
}

static void
test_dp_rss_check_fails_with_an_asymmetric_key(void **state)
{
	(void)state;
	/* The control: the same check finds most tuples asymmetric under the usual key. */
	assert_true(asymmetric_tuples(asymmetric_key) > TUPLES);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dp_rss_key_is_forty_bytes_of_one_16_bit_pattern),
		cmocka_unit_test(test_dp_rss_key_hashes_both_directions_of_a_tuple_alike),
		cmocka_unit_test(
			test_dp_rss_hash_is_symmetric_for_swapped_ports_and_addresses_at_the_edges),
		cmocka_unit_test(test_dp_rss_check_fails_with_an_asymmetric_key),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
