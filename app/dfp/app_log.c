/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The modules' log (dfp_module_host.log) without a syscall on a worker.
 *
 * A module may log from any thread: a flowDeleteFn runs on the worker that
 * ends a flow (FIN, aging), a classifyFn always runs on one. rte_log writes
 * to stderr or syslog at once, which is a system call on the hot path. So a
 * line logged on a worker lcore is formatted into a preallocated entry and
 * queued on a ring; the control thread's main loop (every 10 ms) and the
 * shutdown sequence write the queued lines out, in the order each worker
 * queued them. Control threads (the main lcore, console, control-socket and
 * telemetry threads) write directly.
 *
 * Entries come from a free ring (multi-producer, multi-consumer); the log
 * ring is multi-producer (workers), single-consumer (app_log_drain runs on
 * one thread at a time under drain_lock). When no entry is free or the ring
 * is full the line is counted as dropped, never waited for; the count is
 * reported by the next drain and in the final statistics.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_ring.h>

#include "app.h"

/* Queued lines at most (a power of two); 512 bytes each. */
#define APP_LOG_ENTRIES 1024u
#define APP_LOG_LINE 480

struct app_log_entry {
	uint32_t level;
	char module[28];
	char line[APP_LOG_LINE];
};

static struct {
	struct rte_ring *queue;     /* Lines waiting to be written (MP/SC). */
	struct rte_ring *free;      /* Unused entries (MP/MC). */
	struct app_log_entry *entries;
	pthread_mutex_t drain_lock;
	_Atomic uint64_t dropped;   /* Lines lost: no entry or the ring full. */
	uint64_t dropped_reported;  /* Under drain_lock. */
	_Atomic uint64_t queued;    /* Lines queued by workers since start. */
} app_log = {.drain_lock = PTHREAD_MUTEX_INITIALIZER};

static void
log_write(uint32_t level, const char *module, const char *line)
{
	rte_log(level, RTE_LOGTYPE_USER1, "dfp.%s: %s\n", module != NULL ? module : "module",
		line);
}

/* True on an EAL worker lcore (the datapath); false on control threads. */
static bool
on_worker(void)
{
	unsigned int lc = rte_lcore_id();

	return lc != LCORE_ID_ANY && lc != rte_get_main_lcore();
}

void
app_log_module(uint32_t level, const char *module, const char *fmt, ...)
{
	struct app_log_entry *e;
	char line[APP_LOG_LINE];
	va_list ap;
	void *obj;

	if (!on_worker() || app_log.queue == NULL) {
		va_start(ap, fmt);
		vsnprintf(line, sizeof(line), fmt, ap);
		va_end(ap);
		log_write(level, module, line);
		return;
	}
	if (rte_log_can_log(RTE_LOGTYPE_USER1, level) == false)
		return;
	if (rte_ring_mc_dequeue(app_log.free, &obj) != 0) {
		atomic_fetch_add_explicit(&app_log.dropped, 1, memory_order_relaxed);
		return;
	}
	e = obj;
	e->level = level;
	snprintf(e->module, sizeof(e->module), "%s", module != NULL ? module : "module");
	va_start(ap, fmt);
	vsnprintf(e->line, sizeof(e->line), fmt, ap);
	va_end(ap);
	if (rte_ring_mp_enqueue(app_log.queue, e) != 0) {
		/* Cannot happen while the two rings hold the same entries; count it anyway. */
		rte_ring_mp_enqueue(app_log.free, e);
		atomic_fetch_add_explicit(&app_log.dropped, 1, memory_order_relaxed);
		return;
	}
	atomic_fetch_add_explicit(&app_log.queued, 1, memory_order_relaxed);
}

int
app_log_init(void)
{
	unsigned int i;

	app_log.entries = calloc(APP_LOG_ENTRIES, sizeof(*app_log.entries));
	/* Ring sizes: a power of two holds size - 1 entries, so give it one more slot. */
	app_log.queue = rte_ring_create("dfp_log_q", APP_LOG_ENTRIES * 2, SOCKET_ID_ANY,
		RING_F_SC_DEQ);
	app_log.free = rte_ring_create("dfp_log_free", APP_LOG_ENTRIES * 2, SOCKET_ID_ANY, 0);
	if (app_log.entries == NULL || app_log.queue == NULL || app_log.free == NULL) {
		fprintf(stderr, "dfp: cannot allocate the module log queue: %s\n",
			rte_strerror(rte_errno));
		app_log_fini();
		return -1;
	}
	for (i = 0; i < APP_LOG_ENTRIES; i++)
		rte_ring_mp_enqueue(app_log.free, &app_log.entries[i]);
	return 0;
}

unsigned int
app_log_drain(void)
{
	void *objs[64];
	unsigned int n, i, total = 0;
	uint64_t dropped;

	if (app_log.queue == NULL)
		return 0;
	pthread_mutex_lock(&app_log.drain_lock);
	do {
		n = rte_ring_sc_dequeue_burst(app_log.queue, objs, RTE_DIM(objs), NULL);
		for (i = 0; i < n; i++) {
			struct app_log_entry *e = objs[i];

			log_write(e->level, e->module, e->line);
		}
		if (n > 0)
			rte_ring_mp_enqueue_bulk(app_log.free, objs, n, NULL);
		total += n;
	} while (n == RTE_DIM(objs));
	dropped = atomic_load_explicit(&app_log.dropped, memory_order_relaxed);
	if (dropped != app_log.dropped_reported) {
		rte_log(RTE_LOG_WARNING, RTE_LOGTYPE_USER1,
			"dfp: %" PRIu64 " module log lines dropped from workers (queue full)\n",
			dropped - app_log.dropped_reported);
		app_log.dropped_reported = dropped;
	}
	pthread_mutex_unlock(&app_log.drain_lock);
	return total;
}

void
app_log_counts(uint64_t *queued, uint64_t *dropped)
{
	*queued = atomic_load_explicit(&app_log.queued, memory_order_relaxed);
	*dropped = atomic_load_explicit(&app_log.dropped, memory_order_relaxed);
}

void
app_log_fini(void)
{
	app_log_drain();
	rte_ring_free(app_log.queue);
	rte_ring_free(app_log.free);
	app_log.queue = NULL;
	app_log.free = NULL;
	free(app_log.entries);
	app_log.entries = NULL;
}
