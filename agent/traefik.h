/* Routes become Traefik dynamic-config files: render (pure) and commit (files). */
#ifndef EDGE_TRAEFIK_H
#define EDGE_TRAEFIK_H

#include "model.h"
#include "strbuf.h"

/* The file the agent owns for (source, id): "edge-agent.<source>.<id>.yml". */
int traefik_file_name(char *buf, size_t len, const char *source, const char *id);
/* Parses an owned file name back; returns 0 if name is ours, -EINVAL otherwise. */
int traefik_file_parse(const char *name, char *source, char *id);

/* Renders the whole file for one route (libyaml emitter). Router/service "<source>.<id>". */
int traefik_render(struct strbuf *sb, const char *source, const struct object *route);

struct traefik_op {
	const char *source;
	const char *id;
	const struct object *route;   /* NULL: remove the file */
	int result;                   /* out: 0 or -errno */
	char error[ERR_LEN];          /* out: why, when result != 0 */
};

/*
 * Applies a batch: every write goes to a temp name not ending in .yml, is fsynced and
 * renamed into place; removals unlink; the directory is fsynced once at the end.
 * Each op gets its own result; returns 0 if all succeeded, else the first -errno.
 */
int traefik_commit(const char *dir, struct traefik_op *ops, size_t n);

/* Calls fn for every owned file in dir; removes leftover temp files of ours. */
int traefik_scan(const char *dir, int (*fn)(void *arg, const char *source, const char *id),
		 void *arg);

#endif
