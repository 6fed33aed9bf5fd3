#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include "rtnl.h"

#define RTNL_RECV_SIZE 32768

int rtnl_open(int bus, struct mnl_socket **out)
{
	struct mnl_socket *nl = mnl_socket_open2(bus, SOCK_CLOEXEC);
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

int rtnl_talk(struct mnl_socket *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	mnl_cb_t ctl[NLMSG_DONE + 1] = {
		[NLMSG_ERROR] = on_error,
		[NLMSG_DONE] = on_done,
	};
	unsigned portid = mnl_socket_get_portid(nl), seq = (unsigned)time(NULL);
	char *buf = NULL;
	ssize_t n;
	int ret;

	nlh->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = seq;
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	buf = malloc(RTNL_RECV_SIZE);
	if (!buf)
		return -ENOMEM;
	for (;;) {
		n = mnl_socket_recvfrom(nl, buf, RTNL_RECV_SIZE);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
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

int rtnl_request(struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	struct mnl_socket *nl;
	int ret = rtnl_open(NETLINK_ROUTE, &nl);

	if (ret)
		return ret;
	ret = rtnl_talk(nl, nlh, cb, data);
	mnl_socket_close(nl);
	return ret;
}

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
	char buf[RTNL_MSG_SIZE] = { 0 };
	struct link_info li = { 0, kind, kind ? kindlen : 0 };
	struct nlmsghdr *nlh;
	int ret;

	if (!ifname_ok(ifname))
		return -EINVAL;
	if (li.kindlen)
		kind[0] = '\0';
	nlh = link_msg(buf, RTM_GETLINK, 0, 0);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, ifname);
	ret = rtnl_request(nlh, on_link, &li);
	if (!ret && !li.ifindex)
		ret = -ENODEV;
	if (!ret && ifindex)
		*ifindex = li.ifindex;
	return ret;
}

int rtnl_link_create(const char *ifname, const char *kind)
{
	char buf[RTNL_MSG_SIZE] = { 0 };
	struct nlmsghdr *nlh;
	struct nlattr *info;

	if (!ifname_ok(ifname) || !kind || !*kind)
		return -EINVAL;
	nlh = link_msg(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, 0);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, ifname);
	info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_str(nlh, IFLA_INFO_KIND, kind);
	mnl_attr_nest_end(nlh, info);
	return rtnl_request(nlh, NULL, NULL);
}

int rtnl_link_delete(const char *ifname)
{
	char buf[RTNL_MSG_SIZE] = { 0 };
	struct nlmsghdr *nlh;

	if (!ifname_ok(ifname))
		return -EINVAL;
	nlh = link_msg(buf, RTM_DELLINK, 0, 0);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, ifname);
	return rtnl_request(nlh, NULL, NULL);
}

int rtnl_link_up(unsigned ifindex, unsigned mtu)
{
	char buf[RTNL_MSG_SIZE] = { 0 };
	struct nlmsghdr *nlh = link_msg(buf, RTM_NEWLINK, 0, ifindex);
	struct ifinfomsg *ifm = mnl_nlmsg_get_payload(nlh);

	ifm->ifi_flags = IFF_UP;
	ifm->ifi_change = IFF_UP;
	if (mtu)
		mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
	return rtnl_request(nlh, NULL, NULL);
}
