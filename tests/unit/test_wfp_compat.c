/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The WFP compatibility layer (lib/wfp, DESIGN §6): a small callout
 * "driver" and "management tool" written only against dfp_wfp.h, in the
 * style of the inspect/msnmntr samples (spec §9 S4/S5), run on a real
 * control plane.
 *
 * The file has two halves. The driver (drv_*) uses WFP names only: it
 * opens a dynamic session, adds a sublayer, callouts and filters in one
 * transaction, registers its classifyFn/notifyFn/flowDeleteFn, and records
 * what its callbacks see. The harness (hx_*) plays the appliance with the
 * native API: it creates and binds the control plane, creates flows, and
 * classifies packets through the engine with the callout runtime's invoke
 * hook, one struct dfp_callout_pkt per packet.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include <cmocka.h>

#include "dfp_wfp.h"
#include "dfp_ctl.h"
#include "test_eal.h"

/* ======================================================================
 * The driver: WFP names only
 * ====================================================================== */

#define DRV_NAME(s) ((wchar_t *)(s))

static const GUID DRV_SUBLAYER = {0xdf9a0001, 0x0001, 0x4000, {0x80, 0, 0, 0, 0, 0, 0, 0x01}};
static const GUID DRV_CO_TRANSPORT = {0xdf9a0002, 0x0002, 0x4000, {0x80, 0, 0, 0, 0, 0, 0, 0x02}};
static const GUID DRV_CO_TRANSPORT6 = {0xdf9a0003, 0x0003, 0x4000, {0x80, 0, 0, 0, 0, 0, 0, 0x03}};
static const GUID DRV_CO_CONNECT = {0xdf9a0004, 0x0004, 0x4000, {0x80, 0, 0, 0, 0, 0, 0, 0x04}};
static const GUID DRV_CO_ESTABLISHED = {0xdf9a0005, 0x0005, 0x4000, {0x80, 0, 0, 0, 0, 0, 0, 0x05}};
static const GUID DRV_CO_STREAM = {0xdf9a0006, 0x0006, 0x4000, {0x80, 0, 0, 0, 0, 0, 0, 0x06}};
static const GUID DRV_CO_IPPACKET = {0xdf9a0007, 0x0007, 0x4000, {0x80, 0, 0, 0, 0, 0, 0, 0x07}};
static const GUID DRV_CO_UNKNOWN = {0xdf9a00ff, 0x00ff, 0x4000, {0x80, 0, 0, 0, 0, 0, 0, 0xff}};
static const GUID DRV_FILTER_KEY = {0xdf9a0100, 0x0100, 0x4000, {0x80, 0, 0, 0, 0, 0, 1, 0x00}};

/* Every callout key the tests may register (the teardown unregisters them). */
static const GUID *const drv_all_callouts[] = {
	&DRV_CO_TRANSPORT, &DRV_CO_TRANSPORT6, &DRV_CO_CONNECT, &DRV_CO_ESTABLISHED,
	&DRV_CO_STREAM, &DRV_CO_IPPACKET,
};

/* What the last classifyFn call saw (copied during the call). */
struct drv_seen {
	unsigned int calls;
	UINT16 layerId;
	UINT32 valueCount;
	FWP_VALUE0 values[DFP_WFP_MAX_INCOMING_VALUES];
	UINT8 v6[DFP_WFP_MAX_INCOMING_VALUES][16];  /* Copies of BYTE_ARRAY16 values. */
	UINT32 metaPresent;
	UINT64 flowHandle;
	FWP_DIRECTION direction;
	UINT32 ipHeaderSize;
	UINT32 transportHeaderSize;
	bool haveClassifyContext;
	UINT64 filterId;
	UINT64 filterContext;
	FWP_ACTION_TYPE filterAction;
	UINT32 filterCalloutId;
	FWP_DATA_TYPE weightType;
	UINT64 weight;
	UINT64 flowContext;
	UINT32 rightsIn;
	NTSTATUS nestedStatus;       /* A PASSIVE call made from inside classifyFn. */
	NTSTATUS associateStatus;    /* FwpsFlowAssociateContext0 from classifyFn. */
	NTSTATUS pendStatus;         /* FwpsPendClassify0 from classifyFn. */
	UINT64 classifyHandle;
};

/* Driver state (a real driver keeps this in its device extension). */
static struct {
	struct drv_seen seen;
	FWP_ACTION_TYPE verdict;          /* What classifyFn returns. */
	bool tryNested;                   /* Call FwpsCalloutRegister1 from classifyFn. */
	UINT32 associateCalloutId;        /* At FLOW_ESTABLISHED: associate for this callout... */
	UINT16 associateLayerId;          /* ...at this layer (msnmntr's pattern). */
	UINT64 associateContext;
	bool pend;                        /* Acquire and pend the classification. */
	UINT64 notifyContext;             /* Stored in filter->context on ADD (0: leave). */
	unsigned int nAdd;
	unsigned int nDelete;
	GUID lastAddKey;
	unsigned int nFlowDelete;
	UINT64 lastFlowDeleteContext;
	UINT16 lastFlowDeleteLayer;
} drv;

static void NTAPI
drv_classify(const FWPS_INCOMING_VALUES0 *inFixedValues,
		const FWPS_INCOMING_METADATA_VALUES0 *inMetaValues, void *layerData,
		const void *classifyContext, const FWPS_FILTER1 *filter, UINT64 flowContext,
		FWPS_CLASSIFY_OUT0 *classifyOut)
{
	struct drv_seen *s = &drv.seen;
	UINT32 i;

	UNREFERENCED_PARAMETER(layerData);
	s->calls++;
	s->layerId = inFixedValues->layerId;
	s->valueCount = inFixedValues->valueCount;
	for (i = 0; i < inFixedValues->valueCount && i < DFP_WFP_MAX_INCOMING_VALUES; i++) {
		s->values[i] = inFixedValues->incomingValue[i].value;
		if (s->values[i].type == FWP_BYTE_ARRAY16_TYPE)
			memcpy(s->v6[i], s->values[i].byteArray16->byteArray16, 16);
	}
	s->metaPresent = inMetaValues->currentMetadataValues;
	if (FWPS_IS_METADATA_FIELD_PRESENT(inMetaValues, FWPS_METADATA_FIELD_FLOW_HANDLE))
		s->flowHandle = inMetaValues->flowHandle;
	if (FWPS_IS_METADATA_FIELD_PRESENT(inMetaValues, FWPS_METADATA_FIELD_PACKET_DIRECTION))
		s->direction = inMetaValues->packetDirection;
	if (FWPS_IS_METADATA_FIELD_PRESENT(inMetaValues, FWPS_METADATA_FIELD_IP_HEADER_SIZE))
		s->ipHeaderSize = inMetaValues->ipHeaderSize;
	if (FWPS_IS_METADATA_FIELD_PRESENT(inMetaValues,
			FWPS_METADATA_FIELD_TRANSPORT_HEADER_SIZE))
		s->transportHeaderSize = inMetaValues->transportHeaderSize;
	s->haveClassifyContext = classifyContext != NULL;
	s->filterId = filter->filterId;
	s->filterContext = filter->context;
	s->filterAction = filter->action.type;
	s->filterCalloutId = filter->action.calloutId;
	s->weightType = filter->weight.type;
	s->weight = filter->weight.type == FWP_UINT64 ? *filter->weight.uint64 : 0;
	s->flowContext = flowContext;
	s->rightsIn = classifyOut->rights;

	if (drv.tryNested) {
		FWPS_CALLOUT1 c;

		memset(&c, 0, sizeof(c));
		c.calloutKey = DRV_CO_UNKNOWN;
		c.classifyFn = drv_classify;
		s->nestedStatus = FwpsCalloutRegister1(NULL, &c, NULL);
	}
	if (drv.associateCalloutId != 0)
		s->associateStatus = FwpsFlowAssociateContext0(inMetaValues->flowHandle,
			drv.associateLayerId, drv.associateCalloutId, drv.associateContext);
	if (drv.pend) {
		s->pendStatus = FwpsAcquireClassifyHandle0((void *)(uintptr_t)classifyContext, 0,
			&s->classifyHandle);
		if (NT_SUCCESS(s->pendStatus))
			s->pendStatus = FwpsPendClassify0(s->classifyHandle, filter->filterId, 0,
				classifyOut);
		return;
	}
	if (!(classifyOut->rights & FWPS_RIGHT_ACTION_WRITE))
		return;
	classifyOut->actionType = drv.verdict;
	if (drv.verdict == FWP_ACTION_BLOCK)
		classifyOut->rights &= ~FWPS_RIGHT_ACTION_WRITE;
}

/* The Vista form: no classifyContext. */
static void NTAPI
drv_classify0(const FWPS_INCOMING_VALUES0 *inFixedValues,
		const FWPS_INCOMING_METADATA_VALUES0 *inMetaValues, void *layerData,
		const FWPS_FILTER0 *filter, UINT64 flowContext, FWPS_CLASSIFY_OUT0 *classifyOut)
{
	UNREFERENCED_PARAMETER(inMetaValues);
	UNREFERENCED_PARAMETER(layerData);
	UNREFERENCED_PARAMETER(flowContext);
	drv.seen.calls++;
	drv.seen.layerId = inFixedValues->layerId;
	drv.seen.filterId = filter->filterId;
	classifyOut->actionType = FWP_ACTION_BLOCK;
	classifyOut->rights &= ~FWPS_RIGHT_ACTION_WRITE;
}

static NTSTATUS NTAPI
drv_notify(FWPS_CALLOUT_NOTIFY_TYPE notifyType, const GUID *filterKey, FWPS_FILTER1 *filter)
{
	switch (notifyType) {
	case FWPS_CALLOUT_NOTIFY_ADD_FILTER:
		drv.nAdd++;
		drv.lastAddKey = *filterKey;
		if (drv.notifyContext != 0)
			filter->context = drv.notifyContext;
		break;
	case FWPS_CALLOUT_NOTIFY_DELETE_FILTER:
		drv.nDelete++;
		break;
	default:
		break;
	}
	return STATUS_SUCCESS;
}

static void NTAPI
drv_flow_delete(UINT16 layerId, UINT32 calloutId, UINT64 flowContext)
{
	UNREFERENCED_PARAMETER(calloutId);
	drv.nFlowDelete++;
	drv.lastFlowDeleteContext = flowContext;
	drv.lastFlowDeleteLayer = layerId;
}

/* FwpsCalloutRegister1, as DriverEntry does. */
static NTSTATUS
drv_register(const GUID *key, UINT32 flags, bool withFlowDelete, UINT32 *calloutId)
{
	FWPS_CALLOUT1 c;

	memset(&c, 0, sizeof(c));
	c.calloutKey = *key;
	c.flags = flags;
	c.classifyFn = drv_classify;
	c.notifyFn = drv_notify;
	c.flowDeleteFn = withFlowDelete ? drv_flow_delete : NULL;
	return FwpsCalloutRegister1(NULL, &c, calloutId);
}

/* FwpmEngineOpen0 with a dynamic session, as every sample does. */
static NTSTATUS
drv_open(HANDLE *engine)
{
	FWPM_SESSION0 session;

	memset(&session, 0, sizeof(session));
	session.flags = FWPM_SESSION_FLAG_DYNAMIC;
	return FwpmEngineOpen0(NULL, RPC_C_AUTHN_WINNT, NULL, &session, engine);
}

static NTSTATUS
drv_add_sublayer(HANDLE engine)
{
	FWPM_SUBLAYER0 sl;

	memset(&sl, 0, sizeof(sl));
	sl.subLayerKey = DRV_SUBLAYER;
	sl.displayData.name = DRV_NAME(L"dfp test sublayer");
	sl.weight = 0;
	return FwpmSubLayerAdd0(engine, &sl, NULL);
}

static NTSTATUS
drv_add_callout(HANDLE engine, const GUID *key, const GUID *layer, UINT32 *id)
{
	FWPM_CALLOUT0 c;

	memset(&c, 0, sizeof(c));
	c.calloutKey = *key;
	c.displayData.name = DRV_NAME(L"dfp test callout");
	c.applicableLayer = *layer;
	return FwpmCalloutAdd0(engine, &c, NULL, id);
}

/* A callout filter in the driver's sublayer. */
static NTSTATUS
drv_add_filter(HANDLE engine, const GUID *layer, const GUID *calloutKey, FWP_ACTION_TYPE action,
		FWPM_FILTER_CONDITION0 *conds, UINT32 n, UINT64 rawContext, UINT64 *id)
{
	FWPM_FILTER0 f;

	memset(&f, 0, sizeof(f));
	f.displayData.name = DRV_NAME(L"dfp test filter");
	f.layerKey = *layer;
	f.subLayerKey = DRV_SUBLAYER;
	f.weight.type = FWP_EMPTY;
	f.numFilterConditions = n;
	f.filterCondition = conds;
	f.action.type = action;
	f.action.calloutKey = *calloutKey;
	f.rawContext = rawContext;
	return FwpmFilterAdd0(engine, &f, NULL, id);
}

/* A condition with a scalar operand. */
static FWPM_FILTER_CONDITION0
drv_cond_u8(const GUID *field, UINT8 v)
{
	FWPM_FILTER_CONDITION0 c;

	memset(&c, 0, sizeof(c));
	c.fieldKey = *field;
	c.matchType = FWP_MATCH_EQUAL;
	c.conditionValue.type = FWP_UINT8;
	c.conditionValue.uint8 = v;
	return c;
}

static FWPM_FILTER_CONDITION0
drv_cond_u16(const GUID *field, UINT16 v)
{
	FWPM_FILTER_CONDITION0 c;

	memset(&c, 0, sizeof(c));
	c.fieldKey = *field;
	c.matchType = FWP_MATCH_EQUAL;
	c.conditionValue.type = FWP_UINT16;
	c.conditionValue.uint16 = v;
	return c;
}

/*
 * The inspect-style install: register, then in one transaction a sublayer,
 * the callout object and a terminating filter on local port 80 / TCP.
 */
static void
drv_install_transport(HANDLE *engine, UINT32 *calloutId, UINT64 *filterId)
{
	FWPM_FILTER_CONDITION0 conds[2];
	UINT32 mgmtId = 0;

	assert_int_equal(drv_register(&DRV_CO_TRANSPORT, 0, true, calloutId), STATUS_SUCCESS);
	assert_int_equal(drv_open(engine), STATUS_SUCCESS);
	assert_int_equal(FwpmTransactionBegin0(*engine, 0), STATUS_SUCCESS);
	assert_int_equal(drv_add_sublayer(*engine), STATUS_SUCCESS);
	assert_int_equal(drv_add_callout(*engine, &DRV_CO_TRANSPORT,
		&FWPM_LAYER_INBOUND_TRANSPORT_V4, &mgmtId), STATUS_SUCCESS);
	assert_int_equal(mgmtId, *calloutId);
	conds[0] = drv_cond_u16(&FWPM_CONDITION_IP_LOCAL_PORT, 80);
	conds[1] = drv_cond_u8(&FWPM_CONDITION_IP_PROTOCOL, 6);
	assert_int_equal(drv_add_filter(*engine, &FWPM_LAYER_INBOUND_TRANSPORT_V4,
		&DRV_CO_TRANSPORT, FWP_ACTION_CALLOUT_TERMINATING, conds, 2, 0x1234, filterId),
		STATUS_SUCCESS);
	assert_int_equal(FwpmTransactionCommit0(*engine), STATUS_SUCCESS);
}

/* One callout with an unconditional filter at a layer (own transaction). */
static void
drv_install_at(HANDLE engine, const GUID *key, const GUID *layer, UINT32 flags, bool flowDelete,
		FWP_ACTION_TYPE action, UINT32 *calloutId, UINT64 *filterId)
{
	assert_int_equal(drv_register(key, flags, flowDelete, calloutId), STATUS_SUCCESS);
	assert_int_equal(drv_add_callout(engine, key, layer, NULL), STATUS_SUCCESS);
	assert_int_equal(drv_add_filter(engine, layer, key, action, NULL, 0, 0, filterId),
		STATUS_SUCCESS);
}

/* ======================================================================
 * The harness: the appliance side, native API
 * ====================================================================== */

#define HX_TABLE_ID 0

static struct {
	struct dfp_ctl *ctl;
	struct dfp_flow_table *table;
	struct dfp_flow *flow;
	uint64_t flow_id;
} hx;

static int
hx_group_setup(void **state)
{
	(void)state;
	return dfp_test_eal_init(NULL, 0);
}

static int
hx_setup(void **state)
{
	struct dfp_ctl_params p;

	(void)state;
	memset(&drv, 0, sizeof(drv));
	drv.verdict = FWP_ACTION_BLOCK;
	memset(&hx, 0, sizeof(hx));
	memset(&p, 0, sizeof(p));
	p.max_readers = 4;
	if (dfp_ctl_create(&p, &hx.ctl) != DFP_STATUS_SUCCESS)
		return -1;
	dfp_wfp_bind(hx.ctl);
	return 0;
}

static int
hx_teardown(void **state)
{
	size_t i;

	(void)state;
	if (hx.flow != NULL)
		dfp_flow_end(hx.table, hx.flow);
	dfp_flow_table_free(hx.table);
	for (i = 0; i < sizeof(drv_all_callouts) / sizeof(drv_all_callouts[0]); i++)
		(void)FwpsCalloutUnregisterByKey0(drv_all_callouts[i]);
	dfp_wfp_bind(NULL);
	dfp_ctl_destroy(hx.ctl);
	return 0;
}

/* A flow owned by the test thread (it plays the owning worker). */
static void
hx_flow_new(void)
{
	assert_int_equal(dfp_flow_table_create(dfp_ctl_flows(hx.ctl), HX_TABLE_ID, 16, &hx.table),
		DFP_STATUS_SUCCESS);
	hx.flow_id = dfp_flow_alloc(hx.table, &hx.flow);
	assert_true(hx.flow_id != 0);
}

/* An inbound TCP packet to 10.0.0.2:80 from 192.0.2.7:40000 on port 3. */
static struct dfp_engine_values
hx_values4(void)
{
	struct dfp_engine_values v;

	memset(&v, 0, sizeof(v));
	v.local_addr.v4 = 0x0A000002;
	v.remote_addr.v4 = 0xC0000207;
	v.local_port = 80;
	v.remote_port = 40000;
	v.ip_protocol = 6;
	v.interface_index = 3;
	v.flags = DFP_COND_FLAG_IS_REASSEMBLED;
	v.local_addr_type = 1;
	v.direction = DFP_DIRECTION_INBOUND;
	v.vlan_id = 77;          /* An extension at this layer: never in the array. */
	v.tcp_flags = 0x12;
	v.dscp = 46;
	return v;
}

/* The per-packet context the datapath passes (and WFP's classifyContext). */
static struct dfp_callout_pkt
hx_pkt(void)
{
	struct dfp_callout_pkt pkt;

	memset(&pkt, 0, sizeof(pkt));
	pkt.meta.present = DFP_META_IP_HEADER_SIZE | DFP_META_TRANSPORT_HEADER_SIZE |
		DFP_META_PACKET_DIRECTION;
	pkt.meta.direction = DFP_DIRECTION_INBOUND;
	pkt.meta.ip_header_size = 20;
	pkt.meta.transport_header_size = 32;
	if (hx.flow != NULL) {
		pkt.meta.present |= DFP_META_FLOW_HANDLE;
		pkt.meta.flow_handle = hx.flow_id;
		pkt.table = hx.table;
		pkt.flow = hx.flow;
	}
	return pkt;
}

/* Classify one packet against the published ruleset, callouts included. */
static struct dfp_engine_verdict
hx_classify(uint16_t layer, const struct dfp_engine_values *v, struct dfp_callout_pkt *pkt)
{
	struct dfp_engine_classify_env env = {dfp_callout_invoke, dfp_ctl_callouts(hx.ctl)};
	const struct dfp_engine_ruleset *rs = dfp_ctl_ruleset_get(dfp_ctl_ruleset_slot(hx.ctl));
	const struct dfp_engine_values *values[1] = {v};
	void *ctxs[1] = {pkt};
	struct dfp_engine_verdict out;

	memset(&out, 0, sizeof(out));
	dfp_engine_classify_burst(rs, layer, values, ctxs, 1, &env, &out);
	return out;
}

/* The engine's record of a filter (the harness looks behind the WFP names). */
static struct dfp_engine_filter_info
hx_filter(HANDLE engine, uint64_t id)
{
	struct dfp_engine_filter_info info;

	assert_int_equal(dfp_ctl_filter_get((struct dfp_ctl_session *)engine, id, &info),
		DFP_STATUS_SUCCESS);
	return info;
}

/* A filter with one condition, for the conversion tests (static BLOCK action). */
static NTSTATUS
hx_add_cond_filter(HANDLE engine, const GUID *layer, const FWPM_FILTER_CONDITION0 *cond,
		UINT64 *id)
{
	FWPM_FILTER0 f;

	memset(&f, 0, sizeof(f));
	f.displayData.name = DRV_NAME(L"conversion");
	f.layerKey = *layer;
	f.weight.type = FWP_EMPTY;
	f.numFilterConditions = 1;
	f.filterCondition = (FWPM_FILTER_CONDITION0 *)(uintptr_t)cond;
	f.action.type = FWP_ACTION_BLOCK;
	return FwpmFilterAdd0(engine, &f, NULL, id);
}

/* ======================================================================
 * Types and constants
 * ====================================================================== */

static void
test_layout_matches_wfp_x64(void **state)
{
	(void)state;
	/* The static asserts of dfp_wfp.h hold; spot-check the run-time values too. */
	assert_int_equal(sizeof(FWPS_CLASSIFY_OUT0), 40);
	assert_int_equal(offsetof(FWPS_CLASSIFY_OUT0, rights), 24);
	assert_int_equal(sizeof(FWP_VALUE0), 16);
	assert_int_equal(sizeof(FWPS_FILTER1), 64);
	assert_int_equal(offsetof(FWPS_FILTER1, context), 48);
	assert_int_equal(sizeof(FWPS_INCOMING_VALUES0), 16);
	assert_int_equal(sizeof(FWPM_FILTER0), 200);
	assert_int_equal(sizeof(GUID), 16);
}

static void
test_status_names_carry_ntstatus_values(void **state)
{
	(void)state;
	assert_int_equal(STATUS_SUCCESS, 0);
	assert_int_equal((uint32_t)STATUS_FWP_IN_USE, 0xC022000Au);
	assert_int_equal((uint32_t)STATUS_FWP_CALLOUT_NOT_FOUND, 0xC0220001u);
	assert_int_equal((uint32_t)STATUS_DEVICE_BUSY, 0x80000011u);
	assert_int_equal((uint32_t)STATUS_INVALID_DEVICE_STATE, 0xC0000184u);
	assert_true(NT_SUCCESS(STATUS_PENDING));
	assert_true(NT_SUCCESS(STATUS_OBJECT_NAME_EXISTS));
	assert_false(NT_SUCCESS(STATUS_DEVICE_BUSY));
	assert_int_equal(FWP_ACTION_CALLOUT_TERMINATING, 0x5003);
	assert_int_equal(FWP_V4_ADDR_MASK, 0x100);
	assert_int_equal(FWP_BYTE_ARRAY6_TYPE, 18);
}

static void
test_layer_guids_match_engine_layers(void **state)
{
	static const struct {
		const GUID *key;
		uint16_t id;
	} layers[] = {
#define HX_LAYER_(name, id, fam, dir, kind, guid) {&FWPM_LAYER_##name, FWPS_LAYER_##name},
		DFP_LAYER_LIST(HX_LAYER_)
#undef HX_LAYER_
	};
	unsigned int i, n;
	GUID g;

	(void)state;
	dfp_engine_layer_ids(&n);
	assert_int_equal(sizeof(layers) / sizeof(layers[0]), n);
	for (i = 0; i < n; i++) {
		assert_int_equal(dfp_guid_parse(dfp_engine_layer_guid(layers[i].id), &g), 0);
		assert_true(dfp_guid_equal(&g, layers[i].key));
	}
	assert_int_equal(dfp_guid_parse(DFP_ENGINE_SUBLAYER_UNIVERSAL_KEY, &g), 0);
	assert_true(dfp_guid_equal(&g, &FWPM_SUBLAYER_UNIVERSAL));
	assert_int_equal(dfp_guid_parse(DFP_ENGINE_SUBLAYER_INSPECTION_KEY, &g), 0);
	assert_true(dfp_guid_equal(&g, &FWPM_SUBLAYER_INSPECTION));
}

/*
 * The adapter's indexes are the WDK's FWPS_FIELDS_* values, and
 * lib/engine's dfp_engine_layer_field_index() must agree with them for
 * every layer and field. The entries listed are the ones where connect and
 * outbound IP packet differ from their inbound twins; they are checked
 * against literal WDK values as well.
 */
static void
test_field_indexes_follow_fwps_fields_enums(void **state)
{
	static const struct {
		uint16_t layer;
		enum dfp_field field;
		int wdk;
	} wdk[] = {
		{FWPS_LAYER_ALE_AUTH_CONNECT_V4, DFP_FIELD_FLAGS, 12},
		{FWPS_LAYER_ALE_AUTH_CONNECT_V6, DFP_FIELD_FLAGS, 12},
		{FWPS_LAYER_ALE_AUTH_CONNECT_V4, DFP_FIELD_INTERFACE_INDEX, 15},
		{FWPS_LAYER_ALE_AUTH_CONNECT_V6, DFP_FIELD_INTERFACE_INDEX, 15},
		{FWPS_LAYER_ALE_AUTH_CONNECT_V4, DFP_FIELD_REAUTHORIZE_REASON, 28},
		{FWPS_LAYER_ALE_AUTH_CONNECT_V6, DFP_FIELD_REAUTHORIZE_REASON, 28},
		{FWPS_LAYER_OUTBOUND_IPPACKET_V4, DFP_FIELD_IP_LOCAL_ADDRESS_TYPE, 1},
		{FWPS_LAYER_OUTBOUND_IPPACKET_V6, DFP_FIELD_IP_LOCAL_ADDRESS_TYPE, 1},
		{FWPS_LAYER_OUTBOUND_IPPACKET_V4, DFP_FIELD_IP_REMOTE_ADDRESS, 2},
		{FWPS_LAYER_OUTBOUND_IPPACKET_V6, DFP_FIELD_IP_REMOTE_ADDRESS, 2},
	};
	const uint16_t *ids;
	unsigned int n, i, f, k;
	int mine, eng;
	bool listed;

	(void)state;
	/* Literal WDK values (fwpsk.h) for the enums themselves. */
	assert_int_equal(FWPS_FIELD_INBOUND_TRANSPORT_V4_FLAGS, 9);
	assert_int_equal(FWPS_FIELD_OUTBOUND_TRANSPORT_V6_FLAGS, 10);
	assert_int_equal(FWPS_FIELD_ALE_AUTH_RECV_ACCEPT_V4_REAUTHORIZE_REASON, 29);
	assert_int_equal(FWPS_FIELD_ALE_AUTH_CONNECT_V4_FLAGS, 12);
	assert_int_equal(FWPS_FIELD_ALE_AUTH_CONNECT_V4_MAX, 41);
	assert_int_equal(FWPS_FIELD_ALE_FLOW_ESTABLISHED_V6_DIRECTION, 12);
	assert_int_equal(FWPS_FIELD_STREAM_V4_DIRECTION, 5);
	assert_int_equal(FWPS_FIELD_DATAGRAM_DATA_V4_DIRECTION, 9);
	assert_int_equal(FWPS_FIELD_INBOUND_MAC_FRAME_ETHERNET_VLAN_ID, 6);
	assert_int_equal(FWPS_FIELD_INBOUND_TRANSPORT_V4_ICMP_CODE, 5);

	ids = dfp_engine_layer_ids(&n);
	for (i = 0; i < n; i++) {
		for (f = 0; f < DFP_FIELD_COUNT; f++) {
			mine = dfp_wfp_field_index(ids[i], (enum dfp_field)f);
			eng = dfp_engine_layer_field_index(ids[i], (enum dfp_field)f);
			listed = false;
			for (k = 0; k < sizeof(wdk) / sizeof(wdk[0]); k++) {
				if (wdk[k].layer == ids[i] && wdk[k].field == (enum dfp_field)f) {
					assert_int_equal(mine, wdk[k].wdk);
					listed = true;
				}
			}
			/* The engine's own table must agree with the WDK everywhere. */
			assert_int_equal(mine, eng);
			(void)listed;
		}
	}
	/* Extensions are never in the array. */
	assert_int_equal(dfp_wfp_field_index(FWPS_LAYER_INBOUND_TRANSPORT_V4,
		DFP_FIELD_DFP_TCP_FLAGS), -1);
	assert_int_equal(dfp_wfp_field_index(FWPS_LAYER_INBOUND_TRANSPORT_V4, DFP_FIELD_VLAN_ID),
		-1);
}

/* ======================================================================
 * Binding and sessions
 * ====================================================================== */

static void
test_calls_fail_with_invalid_device_state_when_unbound(void **state)
{
	HANDLE engine = NULL;
	UINT64 h = 0;

	(void)state;
	dfp_wfp_bind(NULL);
	assert_int_equal(drv_open(&engine), STATUS_INVALID_DEVICE_STATE);
	assert_int_equal(drv_register(&DRV_CO_TRANSPORT, 0, false, NULL),
		STATUS_INVALID_DEVICE_STATE);
	assert_int_equal(FwpsCalloutUnregisterById0(1), STATUS_INVALID_DEVICE_STATE);
	assert_int_equal(FwpsFlowAbort0(1), STATUS_INVALID_DEVICE_STATE);
	assert_int_equal(FwpsAcquireClassifyHandle0(&h, 0, &h), STATUS_INVALID_DEVICE_STATE);
	dfp_wfp_bind(hx.ctl);
	assert_int_equal(drv_open(&engine), STATUS_SUCCESS);
	assert_int_equal(FwpmEngineClose0(engine), STATUS_SUCCESS);
}

static void
test_engine_open_rejects_server_name_and_bad_authn(void **state)
{
	HANDLE engine = NULL;

	(void)state;
	assert_int_equal(FwpmEngineOpen0(L"remote", RPC_C_AUTHN_WINNT, NULL, NULL, &engine),
		STATUS_INVALID_PARAMETER);
	assert_int_equal(FwpmEngineOpen0(NULL, 9, NULL, NULL, &engine), STATUS_INVALID_PARAMETER);
	assert_int_equal(FwpmEngineOpen0(NULL, RPC_C_AUTHN_DEFAULT, NULL, NULL, &engine),
		STATUS_SUCCESS);
	assert_int_equal(FwpmEngineClose0(engine), STATUS_SUCCESS);
}

static void
test_write_in_read_only_transaction_is_incompatible_txn(void **state)
{
	HANDLE engine;

	(void)state;
	assert_int_equal(drv_open(&engine), STATUS_SUCCESS);
	assert_int_equal(FwpmTransactionBegin0(engine, FWPM_TXN_READ_ONLY), STATUS_SUCCESS);
	assert_int_equal(FwpmTransactionBegin0(engine, 0), STATUS_FWP_TXN_IN_PROGRESS);
	assert_int_equal(drv_add_sublayer(engine), STATUS_FWP_INCOMPATIBLE_TXN);
	assert_int_equal(FwpmTransactionAbort0(engine), STATUS_SUCCESS);
	assert_int_equal(FwpmTransactionCommit0(engine), STATUS_FWP_NO_TXN_IN_PROGRESS);
	assert_int_equal(FwpmEngineClose0(engine), STATUS_SUCCESS);
}

static void
test_engine_close_of_dynamic_session_removes_its_objects(void **state)
{
	HANDLE engine, other;
	UINT32 calloutId;
	UINT64 filterId;
	struct dfp_engine_filter_info info;

	(void)state;
	drv_install_transport(&engine, &calloutId, &filterId);
	assert_int_equal(FwpmEngineClose0(engine), STATUS_SUCCESS);
	/* DELETE_FILTER reached the still-registered callout. */
	assert_int_equal(drv.nDelete, 1);
	assert_int_equal(FwpmEngineOpen0(NULL, RPC_C_AUTHN_WINNT, NULL, NULL, &other),
		STATUS_SUCCESS);
	assert_int_equal(dfp_ctl_filter_get((struct dfp_ctl_session *)other, filterId, &info),
		STATUS_FWP_FILTER_NOT_FOUND);
	assert_int_equal(FwpmCalloutDeleteByKey0(other, &DRV_CO_TRANSPORT),
		STATUS_FWP_CALLOUT_NOT_FOUND);
	assert_int_equal(FwpmSubLayerDeleteByKey0(other, &DRV_SUBLAYER),
		STATUS_FWP_SUBLAYER_NOT_FOUND);
	assert_int_equal(FwpmEngineClose0(other), STATUS_SUCCESS);
}

/* ======================================================================
 * Callout registration
 * ====================================================================== */

static void
test_register_twice_is_already_exists(void **state)
{
	UINT32 id1 = 0, id2 = 0;

	(void)state;
	assert_int_equal(drv_register(&DRV_CO_TRANSPORT, 0, false, &id1), STATUS_SUCCESS);
	assert_true(id1 != 0);
	assert_int_equal(drv_register(&DRV_CO_TRANSPORT, 0, false, &id2),
		STATUS_FWP_ALREADY_EXISTS);
}

static void
test_unregister_unknown_key_is_callout_not_found(void **state)
{
	(void)state;
	assert_int_equal(FwpsCalloutUnregisterByKey0(&DRV_CO_UNKNOWN),
		STATUS_FWP_CALLOUT_NOT_FOUND);
	assert_int_equal(FwpsCalloutUnregisterById0(0xFFFF), STATUS_FWP_CALLOUT_NOT_FOUND);
}

static void
test_unregister_then_register_again_succeeds(void **state)
{
	UINT32 id1 = 0, id2 = 0;

	(void)state;
	assert_int_equal(drv_register(&DRV_CO_TRANSPORT, 0, false, &id1), STATUS_SUCCESS);
	assert_int_equal(FwpsCalloutUnregisterById0(id1), STATUS_SUCCESS);
	assert_int_equal(FwpsCalloutUnregisterByKey0(&DRV_CO_TRANSPORT),
		STATUS_FWP_CALLOUT_NOT_FOUND);
	assert_int_equal(drv_register(&DRV_CO_TRANSPORT, 0, false, &id2), STATUS_SUCCESS);
	assert_int_equal(FwpsCalloutUnregisterByKey0(&DRV_CO_TRANSPORT), STATUS_SUCCESS);
}

static void
test_register_without_classify_fn_is_invalid_parameter(void **state)
{
	FWPS_CALLOUT1 c;

	(void)state;
	memset(&c, 0, sizeof(c));
	c.calloutKey = DRV_CO_TRANSPORT;
	assert_int_equal(FwpsCalloutRegister1(NULL, &c, NULL), STATUS_INVALID_PARAMETER);
	assert_int_equal(FwpsCalloutRegister1(NULL, NULL, NULL), STATUS_INVALID_PARAMETER);
}

static void
test_callout_delete_while_filter_references_it_is_in_use(void **state)
{
	HANDLE engine;
	UINT32 calloutId;
	UINT64 filterId;

	(void)state;
	drv_install_transport(&engine, &calloutId, &filterId);
	assert_int_equal(FwpmCalloutDeleteByKey0(engine, &DRV_CO_TRANSPORT), STATUS_FWP_IN_USE);
	assert_int_equal(FwpmCalloutDeleteById0(engine, calloutId), STATUS_FWP_IN_USE);
	assert_int_equal(FwpmFilterDeleteById0(engine, filterId), STATUS_SUCCESS);
	assert_int_equal(FwpmCalloutDeleteByKey0(engine, &DRV_CO_TRANSPORT), STATUS_SUCCESS);
	assert_int_equal(FwpmEngineClose0(engine), STATUS_SUCCESS);
}

static void
test_passive_call_inside_classify_fn_is_not_supported(void **state)
{
	struct dfp_engine_values v = hx_values4();
	struct dfp_callout_pkt pkt = hx_pkt();
	HANDLE engine;
	UINT32 calloutId;
	UINT64 filterId;

	(void)state;
	drv_install_transport(&engine, &calloutId, &filterId);
	drv.tryNested = true;
	hx_classify(FWPS_LAYER_INBOUND_TRANSPORT_V4, &v, &pkt);
	assert_int_equal(drv.seen.calls, 1);
	assert_int_equal(drv.seen.nestedStatus, STATUS_NOT_SUPPORTED);
	assert_int_equal(FwpmEngineClose0(engine), STATUS_SUCCESS);
}

/* ======================================================================
 * The classify adapter
 * ====================================================================== */

static void
test_classify_fn_sees_values_at_fwps_indexes(void **state)
{
	struct dfp_engine_values v = hx_values4();
	struct dfp_callout_pkt pkt = hx_pkt();
	const FWP_VALUE0 *s = drv.seen.values;
	unsigned int i, filled = 0;
	HANDLE engine;
	UINT32 calloutId;
	UINT64 filterId;

	(void)state;
	drv_install_transport(&engine, &calloutId, &filterId);
	hx_classify(FWPS_LAYER_INBOUND_TRANSPORT_V4, &v, &pkt);
	assert_int_equal(drv.seen.calls, 1);
	assert_int_equal(drv.seen.layerId, FWPS_LAYER_INBOUND_TRANSPORT_V4);
	assert_int_equal(drv.seen.valueCount, FWPS_FIELD_INBOUND_TRANSPORT_V4_MAX);
	assert_int_equal(s[FWPS_FIELD_INBOUND_TRANSPORT_V4_IP_PROTOCOL].type, FWP_UINT8);
	assert_int_equal(s[FWPS_FIELD_INBOUND_TRANSPORT_V4_IP_PROTOCOL].uint8, 6);
	assert_int_equal(s[FWPS_FIELD_INBOUND_TRANSPORT_V4_IP_LOCAL_ADDRESS].type, FWP_UINT32);
	assert_int_equal(s[FWPS_FIELD_INBOUND_TRANSPORT_V4_IP_LOCAL_ADDRESS].uint32, 0x0A000002);
	assert_int_equal(s[FWPS_FIELD_INBOUND_TRANSPORT_V4_IP_REMOTE_ADDRESS].uint32, 0xC0000207);
	assert_int_equal(s[FWPS_FIELD_INBOUND_TRANSPORT_V4_IP_LOCAL_ADDRESS_TYPE].type, FWP_UINT8);
	assert_int_equal(s[FWPS_FIELD_INBOUND_TRANSPORT_V4_IP_LOCAL_PORT].type, FWP_UINT16);
	assert_int_equal(s[FWPS_FIELD_INBOUND_TRANSPORT_V4_IP_LOCAL_PORT].uint16, 80);
	assert_int_equal(s[FWPS_FIELD_INBOUND_TRANSPORT_V4_IP_REMOTE_PORT].uint16, 40000);
	assert_int_equal(s[FWPS_FIELD_INBOUND_TRANSPORT_V4_INTERFACE_INDEX].type, FWP_UINT32);
	assert_int_equal(s[FWPS_FIELD_INBOUND_TRANSPORT_V4_INTERFACE_INDEX].uint32, 3);
	assert_int_equal(s[FWPS_FIELD_INBOUND_TRANSPORT_V4_FLAGS].type, FWP_UINT32);
	assert_int_equal(s[FWPS_FIELD_INBOUND_TRANSPORT_V4_FLAGS].uint32,
		FWP_CONDITION_FLAG_IS_REASSEMBLED);
	assert_int_equal(s[FWPS_FIELD_INBOUND_TRANSPORT_V4_IP_LOCAL_INTERFACE].type, FWP_EMPTY);
	/* Eight WFP fields; VLAN id, TCP flags and DSCP are extensions here. */
	for (i = 0; i < drv.seen.valueCount; i++)
		filled += s[i].type != FWP_EMPTY;
	assert_int_equal(filled, 8);
	assert_int_equal(FwpmEngineClose0(engine), STATUS_SUCCESS);
}

static void
test_classify_fn_sees_v6_addresses_as_byte_array16(void **state)
{
	static const uint8_t local[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		2};
	static const uint8_t remote[16] = {0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7};
	struct dfp_engine_values v = hx_values4();
	struct dfp_callout_pkt pkt = hx_pkt();
	HANDLE engine;
	UINT32 calloutId;
	UINT64 filterId;

	(void)state;
	memcpy(v.local_addr.v6, local, 16);
	memcpy(v.remote_addr.v6, remote, 16);
	assert_int_equal(drv_open(&engine), STATUS_SUCCESS);
	assert_int_equal(drv_add_sublayer(engine), STATUS_SUCCESS);
	drv_install_at(engine, &DRV_CO_TRANSPORT6, &FWPM_LAYER_INBOUND_TRANSPORT_V6, 0, false,
		FWP_ACTION_CALLOUT_TERMINATING, &calloutId, &filterId);
	hx_classify(FWPS_LAYER_INBOUND_TRANSPORT_V6, &v, &pkt);
	assert_int_equal(drv.seen.calls, 1);
	assert_int_equal(drv.seen.values[FWPS_FIELD_INBOUND_TRANSPORT_V6_IP_LOCAL_ADDRESS].type,
		FWP_BYTE_ARRAY16_TYPE);
	assert_memory_equal(drv.seen.v6[FWPS_FIELD_INBOUND_TRANSPORT_V6_IP_LOCAL_ADDRESS], local,
		16);
	assert_memory_equal(drv.seen.v6[FWPS_FIELD_INBOUND_TRANSPORT_V6_IP_REMOTE_ADDRESS],
		remote, 16);
	assert_int_equal(FwpmEngineClose0(engine), STATUS_SUCCESS);
}

static void
test_classify_fn_sees_metadata(void **state)
{
	struct dfp_engine_values v = hx_values4();
	struct dfp_callout_pkt pkt;
	HANDLE engine;
	UINT32 calloutId;
	UINT64 filterId;

	(void)state;
	hx_flow_new();
	pkt = hx_pkt();
	drv_install_transport(&engine, &calloutId, &filterId);
	hx_classify(FWPS_LAYER_INBOUND_TRANSPORT_V4, &v, &pkt);
	assert_int_equal(drv.seen.metaPresent, FWPS_METADATA_FIELD_FLOW_HANDLE |
		FWPS_METADATA_FIELD_IP_HEADER_SIZE | FWPS_METADATA_FIELD_TRANSPORT_HEADER_SIZE |
		FWPS_METADATA_FIELD_PACKET_DIRECTION);
	assert_int_equal(drv.seen.flowHandle, hx.flow_id);
	assert_int_equal(drv.seen.direction, FWP_DIRECTION_INBOUND);
	assert_int_equal(drv.seen.ipHeaderSize, 20);
	assert_int_equal(drv.seen.transportHeaderSize, 32);
	assert_true(drv.seen.haveClassifyContext);
	assert_int_equal(FwpmEngineClose0(engine), STATUS_SUCCESS);
}

static void
test_classify_fn_sees_filter_id_and_raw_context(void **state)
{
	struct dfp_engine_values v = hx_values4();
	struct dfp_callout_pkt pkt = hx_pkt();
	HANDLE engine;
	UINT32 calloutId;
	UINT64 filterId;

	(void)state;
	drv_install_transport(&engine, &calloutId, &filterId);
	hx_classify(FWPS_LAYER_INBOUND_TRANSPORT_V4, &v, &pkt);
	assert_int_equal(drv.seen.filterId, filterId);
	assert_int_equal(drv.seen.filterContext, 0x1234);
	assert_int_equal(drv.seen.filterAction, FWP_ACTION_CALLOUT_TERMINATING);
	assert_int_equal(drv.seen.filterCalloutId, calloutId);
	assert_int_equal(drv.seen.weightType, FWP_UINT64);
	assert_int_equal(drv.seen.weight, hx_filter(engine, filterId).rt.weight);
	assert_true(drv.seen.rightsIn & FWPS_RIGHT_ACTION_WRITE);
	assert_int_equal(FwpmEngineClose0(engine), STATUS_SUCCESS);
}

static void
test_notify_fn_context_reaches_classify_fn(void **state)
{
	struct dfp_engine_values v = hx_values4();
	struct dfp_callout_pkt pkt = hx_pkt();
	HANDLE engine;
	UINT32 calloutId;
	UINT64 filterId;

	(void)state;
	drv.notifyContext = 0xC0FFEE;
	drv_install_transport(&engine, &calloutId, &filterId);
	assert_int_equal(drv.nAdd, 1);
	assert_int_equal(hx_filter(engine, filterId).rt.context, 0xC0FFEE);
	hx_classify(FWPS_LAYER_INBOUND_TRANSPORT_V4, &v, &pkt);
	assert_int_equal(drv.seen.filterContext, 0xC0FFEE);
	assert_int_equal(FwpmEngineClose0(engine), STATUS_SUCCESS);
}

static void
test_classify_out_block_is_the_layer_verdict(void **state)
{
	struct dfp_engine_values v = hx_values4();
	struct dfp_callout_pkt pkt = hx_pkt();
	struct dfp_engine_verdict r;
	HANDLE engine;
	UINT32 calloutId;
	UINT64 filterId;

	(void)state;
	drv_install_transport(&engine, &calloutId, &filterId);
	r = hx_classify(FWPS_LAYER_INBOUND_TRANSPORT_V4, &v, &pkt);
	assert_int_equal(r.action, FWP_ACTION_BLOCK);
	assert_int_equal(r.filter_id, filterId);
	/* Another port: the filter's conditions fail, the callout is not called. */
	v.local_port = 81;
	drv.seen.calls = 0;
	r = hx_classify(FWPS_LAYER_INBOUND_TRANSPORT_V4, &v, &pkt);
	assert_int_equal(drv.seen.calls, 0);
	assert_int_equal(r.action, FWP_ACTION_NONE_NO_MATCH);
	assert_int_equal(FwpmEngineClose0(engine), STATUS_SUCCESS);
}

static void
test_classify_fn0_runs_without_classify_context(void **state)
{
	struct dfp_engine_values v = hx_values4();
	struct dfp_callout_pkt pkt = hx_pkt();
	struct dfp_engine_verdict r;
	FWPS_CALLOUT0 c;
	HANDLE engine;
	UINT64 filterId;

	(void)state;
	memset(&c, 0, sizeof(c));
	c.calloutKey = DRV_CO_TRANSPORT;
	c.classifyFn = drv_classify0;
	assert_int_equal(FwpsCalloutRegister0(NULL, &c, NULL), STATUS_SUCCESS);
	assert_int_equal(drv_open(&engine), STATUS_SUCCESS);
	assert_int_equal(drv_add_callout(engine, &DRV_CO_TRANSPORT,
		&FWPM_LAYER_INBOUND_TRANSPORT_V4, NULL), STATUS_SUCCESS);
	assert_int_equal(drv_add_filter(engine, &FWPM_LAYER_INBOUND_TRANSPORT_V4,
		&DRV_CO_TRANSPORT, FWP_ACTION_CALLOUT_TERMINATING, NULL, 0, 0, &filterId),
		STATUS_FWP_SUBLAYER_NOT_FOUND);
	assert_int_equal(drv_add_sublayer(engine), STATUS_SUCCESS);
	assert_int_equal(drv_add_filter(engine, &FWPM_LAYER_INBOUND_TRANSPORT_V4,
		&DRV_CO_TRANSPORT, FWP_ACTION_CALLOUT_TERMINATING, NULL, 0, 0, &filterId),
		STATUS_SUCCESS);
	r = hx_classify(FWPS_LAYER_INBOUND_TRANSPORT_V4, &v, &pkt);
	assert_int_equal(drv.seen.calls, 1);
	assert_int_equal(drv.seen.filterId, filterId);
	assert_int_equal(r.action, FWP_ACTION_BLOCK);
	assert_int_equal(FwpmEngineClose0(engine), STATUS_SUCCESS);
}

static void
test_ale_auth_connect_fields_at_wdk_indexes(void **state)
{
	struct dfp_engine_values v = hx_values4();
	struct dfp_callout_pkt pkt = hx_pkt();
	const FWP_VALUE0 *s = drv.seen.values;
	HANDLE engine;
	UINT32 calloutId;
	UINT64 filterId;

	(void)state;
	v.flags = FWP_CONDITION_FLAG_IS_REAUTHORIZE;
	v.reauth_reason = FWP_CONDITION_REAUTHORIZE_REASON_POLICY_CHANGE;
	v.interface_index = 9;
	assert_int_equal(drv_open(&engine), STATUS_SUCCESS);
	assert_int_equal(drv_add_sublayer(engine), STATUS_SUCCESS);
	drv_install_at(engine, &DRV_CO_CONNECT, &FWPM_LAYER_ALE_AUTH_CONNECT_V4, 0, false,
		FWP_ACTION_CALLOUT_TERMINATING, &calloutId, &filterId);
	hx_classify(FWPS_LAYER_ALE_AUTH_CONNECT_V4, &v, &pkt);
	assert_int_equal(drv.seen.calls, 1);
	assert_int_equal(drv.seen.valueCount, FWPS_FIELD_ALE_AUTH_CONNECT_V4_MAX);
	assert_int_equal(s[FWPS_FIELD_ALE_AUTH_CONNECT_V4_FLAGS].type, FWP_UINT32);
	assert_int_equal(s[FWPS_FIELD_ALE_AUTH_CONNECT_V4_FLAGS].uint32,
		FWP_CONDITION_FLAG_IS_REAUTHORIZE);
	assert_int_equal(s[FWPS_FIELD_ALE_AUTH_CONNECT_V4_INTERFACE_INDEX].uint32, 9);
	assert_int_equal(s[FWPS_FIELD_ALE_AUTH_CONNECT_V4_REAUTHORIZE_REASON].uint32,
		FWP_CONDITION_REAUTHORIZE_REASON_POLICY_CHANGE);
	assert_int_equal(s[FWPS_FIELD_ALE_AUTH_CONNECT_V4_IP_LOCAL_INTERFACE].type, FWP_EMPTY);
	assert_int_equal(s[FWPS_FIELD_ALE_AUTH_CONNECT_V4_IP_REMOTE_PORT].uint16, 40000);
	assert_int_equal(FwpmEngineClose0(engine), STATUS_SUCCESS);
}

static void
test_outbound_ippacket_fields_at_wdk_indexes(void **state)
{
	struct dfp_engine_values v = hx_values4();
	struct dfp_callout_pkt pkt = hx_pkt();
	const FWP_VALUE0 *s = drv.seen.values;
	HANDLE engine;
	UINT32 calloutId;
	UINT64 filterId;

	(void)state;
	assert_int_equal(drv_open(&engine), STATUS_SUCCESS);
	assert_int_equal(drv_add_sublayer(engine), STATUS_SUCCESS);
	drv_install_at(engine, &DRV_CO_IPPACKET, &FWPM_LAYER_OUTBOUND_IPPACKET_V4, 0, false,
		FWP_ACTION_CALLOUT_TERMINATING, &calloutId, &filterId);
	hx_classify(FWPS_LAYER_OUTBOUND_IPPACKET_V4, &v, &pkt);
	assert_int_equal(drv.seen.calls, 1);
	assert_int_equal(s[FWPS_FIELD_OUTBOUND_IPPACKET_V4_IP_LOCAL_ADDRESS_TYPE].type, FWP_UINT8);
	assert_int_equal(s[FWPS_FIELD_OUTBOUND_IPPACKET_V4_IP_REMOTE_ADDRESS].type, FWP_UINT32);
	assert_int_equal(s[FWPS_FIELD_OUTBOUND_IPPACKET_V4_IP_REMOTE_ADDRESS].uint32, 0xC0000207);
	assert_int_equal(FwpmEngineClose0(engine), STATUS_SUCCESS);
}

/* ======================================================================
 * Flow contexts and classify handles
 * ====================================================================== */

/*
 * msnmntr (S5): the flow-established callout associates a context with
 * (flow, STREAM_V4, stream callout); the stream callout, registered with
 * CONDITIONAL_ON_FLOW and a flowDeleteFn, then sees it on that flow.
 */
static void
test_flow_established_callout_associates_context_for_stream_callout(void **state)
{
	struct dfp_engine_values v = hx_values4();
	struct dfp_callout_pkt pkt;
	UINT32 estId, streamId;
	UINT64 estFilter, streamFilter;
	HANDLE engine;

	(void)state;
	hx_flow_new();
	pkt = hx_pkt();
	assert_int_equal(drv_open(&engine), STATUS_SUCCESS);
	assert_int_equal(FwpmTransactionBegin0(engine, 0), STATUS_SUCCESS);
	assert_int_equal(drv_add_sublayer(engine), STATUS_SUCCESS);
	drv_install_at(engine, &DRV_CO_ESTABLISHED, &FWPM_LAYER_ALE_FLOW_ESTABLISHED_V4, 0, false,
		FWP_ACTION_CALLOUT_INSPECTION, &estId, &estFilter);
	drv_install_at(engine, &DRV_CO_STREAM, &FWPM_LAYER_STREAM_V4,
		FWP_CALLOUT_FLAG_CONDITIONAL_ON_FLOW, true, FWP_ACTION_CALLOUT_INSPECTION,
		&streamId, &streamFilter);
	assert_int_equal(FwpmTransactionCommit0(engine), STATUS_SUCCESS);

	/* Before association the stream callout is not invoked on this flow. */
	hx_classify(FWPS_LAYER_STREAM_V4, &v, &pkt);
	assert_int_equal(drv.seen.calls, 0);

	drv.associateCalloutId = streamId;
	drv.associateLayerId = FWPS_LAYER_STREAM_V4;
	drv.associateContext = 0xF00D;
	drv.verdict = FWP_ACTION_PERMIT;
	hx_classify(FWPS_LAYER_ALE_FLOW_ESTABLISHED_V4, &v, &pkt);
	assert_int_equal(drv.seen.calls, 1);
	assert_int_equal(drv.seen.associateStatus, STATUS_SUCCESS);

	drv.associateCalloutId = 0;
	hx_classify(FWPS_LAYER_STREAM_V4, &v, &pkt);
	assert_int_equal(drv.seen.calls, 2);
	assert_int_equal(drv.seen.layerId, FWPS_LAYER_STREAM_V4);
	assert_int_equal(drv.seen.flowContext, 0xF00D);
	assert_int_equal(drv.seen.filterId, streamFilter);

	/* Shutdown as msnmntr does: remove the context, then unregister. */
	assert_int_equal(FwpsFlowRemoveContext0(hx.flow_id, FWPS_LAYER_STREAM_V4, streamId),
		STATUS_SUCCESS);
	assert_int_equal(drv.nFlowDelete, 1);
	assert_int_equal(drv.lastFlowDeleteContext, 0xF00D);
	assert_int_equal(drv.lastFlowDeleteLayer, FWPS_LAYER_STREAM_V4);
	assert_int_equal(FwpmEngineClose0(engine), STATUS_SUCCESS);
	assert_int_equal(FwpsCalloutUnregisterByKey0(&DRV_CO_STREAM), STATUS_SUCCESS);
	assert_int_equal(FwpsCalloutUnregisterByKey0(&DRV_CO_ESTABLISHED), STATUS_SUCCESS);
}

static void
test_associate_twice_is_object_name_exists(void **state)
{
	HANDLE engine;
	UINT32 calloutId;
	UINT64 filterId;

	(void)state;
	hx_flow_new();
	drv_install_transport(&engine, &calloutId, &filterId);
	assert_int_equal(FwpsFlowAssociateContext0(hx.flow_id, FWPS_LAYER_INBOUND_TRANSPORT_V4,
		calloutId, 1), STATUS_SUCCESS);
	assert_int_equal(FwpsFlowAssociateContext0(hx.flow_id, FWPS_LAYER_INBOUND_TRANSPORT_V4,
		calloutId, 2), STATUS_OBJECT_NAME_EXISTS);
	assert_int_equal(FwpsFlowAssociateContext0(hx.flow_id, FWPS_LAYER_INBOUND_TRANSPORT_V4,
		calloutId, 0), STATUS_INVALID_PARAMETER);
	assert_int_equal(FwpsFlowRemoveContext0(hx.flow_id, FWPS_LAYER_INBOUND_TRANSPORT_V4,
		calloutId), STATUS_SUCCESS);
	assert_int_equal(FwpsFlowRemoveContext0(hx.flow_id, FWPS_LAYER_INBOUND_TRANSPORT_V4,
		calloutId), STATUS_UNSUCCESSFUL);
	assert_int_equal(FwpmEngineClose0(engine), STATUS_SUCCESS);
}

static void
test_unregister_with_flow_context_is_device_busy(void **state)
{
	HANDLE engine;
	UINT32 calloutId;
	UINT64 filterId;

	(void)state;
	hx_flow_new();
	drv_install_transport(&engine, &calloutId, &filterId);
	assert_int_equal(FwpsFlowAssociateContext0(hx.flow_id, FWPS_LAYER_INBOUND_TRANSPORT_V4,
		calloutId, 0xAB), STATUS_SUCCESS);
	assert_int_equal(FwpsCalloutUnregisterById0(calloutId), STATUS_DEVICE_BUSY);
	assert_int_equal(FwpsFlowRemoveContext0(hx.flow_id, FWPS_LAYER_INBOUND_TRANSPORT_V4,
		calloutId), STATUS_SUCCESS);
	assert_int_equal(drv.lastFlowDeleteContext, 0xAB);
	assert_int_equal(FwpsCalloutUnregisterById0(calloutId), STATUS_SUCCESS);
	assert_int_equal(FwpmEngineClose0(engine), STATUS_SUCCESS);
}

static void
test_flow_abort_ends_flow_on_owner(void **state)
{
	HANDLE engine;
	UINT32 calloutId;
	UINT64 filterId;

	(void)state;
	hx_flow_new();
	drv_install_transport(&engine, &calloutId, &filterId);
	assert_int_equal(FwpsFlowAssociateContext0(hx.flow_id, FWPS_LAYER_INBOUND_TRANSPORT_V4,
		calloutId, 0xAC), STATUS_SUCCESS);
	assert_int_equal(FwpsFlowAbort0(hx.flow_id), STATUS_SUCCESS);
	/* The owner (the harness) ends the flow; flowDeleteFn runs then. */
	assert_true(dfp_flow_abort_requested(hx.flow));
	dfp_flow_end(hx.table, hx.flow);
	hx.flow = NULL;
	assert_int_equal(drv.nFlowDelete, 1);
	assert_int_equal(drv.lastFlowDeleteContext, 0xAC);
	assert_int_equal(FwpsFlowAbort0(hx.flow_id), STATUS_UNSUCCESSFUL);
	assert_int_equal(FwpmEngineClose0(engine), STATUS_SUCCESS);
}

static void
test_classify_handle_pends_at_ale_auth_connect(void **state)
{
	struct dfp_engine_values v = hx_values4();
	struct dfp_callout_pkt pkt;
	struct dfp_engine_verdict r;
	struct dfp_callout_completion c;
	FWPS_CLASSIFY_OUT0 decision;
	HANDLE engine;
	UINT32 calloutId;
	UINT64 filterId;

	(void)state;
	hx_flow_new();
	pkt = hx_pkt();
	assert_int_equal(drv_open(&engine), STATUS_SUCCESS);
	assert_int_equal(drv_add_sublayer(engine), STATUS_SUCCESS);
	drv_install_at(engine, &DRV_CO_CONNECT, &FWPM_LAYER_ALE_AUTH_CONNECT_V4, 0, false,
		FWP_ACTION_CALLOUT_TERMINATING, &calloutId, &filterId);
	drv.pend = true;
	r = hx_classify(FWPS_LAYER_ALE_AUTH_CONNECT_V4, &v, &pkt);
	assert_int_equal(drv.seen.pendStatus, STATUS_SUCCESS);
	/* Pended: an absorbed hard block until the decision arrives. */
	assert_int_equal(r.action, FWP_ACTION_BLOCK);
	assert_true(r.flags & DFP_ENGINE_VERDICT_F_ABSORB);

	memset(&decision, 0, sizeof(decision));
	decision.actionType = FWP_ACTION_PERMIT;
	FwpsCompleteClassify0(drv.seen.classifyHandle, 0, &decision);
	FwpsReleaseClassifyHandle0(drv.seen.classifyHandle);
	assert_int_equal(dfp_callout_completion_poll(dfp_ctl_callouts(hx.ctl), 0, &c, 1), 1);
	assert_int_equal(c.kind, DFP_CALLOUT_COMPLETE_DECISION);
	assert_int_equal(c.out.action_type, FWP_ACTION_PERMIT);
	assert_int_equal(c.filter_id, filterId);
	assert_int_equal(c.flow_id, hx.flow_id);
	assert_int_equal(FwpmEngineClose0(engine), STATUS_SUCCESS);
}

static void
test_pend_at_transport_layer_is_cannot_pend(void **state)
{
	struct dfp_engine_values v = hx_values4();
	struct dfp_callout_pkt pkt;
	struct dfp_callout_stats stats;
	HANDLE engine;
	UINT32 calloutId;
	UINT64 filterId;

	(void)state;
	hx_flow_new();
	pkt = hx_pkt();
	drv_install_transport(&engine, &calloutId, &filterId);
	drv.pend = true;
	hx_classify(FWPS_LAYER_INBOUND_TRANSPORT_V4, &v, &pkt);
	assert_int_equal(drv.seen.pendStatus, STATUS_FWP_CANNOT_PEND);
	FwpsReleaseClassifyHandle0(drv.seen.classifyHandle);
	dfp_callout_stats_get(dfp_ctl_callouts(hx.ctl), &stats);
	assert_int_equal(stats.handles_in_use, 0);
	assert_int_equal(FwpmEngineClose0(engine), STATUS_SUCCESS);
}

/* ======================================================================
 * FWPM_FILTER0 conversions
 * ====================================================================== */

static void
test_filter_add_unknown_layer_is_layer_not_found(void **state)
{
	static const GUID ipforward_v4 = {0xa82acc24, 0x4ee1, 0x4ee1,
		{0xb4, 0x65, 0xfd, 0x1d, 0x25, 0xcb, 0x10, 0xa4}};
	FWPM_FILTER_CONDITION0 c = drv_cond_u8(&FWPM_CONDITION_IP_PROTOCOL, 6);
	HANDLE engine;

	(void)state;
	assert_int_equal(drv_open(&engine), STATUS_SUCCESS);
	assert_int_equal(hx_add_cond_filter(engine, &ipforward_v4, &c, NULL),
		STATUS_FWP_LAYER_NOT_FOUND);
	assert_int_equal(drv_add_callout(engine, &DRV_CO_TRANSPORT, &ipforward_v4, NULL),
		STATUS_FWP_LAYER_NOT_FOUND);
	assert_int_equal(FwpmEngineClose0(engine), STATUS_SUCCESS);
}

static void
test_filter_add_bad_weight_type_is_invalid_weight(void **state)
{
	UINT64 w64 = 0x123456789ull;
	HANDLE engine;
	FWPM_FILTER0 f;
	UINT64 id;

	(void)state;
	assert_int_equal(drv_open(&engine), STATUS_SUCCESS);
	memset(&f, 0, sizeof(f));
	f.displayData.name = DRV_NAME(L"weights");
	f.layerKey = FWPM_LAYER_INBOUND_TRANSPORT_V4;
	f.action.type = FWP_ACTION_PERMIT;
	f.weight.type = FWP_UINT32;
	f.weight.uint32 = 5;
	assert_int_equal(FwpmFilterAdd0(engine, &f, NULL, &id), STATUS_FWP_INVALID_WEIGHT);
	f.weight.type = FWP_UINT8;
	f.weight.uint8 = 16;
	assert_int_equal(FwpmFilterAdd0(engine, &f, NULL, &id), STATUS_FWP_INVALID_WEIGHT);
	f.weight.uint8 = 15;
	assert_int_equal(FwpmFilterAdd0(engine, &f, NULL, &id), STATUS_SUCCESS);
	assert_int_equal(hx_filter(engine, id).rt.weight >> 60, 15);
	f.weight.type = FWP_UINT64;
	f.weight.uint64 = &w64;
	assert_int_equal(FwpmFilterAdd0(engine, &f, NULL, &id), STATUS_SUCCESS);
	assert_int_equal(hx_filter(engine, id).rt.weight, w64);
	assert_int_equal(FwpmEngineClose0(engine), STATUS_SUCCESS);
}

static void
test_filter_add_wrong_value_type_is_type_mismatch(void **state)
{
	FWPM_FILTER_CONDITION0 c = drv_cond_u16(&FWPM_CONDITION_IP_LOCAL_PORT, 80);
	FWP_BYTE_ARRAY16 a16;
	HANDLE engine;

	(void)state;
	assert_int_equal(drv_open(&engine), STATUS_SUCCESS);
	/* A port given as FWP_UINT32: no conversion, as in WFP. */
	c.conditionValue.type = FWP_UINT32;
	c.conditionValue.uint32 = 80;
	assert_int_equal(hx_add_cond_filter(engine, &FWPM_LAYER_INBOUND_TRANSPORT_V4, &c, NULL),
		STATUS_FWP_TYPE_MISMATCH);
	/* An IPv6 address at a v4 layer. */
	memset(&a16, 0, sizeof(a16));
	c.fieldKey = FWPM_CONDITION_IP_REMOTE_ADDRESS;
	c.conditionValue.type = FWP_BYTE_ARRAY16_TYPE;
	c.conditionValue.byteArray16 = &a16;
	assert_int_equal(hx_add_cond_filter(engine, &FWPM_LAYER_INBOUND_TRANSPORT_V4, &c, NULL),
		STATUS_FWP_TYPE_MISMATCH);
	assert_int_equal(hx_add_cond_filter(engine, &FWPM_LAYER_INBOUND_TRANSPORT_V6, &c, NULL),
		STATUS_SUCCESS);
	assert_int_equal(FwpmEngineClose0(engine), STATUS_SUCCESS);
}

static void
test_filter_add_range_value_needs_match_range(void **state)
{
	FWPM_FILTER_CONDITION0 c = drv_cond_u16(&FWPM_CONDITION_IP_LOCAL_PORT, 80);
	FWP_RANGE0 range;
	HANDLE engine;

	(void)state;
	assert_int_equal(drv_open(&engine), STATUS_SUCCESS);
	memset(&range, 0, sizeof(range));
	range.valueLow.type = FWP_UINT16;
	range.valueLow.uint16 = 1000;
	range.valueHigh.type = FWP_UINT16;
	range.valueHigh.uint16 = 2000;
	c.conditionValue.type = FWP_RANGE_TYPE;
	c.conditionValue.rangeValue = &range;
	assert_int_equal(hx_add_cond_filter(engine, &FWPM_LAYER_INBOUND_TRANSPORT_V4, &c, NULL),
		STATUS_FWP_MATCH_TYPE_MISMATCH);
	assert_int_equal(FwpmEngineClose0(engine), STATUS_SUCCESS);
}

static void
test_filter_add_match_range_needs_range_value(void **state)
{
	FWPM_FILTER_CONDITION0 c = drv_cond_u16(&FWPM_CONDITION_IP_LOCAL_PORT, 80);
	HANDLE engine;

	(void)state;
	assert_int_equal(drv_open(&engine), STATUS_SUCCESS);
	c.matchType = FWP_MATCH_RANGE;
	assert_int_equal(hx_add_cond_filter(engine, &FWPM_LAYER_INBOUND_TRANSPORT_V4, &c, NULL),
		STATUS_FWP_MATCH_TYPE_MISMATCH);
	assert_int_equal(FwpmEngineClose0(engine), STATUS_SUCCESS);
}

static void
test_filter_add_range_becomes_inclusive_range(void **state)
{
	FWPM_FILTER_CONDITION0 c = drv_cond_u16(&FWPM_CONDITION_IP_LOCAL_PORT, 0);
	struct dfp_engine_filter_info info;
	FWP_RANGE0 range;
	HANDLE engine;
	UINT64 id;

	(void)state;
	assert_int_equal(drv_open(&engine), STATUS_SUCCESS);
	memset(&range, 0, sizeof(range));
	range.valueLow.type = FWP_UINT16;
	range.valueLow.uint16 = 1000;
	range.valueHigh.type = FWP_UINT16;
	range.valueHigh.uint16 = 2000;
	c.matchType = FWP_MATCH_RANGE;
	c.conditionValue.type = FWP_RANGE_TYPE;
	c.conditionValue.rangeValue = &range;
	assert_int_equal(hx_add_cond_filter(engine, &FWPM_LAYER_INBOUND_TRANSPORT_V4, &c, &id),
		STATUS_SUCCESS);
	info = hx_filter(engine, id);
	assert_int_equal(info.rt.n_conds, 1);
	assert_int_equal(info.rt.conds[0].field, DFP_FIELD_IP_LOCAL_PORT);
	assert_int_equal(info.rt.conds[0].match, DFP_MATCH_RANGE);
	assert_int_equal(info.rt.conds[0].value.lo, 1000);
	assert_int_equal(info.rt.conds[0].high.lo, 2000);
	/* Mixed types inside a range are rejected like any other mismatch. */
	range.valueHigh.type = FWP_UINT32;
	range.valueHigh.uint32 = 2000;
	assert_int_equal(hx_add_cond_filter(engine, &FWPM_LAYER_INBOUND_TRANSPORT_V4, &c, NULL),
		STATUS_FWP_TYPE_MISMATCH);
	assert_int_equal(FwpmEngineClose0(engine), STATUS_SUCCESS);
}

static void
test_filter_add_noncontiguous_v4_mask_is_invalid_net_mask(void **state)
{
	FWPM_FILTER_CONDITION0 c;
	FWP_V4_ADDR_AND_MASK am;
	HANDLE engine;

	(void)state;
	assert_int_equal(drv_open(&engine), STATUS_SUCCESS);
	memset(&c, 0, sizeof(c));
	c.fieldKey = FWPM_CONDITION_IP_REMOTE_ADDRESS;
	c.matchType = FWP_MATCH_EQUAL;
	c.conditionValue.type = FWP_V4_ADDR_MASK;
	c.conditionValue.v4AddrMask = &am;
	am.addr = 0xC0000200;
	am.mask = 0xFF00FF00;
	assert_int_equal(hx_add_cond_filter(engine, &FWPM_LAYER_INBOUND_TRANSPORT_V4, &c, NULL),
		STATUS_FWP_INVALID_NET_MASK);
	assert_int_equal(FwpmEngineClose0(engine), STATUS_SUCCESS);
}

static void
test_filter_add_v4_mask_becomes_prefix(void **state)
{
	struct dfp_engine_values v = hx_values4();
	struct dfp_engine_filter_info info;
	struct dfp_engine_verdict r;
	FWPM_FILTER_CONDITION0 c;
	FWP_V4_ADDR_AND_MASK am;
	HANDLE engine;
	UINT64 id;

	(void)state;
	assert_int_equal(drv_open(&engine), STATUS_SUCCESS);
	memset(&c, 0, sizeof(c));
	c.fieldKey = FWPM_CONDITION_IP_REMOTE_ADDRESS;
	c.matchType = FWP_MATCH_EQUAL;
	c.conditionValue.type = FWP_V4_ADDR_MASK;
	c.conditionValue.v4AddrMask = &am;
	am.addr = 0xC0000201;   /* Host bits are dropped. */
	am.mask = 0xFFFFFF00;
	assert_int_equal(hx_add_cond_filter(engine, &FWPM_LAYER_INBOUND_TRANSPORT_V4, &c, &id),
		STATUS_SUCCESS);
	info = hx_filter(engine, id);
	assert_true(info.rt.conds[0].has_prefix);
	assert_int_equal(info.rt.conds[0].prefix_len, 24);
	assert_int_equal(info.rt.conds[0].value.lo, 0xC0000200);
	/* 192.0.2.7 is inside 192.0.2.0/24: the static block applies. */
	r = hx_classify(FWPS_LAYER_INBOUND_TRANSPORT_V4, &v, NULL);
	assert_int_equal(r.action, FWP_ACTION_BLOCK);
	v.remote_addr.v4 = 0xC0000307;
	r = hx_classify(FWPS_LAYER_INBOUND_TRANSPORT_V4, &v, NULL);
	assert_int_equal(r.action, FWP_ACTION_NONE_NO_MATCH);
	assert_int_equal(FwpmEngineClose0(engine), STATUS_SUCCESS);
}

static void
test_filter_add_v6_prefix_over_128_is_invalid_net_mask(void **state)
{
	FWPM_FILTER_CONDITION0 c;
	FWP_V6_ADDR_AND_MASK am;
	HANDLE engine;
	UINT64 id;

	(void)state;
	assert_int_equal(drv_open(&engine), STATUS_SUCCESS);
	memset(&c, 0, sizeof(c));
	memset(&am, 0, sizeof(am));
	c.fieldKey = FWPM_CONDITION_IP_LOCAL_ADDRESS;
	c.matchType = FWP_MATCH_EQUAL;
	c.conditionValue.type = FWP_V6_ADDR_MASK;
	c.conditionValue.v6AddrMask = &am;
	am.addr[0] = 0x20;
	am.addr[1] = 0x01;
	am.prefixLength = 129;
	assert_int_equal(hx_add_cond_filter(engine, &FWPM_LAYER_INBOUND_TRANSPORT_V6, &c, NULL),
		STATUS_FWP_INVALID_NET_MASK);
	am.prefixLength = 16;
	assert_int_equal(hx_add_cond_filter(engine, &FWPM_LAYER_INBOUND_TRANSPORT_V6, &c, &id),
		STATUS_SUCCESS);
	assert_int_equal(hx_filter(engine, id).rt.conds[0].prefix_len, 16);
	assert_int_equal(hx_filter(engine, id).rt.conds[0].value.hi, 0x2001000000000000ull);
	/* A v6 mask at a v4 layer does not fit the field. */
	assert_int_equal(hx_add_cond_filter(engine, &FWPM_LAYER_INBOUND_TRANSPORT_V4, &c, NULL),
		STATUS_FWP_TYPE_MISMATCH);
	assert_int_equal(FwpmEngineClose0(engine), STATUS_SUCCESS);
}

static void
test_filter_add_unknown_condition_key_is_condition_not_found(void **state)
{
	FWPM_FILTER_CONDITION0 c = drv_cond_u8(&DRV_CO_UNKNOWN, 1);
	HANDLE engine;

	(void)state;
	assert_int_equal(drv_open(&engine), STATUS_SUCCESS);
	assert_int_equal(hx_add_cond_filter(engine, &FWPM_LAYER_INBOUND_TRANSPORT_V4, &c, NULL),
		STATUS_FWP_CONDITION_NOT_FOUND);
	/* A known key the layer does not offer. */
	c = drv_cond_u16(&FWPM_CONDITION_ETHER_TYPE, 0x0800);
	assert_int_equal(hx_add_cond_filter(engine, &FWPM_LAYER_INBOUND_TRANSPORT_V4, &c, NULL),
		STATUS_FWP_CONDITION_NOT_FOUND);
	assert_int_equal(FwpmEngineClose0(engine), STATUS_SUCCESS);
}

static void
test_filter_condition_keys_map_to_engine_fields(void **state)
{
	FWPM_FILTER_CONDITION0 c;
	FWP_BYTE_ARRAY6 mac = {{0x02, 0x00, 0x5e, 0x10, 0x20, 0x30}};
	HANDLE engine;
	UINT64 id;

	(void)state;
	assert_int_equal(drv_open(&engine), STATUS_SUCCESS);
	c = drv_cond_u16(&FWPM_CONDITION_ICMP_TYPE, 8);
	assert_int_equal(hx_add_cond_filter(engine, &FWPM_LAYER_INBOUND_TRANSPORT_V4, &c, &id),
		STATUS_SUCCESS);
	assert_int_equal(hx_filter(engine, id).rt.conds[0].field, DFP_FIELD_IP_LOCAL_PORT);
	c = drv_cond_u8(&DFP_CONDITION_TCP_FLAGS, 0x02);
	assert_int_equal(hx_add_cond_filter(engine, &FWPM_LAYER_INBOUND_TRANSPORT_V4, &c, &id),
		STATUS_SUCCESS);
	assert_int_equal(hx_filter(engine, id).rt.conds[0].field, DFP_FIELD_DFP_TCP_FLAGS);
	memset(&c, 0, sizeof(c));
	c.fieldKey = FWPM_CONDITION_MAC_REMOTE_ADDRESS;
	c.conditionValue.type = FWP_BYTE_ARRAY6_TYPE;
	c.conditionValue.byteArray6 = &mac;
	assert_int_equal(hx_add_cond_filter(engine, &FWPM_LAYER_INBOUND_MAC_FRAME_ETHERNET, &c,
		&id), STATUS_SUCCESS);
	assert_int_equal(hx_filter(engine, id).rt.conds[0].field, DFP_FIELD_MAC_REMOTE_ADDRESS);
	assert_int_equal(hx_filter(engine, id).rt.conds[0].value.lo, 0x02005e102030ull);
	assert_int_equal(FwpmEngineClose0(engine), STATUS_SUCCESS);
}

static void
test_display_name_is_converted_to_utf8(void **state)
{
	FWPM_FILTER_CONDITION0 c = drv_cond_u8(&FWPM_CONDITION_IP_PROTOCOL, 17);
	struct dfp_engine_filter_info info;
	HANDLE engine;
	FWPM_FILTER0 f;
	UINT64 id;

	(void)state;
	assert_int_equal(drv_open(&engine), STATUS_SUCCESS);
	memset(&f, 0, sizeof(f));
	f.displayData.name = DRV_NAME(L"d\u00e9j\u00e0 \u2192 \U0001F512");
	f.layerKey = FWPM_LAYER_INBOUND_TRANSPORT_V4;
	f.action.type = FWP_ACTION_PERMIT;
	f.numFilterConditions = 1;
	f.filterCondition = &c;
	assert_int_equal(FwpmFilterAdd0(engine, &f, NULL, &id), STATUS_SUCCESS);
	info = hx_filter(engine, id);
	assert_string_equal(info.name, "d\xc3\xa9j\xc3\xa0 \xe2\x86\x92 \xf0\x9f\x94\x92");
	/* No name: WFP's error. A lone surrogate is not UTF-32. */
	f.displayData.name = NULL;
	assert_int_equal(FwpmFilterAdd0(engine, &f, NULL, &id), STATUS_FWP_NULL_DISPLAY_NAME);
	f.displayData.name = DRV_NAME(L"bad \xD800");
	assert_int_equal(FwpmFilterAdd0(engine, &f, NULL, &id), STATUS_INVALID_PARAMETER);
	assert_int_equal(FwpmEngineClose0(engine), STATUS_SUCCESS);
}

static void
test_provider_key_is_provider_not_found(void **state)
{
	GUID provider = DRV_FILTER_KEY;
	FWPM_SUBLAYER0 sl;
	HANDLE engine;

	(void)state;
	assert_int_equal(drv_open(&engine), STATUS_SUCCESS);
	memset(&sl, 0, sizeof(sl));
	sl.displayData.name = DRV_NAME(L"provided");
	sl.providerKey = &provider;
	assert_int_equal(FwpmSubLayerAdd0(engine, &sl, NULL), STATUS_FWP_PROVIDER_NOT_FOUND);
	assert_int_equal(FwpmEngineClose0(engine), STATUS_SUCCESS);
}

static void
test_filter_delete_by_key_sends_delete_notification(void **state)
{
	FWPM_FILTER_CONDITION0 c = drv_cond_u16(&FWPM_CONDITION_IP_LOCAL_PORT, 443);
	UINT32 calloutId;
	HANDLE engine;
	FWPM_FILTER0 f;
	UINT64 id;

	(void)state;
	assert_int_equal(drv_register(&DRV_CO_TRANSPORT, 0, false, &calloutId), STATUS_SUCCESS);
	assert_int_equal(drv_open(&engine), STATUS_SUCCESS);
	assert_int_equal(drv_add_callout(engine, &DRV_CO_TRANSPORT,
		&FWPM_LAYER_INBOUND_TRANSPORT_V4, NULL), STATUS_SUCCESS);
	memset(&f, 0, sizeof(f));
	f.filterKey = DRV_FILTER_KEY;
	f.displayData.name = DRV_NAME(L"keyed");
	f.layerKey = FWPM_LAYER_INBOUND_TRANSPORT_V4;
	f.numFilterConditions = 1;
	f.filterCondition = &c;
	f.action.type = FWP_ACTION_CALLOUT_INSPECTION;
	f.action.calloutKey = DRV_CO_TRANSPORT;
	assert_int_equal(FwpmFilterAdd0(engine, &f, NULL, &id), STATUS_SUCCESS);
	assert_int_equal(drv.nAdd, 1);
	assert_true(dfp_guid_equal(&drv.lastAddKey, &DRV_FILTER_KEY));
	assert_int_equal(FwpmFilterAdd0(engine, &f, NULL, NULL), STATUS_FWP_ALREADY_EXISTS);
	assert_int_equal(FwpmFilterDeleteByKey0(engine, &DRV_FILTER_KEY), STATUS_SUCCESS);
	assert_int_equal(drv.nDelete, 1);
	assert_int_equal(FwpmFilterDeleteById0(engine, id), STATUS_FWP_FILTER_NOT_FOUND);
	assert_int_equal(FwpmEngineClose0(engine), STATUS_SUCCESS);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, hx_setup, hx_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_layout_matches_wfp_x64),
		T(test_status_names_carry_ntstatus_values),
		T(test_layer_guids_match_engine_layers),
		T(test_field_indexes_follow_fwps_fields_enums),
		T(test_calls_fail_with_invalid_device_state_when_unbound),
		T(test_engine_open_rejects_server_name_and_bad_authn),
		T(test_write_in_read_only_transaction_is_incompatible_txn),
		T(test_engine_close_of_dynamic_session_removes_its_objects),
		T(test_register_twice_is_already_exists),
		T(test_unregister_unknown_key_is_callout_not_found),
		T(test_unregister_then_register_again_succeeds),
		T(test_register_without_classify_fn_is_invalid_parameter),
		T(test_callout_delete_while_filter_references_it_is_in_use),
		T(test_passive_call_inside_classify_fn_is_not_supported),
		T(test_classify_fn_sees_values_at_fwps_indexes),
		T(test_classify_fn_sees_v6_addresses_as_byte_array16),
		T(test_classify_fn_sees_metadata),
		T(test_classify_fn_sees_filter_id_and_raw_context),
		T(test_notify_fn_context_reaches_classify_fn),
		T(test_classify_out_block_is_the_layer_verdict),
		T(test_classify_fn0_runs_without_classify_context),
		T(test_ale_auth_connect_fields_at_wdk_indexes),
		T(test_outbound_ippacket_fields_at_wdk_indexes),
		T(test_flow_established_callout_associates_context_for_stream_callout),
		T(test_associate_twice_is_object_name_exists),
		T(test_unregister_with_flow_context_is_device_busy),
		T(test_flow_abort_ends_flow_on_owner),
		T(test_classify_handle_pends_at_ale_auth_connect),
		T(test_pend_at_transport_layer_is_cannot_pend),
		T(test_filter_add_unknown_layer_is_layer_not_found),
		T(test_filter_add_bad_weight_type_is_invalid_weight),
		T(test_filter_add_wrong_value_type_is_type_mismatch),
		T(test_filter_add_range_value_needs_match_range),
		T(test_filter_add_match_range_needs_range_value),
		T(test_filter_add_range_becomes_inclusive_range),
		T(test_filter_add_noncontiguous_v4_mask_is_invalid_net_mask),
		T(test_filter_add_v4_mask_becomes_prefix),
		T(test_filter_add_v6_prefix_over_128_is_invalid_net_mask),
		T(test_filter_add_unknown_condition_key_is_condition_not_found),
		T(test_filter_condition_keys_map_to_engine_fields),
		T(test_display_name_is_converted_to_utf8),
		T(test_provider_key_is_provider_not_found),
		T(test_filter_delete_by_key_sends_delete_notification),
	};

	return cmocka_run_group_tests(tests, hx_group_setup, NULL);
}
