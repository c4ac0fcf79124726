// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * SaveConfig on down: before the plan removes an interface whose file says
 * SaveConfig = true, its running state goes back into that file (what is
 * written: compile/saveconf.c). First, as wg-quick saves before it deletes
 * the interface: if the file cannot be written, nothing is removed, and the
 * running configuration is not lost.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine.h"
#include "load/load.h"
#include "util/log.h"

static bool file_has_errors(const struct conf *c, const char *file)
{
	vec_foreach(g, &c->diags.list)
		if (g->sev == SEV_ERROR && g->loc.file && !strcmp(g->loc.file, file))
			return true;
	return false;
}

static int save_one(const struct engine *e, const struct conf_iface *iface, FILE *log)
{
	char *orig = NULL, *text = NULL;
	size_t len = 0;
	int err;

	/* What the file says is read back into the new one: not from a file read wrong. */
	if (file_has_errors(e->conf, iface->file)) {
		log_err("%s has errors: its running configuration is not saved over it (SaveConfig); "
			"nothing was changed",
			iface->file);
		return -1;
	}
	err = read_whole_file(iface->file, &orig, &len);
	if (!err && !(text = compile_saved_config(iface, orig, len, e->live)))
		err = -ENOMEM;
	if (!err)
		err = write_config_file(iface->file, text);
	/* Both hold the private key. */
	if (text)
		explicit_bzero(text, strlen(text));
	if (orig)
		explicit_bzero(orig, len);
	free(text);
	free(orig);
	if (err) {
		log_err("saving %s's running configuration to %s (SaveConfig): %s; nothing was "
			"changed",
			iface->name, iface->file, strerror(-err));
		return -1;
	}
	if (log)
		fprintf(log, "[#] SaveConfig: %s's running configuration written to %s\n",
			iface->name, iface->file);
	return 0;
}

int engine_save_config(struct engine *e, FILE *log)
{
	vec_foreach(op, &e->plan.ops) {
		const struct st_link *l = op->obj;
		const struct conf_iface *iface;

		if (op->kind != OP_DEL || op->type != OBJ_LINK || !e->conf)
			continue;
		iface = conf_find_iface(e->conf, l->name);
		if (iface && IS_SET(iface->save_config) && iface->save_config.v &&
		    save_one(e, iface, log))
			return -1;
	}
	return 0;
}
