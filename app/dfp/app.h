/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The appliance (app/dfp): shared state of the command line, configuration,
 * console, control socket and telemetry front ends.
 *
 * Model
 * -----
 * One struct dfp_app per process owns the control plane (lib/ctl), the
 * datapath (lib/dp) and the callout instances the operator declared (each a
 * lib/module instance: its management objects and registrations). Every
 * front end drives it through the same functions: the console, the control
 * socket and --cmdline-file run the console grammar (console.c and the
 * cmd_*.c families), the YAML file is applied by app_config.c, telemetry
 * reads it (telemetry.c).
 *
 * A front end is a client: where its output goes and its WFP engine session
 * (each control-socket connection is its own session). Command handlers run
 * on the client's thread and find it with app_client_current().
 *
 * Thread-safety
 * -------------
 * Every function here runs on a control thread (main, console, a socket
 * client's thread, the telemetry thread), never on a worker. app->lock
 * guards the callout instance list; dfp_ctl serialises engine changes
 * itself (one transaction at a time, across sessions) and must never be
 * called with app->lock held while it may wait for another session.
 */
#ifndef DFP_APP_H
#define DFP_APP_H

#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "dfp_conf.h"
#include "dfp_ctl.h"
#include "dfp_dp.h"
#include "dfp_module.h"
#include "dfp_status.h"

/** A declared callout: a module instance with its objects and registrations. */
struct app_callout {
	char name[DFP_CONF_NAME_SIZE];      /**< Declared name. */
	char module[256];                   /**< "builtin:NAME" or a plugin path. */
	const struct dfp_module *mod;       /**< The module. */
	struct dfp_module_plugin *plugin;   /**< Its shared object, or NULL (built-in). */
	struct dfp_module_instance inst;    /**< What create() returned. */
	uint32_t ids[DFP_MODULE_MAX_CALLOUTS]; /**< Run-time ids (object or registration). */
	bool registered[DFP_MODULE_MAX_CALLOUTS]; /**< Registered by us. */
	bool objects;                       /**< Management objects exist. */
	uint64_t companion_filters[DFP_MODULE_MAX_CALLOUTS]; /**< Filter ids (0 = none). */
	struct dfp_ctl_session *pending;    /**< Declared in this session's open transaction. */
	struct app_callout *next;
};

/** Command-line options (DESIGN §2). */
struct app_options {
	const char *config;        /**< -f; NULL = the bundled demo. */
	bool interactive;          /**< -i. */
	const char *cmdline_file;  /**< --cmdline-file. */
	const char *control;       /**< --control PATH. */
	bool check_config;         /**< --check-config. */
	int auto_start;            /**< --auto-start = 1, --no-auto-start = 0, default -1. */
};

/** The appliance. */
struct dfp_app {
	struct app_options opt;
	struct dfp_conf *conf;           /**< Start-up configuration. */
	struct dfp_ctl *ctl;
	struct dfp_dp *dp;
	struct dfp_ctl_session *session; /**< The appliance's own (start-up config, console). */
	pthread_mutex_t lock;            /**< Guards callouts. */
	struct app_callout *callouts;
	struct dfp_module_host host;     /**< Services offered to modules. */
	volatile int quit;               /**< Set by quit / signals. */
	volatile int quit_signal;        /**< Signal that asked to quit, or 0. */
	unsigned int n_workers;
};

/** The process's appliance (one per process). */
extern struct dfp_app *dfp_app;

/* ---- Clients and output (console.c) ---- */

/** Where a command's output goes, and its session. */
struct app_client {
	int out_fd;                          /**< Output descriptor. */
	struct dfp_ctl_session *session;     /**< Its WFP engine session. */
	struct cmdline *cl;                  /**< rte_cmdline object (parse, completion). */
	const char *kind;                    /**< "console", "socket", "file". */
	char buf[8192];                      /**< Pending output. */
	size_t len;
	bool broken;                         /**< Output failed (peer gone). */
	dfp_status_t last_status;            /**< Status of the last command. */
};

/** The client of the calling thread's current command. */
struct app_client *app_client_current(void);

/** Print to the current client (buffered; flushed by app_status()). */
void app_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/** End the current command: print `status: NAME (0x...)` and flush. */
void app_status(dfp_status_t st);

/** Print an `error: ...` line and end the command with st. */
void app_fail(dfp_status_t st, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/**
 * Run one console line for a client: checks it (length, bytes), parses it
 * with the console grammar, runs it; every line that is not empty or a
 * comment ends with exactly one status line.
 * @return the command's status (STATUS_SUCCESS for empty lines).
 */
dfp_status_t app_console_exec(struct app_client *c, const char *line);

/** As app_console_exec() for a line of len bytes that may hold NUL bytes (refused). */
dfp_status_t app_console_exec_n(struct app_client *c, const char *line, size_t len);

/** Create a client writing to fd with its own session (NULL session = the app's). */
struct app_client *app_client_new(int out_fd, const char *kind, bool own_session);

/** Free a client (closes its own session, not its fd). */
void app_client_free(struct app_client *c);

/** Run --cmdline-file: every line through app_console_exec(). 0 ok, -1 cannot read. */
int app_console_run_file(const char *path);

/** Interactive console on the terminal until quit or EOF. */
void app_console_interactive(void);

/** The rte_cmdline context (all command families). */
void *app_console_ctx(void);

/* ---- Control socket (control.c) ---- */

/** Start the control socket server (a thread). 0, or -1 with a message printed. */
int app_control_start(const char *path);

/** Stop it: close the listener and every client, remove the socket file. */
void app_control_stop(void);

/* ---- Telemetry (telemetry.c) ---- */

/** Register the /dfp/... telemetry endpoints. */
void app_telemetry_register(void);

/* ---- Callout instances (app_callouts.c) ---- */

/**
 * Declare a callout: create the module instance, then (inside the
 * session's open transaction) add the management objects of it and its
 * companions and the companions' match-all inspection filters.
 * @param err  receives a message on failure.
 * @param out  receives the instance (linked into the app's list).
 */
dfp_status_t app_callout_declare(struct dfp_ctl_session *s, const char *name,
		const struct dfp_guid *key, uint16_t layer_id, const char *module,
		unsigned int n_params, const struct dfp_module_param *params,
		struct app_callout **out, char *err, size_t err_len);

/** Undo a declaration that was never committed (transaction aborted). */
void app_callout_forget(struct app_callout *co);

/** Register every callout of an instance (companions first). */
dfp_status_t app_callout_register(struct app_callout *co, char *err, size_t err_len);

/**
 * Unregister an instance's callouts (FwpsCalloutUnregisterById0 semantics
 * over all of them): STATUS_DEVICE_BUSY and nothing changed while any of
 * them has flow contexts.
 */
dfp_status_t app_callout_unregister(struct app_callout *co);

/** Delete an instance's management objects (FwpmCalloutDelete*): FWP_IN_USE while named. */
dfp_status_t app_callout_delete(struct dfp_ctl_session *s, struct app_callout *co);

/** A session's transaction was aborted: forget instances declared in it. */
void app_callout_txn_aborted(struct dfp_ctl_session *s);

/** A session's transaction was committed: its declarations are now live. */
void app_callout_txn_committed(struct dfp_ctl_session *s);

/** Find an instance by name, key, or run-time id of its main callout. NULL if none. */
struct app_callout *app_callout_find_name(const char *name);
struct app_callout *app_callout_find_key(const struct dfp_guid *key);
struct app_callout *app_callout_find_id(uint32_t id);

/** The services offered to modules. */
const struct dfp_module_host *app_module_host(void);

/** Free instances with neither objects nor registrations. */
void app_callout_reap(void);

/** Unregister everything and free every instance (shutdown). */
void app_callouts_shutdown(void);

/* ---- The modules' log (app_log.c) ---- */

/**
 * Create the queue that carries module log lines logged on worker lcores to
 * the control thread. Main thread, after EAL init, before the datapath.
 * @return 0, or -1 (message printed).
 */
int app_log_init(void);

/**
 * dfp_module_host.log. Any thread: on a worker lcore the line is queued
 * (dropped and counted when the queue is full, never waited for); on
 * control threads it is written at once.
 */
void app_log_module(uint32_t level, const char *module, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/** Write every queued line out; returns how many. Any control thread. */
unsigned int app_log_drain(void);

/** Lines queued by workers since start, and lines dropped. Any thread. */
void app_log_counts(uint64_t *queued, uint64_t *dropped);

/** Drain and free the queue. Main thread, once workers have stopped. */
void app_log_fini(void);

/** A callout's key from a declared name, a management object's name, or a GUID. */
dfp_status_t app_callout_key(struct dfp_ctl_session *s, const char *str, struct dfp_guid *key);

/* ---- Configuration (app_config.c) ---- */

/** A sublayer's key from a GUID, a built-in name or a display name (unique). */
dfp_status_t app_sublayer_key(struct dfp_ctl_session *s, const char *str, struct dfp_guid *key);


/**
 * Apply a configuration's sublayers, callouts and filters as one
 * transaction on session s; register the callouts marked `register`.
 * Errors are printed as FILE:LINE:COL: message to `errf` (FILE *) or, when
 * NULL, to the current client.
 * @return STATUS_SUCCESS, or the first failure (nothing changed).
 */
dfp_status_t app_config_apply(struct dfp_ctl_session *s, const struct dfp_conf *c, bool running,
		FILE *errf);

/**
 * Check a configuration against the running appliance without changing it:
 * the same steps as app_config_apply() in a transaction that is aborted
 * (no registration). Errors go to the current client.
 */
dfp_status_t app_config_dry_run(struct dfp_ctl_session *s, const struct dfp_conf *c);

/**
 * Check that a file's ports/workers/eal (when present) match the running
 * appliance; mismatches are emitted as FILE:LINE:COL: lines.
 */
dfp_status_t app_config_check_running(const struct dfp_conf *c,
		void (*emit)(void *arg, const char *line), void *arg);

/** Fill a datapath configuration from a loaded one. */
void app_config_dp(const struct dfp_conf *c, struct dfp_dp_conf *out);

/* ---- Lifecycle (main.c) ---- */

/** Ask the main thread to shut down (quit command, signals). Any thread. */
void app_request_quit(int sig);

/** Emit every statistic as `name: value` lines (show stats, stop, shutdown). */
void app_stats_emit(void (*emit)(void *arg, const char *line), void *arg);

/** app_stats_emit() sinks: the current client, or a FILE * (arg). */
void app_emit_client(void *arg, const char *line);
void app_emit_file(void *arg, const char *line);

/* ---- Helpers (cmd_common.c) ---- */

/** Parse a uint64 (decimal or 0x-hex), whole string. */
bool app_parse_u64(const char *s, uint64_t *out);

/** Parse a layer name or id. -1 if unknown. */
int app_parse_layer(const char *s);

/** Format a flow key "PROTO SRC:SPORT > DST:DPORT" (IPv6 in brackets). */
void app_format_flow(const void *flow_info, char *buf, size_t len);

#endif /* DFP_APP_H */
