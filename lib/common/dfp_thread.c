/* SPDX-License-Identifier: BSD-3-Clause */
#include "dfp_thread.h"

static __thread bool thread_is_worker;
static __thread unsigned int thread_callback_depth;

void
dfp_thread_enter_worker(void)
{
	thread_is_worker = true;
}

void
dfp_thread_leave_worker(void)
{
	thread_is_worker = false;
}

bool
dfp_thread_is_worker(void)
{
	return thread_is_worker;
}

void
dfp_thread_callback_enter(void)
{
	thread_callback_depth++;
}

void
dfp_thread_callback_leave(void)
{
	if (thread_callback_depth > 0)
		thread_callback_depth--;
}

bool
dfp_thread_is_passive(void)
{
	return !thread_is_worker && thread_callback_depth == 0;
}
