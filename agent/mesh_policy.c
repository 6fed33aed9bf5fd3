#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "address.h"
#include "cidr.h"
#include "endpoint.h"
#include "join_field.h"
#include "join_parse.h"
#include "mesh_policy.h"
#include "wg_device.h"

#define NET_TEXT_LEN (INET6_ADDRSTRLEN + 5)

static const struct cidr private_space[] = {
	{ AF_INET, { 10 }, 8 },
	{ AF_INET, { 172, 16 }, 12 },
	{ AF_INET, { 192, 168 }, 16 },
	{ AF_INET, { 100, 64 }, 10 },
	{ AF_INET6, { 0xfc }, 7 },
};

static void net_text(char *buf, size_t len, const struct cidr *c)
{
	char ip[INET6_ADDRSTRLEN];

	address_format(ip, sizeof(ip), c->family, c->addr);
	snprintf(buf, len, "%s/%u", ip, c->prefix);
}

bool mesh_policy_private(const struct cidr *net)
{
	for (size_t i = 0; i < sizeof(private_space) / sizeof(private_space[0]); i++)
		if (cidr_within(net, &private_space[i]))
			return true;
	return false;
}

int mesh_policy_network_check(const char *what, const struct cidr *net, char *err,
			      size_t errlen)
{
	unsigned max = net->family == AF_INET ? MESH_PREFIX_MAX_V4 : MESH_PREFIX_MAX_V6;
	char text[NET_TEXT_LEN];

	net_text(text, sizeof(text), net);
	if (!mesh_policy_private(net)) {
		snprintf(err, errlen, "%s \"%s\" is not private space (accepted: a network inside "
			 MESH_PRIVATE ")", what, text);
		return -EINVAL;
	}
	if (net->prefix < MESH_PREFIX_MIN || net->prefix > max) {
		snprintf(err, errlen, "%s \"%s\" has a prefix length outside /%d to /%u (accepted: "
			 "/%d to /%u)", what, text, MESH_PREFIX_MIN, max, MESH_PREFIX_MIN, max);
		return -EINVAL;
	}
	return 0;
}

void mesh_policy_network_of(const struct cidr *address, struct cidr *net)
{
	*net = *address;
	wg_cidr_mask(net);
}

/* The first host network c overlaps, or NULL. */
static const struct cidr *host_overlap(const struct mesh_bounds *b, const struct cidr *c)
{
	for (size_t i = 0; b->host && i < b->host->n; i++) {
		struct cidr net;

		mesh_policy_network_of(&b->host->v[i], &net);
		if (cidr_overlap(&net, c))
			return &b->host->v[i];
	}
	return NULL;
}

static bool host_address(const struct mesh_bounds *b, int family, const uint8_t *addr)
{
	for (size_t i = 0; b->host && i < b->host->n; i++) {
		const struct cidr *h = &b->host->v[i];

		if (h->family == family && !memcmp(h->addr, addr, family == AF_INET ? 4 : 16))
			return true;
	}
	return false;
}

static int iface_check(const struct cidr *net, const struct mesh_bounds *b,
			 const struct cidr *address, char *err, size_t errlen)
{
	char text[NET_TEXT_LEN], mesh[NET_TEXT_LEN], route[NET_TEXT_LEN], host[NET_TEXT_LEN];
	const struct cidr *h;
	struct cidr own;

	net_text(text, sizeof(text), address);
	net_text(mesh, sizeof(mesh), net);
	if (!cidr_within(address, net))
		return join_fail(err, errlen, "address \"%s\" is outside the mesh network %s "
				 "(accepted: an address inside %s with a prefix of /%u or longer)",
				 text, mesh, mesh, net->prefix);
	if (host_address(b, address->family, address->addr))
		return join_fail(err, errlen, "address \"%s\" is an address of another interface of "
				 "this host (accepted: an unused address inside %s)", text, mesh);
	mesh_policy_network_of(address, &own);
	h = host_overlap(b, &own);
	if (h) {
		net_text(host, sizeof(host), h);
		net_text(route, sizeof(route), &own);
		return join_fail(err, errlen, "address \"%s\" would route %s over the mesh, which "
				 "overlaps this host's network %s (accepted: a prefix whose network "
				 "stays clear of the host's own networks)", text, route, host);
	}
	return 0;
}

static int allowed_check(const struct cidr *net, const struct mesh_bounds *b,
			 const char *path, const struct cidr *c, char *err, size_t errlen)
{
	char text[NET_TEXT_LEN], mesh[NET_TEXT_LEN], host[NET_TEXT_LEN];
	const struct cidr *h;

	net_text(text, sizeof(text), c);
	net_text(mesh, sizeof(mesh), net);
	if (!cidr_within(c, net))
		return join_fail(err, errlen, "%s \"%s\" is outside the mesh network %s (accepted: "
				 "networks inside %s; never a default or covering route)", path,
				 text, mesh, mesh);
	h = host_overlap(b, c);
	if (h) {
		net_text(host, sizeof(host), h);
		return join_fail(err, errlen, "%s \"%s\" overlaps this host's network %s (accepted: "
				 "networks inside %s clear of the host's own networks)", path, text,
				 host, mesh);
	}
	return 0;
}

static int endpoint_check(const struct cidr *net, const struct mesh_bounds *b,
			  const char *path, const struct wg_endpoint *ep, char *err,
			  size_t errlen)
{
	char text[64], mesh[NET_TEXT_LEN];
	struct cidr host = { .family = ep->family };
	const char *cls;

	if (!ep->family)
		return 0;
	if (ep->family == AF_INET) {
		memcpy(host.addr, &ep->in4.sin_addr, 4);
		host.prefix = 32;
	} else {
		memcpy(host.addr, &ep->in6.sin6_addr, 16);
		host.prefix = 128;
	}
	endpoint_format(text, sizeof(text), ep);
	cls = address_class(host.family, host.addr);
	if (cls)
		return join_fail(err, errlen, "%s \"%s\" is %s (accepted: a unicast address of "
				 "another host)", path, text, cls);
	if (host_address(b, host.family, host.addr))
		return join_fail(err, errlen, "%s \"%s\" is an address of this host (accepted: a "
				 "unicast address of another host)", path, text);
	if (cidr_within(&host, net)) {
		net_text(mesh, sizeof(mesh), net);
		return join_fail(err, errlen, "%s \"%s\" is inside the mesh network %s, reached "
				 "through the tunnel itself (accepted: an address outside %s)", path,
				 text, mesh, mesh);
	}
	return 0;
}

int mesh_policy_check(const struct mesh_bounds *b, const struct wg_join *j, char *err,
		      size_t errlen)
{
	char path[JOIN_PATH_LEN], why[ERR_LEN / 2];
	struct cidr net = b->net;
	int ret;

	if (!net.family) {
		mesh_policy_network_of(&j->address, &net);
		if (mesh_policy_network_check("address: the mesh network it implies", &net, why,
					      sizeof(why)))
			return join_fail(err, errlen, "%s", why);
	}
	ret = iface_check(&net, b, &j->address, err, errlen);
	for (size_t i = 0; !ret && i < j->n_peers; i++) {
		const struct wg_peer *p = &j->peers[i];

		snprintf(path, sizeof(path), "peers[%zu].endpoint", i);
		ret = endpoint_check(&net, b, path, &p->endpoint, err, errlen);
		for (size_t k = 0; !ret && k < p->n_allowed; k++) {
			snprintf(path, sizeof(path), "peers[%zu].allowed_ips[%zu]", i, k);
			ret = allowed_check(&net, b, path, &p->allowed[k], err, errlen);
		}
	}
	return ret;
}
