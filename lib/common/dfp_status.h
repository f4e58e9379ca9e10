/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * dfp status codes: NTSTATUS values, one table for the whole project.
 *
 * Every control-plane call of dfp returns a dfp_status_t whose numeric value
 * is the NTSTATUS value WFP returns in the same situation
 * (spec/wfp-semantics.md §8). The list below is the single source of truth:
 * the enum, dfp_status_name(), dfp_status_message() and the console's
 * `status: NAME (0xXXXXXXXX)` printer are all generated from it.
 *
 * As with NT_SUCCESS(), DFP_SUCCESS() is true for every non-negative value,
 * which includes the informational STATUS_PENDING and
 * STATUS_OBJECT_NAME_EXISTS; DEVICE_BUSY (0x80000011) is a warning and fails
 * DFP_SUCCESS() although it is not an error. Callers that care compare exact
 * codes (spec §10.19).
 *
 * Thread-safety: everything here is pure and may be called from any thread,
 * including worker lcores.
 */
#ifndef DFP_STATUS_H
#define DFP_STATUS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** A status value: an NTSTATUS, signed 32-bit. */
typedef int32_t dfp_status_t;

/** True for success and informational values, like NT_SUCCESS(). */
#define DFP_SUCCESS(s) ((dfp_status_t)(s) >= 0)

/**
 * X(name, value, message): name without the STATUS_ prefix, the NTSTATUS
 * value, and a one-line description.
 */
#define DFP_STATUS_LIST(X) \
	X(SUCCESS, 0x00000000, "the operation completed successfully") \
	X(PENDING, 0x00000103, "the operation will complete later") \
	X(OBJECT_NAME_EXISTS, 0x40000000, "an object with that name already exists") \
	X(DEVICE_BUSY, 0x80000011, "the device is busy: flows still carry contexts") \
	X(UNSUCCESSFUL, 0xC0000001, "the operation was unsuccessful") \
	X(INVALID_PARAMETER, 0xC000000D, "an invalid parameter was passed") \
	X(NO_MEMORY, 0xC0000017, "not enough memory") \
	X(ACCESS_DENIED, 0xC0000022, "access denied: outside what the operator allowed") \
	X(OBJECT_NAME_NOT_FOUND, 0xC0000034, "the named object (file, module, symbol) was not found") \
	X(REVISION_MISMATCH, 0xC0000059, "the revision (ABI version) does not match") \
	X(INSUFFICIENT_RESOURCES, 0xC000009A, "insufficient resources") \
	X(NOT_SUPPORTED, 0xC00000BB, "not supported in this calling context") \
	X(IO_TIMEOUT, 0xC00000B5, "the wait timed out") \
	X(INVALID_DEVICE_STATE, 0xC0000184, "the object is not in a state that allows this") \
	X(NOT_FOUND, 0xC0000225, "the object was not found") \
	X(FWP_CALLOUT_NOT_FOUND, 0xC0220001, "the callout does not exist") \
	X(FWP_CONDITION_NOT_FOUND, 0xC0220002, "the filter condition field does not exist at this layer") \
	X(FWP_FILTER_NOT_FOUND, 0xC0220003, "the filter does not exist") \
	X(FWP_LAYER_NOT_FOUND, 0xC0220004, "the layer does not exist") \
	X(FWP_PROVIDER_NOT_FOUND, 0xC0220005, "the provider does not exist") \
	X(FWP_SUBLAYER_NOT_FOUND, 0xC0220007, "the sublayer does not exist") \
	X(FWP_NOT_FOUND, 0xC0220008, "the object does not exist") \
	X(FWP_ALREADY_EXISTS, 0xC0220009, "an object with that key already exists") \
	X(FWP_IN_USE, 0xC022000A, "the object is in use") \
	X(FWP_DYNAMIC_SESSION_IN_PROGRESS, 0xC022000B, "not allowed in a dynamic session") \
	X(FWP_WRONG_SESSION, 0xC022000C, "the object belongs to another session") \
	X(FWP_NO_TXN_IN_PROGRESS, 0xC022000D, "no explicit transaction is in progress") \
	X(FWP_TXN_IN_PROGRESS, 0xC022000E, "a transaction is already in progress") \
	X(FWP_TXN_ABORTED, 0xC022000F, "the transaction was aborted") \
	X(FWP_SESSION_ABORTED, 0xC0220010, "the session was aborted") \
	X(FWP_INCOMPATIBLE_TXN, 0xC0220011, "a write was attempted in a read-only transaction") \
	X(FWP_TIMEOUT, 0xC0220012, "timed out waiting for the transaction lock") \
	X(FWP_INCOMPATIBLE_LAYER, 0xC0220014, "the operation is not supported at this layer") \
	X(FWP_LIFETIME_MISMATCH, 0xC0220016, "an object references one with a shorter lifetime") \
	X(FWP_BUILTIN_OBJECT, 0xC0220017, "built-in objects cannot be changed") \
	X(FWP_TOO_MANY_CALLOUTS, 0xC0220018, "too many callouts") \
	X(FWP_NULL_POINTER, 0xC022001C, "a required pointer is null") \
	X(FWP_INVALID_ENUMERATOR, 0xC022001D, "the enumerator is not valid") \
	X(FWP_INVALID_FLAGS, 0xC022001E, "the flags are not valid") \
	X(FWP_INVALID_NET_MASK, 0xC022001F, "the network mask is not valid") \
	X(FWP_INVALID_RANGE, 0xC0220020, "the range is not valid") \
	X(FWP_ZERO_LENGTH_ARRAY, 0xC0220022, "an array has zero length") \
	X(FWP_NULL_DISPLAY_NAME, 0xC0220023, "the object has no name") \
	X(FWP_INVALID_ACTION_TYPE, 0xC0220024, "the action type is not valid for a filter") \
	X(FWP_INVALID_WEIGHT, 0xC0220025, "the filter weight is not valid") \
	X(FWP_MATCH_TYPE_MISMATCH, 0xC0220026, "the match type does not fit the value type") \
	X(FWP_TYPE_MISMATCH, 0xC0220027, "the value type does not fit the field") \
	X(FWP_OUT_OF_BOUNDS, 0xC0220028, "a value is out of bounds") \
	X(FWP_DUPLICATE_CONDITION, 0xC022002A, "a condition is duplicated") \
	X(FWP_ACTION_INCOMPATIBLE_WITH_LAYER, 0xC022002C, "the action is incompatible with the layer") \
	X(FWP_NEVER_MATCH, 0xC0220033, "the filter can never match") \
	X(FWP_INVALID_PARAMETER, 0xC0220035, "an invalid parameter was passed to a FWP call") \
	X(FWP_TOO_MANY_SUBLAYERS, 0xC0220036, "too many sublayers") \
	X(FWP_CALLOUT_NOTIFICATION_FAILED, 0xC0220037, "the callout's notifyFn rejected the filter") \
	X(FWP_TCPIP_NOT_READY, 0xC0220100, "the datapath is not ready") \
	X(FWP_CANNOT_PEND, 0xC0220103, "the classification cannot be pended at this layer")

/** Status values as enumerators: DFP_STATUS_SUCCESS, DFP_STATUS_FWP_IN_USE, ... */
enum dfp_status_code {
#define DFP_STATUS_ENUM_(name, value, msg) DFP_STATUS_##name = (int32_t)(value##U),
	DFP_STATUS_LIST(DFP_STATUS_ENUM_)
#undef DFP_STATUS_ENUM_
};

/**
 * The NTSTATUS name of a status, e.g. "STATUS_FWP_IN_USE".
 *
 * @param s  any value; unknown values give "STATUS_UNKNOWN".
 * @return a static string. Any thread.
 */
const char *dfp_status_name(dfp_status_t s);

/**
 * The one-line description of a status.
 *
 * @param s  any value; unknown values give "unknown status".
 * @return a static string. Any thread.
 */
const char *dfp_status_message(dfp_status_t s);

/**
 * Format `NAME (0xXXXXXXXX)` into buf, the form of the console's status line.
 *
 * @param s     the status.
 * @param buf   output buffer, always NUL-terminated when size > 0.
 * @param size  size of buf in bytes; 48 bytes always suffice.
 * @return buf. Any thread.
 */
char *dfp_status_format(dfp_status_t s, char *buf, size_t size);

/**
 * Look a status up by name ("STATUS_FWP_IN_USE" or "FWP_IN_USE").
 *
 * @param name  NUL-terminated name.
 * @param out   receives the value when found.
 * @return 0 when found, -1 otherwise. Any thread.
 */
int dfp_status_from_name(const char *name, dfp_status_t *out);

#ifdef __cplusplus
}
#endif

#endif /* DFP_STATUS_H */
