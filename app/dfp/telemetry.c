/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Telemetry endpoints (DESIGN §5), read with dpdk-telemetry.py:
 * /dfp/info, /dfp/stats, /dfp/filters, /dfp/callouts, /dfp/flows (counts
 * and a bounded sample), /dfp/pended. Handlers run on DPDK's telemetry
 * thread, a control thread, with a session of their own.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_telemetry.h>
#include <rte_version.h>

#include "app.h"
#include "dfp_flow_table.h"

static struct dfp_ctl_session *tel_session;

static void
stat_line(void *arg, const char *line)
{
	struct rte_tel_data *d = arg;
	const char *colon = strchr(line, ':');
	char name[128];
	size_t len;

	if (colon == NULL)
		return;
	len = (size_t)(colon - line);
	if (len >= sizeof(name))
		len = sizeof(name) - 1;
	memcpy(name, line, len);
	name[len] = '\0';
	if (strncmp(name, "callout ", 8) == 0)
		rte_tel_data_add_dict_string(d, name, colon + 2);
	else
		rte_tel_data_add_dict_u64(d, name, strtoull(colon + 1, NULL, 10));
}

static int
tel_stats(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	(void)params;
	rte_tel_data_start_dict(d);
	app_stats_emit(stat_line, d);
	return 0;
}

static int
tel_info(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	(void)params;
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

struct list_ctx {
	struct rte_tel_data *d;
	unsigned int n;
};

static int
filter_one(void *arg, const struct dfp_engine_filter_info *f)
{
	struct list_ctx *l = arg;
	struct rte_tel_data *e;
	char g[40];

	if (l->n >= RTE_TEL_MAX_ARRAY_ENTRIES)
		return 1;
	e = rte_tel_data_alloc();
	if (e == NULL)
		return 1;
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
	rte_tel_data_add_array_container(l->d, e, 0);
	l->n++;
	return 0;
}

static int
tel_filters(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct list_ctx l = {.d = d};

	(void)cmd;
	(void)params;
	rte_tel_data_start_array(d, RTE_TEL_CONTAINER);
	dfp_ctl_filter_foreach(tel_session, 0xFFFF, filter_one, &l);
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

static int
callout_one(void *arg, const struct dfp_engine_callout_info *c)
{
	struct list_ctx *l = arg;
	struct reg_ctx rc = {.id = c->callout_id};
	struct rte_tel_data *e;
	char g[40];

	if (l->n >= RTE_TEL_MAX_ARRAY_ENTRIES)
		return 1;
	e = rte_tel_data_alloc();
	if (e == NULL)
		return 1;
	dfp_callout_foreach(dfp_ctl_callouts(dfp_app->ctl), reg_one, &rc);
	rte_tel_data_start_dict(e);
	rte_tel_data_add_dict_u64(e, "id", c->callout_id);
	rte_tel_data_add_dict_string(e, "key", dfp_guid_format(&c->key, g, sizeof(g)));
	rte_tel_data_add_dict_string(e, "name", c->name);
	rte_tel_data_add_dict_string(e, "layer", dfp_engine_layer_name(c->layer_id));
	rte_tel_data_add_dict_string(e, "registered", rc.found ? "yes" : "no");
	rte_tel_data_add_dict_u64(e, "filters", c->n_filters);
	rte_tel_data_add_dict_u64(e, "contexts", rc.contexts);
	rte_tel_data_add_array_container(l->d, e, 0);
	l->n++;
	return 0;
}

static int
tel_callouts(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct list_ctx l = {.d = d};

	(void)cmd;
	(void)params;
	rte_tel_data_start_array(d, RTE_TEL_CONTAINER);
	dfp_ctl_callout_foreach(tel_session, callout_one, &l);
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
	(void)params;
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

static int
pended_one(void *arg, const struct dfp_callout_handle_info *h)
{
	struct list_ctx *l = arg;
	struct rte_tel_data *e;

	if (!h->pended)
		return 0;
	if (l->n >= RTE_TEL_MAX_ARRAY_ENTRIES)
		return 1;
	e = rte_tel_data_alloc();
	if (e == NULL)
		return 1;
	rte_tel_data_start_dict(e);
	rte_tel_data_add_dict_u64(e, "handle", h->handle);
	rte_tel_data_add_dict_u64(e, "flow", h->flow_id);
	rte_tel_data_add_dict_u64(e, "layer", h->layer_id);
	rte_tel_data_add_dict_u64(e, "callout", h->callout_id);
	rte_tel_data_add_dict_u64(e, "age_ms", h->age_ms);
	rte_tel_data_add_array_container(l->d, e, 0);
	l->n++;
	return 0;
}

static int
tel_pended(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct list_ctx l = {.d = d};

	(void)cmd;
	(void)params;
	rte_tel_data_start_array(d, RTE_TEL_CONTAINER);
	dfp_callout_handle_foreach(dfp_ctl_callouts(dfp_app->ctl), pended_one, &l);
	return 0;
}

void
app_telemetry_register(void)
{
	if (dfp_ctl_session_open(dfp_app->ctl, 0, &tel_session) != DFP_STATUS_SUCCESS)
		tel_session = dfp_app->session;
	rte_telemetry_register_cmd("/dfp/info", tel_info, "dfp version, config, ports, workers");
	rte_telemetry_register_cmd("/dfp/stats", tel_stats,
		"datapath, callout runtime and module counters");
	rte_telemetry_register_cmd("/dfp/filters", tel_filters, "filters (at most 512)");
	rte_telemetry_register_cmd("/dfp/callouts", tel_callouts,
		"callout objects and registrations (at most 512)");
	rte_telemetry_register_cmd("/dfp/flows", tel_flows,
		"flow counts by state and a sample of 64 flows");
	rte_telemetry_register_cmd("/dfp/pended", tel_pended, "pended classifications");
}
