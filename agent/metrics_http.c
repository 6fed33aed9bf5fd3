#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "endpoint.h"
#include "metrics_http.h"

int metrics_http_listen(const char *addr, char *err, size_t errlen)
{
	struct wg_endpoint ep;
	int fd, one = 1;

	if (endpoint_parse(addr, strlen(addr), 0, &ep) ||
	    (ep.family == AF_INET && (ntohl(ep.in4.sin_addr.s_addr) >> 24) != 127) ||
	    (ep.family == AF_INET6 && !IN6_IS_ADDR_LOOPBACK(&ep.in6.sin6_addr)))
		goto bad;
	fd = socket(ep.family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ep.in6, ep.family == AF_INET ? sizeof(ep.in4) : sizeof(ep.in6)) ||
	    listen(fd, 16)) {
		int e = errno;
		snprintf(err, errlen, "METRICS_LISTEN %s: %s", addr, strerror(e));
		close(fd);
		return -e;
	}
	return fd;
bad:
	snprintf(err, errlen, "METRICS_LISTEN \"%s\" is invalid (accepted: 127.x.x.x:port or [::1]:port)", addr);
	return -EINVAL;
}

void metrics_http_init(struct metrics_http *h, int listen_fd)
{
	memset(h, 0, sizeof(*h));
	h->fd = listen_fd;
	for (size_t i = 0; i < METRICS_HTTP_CONNS; i++)
		h->conn[i].fd = -1;
}

static void conn_close(struct metrics_conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	free(c->out);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
}

void metrics_http_close(struct metrics_http *h)
{
	for (size_t i = 0; i < METRICS_HTTP_CONNS; i++)
		conn_close(&h->conn[i]);
	if (h->fd >= 0)
		close(h->fd);
	h->fd = -1;
}

size_t metrics_http_fds(const struct metrics_http *h, struct pollfd *p, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < METRICS_HTTP_CONNS && n < max; i++) {
		const struct metrics_conn *c = &h->conn[i];
		if (c->fd < 0)
			continue;
		p[n].fd = c->fd;
		p[n].events = c->out ? POLLOUT : POLLIN;
		p[n++].revents = 0;
	}
	return n;
}

int64_t metrics_http_due_ms(const struct metrics_http *h)
{
	int64_t due = 0;

	for (size_t i = 0; i < METRICS_HTTP_CONNS; i++)
		if (h->conn[i].fd >= 0 && (!due || h->conn[i].deadline_ms < due))
			due = h->conn[i].deadline_ms;
	return due;
}

/* A new connection takes a free place, or that of the connection closest to its deadline. */
static void conns_accept(struct metrics_http *h, int64_t now_ms)
{
	int fd;

	while ((fd = accept4(h->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		struct metrics_conn *c = &h->conn[0];
		for (size_t i = 0; i < METRICS_HTTP_CONNS; i++) {
			if (h->conn[i].fd < 0) {
				c = &h->conn[i];
				break;
			}
			if (h->conn[i].deadline_ms < c->deadline_ms)
				c = &h->conn[i];
		}
		conn_close(c);
		c->fd = fd;
		c->deadline_ms = now_ms + METRICS_HTTP_TIMEOUT_MS;
	}
}

/* Reads what the client sent; once its request head is complete, queues the answer. */
static void conn_read(struct metrics_conn *c, metrics_http_body_fn body, void *arg)
{
	char hdr[160];
	const char *text;
	size_t len;
	ssize_t n;
	int head;

	n = read(c->fd, c->req + c->got, sizeof(c->req) - 1 - c->got);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		conn_close(c);
		return;
	}
	c->got += (size_t)n;
	c->req[c->got] = '\0';
	if (!strstr(c->req, "\r\n\r\n") && !strstr(c->req, "\n\n")) {
		if (c->got == sizeof(c->req) - 1)
			conn_close(c);  /* no request head fits: not a scraper */
		return;
	}
	text = body(arg, &len);
	head = snprintf(hdr, sizeof(hdr), "HTTP/1.0 200 OK\r\nContent-Type: text/plain; "
			"version=0.0.4\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n", len);
	c->out = malloc((size_t)head + len);
	if (!c->out) {
		conn_close(c);
		return;
	}
	memcpy(c->out, hdr, (size_t)head);
	memcpy(c->out + head, text, len);
	c->out_len = (size_t)head + len;
}

static void conn_write(struct metrics_conn *c)
{
	ssize_t n = write(c->fd, c->out + c->out_off, c->out_len - c->out_off);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0 || (c->out_off += (size_t)n) == c->out_len)
		conn_close(c);
}

void metrics_http_handle(struct metrics_http *h, const struct pollfd *p, size_t n, bool listener_ready,
			 int64_t now_ms, metrics_http_body_fn body, void *arg)
{
	for (size_t k = 0; k < n; k++) {
		struct metrics_conn *c = NULL;
		for (size_t i = 0; i < METRICS_HTTP_CONNS && !c; i++)
			if (h->conn[i].fd >= 0 && h->conn[i].fd == p[k].fd)
				c = &h->conn[i];
		if (!c || !p[k].revents)
			continue;
		if (c->out && (p[k].revents & (POLLOUT | POLLERR | POLLHUP)))
			conn_write(c);
		else if (!c->out && (p[k].revents & (POLLIN | POLLERR | POLLHUP)))
			conn_read(c, body, arg);
	}
	for (size_t i = 0; i < METRICS_HTTP_CONNS; i++)
		if (h->conn[i].fd >= 0 && now_ms >= h->conn[i].deadline_ms)
			conn_close(&h->conn[i]);
	if (listener_ready)
		conns_accept(h, now_ms);
}
