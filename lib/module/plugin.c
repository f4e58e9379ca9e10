/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The plugin loader: dlopen a shared object, find its module descriptor,
 * check its version, size and completeness. Every refusal says why, names
 * the file, and leaves nothing loaded.
 */
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

#include "module_private.h"

struct dfp_module_plugin {
	void *dl;                       /* dlopen() handle. */
	const struct dfp_module *module;
	char path[];                    /* As given. */
};

dfp_status_t
dfp_module_plugin_load(const char *path, struct dfp_module_plugin **out,
		const struct dfp_module **module, char *err, size_t err_len)
{
	const struct dfp_module *m;
	struct dfp_module_plugin *p;
	const char *why;
	dfp_status_t st;
	char msg[512];
	void *dl;

	if (path == NULL || path[0] == '\0' || out == NULL) {
		mod_err(err, err_len, "no plugin path");
		return DFP_STATUS_INVALID_PARAMETER;
	}
	/* RTLD_NOW: a symbol the process lacks is an error now, not a crash later. */
	dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (dl == NULL) {
		why = dlerror();
		mod_err(err, err_len, "%s: cannot open: %s", path, why != NULL ? why : "unknown error");
		DFP_LOG(module, ERR, "%s: cannot open: %s", path, why != NULL ? why : "unknown error");
		return DFP_STATUS_OBJECT_NAME_NOT_FOUND;
	}
	dlerror();
	m = dlsym(dl, DFP_MODULE_SYMBOL);
	if (m == NULL) {
		mod_err(msg, sizeof(msg), "%s: no symbol %s", path, DFP_MODULE_SYMBOL);
		st = DFP_STATUS_OBJECT_NAME_NOT_FOUND;
		goto out_close;
	}
	/* abi_version first: it is the one member every layout version shares. */
	if (m->abi_version != DFP_MODULE_ABI_VERSION) {
		mod_err(msg, sizeof(msg), "%s: module ABI version %u, this dfp supports %u", path,
			m->abi_version, DFP_MODULE_ABI_VERSION);
		st = DFP_STATUS_REVISION_MISMATCH;
		goto out_close;
	}
	if (m->size != sizeof(struct dfp_module)) {
		mod_err(msg, sizeof(msg), "%s: module descriptor size %u, this dfp expects %zu "
			"(built with another dfp_module.h)", path, m->size, sizeof(struct dfp_module));
		st = DFP_STATUS_REVISION_MISMATCH;
		goto out_close;
	}
	if (m->name == NULL || m->name[0] == '\0' || m->create == NULL) {
		mod_err(msg, sizeof(msg), "%s: module descriptor incomplete: no %s", path,
			m->create == NULL ? "create()" : "name");
		st = DFP_STATUS_INVALID_PARAMETER;
		goto out_close;
	}
	p = malloc(sizeof(*p) + strlen(path) + 1);
	if (p == NULL) {
		mod_err(msg, sizeof(msg), "%s: out of memory", path);
		st = DFP_STATUS_NO_MEMORY;
		goto out_close;
	}
	p->dl = dl;
	p->module = m;
	memcpy(p->path, path, strlen(path) + 1);
	*out = p;
	if (module != NULL)
		*module = m;
	DFP_LOG(module, INFO, "%s: module %s loaded (%s)", path, m->name,
		m->description != NULL ? m->description : "no description");
	return DFP_STATUS_SUCCESS;

out_close:
	DFP_LOG(module, ERR, "%s", msg);
	mod_err(err, err_len, "%s", msg);
	dlclose(dl);
	return st;
}

void
dfp_module_plugin_unload(struct dfp_module_plugin *p)
{
	if (p == NULL)
		return;
	DFP_LOG(module, DEBUG, "%s: module %s unloaded", p->path, p->module->name);
	dlclose(p->dl);
	free(p);
}
