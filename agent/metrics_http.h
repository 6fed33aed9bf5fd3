/* The optional Prometheus endpoint: plain HTTP on a loopback address, in the poll loop. */
#ifndef EDGE_METRICS_HTTP_H
#define EDGE_METRICS_HTTP_H

#include <stddef.h>

/* addr is "127.0.0.1:9108" or "[::1]:9108"; only loopback is accepted. Returns a
 * listening non-blocking socket or -errno (-EINVAL with err for a bad address). */
int metrics_http_listen(const char *addr, char *err, size_t errlen);
/* Accepts what is waiting and answers each with body (text/plain; version=0.0.4). */
void metrics_http_serve(int fd, const char *body, size_t len);

#endif
