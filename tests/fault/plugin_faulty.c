/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A misbehaving callout, for the fault-injection suite (tests/fault): a
 * plugin (module "faulty") whose `fault` param picks how it breaks the
 * callout contract. Written against the native API (dfp_callout.h), loaded
 * by the appliance from its YAML `module:` path.
 *
 *   fault: leak          classifyFn acquires a classify handle for every
 *                        classification and never releases it, then
 *                        permits (any layer).
 *   fault: pend_forever  classifyFn acquires a handle and pends the
 *                        classification (ALE_AUTH_CONNECT/RECV_ACCEPT),
 *                        then neither completes nor releases it: only the
 *                        pend timeout ends it, with the `default` param's
 *                        action (permit | block; default block).
 *   fault: notify_fail   notifyFn refuses every ADD_FILTER (and every
 *                        DELETE_FILTER, whose status WFP ignores);
 *                        classifyFn permits.
 *
 * describe() reports what it did: "fault MODE acquired N pended N
 * pend_failures N notify_add N notify_refused N notify_delete N".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dfp_callout.h"
#include "dfp_ctl.h"
#include "dfp_module.h"

enum faulty_mode {
	FAULTY_LEAK,
	FAULTY_PEND_FOREVER,
	FAULTY_NOTIFY_FAIL,
};

struct faulty_state {
	struct dfp_callout_rt *rt;
	enum faulty_mode mode;
	char name[DFP_MODULE_NAME_SIZE];
	/* Counters: relaxed atomics (workers and control threads). */
	uint64_t acquired;
	uint64_t pended;
	uint64_t pend_failures;
	uint64_t notify_add;
	uint64_t notify_refused;
	uint64_t notify_delete;
};

static const char *const mode_names[] = {"leak", "pend_forever", "notify_fail"};

static void
inc(uint64_t *c)
{
	__atomic_fetch_add(c, 1, __ATOMIC_RELAXED);
}

static void
permit(struct dfp_classify_out *out)
{
	out->action_type = DFP_ACTION_PERMIT;
}

/* classifyFn: worker; never blocks. */
static void
faulty_classify(const struct dfp_callout_classify_in *in, const struct dfp_engine_filter_rt *filter,
		uint64_t flow_context, struct dfp_classify_out *out)
{
	struct faulty_state *s = in->callout_ctx;
	uint64_t h;

	(void)flow_context;
	if (!(out->rights & DFP_RIGHT_ACTION_WRITE))
		return;
	switch (s->mode) {
	case FAULTY_LEAK:
		/* The fault: FwpsAcquireClassifyHandle0 without its release. */
		if (dfp_callout_handle_acquire(s->rt, in->classify_context, &h) == DFP_STATUS_SUCCESS)
			inc(&s->acquired);
		permit(out);
		return;
	case FAULTY_PEND_FOREVER:
		if (dfp_callout_handle_acquire(s->rt, in->classify_context, &h) !=
				DFP_STATUS_SUCCESS) {
			inc(&s->pend_failures);
			permit(out);
			return;
		}
		inc(&s->acquired);
		/* The fault: pended, then never completed and never released. */
		if (dfp_callout_handle_pend(s->rt, h, filter->filter_id, out) == DFP_STATUS_SUCCESS) {
			inc(&s->pended);
			return;
		}
		inc(&s->pend_failures);
		permit(out);
		return;
	case FAULTY_NOTIFY_FAIL:
		permit(out);
		return;
	}
}

/* notifyFn: control thread. */
static dfp_status_t
faulty_notify(void *callout_ctx, enum dfp_notify_type type, const struct dfp_guid *filter_key,
		struct dfp_engine_filter_rt *filter)
{
	struct faulty_state *s = callout_ctx;

	(void)filter_key;
	(void)filter;
	if (type == DFP_NOTIFY_DELETE_FILTER) {
		inc(&s->notify_delete);
		/* WFP ignores a DELETE_FILTER status: the filter goes anyway. */
		return s->mode == FAULTY_NOTIFY_FAIL ? DFP_STATUS_INSUFFICIENT_RESOURCES :
			DFP_STATUS_SUCCESS;
	}
	if (type != DFP_NOTIFY_ADD_FILTER)
		return DFP_STATUS_SUCCESS;
	inc(&s->notify_add);
	if (s->mode != FAULTY_NOTIFY_FAIL)
		return DFP_STATUS_SUCCESS;
	inc(&s->notify_refused);
	return DFP_STATUS_INSUFFICIENT_RESOURCES;
}

static int
faulty_describe(void *state, char *buf, size_t len)
{
	struct faulty_state *s = state;

	return snprintf(buf, len, "fault %s acquired %lu pended %lu pend_failures %lu "
		"notify_add %lu notify_refused %lu notify_delete %lu", mode_names[s->mode],
		(unsigned long)__atomic_load_n(&s->acquired, __ATOMIC_RELAXED),
		(unsigned long)__atomic_load_n(&s->pended, __ATOMIC_RELAXED),
		(unsigned long)__atomic_load_n(&s->pend_failures, __ATOMIC_RELAXED),
		(unsigned long)__atomic_load_n(&s->notify_add, __ATOMIC_RELAXED),
		(unsigned long)__atomic_load_n(&s->notify_refused, __ATOMIC_RELAXED),
		(unsigned long)__atomic_load_n(&s->notify_delete, __ATOMIC_RELAXED));
}

static void
faulty_destroy(void *state)
{
	free(state);
}

static const char *
param(const struct dfp_module_args *a, const char *key)
{
	unsigned int i;

	for (i = 0; i < a->n_params; i++)
		if (strcmp(a->params[i].key, key) == 0)
			return a->params[i].value;
	return NULL;
}

static dfp_status_t
faulty_create(const struct dfp_module_args *a, struct dfp_module_instance *out, char *err,
		size_t err_len)
{
	const char *mode = param(a, "fault"), *def = param(a, "default");
	struct dfp_module_callout *mc;
	struct faulty_state *s;
	unsigned int i, m = 0;

	for (i = 0; i < a->n_params; i++) {
		if (strcmp(a->params[i].key, "fault") != 0 &&
				strcmp(a->params[i].key, "default") != 0) {
			snprintf(err, err_len, "faulty: unknown param '%s' (fault, default)",
				a->params[i].key);
			return DFP_STATUS_INVALID_PARAMETER;
		}
	}
	while (mode != NULL && m < sizeof(mode_names) / sizeof(mode_names[0]) &&
			strcmp(mode, mode_names[m]) != 0)
		m++;
	if (mode == NULL || m == sizeof(mode_names) / sizeof(mode_names[0])) {
		snprintf(err, err_len, "faulty: param 'fault': leak, pend_forever or notify_fail");
		return DFP_STATUS_INVALID_PARAMETER;
	}
	if (def != NULL && strcmp(def, "permit") != 0 && strcmp(def, "block") != 0) {
		snprintf(err, err_len, "faulty: param 'default': permit or block");
		return DFP_STATUS_INVALID_PARAMETER;
	}
	if (a->host == NULL || a->host->ctl == NULL) {
		snprintf(err, err_len, "faulty: the host offers no control plane");
		return DFP_STATUS_INVALID_PARAMETER;
	}
	s = calloc(1, sizeof(*s));
	if (s == NULL) {
		snprintf(err, err_len, "faulty: out of memory");
		return DFP_STATUS_NO_MEMORY;
	}
	s->rt = dfp_ctl_callouts(a->host->ctl);
	s->mode = (enum faulty_mode)m;
	snprintf(s->name, sizeof(s->name), "%s", a->name);

	memset(out, 0, sizeof(*out));
	out->state = s;
	out->n_callouts = 1;
	out->describe = faulty_describe;
	out->destroy = faulty_destroy;
	mc = &out->callouts[0];
	mc->key = a->key;
	mc->layer_id = a->layer_id;
	snprintf(mc->name, sizeof(mc->name), "%s", a->name);
	mc->desc.classify = faulty_classify;
	mc->desc.notify = faulty_notify;
	mc->desc.ctx = s;
	mc->desc.pend_default_action = def != NULL && strcmp(def, "permit") == 0 ?
		DFP_ACTION_PERMIT : DFP_ACTION_BLOCK;
	return DFP_STATUS_SUCCESS;
}

DFP_MODULE_EXPORT = {
	.abi_version = DFP_MODULE_ABI_VERSION,
	.size = sizeof(struct dfp_module),
	.name = "faulty",
	.description = "test: a callout that leaks handles, never completes its pends, "
		"or fails its notifyFn",
	.create = faulty_create,
};
