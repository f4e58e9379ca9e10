/* SPDX-License-Identifier: BSD-3-Clause */
/* The tests' host side of lib/module (mod_host.h). */
#include <inttypes.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_log.h>

#include <cmocka.h>

#include "dfp_ctl.h"
#include "dfp_engine.h"
#include "dfp_guid.h"
#include "dfp_wfp.h"
#include "mod_host.h"

/* ---- Log ---- */

/*
 * host->log may be called from workers (flowDeleteFn, verdict's log);
 * a test may take a mutex there, the appliance would not.
 */
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static char log_lines[MH_LOG_LINES][256];
static unsigned int log_n;

static void
mh_log(uint32_t level, const char *module, const char *fmt, ...)
{
	char line[256];
	va_list ap;

	(void)level;
	(void)module;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&log_lock);
	if (log_n < MH_LOG_LINES)
		memcpy(log_lines[log_n], line, sizeof(line));
	log_n++;
	pthread_mutex_unlock(&log_lock);
}

struct dfp_module_host mh_host = {
	.log = mh_log,
};

void
mh_host_init(struct dfp_ctl *ctl, unsigned int n_workers)
{
	mh_host.ctl = ctl;
	mh_host.n_workers = n_workers;
	mh_host.tsc_hz = rte_get_tsc_hz();
	pthread_mutex_lock(&log_lock);
	log_n = 0;
	pthread_mutex_unlock(&log_lock);
}

unsigned int
mh_log_count(const char *needle)
{
	unsigned int i, n = 0;

	pthread_mutex_lock(&log_lock);
	for (i = 0; i < log_n && i < MH_LOG_LINES; i++)
		n += strstr(log_lines[i], needle) != NULL;
	pthread_mutex_unlock(&log_lock);
	return n;
}

const char *
mh_log_line(unsigned int i, char *buf, size_t len)
{
	const char *r = NULL;

	pthread_mutex_lock(&log_lock);
	if (i < log_n && i < MH_LOG_LINES) {
		snprintf(buf, len, "%s", log_lines[i]);
		r = buf;
	}
	pthread_mutex_unlock(&log_lock);
	return r;
}

unsigned int
mh_log_wait(const char *needle, unsigned int n, unsigned int ms)
{
	uint64_t end = rte_get_tsc_cycles() + rte_get_tsc_hz() * ms / 1000;
	unsigned int got;

	while ((got = mh_log_count(needle)) < n && rte_get_tsc_cycles() < end)
		usleep(500);
	return got;
}

/* ---- Instances ---- */

dfp_status_t
mh_create(struct mh_inst *mi, const struct dfp_module *m, const char *name,
		const struct dfp_guid *key, uint16_t layer, const struct dfp_module_param *params,
		unsigned int n_params, char *err, size_t err_len)
{
	struct dfp_module_args a;
	dfp_status_t st;

	memset(mi, 0, sizeof(*mi));
	mi->m = m;
	memset(&a, 0, sizeof(a));
	a.name = name;
	a.key = *key;
	a.layer_id = layer;
	a.n_params = n_params;
	a.params = params;
	a.host = &mh_host;
	err[0] = '\0';
	st = m->create(&a, &mi->inst, err, err_len);
	mi->created = st == DFP_STATUS_SUCCESS;
	if (mi->created) {
		assert_true(mi->inst.n_callouts >= 1);
		assert_true(mi->inst.n_callouts <= DFP_MODULE_MAX_CALLOUTS);
	}
	return st;
}

void
mh_add_objects(struct fx *f, struct mh_inst *mi)
{
	struct dfp_engine_filter_spec fs;
	struct dfp_engine_callout_spec cs;
	struct dfp_guid inspection;
	unsigned int i;

	assert_int_equal(dfp_guid_parse(DFP_ENGINE_SUBLAYER_INSPECTION_KEY, &inspection), 0);
	for (i = 0; i < mi->inst.n_callouts; i++) {
		const struct dfp_module_callout *co = &mi->inst.callouts[i];

		memset(&cs, 0, sizeof(cs));
		cs.key = co->key;
		cs.name = co->name;
		cs.layer_id = co->layer_id;
		assert_int_equal(dfp_ctl_callout_add(f->s, &cs, &mi->ids[i]), DFP_STATUS_SUCCESS);
	}
	mi->objects = true;
	for (i = 0; i < mi->inst.n_callouts; i++) {
		const struct dfp_module_callout *co = &mi->inst.callouts[i];

		if (!co->add_filter)
			continue;
		memset(&fs, 0, sizeof(fs));
		fs.name = co->name;
		fs.layer_id = co->layer_id;
		fs.sublayer_key = inspection;
		fs.action = DFP_ACTION_CALLOUT_INSPECTION;
		fs.callout_key = co->key;
		assert_int_equal(dfp_ctl_filter_add(f->s, &fs, &mi->companion_filters[i]),
			DFP_STATUS_SUCCESS);
	}
}

void
mh_register(struct mh_inst *mi)
{
	unsigned int n = mi->inst.n_callouts, k;

	/* Companions first, so callouts[0] never names an unregistered one. */
	for (k = 0; k < n; k++) {
		unsigned int i = (k + 1) % n;
		const struct dfp_module_callout *co = &mi->inst.callouts[i];
		struct dfp_callout_desc d;
		uint32_t id = 0;

		if (co->register_fn != NULL) {
			assert_int_equal(co->register_fn(mi->inst.state, i, &id), DFP_STATUS_SUCCESS);
		} else {
			d = co->desc;
			d.key = co->key;
			d.name = co->name;
			assert_int_equal(dfp_ctl_callout_register(mh_host.ctl, &d, &id),
				DFP_STATUS_SUCCESS);
		}
		/* One id per key: the management object's and the registration's (spec §1.8). */
		if (mi->objects)
			assert_int_equal(id, mi->ids[i]);
		mi->ids[i] = id;
		mi->registered[i] = true;
	}
}

void
mh_declare(struct fx *f, struct mh_inst *mi, const struct dfp_module *m, const char *name,
		uint16_t layer, const struct dfp_module_param *params, unsigned int n_params)
{
	struct dfp_guid key;
	char err[256];

	dfp_guid_generate(&key);
	if (mh_create(mi, m, name, &key, layer, params, n_params, err, sizeof(err)) !=
			DFP_STATUS_SUCCESS)
		fail_msg("%s create: %s", m->name, err);
	mh_add_objects(f, mi);
	mh_register(mi);
}

uint64_t
mh_filter_add(struct fx *f, struct mh_inst *mi, uint32_t action, uint64_t weight,
		const struct dfp_engine_cond *conds, unsigned int n_conds)
{
	uint64_t id;

	assert_true(mi->n_filters < RTE_DIM(mi->filters));
	id = fx_filter_add(f, mi->inst.callouts[0].layer_id, action, weight, conds, n_conds,
		&mi->inst.callouts[0].key);
	mi->filters[mi->n_filters++] = id;
	return id;
}

dfp_status_t
mh_unregister(struct mh_inst *mi)
{
	unsigned int n = mi->inst.n_callouts, k;
	dfp_status_t st;

	for (k = 0; k < n; k++) {
		unsigned int i = (k + 1) % n;

		if (!mi->registered[i])
			continue;
		/* The WFP name: also frees the adapter state of a WFP-style registration. */
		st = FwpsCalloutUnregisterById0(mi->ids[i]);
		if (st != DFP_STATUS_SUCCESS)
			return st;
		mi->registered[i] = false;
	}
	return DFP_STATUS_SUCCESS;
}

void
mh_remove(struct fx *f, struct mh_inst *mi)
{
	unsigned int i;

	if (!mi->created)
		return;
	for (i = 0; i < mi->inst.n_callouts; i++)
		assert_false(mi->registered[i]);
	for (i = 0; i < mi->n_filters; i++)
		assert_int_equal(dfp_ctl_filter_delete_by_id(f->s, mi->filters[i]),
			DFP_STATUS_SUCCESS);
	mi->n_filters = 0;
	for (i = 0; i < mi->inst.n_callouts; i++) {
		if (mi->companion_filters[i] != 0)
			assert_int_equal(dfp_ctl_filter_delete_by_id(f->s, mi->companion_filters[i]),
				DFP_STATUS_SUCCESS);
		mi->companion_filters[i] = 0;
	}
	if (mi->objects)
		for (i = 0; i < mi->inst.n_callouts; i++)
			assert_int_equal(dfp_ctl_callout_delete_by_key(f->s,
				&mi->inst.callouts[i].key), DFP_STATUS_SUCCESS);
	mi->objects = false;
	if (mi->inst.destroy != NULL)
		mi->inst.destroy(mi->inst.state);
	mi->created = false;
}

const char *
mh_describe(struct mh_inst *mi, char *buf, size_t len)
{
	assert_non_null(mi->inst.describe);
	assert_true(mi->inst.describe(mi->inst.state, buf, len) > 0);
	return buf;
}

uint64_t
mh_stat(struct mh_inst *mi, const char *word)
{
	char buf[512], pat[64];
	const char *p;

	mh_describe(mi, buf, sizeof(buf));
	snprintf(pat, sizeof(pat), "%s ", word);
	/* A whole word: at the start or after a space. */
	for (p = strstr(buf, pat); p != NULL && p != buf && p[-1] != ' '; p = strstr(p + 1, pat))
		;
	if (p == NULL)
		fail_msg("no '%s' in \"%s\"", word, buf);
	return strtoull(p + strlen(pat), NULL, 10);
}

/* ---- Tests ---- */

int
mt_setup_opts(void **state, const struct fx_opts *o)
{
	struct mt *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return -1;
	*state = t;
	if (fx_setup_opts((void **)&t->f, o) != 0)
		return -1;
	dfp_wfp_bind(t->f->ctl);
	mh_host_init(t->f->ctl, 1);
	return 0;
}

int
mt_setup(void **state)
{
	return mt_setup_opts(state, NULL);
}

int
mt_teardown(void **state)
{
	struct mt *t = *state;
	unsigned int i;

	if (t == NULL)
		return 0;
	if (t->f != NULL) {
		/* WFP unload order: the datapath ends every flow, so no context is left. */
		if (t->f->dp != NULL)
			dfp_dp_stop(t->f->dp);
		for (i = t->n; i-- > 0;) {
			if (!t->inst[i].created)
				continue;
			assert_int_equal(mh_unregister(&t->inst[i]), DFP_STATUS_SUCCESS);
			mh_remove(t->f, &t->inst[i]);
		}
		dfp_wfp_bind(NULL);
		fx_teardown((void **)&t->f);
	}
	free(t);
	*state = NULL;
	return 0;
}

struct mh_inst *
mt_inst(struct mt *t)
{
	assert_true(t->n < MT_MAX_INSTANCES);
	return &t->inst[t->n++];
}
