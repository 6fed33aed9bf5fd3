#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "strbuf.h"

void strbuf_init(struct strbuf *sb)
{
	memset(sb, 0, sizeof(*sb));
}

void strbuf_free(struct strbuf *sb)
{
	free(sb->buf);
	strbuf_init(sb);
}

/* A buffer grown past this for one large document (a replay's journal batch, a snapshot)
 * is given back on reset instead of being kept for the life of the process. */
#define STRBUF_KEEP (64 * 1024)

void strbuf_reset(struct strbuf *sb)
{
	if (sb->cap > STRBUF_KEEP) {
		free(sb->buf);
		sb->buf = NULL;
		sb->cap = 0;
	}
	sb->len = 0;
	if (sb->buf)
		sb->buf[0] = '\0';
}

static int strbuf_grow(struct strbuf *sb, size_t extra)
{
	char *p;

	if (sb->err)
		return sb->err;
	if (extra < sb->cap - sb->len)
		return 0;
	p = extra < SIZE_MAX - sb->len ?
	    array_grow(sb->buf, &sb->cap, sb->len + extra + 1, 1, 256) : NULL;
	if (!p) {
		sb->err = -ENOMEM;
		return sb->err;
	}
	sb->buf = p;
	return 0;
}

void strbuf_add(struct strbuf *sb, const char *s, size_t n)
{
	if (strbuf_grow(sb, n))
		return;
	memcpy(sb->buf + sb->len, s, n);
	sb->len += n;
	sb->buf[sb->len] = '\0';
}

void strbuf_puts(struct strbuf *sb, const char *s)
{
	strbuf_add(sb, s, strlen(s));
}

void strbuf_printf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || strbuf_grow(sb, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(sb->buf + sb->len, sb->cap - sb->len, fmt, ap);
	va_end(ap);
	sb->len += (size_t)n;
}

/* A JSON string: quotes, backslashes and control characters escaped, other bytes as they are. */
void strbuf_json_str(struct strbuf *sb, const char *s)
{
	const char *run = s;

	strbuf_add(sb, "\"", 1);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		strbuf_add(sb, run, (size_t)(s - run));
		if (c == '"' || c == '\\')
			strbuf_printf(sb, "\\%c", c);
		else
			strbuf_printf(sb, "\\u%04x", c);
		run = s + 1;
	}
	strbuf_add(sb, run, (size_t)(s - run));
	strbuf_add(sb, "\"", 1);
}
