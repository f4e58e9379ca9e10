/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Where the classify adapter puts each engine field: the FWPS_FIELDS_*
 * index per layer, taken from the enums of dfp_wfp.h (the WDK's values),
 * and the per-layer slot tables built from them in dfp_wfp_bind().
 */
#include <string.h>

#include "wfp_private.h"

/* Table entry: FWPS_FIELDS_* index + 1, so 0 means "not a WFP field here". */
#define S(layer, name) [DFP_FIELD_##name] = (uint8_t)(FWPS_FIELD_##layer##_##name + 1)

static const uint8_t idx_in_ippacket[DFP_FIELD_COUNT] = {
	S(INBOUND_IPPACKET_V4, IP_LOCAL_ADDRESS), S(INBOUND_IPPACKET_V4, IP_REMOTE_ADDRESS),
	S(INBOUND_IPPACKET_V4, IP_LOCAL_ADDRESS_TYPE), S(INBOUND_IPPACKET_V4, INTERFACE_INDEX),
	S(INBOUND_IPPACKET_V4, FLAGS),
};
static const uint8_t idx_out_ippacket[DFP_FIELD_COUNT] = {
	S(OUTBOUND_IPPACKET_V4, IP_LOCAL_ADDRESS), S(OUTBOUND_IPPACKET_V4, IP_REMOTE_ADDRESS),
	S(OUTBOUND_IPPACKET_V4, IP_LOCAL_ADDRESS_TYPE), S(OUTBOUND_IPPACKET_V4, INTERFACE_INDEX),
	S(OUTBOUND_IPPACKET_V4, FLAGS),
};
static const uint8_t idx_in_transport[DFP_FIELD_COUNT] = {
	S(INBOUND_TRANSPORT_V4, IP_PROTOCOL), S(INBOUND_TRANSPORT_V4, IP_LOCAL_ADDRESS),
	S(INBOUND_TRANSPORT_V4, IP_REMOTE_ADDRESS), S(INBOUND_TRANSPORT_V4, IP_LOCAL_ADDRESS_TYPE),
	S(INBOUND_TRANSPORT_V4, IP_LOCAL_PORT), S(INBOUND_TRANSPORT_V4, IP_REMOTE_PORT),
	S(INBOUND_TRANSPORT_V4, INTERFACE_INDEX), S(INBOUND_TRANSPORT_V4, FLAGS),
};
static const uint8_t idx_out_transport[DFP_FIELD_COUNT] = {
	S(OUTBOUND_TRANSPORT_V4, IP_PROTOCOL), S(OUTBOUND_TRANSPORT_V4, IP_LOCAL_ADDRESS),
	S(OUTBOUND_TRANSPORT_V4, IP_REMOTE_ADDRESS),
	S(OUTBOUND_TRANSPORT_V4, IP_LOCAL_ADDRESS_TYPE),
	S(OUTBOUND_TRANSPORT_V4, IP_LOCAL_PORT), S(OUTBOUND_TRANSPORT_V4, IP_REMOTE_PORT),
	S(OUTBOUND_TRANSPORT_V4, INTERFACE_INDEX), S(OUTBOUND_TRANSPORT_V4, FLAGS),
};
static const uint8_t idx_stream[DFP_FIELD_COUNT] = {
	S(STREAM_V4, IP_LOCAL_ADDRESS), S(STREAM_V4, IP_LOCAL_ADDRESS_TYPE),
	S(STREAM_V4, IP_REMOTE_ADDRESS), S(STREAM_V4, IP_LOCAL_PORT),
	S(STREAM_V4, IP_REMOTE_PORT), S(STREAM_V4, DIRECTION), S(STREAM_V4, FLAGS),
};
static const uint8_t idx_datagram[DFP_FIELD_COUNT] = {
	S(DATAGRAM_DATA_V4, IP_PROTOCOL), S(DATAGRAM_DATA_V4, IP_LOCAL_ADDRESS),
	S(DATAGRAM_DATA_V4, IP_REMOTE_ADDRESS), S(DATAGRAM_DATA_V4, IP_LOCAL_ADDRESS_TYPE),
	S(DATAGRAM_DATA_V4, IP_LOCAL_PORT), S(DATAGRAM_DATA_V4, IP_REMOTE_PORT),
	S(DATAGRAM_DATA_V4, INTERFACE_INDEX), S(DATAGRAM_DATA_V4, DIRECTION),
	S(DATAGRAM_DATA_V4, FLAGS),
};
static const uint8_t idx_recv_accept[DFP_FIELD_COUNT] = {
	S(ALE_AUTH_RECV_ACCEPT_V4, IP_PROTOCOL), S(ALE_AUTH_RECV_ACCEPT_V4, IP_LOCAL_ADDRESS),
	S(ALE_AUTH_RECV_ACCEPT_V4, IP_LOCAL_ADDRESS_TYPE),
	S(ALE_AUTH_RECV_ACCEPT_V4, IP_LOCAL_PORT), S(ALE_AUTH_RECV_ACCEPT_V4, IP_REMOTE_ADDRESS),
	S(ALE_AUTH_RECV_ACCEPT_V4, IP_REMOTE_PORT), S(ALE_AUTH_RECV_ACCEPT_V4, FLAGS),
	S(ALE_AUTH_RECV_ACCEPT_V4, INTERFACE_INDEX),
	S(ALE_AUTH_RECV_ACCEPT_V4, REAUTHORIZE_REASON),
};
static const uint8_t idx_connect[DFP_FIELD_COUNT] = {
	S(ALE_AUTH_CONNECT_V4, IP_PROTOCOL), S(ALE_AUTH_CONNECT_V4, IP_LOCAL_ADDRESS),
	S(ALE_AUTH_CONNECT_V4, IP_LOCAL_ADDRESS_TYPE), S(ALE_AUTH_CONNECT_V4, IP_LOCAL_PORT),
	S(ALE_AUTH_CONNECT_V4, IP_REMOTE_ADDRESS), S(ALE_AUTH_CONNECT_V4, IP_REMOTE_PORT),
	S(ALE_AUTH_CONNECT_V4, FLAGS), S(ALE_AUTH_CONNECT_V4, INTERFACE_INDEX),
	S(ALE_AUTH_CONNECT_V4, REAUTHORIZE_REASON),
};
static const uint8_t idx_established[DFP_FIELD_COUNT] = {
	S(ALE_FLOW_ESTABLISHED_V4, IP_PROTOCOL), S(ALE_FLOW_ESTABLISHED_V4, IP_LOCAL_ADDRESS),
	S(ALE_FLOW_ESTABLISHED_V4, IP_LOCAL_ADDRESS_TYPE),
	S(ALE_FLOW_ESTABLISHED_V4, IP_LOCAL_PORT), S(ALE_FLOW_ESTABLISHED_V4, IP_REMOTE_ADDRESS),
	S(ALE_FLOW_ESTABLISHED_V4, IP_REMOTE_PORT), S(ALE_FLOW_ESTABLISHED_V4, DIRECTION),
	S(ALE_FLOW_ESTABLISHED_V4, FLAGS),
};
static const uint8_t idx_mac[DFP_FIELD_COUNT] = {
	S(INBOUND_MAC_FRAME_ETHERNET, MAC_LOCAL_ADDRESS),
	S(INBOUND_MAC_FRAME_ETHERNET, MAC_REMOTE_ADDRESS),
	S(INBOUND_MAC_FRAME_ETHERNET, ETHER_TYPE), S(INBOUND_MAC_FRAME_ETHERNET, VLAN_ID),
	S(INBOUND_MAC_FRAME_ETHERNET, INTERFACE_INDEX),
};
#undef S

_Static_assert((int)FWPS_FIELD_OUTBOUND_MAC_FRAME_ETHERNET_VLAN_ID ==
	(int)FWPS_FIELD_INBOUND_MAC_FRAME_ETHERNET_VLAN_ID, "MAC layers share one order");
_Static_assert(FWPS_FIELD_ALE_AUTH_RECV_ACCEPT_V4_MAX <= DFP_WFP_MAX_INCOMING_VALUES &&
	FWPS_FIELD_ALE_FLOW_ESTABLISHED_V4_MAX <= DFP_WFP_MAX_INCOMING_VALUES &&
	FWPS_FIELD_OUTBOUND_TRANSPORT_V4_MAX <= DFP_WFP_MAX_INCOMING_VALUES,
	"DFP_WFP_MAX_INCOMING_VALUES bounds every layer");

/* The index table and value count (FWPS_FIELD_..._MAX) of a layer; NULL if none. */
static const uint8_t *
layer_table(uint16_t layer_id, unsigned int *count)
{
	switch (layer_id) {
	case FWPS_LAYER_INBOUND_IPPACKET_V4:
	case FWPS_LAYER_INBOUND_IPPACKET_V6:
		*count = FWPS_FIELD_INBOUND_IPPACKET_V4_MAX;
		return idx_in_ippacket;
	case FWPS_LAYER_OUTBOUND_IPPACKET_V4:
	case FWPS_LAYER_OUTBOUND_IPPACKET_V6:
		*count = FWPS_FIELD_OUTBOUND_IPPACKET_V4_MAX;
		return idx_out_ippacket;
	case FWPS_LAYER_INBOUND_TRANSPORT_V4:
	case FWPS_LAYER_INBOUND_TRANSPORT_V6:
		*count = FWPS_FIELD_INBOUND_TRANSPORT_V4_MAX;
		return idx_in_transport;
	case FWPS_LAYER_OUTBOUND_TRANSPORT_V4:
	case FWPS_LAYER_OUTBOUND_TRANSPORT_V6:
		*count = FWPS_FIELD_OUTBOUND_TRANSPORT_V4_MAX;
		return idx_out_transport;
	case FWPS_LAYER_STREAM_V4:
	case FWPS_LAYER_STREAM_V6:
		*count = FWPS_FIELD_STREAM_V4_MAX;
		return idx_stream;
	case FWPS_LAYER_DATAGRAM_DATA_V4:
	case FWPS_LAYER_DATAGRAM_DATA_V6:
		*count = FWPS_FIELD_DATAGRAM_DATA_V4_MAX;
		return idx_datagram;
	case FWPS_LAYER_ALE_AUTH_RECV_ACCEPT_V4:
	case FWPS_LAYER_ALE_AUTH_RECV_ACCEPT_V6:
		*count = FWPS_FIELD_ALE_AUTH_RECV_ACCEPT_V4_MAX;
		return idx_recv_accept;
	case FWPS_LAYER_ALE_AUTH_CONNECT_V4:
	case FWPS_LAYER_ALE_AUTH_CONNECT_V6:
		*count = FWPS_FIELD_ALE_AUTH_CONNECT_V4_MAX;
		return idx_connect;
	case FWPS_LAYER_ALE_FLOW_ESTABLISHED_V4:
	case FWPS_LAYER_ALE_FLOW_ESTABLISHED_V6:
		*count = FWPS_FIELD_ALE_FLOW_ESTABLISHED_V4_MAX;
		return idx_established;
	case FWPS_LAYER_INBOUND_MAC_FRAME_ETHERNET:
	case FWPS_LAYER_OUTBOUND_MAC_FRAME_ETHERNET:
		*count = FWPS_FIELD_INBOUND_MAC_FRAME_ETHERNET_MAX;
		return idx_mac;
	default:
		*count = 0;
		return NULL;
	}
}

int
dfp_wfp_field_index(UINT16 layerId, enum dfp_field field)
{
	const uint8_t *t;
	unsigned int count;

	if ((unsigned int)field >= DFP_FIELD_COUNT)
		return -1;
	t = layer_table(layerId, &count);
	if (t == NULL || t[field] == 0 || !dfp_engine_layer_has_field(layerId, field))
		return -1;
	return t[field] - 1;
}

struct wfp_layer_slots wfp_layer_slots[DFP_LAYER_ID_MAX];

void
wfp_fields_init(void)
{
	const uint16_t *ids;
	unsigned int n, i, f, count;
	struct wfp_layer_slots *ls;
	int idx;

	ids = dfp_engine_layer_ids(&n);
	for (i = 0; i < n; i++) {
		ls = &wfp_layer_slots[ids[i]];
		memset(ls, 0, sizeof(*ls));
		if (layer_table(ids[i], &count) == NULL)
			continue;
		ls->v6 = dfp_engine_layer_family(ids[i]) == 6;
		ls->value_count = (uint8_t)count;
		for (f = 0; f < DFP_FIELD_COUNT; f++) {
			idx = dfp_wfp_field_index(ids[i], (enum dfp_field)f);
			if (idx < 0)
				continue;
			ls->slot[ls->n].field = (uint8_t)f;
			ls->slot[ls->n].index = (uint8_t)idx;
			ls->n++;
		}
	}
}
