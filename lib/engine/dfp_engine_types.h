/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The WFP vocabulary of the engine: layers, fields, values, match types,
 * actions, rights and flags (spec §1.2–§2.2, DESIGN §1).
 *
 * Numeric values are WFP's wherever WFP defines them, so that the WFP
 * compatibility header can alias them and callout code ports unchanged:
 * layer ids are FWPS_BUILTIN_LAYERS ordinals, match types FWP_MATCH_*,
 * actions FWP_ACTION_*, flags FWP_CONDITION_FLAG_* and FWPS_*.
 *
 * Fields are named once for the whole engine (enum dfp_field); each layer
 * says which of them it offers and at which FWPS_FIELDS_* index WFP delivers
 * it (dfp_engine_layer_field_index()). Fields named DFP_* are extensions
 * beyond WFP.
 *
 * Thread-safety: all tables are constant; every function here is pure and
 * may be called from any thread.
 */
#ifndef DFP_ENGINE_TYPES_H
#define DFP_ENGINE_TYPES_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * X(NAME, id, family, dir, kind, guid): the implemented layers.
 * family: 4 or 6 (0 for MAC layers); dir: IN, OUT or BOTH;
 * kind: IPPACKET, TRANSPORT, ALE_RECV_ACCEPT, ALE_CONNECT, ALE_ESTABLISHED,
 * STREAM, DATAGRAM, MAC. guid is FWPM_LAYER_*.
 */
#define DFP_LAYER_LIST(X) \
	X(INBOUND_IPPACKET_V4, 0, 4, IN, IPPACKET, "c86fd1bf-21cd-497e-a0bb-17425c885c58") \
	X(INBOUND_IPPACKET_V6, 2, 6, IN, IPPACKET, "f52032cb-991c-46e7-971d-2601459a91ca") \
	X(OUTBOUND_IPPACKET_V4, 4, 4, OUT, IPPACKET, "1e5c9fae-8a84-4135-a331-950b54229ecd") \
	X(OUTBOUND_IPPACKET_V6, 6, 6, OUT, IPPACKET, "a3b3ab6b-3564-488c-9117-f34e82142763") \
	X(INBOUND_TRANSPORT_V4, 12, 4, IN, TRANSPORT, "5926dfc8-e3cf-4426-a283-dc393f5d0f9d") \
	X(INBOUND_TRANSPORT_V6, 14, 6, IN, TRANSPORT, "634a869f-fc23-4b90-b0c1-bf620a36ae6f") \
	X(OUTBOUND_TRANSPORT_V4, 16, 4, OUT, TRANSPORT, "09e61aea-d214-46e2-9b21-b26b0b2f28c8") \
	X(OUTBOUND_TRANSPORT_V6, 18, 6, OUT, TRANSPORT, "e1735bde-013f-4655-b351-a49e15762df0") \
	X(STREAM_V4, 20, 4, BOTH, STREAM, "3b89653c-c170-49e4-b1cd-e0eeeee19a3e") \
	X(STREAM_V6, 22, 6, BOTH, STREAM, "47c9137a-7ec4-46b3-b6e4-48e926b1eda4") \
	X(DATAGRAM_DATA_V4, 24, 4, BOTH, DATAGRAM, "3d08bf4e-45f6-4930-a922-417098e20027") \
	X(DATAGRAM_DATA_V6, 26, 6, BOTH, DATAGRAM, "fa45fe2f-3cba-4427-87fc-57b9a4b10d00") \
	X(ALE_AUTH_RECV_ACCEPT_V4, 44, 4, IN, ALE_RECV_ACCEPT, "e1cd9fe7-f4b5-4273-96c0-592e487b8650") \
	X(ALE_AUTH_RECV_ACCEPT_V6, 46, 6, IN, ALE_RECV_ACCEPT, "a3b42c97-9f04-4672-b87e-cee9c483257f") \
	X(ALE_AUTH_CONNECT_V4, 48, 4, OUT, ALE_CONNECT, "c38d57d1-05a7-4c33-904f-7fbceee60e82") \
	X(ALE_AUTH_CONNECT_V6, 50, 6, OUT, ALE_CONNECT, "4a72393b-319f-44bc-84c3-ba54dcb3b6b4") \
	X(ALE_FLOW_ESTABLISHED_V4, 52, 4, BOTH, ALE_ESTABLISHED, "af80470a-5596-4c13-9992-539e6fe57967") \
	X(ALE_FLOW_ESTABLISHED_V6, 54, 6, BOTH, ALE_ESTABLISHED, "7021d2b3-dfa4-406e-afeb-6afaf7e70efd") \
	X(INBOUND_MAC_FRAME_ETHERNET, 56, 0, IN, MAC, "effb7edb-0055-4f9a-a231-4ff8131ad191") \
	X(OUTBOUND_MAC_FRAME_ETHERNET, 57, 0, OUT, MAC, "694673bc-d6db-4870-adee-0acdbdb7f4b2")

/** Run-time layer ids (FWPS_LAYER_*), e.g. DFP_LAYER_INBOUND_TRANSPORT_V4 = 12. */
enum dfp_layer_id {
#define DFP_LAYER_ENUM_(name, id, fam, dir, kind, guid) DFP_LAYER_##name = id,
	DFP_LAYER_LIST(DFP_LAYER_ENUM_)
#undef DFP_LAYER_ENUM_
};

/** One more than the largest implemented layer id: size of per-layer arrays. */
#define DFP_LAYER_ID_MAX 58

/** Number of implemented layers. */
#define DFP_LAYER_COUNT 20

/** What a layer is for; decides where it sits in the packet walk. */
enum dfp_layer_kind {
	DFP_LAYER_KIND_IPPACKET,
	DFP_LAYER_KIND_TRANSPORT,
	DFP_LAYER_KIND_ALE_RECV_ACCEPT,
	DFP_LAYER_KIND_ALE_CONNECT,
	DFP_LAYER_KIND_ALE_ESTABLISHED,
	DFP_LAYER_KIND_STREAM,
	DFP_LAYER_KIND_DATAGRAM,
	DFP_LAYER_KIND_MAC,
};

/** How a field's value is typed (FWP_DATA_TYPE it maps to in brackets). */
enum dfp_field_type {
	DFP_FIELD_TYPE_U8,    /**< FWP_UINT8. */
	DFP_FIELD_TYPE_U16,   /**< FWP_UINT16. */
	DFP_FIELD_TYPE_U32,   /**< FWP_UINT32. */
	DFP_FIELD_TYPE_ADDR,  /**< FWP_UINT32 (V4 layers) or FWP_BYTE_ARRAY16_TYPE (V6). */
	DFP_FIELD_TYPE_MAC,   /**< FWP_BYTE_ARRAY6_TYPE. */
};

/**
 * X(NAME, type): the engine's fields. Each maps to FWPS_FIELD_<layer>_<NAME>
 * where WFP has it; DFP_* fields are extensions.
 */
#define DFP_FIELD_LIST(X) \
	X(IP_PROTOCOL, U8) \
	X(IP_LOCAL_ADDRESS, ADDR) \
	X(IP_REMOTE_ADDRESS, ADDR) \
	X(IP_LOCAL_ADDRESS_TYPE, U8) \
	X(IP_LOCAL_PORT, U16) \
	X(IP_REMOTE_PORT, U16) \
	X(INTERFACE_INDEX, U32) \
	X(FLAGS, U32) \
	X(DIRECTION, U32) \
	X(VLAN_ID, U16) \
	X(ETHER_TYPE, U16) \
	X(MAC_LOCAL_ADDRESS, MAC) \
	X(MAC_REMOTE_ADDRESS, MAC) \
	X(REAUTHORIZE_REASON, U32) \
	X(DFP_TCP_FLAGS, U8) \
	X(DFP_DSCP, U8)

/** Engine field ids. */
enum dfp_field {
#define DFP_FIELD_ENUM_(name, type) DFP_FIELD_##name,
	DFP_FIELD_LIST(DFP_FIELD_ENUM_)
#undef DFP_FIELD_ENUM_
	DFP_FIELD_COUNT
};

/** FWP_DIRECTION values carried in DFP_FIELD_DIRECTION. */
enum dfp_direction {
	DFP_DIRECTION_OUTBOUND = 0,
	DFP_DIRECTION_INBOUND = 1,
};

/** FWP_CONDITION_FLAG_* bits carried in DFP_FIELD_FLAGS. */
#define DFP_COND_FLAG_IS_LOOPBACK 0x00000001u
#define DFP_COND_FLAG_IS_REAUTHORIZE 0x00000004u
#define DFP_COND_FLAG_IS_FRAGMENT 0x00000020u
#define DFP_COND_FLAG_IS_FRAGMENT_GROUP 0x00000040u
#define DFP_COND_FLAG_REQUIRES_ALE_CLASSIFY 0x00000100u
#define DFP_COND_FLAG_IS_REASSEMBLED 0x00000400u

/** FWP_CONDITION_REAUTHORIZE_REASON_* bits (DFP_FIELD_REAUTHORIZE_REASON). */
#define DFP_REAUTH_REASON_POLICY_CHANGE 0x00000001u
#define DFP_REAUTH_REASON_CLASSIFY_COMPLETION 0x00000010u

/** FWP_MATCH_TYPE values. */
enum dfp_match {
	DFP_MATCH_EQUAL = 0,
	DFP_MATCH_GREATER = 1,
	DFP_MATCH_LESS = 2,
	DFP_MATCH_GREATER_OR_EQUAL = 3,
	DFP_MATCH_LESS_OR_EQUAL = 4,
	DFP_MATCH_RANGE = 5,
	DFP_MATCH_FLAGS_ALL_SET = 6,
	DFP_MATCH_FLAGS_ANY_SET = 7,
	DFP_MATCH_FLAGS_NONE_SET = 8,
	DFP_MATCH_EQUAL_CASE_INSENSITIVE = 9, /**< Strings only: rejected by dfp. */
	DFP_MATCH_NOT_EQUAL = 10,
	DFP_MATCH_TYPE_MAX = 13,
};

/** FWP_ACTION_TYPE flag bits and values (spec §2.1). */
#define DFP_ACTION_FLAG_TERMINATING 0x00001000u
#define DFP_ACTION_FLAG_NON_TERMINATING 0x00002000u
#define DFP_ACTION_FLAG_CALLOUT 0x00004000u
enum dfp_action {
	DFP_ACTION_BLOCK = 0x00001001,
	DFP_ACTION_PERMIT = 0x00001002,
	DFP_ACTION_CALLOUT_TERMINATING = 0x00005003,
	DFP_ACTION_CALLOUT_INSPECTION = 0x00006004,
	DFP_ACTION_CALLOUT_UNKNOWN = 0x00004005,
	DFP_ACTION_CONTINUE = 0x00002006,
	DFP_ACTION_NONE = 0x00000007,
	DFP_ACTION_NONE_NO_MATCH = 0x00000008,
};

/** FWPS_RIGHT_ACTION_WRITE. */
#define DFP_RIGHT_ACTION_WRITE 0x00000001u

/** FWPS_CLASSIFY_OUT_FLAG_* (spec §2.2). */
#define DFP_CLASSIFY_OUT_FLAG_ABSORB 0x00000001u
#define DFP_CLASSIFY_OUT_FLAG_BUFFER_LIMIT_REACHED 0x00000002u
#define DFP_CLASSIFY_OUT_FLAG_NO_MORE_DATA 0x00000004u

/** FWPM_FILTER_FLAG_* accepted by dfp (management form). */
#define DFP_FILTER_FLAG_NONE 0x00000000u
#define DFP_FILTER_FLAG_PERSISTENT 0x00000001u
#define DFP_FILTER_FLAG_CLEAR_ACTION_RIGHT 0x00000008u
#define DFP_FILTER_FLAG_PERMIT_IF_CALLOUT_UNREGISTERED 0x00000010u
/** Every management flag dfp accepts. */
#define DFP_FILTER_FLAGS_VALID (DFP_FILTER_FLAG_PERSISTENT | DFP_FILTER_FLAG_CLEAR_ACTION_RIGHT | \
	DFP_FILTER_FLAG_PERMIT_IF_CALLOUT_UNREGISTERED)

/** FWPS_FILTER_FLAG_* (run-time form, in dfp_engine_filter_rt.flags). */
#define DFP_RT_FILTER_FLAG_CLEAR_ACTION_RIGHT 0x0001u
#define DFP_RT_FILTER_FLAG_PERMIT_IF_CALLOUT_UNREGISTERED 0x0002u

/** FWPS_CALLOUT_NOTIFY_TYPE. */
enum dfp_notify_type {
	DFP_NOTIFY_ADD_FILTER = 0,
	DFP_NOTIFY_DELETE_FILTER = 1,
	DFP_NOTIFY_ADD_FILTER_POST_COMMIT = 2,
};

/** A 128-bit unsigned value: every field value fits (addresses, MACs, ints). */
struct dfp_u128 {
	uint64_t hi; /**< Upper 64 bits (non-zero only for IPv6 addresses). */
	uint64_t lo; /**< Lower 64 bits. */
};

/** An IP address as WFP delivers it. */
union dfp_engine_addr {
	uint32_t v4;     /**< IPv4, host byte order (FWP_UINT32). */
	uint8_t v6[16];  /**< IPv6, network byte order (FWP_BYTE_ARRAY16_TYPE). */
};

/**
 * The incoming values of one packet at one layer: the classification input.
 * Filled by the datapath parser; the layer decides which members are
 * meaningful (dfp_engine_layer_has_field()). Integers are host byte order.
 */
struct dfp_engine_values {
	union dfp_engine_addr local_addr;   /**< IP_LOCAL_ADDRESS. */
	union dfp_engine_addr remote_addr;  /**< IP_REMOTE_ADDRESS. */
	uint32_t flags;            /**< FLAGS: DFP_COND_FLAG_* bits. */
	uint32_t interface_index;  /**< INTERFACE_INDEX: the DPDK port id. */
	uint32_t reauth_reason;    /**< REAUTHORIZE_REASON bits. */
	uint16_t local_port;       /**< IP_LOCAL_PORT, or ICMP type. */
	uint16_t remote_port;      /**< IP_REMOTE_PORT, or ICMP code. */
	uint16_t vlan_id;          /**< VLAN_ID (outer tag; 0 when untagged). */
	uint16_t ether_type;       /**< ETHER_TYPE (after VLAN tags). */
	uint8_t ip_protocol;       /**< IP_PROTOCOL. */
	uint8_t direction;         /**< DIRECTION: enum dfp_direction. */
	uint8_t local_addr_type;   /**< IP_LOCAL_ADDRESS_TYPE (NL_ADDRESS_TYPE). */
	uint8_t tcp_flags;         /**< DFP_TCP_FLAGS. */
	uint8_t dscp;              /**< DFP_DSCP. */
	uint8_t local_mac[6];      /**< MAC_LOCAL_ADDRESS. */
	uint8_t remote_mac[6];     /**< MAC_REMOTE_ADDRESS. */
};

/**
 * The classify output of a callout: the layout of FWPS_CLASSIFY_OUT0, so the
 * compatibility header can alias it.
 */
struct dfp_classify_out {
	uint32_t action_type;  /**< FWP_ACTION_TYPE (in/out). */
	uint64_t out_context;  /**< Reserved for the engine. */
	uint64_t filter_id;    /**< Reserved for the engine. */
	uint32_t rights;       /**< DFP_RIGHT_* (in/out). */
	uint32_t flags;        /**< DFP_CLASSIFY_OUT_FLAG_* (in/out). */
	uint32_t reserved;     /**< Reserved. */
};

/** Layer name without prefix, e.g. "INBOUND_TRANSPORT_V4"; NULL if not implemented. */
const char *dfp_engine_layer_name(uint16_t layer_id);

/** True if layer_id names an implemented layer. */
bool dfp_engine_layer_is_valid(uint16_t layer_id);

/** Layer id by name (with or without "FWPS_LAYER_"/"FWPM_LAYER_", any case); -1 if unknown. */
int dfp_engine_layer_from_name(const char *name);

/** Address family of a layer: 4, 6, or 0 (MAC layers). */
unsigned int dfp_engine_layer_family(uint16_t layer_id);

/** Kind of a layer. */
enum dfp_layer_kind dfp_engine_layer_kind(uint16_t layer_id);

/** True for flow layers, where FWPS_METADATA_FIELD_FLOW_HANDLE is present (spec §1.4). */
bool dfp_engine_layer_is_flow_layer(uint16_t layer_id);

/** FWPM_LAYER_* GUID text of a layer; NULL if not implemented. */
const char *dfp_engine_layer_guid(uint16_t layer_id);

/** The implemented layer ids in ascending order; count in *n. */
const uint16_t *dfp_engine_layer_ids(unsigned int *n);

/** True if the layer offers the field. */
bool dfp_engine_layer_has_field(uint16_t layer_id, enum dfp_field field);

/**
 * The FWPS_FIELDS_<layer> index of a field (the index into
 * inFixedValues->incomingValue[]), or -1 if the field is a DFP extension or
 * not offered at the layer.
 */
int dfp_engine_layer_field_index(uint16_t layer_id, enum dfp_field field);

/** Field name without prefix, e.g. "IP_LOCAL_PORT". */
const char *dfp_engine_field_name(enum dfp_field field);

/** Field by name (FWPM_CONDITION_ prefix optional, ICMP_TYPE/ICMP_CODE aliases); -1 if unknown. */
int dfp_engine_field_from_name(const char *name);

/** Type of a field. */
enum dfp_field_type dfp_engine_field_type(enum dfp_field field);

/** Width in bits of a field's value at a layer family (4 or 6 for addresses). */
unsigned int dfp_engine_field_bits(enum dfp_field field, unsigned int family);

/** Match type name without prefix, lower case ("equal", "flags_any_set"); NULL if invalid. */
const char *dfp_engine_match_name(enum dfp_match m);

/** Match type by lower- or upper-case name (FWP_MATCH_ prefix optional); -1 if unknown. */
int dfp_engine_match_from_name(const char *name);

/** Action name in lower case ("permit", "callout_inspection", ...); "unknown" otherwise. */
const char *dfp_engine_action_name(uint32_t action);

/** Filter action by name; -1 if not one of the five filter actions. */
int dfp_engine_action_from_name(const char *name);

/**
 * Read one field of a values struct as a 128-bit number (IPv6 addresses in
 * network order become the natural big-endian number). Any thread.
 */
struct dfp_u128 dfp_engine_values_get(const struct dfp_engine_values *v, enum dfp_field field,
		unsigned int family);

#ifdef __cplusplus
}
#endif

#endif /* DFP_ENGINE_TYPES_H */
