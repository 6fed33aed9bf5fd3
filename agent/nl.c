#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <time.h>

#include "clock.h"
#include "nl.h"

#define NL_RECV_SIZE 32768

int nl_open(int bus, int flags, struct mnl_socket **out)
{
	struct mnl_socket *nl = mnl_socket_open2(bus, SOCK_CLOEXEC | flags);
	int ret;

	if (!nl)
		return -errno;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		ret = -errno;
		mnl_socket_close(nl);
		return ret;
	}
	*out = nl;
	return 0;
}

ssize_t nl_recv(struct mnl_socket *nl, void *buf, size_t len)
{
	ssize_t n;

	do
		n = mnl_socket_recvfrom(nl, buf, len);
	while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : n;
}

static int on_error(const struct nlmsghdr *nlh, void *data)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);

	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*e))) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	if (e->error) {
		errno = -e->error;
		return MNL_CB_ERROR;
	}
	return MNL_CB_STOP;
}

/* A dump can end with an error in its NLMSG_DONE. */
static int on_done(const struct nlmsghdr *nlh, void *data)
{
	const int *err = mnl_nlmsg_get_payload(nlh);

	if (mnl_nlmsg_get_payload_len(nlh) >= sizeof(*err) && *err < 0) {
		errno = -*err;
		return MNL_CB_ERROR;
	}
	return MNL_CB_STOP;
}

int nl_talk(struct mnl_socket *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	mnl_cb_t ctl[NLMSG_DONE + 1] = {
		[NLMSG_ERROR] = on_error,
		[NLMSG_DONE] = on_done,
	};
	unsigned portid = mnl_socket_get_portid(nl), seq = (unsigned)time(NULL);
	int64_t deadline = clock_ms() + NL_DEADLINE_MS;
	size_t total = 0;
	char *buf = NULL;
	ssize_t n;
	int ret;

	nlh->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = seq;
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	buf = malloc(NL_RECV_SIZE);
	if (!buf)
		return -ENOMEM;
	for (;;) {
		ret = clock_wait(mnl_socket_get_fd(nl), POLLIN, deadline);
		if (ret)
			break;
		n = nl_recv(nl, buf, NL_RECV_SIZE);
		if (n == -EAGAIN)
			continue;
		if (n < 0) {
			ret = (int)n;
			break;
		}
		total += (size_t)n;
		if (total > NL_REPLY_MAX) {
			ret = -EMSGSIZE;
			break;
		}
		errno = 0;
		ret = mnl_cb_run2(buf, (size_t)n, seq, portid, cb, data, ctl, MNL_ARRAY_SIZE(ctl));
		if (ret == MNL_CB_ERROR) {
			ret = errno ? -errno : -EPROTO;
			break;
		}
		if (ret == MNL_CB_STOP) {
			ret = 0;
			break;
		}
	}
	free(buf);
	return ret;
}

int nl_request(int bus, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	struct mnl_socket *nl;
	int ret = nl_open(bus, 0, &nl);

	if (ret)
		return ret;
	ret = nl_talk(nl, nlh, cb, data);
	mnl_socket_close(nl);
	return ret;
}
