/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdio.h>
#include <string.h>

#include "dfp_status.h"

struct status_entry {
	dfp_status_t value;
	const char *name;
	const char *message;
};

static const struct status_entry status_table[] = {
#define DFP_STATUS_ROW_(name, value, msg) {(int32_t)(value##U), "STATUS_" #name, msg},
	DFP_STATUS_LIST(DFP_STATUS_ROW_)
#undef DFP_STATUS_ROW_
};

static const struct status_entry *
status_find(dfp_status_t s)
{
	size_t i;

	for (i = 0; i < sizeof(status_table) / sizeof(status_table[0]); i++)
		if (status_table[i].value == s)
			return &status_table[i];
	return NULL;
}

const char *
dfp_status_name(dfp_status_t s)
{
	const struct status_entry *e = status_find(s);

	return e != NULL ? e->name : "STATUS_UNKNOWN";
}

const char *
dfp_status_message(dfp_status_t s)
{
	const struct status_entry *e = status_find(s);

	return e != NULL ? e->message : "unknown status";
}

char *
dfp_status_format(dfp_status_t s, char *buf, size_t size)
{
	if (size > 0)
		snprintf(buf, size, "%s (0x%08X)", dfp_status_name(s), (uint32_t)s);
	return buf;
}

int
dfp_status_from_name(const char *name, dfp_status_t *out)
{
	size_t i;

	if (strncmp(name, "STATUS_", 7) == 0)
		name += 7;
	for (i = 0; i < sizeof(status_table) / sizeof(status_table[0]); i++) {
		if (strcmp(status_table[i].name + 7, name) == 0) {
			*out = status_table[i].value;
			return 0;
		}
	}
	return -1;
}
