/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Callout runtime internals shared by registry.c (registrations, invoke
 * and notify dispatch, contexts) and handle.c (classify handles, pends,
 * completion rings). Not for other modules.
 */
#ifndef CALLOUT_PRIVATE_H
#define CALLOUT_PRIVATE_H

#include <pthread.h>
#include <stdint.h>

#include "dfp_log.h"
#include "dfp_callout.h"

DFP_LOG_DECLARE(callout);

struct callout_handles;       /* handle.c */
struct callout_table;         /* registry.c: immutable id -> registration table */

struct dfp_callout_rt {
	/* Read by workers: the published registration table (acquire). */
	struct callout_table *table;
	struct rte_rcu_qsbr *rcu;
	struct dfp_flow_dir *flows;
	struct callout_handles *handles;
	unsigned int n_workers;
	uint32_t pend_timeout_ms;
	/* Control side: registrations, serialised by `lock`. */
	pthread_mutex_t lock;
	struct callout_reg *regs;    /* All registrations, including in-flight ones. */
};

/*
 * The packet context of the classifyFn running on this thread (NULL outside
 * one), set by dfp_callout_invoke(): lets a pend made inside the acquiring
 * classification mark its packet (pkt->pend_handle).
 */
extern __thread struct dfp_callout_pkt *callout_current_pkt;

/* Create/free the handle table and the per-worker completion rings (handle.c). */
int callout_handles_create(struct dfp_callout_rt *rt, uint32_t max_handles,
		uint32_t ring_size, unsigned int n_workers);
void callout_handles_free(struct dfp_callout_rt *rt);

/*
 * The action a timed-out pend of this callout completes with: the
 * registration's pend_default_action, or BLOCK if the callout is gone
 * (registry.c). Any thread.
 */
uint32_t callout_pend_default_action(struct dfp_callout_rt *rt, uint32_t callout_id);

/*
 * Count (once each) the classify handles of callout_id that were acquired
 * and never released, adding them to the handles_orphaned counter; called
 * when the callout is unregistered (registry.c), after its grace period.
 * Returns the number newly counted. Control thread.
 */
unsigned int callout_handles_orphan(struct dfp_callout_rt *rt, uint32_t callout_id);

#endif /* CALLOUT_PRIVATE_H */
