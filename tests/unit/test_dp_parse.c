/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The datapath parser on frames built here, byte by byte. Every frame is
 * parsed from a heap copy of exactly `len` bytes, so under ASan any read
 * past `len` is reported.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>

#include <cmocka.h>

#include "dfp_dp_parse.h"

#define FRAME_MAX 2048

static const uint8_t dst_mac[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
static const uint8_t src_mac[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x02};
static const uint8_t ip6_src[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 0x01};
static const uint8_t ip6_dst[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 0x02};

/* Frame builders. Each writes one header at `off` and returns its end. */

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

/* Ethernet with n tags (tpids[i], vids[i]) and then ethertype et. */
static uint32_t
build_eth(uint8_t *b, const uint16_t *tpids, const uint16_t *tcis, unsigned int n, uint16_t et)
{
	uint32_t off = 12;
	unsigned int i;

	memcpy(b, dst_mac, 6);
	memcpy(b + 6, src_mac, 6);
	for (i = 0; i < n; i++) {
		put16(b + off, tpids[i]);
		put16(b + off + 2, tcis[i]);
		off += 4;
	}
	put16(b + off, et);
	return off + 2;
}

static uint32_t
build_eth_plain(uint8_t *b, uint16_t et)
{
	return build_eth(b, NULL, NULL, 0, et);
}

/* IPv4 with opt_words 32-bit words of NOP options; DSCP 46; total length set by ipv4_end. */
static uint32_t
build_ipv4(uint8_t *b, uint32_t off, uint8_t proto, unsigned int opt_words, uint16_t frag_field)
{
	uint8_t *ip = b + off;
	uint32_t ihl = 20 + 4 * opt_words;

	memset(ip, 0, ihl);
	ip[0] = (uint8_t)(0x40 | (ihl / 4));
	ip[1] = 0xb8;
	put16(ip + 4, 0x1234);
	put16(ip + 6, frag_field);
	ip[8] = 64;
	ip[9] = proto;
	put32(ip + 12, 0x0a000001);
	put32(ip + 16, 0xc0a80102);
	memset(ip + 20, 0x01, ihl - 20);
	return off + ihl;
}

static void
ipv4_end(uint8_t *b, uint32_t l3, uint32_t end)
{
	put16(b + l3 + 2, (uint16_t)(end - l3));
}

/* IPv6 with traffic class 0xb8 (DSCP 46); payload length set by ipv6_end. */
static uint32_t
build_ipv6(uint8_t *b, uint32_t off, uint8_t nh)
{
	uint8_t *ip = b + off;

	put32(ip, 0x60000000u | (0xb8u << 20) | 0x12345u);
	put16(ip + 4, 0);
	ip[6] = nh;
	ip[7] = 64;
	memcpy(ip + 8, ip6_src, 16);
	memcpy(ip + 24, ip6_dst, 16);
	return off + 40;
}

static void
ipv6_end(uint8_t *b, uint32_t l3, uint32_t end)
{
	put16(b + l3 + 4, (uint16_t)(end - l3 - 40));
}

/* Hop-by-hop, routing or destination options: (len_field + 1) * 8 bytes. */
static uint32_t
build_ext(uint8_t *b, uint32_t off, uint8_t nh, uint8_t len_field)
{
	uint32_t size = ((uint32_t)len_field + 1) * 8;

	memset(b + off, 0, size);
	b[off] = nh;
	b[off + 1] = len_field;
	return off + size;
}

/* Authentication header: (len_field + 2) * 4 bytes. */
static uint32_t
build_ah(uint8_t *b, uint32_t off, uint8_t nh, uint8_t len_field)
{
	uint32_t size = ((uint32_t)len_field + 2) * 4;

	memset(b + off, 0xaa, size);
	b[off] = nh;
	b[off + 1] = len_field;
	return off + size;
}

static uint32_t
build_frag6(uint8_t *b, uint32_t off, uint8_t nh, uint16_t offset, int more, uint32_t id)
{
	b[off] = nh;
	b[off + 1] = 0;
	put16(b + off + 2, (uint16_t)(offset | (more ? 1 : 0)));
	put32(b + off + 4, id);
	return off + 8;
}

static uint32_t
build_tcp(uint8_t *b, uint32_t off, unsigned int doff_words, uint8_t flags)
{
	uint8_t *t = b + off;
	uint32_t size = doff_words >= 5 ? doff_words * 4 : 20;

	memset(t, 0, size);
	put16(t, 40000);
	put16(t + 2, 443);
	put32(t + 4, 0x11223344);
	put32(t + 8, 0x55667788);
	t[12] = (uint8_t)(doff_words << 4);
	t[13] = flags;
	put16(t + 14, 65535);
	memset(t + 20, 0x01, size - 20);
	return off + size;
}

static uint32_t
build_udp(uint8_t *b, uint32_t off, uint16_t payload)
{
	put16(b + off, 5353);
	put16(b + off + 2, 53);
	put16(b + off + 4, (uint16_t)(8 + payload));
	put16(b + off + 6, 0);
	memset(b + off + 8, 0x5a, payload);
	return off + 8 + payload;
}

static uint32_t
build_icmp(uint8_t *b, uint32_t off, uint8_t type, uint8_t code)
{
	memset(b + off, 0, 8);
	b[off] = type;
	b[off + 1] = code;
	put16(b + off + 4, 0x0101);
	return off + 8;
}

static uint32_t
build_payload(uint8_t *b, uint32_t off, uint32_t n)
{
	memset(b + off, 0x77, n);
	return off + n;
}

/* Parse the first len bytes from an exact-size heap copy. */
static enum dfp_dp_drop
parse_copy(const uint8_t *b, uint32_t len, uint32_t frame_len, struct dfp_dp_pkt_info *out)
{
	uint8_t *copy = malloc(len);
	enum dfp_dp_drop drop;

	assert_true(copy != NULL || len == 0);
	if (len > 0)
		memcpy(copy, b, len);
	drop = dfp_dp_parse(copy, len, frame_len, out);
	free(copy);
	assert_int_equal(out->drop, drop);
	return drop;
}

static enum dfp_dp_drop
parse_whole(const uint8_t *b, uint32_t len, struct dfp_dp_pkt_info *out)
{
	return parse_copy(b, len, len, out);
}

/* The common IPv4 TCP frame: Ethernet, 20-byte IPv4, 20-byte TCP, n payload bytes. */
static uint32_t
frame_ipv4_tcp(uint8_t *b, uint32_t payload)
{
	uint32_t l3 = build_eth_plain(b, 0x0800);
	uint32_t end = build_ipv4(b, l3, 6, 0, 0x4000);

	end = build_payload(b, build_tcp(b, end, 5, 0x18), payload);
	ipv4_end(b, l3, end);
	return end;
}

/* Whole packets. */

static void
test_parse_ipv4_tcp_fields(void **state)
{
	struct dfp_dp_pkt_info pi;
	uint8_t b[FRAME_MAX];
	uint32_t n;

	(void)state;
	n = frame_ipv4_tcp(b, 10);
	assert_int_equal(parse_whole(b, n, &pi), DFP_DP_DROP_NONE);
	assert_memory_equal(pi.dst_mac, dst_mac, 6);
	assert_memory_equal(pi.src_mac, src_mac, 6);
	assert_int_equal(pi.n_vlans, 0);
	assert_int_equal(pi.ether_type, 0x0800);
	assert_int_equal(pi.family, 4);
	assert_int_equal(pi.frame_len, n);
	assert_int_equal(pi.l3_off, 14);
	assert_int_equal(pi.ip_len, 50);
	assert_int_equal(pi.src.v4, 0x0a000001);
	assert_int_equal(pi.dst.v4, 0xc0a80102);
	assert_int_equal(pi.proto, 6);
	assert_int_equal(pi.dscp, 46);
	assert_int_equal(pi.frag, 0);
	assert_int_equal(pi.frag_id, 0x1234);
	assert_int_equal(pi.l4_off, 34);
	assert_int_equal(pi.sport, 40000);
	assert_int_equal(pi.dport, 443);
	assert_int_equal(pi.tcp_seq, 0x11223344);
	assert_int_equal(pi.tcp_ack, 0x55667788);
	assert_int_equal(pi.tcp_flags, 0x18);
	assert_int_equal(pi.l4_payload_off, 54);
	assert_int_equal(pi.l4_payload_len, 10);
}

static void
test_parse_ipv4_udp_fields(void **state)
{
	struct dfp_dp_pkt_info pi;
	uint8_t b[FRAME_MAX];
	uint32_t l3, end;

	(void)state;
	l3 = build_eth_plain(b, 0x0800);
	end = build_udp(b, build_ipv4(b, l3, 17, 0, 0), 12);
	ipv4_end(b, l3, end);
	assert_int_equal(parse_whole(b, end, &pi), DFP_DP_DROP_NONE);
	assert_int_equal(pi.proto, 17);
	assert_int_equal(pi.sport, 5353);
	assert_int_equal(pi.dport, 53);
	assert_int_equal(pi.l4_off, 34);
	assert_int_equal(pi.l4_payload_off, 42);
	assert_int_equal(pi.l4_payload_len, 12);
	assert_int_equal(pi.tcp_flags, 0);
}

static void
test_parse_ipv4_icmp_type_code_in_ports(void **state)
{
	struct dfp_dp_pkt_info pi;
	uint8_t b[FRAME_MAX];
	uint32_t l3, end;

	(void)state;
	l3 = build_eth_plain(b, 0x0800);
	end = build_payload(b, build_icmp(b, build_ipv4(b, l3, 1, 0, 0), 3, 4), 28);
	ipv4_end(b, l3, end);
	assert_int_equal(parse_whole(b, end, &pi), DFP_DP_DROP_NONE);
	assert_int_equal(pi.proto, 1);
	assert_int_equal(pi.l4_off, 34);
	assert_int_equal(pi.sport, 3);
	assert_int_equal(pi.dport, 4);
}

static void
test_parse_ipv4_options_move_l4(void **state)
{
	struct dfp_dp_pkt_info pi;
	uint8_t b[FRAME_MAX];
	uint32_t l3, end;

	(void)state;
	l3 = build_eth_plain(b, 0x0800);
	end = build_tcp(b, build_ipv4(b, l3, 6, 10, 0), 5, 0x02);
	ipv4_end(b, l3, end);
	assert_int_equal(parse_whole(b, end, &pi), DFP_DP_DROP_NONE);
	assert_int_equal(pi.l4_off, 14 + 60);
	assert_int_equal(pi.sport, 40000);
	assert_int_equal(pi.tcp_flags, 0x02);
	assert_int_equal(pi.l4_payload_len, 0);
}

static void
test_parse_vlan_8100_single_tag(void **state)
{
	static const uint16_t tpids[] = {0x8100};
	static const uint16_t tcis[] = {0xe07b};
	struct dfp_dp_pkt_info pi;
	uint8_t b[FRAME_MAX];
	uint32_t l3, end;

	(void)state;
	l3 = build_eth(b, tpids, tcis, 1, 0x0800);
	end = build_tcp(b, build_ipv4(b, l3, 6, 0, 0), 5, 0x10);
	ipv4_end(b, l3, end);
	assert_int_equal(parse_whole(b, end, &pi), DFP_DP_DROP_NONE);
	assert_int_equal(pi.n_vlans, 1);
	assert_int_equal(pi.vlan_ids[0], 123);
	assert_int_equal(pi.ether_type, 0x0800);
	assert_int_equal(pi.l3_off, 18);
	assert_int_equal(pi.l4_off, 38);
	assert_int_equal(pi.dport, 443);
}

static void
test_parse_qinq_88a8_outer_8100_inner(void **state)
{
	static const uint16_t tpids[] = {0x88a8, 0x8100};
	static const uint16_t tcis[] = {0x000d, 0x200a};
	struct dfp_dp_pkt_info pi;
	uint8_t b[FRAME_MAX];
	uint32_t l3, end;

	(void)state;
	l3 = build_eth(b, tpids, tcis, 2, 0x0800);
	end = build_udp(b, build_ipv4(b, l3, 17, 0, 0), 4);
	ipv4_end(b, l3, end);
	assert_int_equal(parse_whole(b, end, &pi), DFP_DP_DROP_NONE);
	assert_int_equal(pi.n_vlans, 2);
	assert_int_equal(pi.vlan_ids[0], 13);
	assert_int_equal(pi.vlan_ids[1], 10);
	assert_int_equal(pi.l3_off, 22);
	assert_int_equal(pi.l4_off, 42);
	assert_int_equal(pi.sport, 5353);
}

static void
test_parse_qinq_9100_outer(void **state)
{
	static const uint16_t tpids[] = {0x9100, 0x8100};
	static const uint16_t tcis[] = {0x0fff, 0x0001};
	struct dfp_dp_pkt_info pi;
	uint8_t b[FRAME_MAX];
	uint32_t l3, end;

	(void)state;
	l3 = build_eth(b, tpids, tcis, 2, 0x86dd);
	end = build_udp(b, build_ipv6(b, l3, 17), 0);
	ipv6_end(b, l3, end);
	assert_int_equal(parse_whole(b, end, &pi), DFP_DP_DROP_NONE);
	assert_int_equal(pi.n_vlans, 2);
	assert_int_equal(pi.vlan_ids[0], 4095);
	assert_int_equal(pi.vlan_ids[1], 1);
	assert_int_equal(pi.family, 6);
	assert_int_equal(pi.l4_off, 22 + 40);
}

static void
test_parse_three_tags_drop_vlan_too_deep(void **state)
{
	static const uint16_t tpids[] = {0x8100, 0x8100, 0x8100};
	static const uint16_t tcis[] = {30, 20, 10};
	struct dfp_dp_pkt_info pi;
	uint8_t b[FRAME_MAX];
	uint32_t l3, end;

	(void)state;
	l3 = build_eth(b, tpids, tcis, 3, 0x0800);
	end = build_tcp(b, build_ipv4(b, l3, 6, 0, 0), 5, 0x10);
	ipv4_end(b, l3, end);
	assert_int_equal(parse_whole(b, end, &pi), DFP_DP_DROP_VLAN_TOO_DEEP);
	assert_int_equal(pi.family, 0);
}

static void
test_parse_ipv6_tcp_fields(void **state)
{
	struct dfp_dp_pkt_info pi;
	uint8_t b[FRAME_MAX];
	uint32_t l3, end;

	(void)state;
	l3 = build_eth_plain(b, 0x86dd);
	end = build_payload(b, build_tcp(b, build_ipv6(b, l3, 6), 8, 0x12), 5);
	ipv6_end(b, l3, end);
	assert_int_equal(parse_whole(b, end, &pi), DFP_DP_DROP_NONE);
	assert_int_equal(pi.family, 6);
	assert_int_equal(pi.ether_type, 0x86dd);
	assert_int_equal(pi.l3_off, 14);
	assert_int_equal(pi.ip_len, 40 + 32 + 5);
	assert_memory_equal(pi.src.v6, ip6_src, 16);
	assert_memory_equal(pi.dst.v6, ip6_dst, 16);
	assert_int_equal(pi.dscp, 46);
	assert_int_equal(pi.proto, 6);
	assert_int_equal(pi.l4_off, 54);
	assert_int_equal(pi.tcp_flags, 0x12);
	assert_int_equal(pi.tcp_seq, 0x11223344);
	assert_int_equal(pi.l4_payload_off, 54 + 32);
	assert_int_equal(pi.l4_payload_len, 5);
}

static void
test_parse_ipv6_udp_fields(void **state)
{
	struct dfp_dp_pkt_info pi;
	uint8_t b[FRAME_MAX];
	uint32_t l3, end;

	(void)state;
	l3 = build_eth_plain(b, 0x86dd);
	end = build_udp(b, build_ipv6(b, l3, 17), 100);
	ipv6_end(b, l3, end);
	assert_int_equal(parse_whole(b, end, &pi), DFP_DP_DROP_NONE);
	assert_int_equal(pi.proto, 17);
	assert_int_equal(pi.sport, 5353);
	assert_int_equal(pi.dport, 53);
	assert_int_equal(pi.l4_payload_off, 62);
	assert_int_equal(pi.l4_payload_len, 100);
}

static void
test_parse_ipv6_icmpv6_type_code_in_ports(void **state)
{
	struct dfp_dp_pkt_info pi;
	uint8_t b[FRAME_MAX];
	uint32_t l3, end;

	(void)state;
	l3 = build_eth_plain(b, 0x86dd);
	end = build_icmp(b, build_ipv6(b, l3, 58), 135, 0);
	ipv6_end(b, l3, end);
	assert_int_equal(parse_whole(b, end, &pi), DFP_DP_DROP_NONE);
	assert_int_equal(pi.proto, 58);
	assert_int_equal(pi.sport, 135);
	assert_int_equal(pi.dport, 0);
	assert_int_equal(pi.l4_off, 54);
}

/* Ethernet, IPv6, HBH (8), routing (24), dst opts (16), AH (24), TCP. */
static uint32_t
frame_ipv6_ext_chain(uint8_t *b, uint32_t *l4)
{
	uint32_t l3 = build_eth_plain(b, 0x86dd);
	uint32_t p = build_ipv6(b, l3, 0);

	p = build_ext(b, p, 43, 0);
	p = build_ext(b, p, 60, 2);
	p = build_ext(b, p, 51, 1);
	p = build_ah(b, p, 6, 4);
	*l4 = p;
	p = build_payload(b, build_tcp(b, p, 5, 0x10), 3);
	ipv6_end(b, l3, p);
	return p;
}

static void
test_parse_ipv6_ext_chain_hbh_routing_dstopts_ah(void **state)
{
	struct dfp_dp_pkt_info pi;
	uint8_t b[FRAME_MAX];
	uint32_t l4, end;

	(void)state;
	end = frame_ipv6_ext_chain(b, &l4);
	assert_int_equal(l4, 54 + 8 + 24 + 16 + 24);
	assert_int_equal(parse_whole(b, end, &pi), DFP_DP_DROP_NONE);
	assert_int_equal(pi.proto, 6);
	assert_int_equal(pi.l4_off, l4);
	assert_int_equal(pi.sport, 40000);
	assert_int_equal(pi.l4_payload_off, l4 + 20);
	assert_int_equal(pi.l4_payload_len, 3);
	assert_int_equal(pi.frag, 0);
}

static void
test_parse_ipv6_no_next_header_has_no_l4(void **state)
{
	struct dfp_dp_pkt_info pi;
	uint8_t b[FRAME_MAX];
	uint32_t l3, end;

	(void)state;
	l3 = build_eth_plain(b, 0x86dd);
	end = build_ext(b, build_ipv6(b, l3, 60), 59, 0);
	ipv6_end(b, l3, end);
	end = build_payload(b, end, 6); /* Ethernet padding. */
	assert_int_equal(parse_whole(b, end, &pi), DFP_DP_DROP_NONE);
	assert_int_equal(pi.proto, 59);
	assert_int_equal(pi.l4_off, 62);
	assert_int_equal(pi.sport, 0);
	assert_int_equal(pi.l4_payload_off, 0);
}

static uint32_t
frame_ipv6_n_dstopts(uint8_t *b, unsigned int n)
{
	uint32_t l3 = build_eth_plain(b, 0x86dd);
	uint32_t p = build_ipv6(b, l3, 60);
	unsigned int i;

	for (i = 0; i < n; i++)
		p = build_ext(b, p, i + 1 < n ? 60 : 17, 0);
	p = build_udp(b, p, 0);
	ipv6_end(b, l3, p);
	return p;
}

static void
test_parse_ipv6_max_ext_headers_parse(void **state)
{
	struct dfp_dp_pkt_info pi;
	uint8_t b[FRAME_MAX];
	uint32_t end;

	(void)state;
	end = frame_ipv6_n_dstopts(b, DFP_DP_MAX_IPV6_EXT);
	assert_int_equal(parse_whole(b, end, &pi), DFP_DP_DROP_NONE);
	assert_int_equal(pi.proto, 17);
	assert_int_equal(pi.l4_off, 54 + 8 * DFP_DP_MAX_IPV6_EXT);
}

static void
test_parse_ipv6_too_many_ext_headers_drop(void **state)
{
	struct dfp_dp_pkt_info pi;
	uint8_t b[FRAME_MAX];
	uint32_t end;

	(void)state;
	end = frame_ipv6_n_dstopts(b, DFP_DP_MAX_IPV6_EXT + 1);
	assert_int_equal(parse_whole(b, end, &pi), DFP_DP_DROP_IPV6_EXT_TOO_MANY);
}

static void
test_parse_ipv6_ext_past_payload_length_drop(void **state)
{
	struct dfp_dp_pkt_info pi;
	uint8_t b[FRAME_MAX];
	uint32_t l3, end;

	(void)state;
	/* HBH claims 88 bytes; the payload length covers 16 of them (plus padding). */
	l3 = build_eth_plain(b, 0x86dd);
	end = build_ext(b, build_ipv6(b, l3, 0), 17, 10);
	put16(b + l3 + 4, 16);
	assert_int_equal(parse_whole(b, end, &pi), DFP_DP_DROP_IPV6_EXT_TRUNCATED);
}

static void
test_parse_ipv6_ext_past_frame_drop(void **state)
{
	struct dfp_dp_pkt_info pi;
	uint8_t b[FRAME_MAX];
	uint32_t l3, end;

	(void)state;
	/* The routing header's start is inside the payload, its first 8 bytes are not. */
	l3 = build_eth_plain(b, 0x86dd);
	end = build_ext(b, build_ipv6(b, l3, 0), 43, 0);
	memset(b + end, 0, 4);
	end += 4;
	ipv6_end(b, l3, end);
	assert_int_equal(parse_whole(b, end, &pi), DFP_DP_DROP_IPV6_EXT_TRUNCATED);
}

/* Fragments. */

/* IPv4 UDP fragment: frag_field as in the header, n bytes of fragment data. */
static uint32_t
frame_ipv4_frag(uint8_t *b, uint8_t proto, uint16_t frag_field, uint32_t n, int with_udp)
{
	uint32_t l3 = build_eth_plain(b, 0x0800);
	uint32_t end = build_ipv4(b, l3, proto, 0, frag_field);

	if (with_udp) {
		end = build_udp(b, end, (uint16_t)(n - 8));
		put16(b + end - n + 4, 3000);
	} else {
		end = build_payload(b, end, n);
	}
	ipv4_end(b, l3, end);
	return end;
}

static void
test_parse_ipv4_first_fragment_has_ports(void **state)
{
	struct dfp_dp_pkt_info pi;
	uint8_t b[FRAME_MAX];
	uint32_t end;

	(void)state;
	end = frame_ipv4_frag(b, 17, 0x2000, 1480, 1);
	assert_int_equal(parse_whole(b, end, &pi), DFP_DP_DROP_NONE);
	assert_int_equal(pi.frag, DFP_DP_FRAG_IS_FRAGMENT | DFP_DP_FRAG_FIRST);
	assert_int_equal(pi.frag_offset, 0);
	assert_int_equal(pi.frag_id, 0x1234);
	assert_int_equal(pi.l4_off, 34);
	assert_int_equal(pi.sport, 5353);
	assert_int_equal(pi.dport, 53);
	assert_int_equal(pi.l4_payload_len, 1472);
}

static void
test_parse_ipv4_middle_fragment_has_no_ports(void **state)
{
	struct dfp_dp_pkt_info pi;
	uint8_t b[FRAME_MAX];
	uint32_t end;

	(void)state;
	end = frame_ipv4_frag(b, 17, 0x2000 | 185, 1480, 0);
	assert_int_equal(parse_whole(b, end, &pi), DFP_DP_DROP_NONE);
	assert_int_equal(pi.frag, DFP_DP_FRAG_IS_FRAGMENT);
	assert_int_equal(pi.frag_offset, 1480);
	assert_int_equal(pi.frag_id, 0x1234);
	assert_int_equal(pi.proto, 17);
	assert_int_equal(pi.l4_off, 0);
	assert_int_equal(pi.l4_payload_off, 0);
	assert_int_equal(pi.sport, 0);
	assert_int_equal(pi.dport, 0);
}

static void
test_parse_ipv4_last_fragment_has_no_ports(void **state)
{
	struct dfp_dp_pkt_info pi;
	uint8_t b[FRAME_MAX];
	uint32_t end;

	(void)state;
	end = frame_ipv4_frag(b, 17, 370, 100, 0);
	assert_int_equal(parse_whole(b, end, &pi), DFP_DP_DROP_NONE);
	assert_int_equal(pi.frag, DFP_DP_FRAG_IS_FRAGMENT | DFP_DP_FRAG_LAST);
	assert_int_equal(pi.frag_offset, 2960);
	assert_int_equal(pi.l4_off, 0);
	assert_int_equal(pi.sport, 0);
}

static void
test_parse_ipv4_df_is_not_a_fragment(void **state)
{
	struct dfp_dp_pkt_info pi;
	uint8_t b[FRAME_MAX];
	uint32_t end;

	(void)state;
	end = frame_ipv4_frag(b, 17, 0x4000, 20, 1);
	assert_int_equal(parse_whole(b, end, &pi), DFP_DP_DROP_NONE);
	assert_int_equal(pi.frag, 0);
	assert_int_equal(pi.frag_offset, 0);
}

static void
test_parse_ipv4_tiny_first_fragment_drop(void **state)
{
	struct dfp_dp_pkt_info pi;
	uint8_t b[FRAME_MAX];
	uint32_t end;

	(void)state;
	/* 16 bytes of TCP header in the first fragment. */
	end = frame_ipv4_frag(b, 6, 0x2000, 16, 0);
	assert_int_equal(parse_whole(b, end, &pi), DFP_DP_DROP_FRAG_TINY);
	assert_int_equal(pi.frag, DFP_DP_FRAG_IS_FRAGMENT | DFP_DP_FRAG_FIRST);
}

static void
test_parse_ipv4_first_fragment_splitting_tcp_options_is_tiny(void **state)
{
	struct dfp_dp_pkt_info pi;
	uint8_t b[FRAME_MAX];
	uint32_t l3, end;

	(void)state;
	/* A 40-byte TCP header, 24 bytes of it in the first fragment (zeek fragmented-syn). */
	l3 = build_eth_plain(b, 0x0800);
	end = build_ipv4(b, l3, 6, 0, 0x2000);
	build_tcp(b, end, 10, 0x02);
	end += 24;
	ipv4_end(b, l3, end);
	assert_int_equal(parse_whole(b, end, &pi), DFP_DP_DROP_FRAG_TINY);
}

static void
test_parse_ipv4_fragment_past_65535_oversize(void **state)
{
	struct dfp_dp_pkt_info pi;
	uint8_t b[FRAME_MAX];
	uint32_t end;

	(void)state;
	/* 65512 + 20 + 100 > 65535. */
	end = frame_ipv4_frag(b, 17, 8189, 100, 0);
	assert_int_equal(parse_whole(b, end, &pi), DFP_DP_DROP_FRAG_OVERSIZE);
}

static void
test_parse_ipv4_fragment_ending_at_65535_is_valid(void **state)
{
	struct dfp_dp_pkt_info pi;
	uint8_t b[FRAME_MAX];
	uint32_t end;

	(void)state;
	end = frame_ipv4_frag(b, 17, 8189, 3, 0);
	assert_int_equal(parse_whole(b, end, &pi), DFP_DP_DROP_NONE);
	assert_int_equal(pi.frag_offset, 65512);
}

/* IPv6 fragment: Ethernet, IPv6, HBH, Fragment, then UDP or data (n bytes). */
static uint32_t
frame_ipv6_frag(uint8_t *b, uint16_t offset, int more, uint32_t n, int with_udp)
{
	uint32_t l3 = build_eth_plain(b, 0x86dd);
	uint32_t p = build_ext(b, build_ipv6(b, l3, 0), 44, 0);

	p = build_frag6(b, p, 17, offset, more, 0xdeadbeef);
	if (with_udp)
		p = build_udp(b, p, (uint16_t)(n - 8));
	else
		p = build_payload(b, p, n);
	ipv6_end(b, l3, p);
	return p;
}

static void
test_parse_ipv6_first_fragment_has_ports(void **state)
{
	struct dfp_dp_pkt_info pi;
	uint8_t b[FRAME_MAX];
	uint32_t end;

	(void)state;
	end = frame_ipv6_frag(b, 0, 1, 1232, 1);
	assert_int_equal(parse_whole(b, end, &pi), DFP_DP_DROP_NONE);
	assert_int_equal(pi.frag, DFP_DP_FRAG_IS_FRAGMENT | DFP_DP_FRAG_FIRST);
	assert_int_equal(pi.frag_offset, 0);
	assert_int_equal(pi.frag_id, 0xdeadbeef);
	assert_int_equal(pi.proto, 17);
	assert_int_equal(pi.l4_off, 54 + 16);
	assert_int_equal(pi.sport, 5353);
	assert_int_equal(pi.dport, 53);
}

static void
test_parse_ipv6_middle_fragment_has_no_ports(void **state)
{
	struct dfp_dp_pkt_info pi;
	uint8_t b[FRAME_MAX];
	uint32_t end;

	(void)state;
	end = frame_ipv6_frag(b, 1232, 1, 1232, 0);
	assert_int_equal(parse_whole(b, end, &pi), DFP_DP_DROP_NONE);
	assert_int_equal(pi.frag, DFP_DP_FRAG_IS_FRAGMENT);
	assert_int_equal(pi.frag_offset, 1232);
	assert_int_equal(pi.frag_id, 0xdeadbeef);
	assert_int_equal(pi.proto, 17);
	assert_int_equal(pi.l4_off, 0);
	assert_int_equal(pi.sport, 0);
}

static void
test_parse_ipv6_last_fragment_has_no_ports(void **state)
{
	struct dfp_dp_pkt_info pi;
	uint8_t b[FRAME_MAX];
	uint32_t end;

	(void)state;
	end = frame_ipv6_frag(b, 2464, 0, 100, 0);
	assert_int_equal(parse_whole(b, end, &pi), DFP_DP_DROP_NONE);
	assert_int_equal(pi.frag, DFP_DP_FRAG_IS_FRAGMENT | DFP_DP_FRAG_LAST);
	assert_int_equal(pi.frag_offset, 2464);
	assert_int_equal(pi.l4_off, 0);
	assert_int_equal(pi.dport, 0);
}

static void
test_parse_ipv6_atomic_fragment_is_whole_packet(void **state)
{
	struct dfp_dp_pkt_info pi;
	uint8_t b[FRAME_MAX];
	uint32_t end;

	(void)state;
	end = frame_ipv6_frag(b, 0, 0, 20, 1);
	assert_int_equal(parse_whole(b, end, &pi), DFP_DP_DROP_NONE);
	assert_int_equal(pi.frag, 0);
	assert_int_equal(pi.frag_id, 0xdeadbeef);
	assert_int_equal(pi.sport, 5353);
}

static void
test_parse_ipv6_tiny_first_fragment_drop(void **state)
{
	struct dfp_dp_pkt_info pi;
	uint8_t b[FRAME_MAX];
	uint32_t end;

	(void)state;
	end = frame_ipv6_frag(b, 0, 1, 4, 0);
	assert_int_equal(parse_whole(b, end, &pi), DFP_DP_DROP_FRAG_TINY);
}

static void
test_parse_ipv6_fragment_past_65535_oversize(void **state)
{
	struct dfp_dp_pkt_info pi;
	uint8_t b[FRAME_MAX];
	uint32_t end;

	(void)state;
	/* HBH (8) + 65528 + 16 > 65535; 65528 + 7 would fit without the HBH. */
	end = frame_ipv6_frag(b, 65528, 0, 16, 0);
	assert_int_equal(parse_whole(b, end, &pi), DFP_DP_DROP_FRAG_OVERSIZE);
	end = frame_ipv6_frag(b, 65520, 0, 7, 0);
	assert_int_equal(parse_whole(b, end, &pi), DFP_DP_DROP_NONE);
}

/* Malformed headers. */

static void
test_parse_ipv4_bad_version_drop(void **state)
{
	struct dfp_dp_pkt_info pi;
	uint8_t b[FRAME_MAX];
	uint32_t n;

	(void)state;
	n = frame_ipv4_tcp(b, 0);
	b[14] = 0x65;
	assert_int_equal(parse_whole(b, n, &pi), DFP_DP_DROP_IPV4_BAD_VERSION);
}

static void
test_parse_ipv4_ihl_below_5_drop(void **state)
{
	struct dfp_dp_pkt_info pi;
	uint8_t b[FRAME_MAX];
	uint32_t n;

	(void)state;
	n = frame_ipv4_tcp(b, 0);
	b[14] = 0x44;
	assert_int_equal(parse_whole(b, n, &pi), DFP_DP_DROP_IPV4_BAD_IHL);
}

static void
test_parse_ipv4_ihl_past_frame_drop(void **state)
{
	struct dfp_dp_pkt_info pi;
	uint8_t b[FRAME_MAX];
	uint32_t l3, end;

	(void)state;
	l3 = build_eth_plain(b, 0x0800);
	end = build_ipv4(b, l3, 6, 0, 0) + 8;
	b[l3] = 0x4f;
	ipv4_end(b, l3, end);
	assert_int_equal(parse_whole(b, end, &pi), DFP_DP_DROP_IPV4_BAD_IHL);
}

static void
test_parse_ipv4_total_length_below_header_drop(void **state)
{
	struct dfp_dp_pkt_info pi;
	uint8_t b[FRAME_MAX];
	uint32_t l3, end;

	(void)state;
	/* IHL 15 with total length 20 (zeek ipv4-truncated-broken-header). */
	l3 = build_eth_plain(b, 0x0800);
	end = build_ipv4(b, l3, 1, 10, 0);
	put16(b + l3 + 2, 20);
	assert_int_equal(parse_whole(b, end, &pi), DFP_DP_DROP_IPV4_BAD_LENGTH);
	/* Total length 0 (BIG TCP / TSO) is below the header too. */
	put16(b + l3 + 2, 0);
	assert_int_equal(parse_whole(b, end, &pi), DFP_DP_DROP_IPV4_BAD_LENGTH);
}

static void
test_parse_ipv4_total_length_past_frame_drop(void **state)
{
	struct dfp_dp_pkt_info pi;
	uint8_t b[FRAME_MAX];
	uint32_t n;

	(void)state;
	n = frame_ipv4_tcp(b, 10);
	put16(b + 16, 51);
	assert_int_equal(parse_whole(b, n, &pi), DFP_DP_DROP_IPV4_BAD_LENGTH);
}

static void
test_parse_ipv6_bad_version_drop(void **state)
{
	struct dfp_dp_pkt_info pi;
	uint8_t b[FRAME_MAX];
	uint32_t l3, end;

	(void)state;
	l3 = build_eth_plain(b, 0x86dd);
	end = build_udp(b, build_ipv6(b, l3, 17), 0);
	ipv6_end(b, l3, end);
	b[l3] = 0x4b;
	assert_int_equal(parse_whole(b, end, &pi), DFP_DP_DROP_IPV6_BAD_VERSION);
}

static void
test_parse_ipv6_payload_length_past_frame_drop(void **state)
{
	struct dfp_dp_pkt_info pi;
	uint8_t b[FRAME_MAX];
	uint32_t l3, end;

	(void)state;
	l3 = build_eth_plain(b, 0x86dd);
	end = build_udp(b, build_ipv6(b, l3, 17), 0);
	put16(b + l3 + 4, 9);
	assert_int_equal(parse_whole(b, end, &pi), DFP_DP_DROP_IPV6_BAD_LENGTH);
}

static void
test_parse_tcp_data_offset_below_5_drop(void **state)
{
	struct dfp_dp_pkt_info pi;
	uint8_t b[FRAME_MAX];
	uint32_t n;

	(void)state;
	n = frame_ipv4_tcp(b, 20);
	b[34 + 12] = 0x40;
	assert_int_equal(parse_whole(b, n, &pi), DFP_DP_DROP_TCP_BAD_OFFSET);
}

static void
test_parse_tcp_data_offset_past_datagram_drop(void **state)
{
	struct dfp_dp_pkt_info pi;
	uint8_t b[FRAME_MAX];
	uint32_t n;

	(void)state;
	/* 60-byte header claimed, 20 + 20 bytes present. */
	n = frame_ipv4_tcp(b, 20);
	b[34 + 12] = 0xf0;
	assert_int_equal(parse_whole(b, n, &pi), DFP_DP_DROP_TCP_BAD_OFFSET);
}

static void
test_parse_udp_past_ip_length_is_l4_truncated(void **state)
{
	struct dfp_dp_pkt_info pi;
	uint8_t b[FRAME_MAX];
	uint32_t l3, end;

	(void)state;
	/* The IP datagram ends 4 bytes into the UDP header; the rest is padding. */
	l3 = build_eth_plain(b, 0x0800);
	end = build_udp(b, build_ipv4(b, l3, 17, 0, 0), 20);
	put16(b + l3 + 2, 24);
	assert_int_equal(parse_whole(b, end, &pi), DFP_DP_DROP_L4_TRUNCATED);
}

/* Lengths and bounds. */

static void
test_parse_ethernet_padding_bounded_by_ip_length(void **state)
{
	struct dfp_dp_pkt_info pi;
	uint8_t b[FRAME_MAX];
	uint32_t l3, end;

	(void)state;
	/* 28-byte IPv4 UDP datagram in a 60-byte frame. */
	l3 = build_eth_plain(b, 0x0800);
	end = build_udp(b, build_ipv4(b, l3, 17, 0, 0), 0);
	ipv4_end(b, l3, end);
	memset(b + end, 0xee, 60 - end);
	assert_int_equal(parse_whole(b, 60, &pi), DFP_DP_DROP_NONE);
	assert_int_equal(pi.frame_len, 60);
	assert_int_equal(pi.ip_len, 28);
	assert_int_equal(pi.l4_payload_off, 42);
	assert_int_equal(pi.l4_payload_len, 0);
}

static void
test_parse_headers_only_copy_uses_frame_len(void **state)
{
	struct dfp_dp_pkt_info pi;
	uint8_t b[FRAME_MAX];
	uint32_t n;

	(void)state;
	n = frame_ipv4_tcp(b, 1000);
	assert_int_equal(parse_copy(b, 54, n, &pi), DFP_DP_DROP_NONE);
	assert_int_equal(pi.frame_len, n);
	assert_int_equal(pi.ip_len, 1040);
	assert_int_equal(pi.l4_payload_len, 1000);
	assert_int_equal(pi.sport, 40000);
}

static void
test_parse_headers_only_copy_skips_tcp_options(void **state)
{
	struct dfp_dp_pkt_info pi;
	uint8_t b[FRAME_MAX];
	uint32_t l3, end;

	(void)state;
	l3 = build_eth_plain(b, 0x0800);
	end = build_payload(b, build_tcp(b, build_ipv4(b, l3, 6, 0, 0), 15, 0x02), 100);
	ipv4_end(b, l3, end);
	assert_int_equal(parse_copy(b, 54, end, &pi), DFP_DP_DROP_NONE);
	assert_int_equal(pi.l4_payload_off, 34 + 60);
	assert_int_equal(pi.l4_payload_len, 100);
}

static void
test_parse_len_beyond_frame_len_is_clamped(void **state)
{
	struct dfp_dp_pkt_info pi;
	uint8_t b[FRAME_MAX];
	uint32_t n;

	(void)state;
	/* The buffer holds the whole datagram, but the frame is said to end inside TCP. */
	n = frame_ipv4_tcp(b, 0);
	assert_int_equal(parse_copy(b, n, n - 1, &pi), DFP_DP_DROP_IPV4_BAD_LENGTH);
	assert_int_equal(pi.frame_len, n - 1);
}

/*
 * Cut a frame at every length from 0 to its end and check the drop reason,
 * region by region: for each cut, the expected reason is that of the first
 * region ending after the cut. Run once with len == frame_len == cut (a
 * short frame) and once with len == cut < frame_len (a short copy).
 */
struct cut_region {
	uint32_t end;
	enum dfp_dp_drop drop;
};

static void
check_cuts(
        const uint8_t *b, uint32_t n, const struct cut_region *r, unsigned int n_r, int short_copy)
{
	struct dfp_dp_pkt_info pi;
	enum dfp_dp_drop want;
	unsigned int i;
	uint32_t cut;

	for (cut = 0; cut <= n; cut++) {
		want = DFP_DP_DROP_NONE;
		for (i = 0; i < n_r; i++) {
			if (cut < r[i].end) {
				want = r[i].drop;
				break;
			}
		}
		if (parse_copy(b, cut, short_copy ? n : cut, &pi) != want)
			fail_msg("cut at %u of %u (%s): %s, want %s", cut, n,
			        short_copy ? "short copy" : "short frame",
			        dfp_dp_drop_name((enum dfp_dp_drop)pi.drop),
			        dfp_dp_drop_name(want));
	}
}

static void
test_parse_truncated_vlan_ipv4_options_tcp_at_every_byte(void **state)
{
	static const uint16_t tpids[] = {0x8100};
	static const uint16_t tcis[] = {42};
	uint8_t b[FRAME_MAX];
	uint32_t l3, l4, end;

	(void)state;
	l3 = build_eth(b, tpids, tcis, 1, 0x0800);
	l4 = build_ipv4(b, l3, 6, 3, 0);
	end = build_payload(b, build_tcp(b, l4, 8, 0x18), 4);
	ipv4_end(b, l3, end);
	{
		const struct cut_region frame[] = {
		        {l3, DFP_DP_DROP_L2_TRUNCATED},
		        {l3 + 20, DFP_DP_DROP_L3_TRUNCATED},
		        {l4, DFP_DP_DROP_IPV4_BAD_IHL},
		        {end, DFP_DP_DROP_IPV4_BAD_LENGTH},
		};
		const struct cut_region copy[] = {
		        {l3, DFP_DP_DROP_L2_TRUNCATED},
		        {l4, DFP_DP_DROP_L3_TRUNCATED},
		        {l4 + 20, DFP_DP_DROP_L4_TRUNCATED},
		};

		check_cuts(b, end, frame, RTE_DIM(frame), 0);
		check_cuts(b, end, copy, RTE_DIM(copy), 1);
	}
}

static void
test_parse_truncated_qinq_ipv6_ext_chain_at_every_byte(void **state)
{
	static const uint16_t tpids[] = {0x88a8, 0x8100};
	static const uint16_t tcis[] = {100, 200};
	uint8_t b[FRAME_MAX];
	uint32_t l3, p, last_ext, l4, end;

	(void)state;
	l3 = build_eth(b, tpids, tcis, 2, 0x86dd);
	p = build_ext(b, build_ipv6(b, l3, 0), 43, 1);
	p = build_ext(b, p, 44, 0);
	p = build_frag6(b, p, 51, 0, 1, 7);
	last_ext = p;
	l4 = build_ah(b, p, 6, 4);
	end = build_payload(b, build_tcp(b, l4, 5, 0x10), 2);
	ipv6_end(b, l3, end);
	{
		const struct cut_region frame[] = {
		        {l3, DFP_DP_DROP_L2_TRUNCATED},
		        {l3 + 40, DFP_DP_DROP_L3_TRUNCATED},
		        {end, DFP_DP_DROP_IPV6_BAD_LENGTH},
		};
		const struct cut_region copy[] = {
		        {l3, DFP_DP_DROP_L2_TRUNCATED},
		        {l3 + 40, DFP_DP_DROP_L3_TRUNCATED},
		        {last_ext + 8, DFP_DP_DROP_IPV6_EXT_TRUNCATED},
		        {l4 + 20, DFP_DP_DROP_L4_TRUNCATED},
		};

		check_cuts(b, end, frame, RTE_DIM(frame), 0);
		check_cuts(b, end, copy, RTE_DIM(copy), 1);
	}
}

static void
test_parse_truncated_ipv4_udp_and_icmpv6_at_every_byte(void **state)
{
	uint8_t b[FRAME_MAX];
	uint32_t l3, l4, end;

	(void)state;
	l3 = build_eth_plain(b, 0x0800);
	l4 = build_ipv4(b, l3, 17, 0, 0);
	end = build_udp(b, l4, 3);
	ipv4_end(b, l3, end);
	{
		const struct cut_region frame[] = {
		        {14, DFP_DP_DROP_L2_TRUNCATED},
		        {34, DFP_DP_DROP_L3_TRUNCATED},
		        {end, DFP_DP_DROP_IPV4_BAD_LENGTH},
		};
		const struct cut_region copy[] = {
		        {14, DFP_DP_DROP_L2_TRUNCATED},
		        {34, DFP_DP_DROP_L3_TRUNCATED},
		        {42, DFP_DP_DROP_L4_TRUNCATED},
		};

		check_cuts(b, end, frame, RTE_DIM(frame), 0);
		check_cuts(b, end, copy, RTE_DIM(copy), 1);
	}
	l3 = build_eth_plain(b, 0x86dd);
	end = build_icmp(b, build_ipv6(b, l3, 58), 128, 0);
	ipv6_end(b, l3, end);
	{
		const struct cut_region frame[] = {
		        {14, DFP_DP_DROP_L2_TRUNCATED},
		        {54, DFP_DP_DROP_L3_TRUNCATED},
		        {end, DFP_DP_DROP_IPV6_BAD_LENGTH},
		};
		const struct cut_region copy[] = {
		        {14, DFP_DP_DROP_L2_TRUNCATED},
		        {54, DFP_DP_DROP_L3_TRUNCATED},
		        {62, DFP_DP_DROP_L4_TRUNCATED},
		};

		check_cuts(b, end, frame, RTE_DIM(frame), 0);
		check_cuts(b, end, copy, RTE_DIM(copy), 1);
	}
}

/* Not IP, other protocols. */

static void
test_parse_arp_is_family_0_not_dropped(void **state)
{
	struct dfp_dp_pkt_info pi;
	uint8_t b[FRAME_MAX];
	uint32_t end;

	(void)state;
	end = build_payload(b, build_eth_plain(b, 0x0806), 28);
	assert_int_equal(parse_whole(b, end, &pi), DFP_DP_DROP_NONE);
	assert_int_equal(pi.family, 0);
	assert_int_equal(pi.ether_type, 0x0806);
	assert_int_equal(pi.l3_off, 0);
	assert_int_equal(pi.l4_off, 0);
	assert_memory_equal(pi.src_mac, src_mac, 6);
	/* Only the Ethernet header has to be there. */
	assert_int_equal(parse_whole(b, 14, &pi), DFP_DP_DROP_NONE);
}

static void
test_parse_arp_in_qinq_keeps_vlan_ids(void **state)
{
	static const uint16_t tpids[] = {0x88a8, 0x8100};
	static const uint16_t tcis[] = {7, 2001};
	struct dfp_dp_pkt_info pi;
	uint8_t b[FRAME_MAX];
	uint32_t end;

	(void)state;
	end = build_payload(b, build_eth(b, tpids, tcis, 2, 0x0806), 28);
	assert_int_equal(parse_whole(b, end, &pi), DFP_DP_DROP_NONE);
	assert_int_equal(pi.family, 0);
	assert_int_equal(pi.n_vlans, 2);
	assert_int_equal(pi.vlan_ids[1], 2001);
	assert_int_equal(pi.ether_type, 0x0806);
}

static void
test_parse_ipv4_gre_is_other_protocol(void **state)
{
	struct dfp_dp_pkt_info pi;
	uint8_t b[FRAME_MAX];
	uint32_t l3, end;

	(void)state;
	l3 = build_eth_plain(b, 0x0800);
	end = build_payload(b, build_ipv4(b, l3, 47, 1, 0), 4);
	ipv4_end(b, l3, end);
	assert_int_equal(parse_whole(b, end, &pi), DFP_DP_DROP_NONE);
	assert_int_equal(pi.proto, 47);
	assert_int_equal(pi.l4_off, 38);
	assert_int_equal(pi.sport, 0);
	assert_int_equal(pi.dport, 0);
	assert_int_equal(pi.l4_payload_off, 0);
	/* Even an empty payload is fine: nothing is read. */
	ipv4_end(b, l3, 38);
	assert_int_equal(parse_whole(b, 38, &pi), DFP_DP_DROP_NONE);
	assert_int_equal(pi.l4_off, 38);
}

static void
test_parse_ipv6_sctp_is_other_protocol(void **state)
{
	struct dfp_dp_pkt_info pi;
	uint8_t b[FRAME_MAX];
	uint32_t l3, end;

	(void)state;
	l3 = build_eth_plain(b, 0x86dd);
	end = build_payload(b, build_ext(b, build_ipv6(b, l3, 0), 132, 0), 12);
	ipv6_end(b, l3, end);
	assert_int_equal(parse_whole(b, end, &pi), DFP_DP_DROP_NONE);
	assert_int_equal(pi.proto, 132);
	assert_int_equal(pi.l4_off, 62);
	assert_int_equal(pi.sport, 0);
}

/* Names. */

static void
test_drop_names_are_lower_case_list_names(void **state)
{
	unsigned int i, j;
	const char *s;

	(void)state;
	assert_string_equal(dfp_dp_drop_name(DFP_DP_DROP_NONE), "none");
	assert_string_equal(dfp_dp_drop_name(DFP_DP_DROP_L2_TRUNCATED), "l2_truncated");
	assert_string_equal(dfp_dp_drop_name(DFP_DP_DROP_IPV6_EXT_TOO_MANY), "ipv6_ext_too_many");
	assert_string_equal(dfp_dp_drop_name(DFP_DP_DROP_SHUTDOWN), "shutdown");
	assert_string_equal(dfp_dp_drop_name(DFP_DP_DROP_COUNT), "unknown");
	assert_string_equal(dfp_dp_drop_desc(DFP_DP_DROP_COUNT), "unknown drop reason");
	assert_string_equal(dfp_dp_drop_desc(DFP_DP_DROP_VLAN_TOO_DEEP), "more than two VLAN tags");
	for (i = 0; i < DFP_DP_DROP_COUNT; i++) {
		s = dfp_dp_drop_name((enum dfp_dp_drop)i);
		for (j = 0; s[j] != '\0'; j++)
			assert_true((s[j] >= 'a' && s[j] <= 'z') || (s[j] >= '0' && s[j] <= '9') ||
			            s[j] == '_');
		for (j = 0; j < i; j++)
			assert_string_not_equal(s, dfp_dp_drop_name((enum dfp_dp_drop)j));
		assert_true(strlen(dfp_dp_drop_desc((enum dfp_dp_drop)i)) > 0);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_parse_ipv4_tcp_fields),
	        cmocka_unit_test(test_parse_ipv4_udp_fields),
	        cmocka_unit_test(test_parse_ipv4_icmp_type_code_in_ports),
	        cmocka_unit_test(test_parse_ipv4_options_move_l4),
	        cmocka_unit_test(test_parse_vlan_8100_single_tag),
	        cmocka_unit_test(test_parse_qinq_88a8_outer_8100_inner),
	        cmocka_unit_test(test_parse_qinq_9100_outer),
	        cmocka_unit_test(test_parse_three_tags_drop_vlan_too_deep),
	        cmocka_unit_test(test_parse_ipv6_tcp_fields),
	        cmocka_unit_test(test_parse_ipv6_udp_fields),
	        cmocka_unit_test(test_parse_ipv6_icmpv6_type_code_in_ports),
	        cmocka_unit_test(test_parse_ipv6_ext_chain_hbh_routing_dstopts_ah),
	        cmocka_unit_test(test_parse_ipv6_no_next_header_has_no_l4),
	        cmocka_unit_test(test_parse_ipv6_max_ext_headers_parse),
	        cmocka_unit_test(test_parse_ipv6_too_many_ext_headers_drop),
	        cmocka_unit_test(test_parse_ipv6_ext_past_payload_length_drop),
	        cmocka_unit_test(test_parse_ipv6_ext_past_frame_drop),
	        cmocka_unit_test(test_parse_ipv4_first_fragment_has_ports),
	        cmocka_unit_test(test_parse_ipv4_middle_fragment_has_no_ports),
	        cmocka_unit_test(test_parse_ipv4_last_fragment_has_no_ports),
	        cmocka_unit_test(test_parse_ipv4_df_is_not_a_fragment),
	        cmocka_unit_test(test_parse_ipv4_tiny_first_fragment_drop),
	        cmocka_unit_test(test_parse_ipv4_first_fragment_splitting_tcp_options_is_tiny),
	        cmocka_unit_test(test_parse_ipv4_fragment_past_65535_oversize),
	        cmocka_unit_test(test_parse_ipv4_fragment_ending_at_65535_is_valid),
	        cmocka_unit_test(test_parse_ipv6_first_fragment_has_ports),
	        cmocka_unit_test(test_parse_ipv6_middle_fragment_has_no_ports),
	        cmocka_unit_test(test_parse_ipv6_last_fragment_has_no_ports),
	        cmocka_unit_test(test_parse_ipv6_atomic_fragment_is_whole_packet),
	        cmocka_unit_test(test_parse_ipv6_tiny_first_fragment_drop),
	        cmocka_unit_test(test_parse_ipv6_fragment_past_65535_oversize),
	        cmocka_unit_test(test_parse_ipv4_bad_version_drop),
	        cmocka_unit_test(test_parse_ipv4_ihl_below_5_drop),
	        cmocka_unit_test(test_parse_ipv4_ihl_past_frame_drop),
	        cmocka_unit_test(test_parse_ipv4_total_length_below_header_drop),
	        cmocka_unit_test(test_parse_ipv4_total_length_past_frame_drop),
	        cmocka_unit_test(test_parse_ipv6_bad_version_drop),
	        cmocka_unit_test(test_parse_ipv6_payload_length_past_frame_drop),
	        cmocka_unit_test(test_parse_tcp_data_offset_below_5_drop),
	        cmocka_unit_test(test_parse_tcp_data_offset_past_datagram_drop),
	        cmocka_unit_test(test_parse_udp_past_ip_length_is_l4_truncated),
	        cmocka_unit_test(test_parse_ethernet_padding_bounded_by_ip_length),
	        cmocka_unit_test(test_parse_headers_only_copy_uses_frame_len),
	        cmocka_unit_test(test_parse_headers_only_copy_skips_tcp_options),
	        cmocka_unit_test(test_parse_len_beyond_frame_len_is_clamped),
	        cmocka_unit_test(test_parse_truncated_vlan_ipv4_options_tcp_at_every_byte),
	        cmocka_unit_test(test_parse_truncated_qinq_ipv6_ext_chain_at_every_byte),
	        cmocka_unit_test(test_parse_truncated_ipv4_udp_and_icmpv6_at_every_byte),
	        cmocka_unit_test(test_parse_arp_is_family_0_not_dropped),
	        cmocka_unit_test(test_parse_arp_in_qinq_keeps_vlan_ids),
	        cmocka_unit_test(test_parse_ipv4_gre_is_other_protocol),
	        cmocka_unit_test(test_parse_ipv6_sctp_is_other_protocol),
	        cmocka_unit_test(test_drop_names_are_lower_case_list_names),
	};

	return cmocka_run_group_tests_name("dp_parse", tests, NULL, NULL);
}
