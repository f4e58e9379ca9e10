/* SPDX-License-Identifier: BSD-3-Clause */
/* The status table: values, names, messages and the console printer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dfp_guid.h"
#include "dfp_status.h"
#include "dfp_thread.h"

static void
test_status_values_are_ntstatus(void **state)
{
	(void)state;
	assert_int_equal((uint32_t)DFP_STATUS_SUCCESS, 0x00000000u);
	assert_int_equal((uint32_t)DFP_STATUS_PENDING, 0x00000103u);
	assert_int_equal((uint32_t)DFP_STATUS_OBJECT_NAME_EXISTS, 0x40000000u);
	assert_int_equal((uint32_t)DFP_STATUS_DEVICE_BUSY, 0x80000011u);
	assert_int_equal((uint32_t)DFP_STATUS_UNSUCCESSFUL, 0xC0000001u);
	assert_int_equal((uint32_t)DFP_STATUS_INVALID_PARAMETER, 0xC000000Du);
	assert_int_equal((uint32_t)DFP_STATUS_NO_MEMORY, 0xC0000017u);
	assert_int_equal((uint32_t)DFP_STATUS_ACCESS_DENIED, 0xC0000022u);
	assert_int_equal((uint32_t)DFP_STATUS_NOT_SUPPORTED, 0xC00000BBu);
	assert_int_equal((uint32_t)DFP_STATUS_FWP_CALLOUT_NOT_FOUND, 0xC0220001u);
	assert_int_equal((uint32_t)DFP_STATUS_FWP_FILTER_NOT_FOUND, 0xC0220003u);
	assert_int_equal((uint32_t)DFP_STATUS_FWP_ALREADY_EXISTS, 0xC0220009u);
	assert_int_equal((uint32_t)DFP_STATUS_FWP_IN_USE, 0xC022000Au);
	assert_int_equal((uint32_t)DFP_STATUS_FWP_NO_TXN_IN_PROGRESS, 0xC022000Du);
	assert_int_equal((uint32_t)DFP_STATUS_FWP_TXN_IN_PROGRESS, 0xC022000Eu);
	assert_int_equal((uint32_t)DFP_STATUS_FWP_CALLOUT_NOTIFICATION_FAILED, 0xC0220037u);
	assert_int_equal((uint32_t)DFP_STATUS_FWP_CANNOT_PEND, 0xC0220103u);
}

static void
test_status_success_follows_nt_success(void **state)
{
	(void)state;
	assert_true(DFP_SUCCESS(DFP_STATUS_SUCCESS));
	assert_true(DFP_SUCCESS(DFP_STATUS_PENDING));
	assert_true(DFP_SUCCESS(DFP_STATUS_OBJECT_NAME_EXISTS));
	assert_false(DFP_SUCCESS(DFP_STATUS_DEVICE_BUSY));
	assert_false(DFP_SUCCESS(DFP_STATUS_FWP_IN_USE));
}

static void
test_status_format_gives_console_line(void **state)
{
	char buf[64];

	(void)state;
	assert_string_equal(dfp_status_format(DFP_STATUS_DEVICE_BUSY, buf, sizeof(buf)),
		"STATUS_DEVICE_BUSY (0x80000011)");
	assert_string_equal(dfp_status_format(DFP_STATUS_FWP_IN_USE, buf, sizeof(buf)),
		"STATUS_FWP_IN_USE (0xC022000A)");
	assert_string_equal(dfp_status_format(DFP_STATUS_SUCCESS, buf, sizeof(buf)),
		"STATUS_SUCCESS (0x00000000)");
}

static void
test_status_unknown_value_has_a_name(void **state)
{
	char buf[64];

	(void)state;
	assert_string_equal(dfp_status_name((dfp_status_t)0xC0DEC0DEu), "STATUS_UNKNOWN");
	assert_string_equal(dfp_status_format((dfp_status_t)0xC0DEC0DEu, buf, sizeof(buf)),
		"STATUS_UNKNOWN (0xC0DEC0DE)");
	assert_string_equal(dfp_status_message((dfp_status_t)0xC0DEC0DEu), "unknown status");
}

static void
test_status_names_round_trip(void **state)
{
	dfp_status_t s;

	(void)state;
	assert_int_equal(dfp_status_from_name("STATUS_FWP_IN_USE", &s), 0);
	assert_int_equal(s, DFP_STATUS_FWP_IN_USE);
	assert_int_equal(dfp_status_from_name("DEVICE_BUSY", &s), 0);
	assert_int_equal(s, DFP_STATUS_DEVICE_BUSY);
	assert_int_equal(dfp_status_from_name("STATUS_NOPE", &s), -1);
}

static void
test_guid_parse_and_format_round_trip(void **state)
{
	const char *text = "4f1b6a0e-0d6e-4b4e-9a43-2f3c9d1e7a10";
	struct dfp_guid g, h;
	char buf[DFP_GUID_STR_LEN + 1];

	(void)state;
	assert_int_equal(dfp_guid_parse(text, &g), 0);
	assert_int_equal(g.data1, 0x4f1b6a0eu);
	assert_int_equal(g.data2, 0x0d6e);
	assert_int_equal(g.data4[0], 0x9a);
	assert_string_equal(dfp_guid_format(&g, buf, sizeof(buf)), text);
	assert_int_equal(dfp_guid_parse("{4F1B6A0E-0D6E-4B4E-9A43-2F3C9D1E7A10}", &h), 0);
	assert_true(dfp_guid_equal(&g, &h));
}

static void
test_guid_parse_rejects_malformed_text(void **state)
{
	struct dfp_guid g;

	(void)state;
	assert_int_equal(dfp_guid_parse("", &g), -1);
	assert_int_equal(dfp_guid_parse("4f1b6a0e-0d6e-4b4e-9a43-2f3c9d1e7a1", &g), -1);
	assert_int_equal(dfp_guid_parse("4f1b6a0e-0d6e-4b4e-9a43-2f3c9d1e7a10x", &g), -1);
	assert_int_equal(dfp_guid_parse("4f1b6a0e_0d6e-4b4e-9a43-2f3c9d1e7a10", &g), -1);
	assert_int_equal(dfp_guid_parse("4f1b6a0g-0d6e-4b4e-9a43-2f3c9d1e7a10", &g), -1);
	assert_int_equal(dfp_guid_parse("{4f1b6a0e-0d6e-4b4e-9a43-2f3c9d1e7a10", &g), -1);
	assert_int_equal(dfp_guid_parse(NULL, &g), -1);
}

static void
test_guid_generate_gives_distinct_v4_guids(void **state)
{
	struct dfp_guid a, b;

	(void)state;
	dfp_guid_generate(&a);
	dfp_guid_generate(&b);
	assert_false(dfp_guid_equal(&a, &b));
	assert_false(dfp_guid_is_zero(&a));
	assert_int_equal(a.data3 >> 12, 4);
}

static void
test_thread_context_tracks_workers_and_callbacks(void **state)
{
	(void)state;
	assert_true(dfp_thread_is_passive());
	dfp_thread_callback_enter();
	assert_false(dfp_thread_is_passive());
	dfp_thread_callback_leave();
	assert_true(dfp_thread_is_passive());
	dfp_thread_enter_worker();
	assert_true(dfp_thread_is_worker());
	assert_false(dfp_thread_is_passive());
	dfp_thread_leave_worker();
	assert_true(dfp_thread_is_passive());
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_status_values_are_ntstatus),
		cmocka_unit_test(test_status_success_follows_nt_success),
		cmocka_unit_test(test_status_format_gives_console_line),
		cmocka_unit_test(test_status_unknown_value_has_a_name),
		cmocka_unit_test(test_status_names_round_trip),
		cmocka_unit_test(test_guid_parse_and_format_round_trip),
		cmocka_unit_test(test_guid_parse_rejects_malformed_text),
		cmocka_unit_test(test_guid_generate_gives_distinct_v4_guids),
		cmocka_unit_test(test_thread_context_tracks_workers_and_callbacks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
