/* SPDX-License-Identifier: BSD-3-Clause */
/* dfp-bench's host side of lib/module (modhost.h). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>

#include "dfp_engine.h"
#include "dfp_guid.h"
#include "modhost.h"

/* A module's log line (only modules told to log write any): to stderr. */
static void __attribute__((format(printf, 3, 4)))
host_log(uint32_t level, const char *module, const char *fmt, ...)
{
	va_list ap;

	(void)level;
	fprintf(stderr, "[%s] ", module);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* One host for every instance: it names the control plane of the run. */
static struct dfp_module_host host = {
	.log = host_log,
};

/* The management objects and filters of co, in s's open transaction. */
static dfp_status_t
add_objects(struct dfp_ctl_session *s, const struct bench_module_spec *spec,
		struct bench_callout *co)
{
	struct dfp_engine_filter_spec f;
	struct dfp_engine_callout_spec cs;
	struct dfp_guid inspection;
	unsigned int i;
	dfp_status_t st;

	dfp_guid_parse(DFP_ENGINE_SUBLAYER_INSPECTION_KEY, &inspection);
	for (i = 0; i < co->inst.n_callouts; i++) {
		const struct dfp_module_callout *mc = &co->inst.callouts[i];

		memset(&cs, 0, sizeof(cs));
		cs.key = mc->key;
		cs.name = mc->name;
		cs.layer_id = mc->layer_id;
		st = dfp_ctl_callout_add(s, &cs, &co->ids[i]);
		if (st != DFP_STATUS_SUCCESS)
			return st;
	}
	for (i = 1; i < co->inst.n_callouts; i++) {
		const struct dfp_module_callout *mc = &co->inst.callouts[i];

		if (!mc->add_filter)
			continue;
		memset(&f, 0, sizeof(f));
		f.name = mc->name;
		f.layer_id = mc->layer_id;
		f.sublayer_key = inspection;
		f.action = DFP_ACTION_CALLOUT_INSPECTION;
		f.callout_key = mc->key;
		st = dfp_ctl_filter_add(s, &f, NULL);
		if (st != DFP_STATUS_SUCCESS)
			return st;
	}
	memset(&f, 0, sizeof(f));
	f.name = spec->name;
	f.layer_id = spec->layer_id;
	f.action = spec->action;
	f.callout_key = co->inst.callouts[0].key;
	return dfp_ctl_filter_add(s, &f, &co->filter_id);
}

/* Register callout i of co: by the module itself, or from its desc. */
static dfp_status_t
register_one(struct dfp_ctl *ctl, struct bench_callout *co, unsigned int i)
{
	const struct dfp_module_callout *mc = &co->inst.callouts[i];
	struct dfp_callout_desc d;
	uint32_t id = 0;
	dfp_status_t st;

	if (mc->register_fn != NULL) {
		st = mc->register_fn(co->inst.state, i, &id);
	} else {
		d = mc->desc;
		d.key = mc->key;
		d.name = mc->name;
		st = dfp_ctl_callout_register(ctl, &d, &id);
	}
	if (st == DFP_STATUS_SUCCESS) {
		co->ids[i] = id;
		co->registered[i] = true;
	}
	return st;
}

int
bench_callout_add(struct dfp_ctl *ctl, struct dfp_ctl_session *s,
		const struct bench_module_spec *spec, struct bench_callout *co)
{
	const struct dfp_module *m = dfp_module_builtin(spec->module);
	struct dfp_module_args a;
	char err[256] = "";
	unsigned int i;
	dfp_status_t st;

	memset(co, 0, sizeof(*co));
	if (m == NULL) {
		fprintf(stderr, "no built-in module '%s'\n", spec->module);
		return -1;
	}
	host.ctl = ctl;
	host.tsc_hz = rte_get_tsc_hz();
	host.n_workers = 1;
	memset(&a, 0, sizeof(a));
	a.name = spec->name;
	dfp_guid_generate(&a.key);
	a.layer_id = spec->layer_id;
	a.n_params = spec->n_params;
	a.params = spec->params;
	a.host = &host;
	st = m->create(&a, &co->inst, err, sizeof(err));
	if (st != DFP_STATUS_SUCCESS) {
		fprintf(stderr, "module %s: %s (%s)\n", spec->module, err, dfp_status_name(st));
		return -1;
	}
	co->created = true;
	st = dfp_ctl_txn_begin(s, 0);
	if (st == DFP_STATUS_SUCCESS) {
		st = add_objects(s, spec, co);
		if (st == DFP_STATUS_SUCCESS)
			st = dfp_ctl_txn_commit(s);
		if (st != DFP_STATUS_SUCCESS)
			dfp_ctl_txn_abort(s);
	}
	if (st != DFP_STATUS_SUCCESS) {
		fprintf(stderr, "callout %s: objects and filters: %s\n", spec->name,
			dfp_status_name(st));
		return -1;
	}
	/* Companions first: the declared callout associates contexts at them. */
	for (i = co->inst.n_callouts; i-- > 0;) {
		st = register_one(ctl, co, i);
		if (st != DFP_STATUS_SUCCESS) {
			fprintf(stderr, "callout %s: registration: %s\n", co->inst.callouts[i].name,
				dfp_status_name(st));
			return -1;
		}
	}
	return 0;
}

void
bench_callout_remove(struct dfp_ctl *ctl, struct bench_callout *co)
{
	unsigned int i;
	dfp_status_t st;

	if (!co->created)
		return;
	/* The declared callout first: after it no new context can be associated. */
	for (i = 0; i < co->inst.n_callouts; i++) {
		if (!co->registered[i])
			continue;
		st = dfp_ctl_callout_unregister_by_id(ctl, co->ids[i]);
		if (st != DFP_STATUS_SUCCESS)
			fprintf(stderr, "callout %s: unregister: %s\n", co->inst.callouts[i].name,
				dfp_status_name(st));
		co->registered[i] = false;
	}
	if (co->inst.destroy != NULL)
		co->inst.destroy(co->inst.state);
	co->created = false;
}

void
bench_callout_describe(const struct bench_callout *co, char *buf, size_t len)
{
	buf[0] = '\0';
	if (co->created && co->inst.describe != NULL)
		co->inst.describe(co->inst.state, buf, len);
}
