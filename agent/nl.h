/*
 * The one netlink transport (libmnl) for route, generic and netfilter netlink: open,
 * one request with its whole answer, and a receive that retries EINTR.
 *
 * A request is bounded: its answer may not exceed NL_REPLY_MAX bytes (-EMSGSIZE) nor
 * take longer than NL_DEADLINE_MS (-ETIMEDOUT), so a wedged or flooding peer cannot
 * stall the event loop or grow memory without end.
 */
#ifndef EDGE_NL_H
#define EDGE_NL_H

#include <stddef.h>
#include <sys/types.h>

#include <libmnl/libmnl.h>

/* One request's buffer. Zero it first: libmnl 1.0.4 leaves attribute padding unset. */
#define NL_MSG_SIZE 8192
#define NL_REPLY_MAX (64u << 20)
#define NL_DEADLINE_MS 5000

/* A netlink socket on bus (NETLINK_ROUTE, NETLINK_GENERIC, NETLINK_NETFILTER), bound;
 * flags may add SOCK_NONBLOCK. */
int nl_open(int bus, int flags, struct mnl_socket **out);
/* Sends one request (with NLM_F_ACK) and runs cb (may be NULL) on each reply until the
 * ACK or the end of the dump; 0 or -errno from the kernel or the bounds above. */
int nl_talk(struct mnl_socket *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data);
/* nl_talk on a fresh socket of bus. */
int nl_request(int bus, struct nlmsghdr *nlh, mnl_cb_t cb, void *data);
/* One datagram: its length or -errno (EINTR retried; -EAGAIN on a non-blocking socket). */
ssize_t nl_recv(struct mnl_socket *nl, void *buf, size_t len);

#endif
