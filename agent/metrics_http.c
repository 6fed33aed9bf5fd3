#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "metrics_http.h"

int metrics_http_listen(const char *addr, char *err, size_t errlen)
{
	struct sockaddr_storage ss = { 0 };
	struct sockaddr_in *in4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
	char host[64];
	const char *colon = strrchr(addr, ':');
	int port, fd, one = 1;
	size_t hl;

	if (!colon || sscanf(colon + 1, "%d", &port) != 1 || port < 1 || port > 65535)
		goto bad;
	hl = (size_t)(colon - addr);
	if (hl >= sizeof(host))
		goto bad;
	memcpy(host, addr, hl);
	host[hl] = '\0';
	if (inet_pton(AF_INET, host, &in4->sin_addr) == 1) {
		if ((ntohl(in4->sin_addr.s_addr) >> 24) != 127)
			goto bad;
		in4->sin_family = AF_INET;
		in4->sin_port = htons((uint16_t)port);
	} else if (hl > 2 && host[0] == '[' && host[hl - 1] == ']' &&
		   (host[hl - 1] = '\0', inet_pton(AF_INET6, host + 1, &in6->sin6_addr) == 1) &&
		   IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr)) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
	} else {
		goto bad;
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, ss.ss_family == AF_INET ? sizeof(*in4) : sizeof(*in6)) ||
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

void metrics_http_serve(int fd, const char *body, size_t len)
{
	char req[2048], head[160];
	int c;

	while ((c = accept4(fd, NULL, NULL, SOCK_CLOEXEC)) >= 0) {
		struct pollfd p = { .fd = c, .events = POLLIN };
		int n;
		/* a scraper sends its request at once; do not let a slow one hold the loop */
		if (poll(&p, 1, 100) == 1 && read(c, req, sizeof(req)) > 0) {
			n = snprintf(head, sizeof(head), "HTTP/1.0 200 OK\r\nContent-Type: text/plain; "
				     "version=0.0.4\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n", len);
			if (write(c, head, (size_t)n) == n && len)
				(void)!write(c, body, len);
		}
		close(c);
	}
}
