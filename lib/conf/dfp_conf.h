/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The configuration file (DESIGN §3) and the value grammar shared with the
 * console (DESIGN §4).
 *
 * Model
 * -----
 * dfp_conf_load() reads a YAML file with libyaml into a struct dfp_conf: a
 * plain description of ports, workers, flow settings, sublayers, callouts
 * and filters, each element carrying the position (line, column, 1-based)
 * where it starts in the file. Loading is all or nothing: on any error the
 * caller gets no configuration, only the list of errors, each printable as
 * `FILE:LINE:COL: message`. Unknown keys, wrong types, bad numbers,
 * addresses, ranges, GUIDs, names of layers, fields, match types, actions,
 * flags, sublayers and callouts, and duplicate keys (in one mapping) or
 * duplicate names (of sublayers, callouts, filters) are errors.
 *
 * References from filters to sublayers and callouts are resolved against
 * the file and the built-in sublayers ("universal", "inspection" and their
 * GUIDs). With DFP_CONF_EXTERNAL_REFS (console `config load` on a running
 * appliance), a reference the file does not define is kept as written and
 * left to the caller to resolve against the engine.
 *
 * The same value grammar serves the console's `filter add ... cond FIELD
 * MATCH VALUE`: see dfp_conf_cond_parse().
 *
 * Thread-safety
 * -------------
 * Everything here is plain C on caller-owned memory: any thread, MT-safe
 * on distinct objects. Nothing touches the engine.
 */
#ifndef DFP_CONF_H
#define DFP_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dfp_guid.h"
#include "dfp_status.h"
#include "dfp_engine.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Longest name of a port, sublayer, callout or filter, including NUL. */
#define DFP_CONF_NAME_SIZE 64
/** Most ports, worker lcores, EAL arguments in a file. */
#define DFP_CONF_MAX_PORTS 32
#define DFP_CONF_MAX_LCORES 64
#define DFP_CONF_MAX_EAL 128
/** Most errors kept (later ones are counted only). */
#define DFP_CONF_MAX_ERRORS 64
/** Largest configuration file (or buffer) read: 16 MiB. */
#define DFP_CONF_MAX_FILE_SIZE (16u << 20)
/** Most filters, sublayers and callouts in a file; most params of one callout. */
#define DFP_CONF_MAX_FILTERS 1000000
#define DFP_CONF_MAX_SUBLAYERS 1024
#define DFP_CONF_MAX_CALLOUTS 1024
#define DFP_CONF_MAX_PARAMS 64
/** Longest free text (EAL argument, module path, param value), without NUL. */
#define DFP_CONF_MAX_TEXT 4095

/** Where an element starts in the file (1-based; 0 = not from a file). */
struct dfp_conf_pos {
	uint32_t line;
	uint32_t col;
};

/** A port's role (DESIGN §1). */
enum dfp_conf_role {
	DFP_CONF_ROLE_OUTSIDE = 0,
	DFP_CONF_ROLE_INSIDE = 1,
};

/** `ports:` item {name, port, role, peer, rx_queues}. */
struct dfp_conf_port {
	char name[DFP_CONF_NAME_SIZE];
	uint16_t port_id;             /**< DPDK port id (`port:`). */
	enum dfp_conf_role role;
	char peer[DFP_CONF_NAME_SIZE];/**< Name of the peer port (must be in the file). */
	uint16_t peer_index;          /**< Its index in dfp_conf.ports (resolved). */
	uint16_t rx_queues;           /**< 1..16; default 1. */
	struct dfp_conf_pos pos;
};

/** `workers:` {lcores: [..], burst: N}. */
struct dfp_conf_workers {
	unsigned int n_lcores;                    /**< 0 = not given (the app picks). */
	unsigned int lcores[DFP_CONF_MAX_LCORES];
	unsigned int burst;                       /**< 1..64; default 32. */
	struct dfp_conf_pos pos;
};

/** What to do with a new flow when the flow table is full. */
enum dfp_conf_full_policy {
	DFP_CONF_FULL_FAIL_CLOSED = 0,
	DFP_CONF_FULL_FAIL_OPEN = 1,
};

/**
 * `flows:` {capacity, idle_timeout_s, hold_packets, pend_timeout_ms,
 * full_policy: fail_closed|fail_open, tcp_pickup: boolean}. Defaults: 65536,
 * 60, 32, 5000, fail_closed, no. Ranges: capacity 64..16777216,
 * idle_timeout_s 1..86400, hold_packets 1..4096, pend_timeout_ms
 * 1..3600000. tcp_pickup: whether a TCP segment of no flow other than a
 * connection request (SYN) opens a flow (mid-stream pickup) or is dropped
 * (no, WFP's model; dfp_dp.h).
 */
struct dfp_conf_flows {
	uint32_t capacity;
	uint32_t idle_timeout_s;
	uint32_t hold_packets;
	uint32_t pend_timeout_ms;
	enum dfp_conf_full_policy full_policy;
	bool tcp_pickup;
	struct dfp_conf_pos pos;
};

/** `sublayers:` item {name, key (optional), weight 0..65535}. */
struct dfp_conf_sublayer {
	char name[DFP_CONF_NAME_SIZE];
	struct dfp_guid key;          /**< Zero when not given (the engine generates one). */
	uint16_t weight;
	struct dfp_conf_pos pos;
};

/** One `params:` entry of a callout (scalar values only, kept as text). */
struct dfp_conf_param {
	char *key;
	char *value;
};

/**
 * `callouts:` item {name, key, layer, module, register (default true),
 * params: {K: V, ...}}. module is "builtin:NAME" or a path to a plugin.
 */
struct dfp_conf_callout {
	char name[DFP_CONF_NAME_SIZE];
	struct dfp_guid key;          /**< Mandatory in the file. */
	uint16_t layer_id;            /**< Applicable layer. */
	char *module;                 /**< As written. */
	bool do_register;             /**< `register:`. */
	unsigned int n_params;
	struct dfp_conf_param *params;
	struct dfp_conf_pos pos;
	struct dfp_conf_pos module_pos; /**< Position of the `module:` value (plugin errors). */
};

/**
 * `filters:` item. The spec is ready for dfp_ctl_filter_add() except the
 * sublayer and callout keys, which the caller resolves from the names kept
 * here (the loader already did when the file defines them: then
 * sublayer_resolved/callout_resolved are true and the keys are set).
 */
struct dfp_conf_filter {
	char name[DFP_CONF_NAME_SIZE];
	struct dfp_engine_filter_spec spec; /**< name points at .name; conds at .conds. */
	char sublayer[DFP_CONF_NAME_SIZE];  /**< As written (name or GUID); "" = default. */
	bool sublayer_resolved;             /**< spec.sublayer_key is set. */
	char callout[DFP_CONF_NAME_SIZE];   /**< As written (name or GUID); "" = none. */
	bool callout_resolved;              /**< spec.callout_key is set. */
	struct dfp_engine_cond *conds;      /**< spec.n_conds of them. */
	struct dfp_conf_pos pos;
	struct dfp_conf_pos sublayer_pos;   /**< For errors the caller reports. */
	struct dfp_conf_pos callout_pos;
};

/** A loaded configuration. Every section is optional; has_* says which were given. */
struct dfp_conf {
	char *path;                   /**< File it came from. */
	uint32_t version;             /**< `version:` (must be 1; mandatory). */
	unsigned int n_eal;
	char *eal[DFP_CONF_MAX_EAL];  /**< `eal:` list, in order. */
	bool has_eal;
	unsigned int n_ports;
	struct dfp_conf_port ports[DFP_CONF_MAX_PORTS];
	bool has_ports;
	struct dfp_conf_workers workers;
	bool has_workers;
	struct dfp_conf_flows flows;  /**< Defaults when !has_flows. */
	bool has_flows;
	unsigned int n_sublayers;
	struct dfp_conf_sublayer *sublayers;
	unsigned int n_callouts;
	struct dfp_conf_callout *callouts;
	unsigned int n_filters;
	struct dfp_conf_filter *filters;
};

/** One error. */
struct dfp_conf_error {
	struct dfp_conf_pos pos;
	char message[192];
};

/** Errors of one load. */
struct dfp_conf_errors {
	char path[256];               /**< File name as given (for printing). */
	unsigned int n;               /**< Errors seen (may exceed DFP_CONF_MAX_ERRORS). */
	struct dfp_conf_error e[DFP_CONF_MAX_ERRORS];
};

/** Loader flags. */
#define DFP_CONF_EXTERNAL_REFS 0x1u  /**< Keep unknown sublayer/callout references. */

/**
 * Load and validate a configuration file.
 * @param path   file to read.
 * @param flags  DFP_CONF_* flags.
 * @param out    receives the configuration (free with dfp_conf_free()).
 * @param errs   receives the errors (required).
 * @return STATUS_SUCCESS; STATUS_INVALID_PARAMETER (the file has errors,
 *         listed in errs; *out is NULL); STATUS_OBJECT_NAME_NOT_FOUND (the
 *         file cannot be read: one error at 0:0 with the reason);
 *         STATUS_NO_MEMORY.
 * Any thread; reads only `path`.
 */
dfp_status_t dfp_conf_load(const char *path, uint32_t flags, struct dfp_conf **out,
		struct dfp_conf_errors *errs);

/**
 * Load a configuration file that must lie inside a directory: what a
 * console or control-socket command (`config load|check FILE`) may read.
 * @param dir    the allowed directory (the start-up configuration's).
 * @param path   the file as the operator wrote it: relative to `dir`, or
 *               absolute. Every symlink and `..` is resolved (realpath());
 *               the result must be `dir`'s real path or below it and a
 *               regular file, checked before anything is opened and again
 *               on the opened file (its /proc/self/fd link), so a path
 *               changed in between cannot escape. Errors name `path`.
 * @param flags  DFP_CONF_* flags.
 * @param out    receives the configuration (free with dfp_conf_free()).
 * @param errs   receives the errors (required).
 * @return as dfp_conf_load(), and STATUS_ACCESS_DENIED (outside `dir`, not a
 *         regular file, or the opened file cannot be verified: one error at
 *         0:0 with the reason; nothing outside was opened or read). A name
 *         that does not exist is STATUS_OBJECT_NAME_NOT_FOUND only when its
 *         directory resolves inside `dir`, else STATUS_ACCESS_DENIED: the
 *         answer tells nothing about files elsewhere.
 * Any thread; reads only a file inside `dir`.
 */
dfp_status_t dfp_conf_load_within(const char *dir, const char *path, uint32_t flags,
		struct dfp_conf **out, struct dfp_conf_errors *errs);

/** As dfp_conf_load() on a buffer; `name` is used in messages. */
dfp_status_t dfp_conf_load_buffer(const char *name, const char *buf, size_t len, uint32_t flags,
		struct dfp_conf **out, struct dfp_conf_errors *errs);

/** Free a configuration. Accepts NULL. */
void dfp_conf_free(struct dfp_conf *c);

/**
 * Print the errors, one per line, as `FILE:LINE:COL: message` (and a final
 * "... and N more" line when some were not kept) into `f` (a FILE *).
 */
void dfp_conf_errors_print(const struct dfp_conf_errors *errs, void *f);

/**
 * Find the sublayer a filter's `sublayer` text names among the file's
 * sublayers, by name or by key. The integrator needs it for a filter whose
 * sublayer is defined in the file without a key (sublayer_resolved is then
 * false: the key exists only once the engine generated it).
 * @param c    a loaded configuration.
 * @param ref  a name or GUID text, e.g. dfp_conf_filter.sublayer.
 * @return its index in c->sublayers, or -1 (built-in or not in the file).
 * Any thread; pure.
 */
int dfp_conf_sublayer_find(const struct dfp_conf *c, const char *ref);

/**
 * As dfp_conf_sublayer_find() for a callout reference (name or key).
 * @return its index in c->callouts, or -1 if the file does not define it.
 * Any thread; pure.
 */
int dfp_conf_callout_find(const struct dfp_conf *c, const char *ref);

/* ---- The value grammar (shared with the console) ---- */

/**
 * Parse one condition: FIELD (engine field name, e.g. IP_LOCAL_PORT or
 * FWPM_CONDITION_IP_LOCAL_PORT), MATCH (equal, not_equal, greater, less,
 * greater_or_equal, less_or_equal, range, flags_all_set, flags_any_set,
 * flags_none_set) and VALUE as text, for a filter at `layer_id`:
 * - numbers: decimal or 0x-hex, range-checked to the field's width;
 * - IP_PROTOCOL: a number or tcp, udp, icmp, icmpv6, igmp, gre, esp, ah,
 *   sctp, ipv6-icmp;
 * - addresses: a.b.c.d, a.b.c.d/len, IPv6 and IPv6/len (the layer's family);
 * - MAC fields: aa:bb:cc:dd:ee:ff;
 * - DIRECTION: inbound | outbound | a number;
 * - ETHER_TYPE: ipv4 | ipv6 | arp | vlan | qinq | a number;
 * - FLAGS: a number or names joined by '|' or ',' (is_loopback,
 *   is_reauthorize, is_fragment, is_fragment_group, requires_ale_classify,
 *   is_reassembled: the DFP_COND_FLAG_* names in lower case);
 * - DFP_TCP_FLAGS: a number or fin, syn, rst, psh, ack, urg, ece, cwr
 *   joined by '|' or ',';
 * - range: "lo-hi" (addresses and numbers) or "[lo,hi]"; lo <= hi.
 * @return STATUS_SUCCESS, or STATUS_INVALID_PARAMETER with a message in err.
 */
dfp_status_t dfp_conf_cond_parse(uint16_t layer_id, const char *field, const char *match,
		const char *value, struct dfp_engine_cond *out, char *err, size_t err_len);

/**
 * Parse a weight: a uint64 number, "range:N" / "{range: N}" style is the
 * YAML's business; here "N" → EXPLICIT, "auto" → AUTO, "range:N" (0..15) →
 * RANGE.
 */
dfp_status_t dfp_conf_weight_parse(const char *s, enum dfp_engine_weight_type *type,
		uint64_t *weight, char *err, size_t err_len);

/**
 * Parse filter flags: names joined by ',' (persistent, clear_action_right,
 * permit_if_callout_unregistered: the DFP_FILTER_FLAG_* names in lower
 * case) into DFP_FILTER_FLAG_* bits.
 */
dfp_status_t dfp_conf_filter_flags_parse(const char *s, uint32_t *flags, char *err,
		size_t err_len);

/** Parse an unsigned number (decimal or 0x-hex) in [lo, hi]; no sign, no junk. */
dfp_status_t dfp_conf_u64_parse(const char *s, uint64_t lo, uint64_t hi, uint64_t *out);

#ifdef __cplusplus
}
#endif

#endif /* DFP_CONF_H */
