/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for the control API as a state machine (spec §4-§6,
 * §8.2, N1-N10, N12). The input decodes into up to MAX_OPS operations on a
 * fresh control plane (lib/ctl with lib/callout and two flow tables owned
 * by this thread, which plays their worker): callout registration and
 * management objects, filters, sublayers, explicit and implicit
 * transactions of two sessions (the second dynamic: its objects go when
 * it closes; a write during the other's transaction is
 * STATUS_FWP_TIMEOUT), flows, flow contexts, classifications (whose classifyFn
 * runs a per-callout script: actions, associations, removals, classify
 * handles) and handle calls from outside (complete, release, expire, poll).
 *
 * A small model predicts every status and, after every operation, the
 * state is compared with it:
 *   - registrations and their context counts; unregistration with
 *     contexts is STATUS_DEVICE_BUSY and changes nothing (N1, §10.9);
 *   - callout objects (ids shared with registrations, §1.8, §10.24);
 *     deleting one a filter names is STATUS_FWP_IN_USE (N2);
 *   - filters as listed, and the notifications each callout received
 *     (ADD at the add when registered, DELETE when the filter goes away,
 *     POST_COMMIT at the commit for ENABLE_COMMIT_ADD_NOTIFY: N9, N10);
 *   - classifyFn runs only for registered callouts, for filters of the
 *     published rule base (never a transaction's half), with the filter
 *     context its ADD set and the flow context of (flow, layer, callout);
 *   - every association's flowDeleteFn runs exactly once: synchronously
 *     in a successful removal, at the end of the classification that made
 *     a removal STATUS_PENDING, or when the flow ends; removing twice gives
 *     STATUS_UNSUCCESSFUL (N5, N6);
 *   - classify handles in WFP order (§6.3): pend only at the ALE auth
 *     layers outside re-authorisation (N7), one completion per pend on the
 *     right worker ring, stale or double calls STATUS_INVALID_PARAMETER,
 *     the runtime's handle and pend counts;
 *   - PASSIVE calls from inside callbacks are STATUS_NOT_SUPPORTED (N12).
 * The teardown ends every flow, completes every pend and releases every
 * handle, unregisters every callout and frees everything (LeakSanitizer).
 *
 * A broken expectation prints the operation log and aborts; with
 * FUZZ_CTL_SEQ_TRACE set every input's log is printed.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dfp_ctl.h"
#include "dfp_engine.h"
#include "dfp_flow.h"
#include "dfp_flow_table.h"
#include "dfp_guid.h"
#include "fuzz_eal.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define N_CO 4
#define N_SL 2
#define N_TABLES 2
#define TABLE_CAP 4
#define MAX_HANDLES 8
#define MAX_FILTERS 24
#define MAX_FLOWS 24
#define MAX_ASSOC 64
#define MAX_HREC 48
#define MAX_COMPL 64
#define MAX_OPS 160
#define RAW_CONTEXT UINT64_C(0x77)

/* Layers used: IPPACKET (no flows), TRANSPORT, DATAGRAM_DATA, both ALE auth, ESTABLISHED. */
static const uint16_t layers[] = {
	DFP_LAYER_INBOUND_IPPACKET_V4, DFP_LAYER_INBOUND_TRANSPORT_V4, DFP_LAYER_DATAGRAM_DATA_V4,
	DFP_LAYER_ALE_AUTH_RECV_ACCEPT_V4, DFP_LAYER_ALE_AUTH_CONNECT_V4,
	DFP_LAYER_ALE_FLOW_ESTABLISHED_V4,
};
#define N_LAYERS ((unsigned int)(sizeof(layers) / sizeof(layers[0])))
/* A layer id no layer has (associations must refuse it). */
#define BAD_LAYER 999

static const uint32_t filter_actions[] = {
	DFP_ACTION_BLOCK, DFP_ACTION_PERMIT, DFP_ACTION_CALLOUT_TERMINATING,
	DFP_ACTION_CALLOUT_INSPECTION, DFP_ACTION_CALLOUT_UNKNOWN,
};

/* ---- Input ---- */

struct input {
	const uint8_t *p;
	size_t n;
};

static uint8_t
u8(struct input *in)
{
	if (in->n == 0)
		return 0;
	in->n--;
	return *in->p++;
}

/* ---- Model ---- */

struct m_filter {
	bool used;
	uint32_t owner;        /* Owning session's id (dfp_ctl_session_id()). */
	uint64_t id;
	struct dfp_guid key;
	uint16_t layer;
	int co;                /* Callout named, or -1. */
	int sl;                /* Custom sublayer, or -1 (default). */
	uint64_t ctx;          /* filter->context classifyFn must see. */
};

/* Management state: the session's view (cur) and the published one (pub). */
struct mgmt {
	struct m_filter f[MAX_FILTERS];
	bool co_obj[N_CO];
	uint16_t co_layer[N_CO];
	uint32_t co_id[N_CO];
	uint32_t co_owner[N_CO];  /* Owning session ids. */
	bool sl[N_SL];
	uint32_t sl_owner[N_SL];
};

/* What a callout's classifyFn does (op SCRIPT). */
struct script {
	uint8_t action;        /* 0 leave, 1 permit, 2 block, 3 continue. */
	bool clear_right;
	int assoc_layer;       /* Index into layers (N_LAYERS: BAD_LAYER), or -1: none. */
	int assoc_co;
	bool assoc_zero;       /* Associate context 0. */
	int rm_flow;           /* Flow record, -2: the classified flow, -1: none. */
	int rm_layer;
	int rm_co;
	uint8_t handle;        /* 0 none, 1 acquire, 2 +pend, 3 +pend+release, 4 +release. */
	bool probe_pend_twice;
};

struct m_reg {
	struct dfp_callout_desc desc;
	bool reg;
	uint32_t id;
	bool veto;             /* Fail the next ADD notifications. */
	struct script sc;
	unsigned int n_add, n_del, n_post;     /* Notifications received. */
	unsigned int e_add, e_del, e_post;     /* Expected. */
	uint64_t last_add_id;  /* filter_id of the last ADD received. */
};

struct m_flow {
	bool used;
	uint64_t id;
	unsigned int table;
	bool live;
	struct dfp_flow *f;
};

struct m_assoc {
	bool used;
	int flow;
	uint16_t layer;
	int co;
	uint64_t ctx;
	bool pending;          /* Removal returned PENDING. */
	bool expect_gone;      /* Its flowDeleteFn must have run by the end of the op. */
	bool deleted;          /* Its flowDeleteFn ran. */
};

enum { H_ACQ = 1, H_PENDED, H_DONE };

struct m_handle {
	bool used;
	uint64_t h;
	int refs;
	bool released;
	int state;
	uint16_t layer;
	int co;
	uint32_t callout_id;   /* The callout's run-time id when it acquired the handle. */
	uint64_t flow_id;
	unsigned int worker;
	uint64_t filter_id;
};

struct m_compl {
	enum dfp_callout_completion_kind kind;
	uint64_t handle;
	uint64_t flow_id;
	uint16_t layer;
	uint32_t callout_id;
	uint64_t filter_id;
	uint32_t action;
};

/* The classification in progress (inside classify_op()). */
struct m_cls {
	bool active;
	uint16_t layer;
	int flow;              /* Flow record or -1. */
	bool bracketed;        /* The flow is being classified (removals defer). */
	bool reauth;
	unsigned int worker;
};

static struct {
	struct dfp_ctl *ctl;
	struct dfp_ctl_session *s;
	struct dfp_callout_rt *rt;
	struct dfp_flow_dir *dir;
	struct dfp_flow_table *tbl[N_TABLES];
	struct mgmt cur, pub;
	struct dfp_ctl_session *s2;  /* A second, dynamic session, or NULL. */
	int act;                     /* Session the writes use: 1 (s) or 2 (s2). */
	int txn_owner;               /* Session with the open transaction, or 0. */
	bool ro_txn;
	struct m_reg co[N_CO];
	bool sl_keys_set;
	struct dfp_guid sl_key[N_SL];
	struct m_flow fl[MAX_FLOWS];
	unsigned int n_fl;
	struct m_assoc as[MAX_ASSOC];
	struct m_handle hd[MAX_HREC];
	unsigned int n_hd;
	struct m_compl cq[N_TABLES][MAX_COMPL];
	unsigned int cq_n[N_TABLES];
	struct m_cls cls;
	uint64_t next_ctx;
	unsigned int filter_seq;
	uint64_t stale_calls;
	char log[8192];
	size_t log_len;
} M;

static void __attribute__((format(printf, 1, 2)))
logf_(const char *fmt, ...)
{
	va_list ap;
	int n;

	if (M.log_len >= sizeof(M.log) - 1)
		return;
	va_start(ap, fmt);
	n = vsnprintf(M.log + M.log_len, sizeof(M.log) - M.log_len, fmt, ap);
	va_end(ap);
	if (n > 0)
		M.log_len += (size_t)n;
	if (M.log_len > sizeof(M.log) - 1)
		M.log_len = sizeof(M.log) - 1;
}

#define CHECK(cond, ...) do { \
	if (!(cond)) \
		fail_(__LINE__, #cond, __VA_ARGS__); \
} while (0)

static void __attribute__((noreturn, format(printf, 3, 4)))
fail_(int line, const char *cond, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "fuzz_ctl_seq: operations so far:\n%s\n", M.log);
	fprintf(stderr, "fuzz_ctl_seq: line %d: expectation failed: %s: ", line, cond);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	abort();
}

static const char *
sn(dfp_status_t st)
{
	return dfp_status_name(st);
}

/* The session writes use, and the one reads must use (the transaction's owner). */
static struct dfp_ctl_session *
act_session(void)
{
	return M.act == 2 && M.s2 != NULL ? M.s2 : M.s;
}

static struct dfp_ctl_session *
read_session(void)
{
	return M.txn_owner == 2 ? M.s2 : M.s;
}

static void
expect_st(dfp_status_t got, dfp_status_t want, const char *what)
{
	CHECK(got == want, "%s: got %s, expected %s", what, sn(got), sn(want));
}

/* ---- Callout callbacks ---- */

static int
co_index(const void *ctx)
{
	const struct m_reg *r = ctx;

	return (int)(r - M.co);
}

static void
probe_passive(const char *where)
{
	dfp_status_t st = dfp_ctl_txn_begin(M.s, 0);

	CHECK(st == DFP_STATUS_NOT_SUPPORTED, "PASSIVE call from %s: %s", where, sn(st));
}

static struct m_filter *
pub_filter(uint64_t id)
{
	unsigned int i;

	for (i = 0; i < MAX_FILTERS; i++)
		if (M.pub.f[i].used && M.pub.f[i].id == id)
			return &M.pub.f[i];
	return NULL;
}

static struct m_assoc *
assoc_find(int flow, uint16_t layer, int co)
{
	unsigned int i;

	for (i = 0; i < MAX_ASSOC; i++) {
		struct m_assoc *a = &M.as[i];

		if (a->used && !a->deleted && a->flow == flow && a->layer == layer && a->co == co)
			return a;
	}
	return NULL;
}

static unsigned int
assoc_count_flow(int flow)
{
	unsigned int i, n = 0;

	for (i = 0; i < MAX_ASSOC; i++)
		if (M.as[i].used && !M.as[i].deleted && M.as[i].flow == flow)
			n++;
	return n;
}

static unsigned int
assoc_count_co(int co)
{
	unsigned int i, n = 0;

	for (i = 0; i < MAX_ASSOC; i++)
		if (M.as[i].used && !M.as[i].deleted && M.as[i].co == co)
			n++;
	return n;
}

static bool
layer_is_flow(uint16_t layer)
{
	return layer != BAD_LAYER && dfp_engine_layer_is_flow_layer(layer);
}

static void
t_flow_delete(void *ctx, uint16_t layer_id, uint32_t callout_id, uint64_t flow_context)
{
	int c = co_index(ctx);
	unsigned int i;

	probe_passive("flowDeleteFn");
	CHECK(M.co[c].reg && M.co[c].id == callout_id, "flowDeleteFn of callout %d id %u", c,
		callout_id);
	for (i = 0; i < MAX_ASSOC; i++) {
		struct m_assoc *a = &M.as[i];

		if (!a->used || a->ctx != flow_context)
			continue;
		CHECK(!a->deleted, "flowDeleteFn twice for context 0x%" PRIx64, flow_context);
		CHECK(a->co == c && a->layer == layer_id, "flowDeleteFn for the wrong key");
		a->deleted = true;
		logf_("  flowDeleteFn ctx %" PRIx64 "\n", flow_context);
		return;
	}
	CHECK(false, "flowDeleteFn for unknown context 0x%" PRIx64, flow_context);
}

static dfp_status_t
t_notify(void *ctx, enum dfp_notify_type type, const struct dfp_guid *filter_key,
		struct dfp_engine_filter_rt *filter)
{
	struct m_reg *r = ctx;

	probe_passive("notifyFn");
	CHECK(r->reg, "notifyFn of an unregistered callout");
	CHECK(filter->callout_id == r->id, "notifyFn for another callout's filter");
	switch (type) {
	case DFP_NOTIFY_ADD_FILTER:
		CHECK(filter_key != NULL, "ADD without a key");
		r->n_add++;
		r->last_add_id = filter->filter_id;
		if (r->veto)
			return DFP_STATUS_UNSUCCESSFUL;
		filter->context = filter->filter_id * 7 + 1;
		break;
	case DFP_NOTIFY_DELETE_FILTER:
		CHECK(filter_key == NULL, "DELETE with a key");
		r->n_del++;
		break;
	case DFP_NOTIFY_ADD_FILTER_POST_COMMIT:
		r->n_post++;
		break;
	default:
		CHECK(false, "notify type %d", (int)type);
	}
	return DFP_STATUS_SUCCESS;
}

static struct m_handle *
handle_new(void)
{
	unsigned int i;

	for (i = 0; i < MAX_HREC; i++)
		if (!M.hd[i].used)
			return &M.hd[i];
	/* Forget the oldest freed record. */
	for (i = 0; i < MAX_HREC; i++)
		if (M.hd[i].refs == 0)
			return &M.hd[i];
	return NULL;
}

static unsigned int
handles_in_use(void)
{
	unsigned int i, n = 0;

	for (i = 0; i < MAX_HREC; i++)
		if (M.hd[i].used && M.hd[i].refs > 0)
			n++;
	return n;
}

static void
handle_drop(struct m_handle *h)
{
	h->refs--;
	CHECK(h->refs >= 0, "handle refs");
}

static uint64_t flow_id_of(int flow);

static void
script_handles(int c, const struct dfp_callout_classify_in *in,
		const struct dfp_engine_filter_rt *filter, struct dfp_classify_out *out)
{
	const struct script *sc = &M.co[c].sc;
	struct m_handle *mh;
	enum dfp_layer_kind kind;
	bool can_pend;
	dfp_status_t st;
	uint64_t h = 0;

	if (sc->handle == 0)
		return;
	mh = handle_new();
	if (mh == NULL)
		return;
	st = dfp_callout_handle_acquire(M.rt, in->classify_context, &h);
	if (handles_in_use() >= MAX_HANDLES) {
		expect_st(st, DFP_STATUS_INSUFFICIENT_RESOURCES, "acquire with every handle in use");
		return;
	}
	expect_st(st, DFP_STATUS_SUCCESS, "acquire");
	CHECK(h != 0, "handle 0");
	memset(mh, 0, sizeof(*mh));
	mh->used = true;
	mh->h = h;
	mh->refs = 1;
	mh->state = H_ACQ;
	mh->layer = in->layer_id;
	mh->co = c;
	mh->callout_id = M.co[c].id;
	mh->flow_id = M.cls.flow >= 0 ? flow_id_of(M.cls.flow) : 0;
	mh->worker = M.cls.worker;
	logf_("  acquire %" PRIx64 "\n", h);
	if (sc->handle == 2 || sc->handle == 3) {
		kind = dfp_engine_layer_kind(in->layer_id);
		can_pend = (kind == DFP_LAYER_KIND_ALE_CONNECT ||
			kind == DFP_LAYER_KIND_ALE_RECV_ACCEPT) && !M.cls.reauth;
		st = dfp_callout_handle_pend(M.rt, h, filter->filter_id, out);
		if (!can_pend) {
			expect_st(st, DFP_STATUS_FWP_CANNOT_PEND, "pend outside ALE auth / in reauth");
		} else {
			expect_st(st, DFP_STATUS_SUCCESS, "pend");
			CHECK(out->action_type == DFP_ACTION_BLOCK &&
				!(out->rights & DFP_RIGHT_ACTION_WRITE) &&
				(out->flags & DFP_CLASSIFY_OUT_FLAG_ABSORB), "pended classifyOut");
			mh->state = H_PENDED;
			mh->refs = 2;
			mh->filter_id = filter->filter_id;
			logf_("  pend %" PRIx64 "\n", h);
			if (sc->probe_pend_twice) {
				st = dfp_callout_handle_pend(M.rt, h, filter->filter_id, out);
				expect_st(st, DFP_STATUS_INVALID_PARAMETER, "pend twice");
				M.stale_calls++;
			}
		}
	}
	if (sc->handle == 3 || sc->handle == 4) {
		expect_st(dfp_callout_handle_release(M.rt, h), DFP_STATUS_SUCCESS,
			"release in classifyFn");
		mh->released = true;
		handle_drop(mh);
	}
}

static void
script_assoc(int c)
{
	const struct script *sc = &M.co[c].sc;
	struct m_assoc *a = NULL;
	uint16_t layer;
	uint64_t ctx;
	int flow = M.cls.flow, tc = sc->assoc_co;
	unsigned int i;
	dfp_status_t st;

	if (sc->assoc_layer < 0 || flow < 0)
		return;
	layer = sc->assoc_layer >= (int)N_LAYERS ? BAD_LAYER : layers[sc->assoc_layer];
	for (i = 0; i < MAX_ASSOC && a == NULL; i++)
		if (!M.as[i].used)
			a = &M.as[i];
	if (a == NULL)
		return;
	ctx = sc->assoc_zero ? 0 : ++M.next_ctx;
	st = dfp_callout_flow_associate(M.rt, flow_id_of(flow), layer, M.co[tc].id, ctx);
	if (ctx == 0 || !layer_is_flow(layer) || !M.co[tc].reg || M.co[tc].desc.flow_delete == NULL)
		expect_st(st, DFP_STATUS_INVALID_PARAMETER, "associate (bad args) in classifyFn");
	else if (assoc_find(flow, layer, tc) != NULL)
		expect_st(st, DFP_STATUS_OBJECT_NAME_EXISTS, "associate twice in classifyFn");
	else if (assoc_count_flow(flow) >= DFP_FLOW_MAX_CONTEXTS)
		expect_st(st, DFP_STATUS_INSUFFICIENT_RESOURCES, "associate a 9th in classifyFn");
	else
		expect_st(st, DFP_STATUS_SUCCESS, "associate in classifyFn");
	if (st == DFP_STATUS_SUCCESS) {
		memset(a, 0, sizeof(*a));
		a->used = true;
		a->flow = flow;
		a->layer = layer;
		a->co = tc;
		a->ctx = ctx;
		logf_("  associate ctx %" PRIx64 "\n", ctx);
	}
}

static void
script_remove(int c)
{
	const struct script *sc = &M.co[c].sc;
	int flow = sc->rm_flow == -2 ? M.cls.flow : sc->rm_flow;
	uint16_t layer;
	struct m_assoc *a;
	dfp_status_t st;

	if (sc->rm_flow == -1 || flow < 0 || (unsigned int)flow >= M.n_fl)
		return;
	layer = layers[sc->rm_layer];
	a = assoc_find(flow, layer, sc->rm_co);
	st = dfp_callout_flow_remove(M.rt, flow_id_of(flow), layer, M.co[sc->rm_co].id);
	logf_("  remove flow %d layer %u co %d: %s\n", flow, layer, sc->rm_co, sn(st));
	if (a == NULL || a->pending) {
		expect_st(st, DFP_STATUS_UNSUCCESSFUL, "remove without a context in classifyFn");
		return;
	}
	if (flow == M.cls.flow && M.cls.bracketed) {
		expect_st(st, DFP_STATUS_PENDING, "remove during the flow's classification");
		a->pending = true;
		a->expect_gone = true;
		CHECK(!a->deleted, "flowDeleteFn ran although the removal is pending");
	} else {
		expect_st(st, DFP_STATUS_SUCCESS, "remove in classifyFn");
		CHECK(a->deleted, "flowDeleteFn did not run in a successful removal");
		a->expect_gone = true;
	}
}

static void
t_classify(const struct dfp_callout_classify_in *in, const struct dfp_engine_filter_rt *filter,
		uint64_t flow_context, struct dfp_classify_out *out)
{
	int c = co_index(in->callout_ctx);
	const struct script *sc = &M.co[c].sc;
	struct m_filter *mf = pub_filter(filter->filter_id);
	struct m_assoc *a;
	uint64_t want_ctx = 0;

	probe_passive("classifyFn");
	CHECK(M.cls.active, "classifyFn outside a classification");
	CHECK(M.co[c].reg, "classifyFn of unregistered callout %d", c);
	CHECK(in->layer_id == M.cls.layer && filter->layer_id == M.cls.layer, "layer");
	CHECK(mf != NULL, "classifyFn for filter %" PRIu64 ", not in the published rule base",
		filter->filter_id);
	CHECK(mf->co == c && mf->layer == in->layer_id, "filter names another callout or layer");
	CHECK(filter->context == mf->ctx, "filter context 0x%" PRIx64 ", expected 0x%" PRIx64,
		filter->context, mf->ctx);
	CHECK(in->classify_context != NULL, "no classify context");
	if (M.cls.bracketed) {
		a = assoc_find(M.cls.flow, in->layer_id, c);
		if (a != NULL && !a->pending)
			want_ctx = a->ctx;
	}
	CHECK(flow_context == want_ctx, "flow context 0x%" PRIx64 ", expected 0x%" PRIx64,
		flow_context, want_ctx);
	if (M.co[c].desc.flags & DFP_CALLOUT_FLAG_CONDITIONAL_ON_FLOW)
		CHECK(flow_context != 0, "CONDITIONAL_ON_FLOW callout invoked without a context");
	switch (sc->action) {
	case 1:
		out->action_type = DFP_ACTION_PERMIT;
		break;
	case 2:
		out->action_type = DFP_ACTION_BLOCK;
		break;
	case 3:
		out->action_type = DFP_ACTION_CONTINUE;
		break;
	default:
		break;
	}
	if (sc->clear_right)
		out->rights &= ~DFP_RIGHT_ACTION_WRITE;
	script_assoc(c);
	script_remove(c);
	script_handles(c, in, filter, out);
}

/* ---- Checks after every operation ---- */

static uint64_t
flow_id_of(int flow)
{
	return M.fl[flow].id;
}

struct reg_seen {
	unsigned int n;
	uint32_t ids[16];
	uint64_t ctxs[16];
};

static int
reg_cb(void *arg, const struct dfp_callout_reg_info *r)
{
	struct reg_seen *s = arg;

	if (s->n < 16) {
		s->ids[s->n] = r->callout_id;
		s->ctxs[s->n] = r->n_contexts;
	}
	s->n++;
	return 0;
}

struct filter_seen {
	unsigned int n;
	uint64_t ids[MAX_FILTERS + 8];
};

static int
filter_cb(void *arg, const struct dfp_engine_filter_info *f)
{
	struct filter_seen *s = arg;

	if (s->n < MAX_FILTERS + 8)
		s->ids[s->n] = f->rt.filter_id;
	s->n++;
	return 0;
}

static void
check_assocs(void)
{
	struct dfp_flow_info info;
	unsigned int i, j, n;

	for (i = 0; i < MAX_ASSOC; i++) {
		struct m_assoc *a = &M.as[i];

		if (!a->used)
			continue;
		if (a->expect_gone) {
			CHECK(a->deleted, "flowDeleteFn of ctx 0x%" PRIx64 " did not run", a->ctx);
			memset(a, 0, sizeof(*a));
			continue;
		}
		CHECK(!a->deleted, "flowDeleteFn of ctx 0x%" PRIx64 " ran unexpectedly", a->ctx);
		CHECK(!a->pending, "a pending removal outlived its classification");
	}
	for (i = 0; i < M.n_fl; i++) {
		const struct m_flow *f = &M.fl[i];
		dfp_status_t st = dfp_flow_get(M.dir, f->id, &info);

		if (!f->live) {
			expect_st(st, DFP_STATUS_UNSUCCESSFUL, "flow_get of an ended flow");
			continue;
		}
		expect_st(st, DFP_STATUS_SUCCESS, "flow_get of a live flow");
		n = assoc_count_flow((int)i);
		CHECK(info.n_contexts == n, "flow %u has %u contexts, model %u", i, info.n_contexts,
			n);
		for (j = 0; j < info.n_contexts && j < DFP_FLOW_MAX_CONTEXTS; j++) {
			const struct dfp_flow_context_info *ci = &info.contexts[j];
			const struct m_assoc *a;
			int co;

			for (co = 0; co < N_CO; co++)
				if (M.co[co].reg && M.co[co].id == ci->callout_id)
					break;
			CHECK(co < N_CO, "context of an unregistered callout");
			a = assoc_find((int)i, ci->layer_id, co);
			CHECK(a != NULL && a->ctx == ci->context && !ci->pending_delete,
				"context (%u, %u) not in the model", ci->layer_id, ci->callout_id);
		}
	}
}

static void
check_state(void)
{
	struct dfp_callout_stats cs;
	struct filter_seen fs;
	struct reg_seen rs;
	unsigned int i, j, n;
	uint32_t id;
	dfp_status_t st;

	for (i = 0; i < N_CO; i++) {
		const struct m_reg *r = &M.co[i];

		CHECK(r->n_add == r->e_add && r->n_del == r->e_del && r->n_post == r->e_post,
			"callout %u notifications add %u/%u delete %u/%u post %u/%u", i, r->n_add,
			r->e_add, r->n_del, r->e_del, r->n_post, r->e_post);
		CHECK(dfp_callout_is_registered(M.rt, r->id) == r->reg || !r->reg,
			"callout %u registration", i);
		st = dfp_ctl_callout_lookup(read_session(), &r->desc.key, &id);
		if (M.cur.co_obj[i]) {
			expect_st(st, DFP_STATUS_SUCCESS, "lookup of a callout object");
			CHECK(id == M.cur.co_id[i], "callout object id");
		} else {
			expect_st(st, DFP_STATUS_FWP_CALLOUT_NOT_FOUND, "lookup of no callout object");
		}
	}
	memset(&rs, 0, sizeof(rs));
	dfp_callout_foreach(M.rt, reg_cb, &rs);
	for (i = 0, n = 0; i < N_CO; i++)
		n += M.co[i].reg;
	CHECK(rs.n == n, "%u registrations listed, model %u", rs.n, n);
	for (j = 0; j < rs.n && j < 16; j++) {
		for (i = 0; i < N_CO; i++)
			if (M.co[i].reg && M.co[i].id == rs.ids[j])
				break;
		CHECK(i < N_CO, "registration %u not in the model", rs.ids[j]);
		CHECK(rs.ctxs[j] == assoc_count_co((int)i), "callout %u has %" PRIu64
			" contexts, model %u", i, rs.ctxs[j], assoc_count_co((int)i));
	}
	memset(&fs, 0, sizeof(fs));
	expect_st(dfp_ctl_filter_foreach(read_session(), 0xFFFF, filter_cb, &fs), DFP_STATUS_SUCCESS,
		"filter_foreach");
	for (i = 0, n = 0; i < MAX_FILTERS; i++)
		n += M.cur.f[i].used;
	CHECK(fs.n == n, "%u filters listed, model %u", fs.n, n);
	for (j = 0; j < fs.n && j < MAX_FILTERS + 8; j++) {
		for (i = 0; i < MAX_FILTERS; i++)
			if (M.cur.f[i].used && M.cur.f[i].id == fs.ids[j])
				break;
		CHECK(i < MAX_FILTERS, "filter %" PRIu64 " not in the model", fs.ids[j]);
	}
	dfp_callout_stats_get(M.rt, &cs);
	CHECK(cs.handles_in_use == handles_in_use(), "handles in use %" PRIu64 ", model %u",
		cs.handles_in_use, handles_in_use());
	for (i = 0, n = 0; i < MAX_HREC; i++)
		n += M.hd[i].used && M.hd[i].state == H_PENDED;
	CHECK(cs.pended == n, "pended %" PRIu64 ", model %u", cs.pended, n);
	CHECK(cs.stale_handle_calls == M.stale_calls, "stale calls %" PRIu64 ", model %" PRIu64,
		cs.stale_handle_calls, M.stale_calls);
	check_assocs();
}

/* ---- Management operations ---- */

static bool
filters_name(const struct mgmt *m, int co)
{
	unsigned int i;

	for (i = 0; i < MAX_FILTERS; i++)
		if (m->f[i].used && m->f[i].co == co)
			return true;
	return false;
}

static bool
filters_in(const struct mgmt *m, int sl)
{
	unsigned int i;

	for (i = 0; i < MAX_FILTERS; i++)
		if (m->f[i].used && m->f[i].sl == sl)
			return true;
	return false;
}

/*
 * A write succeeded: outside a transaction it was committed at once. `was`
 * is the published state before it (for notifications of what went away).
 */
static void publish(void);

static void
write_done(void)
{
	if (M.txn_owner == 0)
		publish();
}

/* The published state becomes cur: DELETE for filters gone, POST_COMMIT for new ones. */
static void
publish(void)
{
	unsigned int i, j;

	for (i = 0; i < MAX_FILTERS; i++) {
		const struct m_filter *pf = &M.pub.f[i];
		bool kept = false;

		if (!pf->used)
			continue;
		for (j = 0; j < MAX_FILTERS; j++)
			kept |= M.cur.f[j].used && M.cur.f[j].id == pf->id;
		if (!kept && pf->co >= 0 && M.co[pf->co].reg)
			M.co[pf->co].e_del++;
	}
	for (i = 0; i < MAX_FILTERS; i++) {
		const struct m_filter *cf = &M.cur.f[i];
		bool old = false;

		if (!cf->used || cf->co < 0)
			continue;
		for (j = 0; j < MAX_FILTERS; j++)
			old |= M.pub.f[j].used && M.pub.f[j].id == cf->id;
		if (!old && M.co[cf->co].reg &&
				(M.co[cf->co].desc.flags & DFP_CALLOUT_FLAG_ENABLE_COMMIT_ADD_NOTIFY))
			M.co[cf->co].e_post++;
	}
	M.pub = M.cur;
}

/*
 * Filters added and then deleted within one transaction are never
 * published; their DELETE comes at the commit. Keep them as "ghosts" for
 * publish(): cur.f holds the live ones, ghosts the deleted-unpublished.
 */
static struct m_filter ghosts[MAX_FILTERS * 4];
static unsigned int n_ghosts;

static void
ghosts_settle(void)
{
	unsigned int i;

	for (i = 0; i < n_ghosts; i++)
		if (ghosts[i].co >= 0 && M.co[ghosts[i].co].reg)
			M.co[ghosts[i].co].e_del++;
	n_ghosts = 0;
}

/*
 * A write that cannot happen: another session's transaction holds the
 * engine (both sessions wait 0 ms: STATUS_FWP_TIMEOUT), or this session's
 * transaction is read-only.
 */
static bool
write_refused(dfp_status_t st, const char *what)
{
	if (M.txn_owner != 0 && M.txn_owner != (act_session() == M.s2 ? 2 : 1)) {
		expect_st(st, DFP_STATUS_FWP_TIMEOUT, "write during another session's txn");
		return true;
	}
	if (M.txn_owner == 0 || !M.ro_txn)
		return false;
	expect_st(st, DFP_STATUS_FWP_INCOMPATIBLE_TXN, what);
	return true;
}

static uint8_t
act_id(void)
{
	return act_session() == M.s2 ? 2 : 1;
}

static void
op_register(int c)
{
	uint32_t id = 0;
	dfp_status_t st = dfp_ctl_callout_register(M.ctl, &M.co[c].desc, &id);

	logf_("register %d: %s\n", c, sn(st));
	if (M.co[c].reg) {
		expect_st(st, DFP_STATUS_FWP_ALREADY_EXISTS, "register twice (N4)");
		return;
	}
	expect_st(st, DFP_STATUS_SUCCESS, "register");
	if (M.cur.co_obj[c])
		CHECK(id == M.cur.co_id[c], "registration id %u, object id %u", id, M.cur.co_id[c]);
	M.co[c].reg = true;
	M.co[c].id = id;
}

static void
op_unregister(int c, bool by_key, bool bogus)
{
	unsigned int before = assoc_count_co(c);
	dfp_status_t st;

	if (bogus)
		st = dfp_ctl_callout_unregister_by_id(M.ctl, 0xFFFFFu);
	else if (by_key)
		st = dfp_ctl_callout_unregister_by_key(M.ctl, &M.co[c].desc.key);
	else
		st = dfp_ctl_callout_unregister_by_id(M.ctl, M.co[c].reg ? M.co[c].id : 0xFFFFEu);
	logf_("unregister %d key %d bogus %d: %s\n", c, by_key, bogus, sn(st));
	if (bogus || !M.co[c].reg) {
		expect_st(st, DFP_STATUS_FWP_CALLOUT_NOT_FOUND, "unregister unknown (N3)");
		return;
	}
	if (before > 0) {
		expect_st(st, DFP_STATUS_DEVICE_BUSY, "unregister with contexts (N1)");
		CHECK(dfp_callout_is_registered(M.rt, M.co[c].id), "DEVICE_BUSY unregistered it");
		return;
	}
	expect_st(st, DFP_STATUS_SUCCESS, "unregister");
	M.co[c].reg = false;
}

static void
op_callout_add(int c, unsigned int li)
{
	struct dfp_engine_callout_spec cs;
	uint16_t layer = li < N_LAYERS ? layers[li] : BAD_LAYER;
	uint32_t id = 0;
	dfp_status_t st;

	memset(&cs, 0, sizeof(cs));
	cs.key = M.co[c].desc.key;
	cs.name = "fuzz callout";
	cs.layer_id = layer;
	st = dfp_ctl_callout_add(act_session(), &cs, &id);
	logf_("callout add %d layer %u: %s\n", c, layer, sn(st));
	if (write_refused(st, "callout add in a read-only txn"))
		return;
	if (layer == BAD_LAYER) {
		CHECK(st == DFP_STATUS_FWP_LAYER_NOT_FOUND ||
			(st == DFP_STATUS_FWP_ALREADY_EXISTS && M.cur.co_obj[c]),
			"callout add at no layer: %s", sn(st));
		return;
	}
	if (M.cur.co_obj[c]) {
		expect_st(st, DFP_STATUS_FWP_ALREADY_EXISTS, "callout add twice (N4)");
		return;
	}
	expect_st(st, DFP_STATUS_SUCCESS, "callout add");
	if (M.co[c].reg)
		CHECK(id == M.co[c].id, "object id %u, registration id %u", id, M.co[c].id);
	M.cur.co_obj[c] = true;
	M.cur.co_layer[c] = layer;
	M.cur.co_id[c] = id;
	M.cur.co_owner[c] = dfp_ctl_session_id(act_session());
	write_done();
}

static void
op_callout_delete(int c, bool by_key)
{
	dfp_status_t st;

	if (by_key)
		st = dfp_ctl_callout_delete_by_key(act_session(), &M.co[c].desc.key);
	else
		st = dfp_ctl_callout_delete_by_id(act_session(), M.cur.co_obj[c] ? M.cur.co_id[c] : 0xFFFFDu);
	logf_("callout delete %d key %d: %s\n", c, by_key, sn(st));
	if (write_refused(st, "callout delete in a read-only txn"))
		return;
	if (!M.cur.co_obj[c]) {
		expect_st(st, DFP_STATUS_FWP_CALLOUT_NOT_FOUND, "callout delete unknown (N3)");
		return;
	}
	if (filters_name(&M.cur, c)) {
		expect_st(st, DFP_STATUS_FWP_IN_USE, "callout delete while named (N2)");
		return;
	}
	expect_st(st, DFP_STATUS_SUCCESS, "callout delete");
	M.cur.co_obj[c] = false;
	write_done();
}

static void
op_filter_add(struct input *in)
{
	unsigned int li = u8(in) % N_LAYERS, ai = u8(in) % 5, flags = u8(in);
	int c = (int)(u8(in) % N_CO), sl = (int)(u8(in) % (N_SL + 1)) - 1;
	uint32_t action = filter_actions[ai];
	struct dfp_engine_filter_spec fs;
	struct m_filter *mf = NULL;
	bool callout = (action & DFP_ACTION_FLAG_CALLOUT) != 0;
	bool notified = false, bad_flags;
	uint64_t id = 0;
	dfp_status_t st;
	unsigned int i;

	for (i = 0; i < MAX_FILTERS && mf == NULL; i++)
		if (!M.cur.f[i].used)
			mf = &M.cur.f[i];
	if (mf == NULL)
		return;
	if (!callout)
		c = -1;
	memset(&fs, 0, sizeof(fs));
	fs.name = "fuzz filter";
	fs.layer_id = layers[li];
	fs.key.data1 = 0xf0000000u | ++M.filter_seq;
	fs.key.data3 = 0x4000;
	if (sl >= 0)
		fs.sublayer_key = M.sl_key[sl];
	fs.weight_type = DFP_ENGINE_WEIGHT_EXPLICIT;
	fs.weight = flags & 0x7;
	fs.flags = (flags & 0x10 ? DFP_FILTER_FLAG_CLEAR_ACTION_RIGHT : 0) |
		(flags & 0x20 ? DFP_FILTER_FLAG_PERMIT_IF_CALLOUT_UNREGISTERED : 0);
	fs.action = action;
	if (callout)
		fs.callout_key = M.co[c].desc.key;
	fs.raw_context = RAW_CONTEXT;
	st = dfp_ctl_filter_add(act_session(), &fs, &id);
	logf_("filter add layer %u action %x co %d sl %d flags %x: %s id %" PRIu64 "\n",
		fs.layer_id, action, c, sl, fs.flags, sn(st), id);
	if (write_refused(st, "filter add in a read-only txn"))
		return;
	/* Several faults: any of their statuses (the engine's order is its own). */
	bad_flags = (fs.flags & DFP_FILTER_FLAG_PERMIT_IF_CALLOUT_UNREGISTERED) &&
		action != DFP_ACTION_CALLOUT_TERMINATING && action != DFP_ACTION_CALLOUT_UNKNOWN;
	if ((callout && !M.cur.co_obj[c]) || (sl >= 0 && !M.cur.sl[sl]) ||
			(callout && M.cur.co_layer[c] != fs.layer_id) || bad_flags) {
		CHECK((st == DFP_STATUS_FWP_INVALID_FLAGS && bad_flags) ||
			(st == DFP_STATUS_FWP_CALLOUT_NOT_FOUND && callout && !M.cur.co_obj[c]) ||
			(st == DFP_STATUS_FWP_SUBLAYER_NOT_FOUND && sl >= 0 && !M.cur.sl[sl]) ||
			(st == DFP_STATUS_FWP_INCOMPATIBLE_LAYER && callout && M.cur.co_obj[c] &&
			 M.cur.co_layer[c] != fs.layer_id),
			"filter add with bad flags, a missing callout or sublayer, or at another layer: %s",
			sn(st));
		return;
	}
	if (callout && M.co[c].reg) {
		M.co[c].e_add++;
		notified = true;
		if (M.co[c].veto) {
			expect_st(st, DFP_STATUS_FWP_CALLOUT_NOTIFICATION_FAILED, "vetoed add (N9)");
			return;
		}
	}
	expect_st(st, DFP_STATUS_SUCCESS, "filter add");
	if (notified)
		CHECK(M.co[c].last_add_id == id, "ADD for filter %" PRIu64 ", added %" PRIu64,
			M.co[c].last_add_id, id);
	memset(mf, 0, sizeof(*mf));
	mf->used = true;
	mf->owner = dfp_ctl_session_id(act_session());
	mf->id = id;
	mf->key = fs.key;
	mf->layer = fs.layer_id;
	mf->co = c;
	mf->sl = sl;
	mf->ctx = notified ? id * 7 + 1 : RAW_CONTEXT;
	write_done();
}

static void
op_filter_delete(struct input *in)
{
	unsigned int k = u8(in) % MAX_FILTERS;
	bool by_key = u8(in) & 1;
	struct m_filter *mf = &M.cur.f[k];
	struct dfp_guid key;
	dfp_status_t st;
	unsigned int i;
	bool published = false;

	if (by_key) {
		if (mf->used) {
			key = mf->key;
		} else {
			memset(&key, 0, sizeof(key));
			key.data1 = 0xe0000000u | k;
		}
		st = dfp_ctl_filter_delete_by_key(act_session(), &key);
	} else {
		st = dfp_ctl_filter_delete_by_id(act_session(), mf->used ? mf->id : UINT64_C(0xFFFFFF) + k);
	}
	logf_("filter delete %u key %d: %s\n", k, by_key, sn(st));
	if (write_refused(st, "filter delete in a read-only txn"))
		return;
	if (!mf->used) {
		expect_st(st, DFP_STATUS_FWP_FILTER_NOT_FOUND, "filter delete unknown");
		return;
	}
	expect_st(st, DFP_STATUS_SUCCESS, "filter delete");
	for (i = 0; i < MAX_FILTERS; i++)
		published |= M.pub.f[i].used && M.pub.f[i].id == mf->id;
	if (!published && M.txn_owner != 0 && n_ghosts < sizeof(ghosts) / sizeof(ghosts[0]))
		ghosts[n_ghosts++] = *mf;
	mf->used = false;
	write_done();
}

static void
op_sublayer_add(int s)
{
	struct dfp_engine_sublayer_spec ss;
	dfp_status_t st;

	memset(&ss, 0, sizeof(ss));
	ss.key = M.sl_key[s];
	ss.name = "fuzz sublayer";
	ss.weight = (uint16_t)(100 + s);
	st = dfp_ctl_sublayer_add(act_session(), &ss, NULL);
	logf_("sublayer add %d: %s\n", s, sn(st));
	if (write_refused(st, "sublayer add in a read-only txn"))
		return;
	if (M.cur.sl[s]) {
		expect_st(st, DFP_STATUS_FWP_ALREADY_EXISTS, "sublayer add twice");
		return;
	}
	expect_st(st, DFP_STATUS_SUCCESS, "sublayer add");
	M.cur.sl[s] = true;
	M.cur.sl_owner[s] = dfp_ctl_session_id(act_session());
	write_done();
}

static void
op_sublayer_delete(int s)
{
	dfp_status_t st = dfp_ctl_sublayer_delete(act_session(), &M.sl_key[s]);

	logf_("sublayer delete %d: %s\n", s, sn(st));
	if (write_refused(st, "sublayer delete in a read-only txn"))
		return;
	if (!M.cur.sl[s]) {
		expect_st(st, DFP_STATUS_FWP_SUBLAYER_NOT_FOUND, "sublayer delete unknown");
		return;
	}
	if (filters_in(&M.cur, s)) {
		expect_st(st, DFP_STATUS_FWP_IN_USE, "sublayer delete with filters");
		return;
	}
	expect_st(st, DFP_STATUS_SUCCESS, "sublayer delete");
	M.cur.sl[s] = false;
	write_done();
}

/* The open transaction was aborted: filters it added go (DELETE for each), the rest is as published. */
static void
model_abort(void)
{
	unsigned int i, j;

	for (i = 0; i < MAX_FILTERS; i++) {
		const struct m_filter *cf = &M.cur.f[i];
		bool old = false;

		if (!cf->used || cf->co < 0)
			continue;
		for (j = 0; j < MAX_FILTERS; j++)
			old |= M.pub.f[j].used && M.pub.f[j].id == cf->id;
		if (!old && M.co[cf->co].reg)
			M.co[cf->co].e_del++;
	}
	ghosts_settle();
	M.cur = M.pub;
	M.txn_owner = 0;
	M.ro_txn = false;
}

static void
op_txn(unsigned int what, bool ro)
{
	struct dfp_ctl_session *ss = act_session();
	int me = act_id();
	dfp_status_t st;

	switch (what) {
	case 0:
		st = dfp_ctl_txn_begin(ss, ro ? DFP_CTL_TXN_READ_ONLY : 0);
		logf_("txn begin s%d ro %d: %s\n", me, ro, sn(st));
		if (M.txn_owner == me) {
			expect_st(st, DFP_STATUS_FWP_TXN_IN_PROGRESS, "begin twice");
			return;
		}
		if (M.txn_owner != 0) {
			expect_st(st, DFP_STATUS_FWP_TIMEOUT, "begin during another session's txn");
			return;
		}
		expect_st(st, DFP_STATUS_SUCCESS, "begin");
		M.txn_owner = me;
		M.ro_txn = ro;
		n_ghosts = 0;
		CHECK(dfp_ctl_session_in_txn(ss), "session not in txn");
		return;
	case 1:
		st = dfp_ctl_txn_commit(ss);
		logf_("txn commit s%d: %s\n", me, sn(st));
		if (M.txn_owner != me) {
			expect_st(st, DFP_STATUS_FWP_NO_TXN_IN_PROGRESS, "commit without a txn");
			return;
		}
		expect_st(st, DFP_STATUS_SUCCESS, "commit");
		M.txn_owner = 0;
		M.ro_txn = false;
		publish();
		ghosts_settle();
		return;
	default:
		st = dfp_ctl_txn_abort(ss);
		logf_("txn abort s%d: %s\n", me, sn(st));
		if (M.txn_owner != me) {
			expect_st(st, DFP_STATUS_FWP_NO_TXN_IN_PROGRESS, "abort without a txn");
			return;
		}
		expect_st(st, DFP_STATUS_SUCCESS, "abort");
		model_abort();
		CHECK(!dfp_ctl_session_in_txn(ss), "session still in txn");
		return;
	}
}

/* ---- The second session (dynamic: its objects go when it closes) ---- */

static void
op_s2(unsigned int what)
{
	uint32_t s2_id;
	unsigned int i;
	int c, k;
	bool named;
	dfp_status_t st;

	if (what == 0) {
		/* Open, or make the writes use the other session. */
		if (M.s2 == NULL) {
			st = dfp_ctl_session_open(M.ctl, DFP_CTL_SESSION_FLAG_DYNAMIC, &M.s2);
			expect_st(st, DFP_STATUS_SUCCESS, "open a dynamic session");
			dfp_ctl_session_set_txn_wait(M.s2, 0);
			M.act = 2;
		} else {
			M.act = M.act == 2 ? 1 : 2;
		}
		logf_("session %d\n", M.act);
		return;
	}
	/* Close: it would wait for session 1's transaction forever. */
	if (M.s2 == NULL || M.txn_owner == 1)
		return;
	/* Objects it leaves behind (still named or holding filters) keep its id as owner. */
	s2_id = dfp_ctl_session_id(M.s2);
	st = dfp_ctl_session_close(M.s2);
	logf_("close session 2: %s\n", sn(st));
	expect_st(st, DFP_STATUS_SUCCESS, "close the dynamic session");
	M.s2 = NULL;
	M.act = 1;
	if (M.txn_owner == 2)
		model_abort();
	/* Its filters, then its callouts and sublayers that no filter left names or holds. */
	for (i = 0; i < MAX_FILTERS; i++)
		if (M.cur.f[i].used && M.cur.f[i].owner == s2_id)
			M.cur.f[i].used = false;
	for (c = 0; c < N_CO; c++) {
		if (!M.cur.co_obj[c] || M.cur.co_owner[c] != s2_id)
			continue;
		named = filters_name(&M.cur, c);
		if (!named)
			M.cur.co_obj[c] = false;
	}
	for (k = 0; k < N_SL; k++)
		if (M.cur.sl[k] && M.cur.sl_owner[k] == s2_id && !filters_in(&M.cur, k))
			M.cur.sl[k] = false;
	publish();
}

/* ---- Flows ---- */

static void
op_flow_new(unsigned int t)
{
	struct dfp_flow *f = NULL;
	unsigned int i, live = 0;
	struct m_flow *mf;
	uint64_t id;

	for (i = 0; i < M.n_fl; i++)
		live += M.fl[i].live && M.fl[i].table == t;
	if (M.n_fl == MAX_FLOWS)
		return;
	id = dfp_flow_alloc(M.tbl[t], &f);
	logf_("flow new table %u: %" PRIx64 "\n", t, id);
	if (live >= TABLE_CAP) {
		CHECK(id == 0 && f == NULL, "a full table gave a flow");
		return;
	}
	CHECK(id != 0 && f != NULL, "flow alloc failed with %u of %u live", live, TABLE_CAP);
	CHECK(dfp_flow_id_table(id) == t, "flow id's table");
	mf = &M.fl[M.n_fl++];
	mf->used = true;
	mf->id = id;
	mf->table = t;
	mf->live = true;
	mf->f = f;
}

static void
flow_end_model(int k)
{
	unsigned int i;

	for (i = 0; i < MAX_ASSOC; i++)
		if (M.as[i].used && !M.as[i].deleted && M.as[i].flow == k)
			M.as[i].expect_gone = true;
	M.fl[k].live = false;
}

static void
op_flow_end(int k, bool abort_first)
{
	struct m_flow *mf = &M.fl[k];
	dfp_status_t st;

	if (abort_first) {
		st = dfp_flow_abort(M.dir, mf->id);
		logf_("flow abort %d: %s\n", k, sn(st));
		if (!mf->live) {
			expect_st(st, DFP_STATUS_UNSUCCESSFUL, "abort of an ended flow");
			return;
		}
		expect_st(st, DFP_STATUS_SUCCESS, "abort");
		CHECK(dfp_flow_abort_requested(mf->f), "abort not requested");
	} else {
		logf_("flow end %d\n", k);
		if (!mf->live)
			return;
	}
	/* The owner ends it (for an abort, as its aging scan would). */
	flow_end_model(k);
	dfp_flow_end(M.tbl[mf->table], mf->f);
	mf->f = NULL;
}

static void
op_associate(int k, unsigned int li, int c, bool zero)
{
	uint16_t layer = li < N_LAYERS ? layers[li] : BAD_LAYER;
	uint64_t ctx = zero ? 0 : ++M.next_ctx;
	struct m_assoc *a = NULL;
	dfp_status_t st;
	unsigned int i;

	for (i = 0; i < MAX_ASSOC && a == NULL; i++)
		if (!M.as[i].used)
			a = &M.as[i];
	if (a == NULL)
		return;
	st = dfp_callout_flow_associate(M.rt, M.fl[k].id, layer, M.co[c].reg ? M.co[c].id : 0xFFFFCu,
		ctx);
	logf_("associate flow %d layer %u co %d ctx %" PRIx64 ": %s\n", k, layer, c, ctx, sn(st));
	if (ctx == 0 || !layer_is_flow(layer) || !M.co[c].reg || M.co[c].desc.flow_delete == NULL ||
			!M.fl[k].live) {
		expect_st(st, DFP_STATUS_INVALID_PARAMETER, "associate with bad arguments (N5)");
		return;
	}
	if (assoc_find(k, layer, c) != NULL) {
		expect_st(st, DFP_STATUS_OBJECT_NAME_EXISTS, "associate twice (N5)");
		return;
	}
	if (assoc_count_flow(k) >= DFP_FLOW_MAX_CONTEXTS) {
		expect_st(st, DFP_STATUS_INSUFFICIENT_RESOURCES, "associate a 9th context");
		return;
	}
	expect_st(st, DFP_STATUS_SUCCESS, "associate");
	memset(a, 0, sizeof(*a));
	a->used = true;
	a->flow = k;
	a->layer = layer;
	a->co = c;
	a->ctx = ctx;
}

static void
op_remove(int k, unsigned int li, int c)
{
	uint16_t layer = layers[li];
	struct m_assoc *a = assoc_find(k, layer, c);
	dfp_status_t st;

	st = dfp_callout_flow_remove(M.rt, M.fl[k].id, layer, M.co[c].reg ? M.co[c].id : 0xFFFFCu);
	logf_("remove flow %d layer %u co %d: %s\n", k, layer, c, sn(st));
	if (a == NULL) {
		expect_st(st, DFP_STATUS_UNSUCCESSFUL, "remove without a context (N6)");
		return;
	}
	expect_st(st, DFP_STATUS_SUCCESS, "remove");
	CHECK(a->deleted, "flowDeleteFn did not run before remove returned");
	a->expect_gone = true;
}

/* ---- Classification ---- */

static void
op_classify(unsigned int li, int k, bool reauth, unsigned int worker)
{
	const struct dfp_engine_values *vals[1];
	struct dfp_engine_classify_env env;
	struct dfp_engine_verdict out;
	struct dfp_engine_values v;
	struct dfp_callout_pkt p;
	void *ctxs[1];
	uint16_t layer = layers[li];

	memset(&v, 0, sizeof(v));
	v.ip_protocol = 17;
	v.local_port = 5353;
	v.remote_port = 53;
	if (reauth)
		v.flags |= DFP_COND_FLAG_IS_REAUTHORIZE;
	memset(&p, 0, sizeof(p));
	memset(&M.cls, 0, sizeof(M.cls));
	M.cls.active = true;
	M.cls.layer = layer;
	M.cls.flow = -1;
	M.cls.reauth = reauth;
	M.cls.worker = worker;
	p.worker = worker;
	if (k >= 0 && M.fl[k].live) {
		p.table = M.tbl[M.fl[k].table];
		p.flow = M.fl[k].f;
		p.meta.present = DFP_META_FLOW_HANDLE;
		p.meta.flow_handle = M.fl[k].id;
		p.worker = M.fl[k].table;
		M.cls.worker = M.fl[k].table;
		M.cls.flow = k;
		M.cls.bracketed = dfp_engine_layer_is_flow_layer(layer);
	}
	logf_("classify layer %u flow %d reauth %d\n", layer, M.cls.flow, reauth);
	vals[0] = &v;
	ctxs[0] = &p;
	env.invoke = dfp_callout_invoke;
	env.ctx = M.rt;
	env.hits = NULL;
	memset(&out, 0, sizeof(out));
	dfp_engine_classify_burst(dfp_ctl_ruleset_get(dfp_ctl_ruleset_slot(M.ctl)), layer, vals,
		ctxs, 1, &env, &out);
	M.cls.active = false;
	CHECK(out.action == DFP_ACTION_PERMIT || out.action == DFP_ACTION_BLOCK ||
		out.action == DFP_ACTION_NONE_NO_MATCH, "verdict action %x", out.action);
	if (out.filter_id != 0) {
		const struct m_filter *mf = pub_filter(out.filter_id);

		CHECK(mf != NULL && mf->layer == layer, "verdict by filter %" PRIu64
			", not published at the layer", out.filter_id);
	}
}

/* ---- Handles from outside ---- */

static struct m_handle *
handle_pick(unsigned int k)
{
	unsigned int i, n = 0;

	for (i = 0; i < MAX_HREC; i++)
		n += M.hd[i].used;
	if (n == 0)
		return NULL;
	k %= n;
	for (i = 0; i < MAX_HREC; i++)
		if (M.hd[i].used && k-- == 0)
			return &M.hd[i];
	return NULL;
}

static void
compl_expect(const struct m_handle *h, enum dfp_callout_completion_kind kind, uint32_t action)
{
	struct m_compl *c;

	CHECK(M.cq_n[h->worker] < MAX_COMPL, "completion queue model full");
	c = &M.cq[h->worker][M.cq_n[h->worker]++];
	c->kind = kind;
	c->handle = h->h;
	c->flow_id = h->flow_id;
	c->layer = h->layer;
	c->callout_id = h->callout_id;
	c->filter_id = h->filter_id;
	c->action = action;
}

static void
op_complete(unsigned int k, unsigned int how)
{
	struct m_handle *h = handle_pick(k);
	struct dfp_classify_out out;
	dfp_status_t st;

	if (h == NULL)
		return;
	memset(&out, 0, sizeof(out));
	out.action_type = how == 0 ? DFP_ACTION_PERMIT : DFP_ACTION_BLOCK;
	st = dfp_callout_handle_complete(M.rt, h->h, how == 2 ? NULL : &out);
	logf_("complete %" PRIx64 " how %u: %s\n", h->h, how, sn(st));
	if (h->state != H_PENDED || h->refs == 0) {
		expect_st(st, DFP_STATUS_INVALID_PARAMETER, "complete of a handle not pended");
		M.stale_calls++;
		return;
	}
	expect_st(st, DFP_STATUS_SUCCESS, "complete");
	compl_expect(h, how == 2 ? DFP_CALLOUT_COMPLETE_REAUTH : DFP_CALLOUT_COMPLETE_DECISION,
		out.action_type);
	h->state = H_DONE;
	handle_drop(h);
}

static void
op_release(unsigned int k)
{
	struct m_handle *h = handle_pick(k);
	dfp_status_t st;

	if (h == NULL)
		return;
	st = dfp_callout_handle_release(M.rt, h->h);
	logf_("release %" PRIx64 ": %s\n", h->h, sn(st));
	if (h->released || h->refs == 0) {
		expect_st(st, DFP_STATUS_INVALID_PARAMETER, "double or stale release");
		M.stale_calls++;
		return;
	}
	expect_st(st, DFP_STATUS_SUCCESS, "release");
	h->released = true;
	handle_drop(h);
}

/* Order of handles by their table entry (the handle's low 32 bits). */
static int
handle_index_cmp(const void *a, const void *b)
{
	uint32_t x = (uint32_t)(*(struct m_handle *const *)a)->h;
	uint32_t y = (uint32_t)(*(struct m_handle *const *)b)->h;

	return x < y ? -1 : x > y;
}

static void
op_expire_all(void)
{
	struct m_handle *pended[MAX_HREC];
	unsigned int i, want = 0, n;

	/* Expiry walks the handle table in entry order: so do the completions. */
	for (i = 0; i < MAX_HREC; i++)
		if (M.hd[i].used && M.hd[i].state == H_PENDED)
			pended[want++] = &M.hd[i];
	qsort(pended, want, sizeof(pended[0]), handle_index_cmp);
	for (i = 0; i < want; i++) {
		struct m_handle *h = pended[i];
		uint32_t action;

		/*
		 * The default of the callout registered under the id the handle
		 * was acquired with (since unregistered, or its key registered
		 * again under another id: BLOCK).
		 */
		action = DFP_ACTION_BLOCK;
		if (M.co[h->co].reg && M.co[h->co].id == h->callout_id &&
				M.co[h->co].desc.pend_default_action != 0)
			action = M.co[h->co].desc.pend_default_action;
		compl_expect(h, DFP_CALLOUT_COMPLETE_TIMEOUT, action);
		h->state = H_DONE;
		handle_drop(h);
	}
	n = dfp_callout_pend_expire_all(M.rt);
	logf_("expire all: %u\n", n);
	CHECK(n == want, "expire_all completed %u, model %u", n, want);
}

static void
op_poll(void)
{
	struct dfp_callout_completion got[MAX_COMPL];
	unsigned int w, i, n;

	for (w = 0; w < N_TABLES; w++) {
		n = dfp_callout_completion_poll(M.rt, w, got, MAX_COMPL);
		logf_("poll worker %u: %u\n", w, n);
		CHECK(n == M.cq_n[w], "worker %u: %u completions, model %u", w, n, M.cq_n[w]);
		for (i = 0; i < n; i++) {
			const struct m_compl *e = &M.cq[w][i];
			const struct dfp_callout_completion *c = &got[i];

			CHECK(c->kind == e->kind && c->handle == e->handle &&
				c->flow_id == e->flow_id && c->layer_id == e->layer &&
				c->callout_id == e->callout_id && c->filter_id == e->filter_id,
				"completion %u of worker %u differs from the model", i, w);
			if (c->kind != DFP_CALLOUT_COMPLETE_REAUTH)
				CHECK(c->out.action_type == e->action, "completion action %x, want %x",
					c->out.action_type, e->action);
			if (c->kind == DFP_CALLOUT_COMPLETE_TIMEOUT)
				CHECK(!(c->out.rights & DFP_RIGHT_ACTION_WRITE), "timeout kept the right");
		}
		M.cq_n[w] = 0;
	}
}

static void
op_stale(unsigned int how, unsigned int k)
{
	struct dfp_classify_out out;
	uint64_t h = ((uint64_t)(0x7000u + k) << 32) | (k % (MAX_HANDLES + 2));
	dfp_status_t st;

	memset(&out, 0, sizeof(out));
	switch (how % 3) {
	case 0:
		st = dfp_callout_handle_release(M.rt, h);
		break;
	case 1:
		st = dfp_callout_handle_complete(M.rt, h, &out);
		break;
	default:
		st = dfp_callout_handle_pend(M.rt, h, 1, &out);
		break;
	}
	logf_("stale %u %" PRIx64 ": %s\n", how % 3, h, sn(st));
	expect_st(st, DFP_STATUS_INVALID_PARAMETER, "call with a stale handle");
	M.stale_calls++;
}

/* ---- Setup and teardown ---- */

static void
co_init(void)
{
	static const uint32_t flags[N_CO] = {
		0, DFP_CALLOUT_FLAG_CONDITIONAL_ON_FLOW, 0,
		DFP_CALLOUT_FLAG_ENABLE_COMMIT_ADD_NOTIFY,
	};
	static const uint32_t defaults[N_CO] = {DFP_ACTION_PERMIT, 0, DFP_ACTION_BLOCK, 0};
	unsigned int i;

	for (i = 0; i < N_CO; i++) {
		struct dfp_callout_desc *d = &M.co[i].desc;

		memset(d, 0, sizeof(*d));
		d->key.data1 = 0xc0000000u | i;
		d->key.data2 = 0xf022;
		d->key.data3 = 0x4000;
		d->flags = flags[i];
		d->classify = t_classify;
		d->notify = t_notify;
		d->flow_delete = i == 2 ? NULL : t_flow_delete;
		d->ctx = &M.co[i];
		d->pend_default_action = defaults[i];
		d->name = "fuzz";
		M.co[i].sc.assoc_layer = -1;
		M.co[i].sc.rm_flow = -1;
	}
	for (i = 0; i < N_SL; i++) {
		memset(&M.sl_key[i], 0, sizeof(M.sl_key[i]));
		M.sl_key[i].data1 = 0x5b000000u | i;
		M.sl_key[i].data3 = 0x4000;
	}
}

static void
setup(void)
{
	struct dfp_ctl_params p;
	unsigned int i;

	memset(&M, 0, sizeof(M));
	n_ghosts = 0;
	co_init();
	memset(&p, 0, sizeof(p));
	p.max_readers = 4;
	p.n_workers = N_TABLES;
	p.max_handles = MAX_HANDLES;
	p.pend_timeout_ms = 60000;
	p.engine.max_filters = 256;
	/* Every commit that only adds filters builds on the last full compile (delta.c). */
	p.engine.incremental_min = 1;
	if (dfp_ctl_create(&p, &M.ctl) != DFP_STATUS_SUCCESS ||
			dfp_ctl_session_open(M.ctl, 0, &M.s) != DFP_STATUS_SUCCESS)
		abort();
	/* A write of one session during the other's transaction fails at once. */
	dfp_ctl_session_set_txn_wait(M.s, 0);
	M.act = 1;
	M.rt = dfp_ctl_callouts(M.ctl);
	M.dir = dfp_ctl_flows(M.ctl);
	for (i = 0; i < N_TABLES; i++)
		if (dfp_flow_table_create(M.dir, i, TABLE_CAP, &M.tbl[i]) != DFP_STATUS_SUCCESS)
			abort();
}

static void
teardown(void)
{
	unsigned int i;

	logf_("teardown\n");
	if (M.txn_owner == 1) {
		M.act = 1;
		op_txn(2, false);
	}
	op_s2(1);
	for (i = 0; i < M.n_fl; i++)
		op_flow_end((int)i, false);
	check_state();
	op_expire_all();
	op_poll();
	for (i = 0; i < MAX_HREC; i++) {
		struct m_handle *h = &M.hd[i];

		if (h->used && !h->released && h->refs > 0) {
			expect_st(dfp_callout_handle_release(M.rt, h->h), DFP_STATUS_SUCCESS,
				"teardown release");
			h->released = true;
			handle_drop(h);
		}
	}
	check_state();
	CHECK(handles_in_use() == 0, "handles left");
	for (i = 0; i < N_CO; i++)
		if (M.co[i].reg)
			op_unregister((int)i, false, false);
	check_state();
	for (i = 0; i < N_CO; i++)
		CHECK(!M.co[i].reg, "callout %u still registered at teardown", i);
	dfp_ctl_session_close(M.s);
	for (i = 0; i < N_TABLES; i++)
		dfp_flow_table_free(M.tbl[i]);
	dfp_ctl_destroy(M.ctl);
}

static void
op_script(struct input *in)
{
	int c = (int)(u8(in) % N_CO);
	struct script *sc = &M.co[c].sc;
	uint8_t b = u8(in), a = u8(in), r = u8(in);

	sc->action = b & 3;
	sc->clear_right = (b >> 2) & 1;
	sc->handle = (uint8_t)((b >> 3) % 5);
	sc->probe_pend_twice = (b >> 6) & 1;
	sc->assoc_layer = (a & 0x80) ? -1 : (int)(a % (N_LAYERS + 1));
	sc->assoc_co = (a >> 3) % N_CO;
	sc->assoc_zero = (a & 0x40) && (a & 0x20);
	sc->rm_flow = (r & 0x80) ? -1 : ((r & 0x40) ? -2 : (int)(r % MAX_FLOWS));
	sc->rm_layer = (r >> 1) % N_LAYERS;
	sc->rm_co = (r >> 4) % N_CO;
	logf_("script %d: %02x %02x %02x\n", c, b, a, r);
}

static int
flow_pick(uint8_t b)
{
	if (M.n_fl == 0)
		return -1;
	return (int)(b % M.n_fl);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_eal_init("fuzz_ctl_seq", 1);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = {data, size};
	unsigned int ops = 0;
	int k;

	setup();
	while (in.n > 0 && ops++ < MAX_OPS) {
		uint8_t op = u8(&in) % 28;
		uint8_t a = u8(&in);

		switch (op) {
		case 0:
			op_register(a % N_CO);
			break;
		case 1:
			op_unregister(a % N_CO, false, (a & 0x80) != 0);
			break;
		case 2:
			op_unregister(a % N_CO, true, false);
			break;
		case 3:
			op_callout_add(a % N_CO, (a >> 2) % (N_LAYERS + 1));
			break;
		case 4:
			op_callout_delete(a % N_CO, false);
			break;
		case 5:
			op_callout_delete(a % N_CO, true);
			break;
		case 6:
			in.p--;
			in.n++;
			op_filter_add(&in);
			break;
		case 7:
			in.p--;
			in.n++;
			op_filter_delete(&in);
			break;
		case 8:
			op_sublayer_add(a % N_SL);
			break;
		case 9:
			op_sublayer_delete(a % N_SL);
			break;
		case 10:
			op_txn(0, (a & 1) != 0);
			break;
		case 11:
			op_txn(1, false);
			break;
		case 12:
			op_txn(2, false);
			break;
		case 13:
			op_flow_new(a % N_TABLES);
			break;
		case 14:
		case 15:
			k = flow_pick(a);
			if (k >= 0)
				op_flow_end(k, op == 15);
			break;
		case 16:
		case 17:
			k = flow_pick(a);
			if (k >= 0)
				op_associate(k, u8(&in) % (N_LAYERS + 1), u8(&in) % N_CO,
					(a & 0x80) != 0);
			break;
		case 18:
			k = flow_pick(a);
			if (k >= 0)
				op_remove(k, u8(&in) % N_LAYERS, u8(&in) % N_CO);
			break;
		case 19:
			in.p--;
			in.n++;
			op_script(&in);
			break;
		case 20:
		case 21:
			op_classify(a % N_LAYERS, (a & 0x80) ? -1 : flow_pick(u8(&in)),
				(a & 0x40) != 0, (a >> 3) & 1);
			break;
		case 22:
			op_complete(a, u8(&in) % 3);
			break;
		case 23:
			op_release(a);
			break;
		case 24:
			op_expire_all();
			break;
		case 25:
			op_poll();
			break;
		case 26:
			op_s2(a & 1);
			break;
		default:
			if (a & 1)
				M.co[(a >> 1) % N_CO].veto = (a & 0x10) != 0;
			else
				op_stale(a >> 1, u8(&in));
			break;
		}
		check_state();
	}
	teardown();
	/* FUZZ_CTL_SEQ_TRACE=1: print what an input did (reading a reproducer or a seed). */
	if (getenv("FUZZ_CTL_SEQ_TRACE") != NULL)
		fprintf(stderr, "%s", M.log);
	return 0;
}
