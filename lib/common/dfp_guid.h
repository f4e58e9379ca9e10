/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * GUIDs: the identity of every management object (spec §1.1).
 *
 * The layout is Windows' GUID (Data1..Data4), so the WFP compatibility header
 * can alias it. Text form is the registry form without braces,
 * `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`; braces are accepted on input.
 *
 * Thread-safety: all functions are pure except dfp_guid_generate(), which
 * reads the kernel's random source; none may be called on a worker hot path
 * except dfp_guid_equal() and dfp_guid_is_zero().
 */
#ifndef DFP_GUID_H
#define DFP_GUID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

/** A GUID, laid out as Windows' GUID. */
struct dfp_guid {
	uint32_t data1;    /**< First 8 hex digits. */
	uint16_t data2;    /**< Next 4. */
	uint16_t data3;    /**< Next 4. */
	uint8_t data4[8];  /**< Last 16 hex digits, in text order. */
};

/** Length of the text form without NUL. */
#define DFP_GUID_STR_LEN 36

/** True if both GUIDs are equal. Any thread. */
static inline bool
dfp_guid_equal(const struct dfp_guid *a, const struct dfp_guid *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

/** True for the null GUID (all zero). Any thread. */
static inline bool
dfp_guid_is_zero(const struct dfp_guid *g)
{
	static const struct dfp_guid zero;

	return memcmp(g, &zero, sizeof(*g)) == 0;
}

/**
 * Parse a GUID from text.
 *
 * @param s    `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`, optionally in braces,
 *             hex digits in either case; nothing may follow.
 * @param out  receives the GUID on success; untouched on failure.
 * @return 0 on success, -1 if s is not a GUID. Any thread.
 */
int dfp_guid_parse(const char *s, struct dfp_guid *out);

/**
 * Format a GUID as lower-case text.
 *
 * @param g     the GUID.
 * @param buf   at least DFP_GUID_STR_LEN + 1 bytes.
 * @param size  size of buf.
 * @return buf. Any thread.
 */
char *dfp_guid_format(const struct dfp_guid *g, char *buf, size_t size);

/**
 * Make a random (version 4) GUID, as BFE does for a zero key.
 *
 * @param out  receives the GUID.
 * Control threads: it may read /dev/urandom (a syscall).
 */
void dfp_guid_generate(struct dfp_guid *out);

/** Hash of a GUID for tables. Any thread. */
uint32_t dfp_guid_hash(const struct dfp_guid *g);

#ifdef __cplusplus
}
#endif

#endif /* DFP_GUID_H */
