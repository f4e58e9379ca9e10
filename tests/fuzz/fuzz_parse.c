/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for the datapath parser. Each input is parsed three
 * ways: as a whole frame (len == frame_len); as the readable part of a
 * frame said to be much longer (len < frame_len, so every length check
 * passes and only `len` bounds the reads); and as a headers-only copy of
 * its first half. libFuzzer's buffer and the copy are exactly `len` bytes,
 * so ASan reports any read past them. Structural invariants of the result
 * abort on violation.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dfp_dp_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(const struct dfp_dp_pkt_info *pi, uint32_t frame_len)
{
	uint32_t ip_end;

	if (pi->drop >= DFP_DP_DROP_COUNT || pi->frame_len != frame_len || pi->n_vlans > 2)
		abort();
	if (pi->drop != DFP_DP_DROP_NONE || pi->family == 0)
		return;
	if (pi->family != 4 && pi->family != 6)
		abort();
	ip_end = (uint32_t)pi->l3_off + pi->ip_len;
	if (pi->l3_off < 14 || ip_end > frame_len)
		abort();
	if ((pi->frag & DFP_DP_FRAG_IS_FRAGMENT) && !(pi->frag & DFP_DP_FRAG_FIRST)) {
		if (pi->l4_off != 0 || pi->sport != 0 || pi->dport != 0)
			abort();
		return;
	}
	if (pi->l4_off < pi->l3_off + 20 || pi->l4_off > ip_end)
		abort();
	if (pi->l4_payload_off != 0 &&
	        (uint32_t)pi->l4_payload_off + pi->l4_payload_len != ip_end && pi->ip_len != 65535)
		abort();
}

static bool
is_truncation(uint8_t drop)
{
	return drop == DFP_DP_DROP_L2_TRUNCATED || drop == DFP_DP_DROP_L3_TRUNCATED ||
	       drop == DFP_DP_DROP_IPV6_EXT_TRUNCATED || drop == DFP_DP_DROP_L4_TRUNCATED;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dfp_dp_pkt_info whole, longer, part;
	uint32_t n = size > 65536 ? 65536 : (uint32_t)size;
	uint32_t half = n / 2;
	uint8_t *copy;

	dfp_dp_parse(data, n, n, &whole);
	check(&whole, n);

	dfp_dp_parse(data, n, n + 70000, &longer);
	check(&longer, n + 70000);

	/* A short copy only adds truncation drops to the whole frame's result. */
	copy = malloc(half);
	if (copy == NULL && half > 0)
		return 0;
	if (half > 0)
		memcpy(copy, data, half);
	dfp_dp_parse(copy, half, n, &part);
	free(copy);
	check(&part, n);
	if (part.drop == DFP_DP_DROP_NONE && memcmp(&part, &whole, sizeof(part)) != 0)
		abort();
	if (part.drop != DFP_DP_DROP_NONE && !is_truncation(part.drop) && part.drop != whole.drop)
		abort();
	return 0;
}
