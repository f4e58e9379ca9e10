/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * ClassBench loader: the classic "wustl" 5-field rule sets and their
 * first-match traces (data/classbench/README.md, format 1), turned into dfp
 * filters and packet values.
 *
 * Self-contained (libc plus the engine's public types) so that tests and
 * the benchmark can share it: it lives with dfp-bench, and the ClassBench
 * tests take it through `classbench_dep` (app/dfp-bench/meson.build).
 *
 * Rule line (whitespace separated, one rule per line, file order = priority):
 *
 *     @src/len dst/len slo : shi dlo : dhi 0xPP/0xMM
 *
 * Trace line: `src dst sport dport proto rule`, addresses as host-order u32
 * decimals, rule = 1-based line number of the first matching rule.
 *
 * Mapping to dfp (layer INBOUND_TRANSPORT_V4, where local = destination,
 * DESIGN.md §1):
 *
 * | ClassBench          | dfp condition                                         |
 * |---------------------|-------------------------------------------------------|
 * | source a.b.c.d/len  | IP_REMOTE_ADDRESS equal; /32 plain, else with prefix   |
 * | dest a.b.c.d/len    | IP_LOCAL_ADDRESS, as above                            |
 * | sport lo : hi       | IP_REMOTE_PORT equal (lo == hi) or range              |
 * | dport lo : hi       | IP_LOCAL_PORT, as above                               |
 * | proto 0xPP/0xFF     | IP_PROTOCOL equal PP                                  |
 * | proto 0xPP/0x00     | nothing                                               |
 *
 * Wildcards (/0 prefixes, 0 : 65535 ranges, mask 0x00) give no condition
 * unless CLASSBENCH_KEEP_WILDCARDS asks for an always-true one (/0 prefix,
 * range 0..65535, protocol range 0..255). A protocol mask other than 0x00 or
 * 0xFF is rejected (none occurs in the wustl sets). The weight is explicit,
 * N - index for the rule at 0-based index among N, so file order is the
 * priority order.
 *
 * Thread-safety: functions are reentrant; loaded arrays are plain memory.
 */
#ifndef DFP_BENCH_CLASSBENCH_H
#define DFP_BENCH_CLASSBENCH_H

#include <stddef.h>
#include <stdint.h>

#include "dfp_engine.h"

/** Most conditions one rule converts to. */
#define CLASSBENCH_MAX_CONDS 5

/** classbench_rule_conds() flag: keep wildcards as always-true conditions. */
#define CLASSBENCH_KEEP_WILDCARDS 0x1u

/** One ClassBench rule as written in the file. */
struct classbench_rule {
	uint32_t src_addr;   /**< Source address, host order. */
	uint32_t dst_addr;   /**< Destination address, host order. */
	uint8_t src_len;     /**< Source prefix length, 0..32. */
	uint8_t dst_len;     /**< Destination prefix length, 0..32. */
	uint8_t proto;       /**< Protocol value. */
	uint8_t proto_mask;  /**< Protocol mask (0x00 = any, 0xFF = exact). */
	uint16_t sport_lo;   /**< Source port range, inclusive. */
	uint16_t sport_hi;
	uint16_t dport_lo;   /**< Destination port range, inclusive. */
	uint16_t dport_hi;
	uint32_t line;       /**< 1-based line number in the file. */
};

/** One trace header. */
struct classbench_packet {
	uint32_t src_addr;   /**< Source address, host order. */
	uint32_t dst_addr;   /**< Destination address, host order. */
	uint16_t src_port;   /**< Source port. */
	uint16_t dst_port;   /**< Destination port. */
	uint8_t proto;       /**< Protocol. */
	uint32_t rule;       /**< 1-based line of the first matching rule. */
};

/**
 * Load a wustl rule file.
 *
 * @param path      file to read.
 * @param rules     receives a malloc'ed array (free with free()).
 * @param n_rules   receives its length.
 * @param err       receives "path:line: message" on failure; may be NULL.
 * @param err_size  size of err in bytes.
 * @return 0, or a negative errno (-ENOENT..., -EINVAL on a syntax error,
 *         -ENOMEM).
 */
int classbench_rules_load(const char *path, struct classbench_rule **rules, uint32_t *n_rules,
		char *err, size_t err_size);

/**
 * Load a wustl trace file (six columns).
 *
 * @param packets    receives a malloc'ed array (free with free()).
 * @param n_packets  receives its length.
 * @return as classbench_rules_load().
 */
int classbench_trace_load(const char *path, struct classbench_packet **packets,
		uint32_t *n_packets, char *err, size_t err_size);

/**
 * Convert a rule to conditions (see the table above).
 *
 * @param flags  0 or CLASSBENCH_KEEP_WILDCARDS.
 * @param conds  receives up to CLASSBENCH_MAX_CONDS conditions.
 * @return the number of conditions (0 = match all), or -EINVAL for a
 *         protocol mask other than 0x00/0xFF.
 */
int classbench_rule_conds(const struct classbench_rule *r, unsigned int flags,
		struct dfp_engine_cond conds[CLASSBENCH_MAX_CONDS]);

/** Explicit weight of the rule at 0-based `index` among `n_rules`: n_rules - index. */
uint64_t classbench_rule_weight(uint32_t index, uint32_t n_rules);

/**
 * Fill a filter spec for a rule: layer INBOUND_TRANSPORT_V4, default
 * sublayer, explicit weight classbench_rule_weight(), action PERMIT, name
 * "cb<line>". The caller may change any member before the add.
 *
 * @param conds  CLASSBENCH_MAX_CONDS entries the spec will point to.
 * @param name   buffer for the name the spec will point to.
 * @return 0, or -EINVAL as classbench_rule_conds().
 */
int classbench_rule_spec(const struct classbench_rule *r, uint32_t index, uint32_t n_rules,
		unsigned int flags, struct dfp_engine_cond conds[CLASSBENCH_MAX_CONDS], char *name,
		size_t name_size, struct dfp_engine_filter_spec *spec);

/** Fill the values an INBOUND_TRANSPORT_V4 classification sees for a trace header. */
void classbench_packet_values(const struct classbench_packet *p, struct dfp_engine_values *v);

#endif /* DFP_BENCH_CLASSBENCH_H */
