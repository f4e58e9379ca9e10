/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dfp-bench reporting (report.h): JSON output and /proc/self/status figures.
 */
#include <malloc.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_vect.h>

#include "report.h"

/* ---- JSON writer ---- */

/* A JSON string literal: quotes, backslashes and control characters escaped. */
static void
string(FILE *f, const char *s)
{
	const unsigned char *p;

	fputc('"', f);
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p < 0x20)
			fprintf(f, "\\u%04x", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

/* Comma, indentation and the key of the next member. */
static void
member(struct bench_json *j, const char *key)
{
	unsigned int i;

	if (j->depth > 0 && j->depth <= BENCH_JSON_DEPTH) {
		if (!j->first[j->depth - 1])
			fputc(',', j->f);
		j->first[j->depth - 1] = false;
		fputc('\n', j->f);
	}
	for (i = 0; i < j->depth; i++)
		fputs("  ", j->f);
	if (key != NULL) {
		string(j->f, key);
		fputs(": ", j->f);
	}
}

static void
open_container(struct bench_json *j, const char *key, char ch)
{
	member(j, key);
	fputc(ch, j->f);
	if (j->depth < BENCH_JSON_DEPTH)
		j->first[j->depth] = true;
	j->depth++;
}

static void
close_container(struct bench_json *j, char ch)
{
	unsigned int i;
	bool empty;

	j->depth--;
	empty = j->depth < BENCH_JSON_DEPTH && j->first[j->depth];
	if (!empty) {
		fputc('\n', j->f);
		for (i = 0; i < j->depth; i++)
			fputs("  ", j->f);
	}
	fputc(ch, j->f);
}

void
bench_json_obj_begin(struct bench_json *j, const char *key)
{
	open_container(j, key, '{');
}

void
bench_json_obj_end(struct bench_json *j)
{
	close_container(j, '}');
}

void
bench_json_arr_begin(struct bench_json *j, const char *key)
{
	open_container(j, key, '[');
}

void
bench_json_arr_end(struct bench_json *j)
{
	close_container(j, ']');
}

void
bench_json_str(struct bench_json *j, const char *key, const char *value)
{
	member(j, key);
	string(j->f, value);
}

void
bench_json_num(struct bench_json *j, const char *key, double value)
{
	member(j, key);
	/* JSON has no NaN or infinity. */
	if (!isfinite(value))
		fputs("null", j->f);
	else if (value == floor(value) && fabs(value) < 1e15)
		fprintf(j->f, "%.0f", value);
	else
		fprintf(j->f, "%.6g", value);
}

void
bench_json_bool(struct bench_json *j, const char *key, bool value)
{
	member(j, key);
	fputs(value ? "true" : "false", j->f);
}

/* ---- Results ---- */

int
bench_json_start(struct bench_json *j, const struct bench_opts *o, const char *mode)
{
	memset(j, 0, sizeof(*j));
	j->f = fopen(o->json_path, "w");
	if (j->f == NULL) {
		perror(o->json_path);
		return -1;
	}
	bench_json_obj_begin(j, NULL);
	bench_json_str(j, "tool", "dfp-bench");
	bench_json_str(j, "mode", mode);
	bench_json_num(j, "tsc_hz", (double)rte_get_tsc_hz());
	bench_json_bool(j, "hugepages", rte_eal_has_hugepages() != 0);
	bench_json_num(j, "max_simd_bitwidth", rte_vect_get_max_simd_bitwidth());
	bench_json_num(j, "main_lcore", rte_get_main_lcore());
	bench_json_num(j, "lcores", rte_lcore_count());
	bench_json_num(j, "burst", o->burst);
	/* Memory mode reads no rules, commit mode no trace. */
	if (o->mode != BENCH_MODE_MEMORY)
		bench_json_str(j, "rules_path", o->rules_path);
	if (o->mode != BENCH_MODE_MEMORY && o->mode != BENCH_MODE_COMMIT)
		bench_json_str(j, "trace_path", o->trace_path);
	return 0;
}

int
bench_json_finish(struct bench_json *j)
{
	int rc;

	bench_json_obj_end(j);
	fputc('\n', j->f);
	rc = ferror(j->f) ? -1 : 0;
	if (fclose(j->f) != 0)
		rc = -1;
	j->f = NULL;
	return rc;
}

void
bench_json_result(struct bench_json *j, const struct bench_result *r)
{
	unsigned int i;

	bench_json_obj_begin(j, NULL);
	bench_json_str(j, "what", r->what);
	bench_json_str(j, "rules", r->rules);
	bench_json_num(j, "n_filters", r->n_filters);
	bench_json_str(j, "layer", r->layer);
	bench_json_str(j, "flows", r->flows);
	bench_json_str(j, "note", r->note);
	bench_json_obj_begin(j, "metrics");
	if (r->windows > 0) {
		bench_json_num(j, "packets", (double)r->packets);
		bench_json_num(j, "windows", r->windows);
		bench_json_num(j, "cycles_per_packet_wall", r->cycles_per_packet);
		bench_json_num(j, "cycles_per_packet_wall_min", r->cycles_min);
		bench_json_num(j, "cycles_per_packet_wall_max", r->cycles_max);
		bench_json_num(j, "cycles_per_packet_cpu", r->cpu_cycles);
		bench_json_num(j, "cpu_share", r->cpu_share);
		bench_json_num(j, "mpps_cpu", r->mpps);
	}
	for (i = 0; i < r->n_extra; i++)
		bench_json_num(j, r->extra[i].name, r->extra[i].value);
	bench_json_obj_end(j);
	bench_json_obj_end(j);
}

/* The --mode name of a mode. */
static const char *
mode_name(enum bench_mode mode)
{
	switch (mode) {
	case BENCH_MODE_CLASSIFY:
		return "classify";
	case BENCH_MODE_PIPELINE:
		return "pipeline";
	case BENCH_MODE_COMMIT:
		return "commit";
	case BENCH_MODE_MEMORY:
		return "memory";
	case BENCH_MODE_ADD_LATENCY:
		return "add-latency";
	case BENCH_MODE_PEND_LATENCY:
		return "pend-latency";
	}
	return "unknown";
}

int
bench_json_results(const struct bench_opts *o, const struct bench_result *res, unsigned int n)
{
	struct bench_json j;
	unsigned int i;

	if (bench_json_start(&j, o, mode_name(o->mode)) != 0)
		return -1;
	bench_json_arr_begin(&j, "results");
	for (i = 0; i < n; i++)
		bench_json_result(&j, &res[i]);
	bench_json_arr_end(&j);
	if (bench_json_finish(&j) != 0) {
		fprintf(stderr, "%s: write error\n", o->json_path);
		return -1;
	}
	return 0;
}

/* ---- /proc/self ---- */

long
bench_status_kib(const char *field)
{
	size_t len = strlen(field);
	char line[256];
	long kib = -1;
	FILE *f;

	f = fopen("/proc/self/status", "r");
	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, field, len) == 0 && line[len] == ':') {
			kib = strtol(line + len + 1, NULL, 10);
			break;
		}
	}
	fclose(f);
	return kib;
}

int
bench_hwm_reset(void)
{
	FILE *f = fopen("/proc/self/clear_refs", "w");
	int rc = 0;

	if (f == NULL)
		return -1;
	if (fputs("5", f) == EOF)
		rc = -1;
	if (fclose(f) != 0)
		rc = -1;
	return rc;
}

void
bench_mem_read(struct bench_mem *m)
{
	struct rte_malloc_socket_stats st;
	struct mallinfo2 mi = mallinfo2();
	unsigned int i;

	m->rss_kib = bench_status_kib("VmRSS");
	m->hwm_kib = bench_status_kib("VmHWM");
	m->libc_bytes = (double)mi.uordblks + (double)mi.hblkhd;
	m->eal_bytes = 0;
	for (i = 0; i < rte_socket_count(); i++)
		if (rte_malloc_get_socket_stats(rte_socket_id_by_idx(i), &st) == 0)
			m->eal_bytes += (double)st.heap_allocsz_bytes;
}
