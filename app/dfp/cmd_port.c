/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Console family "port": show port info all | show port stats all |
 * clear port stats all, in testpmd's layout.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>

#include "cmd.h"

CMD_TOK(tok_show, 0, "show");
CMD_TOK(tok_clear, 0, "clear");
CMD_TOK(tok_port, 1, "port");
CMD_TOK(tok_info, 2, "info");
CMD_TOK(tok_stats, 2, "stats");
CMD_TOK(tok_all, 3, "all");

/* Throughput since the previous `show port stats` (per port). */
static struct {
	uint64_t ipackets, opackets, ibytes, obytes, tsc;
} prev[RTE_MAX_ETHPORTS];

static void
port_stats(const struct dfp_conf_port *p)
{
	struct rte_eth_stats s;
	uint16_t id = p->port_id;
	uint64_t now = rte_rdtsc(), dt, rx_pps = 0, tx_pps = 0, rx_bps = 0, tx_bps = 0;

	if (rte_eth_stats_get(id, &s) != 0) {
		app_printf("  port %u: statistics unavailable\n", id);
		return;
	}
	dt = prev[id].tsc != 0 ? now - prev[id].tsc : 0;
	if (dt > 0) {
		double sec = (double)dt / (double)rte_get_tsc_hz();

		rx_pps = (uint64_t)((double)(s.ipackets - prev[id].ipackets) / sec);
		tx_pps = (uint64_t)((double)(s.opackets - prev[id].opackets) / sec);
		rx_bps = (uint64_t)((double)(s.ibytes - prev[id].ibytes) * 8 / sec);
		tx_bps = (uint64_t)((double)(s.obytes - prev[id].obytes) * 8 / sec);
	}
	prev[id].ipackets = s.ipackets;
	prev[id].opackets = s.opackets;
	prev[id].ibytes = s.ibytes;
	prev[id].obytes = s.obytes;
	prev[id].tsc = now;

	app_printf("\n  ######################## NIC statistics for port %-2u #########################\n",
		id);
	app_printf("  RX-packets: %-10" PRIu64 " RX-missed: %-10" PRIu64 " RX-bytes:  %-" PRIu64 "\n",
		s.ipackets, s.imissed, s.ibytes);
	app_printf("  RX-errors: %" PRIu64 "\n", s.ierrors);
	app_printf("  RX-nombuf:  %-10" PRIu64 "\n", s.rx_nombuf);
	app_printf("  TX-packets: %-10" PRIu64 " TX-errors: %-10" PRIu64 " TX-bytes:  %-" PRIu64 "\n",
		s.opackets, s.oerrors, s.obytes);
	app_printf("\n  Throughput (since last show)\n");
	app_printf("  Rx-pps: %12" PRIu64 "          Rx-bps: %12" PRIu64 "\n", rx_pps, rx_bps);
	app_printf("  Tx-pps: %12" PRIu64 "          Tx-bps: %12" PRIu64 "\n", tx_pps, tx_bps);
	app_printf("  ############################################################################\n");
}

CMD_FN(cmd_show_stats)
{
	unsigned int i;

	CMD_ARGS();
	(void)a;
	for (i = 0; i < dfp_app->conf->n_ports; i++)
		port_stats(&dfp_app->conf->ports[i]);
	app_status(DFP_STATUS_SUCCESS);
}

CMD_FN(cmd_clear_stats)
{
	unsigned int i;

	CMD_ARGS();
	(void)a;
	for (i = 0; i < dfp_app->conf->n_ports; i++) {
		uint16_t id = dfp_app->conf->ports[i].port_id;

		rte_eth_stats_reset(id);
		memset(&prev[id], 0, sizeof(prev[id]));
		app_printf("\n  NIC statistics for port %u cleared\n", id);
	}
	dfp_dp_stats_clear(dfp_app->dp);
	app_status(DFP_STATUS_SUCCESS);
}

static void
port_info(unsigned int index, const struct dfp_conf_port *p)
{
	struct dfp_dp_link rec;
	struct rte_eth_dev_info di;
	struct rte_eth_link link;
	struct rte_ether_addr mac;
	char macs[RTE_ETHER_ADDR_FMT_SIZE], name[RTE_ETH_NAME_MAX_LEN];
	uint16_t id = p->port_id;

	app_printf("\n********************* Infos for port %-2u  *********************\n", id);
	if (rte_eth_dev_info_get(id, &di) != 0) {
		app_printf("  unavailable\n");
		return;
	}
	if (rte_eth_macaddr_get(id, &mac) == 0) {
		rte_ether_format_addr(macs, sizeof(macs), &mac);
		app_printf("MAC address: %s\n", macs);
	}
	if (rte_eth_dev_get_name_by_port(id, name) == 0)
		app_printf("Device name: %s\n", name);
	app_printf("Driver name: %s\n", di.driver_name);
	app_printf("dfp name: %s\nRole: %s\nPeer: %s\n", p->name,
		p->role == DFP_CONF_ROLE_OUTSIDE ? "outside (arrivals are INBOUND)" :
		"inside (arrivals are OUTBOUND)", p->peer);
	if (rte_eth_link_get_nowait(id, &link) == 0) {
		app_printf("Link status: %s\n", link.link_status ? "up" : "down");
		app_printf("Link speed: %s\n", rte_eth_link_speed_to_str(link.link_speed));
		app_printf("Link duplex: %s\n", link.link_duplex == RTE_ETH_LINK_FULL_DUPLEX ?
			"full-duplex" : "half-duplex");
	}
	/* dfp's own record (the main thread polls every 100 ms while forwarding). */
	if (dfp_dp_link_get(dfp_app->dp, index, &rec) == DFP_STATUS_SUCCESS)
		app_printf("Link changes: %" PRIu64 " (down %" PRIu64 ")\n", rec.changes, rec.downs);
	app_printf("Current number of RX queues: %u\n", p->rx_queues);
	app_printf("Max possible RX queues: %u\n", di.max_rx_queues);
	app_printf("Max possible TX queues: %u\n", di.max_tx_queues);
	app_printf("Supported RSS offload flow types: 0x%" PRIx64 "\n", di.flow_type_rss_offloads);
}

CMD_FN(cmd_show_info)
{
	unsigned int i;

	CMD_ARGS();
	(void)a;
	for (i = 0; i < dfp_app->conf->n_ports; i++)
		port_info(i, &dfp_app->conf->ports[i]);
	app_status(DFP_STATUS_SUCCESS);
}

CMD_INST(inst_info, cmd_show_info, "show port info all: ports, roles, peers, link",
	T(tok_show), T(tok_port), T(tok_info), T(tok_all));
CMD_INST(inst_stats, cmd_show_stats, "show port stats all: NIC statistics (testpmd layout)",
	T(tok_show), T(tok_port), T(tok_stats), T(tok_all));
CMD_INST(inst_clear, cmd_clear_stats, "clear port stats all: zero NIC and datapath statistics",
	T(tok_clear), T(tok_port), T(tok_stats), T(tok_all));

cmdline_parse_inst_t *cmd_port_insts[] = {&inst_info, &inst_stats, &inst_clear, NULL};
