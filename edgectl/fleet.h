/*
 * A put or rm to a group, awaited across the fleet: which nodes follow the group, which
 * of them answered for the payload published, which cannot be reached. Pure: fed with
 * the messages the bus received.
 */
#ifndef EDGECTL_FLEET_H
#define EDGECTL_FLEET_H

#include "bus.h"
#include "ctl.h"
#include "report.h"

enum member_state { M_WAIT, M_APPLIED, M_REJECTED, M_FAILED, M_REMOVED, M_SHADOWED };

struct member {
	char node[ID_LEN];
	struct node_info ni;
	struct obj_status st;
	bool member;                /* fixed by fleet_freeze: online and following the group */
	bool cut;                   /* ...but behind a bridge that is down */
};

struct fleet {
	enum ctl_cmd cmd;
	enum kind kind;
	char prefix[64];
	char group[ID_LEN];
	char id[ID_LEN];
	char digest[DIGEST_LEN];
	char topics[3][256];
	struct bridges br;
	struct member *v;
	size_t n, cap;
	bool frozen;
};

struct fleet_tally {
	size_t members, cut, applied, removed, rejected, failed, shadowed, waiting;
};

void fleet_init(struct fleet *f, const struct ctl_args *a, const char *prefix,
		const char *payload, size_t len);
void fleet_free(struct fleet *f);
/* <p>/+/status, <p>/+/status/<kinds>/<id>, <p>/_bridges/+ */
int fleet_topics(struct fleet *f, char **topics);
void fleet_feed(struct fleet *f, const struct msg *m);
/* After the snapshot: the members are the nodes then online that follow the group. */
void fleet_freeze(struct fleet *f);
enum member_state fleet_member_state(const struct fleet *f, const struct member *m);
void fleet_tally(const struct fleet *f, struct fleet_tally *t);

#endif
