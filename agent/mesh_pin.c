/*
 * The edge of the mesh policy: the pinned mesh network (MESH_NETWORK, else learned from
 * the first configuration accepted and kept in DATA_DIR/mesh_network) and the host's
 * networks, read afresh for every check.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "address.h"
#include "cidr.h"
#include "fileio.h"
#include "host.h"
#include "log.h"
#include "mesh_int.h"
#include "mesh_policy.h"
#include "pst.h"

#define PIN_FILE "mesh_network"
#define PIN_MAX 64

static void pin_text(char *buf, size_t len, const struct cidr *net)
{
	char ip[INET6_ADDRSTRLEN];

	address_format(ip, sizeof(ip), net->family, net->addr);
	snprintf(buf, len, "%s/%u", ip, net->prefix);
}

void mesh_pin_load(struct mesh *m)
{
	char *buf = NULL, why[ERR_LEN / 2], text[PIN_MAX];
	struct cidr_list l = { 0 };
	size_t len;
	int ret;

	if (m->c.network) {
		m->net = *m->c.network;
		return;
	}
	ret = fileio_read(m->c.data_dir, PIN_FILE, &buf, &len, PIN_MAX);
	if (ret == -ENOENT)
		return;
	if (!ret) {
		snprintf(text, sizeof(text), "%.*s", (int)strcspn(buf, "\n"), buf);
		ret = cidr_list_parse(&l, text, why, sizeof(why));
		if (!ret && l.n != 1) {
			snprintf(why, sizeof(why), "not one network");
			ret = -EINVAL;
		}
		if (!ret)
			ret = mesh_policy_network_check("the pinned mesh network", &l.v[0], why,
							sizeof(why));
	} else {
		snprintf(why, sizeof(why), "%s", strerror(-ret));
	}
	if (ret) {
		snprintf(m->pin_error, sizeof(m->pin_error), "wireguard: %s/%s is unusable (%s); the "
			 "next configuration accepted pins the mesh network again", m->c.data_dir,
			 PIN_FILE, why);
		log_error("%s", m->pin_error);
	} else {
		m->net = l.v[0];
	}
	cidr_list_free(&l);
	free(buf);
}

static void pin(struct mesh *m, const struct wg_join *j)
{
	char text[PIN_MAX + 1], err[ERR_LEN];

	mesh_policy_network_of(&j->address, &m->net);
	pin_text(text, sizeof(text) - 1, &m->net);
	log_info("wireguard: mesh network %s pinned in %s/%s (learned from the first configuration "
		 "accepted)", text, m->c.data_dir, PIN_FILE);
	strcat(text, "\n");
	if (fileio_write_atomic(m->c.data_dir, PIN_FILE, text, strlen(text), 0600, err,
				sizeof(err)))
		log_warn("wireguard: cannot keep the mesh network: %s", err);
	m->pin_error[0] = '\0';
}

int mesh_admit(struct mesh *m, const struct wg_join *j, char *err, size_t errlen)
{
	struct cidr_list host = { 0 };
	struct mesh_bounds b = { .net = m->net, .host = &host };
	/* the tunnel carries the mesh address too (pst.h) */
	const char *const own[] = { m->c.ifname, PST_IFNAME };
	int ret = host_networks(&host, own, 2);

	if (ret)
		snprintf(err, errlen, "wireguard: cannot list this host's addresses to check the "
			 "configuration: %s", strerror(-ret));
	else
		ret = mesh_policy_check(&b, j, err, errlen);
	if (!ret && !m->net.family)
		pin(m, j);
	cidr_list_free(&host);
	return ret;
}
