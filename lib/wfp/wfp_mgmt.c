/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fwpm* objects: FWPM_SUBLAYER0, FWPM_CALLOUT0 and FWPM_FILTER0 converted to
 * the engine's specs. WFP checks value types strictly (no conversion); the
 * checks that need WFP's types live here, the rest (match types against
 * fields, bounds, ranges, references) is the engine's.
 */
#include <string.h>

#include <rte_common.h>

#include "wfp_private.h"

/* Common entry checks of the Fwpm calls: bound, and a handle. */
static dfp_status_t
mgmt_check(HANDLE engineHandle)
{
	if (wfp_ctl() == NULL)
		return STATUS_INVALID_DEVICE_STATE;
	if (engineHandle == NULL)
		return STATUS_INVALID_PARAMETER;
	return STATUS_SUCCESS;
}

/* ---- Values ---- */

/* The FWP_DATA_TYPE a field's plain values have at a layer family. */
static FWP_DATA_TYPE
field_data_type(enum dfp_field field, unsigned int family)
{
	switch (dfp_engine_field_type(field)) {
	case DFP_FIELD_TYPE_U8:
		return FWP_UINT8;
	case DFP_FIELD_TYPE_U16:
		return FWP_UINT16;
	case DFP_FIELD_TYPE_U32:
		return FWP_UINT32;
	case DFP_FIELD_TYPE_ADDR:
		return family == 6 ? FWP_BYTE_ARRAY16_TYPE : FWP_UINT32;
	case DFP_FIELD_TYPE_MAC:
		return FWP_BYTE_ARRAY6_TYPE;
	}
	return FWP_EMPTY;
}

/* Big-endian bytes as a 128-bit number (IPv6 addresses, MACs). */
static struct dfp_u128
bytes_to_u128(const UINT8 *b, unsigned int n)
{
	struct dfp_u128 r = {0, 0};
	unsigned int i;

	for (i = 0; i < n; i++) {
		r.hi = (r.hi << 8) | (r.lo >> 56);
		r.lo = (r.lo << 8) | b[i];
	}
	return r;
}

/* A plain value of the field's exact type, widened. */
static dfp_status_t
value_to_u128(const FWP_VALUE0 *v, enum dfp_field field, unsigned int family,
		struct dfp_u128 *out)
{
	out->hi = 0;
	out->lo = 0;
	if (v->type != field_data_type(field, family))
		return STATUS_FWP_TYPE_MISMATCH;
	switch (v->type) {
	case FWP_UINT8:
		out->lo = v->uint8;
		break;
	case FWP_UINT16:
		out->lo = v->uint16;
		break;
	case FWP_UINT32:
		out->lo = v->uint32;
		break;
	case FWP_BYTE_ARRAY16_TYPE:
		if (v->byteArray16 == NULL)
			return STATUS_FWP_NULL_POINTER;
		*out = bytes_to_u128(v->byteArray16->byteArray16, 16);
		break;
	case FWP_BYTE_ARRAY6_TYPE:
		if (v->byteArray6 == NULL)
			return STATUS_FWP_NULL_POINTER;
		*out = bytes_to_u128(v->byteArray6->byteArray6, 6);
		break;
	default:
		return STATUS_FWP_TYPE_MISMATCH;
	}
	return STATUS_SUCCESS;
}

/* The plain-value view of a condition operand (scalar types only). */
static FWP_VALUE0
cond_plain_value(const FWP_CONDITION_VALUE0 *cv)
{
	FWP_VALUE0 v;

	memset(&v, 0, sizeof(v));
	v.type = cv->type;
	switch (cv->type) {
	case FWP_UINT8:
		v.uint8 = cv->uint8;
		break;
	case FWP_UINT16:
		v.uint16 = cv->uint16;
		break;
	case FWP_UINT32:
		v.uint32 = cv->uint32;
		break;
	case FWP_BYTE_ARRAY16_TYPE:
		v.byteArray16 = cv->byteArray16;
		break;
	case FWP_BYTE_ARRAY6_TYPE:
		v.byteArray6 = cv->byteArray6;
		break;
	default:
		/* Every other type fits no dfp field: value_to_u128() rejects it. */
		break;
	}
	return v;
}

/* Prefix length of a contiguous host-order v4 mask, or -1. */
static int
v4_mask_prefix(uint32_t mask)
{
	uint32_t host = ~mask;

	/* Contiguous means the host part is 2^k - 1. */
	if ((host & (host + 1)) != 0)
		return -1;
	return __builtin_popcount(mask);
}

static dfp_status_t
cond_convert(const FWPM_FILTER_CONDITION0 *fc, uint16_t layer_id, struct dfp_engine_cond *c)
{
	unsigned int family = dfp_engine_layer_family(layer_id);
	const FWP_CONDITION_VALUE0 *cv = &fc->conditionValue;
	dfp_status_t st;
	bool is_addr;
	FWP_VALUE0 v;
	int field;
	int len;

	memset(c, 0, sizeof(*c));
	field = wfp_field_from_key(&fc->fieldKey);
	if (field < 0)
		return STATUS_FWP_CONDITION_NOT_FOUND;
	c->field = (uint16_t)field;
	c->match = (uint16_t)fc->matchType;
	is_addr = dfp_engine_field_type(field) == DFP_FIELD_TYPE_ADDR;

	switch (cv->type) {
	case FWP_V4_ADDR_MASK:
		if (!is_addr || family != 4)
			return STATUS_FWP_TYPE_MISMATCH;
		if (cv->v4AddrMask == NULL)
			return STATUS_FWP_NULL_POINTER;
		len = v4_mask_prefix(cv->v4AddrMask->mask);
		if (len < 0)
			return STATUS_FWP_INVALID_NET_MASK;
		c->has_prefix = 1;
		c->prefix_len = (uint8_t)len;
		c->value.lo = cv->v4AddrMask->addr & cv->v4AddrMask->mask;
		break;
	case FWP_V6_ADDR_MASK:
		if (!is_addr || family != 6)
			return STATUS_FWP_TYPE_MISMATCH;
		if (cv->v6AddrMask == NULL)
			return STATUS_FWP_NULL_POINTER;
		if (cv->v6AddrMask->prefixLength > 128)
			return STATUS_FWP_INVALID_NET_MASK;
		c->has_prefix = 1;
		c->prefix_len = cv->v6AddrMask->prefixLength;
		c->value = bytes_to_u128(cv->v6AddrMask->addr, 16);
		break;
	case FWP_RANGE_TYPE:
		if (fc->matchType != FWP_MATCH_RANGE)
			return STATUS_FWP_MATCH_TYPE_MISMATCH;
		if (cv->rangeValue == NULL)
			return STATUS_FWP_NULL_POINTER;
		st = value_to_u128(&cv->rangeValue->valueLow, field, family, &c->value);
		if (st != STATUS_SUCCESS)
			return st;
		st = value_to_u128(&cv->rangeValue->valueHigh, field, family, &c->high);
		if (st != STATUS_SUCCESS)
			return st;
		break;
	default:
		/* FWP_MATCH_RANGE takes an FWP_RANGE_TYPE operand only. */
		if (fc->matchType == FWP_MATCH_RANGE)
			return STATUS_FWP_MATCH_TYPE_MISMATCH;
		v = cond_plain_value(cv);
		return value_to_u128(&v, field, family, &c->value);
	}
	return STATUS_SUCCESS;
}

/* FWPM_FILTER0.weight -> the engine's weight kind. */
static dfp_status_t
weight_convert(const FWP_VALUE0 *w, struct dfp_engine_filter_spec *spec)
{
	switch (w->type) {
	case FWP_EMPTY:
		spec->weight_type = DFP_ENGINE_WEIGHT_AUTO;
		spec->weight = 0;
		return STATUS_SUCCESS;
	case FWP_UINT8:
		if (w->uint8 > FWPM_WEIGHT_RANGE_MAX)
			return STATUS_FWP_INVALID_WEIGHT;
		spec->weight_type = DFP_ENGINE_WEIGHT_RANGE;
		spec->weight = w->uint8;
		return STATUS_SUCCESS;
	case FWP_UINT64:
		if (w->uint64 == NULL)
			return STATUS_FWP_NULL_POINTER;
		spec->weight_type = DFP_ENGINE_WEIGHT_EXPLICIT;
		spec->weight = *w->uint64;
		return STATUS_SUCCESS;
	default:
		return STATUS_FWP_INVALID_WEIGHT;
	}
}

/* ---- Sublayers ---- */

NTSTATUS
FwpmSubLayerAdd0(HANDLE engineHandle, const FWPM_SUBLAYER0 *subLayer, PSECURITY_DESCRIPTOR sd)
{
	struct dfp_engine_sublayer_spec spec;
	char name[DFP_ENGINE_NAME_SIZE];
	dfp_status_t st;
	bool bad;

	RTE_SET_USED(sd);
	st = mgmt_check(engineHandle);
	if (st != STATUS_SUCCESS)
		return st;
	if (subLayer == NULL)
		return STATUS_FWP_NULL_POINTER;
	if (subLayer->providerKey != NULL)
		return STATUS_FWP_PROVIDER_NOT_FOUND;
	memset(&spec, 0, sizeof(spec));
	spec.key = subLayer->subLayerKey;
	spec.name = wfp_name_utf8(subLayer->displayData.name, name, sizeof(name), &bad);
	if (bad)
		return STATUS_INVALID_PARAMETER;
	spec.weight = subLayer->weight;
	spec.flags = subLayer->flags;
	return dfp_ctl_sublayer_add(wfp_session(engineHandle), &spec, NULL);
}

NTSTATUS
FwpmSubLayerDeleteByKey0(HANDLE engineHandle, const GUID *key)
{
	dfp_status_t st = mgmt_check(engineHandle);

	if (st != STATUS_SUCCESS)
		return st;
	if (key == NULL)
		return STATUS_FWP_NULL_POINTER;
	return dfp_ctl_sublayer_delete(wfp_session(engineHandle), key);
}

/* ---- Callout objects ---- */

NTSTATUS
FwpmCalloutAdd0(HANDLE engineHandle, const FWPM_CALLOUT0 *callout, PSECURITY_DESCRIPTOR sd,
		UINT32 *id)
{
	struct dfp_engine_callout_spec spec;
	char name[DFP_ENGINE_NAME_SIZE];
	dfp_status_t st;
	int layer;
	bool bad;

	RTE_SET_USED(sd);
	st = mgmt_check(engineHandle);
	if (st != STATUS_SUCCESS)
		return st;
	if (callout == NULL)
		return STATUS_FWP_NULL_POINTER;
	if (callout->providerKey != NULL)
		return STATUS_FWP_PROVIDER_NOT_FOUND;
	layer = wfp_layer_from_key(&callout->applicableLayer);
	if (layer < 0)
		return STATUS_FWP_LAYER_NOT_FOUND;
	memset(&spec, 0, sizeof(spec));
	spec.key = callout->calloutKey;
	spec.name = wfp_name_utf8(callout->displayData.name, name, sizeof(name), &bad);
	if (bad)
		return STATUS_INVALID_PARAMETER;
	spec.layer_id = (uint16_t)layer;
	spec.flags = callout->flags;
	return dfp_ctl_callout_add(wfp_session(engineHandle), &spec, id);
}

NTSTATUS
FwpmCalloutDeleteById0(HANDLE engineHandle, UINT32 id)
{
	dfp_status_t st = mgmt_check(engineHandle);

	if (st != STATUS_SUCCESS)
		return st;
	return dfp_ctl_callout_delete_by_id(wfp_session(engineHandle), id);
}

NTSTATUS
FwpmCalloutDeleteByKey0(HANDLE engineHandle, const GUID *key)
{
	dfp_status_t st = mgmt_check(engineHandle);

	if (st != STATUS_SUCCESS)
		return st;
	if (key == NULL)
		return STATUS_FWP_NULL_POINTER;
	return dfp_ctl_callout_delete_by_key(wfp_session(engineHandle), key);
}

/* ---- Filters ---- */

NTSTATUS
FwpmFilterAdd0(HANDLE engineHandle, const FWPM_FILTER0 *filter, PSECURITY_DESCRIPTOR sd,
		UINT64 *id)
{
	struct dfp_engine_cond conds[DFP_ENGINE_MAX_CONDS];
	struct dfp_engine_filter_spec spec;
	char name[DFP_ENGINE_NAME_SIZE];
	dfp_status_t st;
	UINT32 i;
	int layer;
	bool bad;

	RTE_SET_USED(sd);
	st = mgmt_check(engineHandle);
	if (st != STATUS_SUCCESS)
		return st;
	if (filter == NULL)
		return STATUS_FWP_NULL_POINTER;
	if (filter->providerKey != NULL)
		return STATUS_FWP_PROVIDER_NOT_FOUND;
	layer = wfp_layer_from_key(&filter->layerKey);
	if (layer < 0)
		return STATUS_FWP_LAYER_NOT_FOUND;

	memset(&spec, 0, sizeof(spec));
	spec.key = filter->filterKey;
	spec.name = wfp_name_utf8(filter->displayData.name, name, sizeof(name), &bad);
	if (bad)
		return STATUS_INVALID_PARAMETER;
	spec.layer_id = (uint16_t)layer;
	spec.sublayer_key = filter->subLayerKey;
	st = weight_convert(&filter->weight, &spec);
	if (st != STATUS_SUCCESS)
		return st;
	spec.flags = filter->flags;
	spec.action = filter->action.type;
	if (filter->action.type & FWP_ACTION_FLAG_CALLOUT)
		spec.callout_key = filter->action.calloutKey;
	/* With HAS_PROVIDER_CONTEXT the union holds a key; the engine rejects that flag. */
	spec.raw_context = filter->rawContext;

	if (filter->numFilterConditions > DFP_ENGINE_MAX_CONDS)
		return STATUS_FWP_OUT_OF_BOUNDS;
	if (filter->numFilterConditions > 0 && filter->filterCondition == NULL)
		return STATUS_FWP_NULL_POINTER;
	for (i = 0; i < filter->numFilterConditions; i++) {
		st = cond_convert(&filter->filterCondition[i], spec.layer_id, &conds[i]);
		if (st != STATUS_SUCCESS)
			return st;
	}
	spec.n_conds = filter->numFilterConditions;
	spec.conds = spec.n_conds > 0 ? conds : NULL;
	return dfp_ctl_filter_add(wfp_session(engineHandle), &spec, id);
}

NTSTATUS
FwpmFilterDeleteById0(HANDLE engineHandle, UINT64 id)
{
	dfp_status_t st = mgmt_check(engineHandle);

	if (st != STATUS_SUCCESS)
		return st;
	return dfp_ctl_filter_delete_by_id(wfp_session(engineHandle), id);
}

NTSTATUS
FwpmFilterDeleteByKey0(HANDLE engineHandle, const GUID *key)
{
	dfp_status_t st = mgmt_check(engineHandle);

	if (st != STATUS_SUCCESS)
		return st;
	if (key == NULL)
		return STATUS_FWP_NULL_POINTER;
	return dfp_ctl_filter_delete_by_key(wfp_session(engineHandle), key);
}
