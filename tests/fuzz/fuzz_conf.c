/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for the YAML loader (lib/conf). Each input is loaded
 * from memory twice, without and with DFP_CONF_EXTERNAL_REFS, and must give
 * either a configuration and no error, or no configuration and at least
 * one error at a real FILE:LINE:COL (1-based, inside the input: at most one
 * line past its last newline). A configuration's objects must hold
 * together (names, positions, pointers the header promises), and the
 * printed errors must be one `fuzz.yaml:LINE:COL: message` line each.
 * Leaks are found by LeakSanitizer (libFuzzer's -detect_leaks, on by
 * default); anything else aborts.
 *
 * Seeds: config/ and tests/conf/bad/ (YAML files), by path (see smoke.sh).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dfp_conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NAME "fuzz.yaml"

/*
 * Bounds of a position in the input, counted as libyaml counts its marks
 * (and the loader its reader errors): a UTF-8 byte order mark takes no
 * column, a line ends at LF, CR, CRLF, NEL, LS or PS, and a column is a
 * character (a byte that is not a UTF-8 continuation byte). A position may
 * be one past the last character of a line, and at column 1 of the line
 * after the last (the end of the stream).
 */
struct extent {
	uint32_t lines;
	uint32_t cols;
};

static struct extent
extent_of(const uint8_t *b, size_t size)
{
	struct extent e = {1, 0};
	uint32_t col = 0;
	size_t i = 0, brk;

	if (size >= 3 && b[0] == 0xef && b[1] == 0xbb && b[2] == 0xbf)
		i = 3;
	while (i < size) {
		brk = 0;
		if (b[i] == '\r' && i + 1 < size && b[i + 1] == '\n')
			brk = 2;
		else if (b[i] == '\n' || b[i] == '\r')
			brk = 1;
		else if (b[i] == 0xc2 && i + 1 < size && b[i + 1] == 0x85)
			brk = 2;
		else if (b[i] == 0xe2 && i + 2 < size && b[i + 1] == 0x80 &&
				(b[i + 2] == 0xa8 || b[i + 2] == 0xa9))
			brk = 3;
		if (brk != 0) {
			e.lines++;
			col = 0;
			i += brk;
			continue;
		}
		if ((b[i] & 0xc0) != 0x80 && ++col > e.cols)
			e.cols = col;
		i++;
	}
	return e;
}

static void
fail(const char *what, const struct dfp_conf_errors *errs)
{
	fprintf(stderr, "fuzz_conf: invariant broken: %s\n", what);
	if (errs != NULL)
		dfp_conf_errors_print(errs, stderr);
	abort();
}

static bool
pos_ok(const struct dfp_conf_pos *p, const struct extent *e)
{
	/* libyaml's stream end starts a new line when the last one has no break. */
	if (p->line == e->lines + 1 && p->col == 1)
		return true;
	return p->line >= 1 && p->col >= 1 && p->line <= e->lines && p->col <= e->cols + 1;
}

static bool
name_ok(const char *s)
{
	return memchr(s, '\0', DFP_CONF_NAME_SIZE) != NULL;
}

static void
check_conf(const struct dfp_conf *c, const struct extent *e)
{
	unsigned int i, j;

	if (c->path == NULL || strcmp(c->path, NAME) != 0)
		fail("path", NULL);
	if (c->version != 1)
		fail("version", NULL);
	if (c->n_eal > DFP_CONF_MAX_EAL || c->n_ports > DFP_CONF_MAX_PORTS ||
			c->workers.n_lcores > DFP_CONF_MAX_LCORES ||
			c->n_sublayers > DFP_CONF_MAX_SUBLAYERS ||
			c->n_callouts > DFP_CONF_MAX_CALLOUTS || c->n_filters > DFP_CONF_MAX_FILTERS)
		fail("counts", NULL);
	for (i = 0; i < c->n_eal; i++)
		if (c->eal[i] == NULL || strlen(c->eal[i]) > DFP_CONF_MAX_TEXT)
			fail("eal", NULL);
	for (i = 0; i < c->n_ports; i++) {
		const struct dfp_conf_port *p = &c->ports[i];

		if (!name_ok(p->name) || !name_ok(p->peer) || !pos_ok(&p->pos, e) ||
				p->peer_index >= c->n_ports || p->rx_queues < 1 || p->rx_queues > 16)
			fail("port", NULL);
	}
	if (c->has_workers && (c->workers.burst < 1 || c->workers.burst > 64))
		fail("burst", NULL);
	for (i = 0; i < c->n_sublayers; i++)
		if (!name_ok(c->sublayers[i].name) || !pos_ok(&c->sublayers[i].pos, e))
			fail("sublayer", NULL);
	for (i = 0; i < c->n_callouts; i++) {
		const struct dfp_conf_callout *co = &c->callouts[i];

		if (!name_ok(co->name) || co->module == NULL || !pos_ok(&co->pos, e) ||
				co->n_params > DFP_CONF_MAX_PARAMS ||
				(co->n_params > 0 && co->params == NULL))
			fail("callout", NULL);
		for (j = 0; j < co->n_params; j++)
			if (co->params[j].key == NULL || co->params[j].value == NULL)
				fail("callout param", NULL);
		if (dfp_conf_callout_find(c, co->name) < 0)
			fail("callout not found by its name", NULL);
	}
	for (i = 0; i < c->n_filters; i++) {
		const struct dfp_conf_filter *f = &c->filters[i];

		if (!name_ok(f->name) || !name_ok(f->sublayer) || !name_ok(f->callout) ||
				!pos_ok(&f->pos, e))
			fail("filter", NULL);
		if (f->spec.name != f->name || f->spec.conds != f->conds ||
				(f->spec.n_conds > 0 && f->conds == NULL))
			fail("filter spec pointers", NULL);
		/* Both lookups are pure: call them on whatever the file wrote. */
		(void)dfp_conf_sublayer_find(c, f->sublayer);
		(void)dfp_conf_callout_find(c, f->callout);
	}
}

static void
check_errors(const struct dfp_conf_errors *errs, const struct extent *e)
{
	unsigned int i, n = errs->n < DFP_CONF_MAX_ERRORS ? errs->n : DFP_CONF_MAX_ERRORS;
	char *text = NULL;
	size_t text_len = 0;
	FILE *f;

	if (errs->n == 0)
		fail("failed load without an error", errs);
	if (strcmp(errs->path, NAME) != 0)
		fail("errors' path", errs);
	for (i = 0; i < n; i++) {
		const struct dfp_conf_error *er = &errs->e[i];

		if (memchr(er->message, '\0', sizeof(er->message)) == NULL || er->message[0] == '\0')
			fail("error message", errs);
		if (!pos_ok(&er->pos, e))
			fail("error position outside the input", errs);
	}
	/* The printed form: one FILE:LINE:COL: line per kept error (+ "and N more"). */
	f = open_memstream(&text, &text_len);
	if (f == NULL)
		return;
	dfp_conf_errors_print(errs, f);
	fclose(f);
	if (text != NULL && strncmp(text, NAME ":", sizeof(NAME)) != 0)
		fail("printed errors", errs);
	free(text);
}

static void
load_once(const uint8_t *data, size_t size, uint32_t flags, const struct extent *e)
{
	struct dfp_conf_errors *errs = malloc(sizeof(*errs));
	struct dfp_conf *c = (struct dfp_conf *)(uintptr_t)1;
	dfp_status_t st;

	if (errs == NULL)
		return;
	st = dfp_conf_load_buffer(NAME, (const char *)data, size, flags, &c, errs);
	if (st == DFP_STATUS_SUCCESS) {
		if (c == NULL || errs->n != 0)
			fail("success without a configuration, or with errors", errs);
		check_conf(c, e);
		dfp_conf_free(c);
	} else {
		if (c != NULL)
			fail("a failed load returned a configuration", errs);
		if (st != DFP_STATUS_INVALID_PARAMETER && st != DFP_STATUS_NO_MEMORY)
			fail("unexpected status", errs);
		check_errors(errs, e);
	}
	free(errs);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct extent e;

	/* The loader refuses more than DFP_CONF_MAX_FILE_SIZE; keep inputs smaller. */
	if (size > 1u << 20)
		return 0;
	e = extent_of(data, size);
	load_once(data, size, 0, &e);
	load_once(data, size, DFP_CONF_EXTERNAL_REFS, &e);
	return 0;
}
