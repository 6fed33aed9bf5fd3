/* The optional Prometheus endpoint: plain HTTP on a loopback address, in the poll loop. */
#ifndef EDGE_METRICS_HTTP_H
#define EDGE_METRICS_HTTP_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* addr is "127.0.0.1:9108" or "[::1]:9108"; only loopback is accepted. Returns a
 * listening non-blocking socket or -errno (-EINVAL with err for a bad address). */
int metrics_http_listen(const char *addr, char *err, size_t errlen);
/*
 * The clients, served from the agent's poll loop without ever blocking it: each has a
 * place among METRICS_HTTP_CONNS (a newcomer takes the oldest one's when all are taken)
 * and METRICS_HTTP_TIMEOUT_MS to send its request head and read the answer.
 */
#define METRICS_HTTP_CONNS 8
#define METRICS_HTTP_TIMEOUT_MS 5000

struct metrics_conn {
	int fd;                 /* -1: free */
	int64_t deadline_ms;
	size_t got;
	char req[2048];
	char *out;              /* the answer, once the request head is in */
	size_t out_len;
	size_t out_off;
};

struct metrics_http {
	int fd;                 /* the listener, -1: none */
	struct metrics_conn conn[METRICS_HTTP_CONNS];
};

/* The exposition text (text/plain; version=0.0.4), rendered when a request is complete. */
typedef const char *(*metrics_http_body_fn)(void *arg, size_t *len);

void metrics_http_init(struct metrics_http *h, int listen_fd);
/* The clients' poll entries (not the listener's, which is h->fd). Returns how many. */
size_t metrics_http_fds(const struct metrics_http *h, struct pollfd *p, size_t max);
/* The earliest client deadline, 0 if none. */
int64_t metrics_http_due_ms(const struct metrics_http *h);
/* Serves the clients in p (from metrics_http_fds), expires late ones, accepts new ones. */
void metrics_http_handle(struct metrics_http *h, const struct pollfd *p, size_t n, bool listener_ready,
			 int64_t now_ms, metrics_http_body_fn body, void *arg);
void metrics_http_close(struct metrics_http *h);

#endif
