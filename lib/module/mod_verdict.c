/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * builtin:verdict: pend every new flow at ALE_AUTH_CONNECT or
 * ALE_AUTH_RECV_ACCEPT until an operator or a program completes it (the
 * console's `pend complete HANDLE permit|block|reauth`), with a timeout
 * default (DESIGN §1, spec §6.3).
 *
 * classifyFn acquires a classify handle, pends it, and releases its own
 * reference at once: the pend holds the handle until it is completed or
 * times out, so the completer's FwpsCompleteClassify0 + release is all
 * that is left (spec §6.3, §10.13). While pended the datapath holds the
 * flow's packets.
 *
 * What is not pended is decided at once with the `default` param (also
 * the pend timeout's action, desc.pend_default_action): re-authorisations
 * (IS_REAUTHORIZE: after a commit on the layer, or after a `reauth`
 * completion), and any pend the runtime refuses (no free handle,
 * STATUS_FWP_CANNOT_PEND). A classification that finds the write right
 * already cleared is left alone (spec §6.5): a higher filter decided.
 *
 * Counters are relaxed atomics (one event per new flow, any worker).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_log.h>

#include "dfp_callout.h"
#include "dfp_ctl.h"
#include "dfp_engine.h"
#include "module_private.h"

struct verdict_state {
	/* Read-only after create(). */
	struct dfp_callout_rt *rt;
	const struct dfp_module_host *host;
	uint32_t default_action;       /* DFP_ACTION_PERMIT or DFP_ACTION_BLOCK. */
	bool log;
	char name[DFP_MODULE_NAME_SIZE];
	/* Counters (relaxed atomics). */
	uint64_t pended __rte_cache_aligned; /* Classifications pended. */
	uint64_t pend_failures;        /* Could not pend: decided with the default. */
	uint64_t reauthorized;         /* Re-authorisations: decided with the default. */
	uint64_t no_right;             /* Write right cleared on entry: left alone. */
};

static inline void
stat_add(uint64_t *c)
{
	__atomic_fetch_add(c, 1, __ATOMIC_RELAXED);
}

static void
verdict_classify(const struct dfp_callout_classify_in *in,
		const struct dfp_engine_filter_rt *filter, uint64_t flow_context,
		struct dfp_classify_out *out)
{
	struct verdict_state *s = in->callout_ctx;
	dfp_status_t st;
	uint64_t h;

	RTE_SET_USED(flow_context);
	if (!(out->rights & DFP_RIGHT_ACTION_WRITE)) {
		stat_add(&s->no_right);
		return;
	}
	if (in->values->flags & DFP_COND_FLAG_IS_REAUTHORIZE) {
		/* Re-authorisations are never pended (spec §6.4). */
		stat_add(&s->reauthorized);
		mod_decide(out, filter, s->default_action);
		return;
	}
	st = dfp_callout_handle_acquire(s->rt, in->classify_context, &h);
	if (st == DFP_STATUS_SUCCESS) {
		st = dfp_callout_handle_pend(s->rt, h, filter->filter_id, out);
		/* Our reference only: a successful pend keeps the handle until completion. */
		dfp_callout_handle_release(s->rt, h);
	}
	if (st != DFP_STATUS_SUCCESS) {
		stat_add(&s->pend_failures);
		mod_decide(out, filter, s->default_action);
		return;
	}
	stat_add(&s->pended);
	if (s->log)
		MOD_LOG(s->host, RTE_LOG_INFO, "verdict",
			"verdict %s: flow 0x%" PRIx64 " pended as handle 0x%" PRIx64
			" (pend complete 0x%" PRIx64 " permit|block|reauth)", s->name,
			in->meta != NULL ? in->meta->flow_handle : 0, h, h);
}

static dfp_status_t
verdict_notify(void *callout_ctx, enum dfp_notify_type type, const struct dfp_guid *filter_key,
		struct dfp_engine_filter_rt *filter)
{
	RTE_SET_USED(callout_ctx);
	RTE_SET_USED(type);
	RTE_SET_USED(filter_key);
	RTE_SET_USED(filter);
	return DFP_STATUS_SUCCESS;
}

static int
verdict_describe(void *state, char *buf, size_t len)
{
	struct verdict_state *s = state;

	return snprintf(buf, len, "pended %" PRIu64 " pend_failures %" PRIu64 " reauthorized %"
		PRIu64 " no_right %" PRIu64 " default %s",
		__atomic_load_n(&s->pended, __ATOMIC_RELAXED),
		__atomic_load_n(&s->pend_failures, __ATOMIC_RELAXED),
		__atomic_load_n(&s->reauthorized, __ATOMIC_RELAXED),
		__atomic_load_n(&s->no_right, __ATOMIC_RELAXED),
		s->default_action == DFP_ACTION_PERMIT ? "permit" : "block");
}

static void
verdict_destroy(void *state)
{
	free(state);
}

static dfp_status_t
verdict_create(const struct dfp_module_args *a, struct dfp_module_instance *out, char *err,
		size_t err_len)
{
	static const char *const known[] = {"default", "log", NULL};
	struct dfp_callout_desc *desc;
	struct verdict_state *s;
	enum dfp_layer_kind kind;
	uint32_t def;
	bool log;

	if (out == NULL) {
		mod_err(err, err_len, "verdict: no instance to fill");
		return DFP_STATUS_INVALID_PARAMETER;
	}
	if (mod_args_check("verdict", a, known, "", err, err_len) != 0)
		return DFP_STATUS_INVALID_PARAMETER;
	kind = dfp_engine_layer_kind(a->layer_id);
	if (!dfp_engine_layer_is_valid(a->layer_id) ||
			(kind != DFP_LAYER_KIND_ALE_CONNECT && kind != DFP_LAYER_KIND_ALE_RECV_ACCEPT)) {
		const char *ln = dfp_engine_layer_name(a->layer_id);

		mod_err(err, err_len, "verdict: layer %s: verdict is declared at ALE_AUTH_CONNECT_V4/V6 "
			"or ALE_AUTH_RECV_ACCEPT_V4/V6 (the only layers that can pend)",
			ln != NULL ? ln : "(unknown)");
		return DFP_STATUS_INVALID_PARAMETER;
	}
	if (mod_param_action(a, "default", DFP_ACTION_BLOCK, &def, err, err_len) != 0 ||
			mod_param_bool(a, "log", false, &log, err, err_len) != 0)
		return DFP_STATUS_INVALID_PARAMETER;

	s = aligned_alloc(RTE_CACHE_LINE_SIZE, RTE_ALIGN_CEIL(sizeof(*s), RTE_CACHE_LINE_SIZE));
	if (s == NULL) {
		mod_err(err, err_len, "verdict: out of memory");
		return DFP_STATUS_NO_MEMORY;
	}
	memset(s, 0, sizeof(*s));
	s->rt = dfp_ctl_callouts(a->host->ctl);
	s->host = a->host;
	s->default_action = def;
	s->log = log;
	snprintf(s->name, sizeof(s->name), "%s", a->name);

	desc = mod_instance_single(out, a, s, s->name, verdict_describe, verdict_destroy);
	desc->classify = verdict_classify;
	desc->notify = verdict_notify;
	desc->pend_default_action = def;
	return DFP_STATUS_SUCCESS;
}

const struct dfp_module mod_verdict = {
	.abi_version = DFP_MODULE_ABI_VERSION,
	.size = sizeof(struct dfp_module),
	.name = "verdict",
	.description = "pends new flows until an operator completes them (pend complete), "
		"with a timeout default",
	.create = verdict_create,
};
