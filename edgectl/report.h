/* Reading what the agent publishes: object and node status payloads. Pure. */
#ifndef EDGECTL_REPORT_H
#define EDGECTL_REPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "ctl.h"

/* <prefix>/<node>/status/<kinds>/<id>, as the agent renders it. */
struct obj_status {
	bool present;               /* false: no status, or cleared (empty payload) */
	char state[16];             /* applied, rejected, failed; "invalid" if unreadable */
	char source[ID_LEN];
	char digest[DIGEST_LEN];    /* "" when the agent publishes none */
	char *error;                /* owned; NULL if none */
	bool serving_previous;
};

/* Replaces *st with the payload's content (an empty payload clears it). */
void report_object_parse(struct obj_status *st, const char *buf, size_t len);
void report_object_free(struct obj_status *st);

/* <prefix>/<node>/status */
struct node_info {
	bool present;
	bool online;
	bool synced;
	char groups[MAX_SOURCES - 1][ID_LEN];
	size_t n_groups;
	char broker_host[256];      /* host of the "broker" it is connected to, "" if none */
};

void report_node_parse(struct node_info *ni, const char *buf, size_t len);
bool report_node_follows(const struct node_info *ni, const char *group);

/*
 * Bridge notifications, <prefix>/_bridges/<host>: "1" while a regional broker's bridge to
 * this one is connected, "0" when it is down (broker-config/bridge-regional.conf). Nodes
 * whose status names <host> as their broker are then unreachable from here.
 */
#define BRIDGES_MAX 64
struct bridges {
	char host[BRIDGES_MAX][256];
	bool up[BRIDGES_MAX];
	size_t n;
};

/* Notes the message when it is a bridge notification; returns whether it was one. */
bool report_bridges_note(struct bridges *b, const char *prefix, const char *topic,
			 const char *payload, size_t len);
/* Whether the node's broker is behind a bridge that is down. */
bool report_bridges_cut(const struct bridges *b, const struct node_info *ni);

#endif
