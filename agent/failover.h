/*
 * Which broker and address the MQTT edge tries next: the list in order, a name address by
 * address, and the way back to an earlier broker once it has answered for a while.
 */
#ifndef EDGE_FAILOVER_H
#define EDGE_FAILOVER_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#include "broker.h"
#include "tcp_probe.h"

#define FAILOVER_MAX_ADDRS 16

struct failover {
	const struct broker_list *list;
	int64_t failback_ms;
	size_t cur;                     /* broker tried or in use */
	char addrs[FAILOVER_MAX_ADDRS][INET6_ADDRSTRLEN];
	size_t n_addrs, ai;             /* its addresses, the one tried or in use */
	char name[300];                 /* broker_format of cur */
	/* while on a later broker: TCP probes of the earlier ones */
	struct tcp_probe probe;
	bool probe_active;
	size_t probe_idx;               /* the broker probed */
	char probe_addrs[FAILOVER_MAX_ADDRS][INET6_ADDRSTRLEN];
	size_t probe_n, probe_ai;       /* its addresses, the one tried */
	int64_t probe_due_ms;
	int64_t up_since[MAX_BROKERS];  /* 0: not answering */
	struct tcp_probe reach;         /* the target, before the (blocking) connect */
};

void failover_init(struct failover *f, const struct broker_list *l, unsigned failback_s);
void failover_close(struct failover *f);
const struct broker *failover_broker(const struct failover *f);
/*
 * What to hand to the connect: an address of the current broker (mqtt://), or its name
 * (mqtts://: the certificate is checked against the name, so libmosquitto resolves it).
 */
const char *failover_address(const struct failover *f);
/* A new round from the first broker (at start and after losing a connection). */
void failover_begin(struct failover *f);
/* The attempt failed: the next address or broker. False when the round is over. */
bool failover_next(struct failover *f);
/* Connected to the current target: probing of earlier brokers starts from now. */
void failover_connected(struct failover *f, int64_t now_ms);
/*
 * While connected: runs the probes. Returns the index of an earlier broker that has
 * answered every probe for failback_s (the caller moves there), or -1.
 */
int failover_tick(struct failover *f, int64_t now_ms);
/* When failover_tick wants to run next (0: nothing to do). */
int64_t failover_due_ms(const struct failover *f);
/*
 * Before each connect: a non-blocking TCP connect to the target, so that an address that
 * drops SYNs costs a few seconds, not the kernel's SYN timeout in libmosquitto's blocking
 * connect. failover_reach_result: 1 answered, 0 waiting, -1 not reachable (*err why).
 */
void failover_reach_start(struct failover *f, int64_t now_ms);
int failover_reach_result(struct failover *f, int64_t now_ms, int *err);
/* Moves to broker i for the next attempt. */
void failover_move(struct failover *f, size_t i);

#endif
