/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Two rx queues per port on two workers: every flow, both directions, is
 * handled by exactly one worker.
 *
 * net_ring cannot spread a port over queues, so this test builds real
 * ones: a network namespace of its own (removed at exit) with two veth
 * pairs, vA0-vA1 and vB0-vB1, and two net_af_packet ports with qpairs=2 on
 * vA1 (outside) and vB1 (inside). af_packet spreads a port's packets over
 * its queue sockets with the kernel's flow hash (PACKET_FANOUT_HASH), which
 * is symmetric in the endpoints, so a flow's reply arriving on the other
 * port lands on the same queue number, and queue q of every port belongs
 * to worker q. The test sends each flow's packets both ways from raw
 * sockets on vA0 and vB0 and reads the per-worker counters.
 *
 * Needs root and `ip netns`; otherwise it is skipped (exit status 77,
 * meson's skip) with a message saying why. Every wait is bounded.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <rte_bus_vdev.h>
#include <rte_cycles.h>
#include <rte_dev.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>

#include <cmocka.h>

#include "dfp_ctl.h"
#include "dfp_dp.h"
#include "test_eal.h"

#define SKIP 77
#define FLOWS 24
#define PER_DIRECTION 4
#define WAIT_MS 5000

static char ns_name[64];
static bool ns_created;

/* The namespace goes at exit, whatever happened (its veths go with it). */
static void
ns_remove(void)
{
	char cmd[128];

	if (!ns_created)
		return;
	snprintf(cmd, sizeof(cmd), "ip netns del %s 2>/dev/null", ns_name);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove network namespace %s\n", ns_name);
	ns_created = false;
}

static int
run(const char *fmt, ...)
{
	char cmd[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

/* Write a sysctl of this thread's network namespace through /proc. */
static int
sysctl_write(const char *path, const char *value)
{
	FILE *fp = fopen(path, "w");
	int rc;

	if (fp == NULL)
		return -1;
	rc = fputs(value, fp) < 0 ? -1 : 0;
	return fclose(fp) != 0 ? -1 : rc;
}

/*
 * Create the namespace and enter it (this thread: the ports' sockets are
 * made here), then the veth pairs, with IPv6 off so the kernel sends no
 * neighbour discovery of its own into the ports. Returns 0, or SKIP after
 * saying why.
 */
static int
ns_setup(void)
{
	static const char *const links[] = {"vA0", "vA1", "vB0", "vB1"};
	char path[128];
	unsigned int i;
	int fd;

	if (geteuid() != 0) {
		printf("skipped: needs root (network namespace, veth, af_packet)\n");
		return SKIP;
	}
	snprintf(ns_name, sizeof(ns_name), "dfp_mq_%d", (int)getpid());
	if (run("ip netns add %s 2>/dev/null", ns_name) != 0) {
		printf("skipped: 'ip netns add' is unavailable here\n");
		return SKIP;
	}
	ns_created = true;
	atexit(ns_remove);
	snprintf(path, sizeof(path), "/var/run/netns/%s", ns_name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, CLONE_NEWNET) != 0) {
		printf("skipped: cannot enter network namespace %s: %s\n", ns_name,
			strerror(errno));
		if (fd >= 0)
			close(fd);
		return SKIP;
	}
	close(fd);
	if (sysctl_write("/proc/sys/net/ipv6/conf/all/disable_ipv6", "1") != 0 ||
			sysctl_write("/proc/sys/net/ipv6/conf/default/disable_ipv6", "1") != 0)
		fprintf(stderr, "note: IPv6 stays on; the kernel may add frames\n");
	/* This thread is in the namespace now: so are the commands it runs. */
	if (run("ip link add vA0 type veth peer name vA1") != 0 ||
			run("ip link add vB0 type veth peer name vB1") != 0) {
		printf("skipped: cannot create veth pairs\n");
		return SKIP;
	}
	for (i = 0; i < RTE_DIM(links); i++) {
		if (run("ip link set %s up", links[i]) != 0) {
			printf("skipped: cannot bring %s up\n", links[i]);
			return SKIP;
		}
	}
	return 0;
}

/* ---- Raw frames on the far ends of the veths ---- */

struct wire {
	int fd;
	int ifindex;
};

static void
wire_open(struct wire *wr, const char *ifname)
{
	struct sockaddr_ll sll;

	wr->fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));
	assert_true(wr->fd >= 0);
	wr->ifindex = (int)if_nametoindex(ifname);
	assert_true(wr->ifindex > 0);
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = wr->ifindex;
	assert_int_equal(bind(wr->fd, (struct sockaddr *)&sll, sizeof(sll)), 0);
}

static void
put16(uint8_t *p, uint16_t v)
{
	v = htons(v);
	memcpy(p, &v, 2);
}

/* A 60-byte Ethernet/IPv4/UDP frame. */
static void
wire_send_udp(struct wire *wr, uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport)
{
	uint8_t f[60];
	uint32_t a;

	memset(f, 0, sizeof(f));
	memcpy(f, "\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01", 12);
	put16(f + 12, 0x0800);
	f[14] = 0x45;
	put16(f + 16, 46);
	f[22] = 64;
	f[23] = 17;
	a = htonl(src);
	memcpy(f + 26, &a, 4);
	a = htonl(dst);
	memcpy(f + 30, &a, 4);
	put16(f + 34, sport);
	put16(f + 36, dport);
	put16(f + 38, 26);
	assert_int_equal(send(wr->fd, f, sizeof(f), 0), (ssize_t)sizeof(f));
}

/* ---- The datapath ---- */

struct mq {
	struct dfp_ctl *ctl;
	struct dfp_dp *dp;
	struct wire a0, b0;
	uint16_t pa, pb;
};

static struct mq M;

static uint16_t
af_packet_port(const char *name, const char *iface)
{
	char devargs[128];
	uint16_t port;
	int rc;

	snprintf(devargs, sizeof(devargs), "%s,iface=%s,qpairs=2", name, iface);
	rc = rte_dev_probe(devargs);
	if (rc != 0)
		fail_msg("rte_dev_probe(%s): %s", devargs, rte_strerror(-rc));
	assert_int_equal(rte_eth_dev_get_port_by_name(name, &port), 0);
	return port;
}

static int
group_setup(void **state)
{
	struct dfp_ctl_params cp;
	struct dfp_dp_conf c;
	unsigned int lc;

	(void)state;
	memset(&M, 0, sizeof(M));
	M.pa = af_packet_port("net_af_packet_mqa", "vA1");
	M.pb = af_packet_port("net_af_packet_mqb", "vB1");
	memset(&cp, 0, sizeof(cp));
	cp.n_workers = 2;
	if (dfp_ctl_create(&cp, &M.ctl) != DFP_STATUS_SUCCESS)
		return -1;
	memset(&c, 0, sizeof(c));
	c.n_ports = 2;
	snprintf(c.ports[0].name, sizeof(c.ports[0].name), "wan");
	c.ports[0].port_id = M.pa;
	c.ports[0].role = DFP_DP_ROLE_OUTSIDE;
	c.ports[0].peer = 1;
	c.ports[0].rx_queues = 2;
	snprintf(c.ports[1].name, sizeof(c.ports[1].name), "lan");
	c.ports[1].port_id = M.pb;
	c.ports[1].role = DFP_DP_ROLE_INSIDE;
	c.ports[1].peer = 0;
	c.ports[1].rx_queues = 2;
	c.n_workers = 2;
	lc = rte_get_next_lcore(rte_get_main_lcore(), 1, 0);
	c.worker_lcores[0] = lc;
	c.worker_lcores[1] = rte_get_next_lcore(lc, 1, 0);
	c.burst = 32;
	c.flow_capacity = 1024;
	c.idle_timeout_s = 60;
	c.hold_packets = 8;
	c.mbufs = 8192;
	if (dfp_dp_create(&c, M.ctl, &M.dp) != DFP_STATUS_SUCCESS ||
			dfp_dp_start(M.dp) != DFP_STATUS_SUCCESS)
		return -1;
	wire_open(&M.a0, "vA0");
	wire_open(&M.b0, "vB0");
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	if (M.dp != NULL) {
		dfp_dp_stop(M.dp);
		dfp_dp_free(M.dp);
	}
	dfp_ctl_destroy(M.ctl);
	rte_eal_hotplug_remove("vdev", "net_af_packet_mqa");
	rte_eal_hotplug_remove("vdev", "net_af_packet_mqb");
	if (M.a0.fd > 0)
		close(M.a0.fd);
	if (M.b0.fd > 0)
		close(M.b0.fd);
	return 0;
}

/* Sum of rx over the workers, waited for (bounded) until it reaches want. */
static uint64_t
wait_rx(uint64_t want)
{
	uint64_t end = rte_get_tsc_cycles() + rte_get_tsc_hz() * WAIT_MS / 1000;
	struct dfp_dp_stats s;

	for (;;) {
		dfp_dp_stats_get(M.dp, &s);
		if (s.rx_packets >= want || rte_get_tsc_cycles() >= end)
			return s.rx_packets;
		usleep(500);
	}
}

static void
test_dp_two_queues_on_two_workers_keep_each_flow_on_one_worker(void **state)
{
	struct dfp_dp_stats before[2], after[2], total;
	unsigned int used[2] = {0, 0};
	struct dfp_dp_worker_info wi;
	uint64_t rx0;
	unsigned int k, i, w;

	(void)state;
	/* Queue q of each port is polled by worker q. */
	for (w = 0; w < 2; w++) {
		assert_int_equal(dfp_dp_worker_info(M.dp, w, &wi), DFP_STATUS_SUCCESS);
		assert_int_equal(wi.n_rxqs, 2);
		for (i = 0; i < 2; i++)
			assert_int_equal(wi.rxqs[i].queue, w);
	}
	dfp_dp_stats_get(M.dp, &total);
	rx0 = total.rx_packets;
	for (k = 0; k < FLOWS; k++) {
		uint32_t client = 0xc6336400 + 1 + k;   /* 198.51.100.(1 + k) */
		uint32_t server = 0xc0000201;           /* 192.0.2.1 */
		uint16_t cport = (uint16_t)(20000 + 7 * k);

		for (w = 0; w < 2; w++)
			dfp_dp_worker_stats_get(M.dp, w, &before[w]);
		for (i = 0; i < PER_DIRECTION; i++) {
			wire_send_udp(&M.a0, client, server, cport, 53);
			wire_send_udp(&M.b0, server, client, 53, cport);
		}
		rx0 += 2 * PER_DIRECTION;
		assert_int_equal(wait_rx(rx0), rx0);
		for (w = 0; w < 2; w++)
			dfp_dp_worker_stats_get(M.dp, w, &after[w]);
		/* One flow, made by one worker, which received both directions. */
		w = after[0].flows_created != before[0].flows_created ? 0 : 1;
		if (after[0].flows_created + after[1].flows_created -
				before[0].flows_created - before[1].flows_created != 1 ||
				after[w].rx_packets - before[w].rx_packets != 2 * PER_DIRECTION ||
				after[!w].rx_packets != before[!w].rx_packets)
			fail_msg("flow %u: workers made %" PRIu64 " + %" PRIu64 " flows and "
				"received %" PRIu64 " + %" PRIu64 " packets", k,
				after[0].flows_created - before[0].flows_created,
				after[1].flows_created - before[1].flows_created,
				after[0].rx_packets - before[0].rx_packets,
				after[1].rx_packets - before[1].rx_packets);
		assert_int_equal(after[w].tx_packets - before[w].tx_packets, 2 * PER_DIRECTION);
		used[w]++;
	}
	/* The hash spread the flows: both workers got some (all on one: 2^-23). */
	printf("flows per worker: %u, %u\n", used[0], used[1]);
	assert_true(used[0] > 0 && used[1] > 0);
	assert_int_equal(dfp_dp_wait_idle(M.dp, WAIT_MS), DFP_STATUS_SUCCESS);
	dfp_dp_stats_get(M.dp, &total);
	assert_int_equal(total.rx_packets, total.tx_packets);
	assert_int_equal(total.flows_created, FLOWS);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dp_two_queues_on_two_workers_keep_each_flow_on_one_worker),
	};
	char lcores[64];
	const char *eal[1] = {lcores};
	int rc;

	rc = ns_setup();
	if (rc != 0)
		return rc;
	/* Three lcores (control and two workers) on whatever CPUs there are. */
	snprintf(lcores, sizeof(lcores), "--lcores=0@0,(1-2)@(0-%ld)",
		RTE_MAX(sysconf(_SC_NPROCESSORS_ONLN) - 1, 0L));
	if (dfp_test_eal_init(eal, 1) != 0) {
		fprintf(stderr, "EAL initialisation failed\n");
		return 1;
	}
	rc = cmocka_run_group_tests(tests, group_setup, group_teardown);
	ns_remove();
	return rc;
}
