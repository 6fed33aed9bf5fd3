/*
 * The one reconcile path: resolve the desired state, diff it against what is applied,
 * apply forwards as one nftables transaction and routes as one file batch, then report
 * every status that changed. Boot, a single update, a resync and a repair all come here.
 */
#ifndef EDGE_RECONCILE_H
#define EDGE_RECONCILE_H

#include "nft_render.h"
#include "nft_sets.h"
#include "store.h"
#include "traefik.h"

struct reconcile_ops {
	/* runs one nftables transaction; 0 or -errno with err */
	int (*nft)(void *arg, const char *text, char *err, size_t errlen);
	/*
	 * applies a batch of route file ops (each op gets its own result), calling gate once
	 * the new files are staged and before the first is put in place
	 */
	int (*routes)(void *arg, struct traefik_op *ops, size_t n, const struct traefik_gate *gate);
	/* publishes s->status (state ST_NONE: clear); false if it could not be sent now */
	bool (*status)(void *arg, const struct slot *s);
	/*
	 * writes what the slots hold and starts putting it on disk; 0 or -errno with err.
	 * Optional, with durable: waits until it is on disk. A run calls durable before any
	 * route file is in place and any status published ("applied" means it comes back
	 * after a crash); the nftables transaction runs while the disk works.
	 */
	int (*persist)(void *arg, struct store *st, struct slot **v, size_t n, char *err, size_t errlen);
	int (*durable)(void *arg, char *err, size_t errlen);
	/* every slot a run looks at, its wanted object resolved (health checks follow it). Optional. */
	void (*wanted)(void *arg, const struct slot *s);
};

struct reconcile {
	const struct reconcile_ops *ops;
	void *arg;
	struct nft_conf nft;
	const struct sets *sets;        /* the named sets forwards name; NULL: none */
	struct nft_sets nft_sets;       /* those the kernel holds */
	bool nft_full;          /* kernel state unknown: replace the whole table next time */
	bool routes_full;       /* files unknown: consider every route */
	bool retry;             /* something failed: try again later */
	char nft_error[ERR_LEN];        /* last nftables failure, empty if none */
	char routes_error[ERR_LEN];     /* last file failure, empty if none */
	char persist_error[ERR_LEN];    /* last DATA_DIR failure, empty if none */
	bool persist_pending;           /* written this run, durable not yet called */
	unsigned long applies;          /* transactions/batches run */
};

/* Returns the number of objects whose applied state changed, or -errno. */
int reconcile_run(struct reconcile *rc, struct store *st);
/* Re-publishes every status that differs from what was published (after a reconnect). */
void reconcile_publish_all(struct reconcile *rc, struct store *st);
/*
 * After a replay: publishes again every status published before this sync generation
 * that the broker did not show (slot->retained_seen), e.g. after it lost its retained
 * messages, then resets retained_seen.
 */
void reconcile_republish_unseen(struct reconcile *rc, struct store *st);
/* The broker already holds s's status as it stands (a retained one): counts as published. */
void reconcile_adopt(struct store *st, struct slot *s);
/* A named set changed: the next run refreshes it in the kernel. */
void reconcile_set_changed(struct reconcile *rc);
void reconcile_free(struct reconcile *rc);
/* Counts slots by kind and status state (one pass over the slots). */
void reconcile_count(const struct store *st, size_t counts[KIND_COUNT][ST_COUNT]);

#endif
