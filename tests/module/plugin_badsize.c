/* SPDX-License-Identifier: BSD-3-Clause */
/* A descriptor whose size is not this dfp's (built with another dfp_module.h). */
#include <stdio.h>

#include "dfp_module.h"

static dfp_status_t
never_create(const struct dfp_module_args *args, struct dfp_module_instance *out, char *err,
		size_t err_len)
{
	(void)args;
	(void)out;
	snprintf(err, err_len, "a refused plugin was used");
	return DFP_STATUS_INVALID_PARAMETER;
}

DFP_MODULE_EXPORT = {
	.abi_version = DFP_MODULE_ABI_VERSION,
	.size = sizeof(struct dfp_module) + 8,
	.name = "badsize",
	.description = "test: a bigger descriptor",
	.create = never_create,
};
