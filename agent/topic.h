/* Topic names: what an incoming topic means, and the topics the agent publishes. Pure. */
#ifndef EDGE_TOPIC_H
#define EDGE_TOPIC_H

#include <stddef.h>

#include "model.h"

enum topic_type { TOPIC_OBJECT, TOPIC_SET, TOPIC_SYNC, TOPIC_CONFIRM, TOPIC_WIREGUARD, TOPIC_STATUS,
		  TOPIC_OTHER, TOPIC_BAD };

struct topic_ref {
	enum topic_type type;
	enum kind kind;
	int source;             /* index into names */
	char id[ID_LEN];
};

/*
 * Classifies topic against "<prefix>/<source>/(routes|forwards)/<id>",
 * "<prefix>/<source>/sets/<id>" (TOPIC_SET, kind unused) and
 * "<prefix>/<node>/sync" and "<prefix>/<node>/confirm". TOPIC_BAD fills err (e.g. an id off the pattern);
 * TOPIC_OTHER is a topic the agent does not act on. TOPIC_STATUS is anything below the
 * node's own "<prefix>/<node>/status/": ref->id is set (with ref->kind) only for
 * "status/(routes|forwards)/<valid id>", the topics of object statuses.
 */
enum topic_type topic_parse(const char *topic, const char *prefix,
			    const char *const *names, size_t n_names,
			    struct topic_ref *ref, char *err, size_t errlen);

/*
 * Splits "<prefix>/<a>/<rest>": copies <a> into name and points *rest after its slash.
 * Returns false for other topics or an <a> off the id pattern.
 */
bool topic_split(const char *topic, const char *prefix, char name[ID_LEN], const char **rest);
/* "<kinds>/<id>" (kind and id filled) or false. */
bool topic_object(const char *rest, enum kind *kind, char id[ID_LEN]);

/* "<prefix>/<node>/<rest>" */
void topic_format(char *buf, size_t len, const char *prefix, const char *node, const char *rest);

#endif
