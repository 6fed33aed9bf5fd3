/* A growable text buffer for renderers. Allocation failure is sticky: check sb->err once. */
#ifndef EDGE_STRBUF_H
#define EDGE_STRBUF_H

#include <stddef.h>

struct strbuf {
	char *buf;
	size_t len;
	size_t cap;
	int err;            /* 0 or -ENOMEM */
};

void strbuf_init(struct strbuf *sb);
void strbuf_free(struct strbuf *sb);
/* Empties sb; a large buffer is freed (buf may then be NULL until the next add). */
void strbuf_reset(struct strbuf *sb);
void strbuf_add(struct strbuf *sb, const char *s, size_t n);
void strbuf_puts(struct strbuf *sb, const char *s);
void strbuf_printf(struct strbuf *sb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* A JSON string: quotes, backslashes and control characters escaped, other bytes as they are. */
void strbuf_json_str(struct strbuf *sb, const char *s);

#endif
