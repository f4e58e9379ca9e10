/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Datapath lifecycle: validation of the configuration, ports, workers and
 * their flow tables, start, stop in WFP unload order, and statistics.
 * Control thread only, except the stats readers.
 */
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>

#include "dp_private.h"

DFP_LOG_REGISTER(dp);

static const char *const counter_names[] = {
#define DP_COUNTER_NAME_(name) #name,
	DFP_DP_COUNTER_LIST(DP_COUNTER_NAME_)
#undef DP_COUNTER_NAME_
};

const char *
dfp_dp_counter_name(unsigned int i)
{
	return i < RTE_DIM(counter_names) ? counter_names[i] : NULL;
}

/* Check a configuration; logs the first problem found. */
static dfp_status_t
conf_validate(const struct dfp_dp_conf *c)
{
	unsigned int i, j;

	if (c->n_ports == 0 || c->n_ports > DFP_DP_MAX_PORTS) {
		DFP_LOG(dp, ERR, "%u ports: 1..%u are supported", c->n_ports, DFP_DP_MAX_PORTS);
		return DFP_STATUS_INVALID_PARAMETER;
	}
	if (c->n_workers == 0 || c->n_workers > DFP_DP_MAX_WORKERS) {
		DFP_LOG(dp, ERR, "%u workers: 1..%u are supported", c->n_workers,
			DFP_DP_MAX_WORKERS);
		return DFP_STATUS_INVALID_PARAMETER;
	}
	if (c->burst == 0 || c->burst > DP_BURST_MAX) {
		DFP_LOG(dp, ERR, "burst %u: 1..%u", c->burst, DP_BURST_MAX);
		return DFP_STATUS_INVALID_PARAMETER;
	}
	if (c->flow_capacity == 0 || c->flow_capacity > DFP_FLOW_MAX_CAPACITY) {
		DFP_LOG(dp, ERR, "flow capacity %u: 1..%u", c->flow_capacity,
			DFP_FLOW_MAX_CAPACITY);
		return DFP_STATUS_INVALID_PARAMETER;
	}
	if (c->hold_packets == 0 || c->hold_packets > DFP_FLOW_HOLD_MAX) {
		DFP_LOG(dp, ERR, "hold_packets %u: 1..%u", c->hold_packets, DFP_FLOW_HOLD_MAX);
		return DFP_STATUS_INVALID_PARAMETER;
	}
	for (i = 0; i < c->n_ports; i++) {
		const struct dfp_dp_port_conf *p = &c->ports[i];

		if (!rte_eth_dev_is_valid_port(p->port_id)) {
			DFP_LOG(dp, ERR, "port %s: no DPDK port %u", p->name, p->port_id);
			return DFP_STATUS_INVALID_PARAMETER;
		}
		if (p->peer >= c->n_ports || p->rx_queues == 0 ||
				p->rx_queues > DFP_DP_MAX_PORT_QUEUES ||
				(p->role != DFP_DP_ROLE_OUTSIDE && p->role != DFP_DP_ROLE_INSIDE)) {
			DFP_LOG(dp, ERR, "port %s: peer %u, %u rx queues (1..%u), role %d: invalid",
				p->name, p->peer, p->rx_queues, DFP_DP_MAX_PORT_QUEUES, (int)p->role);
			return DFP_STATUS_INVALID_PARAMETER;
		}
		for (j = 0; j < i; j++) {
			if (c->ports[j].port_id == p->port_id) {
				DFP_LOG(dp, ERR, "port %s: DPDK port %u is also port %s", p->name,
					p->port_id, c->ports[j].name);
				return DFP_STATUS_INVALID_PARAMETER;
			}
		}
	}
	for (i = 0; i < c->n_workers; i++) {
		unsigned int lc = c->worker_lcores[i];

		/* The lcore must exist for rte_eal_remote_launch(), and not be ours. */
		if (lc >= RTE_MAX_LCORE || !rte_lcore_is_enabled(lc)) {
			DFP_LOG(dp, ERR, "worker %u: lcore %u is not an EAL lcore (see -l/--lcores)",
				i, lc);
			return DFP_STATUS_INVALID_PARAMETER;
		}
		if (lc == rte_get_main_lcore()) {
			DFP_LOG(dp, ERR, "worker %u: lcore %u is the main lcore (the control thread)",
				i, lc);
			return DFP_STATUS_INVALID_PARAMETER;
		}
		for (j = 0; j < i; j++) {
			if (c->worker_lcores[j] == lc) {
				DFP_LOG(dp, ERR, "workers %u and %u: both on lcore %u", j, i, lc);
				return DFP_STATUS_INVALID_PARAMETER;
			}
		}
	}
	return DFP_STATUS_SUCCESS;
}

/* Spread every (port, queue) over the workers, round robin. */
static void
assign_queues(struct dfp_dp *dp)
{
	unsigned int i, q, k = 0;

	for (i = 0; i < dp->n_ports; i++) {
		for (q = 0; q < dp->ports[i].rx_queues; q++) {
			struct dp_worker *w = dp->workers[k++ % dp->n_workers];

			w->rxqs[w->n_rxqs].port = (uint16_t)i;
			w->rxqs[w->n_rxqs].queue = (uint16_t)q;
			w->n_rxqs++;
		}
	}
}

dfp_status_t
dfp_dp_create(const struct dfp_dp_conf *conf, struct dfp_ctl *ctl, struct dfp_dp **out)
{
	struct dfp_flow_table_params fp;
	struct dfp_dp *dp;
	dfp_status_t st;
	unsigned int i;

	if (conf == NULL || ctl == NULL || out == NULL)
		return DFP_STATUS_INVALID_PARAMETER;
	st = conf_validate(conf);
	if (st != DFP_STATUS_SUCCESS)
		return st;
	dp = calloc(1, sizeof(*dp));
	if (dp == NULL)
		return DFP_STATUS_NO_MEMORY;
	dp->conf = *conf;
	dp->ctl = ctl;
	dp->n_ports = conf->n_ports;
	dp->n_workers = conf->n_workers;
	dp->idle_timeout_tsc = (uint64_t)conf->idle_timeout_s * rte_get_tsc_hz();
	for (i = 0; i < dp->n_ports; i++) {
		struct dp_port *p = &dp->ports[i];

		p->port_id = conf->ports[i].port_id;
		p->peer = conf->ports[i].peer;
		p->role = conf->ports[i].role;
		p->rx_queues = conf->ports[i].rx_queues;
		p->tx_queues = (uint16_t)dp->n_workers;
		snprintf(p->name, sizeof(p->name), "%s", conf->ports[i].name);
	}
	st = DFP_STATUS_NO_MEMORY;
	memset(&fp, 0, sizeof(fp));
	fp.idle_timeout_tsc = dp->idle_timeout_tsc;
	fp.hold_max = conf->hold_packets;
	for (i = 0; i < dp->n_workers; i++) {
		struct dp_worker *w;

		w = rte_zmalloc_socket("dfp_worker", sizeof(*w), RTE_CACHE_LINE_SIZE,
			(int)rte_lcore_to_socket_id(conf->worker_lcores[i]));
		if (w == NULL)
			goto out_free;
		dp->workers[i] = w;
		w->dp = dp;
		w->index = i;
		w->lcore = conf->worker_lcores[i];
		w->callouts = dfp_ctl_callouts(ctl);
		fp.socket_id = rte_lcore_to_socket_id(w->lcore);
		st = dfp_flow_table_create(dfp_ctl_flows(ctl), i, conf->flow_capacity, &w->flows);
		if (st == DFP_STATUS_SUCCESS)
			st = dfp_flow_table_configure(w->flows, &fp);
		/* The worker's own filter hit counters, summed by the engine's readers. */
		if (st == DFP_STATUS_SUCCESS)
			st = dfp_engine_counters_attach(dfp_ctl_engine(ctl), &w->env.hits);
		if (st != DFP_STATUS_SUCCESS)
			goto out_free;
		dp_worker_init(w);
	}
	assign_queues(dp);
	if (dp_ports_setup(dp) != 0) {
		st = DFP_STATUS_INSUFFICIENT_RESOURCES;
		goto out_free;
	}
	*out = dp;
	return DFP_STATUS_SUCCESS;

out_free:
	dfp_dp_free(dp);
	return st;
}

/*
 * Stop the first n_launched workers and the ports in WFP unload order (spec
 * §4.5): the workers leave their loops (stop rx); pends complete with
 * their callout's default (completions still queued are applied); then
 * every flow ends, which runs each context's flowDeleteFn once and
 * accounts for every held packet. The control thread acts as each table's
 * owner now. Workers never launched have nothing to drain.
 */
static void
dp_halt(struct dfp_dp *dp, unsigned int n_launched)
{
	unsigned int i;

	for (i = 0; i < n_launched; i++)
		__atomic_store_n(&dp->workers[i]->running, false, __ATOMIC_RELEASE);
	for (i = 0; i < n_launched; i++)
		rte_eal_wait_lcore(dp->workers[i]->lcore);
	dfp_callout_pend_expire_all(dfp_ctl_callouts(dp->ctl));
	for (i = 0; i < n_launched; i++)
		dp_worker_drain(dp->workers[i]);
	dp_ports_stop(dp);
}

dfp_status_t
dfp_dp_start(struct dfp_dp *dp)
{
	unsigned int i;

	if (dp == NULL)
		return DFP_STATUS_INVALID_PARAMETER;
	if (dp->started)
		return DFP_STATUS_INVALID_DEVICE_STATE;
	if (dp_ports_start(dp) != 0)
		return DFP_STATUS_INSUFFICIENT_RESOURCES;
	for (i = 0; i < dp->n_workers; i++) {
		struct dp_worker *w = dp->workers[i];

		/* Before the launch: the lcore sees these through the launch's handoff. */
		dp_worker_reset(w);
		__atomic_store_n(&w->running, true, __ATOMIC_RELEASE);
		if (rte_eal_remote_launch(dp_worker_main, w, w->lcore) != 0) {
			DFP_LOG(dp, ERR, "lcore %u is busy", w->lcore);
			__atomic_store_n(&w->running, false, __ATOMIC_RELEASE);
			dp_halt(dp, i);
			return DFP_STATUS_INSUFFICIENT_RESOURCES;
		}
	}
	/* Release: pairs with dfp_dp_is_running()'s acquire. */
	__atomic_store_n(&dp->started, true, __ATOMIC_RELEASE);
	return DFP_STATUS_SUCCESS;
}

dfp_status_t
dfp_dp_stop(struct dfp_dp *dp)
{
	if (dp == NULL)
		return DFP_STATUS_INVALID_PARAMETER;
	if (!dp->started)
		return DFP_STATUS_SUCCESS;
	dp_halt(dp, dp->n_workers);
	__atomic_store_n(&dp->started, false, __ATOMIC_RELEASE);
	return DFP_STATUS_SUCCESS;
}

bool
dfp_dp_is_running(const struct dfp_dp *dp)
{
	return dp != NULL && __atomic_load_n(&dp->started, __ATOMIC_ACQUIRE);
}

void
dfp_dp_free(struct dfp_dp *dp)
{
	unsigned int i;

	if (dp == NULL)
		return;
	if (dp->started)
		dfp_dp_stop(dp);
	for (i = 0; i < dp->n_ports; i++)
		rte_eth_dev_close(dp->ports[i].port_id);
	for (i = 0; i < dp->n_workers; i++) {
		if (dp->workers[i] == NULL)
			continue;
		dfp_flow_table_free(dp->workers[i]->flows);
		/* Its counts stay in the engine's totals. */
		dfp_engine_counters_detach(dfp_ctl_engine(dp->ctl), dp->workers[i]->env.hits);
		rte_free(dp->workers[i]);
	}
	rte_mempool_free(dp->pool);
	free(dp);
}

/* ---- Configuration getters ---- */

unsigned int
dfp_dp_n_workers(const struct dfp_dp *dp)
{
	return dp != NULL ? dp->n_workers : 0;
}

dfp_status_t
dfp_dp_worker_info(const struct dfp_dp *dp, unsigned int worker, struct dfp_dp_worker_info *out)
{
	const struct dp_worker *w;
	unsigned int i;

	if (dp == NULL || out == NULL || worker >= dp->n_workers)
		return DFP_STATUS_INVALID_PARAMETER;
	w = dp->workers[worker];
	memset(out, 0, sizeof(*out));
	out->lcore = w->lcore;
	out->n_rxqs = w->n_rxqs;
	for (i = 0; i < w->n_rxqs; i++) {
		out->rxqs[i].port = w->rxqs[i].port;
		out->rxqs[i].port_id = dp->ports[w->rxqs[i].port].port_id;
		out->rxqs[i].queue = w->rxqs[i].queue;
	}
	return DFP_STATUS_SUCCESS;
}

unsigned int
dfp_dp_n_ports(const struct dfp_dp *dp)
{
	return dp != NULL ? dp->n_ports : 0;
}

const struct dfp_dp_port_conf *
dfp_dp_port(const struct dfp_dp *dp, unsigned int index)
{
	if (dp == NULL || index >= dp->n_ports)
		return NULL;
	return &dp->conf.ports[index];
}

const uint8_t *
dfp_dp_rss_key(unsigned int *len)
{
	if (len != NULL)
		*len = sizeof(dp_rss_key);
	return dp_rss_key;
}

/* ---- Waiting for idle ---- */

struct pend_count {
	unsigned int n_tables;    /* This datapath's flow tables: ids 0..n_tables-1. */
	unsigned int pended;
};

static int
count_pended(void *arg, const struct dfp_callout_handle_info *h)
{
	struct pend_count *pc = arg;

	/* The datapath pends only ALE classifications of its flows: table id = worker. */
	if (h->pended && h->flow_id != 0 && dfp_flow_id_table(h->flow_id) < pc->n_tables)
		pc->pended++;
	return 0;
}

uint64_t
dfp_dp_stats_drops(const struct dfp_dp_stats *s)
{
	uint64_t n = 0;
	unsigned int i;

	for (i = 0; i < DFP_DP_DROP_COUNT; i++)
		n += s->drops[i];
	return n;
}

/* One look: see dfp_dp_wait_idle() for what idle means. */
static bool
dp_is_idle(struct dfp_dp *dp, uint64_t quiet_tsc)
{
	struct pend_count pc = {.n_tables = dp->n_workers};
	struct dfp_dp_stats s;
	uint64_t now, last;
	unsigned int i;

	for (i = 0; i < dp->n_workers; i++) {
		struct dp_worker *w = dp->workers[i];

		now = rte_rdtsc();
		/* Relaxed: a time stamp with one writer; no other data depends on it. */
		last = __atomic_load_n(&w->last_rx_tsc, __ATOMIC_RELAXED);
		if ((int64_t)(now - last) < (int64_t)quiet_tsc)
			return false;
		/*
		 * A partial view of a worker's counters (a burst being
		 * published) does not balance, so it reads as busy.
		 */
		dfp_dp_worker_stats_get(dp, i, &s);
		if (s.held_now != 0 || s.rx_packets != s.tx_packets + dfp_dp_stats_drops(&s) + s.held_now)
			return false;
	}
	dfp_callout_handle_foreach(dfp_ctl_callouts(dp->ctl), count_pended, &pc);
	return pc.pended == 0;
}

dfp_status_t
dfp_dp_wait_idle(struct dfp_dp *dp, uint32_t timeout_ms)
{
	uint64_t hz = rte_get_tsc_hz();
	uint64_t quiet = hz * DFP_DP_IDLE_QUIET_MS / 1000;
	uint64_t deadline, now, left_us;

	if (dp == NULL)
		return DFP_STATUS_INVALID_PARAMETER;
	if (!dp->started)
		return DFP_STATUS_INVALID_DEVICE_STATE;
	deadline = rte_rdtsc() + hz * timeout_ms / 1000;
	for (;;) {
		if (dp_is_idle(dp, quiet))
			return DFP_STATUS_SUCCESS;
		now = rte_rdtsc();
		if (now >= deadline)
			return DFP_STATUS_IO_TIMEOUT;
		left_us = (deadline - now) * 1000000 / hz;
		rte_delay_us_sleep((unsigned int)RTE_MIN(left_us + 1, (uint64_t)1000));
	}
}

/* ---- Link state ---- */

unsigned int
dfp_dp_link_poll(struct dfp_dp *dp)
{
	struct rte_eth_link link;
	struct dfp_dp_link *r;
	unsigned int i, n = 0;
	bool up;

	if (!dfp_dp_is_running(dp))
		return 0;
	for (i = 0; i < dp->n_ports; i++) {
		const struct dp_port *p = &dp->ports[i];

		memset(&link, 0, sizeof(link));
		if (rte_eth_link_get_nowait(p->port_id, &link) != 0)
			continue;
		r = &dp->ports[i].link;
		up = link.link_status == RTE_ETH_LINK_UP;
		__atomic_store_n(&r->speed_mbps, link.link_speed, __ATOMIC_RELAXED);
		if (!r->known) {
			__atomic_store_n(&r->up, up, __ATOMIC_RELAXED);
			__atomic_store_n(&r->known, true, __ATOMIC_RELAXED);
			continue;
		}
		if (up == r->up)
			continue;
		__atomic_store_n(&r->up, up, __ATOMIC_RELAXED);
		__atomic_store_n(&r->changes, r->changes + 1, __ATOMIC_RELAXED);
		if (!up)
			__atomic_store_n(&r->downs, r->downs + 1, __ATOMIC_RELAXED);
		n++;
		if (up)
			DFP_LOG(dp, NOTICE, "port %s (%u): link up, %s", p->name, p->port_id,
				rte_eth_link_speed_to_str(link.link_speed));
		else
			DFP_LOG(dp, WARNING, "port %s (%u): link down (forwarding continues; "
				"what the port cannot send is counted)", p->name, p->port_id);
	}
	return n;
}

dfp_status_t
dfp_dp_link_get(const struct dfp_dp *dp, unsigned int index, struct dfp_dp_link *out)
{
	const struct dfp_dp_link *r;

	if (dp == NULL || out == NULL || index >= dp->n_ports)
		return DFP_STATUS_INVALID_PARAMETER;
	r = &dp->ports[index].link;
	out->known = __atomic_load_n(&r->known, __ATOMIC_RELAXED);
	out->up = __atomic_load_n(&r->up, __ATOMIC_RELAXED);
	out->speed_mbps = __atomic_load_n(&r->speed_mbps, __ATOMIC_RELAXED);
	out->changes = __atomic_load_n(&r->changes, __ATOMIC_RELAXED);
	out->downs = __atomic_load_n(&r->downs, __ATOMIC_RELAXED);
	return DFP_STATUS_SUCCESS;
}

/* ---- Statistics ---- */

static void
stats_add(struct dfp_dp_stats *sum, const struct dfp_dp_stats *s)
{
	const uint64_t *src = (const uint64_t *)s;
	uint64_t *dst = (uint64_t *)sum;
	size_t i;

	/* Relaxed loads: each counter has one writer and may be a burst behind. */
	for (i = 0; i < sizeof(*s) / sizeof(uint64_t); i++)
		dst[i] += __atomic_load_n(&src[i], __ATOMIC_RELAXED);
}

void
dfp_dp_worker_stats_get(struct dfp_dp *dp, unsigned int worker, struct dfp_dp_stats *out)
{
	memset(out, 0, sizeof(*out));
	if (dp != NULL && worker < dp->n_workers)
		stats_add(out, &dp->workers[worker]->stats);
}

void
dfp_dp_stats_get(struct dfp_dp *dp, struct dfp_dp_stats *out)
{
	uint64_t *o = (uint64_t *)out;
	const uint64_t *base;
	unsigned int i;
	size_t k;

	memset(out, 0, sizeof(*out));
	if (dp == NULL)
		return;
	for (i = 0; i < dp->n_workers; i++)
		stats_add(out, &dp->workers[i]->stats);
	base = (const uint64_t *)&dp->baseline;
	/* held_now is a level, not a count: never baselined. */
	for (k = 0; k < sizeof(*out) / sizeof(uint64_t); k++)
		if (&o[k] != &out->held_now)
			o[k] -= base[k];
}

void
dfp_dp_stats_clear(struct dfp_dp *dp)
{
	unsigned int i;

	if (dp == NULL)
		return;
	memset(&dp->baseline, 0, sizeof(dp->baseline));
	for (i = 0; i < dp->n_workers; i++)
		stats_add(&dp->baseline, &dp->workers[i]->stats);
}
