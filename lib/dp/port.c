/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Ports: the mempool, queue setup with a symmetric RSS key (both
 * directions of a flow hash to the same queue, hence the same worker),
 * start and stop. Control thread only.
 */
#include <string.h>

#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "dp_private.h"

#define DP_RX_DESC 1024
#define DP_TX_DESC 1024
#define DP_MBUF_CACHE 256

/*
 * A 40-byte RSS key made of one repeated 16-bit pattern: the Toeplitz hash
 * is then symmetric in (src, dst) and (sport, dport).
 */
const uint8_t dp_rss_key[40] = {
	0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
	0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
	0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
	0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
};

static uint32_t
pool_size(const struct dfp_dp *dp)
{
	uint32_t n = 0;
	unsigned int i;

	if (dp->conf.mbufs != 0)
		return dp->conf.mbufs;
	/* Rings full on every queue, plus bursts in flight and held packets. */
	for (i = 0; i < dp->n_ports; i++)
		n += dp->ports[i].rx_queues * DP_RX_DESC + dp->ports[i].tx_queues * DP_TX_DESC;
	n += dp->n_workers * (DP_BURST_MAX * (DFP_DP_MAX_PORTS + 2) + DP_MBUF_CACHE);
	n += 4096;
	return n;
}

static int
port_configure(struct dfp_dp *dp, struct dp_port *p)
{
	struct rte_eth_conf conf;
	struct rte_eth_dev_info info;
	uint16_t q, nrx, ntx;
	int rc;

	rc = rte_eth_dev_info_get(p->port_id, &info);
	if (rc != 0)
		return rc;
	memset(&conf, 0, sizeof(conf));
	nrx = RTE_MIN(p->rx_queues, info.max_rx_queues);
	ntx = RTE_MIN(p->tx_queues, info.max_tx_queues);
	if (nrx != p->rx_queues || ntx != p->tx_queues) {
		DFP_LOG(dp, ERR, "port %s: needs %u rx / %u tx queues, device offers %u / %u",
			p->name, p->rx_queues, p->tx_queues, info.max_rx_queues,
			info.max_tx_queues);
		return -EINVAL;
	}
	if (nrx > 1) {
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		/* ethdev copies the key; its field is not const. */
		conf.rx_adv_conf.rss_conf.rss_key = (uint8_t *)(uintptr_t)dp_rss_key;
		conf.rx_adv_conf.rss_conf.rss_key_len = sizeof(dp_rss_key);
		conf.rx_adv_conf.rss_conf.rss_hf = (RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP |
			RTE_ETH_RSS_UDP) & info.flow_type_rss_offloads;
	}
	rc = rte_eth_dev_configure(p->port_id, nrx, ntx, &conf);
	if (rc != 0)
		return rc;
	for (q = 0; q < nrx; q++) {
		rc = rte_eth_rx_queue_setup(p->port_id, q, DP_RX_DESC,
			rte_eth_dev_socket_id(p->port_id), NULL, dp->pool);
		if (rc != 0)
			return rc;
	}
	for (q = 0; q < ntx; q++) {
		rc = rte_eth_tx_queue_setup(p->port_id, q, DP_TX_DESC,
			rte_eth_dev_socket_id(p->port_id), NULL);
		if (rc != 0)
			return rc;
	}
	return 0;
}

int
dp_ports_setup(struct dfp_dp *dp)
{
	char name[RTE_MEMPOOL_NAMESIZE];
	static unsigned int pool_seq;
	unsigned int i;
	int rc;

	snprintf(name, sizeof(name), "dfp_pool_%u", pool_seq++);
	dp->pool = rte_pktmbuf_pool_create(name, pool_size(dp), DP_MBUF_CACHE, 0,
		RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());
	if (dp->pool == NULL) {
		DFP_LOG(dp, ERR, "mempool of %u mbufs: %s", pool_size(dp),
			rte_strerror(rte_errno));
		return -ENOMEM;
	}
	for (i = 0; i < dp->n_ports; i++) {
		rc = port_configure(dp, &dp->ports[i]);
		if (rc != 0) {
			DFP_LOG(dp, ERR, "port %s (%u): setup failed: %s", dp->ports[i].name,
				dp->ports[i].port_id, rte_strerror(-rc));
			return rc;
		}
	}
	return 0;
}

/* Start every port (again, after dp_ports_stop()); on failure the ones started are stopped. */
int
dp_ports_start(struct dfp_dp *dp)
{
	unsigned int i;
	int rc;

	for (i = 0; i < dp->n_ports; i++) {
		rc = rte_eth_dev_start(dp->ports[i].port_id);
		if (rc != 0) {
			DFP_LOG(dp, ERR, "port %s: start failed: %s", dp->ports[i].name,
				rte_strerror(-rc));
			while (i-- > 0)
				rte_eth_dev_stop(dp->ports[i].port_id);
			return rc;
		}
		/* A bump in the wire sees every frame, whatever its destination MAC. */
		rte_eth_promiscuous_enable(dp->ports[i].port_id);
	}
	return 0;
}

void
dp_ports_stop(struct dfp_dp *dp)
{
	unsigned int i;

	for (i = 0; i < dp->n_ports; i++)
		rte_eth_dev_stop(dp->ports[i].port_id);
}
