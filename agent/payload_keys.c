/*
 * json-c keeps the last of duplicate keys and cuts keys at an escaped NUL, so the
 * top-level keys are read from the raw text instead. json-c has validated it already.
 */
#include <stdio.h>
#include <string.h>

#include "payload.h"
#include "payload_field.h"

#define KEY_CAP 80          /* more than value_quote shows */

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

static void key_put(char *buf, size_t *o, unsigned char ch)
{
	if (*o < KEY_CAP)
		buf[*o] = (char)ch;
	(*o)++;
}

static void key_put_utf8(char *buf, size_t *o, unsigned cp)
{
	if (cp < 0x80) {
		key_put(buf, o, (unsigned char)cp);
	} else if (cp < 0x800) {
		key_put(buf, o, (unsigned char)(0xc0 | cp >> 6));
		key_put(buf, o, (unsigned char)(0x80 | (cp & 0x3f)));
	} else if (cp < 0x10000) {
		key_put(buf, o, (unsigned char)(0xe0 | cp >> 12));
		key_put(buf, o, (unsigned char)(0x80 | ((cp >> 6) & 0x3f)));
		key_put(buf, o, (unsigned char)(0x80 | (cp & 0x3f)));
	} else {
		key_put(buf, o, (unsigned char)(0xf0 | cp >> 18));
		key_put(buf, o, (unsigned char)(0x80 | ((cp >> 12) & 0x3f)));
		key_put(buf, o, (unsigned char)(0x80 | ((cp >> 6) & 0x3f)));
		key_put(buf, o, (unsigned char)(0x80 | (cp & 0x3f)));
	}
}

/* Decodes a string body into buf (KEY_CAP bytes kept); returns the decoded length. */
static size_t key_decode(const char *s, size_t n, char *buf)
{
	static const char from[] = "bfnrt", to[] = "\b\f\n\r\t";
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		const char *m;
		unsigned cp, lo;

		if (s[i] != '\\' || i + 1 >= n) {
			key_put(buf, &o, (unsigned char)s[i]);
			continue;
		}
		i++;
		m = strchr(from, s[i]);
		if (s[i] != 'u') {
			key_put(buf, &o, (unsigned char)(m && *m ? to[m - from] : s[i]));
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
		key_put_utf8(buf, &o, cp);
	}
	return o;
}

static int schema_find(const struct payload_schema *sc, const char *key, size_t n)
{
	for (size_t i = 0; i < sc->n; i++)
		if (strlen(sc->fields[i]) == n && memcmp(sc->fields[i], key, n) == 0)
			return (int)i;
	return -1;
}

static int key_unknown(const struct field_ctx *c, const struct payload_schema *sc,
		       const char *key, size_t n)
{
	char q[QUOTE_LEN], list[256];
	size_t o = 0;

	value_quote(q, sizeof(q), key, n < KEY_CAP ? n : KEY_CAP);
	list[0] = '\0';
	for (size_t i = 0; i < sc->n && o < sizeof(list); i++)
		o += (size_t)snprintf(list + o, sizeof(list) - o, "%s%s", i ? ", " : "",
				      sc->fields[i]);
	return field_fail(c, "unknown field %s (accepted: %s)", q, list);
}

int payload_keys_check(const struct field_ctx *c, const struct payload_schema *sc,
		       const char *buf, size_t len)
{
	char key[KEY_CAP];
	unsigned seen = 0;
	int depth = 0, dup = -1, f;
	bool want_key = false;
	size_t end, n;

	for (size_t i = 0; i < len; i++) {
		switch (buf[i]) {
		case '"':
		case '\'':
			end = string_end(buf, len, i);
			if (depth == 1 && want_key) {
				n = key_decode(buf + i + 1, end - i - 1, key);
				f = n <= KEY_CAP ? schema_find(sc, key, n) : -1;
				if (f < 0)
					return key_unknown(c, sc, key, n);
				if ((seen & 1u << f) && dup < 0)
					dup = f;
				seen |= 1u << f;
				want_key = false;
			}
			i = end;
			break;
		case '{':
		case '[':
			want_key = ++depth == 1;
			break;
		case '}':
		case ']':
			depth--;
			break;
		case ',':
			want_key = depth == 1;
			break;
		}
	}
	if (dup >= 0)
		return field_fail(c, "duplicate field \"%s\"", sc->fields[dup]);
	return 0;
}
