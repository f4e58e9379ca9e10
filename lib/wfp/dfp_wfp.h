/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The WFP compatibility layer: Windows Filtering Platform names, types and
 * signatures, implemented on dfp's native API (lib/ctl, lib/callout,
 * lib/flow, lib/engine), so that the logic of an existing callout driver or
 * management tool ports with few edits (DESIGN §6).
 *
 * Model
 * -----
 * Everything here is a thin adapter. Fwpm* management calls convert their
 * FWPM_* structures into the engine's specs and call dfp_ctl_*; an engine
 * handle is a struct dfp_ctl_session *. FwpsCalloutRegister0..3 wrap the
 * driver's classifyFn, notifyFn and flowDeleteFn in a struct
 * dfp_callout_desc whose native callbacks build WFP's views on the calling
 * thread's stack:
 *
 * - FWPS_INCOMING_VALUES0: one FWP_VALUE0 per FWPS_FIELDS_<layer> index,
 *   valueCount = the layer's FWPS_FIELD_..._MAX. The fields dfp offers are
 *   filled with WFP's types (IPv4 addresses FWP_UINT32 in host order, IPv6
 *   addresses FWP_BYTE_ARRAY16_TYPE pointing into dfp's values, ports
 *   FWP_UINT16, protocol and address type FWP_UINT8, flags, direction,
 *   interface index and re-authorisation reason FWP_UINT32, MAC addresses
 *   FWP_BYTE_ARRAY6_TYPE, VLAN id and EtherType FWP_UINT16); every other
 *   index is FWP_EMPTY. dfp's extension fields (DFP_TCP_FLAGS, DFP_DSCP, and
 *   fields WFP lacks at a layer) are not in the array.
 * - FWPS_INCOMING_METADATA_VALUES0 from struct dfp_callout_meta.
 * - FWPS_FILTER0..3 from struct dfp_engine_filter_rt.
 * - classifyContext is dfp's struct dfp_callout_pkt, so
 *   FwpsAcquireClassifyHandle0() works from classifyFn1..3.
 *
 * The Fwps/Fwpm functions need the process's control plane: the appliance
 * calls dfp_wfp_bind() once at start-up. Until then (and after
 * dfp_wfp_bind(NULL)) every call returns STATUS_INVALID_DEVICE_STATE.
 *
 * Calling context (spec §7)
 * -------------------------
 * What WFP marks PASSIVE_LEVEL (registration, every Fwpm* call) runs on
 * control threads only, may block, and returns STATUS_NOT_SUPPORTED when
 * called from a worker lcore or from inside a callout callback. What WFP
 * marks <= DISPATCH_LEVEL (flow contexts, classify handles) may be called
 * from any thread, including inside classifyFn, and never blocks. classifyFn
 * runs on the worker that classifies the packet and must not block;
 * notifyFn runs on the control thread that adds or deletes the filter;
 * flowDeleteFn runs on whichever thread ends the association.
 *
 * Memory
 * ------
 * Nothing is allocated on the classify path: the per-call views live on the
 * calling thread's stack (bounded by the largest layer's field count,
 * DFP_WFP_MAX_INCOMING_VALUES) and point into dfp's own per-packet data;
 * they are valid only during the callback. Registrations keep their adapter
 * state from FwpsCalloutRegisterN() until a successful unregistration.
 *
 * Deliberately not covered
 * ------------------------
 * Source compatibility, not binary compatibility: drivers are recompiled.
 * The FWPS_INCOMING_METADATA_VALUES0 keeps WFP's member names and order for
 * the members listed below but omits exotic ones (destinationPrefix,
 * vSwitch and Wi-Fi members). FWPS_FILTERn.filterCondition is not delivered
 * (numFilterConditions is 0; the conditions are in the management object).
 * There are no providers, provider contexts, security descriptors (accepted
 * and ignored), injection, stream-data or PendOperation calls, enumeration
 * or FwpmFreeMemory0; a non-NULL providerKey gives
 * STATUS_FWP_PROVIDER_NOT_FOUND. Only the layers dfp implements have
 * FWPM_LAYER_* GUIDs and FWPS_FIELDS_* enums here.
 *
 * These WFP names are the one allowed exception to dfp's naming rules
 * (STYLE §2); dfp's own additions use the dfp_wfp_ / DFP_WFP_ prefix.
 */
#ifndef DFP_WFP_H
#define DFP_WFP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <wchar.h>

#include "dfp_guid.h"
#include "dfp_status.h"
#include "dfp_engine_types.h"
#include "dfp_callout.h"

#ifdef __cplusplus
extern "C" {
#endif

struct dfp_ctl;

/* ======================================================================
 * Basic Windows types
 * ====================================================================== */

typedef uint8_t UINT8;       /**< Unsigned 8-bit. */
typedef uint16_t UINT16;     /**< Unsigned 16-bit. */
typedef uint32_t UINT32;     /**< Unsigned 32-bit. */
typedef uint64_t UINT64;     /**< Unsigned 64-bit. */
typedef int8_t INT8;         /**< Signed 8-bit. */
typedef int16_t INT16;       /**< Signed 16-bit. */
typedef int32_t INT32;       /**< Signed 32-bit. */
typedef int64_t INT64;       /**< Signed 64-bit. */
typedef uint8_t UCHAR;       /**< Unsigned char. */
typedef uint16_t USHORT;     /**< Unsigned short. */
typedef uint32_t ULONG;      /**< 32 bits, as on Windows (LLP64) even on 64-bit. */
typedef uint32_t DWORD;      /**< 32 bits. */
typedef int BOOL;            /**< Win32 boolean (int). */
typedef uint8_t BOOLEAN;     /**< Kernel boolean (byte). */
typedef void *PVOID;         /**< Untyped pointer. */
typedef void *HANDLE;        /**< Opaque handle; an engine handle is a struct dfp_ctl_session *. */
typedef wchar_t *LPWSTR;     /**< Wide string (UTF-32 on Linux). */
typedef void *PSECURITY_DESCRIPTOR; /**< Security descriptor: accepted and ignored by dfp. */
typedef struct _SID SID;     /**< Opaque: dfp has no SIDs. */
typedef dfp_status_t NTSTATUS; /**< An NTSTATUS value (signed 32-bit). */
typedef struct dfp_guid GUID;  /**< Windows GUID layout (Data1..Data4). */

#ifndef TRUE
#define TRUE 1
#endif
#ifndef FALSE
#define FALSE 0
#endif

/** Calling-convention marker of WFP prototypes: empty on Linux. */
#define NTAPI
/** Silence an unused parameter, as WDK code does. */
#define UNREFERENCED_PARAMETER(p) ((void)(p))

/** RPC_C_AUTHN_WINNT: the authnService kernel callers pass to FwpmEngineOpen0(). */
#define RPC_C_AUTHN_WINNT 10
/** RPC_C_AUTHN_DEFAULT. */
#define RPC_C_AUTHN_DEFAULT 0xFFFFFFFFu
/** INFINITE: a txnWaitTimeoutInMSec that never expires. */
#define INFINITE 0xFFFFFFFFu

/* ======================================================================
 * Status values (from dfp_status.h, one list)
 * ====================================================================== */

/** True for success and informational values (s >= 0); see spec §10.19. */
#define NT_SUCCESS(s) (((NTSTATUS)(s)) >= 0)

/** STATUS_SUCCESS, STATUS_FWP_IN_USE, ...: every value of DFP_STATUS_LIST. */
enum {
#define DFP_WFP_STATUS_(name, value, msg) STATUS_##name = DFP_STATUS_##name,
	DFP_STATUS_LIST(DFP_WFP_STATUS_)
#undef DFP_WFP_STATUS_
};

/* ======================================================================
 * FWP: values, conditions, actions (fwptypes.h)
 * ====================================================================== */

/** Direction of traffic (the DIRECTION field and packetDirection metadata). */
typedef enum FWP_DIRECTION_ {
	FWP_DIRECTION_OUTBOUND = DFP_DIRECTION_OUTBOUND,
	FWP_DIRECTION_INBOUND = DFP_DIRECTION_INBOUND,
	FWP_DIRECTION_MAX = 2,
} FWP_DIRECTION;

/** Type tag of FWP_VALUE0 and FWP_CONDITION_VALUE0. */
typedef enum FWP_DATA_TYPE_ {
	FWP_EMPTY = 0,
	FWP_UINT8 = 1,
	FWP_UINT16 = 2,
	FWP_UINT32 = 3,
	FWP_UINT64 = 4,
	FWP_INT8 = 5,
	FWP_INT16 = 6,
	FWP_INT32 = 7,
	FWP_INT64 = 8,
	FWP_FLOAT = 9,
	FWP_DOUBLE = 10,
	FWP_BYTE_ARRAY16_TYPE = 11,
	FWP_BYTE_BLOB_TYPE = 12,
	FWP_SID = 13,
	FWP_SECURITY_DESCRIPTOR_TYPE = 14,
	FWP_TOKEN_INFORMATION_TYPE = 15,
	FWP_TOKEN_ACCESS_INFORMATION_TYPE = 16,
	FWP_UNICODE_STRING_TYPE = 17,
	FWP_BYTE_ARRAY6_TYPE = 18,
	FWP_BITMAP_INDEX_TYPE = 19,
	FWP_BITMAP_ARRAY64_TYPE = 20,
	FWP_SINGLE_DATA_TYPE_MAX = 0xff,
	FWP_V4_ADDR_MASK = 0x100,
	FWP_V6_ADDR_MASK = 0x101,
	FWP_RANGE_TYPE = 0x102,
	FWP_DATA_TYPE_MAX = 0x103,
} FWP_DATA_TYPE;

/** 16 bytes (IPv6 address, network byte order). */
typedef struct FWP_BYTE_ARRAY16_ {
	UINT8 byteArray16[16]; /**< The bytes. */
} FWP_BYTE_ARRAY16;

/** 6 bytes (MAC address, wire order). */
typedef struct FWP_BYTE_ARRAY6_ {
	UINT8 byteArray6[6]; /**< The bytes. */
} FWP_BYTE_ARRAY6;

/** 8 bytes of bitmap (newer SDKs; unused by dfp). */
typedef struct FWP_BITMAP_ARRAY64_ {
	UINT8 bitmapArray64[8]; /**< The bytes. */
} FWP_BITMAP_ARRAY64;

/** A counted byte buffer. */
typedef struct FWP_BYTE_BLOB_ {
	UINT32 size;  /**< Bytes at data. */
	UINT8 *data;  /**< The bytes. */
} FWP_BYTE_BLOB;

/** Opaque: dfp has no token information. */
typedef struct FWP_TOKEN_INFORMATION_ FWP_TOKEN_INFORMATION;

/**
 * A typed value. Note WFP's layout: 64-bit integers and doubles are held by
 * pointer (uint64, int64, double64), like every type wider than 4 bytes.
 */
typedef struct FWP_VALUE0_ {
	FWP_DATA_TYPE type;                         /**< Which member is valid. */
	union {
		UINT8 uint8;                        /**< FWP_UINT8. */
		UINT16 uint16;                      /**< FWP_UINT16. */
		UINT32 uint32;                      /**< FWP_UINT32. */
		UINT64 *uint64;                     /**< FWP_UINT64 (pointer). */
		INT8 int8;                          /**< FWP_INT8. */
		INT16 int16;                        /**< FWP_INT16. */
		INT32 int32;                        /**< FWP_INT32. */
		INT64 *int64;                       /**< FWP_INT64 (pointer). */
		float float32;                      /**< FWP_FLOAT. */
		double *double64;                   /**< FWP_DOUBLE (pointer). */
		FWP_BYTE_ARRAY16 *byteArray16;      /**< FWP_BYTE_ARRAY16_TYPE. */
		FWP_BYTE_BLOB *byteBlob;            /**< FWP_BYTE_BLOB_TYPE. */
		SID *sid;                           /**< FWP_SID. */
		FWP_BYTE_BLOB *sd;                  /**< FWP_SECURITY_DESCRIPTOR_TYPE. */
		FWP_TOKEN_INFORMATION *tokenInformation;   /**< FWP_TOKEN_INFORMATION_TYPE. */
		FWP_BYTE_BLOB *tokenAccessInformation; /**< FWP_TOKEN_ACCESS_INFORMATION_TYPE. */
		LPWSTR unicodeString;               /**< FWP_UNICODE_STRING_TYPE. */
		FWP_BYTE_ARRAY6 *byteArray6;        /**< FWP_BYTE_ARRAY6_TYPE. */
		FWP_BITMAP_ARRAY64 *bitmapArray64;  /**< FWP_BITMAP_ARRAY64_TYPE. */
	};
} FWP_VALUE0;

/** FWP_MATCH_TYPE: how a condition compares (same values as enum dfp_match). */
typedef enum FWP_MATCH_TYPE_ {
	FWP_MATCH_EQUAL = DFP_MATCH_EQUAL,
	FWP_MATCH_GREATER = DFP_MATCH_GREATER,
	FWP_MATCH_LESS = DFP_MATCH_LESS,
	FWP_MATCH_GREATER_OR_EQUAL = DFP_MATCH_GREATER_OR_EQUAL,
	FWP_MATCH_LESS_OR_EQUAL = DFP_MATCH_LESS_OR_EQUAL,
	FWP_MATCH_RANGE = DFP_MATCH_RANGE,
	FWP_MATCH_FLAGS_ALL_SET = DFP_MATCH_FLAGS_ALL_SET,
	FWP_MATCH_FLAGS_ANY_SET = DFP_MATCH_FLAGS_ANY_SET,
	FWP_MATCH_FLAGS_NONE_SET = DFP_MATCH_FLAGS_NONE_SET,
	FWP_MATCH_EQUAL_CASE_INSENSITIVE = DFP_MATCH_EQUAL_CASE_INSENSITIVE,
	FWP_MATCH_NOT_EQUAL = DFP_MATCH_NOT_EQUAL,
	FWP_MATCH_PREFIX = 11,
	FWP_MATCH_NOT_PREFIX = 12,
	FWP_MATCH_TYPE_MAX = DFP_MATCH_TYPE_MAX,
} FWP_MATCH_TYPE;

/** An IPv4 address and mask, host byte order; the mask must be contiguous. */
typedef struct FWP_V4_ADDR_AND_MASK_ {
	UINT32 addr;  /**< Address, host order. */
	UINT32 mask;  /**< Mask, host order (e.g. 0xFFFFFF00 for /24). */
} FWP_V4_ADDR_AND_MASK;

/** An IPv6 address (network order) and prefix length (0..128). */
typedef struct FWP_V6_ADDR_AND_MASK_ {
	UINT8 addr[16];     /**< Address. */
	UINT8 prefixLength; /**< Prefix length in bits. */
} FWP_V6_ADDR_AND_MASK;

/** An inclusive range; both ends of the field's type. */
typedef struct FWP_RANGE0_ {
	FWP_VALUE0 valueLow;   /**< Low end. */
	FWP_VALUE0 valueHigh;  /**< High end. */
} FWP_RANGE0;

/** A condition operand: FWP_VALUE0 plus masks and ranges. */
typedef struct FWP_CONDITION_VALUE0_ {
	FWP_DATA_TYPE type;                         /**< Which member is valid. */
	union {
		UINT8 uint8;                        /**< FWP_UINT8. */
		UINT16 uint16;                      /**< FWP_UINT16. */
		UINT32 uint32;                      /**< FWP_UINT32. */
		UINT64 *uint64;                     /**< FWP_UINT64 (pointer). */
		INT8 int8;                          /**< FWP_INT8. */
		INT16 int16;                        /**< FWP_INT16. */
		INT32 int32;                        /**< FWP_INT32. */
		INT64 *int64;                       /**< FWP_INT64 (pointer). */
		float float32;                      /**< FWP_FLOAT. */
		double *double64;                   /**< FWP_DOUBLE (pointer). */
		FWP_BYTE_ARRAY16 *byteArray16;      /**< FWP_BYTE_ARRAY16_TYPE. */
		FWP_BYTE_BLOB *byteBlob;            /**< FWP_BYTE_BLOB_TYPE. */
		SID *sid;                           /**< FWP_SID. */
		FWP_BYTE_BLOB *sd;                  /**< FWP_SECURITY_DESCRIPTOR_TYPE. */
		FWP_TOKEN_INFORMATION *tokenInformation;   /**< FWP_TOKEN_INFORMATION_TYPE. */
		FWP_BYTE_BLOB *tokenAccessInformation; /**< FWP_TOKEN_ACCESS_INFORMATION_TYPE. */
		LPWSTR unicodeString;               /**< FWP_UNICODE_STRING_TYPE. */
		FWP_BYTE_ARRAY6 *byteArray6;        /**< FWP_BYTE_ARRAY6_TYPE. */
		FWP_BITMAP_ARRAY64 *bitmapArray64;  /**< FWP_BITMAP_ARRAY64_TYPE. */
		FWP_V4_ADDR_AND_MASK *v4AddrMask;   /**< FWP_V4_ADDR_MASK. */
		FWP_V6_ADDR_AND_MASK *v6AddrMask;   /**< FWP_V6_ADDR_MASK. */
		FWP_RANGE0 *rangeValue;             /**< FWP_RANGE_TYPE. */
	};
} FWP_CONDITION_VALUE0;

/** FWP_ACTION_TYPE: an action with its flag bits (spec §2.1). */
typedef UINT32 FWP_ACTION_TYPE;
#define FWP_ACTION_FLAG_TERMINATING DFP_ACTION_FLAG_TERMINATING
#define FWP_ACTION_FLAG_NON_TERMINATING DFP_ACTION_FLAG_NON_TERMINATING
#define FWP_ACTION_FLAG_CALLOUT DFP_ACTION_FLAG_CALLOUT
#define FWP_ACTION_BLOCK ((FWP_ACTION_TYPE)DFP_ACTION_BLOCK)
#define FWP_ACTION_PERMIT ((FWP_ACTION_TYPE)DFP_ACTION_PERMIT)
#define FWP_ACTION_CALLOUT_TERMINATING ((FWP_ACTION_TYPE)DFP_ACTION_CALLOUT_TERMINATING)
#define FWP_ACTION_CALLOUT_INSPECTION ((FWP_ACTION_TYPE)DFP_ACTION_CALLOUT_INSPECTION)
#define FWP_ACTION_CALLOUT_UNKNOWN ((FWP_ACTION_TYPE)DFP_ACTION_CALLOUT_UNKNOWN)
#define FWP_ACTION_CONTINUE ((FWP_ACTION_TYPE)DFP_ACTION_CONTINUE)
#define FWP_ACTION_NONE ((FWP_ACTION_TYPE)DFP_ACTION_NONE)
#define FWP_ACTION_NONE_NO_MATCH ((FWP_ACTION_TYPE)DFP_ACTION_NONE_NO_MATCH)

/** FWP_CONDITION_FLAG_* bits of the FLAGS field (dfp sets the DFP_COND_FLAG_* subset). */
#define FWP_CONDITION_FLAG_IS_LOOPBACK 0x00000001u
#define FWP_CONDITION_FLAG_IS_IPSEC_SECURED 0x00000002u
#define FWP_CONDITION_FLAG_IS_REAUTHORIZE 0x00000004u
#define FWP_CONDITION_FLAG_IS_WILDCARD_BIND 0x00000008u
#define FWP_CONDITION_FLAG_IS_RAW_ENDPOINT 0x00000010u
#define FWP_CONDITION_FLAG_IS_FRAGMENT 0x00000020u
#define FWP_CONDITION_FLAG_IS_FRAGMENT_GROUP 0x00000040u
#define FWP_CONDITION_FLAG_IS_IPSEC_NATT_RECLASSIFY 0x00000080u
#define FWP_CONDITION_FLAG_REQUIRES_ALE_CLASSIFY 0x00000100u
#define FWP_CONDITION_FLAG_IS_IMPLICIT_BIND 0x00000200u
#define FWP_CONDITION_FLAG_IS_REASSEMBLED 0x00000400u

/** FWP_CONDITION_REAUTHORIZE_REASON_* bits of the REAUTHORIZE_REASON field. */
#define FWP_CONDITION_REAUTHORIZE_REASON_POLICY_CHANGE 0x00000001u
#define FWP_CONDITION_REAUTHORIZE_REASON_NEW_ARRIVAL_INTERFACE 0x00000002u
#define FWP_CONDITION_REAUTHORIZE_REASON_NEW_NEXTHOP_INTERFACE 0x00000004u
#define FWP_CONDITION_REAUTHORIZE_REASON_PROFILE_CROSSING 0x00000008u
#define FWP_CONDITION_REAUTHORIZE_REASON_CLASSIFY_COMPLETION 0x00000010u

/* ======================================================================
 * FWPS: the run-time (callout) side (fwpstypes.h, fwpsk.h)
 * ====================================================================== */

/** FWPS_RIGHT_ACTION_WRITE: the callout may write classifyOut->actionType. */
#define FWPS_RIGHT_ACTION_WRITE DFP_RIGHT_ACTION_WRITE

/** FWPS_CLASSIFY_OUT_FLAG_* (spec §2.2). */
#define FWPS_CLASSIFY_OUT_FLAG_ABSORB DFP_CLASSIFY_OUT_FLAG_ABSORB
#define FWPS_CLASSIFY_OUT_FLAG_BUFFER_LIMIT_REACHED DFP_CLASSIFY_OUT_FLAG_BUFFER_LIMIT_REACHED
#define FWPS_CLASSIFY_OUT_FLAG_NO_MORE_DATA DFP_CLASSIFY_OUT_FLAG_NO_MORE_DATA
#define FWPS_CLASSIFY_OUT_FLAG_ALE_FAST_CACHE_CHECK 0x00000008u
#define FWPS_CLASSIFY_OUT_FLAG_ALE_FAST_CACHE_POSSIBLE 0x00000010u

/**
 * A callout's classify output. WFP's member names over the layout of
 * struct dfp_classify_out (asserted below, with WFP's x64 offsets); the
 * adapter copies between the two, so no pointer is type-punned.
 */
typedef struct FWPS_CLASSIFY_OUT0_ {
	FWP_ACTION_TYPE actionType; /**< Suggested action (in/out). */
	UINT64 outContext;          /**< Reserved for the engine. */
	UINT64 filterId;            /**< Reserved for the engine. */
	UINT32 rights;              /**< FWPS_RIGHT_* (in/out). */
	UINT32 flags;               /**< FWPS_CLASSIFY_OUT_FLAG_* (in/out). */
	UINT32 reserved;            /**< Reserved. */
} FWPS_CLASSIFY_OUT0;

/** FWPS_FILTER_FLAG_* (run-time form, FWPS_FILTERn.flags). */
#define FWPS_FILTER_FLAG_CLEAR_ACTION_RIGHT DFP_RT_FILTER_FLAG_CLEAR_ACTION_RIGHT
#define FWPS_FILTER_FLAG_PERMIT_IF_CALLOUT_UNREGISTERED \
	DFP_RT_FILTER_FLAG_PERMIT_IF_CALLOUT_UNREGISTERED
#define FWPS_FILTER_FLAG_OR_CONDITIONS 0x0004u

/** A run-time condition (not delivered by dfp: see the file comment). */
typedef struct FWPS_FILTER_CONDITION0_ {
	UINT16 fieldId;                      /**< FWPS_FIELDS_* index. */
	UINT16 reserved;                     /**< Zero. */
	FWP_MATCH_TYPE matchType;            /**< Match. */
	FWP_CONDITION_VALUE0 conditionValue; /**< Operand. */
} FWPS_FILTER_CONDITION0;

/** A run-time filter action. */
typedef struct FWPS_ACTION0_ {
	FWP_ACTION_TYPE type; /**< FWP_ACTION_*. */
	UINT32 calloutId;     /**< Callout of a callout action, else 0. */
} FWPS_ACTION0;

/** Opaque: dfp has no provider contexts (providerContext is always NULL). */
typedef struct FWPM_PROVIDER_CONTEXT0_ FWPM_PROVIDER_CONTEXT0;
/** Opaque, see FWPM_PROVIDER_CONTEXT0. */
typedef struct FWPM_PROVIDER_CONTEXT1_ FWPM_PROVIDER_CONTEXT1;
/** Opaque, see FWPM_PROVIDER_CONTEXT0. */
typedef struct FWPM_PROVIDER_CONTEXT2_ FWPM_PROVIDER_CONTEXT2;
/** Opaque, see FWPM_PROVIDER_CONTEXT0. */
typedef struct FWPM_PROVIDER_CONTEXT3_ FWPM_PROVIDER_CONTEXT3;

/**
 * FWPS_FILTER0..3 share one layout and differ only in the provider
 * context's type. Members of the view classifyFn and notifyFn receive.
 */
#define DFP_WFP_FILTER_MEMBERS_(pctx_type) \
	UINT64 filterId;                        /**< Engine-assigned filter id. */ \
	FWP_VALUE0 weight;                      /**< FWP_UINT64 effective weight (pointer). */ \
	UINT16 subLayerWeight;                  /**< Weight of the filter's sublayer. */ \
	UINT16 flags;                           /**< FWPS_FILTER_FLAG_*. */ \
	UINT32 numFilterConditions;             /**< 0 in dfp. */ \
	FWPS_FILTER_CONDITION0 *filterCondition; /**< NULL in dfp. */ \
	FWPS_ACTION0 action;                    /**< Action and callout id. */ \
	UINT64 context;                         /**< rawContext, or what notifyFn stored. */ \
	pctx_type *providerContext;             /**< NULL in dfp. */

/** Run-time filter (Vista). */
typedef struct FWPS_FILTER0_ {
	DFP_WFP_FILTER_MEMBERS_(FWPM_PROVIDER_CONTEXT0)
} FWPS_FILTER0;
/** Run-time filter (Win7). */
typedef struct FWPS_FILTER1_ {
	DFP_WFP_FILTER_MEMBERS_(FWPM_PROVIDER_CONTEXT1)
} FWPS_FILTER1;
/** Run-time filter (Win8). */
typedef struct FWPS_FILTER2_ {
	DFP_WFP_FILTER_MEMBERS_(FWPM_PROVIDER_CONTEXT2)
} FWPS_FILTER2;
/** Run-time filter (Win10). */
typedef struct FWPS_FILTER3_ {
	DFP_WFP_FILTER_MEMBERS_(FWPM_PROVIDER_CONTEXT3)
} FWPS_FILTER3;

/** One incoming value. */
typedef struct FWPS_INCOMING_VALUE0_ {
	FWP_VALUE0 value; /**< The value (FWP_EMPTY if dfp does not offer the field). */
} FWPS_INCOMING_VALUE0;

/** The incoming values of a classification, indexed by FWPS_FIELDS_<layer>. */
typedef struct FWPS_INCOMING_VALUES0_ {
	UINT16 layerId;                       /**< FWPS_LAYER_* id. */
	UINT32 valueCount;                    /**< Entries (the layer's _MAX). */
	FWPS_INCOMING_VALUE0 *incomingValue;  /**< The array. */
} FWPS_INCOMING_VALUES0;

/** FWPS_METADATA_FIELD_* bits of currentMetadataValues (spec §1.4). */
#define FWPS_METADATA_FIELD_DISCARD_REASON 0x00000001u
#define FWPS_METADATA_FIELD_FLOW_HANDLE 0x00000002u
#define FWPS_METADATA_FIELD_IP_HEADER_SIZE 0x00000004u
#define FWPS_METADATA_FIELD_PROCESS_PATH 0x00000008u
#define FWPS_METADATA_FIELD_TOKEN 0x00000010u
#define FWPS_METADATA_FIELD_PROCESS_ID 0x00000020u
#define FWPS_METADATA_FIELD_SYSTEM_FLAGS 0x00000040u
#define FWPS_METADATA_FIELD_RESERVED 0x00000080u
#define FWPS_METADATA_FIELD_SOURCE_INTERFACE_INDEX 0x00000100u
#define FWPS_METADATA_FIELD_DESTINATION_INTERFACE_INDEX 0x00000200u
#define FWPS_METADATA_FIELD_TRANSPORT_HEADER_SIZE 0x00000400u
#define FWPS_METADATA_FIELD_COMPARTMENT_ID 0x00000800u
#define FWPS_METADATA_FIELD_FRAGMENT_DATA 0x00001000u
#define FWPS_METADATA_FIELD_PATH_MTU 0x00002000u
#define FWPS_METADATA_FIELD_COMPLETION_HANDLE 0x00004000u
#define FWPS_METADATA_FIELD_TRANSPORT_ENDPOINT_HANDLE 0x00008000u
#define FWPS_METADATA_FIELD_TRANSPORT_CONTROL_DATA 0x00010000u
#define FWPS_METADATA_FIELD_REMOTE_SCOPE_ID 0x00020000u
#define FWPS_METADATA_FIELD_PACKET_DIRECTION 0x00040000u
#define FWPS_METADATA_FIELD_PACKET_SYSTEM_CRITICAL 0x00080000u
#define FWPS_METADATA_FIELD_FORWARD_LAYER_OUTBOUND_PASS_THRU 0x00100000u
#define FWPS_METADATA_FIELD_FORWARD_LAYER_INBOUND_PASS_THRU 0x00200000u
#define FWPS_METADATA_FIELD_ALE_CLASSIFY_REQUIRED 0x00400000u
#define FWPS_METADATA_FIELD_TRANSPORT_HEADER_INCLUDE_HEADER 0x00800000u
#define FWPS_METADATA_FIELD_DESTINATION_PREFIX 0x01000000u
#define FWPS_METADATA_FIELD_ETHER_FRAME_LENGTH 0x02000000u
#define FWPS_METADATA_FIELD_PARENT_ENDPOINT_HANDLE 0x04000000u
#define FWPS_METADATA_FIELD_ICMP_ID_AND_SEQUENCE 0x08000000u
#define FWPS_METADATA_FIELD_LOCAL_REDIRECT_TARGET_PID 0x10000000u
#define FWPS_METADATA_FIELD_ORIGINAL_DESTINATION 0x20000000u
#define FWPS_METADATA_FIELD_REDIRECT_RECORD_HANDLE 0x40000000u
#define FWPS_METADATA_FIELD_SUB_PROCESS_TAG 0x80000000u

/** True if every bit of metadataField is present in metadataValues. */
#define FWPS_IS_METADATA_FIELD_PRESENT(metadataValues, metadataField) \
	(((metadataValues)->currentMetadataValues & (metadataField)) == (metadataField))

/** Which module discarded a packet (discard layers; never set by dfp). */
typedef enum FWPS_DISCARD_MODULE0_ {
	FWPS_DISCARD_MODULE_NETWORK = 0,
	FWPS_DISCARD_MODULE_TRANSPORT = 1,
	FWPS_DISCARD_MODULE_GENERAL = 2,
	FWPS_DISCARD_MODULE_MAX = 3,
} FWPS_DISCARD_MODULE0;

/** Discard metadata (never set by dfp). */
typedef struct FWPS_DISCARD_METADATA0_ {
	FWPS_DISCARD_MODULE0 discardModule; /**< Module. */
	UINT32 discardReason;               /**< Reason. */
	UINT64 filterId;                    /**< Filter that discarded. */
} FWPS_DISCARD_METADATA0;

/** Fragment metadata (never set by dfp). */
typedef struct FWPS_INBOUND_FRAGMENT_METADATA0_ {
	UINT32 fragmentIdentification; /**< IP id. */
	UINT16 fragmentOffset;         /**< Offset. */
	ULONG fragmentLength;          /**< Length. */
} FWPS_INBOUND_FRAGMENT_METADATA0;

/**
 * Incoming metadata. A member may be read only if its bit is set in
 * currentMetadataValues (FWPS_IS_METADATA_FIELD_PRESENT). dfp sets
 * FLOW_HANDLE (flow layers), IP_HEADER_SIZE, TRANSPORT_HEADER_SIZE,
 * PACKET_DIRECTION, ETHER_FRAME_LENGTH and COMPLETION_HANDLE as the
 * datapath provides them; everything else is zero. WFP's member order,
 * minus the members dfp omits (see the file comment).
 */
typedef struct FWPS_INCOMING_METADATA_VALUES0_ {
	UINT32 currentMetadataValues;                /**< FWPS_METADATA_FIELD_* present. */
	UINT32 flags;                                /**< FWPS_INCOMING_FLAG_*: 0 in dfp. */
	UINT64 reserved;                             /**< Zero. */
	FWPS_DISCARD_METADATA0 discardMetadata;      /**< DISCARD_REASON. */
	UINT64 flowHandle;                           /**< FLOW_HANDLE: the flowId. */
	UINT32 ipHeaderSize;                         /**< IP_HEADER_SIZE, bytes. */
	UINT32 transportHeaderSize;                  /**< TRANSPORT_HEADER_SIZE, bytes. */
	FWP_BYTE_BLOB *processPath;                  /**< PROCESS_PATH. */
	UINT64 token;                                /**< TOKEN. */
	UINT64 processId;                            /**< PROCESS_ID. */
	UINT32 sourceInterfaceIndex;                 /**< SOURCE_INTERFACE_INDEX. */
	UINT32 destinationInterfaceIndex;            /**< DESTINATION_INTERFACE_INDEX. */
	ULONG compartmentId;                         /**< COMPARTMENT_ID. */
	FWPS_INBOUND_FRAGMENT_METADATA0 fragmentMetadata; /**< FRAGMENT_DATA. */
	ULONG pathMtu;                               /**< PATH_MTU. */
	HANDLE completionHandle;                     /**< COMPLETION_HANDLE: in dfp the
						      *   classifyContext (pend with
						      *   FwpsAcquireClassifyHandle0). */
	UINT64 transportEndpointHandle;              /**< TRANSPORT_ENDPOINT_HANDLE. */
	UINT32 remoteScopeId;                        /**< REMOTE_SCOPE_ID (SCOPE_ID). */
	void *controlData;                           /**< TRANSPORT_CONTROL_DATA. */
	ULONG controlDataLength;                     /**< Its length. */
	FWP_DIRECTION packetDirection;               /**< PACKET_DIRECTION. */
	PVOID headerIncludeHeader;                   /**< TRANSPORT_HEADER_INCLUDE_HEADER. */
	ULONG headerIncludeHeaderLength;             /**< Its length. */
	UINT16 frameLength;                          /**< ETHER_FRAME_LENGTH, bytes. */
	UINT64 parentEndpointHandle;                 /**< PARENT_ENDPOINT_HANDLE. */
	UINT32 icmpIdAndSequence;                    /**< ICMP_ID_AND_SEQUENCE. */
	DWORD localRedirectTargetPID;                /**< LOCAL_REDIRECT_TARGET_PID. */
	void *originalDestination;                   /**< ORIGINAL_DESTINATION. */
	HANDLE redirectRecords;                      /**< REDIRECT_RECORD_HANDLE. */
	UINT32 currentL2MetadataValues;              /**< L2 metadata present: 0 in dfp. */
	UINT32 l2Flags;                              /**< L2 flags. */
	UINT32 ethernetMacHeaderSize;                /**< Ethernet header size. */
} FWPS_INCOMING_METADATA_VALUES0;

/** FWPS_CALLOUT_NOTIFY_TYPE: why notifyFn is called. */
typedef enum FWPS_CALLOUT_NOTIFY_TYPE_ {
	FWPS_CALLOUT_NOTIFY_ADD_FILTER = DFP_NOTIFY_ADD_FILTER,
	FWPS_CALLOUT_NOTIFY_DELETE_FILTER = DFP_NOTIFY_DELETE_FILTER,
	FWPS_CALLOUT_NOTIFY_ADD_FILTER_POST_COMMIT = DFP_NOTIFY_ADD_FILTER_POST_COMMIT,
	FWPS_CALLOUT_NOTIFY_TYPE_MAX = 3,
} FWPS_CALLOUT_NOTIFY_TYPE;

/** FWP_CALLOUT_FLAG_* (registration flags; offload flags accepted and ignored). */
#define FWP_CALLOUT_FLAG_CONDITIONAL_ON_FLOW DFP_CALLOUT_FLAG_CONDITIONAL_ON_FLOW
#define FWP_CALLOUT_FLAG_ALLOW_OFFLOAD DFP_CALLOUT_FLAG_ALLOW_OFFLOAD
#define FWP_CALLOUT_FLAG_ENABLE_COMMIT_ADD_NOTIFY DFP_CALLOUT_FLAG_ENABLE_COMMIT_ADD_NOTIFY
#define FWP_CALLOUT_FLAG_ALLOW_MID_STREAM_INSPECTION DFP_CALLOUT_FLAG_ALLOW_MID_STREAM_INSPECTION
#define FWP_CALLOUT_FLAG_ALLOW_RECLASSIFY DFP_CALLOUT_FLAG_ALLOW_RECLASSIFY
#define FWP_CALLOUT_FLAG_RESERVED1 0x00000020u
#define FWP_CALLOUT_FLAG_ALLOW_RSC 0x00000040u
#define FWP_CALLOUT_FLAG_ALLOW_L2_BATCH_CLASSIFY 0x00000080u
#define FWP_CALLOUT_FLAG_ALLOW_USO 0x00000100u
#define FWP_CALLOUT_FLAG_ALLOW_URO 0x00000200u

/**
 * classifyFn (Vista form): called on the classifying worker whenever every
 * condition of a filter naming the callout holds. Must not block or call
 * PASSIVE functions; may call the flow-context and classify-handle
 * functions.
 *
 * @param inFixedValues  the layer's incoming values (stack view, valid during the call).
 * @param inMetaValues   metadata (stack view).
 * @param layerData      the packet (struct rte_mbuf *) or NULL.
 * @param filter         the matching filter (view).
 * @param flowContext    the context for (flow, layer, callout), or 0.
 * @param classifyOut    the output, in/out.
 */
typedef void (NTAPI *FWPS_CALLOUT_CLASSIFY_FN0)(const FWPS_INCOMING_VALUES0 *inFixedValues,
		const FWPS_INCOMING_METADATA_VALUES0 *inMetaValues, void *layerData,
		const FWPS_FILTER0 *filter, UINT64 flowContext, FWPS_CLASSIFY_OUT0 *classifyOut);

/**
 * classifyFn1: as FWPS_CALLOUT_CLASSIFY_FN0 plus classifyContext, the
 * argument of FwpsAcquireClassifyHandle0() (valid during the call only).
 */
typedef void (NTAPI *FWPS_CALLOUT_CLASSIFY_FN1)(const FWPS_INCOMING_VALUES0 *inFixedValues,
		const FWPS_INCOMING_METADATA_VALUES0 *inMetaValues, void *layerData,
		const void *classifyContext, const FWPS_FILTER1 *filter, UINT64 flowContext,
		FWPS_CLASSIFY_OUT0 *classifyOut);

/** classifyFn2: as FWPS_CALLOUT_CLASSIFY_FN1 with FWPS_FILTER2. */
typedef void (NTAPI *FWPS_CALLOUT_CLASSIFY_FN2)(const FWPS_INCOMING_VALUES0 *inFixedValues,
		const FWPS_INCOMING_METADATA_VALUES0 *inMetaValues, void *layerData,
		const void *classifyContext, const FWPS_FILTER2 *filter, UINT64 flowContext,
		FWPS_CLASSIFY_OUT0 *classifyOut);

/** classifyFn3: as FWPS_CALLOUT_CLASSIFY_FN1 with FWPS_FILTER3. */
typedef void (NTAPI *FWPS_CALLOUT_CLASSIFY_FN3)(const FWPS_INCOMING_VALUES0 *inFixedValues,
		const FWPS_INCOMING_METADATA_VALUES0 *inMetaValues, void *layerData,
		const void *classifyContext, const FWPS_FILTER3 *filter, UINT64 flowContext,
		FWPS_CLASSIFY_OUT0 *classifyOut);

/**
 * notifyFn: a filter naming the callout is being added (filterKey = its
 * key; a failure status vetoes the add, and filter->context may be set) or
 * has been deleted (filterKey NULL; the status is ignored). Runs on the
 * control thread doing the add or commit; must not call PASSIVE functions.
 */
typedef NTSTATUS (NTAPI *FWPS_CALLOUT_NOTIFY_FN0)(FWPS_CALLOUT_NOTIFY_TYPE notifyType,
		const GUID *filterKey, FWPS_FILTER0 *filter);
/** notifyFn1: as FWPS_CALLOUT_NOTIFY_FN0 with FWPS_FILTER1. */
typedef NTSTATUS (NTAPI *FWPS_CALLOUT_NOTIFY_FN1)(FWPS_CALLOUT_NOTIFY_TYPE notifyType,
		const GUID *filterKey, FWPS_FILTER1 *filter);
/** notifyFn2: as FWPS_CALLOUT_NOTIFY_FN0 with FWPS_FILTER2. */
typedef NTSTATUS (NTAPI *FWPS_CALLOUT_NOTIFY_FN2)(FWPS_CALLOUT_NOTIFY_TYPE notifyType,
		const GUID *filterKey, FWPS_FILTER2 *filter);
/** notifyFn3: as FWPS_CALLOUT_NOTIFY_FN0 with FWPS_FILTER3. */
typedef NTSTATUS (NTAPI *FWPS_CALLOUT_NOTIFY_FN3)(FWPS_CALLOUT_NOTIFY_TYPE notifyType,
		const GUID *filterKey, FWPS_FILTER3 *filter);

/**
 * flowDeleteFn: once per (flow, layer, callout) association, when the flow
 * ends or the context is removed; the only place that should release the
 * context. Any thread; must not block.
 */
typedef void (NTAPI *FWPS_CALLOUT_FLOW_DELETE_NOTIFY_FN0)(UINT16 layerId, UINT32 calloutId,
		UINT64 flowContext);

/** A registration (Vista). */
typedef struct FWPS_CALLOUT0_ {
	GUID calloutKey;                                  /**< Key shared with FWPM_CALLOUT0. */
	UINT32 flags;                                     /**< FWP_CALLOUT_FLAG_*. */
	FWPS_CALLOUT_CLASSIFY_FN0 classifyFn;             /**< Mandatory. */
	FWPS_CALLOUT_NOTIFY_FN0 notifyFn;                 /**< May be NULL in dfp. */
	FWPS_CALLOUT_FLOW_DELETE_NOTIFY_FN0 flowDeleteFn; /**< NULL: no flow contexts. */
} FWPS_CALLOUT0;
/** A registration (Win7). */
typedef struct FWPS_CALLOUT1_ {
	GUID calloutKey;                                  /**< Key shared with FWPM_CALLOUT0. */
	UINT32 flags;                                     /**< FWP_CALLOUT_FLAG_*. */
	FWPS_CALLOUT_CLASSIFY_FN1 classifyFn;             /**< Mandatory. */
	FWPS_CALLOUT_NOTIFY_FN1 notifyFn;                 /**< May be NULL in dfp. */
	FWPS_CALLOUT_FLOW_DELETE_NOTIFY_FN0 flowDeleteFn; /**< NULL: no flow contexts. */
} FWPS_CALLOUT1;
/** A registration (Win8). */
typedef struct FWPS_CALLOUT2_ {
	GUID calloutKey;                                  /**< Key shared with FWPM_CALLOUT0. */
	UINT32 flags;                                     /**< FWP_CALLOUT_FLAG_*. */
	FWPS_CALLOUT_CLASSIFY_FN2 classifyFn;             /**< Mandatory. */
	FWPS_CALLOUT_NOTIFY_FN2 notifyFn;                 /**< May be NULL in dfp. */
	FWPS_CALLOUT_FLOW_DELETE_NOTIFY_FN0 flowDeleteFn; /**< NULL: no flow contexts. */
} FWPS_CALLOUT2;
/** A registration (Win10). */
typedef struct FWPS_CALLOUT3_ {
	GUID calloutKey;                                  /**< Key shared with FWPM_CALLOUT0. */
	UINT32 flags;                                     /**< FWP_CALLOUT_FLAG_*. */
	FWPS_CALLOUT_CLASSIFY_FN3 classifyFn;             /**< Mandatory. */
	FWPS_CALLOUT_NOTIFY_FN3 notifyFn;                 /**< May be NULL in dfp. */
	FWPS_CALLOUT_FLOW_DELETE_NOTIFY_FN0 flowDeleteFn; /**< NULL: no flow contexts. */
} FWPS_CALLOUT3;

/* ---- Run-time layer ids ---- */

/**
 * FWPS_BUILTIN_LAYERS, the 0..57 block (spec §1.2; later ids are not
 * stable across SDKs and are omitted). dfp implements the layers that have
 * a DFP_LAYER_* id; the others are rejected with STATUS_FWP_LAYER_NOT_FOUND.
 */
typedef enum FWPS_BUILTIN_LAYERS_ {
	FWPS_LAYER_INBOUND_IPPACKET_V4 = 0,
	FWPS_LAYER_INBOUND_IPPACKET_V4_DISCARD = 1,
	FWPS_LAYER_INBOUND_IPPACKET_V6 = 2,
	FWPS_LAYER_INBOUND_IPPACKET_V6_DISCARD = 3,
	FWPS_LAYER_OUTBOUND_IPPACKET_V4 = 4,
	FWPS_LAYER_OUTBOUND_IPPACKET_V4_DISCARD = 5,
	FWPS_LAYER_OUTBOUND_IPPACKET_V6 = 6,
	FWPS_LAYER_OUTBOUND_IPPACKET_V6_DISCARD = 7,
	FWPS_LAYER_IPFORWARD_V4 = 8,
	FWPS_LAYER_IPFORWARD_V4_DISCARD = 9,
	FWPS_LAYER_IPFORWARD_V6 = 10,
	FWPS_LAYER_IPFORWARD_V6_DISCARD = 11,
	FWPS_LAYER_INBOUND_TRANSPORT_V4 = 12,
	FWPS_LAYER_INBOUND_TRANSPORT_V4_DISCARD = 13,
	FWPS_LAYER_INBOUND_TRANSPORT_V6 = 14,
	FWPS_LAYER_INBOUND_TRANSPORT_V6_DISCARD = 15,
	FWPS_LAYER_OUTBOUND_TRANSPORT_V4 = 16,
	FWPS_LAYER_OUTBOUND_TRANSPORT_V4_DISCARD = 17,
	FWPS_LAYER_OUTBOUND_TRANSPORT_V6 = 18,
	FWPS_LAYER_OUTBOUND_TRANSPORT_V6_DISCARD = 19,
	FWPS_LAYER_STREAM_V4 = 20,
	FWPS_LAYER_STREAM_V4_DISCARD = 21,
	FWPS_LAYER_STREAM_V6 = 22,
	FWPS_LAYER_STREAM_V6_DISCARD = 23,
	FWPS_LAYER_DATAGRAM_DATA_V4 = 24,
	FWPS_LAYER_DATAGRAM_DATA_V4_DISCARD = 25,
	FWPS_LAYER_DATAGRAM_DATA_V6 = 26,
	FWPS_LAYER_DATAGRAM_DATA_V6_DISCARD = 27,
	FWPS_LAYER_INBOUND_ICMP_ERROR_V4 = 28,
	FWPS_LAYER_INBOUND_ICMP_ERROR_V4_DISCARD = 29,
	FWPS_LAYER_INBOUND_ICMP_ERROR_V6 = 30,
	FWPS_LAYER_INBOUND_ICMP_ERROR_V6_DISCARD = 31,
	FWPS_LAYER_OUTBOUND_ICMP_ERROR_V4 = 32,
	FWPS_LAYER_OUTBOUND_ICMP_ERROR_V4_DISCARD = 33,
	FWPS_LAYER_OUTBOUND_ICMP_ERROR_V6 = 34,
	FWPS_LAYER_OUTBOUND_ICMP_ERROR_V6_DISCARD = 35,
	FWPS_LAYER_ALE_RESOURCE_ASSIGNMENT_V4 = 36,
	FWPS_LAYER_ALE_RESOURCE_ASSIGNMENT_V4_DISCARD = 37,
	FWPS_LAYER_ALE_RESOURCE_ASSIGNMENT_V6 = 38,
	FWPS_LAYER_ALE_RESOURCE_ASSIGNMENT_V6_DISCARD = 39,
	FWPS_LAYER_ALE_AUTH_LISTEN_V4 = 40,
	FWPS_LAYER_ALE_AUTH_LISTEN_V4_DISCARD = 41,
	FWPS_LAYER_ALE_AUTH_LISTEN_V6 = 42,
	FWPS_LAYER_ALE_AUTH_LISTEN_V6_DISCARD = 43,
	FWPS_LAYER_ALE_AUTH_RECV_ACCEPT_V4 = 44,
	FWPS_LAYER_ALE_AUTH_RECV_ACCEPT_V4_DISCARD = 45,
	FWPS_LAYER_ALE_AUTH_RECV_ACCEPT_V6 = 46,
	FWPS_LAYER_ALE_AUTH_RECV_ACCEPT_V6_DISCARD = 47,
	FWPS_LAYER_ALE_AUTH_CONNECT_V4 = 48,
	FWPS_LAYER_ALE_AUTH_CONNECT_V4_DISCARD = 49,
	FWPS_LAYER_ALE_AUTH_CONNECT_V6 = 50,
	FWPS_LAYER_ALE_AUTH_CONNECT_V6_DISCARD = 51,
	FWPS_LAYER_ALE_FLOW_ESTABLISHED_V4 = 52,
	FWPS_LAYER_ALE_FLOW_ESTABLISHED_V4_DISCARD = 53,
	FWPS_LAYER_ALE_FLOW_ESTABLISHED_V6 = 54,
	FWPS_LAYER_ALE_FLOW_ESTABLISHED_V6_DISCARD = 55,
	FWPS_LAYER_INBOUND_MAC_FRAME_ETHERNET = 56,
	FWPS_LAYER_OUTBOUND_MAC_FRAME_ETHERNET = 57,
} FWPS_BUILTIN_LAYERS;

/* ---- Run-time field indexes (FWPS_FIELDS_*, spec §1.3) ----
 *
 * One list per layer family; the V4 and V6 enums are generated from it, so
 * their member order is the same by construction (as in WFP). Values are
 * those of the current WDK (including the BITMAP_* members at the ALE
 * layers); size arrays from valueCount, not _MAX.
 */

/** Expands to FWPS_FIELD_<layer>_<name>, one enumerator. */
#define DFP_WFP_FIELD_(layer, name) FWPS_FIELD_##layer##_##name,

/** INBOUND_IPPACKET_V4/V6. */
#define DFP_WFP_FIELDS_INBOUND_IPPACKET(X, L) \
	X(L, IP_LOCAL_ADDRESS) X(L, IP_REMOTE_ADDRESS) X(L, IP_LOCAL_ADDRESS_TYPE) \
	X(L, IP_LOCAL_INTERFACE) X(L, INTERFACE_INDEX) X(L, SUB_INTERFACE_INDEX) X(L, FLAGS) \
	X(L, INTERFACE_TYPE) X(L, TUNNEL_TYPE) X(L, COMPARTMENT_ID)

/** OUTBOUND_IPPACKET_V4/V6: note address type before remote address. */
#define DFP_WFP_FIELDS_OUTBOUND_IPPACKET(X, L) \
	X(L, IP_LOCAL_ADDRESS) X(L, IP_LOCAL_ADDRESS_TYPE) X(L, IP_REMOTE_ADDRESS) \
	X(L, IP_LOCAL_INTERFACE) X(L, INTERFACE_INDEX) X(L, SUB_INTERFACE_INDEX) X(L, FLAGS) \
	X(L, INTERFACE_TYPE) X(L, TUNNEL_TYPE) X(L, COMPARTMENT_ID)

/** INBOUND_TRANSPORT_V4/V6. */
#define DFP_WFP_FIELDS_INBOUND_TRANSPORT(X, L) \
	X(L, IP_PROTOCOL) X(L, IP_LOCAL_ADDRESS) X(L, IP_REMOTE_ADDRESS) \
	X(L, IP_LOCAL_ADDRESS_TYPE) X(L, IP_LOCAL_PORT) X(L, IP_REMOTE_PORT) \
	X(L, IP_LOCAL_INTERFACE) X(L, INTERFACE_INDEX) X(L, SUB_INTERFACE_INDEX) X(L, FLAGS) \
	X(L, INTERFACE_TYPE) X(L, TUNNEL_TYPE) X(L, PROFILE_ID) X(L, IPSEC_SECURITY_REALM_ID) \
	X(L, COMPARTMENT_ID)

/** OUTBOUND_TRANSPORT_V4/V6: its own address order. */
#define DFP_WFP_FIELDS_OUTBOUND_TRANSPORT(X, L) \
	X(L, IP_PROTOCOL) X(L, IP_LOCAL_ADDRESS) X(L, IP_LOCAL_ADDRESS_TYPE) \
	X(L, IP_REMOTE_ADDRESS) X(L, IP_LOCAL_PORT) X(L, IP_REMOTE_PORT) \
	X(L, IP_LOCAL_INTERFACE) X(L, INTERFACE_INDEX) X(L, SUB_INTERFACE_INDEX) \
	X(L, IP_DESTINATION_ADDRESS_TYPE) X(L, FLAGS) X(L, INTERFACE_TYPE) X(L, TUNNEL_TYPE) \
	X(L, PROFILE_ID) X(L, IPSEC_SECURITY_REALM_ID) X(L, COMPARTMENT_ID)

/** STREAM_V4/V6. */
#define DFP_WFP_FIELDS_STREAM(X, L) \
	X(L, IP_LOCAL_ADDRESS) X(L, IP_LOCAL_ADDRESS_TYPE) X(L, IP_REMOTE_ADDRESS) \
	X(L, IP_LOCAL_PORT) X(L, IP_REMOTE_PORT) X(L, DIRECTION) X(L, FLAGS) \
	X(L, COMPARTMENT_ID)

/** DATAGRAM_DATA_V4/V6. */
#define DFP_WFP_FIELDS_DATAGRAM_DATA(X, L) \
	X(L, IP_PROTOCOL) X(L, IP_LOCAL_ADDRESS) X(L, IP_REMOTE_ADDRESS) \
	X(L, IP_LOCAL_ADDRESS_TYPE) X(L, IP_LOCAL_PORT) X(L, IP_REMOTE_PORT) \
	X(L, IP_LOCAL_INTERFACE) X(L, INTERFACE_INDEX) X(L, SUB_INTERFACE_INDEX) \
	X(L, DIRECTION) X(L, FLAGS) X(L, INTERFACE_TYPE) X(L, TUNNEL_TYPE) X(L, COMPARTMENT_ID)

/** ALE_AUTH_RECV_ACCEPT_V4/V6. */
#define DFP_WFP_FIELDS_ALE_AUTH_RECV_ACCEPT(X, L) \
	X(L, ALE_APP_ID) X(L, ALE_USER_ID) X(L, IP_LOCAL_ADDRESS) X(L, IP_LOCAL_ADDRESS_TYPE) \
	X(L, IP_LOCAL_PORT) X(L, IP_PROTOCOL) X(L, IP_REMOTE_ADDRESS) X(L, IP_REMOTE_PORT) \
	X(L, ALE_REMOTE_USER_ID) X(L, ALE_REMOTE_MACHINE_ID) X(L, IP_LOCAL_INTERFACE) \
	X(L, FLAGS) X(L, SIO_FIREWALL_SYSTEM_PORT) X(L, NAP_CONTEXT) X(L, INTERFACE_TYPE) \
	X(L, TUNNEL_TYPE) X(L, INTERFACE_INDEX) X(L, SUB_INTERFACE_INDEX) \
	X(L, IP_ARRIVAL_INTERFACE) X(L, ARRIVAL_INTERFACE_TYPE) X(L, ARRIVAL_TUNNEL_TYPE) \
	X(L, ARRIVAL_INTERFACE_INDEX) X(L, NEXTHOP_SUB_INTERFACE_INDEX) \
	X(L, IP_NEXTHOP_INTERFACE) X(L, NEXTHOP_INTERFACE_TYPE) X(L, NEXTHOP_TUNNEL_TYPE) \
	X(L, NEXTHOP_INTERFACE_INDEX) X(L, ORIGINAL_PROFILE_ID) X(L, CURRENT_PROFILE_ID) \
	X(L, REAUTHORIZE_REASON) X(L, ORIGINAL_ICMP_TYPE) X(L, INTERFACE_QUARANTINE_EPOCH) \
	X(L, ALE_PACKAGE_ID) X(L, ALE_SECURITY_ATTRIBUTE_FQBN_VALUE) X(L, COMPARTMENT_ID) \
	X(L, BITMAP_IP_LOCAL_ADDRESS) X(L, BITMAP_IP_LOCAL_PORT) \
	X(L, BITMAP_IP_REMOTE_ADDRESS) X(L, BITMAP_IP_REMOTE_PORT)

/** ALE_AUTH_CONNECT_V4/V6: differs from recv-accept from index 10 on. */
#define DFP_WFP_FIELDS_ALE_AUTH_CONNECT(X, L) \
	X(L, ALE_APP_ID) X(L, ALE_USER_ID) X(L, IP_LOCAL_ADDRESS) X(L, IP_LOCAL_ADDRESS_TYPE) \
	X(L, IP_LOCAL_PORT) X(L, IP_PROTOCOL) X(L, IP_REMOTE_ADDRESS) X(L, IP_REMOTE_PORT) \
	X(L, ALE_REMOTE_USER_ID) X(L, ALE_REMOTE_MACHINE_ID) \
	X(L, IP_DESTINATION_ADDRESS_TYPE) X(L, IP_LOCAL_INTERFACE) X(L, FLAGS) \
	X(L, INTERFACE_TYPE) X(L, TUNNEL_TYPE) X(L, INTERFACE_INDEX) X(L, SUB_INTERFACE_INDEX) \
	X(L, IP_ARRIVAL_INTERFACE) X(L, ARRIVAL_INTERFACE_TYPE) X(L, ARRIVAL_TUNNEL_TYPE) \
	X(L, ARRIVAL_INTERFACE_INDEX) X(L, NEXTHOP_SUB_INTERFACE_INDEX) \
	X(L, IP_NEXTHOP_INTERFACE) X(L, NEXTHOP_INTERFACE_TYPE) X(L, NEXTHOP_TUNNEL_TYPE) \
	X(L, NEXTHOP_INTERFACE_INDEX) X(L, ORIGINAL_PROFILE_ID) X(L, CURRENT_PROFILE_ID) \
	X(L, REAUTHORIZE_REASON) X(L, PEER_NAME) X(L, ORIGINAL_ICMP_TYPE) \
	X(L, INTERFACE_QUARANTINE_EPOCH) X(L, ALE_ORIGINAL_APP_ID) X(L, ALE_PACKAGE_ID) \
	X(L, ALE_SECURITY_ATTRIBUTE_FQBN_VALUE) X(L, ALE_EFFECTIVE_NAME) X(L, COMPARTMENT_ID) \
	X(L, BITMAP_IP_LOCAL_ADDRESS) X(L, BITMAP_IP_LOCAL_PORT) \
	X(L, BITMAP_IP_REMOTE_ADDRESS) X(L, BITMAP_IP_REMOTE_PORT)

/** ALE_FLOW_ESTABLISHED_V4/V6. */
#define DFP_WFP_FIELDS_ALE_FLOW_ESTABLISHED(X, L) \
	X(L, ALE_APP_ID) X(L, ALE_USER_ID) X(L, IP_LOCAL_ADDRESS) X(L, IP_LOCAL_ADDRESS_TYPE) \
	X(L, IP_LOCAL_PORT) X(L, IP_PROTOCOL) X(L, IP_REMOTE_ADDRESS) X(L, IP_REMOTE_PORT) \
	X(L, ALE_REMOTE_USER_ID) X(L, ALE_REMOTE_MACHINE_ID) \
	X(L, IP_DESTINATION_ADDRESS_TYPE) X(L, IP_LOCAL_INTERFACE) X(L, DIRECTION) \
	X(L, INTERFACE_TYPE) X(L, TUNNEL_TYPE) X(L, FLAGS) X(L, ALE_ORIGINAL_APP_ID) \
	X(L, ALE_PACKAGE_ID) X(L, ALE_SECURITY_ATTRIBUTE_FQBN_VALUE) X(L, COMPARTMENT_ID) \
	X(L, BITMAP_IP_LOCAL_ADDRESS) X(L, BITMAP_IP_LOCAL_PORT) \
	X(L, BITMAP_IP_REMOTE_ADDRESS) X(L, BITMAP_IP_REMOTE_PORT)

/** INBOUND/OUTBOUND_MAC_FRAME_ETHERNET. */
#define DFP_WFP_FIELDS_MAC_FRAME_ETHERNET(X, L) \
	X(L, INTERFACE_MAC_ADDRESS) X(L, MAC_LOCAL_ADDRESS) X(L, MAC_REMOTE_ADDRESS) \
	X(L, MAC_LOCAL_ADDRESS_TYPE) X(L, MAC_REMOTE_ADDRESS_TYPE) X(L, ETHER_TYPE) \
	X(L, VLAN_ID) X(L, INTERFACE) X(L, INTERFACE_INDEX) X(L, NDIS_PORT) X(L, L2_FLAGS) \
	X(L, COMPARTMENT_ID)

/** Declares typedef enum FWPS_FIELDS_<layer> from a list. */
#define DFP_WFP_FIELDS_ENUM_(list, layer) \
	typedef enum FWPS_FIELDS_##layer##_ { \
		list(DFP_WFP_FIELD_, layer) \
		FWPS_FIELD_##layer##_MAX \
	} FWPS_FIELDS_##layer;

DFP_WFP_FIELDS_ENUM_(DFP_WFP_FIELDS_INBOUND_IPPACKET, INBOUND_IPPACKET_V4)
DFP_WFP_FIELDS_ENUM_(DFP_WFP_FIELDS_INBOUND_IPPACKET, INBOUND_IPPACKET_V6)
DFP_WFP_FIELDS_ENUM_(DFP_WFP_FIELDS_OUTBOUND_IPPACKET, OUTBOUND_IPPACKET_V4)
DFP_WFP_FIELDS_ENUM_(DFP_WFP_FIELDS_OUTBOUND_IPPACKET, OUTBOUND_IPPACKET_V6)
DFP_WFP_FIELDS_ENUM_(DFP_WFP_FIELDS_INBOUND_TRANSPORT, INBOUND_TRANSPORT_V4)
DFP_WFP_FIELDS_ENUM_(DFP_WFP_FIELDS_INBOUND_TRANSPORT, INBOUND_TRANSPORT_V6)
DFP_WFP_FIELDS_ENUM_(DFP_WFP_FIELDS_OUTBOUND_TRANSPORT, OUTBOUND_TRANSPORT_V4)
DFP_WFP_FIELDS_ENUM_(DFP_WFP_FIELDS_OUTBOUND_TRANSPORT, OUTBOUND_TRANSPORT_V6)
DFP_WFP_FIELDS_ENUM_(DFP_WFP_FIELDS_STREAM, STREAM_V4)
DFP_WFP_FIELDS_ENUM_(DFP_WFP_FIELDS_STREAM, STREAM_V6)
DFP_WFP_FIELDS_ENUM_(DFP_WFP_FIELDS_DATAGRAM_DATA, DATAGRAM_DATA_V4)
DFP_WFP_FIELDS_ENUM_(DFP_WFP_FIELDS_DATAGRAM_DATA, DATAGRAM_DATA_V6)
DFP_WFP_FIELDS_ENUM_(DFP_WFP_FIELDS_ALE_AUTH_RECV_ACCEPT, ALE_AUTH_RECV_ACCEPT_V4)
DFP_WFP_FIELDS_ENUM_(DFP_WFP_FIELDS_ALE_AUTH_RECV_ACCEPT, ALE_AUTH_RECV_ACCEPT_V6)
DFP_WFP_FIELDS_ENUM_(DFP_WFP_FIELDS_ALE_AUTH_CONNECT, ALE_AUTH_CONNECT_V4)
DFP_WFP_FIELDS_ENUM_(DFP_WFP_FIELDS_ALE_AUTH_CONNECT, ALE_AUTH_CONNECT_V6)
DFP_WFP_FIELDS_ENUM_(DFP_WFP_FIELDS_ALE_FLOW_ESTABLISHED, ALE_FLOW_ESTABLISHED_V4)
DFP_WFP_FIELDS_ENUM_(DFP_WFP_FIELDS_ALE_FLOW_ESTABLISHED, ALE_FLOW_ESTABLISHED_V6)
DFP_WFP_FIELDS_ENUM_(DFP_WFP_FIELDS_MAC_FRAME_ETHERNET, INBOUND_MAC_FRAME_ETHERNET)
DFP_WFP_FIELDS_ENUM_(DFP_WFP_FIELDS_MAC_FRAME_ETHERNET, OUTBOUND_MAC_FRAME_ETHERNET)

/* ICMP type and code travel in the port fields (WFP's aliases). */
#define FWPS_FIELD_INBOUND_TRANSPORT_V4_ICMP_TYPE FWPS_FIELD_INBOUND_TRANSPORT_V4_IP_LOCAL_PORT
#define FWPS_FIELD_INBOUND_TRANSPORT_V4_ICMP_CODE FWPS_FIELD_INBOUND_TRANSPORT_V4_IP_REMOTE_PORT
#define FWPS_FIELD_INBOUND_TRANSPORT_V6_ICMP_TYPE FWPS_FIELD_INBOUND_TRANSPORT_V6_IP_LOCAL_PORT
#define FWPS_FIELD_INBOUND_TRANSPORT_V6_ICMP_CODE FWPS_FIELD_INBOUND_TRANSPORT_V6_IP_REMOTE_PORT
#define FWPS_FIELD_OUTBOUND_TRANSPORT_V4_ICMP_TYPE FWPS_FIELD_OUTBOUND_TRANSPORT_V4_IP_LOCAL_PORT
#define FWPS_FIELD_OUTBOUND_TRANSPORT_V4_ICMP_CODE FWPS_FIELD_OUTBOUND_TRANSPORT_V4_IP_REMOTE_PORT
#define FWPS_FIELD_OUTBOUND_TRANSPORT_V6_ICMP_TYPE FWPS_FIELD_OUTBOUND_TRANSPORT_V6_IP_LOCAL_PORT
#define FWPS_FIELD_OUTBOUND_TRANSPORT_V6_ICMP_CODE FWPS_FIELD_OUTBOUND_TRANSPORT_V6_IP_REMOTE_PORT
#define FWPS_FIELD_DATAGRAM_DATA_V4_ICMP_TYPE FWPS_FIELD_DATAGRAM_DATA_V4_IP_LOCAL_PORT
#define FWPS_FIELD_DATAGRAM_DATA_V4_ICMP_CODE FWPS_FIELD_DATAGRAM_DATA_V4_IP_REMOTE_PORT
#define FWPS_FIELD_DATAGRAM_DATA_V6_ICMP_TYPE FWPS_FIELD_DATAGRAM_DATA_V6_IP_LOCAL_PORT
#define FWPS_FIELD_DATAGRAM_DATA_V6_ICMP_CODE FWPS_FIELD_DATAGRAM_DATA_V6_IP_REMOTE_PORT
#define FWPS_FIELD_ALE_AUTH_RECV_ACCEPT_V4_ICMP_TYPE \
	FWPS_FIELD_ALE_AUTH_RECV_ACCEPT_V4_IP_LOCAL_PORT
#define FWPS_FIELD_ALE_AUTH_RECV_ACCEPT_V4_ICMP_CODE \
	FWPS_FIELD_ALE_AUTH_RECV_ACCEPT_V4_IP_REMOTE_PORT
#define FWPS_FIELD_ALE_AUTH_RECV_ACCEPT_V6_ICMP_TYPE \
	FWPS_FIELD_ALE_AUTH_RECV_ACCEPT_V6_IP_LOCAL_PORT
#define FWPS_FIELD_ALE_AUTH_RECV_ACCEPT_V6_ICMP_CODE \
	FWPS_FIELD_ALE_AUTH_RECV_ACCEPT_V6_IP_REMOTE_PORT
#define FWPS_FIELD_ALE_AUTH_CONNECT_V4_ICMP_TYPE FWPS_FIELD_ALE_AUTH_CONNECT_V4_IP_LOCAL_PORT
#define FWPS_FIELD_ALE_AUTH_CONNECT_V4_ICMP_CODE FWPS_FIELD_ALE_AUTH_CONNECT_V4_IP_REMOTE_PORT
#define FWPS_FIELD_ALE_AUTH_CONNECT_V6_ICMP_TYPE FWPS_FIELD_ALE_AUTH_CONNECT_V6_IP_LOCAL_PORT
#define FWPS_FIELD_ALE_AUTH_CONNECT_V6_ICMP_CODE FWPS_FIELD_ALE_AUTH_CONNECT_V6_IP_REMOTE_PORT
#define FWPS_FIELD_ALE_FLOW_ESTABLISHED_V4_ICMP_TYPE \
	FWPS_FIELD_ALE_FLOW_ESTABLISHED_V4_IP_LOCAL_PORT
#define FWPS_FIELD_ALE_FLOW_ESTABLISHED_V4_ICMP_CODE \
	FWPS_FIELD_ALE_FLOW_ESTABLISHED_V4_IP_REMOTE_PORT
#define FWPS_FIELD_ALE_FLOW_ESTABLISHED_V6_ICMP_TYPE \
	FWPS_FIELD_ALE_FLOW_ESTABLISHED_V6_IP_LOCAL_PORT
#define FWPS_FIELD_ALE_FLOW_ESTABLISHED_V6_ICMP_CODE \
	FWPS_FIELD_ALE_FLOW_ESTABLISHED_V6_IP_REMOTE_PORT

/** Entries of the largest incoming-value array dfp builds (ALE_AUTH_CONNECT). */
#define DFP_WFP_MAX_INCOMING_VALUES ((unsigned int)FWPS_FIELD_ALE_AUTH_CONNECT_V4_MAX)

/* ======================================================================
 * FWPM: the management side (fwpmtypes.h, fwpmk.h)
 * ====================================================================== */

/** A display name and description (UTF-32 on Linux; dfp stores the name as UTF-8). */
typedef struct FWPM_DISPLAY_DATA0_ {
	wchar_t *name;        /**< Mandatory for every object dfp adds. */
	wchar_t *description; /**< Ignored by dfp. */
} FWPM_DISPLAY_DATA0;

/** FWPM_SESSION_FLAG_DYNAMIC: the session's objects are deleted when it closes. */
#define FWPM_SESSION_FLAG_DYNAMIC 0x00000001u

/** A session (FwpmEngineOpen0's optional argument). */
typedef struct FWPM_SESSION0_ {
	GUID sessionKey;               /**< Ignored. */
	FWPM_DISPLAY_DATA0 displayData; /**< Ignored. */
	UINT32 flags;                  /**< FWPM_SESSION_FLAG_DYNAMIC or 0. */
	UINT32 txnWaitTimeoutInMSec;   /**< Transaction lock wait; 0 = default (15 s). */
	DWORD processId;               /**< Ignored. */
	SID *sid;                      /**< Ignored. */
	wchar_t *username;             /**< Ignored. */
	BOOL kernelMode;               /**< Ignored. */
} FWPM_SESSION0;

/** FWPM_TXN_READ_ONLY: FwpmTransactionBegin0 flag. */
#define FWPM_TXN_READ_ONLY 0x00000001u

/** FWPM_SUBLAYER_FLAG_PERSISTENT. */
#define FWPM_SUBLAYER_FLAG_PERSISTENT 0x00000001u

/** A sublayer. */
typedef struct FWPM_SUBLAYER0_ {
	GUID subLayerKey;               /**< Key; zero = generated. */
	FWPM_DISPLAY_DATA0 displayData; /**< Name mandatory. */
	UINT32 flags;                   /**< FWPM_SUBLAYER_FLAG_*. */
	GUID *providerKey;              /**< Must be NULL in dfp. */
	FWP_BYTE_BLOB providerData;     /**< Ignored. */
	UINT16 weight;                  /**< Higher is evaluated first. */
} FWPM_SUBLAYER0;

/** FWPM_CALLOUT_FLAG_* (management form). */
#define FWPM_CALLOUT_FLAG_PERSISTENT 0x00010000u
#define FWPM_CALLOUT_FLAG_USES_PROVIDER_CONTEXT 0x00020000u
#define FWPM_CALLOUT_FLAG_REGISTERED 0x00040000u

/** A callout management object. */
typedef struct FWPM_CALLOUT0_ {
	GUID calloutKey;                /**< Key shared with the registration. */
	FWPM_DISPLAY_DATA0 displayData; /**< Name mandatory. */
	UINT32 flags;                   /**< FWPM_CALLOUT_FLAG_PERSISTENT or 0. */
	GUID *providerKey;              /**< Must be NULL in dfp. */
	FWP_BYTE_BLOB providerData;     /**< Ignored. */
	GUID applicableLayer;           /**< FWPM_LAYER_* of the layer it serves. */
	UINT32 calloutId;               /**< Output of enumeration; ignored on add. */
} FWPM_CALLOUT0;

/** A filter action. */
typedef struct FWPM_ACTION0_ {
	FWP_ACTION_TYPE type;    /**< One of the five filter actions. */
	union {
		GUID filterType; /**< Non-callout actions: a free tag (ignored). */
		GUID calloutKey; /**< Callout actions: the callout. */
	};
} FWPM_ACTION0;

/** A management condition. */
typedef struct FWPM_FILTER_CONDITION0_ {
	GUID fieldKey;                       /**< FWPM_CONDITION_* (or DFP_CONDITION_*). */
	FWP_MATCH_TYPE matchType;            /**< Match. */
	FWP_CONDITION_VALUE0 conditionValue; /**< Operand of the field's type. */
} FWPM_FILTER_CONDITION0;

/** FWPM_FILTER_FLAG_* (dfp accepts NONE, PERSISTENT, CLEAR_ACTION_RIGHT, PERMIT_IF_...). */
#define FWPM_FILTER_FLAG_NONE 0x00000000u
#define FWPM_FILTER_FLAG_PERSISTENT 0x00000001u
#define FWPM_FILTER_FLAG_BOOTTIME 0x00000002u
#define FWPM_FILTER_FLAG_HAS_PROVIDER_CONTEXT 0x00000004u
#define FWPM_FILTER_FLAG_CLEAR_ACTION_RIGHT 0x00000008u
#define FWPM_FILTER_FLAG_PERMIT_IF_CALLOUT_UNREGISTERED 0x00000010u
#define FWPM_FILTER_FLAG_DISABLED 0x00000020u
#define FWPM_FILTER_FLAG_INDEXED 0x00000040u

/** Filter weight constants. */
#define FWPM_AUTO_WEIGHT_BITS 60
#define FWPM_AUTO_WEIGHT_MAX (UINT64_MAX >> 4)
#define FWPM_WEIGHT_RANGE_MAX (UINT64_MAX >> 60)
#define FWPM_WEIGHT_RANGE_IPSEC 0x0
#define FWPM_WEIGHT_RANGE_IKE_EXEMPTIONS 0xc

/** A filter. */
typedef struct FWPM_FILTER0_ {
	GUID filterKey;                   /**< Key; zero = generated. */
	FWPM_DISPLAY_DATA0 displayData;   /**< Name mandatory. */
	UINT32 flags;                     /**< FWPM_FILTER_FLAG_*. */
	GUID *providerKey;                /**< Must be NULL in dfp. */
	FWP_BYTE_BLOB providerData;       /**< Ignored. */
	GUID layerKey;                    /**< FWPM_LAYER_*. */
	GUID subLayerKey;                 /**< Zero = FWPM_SUBLAYER_UNIVERSAL. */
	FWP_VALUE0 weight;                /**< FWP_EMPTY, FWP_UINT8 (0..15) or FWP_UINT64. */
	UINT32 numFilterConditions;       /**< Conditions (0 = match all). */
	FWPM_FILTER_CONDITION0 *filterCondition; /**< The conditions. */
	FWPM_ACTION0 action;              /**< Action. */
	union {
		UINT64 rawContext;        /**< Copied to FWPS_FILTERn.context. */
		GUID providerContextKey;  /**< Not supported by dfp. */
	};
	GUID *reserved;                   /**< Reserved; ignored. */
	UINT64 filterId;                  /**< Output of enumeration; ignored on add. */
	FWP_VALUE0 effectiveWeight;       /**< Output of enumeration; ignored on add. */
} FWPM_FILTER0;

/* ---- Well-known GUIDs (constants; defined in lib/wfp) ---- */

/** Layers dfp implements (FWPM_LAYER_*, spec §1.2). */
extern const GUID FWPM_LAYER_INBOUND_IPPACKET_V4;
extern const GUID FWPM_LAYER_INBOUND_IPPACKET_V6;
extern const GUID FWPM_LAYER_OUTBOUND_IPPACKET_V4;
extern const GUID FWPM_LAYER_OUTBOUND_IPPACKET_V6;
extern const GUID FWPM_LAYER_INBOUND_TRANSPORT_V4;
extern const GUID FWPM_LAYER_INBOUND_TRANSPORT_V6;
extern const GUID FWPM_LAYER_OUTBOUND_TRANSPORT_V4;
extern const GUID FWPM_LAYER_OUTBOUND_TRANSPORT_V6;
extern const GUID FWPM_LAYER_STREAM_V4;
extern const GUID FWPM_LAYER_STREAM_V6;
extern const GUID FWPM_LAYER_DATAGRAM_DATA_V4;
extern const GUID FWPM_LAYER_DATAGRAM_DATA_V6;
extern const GUID FWPM_LAYER_ALE_AUTH_RECV_ACCEPT_V4;
extern const GUID FWPM_LAYER_ALE_AUTH_RECV_ACCEPT_V6;
extern const GUID FWPM_LAYER_ALE_AUTH_CONNECT_V4;
extern const GUID FWPM_LAYER_ALE_AUTH_CONNECT_V6;
extern const GUID FWPM_LAYER_ALE_FLOW_ESTABLISHED_V4;
extern const GUID FWPM_LAYER_ALE_FLOW_ESTABLISHED_V6;
extern const GUID FWPM_LAYER_INBOUND_MAC_FRAME_ETHERNET;
extern const GUID FWPM_LAYER_OUTBOUND_MAC_FRAME_ETHERNET;

/** Condition fields dfp offers (FWPM_CONDITION_*). */
extern const GUID FWPM_CONDITION_IP_PROTOCOL;
extern const GUID FWPM_CONDITION_IP_LOCAL_ADDRESS;
extern const GUID FWPM_CONDITION_IP_REMOTE_ADDRESS;
extern const GUID FWPM_CONDITION_IP_LOCAL_ADDRESS_TYPE;
extern const GUID FWPM_CONDITION_IP_LOCAL_PORT;
extern const GUID FWPM_CONDITION_IP_REMOTE_PORT;
extern const GUID FWPM_CONDITION_INTERFACE_INDEX;
extern const GUID FWPM_CONDITION_FLAGS;
extern const GUID FWPM_CONDITION_DIRECTION;
extern const GUID FWPM_CONDITION_VLAN_ID;
extern const GUID FWPM_CONDITION_ETHER_TYPE;
extern const GUID FWPM_CONDITION_MAC_LOCAL_ADDRESS;
extern const GUID FWPM_CONDITION_MAC_REMOTE_ADDRESS;
extern const GUID FWPM_CONDITION_REAUTHORIZE_REASON;
/** ICMP type and code are matched through the port fields (WFP's aliases). */
#define FWPM_CONDITION_ICMP_TYPE FWPM_CONDITION_IP_LOCAL_PORT
#define FWPM_CONDITION_ICMP_CODE FWPM_CONDITION_IP_REMOTE_PORT
/** dfp extension: TCP flags byte (FWP_UINT8), DFP_TCP_FLAGS. */
extern const GUID DFP_CONDITION_TCP_FLAGS;
/** dfp extension: DSCP (FWP_UINT8), DFP_DSCP. */
extern const GUID DFP_CONDITION_DSCP;

/** Built-in sublayers. */
extern const GUID FWPM_SUBLAYER_UNIVERSAL;
extern const GUID FWPM_SUBLAYER_INSPECTION;

/* ======================================================================
 * Binding
 * ====================================================================== */

/**
 * Bind the WFP names to the process's control plane (or unbind with NULL).
 * The appliance calls this once at start-up, before any WFP call and before
 * workers start. Unbinding does not close sessions or unregister callouts:
 * do that first.
 *
 * @param ctl  the control plane, or NULL.
 * Control thread; does not block; not MT-safe against WFP calls in flight.
 */
void dfp_wfp_bind(struct dfp_ctl *ctl);

/**
 * The FWPS_FIELDS_<layer> index at which the callout adapter delivers an
 * engine field, or -1 (not a WFP field of that layer, or not offered by dfp
 * there, or layer not implemented).
 *
 * @param layerId  FWPS_LAYER_* id.
 * @param field    engine field.
 * Any thread; pure.
 */
int dfp_wfp_field_index(UINT16 layerId, enum dfp_field field);

/* ======================================================================
 * Management functions (Fwpm*): PASSIVE, control threads only.
 *
 * Besides the statuses listed, each returns STATUS_INVALID_DEVICE_STATE
 * when dfp_wfp_bind() has not been called, STATUS_NOT_SUPPORTED when called
 * from a worker or a callout callback, STATUS_FWP_TIMEOUT when another
 * session's transaction held the engine too long, and
 * STATUS_FWP_INCOMPATIBLE_TXN for a write inside a read-only transaction.
 * Each may block waiting for the transaction lock; outside an explicit
 * transaction a write is committed (compiled, published, a grace period
 * waited for) before the call returns.
 * ====================================================================== */

/**
 * Open a session.
 *
 * @param serverName    must be NULL (local engine).
 * @param authnService  RPC_C_AUTHN_WINNT or RPC_C_AUTHN_DEFAULT.
 * @param authIdentity  ignored.
 * @param session       flags and transaction wait; NULL = static session, defaults.
 * @param engineHandle  receives the handle (a struct dfp_ctl_session *).
 * @return STATUS_SUCCESS; STATUS_INVALID_PARAMETER (serverName, authnService,
 *         NULL engineHandle); STATUS_FWP_INVALID_FLAGS; STATUS_NO_MEMORY.
 * Control thread.
 */
NTSTATUS FwpmEngineOpen0(const wchar_t *serverName, UINT32 authnService, void *authIdentity,
		const FWPM_SESSION0 *session, HANDLE *engineHandle);

/**
 * Close a session: aborts its open transaction and, for a dynamic session,
 * deletes every object it added (in one committed transaction).
 *
 * @param engineHandle  from FwpmEngineOpen0(); invalid afterwards.
 * @return STATUS_SUCCESS; STATUS_INVALID_PARAMETER (NULL handle); or the
 *         failure of the deleting commit.
 * Control thread; blocks for the commit.
 */
NTSTATUS FwpmEngineClose0(HANDLE engineHandle);

/**
 * Begin an explicit transaction.
 *
 * @param flags  0 or FWPM_TXN_READ_ONLY.
 * @return STATUS_SUCCESS; STATUS_FWP_TXN_IN_PROGRESS; STATUS_FWP_INVALID_FLAGS;
 *         STATUS_INVALID_PARAMETER (NULL handle).
 * Control thread; may wait for the transaction lock.
 */
NTSTATUS FwpmTransactionBegin0(HANDLE engineHandle, UINT32 flags);

/**
 * Commit the session's transaction.
 * @return STATUS_SUCCESS; STATUS_FWP_NO_TXN_IN_PROGRESS; STATUS_NO_MEMORY /
 *         STATUS_INSUFFICIENT_RESOURCES (compilation failed; still open);
 *         STATUS_INVALID_PARAMETER.
 * Control thread; blocks for compilation and a grace period.
 */
NTSTATUS FwpmTransactionCommit0(HANDLE engineHandle);

/**
 * Abort the session's transaction.
 * @return STATUS_SUCCESS; STATUS_FWP_NO_TXN_IN_PROGRESS; STATUS_INVALID_PARAMETER.
 * Control thread.
 */
NTSTATUS FwpmTransactionAbort0(HANDLE engineHandle);

/**
 * Add a sublayer.
 *
 * @param subLayer  the sublayer (copied).
 * @param sd        ignored.
 * @return STATUS_SUCCESS; STATUS_FWP_NULL_POINTER; STATUS_FWP_NULL_DISPLAY_NAME;
 *         STATUS_FWP_PROVIDER_NOT_FOUND (providerKey set);
 *         STATUS_FWP_INVALID_FLAGS; STATUS_FWP_ALREADY_EXISTS;
 *         STATUS_INVALID_PARAMETER (handle, or a name that is not valid
 *         UTF-32); STATUS_NO_MEMORY.
 * Control thread.
 */
NTSTATUS FwpmSubLayerAdd0(HANDLE engineHandle, const FWPM_SUBLAYER0 *subLayer,
		PSECURITY_DESCRIPTOR sd);

/**
 * Delete a sublayer.
 * @return STATUS_SUCCESS; STATUS_FWP_SUBLAYER_NOT_FOUND; STATUS_FWP_IN_USE
 *         (filters in it); STATUS_FWP_BUILTIN_OBJECT; STATUS_FWP_NULL_POINTER;
 *         STATUS_INVALID_PARAMETER.
 * Control thread.
 */
NTSTATUS FwpmSubLayerDeleteByKey0(HANDLE engineHandle, const GUID *key);

/**
 * Add a callout management object. Its run-time id is the one a
 * registration with the same key has (or will get).
 *
 * @param callout  the object (copied).
 * @param sd       ignored.
 * @param id       receives the callout id (may be NULL).
 * @return STATUS_SUCCESS; STATUS_FWP_ALREADY_EXISTS; STATUS_FWP_LAYER_NOT_FOUND
 *         (applicableLayer); STATUS_FWP_NULL_POINTER; STATUS_FWP_NULL_DISPLAY_NAME;
 *         STATUS_FWP_PROVIDER_NOT_FOUND; STATUS_FWP_INVALID_FLAGS;
 *         STATUS_INVALID_PARAMETER; STATUS_NO_MEMORY.
 * Control thread.
 */
NTSTATUS FwpmCalloutAdd0(HANDLE engineHandle, const FWPM_CALLOUT0 *callout,
		PSECURITY_DESCRIPTOR sd, UINT32 *id);

/**
 * Delete a callout management object by id.
 * @return STATUS_SUCCESS; STATUS_FWP_CALLOUT_NOT_FOUND; STATUS_FWP_IN_USE
 *         (a filter names it); STATUS_INVALID_PARAMETER.
 * Control thread.
 */
NTSTATUS FwpmCalloutDeleteById0(HANDLE engineHandle, UINT32 id);

/** As FwpmCalloutDeleteById0(), by key; STATUS_FWP_NULL_POINTER for a NULL key. */
NTSTATUS FwpmCalloutDeleteByKey0(HANDLE engineHandle, const GUID *key);

/**
 * Add a filter. FWPM_FILTER0 is converted to an engine filter: layerKey to
 * the layer id, weight FWP_EMPTY / FWP_UINT8 (range 0..15) / FWP_UINT64
 * (verbatim), each condition's fieldKey to the engine field and its value
 * to the field's type (FWP_V4_ADDR_MASK and FWP_V6_ADDR_MASK become
 * prefixes, FWP_RANGE_TYPE an inclusive range). Types must match exactly,
 * as in WFP.
 *
 * @param filter  the filter (copied).
 * @param sd      ignored.
 * @param id      receives the filter id (may be NULL).
 * @return STATUS_SUCCESS;
 *         STATUS_FWP_NULL_POINTER (filter, conditions or a value pointer NULL);
 *         STATUS_FWP_LAYER_NOT_FOUND (layerKey);
 *         STATUS_FWP_PROVIDER_NOT_FOUND (providerKey set);
 *         STATUS_FWP_INVALID_WEIGHT (weight not EMPTY/UINT8/UINT64, or > 15);
 *         STATUS_FWP_CONDITION_NOT_FOUND (unknown field, or not at the layer);
 *         STATUS_FWP_TYPE_MISMATCH (value type does not fit the field);
 *         STATUS_FWP_MATCH_TYPE_MISMATCH (match does not fit the value type);
 *         STATUS_FWP_INVALID_NET_MASK (non-contiguous v4 mask, v6 prefix > 128);
 *         STATUS_FWP_INVALID_RANGE; STATUS_FWP_OUT_OF_BOUNDS;
 *         STATUS_FWP_NULL_DISPLAY_NAME; STATUS_FWP_SUBLAYER_NOT_FOUND;
 *         STATUS_FWP_CALLOUT_NOT_FOUND; STATUS_FWP_INCOMPATIBLE_LAYER;
 *         STATUS_FWP_INVALID_ACTION_TYPE; STATUS_FWP_INVALID_FLAGS;
 *         STATUS_FWP_ALREADY_EXISTS; STATUS_FWP_CALLOUT_NOTIFICATION_FAILED;
 *         STATUS_INVALID_PARAMETER; STATUS_NO_MEMORY.
 * Control thread; the callout's notifyFn runs inside this call.
 */
NTSTATUS FwpmFilterAdd0(HANDLE engineHandle, const FWPM_FILTER0 *filter,
		PSECURITY_DESCRIPTOR sd, UINT64 *id);

/**
 * Delete a filter by id; DELETE_FILTER reaches the callout after the commit.
 * @return STATUS_SUCCESS; STATUS_FWP_FILTER_NOT_FOUND; STATUS_INVALID_PARAMETER.
 * Control thread.
 */
NTSTATUS FwpmFilterDeleteById0(HANDLE engineHandle, UINT64 id);

/** As FwpmFilterDeleteById0(), by key; STATUS_FWP_NULL_POINTER for a NULL key. */
NTSTATUS FwpmFilterDeleteByKey0(HANDLE engineHandle, const GUID *key);

/* ======================================================================
 * Callout registration (FwpsCallout*): PASSIVE, control threads only.
 * Each also returns STATUS_INVALID_DEVICE_STATE when unbound and
 * STATUS_NOT_SUPPORTED from a worker or callback.
 * ====================================================================== */

/**
 * Register a callout: its code runs for filters whose action names
 * calloutKey. FwpsCalloutRegister0..3 share one implementation; they differ
 * only in the classifyFn/notifyFn prototypes they accept.
 *
 * @param deviceObject  ignored (WFP's device object).
 * @param callout       the registration (copied).
 * @param calloutId     receives the run-time id (may be NULL); the same id
 *                      FwpmCalloutAdd0() reports for that key.
 * @return STATUS_SUCCESS; STATUS_FWP_ALREADY_EXISTS (key registered);
 *         STATUS_FWP_IN_USE (the key is being (un)registered through the
 *         native API by another thread); STATUS_INVALID_PARAMETER (NULL
 *         callout or classifyFn, bad flags); STATUS_FWP_TOO_MANY_CALLOUTS;
 *         STATUS_NO_MEMORY.
 * Control thread; waits for an RCU grace period. WFP registration calls
 * are serialised among themselves.
 */
NTSTATUS FwpsCalloutRegister0(void *deviceObject, const FWPS_CALLOUT0 *callout,
		UINT32 *calloutId);
/** See FwpsCalloutRegister0(); classifyFn1 receives classifyContext. */
NTSTATUS FwpsCalloutRegister1(void *deviceObject, const FWPS_CALLOUT1 *callout,
		UINT32 *calloutId);
/** See FwpsCalloutRegister0(). */
NTSTATUS FwpsCalloutRegister2(void *deviceObject, const FWPS_CALLOUT2 *callout,
		UINT32 *calloutId);
/** See FwpsCalloutRegister0(). */
NTSTATUS FwpsCalloutRegister3(void *deviceObject, const FWPS_CALLOUT3 *callout,
		UINT32 *calloutId);

/**
 * Unregister a callout by id. On success no worker is inside its code any
 * more and filters naming it fall back per spec §3.3.
 *
 * @return STATUS_SUCCESS; STATUS_DEVICE_BUSY (flows still carry its
 *         contexts: nothing changes, remove them and retry);
 *         STATUS_FWP_CALLOUT_NOT_FOUND; STATUS_FWP_IN_USE.
 * Control thread; waits for an RCU grace period.
 */
NTSTATUS FwpsCalloutUnregisterById0(const UINT32 calloutId);

/** As FwpsCalloutUnregisterById0(), by key; STATUS_INVALID_PARAMETER for a NULL key. */
NTSTATUS FwpsCalloutUnregisterByKey0(const GUID *calloutKey);

/* ======================================================================
 * Flow contexts and classify handles: DISPATCH, any thread (including
 * inside classifyFn), lock-free or bounded, never block. Each returns
 * STATUS_INVALID_DEVICE_STATE when unbound (the void ones do nothing).
 * ====================================================================== */

/**
 * Associate a context with (flow, layer, callout); later classifyFn calls
 * of that callout at that layer for that flow receive it as flowContext.
 *
 * @param flowId       inMetaValues->flowHandle.
 * @param layerId      layer the context is delivered at (a flow layer).
 * @param calloutId    callout registered with a flowDeleteFn.
 * @param flowContext  non-zero value; released only by flowDeleteFn.
 * @return STATUS_SUCCESS; STATUS_OBJECT_NAME_EXISTS (one is associated);
 *         STATUS_INVALID_PARAMETER (context 0, no live flow, callout not
 *         registered or without flowDeleteFn, not a flow layer);
 *         STATUS_INSUFFICIENT_RESOURCES (the flow's context slots are full).
 */
NTSTATUS FwpsFlowAssociateContext0(UINT64 flowId, UINT16 layerId, UINT32 calloutId,
		UINT64 flowContext);

/**
 * Remove the context of (flow, layer, callout); flowDeleteFn runs for it.
 * @return STATUS_SUCCESS (flowDeleteFn already ran); STATUS_PENDING (the
 *         flow is being classified: flowDeleteFn runs when that ends);
 *         STATUS_UNSUCCESSFUL (no such context or flow).
 */
NTSTATUS FwpsFlowRemoveContext0(UINT64 flowId, UINT16 layerId, UINT32 calloutId);

/**
 * Ask the owning worker to end a flow; its contexts' flowDeleteFn run then.
 * @return STATUS_SUCCESS; STATUS_UNSUCCESSFUL (no such live flow).
 */
NTSTATUS FwpsFlowAbort0(UINT64 flowId);

/**
 * Acquire a handle on the classification in progress (from classifyFn1..3).
 *
 * @param classifyContext  classifyFn's classifyContext argument.
 * @param flags            must be 0.
 * @param classifyHandle   receives the handle.
 * @return STATUS_SUCCESS; STATUS_INVALID_PARAMETER (NULL argument, flags);
 *         STATUS_INSUFFICIENT_RESOURCES (no free handle).
 */
NTSTATUS FwpsAcquireClassifyHandle0(void *classifyContext, UINT32 flags,
		UINT64 *classifyHandle);

/**
 * Pend the classification (ALE_AUTH_CONNECT and ALE_AUTH_RECV_ACCEPT only,
 * not during re-authorisation). On success classifyOut becomes BLOCK with
 * ABSORB and the write right cleared; the flow's packets are held until
 * FwpsCompleteClassify0().
 *
 * @param classifyHandle  from FwpsAcquireClassifyHandle0().
 * @param filterId        filter->filterId.
 * @param flags           must be 0.
 * @param classifyOut     classifyFn's output (in/out).
 * @return STATUS_SUCCESS; STATUS_FWP_CANNOT_PEND; STATUS_INVALID_PARAMETER
 *         (stale handle, already pended, NULL classifyOut, flags).
 * Inside the classifyFn that acquired the handle.
 */
NTSTATUS FwpsPendClassify0(UINT64 classifyHandle, UINT64 filterId, UINT32 flags,
		FWPS_CLASSIFY_OUT0 *classifyOut);

/**
 * Complete a pended classification with a final decision (classifyOut),
 * or ask for re-authorisation (classifyOut NULL); the owning worker
 * applies it. A stale or unpended handle is counted in dfp_callout_stats
 * and otherwise ignored. A full completion ring is retried briefly
 * (bounded spin); if it stays full the pend later times out with the
 * callout's default action (use dfp_callout_handle_complete() to see the
 * status).
 *
 * @param flags  must be 0 (ignored).
 */
void FwpsCompleteClassify0(UINT64 classifyHandle, UINT32 flags,
		const FWPS_CLASSIFY_OUT0 *classifyOut);

/**
 * Release a classify handle (exactly once per acquire; before or after
 * completion). A stale or double release is counted and ignored.
 */
void FwpsReleaseClassifyHandle0(UINT64 classifyHandle);

/* ======================================================================
 * Layout checks (WFP's x64 layout, and dfp's structures it mirrors)
 * ====================================================================== */

_Static_assert(sizeof(GUID) == 16, "GUID layout");
_Static_assert(sizeof(FWPS_CLASSIFY_OUT0) == sizeof(struct dfp_classify_out),
	"FWPS_CLASSIFY_OUT0 mirrors struct dfp_classify_out");
_Static_assert(offsetof(FWPS_CLASSIFY_OUT0, actionType) ==
	offsetof(struct dfp_classify_out, action_type), "classify out: actionType");
_Static_assert(offsetof(FWPS_CLASSIFY_OUT0, outContext) ==
	offsetof(struct dfp_classify_out, out_context), "classify out: outContext");
_Static_assert(offsetof(FWPS_CLASSIFY_OUT0, filterId) ==
	offsetof(struct dfp_classify_out, filter_id), "classify out: filterId");
_Static_assert(offsetof(FWPS_CLASSIFY_OUT0, rights) ==
	offsetof(struct dfp_classify_out, rights), "classify out: rights");
_Static_assert(offsetof(FWPS_CLASSIFY_OUT0, flags) ==
	offsetof(struct dfp_classify_out, flags), "classify out: flags");
_Static_assert(offsetof(FWPS_CLASSIFY_OUT0, reserved) ==
	offsetof(struct dfp_classify_out, reserved), "classify out: reserved");
#if defined(__LP64__)
_Static_assert(offsetof(FWPS_CLASSIFY_OUT0, actionType) == 0 &&
	offsetof(FWPS_CLASSIFY_OUT0, outContext) == 8 &&
	offsetof(FWPS_CLASSIFY_OUT0, filterId) == 16 &&
	offsetof(FWPS_CLASSIFY_OUT0, rights) == 24 &&
	offsetof(FWPS_CLASSIFY_OUT0, flags) == 28 &&
	offsetof(FWPS_CLASSIFY_OUT0, reserved) == 32 &&
	sizeof(FWPS_CLASSIFY_OUT0) == 40, "FWPS_CLASSIFY_OUT0: WFP x64 layout");
_Static_assert(sizeof(FWP_VALUE0) == 16 && sizeof(FWP_CONDITION_VALUE0) == 16,
	"FWP_VALUE0: WFP x64 layout");
_Static_assert(offsetof(FWPS_INCOMING_VALUES0, valueCount) == 4 &&
	offsetof(FWPS_INCOMING_VALUES0, incomingValue) == 8 &&
	sizeof(FWPS_INCOMING_VALUES0) == 16, "FWPS_INCOMING_VALUES0: WFP x64 layout");
_Static_assert(offsetof(FWPS_FILTER0, weight) == 8 &&
	offsetof(FWPS_FILTER0, subLayerWeight) == 24 &&
	offsetof(FWPS_FILTER0, flags) == 26 &&
	offsetof(FWPS_FILTER0, numFilterConditions) == 28 &&
	offsetof(FWPS_FILTER0, filterCondition) == 32 &&
	offsetof(FWPS_FILTER0, action) == 40 &&
	offsetof(FWPS_FILTER0, context) == 48 &&
	offsetof(FWPS_FILTER0, providerContext) == 56 &&
	sizeof(FWPS_FILTER0) == 64, "FWPS_FILTER0: WFP x64 layout");
_Static_assert(sizeof(FWPS_FILTER1) == sizeof(FWPS_FILTER0) &&
	sizeof(FWPS_FILTER2) == sizeof(FWPS_FILTER0) &&
	sizeof(FWPS_FILTER3) == sizeof(FWPS_FILTER0), "FWPS_FILTERn share one layout");
_Static_assert(sizeof(FWPS_FILTER_CONDITION0) == 24, "FWPS_FILTER_CONDITION0: WFP x64 layout");
_Static_assert(offsetof(FWPS_CALLOUT0, classifyFn) == 24 &&
	offsetof(FWPS_CALLOUT0, flowDeleteFn) == 40 && sizeof(FWPS_CALLOUT0) == 48,
	"FWPS_CALLOUT0: WFP x64 layout");
_Static_assert(offsetof(FWPM_FILTER0, layerKey) == 64 &&
	offsetof(FWPM_FILTER0, weight) == 96 &&
	offsetof(FWPM_FILTER0, action) == 128 &&
	offsetof(FWPM_FILTER0, rawContext) == 152 &&
	offsetof(FWPM_FILTER0, filterId) == 176 &&
	sizeof(FWPM_FILTER0) == 200, "FWPM_FILTER0: WFP x64 layout");
#endif

/* dfp's layer ids are WFP's, so FWPS_LAYER_* can be passed to dfp as they are. */
#define DFP_WFP_LAYER_CHECK_(name, id, fam, dir, kind, guid) \
	_Static_assert((int)FWPS_LAYER_##name == (int)DFP_LAYER_##name, \
		"FWPS_LAYER_" #name " is dfp's layer id");
DFP_LAYER_LIST(DFP_WFP_LAYER_CHECK_)
#undef DFP_WFP_LAYER_CHECK_

#ifdef __cplusplus
}
#endif

#endif /* DFP_WFP_H */
