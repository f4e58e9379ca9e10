/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The tests' stand-in for the appliance's side of lib/module (the host):
 * host services (a log that keeps its lines), and the glue that declares a
 * module instance on the datapath fixture (dp_fixture.h) as the appliance
 * does: create(), one management object per callout, a match-all
 * callout_inspection filter in FWPM_SUBLAYER_INSPECTION for each add_filter
 * companion, registration (register_fn or desc), and the way back
 * (unregister companions first with FwpsCalloutUnregisterById0, delete the
 * filters and objects, destroy()). Helpers assert with cmocka.
 */
#ifndef DFP_TEST_MOD_HOST_H
#define DFP_TEST_MOD_HOST_H

#include <stdbool.h>
#include <stdint.h>

#include "dfp_module.h"
#include "dp_fixture.h"

/* Lines the test log keeps (later ones are counted, not kept). */
#define MH_LOG_LINES 256

/* The host services every test instance gets (log, ctl, workers). */
extern struct dfp_module_host mh_host;

/* Point mh_host at a control plane and forget the logged lines. */
void mh_host_init(struct dfp_ctl *ctl, unsigned int n_workers);

/* Lines logged that contain `needle` (all lines for ""). */
unsigned int mh_log_count(const char *needle);

/* The i-th kept line (copied into buf), or NULL. */
const char *mh_log_line(unsigned int i, char *buf, size_t len);

/* Wait (bounded by ms) until mh_log_count(needle) >= n; returns the last count. */
unsigned int mh_log_wait(const char *needle, unsigned int n, unsigned int ms);

/* A declared callout: a module instance with its objects and registrations. */
struct mh_inst {
	const struct dfp_module *m;
	struct dfp_module_instance inst;
	uint32_t ids[DFP_MODULE_MAX_CALLOUTS];       /* Run-time ids. */
	bool registered[DFP_MODULE_MAX_CALLOUTS];
	uint64_t companion_filters[DFP_MODULE_MAX_CALLOUTS]; /* 0 = none. */
	uint64_t filters[8];                         /* Operator filters (mh_filter_add). */
	unsigned int n_filters;
	bool objects;
	bool created;
};

/*
 * Create an instance; returns create()'s status (message in err). On
 * success nothing is added to the engine yet.
 */
dfp_status_t mh_create(struct mh_inst *mi, const struct dfp_module *m, const char *name,
		const struct dfp_guid *key, uint16_t layer, const struct dfp_module_param *params,
		unsigned int n_params, char *err, size_t err_len);

/* Add the management objects and the companions' filters (asserts success). */
void mh_add_objects(struct fx *f, struct mh_inst *mi);

/* Register every callout, companions first (asserts success). */
void mh_register(struct mh_inst *mi);

/* mh_create (asserting success, random key) + mh_add_objects + mh_register. */
void mh_declare(struct fx *f, struct mh_inst *mi, const struct dfp_module *m, const char *name,
		uint16_t layer, const struct dfp_module_param *params, unsigned int n_params);

/*
 * An operator filter naming callouts[0] (deleted by mh_remove()); returns
 * its id. conds may be NULL (match all).
 */
uint64_t mh_filter_add(struct fx *f, struct mh_inst *mi, uint32_t action, uint64_t weight,
		const struct dfp_engine_cond *conds, unsigned int n_conds);

/*
 * Unregister the registered callouts, companions first, with
 * FwpsCalloutUnregisterById0; stops at (and returns) the first failure.
 */
dfp_status_t mh_unregister(struct mh_inst *mi);

/* Delete the filters and objects, then destroy() (everything must be unregistered). */
void mh_remove(struct fx *f, struct mh_inst *mi);

/* The instance's describe() line. */
const char *mh_describe(struct mh_inst *mi, char *buf, size_t len);

/* The number after `word ` in a describe() line (asserts it is there). */
uint64_t mh_stat(struct mh_inst *mi, const char *word);

/* ---- A test with the fixture, WFP bound, and instances torn down in host order ---- */

#define MT_MAX_INSTANCES 4

struct mt {
	struct fx *f;
	struct mh_inst inst[MT_MAX_INSTANCES];
	unsigned int n;
};

/* cmocka setup/teardown (the instances in t->inst[0..n-1] are removed by the teardown). */
int mt_setup(void **state);
int mt_setup_opts(void **state, const struct fx_opts *o);
int mt_teardown(void **state);

/* The next free instance of a test. */
struct mh_inst *mt_inst(struct mt *t);

#endif
