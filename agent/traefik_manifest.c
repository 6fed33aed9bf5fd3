/*
 * Which files in the Traefik directory this agent created: DATA_DIR/traefik.manifest.
 * A name enters it (on disk) before its file is first written and leaves it after the
 * file is removed, so the agent never removes a file it cannot prove it wrote: another
 * agent's sharing the directory, or an operator's that merely shares the prefix.
 * Changes are appended ("<name>" adds, "-<name>" removes; an owned name never starts with
 * '-'), so a route added among 10,000 costs one short append, not a rewrite of them all.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "traefik.h"

#define MANIFEST_MAGIC "edge-agent traefik manifest 1\n"
#define MANIFEST_MAX (64u << 20)
/*
 * Empty lines written ahead of the changes: an append is then an overwrite, whose fdatasync
 * leaves the inode alone (readers skip empty lines, as every version did).
 */
#define MANIFEST_PAD 16384

static const char *manifest_key(const void *name)
{
	return name;
}

static void manifest_clear(struct traefik_manifest *m)
{
	hmap_each(&m->names, it)
		free(it->val);
	hmap_free(&m->names);
	strbuf_free(&m->changes);
	m->dirty = false;
	m->names_len = 0;
}

static int manifest_add(struct traefik_manifest *m, const char *name)
{
	char *key;
	int ret;

	if (hmap_get(&m->names, name))
		return 0;
	key = strdup(name);
	if (!key)
		return -ENOMEM;
	ret = hmap_put(&m->names, key, key);
	if (ret) {
		free(key);
		return ret;
	}
	m->names_len += strlen(name) + 1;
	m->dirty = true;
	strbuf_puts(&m->changes, name);
	strbuf_add(&m->changes, "\n", 1);
	return 0;
}

/* Lines after the header: "dir <path>", then one owned file name per line. */
static int manifest_parse(struct traefik_manifest *m, char *buf)
{
	char source[ID_LEN], id[ID_LEN];
	char *line, *next, *nl;
	int ret;

	if (strncmp(buf, MANIFEST_MAGIC, strlen(MANIFEST_MAGIC)))
		return -EINVAL;
	line = buf + strlen(MANIFEST_MAGIC);
	nl = strchr(line, '\n');
	if (!nl || strncmp(line, "dir ", 4))
		return -EINVAL;
	*nl = '\0';
	if (strcmp(line + 4, m->dir))
		return -ESTALE;
	for (line = nl + 1; *line; line = next) {
		nl = strchr(line, '\n');
		next = nl ? nl + 1 : line + strlen(line);
		if (nl)
			*nl = '\0';
		if (line[0] == '-' && !traefik_file_parse(line + 1, source, id)) {
			traefik_manifest_release(m, line + 1);
			continue;
		}
		if (traefik_file_parse(line, source, id))
			continue;
		ret = manifest_add(m, line);
		if (ret)
			return ret;
	}
	strbuf_reset(&m->changes);
	m->dirty = false;
	return 0;
}

int traefik_manifest_open(struct traefik_manifest *m, const char *data_dir, const char *dir,
			  char *err, size_t errlen)
{
	char *buf = NULL;
	size_t len;
	int ret;

	memset(m, 0, sizeof(*m));
	hmap_init_keyed(&m->names, manifest_key);
	err[0] = '\0';
	strbuf_init(&m->changes);
	m->rewrite = true;
	m->data_dir = strdup(data_dir);
	m->dir = strdup(dir);
	if (!m->data_dir || !m->dir)
		return -ENOMEM;
	ret = fileio_read(data_dir, TRAEFIK_MANIFEST, &buf, &len, MANIFEST_MAX);
	if (ret == -ENOENT)
		return 0;
	if (!ret && strlen(buf) != len)
		ret = -EINVAL;
	if (!ret)
		ret = manifest_parse(m, buf);
	/* a torn last line (power cut during an append) is dropped by the next rewrite */
	if (!ret && len && buf[len - 1] == '\n') {
		m->rewrite = false;
		m->file_size = len;
		while (len >= 2 && buf[len - 2] == '\n')
			len--;
		m->file_len = len;
	}
	free(buf);
	if (ret == -ESTALE)
		snprintf(err, errlen, "%s/%s describes another directory; files there are left alone",
			 data_dir, TRAEFIK_MANIFEST);
	else if (ret)
		snprintf(err, errlen, "%s/%s: %s; no file is removed until this agent writes it again",
			 data_dir, TRAEFIK_MANIFEST, ret == -EINVAL ? "not a manifest" : strerror(-ret));
	if (ret == -ENOMEM)
		return ret;
	if (ret)
		manifest_clear(m);
	return 0;
}

bool traefik_manifest_owns(const struct traefik_manifest *m, const char *name)
{
	return hmap_get(&m->names, name) != NULL;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The whole file, atomically (temp, fsync, rename, directory fsync). */
static int manifest_rewrite(struct traefik_manifest *m, char *err, size_t errlen)
{
	static const char PAD_LINES[] = "\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n"
					"\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n";
	struct strbuf sb;
	const char **v;
	size_t n = 0, lines;
	int ret;

	v = malloc((m->names.n ? m->names.n : 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	hmap_each(&m->names, it)
		v[n++] = it->key;
	qsort(v, n, sizeof(*v), name_cmp);
	strbuf_init(&sb);
	strbuf_printf(&sb, MANIFEST_MAGIC "dir %s\n", m->dir);
	for (size_t i = 0; i < n; i++) {
		strbuf_puts(&sb, v[i]);
		strbuf_add(&sb, "\n", 1);
	}
	lines = sb.len;
	for (size_t i = 0; i < MANIFEST_PAD / 64; i++)
		strbuf_add(&sb, PAD_LINES, 64);
	ret = sb.err;
	if (!ret)
		ret = fileio_write_atomic(m->data_dir, TRAEFIK_MANIFEST, sb.buf, sb.len, 0600,
					  err, errlen);
	else
		snprintf(err, errlen, "%s", strerror(-ret));
	if (!ret) {
		m->rewrite = false;
		m->file_len = lines;
		m->file_size = sb.len;
	}
	strbuf_free(&sb);
	free(v);
	return ret;
}

static int pwrite_all(int fd, const char *p, size_t len, size_t off)
{
	while (len) {
		ssize_t n = pwrite(fd, p, len, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		off += (size_t)n;
		len -= (size_t)n;
	}
	return 0;
}

static void manifest_path(const struct traefik_manifest *m, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", m->data_dir, TRAEFIK_MANIFEST);
}

/*
 * The changes over the padding after the last line (then fdatasync if sync), new padding
 * when little is left; only to the agent's own file, as it left it.
 */
static int manifest_append(struct traefik_manifest *m, bool sync, char *err, size_t errlen)
{
	size_t end = m->file_len + m->changes.len, size = m->file_size;
	char path[4096], pad[4096];
	struct stat sb;
	int fd, ret;

	manifest_path(m, path, sizeof(path));
	fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &sb) || !S_ISREG(sb.st_mode) || sb.st_nlink != 1 ||
	    (size_t)sb.st_size != m->file_size)
		ret = -ESTALE;
	else
		ret = pwrite_all(fd, m->changes.buf, m->changes.len, m->file_len);
	if (end > size)
		size = end;
	if (!ret && size - end < sizeof(pad)) {
		memset(pad, '\n', sizeof(pad));
		for (int i = 0; !ret && i < MANIFEST_PAD / (int)sizeof(pad); i++, size += sizeof(pad))
			ret = pwrite_all(fd, pad, sizeof(pad), size);
	}
	if (!ret && sync && fdatasync(fd))
		ret = -errno;
	if (close(fd) && !ret)
		ret = -errno;
	if (ret) {
		snprintf(err, errlen, "append to %s: %s", path, strerror(-ret));
	} else {
		m->file_len = end;
		m->file_size = size;
	}
	return ret;
}

static int manifest_store(struct traefik_manifest *m, bool sync, char *err, size_t errlen)
{
	int ret = m->changes.err;

	if (!m->dirty)
		return 0;
	if (!ret && !m->rewrite && m->file_len + m->changes.len <= 2 * m->names_len + 4096)
		ret = manifest_append(m, sync, err, errlen);
	else
		ret = -EAGAIN;
	/* a failed append may have left a torn tail: the whole file replaces it */
	if (ret)
		ret = manifest_rewrite(m, err, errlen);
	if (!ret) {
		m->dirty = false;
		strbuf_reset(&m->changes);
	}
	return ret;
}

int traefik_manifest_save(struct traefik_manifest *m, char *err, size_t errlen)
{
	return manifest_store(m, true, err, errlen);
}

int traefik_manifest_save_lazy(struct traefik_manifest *m, char *err, size_t errlen)
{
	return manifest_store(m, false, err, errlen);
}

int traefik_manifest_sync(struct traefik_manifest *m, char *err, size_t errlen)
{
	char path[4096];
	int fd, ret = 0;

	manifest_path(m, path, sizeof(path));
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0 || fdatasync(fd))
		ret = -errno;
	if (fd >= 0)
		close(fd);
	if (ret)
		snprintf(err, errlen, "sync %s: %s", path, strerror(-ret));
	return ret;
}

int traefik_manifest_claim(struct traefik_manifest *m, const char *name)
{
	return manifest_add(m, name);
}

void traefik_manifest_release(struct traefik_manifest *m, const char *name)
{
	char *key = hmap_del(&m->names, name);

	if (key) {
		m->names_len -= strlen(key) + 1;
		strbuf_add(&m->changes, "-", 1);
		strbuf_puts(&m->changes, key);
		strbuf_add(&m->changes, "\n", 1);
		free(key);
		m->dirty = true;
	}
}

void traefik_manifest_free(struct traefik_manifest *m)
{
	manifest_clear(m);
	free(m->data_dir);
	free(m->dir);
	memset(m, 0, sizeof(*m));
}
