#include <errno.h>
#include <net/if.h>
#include <string.h>

#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include "rtnl.h"

static struct nlmsghdr *link_msg(char *buf, uint16_t type, uint16_t flags, unsigned ifindex)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifm;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	ifm->ifi_family = AF_UNSPEC;
	ifm->ifi_index = (int)ifindex;
	return nlh;
}

static bool ifname_ok(const char *ifname)
{
	return ifname && *ifname && strlen(ifname) < IFNAMSIZ;
}

struct link_info {
	unsigned ifindex;
	char *kind;
	size_t kindlen;
};

static int on_linkinfo(const struct nlattr *a, void *data)
{
	struct link_info *li = data;

	if (mnl_attr_get_type(a) == IFLA_INFO_KIND && li->kindlen) {
		size_t n = mnl_attr_get_payload_len(a);

		n = strnlen(mnl_attr_get_payload(a), n);
		if (n >= li->kindlen)
			n = li->kindlen - 1;
		memcpy(li->kind, mnl_attr_get_payload(a), n);
		li->kind[n] = '\0';
	}
	return MNL_CB_OK;
}

static int on_link_attr(const struct nlattr *a, void *data)
{
	if (mnl_attr_get_type(a) == IFLA_LINKINFO &&
	    mnl_attr_validate(a, MNL_TYPE_NESTED) == 0)
		return mnl_attr_parse_nested(a, on_linkinfo, data);
	return MNL_CB_OK;
}

static int on_link(const struct nlmsghdr *nlh, void *data)
{
	const struct ifinfomsg *ifm = mnl_nlmsg_get_payload(nlh);
	struct link_info *li = data;

	if (nlh->nlmsg_type != RTM_NEWLINK)
		return MNL_CB_OK;
	li->ifindex = (unsigned)ifm->ifi_index;
	return mnl_attr_parse(nlh, sizeof(*ifm), on_link_attr, li);
}

int rtnl_link_get(const char *ifname, unsigned *ifindex, char *kind, size_t kindlen)
{
	char buf[NL_MSG_SIZE] = { 0 };
	struct link_info li = { 0, kind, kind ? kindlen : 0 };
	struct nlmsghdr *nlh;
	int ret;

	if (!ifname_ok(ifname))
		return -EINVAL;
	if (li.kindlen)
		kind[0] = '\0';
	nlh = link_msg(buf, RTM_GETLINK, 0, 0);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, ifname);
	ret = nl_request(NETLINK_ROUTE, nlh, on_link, &li);
	if (!ret && !li.ifindex)
		ret = -ENODEV;
	if (!ret && ifindex)
		*ifindex = li.ifindex;
	return ret;
}

int rtnl_link_create(const char *ifname, const char *kind)
{
	char buf[NL_MSG_SIZE] = { 0 };
	struct nlmsghdr *nlh;
	struct nlattr *info;

	if (!ifname_ok(ifname) || !kind || !*kind)
		return -EINVAL;
	nlh = link_msg(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, 0);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, ifname);
	info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_str(nlh, IFLA_INFO_KIND, kind);
	mnl_attr_nest_end(nlh, info);
	return nl_request(NETLINK_ROUTE, nlh, NULL, NULL);
}

int rtnl_link_delete(const char *ifname)
{
	char buf[NL_MSG_SIZE] = { 0 };
	struct nlmsghdr *nlh;

	if (!ifname_ok(ifname))
		return -EINVAL;
	nlh = link_msg(buf, RTM_DELLINK, 0, 0);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, ifname);
	return nl_request(NETLINK_ROUTE, nlh, NULL, NULL);
}

int rtnl_link_up(unsigned ifindex, unsigned mtu)
{
	char buf[NL_MSG_SIZE] = { 0 };
	struct nlmsghdr *nlh = link_msg(buf, RTM_NEWLINK, 0, ifindex);
	struct ifinfomsg *ifm = mnl_nlmsg_get_payload(nlh);

	ifm->ifi_flags = IFF_UP;
	ifm->ifi_change = IFF_UP;
	if (mtu)
		mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
	return nl_request(NETLINK_ROUTE, nlh, NULL, NULL);
}
