/* SPDX-License-Identifier: BSD-3-Clause */
/* A plugin built for another descriptor layout: abi_version 99. The loader refuses it. */
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
	.abi_version = 99,
	.size = sizeof(struct dfp_module),
	.name = "abi99",
	.description = "test: a future ABI version",
	.create = never_create,
};
