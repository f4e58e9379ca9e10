/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The datapath parser on every packet of the real captures under
 * ../shared/data/pcap: many flows, VLAN stacks, fragments and fuzzer-found
 * malformed frames. Each packet is parsed from a heap copy of exactly the
 * bytes handed to the parser, so under ASan any read past them is reported.
 * Raw-IP captures get a synthetic Ethernet header; other link types are
 * skipped with a note.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>

#include <cmocka.h>
#include <pcap/pcap.h>

#include "dfp_dp_parse.h"
#include "test_eal.h"

#define PCAP_DIR "data/pcap"
#define N_CAPTURES_MIN 60
#define SYNTH_ETH_LEN 14

struct capture {
	char path[512];                         /* Absolute. */
	char name[256];                         /* Below data/pcap. */
	int dlt;                                /* Link type, -1 if it did not open. */
	bool skipped;                           /* Link type we cannot feed. */
	unsigned long pkts;                     /* Packets read. */
	unsigned long ok;                       /* Parsed without a drop. */
	unsigned long drops[DFP_DP_DROP_COUNT]; /* By reason; drops[NONE] is unused. */
	unsigned long frags;                    /* Fragments (parsed or dropped). */
	unsigned long later_frags;              /* Fragments at a non-zero offset. */
	unsigned long copies;                   /* Headers-only copies parsed. */
};

static struct capture *captures;
static unsigned int n_captures;
static unsigned int cap_captures;
static size_t root_len;

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
	size_t n;
	DIR *d;

	d = opendir(dir);
	if (d == NULL)
		fail_msg("cannot open %s", dir);
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		n = strlen(de->d_name);
		if (de->d_type == DT_DIR)
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

/* Structural facts of a parse result that must hold whatever the input. */
static void
check_invariants(const struct dfp_dp_pkt_info *pi, uint32_t frame_len, const char *where)
{
	uint32_t ip_end;

	if (pi->drop >= DFP_DP_DROP_COUNT || pi->frame_len != frame_len || pi->n_vlans > 2)
		fail_msg("%s: bad drop/frame_len/n_vlans", where);
	if (pi->drop != DFP_DP_DROP_NONE)
		return;
	if (pi->family == 0) {
		if (pi->l3_off != 0 || pi->l4_off != 0)
			fail_msg("%s: offsets set for a non-IP frame", where);
		return;
	}
	if (pi->family != 4 && pi->family != 6)
		fail_msg("%s: family %u", where, pi->family);
	ip_end = (uint32_t)pi->l3_off + pi->ip_len;
	if (pi->l3_off < 14 || ip_end > frame_len)
		fail_msg("%s: IP datagram [%u, %u) outside the frame", where, pi->l3_off, ip_end);
	if ((pi->frag & DFP_DP_FRAG_IS_FRAGMENT) && !(pi->frag & DFP_DP_FRAG_FIRST)) {
		if (pi->l4_off != 0 || pi->sport != 0 || pi->dport != 0)
			fail_msg("%s: transport fields in a later fragment", where);
		return;
	}
	if (pi->l4_off < pi->l3_off + 20 || pi->l4_off > ip_end)
		fail_msg("%s: l4_off %u outside the datagram", where, pi->l4_off);
	if (pi->l4_payload_off != 0 &&
	        (pi->l4_payload_off < pi->l4_off + 8 ||
	                (uint32_t)pi->l4_payload_off + pi->l4_payload_len != ip_end))
		fail_msg("%s: transport payload [%u, +%u) is not the rest of the datagram", where,
		        pi->l4_payload_off, pi->l4_payload_len);
}

static bool
is_truncation(uint8_t drop)
{
	return drop == DFP_DP_DROP_L2_TRUNCATED || drop == DFP_DP_DROP_L3_TRUNCATED ||
	       drop == DFP_DP_DROP_IPV6_EXT_TRUNCATED || drop == DFP_DP_DROP_L4_TRUNCATED;
}

/* Parse len bytes of frame from an exact-size heap copy. */
static void
parse_copy(const uint8_t *frame, uint32_t len, uint32_t frame_len, struct dfp_dp_pkt_info *pi)
{
	uint8_t *copy = malloc(len);

	assert_true(copy != NULL || len == 0);
	if (len > 0)
		memcpy(copy, frame, len);
	dfp_dp_parse(copy, len, frame_len, pi);
	free(copy);
}

/*
 * A headers-only copy can only add a truncation drop: if it parses, it
 * parses exactly like the whole frame; if it drops for another reason, the
 * whole frame drops for the same one.
 */
static void
check_short_copies(
        struct capture *c, const uint8_t *frame, uint32_t n, const struct dfp_dp_pkt_info *whole)
{
	static const uint32_t lens[] = {14, 34, 54, 64, 128};
	struct dfp_dp_pkt_info pi;
	unsigned int i;
	char where[600];

	for (i = 0; i < RTE_DIM(lens); i++) {
		if (lens[i] >= n)
			break;
		parse_copy(frame, lens[i], n, &pi);
		c->copies++;
		snprintf(where, sizeof(where), "%s packet %lu copy %u", c->name, c->pkts, lens[i]);
		check_invariants(&pi, n, where);
		if (pi.drop == DFP_DP_DROP_NONE && memcmp(&pi, whole, sizeof(pi)) != 0)
			fail_msg("%s: parses unlike the whole frame", where);
		if (pi.drop != DFP_DP_DROP_NONE && !is_truncation(pi.drop) &&
		        pi.drop != whole->drop)
			fail_msg("%s: %s, whole frame %s", where,
			        dfp_dp_drop_name((enum dfp_dp_drop)pi.drop),
			        dfp_dp_drop_name((enum dfp_dp_drop)whole->drop));
	}
}

/*
 * Read every packet of a capture: count the whole-frame parse results, or,
 * with short_copies, check the headers-only copies against them.
 */
static void
run_capture(struct capture *c, bool short_copies)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct dfp_dp_pkt_info pi;
	struct pcap_pkthdr *h;
	const u_char *data;
	uint8_t *buf = NULL;
	const uint8_t *frame;
	char where[600];
	uint32_t n;
	pcap_t *p;
	int rc;

	p = pcap_open_offline(c->path, errbuf);
	if (p == NULL)
		fail_msg("%s: %s", c->name, errbuf);
	c->dlt = pcap_datalink(p);
	if (c->dlt != DLT_EN10MB && c->dlt != DLT_RAW && c->dlt != DLT_IPV4 && c->dlt != DLT_IPV6) {
		printf("note: %s: link type %d skipped\n", c->name, c->dlt);
		c->skipped = true;
		pcap_close(p);
		return;
	}
	c->pkts = 0;
	while ((rc = pcap_next_ex(p, &h, &data)) == 1) {
		c->pkts++;
		frame = data;
		n = h->caplen;
		if (c->dlt != DLT_EN10MB) {
			/* Raw IP: a synthetic Ethernet header, ethertype from the version. */
			buf = realloc(buf, SYNTH_ETH_LEN + n);
			assert_non_null(buf);
			memset(buf, 0, SYNTH_ETH_LEN);
			buf[12] =
			        (n > 0 && (data[0] >> 4) == 6) || c->dlt == DLT_IPV6 ? 0x86 : 0x08;
			buf[13] = buf[12] == 0x86 ? 0xdd : 0x00;
			memcpy(buf + SYNTH_ETH_LEN, data, n);
			frame = buf;
			n += SYNTH_ETH_LEN;
		}
		parse_copy(frame, n, n, &pi);
		snprintf(where, sizeof(where), "%s packet %lu", c->name, c->pkts);
		check_invariants(&pi, n, where);
		if (short_copies)
			check_short_copies(c, frame, n, &pi);
		else if (pi.drop == DFP_DP_DROP_NONE)
			c->ok++;
		else
			c->drops[pi.drop]++;
		if (!short_copies && (pi.frag & DFP_DP_FRAG_IS_FRAGMENT)) {
			c->frags++;
			c->later_frags += !(pi.frag & DFP_DP_FRAG_FIRST);
		}
	}
	if (rc != PCAP_ERROR_BREAK)
		fail_msg("%s: %s", c->name, pcap_geterr(p));
	free(buf);
	pcap_close(p);
}

static int
setup(void **state)
{
	const char *root = dfp_test_shared_path(PCAP_DIR);
	unsigned int i;

	(void)state;
	root_len = strlen(root);
	collect(root);
	qsort(captures, n_captures, sizeof(*captures), capture_cmp);
	for (i = 0; i < n_captures; i++)
		run_capture(&captures[i], false);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	free(captures);
	return 0;
}

static const struct capture *
find(const char *name)
{
	unsigned int i;

	for (i = 0; i < n_captures; i++)
		if (strcmp(captures[i].name, name) == 0)
			return &captures[i];
	fail_msg("capture %s not found", name);
	return NULL;
}

static void
test_pcap_every_capture_parses_and_counts_add_up(void **state)
{
	unsigned long sum, total = 0, total_ok = 0;
	const struct capture *c;
	unsigned int i, d;

	(void)state;
	assert_true(n_captures >= N_CAPTURES_MIN);
	printf("%-46s %4s %7s %7s  %s\n", "capture", "dlt", "packets", "ok", "drops");
	for (i = 0; i < n_captures; i++) {
		c = &captures[i];
		sum = c->ok;
		printf("%-46s %4d %7lu %7lu ", c->name, c->dlt, c->pkts, c->ok);
		for (d = 1; d < DFP_DP_DROP_COUNT; d++) {
			sum += c->drops[d];
			if (c->drops[d] != 0)
				printf(" %s=%lu", dfp_dp_drop_name((enum dfp_dp_drop)d),
				        c->drops[d]);
		}
		printf("%s\n", c->skipped ? " (skipped)" : "");
		assert_int_equal(sum, c->pkts);
		assert_int_equal(c->drops[DFP_DP_DROP_NONE], 0);
		total += c->pkts;
		total_ok += c->ok;
	}
	printf("%u captures, %lu packets, %lu parsed\n", n_captures, total, total_ok);
	assert_true(total > 80000);
}

static void
test_pcap_clean_traffic_parses_without_drops(void **state)
{
	static const char *const clean[] = {
	        "zeek/echo-connections.pcap",
	        "zeek/wikipedia.pcap",
	        "zeek/http-vlan-0.pcap",
	        "zeek/http-qinq-0.pcap",
	        "zeek/q-in-q.pcap",
	        "zeek/icmp_dot1q.pcap",
	        "zeek/ipv6-http-atomic-frag.pcap",
	        "zeek/ipv6-fragmented-dns.pcap",
	        "zeek/ipv6-hbh-routing0.pcap",
	        "zeek/vlan-collisions.pcap",
	        "tcpdump/ipv6-routing-header.pcap",
	        "tcpdump/ipv6_no_next_header.pcap",
	        "tcpdump/802.1ad_QinQ.pcap",
	        "zeek/communityid/sctp.pcap",
	        "zeek/tunnels/gre-sample.pcap",
	        "tcpdump/LINKTYPE_RAW_ipv4.pcap",
	};
	const struct capture *c;
	unsigned int i;

	(void)state;
	for (i = 0; i < RTE_DIM(clean); i++) {
		c = find(clean[i]);
		if (c->ok != c->pkts || c->pkts == 0)
			fail_msg("%s: %lu of %lu parsed", c->name, c->ok, c->pkts);
	}
	assert_int_equal(find("zeek/echo-connections.pcap")->pkts, 82582);
	assert_int_equal(find("zeek/empty.pcap")->pkts, 0);
}

static void
test_pcap_malformed_captures_drop_for_their_reason(void **state)
{
	static const struct {
		const char *name;
		enum dfp_dp_drop drop;
		unsigned long count;
	} want[] = {
	        {"zeek/vlan-qinqinq.pcap", DFP_DP_DROP_VLAN_TOO_DEEP, 14},
	        {"zeek/trunc/trunc-hdr.pcap", DFP_DP_DROP_L2_TRUNCATED, 1},
	        /* 20 and 48 bytes captured: 6 and 34 bytes of IP header. */
	        {"zeek/trunc/ip4-trunc.pcap", DFP_DP_DROP_L3_TRUNCATED, 1},
	        {"zeek/trunc/ip6-trunc.pcap", DFP_DP_DROP_L3_TRUNCATED, 1},
	        {"zeek/trunc/ip6-ext-trunc.pcap", DFP_DP_DROP_IPV6_BAD_LENGTH, 1},
	        /* IHL 15 in a 34-byte frame. */
	        {"zeek/trunc/ipv4-truncated-broken-header.pcap", DFP_DP_DROP_IPV4_BAD_IHL, 1},
	        /* Snaplen cut into TCP: total length past the delivered frame. */
	        {"zeek/tcp/truncated-header.pcap", DFP_DP_DROP_IPV4_BAD_LENGTH, 12},
	        /* Total length 0 (TSO, BIG TCP): not a datagram on a wire. */
	        {"tcpdump/ipv4_tcp_http_xml_tso.pcap", DFP_DP_DROP_IPV4_BAD_LENGTH, 1},
	        {"tcpdump/bigtcp-ipv4.pcap", DFP_DP_DROP_IPV4_BAD_LENGTH, 1},
	        /* Payload length 0 without a jumbo option: TCP past the datagram. */
	        {"tcpdump/bigtcp-ipv6.pcap", DFP_DP_DROP_L4_TRUNCATED, 1},
	        /* The second frame's 40-byte destination options overrun payload length 36. */
	        {"zeek/ipv6-mobility-dst-opts.pcap", DFP_DP_DROP_IPV6_EXT_TRUNCATED, 1},
	        {"tcpdump/ipv6_frag6_negative_len.pcap", DFP_DP_DROP_IPV6_EXT_TRUNCATED, 1},
	        {"tcpdump/ipv4_invalid_hdr_length.pcap", DFP_DP_DROP_IPV4_BAD_IHL, 1},
	        {"tcpdump/ipv4_invalid_total_length.pcap", DFP_DP_DROP_IPV4_BAD_LENGTH, 1},
	        {"tcpdump/bad-ipv4-version-pgm-heapoverflow.pcap", DFP_DP_DROP_IPV4_BAD_VERSION, 1},
	        {"tcpdump/ipv6-bad-version.pcap", DFP_DP_DROP_IPV6_BAD_VERSION, 2},
	        {"tcpdump/ipv6_39_byte_header.pcap", DFP_DP_DROP_L3_TRUNCATED, 1},
	        {"zeek/ipv4/fragmented-syn.pcap", DFP_DP_DROP_FRAG_TINY, 1},
	};
	const struct capture *c;
	unsigned int i;

	(void)state;
	for (i = 0; i < RTE_DIM(want); i++) {
		c = find(want[i].name);
		if (c->drops[want[i].drop] != want[i].count)
			fail_msg("%s: %lu %s, want %lu", c->name, c->drops[want[i].drop],
			        dfp_dp_drop_name(want[i].drop), want[i].count);
	}
}

static void
test_pcap_fragments_are_flagged(void **state)
{
	static const struct {
		const char *name;
		unsigned long frags;
		unsigned long later_frags;
	} want[] = {
	        {"zeek/ipv4/fragmented-1.pcap", 3, 1},
	        {"zeek/ipv4/fragmented-2.pcap", 3, 1},
	        {"zeek/ipv4/fragmented-3.pcap", 5, 4},
	        {"zeek/ipv4/fragmented-4.pcap", 4, 3},
	        {"zeek/ipv4/fragmented-syn.pcap", 2, 1},
	        /* A whole 3-fragment datagram and an orphan last fragment. */
	        {"zeek/ipv6-fragmented-dns.pcap", 4, 3},
	        /* Atomic fragments are whole packets (RFC 6946). */
	        {"zeek/ipv6-http-atomic-frag.pcap", 0, 0},
	        {"zeek/echo-connections.pcap", 0, 0},
	};
	const struct capture *c;
	unsigned int i;

	(void)state;
	for (i = 0; i < RTE_DIM(want); i++) {
		c = find(want[i].name);
		if (c->frags != want[i].frags || c->later_frags != want[i].later_frags)
			fail_msg("%s: %lu fragments, %lu later; want %lu, %lu", c->name, c->frags,
			        c->later_frags, want[i].frags, want[i].later_frags);
	}
}

static void
test_pcap_headers_only_copies_stay_in_bounds(void **state)
{
	unsigned long copies = 0;
	unsigned int i;

	(void)state;
	for (i = 0; i < n_captures; i++) {
		run_capture(&captures[i], true);
		copies += captures[i].copies;
	}
	printf("%lu headers-only copies (len 14, 34, 54, 64, 128) checked\n", copies);
	assert_true(copies > 300000);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_pcap_every_capture_parses_and_counts_add_up),
	        cmocka_unit_test(test_pcap_clean_traffic_parses_without_drops),
	        cmocka_unit_test(test_pcap_malformed_captures_drop_for_their_reason),
	        cmocka_unit_test(test_pcap_fragments_are_flagged),
	        cmocka_unit_test(test_pcap_headers_only_copies_stay_in_bounds),
	};

	return cmocka_run_group_tests_name("dp_parse_pcap", tests, setup, teardown);
}
