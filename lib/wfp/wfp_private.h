/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * WFP compatibility layer internals shared by wfp.c (binding, sessions,
 * transactions, flow contexts, classify handles), wfp_mgmt.c (FWPM_*
 * conversions and Fwpm* objects), wfp_callout.c (registrations and the
 * classify/notify/flow-delete adapters) and wfp_guids.c (constants and
 * key lookups). Not for other modules.
 */
#ifndef WFP_PRIVATE_H
#define WFP_PRIVATE_H

#include <stdint.h>

#include "dfp_log.h"
#include "dfp_ctl.h"
#include "dfp_wfp.h"

DFP_LOG_DECLARE(wfp);

/*
 * The bound control plane, or NULL. Acquire: pairs with dfp_wfp_bind()'s
 * release, so the field tables it builds are visible to any thread that
 * sees the pointer. Any thread.
 */
struct dfp_ctl *wfp_ctl(void);

/* The session behind an engine handle (NULL stays NULL). */
static inline struct dfp_ctl_session *
wfp_session(HANDLE engineHandle)
{
	return (struct dfp_ctl_session *)engineHandle;
}

/* Layer id of an FWPM_LAYER_* key, or -1 if dfp does not implement it. */
int wfp_layer_from_key(const GUID *key);

/* Engine field of an FWPM_CONDITION_* (or DFP_CONDITION_*) key, or -1. */
int wfp_field_from_key(const GUID *key);

/*
 * What the classify adapter fills at one layer (wfp_fields.c): the engine
 * fields WFP has there, each with its FWPS_FIELDS_* index. Written by
 * wfp_fields_init() before dfp_wfp_bind() publishes the control plane,
 * read-only afterwards.
 */
struct wfp_layer_slots {
	uint8_t v6;           /* IPv6 layer: addresses are FWP_BYTE_ARRAY16_TYPE. */
	uint8_t n;            /* Entries in slot[]. */
	uint8_t value_count;  /* FWPS_INCOMING_VALUES0.valueCount (the layer's _MAX). */
	struct {
		uint8_t field;  /* enum dfp_field. */
		uint8_t index;  /* FWPS_FIELDS_* index. */
	} slot[DFP_FIELD_COUNT];
};

/* Indexed by layer id; zero (no slots, no values) for layers dfp lacks. */
extern struct wfp_layer_slots wfp_layer_slots[DFP_LAYER_ID_MAX];

/* Build wfp_layer_slots; idempotent. Control thread, before binding. */
void wfp_fields_init(void);

/*
 * Convert a display name to UTF-8 into buf (size bytes, always
 * NUL-terminated, cut at a character boundary). name NULL gives NULL.
 * Returns buf, NULL for a NULL name, or sets *bad for an invalid code point.
 */
const char *wfp_name_utf8(const wchar_t *name, char *buf, size_t size, bool *bad);

#endif /* WFP_PRIVATE_H */
