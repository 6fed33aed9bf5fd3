#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"
#include "cache.h"
#include "caps.h"
#include "cidr.h"
#include "coexist.h"
#include "health.h"
#include "host.h"
#include "log.h"
#include "mesh.h"
#include "metrics.h"
#include "metrics_http.h"
#include "mqtt.h"
#include "nft_apply.h"
#include "nft_watch.h"
#include "pst.h"
#include "payload.h"
#include "status.h"
#include "topic.h"
#include "wg_conf.h"
#include "agent_int.h"

/* ---- the edges behind reconcile ---- */

static int edge_nft(void *arg, const char *text, char *err, size_t errlen)
{
	struct agent *a = arg;
	int ret;

	if (!a->nft && (ret = nft_open(&a->nft))) {
		snprintf(err, errlen, "the kernel offers no nftables (netfilter netlink: %s)",
			 strerror(-ret));
		return ret;
	}
	ret = nft_apply(a->nft, text, err, errlen);

	if (!ret)
		nft_watch_note_own(a->watch);
	return ret;
}

/* gate: the cache, on disk once it passes, holds these routes (a lost claim is made again at boot) */
static int edge_routes(void *arg, struct traefik_op *ops, size_t n, const struct traefik_gate *gate)
{
	struct agent *a = arg;

	return traefik_commit(&a->traefik, ops, n, gate);
}

int agent_status_render(struct agent *a, const struct slot *s)
{
	return status_object_render(&a->sb, &s->status,
				    s->status.source >= 0 ? a->names[s->status.source] : NULL, time(NULL));
}

static bool edge_status(void *arg, const struct slot *s)
{
	struct agent *a = arg;
	char topic[256], rest[128];

	if (!a->mqtt || !mqtt_connected(a->mqtt) || a->statuses_unsent)
		return false;
	snprintf(rest, sizeof(rest), "status/%s/%s", object_kind_plural(s->kind), s->id);
	topic_format(topic, sizeof(topic), a->cfg.topic_prefix, a->cfg.node_id, rest);
	if (s->status.state == ST_NONE)
		return mqtt_publish(a->mqtt, topic, "", 0, 1, true) == 0;
	if (agent_status_render(a, s))
		return false;
	return mqtt_publish(a->mqtt, topic, a->sb.buf, a->sb.len, 1, true) == 0;
}

/* Replaces state.json with everything the store holds, then empties the journal. */
static int state_snapshot(struct agent *a, char *err, size_t errlen)
{
	int ret = cache_save(a->cfg.data_dir, &a->store, a->cfg.node_id, &a->snapshot_bytes,
			     err, errlen);

	if (!ret && journal_reset(&a->journal, err, errlen))
		log_error("%s; writing a snapshot next time", err);
	else if (!ret)
		a->snapshot_due = false;
	malloc_trim(0);         /* the snapshot's large buffer */
	return ret;
}

/*
 * Changed records go to the journal, written in slices so a replay never builds one large
 * buffer, with one fdatasync per batch in edge_durable (a single update costs one small
 * append). Once the journal would outgrow twice the snapshot, or a write failed and may
 * have left a torn tail, a new snapshot replaces both.
 */
static int edge_persist(void *arg, struct store *st, struct slot **v, size_t n, char *err,
			size_t errlen)
{
	struct agent *a = arg;
	size_t limit = a->snapshot_bytes * 2 > JOURNAL_MIN_BYTES ? a->snapshot_bytes * 2 :
		       JOURNAL_MIN_BYTES;

	for (size_t i = 0; i < n && !a->snapshot_due; i += JOURNAL_SLICE) {
		strbuf_reset(&a->journal_buf);
		cache_changes(&a->journal_buf, st, v + i, n - i < JOURNAL_SLICE ? n - i : JOURNAL_SLICE);
		if (a->journal_buf.err || a->journal.size + a->journal_buf.len > limit)
			a->snapshot_due = true;
		else if (a->journal_buf.len &&
			 journal_write(&a->journal, a->journal_buf.buf, a->journal_buf.len, err, errlen)) {
			log_warn("%s; writing a snapshot instead", err);
			a->snapshot_due = true;
		}
	}
	if (a->journal_buf.cap > JOURNAL_BUF_KEEP)
		strbuf_free(&a->journal_buf);
	if (a->snapshot_due)
		return state_snapshot(a, err, errlen);
	journal_start(&a->journal);     /* the disk works while the batch is applied */
	return 0;
}

static int edge_durable(void *arg, char *err, size_t errlen)
{
	struct agent *a = arg;

	if (!journal_pending(&a->journal) || !journal_sync(&a->journal, err, errlen))
		return 0;
	log_warn("%s; writing a snapshot instead", err);
	a->snapshot_due = true;
	return state_snapshot(a, err, errlen);
}

static void edge_wanted(void *arg, const struct slot *s)
{
	struct agent *a = arg;

	if (fwd_health_update(&a->fwd_health, s, a->now_ms))
		log_error("health checks: out of memory; forward %s goes unchecked", s->id);
}

static const struct reconcile_ops edge_ops = {
	.nft = edge_nft,
	.routes = edge_routes,
	.status = edge_status,
	.persist = edge_persist,
	.durable = edge_durable,
	.wanted = edge_wanted,
};

/* ---- set-up ---- */

static int agent_topics(struct agent *a)
{
	const char *prefix = a->cfg.topic_prefix;

	topic_format(a->topic_status, sizeof(a->topic_status), prefix, a->cfg.node_id, "status");
	topic_format(a->topic_sync, sizeof(a->topic_sync), prefix, a->cfg.node_id, "sync");
	topic_format(a->topic_errors, sizeof(a->topic_errors), prefix, a->cfg.node_id, "errors");
	topic_format(a->topic_confirm, sizeof(a->topic_confirm), prefix, a->cfg.node_id, "confirm");
	topic_format(a->topic_own_status, sizeof(a->topic_own_status), prefix, a->cfg.node_id, "status/#");
	topic_format(a->topic_wireguard, sizeof(a->topic_wireguard), prefix, a->cfg.node_id, "wireguard");
	topic_format(a->topic_metrics, sizeof(a->topic_metrics), prefix, a->cfg.node_id, "metrics");
	for (size_t i = 0; i < a->n_names; i++) {
		for (int k = 0; k < KIND_COUNT; k++) {
			if (asprintf(&a->subs[a->n_subs], "%s/%s/%s/#", prefix, a->names[i],
				     object_kind_plural((enum kind)k)) < 0)
				return -ENOMEM;
			a->n_subs++;
		}
		if (asprintf(&a->subs[a->n_subs], "%s/%s/sets/#", prefix, a->names[i]) < 0)
			return -ENOMEM;
		a->n_subs++;
	}
	a->subs[a->n_subs++] = strdup(a->topic_sync);
	a->subs[a->n_subs++] = strdup(a->topic_confirm);
	a->subs[a->n_subs++] = strdup(a->topic_wireguard);
	for (int i = 0; i < a->n_subs; i++)
		if (!a->subs[i])
			return -ENOMEM;
	return 0;
}

static void mesh_init(struct agent *a)
{
	char *conf_path = a->wg_conf_path;
	struct mesh_conf mc = {
		.node_id = a->cfg.node_id,
		.ifname = a->cfg.wg_iface,
		.backend = a->cfg.wg_backend,
		.wg_go_path = a->cfg.wg_go_path,
		.data_dir = a->cfg.data_dir,
		.conf_path = conf_path,
		.controller_url = a->cfg.controller_url,
		.token = a->cfg.join_token,
		.ca_file = a->cfg.controller_ca_file,
		.endpoint = a->cfg.wg_endpoint,
		.refresh_s = a->cfg.join_refresh_s,
		.network = a->cfg.mesh_network.family ? &a->cfg.mesh_network : NULL,
		.pst_table = a->cfg.pst_tunnel ? a->cfg.nft_table : NULL,
	};

	char err[ERR_LEN];

	if (!a->cfg.pst_tunnel && pst_remove(a->cfg.nft_table, err, sizeof(err)))
		log_warn("%s", err);    /* off: a tunnel left by an earlier run goes */
	if (!a->cfg.wg_conf)
		wg_conf_default_path(conf_path, sizeof(a->wg_conf_path), a->cfg.wg_iface);
	else
		snprintf(conf_path, sizeof(a->wg_conf_path), "%s", a->cfg.wg_conf);
	if (!conf_path[0])
		mc.conf_path = NULL;
	if (mesh_open(&a->mesh, &mc, a->mesh_error, sizeof(a->mesh_error))) {
		log_error("wireguard: not managed: %s", a->mesh_error);
		a->mesh = NULL;
		return;
	}
	a->mesh_gen = mesh_generation(a->mesh);
	agent_sync_policy_refresh(a);
}

int agent_init(struct agent *a, int argc, char **argv)
{
	char err[ERR_LEN], brokers[320];
	struct strbuf will;
	int ret;

	memset(a, 0, sizeof(*a));
	/*
	 * Big transients (a replay's nftables text, the cache document, libnftables' parse of
	 * thousands of elements) are mapped and unmapped whole: glibc's default threshold
	 * rises to the largest block freed, after which they fragment the heap for good.
	 */
	mallopt(M_MMAP_THRESHOLD, 128 * 1024);
	strbuf_init(&a->sb);
	strbuf_init(&a->journal_buf);
	strbuf_init(&a->replay_statuses);
	a->journal.fd = -1;
	metrics_http_init(&a->metrics, -1);
	ret = config_load(&a->cfg, argc, argv, err, sizeof(err));
	if (ret) {
		if (ret < 0)
			fprintf(stderr, "edge-agent: %s\n", err);
		return ret;
	}
	if (!caps_share())
		log_warn("capabilities: no CAP_NET_ADMIN: nftables, WireGuard and routes will fail "
			 "(run as root, or with CAP_NET_ADMIN: AmbientCapabilities=, setcap, --cap-add)");
	a->started_at = time(NULL);
	a->now_ms = clock_ms();
	a->retry_backoff_ms = RETRY_MIN_MS;
	srand((unsigned)(a->now_ms ^ getpid()));
	a->names[a->n_names++] = a->cfg.node_id;
	for (size_t i = 0; i < a->cfg.n_groups; i++)
		a->names[a->n_names++] = a->cfg.groups[i];
	ret = config_policy(&a->cfg, &a->pol);
	if (!ret)
		ret = host_addresses(&a->pol.host);
	if (!ret)
		ret = agent_topics(a);
	if (ret) {
		fprintf(stderr, "edge-agent: set-up failed: %s\n", strerror(-ret));
		return ret;
	}
	store_init(&a->store, a->names, a->n_names);
	sets_init(&a->sets);
	a->pol.sets = &a->sets;
	a->rc.ops = &edge_ops;
	a->rc.arg = a;
	a->rc.nft.table = a->cfg.nft_table;
	a->rc.nft.wg_iface = a->cfg.wg_iface;
	a->rc.nft_full = true;
	a->rc.routes_full = true;
	a->rc.sets = &a->sets;

	if (a->cfg.metrics_listen) {
		int fd = metrics_http_listen(a->cfg.metrics_listen, err, sizeof(err));
		if (fd < 0) {
			fprintf(stderr, "edge-agent: %s\n", err);
			return -EINVAL;
		}
		metrics_http_init(&a->metrics, fd);
	}
	if (a->cfg.metrics_interval_s)
		a->metrics_due_ms = a->now_ms + (int64_t)a->cfg.metrics_interval_s * 1000;
	mesh_init(a);
	ret = nft_open(&a->nft);
	if (ret) {
		log_error("nftables: not available (%s); forwards wait until it is", strerror(-ret));
		a->nft = NULL;
	}
	if (nft_watch_open(&a->watch, "inet", a->cfg.nft_table))
		log_warn("nftables: cannot watch for changes; checking every %d s", TABLE_CHECK_MS / 1000);
	if (a->cfg.coexist_mode != COEXIST_OFF) {
		a->rc.nft.mark = a->cfg.forward_mark;
		a->rc.nft.mark_mask = a->cfg.forward_mark_mask;
	}
	if (coexist_open(&a->coexist, &(struct coexist_conf){ .table = a->cfg.nft_table,
			 .mark = a->cfg.forward_mark, .mask = a->cfg.forward_mark_mask,
			 .mode = (enum coexist_mode)a->cfg.coexist_mode }))
		log_error("firewall: cannot check other firewalls on the forward hook");
	if (host_ip_forward(a->sysctl_error, sizeof(a->sysctl_error)))
		log_error("%s", a->sysctl_error);

	ret = traefik_manifest_open(&a->traefik, a->cfg.data_dir, a->cfg.traefik_dir, err,
				    sizeof(err));
	if (ret)
		return ret;
	if (err[0])
		log_warn("traefik: %s", err);
	agent_sync_listening_refresh(a);
	agent_sync_sets_load(a);
	ret = cache_load(a->cfg.data_dir, &a->store, &a->pol, err, sizeof(err));
	if (ret == -ENOENT)
		log_info("cache: no %s/state.json yet; starting empty", a->cfg.data_dir);
	else if (ret)
		log_error("cache: %s; starting with what could be read until the broker is reached", err);
	else
		log_info("cache: restored %zu object(s) from %s", a->store.slots.n, a->cfg.data_dir);
	/* restored statuses may be retained as they stand: compared after the first replay */
	a->statuses_unsent = a->store.slots.n > 0;
	a->snapshot_due = ret && ret != -ENOENT;
	ret = journal_open(&a->journal, a->cfg.data_dir, err, sizeof(err));
	if (ret < 0) {
		log_error("cache: %s", err);
		a->snapshot_due = true;
	} else if (ret > 0) {
		log_warn("cache: %s", err);
		if (state_snapshot(a, err, sizeof(err)))
			log_error("cache: %s", err);
	} else if (!a->snapshot_due && a->journal.size &&
		   state_snapshot(a, err, sizeof(err))) {
		log_error("cache: %s", err);
	}
	agent_sync_reconcile(a);

	strbuf_init(&will);
	ret = status_offline_render(&will, a->cfg.node_id);
	if (!ret)
		ret = mqtt_new(&a->mqtt, &a->cfg, &agent_sync_handlers, a, a->topic_status, will.buf);
	strbuf_free(&will);
	if (ret)
		fprintf(stderr, "edge-agent: MQTT set-up failed: %s\n", strerror(-ret));
	broker_format(brokers, sizeof(brokers), &a->cfg.brokers.v[0]);
	if (a->cfg.brokers.n > 1)
		snprintf(brokers + strlen(brokers), sizeof(brokers) - strlen(brokers),
			 " (then %zu more)", a->cfg.brokers.n - 1);
	log_info("edge-agent %s: node %s, broker %s, table inet %s, traefik %s",
		 EDGE_VERSION, a->cfg.node_id, brokers, a->cfg.nft_table, a->cfg.traefik_dir);
	return ret;
}

/* ---- the loop ---- */

static void table_check(struct agent *a, int watch_result)
{
	if (watch_result == 0)
		return;
	if (watch_result < 0 && nft_table_exists("inet", a->cfg.nft_table) != 0)
		return;
	log_warn("nftables: table inet %s was changed by someone else; restoring it",
		 a->cfg.nft_table);
	if (a->coexist)
		coexist_kick(a->coexist, a->now_ms);
	a->rc.nft_full = true;
	a->need_reconcile = true;
}

static int64_t deadline_min(int64_t cur, int64_t due)
{
	return due && due < cur ? due : cur;
}

/* Gives idle memory back: libnftables' caches (made again at the next apply), then the heap. */
static void heap_trim(struct agent *a)
{
	nft_idle(a->nft);
	malloc_trim(0);
}

/*
 * Once changes stop: a journal grown to a quarter of the snapshot (a converge writes every
 * record there) is folded into it now rather than at the next start, which then reads one
 * record per id and writes nothing before it connects. Then the memory goes back.
 */
static void idle_fold(struct agent *a)
{
	char err[ERR_LEN];

	if (!a->snapshot_due && a->journal.size > JOURNAL_FOLD_MIN &&
	    a->journal.size > a->snapshot_bytes / 4 && state_snapshot(a, err, sizeof(err)))
		log_error("cache: %s", err);
	heap_trim(a);
}

static void timers_run(struct agent *a)
{
	if (a->subscribed && a->marker_seen && !a->synced && (!a->held || a->held_recheck) &&
	    a->now_ms >= agent_sync_due_ms(a))
		agent_sync_complete(a, false);
	if (a->retry_due_ms && a->now_ms >= a->retry_due_ms) {
		a->retry_due_ms = 0;
		a->need_reconcile = true;
	}
	if (a->fwd_health.due_ms && a->now_ms >= a->fwd_health.due_ms &&
	    fwd_health_run(&a->fwd_health, &a->store, a->now_ms) > 0)
		a->need_reconcile = true;
	if (a->need_reconcile)
		agent_sync_reconcile(a);
	if (a->node_dirty && a->node_due_ms && a->now_ms >= a->node_due_ms)
		agent_report_node(a);
	if (a->coexist && coexist_due_ms(a->coexist) && a->now_ms >= coexist_due_ms(a->coexist)) {
		bool full = coexist_full_due(a->coexist, a->now_ms);
		if (coexist_run(a->coexist, a->now_ms))
			agent_report_node_changed(a);
		/*
		 * A full check's listing leaves free pages inside the heap (0.8 MiB at 10,000 +
		 * 10,000); a trim is ~30 us then, but not during a replay, whose heap is large
		 * while the broker waits for the agent to read (it has its own trim).
		 */
		if (full && a->synced)
			malloc_trim(0);
	}
	if (a->now_ms >= a->table_check_ms) {
		a->table_check_ms = a->now_ms + TABLE_CHECK_MS;
		if (nft_table_exists("inet", a->cfg.nft_table) == 0)
			table_check(a, 1);
	}
	if (a->trim_due_ms && (a->now_ms >= a->trim_due_ms || !mqtt_unacked(a->mqtt))) {
		a->trim_due_ms = 0;
		heap_trim(a);
	}
	/* once the statuses of the last change are acknowledged too (their queue freed) */
	if (a->idle_trim_ms && a->now_ms >= a->idle_trim_ms) {
		a->idle_trim_ms = mqtt_unacked(a->mqtt) ? a->now_ms + IDLE_TRIM_MS : 0;
		if (!a->idle_trim_ms)
			idle_fold(a);
	}
}

/*
 * Reads what the broker has sent until the socket is empty or BATCH_MS passed, so a
 * replay of thousands of messages is reconciled in a few large batches (one nftables
 * transaction, one directory flush each) while a single update still goes alone.
 */
static void mqtt_drain(struct agent *a, short revents)
{
	int64_t until = clock_ms() + (a->synced ? BATCH_MS : REPLAY_BATCH_MS);
	struct pollfd p;

	mqtt_handle(a->mqtt, revents);
	while (clock_ms() < until) {
		p.fd = mqtt_fd(a->mqtt);
		p.events = POLLIN;
		if (p.fd < 0 || poll(&p, 1, 0) != 1)
			break;
		mqtt_handle(a->mqtt, p.revents);
	}
}

static const char *metrics_body(void *arg, size_t *len)
{
	struct agent *a = arg;

	agent_report_metrics(a, true);
	*len = a->sb.err ? 0 : a->sb.len;
	return a->sb.buf && !a->sb.err ? a->sb.buf : "";
}

static int signals_open(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	return signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
}

int agent_run(struct agent *a)
{
	int sfd = signals_open();
	bool stop = false;

	if (sfd < 0) {
		log_error("signalfd: %s", strerror(errno));
		return 1;
	}
	a->table_check_ms = clock_ms() + TABLE_CHECK_MS;
	while (!stop) {
		struct pollfd p[MAX_POLL] = { { .fd = sfd, .events = POLLIN },
					      { .fd = -1 }, { .fd = -1 } };
		int64_t next = a->now_ms + mqtt_tick(a->mqtt, a->now_ms);
		int timeout, n_mesh = 0, n_http;

		p[1].fd = mqtt_fd(a->mqtt);
		p[1].events = POLLIN | (mqtt_want_write(a->mqtt) ? POLLOUT : 0);
		if (a->watch) {
			p[2].fd = nft_watch_fd(a->watch);
			p[2].events = POLLIN;
		}
		p[3].fd = a->metrics.fd;
		p[3].events = POLLIN;
		p[4].fd = a->coexist ? coexist_fd(a->coexist) : -1;
		p[4].events = POLLIN;
		if (a->coexist)
			next = deadline_min(next, coexist_due_ms(a->coexist));
		if (a->mesh) {
			n_mesh = mesh_fds(a->mesh, p + 5, MAX_POLL - 5);
			next = deadline_min(next, a->now_ms + mesh_timeout_ms(a->mesh, a->now_ms));
		}
		n_http = (int)metrics_http_fds(&a->metrics, p + 5 + n_mesh, (size_t)(MAX_POLL - 5 - n_mesh));
		next = deadline_min(next, metrics_http_due_ms(&a->metrics));
		next = deadline_min(next, a->node_refresh_ms);
		next = deadline_min(next, a->metrics_due_ms);
		next = deadline_min(next, a->retry_due_ms);
		next = deadline_min(next, a->trim_due_ms);
		next = deadline_min(next, a->idle_trim_ms);
		next = deadline_min(next, a->node_due_ms);
		next = deadline_min(next, a->table_check_ms);
		next = deadline_min(next, a->fwd_health.due_ms);
		if (a->subscribed && a->marker_seen && !a->synced && (!a->held || a->held_recheck))
			next = deadline_min(next, agent_sync_due_ms(a));
		timeout = a->need_reconcile ? 0 : (int)(next > a->now_ms ? next - a->now_ms : 0);
		if (poll(p, (nfds_t)(5 + n_mesh + n_http), timeout) < 0 && errno != EINTR) {
			log_error("poll: %s", strerror(errno));
			break;
		}
		a->now_ms = clock_ms();
		if (p[0].revents & POLLIN) {
			struct signalfd_siginfo si;
			while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
				if (si.ssi_signo == SIGCHLD)
					while (waitpid(-1, NULL, WNOHANG) > 0)
						;       /* the wireguard-go launcher */
				else if (si.ssi_signo == SIGHUP)
					log_info("SIGHUP: nothing to reload; configuration is read at start");
				else
					stop = true;
			}
		}
		if (p[1].fd >= 0 && p[1].revents)
			mqtt_drain(a, p[1].revents);
		if (p[2].fd >= 0 && (p[2].revents & POLLIN))
			table_check(a, nft_watch_read(a->watch));
		if (p[4].fd >= 0 && (p[4].revents & POLLIN))
			coexist_handle(a->coexist, a->now_ms);
		if (a->mesh) {
			mesh_handle(a->mesh, p + 5, n_mesh, a->now_ms);
			agent_sync_mesh_changed(a);
		}
		if (a->node_refresh_ms && a->now_ms >= a->node_refresh_ms)
			agent_report_node(a);
		if (a->metrics.fd >= 0)
			metrics_http_handle(&a->metrics, p + 5 + n_mesh, (size_t)n_http,
					    p[3].revents & POLLIN, a->now_ms, metrics_body, a);
		if (a->metrics_due_ms && a->now_ms >= a->metrics_due_ms)
			agent_report_metrics_tick(a);
		timers_run(a);
	}
	log_info("stopping: forwards and routes stay in place");
	if (a->mqtt) {
		if (status_offline_render(&a->sb, a->cfg.node_id) == 0)
			mqtt_shutdown(a->mqtt, a->topic_status, a->sb.buf);
	}
	close(sfd);
	return 0;
}

void agent_free(struct agent *a)
{
	mqtt_free(a->mqtt);
	mesh_close(a->mesh);
	coexist_close(a->coexist);
	metrics_http_close(&a->metrics);
	nft_watch_close(a->watch);
	nft_close(a->nft);
	store_free(&a->store);
	journal_close(&a->journal);
	strbuf_free(&a->journal_buf);
	strbuf_free(&a->replay_statuses);
	reconcile_free(&a->rc);
	fwd_health_free(&a->fwd_health);
	sets_free(&a->sets);
	traefik_manifest_free(&a->traefik);
	for (int i = 0; i < a->n_subs; i++)
		free(a->subs[i]);
	cidr_list_free(&a->pol.allowed);
	cidr_list_free(&a->pol.host);
	free(a->pol.reserved);
	strbuf_free(&a->sb);
	config_free(&a->cfg);
}

