#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "json_strict.h"
#include "payload.h"

#define STACK_MAX 64        /* deeper than any depth a caller parses with */

int json_strict_parse(const char *buf, size_t len, int depth, struct json_object **out,
		      enum json_tokener_error *jerr, size_t *at)
{
	struct json_tokener *tok = json_tokener_new_ex(depth);
	struct json_object *root;

	*at = 0;
	*out = NULL;
	if (!tok)
		return -ENOMEM;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	root = json_tokener_parse_ex(tok, buf, (int)len);
	*jerr = json_tokener_get_error(tok);
	*at = json_tokener_get_parse_end(tok);
	if (*jerr == json_tokener_continue) {
		/* a NUL ends a top-level scalar; anything still open is cut short */
		root = json_tokener_parse_ex(tok, "", 1);
		*jerr = json_tokener_get_error(tok);
		if (*jerr == json_tokener_continue)
			*jerr = json_tokener_error_parse_eof;
		*at = len;
	}
	if (*jerr == json_tokener_success && *at < len)
		*jerr = json_tokener_error_parse_unexpected;
	json_tokener_free(tok);
	if (*jerr != json_tokener_success) {
		json_object_put(root);
		return -EINVAL;
	}
	*out = root;
	return 0;
}

/* A key kept for the duplicate check: its decoded bytes live in walk.names. */
struct seen {
	size_t off, len, at;
	uint32_t hash;
};

struct frame {
	bool object;
	size_t base;        /* path length of this container */
	size_t index;       /* arrays: the element being read */
	size_t first;       /* objects: its first entry in walk.seen */
	size_t names;       /* objects: where its keys start in walk.names */
};

struct walk {
	char path[JSON_PATH_LEN];
	size_t plen;
	struct frame stack[STACK_MAX];
	size_t depth;
	char *names;
	size_t n_names, cap_names;
	struct seen *seen;
	size_t n_seen, cap_seen;
	struct json_strict_dup *dup;
};

/* Index of the quote closing the string that opens at buf[i] (or len). */
static size_t string_end(const char *buf, size_t len, size_t i)
{
	char q = buf[i];

	for (i++; i < len; i++) {
		if (buf[i] == '\\')
			i++;
		else if (buf[i] == q)
			return i;
	}
	return len;
}

static unsigned hex4(const char *s, size_t n)
{
	unsigned v = 0;

	for (size_t i = 0; i < 4; i++) {
		char ch = i < n ? s[i] : '0';

		v <<= 4;
		if (ch >= '0' && ch <= '9')
			v |= (unsigned)(ch - '0');
		else if (ch >= 'a' && ch <= 'f')
			v |= (unsigned)(ch - 'a' + 10);
		else if (ch >= 'A' && ch <= 'F')
			v |= (unsigned)(ch - 'A' + 10);
	}
	return v;
}

static size_t utf8_put(char *o, unsigned cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xc0 | cp >> 6);
		o[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xe0 | cp >> 12);
		o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		o[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | cp >> 18);
	o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	o[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* Decodes a string body into out (room for n bytes: decoding never grows); returns its length. */
static size_t key_decode(const char *s, size_t n, char *out)
{
	static const char from[] = "bfnrt", to[] = "\b\f\n\r\t";
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		const char *m;
		unsigned cp, lo;

		if (s[i] != '\\' || i + 1 >= n) {
			out[o++] = s[i];
			continue;
		}
		i++;
		m = strchr(from, s[i]);
		if (s[i] != 'u') {
			out[o++] = m && *m ? to[m - from] : s[i];
			continue;
		}
		cp = hex4(s + i + 1, n - i - 1);
		i += 4;
		if (cp >= 0xd800 && cp < 0xdc00 && i + 6 < n && s[i + 1] == '\\' &&
		    s[i + 2] == 'u' && (lo = hex4(s + i + 3, n - i - 3)) >= 0xdc00 && lo < 0xe000) {
			cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			i += 6;
		} else if (cp >= 0xd800 && cp < 0xe000) {
			cp = 0xfffd;
		}
		o += utf8_put(out + o, cp);
	}
	return o;
}

static uint32_t name_hash(const char *s, size_t n)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h;
}

static void path_add(struct walk *w, const char *s, size_t n)
{
	size_t room = sizeof(w->path) - 1 - w->plen;

	if (n > room)
		n = room;
	memcpy(w->path + w->plen, s, n);
	w->plen += n;
	w->path[w->plen] = '\0';
}

/* A key in the path: control characters, quotes and backslashes shown as '?'. */
static void path_add_name(struct walk *w, const char *s, size_t n)
{
	size_t start = w->plen;

	path_add(w, s, n);
	for (size_t i = start; i < w->plen; i++)
		if ((unsigned char)w->path[i] < 0x20 || w->path[i] == 0x7f ||
		    w->path[i] == '"' || w->path[i] == '\\')
			w->path[i] = '?';
}

static int seen_cmp(const void *a, const void *b, void *names)
{
	const struct seen *x = a, *y = b;
	const char *sort_names = names;
	int d;

	if (x->hash != y->hash)
		return x->hash < y->hash ? -1 : 1;
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	d = memcmp(sort_names + x->off, sort_names + y->off, x->len);
	if (d)
		return d;
	return (x->at > y->at) - (x->at < y->at);
}

/* On an object's close: its earliest repeat, if earlier than the one found so far. */
static void object_close(struct walk *w, const struct frame *f)
{
	struct seen *v = w->seen + f->first, *best = NULL;
	size_t n = w->n_seen - f->first;

	if (n > 1)
		qsort_r(v, n, sizeof(*v), seen_cmp, w->names);
	for (size_t i = 1; i < n; i++) {
		if (v[i].hash != v[i - 1].hash || v[i].len != v[i - 1].len ||
		    memcmp(w->names + v[i].off, w->names + v[i - 1].off, v[i].len))
			continue;
		if (i >= 2 && v[i - 2].hash == v[i].hash && v[i - 2].len == v[i].len &&
		    !memcmp(w->names + v[i].off, w->names + v[i - 2].off, v[i].len))
			continue;       /* a third or later occurrence comes after the second */
		if (!best || v[i].at < best->at)
			best = &v[i];
	}
	if (best && (!w->dup->found || best->at < w->dup->at)) {
		w->dup->found = true;
		memcpy(w->dup->path, w->path, f->base);
		w->dup->path[f->base] = '\0';
		memcpy(w->dup->name, w->names + best->off,
		       best->len < JSON_KEY_CAP ? best->len : JSON_KEY_CAP);
		w->dup->len = best->len;
		w->dup->at = best->at;
	}
	w->n_names = f->names;
	w->n_seen = f->first;
}

static int key_seen(struct walk *w, const char *raw, size_t raw_len, size_t at,
		    struct json_strict_key *k)
{
	const char *cut;
	char *names;
	struct seen *s;
	size_t n;

	names = array_grow(w->names, &w->cap_names, w->n_names + raw_len + 1, 1, 256);
	if (!names)
		return -ENOMEM;
	w->names = names;
	k->len = key_decode(raw, raw_len, names + w->n_names);
	k->name = names + w->n_names;
	if (!w->dup)
		return 0;
	s = array_grow(w->seen, &w->cap_seen, w->n_seen + 1, sizeof(*s), 16);
	if (!s)
		return -ENOMEM;
	w->seen = s;
	/* json-c keys its objects by the name up to an escaped NUL: so do repeats */
	cut = memchr(k->name, '\0', k->len);
	n = cut ? (size_t)(cut - k->name) : k->len;
	s[w->n_seen++] = (struct seen){ w->n_names, n, at, name_hash(k->name, n) };
	w->n_names += k->len;
	return 0;
}

static int on_key(struct walk *w, const char *buf, size_t i, size_t end, json_strict_key_fn fn,
		  void *arg)
{
	struct frame *f = &w->stack[w->depth - 1];
	struct json_strict_key k = { .depth = (int)w->depth, .at = i };
	char saved;
	int ret;

	ret = key_seen(w, buf + i + 1, end - i - 1, i, &k);
	if (ret)
		return ret;
	w->plen = f->base;
	saved = w->path[w->plen];
	w->path[w->plen] = '\0';
	k.path = w->path;
	ret = fn ? fn(arg, &k) : 0;
	w->path[w->plen] = saved;
	if (f->base)
		path_add(w, ".", 1);
	path_add_name(w, k.name, k.len);
	return ret;
}

static int walk_run(struct walk *w, const char *buf, size_t len, json_strict_key_fn fn, void *arg)
{
	bool want_key = false;
	char num[24];
	size_t end;
	int ret, n;

	for (size_t i = 0; i < len; i++) {
		struct frame *f = w->depth ? &w->stack[w->depth - 1] : NULL;

		switch (buf[i]) {
		case '"':
		case '\'':
			end = string_end(buf, len, i);
			if (want_key) {
				ret = on_key(w, buf, i, end, fn, arg);
				if (ret)
					return ret;
			}
			want_key = false;
			i = end;
			break;
		case '{':
		case '[':
			if (w->depth == STACK_MAX)
				return 0;
			if (f && !f->object) {
				w->plen = f->base;
				n = snprintf(num, sizeof(num), "[%zu]", f->index);
				path_add(w, num, (size_t)n);
			}
			w->stack[w->depth++] = (struct frame){ buf[i] == '{', w->plen, 0, w->n_seen,
							       w->n_names };
			want_key = buf[i] == '{';
			break;
		case '}':
		case ']':
			if (!f)
				return 0;
			if (f->object && w->dup)
				object_close(w, f);
			w->plen = f->base;
			w->path[w->plen] = '\0';
			w->depth--;
			want_key = false;
			break;
		case ',':
			if (f && f->object)
				want_key = true;
			else if (f)
				f->index++;
			break;
		}
	}
	return 0;
}

int json_strict_keys(const char *buf, size_t len, json_strict_key_fn fn, void *arg,
		     struct json_strict_dup *dup)
{
	struct walk w = { .dup = dup };
	int ret;

	if (dup)
		memset(dup, 0, sizeof(*dup));
	ret = walk_run(&w, buf, len, fn, arg);
	free(w.names);
	free(w.seen);
	return ret;
}

void json_strict_dup_describe(char *buf, size_t len, const struct json_strict_dup *d)
{
	char q[JSON_KEY_CAP * 4 + 8];

	payload_quote(q, sizeof(q), d->name, d->len < JSON_KEY_CAP ? d->len : JSON_KEY_CAP);
	snprintf(buf, len, "%s%sduplicate field %s", d->path, *d->path ? ": " : "", q);
}
