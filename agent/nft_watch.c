#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>

#include "nft_watch.h"
#include "nl.h"

#define WATCH_RCVBUF (8 << 20)
#define WATCH_BUF 65536         /* larger than any notification skb */
#define WATCH_MAX_READS 1024    /* per call, so a busy ruleset cannot starve the loop */
#define WATCH_PORTIDS 8
#define WATCH_GENS 64

struct nft_watch {
	struct mnl_socket *nl;
	int family;
	bool touched;           /* the transaction in progress touched our table */
	bool foreign;           /* a finished foreign transaction touched it */
	unsigned int nportids;
	uint32_t portids[WATCH_PORTIDS];        /* our committing sockets, at the last note */
	uint32_t gens[WATCH_GENS];              /* ring of our generations, when no portids */
	unsigned int gen_next;
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

static void portids_scan(struct nft_watch *w);

static bool portid_known(const struct nft_watch *w, uint32_t portid)
{
	for (unsigned int i = 0; i < w->nportids; i++)
		if (portid == w->portids[i])
			return true;
	return false;
}

static bool event_own(struct nft_watch *w, const struct nlmsghdr *nlh)
{
	const struct nlattr *pid = event_attr(nlh, NFTA_GEN_PROC_PID, MNL_TYPE_U32);
	const struct nlattr *gen = event_attr(nlh, NFTA_GEN_ID, MNL_TYPE_U32);
	unsigned int i;

	if (pid && (pid_t)ntohl(mnl_attr_get_u32(pid)) == getpid())
		return true;
	if (portid_known(w, nlh->nlmsg_pid))
		return true;
	/* a socket opened since the last scan (a new libnftables context) */
	if (w->nportids) {
		portids_scan(w);
		if (portid_known(w, nlh->nlmsg_pid))
			return true;
	}
	for (i = 0; gen && i < WATCH_GENS; i++)
		if (w->gens[i] == ntohl(mnl_attr_get_u32(gen)))
			return true;
	return false;
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
		if (w->touched && !event_own(w, nlh))
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
	ret = nl_open(NETLINK_NETFILTER, SOCK_NONBLOCK, &w->nl);
	if (ret)
		goto fail;
	watch_rcvbuf(mnl_socket_get_fd(w->nl));
	if (mnl_socket_setsockopt(w->nl, NETLINK_ADD_MEMBERSHIP, &group, sizeof(group)) < 0)
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
		len = nl_recv(w->nl, w->buf, sizeof(w->buf));
		if (len == -ENOBUFS) {
			lost = true;
			w->touched = false;
			continue;
		}
		if (len == -EAGAIN || len == -EWOULDBLOCK)
			break;
		if (len < 0)
			return (int)len;
		if (mnl_cb_run(w->buf, len, 0, 0, watch_event, w) < 0)
			return -errno;
	}
	if (lost)
		return -ENOBUFS;
	return w->foreign ? 1 : 0;
}

static struct nlmsghdr *request_put(char *buf, size_t size, int msg, int nfproto)
{
	struct nlmsghdr *nlh;
	struct nfgenmsg *nfg;

	memset(buf, 0, size);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = (NFNL_SUBSYS_NFTABLES << 8) | msg;
	nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
	nfg->nfgen_family = (uint8_t)nfproto;
	nfg->version = NFNETLINK_V0;
	return nlh;
}

static int table_found(const struct nlmsghdr *nlh, void *data)
{
	if (NFNL_MSG_TYPE(nlh->nlmsg_type) == NFT_MSG_NEWTABLE)
		*(int *)data = 1;
	return MNL_CB_OK;
}

int nft_table_exists(const char *family, const char *table)
{
	_Alignas(struct nlmsghdr) char buf[MNL_NLMSG_HDRLEN + 64 + NFT_TABLE_MAXNAMELEN];
	struct nlmsghdr *nlh;
	int nfproto = family_parse(family), found = 0, ret;

	if (nfproto < 0)
		return nfproto;
	if (strlen(table) >= NFT_TABLE_MAXNAMELEN)
		return -EINVAL;
	nlh = request_put(buf, sizeof(buf), NFT_MSG_GETTABLE, nfproto);
	mnl_attr_put_strz(nlh, NFTA_TABLE_NAME, table);
	ret = nl_request(NETLINK_NETFILTER, nlh, table_found, &found);
	if (ret == -ENOENT)
		return 0;
	return ret < 0 ? ret : found;
}

static int gen_found(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *attr = event_attr(nlh, NFTA_GEN_ID, MNL_TYPE_U32);

	if (NFNL_MSG_TYPE(nlh->nlmsg_type) == NFT_MSG_NEWGEN && attr)
		*(uint32_t *)data = ntohl(mnl_attr_get_u32(attr));
	return MNL_CB_OK;
}

/*
 * The port ids of this process's other bound nfnetlink sockets: libnftables binds its
 * socket at the first request and keeps it for the context's life.
 */
static void portids_scan(struct nft_watch *w)
{
	uint32_t watch_portid = mnl_socket_get_portid(w->nl);
	DIR *dir = opendir("/proc/self/fd");
	struct sockaddr_nl sa;
	struct dirent *d;
	socklen_t len;
	int fd, proto;

	w->nportids = 0;
	while (dir && (d = readdir(dir)) && w->nportids < WATCH_PORTIDS) {
		if (d->d_name[0] < '0' || d->d_name[0] > '9')
			continue;
		fd = atoi(d->d_name);
		len = sizeof(sa);
		if (getsockname(fd, (struct sockaddr *)&sa, &len) < 0 ||
		    sa.nl_family != AF_NETLINK || !sa.nl_pid || sa.nl_pid == watch_portid)
			continue;
		len = sizeof(proto);
		if (getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &proto, &len) == 0 &&
		    proto == NETLINK_NETFILTER)
			w->portids[w->nportids++] = sa.nl_pid;
	}
	if (dir)
		closedir(dir);
}

void nft_watch_note_own(struct nft_watch *w)
{
	_Alignas(struct nlmsghdr) char buf[MNL_NLMSG_HDRLEN + 64];
	uint32_t gen = 0;

	if (!w)
		return;
	/* the sockets found stay known; one they miss is looked for when its event comes */
	if (!w->nportids)
		portids_scan(w);
	if (w->nportids)
		return;
	if (nl_request(NETLINK_NETFILTER, request_put(buf, sizeof(buf), NFT_MSG_GETGEN,
						      NFPROTO_UNSPEC), gen_found, &gen) == 0 && gen)
		w->gens[w->gen_next++ % WATCH_GENS] = gen;
}
