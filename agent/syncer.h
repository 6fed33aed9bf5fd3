/*
 * A thread that runs fdatasync on one file when asked, so the device flushes while the
 * caller goes on (the nftables transaction, staging route files) and waits only for what
 * is left. Requests are generations: a wait for generation g returns once a sync that
 * started after ask returned g has ended, so one sync answers every ask before it.
 */
#ifndef EDGE_SYNCER_H
#define EDGE_SYNCER_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

struct syncer {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int fd;
	uint64_t asked, done;   /* generations asked and ended */
	int err;                /* errno of a failed sync since the last syncer_clear, sticky */
	bool up, stop;
};

/* Asks for a sync of everything written to fd so far; 0 when no thread could be started. */
uint64_t syncer_ask(struct syncer *s, int fd);
/* Waits for generation gen (from syncer_ask, not 0): 0, or -errno of any failed sync. */
int syncer_wait(struct syncer *s, uint64_t gen);
/* Waits for every sync asked, then forgets errors (the file was replaced). */
void syncer_clear(struct syncer *s);
/* Ends the thread (after the sync in progress). */
void syncer_stop(struct syncer *s);

#endif
