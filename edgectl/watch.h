/*
 * What a put or rm waits for. Pure: fed with the messages the bus received, it says
 * whether the node has answered for the payload that was published.
 */
#ifndef EDGECTL_WATCH_H
#define EDGECTL_WATCH_H

#include "bus.h"
#include "ctl.h"
#include "report.h"

#define TOPIC_LEN 256

enum verdict { V_WAIT, V_APPLIED, V_REJECTED, V_FAILED, V_REMOVED };

struct watch {
	enum ctl_cmd cmd;           /* CMD_PUT or CMD_RM */
	enum kind kind;
	char id[ID_LEN];
	char source[ID_LEN];        /* the node or group the object is published under */
	char node[ID_LEN];          /* the node whose status tells */
	const char *payload;        /* what a put publishes */
	size_t len;
	char digest[DIGEST_LEN];

	char t_desired[TOPIC_LEN];  /* <p>/<source>/<kinds>/<id> */
	char t_own[TOPIC_LEN];      /* <p>/<node>/<kinds>/<id>: the node's own object wins */
	char t_status[TOPIC_LEN];   /* <p>/<node>/status/<kinds>/<id> */
	char t_node[TOPIC_LEN];     /* <p>/<node>/status */
	char t_bridges[TOPIC_LEN];  /* <p>/_bridges/+ */
	struct bridges br;

	bool had_desired;           /* the broker held an object before we published */
	bool same_as_retained;      /* ...exactly the payload we publish */
	bool node_own;              /* the node has its own object of this id (group puts) */
	struct obj_status st;       /* latest status of the object on the node */
	char *st_raw;               /* ...as published (owned), NULL if none */
	bool st_fresh;              /* st was published after our publish */
	struct node_info ni;
	bool processed;             /* a node status came after our publish */
};

void watch_init(struct watch *w, const struct ctl_args *a, const char *prefix,
		const char *payload, size_t len);
void watch_free(struct watch *w);
/* The topics to subscribe to (pointers into w); returns how many. */
int watch_topics(struct watch *w, char **topics);
void watch_feed(struct watch *w, const struct msg *m);
enum verdict watch_verdict(const struct watch *w);
/* The node says online, but the bridge from its broker to ours is down. */
bool watch_cut(const struct watch *w);
/* Why nothing conclusive came, for the timeout message. */
void watch_why(const struct watch *w, char *buf, size_t len);

#endif
