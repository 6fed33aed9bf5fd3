/* The Traefik edge: commits rendered routes into the watched directory, scans it back. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "traefik.h"

#define TEMP_SUFFIX ".tmp"
/*
 * Temps are written in this subdirectory: Traefik watches the directory but not its
 * subdirectories (it reads them, and skips names not ending in .yml/.yaml/.toml), so a
 * route change raises exactly one event for it, the rename (or the unlink) into place;
 * staging in the directory itself raised five (create, chmod, write, moved-from, moved-to),
 * each a re-read of every file. A subdirectory is on the same file system by construction.
 */
#define TEMP_DIR ".edge-agent-tmp"
/* an op whose name the manifest could not record on disk */
#define CLAIM_FAILED "cannot record it as this agent's file (%.400s)"

/* ".edge-agent.<source>.<id>.tmp": hidden and not .yml, so Traefik never reads a temp. Older
 * versions staged it in the directory itself: scans still remove those. */
static int temp_name(char *buf, size_t len, const char *source, const char *id)
{
	char name[NAME_MAX + 1];
	int ret, n;

	ret = traefik_file_name(name, sizeof(name), source, id);
	if (ret)
		return ret;
	n = snprintf(buf, len, ".%.*s" TEMP_SUFFIX, (int)(strlen(name) - strlen(".yml")), name);
	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	return 0;
}

static int temp_parse(const char *tmp, char *source, char *id)
{
	size_t len = strlen(tmp), slen = strlen(TEMP_SUFFIX);
	char name[NAME_MAX + 1];

	if (len <= slen + 1 || len > NAME_MAX || tmp[0] != '.' ||
	    strcmp(tmp + len - slen, TEMP_SUFFIX))
		return -EINVAL;
	snprintf(name, sizeof(name), "%.*s.yml", (int)(len - slen - 1), tmp + 1);
	return traefik_file_parse(name, source, id);
}

static void op_fail(struct traefik_op *op, int err, const char *dir, const char *why)
{
	char name[NAME_MAX + 1];

	op->result = err;
	if (traefik_file_name(name, sizeof(name), op->source, op->id))
		snprintf(name, sizeof(name), "edge-agent.%s.%s.yml", op->source, op->id);
	snprintf(op->error, sizeof(op->error), "%s %s/%s: %s", op->route ? "write" : "remove",
		 dir, name, why ? why : strerror(-err));
}

/* Whether dir/name is a regular 0644 file holding exactly buf: then it is left alone. */
static bool file_same(int dfd, const char *name, const char *buf, size_t len)
{
	char chunk[4096];
	struct stat st;
	bool same = false;
	size_t off = 0;
	ssize_t r;
	int fd;

	fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return false;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || (st.st_mode & 07777) != 0644 ||
	    (size_t)st.st_size != len)
		goto out;
	while (off < len) {
		r = read(fd, chunk, sizeof(chunk));
		if (r <= 0 || (size_t)r > len - off || memcmp(chunk, buf + off, (size_t)r))
			goto out;
		off += (size_t)r;
	}
	same = read(fd, chunk, 1) == 0;
out:
	close(fd);
	return same;
}

/*
 * Leaves a complete temp file in TEMP_DIR or nothing. Returns 1 when the file in place
 * already holds the rendered bytes: no write, no event for Traefik. Not flushed: what makes
 * a route durable is its record in DATA_DIR, from which every start rewrites a file that
 * does not hold the rendered bytes (a power cut may leave one empty or old).
 */
static int op_stage(int dfd, int tdfd, const char *dir, struct traefik_op *op,
		    struct strbuf *sb)
{
	char tmp[NAME_MAX + 1], name[NAME_MAX + 1];
	bool created = false;
	int fd = -1, ret;

	strbuf_reset(sb);
	ret = traefik_render(sb, op->source, op->route);
	if (ret == -EINVAL) {
		op_fail(op, ret, dir, "route rejected: Traefik needs printable ASCII without "
			"'{{' or '}}' and a [a-z0-9.-] hostname");
		return ret;
	}
	if (!ret)
		ret = traefik_file_name(name, sizeof(name), op->source, op->id);
	if (!ret && file_same(dfd, name, sb->buf, sb->len))
		return 1;
	if (!ret)
		ret = temp_name(tmp, sizeof(tmp), op->source, op->id);
	if (ret)
		goto out;
	if (unlinkat(tdfd, tmp, 0) < 0 && errno != ENOENT) {
		ret = -errno;
		goto out;
	}
	fd = openat(tdfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0) {
		ret = -errno;
		goto out;
	}
	created = true;
	if (fchmod(fd, 0644) < 0) {
		ret = -errno;
		goto out;
	}
	ret = fileio_write_all(fd, sb->buf, sb->len);
out:
	if (fd >= 0 && close(fd) < 0 && !ret)
		ret = -errno;
	if (ret && created)
		unlinkat(tdfd, tmp, 0);
	if (ret)
		op_fail(op, ret, dir, NULL);
	return ret;
}

/* Renames a staged temp into place, or removes the file if it is ours; in op order. */
static int op_apply(struct traefik_manifest *own, int dfd, int tdfd, const char *dir,
		    struct traefik_op *op)
{
	char name[NAME_MAX + 1], tmp[NAME_MAX + 1];
	int ret;

	ret = traefik_file_name(name, sizeof(name), op->source, op->id);
	if (!ret && op->route)
		ret = temp_name(tmp, sizeof(tmp), op->source, op->id);
	if (ret)
		goto out;
	if (!op->route) {
		if (!traefik_manifest_owns(own, name))
			return 0;
		if (unlinkat(dfd, name, 0) < 0 && errno != ENOENT)
			ret = -errno;
		else
			traefik_manifest_release(own, name);
	} else if (renameat(tdfd, tmp, dfd, name) < 0) {
		ret = -errno;
		unlinkat(tdfd, tmp, 0);
	}
out:
	if (ret)
		op_fail(op, ret, dir, NULL);
	return ret;
}

static int op_name_cmp(const struct traefik_op *x, const struct traefik_op *y)
{
	int r = strcmp(x->source, y->source);

	return r ? r : strcmp(x->id, y->id);
}

static int op_cmp(const void *a, const void *b)
{
	const struct traefik_op *x = *(const struct traefik_op *const *)a;
	const struct traefik_op *y = *(const struct traefik_op *const *)b;
	int r = op_name_cmp(x, y);

	return r ? r : (x > y) - (x < y);
}

/* Refuses bad names, and later ops on a file already in the batch: they share a temp. */
static int ops_check(const char *dir, struct traefik_op *ops, size_t n)
{
	char name[NAME_MAX + 1];
	struct traefik_op **v;
	size_t i, m = 0;

	v = calloc(n ? n : 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		if (traefik_file_name(name, sizeof(name), ops[i].source, ops[i].id))
			op_fail(&ops[i], -EINVAL, dir,
				"source and id must match [a-z0-9][a-z0-9_-]{0,62}");
		else if (ops[i].route && strcmp(ops[i].route->id, ops[i].id))
			op_fail(&ops[i], -EINVAL, dir, "op id differs from the route's id");
		else
			v[m++] = &ops[i];
	}
	qsort(v, m, sizeof(*v), op_cmp);
	for (i = 1; i < m; i++)
		if (!op_name_cmp(v[i - 1], v[i]))
			op_fail(v[i], -EINVAL, dir, "file named twice in one batch");
	free(v);
	return 0;
}

static void ops_fail_ok(struct traefik_op *ops, size_t n, int err, const char *dir,
			const char *why)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!ops[i].result)
			op_fail(&ops[i], err, dir, why);
}

/* Records the names of new files on disk before any is written; fails those it could not. */
static int ops_claim(struct traefik_manifest *own, struct traefik_op *ops, size_t n, bool lazy)
{
	char name[NAME_MAX + 1], err[ERR_LEN], why[ERR_LEN];
	bool *fresh;
	size_t i;
	int ret = 0;

	fresh = calloc(n ? n : 1, sizeof(*fresh));
	if (!fresh)
		return -ENOMEM;
	for (i = 0; i < n && !ret; i++) {
		if (!ops[i].route || ops[i].result ||
		    traefik_file_name(name, sizeof(name), ops[i].source, ops[i].id) ||
		    traefik_manifest_owns(own, name))
			continue;
		ret = traefik_manifest_claim(own, name);
		fresh[i] = !ret;
	}
	if (!ret)
		ret = lazy ? traefik_manifest_save_lazy(own, err, sizeof(err)) :
			     traefik_manifest_save(own, err, sizeof(err));
	else
		snprintf(err, sizeof(err), "%s", strerror(-ret));
	if (ret) {
		snprintf(why, sizeof(why), CLAIM_FAILED, err);
		for (i = 0; i < n; i++) {
			if (!fresh[i])
				continue;
			traefik_file_name(name, sizeof(name), ops[i].source, ops[i].id);
			traefik_manifest_release(own, name);
			op_fail(&ops[i], ret, own->dir, why);
		}
	}
	free(fresh);
	return 0;
}

/*
 * Opens TEMP_DIR, made on first use. Mode 0755 whatever the umask: Traefik lists
 * subdirectories, and one it cannot read fails its whole rebuild. Never a symlink.
 */
static int temp_dir_open(int dfd)
{
	bool made = mkdirat(dfd, TEMP_DIR, 0755) == 0;
	int fd;

	if (!made && errno != EEXIST)
		return -errno;
	fd = openat(dfd, TEMP_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (made && fchmod(fd, 0755) < 0) {
		close(fd);
		return -errno;
	}
	return fd;
}

/* The gate's records could not be made durable: the claims must be, or nothing is put in place. */
static void gate_pass(struct traefik_manifest *own, const struct traefik_gate *gate, int tdfd,
		      struct traefik_op *ops, const bool *same, size_t n)
{
	char err[ERR_LEN], why[ERR_LEN], tmp[NAME_MAX + 1];
	int ret;

	if (!gate || !gate->wait(gate->arg) || !(ret = traefik_manifest_sync(own, err, sizeof(err))))
		return;
	snprintf(why, sizeof(why), CLAIM_FAILED, err);
	for (size_t i = 0; i < n; i++) {
		if (!ops[i].route || ops[i].result)
			continue;
		if (!same[i] && !temp_name(tmp, sizeof(tmp), ops[i].source, ops[i].id))
			unlinkat(tdfd, tmp, 0);
		op_fail(&ops[i], ret, own->dir, why);
	}
}

int traefik_commit(struct traefik_manifest *own, struct traefik_op *ops, size_t n,
		   const struct traefik_gate *gate)
{
	const char *dir = own->dir;
	size_t i, writes = 0;
	char why[ERR_LEN];
	struct strbuf sb;
	int dfd, tdfd = -1, ret;
	bool *same;

	strbuf_init(&sb);
	same = calloc(n ? n : 1, sizeof(*same));
	for (i = 0; i < n; i++) {
		ops[i].result = 0;
		ops[i].error[0] = '\0';
	}
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ret = dfd < 0 ? -errno : !same ? -ENOMEM : ops_check(dir, ops, n);
	if (!ret)
		ret = ops_claim(own, ops, n, gate != NULL);
	if (ret) {
		ops_fail_ok(ops, n, ret, dir, NULL);
		goto out;
	}
	for (i = 0; i < n; i++)
		writes += ops[i].route && !ops[i].result;
	if (writes && (tdfd = temp_dir_open(dfd)) < 0) {
		snprintf(why, sizeof(why), "temp directory %s/%s: %s", dir, TEMP_DIR, strerror(-tdfd));
		for (i = 0; i < n; i++)
			if (ops[i].route && !ops[i].result)
				op_fail(&ops[i], tdfd, dir, why);
	}
	for (i = 0; i < n; i++) {
		if (!ops[i].route || ops[i].result)
			continue;
		same[i] = op_stage(dfd, tdfd, dir, &ops[i], &sb) > 0;
	}
	gate_pass(own, gate, tdfd, ops, same, n);
	for (i = 0; i < n; i++)
		if (!ops[i].result && !same[i])
			op_apply(own, dfd, tdfd, dir, &ops[i]);
	/* Names of removed files leave it; if that is lost they stay listed, which is harmless. */
	traefik_manifest_save_lazy(own, why, sizeof(why));
out:
	if (tdfd >= 0)
		close(tdfd);
	if (dfd >= 0)
		close(dfd);
	strbuf_free(&sb);
	free(same);
	for (i = 0; i < n; i++)
		if (ops[i].result)
			return ops[i].result;
	return 0;
}

static bool entry_is_dir(int dfd, const struct dirent *de)
{
	struct stat st;

	if (de->d_type != DT_UNKNOWN)
		return de->d_type == DT_DIR;
	return fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
}

/* A leftover temp of ours, in dfd, is removed (best effort: it only costs space). */
static void temp_sweep(const struct traefik_manifest *own, int dfd, const char *tmp)
{
	char name[NAME_MAX + 1], source[ID_LEN], id[ID_LEN];

	if (!temp_parse(tmp, source, id) && !traefik_file_name(name, sizeof(name), source, id) &&
	    traefik_manifest_owns(own, name))
		unlinkat(dfd, tmp, 0);
}

static void temp_dir_sweep(const struct traefik_manifest *own, int dfd)
{
	struct dirent *de;
	DIR *d;
	int fd;

	fd = openat(dfd, TEMP_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((de = readdir(d)))
		temp_sweep(own, dirfd(d), de->d_name);
	closedir(d);
}

int traefik_scan(struct traefik_manifest *own,
		 int (*fn)(void *arg, const char *source, const char *id), void *arg)
{
	char source[ID_LEN], id[ID_LEN];
	struct dirent *de;
	int ret = 0;
	DIR *d;

	d = opendir(own->dir);
	if (!d)
		return -errno;
	for (;;) {
		errno = 0;
		de = readdir(d);
		if (!de) {
			ret = -errno;
			break;
		}
		if (!temp_parse(de->d_name, source, id)) {
			temp_sweep(own, dirfd(d), de->d_name);
			continue;
		}
		if (traefik_file_parse(de->d_name, source, id) ||
		    !traefik_manifest_owns(own, de->d_name) || entry_is_dir(dirfd(d), de))
			continue;
		ret = fn(arg, source, id);
		if (ret)
			break;
	}
	temp_dir_sweep(own, dirfd(d));
	closedir(d);
	return ret;
}
