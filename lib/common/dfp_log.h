/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Logging: one RTE log type per module, named dfp.<module>.
 *
 * Control threads log where an outcome is decided. Workers never log above
 * DEBUG (STYLE §6). Modules that must build without EAL (unit tests of pure
 * code) still compile: rte_log works before rte_eal_init() and writes to
 * stderr.
 */
#ifndef DFP_LOG_H
#define DFP_LOG_H

#include <rte_log.h>

/**
 * Declare and register a module's log type, e.g. DFP_LOG_REGISTER(engine).
 * Use once per module in one .c file.
 */
#define DFP_LOG_REGISTER(mod) RTE_LOG_REGISTER(dfp_logtype_##mod, dfp.mod, INFO)

/** Declare a module's log type in its private header. */
#define DFP_LOG_DECLARE(mod) extern int dfp_logtype_##mod

/** Log at LEVEL (ERR, WARNING, INFO, DEBUG) for module mod. */
#define DFP_LOG(mod, level, fmt, ...) \
	rte_log(RTE_LOG_##level, dfp_logtype_##mod, "dfp." #mod ": " fmt "\n", ##__VA_ARGS__)

#endif /* DFP_LOG_H */
