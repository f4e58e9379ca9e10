/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The built-in module registry, companion keys, and what every built-in
 * create() shares: argument checks, params, decisions.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dfp_engine.h"
#include "module_private.h"

DFP_LOG_REGISTER(module);

static const struct dfp_module *const builtins[] = {
	&mod_count,
	&mod_verdict,
	&mod_conn_limit,
};

const struct dfp_module *
dfp_module_builtin(const char *name)
{
	size_t i;

	if (name == NULL)
		return NULL;
	for (i = 0; i < sizeof(builtins) / sizeof(builtins[0]); i++)
		if (strcmp(builtins[i]->name, name) == 0)
			return builtins[i];
	return NULL;
}

void
dfp_module_builtin_foreach(void (*cb)(void *arg, const struct dfp_module *m), void *arg)
{
	size_t i;

	if (cb == NULL)
		return;
	for (i = 0; i < sizeof(builtins) / sizeof(builtins[0]); i++)
		cb(arg, builtins[i]);
}

/* ---- Companion keys ---- */

/* The splitmix64 finaliser: a bijection of 64-bit words with full avalanche. */
static uint64_t
mix64(uint64_t z)
{
	z ^= z >> 30;
	z *= UINT64_C(0xbf58476d1ce4e5b9);
	z ^= z >> 27;
	z *= UINT64_C(0x94d049bb133111eb);
	z ^= z >> 31;
	return z;
}

/* A GUID's 16 bytes in text order (Data1..3 are stored host-endian). */
static void
guid_bytes(const struct dfp_guid *g, uint8_t b[16])
{
	b[0] = (uint8_t)(g->data1 >> 24);
	b[1] = (uint8_t)(g->data1 >> 16);
	b[2] = (uint8_t)(g->data1 >> 8);
	b[3] = (uint8_t)g->data1;
	b[4] = (uint8_t)(g->data2 >> 8);
	b[5] = (uint8_t)g->data2;
	b[6] = (uint8_t)(g->data3 >> 8);
	b[7] = (uint8_t)g->data3;
	memcpy(b + 8, g->data4, 8);
}

static void
guid_from_bytes(const uint8_t b[16], struct dfp_guid *g)
{
	g->data1 = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
	g->data2 = (uint16_t)(b[4] << 8 | b[5]);
	g->data3 = (uint16_t)(b[6] << 8 | b[7]);
	memcpy(g->data4, b + 8, 8);
}

void
dfp_module_companion_key(const struct dfp_guid *key, unsigned int index, struct dfp_guid *out)
{
	uint64_t hi = 0, lo = 0, a, b, g;
	uint8_t bytes[16];
	unsigned int i;

	if (index == 0) {
		*out = *key;
		return;
	}
	guid_bytes(key, bytes);
	for (i = 0; i < 8; i++) {
		hi = hi << 8 | bytes[i];
		lo = lo << 8 | bytes[8 + i];
	}
	g = UINT64_C(0x9e3779b97f4a7c15) * index;
	a = mix64(hi ^ mix64(lo ^ g));
	b = mix64(lo ^ a ^ g);
	for (i = 0; i < 8; i++) {
		bytes[i] = (uint8_t)(a >> (56 - 8 * i));
		bytes[8 + i] = (uint8_t)(b >> (56 - 8 * i));
	}
	/* RFC 9562: version 8 (custom) and variant 10, never a random v4 key. */
	bytes[6] = (uint8_t)((bytes[6] & 0x0F) | 0x80);
	bytes[8] = (uint8_t)((bytes[8] & 0x3F) | 0x80);
	guid_from_bytes(bytes, out);
}

/* ---- Errors and params ---- */

int
mod_err(char *err, size_t err_len, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || err_len == 0)
		return -1;
	va_start(ap, fmt);
	vsnprintf(err, err_len, fmt, ap);
	va_end(ap);
	return -1;
}

int
mod_args_check(const char *module, const struct dfp_module_args *a,
		const char *const *known, const char *suffix, char *err, size_t err_len)
{
	unsigned int i, j, k;
	size_t n;

	if (a == NULL || a->name == NULL || a->name[0] == '\0')
		return mod_err(err, err_len, "%s: no callout name", module);
	n = strlen(a->name) + strlen(suffix);
	if (n >= DFP_MODULE_NAME_SIZE)
		return mod_err(err, err_len, "%s: callout name '%s' is too long (at most %zu characters)",
			module, a->name, DFP_MODULE_NAME_SIZE - 1 - strlen(suffix));
	if (a->host == NULL || a->host->ctl == NULL)
		return mod_err(err, err_len,
			"%s: the host offers no control plane (dfp_module_host.ctl)", module);
	if (a->n_params != 0 && a->params == NULL)
		return mod_err(err, err_len, "%s: params missing", module);
	for (i = 0; i < a->n_params; i++) {
		const struct dfp_module_param *p = &a->params[i];

		if (p->key == NULL || p->value == NULL)
			return mod_err(err, err_len, "%s: param %u has no key or value", module, i);
		for (k = 0; known[k] != NULL; k++)
			if (strcmp(known[k], p->key) == 0)
				break;
		if (known[k] == NULL) {
			char list[128];
			size_t len = 0;

			list[0] = '\0';
			for (k = 0; known[k] != NULL && len < sizeof(list); k++)
				len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%s",
					k ? ", " : "", known[k]);
			return mod_err(err, err_len, "param '%s': unknown (%s takes %s)", p->key,
				module, list);
		}
		for (j = 0; j < i; j++)
			if (strcmp(a->params[j].key, p->key) == 0)
				return mod_err(err, err_len, "param '%s': given twice", p->key);
	}
	return 0;
}

const char *
mod_param(const struct dfp_module_args *a, const char *key)
{
	unsigned int i;

	for (i = 0; i < a->n_params; i++)
		if (strcmp(a->params[i].key, key) == 0)
			return a->params[i].value;
	return NULL;
}

int
mod_param_u64(const struct dfp_module_args *a, const char *key, uint64_t lo, uint64_t hi,
		uint64_t def, bool mandatory, uint64_t *out, char *err, size_t err_len)
{
	const char *v = mod_param(a, key);
	unsigned long long x;
	char *end;

	if (v == NULL) {
		if (mandatory)
			return mod_err(err, err_len, "param '%s': missing (%" PRIu64 "..%" PRIu64 ")",
				key, lo, hi);
		*out = def;
		return 0;
	}
	/* strtoull accepts a sign and spaces: insist on digits only. */
	if (v[0] < '0' || v[0] > '9')
		return mod_err(err, err_len, "param '%s': not a number: '%s'", key, v);
	errno = 0;
	x = strtoull(v, &end, 0);
	if (*end != '\0')
		return mod_err(err, err_len, "param '%s': not a number: '%s'", key, v);
	if (errno == ERANGE || x < lo || x > hi)
		return mod_err(err, err_len, "param '%s': %s is out of range (%" PRIu64 "..%" PRIu64 ")",
			key, v, lo, hi);
	*out = x;
	return 0;
}

int
mod_param_bool(const struct dfp_module_args *a, const char *key, bool def, bool *out,
		char *err, size_t err_len)
{
	static const char *const yes[] = {"yes", "true", "on", "1"};
	static const char *const no[] = {"no", "false", "off", "0"};
	const char *v = mod_param(a, key);
	size_t i;

	if (v == NULL) {
		*out = def;
		return 0;
	}
	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(v, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcasecmp(v, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return mod_err(err, err_len, "param '%s': '%s' is not a boolean (yes or no)", key, v);
}

int
mod_param_action(const struct dfp_module_args *a, const char *key, uint32_t def, uint32_t *out,
		char *err, size_t err_len)
{
	const char *v = mod_param(a, key);

	if (v == NULL)
		*out = def;
	else if (strcasecmp(v, "permit") == 0)
		*out = DFP_ACTION_PERMIT;
	else if (strcasecmp(v, "block") == 0)
		*out = DFP_ACTION_BLOCK;
	else
		return mod_err(err, err_len, "param '%s': '%s' is not permit or block", key, v);
	return 0;
}

struct dfp_callout_desc *
mod_instance_single(struct dfp_module_instance *out, const struct dfp_module_args *a,
		void *state, const char *desc_name,
		int (*describe)(void *state, char *buf, size_t len), void (*destroy)(void *state))
{
	struct dfp_module_callout *co = &out->callouts[0];

	memset(out, 0, sizeof(*out));
	out->state = state;
	out->n_callouts = 1;
	out->describe = describe;
	out->destroy = destroy;
	co->key = a->key;
	co->layer_id = a->layer_id;
	snprintf(co->name, sizeof(co->name), "%s", a->name);
	co->desc.key = a->key;
	co->desc.ctx = state;
	co->desc.name = desc_name;
	return &co->desc;
}

void
mod_decide(struct dfp_classify_out *out, const struct dfp_engine_filter_rt *filter,
		uint32_t action)
{
	out->action_type = action;
	if (action == DFP_ACTION_BLOCK ||
			(filter->flags & DFP_RT_FILTER_FLAG_CLEAR_ACTION_RIGHT))
		out->rights &= ~DFP_RIGHT_ACTION_WRITE;
}
