/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Console family "filter": filter add | filter delete | show filters [LAYER]
 * | show filter ID (FwpmFilterAdd0, FwpmFilterDeleteById0/ByKey0,
 * enumeration).
 *
 *   filter add NAME layer L [sublayer S] [weight W] action A [callout C]
 *              [flags F,..] [cond FIELD MATCH VALUE]...
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>

#include "cmd.h"

CMD_TOK(tok_show, 0, "show");
CMD_TOK(tok_filters, 1, "filters");
CMD_TOK(tok_filter1, 1, "filter");
CMD_TOK(tok_layer, 2, NULL);
CMD_TOK(tok_id, 2, NULL);
CMD_TOK(tok_filter0, 0, "filter");
CMD_TOK(tok_add, 1, "add");
CMD_TOK(tok_delete, 1, "delete");
CMD_TOK_REST(tok_rest);

static void
print_filter(const struct dfp_engine_filter_info *f)
{
	char k[40], w[32];
	const char *layer = dfp_engine_layer_name(f->rt.layer_id);

	snprintf(w, sizeof(w), "%" PRIu64, f->rt.weight);
	app_printf("%" PRIu64 " key %s name %s layer %s sublayer %s weight %s action %s hits %"
		PRIu64 "\n", f->rt.filter_id, dfp_guid_format(&f->key, k, sizeof(k)), f->name,
		layer != NULL ? layer : "?", f->sublayer_name, w,
		dfp_engine_action_name(f->rt.action_type), f->hits);
}

static int
show_one(void *arg, const struct dfp_engine_filter_info *f)
{
	(void)arg;
	print_filter(f);
	return 0;
}

CMD_FN(cmd_show_all)
{
	CMD_ARGS();
	(void)a;
	cmd_done(dfp_ctl_filter_foreach(cmd_session(), 0xFFFF, show_one, NULL));
}

CMD_FN(cmd_show_layer)
{
	int layer;

	CMD_ARGS();
	layer = app_parse_layer(a->w2);
	if (layer < 0) {
		app_fail(DFP_STATUS_FWP_LAYER_NOT_FOUND, "unknown layer '%.64s' (see show layers)",
			a->w2);
		return;
	}
	cmd_done(dfp_ctl_filter_foreach(cmd_session(), (uint16_t)layer, show_one, NULL));
}

static void
print_conds(const struct dfp_engine_filter_info *f)
{
	uint32_t i;

	for (i = 0; i < f->rt.n_conds; i++) {
		const struct dfp_engine_cond *c = &f->rt.conds[i];

		app_printf("  cond %s %s", dfp_engine_field_name((enum dfp_field)c->field),
			dfp_engine_match_name((enum dfp_match)c->match));
		if (c->value.hi != 0 || c->high.hi != 0)
			app_printf(" 0x%016" PRIx64 "%016" PRIx64, c->value.hi, c->value.lo);
		else
			app_printf(" %" PRIu64, c->value.lo);
		if (c->match == DFP_MATCH_RANGE)
			app_printf("-%" PRIu64, c->high.lo);
		if (c->has_prefix)
			app_printf("/%u", c->prefix_len);
		app_printf("\n");
	}
}

CMD_FN(cmd_show_one)
{
	struct dfp_engine_filter_info f;
	uint64_t id;
	dfp_status_t st;

	CMD_ARGS();
	if (!app_parse_u64(a->w2, &id)) {
		app_fail(DFP_STATUS_INVALID_PARAMETER, "'%.32s' is not a filter id", a->w2);
		return;
	}
	st = dfp_ctl_filter_get(cmd_session(), id, &f);
	if (st == DFP_STATUS_SUCCESS) {
		char g[40];

		print_filter(&f);
		if (f.rt.callout_id != 0)
			app_printf("  callout %u key %s\n", f.rt.callout_id,
				dfp_guid_format(&f.callout_key, g, sizeof(g)));
		app_printf("  flags 0x%x raw_context 0x%" PRIx64 " %s\n", f.mgmt_flags,
			f.rt.context, f.committed ? "committed" : "not committed");
		print_conds(&f);
	}
	cmd_done(st);
}

/* Parse `filter add` words into spec; prints the error itself. */
static bool
parse_add(char **argv, int n, struct dfp_engine_filter_spec *spec, struct dfp_engine_cond *conds)
{
	char err[160];
	bool have_layer = false, have_action = false;
	const char *callout = NULL, *sublayer = NULL;
	int i, layer, action;
	dfp_status_t st;

	spec->name = argv[0];
	if (strlen(argv[0]) >= DFP_ENGINE_NAME_SIZE) {
		app_fail(DFP_STATUS_INVALID_PARAMETER, "name too long (at most %d bytes)",
			DFP_ENGINE_NAME_SIZE - 1);
		return false;
	}
	for (i = 1; i < n;) {
		const char *w = argv[i];

		if (strcmp(w, "cond") == 0) {
			if (i + 3 >= n) {
				app_fail(DFP_STATUS_INVALID_PARAMETER, "cond needs FIELD MATCH VALUE");
				return false;
			}
			if (!have_layer) {
				app_fail(DFP_STATUS_INVALID_PARAMETER, "give layer before cond");
				return false;
			}
			if (spec->n_conds >= DFP_ENGINE_MAX_CONDS) {
				app_fail(DFP_STATUS_INVALID_PARAMETER, "at most %d conditions",
					DFP_ENGINE_MAX_CONDS);
				return false;
			}
			st = dfp_conf_cond_parse(spec->layer_id, argv[i + 1], argv[i + 2], argv[i + 3],
				&conds[spec->n_conds], err, sizeof(err));
			if (st != DFP_STATUS_SUCCESS) {
				app_fail(st, "cond %s %s %s: %s", argv[i + 1], argv[i + 2], argv[i + 3],
					err);
				return false;
			}
			spec->n_conds++;
			i += 4;
			continue;
		}
		if (i + 1 >= n) {
			app_fail(DFP_STATUS_INVALID_PARAMETER, "'%.32s' needs a value", w);
			return false;
		}
		if (strcmp(w, "layer") == 0) {
			layer = app_parse_layer(argv[i + 1]);
			if (layer < 0) {
				app_fail(DFP_STATUS_FWP_LAYER_NOT_FOUND, "unknown layer '%.64s'",
					argv[i + 1]);
				return false;
			}
			spec->layer_id = (uint16_t)layer;
			have_layer = true;
		} else if (strcmp(w, "sublayer") == 0) {
			sublayer = argv[i + 1];
		} else if (strcmp(w, "weight") == 0) {
			st = dfp_conf_weight_parse(argv[i + 1], &spec->weight_type, &spec->weight, err,
				sizeof(err));
			if (st != DFP_STATUS_SUCCESS) {
				app_fail(st, "weight: %s", err);
				return false;
			}
		} else if (strcmp(w, "action") == 0) {
			action = dfp_engine_action_from_name(argv[i + 1]);
			if (action < 0) {
				app_fail(DFP_STATUS_FWP_INVALID_ACTION_TYPE, "unknown action '%.32s' "
					"(permit, block, callout_terminating, callout_inspection, "
					"callout_unknown)", argv[i + 1]);
				return false;
			}
			spec->action = (uint32_t)action;
			have_action = true;
		} else if (strcmp(w, "callout") == 0) {
			callout = argv[i + 1];
		} else if (strcmp(w, "flags") == 0) {
			st = dfp_conf_filter_flags_parse(argv[i + 1], &spec->flags, err, sizeof(err));
			if (st != DFP_STATUS_SUCCESS) {
				app_fail(st, "flags: %s", err);
				return false;
			}
		} else if (strcmp(w, "key") == 0) {
			if (!cmd_guid(argv[i + 1], &spec->key))
				return false;
		} else if (strcmp(w, "raw_context") == 0) {
			if (!app_parse_u64(argv[i + 1], &spec->raw_context)) {
				app_fail(DFP_STATUS_INVALID_PARAMETER, "raw_context: not a number");
				return false;
			}
		} else {
			app_fail(DFP_STATUS_INVALID_PARAMETER, "unknown word '%.32s' (layer, sublayer, "
				"weight, action, callout, flags, key, raw_context, cond)", w);
			return false;
		}
		i += 2;
	}
	if (!have_layer || !have_action) {
		app_fail(DFP_STATUS_INVALID_PARAMETER, "filter add needs layer and action");
		return false;
	}
	if (sublayer != NULL) {
		st = app_sublayer_key(cmd_session(), sublayer, &spec->sublayer_key);
		if (st != DFP_STATUS_SUCCESS) {
			app_fail(st, "sublayer '%.64s' not found", sublayer);
			return false;
		}
	}
	if (callout != NULL) {
		st = app_callout_key(cmd_session(), callout, &spec->callout_key);
		if (st != DFP_STATUS_SUCCESS) {
			app_fail(st, "callout '%.64s' not found", callout);
			return false;
		}
	}
	return true;
}

CMD_FN(cmd_add)
{
	struct dfp_engine_filter_spec spec;
	struct dfp_engine_cond *conds;
	char *argv[4 * DFP_ENGINE_MAX_CONDS + 32];
	uint64_t id = 0;
	int n;
	dfp_status_t st;

	CMD_ARGS();
	n = cmd_split(a->rest, argv, (int)RTE_DIM(argv));
	if (n < 1) {
		app_fail(DFP_STATUS_INVALID_PARAMETER, "too many words");
		return;
	}
	conds = calloc(DFP_ENGINE_MAX_CONDS, sizeof(*conds));
	if (conds == NULL) {
		app_fail(DFP_STATUS_NO_MEMORY, "out of memory");
		return;
	}
	memset(&spec, 0, sizeof(spec));
	spec.conds = conds;
	if (parse_add(argv, n, &spec, conds)) {
		st = dfp_ctl_filter_add(cmd_session(), &spec, &id);
		if (st == DFP_STATUS_SUCCESS)
			app_printf("filter %s added: id %" PRIu64 "\n", spec.name, id);
		cmd_done(st);
	}
	free(conds);
}

struct find_filter {
	const char *name;
	uint64_t id;
	unsigned int found;
};

static int
find_one(void *arg, const struct dfp_engine_filter_info *f)
{
	struct find_filter *ff = arg;

	if (strcmp(f->name, ff->name) == 0) {
		ff->id = f->rt.filter_id;
		ff->found++;
	}
	return 0;
}

CMD_FN(cmd_delete)
{
	struct dfp_guid key;
	uint64_t id;
	char *argv[2];
	dfp_status_t st;

	CMD_ARGS();
	if (cmd_split(a->rest, argv, 1) != 1) {
		app_fail(DFP_STATUS_INVALID_PARAMETER, "usage: filter delete ID|NAME|GUID");
		return;
	}
	if (app_parse_u64(argv[0], &id)) {
		st = dfp_ctl_filter_delete_by_id(cmd_session(), id);
	} else if (dfp_guid_parse(argv[0], &key) == 0) {
		st = dfp_ctl_filter_delete_by_key(cmd_session(), &key);
	} else {
		struct find_filter ff = {.name = argv[0]};

		st = dfp_ctl_filter_foreach(cmd_session(), 0xFFFF, find_one, &ff);
		if (st == DFP_STATUS_SUCCESS && ff.found == 0)
			st = DFP_STATUS_FWP_FILTER_NOT_FOUND;
		else if (st == DFP_STATUS_SUCCESS && ff.found > 1) {
			app_fail(DFP_STATUS_INVALID_PARAMETER,
				"%u filters are named '%.64s': give its id", ff.found, argv[0]);
			return;
		}
		if (st == DFP_STATUS_SUCCESS)
			st = dfp_ctl_filter_delete_by_id(cmd_session(), ff.id);
	}
	cmd_done(st);
}

CMD_INST(inst_show_all, cmd_show_all,
	"show filters [LAYER]: FILTER_ID key GUID name NAME layer L sublayer S weight W action A hits N",
	T(tok_show), T(tok_filters));
CMD_INST(inst_show_layer, cmd_show_layer, "show filters LAYER", T(tok_show), T(tok_filters),
	T(tok_layer));
CMD_INST(inst_show_one, cmd_show_one, "show filter ID: one filter with its conditions",
	T(tok_show), T(tok_filter1), T(tok_id));
CMD_INST(inst_add, cmd_add, "filter add NAME layer L [sublayer S] [weight W|range:N] action A "
	"[callout C] [flags F,..] [cond FIELD MATCH VALUE]...",
	T(tok_filter0), T(tok_add), T(tok_rest));
CMD_INST(inst_delete, cmd_delete, "filter delete ID|NAME|GUID", T(tok_filter0), T(tok_delete),
	T(tok_rest));

cmdline_parse_inst_t *cmd_filter_insts[] = {
	&inst_show_all, &inst_show_layer, &inst_show_one, &inst_add, &inst_delete, NULL,
};
