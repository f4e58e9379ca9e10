/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * EAL for the fuzz targets: once per process, from LLVMFuzzerInitialize(),
 * without hugepages, PCI or shared configuration, with a file prefix of
 * its own (several targets and jobs run at once) and a small heap. Every
 * lcore may run on any CPU the process may use (--lcores N@(cpus)), so a
 * fuzzer started with `nice` floats like any process instead of pinning
 * its main thread to the first core. Logs below CRITICAL are off: a
 * fuzzer makes many calls that log their refusal.
 */
#ifndef DFP_FUZZ_EAL_H
#define DFP_FUZZ_EAL_H

#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>

/*
 * Initialise EAL with n_lcores lcores (the main one and n_lcores - 1 that
 * stay idle unless launched); aborts on failure.
 */
static inline void
fuzz_eal_init(const char *name, unsigned int n_lcores)
{
	char cpus[512], lcores[1024], prefix[64];
	char *argv[16];
	cpu_set_t set;
	size_t len = 0;
	unsigned int i;
	int argc = 0, c;

	cpus[0] = '\0';
	if (sched_getaffinity(0, sizeof(set), &set) == 0) {
		for (c = 0; c < CPU_SETSIZE && len + 8 < sizeof(cpus); c++)
			if (CPU_ISSET(c, &set))
				len += (size_t)snprintf(cpus + len, sizeof(cpus) - len, "%s%d",
					len != 0 ? "," : "", c);
	}
	if (len == 0)
		snprintf(cpus, sizeof(cpus), "0");
	len = 0;
	for (i = 0; i < n_lcores && len + strlen(cpus) + 16 < sizeof(lcores); i++)
		len += (size_t)snprintf(lcores + len, sizeof(lcores) - len, "%s%u@(%s)",
			i != 0 ? "," : "", i, cpus);
	snprintf(prefix, sizeof(prefix), "--file-prefix=%s-%d", name, (int)getpid());
	argv[argc++] = (char *)name;
	argv[argc++] = (char *)"--no-huge";
	argv[argc++] = (char *)"--no-pci";
	argv[argc++] = (char *)"--no-shconf";
	argv[argc++] = (char *)"-m";
	argv[argc++] = (char *)"256";
	argv[argc++] = (char *)"--log-level=*:critical";
	argv[argc++] = (char *)"--no-telemetry";
	argv[argc++] = (char *)"--lcores";
	argv[argc++] = lcores;
	argv[argc++] = prefix;
	argv[argc] = NULL;
	if (rte_eal_init(argc, argv) < 0) {
		fprintf(stderr, "%s: EAL initialisation failed\n", name);
		abort();
	}
}

/* Report a broken invariant or set-up as "NAME: message" and abort (a finding). */
static inline void __attribute__((noreturn, format(printf, 2, 3)))
fuzz_die(const char *name, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	abort();
}

#endif /* DFP_FUZZ_EAL_H */
