/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Control-to-datapath latencies (--mode add-latency, --mode pend-latency).
 *
 * add-latency: the pipeline of pipeline.c (net_null ports, known flows,
 * the rule set at o's layers) runs; the control thread (main lcore) adds
 * one BLOCK filter at INBOUND_TRANSPORT_V4, weighted above every rule and
 * matching exactly one known flow's 5-tuple, through dfp_ctl_filter_add()
 * outside a transaction, i.e. committed and published before the call
 * returns, as the console's `filter add` does (app/dfp/cmd_filter.c). It
 * then polls the datapath counters without sleeping until the first packet
 * is dropped as FILTER_BLOCK. Reported per sample: the call alone, and
 * from just before the call to the first block seen (the enforcement
 * latency). The filter is deleted the same way and the next sample blocks
 * another flow after a pause. The enforcement time includes the wait for
 * that flow's next packet: flows come in turn, so it is at most one pass
 * over the flows (reported as flow_period_ms; use few flows to keep it
 * small).
 *
 * pend-latency: two open net_ring ports (idle unless the bench enqueues)
 * and the built-in verdict module declared at ALE_AUTH_RECV_ACCEPT_V4 with
 * a match-all filter, so every new flow from outside is pended. For each
 * sample the control thread enqueues `held` frames of a new UDP flow into
 * port A's rx ring, waits until the worker holds them all and the pend is
 * listed, then completes it with PERMIT through
 * dfp_callout_handle_complete() (the console's `pend complete ID permit`,
 * app/dfp/cmd_flow.c) and spins on port B's tx ring until every held frame
 * has been transmitted. Reported: the completion call, the first frame
 * out and the last frame out, each from just before the call.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "dfp_callout.h"
#include "dfp_ctl.h"
#include "dfp_dp.h"
#include "bench.h"
#include "pipe.h"

/* Longest wait for one event before the sample counts as timed out. */
#define EVENT_MAX_MS 5000
/* Pause after a filter delete before the next add (the flow flows again). */
#define ADD_PAUSE_MS 20
/* Frames of one pended flow (held, then released together). */
#define PEND_HELD 2
#define PEND_FRAME_LEN 64
#define L2_LEN 14

static int
dbl_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The q-quantile (0..1) of n sorted values, nearest rank. */
static double
quantile(const double *v, unsigned int n, double q)
{
	unsigned int i;

	if (n == 0)
		return 0;
	i = (unsigned int)(q * (double)n + 0.999999);
	if (i == 0)
		i = 1;
	return v[RTE_MIN(i, n) - 1];
}

static double
us_since(uint64_t t0, uint64_t t1)
{
	return (double)(t1 - t0) * 1e6 / (double)rte_get_tsc_hz();
}

/* Set r's metrics (prefix_median, _p99, _max...) from n samples (sorted here). */
static void
add_stats(struct bench_result *r, const char *prefix, double *v, unsigned int n, bool p99)
{
	char name[32];

	qsort(v, n, sizeof(*v), dbl_cmp);
	snprintf(name, sizeof(name), "%s_median", prefix);
	bench_result_metric(r, name, quantile(v, n, 0.5));
	if (p99) {
		snprintf(name, sizeof(name), "%s_p99", prefix);
		bench_result_metric(r, name, quantile(v, n, 0.99));
	}
	snprintf(name, sizeof(name), "%s_max", prefix);
	bench_result_metric(r, name, n > 0 ? v[n - 1] : 0);
}

/* ---- Filter add to enforcement ---- */

/* A BLOCK filter for exactly t, above every rule of the set. */
static void
block_spec(const struct bench_tuple *t, uint32_t n_rules, struct dfp_engine_cond c[5],
		struct dfp_engine_filter_spec *spec)
{
	const uint16_t fields[5] = {DFP_FIELD_IP_REMOTE_ADDRESS, DFP_FIELD_IP_LOCAL_ADDRESS,
		DFP_FIELD_IP_REMOTE_PORT, DFP_FIELD_IP_LOCAL_PORT, DFP_FIELD_IP_PROTOCOL};
	const uint64_t values[5] = {t->src_addr, t->dst_addr, t->src_port, t->dst_port,
		t->proto};
	unsigned int i;

	memset(c, 0, 5 * sizeof(*c));
	for (i = 0; i < 5; i++) {
		c[i].field = fields[i];
		c[i].match = DFP_MATCH_EQUAL;
		c[i].value.lo = values[i];
	}
	memset(spec, 0, sizeof(*spec));
	spec->name = "bench-block";
	spec->layer_id = DFP_LAYER_INBOUND_TRANSPORT_V4;
	spec->weight_type = DFP_ENGINE_WEIGHT_EXPLICIT;
	/* The rule set's weights are 1..n_rules (classbench_rule_weight()). */
	spec->weight = (uint64_t)n_rules + 1;
	spec->action = DFP_ACTION_BLOCK;
	spec->n_conds = 5;
	spec->conds = c;
}

/* Spin on the counters until FILTER_BLOCK drops exceed `base`; the TSC then, or 0. */
static uint64_t
wait_block(struct dfp_dp *dp, uint64_t base)
{
	uint64_t deadline = rte_rdtsc() + rte_get_tsc_hz() / 1000 * EVENT_MAX_MS;
	struct dfp_dp_stats s;
	uint64_t now;

	do {
		dfp_dp_stats_get(dp, &s);
		now = rte_rdtsc();
		if (s.drops[DFP_DP_DROP_FILTER_BLOCK] > base)
			return now;
	} while (now < deadline);
	return 0;
}

unsigned int
bench_add_latency_run(const struct bench_opts *o, const struct bench_set *set,
		struct bench_result res[BENCH_MAX_RESULTS])
{
	double *enforce = NULL, *call = NULL, *after = NULL, *del = NULL;
	struct bench_result *r = &res[0];
	struct dfp_engine_cond conds[5];
	struct dfp_engine_filter_spec spec;
	struct dfp_dp_stats s0, s1;
	struct bench_opts oo = *o;
	struct bench_pipe p;
	unsigned int i, n = 0, timeouts = 0, n_res = 0;
	uint64_t tsc0, tsc1, cpu_ns, hz = rte_get_tsc_hz();
	double pps, period_ms;

	oo.flows = BENCH_FLOWS_KNOWN;
	enforce = calloc(o->samples, sizeof(double));
	call = calloc(o->samples, sizeof(double));
	after = calloc(o->samples, sizeof(double));
	del = calloc(o->samples, sizeof(double));
	if (enforce == NULL || call == NULL || after == NULL || del == NULL)
		goto out_free;
	if (set->n_rules == 0)
		fprintf(stderr, "add-latency: no rule set loaded; measuring against none\n");
	if (bench_pipe_setup(&p, &oo, set, BENCH_PIPE_NULL, NULL, 0) != 0)
		goto out_free;
	if (bench_pipe_start(&p) != 0 ||
			!bench_pipe_wait_rx(&p, oo.warmup, 300, &s0, &tsc0, &cpu_ns)) {
		fprintf(stderr, "add-latency: the worker did not start forwarding\n");
		goto out;
	}
	for (i = 0; i < o->samples; i++) {
		/* Flows spread over the set, each sample another one. */
		uint32_t k = (uint32_t)(((uint64_t)i * 7919 + 1) % oo.n_flows);
		struct dfp_dp_stats s;
		struct bench_tuple t;
		uint64_t id = 0, a0, a1, a2, d0, d1;
		dfp_status_t st;

		if (bench_pipe_flow(&p, k, &t) != 0)
			goto out;
		block_spec(&t, set->n_rules, conds, &spec);
		dfp_dp_stats_get(p.dp, &s);
		a0 = rte_rdtsc();
		st = dfp_ctl_filter_add(p.s, &spec, &id);
		a1 = rte_rdtsc();
		if (st != DFP_STATUS_SUCCESS) {
			fprintf(stderr, "add-latency: filter add: %s\n", dfp_status_name(st));
			goto out;
		}
		a2 = wait_block(p.dp, s.drops[DFP_DP_DROP_FILTER_BLOCK]);
		d0 = rte_rdtsc();
		st = dfp_ctl_filter_delete_by_id(p.s, id);
		d1 = rte_rdtsc();
		if (st != DFP_STATUS_SUCCESS) {
			fprintf(stderr, "add-latency: filter delete: %s\n", dfp_status_name(st));
			goto out;
		}
		if (a2 == 0) {
			timeouts++;
			printf("  sample %u: flow %u not blocked within %u ms\n", i, k, EVENT_MAX_MS);
		} else {
			enforce[n] = us_since(a0, a2) / 1000;
			call[n] = us_since(a0, a1) / 1000;
			after[n] = us_since(a1, a2) / 1000;
			del[n] = us_since(d0, d1) / 1000;
			n++;
		}
		rte_delay_us_sleep(ADD_PAUSE_MS * 1000);
	}
	dfp_dp_stats_get(p.dp, &s1);
	tsc1 = rte_rdtsc();
	bench_pipe_stop(&p);
	/* Packets of one flow come once per pass over the flows; A sends half the packets. */
	pps = (double)(s1.rx_packets - s0.rx_packets) * (double)hz / (double)(tsc1 - tsc0);
	period_ms = pps > 0 ? (double)oo.n_flows / (pps / 2) * 1000 : 0;

	bench_result_init(r, &oo, (uint32_t)p.n_filters, "filter add to enforcement");
	snprintf(r->layer, sizeof(r->layer), "%s", "INBOUND_TRANSPORT_V4");
	snprintf(r->flows, sizeof(r->flows), "%u known", oo.n_flows);
	bench_result_metric(r, "samples", n);
	bench_result_metric(r, "timeouts", timeouts);
	bench_result_metric(r, "flow_period_ms", period_ms);
	bench_result_metric(r, "rule_filters", p.n_filters);
	bench_result_metric(r, "commit_ms", p.commit_ms);
	add_stats(r, "enforce_ms", enforce, n, false);
	add_stats(r, "add_call_ms", call, n, false);
	add_stats(r, "after_call_ms", after, n, false);
	add_stats(r, "delete_call_ms", del, n, false);
	snprintf(r->note, sizeof(r->note), "%u samples (%u timed out): enforced after median %.2f "
		"ms, max %.2f ms; add call median %.2f ms, max %.2f; delete call median %.2f ms; "
		"flow's packet every %.3f ms", n, timeouts, quantile(enforce, n, 0.5),
		n ? enforce[n - 1] : 0, quantile(call, n, 0.5), n ? call[n - 1] : 0,
		quantile(del, n, 0.5), period_ms);
	n_res = n > 0 ? 1 : 0;

out:
	bench_pipe_teardown(&p);
out_free:
	free(enforce);
	free(call);
	free(after);
	free(del);
	return n_res;
}

/* ---- Pend to completion ---- */

/* A UDP frame of flow i from outside: 10.(i>>16).(i>>8).i:(1024 + i) > 192.0.2.1:53. */
static struct rte_mbuf *
pend_frame(struct rte_mempool *pool, uint32_t i)
{
	static const uint8_t eth[L2_LEN] = {2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00};
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	uint8_t *d;
	uint16_t v16;
	uint32_t v32;

	if (m == NULL)
		return NULL;
	d = (uint8_t *)rte_pktmbuf_append(m, PEND_FRAME_LEN);
	if (d == NULL) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	memset(d, 0, PEND_FRAME_LEN);
	memcpy(d, eth, L2_LEN);
	d += L2_LEN;
	d[0] = 0x45;
	v16 = htons(PEND_FRAME_LEN - L2_LEN);
	memcpy(d + 2, &v16, 2);
	d[8] = 64;
	d[9] = IPPROTO_UDP;
	v32 = htonl(0x0a000000u | (i & 0xffffffu));
	memcpy(d + 12, &v32, 4);
	v32 = htonl(0xc0000201u);
	memcpy(d + 16, &v32, 4);
	v16 = htons((uint16_t)(1024 + (i & 0x7fff)));
	memcpy(d + 20, &v16, 2);
	v16 = htons(53);
	memcpy(d + 22, &v16, 2);
	v16 = htons(PEND_FRAME_LEN - L2_LEN - 20);
	memcpy(d + 24, &v16, 2);
	return m;
}

/* The pended handle (exactly one is pended at a time here). */
static int
find_pended(void *arg, const struct dfp_callout_handle_info *h)
{
	uint64_t *out = arg;

	if (h->pended)
		*out = h->handle;
	return 0;
}

/* Wait (sleeping 50 us) until `held` frames are held and a handle is pended; the handle or 0. */
static uint64_t
wait_pended(struct bench_pipe *p, uint64_t held)
{
	uint64_t deadline = rte_rdtsc() + rte_get_tsc_hz() / 1000 * EVENT_MAX_MS;
	struct dfp_dp_stats s;
	uint64_t h = 0;

	do {
		dfp_dp_stats_get(p->dp, &s);
		if (s.held_now >= held) {
			dfp_callout_handle_foreach(dfp_ctl_callouts(p->ctl), find_pended, &h);
			if (h != 0)
				return h;
		}
		rte_delay_us_sleep(50);
	} while (rte_rdtsc() < deadline);
	return 0;
}

unsigned int
bench_pend_latency_run(const struct bench_opts *o, const struct bench_set *set,
		struct bench_result res[BENCH_MAX_RESULTS])
{
	double *last = NULL, *first = NULL, *call = NULL;
	struct bench_result *r = &res[0];
	struct bench_module_spec mod;
	struct bench_opts oo = *o;
	struct bench_pipe p;
	unsigned int i, j, n = 0, timeouts = 0, n_res = 0;
	bool set_up = false;

	/* No rules: the verdict callout's filter decides every new flow. */
	struct bench_set none = {.pkts = set->pkts, .n_pkts = set->n_pkts};

	oo.flows = BENCH_FLOWS_KNOWN;
	/* The flow table holds every sample's flow (2 x n_flows entries). */
	oo.n_flows = RTE_MAX(o->samples, 1024u);
	oo.prefault = false;
	last = calloc(o->samples, sizeof(double));
	first = calloc(o->samples, sizeof(double));
	call = calloc(o->samples, sizeof(double));
	if (last == NULL || first == NULL || call == NULL)
		goto out_free;
	memset(&mod, 0, sizeof(mod));
	mod.module = "verdict";
	mod.name = "bench-verdict";
	mod.layer_id = DFP_LAYER_ALE_AUTH_RECV_ACCEPT_V4;
	mod.action = DFP_ACTION_CALLOUT_TERMINATING;
	mod.params[0].key = "default";
	mod.params[0].value = "block";
	mod.params[1].key = "log";
	mod.params[1].value = "no";
	mod.n_params = 2;
	if (bench_pipe_setup(&p, &oo, &none, BENCH_PIPE_RING_OPEN, &mod, 1) != 0)
		goto out_free;
	set_up = true;
	if (bench_pipe_start(&p) != 0)
		goto out;
	for (i = 0; i < o->samples; i++) {
		struct rte_mbuf *m[PEND_HELD];
		struct dfp_classify_out out;
		uint64_t h, t0, t1, t_first = 0, t_last = 0, deadline;
		dfp_status_t st;
		unsigned int k;

		for (j = 0; j < PEND_HELD; j++) {
			m[j] = pend_frame(p.ports.pool, i);
			if (m[j] == NULL) {
				fprintf(stderr, "pend-latency: no frame\n");
				rte_pktmbuf_free_bulk(m, j);
				goto out;
			}
		}
		if (rte_ring_enqueue_bulk(p.ports.a_rx, (void **)m, PEND_HELD, NULL) != PEND_HELD) {
			rte_pktmbuf_free_bulk(m, PEND_HELD);
			goto out;
		}
		h = wait_pended(&p, PEND_HELD);
		if (h == 0) {
			fprintf(stderr, "pend-latency: sample %u: no pended flow holding %u frames\n",
				i, PEND_HELD);
			goto out;
		}
		memset(&out, 0, sizeof(out));
		out.action_type = DFP_ACTION_PERMIT;
		out.rights = 0;  /* A final decision, as `pend complete ID permit` gives. */
		t0 = rte_rdtsc();
		st = dfp_callout_handle_complete(dfp_ctl_callouts(p.ctl), h, &out);
		t1 = rte_rdtsc();
		if (st != DFP_STATUS_SUCCESS) {
			fprintf(stderr, "pend-latency: complete: %s\n", dfp_status_name(st));
			goto out;
		}
		deadline = t0 + rte_get_tsc_hz() / 1000 * EVENT_MAX_MS;
		for (;;) {
			uint64_t now = rte_rdtsc();

			k = rte_ring_count(p.ports.b_tx);
			if (k > 0 && t_first == 0)
				t_first = now;
			if (k >= PEND_HELD) {
				t_last = now;
				break;
			}
			if (now > deadline)
				break;
		}
		if (t_last == 0) {
			timeouts++;
		} else {
			call[n] = us_since(t0, t1);
			first[n] = us_since(t0, t_first);
			last[n] = us_since(t0, t_last);
			n++;
		}
		/* The transmitted frames: back to the pool. */
		while (rte_ring_dequeue(p.ports.b_tx, (void **)&m[0]) == 0)
			rte_pktmbuf_free(m[0]);
	}
	bench_pipe_stop(&p);

	bench_result_init(r, &oo, 1, "pend to completion");
	snprintf(r->layer, sizeof(r->layer), "%s", "ALE_AUTH_RECV_ACCEPT_V4");
	snprintf(r->rules, sizeof(r->rules), "%s", "verdict callout");
	snprintf(r->flows, sizeof(r->flows), "%u new", o->samples);
	bench_result_metric(r, "samples", n);
	bench_result_metric(r, "timeouts", timeouts);
	bench_result_metric(r, "held_per_flow", PEND_HELD);
	add_stats(r, "complete_to_last_tx_us", last, n, true);
	add_stats(r, "complete_to_first_tx_us", first, n, true);
	add_stats(r, "complete_call_us", call, n, true);
	snprintf(r->note, sizeof(r->note), "%u samples (%u timed out), %u frames held per flow: "
		"completion to last frame out median %.1f us, p99 %.1f, max %.1f; the call alone "
		"median %.1f us", n, timeouts, PEND_HELD, quantile(last, n, 0.5),
		quantile(last, n, 0.99), n ? last[n - 1] : 0, quantile(call, n, 0.5));
	n_res = n > 0 ? 1 : 0;

out:
	if (set_up)
		bench_pipe_teardown(&p);
out_free:
	free(last);
	free(first);
	free(call);
	return n_res;
}
