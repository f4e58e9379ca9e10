/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fixture of the datapath tests (suite 'dp'): the datapath through real PMDs
 * in-process. Two net_ring ports, outside and inside, peers of each other,
 * one worker lcore; frames are injected into a port's rx ring and collected
 * from its peer's tx ring. Every wait is bounded.
 *
 * Also: a frame builder (Ethernet, optional 802.1Q/QinQ tags, IPv4 with
 * optional fragmentation, TCP/UDP), filter and callout helpers, and a pend
 * callout at ALE_AUTH_RECV_ACCEPT_V4 that records its classify handles.
 * Helpers assert with cmocka; call them from tests only.
 */
#ifndef DFP_TEST_DP_FIXTURE_H
#define DFP_TEST_DP_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dfp_callout.h"
#include "dfp_ctl.h"
#include "dfp_dp.h"

struct rte_mbuf;
struct rte_mempool;
struct rte_ring;

/* Longest wait for something expected. */
#define FX_WAIT_MS 3000
/* Time to wait when expecting that nothing comes out. */
#define FX_QUIET_MS 300

/* Most pends the fixture's pend callout records. */
#define FX_MAX_PENDED 32

/* One net_ring port. */
struct fx_port {
	struct rte_ring *rx;      /* The test enqueues here: the port receives it. */
	struct rte_ring *tx;      /* The port transmits here: the test dequeues it. */
	uint16_t port_id;
};

/* Datapath options a test may change; 0 = the default in brackets. */
struct fx_opts {
	uint32_t flow_capacity;               /* Flows per worker (1024). */
	uint32_t idle_timeout_s;              /* Idle timeout (60). */
	uint32_t hold_packets;                /* Held packets per pended flow (8). */
	enum dfp_dp_full_policy full_policy;  /* Full flow table (fail-closed). */
	uint32_t pend_timeout_ms;             /* Pend timeout (500). */
	bool tcp_pickup;                      /* Mid-stream TCP pickup (no). */
};

struct fx {
	struct dfp_ctl *ctl;
	struct dfp_ctl_session *s;
	struct dfp_dp *dp;
	struct rte_mempool *pool;
	struct fx_port out;       /* Outside port: arrivals are INBOUND. */
	struct fx_port in;        /* Inside port: arrivals are OUTBOUND. */
	/* Handles pended by the pend callout (fx_pend_setup()), in pend order. */
	uint64_t pended[FX_MAX_PENDED];
	unsigned int n_pended;    /* Written by the worker (release), read with acquire. */
	/* Callouts registered by fx_callout_add(), unregistered by the teardown. */
	uint32_t callouts[8];
	unsigned int n_callouts;
};

/* cmocka setup/teardown with default options. */
int fx_setup(void **state);
int fx_teardown(void **state);

/* Setup with options (for group-specific setups). */
int fx_setup_opts(void **state, const struct fx_opts *o);

/* ---- Frames ---- */

/* One IPv4 frame. Fields after ip_id are optional (zero = none). */
struct frame_spec {
	const char *src, *dst;
	uint16_t sport, dport;
	uint8_t proto;            /* 6 (TCP) or 17 (UDP). */
	uint8_t tcp_flags;
	uint16_t payload;         /* Transport payload bytes. */
	uint16_t ip_id;
	uint8_t n_vlans;          /* 0, 1 (802.1Q) or 2 (802.1ad outer, 802.1Q inner). */
	uint16_t vlans[2];        /* VLAN ids, outer first. */
	uint16_t frag_off;        /* Fragment offset in bytes (multiple of 8); non-zero:
				   * a later fragment (no transport header). */
	bool more_frags;          /* MF set. */
};

/*
 * A packet of one connection between `client` (cport) and `server` (sport),
 * sent by the client when from_client, else by the server.
 */
struct frame_spec fx_conn_spec(const char *client, const char *server, bool from_client,
		uint8_t proto, uint16_t cport, uint16_t sport, uint8_t tcp_flags, uint16_t payload);

/* Ethernet header length of a spec (14 + 4 per tag). */
unsigned int fx_l2_len(const struct frame_spec *fs);

struct rte_mbuf *fx_frame(struct fx *f, const struct frame_spec *fs);
void fx_inject(struct fx_port *p, struct rte_mbuf *m);
/* fx_inject(p, fx_frame(f, fs)). */
void fx_send(struct fx *f, struct fx_port *p, const struct frame_spec *fs);

/*
 * Wait until `want` frames came out of p (or time runs out); returns how
 * many. Keeps the first keep_n in keep (caller frees), frees the rest.
 * Expecting none (want 0) waits FX_QUIET_MS for strays.
 */
unsigned int fx_collect(struct fx_port *p, unsigned int want, struct rte_mbuf **keep,
		unsigned int keep_n);

/* Let the worker finish what it has (rx rings empty, then a little more). */
void fx_settle(struct fx *f);

/* Sleep ms milliseconds. */
void fx_sleep_ms(unsigned int ms);

/* Counters. */
void fx_stats(struct fx *f, struct dfp_dp_stats *s);

/* Sum of drops over every reason. */
uint64_t fx_drops(const struct dfp_dp_stats *s);

/*
 * Accounting closes: rx_packets == tx_packets + drops + held_now (waits,
 * bounded, for a burst in flight to finish, then asserts).
 */
void fx_assert_accounting(struct fx *f);

/* Wait (bounded by ms) until *v >= want (acquire loads); returns the last value. */
uint64_t fx_wait_u64(const uint64_t *v, uint64_t want, unsigned int ms);

/* Wait (bounded by ms) until the counter at offset `off` of struct dfp_dp_stats >= want. */
uint64_t fx_wait_stat(struct fx *f, size_t off, uint64_t want, unsigned int ms);
#define FX_WAIT_STAT(f, field, want, ms) \
	fx_wait_stat((f), offsetof(struct dfp_dp_stats, field), (want), (ms))

/* ---- Filters and callouts ---- */

/* Add a filter (implicit commit); returns its id. callout_key NULL for non-callout actions. */
uint64_t fx_filter_add(struct fx *f, uint16_t layer, uint32_t action, uint64_t weight,
		const struct dfp_engine_cond *conds, unsigned int n_conds,
		const struct dfp_guid *callout_key);

/* A filter on IP_LOCAL_PORT == port (weight 10). */
uint64_t fx_add_port_filter(struct fx *f, uint16_t layer, uint16_t local_port, uint32_t action);

/*
 * Register a callout and add its management object at `layer`; returns its
 * id, and its key in *key. flow_delete may be NULL. notifyFn accepts all.
 */
uint32_t fx_callout_add(struct fx *f, const char *name, uint16_t layer,
		dfp_callout_classify_fn classify, dfp_callout_flow_delete_fn flow_delete, void *ctx,
		uint32_t pend_default_action, struct dfp_guid *key);

/*
 * The pend callout: a terminating callout at ALE_AUTH_RECV_ACCEPT_V4 on
 * IP_LOCAL_PORT == port that pends every classification it may pend and
 * records the handle in f->pended. pend_default_action: its timeout default.
 */
void fx_pend_setup(struct fx *f, uint16_t port, uint32_t pend_default_action);

/* Wait until at least n pends were recorded; returns the n-th handle, or 0. */
uint64_t fx_wait_pended(struct fx *f, unsigned int n);

#endif
