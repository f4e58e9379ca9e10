/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The libyaml event reader the section walkers pull from, and the error
 * list. The walk is streaming: no document tree is built, so memory is
 * bounded by what the configuration keeps, and an alias is an event of its
 * own, reported where it is written and never expanded.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <yaml.h>

#include "conf_private.h"

struct dfp_conf_pos
conf_mark_pos(yaml_mark_t m)
{
	struct dfp_conf_pos p;

	p.line = m.line >= UINT32_MAX ? UINT32_MAX : (uint32_t)m.line + 1;
	p.col = m.column >= UINT32_MAX ? UINT32_MAX : (uint32_t)m.column + 1;
	return p;
}

void
conf_error(struct conf_ctx *c, struct dfp_conf_pos pos, const char *fmt, ...)
{
	struct dfp_conf_errors *errs = c->errs;
	va_list ap;

	if (errs->n < DFP_CONF_MAX_ERRORS) {
		struct dfp_conf_error *e = &errs->e[errs->n];

		e->pos = pos;
		va_start(ap, fmt);
		vsnprintf(e->message, sizeof(e->message), fmt, ap);
		va_end(ap);
	}
	if (errs->n < UINT32_MAX)
		errs->n++;
}

void
conf_nomem(struct conf_ctx *c)
{
	struct dfp_conf_pos none = {0, 0};

	if (!c->nomem)
		conf_error(c, none, "out of memory");
	c->nomem = true;
	c->stop = true;
}

/*
 * Line and column of a byte offset (reader errors carry no mark), counted
 * as libyaml counts its marks, so that every error of a file uses one
 * convention: a UTF-8 byte order mark takes no column, a line ends at LF,
 * CR, CRLF (one break), NEL, LS or PS, and a column is a character.
 */
static struct dfp_conf_pos
offset_pos(const struct conf_ctx *c, size_t off)
{
	const unsigned char *b = (const unsigned char *)c->buf;
	struct dfp_conf_pos p = {1, 1};
	size_t i = 0, n = off < c->len ? off : c->len;
	size_t brk;

	if (c->len >= 3 && b[0] == 0xef && b[1] == 0xbb && b[2] == 0xbf)
		i = 3;
	while (i < n) {
		brk = 0;
		if (b[i] == '\r' && i + 1 < c->len && b[i + 1] == '\n')
			brk = 2;
		else if (b[i] == '\n' || b[i] == '\r')
			brk = 1;
		else if (b[i] == 0xc2 && i + 1 < c->len && b[i + 1] == 0x85)
			brk = 2;
		else if (b[i] == 0xe2 && i + 2 < c->len && b[i + 1] == 0x80 &&
				(b[i + 2] == 0xa8 || b[i + 2] == 0xa9))
			brk = 3;
		if (brk != 0 && i + brk <= n) {
			p.line++;
			p.col = 1;
			i += brk;
			continue;
		}
		if ((b[i] & 0xc0) != 0x80)
			p.col++;
		i++;
	}
	return p;
}

static void
syntax_error(struct conf_ctx *c)
{
	yaml_parser_t *p = &c->parser;
	const char *problem = p->problem != NULL ? p->problem : "unknown error";
	struct dfp_conf_pos pos, cpos;

	switch (p->error) {
	case YAML_MEMORY_ERROR:
		conf_nomem(c);
		return;
	case YAML_READER_ERROR:
		pos = offset_pos(c, p->problem_offset);
		if (p->problem_value != -1)
			conf_error(c, pos, "syntax error: %s (byte 0x%02x)", problem,
				(unsigned int)p->problem_value & 0xff);
		else
			conf_error(c, pos, "syntax error: %s", problem);
		return;
	default:
		pos = conf_mark_pos(p->problem_mark);
		if (p->context != NULL) {
			cpos = conf_mark_pos(p->context_mark);
			conf_error(c, pos, "syntax error: %s (%s started at %u:%u)", problem,
				p->context, cpos.line, cpos.col);
		} else {
			conf_error(c, pos, "syntax error: %s", problem);
		}
		return;
	}
}

struct dfp_conf_pos
rd_pos(const struct conf_ctx *c)
{
	struct dfp_conf_pos none = {0, 0};

	if (!c->have_ev)
		return none;
	return conf_mark_pos(c->ev.start_mark);
}

/* Type of the next event; YAML_NO_EVENT once the walk stopped. */
static yaml_event_type_t
rd_type(const struct conf_ctx *c)
{
	if (c->stop || !c->have_ev)
		return YAML_NO_EVENT;
	return c->ev.type;
}

bool
rd_advance(struct conf_ctx *c)
{
	if (c->have_ev) {
		yaml_event_delete(&c->ev);
		c->have_ev = false;
	}
	if (c->stop)
		return false;
	if (!yaml_parser_parse(&c->parser, &c->ev)) {
		syntax_error(c);
		c->stop = true;
		return false;
	}
	c->have_ev = true;
	if (c->ev.type == YAML_ALIAS_EVENT)
		conf_error(c, rd_pos(c), "aliases are not allowed (*%.40s): write the value out",
			(const char *)c->ev.data.alias.anchor);
	return true;
}

void
rd_skip_node(struct conf_ctx *c)
{
	unsigned long depth = 0;

	do {
		switch (rd_type(c)) {
		case YAML_NO_EVENT:
			return;
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			depth++;
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			depth--;
			break;
		default:
			break;
		}
		if (!rd_advance(c))
			return;
	} while (depth > 0);
}

bool
rd_is_null(const struct conf_ctx *c)
{
	const char *v;

	if (rd_type(c) != YAML_SCALAR_EVENT || c->ev.data.scalar.style != YAML_PLAIN_SCALAR_STYLE ||
			c->ev.data.scalar.tag != NULL)
		return false;
	v = (const char *)c->ev.data.scalar.value;
	return c->ev.data.scalar.length == 0 || strcmp(v, "~") == 0 || strcmp(v, "null") == 0 ||
		strcmp(v, "Null") == 0 || strcmp(v, "NULL") == 0;
}

/* What the next node is, for messages. */
static const char *
rd_kind(const struct conf_ctx *c)
{
	switch (rd_type(c)) {
	case YAML_SCALAR_EVENT:
		return rd_is_null(c) ? "empty" : "a scalar";
	case YAML_SEQUENCE_START_EVENT:
		return "a list";
	case YAML_MAPPING_START_EVENT:
		return "a mapping";
	default:
		return "something else";
	}
}

/* Report the next node as the wrong kind (aliases were reported already) and skip it. */
static void
rd_wrong_kind(struct conf_ctx *c, const char *what, const char *expected)
{
	if (rd_type(c) != YAML_ALIAS_EVENT)
		conf_error(c, rd_pos(c), "%s must be %s, not %s", what, expected, rd_kind(c));
	rd_skip_node(c);
}

bool
rd_map_begin(struct conf_ctx *c, const char *what, struct dfp_conf_pos *pos)
{
	if (rd_type(c) == YAML_NO_EVENT)
		return false;
	if (rd_type(c) != YAML_MAPPING_START_EVENT) {
		rd_wrong_kind(c, what, "a mapping");
		return false;
	}
	*pos = rd_pos(c);
	return rd_advance(c);
}

bool
rd_map_key(struct conf_ctx *c, char *key, size_t size, struct dfp_conf_pos *pos)
{
	size_t len, i;

	for (;;) {
		switch (rd_type(c)) {
		case YAML_NO_EVENT:
			return false;
		case YAML_MAPPING_END_EVENT:
			rd_advance(c);
			return false;
		case YAML_SCALAR_EVENT:
			*pos = rd_pos(c);
			len = c->ev.data.scalar.length;
			if (len < size) {
				memcpy(key, c->ev.data.scalar.value, len);
				key[len] = '\0';
			} else {
				/* Cut with "..." so that it can match no real key. */
				memcpy(key, c->ev.data.scalar.value, size - 4);
				memcpy(key + size - 4, "...", 4);
				len = size - 4;
			}
			for (i = 0; i < len; i++)
				if (key[i] == '\0')
					key[i] = '?';
			return rd_advance(c);
		case YAML_ALIAS_EVENT:
			rd_skip_node(c);
			rd_skip_node(c);
			break;
		default:
			conf_error(c, rd_pos(c), "a key must be a scalar, not %s", rd_kind(c));
			rd_skip_node(c);
			rd_skip_node(c);
			break;
		}
	}
}

bool
rd_seq_begin(struct conf_ctx *c, const char *what, struct dfp_conf_pos *pos)
{
	if (rd_type(c) == YAML_NO_EVENT)
		return false;
	*pos = rd_pos(c);
	if (rd_is_null(c)) {
		rd_advance(c);
		return false;
	}
	if (rd_type(c) != YAML_SEQUENCE_START_EVENT) {
		rd_wrong_kind(c, what, "a list");
		return false;
	}
	return rd_advance(c);
}

bool
rd_seq_item(struct conf_ctx *c)
{
	switch (rd_type(c)) {
	case YAML_NO_EVENT:
		return false;
	case YAML_SEQUENCE_END_EVENT:
		rd_advance(c);
		return false;
	default:
		return true;
	}
}

/* Check the next node is a usable scalar; false (reported, skipped) if not. */
static bool
rd_scalar_check(struct conf_ctx *c, const char *what, size_t max_len, struct dfp_conf_pos *pos)
{
	if (rd_type(c) == YAML_NO_EVENT)
		return false;
	if (rd_type(c) != YAML_SCALAR_EVENT) {
		rd_wrong_kind(c, what, "a scalar");
		return false;
	}
	*pos = rd_pos(c);
	if (memchr(c->ev.data.scalar.value, '\0', c->ev.data.scalar.length) != NULL) {
		conf_error(c, *pos, "%s contains a NUL character", what);
		rd_skip_node(c);
		return false;
	}
	if (!rd_is_null(c) && c->ev.data.scalar.length > max_len) {
		conf_error(c, *pos, "%s is too long (max %zu characters)", what, max_len);
		rd_skip_node(c);
		return false;
	}
	return true;
}

int
rd_scalar(struct conf_ctx *c, const char *what, char *buf, size_t size, struct dfp_conf_pos *pos)
{
	size_t len;

	if (!rd_scalar_check(c, what, size - 1, pos))
		return -1;
	len = rd_is_null(c) ? 0 : c->ev.data.scalar.length;
	memcpy(buf, c->ev.data.scalar.value, len);
	buf[len] = '\0';
	rd_advance(c);
	return 0;
}

char *
rd_scalar_dup(struct conf_ctx *c, const char *what, size_t max_len, struct dfp_conf_pos *pos)
{
	size_t len;
	char *s;

	if (!rd_scalar_check(c, what, max_len, pos))
		return NULL;
	len = rd_is_null(c) ? 0 : c->ev.data.scalar.length;
	s = malloc(len + 1);
	if (s == NULL) {
		conf_nomem(c);
		return NULL;
	}
	memcpy(s, c->ev.data.scalar.value, len);
	s[len] = '\0';
	rd_advance(c);
	return s;
}

int
rd_name(struct conf_ctx *c, const char *what, char *buf, struct dfp_conf_pos *pos)
{
	if (rd_scalar(c, what, buf, DFP_CONF_NAME_SIZE, pos) != 0)
		return -1;
	if (buf[0] == '\0') {
		conf_error(c, *pos, "%s must not be empty", what);
		return -1;
	}
	return 0;
}

int
rd_u64(struct conf_ctx *c, const char *what, uint64_t lo, uint64_t hi, uint64_t *out,
		struct dfp_conf_pos *pos)
{
	char buf[96];
	char err[160];

	if (rd_scalar(c, what, buf, sizeof(buf), pos) != 0)
		return -1;
	if (conf_u64_parse(buf, lo, hi, out, err, sizeof(err)) != DFP_STATUS_SUCCESS) {
		conf_error(c, *pos, "%s: %s", what, err);
		return -1;
	}
	return 0;
}

int
rd_bool(struct conf_ctx *c, const char *what, bool *out)
{
	struct dfp_conf_pos pos;
	char buf[16];
	char q[48];

	if (rd_scalar(c, what, buf, sizeof(buf), &pos) != 0)
		return -1;
	if (strcasecmp(buf, "true") == 0 || strcasecmp(buf, "yes") == 0) {
		*out = true;
		return 0;
	}
	if (strcasecmp(buf, "false") == 0 || strcasecmp(buf, "no") == 0) {
		*out = false;
		return 0;
	}
	conf_error(c, pos, "%s: %s is not a boolean (true, false, yes, no)", what,
		conf_quote(buf, q, sizeof(q)));
	return -1;
}

int
rd_guid(struct conf_ctx *c, const char *what, struct dfp_guid *out, struct dfp_conf_pos *pos)
{
	char buf[64];
	char q[48];

	if (rd_scalar(c, what, buf, sizeof(buf), pos) != 0)
		return -1;
	if (dfp_guid_parse(buf, out) != 0) {
		conf_error(c, *pos, "%s: bad GUID %s (expected xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)",
			what, conf_quote(buf, q, sizeof(q)));
		return -1;
	}
	return 0;
}

int
conf_key_index(const char *key, const char *const *names, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (strcmp(key, names[i]) == 0)
			return (int)i;
	return -1;
}

bool
conf_key_check(struct conf_ctx *c, int k, const char *key, struct dfp_conf_pos kpos,
		uint32_t *seen, const char *where)
{
	char q[48];

	if (k < 0) {
		conf_error(c, kpos, "unknown key %s in %s", conf_quote(key, q, sizeof(q)), where);
		rd_skip_node(c);
		return false;
	}
	if (*seen & (UINT32_C(1) << k)) {
		conf_error(c, kpos, "duplicate key %s in %s", conf_quote(key, q, sizeof(q)), where);
		rd_skip_node(c);
		return false;
	}
	*seen |= UINT32_C(1) << k;
	return true;
}
