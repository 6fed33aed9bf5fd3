#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tcp_probe.h"

void tcp_probe_init(struct tcp_probe *p)
{
	p->fd = -1;
	p->deadline_ms = 0;
}

void tcp_probe_start(struct tcp_probe *p, const char *addr, int port, int64_t now_ms,
		     int timeout_ms)
{
	struct sockaddr_storage ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	socklen_t len = sizeof(*s4);
	int fd;

	tcp_probe_stop(p);
	p->deadline_ms = now_ms + timeout_ms;
	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, addr, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
	} else if (inet_pton(AF_INET6, addr, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		len = sizeof(*s6);
	} else {
		return;
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	if (connect(fd, (struct sockaddr *)&ss, len) == 0 || errno == EINPROGRESS)
		p->fd = fd;
	else
		close(fd);
}

int tcp_probe_result(const struct tcp_probe *p, int64_t now_ms, int *err)
{
	struct pollfd pf = { .fd = p->fd, .events = POLLOUT };
	int e = 0;
	socklen_t len = sizeof(e);

	if (p->fd < 0) {
		e = EHOSTUNREACH;
	} else if (poll(&pf, 1, 0) != 1) {
		if (now_ms < p->deadline_ms)
			return 0;
		e = ETIMEDOUT;
	} else if (getsockopt(p->fd, SOL_SOCKET, SO_ERROR, &e, &len)) {
		e = errno;
	}
	if (err)
		*err = e;
	return e ? -1 : 1;
}

void tcp_probe_stop(struct tcp_probe *p)
{
	if (p->fd >= 0)
		close(p->fd);
	p->fd = -1;
}
