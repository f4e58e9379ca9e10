/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Random rule sets and packets for the oracle tests (see gen.h). Operands
 * and packet values come from small per-field pools, with nudges, edges and
 * fresh random values mixed in, so that conditions and packets meet often
 * and boundaries (value +- 1, prefix edges, 0 and max) are exercised.
 */
#include <stdlib.h>
#include <string.h>

#include "gen.h"

/* ---- Deterministic random numbers (splitmix64) ---- */

static uint64_t
rng_next(struct gen_rng *r)
{
	uint64_t z = (r->s += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

uint64_t
gen_rng_below(struct gen_rng *r, uint64_t n)
{
	return n == 0 ? 0 : rng_next(r) % n;
}

/* True with probability pct percent. */
static bool
rng_pct(struct gen_rng *r, unsigned int pct)
{
	return gen_rng_below(r, 100) < pct;
}

/* ---- 128-bit values as the engine's struct dfp_u128 ---- */

static struct dfp_u128
u128_mask(unsigned int bits)
{
	struct dfp_u128 m = {0, 0};

	if (bits >= 128) {
		m.hi = UINT64_MAX;
		m.lo = UINT64_MAX;
	} else if (bits > 64) {
		m.hi = (UINT64_C(1) << (bits - 64)) - 1;
		m.lo = UINT64_MAX;
	} else {
		m.lo = bits == 64 ? UINT64_MAX : (UINT64_C(1) << bits) - 1;
	}
	return m;
}

static struct dfp_u128
u128_and(struct dfp_u128 a, struct dfp_u128 b)
{
	struct dfp_u128 r = {a.hi & b.hi, a.lo & b.lo};

	return r;
}

static struct dfp_u128
u128_or(struct dfp_u128 a, struct dfp_u128 b)
{
	struct dfp_u128 r = {a.hi | b.hi, a.lo | b.lo};

	return r;
}

static int
u128_cmp(struct dfp_u128 a, struct dfp_u128 b)
{
	if (a.hi != b.hi)
		return a.hi < b.hi ? -1 : 1;
	if (a.lo != b.lo)
		return a.lo < b.lo ? -1 : 1;
	return 0;
}

static struct dfp_u128
u128_random(struct gen_rng *r, unsigned int bits)
{
	struct dfp_u128 x = {rng_next(r), rng_next(r)};

	return u128_and(x, u128_mask(bits));
}

/* x + d (d may be negative), kept inside [0, 2^bits). */
static struct dfp_u128
u128_nudge(struct dfp_u128 x, int d, unsigned int bits)
{
	struct dfp_u128 r = x;

	if (d > 0) {
		r.lo += (uint64_t)d;
		if (r.lo < x.lo)
			r.hi++;
	} else if (d < 0) {
		r.lo -= (uint64_t)-d;
		if (r.lo > x.lo)
			r.hi--;
	}
	return u128_and(r, u128_mask(bits));
}

/* ---- Filters ---- */

static bool
is_bitset_field(enum dfp_field f)
{
	return f == DFP_FIELD_FLAGS || f == DFP_FIELD_REAUTHORIZE_REASON ||
		f == DFP_FIELD_DFP_TCP_FLAGS;
}

static unsigned int
width_of(const struct gen_run *run, enum dfp_field f)
{
	return dfp_engine_field_bits(f, run->family);
}

/* Fill the value pool of every field the layer offers. */
static void
make_pools(struct gen_run *run)
{
	unsigned int i, k;

	for (i = 0; i < run->n_fields; i++) {
		enum dfp_field f = run->fields[i];
		unsigned int bits = width_of(run, f);
		enum dfp_field_type t = dfp_engine_field_type(f);
		struct dfp_u128 base[2];

		base[0] = u128_random(&run->rng, bits);
		base[1] = u128_random(&run->rng, bits);
		for (k = 0; k < GEN_POOL_SIZE; k++) {
			struct dfp_u128 v;

			if (t == DFP_FIELD_TYPE_ADDR || t == DFP_FIELD_TYPE_MAC) {
				/* Two networks; hosts differ in a random number of low bits. */
				unsigned int host = 1 +
					(unsigned int)gen_rng_below(&run->rng, bits / 2);
				struct dfp_u128 hm = u128_mask(host);
				struct dfp_u128 nm = {~hm.hi, ~hm.lo};

				v = u128_or(u128_and(base[k % 2], nm),
					u128_and(u128_random(&run->rng, bits), hm));
			} else if (is_bitset_field(f)) {
				unsigned int nb = 1 + (unsigned int)gen_rng_below(&run->rng, 3);

				v.hi = 0;
				v.lo = 0;
				while (nb-- > 0)
					v.lo |= UINT64_C(1) << gen_rng_below(&run->rng, bits);
			} else if (bits > 8 && rng_pct(&run->rng, 60)) {
				/* Small numbers, like ports and interface indexes in practice. */
				v.hi = 0;
				v.lo = gen_rng_below(&run->rng, 1100);
			} else {
				v = u128_random(&run->rng, bits);
			}
			run->pool[f][k] = v;
		}
	}
}

static struct dfp_u128
pool_pick(struct gen_run *run, enum dfp_field f)
{
	return run->pool[f][gen_rng_below(&run->rng, GEN_POOL_SIZE)];
}

/* An operand: mostly from the pool, sometimes random or at the edges. */
static struct dfp_u128
operand(struct gen_run *run, enum dfp_field f)
{
	unsigned int bits = width_of(run, f);
	unsigned int p = (unsigned int)gen_rng_below(&run->rng, 100);
	struct dfp_u128 zero = {0, 0};

	if (p < 70)
		return pool_pick(run, f);
	if (p < 80)
		return u128_nudge(pool_pick(run, f), rng_pct(&run->rng, 50) ? 1 : -1, bits);
	if (p < 90)
		return u128_random(&run->rng, bits);
	return rng_pct(&run->rng, 50) ? zero : u128_mask(bits);
}

static unsigned int
prefix_len(struct gen_run *run, unsigned int bits)
{
	static const unsigned int v4[] = {0, 1, 8, 16, 24, 31, 32};
	static const unsigned int v6[] = {0, 1, 32, 48, 64, 96, 112, 127, 128};

	if (rng_pct(&run->rng, 40))
		return (unsigned int)gen_rng_below(&run->rng, bits + 1);
	if (bits == 32)
		return v4[gen_rng_below(&run->rng, sizeof(v4) / sizeof(v4[0]))];
	return v6[gen_rng_below(&run->rng, sizeof(v6) / sizeof(v6[0]))];
}

/* One random condition on field f that the engine must accept. */
static void
make_cond(struct gen_run *run, enum dfp_field f, struct dfp_engine_cond *c)
{
	enum dfp_field_type t = dfp_engine_field_type(f);
	unsigned int bits = width_of(run, f);
	bool addr = t == DFP_FIELD_TYPE_ADDR;
	bool flags_ok = t != DFP_FIELD_TYPE_MAC && !(addr && run->family == 6);
	unsigned int m;

	memset(c, 0, sizeof(*c));
	c->field = (uint16_t)f;
	do {
		m = (unsigned int)gen_rng_below(&run->rng, 11);
		if (m == DFP_MATCH_EQUAL_CASE_INSENSITIVE)
			m = DFP_MATCH_EQUAL;
		/* Bit-set fields mostly get flag tests; others mostly equality and ranges. */
		if (is_bitset_field(f) && rng_pct(&run->rng, 60))
			m = DFP_MATCH_FLAGS_ALL_SET + (unsigned int)gen_rng_below(&run->rng, 3);
	} while (!flags_ok && m >= DFP_MATCH_FLAGS_ALL_SET && m <= DFP_MATCH_FLAGS_NONE_SET);
	c->match = (uint16_t)m;
	c->value = operand(run, f);
	switch (m) {
	case DFP_MATCH_EQUAL:
	case DFP_MATCH_NOT_EQUAL:
		if (addr && rng_pct(&run->rng, 70)) {
			c->has_prefix = 1;
			c->prefix_len = (uint8_t)prefix_len(run, bits);
			/* Host bits are left as drawn: the prefix alone decides. */
		}
		break;
	case DFP_MATCH_RANGE:
		c->high = operand(run, f);
		if (rng_pct(&run->rng, 10))
			c->high = c->value;
		if (u128_cmp(c->value, c->high) > 0) {
			struct dfp_u128 tmp = c->value;

			c->value = c->high;
			c->high = tmp;
		}
		break;
	case DFP_MATCH_FLAGS_ALL_SET:
	case DFP_MATCH_FLAGS_ANY_SET:
	case DFP_MATCH_FLAGS_NONE_SET:
		if (!is_bitset_field(f) && rng_pct(&run->rng, 50)) {
			/* A few bits of a plain number. */
			unsigned int top = bits < 64 ? bits : 64;

			c->value.hi = 0;
			c->value.lo = UINT64_C(1) << gen_rng_below(&run->rng, top);
			if (rng_pct(&run->rng, 50))
				c->value.lo |= UINT64_C(1) << gen_rng_below(&run->rng, top);
		} else if (rng_pct(&run->rng, 5)) {
			c->value.hi = 0;
			c->value.lo = 0;
		}
		break;
	default:
		break;
	}
}

/*
 * A condition that few packets satisfy (about one in ten): equality with a
 * pool value, a long prefix, or a narrow range. Every filter gets one or two
 * of these, so that broad conditions on heavy filters do not shadow the rest.
 */
static void
make_selective_cond(struct gen_run *run, enum dfp_field f, struct dfp_engine_cond *c)
{
	enum dfp_field_type t = dfp_engine_field_type(f);
	unsigned int bits = width_of(run, f);
	unsigned int p = (unsigned int)gen_rng_below(&run->rng, 100);

	memset(c, 0, sizeof(*c));
	c->field = (uint16_t)f;
	c->match = DFP_MATCH_EQUAL;
	c->value = pool_pick(run, f);
	if (t == DFP_FIELD_TYPE_ADDR && p < 60) {
		c->has_prefix = 1;
		c->prefix_len = (uint8_t)(bits / 2 + gen_rng_below(&run->rng, bits / 2 + 1));
	} else if (p >= 70) {
		c->match = DFP_MATCH_RANGE;
		c->high = u128_nudge(c->value, (int)gen_rng_below(&run->rng, 20), bits);
		if (u128_cmp(c->high, c->value) < 0)
			c->high = c->value;
	}
}

static uint64_t
make_weight(struct gen_run *run, enum dfp_engine_weight_type *type)
{
	unsigned int p = (unsigned int)gen_rng_below(&run->rng, 100);

	*type = DFP_ENGINE_WEIGHT_EXPLICIT;
	if (p < 45)
		return gen_rng_below(&run->rng, run->tie_pool);
	if (p < 70)
		return rng_next(&run->rng);
	if (p < 78)
		return UINT64_MAX - gen_rng_below(&run->rng, 3);
	if (p < 85)
		return (UINT64_C(1) << 60) + gen_rng_below(&run->rng, 3) - 1;
	if (p < 95) {
		*type = DFP_ENGINE_WEIGHT_RANGE;
		return gen_rng_below(&run->rng, 16);
	}
	*type = DFP_ENGINE_WEIGHT_AUTO;
	return 0;
}

static uint32_t
make_action(struct gen_run *run)
{
	static const uint32_t actions[] = {
		DFP_ACTION_PERMIT, DFP_ACTION_BLOCK, DFP_ACTION_PERMIT, DFP_ACTION_BLOCK,
		DFP_ACTION_CALLOUT_TERMINATING,
		DFP_ACTION_CALLOUT_INSPECTION, DFP_ACTION_CALLOUT_UNKNOWN,
	};

	if (rng_pct(&run->rng, 75))
		return actions[gen_rng_below(&run->rng, 4)];
	return actions[gen_rng_below(&run->rng, sizeof(actions) / sizeof(actions[0]))];
}

static void
make_filter(struct gen_run *run, struct gen_filter *g)
{
	unsigned int n_fields, n_sel, i, j;
	enum dfp_field chosen[DFP_FIELD_COUNT];
	unsigned int n_chosen = 0;

	memset(g, 0, sizeof(*g));
	g->sublayer = (int)gen_rng_below(&run->rng, run->n_sublayers);
	g->weight = make_weight(run, &g->weight_type);
	g->action = make_action(run);
	if (rng_pct(&run->rng, 1)) {
		/* Match-all filter: keep it light so it does not shadow whole sublayers. */
		g->weight_type = DFP_ENGINE_WEIGHT_EXPLICIT;
		g->weight = gen_rng_below(&run->rng, 2);
		return;
	}
	/* Selective fields first (never bit sets), then up to two of any kind. */
	n_sel = 1 + (rng_pct(&run->rng, 30) ? 1 : 0);
	n_fields = n_sel + (unsigned int)gen_rng_below(&run->rng, 3);
	if (n_fields > run->n_fields)
		n_fields = run->n_fields;
	/* Distinct fields, drawn without replacement. */
	while (n_chosen < n_fields) {
		enum dfp_field f = run->fields[gen_rng_below(&run->rng, run->n_fields)];
		bool dup = false;

		if (n_chosen < n_sel && is_bitset_field(f))
			continue;
		for (i = 0; i < n_chosen; i++)
			if (chosen[i] == f)
				dup = true;
		if (!dup)
			chosen[n_chosen++] = f;
	}
	for (i = 0; i < n_chosen; i++) {
		unsigned int alts = 1;
		unsigned int p = (unsigned int)gen_rng_below(&run->rng, 100);

		if (p >= 75)
			alts = p >= 93 ? 3 : 2;
		for (j = 0; j < alts && g->n_conds < GEN_MAX_CONDS; j++) {
			if (i < n_sel)
				make_selective_cond(run, chosen[i], &g->conds[g->n_conds++]);
			else
				make_cond(run, chosen[i], &g->conds[g->n_conds++]);
		}
	}
	/* Shuffle, so that same-field conditions are not always adjacent. */
	for (i = g->n_conds; i > 1; i--) {
		unsigned int k = (unsigned int)gen_rng_below(&run->rng, i);
		struct dfp_engine_cond tmp = g->conds[i - 1];

		g->conds[i - 1] = g->conds[k];
		g->conds[k] = tmp;
	}
}

/* Write a value into the packet member that carries field f. */
static void
set_field(struct dfp_engine_values *v, enum dfp_field f, unsigned int family, struct dfp_u128 x)
{
	union dfp_engine_addr *a = NULL;
	uint8_t *mac = NULL;
	int i;

	switch (f) {
	case DFP_FIELD_IP_PROTOCOL:
		v->ip_protocol = (uint8_t)x.lo;
		return;
	case DFP_FIELD_IP_LOCAL_ADDRESS:
		a = &v->local_addr;
		break;
	case DFP_FIELD_IP_REMOTE_ADDRESS:
		a = &v->remote_addr;
		break;
	case DFP_FIELD_IP_LOCAL_ADDRESS_TYPE:
		v->local_addr_type = (uint8_t)x.lo;
		return;
	case DFP_FIELD_IP_LOCAL_PORT:
		v->local_port = (uint16_t)x.lo;
		return;
	case DFP_FIELD_IP_REMOTE_PORT:
		v->remote_port = (uint16_t)x.lo;
		return;
	case DFP_FIELD_INTERFACE_INDEX:
		v->interface_index = (uint32_t)x.lo;
		return;
	case DFP_FIELD_FLAGS:
		v->flags = (uint32_t)x.lo;
		return;
	case DFP_FIELD_DIRECTION:
		v->direction = (uint8_t)x.lo;
		return;
	case DFP_FIELD_VLAN_ID:
		v->vlan_id = (uint16_t)x.lo;
		return;
	case DFP_FIELD_ETHER_TYPE:
		v->ether_type = (uint16_t)x.lo;
		return;
	case DFP_FIELD_MAC_LOCAL_ADDRESS:
		mac = v->local_mac;
		break;
	case DFP_FIELD_MAC_REMOTE_ADDRESS:
		mac = v->remote_mac;
		break;
	case DFP_FIELD_REAUTHORIZE_REASON:
		v->reauth_reason = (uint32_t)x.lo;
		return;
	case DFP_FIELD_DFP_TCP_FLAGS:
		v->tcp_flags = (uint8_t)x.lo;
		return;
	case DFP_FIELD_DFP_DSCP:
		v->dscp = (uint8_t)x.lo;
		return;
	default:
		return;
	}
	if (mac != NULL) {
		for (i = 5; i >= 0; i--)
			mac[i] = (uint8_t)(x.lo >> (8 * (5 - i)));
		return;
	}
	if (family != 6) {
		a->v4 = (uint32_t)x.lo;
		return;
	}
	for (i = 0; i < 8; i++) {
		a->v6[i] = (uint8_t)(x.hi >> (56 - 8 * i));
		a->v6[8 + i] = (uint8_t)(x.lo >> (56 - 8 * i));
	}
}

/* A packet: every field from the pool, near it, at an edge, or random. */
void
gen_packet(struct gen_run *run, struct dfp_engine_values *v)
{
	unsigned int i;

	memset(v, 0, sizeof(*v));
	for (i = 0; i < run->n_fields; i++) {
		enum dfp_field f = run->fields[i];
		unsigned int bits = width_of(run, f);
		unsigned int p = (unsigned int)gen_rng_below(&run->rng, 100);
		struct dfp_u128 x = pool_pick(run, f);

		if (p < 50) {
			/* As drawn. */
		} else if (p < 65) {
			x = u128_nudge(x, (int)gen_rng_below(&run->rng, 5) - 2, bits);
		} else if (p < 80) {
			/* Same network, different host: exercises prefixes. */
			unsigned int host = (unsigned int)gen_rng_below(&run->rng, bits + 1);
			struct dfp_u128 hm = u128_mask(host);
			struct dfp_u128 nm = {~hm.hi, ~hm.lo};

			x = u128_or(u128_and(x, nm), u128_and(u128_random(&run->rng, bits), hm));
		} else if (p < 85) {
			x = u128_or(x, pool_pick(run, f));
		} else if (p < 90) {
			x = rng_pct(&run->rng, 50) ? u128_mask(0) : u128_mask(bits);
		} else {
			x = u128_random(&run->rng, bits);
		}
		set_field(v, f, run->family, x);
	}
}

int
gen_run_init(struct gen_run *run, uint16_t layer, const struct gen_params *rp)
{
	static const struct {
		const char *name;
		uint16_t weight;
	} own[] = {
		{"sl-high", 0xC000}, {"sl-tie-universal", DFP_ENGINE_SUBLAYER_UNIVERSAL_WEIGHT},
		{"sl-low", 0x0100}, {"sl-tie-inspection", 0},
	};
	unsigned int f, s;

	memset(run, 0, sizeof(*run));
	run->layer = layer;
	run->family = dfp_engine_layer_family(layer);
	run->rng.s = rp->seed;
	run->seed = rp->seed;
	run->tie_pool = rp->tie_pool;
	for (f = 0; f < DFP_FIELD_COUNT; f++)
		if (dfp_engine_layer_has_field(layer, f))
			run->fields[run->n_fields++] = f;
	/* Built-ins first: they are created with the engine, so they win weight ties. */
	run->sublayers[0].name = "universal";
	run->sublayers[0].weight = DFP_ENGINE_SUBLAYER_UNIVERSAL_WEIGHT;
	run->sublayers[0].builtin = true;
	if (dfp_guid_parse(DFP_ENGINE_SUBLAYER_UNIVERSAL_KEY, &run->sublayers[0].key) != 0)
		return -1;
	run->sublayers[1].name = "inspection";
	run->sublayers[1].weight = 0;
	run->sublayers[1].builtin = true;
	if (dfp_guid_parse(DFP_ENGINE_SUBLAYER_INSPECTION_KEY, &run->sublayers[1].key) != 0)
		return -1;
	run->n_sublayers = 2;
	for (s = 0; s < sizeof(own) / sizeof(own[0]); s++) {
		struct gen_sublayer *sl = &run->sublayers[run->n_sublayers++];

		sl->name = own[s].name;
		sl->weight = own[s].weight;
		dfp_guid_generate(&sl->key);
	}
	dfp_guid_generate(&run->callout_key);
	make_pools(run);
	run->n_filters = rp->n_filters;
	run->filters = calloc(rp->n_filters, sizeof(*run->filters));
	if (run->filters == NULL)
		return -1;
	for (f = 0; f < rp->n_filters; f++)
		make_filter(run, &run->filters[f]);
	return 0;
}

void
gen_run_free(struct gen_run *run)
{
	free(run->filters);
	run->filters = NULL;
	run->n_filters = 0;
}
