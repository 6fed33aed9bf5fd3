#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "cidr.h"
#include "field.h"
#include "json_strict.h"
#include "payload.h"
#include "sets.h"
#include "strbuf.h"


struct named_set {
	unsigned version;   /* of the set in effect: bumped on every change of it */
	struct cidr_list src[MAX_SOURCES];
	bool has[MAX_SOURCES];
	unsigned gen[MAX_SOURCES];
	char id[];
};

void sets_init(struct sets *ss)
{
	memset(ss, 0, sizeof(*ss));
}

static void set_free(struct named_set *ns)
{
	for (int i = 0; i < MAX_SOURCES; i++)
		cidr_list_free(&ns->src[i]);
	free(ns);
}

static void user_free(struct set_user *u)
{
	if (!u)
		return;
	sets_ids_free(u->set_ids, u->n_sets);
	free(u->payload);
	free(u);
}

void sets_free(struct sets *ss)
{
	hmap_each(&ss->sets, it)
		set_free(it->val);
	hmap_each(&ss->users, it)
		user_free(it->val);
	hmap_free(&ss->sets);
	hmap_free(&ss->users);
}

void sets_ids_free(char **ids, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(ids[i]);
	free(ids);
}

int sets_parse(const char *id, const char *buf, size_t len, struct cidr_list *out,
	       char *err, size_t errlen)
{
	static const char *const keys[] = { "cidrs" };
	struct field_ctx c = { "set", id, NULL, err, errlen, NULL };
	struct json_object *root = NULL, *arr, *v;
	enum json_tokener_error jerr;
	char why[ERR_LEN], name[32];
	struct cidr net;
	size_t at;
	int ret;

	memset(out, 0, sizeof(*out));
	if (len > SET_PAYLOAD_MAX)
		return field_fail(&c, "payload is %zu bytes, over the limit of %d bytes", len,
				  SET_PAYLOAD_MAX);
	ret = json_strict_parse(buf, len, 3, &root, &jerr, &at);
	if (ret == -ENOMEM)
		return field_nomem(&c);
	if (ret)
		return field_fail(&c, "payload is not valid JSON: %s at offset %zu",
				  json_tokener_error_desc(jerr), at);
	ret = field_value_object(&c, "payload", root, keys, 1);
	if (!ret)
		ret = field_array(&c, root, "cidrs", SET_CIDRS_MAX, &arr);
	if (!ret && !arr)
		ret = field_fail(&c, "cidrs is required (accepted: [\"203.0.113.0/24\", ...], 1 to "
				 "%d networks)", SET_CIDRS_MAX);
	for (size_t i = 0; !ret && i < json_object_array_length(arr); i++) {
		v = json_object_array_get_idx(arr, i);
		snprintf(name, sizeof(name), "cidrs[%zu]", i);
		if (!json_object_is_type(v, json_type_string))
			ret = field_fail(&c, "%s must be a string, got %s", name, field_type(v));
		else if (cidr_parse(&net, json_object_get_string(v),
				    (size_t)json_object_get_string_len(v), why, sizeof(why)))
			ret = field_fail(&c, "%s %s", name, why);
		else if (cidr_list_add(out, &net))
			ret = field_nomem(&c);
	}
	json_object_put(root);
	if (ret)
		cidr_list_free(out);
	return ret;
}

static int set_top(const struct named_set *ns)
{
	for (int i = 0; i < MAX_SOURCES; i++)
		if (ns->has[i])
			return i;
	return -1;
}

const struct cidr_list *sets_get(const struct sets *ss, const char *id)
{
	const struct named_set *ns = hmap_get(&ss->sets, id);
	int top = ns ? set_top(ns) : -1;

	return top < 0 ? NULL : &ns->src[top];
}

unsigned sets_version(const struct sets *ss, const char *id)
{
	const struct named_set *ns = hmap_get(&ss->sets, id);

	return ns && set_top(ns) >= 0 ? ns->version : 0;
}

static bool list_equal(const struct cidr_list *a, const struct cidr_list *b)
{
	return a->n == b->n && (!a->n || !memcmp(a->v, b->v, a->n * sizeof(*a->v)));
}

int sets_put(struct sets *ss, int source, const char *id, struct cidr_list *l, unsigned gen)
{
	struct named_set *ns = hmap_get(&ss->sets, id);
	struct cidr_list before = { 0 }, prev;
	const struct cidr_list *now;
	bool had_before, changed;
	size_t n = strlen(id) + 1;
	int top;

	if (source < 0 || source >= MAX_SOURCES)
		return -EINVAL;
	if (!ns && !l)
		return 0;
	if (!ns) {
		ns = calloc(1, sizeof(*ns) + n);
		if (!ns)
			return -ENOMEM;
		memcpy(ns->id, id, n);
		if (hmap_put(&ss->sets, ns->id, ns)) {
			free(ns);
			return -ENOMEM;
		}
	}
	top = set_top(ns);
	had_before = top >= 0;
	if (had_before)
		before = ns->src[top];          /* shallow: prev stays allocated until the end */
	prev = ns->src[source];
	memset(&ns->src[source], 0, sizeof(ns->src[source]));
	ns->has[source] = l != NULL;
	ns->gen[source] = gen;
	if (l) {
		ns->src[source] = *l;
		memset(l, 0, sizeof(*l));
	}
	now = sets_get(ss, id);
	changed = had_before != (now != NULL) || (now && !list_equal(&before, now));
	cidr_list_free(&prev);
	if (changed)
		ns->version = ++ss->version;
	if (set_top(ns) < 0) {
		hmap_del(&ss->sets, ns->id);
		set_free(ns);
	}
	return changed;
}

int sets_use(struct sets *ss, enum kind kind, int source, const char *id, const char *payload,
	     size_t len, char *const *set_ids, size_t n, unsigned gen)
{
	char key[ID_LEN + 16];
	struct set_user *u;
	size_t kn;

	snprintf(key, sizeof(key), "%d/%d/%s", (int)kind, source, id);
	user_free(hmap_del(&ss->users, key));
	if (!n)
		return 0;
	kn = strlen(key) + 1;
	u = calloc(1, sizeof(*u) + kn);
	if (!u)
		return -ENOMEM;
	memcpy(u->key, key, kn);
	u->kind = kind;
	u->source = source;
	snprintf(u->id, sizeof(u->id), "%s", id);
	u->gen = gen;
	u->payload = malloc(len + 1);
	u->set_ids = calloc(n, sizeof(*u->set_ids));
	if (!u->payload || !u->set_ids)
		goto nomem;
	memcpy(u->payload, payload, len);
	u->payload[len] = '\0';
	u->len = len;
	for (; u->n_sets < n; u->n_sets++) {
		u->set_ids[u->n_sets] = strdup(set_ids[u->n_sets]);
		if (!u->set_ids[u->n_sets])
			goto nomem;
	}
	if (hmap_put(&ss->users, u->key, u))
		goto nomem;
	return 0;
nomem:
	user_free(u);
	return -ENOMEM;
}

static bool user_names(const struct set_user *u, const char *set_id)
{
	for (size_t i = 0; i < u->n_sets; i++)
		if (!strcmp(u->set_ids[i], set_id))
			return true;
	return false;
}

int sets_users_of(const struct sets *ss, const char *set_id, struct set_user ***out, size_t *n)
{
	struct set_user **v = NULL, *c;
	size_t k = 0;

	*out = NULL;
	*n = 0;
	if (ss->users.n && !(v = calloc(ss->users.n, sizeof(*v))))
		return -ENOMEM;
	hmap_each(&ss->users, it) {
		const struct set_user *u = it->val;

		if (!user_names(u, set_id))
			continue;
		c = calloc(1, sizeof(*c) + 1);
		if (c)
			c->payload = malloc(u->len + 1);
		if (!c || !c->payload) {
			user_free(c);
			sets_users_free(v, k);
			return -ENOMEM;
		}
		c->kind = u->kind;
		c->gen = u->gen;
		c->source = u->source;
		memcpy(c->id, u->id, sizeof(c->id));
		memcpy(c->payload, u->payload, u->len + 1);
		c->len = u->len;
		v[k++] = c;
	}
	*out = v;
	*n = k;
	return 0;
}

void sets_users_free(struct set_user **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		user_free(v[i]);
	free(v);
}

static int ids_add(char ***ids, size_t *n, const char *id, size_t len)
{
	char **v;

	for (size_t i = 0; i < *n; i++)
		if (strlen((*ids)[i]) == len && !memcmp((*ids)[i], id, len))
			return 0;
	v = array_room(*ids, *n, sizeof(*v));
	if (!v)
		return -ENOMEM;
	*ids = v;
	v[*n] = strndup(id, len);
	if (!v[*n])
		return -ENOMEM;
	(*n)++;
	return 0;
}

int sets_sweep(struct sets *ss, unsigned gen, char ***changed, size_t *n_changed)
{
	char **ids = NULL, **users = NULL;
	size_t n_ids = 0, n_users = 0;
	int ret = 0;

	*changed = NULL;
	*n_changed = 0;
	hmap_each(&ss->sets, it) {
		const struct named_set *ns = it->val;

		for (int i = 0; i < MAX_SOURCES && !ret; i++)
			if (ns->has[i] && ns->gen[i] != gen)
				ret = ids_add(&ids, &n_ids, ns->id, strlen(ns->id));
	}
	hmap_each(&ss->users, it) {
		const struct set_user *u = it->val;

		if (!ret && u->gen != gen)
			ret = ids_add(&users, &n_users, u->key, strlen(u->key));
	}
	for (size_t k = 0; !ret && k < n_users; k++)
		user_free(hmap_del(&ss->users, users[k]));
	for (size_t k = 0; !ret && k < n_ids; k++) {
		struct named_set *ns = hmap_get(&ss->sets, ids[k]);
		bool was_changed = false;

		for (int i = 0; ns && i < MAX_SOURCES; i++) {
			if (!ns->has[i] || ns->gen[i] == gen)
				continue;
			/* sets_put may free ns when its last source goes */
			ret = sets_put(ss, i, ids[k], NULL, gen);
			was_changed |= ret > 0;
			ret = ret < 0 ? ret : 0;
			ns = hmap_get(&ss->sets, ids[k]);
		}
		if (!ret && was_changed)
			ret = ids_add(changed, n_changed, ids[k], strlen(ids[k]));
	}
	sets_ids_free(ids, n_ids);
	sets_ids_free(users, n_users);
	return ret;
}

int sets_refs_of(const char *buf, size_t len, char ***ids, size_t *n)
{
	struct json_object *root = NULL, *arr, *v;
	enum json_tokener_error jerr;
	const char *s;
	size_t at, sn;
	int ret = 0;

	*ids = NULL;
	*n = 0;
	if (json_strict_parse(buf, len, 4, &root, &jerr, &at))
		return 0;
	if (json_object_is_type(root, json_type_object) &&
	    json_object_object_get_ex(root, "allow_from", &arr) &&
	    json_object_is_type(arr, json_type_array)) {
		for (size_t i = 0; !ret && i < json_object_array_length(arr); i++) {
			v = json_object_array_get_idx(arr, i);
			if (!json_object_is_type(v, json_type_string))
				continue;
			s = json_object_get_string(v);
			sn = (size_t)json_object_get_string_len(v);
			if (sn > 1 && s[0] == '@' && payload_id_valid(s + 1, sn - 1))
				ret = ids_add(ids, n, s + 1, sn - 1);
		}
	}
	json_object_put(root);
	if (ret) {
		sets_ids_free(*ids, *n);
		*ids = NULL;
		*n = 0;
	}
	return ret;
}

/*
 * The sets for DATA_DIR, one line each: "<source name>\t<set id>\t{"cidrs": [...]}\n", the
 * JSON being the set's own payload form, so a restore reads it with sets_parse.
 */
int sets_dump(const struct sets *ss, const char *const *names, size_t n_names, struct strbuf *sb)
{
	char net[64];

	strbuf_reset(sb);
	hmap_each(&ss->sets, it) {
		const struct named_set *ns = it->val;

		for (size_t i = 0; i < n_names && i < MAX_SOURCES; i++) {
			if (!ns->has[i])
				continue;
			strbuf_printf(sb, "%s\t%s\t{\"cidrs\":[", names[i], ns->id);
			for (size_t k = 0; k < ns->src[i].n; k++) {
				cidr_format(net, sizeof(net), &ns->src[i].v[k]);
				strbuf_printf(sb, "%s\"%s\"", k ? "," : "", net);
			}
			strbuf_puts(sb, "]}\n");
		}
	}
	return sb->err;
}

static int source_index(const char *const *names, size_t n_names, const char *s, size_t n)
{
	for (size_t i = 0; i < n_names && i < MAX_SOURCES; i++)
		if (strlen(names[i]) == n && !memcmp(names[i], s, n))
			return (int)i;
	return -1;
}

int sets_restore(struct sets *ss, const char *const *names, size_t n_names, const char *buf,
		 size_t len, char *err, size_t errlen)
{
	const char *end = buf + len, *line = buf;
	char id[ID_LEN];
	size_t skipped = 0;

	err[0] = '\0';
	for (size_t no = 1; line < end; no++) {
		const char *eol = memchr(line, '\n', (size_t)(end - line));
		const char *t1 = eol ? memchr(line, '\t', (size_t)(eol - line)) : NULL;
		const char *t2 = t1 ? memchr(t1 + 1, '\t', (size_t)(eol - t1 - 1)) : NULL;
		struct cidr_list l;
		int src, ret;

		if (!t2) {
			snprintf(err, errlen, "line %zu is not \"source<TAB>id<TAB>set\"", no);
			return -EINVAL;
		}
		src = source_index(names, n_names, line, (size_t)(t1 - line));
		if (src < 0 || !payload_id_valid(t1 + 1, (size_t)(t2 - t1 - 1))) {
			skipped++;     /* a group this node no longer follows, or a damaged id */
			line = eol + 1;
			continue;
		}
		snprintf(id, sizeof(id), "%.*s", (int)(t2 - t1 - 1), t1 + 1);
		ret = sets_parse(id, t2 + 1, (size_t)(eol - t2 - 1), &l, err, errlen);
		if (!ret) {
			ret = sets_put(ss, src, id, &l, 0);
			cidr_list_free(&l);
		}
		if (ret < 0)
			return ret;
		line = eol + 1;
	}
	if (skipped)
		snprintf(err, errlen, "%zu set(s) of sources this node no longer follows skipped",
			 skipped);
	return 0;
}

int sets_ref(const struct field_ctx *c, const char *name, const char *id, size_t n,
	     char **ids, size_t *n_ids, const struct cidr_list **set)
{
	char q[QUOTE_LEN];

	*set = NULL;
	payload_quote(q, sizeof(q), id, n);
	if (!payload_id_valid(id, n))
		return field_fail(c, "%s @%s is not a set name (accepted: \"@\" then "
				  "[a-z0-9][a-z0-9_-]{0,62})", name, q);
	for (size_t i = 0; i < *n_ids; i++)
		if (strlen(ids[i]) == n && !memcmp(ids[i], id, n))
			return field_fail(c, "%s set %s is listed twice", name, q);
	ids[*n_ids] = strndup(id, n);
	if (!ids[*n_ids])
		return field_nomem(c);
	(*n_ids)++;
	if (!c->pol->sets)
		return 0;
	*set = sets_get(c->pol->sets, ids[*n_ids - 1]);
	if (!*set)
		return field_fail(c, "%s set %s is not published (expected on "
				  "<prefix>/<node or group>/sets/%s)", name, q, ids[*n_ids - 1]);
	return 0;
}
