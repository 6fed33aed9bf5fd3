/* Configuration: environment and flags, defaults, and errors naming the variable. */
#include <errno.h>
#include <stdlib.h>

#include "check.h"
#include "config.h"
#include "payload.h"

static const char *vars[] = { "NODE_ID", "EDGE_GROUPS", "MQTT_URL", "RESERVED_PORTS",
	"ALLOWED_TARGETS", "WG_IFACE", "NFT_TABLE", "LOG_LEVEL", "SYNC_QUIET_MS",
	"TRAEFIK_DYNAMIC_DIR", "MQTT_PASSWORD_FILE", "TRAEFIK_CERTRESOLVER", "CONTROLLER_URL", "JOIN_TOKEN", "MESH_NETWORK", "WG_ENDPOINT",
	"TRAEFIK_TLS", "TRAEFIK_HTTP_ENTRYPOINT", "SYNC_SWEEP", "PRESERVE_SOURCE_TUNNEL", NULL };

static int load(struct config *cfg, char *err, int argc, char **argv)
{
	config_free(cfg);
	return config_load(cfg, argc, argv, err, 256);
}

static void env_reset(void)
{
	for (int i = 0; vars[i]; i++)
		unsetenv(vars[i]);
}

static void bad_env(const char *name, const char *var, const char *val, const char *want)
{
	struct config cfg = { 0 };
	char err[256] = "";

	env_reset();
	setenv("NODE_ID", "gw1", 1);
	setenv(var, val, 1);
	CHECK(name, load(&cfg, err, 0, NULL) == -EINVAL);
	CHECK_STR(name, err, want);
	config_free(&cfg);
}

int main(void)
{
	struct config cfg = { 0 };
	char err[256] = "";
	char *argv[] = { "edge-agent", "--node-id", "gw2", "--groups=fleet,eu", "--mqtt-url",
			 "mqtts://broker.example.net", "--log-level", "warn", NULL };

	env_reset();
	setenv("NODE_ID", "gw1", 1);
	setenv("JOIN_TOKEN", "t", 1);
	for (const char *const *u = (const char *const[]){ "https://ctl.example.net",
	     "http://127.0.0.1:9000/", "http://127.9.9.9", "http://[::1]:80/x", "http://localhost:8080",
	     NULL }; *u; u++) {
		setenv("CONTROLLER_URL", *u, 1);
		CHECK(*u, load(&cfg, err, 0, NULL) == 0 && !strcmp(cfg.controller_url, *u));
	}
	setenv("MESH_NETWORK", "100.64.0.0/16", 1);
	CHECK("MESH_NETWORK accepted", load(&cfg, err, 0, NULL) == 0 && cfg.mesh_network.prefix == 16);
	env_reset();
	CHECK("NODE_ID is required", load(&cfg, err, 0, NULL) == -EINVAL);
	CHECK_STR("missing NODE_ID message", err, "NODE_ID is required (accepted: [a-z0-9][a-z0-9_-]{0,62})");

	setenv("NODE_ID", "gw1", 1);
	CHECK("defaults load", load(&cfg, err, 0, NULL) == 0);
	CHECK_STR("default broker", cfg.brokers.v[0].host, "127.0.0.1");
	CHECK("default port, one broker", cfg.brokers.v[0].port == 1883 && !cfg.brokers.v[0].tls &&
	      cfg.brokers.n == 1);
	CHECK("default failback 60 s", cfg.mqtt_failback_s == 60);
	CHECK_STR("default data dir", cfg.data_dir, "/data");
	CHECK_STR("default entrypoint", cfg.traefik_entrypoint, "websecure");
	CHECK("no default resolver", cfg.traefik_certresolver == NULL);
	CHECK("default TLS on the router", cfg.traefik_tls == ROUTE_TLS_ROUTER);
	CHECK_STR("default HTTP entrypoint", cfg.traefik_http_entrypoint, "web");
	CHECK_STR("default wg iface", cfg.wg_iface, "wg0");
	CHECK_STR("default table", cfg.nft_table, "edge_agent");
	CHECK("default reserved ports 22,80,443,mqtt,wg", cfg.n_reserved == 5 && cfg.reserved[3] == 1883 &&
	      cfg.reserved[4] == 51820);
	CHECK("default quiet period", cfg.sync_quiet_ms == 1000);
	CHECK("the preserve_source tunnel on by default", cfg.pst_tunnel && cfg.sync_sweep);

	CHECK("flags override env", load(&cfg, err, 8, argv) == 0);
	CHECK_STR("flag node id", cfg.node_id, "gw2");
	CHECK("flag groups", cfg.n_groups == 2 && !strcmp(cfg.groups[1], "eu"));
	CHECK("mqtts default port 8883", cfg.brokers.v[0].tls && cfg.brokers.v[0].port == 8883);
	CHECK("reserved follows the MQTT port", cfg.reserved[3] == 8883);
	CHECK("log level", cfg.log_level == LOG_WARN);

	setenv("RESERVED_PORTS", "22, 2222", 1);
	CHECK("explicit reserved ports", load(&cfg, err, 0, NULL) == 0 && cfg.n_reserved == 2 &&
	      cfg.reserved[1] == 2222);
	unsetenv("RESERVED_PORTS");
	setenv("MQTT_URL", "mqtt://[::1]:1884", 1);
	CHECK("IPv6 broker", load(&cfg, err, 0, NULL) == 0 && !strcmp(cfg.brokers.v[0].host, "::1") &&
	      cfg.brokers.v[0].port == 1884);
	setenv("MQTT_URL", "mqtt://a.example:1884, mqtt://b.example ,mqtt://[::1]:1885/", 1);
	CHECK("broker list in order", load(&cfg, err, 0, NULL) == 0 && cfg.brokers.n == 3 &&
	      !strcmp(cfg.brokers.v[0].host, "a.example") && !strcmp(cfg.brokers.v[1].host, "b.example") &&
	      cfg.brokers.v[1].port == 1883 && !strcmp(cfg.brokers.v[2].host, "::1") &&
	      cfg.brokers.v[2].port == 1885);
	CHECK("every broker port reserved", cfg.n_reserved == 7 && cfg.reserved[3] == 1884 &&
	      cfg.reserved[4] == 1883 && cfg.reserved[5] == 1885 && cfg.reserved[6] == 51820);
	const char *bad_lists[][2] = {
		{ "mqtt://a,", "entry 2 is empty" },
		{ "mqtt://a,,mqtt://b", "entry 2 is empty" },
		{ "mqtt://a,http://b", "entry 2 \"http://b\" is not mqtt://host[:port] or mqtts://host[:port]" },
		{ "mqtt://a,mqtts://b", "entry 2 mixes mqtt:// and mqtts:// (one TLS setting serves all brokers)" },
		{ "mqtt://a:1883,mqtt://a", "entry 2 repeats entry 1" },
		{ "mqtt://a:0,mqtt://b", "entry 1 \"mqtt://a:0\" is not mqtt://host[:port] or mqtts://host[:port]" },
		{ "mqtt://::1,mqtt://b", "entry 1 \"mqtt://::1\" is not mqtt://host[:port] or mqtts://host[:port]" },
		{ "mqtt://b,mqtt://u@a", "entry 2 \"mqtt://u@a\" is not mqtt://host[:port] or mqtts://host[:port]" },
		{ "mqtt://a,mqtt://b,mqtt://c,mqtt://d,mqtt://e,mqtt://f,mqtt://g,mqtt://h,mqtt://i",
		  "more than 8 brokers" },
	};
	for (size_t i = 0; i < sizeof(bad_lists) / sizeof(bad_lists[0]); i++) {
		char want[512], q[96];
		setenv("MQTT_URL", bad_lists[i][0], 1);
		payload_quote(q, sizeof(q), bad_lists[i][0], strlen(bad_lists[i][0]));
		snprintf(want, sizeof(want), "MQTT_URL %s is invalid: %s (accepted: mqtt://host[:port] or "
			 "mqtts://host[:port]; several, comma-separated, are tried in order)", q, bad_lists[i][1]);
		CHECK("bad broker list refused", load(&cfg, err, 0, NULL) == -EINVAL);
		CHECK_STR(bad_lists[i][0], err, want);
	}
	unsetenv("MQTT_URL");
	setenv("MQTT_FAILBACK_S", "0", 1);
	CHECK("failback 0 refused", load(&cfg, err, 0, NULL) == -EINVAL);
	CHECK_STR("failback message", err, "MQTT_FAILBACK_S \"0\" is invalid (accepted: 1..86400 seconds)");
	unsetenv("MQTT_FAILBACK_S");

	char *unknown[] = { "edge-agent", "--frobnicate", "1", NULL };
	CHECK("unknown flag", load(&cfg, err, 3, unknown) == -EINVAL);
	CHECK_STR("unknown flag message", err, "unknown flag \"--frobnicate\" (see --help)");
	char *noval[] = { "edge-agent", "--node-id", NULL };
	CHECK("flag without value", load(&cfg, err, 2, noval) == -EINVAL);

	bad_env("bad NODE_ID", "NODE_ID", "GW1", "NODE_ID \"GW1\" is invalid (accepted: [a-z0-9][a-z0-9_-]{0,62})");
	bad_env("bad MQTT_URL", "MQTT_URL", "http://x", "MQTT_URL \"http://x\" is invalid (accepted: mqtt://host[:port] or mqtts://host[:port]; several, comma-separated, are tried in order)");
	bad_env("bad MQTT_URL port", "MQTT_URL", "mqtt://x:70000", "MQTT_URL \"mqtt://x:70000\" is invalid (accepted: mqtt://host[:port] or mqtts://host[:port]; several, comma-separated, are tried in order)");
	bad_env("bad WG_ENDPOINT", "WG_ENDPOINT", "gw.example.com:51820", "WG_ENDPOINT \"gw.example.com:51820\" is invalid (accepted: IPv4:port or [IPv6]:port)");
	bad_env("WG_ENDPOINT port", "WG_ENDPOINT", "203.0.113.5:0", "WG_ENDPOINT \"203.0.113.5:0\" is invalid (accepted: IPv4:port or [IPv6]:port)");
	bad_env("bad PRESERVE_SOURCE_TUNNEL", "PRESERVE_SOURCE_TUNNEL", "yes",
		"PRESERVE_SOURCE_TUNNEL \"yes\" is invalid (accepted: on, off)");
	bad_env("bad SYNC_SWEEP", "SYNC_SWEEP", "1", "SYNC_SWEEP \"1\" is invalid (accepted: on, off)");
	bad_env("bad group", "EDGE_GROUPS", "fleet,Eu", "EDGE_GROUPS \"Eu\" is invalid (accepted: comma-separated [a-z0-9][a-z0-9_-]{0,62})");
	bad_env("duplicate group", "EDGE_GROUPS", "a,a", "EDGE_GROUPS \"a\" is invalid (accepted: each group once)");
	bad_env("group equals node", "EDGE_GROUPS", "gw1", "EDGE_GROUPS \"gw1\" is the NODE_ID (accepted: groups other than the node)");
	bad_env("too many groups", "EDGE_GROUPS", "a,b,c,d,e,f,g,h,i", "EDGE_GROUPS \"a,b,c,d,e,f,g,h,i\" is invalid (accepted: at most 8 groups)");
	bad_env("bad reserved port", "RESERVED_PORTS", "22,0", "RESERVED_PORTS \"0\" is invalid (accepted: comma-separated ports 1..65535, at most 64)");
	bad_env("bad WG_IFACE", "WG_IFACE", "wg0;rm", "WG_IFACE \"wg0;rm\" is invalid (accepted: [A-Za-z0-9_.-]{1,15})");
	bad_env("bad NFT_TABLE", "NFT_TABLE", "1abc", "NFT_TABLE \"1abc\" is invalid (accepted: [a-z][a-z0-9_]{0,31})");
	bad_env("keyword NFT_TABLE", "NFT_TABLE", "inet", "NFT_TABLE \"inet\" is invalid (accepted: a name that is not an nft keyword)");
	bad_env("bad LOG_LEVEL", "LOG_LEVEL", "loud", "LOG_LEVEL \"loud\" is invalid (accepted: debug, info, warn, error)");
	bad_env("bad SYNC_QUIET_MS", "SYNC_QUIET_MS", "-1", "SYNC_QUIET_MS \"-1\" is invalid (accepted: 0..600000)");
	bad_env("relative dynamic dir", "TRAEFIK_DYNAMIC_DIR", "dyn", "TRAEFIK_DYNAMIC_DIR \"dyn\" is invalid (accepted: an absolute path)");
	bad_env("missing password file", "MQTT_PASSWORD_FILE", "/nonexistent/pw", "MQTT_PASSWORD_FILE /nonexistent/pw: No such file or directory");
	bad_env("plain HTTP controller off loopback", "CONTROLLER_URL", "http://10.0.0.1:9000",
		"CONTROLLER_URL \"http://10.0.0.1:9000\" is invalid (accepted: https:// URL, or http:// "
		"to a loopback address (127.0.0.0/8, [::1], localhost) only)");
	bad_env("plain HTTP controller: loopback as userinfo", "CONTROLLER_URL",
		"http://127.0.0.1@evil.example:80/", "CONTROLLER_URL \"http://127.0.0.1@evil.example:80/\" "
		"is invalid (accepted: https:// URL, or http:// to a loopback address (127.0.0.0/8, "
		"[::1], localhost) only)");
	bad_env("plain HTTP controller: loopback-looking name", "CONTROLLER_URL",
		"http://127.0.0.1.nip.io/", "CONTROLLER_URL \"http://127.0.0.1.nip.io/\" is invalid "
		"(accepted: https:// URL, or http:// to a loopback address (127.0.0.0/8, [::1], "
		"localhost) only)");
	bad_env("public mesh network", "MESH_NETWORK", "8.0.0.0/8", "MESH_NETWORK \"8.0.0.0/8\" is "
		"not private space (accepted: a network inside 10.0.0.0/8, 172.16.0.0/12, "
		"192.168.0.0/16, 100.64.0.0/10 or fc00::/7)");
	bad_env("mesh network /31", "MESH_NETWORK", "10.50.0.0/31", "MESH_NETWORK \"10.50.0.0/31\" "
		"has a prefix length outside /8 to /30 (accepted: /8 to /30)");
	bad_env("mesh network list", "MESH_NETWORK", "10.0.0.0/8,192.168.0.0/16", "MESH_NETWORK "
		"\"10.0.0.0/8,192.168.0.0/16\" is invalid (accepted: one network, e.g. 10.50.0.0/16)");
	bad_env("bad TRAEFIK_TLS", "TRAEFIK_TLS", "both", "TRAEFIK_TLS \"both\" is invalid (accepted: router, entrypoint)");
	bad_env("bad TRAEFIK_HTTP_ENTRYPOINT", "TRAEFIK_HTTP_ENTRYPOINT", "web,x", "TRAEFIK_HTTP_ENTRYPOINT \"web,x\" is invalid (accepted: [A-Za-z0-9][A-Za-z0-9_-]{0,62})");
	bad_env("bad resolver", "TRAEFIK_CERTRESOLVER", "le{{", "TRAEFIK_CERTRESOLVER \"le{{\" is invalid (accepted: [A-Za-z0-9][A-Za-z0-9_-]{0,62})");
	{
		struct config c2 = { 0 };
		env_reset();
		setenv("NODE_ID", "gw1", 1);
		setenv("ALLOWED_TARGETS", "10.0.0.1/8", 1);
		CHECK("bad ALLOWED_TARGETS refused", load(&c2, err, 0, NULL) == -EINVAL);
		CHECK("ALLOWED_TARGETS error names the variable", strncmp(err, "ALLOWED_TARGETS", 15) == 0);
		config_free(&c2);
	}
	config_free(&cfg);
	return CHECK_DONE();
}
