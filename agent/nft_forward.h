/*
 * Forwards beyond one port to one target, as nftables text: each gets its own chain f_<id>,
 * reached through the verdict maps gate_tcp/gate_udp (one lookup whatever the number of
 * forwards), with its allow-list, limits and targets in sets and maps (one lookup whatever
 * their size). Named sets are rendered once, as s_<set-id>, and shared (nft_sets.h). Pure.
 */
#ifndef EDGE_NFT_FORWARD_H
#define EDGE_NFT_FORWARD_H

#include "nft_render.h"

/* Slots of the target map: each target's weight, summed (at most 64 * FWD_WEIGHT_MAX). */
unsigned nft_forward_slots(const struct forward_spec *f);
/* Which target serves each slot: unhealthy ones (bits of down) give theirs to healthy ones. */
void nft_forward_assign(const struct forward_spec *f, uint64_t down, uint8_t *slot_target);

void nft_forward_chain(struct strbuf *sb, const struct nft_conf *conf, const struct object *o);
void nft_forward_add(struct strbuf *sb, const struct nft_conf *conf, const struct object *o,
		     uint64_t down);
void nft_forward_del(struct strbuf *sb, const struct nft_conf *conf, const struct object *o);
/* The target map again, after a health change only. */
void nft_forward_targets(struct strbuf *sb, const struct nft_conf *conf, const struct object *o,
			 uint64_t down);

#endif
