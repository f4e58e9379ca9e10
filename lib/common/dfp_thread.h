/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Calling context: the port's mapping of WFP's IRQL rules (spec §7).
 *
 * WFP functions marked PASSIVE_LEVEL run on control threads only. In dfp a
 * thread is "dispatch level" while it is a worker lcore (from
 * dfp_thread_enter_worker() on) or while it is inside a callout callback
 * (classifyFn, notifyFn, flowDeleteFn: dfp_thread_callback_enter/leave).
 * PASSIVE-only entry points check dfp_thread_is_passive() first and return
 * STATUS_NOT_SUPPORTED otherwise (spec N12).
 *
 * Thread-safety: the state is thread-local; every function is lock-free,
 * never blocks, and may be called from any thread.
 */
#ifndef DFP_THREAD_H
#define DFP_THREAD_H

#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Mark the calling thread as a packet worker for the rest of its life. */
void dfp_thread_enter_worker(void);

/** Undo dfp_thread_enter_worker() (worker loop exit, tests). */
void dfp_thread_leave_worker(void);

/** True if the calling thread is a packet worker. */
bool dfp_thread_is_worker(void);

/** Note that the calling thread enters a callout callback (nests). */
void dfp_thread_callback_enter(void);

/** Note that the calling thread leaves a callout callback. */
void dfp_thread_callback_leave(void);

/** True if the calling thread may run PASSIVE_LEVEL (control-only) calls. */
bool dfp_thread_is_passive(void);

#ifdef __cplusplus
}
#endif

#endif /* DFP_THREAD_H */
