/*
 * Which files in the Traefik directory this agent created: DATA_DIR/traefik.manifest.
 * A name enters it (on disk) before its file is first written and leaves it after the
 * file is removed, so the agent never removes a file it cannot prove it wrote: another
 * agent's sharing the directory, or an operator's that merely shares the prefix.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fileio.h"
#include "traefik.h"

#define MANIFEST_MAGIC "edge-agent traefik manifest 1\n"
#define MANIFEST_MAX (64u << 20)

static void manifest_clear(struct traefik_manifest *m)
{
	hmap_each(&m->names, it)
		free(it->val);
	hmap_free(&m->names);
	m->dirty = false;
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
	m->dirty = true;
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
		if (traefik_file_parse(line, source, id))
			continue;
		ret = manifest_add(m, line);
		if (ret)
			return ret;
	}
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
	err[0] = '\0';
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

int traefik_manifest_save(struct traefik_manifest *m, char *err, size_t errlen)
{
	struct strbuf sb;
	const char **v;
	size_t n = 0;
	int ret;

	if (!m->dirty)
		return 0;
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
	ret = sb.err;
	if (!ret)
		ret = fileio_write_atomic(m->data_dir, TRAEFIK_MANIFEST, sb.buf, sb.len, 0600,
					  err, errlen);
	else
		snprintf(err, errlen, "%s", strerror(-ret));
	if (!ret)
		m->dirty = false;
	strbuf_free(&sb);
	free(v);
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
