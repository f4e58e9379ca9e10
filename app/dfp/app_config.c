/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Applying a configuration: the datapath settings at start-up, and the
 * sublayers, callouts and filters as one transaction (start-up and
 * `config load`), all or nothing, with errors at the file's positions.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "app.h"

struct find_sublayer {
	const char *name;
	struct dfp_guid key;
	unsigned int found;
};

static int
find_sublayer_one(void *arg, const struct dfp_engine_sublayer_info *sl)
{
	struct find_sublayer *f = arg;

	if (strcasecmp(sl->name, f->name) == 0) {
		f->key = sl->key;
		f->found++;
	}
	return 0;
}

dfp_status_t
app_sublayer_key(struct dfp_ctl_session *s, const char *str, struct dfp_guid *key)
{
	struct find_sublayer f = {.name = str};
	dfp_status_t st;

	if (dfp_guid_parse(str, key) == 0)
		return DFP_STATUS_SUCCESS;
	if (strcasecmp(str, "universal") == 0)
		return dfp_guid_parse(DFP_ENGINE_SUBLAYER_UNIVERSAL_KEY, key) == 0 ?
			DFP_STATUS_SUCCESS : DFP_STATUS_INVALID_PARAMETER;
	if (strcasecmp(str, "inspection") == 0)
		return dfp_guid_parse(DFP_ENGINE_SUBLAYER_INSPECTION_KEY, key) == 0 ?
			DFP_STATUS_SUCCESS : DFP_STATUS_INVALID_PARAMETER;
	st = dfp_ctl_sublayer_foreach(s, find_sublayer_one, &f);
	if (st != DFP_STATUS_SUCCESS)
		return st;
	if (f.found != 1)
		return f.found == 0 ? DFP_STATUS_FWP_SUBLAYER_NOT_FOUND :
			DFP_STATUS_INVALID_PARAMETER;
	*key = f.key;
	return DFP_STATUS_SUCCESS;
}

void
app_config_dp(const struct dfp_conf *c, struct dfp_dp_conf *out)
{
	unsigned int i;

	memset(out, 0, sizeof(*out));
	out->n_ports = c->n_ports;
	for (i = 0; i < c->n_ports; i++) {
		struct dfp_dp_port_conf *p = &out->ports[i];

		snprintf(p->name, sizeof(p->name), "%s", c->ports[i].name);
		p->port_id = c->ports[i].port_id;
		p->role = c->ports[i].role == DFP_CONF_ROLE_INSIDE ? DFP_DP_ROLE_INSIDE :
			DFP_DP_ROLE_OUTSIDE;
		p->peer = c->ports[i].peer_index;
		p->rx_queues = c->ports[i].rx_queues != 0 ? c->ports[i].rx_queues : 1;
	}
	out->n_workers = c->workers.n_lcores;
	for (i = 0; i < c->workers.n_lcores; i++)
		out->worker_lcores[i] = c->workers.lcores[i];
	out->burst = c->workers.burst != 0 ? c->workers.burst : 32;
	out->flow_capacity = c->flows.capacity;
	out->idle_timeout_s = c->flows.idle_timeout_s;
	out->hold_packets = c->flows.hold_packets;
	out->full_policy = c->flows.full_policy == DFP_CONF_FULL_FAIL_OPEN ?
		DFP_DP_FULL_FAIL_OPEN : DFP_DP_FULL_FAIL_CLOSED;
	out->tcp_pickup = c->flows.tcp_pickup;
}

/* Error sink: a FILE, or the current client. */
struct sink {
	FILE *f;
	const char *path;
	unsigned int n;
};

static void __attribute__((format(printf, 3, 4)))
report(struct sink *k, const struct dfp_conf_pos *pos, const char *fmt, ...)
{
	char msg[384];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	k->n++;
	if (k->f != NULL)
		fprintf(k->f, "%s:%u:%u: %s\n", k->path, pos != NULL ? pos->line : 0,
			pos != NULL ? pos->col : 0, msg);
	else
		app_printf("%s:%u:%u: %s\n", k->path, pos != NULL ? pos->line : 0,
			pos != NULL ? pos->col : 0, msg);
}

static void
emit_sink(void *arg, const char *line)
{
	struct sink *k = arg;

	k->n++;
	if (k->f != NULL)
		fprintf(k->f, "%s\n", line);
	else
		app_printf("%s\n", line);
}

dfp_status_t
app_config_check_running(const struct dfp_conf *c, void (*emit)(void *arg, const char *line),
		void *arg)
{
	const struct dfp_conf *run = dfp_app->conf;
	char line[512];
	unsigned int i, bad = 0;

	if (c->has_ports) {
		bool same = c->n_ports == run->n_ports;

		for (i = 0; same && i < c->n_ports; i++) {
			const struct dfp_conf_port *a = &c->ports[i], *b = &run->ports[i];

			same = strcmp(a->name, b->name) == 0 && a->port_id == b->port_id &&
				a->role == b->role && a->peer_index == b->peer_index &&
				a->rx_queues == b->rx_queues;
		}
		if (!same) {
			snprintf(line, sizeof(line), "%s:%u:%u: ports differ from the running ones "
				"(restart the appliance to change them)", c->path,
				c->n_ports > 0 ? c->ports[0].pos.line : 0,
				c->n_ports > 0 ? c->ports[0].pos.col : 0);
			emit(arg, line);
			bad++;
		}
	}
	if (c->has_workers && (c->workers.n_lcores != run->workers.n_lcores ||
			memcmp(c->workers.lcores, run->workers.lcores,
				sizeof(c->workers.lcores[0]) * c->workers.n_lcores) != 0 ||
			(c->workers.burst != 0 && c->workers.burst != run->workers.burst))) {
		snprintf(line, sizeof(line), "%s:%u:%u: workers differ from the running ones",
			c->path, c->workers.pos.line, c->workers.pos.col);
		emit(arg, line);
		bad++;
	}
	if (c->has_eal) {
		bool same = c->n_eal == run->n_eal;

		for (i = 0; same && i < c->n_eal; i++)
			same = strcmp(c->eal[i], run->eal[i]) == 0;
		if (!same) {
			snprintf(line, sizeof(line), "%s:1:1: eal differs from the running one",
				c->path);
			emit(arg, line);
			bad++;
		}
	}
	if (c->has_flows && (c->flows.capacity != run->flows.capacity ||
			c->flows.idle_timeout_s != run->flows.idle_timeout_s ||
			c->flows.hold_packets != run->flows.hold_packets ||
			c->flows.pend_timeout_ms != run->flows.pend_timeout_ms ||
			c->flows.full_policy != run->flows.full_policy ||
			c->flows.tcp_pickup != run->flows.tcp_pickup)) {
		snprintf(line, sizeof(line), "%s:%u:%u: flows settings differ from the running ones",
			c->path, c->flows.pos.line, c->flows.pos.col);
		emit(arg, line);
		bad++;
	}
	return bad == 0 ? DFP_STATUS_SUCCESS : DFP_STATUS_INVALID_PARAMETER;
}

static dfp_status_t config_apply(struct dfp_ctl_session *s, const struct dfp_conf *c,
		bool running, FILE *errf, bool dry_run);

dfp_status_t
app_config_apply(struct dfp_ctl_session *s, const struct dfp_conf *c, bool running, FILE *errf)
{
	return config_apply(s, c, running, errf, false);
}

dfp_status_t
app_config_dry_run(struct dfp_ctl_session *s, const struct dfp_conf *c)
{
	return config_apply(s, c, true, NULL, true);
}

static dfp_status_t
config_apply(struct dfp_ctl_session *s, const struct dfp_conf *c, bool running, FILE *errf,
		bool dry_run)
{
	struct sink k = {.f = errf, .path = c->path};
	struct app_callout **declared = NULL;
	struct dfp_engine_filter_spec spec;
	unsigned int i, j, n_declared = 0;
	char err[384];
	dfp_status_t st, first = DFP_STATUS_SUCCESS;

	if (running) {
		st = app_config_check_running(c, emit_sink, &k);
		if (st != DFP_STATUS_SUCCESS)
			return st;
	}
	if (dfp_ctl_session_in_txn(s)) {
		report(&k, NULL, "a transaction is open on this session: commit or abort it first");
		return DFP_STATUS_FWP_TXN_IN_PROGRESS;
	}
	declared = calloc(c->n_callouts + 1, sizeof(*declared));
	if (declared == NULL)
		return DFP_STATUS_NO_MEMORY;
	st = dfp_ctl_txn_begin(s, 0);
	if (st != DFP_STATUS_SUCCESS) {
		report(&k, NULL, "cannot begin a transaction: %s", dfp_status_name(st));
		free(declared);
		return st;
	}
#define FAIL_(pos, stv, ...) do { \
		report(&k, pos, __VA_ARGS__); \
		if (first == DFP_STATUS_SUCCESS) first = (stv); \
	} while (0)
	for (i = 0; i < c->n_sublayers; i++) {
		struct dfp_engine_sublayer_spec sl;

		memset(&sl, 0, sizeof(sl));
		sl.key = c->sublayers[i].key;
		sl.name = c->sublayers[i].name;
		sl.weight = c->sublayers[i].weight;
		st = dfp_ctl_sublayer_add(s, &sl, NULL);
		if (st != DFP_STATUS_SUCCESS)
			FAIL_(&c->sublayers[i].pos, st, "sublayer %s: %s", sl.name,
				dfp_status_message(st));
	}
	for (i = 0; i < c->n_callouts && first == DFP_STATUS_SUCCESS; i++) {
		const struct dfp_conf_callout *cc = &c->callouts[i];
		struct dfp_module_param params[64];
		unsigned int np = cc->n_params < 64 ? cc->n_params : 64;

		for (j = 0; j < np; j++) {
			params[j].key = cc->params[j].key;
			params[j].value = cc->params[j].value;
		}
		st = app_callout_declare(s, cc->name, &cc->key, cc->layer_id, cc->module, np, params,
			&declared[n_declared], err, sizeof(err));
		if (st != DFP_STATUS_SUCCESS)
			FAIL_(st == DFP_STATUS_OBJECT_NAME_NOT_FOUND ||
				st == DFP_STATUS_REVISION_MISMATCH ? &cc->module_pos : &cc->pos, st,
				"%s", err);
		else
			n_declared++;
	}
	for (i = 0; i < c->n_filters && first == DFP_STATUS_SUCCESS; i++) {
		const struct dfp_conf_filter *f = &c->filters[i];

		spec = f->spec;
		spec.name = f->name;
		spec.conds = f->conds;
		if (!f->sublayer_resolved && f->sublayer[0] != '\0') {
			st = app_sublayer_key(s, f->sublayer, &spec.sublayer_key);
			if (st != DFP_STATUS_SUCCESS) {
				FAIL_(&f->sublayer_pos, DFP_STATUS_FWP_SUBLAYER_NOT_FOUND,
					"filter %s: unknown sublayer '%s'", f->name, f->sublayer);
				continue;
			}
		}
		if (!f->callout_resolved && f->callout[0] != '\0') {
			st = app_callout_key(s, f->callout, &spec.callout_key);
			if (st != DFP_STATUS_SUCCESS) {
				FAIL_(&f->callout_pos, DFP_STATUS_FWP_CALLOUT_NOT_FOUND,
					"filter %s: unknown callout '%s'", f->name, f->callout);
				continue;
			}
		}
		st = dfp_ctl_filter_add(s, &spec, NULL);
		if (st != DFP_STATUS_SUCCESS)
			FAIL_(&f->pos, st, "filter %s: %s (%s)", f->name, dfp_status_message(st),
				dfp_status_name(st));
	}
	/* Registrations before the commit, as a driver registers before BFE adds filters. */
	for (i = 0; !dry_run && i < n_declared && first == DFP_STATUS_SUCCESS; i++) {
		const struct dfp_conf_callout *cc = NULL;

		for (j = 0; j < c->n_callouts; j++)
			if (strcmp(c->callouts[j].name, declared[i]->name) == 0)
				cc = &c->callouts[j];
		if (cc == NULL || !cc->do_register)
			continue;
		st = app_callout_register(declared[i], err, sizeof(err));
		if (st != DFP_STATUS_SUCCESS)
			FAIL_(&cc->pos, st, "%s", err);
	}
	if (first == DFP_STATUS_SUCCESS && !dry_run) {
		st = dfp_ctl_txn_commit(s);
		if (st != DFP_STATUS_SUCCESS)
			FAIL_(NULL, st, "commit failed: %s", dfp_status_message(st));
	}
#undef FAIL_
	if (first != DFP_STATUS_SUCCESS || dry_run) {
		dfp_ctl_txn_abort(s);
		for (i = 0; i < n_declared; i++) {
			app_callout_unregister(declared[i]);
			declared[i]->objects = false;
			declared[i]->pending = NULL;
			app_callout_forget(declared[i]);
		}
	} else {
		app_callout_txn_committed(s);
	}
	free(declared);
	return first;
}
