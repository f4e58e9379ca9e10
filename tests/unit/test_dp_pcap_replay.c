/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Every capture under ../shared/data/pcap replayed through the whole
 * appliance datapath, with closed accounting.
 *
 * For each capture, two net_pcap ports are hot-plugged (rte_dev_probe):
 * port A (outside, peer B) reads the capture and port B (inside, peer A)
 * reads an empty capture; each writes what it transmits to a pcap under
 * /tmp. One worker lcore runs the pipeline. net_pcap signals no end of
 * file, so the replay is drained when the PMD has read every record of the
 * capture (its ipackets + ierrors) and the datapath's rx counter has not
 * moved for DRAIN_IDLE_MS. After dfp_dp_stop() the counters must close:
 *
 *     rx_packets == tx_packets + sum(drops by reason) + held_now, held_now == 0
 *     rx_packets + PMD-skipped records == records in the capture (libpcap count)
 *     rx_bytes == bytes in the capture (frames above the mbuf size arrive chained)
 *     B's output pcap holds tx_packets records of tx_bytes; A's output is empty.
 *
 * Raw-IP captures (LINKTYPE_RAW, IPV4, IPV6) are rewritten to Ethernet into
 * a temporary file first; other non-Ethernet link types are skipped with a
 * note. A first pass runs with no filters; a second with a small real rule
 * base (block local port 7000 and 80 at INBOUND_TRANSPORT, block UDP flows
 * to local port 53 at ALE_AUTH_RECV_ACCEPT), so FILTER_BLOCK drops appear;
 * the 500-connection echo capture is checked against counts taken from the
 * capture independently (53,939 packets to port 7000, 28,643 from it: with
 * the client's SYNs blocked no flow exists, so the server's segments are
 * TCP_NO_FLOW under the default flows tcp_pickup: no), and
 * a few fragment and VLAN captures against drops read off their bytes.
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_dev.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include <cmocka.h>
#include <pcap/pcap.h>

#include "dfp_ctl.h"
#include "dfp_dp.h"
#include "test_eal.h"

#define PCAP_DIR "data/pcap"
#define N_CAPTURES_MIN 60
#define DRAIN_IDLE_MS 100
#define DRAIN_MAX_MS 15000
#define POLL_US 2000
#define SYNTH_ETH_LEN 14

/* The echo capture and what the second pass's rules must do to it. */
#define ECHO_NAME "zeek/echo-connections.pcap"
#define ECHO_PKTS 82582u
#define ECHO_TO_7000 53939u
#define ECHO_FROM_7000 28643u

/* What a pcap file holds. */
struct pcap_sum {
	uint64_t records;       /* Records. */
	uint64_t bytes;         /* Sum of their captured lengths. */
	uint32_t max_caplen;    /* Largest captured length. */
};

/*
 * Drops by reason that particular captures must show, read off the
 * captures themselves (data/pcap/README.md and their bytes).
 */
struct expect {
	const char *name;         /* Capture below data/pcap. */
	bool with_rules;          /* In the rule base pass (else the no-filter pass). */
	enum dfp_dp_drop reason;
	uint64_t count;
};

static const struct expect expects[] = {
	/*
	 * fragmented-4: a datagram to port 80 in 4 fragments plus a segment
	 * to port 80 and one from it. The blocked first fragment's three later
	 * fragments share its fate (FILTER_BLOCK, not FRAG_NO_FLOW).
	 */
	{"zeek/ipv4/fragmented-4.pcap", false, DFP_DP_DROP_FILTER_BLOCK, 0},
	{"zeek/ipv4/fragmented-4.pcap", true, DFP_DP_DROP_FILTER_BLOCK, 5},
	{"zeek/ipv4/fragmented-4.pcap", true, DFP_DP_DROP_FRAG_NO_FLOW, 0},
	/* A SYN whose TCP header is split: the tiny first fragment and its follower. */
	{"zeek/ipv4/fragmented-syn.pcap", false, DFP_DP_DROP_FRAG_TINY, 2},
	/* DNS over IPv6: one orphan last fragment; UDP/53 flows blocked at ALE. */
	{"zeek/ipv6-fragmented-dns.pcap", false, DFP_DP_DROP_FRAG_NO_FLOW, 1},
	{"zeek/ipv6-fragmented-dns.pcap", true, DFP_DP_DROP_FRAG_NO_FLOW, 1},
	{"zeek/ipv6-fragmented-dns.pcap", true, DFP_DP_DROP_FILTER_BLOCK, 7},
	/* Three stacked 802.1Q tags: deeper than the parser walks. */
	{"zeek/vlan-qinqinq.pcap", false, DFP_DP_DROP_VLAN_TOO_DEEP, 14},
};

struct capture {
	char path[512];         /* Absolute. */
	char name[256];         /* Below data/pcap. */
	char feed[512];         /* What port A reads: path, or a rewrite under tmp_dir. */
	int dlt;                /* Link type of the original. */
	bool skipped;           /* Link type we cannot feed. */
	bool rewritten;         /* Raw IP given a synthetic Ethernet header. */
	struct pcap_sum feed_sum; /* Records and bytes of the feed (libpcap). */
};

/* What one replay produced. */
struct replay {
	struct dfp_dp_stats s;  /* Datapath counters after stop. */
	uint64_t pmd_in;        /* Port A: packets the PMD handed out. */
	uint64_t pmd_skipped;   /* Port A: records the PMD read but could not deliver. */
	struct pcap_sum out_a;  /* A's output pcap. */
	struct pcap_sum out_b;  /* B's output pcap. */
	uint64_t drops;         /* Sum of drops by reason. */
	uint64_t ms;            /* Wall time of the replay. */
};

static struct capture *captures;
static unsigned int n_captures;
static unsigned int cap_captures;
static size_t root_len;
static char tmp_dir[128];
static char empty_pcap[256];
static unsigned int vdev_seq;

/* ---- Captures ---- */

static void
add_capture(const char *path)
{
	struct capture *c;

	if (n_captures == cap_captures) {
		cap_captures = cap_captures ? 2 * cap_captures : 64;
		captures = realloc(captures, cap_captures * sizeof(*captures));
		assert_non_null(captures);
	}
	c = &captures[n_captures++];
	memset(c, 0, sizeof(*c));
	snprintf(c->path, sizeof(c->path), "%s", path);
	snprintf(c->name, sizeof(c->name), "%s", c->path + root_len + 1);
	c->dlt = -1;
}

static void
collect(const char *dir)
{
	struct dirent *de;
	char path[512];
	struct stat st;
	size_t n;
	DIR *d;

	d = opendir(dir);
	if (d == NULL)
		fail_msg("cannot open %s", dir);
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (stat(path, &st) != 0)
			continue;
		n = strlen(de->d_name);
		if (S_ISDIR(st.st_mode))
			collect(path);
		else if (n > 5 && strcmp(de->d_name + n - 5, ".pcap") == 0)
			add_capture(path);
	}
	closedir(d);
}

static int
capture_cmp(const void *a, const void *b)
{
	return strcmp(((const struct capture *)a)->name, ((const struct capture *)b)->name);
}

static bool
dlt_is_raw_ip(int dlt)
{
	return dlt == DLT_RAW || dlt == DLT_IPV4 || dlt == DLT_IPV6;
}

/* Sum up a pcap file; false if it does not open. */
static bool
pcap_sum(const char *path, struct pcap_sum *sum)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	pcap_t *p;

	memset(sum, 0, sizeof(*sum));
	p = pcap_open_offline(path, errbuf);
	if (p == NULL)
		return false;
	while (pcap_next_ex(p, &h, &data) == 1) {
		sum->records++;
		sum->bytes += h->caplen;
		sum->max_caplen = RTE_MAX(sum->max_caplen, h->caplen);
	}
	pcap_close(p);
	return true;
}

/* Write c->path with a synthetic Ethernet header on every record into c->feed. */
static void
rewrite_raw_ip(struct capture *c, unsigned int idx)
{
	static const uint8_t eth[12] = {2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1};
	char errbuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h, oh;
	const u_char *data;
	pcap_dumper_t *dump;
	pcap_t *in, *dead;
	uint8_t *buf;

	snprintf(c->feed, sizeof(c->feed), "%s/raw%u.pcap", tmp_dir, idx);
	in = pcap_open_offline(c->path, errbuf);
	assert_non_null(in);
	dead = pcap_open_dead(DLT_EN10MB, 262144);
	assert_non_null(dead);
	dump = pcap_dump_open(dead, c->feed);
	assert_non_null(dump);
	buf = malloc(262144 + SYNTH_ETH_LEN);
	assert_non_null(buf);
	while (pcap_next_ex(in, &h, &data) == 1) {
		uint32_t n = RTE_MIN(h->caplen, 262144u);
		bool v6 = n > 0 && (data[0] >> 4) == 6;

		memcpy(buf, eth, sizeof(eth));
		buf[12] = v6 ? 0x86 : 0x08;
		buf[13] = v6 ? 0xdd : 0x00;
		memcpy(buf + SYNTH_ETH_LEN, data, n);
		oh = *h;
		oh.caplen = n + SYNTH_ETH_LEN;
		oh.len = h->len + SYNTH_ETH_LEN;
		pcap_dump((u_char *)dump, &oh, buf);
	}
	free(buf);
	pcap_dump_close(dump);
	pcap_close(dead);
	pcap_close(in);
	c->rewritten = true;
}

/* Link type, feed file and record count of every capture. */
static void
prepare_captures(void)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	unsigned int i;
	pcap_t *p;

	for (i = 0; i < n_captures; i++) {
		struct capture *c = &captures[i];

		p = pcap_open_offline(c->path, errbuf);
		if (p == NULL)
			fail_msg("%s: %s", c->name, errbuf);
		c->dlt = pcap_datalink(p);
		pcap_close(p);
		snprintf(c->feed, sizeof(c->feed), "%s", c->path);
		if (dlt_is_raw_ip(c->dlt)) {
			rewrite_raw_ip(c, i);
		} else if (c->dlt != DLT_EN10MB) {
			c->skipped = true;
			printf("note: %s: link type %d is neither Ethernet nor raw IP: skipped\n",
				c->name, c->dlt);
			continue;
		}
		if (!pcap_sum(c->feed, &c->feed_sum))
			fail_msg("%s: cannot read %s", c->name, c->feed);
		if (strchr(c->feed, ',') != NULL)
			fail_msg("%s: a comma in the path cannot go into devargs", c->feed);
	}
}

/* A valid pcap file with no records. */
static void
write_empty_pcap(const char *path)
{
	pcap_dumper_t *dump;
	pcap_t *dead;

	dead = pcap_open_dead(DLT_EN10MB, 65535);
	assert_non_null(dead);
	dump = pcap_dump_open(dead, path);
	assert_non_null(dump);
	pcap_dump_close(dump);
	pcap_close(dead);
}

/* ---- Rules ---- */

static void
add_block(struct dfp_ctl_session *s, uint16_t layer, uint8_t proto, uint16_t local_port)
{
	struct dfp_engine_filter_spec spec;
	struct dfp_engine_cond c[2];
	unsigned int n = 0;

	memset(c, 0, sizeof(c));
	if (proto != 0) {
		c[n].field = DFP_FIELD_IP_PROTOCOL;
		c[n].match = DFP_MATCH_EQUAL;
		c[n].value.lo = proto;
		n++;
	}
	c[n].field = DFP_FIELD_IP_LOCAL_PORT;
	c[n].match = DFP_MATCH_EQUAL;
	c[n].value.lo = local_port;
	n++;
	memset(&spec, 0, sizeof(spec));
	spec.name = "replay-block";
	spec.layer_id = layer;
	spec.weight_type = DFP_ENGINE_WEIGHT_EXPLICIT;
	spec.weight = 10;
	spec.action = DFP_ACTION_BLOCK;
	spec.conds = c;
	spec.n_conds = n;
	assert_int_equal(dfp_ctl_filter_add(s, &spec, NULL), DFP_STATUS_SUCCESS);
}

/* The second pass's rule base, in one transaction. */
static void
add_rules(struct dfp_ctl_session *s)
{
	assert_int_equal(dfp_ctl_txn_begin(s, 0), DFP_STATUS_SUCCESS);
	add_block(s, DFP_LAYER_INBOUND_TRANSPORT_V4, 0, 7000);
	add_block(s, DFP_LAYER_INBOUND_TRANSPORT_V4, 0, 80);
	add_block(s, DFP_LAYER_INBOUND_TRANSPORT_V6, 0, 80);
	add_block(s, DFP_LAYER_ALE_AUTH_RECV_ACCEPT_V4, 17, 53);
	add_block(s, DFP_LAYER_ALE_AUTH_RECV_ACCEPT_V6, 17, 53);
	assert_int_equal(dfp_ctl_txn_commit(s), DFP_STATUS_SUCCESS);
}

/* ---- One replay ---- */

static uint64_t
ms_since(uint64_t tsc)
{
	return (rte_get_tsc_cycles() - tsc) * 1000 / rte_get_tsc_hz();
}

static uint16_t
probe(const char *name, const char *rx, const char *tx)
{
	char devargs[1200];
	uint16_t port;
	int rc;

	snprintf(devargs, sizeof(devargs), "%s,rx_pcap=%s,tx_pcap=%s", name, rx, tx);
	rc = rte_dev_probe(devargs);
	if (rc != 0)
		fail_msg("rte_dev_probe(%s): %s", devargs, rte_strerror(-rc));
	assert_int_equal(rte_eth_dev_get_port_by_name(name, &port), 0);
	return port;
}

/*
 * Drained: the PMD has read every record of the capture and the
 * datapath's rx counter has not moved for DRAIN_IDLE_MS. Bounded.
 */
static void
drain(struct dfp_dp *dp, uint16_t port_a, uint64_t records)
{
	uint64_t start = rte_get_tsc_cycles(), last_move = start, last_rx = 0;
	struct rte_eth_stats ps;
	struct dfp_dp_stats s;
	bool read_all;

	for (;;) {
		usleep(POLL_US);
		dfp_dp_stats_get(dp, &s);
		if (s.rx_packets != last_rx) {
			last_rx = s.rx_packets;
			last_move = rte_get_tsc_cycles();
		}
		memset(&ps, 0, sizeof(ps));
		rte_eth_stats_get(port_a, &ps);
		read_all = ps.ipackets + ps.ierrors >= records;
		if (read_all && ms_since(last_move) >= DRAIN_IDLE_MS)
			return;
		if (ms_since(start) >= DRAIN_MAX_MS)
			return; /* The accounting checks report what is missing. */
	}
}

static void
replay_run(const struct capture *c, bool with_rules, struct replay *r)
{
	char name_a[64], name_b[64], out_a[256], out_b[256];
	uint64_t start = rte_get_tsc_cycles();
	struct dfp_ctl_session *s;
	struct rte_eth_stats ps;
	struct dfp_ctl_params cp;
	struct dfp_dp_conf conf;
	struct dfp_ctl *ctl;
	struct dfp_dp *dp;
	uint16_t pa, pb;

	memset(r, 0, sizeof(*r));
	vdev_seq++;
	snprintf(name_a, sizeof(name_a), "net_pcap_ra%u", vdev_seq);
	snprintf(name_b, sizeof(name_b), "net_pcap_rb%u", vdev_seq);
	snprintf(out_a, sizeof(out_a), "%s/a%u.out.pcap", tmp_dir, vdev_seq);
	snprintf(out_b, sizeof(out_b), "%s/b%u.out.pcap", tmp_dir, vdev_seq);
	pa = probe(name_a, c->feed, out_a);
	pb = probe(name_b, empty_pcap, out_b);

	memset(&cp, 0, sizeof(cp));
	cp.n_workers = 1;
	assert_int_equal(dfp_ctl_create(&cp, &ctl), DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_ctl_session_open(ctl, 0, &s), DFP_STATUS_SUCCESS);
	if (with_rules)
		add_rules(s);

	memset(&conf, 0, sizeof(conf));
	conf.n_ports = 2;
	snprintf(conf.ports[0].name, sizeof(conf.ports[0].name), "a");
	conf.ports[0].port_id = pa;
	conf.ports[0].role = DFP_DP_ROLE_OUTSIDE;
	conf.ports[0].peer = 1;
	conf.ports[0].rx_queues = 1;
	snprintf(conf.ports[1].name, sizeof(conf.ports[1].name), "b");
	conf.ports[1].port_id = pb;
	conf.ports[1].role = DFP_DP_ROLE_INSIDE;
	conf.ports[1].peer = 0;
	conf.ports[1].rx_queues = 1;
	conf.n_workers = 1;
	conf.worker_lcores[0] = rte_get_next_lcore(rte_get_main_lcore(), 1, 0);
	conf.burst = 32;
	conf.flow_capacity = 65536;
	conf.idle_timeout_s = 60;
	conf.hold_packets = 8;
	conf.mbufs = 8192;
	assert_int_equal(dfp_dp_create(&conf, ctl, &dp), DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_dp_start(dp), DFP_STATUS_SUCCESS);

	drain(dp, pa, c->feed_sum.records);

	assert_int_equal(dfp_dp_stop(dp), DFP_STATUS_SUCCESS);
	dfp_dp_stats_get(dp, &r->s);
	memset(&ps, 0, sizeof(ps));
	assert_int_equal(rte_eth_stats_get(pa, &ps), 0);
	r->pmd_in = ps.ipackets;
	r->pmd_skipped = ps.ierrors + ps.rx_nombuf;
	r->drops = dfp_dp_stats_drops(&r->s);

	/* Closing the ports closes their dumpers: the output files are complete. */
	dfp_dp_free(dp);
	assert_int_equal(rte_eal_hotplug_remove("vdev", name_a), 0);
	assert_int_equal(rte_eal_hotplug_remove("vdev", name_b), 0);
	assert_int_equal(dfp_ctl_session_close(s), DFP_STATUS_SUCCESS);
	dfp_ctl_destroy(ctl);

	assert_true(pcap_sum(out_a, &r->out_a));
	assert_true(pcap_sum(out_b, &r->out_b));
	unlink(out_a);
	unlink(out_b);
	r->ms = ms_since(start);
}

/* ---- Report and checks ---- */

static void
print_row(const struct capture *c, const struct replay *r)
{
	char drops[1024];
	size_t off = 0;
	unsigned int i;

	drops[0] = '\0';
	for (i = 1; i < DFP_DP_DROP_COUNT && off < sizeof(drops); i++) {
		if (r->s.drops[i] == 0)
			continue;
		off += (size_t)snprintf(drops + off, sizeof(drops) - off, "%s%s=%" PRIu64,
			off ? " " : "", dfp_dp_drop_name((enum dfp_dp_drop)i), r->s.drops[i]);
	}
	printf("%-46s %7" PRIu64 " %7" PRIu64 " %7" PRIu64 " %4" PRIu64 " %5" PRIu64 "  %s%s\n",
		c->name, c->feed_sum.records, r->s.rx_packets, r->s.tx_packets, r->pmd_skipped, r->ms,
		drops[0] ? drops : "-", c->rewritten ? " (raw IP rewritten to Ethernet)" : "");
}

/* The expected drops of this capture in this pass; false if one differs. */
static bool
expectations_hold(const struct capture *c, bool with_rules, const struct replay *r)
{
	bool ok = true;
	unsigned int i;

	for (i = 0; i < RTE_DIM(expects); i++) {
		const struct expect *e = &expects[i];

		if (e->with_rules != with_rules || strcmp(e->name, c->name) != 0 ||
				r->s.drops[e->reason] == e->count)
			continue;
		printf("FAIL %s: %s drops %" PRIu64 ", expected %" PRIu64 "\n", c->name,
			dfp_dp_drop_name(e->reason), r->s.drops[e->reason], e->count);
		ok = false;
	}
	return ok;
}

/* The accounting must close; returns false (after printing why) if it does not. */
static bool
accounting_closes(const struct capture *c, const struct replay *r)
{
	const struct dfp_dp_stats *s = &r->s;
	bool ok = true;

#define CHECK_(cond, ...) do { \
		if (!(cond)) { \
			printf("FAIL %s: ", c->name); \
			printf(__VA_ARGS__); \
			printf("\n"); \
			ok = false; \
		} \
	} while (0)
	CHECK_(s->held_now == 0, "held_now %" PRIu64 " after stop", s->held_now);
	CHECK_(s->drops[DFP_DP_DROP_NONE] == 0, "drops[NONE] = %" PRIu64,
		s->drops[DFP_DP_DROP_NONE]);
	CHECK_(s->rx_packets == s->tx_packets + r->drops + s->held_now,
		"rx %" PRIu64 " != tx %" PRIu64 " + drops %" PRIu64 " + held %" PRIu64,
		s->rx_packets, s->tx_packets, r->drops, s->held_now);
	CHECK_(s->rx_packets == r->pmd_in, "datapath rx %" PRIu64 " != PMD ipackets %" PRIu64,
		s->rx_packets, r->pmd_in);
	CHECK_(s->rx_packets + r->pmd_skipped == c->feed_sum.records,
		"rx %" PRIu64 " + PMD-skipped %" PRIu64 " != %" PRIu64 " records",
		s->rx_packets, r->pmd_skipped, c->feed_sum.records);
	/* Only a record larger than a 2 KiB mbuf can fail to reach the datapath. */
	CHECK_(r->pmd_skipped == 0 || c->feed_sum.max_caplen > RTE_MBUF_DEFAULT_DATAROOM,
		"PMD skipped %" PRIu64 " records, none larger than an mbuf", r->pmd_skipped);
	/* Whole frames: multi-segment ones (up to 80 KB here) arrive complete. */
	CHECK_(r->pmd_skipped != 0 || s->rx_bytes == c->feed_sum.bytes,
		"rx_bytes %" PRIu64 " != %" PRIu64 " bytes in the capture", s->rx_bytes,
		c->feed_sum.bytes);
	CHECK_(r->out_b.records == s->tx_packets && r->out_b.bytes == s->tx_bytes,
		"B wrote %" PRIu64 " records / %" PRIu64 " bytes, tx %" PRIu64 " / %" PRIu64,
		r->out_b.records, r->out_b.bytes, s->tx_packets, s->tx_bytes);
	CHECK_(r->out_a.records == 0, "A wrote %" PRIu64 " records, B received nothing",
		r->out_a.records);
#undef CHECK_
	return ok;
}

static void
replay_all(bool with_rules, struct replay *echo_out, uint64_t *block_total)
{
	unsigned int i, n_run = 0, n_bad = 0, n_skipped_pmd = 0;
	uint64_t rx = 0, tx = 0, drops = 0, records = 0;
	uint64_t start = rte_get_tsc_cycles();
	struct replay r;

	printf("\n%s pass: every capture through 2 net_pcap ports, 1 worker\n",
		with_rules ? "rule base" : "no filter");
	printf("%-46s %7s %7s %7s %4s %5s  %s\n", "capture", "packets", "rx", "fwd", "skip",
		"ms", "drops by reason");
	*block_total = 0;
	for (i = 0; i < n_captures; i++) {
		const struct capture *c = &captures[i];

		if (c->skipped)
			continue;
		replay_run(c, with_rules, &r);
		print_row(c, &r);
		if (!accounting_closes(c, &r) || !expectations_hold(c, with_rules, &r))
			n_bad++;
		n_run++;
		rx += r.s.rx_packets;
		tx += r.s.tx_packets;
		drops += r.drops;
		records += c->feed_sum.records;
		if (r.pmd_skipped != 0)
			n_skipped_pmd++;
		*block_total += r.s.drops[DFP_DP_DROP_FILTER_BLOCK];
		if (strcmp(c->name, ECHO_NAME) == 0)
			*echo_out = r;
	}
	printf("total: %u captures, %" PRIu64 " records, rx %" PRIu64 ", forwarded %" PRIu64
		", dropped %" PRIu64 ", FILTER_BLOCK %" PRIu64 "; %u with records the PMD could"
		" not deliver; %u failed a check; %" PRIu64 " ms\n", n_run, records, rx, tx,
		drops, *block_total, n_skipped_pmd, n_bad, ms_since(start));
	assert_int_equal(n_bad, 0);
	assert_true(n_run >= N_CAPTURES_MIN);
	/* Every expectation named a capture that ran. */
	for (i = 0; i < RTE_DIM(expects); i++) {
		unsigned int k;

		for (k = 0; k < n_captures; k++)
			if (!captures[k].skipped && strcmp(captures[k].name, expects[i].name) == 0)
				break;
		if (k == n_captures)
			fail_msg("expectation for %s: no such capture ran", expects[i].name);
	}
}

/* ---- Tests ---- */

static void
test_dp_pcap_replay_accounting_closes_without_filters(void **state)
{
	struct replay echo;
	uint64_t blocks;

	(void)state;
	memset(&echo, 0, sizeof(echo));
	replay_all(false, &echo, &blocks);
	assert_int_equal(blocks, 0);
	/* Every packet of the echo capture is well-formed IPv4/TCP: all forwarded. */
	assert_int_equal(echo.s.rx_packets, ECHO_PKTS);
	assert_int_equal(echo.s.tx_packets, ECHO_PKTS);
}

static void
test_dp_pcap_replay_block_rules_drop_by_reason_and_accounting_closes(void **state)
{
	struct replay echo;
	uint64_t blocks;

	(void)state;
	memset(&echo, 0, sizeof(echo));
	replay_all(true, &echo, &blocks);
	assert_true(blocks > 0);
	/* INBOUND_TRANSPORT_V4 local port 7000: exactly the client-to-server packets. */
	assert_int_equal(echo.s.rx_packets, ECHO_PKTS);
	assert_int_equal(echo.s.drops[DFP_DP_DROP_FILTER_BLOCK], ECHO_TO_7000);
	/*
	 * The server's segments: their connections' SYNs were blocked, so no
	 * flow exists and, not being connection requests, they open none.
	 */
	assert_int_equal(echo.s.drops[DFP_DP_DROP_TCP_NO_FLOW], ECHO_FROM_7000);
	assert_int_equal(echo.s.tx_packets, 0);
}

/* ---- Group fixture ---- */

static int
group_setup(void **state)
{
	const char *root = dfp_test_shared_path(PCAP_DIR);

	(void)state;
	if (dfp_test_eal_init(NULL, 0) != 0 || rte_lcore_count() < 2)
		return -1;
	snprintf(tmp_dir, sizeof(tmp_dir), "/tmp/dfp_replay_%d", (int)getpid());
	if (mkdir(tmp_dir, 0700) != 0 && errno != EEXIST)
		return -1;
	snprintf(empty_pcap, sizeof(empty_pcap), "%s/empty.pcap", tmp_dir);
	write_empty_pcap(empty_pcap);
	root_len = strlen(root);
	collect(root);
	if (n_captures < N_CAPTURES_MIN) {
		printf("only %u captures under %s\n", n_captures, root);
		return -1;
	}
	qsort(captures, n_captures, sizeof(*captures), capture_cmp);
	prepare_captures();
	return 0;
}

static int
group_teardown(void **state)
{
	unsigned int i;

	(void)state;
	for (i = 0; i < n_captures; i++)
		if (captures[i].rewritten)
			unlink(captures[i].feed);
	unlink(empty_pcap);
	rmdir(tmp_dir);
	free(captures);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dp_pcap_replay_accounting_closes_without_filters),
		cmocka_unit_test(test_dp_pcap_replay_block_rules_drop_by_reason_and_accounting_closes),
	};

	setvbuf(stdout, NULL, _IOLBF, 0);
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
