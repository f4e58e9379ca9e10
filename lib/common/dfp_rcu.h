/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Waiting for an RCU grace period on the data-path rte_rcu_qsbr.
 *
 * The start/check pair is inlined into the caller (rather than calling
 * rte_rcu_qsbr_synchronize() in the library) so that the acquire loads that
 * pair with the readers' quiescent-state stores are in instrumented code:
 * ThreadSanitizer then sees the ordering between a reader's last access and
 * the writer's reclaim.
 *
 * Control threads only: it blocks (spins, then yields) until every online
 * reader has reported a quiescent state; it must not be called by a
 * registered reader while it is online.
 */
#ifndef DFP_RCU_H
#define DFP_RCU_H

#include <sched.h>

#include <rte_pause.h>
#include <rte_rcu_qsbr.h>

/** Wait for a grace period on v; returns at once if v is NULL. */
static inline void
dfp_rcu_wait(struct rte_rcu_qsbr *v)
{
	unsigned int spins = 0;
	uint64_t token;

	if (v == NULL)
		return;
	token = rte_rcu_qsbr_start(v);
	while (!rte_rcu_qsbr_check(v, token, false)) {
		if (++spins < 1024)
			rte_pause();
		else
			sched_yield();
	}
}

#endif /* DFP_RCU_H */
