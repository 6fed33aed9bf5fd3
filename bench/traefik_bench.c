/*
 * The Traefik commit path on a real disk, through the agent's own traefik_commit():
 *   batch    N new files in one commit (temps, one syncfs, renames, one directory fsync)
 *   rewrite  the same N files changed in one commit (renames over existing files)
 *   single   one file changed among N, repeated (temp fsync, rename, directory fsync)
 *   serial   files written one commit each, the full discipline per file (the path a
 *            design without batching takes); timed on up to SERIAL_MAX files, per file
 * Usage: traefik-bench DIR N        prints key=value lines
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "traefik.h"

#define SINGLE_REPS 200
#define SERIAL_MAX 1000

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static struct object *route_new(int i, int variant)
{
	struct object *o;
	char id[32], buf[128];

	snprintf(id, sizeof(id), "r%d", i);
	o = object_new(KIND_ROUTE, id);
	if (!o)
		return NULL;
	snprintf(buf, sizeof(buf), "r%d.bench.example.com", i);
	o->route.hostname = strdup(buf);
	snprintf(buf, sizeof(buf), "http://10.61.%d.%d:%d", (i / 250) % 250, i % 250 + 1,
		 8080 + variant % 1000);
	o->route.target_url = strdup(buf);
	o->route.entrypoint = strdup("websecure");
	o->route.certresolver = strdup("le");
	return o;
}

/* Commits routes [from, to) with the given variant, batched into one commit or one each. */
static int commit(struct traefik_manifest *own, int from, int to, int variant, bool one_each)
{
	size_t n = (size_t)(to - from);
	struct traefik_op *ops = calloc(n ? n : 1, sizeof(*ops));
	struct object **objs = calloc(n ? n : 1, sizeof(*objs));
	int ret = 0;

	if (!ops || !objs)
		return -ENOMEM;
	for (size_t k = 0; k < n; k++) {
		objs[k] = route_new(from + (int)k, variant);
		if (!objs[k])
			return -ENOMEM;
		ops[k] = (struct traefik_op){ .source = "gw1", .id = objs[k]->id, .route = objs[k] };
	}
	if (one_each) {
		for (size_t k = 0; k < n && !ret; k++)
			ret = traefik_commit(own, &ops[k], 1, NULL);
	} else {
		ret = traefik_commit(own, ops, n, NULL);
	}
	if (ret)
		fprintf(stderr, "traefik-bench: %s\n", ops[0].error);
	for (size_t k = 0; k < n; k++)
		object_unref(objs[k]);
	free(objs);
	free(ops);
	return ret;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	struct traefik_manifest own_a, own_b;
	char a[4096], b[4096], err[256];
	double t, v[SINGLE_REPS];
	int n, serial;

	if (argc != 3 || (n = atoi(argv[2])) < 1) {
		fputs("usage: traefik-bench DIR N\n", stderr);
		return 2;
	}
	snprintf(a, sizeof(a), "%s/batch", argv[1]);
	snprintf(b, sizeof(b), "%s/serial", argv[1]);
	if ((mkdir(argv[1], 0755) && errno != EEXIST) || mkdir(a, 0755) || mkdir(b, 0755)) {
		perror("traefik-bench: mkdir");
		return 1;
	}
	/* each directory holds its own manifest (not a .yml: Traefik ignores it) */
	if (traefik_manifest_open(&own_a, a, a, err, sizeof(err)) ||
	    traefik_manifest_open(&own_b, b, b, err, sizeof(err)))
		return 1;
	printf("n=%d\n", n);
	t = now_s();
	if (commit(&own_a, 0, n, 0, false))
		return 1;
	printf("batch_ms=%.1f\n", (now_s() - t) * 1e3);
	t = now_s();
	if (commit(&own_a, 0, n, 1, false))
		return 1;
	printf("rewrite_ms=%.1f\n", (now_s() - t) * 1e3);
	for (int r = 0; r < SINGLE_REPS; r++) {
		t = now_s();
		if (commit(&own_a, (r * 7919) % n, (r * 7919) % n + 1, 2 + r, false))
			return 1;
		v[r] = (now_s() - t) * 1e3;
	}
	qsort(v, SINGLE_REPS, sizeof(v[0]), cmp_double);
	printf("single_p50_ms=%.3f\nsingle_p99_ms=%.3f\n", v[SINGLE_REPS / 2], v[SINGLE_REPS * 99 / 100]);
	serial = n < SERIAL_MAX ? n : SERIAL_MAX;
	t = now_s();
	if (commit(&own_b, 0, serial, 0, true))
		return 1;
	t = now_s() - t;
	printf("serial_files=%d\nserial_ms=%.1f\nserial_per_file_ms=%.3f\n", serial, t * 1e3,
	       t * 1e3 / serial);
	traefik_manifest_free(&own_a);
	traefik_manifest_free(&own_b);
	return 0;
}
