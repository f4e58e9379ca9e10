/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dfp-bench's host side of lib/module: a built-in callout module declared
 * and registered the way the appliance does it (app/dfp/app_callouts.c):
 * create the instance, add the management objects of every callout it
 * supplies and the companions' match-all inspection filters, plus one
 * filter at the declared layer naming callouts[0], in one transaction;
 * then register the companions first and the declared callout last.
 */
#ifndef DFP_BENCH_MODHOST_H
#define DFP_BENCH_MODHOST_H

#include <stddef.h>
#include <stdint.h>

#include "dfp_ctl.h"
#include "dfp_module.h"

/* Most params of one module. */
#define BENCH_MODULE_MAX_PARAMS 4

/* What to declare. */
struct bench_module_spec {
	const char *module;       /* Built-in module name ("count", "verdict"). */
	const char *name;         /* Callout name. */
	uint16_t layer_id;        /* Declared layer. */
	uint32_t action;          /* Of the filter naming callouts[0] (CALLOUT_INSPECTION or
				   * CALLOUT_TERMINATING); it matches everything. */
	unsigned int n_params;
	struct dfp_module_param params[BENCH_MODULE_MAX_PARAMS];
};

/* A declared and registered instance. */
struct bench_callout {
	struct dfp_module_instance inst;
	uint32_t ids[DFP_MODULE_MAX_CALLOUTS];     /* Run-time ids. */
	bool registered[DFP_MODULE_MAX_CALLOUTS];
	uint64_t filter_id;                        /* The filter naming callouts[0]. */
	bool created;
};

/*
 * Declare, add and register spec's module on ctl through session s.
 * Returns 0, or -1 after printing why (whatever was done is undone by
 * bench_callout_remove(), which the caller must still call).
 */
int bench_callout_add(struct dfp_ctl *ctl, struct dfp_ctl_session *s,
		const struct bench_module_spec *spec, struct bench_callout *co);

/*
 * Unregister (the declared callout first) and destroy the instance. The
 * datapath must be stopped (no flow holds a context). The management
 * objects stay until the control plane is destroyed.
 */
void bench_callout_remove(struct dfp_ctl *ctl, struct bench_callout *co);

/* The instance's one-line counters (describe()), or "" if it has none. */
void bench_callout_describe(const struct bench_callout *co, char *buf, size_t len);

#endif /* DFP_BENCH_MODHOST_H */
