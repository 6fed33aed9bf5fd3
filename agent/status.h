/* Status payloads (JSON) for the node and for each object. Pure. */
#ifndef EDGE_STATUS_H
#define EDGE_STATUS_H

#include <time.h>

#include "mesh.h"
#include "store.h"
#include "strbuf.h"

#ifndef EDGE_VERSION
#error "EDGE_VERSION comes from the VERSION file: build with make"
#endif
#define NODE_ERRORS_MAX 7

struct node_status {
	const char *state;              /* "online" or "offline" */
	const char *node;
	bool synced;
	const char *broker;             /* mqtt[s]://host:port in use */
	time_t started_at;
	time_t updated_at;
	const char *const *groups;
	size_t n_groups;
	size_t counts[KIND_COUNT][ST_COUNT];
	bool held;                      /* a resync removing too much waits for confirmation */
	size_t held_remove;
	size_t held_total;
	const char *held_token;
	const struct mesh_status *wg;   /* NULL: WireGuard not managed */
	const char *errors[NODE_ERRORS_MAX];
	size_t n_errors;
};

void time_rfc3339(char *buf, size_t len, time_t t);
int status_object_render(struct strbuf *sb, const struct status *s, const char *source, time_t now);
int status_node_render(struct strbuf *sb, const struct node_status *ns);
/* The MQTT will: {"state":"offline","node":...,"version":...} */
int status_offline_render(struct strbuf *sb, const char *node);
int status_error_render(struct strbuf *sb, const char *topic, const char *error, time_t now);

#endif
