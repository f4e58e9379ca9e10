/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Console family "callout": callout add | register | unregister | delete,
 * show callouts.
 *
 *   callout add NAME key GUID layer L module M [param K=V]...   (FwpmCalloutAdd0)
 *   callout register NAME|GUID                                  (FwpsCalloutRegister)
 *   callout unregister id ID | key GUID        (FwpsCalloutUnregisterById0/ByKey0)
 *   callout delete id ID | key GUID            (FwpmCalloutDeleteById0/ByKey0)
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>

#include "cmd.h"
#include "dfp_wfp.h"

CMD_TOK(tok_show, 0, "show");
CMD_TOK(tok_callouts, 1, "callouts");
CMD_TOK(tok_callout, 0, "callout");
CMD_TOK(tok_add, 1, "add");
CMD_TOK(tok_register, 1, "register");
CMD_TOK(tok_unregister, 1, "unregister");
CMD_TOK(tok_delete, 1, "delete");
CMD_TOK(tok_idkey, 2, "id#key");
CMD_TOK(tok_what, 2, NULL);
CMD_TOK(tok_value, 3, NULL);
CMD_TOK_REST(tok_rest);

/* ---- show callouts ---- */

struct reg_snapshot {
	unsigned int n;
	struct dfp_callout_reg_info r[256];
};

static int
reg_one(void *arg, const struct dfp_callout_reg_info *r)
{
	struct reg_snapshot *s = arg;

	if (s->n < RTE_DIM(s->r))
		s->r[s->n++] = *r;
	return 0;
}

static const struct dfp_callout_reg_info *
reg_find(const struct reg_snapshot *s, uint32_t id)
{
	unsigned int i;

	for (i = 0; i < s->n; i++)
		if (s->r[i].callout_id == id)
			return &s->r[i];
	return NULL;
}

struct show_ctx {
	struct reg_snapshot *regs;
	bool seen[256];
};

static int
show_one(void *arg, const struct dfp_engine_callout_info *c)
{
	struct show_ctx *sc = arg;
	const struct dfp_callout_reg_info *r = reg_find(sc->regs, c->callout_id);
	const char *layer = dfp_engine_layer_name(c->layer_id);
	char g[40];

	if (r != NULL)
		sc->seen[r - sc->regs->r] = true;
	app_printf("%u key %s name %s layer %s registered %s filters %u contexts %" PRIu64 "\n",
		c->callout_id, dfp_guid_format(&c->key, g, sizeof(g)), c->name,
		layer != NULL ? layer : "?", r != NULL ? "yes" : "no", c->n_filters,
		r != NULL ? r->n_contexts : 0);
	return 0;
}

CMD_FN(cmd_show)
{
	struct reg_snapshot *regs = calloc(1, sizeof(*regs));
	struct show_ctx *sc = calloc(1, sizeof(*sc));
	unsigned int i;
	dfp_status_t st;

	CMD_ARGS();
	(void)a;
	if (regs == NULL || sc == NULL) {
		free(regs);
		free(sc);
		app_fail(DFP_STATUS_NO_MEMORY, "out of memory");
		return;
	}
	dfp_callout_foreach(dfp_ctl_callouts(dfp_app->ctl), reg_one, regs);
	sc->regs = regs;
	st = dfp_ctl_callout_foreach(cmd_session(), show_one, sc);
	/* Registrations without a management object (FwpsCalloutRegister alone). */
	for (i = 0; st == DFP_STATUS_SUCCESS && i < regs->n; i++) {
		char g[40];

		if (sc->seen[i])
			continue;
		app_printf("%u key %s name %s layer - registered yes filters 0 contexts %" PRIu64
			"\n", regs->r[i].callout_id,
			dfp_guid_format(&regs->r[i].key, g, sizeof(g)), regs->r[i].name,
			regs->r[i].n_contexts);
	}
	free(regs);
	free(sc);
	cmd_done(st);
}

/* ---- callout add ---- */

CMD_FN(cmd_add)
{
	struct dfp_module_param params[32];
	struct dfp_guid key;
	struct app_callout *co = NULL;
	struct dfp_ctl_session *s = cmd_session();
	char *argv[80], err[256];
	const char *module = NULL;
	bool have_key = false, implicit;
	int n, i, layer = -1;
	unsigned int np = 0;
	dfp_status_t st;

	CMD_ARGS();
	n = cmd_split(a->rest, argv, (int)RTE_DIM(argv));
	if (n < 1) {
		app_fail(DFP_STATUS_INVALID_PARAMETER,
			"usage: callout add NAME key GUID layer L module M [param K=V]...");
		return;
	}
	for (i = 1; i < n; i += 2) {
		if (i + 1 >= n) {
			app_fail(DFP_STATUS_INVALID_PARAMETER, "'%.32s' needs a value", argv[i]);
			return;
		}
		if (strcmp(argv[i], "key") == 0) {
			if (!cmd_guid(argv[i + 1], &key))
				return;
			have_key = true;
		} else if (strcmp(argv[i], "layer") == 0) {
			layer = app_parse_layer(argv[i + 1]);
			if (layer < 0) {
				app_fail(DFP_STATUS_FWP_LAYER_NOT_FOUND, "unknown layer '%.64s'",
					argv[i + 1]);
				return;
			}
		} else if (strcmp(argv[i], "module") == 0) {
			module = argv[i + 1];
		} else if (strcmp(argv[i], "param") == 0) {
			char *eq = strchr(argv[i + 1], '=');

			if (eq == NULL || eq == argv[i + 1] || np == RTE_DIM(params)) {
				app_fail(DFP_STATUS_INVALID_PARAMETER, "param '%.64s': K=V expected",
					argv[i + 1]);
				return;
			}
			*eq = '\0';
			params[np].key = argv[i + 1];
			params[np].value = eq + 1;
			np++;
		} else {
			app_fail(DFP_STATUS_INVALID_PARAMETER,
				"unknown word '%.32s' (key, layer, module, param)", argv[i]);
			return;
		}
	}
	if (!have_key || layer < 0 || module == NULL) {
		app_fail(DFP_STATUS_INVALID_PARAMETER, "callout add needs key, layer and module");
		return;
	}
	/*
	 * Plugins come from the YAML only (the operator's named paths): a console
	 * or socket line never makes dfp dlopen() a file, whose constructors
	 * would run as dfp. Refused before anything is looked at.
	 */
	if (strncmp(module, "builtin:", 8) != 0) {
		app_fail(DFP_STATUS_ACCESS_DENIED, "the console adds built-in modules only "
			"(builtin:NAME); plugins are declared in the YAML");
		return;
	}
	implicit = !dfp_ctl_session_in_txn(s);
	if (implicit) {
		st = dfp_ctl_txn_begin(s, 0);
		if (st != DFP_STATUS_SUCCESS) {
			cmd_done(st);
			return;
		}
	}
	st = app_callout_declare(s, argv[0], &key, (uint16_t)layer, module, np, params, &co, err,
		sizeof(err));
	if (st != DFP_STATUS_SUCCESS) {
		if (implicit)
			dfp_ctl_txn_abort(s);
		app_fail(st, "%s", err);
		return;
	}
	if (implicit) {
		st = dfp_ctl_txn_commit(s);
		if (st != DFP_STATUS_SUCCESS) {
			dfp_ctl_txn_abort(s);
			app_callout_forget(co);
			cmd_done(st);
			return;
		}
	}
	app_printf("callout %s added: id %u\n", co->name, co->ids[0]);
	cmd_done(DFP_STATUS_SUCCESS);
}

/* ---- register / unregister / delete ---- */

static struct app_callout *
find_instance(const char *s)
{
	struct dfp_guid key;

	if (dfp_guid_parse(s, &key) == 0)
		return app_callout_find_key(&key);
	return app_callout_find_name(s);
}

CMD_FN(cmd_register)
{
	struct app_callout *co;
	char err[256];
	dfp_status_t st;

	CMD_ARGS();
	co = find_instance(a->w2);
	if (co == NULL) {
		app_fail(DFP_STATUS_FWP_CALLOUT_NOT_FOUND, "no declared callout '%.64s' "
			"(declare it with callout add or in the YAML)", a->w2);
		return;
	}
	err[0] = '\0';
	st = app_callout_register(co, err, sizeof(err));
	if (st != DFP_STATUS_SUCCESS && err[0] != '\0')
		app_printf("error: %s\n", err);
	else if (st == DFP_STATUS_SUCCESS)
		app_printf("callout %s registered: id %u\n", co->name, co->ids[0]);
	cmd_done(st);
}

CMD_FN(cmd_unregister)
{
	struct app_callout *co;
	struct dfp_guid key;
	uint64_t id;
	dfp_status_t st;

	CMD_ARGS();
	if (strcmp(a->w2, "id") == 0) {
		if (!app_parse_u64(a->w3, &id) || id > UINT32_MAX) {
			app_fail(DFP_STATUS_INVALID_PARAMETER, "'%.32s' is not a callout id", a->w3);
			return;
		}
		co = app_callout_find_id((uint32_t)id);
		st = co != NULL ? app_callout_unregister(co) :
			FwpsCalloutUnregisterById0((UINT32)id);
	} else {
		if (!cmd_guid(a->w3, &key))
			return;
		co = app_callout_find_key(&key);
		st = co != NULL ? app_callout_unregister(co) : FwpsCalloutUnregisterByKey0(&key);
	}
	if (st == DFP_STATUS_DEVICE_BUSY)
		app_printf("flows still carry its contexts: remove them "
			"(flow remove-context) and retry\n");
	app_callout_reap();
	cmd_done(st);
}

CMD_FN(cmd_delete)
{
	struct app_callout *co;
	struct dfp_guid key;
	uint64_t id;
	dfp_status_t st;

	CMD_ARGS();
	if (strcmp(a->w2, "id") == 0) {
		if (!app_parse_u64(a->w3, &id) || id > UINT32_MAX) {
			app_fail(DFP_STATUS_INVALID_PARAMETER, "'%.32s' is not a callout id", a->w3);
			return;
		}
		co = app_callout_find_id((uint32_t)id);
		st = co != NULL ? app_callout_delete(cmd_session(), co) :
			dfp_ctl_callout_delete_by_id(cmd_session(), (uint32_t)id);
	} else {
		if (!cmd_guid(a->w3, &key))
			return;
		co = app_callout_find_key(&key);
		st = co != NULL ? app_callout_delete(cmd_session(), co) :
			dfp_ctl_callout_delete_by_key(cmd_session(), &key);
	}
	if (st == DFP_STATUS_FWP_IN_USE)
		app_printf("filters still name it: delete them first\n");
	app_callout_reap();
	cmd_done(st);
}

CMD_INST(inst_show, cmd_show, "show callouts: CALLOUT_ID key GUID name NAME layer L "
	"registered yes|no filters N contexts N", T(tok_show), T(tok_callouts));
CMD_INST(inst_add, cmd_add, "callout add NAME key GUID layer L module builtin:M [param K=V]...",
	T(tok_callout), T(tok_add), T(tok_rest));
CMD_INST(inst_register, cmd_register, "callout register NAME|GUID", T(tok_callout),
	T(tok_register), T(tok_what));
CMD_INST(inst_unregister, cmd_unregister, "callout unregister id ID | key GUID",
	T(tok_callout), T(tok_unregister), T(tok_idkey), T(tok_value));
CMD_INST(inst_delete, cmd_delete, "callout delete id ID | key GUID", T(tok_callout),
	T(tok_delete), T(tok_idkey), T(tok_value));

cmdline_parse_inst_t *cmd_callout_insts[] = {
	&inst_show, &inst_add, &inst_register, &inst_unregister, &inst_delete, NULL,
};
