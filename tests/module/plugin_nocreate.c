/* SPDX-License-Identifier: BSD-3-Clause */
/* A descriptor without create(). The loader refuses it as incomplete. */
#include "dfp_module.h"

DFP_MODULE_EXPORT = {
	.abi_version = DFP_MODULE_ABI_VERSION,
	.size = sizeof(struct dfp_module),
	.name = "nocreate",
	.description = "test: no create()",
	.create = NULL,
};
