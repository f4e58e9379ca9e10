/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * builtin:conn_limit: a terminating callout at ALE_AUTH_CONNECT or
 * ALE_AUTH_RECV_ACCEPT that blocks a new flow when its remote address (the
 * client, at RECV_ACCEPT) already has `max` live flows admitted by this
 * callout, and otherwise permits and counts it.
 *
 * Counting with flow contexts
 * ---------------------------
 * An admitted flow carries a context naming its address's slot, and the
 * context's flowDeleteFn gives the count back. The context is associated
 * at (this ALE_AUTH layer, this callout) from this very classifyFn: the
 * datapath creates the flow before it authorises it (lib/dp's walk:
 * flow_attach, then ale_authorize), and lib/callout accepts every flow
 * layer, ALE_AUTH included. That is the variant that cannot leak: the
 * count and the context are taken together, before the flow's first packet
 * goes on, and lib/flow runs flowDeleteFn exactly once however the flow
 * ends (FIN/RST, aging, abort, removal, shutdown), established or not. The
 * other variant, a companion at ALE_FLOW_ESTABLISHED, would count at
 * authorisation but associate only at establishment: a permitted flow that
 * never establishes (a SYN without a handshake) would keep its count
 * forever. A flow this callout permitted but another filter blocked keeps
 * its count until it ends (ages out), like any other flow.
 *
 * A classification whose flow already carries the context (flowContext !=
 * 0: a flow authorised afresh after a commit) or that re-authorises a flow
 * (IS_REAUTHORIZE) is permitted and never counted twice; a re-authorised
 * flow this callout never admitted is permitted without being counted.
 *
 * The table
 * ---------
 * One fixed open-addressed table shared by every worker: table_size slots
 * (a power of two), each an address and a 64-bit word [gen: 32][state: 8]
 * [count: 24]. An address lives in the window of PROBE slots from its hash
 * (random seed per instance); lookups scan the whole window. A slot is
 * FREE, CLAIMING (its claimer writes the address), TENTATIVE (address
 * visible, checking that no twin of it exists in the window), or READY.
 * Admission is one CAS on a READY slot's word (count < max -> count + 1);
 * the flowDeleteFn decrements with a CAS and frees the slot (gen + 1) when
 * the count reaches 0, so the table never fills with old addresses. The
 * gen makes every CAS fail on a slot that was freed and claimed again.
 *
 * Two threads inserting one address into different free slots would split
 * its count, so a claimer publishes TENTATIVE (seq_cst) and then scans the
 * window (seq_cst loads): of two TENTATIVE twins at least one sees the
 * other (store-buffering pair). A claimer that sees a READY twin, or a
 * TENTATIVE twin at a lower window position, withdraws (FREE, gen + 1)
 * and starts over; one that sees a TENTATIVE twin at a higher position
 * waits for it to withdraw or become READY. The higher one never waits
 * for the lower, so nobody waits in a cycle. A claim settles within a few
 * stores unless its thread is descheduled mid-claim, so every wait is
 * bounded (CL_WAIT_US); one that runs out fails closed for that flow
 * (counted as contended), as does a window with neither the address nor a
 * free slot (counted as table_full).
 *
 * Veto
 * ----
 * Invoked without FWPS_RIGHT_ACTION_WRITE (a heavier sublayer decided with
 * a hard PERMIT, or a hard BLOCK), the callout leaves the decision alone,
 * as WFP's samples do, and counts nothing: such flows are not limited. With
 * `veto: yes` it still limits the flows a hard PERMIT let through: when
 * the decision so far is PERMIT (the engine pre-fills out->action_type
 * with it) the flow is counted as usual, and a flow it would block gets
 * BLOCK written anyway, which the engine takes as a veto of the hard
 * permit (spec §3.4, N11; DFP_ENGINE_VERDICT_F_VETO) and the callout
 * counts as vetoed. Under a hard BLOCK it still does nothing: the flow is
 * dropped anyway, and counting it would hold a count until it ages out.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_pause.h>
#include <rte_random.h>

#include "dfp_callout.h"
#include "dfp_ctl.h"
#include "dfp_engine.h"
#include "module_private.h"

/* Slots scanned per address (fewer when the table is smaller). */
#define CL_PROBE 32u
/* Start-overs of one admission before it fails closed. */
#define CL_RETRIES 8
/* Longest wait for another thread's claim to settle before failing closed (us). */
#define CL_WAIT_US 1000

#define CL_MAX_LIMIT 1000000u
#define CL_MAX_TABLE (UINT64_C(1) << 24)

enum cl_state {
	CL_FREE = 0,
	CL_CLAIMING = 1,
	CL_TENTATIVE = 2,
	CL_READY = 3,
};

#define W_COUNT_MASK UINT64_C(0xFFFFFF)
static inline uint32_t w_count(uint64_t w) { return (uint32_t)(w & W_COUNT_MASK); }
static inline uint32_t w_state(uint64_t w) { return (uint32_t)(w >> 24) & 0xFF; }
static inline uint32_t w_gen(uint64_t w) { return (uint32_t)(w >> 32); }
static inline uint64_t
w_make(uint32_t gen, enum cl_state state, uint32_t count)
{
	return (uint64_t)gen << 32 | (uint64_t)state << 24 | count;
}

struct cl_slot {
	uint64_t word;       /* [gen][state][count]. */
	uint64_t addr[2];    /* The address (relaxed atomics): written only while CLAIMING. */
	uint64_t pad;
};

struct cl_state_s {
	/* Read-only after create(). */
	struct dfp_callout_rt *rt;
	struct cl_slot *slots;
	uint32_t mask;           /* table_size - 1. */
	uint32_t probe;          /* Window length. */
	uint32_t max;            /* Flows per address. */
	bool veto;               /* Block over a hard permit (write right cleared). */
	unsigned int family;
	uint64_t seed;
	uint64_t wait_tsc;       /* CL_WAIT_US in TSC cycles. */
	char name[DFP_MODULE_NAME_SIZE];
	/* Counters (relaxed atomics). */
	uint64_t live __rte_cache_aligned;  /* Flows holding a count now. */
	uint64_t admitted;       /* Flows admitted (counted). */
	uint64_t readmitted;     /* Re-authorisations and flows already counted: permitted. */
	uint64_t blocked;        /* Blocked: the address had max flows. */
	uint64_t table_full;     /* Blocked: no room for the address. */
	uint64_t contended;      /* Blocked: a concurrent claim did not settle in time. */
	uint64_t assoc_failed;   /* Blocked: the flow could not carry the context. */
	uint64_t no_right;       /* Write right cleared on entry: left alone. */
	uint64_t vetoed;         /* BLOCK written without the write right (veto). */
};

enum cl_result {
	CL_ADMITTED,
	CL_LIMIT,
	CL_FULL,
	CL_BUSY,
};

static inline void
stat_add(uint64_t *c)
{
	__atomic_fetch_add(c, 1, __ATOMIC_RELAXED);
}

/* ---- The table ---- */

static inline uint64_t
mix64(uint64_t z)
{
	z ^= z >> 30;
	z *= UINT64_C(0xbf58476d1ce4e5b9);
	z ^= z >> 27;
	z *= UINT64_C(0x94d049bb133111eb);
	z ^= z >> 31;
	return z;
}

static inline bool
key_is(const struct cl_slot *sl, const uint64_t key[2])
{
	return __atomic_load_n(&sl->addr[0], __ATOMIC_RELAXED) == key[0] &&
		__atomic_load_n(&sl->addr[1], __ATOMIC_RELAXED) == key[1];
}

/*
 * Wait while a slot's word is `w` in a transient state (a claim in
 * progress); returns the settled word, or `w` unchanged after CL_WAIT_US.
 */
static uint64_t
slot_wait(const struct cl_state_s *s, struct cl_slot *sl, uint64_t w)
{
	uint64_t end = rte_get_tsc_cycles() + s->wait_tsc;
	uint64_t x;

	do {
		rte_pause();
		x = __atomic_load_n(&sl->word, __ATOMIC_SEQ_CST);
		if (x != w)
			return x;
	} while (rte_get_tsc_cycles() < end);
	return w;
}

/*
 * After publishing our TENTATIVE claim at window position `pos`: is there a
 * twin of the key we must give way to? Returns 1 (yes: withdraw), 0 (no:
 * commit), -1 (a twin did not settle in time: withdraw and fail closed).
 */
static int
twin_check(struct cl_state_s *s, uint32_t base, uint32_t pos, const uint64_t key[2])
{
	uint32_t j;

	for (j = 0; j < s->probe; j++) {
		struct cl_slot *sl = &s->slots[(base + j) & s->mask];
		/* Seq_cst: pairs with our TENTATIVE store (store-buffering with a twin's). */
		uint64_t w = __atomic_load_n(&sl->word, __ATOMIC_SEQ_CST);

		if (j == pos)
			continue;
		/*
		 * A claim still CLAIMING will publish TENTATIVE after our load of
		 * it, hence after our own TENTATIVE: its scan sees us.
		 */
		while (w_state(w) == CL_TENTATIVE && j > pos && key_is(sl, key)) {
			uint64_t x = slot_wait(s, sl, w);

			if (x == w)
				return -1;
			w = x;
		}
		if ((w_state(w) == CL_READY || w_state(w) == CL_TENTATIVE) && key_is(sl, key))
			return 1;
	}
	return 0;
}

/* Count one more flow for key; *slot_out = its slot when admitted. Any worker. */
static enum cl_result
cl_acquire(struct cl_state_s *s, const uint64_t key[2], uint32_t *slot_out)
{
	uint32_t base = (uint32_t)mix64(key[0] ^ mix64(key[1] ^ s->seed)) & s->mask;
	unsigned int attempt;

	for (attempt = 0; attempt < CL_RETRIES; attempt++) {
		struct cl_slot *claim = NULL;
		bool restart = false;
		uint32_t i, pos = 0, gen;
		uint64_t w;

		for (i = 0; i < s->probe && !restart; i++) {
			struct cl_slot *sl = &s->slots[(base + i) & s->mask];

			/* Acquire: a TENTATIVE/READY word publishes its address. */
			w = __atomic_load_n(&sl->word, __ATOMIC_ACQUIRE);
			/* Wait out a claim in progress: CLAIMING, or TENTATIVE for our key. */
			while (w_state(w) == CL_CLAIMING ||
					(w_state(w) == CL_TENTATIVE && key_is(sl, key))) {
				uint64_t x = slot_wait(s, sl, w);

				if (x == w)
					return CL_BUSY;
				w = x;
			}
			if (w_state(w) == CL_FREE) {
				if (claim == NULL) {
					claim = sl;
					pos = i;
				}
				continue;
			}
			if (w_state(w) != CL_READY || !key_is(sl, key))
				continue;
			/* Our address: one more flow, unless it has max already. */
			gen = w_gen(w);
			for (;;) {
				if (w_count(w) >= s->max)
					return CL_LIMIT;
				if (__atomic_compare_exchange_n(&sl->word, &w, w + 1, false,
						__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
					break;
				/*
				 * Freed meanwhile, and maybe claimed again for another
				 * address (a new gen, even if READY again): look again.
				 */
				if (w_state(w) != CL_READY || w_gen(w) != gen) {
					restart = true;
					break;
				}
			}
			if (restart)
				break;
			*slot_out = (base + i) & s->mask;
			return CL_ADMITTED;
		}
		if (restart)
			continue;
		if (claim == NULL)
			return CL_FULL;

		/* Not there: claim the first free slot of the window. */
		w = __atomic_load_n(&claim->word, __ATOMIC_ACQUIRE);
		if (w_state(w) != CL_FREE || !__atomic_compare_exchange_n(&claim->word, &w,
				w_make(w_gen(w), CL_CLAIMING, 0), false, __ATOMIC_ACQ_REL,
				__ATOMIC_RELAXED))
			continue;
		__atomic_store_n(&claim->addr[0], key[0], __ATOMIC_RELAXED);
		__atomic_store_n(&claim->addr[1], key[1], __ATOMIC_RELAXED);
		/* Seq_cst (release included): the address is visible with TENTATIVE. */
		__atomic_store_n(&claim->word, w_make(w_gen(w), CL_TENTATIVE, 0), __ATOMIC_SEQ_CST);
		switch (twin_check(s, base, pos, key)) {
		case 0:
			/* Only we change a TENTATIVE slot: a plain release store. */
			__atomic_store_n(&claim->word, w_make(w_gen(w), CL_READY, 1), __ATOMIC_RELEASE);
			*slot_out = (base + pos) & s->mask;
			return CL_ADMITTED;
		case 1:
			__atomic_store_n(&claim->word, w_make(w_gen(w) + 1, CL_FREE, 0),
				__ATOMIC_SEQ_CST);
			break;
		default:
			__atomic_store_n(&claim->word, w_make(w_gen(w) + 1, CL_FREE, 0),
				__ATOMIC_SEQ_CST);
			return CL_BUSY;
		}
	}
	return CL_BUSY;
}

/* Give one flow's count back; free the slot at zero. Any thread. */
static void
cl_release(struct cl_state_s *s, uint32_t idx)
{
	struct cl_slot *sl = &s->slots[idx];
	uint64_t w = __atomic_load_n(&sl->word, __ATOMIC_RELAXED);

	do {
		if (w_state(w) != CL_READY || w_count(w) == 0) {
			DFP_LOG(module, ERR, "conn_limit %s: release of slot %u in state %u count %u",
				s->name, idx, w_state(w), w_count(w));
			return;
		}
	} while (!__atomic_compare_exchange_n(&sl->word, &w, w - 1, false, __ATOMIC_ACQ_REL,
			__ATOMIC_RELAXED));
	if (w_count(w) != 1)
		return;
	/* The last flow of the address: free the slot unless an admission came in between. */
	w = w - 1;
	__atomic_compare_exchange_n(&sl->word, &w, w_make(w_gen(w) + 1, CL_FREE, 0), false,
		__ATOMIC_SEQ_CST, __ATOMIC_RELAXED);
}

/* ---- Callbacks ---- */

/* Block the flow; without the write right that is a veto of a hard permit. */
static void
cl_block(struct cl_state_s *s, struct dfp_classify_out *out,
		const struct dfp_engine_filter_rt *filter, bool veto)
{
	if (veto)
		stat_add(&s->vetoed);
	mod_decide(out, filter, DFP_ACTION_BLOCK);
}

static void
cl_classify(const struct dfp_callout_classify_in *in, const struct dfp_engine_filter_rt *filter,
		uint64_t flow_context, struct dfp_classify_out *out)
{
	struct cl_state_s *s = in->callout_ctx;
	const struct dfp_engine_values *v = in->values;
	enum cl_result r;
	uint64_t key[2];
	dfp_status_t st;
	uint32_t idx;
	bool veto = false;

	if (!(out->rights & DFP_RIGHT_ACTION_WRITE)) {
		/* Only a hard PERMIT so far can be vetoed, and only if told to. */
		if (!s->veto || out->action_type != DFP_ACTION_PERMIT) {
			stat_add(&s->no_right);
			return;
		}
		veto = true;
	}
	/* Without the write right a PERMIT changes nothing (the hard permit stands). */
	if (flow_context != 0 || (v->flags & DFP_COND_FLAG_IS_REAUTHORIZE)) {
		stat_add(&s->readmitted);
		mod_decide(out, filter, DFP_ACTION_PERMIT);
		return;
	}
	if (in->meta == NULL || !(in->meta->present & DFP_META_FLOW_HANDLE)) {
		/* No flow to carry the count: fail closed. */
		stat_add(&s->assoc_failed);
		cl_block(s, out, filter, veto);
		return;
	}
	if (s->family == 4) {
		key[0] = v->remote_addr.v4;
		key[1] = 0;
	} else {
		memcpy(key, v->remote_addr.v6, sizeof(key));
	}
	r = cl_acquire(s, key, &idx);
	if (r != CL_ADMITTED) {
		stat_add(r == CL_LIMIT ? &s->blocked : r == CL_FULL ? &s->table_full : &s->contended);
		cl_block(s, out, filter, veto);
		return;
	}
	stat_add(&s->live);
	st = dfp_callout_flow_associate(s->rt, in->meta->flow_handle, in->layer_id,
		filter->callout_id, (uint64_t)idx + 1);
	if (st == DFP_STATUS_SUCCESS) {
		stat_add(&s->admitted);
		mod_decide(out, filter, DFP_ACTION_PERMIT);
		return;
	}
	cl_release(s, idx);
	__atomic_fetch_sub(&s->live, 1, __ATOMIC_RELAXED);
	if (st == DFP_STATUS_OBJECT_NAME_EXISTS) {
		/* Our earlier context is being removed: the flow was admitted before. */
		stat_add(&s->readmitted);
		mod_decide(out, filter, DFP_ACTION_PERMIT);
		return;
	}
	stat_add(&s->assoc_failed);
	cl_block(s, out, filter, veto);
}

/* The flow ended (or its context was removed): its address has one flow less. Any thread. */
static void
cl_flow_delete(void *ctx, uint16_t layer_id, uint32_t callout_id, uint64_t flow_context)
{
	struct cl_state_s *s = ctx;

	if (flow_context == 0 || flow_context - 1 > s->mask) {
		DFP_LOG(module, ERR, "conn_limit %s: foreign context 0x%" PRIx64 " deleted at layer "
			"%u callout %u", s->name, flow_context, layer_id, callout_id);
		return;
	}
	cl_release(s, (uint32_t)(flow_context - 1));
	__atomic_fetch_sub(&s->live, 1, __ATOMIC_RELAXED);
}

static dfp_status_t
cl_notify(void *callout_ctx, enum dfp_notify_type type, const struct dfp_guid *filter_key,
		struct dfp_engine_filter_rt *filter)
{
	RTE_SET_USED(callout_ctx);
	RTE_SET_USED(type);
	RTE_SET_USED(filter_key);
	RTE_SET_USED(filter);
	return DFP_STATUS_SUCCESS;
}

static int
cl_describe(void *state, char *buf, size_t len)
{
	struct cl_state_s *s = state;

	/* vetoed early: telemetry cuts a callout's line at 127 characters. */
	return snprintf(buf, len, "live %" PRIu64 " admitted %" PRIu64 " readmitted %" PRIu64
		" blocked %" PRIu64 " vetoed %" PRIu64 " table_full %" PRIu64 " contended %" PRIu64
		" assoc_failed %" PRIu64 " no_right %" PRIu64 " max %u veto %s",
		__atomic_load_n(&s->live, __ATOMIC_RELAXED),
		__atomic_load_n(&s->admitted, __ATOMIC_RELAXED),
		__atomic_load_n(&s->readmitted, __ATOMIC_RELAXED),
		__atomic_load_n(&s->blocked, __ATOMIC_RELAXED),
		__atomic_load_n(&s->vetoed, __ATOMIC_RELAXED),
		__atomic_load_n(&s->table_full, __ATOMIC_RELAXED),
		__atomic_load_n(&s->contended, __ATOMIC_RELAXED),
		__atomic_load_n(&s->assoc_failed, __ATOMIC_RELAXED),
		__atomic_load_n(&s->no_right, __ATOMIC_RELAXED), s->max, s->veto ? "yes" : "no");
}

static void
cl_destroy(void *state)
{
	struct cl_state_s *s = state;

	if (s == NULL)
		return;
	free(s->slots);
	free(s);
}

static dfp_status_t
cl_create(const struct dfp_module_args *a, struct dfp_module_instance *out, char *err,
		size_t err_len)
{
	static const char *const known[] = {"max", "table_size", "veto", NULL};
	struct dfp_callout_desc *desc;
	uint64_t max, table_size, n;
	enum dfp_layer_kind kind;
	bool veto;
	struct cl_state_s *s;
	size_t bytes;

	if (out == NULL) {
		mod_err(err, err_len, "conn_limit: no instance to fill");
		return DFP_STATUS_INVALID_PARAMETER;
	}
	if (mod_args_check("conn_limit", a, known, "", err, err_len) != 0)
		return DFP_STATUS_INVALID_PARAMETER;
	kind = dfp_engine_layer_kind(a->layer_id);
	if (!dfp_engine_layer_is_valid(a->layer_id) ||
			(kind != DFP_LAYER_KIND_ALE_CONNECT && kind != DFP_LAYER_KIND_ALE_RECV_ACCEPT)) {
		const char *ln = dfp_engine_layer_name(a->layer_id);

		mod_err(err, err_len, "conn_limit: layer %s: conn_limit is declared at "
			"ALE_AUTH_CONNECT_V4/V6 or ALE_AUTH_RECV_ACCEPT_V4/V6 (new flows)",
			ln != NULL ? ln : "(unknown)");
		return DFP_STATUS_INVALID_PARAMETER;
	}
	if (mod_param_u64(a, "max", 1, CL_MAX_LIMIT, 0, true, &max, err, err_len) != 0 ||
			mod_param_u64(a, "table_size", 1, CL_MAX_TABLE, 65536, false, &table_size,
				err, err_len) != 0 ||
			mod_param_bool(a, "veto", false, &veto, err, err_len) != 0)
		return DFP_STATUS_INVALID_PARAMETER;
	n = rte_align64pow2(table_size);

	s = aligned_alloc(RTE_CACHE_LINE_SIZE, RTE_ALIGN_CEIL(sizeof(*s), RTE_CACHE_LINE_SIZE));
	if (s == NULL) {
		mod_err(err, err_len, "conn_limit: out of memory");
		return DFP_STATUS_NO_MEMORY;
	}
	memset(s, 0, sizeof(*s));
	bytes = RTE_ALIGN_CEIL(n * sizeof(s->slots[0]), RTE_CACHE_LINE_SIZE);
	s->slots = aligned_alloc(RTE_CACHE_LINE_SIZE, bytes);
	if (s->slots == NULL) {
		mod_err(err, err_len, "conn_limit: cannot allocate %" PRIu64 " slots (%zu bytes)", n,
			bytes);
		free(s);
		return DFP_STATUS_NO_MEMORY;
	}
	memset(s->slots, 0, bytes);
	s->rt = dfp_ctl_callouts(a->host->ctl);
	s->mask = (uint32_t)(n - 1);
	s->probe = (uint32_t)RTE_MIN(n, (uint64_t)CL_PROBE);
	s->max = (uint32_t)max;
	s->veto = veto;
	s->family = dfp_engine_layer_family(a->layer_id);
	/* A random seed: remote hosts cannot aim their addresses at one window. */
	s->seed = rte_rand();
	s->wait_tsc = rte_get_tsc_hz() * CL_WAIT_US / 1000000;
	snprintf(s->name, sizeof(s->name), "%s", a->name);

	desc = mod_instance_single(out, a, s, s->name, cl_describe, cl_destroy);
	desc->classify = cl_classify;
	desc->notify = cl_notify;
	desc->flow_delete = cl_flow_delete;
	return DFP_STATUS_SUCCESS;
}

const struct dfp_module mod_conn_limit = {
	.abi_version = DFP_MODULE_ABI_VERSION,
	.size = sizeof(struct dfp_module),
	.name = "conn_limit",
	.description = "blocks new flows beyond max per remote address (counts kept with flow "
		"contexts)",
	.create = cl_create,
};
