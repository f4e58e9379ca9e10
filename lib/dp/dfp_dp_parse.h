/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The packet parser of the datapath: Ethernet, VLAN/QinQ, IPv4 (options,
 * fragments), IPv6 (extension headers, fragments), TCP, UDP, ICMP, ICMPv6,
 * other protocols by number.
 *
 * The parser reads a contiguous copy of (at least) the frame's headers and
 * fills struct dfp_dp_pkt_info: offsets, addresses, ports, flags and, for a
 * frame that cannot be classified safely, a drop reason. It never reads
 * outside [frame, frame + len) and never writes anything but *out. Frames
 * that are not IP (ARP, LLDP, ...) are valid: family 0, no drop reason; the
 * datapath classifies them at the MAC layers only.
 *
 * Fragments [port]: every IPv4/IPv6 fragment carries DFP_DP_FRAG_IS_FRAGMENT
 * in `frag` (the datapath maps it to the IS_FRAGMENT condition flag). An IPv6
 * atomic fragment (Fragment header with offset 0 and M 0) is a whole packet
 * (RFC 6946): frag stays 0, frag_id is still set. The first fragment
 * (offset 0) is parsed down to its transport header, so it is classified
 * with ports like a whole packet; a later
 * fragment has no transport fields (l4_off = 0) and the datapath matches it
 * to its first fragment's decision by (src, dst, protocol, identification).
 * A first fragment too short to hold its transport header (for TCP, the
 * whole header its data offset gives, options included) is dropped
 * (DFP_DP_DROP_FRAG_TINY), as are fragments whose offset and length run
 * past 65535 bytes (DFP_DP_DROP_FRAG_OVERSIZE).
 *
 * Bounds: header reads are bounded by `len`; length fields (IPv4 header
 * and total length, IPv6 payload length, TCP data offset) are checked
 * against `frame_len`, and the transport is bounded by the IP datagram, so
 * Ethernet padding after a shorter datagram is ignored. TCP options are
 * never read: only the fixed 20-byte TCP header has to lie within `len`.
 *
 * Thread-safety: pure function of its inputs; any lcore, no allocation.
 */
#ifndef DFP_DP_PARSE_H
#define DFP_DP_PARSE_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * X(NAME, description): why the datapath dropped a packet. The parser sets
 * only the parse reasons; the rest are set by later stages. One list feeds
 * the enum, the counter names and the console.
 */
#define DFP_DP_DROP_LIST(X) \
	X(NONE, "not dropped") \
	X(L2_TRUNCATED, "frame shorter than its Ethernet or VLAN headers") \
	X(VLAN_TOO_DEEP, "more than two VLAN tags") \
	X(L3_TRUNCATED, "frame shorter than its IP header") \
	X(IPV4_BAD_VERSION, "IPv4 ethertype with another IP version") \
	X(IPV4_BAD_IHL, "IPv4 header length below 20 bytes or past the frame") \
	X(IPV4_BAD_LENGTH, "IPv4 total length below the header or past the frame") \
	X(IPV6_BAD_VERSION, "IPv6 ethertype with another IP version") \
	X(IPV6_BAD_LENGTH, "IPv6 payload length past the frame") \
	X(IPV6_EXT_TRUNCATED, "IPv6 extension header runs past the packet") \
	X(IPV6_EXT_TOO_MANY, "more IPv6 extension headers than the parser walks") \
	X(L4_TRUNCATED, "transport header runs past the packet") \
	X(TCP_BAD_OFFSET, "TCP data offset below 5 words or past the packet") \
	X(FRAG_TINY, "first fragment too short for its transport header") \
	X(FRAG_OVERSIZE, "fragment offset and length past 65535 bytes") \
	X(FRAG_NO_FLOW, "non-first fragment whose first fragment was not seen") \
	X(FILTER_BLOCK, "blocked by a filter") \
	X(FILTER_ABSORB, "absorbed by a callout") \
	X(FLOW_TABLE_FULL, "new flow refused: flow table full (fail-closed)") \
	X(TCP_NO_FLOW, "TCP segment of no flow that is not a connection request (tcp_pickup no)") \
	X(HOLD_OVERFLOW, "pended flow's hold queue full") \
	X(PEND_BLOCKED, "held packet of a pend completed with block") \
	X(FLOW_ENDED, "held packet of a flow that ended (aged, aborted)") \
	X(NO_PEER, "arrival port has no peer") \
	X(TX_FULL, "peer port's transmit queue full") \
	X(LINK_DOWN, "peer port's link down: the port refused the frame") \
	X(SHUTDOWN, "held packet dropped at shutdown")

/** Drop reasons: DFP_DP_DROP_NONE, DFP_DP_DROP_L2_TRUNCATED, ... */
enum dfp_dp_drop {
#define DFP_DP_DROP_ENUM_(name, desc) DFP_DP_DROP_##name,
	DFP_DP_DROP_LIST(DFP_DP_DROP_ENUM_)
#undef DFP_DP_DROP_ENUM_
	DFP_DP_DROP_COUNT
};

/** Most VLAN tags parsed (802.1Q inside 802.1ad). */
#define DFP_DP_MAX_VLANS 2

/** Most IPv6 extension headers walked before giving up. */
#define DFP_DP_MAX_IPV6_EXT 8

/** Fragment bits of dfp_dp_pkt_info.frag. */
#define DFP_DP_FRAG_IS_FRAGMENT 0x01u  /**< Part of a fragmented datagram. */
#define DFP_DP_FRAG_FIRST 0x02u        /**< Offset 0 (carries the transport header). */
#define DFP_DP_FRAG_LAST 0x04u         /**< No more fragments follow. */

/** What the parser found. Integers are host byte order. */
struct dfp_dp_pkt_info {
	union {
		uint32_t v4;      /**< IPv4 address, host order. */
		uint8_t v6[16];   /**< IPv6 address, network order. */
	} src, dst;               /**< IP source and destination. */
	uint32_t frame_len;       /**< Bytes in the frame. */
	uint32_t frag_id;         /**< IPv4 identification or IPv6 fragment id. */
	uint32_t tcp_seq;         /**< TCP sequence number. */
	uint32_t tcp_ack;         /**< TCP acknowledgement number. */
	uint16_t l3_off;          /**< Offset of the IP header (0 if not IP). */
	uint16_t l4_off;          /**< Offset of the transport header (0 if none). */
	uint16_t l4_payload_off;  /**< Offset of the transport payload (0 if none). */
	uint16_t l4_payload_len;  /**< Bytes of transport payload (TCP/UDP). */
	uint16_t ip_len;          /**< IP datagram length (header + payload; IPv6 saturates at 65535). */
	uint16_t ether_type;      /**< Ethertype after the VLAN tags. */
	uint16_t vlan_ids[DFP_DP_MAX_VLANS]; /**< VLAN ids, outer first. */
	uint16_t sport;           /**< Source port, or ICMP type. */
	uint16_t dport;           /**< Destination port, or ICMP code. */
	uint16_t frag_offset;     /**< Fragment offset in bytes. */
	uint8_t src_mac[6];       /**< Ethernet source. */
	uint8_t dst_mac[6];       /**< Ethernet destination. */
	uint8_t n_vlans;          /**< VLAN tags present. */
	uint8_t family;           /**< 4, 6, or 0 (not IP). */
	uint8_t proto;            /**< IP protocol (last IPv6 next header). */
	uint8_t tcp_flags;        /**< TCP flags byte (FIN 0x01, SYN 0x02, RST 0x04, ACK 0x10). */
	uint8_t dscp;             /**< DSCP (6 bits). */
	uint8_t frag;             /**< DFP_DP_FRAG_* bits. */
	uint8_t drop;             /**< enum dfp_dp_drop; NONE if the frame can be classified. */
};

/**
 * Parse a frame.
 *
 * @param frame  the first `len` bytes of the frame (headers must be within).
 * @param len    bytes readable at frame (may be less than frame_len when the
 *               caller copied only the headers).
 * @param frame_len  the frame's full length in bytes (a larger len is
 *               clamped to it).
 * @param out    receives the result (always fully written).
 * @return out->drop (DFP_DP_DROP_NONE when the frame can be classified).
 * Any lcore; pure; no allocation.
 */
enum dfp_dp_drop dfp_dp_parse(const uint8_t *frame, uint32_t len, uint32_t frame_len,
		struct dfp_dp_pkt_info *out);

/** Name of a drop reason for counters ("l2_truncated", ...); "unknown" if invalid. */
const char *dfp_dp_drop_name(enum dfp_dp_drop d);

/** One-line description of a drop reason. */
const char *dfp_dp_drop_desc(enum dfp_dp_drop d);

#ifdef __cplusplus
}
#endif

#endif /* DFP_DP_PARSE_H */
