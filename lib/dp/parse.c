/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The datapath's packet parser (dfp_dp_parse.h): one pass from the Ethernet
 * header to the transport header, every read bounds-checked.
 *
 * Two bounds, on purpose. `len` bounds what we may read: every header the
 * parser reads lies in [frame, frame + len). `frame_len` bounds what the
 * datagram may claim: IP total/payload length, IPv4 header length and the
 * transport header are checked against the IP datagram's end, which lies
 * within frame_len. So a caller that copied only the headers (len <
 * frame_len) still gets its IP length checks right, and a frame whose IP
 * length is shorter than the frame (Ethernet padding) is bounded by the IP
 * length, not by the frame.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_common.h>

#include "dfp_dp_parse.h"

#define ETHER_HDR_LEN 14
#define VLAN_HDR_LEN 4
#define ETHER_TYPE_IPV4 0x0800
#define ETHER_TYPE_IPV6 0x86DD
#define ETHER_TYPE_VLAN 0x8100  /* 802.1Q */
#define ETHER_TYPE_QINQ 0x88A8  /* 802.1ad */
#define ETHER_TYPE_QINQ1 0x9100 /* pre-standard QinQ outer tag */

#define IPV4_MIN_HDR_LEN 20
#define IPV4_MF 0x2000
#define IPV4_OFFSET_MASK 0x1FFF
#define IPV6_HDR_LEN 40
#define IPV6_FRAG_HDR_LEN 8
#define IPV6_FRAG_OFFSET_MASK 0xFFF8
#define IPV6_FRAG_M 0x0001
#define IP_MAX_DATAGRAM 65535u

#define PROTO_HOPOPTS 0
#define PROTO_ICMP 1
#define PROTO_TCP 6
#define PROTO_UDP 17
#define PROTO_ROUTING 43
#define PROTO_FRAGMENT 44
#define PROTO_AH 51
#define PROTO_ICMPV6 58
#define PROTO_DSTOPTS 60

#define TCP_MIN_HDR_LEN 20
#define UDP_HDR_LEN 8
#define ICMP_HDR_LEN 8

static inline uint16_t
rd16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return rte_be_to_cpu_16(v);
}

static inline uint32_t
rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return rte_be_to_cpu_32(v);
}

static inline bool
is_vlan_tpid(uint16_t et)
{
	return et == ETHER_TYPE_VLAN || et == ETHER_TYPE_QINQ || et == ETHER_TYPE_QINQ1;
}

/* The IPv6 extension headers we walk; anything else is the upper layer. */
static inline bool
is_ipv6_ext(uint8_t nh)
{
	return nh == PROTO_HOPOPTS || nh == PROTO_ROUTING || nh == PROTO_FRAGMENT ||
	       nh == PROTO_DSTOPTS || nh == PROTO_AH;
}

/*
 * Transport header at off; `end` is the IP datagram's end (<= frame_len),
 * `icmp_proto` the ICMP number of this IP version. Only TCP, UDP and ICMP
 * are parsed; other protocols keep l4_off pointing at their payload. A
 * header past the datagram is FRAG_TINY in a (first) fragment, where the
 * datagram is the fragment; a header past `len` only is L4_TRUNCATED: the
 * caller did not copy it. TCP options are never read, so only the fixed 20
 * bytes need to be in `len`; the data offset is checked against `end`.
 */
static inline enum dfp_dp_drop
parse_l4(const uint8_t *frame, uint32_t len, uint32_t off, uint32_t end, uint8_t icmp_proto,
        struct dfp_dp_pkt_info *out)
{
	const bool in_frag = (out->frag & DFP_DP_FRAG_IS_FRAGMENT) != 0;
	const uint8_t proto = out->proto;
	const uint8_t *l4;
	uint32_t hlen;

	out->l4_off = (uint16_t)off;
	if (proto == PROTO_TCP)
		hlen = TCP_MIN_HDR_LEN;
	else if (proto == PROTO_UDP)
		hlen = UDP_HDR_LEN;
	else if (proto == icmp_proto)
		hlen = ICMP_HDR_LEN;
	else
		return DFP_DP_DROP_NONE;

	if (off + hlen > end)
		return in_frag ? DFP_DP_DROP_FRAG_TINY : DFP_DP_DROP_L4_TRUNCATED;
	if (off + hlen > len)
		return DFP_DP_DROP_L4_TRUNCATED;
	l4 = frame + off;

	if (proto == icmp_proto) {
		out->sport = l4[0];
		out->dport = l4[1];
		return DFP_DP_DROP_NONE;
	}
	out->sport = rd16(l4);
	out->dport = rd16(l4 + 2);
	if (proto == PROTO_TCP) {
		out->tcp_seq = rd32(l4 + 4);
		out->tcp_ack = rd32(l4 + 8);
		out->tcp_flags = l4[13];
		hlen = (uint32_t)(l4[12] >> 4) << 2;
		if (hlen < TCP_MIN_HDR_LEN)
			return DFP_DP_DROP_TCP_BAD_OFFSET;
		if (off + hlen > end)
			return in_frag ? DFP_DP_DROP_FRAG_TINY : DFP_DP_DROP_TCP_BAD_OFFSET;
	}
	out->l4_payload_off = (uint16_t)(off + hlen);
	out->l4_payload_len = (uint16_t)(end - off - hlen);
	return DFP_DP_DROP_NONE;
}

static inline enum dfp_dp_drop
parse_ipv4(const uint8_t *frame, uint32_t len, uint32_t frame_len, uint32_t off,
        struct dfp_dp_pkt_info *out)
{
	const uint8_t *ip = frame + off;
	uint32_t ihl, tot, ff, fo;

	if (off + IPV4_MIN_HDR_LEN > len)
		return DFP_DP_DROP_L3_TRUNCATED;
	if ((ip[0] >> 4) != 4)
		return DFP_DP_DROP_IPV4_BAD_VERSION;
	ihl = (uint32_t)(ip[0] & 0x0F) << 2;
	if (ihl < IPV4_MIN_HDR_LEN || off + ihl > frame_len)
		return DFP_DP_DROP_IPV4_BAD_IHL;
	if (off + ihl > len)
		return DFP_DP_DROP_L3_TRUNCATED;
	/* A total length of 0 (Linux BIG TCP, TSO) is below the header. */
	tot = rd16(ip + 2);
	if (tot < ihl || off + tot > frame_len)
		return DFP_DP_DROP_IPV4_BAD_LENGTH;

	out->family = 4;
	out->l3_off = (uint16_t)off;
	out->ip_len = (uint16_t)tot;
	out->dscp = ip[1] >> 2;
	out->frag_id = rd16(ip + 4);
	out->proto = ip[9];
	out->src.v4 = rd32(ip + 12);
	out->dst.v4 = rd32(ip + 16);

	ff = rd16(ip + 6);
	if (ff & (IPV4_MF | IPV4_OFFSET_MASK)) {
		fo = (ff & IPV4_OFFSET_MASK) << 3;
		out->frag = DFP_DP_FRAG_IS_FRAGMENT | (fo == 0 ? DFP_DP_FRAG_FIRST : 0) |
		            ((ff & IPV4_MF) ? 0 : DFP_DP_FRAG_LAST);
		out->frag_offset = (uint16_t)fo;
		/* The reassembled datagram would be fo + tot bytes long. */
		if (fo + tot > IP_MAX_DATAGRAM)
			return DFP_DP_DROP_FRAG_OVERSIZE;
		if (fo != 0)
			return DFP_DP_DROP_NONE;
	}
	return parse_l4(frame, len, off + ihl, off + tot, PROTO_ICMP, out);
}

static inline enum dfp_dp_drop
parse_ipv6(const uint8_t *frame, uint32_t len, uint32_t frame_len, uint32_t off,
        struct dfp_dp_pkt_info *out)
{
	uint32_t vtf, end, lim, p, hlen, fw, fo;
	const uint8_t *ip = frame + off;
	const uint8_t *h;
	unsigned int n;
	uint8_t nh;

	if (off + IPV6_HDR_LEN > len)
		return DFP_DP_DROP_L3_TRUNCATED;
	vtf = rd32(ip);
	if ((vtf >> 28) != 6)
		return DFP_DP_DROP_IPV6_BAD_VERSION;
	end = off + IPV6_HDR_LEN + rd16(ip + 4);
	if (end > frame_len)
		return DFP_DP_DROP_IPV6_BAD_LENGTH;

	out->family = 6;
	out->l3_off = (uint16_t)off;
	out->ip_len = (uint16_t)RTE_MIN(end - off, IP_MAX_DATAGRAM);
	out->dscp = (uint8_t)((vtf >> 22) & 0x3F);
	memcpy(out->src.v6, ip + 8, 16);
	memcpy(out->dst.v6, ip + 24, 16);

	/*
	 * Walk the extension headers. Each one's first two bytes (next
	 * header, length) must be readable and inside the datagram; its body
	 * only has to be inside the datagram, since we never read it.
	 */
	nh = ip[6];
	p = off + IPV6_HDR_LEN;
	lim = RTE_MIN(len, end);
	for (n = 0; is_ipv6_ext(nh); n++) {
		if (n == DFP_DP_MAX_IPV6_EXT)
			return DFP_DP_DROP_IPV6_EXT_TOO_MANY;
		if (p + 8 > lim)
			return DFP_DP_DROP_IPV6_EXT_TRUNCATED;
		h = frame + p;
		if (nh == PROTO_FRAGMENT) {
			hlen = IPV6_FRAG_HDR_LEN;
			fw = rd16(h + 2);
			fo = fw & IPV6_FRAG_OFFSET_MASK;
			out->frag_id = rd32(h + 4);
			/* An atomic fragment (offset 0, M 0) is a whole packet (RFC 6946). */
			if (fw & (IPV6_FRAG_OFFSET_MASK | IPV6_FRAG_M)) {
				out->frag = DFP_DP_FRAG_IS_FRAGMENT |
				            (fo == 0 ? DFP_DP_FRAG_FIRST : 0) |
				            ((fw & IPV6_FRAG_M) ? 0 : DFP_DP_FRAG_LAST);
				out->frag_offset = (uint16_t)fo;
				/*
				 * Reassembled payload length: headers before
				 * this one, then fo + this fragment's data.
				 */
				if (fo + end - off - IPV6_HDR_LEN - IPV6_FRAG_HDR_LEN >
				        IP_MAX_DATAGRAM)
					return DFP_DP_DROP_FRAG_OVERSIZE;
				/* What follows a later fragment's header is data. */
				if (fo != 0) {
					out->proto = h[0];
					return DFP_DP_DROP_NONE;
				}
			}
		} else if (nh == PROTO_AH) {
			hlen = ((uint32_t)h[1] + 2) << 2;
		} else {
			hlen = ((uint32_t)h[1] + 1) << 3;
		}
		nh = h[0];
		p += hlen;
		if (p > end)
			return DFP_DP_DROP_IPV6_EXT_TRUNCATED;
	}
	out->proto = nh;
	return parse_l4(frame, len, p, end, PROTO_ICMPV6, out);
}

static inline enum dfp_dp_drop
parse_frame(const uint8_t *frame, uint32_t len, uint32_t frame_len, struct dfp_dp_pkt_info *out)
{
	uint32_t off = ETHER_HDR_LEN;
	uint16_t et;

	if (len < ETHER_HDR_LEN)
		return DFP_DP_DROP_L2_TRUNCATED;
	memcpy(out->dst_mac, frame, 6);
	memcpy(out->src_mac, frame + 6, 6);
	et = rd16(frame + 12);
	while (is_vlan_tpid(et)) {
		if (out->n_vlans == DFP_DP_MAX_VLANS)
			return DFP_DP_DROP_VLAN_TOO_DEEP;
		if (off + VLAN_HDR_LEN > len)
			return DFP_DP_DROP_L2_TRUNCATED;
		out->vlan_ids[out->n_vlans++] = rd16(frame + off) & 0x0FFF;
		et = rd16(frame + off + 2);
		off += VLAN_HDR_LEN;
	}
	out->ether_type = et;
	if (et == ETHER_TYPE_IPV4)
		return parse_ipv4(frame, len, frame_len, off, out);
	if (et == ETHER_TYPE_IPV6)
		return parse_ipv6(frame, len, frame_len, off, out);
	return DFP_DP_DROP_NONE;
}

enum dfp_dp_drop
dfp_dp_parse(const uint8_t *frame, uint32_t len, uint32_t frame_len, struct dfp_dp_pkt_info *out)
{
	enum dfp_dp_drop drop;

	memset(out, 0, sizeof(*out));
	out->frame_len = frame_len;
	/* Nothing past the frame is ours, whatever the caller copied. */
	if (len > frame_len)
		len = frame_len;
	drop = parse_frame(frame, len, frame_len, out);
	out->drop = (uint8_t)drop;
	return drop;
}

/*
 * Counter names are the X-macro names in lower case. The preprocessor
 * cannot change case, so the table is lowered once at load time, before
 * any lcore can ask for it.
 */
#define DROP_NAME_SIZE 32

#define DROP_NAME_FITS_(name, desc)                                                                \
	_Static_assert(sizeof(#name) <= DROP_NAME_SIZE, "drop name too long: " #name);
DFP_DP_DROP_LIST(DROP_NAME_FITS_)
#undef DROP_NAME_FITS_

static char drop_names[DFP_DP_DROP_COUNT][DROP_NAME_SIZE] = {
#define DROP_NAME_(name, desc) #name,
        DFP_DP_DROP_LIST(DROP_NAME_)
#undef DROP_NAME_
};

static const char *const drop_descs[DFP_DP_DROP_COUNT] = {
#define DROP_DESC_(name, desc) desc,
        DFP_DP_DROP_LIST(DROP_DESC_)
#undef DROP_DESC_
};

RTE_INIT(dp_drop_names_init)
{
	unsigned int i, j;

	for (i = 0; i < DFP_DP_DROP_COUNT; i++)
		for (j = 0; drop_names[i][j] != '\0'; j++)
			if (drop_names[i][j] >= 'A' && drop_names[i][j] <= 'Z')
				drop_names[i][j] += 'a' - 'A';
}

const char *
dfp_dp_drop_name(enum dfp_dp_drop d)
{
	return (unsigned int)d < DFP_DP_DROP_COUNT ? drop_names[d] : "unknown";
}

const char *
dfp_dp_drop_desc(enum dfp_dp_drop d)
{
	return (unsigned int)d < DFP_DP_DROP_COUNT ? drop_descs[d] : "unknown drop reason";
}
