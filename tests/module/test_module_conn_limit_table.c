/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * conn_limit's shared address table (mod_conn_limit.c, compiled into this
 * test so its static functions can be driven directly): admission up to
 * max, slots freed at zero and reused, a full window, the twin check that
 * keeps one slot per address when two claims race, and a multi-threaded
 * run that checks no address ever has more than max admissions at once
 * and that every slot is free at the end.
 */
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_cycles.h>

#include <cmocka.h>

/* The library links its own copy of the descriptor: rename this one. */
#define mod_conn_limit mod_conn_limit_under_test
#include "mod_conn_limit.c"
#undef mod_conn_limit

#include "dfp_ctl.h"
#include "test_eal.h"

static struct dfp_ctl *ctl;
static struct dfp_module_host host;

static struct cl_state_s *
table_new(const char *max, const char *size, struct dfp_module_instance *inst)
{
	struct dfp_module_param p[2] = {{"max", max}, {"table_size", size}};
	struct dfp_module_args a;
	char err[256];

	memset(&a, 0, sizeof(a));
	a.name = "t";
	a.layer_id = DFP_LAYER_ALE_AUTH_CONNECT_V6;
	a.n_params = 2;
	a.params = p;
	a.host = &host;
	if (mod_conn_limit_under_test.create(&a, inst, err, sizeof(err)) != DFP_STATUS_SUCCESS)
		fail_msg("%s", err);
	return inst->state;
}

/*
 * Start a thread pinned to the n-th CPU after the caller's. Threads inherit
 * the EAL main thread's affinity (one core), and even with a wider mask
 * the scheduler may leave them behind a spinning caller: pin them apart so
 * they truly run at the same time.
 */
static void
thread_start(pthread_t *th, void *(*fn)(void *), void *arg, unsigned int n)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	pthread_attr_t attr;
	cpu_set_t cpus;

	CPU_ZERO(&cpus);
	CPU_SET((int)(((long)sched_getcpu() + (long)n) % ncpu), &cpus);
	assert_int_equal(pthread_attr_init(&attr), 0);
	assert_int_equal(pthread_attr_setaffinity_np(&attr, sizeof(cpus), &cpus), 0);
	assert_int_equal(pthread_create(th, &attr, fn, arg), 0);
	pthread_attr_destroy(&attr);
}

static void
key_of(unsigned int i, uint64_t key[2])
{
	/* An IPv6 address 2001:db8::i, as the classifyFn builds keys from. */
	uint8_t a[16] = {0x20, 0x01, 0x0d, 0xb8};

	a[14] = (uint8_t)(i >> 8);
	a[15] = (uint8_t)i;
	memcpy(key, a, 16);
}

static unsigned int
slots_in_state(struct cl_state_s *s, enum cl_state st)
{
	unsigned int i, n = 0;

	for (i = 0; i <= s->mask; i++)
		n += w_state(__atomic_load_n(&s->slots[i].word, __ATOMIC_ACQUIRE)) == st;
	return n;
}

static int
group_setup(void **state)
{
	(void)state;
	if (dfp_ctl_create(NULL, &ctl) != DFP_STATUS_SUCCESS)
		return -1;
	host.ctl = ctl;
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	dfp_ctl_destroy(ctl);
	return 0;
}

static void
test_table_admits_up_to_max_then_frees_the_slot_at_zero(void **state)
{
	struct dfp_module_instance inst;
	struct cl_state_s *s = table_new("2", "16", &inst);
	uint32_t i1, i2, i3;
	uint64_t k[2], w;

	(void)state;
	key_of(1, k);
	assert_int_equal(cl_acquire(s, k, &i1), CL_ADMITTED);
	assert_int_equal(cl_acquire(s, k, &i2), CL_ADMITTED);
	assert_int_equal(i1, i2);
	assert_int_equal(cl_acquire(s, k, &i3), CL_LIMIT);
	w = s->slots[i1].word;
	assert_int_equal(w_state(w), CL_READY);
	assert_int_equal(w_count(w), 2);
	cl_release(s, i1);
	assert_int_equal(w_count(s->slots[i1].word), 1);
	assert_int_equal(cl_acquire(s, k, &i3), CL_ADMITTED);
	cl_release(s, i1);
	cl_release(s, i1);
	/* Zero: the slot is free again, under a new generation. */
	assert_int_equal(w_state(s->slots[i1].word), CL_FREE);
	assert_int_equal(w_gen(s->slots[i1].word), w_gen(w) + 1);
	assert_int_equal(slots_in_state(s, CL_FREE), 16);
	inst.destroy(inst.state);
}

static void
test_table_full_window_refuses_new_addresses_until_one_leaves(void **state)
{
	struct dfp_module_instance inst;
	struct cl_state_s *s = table_new("1", "4", &inst);
	uint32_t idx[5], j;
	uint64_t k[2];
	unsigned int i;

	(void)state;
	assert_int_equal(s->probe, 4);
	for (i = 0; i < 4; i++) {
		key_of(i, k);
		assert_int_equal(cl_acquire(s, k, &idx[i]), CL_ADMITTED);
	}
	key_of(4, k);
	assert_int_equal(cl_acquire(s, k, &j), CL_FULL);
	/* Known addresses are still found (and limited). */
	key_of(2, k);
	assert_int_equal(cl_acquire(s, k, &j), CL_LIMIT);
	cl_release(s, idx[2]);
	key_of(4, k);
	assert_int_equal(cl_acquire(s, k, &idx[4]), CL_ADMITTED);
	assert_int_equal(idx[4], idx[2]);
	inst.destroy(inst.state);
}

/*
 * Another claimer settling its slot: spins until `go`, then stores `word`
 * (well within the wait bound, as it needs no scheduling once running).
 */
struct flipper {
	struct cl_slot *slot;
	uint64_t word;
	int go;
};

static void *
flip(void *arg)
{
	struct flipper *fl = arg;

	while (!__atomic_load_n(&fl->go, __ATOMIC_ACQUIRE))
		rte_pause();
	rte_delay_us_block(20);
	__atomic_store_n(&fl->slot->word, fl->word, __ATOMIC_SEQ_CST);
	return NULL;
}

/* twin_check() while a flipper settles the twin's slot to `word`. */
static int
twin_check_racing(struct cl_state_s *s, uint32_t base, uint32_t pos, const uint64_t k[2],
		struct cl_slot *twin, uint64_t word)
{
	struct flipper fl = {.slot = twin, .word = word};
	pthread_t th;
	int r;

	/* Another CPU than ours: the flip must happen while we wait. */
	thread_start(&th, flip, &fl, 1);
	/* Let the flipper start spinning before we go. */
	usleep(1000);
	__atomic_store_n(&fl.go, 1, __ATOMIC_RELEASE);
	r = twin_check(s, base, pos, k);
	pthread_join(th, NULL);
	return r;
}

/* Put key k in slot (base + pos) with state st. */
static void
plant(struct cl_state_s *s, uint32_t base, uint32_t pos, const uint64_t k[2], enum cl_state st,
		uint32_t count)
{
	struct cl_slot *sl = &s->slots[(base + pos) & s->mask];

	sl->addr[0] = k[0];
	sl->addr[1] = k[1];
	sl->word = w_make(w_gen(sl->word), st, count);
}

static void
test_table_twin_check_gives_way_to_a_ready_or_lower_twin_and_waits_for_a_higher_one(void **state)
{
	struct dfp_module_instance inst;
	struct cl_state_s *s = table_new("5", "16", &inst);
	uint64_t k[2], other[2];
	const uint32_t base = 4, pos = 3;

	(void)state;
	key_of(7, k);
	key_of(8, other);
	plant(s, base, pos, k, CL_TENTATIVE, 0);
	/* Alone (other addresses around): commit. */
	plant(s, base, 1, other, CL_READY, 1);
	assert_int_equal(twin_check(s, base, pos, k), 0);
	/* A READY twin anywhere: give way. */
	plant(s, base, 6, k, CL_READY, 1);
	assert_int_equal(twin_check(s, base, pos, k), 1);
	s->slots[(base + 6) & s->mask].word = 0;
	/* A TENTATIVE twin at a lower position: give way. */
	plant(s, base, 0, k, CL_TENTATIVE, 0);
	assert_int_equal(twin_check(s, base, pos, k), 1);
	s->slots[base].word = 0;
	/*
	 * A TENTATIVE twin higher up: wait for it (here up to 10 s, so a busy
	 * machine cannot make the flipper late); it withdraws, so commit ...
	 */
	s->wait_tsc = rte_get_tsc_hz() * 10;
	plant(s, base, 9, k, CL_TENTATIVE, 0);
	assert_int_equal(twin_check_racing(s, base, pos, k, &s->slots[(base + 9) & s->mask],
		w_make(1, CL_FREE, 0)), 0);
	/* ... or it becomes READY, so give way ... */
	plant(s, base, 9, k, CL_TENTATIVE, 0);
	assert_int_equal(twin_check_racing(s, base, pos, k, &s->slots[(base + 9) & s->mask],
		w_make(1, CL_READY, 1)), 1);
	/* ... or it never settles: fail closed rather than wait for ever. */
	s->wait_tsc = rte_get_tsc_hz() * CL_WAIT_US / 1000000;
	plant(s, base, 9, k, CL_TENTATIVE, 0);
	assert_int_equal(twin_check(s, base, pos, k), -1);
	inst.destroy(inst.state);
}

/* ---- Many threads ---- */

#define STRESS_THREADS 4
#define STRESS_KEYS 10
#define STRESS_MAX 2
#define STRESS_HOLD 3
#define STRESS_MS 800

struct stress {
	struct cl_state_s *s;
	uint64_t live[STRESS_KEYS];   /* Admissions each address holds now (test's view). */
	uint64_t violations;          /* Times an address held more than max. */
	uint64_t wrong_slot;          /* Admissions in a slot not holding the address. */
	uint64_t results[4];          /* By enum cl_result. */
	uint64_t end_tsc;
};

struct held {
	uint32_t idx;
	unsigned int key;
};

static void *
stress_thread(void *arg)
{
	struct stress *st = arg;
	struct held h[STRESS_HOLD];
	unsigned int n = 0, i;
	uint64_t x = (uint64_t)pthread_self() | 1;
	uint64_t k[2];

	while (rte_get_tsc_cycles() < st->end_tsc) {
		unsigned int key;
		uint32_t idx;
		enum cl_result r;

		/* xorshift: which address, and whether to take or give back. */
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		if (n == STRESS_HOLD || (n > 0 && (x & 1))) {
			/* Give back the oldest: the test's view first, then the table's. */
			__atomic_fetch_sub(&st->live[h[0].key], 1, __ATOMIC_SEQ_CST);
			cl_release(st->s, h[0].idx);
			memmove(h, h + 1, (--n) * sizeof(h[0]));
			continue;
		}
		key = (unsigned int)((x >> 8) % STRESS_KEYS);
		key_of(key, k);
		r = cl_acquire(st->s, k, &idx);
		__atomic_fetch_add(&st->results[r], 1, __ATOMIC_RELAXED);
		if (r != CL_ADMITTED)
			continue;
		if (!key_is(&st->s->slots[idx], k))
			__atomic_fetch_add(&st->wrong_slot, 1, __ATOMIC_RELAXED);
		/* Never more than max at once: a split (twin) slot would allow more. */
		if (__atomic_add_fetch(&st->live[key], 1, __ATOMIC_SEQ_CST) > STRESS_MAX)
			__atomic_fetch_add(&st->violations, 1, __ATOMIC_RELAXED);
		h[n].idx = idx;
		h[n++].key = key;
	}
	for (i = 0; i < n; i++) {
		__atomic_fetch_sub(&st->live[h[i].key], 1, __ATOMIC_SEQ_CST);
		cl_release(st->s, h[i].idx);
	}
	return NULL;
}

static void
test_table_under_racing_threads_never_exceeds_max_and_ends_empty(void **state)
{
	struct dfp_module_instance inst;
	pthread_t th[STRESS_THREADS];
	static struct stress st;
	unsigned int i;

	(void)state;
	memset(&st, 0, sizeof(st));
	/* Eight slots for ten addresses: slots are freed and reused all the time. */
	st.s = table_new("2", "8", &inst);
	st.end_tsc = rte_get_tsc_cycles() + rte_get_tsc_hz() * STRESS_MS / 1000;
	for (i = 0; i < STRESS_THREADS; i++)
		thread_start(&th[i], stress_thread, &st, i);
	for (i = 0; i < STRESS_THREADS; i++)
		pthread_join(th[i], NULL);
	print_message("admitted %lu limit %lu full %lu busy %lu\n",
		(unsigned long)st.results[CL_ADMITTED], (unsigned long)st.results[CL_LIMIT],
		(unsigned long)st.results[CL_FULL], (unsigned long)st.results[CL_BUSY]);
	assert_int_equal(st.violations, 0);
	assert_int_equal(st.wrong_slot, 0);
	assert_true(st.results[CL_ADMITTED] > 1000);
	assert_true(st.results[CL_LIMIT] > 0);
	assert_true(st.results[CL_FULL] > 0);
	/* Every admission was given back: every slot is free, none left claimed. */
	assert_int_equal(slots_in_state(st.s, CL_FREE), 8);
	inst.destroy(inst.state);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_admits_up_to_max_then_frees_the_slot_at_zero),
		cmocka_unit_test(test_table_full_window_refuses_new_addresses_until_one_leaves),
		cmocka_unit_test(
			test_table_twin_check_gives_way_to_a_ready_or_lower_twin_and_waits_for_a_higher_one),
		cmocka_unit_test(test_table_under_racing_threads_never_exceeds_max_and_ends_empty),
	};

	if (dfp_test_eal_init(NULL, 0) != 0)
		return 1;
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
