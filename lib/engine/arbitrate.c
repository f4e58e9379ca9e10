/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Filter arbitration (spec §3): evaluating one matching filter against the
 * layer's current decision, and merging a sublayer's result into it.
 * Runs on worker lcores: no locks, no allocation, no logging.
 */
#include "engine_private.h"

static void
sl_result_set(struct engine_sl_result *res, uint32_t action, bool hard,
		const struct dfp_engine_filter_rt *f)
{
	res->action = action;
	res->hard = hard;
	res->veto = false;
	res->absorb = false;
	res->filter = f;
}

/* Coerce a classifyFn's output per the filter's action type (spec §2.1). */
static uint32_t
coerce(uint32_t filter_action, uint32_t out)
{
	switch (filter_action) {
	case DFP_ACTION_CALLOUT_TERMINATING:
		return (out == DFP_ACTION_BLOCK || out == DFP_ACTION_PERMIT) ? out : DFP_ACTION_BLOCK;
	case DFP_ACTION_CALLOUT_INSPECTION:
		return DFP_ACTION_CONTINUE;
	default:
		/* CALLOUT_UNKNOWN: BLOCK, PERMIT or CONTINUE; NONE and the rest read as CONTINUE. */
		return (out == DFP_ACTION_BLOCK || out == DFP_ACTION_PERMIT) ? out :
			DFP_ACTION_CONTINUE;
	}
}

uint32_t
engine_arb_eval(const struct dfp_engine_filter_rt *f, const struct engine_arb *cur,
		const struct dfp_engine_values *v, void *pkt_ctx,
		const struct dfp_engine_classify_env *env, struct engine_sl_result *res)
{
	uint32_t rights_in = cur->hard ? 0 : DFP_RIGHT_ACTION_WRITE;
	bool clear_right = (f->flags & DFP_RT_FILTER_FLAG_CLEAR_ACTION_RIGHT) != 0;
	enum dfp_engine_invoke_result r = DFP_ENGINE_INVOKE_UNREGISTERED;
	struct dfp_classify_out out;
	uint32_t a;

	/* Static filters: PERMIT is soft unless CLEAR_ACTION_RIGHT; BLOCK is hard. */
	if (!(f->action_type & DFP_ACTION_FLAG_CALLOUT)) {
		if (f->action_type == DFP_ACTION_PERMIT)
			sl_result_set(res, DFP_ACTION_PERMIT, clear_right, f);
		else
			sl_result_set(res, DFP_ACTION_BLOCK, true, f);
		return res->action;
	}

	out.action_type = cur->action != DFP_ACTION_NONE ? cur->action : DFP_ACTION_CONTINUE;
	out.out_context = 0;
	out.filter_id = f->filter_id;
	out.rights = rights_in;
	out.flags = 0;
	out.reserved = 0;
	if (env != NULL && env->invoke != NULL)
		r = env->invoke(env->ctx, f, v, pkt_ctx, &out);

	if (r == DFP_ENGINE_INVOKE_SKIPPED)
		return DFP_ACTION_CONTINUE;
	if (r == DFP_ENGINE_INVOKE_UNREGISTERED) {
		/* Spec §3.3: inspection is ignored; the others stand in for block/permit. */
		if (f->action_type == DFP_ACTION_CALLOUT_INSPECTION)
			return DFP_ACTION_CONTINUE;
		if (f->flags & DFP_RT_FILTER_FLAG_PERMIT_IF_CALLOUT_UNREGISTERED)
			sl_result_set(res, DFP_ACTION_PERMIT, clear_right, f);
		else
			sl_result_set(res, DFP_ACTION_BLOCK, true, f);
		return res->action;
	}

	a = coerce(f->action_type, out.action_type);
	if (a == DFP_ACTION_CONTINUE)
		return DFP_ACTION_CONTINUE;
	if (rights_in & DFP_RIGHT_ACTION_WRITE) {
		sl_result_set(res, a, !(out.rights & DFP_RIGHT_ACTION_WRITE), f);
		res->absorb = a == DFP_ACTION_BLOCK && (out.flags & DFP_CLASSIFY_OUT_FLAG_ABSORB);
		return a;
	}
	/* No write right: only a BLOCK against a (hard) PERMIT counts, as a veto. */
	if (a == DFP_ACTION_BLOCK && cur->action == DFP_ACTION_PERMIT) {
		sl_result_set(res, DFP_ACTION_BLOCK, true, f);
		res->veto = true;
		res->absorb = (out.flags & DFP_CLASSIFY_OUT_FLAG_ABSORB) != 0;
		return a;
	}
	return DFP_ACTION_CONTINUE;
}

static void
arb_take(struct engine_arb *cur, const struct engine_sl_result *res)
{
	cur->action = res->action;
	cur->hard = res->hard;
	cur->filter = res->filter;
	cur->flags &= DFP_ENGINE_VERDICT_F_VETO;
	if (res->veto)
		cur->flags |= DFP_ENGINE_VERDICT_F_VETO;
	if (res->absorb)
		cur->flags |= DFP_ENGINE_VERDICT_F_ABSORB;
}

void
engine_arb_merge(struct engine_arb *cur, const struct engine_sl_result *res)
{
	if (res->action == DFP_ACTION_NONE)
		return;
	if (cur->action == DFP_ACTION_NONE) {
		arb_take(cur, res);
		return;
	}
	if (cur->action == DFP_ACTION_BLOCK && cur->hard)
		return; /* Hard block is final. */
	if (cur->action == DFP_ACTION_PERMIT && cur->hard) {
		/* Hard permit: only a callout veto blocks it. */
		if (res->veto)
			arb_take(cur, res);
		return;
	}
	if (cur->action == DFP_ACTION_PERMIT) {
		/* Soft permit: a hard permit hardens it, any block overrides it. */
		if (res->action == DFP_ACTION_BLOCK || res->hard)
			arb_take(cur, res);
		return;
	}
	/* Soft block: a hard permit or a hard block replaces it; a soft permit does not. */
	if (res->hard)
		arb_take(cur, res);
}
