/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Console family "run": start | stop | quit | wait idle [TIMEOUT_MS] | help.
 */
#include <inttypes.h>
#include <string.h>

#include <rte_common.h>

#include "cmd.h"

CMD_TOK(tok_start, 0, "start");
CMD_TOK(tok_stop, 0, "stop");
CMD_TOK(tok_quit, 0, "quit");
CMD_TOK(tok_wait, 0, "wait");
CMD_TOK(tok_idle, 1, "idle");
CMD_TOK(tok_ms, 2, NULL);
CMD_TOK(tok_help, 0, "help");
CMD_TOK(tok_topic, 1, NULL);

CMD_FN(cmd_start)
{
	CMD_ARGS();
	(void)a;
	if (dfp_dp_is_running(dfp_app->dp)) {
		app_fail(DFP_STATUS_INVALID_DEVICE_STATE, "forwarding is already started");
		return;
	}
	cmd_done(dfp_dp_start(dfp_app->dp));
}

CMD_FN(cmd_stop)
{
	CMD_ARGS();
	(void)a;
	if (!dfp_dp_is_running(dfp_app->dp)) {
		app_fail(DFP_STATUS_INVALID_DEVICE_STATE, "forwarding is not started");
		return;
	}
	dfp_status_t st;

	st = dfp_dp_stop(dfp_app->dp);
	app_stats_emit(app_emit_client, NULL);
	cmd_done(st);
}

CMD_FN(cmd_quit)
{
	CMD_ARGS();
	(void)a;
	app_request_quit(0);
	app_status(DFP_STATUS_SUCCESS);
}

static void
wait_idle(uint64_t ms)
{
	dfp_status_t st;

	if (ms > 3600000) {
		app_fail(DFP_STATUS_INVALID_PARAMETER, "timeout %" PRIu64 " ms: at most 3600000", ms);
		return;
	}
	st = dfp_dp_wait_idle(dfp_app->dp, (uint32_t)ms);
	if (st == DFP_STATUS_IO_TIMEOUT)
		app_printf("still busy after %" PRIu64 " ms\n", ms);
	app_status(st);
}

CMD_FN(cmd_wait_idle)
{
	CMD_ARGS();
	(void)a;
	wait_idle(10000);
}

CMD_FN(cmd_wait_idle_ms)
{
	uint64_t ms;

	CMD_ARGS();
	if (!app_parse_u64(a->w2, &ms)) {
		app_fail(DFP_STATUS_INVALID_PARAMETER, "'%.32s' is not a number of milliseconds",
			a->w2);
		return;
	}
	wait_idle(ms);
}

static void
help(const char *topic)
{
	cmdline_parse_ctx_t *ctx = app_console_ctx();
	unsigned int i, n = 0;

	for (i = 0; ctx[i] != NULL; i++) {
		const char *h = ctx[i]->help_str;

		if (topic != NULL && strncmp(h, topic, strlen(topic)) != 0)
			continue;
		app_printf("  %s\n", h);
		n++;
	}
	if (topic == NULL)
		app_printf("Every command ends with 'status: NAME (0xXXXXXXXX)'.\n");
	if (n == 0) {
		app_fail(DFP_STATUS_INVALID_PARAMETER, "no command starts with '%.32s'", topic);
		return;
	}
	app_status(DFP_STATUS_SUCCESS);
}

CMD_FN(cmd_help)
{
	CMD_ARGS();
	(void)a;
	help(NULL);
}

CMD_FN(cmd_help_topic)
{
	CMD_ARGS();
	help(a->w1);
}

CMD_INST(inst_start, cmd_start, "start: start forwarding", T(tok_start));
CMD_INST(inst_stop, cmd_stop, "stop: stop forwarding (pends completed, flows ended) and print stats",
	T(tok_stop));
CMD_INST(inst_quit, cmd_quit, "quit: shut down in WFP unload order", T(tok_quit));
CMD_INST(inst_wait, cmd_wait_idle, "wait idle [TIMEOUT_MS]: until every rx queue has been "
	"empty for 100 ms and nothing is held (default 10000 ms)", T(tok_wait), T(tok_idle));
CMD_INST(inst_wait_ms, cmd_wait_idle_ms, "wait idle TIMEOUT_MS", T(tok_wait), T(tok_idle),
	T(tok_ms));
CMD_INST(inst_help, cmd_help, "help [WORD]: list commands (starting with WORD)", T(tok_help));
CMD_INST(inst_help_topic, cmd_help_topic, "help WORD", T(tok_help), T(tok_topic));

cmdline_parse_inst_t *cmd_run_insts[] = {
	&inst_start, &inst_stop, &inst_quit, &inst_wait, &inst_wait_ms, &inst_help,
	&inst_help_topic, NULL,
};
