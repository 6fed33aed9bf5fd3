#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "bus.h"

int msglist_add(struct msglist *l, const char *topic, const void *payload, size_t len,
		bool retained, bool after_publish)
{
	struct msg *m;

	m = array_grow(l->v, &l->cap, l->n + 1, sizeof(*m), 64);
	if (!m)
		return -ENOMEM;
	l->v = m;
	m = &l->v[l->n];
	m->topic = strdup(topic);
	m->payload = malloc(len + 1);
	if (!m->topic || !m->payload) {
		free(m->topic);
		free(m->payload);
		return -ENOMEM;
	}
	if (len)
		memcpy(m->payload, payload, len);
	m->payload[len] = '\0';
	m->len = len;
	m->retained = retained;
	m->after_publish = after_publish;
	l->n++;
	return 0;
}

void msglist_free(struct msglist *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].topic);
		free(l->v[i].payload);
	}
	free(l->v);
	memset(l, 0, sizeof(*l));
}
