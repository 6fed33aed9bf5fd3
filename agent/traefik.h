/* Routes become Traefik dynamic-config files: render (pure) and commit (files). */
#ifndef EDGE_TRAEFIK_H
#define EDGE_TRAEFIK_H

#include <stdbool.h>

#include "hmap.h"
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

#define TRAEFIK_MANIFEST "traefik.manifest"

/* The files of one Traefik directory this agent created (DATA_DIR/traefik.manifest). */
struct traefik_manifest {
	char *data_dir;
	char *dir;                    /* the Traefik directory */
	struct hmap names;            /* file names; key and value are one owned string */
	bool dirty;                   /* differs from the file on disk */
	bool rewrite;                 /* the next save writes the whole file */
	struct strbuf changes;        /* lines not yet on disk: "<name>" or "-<name>" */
	size_t file_len;              /* bytes of lines in the file on disk */
	size_t file_size;             /* and with the empty lines after them */
	size_t names_len;             /* bytes the names alone would take */
};

/*
 * A caller whose own records hold every route it commits, on disk once wait returns 0:
 * new names are then written to the manifest without waiting for the disk (whatever a
 * crash loses is claimed again when those routes are committed at the next start), and
 * wait is called once the new files are staged, before the first is put in place, so
 * the disk works while they are written. When wait fails, the manifest is synced instead.
 */
struct traefik_gate {
	int (*wait)(void *arg);
	void *arg;
};

/*
 * Loads the manifest of dir. A missing, unreadable or foreign one starts empty (err says
 * why, else err is ""): the agent then owns only what it writes. -ENOMEM only.
 */
int traefik_manifest_open(struct traefik_manifest *m, const char *data_dir, const char *dir,
			  char *err, size_t errlen);
bool traefik_manifest_owns(const struct traefik_manifest *m, const char *name);
int traefik_manifest_claim(struct traefik_manifest *m, const char *name);
void traefik_manifest_release(struct traefik_manifest *m, const char *name);
/*
 * Makes the changes durable: appended with one fdatasync, or, when the file holds more
 * removed names than live ones (or is new or damaged), written again atomically (0600).
 */
int traefik_manifest_save(struct traefik_manifest *m, char *err, size_t errlen);
/* The same without waiting for the disk: for removed names, which may stay listed. */
int traefik_manifest_save_lazy(struct traefik_manifest *m, char *err, size_t errlen);
/* Waits until what the saves wrote is on disk. */
int traefik_manifest_sync(struct traefik_manifest *m, char *err, size_t errlen);
void traefik_manifest_free(struct traefik_manifest *m);

/*
 * Applies a batch to own->dir: a new name is recorded in the manifest on disk before its
 * file is first written (else that write fails); every write goes to a temp name not
 * ending in .yml in the subdirectory .edge-agent-tmp (Traefik does not watch it) and is
 * renamed into place, unless the file already holds those bytes; removals unlink only
 * files in the manifest (others are left alone, the op succeeds). Files are not flushed:
 * a route is durable through its record in DATA_DIR, from which a start rewrites it.
 * Each op gets its own result; returns 0 if all succeeded, else the first -errno.
 * gate: NULL, or see struct traefik_gate.
 */
int traefik_commit(struct traefik_manifest *own, struct traefik_op *ops, size_t n,
		   const struct traefik_gate *gate);

/* Calls fn for every file in own->dir the manifest owns; removes our leftover temps. */
int traefik_scan(struct traefik_manifest *own,
		 int (*fn)(void *arg, const char *source, const char *id), void *arg);

/*
 * traefik_middleware.c: a route's middlewares, each named "<name>.<what>". refs emits the
 * router's "middlewares" list, defs the "middlewares" section; each emits nothing (no key)
 * when there is nothing to say. The redirect middleware is referenced by the redirect router.
 */
struct emit;
struct route_spec;
void traefik_middleware_refs(struct emit *em, const char *name, const struct route_spec *r);
void traefik_middleware_defs(struct emit *em, const char *name, const struct route_spec *r);
#define TRAEFIK_REDIRECT ".redirect"

#endif
