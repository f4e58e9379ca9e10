/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * EAL for unit tests: --no-huge, no PCI, no shared config, a unique file
 * prefix, so several test binaries can run at once without hugepages.
 */
#ifndef DFP_TEST_EAL_H
#define DFP_TEST_EAL_H

/* Initialise EAL once per process; returns 0 on success. Extra args may be NULL. */
int dfp_test_eal_init(const char *const extra[], unsigned int n_extra);

/* Path of a file under ../shared (DFP_SHARED_DIR), in a static buffer. */
const char *dfp_test_shared_path(const char *rel);

#endif
