/*
 * An object's status (what resolution and apply concluded) and the status payloads (JSON)
 * for the node and for each object. Pure.
 */
#ifndef EDGE_STATUS_H
#define EDGE_STATUS_H

#include <stdint.h>
#include <time.h>

#include "model.h"
#include "strbuf.h"

#define NODE_ERRORS_MAX 7

struct mesh_status;

enum obj_state { ST_NONE, ST_APPLIED, ST_REJECTED, ST_FAILED, ST_COUNT };

struct status {
	char *error;            /* owned; NULL: none */
	const struct object *checked;   /* a forward with health checks (borrowed), or NULL */
	uint64_t down;          /* its targets out of rotation */
	uint64_t digest;        /* of the message the status is about (payload_digest64); 0: none */
	enum obj_state state;
	int8_t source;          /* -1: none */
	bool serving_previous;
};

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

const char *status_state_name(enum obj_state s);
void status_reset(struct status *st);
void status_set_error(struct status *st, const char *msg);
uint64_t status_hash(const struct status *st);
/*
 * A hash of a rendered object status without its "updated_at": equal for the same status
 * rendered at different times (a retained one from before a restart and today's).
 */
uint64_t status_payload_hash(const char *payload, size_t len);

void status_rfc3339(char *buf, size_t len, time_t t);
int status_object_render(struct strbuf *sb, const struct status *s, const char *source, time_t now);
int status_node_render(struct strbuf *sb, const struct node_status *ns);
/* The MQTT will: {"state":"offline","node":...,"version":...} */
int status_offline_render(struct strbuf *sb, const char *node);
int status_error_render(struct strbuf *sb, const char *topic, const char *error, time_t now);

#endif
