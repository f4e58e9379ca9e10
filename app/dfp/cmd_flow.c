/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Console family "flow": flows, their contexts and pended classifications.
 *
 *   show flows [limit N] | show flow FLOWID | show pended
 *   flow remove-context FLOWID LAYER CALLOUTID          (FwpsFlowRemoveContext0)
 *   flow remove-context all callout CALLOUTID
 *   flow abort FLOWID
 *   pend complete HANDLE permit|block|reauth            (FwpsCompleteClassify0)
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>

#include "cmd.h"
#include "dfp_flow_table.h"

CMD_TOK(tok_show, 0, "show");
CMD_TOK(tok_flows, 1, "flows");
CMD_TOK(tok_flow1, 1, "flow");
CMD_TOK(tok_pended, 1, "pended");
CMD_TOK(tok_limit, 2, "limit");
CMD_TOK(tok_n, 3, NULL);
CMD_TOK(tok_id2, 2, NULL);
CMD_TOK(tok_flow0, 0, "flow");
CMD_TOK(tok_remove, 1, "remove-context");
CMD_TOK(tok_abort, 1, "abort");
CMD_TOK(tok_layer3, 3, NULL);
CMD_TOK(tok_callout4, 4, NULL);
CMD_TOK(tok_pend, 0, "pend");
CMD_TOK(tok_complete, 1, "complete");
CMD_TOK(tok_decision, 3, "permit#block#reauth");

static const char *const phase_names[] = {
	"new", "pended", "authorized", "established", "blocked", "closing",
};

static void
print_flow(const struct dfp_flow_info *f)
{
	char k[160];
	unsigned int i;

	app_format_flow(f, k, sizeof(k));
	app_printf("0x%016" PRIx64 " %s state %s", f->flow_id, k,
		f->phase < RTE_DIM(phase_names) ? phase_names[f->phase] : "?");
	for (i = 0; i < f->n_contexts; i++)
		app_printf(" ctx %u/%u", f->contexts[i].layer_id, f->contexts[i].callout_id);
	app_printf("\n");
}

struct show_flows {
	uint64_t limit, shown, total;
};

static int
show_flow_one(void *arg, const struct dfp_flow_info *f)
{
	struct show_flows *sf = arg;

	sf->total++;
	if (sf->shown < sf->limit) {
		print_flow(f);
		sf->shown++;
	}
	return 0;
}

static void
show_flows(uint64_t limit)
{
	struct show_flows sf = {.limit = limit};

	dfp_flow_foreach(dfp_ctl_flows(dfp_app->ctl), show_flow_one, &sf);
	if (sf.total > sf.shown)
		app_printf("... %" PRIu64 " more flows (show flows limit N)\n", sf.total - sf.shown);
	app_status(DFP_STATUS_SUCCESS);
}

CMD_FN(cmd_show_flows)
{
	CMD_ARGS();
	(void)a;
	show_flows(1000);
}

CMD_FN(cmd_show_flows_limit)
{
	uint64_t n;

	CMD_ARGS();
	if (!app_parse_u64(a->w3, &n)) {
		app_fail(DFP_STATUS_INVALID_PARAMETER, "limit '%.32s': not a number", a->w3);
		return;
	}
	show_flows(n);
}

static bool
parse_id(const char *s, const char *what, uint64_t max, uint64_t *out)
{
	if (!app_parse_u64(s, out) || *out > max) {
		app_fail(DFP_STATUS_INVALID_PARAMETER, "'%.40s' is not a %s", s, what);
		return false;
	}
	return true;
}

CMD_FN(cmd_show_flow)
{
	struct dfp_flow_info f;
	uint64_t id;
	dfp_status_t st;

	CMD_ARGS();
	if (!parse_id(a->w2, "flow id", UINT64_MAX, &id))
		return;
	st = dfp_flow_get(dfp_ctl_flows(dfp_app->ctl), id, &f);
	if (st == DFP_STATUS_SUCCESS) {
		unsigned int i;

		print_flow(&f);
		app_printf("  packets %" PRIu64 "/%" PRIu64 " bytes %" PRIu64 "/%" PRIu64
			" (initiator/responder)\n", f.pkts[f.initiator], f.pkts[1 - f.initiator],
			f.bytes[f.initiator], f.bytes[1 - f.initiator]);
		for (i = 0; i < f.n_contexts; i++)
			app_printf("  context layer %u callout %u value 0x%" PRIx64 "%s\n",
				f.contexts[i].layer_id, f.contexts[i].callout_id,
				f.contexts[i].context,
				f.contexts[i].pending_delete ? " (removal pending)" : "");
	} else if (st == DFP_STATUS_UNSUCCESSFUL) {
		app_printf("error: no live flow 0x%" PRIx64 "\n", id);
	}
	app_status(st);
}

static void remove_all(const char *callout_s);

CMD_FN(cmd_remove)
{
	uint64_t flow, layer, callout;

	CMD_ARGS();
	if (strcmp(a->w2, "all") == 0 && strcmp(a->w3, "callout") == 0) {
		remove_all(a->w4);
		return;
	}
	if (!parse_id(a->w2, "flow id", UINT64_MAX, &flow))
		return;
	if (app_parse_layer(a->w3) < 0) {
		app_fail(DFP_STATUS_INVALID_PARAMETER, "'%.40s' is not a layer", a->w3);
		return;
	}
	layer = (uint64_t)app_parse_layer(a->w3);
	if (!parse_id(a->w4, "callout id", UINT32_MAX, &callout))
		return;
	cmd_done(dfp_callout_flow_remove(dfp_ctl_callouts(dfp_app->ctl), flow, (uint16_t)layer,
		(uint32_t)callout));
}

struct ctx_list {
	uint32_t callout;
	unsigned int n, cap;
	struct dfp_flow_context_info *c;
};

static int
ctx_one(void *arg, const struct dfp_flow_context_info *c)
{
	struct ctx_list *l = arg;

	if (c->callout_id != l->callout || c->pending_delete)
		return 0;
	if (l->n == l->cap) {
		unsigned int cap = l->cap != 0 ? l->cap * 2 : 256;
		struct dfp_flow_context_info *nc = realloc(l->c, sizeof(*nc) * cap);

		if (nc == NULL)
			return 1;  /* Out of memory: remove what was listed. */
		l->c = nc;
		l->cap = cap;
	}
	l->c[l->n++] = *c;
	return 0;
}

static void
remove_all(const char *callout_s)
{
	struct ctx_list l;
	uint64_t callout;
	unsigned int i;
	dfp_status_t summary = DFP_STATUS_SUCCESS;

	if (!parse_id(callout_s, "callout id", UINT32_MAX, &callout))
		return;
	memset(&l, 0, sizeof(l));
	l.callout = (uint32_t)callout;
	dfp_flow_foreach_context(dfp_ctl_flows(dfp_app->ctl), ctx_one, &l);
	for (i = 0; i < l.n; i++) {
		char sb[96];
		dfp_status_t st = dfp_callout_flow_remove(dfp_ctl_callouts(dfp_app->ctl),
			l.c[i].flow_id, l.c[i].layer_id, l.c[i].callout_id);

		app_printf("0x%016" PRIx64 " layer %u callout %u %s\n", l.c[i].flow_id,
			l.c[i].layer_id, l.c[i].callout_id, dfp_status_format(st, sb, sizeof(sb)));
		if (st != DFP_STATUS_SUCCESS && st != DFP_STATUS_PENDING &&
				summary == DFP_STATUS_SUCCESS)
			summary = st;
	}
	free(l.c);
	app_status(summary);
}

CMD_FN(cmd_abort)
{
	uint64_t flow;

	CMD_ARGS();
	if (!parse_id(a->w2, "flow id", UINT64_MAX, &flow))
		return;
	cmd_done(dfp_flow_abort(dfp_ctl_flows(dfp_app->ctl), flow));
}

static int
pended_one(void *arg, const struct dfp_callout_handle_info *h)
{
	(void)arg;
	if (!h->pended)
		return 0;
	app_printf("0x%" PRIx64 " flow 0x%016" PRIx64 " layer %u callout %u age %" PRIu64 "\n",
		h->handle, h->flow_id, h->layer_id, h->callout_id, h->age_ms);
	return 0;
}

static int
held_one(void *arg, const struct dfp_callout_handle_info *h)
{
	unsigned int *n = arg;

	if (!h->pended)
		(*n)++;
	return 0;
}

CMD_FN(cmd_show_pended)
{
	unsigned int held = 0;

	CMD_ARGS();
	(void)a;
	dfp_callout_handle_foreach(dfp_ctl_callouts(dfp_app->ctl), pended_one, NULL);
	dfp_callout_handle_foreach(dfp_ctl_callouts(dfp_app->ctl), held_one, &held);
	if (held > 0)
		app_printf("# %u handle(s) acquired and not pended or not yet released\n", held);
	app_status(DFP_STATUS_SUCCESS);
}

CMD_FN(cmd_complete)
{
	struct dfp_classify_out out;
	uint64_t h;
	dfp_status_t st;

	CMD_ARGS();
	if (!parse_id(a->w2, "classify handle", UINT64_MAX, &h))
		return;
	memset(&out, 0, sizeof(out));
	if (strcmp(a->w3, "reauth") == 0) {
		st = dfp_callout_handle_complete(dfp_ctl_callouts(dfp_app->ctl), h, NULL);
	} else {
		out.action_type = strcmp(a->w3, "permit") == 0 ? DFP_ACTION_PERMIT :
			DFP_ACTION_BLOCK;
		out.rights = 0;  /* A final decision: the write right is taken. */
		st = dfp_callout_handle_complete(dfp_ctl_callouts(dfp_app->ctl), h, &out);
	}
	if (st == DFP_STATUS_INVALID_PARAMETER)
		app_printf("error: handle 0x%" PRIx64 " is not pended (see show pended)\n", h);
	app_status(st);
}

CMD_INST(inst_show_flows, cmd_show_flows, "show flows [limit N]: FLOWID PROTO SRC:SPORT > "
	"DST:DPORT state STATE [ctx LAYER_ID/CALLOUT_ID]...", T(tok_show), T(tok_flows));
CMD_INST(inst_show_flows_limit, cmd_show_flows_limit, "show flows limit N", T(tok_show),
	T(tok_flows), T(tok_limit), T(tok_n));
CMD_INST(inst_show_flow, cmd_show_flow, "show flow FLOWID: one flow, counters and contexts",
	T(tok_show), T(tok_flow1), T(tok_id2));
CMD_INST(inst_show_pended, cmd_show_pended,
	"show pended: HANDLE flow FLOWID layer LAYER_ID callout CALLOUT_ID age MS",
	T(tok_show), T(tok_pended));
CMD_INST(inst_remove, cmd_remove, "flow remove-context FLOWID LAYER CALLOUTID | all callout CALLOUTID",
	T(tok_flow0), T(tok_remove), T(tok_id2), T(tok_layer3), T(tok_callout4));
CMD_INST(inst_abort, cmd_abort, "flow abort FLOWID", T(tok_flow0), T(tok_abort), T(tok_id2));
CMD_INST(inst_complete, cmd_complete, "pend complete HANDLE permit|block|reauth",
	T(tok_pend), T(tok_complete), T(tok_id2), T(tok_decision));

cmdline_parse_inst_t *cmd_flow_insts[] = {
	&inst_show_flows, &inst_show_flows_limit, &inst_show_flow, &inst_show_pended,
	&inst_remove, &inst_abort, &inst_complete, NULL,
};
