#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "msglist.h"

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

struct latest {
	const struct msg *m;
	size_t seq;
};

static int latest_cmp(const void *a, const void *b)
{
	const struct latest *x = a, *y = b;
	int c = strcmp(x->m->topic, y->m->topic);

	return c ? c : x->seq < y->seq ? -1 : x->seq > y->seq;
}

const struct msg **msglist_latest(const struct msglist *msgs, size_t *n)
{
	struct latest *all = malloc((msgs->n ? msgs->n : 1) * sizeof(*all));
	const struct msg **out = malloc((msgs->n ? msgs->n : 1) * sizeof(*out));
	size_t k = 0;

	*n = 0;
	if (!all || !out) {
		free(all);
		free(out);
		return NULL;
	}
	for (size_t i = 0; i < msgs->n; i++)
		all[i] = (struct latest){ &msgs->v[i], i };
	if (msgs->n)
		qsort(all, msgs->n, sizeof(*all), latest_cmp);
	for (size_t i = 0; i < msgs->n; i++)
		if (i + 1 == msgs->n || strcmp(all[i].m->topic, all[i + 1].m->topic))
			out[k++] = all[i].m;
	free(all);
	*n = k;
	return out;
}
