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

static dfp_status_t
conf_validate(const struct dfp_dp_conf *c)
{
	unsigned int i, j;

	if (c->n_ports == 0 || c->n_ports > DFP_DP_MAX_PORTS)
		return DFP_STATUS_INVALID_PARAMETER;
	if (c->n_workers == 0 || c->n_workers > DFP_DP_MAX_WORKERS)
		return DFP_STATUS_INVALID_PARAMETER;
	if (c->burst == 0 || c->burst > DP_BURST_MAX)
		return DFP_STATUS_INVALID_PARAMETER;
	if (c->flow_capacity == 0 || c->flow_capacity > DFP_FLOW_MAX_CAPACITY)
		return DFP_STATUS_INVALID_PARAMETER;
	if (c->hold_packets == 0 || c->hold_packets > DFP_FLOW_HOLD_MAX)
		return DFP_STATUS_INVALID_PARAMETER;
	for (i = 0; i < c->n_ports; i++) {
		const struct dfp_dp_port_conf *p = &c->ports[i];

		if (!rte_eth_dev_is_valid_port(p->port_id) || p->peer >= c->n_ports ||
				p->rx_queues == 0 || p->rx_queues > 16 ||
				(p->role != DFP_DP_ROLE_OUTSIDE && p->role != DFP_DP_ROLE_INSIDE))
			return DFP_STATUS_INVALID_PARAMETER;
		for (j = 0; j < i; j++)
			if (c->ports[j].port_id == p->port_id)
				return DFP_STATUS_INVALID_PARAMETER;
	}
	for (i = 0; i < c->n_workers; i++) {
		if (c->worker_lcores[i] >= RTE_MAX_LCORE ||
				!rte_lcore_is_enabled(c->worker_lcores[i]) ||
				c->worker_lcores[i] == rte_get_main_lcore())
			return DFP_STATUS_INVALID_PARAMETER;
		for (j = 0; j < i; j++)
			if (c->worker_lcores[j] == c->worker_lcores[i])
				return DFP_STATUS_INVALID_PARAMETER;
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
	if (st != DFP_STATUS_SUCCESS) {
		DFP_LOG(dp, ERR, "invalid datapath configuration");
		return st;
	}
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

dfp_status_t
dfp_dp_start(struct dfp_dp *dp)
{
	unsigned int i;

	if (dp == NULL || dp->started)
		return DFP_STATUS_INVALID_PARAMETER;
	if (dp_ports_start(dp) != 0)
		return DFP_STATUS_INSUFFICIENT_RESOURCES;
	for (i = 0; i < dp->n_workers; i++) {
		struct dp_worker *w = dp->workers[i];

		__atomic_store_n(&w->running, true, __ATOMIC_RELEASE);
		if (rte_eal_remote_launch(dp_worker_main, w, w->lcore) != 0) {
			DFP_LOG(dp, ERR, "lcore %u is busy", w->lcore);
			__atomic_store_n(&w->running, false, __ATOMIC_RELEASE);
			dfp_dp_stop(dp);
			return DFP_STATUS_INSUFFICIENT_RESOURCES;
		}
	}
	dp->started = true;
	return DFP_STATUS_SUCCESS;
}

dfp_status_t
dfp_dp_stop(struct dfp_dp *dp)
{
	unsigned int i;

	if (dp == NULL)
		return DFP_STATUS_INVALID_PARAMETER;
	/* Stop rx: every worker leaves its loop. */
	for (i = 0; i < dp->n_workers; i++)
		__atomic_store_n(&dp->workers[i]->running, false, __ATOMIC_RELEASE);
	for (i = 0; i < dp->n_workers; i++)
		rte_eal_wait_lcore(dp->workers[i]->lcore);
	/*
	 * WFP unload order (spec §4.5): pends complete with their callout's
	 * default (completions still queued are applied), then every flow ends,
	 * which runs each context's flowDeleteFn once and accounts for every
	 * held packet. The control thread acts as each table's owner now.
	 */
	dfp_callout_pend_expire_all(dfp_ctl_callouts(dp->ctl));
	for (i = 0; i < dp->n_workers; i++)
		dp_worker_drain(dp->workers[i]);
	if (dp->started)
		dp_ports_stop(dp);
	dp->started = false;
	return DFP_STATUS_SUCCESS;
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
		rte_free(dp->workers[i]);
	}
	rte_mempool_free(dp->pool);
	free(dp);
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
