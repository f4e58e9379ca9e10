/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The value grammar shared by the YAML loader and the console: numbers,
 * weights, filter flags and condition values (addresses, prefixes, MACs,
 * named constants, flag lists, ranges).
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "conf_private.h"

/* Longest operand text (one end of a range), including NUL. */
#define OPERAND_SIZE CONF_VALUE_SIZE

struct named_value {
	const char *name;
	uint32_t value;
};

static const struct named_value protocol_names[] = {
	{"icmp", 1}, {"igmp", 2}, {"tcp", 6}, {"udp", 17}, {"gre", 47}, {"esp", 50},
	{"ah", 51}, {"icmpv6", 58}, {"ipv6-icmp", 58}, {"sctp", 132},
};

static const struct named_value direction_names[] = {
	{"outbound", DFP_DIRECTION_OUTBOUND}, {"inbound", DFP_DIRECTION_INBOUND},
};

static const struct named_value ether_type_names[] = {
	{"ipv4", 0x0800}, {"arp", 0x0806}, {"vlan", 0x8100}, {"ipv6", 0x86dd}, {"qinq", 0x88a8},
};

static const struct named_value cond_flag_names[] = {
	{"is_loopback", DFP_COND_FLAG_IS_LOOPBACK},
	{"is_reauthorize", DFP_COND_FLAG_IS_REAUTHORIZE},
	{"is_fragment", DFP_COND_FLAG_IS_FRAGMENT},
	{"is_fragment_group", DFP_COND_FLAG_IS_FRAGMENT_GROUP},
	{"requires_ale_classify", DFP_COND_FLAG_REQUIRES_ALE_CLASSIFY},
	{"is_reassembled", DFP_COND_FLAG_IS_REASSEMBLED},
};

static const struct named_value tcp_flag_names[] = {
	{"fin", 0x01}, {"syn", 0x02}, {"rst", 0x04}, {"psh", 0x08},
	{"ack", 0x10}, {"urg", 0x20}, {"ece", 0x40}, {"cwr", 0x80},
};

static const struct named_value filter_flag_names[] = {
	{"persistent", DFP_FILTER_FLAG_PERSISTENT},
	{"clear_action_right", DFP_FILTER_FLAG_CLEAR_ACTION_RIGHT},
	{"permit_if_callout_unregistered", DFP_FILTER_FLAG_PERMIT_IF_CALLOUT_UNREGISTERED},
};

static void set_err(char *err, size_t err_len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
set_err(char *err, size_t err_len, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || err_len == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, err_len, fmt, ap);
	va_end(ap);
}

const char *
conf_quote(const char *s, char *buf, size_t size)
{
	size_t len = strlen(s);

	if (len <= 40)
		snprintf(buf, size, "'%s'", s);
	else
		snprintf(buf, size, "'%.37s...'", s);
	return buf;
}

static bool
is_space(char ch)
{
	return ch == ' ' || ch == '\t';
}

/* Copy s[0..len) without surrounding blanks into buf; false if it does not fit. */
static bool
copy_trimmed(const char *s, size_t len, char *buf, size_t size)
{
	while (len > 0 && is_space(s[0])) {
		s++;
		len--;
	}
	while (len > 0 && is_space(s[len - 1]))
		len--;
	if (len >= size)
		return false;
	memcpy(buf, s, len);
	buf[len] = '\0';
	return true;
}

static int
hex_digit(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

dfp_status_t
conf_u64_parse(const char *s, uint64_t lo, uint64_t hi, uint64_t *out, char *err, size_t err_len)
{
	unsigned int base = 10;
	const char *p = s;
	bool overflow = false;
	uint64_t v = 0;
	char q[48];
	int d;

	if (s == NULL || *s == '\0') {
		set_err(err, err_len, "empty value where a number is expected");
		return DFP_STATUS_INVALID_PARAMETER;
	}
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
	}
	if (*p == '\0')
		goto not_a_number;
	for (; *p != '\0'; p++) {
		d = hex_digit(*p);
		if (d < 0 || (unsigned int)d >= base)
			goto not_a_number;
		if (v > (UINT64_MAX - (uint64_t)d) / base)
			overflow = true;
		else
			v = v * base + (uint64_t)d;
	}
	if (overflow || v < lo || v > hi) {
		set_err(err, err_len, "%s is out of range %" PRIu64 "..%" PRIu64,
			conf_quote(s, q, sizeof(q)), lo, hi);
		return DFP_STATUS_INVALID_PARAMETER;
	}
	*out = v;
	return DFP_STATUS_SUCCESS;

not_a_number:
	set_err(err, err_len, "%s is not a number", conf_quote(s, q, sizeof(q)));
	return DFP_STATUS_INVALID_PARAMETER;
}

dfp_status_t
dfp_conf_u64_parse(const char *s, uint64_t lo, uint64_t hi, uint64_t *out)
{
	if (out == NULL || lo > hi)
		return DFP_STATUS_INVALID_PARAMETER;
	return conf_u64_parse(s, lo, hi, out, NULL, 0);
}

dfp_status_t
dfp_conf_weight_parse(const char *s, enum dfp_engine_weight_type *type, uint64_t *weight,
		char *err, size_t err_len)
{
	uint64_t v;
	char q[48];

	if (s == NULL || type == NULL || weight == NULL) {
		set_err(err, err_len, "missing weight");
		return DFP_STATUS_INVALID_PARAMETER;
	}
	if (strcasecmp(s, "auto") == 0) {
		*type = DFP_ENGINE_WEIGHT_AUTO;
		*weight = 0;
		return DFP_STATUS_SUCCESS;
	}
	if (strncasecmp(s, "range:", 6) == 0) {
		const char *n = s + 6;

		while (is_space(*n))
			n++;
		if (conf_u64_parse(n, 0, 15, &v, NULL, 0) != DFP_STATUS_SUCCESS) {
			set_err(err, err_len, "bad weight %s: the range is 0..15",
				conf_quote(s, q, sizeof(q)));
			return DFP_STATUS_INVALID_PARAMETER;
		}
		*type = DFP_ENGINE_WEIGHT_RANGE;
		*weight = v;
		return DFP_STATUS_SUCCESS;
	}
	if (conf_u64_parse(s, 0, UINT64_MAX, &v, NULL, 0) != DFP_STATUS_SUCCESS) {
		set_err(err, err_len, "bad weight %s: expected a number (uint64), auto or range:N",
			conf_quote(s, q, sizeof(q)));
		return DFP_STATUS_INVALID_PARAMETER;
	}
	*type = DFP_ENGINE_WEIGHT_EXPLICIT;
	*weight = v;
	return DFP_STATUS_SUCCESS;
}

uint32_t
conf_filter_flag_from_name(const char *name)
{
	unsigned int i;

	for (i = 0; i < CONF_DIM(filter_flag_names); i++)
		if (strcasecmp(filter_flag_names[i].name, name) == 0)
			return filter_flag_names[i].value;
	return 0;
}

dfp_status_t
dfp_conf_filter_flags_parse(const char *s, uint32_t *flags, char *err, size_t err_len)
{
	char name[DFP_CONF_NAME_SIZE];
	uint32_t acc = 0;
	const char *end;
	uint32_t bit;
	bool fits;
	char q[48];

	if (s == NULL || flags == NULL) {
		set_err(err, err_len, "missing flags");
		return DFP_STATUS_INVALID_PARAMETER;
	}
	for (;;) {
		end = strchr(s, ',');
		if (end == NULL)
			end = s + strlen(s);
		fits = copy_trimmed(s, (size_t)(end - s), name, sizeof(name));
		if (fits && name[0] == '\0') {
			set_err(err, err_len, "empty filter flag name");
			return DFP_STATUS_INVALID_PARAMETER;
		}
		bit = fits ? conf_filter_flag_from_name(name) : 0;
		if (bit == 0) {
			set_err(err, err_len, "unknown filter flag %s (persistent, "
				"clear_action_right, permit_if_callout_unregistered)",
				conf_quote(fits ? name : s, q, sizeof(q)));
			return DFP_STATUS_INVALID_PARAMETER;
		}
		acc |= bit;
		if (*end == '\0')
			break;
		s = end + 1;
	}
	*flags = acc;
	return DFP_STATUS_SUCCESS;
}

int
conf_layer_lookup(const char *s)
{
	const uint16_t *ids;
	struct dfp_guid g, lg;
	unsigned int n, i;
	int id;

	id = dfp_engine_layer_from_name(s);
	if (id >= 0)
		return id;
	if (dfp_guid_parse(s, &g) != 0)
		return -1;
	ids = dfp_engine_layer_ids(&n);
	for (i = 0; i < n; i++)
		if (dfp_guid_parse(dfp_engine_layer_guid(ids[i]), &lg) == 0 && dfp_guid_equal(&g, &lg))
			return ids[i];
	return -1;
}

/* ---- Operands ---- */

static const struct named_value *
named_lookup(const struct named_value *t, size_t n, const char *s)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcasecmp(t[i].name, s) == 0)
			return &t[i];
	return NULL;
}

/* Named constants of a field (NULL if it has none), and whether they combine as flags. */
static const struct named_value *
field_names(enum dfp_field field, size_t *n, bool *is_flags)
{
	*is_flags = false;
	switch (field) {
	case DFP_FIELD_IP_PROTOCOL:
		*n = CONF_DIM(protocol_names);
		return protocol_names;
	case DFP_FIELD_DIRECTION:
		*n = CONF_DIM(direction_names);
		return direction_names;
	case DFP_FIELD_ETHER_TYPE:
		*n = CONF_DIM(ether_type_names);
		return ether_type_names;
	case DFP_FIELD_FLAGS:
		*is_flags = true;
		*n = CONF_DIM(cond_flag_names);
		return cond_flag_names;
	case DFP_FIELD_DFP_TCP_FLAGS:
		*is_flags = true;
		*n = CONF_DIM(tcp_flag_names);
		return tcp_flag_names;
	default:
		*n = 0;
		return NULL;
	}
}

/* One integer token of a field: a name of the field's table or a number. */
static dfp_status_t
int_token(enum dfp_field field, const char *tok, uint64_t max, uint64_t *out, char *err,
		size_t err_len)
{
	const struct named_value *t, *nv;
	bool is_flags;
	char q[48];
	size_t n;

	t = field_names(field, &n, &is_flags);
	if (t != NULL && (nv = named_lookup(t, n, tok)) != NULL) {
		*out = nv->value;
		return DFP_STATUS_SUCCESS;
	}
	if (conf_u64_parse(tok, 0, max, out, err, err_len) == DFP_STATUS_SUCCESS)
		return DFP_STATUS_SUCCESS;
	if (t != NULL && (tok[0] < '0' || tok[0] > '9'))
		set_err(err, err_len, "unknown %s %s for %s", is_flags ? "flag" : "name",
			conf_quote(tok, q, sizeof(q)), dfp_engine_field_name(field));
	return DFP_STATUS_INVALID_PARAMETER;
}

static dfp_status_t
int_operand(enum dfp_field field, const char *s, uint64_t max, struct dfp_u128 *v, char *err,
		size_t err_len)
{
	char tok[OPERAND_SIZE];
	const char *p = s, *end;
	uint64_t acc = 0, x;
	bool is_flags;
	size_t n;

	field_names(field, &n, &is_flags);
	if (!is_flags) {
		if (int_token(field, s, max, &x, err, err_len) != DFP_STATUS_SUCCESS)
			return DFP_STATUS_INVALID_PARAMETER;
		v->hi = 0;
		v->lo = x;
		return DFP_STATUS_SUCCESS;
	}
	/* Flag fields: names or numbers joined by '|' or ','. */
	for (;;) {
		end = p + strcspn(p, "|,");
		if (!copy_trimmed(p, (size_t)(end - p), tok, sizeof(tok)) || tok[0] == '\0') {
			set_err(err, err_len, "empty flag in %s", dfp_engine_field_name(field));
			return DFP_STATUS_INVALID_PARAMETER;
		}
		if (int_token(field, tok, max, &x, err, err_len) != DFP_STATUS_SUCCESS)
			return DFP_STATUS_INVALID_PARAMETER;
		acc |= x;
		if (*end == '\0')
			break;
		p = end + 1;
	}
	v->hi = 0;
	v->lo = acc;
	return DFP_STATUS_SUCCESS;
}

static dfp_status_t
mac_operand(const char *s, struct dfp_u128 *v, char *err, size_t err_len)
{
	uint64_t acc = 0;
	unsigned int i;
	int h, l;
	char q[48];

	for (i = 0; i < 6; i++) {
		const char *g = s + 3 * i;

		h = hex_digit(g[0]);
		l = h < 0 ? -1 : hex_digit(g[1]);
		if (h < 0 || l < 0 || g[2] != (i == 5 ? '\0' : ':')) {
			set_err(err, err_len, "bad MAC address %s: expected aa:bb:cc:dd:ee:ff",
				conf_quote(s, q, sizeof(q)));
			return DFP_STATUS_INVALID_PARAMETER;
		}
		acc = (acc << 8) | (uint64_t)(h << 4 | l);
	}
	v->hi = 0;
	v->lo = acc;
	return DFP_STATUS_SUCCESS;
}

/* Prefix length after '/': decimal, 0..bits. */
static dfp_status_t
prefix_len_parse(const char *full, const char *s, unsigned int bits, uint8_t *len, char *err,
		size_t err_len)
{
	unsigned int v = 0;
	const char *p;
	char q[48];

	if (*s == '\0')
		goto bad;
	for (p = s; *p != '\0'; p++) {
		if (*p < '0' || *p > '9' || p - s >= 3)
			goto bad;
		v = v * 10 + (unsigned int)(*p - '0');
	}
	if (v > bits)
		goto bad;
	*len = (uint8_t)v;
	return DFP_STATUS_SUCCESS;
bad:
	set_err(err, err_len, "bad prefix length in %s: expected /0../%u",
		conf_quote(full, q, sizeof(q)), bits);
	return DFP_STATUS_INVALID_PARAMETER;
}

/* Clear the host bits of a bits-wide value below a prefix of len bits. */
static void
prefix_mask(unsigned int len, unsigned int bits, struct dfp_u128 *v)
{
	uint64_t mhi, mlo;

	if (bits == 32) {
		mhi = 0;
		mlo = len == 0 ? 0 : (UINT64_C(0xffffffff) << (32 - len)) & UINT64_C(0xffffffff);
	} else if (len <= 64) {
		mhi = len == 0 ? 0 : UINT64_MAX << (64 - len);
		mlo = 0;
	} else {
		mhi = UINT64_MAX;
		mlo = UINT64_MAX << (128 - len);
	}
	v->hi &= mhi;
	v->lo &= mlo;
}

static dfp_status_t
addr_operand(unsigned int family, const char *s, bool allow_prefix, struct dfp_u128 *v,
		uint8_t *has_prefix, uint8_t *prefix_len, char *err, size_t err_len)
{
	char text[OPERAND_SIZE];
	unsigned int bits = family == 6 ? 128 : 32;
	unsigned char b[16];
	struct in_addr a4;
	const char *slash;
	unsigned int i;
	char q[48];

	slash = strchr(s, '/');
	if (strlen(s) >= sizeof(text)) {
		set_err(err, err_len, "bad address %s", conf_quote(s, q, sizeof(q)));
		return DFP_STATUS_INVALID_PARAMETER;
	}
	strcpy(text, s);
	if (slash != NULL)
		text[slash - s] = '\0';
	if (family == 6) {
		if (inet_pton(AF_INET6, text, b) != 1) {
			if (inet_pton(AF_INET, text, &a4) == 1)
				set_err(err, err_len, "IPv4 address %s at an IPv6 layer",
					conf_quote(s, q, sizeof(q)));
			else
				set_err(err, err_len, "bad IPv6 address %s", conf_quote(s, q, sizeof(q)));
			return DFP_STATUS_INVALID_PARAMETER;
		}
		v->hi = 0;
		v->lo = 0;
		for (i = 0; i < 8; i++)
			v->hi = (v->hi << 8) | b[i];
		for (i = 8; i < 16; i++)
			v->lo = (v->lo << 8) | b[i];
	} else {
		if (inet_pton(AF_INET, text, &a4) != 1) {
			if (inet_pton(AF_INET6, text, b) == 1)
				set_err(err, err_len, "IPv6 address %s at an IPv4 layer",
					conf_quote(s, q, sizeof(q)));
			else
				set_err(err, err_len, "bad IPv4 address %s", conf_quote(s, q, sizeof(q)));
			return DFP_STATUS_INVALID_PARAMETER;
		}
		v->hi = 0;
		v->lo = ntohl(a4.s_addr);
	}
	*has_prefix = 0;
	*prefix_len = 0;
	if (slash == NULL)
		return DFP_STATUS_SUCCESS;
	if (!allow_prefix) {
		set_err(err, err_len, "%s: a prefix (/len) is only allowed with match equal or "
			"not_equal", conf_quote(s, q, sizeof(q)));
		return DFP_STATUS_INVALID_PARAMETER;
	}
	if (prefix_len_parse(s, slash + 1, bits, prefix_len, err, err_len) != DFP_STATUS_SUCCESS)
		return DFP_STATUS_INVALID_PARAMETER;
	*has_prefix = 1;
	/* Keep the network only: 10.1.2.3/8 is 10.0.0.0/8. */
	prefix_mask(*prefix_len, bits, v);
	return DFP_STATUS_SUCCESS;
}

/* One operand of a condition, by the field's type at the layer's family. */
static dfp_status_t
operand_parse(enum dfp_field field, unsigned int family, const char *s, bool allow_prefix,
		struct dfp_u128 *v, uint8_t *has_prefix, uint8_t *prefix_len, char *err,
		size_t err_len)
{
	unsigned int bits = dfp_engine_field_bits(field, family);

	*has_prefix = 0;
	*prefix_len = 0;
	if (*s == '\0') {
		set_err(err, err_len, "empty value");
		return DFP_STATUS_INVALID_PARAMETER;
	}
	switch (dfp_engine_field_type(field)) {
	case DFP_FIELD_TYPE_ADDR:
		return addr_operand(family, s, allow_prefix, v, has_prefix, prefix_len, err,
			err_len);
	case DFP_FIELD_TYPE_MAC:
		return mac_operand(s, v, err, err_len);
	default:
		return int_operand(field, s, bits >= 64 ? UINT64_MAX : (UINT64_C(1) << bits) - 1,
			v, err, err_len);
	}
}

/* ---- Conditions ---- */

static int
u128_cmp(struct dfp_u128 a, struct dfp_u128 b)
{
	if (a.hi != b.hi)
		return a.hi < b.hi ? -1 : 1;
	if (a.lo != b.lo)
		return a.lo < b.lo ? -1 : 1;
	return 0;
}

/* Both ends of a range; errors in err, which end in *part. */
static dfp_status_t
range_ends(enum dfp_field field, unsigned int family, const char *lo, const char *hi,
		struct dfp_engine_cond *out, char *err, size_t err_len, enum conf_cond_part *part,
		enum conf_cond_part hi_part)
{
	uint8_t has_prefix, prefix_len;

	*part = CONF_COND_VALUE;
	if (operand_parse(field, family, lo, false, &out->value, &has_prefix, &prefix_len, err,
			err_len) != DFP_STATUS_SUCCESS)
		return DFP_STATUS_INVALID_PARAMETER;
	*part = hi_part;
	if (operand_parse(field, family, hi, false, &out->high, &has_prefix, &prefix_len, err,
			err_len) != DFP_STATUS_SUCCESS)
		return DFP_STATUS_INVALID_PARAMETER;
	return DFP_STATUS_SUCCESS;
}

/*
 * A range written as one string: "[lo,hi]" or "lo-hi". A separator that
 * also occurs inside a value (ipv6-icmp, flag lists joined by ',') is
 * resolved by trying each split until both ends parse.
 */
static dfp_status_t
range_text(enum dfp_field field, unsigned int family, const char *s, struct dfp_engine_cond *out,
		char *err, size_t err_len, enum conf_cond_part *part)
{
	char inner[CONF_VALUE_SIZE], lo[CONF_VALUE_SIZE], hi[CONF_VALUE_SIZE];
	char scratch[8];
	size_t len = strlen(s);
	unsigned int nsep = 0;
	const char *one_sep = NULL;
	char sep = '-';
	const char *p;
	char q[48];

	*part = CONF_COND_VALUE;
	if (len >= 2 && s[0] == '[' && s[len - 1] == ']') {
		if (!copy_trimmed(s + 1, len - 2, inner, sizeof(inner)))
			goto bad_form;
		sep = ',';
	} else if (!copy_trimmed(s, len, inner, sizeof(inner))) {
		goto bad_form;
	}
	for (p = inner; (p = strchr(p, sep)) != NULL; p++) {
		nsep++;
		if (!copy_trimmed(inner, (size_t)(p - inner), lo, sizeof(lo)) ||
				!copy_trimmed(p + 1, strlen(p + 1), hi, sizeof(hi)))
			continue;
		if (one_sep == NULL)
			one_sep = p;
		if (range_ends(field, family, lo, hi, out, scratch, sizeof(scratch), part,
				CONF_COND_VALUE) == DFP_STATUS_SUCCESS)
			return DFP_STATUS_SUCCESS;
	}
	if (nsep == 1 && one_sep != NULL) {
		/* One way to split: say which end is wrong. */
		copy_trimmed(inner, (size_t)(one_sep - inner), lo, sizeof(lo));
		copy_trimmed(one_sep + 1, strlen(one_sep + 1), hi, sizeof(hi));
		range_ends(field, family, lo, hi, out, err, err_len, part, CONF_COND_VALUE);
		return DFP_STATUS_INVALID_PARAMETER;
	}
	if (nsep > 0) {
		set_err(err, err_len, "bad range %s", conf_quote(s, q, sizeof(q)));
		return DFP_STATUS_INVALID_PARAMETER;
	}
bad_form:
	set_err(err, err_len, "bad range %s: expected lo-hi or [lo,hi]", conf_quote(s, q, sizeof(q)));
	return DFP_STATUS_INVALID_PARAMETER;
}

dfp_status_t
conf_cond_build(uint16_t layer_id, enum dfp_field field, enum dfp_match match, const char *value,
		const char *high, struct dfp_engine_cond *out, char *err, size_t err_len,
		enum conf_cond_part *part)
{
	unsigned int family = dfp_engine_layer_family(layer_id);
	struct dfp_engine_cond c;
	enum dfp_field_type type;
	const char *mname;
	char q[48];

	memset(&c, 0, sizeof(c));
	*part = CONF_COND_LAYER;
	if (!dfp_engine_layer_is_valid(layer_id)) {
		set_err(err, err_len, "unknown layer id %u", layer_id);
		return DFP_STATUS_INVALID_PARAMETER;
	}
	*part = CONF_COND_FIELD;
	if ((unsigned int)field >= DFP_FIELD_COUNT) {
		set_err(err, err_len, "unknown field id %u", (unsigned int)field);
		return DFP_STATUS_INVALID_PARAMETER;
	}
	*part = CONF_COND_LAYER;
	if (!dfp_engine_layer_has_field(layer_id, field)) {
		set_err(err, err_len, "field %s is not available at layer %s",
			dfp_engine_field_name(field), dfp_engine_layer_name(layer_id));
		return DFP_STATUS_INVALID_PARAMETER;
	}
	type = dfp_engine_field_type(field);
	mname = dfp_engine_match_name(match);
	*part = CONF_COND_MATCH;
	switch (match) {
	case DFP_MATCH_EQUAL:
	case DFP_MATCH_NOT_EQUAL:
	case DFP_MATCH_GREATER:
	case DFP_MATCH_LESS:
	case DFP_MATCH_GREATER_OR_EQUAL:
	case DFP_MATCH_LESS_OR_EQUAL:
	case DFP_MATCH_RANGE:
		break;
	case DFP_MATCH_FLAGS_ALL_SET:
	case DFP_MATCH_FLAGS_ANY_SET:
	case DFP_MATCH_FLAGS_NONE_SET:
		if (type == DFP_FIELD_TYPE_ADDR || type == DFP_FIELD_TYPE_MAC) {
			set_err(err, err_len, "match %s needs an integer field; %s is %s", mname,
				dfp_engine_field_name(field),
				type == DFP_FIELD_TYPE_MAC ? "a MAC address" : "an IP address");
			return DFP_STATUS_INVALID_PARAMETER;
		}
		break;
	default:
		if (mname != NULL)
			set_err(err, err_len, "match %s is not supported (string values only)", mname);
		else
			set_err(err, err_len, "unknown match type %u", (unsigned int)match);
		return DFP_STATUS_INVALID_PARAMETER;
	}
	c.field = (uint16_t)field;
	c.match = (uint16_t)match;
	*part = CONF_COND_VALUE;
	if (value == NULL) {
		set_err(err, err_len, "missing value");
		return DFP_STATUS_INVALID_PARAMETER;
	}
	if (match == DFP_MATCH_RANGE) {
		if (high != NULL) {
			if (range_ends(field, family, value, high, &c, err, err_len, part,
					CONF_COND_HIGH) != DFP_STATUS_SUCCESS)
				return DFP_STATUS_INVALID_PARAMETER;
		} else if (range_text(field, family, value, &c, err, err_len, part) !=
				DFP_STATUS_SUCCESS) {
			return DFP_STATUS_INVALID_PARAMETER;
		}
		if (u128_cmp(c.value, c.high) > 0) {
			*part = CONF_COND_VALUE;
			if (high != NULL)
				set_err(err, err_len, "reversed range [%s, %s]: low end above high end",
					value, high);
			else
				set_err(err, err_len, "reversed range %s: low end above high end",
					conf_quote(value, q, sizeof(q)));
			return DFP_STATUS_INVALID_PARAMETER;
		}
	} else {
		if (high != NULL) {
			set_err(err, err_len, "a [lo, hi] list is only for match range");
			return DFP_STATUS_INVALID_PARAMETER;
		}
		if (operand_parse(field, family, value,
				match == DFP_MATCH_EQUAL || match == DFP_MATCH_NOT_EQUAL, &c.value,
				&c.has_prefix, &c.prefix_len, err, err_len) != DFP_STATUS_SUCCESS)
			return DFP_STATUS_INVALID_PARAMETER;
	}
	*out = c;
	return DFP_STATUS_SUCCESS;
}

dfp_status_t
dfp_conf_cond_parse(uint16_t layer_id, const char *field, const char *match, const char *value,
		struct dfp_engine_cond *out, char *err, size_t err_len)
{
	enum conf_cond_part part;
	int f, m;
	char q[48];

	if (field == NULL || match == NULL || value == NULL || out == NULL) {
		set_err(err, err_len, "a condition needs a field, a match type and a value");
		return DFP_STATUS_INVALID_PARAMETER;
	}
	f = dfp_engine_field_from_name(field);
	if (f < 0) {
		set_err(err, err_len, "unknown field %s", conf_quote(field, q, sizeof(q)));
		return DFP_STATUS_INVALID_PARAMETER;
	}
	m = dfp_engine_match_from_name(match);
	if (m < 0) {
		set_err(err, err_len, "unknown match type %s", conf_quote(match, q, sizeof(q)));
		return DFP_STATUS_INVALID_PARAMETER;
	}
	return conf_cond_build(layer_id, (enum dfp_field)f, (enum dfp_match)m, value, NULL, out,
		err, err_len, &part);
}
