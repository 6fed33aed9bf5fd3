#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <linux/if_addr.h>
#include <linux/rtnetlink.h>

#include "array.h"
#include "rtnl.h"

struct addr_list {
	unsigned ifindex;
	struct cidr *v;
	size_t n, cap;
};

static int on_addr(const struct nlmsghdr *nlh, void *data)
{
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a, *local = NULL, *address = NULL;
	struct addr_list *l = data;
	size_t len = ifa->ifa_family == AF_INET ? 4 : 16;
	struct cidr *c;

	if (nlh->nlmsg_type != RTM_NEWADDR || ifa->ifa_index != l->ifindex ||
	    ifa->ifa_scope != RT_SCOPE_UNIVERSE ||
	    (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6))
		return MNL_CB_OK;
	mnl_attr_for_each(a, nlh, sizeof(*ifa)) {
		if (mnl_attr_get_type(a) == IFA_LOCAL)
			local = a;
		else if (mnl_attr_get_type(a) == IFA_ADDRESS)
			address = a;
	}
	a = local ? local : address;
	if (!a || mnl_attr_get_payload_len(a) != len)
		return MNL_CB_OK;
	c = array_grow(l->v, &l->cap, l->n + 1, sizeof(*c), 4);
	if (!c) {
		errno = ENOMEM;
		return MNL_CB_ERROR;
	}
	l->v = c;
	c = &l->v[l->n++];
	memset(c, 0, sizeof(*c));
	c->family = ifa->ifa_family;
	c->prefix = ifa->ifa_prefixlen;
	memcpy(c->addr, mnl_attr_get_payload(a), len);
	return MNL_CB_OK;
}

static int addr_change(uint16_t type, uint16_t flags, unsigned ifindex, const struct cidr *c)
{
	char buf[NL_MSG_SIZE] = { 0 };
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifaddrmsg *ifa;
	size_t len = c->family == AF_INET ? 4 : 16;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = (uint8_t)c->family;
	ifa->ifa_prefixlen = c->prefix;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = ifindex;
	mnl_attr_put(nlh, IFA_LOCAL, len, c->addr);
	mnl_attr_put(nlh, IFA_ADDRESS, len, c->addr);
	return nl_request(NETLINK_ROUTE, nlh, NULL, NULL);
}

static bool addr_equal(const struct cidr *a, const struct cidr *b)
{
	return a->family == b->family && a->prefix == b->prefix &&
	       !memcmp(a->addr, b->addr, a->family == AF_INET ? 4 : 16);
}

int rtnl_addr_set(unsigned ifindex, const struct cidr *addr)
{
	char buf[NL_MSG_SIZE] = { 0 };
	struct addr_list l = { .ifindex = ifindex };
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifaddrmsg *ifa;
	bool present = false, deleted = false;
	int ret;

	if (addr->family != AF_INET && addr->family != AF_INET6)
		return -EAFNOSUPPORT;
	nlh->nlmsg_type = RTM_GETADDR;
	nlh->nlmsg_flags = NLM_F_DUMP;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = AF_UNSPEC;
	ret = nl_request(NETLINK_ROUTE, nlh, on_addr, &l);
	/* delete first: removing a primary IPv4 address also drops its secondaries */
	for (size_t i = 0; !ret && i < l.n; i++) {
		if (addr_equal(&l.v[i], addr)) {
			present = true;
			continue;
		}
		ret = addr_change(RTM_DELADDR, 0, ifindex, &l.v[i]);
		if (ret == -EADDRNOTAVAIL)
			ret = 0;
		deleted = true;
	}
	if (!ret && (!present || deleted)) {
		ret = addr_change(RTM_NEWADDR, NLM_F_CREATE | NLM_F_REPLACE, ifindex, addr);
		if (ret == -EEXIST)
			ret = 0;
	}
	free(l.v);
	return ret;
}
