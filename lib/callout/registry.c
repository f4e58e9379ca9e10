/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Callout registrations: register/unregister with WFP's statuses, the
 * engine's invoke and notify hooks, and flow-context calls checked against
 * the registration.
 *
 * Workers find a registration through an immutable id-sorted table
 * published with release and read with acquire; replaced tables and
 * unregistered callouts are freed only after an RCU grace period. Control
 * threads (not RCU readers) look registrations up under `rt->lock`. No user
 * callback ever runs with `rt->lock` held.
 */
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_rcu_qsbr.h>

#include "dfp_rcu.h"
#include "dfp_thread.h"
#include "callout_private.h"

DFP_LOG_REGISTER(callout);

__thread struct dfp_callout_pkt *callout_current_pkt;

enum reg_state {
	REG_REGISTERING = 1,  /* Being published; not yet callable. */
	REG_REGISTERED,
	REG_UNREGISTERING,    /* Removed from the table; waiting for a grace period. */
};

struct callout_reg {
	struct callout_reg *next;     /* rt->regs (control, under rt->lock). */
	struct dfp_callout_desc desc;
	char name[64];
	uint32_t id;
	/*
	 * State and context count form a Dekker pair between unregister
	 * (store state, then load count) and a worker's associate (add count,
	 * then load state): both sequentially consistent, so at least one
	 * side sees the other and no context survives an unregistration.
	 */
	uint32_t state;
	uint64_t n_contexts;
	uint32_t n_busy;              /* Control threads inside a notifyFn (under rt->lock). */
};

struct callout_table {
	uint32_t n;
	struct {
		uint32_t id;
		struct callout_reg *reg;
	} e[];
};

/* ---- Tables ---- */

static struct callout_reg *
table_find(const struct callout_table *t, uint32_t id)
{
	uint32_t lo = 0, hi;

	if (t == NULL)
		return NULL;
	hi = t->n;
	while (lo < hi) {
		uint32_t mid = (lo + hi) / 2;

		if (t->e[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < t->n && t->e[lo].id == id ? t->e[lo].reg : NULL;
}

/* New table of the current one plus `add` and minus `drop` (either may be NULL). */
static struct callout_table *
table_rebuild(const struct callout_table *cur, struct callout_reg *add, struct callout_reg *drop)
{
	uint32_t n = (cur != NULL ? cur->n : 0) + (add != NULL);
	struct callout_table *t;
	uint32_t i, j = 0;
	bool placed = add == NULL;

	t = malloc(sizeof(*t) + (size_t)n * sizeof(t->e[0]));
	if (t == NULL)
		return NULL;
	for (i = 0; cur != NULL && i < cur->n; i++) {
		if (cur->e[i].reg == drop)
			continue;
		if (!placed && add->id < cur->e[i].id) {
			t->e[j].id = add->id;
			t->e[j++].reg = add;
			placed = true;
		}
		t->e[j++] = cur->e[i];
	}
	if (!placed) {
		t->e[j].id = add->id;
		t->e[j++].reg = add;
	}
	t->n = j;
	return t;
}

/*
 * Swap in a new table; returns the old one. Caller holds rt->lock, so table
 * changes never race each other; the old table is freed by table_retire()
 * after the lock is dropped.
 */
static struct callout_table *
table_swap(struct dfp_callout_rt *rt, struct callout_table *t)
{
	/* Release: the table's entries are visible to workers before the pointer. */
	return __atomic_exchange_n(&rt->table, t, __ATOMIC_ACQ_REL);
}

/* Wait until no worker can hold the old table, then free it. rt->lock not held. */
static void
table_retire(struct dfp_callout_rt *rt, struct callout_table *old)
{
	dfp_rcu_wait(rt->rcu);
	free(old);
}

/*
 * Find a registration from any thread. Workers are RCU readers and read the
 * published table; other threads take rt->lock (*locked = true) and must
 * call reg_put() when done.
 */
static struct callout_reg *
reg_get(struct dfp_callout_rt *rt, uint32_t id, bool *locked)
{
	if (dfp_thread_is_worker()) {
		*locked = false;
		return table_find(__atomic_load_n(&rt->table, __ATOMIC_ACQUIRE), id);
	}
	pthread_mutex_lock(&rt->lock);
	*locked = true;
	return table_find(__atomic_load_n(&rt->table, __ATOMIC_ACQUIRE), id);
}

static void
reg_put(struct dfp_callout_rt *rt, bool locked)
{
	if (locked)
		pthread_mutex_unlock(&rt->lock);
}

static struct callout_reg *
reg_find_key(struct dfp_callout_rt *rt, const struct dfp_guid *key)
{
	struct callout_reg *r;

	for (r = rt->regs; r != NULL; r = r->next)
		if (dfp_guid_equal(&r->desc.key, key))
			return r;
	return NULL;
}

static struct callout_reg *
reg_find_id(struct dfp_callout_rt *rt, uint32_t id)
{
	struct callout_reg *r;

	for (r = rt->regs; r != NULL; r = r->next)
		if (r->id == id)
			return r;
	return NULL;
}

static void
reg_unlink(struct dfp_callout_rt *rt, struct callout_reg *reg)
{
	struct callout_reg **pp;

	for (pp = &rt->regs; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == reg) {
			*pp = reg->next;
			return;
		}
	}
}

/* ---- Runtime ---- */

dfp_status_t
dfp_callout_rt_create(const struct dfp_callout_params *p, struct dfp_callout_rt **out)
{
	struct dfp_callout_rt *rt;

	if (p == NULL || out == NULL)
		return DFP_STATUS_INVALID_PARAMETER;
	rt = calloc(1, sizeof(*rt));
	if (rt == NULL)
		return DFP_STATUS_NO_MEMORY;
	rt->rcu = p->rcu;
	rt->flows = p->flows;
	rt->n_workers = p->n_workers;
	rt->pend_timeout_ms = p->pend_timeout_ms ? p->pend_timeout_ms : 5000;
	pthread_mutex_init(&rt->lock, NULL);
	if (callout_handles_create(rt, p->max_handles ? p->max_handles : 65536,
			p->ring_size ? p->ring_size : 4096, p->n_workers) != 0) {
		pthread_mutex_destroy(&rt->lock);
		free(rt);
		return DFP_STATUS_NO_MEMORY;
	}
	*out = rt;
	return DFP_STATUS_SUCCESS;
}

void
dfp_callout_rt_attach_flows(struct dfp_callout_rt *rt, struct dfp_flow_dir *flows)
{
	rt->flows = flows;
}

void
dfp_callout_rt_free(struct dfp_callout_rt *rt)
{
	struct callout_reg *r;

	if (rt == NULL)
		return;
	callout_handles_free(rt);
	while ((r = rt->regs) != NULL) {
		rt->regs = r->next;
		DFP_LOG(callout, WARNING, "callout %u (%s) still registered at shutdown", r->id,
			r->name);
		free(r);
	}
	free(rt->table);
	pthread_mutex_destroy(&rt->lock);
	free(rt);
}

/* ---- Registration ---- */

dfp_status_t
dfp_callout_register(struct dfp_callout_rt *rt, const struct dfp_callout_desc *desc,
		uint32_t callout_id)
{
	struct callout_table *t, *old;
	struct callout_reg *reg;

	if (rt == NULL || desc == NULL || desc->classify == NULL || desc->notify == NULL ||
			(desc->flags & ~DFP_CALLOUT_FLAGS_VALID) || callout_id == 0)
		return DFP_STATUS_INVALID_PARAMETER;
	if (desc->pend_default_action != 0 && desc->pend_default_action != DFP_ACTION_PERMIT &&
			desc->pend_default_action != DFP_ACTION_BLOCK)
		return DFP_STATUS_INVALID_PARAMETER;
	pthread_mutex_lock(&rt->lock);
	reg = reg_find_key(rt, &desc->key);
	if (reg == NULL)
		reg = reg_find_id(rt, callout_id);
	if (reg != NULL) {
		uint32_t state = __atomic_load_n(&reg->state, __ATOMIC_SEQ_CST);

		pthread_mutex_unlock(&rt->lock);
		return state == REG_REGISTERED ? DFP_STATUS_FWP_ALREADY_EXISTS :
			DFP_STATUS_FWP_IN_USE;
	}
	reg = calloc(1, sizeof(*reg));
	if (reg == NULL) {
		pthread_mutex_unlock(&rt->lock);
		return DFP_STATUS_NO_MEMORY;
	}
	reg->desc = *desc;
	snprintf(reg->name, sizeof(reg->name), "%s", desc->name != NULL ? desc->name : "");
	reg->desc.name = reg->name;
	reg->id = callout_id;
	reg->state = REG_REGISTERING;
	t = table_rebuild(rt->table, reg, NULL);
	if (t == NULL) {
		pthread_mutex_unlock(&rt->lock);
		free(reg);
		return DFP_STATUS_NO_MEMORY;
	}
	reg->next = rt->regs;
	rt->regs = reg;
	old = table_swap(rt, t);
	pthread_mutex_unlock(&rt->lock);

	/*
	 * Published while REGISTERING: a concurrent register or unregister of
	 * the same callout gets STATUS_FWP_IN_USE until the old table is gone.
	 */
	table_retire(rt, old);
	__atomic_store_n(&reg->state, REG_REGISTERED, __ATOMIC_SEQ_CST);
	return DFP_STATUS_SUCCESS;
}

static dfp_status_t
unregister_reg(struct dfp_callout_rt *rt, struct callout_reg *reg)
{
	struct callout_table *t, *old;
	uint32_t expected = REG_REGISTERED;
	unsigned int orphans;

	/* Caller holds rt->lock. */
	if (!__atomic_compare_exchange_n(&reg->state, &expected, REG_UNREGISTERING, false,
			__ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {
		pthread_mutex_unlock(&rt->lock);
		return DFP_STATUS_FWP_IN_USE;
	}
	/* Seq-cst after the state store: pairs with associate's add-then-check. */
	if (__atomic_load_n(&reg->n_contexts, __ATOMIC_SEQ_CST) != 0) {
		__atomic_store_n(&reg->state, REG_REGISTERED, __ATOMIC_SEQ_CST);
		pthread_mutex_unlock(&rt->lock);
		return DFP_STATUS_DEVICE_BUSY;
	}
	t = table_rebuild(rt->table, NULL, reg);
	if (t == NULL) {
		__atomic_store_n(&reg->state, REG_REGISTERED, __ATOMIC_SEQ_CST);
		pthread_mutex_unlock(&rt->lock);
		return DFP_STATUS_NO_MEMORY;
	}
	old = table_swap(rt, t);
	pthread_mutex_unlock(&rt->lock);

	/* After this grace period no worker is inside the callout's classifyFn. */
	table_retire(rt, old);

	pthread_mutex_lock(&rt->lock);
	/* Control threads inside its notifyFn hold it busy; they finish quickly. */
	while (reg->n_busy != 0) {
		pthread_mutex_unlock(&rt->lock);
		sched_yield();
		pthread_mutex_lock(&rt->lock);
	}
	reg_unlink(rt, reg);
	pthread_mutex_unlock(&rt->lock);
	/*
	 * Every FwpsAcquireClassifyHandle0 needs its FwpsReleaseClassifyHandle0
	 * (spec §6.3): handles the callout still holds now are reported, by
	 * name, and counted (handles_orphaned), not lost silently.
	 */
	orphans = callout_handles_orphan(rt, reg->id);
	if (orphans != 0)
		DFP_LOG(callout, WARNING, "callout %s (id %u) unregistered holding %u classify "
			"handle(s) it never released (FwpsReleaseClassifyHandle0 missing)",
			reg->name[0] != '\0' ? reg->name : "-", reg->id, orphans);
	free(reg);
	return DFP_STATUS_SUCCESS;
}

dfp_status_t
dfp_callout_unregister_by_id(struct dfp_callout_rt *rt, uint32_t callout_id)
{
	struct callout_reg *reg;

	if (rt == NULL)
		return DFP_STATUS_INVALID_PARAMETER;
	pthread_mutex_lock(&rt->lock);
	reg = reg_find_id(rt, callout_id);
	if (reg == NULL) {
		pthread_mutex_unlock(&rt->lock);
		return DFP_STATUS_FWP_CALLOUT_NOT_FOUND;
	}
	return unregister_reg(rt, reg);
}

dfp_status_t
dfp_callout_unregister_by_key(struct dfp_callout_rt *rt, const struct dfp_guid *key,
		uint32_t *id_out)
{
	struct callout_reg *reg;

	if (rt == NULL || key == NULL)
		return DFP_STATUS_INVALID_PARAMETER;
	pthread_mutex_lock(&rt->lock);
	reg = reg_find_key(rt, key);
	if (reg == NULL) {
		pthread_mutex_unlock(&rt->lock);
		return DFP_STATUS_FWP_CALLOUT_NOT_FOUND;
	}
	if (id_out != NULL)
		*id_out = reg->id;
	return unregister_reg(rt, reg);
}

bool
dfp_callout_is_registered(struct dfp_callout_rt *rt, uint32_t callout_id)
{
	struct callout_reg *reg;
	bool locked, found;

	reg = reg_get(rt, callout_id, &locked);
	found = reg != NULL;
	reg_put(rt, locked);
	return found;
}

void
dfp_callout_foreach(struct dfp_callout_rt *rt,
		int (*cb)(void *arg, const struct dfp_callout_reg_info *r), void *arg)
{
	struct dfp_callout_reg_info *infos;
	struct callout_reg *r;
	unsigned int n = 0, i;

	/* Snapshot under the lock, call back without it. */
	pthread_mutex_lock(&rt->lock);
	for (r = rt->regs; r != NULL; r = r->next)
		n++;
	infos = calloc(n ? n : 1, sizeof(*infos));
	if (infos == NULL) {
		pthread_mutex_unlock(&rt->lock);
		return;
	}
	n = 0;
	for (r = rt->regs; r != NULL; r = r->next) {
		if (__atomic_load_n(&r->state, __ATOMIC_ACQUIRE) != REG_REGISTERED)
			continue;
		infos[n].key = r->desc.key;
		infos[n].callout_id = r->id;
		infos[n].flags = r->desc.flags;
		infos[n].n_contexts = __atomic_load_n(&r->n_contexts, __ATOMIC_RELAXED);
		memcpy(infos[n].name, r->name, sizeof(infos[n].name));
		n++;
	}
	pthread_mutex_unlock(&rt->lock);
	for (i = 0; i < n; i++)
		if (cb(arg, &infos[i]) != 0)
			break;
	free(infos);
}

uint32_t
callout_pend_default_action(struct dfp_callout_rt *rt, uint32_t callout_id)
{
	uint32_t action = DFP_ACTION_BLOCK;
	struct callout_reg *reg;
	bool locked;

	reg = reg_get(rt, callout_id, &locked);
	if (reg != NULL && reg->desc.pend_default_action != 0)
		action = reg->desc.pend_default_action;
	reg_put(rt, locked);
	return action;
}

/* ---- Hooks ---- */

dfp_status_t
dfp_callout_notify_dispatch(void *ctx, enum dfp_notify_type type,
		const struct dfp_guid *filter_key, struct dfp_engine_filter_rt *filter)
{
	struct dfp_callout_rt *rt = ctx;
	dfp_callout_notify_fn notify;
	struct callout_reg *reg;
	void *callout_ctx;
	dfp_status_t st;

	/* The engine calls this on a control thread (never a worker). */
	pthread_mutex_lock(&rt->lock);
	reg = reg_find_id(rt, filter->callout_id);
	if (reg == NULL || __atomic_load_n(&reg->state, __ATOMIC_ACQUIRE) != REG_REGISTERED ||
			(type == DFP_NOTIFY_ADD_FILTER_POST_COMMIT &&
			 !(reg->desc.flags & DFP_CALLOUT_FLAG_ENABLE_COMMIT_ADD_NOTIFY))) {
		/* Not registered: no notification, nothing to veto (N10: no replay later). */
		pthread_mutex_unlock(&rt->lock);
		return DFP_STATUS_SUCCESS;
	}
	reg->n_busy++;
	notify = reg->desc.notify;
	callout_ctx = reg->desc.ctx;
	pthread_mutex_unlock(&rt->lock);

	st = notify(callout_ctx, type, filter_key, filter);

	pthread_mutex_lock(&rt->lock);
	reg->n_busy--;
	pthread_mutex_unlock(&rt->lock);
	return type == DFP_NOTIFY_ADD_FILTER ? st : DFP_STATUS_SUCCESS;
}

void
dfp_callout_flow_deleted(void *ctx, uint16_t layer_id, uint32_t callout_id, uint64_t context)
{
	struct dfp_callout_rt *rt = ctx;
	dfp_callout_flow_delete_fn fn = NULL;
	struct callout_reg *reg;
	void *callout_ctx = NULL;
	bool locked;

	/*
	 * The association holds a count on its registration, so the callout
	 * cannot finish unregistering (and be freed) before the count drops
	 * below, after flowDeleteFn returned.
	 */
	reg = reg_get(rt, callout_id, &locked);
	if (reg != NULL) {
		fn = reg->desc.flow_delete;
		callout_ctx = reg->desc.ctx;
	}
	reg_put(rt, locked);
	if (reg == NULL) {
		DFP_LOG(callout, ERR, "flow context of unknown callout %u deleted", callout_id);
		return;
	}
	if (fn != NULL) {
		dfp_thread_callback_enter();
		fn(callout_ctx, layer_id, callout_id, context);
		dfp_thread_callback_leave();
	}
	/* Release: flowDeleteFn's effects happen before an unregister can succeed. */
	__atomic_fetch_sub(&reg->n_contexts, 1, __ATOMIC_SEQ_CST);
}

enum dfp_engine_invoke_result
dfp_callout_invoke(void *ctx, const struct dfp_engine_filter_rt *filter,
		const struct dfp_engine_values *values, void *pkt_ctx, struct dfp_classify_out *out)
{
	struct dfp_callout_rt *rt = ctx;
	struct dfp_callout_pkt *pkt = pkt_ctx;
	struct dfp_callout_pkt *prev_pkt;
	struct dfp_callout_classify_in in;
	struct dfp_flow *flow = NULL;
	struct callout_reg *reg;
	uint64_t flow_ctx = 0;
	bool locked;

	reg = reg_get(rt, filter->callout_id, &locked);
	/* Off a worker the registration is pinned by rt->lock only while looked at. */
	reg_put(rt, locked);
	if (reg == NULL)
		return DFP_ENGINE_INVOKE_UNREGISTERED;
	if (pkt != NULL && pkt->flow != NULL && dfp_engine_layer_is_flow_layer(filter->layer_id))
		flow = pkt->flow;
	/* Bracket first, so a concurrent removal defers rather than frees under us. */
	if (flow != NULL) {
		dfp_flow_classify_begin(flow);
		flow_ctx = dfp_flow_context_get(flow, filter->layer_id, filter->callout_id);
	}
	if ((reg->desc.flags & DFP_CALLOUT_FLAG_CONDITIONAL_ON_FLOW) && flow_ctx == 0) {
		if (flow != NULL)
			dfp_flow_classify_end(pkt->table, flow);
		return DFP_ENGINE_INVOKE_SKIPPED;
	}
	if (pkt != NULL) {
		pkt->layer_id = filter->layer_id;
		pkt->callout_id = reg->id;
		pkt->reauth = (values->flags & DFP_COND_FLAG_IS_REAUTHORIZE) != 0;
	}
	in.layer_id = filter->layer_id;
	in.values = values;
	in.meta = pkt != NULL ? &pkt->meta : NULL;
	in.layer_data = pkt != NULL ? pkt->layer_data : NULL;
	in.classify_context = pkt;
	in.callout_ctx = reg->desc.ctx;
	prev_pkt = callout_current_pkt;
	callout_current_pkt = pkt;
	dfp_thread_callback_enter();
	reg->desc.classify(&in, filter, flow_ctx, out);
	dfp_thread_callback_leave();
	callout_current_pkt = prev_pkt;
	if (flow != NULL)
		dfp_flow_classify_end(pkt->table, flow);
	return DFP_ENGINE_INVOKE_CALLED;
}

/* ---- Flow contexts ---- */

dfp_status_t
dfp_callout_flow_associate(struct dfp_callout_rt *rt, uint64_t flow_id, uint16_t layer_id,
		uint32_t callout_id, uint64_t context)
{
	struct callout_reg *reg;
	dfp_status_t st;
	bool locked;

	if (rt == NULL || context == 0 || !dfp_engine_layer_is_flow_layer(layer_id) ||
			rt->flows == NULL)
		return DFP_STATUS_INVALID_PARAMETER;
	reg = reg_get(rt, callout_id, &locked);
	if (reg == NULL || reg->desc.flow_delete == NULL) {
		reg_put(rt, locked);
		return DFP_STATUS_INVALID_PARAMETER;
	}
	/* Count first, then check the state: pairs with unregister_reg(). */
	__atomic_fetch_add(&reg->n_contexts, 1, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&reg->state, __ATOMIC_SEQ_CST) != REG_REGISTERED) {
		__atomic_fetch_sub(&reg->n_contexts, 1, __ATOMIC_SEQ_CST);
		reg_put(rt, locked);
		return DFP_STATUS_INVALID_PARAMETER;
	}
	reg_put(rt, locked);
	/* Our count keeps the registration alive from here on. */
	st = dfp_flow_context_associate(rt->flows, flow_id, layer_id, callout_id, context);
	if (st != DFP_STATUS_SUCCESS)
		__atomic_fetch_sub(&reg->n_contexts, 1, __ATOMIC_SEQ_CST);
	return st;
}

dfp_status_t
dfp_callout_flow_remove(struct dfp_callout_rt *rt, uint64_t flow_id, uint16_t layer_id,
		uint32_t callout_id)
{
	if (rt == NULL || rt->flows == NULL)
		return DFP_STATUS_INVALID_PARAMETER;
	return dfp_flow_context_remove(rt->flows, flow_id, layer_id, callout_id);
}
