/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * builtin:count: per-flow packet and byte counters kept in a flow context
 * and reported by flowDeleteFn, as WFP's msnmntr sample does (spec §9 S5).
 *
 * Model
 * -----
 * Three callouts. callouts[0], at the declared ALE_FLOW_ESTABLISHED_Vx,
 * takes a context from the instance's pool when a flow is established and
 * associates it with the flow at the companion that sees the flow's data:
 * callouts[1] "<name>.stream" at STREAM_Vx for TCP, callouts[2]
 * "<name>.datagram" at DATAGRAM_DATA_Vx for every other protocol (same
 * family). The companions are CONDITIONAL_ON_FLOW and get match-all
 * inspection filters from the host (add_filter), so they count every
 * packet their flow has at that layer from establishment on (TCP: the
 * segments that carry payload; other protocols: every packet, the
 * establishing one included) and never decide. Bytes are Ethernet frame
 * bytes as received (ETHER_FRAME_LENGTH). Their flowDeleteFn, which
 * lib/flow runs exactly once per association (flow end, aging, abort,
 * context removal, shutdown), logs the totals through host->log, adds
 * them to the instance's counters and returns the context to the pool.
 *
 * callouts[0] must name each companion's run-time id when it associates, so
 * the companions register themselves (register_fn, natively through
 * host->ctl) and keep the id they get; callouts[0] is registered from its
 * desc by the host. No allocation on the classify path: the contexts are
 * preallocated at create() (param max_flows); an empty pool is counted and
 * the flow goes uncounted.
 *
 * Memory ordering
 * ---------------
 * Pool: a Treiber stack of context indexes whose head word carries a
 * 32-bit tag against ABA. Workers pop (callouts[0]); any thread pushes
 * (flowDeleteFn). A push publishes with release and a pop takes with
 * acquire, so a context's last reader (flowDeleteFn) happens before its
 * next owner's writes.
 *
 * A context's counters are plain words with one writer: the worker that
 * owns the flow, inside the companion's classifyFn. flowDeleteFn reads them
 * only once lib/flow has taken the context away from that worker, which
 * orders every write before the read: on the owner itself (flow end,
 * aging, shutdown's drain, a removal deferred to classify_end) by program
 * order; on another thread (FwpsFlowRemoveContext0 while the owner is not
 * classifying the flow) through lib/flow's sequentially consistent RMWs on
 * the flow header: the remover's RMW reads the owner's classify_end RMW
 * (release) with acquire before it runs the hook, and no classification
 * delivers the context afterwards (dfp_flow.h). The identity fields are
 * written before the association, whose publication in lib/flow (seq_cst)
 * makes them visible to whoever later gets the context.
 *
 * Instance counters are relaxed atomics: independent event counts, read by
 * describe() on a control thread.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_log.h>

#include "dfp_callout.h"
#include "dfp_ctl.h"
#include "dfp_engine.h"
#include "module_private.h"

/* Companion indexes (callouts[] and dfp_module_companion_key()). */
#define COUNT_STREAM 1
#define COUNT_DATAGRAM 2
#define COUNT_N_CALLOUTS 3

/* End of the free list. */
#define COUNT_NIL UINT32_MAX

/* Largest pool: the flow table's largest capacity. */
#define COUNT_MAX_FLOWS (UINT64_C(1) << 24)

/* One flow's context. Two cache lines, so two workers' contexts never share one. */
struct count_ctx {
	/* Written per packet by the owning worker; index: FWP_DIRECTION (0 out, 1 in). */
	uint64_t packets[2];
	uint64_t bytes[2];
	/* Identity, written before the association. */
	uint64_t flow_id;
	union dfp_engine_addr src;    /* The initiator (the establishing packet's sender). */
	union dfp_engine_addr dst;
	uint16_t sport;
	uint16_t dport;
	uint8_t proto;
	/* Free-list link, meaningful only while the context is in the pool. */
	uint32_t next;
} __rte_cache_aligned;

struct count_state {
	/* Read-only after create() (ids: see register_fn). */
	struct dfp_callout_rt *rt;
	const struct dfp_module_host *host;
	struct dfp_ctl *ctl;
	struct count_ctx *ctxs;
	uint32_t n_ctxs;
	unsigned int family;
	bool log;
	uint16_t layers[COUNT_N_CALLOUTS];
	/* Companions' run-time ids: register_fn stores with release, classify loads with acquire. */
	uint32_t ids[COUNT_N_CALLOUTS];
	struct dfp_callout_desc descs[COUNT_N_CALLOUTS];
	char names[COUNT_N_CALLOUTS][DFP_MODULE_NAME_SIZE];
	/* Pool head: [tag: 32 bits][index: 32 bits]. Touched at every flow start and end. */
	uint64_t head __rte_cache_aligned;
	/* Counters (relaxed atomics). */
	uint64_t flows __rte_cache_aligned;  /* Flows reported by flowDeleteFn. */
	uint64_t packets;                     /* Their packets ... */
	uint64_t bytes;                       /* ... and bytes. */
	uint64_t live;                        /* Contexts associated now. */
	uint64_t pool_exhausted;              /* Flows not counted: no free context. */
	uint64_t assoc_failed;                /* Flows not counted: association refused. */
};

static inline void
stat_add(uint64_t *c, uint64_t n)
{
	__atomic_fetch_add(c, n, __ATOMIC_RELAXED);
}

/* ---- Pool ---- */

static struct count_ctx *
pool_get(struct count_state *s)
{
	uint64_t old = __atomic_load_n(&s->head, __ATOMIC_ACQUIRE);
	uint64_t nw;
	uint32_t idx;

	do {
		idx = (uint32_t)old;
		if (idx == COUNT_NIL)
			return NULL;
		/*
		 * Stale if another thread took idx meanwhile and pushed it back
		 * with another link: the tag then differs and the CAS fails.
		 */
		nw = ((old >> 32) + 1) << 32 |
			__atomic_load_n(&s->ctxs[idx].next, __ATOMIC_RELAXED);
	} while (!__atomic_compare_exchange_n(&s->head, &old, nw, true, __ATOMIC_ACQUIRE,
			__ATOMIC_ACQUIRE));
	return &s->ctxs[idx];
}

static void
pool_put(struct count_state *s, struct count_ctx *c)
{
	uint32_t idx = (uint32_t)(c - s->ctxs);
	uint64_t old = __atomic_load_n(&s->head, __ATOMIC_RELAXED);
	uint64_t nw;

	do {
		__atomic_store_n(&c->next, (uint32_t)old, __ATOMIC_RELAXED);
		nw = ((old >> 32) + 1) << 32 | idx;
		/* Release: our reads of the context and its link precede the next pop. */
	} while (!__atomic_compare_exchange_n(&s->head, &old, nw, true, __ATOMIC_RELEASE,
			__ATOMIC_RELAXED));
}

/* ---- Callbacks ---- */

/* callouts[0], ALE_FLOW_ESTABLISHED: give the flow a context at its data companion. */
static void
count_established(const struct dfp_callout_classify_in *in,
		const struct dfp_engine_filter_rt *filter, uint64_t flow_context,
		struct dfp_classify_out *out)
{
	struct count_state *s = in->callout_ctx;
	const struct dfp_engine_values *v = in->values;
	unsigned int k = v->ip_protocol == IPPROTO_TCP ? COUNT_STREAM : COUNT_DATAGRAM;
	struct count_ctx *c;
	bool inbound;
	uint32_t id;

	RTE_SET_USED(filter);
	RTE_SET_USED(flow_context);
	/* Inspection: never decides (spec §2.1). */
	out->action_type = DFP_ACTION_CONTINUE;
	if (in->meta == NULL || !(in->meta->present & DFP_META_FLOW_HANDLE))
		return;
	id = __atomic_load_n(&s->ids[k], __ATOMIC_ACQUIRE);
	if (id == 0) {
		/* The companion is not registered (yet). */
		stat_add(&s->assoc_failed, 1);
		return;
	}
	c = pool_get(s);
	if (c == NULL) {
		stat_add(&s->pool_exhausted, 1);
		return;
	}
	memset(c->packets, 0, sizeof(c->packets));
	memset(c->bytes, 0, sizeof(c->bytes));
	c->flow_id = in->meta->flow_handle;
	c->proto = v->ip_protocol;
	inbound = v->direction == DFP_DIRECTION_INBOUND;
	c->src = inbound ? v->remote_addr : v->local_addr;
	c->dst = inbound ? v->local_addr : v->remote_addr;
	c->sport = inbound ? v->remote_port : v->local_port;
	c->dport = inbound ? v->local_port : v->remote_port;
	/* Counted live before it is associated: its flowDeleteFn may run at once. */
	stat_add(&s->live, 1);
	if (dfp_callout_flow_associate(s->rt, c->flow_id, s->layers[k], id,
			(uint64_t)(uintptr_t)c) != DFP_STATUS_SUCCESS) {
		/* Not associated: no flowDeleteFn will see it; nobody else holds it. */
		__atomic_fetch_sub(&s->live, 1, __ATOMIC_RELAXED);
		pool_put(s, c);
		stat_add(&s->assoc_failed, 1);
	}
}

/* callouts[1..2], STREAM / DATAGRAM_DATA: count the packet; the owning worker only. */
static void
count_data(const struct dfp_callout_classify_in *in, const struct dfp_engine_filter_rt *filter,
		uint64_t flow_context, struct dfp_classify_out *out)
{
	struct count_ctx *c = (struct count_ctx *)(uintptr_t)flow_context;
	unsigned int d;

	RTE_SET_USED(filter);
	out->action_type = DFP_ACTION_CONTINUE;
	if (c == NULL)
		return;
	d = in->values->direction == DFP_DIRECTION_INBOUND;
	c->packets[d]++;
	if (in->meta != NULL && (in->meta->present & DFP_META_ETHER_FRAME_LENGTH))
		c->bytes[d] += in->meta->frame_length;
}

static void
addr_format(const union dfp_engine_addr *a, unsigned int family, char *buf, size_t len)
{
	char t[INET6_ADDRSTRLEN];
	uint32_t n;

	if (family == 4) {
		n = htonl(a->v4);
		inet_ntop(AF_INET, &n, buf, (socklen_t)len);
		return;
	}
	inet_ntop(AF_INET6, a->v6, t, sizeof(t));
	snprintf(buf, len, "[%s]", t);
}

/* The companions' flowDeleteFn: report, total, back to the pool. Any thread. */
static void
count_flow_delete(void *ctx, uint16_t layer_id, uint32_t callout_id, uint64_t flow_context)
{
	struct count_state *s = ctx;
	struct count_ctx *c = (struct count_ctx *)(uintptr_t)flow_context;
	char src[INET6_ADDRSTRLEN + 2], dst[INET6_ADDRSTRLEN + 2];

	if (c < s->ctxs || c >= s->ctxs + s->n_ctxs) {
		DFP_LOG(module, ERR, "count %s: foreign context 0x%" PRIx64 " deleted at layer %u "
			"callout %u", s->names[0], flow_context, layer_id, callout_id);
		return;
	}
	if (s->log) {
		addr_format(&c->src, s->family, src, sizeof(src));
		addr_format(&c->dst, s->family, dst, sizeof(dst));
		MOD_LOG(s->host, RTE_LOG_INFO, "count",
			"count %s: flow 0x%" PRIx64 " proto %u %s:%u > %s:%u packets %" PRIu64 "/%"
			PRIu64 " bytes %" PRIu64 "/%" PRIu64, s->names[0], c->flow_id, c->proto, src,
			c->sport, dst, c->dport, c->packets[DFP_DIRECTION_INBOUND],
			c->packets[DFP_DIRECTION_OUTBOUND], c->bytes[DFP_DIRECTION_INBOUND],
			c->bytes[DFP_DIRECTION_OUTBOUND]);
	}
	stat_add(&s->flows, 1);
	stat_add(&s->packets, c->packets[0] + c->packets[1]);
	stat_add(&s->bytes, c->bytes[0] + c->bytes[1]);
	__atomic_fetch_sub(&s->live, 1, __ATOMIC_RELAXED);
	pool_put(s, c);
}

static dfp_status_t
count_notify(void *callout_ctx, enum dfp_notify_type type, const struct dfp_guid *filter_key,
		struct dfp_engine_filter_rt *filter)
{
	RTE_SET_USED(callout_ctx);
	RTE_SET_USED(type);
	RTE_SET_USED(filter_key);
	RTE_SET_USED(filter);
	return DFP_STATUS_SUCCESS;
}

/* Companions register themselves so that callouts[0] learns their ids. Control thread. */
static dfp_status_t
count_register(void *state, unsigned int index, uint32_t *id_out)
{
	struct count_state *s = state;
	dfp_status_t st;
	uint32_t id = 0;

	if (s == NULL || id_out == NULL || (index != COUNT_STREAM && index != COUNT_DATAGRAM))
		return DFP_STATUS_INVALID_PARAMETER;
	st = dfp_ctl_callout_register(s->ctl, &s->descs[index], &id);
	if (st != DFP_STATUS_SUCCESS)
		return st;
	/* Release: the registration is complete before a worker associates with it. */
	__atomic_store_n(&s->ids[index], id, __ATOMIC_RELEASE);
	*id_out = id;
	return DFP_STATUS_SUCCESS;
}

static int
count_describe(void *state, char *buf, size_t len)
{
	struct count_state *s = state;

	return snprintf(buf, len, "flows %" PRIu64 " packets %" PRIu64 " bytes %" PRIu64
		" live %" PRIu64 " pool_exhausted %" PRIu64 " assoc_failed %" PRIu64,
		__atomic_load_n(&s->flows, __ATOMIC_RELAXED),
		__atomic_load_n(&s->packets, __ATOMIC_RELAXED),
		__atomic_load_n(&s->bytes, __ATOMIC_RELAXED),
		__atomic_load_n(&s->live, __ATOMIC_RELAXED),
		__atomic_load_n(&s->pool_exhausted, __ATOMIC_RELAXED),
		__atomic_load_n(&s->assoc_failed, __ATOMIC_RELAXED));
}

static void
count_destroy(void *state)
{
	struct count_state *s = state;
	uint64_t live;

	if (s == NULL)
		return;
	live = __atomic_load_n(&s->live, __ATOMIC_ACQUIRE);
	if (live != 0) {
		/* Flows still point into the pool: keep it rather than free it under them. */
		DFP_LOG(module, ERR, "count %s: destroyed with %" PRIu64 " live contexts; pool kept",
			s->names[0], live);
		return;
	}
	free(s->ctxs);
	free(s);
}

/* ---- Factory ---- */

static void
callout_fill(struct count_state *s, struct dfp_module_instance *out, unsigned int i,
		const struct dfp_guid *key, const char *suffix)
{
	struct dfp_module_callout *co = &out->callouts[i];
	struct dfp_callout_desc *d = &s->descs[i];

	dfp_module_companion_key(key, i, &co->key);
	co->layer_id = s->layers[i];
	if (i != 0) {
		/* Fits: create() checked the name's length with the longest suffix. */
		size_t n = strlen(s->names[0]);

		memcpy(s->names[i], s->names[0], n);
		memcpy(s->names[i] + n, suffix, strlen(suffix) + 1);
	}
	memcpy(co->name, s->names[i], sizeof(co->name));
	co->add_filter = i != 0;
	memset(d, 0, sizeof(*d));
	d->key = co->key;
	d->flags = i != 0 ? DFP_CALLOUT_FLAG_CONDITIONAL_ON_FLOW : 0;
	d->classify = i != 0 ? count_data : count_established;
	d->notify = count_notify;
	d->flow_delete = i != 0 ? count_flow_delete : NULL;
	d->ctx = s;
	d->name = s->names[i];
	co->desc = *d;
	co->register_fn = i != 0 ? count_register : NULL;
}

static dfp_status_t
count_create(const struct dfp_module_args *a, struct dfp_module_instance *out, char *err,
		size_t err_len)
{
	static const char *const known[] = {"max_flows", "log", NULL};
	struct count_state *s;
	uint64_t max_flows;
	unsigned int family;
	uint32_t i;
	bool log;

	if (out == NULL) {
		mod_err(err, err_len, "count: no instance to fill");
		return DFP_STATUS_INVALID_PARAMETER;
	}
	if (mod_args_check("count", a, known, ".datagram", err, err_len) != 0)
		return DFP_STATUS_INVALID_PARAMETER;
	if (!dfp_engine_layer_is_valid(a->layer_id) ||
			dfp_engine_layer_kind(a->layer_id) != DFP_LAYER_KIND_ALE_ESTABLISHED) {
		const char *ln = dfp_engine_layer_name(a->layer_id);

		mod_err(err, err_len, "count: layer %s: count is declared at ALE_FLOW_ESTABLISHED_V4 "
			"or ALE_FLOW_ESTABLISHED_V6 (its companions count at STREAM and "
			"DATAGRAM_DATA)", ln != NULL ? ln : "(unknown)");
		return DFP_STATUS_INVALID_PARAMETER;
	}
	if (mod_param_u64(a, "max_flows", 1, COUNT_MAX_FLOWS, 65536, false, &max_flows, err,
			err_len) != 0 ||
			mod_param_bool(a, "log", true, &log, err, err_len) != 0)
		return DFP_STATUS_INVALID_PARAMETER;
	family = dfp_engine_layer_family(a->layer_id);

	s = aligned_alloc(RTE_CACHE_LINE_SIZE, RTE_ALIGN_CEIL(sizeof(*s), RTE_CACHE_LINE_SIZE));
	if (s == NULL) {
		mod_err(err, err_len, "count: out of memory");
		return DFP_STATUS_NO_MEMORY;
	}
	memset(s, 0, sizeof(*s));
	s->ctxs = aligned_alloc(RTE_CACHE_LINE_SIZE, max_flows * sizeof(s->ctxs[0]));
	if (s->ctxs == NULL) {
		mod_err(err, err_len, "count: cannot allocate %" PRIu64 " flow contexts (%" PRIu64
			" bytes)", max_flows, max_flows * (uint64_t)sizeof(s->ctxs[0]));
		free(s);
		return DFP_STATUS_NO_MEMORY;
	}
	memset(s->ctxs, 0, max_flows * sizeof(s->ctxs[0]));
	s->n_ctxs = (uint32_t)max_flows;
	for (i = 0; i < s->n_ctxs; i++)
		s->ctxs[i].next = i + 1 < s->n_ctxs ? i + 1 : COUNT_NIL;
	s->head = 0; /* Tag 0, first context. */
	s->rt = dfp_ctl_callouts(a->host->ctl);
	s->host = a->host;
	s->ctl = a->host->ctl;
	s->family = family;
	s->log = log;
	s->layers[0] = a->layer_id;
	s->layers[COUNT_STREAM] = family == 6 ? DFP_LAYER_STREAM_V6 : DFP_LAYER_STREAM_V4;
	s->layers[COUNT_DATAGRAM] = family == 6 ? DFP_LAYER_DATAGRAM_DATA_V6 :
		DFP_LAYER_DATAGRAM_DATA_V4;
	snprintf(s->names[0], sizeof(s->names[0]), "%s", a->name);

	memset(out, 0, sizeof(*out));
	out->state = s;
	out->n_callouts = COUNT_N_CALLOUTS;
	callout_fill(s, out, 0, &a->key, "");
	callout_fill(s, out, COUNT_STREAM, &a->key, ".stream");
	callout_fill(s, out, COUNT_DATAGRAM, &a->key, ".datagram");
	out->describe = count_describe;
	out->destroy = count_destroy;
	return DFP_STATUS_SUCCESS;
}

const struct dfp_module mod_count = {
	.abi_version = DFP_MODULE_ABI_VERSION,
	.size = sizeof(struct dfp_module),
	.name = "count",
	.description = "per-flow packet and byte counters (flow contexts), reported when the "
		"flow ends",
	.create = count_create,
};
