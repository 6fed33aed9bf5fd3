#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "endpoint.h"
#include "fileio.h"
#include "join_cache.h"
#include "join_parse.h"
#include "log.h"
#include "mesh_int.h"
#include "pst.h"
#include "rtnl.h"
#include "wg_backend.h"
#include "wg_conf.h"
#include "wg_device.h"
#include "wg_diff.h"
#include "wg_key.h"

#define BUS_CACHE_FILE "wireguard.json"
#define CHECK_MS 10000
#define CHECK_MAX_MS 160000

const struct wg_join *mesh_effective(const struct mesh *m)
{
	if (m->has_bus)
		return &m->bus;
	return m->has_joined ? &m->joined : NULL;
}

static void want_device(const struct mesh *m, const struct wg_join *j, struct wg_device *d)
{
	memset(d, 0, sizeof(*d));
	snprintf(d->ifname, sizeof(d->ifname), "%s", m->c.ifname);
	d->has_private_key = true;
	memcpy(d->private_key, m->priv, WG_KEY_LEN);
	memcpy(d->public_key, m->pub, WG_KEY_LEN);
	d->has_listen_port = true;
	d->listen_port = j->listen_port ? j->listen_port : JOIN_DEFAULT_PORT;
	d->peers = j->peers;            /* borrowed: never freed through d */
	d->n_peers = j->n_peers;
}

static int mesh_links(struct mesh *m, const struct wg_join *j, const struct wg_device *want)
{
	struct cidr_list routes = { 0 };
	unsigned ifindex;
	char kind[32];
	int ret;

	ret = rtnl_link_get(m->c.ifname, &ifindex, kind, sizeof(kind));
	if (!ret)
		ret = rtnl_addr_set(ifindex, &j->address);
	if (!ret)
		ret = rtnl_link_up(ifindex, j->mtu ? j->mtu : JOIN_DEFAULT_MTU);
	if (!ret)
		ret = wg_device_allowed_ips(want, &routes);
	if (!ret)
		ret = rtnl_routes_sync(ifindex, routes.v, routes.n);
	free(routes.v);
	if (!ret && m->c.pst_table) {
		char err[ERR_LEN] = "";

		if (pst_apply(&m->pst, m->c.pst_table, m->c.ifname, j, &m->net, err, sizeof(err)) &&
		    strcmp(err, m->pst_error))
			log_error("%s", err);
		snprintf(m->pst_error, sizeof(m->pst_error), "%s", err);
	}
	return ret;
}

int mesh_apply(struct mesh *m)
{
	const struct wg_join *j = mesh_effective(m);
	struct wg_device have = { 0 }, want, delta = { 0 };
	const char *step = "create the interface";
	char why[ERR_LEN];
	int ret;

	if (!j)
		return 0;
	want_device(m, j, &want);
	ret = m->be->ensure(m->c.ifname, m->c.wg_go_path);
	if (ret)
		goto out;
	step = "read the interface";
	ret = m->be->get(m->c.ifname, &have);
	if (ret)
		goto out;
	step = "diff";
	ret = wg_diff(&have, &want, &delta);
	if (ret)
		goto out;
	if (!wg_delta_empty(&delta)) {
		step = "configure the interface";
		log_info("wireguard: updating %s (%zu peer change(s))", m->c.ifname, delta.n_peers);
		ret = m->be->set(&delta);
		if (ret)
			goto out;
	}
	step = "set address, MTU, link and routes";
	ret = mesh_links(m, j, &want);
	if (ret)
		goto out;
	if (m->c.conf_path && wg_conf_write(m->c.conf_path, j, m->priv, why, sizeof(why)))
		log_warn("%s", why);
out:
	m->wedged = ret == -ETIMEDOUT || ret == -EMSGSIZE;
	if (ret) {
		snprintf(m->apply_error, sizeof(m->apply_error), "wireguard (%s backend): cannot %s of %s: %s",
			 m->be->name, step, m->c.ifname, strerror(-ret));
		log_error("%s", m->apply_error);
	} else {
		m->apply_error[0] = '\0';
	}
	wg_device_free(&have);
	wg_device_free(&delta);
	return ret;
}

/* A cache the policy refuses is dropped: the next join or bus message replaces it. */
static void cache_admit(struct mesh *m, struct wg_join *j, bool *has, const char *what)
{
	char why[ERR_LEN - 128];

	if (!*has || !mesh_admit(m, j, why, sizeof(why)))
		return;
	snprintf(m->join_error, sizeof(m->join_error), "%s refused: %s", what, why);
	log_error("%s", m->join_error);
	wg_join_free(j);
	*has = false;
}

static void bus_load(struct mesh *m)
{
	char *buf = NULL, err[ERR_LEN];
	size_t len;

	if (fileio_read(m->c.data_dir, BUS_CACHE_FILE, &buf, &len, JOIN_MAX_BYTES))
		return;
	if (join_parse(buf, len, &m->bus, err, sizeof(err)))
		log_warn("wireguard: ignoring %s/%s: %s", m->c.data_dir, BUS_CACHE_FILE, err);
	else
		m->has_bus = true;
	free(buf);
}

int mesh_open(struct mesh **out, const struct mesh_conf *conf, char *err, size_t errlen)
{
	struct mesh *m = calloc(1, sizeof(*m));
	char why[ERR_LEN];
	int ret;

	if (!m)
		return -ENOMEM;
	m->c = *conf;
	ret = wg_backend_pick(conf->backend, &m->be);
	if (ret) {
		snprintf(err, errlen, "WG_BACKEND %s: %s", conf->backend,
			 ret == -EINVAL ? "not one of auto, kernel, userspace" :
			 "kernel WireGuard is not available");
		goto fail;
	}
	ret = wg_key_load_or_create(conf->data_dir, m->priv, m->pub, err, errlen);
	if (ret)
		goto fail;
	mesh_pin_load(m);
	ret = join_cache_load(conf->data_dir, &m->joined, why, sizeof(why));
	if (!ret)
		m->has_joined = true;
	else if (ret != -ENOENT)
		log_warn("wireguard: ignoring the cached join: %s", why);
	cache_admit(m, &m->joined, &m->has_joined, "the cached join (" JOIN_CACHE_FILE ")");
	bus_load(m);
	cache_admit(m, &m->bus, &m->has_bus, "the cached bus configuration (" BUS_CACHE_FILE ")");
	/* the interface is touched from the loop, after the forwards are back from the cache */
	log_info("wireguard: %s backend for %s%s", m->be->name, conf->ifname,
		 mesh_effective(m) ? "; bringing it up from the cache" : "");
	m->gen = 1;
	m->check_ms = CHECK_MS;
	m->join_backoff_ms = 0;
	*out = m;
	return 0;
fail:
	free(m);
	return ret;
}

void mesh_close(struct mesh *m)
{
	if (!m)
		return;
	join_free(m->req);
	wg_join_free(&m->joined);
	wg_join_free(&m->bus);
	free(m->peers);
	pst_close(m->pst);
	memset(m->priv, 0, sizeof(m->priv));
	free(m);
}

int mesh_bus_update(struct mesh *m, const char *payload, size_t len, char *err, size_t errlen)
{
	struct wg_join j = { 0 };
	char *text = NULL;
	size_t tlen;
	int ret;

	if (len == 0) {
		if (!m->has_bus)
			return 0;
		wg_join_free(&m->bus);
		m->has_bus = false;
		fileio_write_atomic(m->c.data_dir, BUS_CACHE_FILE, "", 0, 0600, err, errlen);
		log_info("wireguard: bus override removed; back to the controller's configuration");
		goto apply;
	}
	ret = join_parse(payload, len, &j, err, errlen);
	if (!ret)
		ret = mesh_admit(m, &j, err, errlen);
	if (ret) {
		wg_join_free(&j);
		return ret;
	}
	if (m->has_bus && wg_join_equal(&m->bus, &j)) {
		wg_join_free(&j);
		return 0;
	}
	wg_join_free(&m->bus);
	m->bus = j;
	m->has_bus = true;
	if (join_render(&m->bus, &text, &tlen) == 0 &&
	    fileio_write_atomic(m->c.data_dir, BUS_CACHE_FILE, text, tlen, 0600, err, errlen))
		log_warn("wireguard: cannot cache the bus configuration: %s", err);
	free(text);
apply:
	m->gen++;
	return mesh_apply(m);
}

bool mesh_network(const struct mesh *m, struct cidr *net, unsigned *listen_port)
{
	const struct wg_join *j = mesh_effective(m);

	if (!m->net.family)
		return false;
	*net = m->net;
	*listen_port = j && j->listen_port ? j->listen_port : JOIN_DEFAULT_PORT;
	return true;
}

unsigned mesh_generation(const struct mesh *m)
{
	return m->gen;
}

int mesh_fds(struct mesh *m, struct pollfd *fds, int max)
{
	int n;

	if (!m || !m->req)
		return 0;
	n = join_fds(m->req, fds, max);
	return n < 0 ? 0 : n;
}

void mesh_handle(struct mesh *m, const struct pollfd *fds, int n, int64_t now_ms)
{
	m->now_ms = now_ms;
	if (m->req) {
		join_handle(m->req, fds, n);
		mesh_join_poll(m);
	}
	if (!m->req && m->c.controller_url && now_ms >= m->next_join_ms)
		mesh_join_start(m);
	if (now_ms >= m->next_check_ms) {
		/* also brings back a wireguard-go that was killed */
		mesh_apply(m);
		/* a wedged backend costs a whole call deadline per check: ask it less often */
		if (m->wedged)
			m->check_ms = m->check_ms * 2 > CHECK_MAX_MS ? CHECK_MAX_MS : m->check_ms * 2;
		else
			m->check_ms = CHECK_MS;
		m->next_check_ms = now_ms + m->check_ms;
	}
}

int64_t mesh_timeout_ms(const struct mesh *m, int64_t now_ms)
{
	int64_t t = m->next_check_ms - now_ms;

	if (m->req) {
		int64_t j = join_timeout_ms(m->req);
		if (j >= 0 && j < t)
			t = j;
	} else if (m->c.controller_url && m->next_join_ms - now_ms < t) {
		t = m->next_join_ms - now_ms;
	}
	return t < 0 ? 0 : t;
}

void mesh_status(struct mesh *m, struct mesh_status *st)
{
	const struct wg_join *j = mesh_effective(m);
	struct wg_device have = { 0 };
	char ip[INET6_ADDRSTRLEN];

	memset(st, 0, sizeof(*st));
	st->backend = m->be->name;
	st->ifname = m->c.ifname;
	wg_key_to_base64(st->public_key, m->pub);
	st->source = m->has_bus ? "bus" : m->joined_live ? "controller" : m->has_joined ? "cache" : "none";
	m->error[0] = '\0';
	for (size_t i = 0; i < 4; i++) {
		const char *e = (const char *[]){ m->pin_error, m->join_error, m->apply_error,
						  m->pst_error }[i];
		size_t at = strlen(m->error);

		if (e[0])
			snprintf(m->error + at, sizeof(m->error) - at, "%s%s", at ? "; " : "", e);
	}
	st->error = m->error;
	if (!j)
		return;
	inet_ntop(j->address.family, j->address.addr, ip, sizeof(ip));
	snprintf(st->address, sizeof(st->address), "%s/%u", ip, j->address.prefix);
	st->listen_port = j->listen_port ? j->listen_port : JOIN_DEFAULT_PORT;
	/* a wedged backend already cost the last apply its deadline */
	if (m->wedged || m->be->get(m->c.ifname, &have))
		return;
	free(m->peers);
	m->peers = calloc(have.n_peers + 1, sizeof(*m->peers));
	m->n_peers = 0;
	for (size_t i = 0; m->peers && i < have.n_peers; i++) {
		struct mesh_peer_status *p = &m->peers[m->n_peers++];
		wg_key_to_base64(p->public_key, have.peers[i].public_key);
		endpoint_format(p->endpoint, sizeof(p->endpoint), &have.peers[i].endpoint);
		p->latest_handshake = have.peers[i].last_handshake;
		p->rx_bytes = have.peers[i].rx_bytes;
		p->tx_bytes = have.peers[i].tx_bytes;
	}
	st->peers = m->peers;
	st->n_peers = m->n_peers;
	wg_device_free(&have);
}
