/* SPDX-License-Identifier: BSD-3-Clause */
/* The datapath test fixture (dp_fixture.h). */
#include <arpa/inet.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include <cmocka.h>

#include "dfp_guid.h"
#include "dp_fixture.h"

static unsigned int fx_seq;

/* ---- Time ---- */

static uint64_t
deadline(unsigned int ms)
{
	return rte_get_tsc_cycles() + rte_get_tsc_hz() * ms / 1000;
}

void
fx_sleep_ms(unsigned int ms)
{
	usleep(ms * 1000u);
}

/* ---- Frames ---- */

static void
put16(uint8_t *p, uint16_t v)
{
	v = htons(v);
	memcpy(p, &v, 2);
}

unsigned int
fx_l2_len(const struct frame_spec *fs)
{
	return 14u + 4u * fs->n_vlans;
}

struct rte_mbuf *
fx_frame(struct fx *f, const struct frame_spec *fs)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(f->pool);
	bool later = fs->frag_off != 0;
	uint16_t l4 = later ? 0 : (fs->proto == 6 ? 20 : 8);
	uint16_t ip_len = (uint16_t)(20 + l4 + fs->payload);
	unsigned int l2 = fx_l2_len(fs);
	uint8_t *b, *ip;
	unsigned int i;
	uint32_t a;

	assert_non_null(m);
	assert_true(fs->n_vlans <= 2);
	b = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(l2 + ip_len));
	assert_non_null(b);
	memset(b, 0, l2 + ip_len);
	memcpy(b, "\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01", 12);
	for (i = 0; i < fs->n_vlans; i++) {
		/* QinQ: 802.1ad outer tag, 802.1Q inner. */
		put16(b + 12 + 4 * i, fs->n_vlans == 2 && i == 0 ? 0x88A8 : 0x8100);
		put16(b + 14 + 4 * i, fs->vlans[i] & 0x0FFF);
	}
	put16(b + l2 - 2, 0x0800);
	ip = b + l2;
	ip[0] = 0x45;
	put16(ip + 2, ip_len);
	put16(ip + 4, fs->ip_id);
	put16(ip + 6, (uint16_t)((fs->more_frags ? 0x2000 : 0) | (fs->frag_off >> 3)));
	ip[8] = 64;
	ip[9] = fs->proto;
	inet_pton(AF_INET, fs->src, &a);
	memcpy(ip + 12, &a, 4);
	inet_pton(AF_INET, fs->dst, &a);
	memcpy(ip + 16, &a, 4);
	if (later)
		return m;
	put16(ip + 20, fs->sport);
	put16(ip + 22, fs->dport);
	if (fs->proto == 6) {
		ip[32] = 5 << 4;
		ip[33] = fs->tcp_flags;
	} else {
		put16(ip + 24, (uint16_t)(8 + fs->payload));
	}
	return m;
}

void
fx_inject(struct fx_port *p, struct rte_mbuf *m)
{
	assert_int_equal(rte_ring_enqueue(p->rx, m), 0);
}

struct frame_spec
fx_conn_spec(const char *client, const char *server, bool from_client, uint8_t proto,
		uint16_t cport, uint16_t sport, uint8_t tcp_flags, uint16_t payload)
{
	struct frame_spec fs;

	memset(&fs, 0, sizeof(fs));
	fs.src = from_client ? client : server;
	fs.dst = from_client ? server : client;
	fs.sport = from_client ? cport : sport;
	fs.dport = from_client ? sport : cport;
	fs.proto = proto;
	fs.tcp_flags = tcp_flags;
	fs.payload = payload;
	return fs;
}

void
fx_send(struct fx *f, struct fx_port *p, const struct frame_spec *fs)
{
	fx_inject(p, fx_frame(f, fs));
}

unsigned int
fx_collect(struct fx_port *p, unsigned int want, struct rte_mbuf **keep, unsigned int keep_n)
{
	uint64_t end = deadline(FX_WAIT_MS);
	unsigned int got = 0;
	void *m;

	if (want == 0) {
		want = 1;
		end = deadline(FX_QUIET_MS);
	}
	while (got < want && rte_get_tsc_cycles() < end) {
		if (rte_ring_dequeue(p->tx, &m) != 0) {
			usleep(200);
			continue;
		}
		if (keep != NULL && got < keep_n)
			keep[got] = m;
		else
			rte_pktmbuf_free(m);
		got++;
	}
	return got;
}

void
fx_settle(struct fx *f)
{
	uint64_t end = deadline(FX_WAIT_MS);

	while ((rte_ring_count(f->out.rx) || rte_ring_count(f->in.rx)) &&
			rte_get_tsc_cycles() < end)
		usleep(200);
	usleep(20000);
}

void
fx_stats(struct fx *f, struct dfp_dp_stats *s)
{
	dfp_dp_stats_get(f->dp, s);
}

uint64_t
fx_drops(const struct dfp_dp_stats *s)
{
	return dfp_dp_stats_drops(s);
}

void
fx_assert_accounting(struct fx *f)
{
	uint64_t end = deadline(FX_WAIT_MS);
	struct dfp_dp_stats s;

	do {
		fx_stats(f, &s);
		if (s.rx_packets == s.tx_packets + fx_drops(&s) + s.held_now)
			break;
		usleep(1000);
	} while (rte_get_tsc_cycles() < end);
	if (s.rx_packets != s.tx_packets + fx_drops(&s) + s.held_now)
		print_error("rx %" PRIu64 " != tx %" PRIu64 " + drops %" PRIu64 " + held %" PRIu64 "\n",
			s.rx_packets, s.tx_packets, fx_drops(&s), s.held_now);
	assert_int_equal(s.rx_packets, s.tx_packets + fx_drops(&s) + s.held_now);
}

uint64_t
fx_wait_u64(const uint64_t *v, uint64_t want, unsigned int ms)
{
	uint64_t end = deadline(ms);
	uint64_t x;

	while ((x = __atomic_load_n(v, __ATOMIC_ACQUIRE)) < want && rte_get_tsc_cycles() < end)
		usleep(200);
	return x;
}

uint64_t
fx_wait_stat(struct fx *f, size_t off, uint64_t want, unsigned int ms)
{
	uint64_t end = deadline(ms);
	struct dfp_dp_stats s;
	uint64_t x;

	for (;;) {
		fx_stats(f, &s);
		memcpy(&x, (const uint8_t *)&s + off, sizeof(x));
		if (x >= want || rte_get_tsc_cycles() >= end)
			return x;
		usleep(500);
	}
}

/* ---- Fixture ---- */

static void
port_make(struct fx_port *p, const char *name)
{
	char n[64];
	int rc;

	snprintf(n, sizeof(n), "%s_rx%u", name, fx_seq);
	p->rx = rte_ring_create(n, 1024, (int)rte_socket_id(), RING_F_SP_ENQ | RING_F_SC_DEQ);
	snprintf(n, sizeof(n), "%s_tx%u", name, fx_seq);
	p->tx = rte_ring_create(n, 1024, (int)rte_socket_id(), RING_F_SP_ENQ | RING_F_SC_DEQ);
	assert_non_null(p->rx);
	assert_non_null(p->tx);
	snprintf(n, sizeof(n), "dfp_%s%u", name, fx_seq);
	rc = rte_eth_from_rings(n, &p->rx, 1, &p->tx, 1, (unsigned int)rte_socket_id());
	assert_true(rc >= 0);
	p->port_id = (uint16_t)rc;
}

int
fx_setup_opts(void **state, const struct fx_opts *o)
{
	static const struct fx_opts none;
	struct dfp_ctl_params cp;
	struct dfp_dp_conf c;
	struct fx *f;
	char n[64];

	if (o == NULL)
		o = &none;
	if (rte_lcore_count() < 2)
		return -1;
	f = calloc(1, sizeof(*f));
	if (f == NULL)
		return -1;
	*state = f;
	fx_seq++;
	snprintf(n, sizeof(n), "dp_test_pool%u", fx_seq);
	f->pool = rte_pktmbuf_pool_create(n, 4096, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
		(int)rte_socket_id());
	if (f->pool == NULL)
		return -1;
	port_make(&f->out, "o");
	port_make(&f->in, "i");
	memset(&cp, 0, sizeof(cp));
	cp.n_workers = 1;
	cp.pend_timeout_ms = o->pend_timeout_ms ? o->pend_timeout_ms : 500;
	if (dfp_ctl_create(&cp, &f->ctl) != DFP_STATUS_SUCCESS ||
			dfp_ctl_session_open(f->ctl, 0, &f->s) != DFP_STATUS_SUCCESS)
		return -1;
	memset(&c, 0, sizeof(c));
	c.n_ports = 2;
	snprintf(c.ports[0].name, sizeof(c.ports[0].name), "wan");
	c.ports[0].port_id = f->out.port_id;
	c.ports[0].role = DFP_DP_ROLE_OUTSIDE;
	c.ports[0].peer = 1;
	c.ports[0].rx_queues = 1;
	snprintf(c.ports[1].name, sizeof(c.ports[1].name), "lan");
	c.ports[1].port_id = f->in.port_id;
	c.ports[1].role = DFP_DP_ROLE_INSIDE;
	c.ports[1].peer = 0;
	c.ports[1].rx_queues = 1;
	c.n_workers = 1;
	c.worker_lcores[0] = rte_get_next_lcore(rte_get_main_lcore(), 1, 0);
	c.burst = 32;
	c.flow_capacity = o->flow_capacity ? o->flow_capacity : 1024;
	c.idle_timeout_s = o->idle_timeout_s ? o->idle_timeout_s : 60;
	c.hold_packets = o->hold_packets ? o->hold_packets : 8;
	c.full_policy = o->full_policy;
	c.tcp_pickup = o->tcp_pickup;
	c.mbufs = 8192;
	if (dfp_dp_create(&c, f->ctl, &f->dp) != DFP_STATUS_SUCCESS ||
			dfp_dp_start(f->dp) != DFP_STATUS_SUCCESS)
		return -1;
	return 0;
}

int
fx_setup(void **state)
{
	return fx_setup_opts(state, NULL);
}

static void
port_free(struct fx_port *p)
{
	void *m;

	if (p->tx != NULL)
		while (rte_ring_dequeue(p->tx, &m) == 0)
			rte_pktmbuf_free(m);
	if (p->rx != NULL)
		while (rte_ring_dequeue(p->rx, &m) == 0)
			rte_pktmbuf_free(m);
	rte_ring_free(p->rx);
	rte_ring_free(p->tx);
}

int
fx_teardown(void **state)
{
	struct fx *f = *state;
	unsigned int i;

	if (f == NULL)
		return 0;
	if (f->dp != NULL) {
		dfp_dp_stop(f->dp);
		/* Accounting still closes once everything held was let go. */
		fx_assert_accounting(f);
		dfp_dp_free(f->dp);
	}
	/* Every flow ended with the datapath: no context keeps a callout busy. */
	for (i = 0; i < f->n_callouts; i++)
		assert_int_equal(dfp_ctl_callout_unregister_by_id(f->ctl, f->callouts[i]),
			DFP_STATUS_SUCCESS);
	dfp_ctl_session_close(f->s);
	dfp_ctl_destroy(f->ctl);
	port_free(&f->out);
	port_free(&f->in);
	rte_mempool_free(f->pool);
	free(f);
	*state = NULL;
	return 0;
}

/* ---- Filters and callouts ---- */

uint64_t
fx_filter_add(struct fx *f, uint16_t layer, uint32_t action, uint64_t weight,
		const struct dfp_engine_cond *conds, unsigned int n_conds,
		const struct dfp_guid *callout_key)
{
	struct dfp_engine_filter_spec spec;
	uint64_t id = 0;

	memset(&spec, 0, sizeof(spec));
	spec.name = "test-filter";
	spec.layer_id = layer;
	spec.weight_type = DFP_ENGINE_WEIGHT_EXPLICIT;
	spec.weight = weight;
	spec.action = action;
	if (callout_key != NULL)
		spec.callout_key = *callout_key;
	spec.conds = conds;
	spec.n_conds = n_conds;
	assert_int_equal(dfp_ctl_filter_add(f->s, &spec, &id), DFP_STATUS_SUCCESS);
	return id;
}

uint64_t
fx_add_port_filter(struct fx *f, uint16_t layer, uint16_t local_port, uint32_t action)
{
	struct dfp_engine_cond c;

	memset(&c, 0, sizeof(c));
	c.field = DFP_FIELD_IP_LOCAL_PORT;
	c.match = DFP_MATCH_EQUAL;
	c.value.lo = local_port;
	return fx_filter_add(f, layer, action, 10, &c, 1, NULL);
}

static dfp_status_t
accept_notify(void *ctx, enum dfp_notify_type type, const struct dfp_guid *key,
		struct dfp_engine_filter_rt *filter)
{
	(void)ctx;
	(void)type;
	(void)key;
	(void)filter;
	return DFP_STATUS_SUCCESS;
}

uint32_t
fx_callout_add(struct fx *f, const char *name, uint16_t layer, dfp_callout_classify_fn classify,
		dfp_callout_flow_delete_fn flow_delete, void *ctx, uint32_t pend_default_action,
		struct dfp_guid *key)
{
	struct dfp_engine_callout_spec cs;
	struct dfp_callout_desc d;
	uint32_t id = 0;

	memset(&d, 0, sizeof(d));
	dfp_guid_generate(&d.key);
	d.classify = classify;
	d.notify = accept_notify;
	d.flow_delete = flow_delete;
	d.ctx = ctx;
	d.pend_default_action = pend_default_action;
	d.name = name;
	assert_int_equal(dfp_ctl_callout_register(f->ctl, &d, &id), DFP_STATUS_SUCCESS);
	assert_true(f->n_callouts < RTE_DIM(f->callouts));
	f->callouts[f->n_callouts++] = id;
	memset(&cs, 0, sizeof(cs));
	cs.key = d.key;
	cs.name = name;
	cs.layer_id = layer;
	assert_int_equal(dfp_ctl_callout_add(f->s, &cs, NULL), DFP_STATUS_SUCCESS);
	if (key != NULL)
		*key = d.key;
	return id;
}

static void
pend_classify(const struct dfp_callout_classify_in *in, const struct dfp_engine_filter_rt *filter,
		uint64_t flow_context, struct dfp_classify_out *out)
{
	struct fx *f = in->callout_ctx;
	struct dfp_callout_rt *rt = dfp_ctl_callouts(f->ctl);
	unsigned int n;
	uint64_t h;

	(void)flow_context;
	if (!(out->rights & DFP_RIGHT_ACTION_WRITE))
		return;
	if (dfp_callout_handle_acquire(rt, in->classify_context, &h) != DFP_STATUS_SUCCESS)
		return;
	n = __atomic_load_n(&f->n_pended, __ATOMIC_RELAXED);
	if (n < FX_MAX_PENDED &&
			dfp_callout_handle_pend(rt, h, filter->filter_id, out) == DFP_STATUS_SUCCESS) {
		f->pended[n] = h;
		__atomic_store_n(&f->n_pended, n + 1, __ATOMIC_RELEASE);
	} else {
		dfp_callout_handle_release(rt, h);
	}
}

void
fx_pend_setup(struct fx *f, uint16_t port, uint32_t pend_default_action)
{
	struct dfp_engine_cond c;
	struct dfp_guid key;

	fx_callout_add(f, "pender", DFP_LAYER_ALE_AUTH_RECV_ACCEPT_V4, pend_classify, NULL, f,
		pend_default_action, &key);
	memset(&c, 0, sizeof(c));
	c.field = DFP_FIELD_IP_LOCAL_PORT;
	c.match = DFP_MATCH_EQUAL;
	c.value.lo = port;
	fx_filter_add(f, DFP_LAYER_ALE_AUTH_RECV_ACCEPT_V4, DFP_ACTION_CALLOUT_TERMINATING, 10,
		&c, 1, &key);
}

uint64_t
fx_wait_pended(struct fx *f, unsigned int n)
{
	uint64_t end = deadline(FX_WAIT_MS);
	unsigned int got;

	while ((got = __atomic_load_n(&f->n_pended, __ATOMIC_ACQUIRE)) < n &&
			rte_get_tsc_cycles() < end)
		usleep(200);
	return got >= n && n > 0 ? f->pended[n - 1] : 0;
}
