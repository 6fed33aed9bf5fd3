#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "config.h"
#include "view.h"

static void on_msg(void *arg, const struct msg *m)
{
	struct msglist *l = arg;

	if (msglist_add(l, m->topic, m->payload, m->len, m->retained, m->after_publish))
		fprintf(stderr, "edgectl: out of memory, %s dropped\n", m->topic);
}

static void print_json(json_object *j)
{
	if (j)
		puts(json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN |
						    JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(j);
}

static int fail(const char *what, const char *err)
{
	fprintf(stderr, "edgectl %s: %s\n", what, err);
	return EXIT_ERROR;
}

/* Subscribes to <prefix>/<name>/<suffix> for each suffix. */
static int subscribe(struct bus *b, const char *prefix, const char *name,
		     const char *const *suffixes, int n, char *err, size_t errlen)
{
	char buf[8][256], *topics[8];

	for (int i = 0; i < n && i < 8; i++) {
		snprintf(buf[i], sizeof(buf[i]), "%s/%s/%s", prefix, name, suffixes[i]);
		topics[i] = buf[i];
	}
	return bus_subscribe(b, topics, n < 8 ? n : 8, clock_ms() + CONNECT_MS, err, errlen);
}

/* Waits for the retained replay; an unconfirmed end is a warning, not a failure. */
static int settle(struct bus *b, char *err, size_t errlen)
{
	int ret = bus_settle(b, clock_ms() + SETTLE_MS, err, errlen);

	if (ret == -ETIMEDOUT) {
		fprintf(stderr, "warning: %s\n", err);
		return 0;
	}
	return ret;
}

/* ls without a node: the objects of the whole fleet with their counts per state */
static int cmd_ls_fleet(const struct ctl_args *a, const struct config *cfg)
{
	static const char *const all_topics[] = {
		"routes/+", "forwards/+", "status", "status/routes/+", "status/forwards/+",
	};
	static const char *const bridges[] = { "+" };
	struct msglist msgs = { 0 };
	struct fleet_view v = { 0 };
	struct bus *b = NULL;
	char err[ERR_LEN];
	int ret;

	ret = bus_open(&b, cfg, on_msg, &msgs, clock_ms() + CONNECT_MS, err, sizeof(err));
	if (!ret)
		ret = subscribe(b, cfg->topic_prefix, "+", all_topics, 5, err, sizeof(err));
	if (!ret)
		ret = subscribe(b, cfg->topic_prefix, "_bridges", bridges, 1, err, sizeof(err));
	if (!ret)
		ret = settle(b, err, sizeof(err));
	bus_close(b);
	if (!ret && view_fleet_build(&v, cfg->topic_prefix, &msgs)) {
		snprintf(err, sizeof(err), "out of memory");
		ret = -ENOMEM;
	}
	if (!ret) {
		if (a->json)
			print_json(view_fleet_json(&v));
		else
			view_fleet_print(&v, stdout);
	}
	view_fleet_free(&v);
	msglist_free(&msgs);
	return ret ? fail("ls", err) : EXIT_OK;
}

int cmd_ls(const struct ctl_args *a, const struct config *cfg)
{
	static const char *const node_topics[] = {
		"routes/+", "forwards/+", "status", "status/routes/+", "status/forwards/+",
	};
	const char *p = cfg->topic_prefix;
	struct msglist msgs = { 0 };
	struct ls_model m = { 0 };
	struct bus *b = NULL;
	char err[ERR_LEN];
	int ret;

	if (!a->target[0])
		return cmd_ls_fleet(a, cfg);
	ret = bus_open(&b, cfg, on_msg, &msgs, clock_ms() + CONNECT_MS, err, sizeof(err));
	if (!ret)
		ret = subscribe(b, p, a->target, node_topics, 5, err, sizeof(err));
	if (!ret)
		ret = settle(b, err, sizeof(err));
	if (!ret)
		ret = view_ls_build(&m, p, a->target, &msgs);
	/* the node status names the groups it follows: read their objects too */
	for (size_t i = 0; !ret && i < m.ni.n_groups; i++)
		ret = subscribe(b, p, m.ni.groups[i], node_topics, 2, err, sizeof(err));
	if (!ret && m.ni.n_groups) {
		ret = settle(b, err, sizeof(err));
		view_ls_free(&m);
		if (!ret)
			ret = view_ls_build(&m, p, a->target, &msgs);
	}
	bus_close(b);
	if (ret == -ENOMEM)
		snprintf(err, sizeof(err), "out of memory");
	if (!ret) {
		if (a->json)
			print_json(view_ls_json(&m));
		else
			view_ls_print_table(&m, stdout);
	}
	view_ls_free(&m);
	msglist_free(&msgs);
	return ret ? fail("ls", err) : EXIT_OK;
}

int cmd_status(const struct ctl_args *a, const struct config *cfg)
{
	static const char *const suffix[] = { "status" };
	struct msglist msgs = { 0 };
	struct status_model m = { 0 };
	struct bus *b = NULL;
	char err[ERR_LEN];
	bool single = a->target[0];
	int ret;

	static const char *const bridges[] = { "+" };
	ret = bus_open(&b, cfg, on_msg, &msgs, clock_ms() + CONNECT_MS, err, sizeof(err));
	if (!ret)
		ret = subscribe(b, cfg->topic_prefix, single ? a->target : "+", suffix, 1, err,
				sizeof(err));
	if (!ret)
		ret = subscribe(b, cfg->topic_prefix, "_bridges", bridges, 1, err, sizeof(err));
	if (!ret)
		ret = settle(b, err, sizeof(err));
	bus_close(b);
	if (!ret && view_status_build(&m, cfg->topic_prefix, &msgs))
		ret = -ENOMEM;
	if (ret == -ENOMEM)
		snprintf(err, sizeof(err), "out of memory");
	if (!ret && single && !m.n) {
		snprintf(err, sizeof(err), "node %s has never published a status", a->target);
		ret = -ENOENT;
	}
	if (!ret || (ret == -ENOENT && a->json)) {
		if (a->json)
			print_json(view_status_json(&m));
		else
			view_status_print_table(&m, cfg->topic_prefix, single, stdout);
	}
	view_status_free(&m);
	msglist_free(&msgs);
	return ret ? fail("status", err) : EXIT_OK;
}
