#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "address.h"
#include "broker.h"
#include "cidr.h"
#include "coexist.h"
#include "config.h"
#include "endpoint.h"
#include "mesh_policy.h"
#include "payload.h"
#include "status.h"



struct option_def {
	const char *env;
	const char *flag;
	const char *def;
	const char *help;
	int (*set)(struct config *cfg, const char *v, char *err, size_t errlen);
};

static int set_str(char **dst, const char *v)
{
	free(*dst);
	*dst = strdup(v);
	return *dst ? 0 : -ENOMEM;
}

static int bad(char *err, size_t errlen, const char *var, const char *v, const char *accepted)
{
	char q[96];

	payload_quote(q, sizeof(q), v, strlen(v));
	snprintf(err, errlen, "%s %s is invalid (accepted: %s)", var, q, accepted);
	return -EINVAL;
}

static int parse_uint(const char *v, unsigned long min, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long n;

	if (*v < '0' || *v > '9')
		return -EINVAL;
	errno = 0;
	n = strtoul(v, &end, 10);
	if (errno || *end || n < min || n > max)
		return -EINVAL;
	*out = n;
	return 0;
}

static bool name_valid(const char *v, size_t max, const char *extra)
{
	size_t n = strlen(v);

	if (n == 0 || n > max)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = v[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      strchr(extra, c)))
			return false;
	}
	return true;
}

static int set_node(struct config *cfg, const char *v, char *err, size_t errlen)
{
	if (!payload_id_valid(v, strlen(v)))
		return bad(err, errlen, "NODE_ID", v, "[a-z0-9][a-z0-9_-]{0,62}");
	snprintf(cfg->node_id, sizeof(cfg->node_id), "%s", v);
	return 0;
}

static int set_groups(struct config *cfg, const char *v, char *err, size_t errlen)
{
	char *copy = strdup(v), *save = NULL, *tok;
	int ret = 0;

	if (!copy)
		return -ENOMEM;
	cfg->n_groups = 0;
	for (tok = strtok_r(copy, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
		if (!payload_id_valid(tok, strlen(tok))) {
			ret = bad(err, errlen, "EDGE_GROUPS", tok, "comma-separated [a-z0-9][a-z0-9_-]{0,62}");
			goto out;
		}
		for (size_t i = 0; i < cfg->n_groups; i++) {
			if (strcmp(cfg->groups[i], tok) == 0) {
				ret = bad(err, errlen, "EDGE_GROUPS", tok, "each group once");
				goto out;
			}
		}
		if (cfg->n_groups == MAX_SOURCES - 1) {
			ret = bad(err, errlen, "EDGE_GROUPS", v, "at most 8 groups");
			goto out;
		}
		snprintf(cfg->groups[cfg->n_groups++], ID_LEN, "%s", tok);
	}
out:
	free(copy);
	return ret;
}

static int set_mqtt_url(struct config *cfg, const char *v, char *err, size_t errlen)
{
	const char *accepted = "mqtt://host[:port] or mqtts://host[:port]; several, comma-separated, "
			       "are tried in order";
	char why[320], q[96];

	if (broker_list_parse(&cfg->brokers, v, why, sizeof(why)) == 0)
		return 0;
	if (!strchr(v, ','))
		return bad(err, errlen, "MQTT_URL", v, accepted);
	payload_quote(q, sizeof(q), v, strlen(v));
	snprintf(err, errlen, "MQTT_URL %s is invalid: %s (accepted: %s)", q, why, accepted);
	return -EINVAL;
}

static int set_username(struct config *cfg, const char *v, char *err, size_t errlen)
{
	return set_str(&cfg->mqtt_username, v);
}

static int set_password(struct config *cfg, const char *v, char *err, size_t errlen)
{
	return set_str(&cfg->mqtt_password, v);
}

static int set_password_file(struct config *cfg, const char *v, char *err, size_t errlen)
{
	char buf[1024];
	size_t n;
	FILE *f = fopen(v, "re");

	if (!f) {
		snprintf(err, errlen, "MQTT_PASSWORD_FILE %s: %s", v, strerror(errno));
		return -EINVAL;
	}
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	return set_str(&cfg->mqtt_password, buf);
}

static int set_ca_file(struct config *cfg, const char *v, char *err, size_t errlen)
{
	return set_str(&cfg->mqtt_ca_file, v);
}

static int set_protocol(struct config *cfg, const char *v, char *err, size_t errlen)
{
	if (strcmp(v, "auto") == 0)
		cfg->mqtt_protocol = 0;
	else if (strcmp(v, "5") == 0)
		cfg->mqtt_protocol = 5;
	else if (strcmp(v, "3.1.1") == 0)
		cfg->mqtt_protocol = 4;
	else
		return bad(err, errlen, "MQTT_PROTOCOL", v, "auto, 5, 3.1.1");
	return 0;
}

static int set_prefix(struct config *cfg, const char *v, char *err, size_t errlen)
{
	if (!payload_id_valid(v, strlen(v)))
		return bad(err, errlen, "TOPIC_PREFIX", v, "[a-z0-9][a-z0-9_-]{0,62}");
	snprintf(cfg->topic_prefix, sizeof(cfg->topic_prefix), "%s", v);
	return 0;
}

static int set_data_dir(struct config *cfg, const char *v, char *err, size_t errlen)
{
	if (v[0] != '/')
		return bad(err, errlen, "DATA_DIR", v, "an absolute path");
	return set_str(&cfg->data_dir, v);
}

static int set_traefik_dir(struct config *cfg, const char *v, char *err, size_t errlen)
{
	if (v[0] != '/')
		return bad(err, errlen, "TRAEFIK_DYNAMIC_DIR", v, "an absolute path");
	return set_str(&cfg->traefik_dir, v);
}

static int set_entrypoint(struct config *cfg, const char *v, char *err, size_t errlen)
{
	if (!name_valid(v, 63, "_-") || v[0] == '_' || v[0] == '-')
		return bad(err, errlen, "TRAEFIK_ENTRYPOINT", v, "[A-Za-z0-9][A-Za-z0-9_-]{0,62}");
	return set_str(&cfg->traefik_entrypoint, v);
}

static int set_certresolver(struct config *cfg, const char *v, char *err, size_t errlen)
{
	if (v[0] == '\0') {
		free(cfg->traefik_certresolver);
		cfg->traefik_certresolver = NULL;
		return 0;
	}
	if (!name_valid(v, 63, "_-") || v[0] == '_' || v[0] == '-')
		return bad(err, errlen, "TRAEFIK_CERTRESOLVER", v, "[A-Za-z0-9][A-Za-z0-9_-]{0,62}");
	return set_str(&cfg->traefik_certresolver, v);
}

static int set_tls(struct config *cfg, const char *v, char *err, size_t errlen)
{
	if (!strcmp(v, "router"))
		cfg->traefik_tls = ROUTE_TLS_ROUTER;
	else if (!strcmp(v, "entrypoint"))
		cfg->traefik_tls = ROUTE_TLS_ENTRYPOINT;
	else
		return bad(err, errlen, "TRAEFIK_TLS", v, "router, entrypoint");
	return 0;
}

static int set_http_entrypoint(struct config *cfg, const char *v, char *err, size_t errlen)
{
	if (!name_valid(v, 63, "_-") || v[0] == '_' || v[0] == '-')
		return bad(err, errlen, "TRAEFIK_HTTP_ENTRYPOINT", v,
			   "[A-Za-z0-9][A-Za-z0-9_-]{0,62}");
	return set_str(&cfg->traefik_http_entrypoint, v);
}

static int set_wg_iface(struct config *cfg, const char *v, char *err, size_t errlen)
{
	if (!name_valid(v, 15, "_.-"))
		return bad(err, errlen, "WG_IFACE", v, "[A-Za-z0-9_.-]{1,15}");
	snprintf(cfg->wg_iface, sizeof(cfg->wg_iface), "%s", v);
	return 0;
}

static int set_wg_port(struct config *cfg, const char *v, char *err, size_t errlen)
{
	unsigned long n;

	if (parse_uint(v, 1, 65535, &n))
		return bad(err, errlen, "WG_LISTEN_PORT", v, "1..65535");
	cfg->wg_listen_port = (unsigned)n;
	return 0;
}

static int set_nft_table(struct config *cfg, const char *v, char *err, size_t errlen)
{
	static const char *const keywords[] = { "ip", "ip6", "inet", "arp", "bridge", "netdev",
		"table", "chain", "set", "map", "flush", "tcp", "udp", "dnat", "snat", "ct",
		"meta", "fib", "rule", "element", "counter", NULL };

	if (!name_valid(v, 32, "_") || strpbrk(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") || v[0] < 'a' || v[0] > 'z')
		return bad(err, errlen, "NFT_TABLE", v, "[a-z][a-z0-9_]{0,31}");
	for (int i = 0; keywords[i]; i++)
		if (strcmp(v, keywords[i]) == 0)
			return bad(err, errlen, "NFT_TABLE", v, "a name that is not an nft keyword");
	snprintf(cfg->nft_table, sizeof(cfg->nft_table), "%s", v);
	return 0;
}

static int set_allowed(struct config *cfg, const char *v, char *err, size_t errlen)
{
	char why[256];
	int ret;

	cidr_list_free(&cfg->allowed);
	ret = cidr_list_parse(&cfg->allowed, v, why, sizeof(why));
	if (ret) {
		snprintf(err, errlen, "ALLOWED_TARGETS: %s", why);
		return ret;
	}
	cfg->allowed_set = true;
	return 0;
}

static int set_reserved(struct config *cfg, const char *v, char *err, size_t errlen)
{
	char *copy = strdup(v), *save = NULL, *tok;
	unsigned long n;
	int ret = 0;

	if (!copy)
		return -ENOMEM;
	cfg->n_reserved = 0;
	for (tok = strtok_r(copy, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
		if (parse_uint(tok, 1, 65535, &n) || cfg->n_reserved == MAX_RESERVED) {
			ret = bad(err, errlen, "RESERVED_PORTS", tok,
				  "comma-separated ports 1..65535, at most 64");
			goto out;
		}
		cfg->reserved[cfg->n_reserved++] = (uint16_t)n;
	}
out:
	free(copy);
	return ret;
}

static int set_quiet(struct config *cfg, const char *v, char *err, size_t errlen)
{
	unsigned long n;

	if (parse_uint(v, 0, 600000, &n))
		return bad(err, errlen, "SYNC_QUIET_MS", v, "0..600000");
	cfg->sync_quiet_ms = (unsigned)n;
	return 0;
}

static int set_failback(struct config *cfg, const char *v, char *err, size_t errlen)
{
	unsigned long n;

	if (parse_uint(v, 1, 86400, &n))
		return bad(err, errlen, "MQTT_FAILBACK_S", v, "1..86400 seconds");
	cfg->mqtt_failback_s = (unsigned)n;
	return 0;
}

static int on_off(const char *name, const char *v, bool *out, char *err, size_t errlen)
{
	if (strcmp(v, "on") && strcmp(v, "off"))
		return bad(err, errlen, name, v, "on, off");
	*out = strcmp(v, "on") == 0;
	return 0;
}

static int set_sweep(struct config *cfg, const char *v, char *err, size_t errlen)
{
	return on_off("SYNC_SWEEP", v, &cfg->sync_sweep, err, errlen);
}

static int set_pst_tunnel(struct config *cfg, const char *v, char *err, size_t errlen)
{
	return on_off("PRESERVE_SOURCE_TUNNEL", v, &cfg->pst_tunnel, err, errlen);
}

static int set_guard_percent(struct config *cfg, const char *v, char *err, size_t errlen)
{
	unsigned long n;

	if (parse_uint(v, 0, 100, &n))
		return bad(err, errlen, "DELETE_GUARD_PERCENT", v, "0..100 (100: never hold)");
	cfg->guard_percent = (unsigned)n;
	return 0;
}

static int set_guard_min(struct config *cfg, const char *v, char *err, size_t errlen)
{
	unsigned long n;

	if (parse_uint(v, 0, 1000000, &n))
		return bad(err, errlen, "DELETE_GUARD_MIN", v, "0..1000000");
	cfg->guard_min = (unsigned)n;
	return 0;
}

static int set_max_payload(struct config *cfg, const char *v, char *err, size_t errlen)
{
	unsigned long n;

	if (parse_uint(v, 256, 16 << 20, &n))
		return bad(err, errlen, "MAX_PAYLOAD_BYTES", v, "256..16777216");
	cfg->max_payload = n;
	return 0;
}

static int set_max_objects(struct config *cfg, const char *v, char *err, size_t errlen)
{
	unsigned long n;

	if (parse_uint(v, 1, 1000000, &n))
		return bad(err, errlen, "MAX_OBJECTS", v, "1..1000000");
	cfg->max_objects = n;
	return 0;
}

static int set_log_level(struct config *cfg, const char *v, char *err, size_t errlen)
{
	if (log_level_parse(v, &cfg->log_level))
		return bad(err, errlen, "LOG_LEVEL", v, "debug, info, warn, error");
	return 0;
}

/* Plain HTTP only where no one else is on the path: a loopback host. */
static bool url_loopback(const char *v)
{
	const char *auth = v + strlen("http://"), *cls;
	struct endpoint_parts p;
	uint8_t addr[16];
	bool ok;

	if (endpoint_split(auth, strcspn(auth, "/?#"), &p))
		return false;
	if (!p.bracketed && p.host_n == strlen("localhost") && !strncmp(p.host, "localhost", 9))
		return true;
	ok = p.bracketed ? address_parse_v6(p.host, p.host_n, addr) :
			   address_parse_v4(p.host, p.host_n, addr);
	cls = ok ? address_class(p.bracketed ? AF_INET6 : AF_INET, addr) : NULL;
	return cls && !strcmp(cls, "loopback");
}

static int set_controller(struct config *cfg, const char *v, char *err, size_t errlen)
{
	if (strncmp(v, "https://", 8) && (strncmp(v, "http://", 7) || !url_loopback(v)))
		return bad(err, errlen, "CONTROLLER_URL", v, "https:// URL, or http:// to a loopback "
			   "address (127.0.0.0/8, [::1], localhost) only");
	return set_str(&cfg->controller_url, v);
}

static int set_mesh_network(struct config *cfg, const char *v, char *err, size_t errlen)
{
	struct cidr_list l = { 0 };
	char why[ERR_LEN / 2];
	int ret;

	ret = cidr_list_parse(&l, v, why, sizeof(why));
	if (!ret && l.n != 1)
		ret = bad(err, errlen, "MESH_NETWORK", v, "one network, e.g. 10.50.0.0/16");
	else if (ret)
		snprintf(err, errlen, "MESH_NETWORK: %s", why);
	else
		ret = mesh_policy_network_check("MESH_NETWORK", &l.v[0], err, errlen);
	if (!ret)
		cfg->mesh_network = l.v[0];
	cidr_list_free(&l);
	return ret;
}

static int set_join_token(struct config *cfg, const char *v, char *err, size_t errlen)
{
	return set_str(&cfg->join_token, v);
}

static int set_controller_ca(struct config *cfg, const char *v, char *err, size_t errlen)
{
	return set_str(&cfg->controller_ca_file, v);
}

static int set_wg_backend(struct config *cfg, const char *v, char *err, size_t errlen)
{
	if (strcmp(v, "auto") && strcmp(v, "kernel") && strcmp(v, "userspace"))
		return bad(err, errlen, "WG_BACKEND", v, "auto, kernel, userspace");
	return set_str(&cfg->wg_backend, v);
}

static int set_wg_conf(struct config *cfg, const char *v, char *err, size_t errlen)
{
	if (v[0] && v[0] != '/')
		return bad(err, errlen, "WG_CONF", v, "an absolute path, or empty for none");
	return set_str(&cfg->wg_conf, v);
}

static int set_wg_go_path(struct config *cfg, const char *v, char *err, size_t errlen)
{
	if (v[0] != '/')
		return bad(err, errlen, "WG_GO_PATH", v, "an absolute path (it is never looked up in PATH)");
	return set_str(&cfg->wg_go_path, v);
}

static int set_wg_endpoint(struct config *cfg, const char *v, char *err, size_t errlen)
{
	struct wg_endpoint ep;

	if (*v && endpoint_parse(v, strlen(v), 0, &ep))
		return bad(err, errlen, "WG_ENDPOINT", v, ENDPOINT_ACCEPTED);
	return set_str(&cfg->wg_endpoint, v);
}

static int set_join_refresh(struct config *cfg, const char *v, char *err, size_t errlen)
{
	unsigned long n;

	if (parse_uint(v, 1, 86400, &n))
		return bad(err, errlen, "JOIN_REFRESH_S", v, "1..86400");
	cfg->join_refresh_s = (unsigned)n;
	return 0;
}

static int set_metrics_interval(struct config *cfg, const char *v, char *err, size_t errlen)
{
	unsigned long n;

	if (parse_uint(v, 0, 86400, &n))
		return bad(err, errlen, "METRICS_INTERVAL_S", v, "0 (off)..86400");
	cfg->metrics_interval_s = (unsigned)n;
	return 0;
}

static int set_metrics_listen(struct config *cfg, const char *v, char *err, size_t errlen)
{
	if (!v[0]) {
		free(cfg->metrics_listen);
		cfg->metrics_listen = NULL;
		return 0;
	}
	return set_str(&cfg->metrics_listen, v);
}

static int set_forward_mark(struct config *cfg, const char *v, char *err, size_t errlen)
{
	if (coexist_mark_parse(v, &cfg->forward_mark, &cfg->forward_mark_mask))
		return bad(err, errlen, "FORWARD_MARK", v,
			   "a non-zero mark, optionally /mask, within its mask: 0x2000 or 0x2000/0xf000");
	return 0;
}

static int set_coexist(struct config *cfg, const char *v, char *err, size_t errlen)
{
	enum coexist_mode m;

	if (coexist_mode_parse(v, &m))
		return bad(err, errlen, "COEXIST", v, "auto, report, off");
	cfg->coexist_mode = (int)m;
	return 0;
}

static const struct option_def options[] = {
	{ "NODE_ID", "node-id", NULL, "this node's id (required)", set_node },
	{ "EDGE_GROUPS", "groups", "", "groups to follow too, in precedence order", set_groups },
	{ "MQTT_URL", "mqtt-url", "mqtt://127.0.0.1:1883", "brokers, mqtt:// or mqtts://, comma-separated in order of preference", set_mqtt_url },
	{ "MQTT_USERNAME", "mqtt-username", NULL, "broker user name", set_username },
	{ "MQTT_PASSWORD", "mqtt-password", NULL, "broker password", set_password },
	{ "MQTT_PASSWORD_FILE", "mqtt-password-file", NULL, "file holding the broker password", set_password_file },
	{ "MQTT_CA_FILE", "mqtt-ca-file", NULL, "CA bundle for mqtts:// (default: system CAs)", set_ca_file },
	{ "MQTT_FAILBACK_S", "mqtt-failback-s", "60", "on a later broker, move back to an earlier one once it has answered this long", set_failback },
	{ "MQTT_PROTOCOL", "mqtt-protocol", "auto", "auto (5, falling back to 3.1.1), 5, 3.1.1", set_protocol },
	{ "TOPIC_PREFIX", "topic-prefix", "edge", "first level of every topic", set_prefix },
	{ "DATA_DIR", "data-dir", "/data", "state cache and keys", set_data_dir },
	{ "TRAEFIK_DYNAMIC_DIR", "traefik-dynamic-dir", "/etc/traefik/dynamic", "Traefik file-provider directory", set_traefik_dir },
	{ "TRAEFIK_ENTRYPOINT", "traefik-entrypoint", "websecure", "default route entrypoint", set_entrypoint },
	{ "TRAEFIK_CERTRESOLVER", "traefik-certresolver", "", "default cert resolver (empty: tls {})", set_certresolver },
	{ "TRAEFIK_TLS", "traefik-tls", "router", "where route TLS lives: router (tls on each router), entrypoint (the entrypoint's)", set_tls },
	{ "TRAEFIK_HTTP_ENTRYPOINT", "traefik-http-entrypoint", "web", "plain-HTTP entrypoint of redirect_https routers", set_http_entrypoint },
	{ "WG_IFACE", "wg-iface", "wg0", "WireGuard interface: masquerade and MSS clamp", set_wg_iface },
	{ "WG_LISTEN_PORT", "wg-listen-port", "51820", "WireGuard port (reserved for forwards)", set_wg_port },
	{ "NFT_TABLE", "nft-table", "edge_agent", "the one nftables table (inet) the agent owns", set_nft_table },
	{ "FORWARD_MARK", "forward-mark", "0x2000", "mark of forwarded packets (value[/mask]), accepted in Docker's DOCKER-USER", set_forward_mark },
	{ "COEXIST", "coexist", "auto", "other firewalls on the forward hook: auto, report, off", set_coexist },
	{ "ALLOWED_TARGETS", "allowed-targets", NULL, "CIDRs targets must be in (default RFC 1918)", set_allowed },
	{ "RESERVED_PORTS", "reserved-ports", NULL, "public ports refused (default 22,80,443,MQTT,WG)", set_reserved },
	{ "SYNC_QUIET_MS", "sync-quiet-ms", "1000", "quiet period ending the retained replay", set_quiet },
	{ "SYNC_SWEEP", "sync-sweep", "on", "remove objects a resync did not re-deliver (off: only deletes and tombstones remove, for brokers that replicate retained messages late)", set_sweep },
	{ "PRESERVE_SOURCE_TUNNEL", "preserve-source-tunnel", "on", "with the mesh managed here: the VXLAN tunnel edge-pst that carries preserve_source forwards between mesh nodes, as edge and as target (README)", set_pst_tunnel },
	{ "DELETE_GUARD_PERCENT", "delete-guard-percent", "50", "hold a resync that would remove more than this % of objects", set_guard_percent },
	{ "DELETE_GUARD_MIN", "delete-guard-min", "10", "...and more than this many (then confirm on <prefix>/<node>/confirm)", set_guard_min },
	{ "MAX_PAYLOAD_BYTES", "max-payload-bytes", "65536", "largest accepted payload", set_max_payload },
	{ "MAX_OBJECTS", "max-objects", "50000", "most routes and forwards (by kind and id) the node holds", set_max_objects },
	{ "METRICS_INTERVAL_S", "metrics-interval-s", "60", "publish metrics to <prefix>/<node>/metrics this often (0: off)", set_metrics_interval },
	{ "METRICS_LISTEN", "metrics-listen", NULL, "serve Prometheus metrics on this loopback address, e.g. 127.0.0.1:9108", set_metrics_listen },
	{ "LOG_LEVEL", "log-level", "info", "debug, info, warn, error", set_log_level },
	{ "CONTROLLER_URL", "controller-url", NULL, "mesh controller (join): https://, or http:// to loopback", set_controller },
	{ "MESH_NETWORK", "mesh-network", NULL, "the mesh network, private, /8../30 (default: pinned at the first join)", set_mesh_network },
	{ "JOIN_TOKEN", "join-token", NULL, "join token sent as X-Join-Token", set_join_token },
	{ "CONTROLLER_CA_FILE", "controller-ca-file", NULL, "CA bundle for an https:// controller (default: system CAs)", set_controller_ca },
	{ "WG_BACKEND", "wg-backend", "auto", "auto (kernel when available), kernel, userspace", set_wg_backend },
	{ "WG_CONF", "wg-conf", NULL, "wg-quick file written for operators [/etc/wireguard/<WG_IFACE>.conf]; empty: none", set_wg_conf },
	{ "JOIN_REFRESH_S", "join-refresh-s", "600", "re-join the controller this often (peer changes)", set_join_refresh },
	{ "WG_ENDPOINT", "wg-endpoint", NULL, "ip:port peers reach this node at (sent with the join)", set_wg_endpoint },
	{ "WG_GO_PATH", "wg-go-path", "/usr/bin/wireguard-go", "the wireguard-go program for the userspace backend (absolute path)", set_wg_go_path },
};

#define N_OPTIONS (sizeof(options) / sizeof(options[0]))

void config_usage(FILE *out)
{
	fprintf(out, "usage: edge-agent [--flag value ...]\n"
		     "Every flag can also be set by its environment variable.\n\n");
	for (size_t i = 0; i < N_OPTIONS; i++) {
		const struct option_def *o = &options[i];
		fprintf(out, "  --%-22s %-21s %s", o->flag, o->env, o->help);
		if (o->def && o->def[0])
			fprintf(out, " [%s]", o->def);
		fputc('\n', out);
	}
	fprintf(out, "  --%-22s %-21s %s\n  --%-22s %-21s %s\n", "help", "", "this text",
		"version", "", "print the version");
}

static const struct option_def *option_find(const char *flag, size_t len)
{
	for (size_t i = 0; i < N_OPTIONS; i++)
		if (strlen(options[i].flag) == len && strncmp(options[i].flag, flag, len) == 0)
			return &options[i];
	return NULL;
}

static int option_set(struct config *cfg, const struct option_def *o, const char *v,
		      char *err, size_t errlen)
{
	int ret = o->set(cfg, v, err, errlen);

	if (ret == -ENOMEM)
		snprintf(err, errlen, "%s: out of memory", o->env);
	return ret;
}

static int config_defaults(struct config *cfg, char *err, size_t errlen)
{
	int ret;

	memset(cfg, 0, sizeof(*cfg));
	cfg->log_level = LOG_INFO;
	for (size_t i = 0; i < N_OPTIONS; i++) {
		if (!options[i].def)
			continue;
		ret = option_set(cfg, &options[i], options[i].def, err, errlen);
		if (ret)
			return ret;
	}
	return 0;
}

static int reserved_defaults(struct config *cfg)
{
	uint16_t ports[4 + MAX_BROKERS] = { 22, 80, 443 };
	size_t n = 3;

	for (size_t i = 0; i < cfg->brokers.n; i++)
		ports[n++] = (uint16_t)cfg->brokers.v[i].port;
	ports[n++] = (uint16_t)cfg->wg_listen_port;
	cfg->n_reserved = 0;
	for (size_t i = 0; i < n; i++) {
		bool dup = false;
		for (size_t j = 0; j < cfg->n_reserved; j++)
			dup |= cfg->reserved[j] == ports[i];
		if (!dup)
			cfg->reserved[cfg->n_reserved++] = ports[i];
	}
	return 0;
}

int config_load(struct config *cfg, int argc, char **argv, char *err, size_t errlen)
{
	bool reserved_set = false;
	int ret;

	ret = config_defaults(cfg, err, errlen);
	if (ret)
		return ret;
	for (size_t i = 0; i < N_OPTIONS; i++) {
		const char *v = getenv(options[i].env);
		if (!v)
			continue;
		ret = option_set(cfg, &options[i], v, err, errlen);
		if (ret)
			return ret;
		reserved_set |= options[i].set == set_reserved;
	}
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i], *eq, *v;
		const struct option_def *o;

		if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
			config_usage(stdout);
			return 1;
		}
		if (strcmp(arg, "--version") == 0) {
			printf("edge-agent %s\n", EDGE_VERSION);
			return 1;
		}
		if (strncmp(arg, "--", 2)) {
			snprintf(err, errlen, "unexpected argument \"%s\" (see --help)", arg);
			return -EINVAL;
		}
		eq = strchr(arg + 2, '=');
		o = option_find(arg + 2, eq ? (size_t)(eq - arg - 2) : strlen(arg + 2));
		if (!o) {
			snprintf(err, errlen, "unknown flag \"%s\" (see --help)", arg);
			return -EINVAL;
		}
		if (eq) {
			v = eq + 1;
		} else if (i + 1 < argc) {
			v = argv[++i];
		} else {
			snprintf(err, errlen, "flag --%s needs a value", o->flag);
			return -EINVAL;
		}
		ret = option_set(cfg, o, v, err, errlen);
		if (ret)
			return ret;
		reserved_set |= o->set == set_reserved;
	}
	if (!cfg->node_id[0]) {
		snprintf(err, errlen, "NODE_ID is required (accepted: [a-z0-9][a-z0-9_-]{0,62})");
		return -EINVAL;
	}
	for (size_t i = 0; i < cfg->n_groups; i++) {
		if (strcmp(cfg->groups[i], cfg->node_id) == 0) {
			snprintf(err, errlen, "EDGE_GROUPS \"%s\" is the NODE_ID (accepted: groups other than the node)",
				 cfg->groups[i]);
			return -EINVAL;
		}
	}
	if (cfg->controller_url && (!cfg->join_token || !cfg->join_token[0])) {
		snprintf(err, errlen, "JOIN_TOKEN is required with CONTROLLER_URL");
		return -EINVAL;
	}
	if (cfg->join_token && strpbrk(cfg->join_token, "\r\n")) {
		snprintf(err, errlen, "JOIN_TOKEN contains a line break (accepted: one line)");
		return -EINVAL;
	}
	if (!reserved_set)
		reserved_defaults(cfg);
	cfg->reserved_set = reserved_set;
	log_threshold = cfg->log_level;
	return 0;
}

void config_free(struct config *cfg)
{
	free(cfg->mqtt_username);
	free(cfg->mqtt_password);
	free(cfg->mqtt_ca_file);
	free(cfg->data_dir);
	free(cfg->traefik_dir);
	free(cfg->traefik_entrypoint);
	free(cfg->traefik_certresolver);
	free(cfg->traefik_http_entrypoint);
	free(cfg->controller_url);
	free(cfg->join_token);
	free(cfg->controller_ca_file);
	free(cfg->wg_backend);
	free(cfg->wg_conf);
	free(cfg->wg_endpoint);
	free(cfg->wg_go_path);
	free(cfg->metrics_listen);
	cidr_list_free(&cfg->allowed);
	memset(cfg, 0, sizeof(*cfg));
}

static int port_cmp(const void *a, const void *b)
{
	return (int)*(const uint16_t *)a - (int)*(const uint16_t *)b;
}

int config_policy(const struct config *cfg, struct policy *pol)
{
	char err[128];
	int ret;

	memset(pol, 0, sizeof(*pol));
	if (cfg->allowed_set) {
		for (size_t i = 0; i < cfg->allowed.n; i++) {
			ret = cidr_list_add(&pol->allowed, &cfg->allowed.v[i]);
			if (ret)
				return ret;
		}
	} else {
		ret = cidr_list_parse(&pol->allowed, "10.0.0.0/8,172.16.0.0/12,192.168.0.0/16",
				      err, sizeof(err));
		if (ret)
			return ret;
	}
	pol->reserved = malloc(sizeof(uint16_t) * (cfg->n_reserved ? cfg->n_reserved : 1));
	if (!pol->reserved)
		return -ENOMEM;
	memcpy(pol->reserved, cfg->reserved, sizeof(uint16_t) * cfg->n_reserved);
	pol->n_reserved = cfg->n_reserved;
	qsort(pol->reserved, pol->n_reserved, sizeof(uint16_t), port_cmp);
	pol->entrypoint = cfg->traefik_entrypoint;
	pol->certresolver = cfg->traefik_certresolver;
	pol->tls = cfg->traefik_tls;
	pol->http_entrypoint = cfg->traefik_http_entrypoint;
	pol->max_payload = cfg->max_payload;
	return 0;
}
