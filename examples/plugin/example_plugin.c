/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * An example dfp plugin: module "port_block", a terminating callout that
 * blocks the packets (transport layers) or new flows (ALE layers) whose
 * remote port is the `port` param and permits the rest, counting both.
 *
 * The callout code is written the way a WFP callout driver's is, against
 * the WFP compatibility header only (dfp_wfp.h): classifyFn1 reads
 * FWPS_INCOMING_VALUES0 and writes FWPS_CLASSIFY_OUT0, and register_fn
 * calls FwpsCalloutRegister1() as DriverEntry would. dfp_module.h supplies
 * the descriptor the loader looks for. Build it as a shared object that
 * does not link libdfp: FwpsCalloutRegister1 resolves from the dfp process
 * that loads it (which must have called dfp_wfp_bind()).
 *
 *     cc -shared -fPIC -o dfp_example_plugin.so example_plugin.c \
 *         $(pkg-config --cflags libdfp)
 *
 * Configuration (DESIGN §3):
 *
 *     callouts:
 *       - {name: no-telnet, key: 3f0c..., layer: INBOUND_TRANSPORT_V4,
 *          module: /usr/lib/dfp/dfp_example_plugin.so, params: {port: 23}}
 *     filters:
 *       - {name: no-telnet, layer: INBOUND_TRANSPORT_V4, action: callout_terminating,
 *          callout: no-telnet}
 *
 * WFP's classifyFn has no callout context, so, like a driver, the plugin
 * keeps its instances in a static table and finds the one being invoked by
 * filter->action.calloutId. The id is known only once FwpsCalloutRegister1
 * returns, while the callout may be invoked as soon as it is published
 * inside that call: an id not in the table yet therefore belongs to the
 * registration in progress (`registering`; registrations are serialised).
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dfp_wfp.h"
#include "dfp_module.h"

/* Instances one process may hold. */
#define PB_MAX_INSTANCES 16

/* rte_log's levels, which host->log takes (this file includes no DPDK header). */
#define PB_LOG_INFO 7u

struct pb_instance {
	UINT32 calloutId;     /* Run-time id, 0 while unregistered: stored with release. */
	UINT32 portIndex;     /* FWPS_FIELDS_<layer>_IP_REMOTE_PORT. */
	UINT16 layerId;       /* FWPS_LAYER_*. */
	UINT16 port;          /* Remote port to block. */
	GUID key;             /* Callout key. */
	bool used;            /* Slot taken (control threads, under pb_lock). */
	char name[DFP_MODULE_NAME_SIZE];
	const struct dfp_module_host *host;
	UINT64 blocked;       /* Decisions (relaxed atomics: any worker). */
	UINT64 permitted;
};

static struct pb_instance pb_instances[PB_MAX_INSTANCES];
/* The instance whose FwpsCalloutRegister1() is in progress, or NULL. */
static struct pb_instance *pb_registering;
/* Serialises create, register and destroy (control threads only). */
static pthread_mutex_t pb_lock = PTHREAD_MUTEX_INITIALIZER;

/* The instance a classification belongs to. Workers; lock-free. */
static struct pb_instance *
pb_find(UINT32 calloutId)
{
	/*
	 * Acquire, before the table: if we see NULL after a registration,
	 * that registration's calloutId store (made before) is visible below.
	 */
	struct pb_instance *reg = __atomic_load_n(&pb_registering, __ATOMIC_ACQUIRE);
	unsigned int i;

	for (i = 0; i < PB_MAX_INSTANCES; i++)
		if (__atomic_load_n(&pb_instances[i].calloutId, __ATOMIC_ACQUIRE) == calloutId)
			return &pb_instances[i];
	return reg;
}

/* classifyFn1: block the configured remote port, permit the rest. */
static void NTAPI
PortBlockClassify(const FWPS_INCOMING_VALUES0 *inFixedValues,
		const FWPS_INCOMING_METADATA_VALUES0 *inMetaValues, void *layerData,
		const void *classifyContext, const FWPS_FILTER1 *filter, UINT64 flowContext,
		FWPS_CLASSIFY_OUT0 *classifyOut)
{
	struct pb_instance *pb = pb_find(filter->action.calloutId);
	const FWP_VALUE0 *v;

	UNREFERENCED_PARAMETER(inMetaValues);
	UNREFERENCED_PARAMETER(layerData);
	UNREFERENCED_PARAMETER(classifyContext);
	UNREFERENCED_PARAMETER(flowContext);
	/* A higher-priority filter decided for good: nothing to add (spec §3.1). */
	if (!(classifyOut->rights & FWPS_RIGHT_ACTION_WRITE))
		return;
	if (pb == NULL || pb->portIndex >= inFixedValues->valueCount)
		return;
	v = &inFixedValues->incomingValue[pb->portIndex].value;
	if (v->type == FWP_UINT16 && v->uint16 == pb->port) {
		classifyOut->actionType = FWP_ACTION_BLOCK;
		classifyOut->rights &= ~FWPS_RIGHT_ACTION_WRITE;
		__atomic_fetch_add(&pb->blocked, 1, __ATOMIC_RELAXED);
		return;
	}
	classifyOut->actionType = FWP_ACTION_PERMIT;
	if (filter->flags & FWPS_FILTER_FLAG_CLEAR_ACTION_RIGHT)
		classifyOut->rights &= ~FWPS_RIGHT_ACTION_WRITE;
	__atomic_fetch_add(&pb->permitted, 1, __ATOMIC_RELAXED);
}

static NTSTATUS NTAPI
PortBlockNotify(FWPS_CALLOUT_NOTIFY_TYPE notifyType, const GUID *filterKey,
		FWPS_FILTER1 *filter)
{
	UNREFERENCED_PARAMETER(notifyType);
	UNREFERENCED_PARAMETER(filterKey);
	UNREFERENCED_PARAMETER(filter);
	return STATUS_SUCCESS;
}

/* register_fn: FwpsCalloutRegister1, as DriverEntry does. Control thread. */
static dfp_status_t
pb_register(void *state, unsigned int index, uint32_t *id_out)
{
	struct pb_instance *pb = state;
	FWPS_CALLOUT1 callout;
	UINT32 id = 0;
	NTSTATUS st;

	if (pb == NULL || index != 0 || id_out == NULL)
		return STATUS_INVALID_PARAMETER;
	memset(&callout, 0, sizeof(callout));
	callout.calloutKey = pb->key;
	callout.classifyFn = PortBlockClassify;
	callout.notifyFn = PortBlockNotify;
	callout.flowDeleteFn = NULL;
	pthread_mutex_lock(&pb_lock);
	__atomic_store_n(&pb_registering, pb, __ATOMIC_RELEASE);
	st = FwpsCalloutRegister1(NULL, &callout, &id);
	if (NT_SUCCESS(st))
		__atomic_store_n(&pb->calloutId, id, __ATOMIC_RELEASE);
	/* Release, after the id: see pb_find(). */
	__atomic_store_n(&pb_registering, NULL, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&pb_lock);
	if (!NT_SUCCESS(st))
		return st;
	*id_out = id;
	return STATUS_SUCCESS;
}

static int
pb_describe(void *state, char *buf, size_t len)
{
	struct pb_instance *pb = state;

	return snprintf(buf, len, "port %u blocked %llu permitted %llu", pb->port,
		(unsigned long long)__atomic_load_n(&pb->blocked, __ATOMIC_RELAXED),
		(unsigned long long)__atomic_load_n(&pb->permitted, __ATOMIC_RELAXED));
}

/* Every callout of the instance is unregistered: no classification can find it. */
static void
pb_destroy(void *state)
{
	struct pb_instance *pb = state;

	pthread_mutex_lock(&pb_lock);
	memset(pb, 0, sizeof(*pb));
	pthread_mutex_unlock(&pb_lock);
}

/* FWPS_FIELDS_<layer>_IP_REMOTE_PORT for the layers port_block serves; -1 otherwise. */
static int
remote_port_index(UINT16 layerId)
{
	switch (layerId) {
	case FWPS_LAYER_INBOUND_TRANSPORT_V4:
		return FWPS_FIELD_INBOUND_TRANSPORT_V4_IP_REMOTE_PORT;
	case FWPS_LAYER_INBOUND_TRANSPORT_V6:
		return FWPS_FIELD_INBOUND_TRANSPORT_V6_IP_REMOTE_PORT;
	case FWPS_LAYER_OUTBOUND_TRANSPORT_V4:
		return FWPS_FIELD_OUTBOUND_TRANSPORT_V4_IP_REMOTE_PORT;
	case FWPS_LAYER_OUTBOUND_TRANSPORT_V6:
		return FWPS_FIELD_OUTBOUND_TRANSPORT_V6_IP_REMOTE_PORT;
	case FWPS_LAYER_ALE_AUTH_CONNECT_V4:
		return FWPS_FIELD_ALE_AUTH_CONNECT_V4_IP_REMOTE_PORT;
	case FWPS_LAYER_ALE_AUTH_CONNECT_V6:
		return FWPS_FIELD_ALE_AUTH_CONNECT_V6_IP_REMOTE_PORT;
	case FWPS_LAYER_ALE_AUTH_RECV_ACCEPT_V4:
		return FWPS_FIELD_ALE_AUTH_RECV_ACCEPT_V4_IP_REMOTE_PORT;
	case FWPS_LAYER_ALE_AUTH_RECV_ACCEPT_V6:
		return FWPS_FIELD_ALE_AUTH_RECV_ACCEPT_V6_IP_REMOTE_PORT;
	default:
		return -1;
	}
}

static dfp_status_t
pb_create(const struct dfp_module_args *args, struct dfp_module_instance *out, char *err,
		size_t err_len)
{
	struct dfp_module_callout *co;
	const char *port_text = NULL;
	struct pb_instance *pb = NULL;
	unsigned long port;
	unsigned int i;
	char *end;
	int index;

	if (args == NULL || out == NULL || args->name == NULL ||
			strlen(args->name) >= DFP_MODULE_NAME_SIZE) {
		snprintf(err, err_len, "port_block: no instance, or no name or one too long");
		return STATUS_INVALID_PARAMETER;
	}
	index = remote_port_index(args->layer_id);
	if (index < 0) {
		snprintf(err, err_len, "port_block: layer %u: declare it at INBOUND/OUTBOUND_TRANSPORT "
			"or ALE_AUTH_CONNECT/RECV_ACCEPT (V4 or V6)", args->layer_id);
		return STATUS_INVALID_PARAMETER;
	}
	for (i = 0; i < args->n_params; i++) {
		if (strcmp(args->params[i].key, "port") != 0) {
			snprintf(err, err_len, "param '%s': unknown (port_block takes port)",
				args->params[i].key);
			return STATUS_INVALID_PARAMETER;
		}
		port_text = args->params[i].value;
	}
	if (port_text == NULL) {
		snprintf(err, err_len, "param 'port': missing (1..65535)");
		return STATUS_INVALID_PARAMETER;
	}
	port = strtoul(port_text, &end, 10);
	if (port_text[0] < '0' || port_text[0] > '9' || *end != '\0' || port < 1 || port > 65535) {
		snprintf(err, err_len, "param 'port': '%s' is not a port (1..65535)", port_text);
		return STATUS_INVALID_PARAMETER;
	}

	pthread_mutex_lock(&pb_lock);
	for (i = 0; i < PB_MAX_INSTANCES && pb == NULL; i++)
		if (!pb_instances[i].used)
			pb = &pb_instances[i];
	if (pb != NULL) {
		memset(pb, 0, sizeof(*pb));
		pb->used = true;
	}
	pthread_mutex_unlock(&pb_lock);
	if (pb == NULL) {
		snprintf(err, err_len, "port_block: at most %u instances", PB_MAX_INSTANCES);
		return STATUS_INSUFFICIENT_RESOURCES;
	}
	pb->portIndex = (UINT32)index;
	pb->layerId = args->layer_id;
	pb->port = (UINT16)port;
	pb->key = args->key;
	pb->host = args->host;
	snprintf(pb->name, sizeof(pb->name), "%s", args->name);

	memset(out, 0, sizeof(*out));
	out->state = pb;
	out->n_callouts = 1;
	co = &out->callouts[0];
	co->key = args->key;
	co->layer_id = args->layer_id;
	snprintf(co->name, sizeof(co->name), "%s", args->name);
	co->register_fn = pb_register;
	out->describe = pb_describe;
	out->destroy = pb_destroy;
	if (pb->host != NULL && pb->host->log != NULL)
		pb->host->log(PB_LOG_INFO, "port_block", "port_block %s: blocks remote port %u at "
			"layer %u", pb->name, pb->port, pb->layerId);
	return STATUS_SUCCESS;
}

DFP_MODULE_EXPORT = {
	.abi_version = DFP_MODULE_ABI_VERSION,
	.size = sizeof(struct dfp_module),
	.name = "port_block",
	.description = "example plugin: blocks one remote port (WFP-style callout)",
	.create = pb_create,
};
