/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The console context (every family's instructions) and helpers shared by
 * the command families.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>

#include "cmd.h"
#include "dfp_conf.h"
#include "dfp_flow_table.h"

static cmdline_parse_inst_t **const families[] = {
	cmd_run_insts, cmd_port_insts, cmd_show_insts, cmd_sublayer_insts,
	cmd_filter_insts, cmd_callout_insts, cmd_flow_insts, cmd_txn_insts,
};

/* One NULL-terminated context built once (rte_cmdline reads it, never writes). */
static cmdline_parse_ctx_t ctx[128];

void *
app_console_ctx(void)
{
	static bool built;
	unsigned int i, j, n = 0;

	if (!built) {
		for (i = 0; i < RTE_DIM(families); i++)
			for (j = 0; families[i][j] != NULL && n + 1 < RTE_DIM(ctx); j++)
				ctx[n++] = families[i][j];
		ctx[n] = NULL;
		built = true;
	}
	return ctx;
}

int
cmd_split(char *s, char **argv, int max)
{
	int n = 0;
	char *save = NULL, *w;

	for (w = strtok_r(s, " \t", &save); w != NULL; w = strtok_r(NULL, " \t", &save)) {
		if (n == max)
			return -1;
		argv[n++] = w;
	}
	return n;
}

bool
cmd_guid(const char *s, struct dfp_guid *out)
{
	if (dfp_guid_parse(s, out) != 0) {
		app_fail(DFP_STATUS_INVALID_PARAMETER, "'%.64s' is not a GUID "
			"(xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)", s);
		return false;
	}
	return true;
}

struct dfp_ctl_session *
cmd_session(void)
{
	struct app_client *c = app_client_current();

	return c != NULL && c->session != NULL ? c->session : dfp_app->session;
}

void
cmd_done(dfp_status_t st)
{
	if (!DFP_SUCCESS(st))
		app_printf("error: %s\n", dfp_status_message(st));
	app_status(st);
}

bool
app_parse_u64(const char *s, uint64_t *out)
{
	return dfp_conf_u64_parse(s, 0, UINT64_MAX, out) == DFP_STATUS_SUCCESS;
}

int
app_parse_layer(const char *s)
{
	uint64_t id;

	if (app_parse_u64(s, &id))
		return id < DFP_LAYER_ID_MAX && dfp_engine_layer_name((uint16_t)id) != NULL ?
			(int)id : -1;
	return dfp_engine_layer_from_name(s);
}

static void
format_endpoint(const struct dfp_flow_key *k, unsigned int e, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	if (k->family == 6) {
		inet_ntop(AF_INET6, k->addr[e], a, sizeof(a));
		snprintf(buf, len, "[%s]:%u", a, k->port[e]);
	} else {
		/* The datapath keys IPv4 flows by the parser's host-order address. */
		uint32_t v4;

		memcpy(&v4, k->addr[e], sizeof(v4));
		v4 = htonl(v4);
		inet_ntop(AF_INET, &v4, a, sizeof(a));
		snprintf(buf, len, "%s:%u", a, k->port[e]);
	}
}

static const char *
proto_name(uint8_t p)
{
	switch (p) {
	case 6: return "tcp";
	case 17: return "udp";
	case 1: return "icmp";
	case 58: return "icmpv6";
	default: return NULL;
	}
}

void
app_format_flow(const void *flow_info, char *buf, size_t len)
{
	const struct dfp_flow_info *f = flow_info;
	unsigned int src = f->initiator == DFP_FLOW_DIR_FWD ? 0 : 1;
	char s[64], d[64], pn[8];
	const char *p = proto_name(f->key.proto);

	if (p == NULL) {
		snprintf(pn, sizeof(pn), "%u", f->key.proto);
		p = pn;
	}
	format_endpoint(&f->key, src, s, sizeof(s));
	format_endpoint(&f->key, 1 - src, d, sizeof(d));
	snprintf(buf, len, "%s %s > %s", p, s, d);
}
