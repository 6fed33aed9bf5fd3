/* The messages a snapshot or a watch received, in arrival order. Pure. */
#ifndef EDGECTL_MSGLIST_H
#define EDGECTL_MSGLIST_H

#include <stdbool.h>
#include <stddef.h>

struct msg {
	char *topic;
	char *payload;          /* NUL-terminated copy; len excludes the NUL */
	size_t len;
	bool retained;          /* delivered because of the subscription, not live */
	bool after_publish;     /* arrived after our own publish was acknowledged */
};

struct msglist {
	struct msg *v;
	size_t n;
	size_t cap;
};

int msglist_add(struct msglist *l, const char *topic, const void *payload, size_t len,
		bool retained, bool after_publish);
void msglist_free(struct msglist *l);
/* The last message of each topic, in topic order: the retained state a snapshot saw. */
const struct msg **msglist_latest(const struct msglist *msgs, size_t *n);

#endif
