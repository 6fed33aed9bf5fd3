/* rtnetlink for the preserve_source tunnel: its VXLAN link, forwarding database, routes, rules. */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/fib_rules.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>

#include "array.h"
#include "host.h"
#include "pst_link.h"
#include "rtnl.h"

static struct nlmsghdr *msg(char *buf, uint16_t type, uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	return nlh;
}

/* Creates the device (flags 0: exists already, only its address, MTU and flags are set). */
static int link_put(unsigned ifindex, uint32_t self, unsigned mtu)
{
	char buf[NL_MSG_SIZE] = { 0 };
	struct nlmsghdr *nlh = msg(buf, RTM_NEWLINK, ifindex ? 0 : NLM_F_CREATE | NLM_F_EXCL);
	struct ifinfomsg *ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	struct nlattr *info, *data;
	uint8_t mac[6];

	ifm->ifi_family = AF_UNSPEC;
	ifm->ifi_index = (int)ifindex;
	ifm->ifi_flags = IFF_UP | IFF_NOARP;
	ifm->ifi_change = IFF_UP | IFF_NOARP;
	pst_mac(self, mac);
	mnl_attr_put(nlh, IFLA_ADDRESS, sizeof(mac), mac);
	mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
	if (!ifindex) {
		mnl_attr_put_strz(nlh, IFLA_IFNAME, PST_IFNAME);
		info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
		mnl_attr_put_str(nlh, IFLA_INFO_KIND, "vxlan");
		data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
		mnl_attr_put_u32(nlh, IFLA_VXLAN_ID, PST_VNI);
		mnl_attr_put_u16(nlh, IFLA_VXLAN_PORT, htons(PST_PORT));
		mnl_attr_put_u8(nlh, IFLA_VXLAN_LEARNING, 0);
		mnl_attr_nest_end(nlh, data);
		mnl_attr_nest_end(nlh, info);
	}
	return nl_request(NETLINK_ROUTE, nlh, NULL, NULL);
}

int pst_link_ensure(const struct pst_plan *p, unsigned *ifindex, char *err, size_t errlen)
{
	char kind[32];
	int ret = rtnl_link_get(PST_IFNAME, ifindex, kind, sizeof(kind));

	if (ret == -ENODEV) {
		ret = link_put(0, p->self, p->mtu);
		if (!ret)
			ret = rtnl_link_get(PST_IFNAME, ifindex, kind, sizeof(kind));
		if (ret) {
			snprintf(err, errlen, "cannot create the VXLAN link %s: %s", PST_IFNAME,
				 strerror(-ret));
			return ret;
		}
	} else if (ret) {
		snprintf(err, errlen, "cannot read link %s: %s", PST_IFNAME, strerror(-ret));
		return ret;
	} else if (strcmp(kind, "vxlan")) {
		snprintf(err, errlen, "a link named %s exists and is not a VXLAN link (kind \"%s\"): "
			 "not ours, left alone", PST_IFNAME, kind);
		return -EEXIST;
	}
	return 0;
}

/*
 * The reverse-path check of a client's packet uses its mark (the edge's), whose rule routes
 * the client back into the tunnel; rp_filter loose besides. No IPv6 on the tunnel.
 */
static int sysctls(void)
{
	int ret = host_sysctl("/proc/sys/net/ipv4/conf/" PST_IFNAME "/rp_filter", "2\n");

	if (!ret)
		ret = host_sysctl("/proc/sys/net/ipv4/conf/" PST_IFNAME "/src_valid_mark", "1\n");
	if (!ret && host_sysctl("/proc/sys/net/ipv6/conf/" PST_IFNAME "/disable_ipv6", "1\n"))
		ret = 0;        /* no IPv6 in this kernel: nothing to disable */
	return ret;
}

/* ---- forwarding database: one permanent entry per peer ---- */

struct fdb_list {
	unsigned ifindex;
	uint8_t (*mac)[6];
	size_t n, cap;
};

static int on_fdb(const struct nlmsghdr *nlh, void *data)
{
	const struct ndmsg *nd = mnl_nlmsg_get_payload(nlh);
	struct fdb_list *l = data;
	const struct nlattr *a;
	uint8_t (*v)[6];

	if (nlh->nlmsg_type != RTM_NEWNEIGH || nd->ndm_family != AF_BRIDGE ||
	    (unsigned)nd->ndm_ifindex != l->ifindex)
		return MNL_CB_OK;
	mnl_attr_for_each(a, nlh, sizeof(*nd)) {
		if (mnl_attr_get_type(a) != NDA_LLADDR || mnl_attr_get_payload_len(a) != 6)
			continue;
		v = array_grow(l->mac, &l->cap, l->n + 1, sizeof(*v), 16);
		if (!v) {
			errno = ENOMEM;
			return MNL_CB_ERROR;
		}
		l->mac = v;
		memcpy(l->mac[l->n++], mnl_attr_get_payload(a), 6);
	}
	return MNL_CB_OK;
}

static int fdb_change(uint16_t type, uint16_t flags, unsigned ifindex, const uint8_t mac[6],
		      uint32_t dst)
{
	char buf[NL_MSG_SIZE] = { 0 };
	struct nlmsghdr *nlh = msg(buf, type, flags);
	struct ndmsg *nd = mnl_nlmsg_put_extra_header(nlh, sizeof(*nd));
	uint32_t be = htonl(dst);

	nd->ndm_family = AF_BRIDGE;
	nd->ndm_ifindex = (int)ifindex;
	nd->ndm_state = NUD_PERMANENT | NUD_NOARP;
	nd->ndm_flags = NTF_SELF;
	mnl_attr_put(nlh, NDA_LLADDR, 6, mac);
	if (type == RTM_NEWNEIGH)
		mnl_attr_put(nlh, NDA_DST, 4, &be);
	return nl_request(NETLINK_ROUTE, nlh, NULL, NULL);
}

static bool fdb_wanted(const struct pst_plan *p, const uint8_t mac[6])
{
	uint8_t m[6];

	for (size_t i = 0; i < p->n_peers; i++) {
		pst_mac(p->peers[i].addr, m);
		if (!memcmp(m, mac, 6))
			return true;
	}
	return false;
}

static int fdb_sync(unsigned ifindex, const struct pst_plan *p)
{
	char buf[NL_MSG_SIZE] = { 0 };
	struct nlmsghdr *nlh = msg(buf, RTM_GETNEIGH, NLM_F_DUMP);
	struct ndmsg *nd = mnl_nlmsg_put_extra_header(nlh, sizeof(*nd));
	struct fdb_list have = { .ifindex = ifindex };
	uint8_t mac[6];
	int ret, r;

	nd->ndm_family = AF_BRIDGE;
	ret = nl_request(NETLINK_ROUTE, nlh, on_fdb, &have);
	for (size_t i = 0; !ret && i < p->n_peers; i++) {
		pst_mac(p->peers[i].addr, mac);
		ret = fdb_change(RTM_NEWNEIGH, NLM_F_CREATE | NLM_F_REPLACE, ifindex, mac,
				 p->peers[i].addr);
	}
	for (size_t i = 0; !ret && i < have.n; i++)
		if (!fdb_wanted(p, have.mac[i]) && (r = fdb_change(RTM_DELNEIGH, 0, ifindex,
								    have.mac[i], 0)) && r != -ENOENT)
			ret = r;
	free(have.mac);
	return ret;
}

/* ---- routes in the tunnel's two tables ---- */

struct route {
	struct cidr dst;
	uint32_t table;
};

struct route_list {
	struct route *v;
	size_t n, cap;
};

static int on_route(const struct nlmsghdr *nlh, void *data)
{
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	struct route_list *l = data;
	struct route r = { { .family = AF_INET, .prefix = rtm->rtm_dst_len }, rtm->rtm_table };
	const struct nlattr *a;
	struct route *v;

	if (nlh->nlmsg_type != RTM_NEWROUTE || rtm->rtm_family != AF_INET)
		return MNL_CB_OK;
	mnl_attr_for_each(a, nlh, sizeof(*rtm)) {
		if (mnl_attr_get_type(a) == RTA_TABLE && mnl_attr_get_payload_len(a) == 4)
			r.table = mnl_attr_get_u32(a);
		else if (mnl_attr_get_type(a) == RTA_DST && mnl_attr_get_payload_len(a) == 4)
			memcpy(r.dst.addr, mnl_attr_get_payload(a), 4);
	}
	if (r.table != PST_TABLE_EDGE && r.table != PST_TABLE_REPLY)
		return MNL_CB_OK;
	if (!(v = array_grow(l->v, &l->cap, l->n + 1, sizeof(*v), 16))) {
		errno = ENOMEM;
		return MNL_CB_ERROR;
	}
	l->v = v;
	l->v[l->n++] = r;
	return MNL_CB_OK;
}

static int route_change(uint16_t type, uint16_t flags, unsigned ifindex, uint32_t table,
			const struct cidr *dst)
{
	char buf[NL_MSG_SIZE] = { 0 };
	struct nlmsghdr *nlh = msg(buf, type, flags);
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));

	rtm->rtm_family = AF_INET;
	rtm->rtm_dst_len = dst->prefix;
	rtm->rtm_table = RT_TABLE_UNSPEC;
	rtm->rtm_protocol = RTNL_PROTO_EDGE;
	rtm->rtm_type = RTN_UNICAST;
	rtm->rtm_scope = type == RTM_DELROUTE ? RT_SCOPE_NOWHERE : RT_SCOPE_LINK;
	mnl_attr_put_u32(nlh, RTA_TABLE, table);
	if (dst->prefix)
		mnl_attr_put(nlh, RTA_DST, 4, dst->addr);
	if (type == RTM_NEWROUTE)
		mnl_attr_put_u32(nlh, RTA_OIF, ifindex);
	return nl_request(NETLINK_ROUTE, nlh, NULL, NULL);
}

static bool route_wanted(const struct pst_plan *p, uint32_t table, const struct cidr *c)
{
	if (table == PST_TABLE_REPLY)
		return c->prefix == 0;
	for (size_t i = 0; i < p->n_peers; i++)
		for (size_t n = 0; n < p->peers[i].n_nets; n++)
			if (p->peers[i].nets[n].family == AF_INET &&
			    p->peers[i].nets[n].prefix == c->prefix &&
			    !memcmp(p->peers[i].nets[n].addr, c->addr, 4))
				return true;
	return false;
}

/* Wanted routes added (or replaced) first, then the table's others removed. */
static int routes_sync(unsigned ifindex, const struct pst_plan *p)
{
	char buf[NL_MSG_SIZE] = { 0 };
	struct nlmsghdr *nlh = msg(buf, RTM_GETROUTE, NLM_F_DUMP);
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	struct route_list have = { 0 };
	struct cidr def = { .family = AF_INET };
	int ret, r;

	rtm->rtm_family = AF_INET;
	ret = nl_request(NETLINK_ROUTE, nlh, on_route, &have);
	if (!ret)
		ret = route_change(RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE, ifindex,
				   PST_TABLE_REPLY, &def);
	for (size_t i = 0; !ret && i < p->n_peers; i++)
		for (size_t n = 0; !ret && n < p->peers[i].n_nets; n++)
			if (p->peers[i].nets[n].family == AF_INET)
				ret = route_change(RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE,
						   ifindex, PST_TABLE_EDGE, &p->peers[i].nets[n]);
	for (size_t i = 0; !ret && i < have.n; i++)
		if (!route_wanted(p, have.v[i].table, &have.v[i].dst) &&
		    (r = route_change(RTM_DELROUTE, 0, 0, have.v[i].table, &have.v[i].dst)) &&
		    r != -ESRCH)
			ret = r;
	free(have.v);
	return ret;
}

/* ---- the two rules ---- */

struct rule {
	uint32_t pref, mark, mask, table;
};

struct rule_list {
	struct rule *v;
	size_t n, cap;
};

static int on_rule(const struct nlmsghdr *nlh, void *data)
{
	const struct fib_rule_hdr *frh = mnl_nlmsg_get_payload(nlh);
	struct rule_list *l = data;
	struct rule r = { .table = frh->table };
	const struct nlattr *a;
	bool ours = false;
	struct rule *v;

	if (nlh->nlmsg_type != RTM_NEWRULE || frh->family != AF_INET)
		return MNL_CB_OK;
	mnl_attr_for_each(a, nlh, sizeof(*frh)) {
		switch (mnl_attr_get_type(a)) {
		case FRA_PROTOCOL:
			ours = mnl_attr_get_payload_len(a) == 1 && mnl_attr_get_u8(a) == RTNL_PROTO_EDGE;
			break;
		case FRA_PRIORITY:
			r.pref = mnl_attr_get_u32(a);
			break;
		case FRA_FWMARK:
			r.mark = mnl_attr_get_u32(a);
			break;
		case FRA_FWMASK:
			r.mask = mnl_attr_get_u32(a);
			break;
		case FRA_TABLE:
			r.table = mnl_attr_get_u32(a);
			break;
		}
	}
	if (!ours)
		return MNL_CB_OK;
	if (!(v = array_grow(l->v, &l->cap, l->n + 1, sizeof(*v), 4))) {
		errno = ENOMEM;
		return MNL_CB_ERROR;
	}
	l->v = v;
	l->v[l->n++] = r;
	return MNL_CB_OK;
}

static int rule_change(uint16_t type, uint16_t flags, const struct rule *r)
{
	char buf[NL_MSG_SIZE] = { 0 };
	struct nlmsghdr *nlh = msg(buf, type, flags);
	struct fib_rule_hdr *frh = mnl_nlmsg_put_extra_header(nlh, sizeof(*frh));

	frh->family = AF_INET;
	frh->action = FR_ACT_TO_TBL;
	mnl_attr_put_u32(nlh, FRA_PRIORITY, r->pref);
	mnl_attr_put_u32(nlh, FRA_FWMARK, r->mark);
	mnl_attr_put_u32(nlh, FRA_FWMASK, r->mask);
	mnl_attr_put_u32(nlh, FRA_TABLE, r->table);
	mnl_attr_put_u8(nlh, FRA_PROTOCOL, RTNL_PROTO_EDGE);
	return nl_request(NETLINK_ROUTE, nlh, NULL, NULL);
}

static int rules_dump(struct rule_list *l)
{
	char buf[NL_MSG_SIZE] = { 0 };
	struct nlmsghdr *nlh = msg(buf, RTM_GETRULE, NLM_F_DUMP);
	struct fib_rule_hdr *frh = mnl_nlmsg_put_extra_header(nlh, sizeof(*frh));

	frh->family = AF_INET;
	return nl_request(NETLINK_ROUTE, nlh, on_rule, l);
}

/* want NULL: every rule of ours goes. */
static int rules_sync(const struct rule *want, size_t n_want)
{
	struct rule_list have = { 0 };
	int ret = rules_dump(&have), r;

	for (size_t i = 0; !ret && i < have.n; i++) {
		bool keep = false;

		for (size_t k = 0; k < n_want; k++)
			keep |= !memcmp(&have.v[i], &want[k], sizeof(*want));
		if (!keep && (r = rule_change(RTM_DELRULE, 0, &have.v[i])) && r != -ENOENT)
			ret = r;
	}
	for (size_t k = 0; !ret && k < n_want; k++) {
		bool present = false;

		for (size_t i = 0; i < have.n; i++)
			present |= !memcmp(&have.v[i], &want[k], sizeof(*want));
		if (!present)
			ret = rule_change(RTM_NEWRULE, NLM_F_CREATE | NLM_F_EXCL, &want[k]);
	}
	free(have.v);
	return ret;
}

int pst_link_sync(unsigned ifindex, const struct pst_plan *p, char *err, size_t errlen)
{
	const struct rule want[] = {
		{ PST_RULE_PREF, p->net, p->mask, PST_TABLE_REPLY },
		{ PST_RULE_PREF + 1, PST_EDGE_MARK, PST_EDGE_MASK, PST_TABLE_EDGE },
	};
	struct cidr self = { .family = AF_INET, .prefix = 32 };
	uint32_t be = htonl(p->self);
	const char *step = "set its address, MTU and flags";
	int ret;

	memcpy(self.addr, &be, 4);
	ret = link_put(ifindex, p->self, p->mtu);
	if (!ret && (step = "give it the mesh address (/32)"))
		ret = rtnl_addr_set(ifindex, &self);
	if (!ret && (step = "set rp_filter"))
		ret = sysctls();
	if (!ret && (step = "fill its forwarding database"))
		ret = fdb_sync(ifindex, p);
	if (!ret && (step = "route its tables"))
		ret = routes_sync(ifindex, p);
	if (!ret && (step = "add its rules"))
		ret = rules_sync(want, 2);
	if (ret)
		snprintf(err, errlen, "tunnel %s: cannot %s: %s", PST_IFNAME, step, strerror(-ret));
	return ret;
}

int pst_link_remove(char *err, size_t errlen)
{
	int ret = rules_sync(NULL, 0), r;

	r = rtnl_link_delete(PST_IFNAME);
	if (r && r != -ENODEV && !ret)
		ret = r;
	if (ret)
		snprintf(err, errlen, "tunnel %s: %s", PST_IFNAME, strerror(-ret));
	return ret;
}
