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

/* One forward changing: old is what the kernel has (NULL: nothing), new what it must have. */
struct fwd_change {
	const struct object *old;
	const struct object *new;
};

/*
 * Renders one nft transaction. full=false: element deletes then adds for the changes.
 * full=true: an atomic replace of the whole table (create, delete, create with its chains
 * and maps), then every change's new forward as an element; old is ignored.
 */
int nft_render(struct strbuf *sb, const struct nft_conf *conf,
	       const struct fwd_change *changes, size_t n, bool full);

#endif
