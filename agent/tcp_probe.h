/* A non-blocking TCP connect used as a reachability check, polled from the loop. */
#ifndef EDGE_TCP_PROBE_H
#define EDGE_TCP_PROBE_H

#include <stdint.h>

struct tcp_probe {
	int fd;                 /* -1: none running */
	int64_t deadline_ms;
};

void tcp_probe_init(struct tcp_probe *p);
/* Starts a connect to addr (an IP literal):port; a start that fails at once reads as -1. */
void tcp_probe_start(struct tcp_probe *p, const char *addr, int port, int64_t now_ms,
		     int timeout_ms);
/*
 * 1 answered, 0 still waiting, -1 refused, unreachable or no answer by the deadline
 * (*err: the errno, ETIMEDOUT for no answer; err may be NULL).
 */
int tcp_probe_result(const struct tcp_probe *p, int64_t now_ms, int *err);
void tcp_probe_stop(struct tcp_probe *p);

#endif
