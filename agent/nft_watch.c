#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>

#include "nft_watch.h"

#define WATCH_RCVBUF (8 << 20)
#define WATCH_BUF 65536         /* larger than any notification skb */
#define WATCH_MAX_READS 1024    /* per call, so a busy ruleset cannot starve the loop */

struct nft_watch {
	struct mnl_socket *nl;
	int family;
	bool touched;           /* the transaction in progress touched our table */
	bool foreign;           /* a finished foreign transaction touched it */
	char table[NFT_TABLE_MAXNAMELEN];
	_Alignas(struct nlmsghdr) char buf[WATCH_BUF];
};

static int family_parse(const char *name)
{
	static const struct { const char *name; int nfproto; } families[] = {
		{ "ip", NFPROTO_IPV4 }, { "ip6", NFPROTO_IPV6 }, { "inet", NFPROTO_INET },
		{ "arp", NFPROTO_ARP }, { "bridge", NFPROTO_BRIDGE },
		{ "netdev", NFPROTO_NETDEV },
	};
	size_t i;

	for (i = 0; i < sizeof(families) / sizeof(families[0]); i++)
		if (strcmp(name, families[i].name) == 0)
			return families[i].nfproto;
	return -EINVAL;
}

/* The attribute naming the table an event belongs to, or -1 if it has none. */
static int event_table_attr(int msg)
{
	switch (msg) {
	case NFT_MSG_NEWTABLE: case NFT_MSG_DELTABLE:
		return NFTA_TABLE_NAME;
	case NFT_MSG_NEWCHAIN: case NFT_MSG_DELCHAIN:
		return NFTA_CHAIN_TABLE;
	case NFT_MSG_NEWRULE: case NFT_MSG_DELRULE:
		return NFTA_RULE_TABLE;
	case NFT_MSG_NEWSET: case NFT_MSG_DELSET:
		return NFTA_SET_TABLE;
	case NFT_MSG_NEWSETELEM: case NFT_MSG_DELSETELEM:
		return NFTA_SET_ELEM_LIST_TABLE;
	case NFT_MSG_NEWOBJ: case NFT_MSG_DELOBJ:
		return NFTA_OBJ_TABLE;
	case NFT_MSG_NEWFLOWTABLE: case NFT_MSG_DELFLOWTABLE:
		return NFTA_FLOWTABLE_TABLE;
	}
	return -1;
}

static const struct nlattr *event_attr(const struct nlmsghdr *nlh, int type,
				       enum mnl_attr_data_type t)
{
	const struct nlattr *attr;

	mnl_attr_for_each(attr, nlh, sizeof(struct nfgenmsg))
		if (mnl_attr_get_type(attr) == type)
			return mnl_attr_validate(attr, t) < 0 ? NULL : attr;
	return NULL;
}

static int watch_event(const struct nlmsghdr *nlh, void *data)
{
	struct nft_watch *w = data;
	const struct nfgenmsg *nfg = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *attr;
	int msg = NFNL_MSG_TYPE(nlh->nlmsg_type);
	int type;

	if (NFNL_SUBSYS_ID(nlh->nlmsg_type) != NFNL_SUBSYS_NFTABLES ||
	    nlh->nlmsg_len < MNL_NLMSG_HDRLEN + sizeof(*nfg))
		return MNL_CB_OK;
	if (msg == NFT_MSG_NEWGEN) {
		attr = event_attr(nlh, NFTA_GEN_PROC_PID, MNL_TYPE_U32);
		if (w->touched && (!attr || (pid_t)ntohl(mnl_attr_get_u32(attr)) != getpid()))
			w->foreign = true;
		w->touched = false;
		return MNL_CB_OK;
	}
	type = event_table_attr(msg);
	if (type < 0 || nfg->nfgen_family != w->family)
		return MNL_CB_OK;
	attr = event_attr(nlh, type, MNL_TYPE_NUL_STRING);
	if (attr && strcmp(mnl_attr_get_str(attr), w->table) == 0)
		w->touched = true;
	return MNL_CB_OK;
}

static void watch_rcvbuf(int fd)
{
	int size = WATCH_RCVBUF;

	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
}

int nft_watch_open(struct nft_watch **out, const char *family, const char *table)
{
	struct nft_watch *w;
	int group = NFNLGRP_NFTABLES;
	int ret;

	if (strlen(table) >= NFT_TABLE_MAXNAMELEN)
		return -EINVAL;
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->family = family_parse(family);
	if (w->family < 0) {
		ret = w->family;
		goto fail;
	}
	strcpy(w->table, table);
	w->nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (!w->nl)
		goto fail_errno;
	watch_rcvbuf(mnl_socket_get_fd(w->nl));
	if (mnl_socket_bind(w->nl, 0, MNL_SOCKET_AUTOPID) < 0 ||
	    mnl_socket_setsockopt(w->nl, NETLINK_ADD_MEMBERSHIP, &group, sizeof(group)) < 0)
		goto fail_errno;
	*out = w;
	return 0;
fail_errno:
	ret = -errno;
fail:
	nft_watch_close(w);
	return ret;
}

void nft_watch_close(struct nft_watch *w)
{
	if (!w)
		return;
	if (w->nl)
		mnl_socket_close(w->nl);
	free(w);
}

int nft_watch_fd(const struct nft_watch *w)
{
	return mnl_socket_get_fd(w->nl);
}

int nft_watch_read(struct nft_watch *w)
{
	bool lost = false;
	ssize_t len;
	int i;

	w->foreign = false;
	for (i = 0; i < WATCH_MAX_READS; i++) {
		len = mnl_socket_recvfrom(w->nl, w->buf, sizeof(w->buf));
		if (len < 0 && errno == ENOBUFS) {
			lost = true;
			w->touched = false;
			continue;
		}
		if (len < 0 && errno == EINTR)
			continue;
		if (len < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (len < 0)
			return -errno;
		if (mnl_cb_run(w->buf, len, 0, 0, watch_event, w) < 0)
			return -errno;
	}
	if (lost)
		return -ENOBUFS;
	return w->foreign ? 1 : 0;
}

static int table_found(const struct nlmsghdr *nlh, void *data)
{
	if (NFNL_MSG_TYPE(nlh->nlmsg_type) == NFT_MSG_NEWTABLE)
		*(int *)data = 1;
	return MNL_CB_OK;
}

int nft_table_exists(const char *family, const char *table)
{
	_Alignas(struct nlmsghdr) char buf[16384];
	struct mnl_socket *nl;
	struct nlmsghdr *nlh;
	struct nfgenmsg *nfg;
	unsigned int portid, seq = (unsigned int)time(NULL);
	int nfproto = family_parse(family), found = 0, ret;
	ssize_t len;

	if (nfproto < 0)
		return nfproto;
	memset(buf, 0, MNL_NLMSG_HDRLEN + sizeof(*nfg) + MNL_ATTR_HDRLEN + NFT_TABLE_MAXNAMELEN);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_GETTABLE;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = seq;
	nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
	nfg->nfgen_family = (uint8_t)nfproto;
	nfg->version = NFNETLINK_V0;
	nfg->res_id = 0;
	mnl_attr_put_strz(nlh, NFTA_TABLE_NAME, table);

	nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC);
	if (!nl)
		return -errno;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0 ||
	    mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
		ret = -errno;
		goto out;
	}
	portid = mnl_socket_get_portid(nl);
	do {
		len = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		ret = len < 0 ? -1 : mnl_cb_run(buf, len, seq, portid, table_found, &found);
	} while (ret > 0);
	if (ret < 0)
		ret = errno == ENOENT ? 0 : -errno;
	else
		ret = found;
out:
	mnl_socket_close(nl);
	return ret;
}
