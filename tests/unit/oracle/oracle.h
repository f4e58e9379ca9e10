/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * A deliberately naive reference classifier for testing the engine.
 *
 * The oracle answers the same question as dfp_engine_match_burst(): for one
 * packet, which filter of each sublayer matches first. It shares no code
 * with lib/engine beyond the public vocabulary (field and match numbers, the
 * struct dfp_engine_values input): it has its own rule representation, its
 * own field accessor and its own evaluation of every match type, so a bug in
 * the engine's condition code or compiler cannot hide behind the same bug
 * here.
 *
 * Semantics (spec/wfp-semantics.md §1.5, §1.6, §10.21; DESIGN.md §3):
 * - A value is a big-endian 128-bit number, kept as 16 bytes and compared
 *   byte by byte; fields narrower than 128 bits sit in the low bytes. An
 *   IPv4 address is its host-order u32, an IPv6 address its 16 bytes in
 *   network order, a MAC address its 6 bytes.
 * - equal / not_equal with a prefix test the leading prefix_len bits of the
 *   field (not_equal: outside the block); greater, less, greater_or_equal,
 *   less_or_equal compare numerically; range is inclusive at both ends;
 *   flags_all_set is (x & m) == m, flags_any_set (x & m) != 0,
 *   flags_none_set (x & m) == 0.
 * - Conditions on the same field are OR-ed wherever they stand in the list,
 *   different fields AND-ed; no conditions matches everything.
 * - Sublayers are ordered by weight (descending), then creation order.
 *   Inside a sublayer filters are ordered by weight (descending), then
 *   filter id (ascending); the first match is the sublayer's answer.
 *
 * Speed is not a goal: every packet walks every rule in order.
 *
 * Thread-safety: an oracle is not MT-safe while being built; once
 * oracle_prepare() returned, oracle_match() may run from any thread.
 */
#ifndef DFP_TEST_ORACLE_H
#define DFP_TEST_ORACLE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "dfp_engine.h"

/** Most sublayers an oracle tracks. */
#define ORACLE_MAX_SUBLAYERS 32

/** A field value: 16 bytes, most significant first. */
struct oracle_val {
	uint8_t b[16]; /**< Big-endian bytes. */
};

/** One condition. */
struct oracle_cond {
	uint16_t field;          /**< enum dfp_field. */
	uint16_t match;          /**< enum dfp_match. */
	int prefix_len;          /**< equal/not_equal address prefix in bits; -1 = none. */
	struct oracle_val a;     /**< Operand; range low end; flags mask. */
	struct oracle_val b;     /**< Range high end (inclusive). */
};

struct oracle;

/**
 * Create an empty oracle for one layer.
 *
 * @param family  4, 6 or 0 (MAC layers): decides how address fields read.
 * @return the oracle, or NULL when out of memory.
 */
struct oracle *oracle_create(unsigned int family);

/** Free an oracle and its rules; accepts NULL. */
void oracle_destroy(struct oracle *o);

/**
 * Declare a sublayer. Sublayers are numbered in creation order from 0, and
 * that order breaks ties between equal weights.
 *
 * @return the sublayer's index, or -1 when ORACLE_MAX_SUBLAYERS are in use.
 */
int oracle_sublayer_add(struct oracle *o, uint16_t weight);

/**
 * Add a rule. The conditions are copied.
 *
 * @param sublayer  index returned by oracle_sublayer_add().
 * @param id        the engine's filter id (the tie-break and the answer).
 * @param weight    the effective 64-bit weight.
 * @return 0, or -1 on a bad sublayer or no memory.
 */
int oracle_rule_add(struct oracle *o, int sublayer, uint64_t id, uint64_t weight,
		unsigned int n_conds, const struct oracle_cond *conds);

/** Convert an engine condition to the oracle's form (a plain copy of the operands). */
void oracle_cond_from_engine(const struct dfp_engine_cond *c, struct oracle_cond *out);

/** Put the rules in priority order; call after the last oracle_rule_add(). */
void oracle_prepare(struct oracle *o);

/**
 * Classify one packet.
 *
 * @param v    the packet's values.
 * @param max  capacity of row.
 * @param row  receives, for each sublayer holding rules (heaviest first), the
 *             id of its first matching rule, 0 if none.
 * @return the number of sublayers holding rules (entries beyond max are not
 *         written).
 */
unsigned int oracle_match(const struct oracle *o, const struct dfp_engine_values *v,
		unsigned int max, uint64_t row[]);

/** True if rule `id` matches v (for diagnostics); false if there is no such rule. */
bool oracle_rule_matches(const struct oracle *o, uint64_t id, const struct dfp_engine_values *v);

/** Print rule `id` (weight, sublayer, conditions) on one line. */
void oracle_rule_print(const struct oracle *o, uint64_t id, FILE *f);

/** Print the packet's values that a layer of this family can offer, on one line. */
void oracle_values_print(const struct oracle *o, const struct dfp_engine_values *v, FILE *f);

#endif /* DFP_TEST_ORACLE_H */
