#include <errno.h>
#include <time.h>

#include "clock.h"
#include "join_http.h"

static int sock_find(const struct join *j, curl_socket_t fd)
{
	for (int i = 0; i < j->n_socks; i++)
		if (j->socks[i].fd == fd)
			return i;
	return -1;
}

int join_on_socket(CURL *easy, curl_socket_t fd, int what, void *clientp, void *socketp)
{
	struct join *j = clientp;
	int i = sock_find(j, fd);

	if (what == CURL_POLL_REMOVE) {
		if (i >= 0)
			j->socks[i] = j->socks[--j->n_socks];
		return 0;
	}
	if (i < 0) {
		if (j->n_socks == JOIN_MAX_FDS)
			return -1;
		i = j->n_socks++;
		j->socks[i].fd = fd;
	}
	j->socks[i].events = (short)((what & CURL_POLL_IN ? POLLIN : 0) |
				     (what & CURL_POLL_OUT ? POLLOUT : 0));
	return 0;
}

int join_on_timer(CURLM *multi, long timeout_ms, void *clientp)
{
	struct join *j = clientp;

	j->deadline = timeout_ms < 0 ? -1 : clock_ms() + timeout_ms;
	return 0;
}

int join_fds(struct join *j, struct pollfd *fds, int max)
{
	if (j->n_socks > max)
		return -ENOSPC;
	for (int i = 0; i < j->n_socks; i++)
		fds[i] = (struct pollfd){ .fd = j->socks[i].fd, .events = j->socks[i].events };
	return j->n_socks;
}

int64_t join_timeout_ms(const struct join *j)
{
	int64_t left;

	if (j->done || j->deadline < 0)
		return -1;
	left = j->deadline - clock_ms();
	return left > 0 ? left : 0;
}

void join_handle(struct join *j, const struct pollfd *fds, int n)
{
	int running, ev;

	if (j->done)
		return;
	for (int i = 0; i < n; i++) {
		if (!fds[i].revents || sock_find(j, fds[i].fd) < 0)
			continue;
		ev = (fds[i].revents & (POLLIN | POLLHUP) ? CURL_CSELECT_IN : 0) |
		     (fds[i].revents & POLLOUT ? CURL_CSELECT_OUT : 0) |
		     (fds[i].revents & (POLLERR | POLLNVAL) ? CURL_CSELECT_ERR : 0);
		j->curl.multi_socket_action(j->multi, fds[i].fd, ev, &running);
	}
	if (j->deadline >= 0 && clock_ms() >= j->deadline) {
		j->deadline = -1;
		j->curl.multi_socket_action(j->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	}
	join_collect(j);
}
