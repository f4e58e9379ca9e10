/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dfp: the appliance entry point.
 *
 * This first version runs the filter engine on its built-in demo rule base:
 * EAL start-up, the control plane, a committed rule base with sublayers of
 * different weights, then a table of demo packets classified at
 * INBOUND_TRANSPORT_V4 with the arbitration outcome of each. Ports, YAML and
 * the console arrive with the datapath and appliance work (DESIGN §2–§4).
 */
#include <arpa/inet.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>

#include "dfp_ctl.h"
#include "dfp_engine.h"
#include "dfp_guid.h"
#include "dfp_status.h"

#define FIREWALL_KEY "4f1b6a0e-0d6e-4b4e-9a43-2f3c9d1e7a10"
#define ADMIN_KEY "0c4e2f5a-8b1d-4c6e-9f3a-7d2b1e0c9a58"

struct demo_packet {
	const char *what;
	const char *remote;
	const char *local;
	uint16_t remote_port;
	uint16_t local_port;
	uint8_t proto;
};

static const struct demo_packet demo_packets[] = {
	{"telnet from the internet", "198.51.100.7", "192.0.2.10", 40000, 23, 6},
	{"telnet from the admin net", "10.1.2.3", "192.0.2.10", 40001, 23, 6},
	{"https from the internet", "198.51.100.7", "192.0.2.10", 40002, 443, 6},
	{"dns over udp", "198.51.100.8", "192.0.2.53", 5353, 53, 17},
	{"smb from anywhere", "10.1.2.3", "192.0.2.10", 40003, 445, 6},
};

static void
usage(const char *prog)
{
	printf("usage: %s [EAL options] -- [options]\n"
		"  -h, --help   this text\n"
		"Runs the filter engine on the built-in demo rule base and prints the\n"
		"verdict for each demo packet.\n", prog);
}

static uint32_t
ipv4(const char *s)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		return 0;
	return ntohl(a.s_addr);
}

static struct dfp_engine_cond
cond_u(enum dfp_field field, enum dfp_match match, uint64_t v)
{
	struct dfp_engine_cond c;

	memset(&c, 0, sizeof(c));
	c.field = (uint16_t)field;
	c.match = (uint16_t)match;
	c.value.lo = v;
	return c;
}

static struct dfp_engine_cond
cond_prefix(enum dfp_field field, const char *addr, uint8_t len)
{
	struct dfp_engine_cond c = cond_u(field, DFP_MATCH_EQUAL, ipv4(addr));

	c.has_prefix = 1;
	c.prefix_len = len;
	return c;
}

static dfp_status_t
add_filter(struct dfp_ctl_session *s, const char *name, const char *sublayer, uint64_t weight,
		uint32_t action, uint32_t flags, const struct dfp_engine_cond *conds, uint32_t n)
{
	struct dfp_engine_filter_spec spec;

	memset(&spec, 0, sizeof(spec));
	spec.name = name;
	spec.layer_id = DFP_LAYER_INBOUND_TRANSPORT_V4;
	dfp_guid_parse(sublayer, &spec.sublayer_key);
	spec.weight_type = DFP_ENGINE_WEIGHT_EXPLICIT;
	spec.weight = weight;
	spec.action = action;
	spec.flags = flags;
	spec.conds = conds;
	spec.n_conds = n;
	return dfp_ctl_filter_add(s, &spec, NULL);
}

/* The demo rule base, added in one transaction. */
static dfp_status_t
load_demo(struct dfp_ctl_session *s)
{
	struct dfp_engine_sublayer_spec admin = {.name = "admin", .weight = 200};
	struct dfp_engine_sublayer_spec fw = {.name = "firewall", .weight = 100};
	struct dfp_engine_cond c[2];
	dfp_status_t st;

	dfp_guid_parse(ADMIN_KEY, &admin.key);
	dfp_guid_parse(FIREWALL_KEY, &fw.key);
	st = dfp_ctl_txn_begin(s, 0);
	if (st != DFP_STATUS_SUCCESS)
		return st;
	st = dfp_ctl_sublayer_add(s, &admin, NULL);
	if (st == DFP_STATUS_SUCCESS)
		st = dfp_ctl_sublayer_add(s, &fw, NULL);
	if (st != DFP_STATUS_SUCCESS)
		goto out_abort;

	/* Admin sublayer: a hard permit for the admin network. */
	c[0] = cond_prefix(DFP_FIELD_IP_REMOTE_ADDRESS, "10.0.0.0", 8);
	st = add_filter(s, "admin-hard-permit", ADMIN_KEY, 10, DFP_ACTION_PERMIT,
			DFP_FILTER_FLAG_CLEAR_ACTION_RIGHT, c, 1);
	if (st != DFP_STATUS_SUCCESS)
		goto out_abort;
	/* Firewall sublayer: block telnet and SMB, soft-permit web and DNS. */
	c[0] = cond_u(DFP_FIELD_IP_LOCAL_PORT, DFP_MATCH_EQUAL, 23);
	st = add_filter(s, "block-telnet", FIREWALL_KEY, 10, DFP_ACTION_BLOCK, 0, c, 1);
	if (st != DFP_STATUS_SUCCESS)
		goto out_abort;
	c[0] = cond_u(DFP_FIELD_IP_LOCAL_PORT, DFP_MATCH_EQUAL, 445);
	st = add_filter(s, "block-smb", FIREWALL_KEY, 10, DFP_ACTION_BLOCK, 0, c, 1);
	if (st != DFP_STATUS_SUCCESS)
		goto out_abort;
	c[0] = cond_u(DFP_FIELD_IP_PROTOCOL, DFP_MATCH_EQUAL, 6);
	c[1] = cond_u(DFP_FIELD_IP_LOCAL_PORT, DFP_MATCH_EQUAL, 443);
	st = add_filter(s, "permit-https", FIREWALL_KEY, 5, DFP_ACTION_PERMIT, 0, c, 2);
	if (st != DFP_STATUS_SUCCESS)
		goto out_abort;
	c[0] = cond_u(DFP_FIELD_IP_PROTOCOL, DFP_MATCH_EQUAL, 17);
	c[1] = cond_u(DFP_FIELD_IP_LOCAL_PORT, DFP_MATCH_EQUAL, 53);
	st = add_filter(s, "permit-dns", FIREWALL_KEY, 5, DFP_ACTION_PERMIT, 0, c, 2);
	if (st != DFP_STATUS_SUCCESS)
		goto out_abort;
	return dfp_ctl_txn_commit(s);

out_abort:
	dfp_ctl_txn_abort(s);
	return st;
}

static int
print_sublayer(void *arg, const struct dfp_engine_sublayer_info *sl)
{
	char key[DFP_GUID_STR_LEN + 1];

	(void)arg;
	printf("%s weight %u name %s%s\n", dfp_guid_format(&sl->key, key, sizeof(key)),
		sl->weight, sl->name, sl->builtin ? " builtin" : "");
	return 0;
}

static int
print_filter(void *arg, const struct dfp_engine_filter_info *f)
{
	char key[DFP_GUID_STR_LEN + 1];

	(void)arg;
	printf("%" PRIu64 " key %s name %s layer %s sublayer %s weight %" PRIu64 " action %s\n",
		f->rt.filter_id, dfp_guid_format(&f->key, key, sizeof(key)), f->name,
		dfp_engine_layer_name(f->rt.layer_id), f->sublayer_name, f->rt.weight,
		dfp_engine_action_name(f->rt.action_type));
	return 0;
}

static void
classify_demo(struct dfp_ctl *ctl)
{
	const unsigned int n = sizeof(demo_packets) / sizeof(demo_packets[0]);
	const struct dfp_engine_values *vp[sizeof(demo_packets) / sizeof(demo_packets[0])];
	struct dfp_engine_values v[sizeof(demo_packets) / sizeof(demo_packets[0])];
	struct dfp_engine_verdict out[sizeof(demo_packets) / sizeof(demo_packets[0])];
	const struct dfp_engine_ruleset *rs;
	unsigned int i;

	memset(v, 0, sizeof(v));
	for (i = 0; i < n; i++) {
		v[i].remote_addr.v4 = ipv4(demo_packets[i].remote);
		v[i].local_addr.v4 = ipv4(demo_packets[i].local);
		v[i].remote_port = demo_packets[i].remote_port;
		v[i].local_port = demo_packets[i].local_port;
		v[i].ip_protocol = demo_packets[i].proto;
		v[i].direction = DFP_DIRECTION_INBOUND;
		vp[i] = &v[i];
	}
	rs = dfp_ctl_ruleset_get(dfp_ctl_ruleset_slot(ctl));
	dfp_engine_classify_burst(rs, DFP_LAYER_INBOUND_TRANSPORT_V4, vp, NULL, n, NULL, out);
	for (i = 0; i < n; i++) {
		const char *verdict = out[i].action == DFP_ACTION_BLOCK ? "BLOCK" : "PERMIT";

		printf("%-26s %s:%u > %s:%u proto %u -> %s%s (filter %" PRIu64 ")\n",
			demo_packets[i].what, demo_packets[i].remote, demo_packets[i].remote_port,
			demo_packets[i].local, demo_packets[i].local_port, demo_packets[i].proto,
			verdict, (out[i].flags & DFP_ENGINE_VERDICT_F_HARD) ? " hard" : " soft",
			out[i].filter_id);
	}
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct dfp_ctl_session *s = NULL;
	struct dfp_ctl *ctl = NULL;
	char sbuf[64];
	dfp_status_t st;
	int ret, opt;

	ret = rte_eal_init(argc, argv);
	if (ret < 0) {
		fprintf(stderr, "dfp: EAL initialisation failed\n");
		return 1;
	}
	argc -= ret;
	argv += ret;
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'h':
			usage("dfp");
			rte_eal_cleanup();
			return 0;
		default:
			usage("dfp");
			rte_eal_cleanup();
			return 2;
		}
	}

	st = dfp_ctl_create(NULL, &ctl);
	if (st == DFP_STATUS_SUCCESS)
		st = dfp_ctl_session_open(ctl, 0, &s);
	if (st == DFP_STATUS_SUCCESS)
		st = load_demo(s);
	printf("load demo rule base: status: %s\n", dfp_status_format(st, sbuf, sizeof(sbuf)));
	if (st != DFP_STATUS_SUCCESS) {
		dfp_ctl_destroy(ctl);
		rte_eal_cleanup();
		return 1;
	}
	printf("\nsublayers:\n");
	dfp_ctl_sublayer_foreach(s, print_sublayer, NULL);
	printf("\nfilters (generation %" PRIu64 "):\n", dfp_ctl_generation(ctl));
	dfp_ctl_filter_foreach(s, 0xFFFF, print_filter, NULL);
	printf("\nclassification at INBOUND_TRANSPORT_V4:\n");
	classify_demo(ctl);
	dfp_ctl_session_close(s);
	dfp_ctl_destroy(ctl);
	rte_eal_cleanup();
	return 0;
}
