/* The one clock for timers and deadlines: CLOCK_MONOTONIC in milliseconds. */
#ifndef EDGE_CLOCK_H
#define EDGE_CLOCK_H

#include <stdint.h>

int64_t clock_ms(void);
/* Waits for events on fd until deadline (clock_ms): 0, -ETIMEDOUT or -errno (EINTR retried). */
int clock_wait(int fd, short events, int64_t deadline);

#endif
