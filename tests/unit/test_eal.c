/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_log.h>

#include "test_eal.h"

int
dfp_test_eal_init(const char *const extra[], unsigned int n_extra)
{
	static int done;
	static int rc;
	char prefix[64];
	char *argv[32];
	int argc = 0;
	unsigned int i;

	if (done)
		return rc;
	done = 1;
	snprintf(prefix, sizeof(prefix), "--file-prefix=dfp_ut_%d", (int)getpid());
	argv[argc++] = (char *)"dfp-test";
	argv[argc++] = (char *)"--no-huge";
	argv[argc++] = (char *)"--no-pci";
	argv[argc++] = (char *)"--no-shconf";
	argv[argc++] = (char *)"-m";
	argv[argc++] = (char *)"512";
	argv[argc++] = (char *)"--log-level=lib.eal:error";
	argv[argc++] = prefix;
	for (i = 0; i < n_extra && argc < 31; i++)
		argv[argc++] = (char *)extra[i];
	argv[argc] = NULL;
	rc = rte_eal_init(argc, argv) < 0 ? -1 : 0;
	return rc;
}

const char *
dfp_test_shared_path(const char *rel)
{
	static char buf[4096];
	const char *dir = getenv("DFP_SHARED_DIR");

	if (dir == NULL)
		dir = "../shared";
	snprintf(buf, sizeof(buf), "%s/%s", dir, rel);
	return buf;
}
