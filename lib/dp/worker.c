/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The worker loop and the per-packet layer walk (dfp_dp.h, DESIGN §1).
 *
 * One burst comes from one (port, queue), so its direction is constant.
 * Pass 1 parses every frame and builds its incoming values; the per-packet
 * layers (MAC_FRAME, IPPACKET, TRANSPORT) then classify the whole burst per
 * layer and family. Pass 2 walks each surviving IP packet through its flow
 * in arrival order (flow state is sequential by nature): ALE authorisation
 * or re-authorisation, then what is left (establishment, STREAM or
 * DATAGRAM_DATA, transmit, TCP teardown) goes into a batch that classifies
 * once per flow layer and finishes its packets in order (batch_flush()).
 * Completions of pended classifications are drained every loop.
 *
 * Fragments [port]: a first fragment is classified like a whole packet and
 * its fate (forwarded, or the reason it was dropped, wherever in the walk)
 * is recorded under (addresses, protocol, IP id) for at most the idle
 * timeout (30 s at most); later fragments share it, and one with no live
 * record is dropped as FRAG_NO_FLOW. A first fragment held while its flow
 * is pended records that (DP_FRAG_HELD): later fragments join it in the
 * flow's hold queue and, released after it, follow the fate it recorded
 * when it walked on (or are dropped with it: PEND_BLOCKED, FLOW_ENDED).
 *
 * No locks, syscalls or allocation here; time is the TSC.
 */
#include <string.h>

#include <rte_branch_prediction.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>
#include <rte_tcp.h>

#include "dfp_thread.h"
#include "dp_private.h"

#define SYN_ACK (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG)

/*
 * Counting: the path adds to w->acc, which only this worker (or the
 * control thread draining a stopped worker) touches, with plain stores;
 * stats_flush() publishes it once per loop iteration that did anything,
 * so at most once per burst. held_now moves both ways: its delta wraps
 * modulo 2^64 and the sum comes out right.
 */
#define STAT_ADD(w, field, n) ((w)->acc.field += (uint64_t)(n))
#define STAT_SUB(w, field, n) ((w)->acc.field -= (uint64_t)(n))

/* Per-packet scratch of one burst. */
struct dp_pkt {
	struct rte_mbuf *m;
	struct dfp_dp_pkt_info info;
	struct dfp_engine_values values;
	struct dfp_callout_pkt cpkt;
	struct dfp_flow *flow;
	enum dfp_flow_direction fdir;
	bool dead;                /* Dropped (already counted and freed). */
	bool keyed;               /* key/found are set (pass 2's bulk lookup). */
	struct dfp_flow_key key;  /* Flow key of an IP packet. */
	uint8_t todo;             /* DP_TODO_* left for the batch's flush (in key's padding). */
	struct dfp_flow *found;   /* Bulk lookup result (NULL: miss) ... */
	uint64_t found_id;        /* ... and its id, re-checked at walk time. */
};

/* What a packet in a batch still needs (decided by its walk, done at the flush). */
#define DP_TODO_EST 0x01u       /* ALE_FLOW_ESTABLISHED: its flow is established by it. */
#define DP_TODO_DATA 0x02u      /* STREAM or DATAGRAM_DATA. */
#define DP_TODO_TEARDOWN 0x04u  /* TCP RST or both FINs seen: closes or ends its flow. */

/*
 * Packets whose walk is decided up to the flow layers after ALE
 * authorisation, in walk order: the flush classifies them one call per
 * layer (ALE_FLOW_ESTABLISHED, then STREAM and DATAGRAM_DATA per family)
 * and then finishes them in order (transmit, TCP teardown), so the batch
 * transmits in arrival order. See batch_flush() for when a batch is cut.
 */
struct dp_batch {
	unsigned int n;
	unsigned int n_est;       /* Of which with DP_TODO_EST. */
	uint16_t arrival;         /* Arrival port index of every packet (a burst comes
				   * from one port; released packets go one at a time). */
	uint8_t active;           /* DP_ACTIVE_*: flow layers with filters (batch_begin()). */
	struct dp_pkt *pkts[DP_BURST_MAX];
};

struct dp_burst {
	const struct dfp_engine_ruleset *rs;
	const struct dp_port *port;
	bool inbound;
	unsigned int n;
	struct dp_batch batch;
	struct dp_pkt pkts[DP_BURST_MAX];
};

/* ---- Layers by kind, direction and family ---- */

static uint16_t
layer_ip(bool inbound, unsigned int family)
{
	if (inbound)
		return family == 6 ? DFP_LAYER_INBOUND_IPPACKET_V6 : DFP_LAYER_INBOUND_IPPACKET_V4;
	return family == 6 ? DFP_LAYER_OUTBOUND_IPPACKET_V6 : DFP_LAYER_OUTBOUND_IPPACKET_V4;
}

static uint16_t
layer_transport(bool inbound, unsigned int family)
{
	if (inbound)
		return family == 6 ? DFP_LAYER_INBOUND_TRANSPORT_V6 :
			DFP_LAYER_INBOUND_TRANSPORT_V4;
	return family == 6 ? DFP_LAYER_OUTBOUND_TRANSPORT_V6 : DFP_LAYER_OUTBOUND_TRANSPORT_V4;
}

/* ALE authorisation layer of a flow: who opened it decides (DESIGN §1). */
static uint16_t
layer_ale_auth(bool opened_from_outside, unsigned int family)
{
	if (opened_from_outside)
		return family == 6 ? DFP_LAYER_ALE_AUTH_RECV_ACCEPT_V6 :
			DFP_LAYER_ALE_AUTH_RECV_ACCEPT_V4;
	return family == 6 ? DFP_LAYER_ALE_AUTH_CONNECT_V6 : DFP_LAYER_ALE_AUTH_CONNECT_V4;
}

static uint16_t
layer_established(unsigned int family)
{
	return family == 6 ? DFP_LAYER_ALE_FLOW_ESTABLISHED_V6 : DFP_LAYER_ALE_FLOW_ESTABLISHED_V4;
}

/* ---- Fragments ---- */

static struct dp_frag *
frag_slot(struct dp_worker *w, const struct dfp_dp_pkt_info *pi)
{
	uint32_t h = pi->frag_id * 2654435761u;

	h ^= pi->family == 4 ? pi->src.v4 ^ pi->dst.v4 : (uint32_t)pi->src.v6[15] << 8 ^
		pi->dst.v6[15];
	h ^= pi->proto;
	return &w->frags[h & (DP_FRAG_ENTRIES - 1)];
}

/* The live record of a later fragment's first fragment, or NULL. */
static struct dp_frag *
frag_find(struct dp_worker *w, const struct dfp_dp_pkt_info *pi, uint64_t now)
{
	struct dp_frag *e = frag_slot(w, pi);

	if (!e->used || e->id != pi->frag_id || e->proto != pi->proto || e->family != pi->family)
		return NULL;
	/* A record outlives its datagram: an IP id reused later must not inherit it. */
	if (now > e->tsc && now - e->tsc > w->frag_timeout_tsc)
		return NULL;
	if (pi->family == 4) {
		if (memcmp(e->src, &pi->src.v4, 4) != 0 || memcmp(e->dst, &pi->dst.v4, 4) != 0)
			return NULL;
	} else if (memcmp(e->src, pi->src.v6, 16) != 0 || memcmp(e->dst, pi->dst.v6, 16) != 0) {
		return NULL;
	}
	return e;
}

/*
 * Record a first fragment's fate for the fragments that follow it (they
 * carry no ports, so they cannot be classified themselves [port]): NONE when
 * it was forwarded, else the reason it was dropped. Every decided first
 * fragment records, so a dropped one overwrites an older record of the
 * same (addresses, protocol, id).
 */
static struct dp_frag *
frag_record(struct dp_worker *w, const struct dfp_dp_pkt_info *pi, enum dfp_dp_drop drop)
{
	struct dp_frag *e = frag_slot(w, pi);

	memset(e, 0, sizeof(*e));
	if (pi->family == 4) {
		memcpy(e->src, &pi->src.v4, 4);
		memcpy(e->dst, &pi->dst.v4, 4);
	} else {
		memcpy(e->src, pi->src.v6, 16);
		memcpy(e->dst, pi->dst.v6, 16);
	}
	e->id = pi->frag_id;
	e->proto = pi->proto;
	e->family = pi->family;
	e->drop = (uint8_t)drop;
	e->used = 1;
	e->tsc = rte_rdtsc();
	return e;
}

/*
 * Record a first fragment held while its flow is pended: the fragments
 * that follow it are held with it, in the same queue, until the
 * completion decides (its walk then records the outcome).
 */
static void
frag_record_held(struct dp_worker *w, const struct dfp_dp_pkt_info *pi, uint64_t flow_id)
{
	struct dp_frag *e = frag_record(w, pi, DFP_DP_DROP_NONE);

	e->drop = DP_FRAG_HELD;
	e->flow_id = flow_id;
}

/* ---- Counters ---- */

/*
 * Publish the counts accumulated since the last flush: one relaxed store
 * per changed counter. Counters have one writer (this worker; the control
 * thread once it stopped) and concurrent readers (dfp_dp_stats_get()), so
 * a relaxed load never tears and no ordering is implied; a reader may see
 * part of a flush, which dfp_dp_wait_idle() reads as busy (the counters
 * do not balance).
 */
static void
stats_flush(struct dp_worker *w)
{
	uint64_t *acc = (uint64_t *)&w->acc;
	uint64_t *pub = (uint64_t *)&w->stats;
	size_t i;

	for (i = 0; i < sizeof(w->acc) / sizeof(uint64_t); i++) {
		if (acc[i] == 0)
			continue;
		__atomic_store_n(&pub[i], pub[i] + acc[i], __ATOMIC_RELAXED);
		acc[i] = 0;
	}
}

/* ---- Drops and transmit ---- */

static inline void
drop(struct dp_worker *w, struct rte_mbuf *m, enum dfp_dp_drop reason)
{
	STAT_ADD(w, drops[reason], 1);
	rte_pktmbuf_free(m);
}

/* Drop a packet of the burst; a first fragment's followers will share its fate. */
static inline void
pkt_drop(struct dp_worker *w, struct dp_pkt *p, enum dfp_dp_drop reason)
{
	if (unlikely(p->info.frag & DFP_DP_FRAG_FIRST))
		frag_record(w, &p->info, reason);
	drop(w, p->m, reason);
	p->dead = true;
}

/* Hand one port's buffered packets to the PMD; what it refuses is dropped (TX_FULL). */
static void
tx_flush_port(struct dp_worker *w, uint16_t p)
{
	uint16_t n = w->tx_n[p], sent, i;
	uint64_t bytes = 0;

	sent = rte_eth_tx_burst(w->dp->ports[p].port_id, (uint16_t)w->index, w->tx[p], n);
	for (i = 0; i < sent; i++)
		bytes += rte_pktmbuf_pkt_len(w->tx[p][i]);
	STAT_ADD(w, tx_packets, sent);
	STAT_ADD(w, tx_bytes, bytes);
	if (unlikely(sent < n)) {
		/* Refused: a link the control thread saw go down, or a full queue. */
		const struct dfp_dp_link *l = &w->dp->ports[p].link;
		enum dfp_dp_drop why = __atomic_load_n(&l->known, __ATOMIC_RELAXED) &&
			!__atomic_load_n(&l->up, __ATOMIC_RELAXED) ?
			DFP_DP_DROP_LINK_DOWN : DFP_DP_DROP_TX_FULL;

		for (i = sent; i < n; i++)
			drop(w, w->tx[p][i], why);
	}
	w->tx_n[p] = 0;
}

static inline void
tx_enqueue(struct dp_worker *w, uint16_t arrival_port, struct rte_mbuf *m)
{
	uint16_t peer = w->dp->ports[arrival_port].peer;

	/*
	 * Full buffer (completions can release many held packets in one loop):
	 * hand it to the PMD now rather than drop; only the PMD's refusal is TX_FULL.
	 */
	if (unlikely(w->tx_n[peer] == RTE_DIM(w->tx[peer])))
		tx_flush_port(w, peer);
	w->tx[peer][w->tx_n[peer]++] = m;
}

static void
tx_flush(struct dp_worker *w)
{
	unsigned int p;

	for (p = 0; p < w->dp->n_ports; p++)
		if (w->tx_n[p] != 0)
			tx_flush_port(w, (uint16_t)p);
}

/* ---- Parsing and values ---- */

static enum dfp_dp_drop
parse_mbuf(struct rte_mbuf *m, struct dfp_dp_pkt_info *info)
{
	uint8_t copy[DP_HDR_COPY];
	uint32_t len = rte_pktmbuf_data_len(m);
	const uint8_t *data = rte_pktmbuf_mtod(m, const uint8_t *);

	/* Headers split across segments are parsed from a bounded copy. */
	if (len < RTE_MIN((uint32_t)DP_HDR_COPY, rte_pktmbuf_pkt_len(m))) {
		len = RTE_MIN((uint32_t)DP_HDR_COPY, rte_pktmbuf_pkt_len(m));
		data = rte_pktmbuf_read(m, 0, len, copy);
		if (data == NULL)
			len = 0;
	}
	return dfp_dp_parse(data, len, rte_pktmbuf_pkt_len(m), info);
}

static uint8_t
addr_type(const struct dfp_dp_pkt_info *pi, bool inbound)
{
	/* NL_ADDRESS_TYPE of the local address: unicast 1, multicast 3, broadcast 4. */
	if (pi->family == 4) {
		uint32_t a = inbound ? pi->dst.v4 : pi->src.v4;

		if (a == UINT32_MAX)
			return 4;
		return (a >> 28) == 0xE ? 3 : 1;
	}
	return (inbound ? pi->dst.v6[0] : pi->src.v6[0]) == 0xFF ? 3 : 1;
}

static void
values_fill(struct dfp_engine_values *v, const struct dfp_dp_pkt_info *pi, uint16_t port_id,
		bool inbound)
{
	memset(v, 0, sizeof(*v));
	v->direction = inbound ? DFP_DIRECTION_INBOUND : DFP_DIRECTION_OUTBOUND;
	v->interface_index = port_id;
	v->vlan_id = pi->n_vlans ? pi->vlan_ids[0] : 0;
	v->ether_type = pi->ether_type;
	memcpy(v->local_mac, inbound ? pi->dst_mac : pi->src_mac, 6);
	memcpy(v->remote_mac, inbound ? pi->src_mac : pi->dst_mac, 6);
	if (pi->family == 0)
		return;
	v->ip_protocol = pi->proto;
	v->dscp = pi->dscp;
	v->tcp_flags = pi->tcp_flags;
	v->local_addr_type = addr_type(pi, inbound);
	if (pi->frag & DFP_DP_FRAG_IS_FRAGMENT)
		v->flags |= DFP_COND_FLAG_IS_FRAGMENT;
	if (pi->family == 4) {
		v->local_addr.v4 = inbound ? pi->dst.v4 : pi->src.v4;
		v->remote_addr.v4 = inbound ? pi->src.v4 : pi->dst.v4;
	} else {
		memcpy(v->local_addr.v6, inbound ? pi->dst.v6 : pi->src.v6, 16);
		memcpy(v->remote_addr.v6, inbound ? pi->src.v6 : pi->dst.v6, 16);
	}
	if (pi->proto == IPPROTO_ICMP || pi->proto == IPPROTO_ICMPV6) {
		/* ICMP type and code ride in the port fields, whatever the direction. */
		v->local_port = pi->sport;
		v->remote_port = pi->dport;
	} else {
		v->local_port = inbound ? pi->dport : pi->sport;
		v->remote_port = inbound ? pi->sport : pi->dport;
	}
}

static void
cpkt_fill(struct dp_worker *w, struct dp_pkt *p, bool inbound)
{
	struct dfp_callout_pkt *c = &p->cpkt;

	memset(c, 0, sizeof(*c));
	c->meta.present = DFP_META_PACKET_DIRECTION | DFP_META_ETHER_FRAME_LENGTH;
	c->meta.direction = inbound ? DFP_DIRECTION_INBOUND : DFP_DIRECTION_OUTBOUND;
	c->meta.frame_length = p->info.frame_len;
	if (p->info.l3_off != 0) {
		c->meta.present |= DFP_META_IP_HEADER_SIZE;
		c->meta.ip_header_size = (uint32_t)((p->info.l4_off ? p->info.l4_off :
			p->info.l3_off) - p->info.l3_off);
	}
	if (p->info.l4_payload_off != 0) {
		c->meta.present |= DFP_META_TRANSPORT_HEADER_SIZE;
		c->meta.transport_header_size = (uint32_t)(p->info.l4_payload_off - p->info.l4_off);
	}
	c->layer_data = p->m;
	c->worker = w->index;
	c->table = w->flows;
}

/* Attach a flow to a packet's callout context (flow layers see its handle). */
static void
cpkt_set_flow(struct dp_worker *w, struct dp_pkt *p, struct dfp_flow *f)
{
	p->cpkt.flow = f;
	p->cpkt.table = w->flows;
	p->cpkt.meta.present |= DFP_META_FLOW_HANDLE;
	p->cpkt.meta.flow_handle = dfp_flow_id(f);
	p->cpkt.packet_tag = dfp_flow_id(f);
}

/* ---- Classification helpers ---- */

/* Drop a packet a filter blocked (verdict flags DFP_ENGINE_VERDICT_F_*). */
static inline void
pkt_block(struct dp_worker *w, struct dp_pkt *p, uint32_t flags)
{
	STAT_ADD(w, vetoes, (flags & DFP_ENGINE_VERDICT_F_VETO) != 0);
	pkt_drop(w, p, (flags & DFP_ENGINE_VERDICT_F_ABSORB) ?
		DFP_DP_DROP_FILTER_ABSORB : DFP_DP_DROP_FILTER_BLOCK);
}

/*
 * Classify the live packets of `sel` at one layer; drop the blocked ones.
 * out, if not NULL, receives the n verdicts.
 */
static void
classify_group(struct dp_worker *w, struct dp_burst *b, uint16_t layer, struct dp_pkt **sel,
		unsigned int n, struct dfp_engine_verdict *out)
{
	const struct dfp_engine_values *vals[DP_BURST_MAX];
	struct dfp_engine_verdict scratch[DP_BURST_MAX];
	void *ctxs[DP_BURST_MAX];
	unsigned int i;

	if (n == 0 || dfp_engine_ruleset_filter_count(b->rs, layer) == 0)
		return;
	if (out == NULL)
		out = scratch;
	for (i = 0; i < n; i++) {
		vals[i] = &sel[i]->values;
		ctxs[i] = &sel[i]->cpkt;
	}
	dfp_engine_classify_burst(b->rs, layer, vals, ctxs, n, &w->env, out);
	for (i = 0; i < n; i++)
		if (out[i].action == DFP_ACTION_BLOCK)
			pkt_block(w, sel[i], out[i].flags);
}

/*
 * Kept verdicts of the per-packet layers.
 *
 * IPPACKET and TRANSPORT classify every packet, but where a layer's verdict
 * can only depend on what the flow key fixes, a known flow keeps the
 * verdict its packets got (struct dfp_flow_state.vc) and later packets use
 * it instead of a lookup: the layer has no callout filter (a callout sees
 * every packet) and its conditions use only VC_FIELDS. The packet's
 * direction within its flow is part of an entry (the values come from its
 * addresses), and ICMP flows keep nothing (type and code ride in the port
 * fields but not in the key). The entries hold while the ruleset's four
 * per-packet layers of the family have the versions they had: vc_tag is the
 * highest of them, and any commit that changes one gives it a newer one. A
 * kept verdict counts its filter's hit and drops like a classification.
 *
 * Entry: bit 31 valid, 30 flow direction, 29 block, 28 absorb, 27 veto,
 * 0-26 the deciding filter's hit slot (a larger slot is not kept).
 */
#define VC_FIELDS ((UINT32_C(1) << DFP_FIELD_IP_PROTOCOL) | \
	(UINT32_C(1) << DFP_FIELD_IP_LOCAL_ADDRESS) | (UINT32_C(1) << DFP_FIELD_IP_REMOTE_ADDRESS) | \
	(UINT32_C(1) << DFP_FIELD_IP_LOCAL_ADDRESS_TYPE) | (UINT32_C(1) << DFP_FIELD_IP_LOCAL_PORT) | \
	(UINT32_C(1) << DFP_FIELD_IP_REMOTE_PORT) | (UINT32_C(1) << DFP_FIELD_DIRECTION) | \
	(UINT32_C(1) << DFP_FIELD_VLAN_ID))
#define VC_VALID (UINT32_C(1) << 31)
#define VC_FDIR_SHIFT 30
#define VC_BLOCK (UINT32_C(1) << 29)
#define VC_ABSORB (UINT32_C(1) << 28)
#define VC_VETO (UINT32_C(1) << 27)
#define VC_SLOT_MAX ((UINT32_C(1) << 27) - 1)

/* The tag of the kept verdicts of one family under a ruleset. */
static uint64_t
vc_tag(const struct dfp_engine_ruleset *rs, unsigned int family)
{
	uint64_t t = 0;
	unsigned int in;

	for (in = 0; in < 2; in++) {
		t = RTE_MAX(t, dfp_engine_ruleset_layer_version(rs, layer_ip(in, family)));
		t = RTE_MAX(t, dfp_engine_ruleset_layer_version(rs, layer_transport(in, family)));
	}
	return t;
}

/* The flow whose kept verdicts a packet may use, or NULL. */
static inline struct dfp_flow_state *
vc_state(const struct dp_pkt *p)
{
	if (!p->keyed || p->found == NULL || p->info.proto == IPPROTO_ICMP ||
			p->info.proto == IPPROTO_ICMPV6)
		return NULL;
	return dfp_flow_state(p->found);
}

/* Per-packet layer `layer` (kind 0 IPPACKET, 1 TRANSPORT) over sel, using kept verdicts. */
static void
classify_kept(struct dp_worker *w, struct dp_burst *b, uint16_t layer, unsigned int kind,
		unsigned int family, struct dp_pkt **sel, unsigned int n)
{
	struct dfp_engine_verdict out[DP_BURST_MAX];
	struct dp_pkt *miss[DP_BURST_MAX];
	unsigned int e = kind * 2 + (b->inbound ? 1 : 0);
	unsigned int i, nm = 0;
	uint32_t fields;
	uint64_t tag;

	if (n == 0 || !dfp_engine_ruleset_layer_static(b->rs, layer, &fields) ||
			(fields & ~VC_FIELDS) != 0) {
		classify_group(w, b, layer, sel, n, NULL);
		return;
	}
	tag = vc_tag(b->rs, family);
	for (i = 0; i < n; i++) {
		struct dp_pkt *p = sel[i];
		struct dfp_flow_state *st = vc_state(p);
		uint32_t v, slot;

		if (st == NULL || st->vc_tag != tag || !((v = st->vc[e]) & VC_VALID) ||
				((v >> VC_FDIR_SHIFT) & 1) != (uint32_t)p->fdir) {
			miss[nm++] = p;
			continue;
		}
		slot = v & VC_SLOT_MAX;
		if (w->env.hits != NULL && slot != 0)
			__atomic_store_n(&w->env.hits[slot],
				__atomic_load_n(&w->env.hits[slot], __ATOMIC_RELAXED) + 1,
				__ATOMIC_RELAXED);
		if (v & VC_BLOCK)
			pkt_block(w, p, ((v & VC_ABSORB) ? DFP_ENGINE_VERDICT_F_ABSORB : 0) |
				((v & VC_VETO) ? DFP_ENGINE_VERDICT_F_VETO : 0));
	}
	if (nm == 0)
		return;
	classify_group(w, b, layer, miss, nm, out);
	for (i = 0; i < nm; i++) {
		struct dfp_flow_state *st = vc_state(miss[i]);
		uint32_t v;

		if (st == NULL || out[i].hit_slot > VC_SLOT_MAX)
			continue;
		v = VC_VALID | (uint32_t)miss[i]->fdir << VC_FDIR_SHIFT | out[i].hit_slot;
		if (out[i].action == DFP_ACTION_BLOCK)
			v |= VC_BLOCK | ((out[i].flags & DFP_ENGINE_VERDICT_F_ABSORB) ? VC_ABSORB : 0) |
				((out[i].flags & DFP_ENGINE_VERDICT_F_VETO) ? VC_VETO : 0);
		if (st->vc_tag != tag) {
			st->vc_tag = tag;
			memset(st->vc, 0, sizeof(st->vc));
		}
		st->vc[e] = v;
	}
}

/* Classify one packet at one layer; returns the verdict's action. */
static uint32_t
classify_one(struct dp_worker *w, const struct dfp_engine_ruleset *rs, uint16_t layer,
		struct dfp_engine_values *v, struct dfp_callout_pkt *c, uint32_t *flags)
{
	const struct dfp_engine_values *vals[1] = {v};
	struct dfp_engine_verdict out;
	void *ctxs[1] = {c};

	*flags = 0;
	if (dfp_engine_ruleset_filter_count(rs, layer) == 0)
		return DFP_ACTION_NONE_NO_MATCH;
	dfp_engine_classify_burst(rs, layer, vals, ctxs, 1, &w->env, &out);
	*flags = out.flags;
	return out.action;
}

/* ---- The flow walk ---- */

/*
 * Owner-only flow state that snapshots read (dfp_flow_table.h): phase and
 * counters are written with relaxed atomic stores.
 */
static inline void
phase_set(struct dfp_flow_state *st, enum dfp_flow_phase phase)
{
	__atomic_store_n(&st->phase, (uint8_t)phase, __ATOMIC_RELAXED);
}

static void
tcp_track(struct dfp_flow_state *st, const struct dfp_dp_pkt_info *pi, enum dfp_flow_direction dir)
{
	bool fwd = dir == (enum dfp_flow_direction)st->initiator;
	uint8_t fl = pi->tcp_flags;

	if (fl & RTE_TCP_RST_FLAG)
		st->tcp |= DFP_FLOW_TCP_RST;
	if ((fl & RTE_TCP_SYN_FLAG) && !(fl & RTE_TCP_ACK_FLAG))
		st->tcp |= fwd ? DFP_FLOW_TCP_SYN_FWD : DFP_FLOW_TCP_SYN_REV;
	if ((fl & SYN_ACK) == SYN_ACK && !fwd)
		st->tcp |= DFP_FLOW_TCP_SYNACK;
	/* The handshake's final ACK: from the initiator, after the SYN+ACK. */
	if (fwd && (fl & SYN_ACK) == RTE_TCP_ACK_FLAG && (st->tcp & DFP_FLOW_TCP_SYNACK))
		st->tcp |= DFP_FLOW_TCP_FINAL_ACK;
	if (fl & RTE_TCP_FIN_FLAG)
		st->tcp |= fwd ? DFP_FLOW_TCP_FIN_FWD : DFP_FLOW_TCP_FIN_REV;
}

/* Release the held packets of a flow that ended (owner; before dfp_flow_end). */
static void
held_drop_all(struct dp_worker *w, struct dfp_flow_state *st, enum dfp_dp_drop reason)
{
	uint16_t i;

	void **q = dfp_flow_hold_queue(w->flows, st, false);

	for (i = 0; q != NULL && i < st->n_held; i++)
		drop(w, q[i], reason);
	STAT_SUB(w, held_now, st->n_held);
	st->n_held = 0;
	dfp_flow_hold_release(w->flows, st);
}

static void
flow_finish(struct dp_worker *w, struct dfp_flow *f)
{
	held_drop_all(w, dfp_flow_state(f), DFP_DP_DROP_FLOW_ENDED);
	dfp_flow_end(w->flows, f);
	STAT_ADD(w, flows_ended, 1);
}

/*
 * ALE authorisation of a flow at this packet (first time, re-authorisation,
 * or after a REAUTH completion). Returns false if the packet must stop here
 * (dropped, or held because the classification was pended).
 *
 * The decision is cached in ale_action. A block at the first authorisation
 * makes the flow BLOCKED (never authorised); a block at a re-authorisation
 * keeps the flow's phase (its establishment and contexts stand) and only
 * ale_action says BLOCK, so a later commit can permit it again.
 */
static bool
ale_authorize(struct dp_worker *w, const struct dfp_engine_ruleset *rs, struct dp_pkt *p,
		struct dfp_flow_state *st, uint32_t reauth_reason)
{
	uint16_t layer = layer_ale_auth(st->inbound_initiator, p->info.family);
	uint32_t action, vflags;

	if (reauth_reason != 0) {
		p->values.flags |= DFP_COND_FLAG_IS_REAUTHORIZE;
		p->values.reauth_reason = reauth_reason;
		STAT_ADD(w, reauthorizations, 1);
	}
	p->cpkt.pend_handle = 0;
	action = classify_one(w, rs, layer, &p->values, &p->cpkt, &vflags);
	p->values.flags &= ~DFP_COND_FLAG_IS_REAUTHORIZE;
	p->values.reauth_reason = 0;
	st->ale_generation = dfp_engine_ruleset_layer_version(rs, layer);
	if (p->cpkt.pend_handle != 0) {
		/* Pended: this packet and the flow's next ones wait for the completion. */
		phase_set(st, DFP_FLOW_PHASE_PENDED);
		st->pend_handle = p->cpkt.pend_handle;
		STAT_ADD(w, pends, 1);
		return false;
	}
	st->ale_action = action == DFP_ACTION_BLOCK ? DFP_ACTION_BLOCK : DFP_ACTION_PERMIT;
	if (action == DFP_ACTION_BLOCK) {
		if (st->phase == DFP_FLOW_PHASE_NEW || st->phase == DFP_FLOW_PHASE_PENDED)
			phase_set(st, DFP_FLOW_PHASE_BLOCKED);
		STAT_ADD(w, vetoes, (vflags & DFP_ENGINE_VERDICT_F_VETO) != 0);
		pkt_drop(w, p, (vflags & DFP_ENGINE_VERDICT_F_ABSORB) ? DFP_DP_DROP_FILTER_ABSORB :
			DFP_DP_DROP_FILTER_BLOCK);
		return false;
	}
	if (st->phase == DFP_FLOW_PHASE_NEW || st->phase == DFP_FLOW_PHASE_PENDED)
		phase_set(st, DFP_FLOW_PHASE_AUTHORIZED);
	return true;
}

/* Data layers by index: (family 6) * 2 + (not TCP). */
static const uint16_t data_layers[4] = {
	DFP_LAYER_STREAM_V4, DFP_LAYER_DATAGRAM_DATA_V4,
	DFP_LAYER_STREAM_V6, DFP_LAYER_DATAGRAM_DATA_V6,
};

/* Bits of dp_batch.active: data layers 0..3 (data_layers[]), then establishment. */
#define DP_ACTIVE_DATA 0x0fu
#define DP_ACTIVE_EST(fam) (0x10u << ((fam) == 6))

/* Start a batch: which flow layers have filters in this ruleset. */
static void
batch_begin(struct dp_batch *bt, const struct dfp_engine_ruleset *rs)
{
	unsigned int l;

	bt->n = 0;
	bt->n_est = 0;
	bt->active = 0;
	for (l = 0; l < RTE_DIM(data_layers); l++)
		if (dfp_engine_ruleset_filter_count(rs, data_layers[l]) != 0)
			bt->active |= 1u << l;
	if (dfp_engine_ruleset_filter_count(rs, DFP_LAYER_ALE_FLOW_ESTABLISHED_V4) != 0)
		bt->active |= DP_ACTIVE_EST(4);
	if (dfp_engine_ruleset_filter_count(rs, DFP_LAYER_ALE_FLOW_ESTABLISHED_V6) != 0)
		bt->active |= DP_ACTIVE_EST(6);
}

/*
 * The end of a permitted packet's walk: TCP teardown, the first fragment's
 * record, transmit, and the flow's end after its last packet.
 */
static inline void
pkt_finish(struct dp_worker *w, struct dp_pkt *p, uint16_t arrival_port)
{
	struct dfp_flow_state *st;
	bool end_after = false;

	if (p->todo & DP_TODO_TEARDOWN) {
		/* RST ends the flow; so does the ACK after both FINs. */
		st = dfp_flow_state(p->flow);
		if (st->tcp & DFP_FLOW_TCP_RST)
			end_after = true;
		else if (st->phase == DFP_FLOW_PHASE_CLOSING && !(p->info.tcp_flags & RTE_TCP_FIN_FLAG))
			end_after = true;
		else
			phase_set(st, DFP_FLOW_PHASE_CLOSING);
	}
	if (p->info.frag & DFP_DP_FRAG_FIRST)
		frag_record(w, &p->info, DFP_DP_DROP_NONE);
	tx_enqueue(w, arrival_port, p->m);
	p->dead = true;
	if (end_after)
		flow_finish(w, p->flow);
}

/*
 * Add a packet to the batch: its walk continues at the flush. With no
 * filter at any flow layer there is nothing to classify: the packet's
 * walk ends now (an establishment permits), and the batch stays empty.
 */
static inline void
batch_add(struct dp_worker *w, struct dp_batch *bt, struct dp_pkt *p, uint16_t arrival_port,
		uint8_t todo)
{
	RTE_ASSERT(bt->n == 0 || bt->arrival == arrival_port);
	p->todo = todo;
	if (bt->active == 0) {
		if (todo & DP_TODO_EST)
			phase_set(dfp_flow_state(p->flow), DFP_FLOW_PHASE_ESTABLISHED);
		pkt_finish(w, p, arrival_port);
		return;
	}
	bt->arrival = arrival_port;
	bt->n_est += (todo & DP_TODO_EST) != 0;
	bt->pkts[bt->n++] = p;
}

/* True if the batch holds a packet that will establish flow f. */
static bool
batch_establishes(const struct dp_batch *bt, const struct dfp_flow *f)
{
	unsigned int i;

	for (i = 0; i < bt->n; i++)
		if ((bt->pkts[i]->todo & DP_TODO_EST) && bt->pkts[i]->flow == f)
			return true;
	return false;
}

/* Classify the n packets of `sel` at one layer, in one call. */
static void
classify_sel(struct dp_worker *w, const struct dfp_engine_ruleset *rs, uint16_t layer,
		struct dp_pkt **sel, unsigned int n, struct dfp_engine_verdict *out)
{
	const struct dfp_engine_values *vals[DP_BURST_MAX];
	void *ctxs[DP_BURST_MAX];
	unsigned int i;

	for (i = 0; i < n; i++) {
		vals[i] = &sel[i]->values;
		ctxs[i] = &sel[i]->cpkt;
	}
	dfp_engine_classify_burst(rs, layer, vals, ctxs, n, &w->env, out);
}

/*
 * ALE_FLOW_ESTABLISHED for the batch's packets that establish their flow,
 * one call per family; a family without filters there permits without one.
 */
static void
batch_establish(struct dp_worker *w, const struct dfp_engine_ruleset *rs, struct dp_batch *bt)
{
	struct dfp_engine_verdict out[DP_BURST_MAX];
	struct dp_pkt *sel[2][DP_BURST_MAX];
	unsigned int i, k, n[2] = {0, 0}, fam;

	for (i = 0; i < bt->n; i++) {
		struct dp_pkt *p = bt->pkts[i];

		if (p->todo & DP_TODO_EST)
			sel[p->info.family == 6][n[p->info.family == 6]++] = p;
	}
	for (fam = 0; fam < 2; fam++) {
		bool active = bt->active & DP_ACTIVE_EST(fam ? 6 : 4);

		if (n[fam] != 0 && active)
			classify_sel(w, rs, layer_established(fam ? 6 : 4), sel[fam], n[fam], out);
		for (k = 0; k < n[fam]; k++) {
			struct dfp_flow_state *st = dfp_flow_state(sel[fam][k]->flow);

			if (active && out[k].action == DFP_ACTION_BLOCK) {
				phase_set(st, DFP_FLOW_PHASE_BLOCKED);
				STAT_ADD(w, vetoes, (out[k].flags & DFP_ENGINE_VERDICT_F_VETO) != 0);
				pkt_drop(w, sel[fam][k], DFP_DP_DROP_FILTER_BLOCK);
			} else {
				phase_set(st, DFP_FLOW_PHASE_ESTABLISHED);
			}
		}
	}
}

/*
 * STREAM and DATAGRAM_DATA for the batch's live packets that reach them,
 * one call per layer with filters (the others permit).
 */
static void
batch_data(struct dp_worker *w, const struct dfp_engine_ruleset *rs, struct dp_batch *bt)
{
	struct dfp_engine_verdict out[DP_BURST_MAX];
	struct dp_pkt *sel[4][DP_BURST_MAX];
	unsigned int i, k, l, n[4] = {0, 0, 0, 0};
	unsigned int active = bt->active & DP_ACTIVE_DATA;

	for (i = 0; i < bt->n; i++) {
		struct dp_pkt *p = bt->pkts[i];

		if (p->dead || !(p->todo & DP_TODO_DATA))
			continue;
		l = (p->info.family == 6) * 2u + (p->info.proto != IPPROTO_TCP);
		if (active & (1u << l))
			sel[l][n[l]++] = p;
	}
	for (l = 0; l < 4; l++) {
		if (n[l] == 0)
			continue;
		classify_sel(w, rs, data_layers[l], sel[l], n[l], out);
		for (k = 0; k < n[l]; k++)
			if (out[k].action == DFP_ACTION_BLOCK) {
				STAT_ADD(w, vetoes, (out[k].flags & DFP_ENGINE_VERDICT_F_VETO) != 0);
				pkt_drop(w, sel[l][k], (out[k].flags & DFP_ENGINE_VERDICT_F_ABSORB) ?
					DFP_DP_DROP_FILTER_ABSORB : DFP_DP_DROP_FILTER_BLOCK);
			}
	}
}

/*
 * Finish the batch: establishment, then the data layers, one classify call
 * per layer, then every packet still alive in walk order.
 *
 * Results are those of walking each packet to its end before the next,
 * because the walk cuts the batch (flushes) wherever a later packet could
 * depend on an earlier one's outcome:
 * - a packet that establishes its flow: a later packet of that flow is
 *   walked only after the flush (its phase depends on the verdict);
 * - a TCP teardown packet (the flow may close or end) and a first fragment
 *   (later fragments read its record): flushed right after them.
 * A data-layer verdict changes nothing but its own packet's fate. What the
 * batch does change is the order callouts run in: a burst's
 * ALE_FLOW_ESTABLISHED callouts run before its STREAM/DATAGRAM_DATA ones,
 * and ALE_AUTH callouts of later packets before the data-layer callouts of
 * earlier ones.
 */
static void
batch_flush(struct dp_worker *w, const struct dfp_engine_ruleset *rs, struct dp_batch *bt)
{
	unsigned int i;

	if (bt->n == 0)
		return;
	if (bt->n_est != 0)
		batch_establish(w, rs, bt);
	if (bt->active & DP_ACTIVE_DATA)
		batch_data(w, rs, bt);
	for (i = 0; i < bt->n; i++)
		if (!bt->pkts[i]->dead)
			pkt_finish(w, bt->pkts[i], bt->arrival);
	bt->n = 0;
	bt->n_est = 0;
}

/*
 * What is left of an authorised packet's walk (DP_TODO_*), once its TCP
 * state is tracked. TCP state follows the packets in the order they are
 * walked, so a packet held while its flow was pended counts when it is
 * released, not when it came.
 */
static inline uint8_t
walk_todo(struct dfp_flow_state *st, struct dp_pkt *p)
{
	bool tcp = p->info.proto == IPPROTO_TCP;
	uint8_t todo = 0;

	if (tcp)
		tcp_track(st, &p->info, p->fdir);
	if (st->phase == DFP_FLOW_PHASE_AUTHORIZED &&
			(!tcp || (st->tcp & DFP_FLOW_TCP_FINAL_ACK)))
		todo |= DP_TODO_EST;
	/* Data layers: TCP segments with payload once established; other protocols always. */
	if (!tcp || (p->info.l4_payload_len > 0 &&
			(st->phase >= DFP_FLOW_PHASE_ESTABLISHED || (todo & DP_TODO_EST))))
		todo |= DP_TODO_DATA;
	if (tcp && ((st->tcp & DFP_FLOW_TCP_RST) ||
			(st->tcp & (DFP_FLOW_TCP_FIN_FWD | DFP_FLOW_TCP_FIN_REV)) ==
			(DFP_FLOW_TCP_FIN_FWD | DFP_FLOW_TCP_FIN_REV)))
		todo |= DP_TODO_TEARDOWN;
	return todo;
}

/*
 * Everything after ALE authorisation when no flow layer has filters
 * (dp_batch.active 0): establishment permits and the data layers are
 * skipped, so the packet finishes now. Kept apart from the batch so the
 * common unfiltered path stays small enough to inline.
 */
static inline void
walk_authorized_now(struct dp_worker *w, struct dp_pkt *p, uint16_t arrival_port)
{
	struct dfp_flow_state *st = dfp_flow_state(p->flow);

	p->todo = walk_todo(st, p);
	if (p->todo & DP_TODO_EST)
		phase_set(st, DFP_FLOW_PHASE_ESTABLISHED);
	pkt_finish(w, p, arrival_port);
}

/*
 * Everything after ALE authorisation: TCP state, then what establishment,
 * the data layers and teardown need, for the batch's flush (cut right
 * after a teardown or a first fragment, see batch_flush()).
 */
static void
walk_authorized(struct dp_worker *w, const struct dfp_engine_ruleset *rs, struct dp_batch *bt,
		struct dp_pkt *p, uint16_t arrival_port)
{
	uint8_t todo;

	if (bt->active == 0) {
		walk_authorized_now(w, p, arrival_port);
		return;
	}
	todo = walk_todo(dfp_flow_state(p->flow), p);
	batch_add(w, bt, p, arrival_port, todo);
	if ((todo & DP_TODO_TEARDOWN) || (p->info.frag & DFP_DP_FRAG_FIRST))
		batch_flush(w, rs, bt);
}

/*
 * The flow key of an IP packet (both VLAN tags: QinQ flows are per
 * customer VLAN); returns its direction relative to the key. IPv4
 * addresses go in as the parser's host-order words (their bytes in
 * memory), which orders endpoints consistently in both directions.
 */
static enum dfp_flow_direction
pkt_flow_key(const struct dp_pkt *p, struct dfp_flow_key *key)
{
	uint16_t sport = p->info.sport, dport = p->info.dport;

	/* ICMP errors and echoes keep one flow per (addresses, protocol) [port]. */
	if (p->info.proto == IPPROTO_ICMP || p->info.proto == IPPROTO_ICMPV6)
		sport = dport = 0;
	return dfp_flow_key_make(p->info.family,
		p->info.family == 4 ? (const uint8_t *)&p->info.src.v4 : p->info.src.v6,
		p->info.family == 4 ? (const uint8_t *)&p->info.dst.v4 : p->info.dst.v6,
		sport, dport, p->info.proto, p->info.n_vlans > 0 ? p->info.vlan_ids[0] : 0,
		p->info.n_vlans > 1 ? p->info.vlan_ids[1] : 0, key);
}

/*
 * Look the burst's flows up in one bulk call (STYLE §6: one hash lookup per
 * burst, not per packet). Packets that will walk a flow: live IP packets
 * other than later fragments.
 */
static void
flows_lookup(struct dp_worker *w, struct dp_burst *b)
{
	struct dfp_flow_key keys[DP_BURST_MAX];
	struct dfp_flow *found[DP_BURST_MAX];
	struct dp_pkt *sel[DP_BURST_MAX];
	unsigned int i, n = 0;

	for (i = 0; i < b->n; i++) {
		struct dp_pkt *p = &b->pkts[i];

		p->keyed = false;
		if (p->dead || p->info.family == 0 ||
				((p->info.frag & DFP_DP_FRAG_IS_FRAGMENT) &&
				 !(p->info.frag & DFP_DP_FRAG_FIRST)))
			continue;
		p->fdir = pkt_flow_key(p, &p->key);
		keys[n] = p->key;
		sel[n++] = p;
	}
	if (n == 0)
		return;
	dfp_flow_lookup_burst(w->flows, keys, n, found);
	for (i = 0; i < n; i++) {
		sel[i]->keyed = true;
		sel[i]->found = found[i];
		sel[i]->found_id = found[i] != NULL ? dfp_flow_id(found[i]) : 0;
	}
}

/* Find or create the flow of an IP packet; false if the packet was consumed. */
static bool
flow_attach(struct dp_worker *w, struct dp_burst *b, struct dp_pkt *p, uint64_t now)
{
	struct dfp_flow_state *st;
	struct dfp_flow *f = NULL;

	if (!p->keyed) {
		p->fdir = pkt_flow_key(p, &p->key);
		p->found = NULL;
	}
	f = p->found;
	/*
	 * The bulk lookup ran before this burst's walk: a flow it found may
	 * have ended since (RST, FIN) and its entry been reused, and a miss
	 * may have been created by an earlier packet of the burst. Re-check.
	 */
	if (f != NULL && dfp_flow_lookup_id(w->flows, p->found_id) != f)
		f = NULL;
	if (f == NULL)
		dfp_flow_lookup_burst(w->flows, &p->key, 1, &f);
	if (f == NULL) {
		/*
		 * Only a connection request (SYN, no ACK, no RST) opens a TCP
		 * flow, unless mid-stream pickup is on (dfp_dp.h): a stray or
		 * late segment is neither a flow nor an ALE classification.
		 */
		if (p->info.proto == IPPROTO_TCP && (p->info.tcp_flags & (SYN_ACK | RTE_TCP_RST_FLAG)) != RTE_TCP_SYN_FLAG &&
				!w->dp->conf.tcp_pickup) {
			pkt_drop(w, p, DFP_DP_DROP_TCP_NO_FLOW);
			return false;
		}
		f = dfp_flow_insert(w->flows, &p->key, p->fdir, now);
		if (f == NULL) {
			if (w->dp->conf.full_policy == DFP_DP_FULL_FAIL_OPEN) {
				STAT_ADD(w, fail_open_packets, 1);
				return true;
			}
			pkt_drop(w, p, DFP_DP_DROP_FLOW_TABLE_FULL);
			return false;
		}
		st = dfp_flow_state(f);
		/* Opened from outside: RECV_ACCEPT; from inside: CONNECT. */
		st->inbound_initiator = b->inbound;
		STAT_ADD(w, flows_created, 1);
	}
	p->flow = f;
	cpkt_set_flow(w, p, f);
	return true;
}

/* True if a commit changed the flow's ALE layer since its decision. */
static inline bool
ale_layer_changed(const struct dfp_engine_ruleset *rs, const struct dfp_flow_state *st,
		unsigned int family)
{
	return dfp_engine_ruleset_layer_version(rs, layer_ale_auth(st->inbound_initiator,
		family)) != st->ale_generation;
}

/*
 * Append a packet to a pended flow's hold queue (room checked by the
 * caller); false if the table's pool of queues is exhausted.
 */
static bool
hold_append(struct dp_worker *w, struct dfp_flow_state *st, struct rte_mbuf *m)
{
	void **q = dfp_flow_hold_queue(w->flows, st, true);

	if (q == NULL)
		return false;
	q[st->n_held++] = m;
	STAT_ADD(w, held_now, 1);
	return true;
}

/*
 * Hold a packet of a pended flow; counted as an overflow if no queue is
 * free. A held first fragment's followers will be held with it.
 */
static void
hold(struct dp_worker *w, struct dfp_flow_state *st, struct dp_pkt *p)
{
	if (!hold_append(w, st, p->m)) {
		st->n_held_dropped++;
		pkt_drop(w, p, DFP_DP_DROP_HOLD_OVERFLOW);
		return;
	}
	STAT_ADD(w, held_packets, 1);
	p->dead = true;
	if (unlikely(p->info.frag & DFP_DP_FRAG_FIRST))
		frag_record_held(w, &p->info, dfp_flow_id(p->flow));
}

/* Room for one more held packet of a pended flow (the configured bound). */
static inline bool
hold_has_room(const struct dp_worker *w, const struct dfp_flow_state *st)
{
	return st->n_held < RTE_MIN(w->dp->conf.hold_packets, (uint32_t)DFP_FLOW_HOLD_MAX);
}

/*
 * The pended flow holding a later fragment's first fragment (record
 * DP_FRAG_HELD), or NULL with *reason set: the flow ended (FLOW_ENDED), or
 * its pend was completed without the first fragment walking again, which
 * only a block does (PEND_BLOCKED); any other outcome re-recorded it.
 */
static struct dfp_flow_state *
frag_held_by(struct dp_worker *w, const struct dp_frag *e, enum dfp_dp_drop *reason)
{
	struct dfp_flow *f = dfp_flow_lookup_id(w->flows, e->flow_id);
	struct dfp_flow_state *st;

	if (f == NULL) {
		*reason = DFP_DP_DROP_FLOW_ENDED;
		return NULL;
	}
	st = dfp_flow_state(f);
	if (st->phase != DFP_FLOW_PHASE_PENDED) {
		*reason = DFP_DP_DROP_PEND_BLOCKED;
		return NULL;
	}
	return st;
}

/* A later fragment arriving while its first fragment is held: hold it too. */
static void
frag_hold(struct dp_worker *w, struct dp_pkt *p, const struct dp_frag *e)
{
	enum dfp_dp_drop reason = DFP_DP_DROP_NONE;
	struct dfp_flow_state *st = frag_held_by(w, e, &reason);

	if (st == NULL) {
		pkt_drop(w, p, reason);
		return;
	}
	if (!hold_has_room(w, st)) {
		st->n_held_dropped++;
		pkt_drop(w, p, DFP_DP_DROP_HOLD_OVERFLOW);
		return;
	}
	hold(w, st, p);
}

/* Pass 2 for one IP packet: flow, ALE, then the rest of the walk. */
static void
walk_flow(struct dp_worker *w, struct dp_burst *b, struct dp_pkt *p, uint64_t now)
{
	const struct dfp_engine_ruleset *rs = b->rs;
	uint16_t arrival = (uint16_t)(b->port - w->dp->ports);
	struct dfp_flow_state *st;
	struct dfp_flow *f;

	/* Non-first fragments follow their first fragment [port]. */
	if ((p->info.frag & DFP_DP_FRAG_IS_FRAGMENT) && !(p->info.frag & DFP_DP_FRAG_FIRST)) {
		const struct dp_frag *e = frag_find(w, &p->info, now);

		if (e == NULL) {
			pkt_drop(w, p, DFP_DP_DROP_FRAG_NO_FLOW);
			return;
		}
		if (unlikely(e->drop == DP_FRAG_HELD)) {
			frag_hold(w, p, e);
			return;
		}
		if (e->drop != DFP_DP_DROP_NONE) {
			pkt_drop(w, p, (enum dfp_dp_drop)e->drop);
			return;
		}
		batch_add(w, &b->batch, p, arrival, 0);
		return;
	}
	if (!flow_attach(w, b, p, now) || p->dead)
		return;
	f = p->flow;
	if (f == NULL) {
		/* Fail-open without a flow: per-packet layers only. */
		if (p->info.frag & DFP_DP_FRAG_FIRST)
			frag_record(w, &p->info, DFP_DP_DROP_NONE);
		batch_add(w, &b->batch, p, arrival, 0);
		return;
	}
	st = dfp_flow_state(f);
	/* An earlier packet of the batch establishes this flow: its verdict first. */
	if (unlikely(b->batch.n_est != 0) && st->phase == DFP_FLOW_PHASE_AUTHORIZED &&
			batch_establishes(&b->batch, f))
		batch_flush(w, rs, &b->batch);
	dfp_flow_state_count(st, p->fdir, p->info.frame_len, now);

	switch (st->phase) {
	case DFP_FLOW_PHASE_BLOCKED:
		/*
		 * The cached block stands while the flow's ALE layer is unchanged.
		 * A commit that changed it lets the next packet be authorised
		 * afresh: a flow that was never permitted is authorised, not
		 * re-authorised [port], as WFP classifies a refused connection's
		 * next attempt.
		 */
		if (!ale_layer_changed(rs, st, p->info.family)) {
			pkt_drop(w, p, DFP_DP_DROP_FILTER_BLOCK);
			return;
		}
		phase_set(st, DFP_FLOW_PHASE_NEW);
		/* Fall through. */
	case DFP_FLOW_PHASE_NEW:
		if (!ale_authorize(w, rs, p, st, 0)) {
			if (st->phase == DFP_FLOW_PHASE_PENDED)
				hold(w, st, p);
			return;
		}
		break;
	case DFP_FLOW_PHASE_PENDED:
		if (!hold_has_room(w, st)) {
			st->n_held_dropped++;
			pkt_drop(w, p, DFP_DP_DROP_HOLD_OVERFLOW);
			return;
		}
		hold(w, st, p);
		return;
	default:
		/* A commit changed this flow's ALE layer: re-authorise (POLICY_CHANGE). */
		if (ale_layer_changed(rs, st, p->info.family)) {
			if (!ale_authorize(w, rs, p, st, DFP_REAUTH_REASON_POLICY_CHANGE))
				return;
		} else if (st->ale_action == DFP_ACTION_BLOCK) {
			/* Blocked by an earlier re-authorisation. */
			pkt_drop(w, p, DFP_DP_DROP_FILTER_BLOCK);
			return;
		}
		break;
	}
	if (likely(b->batch.active == 0))
		walk_authorized_now(w, p, arrival);
	else
		walk_authorized(w, rs, &b->batch, p, arrival);
}

/* ---- Completions of pended classifications ---- */

/*
 * A released later fragment: its first fragment came out of the hold
 * queue before it and recorded its fate, or was pended again (it stays
 * held with it).
 */
static void
frag_release(struct dp_worker *w, const struct dfp_engine_ruleset *rs, struct dp_batch *bt,
		struct dp_pkt *p, uint16_t arrival_port, uint64_t now)
{
	const struct dp_frag *e = frag_find(w, &p->info, now);
	enum dfp_dp_drop reason = DFP_DP_DROP_NONE;
	struct dfp_flow_state *st;

	if (e == NULL) {
		pkt_drop(w, p, DFP_DP_DROP_FRAG_NO_FLOW);
		return;
	}
	if (e->drop == DP_FRAG_HELD) {
		st = frag_held_by(w, e, &reason);
		if (st == NULL) {
			pkt_drop(w, p, reason);
		} else if (!hold_append(w, st, p->m)) {
			st->n_held_dropped++;
			pkt_drop(w, p, DFP_DP_DROP_HOLD_OVERFLOW);
		}
		return;
	}
	if (e->drop != DFP_DP_DROP_NONE) {
		pkt_drop(w, p, (enum dfp_dp_drop)e->drop);
		return;
	}
	batch_add(w, bt, p, arrival_port, 0);
	batch_flush(w, rs, bt);
}

static void
completion_apply(struct dp_worker *w, const struct dfp_engine_ruleset *rs,
		const struct dfp_callout_completion *c)
{
	struct dfp_flow *f = dfp_flow_lookup_id(w->flows, c->flow_id);
	struct dp_batch bt;
	struct dfp_flow_key key;
	struct dfp_flow_state *st;
	struct dp_pkt p;
	uint16_t i, n, port;
	void *held[DFP_FLOW_HOLD_MAX];
	bool permit, inbound;
	uint64_t now;
	void **q;

	if (f == NULL)
		return; /* The flow ended meanwhile; its held packets went with it. */
	st = dfp_flow_state(f);
	if (st->phase != DFP_FLOW_PHASE_PENDED || st->pend_handle != c->handle)
		return;
	st->pend_handle = 0;
	batch_begin(&bt, rs);
	n = st->n_held;
	q = dfp_flow_hold_queue(w->flows, st, false);
	if (q != NULL)
		memcpy(held, q, n * sizeof(held[0]));
	else
		n = 0;
	STAT_SUB(w, held_now, st->n_held);
	/* Back to the pool; a packet pended again below takes a queue afresh. */
	dfp_flow_hold_release(w->flows, st);
	if (c->kind == DFP_CALLOUT_COMPLETE_REAUTH) {
		/* NULL classifyOut: classify again, as a completion re-authorisation. */
		phase_set(st, DFP_FLOW_PHASE_NEW);
		permit = true;
	} else {
		permit = c->out.action_type != DFP_ACTION_BLOCK;
		st->ale_action = permit ? DFP_ACTION_PERMIT : DFP_ACTION_BLOCK;
		phase_set(st, permit ? DFP_FLOW_PHASE_AUTHORIZED : DFP_FLOW_PHASE_BLOCKED);
	}
	now = rte_rdtsc();
	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = held[i];

		if (!permit) {
			/*
			 * A held first fragment's followers, held or still to come,
			 * are dropped for the same reason (frag_held_by()).
			 */
			drop(w, m, DFP_DP_DROP_PEND_BLOCKED);
			continue;
		}
		memset(&p, 0, sizeof(p));
		p.m = m;
		if (parse_mbuf(m, &p.info) != DFP_DP_DROP_NONE) {
			drop(w, m, (enum dfp_dp_drop)p.info.drop);
			continue;
		}
		port = (uint16_t)m->hash.usr;
		if ((p.info.frag & DFP_DP_FRAG_IS_FRAGMENT) && !(p.info.frag & DFP_DP_FRAG_FIRST)) {
			/* Its first fragment was released before it: follow its fate. */
			STAT_ADD(w, released_packets, 1);
			frag_release(w, rs, &bt, &p, port, now);
			continue;
		}
		if (dfp_flow_lookup_id(w->flows, c->flow_id) != f) {
			pkt_drop(w, &p, DFP_DP_DROP_FLOW_ENDED);
			continue;
		}
		inbound = w->dp->ports[port].role == DFP_DP_ROLE_OUTSIDE;
		values_fill(&p.values, &p.info, w->dp->ports[port].port_id, inbound);
		cpkt_fill(w, &p, inbound);
		cpkt_set_flow(w, &p, f);
		p.flow = f;
		p.fdir = pkt_flow_key(&p, &key);
		STAT_ADD(w, released_packets, 1);
		if (st->phase == DFP_FLOW_PHASE_NEW) {
			if (!ale_authorize(w, rs, &p, st, DFP_REAUTH_REASON_CLASSIFY_COMPLETION)) {
				if (st->phase == DFP_FLOW_PHASE_PENDED && !p.dead &&
						!hold_append(w, st, m)) {
					st->n_held_dropped++;
					pkt_drop(w, &p, DFP_DP_DROP_HOLD_OVERFLOW);
				}
				continue;
			}
		} else if (st->phase == DFP_FLOW_PHASE_BLOCKED) {
			pkt_drop(w, &p, DFP_DP_DROP_FILTER_BLOCK);
			continue;
		} else if (st->phase == DFP_FLOW_PHASE_PENDED) {
			if (!hold_append(w, st, m)) {
				st->n_held_dropped++;
				pkt_drop(w, &p, DFP_DP_DROP_HOLD_OVERFLOW);
			}
			continue;
		}
		/* One packet at a time: a released packet may end its flow for the next. */
		walk_authorized(w, rs, &bt, &p, port);
		batch_flush(w, rs, &bt);
	}
}

/* Apply up to 16 completions; returns how many there were. */
static unsigned int
completions_poll(struct dp_worker *w, const struct dfp_engine_ruleset *rs)
{
	struct dfp_callout_completion c[16];
	unsigned int n, i;

	n = dfp_callout_completion_poll(w->callouts, w->index, c, RTE_DIM(c));
	for (i = 0; i < n; i++)
		completion_apply(w, rs, &c[i]);
	return n;
}

/* ---- One burst ---- */

static void
burst_run(struct dp_worker *w, struct dp_burst *b, uint64_t now)
{
	struct dp_pkt *sel[2][DP_BURST_MAX];
	unsigned int i, n_sel[2], fam;
	bool inbound = b->inbound;

	/* Pass 1: parse, values, per-packet layers for the whole burst. */
	for (i = 0; i < b->n; i++) {
		struct dp_pkt *p = &b->pkts[i];

		p->dead = false;
		p->flow = NULL;
		STAT_ADD(w, rx_packets, 1);
		STAT_ADD(w, rx_bytes, rte_pktmbuf_pkt_len(p->m));
		if (parse_mbuf(p->m, &p->info) != DFP_DP_DROP_NONE) {
			pkt_drop(w, p, (enum dfp_dp_drop)p->info.drop);
			continue;
		}
		/* Remember the arrival port for held packets released later. */
		p->m->hash.usr = (uint32_t)(b->port - w->dp->ports);
		values_fill(&p->values, &p->info, b->port->port_id, inbound);
		cpkt_fill(w, p, inbound);
	}
	n_sel[0] = 0;
	for (i = 0; i < b->n; i++)
		if (!b->pkts[i].dead)
			sel[0][n_sel[0]++] = &b->pkts[i];
	classify_group(w, b, inbound ? DFP_LAYER_INBOUND_MAC_FRAME_ETHERNET :
		DFP_LAYER_OUTBOUND_MAC_FRAME_ETHERNET, sel[0], n_sel[0], NULL);
	/* The burst's flows, for the kept verdicts and then for pass 2. */
	flows_lookup(w, b);

	for (fam = 0; fam < 2; fam++) {
		unsigned int family = fam == 0 ? 4 : 6;

		n_sel[0] = 0;
		n_sel[1] = 0;
		for (i = 0; i < b->n; i++) {
			struct dp_pkt *p = &b->pkts[i];

			if (p->dead || p->info.family != family)
				continue;
			sel[0][n_sel[0]++] = p;
		}
		classify_kept(w, b, layer_ip(inbound, family), 0, family, sel[0], n_sel[0]);
		for (i = 0; i < n_sel[0]; i++) {
			struct dp_pkt *p = sel[0][i];

			/* Later fragments have no transport header: IPPACKET only. */
			if (!p->dead && (!(p->info.frag & DFP_DP_FRAG_IS_FRAGMENT) ||
					(p->info.frag & DFP_DP_FRAG_FIRST)))
				sel[1][n_sel[1]++] = p;
		}
		classify_kept(w, b, layer_transport(inbound, family), 1, family, sel[1], n_sel[1]);
	}

	/* Pass 2: non-IP frames go straight to the peer; IP packets walk their flow. */
	batch_begin(&b->batch, b->rs);
	for (i = 0; i < b->n; i++) {
		struct dp_pkt *p = &b->pkts[i];

		if (p->dead)
			continue;
		if (p->info.family == 0) {
			batch_add(w, &b->batch, p, (uint16_t)(b->port - w->dp->ports), 0);
			continue;
		}
		walk_flow(w, b, p, now);
	}
	batch_flush(w, b->rs, &b->batch);
}

/* ---- Aging ---- */

static void
on_flow_aged(void *arg, struct dfp_flow *f)
{
	struct dp_worker *w = arg;

	held_drop_all(w, dfp_flow_state(f), DFP_DP_DROP_FLOW_ENDED);
	/* The aging scan also ends aborted flows (FwpsFlowAbort0): those did not age. */
	if (!dfp_flow_abort_requested(f))
		STAT_ADD(w, flows_aged, 1);
	STAT_ADD(w, flows_ended, 1);
}

static void
on_flow_ended(void *arg, struct dfp_flow *f)
{
	struct dp_worker *w = arg;

	held_drop_all(w, dfp_flow_state(f), DFP_DP_DROP_SHUTDOWN);
	STAT_ADD(w, flows_ended, 1);
}

/* ---- The loop ---- */

/*
 * Aging at a rate set by time, not by loops: the whole table is swept about
 * DP_AGE_SWEEPS times per idle timeout however busy the worker is, so a flow
 * outlives its timeout by at most a fraction of it and churn cannot outrun
 * the sweep. Runs at most once per DP_AGE_PERIOD_US; each run examines the
 * entries due since the last one (dfp_flow_age() examines up to 4 x max).
 */
#define DP_AGE_SWEEPS 4
#define DP_AGE_PERIOD_US 1000
#define DP_AGE_MAX_PER_RUN 4096u

/* Returns the number of flows ended. */
static unsigned int
worker_age(struct dp_worker *w, uint64_t now)
{
	uint64_t timeout = w->dp->idle_timeout_tsc;
	uint64_t due, elapsed = now - w->age_last;
	uint32_t cap;

	if (elapsed < w->age_period_tsc)
		return 0;
	w->age_last = now;
	cap = w->dp->conf.flow_capacity;
	if (timeout == 0) {
		/* No idle timeout: still end aborted flows, slowly. */
		return dfp_flow_age(w->flows, now, 16, on_flow_aged, w);
	}
	/* Entries due: capacity * sweeps per timeout, pro rata for the elapsed time. */
	due = (uint64_t)cap * DP_AGE_SWEEPS * elapsed / timeout + 1;
	if (due > DP_AGE_MAX_PER_RUN * 4)
		due = DP_AGE_MAX_PER_RUN * 4;
	return dfp_flow_age(w->flows, now, (unsigned int)((due + 3) / 4), on_flow_aged, w);
}


void
dp_worker_init(struct dp_worker *w)
{
	w->env.invoke = dfp_callout_invoke;
	w->env.ctx = w->callouts;
	w->ruleset_slot = dfp_ctl_ruleset_slot(w->dp->ctl);
	w->frag_timeout_tsc = (uint64_t)DP_FRAG_TIMEOUT_S * rte_get_tsc_hz();
	w->age_period_tsc = rte_get_tsc_hz() * DP_AGE_PERIOD_US / 1000000;
	w->age_last = rte_rdtsc();
	if (w->dp->idle_timeout_tsc != 0 && w->dp->idle_timeout_tsc < w->frag_timeout_tsc)
		w->frag_timeout_tsc = w->dp->idle_timeout_tsc;
}

/*
 * Before each start (control thread, the worker not running): forget the
 * previous run's fragment records and time stamps. Flows, held packets
 * and transmit buffers were emptied by dp_worker_drain().
 */
void
dp_worker_reset(struct dp_worker *w)
{
	uint64_t now = rte_rdtsc();

	memset(w->frags, 0, sizeof(w->frags));
	memset(w->tx_n, 0, sizeof(w->tx_n));
	w->age_last = now;
	/* The quiet time of dfp_dp_wait_idle() counts from the start. */
	__atomic_store_n(&w->last_rx_tsc, now, __ATOMIC_RELAXED);
}

/* One loop iteration: every rx queue once, completions, housekeeping. */
static unsigned int
worker_iterate(struct dp_worker *w, struct dp_burst *b)
{
	struct rte_mbuf *mbufs[DP_BURST_MAX];
	unsigned int q, i, total = 0;
	uint64_t now = rte_rdtsc();
	unsigned int events;

	/* Snapshot the ruleset once per iteration (valid until our quiescent report). */
	b->rs = dfp_ctl_ruleset_get(w->ruleset_slot);
	events = completions_poll(w, b->rs);
	for (q = 0; q < w->n_rxqs; q++) {
		const struct dp_rxq *rq = &w->rxqs[q];
		uint16_t n;

		n = rte_eth_rx_burst(w->dp->ports[rq->port].port_id, rq->queue, mbufs,
			(uint16_t)w->dp->conf.burst);
		if (n == 0)
			continue;
		/* Relaxed, once per non-empty burst: dfp_dp_wait_idle()'s quiet time. */
		__atomic_store_n(&w->last_rx_tsc, now, __ATOMIC_RELAXED);
		b->port = &w->dp->ports[rq->port];
		b->inbound = b->port->role == DFP_DP_ROLE_OUTSIDE;
		b->n = n;
		for (i = 0; i < n; i++)
			b->pkts[i].m = mbufs[i];
		burst_run(w, b, now);
		total += n;
	}
	tx_flush(w);
	events += worker_age(w, now) + total;
	/* Publish once, after the transmits: a flush never shows rx without its tx. */
	if (events != 0)
		stats_flush(w);
	return total;
}

int
dp_worker_main(void *arg)
{
	struct dp_worker *w = arg;
	struct dp_burst *b;

	/* The burst scratch lives on this lcore's stack (about 40 KB). */
	struct dp_burst burst;

	b = &burst;
	if (dfp_ctl_reader_register(w->dp->ctl, w->index) != DFP_STATUS_SUCCESS)
		return -1;
	while (__atomic_load_n(&w->running, __ATOMIC_ACQUIRE)) {
		worker_iterate(w, b);
		dfp_ctl_reader_quiescent(w->dp->ctl, w->index);
	}
	tx_flush(w);
	stats_flush(w);
	dfp_ctl_reader_unregister(w->dp->ctl, w->index);
	return 0;
}

/*
 * After the loop stopped (control thread, acting as the owner): apply every
 * outstanding completion, then end every flow so each context's
 * flowDeleteFn runs once, accounting for every held packet. Released
 * packets walk the ruleset, so the caller takes the worker's RCU reader id
 * meanwhile: a concurrent commit cannot free the ruleset under the walk.
 */
void
dp_worker_drain(struct dp_worker *w)
{
	bool reader = dfp_ctl_reader_register(w->dp->ctl, w->index) == DFP_STATUS_SUCCESS;

	while (completions_poll(w, dfp_ctl_ruleset_get(w->ruleset_slot)) != 0)
		;
	tx_flush(w);
	if (reader)
		dfp_ctl_reader_unregister(w->dp->ctl, w->index);
	dfp_flow_table_end_all(w->flows, on_flow_ended, w);
	stats_flush(w);
}
