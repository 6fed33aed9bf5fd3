/*
 * The measuring client for bench/run.sh: seeds retained state, starts the agent and times
 * its convergence, times single updates from publish to status and to the rule being live
 * (nftables netlink events for forwards, inotify for route files), and times a group
 * publish fanning out to many agents. Prints key=value lines; raw samples go to files.
 *
 * Object i of a run is forward "f<i>" (public port fwd_port(i)) and route "r<i>".
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <mosquitto.h>

#define FWD_PORT0 10000
#define ADD_PORT0 60000         /* forwards added by the update run */
#define WG_PORT 51820           /* reserved by the agent: skipped */

/* Public port of seeded forward i: 10000 up, around the WireGuard port (50,000 fit). */
static int fwd_port(int i)
{
	return i >= ADD_PORT0 ? i : FWD_PORT0 + i + (FWD_PORT0 + i >= WG_PORT);
}
#define MAX_SAMPLES 100000

struct opts {
	const char *host, *prefix, *node, *group, *table, *dir, *data_dir, *out;
	const char *user, *password;
	int port, forwards, routes, count, nodes, reps, gap_ms;
	double timeout_s;
	char **cmd;
};

struct bench {
	struct opts o;
	struct mosquitto *mosq;
	bool connected, subscribed;
	int pub_mid;
	bool pub_acked;
	/* converge */
	uint8_t *fwd_ok, *route_ok;
	int n_fwd_ok, n_route_ok;
	bool synced;
	/* one awaited status (updates, fan-out) */
	char want_topic[256];
	bool want_clear;
	bool got_status;
	int64_t t_status;
	/* fan-out */
	uint8_t *node_ok;
	int n_node_ok;
	bool count_synced;      /* count nodes whose node status says synced */
	char fan_id[64];
	/* live watch (updates) */
	struct mnl_socket *nl;
	int ino_fd;
	int want_port, want_nft_msg;
	char want_file[256];
	int want_ino_mask;
	bool got_live;
	int64_t t_live;
	/* converge: how many elements and files went live */
	bool count_live;
	int n_elems, n_files;
	int64_t t_files;
	int data_wd, dir_wd;
	unsigned cache_saves;   /* renames of DATA_DIR/state.json seen */
	unsigned dir_events;    /* every inotify event in the Traefik directory */
	/* warm restart: what the agent changes once it talks to the broker */
	bool warm;
	int64_t t_node_live;    /* first node status published live (not the retained one) */
	int nft_msgs, nft_msgs_after, file_events_after, data_events_after;
};

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void die(const char *what)
{
	fprintf(stderr, "edge-bench: %s\n", what);
	exit(1);
}

/* ---- payloads ---- */

static void forward_json(char *buf, size_t len, int i, int variant)
{
	snprintf(buf, len, "{\"public_port\": %d, \"target_ip\": \"10.60.%d.%d\", "
		 "\"target_port\": %d, \"proto\": \"tcp\"}",
		 fwd_port(i), (i / 250) % 250, i % 250 + 1,
		 8000 + (i + variant) % 1000);
}

static void route_json(char *buf, size_t len, int i, int variant)
{
	snprintf(buf, len, "{\"hostname\": \"r%d.bench.example.com\", "
		 "\"target_url\": \"http://10.61.%d.%d:%d\", \"certresolver\": \"le\"}",
		 i, (i / 250) % 250, i % 250 + 1, 8080 + variant % 1000);
}

/* ---- MQTT ---- */

static void status_converge(struct bench *b, const char *rest, const char *p, int len)
{
	bool applied = len > 0 && memmem(p, (size_t)len, "\"state\":\"applied\"", 17);
	uint8_t *ok;
	int *n, i;

	if (strncmp(rest, "forwards/f", 10) == 0) {
		ok = b->fwd_ok, n = &b->n_fwd_ok, i = atoi(rest + 10);
		if (i < 0 || i >= b->o.forwards)
			return;
	} else if (strncmp(rest, "routes/r", 8) == 0) {
		ok = b->route_ok, n = &b->n_route_ok, i = atoi(rest + 8);
		if (i < 0 || i >= b->o.routes)
			return;
	} else {
		return;
	}
	if (applied && !ok[i])
		(*n)++;
	else if (!applied && ok[i])
		(*n)--;
	ok[i] = applied;
}

static void status_fanout(struct bench *b, const char *topic, const char *p, int len)
{
	const char *rest;
	char *end;
	long i;

	/* <prefix>/n<i>/status, <prefix>/n<i>/status/forwards/<id> */
	if (strncmp(topic, b->o.prefix, strlen(b->o.prefix)) ||
	    strncmp(topic + strlen(b->o.prefix), "/n", 2))
		return;
	i = strtol(topic + strlen(b->o.prefix) + 2, &end, 10);
	if (i < 0 || i >= b->o.nodes || strncmp(end, "/status", 7))
		return;
	rest = end + 7;
	if (b->count_synced) {
		if (*rest || !(len > 0 && memmem(p, (size_t)len, "\"synced\":true", 13)))
			return;
	} else {
		if (strncmp(rest, "/forwards/", 10) || strcmp(rest + 10, b->fan_id))
			return;
		if (b->want_clear ? len != 0 : !(len > 0 && memmem(p, (size_t)len, "\"applied\"", 9)))
			return;
	}
	if (!b->node_ok[i]) {
		b->node_ok[i] = 1;
		b->n_node_ok++;
	}
}

static void on_message(struct mosquitto *m, void *arg, const struct mosquitto_message *msg)
{
	struct bench *b = arg;
	char status[256];
	size_t sl;

	if (b->node_ok) {
		status_fanout(b, msg->topic, msg->payload, msg->payloadlen);
		return;
	}
	if (b->want_topic[0] && strcmp(msg->topic, b->want_topic) == 0) {
		bool clear = msg->payloadlen == 0;
		if (clear == b->want_clear && !b->got_status) {
			b->got_status = true;
			b->t_status = now_ns();
		}
	}
	snprintf(status, sizeof(status), "%s/%s/status", b->o.prefix, b->o.node);
	sl = strlen(status);
	if (strcmp(msg->topic, status) == 0) {
		if (!msg->retain && !b->t_node_live)
			b->t_node_live = now_ns();
		b->synced = msg->payloadlen > 0 &&
			    memmem(msg->payload, (size_t)msg->payloadlen, "\"synced\":true", 13);
	} else if (b->fwd_ok && strncmp(msg->topic, status, sl) == 0 && msg->topic[sl] == '/') {
		status_converge(b, msg->topic + sl + 1, msg->payload, msg->payloadlen);
	}
}

static void on_connect(struct mosquitto *m, void *arg, int rc)
{
	struct bench *b = arg;

	if (rc)
		die("broker refused the connection");
	b->connected = true;
}

static void on_subscribe(struct mosquitto *m, void *arg, int mid, int n, const int *q)
{
	((struct bench *)arg)->subscribed = true;
}

static void on_publish(struct mosquitto *m, void *arg, int mid)
{
	struct bench *b = arg;

	if (mid == b->pub_mid)
		b->pub_acked = true;
}

/* ---- live watch: nftables element events and route file renames ---- */

static int nl_open(struct bench *b)
{
	unsigned int group = NFNLGRP_NFTABLES;
	int rcv = 8 << 20;

	b->nl = mnl_socket_open(NETLINK_NETFILTER);
	if (!b->nl || mnl_socket_bind(b->nl, 0, MNL_SOCKET_AUTOPID) < 0 ||
	    mnl_socket_setsockopt(b->nl, NETLINK_ADD_MEMBERSHIP, &group, sizeof(group)) < 0)
		return -errno;
	setsockopt(mnl_socket_get_fd(b->nl), SOL_SOCKET, SO_RCVBUFFORCE, &rcv, sizeof(rcv));
	fcntl(mnl_socket_get_fd(b->nl), F_SETFL, O_NONBLOCK);
	return 0;
}

/* The port of the first element in a set-element event for our table, or -1. */
static int elem_port(const struct nlmsghdr *nlh, const char *table, int *count)
{
	const struct nlattr *a, *list = NULL, *e, *k, *v;
	bool ours = false;
	int port = -1;

	mnl_attr_for_each(a, nlh, sizeof(struct nfgenmsg)) {
		if (mnl_attr_get_type(a) == NFTA_SET_ELEM_LIST_TABLE)
			ours = strcmp(mnl_attr_get_str(a), table) == 0;
		if (mnl_attr_get_type(a) == NFTA_SET_ELEM_LIST_ELEMENTS)
			list = a;
	}
	if (!ours || !list)
		return -1;
	mnl_attr_for_each_nested(e, list) {
		(*count)++;
		mnl_attr_for_each_nested(k, e)
			if (mnl_attr_get_type(k) == NFTA_SET_ELEM_KEY)
				mnl_attr_for_each_nested(v, k)
					if (port < 0 && mnl_attr_get_type(v) == NFTA_DATA_VALUE &&
					    mnl_attr_get_payload_len(v) >= 2)
						port = ntohs(*(uint16_t *)mnl_attr_get_payload(v));
	}
	return port;
}

/* Whether an nftables event is about our table: attribute 1 is the table's name in table,
 * chain, rule, set and element messages alike. */
static bool msg_ours(const struct nlmsghdr *nlh, const char *table)
{
	const struct nlattr *a;

	if (NFNL_MSG_TYPE(nlh->nlmsg_type) == NFT_MSG_NEWGEN)
		return false;
	mnl_attr_for_each(a, nlh, sizeof(struct nfgenmsg))
		if (mnl_attr_get_type(a) == 1)
			return mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0 &&
			       strcmp(mnl_attr_get_str(a), table) == 0;
	return false;
}

static int nl_event(const struct nlmsghdr *nlh, void *data)
{
	struct bench *b = data;
	int msg = NFNL_MSG_TYPE(nlh->nlmsg_type), n = 0;

	if (NFNL_SUBSYS_ID(nlh->nlmsg_type) != NFNL_SUBSYS_NFTABLES)
		return MNL_CB_OK;
	if (b->warm && msg_ours(nlh, b->o.table)) {
		b->nft_msgs++;
		b->nft_msgs_after += b->t_node_live != 0;
	}
	if (b->count_live) {
		if (msg == NFT_MSG_NEWSETELEM && elem_port(nlh, b->o.table, &n) >= 0 &&
		    (b->n_elems += n) >= b->o.forwards && !b->got_live) {
			b->got_live = true;
			b->t_live = now_ns();
		}
		return MNL_CB_OK;
	}
	if (b->got_live || msg != b->want_nft_msg)
		return MNL_CB_OK;
	if (elem_port(nlh, b->o.table, &n) == b->want_port) {
		b->got_live = true;
		b->t_live = now_ns();
	}
	return MNL_CB_OK;
}

static void nl_read(struct bench *b)
{
	static char buf[1 << 16];
	ssize_t n;

	while ((n = mnl_socket_recvfrom(b->nl, buf, sizeof(buf))) > 0)
		mnl_cb_run(buf, (size_t)n, 0, 0, nl_event, b);
}

static void ino_read(struct bench *b)
{
	_Alignas(struct inotify_event) char buf[1 << 14];
	ssize_t n;

	while ((n = read(b->ino_fd, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + n;) {
			struct inotify_event *ev = (struct inotify_event *)p;
			if (ev->wd == b->data_wd) {
				b->cache_saves += ev->len && (ev->mask & IN_MOVED_TO) &&
						  strcmp(ev->name, "state.json") == 0;
				/* health.json records the connection: it must change */
				b->data_events_after += b->t_node_live && ev->len &&
							!strstr(ev->name, "health.json");
				p += sizeof(*ev) + ev->len;
				continue;
			}
			b->dir_events++;
			b->file_events_after += b->t_node_live != 0;
			if (b->count_live && (ev->mask & IN_MOVED_TO) && ++b->n_files == b->o.routes)
				b->t_files = now_ns();
			if (!b->count_live && !b->got_live && (ev->mask & b->want_ino_mask) && ev->len &&
			    strcmp(ev->name, b->want_file) == 0) {
				b->got_live = true;
				b->t_live = now_ns();
			}
			p += sizeof(*ev) + ev->len;
		}
	}
}

static void watch_open(struct bench *b)
{
	if (nl_open(b))
		die("cannot listen to nftables events (run in the agent's namespace)");
	b->ino_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	/* every event Traefik's watcher (fsnotify) asks for, and close-write besides */
	b->dir_wd = b->ino_fd < 0 ? -1 : inotify_add_watch(b->ino_fd, b->o.dir, IN_CREATE | IN_MODIFY |
			     IN_ATTRIB | IN_CLOSE_WRITE | IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE);
	if (b->dir_wd < 0)
		die("cannot watch the Traefik directory");
	b->data_wd = -1;
	if (b->o.data_dir && (b->data_wd = inotify_add_watch(b->ino_fd, b->o.data_dir, IN_CREATE |
			      IN_MODIFY | IN_CLOSE_WRITE | IN_MOVED_TO | IN_DELETE)) < 0)
		die("cannot watch DATA_DIR");
}

/* ---- the loop ---- */

static void pump(struct bench *b, int timeout_ms)
{
	struct pollfd p[3] = {
		{ .fd = mosquitto_socket(b->mosq), .events = POLLIN },
		{ .fd = b->nl ? mnl_socket_get_fd(b->nl) : -1, .events = POLLIN },
		{ .fd = b->ino_fd, .events = POLLIN },
	};

	if (mosquitto_want_write(b->mosq))
		p[0].events |= POLLOUT;
	if (poll(p, 3, timeout_ms) < 0 && errno != EINTR)
		die("poll failed");
	if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
		/* loop_read takes one packet per call: drain what is buffered */
		for (int i = 0; i < 4096; i++) {
			struct pollfd q = { .fd = p[0].fd, .events = POLLIN };
			int one = 1;
			if (mosquitto_loop_read(b->mosq, 1) != MOSQ_ERR_SUCCESS)
				die("lost the broker");
			/* the controller's half of Nagle against delayed ACKs, as the agent does */
			setsockopt(p[0].fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof(one));
			if (poll(&q, 1, 0) != 1)
				break;
		}
	}
	if (mosquitto_want_write(b->mosq))
		mosquitto_loop_write(b->mosq, 1);
	mosquitto_loop_misc(b->mosq);
	if (p[1].revents & POLLIN)
		nl_read(b);
	if (p[2].revents & POLLIN)
		ino_read(b);
}

static bool pump_until(struct bench *b, bool *flag, double timeout_s)
{
	int64_t end = now_ns() + (int64_t)(timeout_s * 1e9);

	while (!*flag) {
		if (now_ns() > end)
			return false;
		pump(b, 5);
	}
	return true;
}

static void mqtt_open(struct bench *b, const char *id)
{
	char cid[96];

	snprintf(cid, sizeof(cid), "edge-bench-%s-%d", id, getpid());
	mosquitto_lib_init();
	b->mosq = mosquitto_new(cid, true, b);
	if (!b->mosq)
		die("mosquitto_new failed");
	mosquitto_int_option(b->mosq, MOSQ_OPT_TCP_NODELAY, 1);
	mosquitto_max_inflight_messages_set(b->mosq, 0);
	mosquitto_connect_callback_set(b->mosq, on_connect);
	mosquitto_subscribe_callback_set(b->mosq, on_subscribe);
	mosquitto_message_callback_set(b->mosq, on_message);
	mosquitto_publish_callback_set(b->mosq, on_publish);
	if (b->o.user && mosquitto_username_pw_set(b->mosq, b->o.user, b->o.password))
		die("mosquitto_username_pw_set failed");
	if (mosquitto_connect(b->mosq, b->o.host, b->o.port, 60) != MOSQ_ERR_SUCCESS)
		die("cannot connect to the broker");
	/* the agent started by converge must not inherit this connection and its subscription */
	fcntl(mosquitto_socket(b->mosq), F_SETFD, FD_CLOEXEC);
	if (!pump_until(b, &b->connected, 10))
		die("no CONNACK");
}

static void subscribe(struct bench *b, const char *topic)
{
	b->subscribed = false;
	if (mosquitto_subscribe(b->mosq, NULL, topic, 0) != MOSQ_ERR_SUCCESS)
		die("subscribe failed");
	if (!pump_until(b, &b->subscribed, 10))
		die("no SUBACK");
}

static void publish(struct bench *b, const char *topic, const char *payload, int qos)
{
	int len = payload ? (int)strlen(payload) : 0;

	if (mosquitto_publish(b->mosq, &b->pub_mid, topic, len, payload, qos, true))
		die("publish failed");
}

/* Waits until the broker has everything published so far (a QoS 1 round trip). */
static void flush(struct bench *b)
{
	char topic[256];

	snprintf(topic, sizeof(topic), "%s/bench/flush", b->o.prefix);
	b->pub_acked = false;
	if (mosquitto_publish(b->mosq, &b->pub_mid, topic, 1, "x", 1, false))
		die("publish failed");
	if (!pump_until(b, &b->pub_acked, 60))
		die("the broker did not acknowledge");
}

static void object_topic(char *buf, size_t len, const struct opts *o, const char *src,
			 const char *kind, char letter, int i)
{
	snprintf(buf, len, "%s/%s/%s/%c%d", o->prefix, src, kind, letter, i);
}

/* ---- modes ---- */

static int cmd_seed(struct bench *b)
{
	char topic[256], payload[256];
	const char *src = b->o.group ? b->o.group : b->o.node;

	mqtt_open(b, "seed");
	for (int i = 0; i < b->o.forwards || i < b->o.routes; i++) {
		if (i < b->o.forwards) {
			object_topic(topic, sizeof(topic), &b->o, src, "forwards", 'f', i);
			forward_json(payload, sizeof(payload), i, 0);
			publish(b, topic, payload, 0);
		}
		if (i < b->o.routes) {
			object_topic(topic, sizeof(topic), &b->o, src, "routes", 'r', i);
			route_json(payload, sizeof(payload), i, 0);
			publish(b, topic, payload, 0);
		}
		if (i % 64 == 0)
			pump(b, 0);
	}
	flush(b);
	printf("seeded_forwards=%d\nseeded_routes=%d\n", b->o.forwards, b->o.routes);
	return 0;
}

static void proc_usage(pid_t pid, double *cpu_s, long *rss_kb)
{
	char path[64], buf[1024], *p;
	unsigned long ut = 0, st = 0;
	FILE *f;

	*cpu_s = -1;
	*rss_kb = -1;
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if ((f = fopen(path, "r"))) {
		if (fgets(buf, sizeof(buf), f) && (p = strrchr(buf, ')')) &&
		    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) == 2)
			*cpu_s = (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
		fclose(f);
	}
	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	if ((f = fopen(path, "r"))) {
		while (fgets(buf, sizeof(buf), f))
			if (sscanf(buf, "VmRSS: %ld", rss_kb) == 1)
				break;
		fclose(f);
	}
}

static int cmd_converge(struct bench *b)
{
	char topic[256];
	int64_t t0, t_applied = 0, t_synced = 0, end;
	double cpu_applied = -1, cpu_synced = -1;
	long rss;
	pid_t pid;

	if (!b->o.cmd || !b->o.cmd[0])
		die("converge needs the agent command after --");
	b->fwd_ok = calloc((size_t)b->o.forwards + 1, 1);
	b->route_ok = calloc((size_t)b->o.routes + 1, 1);
	if (b->o.table && b->o.dir) {
		b->count_live = true;
		watch_open(b);
	}
	mqtt_open(b, "converge");
	snprintf(topic, sizeof(topic), "%s/%s/status/#", b->o.prefix, b->o.node);
	subscribe(b, topic);
	snprintf(topic, sizeof(topic), "%s/%s/status", b->o.prefix, b->o.node);
	subscribe(b, topic);
	b->synced = false;
	t0 = now_ns();
	pid = fork();
	if (pid < 0)
		die("fork failed");
	if (pid == 0) {
		setsid();
		execvp(b->o.cmd[0], b->o.cmd);
		_exit(127);
	}
	end = t0 + (int64_t)(b->o.timeout_s * 1e9);
	for (int64_t tick = t0; now_ns() < end && !(t_applied && t_synced);) {
		pump(b, 5);
		if (getenv("EB_TRACE") && now_ns() - tick > 250000000) {
			tick = now_ns();
			fprintf(stderr, "t=%.0f ms statuses=%d elems=%d files=%d\n", (tick - t0) / 1e6,
				b->n_fwd_ok + b->n_route_ok, b->n_elems, b->n_files);
		}
		if (!t_applied && b->n_fwd_ok == b->o.forwards && b->n_route_ok == b->o.routes) {
			t_applied = now_ns();
			proc_usage(pid, &cpu_applied, &rss);
		}
		if (!t_synced && b->synced && t_applied) {
			t_synced = now_ns();
			proc_usage(pid, &cpu_synced, &rss);
		}
	}
	printf("agent_pid=%d\n", pid);
	printf("applied_forwards=%d\napplied_routes=%d\n", b->n_fwd_ok, b->n_route_ok);
	if (!t_applied || !t_synced) {
		printf("converge=timeout\n");
		return 1;
	}
	printf("t_applied_ms=%.1f\nt_synced_ms=%.1f\n", (t_applied - t0) / 1e6, (t_synced - t0) / 1e6);
	if (b->count_live)
		printf("t_live_forwards_ms=%.1f\nt_live_routes_ms=%.1f\n",
		       b->got_live ? (b->t_live - t0) / 1e6 : -1.0,
		       b->t_files ? (b->t_files - t0) / 1e6 : -1.0);
	printf("cpu_applied_s=%.2f\ncpu_synced_s=%.2f\nrss_kb=%ld\n", cpu_applied, cpu_synced, rss);
	if (b->warm) {
		/* events still in flight after synced are counted too */
		for (int64_t e = now_ns() + 2000000000; now_ns() < e;)
			pump(b, 20);
		printf("t_connected_ms=%.1f\nnft_events=%d\nnft_events_after_connect=%d\n"
		       "file_events=%u\nfile_events_after_connect=%d\ndata_events_after_connect=%d\n",
		       b->t_node_live ? (b->t_node_live - t0) / 1e6 : -1.0, b->nft_msgs,
		       b->nft_msgs_after, b->dir_events, b->file_events_after, b->data_events_after);
	}
	return 0;
}

enum op { OP_ADD, OP_CHANGE, OP_DELETE };
static const char *const op_names[] = { "add", "change", "delete" };

/*
 * Update i: kind alternates forward/route; the op cycles add, change, delete. An add
 * creates a new object, a change alters a seeded one, a delete removes the last add.
 */
static int cmd_updates(struct bench *b)
{
	char topic[256], payload[256], status_pfx[256];
	FILE *out;
	int misses = 0;

	if (!b->o.out || !b->o.table || !b->o.dir)
		die("updates needs --out, --table and --dir");
	out = fopen(b->o.out, "w");
	if (!out)
		die("cannot write --out");
	watch_open(b);
	mqtt_open(b, "updates");
	snprintf(status_pfx, sizeof(status_pfx), "%s/%s/status", b->o.prefix, b->o.node);
	snprintf(topic, sizeof(topic), "%s/#", status_pfx);
	subscribe(b, topic);
	fprintf(out, "kind op status_us live_us cache_save dir_events\n");
	for (int i = 0; i < b->o.count; i++) {
		bool fwd = i % 2 == 0;
		enum op op = (enum op)((i / 2) % 3);
		int cycle = i / 6, id = op == OP_CHANGE ? (cycle * 7919) % (fwd ? b->o.forwards : b->o.routes)
						      : ADD_PORT0 + cycle;
		const char *kind = fwd ? "forwards" : "routes";
		unsigned saves = b->cache_saves, events = b->dir_events;
		int64_t t0;

		object_topic(topic, sizeof(topic), &b->o, b->o.node, kind, fwd ? 'f' : 'r', id);
		if (op == OP_DELETE)
			payload[0] = '\0';
		else if (fwd)
			forward_json(payload, sizeof(payload), id, op == OP_CHANGE ? 1 + cycle : 0);
		else
			route_json(payload, sizeof(payload), id, op == OP_CHANGE ? 1 + cycle : 0);
		/* a change of an applied object does not change its status: nothing is published */
		snprintf(b->want_topic, sizeof(b->want_topic), "%s/%s/%c%d", status_pfx, kind,
			 fwd ? 'f' : 'r', id);
		if (op == OP_CHANGE)
			b->want_topic[0] = '\0';
		b->want_clear = op == OP_DELETE;
		b->got_status = op == OP_CHANGE;
		b->got_live = false;
		b->want_port = fwd_port(id);
		b->want_nft_msg = fwd ? (op == OP_DELETE ? NFT_MSG_DELSETELEM : NFT_MSG_NEWSETELEM) : -1;
		snprintf(b->want_file, sizeof(b->want_file), "edge-agent.%s.r%d.yml", b->o.node, id);
		b->want_ino_mask = fwd ? 0 : op == OP_DELETE ? IN_DELETE : IN_MOVED_TO;

		t0 = now_ns();
		publish(b, topic, payload[0] ? payload : NULL, 1);
		if (!pump_until(b, &b->got_live, b->o.timeout_s) ||
		    !pump_until(b, &b->got_status, b->o.timeout_s)) {
			misses++;
			fprintf(stderr, "edge-bench: update %d (%s %s %d) timed out\n", i, op_names[op],
				kind, id);
			continue;
		}
		if (op == OP_CHANGE)
			fprintf(out, "%s %s - %.1f", kind, op_names[op], (b->t_live - t0) / 1e3);
		else
			fprintf(out, "%s %s %.1f %.1f", kind, op_names[op], (b->t_status - t0) / 1e3,
				(b->t_live - t0) / 1e3);
		/* one at a time: let the agent finish this update's durable tail */
		for (int64_t e = now_ns() + b->o.gap_ms * 1000000; now_ns() < e;)
			pump(b, 1);
		fprintf(out, " %u %u\n", b->cache_saves - saves, b->dir_events - events);
	}
	fclose(out);
	printf("updates=%d\nupdate_timeouts=%d\n", b->o.count, misses);
	return misses ? 1 : 0;
}

/* Publishes one forward to the group R times and times until all N nodes applied it. */
static int cmd_fanout(struct bench *b)
{
	char topic[256], payload[256];
	FILE *out;
	int misses = 0;

	if (!b->o.group || !b->o.out)
		die("fanout needs --group and --out");
	out = fopen(b->o.out, "w");
	if (!out)
		die("cannot write --out");
	b->node_ok = calloc((size_t)b->o.nodes, 1);
	mqtt_open(b, "fanout");
	snprintf(topic, sizeof(topic), "%s/+/status/forwards/#", b->o.prefix);
	subscribe(b, topic);
	fprintf(out, "op ms\n");
	for (int r = 0; r < b->o.reps; r++) {
		for (int del = 0; del < 2; del++) {
			int64_t t0, end;

			snprintf(b->fan_id, sizeof(b->fan_id), "g%d", r);
			memset(b->node_ok, 0, (size_t)b->o.nodes);
			b->n_node_ok = 0;
			b->want_clear = del;
			object_topic(topic, sizeof(topic), &b->o, b->o.group, "forwards", 'g', r);
			forward_json(payload, sizeof(payload), ADD_PORT0 + r, 0);
			t0 = now_ns();
			publish(b, topic, del ? NULL : payload, 1);
			end = t0 + (int64_t)(b->o.timeout_s * 1e9);
			while (b->n_node_ok < b->o.nodes && now_ns() < end)
				pump(b, 5);
			if (b->n_node_ok < b->o.nodes) {
				misses++;
				fprintf(stderr, "edge-bench: fan-out %d: %d of %d nodes\n", r,
					b->n_node_ok, b->o.nodes);
				continue;
			}
			fprintf(out, "%s %.2f\n", del ? "delete" : "add", (now_ns() - t0) / 1e6);
			fflush(out);
		}
		/* let retained status settle before the next round */
		for (int64_t e = now_ns() + 200000000; now_ns() < e;)
			pump(b, 20);
	}
	fclose(out);
	printf("fanout_nodes=%d\nfanout_timeouts=%d\n", b->o.nodes, misses);
	return misses ? 1 : 0;
}

/* Waits until all N nodes report synced (fan-out set-up). */
static int cmd_wait_synced(struct bench *b)
{
	char topic[256];
	int64_t end, t0 = now_ns();

	b->node_ok = calloc((size_t)b->o.nodes, 1);
	mqtt_open(b, "wait");
	snprintf(topic, sizeof(topic), "%s/+/status", b->o.prefix);
	if (mosquitto_subscribe(b->mosq, NULL, topic, 0))
		die("subscribe failed");
	b->count_synced = true;
	end = now_ns() + (int64_t)(b->o.timeout_s * 1e9);
	while (now_ns() < end) {
		pump(b, 20);
		if (b->n_node_ok >= b->o.nodes)
			break;
	}
	printf("synced_nodes=%d\nwait_ms=%.0f\n", b->n_node_ok, (now_ns() - t0) / 1e6);
	return b->n_node_ok >= b->o.nodes ? 0 : 1;
}

static void usage(void)
{
	fputs("usage: edge-bench MODE [options] [-- agent command]\n"
	      "modes: seed, converge, updates, fanout, wait-synced\n"
	      "  -H host -P port -u user -w password -x prefix -n node -g group -f forwards -r routes\n"
	      "  -c count -k nodes -R reps -t table -d traefik_dir -D data_dir -G gap_ms\n"
	      "  -o out -T timeout_s -W (converge: a warm restart, count what changes)\n", stderr);
	exit(2);
}

int main(int argc, char **argv)
{
	struct bench b = { .ino_fd = -1 };
	const char *mode;
	int c;

	b.o = (struct opts){ .host = "127.0.0.1", .port = 1883, .prefix = "edge", .node = "gw1",
			     .reps = 5, .timeout_s = 60, .gap_ms = 10 };
	if (argc < 2)
		usage();
	mode = argv[1];
	optind = 2;
	while ((c = getopt(argc, argv, "H:P:u:w:x:n:g:f:r:c:k:R:t:d:D:G:o:T:W")) != -1) {
		switch (c) {
		case 'H': b.o.host = optarg; break;
		case 'P': b.o.port = atoi(optarg); break;
		case 'u': b.o.user = optarg; break;
		case 'w': b.o.password = optarg; break;
		case 'x': b.o.prefix = optarg; break;
		case 'n': b.o.node = optarg; break;
		case 'g': b.o.group = optarg; break;
		case 'f': b.o.forwards = atoi(optarg); break;
		case 'r': b.o.routes = atoi(optarg); break;
		case 'c': b.o.count = atoi(optarg); break;
		case 'k': b.o.nodes = atoi(optarg); break;
		case 'R': b.o.reps = atoi(optarg); break;
		case 't': b.o.table = optarg; break;
		case 'd': b.o.dir = optarg; break;
		case 'D': b.o.data_dir = optarg; break;
		case 'G': b.o.gap_ms = atoi(optarg); break;
		case 'o': b.o.out = optarg; break;
		case 'T': b.o.timeout_s = atof(optarg); break;
		case 'W': b.warm = true; break;
		default: usage();
		}
	}
	b.o.cmd = argv + optind;
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (strcmp(mode, "seed") == 0)
		return cmd_seed(&b);
	if (strcmp(mode, "converge") == 0)
		return cmd_converge(&b);
	if (strcmp(mode, "updates") == 0)
		return cmd_updates(&b);
	if (strcmp(mode, "fanout") == 0)
		return cmd_fanout(&b);
	if (strcmp(mode, "wait-synced") == 0)
		return cmd_wait_synced(&b);
	usage();
}
