/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ClassBench wustl rule/trace loader (see classbench.h). A small cursor
 * parser rather than sscanf, so that every malformed line is rejected with
 * its line number instead of being half read.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "classbench.h"

/* Longest line accepted (wustl lines are under 100 characters). */
#define LINE_SIZE 512

struct cursor {
	const char *p;
};

static void __attribute__((format(printf, 5, 6)))
set_err(char *err, size_t err_size, const char *path, uint32_t line, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	if (err == NULL || err_size == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(err, err_size, "%s:%u: %s", path, line, msg);
}

static void
skip_space(struct cursor *c)
{
	while (*c->p == ' ' || *c->p == '\t')
		c->p++;
}

/* Whitespace, then the literal character ch. */
static int
expect(struct cursor *c, char ch)
{
	skip_space(c);
	if (*c->p != ch)
		return -1;
	c->p++;
	return 0;
}

/* An unsigned number (decimal, or hex with 0x) no larger than max. */
static int
number(struct cursor *c, int base, unsigned long max, unsigned long *out)
{
	char *end;

	skip_space(c);
	if (!isdigit((unsigned char)*c->p))
		return -1;
	errno = 0;
	*out = strtoul(c->p, &end, base);
	if (errno != 0 || end == c->p || *out > max)
		return -1;
	c->p = end;
	return 0;
}

/* a.b.c.d/len */
static int
prefix(struct cursor *c, uint32_t *addr, uint8_t *len)
{
	unsigned long v;
	unsigned int i;

	skip_space(c);
	*addr = 0;
	for (i = 0; i < 4; i++) {
		if (i > 0 && *c->p++ != '.')
			return -1;
		if (!isdigit((unsigned char)*c->p) || number(c, 10, 255, &v) < 0)
			return -1;
		*addr = (*addr << 8) | (uint32_t)v;
	}
	if (*c->p++ != '/' || !isdigit((unsigned char)*c->p) || number(c, 10, 32, &v) < 0)
		return -1;
	*len = (uint8_t)v;
	return 0;
}

/* lo : hi */
static int
port_range(struct cursor *c, uint16_t *lo, uint16_t *hi)
{
	unsigned long a, b;

	if (number(c, 10, 65535, &a) < 0 || expect(c, ':') < 0 || number(c, 10, 65535, &b) < 0)
		return -1;
	if (a > b)
		return -1;
	*lo = (uint16_t)a;
	*hi = (uint16_t)b;
	return 0;
}

/* 0xPP/0xMM, either case. */
static int
proto_field(struct cursor *c, uint8_t *proto, uint8_t *mask)
{
	unsigned long v, m;

	skip_space(c);
	if (strncasecmp(c->p, "0x", 2) != 0 || number(c, 16, 255, &v) < 0)
		return -1;
	if (*c->p++ != '/' || strncasecmp(c->p, "0x", 2) != 0 || number(c, 16, 255, &m) < 0)
		return -1;
	*proto = (uint8_t)v;
	*mask = (uint8_t)m;
	return 0;
}

/*
 * The newer generator's sixth field, a 16-bit TCP-flags value/mask
 * (`0x0000/0x0200`): accepted when present and ignored, as a 5-tuple
 * classifier does (see the data README).
 */
static int
optional_flags_field(struct cursor *c)
{
	unsigned long v, m;

	skip_space(c);
	if (c->p[0] != '0' || (c->p[1] != 'x' && c->p[1] != 'X'))
		return 0;
	if (number(c, 16, 0xffff, &v) < 0 || expect(c, '/') < 0 || number(c, 16, 0xffff, &m) < 0)
		return -1;
	return 0;
}

static int
at_end(struct cursor *c)
{
	while (isspace((unsigned char)*c->p))
		c->p++;
	return *c->p == '\0' ? 0 : -1;
}

static bool
blank(const char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	return *s == '\0';
}

/* Grow a malloc'ed array by doubling; returns 0 or -ENOMEM. */
static int
grow(void **arr, uint32_t *cap, uint32_t need, size_t elem)
{
	uint32_t ncap;
	void *n;

	if (need <= *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 1024;
	n = realloc(*arr, (size_t)ncap * elem);
	if (n == NULL)
		return -ENOMEM;
	*arr = n;
	*cap = ncap;
	return 0;
}

int
classbench_rules_load(const char *path, struct classbench_rule **rules, uint32_t *n_rules,
		char *err, size_t err_size)
{
	struct classbench_rule *arr = NULL;
	char buf[LINE_SIZE];
	uint32_t line = 0;
	uint32_t cap = 0;
	uint32_t n = 0;
	int rc = 0;
	FILE *f;

	*rules = NULL;
	*n_rules = 0;
	f = fopen(path, "r");
	if (f == NULL) {
		rc = -errno;
		set_err(err, err_size, path, 0, "%s", strerror(errno));
		return rc;
	}
	while (fgets(buf, sizeof(buf), f) != NULL) {
		struct cursor c = {buf};
		struct classbench_rule r;

		line++;
		if (blank(buf))
			continue;
		memset(&r, 0, sizeof(r));
		r.line = line;
		if (expect(&c, '@') < 0 || prefix(&c, &r.src_addr, &r.src_len) < 0 ||
				prefix(&c, &r.dst_addr, &r.dst_len) < 0 ||
				port_range(&c, &r.sport_lo, &r.sport_hi) < 0 ||
				port_range(&c, &r.dport_lo, &r.dport_hi) < 0 ||
				proto_field(&c, &r.proto, &r.proto_mask) < 0 ||
				optional_flags_field(&c) < 0 || at_end(&c) < 0) {
			set_err(err, err_size, path, line, "not a wustl rule: %.60s", buf);
			rc = -EINVAL;
			break;
		}
		rc = grow((void **)&arr, &cap, n + 1, sizeof(*arr));
		if (rc < 0) {
			set_err(err, err_size, path, line, "out of memory");
			break;
		}
		arr[n++] = r;
	}
	if (rc == 0 && ferror(f)) {
		rc = -EIO;
		set_err(err, err_size, path, line, "read error");
	}
	fclose(f);
	if (rc < 0) {
		free(arr);
		return rc;
	}
	*rules = arr;
	*n_rules = n;
	return 0;
}

int
classbench_trace_load(const char *path, struct classbench_packet **packets, uint32_t *n_packets,
		char *err, size_t err_size)
{
	struct classbench_packet *arr = NULL;
	char buf[LINE_SIZE];
	uint32_t line = 0;
	uint32_t cap = 0;
	uint32_t n = 0;
	int rc = 0;
	FILE *f;

	*packets = NULL;
	*n_packets = 0;
	f = fopen(path, "r");
	if (f == NULL) {
		rc = -errno;
		set_err(err, err_size, path, 0, "%s", strerror(errno));
		return rc;
	}
	while (fgets(buf, sizeof(buf), f) != NULL) {
		struct cursor c = {buf};
		unsigned long v[6];
		static const unsigned long max[6] = {
			UINT32_MAX, UINT32_MAX, 65535, 65535, 255, UINT32_MAX,
		};
		unsigned int i;

		line++;
		if (blank(buf))
			continue;
		for (i = 0; i < 6; i++)
			if (number(&c, 10, max[i], &v[i]) < 0)
				break;
		if (i < 6 || at_end(&c) < 0 || v[5] == 0) {
			set_err(err, err_size, path, line, "not a wustl trace line: %.60s", buf);
			rc = -EINVAL;
			break;
		}
		rc = grow((void **)&arr, &cap, n + 1, sizeof(*arr));
		if (rc < 0) {
			set_err(err, err_size, path, line, "out of memory");
			break;
		}
		arr[n].src_addr = (uint32_t)v[0];
		arr[n].dst_addr = (uint32_t)v[1];
		arr[n].src_port = (uint16_t)v[2];
		arr[n].dst_port = (uint16_t)v[3];
		arr[n].proto = (uint8_t)v[4];
		arr[n].rule = (uint32_t)v[5];
		n++;
	}
	if (rc == 0 && ferror(f)) {
		rc = -EIO;
		set_err(err, err_size, path, line, "read error");
	}
	fclose(f);
	if (rc < 0) {
		free(arr);
		return rc;
	}
	*packets = arr;
	*n_packets = n;
	return 0;
}

static void
cond_prefix(struct dfp_engine_cond *c, uint16_t field, uint32_t addr, uint8_t len)
{
	memset(c, 0, sizeof(*c));
	c->field = field;
	c->match = DFP_MATCH_EQUAL;
	c->value.lo = addr;
	if (len < 32) {
		c->has_prefix = 1;
		c->prefix_len = len;
		/* Clear host bits: ClassBench leaves none, but be exact anyway. */
		c->value.lo = len == 0 ? 0 : addr & (UINT32_MAX << (32 - len));
	}
}

static void
cond_range(struct dfp_engine_cond *c, uint16_t field, uint64_t lo, uint64_t hi)
{
	memset(c, 0, sizeof(*c));
	c->field = field;
	c->match = lo == hi ? DFP_MATCH_EQUAL : DFP_MATCH_RANGE;
	c->value.lo = lo;
	if (lo != hi)
		c->high.lo = hi;
}

int
classbench_rule_conds(const struct classbench_rule *r, unsigned int flags,
		struct dfp_engine_cond conds[CLASSBENCH_MAX_CONDS])
{
	bool keep = (flags & CLASSBENCH_KEEP_WILDCARDS) != 0;
	int n = 0;

	if (r->proto_mask != 0x00 && r->proto_mask != 0xFF)
		return -EINVAL;
	if (r->src_len > 0 || keep)
		cond_prefix(&conds[n++], DFP_FIELD_IP_REMOTE_ADDRESS, r->src_addr, r->src_len);
	if (r->dst_len > 0 || keep)
		cond_prefix(&conds[n++], DFP_FIELD_IP_LOCAL_ADDRESS, r->dst_addr, r->dst_len);
	if (r->sport_lo != 0 || r->sport_hi != 65535 || keep)
		cond_range(&conds[n++], DFP_FIELD_IP_REMOTE_PORT, r->sport_lo, r->sport_hi);
	if (r->dport_lo != 0 || r->dport_hi != 65535 || keep)
		cond_range(&conds[n++], DFP_FIELD_IP_LOCAL_PORT, r->dport_lo, r->dport_hi);
	if (r->proto_mask == 0xFF)
		cond_range(&conds[n++], DFP_FIELD_IP_PROTOCOL, r->proto, r->proto);
	else if (keep)
		cond_range(&conds[n++], DFP_FIELD_IP_PROTOCOL, 0, 255);
	return n;
}

uint64_t
classbench_rule_weight(uint32_t index, uint32_t n_rules)
{
	return (uint64_t)n_rules - index;
}

int
classbench_rule_spec(const struct classbench_rule *r, uint32_t index, uint32_t n_rules,
		unsigned int flags, struct dfp_engine_cond conds[CLASSBENCH_MAX_CONDS], char *name,
		size_t name_size, struct dfp_engine_filter_spec *spec)
{
	int n = classbench_rule_conds(r, flags, conds);

	if (n < 0)
		return n;
	memset(spec, 0, sizeof(*spec));
	snprintf(name, name_size, "cb%u", r->line);
	spec->name = name;
	spec->layer_id = DFP_LAYER_INBOUND_TRANSPORT_V4;
	spec->weight_type = DFP_ENGINE_WEIGHT_EXPLICIT;
	spec->weight = classbench_rule_weight(index, n_rules);
	spec->action = DFP_ACTION_PERMIT;
	spec->n_conds = (uint32_t)n;
	spec->conds = conds;
	return 0;
}

void
classbench_packet_values(const struct classbench_packet *p, struct dfp_engine_values *v)
{
	memset(v, 0, sizeof(*v));
	v->remote_addr.v4 = p->src_addr;
	v->local_addr.v4 = p->dst_addr;
	v->remote_port = p->src_port;
	v->local_port = p->dst_port;
	v->ip_protocol = p->proto;
	v->direction = DFP_DIRECTION_INBOUND;
}
