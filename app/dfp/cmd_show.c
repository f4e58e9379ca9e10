/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Console family "show": show lcores | show stats | show layers, and the
 * statistics every front end prints (show stats, stop, shutdown, telemetry).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <rte_common.h>
#include <rte_lcore.h>

#include "cmd.h"

CMD_TOK(tok_show, 0, "show");
CMD_TOK(tok_lcores, 1, "lcores");
CMD_TOK(tok_stats, 1, "stats");
CMD_TOK(tok_layers, 1, "layers");

void
app_emit_client(void *arg, const char *line)
{
	(void)arg;
	app_printf("%s\n", line);
}

void
app_emit_file(void *arg, const char *line)
{
	fprintf(arg, "%s\n", line);
}

static int
emit_instance(struct app_callout *co, void (*emit)(void *, const char *), void *arg)
{
	char d[192], line[320];

	d[0] = '\0';
	if (co->inst.describe != NULL)
		co->inst.describe(co->inst.state, d, sizeof(d));
	snprintf(line, sizeof(line), "callout %s: %s", co->name, d[0] != '\0' ? d : "-");
	emit(arg, line);
	return 0;
}

void
app_stats_emit(void (*emit)(void *arg, const char *line), void *arg)
{
	struct dfp_dp_stats s;
	struct dfp_callout_stats cs;
	struct app_callout *co;
	char line[160];
	unsigned int i;
	uint64_t drops = 0, links = 0, logq, logd;

	memset(&s, 0, sizeof(s));
	if (dfp_app->dp != NULL)
		dfp_dp_stats_get(dfp_app->dp, &s);
#define EMIT_COUNTER_(name) \
	snprintf(line, sizeof(line), #name ": %" PRIu64, s.name); \
	emit(arg, line);
	DFP_DP_COUNTER_LIST(EMIT_COUNTER_)
#undef EMIT_COUNTER_
	drops = dfp_dp_stats_drops(&s);
	snprintf(line, sizeof(line), "dropped: %" PRIu64, drops);
	emit(arg, line);
	for (i = 0; i < DFP_DP_DROP_COUNT; i++) {
		if (s.drops[i] == 0)
			continue;
		snprintf(line, sizeof(line), "drop.%s: %" PRIu64,
			dfp_dp_drop_name((enum dfp_dp_drop)i), s.drops[i]);
		emit(arg, line);
	}
	snprintf(line, sizeof(line), "held_now: %" PRIu64, s.held_now);
	emit(arg, line);
	for (i = 0; i < dfp_dp_n_ports(dfp_app->dp); i++) {
		struct dfp_dp_link l;

		if (dfp_dp_link_get(dfp_app->dp, i, &l) == DFP_STATUS_SUCCESS)
			links += l.changes;
	}
	snprintf(line, sizeof(line), "link_changes: %" PRIu64, links);
	emit(arg, line);
	dfp_callout_stats_get(dfp_ctl_callouts(dfp_app->ctl), &cs);
	snprintf(line, sizeof(line), "handles_in_use: %" PRIu64, cs.handles_in_use);
	emit(arg, line);
	snprintf(line, sizeof(line), "pended_now: %" PRIu64, cs.pended);
	emit(arg, line);
	snprintf(line, sizeof(line), "pend_timeouts: %" PRIu64, cs.pend_timeouts);
	emit(arg, line);
	snprintf(line, sizeof(line), "handles_orphaned: %" PRIu64, cs.handles_orphaned);
	emit(arg, line);
	snprintf(line, sizeof(line), "stale_handle_calls: %" PRIu64, cs.stale_handle_calls);
	emit(arg, line);
	snprintf(line, sizeof(line), "completion_ring_full: %" PRIu64, cs.ring_full);
	emit(arg, line);
	snprintf(line, sizeof(line), "ruleset_generation: %" PRIu64,
		dfp_ctl_generation(dfp_app->ctl));
	emit(arg, line);
	app_log_counts(&logq, &logd);
	snprintf(line, sizeof(line), "worker_log_lines: %" PRIu64, logq);
	emit(arg, line);
	snprintf(line, sizeof(line), "worker_log_dropped: %" PRIu64, logd);
	emit(arg, line);
	pthread_mutex_lock(&dfp_app->lock);
	for (co = dfp_app->callouts; co != NULL; co = co->next)
		emit_instance(co, emit, arg);
	pthread_mutex_unlock(&dfp_app->lock);
}

CMD_FN(cmd_show_stats)
{
	CMD_ARGS();
	(void)a;
	app_stats_emit(app_emit_client, NULL);
	app_status(DFP_STATUS_SUCCESS);
}

CMD_FN(cmd_show_lcores)
{
	unsigned int w, q, n;
	struct dfp_dp_worker_info wi;

	CMD_ARGS();
	(void)a;
	app_printf("main lcore %u (control)\n", rte_get_main_lcore());
	n = dfp_dp_n_workers(dfp_app->dp);
	for (w = 0; w < n; w++) {
		struct dfp_dp_stats s;

		if (dfp_dp_worker_info(dfp_app->dp, w, &wi) != DFP_STATUS_SUCCESS)
			continue;
		dfp_dp_worker_stats_get(dfp_app->dp, w, &s);
		app_printf("worker %u lcore %u rx_packets %" PRIu64 " tx_packets %" PRIu64
			" flows_created %" PRIu64 " queues", w, wi.lcore, s.rx_packets,
			s.tx_packets, s.flows_created);
		for (q = 0; q < wi.n_rxqs; q++)
			app_printf(" port%u/q%u", wi.rxqs[q].port_id, wi.rxqs[q].queue);
		app_printf("\n");
	}
	app_status(DFP_STATUS_SUCCESS);
}

CMD_FN(cmd_show_layers)
{
	unsigned int id;

	CMD_ARGS();
	(void)a;
	for (id = 0; id < DFP_LAYER_ID_MAX; id++) {
		const char *name = dfp_engine_layer_name((uint16_t)id);

		if (name != NULL)
			app_printf("%u %s\n", id, name);
	}
	app_status(DFP_STATUS_SUCCESS);
}

CMD_INST(inst_stats, cmd_show_stats, "show stats: datapath, callout and module counters",
	T(tok_show), T(tok_stats));
CMD_INST(inst_lcores, cmd_show_lcores, "show lcores: workers and their (port, queue) pairs",
	T(tok_show), T(tok_lcores));
CMD_INST(inst_layers, cmd_show_layers, "show layers: implemented layers (id name)",
	T(tok_show), T(tok_layers));

cmdline_parse_inst_t *cmd_show_insts[] = {&inst_stats, &inst_lcores, &inst_layers, NULL};
