/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/conf: the YAML loader on good files (exact values, positions,
 * references, defaults), on the bad-file corpus (tests/conf/bad, each file's
 * first line says where its error is), on the reference configuration, and
 * the value grammar shared with the console (numbers, weights, flags,
 * conditions), hostile inputs included. No EAL, no hugepages.
 */
#include <dirent.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dfp_conf.h"

/* ---- Helpers ---- */

static struct dfp_conf *
load_ok(const char *text, uint32_t flags)
{
	struct dfp_conf_errors errs;
	struct dfp_conf *c = NULL;
	dfp_status_t st;

	st = dfp_conf_load_buffer("test.yaml", text, strlen(text), flags, &c, &errs);
	if (st != DFP_STATUS_SUCCESS)
		dfp_conf_errors_print(&errs, stderr);
	assert_int_equal(st, DFP_STATUS_SUCCESS);
	assert_int_equal(errs.n, 0);
	assert_non_null(c);
	return c;
}

/* Load text that must fail; returns the number of errors. */
static unsigned int
load_bad(const char *text, uint32_t flags, struct dfp_conf_errors *errs)
{
	struct dfp_conf *c = (struct dfp_conf *)0x1;
	dfp_status_t st;

	st = dfp_conf_load_buffer("bad.yaml", text, strlen(text), flags, &c, errs);
	assert_int_equal(st, DFP_STATUS_INVALID_PARAMETER);
	assert_null(c);
	assert_true(errs->n > 0);
	return errs->n;
}

/* True if an error sits exactly at line:col and its message contains text. */
static bool
has_error(const struct dfp_conf_errors *errs, uint32_t line, uint32_t col, const char *text)
{
	unsigned int i, n = errs->n < DFP_CONF_MAX_ERRORS ? errs->n : DFP_CONF_MAX_ERRORS;

	for (i = 0; i < n; i++)
		if (errs->e[i].pos.line == line && errs->e[i].pos.col == col &&
				strstr(errs->e[i].message, text) != NULL)
			return true;
	return false;
}

static struct dfp_guid
guid(const char *s)
{
	struct dfp_guid g;

	assert_int_equal(dfp_guid_parse(s, &g), 0);
	return g;
}

static void
assert_guid(const struct dfp_guid *g, const char *s)
{
	struct dfp_guid e = guid(s);

	assert_true(dfp_guid_equal(g, &e));
}

static void
assert_u128(struct dfp_u128 v, uint64_t hi, uint64_t lo)
{
	assert_int_equal(v.hi, hi);
	assert_int_equal(v.lo, lo);
}

/* Condition i of a filter: field, match, value, prefix. */
static const struct dfp_engine_cond *
cond_at(const struct dfp_conf_filter *f, unsigned int i, enum dfp_field field,
		enum dfp_match match)
{
	const struct dfp_engine_cond *c;

	assert_true(i < f->spec.n_conds);
	c = &f->conds[i];
	assert_int_equal(c->field, field);
	assert_int_equal(c->match, match);
	return c;
}

static const struct dfp_conf_filter *
filter_named(const struct dfp_conf *c, const char *name)
{
	unsigned int i;

	for (i = 0; i < c->n_filters; i++)
		if (strcmp(c->filters[i].name, name) == 0)
			return &c->filters[i];
	fail_msg("no filter '%s'", name);
	return NULL;
}

#define SL_FW_KEY "4f1b6a0e-0d6e-4b4e-9a43-2f3c9d1e7a10"
#define CO_COUNT_KEY "9b7c0f7e-1c1d-4e51-8a0a-3f6f2d8c1b22"
#define CO_VERDICT_KEY "a4b286ae-9316-4a1d-b557-456dfe7cff1b"
#define CO_LIMIT_KEY "fcfc37f5-ee86-4dc4-a5e3-94b815230ab0"
#define F_KEY "f0da2f4a-2776-4794-b001-faebec7e55bc"

/* Every section and every condition form. Line numbers matter to the test. */
static const char full_config[] =
	"version: 1\n"                                                          /* 1 */
	"eal: [\"--no-huge\", \"-m\", 512, \"--vdev=net_pcap0,iface=lo\"]\n"  /* 2 */
	"ports:\n"                                                              /* 3 */
	"  - {name: wan, port: 0, role: outside, peer: lan}\n"                  /* 4 */
	"  - name: lan\n"                                                       /* 5 */
	"    port: 0x1\n"                                                       /* 6 */
	"    role: inside\n"                                                    /* 7 */
	"    peer: wan\n"                                                       /* 8 */
	"    rx_queues: 4\n"                                                    /* 9 */
	"workers: {lcores: [2, 1, 3], burst: 64}\n"                             /* 10 */
	"flows:\n"                                                              /* 11 */
	"  capacity: 1048576\n"                                                 /* 12 */
	"  idle_timeout_s: 30\n"                                                /* 13 */
	"  hold_packets: 8\n"                                                   /* 14 */
	"  pend_timeout_ms: 250\n"                                              /* 15 */
	"  full_policy: fail_open\n"                                            /* 16 */
	"sublayers:\n"                                                          /* 17 */
	"  - {name: firewall, key: " SL_FW_KEY ", weight: 0x4000}\n"           /* 18 */
	"  - {name: nokey, weight: 7}\n"                                        /* 19 */
	"callouts:\n"                                                           /* 20 */
	"  - name: counter\n"                                                   /* 21 */
	"    key: " CO_COUNT_KEY "\n"                                           /* 22 */
	"    layer: FWPM_LAYER_ALE_FLOW_ESTABLISHED_V4\n"                       /* 23 */
	"    module: builtin:count\n"                                           /* 24 */
	"    params: {}\n"                                                      /* 25 */
	"  - name: gate\n"                                                      /* 26 */
	"    key: '{" CO_VERDICT_KEY "}'\n"                                     /* 27 */
	"    layer: ale_auth_connect_v4\n"                                      /* 28 */
	"    module: /usr/lib/dfp/verdict.so\n"                                 /* 29 */
	"    register: no\n"                                                    /* 30 */
	"  - name: limiter\n"                                                   /* 31 */
	"    key: " CO_LIMIT_KEY "\n"                                           /* 32 */
	"    layer: ALE_AUTH_RECV_ACCEPT_V4\n"                                  /* 33 */
	"    module: builtin:conn_limit\n"                                      /* 34 */
	"    register: True\n"                                                  /* 35 */
	"    params: {max: 4, mode: \"per remote\", empty: }\n"                 /* 36 */
	"filters:\n"                                                            /* 37 */
	"  - name: numbers\n"                                                   /* 38 */
	"    key: " F_KEY "\n"                                                  /* 39 */
	"    layer: INBOUND_TRANSPORT_V4\n"                                     /* 40 */
	"    sublayer: firewall\n"                                              /* 41 */
	"    weight: 10\n"                                                      /* 42 */
	"    flags: [clear_action_right, permit_if_callout_unregistered]\n"     /* 43 */
	"    raw_context: 0xdeadbeef\n"                                         /* 44 */
	"    action: block\n"                                                   /* 45 */
	"    conditions:\n"                                                     /* 46 */
	"      - {field: IP_LOCAL_PORT, match: equal, value: 23}\n"
	"      - {field: FWPM_CONDITION_IP_REMOTE_PORT, match: not_equal, value: 0x50}\n"
	"      - {field: IP_LOCAL_PORT, match: greater, value: 1023}\n"
	"      - {field: IP_LOCAL_PORT, match: less, value: 10}\n"
	"      - {field: IP_REMOTE_PORT, match: greater_or_equal, value: 5}\n"
	"      - {field: IP_REMOTE_PORT, match: less_or_equal, value: 65535}\n"
	"      - {field: IP_LOCAL_PORT, match: range, value: [80, 443]}\n"
	"      - {field: IP_REMOTE_PORT, match: RANGE, value: \"8000-8080\"}\n"
	"      - {field: IP_PROTOCOL, match: equal, value: tcp}\n"
	"      - {field: IP_PROTOCOL, match: equal, value: 17}\n"
	"      - {field: DFP_TCP_FLAGS, match: flags_all_set, value: \"syn|ack\"}\n"
	"      - {field: DFP_TCP_FLAGS, match: flags_any_set, value: \"fin,rst\"}\n"
	"      - {field: DFP_TCP_FLAGS, match: flags_none_set, value: 0x80}\n"
	"      - {field: FLAGS, match: flags_all_set, value: is_fragment|is_reassembled}\n"
	"      - {field: INTERFACE_INDEX, match: equal, value: 4294967295}\n"
	"  - name: v4-addresses\n"
	"    layer: ALE_AUTH_RECV_ACCEPT_V4\n"
	"    sublayer: nokey\n"
	"    weight: {range: 8}\n"
	"    flags: \"persistent, clear_action_right\"\n"
	"    action: callout_terminating\n"
	"    callout: limiter\n"
	"    conditions:\n"
	"      - {field: IP_REMOTE_ADDRESS, match: equal, value: 10.1.2.3/8}\n"
	"      - {field: IP_REMOTE_ADDRESS, match: not_equal, value: 192.168.1.1}\n"
	"      - {field: IP_LOCAL_ADDRESS, match: range, value: 192.168.1.10-192.168.1.20}\n"
	"      - {field: IP_LOCAL_ADDRESS, match: range, value: [0.0.0.0, 255.255.255.255]}\n"
	"      - {field: IP_REMOTE_ADDRESS, match: equal, value: 0.0.0.0/0}\n"
	"      - {field: IP_REMOTE_ADDRESS, match: equal, value: 1.2.3.4/32}\n"
	"  - name: v6-addresses\n"
	"    layer: INBOUND_TRANSPORT_V6\n"
	"    sublayer: inspection\n"
	"    weight: auto\n"
	"    action: permit\n"
	"    conditions:\n"
	"      - {field: IP_REMOTE_ADDRESS, match: equal, value: \"2001:db8::/32\"}\n"
	"      - {field: IP_REMOTE_ADDRESS, match: equal, value: \"2001:db8:1:2:3:4:5:6/100\"}\n"
	"      - {field: IP_LOCAL_ADDRESS, match: range, value: \"fd00::1-fd00::ff\"}\n"
	"      - {field: IP_LOCAL_ADDRESS, match: range, value: [\"::\", \"ffff::\"]}\n"
	"      - {field: IP_LOCAL_ADDRESS, match: not_equal, value: \"::1\"}\n"
	"      - {field: IP_PROTOCOL, match: equal, value: ipv6-icmp}\n"
	"      - {field: IP_LOCAL_PORT, match: equal, value: 128}\n"
	"  - name: mac\n"
	"    layer: OUTBOUND_MAC_FRAME_ETHERNET\n"
	"    sublayer: " SL_FW_KEY "\n"
	"    weight: \"range:3\"\n"
	"    action: permit\n"
	"    conditions:\n"
	"      - {field: MAC_LOCAL_ADDRESS, match: equal, value: \"02:00:5E:10:00:01\"}\n"
	"      - {field: MAC_REMOTE_ADDRESS, match: range, value: \"00:00:00:00:00:00-ff:ff:ff:ff:ff:ff\"}\n"
	"      - {field: ETHER_TYPE, match: equal, value: arp}\n"
	"      - {field: ETHER_TYPE, match: equal, value: 0x88cc}\n"
	"      - {field: VLAN_ID, match: range, value: 100-199}\n"
	"  - name: flow-count\n"
	"    layer: ALE_FLOW_ESTABLISHED_V4\n"
	"    action: callout_inspection\n"
	"    callout: " CO_COUNT_KEY "\n"
	"    flags: []\n"
	"    conditions:\n"
	"      - {field: DIRECTION, match: equal, value: inbound}\n"
	"      - {field: DIRECTION, match: equal, value: OUTBOUND}\n"
	"  - name: verdict\n"
	"    layer: ALE_AUTH_CONNECT_V4\n"
	"    sublayer: EEBECC03-CED4-4380-819A-2734397B2B74\n"
	"    action: callout_unknown\n"
	"    callout: gate\n"
	"    conditions: []\n"
	"  - name: match-all\n"
	"    layer: STREAM_V6\n"
	"    action: block\n";

static void
test_full_config_exact_values(void **state)
{
	const struct dfp_engine_cond *k;
	const struct dfp_conf_filter *f;
	struct dfp_conf *c;

	(void)state;
	c = load_ok(full_config, 0);
	assert_string_equal(c->path, "test.yaml");
	assert_int_equal(c->version, 1);

	assert_true(c->has_eal);
	assert_int_equal(c->n_eal, 4);
	assert_string_equal(c->eal[0], "--no-huge");
	assert_string_equal(c->eal[1], "-m");
	assert_string_equal(c->eal[2], "512");
	assert_string_equal(c->eal[3], "--vdev=net_pcap0,iface=lo");

	assert_true(c->has_ports);
	assert_int_equal(c->n_ports, 2);
	assert_string_equal(c->ports[0].name, "wan");
	assert_int_equal(c->ports[0].port_id, 0);
	assert_int_equal(c->ports[0].role, DFP_CONF_ROLE_OUTSIDE);
	assert_string_equal(c->ports[0].peer, "lan");
	assert_int_equal(c->ports[0].peer_index, 1);
	assert_int_equal(c->ports[0].rx_queues, 1);
	assert_int_equal(c->ports[0].pos.line, 4);
	assert_int_equal(c->ports[0].pos.col, 5);
	assert_string_equal(c->ports[1].name, "lan");
	assert_int_equal(c->ports[1].port_id, 1);
	assert_int_equal(c->ports[1].role, DFP_CONF_ROLE_INSIDE);
	assert_int_equal(c->ports[1].peer_index, 0);
	assert_int_equal(c->ports[1].rx_queues, 4);
	assert_int_equal(c->ports[1].pos.line, 5);
	assert_int_equal(c->ports[1].pos.col, 5);

	assert_true(c->has_workers);
	assert_int_equal(c->workers.n_lcores, 3);
	assert_int_equal(c->workers.lcores[0], 2);
	assert_int_equal(c->workers.lcores[1], 1);
	assert_int_equal(c->workers.lcores[2], 3);
	assert_int_equal(c->workers.burst, 64);
	assert_int_equal(c->workers.pos.line, 10);
	assert_int_equal(c->workers.pos.col, 10);

	assert_true(c->has_flows);
	assert_int_equal(c->flows.capacity, 1048576);
	assert_int_equal(c->flows.idle_timeout_s, 30);
	assert_int_equal(c->flows.hold_packets, 8);
	assert_int_equal(c->flows.pend_timeout_ms, 250);
	assert_int_equal(c->flows.full_policy, DFP_CONF_FULL_FAIL_OPEN);
	assert_int_equal(c->flows.pos.line, 12);
	assert_int_equal(c->flows.pos.col, 3);

	assert_int_equal(c->n_sublayers, 2);
	assert_string_equal(c->sublayers[0].name, "firewall");
	assert_guid(&c->sublayers[0].key, SL_FW_KEY);
	assert_int_equal(c->sublayers[0].weight, 0x4000);
	assert_int_equal(c->sublayers[0].pos.line, 18);
	assert_string_equal(c->sublayers[1].name, "nokey");
	assert_true(dfp_guid_is_zero(&c->sublayers[1].key));
	assert_int_equal(c->sublayers[1].weight, 7);

	assert_int_equal(c->n_callouts, 3);
	assert_string_equal(c->callouts[0].name, "counter");
	assert_guid(&c->callouts[0].key, CO_COUNT_KEY);
	assert_int_equal(c->callouts[0].layer_id, DFP_LAYER_ALE_FLOW_ESTABLISHED_V4);
	assert_string_equal(c->callouts[0].module, "builtin:count");
	assert_true(c->callouts[0].do_register);
	assert_int_equal(c->callouts[0].n_params, 0);
	assert_int_equal(c->callouts[0].pos.line, 21);
	assert_int_equal(c->callouts[0].pos.col, 5);
	assert_int_equal(c->callouts[0].module_pos.line, 24);
	assert_int_equal(c->callouts[0].module_pos.col, 13);
	assert_guid(&c->callouts[1].key, CO_VERDICT_KEY);
	assert_int_equal(c->callouts[1].layer_id, DFP_LAYER_ALE_AUTH_CONNECT_V4);
	assert_string_equal(c->callouts[1].module, "/usr/lib/dfp/verdict.so");
	assert_false(c->callouts[1].do_register);
	assert_true(c->callouts[2].do_register);
	assert_int_equal(c->callouts[2].layer_id, DFP_LAYER_ALE_AUTH_RECV_ACCEPT_V4);
	assert_int_equal(c->callouts[2].n_params, 3);
	assert_string_equal(c->callouts[2].params[0].key, "max");
	assert_string_equal(c->callouts[2].params[0].value, "4");
	assert_string_equal(c->callouts[2].params[1].key, "mode");
	assert_string_equal(c->callouts[2].params[1].value, "per remote");
	assert_string_equal(c->callouts[2].params[2].key, "empty");
	assert_string_equal(c->callouts[2].params[2].value, "");

	assert_int_equal(c->n_filters, 7);

	/* Integers, every match type, names of protocols and flags. */
	f = filter_named(c, "numbers");
	assert_ptr_equal(f->spec.name, f->name);
	assert_ptr_equal(f->spec.conds, f->conds);
	assert_guid(&f->spec.key, F_KEY);
	assert_int_equal(f->spec.layer_id, DFP_LAYER_INBOUND_TRANSPORT_V4);
	assert_string_equal(f->sublayer, "firewall");
	assert_true(f->sublayer_resolved);
	assert_guid(&f->spec.sublayer_key, SL_FW_KEY);
	assert_int_equal(f->sublayer_pos.line, 41);
	assert_int_equal(f->sublayer_pos.col, 15);
	assert_int_equal(f->spec.weight_type, DFP_ENGINE_WEIGHT_EXPLICIT);
	assert_int_equal(f->spec.weight, 10);
	assert_int_equal(f->spec.flags, DFP_FILTER_FLAG_CLEAR_ACTION_RIGHT |
		DFP_FILTER_FLAG_PERMIT_IF_CALLOUT_UNREGISTERED);
	assert_int_equal(f->spec.raw_context, 0xdeadbeef);
	assert_int_equal(f->spec.action, DFP_ACTION_BLOCK);
	assert_string_equal(f->callout, "");
	assert_false(f->callout_resolved);
	assert_true(dfp_guid_is_zero(&f->spec.callout_key));
	assert_int_equal(f->pos.line, 38);
	assert_int_equal(f->pos.col, 5);
	assert_int_equal(f->spec.n_conds, 15);
	k = cond_at(f, 0, DFP_FIELD_IP_LOCAL_PORT, DFP_MATCH_EQUAL);
	assert_u128(k->value, 0, 23);
	assert_int_equal(k->has_prefix, 0);
	k = cond_at(f, 1, DFP_FIELD_IP_REMOTE_PORT, DFP_MATCH_NOT_EQUAL);
	assert_u128(k->value, 0, 80);
	k = cond_at(f, 2, DFP_FIELD_IP_LOCAL_PORT, DFP_MATCH_GREATER);
	assert_u128(k->value, 0, 1023);
	k = cond_at(f, 3, DFP_FIELD_IP_LOCAL_PORT, DFP_MATCH_LESS);
	assert_u128(k->value, 0, 10);
	k = cond_at(f, 4, DFP_FIELD_IP_REMOTE_PORT, DFP_MATCH_GREATER_OR_EQUAL);
	assert_u128(k->value, 0, 5);
	k = cond_at(f, 5, DFP_FIELD_IP_REMOTE_PORT, DFP_MATCH_LESS_OR_EQUAL);
	assert_u128(k->value, 0, 65535);
	k = cond_at(f, 6, DFP_FIELD_IP_LOCAL_PORT, DFP_MATCH_RANGE);
	assert_u128(k->value, 0, 80);
	assert_u128(k->high, 0, 443);
	k = cond_at(f, 7, DFP_FIELD_IP_REMOTE_PORT, DFP_MATCH_RANGE);
	assert_u128(k->value, 0, 8000);
	assert_u128(k->high, 0, 8080);
	k = cond_at(f, 8, DFP_FIELD_IP_PROTOCOL, DFP_MATCH_EQUAL);
	assert_u128(k->value, 0, 6);
	k = cond_at(f, 9, DFP_FIELD_IP_PROTOCOL, DFP_MATCH_EQUAL);
	assert_u128(k->value, 0, 17);
	k = cond_at(f, 10, DFP_FIELD_DFP_TCP_FLAGS, DFP_MATCH_FLAGS_ALL_SET);
	assert_u128(k->value, 0, 0x12);
	k = cond_at(f, 11, DFP_FIELD_DFP_TCP_FLAGS, DFP_MATCH_FLAGS_ANY_SET);
	assert_u128(k->value, 0, 0x05);
	k = cond_at(f, 12, DFP_FIELD_DFP_TCP_FLAGS, DFP_MATCH_FLAGS_NONE_SET);
	assert_u128(k->value, 0, 0x80);
	k = cond_at(f, 13, DFP_FIELD_FLAGS, DFP_MATCH_FLAGS_ALL_SET);
	assert_u128(k->value, 0, DFP_COND_FLAG_IS_FRAGMENT | DFP_COND_FLAG_IS_REASSEMBLED);
	k = cond_at(f, 14, DFP_FIELD_INTERFACE_INDEX, DFP_MATCH_EQUAL);
	assert_u128(k->value, 0, 0xffffffff);

	/* IPv4: host order, prefixes keep the network only, ranges. */
	f = filter_named(c, "v4-addresses");
	assert_int_equal(f->spec.layer_id, DFP_LAYER_ALE_AUTH_RECV_ACCEPT_V4);
	assert_string_equal(f->sublayer, "nokey");
	assert_false(f->sublayer_resolved);    /* In the file, but its key comes from the engine. */
	assert_true(dfp_guid_is_zero(&f->spec.sublayer_key));
	assert_int_equal(dfp_conf_sublayer_find(c, f->sublayer), 1);
	assert_int_equal(f->spec.weight_type, DFP_ENGINE_WEIGHT_RANGE);
	assert_int_equal(f->spec.weight, 8);
	assert_int_equal(f->spec.flags, DFP_FILTER_FLAG_PERSISTENT |
		DFP_FILTER_FLAG_CLEAR_ACTION_RIGHT);
	assert_int_equal(f->spec.action, DFP_ACTION_CALLOUT_TERMINATING);
	assert_string_equal(f->callout, "limiter");
	assert_true(f->callout_resolved);
	assert_guid(&f->spec.callout_key, CO_LIMIT_KEY);
	assert_int_equal(dfp_conf_callout_find(c, f->callout), 2);
	assert_int_equal(f->spec.n_conds, 6);
	k = cond_at(f, 0, DFP_FIELD_IP_REMOTE_ADDRESS, DFP_MATCH_EQUAL);
	assert_u128(k->value, 0, 0x0a000000);
	assert_int_equal(k->has_prefix, 1);
	assert_int_equal(k->prefix_len, 8);
	k = cond_at(f, 1, DFP_FIELD_IP_REMOTE_ADDRESS, DFP_MATCH_NOT_EQUAL);
	assert_u128(k->value, 0, 0xc0a80101);
	assert_int_equal(k->has_prefix, 0);
	k = cond_at(f, 2, DFP_FIELD_IP_LOCAL_ADDRESS, DFP_MATCH_RANGE);
	assert_u128(k->value, 0, 0xc0a8010a);
	assert_u128(k->high, 0, 0xc0a80114);
	k = cond_at(f, 3, DFP_FIELD_IP_LOCAL_ADDRESS, DFP_MATCH_RANGE);
	assert_u128(k->value, 0, 0);
	assert_u128(k->high, 0, 0xffffffff);
	k = cond_at(f, 4, DFP_FIELD_IP_REMOTE_ADDRESS, DFP_MATCH_EQUAL);
	assert_u128(k->value, 0, 0);
	assert_int_equal(k->has_prefix, 1);
	assert_int_equal(k->prefix_len, 0);
	k = cond_at(f, 5, DFP_FIELD_IP_REMOTE_ADDRESS, DFP_MATCH_EQUAL);
	assert_u128(k->value, 0, 0x01020304);
	assert_int_equal(k->prefix_len, 32);

	/* IPv6: big-endian 128-bit numbers, as the engine reads packets. */
	f = filter_named(c, "v6-addresses");
	assert_true(f->sublayer_resolved);
	assert_guid(&f->spec.sublayer_key, DFP_ENGINE_SUBLAYER_INSPECTION_KEY);
	assert_int_equal(f->spec.weight_type, DFP_ENGINE_WEIGHT_AUTO);
	assert_int_equal(f->spec.n_conds, 7);
	k = cond_at(f, 0, DFP_FIELD_IP_REMOTE_ADDRESS, DFP_MATCH_EQUAL);
	assert_u128(k->value, UINT64_C(0x20010db800000000), 0);
	assert_int_equal(k->has_prefix, 1);
	assert_int_equal(k->prefix_len, 32);
	k = cond_at(f, 1, DFP_FIELD_IP_REMOTE_ADDRESS, DFP_MATCH_EQUAL);
	assert_u128(k->value, UINT64_C(0x20010db800010002), UINT64_C(0x0003000400000000));
	assert_int_equal(k->prefix_len, 100);
	k = cond_at(f, 2, DFP_FIELD_IP_LOCAL_ADDRESS, DFP_MATCH_RANGE);
	assert_u128(k->value, UINT64_C(0xfd00000000000000), 1);
	assert_u128(k->high, UINT64_C(0xfd00000000000000), 0xff);
	k = cond_at(f, 3, DFP_FIELD_IP_LOCAL_ADDRESS, DFP_MATCH_RANGE);
	assert_u128(k->value, 0, 0);
	assert_u128(k->high, UINT64_C(0xffff000000000000), 0);
	k = cond_at(f, 4, DFP_FIELD_IP_LOCAL_ADDRESS, DFP_MATCH_NOT_EQUAL);
	assert_u128(k->value, 0, 1);
	k = cond_at(f, 5, DFP_FIELD_IP_PROTOCOL, DFP_MATCH_EQUAL);
	assert_u128(k->value, 0, 58);
	k = cond_at(f, 6, DFP_FIELD_IP_LOCAL_PORT, DFP_MATCH_EQUAL);
	assert_u128(k->value, 0, 128);

	/* MAC: 48-bit numbers; ether types by name and number; a sublayer by key. */
	f = filter_named(c, "mac");
	assert_true(f->sublayer_resolved);
	assert_guid(&f->spec.sublayer_key, SL_FW_KEY);
	assert_int_equal(f->spec.weight_type, DFP_ENGINE_WEIGHT_RANGE);
	assert_int_equal(f->spec.weight, 3);
	assert_int_equal(f->spec.n_conds, 5);
	k = cond_at(f, 0, DFP_FIELD_MAC_LOCAL_ADDRESS, DFP_MATCH_EQUAL);
	assert_u128(k->value, 0, UINT64_C(0x02005e100001));
	k = cond_at(f, 1, DFP_FIELD_MAC_REMOTE_ADDRESS, DFP_MATCH_RANGE);
	assert_u128(k->value, 0, 0);
	assert_u128(k->high, 0, UINT64_C(0xffffffffffff));
	k = cond_at(f, 2, DFP_FIELD_ETHER_TYPE, DFP_MATCH_EQUAL);
	assert_u128(k->value, 0, 0x0806);
	k = cond_at(f, 3, DFP_FIELD_ETHER_TYPE, DFP_MATCH_EQUAL);
	assert_u128(k->value, 0, 0x88cc);
	k = cond_at(f, 4, DFP_FIELD_VLAN_ID, DFP_MATCH_RANGE);
	assert_u128(k->value, 0, 100);
	assert_u128(k->high, 0, 199);

	/* A callout by key; the default sublayer is universal. */
	f = filter_named(c, "flow-count");
	assert_string_equal(f->sublayer, "");
	assert_true(f->sublayer_resolved);
	assert_guid(&f->spec.sublayer_key, DFP_ENGINE_SUBLAYER_UNIVERSAL_KEY);
	assert_int_equal(f->spec.weight_type, DFP_ENGINE_WEIGHT_AUTO);
	assert_int_equal(f->spec.flags, 0);
	assert_int_equal(f->spec.action, DFP_ACTION_CALLOUT_INSPECTION);
	assert_true(f->callout_resolved);
	assert_guid(&f->spec.callout_key, CO_COUNT_KEY);
	assert_int_equal(f->spec.n_conds, 2);
	k = cond_at(f, 0, DFP_FIELD_DIRECTION, DFP_MATCH_EQUAL);
	assert_u128(k->value, 0, DFP_DIRECTION_INBOUND);
	k = cond_at(f, 1, DFP_FIELD_DIRECTION, DFP_MATCH_EQUAL);
	assert_u128(k->value, 0, DFP_DIRECTION_OUTBOUND);

	/* The universal sublayer by its key (any case); no conditions. */
	f = filter_named(c, "verdict");
	assert_true(f->sublayer_resolved);
	assert_guid(&f->spec.sublayer_key, DFP_ENGINE_SUBLAYER_UNIVERSAL_KEY);
	assert_int_equal(f->spec.action, DFP_ACTION_CALLOUT_UNKNOWN);
	assert_true(f->callout_resolved);
	assert_guid(&f->spec.callout_key, CO_VERDICT_KEY);
	assert_int_equal(f->spec.n_conds, 0);
	assert_null(f->spec.conds);

	f = filter_named(c, "match-all");
	assert_int_equal(f->spec.layer_id, DFP_LAYER_STREAM_V6);
	assert_int_equal(f->spec.n_conds, 0);
	assert_true(dfp_guid_is_zero(&f->spec.key));
	dfp_conf_free(c);
}

/* Only `version` given: every default, nothing marked as given. */
static void
test_minimal_config_defaults(void **state)
{
	struct dfp_conf *c;

	(void)state;
	c = load_ok("version: 1\n", 0);
	assert_false(c->has_eal);
	assert_false(c->has_ports);
	assert_false(c->has_workers);
	assert_false(c->has_flows);
	assert_int_equal(c->n_eal + c->n_ports + c->n_sublayers + c->n_callouts + c->n_filters, 0);
	assert_int_equal(c->workers.n_lcores, 0);
	assert_int_equal(c->workers.burst, 32);
	assert_int_equal(c->flows.capacity, 65536);
	assert_int_equal(c->flows.idle_timeout_s, 60);
	assert_int_equal(c->flows.hold_packets, 32);
	assert_int_equal(c->flows.pend_timeout_ms, 5000);
	assert_int_equal(c->flows.full_policy, DFP_CONF_FULL_FAIL_CLOSED);
	assert_false(c->flows.tcp_pickup);
	dfp_conf_free(c);

	/* flows tcp_pickup: a boolean; the other flows settings keep their defaults. */
	c = load_ok("version: 1\nflows: {tcp_pickup: yes}\n", 0);
	assert_true(c->has_flows);
	assert_true(c->flows.tcp_pickup);
	assert_int_equal(c->flows.capacity, 65536);
	assert_int_equal(c->flows.full_policy, DFP_CONF_FULL_FAIL_CLOSED);
	dfp_conf_free(c);
	c = load_ok("version: 1\nflows: {tcp_pickup: no}\n", 0);
	assert_false(c->flows.tcp_pickup);
	dfp_conf_free(c);

	/* Empty (null) sections are empty lists; `workers:` without lcores lets the app pick. */
	c = load_ok("version: 1\neal:\nports: ~\nsublayers: []\ncallouts:\nfilters: null\n"
		"workers: {burst: 1}\n", 0);
	assert_true(c->has_eal);
	assert_true(c->has_ports);
	assert_int_equal(c->n_eal + c->n_ports + c->n_filters, 0);
	assert_true(c->has_workers);
	assert_int_equal(c->workers.n_lcores, 0);
	assert_int_equal(c->workers.burst, 1);
	dfp_conf_free(c);

	/* Null mappings are given but empty: defaults. */
	c = load_ok("version: 1\nworkers:\nflows: ~\n", 0);
	assert_true(c->has_workers);
	assert_true(c->has_flows);
	assert_int_equal(c->workers.burst, 32);
	assert_int_equal(c->flows.capacity, 65536);
	assert_int_equal(c->flows.pos.line, 3);
	assert_int_equal(c->flows.pos.col, 8);
	dfp_conf_free(c);
}

static const char external_refs[] =
	"version: 1\n"
	"filters:\n"
	"  - name: f\n"
	"    layer: INBOUND_TRANSPORT_V4\n"
	"    sublayer: running-sublayer\n"
	"    action: callout_inspection\n"
	"    callout: 11111111-2222-3333-4444-555555555555\n";

/* Unknown references are errors, or kept as written with DFP_CONF_EXTERNAL_REFS. */
static void
test_external_refs_kept_unresolved(void **state)
{
	struct dfp_conf_errors errs;
	struct dfp_conf *c;

	(void)state;
	assert_int_equal(load_bad(external_refs, 0, &errs), 2);
	assert_true(has_error(&errs, 5, 15, "unknown sublayer 'running-sublayer'"));
	assert_true(has_error(&errs, 7, 14, "unknown callout"));

	c = load_ok(external_refs, DFP_CONF_EXTERNAL_REFS);
	assert_int_equal(c->n_filters, 1);
	assert_string_equal(c->filters[0].sublayer, "running-sublayer");
	assert_false(c->filters[0].sublayer_resolved);
	assert_true(dfp_guid_is_zero(&c->filters[0].spec.sublayer_key));
	assert_string_equal(c->filters[0].callout, "11111111-2222-3333-4444-555555555555");
	assert_false(c->filters[0].callout_resolved);
	assert_true(dfp_guid_is_zero(&c->filters[0].spec.callout_key));
	assert_int_equal(c->filters[0].callout_pos.line, 7);
	assert_int_equal(dfp_conf_sublayer_find(c, "running-sublayer"), -1);
	assert_int_equal(dfp_conf_callout_find(c, c->filters[0].callout), -1);
	dfp_conf_free(c);
}

/* Errors in several sections are all collected, in file order. */
static void
test_errors_collected_in_file_order(void **state)
{
	static const char text[] =
		"version: 1\n"
		"filters:\n"
		"  - {name: a, layer: STREAM_V4, action: block}\n"
		"  - {name: a, layer: STREAM_V4, action: nope}\n"
		"workers: {burst: 0}\n"
		"ports:\n"
		"  - {name: p, port: 1, role: inside, peer: q, extra: 1}\n";
	struct dfp_conf_errors errs;

	(void)state;
	assert_int_equal(load_bad(text, 0, &errs), 5);
	assert_true(has_error(&errs, 4, 12, "duplicate filter name 'a' (first at 3:12)"));
	assert_true(has_error(&errs, 4, 41, "unknown action 'nope'"));
	assert_true(has_error(&errs, 5, 18, "out of range 1..64"));
	assert_true(has_error(&errs, 7, 47, "unknown key 'extra'"));
	assert_true(has_error(&errs, 7, 44, "unknown peer port 'q'"));
	/* Sorted by position. */
	assert_int_equal(errs.e[0].pos.line, 4);
	assert_int_equal(errs.e[0].pos.col, 12);
	assert_int_equal(errs.e[1].pos.col, 41);
	assert_int_equal(errs.e[2].pos.line, 5);
	assert_int_equal(errs.e[3].pos.col, 44);
	assert_int_equal(errs.e[4].pos.col, 47);
}

/* More than DFP_CONF_MAX_ERRORS: the first are kept, all are counted and printed as such. */
static void
test_errors_capped_and_printed(void **state)
{
	struct dfp_conf_errors errs;
	size_t size = 0, len = 0;
	char *text, *out = NULL;
	unsigned int i, lines;
	FILE *f;

	(void)state;
	text = malloc(100 * 32 + 32);
	assert_non_null(text);
	len += (size_t)sprintf(text, "version: 1\n");
	for (i = 0; i < 100; i++)
		len += (size_t)sprintf(text + len, "bogus%u: 1\n", i);
	assert_int_equal(load_bad(text, 0, &errs), 100);
	free(text);
	assert_string_equal(errs.path, "bad.yaml");
	assert_int_equal(errs.e[0].pos.line, 2);
	assert_int_equal(errs.e[0].pos.col, 1);
	assert_string_equal(errs.e[0].message, "unknown key 'bogus0' in the configuration");
	assert_int_equal(errs.e[DFP_CONF_MAX_ERRORS - 1].pos.line, DFP_CONF_MAX_ERRORS + 1);

	f = open_memstream(&out, &size);
	assert_non_null(f);
	dfp_conf_errors_print(&errs, f);
	fclose(f);
	assert_true(strncmp(out, "bad.yaml:2:1: unknown key 'bogus0' in the configuration\n"
		"bad.yaml:3:1: unknown key 'bogus1'", 90) == 0);
	for (lines = 0, i = 0; out[i] != '\0'; i++)
		lines += out[i] == '\n';
	assert_int_equal(lines, DFP_CONF_MAX_ERRORS + 1);
	assert_non_null(strstr(out, "bad.yaml: ... and 36 more errors\n"));
	free(out);
}

static void
test_load_missing_file(void **state)
{
	struct dfp_conf_errors errs;
	struct dfp_conf *c = (struct dfp_conf *)0x1;

	(void)state;
	assert_int_equal(dfp_conf_load("/nonexistent/dfp.yaml", 0, &c, &errs),
		DFP_STATUS_OBJECT_NAME_NOT_FOUND);
	assert_null(c);
	assert_int_equal(errs.n, 1);
	assert_int_equal(errs.e[0].pos.line, 0);
	assert_int_equal(errs.e[0].pos.col, 0);
	assert_non_null(strstr(errs.e[0].message, "No such file"));
	assert_string_equal(errs.path, "/nonexistent/dfp.yaml");

	/* A directory opens but cannot be read. */
	assert_int_equal(dfp_conf_load("/", 0, &c, &errs), DFP_STATUS_OBJECT_NAME_NOT_FOUND);
	assert_null(c);
	assert_int_equal(errs.n, 1);
	assert_non_null(strstr(errs.e[0].message, "Is a directory"));
}

static void
test_load_rejects_bad_arguments(void **state)
{
	struct dfp_conf_errors errs;
	struct dfp_conf *c = NULL;
	char *big;

	(void)state;
	assert_int_equal(dfp_conf_load_buffer("x", "version: 1\n", 11, 0, &c, NULL),
		DFP_STATUS_INVALID_PARAMETER);
	assert_int_equal(dfp_conf_load_buffer("x", "version: 1\n", 11, 0x80, &c, &errs),
		DFP_STATUS_INVALID_PARAMETER);
	assert_null(c);
	assert_non_null(strstr(errs.e[0].message, "unknown loader flags"));

	/* One byte over 16 MiB is refused before parsing. */
	big = malloc(DFP_CONF_MAX_FILE_SIZE + 1);
	assert_non_null(big);
	memset(big, ' ', DFP_CONF_MAX_FILE_SIZE + 1);
	assert_int_equal(dfp_conf_load_buffer("big.yaml", big, DFP_CONF_MAX_FILE_SIZE + 1, 0, &c,
		&errs), DFP_STATUS_INVALID_PARAMETER);
	assert_null(c);
	assert_int_equal(errs.n, 1);
	assert_non_null(strstr(errs.e[0].message, "larger than 16 MiB"));
	free(big);
	dfp_conf_free(NULL);
}

/* Many filters load in linear time; one duplicate name among them is found. */
static void
test_many_filters(void **state)
{
	const unsigned int n = 50000;
	struct dfp_conf_errors errs;
	struct dfp_conf *c = NULL;
	size_t len = 0;
	unsigned int i;
	char *text;

	(void)state;
	text = malloc((size_t)n * 160 + 128);
	assert_non_null(text);
	len += (size_t)sprintf(text, "version: 1\nfilters:\n");
	for (i = 0; i < n; i++)
		len += (size_t)sprintf(text + len, "- {name: f%u, layer: STREAM_V4, action: block, "
			"conditions: [{field: IP_LOCAL_PORT, match: equal, value: %u}]}\n", i,
			i % 65536);
	assert_int_equal(dfp_conf_load_buffer("many", text, len, 0, &c, &errs),
		DFP_STATUS_SUCCESS);
	assert_int_equal(c->n_filters, n);
	assert_string_equal(c->filters[n - 1].name, "f49999");
	assert_int_equal(c->filters[n - 1].conds[0].value.lo, 49999 % 65536);
	dfp_conf_free(c);

	/* The last filter takes the name of the first. */
	len += (size_t)sprintf(text + len, "- {name: f0, layer: STREAM_V4, action: block}\n");
	assert_int_equal(dfp_conf_load_buffer("many", text, len, 0, &c, &errs),
		DFP_STATUS_INVALID_PARAMETER);
	assert_int_equal(errs.n, 1);
	assert_int_equal(errs.e[0].pos.line, n + 3);
	assert_non_null(strstr(errs.e[0].message, "duplicate filter name 'f0' (first at 3:10)"));
	free(text);
}

/*
 * Every number that sizes an allocation or bounds a loop is accepted at both
 * ends of its range (tests/conf/bad holds the values just outside:
 * flows-*, rx-queues-too-many, lcore-too-large, burst-zero, bad-burst,
 * sublayer-weight-too-large, port-id-too-large, weight-range-16,
 * too-many-params).
 */
static void
test_numbers_at_their_limits_accepted(void **state)
{
	static const char hi[] =
		"version: 1\n"
		"ports:\n"
		"  - {name: wan, port: 65535, role: outside, peer: lan, rx_queues: 16}\n"
		"  - {name: lan, port: 0, role: inside, peer: wan, rx_queues: 1}\n"
		"workers: {lcores: [0, 1023], burst: 64}\n"
		"flows: {capacity: 16777216, idle_timeout_s: 86400, hold_packets: 4096,\n"
		"        pend_timeout_ms: 3600000}\n"
		"sublayers:\n"
		"  - {name: top, weight: 65535}\n"
		"  - {name: bottom, weight: 0}\n"
		"filters:\n"
		"  - {name: r15, layer: STREAM_V4, action: block, weight: {range: 15}}\n"
		"  - {name: w64, layer: STREAM_V4, action: block, weight: 18446744073709551615}\n";
	static const char lo[] =
		"version: 1\n"
		"workers: {lcores: [1], burst: 1}\n"
		"flows: {capacity: 64, idle_timeout_s: 1, hold_packets: 1, pend_timeout_ms: 1}\n";
	struct dfp_conf *c;
	char text[4096];
	size_t len;
	unsigned int i;

	(void)state;
	c = load_ok(hi, 0);
	assert_int_equal(c->ports[0].port_id, 65535);
	assert_int_equal(c->ports[0].rx_queues, 16);
	assert_int_equal(c->workers.lcores[1], 1023);
	assert_int_equal(c->workers.burst, 64);
	assert_int_equal(c->flows.capacity, 16777216);
	assert_int_equal(c->flows.idle_timeout_s, 86400);
	assert_int_equal(c->flows.hold_packets, 4096);
	assert_int_equal(c->flows.pend_timeout_ms, 3600000);
	assert_int_equal(c->sublayers[0].weight, 65535);
	assert_int_equal(c->filters[0].spec.weight_type, DFP_ENGINE_WEIGHT_RANGE);
	assert_int_equal(c->filters[0].spec.weight, 15);
	assert_true(c->filters[1].spec.weight == UINT64_MAX);
	dfp_conf_free(c);
	c = load_ok(lo, 0);
	assert_int_equal(c->workers.burst, 1);
	assert_int_equal(c->flows.capacity, 64);
	assert_int_equal(c->flows.idle_timeout_s, 1);
	assert_int_equal(c->flows.hold_packets, 1);
	assert_int_equal(c->flows.pend_timeout_ms, 1);
	dfp_conf_free(c);
	/* 64 params: the most a callout takes. */
	len = (size_t)snprintf(text, sizeof(text), "version: 1\ncallouts:\n  - name: c\n"
		"    key: 9b7c0f7e-1c1d-4e51-8a0a-3f6f2d8c1b22\n"
		"    layer: ALE_FLOW_ESTABLISHED_V4\n    module: \"builtin:count\"\n    params: {");
	for (i = 0; i < DFP_CONF_MAX_PARAMS; i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len, "%sp%u: %u",
			i == 0 ? "" : ", ", i, i);
	snprintf(text + len, sizeof(text) - len, "}\n");
	c = load_ok(text, 0);
	assert_int_equal(c->callouts[0].n_params, DFP_CONF_MAX_PARAMS);
	dfp_conf_free(c);
}

/*
 * Random damage to a good file (bytes replaced, inserted, deleted, lines
 * cut): never a crash or a leak (ASan), always SUCCESS with no error or
 * INVALID_PARAMETER with errors positioned inside the text.
 */
static void
test_mutations_fail_cleanly(void **state)
{
	static const char alphabet[] = " \t\n:-[]{},&*!|>'\"#%@`?0123456789abcxyz/.\\\x00\xff";
	const size_t len = sizeof(full_config) - 1;
	struct dfp_conf_errors errs;
	unsigned int seed = 12345;
	unsigned int i, j, e, lines;
	struct dfp_conf *c;
	size_t n, k;
	char *buf;

	(void)state;
	for (lines = 1, k = 0; k < len; k++)
		lines += full_config[k] == '\n';
	buf = malloc(len + 64);
	assert_non_null(buf);
	for (i = 0; i < 3000; i++) {
		memcpy(buf, full_config, len);
		n = len;
		for (j = 0; j <= i % 4 && n > 0; j++) {
			k = (size_t)rand_r(&seed) % n;
			switch (rand_r(&seed) % 4) {
			case 0:
				buf[k] = alphabet[rand_r(&seed) % (sizeof(alphabet) - 1)];
				break;
			case 1:
				memmove(buf + k + 1, buf + k, n - k);
				buf[k] = alphabet[rand_r(&seed) % (sizeof(alphabet) - 1)];
				n++;
				break;
			case 2:
				memmove(buf + k, buf + k + 1, n - k - 1);
				n--;
				break;
			default:
				n = k;    /* Cut the file short. */
				break;
			}
		}
		c = NULL;
		switch (dfp_conf_load_buffer("mut.yaml", buf, n, 0, &c, &errs)) {
		case DFP_STATUS_SUCCESS:
			assert_non_null(c);
			assert_int_equal(errs.n, 0);
			dfp_conf_free(c);
			break;
		case DFP_STATUS_INVALID_PARAMETER:
			assert_null(c);
			assert_true(errs.n > 0);
			for (e = 0; e < errs.n && e < DFP_CONF_MAX_ERRORS; e++) {
				assert_true(errs.e[e].pos.line >= 1 && errs.e[e].pos.line <= lines + 4);
				assert_true(errs.e[e].pos.col >= 1);
				assert_true(strlen(errs.e[e].message) > 0);
			}
			break;
		default:
			fail_msg("mutation %u: unexpected status", i);
		}
	}
	free(buf);
}

/* ---- The bad-file corpus ---- */

static int
yaml_name_filter(const struct dirent *d)
{
	size_t len = strlen(d->d_name);

	return len > 5 && strcmp(d->d_name + len - 5, ".yaml") == 0;
}

/* Each file: first line `# expect: LINE:COL: TEXT`; the load must report exactly that. */
static void
test_bad_corpus(void **state)
{
	const char *dir = getenv("DFP_CONF_BAD_DIR");
	struct dfp_conf_errors errs;
	struct dirent **names;
	unsigned int line, col;
	char path[1024];
	char head[512];
	int n, i, off;
	FILE *f;

	(void)state;
	assert_non_null(dir);
	n = scandir(dir, &names, yaml_name_filter, alphasort);
	assert_true(n >= 35);
	for (i = 0; i < n; i++) {
		struct dfp_conf *c = (struct dfp_conf *)0x1;
		dfp_status_t st;
		char *text;

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
		f = fopen(path, "r");
		assert_non_null(f);
		assert_non_null(fgets(head, sizeof(head), f));
		fclose(f);
		head[strcspn(head, "\n")] = '\0';
		off = 0;
		if (sscanf(head, "# expect: %u:%u: %n", &line, &col, &off) != 2 || off == 0)
			fail_msg("%s: first line is not '# expect: LINE:COL: TEXT'", path);
		text = head + off;
		st = dfp_conf_load(path, 0, &c, &errs);
		if (st != DFP_STATUS_INVALID_PARAMETER || c != NULL ||
				!has_error(&errs, line, col, text)) {
			dfp_conf_errors_print(&errs, stderr);
			fail_msg("%s: status 0x%08x, expected an error at %u:%u containing '%s'",
				path, (unsigned int)st, line, col, text);
		}
		free(names[i]);
	}
	free(names);
}

/* The annotated reference configuration loads without errors. */
static void
test_reference_config_loads(void **state)
{
	const char *path = getenv("DFP_CONF_REFERENCE");
	struct dfp_conf_errors errs;
	struct dfp_conf *c = NULL;
	dfp_status_t st;
	unsigned int i;

	(void)state;
	assert_non_null(path);
	st = dfp_conf_load(path, 0, &c, &errs);
	if (st != DFP_STATUS_SUCCESS)
		dfp_conf_errors_print(&errs, stderr);
	assert_int_equal(st, DFP_STATUS_SUCCESS);
	assert_int_equal(c->n_ports, 2);
	assert_int_equal(c->ports[0].role, DFP_CONF_ROLE_OUTSIDE);
	assert_int_equal(c->ports[1].role, DFP_CONF_ROLE_INSIDE);
	assert_int_equal(c->workers.n_lcores, 1);
	assert_int_equal(c->n_sublayers, 2);
	assert_int_equal(c->n_callouts, 3);
	assert_int_equal(c->callouts[2].n_params, 1);
	assert_string_equal(c->callouts[2].params[0].key, "max");
	assert_string_equal(c->callouts[2].params[0].value, "4");
	assert_true(c->n_filters >= 10);
	/* Every filter is complete: its references resolved within the file. */
	for (i = 0; i < c->n_filters; i++) {
		assert_true(c->filters[i].sublayer_resolved);
		if (c->filters[i].spec.action & DFP_ACTION_FLAG_CALLOUT)
			assert_true(c->filters[i].callout_resolved);
	}
	dfp_conf_free(c);
}

/* ---- The value grammar ---- */

static void
test_u64_parse(void **state)
{
	static const char *const bad[] = {
		"", "-1", "+1", " 1", "1 ", "1a", "0x", "0X", "0x1g", "x1", "1.0", "1e3",
		"18446744073709551616", "99999999999999999999999", "0x10000000000000000",
	};
	uint64_t v;
	unsigned int i;

	(void)state;
	assert_int_equal(dfp_conf_u64_parse("0", 0, UINT64_MAX, &v), DFP_STATUS_SUCCESS);
	assert_int_equal(v, 0);
	assert_int_equal(dfp_conf_u64_parse("18446744073709551615", 0, UINT64_MAX, &v),
		DFP_STATUS_SUCCESS);
	assert_true(v == UINT64_MAX);
	assert_int_equal(dfp_conf_u64_parse("0xFFFFffffFFFFffff", 0, UINT64_MAX, &v),
		DFP_STATUS_SUCCESS);
	assert_true(v == UINT64_MAX);
	assert_int_equal(dfp_conf_u64_parse("0X1f", 0, UINT64_MAX, &v), DFP_STATUS_SUCCESS);
	assert_int_equal(v, 31);
	assert_int_equal(dfp_conf_u64_parse("010", 0, UINT64_MAX, &v), DFP_STATUS_SUCCESS);
	assert_int_equal(v, 10);   /* Decimal, not octal. */
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		v = 777;
		assert_int_equal(dfp_conf_u64_parse(bad[i], 0, UINT64_MAX, &v),
			DFP_STATUS_INVALID_PARAMETER);
		assert_int_equal(v, 777);
	}
	assert_int_equal(dfp_conf_u64_parse(NULL, 0, 1, &v), DFP_STATUS_INVALID_PARAMETER);
	/* Bounds are inclusive. */
	assert_int_equal(dfp_conf_u64_parse("64", 1, 64, &v), DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_conf_u64_parse("1", 1, 64, &v), DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_conf_u64_parse("65", 1, 64, &v), DFP_STATUS_INVALID_PARAMETER);
	assert_int_equal(dfp_conf_u64_parse("0", 1, 64, &v), DFP_STATUS_INVALID_PARAMETER);
}

static void
test_weight_parse(void **state)
{
	static const char *const bad[] = {
		"", "-1", "range:16", "range:", "range:-1", "range:x", "range 3", "heavy",
		"18446744073709551616", "0x", "{range: 3}",
	};
	enum dfp_engine_weight_type t;
	char err[160];
	unsigned int i;
	uint64_t w;

	(void)state;
	assert_int_equal(dfp_conf_weight_parse("10", &t, &w, err, sizeof(err)), DFP_STATUS_SUCCESS);
	assert_int_equal(t, DFP_ENGINE_WEIGHT_EXPLICIT);
	assert_int_equal(w, 10);
	assert_int_equal(dfp_conf_weight_parse("0xffffffffffffffff", &t, &w, err, sizeof(err)),
		DFP_STATUS_SUCCESS);
	assert_true(w == UINT64_MAX);
	assert_int_equal(dfp_conf_weight_parse("auto", &t, &w, err, sizeof(err)),
		DFP_STATUS_SUCCESS);
	assert_int_equal(t, DFP_ENGINE_WEIGHT_AUTO);
	assert_int_equal(dfp_conf_weight_parse("AUTO", &t, &w, err, sizeof(err)),
		DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_conf_weight_parse("range:0", &t, &w, err, sizeof(err)),
		DFP_STATUS_SUCCESS);
	assert_int_equal(t, DFP_ENGINE_WEIGHT_RANGE);
	assert_int_equal(w, 0);
	assert_int_equal(dfp_conf_weight_parse("range: 15", &t, &w, err, sizeof(err)),
		DFP_STATUS_SUCCESS);
	assert_int_equal(t, DFP_ENGINE_WEIGHT_RANGE);
	assert_int_equal(w, 15);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_int_equal(dfp_conf_weight_parse(bad[i], &t, &w, err, sizeof(err)),
			DFP_STATUS_INVALID_PARAMETER);
		assert_true(strlen(err) > 0);
	}
	assert_non_null(strstr(err, "bad weight"));
}

static void
test_filter_flags_parse(void **state)
{
	static const char *const bad[] = {
		"", ",", "persistent,", ",persistent", "nope", "persistent|clear_action_right",
		"clear_action", "persistent,,clear_action_right",
	};
	char err[160];
	unsigned int i;
	uint32_t fl;

	(void)state;
	assert_int_equal(dfp_conf_filter_flags_parse("persistent", &fl, err, sizeof(err)),
		DFP_STATUS_SUCCESS);
	assert_int_equal(fl, DFP_FILTER_FLAG_PERSISTENT);
	assert_int_equal(dfp_conf_filter_flags_parse(
		"clear_action_right,PERMIT_IF_CALLOUT_UNREGISTERED", &fl, err, sizeof(err)),
		DFP_STATUS_SUCCESS);
	assert_int_equal(fl, DFP_FILTER_FLAG_CLEAR_ACTION_RIGHT |
		DFP_FILTER_FLAG_PERMIT_IF_CALLOUT_UNREGISTERED);
	assert_int_equal(dfp_conf_filter_flags_parse(" persistent , clear_action_right ", &fl, err,
		sizeof(err)), DFP_STATUS_SUCCESS);
	assert_int_equal(fl, DFP_FILTER_FLAG_PERSISTENT | DFP_FILTER_FLAG_CLEAR_ACTION_RIGHT);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		fl = 0x5a5a;
		err[0] = '\0';
		assert_int_equal(dfp_conf_filter_flags_parse(bad[i], &fl, err, sizeof(err)),
			DFP_STATUS_INVALID_PARAMETER);
		assert_int_equal(fl, 0x5a5a);
		assert_true(strlen(err) > 0);
	}
}

struct cond_case {
	uint16_t layer;
	const char *field;
	const char *match;
	const char *value;
	uint64_t hi, lo;         /* Expected value. */
	uint64_t high_hi, high_lo; /* Expected high end (range). */
	int prefix;              /* -1: none. */
};

#define L4 DFP_LAYER_INBOUND_TRANSPORT_V4
#define L6 DFP_LAYER_INBOUND_TRANSPORT_V6
#define LMAC DFP_LAYER_INBOUND_MAC_FRAME_ETHERNET

static void
test_cond_parse_good(void **state)
{
	static const struct cond_case cases[] = {
		{L4, "IP_LOCAL_PORT", "equal", "0", 0, 0, 0, 0, -1},
		{L4, "ip_local_port", "EQUAL", "65535", 0, 65535, 0, 0, -1},
		{L4, "ICMP_TYPE", "equal", "8", 0, 8, 0, 0, -1},
		{L4, "IP_REMOTE_PORT", "FWP_MATCH_RANGE", "1-1", 0, 1, 0, 1, -1},
		{L4, "IP_REMOTE_PORT", "range", "[ 10 , 0x14 ]", 0, 10, 0, 20, -1},
		{L4, "IP_REMOTE_PORT", "range", "10 - 20", 0, 10, 0, 20, -1},
		{L4, "IP_PROTOCOL", "equal", "TCP", 0, 6, 0, 0, -1},
		{L4, "IP_PROTOCOL", "equal", "255", 0, 255, 0, 0, -1},
		{L4, "IP_PROTOCOL", "range", "icmp-udp", 0, 1, 0, 17, -1},
		{L6, "IP_PROTOCOL", "range", "ipv6-icmp-sctp", 0, 58, 0, 132, -1},
		{L6, "IP_PROTOCOL", "range", "tcp-ipv6-icmp", 0, 6, 0, 58, -1},
		{L4, "IP_REMOTE_ADDRESS", "equal", "255.255.255.255", 0, 0xffffffff, 0, 0, -1},
		{L4, "IP_REMOTE_ADDRESS", "not_equal", "172.16.5.4/12", 0, 0xac100000, 0, 0, 12},
		{L4, "IP_REMOTE_ADDRESS", "range", "[1.0.0.0,1.0.0.0]", 0, 0x01000000, 0, 0x01000000, -1},
		{L4, "IP_REMOTE_ADDRESS", "less", "10.0.0.0", 0, 0x0a000000, 0, 0, -1},
		{L6, "IP_REMOTE_ADDRESS", "equal", "::", 0, 0, 0, 0, -1},
		{L6, "IP_REMOTE_ADDRESS", "equal", "::/0", 0, 0, 0, 0, 0},
		{L6, "IP_REMOTE_ADDRESS", "equal", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128",
			UINT64_MAX, UINT64_MAX, 0, 0, 128},
		{L6, "IP_REMOTE_ADDRESS", "equal", "2001:db8::ffff/64", 0x20010db800000000, 0, 0, 0, 64},
		{L6, "IP_REMOTE_ADDRESS", "equal", "2001:db8::ffff:ffff/65", 0x20010db800000000, 0,
			0, 0, 65},
		{L6, "IP_LOCAL_ADDRESS", "equal", "::ffff:192.0.2.1", 0, 0x0000ffffc0000201, 0, 0, -1},
		{L6, "IP_LOCAL_ADDRESS", "greater", "fe80::1", 0xfe80000000000000, 1, 0, 0, -1},
		{LMAC, "MAC_REMOTE_ADDRESS", "equal", "aa:BB:cc:DD:ee:FF", 0, 0xaabbccddeeff, 0, 0, -1},
		{LMAC, "ETHER_TYPE", "equal", "ipv6", 0, 0x86dd, 0, 0, -1},
		{LMAC, "ETHER_TYPE", "equal", "QinQ", 0, 0x88a8, 0, 0, -1},
		{LMAC, "ETHER_TYPE", "equal", "vlan", 0, 0x8100, 0, 0, -1},
		{LMAC, "VLAN_ID", "less_or_equal", "4095", 0, 4095, 0, 0, -1},
		{LMAC, "INTERFACE_INDEX", "equal", "0xffffffff", 0, 0xffffffff, 0, 0, -1},
		{L4, "FLAGS", "flags_any_set", "is_loopback|is_reauthorize,requires_ale_classify",
			0, 0x105, 0, 0, -1},
		{L4, "FLAGS", "flags_none_set", "0x20|is_fragment_group", 0, 0x60, 0, 0, -1},
		{L4, "DFP_TCP_FLAGS", "flags_all_set", "fin|syn|rst|psh|ack|urg|ece|cwr", 0, 0xff,
			0, 0, -1},
		{L4, "DFP_TCP_FLAGS", "equal", "SYN", 0, 2, 0, 0, -1},
		{L4, "DFP_DSCP", "equal", "46", 0, 46, 0, 0, -1},
		{L4, "IP_LOCAL_ADDRESS_TYPE", "equal", "1", 0, 1, 0, 0, -1},
		{DFP_LAYER_STREAM_V4, "DIRECTION", "equal", "1", 0, 1, 0, 0, -1},
		{DFP_LAYER_ALE_AUTH_CONNECT_V4, "REAUTHORIZE_REASON", "flags_any_set", "0x11",
			0, 0x11, 0, 0, -1},
	};
	struct dfp_engine_cond c;
	char err[160];
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct cond_case *t = &cases[i];
		dfp_status_t st;

		err[0] = '\0';
		st = dfp_conf_cond_parse(t->layer, t->field, t->match, t->value, &c, err,
			sizeof(err));
		if (st != DFP_STATUS_SUCCESS)
			fail_msg("case %u (%s %s %s): %s", i, t->field, t->match, t->value, err);
		assert_int_equal(c.field, dfp_engine_field_from_name(t->field));
		assert_int_equal(c.match, dfp_engine_match_from_name(t->match));
		if (c.value.hi != t->hi || c.value.lo != t->lo)
			fail_msg("case %u (%s): value %" PRIx64 ":%" PRIx64, i, t->value, c.value.hi,
				c.value.lo);
		if (c.match == DFP_MATCH_RANGE)
			assert_u128(c.high, t->high_hi, t->high_lo);
		else
			assert_u128(c.high, 0, 0);
		assert_int_equal(c.has_prefix, t->prefix >= 0);
		assert_int_equal(c.prefix_len, t->prefix >= 0 ? t->prefix : 0);
	}
}

struct cond_bad {
	uint16_t layer;
	const char *field;
	const char *match;
	const char *value;
	const char *text;        /* Part of the message. */
};

static void
test_cond_parse_hostile(void **state)
{
	static const struct cond_bad cases[] = {
		{L4, "IP_REMOTE_ADDRESS", "equal", "300.1.1.1", "bad IPv4 address"},
		{L4, "IP_REMOTE_ADDRESS", "equal", "1.2.3", "bad IPv4 address"},
		{L4, "IP_REMOTE_ADDRESS", "equal", "1.2.3.4.5", "bad IPv4 address"},
		{L4, "IP_REMOTE_ADDRESS", "equal", "1.2.3.4 ", "bad IPv4 address"},
		{L4, "IP_REMOTE_ADDRESS", "equal", "", "empty value"},
		{L4, "IP_REMOTE_ADDRESS", "equal", "10.0.0.0/33", "bad prefix length"},
		{L4, "IP_REMOTE_ADDRESS", "equal", "10.0.0.0/", "bad prefix length"},
		{L4, "IP_REMOTE_ADDRESS", "equal", "10.0.0.0/-1", "bad prefix length"},
		{L4, "IP_REMOTE_ADDRESS", "equal", "10.0.0.0/8/8", "bad prefix length"},
		{L4, "IP_REMOTE_ADDRESS", "equal", "10.0.0.0/0008", "bad prefix length"},
		{L4, "IP_REMOTE_ADDRESS", "equal", "::1", "IPv6 address '::1' at an IPv4 layer"},
		{L4, "IP_REMOTE_ADDRESS", "greater", "10.0.0.0/8", "a prefix (/len) is only allowed"},
		{L4, "IP_REMOTE_ADDRESS", "range", "10.0.0.0/8-10.0.0.9", "a prefix (/len)"},
		{L4, "IP_REMOTE_ADDRESS", "range", "10.0.0.9-10.0.0.1", "reversed range"},
		{L4, "IP_REMOTE_ADDRESS", "flags_all_set", "10.0.0.1", "needs an integer field"},
		{L6, "IP_REMOTE_ADDRESS", "equal", "::/129", "bad prefix length"},
		{L6, "IP_REMOTE_ADDRESS", "equal", "2001:db8:::1", "bad IPv6 address"},
		{L6, "IP_REMOTE_ADDRESS", "equal", "10.0.0.1", "IPv4 address '10.0.0.1' at an IPv6"},
		{L6, "IP_REMOTE_ADDRESS", "range", "fd00::ff-fd00::1", "reversed range"},
		{L6, "IP_REMOTE_ADDRESS", "flags_any_set", "::1", "needs an integer field"},
		{L4, "IP_LOCAL_PORT", "equal", "65536", "out of range 0..65535"},
		{L4, "IP_LOCAL_PORT", "equal", "-1", "not a number"},
		{L4, "IP_LOCAL_PORT", "equal", "0x", "not a number"},
		{L4, "IP_LOCAL_PORT", "equal", "0x10000", "out of range"},
		{L4, "IP_LOCAL_PORT", "equal", "99999999999999999999999", "out of range"},
		{L4, "IP_LOCAL_PORT", "equal", "1-2", "not a number"},
		{L4, "IP_LOCAL_PORT", "range", "90-80", "reversed range"},
		{L4, "IP_LOCAL_PORT", "range", "[90,80]", "reversed range"},
		{L4, "IP_LOCAL_PORT", "range", "80", "bad range '80'"},
		{L4, "IP_LOCAL_PORT", "range", "80-", "empty value"},
		{L4, "IP_LOCAL_PORT", "range", "-80", "empty value"},
		{L4, "IP_LOCAL_PORT", "range", "[80]", "bad range"},
		{L4, "IP_LOCAL_PORT", "range", "[80,90", "bad range"},
		{L4, "IP_LOCAL_PORT", "range", "1-2-3", "bad range"},
		{L4, "IP_LOCAL_PORT", "range", "80-65536", "'65536' is out of range"},
		{L4, "IP_PROTOCOL", "equal", "256", "out of range 0..255"},
		{L4, "IP_PROTOCOL", "equal", "tcpp", "unknown name 'tcpp' for IP_PROTOCOL"},
		{L4, "DFP_TCP_FLAGS", "flags_all_set", "syn|", "empty flag"},
		{L4, "DFP_TCP_FLAGS", "flags_all_set", "syn|nope", "unknown flag 'nope'"},
		{L4, "DFP_TCP_FLAGS", "flags_all_set", "0x100", "out of range 0..255"},
		{L4, "FLAGS", "flags_all_set", "is_loopback,,is_fragment", "empty flag"},
		{L4, "INTERFACE_INDEX", "equal", "4294967296", "out of range 0..4294967295"},
		{LMAC, "MAC_REMOTE_ADDRESS", "equal", "02:00:00:00:00", "bad MAC address"},
		{LMAC, "MAC_REMOTE_ADDRESS", "equal", "02:00:00:00:00:0g", "bad MAC address"},
		{LMAC, "MAC_REMOTE_ADDRESS", "equal", "02:00:00:00:00:001", "bad MAC address"},
		{LMAC, "MAC_REMOTE_ADDRESS", "equal", "02-00-00-00-00-01", "bad MAC address"},
		{LMAC, "MAC_REMOTE_ADDRESS", "flags_all_set", "02:00:00:00:00:01", "needs an integer"},
		{LMAC, "IP_REMOTE_ADDRESS", "equal", "10.0.0.1", "not available at layer"},
		{L4, "MAC_REMOTE_ADDRESS", "equal", "02:00:00:00:00:01", "not available at layer"},
		{DFP_LAYER_ALE_FLOW_ESTABLISHED_V4, "DFP_TCP_FLAGS", "equal", "1", "not available"},
		{L4, "DIRECTION", "equal", "inbound", "not available at layer INBOUND_TRANSPORT_V4"},
		{L4, "IP_LOCAL_PORTS", "equal", "1", "unknown field 'IP_LOCAL_PORTS'"},
		{L4, "", "equal", "1", "unknown field"},
		{L4, "IP_LOCAL_PORT", "equals", "1", "unknown match type 'equals'"},
		{L4, "IP_LOCAL_PORT", "equal_case_insensitive", "1", "not supported"},
		{1, "IP_LOCAL_PORT", "equal", "1", "unknown layer id 1"},
		{0xffff, "IP_LOCAL_PORT", "equal", "1", "unknown layer"},
	};
	struct dfp_engine_cond c;
	char err[160];
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct cond_bad *t = &cases[i];
		dfp_status_t st;

		memset(&c, 0xa5, sizeof(c));
		err[0] = '\0';
		st = dfp_conf_cond_parse(t->layer, t->field, t->match, t->value, &c, err,
			sizeof(err));
		if (st != DFP_STATUS_INVALID_PARAMETER || strstr(err, t->text) == NULL)
			fail_msg("case %u (%s %s '%s'): status 0x%08x, message '%s', expected '%s'", i,
				t->field, t->match, t->value, (unsigned int)st, err, t->text);
		/* Nothing written on failure. */
		assert_int_equal(c.field, 0xa5a5);
	}
	assert_int_equal(dfp_conf_cond_parse(L4, NULL, "equal", "1", &c, err, sizeof(err)),
		DFP_STATUS_INVALID_PARAMETER);
	assert_int_equal(dfp_conf_cond_parse(L4, "IP_LOCAL_PORT", "equal", NULL, &c, err,
		sizeof(err)), DFP_STATUS_INVALID_PARAMETER);
	/* A NULL or short message buffer is fine. */
	assert_int_equal(dfp_conf_cond_parse(L4, "IP_LOCAL_PORT", "equal", "x", &c, NULL, 0),
		DFP_STATUS_INVALID_PARAMETER);
	assert_int_equal(dfp_conf_cond_parse(L4, "IP_LOCAL_PORT", "equal", "x", &c, err, 4),
		DFP_STATUS_INVALID_PARAMETER);
	assert_int_equal(strlen(err), 3);
}

/* Field names ride on the engine's lookup: every field offered at a layer parses there. */
static void
test_cond_parse_every_offered_field(void **state)
{
	const uint16_t *ids;
	struct dfp_engine_cond c;
	unsigned int n, i, f;
	char err[160];

	(void)state;
	ids = dfp_engine_layer_ids(&n);
	for (i = 0; i < n; i++) {
		for (f = 0; f < DFP_FIELD_COUNT; f++) {
			const char *value = "1";
			dfp_status_t st;

			if (dfp_engine_field_type(f) == DFP_FIELD_TYPE_MAC)
				value = "00:00:00:00:00:01";
			else if (dfp_engine_field_type(f) == DFP_FIELD_TYPE_ADDR)
				value = dfp_engine_layer_family(ids[i]) == 6 ? "::1" : "0.0.0.1";
			st = dfp_conf_cond_parse(ids[i], dfp_engine_field_name(f), "equal", value, &c,
				err, sizeof(err));
			if (dfp_engine_layer_has_field(ids[i], f)) {
				if (st != DFP_STATUS_SUCCESS)
					fail_msg("%s at %s: %s", dfp_engine_field_name(f),
						dfp_engine_layer_name(ids[i]), err);
				assert_u128(c.value, 0, 1);
			} else {
				assert_int_equal(st, DFP_STATUS_INVALID_PARAMETER);
				assert_non_null(strstr(err, "is not available at layer"));
			}
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_config_exact_values),
		cmocka_unit_test(test_minimal_config_defaults),
		cmocka_unit_test(test_external_refs_kept_unresolved),
		cmocka_unit_test(test_errors_collected_in_file_order),
		cmocka_unit_test(test_errors_capped_and_printed),
		cmocka_unit_test(test_load_missing_file),
		cmocka_unit_test(test_load_rejects_bad_arguments),
		cmocka_unit_test(test_many_filters),
		cmocka_unit_test(test_numbers_at_their_limits_accepted),
		cmocka_unit_test(test_mutations_fail_cleanly),
		cmocka_unit_test(test_bad_corpus),
		cmocka_unit_test(test_reference_config_loads),
		cmocka_unit_test(test_u64_parse),
		cmocka_unit_test(test_weight_parse),
		cmocka_unit_test(test_filter_flags_parse),
		cmocka_unit_test(test_cond_parse_good),
		cmocka_unit_test(test_cond_parse_hostile),
		cmocka_unit_test(test_cond_parse_every_offered_field),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
