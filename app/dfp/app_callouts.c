/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Declared callouts: module instances, their management objects (the
 * declared callout and its companions, with the companions' match-all
 * inspection filters) and their registrations, kept consistent as one unit.
 *
 * Declaration happens inside a session's transaction; an instance whose
 * transaction aborts is forgotten. Registration registers companions first
 * (the declared callout associates contexts at them); unregistration checks
 * that no callout of the instance carries flow contexts (STATUS_DEVICE_BUSY,
 * nothing changed), then unregisters the declared callout first so that no
 * new context can appear, then the companions.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <rte_cycles.h>
#include <rte_log.h>

#include "app.h"
#include "dfp_wfp.h"

static void
unlink_instance(struct app_callout *co)
{
	struct app_callout **pp;

	for (pp = &dfp_app->callouts; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == co) {
			*pp = co->next;
			return;
		}
	}
}

static void
destroy_instance(struct app_callout *co)
{
	if (co->inst.destroy != NULL)
		co->inst.destroy(co->inst.state);
	dfp_module_plugin_unload(co->plugin);
	free(co);
}

struct app_callout *
app_callout_find_name(const char *name)
{
	struct app_callout *co;

	pthread_mutex_lock(&dfp_app->lock);
	for (co = dfp_app->callouts; co != NULL; co = co->next)
		if (strcasecmp(co->name, name) == 0)
			break;
	pthread_mutex_unlock(&dfp_app->lock);
	return co;
}

struct app_callout *
app_callout_find_key(const struct dfp_guid *key)
{
	struct app_callout *co;
	unsigned int i;

	pthread_mutex_lock(&dfp_app->lock);
	for (co = dfp_app->callouts; co != NULL; co = co->next) {
		for (i = 0; i < co->inst.n_callouts; i++)
			if (dfp_guid_equal(&co->inst.callouts[i].key, key))
				goto out;
	}
out:
	pthread_mutex_unlock(&dfp_app->lock);
	return co;
}

struct app_callout *
app_callout_find_id(uint32_t id)
{
	struct app_callout *co;
	unsigned int i;

	if (id == 0)
		return NULL;
	pthread_mutex_lock(&dfp_app->lock);
	for (co = dfp_app->callouts; co != NULL; co = co->next) {
		for (i = 0; i < co->inst.n_callouts; i++)
			if (co->ids[i] == id)
				goto out;
	}
out:
	pthread_mutex_unlock(&dfp_app->lock);
	return co;
}

struct find_obj {
	const char *name;
	struct dfp_guid key;
	unsigned int found;
};

static int
find_obj_one(void *arg, const struct dfp_engine_callout_info *c)
{
	struct find_obj *f = arg;

	if (strcasecmp(c->name, f->name) == 0) {
		f->key = c->key;
		f->found++;
	}
	return 0;
}

dfp_status_t
app_callout_key(struct dfp_ctl_session *s, const char *str, struct dfp_guid *key)
{
	struct app_callout *co;
	struct find_obj f = {.name = str};
	dfp_status_t st;

	if (dfp_guid_parse(str, key) == 0)
		return DFP_STATUS_SUCCESS;
	co = app_callout_find_name(str);
	if (co != NULL) {
		*key = co->inst.callouts[0].key;
		return DFP_STATUS_SUCCESS;
	}
	st = dfp_ctl_callout_foreach(s, find_obj_one, &f);
	if (st != DFP_STATUS_SUCCESS)
		return st;
	if (f.found != 1)
		return f.found == 0 ? DFP_STATUS_FWP_CALLOUT_NOT_FOUND : DFP_STATUS_INVALID_PARAMETER;
	*key = f.key;
	return DFP_STATUS_SUCCESS;
}

const struct dfp_module_host *
app_module_host(void)
{
	dfp_app->host.log = app_log_module;
	dfp_app->host.tsc_hz = rte_get_tsc_hz();
	dfp_app->host.n_workers = dfp_app->n_workers;
	dfp_app->host.ctl = dfp_app->ctl;
	return &dfp_app->host;
}

/* Add the management objects of an instance in s's open transaction. */
static dfp_status_t
add_objects(struct dfp_ctl_session *s, struct app_callout *co, char *err, size_t err_len)
{
	unsigned int i;
	dfp_status_t st;

	for (i = 0; i < co->inst.n_callouts; i++) {
		struct dfp_engine_callout_spec spec;
		const struct dfp_module_callout *mc = &co->inst.callouts[i];

		memset(&spec, 0, sizeof(spec));
		spec.key = mc->key;
		spec.name = i == 0 ? co->name : mc->name;
		spec.layer_id = mc->layer_id;
		st = dfp_ctl_callout_add(s, &spec, &co->ids[i]);
		if (st != DFP_STATUS_SUCCESS) {
			snprintf(err, err_len, "callout %s: FwpmCalloutAdd0: %s", spec.name,
				dfp_status_name(st));
			return st;
		}
	}
	for (i = 1; i < co->inst.n_callouts; i++) {
		struct dfp_engine_filter_spec f;
		const struct dfp_module_callout *mc = &co->inst.callouts[i];

		if (!mc->add_filter)
			continue;
		memset(&f, 0, sizeof(f));
		f.name = mc->name;
		f.layer_id = mc->layer_id;
		dfp_guid_parse(DFP_ENGINE_SUBLAYER_INSPECTION_KEY, &f.sublayer_key);
		f.action = DFP_ACTION_CALLOUT_INSPECTION;
		f.callout_key = mc->key;
		st = dfp_ctl_filter_add(s, &f, &co->companion_filters[i]);
		if (st != DFP_STATUS_SUCCESS) {
			snprintf(err, err_len, "callout %s: companion filter at %s: %s", mc->name,
				dfp_engine_layer_name(mc->layer_id), dfp_status_name(st));
			return st;
		}
	}
	co->objects = true;
	return DFP_STATUS_SUCCESS;
}

dfp_status_t
app_callout_declare(struct dfp_ctl_session *s, const char *name, const struct dfp_guid *key,
		uint16_t layer_id, const char *module, unsigned int n_params,
		const struct dfp_module_param *params, struct app_callout **out, char *err,
		size_t err_len)
{
	struct dfp_module_args args;
	struct app_callout *co;
	const struct dfp_module *mod = NULL;
	struct dfp_module_plugin *plugin = NULL;
	unsigned int i;
	dfp_status_t st;

	err[0] = '\0';
	if (strlen(name) >= sizeof(co->name) || strlen(module) >= sizeof(co->module)) {
		snprintf(err, err_len, "callout name or module path too long");
		return DFP_STATUS_INVALID_PARAMETER;
	}
	if (app_callout_find_name(name) != NULL || app_callout_find_key(key) != NULL) {
		snprintf(err, err_len, "callout %s: a callout with that name or key is declared",
			name);
		return DFP_STATUS_FWP_ALREADY_EXISTS;
	}
	if (strncmp(module, "builtin:", 8) == 0) {
		mod = dfp_module_builtin(module + 8);
		if (mod == NULL) {
			snprintf(err, err_len, "callout %s: no built-in module '%s' "
				"(count, verdict, conn_limit)", name, module + 8);
			return DFP_STATUS_OBJECT_NAME_NOT_FOUND;
		}
	} else {
		st = dfp_module_plugin_load(module, &plugin, &mod, err, err_len);
		if (st != DFP_STATUS_SUCCESS)
			return st;
	}
	co = calloc(1, sizeof(*co));
	if (co == NULL) {
		dfp_module_plugin_unload(plugin);
		snprintf(err, err_len, "out of memory");
		return DFP_STATUS_NO_MEMORY;
	}
	snprintf(co->name, sizeof(co->name), "%s", name);
	snprintf(co->module, sizeof(co->module), "%s", module);
	co->mod = mod;
	co->plugin = plugin;
	memset(&args, 0, sizeof(args));
	args.name = co->name;
	args.key = *key;
	args.layer_id = layer_id;
	args.n_params = n_params;
	args.params = params;
	args.host = app_module_host();
	st = mod->create(&args, &co->inst, err, err_len);
	if (st != DFP_STATUS_SUCCESS) {
		char m[256];

		snprintf(m, sizeof(m), "%s", err);
		snprintf(err, err_len, "callout %s (%s): %s", name, module,
			m[0] != '\0' ? m : dfp_status_name(st));
		co->inst.destroy = NULL;
		destroy_instance(co);
		return st;
	}
	if (co->inst.n_callouts == 0 || co->inst.n_callouts > DFP_MODULE_MAX_CALLOUTS) {
		snprintf(err, err_len, "callout %s: module %s returned %u callouts", name, mod->name,
			co->inst.n_callouts);
		destroy_instance(co);
		return DFP_STATUS_INVALID_PARAMETER;
	}
	co->inst.callouts[0].key = *key;
	co->inst.callouts[0].layer_id = layer_id;
	snprintf(co->inst.callouts[0].name, sizeof(co->inst.callouts[0].name), "%s", name);
	for (i = 1; i < co->inst.n_callouts; i++) {
		if (app_callout_find_key(&co->inst.callouts[i].key) != NULL) {
			snprintf(err, err_len, "callout %s: companion key already declared", name);
			destroy_instance(co);
			return DFP_STATUS_FWP_ALREADY_EXISTS;
		}
	}
	st = add_objects(s, co, err, err_len);
	if (st != DFP_STATUS_SUCCESS) {
		destroy_instance(co);
		return st;
	}
	co->pending = s;
	pthread_mutex_lock(&dfp_app->lock);
	co->next = dfp_app->callouts;
	dfp_app->callouts = co;
	pthread_mutex_unlock(&dfp_app->lock);
	if (out != NULL)
		*out = co;
	return DFP_STATUS_SUCCESS;
}

void
app_callout_forget(struct app_callout *co)
{
	unsigned int i;

	if (co == NULL)
		return;
	for (i = 0; i < co->inst.n_callouts; i++)
		if (co->registered[i])
			return;  /* Still registered: the objects are gone, the code is not. */
	pthread_mutex_lock(&dfp_app->lock);
	unlink_instance(co);
	pthread_mutex_unlock(&dfp_app->lock);
	destroy_instance(co);
}

void
app_callout_txn_aborted(struct dfp_ctl_session *s)
{
	struct app_callout *co, *next;

	for (co = dfp_app->callouts; co != NULL; co = next) {
		next = co->next;
		if (co->pending == s) {
			co->objects = false;
			co->pending = NULL;
			app_callout_forget(co);
		}
	}
}

void
app_callout_txn_committed(struct dfp_ctl_session *s)
{
	struct app_callout *co;

	pthread_mutex_lock(&dfp_app->lock);
	for (co = dfp_app->callouts; co != NULL; co = co->next)
		if (co->pending == s)
			co->pending = NULL;
	pthread_mutex_unlock(&dfp_app->lock);
}

static dfp_status_t
register_one(struct app_callout *co, unsigned int i)
{
	struct dfp_module_callout *mc = &co->inst.callouts[i];
	uint32_t id = 0;
	dfp_status_t st;

	if (mc->register_fn != NULL) {
		st = mc->register_fn(co->inst.state, i, &id);
	} else {
		struct dfp_callout_desc d = mc->desc;

		d.key = mc->key;
		d.name = mc->name;
		st = dfp_ctl_callout_register(dfp_app->ctl, &d, &id);
	}
	if (st == DFP_STATUS_SUCCESS) {
		co->ids[i] = id;
		co->registered[i] = true;
	}
	return st;
}

dfp_status_t
app_callout_register(struct app_callout *co, char *err, size_t err_len)
{
	unsigned int i, done = 0, n = co->inst.n_callouts;
	dfp_status_t st = DFP_STATUS_SUCCESS;

	err[0] = '\0';
	for (i = 0; i < n; i++)
		if (!co->registered[i])
			break;
	if (i == n) {
		snprintf(err, err_len, "callout %s is already registered", co->name);
		return DFP_STATUS_FWP_ALREADY_EXISTS;
	}
	/* Companions first: the declared callout associates contexts at them. */
	for (i = n; i-- > 0;) {
		if (co->registered[i])
			continue;
		st = register_one(co, i);
		if (st != DFP_STATUS_SUCCESS) {
			snprintf(err, err_len, "callout %s: registration failed: %s",
				co->inst.callouts[i].name, dfp_status_name(st));
			break;
		}
		done |= 1u << i;
	}
	if (st != DFP_STATUS_SUCCESS) {
		for (i = 0; i < n; i++) {
			if ((done & (1u << i)) != 0 &&
					FwpsCalloutUnregisterById0(co->ids[i]) == DFP_STATUS_SUCCESS)
				co->registered[i] = false;
		}
	}
	return st;
}

struct ctx_count {
	const struct app_callout *co;
	uint64_t n;
};

static int
ctx_count_one(void *arg, const struct dfp_callout_reg_info *r)
{
	struct ctx_count *cc = arg;
	unsigned int i;

	for (i = 0; i < cc->co->inst.n_callouts; i++)
		if (cc->co->registered[i] && cc->co->ids[i] == r->callout_id)
			cc->n += r->n_contexts;
	return 0;
}

dfp_status_t
app_callout_unregister(struct app_callout *co)
{
	struct ctx_count cc = {.co = co};
	unsigned int i, n = co->inst.n_callouts;
	bool any = false;
	dfp_status_t st;

	for (i = 0; i < n; i++)
		any |= co->registered[i];
	if (!any)
		return DFP_STATUS_FWP_CALLOUT_NOT_FOUND;
	dfp_callout_foreach(dfp_ctl_callouts(dfp_app->ctl), ctx_count_one, &cc);
	if (cc.n > 0)
		return DFP_STATUS_DEVICE_BUSY;
	/* The declared callout first: after it no new context can be associated. */
	for (i = 0; i < n; i++) {
		if (!co->registered[i])
			continue;
		st = FwpsCalloutUnregisterById0(co->ids[i]);
		if (st == DFP_STATUS_SUCCESS || st == DFP_STATUS_FWP_CALLOUT_NOT_FOUND)
			co->registered[i] = false;
		else
			return st;
	}
	return DFP_STATUS_SUCCESS;
}

dfp_status_t
app_callout_delete(struct dfp_ctl_session *s, struct app_callout *co)
{
	bool implicit;
	unsigned int i;
	dfp_status_t st;

	if (!co->objects)
		return DFP_STATUS_FWP_CALLOUT_NOT_FOUND;
	implicit = !dfp_ctl_session_in_txn(s);
	if (implicit) {
		st = dfp_ctl_txn_begin(s, 0);
		if (st != DFP_STATUS_SUCCESS)
			return st;
	}
	/* The declared object first: FWP_IN_USE while filters name it, nothing changed. */
	st = dfp_ctl_callout_delete_by_key(s, &co->inst.callouts[0].key);
	for (i = 1; st == DFP_STATUS_SUCCESS && i < co->inst.n_callouts; i++) {
		if (co->companion_filters[i] != 0) {
			st = dfp_ctl_filter_delete_by_id(s, co->companion_filters[i]);
			if (st == DFP_STATUS_FWP_FILTER_NOT_FOUND)
				st = DFP_STATUS_SUCCESS;
		}
		if (st == DFP_STATUS_SUCCESS) {
			st = dfp_ctl_callout_delete_by_key(s, &co->inst.callouts[i].key);
			if (st == DFP_STATUS_FWP_CALLOUT_NOT_FOUND)
				st = DFP_STATUS_SUCCESS;
		}
	}
	if (implicit) {
		if (st == DFP_STATUS_SUCCESS)
			st = dfp_ctl_txn_commit(s);
		if (st != DFP_STATUS_SUCCESS) {
			dfp_ctl_txn_abort(s);
			return st;
		}
	}
	if (st == DFP_STATUS_SUCCESS) {
		co->objects = false;
		for (i = 0; i < co->inst.n_callouts; i++)
			co->companion_filters[i] = 0;
	}
	return st;
}

void
app_callout_reap(void)
{
	struct app_callout *co, *next;

	for (co = dfp_app->callouts; co != NULL; co = next) {
		next = co->next;
		if (!co->objects && co->pending == NULL)
			app_callout_forget(co);
	}
}

void
app_callouts_shutdown(void)
{
	struct app_callout *co, *next;
	unsigned int i;

	for (co = dfp_app->callouts; co != NULL; co = next) {
		next = co->next;
		for (i = 0; i < co->inst.n_callouts; i++) {
			if (!co->registered[i])
				continue;
			if (FwpsCalloutUnregisterById0(co->ids[i]) != DFP_STATUS_SUCCESS)
				fprintf(stderr, "dfp: callout %s: unregister failed at shutdown\n",
					co->inst.callouts[i].name);
			co->registered[i] = false;
		}
	}
	pthread_mutex_lock(&dfp_app->lock);
	co = dfp_app->callouts;
	dfp_app->callouts = NULL;
	pthread_mutex_unlock(&dfp_app->lock);
	for (; co != NULL; co = next) {
		next = co->next;
		destroy_instance(co);
	}
}
