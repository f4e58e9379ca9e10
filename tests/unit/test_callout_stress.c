/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The callout runtime under concurrent load (spec §4.4, §5, §6): workers
 * classify while a control thread removes contexts, unregisters and
 * re-registers callouts, associates contexts on live flows, completes and
 * releases pended classifications and expires old pends.
 *
 * Three callouts, each with a CALLOUT_TERMINATING filter that matches all:
 *   EST  (ALE_FLOW_ESTABLISHED_V4, no flowDeleteFn) associates a context
 *        with (flow, DATAGRAM_DATA_V4, DG) for every new flow (spec S4);
 *   DG   (DATAGRAM_DATA_V4, flowDeleteFn, CONDITIONAL_ON_FLOW) checks the
 *        context it is given and now and then removes it from its own
 *        classifyFn (STATUS_PENDING, spec §10.12);
 *   CON  (ALE_AUTH_CONNECT_V4, flowDeleteFn) associates its own context,
 *        acquires a classify handle and pends; it releases the handle at
 *        once or hands it to the control thread; on a re-authorisation it
 *        checks that pending is refused.
 * Every context value is unique and indexes a record of the association,
 * so the end of the run can check that every successful association saw
 * its flowDeleteFn exactly once and every failed one never did.
 *
 * N_WORKERS workers each own a flow table: they start flows (ALE_AUTH_CONNECT
 * then ALE_FLOW_ESTABLISHED), classify DATAGRAM_DATA bursts over their live
 * flows, end flows (aborted ones first), drain their completion ring
 * (re-classifying REAUTH completions) and report a quiescent state once per
 * loop. The control thread loops over the operations listed above until the
 * total count of operations (all threads) reaches TARGET_OPS, bounded by
 * time. Afterwards: every flowDeleteFn ran exactly once per association,
 * no classify handle is in use or pended, and (under ASan) nothing leaked.
 *
 * Time cap: DFP_TEST_STRESS_MS (default 20000); the run normally ends by
 * count well before it.
 */
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_common.h>

#include <cmocka.h>

#include "dfp_ctl.h"
#include "dfp_thread.h"
#include "test_eal.h"
#include "test_engine_fixture.h"

#define L_EST DFP_LAYER_ALE_FLOW_ESTABLISHED_V4
#define L_DGRAM DFP_LAYER_DATAGRAM_DATA_V4
#define L_CONN DFP_LAYER_ALE_AUTH_CONNECT_V4

#define N_WORKERS 2
#define TABLE_CAPACITY 512
#define MAX_LIVE 48               /* Live flows per worker. */
#define BURST 16
#define QUEUE_SIZE 1024           /* Handles a worker hands to control (power of 2). */
#define MAX_CTX (1u << 19)        /* Context records. */
#define CTX_TAG UINT64_C(0xC700000000000000)
#define TARGET_OPS 2000000u
#define MIN_OPS 100000u
#define MIN_CTL_OPS 100000u
#define DEFAULT_TIME_MS 20000
#define PEND_TIMEOUT_MS 5
#define MAX_HANDLES 1024
#define WAIT_MS 10000

enum { CO_EST, CO_DG, CO_CON, N_CO };

/* One association attempt (indexed by the context value). */
struct ctx_rec {
	uint32_t callout_id;   /* Relaxed atomics throughout. */
	uint16_t layer_id;
	uint8_t assoc_ok;      /* Associate returned SUCCESS. */
	uint8_t deletes;       /* flowDeleteFn calls. */
};

/* Handles a worker's CON classifyFn hands to the control thread (SPSC). */
struct handoff {
	uint64_t h[QUEUE_SIZE];
	uint64_t head;         /* Consumer (control). */
	uint64_t tail;         /* Producer (worker). */
};

struct worker {
	struct st *st;
	unsigned int idx;
	pthread_t th;
	struct dfp_flow_table *tbl;
	uint64_t rnd;
	/* Published for the control thread (0 = empty slot). */
	uint64_t live_ids[MAX_LIVE];
	struct handoff q;
	/* Counters (relaxed atomics; the control thread sums them). */
	uint64_t ops;
	uint64_t flows_started;
	uint64_t flows_ended;
	uint64_t aborted_ended;
	uint64_t packets;
	uint64_t completions[3];
	uint64_t reauths;
};

struct st {
	struct dfp_ctl *ctl;
	struct dfp_ctl_session *s;
	struct dfp_callout_rt *rt;
	struct dfp_flow_dir *dir;
	struct dfp_engine_ruleset *const *slot;
	struct dfp_callout_desc desc[N_CO];
	uint32_t id[N_CO];
	bool registered[N_CO];        /* Control thread only. */
	struct worker w[N_WORKERS];
	struct ctx_rec *ctx;
	uint64_t next_ctx;
	int stop;
	int ready;
	/* Callout statistics (relaxed atomics). */
	uint64_t assoc[4];            /* SUCCESS, INVALID_PARAMETER, NAME_EXISTS, RESOURCES. */
	uint64_t pends;
	uint64_t own_removes;
	uint64_t dg_calls, con_calls, est_calls;
	uint64_t deletes;
	uint64_t unreg_ok[N_CO];      /* Control thread only. */
	uint64_t unreg_busy[N_CO];
	/* Errors (first message kept). */
	uint64_t errors;
	char msg[256];
	pthread_mutex_t msg_lock;
};

static __thread int tls_worker = -1;
static __thread uint64_t tls_rnd = 88172645463325252ull;

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static uint64_t
time_limit_ms(void)
{
	const char *s = getenv("DFP_TEST_STRESS_MS");
	long v = s != NULL ? strtol(s, NULL, 10) : 0;

	return v > 0 ? (uint64_t)v : DEFAULT_TIME_MS;
}

static void
unpin(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	cpu_set_t set;
	long i;

	CPU_ZERO(&set);
	for (i = 0; i < n && i < CPU_SETSIZE; i++)
		CPU_SET(i, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

static uint32_t
rnd(void)
{
	tls_rnd ^= tls_rnd << 13;
	tls_rnd ^= tls_rnd >> 7;
	tls_rnd ^= tls_rnd << 17;
	return (uint32_t)(tls_rnd >> 11);
}

static void
add(uint64_t *p, uint64_t n)
{
	__atomic_fetch_add(p, n, __ATOMIC_RELAXED);
}

static uint64_t
get(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

static void __attribute__((format(printf, 2, 3)))
st_fail(struct st *st, const char *fmt, ...)
{
	va_list ap;

	if (__atomic_fetch_add(&st->errors, 1, __ATOMIC_RELAXED) > 0)
		return;
	pthread_mutex_lock(&st->msg_lock);
	va_start(ap, fmt);
	vsnprintf(st->msg, sizeof(st->msg), fmt, ap);
	va_end(ap);
	pthread_mutex_unlock(&st->msg_lock);
}

/* ---- Context records ---- */

/* A fresh context value for (layer, callout), or 0 when the records are used up. */
static uint64_t
ctx_new(struct st *st, uint16_t layer, uint32_t callout)
{
	uint64_t i = __atomic_fetch_add(&st->next_ctx, 1, __ATOMIC_RELAXED);

	if (i >= MAX_CTX)
		return 0;
	__atomic_store_n(&st->ctx[i].layer_id, layer, __ATOMIC_RELAXED);
	__atomic_store_n(&st->ctx[i].callout_id, callout, __ATOMIC_RELAXED);
	return CTX_TAG | (i + 1);
}

static struct ctx_rec *
ctx_rec(struct st *st, uint64_t ctx)
{
	uint64_t i = (ctx & ~CTX_TAG) - 1;

	if ((ctx & CTX_TAG) != CTX_TAG || i >= MAX_CTX ||
			i >= __atomic_load_n(&st->next_ctx, __ATOMIC_RELAXED))
		return NULL;
	return &st->ctx[i];
}

/* Associate through the runtime and record the outcome. */
static void
associate(struct st *st, uint64_t flow_id, uint16_t layer, unsigned int co)
{
	uint64_t ctx = ctx_new(st, layer, st->id[co]);
	dfp_status_t s;

	if (ctx == 0)
		return;
	s = dfp_callout_flow_associate(st->rt, flow_id, layer, st->id[co], ctx);
	switch (s) {
	case DFP_STATUS_SUCCESS:
		__atomic_fetch_add(&ctx_rec(st, ctx)->assoc_ok, 1, __ATOMIC_RELAXED);
		add(&st->assoc[0], 1);
		break;
	case DFP_STATUS_INVALID_PARAMETER:  /* Flow ended, or callout unregistered. */
		add(&st->assoc[1], 1);
		break;
	case DFP_STATUS_OBJECT_NAME_EXISTS:
		add(&st->assoc[2], 1);
		break;
	case DFP_STATUS_INSUFFICIENT_RESOURCES:
		add(&st->assoc[3], 1);
		break;
	default:
		st_fail(st, "associate: %s", dfp_status_name(s));
	}
}

/* A context delivered to a classifyFn must be live and be this callout's. */
static void
check_delivered(struct st *st, uint64_t ctx, uint16_t layer, unsigned int co)
{
	struct ctx_rec *r = ctx_rec(st, ctx);

	if (r == NULL) {
		st_fail(st, "classifyFn got an unknown context 0x%" PRIx64, ctx);
		return;
	}
	if (__atomic_load_n(&r->layer_id, __ATOMIC_RELAXED) != layer ||
			__atomic_load_n(&r->callout_id, __ATOMIC_RELAXED) != st->id[co])
		st_fail(st, "classifyFn of callout %u got context 0x%" PRIx64 " of another key", co,
			ctx);
	if (__atomic_load_n(&r->deletes, __ATOMIC_RELAXED) != 0)
		st_fail(st, "classifyFn got context 0x%" PRIx64 " after its flowDeleteFn", ctx);
}

/* ---- Callouts ---- */

static void
est_classify(const struct dfp_callout_classify_in *in, const struct dfp_engine_filter_rt *f,
		uint64_t flow_ctx, struct dfp_classify_out *out)
{
	struct st *st = in->callout_ctx;

	(void)f;
	add(&st->est_calls, 1);
	if (flow_ctx != 0)
		st_fail(st, "EST (no flowDeleteFn) got a flow context");
	if (in->meta != NULL && (in->meta->present & DFP_META_FLOW_HANDLE))
		associate(st, in->meta->flow_handle, L_DGRAM, CO_DG);
	out->action_type = DFP_ACTION_PERMIT;
}

static void
dg_classify(const struct dfp_callout_classify_in *in, const struct dfp_engine_filter_rt *f,
		uint64_t flow_ctx, struct dfp_classify_out *out)
{
	struct st *st = in->callout_ctx;
	dfp_status_t s;

	(void)f;
	add(&st->dg_calls, 1);
	/* CONDITIONAL_ON_FLOW: only flows with a context. */
	if (flow_ctx == 0) {
		st_fail(st, "DG (CONDITIONAL_ON_FLOW) invoked without a context");
		return;
	}
	check_delivered(st, flow_ctx, L_DGRAM, CO_DG);
	if (rnd() % 16 == 0) {
		s = dfp_callout_flow_remove(st->rt, in->meta->flow_handle, L_DGRAM, st->id[CO_DG]);
		/* PENDING: we are classifying the flow; UNSUCCESSFUL: control removed it first. */
		if (s != DFP_STATUS_PENDING && s != DFP_STATUS_UNSUCCESSFUL)
			st_fail(st, "remove from own classifyFn: %s", dfp_status_name(s));
		add(&st->own_removes, 1);
	}
	out->action_type = DFP_ACTION_PERMIT;
}

static bool
handoff_push(struct handoff *q, uint64_t h)
{
	uint64_t tail = __atomic_load_n(&q->tail, __ATOMIC_RELAXED);

	if (tail - __atomic_load_n(&q->head, __ATOMIC_ACQUIRE) >= QUEUE_SIZE)
		return false;
	q->h[tail & (QUEUE_SIZE - 1)] = h;
	/* Release: the slot is written before the consumer sees it. */
	__atomic_store_n(&q->tail, tail + 1, __ATOMIC_RELEASE);
	return true;
}

static bool
handoff_pop(struct handoff *q, uint64_t *h)
{
	uint64_t head = __atomic_load_n(&q->head, __ATOMIC_RELAXED);

	if (head == __atomic_load_n(&q->tail, __ATOMIC_ACQUIRE))
		return false;
	*h = q->h[head & (QUEUE_SIZE - 1)];
	/* Release: the slot is read before the producer reuses it. */
	__atomic_store_n(&q->head, head + 1, __ATOMIC_RELEASE);
	return true;
}

static void
con_classify(const struct dfp_callout_classify_in *in, const struct dfp_engine_filter_rt *f,
		uint64_t flow_ctx, struct dfp_classify_out *out)
{
	struct st *st = in->callout_ctx;
	bool reauth = (in->values->flags & DFP_COND_FLAG_IS_REAUTHORIZE) != 0;
	uint64_t h = 0;
	dfp_status_t s;

	add(&st->con_calls, 1);
	out->action_type = DFP_ACTION_PERMIT;
	if (flow_ctx != 0)
		check_delivered(st, flow_ctx, L_CONN, CO_CON);
	if (!reauth && flow_ctx == 0)
		associate(st, in->meta->flow_handle, L_CONN, CO_CON);
	s = dfp_callout_handle_acquire(st->rt, in->classify_context, &h);
	if (s == DFP_STATUS_INSUFFICIENT_RESOURCES)
		return;
	if (s != DFP_STATUS_SUCCESS) {
		st_fail(st, "acquire: %s", dfp_status_name(s));
		return;
	}
	s = dfp_callout_handle_pend(st->rt, h, f->filter_id, out);
	if (reauth ? s != DFP_STATUS_FWP_CANNOT_PEND : s != DFP_STATUS_SUCCESS)
		st_fail(st, "pend (reauth %d): %s", reauth, dfp_status_name(s));
	if (s == DFP_STATUS_SUCCESS)
		add(&st->pends, 1);
	/* Release now (spec §10.13: before completion), or let control do it after. */
	if (s != DFP_STATUS_SUCCESS || rnd() % 2 == 0 || tls_worker < 0 ||
			!handoff_push(&st->w[tls_worker].q, h)) {
		s = dfp_callout_handle_release(st->rt, h);
		if (s != DFP_STATUS_SUCCESS)
			st_fail(st, "release in classifyFn: %s", dfp_status_name(s));
	}
}

static dfp_status_t
co_notify(void *ctx, enum dfp_notify_type type, const struct dfp_guid *key,
		struct dfp_engine_filter_rt *filter)
{
	(void)ctx;
	(void)type;
	(void)key;
	(void)filter;
	return DFP_STATUS_SUCCESS;
}

static void
co_flow_delete(void *ctx, uint16_t layer_id, uint32_t callout_id, uint64_t flow_context)
{
	struct st *st = ctx;
	struct ctx_rec *r = ctx_rec(st, flow_context);

	add(&st->deletes, 1);
	if (r == NULL) {
		st_fail(st, "flowDeleteFn got an unknown context 0x%" PRIx64, flow_context);
		return;
	}
	if (__atomic_load_n(&r->layer_id, __ATOMIC_RELAXED) != layer_id ||
			__atomic_load_n(&r->callout_id, __ATOMIC_RELAXED) != callout_id)
		st_fail(st, "flowDeleteFn: context 0x%" PRIx64 " with layer %u callout %u", flow_context,
			layer_id, callout_id);
	if (__atomic_fetch_add(&r->deletes, 1, __ATOMIC_RELAXED) != 0)
		st_fail(st, "flowDeleteFn ran twice for context 0x%" PRIx64, flow_context);
}

/* ---- Workers ---- */

struct live {
	struct dfp_flow *f;
	uint64_t id;
};

static void
classify_one(struct worker *w, uint16_t layer, struct live *l, uint32_t flags)
{
	const struct dfp_engine_values *vals[1];
	struct dfp_engine_classify_env env = {dfp_callout_invoke, w->st->rt};
	struct dfp_engine_verdict out;
	struct dfp_engine_values v;
	struct dfp_callout_pkt p;
	void *ctxs[1] = {&p};

	memset(&v, 0, sizeof(v));
	v.ip_protocol = 17;
	v.flags = flags;
	vals[0] = &v;
	memset(&p, 0, sizeof(p));
	p.table = w->tbl;
	p.flow = l->f;
	p.worker = w->idx;
	p.meta.present = DFP_META_FLOW_HANDLE;
	p.meta.flow_handle = l->id;
	p.packet_tag = l->id;
	dfp_engine_classify_burst(dfp_ctl_ruleset_get(w->st->slot), layer, vals, ctxs, 1, &env,
		&out);
	add(&w->ops, 1);
	add(&w->packets, 1);
}

static void
classify_burst(struct worker *w, struct live *live, unsigned int n_live)
{
	const struct dfp_engine_values *vals[BURST];
	struct dfp_engine_classify_env env = {dfp_callout_invoke, w->st->rt};
	struct dfp_engine_verdict out[BURST];
	struct dfp_engine_values v[BURST];
	struct dfp_callout_pkt p[BURST];
	void *ctxs[BURST];
	unsigned int i;

	for (i = 0; i < BURST; i++) {
		struct live *l = &live[rnd() % n_live];

		memset(&v[i], 0, sizeof(v[i]));
		v[i].ip_protocol = 17;
		v[i].local_port = (uint16_t)i;
		vals[i] = &v[i];
		memset(&p[i], 0, sizeof(p[i]));
		p[i].table = w->tbl;
		p[i].flow = l->f;
		p[i].worker = w->idx;
		p[i].meta.present = DFP_META_FLOW_HANDLE;
		p[i].meta.flow_handle = l->id;
		ctxs[i] = &p[i];
	}
	dfp_engine_classify_burst(dfp_ctl_ruleset_get(w->st->slot), L_DGRAM, vals, ctxs, BURST,
		&env, out);
	add(&w->ops, BURST);
	add(&w->packets, BURST);
}

static void
flow_start(struct worker *w, struct live *live, unsigned int *n_live)
{
	struct live *l = &live[*n_live];

	l->id = dfp_flow_alloc(w->tbl, &l->f);
	add(&w->ops, 1);
	if (l->id == 0)
		return;
	if ((l->id >> 56) != w->idx)
		st_fail(w->st, "flow id 0x%" PRIx64 " not of table %u", l->id, w->idx);
	__atomic_store_n(&w->live_ids[*n_live], l->id, __ATOMIC_RELAXED);
	(*n_live)++;
	add(&w->flows_started, 1);
	/* Connect (CON pends), then established (EST associates DG's context). */
	classify_one(w, L_CONN, l, 0);
	classify_one(w, L_EST, l, 0);
}

static void
flow_stop(struct worker *w, struct live *live, unsigned int *n_live, unsigned int i)
{
	struct live l = live[i];
	unsigned int last = *n_live - 1;

	live[i] = live[last];
	__atomic_store_n(&w->live_ids[i], live[i].id, __ATOMIC_RELAXED);
	__atomic_store_n(&w->live_ids[last], 0, __ATOMIC_RELAXED);
	(*n_live)--;
	if (dfp_flow_abort_requested(l.f))
		add(&w->aborted_ended, 1);
	dfp_flow_end(w->tbl, l.f);
	add(&w->ops, 1);
	add(&w->flows_ended, 1);
}

static void
drain_ring(struct worker *w, struct live *live, unsigned int n_live)
{
	struct dfp_callout_completion c[32];
	unsigned int n, i, j;

	n = dfp_callout_completion_poll(w->st->rt, w->idx, c, RTE_DIM(c));
	add(&w->ops, 1);
	for (i = 0; i < n; i++) {
		if ((c[i].flow_id >> 56) != w->idx)
			st_fail(w->st, "worker %u got the completion of flow 0x%" PRIx64, w->idx,
				c[i].flow_id);
		if (c[i].layer_id != L_CONN || c[i].callout_id != w->st->id[CO_CON] ||
				c[i].packet_tag != c[i].flow_id || (unsigned int)c[i].kind > 2)
			st_fail(w->st, "bad completion (kind %d layer %u callout %u)", (int)c[i].kind,
				c[i].layer_id, c[i].callout_id);
		else
			add(&w->completions[c[i].kind], 1);
		if (c[i].kind != DFP_CALLOUT_COMPLETE_REAUTH)
			continue;
		/* Re-authorise the connection if it still lives. */
		for (j = 0; j < n_live; j++) {
			if (live[j].id == c[i].flow_id) {
				classify_one(w, L_CONN, &live[j], DFP_COND_FLAG_IS_REAUTHORIZE);
				add(&w->reauths, 1);
				break;
			}
		}
	}
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	struct st *st = w->st;
	struct live live[MAX_LIVE];
	unsigned int n_live = 0, i;
	uint64_t t0 = now_ms(), loop = 0;

	unpin();
	tls_worker = (int)w->idx;
	tls_rnd = 0x9e3779b97f4a7c15ull * (w->idx + 1);
	if (dfp_ctl_reader_register(st->ctl, w->idx + 1) != DFP_STATUS_SUCCESS) {
		st_fail(st, "reader_register %u", w->idx);
		return NULL;
	}
	__atomic_fetch_add(&st->ready, 1, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&st->stop, __ATOMIC_ACQUIRE) &&
			now_ms() - t0 < time_limit_ms() + WAIT_MS) {
		if (n_live < MAX_LIVE && (n_live < MAX_LIVE / 2 || rnd() % 2 == 0))
			flow_start(w, live, &n_live);
		if (n_live > 0)
			classify_burst(w, live, n_live);
		/* End aborted flows, and a random one now and then. */
		for (i = 0; i < n_live; i++)
			if (dfp_flow_abort_requested(live[i].f))
				flow_stop(w, live, &n_live, i--);
		if (n_live > MAX_LIVE / 2 && rnd() % 2 == 0)
			flow_stop(w, live, &n_live, rnd() % n_live);
		drain_ring(w, live, n_live);
		dfp_ctl_reader_quiescent(st->ctl, w->idx + 1);
		if (++loop % 64 == 0)
			sched_yield();
	}
	while (n_live > 0)
		flow_stop(w, live, &n_live, n_live - 1);
	dfp_ctl_reader_unregister(st->ctl, w->idx + 1);
	return NULL;
}

/* ---- Control thread ---- */

struct sweep {
	struct st *st;
	unsigned int budget;
	uint64_t ops;
};

static int
sweep_cb(void *arg, const struct dfp_flow_context_info *c)
{
	struct sweep *sw = arg;
	dfp_status_t s;

	if (rnd() % 4 != 0)
		return 0;
	s = dfp_callout_flow_remove(sw->st->rt, c->flow_id, c->layer_id, c->callout_id);
	sw->ops++;
	if (s != DFP_STATUS_SUCCESS && s != DFP_STATUS_PENDING && s != DFP_STATUS_UNSUCCESSFUL)
		st_fail(sw->st, "remove from control: %s", dfp_status_name(s));
	return --sw->budget == 0;
}

static uint64_t
op_remove_contexts(struct st *st)
{
	struct sweep sw = { .st = st, .budget = 8, .ops = 1 };

	dfp_flow_foreach_context(st->dir, sweep_cb, &sw);
	return sw.ops;
}

static uint64_t
op_toggle_registration(struct st *st)
{
	unsigned int co = rnd() % N_CO;
	uint32_t id = 0;
	dfp_status_t s;

	if (!st->registered[co]) {
		s = dfp_ctl_callout_register(st->ctl, &st->desc[co], &id);
		if (s != DFP_STATUS_SUCCESS || id != st->id[co])
			st_fail(st, "re-register callout %u: %s, id %u", co, dfp_status_name(s), id);
		else
			st->registered[co] = true;
		return 1;
	}
	s = rnd() % 2 ? dfp_ctl_callout_unregister_by_id(st->ctl, st->id[co]) :
		dfp_ctl_callout_unregister_by_key(st->ctl, &st->desc[co].key);
	if (s == DFP_STATUS_SUCCESS) {
		st->registered[co] = false;
		st->unreg_ok[co]++;
	} else if (s == DFP_STATUS_DEVICE_BUSY) {
		st->unreg_busy[co]++;
	} else {
		st_fail(st, "unregister callout %u: %s", co, dfp_status_name(s));
	}
	return 1;
}

static uint64_t
op_associate(struct st *st)
{
	struct worker *w = &st->w[rnd() % N_WORKERS];
	uint64_t id = __atomic_load_n(&w->live_ids[rnd() % MAX_LIVE], __ATOMIC_RELAXED);

	if (id == 0)
		return 0;
	if (rnd() % 2)
		associate(st, id, L_DGRAM, CO_DG);
	else
		associate(st, id, L_CONN, CO_CON);
	return 1;
}

static dfp_status_t
complete_random(struct st *st, uint64_t h)
{
	struct dfp_classify_out out;

	memset(&out, 0, sizeof(out));
	switch (rnd() % 3) {
	case 0:
		return dfp_callout_handle_complete(st->rt, h, NULL);
	case 1:
		out.action_type = DFP_ACTION_PERMIT;
		break;
	default:
		out.action_type = DFP_ACTION_BLOCK;
	}
	return dfp_callout_handle_complete(st->rt, h, &out);
}

/* Complete and release the handles workers handed over. */
static uint64_t
op_complete_handed(struct st *st, unsigned int max)
{
	uint64_t ops = 0, h;
	unsigned int i, n = 0;
	dfp_status_t s;

	for (i = 0; i < N_WORKERS; i++) {
		while (n < max && handoff_pop(&st->w[i].q, &h)) {
			s = complete_random(st, h);
			/* INVALID_PARAMETER: timed out or completed through the listing first. */
			if (s != DFP_STATUS_SUCCESS && s != DFP_STATUS_INVALID_PARAMETER &&
					s != DFP_STATUS_INSUFFICIENT_RESOURCES)
				st_fail(st, "complete: %s", dfp_status_name(s));
			/* The caller's reference is ours: release always works, once. */
			s = dfp_callout_handle_release(st->rt, h);
			if (s != DFP_STATUS_SUCCESS)
				st_fail(st, "release of a handed-over handle: %s", dfp_status_name(s));
			ops += 2;
			n++;
		}
	}
	return ops;
}

struct listing {
	struct st *st;
	uint64_t ops;
	unsigned int budget;
};

static int
listing_cb(void *arg, const struct dfp_callout_handle_info *h)
{
	struct listing *l = arg;
	dfp_status_t s;

	if (!h->pended)
		return 0;
	s = complete_random(l->st, h->handle);
	/* The handle may have been completed and freed since it was listed. */
	if (s != DFP_STATUS_SUCCESS && s != DFP_STATUS_INVALID_PARAMETER &&
			s != DFP_STATUS_INSUFFICIENT_RESOURCES)
		st_fail(l->st, "complete from listing: %s", dfp_status_name(s));
	l->ops++;
	return --l->budget == 0;
}

static uint64_t
op_complete_listed(struct st *st, unsigned int budget)
{
	struct listing l = { .st = st, .ops = 1, .budget = budget };

	dfp_callout_handle_foreach(st->rt, listing_cb, &l);
	return l.ops;
}

static uint64_t
op_abort(struct st *st)
{
	struct worker *w = &st->w[rnd() % N_WORKERS];
	uint64_t id = __atomic_load_n(&w->live_ids[rnd() % MAX_LIVE], __ATOMIC_RELAXED);
	dfp_status_t s;

	if (id == 0)
		return 0;
	s = dfp_flow_abort(st->dir, id);
	if (s != DFP_STATUS_SUCCESS && s != DFP_STATUS_UNSUCCESSFUL)
		st_fail(st, "abort: %s", dfp_status_name(s));
	return 1;
}

static uint64_t
total_ops(struct st *st, uint64_t ctl_ops)
{
	uint64_t n = ctl_ops;
	unsigned int i;

	for (i = 0; i < N_WORKERS; i++)
		n += get(&st->w[i].ops);
	return n;
}

/* ---- Setup ---- */

static void
callout_setup(struct st *st, unsigned int co, unsigned int n, uint16_t layer, uint32_t flags,
		dfp_callout_classify_fn classify, bool with_delete)
{
	struct dfp_engine_filter_spec f = fx_spec("stress", layer, DFP_ACTION_CALLOUT_TERMINATING);
	struct dfp_engine_callout_spec cs;
	struct dfp_callout_desc *d = &st->desc[co];
	uint32_t id = 0;

	memset(&cs, 0, sizeof(cs));
	cs.key = fx_guid_n(n);
	cs.name = "stress";
	cs.layer_id = layer;
	assert_int_equal(dfp_ctl_callout_add(st->s, &cs, &st->id[co]), DFP_STATUS_SUCCESS);
	memset(d, 0, sizeof(*d));
	d->key = cs.key;
	d->flags = flags;
	d->classify = classify;
	d->notify = co_notify;
	d->flow_delete = with_delete ? co_flow_delete : NULL;
	d->ctx = st;
	d->pend_default_action = DFP_ACTION_BLOCK;
	d->name = "stress";
	assert_int_equal(dfp_ctl_callout_register(st->ctl, d, &id), DFP_STATUS_SUCCESS);
	assert_int_equal(id, st->id[co]);
	st->registered[co] = true;
	f.callout_key = cs.key;
	assert_int_equal(dfp_ctl_filter_add(st->s, &f, NULL), DFP_STATUS_SUCCESS);
}

static int
n_contexts_cb(void *arg, const struct dfp_callout_reg_info *r)
{
	*(uint64_t *)arg += r->n_contexts;
	return 0;
}

static void
test_callout_runtime_under_concurrent_control(void **state)
{
	struct dfp_ctl_params p;
	struct st *st;
	uint64_t t0, limit, ctl_ops = 0, total, n_ctx, ok = 0, deleted = 0, live_ctx = 0;
	uint64_t expired = 0, h;
	struct dfp_callout_stats cs;
	unsigned int i, k;

	(void)state;
	st = calloc(1, sizeof(*st));
	assert_non_null(st);
	st->ctx = calloc(MAX_CTX, sizeof(st->ctx[0]));
	assert_non_null(st->ctx);
	pthread_mutex_init(&st->msg_lock, NULL);
	memset(&p, 0, sizeof(p));
	p.max_readers = N_WORKERS + 1;
	p.n_workers = N_WORKERS;
	p.max_handles = MAX_HANDLES;
	p.pend_timeout_ms = PEND_TIMEOUT_MS;
	assert_int_equal(dfp_ctl_create(&p, &st->ctl), DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_ctl_session_open(st->ctl, 0, &st->s), DFP_STATUS_SUCCESS);
	st->rt = dfp_ctl_callouts(st->ctl);
	st->dir = dfp_ctl_flows(st->ctl);
	st->slot = dfp_ctl_ruleset_slot(st->ctl);
	callout_setup(st, CO_EST, 0x5e57, L_EST, 0, est_classify, false);
	callout_setup(st, CO_DG, 0x5d67, L_DGRAM, DFP_CALLOUT_FLAG_CONDITIONAL_ON_FLOW,
		dg_classify, true);
	callout_setup(st, CO_CON, 0x5c0e, L_CONN, 0, con_classify, true);
	for (i = 0; i < N_WORKERS; i++) {
		st->w[i].st = st;
		st->w[i].idx = i;
		assert_int_equal(dfp_flow_table_create(st->dir, i, TABLE_CAPACITY, &st->w[i].tbl),
			DFP_STATUS_SUCCESS);
	}
	for (i = 0; i < N_WORKERS; i++)
		assert_int_equal(pthread_create(&st->w[i].th, NULL, worker_main, &st->w[i]), 0);
	t0 = now_ms();
	while (__atomic_load_n(&st->ready, __ATOMIC_ACQUIRE) < N_WORKERS && now_ms() - t0 < WAIT_MS)
		sched_yield();
	assert_int_equal(__atomic_load_n(&st->ready, __ATOMIC_ACQUIRE), N_WORKERS);

	/* The control loop: bounded by the operation count and by time. */
	unpin();
	limit = time_limit_ms();
	t0 = now_ms();
	for (k = 0; now_ms() - t0 < limit; k++) {
		unsigned int op = rnd() % 64;

		if (op < 16)
			ctl_ops += op_remove_contexts(st);
		else if (op < 18)
			ctl_ops += op_toggle_registration(st);
		else if (op < 40)
			ctl_ops += op_associate(st);
		else if (op < 52)
			ctl_ops += op_complete_handed(st, 16);
		else if (op < 56)
			ctl_ops += op_complete_listed(st, 8);
		else if (op < 60)
			ctl_ops += op_abort(st);
		else {
			expired += dfp_callout_pend_expire(st->rt);
			ctl_ops++;
		}
		if (k % 64 == 0) {
			total = total_ops(st, ctl_ops);
			if (total >= TARGET_OPS && ctl_ops >= MIN_CTL_OPS)
				break;
			sched_yield();
		}
	}
	/* Control's grace periods are over before the workers unregister (see tsan.supp). */
	__atomic_store_n(&st->stop, 1, __ATOMIC_RELEASE);
	for (i = 0; i < N_WORKERS; i++)
		pthread_join(st->w[i].th, NULL);
	total = total_ops(st, ctl_ops);

	/* Drain: hand-overs, then every pend still open, then the rings. */
	ctl_ops += op_complete_handed(st, UINT32_MAX);
	for (k = 0; k < 100; k++) {
		struct dfp_callout_completion c[64];

		dfp_callout_stats_get(st->rt, &cs);
		for (i = 0; i < N_WORKERS; i++)
			while (dfp_callout_completion_poll(st->rt, i, c, RTE_DIM(c)) != 0)
				;
		if (cs.pended == 0)
			break;
		ctl_ops += op_complete_listed(st, UINT32_MAX);
	}
	while (handoff_pop(&st->w[0].q, &h) || handoff_pop(&st->w[1].q, &h))
		st_fail(st, "handle 0x%" PRIx64 " handed over after the drain", h);

	print_message("stress: %" PRIu64 " ops (%" PRIu64 " control) in %" PRIu64 " ms; "
		"flows %" PRIu64 "+%" PRIu64 " started, %" PRIu64 " aborted; packets %" PRIu64 "+%"
		PRIu64 "; calls EST %" PRIu64 " DG %" PRIu64 " CON %" PRIu64 "\n",
		total, ctl_ops, now_ms() - t0, get(&st->w[0].flows_started),
		get(&st->w[1].flows_started),
		get(&st->w[0].aborted_ended) + get(&st->w[1].aborted_ended),
		get(&st->w[0].packets), get(&st->w[1].packets), get(&st->est_calls),
		get(&st->dg_calls), get(&st->con_calls));
	print_message("stress: associate ok %" PRIu64 " invalid %" PRIu64 " exists %" PRIu64
		" full %" PRIu64 "; flowDeleteFn %" PRIu64 "; own removes %" PRIu64 "; pends %"
		PRIu64 ", expired %" PRIu64 "; completions decision %" PRIu64 " reauth %" PRIu64
		" timeout %" PRIu64 "; reauths %" PRIu64 "\n",
		get(&st->assoc[0]), get(&st->assoc[1]), get(&st->assoc[2]), get(&st->assoc[3]),
		get(&st->deletes), get(&st->own_removes), get(&st->pends), expired,
		get(&st->w[0].completions[0]) + get(&st->w[1].completions[0]),
		get(&st->w[0].completions[1]) + get(&st->w[1].completions[1]),
		get(&st->w[0].completions[2]) + get(&st->w[1].completions[2]),
		get(&st->w[0].reauths) + get(&st->w[1].reauths));
	print_message("stress: unregister ok/busy EST %" PRIu64 "/%" PRIu64 " DG %" PRIu64 "/%"
		PRIu64 " CON %" PRIu64 "/%" PRIu64 "\n", st->unreg_ok[CO_EST], st->unreg_busy[CO_EST],
		st->unreg_ok[CO_DG], st->unreg_busy[CO_DG], st->unreg_ok[CO_CON],
		st->unreg_busy[CO_CON]);

	if (st->errors != 0)
		fail_msg("%" PRIu64 " error(s), first: %s", st->errors, st->msg);
	assert_true(total >= MIN_OPS);
	assert_true(ctl_ops >= MIN_CTL_OPS || now_ms() - t0 >= limit);

	/* Every association ended exactly once; failed ones never ran flowDeleteFn. */
	n_ctx = RTE_MIN(__atomic_load_n(&st->next_ctx, __ATOMIC_RELAXED), (uint64_t)MAX_CTX);
	for (h = 0; h < n_ctx; h++) {
		struct ctx_rec *r = &st->ctx[h];

		if (r->assoc_ok > 1 || r->deletes != r->assoc_ok) {
			fail_msg("context 0x%" PRIx64 " (layer %u callout %u): associated %u, "
				"flowDeleteFn %u", CTX_TAG | (h + 1), r->layer_id, r->callout_id,
				r->assoc_ok, r->deletes);
		}
		ok += r->assoc_ok;
		deleted += r->deletes;
	}
	assert_int_equal(ok, get(&st->assoc[0]));
	assert_int_equal(deleted, get(&st->deletes));
	assert_true(ok > 1000);
	dfp_callout_foreach(st->rt, n_contexts_cb, &live_ctx);
	assert_int_equal(live_ctx, 0);

	dfp_callout_stats_get(st->rt, &cs);
	assert_int_equal(cs.handles_in_use, 0);
	assert_int_equal(cs.pended, 0);
	assert_true(get(&st->pends) > 100);

	for (i = 0; i < N_CO; i++)
		if (st->registered[i])
			assert_int_equal(dfp_ctl_callout_unregister_by_id(st->ctl, st->id[i]),
				DFP_STATUS_SUCCESS);
	for (i = 0; i < N_WORKERS; i++) {
		assert_int_equal(dfp_flow_table_count(st->w[i].tbl), 0);
		dfp_flow_table_free(st->w[i].tbl);
	}
	assert_int_equal(dfp_ctl_session_close(st->s), DFP_STATUS_SUCCESS);
	dfp_ctl_destroy(st->ctl);
	pthread_mutex_destroy(&st->msg_lock);
	free(st->ctx);
	free(st);
}

static int
group_setup(void **state)
{
	(void)state;
	return dfp_test_eal_init(NULL, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_callout_runtime_under_concurrent_control),
	};

	return cmocka_run_group_tests(tests, group_setup, NULL);
}
