/*
 * `ls` and `status`: models built from the retained messages a snapshot received, and
 * their table and JSON renderings. Pure.
 */
#ifndef EDGECTL_VIEW_H
#define EDGECTL_VIEW_H

#include <json-c/json.h>
#include <stdio.h>

#include "bus.h"
#include "report.h"

struct ls_row {
	enum kind kind;
	char id[ID_LEN];
	char source[ID_LEN];
	int rank;                   /* 0 the node, 1.. its groups in order, MAX_SOURCES other */
	const struct msg *desired;  /* NULL: only a status names this object */
	struct object *obj;         /* the desired payload under the agent's rules, or NULL */
	char *invalid;              /* why the desired payload fails them */
	const struct msg *status;   /* the id's status on the node, whatever its source */
	struct obj_status st;
	const char *state;          /* applied rejected failed pending shadowed invalid */
};

struct ls_model {
	char node[ID_LEN];
	const struct msg *node_status;
	struct node_info ni;
	struct ls_row *rows;
	size_t n;
	size_t cap;
};

/* msgs: what subscribing to the node's and its groups' objects and statuses returned. */
int view_ls_build(struct ls_model *m, const char *prefix, const char *node,
		  const struct msglist *msgs);
void view_ls_free(struct ls_model *m);
int view_ls_print_table(const struct ls_model *m, FILE *out);
/* Returns a new JSON document (caller puts it), NULL on ENOMEM. */
json_object *view_ls_json(const struct ls_model *m);

struct node_row {
	char node[ID_LEN];
	json_object *j;             /* the node status as published, "node" filled in */
	bool cut;                   /* says online, but its broker's bridge here is down */
};

struct status_model {
	struct node_row *rows;
	size_t n;
	struct bridges br;
};

/* msgs: <prefix>/+/status and <prefix>/_bridges/+ */
int view_status_build(struct status_model *m, const char *prefix, const struct msglist *msgs);
void view_status_free(struct status_model *m);
/* details: one node asked for: its errors, held deletion and WireGuard too. */
int view_status_print_table(const struct status_model *m, const char *prefix, bool details,
			    FILE *out);
json_object *view_status_json(const struct status_model *m);

/*
 * `ls` without a node: every desired object at the broker and where it stands on the
 * nodes it is for (the node itself, or the online nodes following the group): applied,
 * rejected, failed, pending (no status for this payload yet, or another source wins),
 * unreachable (behind a bridge that is down).
 */
struct fleet_row {
	enum kind kind;
	char id[ID_LEN];
	char source[ID_LEN];
	char digest[DIGEST_LEN];
	size_t nodes, applied, rejected, failed, pending, cut;
};

struct fleet_view {
	struct fleet_row *rows;
	size_t n;
	struct bridges br;
};

/* msgs: <prefix>/+/routes/+, forwards/+, status, status/routes/+, status/forwards/+, _bridges/+ */
int view_fleet_build(struct fleet_view *v, const char *prefix, const struct msglist *msgs);
void view_fleet_free(struct fleet_view *v);
int view_fleet_print(const struct fleet_view *v, FILE *out);
json_object *view_fleet_json(const struct fleet_view *v);

#endif
