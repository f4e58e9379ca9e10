/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/module internals shared by the registry (module.c), the built-in
 * modules (mod_count.c, mod_verdict.c, mod_conn_limit.c) and the plugin
 * loader (plugin.c). Not for other modules.
 */
#ifndef MODULE_PRIVATE_H
#define MODULE_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dfp_log.h"
#include "dfp_module.h"

DFP_LOG_DECLARE(module);

/* The built-in descriptors (module.c lists them). */
extern const struct dfp_module mod_count;
extern const struct dfp_module mod_verdict;
extern const struct dfp_module mod_conn_limit;

/* snprintf into err (NULL or 0 length: nothing); always returns -1. */
int mod_err(char *err, size_t err_len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Checks every built-in create() shares, before anything else: arguments
 * present, a name that fits (with room for `suffix`, the longest companion
 * suffix, or ""), a host with a control plane, and no param outside
 * `known` (NULL-terminated) nor given twice. 0, or -1 with err set.
 */
int mod_args_check(const char *module, const struct dfp_module_args *a,
		const char *const *known, const char *suffix, char *err, size_t err_len);

/* The value of param `key`, or NULL if absent. */
const char *mod_param(const struct dfp_module_args *a, const char *key);

/*
 * An unsigned decimal (or 0x-hex) param in [lo, hi]; `def` when absent,
 * unless `mandatory`. 0, or -1 with err set ("param 'max': ...").
 */
int mod_param_u64(const struct dfp_module_args *a, const char *key, uint64_t lo, uint64_t hi,
		uint64_t def, bool mandatory, uint64_t *out, char *err, size_t err_len);

/* A boolean param (yes/no, true/false, on/off, 1/0); `def` when absent. */
int mod_param_bool(const struct dfp_module_args *a, const char *key, bool def, bool *out,
		char *err, size_t err_len);

/* An action param: permit or block (DFP_ACTION_*); `def` when absent. */
int mod_param_action(const struct dfp_module_args *a, const char *key, uint32_t def,
		uint32_t *out, char *err, size_t err_len);

/*
 * Write a terminating decision into a classify output as WFP callouts do:
 * BLOCK clears FWPS_RIGHT_ACTION_WRITE; PERMIT clears it too when the
 * filter has CLEAR_ACTION_RIGHT (spec §2.2).
 */
struct dfp_classify_out;
struct dfp_engine_filter_rt;
void mod_decide(struct dfp_classify_out *out, const struct dfp_engine_filter_rt *filter,
		uint32_t action);

/*
 * Fill `out` for an instance of one callout, the declared one (key, layer,
 * name from `a`), with native registration: the caller sets the returned
 * descriptor's functions and anything else it needs.
 */
struct dfp_callout_desc *mod_instance_single(struct dfp_module_instance *out,
		const struct dfp_module_args *a, void *state, const char *desc_name,
		int (*describe)(void *state, char *buf, size_t len), void (*destroy)(void *state));

/* Log through the host, if it offers a log function. */
#define MOD_LOG(host, level, module, ...) do { \
	if ((host) != NULL && (host)->log != NULL) \
		(host)->log((level), (module), __VA_ARGS__); \
} while (0)

#endif /* MODULE_PRIVATE_H */
