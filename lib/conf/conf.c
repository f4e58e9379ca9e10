/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Loading a configuration file: reading it, the YAML stream and document,
 * the top-level mapping and its small sections (version, eal, ports,
 * workers, flows), the port cross-checks, freeing and printing errors.
 * Sublayers, callouts and filters are in objects.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <yaml.h>

#include "conf_private.h"

/* Largest lcore id accepted in `workers.lcores` (the app checks against the EAL). */
#define CONF_MAX_LCORE_ID 1023

/* ---- eal ---- */

static void
walk_eal(struct conf_ctx *c)
{
	struct dfp_conf *conf = c->conf;
	struct dfp_conf_pos pos;
	bool too_many = false;
	char *arg;

	conf->has_eal = true;
	if (!rd_seq_begin(c, "eal", &pos))
		return;
	while (rd_seq_item(c)) {
		if (conf->n_eal == DFP_CONF_MAX_EAL) {
			if (!too_many)
				conf_error(c, rd_pos(c), "too many eal arguments (max %d)",
					DFP_CONF_MAX_EAL);
			too_many = true;
			rd_skip_node(c);
			continue;
		}
		arg = rd_scalar_dup(c, "eal argument", DFP_CONF_MAX_TEXT, &pos);
		if (arg != NULL)
			conf->eal[conf->n_eal++] = arg;
	}
}

/* ---- ports ---- */

static const char *const port_keys[] = {"name", "port", "role", "peer", "rx_queues"};
enum { PORT_NAME, PORT_PORT, PORT_ROLE, PORT_PEER, PORT_RX_QUEUES };

static void
walk_port(struct conf_ctx *c, struct dfp_conf_port *p, struct conf_obj_side *side)
{
	struct dfp_conf_pos kpos, vpos;
	char key[DFP_CONF_NAME_SIZE];
	char role[32];
	uint32_t seen = 0;
	uint64_t v;
	char q[48];
	int k;

	memset(p, 0, sizeof(*p));
	memset(side, 0, sizeof(*side));
	p->rx_queues = 1;
	if (!rd_map_begin(c, "a port", &p->pos))
		return;
	while (rd_map_key(c, key, sizeof(key), &kpos)) {
		k = conf_key_index(key, port_keys, CONF_DIM(port_keys));
		if (!conf_key_check(c, k, key, kpos, &seen, "a port"))
			continue;
		switch (k) {
		case PORT_NAME:
			rd_name(c, "port name", p->name, &side->name_pos);
			break;
		case PORT_PORT:
			if (rd_u64(c, "port", 0, UINT16_MAX, &v, &vpos) == 0) {
				p->port_id = (uint16_t)v;
				side->aux2_pos = vpos;
			}
			break;
		case PORT_ROLE:
			if (rd_scalar(c, "role", role, sizeof(role), &vpos) != 0)
				break;
			if (strcmp(role, "outside") == 0) {
				p->role = DFP_CONF_ROLE_OUTSIDE;
			} else if (strcmp(role, "inside") == 0) {
				p->role = DFP_CONF_ROLE_INSIDE;
			} else {
				conf_error(c, vpos, "bad role %s: expected outside or inside",
					conf_quote(role, q, sizeof(q)));
				break;
			}
			side->aux_ok = true;
			break;
		case PORT_PEER:
			rd_name(c, "peer", p->peer, &side->aux_pos);
			break;
		case PORT_RX_QUEUES:
			if (rd_u64(c, "rx_queues", 1, 16, &v, &vpos) == 0)
				p->rx_queues = (uint16_t)v;
			break;
		}
	}
	if (c->stop)
		return;
	for (k = PORT_NAME; k <= PORT_PEER; k++)
		if (!(seen & (UINT32_C(1) << k)))
			conf_error(c, p->pos, "missing mandatory key '%s' in a port", port_keys[k]);
}

static void
walk_ports(struct conf_ctx *c)
{
	struct dfp_conf *conf = c->conf;
	struct dfp_conf_pos pos;
	bool too_many = false;

	conf->has_ports = true;
	if (!rd_seq_begin(c, "ports", &pos))
		return;
	while (rd_seq_item(c)) {
		if (conf->n_ports == DFP_CONF_MAX_PORTS) {
			if (!too_many)
				conf_error(c, rd_pos(c), "too many ports (max %d)", DFP_CONF_MAX_PORTS);
			too_many = true;
			rd_skip_node(c);
			continue;
		}
		walk_port(c, &conf->ports[conf->n_ports], &c->ports_side[conf->n_ports]);
		conf->n_ports++;
	}
}

static int
port_find(const struct dfp_conf *conf, const char *name)
{
	unsigned int i;

	for (i = 0; i < conf->n_ports; i++)
		if (strcmp(conf->ports[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* Unique names and ids; every peer another port of the file, mutual, of the other role. */
static void
check_ports(struct conf_ctx *c)
{
	struct dfp_conf *conf = c->conf;
	struct dfp_conf_port *p, *q;
	struct conf_obj_side *s;
	unsigned int i, j;
	int peer;

	for (i = 0; i < conf->n_ports; i++) {
		p = &conf->ports[i];
		s = &c->ports_side[i];
		for (j = 0; j < i; j++) {
			q = &conf->ports[j];
			if (p->name[0] != '\0' && strcmp(p->name, q->name) == 0)
				conf_error(c, s->name_pos, "duplicate port name '%s' (first at %u:%u)",
					p->name, c->ports_side[j].name_pos.line,
					c->ports_side[j].name_pos.col);
			if (s->aux2_pos.line != 0 && c->ports_side[j].aux2_pos.line != 0 &&
					p->port_id == q->port_id)
				conf_error(c, s->aux2_pos, "duplicate port id %u (first at %u:%u)",
					p->port_id, c->ports_side[j].aux2_pos.line,
					c->ports_side[j].aux2_pos.col);
		}
	}
	for (i = 0; i < conf->n_ports; i++) {
		p = &conf->ports[i];
		s = &c->ports_side[i];
		if (p->peer[0] == '\0' || p->name[0] == '\0')
			continue;
		peer = port_find(conf, p->peer);
		if (peer < 0) {
			conf_error(c, s->aux_pos, "unknown peer port '%s'", p->peer);
			continue;
		}
		if ((unsigned int)peer == i) {
			conf_error(c, s->aux_pos, "port '%s' cannot be its own peer", p->name);
			continue;
		}
		p->peer_index = (uint16_t)peer;
		q = &conf->ports[peer];
		/* A peer whose own peer is unknown was reported for that. */
		if (q->peer[0] == '\0' || port_find(conf, q->peer) < 0)
			continue;
		if (strcmp(q->peer, p->name) != 0) {
			conf_error(c, s->aux_pos, "peers must be mutual: port '%s' has peer '%s', "
				"not '%s'", q->name, q->peer[0] != '\0' ? q->peer : "(none)", p->name);
			continue;
		}
		if (s->aux_ok && c->ports_side[peer].aux_ok && p->role == q->role &&
				(unsigned int)peer > i)
			conf_error(c, s->aux_pos, "ports '%s' and '%s' are peers with the same role: "
				"a pair is one outside and one inside port", p->name, q->name);
	}
}

/* ---- workers ---- */

static void
walk_lcores(struct conf_ctx *c)
{
	struct dfp_conf_workers *w = &c->conf->workers;
	struct dfp_conf_pos pos;
	bool too_many = false;
	unsigned int i;
	uint64_t v;

	if (!rd_seq_begin(c, "lcores", &pos))
		return;
	while (rd_seq_item(c)) {
		if (w->n_lcores == DFP_CONF_MAX_LCORES) {
			if (!too_many)
				conf_error(c, rd_pos(c), "too many lcores (max %d)",
					DFP_CONF_MAX_LCORES);
			too_many = true;
			rd_skip_node(c);
			continue;
		}
		if (rd_u64(c, "lcore", 0, CONF_MAX_LCORE_ID, &v, &pos) != 0)
			continue;
		for (i = 0; i < w->n_lcores; i++)
			if (w->lcores[i] == v)
				break;
		if (i < w->n_lcores) {
			conf_error(c, pos, "duplicate lcore %u (first at %u:%u)", (unsigned int)v,
				c->lcores_pos[i].line, c->lcores_pos[i].col);
			continue;
		}
		c->lcores_pos[w->n_lcores] = pos;
		w->lcores[w->n_lcores++] = (unsigned int)v;
	}
}

static const char *const workers_keys[] = {"lcores", "burst"};

static void
walk_workers(struct conf_ctx *c)
{
	struct dfp_conf_workers *w = &c->conf->workers;
	struct dfp_conf_pos kpos, vpos;
	char key[DFP_CONF_NAME_SIZE];
	uint32_t seen = 0;
	uint64_t v;
	int k;

	c->conf->has_workers = true;
	if (rd_is_null(c)) {
		w->pos = rd_pos(c);
		rd_advance(c);
		return;
	}
	if (!rd_map_begin(c, "workers", &w->pos))
		return;
	while (rd_map_key(c, key, sizeof(key), &kpos)) {
		k = conf_key_index(key, workers_keys, CONF_DIM(workers_keys));
		if (!conf_key_check(c, k, key, kpos, &seen, "workers"))
			continue;
		if (k == 0)
			walk_lcores(c);
		else if (rd_u64(c, "burst", 1, 64, &v, &vpos) == 0)
			w->burst = (unsigned int)v;
	}
}

/* ---- flows ---- */

static const char *const flows_keys[] = {
	"capacity", "idle_timeout_s", "hold_packets", "pend_timeout_ms", "full_policy",
	"tcp_pickup",
};
static const uint64_t flows_lo[] = {64, 1, 1, 1};
static const uint64_t flows_hi[] = {16777216, 86400, 4096, 3600000};

static void
walk_flows(struct conf_ctx *c)
{
	struct dfp_conf_flows *f = &c->conf->flows;
	uint32_t *vals[] = {&f->capacity, &f->idle_timeout_s, &f->hold_packets, &f->pend_timeout_ms};
	struct dfp_conf_pos kpos, vpos;
	char key[DFP_CONF_NAME_SIZE];
	char policy[32];
	uint32_t seen = 0;
	uint64_t v;
	char q[48];
	int k;

	c->conf->has_flows = true;
	if (rd_is_null(c)) {
		f->pos = rd_pos(c);
		rd_advance(c);
		return;
	}
	if (!rd_map_begin(c, "flows", &f->pos))
		return;
	while (rd_map_key(c, key, sizeof(key), &kpos)) {
		k = conf_key_index(key, flows_keys, CONF_DIM(flows_keys));
		if (!conf_key_check(c, k, key, kpos, &seen, "flows"))
			continue;
		if (k < 4) {
			if (rd_u64(c, flows_keys[k], flows_lo[k], flows_hi[k], &v, &vpos) == 0)
				*vals[k] = (uint32_t)v;
			continue;
		}
		if (k == 5) {
			rd_bool(c, "tcp_pickup", &f->tcp_pickup);
			continue;
		}
		if (rd_scalar(c, "full_policy", policy, sizeof(policy), &vpos) != 0)
			continue;
		if (strcmp(policy, "fail_closed") == 0)
			f->full_policy = DFP_CONF_FULL_FAIL_CLOSED;
		else if (strcmp(policy, "fail_open") == 0)
			f->full_policy = DFP_CONF_FULL_FAIL_OPEN;
		else
			conf_error(c, vpos, "bad full_policy %s: expected fail_closed or fail_open",
				conf_quote(policy, q, sizeof(q)));
	}
}

/* ---- The document ---- */

static const char *const top_keys[] = {
	"version", "eal", "ports", "workers", "flows", "sublayers", "callouts", "filters",
};
enum { TOP_VERSION, TOP_EAL, TOP_PORTS, TOP_WORKERS, TOP_FLOWS, TOP_SUBLAYERS, TOP_CALLOUTS,
	TOP_FILTERS };

static void
walk_top(struct conf_ctx *c)
{
	struct dfp_conf_pos pos, kpos, vpos;
	char key[DFP_CONF_NAME_SIZE];
	uint32_t seen = 0;
	uint64_t v;
	int k;

	if (rd_is_null(c)) {
		conf_error(c, rd_pos(c), "the document is empty: expected a mapping with 'version: 1'");
		rd_skip_node(c);
		return;
	}
	if (!rd_map_begin(c, "the configuration", &pos))
		return;
	while (rd_map_key(c, key, sizeof(key), &kpos)) {
		k = conf_key_index(key, top_keys, CONF_DIM(top_keys));
		if (!conf_key_check(c, k, key, kpos, &seen, "the configuration"))
			continue;
		switch (k) {
		case TOP_VERSION:
			if (rd_u64(c, "version", 0, UINT32_MAX, &v, &vpos) != 0)
				break;
			c->conf->version = (uint32_t)v;
			if (v != 1)
				conf_error(c, vpos, "unsupported version %u: this dfp reads version 1",
					(unsigned int)v);
			break;
		case TOP_EAL:
			walk_eal(c);
			break;
		case TOP_PORTS:
			walk_ports(c);
			break;
		case TOP_WORKERS:
			walk_workers(c);
			break;
		case TOP_FLOWS:
			walk_flows(c);
			break;
		case TOP_SUBLAYERS:
			conf_walk_sublayers(c);
			break;
		case TOP_CALLOUTS:
			conf_walk_callouts(c);
			break;
		case TOP_FILTERS:
			conf_walk_filters(c);
			break;
		}
	}
	if (!c->stop && !(seen & (UINT32_C(1) << TOP_VERSION)))
		conf_error(c, pos, "missing mandatory key 'version' (version: 1)");
}

/* The stream: exactly one document. */
static void
walk_stream(struct conf_ctx *c)
{
	struct dfp_conf_pos first = {1, 1};

	if (!rd_advance(c) || c->ev.type != YAML_STREAM_START_EVENT)
		return;
	if (!rd_advance(c))
		return;
	if (c->ev.type == YAML_STREAM_END_EVENT) {
		conf_error(c, first, "empty file: no YAML document (expected 'version: 1' and more)");
		return;
	}
	if (c->ev.type != YAML_DOCUMENT_START_EVENT || !rd_advance(c))
		return;
	walk_top(c);
	if (c->stop || c->ev.type != YAML_DOCUMENT_END_EVENT || !rd_advance(c))
		return;
	if (c->ev.type == YAML_DOCUMENT_START_EVENT)
		conf_error(c, rd_pos(c), "only one YAML document is allowed in a configuration");
}

/* Errors in file order (the cross-checks find theirs after the walk). */
static void
sort_errors(struct dfp_conf_errors *errs)
{
	unsigned int n = errs->n < DFP_CONF_MAX_ERRORS ? errs->n : DFP_CONF_MAX_ERRORS;
	struct dfp_conf_error tmp;
	unsigned int i, j;

	for (i = 1; i < n; i++) {
		tmp = errs->e[i];
		for (j = i; j > 0; j--) {
			const struct dfp_conf_pos *a = &errs->e[j - 1].pos;

			if (a->line < tmp.pos.line || (a->line == tmp.pos.line && a->col <= tmp.pos.col))
				break;
			errs->e[j] = errs->e[j - 1];
		}
		errs->e[j] = tmp;
	}
}

static void
errors_reset(struct dfp_conf_errors *errs, const char *name)
{
	memset(errs, 0, sizeof(*errs));
	snprintf(errs->path, sizeof(errs->path), "%s", name != NULL ? name : "(null)");
}

static void
conf_defaults(struct dfp_conf *conf)
{
	conf->workers.burst = 32;
	conf->flows.capacity = 65536;
	conf->flows.idle_timeout_s = 60;
	conf->flows.hold_packets = 32;
	conf->flows.pend_timeout_ms = 5000;
	conf->flows.full_policy = DFP_CONF_FULL_FAIL_CLOSED;
	conf->flows.tcp_pickup = false;
}

static void
ctx_free(struct conf_ctx *c)
{
	free(c->sublayers_side);
	free(c->callouts_side);
	free(c->filters_side);
	free(c);
}

/* The load proper, on a buffer; errs is already reset. */
static dfp_status_t
load(const char *name, const char *buf, size_t len, uint32_t flags, struct dfp_conf **out,
		struct dfp_conf_errors *errs)
{
	struct dfp_conf_pos none = {0, 0};
	struct conf_full *full;
	struct conf_ctx *c;
	dfp_status_t st;

	c = calloc(1, sizeof(*c));
	full = calloc(1, sizeof(*full));
	if (c == NULL || full == NULL) {
		free(c);
		free(full);
		errs->n = 1;
		snprintf(errs->e[0].message, sizeof(errs->e[0].message), "out of memory");
		return DFP_STATUS_NO_MEMORY;
	}
	c->errs = errs;
	c->full = full;
	c->conf = &full->pub;
	c->flags = flags;
	c->buf = (const unsigned char *)buf;
	c->len = len;
	conf_defaults(c->conf);
	c->conf->path = strdup(name);
	if (c->conf->path == NULL)
		conf_nomem(c);
	if (flags & ~DFP_CONF_EXTERNAL_REFS)
		conf_error(c, none, "unknown loader flags 0x%x", flags & ~DFP_CONF_EXTERNAL_REFS);
	if (len > DFP_CONF_MAX_FILE_SIZE)
		conf_error(c, none, "the file is larger than %u MiB", DFP_CONF_MAX_FILE_SIZE >> 20);
	if (errs->n == 0) {
		if (!yaml_parser_initialize(&c->parser)) {
			conf_nomem(c);
		} else {
			yaml_parser_set_input_string(&c->parser, (const unsigned char *)buf, len);
			walk_stream(c);
			if (c->have_ev)
				yaml_event_delete(&c->ev);
			c->have_ev = false;
			yaml_parser_delete(&c->parser);
		}
	}
	/* Cross-checks on a partial walk would only add noise. */
	if (!c->stop) {
		check_ports(c);
		conf_check_objects(c);
	}
	if (!c->nomem && errs->n == 0)
		conf_finish_filters(c);
	sort_errors(errs);
	if (c->nomem)
		st = DFP_STATUS_NO_MEMORY;
	else if (errs->n > 0)
		st = DFP_STATUS_INVALID_PARAMETER;
	else
		st = DFP_STATUS_SUCCESS;
	if (st == DFP_STATUS_SUCCESS)
		*out = c->conf;
	else
		dfp_conf_free(c->conf);
	ctx_free(c);
	return st;
}

dfp_status_t
dfp_conf_load_buffer(const char *name, const char *buf, size_t len, uint32_t flags,
		struct dfp_conf **out, struct dfp_conf_errors *errs)
{
	if (errs == NULL)
		return DFP_STATUS_INVALID_PARAMETER;
	errors_reset(errs, name);
	if (out == NULL || (buf == NULL && len > 0)) {
		errs->n = 1;
		snprintf(errs->e[0].message, sizeof(errs->e[0].message), "no buffer or no output");
		return DFP_STATUS_INVALID_PARAMETER;
	}
	*out = NULL;
	return load(name != NULL ? name : "(buffer)", buf != NULL ? buf : "", len, flags, out,
		errs);
}

/*
 * Read the whole of fd, at most DFP_CONF_MAX_FILE_SIZE + 1 bytes (one more
 * tells the file is too large). Returns 0 or a negative errno.
 */
int
conf_read_fd(int fd, char **buf_out, size_t *len_out)
{
	const size_t max = (size_t)DFP_CONF_MAX_FILE_SIZE + 1;
	size_t cap = 0, len = 0;
	char *buf = NULL, *nb;
	ssize_t n;

	for (;;) {
		if (len == cap) {
			if (cap == max)
				break;
			cap = cap == 0 ? 65536 : cap * 2;
			if (cap > max)
				cap = max;
			nb = realloc(buf, cap);
			if (nb == NULL) {
				free(buf);
				return -ENOMEM;
			}
			buf = nb;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;

			free(buf);
			return -e;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	*buf_out = buf;
	*len_out = len;
	return 0;
}

dfp_status_t
dfp_conf_load(const char *path, uint32_t flags, struct dfp_conf **out,
		struct dfp_conf_errors *errs)
{
	char ebuf[128];
	dfp_status_t st;
	size_t len = 0;
	char *buf;
	int fd, rc;

	if (errs == NULL)
		return DFP_STATUS_INVALID_PARAMETER;
	errors_reset(errs, path);
	if (path == NULL || out == NULL) {
		errs->n = 1;
		snprintf(errs->e[0].message, sizeof(errs->e[0].message), "no path or no output");
		return DFP_STATUS_INVALID_PARAMETER;
	}
	*out = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		errs->n = 1;
		snprintf(errs->e[0].message, sizeof(errs->e[0].message), "cannot open: %s",
			strerror_r(errno, ebuf, sizeof(ebuf)));
		return DFP_STATUS_OBJECT_NAME_NOT_FOUND;
	}
	rc = conf_read_fd(fd, &buf, &len);
	close(fd);
	if (rc == -ENOMEM) {
		errs->n = 1;
		snprintf(errs->e[0].message, sizeof(errs->e[0].message), "out of memory");
		return DFP_STATUS_NO_MEMORY;
	}
	if (rc != 0) {
		errs->n = 1;
		snprintf(errs->e[0].message, sizeof(errs->e[0].message), "cannot read: %s",
			strerror_r(-rc, ebuf, sizeof(ebuf)));
		return DFP_STATUS_OBJECT_NAME_NOT_FOUND;
	}
	st = load(path, buf, len, flags, out, errs);
	free(buf);
	return st;
}

void
dfp_conf_free(struct dfp_conf *conf)
{
	struct conf_full *full = (struct conf_full *)conf;
	unsigned int i;

	if (conf == NULL)
		return;
	for (i = 0; i < conf->n_eal; i++)
		free(conf->eal[i]);
	conf_free_objects(conf);
	free(conf->path);
	free(full->conds);
	free(full);
}

void
dfp_conf_errors_print(const struct dfp_conf_errors *errs, void *f)
{
	FILE *fp = f != NULL ? f : stderr;
	unsigned int i, n;

	if (errs == NULL)
		return;
	n = errs->n < DFP_CONF_MAX_ERRORS ? errs->n : DFP_CONF_MAX_ERRORS;
	for (i = 0; i < n; i++)
		fprintf(fp, "%s:%u:%u: %s\n", errs->path, errs->e[i].pos.line, errs->e[i].pos.col,
			errs->e[i].message);
	if (errs->n > n)
		fprintf(fp, "%s: ... and %u more errors\n", errs->path, errs->n - n);
}
