/* Forwards become nftables text here: pure, one render path for every kind of change. */
#ifndef EDGE_NFT_RENDER_H
#define EDGE_NFT_RENDER_H

#include <stdint.h>

#include "model.h"
#include "strbuf.h"

struct nft_conf {
	const char *table;      /* e.g. "edge_agent" (family inet) */
	const char *wg_iface;   /* masquerade and MSS clamp out this interface */
	/*
	 * mark_mask != 0: connections DNATed by our maps get mark (within mark_mask) in their
	 * conntrack mark, and their packets in the packet mark before the filter forward
	 * hook runs, so other firewalls can accept them (see coexist.h). 0: no marking.
	 */
	uint32_t mark;
	uint32_t mark_mask;
};

/*
 * One forward changing: old is what the kernel has (NULL: nothing), new what it must have;
 * old_down/new_down the targets out of rotation (bit i: targets[i] unhealthy).
 */
struct fwd_change {
	const struct object *old;
	const struct object *new;
	uint64_t old_down, new_down;
};

/* Only the health of a featured forward's targets changed: its target map is refilled. */
static inline bool nft_render_health_only(const struct fwd_change *c)
{
	return c->old && c->new && c->old_down != c->new_down && object_equal(c->old, c->new);
}

/* A named set forwards use: nets NULL deletes it; create: not in the kernel yet. */
struct nft_set_op {
	const char *id;
	const struct cidr_list *nets;
	bool create;
};

/*
 * Renders one nft transaction. full=false: element deletes then adds for the changes.
 * full=true: an atomic replace of the whole table (create, delete, create with its chains
 * and maps), then every change's new forward as an element; old is ignored.
 */
int nft_render(struct strbuf *sb, const struct nft_conf *conf,
	       const struct fwd_change *changes, size_t n, bool full);
/* The same, with the named sets to create, refill (first) or delete (last). */
int nft_render_sets(struct strbuf *sb, const struct nft_conf *conf,
		    const struct fwd_change *changes, size_t n,
		    const struct nft_set_op *sets, size_t n_sets, bool full);

#endif
