/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Control plane: the engine lock, sessions, transactions and RCU
 * publication. See dfp_ctl.h for the model.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_common.h>
#include <rte_rcu_qsbr.h>

#include "dfp_log.h"
#include "dfp_rcu.h"
#include "dfp_thread.h"
#include "dfp_ctl.h"

DFP_LOG_REGISTER(ctl);

#define CTL_DEFAULT_READERS 128u

struct dfp_ctl_session {
	struct dfp_ctl *ctl;
	uint32_t id;
	uint32_t flags;
	uint32_t txn_wait_ms;
	bool in_txn;             /* Explicit transaction open. */
	bool txn_read_only;
	struct dfp_ctl_session *next;
};

struct dfp_ctl {
	/*
	 * The published ruleset: written by the committing control thread with
	 * release, read by workers with acquire (dfp_ctl_ruleset_get()).
	 */
	struct dfp_engine_ruleset *published;
	struct rte_rcu_qsbr *rcu;
	uint32_t max_readers;
	/*
	 * Bumped with release by every reader that unregisters, read with
	 * acquire after each grace period: librte_rcu clears the reader's
	 * bitmap bit in uninstrumented code, and this edge lets ThreadSanitizer
	 * see that the reader's last accesses precede the writer's reclaim.
	 */
	uint64_t readers_gone;
	/* Everything below is protected by `lock`. */
	pthread_mutex_t lock;
	pthread_cond_t txn_done;
	struct dfp_ctl_session *txn_owner; /* Holder of an explicit transaction. */
	struct dfp_engine *eng;
	struct dfp_callout_rt *callouts;
	struct dfp_flow_dir *flows;
	struct dfp_ctl_session *sessions;
	uint32_t next_session_id;
};

/* ---- RCU ---- */

dfp_status_t
dfp_ctl_reader_register(struct dfp_ctl *ctl, unsigned int reader_id)
{
	if (ctl == NULL || reader_id >= ctl->max_readers)
		return DFP_STATUS_INVALID_PARAMETER;
	if (rte_rcu_qsbr_thread_register(ctl->rcu, reader_id) != 0)
		return DFP_STATUS_INVALID_PARAMETER;
	rte_rcu_qsbr_thread_online(ctl->rcu, reader_id);
	dfp_thread_enter_worker();
	return DFP_STATUS_SUCCESS;
}

void
dfp_ctl_reader_quiescent(struct dfp_ctl *ctl, unsigned int reader_id)
{
	rte_rcu_qsbr_quiescent(ctl->rcu, reader_id);
}

void
dfp_ctl_reader_offline(struct dfp_ctl *ctl, unsigned int reader_id)
{
	rte_rcu_qsbr_thread_offline(ctl->rcu, reader_id);
}

void
dfp_ctl_reader_online(struct dfp_ctl *ctl, unsigned int reader_id)
{
	rte_rcu_qsbr_thread_online(ctl->rcu, reader_id);
}

void
dfp_ctl_reader_unregister(struct dfp_ctl *ctl, unsigned int reader_id)
{
	rte_rcu_qsbr_thread_offline(ctl->rcu, reader_id);
	__atomic_fetch_add(&ctl->readers_gone, 1, __ATOMIC_RELEASE);
	rte_rcu_qsbr_thread_unregister(ctl->rcu, reader_id);
	dfp_thread_leave_worker();
}

/* Wait for a grace period (dfp_rcu.h explains the inlining). */
static void
ctl_grace_period(struct dfp_ctl *ctl)
{
	dfp_rcu_wait(ctl->rcu);
	/* Acquire: pairs with dfp_ctl_reader_unregister()'s release. */
	(void)__atomic_load_n(&ctl->readers_gone, __ATOMIC_ACQUIRE);
}

dfp_status_t
dfp_ctl_synchronize(struct dfp_ctl *ctl)
{
	if (ctl == NULL)
		return DFP_STATUS_INVALID_PARAMETER;
	if (!dfp_thread_is_passive())
		return DFP_STATUS_NOT_SUPPORTED;
	ctl_grace_period(ctl);
	return DFP_STATUS_SUCCESS;
}

/* ---- Creation ---- */

dfp_status_t
dfp_ctl_create(const struct dfp_ctl_params *params, struct dfp_ctl **out)
{
	struct dfp_callout_params cp;
	struct dfp_engine_params ep;
	struct dfp_ctl *ctl;
	dfp_status_t st;
	size_t size;

	if (out == NULL)
		return DFP_STATUS_INVALID_PARAMETER;
	ctl = calloc(1, sizeof(*ctl));
	if (ctl == NULL)
		return DFP_STATUS_NO_MEMORY;
	ctl->max_readers = params != NULL && params->max_readers ? params->max_readers :
		CTL_DEFAULT_READERS;
	ctl->next_session_id = 1;
	size = rte_rcu_qsbr_get_memsize(ctl->max_readers);
	ctl->rcu = aligned_alloc(RTE_CACHE_LINE_SIZE, RTE_ALIGN_CEIL(size, RTE_CACHE_LINE_SIZE));
	if (ctl->rcu == NULL) {
		st = DFP_STATUS_NO_MEMORY;
		goto out_free_ctl;
	}
	if (rte_rcu_qsbr_init(ctl->rcu, ctl->max_readers) != 0) {
		st = DFP_STATUS_INSUFFICIENT_RESOURCES;
		goto out_free_rcu;
	}
	memset(&cp, 0, sizeof(cp));
	cp.rcu = ctl->rcu;
	cp.n_workers = params != NULL && params->n_workers ? params->n_workers : 1;
	cp.max_handles = params != NULL ? params->max_handles : 0;
	cp.pend_timeout_ms = params != NULL ? params->pend_timeout_ms : 0;
	st = dfp_callout_rt_create(&cp, &ctl->callouts);
	if (st != DFP_STATUS_SUCCESS)
		goto out_free_rcu;
	st = dfp_flow_dir_create(dfp_callout_flow_deleted, ctl->callouts, &ctl->flows);
	if (st != DFP_STATUS_SUCCESS)
		goto out_free_callouts;
	dfp_callout_rt_attach_flows(ctl->callouts, ctl->flows);
	if (params != NULL)
		ep = params->engine;
	else
		memset(&ep, 0, sizeof(ep));
	/* Filters naming a callout are announced to its notifyFn (unless a tool hooks them). */
	if (ep.notify == NULL) {
		ep.notify = dfp_callout_notify_dispatch;
		ep.notify_ctx = ctl->callouts;
	}
	st = dfp_engine_create(&ep, &ctl->eng);
	if (st != DFP_STATUS_SUCCESS)
		goto out_free_flows;
	pthread_mutex_init(&ctl->lock, NULL);
	pthread_cond_init(&ctl->txn_done, NULL);
	/* Workers find NULL until the first commit: the engine reads it as empty. */
	*out = ctl;
	return DFP_STATUS_SUCCESS;

out_free_flows:
	dfp_flow_dir_free(ctl->flows);
out_free_callouts:
	dfp_callout_rt_free(ctl->callouts);
out_free_rcu:
	free(ctl->rcu);
out_free_ctl:
	free(ctl);
	return st;
}

void
dfp_ctl_destroy(struct dfp_ctl *ctl)
{
	if (ctl == NULL)
		return;
	while (ctl->sessions != NULL)
		dfp_ctl_session_close(ctl->sessions);
	/* Readers are gone: nothing can hold the published ruleset. */
	dfp_engine_destroy(ctl->eng);
	dfp_flow_dir_free(ctl->flows);
	dfp_callout_rt_free(ctl->callouts);
	pthread_cond_destroy(&ctl->txn_done);
	pthread_mutex_destroy(&ctl->lock);
	free(ctl->rcu);
	free(ctl);
}

struct dfp_engine *
dfp_ctl_engine(struct dfp_ctl *ctl)
{
	return ctl != NULL ? ctl->eng : NULL;
}

struct dfp_callout_rt *
dfp_ctl_callouts(struct dfp_ctl *ctl)
{
	return ctl != NULL ? ctl->callouts : NULL;
}

struct dfp_flow_dir *
dfp_ctl_flows(struct dfp_ctl *ctl)
{
	return ctl != NULL ? ctl->flows : NULL;
}

/* ---- Callout registration (the FWPS half; ids shared with the engine) ---- */

dfp_status_t
dfp_ctl_callout_register(struct dfp_ctl *ctl, const struct dfp_callout_desc *desc,
		uint32_t *id_out)
{
	dfp_status_t st;
	uint32_t id;

	if (ctl == NULL || desc == NULL)
		return DFP_STATUS_INVALID_PARAMETER;
	if (!dfp_thread_is_passive())
		return DFP_STATUS_NOT_SUPPORTED;
	pthread_mutex_lock(&ctl->lock);
	st = dfp_engine_callout_id_bind(ctl->eng, &desc->key, &id);
	pthread_mutex_unlock(&ctl->lock);
	if (st != DFP_STATUS_SUCCESS)
		return st;
	st = dfp_callout_register(ctl->callouts, desc, id);
	if (st != DFP_STATUS_SUCCESS) {
		pthread_mutex_lock(&ctl->lock);
		dfp_engine_callout_id_unbind(ctl->eng, id);
		pthread_mutex_unlock(&ctl->lock);
		return st;
	}
	if (id_out != NULL)
		*id_out = id;
	return DFP_STATUS_SUCCESS;
}

static void
ctl_unbind(struct dfp_ctl *ctl, uint32_t id)
{
	pthread_mutex_lock(&ctl->lock);
	dfp_engine_callout_id_unbind(ctl->eng, id);
	pthread_mutex_unlock(&ctl->lock);
}

dfp_status_t
dfp_ctl_callout_unregister_by_id(struct dfp_ctl *ctl, uint32_t id)
{
	dfp_status_t st;

	if (ctl == NULL)
		return DFP_STATUS_INVALID_PARAMETER;
	if (!dfp_thread_is_passive())
		return DFP_STATUS_NOT_SUPPORTED;
	st = dfp_callout_unregister_by_id(ctl->callouts, id);
	if (st == DFP_STATUS_SUCCESS)
		ctl_unbind(ctl, id);
	return st;
}

dfp_status_t
dfp_ctl_callout_unregister_by_key(struct dfp_ctl *ctl, const struct dfp_guid *key)
{
	dfp_status_t st;
	uint32_t id = 0;

	if (ctl == NULL || key == NULL)
		return DFP_STATUS_INVALID_PARAMETER;
	if (!dfp_thread_is_passive())
		return DFP_STATUS_NOT_SUPPORTED;
	st = dfp_callout_unregister_by_key(ctl->callouts, key, &id);
	if (st == DFP_STATUS_SUCCESS)
		ctl_unbind(ctl, id);
	return st;
}

struct rte_rcu_qsbr *
dfp_ctl_rcu(struct dfp_ctl *ctl)
{
	return ctl != NULL ? ctl->rcu : NULL;
}

struct dfp_engine_ruleset *const *
dfp_ctl_ruleset_slot(const struct dfp_ctl *ctl)
{
	return &ctl->published;
}

uint64_t
dfp_ctl_generation(const struct dfp_ctl *ctl)
{
	return dfp_engine_ruleset_generation(dfp_ctl_ruleset_get(&ctl->published));
}

/* ---- The engine lock ---- */

/*
 * Take the engine for session s: lock, then wait while another session holds
 * an explicit transaction (WFP's global transaction lock), up to the
 * session's timeout. On success the mutex is held.
 */
static dfp_status_t
ctl_enter(struct dfp_ctl_session *s)
{
	struct dfp_ctl *ctl = s->ctl;
	struct timespec deadline;
	int rc = 0;

	if (!dfp_thread_is_passive())
		return DFP_STATUS_NOT_SUPPORTED;
	pthread_mutex_lock(&ctl->lock);
	if (ctl->txn_owner == NULL || ctl->txn_owner == s)
		return DFP_STATUS_SUCCESS;
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += s->txn_wait_ms / 1000;
	deadline.tv_nsec += (long)(s->txn_wait_ms % 1000) * 1000000L;
	if (deadline.tv_nsec >= 1000000000L) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000L;
	}
	while (ctl->txn_owner != NULL && ctl->txn_owner != s && rc != ETIMEDOUT)
		rc = pthread_cond_timedwait(&ctl->txn_done, &ctl->lock, &deadline);
	if (ctl->txn_owner != NULL && ctl->txn_owner != s) {
		pthread_mutex_unlock(&ctl->lock);
		return DFP_STATUS_FWP_TIMEOUT;
	}
	return DFP_STATUS_SUCCESS;
}

static void
ctl_leave(struct dfp_ctl *ctl)
{
	pthread_mutex_unlock(&ctl->lock);
}

/* Compile, publish, wait a grace period, reclaim. Lock held, engine txn open. */
static dfp_status_t
ctl_commit_locked(struct dfp_ctl *ctl)
{
	struct dfp_engine_ruleset *rs = NULL;
	struct dfp_engine_ruleset *old;
	dfp_status_t st;

	st = dfp_engine_txn_prepare(ctl->eng, &rs);
	if (st != DFP_STATUS_SUCCESS)
		return st;
	old = ctl->published;
	if (rs != NULL) {
		/* Release: the ruleset's contents are visible before its address. */
		__atomic_store_n(&ctl->published, rs, __ATOMIC_RELEASE);
		ctl_grace_period(ctl);
	}
	dfp_engine_txn_finish(ctl->eng, rs, rs != NULL ? old : NULL);
	return DFP_STATUS_SUCCESS;
}

/* ---- Sessions ---- */

dfp_status_t
dfp_ctl_session_open(struct dfp_ctl *ctl, uint32_t flags, struct dfp_ctl_session **out)
{
	struct dfp_ctl_session *s;

	if (ctl == NULL || out == NULL)
		return DFP_STATUS_INVALID_PARAMETER;
	if (!dfp_thread_is_passive())
		return DFP_STATUS_NOT_SUPPORTED;
	if (flags & ~DFP_CTL_SESSION_FLAG_DYNAMIC)
		return DFP_STATUS_FWP_INVALID_FLAGS;
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return DFP_STATUS_NO_MEMORY;
	s->ctl = ctl;
	s->flags = flags;
	s->txn_wait_ms = DFP_CTL_TXN_WAIT_DEFAULT_MS;
	pthread_mutex_lock(&ctl->lock);
	s->id = ctl->next_session_id++;
	s->next = ctl->sessions;
	ctl->sessions = s;
	pthread_mutex_unlock(&ctl->lock);
	*out = s;
	return DFP_STATUS_SUCCESS;
}

static void
session_unlink(struct dfp_ctl *ctl, struct dfp_ctl_session *s)
{
	struct dfp_ctl_session **pp;

	for (pp = &ctl->sessions; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == s) {
			*pp = s->next;
			return;
		}
	}
}

static void
txn_release(struct dfp_ctl *ctl, struct dfp_ctl_session *s)
{
	s->in_txn = false;
	s->txn_read_only = false;
	ctl->txn_owner = NULL;
	pthread_cond_broadcast(&ctl->txn_done);
}

dfp_status_t
dfp_ctl_session_close(struct dfp_ctl_session *s)
{
	struct dfp_ctl *ctl;
	dfp_status_t st = DFP_STATUS_SUCCESS;

	if (s == NULL)
		return DFP_STATUS_SUCCESS;
	ctl = s->ctl;
	if (!dfp_thread_is_passive())
		return DFP_STATUS_NOT_SUPPORTED;
	pthread_mutex_lock(&ctl->lock);
	/* Closing waits for other sessions' transactions without a timeout. */
	while (ctl->txn_owner != NULL && ctl->txn_owner != s)
		pthread_cond_wait(&ctl->txn_done, &ctl->lock);
	if (s->in_txn) {
		dfp_engine_txn_abort(ctl->eng);
		txn_release(ctl, s);
	}
	if (s->flags & DFP_CTL_SESSION_FLAG_DYNAMIC) {
		st = dfp_engine_txn_begin(ctl->eng);
		if (st == DFP_STATUS_SUCCESS) {
			st = dfp_engine_delete_owned(ctl->eng, s->id);
			if (st == DFP_STATUS_SUCCESS)
				st = ctl_commit_locked(ctl);
			if (st != DFP_STATUS_SUCCESS) {
				DFP_LOG(ctl, ERR, "dynamic session %u: deleting its objects failed: %s",
					s->id, dfp_status_name(st));
				dfp_engine_txn_abort(ctl->eng);
			}
		}
	}
	session_unlink(ctl, s);
	pthread_mutex_unlock(&ctl->lock);
	free(s);
	return st;
}

uint32_t
dfp_ctl_session_id(const struct dfp_ctl_session *s)
{
	return s != NULL ? s->id : 0;
}

void
dfp_ctl_session_set_txn_wait(struct dfp_ctl_session *s, uint32_t timeout_ms)
{
	if (s != NULL)
		s->txn_wait_ms = timeout_ms;
}

bool
dfp_ctl_session_in_txn(const struct dfp_ctl_session *s)
{
	return s != NULL && s->in_txn;
}

dfp_status_t
dfp_ctl_txn_begin(struct dfp_ctl_session *s, uint32_t flags)
{
	dfp_status_t st;

	if (s == NULL)
		return DFP_STATUS_INVALID_PARAMETER;
	if (flags & ~DFP_CTL_TXN_READ_ONLY)
		return DFP_STATUS_FWP_INVALID_FLAGS;
	if (!dfp_thread_is_passive())
		return DFP_STATUS_NOT_SUPPORTED;
	if (s->in_txn)
		return DFP_STATUS_FWP_TXN_IN_PROGRESS;
	st = ctl_enter(s);
	if (st != DFP_STATUS_SUCCESS)
		return st;
	st = dfp_engine_txn_begin(s->ctl->eng);
	if (st == DFP_STATUS_SUCCESS) {
		s->in_txn = true;
		s->txn_read_only = (flags & DFP_CTL_TXN_READ_ONLY) != 0;
		s->ctl->txn_owner = s;
	}
	ctl_leave(s->ctl);
	return st;
}

dfp_status_t
dfp_ctl_txn_commit(struct dfp_ctl_session *s)
{
	dfp_status_t st;

	if (s == NULL)
		return DFP_STATUS_INVALID_PARAMETER;
	if (!dfp_thread_is_passive())
		return DFP_STATUS_NOT_SUPPORTED;
	if (!s->in_txn)
		return DFP_STATUS_FWP_NO_TXN_IN_PROGRESS;
	pthread_mutex_lock(&s->ctl->lock);
	st = ctl_commit_locked(s->ctl);
	if (st == DFP_STATUS_SUCCESS)
		txn_release(s->ctl, s);
	else
		DFP_LOG(ctl, ERR, "commit of session %u failed: %s", s->id, dfp_status_name(st));
	pthread_mutex_unlock(&s->ctl->lock);
	return st;
}

dfp_status_t
dfp_ctl_txn_abort(struct dfp_ctl_session *s)
{
	dfp_status_t st;

	if (s == NULL)
		return DFP_STATUS_INVALID_PARAMETER;
	if (!dfp_thread_is_passive())
		return DFP_STATUS_NOT_SUPPORTED;
	if (!s->in_txn)
		return DFP_STATUS_FWP_NO_TXN_IN_PROGRESS;
	pthread_mutex_lock(&s->ctl->lock);
	st = dfp_engine_txn_abort(s->ctl->eng);
	txn_release(s->ctl, s);
	pthread_mutex_unlock(&s->ctl->lock);
	return st;
}

/* ---- Write calls: explicit or implicit transaction ---- */

enum write_op {
	OP_SUBLAYER_ADD,
	OP_SUBLAYER_DELETE,
	OP_CALLOUT_ADD,
	OP_CALLOUT_DELETE_ID,
	OP_CALLOUT_DELETE_KEY,
	OP_FILTER_ADD,
	OP_FILTER_DELETE_ID,
	OP_FILTER_DELETE_KEY,
};

struct write_args {
	const void *spec;
	const struct dfp_guid *key;
	uint64_t id;
	void *out;
};

static dfp_status_t
write_apply(struct dfp_ctl_session *s, enum write_op op, const struct write_args *a)
{
	struct dfp_engine *eng = s->ctl->eng;
	uint32_t owner = s->id;

	switch (op) {
	case OP_SUBLAYER_ADD:
		return dfp_engine_sublayer_add(eng, a->spec, owner, a->out);
	case OP_SUBLAYER_DELETE:
		return dfp_engine_sublayer_delete(eng, a->key);
	case OP_CALLOUT_ADD:
		return dfp_engine_callout_add(eng, a->spec, owner, a->out);
	case OP_CALLOUT_DELETE_ID:
		return dfp_engine_callout_delete_by_id(eng, (uint32_t)a->id);
	case OP_CALLOUT_DELETE_KEY:
		return dfp_engine_callout_delete_by_key(eng, a->key);
	case OP_FILTER_ADD:
		return dfp_engine_filter_add(eng, a->spec, owner, a->out);
	case OP_FILTER_DELETE_ID:
		return dfp_engine_filter_delete_by_id(eng, a->id);
	case OP_FILTER_DELETE_KEY:
		return dfp_engine_filter_delete_by_key(eng, a->key);
	}
	return DFP_STATUS_INVALID_PARAMETER;
}

static dfp_status_t
ctl_write(struct dfp_ctl_session *s, enum write_op op, const struct write_args *a)
{
	struct dfp_ctl *ctl;
	dfp_status_t st, cst;

	if (s == NULL)
		return DFP_STATUS_INVALID_PARAMETER;
	ctl = s->ctl;
	st = ctl_enter(s);
	if (st != DFP_STATUS_SUCCESS)
		return st;
	if (s->in_txn) {
		st = s->txn_read_only ? DFP_STATUS_FWP_INCOMPATIBLE_TXN : write_apply(s, op, a);
		ctl_leave(ctl);
		return st;
	}
	/* Implicit transaction: apply and commit, or undo on failure. */
	st = dfp_engine_txn_begin(ctl->eng);
	if (st == DFP_STATUS_SUCCESS) {
		st = write_apply(s, op, a);
		if (st == DFP_STATUS_SUCCESS) {
			cst = ctl_commit_locked(ctl);
			if (cst != DFP_STATUS_SUCCESS) {
				dfp_engine_txn_abort(ctl->eng);
				st = cst;
			}
		} else {
			dfp_engine_txn_abort(ctl->eng);
		}
	}
	ctl_leave(ctl);
	return st;
}

dfp_status_t
dfp_ctl_sublayer_add(struct dfp_ctl_session *s, const struct dfp_engine_sublayer_spec *spec,
		struct dfp_guid *key_out)
{
	struct write_args a = {.spec = spec, .out = key_out};

	return ctl_write(s, OP_SUBLAYER_ADD, &a);
}

dfp_status_t
dfp_ctl_sublayer_delete(struct dfp_ctl_session *s, const struct dfp_guid *key)
{
	struct write_args a = {.key = key};

	return ctl_write(s, OP_SUBLAYER_DELETE, &a);
}

dfp_status_t
dfp_ctl_callout_add(struct dfp_ctl_session *s, const struct dfp_engine_callout_spec *spec,
		uint32_t *id_out)
{
	struct write_args a = {.spec = spec, .out = id_out};

	return ctl_write(s, OP_CALLOUT_ADD, &a);
}

dfp_status_t
dfp_ctl_callout_delete_by_id(struct dfp_ctl_session *s, uint32_t id)
{
	struct write_args a = {.id = id};

	return ctl_write(s, OP_CALLOUT_DELETE_ID, &a);
}

dfp_status_t
dfp_ctl_callout_delete_by_key(struct dfp_ctl_session *s, const struct dfp_guid *key)
{
	struct write_args a = {.key = key};

	return ctl_write(s, OP_CALLOUT_DELETE_KEY, &a);
}

dfp_status_t
dfp_ctl_filter_add(struct dfp_ctl_session *s, const struct dfp_engine_filter_spec *spec,
		uint64_t *id_out)
{
	struct write_args a = {.spec = spec, .out = id_out};

	return ctl_write(s, OP_FILTER_ADD, &a);
}

dfp_status_t
dfp_ctl_filter_delete_by_id(struct dfp_ctl_session *s, uint64_t id)
{
	struct write_args a = {.id = id};

	return ctl_write(s, OP_FILTER_DELETE_ID, &a);
}

dfp_status_t
dfp_ctl_filter_delete_by_key(struct dfp_ctl_session *s, const struct dfp_guid *key)
{
	struct write_args a = {.key = key};

	return ctl_write(s, OP_FILTER_DELETE_KEY, &a);
}

/* ---- Read calls ---- */

dfp_status_t
dfp_ctl_filter_get(struct dfp_ctl_session *s, uint64_t id, struct dfp_engine_filter_info *out)
{
	dfp_status_t st;

	if (s == NULL)
		return DFP_STATUS_INVALID_PARAMETER;
	st = ctl_enter(s);
	if (st != DFP_STATUS_SUCCESS)
		return st;
	st = dfp_engine_filter_get(s->ctl->eng, id, out);
	ctl_leave(s->ctl);
	return st;
}

dfp_status_t
dfp_ctl_filter_foreach(struct dfp_ctl_session *s, uint16_t layer_id,
		int (*cb)(void *arg, const struct dfp_engine_filter_info *f), void *arg)
{
	dfp_status_t st;

	if (s == NULL || cb == NULL)
		return DFP_STATUS_INVALID_PARAMETER;
	st = ctl_enter(s);
	if (st != DFP_STATUS_SUCCESS)
		return st;
	dfp_engine_filter_foreach(s->ctl->eng, layer_id, cb, arg);
	ctl_leave(s->ctl);
	return DFP_STATUS_SUCCESS;
}

dfp_status_t
dfp_ctl_callout_get(struct dfp_ctl_session *s, uint32_t id, struct dfp_engine_callout_info *out)
{
	dfp_status_t st;

	if (s == NULL)
		return DFP_STATUS_INVALID_PARAMETER;
	st = ctl_enter(s);
	if (st != DFP_STATUS_SUCCESS)
		return st;
	st = dfp_engine_callout_get(s->ctl->eng, id, out);
	ctl_leave(s->ctl);
	return st;
}

dfp_status_t
dfp_ctl_callout_lookup(struct dfp_ctl_session *s, const struct dfp_guid *key, uint32_t *id_out)
{
	dfp_status_t st;

	if (s == NULL)
		return DFP_STATUS_INVALID_PARAMETER;
	st = ctl_enter(s);
	if (st != DFP_STATUS_SUCCESS)
		return st;
	st = dfp_engine_callout_lookup(s->ctl->eng, key, id_out);
	ctl_leave(s->ctl);
	return st;
}

dfp_status_t
dfp_ctl_callout_foreach(struct dfp_ctl_session *s,
		int (*cb)(void *arg, const struct dfp_engine_callout_info *c), void *arg)
{
	dfp_status_t st;

	if (s == NULL || cb == NULL)
		return DFP_STATUS_INVALID_PARAMETER;
	st = ctl_enter(s);
	if (st != DFP_STATUS_SUCCESS)
		return st;
	dfp_engine_callout_foreach(s->ctl->eng, cb, arg);
	ctl_leave(s->ctl);
	return DFP_STATUS_SUCCESS;
}

dfp_status_t
dfp_ctl_sublayer_get(struct dfp_ctl_session *s, const struct dfp_guid *key,
		struct dfp_engine_sublayer_info *out)
{
	dfp_status_t st;

	if (s == NULL)
		return DFP_STATUS_INVALID_PARAMETER;
	st = ctl_enter(s);
	if (st != DFP_STATUS_SUCCESS)
		return st;
	st = dfp_engine_sublayer_get(s->ctl->eng, key, out);
	ctl_leave(s->ctl);
	return st;
}

dfp_status_t
dfp_ctl_sublayer_foreach(struct dfp_ctl_session *s,
		int (*cb)(void *arg, const struct dfp_engine_sublayer_info *sl), void *arg)
{
	dfp_status_t st;

	if (s == NULL || cb == NULL)
		return DFP_STATUS_INVALID_PARAMETER;
	st = ctl_enter(s);
	if (st != DFP_STATUS_SUCCESS)
		return st;
	dfp_engine_sublayer_foreach(s->ctl->eng, cb, arg);
	ctl_leave(s->ctl);
	return DFP_STATUS_SUCCESS;
}
