/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * FwpsCalloutRegister0..3 and unregistration, and the adapters that turn
 * dfp's native callout callbacks into WFP's classifyFn, notifyFn and
 * flowDeleteFn calls.
 *
 * The classify adapter runs on workers: it allocates nothing and takes no
 * lock. Its views (incoming values, metadata, filter, classify output) live
 * on the worker's stack and point into dfp's per-packet data. Where each
 * field goes is wfp_fields.c's table for the layer.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>

#include "dfp_thread.h"
#include "wfp_private.h"

/* ---- Views ---- */

/* One incoming value with WFP's type; pointers go into dfp's values (read-only). */
static void
value_fill(FWP_VALUE0 *out, const struct dfp_engine_values *v, enum dfp_field f, bool v6)
{
	const union dfp_engine_addr *a;

	switch (f) {
	case DFP_FIELD_IP_PROTOCOL:
		out->type = FWP_UINT8;
		out->uint8 = v->ip_protocol;
		break;
	case DFP_FIELD_IP_LOCAL_ADDRESS:
	case DFP_FIELD_IP_REMOTE_ADDRESS:
		a = f == DFP_FIELD_IP_LOCAL_ADDRESS ? &v->local_addr : &v->remote_addr;
		if (v6) {
			out->type = FWP_BYTE_ARRAY16_TYPE;
			out->byteArray16 = (FWP_BYTE_ARRAY16 *)(uintptr_t)a->v6;
		} else {
			out->type = FWP_UINT32;
			out->uint32 = a->v4;
		}
		break;
	case DFP_FIELD_IP_LOCAL_ADDRESS_TYPE:
		out->type = FWP_UINT8;
		out->uint8 = v->local_addr_type;
		break;
	case DFP_FIELD_IP_LOCAL_PORT:
		out->type = FWP_UINT16;
		out->uint16 = v->local_port;
		break;
	case DFP_FIELD_IP_REMOTE_PORT:
		out->type = FWP_UINT16;
		out->uint16 = v->remote_port;
		break;
	case DFP_FIELD_INTERFACE_INDEX:
		out->type = FWP_UINT32;
		out->uint32 = v->interface_index;
		break;
	case DFP_FIELD_FLAGS:
		out->type = FWP_UINT32;
		out->uint32 = v->flags;
		break;
	case DFP_FIELD_DIRECTION:
		out->type = FWP_UINT32;
		out->uint32 = v->direction;
		break;
	case DFP_FIELD_VLAN_ID:
		out->type = FWP_UINT16;
		out->uint16 = v->vlan_id;
		break;
	case DFP_FIELD_ETHER_TYPE:
		out->type = FWP_UINT16;
		out->uint16 = v->ether_type;
		break;
	case DFP_FIELD_MAC_LOCAL_ADDRESS:
		out->type = FWP_BYTE_ARRAY6_TYPE;
		out->byteArray6 = (FWP_BYTE_ARRAY6 *)(uintptr_t)v->local_mac;
		break;
	case DFP_FIELD_MAC_REMOTE_ADDRESS:
		out->type = FWP_BYTE_ARRAY6_TYPE;
		out->byteArray6 = (FWP_BYTE_ARRAY6 *)(uintptr_t)v->remote_mac;
		break;
	case DFP_FIELD_REAUTHORIZE_REASON:
		out->type = FWP_UINT32;
		out->uint32 = v->reauth_reason;
		break;
	default:
		/* DFP_* extensions have no WFP index: never in a slot table. */
		break;
	}
}

/* The metadata bits dfp's datapath can provide, which are WFP's bits. */
#define META_DFP_BITS (FWPS_METADATA_FIELD_FLOW_HANDLE | FWPS_METADATA_FIELD_IP_HEADER_SIZE | \
	FWPS_METADATA_FIELD_TRANSPORT_HEADER_SIZE | FWPS_METADATA_FIELD_PACKET_DIRECTION | \
	FWPS_METADATA_FIELD_ETHER_FRAME_LENGTH | FWPS_METADATA_FIELD_COMPLETION_HANDLE)

_Static_assert(DFP_META_FLOW_HANDLE == FWPS_METADATA_FIELD_FLOW_HANDLE &&
	DFP_META_IP_HEADER_SIZE == FWPS_METADATA_FIELD_IP_HEADER_SIZE &&
	DFP_META_TRANSPORT_HEADER_SIZE == FWPS_METADATA_FIELD_TRANSPORT_HEADER_SIZE &&
	DFP_META_PACKET_DIRECTION == FWPS_METADATA_FIELD_PACKET_DIRECTION &&
	DFP_META_ETHER_FRAME_LENGTH == FWPS_METADATA_FIELD_ETHER_FRAME_LENGTH &&
	DFP_META_COMPLETION_HANDLE == FWPS_METADATA_FIELD_COMPLETION_HANDLE,
	"dfp's metadata bits are WFP's");

static void
meta_fill(FWPS_INCOMING_METADATA_VALUES0 *meta, const struct dfp_callout_classify_in *in)
{
	const struct dfp_callout_meta *m = in->meta;

	memset(meta, 0, sizeof(*meta));
	if (m == NULL)
		return;
	meta->currentMetadataValues = m->present & META_DFP_BITS;
	meta->flowHandle = m->flow_handle;
	meta->ipHeaderSize = m->ip_header_size;
	meta->transportHeaderSize = m->transport_header_size;
	meta->packetDirection = (FWP_DIRECTION)m->direction;
	meta->frameLength = (UINT16)m->frame_length;
	/* dfp pends through classify handles: the completion handle is the classify context. */
	if (m->present & FWPS_METADATA_FIELD_COMPLETION_HANDLE)
		meta->completionHandle = (HANDLE)(uintptr_t)in->classify_context;
}

/* FWPS_FILTER0..3 share a layout; the view is built as the driver's version. */
union filter_view {
	FWPS_FILTER0 f0;
	FWPS_FILTER1 f1;
	FWPS_FILTER2 f2;
	FWPS_FILTER3 f3;
};

#define VIEW_FILL_(f, rt, w) do { \
	memset((f), 0, sizeof(*(f))); \
	(f)->filterId = (rt)->filter_id; \
	(f)->weight.type = FWP_UINT64; \
	(f)->weight.uint64 = (w); \
	(f)->subLayerWeight = (rt)->sublayer_weight; \
	(f)->flags = (rt)->flags; \
	(f)->action.type = (rt)->action_type; \
	(f)->action.calloutId = (rt)->callout_id; \
	(f)->context = (rt)->context; \
} while (0)

static void
view_fill(union filter_view *v, unsigned int version, const struct dfp_engine_filter_rt *rt,
		UINT64 *weight)
{
	switch (version) {
	case 0:
		VIEW_FILL_(&v->f0, rt, weight);
		break;
	case 1:
		VIEW_FILL_(&v->f1, rt, weight);
		break;
	case 2:
		VIEW_FILL_(&v->f2, rt, weight);
		break;
	default:
		VIEW_FILL_(&v->f3, rt, weight);
		break;
	}
}

static UINT64
view_context(const union filter_view *v, unsigned int version)
{
	switch (version) {
	case 0:
		return v->f0.context;
	case 1:
		return v->f1.context;
	case 2:
		return v->f2.context;
	default:
		return v->f3.context;
	}
}

/* ---- Registrations ---- */

/* A registration's adapter state: the driver's callbacks, by version. */
struct wfp_callout {
	struct wfp_callout *next;  /* callouts (under reg_lock). */
	GUID key;
	uint32_t id;
	unsigned int version;      /* N of FwpsCalloutRegisterN. */
	union {
		FWPS_CALLOUT_CLASSIFY_FN0 c0;
		FWPS_CALLOUT_CLASSIFY_FN1 c1;
		FWPS_CALLOUT_CLASSIFY_FN2 c2;
		FWPS_CALLOUT_CLASSIFY_FN3 c3;
	} classify;
	union {
		FWPS_CALLOUT_NOTIFY_FN0 n0;
		FWPS_CALLOUT_NOTIFY_FN1 n1;
		FWPS_CALLOUT_NOTIFY_FN2 n2;
		FWPS_CALLOUT_NOTIFY_FN3 n3;
	} notify;
	bool has_classify;
	bool has_notify;
	FWPS_CALLOUT_FLOW_DELETE_NOTIFY_FN0 flow_delete;
};

/*
 * Serialises WFP registration calls with the bookkeeping of their adapter
 * state, so an id or key is never looked up while it is being re-used.
 * Never taken by a callback or a worker.
 */
static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
static struct wfp_callout *callouts;

static void
adapter_classify(const struct dfp_callout_classify_in *in,
		const struct dfp_engine_filter_rt *filter, uint64_t flow_context,
		struct dfp_classify_out *out)
{
	FWPS_INCOMING_VALUE0 values[DFP_WFP_MAX_INCOMING_VALUES];
	const struct wfp_callout *co = in->callout_ctx;
	FWPS_INCOMING_METADATA_VALUES0 meta;
	const struct wfp_layer_slots *ls;
	FWPS_INCOMING_VALUES0 fixed;
	union filter_view view;
	FWPS_CLASSIFY_OUT0 wout;
	UINT64 weight;
	unsigned int i;

	if (in->layer_id >= DFP_LAYER_ID_MAX)
		return;
	ls = &wfp_layer_slots[in->layer_id];
	/* FWP_EMPTY is 0: fields dfp does not offer read as empty. */
	memset(values, 0, ls->value_count * sizeof(values[0]));
	for (i = 0; i < ls->n; i++)
		value_fill(&values[ls->slot[i].index].value, in->values,
			(enum dfp_field)ls->slot[i].field, ls->v6);
	fixed.layerId = in->layer_id;
	fixed.valueCount = ls->value_count;
	fixed.incomingValue = values;
	meta_fill(&meta, in);
	weight = filter->weight;
	view_fill(&view, co->version, filter, &weight);
	memcpy(&wout, out, sizeof(wout));

	switch (co->version) {
	case 0:
		co->classify.c0(&fixed, &meta, in->layer_data, &view.f0, flow_context, &wout);
		break;
	case 1:
		co->classify.c1(&fixed, &meta, in->layer_data, in->classify_context, &view.f1,
			flow_context, &wout);
		break;
	case 2:
		co->classify.c2(&fixed, &meta, in->layer_data, in->classify_context, &view.f2,
			flow_context, &wout);
		break;
	default:
		co->classify.c3(&fixed, &meta, in->layer_data, in->classify_context, &view.f3,
			flow_context, &wout);
		break;
	}
	memcpy(out, &wout, sizeof(*out));
}

static dfp_status_t
adapter_notify(void *ctx, enum dfp_notify_type type, const struct dfp_guid *filter_key,
		struct dfp_engine_filter_rt *filter)
{
	const struct wfp_callout *co = ctx;
	FWPS_CALLOUT_NOTIFY_TYPE t = (FWPS_CALLOUT_NOTIFY_TYPE)type;
	union filter_view view;
	UINT64 weight;
	NTSTATUS st;

	if (!co->has_notify)
		return STATUS_SUCCESS;
	weight = filter->weight;
	view_fill(&view, co->version, filter, &weight);
	switch (co->version) {
	case 0:
		st = co->notify.n0(t, filter_key, &view.f0);
		break;
	case 1:
		st = co->notify.n1(t, filter_key, &view.f1);
		break;
	case 2:
		st = co->notify.n2(t, filter_key, &view.f2);
		break;
	default:
		st = co->notify.n3(t, filter_key, &view.f3);
		break;
	}
	/* What the driver hangs on filter->context reaches later classifyFn calls. */
	filter->context = view_context(&view, co->version);
	return st;
}

static void
adapter_flow_delete(void *ctx, uint16_t layer_id, uint32_t callout_id, uint64_t flow_context)
{
	const struct wfp_callout *co = ctx;

	co->flow_delete(layer_id, callout_id, flow_context);
}

/* The common part of FwpsCalloutRegister0..3; t is the filled-in adapter state. */
static NTSTATUS
callout_register(const struct wfp_callout *t, UINT32 flags, UINT32 *calloutId)
{
	struct dfp_ctl *ctl = wfp_ctl();
	char name[DFP_GUID_STR_LEN + 1];
	struct dfp_callout_desc desc;
	struct wfp_callout *co;
	dfp_status_t st;
	uint32_t id;

	if (ctl == NULL)
		return STATUS_INVALID_DEVICE_STATE;
	/* Checked before taking reg_lock: a worker must never block on it. */
	if (!dfp_thread_is_passive())
		return STATUS_NOT_SUPPORTED;
	if (!t->has_classify)
		return STATUS_INVALID_PARAMETER;
	co = malloc(sizeof(*co));
	if (co == NULL)
		return STATUS_NO_MEMORY;
	*co = *t;
	memset(&desc, 0, sizeof(desc));
	desc.key = t->key;
	desc.flags = flags;
	desc.classify = adapter_classify;
	desc.notify = adapter_notify;
	desc.flow_delete = t->flow_delete != NULL ? adapter_flow_delete : NULL;
	desc.ctx = co;
	desc.name = dfp_guid_format(&t->key, name, sizeof(name));

	pthread_mutex_lock(&reg_lock);
	st = dfp_ctl_callout_register(ctl, &desc, &id);
	if (st == DFP_STATUS_SUCCESS) {
		co->id = id;
		co->next = callouts;
		callouts = co;
	}
	pthread_mutex_unlock(&reg_lock);
	if (st != DFP_STATUS_SUCCESS) {
		free(co);
		return st;
	}
	DFP_LOG(wfp, DEBUG, "callout %s registered (FwpsCalloutRegister%u) as %u", name,
		t->version, id);
	if (calloutId != NULL)
		*calloutId = id;
	return STATUS_SUCCESS;
}

/*
 * FwpsCalloutRegister0..3 differ only in the versions of their function
 * pointer types: one body, stamped out per version.
 */
#define WFP_CALLOUT_REGISTER_FN(ver) \
NTSTATUS \
FwpsCalloutRegister##ver(void *deviceObject, const FWPS_CALLOUT##ver *callout, UINT32 *calloutId) \
{ \
	struct wfp_callout t; \
\
	RTE_SET_USED(deviceObject); \
	if (callout == NULL) \
		return wfp_ctl() == NULL ? STATUS_INVALID_DEVICE_STATE : STATUS_INVALID_PARAMETER; \
	memset(&t, 0, sizeof(t)); \
	t.key = callout->calloutKey; \
	t.version = ver; \
	t.classify.c##ver = callout->classifyFn; \
	t.notify.n##ver = callout->notifyFn; \
	t.has_classify = callout->classifyFn != NULL; \
	t.has_notify = callout->notifyFn != NULL; \
	t.flow_delete = callout->flowDeleteFn; \
	return callout_register(&t, callout->flags, calloutId); \
}

WFP_CALLOUT_REGISTER_FN(0)
WFP_CALLOUT_REGISTER_FN(1)
WFP_CALLOUT_REGISTER_FN(2)
WFP_CALLOUT_REGISTER_FN(3)

/* Unlink and free the adapter state of a callout that is no longer registered. */
static void
forget(bool (*match)(const struct wfp_callout *co, const void *arg), const void *arg)
{
	struct wfp_callout **pp, *co;

	for (pp = &callouts; (co = *pp) != NULL; pp = &co->next) {
		if (match(co, arg)) {
			*pp = co->next;
			free(co);
			return;
		}
	}
}

static bool
match_id(const struct wfp_callout *co, const void *arg)
{
	return co->id == *(const uint32_t *)arg;
}

static bool
match_key(const struct wfp_callout *co, const void *arg)
{
	return dfp_guid_equal(&co->key, arg);
}

NTSTATUS
FwpsCalloutUnregisterById0(const UINT32 calloutId)
{
	struct dfp_ctl *ctl = wfp_ctl();
	dfp_status_t st;

	if (ctl == NULL)
		return STATUS_INVALID_DEVICE_STATE;
	if (!dfp_thread_is_passive())
		return STATUS_NOT_SUPPORTED;
	pthread_mutex_lock(&reg_lock);
	st = dfp_ctl_callout_unregister_by_id(ctl, calloutId);
	/* After success no callback of it runs or will run: its state can go. */
	if (st == DFP_STATUS_SUCCESS)
		forget(match_id, &calloutId);
	pthread_mutex_unlock(&reg_lock);
	return st;
}

NTSTATUS
FwpsCalloutUnregisterByKey0(const GUID *calloutKey)
{
	struct dfp_ctl *ctl = wfp_ctl();
	dfp_status_t st;

	if (ctl == NULL)
		return STATUS_INVALID_DEVICE_STATE;
	if (calloutKey == NULL)
		return STATUS_INVALID_PARAMETER;
	if (!dfp_thread_is_passive())
		return STATUS_NOT_SUPPORTED;
	pthread_mutex_lock(&reg_lock);
	st = dfp_ctl_callout_unregister_by_key(ctl, calloutKey);
	if (st == DFP_STATUS_SUCCESS)
		forget(match_key, calloutKey);
	pthread_mutex_unlock(&reg_lock);
	return st;
}
