/*
 * Joining the mesh: POST {CONTROLLER_URL}/join, driven from the agent's poll loop.
 *
 * libcurl's multi interface in its event form (CURLMOPT_SOCKETFUNCTION/TIMERFUNCTION and
 * curl_multi_socket_action): curl names the exact sockets and events it waits for and one
 * deadline, which map one to one onto pollfds and a poll timeout. curl_multi_fdset would
 * need a full curl_multi_perform on every wake-up and cannot report descriptors past
 * FD_SETSIZE, which a long-running daemon can reach.
 *
 *	join_start(&j, &req);
 *	loop: n = join_fds(j, fds, max); poll(fds, n + others, min(join_timeout_ms(j), ...));
 *	      join_handle(j, fds, n);   (also after a poll timeout: it runs curl's timers)
 *	      if (join_result(j, &resp, err, sizeof(err)) != -EINPROGRESS) { ...; join_free(j); }
 */
#ifndef EDGE_JOIN_H
#define EDGE_JOIN_H

#include <poll.h>
#include <stdint.h>

#include "wg.h"

#define JOIN_MAX_FDS 8
#define JOIN_CONNECT_TIMEOUT_MS 5000
#define JOIN_TIMEOUT_MS 15000

struct join;

struct join_req {
	const char *url;            /* CONTROLLER_URL, http(s)://host[:port][/prefix] */
	const char *token;          /* JOIN_TOKEN, sent as X-Join-Token */
	const char *node_id;
	const uint8_t *public_key;  /* WG_KEY_LEN bytes */
	const char *endpoint;       /* optional "ip:port" peers reach this node at, or NULL */
	const char *ca_file;        /* CONTROLLER_CA_FILE, NULL: the system store */
	long connect_timeout_ms;    /* 0: JOIN_CONNECT_TIMEOUT_MS */
	long timeout_ms;            /* 0: JOIN_TIMEOUT_MS */
};

/*
 * Starts the request; never blocks. 0, -ENOMEM, or -EINVAL when url, token, node_id or
 * public_key is missing or the token holds control characters. The request is copied.
 */
int join_start(struct join **out, const struct join_req *req);

/* Fills fds with what curl waits for; returns how many, or -ENOSPC when max is short. */
int join_fds(struct join *j, struct pollfd *fds, int max);
/* Feeds poll results (fds not curl's are ignored) and expired timers to curl. */
void join_handle(struct join *j, const struct pollfd *fds, int n);
/* Milliseconds until curl's next deadline, 0 when due, -1 when none (or done). */
int64_t join_timeout_ms(const struct join *j);

/*
 * -EINPROGRESS while running. 0: *out holds the validated response (once; the caller
 * frees it with wg_join_free). Otherwise a one-line message in err and:
 *   -EACCES      401/403: the token was refused          (retrying will not help)
 *   -EEXIST      409: the controller refused this node_id/key pair
 *   -EINVAL      other 4xx: the controller refused the request
 *   -EAGAIN      5xx: the controller failed               (retry later)
 *   -EBADMSG     2xx with a response that does not validate
 *   -ETIMEDOUT, -ECONNREFUSED, -EHOSTUNREACH, -EPROTO (TLS), -EIO: transport errors
 *   -EALREADY    the response was taken already
 */
int join_result(struct join *j, struct wg_join *out, char *err, size_t errlen);

/* Aborts a running request; NULL is fine. */
void join_free(struct join *j);

#endif
