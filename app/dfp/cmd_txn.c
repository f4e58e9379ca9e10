/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Console family "txn": txn begin | txn commit | txn abort
 * (FwpmTransactionBegin0/Commit0/Abort0 on the client's session), and
 * config load FILE | config check FILE.
 *
 * `config load|check FILE` reads only files inside the directory of the
 * start-up configuration (-f, or the bundled demo): the operator named that
 * directory on the command line, a console or socket line cannot widen it.
 * FILE is relative to that directory unless absolute; symlinks and `..` are
 * resolved and checked (dfp_conf_load_within()); anything else gets
 * STATUS_ACCESS_DENIED and changes nothing. The files it reads are the
 * operator's, so plugin paths in them are honoured (README, deviations).
 */
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"

CMD_TOK(tok_txn, 0, "txn");
CMD_TOK(tok_op, 1, "begin#commit#abort");
CMD_TOK(tok_config, 0, "config");
CMD_TOK(tok_load, 1, "load#check");
CMD_TOK(tok_file, 2, NULL);

CMD_FN(cmd_txn)
{
	struct dfp_ctl_session *s = cmd_session();
	dfp_status_t st;

	CMD_ARGS();
	if (strcmp(a->w1, "begin") == 0) {
		st = dfp_ctl_txn_begin(s, 0);
	} else if (strcmp(a->w1, "commit") == 0) {
		st = dfp_ctl_txn_commit(s);
		if (st == DFP_STATUS_SUCCESS)
			app_callout_txn_committed(s);
	} else {
		st = dfp_ctl_txn_abort(s);
		/* Callouts declared in the aborted transaction lost their objects. */
		if (st == DFP_STATUS_SUCCESS)
			app_callout_txn_aborted(s);
	}
	cmd_done(st);
}

/* Load FILE confined to the start-up configuration's directory. */
static dfp_status_t
load_confined(const char *file, struct dfp_conf **out, struct dfp_conf_errors *errs)
{
	const char *start = dfp_app->conf != NULL ? dfp_app->conf->path : NULL;
	char dir[PATH_MAX];

	if (start == NULL || snprintf(dir, sizeof(dir), "%s", start) >= (int)sizeof(dir)) {
		/* No start-up file to take a directory from: nothing is allowed. */
		snprintf(errs->path, sizeof(errs->path), "%s", file);
		errs->n = 1;
		errs->e[0].pos.line = 0;
		errs->e[0].pos.col = 0;
		snprintf(errs->e[0].message, sizeof(errs->e[0].message),
			"no configuration directory to read from");
		return DFP_STATUS_ACCESS_DENIED;
	}
	/* dirname() works in place on the copy; "x.yaml" gives ".". */
	return dfp_conf_load_within(dirname(dir), file, DFP_CONF_EXTERNAL_REFS, out, errs);
}

CMD_FN(cmd_config)
{
	struct dfp_conf_errors *errs = calloc(1, sizeof(*errs));
	struct dfp_conf *c = NULL;
	dfp_status_t st;
	unsigned int i;
	bool load;

	CMD_ARGS();
	load = strcmp(a->w1, "load") == 0;
	if (errs == NULL) {
		app_fail(DFP_STATUS_NO_MEMORY, "out of memory");
		return;
	}
	st = load_confined(a->w2, &c, errs);
	if (st != DFP_STATUS_SUCCESS) {
		for (i = 0; i < errs->n && i < DFP_CONF_MAX_ERRORS; i++)
			app_printf("%s:%u:%u: %s\n", errs->path, errs->e[i].pos.line,
				errs->e[i].pos.col, errs->e[i].message);
		if (errs->n > DFP_CONF_MAX_ERRORS)
			app_printf("... and %u more errors\n", errs->n - DFP_CONF_MAX_ERRORS);
		free(errs);
		app_fail(st == DFP_STATUS_OBJECT_NAME_NOT_FOUND || st == DFP_STATUS_ACCESS_DENIED ||
			st == DFP_STATUS_NO_MEMORY ? st : DFP_STATUS_INVALID_PARAMETER,
			"%s: nothing changed", a->w2);
		return;
	}
	free(errs);
	if (load) {
		st = app_config_apply(cmd_session(), c, true, NULL);
		if (st == DFP_STATUS_SUCCESS)
			app_printf("%s: %u sublayers, %u callouts, %u filters applied\n", a->w2,
				c->n_sublayers, c->n_callouts, c->n_filters);
		else
			app_printf("error: %s: nothing changed\n", a->w2);
	} else {
		st = app_config_dry_run(cmd_session(), c);
		if (st == DFP_STATUS_SUCCESS)
			app_printf("valid: %s (%u sublayers, %u callouts, %u filters)\n", a->w2,
				c->n_sublayers, c->n_callouts, c->n_filters);
	}
	dfp_conf_free(c);
	app_status(st);
}

CMD_INST(inst_txn, cmd_txn, "txn begin|commit|abort: an explicit transaction of this session",
	T(tok_txn), T(tok_op));
CMD_INST(inst_config, cmd_config, "config load|check FILE: apply (one transaction) or validate "
	"a YAML file's sublayers, callouts and filters (FILE in the -f file's directory)", T(tok_config), T(tok_load), T(tok_file));

cmdline_parse_inst_t *cmd_txn_insts[] = {&inst_txn, &inst_config, NULL};
