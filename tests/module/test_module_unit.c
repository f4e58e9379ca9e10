/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/module without the datapath: the built-in registry, companion keys,
 * every built-in create()'s checks and what it fills in, and the plugin
 * loader with a good plugin and with each kind of bad one.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>

#include <cmocka.h>

#include "dfp_ctl.h"
#include "dfp_engine.h"
#include "dfp_module.h"
#include "test_eal.h"

static struct dfp_ctl *ctl;
static struct dfp_module_host host;
static unsigned int log_lines;
static char log_last[256];

static void
test_log(uint32_t level, const char *module, const char *fmt, ...)
{
	va_list ap;

	(void)level;
	(void)module;
	va_start(ap, fmt);
	vsnprintf(log_last, sizeof(log_last), fmt, ap);
	va_end(ap);
	log_lines++;
}

static int
group_setup(void **state)
{
	(void)state;
	if (dfp_ctl_create(NULL, &ctl) != DFP_STATUS_SUCCESS)
		return -1;
	host.log = test_log;
	host.ctl = ctl;
	host.n_workers = 1;
	host.tsc_hz = 1000000000;
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	dfp_ctl_destroy(ctl);
	return 0;
}

/* create() of module m with a random key; err receives its message. */
static dfp_status_t
create(const struct dfp_module *m, const char *name, uint16_t layer,
		const struct dfp_module_param *params, unsigned int n_params,
		struct dfp_module_instance *out, char *err, size_t err_len)
{
	struct dfp_module_args a;

	memset(&a, 0, sizeof(a));
	a.name = name;
	dfp_guid_generate(&a.key);
	a.layer_id = layer;
	a.n_params = n_params;
	a.params = params;
	a.host = &host;
	err[0] = '\0';
	return m->create(&a, out, err, err_len);
}

/* create() must fail with st and a message containing `msg`. */
static void
create_fails(const char *module, uint16_t layer, const struct dfp_module_param *params,
		unsigned int n_params, dfp_status_t st, const char *msg)
{
	struct dfp_module_instance inst;
	char err[256];

	assert_int_equal(create(dfp_module_builtin(module), "c", layer, params, n_params, &inst,
		err, sizeof(err)), st);
	if (strstr(err, msg) == NULL)
		fail_msg("message \"%s\" lacks \"%s\"", err, msg);
}

static void
destroy(struct dfp_module_instance *inst)
{
	assert_non_null(inst->destroy);
	inst->destroy(inst->state);
}

/* ---- Registry ---- */

struct seen {
	unsigned int n;
	const char *names[8];
};

static void
seen_add(void *arg, const struct dfp_module *m)
{
	struct seen *s = arg;

	if (s->n < RTE_DIM(s->names))
		s->names[s->n] = m->name;
	s->n++;
	assert_int_equal(m->abi_version, DFP_MODULE_ABI_VERSION);
	assert_int_equal(m->size, sizeof(struct dfp_module));
	assert_non_null(m->create);
	assert_non_null(m->description);
}

static void
test_builtins_are_count_verdict_and_conn_limit(void **state)
{
	struct seen s;

	(void)state;
	memset(&s, 0, sizeof(s));
	dfp_module_builtin_foreach(seen_add, &s);
	assert_int_equal(s.n, 3);
	assert_string_equal(s.names[0], "count");
	assert_string_equal(s.names[1], "verdict");
	assert_string_equal(s.names[2], "conn_limit");
	assert_string_equal(dfp_module_builtin("count")->name, "count");
	assert_string_equal(dfp_module_builtin("conn_limit")->name, "conn_limit");
	assert_null(dfp_module_builtin("builtin:count"));
	assert_null(dfp_module_builtin("nat"));
	assert_null(dfp_module_builtin(NULL));
}

/* ---- Companion keys ---- */

static void
test_companion_keys_are_deterministic_version_8_and_distinct(void **state)
{
	struct dfp_guid key, other, c1, c1b, c2, o1;
	char text[DFP_GUID_STR_LEN + 1];

	(void)state;
	assert_int_equal(dfp_guid_parse("9b7c0f7e-1c1d-4e51-8a0a-3f6f2d8c1b22", &key), 0);
	dfp_module_companion_key(&key, 0, &c1);
	assert_true(dfp_guid_equal(&c1, &key));
	dfp_module_companion_key(&key, 1, &c1);
	dfp_module_companion_key(&key, 1, &c1b);
	dfp_module_companion_key(&key, 2, &c2);
	assert_true(dfp_guid_equal(&c1, &c1b));
	assert_false(dfp_guid_equal(&c1, &key));
	assert_false(dfp_guid_equal(&c1, &c2));
	/* Version 8, variant 10: never equal to a random (v4) key. */
	assert_int_equal(c1.data3 >> 12, 8);
	assert_int_equal(c2.data3 >> 12, 8);
	assert_int_equal(c1.data4[0] >> 6, 2);
	assert_int_equal(c2.data4[0] >> 6, 2);
	/*
	 * The derivation is part of the contract (restarts keep the keys):
	 * pinned, values computed independently from dfp_module.h's formula.
	 */
	assert_string_equal(dfp_guid_format(&c1, text, sizeof(text)),
		"f2f4cee9-c735-88cd-9aad-61025ce96136");
	assert_string_equal(dfp_guid_format(&c2, text, sizeof(text)),
		"8686b997-df2e-802d-a6e8-03c9c08663c2");
	/* Keys one bit apart have unrelated companions. */
	other = key;
	other.data4[7] ^= 1;
	dfp_module_companion_key(&other, 1, &o1);
	assert_false(dfp_guid_equal(&o1, &c1));
	/* In place. */
	other = key;
	dfp_module_companion_key(&other, 2, &other);
	assert_true(dfp_guid_equal(&other, &c2));
}

/* ---- count ---- */

static void
test_count_is_declared_at_flow_established_only(void **state)
{
	(void)state;
	create_fails("count", DFP_LAYER_STREAM_V4, NULL, 0, DFP_STATUS_INVALID_PARAMETER,
		"count: layer STREAM_V4: count is declared at ALE_FLOW_ESTABLISHED_V4 or "
		"ALE_FLOW_ESTABLISHED_V6");
	create_fails("count", DFP_LAYER_ALE_AUTH_CONNECT_V4, NULL, 0,
		DFP_STATUS_INVALID_PARAMETER, "ALE_FLOW_ESTABLISHED_V4");
	create_fails("count", 1, NULL, 0, DFP_STATUS_INVALID_PARAMETER, "layer (unknown)");
}

static void
test_count_checks_its_params(void **state)
{
	static const struct dfp_module_param zero[] = {{"max_flows", "0"}};
	static const struct dfp_module_param word[] = {{"max_flows", "many"}};
	static const struct dfp_module_param neg[] = {{"max_flows", "-1"}};
	static const struct dfp_module_param big[] = {{"max_flows", "16777217"}};
	static const struct dfp_module_param unknown[] = {{"max", "3"}};
	static const struct dfp_module_param twice[] = {{"log", "yes"}, {"log", "no"}};
	static const struct dfp_module_param badlog[] = {{"log", "maybe"}};
	const uint16_t l = DFP_LAYER_ALE_FLOW_ESTABLISHED_V4;

	(void)state;
	create_fails("count", l, zero, 1, DFP_STATUS_INVALID_PARAMETER,
		"param 'max_flows': 0 is out of range (1..16777216)");
	create_fails("count", l, word, 1, DFP_STATUS_INVALID_PARAMETER,
		"param 'max_flows': not a number: 'many'");
	create_fails("count", l, neg, 1, DFP_STATUS_INVALID_PARAMETER,
		"param 'max_flows': not a number");
	create_fails("count", l, big, 1, DFP_STATUS_INVALID_PARAMETER, "out of range");
	create_fails("count", l, unknown, 1, DFP_STATUS_INVALID_PARAMETER,
		"param 'max': unknown (count takes max_flows, log)");
	create_fails("count", l, twice, 2, DFP_STATUS_INVALID_PARAMETER, "param 'log': given twice");
	create_fails("count", l, badlog, 1, DFP_STATUS_INVALID_PARAMETER,
		"param 'log': 'maybe' is not a boolean");
}

static void
test_builtins_need_a_name_that_fits_and_a_control_plane(void **state)
{
	struct dfp_module_instance inst;
	char name[DFP_MODULE_NAME_SIZE + 8];
	char err[256];

	(void)state;
	/* count's longest companion name "<name>.datagram" must fit. */
	memset(name, 'n', sizeof(name));
	name[DFP_MODULE_NAME_SIZE - 9] = '\0';
	assert_int_equal(create(dfp_module_builtin("count"), name,
		DFP_LAYER_ALE_FLOW_ESTABLISHED_V4, NULL, 0, &inst, err, sizeof(err)),
		DFP_STATUS_INVALID_PARAMETER);
	assert_non_null(strstr(err, "is too long (at most 54 characters)"));
	name[DFP_MODULE_NAME_SIZE - 10] = '\0';
	assert_int_equal(create(dfp_module_builtin("count"), name,
		DFP_LAYER_ALE_FLOW_ESTABLISHED_V4, NULL, 0, &inst, err, sizeof(err)),
		DFP_STATUS_SUCCESS);
	assert_string_equal(inst.callouts[2].name + strlen(name), ".datagram");
	destroy(&inst);
	assert_int_equal(create(dfp_module_builtin("verdict"), "", DFP_LAYER_ALE_AUTH_CONNECT_V4,
		NULL, 0, &inst, err, sizeof(err)), DFP_STATUS_INVALID_PARAMETER);
	assert_non_null(strstr(err, "no callout name"));

	host.ctl = NULL;
	assert_int_equal(create(dfp_module_builtin("conn_limit"), "cl",
		DFP_LAYER_ALE_AUTH_CONNECT_V4, NULL, 0, &inst, err, sizeof(err)),
		DFP_STATUS_INVALID_PARAMETER);
	host.ctl = ctl;
	assert_string_equal(err, "conn_limit: the host offers no control plane "
		"(dfp_module_host.ctl)");
}

static void
test_count_instance_has_two_companions_of_its_family(void **state)
{
	struct dfp_module_instance inst;
	struct dfp_module_args a;
	struct dfp_guid key;
	char err[256];
	unsigned int i;

	(void)state;
	memset(&a, 0, sizeof(a));
	a.name = "c6";
	dfp_guid_generate(&a.key);
	a.layer_id = DFP_LAYER_ALE_FLOW_ESTABLISHED_V6;
	a.host = &host;
	assert_int_equal(dfp_module_builtin("count")->create(&a, &inst, err, sizeof(err)),
		DFP_STATUS_SUCCESS);
	assert_int_equal(inst.n_callouts, 3);
	assert_non_null(inst.describe);
	assert_non_null(inst.destroy);
	assert_int_equal(inst.callouts[0].layer_id, DFP_LAYER_ALE_FLOW_ESTABLISHED_V6);
	assert_int_equal(inst.callouts[1].layer_id, DFP_LAYER_STREAM_V6);
	assert_int_equal(inst.callouts[2].layer_id, DFP_LAYER_DATAGRAM_DATA_V6);
	assert_string_equal(inst.callouts[0].name, "c6");
	assert_string_equal(inst.callouts[1].name, "c6.stream");
	assert_string_equal(inst.callouts[2].name, "c6.datagram");
	for (i = 0; i < 3; i++) {
		const struct dfp_module_callout *co = &inst.callouts[i];

		dfp_module_companion_key(&a.key, i, &key);
		assert_true(dfp_guid_equal(&co->key, &key));
		assert_true(dfp_guid_equal(&co->desc.key, &key));
		assert_int_equal(co->add_filter, i != 0);
		assert_non_null(co->desc.classify);
		assert_non_null(co->desc.notify);
		assert_true(co->desc.ctx == inst.state);
		/* Companions: conditional on flow, with a flowDeleteFn, self-registering. */
		assert_int_equal(co->desc.flags, i != 0 ? DFP_CALLOUT_FLAG_CONDITIONAL_ON_FLOW : 0);
		assert_int_equal(co->desc.flow_delete != NULL, i != 0);
		assert_int_equal(co->register_fn != NULL, i != 0);
	}
	{
		char d[256];

		assert_true(inst.describe(inst.state, d, sizeof(d)) > 0);
		assert_string_equal(d, "flows 0 packets 0 bytes 0 live 0 pool_exhausted 0 "
			"assoc_failed 0");
	}
	/* register_fn serves the companions only. */
	{
		uint32_t id;

		assert_int_equal(inst.callouts[1].register_fn(inst.state, 0, &id),
			DFP_STATUS_INVALID_PARAMETER);
	}
	destroy(&inst);
}

/* ---- verdict ---- */

static void
test_verdict_is_declared_at_the_ale_auth_layers_only(void **state)
{
	static const struct dfp_module_param bad[] = {{"default", "allow"}};
	struct dfp_module_instance inst;
	char err[256];

	(void)state;
	create_fails("verdict", DFP_LAYER_ALE_FLOW_ESTABLISHED_V4, NULL, 0,
		DFP_STATUS_INVALID_PARAMETER, "verdict: layer ALE_FLOW_ESTABLISHED_V4: verdict is "
		"declared at ALE_AUTH_CONNECT_V4/V6 or ALE_AUTH_RECV_ACCEPT_V4/V6");
	create_fails("verdict", DFP_LAYER_INBOUND_TRANSPORT_V4, NULL, 0,
		DFP_STATUS_INVALID_PARAMETER, "INBOUND_TRANSPORT_V4");
	create_fails("verdict", DFP_LAYER_ALE_AUTH_CONNECT_V4, bad, 1,
		DFP_STATUS_INVALID_PARAMETER, "param 'default': 'allow' is not permit or block");
	assert_int_equal(create(dfp_module_builtin("verdict"), "v",
		DFP_LAYER_ALE_AUTH_RECV_ACCEPT_V6, NULL, 0, &inst, err, sizeof(err)),
		DFP_STATUS_SUCCESS);
	assert_int_equal(inst.n_callouts, 1);
	assert_int_equal(inst.callouts[0].layer_id, DFP_LAYER_ALE_AUTH_RECV_ACCEPT_V6);
	/* The pend timeout's action is the default: block unless told otherwise. */
	assert_int_equal(inst.callouts[0].desc.pend_default_action, DFP_ACTION_BLOCK);
	assert_null(inst.callouts[0].register_fn);
	assert_null(inst.callouts[0].desc.flow_delete);
	destroy(&inst);
}

static void
test_verdict_default_permit_is_its_pend_timeout_action(void **state)
{
	static const struct dfp_module_param p[] = {{"default", "permit"}, {"log", "yes"}};
	struct dfp_module_instance inst;
	char err[256], d[256];

	(void)state;
	assert_int_equal(create(dfp_module_builtin("verdict"), "v", DFP_LAYER_ALE_AUTH_CONNECT_V4,
		p, RTE_DIM(p), &inst, err, sizeof(err)), DFP_STATUS_SUCCESS);
	assert_int_equal(inst.callouts[0].desc.pend_default_action, DFP_ACTION_PERMIT);
	assert_true(inst.describe(inst.state, d, sizeof(d)) > 0);
	assert_string_equal(d, "pended 0 pend_failures 0 reauthorized 0 no_right 0 default permit");
	destroy(&inst);
}

/* ---- conn_limit ---- */

static void
test_conn_limit_needs_max_and_an_ale_auth_layer(void **state)
{
	static const struct dfp_module_param zero[] = {{"max", "0"}};
	static const struct dfp_module_param big[] = {{"max", "1000001"}};
	static const struct dfp_module_param tbl[] = {{"max", "5"}, {"table_size", "0"}};
	static const struct dfp_module_param ok[] = {{"max", "1000000"}, {"table_size", "100"}};
	static const struct dfp_module_param badveto[] = {{"max", "5"}, {"veto", "maybe"}};
	static const struct dfp_module_param veto[] = {{"max", "5"}, {"veto", "yes"}};
	struct dfp_module_instance inst;
	char err[256], d[256];

	(void)state;
	create_fails("conn_limit", DFP_LAYER_ALE_AUTH_CONNECT_V4, NULL, 0,
		DFP_STATUS_INVALID_PARAMETER, "param 'max': missing (1..1000000)");
	create_fails("conn_limit", DFP_LAYER_ALE_AUTH_CONNECT_V4, zero, 1,
		DFP_STATUS_INVALID_PARAMETER, "param 'max': 0 is out of range (1..1000000)");
	create_fails("conn_limit", DFP_LAYER_ALE_AUTH_CONNECT_V4, big, 1,
		DFP_STATUS_INVALID_PARAMETER, "param 'max': 1000001 is out of range");
	create_fails("conn_limit", DFP_LAYER_ALE_AUTH_CONNECT_V4, tbl, 2,
		DFP_STATUS_INVALID_PARAMETER, "param 'table_size': 0 is out of range");
	create_fails("conn_limit", DFP_LAYER_ALE_AUTH_CONNECT_V4, badveto, 2,
		DFP_STATUS_INVALID_PARAMETER, "param 'veto': 'maybe' is not a boolean (yes or no)");
	create_fails("conn_limit", DFP_LAYER_ALE_FLOW_ESTABLISHED_V4, ok, 2,
		DFP_STATUS_INVALID_PARAMETER, "conn_limit: layer ALE_FLOW_ESTABLISHED_V4: "
		"conn_limit is declared at ALE_AUTH_CONNECT_V4/V6 or ALE_AUTH_RECV_ACCEPT_V4/V6");
	assert_int_equal(create(dfp_module_builtin("conn_limit"), "cl",
		DFP_LAYER_ALE_AUTH_RECV_ACCEPT_V4, ok, 2, &inst, err, sizeof(err)),
		DFP_STATUS_SUCCESS);
	assert_int_equal(inst.n_callouts, 1);
	/* Counting with flow contexts: a flowDeleteFn, and the declared layer only. */
	assert_non_null(inst.callouts[0].desc.flow_delete);
	assert_int_equal(inst.callouts[0].desc.flags, 0);
	assert_false(inst.callouts[0].add_filter);
	assert_true(inst.describe(inst.state, d, sizeof(d)) > 0);
	assert_string_equal(d, "live 0 admitted 0 readmitted 0 blocked 0 vetoed 0 table_full 0 "
		"contended 0 assoc_failed 0 no_right 0 max 1000000 veto no");
	destroy(&inst);
	assert_int_equal(create(dfp_module_builtin("conn_limit"), "cl",
		DFP_LAYER_ALE_AUTH_CONNECT_V6, veto, 2, &inst, err, sizeof(err)),
		DFP_STATUS_SUCCESS);
	assert_true(inst.describe(inst.state, d, sizeof(d)) > 0);
	assert_string_equal(d, "live 0 admitted 0 readmitted 0 blocked 0 vetoed 0 table_full 0 "
		"contended 0 assoc_failed 0 no_right 0 max 5 veto yes");
	destroy(&inst);
}

/* ---- Plugins ---- */

static const char *
plugin_path(const char *file)
{
	static char buf[256];
	const char *dir = getenv("DFP_PLUGIN_DIR");

	snprintf(buf, sizeof(buf), "%s/%s", dir != NULL ? dir : ".", file);
	return buf;
}

static void
test_plugin_example_loads_and_creates_a_port_block_instance(void **state)
{
	static const struct dfp_module_param port[] = {{"port", "23"}};
	static const struct dfp_module_param bad[] = {{"port", "70000"}};
	static const struct dfp_module_param none[] = {{"ports", "23"}};
	const char *path = plugin_path("dfp_example_plugin.so");
	const struct dfp_module *m = NULL;
	struct dfp_module_instance inst;
	struct dfp_module_plugin *p;
	char err[256], d[128];

	(void)state;
	err[0] = '\0';
	if (dfp_module_plugin_load(path, &p, &m, err, sizeof(err)) != DFP_STATUS_SUCCESS)
		fail_msg("%s", err);
	assert_non_null(m);
	assert_string_equal(m->name, "port_block");
	assert_int_equal(m->abi_version, DFP_MODULE_ABI_VERSION);
	log_lines = 0;
	assert_int_equal(create(m, "no-telnet", DFP_LAYER_INBOUND_TRANSPORT_V4, port, 1, &inst, err,
		sizeof(err)), DFP_STATUS_SUCCESS);
	assert_int_equal(log_lines, 1);
	assert_string_equal(log_last, "port_block no-telnet: blocks remote port 23 at layer 12");
	assert_int_equal(inst.n_callouts, 1);
	assert_non_null(inst.callouts[0].register_fn);
	assert_true(inst.describe(inst.state, d, sizeof(d)) > 0);
	assert_string_equal(d, "port 23 blocked 0 permitted 0");
	inst.destroy(inst.state);
	assert_int_equal(create(m, "x", DFP_LAYER_INBOUND_TRANSPORT_V4, bad, 1, &inst, err,
		sizeof(err)), DFP_STATUS_INVALID_PARAMETER);
	assert_string_equal(err, "param 'port': '70000' is not a port (1..65535)");
	assert_int_equal(create(m, "x", DFP_LAYER_INBOUND_TRANSPORT_V4, none, 1, &inst, err,
		sizeof(err)), DFP_STATUS_INVALID_PARAMETER);
	assert_int_equal(create(m, "x", DFP_LAYER_STREAM_V4, port, 1, &inst, err, sizeof(err)),
		DFP_STATUS_INVALID_PARAMETER);
	assert_non_null(strstr(err, "layer 20"));
	dfp_module_plugin_unload(p);
	dfp_module_plugin_unload(NULL);
}

static void
test_plugin_with_another_abi_version_is_refused_with_revision_mismatch(void **state)
{
	const char *path = plugin_path("plugin_abi99.so");
	const struct dfp_module *m = NULL;
	struct dfp_module_plugin *p = NULL;
	char err[1024], want[1024];

	(void)state;
	assert_int_equal(dfp_module_plugin_load(path, &p, &m, err, sizeof(err)),
		DFP_STATUS_REVISION_MISMATCH);
	snprintf(want, sizeof(want), "%s: module ABI version 99, this dfp supports %u", path,
		DFP_MODULE_ABI_VERSION);
	assert_string_equal(err, want);
	assert_null(p);
	assert_null(m);
}

static void
test_plugin_without_the_descriptor_symbol_is_not_found(void **state)
{
	const char *path = plugin_path("plugin_nosym.so");
	struct dfp_module_plugin *p = NULL;
	char err[1024], want[1024];

	(void)state;
	assert_int_equal(dfp_module_plugin_load(path, &p, NULL, err, sizeof(err)),
		DFP_STATUS_OBJECT_NAME_NOT_FOUND);
	snprintf(want, sizeof(want), "%s: no symbol dfp_module_descriptor", path);
	assert_string_equal(err, want);
	assert_null(p);
}

static void
test_plugin_without_create_is_incomplete(void **state)
{
	const char *path = plugin_path("plugin_nocreate.so");
	struct dfp_module_plugin *p = NULL;
	char err[1024], want[1024];

	(void)state;
	assert_int_equal(dfp_module_plugin_load(path, &p, NULL, err, sizeof(err)),
		DFP_STATUS_INVALID_PARAMETER);
	snprintf(want, sizeof(want), "%s: module descriptor incomplete: no create()", path);
	assert_string_equal(err, want);
	assert_null(p);
}

static void
test_plugin_with_another_descriptor_size_is_refused_with_revision_mismatch(void **state)
{
	const char *path = plugin_path("plugin_badsize.so");
	struct dfp_module_plugin *p = NULL;
	char err[1024], want[1024];

	(void)state;
	assert_int_equal(dfp_module_plugin_load(path, &p, NULL, err, sizeof(err)),
		DFP_STATUS_REVISION_MISMATCH);
	snprintf(want, sizeof(want), "%s: module descriptor size %zu, this dfp expects %zu",
		path, sizeof(struct dfp_module) + 8, sizeof(struct dfp_module));
	assert_non_null(strstr(err, want));
	assert_null(p);
}

static void
test_plugin_that_cannot_be_opened_says_why(void **state)
{
	const char *path = plugin_path("no_such_plugin.so");
	struct dfp_module_plugin *p = NULL;
	char err[1024], want[1024];

	(void)state;
	assert_int_equal(dfp_module_plugin_load(path, &p, NULL, err, sizeof(err)),
		DFP_STATUS_OBJECT_NAME_NOT_FOUND);
	snprintf(want, sizeof(want), "%s: cannot open: ", path);
	assert_memory_equal(err, want, strlen(want));
	/* dlerror()'s text follows. */
	assert_non_null(strstr(err, "No such file"));
	assert_null(p);
	assert_int_equal(dfp_module_plugin_load("", &p, NULL, err, sizeof(err)),
		DFP_STATUS_INVALID_PARAMETER);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_builtins_are_count_verdict_and_conn_limit),
		cmocka_unit_test(test_companion_keys_are_deterministic_version_8_and_distinct),
		cmocka_unit_test(test_count_is_declared_at_flow_established_only),
		cmocka_unit_test(test_count_checks_its_params),
		cmocka_unit_test(test_builtins_need_a_name_that_fits_and_a_control_plane),
		cmocka_unit_test(test_count_instance_has_two_companions_of_its_family),
		cmocka_unit_test(test_verdict_is_declared_at_the_ale_auth_layers_only),
		cmocka_unit_test(test_verdict_default_permit_is_its_pend_timeout_action),
		cmocka_unit_test(test_conn_limit_needs_max_and_an_ale_auth_layer),
		cmocka_unit_test(test_plugin_example_loads_and_creates_a_port_block_instance),
		cmocka_unit_test(test_plugin_with_another_abi_version_is_refused_with_revision_mismatch),
		cmocka_unit_test(test_plugin_without_the_descriptor_symbol_is_not_found),
		cmocka_unit_test(test_plugin_without_create_is_incomplete),
		cmocka_unit_test(test_plugin_with_another_descriptor_size_is_refused_with_revision_mismatch),
		cmocka_unit_test(test_plugin_that_cannot_be_opened_says_why),
	};

	if (dfp_test_eal_init(NULL, 0) != 0)
		return 1;
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
