#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/genetlink.h>
#include <linux/wireguard.h>

#include "log.h"
#include "rtnl.h"
#include "wg_backend.h"
#include "wg_genl.h"

struct nlmsghdr *wg_genl_msg(char *buf, uint16_t family, uint8_t cmd, uint16_t flags,
			     const char *ifname)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *g;

	nlh->nlmsg_type = family;
	nlh->nlmsg_flags = flags;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = family == GENL_ID_CTRL ? 1 : WG_GENL_VERSION;
	if (ifname)
		mnl_attr_put_strz(nlh, family == GENL_ID_CTRL ? CTRL_ATTR_FAMILY_NAME :
				  WGDEVICE_A_IFNAME, ifname);
	return nlh;
}

static int on_family_attr(const struct nlattr *a, void *data)
{
	if (mnl_attr_get_type(a) == CTRL_ATTR_FAMILY_ID &&
	    mnl_attr_validate(a, MNL_TYPE_U16) == 0)
		*(uint16_t *)data = mnl_attr_get_u16(a);
	return MNL_CB_OK;
}

static int on_family(const struct nlmsghdr *nlh, void *data)
{
	return mnl_attr_parse(nlh, sizeof(struct genlmsghdr), on_family_attr, data);
}

int wg_genl_open(struct mnl_socket **out, uint16_t *family)
{
	char buf[NL_MSG_SIZE] = { 0 };
	struct mnl_socket *nl;
	struct nlmsghdr *nlh;
	int ret;

	*family = 0;
	ret = nl_open(NETLINK_GENERIC, 0, &nl);
	if (ret)
		return ret;
	nlh = wg_genl_msg(buf, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 0, WG_GENL_NAME);
	ret = nl_talk(nl, nlh, on_family, family);
	if (!ret && !*family)
		ret = -ENOENT;
	if (ret) {
		mnl_socket_close(nl);
		return ret;
	}
	*out = nl;
	return 0;
}

/* Where a peer's list stands: its head (flags, keys) goes in the first message only. */
struct peer_cursor {
	size_t next_ip;
	bool started;
};

enum put_result { PUT_NONE, PUT_SOME, PUT_ALL };

static bool put_head(struct nlmsghdr *nlh, size_t room, const struct wg_peer *p)
{
	const struct wg_endpoint *ep = &p->endpoint;
	uint32_t flags = 0;

	if (p->remove)
		flags |= WGPEER_F_REMOVE_ME;
	if (p->replace_allowed)
		flags |= WGPEER_F_REPLACE_ALLOWEDIPS;
	if (!mnl_attr_put_u32_check(nlh, room, WGPEER_A_FLAGS, flags))
		return false;
	if (p->remove)
		return true;
	if (p->has_psk &&
	    !mnl_attr_put_check(nlh, room, WGPEER_A_PRESHARED_KEY, WG_KEY_LEN, p->preshared_key))
		return false;
	if (ep->family == AF_INET &&
	    !mnl_attr_put_check(nlh, room, WGPEER_A_ENDPOINT, sizeof(ep->in4), &ep->in4))
		return false;
	if (ep->family == AF_INET6 &&
	    !mnl_attr_put_check(nlh, room, WGPEER_A_ENDPOINT, sizeof(ep->in6), &ep->in6))
		return false;
	return mnl_attr_put_u16_check(nlh, room, WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL,
				      p->keepalive);
}

static bool put_allowed(struct nlmsghdr *nlh, size_t room, const struct cidr *c)
{
	struct nlattr *n = mnl_attr_nest_start_check(nlh, room, 0);

	if (!n)
		return false;
	if (!mnl_attr_put_u16_check(nlh, room, WGALLOWEDIP_A_FAMILY, (uint16_t)c->family) ||
	    !mnl_attr_put_check(nlh, room, WGALLOWEDIP_A_IPADDR,
				c->family == AF_INET ? 4 : 16, c->addr) ||
	    !mnl_attr_put_u8_check(nlh, room, WGALLOWEDIP_A_CIDR_MASK, c->prefix)) {
		mnl_attr_nest_cancel(nlh, n);
		return false;
	}
	mnl_attr_nest_end(nlh, n);
	return true;
}

/* As much of peer p as fits in the message; the cursor says where the next one resumes. */
static enum put_result put_peer(struct nlmsghdr *nlh, size_t room, const struct wg_peer *p,
				struct peer_cursor *cur)
{
	struct nlattr *pn = mnl_attr_nest_start_check(nlh, room, 0), *ips;
	bool fresh = !cur->started;
	size_t put = 0;

	if (!pn)
		return PUT_NONE;
	if (!mnl_attr_put_check(nlh, room, WGPEER_A_PUBLIC_KEY, WG_KEY_LEN, p->public_key) ||
	    (fresh && !put_head(nlh, room, p))) {
		mnl_attr_nest_cancel(nlh, pn);
		return PUT_NONE;
	}
	if (!p->remove && cur->next_ip < p->n_allowed) {
		ips = mnl_attr_nest_start_check(nlh, room, WGPEER_A_ALLOWEDIPS);
		while (ips && cur->next_ip < p->n_allowed &&
		       put_allowed(nlh, room, &p->allowed[cur->next_ip])) {
			cur->next_ip++;
			put++;
		}
		if (ips && put)
			mnl_attr_nest_end(nlh, ips);
		else if (ips)
			mnl_attr_nest_cancel(nlh, ips);
	}
	if (!fresh && !put) {
		mnl_attr_nest_cancel(nlh, pn);
		return PUT_NONE;
	}
	mnl_attr_nest_end(nlh, pn);
	cur->started = true;
	return p->remove || cur->next_ip == p->n_allowed ? PUT_ALL : PUT_SOME;
}

static void put_device(struct nlmsghdr *nlh, const struct wg_device *d)
{
	mnl_attr_put_u32(nlh, WGDEVICE_A_FLAGS, d->replace_peers ? WGDEVICE_F_REPLACE_PEERS : 0);
	if (d->has_private_key)
		mnl_attr_put(nlh, WGDEVICE_A_PRIVATE_KEY, WG_KEY_LEN, d->private_key);
	if (d->has_listen_port)
		mnl_attr_put_u16(nlh, WGDEVICE_A_LISTEN_PORT, d->listen_port);
}

/*
 * The kernel takes a large peer list in several messages: each repeats the interface
 * name; a peer cut short continues in the next message under its public key, without
 * its flags, so replace-allowed-IPs applies once.
 */
static int genl_set(const struct wg_device *delta)
{
	const size_t room = NL_MSG_SIZE;
	struct peer_cursor cur = { 0 };
	struct mnl_socket *nl = NULL;
	struct nlmsghdr *nlh;
	struct nlattr *peers;
	enum put_result r;
	bool first = true, progress;
	uint16_t family;
	size_t pi = 0;
	char *buf;
	int ret;

	buf = malloc(room);
	if (!buf)
		return -ENOMEM;
	ret = wg_genl_open(&nl, &family);
	while (!ret) {
		memset(buf, 0, room);
		nlh = wg_genl_msg(buf, family, WG_CMD_SET_DEVICE, 0, delta->ifname);
		if (first)
			put_device(nlh, delta);
		progress = first;
		if (pi < delta->n_peers) {
			peers = mnl_attr_nest_start(nlh, WGDEVICE_A_PEERS);
			while (pi < delta->n_peers) {
				r = put_peer(nlh, room, &delta->peers[pi], &cur);
				if (r != PUT_NONE)
					progress = true;
				if (r != PUT_ALL)
					break;
				pi++;
				memset(&cur, 0, sizeof(cur));
			}
			mnl_attr_nest_end(nlh, peers);
		}
		if (!progress) {
			ret = -EMSGSIZE;
			break;
		}
		ret = nl_talk(nl, nlh, NULL, NULL);
		first = false;
		if (pi == delta->n_peers)
			break;
	}
	if (ret)
		log_warn("wireguard %s: kernel set failed: %s", delta->ifname, strerror(-ret));
	if (nl)
		mnl_socket_close(nl);
	explicit_bzero(buf, room);
	free(buf);
	return ret;
}

static int genl_ensure(const char *ifname, const char *wg_go)
{
	char kind[32];
	int ret = rtnl_link_get(ifname, NULL, kind, sizeof(kind));

	if (ret == -ENODEV) {
		ret = rtnl_link_create(ifname, "wireguard");
		if (ret == -EEXIST)
			ret = rtnl_link_get(ifname, NULL, kind, sizeof(kind));
		else if (ret)
			log_error("wireguard %s: cannot create the link: %s%s", ifname,
				  strerror(-ret), ret == -EOPNOTSUPP ?
				  " (no wireguard kernel module; use the userspace backend)" : "");
		else
			return 0;
	}
	if (ret)
		return ret;
	if (strcmp(kind, "wireguard")) {
		log_error("wireguard %s: the link exists but its kind is \"%s\", not wireguard",
			  ifname, kind);
		return -EEXIST;
	}
	return 0;
}

bool wg_kernel_available(void)
{
	struct mnl_socket *nl;
	uint16_t family;
	char probe[IFNAMSIZ];

	if (wg_genl_open(&nl, &family) == 0)
		goto yes;
	/* loading the module through link creation also makes the family appear */
	snprintf(probe, sizeof(probe), "wgprobe%u", (unsigned)getpid() % 100000000u);
	if (rtnl_link_create(probe, "wireguard"))
		return false;
	rtnl_link_delete(probe);
	if (wg_genl_open(&nl, &family))
		return false;
yes:
	mnl_socket_close(nl);
	return true;
}

const struct wg_backend wg_backend_kernel = {
	.name = "kernel",
	.ensure = genl_ensure,
	.get = wg_genl_get,
	.set = genl_set,
};
