/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Constant tables: layers, the fields each offers (with WFP's FWPS_FIELDS_*
 * index), match types and actions.
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "engine_private.h"

struct layer_desc {
	const char *name;
	const char *guid;
	uint16_t id;
	uint8_t family;
	enum dfp_layer_kind kind;
};

static const struct layer_desc layer_descs[] = {
#define LAYER_ROW_(name, id, fam, dir, kind, guid) \
	{#name, guid, id, fam, DFP_LAYER_KIND_##kind},
	DFP_LAYER_LIST(LAYER_ROW_)
#undef LAYER_ROW_
};

static const uint16_t layer_id_list[] = {
#define LAYER_ID_(name, id, fam, dir, kind, guid) id,
	DFP_LAYER_LIST(LAYER_ID_)
#undef LAYER_ID_
};

_Static_assert(sizeof(layer_id_list) / sizeof(layer_id_list[0]) == DFP_LAYER_COUNT,
	"DFP_LAYER_COUNT out of step with DFP_LAYER_LIST");

struct field_desc {
	const char *name;
	enum dfp_field_type type;
};

static const struct field_desc field_descs[DFP_FIELD_COUNT] = {
#define FIELD_ROW_(name, type) {#name, DFP_FIELD_TYPE_##type},
	DFP_FIELD_LIST(FIELD_ROW_)
#undef FIELD_ROW_
};

/*
 * WFP field index per layer kind: index[kind][field], -1 = not a WFP field of
 * that layer, -2 = not offered at all. DFP extensions (VLAN_ID, DFP_*) are
 * offered with -1. Address fields at OUTBOUND_TRANSPORT follow its own
 * order (spec §1.3).
 */
#define NO -2
#define EX -1
static const int8_t field_index_in_transport[DFP_FIELD_COUNT] = {
	[DFP_FIELD_IP_PROTOCOL] = 0, [DFP_FIELD_IP_LOCAL_ADDRESS] = 1,
	[DFP_FIELD_IP_REMOTE_ADDRESS] = 2, [DFP_FIELD_IP_LOCAL_ADDRESS_TYPE] = 3,
	[DFP_FIELD_IP_LOCAL_PORT] = 4, [DFP_FIELD_IP_REMOTE_PORT] = 5,
	[DFP_FIELD_INTERFACE_INDEX] = 7, [DFP_FIELD_FLAGS] = 9, [DFP_FIELD_DIRECTION] = NO,
	[DFP_FIELD_VLAN_ID] = EX, [DFP_FIELD_ETHER_TYPE] = NO, [DFP_FIELD_MAC_LOCAL_ADDRESS] = NO,
	[DFP_FIELD_MAC_REMOTE_ADDRESS] = NO, [DFP_FIELD_REAUTHORIZE_REASON] = NO,
	[DFP_FIELD_DFP_TCP_FLAGS] = EX, [DFP_FIELD_DFP_DSCP] = EX,
};
static const int8_t field_index_out_transport[DFP_FIELD_COUNT] = {
	[DFP_FIELD_IP_PROTOCOL] = 0, [DFP_FIELD_IP_LOCAL_ADDRESS] = 1,
	[DFP_FIELD_IP_REMOTE_ADDRESS] = 3, [DFP_FIELD_IP_LOCAL_ADDRESS_TYPE] = 2,
	[DFP_FIELD_IP_LOCAL_PORT] = 4, [DFP_FIELD_IP_REMOTE_PORT] = 5,
	[DFP_FIELD_INTERFACE_INDEX] = 7, [DFP_FIELD_FLAGS] = 10, [DFP_FIELD_DIRECTION] = NO,
	[DFP_FIELD_VLAN_ID] = EX, [DFP_FIELD_ETHER_TYPE] = NO, [DFP_FIELD_MAC_LOCAL_ADDRESS] = NO,
	[DFP_FIELD_MAC_REMOTE_ADDRESS] = NO, [DFP_FIELD_REAUTHORIZE_REASON] = NO,
	[DFP_FIELD_DFP_TCP_FLAGS] = EX, [DFP_FIELD_DFP_DSCP] = EX,
};
/* IPPACKET: WFP has addresses, interface, flags; protocol and ports are DFP extensions. */
static const int8_t field_index_ippacket[DFP_FIELD_COUNT] = {
	[DFP_FIELD_IP_PROTOCOL] = EX, [DFP_FIELD_IP_LOCAL_ADDRESS] = 0,
	[DFP_FIELD_IP_REMOTE_ADDRESS] = 1, [DFP_FIELD_IP_LOCAL_ADDRESS_TYPE] = 2,
	[DFP_FIELD_IP_LOCAL_PORT] = EX, [DFP_FIELD_IP_REMOTE_PORT] = EX,
	[DFP_FIELD_INTERFACE_INDEX] = 4, [DFP_FIELD_FLAGS] = 6, [DFP_FIELD_DIRECTION] = NO,
	[DFP_FIELD_VLAN_ID] = EX, [DFP_FIELD_ETHER_TYPE] = NO, [DFP_FIELD_MAC_LOCAL_ADDRESS] = NO,
	[DFP_FIELD_MAC_REMOTE_ADDRESS] = NO, [DFP_FIELD_REAUTHORIZE_REASON] = NO,
	[DFP_FIELD_DFP_TCP_FLAGS] = EX, [DFP_FIELD_DFP_DSCP] = EX,
};
/* OUTBOUND_IPPACKET: the address type comes before the remote address. */
static const int8_t field_index_out_ippacket[DFP_FIELD_COUNT] = {
	[DFP_FIELD_IP_PROTOCOL] = EX, [DFP_FIELD_IP_LOCAL_ADDRESS] = 0,
	[DFP_FIELD_IP_REMOTE_ADDRESS] = 2, [DFP_FIELD_IP_LOCAL_ADDRESS_TYPE] = 1,
	[DFP_FIELD_IP_LOCAL_PORT] = EX, [DFP_FIELD_IP_REMOTE_PORT] = EX,
	[DFP_FIELD_INTERFACE_INDEX] = 4, [DFP_FIELD_FLAGS] = 6, [DFP_FIELD_DIRECTION] = NO,
	[DFP_FIELD_VLAN_ID] = EX, [DFP_FIELD_ETHER_TYPE] = NO, [DFP_FIELD_MAC_LOCAL_ADDRESS] = NO,
	[DFP_FIELD_MAC_REMOTE_ADDRESS] = NO, [DFP_FIELD_REAUTHORIZE_REASON] = NO,
	[DFP_FIELD_DFP_TCP_FLAGS] = EX, [DFP_FIELD_DFP_DSCP] = EX,
};
static const int8_t field_index_stream[DFP_FIELD_COUNT] = {
	[DFP_FIELD_IP_PROTOCOL] = NO, [DFP_FIELD_IP_LOCAL_ADDRESS] = 0,
	[DFP_FIELD_IP_REMOTE_ADDRESS] = 2, [DFP_FIELD_IP_LOCAL_ADDRESS_TYPE] = 1,
	[DFP_FIELD_IP_LOCAL_PORT] = 3, [DFP_FIELD_IP_REMOTE_PORT] = 4,
	[DFP_FIELD_INTERFACE_INDEX] = EX, [DFP_FIELD_FLAGS] = 6, [DFP_FIELD_DIRECTION] = 5,
	[DFP_FIELD_VLAN_ID] = EX, [DFP_FIELD_ETHER_TYPE] = NO, [DFP_FIELD_MAC_LOCAL_ADDRESS] = NO,
	[DFP_FIELD_MAC_REMOTE_ADDRESS] = NO, [DFP_FIELD_REAUTHORIZE_REASON] = NO,
	[DFP_FIELD_DFP_TCP_FLAGS] = EX, [DFP_FIELD_DFP_DSCP] = EX,
};
static const int8_t field_index_datagram[DFP_FIELD_COUNT] = {
	[DFP_FIELD_IP_PROTOCOL] = 0, [DFP_FIELD_IP_LOCAL_ADDRESS] = 1,
	[DFP_FIELD_IP_REMOTE_ADDRESS] = 2, [DFP_FIELD_IP_LOCAL_ADDRESS_TYPE] = 3,
	[DFP_FIELD_IP_LOCAL_PORT] = 4, [DFP_FIELD_IP_REMOTE_PORT] = 5,
	[DFP_FIELD_INTERFACE_INDEX] = 7, [DFP_FIELD_FLAGS] = 10, [DFP_FIELD_DIRECTION] = 9,
	[DFP_FIELD_VLAN_ID] = EX, [DFP_FIELD_ETHER_TYPE] = NO, [DFP_FIELD_MAC_LOCAL_ADDRESS] = NO,
	[DFP_FIELD_MAC_REMOTE_ADDRESS] = NO, [DFP_FIELD_REAUTHORIZE_REASON] = NO,
	[DFP_FIELD_DFP_TCP_FLAGS] = EX, [DFP_FIELD_DFP_DSCP] = EX,
};
static const int8_t field_index_recv_accept[DFP_FIELD_COUNT] = {
	[DFP_FIELD_IP_PROTOCOL] = 5, [DFP_FIELD_IP_LOCAL_ADDRESS] = 2,
	[DFP_FIELD_IP_REMOTE_ADDRESS] = 6, [DFP_FIELD_IP_LOCAL_ADDRESS_TYPE] = 3,
	[DFP_FIELD_IP_LOCAL_PORT] = 4, [DFP_FIELD_IP_REMOTE_PORT] = 7,
	[DFP_FIELD_INTERFACE_INDEX] = 16, [DFP_FIELD_FLAGS] = 11, [DFP_FIELD_DIRECTION] = NO,
	[DFP_FIELD_VLAN_ID] = EX, [DFP_FIELD_ETHER_TYPE] = NO, [DFP_FIELD_MAC_LOCAL_ADDRESS] = NO,
	[DFP_FIELD_MAC_REMOTE_ADDRESS] = NO, [DFP_FIELD_REAUTHORIZE_REASON] = 29,
	[DFP_FIELD_DFP_TCP_FLAGS] = EX, [DFP_FIELD_DFP_DSCP] = EX,
};
/* ALE_AUTH_CONNECT: same as recv-accept up to index 9, then its own order. */
static const int8_t field_index_connect[DFP_FIELD_COUNT] = {
	[DFP_FIELD_IP_PROTOCOL] = 5, [DFP_FIELD_IP_LOCAL_ADDRESS] = 2,
	[DFP_FIELD_IP_REMOTE_ADDRESS] = 6, [DFP_FIELD_IP_LOCAL_ADDRESS_TYPE] = 3,
	[DFP_FIELD_IP_LOCAL_PORT] = 4, [DFP_FIELD_IP_REMOTE_PORT] = 7,
	[DFP_FIELD_INTERFACE_INDEX] = 15, [DFP_FIELD_FLAGS] = 12, [DFP_FIELD_DIRECTION] = NO,
	[DFP_FIELD_VLAN_ID] = EX, [DFP_FIELD_ETHER_TYPE] = NO, [DFP_FIELD_MAC_LOCAL_ADDRESS] = NO,
	[DFP_FIELD_MAC_REMOTE_ADDRESS] = NO, [DFP_FIELD_REAUTHORIZE_REASON] = 28,
	[DFP_FIELD_DFP_TCP_FLAGS] = EX, [DFP_FIELD_DFP_DSCP] = EX,
};
static const int8_t field_index_established[DFP_FIELD_COUNT] = {
	[DFP_FIELD_IP_PROTOCOL] = 5, [DFP_FIELD_IP_LOCAL_ADDRESS] = 2,
	[DFP_FIELD_IP_REMOTE_ADDRESS] = 6, [DFP_FIELD_IP_LOCAL_ADDRESS_TYPE] = 3,
	[DFP_FIELD_IP_LOCAL_PORT] = 4, [DFP_FIELD_IP_REMOTE_PORT] = 7,
	[DFP_FIELD_INTERFACE_INDEX] = EX, [DFP_FIELD_FLAGS] = 15, [DFP_FIELD_DIRECTION] = 12,
	[DFP_FIELD_VLAN_ID] = EX, [DFP_FIELD_ETHER_TYPE] = NO, [DFP_FIELD_MAC_LOCAL_ADDRESS] = NO,
	[DFP_FIELD_MAC_REMOTE_ADDRESS] = NO, [DFP_FIELD_REAUTHORIZE_REASON] = NO,
	[DFP_FIELD_DFP_TCP_FLAGS] = NO, [DFP_FIELD_DFP_DSCP] = NO,
};
static const int8_t field_index_mac[DFP_FIELD_COUNT] = {
	[DFP_FIELD_IP_PROTOCOL] = NO, [DFP_FIELD_IP_LOCAL_ADDRESS] = NO,
	[DFP_FIELD_IP_REMOTE_ADDRESS] = NO, [DFP_FIELD_IP_LOCAL_ADDRESS_TYPE] = NO,
	[DFP_FIELD_IP_LOCAL_PORT] = NO, [DFP_FIELD_IP_REMOTE_PORT] = NO,
	[DFP_FIELD_INTERFACE_INDEX] = 8, [DFP_FIELD_FLAGS] = NO, [DFP_FIELD_DIRECTION] = NO,
	[DFP_FIELD_VLAN_ID] = 6, [DFP_FIELD_ETHER_TYPE] = 5, [DFP_FIELD_MAC_LOCAL_ADDRESS] = 1,
	[DFP_FIELD_MAC_REMOTE_ADDRESS] = 2, [DFP_FIELD_REAUTHORIZE_REASON] = NO,
	[DFP_FIELD_DFP_TCP_FLAGS] = NO, [DFP_FIELD_DFP_DSCP] = NO,
};
#undef NO
#undef EX

static const struct layer_desc *
layer_find(uint16_t id)
{
	unsigned int i;

	for (i = 0; i < DFP_LAYER_COUNT; i++)
		if (layer_descs[i].id == id)
			return &layer_descs[i];
	return NULL;
}

static const int8_t *
layer_field_table(uint16_t id)
{
	const struct layer_desc *d = layer_find(id);

	if (d == NULL)
		return NULL;
	switch (d->kind) {
	case DFP_LAYER_KIND_IPPACKET:
		return (id == DFP_LAYER_OUTBOUND_IPPACKET_V4 || id == DFP_LAYER_OUTBOUND_IPPACKET_V6) ?
			field_index_out_ippacket : field_index_ippacket;
	case DFP_LAYER_KIND_TRANSPORT:
		return (id == DFP_LAYER_OUTBOUND_TRANSPORT_V4 || id == DFP_LAYER_OUTBOUND_TRANSPORT_V6) ?
			field_index_out_transport : field_index_in_transport;
	case DFP_LAYER_KIND_ALE_RECV_ACCEPT:
		return field_index_recv_accept;
	case DFP_LAYER_KIND_ALE_CONNECT:
		return field_index_connect;
	case DFP_LAYER_KIND_ALE_ESTABLISHED:
		return field_index_established;
	case DFP_LAYER_KIND_STREAM:
		return field_index_stream;
	case DFP_LAYER_KIND_DATAGRAM:
		return field_index_datagram;
	case DFP_LAYER_KIND_MAC:
		return field_index_mac;
	}
	return NULL;
}

const char *
dfp_engine_layer_name(uint16_t layer_id)
{
	const struct layer_desc *d = layer_find(layer_id);

	return d != NULL ? d->name : NULL;
}

bool
dfp_engine_layer_is_valid(uint16_t layer_id)
{
	return layer_find(layer_id) != NULL;
}

int
dfp_engine_layer_from_name(const char *name)
{
	unsigned int i;

	if (name == NULL)
		return -1;
	if (strncasecmp(name, "FWPS_LAYER_", 11) == 0 || strncasecmp(name, "FWPM_LAYER_", 11) == 0)
		name += 11;
	for (i = 0; i < DFP_LAYER_COUNT; i++)
		if (strcasecmp(layer_descs[i].name, name) == 0)
			return layer_descs[i].id;
	return -1;
}

unsigned int
dfp_engine_layer_family(uint16_t layer_id)
{
	const struct layer_desc *d = layer_find(layer_id);

	return d != NULL ? d->family : 0;
}

enum dfp_layer_kind
dfp_engine_layer_kind(uint16_t layer_id)
{
	const struct layer_desc *d = layer_find(layer_id);

	return d != NULL ? d->kind : DFP_LAYER_KIND_IPPACKET;
}

bool
dfp_engine_layer_is_flow_layer(uint16_t layer_id)
{
	const struct layer_desc *d = layer_find(layer_id);

	if (d == NULL)
		return false;
	return d->kind != DFP_LAYER_KIND_IPPACKET && d->kind != DFP_LAYER_KIND_MAC;
}

const char *
dfp_engine_layer_guid(uint16_t layer_id)
{
	const struct layer_desc *d = layer_find(layer_id);

	return d != NULL ? d->guid : NULL;
}

const uint16_t *
dfp_engine_layer_ids(unsigned int *n)
{
	*n = DFP_LAYER_COUNT;
	return layer_id_list;
}

bool
dfp_engine_layer_has_field(uint16_t layer_id, enum dfp_field field)
{
	const int8_t *t = layer_field_table(layer_id);

	if (t == NULL || (unsigned int)field >= DFP_FIELD_COUNT)
		return false;
	return t[field] != -2;
}

int
dfp_engine_layer_field_index(uint16_t layer_id, enum dfp_field field)
{
	const int8_t *t = layer_field_table(layer_id);

	if (t == NULL || (unsigned int)field >= DFP_FIELD_COUNT || t[field] < 0)
		return -1;
	return t[field];
}

const char *
dfp_engine_field_name(enum dfp_field field)
{
	if ((unsigned int)field >= DFP_FIELD_COUNT)
		return NULL;
	return field_descs[field].name;
}

int
dfp_engine_field_from_name(const char *name)
{
	unsigned int i;

	if (name == NULL)
		return -1;
	if (strncasecmp(name, "FWPM_CONDITION_", 15) == 0)
		name += 15;
	if (strcasecmp(name, "ICMP_TYPE") == 0)
		return DFP_FIELD_IP_LOCAL_PORT;
	if (strcasecmp(name, "ICMP_CODE") == 0)
		return DFP_FIELD_IP_REMOTE_PORT;
	for (i = 0; i < DFP_FIELD_COUNT; i++)
		if (strcasecmp(field_descs[i].name, name) == 0)
			return (int)i;
	return -1;
}

enum dfp_field_type
dfp_engine_field_type(enum dfp_field field)
{
	if ((unsigned int)field >= DFP_FIELD_COUNT)
		return DFP_FIELD_TYPE_U32;
	return field_descs[field].type;
}

unsigned int
dfp_engine_field_bits(enum dfp_field field, unsigned int family)
{
	switch (dfp_engine_field_type(field)) {
	case DFP_FIELD_TYPE_U8:
		return 8;
	case DFP_FIELD_TYPE_U16:
		return 16;
	case DFP_FIELD_TYPE_U32:
		return 32;
	case DFP_FIELD_TYPE_ADDR:
		return family == 6 ? 128 : 32;
	case DFP_FIELD_TYPE_MAC:
		return 48;
	}
	return 32;
}

static const char *const match_names[] = {
	[DFP_MATCH_EQUAL] = "equal",
	[DFP_MATCH_GREATER] = "greater",
	[DFP_MATCH_LESS] = "less",
	[DFP_MATCH_GREATER_OR_EQUAL] = "greater_or_equal",
	[DFP_MATCH_LESS_OR_EQUAL] = "less_or_equal",
	[DFP_MATCH_RANGE] = "range",
	[DFP_MATCH_FLAGS_ALL_SET] = "flags_all_set",
	[DFP_MATCH_FLAGS_ANY_SET] = "flags_any_set",
	[DFP_MATCH_FLAGS_NONE_SET] = "flags_none_set",
	[DFP_MATCH_EQUAL_CASE_INSENSITIVE] = "equal_case_insensitive",
	[DFP_MATCH_NOT_EQUAL] = "not_equal",
};

const char *
dfp_engine_match_name(enum dfp_match m)
{
	if ((unsigned int)m >= sizeof(match_names) / sizeof(match_names[0]))
		return NULL;
	return match_names[m];
}

int
dfp_engine_match_from_name(const char *name)
{
	unsigned int i;

	if (name == NULL)
		return -1;
	if (strncasecmp(name, "FWP_MATCH_", 10) == 0)
		name += 10;
	for (i = 0; i < sizeof(match_names) / sizeof(match_names[0]); i++)
		if (match_names[i] != NULL && strcasecmp(match_names[i], name) == 0)
			return (int)i;
	return -1;
}

struct action_name {
	uint32_t action;
	const char *name;
	bool filter_action;
};

static const struct action_name action_names[] = {
	{DFP_ACTION_BLOCK, "block", true},
	{DFP_ACTION_PERMIT, "permit", true},
	{DFP_ACTION_CALLOUT_TERMINATING, "callout_terminating", true},
	{DFP_ACTION_CALLOUT_INSPECTION, "callout_inspection", true},
	{DFP_ACTION_CALLOUT_UNKNOWN, "callout_unknown", true},
	{DFP_ACTION_CONTINUE, "continue", false},
	{DFP_ACTION_NONE, "none", false},
	{DFP_ACTION_NONE_NO_MATCH, "none_no_match", false},
};

const char *
dfp_engine_action_name(uint32_t action)
{
	unsigned int i;

	for (i = 0; i < sizeof(action_names) / sizeof(action_names[0]); i++)
		if (action_names[i].action == action)
			return action_names[i].name;
	return "unknown";
}

int
dfp_engine_action_from_name(const char *name)
{
	unsigned int i;

	if (name == NULL)
		return -1;
	if (strncasecmp(name, "FWP_ACTION_", 11) == 0)
		name += 11;
	for (i = 0; i < sizeof(action_names) / sizeof(action_names[0]); i++)
		if (action_names[i].filter_action && strcasecmp(action_names[i].name, name) == 0)
			return (int)action_names[i].action;
	return -1;
}

static uint64_t
mac_to_u64(const uint8_t m[6])
{
	uint64_t v = 0;
	unsigned int i;

	for (i = 0; i < 6; i++)
		v = (v << 8) | m[i];
	return v;
}

static struct dfp_u128
addr_to_u128(const union dfp_engine_addr *a, unsigned int family)
{
	struct dfp_u128 r = {0, 0};
	unsigned int i;

	if (family != 6) {
		r.lo = a->v4;
		return r;
	}
	for (i = 0; i < 8; i++)
		r.hi = (r.hi << 8) | a->v6[i];
	for (i = 8; i < 16; i++)
		r.lo = (r.lo << 8) | a->v6[i];
	return r;
}

struct dfp_u128
dfp_engine_values_get(const struct dfp_engine_values *v, enum dfp_field field, unsigned int family)
{
	struct dfp_u128 r = {0, 0};

	switch (field) {
	case DFP_FIELD_IP_PROTOCOL:
		r.lo = v->ip_protocol;
		break;
	case DFP_FIELD_IP_LOCAL_ADDRESS:
		return addr_to_u128(&v->local_addr, family);
	case DFP_FIELD_IP_REMOTE_ADDRESS:
		return addr_to_u128(&v->remote_addr, family);
	case DFP_FIELD_IP_LOCAL_ADDRESS_TYPE:
		r.lo = v->local_addr_type;
		break;
	case DFP_FIELD_IP_LOCAL_PORT:
		r.lo = v->local_port;
		break;
	case DFP_FIELD_IP_REMOTE_PORT:
		r.lo = v->remote_port;
		break;
	case DFP_FIELD_INTERFACE_INDEX:
		r.lo = v->interface_index;
		break;
	case DFP_FIELD_FLAGS:
		r.lo = v->flags;
		break;
	case DFP_FIELD_DIRECTION:
		r.lo = v->direction;
		break;
	case DFP_FIELD_VLAN_ID:
		r.lo = v->vlan_id;
		break;
	case DFP_FIELD_ETHER_TYPE:
		r.lo = v->ether_type;
		break;
	case DFP_FIELD_MAC_LOCAL_ADDRESS:
		r.lo = mac_to_u64(v->local_mac);
		break;
	case DFP_FIELD_MAC_REMOTE_ADDRESS:
		r.lo = mac_to_u64(v->remote_mac);
		break;
	case DFP_FIELD_REAUTHORIZE_REASON:
		r.lo = v->reauth_reason;
		break;
	case DFP_FIELD_DFP_TCP_FLAGS:
		r.lo = v->tcp_flags;
		break;
	case DFP_FIELD_DFP_DSCP:
		r.lo = v->dscp;
		break;
	case DFP_FIELD_COUNT:
		break;
	}
	return r;
}
