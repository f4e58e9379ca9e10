/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Console family "sublayer": show sublayers | sublayer add NAME weight W
 * [key GUID] | sublayer delete NAME|GUID (FwpmSubLayerAdd0/DeleteByKey0).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"

CMD_TOK(tok_show, 0, "show");
CMD_TOK(tok_sublayers, 1, "sublayers");
CMD_TOK(tok_sublayer, 0, "sublayer");
CMD_TOK(tok_add, 1, "add");
CMD_TOK(tok_delete, 1, "delete");
CMD_TOK(tok_what, 2, NULL);
CMD_TOK_REST(tok_rest);

static int
show_one(void *arg, const struct dfp_engine_sublayer_info *sl)
{
	char g[40];

	(void)arg;
	app_printf("%s name %s weight %u filters %u%s\n", dfp_guid_format(&sl->key, g, sizeof(g)),
		sl->name, sl->weight, sl->n_filters, sl->builtin ? " builtin" : "");
	return 0;
}

CMD_FN(cmd_show)
{
	CMD_ARGS();
	(void)a;
	cmd_done(dfp_ctl_sublayer_foreach(cmd_session(), show_one, NULL));
}

CMD_FN(cmd_add)
{
	struct dfp_engine_sublayer_spec spec;
	struct dfp_guid key;
	char *argv[8], g[40];
	uint64_t w = UINT64_MAX;
	int n, i;
	dfp_status_t st;

	CMD_ARGS();
	memset(&spec, 0, sizeof(spec));
	n = cmd_split(a->rest, argv, 8);
	if (n < 1) {
		app_fail(DFP_STATUS_INVALID_PARAMETER, "usage: sublayer add NAME weight W [key GUID]");
		return;
	}
	spec.name = argv[0];
	for (i = 1; i < n; i += 2) {
		if (i + 1 >= n) {
			app_fail(DFP_STATUS_INVALID_PARAMETER, "'%s' needs a value", argv[i]);
			return;
		}
		if (strcmp(argv[i], "weight") == 0) {
			if (dfp_conf_u64_parse(argv[i + 1], 0, UINT16_MAX, &w) != DFP_STATUS_SUCCESS) {
				app_fail(DFP_STATUS_INVALID_PARAMETER,
					"weight '%.32s': a number 0..65535", argv[i + 1]);
				return;
			}
		} else if (strcmp(argv[i], "key") == 0) {
			if (!cmd_guid(argv[i + 1], &spec.key))
				return;
		} else {
			app_fail(DFP_STATUS_INVALID_PARAMETER, "unknown word '%.32s' (weight, key)",
				argv[i]);
			return;
		}
	}
	if (w == UINT64_MAX) {
		app_fail(DFP_STATUS_INVALID_PARAMETER, "sublayer add: weight is mandatory");
		return;
	}
	if (strlen(spec.name) >= DFP_ENGINE_NAME_SIZE) {
		app_fail(DFP_STATUS_INVALID_PARAMETER, "name too long");
		return;
	}
	spec.weight = (uint16_t)w;
	st = dfp_ctl_sublayer_add(cmd_session(), &spec, &key);
	if (st == DFP_STATUS_SUCCESS)
		app_printf("sublayer %s added: %s\n", spec.name, dfp_guid_format(&key, g, sizeof(g)));
	cmd_done(st);
}

CMD_FN(cmd_delete)
{
	struct dfp_guid key;
	dfp_status_t st;

	CMD_ARGS();
	st = app_sublayer_key(cmd_session(), a->w2, &key);
	if (st == DFP_STATUS_INVALID_PARAMETER) {
		app_fail(st, "several sublayers are named '%.64s': give its GUID", a->w2);
		return;
	}
	if (st == DFP_STATUS_SUCCESS)
		st = dfp_ctl_sublayer_delete(cmd_session(), &key);
	cmd_done(st);
}

CMD_INST(inst_show, cmd_show, "show sublayers: KEY name NAME weight W filters N",
	T(tok_show), T(tok_sublayers));
CMD_INST(inst_add, cmd_add, "sublayer add NAME weight W [key GUID]",
	T(tok_sublayer), T(tok_add), T(tok_rest));
CMD_INST(inst_delete, cmd_delete, "sublayer delete NAME|GUID",
	T(tok_sublayer), T(tok_delete), T(tok_what));

cmdline_parse_inst_t *cmd_sublayer_insts[] = {&inst_show, &inst_add, &inst_delete, NULL};
