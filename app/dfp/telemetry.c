/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Telemetry endpoints (DESIGN §5), read with dpdk-telemetry.py:
 * /dfp/info, /dfp/stats, /dfp/filters, /dfp/callouts, /dfp/flows (counts
 * and a bounded sample), /dfp/pended. Handlers run on DPDK's telemetry
 * thread, a control thread, with a session of their own.
 *
 * /dfp/filters, /dfp/callouts and /dfp/pended list ids; ",ID" gives one
 * object (DPDK 22.11 cannot nest a dict in an array). A parameter where
 * none is taken, a bad id or an unknown one answers null.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_telemetry.h>
#include <rte_version.h>

#include "app.h"
#include "dfp_flow_table.h"

static struct dfp_ctl_session *tel_session;

/* True when the request carries a parameter ("/cmd,PARAM"). */
static bool
has_param(const char *params)
{
	return params != NULL && params[0] != '\0';
}

/*
 * A show-stats line "NAME: VALUE" as a dict entry. DPDK 22.11 telemetry
 * drops (-EINVAL) a dict entry whose name has characters other than
 * [A-Za-z0-9_/]: the first '.' or ' ' becomes '/' ("drop/REASON",
 * "callout/NAME"), any other such character '_'.
 */
static void
stat_line(void *arg, const char *line)
{
	struct rte_tel_data *d = arg;
	const char *colon = strchr(line, ':');
	bool callout = strncmp(line, "callout ", 8) == 0;
	bool slash = false;
	char name[RTE_TEL_MAX_STRING_LEN];
	size_t len, i;

	if (colon == NULL)
		return;
	len = (size_t)(colon - line);
	if (len >= sizeof(name))
		len = sizeof(name) - 1;
	memcpy(name, line, len);
	name[len] = '\0';
	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)name[i];

		if ((ch == '.' || ch == ' ') && !slash) {
			name[i] = '/';
			slash = true;
		} else if (!isalnum(ch) && ch != '_' && ch != '/') {
			name[i] = '_';
		}
	}
	if (callout)
		rte_tel_data_add_dict_string(d, name, colon + 2);
	else
		rte_tel_data_add_dict_u64(d, name, strtoull(colon + 1, NULL, 10));
}

static int
tel_stats(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	if (has_param(params))
		return -EINVAL;
	rte_tel_data_start_dict(d);
	app_stats_emit(stat_line, d);
	return 0;
}

static int
tel_info(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	if (has_param(params))
		return -EINVAL;
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "version", "0.1.0");
	rte_tel_data_add_dict_string(d, "dpdk", rte_version());
	rte_tel_data_add_dict_string(d, "config", dfp_app->conf->path);
	rte_tel_data_add_dict_u64(d, "ports", dfp_app->conf->n_ports);
	rte_tel_data_add_dict_u64(d, "workers", dfp_app->n_workers);
	rte_tel_data_add_dict_string(d, "forwarding",
		dfp_dp_is_running(dfp_app->dp) ? "started" : "stopped");
	rte_tel_data_add_dict_u64(d, "ruleset_generation", dfp_ctl_generation(dfp_app->ctl));
	return 0;
}

/*
 * DPDK 22.11 telemetry nests arrays only (rte_tel_data_add_array_container()
 * refuses a dict), so a list endpoint answers in its way (as /ethdev/list
 * and /ethdev/info,ID): without a parameter the array of ids, with ",ID"
 * that one object as a dict. A bad or unknown id answers null.
 */

/* The request's parameter as an id: decimal or 0x-hex, nothing else; 0 or -EINVAL. */
static int
param_id(const char *params, uint64_t *id)
{
	char *end;

	if (params == NULL || params[0] < '0' || params[0] > '9')
		return -EINVAL;
	errno = 0;
	*id = strtoull(params, &end, 0);
	if (errno != 0 || *end != '\0')
		return -EINVAL;
	return 0;
}

/* Add one id to an array of ids; stops the walk when the array is full. */
static int
id_add(struct rte_tel_data *d, uint64_t id)
{
	return rte_tel_data_add_array_u64(d, id) != 0;
}

static void
filter_fill(struct rte_tel_data *e, const struct dfp_engine_filter_info *f)
{
	char g[40];

	rte_tel_data_start_dict(e);
	rte_tel_data_add_dict_u64(e, "id", f->rt.filter_id);
	rte_tel_data_add_dict_string(e, "key", dfp_guid_format(&f->key, g, sizeof(g)));
	rte_tel_data_add_dict_string(e, "name", f->name);
	rte_tel_data_add_dict_string(e, "layer", dfp_engine_layer_name(f->rt.layer_id));
	rte_tel_data_add_dict_string(e, "sublayer", f->sublayer_name);
	rte_tel_data_add_dict_u64(e, "weight", f->rt.weight);
	rte_tel_data_add_dict_string(e, "action", dfp_engine_action_name(f->rt.action_type));
	rte_tel_data_add_dict_u64(e, "conditions", f->rt.n_conds);
	rte_tel_data_add_dict_u64(e, "hits", f->hits);
}

static int
filter_id_one(void *arg, const struct dfp_engine_filter_info *f)
{
	return id_add(arg, f->rt.filter_id);
}

static int
tel_filters(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct dfp_engine_filter_info f;
	uint64_t id;

	(void)cmd;
	if (!has_param(params)) {
		rte_tel_data_start_array(d, RTE_TEL_U64_VAL);
		dfp_ctl_filter_foreach(tel_session, 0xFFFF, filter_id_one, d);
		return 0;
	}
	if (param_id(params, &id) != 0)
		return -EINVAL;
	if (dfp_ctl_filter_get(tel_session, id, &f) != DFP_STATUS_SUCCESS)
		return -ENOENT;
	filter_fill(d, &f);
	return 0;
}

struct reg_ctx {
	uint32_t id;
	bool found;
	uint64_t contexts;
};

static int
reg_one(void *arg, const struct dfp_callout_reg_info *r)
{
	struct reg_ctx *rc = arg;

	if (r->callout_id == rc->id) {
		rc->found = true;
		rc->contexts = r->n_contexts;
	}
	return 0;
}

static void
callout_fill(struct rte_tel_data *e, const struct dfp_engine_callout_info *c)
{
	struct reg_ctx rc = {.id = c->callout_id};
	char g[40];

	dfp_callout_foreach(dfp_ctl_callouts(dfp_app->ctl), reg_one, &rc);
	rte_tel_data_start_dict(e);
	rte_tel_data_add_dict_u64(e, "id", c->callout_id);
	rte_tel_data_add_dict_string(e, "key", dfp_guid_format(&c->key, g, sizeof(g)));
	rte_tel_data_add_dict_string(e, "name", c->name);
	rte_tel_data_add_dict_string(e, "layer", dfp_engine_layer_name(c->layer_id));
	rte_tel_data_add_dict_string(e, "registered", rc.found ? "yes" : "no");
	rte_tel_data_add_dict_u64(e, "filters", c->n_filters);
	rte_tel_data_add_dict_u64(e, "contexts", rc.contexts);
}

static int
callout_id_one(void *arg, const struct dfp_engine_callout_info *c)
{
	return id_add(arg, c->callout_id);
}

static int
tel_callouts(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct dfp_engine_callout_info c;
	uint64_t id;

	(void)cmd;
	if (!has_param(params)) {
		rte_tel_data_start_array(d, RTE_TEL_U64_VAL);
		dfp_ctl_callout_foreach(tel_session, callout_id_one, d);
		return 0;
	}
	if (param_id(params, &id) != 0 || id > UINT32_MAX)
		return -EINVAL;
	if (dfp_ctl_callout_get(tel_session, (uint32_t)id, &c) != DFP_STATUS_SUCCESS)
		return -ENOENT;
	callout_fill(d, &c);
	return 0;
}

struct flows_ctx {
	struct rte_tel_data *sample;
	uint64_t total, by_phase[8];
	unsigned int n;
};

static int
flow_one(void *arg, const struct dfp_flow_info *f)
{
	struct flows_ctx *fc = arg;
	char k[160], line[200];

	fc->total++;
	fc->by_phase[f->phase & 7]++;
	if (fc->n < 64) {
		app_format_flow(f, k, sizeof(k));
		snprintf(line, sizeof(line), "0x%016" PRIx64 " %s", f->flow_id, k);
		rte_tel_data_add_array_string(fc->sample, line);
		fc->n++;
	}
	return 0;
}

static int
tel_flows(const char *cmd, const char *params, struct rte_tel_data *d)
{
	static const char *const phases[] = {
		"new", "pended", "authorized", "established", "blocked", "closing",
	};
	struct flows_ctx fc = {0};
	unsigned int i;

	(void)cmd;
	if (has_param(params))
		return -EINVAL;
	fc.sample = rte_tel_data_alloc();
	if (fc.sample == NULL)
		return -1;
	rte_tel_data_start_array(fc.sample, RTE_TEL_STRING_VAL);
	dfp_flow_foreach(dfp_ctl_flows(dfp_app->ctl), flow_one, &fc);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "flows", fc.total);
	for (i = 0; i < RTE_DIM(phases); i++)
		rte_tel_data_add_dict_u64(d, phases[i], fc.by_phase[i]);
	rte_tel_data_add_dict_container(d, "sample", fc.sample, 0);
	return 0;
}

struct pended_ctx {
	struct rte_tel_data *d;
	uint64_t handle;      /* The one to describe; 0 = list every handle. */
	bool found;
};

static int
pended_one(void *arg, const struct dfp_callout_handle_info *h)
{
	struct pended_ctx *pc = arg;
	struct rte_tel_data *e = pc->d;

	if (!h->pended)
		return 0;
	if (pc->handle == 0)
		return id_add(pc->d, h->handle);
	if (h->handle != pc->handle)
		return 0;
	rte_tel_data_start_dict(e);
	rte_tel_data_add_dict_u64(e, "handle", h->handle);
	rte_tel_data_add_dict_u64(e, "flow", h->flow_id);
	rte_tel_data_add_dict_u64(e, "layer", h->layer_id);
	rte_tel_data_add_dict_u64(e, "callout", h->callout_id);
	rte_tel_data_add_dict_u64(e, "age_ms", h->age_ms);
	pc->found = true;
	return 1;
}

static int
tel_pended(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct pended_ctx pc = {.d = d};

	(void)cmd;
	if (!has_param(params)) {
		rte_tel_data_start_array(d, RTE_TEL_U64_VAL);
	} else if (param_id(params, &pc.handle) != 0 || pc.handle == 0) {
		return -EINVAL;
	}
	dfp_callout_handle_foreach(dfp_ctl_callouts(dfp_app->ctl), pended_one, &pc);
	return pc.handle == 0 || pc.found ? 0 : -ENOENT;
}

void
app_telemetry_register(void)
{
	if (dfp_ctl_session_open(dfp_app->ctl, 0, &tel_session) != DFP_STATUS_SUCCESS)
		tel_session = dfp_app->session;
	rte_telemetry_register_cmd("/dfp/info", tel_info, "dfp version, config, ports, workers");
	rte_telemetry_register_cmd("/dfp/stats", tel_stats,
		"datapath, callout runtime and module counters");
	rte_telemetry_register_cmd("/dfp/filters", tel_filters,
		"filter ids (at most 512); ,ID: that filter");
	rte_telemetry_register_cmd("/dfp/callouts", tel_callouts,
		"callout object ids (at most 512); ,ID: that callout");
	rte_telemetry_register_cmd("/dfp/flows", tel_flows,
		"flow counts by state and a sample of 64 flows");
	rte_telemetry_register_cmd("/dfp/pended", tel_pended,
		"pended handles (at most 512); ,HANDLE: that one");
}
