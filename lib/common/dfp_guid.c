/* SPDX-License-Identifier: BSD-3-Clause */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "dfp_guid.h"

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Read n hex digits from s into *v; returns 0 on success. */
static int
read_hex(const char *s, unsigned int n, uint64_t *v)
{
	unsigned int i;
	int d;

	*v = 0;
	for (i = 0; i < n; i++) {
		d = hexval((unsigned char)s[i]);
		if (d < 0)
			return -1;
		*v = (*v << 4) | (uint64_t)d;
	}
	return 0;
}

int
dfp_guid_parse(const char *s, struct dfp_guid *out)
{
	struct dfp_guid g;
	bool braced = false;
	uint64_t v;
	size_t len;
	int i;

	if (s == NULL)
		return -1;
	len = strlen(s);
	if (len == DFP_GUID_STR_LEN + 2 && s[0] == '{' && s[len - 1] == '}') {
		braced = true;
		s++;
		len -= 2;
	}
	if (len != DFP_GUID_STR_LEN)
		return -1;
	if (s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-')
		return -1;
	if (read_hex(s, 8, &v) != 0)
		return -1;
	g.data1 = (uint32_t)v;
	if (read_hex(s + 9, 4, &v) != 0)
		return -1;
	g.data2 = (uint16_t)v;
	if (read_hex(s + 14, 4, &v) != 0)
		return -1;
	g.data3 = (uint16_t)v;
	for (i = 0; i < 2; i++) {
		if (read_hex(s + 19 + 2 * i, 2, &v) != 0)
			return -1;
		g.data4[i] = (uint8_t)v;
	}
	for (i = 0; i < 6; i++) {
		if (read_hex(s + 24 + 2 * i, 2, &v) != 0)
			return -1;
		g.data4[2 + i] = (uint8_t)v;
	}
	(void)braced;
	*out = g;
	return 0;
}

char *
dfp_guid_format(const struct dfp_guid *g, char *buf, size_t size)
{
	snprintf(buf, size, "%08x-%04x-%04x-%02x%02x-%02x%02x%02x%02x%02x%02x", g->data1,
		g->data2, g->data3, g->data4[0], g->data4[1], g->data4[2], g->data4[3],
		g->data4[4], g->data4[5], g->data4[6], g->data4[7]);
	return buf;
}

void
dfp_guid_generate(struct dfp_guid *out)
{
	uint8_t b[16];
	ssize_t n;

	n = getrandom(b, sizeof(b), 0);
	if (n != (ssize_t)sizeof(b)) {
		/* Fall back to a time/address mix; uniqueness is still checked by callers. */
		uint64_t t = (uint64_t)time(NULL) ^ (uint64_t)(uintptr_t)out;
		unsigned int i;

		for (i = 0; i < sizeof(b); i++) {
			t = t * 6364136223846793005ULL + 1442695040888963407ULL;
			b[i] = (uint8_t)(t >> 56);
		}
	}
	b[6] = (uint8_t)((b[6] & 0x0f) | 0x40); /* Version 4. */
	b[8] = (uint8_t)((b[8] & 0x3f) | 0x80); /* RFC 4122 variant. */
	out->data1 = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
	out->data2 = (uint16_t)(b[4] << 8 | b[5]);
	out->data3 = (uint16_t)(b[6] << 8 | b[7]);
	memcpy(out->data4, b + 8, 8);
}

uint32_t
dfp_guid_hash(const struct dfp_guid *g)
{
	const uint8_t *p = (const uint8_t *)g;
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < sizeof(*g); i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}
