/* The join half of the mesh: POST /join in the background, with capped backoff. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "join_cache.h"
#include "join_parse.h"
#include "log.h"
#include "mesh_int.h"
#include "wg_device.h"

#define BACKOFF_MIN_MS 2000
#define BACKOFF_MAX_MS 300000

void mesh_join_start(struct mesh *m)
{
	struct join_req req = {
		.url = m->c.controller_url,
		.token = m->c.token,
		.node_id = m->c.node_id,
		.public_key = m->pub,
		.endpoint = m->c.endpoint,
		.ca_file = m->c.ca_file,
	};
	int ret = join_start(&m->req, &req);

	if (ret) {
		snprintf(m->join_error, sizeof(m->join_error), "join: cannot start the request: %s",
			 strerror(-ret));
		m->req = NULL;
		m->next_join_ms = m->now_ms + BACKOFF_MAX_MS;
	}
}

static void join_backoff(struct mesh *m, bool hopeless)
{
	if (hopeless || m->join_backoff_ms >= BACKOFF_MAX_MS / 2)
		m->join_backoff_ms = BACKOFF_MAX_MS;
	else
		m->join_backoff_ms = m->join_backoff_ms ? m->join_backoff_ms * 2 : BACKOFF_MIN_MS;
	m->next_join_ms = m->now_ms + m->join_backoff_ms;
}

/* A new error (or its end) is news for the node status: the generation moves. */
static void join_error_set(struct mesh *m, const char *err, const char *note)
{
	if (!strcmp(err, m->join_error))
		return;
	if (*err)
		log_error("%s%s", err, note);
	snprintf(m->join_error, sizeof(m->join_error), "%s", err);
	m->gen++;
}

void mesh_join_poll(struct mesh *m)
{
	struct wg_join resp = { 0 };
	char err[ERR_LEN];
	char why[ERR_LEN - 128];
	int ret = join_result(m->req, &resp, err, sizeof(err));

	if (ret == -EINPROGRESS)
		return;
	join_free(m->req);
	m->req = NULL;
	if (!ret && mesh_admit(m, &resp, why, sizeof(why))) {
		wg_join_free(&resp);
		snprintf(err, sizeof(err), "join: answer refused, the last good configuration stays "
			 "live: %s", why);
		join_error_set(m, err, "");
		m->next_join_ms = m->now_ms + (int64_t)m->c.refresh_s * 1000;
		return;
	}
	if (ret) {
		join_error_set(m, err, " (the interface and forwards stay as they are)");
		join_backoff(m, ret == -EACCES || ret == -EEXIST || ret == -EINVAL);
		return;
	}
	join_error_set(m, "", "");
	m->join_backoff_ms = 0;
	m->next_join_ms = m->now_ms + (int64_t)m->c.refresh_s * 1000;
	m->joined_live = true;
	if (m->has_joined && wg_join_equal(&m->joined, &resp)) {
		wg_join_free(&resp);
		return;
	}
	log_info("wireguard: joined the mesh (%zu peer(s))", resp.n_peers);
	wg_join_free(&m->joined);
	m->joined = resp;
	m->has_joined = true;
	if (join_cache_save(m->c.data_dir, &m->joined, err, sizeof(err)))
		log_warn("wireguard: cannot cache the join: %s", err);
	m->gen++;
	mesh_apply(m);
}
