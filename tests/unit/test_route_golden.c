/*
 * Golden files: tests/golden/routes/<case>.json is a route payload (id "web", source gw1),
 * <case>.yml the exact file the agent writes for it; every .yml is then checked against
 * Traefik's v3 schema and the keys of Traefik v3.6's reference dynamic file. A case whose
 * name starts with "ep-" runs with TRAEFIK_TLS=entrypoint.
 * The named set "office" is 198.51.100.0/24 and 2001:db8:1::/48.
 * GOLDEN_UPDATE=1 rewrites the .yml files from the current renderer (review the diff).
 */
#include <dirent.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "cidr.h"
#include "payload.h"
#include "route_json.h"
#include "sets.h"
#include "traefik.h"

static char dir[PATH_MAX];
static struct sets sets;        /* "office": what "@office" in a golden payload expands to */

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
		buf = malloc((size_t)n + 1);
		if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
			free(buf);
			buf = NULL;
		} else if (buf) {
			buf[n] = '\0';
			*len = (size_t)n;
		}
	}
	fclose(f);
	return buf;
}

static void policy_init(struct policy *pol, enum route_tls tls)
{
	char err[128];

	memset(pol, 0, sizeof(*pol));
	cidr_list_parse(&pol->allowed, "10.0.0.0/8,fd00::/8", err, sizeof(err));
	pol->entrypoint = "websecure";
	pol->http_entrypoint = "web";
	pol->tls = tls;
	pol->sets = &sets;
}

static void golden_case(const char *name)
{
	char path[PATH_MAX + 300], err[ERR_LEN], label[400];
	struct object *o = NULL, *again = NULL;
	struct strbuf sb, js;
	struct policy pol;
	size_t len = 0, wlen = 0;
	char *json, *want;
	FILE *f;

	policy_init(&pol, strncmp(name, "ep-", 3) ? ROUTE_TLS_ROUTER : ROUTE_TLS_ENTRYPOINT);
	strbuf_init(&sb);
	strbuf_init(&js);
	snprintf(path, sizeof(path), "%s/%s.json", dir, name);
	json = slurp(path, &len);
	snprintf(label, sizeof(label), "golden %s: payload parses", name);
	CHECK(label, json && payload_parse(KIND_ROUTE, "web", json, len, &pol, &o, err,
					   sizeof(err)) == 0);
	if (!o) {
		printf("  %s\n", err);
		goto out;
	}
	snprintf(label, sizeof(label), "golden %s: renders", name);
	CHECK(label, traefik_render(&sb, "gw1", o) == 0);
	snprintf(path, sizeof(path), "%s/%s.yml", dir, name);
	if (getenv("GOLDEN_UPDATE") && sb.buf && (f = fopen(path, "w"))) {
		fputs(sb.buf, f);
		fclose(f);
	}
	want = slurp(path, &wlen);
	snprintf(label, sizeof(label), "golden %s: file is as expected", name);
	CHECK_STR(label, sb.buf, want ? want : "(missing golden file)");
	free(want);
	/* the cache keeps route_json; reading it back must give the same object */
	route_json(&js, &o->route);
	snprintf(label, sizeof(label), "golden %s: cache form reads back equal", name);
	CHECK(label, payload_parse(KIND_ROUTE, "web", js.buf, js.len, &pol, &again, err,
				   sizeof(err)) == 0 && object_equal(o, again));
out:
	object_unref(o);
	object_unref(again);
	free(json);
	strbuf_free(&sb);
	strbuf_free(&js);
	cidr_list_free(&pol.allowed);
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(void)
{
	char src[] = __FILE__, cmd[2 * PATH_MAX + 64], line[1024], *names[256];
	size_t n = 0, k;
	struct dirent *de;
	DIR *d;
	FILE *p;
	int ret;

	struct cidr_list office;
	char err[128];

	setvbuf(stdout, NULL, _IOLBF, 0);
	sets_init(&sets);
	cidr_list_parse(&office, "198.51.100.0/24, 2001:db8:1::/48", err, sizeof(err));
	sets_put(&sets, 0, "office", &office, 1);
	snprintf(dir, sizeof(dir), "%s/../golden/routes", dirname(src));
	d = opendir(dir);
	if (!d) {
		CHECK("golden directory opens", 0);
		sets_free(&sets);
		return CHECK_DONE();
	}
	while ((de = readdir(d)) && n < 256) {
		k = strlen(de->d_name);
		if (k > 5 && !strcmp(de->d_name + k - 5, ".json"))
			names[n++] = strndup(de->d_name, k - 5);
	}
	closedir(d);
	qsort(names, n, sizeof(*names), name_cmp);
	CHECK("golden: at least 20 cases", n >= 20);
	for (k = 0; k < n; k++)
		golden_case(names[k]);
	for (k = 0; k < n; k++)
		free(names[k]);

	if (access("/usr/bin/python3", X_OK)) {
		printf("SKIP golden schema: /usr/bin/python3 not found\n");
		sets_free(&sets);
		return CHECK_DONE();
	}
	snprintf(cmd, sizeof(cmd), "/usr/bin/python3 '%s/../../lib/check_traefik.py' '%s'/*.yml 2>&1",
		 dir, dir);
	p = popen(cmd, "r");
	if (!p) {
		CHECK("golden schema: check_traefik.py runs", 0);
		sets_free(&sets);
		return CHECK_DONE();
	}
	while (fgets(line, sizeof(line), p))
		printf("  check_traefik: %s", line);
	ret = pclose(p);
	CHECK("golden schema: every golden file passes Traefik's v3 schema",
	      WIFEXITED(ret) && WEXITSTATUS(ret) == 0);
	sets_free(&sets);
	return CHECK_DONE();
}
