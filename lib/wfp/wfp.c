/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Binding to the control plane, engine sessions and transactions, flow
 * contexts and classify handles under their WFP names.
 */
#include <string.h>

#include <rte_common.h>
#include <rte_pause.h>

#include "wfp_private.h"

/* Attempts at a full completion ring before the pend is left to time out. */
#define COMPLETE_RETRIES 1024

DFP_LOG_REGISTER(wfp);

static struct dfp_ctl *bound_ctl;

struct dfp_ctl *
wfp_ctl(void)
{
	return __atomic_load_n(&bound_ctl, __ATOMIC_ACQUIRE);
}

void
dfp_wfp_bind(struct dfp_ctl *ctl)
{
	if (ctl != NULL)
		wfp_fields_init();
	/* Release: the field tables are complete before any thread sees ctl. */
	__atomic_store_n(&bound_ctl, ctl, __ATOMIC_RELEASE);
}

/* ---- Names ---- */

/* Bytes of the UTF-8 encoding of c, or 0 if c is not a Unicode scalar value. */
static size_t
utf8_encode(uint32_t c, char out[4])
{
	if (c < 0x80) {
		out[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		out[0] = (char)(0xC0 | (c >> 6));
		out[1] = (char)(0x80 | (c & 0x3F));
		return 2;
	}
	if (c >= 0xD800 && c <= 0xDFFF)
		return 0;
	if (c < 0x10000) {
		out[0] = (char)(0xE0 | (c >> 12));
		out[1] = (char)(0x80 | ((c >> 6) & 0x3F));
		out[2] = (char)(0x80 | (c & 0x3F));
		return 3;
	}
	if (c <= 0x10FFFF) {
		out[0] = (char)(0xF0 | (c >> 18));
		out[1] = (char)(0x80 | ((c >> 12) & 0x3F));
		out[2] = (char)(0x80 | ((c >> 6) & 0x3F));
		out[3] = (char)(0x80 | (c & 0x3F));
		return 4;
	}
	return 0;
}

/*
 * wchar_t is UTF-32 on Linux. Encoded by hand rather than with wcstombs(),
 * which follows LC_CTYPE and fails on anything but ASCII in the C locale.
 */
const char *
wfp_name_utf8(const wchar_t *name, char *buf, size_t size, bool *bad)
{
	size_t len = 0;
	char enc[4];
	size_t n;

	*bad = false;
	if (name == NULL)
		return NULL;
	for (; *name != L'\0'; name++) {
		n = utf8_encode((uint32_t)*name, enc);
		if (n == 0) {
			*bad = true;
			return NULL;
		}
		/* Cut at a character boundary rather than mid-sequence. */
		if (len + n >= size)
			break;
		memcpy(buf + len, enc, n);
		len += n;
	}
	buf[len] = '\0';
	return buf;
}

/* ---- Sessions and transactions ---- */

NTSTATUS
FwpmEngineOpen0(const wchar_t *serverName, UINT32 authnService, void *authIdentity,
		const FWPM_SESSION0 *session, HANDLE *engineHandle)
{
	struct dfp_ctl *ctl = wfp_ctl();
	struct dfp_ctl_session *s;
	dfp_status_t st;

	RTE_SET_USED(authIdentity);
	if (ctl == NULL)
		return STATUS_INVALID_DEVICE_STATE;
	if (serverName != NULL || engineHandle == NULL ||
			(authnService != RPC_C_AUTHN_WINNT && authnService != RPC_C_AUTHN_DEFAULT))
		return STATUS_INVALID_PARAMETER;
	st = dfp_ctl_session_open(ctl, session != NULL ? session->flags : 0, &s);
	if (st != DFP_STATUS_SUCCESS)
		return st;
	if (session != NULL && session->txnWaitTimeoutInMSec != 0)
		dfp_ctl_session_set_txn_wait(s, session->txnWaitTimeoutInMSec);
	*engineHandle = s;
	return STATUS_SUCCESS;
}

NTSTATUS
FwpmEngineClose0(HANDLE engineHandle)
{
	if (wfp_ctl() == NULL)
		return STATUS_INVALID_DEVICE_STATE;
	if (engineHandle == NULL)
		return STATUS_INVALID_PARAMETER;
	return dfp_ctl_session_close(wfp_session(engineHandle));
}

NTSTATUS
FwpmTransactionBegin0(HANDLE engineHandle, UINT32 flags)
{
	if (wfp_ctl() == NULL)
		return STATUS_INVALID_DEVICE_STATE;
	if (engineHandle == NULL)
		return STATUS_INVALID_PARAMETER;
	/* FWPM_TXN_READ_ONLY is DFP_CTL_TXN_READ_ONLY. */
	return dfp_ctl_txn_begin(wfp_session(engineHandle), flags);
}

NTSTATUS
FwpmTransactionCommit0(HANDLE engineHandle)
{
	if (wfp_ctl() == NULL)
		return STATUS_INVALID_DEVICE_STATE;
	if (engineHandle == NULL)
		return STATUS_INVALID_PARAMETER;
	return dfp_ctl_txn_commit(wfp_session(engineHandle));
}

NTSTATUS
FwpmTransactionAbort0(HANDLE engineHandle)
{
	if (wfp_ctl() == NULL)
		return STATUS_INVALID_DEVICE_STATE;
	if (engineHandle == NULL)
		return STATUS_INVALID_PARAMETER;
	return dfp_ctl_txn_abort(wfp_session(engineHandle));
}

_Static_assert(FWPM_SESSION_FLAG_DYNAMIC == DFP_CTL_SESSION_FLAG_DYNAMIC, "session flag");
_Static_assert(FWPM_TXN_READ_ONLY == DFP_CTL_TXN_READ_ONLY, "transaction flag");

/* ---- Flow contexts (DISPATCH) ---- */

NTSTATUS
FwpsFlowAssociateContext0(UINT64 flowId, UINT16 layerId, UINT32 calloutId, UINT64 flowContext)
{
	struct dfp_ctl *ctl = wfp_ctl();

	if (ctl == NULL)
		return STATUS_INVALID_DEVICE_STATE;
	return dfp_callout_flow_associate(dfp_ctl_callouts(ctl), flowId, layerId, calloutId,
		flowContext);
}

NTSTATUS
FwpsFlowRemoveContext0(UINT64 flowId, UINT16 layerId, UINT32 calloutId)
{
	struct dfp_ctl *ctl = wfp_ctl();

	if (ctl == NULL)
		return STATUS_INVALID_DEVICE_STATE;
	return dfp_callout_flow_remove(dfp_ctl_callouts(ctl), flowId, layerId, calloutId);
}

NTSTATUS
FwpsFlowAbort0(UINT64 flowId)
{
	struct dfp_ctl *ctl = wfp_ctl();

	if (ctl == NULL)
		return STATUS_INVALID_DEVICE_STATE;
	return dfp_flow_abort(dfp_ctl_flows(ctl), flowId);
}

/* ---- Classify handles (DISPATCH) ---- */

/* The two structures share one layout (asserted in dfp_wfp.h): copy, never alias. */
static void
out_to_dfp(struct dfp_classify_out *d, const FWPS_CLASSIFY_OUT0 *w)
{
	memcpy(d, w, sizeof(*d));
}

static void
out_to_wfp(FWPS_CLASSIFY_OUT0 *w, const struct dfp_classify_out *d)
{
	memcpy(w, d, sizeof(*w));
}

NTSTATUS
FwpsAcquireClassifyHandle0(void *classifyContext, UINT32 flags, UINT64 *classifyHandle)
{
	struct dfp_ctl *ctl = wfp_ctl();

	if (ctl == NULL)
		return STATUS_INVALID_DEVICE_STATE;
	if (flags != 0)
		return STATUS_INVALID_PARAMETER;
	return dfp_callout_handle_acquire(dfp_ctl_callouts(ctl), classifyContext, classifyHandle);
}

NTSTATUS
FwpsPendClassify0(UINT64 classifyHandle, UINT64 filterId, UINT32 flags,
		FWPS_CLASSIFY_OUT0 *classifyOut)
{
	struct dfp_ctl *ctl = wfp_ctl();
	struct dfp_classify_out out;
	dfp_status_t st;

	if (ctl == NULL)
		return STATUS_INVALID_DEVICE_STATE;
	if (flags != 0 || classifyOut == NULL)
		return STATUS_INVALID_PARAMETER;
	out_to_dfp(&out, classifyOut);
	st = dfp_callout_handle_pend(dfp_ctl_callouts(ctl), classifyHandle, filterId, &out);
	if (st == DFP_STATUS_SUCCESS)
		out_to_wfp(classifyOut, &out);
	return st;
}

void
FwpsCompleteClassify0(UINT64 classifyHandle, UINT32 flags, const FWPS_CLASSIFY_OUT0 *classifyOut)
{
	struct dfp_ctl *ctl = wfp_ctl();
	struct dfp_classify_out out;
	unsigned int i;
	dfp_status_t st;

	RTE_SET_USED(flags);
	if (ctl == NULL)
		return;
	if (classifyOut != NULL)
		out_to_dfp(&out, classifyOut);
	/*
	 * WFP's call cannot fail. A stale handle is counted by the runtime; a
	 * full ring is retried a bounded number of times (the owning worker
	 * drains it), after which the pend times out with the default action.
	 */
	for (i = 0; i < COMPLETE_RETRIES; i++) {
		st = dfp_callout_handle_complete(dfp_ctl_callouts(ctl), classifyHandle,
			classifyOut != NULL ? &out : NULL);
		if (st != DFP_STATUS_INSUFFICIENT_RESOURCES)
			break;
		rte_pause();
	}
}

void
FwpsReleaseClassifyHandle0(UINT64 classifyHandle)
{
	struct dfp_ctl *ctl = wfp_ctl();

	if (ctl == NULL)
		return;
	(void)dfp_callout_handle_release(dfp_ctl_callouts(ctl), classifyHandle);
}
