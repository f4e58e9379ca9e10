/* SPDX-License-Identifier: BSD-3-Clause */
/* A shared object without the module descriptor symbol. The loader refuses it. */
#include "dfp_module.h"

/* Close to the real name, but not it. */
const struct dfp_module dfp_module_descriptors = {
	.abi_version = DFP_MODULE_ABI_VERSION,
	.size = sizeof(struct dfp_module),
	.name = "nosym",
};
