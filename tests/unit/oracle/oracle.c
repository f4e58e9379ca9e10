/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The naive reference classifier (see oracle.h). Written to be obviously
 * right rather than fast: values are byte arrays, prefixes are compared bit
 * by bit, and every packet walks the whole rule list. Only the public field
 * and match numbers are shared with the engine.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "oracle.h"

struct oracle_rule {
	uint64_t id;
	uint64_t weight;
	int sublayer;
	unsigned int n_conds;
	struct oracle_cond *conds;
};

struct oracle {
	unsigned int family;
	unsigned int n_sublayers;
	uint16_t sublayer_weights[ORACLE_MAX_SUBLAYERS];
	/* Set by oracle_prepare(): position of each sublayer in a result row, -1 = no rules. */
	int row_pos[ORACLE_MAX_SUBLAYERS];
	unsigned int row_len;
	unsigned int n_rules;
	unsigned int cap_rules;
	struct oracle_rule *rules;
};

/* Width in bits of a field, decided here rather than asked of the engine. */
static unsigned int
field_width(unsigned int field, unsigned int family)
{
	switch (field) {
	case DFP_FIELD_IP_PROTOCOL:
	case DFP_FIELD_IP_LOCAL_ADDRESS_TYPE:
	case DFP_FIELD_DFP_TCP_FLAGS:
	case DFP_FIELD_DFP_DSCP:
		return 8;
	case DFP_FIELD_IP_LOCAL_PORT:
	case DFP_FIELD_IP_REMOTE_PORT:
	case DFP_FIELD_VLAN_ID:
	case DFP_FIELD_ETHER_TYPE:
		return 16;
	case DFP_FIELD_IP_LOCAL_ADDRESS:
	case DFP_FIELD_IP_REMOTE_ADDRESS:
		return family == 6 ? 128 : 32;
	case DFP_FIELD_MAC_LOCAL_ADDRESS:
	case DFP_FIELD_MAC_REMOTE_ADDRESS:
		return 48;
	default:
		return 32;
	}
}

static void
val_from_uint(struct oracle_val *out, uint64_t x)
{
	int i;

	memset(out, 0, sizeof(*out));
	for (i = 15; i >= 8; i--) {
		out->b[i] = (uint8_t)(x & 0xff);
		x >>= 8;
	}
}

/* The packet's value of a field, as 16 big-endian bytes. */
static void
read_field(const struct dfp_engine_values *v, unsigned int field, unsigned int family,
		struct oracle_val *out)
{
	const union dfp_engine_addr *addr = NULL;

	switch (field) {
	case DFP_FIELD_IP_PROTOCOL:
		val_from_uint(out, v->ip_protocol);
		return;
	case DFP_FIELD_IP_LOCAL_ADDRESS:
		addr = &v->local_addr;
		break;
	case DFP_FIELD_IP_REMOTE_ADDRESS:
		addr = &v->remote_addr;
		break;
	case DFP_FIELD_IP_LOCAL_ADDRESS_TYPE:
		val_from_uint(out, v->local_addr_type);
		return;
	case DFP_FIELD_IP_LOCAL_PORT:
		val_from_uint(out, v->local_port);
		return;
	case DFP_FIELD_IP_REMOTE_PORT:
		val_from_uint(out, v->remote_port);
		return;
	case DFP_FIELD_INTERFACE_INDEX:
		val_from_uint(out, v->interface_index);
		return;
	case DFP_FIELD_FLAGS:
		val_from_uint(out, v->flags);
		return;
	case DFP_FIELD_DIRECTION:
		val_from_uint(out, v->direction);
		return;
	case DFP_FIELD_VLAN_ID:
		val_from_uint(out, v->vlan_id);
		return;
	case DFP_FIELD_ETHER_TYPE:
		val_from_uint(out, v->ether_type);
		return;
	case DFP_FIELD_MAC_LOCAL_ADDRESS:
		memset(out, 0, sizeof(*out));
		memcpy(&out->b[10], v->local_mac, 6);
		return;
	case DFP_FIELD_MAC_REMOTE_ADDRESS:
		memset(out, 0, sizeof(*out));
		memcpy(&out->b[10], v->remote_mac, 6);
		return;
	case DFP_FIELD_REAUTHORIZE_REASON:
		val_from_uint(out, v->reauth_reason);
		return;
	case DFP_FIELD_DFP_TCP_FLAGS:
		val_from_uint(out, v->tcp_flags);
		return;
	case DFP_FIELD_DFP_DSCP:
		val_from_uint(out, v->dscp);
		return;
	default:
		memset(out, 0, sizeof(*out));
		return;
	}
	if (family == 6) {
		memcpy(out->b, addr->v6, 16);
		return;
	}
	val_from_uint(out, addr->v4);
}

/* Bit i of a value, counting from the most significant bit (0..127). */
static int
val_bit(const struct oracle_val *x, unsigned int i)
{
	return (x->b[i / 8] >> (7 - i % 8)) & 1;
}

/* Numeric comparison: big-endian bytes compare like the numbers they spell. */
static int
val_cmp(const struct oracle_val *x, const struct oracle_val *y)
{
	return memcmp(x->b, y->b, sizeof(x->b));
}

/* True if the leading `len` bits of a `width`-bit field agree. */
static bool
prefix_equal(const struct oracle_val *x, const struct oracle_val *y, unsigned int len,
		unsigned int width)
{
	unsigned int first = 128 - width;
	unsigned int i;

	if (len > width)
		len = width;
	for (i = 0; i < len; i++)
		if (val_bit(x, first + i) != val_bit(y, first + i))
			return false;
	return true;
}

static bool
flags_all(const struct oracle_val *x, const struct oracle_val *m)
{
	unsigned int i;

	for (i = 0; i < 16; i++)
		if ((x->b[i] & m->b[i]) != m->b[i])
			return false;
	return true;
}

static bool
flags_any(const struct oracle_val *x, const struct oracle_val *m)
{
	unsigned int i;

	for (i = 0; i < 16; i++)
		if ((x->b[i] & m->b[i]) != 0)
			return true;
	return false;
}

static bool
cond_holds(const struct oracle_cond *c, const struct oracle_val *x, unsigned int family)
{
	unsigned int width = field_width(c->field, family);
	bool inside;

	switch (c->match) {
	case DFP_MATCH_EQUAL:
	case DFP_MATCH_NOT_EQUAL:
		if (c->prefix_len >= 0)
			inside = prefix_equal(x, &c->a, (unsigned int)c->prefix_len, width);
		else
			inside = val_cmp(x, &c->a) == 0;
		return c->match == DFP_MATCH_EQUAL ? inside : !inside;
	case DFP_MATCH_GREATER:
		return val_cmp(x, &c->a) > 0;
	case DFP_MATCH_LESS:
		return val_cmp(x, &c->a) < 0;
	case DFP_MATCH_GREATER_OR_EQUAL:
		return val_cmp(x, &c->a) >= 0;
	case DFP_MATCH_LESS_OR_EQUAL:
		return val_cmp(x, &c->a) <= 0;
	case DFP_MATCH_RANGE:
		return val_cmp(x, &c->a) >= 0 && val_cmp(x, &c->b) <= 0;
	case DFP_MATCH_FLAGS_ALL_SET:
		return flags_all(x, &c->a);
	case DFP_MATCH_FLAGS_ANY_SET:
		return flags_any(x, &c->a);
	case DFP_MATCH_FLAGS_NONE_SET:
		return !flags_any(x, &c->a);
	default:
		return false;
	}
}

/*
 * A rule matches when, for every field it names, at least one condition on
 * that field holds. Each field is looked up across the whole list, so the
 * order of the conditions does not matter.
 */
static bool
rule_holds(const struct oracle_rule *r, const struct dfp_engine_values *v, unsigned int family)
{
	unsigned int i, j;

	for (i = 0; i < r->n_conds; i++) {
		unsigned int field = r->conds[i].field;
		struct oracle_val x;
		bool any = false;

		read_field(v, field, family, &x);
		for (j = 0; j < r->n_conds && !any; j++)
			if (r->conds[j].field == field && cond_holds(&r->conds[j], &x, family))
				any = true;
		if (!any)
			return false;
	}
	return true;
}

struct oracle *
oracle_create(unsigned int family)
{
	struct oracle *o = calloc(1, sizeof(*o));

	if (o == NULL)
		return NULL;
	o->family = family;
	return o;
}

void
oracle_destroy(struct oracle *o)
{
	unsigned int i;

	if (o == NULL)
		return;
	for (i = 0; i < o->n_rules; i++)
		free(o->rules[i].conds);
	free(o->rules);
	free(o);
}

int
oracle_sublayer_add(struct oracle *o, uint16_t weight)
{
	if (o->n_sublayers >= ORACLE_MAX_SUBLAYERS)
		return -1;
	o->sublayer_weights[o->n_sublayers] = weight;
	return (int)o->n_sublayers++;
}

int
oracle_rule_add(struct oracle *o, int sublayer, uint64_t id, uint64_t weight,
		unsigned int n_conds, const struct oracle_cond *conds)
{
	struct oracle_rule *r;

	if (sublayer < 0 || (unsigned int)sublayer >= o->n_sublayers)
		return -1;
	if (o->n_rules == o->cap_rules) {
		unsigned int cap = o->cap_rules ? o->cap_rules * 2 : 256;
		struct oracle_rule *nr = realloc(o->rules, cap * sizeof(*nr));

		if (nr == NULL)
			return -1;
		o->rules = nr;
		o->cap_rules = cap;
	}
	r = &o->rules[o->n_rules];
	r->id = id;
	r->weight = weight;
	r->sublayer = sublayer;
	r->n_conds = n_conds;
	r->conds = NULL;
	if (n_conds > 0) {
		r->conds = malloc(n_conds * sizeof(*conds));
		if (r->conds == NULL)
			return -1;
		memcpy(r->conds, conds, n_conds * sizeof(*conds));
	}
	o->n_rules++;
	return 0;
}

void
oracle_cond_from_engine(const struct dfp_engine_cond *c, struct oracle_cond *out)
{
	unsigned int i;

	memset(out, 0, sizeof(*out));
	out->field = c->field;
	out->match = c->match;
	out->prefix_len = c->has_prefix ? c->prefix_len : -1;
	for (i = 0; i < 8; i++) {
		out->a.b[i] = (uint8_t)(c->value.hi >> (56 - 8 * i));
		out->a.b[8 + i] = (uint8_t)(c->value.lo >> (56 - 8 * i));
		out->b.b[i] = (uint8_t)(c->high.hi >> (56 - 8 * i));
		out->b.b[8 + i] = (uint8_t)(c->high.lo >> (56 - 8 * i));
	}
}

/* Rank of a sublayer: how many sublayers come before it. */
static unsigned int
sublayer_rank(const struct oracle *o, int s)
{
	unsigned int rank = 0;
	unsigned int t;

	for (t = 0; t < o->n_sublayers; t++)
		if (o->sublayer_weights[t] > o->sublayer_weights[s] ||
				(o->sublayer_weights[t] == o->sublayer_weights[s] && (int)t < s))
			rank++;
	return rank;
}

/* qsort context: qsort has none, and the oracle is built on one thread. */
static const struct oracle *sort_oracle;

static int
rule_order(const void *pa, const void *pb)
{
	const struct oracle_rule *a = pa;
	const struct oracle_rule *b = pb;
	unsigned int ra = sublayer_rank(sort_oracle, a->sublayer);
	unsigned int rb = sublayer_rank(sort_oracle, b->sublayer);

	if (ra != rb)
		return ra < rb ? -1 : 1;
	if (a->weight != b->weight)
		return a->weight > b->weight ? -1 : 1;
	if (a->id != b->id)
		return a->id < b->id ? -1 : 1;
	return 0;
}

void
oracle_prepare(struct oracle *o)
{
	bool used[ORACLE_MAX_SUBLAYERS] = {false};
	unsigned int rank, i;
	int s;

	sort_oracle = o;
	qsort(o->rules, o->n_rules, sizeof(o->rules[0]), rule_order);
	sort_oracle = NULL;
	for (i = 0; i < o->n_rules; i++)
		used[o->rules[i].sublayer] = true;
	o->row_len = 0;
	for (s = 0; s < ORACLE_MAX_SUBLAYERS; s++)
		o->row_pos[s] = -1;
	/* Walk ranks in order and give each sublayer with rules the next row slot. */
	for (rank = 0; rank < o->n_sublayers; rank++)
		for (s = 0; s < (int)o->n_sublayers; s++)
			if (sublayer_rank(o, s) == rank && used[s])
				o->row_pos[s] = (int)o->row_len++;
}

unsigned int
oracle_match(const struct oracle *o, const struct dfp_engine_values *v, unsigned int max,
		uint64_t row[])
{
	bool done[ORACLE_MAX_SUBLAYERS] = {false};
	unsigned int i;

	for (i = 0; i < o->row_len && i < max; i++)
		row[i] = 0;
	for (i = 0; i < o->n_rules; i++) {
		const struct oracle_rule *r = &o->rules[i];
		int pos = o->row_pos[r->sublayer];

		if (done[pos])
			continue;
		if (rule_holds(r, v, o->family)) {
			done[pos] = true;
			if ((unsigned int)pos < max)
				row[pos] = r->id;
		}
	}
	return o->row_len;
}

static const struct oracle_rule *
rule_find(const struct oracle *o, uint64_t id)
{
	unsigned int i;

	for (i = 0; i < o->n_rules; i++)
		if (o->rules[i].id == id)
			return &o->rules[i];
	return NULL;
}

bool
oracle_rule_matches(const struct oracle *o, uint64_t id, const struct dfp_engine_values *v)
{
	const struct oracle_rule *r = rule_find(o, id);

	return r != NULL && rule_holds(r, v, o->family);
}

static void
val_print(const struct oracle_val *x, unsigned int width, FILE *f)
{
	unsigned int i;

	fprintf(f, "0x");
	for (i = 16 - (width + 7) / 8; i < 16; i++)
		fprintf(f, "%02x", x->b[i]);
}

void
oracle_rule_print(const struct oracle *o, uint64_t id, FILE *f)
{
	const struct oracle_rule *r = rule_find(o, id);
	unsigned int i;

	if (r == NULL) {
		fprintf(f, "filter %" PRIu64 ": not in the oracle\n", id);
		return;
	}
	fprintf(f, "filter %" PRIu64 ": sublayer #%d (weight %u) weight %" PRIu64 " conds %u:",
		r->id, r->sublayer, o->sublayer_weights[r->sublayer], r->weight, r->n_conds);
	for (i = 0; i < r->n_conds; i++) {
		const struct oracle_cond *c = &r->conds[i];
		unsigned int width = field_width(c->field, o->family);

		fprintf(f, " [%s %s ", dfp_engine_field_name(c->field),
			dfp_engine_match_name(c->match));
		val_print(&c->a, width, f);
		if (c->prefix_len >= 0)
			fprintf(f, "/%d", c->prefix_len);
		if (c->match == DFP_MATCH_RANGE) {
			fprintf(f, "..");
			val_print(&c->b, width, f);
		}
		fprintf(f, "]");
	}
	fprintf(f, "\n");
}

void
oracle_values_print(const struct oracle *o, const struct dfp_engine_values *v, FILE *f)
{
	unsigned int field;

	fprintf(f, "packet:");
	for (field = 0; field < DFP_FIELD_COUNT; field++) {
		struct oracle_val x;

		read_field(v, field, o->family, &x);
		fprintf(f, " %s=", dfp_engine_field_name(field));
		val_print(&x, field_width(field, o->family), f);
	}
	fprintf(f, "\n");
}
