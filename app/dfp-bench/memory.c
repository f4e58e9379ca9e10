/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Flow table memory (--mode memory): bytes per flow.
 *
 * One worker's flow table is made as lib/dp makes it (dfp_dp_create():
 * dfp_flow_table_create() with the configured capacity, then
 * dfp_flow_table_configure() with the idle timeout and hold_max, hold
 * queues left to their default), and then filled: `capacity` distinct TCP
 * 5-tuples are inserted with dfp_flow_insert(), as the worker does for a
 * new flow.
 *
 * Figures, each as a total and per flow of the capacity:
 *  - nominal: what lib/flow allocated, from libc malloc (the entries and
 *    the free and retired stacks: dfp_flow_table_create()) and from the
 *    rte_malloc heap (the key hash and the hold-queue pool:
 *    dfp_flow_table_configure());
 *  - resident: VmRSS growth across creation, configuration and the
 *    inserts (memory is counted when first touched);
 *  - the mean insert time, for scale (a cold, growing table: more than a
 *    warm lookup costs).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_lcore.h>

#include "dfp_flow.h"
#include "dfp_flow_table.h"
#include "bench.h"
#include "report.h"

/* lib/dp's defaults (lib/conf: flows idle_timeout_s 60, hold_packets 32). */
#define MEM_IDLE_TIMEOUT_S 60
#define MEM_HOLD_MAX 32

/* The table's delete hook: no flow here carries a callout context. */
static void
no_context(void *ctx, uint16_t layer_id, uint32_t callout_id, uint64_t context)
{
	RTE_SET_USED(ctx);
	RTE_SET_USED(layer_id);
	RTE_SET_USED(callout_id);
	RTE_SET_USED(context);
}

/*
 * The i-th distinct 5-tuple: 10.x.y.z:1024+p -> 172.16.0.1:80, TCP, with
 * the index spread over the source address and port.
 */
static void
key_of(uint32_t i, struct dfp_flow_key *key, enum dfp_flow_direction *dir)
{
	uint32_t src = 0x0a000000u | (i >> 6);
	uint32_t dst = 0xac100001u;
	uint8_t s[4], d[4];

	/* Addresses go in as network-order bytes. */
	s[0] = (uint8_t)(src >> 24);
	s[1] = (uint8_t)(src >> 16);
	s[2] = (uint8_t)(src >> 8);
	s[3] = (uint8_t)src;
	d[0] = (uint8_t)(dst >> 24);
	d[1] = (uint8_t)(dst >> 16);
	d[2] = (uint8_t)(dst >> 8);
	d[3] = (uint8_t)dst;
	*dir = dfp_flow_key_make(4, s, d, (uint16_t)(1024 + (i & 63)), 80, 6, 0, 0, key);
}

static void
print_row(uint32_t capacity, uint32_t inserted, double nominal, double resident,
		double insert_ns)
{
	printf("\n| flow table capacity | flows inserted | nominal B/flow | resident B/flow |"
		" insert ns/flow |\n");
	printf("|---:|---:|---:|---:|---:|\n");
	printf("| %u | %u | %.0f | %.0f | %.0f |\n", capacity, inserted, nominal, resident,
		insert_ns);
}

int
bench_memory_run(const struct bench_opts *o)
{
	struct bench_mem m0, m_create, m_conf, m_full;
	struct dfp_flow_table_params fp;
	struct dfp_flow_table *t = NULL;
	struct dfp_flow_dir *dir = NULL;
	enum dfp_flow_direction fdir;
	double cap = o->capacity;
	struct dfp_flow_key key;
	struct bench_result r;
	uint64_t t0, t1, now;
	uint32_t i, n = 0;
	double nominal;
	int rc = -1;

	printf("# memory: one flow table of %u flows, filled\n", o->capacity);
	memset(&r, 0, sizeof(r));
	snprintf(r.what, sizeof(r.what), "flow table: create, configure, insert every flow");
	snprintf(r.rules, sizeof(r.rules), "-");
	snprintf(r.layer, sizeof(r.layer), "-");
	snprintf(r.flows, sizeof(r.flows), "%u new", o->capacity);
	/* n_filters carries the capacity in the table row. */
	r.n_filters = o->capacity;
	bench_mem_read(&m0);
	if (dfp_flow_dir_create(no_context, NULL, &dir) != DFP_STATUS_SUCCESS ||
			dfp_flow_table_create(dir, 0, o->capacity, &t) != DFP_STATUS_SUCCESS) {
		fprintf(stderr, "flow table of %u: creation failed\n", o->capacity);
		goto out;
	}
	bench_mem_read(&m_create);
	memset(&fp, 0, sizeof(fp));
	fp.idle_timeout_tsc = MEM_IDLE_TIMEOUT_S * rte_get_tsc_hz();
	fp.hold_max = MEM_HOLD_MAX;
	fp.socket_id = (unsigned int)rte_socket_id();
	if (dfp_flow_table_configure(t, &fp) != DFP_STATUS_SUCCESS) {
		fprintf(stderr, "flow table of %u: no hash (EAL memory too small? -m)\n",
			o->capacity);
		goto out;
	}
	bench_mem_read(&m_conf);
	t0 = rte_rdtsc_precise();
	for (i = 0; i < o->capacity; i++) {
		key_of(i, &key, &fdir);
		now = rte_rdtsc();
		if (dfp_flow_insert(t, &key, fdir, now) != NULL)
			n++;
	}
	t1 = rte_rdtsc_precise();
	bench_mem_read(&m_full);
	if (n != o->capacity)
		fprintf(stderr, "warning: %u of %u inserts refused\n", o->capacity - n,
			o->capacity);

	nominal = (m_conf.libc_bytes - m0.libc_bytes) + (m_conf.eal_bytes - m0.eal_bytes);
	bench_result_metric(&r, "inserted", n);
	bench_result_metric(&r, "nominal_bytes_per_flow", nominal / cap);
	bench_result_metric(&r, "entries_bytes_per_flow",
		(m_create.libc_bytes - m0.libc_bytes) / cap);
	bench_result_metric(&r, "hash_bytes_per_flow", (m_conf.eal_bytes - m0.eal_bytes) / cap);
	bench_result_metric(&r, "rss_bytes_per_flow",
		(double)(m_full.rss_kib - m0.rss_kib) * 1024 / cap);
	bench_result_metric(&r, "rss_create_bytes_per_flow",
		(double)(m_create.rss_kib - m0.rss_kib) * 1024 / cap);
	bench_result_metric(&r, "rss_configure_bytes_per_flow",
		(double)(m_conf.rss_kib - m_create.rss_kib) * 1024 / cap);
	bench_result_metric(&r, "rss_insert_bytes_per_flow",
		(double)(m_full.rss_kib - m_conf.rss_kib) * 1024 / cap);
	bench_result_metric(&r, "rss_before_kib", (double)m0.rss_kib);
	bench_result_metric(&r, "rss_after_kib", (double)m_full.rss_kib);
	bench_result_metric(&r, "insert_ns_per_flow",
		bench_ms(t0, t1) * 1e6 / (o->capacity ? o->capacity : 1));
	snprintf(r.note, sizeof(r.note), "nominal = libc malloc + rte_malloc heap allocated;"
		" resident = VmRSS growth after every insert");
	print_row(o->capacity, n, nominal / cap, (double)(m_full.rss_kib - m0.rss_kib) * 1024 / cap,
		bench_ms(t0, t1) * 1e6 / cap);
	rc = o->json_path[0] != '\0' ? bench_json_results(o, &r, 1) : 0;
out:
	if (t != NULL)
		dfp_flow_table_end_all(t, NULL, NULL);
	dfp_flow_table_free(t);
	dfp_flow_dir_free(dir);
	return rc;
}
