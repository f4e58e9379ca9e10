/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The run-time half of the compiled classifier and its key format.
 *
 * engine_lookup_layout() (control thread) decides where each used field
 * sits in the ACL key; engine_lookup_burst() (any lcore, no locks, no
 * allocation, no syscalls, scratch on the stack) builds the keys for a
 * burst, classifies it once per rte_acl context, and merges the
 * per-category results with the constant and exact-match answers by lowest
 * rank.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include <rte_acl.h>
#include <rte_branch_prediction.h>
#include <rte_byteorder.h>
#include <rte_vect.h>
#include <rte_common.h>

#include "engine_private.h"
#include "lookup_private.h"

#define MAX_GROUPS ((LK_KEY_MAX - 4) / 4)
#define PAD_FIELD 0xff

#define VAL_OFF(m) offsetof(struct dfp_engine_values, m)
#define MASK RTE_ACL_FIELD_TYPE_MASK
#define RANGE RTE_ACL_FIELD_TYPE_RANGE
#define BITMASK RTE_ACL_FIELD_TYPE_BITMASK

/*
 * Where each field's value lives and which ACL type holds it. Integers are
 * host order (stored big-endian in the key); IPv6 addresses and MACs are
 * already in network order. IPv4 addresses are MASK fields of 4 bytes, IPv6
 * four of them; a MAC is a 4-byte and a 2-byte BITMASK field. DIRECTION is
 * a uint8_t in struct dfp_engine_values, so a 1-byte range holds every value
 * it can take (the compiler clamps operands to it).
 */
static const struct field_desc {
	uint16_t src_off;
	uint8_t type;
	uint8_t size;
} field_descs[DFP_FIELD_COUNT] = {
	[DFP_FIELD_IP_PROTOCOL] = {VAL_OFF(ip_protocol), BITMASK, 1},
	[DFP_FIELD_IP_LOCAL_ADDRESS] = {VAL_OFF(local_addr), MASK, 4},
	[DFP_FIELD_IP_REMOTE_ADDRESS] = {VAL_OFF(remote_addr), MASK, 4},
	[DFP_FIELD_IP_LOCAL_ADDRESS_TYPE] = {VAL_OFF(local_addr_type), BITMASK, 1},
	[DFP_FIELD_IP_LOCAL_PORT] = {VAL_OFF(local_port), RANGE, 2},
	[DFP_FIELD_IP_REMOTE_PORT] = {VAL_OFF(remote_port), RANGE, 2},
	[DFP_FIELD_INTERFACE_INDEX] = {VAL_OFF(interface_index), RANGE, 4},
	[DFP_FIELD_FLAGS] = {VAL_OFF(flags), BITMASK, 4},
	[DFP_FIELD_DIRECTION] = {VAL_OFF(direction), RANGE, 1},
	[DFP_FIELD_VLAN_ID] = {VAL_OFF(vlan_id), RANGE, 2},
	[DFP_FIELD_ETHER_TYPE] = {VAL_OFF(ether_type), RANGE, 2},
	[DFP_FIELD_MAC_LOCAL_ADDRESS] = {VAL_OFF(local_mac), BITMASK, 6},
	[DFP_FIELD_MAC_REMOTE_ADDRESS] = {VAL_OFF(remote_mac), BITMASK, 6},
	[DFP_FIELD_REAUTHORIZE_REASON] = {VAL_OFF(reauth_reason), RANGE, 4},
	[DFP_FIELD_DFP_TCP_FLAGS] = {VAL_OFF(tcp_flags), BITMASK, 1},
	[DFP_FIELD_DFP_DSCP] = {VAL_OFF(dscp), BITMASK, 1},
};

/* One ACL field candidate while laying out the key. */
struct unit {
	uint8_t field;           /* enum dfp_field, or PAD_FIELD. */
	uint8_t part;
	uint8_t size;
	uint8_t type;
	uint16_t src_off;
	uint8_t swap;
};

/*
 * Split a field into ACL fields (units); returns how many. IPv6 addresses
 * are four MASK parts and MACs a 4-byte and a 2-byte BITMASK part, which
 * hold prefixes (and a MAC's exact value) as one rule. When the layer's
 * filters put ranges on such a field, it becomes 16-bit RANGE parts
 * instead: a range is then at most 2 * parts - 1 boxes (expand.c) where
 * prefixes need up to two per bit, and rte_acl builds 16-bit ranges far
 * faster than 32-bit ones (a MAC shape of random ranges: about 3x).
 */
static unsigned int
field_units(enum dfp_field f, unsigned int family, bool ranged, struct lk_field *fl,
		struct unit *u)
{
	const struct field_desc *d = &field_descs[f];
	bool v6 = d->type == MASK && family == 6;
	bool multi = v6 || d->size == 6;
	bool p16 = ranged && multi;
	unsigned int i, n;

	n = p16 ? (v6 ? 8 : 3) : v6 ? 4 : d->size == 6 ? 2 : 1;
	fl->type = p16 ? RANGE : d->type;
	fl->n_parts = n;
	fl->bits = 0;
	for (i = 0; i < n; i++) {
		u[i].field = f;
		u[i].part = i;
		u[i].size = p16 ? 2 : n == 2 && i == 1 ? 2 : d->size == 6 ? 4 : d->size;
		u[i].type = fl->type;
		u[i].src_off = d->src_off + (p16 ? 2 : 4) * i;
		/* Addresses and MACs are byte strings in network order already. */
		u[i].swap = !multi && d->size > 1;
		fl->part_bits[i] = u[i].size * 8;
		fl->bits += u[i].size * 8;
	}
	return n;
}

static void
add_def(struct lk_layout *lay, const struct unit *u, unsigned int input_index,
		unsigned int offset)
{
	struct lk_part *p = lay->n_parts > 0 ? &lay->parts[lay->n_parts - 1] : NULL;
	struct rte_acl_field_def *d = &lay->defs[lay->n_defs];

	d->type = u->type;
	d->size = u->size;
	d->field_index = lay->n_defs;
	d->input_index = input_index;
	d->offset = offset;
	if (u->field != PAD_FIELD) {
		lay->fields[u->field].defs[u->part] = lay->n_defs;
		/* Adjacent byte copies (IPv6 words) become one copy. */
		if (p != NULL && !p->swap && !u->swap && p->src_off + p->size == u->src_off &&
				p->dst_off + p->size == offset)
			p->size += u->size;
		else
			lay->parts[lay->n_parts++] = (struct lk_part){u->src_off, offset, u->size,
				u->swap};
	}
	lay->n_defs++;
}

int
engine_lookup_layout(struct lk_layout *lay, const bool used[DFP_FIELD_COUNT],
		const bool ranged[DFP_FIELD_COUNT], unsigned int family)
{
	struct unit pad = {PAD_FIELD, 0, 1, BITMASK, 0, 0};
	unsigned int fill[MAX_GROUPS], cnt[MAX_GROUPS];
	unsigned int i, g, k, first = UINT32_MAX;
	struct unit units[DFP_FIELD_COUNT * LK_FIELD_PARTS];
	struct unit grp[MAX_GROUPS][4];
	unsigned int n_groups = 0;
	unsigned int n_units = 0;

	memset(lay, 0, sizeof(*lay));
	for (i = 0; i < DFP_FIELD_COUNT; i++)
		if (used[i])
			n_units += field_units(i, family, ranged[i], &lay->fields[i],
				&units[n_units]);
	/* rte_acl wants a 1-byte field first: the protocol if used, else any, else a pad. */
	for (i = 0; i < n_units; i++)
		if (units[i].size == 1 && (first == UINT32_MAX ||
				units[i].field == DFP_FIELD_IP_PROTOCOL))
			first = i;
	add_def(lay, first != UINT32_MAX ? &units[first] : &pad, 0, 0);

	/* First fit, in field order, into groups of four bytes (one input_index each). */
	for (i = 0; i < n_units; i++) {
		if (i == first)
			continue;
		for (g = 0; g < n_groups && fill[g] + units[i].size > 4; g++)
			;
		if (g == n_groups) {
			if (n_groups == MAX_GROUPS)
				return -ENOSPC;
			fill[g] = 0;
			cnt[g] = 0;
			n_groups++;
		}
		grp[g][cnt[g]++] = units[i];
		fill[g] += units[i].size;
	}
	for (g = 0; g < n_groups; g++) {
		unsigned int off = 4 + 4 * g;

		for (k = 0; k < cnt[g]; k++) {
			add_def(lay, &grp[g][k], g + 1, off);
			off += grp[g][k].size;
		}
		/* Wildcard pads: rte_acl drops a group that is wildcard in every rule. */
		for (; fill[g] < 4; fill[g]++)
			add_def(lay, &pad, g + 1, off++);
	}
	lay->key_size = 4 + 4 * n_groups;
	return 0;
}

void
engine_lookup_gather(struct lk_group *g)
{
	const unsigned int last_window = sizeof(struct dfp_engine_values) - 16;
	int16_t from[LK_KEY_MAX];   /* Source byte of each key byte, or -1. */
	unsigned int win[LK_GATHER_MAX];
	unsigned int n_win = 0, k, i, w;
	bool used[sizeof(struct dfp_engine_values)] = {false};

	RTE_BUILD_BUG_ON(sizeof(struct dfp_engine_values) < 16);
	g->n_gather = 0;
	if (g->key_size > LK_KEY_MAX)
		return;
	for (k = 0; k < LK_KEY_MAX; k++)
		from[k] = -1;
	for (k = 0; k < g->n_parts; k++) {
		const struct lk_part *p = &g->parts[k];

		for (i = 0; i < p->size; i++) {
			/* A host-order integer stored big-endian: its bytes reversed here. */
			unsigned int sb = p->src_off + (p->swap && RTE_BYTE_ORDER ==
				RTE_LITTLE_ENDIAN ? p->size - 1u - i : i);

			from[p->dst_off + i] = (int16_t)sb;
			used[sb] = true;
		}
	}
	/* 16-byte windows over the source bytes used, greedily from the lowest. */
	for (i = 0; i < sizeof(used); i++) {
		if (!used[i] || (n_win > 0 && i < win[n_win - 1] + 16))
			continue;
		if (n_win == LK_GATHER_MAX)
			return;
		win[n_win++] = RTE_MIN(i, last_window);
	}
	for (k = 0; k < g->key_size; k++) {
		struct lk_gather_op *op = NULL;
		unsigned int j;

		if (from[k] < 0)
			continue;
		for (w = 0; w < n_win && !((unsigned int)from[k] >= win[w] &&
				(unsigned int)from[k] < win[w] + 16); w++)
			;
		for (j = 0; j < g->n_gather && op == NULL; j++)
			if (g->gather[j].key_chunk == k / 16 && g->gather[j].src_off == win[w])
				op = &g->gather[j];
		if (op == NULL) {
			if (g->n_gather == LK_GATHER_MAX) {
				g->n_gather = 0;
				return;
			}
			op = &g->gather[g->n_gather++];
			memset(op->mask, 0x80, sizeof(op->mask));
			op->key_chunk = (uint8_t)(k / 16);
			op->src_off = (uint8_t)win[w];
		}
		op->mask[k % 16] = (uint8_t)(from[k] - win[w]);
	}
	/*
	 * Created in key byte order, so in key chunk order. Every chunk of the
	 * key gets at least one operation (one that only zeroes it, if none of
	 * its bytes has a source), and its last one stores it.
	 */
	for (k = 0; k * 16 < g->key_size; k++) {
		for (i = 0; i < g->n_gather && g->gather[i].key_chunk <= k; i++)
			;
		if (i > 0 && g->gather[i - 1].key_chunk == k)
			continue;
		if (g->n_gather == LK_GATHER_MAX) {
			g->n_gather = 0;
			return;
		}
		memmove(&g->gather[i + 1], &g->gather[i], (g->n_gather - i) * sizeof(g->gather[0]));
		memset(&g->gather[i], 0, sizeof(g->gather[i]));
		memset(g->gather[i].mask, 0x80, sizeof(g->gather[i].mask));
		g->gather[i].key_chunk = (uint8_t)k;
		g->n_gather++;
	}
	for (i = 0; i < g->n_gather; i++)
		g->gather[i].last = i + 1 == g->n_gather ||
			g->gather[i + 1].key_chunk != g->gather[i].key_chunk;
}

static inline void
key_build(const struct lk_group *g, const struct dfp_engine_values *v, uint8_t *key)
{
	const uint8_t *src = (const uint8_t *)v;
	uint32_t k;

#if defined(RTE_ARCH_X86) && defined(__SSSE3__)
	if (likely(g->n_gather != 0)) {
		/* Operations come in key chunk order; the last of a chunk stores it. */
		__m128i acc = _mm_setzero_si128();

		for (k = 0; k < g->n_gather; k++) {
			const struct lk_gather_op *op = &g->gather[k];
			__m128i w = _mm_loadu_si128((const __m128i *)(const void *)(src + op->src_off));
			__m128i m = _mm_loadu_si128((const __m128i *)(const void *)op->mask);

			acc = _mm_or_si128(acc, _mm_shuffle_epi8(w, m));
			if (op->last) {
				_mm_storeu_si128((__m128i *)(void *)(key + 16 * op->key_chunk), acc);
				acc = _mm_setzero_si128();
			}
		}
		return;
	}
#endif

	/*
	 * Pad bytes are wildcard in every rule; zero them only to read defined
	 * memory. Fixed-size copies: the compiler inlines them (a variable
	 * size is a libc call per part, a third of the key's cost).
	 */
	memset(key, 0, LK_KEY_MAX);
	for (k = 0; k < g->n_parts; k++) {
		const struct lk_part *p = &g->parts[k];
		const uint8_t *from = src + p->src_off;
		uint8_t *to = key + p->dst_off;

		switch (p->size | (p->swap ? 0x100 : 0)) {
		case 1:
			*to = *from;
			break;
		case 2:
			memcpy(to, from, 2);
			break;
		case 4:
			memcpy(to, from, 4);
			break;
		case 0x102: {
			uint16_t x;

			memcpy(&x, from, 2);
			x = rte_cpu_to_be_16(x);
			memcpy(to, &x, 2);
			break;
		}
		case 0x104: {
			uint32_t x;

			memcpy(&x, from, 4);
			x = rte_cpu_to_be_32(x);
			memcpy(to, &x, 4);
			break;
		}
		case 16:
			memcpy(to, from, 16);
			break;
		default:
			memcpy(to, from, p->size);
			break;
		}
	}
}

/* One group's contexts over n packets, merged into the outputs by lowest rank. */
static inline void
group_lookup(const struct lk_group *g, uint32_t nsl,
		const struct dfp_engine_values *const values[], unsigned int n, uint32_t *outs[2])
{
	uint8_t keys[DFP_ENGINE_BURST_MAX][LK_KEY_MAX] __rte_aligned(RTE_CACHE_LINE_SIZE);
	uint32_t results[DFP_ENGINE_BURST_MAX * RTE_ACL_MAX_CATEGORIES];
	const uint8_t *data[DFP_ENGINE_BURST_MAX];
	uint32_t i, c, k;

	for (i = 0; i < n; i++) {
		key_build(g, values[i], keys[i]);
		data[i] = keys[i];
	}
	for (c = 0; c < g->n_ctxs; c++) {
		const struct lk_ctx *ctx = &g->ctxs[c];

		rte_acl_classify(ctx->acl, data, results, n, ctx->n_categories);
		if (ctx->n_slots == 1 && g->rank_map == NULL) {
			/* One category, ranks as they are: no match (0) wraps to RANK_NONE. */
			uint32_t slot = ctx->slots[0];
			uint32_t *o = &outs[slot & 1][slot >> 1];

			for (i = 0; i < n; i++) {
				uint32_t rank = results[i * ctx->n_categories] - 1;

				if (rank < o[i * nsl])
					o[i * nsl] = rank;
			}
			continue;
		}
		for (i = 0; i < n; i++) {
			const uint32_t *res = &results[i * ctx->n_categories];

			for (k = 0; k < ctx->n_slots; k++) {
				uint32_t slot = ctx->slots[k];
				uint32_t *o, rank;

				/* userdata is rank + 1; 0 means no match. */
				if (res[k] == 0)
					continue;
				rank = res[k] - 1;
				if (g->rank_map != NULL)
					rank = g->rank_map[rank];
				o = &outs[slot & 1][i * nsl + (slot >> 1)];
				if (rank < *o)
					*o = rank;
			}
		}
	}
}

static void
lookup_chunk(const struct engine_lookup *lk, const struct dfp_engine_values *const values[],
		unsigned int n, uint32_t *static_best, uint32_t *callout_best)
{
	uint32_t *outs[2] = {static_best, callout_best};
	uint32_t nsl = lk->n_sublayers;
	uint32_t i, s, k;

	if (nsl == 1) {
		for (i = 0; i < n; i++) {
			static_best[i] = lk->const_best[0];
			callout_best[i] = lk->const_best[1];
		}
	} else {
		for (i = 0; i < n; i++) {
			for (s = 0; s < nsl; s++) {
				static_best[i * nsl + s] = lk->const_best[2 * s];
				callout_best[i * nsl + s] = lk->const_best[2 * s + 1];
			}
		}
	}
	for (k = 0; k < lk->n_groups; k++)
		if (lk->groups[k].n_ctxs != 0)
			group_lookup(&lk->groups[k], nsl, values, n, outs);
	/* Exact filters in rank order: skip packets already decided by a better rank. */
	for (k = 0; k < lk->n_exact; k++) {
		const struct lk_exact *e = &lk->exact[k];
		uint32_t *o = outs[e->slot & 1] + (e->slot >> 1);

		for (i = 0; i < n; i++)
			if (o[i * nsl] > e->rank && dfp_engine_filter_match(e->filter, values[i]))
				o[i * nsl] = e->rank;
	}
}

void
engine_lookup_burst(const struct engine_lookup *lk,
		const struct dfp_engine_values *const values[], unsigned int n,
		uint32_t *static_best, uint32_t *callout_best)
{
	unsigned int off, m;

	/* n is at most DFP_ENGINE_BURST_MAX by contract; chunking keeps the scratch bounded anyway. */
	for (off = 0; off < n; off += m) {
		m = RTE_MIN(n - off, (unsigned int)DFP_ENGINE_BURST_MAX);
		lookup_chunk(lk, values + off, m, static_best + (size_t)off * lk->n_sublayers,
			callout_best + (size_t)off * lk->n_sublayers);
	}
}
