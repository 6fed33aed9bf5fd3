#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "emit.h"

static int emit_write(void *data, unsigned char *buf, size_t size)
{
	struct strbuf *sb = data;

	strbuf_add(sb, (const char *)buf, size);
	return !sb->err;
}

static void emit_event(struct emit *em, yaml_event_t *ev, int made)
{
	if (em->err)
		return;
	if (!made) {
		em->err = -ENOMEM;
		return;
	}
	if (!yaml_emitter_emit(&em->e, ev))
		em->err = em->e.error == YAML_EMITTER_ERROR ? -EINVAL : -ENOMEM;
}

int emit_begin(struct emit *em, struct strbuf *sb)
{
	yaml_event_t ev;

	memset(em, 0, sizeof(*em));
	em->sb = sb;
	if (!yaml_emitter_initialize(&em->e))
		return -ENOMEM;
	yaml_emitter_set_output(&em->e, emit_write, sb);
	yaml_emitter_set_width(&em->e, -1);
	yaml_emitter_set_unicode(&em->e, 0);
	emit_event(em, &ev, yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING));
	emit_event(em, &ev, yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1));
	return 0;
}

int emit_end(struct emit *em)
{
	yaml_event_t ev;

	emit_event(em, &ev, yaml_document_end_event_initialize(&ev, 1));
	emit_event(em, &ev, yaml_stream_end_event_initialize(&ev));
	if (!em->err && !yaml_emitter_flush(&em->e))
		em->err = -ENOMEM;
	yaml_emitter_delete(&em->e);
	if (!em->err && em->sb->err)
		em->err = em->sb->err;
	return em->err;
}

static void emit_scalar(struct emit *em, const char *s, yaml_scalar_style_t style)
{
	yaml_event_t ev;

	if (em->err)
		return;
	emit_event(em, &ev, yaml_scalar_event_initialize(&ev, NULL, NULL,
			(yaml_char_t *)s, (int)strlen(s), 1, 1, style));
}

void emit_key(struct emit *em, const char *key)
{
	emit_scalar(em, key, YAML_PLAIN_SCALAR_STYLE);
}

void emit_value(struct emit *em, const char *s)
{
	emit_scalar(em, s, YAML_DOUBLE_QUOTED_SCALAR_STYLE);
}

void emit_pair(struct emit *em, const char *key, const char *value)
{
	emit_key(em, key);
	emit_value(em, value);
}

void emit_uint(struct emit *em, const char *key, unsigned long v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%lu", v);
	emit_key(em, key);
	emit_scalar(em, buf, YAML_PLAIN_SCALAR_STYLE);
}

void emit_true(struct emit *em, const char *key)
{
	emit_key(em, key);
	emit_scalar(em, "true", YAML_PLAIN_SCALAR_STYLE);
}

void emit_map(struct emit *em)
{
	yaml_event_t ev;

	emit_event(em, &ev, yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1,
			YAML_BLOCK_MAPPING_STYLE));
}

void emit_map_end(struct emit *em)
{
	yaml_event_t ev;

	emit_event(em, &ev, yaml_mapping_end_event_initialize(&ev));
}

void emit_seq(struct emit *em)
{
	yaml_event_t ev;

	emit_event(em, &ev, yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1,
			YAML_BLOCK_SEQUENCE_STYLE));
}

void emit_seq_end(struct emit *em)
{
	yaml_event_t ev;

	emit_event(em, &ev, yaml_sequence_end_event_initialize(&ev));
}

void emit_list1(struct emit *em, const char *key, const char *value)
{
	emit_key(em, key);
	emit_seq(em);
	emit_value(em, value);
	emit_seq_end(em);
}
