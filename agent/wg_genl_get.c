#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/genetlink.h>
#include <linux/time_types.h>
#include <linux/wireguard.h>

#include "array.h"
#include "log.h"
#include "nl.h"
#include "wg_genl.h"

struct get_ctx {
	struct wg_device *dev;
	struct wg_peer *peer;           /* the peer being parsed */
	size_t cap_peers, cap_ips;
	int err;
};

static bool key_nonzero(const uint8_t *k)
{
	uint8_t acc = 0;

	for (size_t i = 0; i < WG_KEY_LEN; i++)
		acc |= k[i];
	return acc != 0;
}

static bool key_attr(const struct nlattr *a, uint8_t key[WG_KEY_LEN])
{
	if (mnl_attr_get_payload_len(a) != WG_KEY_LEN)
		return false;
	memcpy(key, mnl_attr_get_payload(a), WG_KEY_LEN);
	return true;
}

static int fail(struct get_ctx *g, int err)
{
	g->err = err;
	errno = -err;
	return MNL_CB_ERROR;
}

static int on_allowed_attr(const struct nlattr *a, void *data)
{
	struct cidr *c = data;
	size_t len = mnl_attr_get_payload_len(a);

	switch (mnl_attr_get_type(a)) {
	case WGALLOWEDIP_A_FAMILY:
		if (mnl_attr_validate(a, MNL_TYPE_U16) == 0)
			c->family = mnl_attr_get_u16(a);
		break;
	case WGALLOWEDIP_A_IPADDR:
		if (len == 4 || len == 16)
			memcpy(c->addr, mnl_attr_get_payload(a), len);
		break;
	case WGALLOWEDIP_A_CIDR_MASK:
		if (mnl_attr_validate(a, MNL_TYPE_U8) == 0)
			c->prefix = mnl_attr_get_u8(a);
		break;
	}
	return MNL_CB_OK;
}

static int on_allowed(const struct nlattr *a, void *data)
{
	struct get_ctx *g = data;
	struct wg_peer *p = g->peer;
	struct cidr c = { 0 }, *v;

	if (mnl_attr_parse_nested(a, on_allowed_attr, &c) != MNL_CB_OK)
		return fail(g, -EBADMSG);
	if ((c.family != AF_INET || c.prefix > 32) && (c.family != AF_INET6 || c.prefix > 128))
		return MNL_CB_OK;
	v = array_grow(p->allowed, &g->cap_ips, p->n_allowed + 1, sizeof(*v), 4);
	if (!v)
		return fail(g, -ENOMEM);
	p->allowed = v;
	p->allowed[p->n_allowed++] = c;
	return MNL_CB_OK;
}

static void put_endpoint(struct wg_endpoint *ep, const struct nlattr *a)
{
	size_t len = mnl_attr_get_payload_len(a);
	const struct sockaddr *sa = mnl_attr_get_payload(a);

	memset(ep, 0, sizeof(*ep));
	if (len >= sizeof(struct sockaddr_in) && sa->sa_family == AF_INET) {
		memcpy(&ep->in4, sa, sizeof(ep->in4));
		ep->family = AF_INET;
	} else if (len >= sizeof(struct sockaddr_in6) && sa->sa_family == AF_INET6) {
		memcpy(&ep->in6, sa, sizeof(ep->in6));
		ep->family = AF_INET6;
	}
}

static int on_peer_attr(const struct nlattr *a, void *data)
{
	struct get_ctx *g = data;
	struct wg_peer *p = g->peer;
	struct __kernel_timespec ts;

	switch (mnl_attr_get_type(a)) {
	case WGPEER_A_PRESHARED_KEY:
		if (key_attr(a, p->preshared_key))
			p->has_psk = key_nonzero(p->preshared_key);
		break;
	case WGPEER_A_ENDPOINT:
		put_endpoint(&p->endpoint, a);
		break;
	case WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL:
		if (mnl_attr_validate(a, MNL_TYPE_U16) == 0)
			p->keepalive = mnl_attr_get_u16(a);
		break;
	case WGPEER_A_LAST_HANDSHAKE_TIME:
		if (mnl_attr_get_payload_len(a) == sizeof(ts)) {
			memcpy(&ts, mnl_attr_get_payload(a), sizeof(ts));
			p->last_handshake = ts.tv_sec;
		}
		break;
	case WGPEER_A_RX_BYTES:
		if (mnl_attr_validate(a, MNL_TYPE_U64) == 0)
			p->rx_bytes = mnl_attr_get_u64(a);
		break;
	case WGPEER_A_TX_BYTES:
		if (mnl_attr_validate(a, MNL_TYPE_U64) == 0)
			p->tx_bytes = mnl_attr_get_u64(a);
		break;
	case WGPEER_A_ALLOWEDIPS:
		return mnl_attr_parse_nested(a, on_allowed, g);
	}
	return MNL_CB_OK;
}

static const struct nlattr *peer_key_attr(const struct nlattr *peer)
{
	const struct nlattr *a;

	mnl_attr_for_each_nested(a, peer)
		if (mnl_attr_get_type(a) == WGPEER_A_PUBLIC_KEY &&
		    mnl_attr_get_payload_len(a) == WG_KEY_LEN)
			return a;
	return NULL;
}

/* A peer cut short by the end of a message goes on in the next one under the same key. */
static int on_peer(const struct nlattr *a, void *data)
{
	struct get_ctx *g = data;
	struct wg_device *d = g->dev;
	const struct nlattr *k = peer_key_attr(a);
	struct wg_peer *v;

	if (!k)
		return fail(g, -EBADMSG);
	if (!d->n_peers || memcmp(d->peers[d->n_peers - 1].public_key,
				  mnl_attr_get_payload(k), WG_KEY_LEN)) {
		v = array_grow(d->peers, &g->cap_peers, d->n_peers + 1, sizeof(*v), 8);
		if (!v)
			return fail(g, -ENOMEM);
		d->peers = v;
		v = &d->peers[d->n_peers++];
		memset(v, 0, sizeof(*v));
		memcpy(v->public_key, mnl_attr_get_payload(k), WG_KEY_LEN);
		g->cap_ips = 0;
	}
	g->peer = &d->peers[d->n_peers - 1];
	return mnl_attr_parse_nested(a, on_peer_attr, g);
}

static int on_device_attr(const struct nlattr *a, void *data)
{
	struct get_ctx *g = data;
	struct wg_device *d = g->dev;

	switch (mnl_attr_get_type(a)) {
	case WGDEVICE_A_PRIVATE_KEY:
		if (key_attr(a, d->private_key))
			d->has_private_key = key_nonzero(d->private_key);
		break;
	case WGDEVICE_A_PUBLIC_KEY:
		key_attr(a, d->public_key);
		break;
	case WGDEVICE_A_LISTEN_PORT:
		if (mnl_attr_validate(a, MNL_TYPE_U16) == 0) {
			d->listen_port = mnl_attr_get_u16(a);
			d->has_listen_port = true;
		}
		break;
	case WGDEVICE_A_PEERS:
		return mnl_attr_parse_nested(a, on_peer, g);
	}
	return MNL_CB_OK;
}

static int on_device(const struct nlmsghdr *nlh, void *data)
{
	return mnl_attr_parse(nlh, sizeof(struct genlmsghdr), on_device_attr, data);
}

int wg_genl_get(const char *ifname, struct wg_device *out)
{
	char buf[NL_MSG_SIZE] = { 0 };
	struct get_ctx g = { .dev = out };
	struct mnl_socket *nl;
	struct nlmsghdr *nlh;
	uint16_t family;
	int ret;

	memset(out, 0, sizeof(*out));
	ret = wg_genl_open(&nl, &family);
	if (ret)
		goto out;
	nlh = wg_genl_msg(buf, family, WG_CMD_GET_DEVICE, NLM_F_DUMP, ifname);
	ret = nl_talk(nl, nlh, on_device, &g);
	mnl_socket_close(nl);
	if (ret && g.err)
		ret = g.err;
out:
	if (ret) {
		log_warn("wireguard %s: kernel get failed: %s", ifname, strerror(-ret));
		wg_device_free(out);
	} else {
		snprintf(out->ifname, sizeof(out->ifname), "%s", ifname);
	}
	return ret;
}
