/*
 * Active health checks of forwards' targets: a TCP connect to each target every
 * interval_ms, started from the agent's loop (no thread), phases spread by a hash of the
 * forward and target, at most FWD_HEALTH_INFLIGHT connects at once, all in-flight ones
 * read with one poll. A target that fails unhealthy_after checks in a row leaves the
 * rotation (slot->down), one that passes healthy_after comes back; the slot is marked
 * dirty so the change goes through the one reconcile path as one nft transaction.
 */
#ifndef EDGE_FWD_HEALTH_H
#define EDGE_FWD_HEALTH_H

#include "hmap.h"
#include "store.h"

#define FWD_HEALTH_INFLIGHT 256
#define FWD_HEALTH_TICK_MS 20   /* runs are at least this far apart */

struct fwd_health {
	struct hmap checks;     /* slot key -> struct fwd_check */
	size_t inflight;
	int64_t due_ms;         /* next run; 0: nothing to check */
	int64_t last_ms;
};

void fwd_health_free(struct fwd_health *h);
/* Follows the store: checks for every forward in effect with health, none for the rest. */
/* Follows s's wanted forward: starts, keeps or drops its checks. 0 or -ENOMEM. */
int fwd_health_update(struct fwd_health *h, const struct slot *s, int64_t now_ms);
/* Starts due checks and reads finished ones; returns how many slots changed health. */
int fwd_health_run(struct fwd_health *h, struct store *st, int64_t now_ms);

#endif
