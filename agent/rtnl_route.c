#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/rtnetlink.h>

#include "array.h"
#include "log.h"
#include "rtnl.h"
#include "wg_device.h"

/* The metric our routes get: the kernel's default for a route added without one. */
static uint32_t our_priority(int family)
{
	return family == AF_INET ? 0 : 1024;
}

static bool is_ours(const struct rtnl_route *r, unsigned ifindex)
{
	return r->protocol == RTNL_PROTO_EDGE && r->oif == ifindex;
}

static int route_ptr_cmp(const void *a, const void *b)
{
	const struct rtnl_route *const *ra = a, *const *rb = b;

	return wg_cidr_cmp(&(*ra)->dst, &(*rb)->dst);
}

/* The first entry of the sorted index whose dst is c, or n. */
static size_t lower_bound(const struct rtnl_route **idx, size_t n, const struct cidr *c)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (wg_cidr_cmp(&idx[mid]->dst, c) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

enum want_state { WANT_ADD, WANT_PRESENT, WANT_COVERED, WANT_CONFLICT };

static enum want_state classify(unsigned ifindex, const struct rtnl_route **idx, size_t n,
				const struct rtnl_route **cover, size_t n_cover,
				const struct cidr *w)
{
	enum want_state st = WANT_ADD;

	/* a default route through the tunnel would also carry the tunnel's own packets */
	if (!w->prefix)
		return WANT_CONFLICT;
	for (size_t i = 0; i < n_cover; i++)
		if (wg_cidr_contains(&cover[i]->dst, w))
			return WANT_COVERED;
	for (size_t i = lower_bound(idx, n, w); i < n && !wg_cidr_cmp(&idx[i]->dst, w); i++) {
		if (idx[i]->priority != our_priority(w->family))
			continue;
		if (!is_ours(idx[i], ifindex))
			return WANT_CONFLICT;
		st = WANT_PRESENT;
	}
	return st;
}

static bool cidr_in(const struct cidr *sorted, size_t n, const struct cidr *c)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int r = wg_cidr_cmp(&sorted[mid], c);

		if (!r)
			return true;
		if (r < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

int rtnl_route_plan(unsigned ifindex, const struct rtnl_route *have, size_t n_have,
		    const struct cidr *want, size_t n_want, struct rtnl_route_plan *out)
{
	const struct rtnl_route **idx = NULL, **cover = NULL;
	struct cidr *w = NULL, *kept = NULL;
	size_t n_cover = 0, n_kept = 0, n_w;
	int ret = -ENOMEM;

	memset(out, 0, sizeof(*out));
	idx = calloc(n_have + 1, sizeof(*idx));
	cover = calloc(n_have + 1, sizeof(*cover));
	w = calloc(n_want + 1, sizeof(*w));
	kept = calloc(n_want + 1, sizeof(*kept));
	out->add = calloc(n_want + 1, sizeof(*out->add));
	out->conflict = calloc(n_want + 1, sizeof(*out->conflict));
	out->del = calloc(n_have + 1, sizeof(*out->del));
	if (!idx || !cover || !w || !kept || !out->add || !out->conflict || !out->del)
		goto out;
	for (size_t i = 0; i < n_have; i++) {
		idx[i] = &have[i];
		if (have[i].oif == ifindex && !is_ours(&have[i], ifindex))
			cover[n_cover++] = &have[i];
	}
	if (n_have)
		qsort(idx, n_have, sizeof(*idx), route_ptr_cmp);
	if (n_want)
		memcpy(w, want, n_want * sizeof(*w));
	n_w = wg_cidr_canon(w, n_want);
	for (size_t i = 0; i < n_w; i++) {
		switch (classify(ifindex, idx, n_have, cover, n_cover, &w[i])) {
		case WANT_ADD:
			out->add[out->n_add++] = w[i];
			kept[n_kept++] = w[i];
			break;
		case WANT_PRESENT:
			kept[n_kept++] = w[i];
			break;
		case WANT_CONFLICT:
			out->conflict[out->n_conflict++] = w[i];
			break;
		case WANT_COVERED:
			break;
		}
	}
	for (size_t i = 0; i < n_have; i++)
		if (is_ours(&have[i], ifindex) && !cidr_in(kept, n_kept, &have[i].dst))
			out->del[out->n_del++] = have[i];
	ret = 0;
out:
	free(idx);
	free(cover);
	free(w);
	free(kept);
	if (ret)
		rtnl_route_plan_free(out);
	return ret;
}

void rtnl_route_plan_free(struct rtnl_route_plan *p)
{
	free(p->add);
	free(p->del);
	free(p->conflict);
	memset(p, 0, sizeof(*p));
}

struct route_list {
	struct rtnl_route *v;
	size_t n, cap;
};

static int on_route_attr(const struct nlattr *a, void *data)
{
	struct rtnl_route *r = data;
	size_t len = r->dst.family == AF_INET ? 4 : 16;

	switch (mnl_attr_get_type(a)) {
	case RTA_DST:
		if (mnl_attr_get_payload_len(a) == len)
			memcpy(r->dst.addr, mnl_attr_get_payload(a), len);
		break;
	case RTA_OIF:
		if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
			r->oif = mnl_attr_get_u32(a);
		break;
	case RTA_PRIORITY:
		if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
			r->priority = mnl_attr_get_u32(a);
		break;
	case RTA_TABLE:
		if (mnl_attr_validate(a, MNL_TYPE_U32) == 0 && mnl_attr_get_u32(a) != RT_TABLE_MAIN)
			r->dst.family = AF_UNSPEC;
		break;
	}
	return MNL_CB_OK;
}

static int on_route(const struct nlmsghdr *nlh, void *data)
{
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	struct route_list *l = data;
	struct rtnl_route r = { 0 }, *v;

	if (nlh->nlmsg_type != RTM_NEWROUTE || rtm->rtm_type != RTN_UNICAST ||
	    (rtm->rtm_family != AF_INET && rtm->rtm_family != AF_INET6) ||
	    (rtm->rtm_table != RT_TABLE_MAIN && rtm->rtm_table != RT_TABLE_COMPAT))
		return MNL_CB_OK;
	r.dst.family = rtm->rtm_family;
	r.dst.prefix = rtm->rtm_dst_len;
	r.protocol = rtm->rtm_protocol;
	if (mnl_attr_parse(nlh, sizeof(*rtm), on_route_attr, &r) != MNL_CB_OK)
		return MNL_CB_ERROR;
	if (r.dst.family == AF_UNSPEC)
		return MNL_CB_OK;
	v = array_grow(l->v, &l->cap, l->n + 1, sizeof(*v), 16);
	if (!v) {
		errno = ENOMEM;
		return MNL_CB_ERROR;
	}
	l->v = v;
	l->v[l->n++] = r;
	return MNL_CB_OK;
}

static int routes_dump(struct route_list *l)
{
	char buf[NL_MSG_SIZE] = { 0 };
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct rtmsg *rtm;

	nlh->nlmsg_type = RTM_GETROUTE;
	nlh->nlmsg_flags = NLM_F_DUMP;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = AF_UNSPEC;
	return nl_request(NETLINK_ROUTE, nlh, on_route, l);
}

static int route_change(uint16_t type, uint16_t flags, unsigned ifindex,
			const struct cidr *dst, uint32_t priority)
{
	char buf[NL_MSG_SIZE] = { 0 };
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct rtmsg *rtm;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = (uint8_t)dst->family;
	rtm->rtm_dst_len = dst->prefix;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_protocol = RTNL_PROTO_EDGE;
	rtm->rtm_type = RTN_UNICAST;
	if (type == RTM_DELROUTE)
		rtm->rtm_scope = RT_SCOPE_NOWHERE;
	else
		rtm->rtm_scope = dst->family == AF_INET ? RT_SCOPE_LINK : RT_SCOPE_UNIVERSE;
	mnl_attr_put(nlh, RTA_DST, dst->family == AF_INET ? 4 : 16, dst->addr);
	mnl_attr_put_u32(nlh, RTA_OIF, ifindex);
	mnl_attr_put_u32(nlh, RTA_PRIORITY, priority);
	return nl_request(NETLINK_ROUTE, nlh, NULL, NULL);
}

static const char *cidr_str(const struct cidr *c, char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN] = "?";

	inet_ntop(c->family, c->addr, ip, sizeof(ip));
	snprintf(buf, len, "%s/%u", ip, c->prefix);
	return buf;
}

int rtnl_routes_sync(unsigned ifindex, const struct cidr *want, size_t n_want)
{
	struct route_list have = { 0 };
	struct rtnl_route_plan plan = { 0 };
	char text[INET6_ADDRSTRLEN + 8];
	int ret, r;

	ret = routes_dump(&have);
	if (!ret)
		ret = rtnl_route_plan(ifindex, have.v, have.n, want, n_want, &plan);
	if (ret)
		goto out;
	for (size_t i = 0; i < plan.n_del; i++) {
		r = route_change(RTM_DELROUTE, 0, ifindex, &plan.del[i].dst, plan.del[i].priority);
		if (r && r != -ESRCH && !ret)
			ret = r;
	}
	for (size_t i = 0; i < plan.n_add; i++) {
		r = route_change(RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE, ifindex,
				 &plan.add[i], our_priority(plan.add[i].family));
		if (r) {
			log_warn("route %s via ifindex %u: %s",
				 cidr_str(&plan.add[i], text, sizeof(text)), ifindex, strerror(-r));
			if (!ret)
				ret = r;
		}
	}
	for (size_t i = 0; i < plan.n_conflict; i++)
		log_warn("route %s via ifindex %u: %s; not added", cidr_str(&plan.conflict[i], text,
			 sizeof(text)), ifindex, plan.conflict[i].prefix ?
			 "the main table routes it elsewhere (a route that is not ours)" :
			 "a default route through the tunnel would carry the tunnel itself");
out:
	free(have.v);
	rtnl_route_plan_free(&plan);
	return ret;
}
