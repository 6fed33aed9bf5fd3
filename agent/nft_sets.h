/*
 * The named sets the forwards in the kernel name: each rendered once as s_<set-id> and
 * shared, created with its first user, refilled when it changes, deleted with its last
 * user, all in the forwards' own transaction. Pure data.
 */
#ifndef EDGE_NFT_SETS_H
#define EDGE_NFT_SETS_H

#include "hmap.h"
#include "nft_render.h"
#include "sets.h"

struct nft_sets {
	struct hmap have;   /* set id -> struct nft_set_have: what the kernel holds */
	bool dirty;         /* a named set changed since the last transaction */
};

struct nft_sets_entry {
	char id[ID_LEN];
	long before, after; /* forwards naming it */
	unsigned version;   /* of the contents rendered */
};

/* The set operations of one transaction, and what committing it makes true. */
struct nft_sets_plan {
	struct nft_set_op *ops;
	size_t n_ops;
	struct nft_sets_entry *v;
	size_t n, cap;
	bool full;
};

int nft_sets_plan(struct nft_sets *ns, const struct sets *sets, const struct fwd_change *ch,
		  size_t n, bool full, struct nft_sets_plan *p);
/* The transaction ran: the kernel holds what the plan said. */
int nft_sets_commit(struct nft_sets *ns, const struct nft_sets_plan *p);
void nft_sets_plan_free(struct nft_sets_plan *p);
/* One set's text: created (op->create), emptied and filled with its IPv4 networks. */
void nft_sets_render_put(struct strbuf *sb, const struct nft_conf *conf,
			 const struct nft_set_op *op);
void nft_sets_render_del(struct strbuf *sb, const struct nft_conf *conf, const char *id);
void nft_sets_free(struct nft_sets *ns);

#endif
