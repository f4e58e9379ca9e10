/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The console grammar (DESIGN §4) on rte_cmdline: one source file per
 * command family (cmd_run.c, cmd_port.c, cmd_show.c, cmd_sublayer.c,
 * cmd_filter.c, cmd_callout.c, cmd_flow.c, cmd_txn.c), each exporting a
 * NULL-terminated array of instructions that console.c joins into one
 * context.
 *
 * Every instruction parses into the same result, struct cmd_args: fixed or
 * free words w0..w5 and, for commands with optional or repeated parts, the
 * rest of the line, which the handler splits and checks itself so that it
 * can say exactly what is wrong. Handlers run on the client's control
 * thread, print with app_printf() and end with app_status()/app_fail().
 */
#ifndef DFP_CMD_H
#define DFP_CMD_H

#include <cmdline_parse.h>
#include <cmdline_parse_string.h>

#include "app.h"

/** The parse result of every instruction. */
struct cmd_args {
	cmdline_fixed_string_t w0;
	cmdline_fixed_string_t w1;
	cmdline_fixed_string_t w2;
	cmdline_fixed_string_t w3;
	cmdline_fixed_string_t w4;
	cmdline_fixed_string_t w5;
	cmdline_multi_string_t rest;
};

/** A token: word at position N ("a#b" = alternatives, NULL = any word). */
#define CMD_TOK(var, n, str) \
	static cmdline_parse_token_string_t var = TOKEN_STRING_INITIALIZER(struct cmd_args, w##n, str)
/** The rest of the line (at least one word). */
#define CMD_TOK_REST(var) \
	static cmdline_parse_token_string_t var = \
		TOKEN_STRING_INITIALIZER(struct cmd_args, rest, TOKEN_STRING_MULTI)

/** An instruction: handler, help text, tokens. */
#define CMD_INST(var, fn, help, ...) \
	static cmdline_parse_inst_t var = { \
		.f = fn, .data = NULL, .help_str = help, \
		.tokens = { __VA_ARGS__, NULL }, \
	}

/** Cast a token for the tokens list. */
#define T(tok) ((void *)&(tok))

/** Handler signature. */
#define CMD_FN(name) static void name(void *parsed, struct cmdline *cl, void *data)
/** Inside a handler: the parsed words. */
#define CMD_ARGS() struct cmd_args *a = parsed; (void)cl; (void)data

/** The families' instruction lists. */
extern cmdline_parse_inst_t *cmd_run_insts[];
extern cmdline_parse_inst_t *cmd_port_insts[];
extern cmdline_parse_inst_t *cmd_show_insts[];
extern cmdline_parse_inst_t *cmd_sublayer_insts[];
extern cmdline_parse_inst_t *cmd_filter_insts[];
extern cmdline_parse_inst_t *cmd_callout_insts[];
extern cmdline_parse_inst_t *cmd_flow_insts[];
extern cmdline_parse_inst_t *cmd_txn_insts[];

/** Split s in place into at most max words; returns the count, or -1 if more. */
int cmd_split(char *s, char **argv, int max);

/** Parse a GUID or print an error; false on error (status already printed). */
bool cmd_guid(const char *s, struct dfp_guid *out);

/** The current client's session. */
struct dfp_ctl_session *cmd_session(void);

/** Print the outcome of an operation and end with its status. */
void cmd_done(dfp_status_t st);

#endif /* DFP_CMD_H */
