/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Callout modules: the code behind a configured callout (DESIGN §1, "Callouts
 * are code"). Built-in modules (`builtin:count`, `builtin:verdict`,
 * `builtin:conn_limit`) and plugins (a shared object named by the YAML
 * `module:` path) implement the same versioned descriptor.
 *
 * Model
 * -----
 * A module is a factory. For every callout the operator declares (YAML
 * `callouts:` item or console `callout add ... module M`), the host calls
 * the module's create() with the callout's name, key, layer and params; the
 * module returns an instance: its state and the callouts it supplies.
 * callouts[0] is the declared one; a module may add companions (at most
 * DFP_MODULE_MAX_CALLOUTS in all), e.g. `count` declared at
 * ALE_FLOW_ESTABLISHED adds one at STREAM and one at DATAGRAM_DATA that
 * count the flow's packets, as WFP's msnmntr sample does. For each
 * companion with add_filter set, the host adds the management object and
 * one match-all filter (action callout_inspection, FWPM_SUBLAYER_INSPECTION)
 * in the same transaction as the declared callout's object, and deletes
 * them with it. Companions are registered and unregistered together with
 * callouts[0] (companions first on unregister).
 *
 * A callout's code is registered either by the host, from `desc` (native
 * API, lib/callout), or by the module itself through `register_fn` (a
 * module written against the WFP compatibility header calls
 * FwpsCalloutRegister1() there, as a driver does in DriverEntry). Either
 * way the host unregisters with FwpsCalloutUnregisterById0() semantics
 * (STATUS_DEVICE_BUSY while flows carry contexts).
 *
 * Plugins
 * -------
 * A plugin exports one symbol, DFP_MODULE_SYMBOL, a const struct
 * dfp_module whose abi_version must equal DFP_MODULE_ABI_VERSION; the host
 * refuses any other version with a clear error and keeps running. Plugins
 * are loaded into the dfp process and resolve dfp's functions (native,
 * Fwps* and Fwpm*) from it: build them with the installed headers
 * (pkg-config libdfp) and do not link libdfp into them.
 *
 * Thread-safety
 * -------------
 * create(), destroy() and describe() run on a control thread. The callout
 * callbacks follow lib/callout's rules: classifyFn on workers (never
 * blocks), notifyFn on the control thread, flowDeleteFn on any thread.
 */
#ifndef DFP_MODULE_H
#define DFP_MODULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dfp_guid.h"
#include "dfp_status.h"
#include "dfp_callout.h"

#ifdef __cplusplus
extern "C" {
#endif

struct dfp_ctl;

/** The descriptor layout version this dfp understands. */
#define DFP_MODULE_ABI_VERSION 1u

/** Name of the symbol a plugin exports. */
#define DFP_MODULE_SYMBOL "dfp_module_descriptor"

/** Most callouts one instance supplies (the declared one + companions). */
#define DFP_MODULE_MAX_CALLOUTS 4

/** Longest callout or module name, including NUL. */
#define DFP_MODULE_NAME_SIZE 64

/** One `params:` entry (text). */
struct dfp_module_param {
	const char *key;
	const char *value;
};

/** Services the host offers a module (valid for the instance's life). */
struct dfp_module_host {
	/** Log a line (no newline needed) at an rte_log level (RTE_LOG_INFO...). Any thread. */
	void (*log)(uint32_t level, const char *module, const char *fmt, ...)
		__attribute__((format(printf, 3, 4)));
	/** TSC frequency (rte_get_tsc_hz()). */
	uint64_t tsc_hz;
	/** Worker count (flow tables / completion rings). */
	unsigned int n_workers;
	/**
	 * The control plane (added after the first draft; a host built
	 * against that draft leaves it NULL). Native modules use it for the
	 * callout runtime (dfp_ctl_callouts(): flow contexts and classify
	 * handles from classifyFn) and for native self-registration from
	 * register_fn (dfp_ctl_callout_register()). The built-in modules need
	 * it: their create() fails with STATUS_INVALID_PARAMETER without it.
	 * Plugins written against the WFP header use the Fwps* names instead
	 * (which need dfp_wfp_bind()).
	 */
	struct dfp_ctl *ctl;
};

/** What create() receives: one declared callout. */
struct dfp_module_args {
	const char *name;                 /**< Callout name in the configuration. */
	struct dfp_guid key;              /**< Callout key. */
	uint16_t layer_id;                /**< Applicable layer. */
	unsigned int n_params;            /**< params. */
	const struct dfp_module_param *params; /**< Valid during create() only. */
	const struct dfp_module_host *host;    /**< Host services. */
};

/** One callout an instance supplies. */
struct dfp_module_callout {
	struct dfp_guid key;              /**< Callout key ([0]: the declared key). */
	uint16_t layer_id;                /**< Its layer ([0]: the declared layer). */
	char name[DFP_MODULE_NAME_SIZE];  /**< Display name (companions: "<name>.stream"...). */
	bool add_filter;                  /**< Companion: host adds a match-all inspection filter. */
	/**
	 * Native registration, used when register_fn is NULL: the host calls
	 * dfp_ctl_callout_register() with it (key and name overwritten from above).
	 */
	struct dfp_callout_desc desc;
	/**
	 * Self-registration (WFP style): called on the control thread; must
	 * register the callout's code under `key` (e.g. FwpsCalloutRegister1)
	 * and return its status and the run-time id.
	 */
	dfp_status_t (*register_fn)(void *state, unsigned int index, uint32_t *id_out);
};

/** An instance: what create() fills. */
struct dfp_module_instance {
	void *state;                      /**< Module's state (passed back below). */
	unsigned int n_callouts;          /**< 1..DFP_MODULE_MAX_CALLOUTS. */
	struct dfp_module_callout callouts[DFP_MODULE_MAX_CALLOUTS];
	/**
	 * Optional: one line of counters for `show stats` / telemetry
	 * ("flows 3 packets 120 bytes 9000"). Returns snprintf's value.
	 */
	int (*describe)(void *state, char *buf, size_t len);
	/**
	 * Optional: called once every callout of the instance is unregistered
	 * and its objects deleted (or create's caller gave up): free the state.
	 */
	void (*destroy)(void *state);
};

/** The versioned descriptor (one per module). */
struct dfp_module {
	uint32_t abi_version;             /**< DFP_MODULE_ABI_VERSION. */
	uint32_t size;                    /**< sizeof(struct dfp_module) the module was built with. */
	const char *name;                 /**< Module name ("count", "example"...). */
	const char *description;          /**< One line. */
	/**
	 * Create an instance for one declared callout.
	 * @param err  receives a message on failure (e.g. "param 'max': not a number").
	 * @return STATUS_SUCCESS; STATUS_INVALID_PARAMETER (bad params or
	 *         layer); STATUS_NO_MEMORY.
	 */
	dfp_status_t (*create)(const struct dfp_module_args *args, struct dfp_module_instance *out,
			char *err, size_t err_len);
};

/** Declare a plugin's descriptor: DFP_MODULE_EXPORT = { .abi_version = ..., ... }; */
#define DFP_MODULE_EXPORT const struct dfp_module dfp_module_descriptor

/* ---- Host side (the appliance) ---- */

/** The built-in module named `name` ("count", "verdict", "conn_limit"), or NULL. */
const struct dfp_module *dfp_module_builtin(const char *name);

/** Call cb for each built-in module. */
void dfp_module_builtin_foreach(void (*cb)(void *arg, const struct dfp_module *m), void *arg);

/**
 * The key of companion `index` of a callout keyed `key`, as the built-in
 * modules derive it (added): deterministic, so a restart with the same
 * configuration gives the same companion keys, and distinct from any
 * random (version 4) key an operator writes.
 *
 * Derivation: read the key's 16 bytes in text order as two big-endian
 * 64-bit words hi, lo; with m() the splitmix64 finaliser and
 * g = 0x9e3779b97f4a7c15 * index (mod 2^64),
 *
 *     a = m(hi ^ m(lo ^ g)),  b = m(lo ^ a ^ g),
 *
 * the result is a:b in text order with the RFC 9562 version nibble set to
 * 8 (custom) and the variant bits to 10, i.e.
 * `xxxxxxxx-xxxx-8xxx-[89ab]xxx-xxxxxxxxxxxx`. index 0 gives `key` itself.
 * `count` uses index 1 for its STREAM companion and 2 for DATAGRAM_DATA.
 *
 * @param key    the declared callout's key.
 * @param index  0..DFP_MODULE_MAX_CALLOUTS-1.
 * @param out    receives the companion key (may alias key).
 * Any thread; pure.
 */
void dfp_module_companion_key(const struct dfp_guid *key, unsigned int index,
		struct dfp_guid *out);

/** A loaded plugin (shared object). */
struct dfp_module_plugin;

/**
 * Load a plugin: dlopen(path) with RTLD_NOW|RTLD_LOCAL, find
 * DFP_MODULE_SYMBOL, check abi_version and size.
 * @param err  receives a clear message on failure, e.g.
 *             "plugin.so: module ABI version 2, this dfp supports 1" or
 *             "plugin.so: no symbol dfp_module_descriptor".
 * @return STATUS_SUCCESS; STATUS_OBJECT_NAME_NOT_FOUND (cannot open, or no
 *         descriptor); STATUS_REVISION_MISMATCH (ABI version or size);
 *         STATUS_INVALID_PARAMETER (descriptor incomplete: no name or create).
 * Control thread.
 */
dfp_status_t dfp_module_plugin_load(const char *path, struct dfp_module_plugin **out,
		const struct dfp_module **module, char *err, size_t err_len);

/** dlclose a plugin once no instance of it is left. Accepts NULL. Control thread. */
void dfp_module_plugin_unload(struct dfp_module_plugin *p);

#ifdef __cplusplus
}
#endif

#endif /* DFP_MODULE_H */
