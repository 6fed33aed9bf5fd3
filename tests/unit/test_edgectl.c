/* edgectl's pure parts: arguments, payloads and local checks, status matching, ls/status. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "cli.h"
#include "ctl.h"
#include "fleet.h"
#include "spec.h"
#include "table.h"
#include "topic.h"
#include "view.h"
#include "watch.h"

#define ARGV(...) ((char *[]){ "edgectl", __VA_ARGS__, NULL })
#define ARGC(...) ((int)(sizeof((char *[]){ "edgectl", __VA_ARGS__ }) / sizeof(char *)))
#define PARSE(a, err, ...) cli_args_parse(a, ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), err, sizeof(err))

static void test_args(void)
{
	struct ctl_args a;
	char err[512] = "";
	int ret;

	ret = PARSE(&a, err, "route", "put", "gw1", "vm-1", "--host", "a.example.com",
		    "--target=http://10.0.0.1:80", "--certresolver", "le", "--timeout", "2.5",
		    "--mqtt-url", "mqtt://127.0.0.1:1884", "--json");
	CHECK("args: route put parses", ret == 0 && a.cmd == CMD_PUT && a.kind == KIND_ROUTE);
	CHECK_STR("args: target", a.target, "gw1");
	CHECK_STR("args: id", a.id, "vm-1");
	CHECK_STR("args: --target=value form", a.url, "http://10.0.0.1:80");
	CHECK("args: --timeout in ms, rounded up", a.timeout_ms == 2500 && a.json);
	CHECK("args: one broker flag kept", a.mqtt_argc == 1);
	CHECK_STR("args: broker flag rewritten for config_load", a.mqtt_argv[0],
		  "--mqtt-url=mqtt://127.0.0.1:1884");
	cli_args_free(&a);

	ret = PARSE(&a, err, "forward", "rm", "fleet", "f1", "--node", "gw1", "--no-wait");
	CHECK("args: forward rm --node --no-wait", ret == 0 && a.cmd == CMD_RM &&
	      a.kind == KIND_FORWARD && !strcmp(a.node, "gw1") && a.no_wait &&
	      a.timeout_ms == TIMEOUT_DEFAULT_MS);
	ret = PARSE(&a, err, "status");
	CHECK("args: status without a node", ret == 0 && a.cmd == CMD_STATUS && !a.target[0]);
	ret = PARSE(&a, err, "ls", "gw1", "--json");
	CHECK("args: ls", ret == 0 && a.cmd == CMD_LS && a.json && !strcmp(a.target, "gw1"));
	ret = PARSE(&a, err, "route", "rm", "gw1", "x", "--help");
	CHECK("args: --help anywhere", ret == 0 && a.cmd == CMD_HELP);

	ret = PARSE(&a, err, "route", "put", "GW1", "x", "--host", "a.b", "--target", "http://10.0.0.1");
	CHECK("args: bad node is a rejection (2)", ret == EXIT_REJECTED);
	CHECK_STR("args: bad node message", err,
		  "node or group \"GW1\" does not match [a-z0-9][a-z0-9_-]{0,62}");
	ret = PARSE(&a, err, "forward", "put", "gw1", "-x", "--port", "1", "--to", "10.0.0.1:1");
	CHECK("args: bad id is a rejection (2)", ret == EXIT_REJECTED);
	CHECK_STR("args: bad id message", err, "forward \"-x\" does not match [a-z0-9][a-z0-9_-]{0,62}");
	ret = PARSE(&a, err, "route", "put", "gw1", "x", "--host", "a.b");
	CHECK("args: missing --target is a usage error (1)", ret == EXIT_ERROR);
	CHECK_STR("args: missing --target message", err, "route put needs --host and --target (or --with)");
	ret = PARSE(&a, err, "route", "put", "gw1", "x", "--host", "a.b", "--target", "u", "--udp");
	CHECK_STR("args: flag of another command", err, "flag --udp does not apply to this command");
	ret = PARSE(&a, err, "ls", "gw1", "--bogus");
	CHECK_STR("args: unknown flag", err, "unknown flag \"--bogus\" (see --help)");
	ret = PARSE(&a, err, "route", "rm", "gw1", "x", "--timeout", "0");
	CHECK_STR("args: timeout range", err,
		  "--timeout \"0\" is invalid (accepted: seconds, 0 < S <= 3600)");
	ret = PARSE(&a, err, "route", "rm", "gw1", "x", "--node");
	CHECK_STR("args: flag without value", err, "flag \"--node\" needs a value");
	ret = PARSE(&a, err, "route", "put", "gw1", "x", "--host", "a", "--target", "u",
		    "--certresolver", "le", "--no-certresolver");
	CHECK("args: --certresolver with --no-certresolver", ret == EXIT_ERROR);
	ret = PARSE(&a, err, "frob");
	CHECK_STR("args: unknown command", err, "unknown command \"frob\" (see --help)");
}

static int build(char **json, char *err, size_t errlen, char **argv, int argc)
{
	struct ctl_args a;
	int ret = cli_args_parse(&a, argc, argv, err, errlen);

	if (!ret)
		ret = spec_build(&a, json, err, errlen);
	cli_args_free(&a);
	return ret;
}

#define BUILD(json, err, ...) build(json, err, sizeof(err), ARGV(__VA_ARGS__), ARGC(__VA_ARGS__))

static void test_spec(void)
{
	char err[512] = "", *j = NULL;

	CHECK("spec: route", BUILD(&j, err, "route", "put", "gw1", "vm-1", "--host",
				   "vm-1.example.com", "--target", "http://10.50.0.12:8080") == 0);
	CHECK_STR("spec: route payload", j,
		  "{\"hostname\":\"vm-1.example.com\",\"target_url\":\"http://10.50.0.12:8080\"}");
	free(j);
	CHECK("spec: route, entrypoint, no resolver", BUILD(&j, err, "route", "put", "gw1", "r",
	      "--host", "a.example.com", "--target", "https://10.0.0.1/x", "--entrypoint", "web",
	      "--no-certresolver") == 0);
	CHECK_STR("spec: certresolver null", j, "{\"hostname\":\"a.example.com\",\"target_url\":"
		  "\"https://10.0.0.1/x\",\"entrypoint\":\"web\",\"certresolver\":null}");
	free(j);
	CHECK("spec: route --with", BUILD(&j, err, "route", "put", "gw1", "r", "--host",
	      "a.example.com", "--with", "{\"targets\":[{\"url\":\"http://10.0.0.2\",\"weight\":2}],"
	      "\"path_prefix\":\"/api\",\"rate_limit\":{\"average\":5}}") == 0);
	CHECK_STR("spec: --with fields join the payload", j, "{\"hostname\":\"a.example.com\","
		  "\"targets\":[{\"url\":\"http://10.0.0.2\",\"weight\":2}],\"path_prefix\":\"/api\","
		  "\"rate_limit\":{\"average\":5}}");
	free(j);
	j = NULL;
	CHECK("spec: passthrough --with", BUILD(&j, err, "route", "put", "gw1", "db", "--host",
	      "db.example.com", "--with", "{\"tls\":\"passthrough\",\"target\":\"10.0.0.2:5432\"}") == 0);
	free(j);
	j = NULL;
	BUILD(&j, err, "route", "put", "gw1", "r", "--host", "a.example.com", "--with", "[1]");
	CHECK_STR("spec: --with not an object", err, "route r: --with must be a JSON object");
	BUILD(&j, err, "route", "put", "gw1", "r", "--host", "a.example.com", "--with", "{\"x\"");
	CHECK_STR("spec: --with bad JSON", err, "route r: --with is not valid JSON: unexpected end "
		  "of data at offset 4");
	BUILD(&j, err, "route", "put", "gw1", "r", "--host", "a.example.com", "--target",
	      "http://10.0.0.1", "--with", "{\"basic_auth\":{\"users\":[\"bob:pw\"]}}");
	CHECK_STR("spec: --with checked by the agent's rules", err, "route r: basic_auth.users[0] "
		  "user \"bob\": the password is not a supported hash (accepted: bcrypt ($2a$, $2b$, "
		  "$2y$), apr1 ($apr1$) or {SHA}; plain passwords are refused; the value is not shown)");
	CHECK("spec: forward udp", BUILD(&j, err, "forward", "put", "gw1", "f", "--port", "22015",
					 "--to", "10.50.0.12:32215", "--udp") == 0);
	CHECK_STR("spec: forward payload", j, "{\"public_port\":22015,\"target_ip\":\"10.50.0.12\","
		  "\"target_port\":32215,\"proto\":\"udp\"}");
	free(j);

	/* node-side policy is not known here: reserved ports and other networks pass */
	CHECK("spec: reserved port is the node's business", BUILD(&j, err, "forward", "put", "gw1",
	      "f", "--port", "22", "--to", "192.0.2.7:22") == 0);
	free(j);
	j = NULL;

	/* refused with the agent's own words */
	CHECK("spec: port range", BUILD(&j, err, "forward", "put", "gw1", "f", "--port", "99999",
					"--to", "10.0.0.1:1") < 0 && !j);
	CHECK_STR("spec: port range message", err,
		  "forward f: public_port 99999 is out of range (accepted: 1..65535)");
	BUILD(&j, err, "forward", "put", "gw1", "f", "--port", "80", "--to", "127.0.0.1:80");
	CHECK_STR("spec: loopback refused everywhere", err,
		  "forward f: target_ip 127.0.0.1 is loopback (never accepted)");
	BUILD(&j, err, "forward", "put", "gw1", "f", "--port", "80", "--to", "10.0.0.1:0");
	CHECK_STR("spec: target port", err,
		  "forward f: target_port 0 is out of range (accepted: 1..65535)");
	BUILD(&j, err, "forward", "put", "gw1", "f", "--port", "8o", "--to", "10.0.0.1:80");
	CHECK_STR("spec: port not a number", err,
		  "forward f: --port \"8o\" is not a number (accepted: 1..65535)");
	BUILD(&j, err, "forward", "put", "gw1", "f", "--port", "80", "--to", "10.0.0.1");
	CHECK_STR("spec: --to without port", err,
		  "forward f: --to \"10.0.0.1\" is not IP:PORT (accepted: e.g. 10.50.0.12:8080; IP alone with a --port range)");
	BUILD(&j, err, "forward", "put", "gw1", "f", "--port", "80", "--to", "10.0.0.256:80");
	CHECK_STR("spec: bad IPv4", err, "forward f: target_ip \"10.0.0.256\" is not an IPv4 "
		  "address (accepted: dotted-quad IPv4)");
	BUILD(&j, err, "route", "put", "gw1", "r", "--host", "App.example.com", "--target",
	      "http://10.0.0.1");
	CHECK_STR("spec: upper-case host", err, "route r: hostname \"App.example.com\" must be "
		  "lower case (accepted: lower-case RFC 1123 host name)");
	BUILD(&j, err, "route", "put", "gw1", "r", "--host", "a.example.com", "--target",
	      "http://10.0.0.1:99999");
	CHECK("spec: URL port", strstr(err, "route r: target_url") && strstr(err, "99999"));
	BUILD(&j, err, "route", "put", "gw1", "r", "--host", "{{.x}}.example.com", "--target",
	      "http://10.0.0.1");
	CHECK_STR("spec: Traefik templates", err, "route r: hostname contains \"{{\" (Traefik "
		  "template delimiters are not accepted)");
	BUILD(&j, err, "route", "put", "gw1", "r", "--host", "a.example.com", "--target",
	      "http://10.0.0.1", "--entrypoint", "web secure");
	CHECK("spec: entrypoint name", strstr(err, "entrypoint \"web secure\" is not a valid name") != NULL);
	free(j);
	j = NULL;
	CHECK("spec: forward range, same ports", BUILD(&j, err, "forward", "put", "gw1", "f", "--port",
	      "20000-20999", "--to", "10.0.0.1") == 0);
	CHECK_STR("spec: range payload", j, "{\"public_port\":20000,\"public_port_end\":20999,"
		  "\"target_ip\":\"10.0.0.1\",\"proto\":\"tcp\"}");
	free(j);
	j = NULL;
	CHECK("spec: forward --with targets and compact nested limit", BUILD(&j, err, "forward", "put",
	      "gw1", "f", "--port", "7000", "--with", "{\"targets\":[{\"ip\":\"10.0.0.2\",\"port\":80},"
	      "{\"ip\":\"10.0.0.3\",\"port\":80}],\"limit\":{\"connections_per_source\":2}}") == 0);
	CHECK("spec: --with fields in the forward", j && strstr(j, "\"targets\":[") &&
	      strstr(j, "\"limit\":{\"connections_per_source\":2}}"));
	free(j);
	BUILD(&j, err, "forward", "put", "gw1", "f", "--port", "7000", "--with",
	      "{\"targets\":[{\"ip\":\"10.0.0.2\",\"port\":80,\"weight\":0}]}");
	CHECK_STR("spec: forward --with checked by the agent's rules", err,
		  "forward f: targets[0].weight 0 is out of range (accepted: 1..100)");
	free(j);
}

static void test_digest(void)
{
	char d[DIGEST_LEN];

	payload_digest("", 0, d);
	CHECK_STR("digest: sha256 of nothing", d, "e3b0c44298fc1c14");
	payload_digest("abc", 3, d);
	CHECK_STR("digest: sha256 of abc", d, "ba7816bf8f01cfea");
}

static void feed(struct watch *w, const char *topic, const char *payload, bool retained,
		 bool after)
{
	struct msg m = { (char *)topic, (char *)payload, strlen(payload), retained, after };

	watch_feed(w, &m);
}

static void watch_for(struct watch *w, const char *const *args, int n, const char *payload)
{
	struct ctl_args a;
	char err[256];
	char *argv[16] = { "edgectl" };

	for (int i = 0; i < n; i++)
		argv[i + 1] = (char *)args[i];
	cli_args_parse(&a, n + 1, argv, err, sizeof(err));
	watch_init(w, &a, "edge", payload, payload ? strlen(payload) : 0);
	cli_args_free(&a);
}

#define NODE_ON "{\"state\":\"online\",\"node\":\"gw1\",\"synced\":true,\"groups\":[\"fleet\"]}"
#define ST(state, src) "{\"state\":\"" state "\",\"source\":\"" src "\",\"updated_at\":\"x\"}"

static void test_watch(void)
{
	static const char *const put[] = { "forward", "put", "gw1", "f", "--port", "2000", "--to",
					   "10.0.0.1:22" };
	static const char *const gput[] = { "forward", "put", "fleet", "f", "--port", "2000",
					    "--to", "10.0.0.1:22", "--node", "gw1" };
	static const char *const rm[] = { "forward", "rm", "gw1", "f" };
	const char *p = "{\"public_port\":2000}";
	char st[256], d[DIGEST_LEN], why[256];
	struct watch w;
	char *topics[8];

	watch_for(&w, put, 8, p);
	CHECK("watch: node put subscribes 4 topics (bridges too)", watch_topics(&w, topics) == 4);
	CHECK_STR("watch: status topic", w.t_status, "edge/gw1/status/forwards/f");
	feed(&w, "edge/gw1/status", NODE_ON, true, false);
	feed(&w, "edge/gw1/status/forwards/f", ST("applied", "gw1"), true, false);
	CHECK("watch: an old status is no answer", watch_verdict(&w) == V_WAIT);
	feed(&w, "edge/gw1/forwards/f", p, false, true);
	CHECK("watch: our own publish echoed is no answer", watch_verdict(&w) == V_WAIT);
	feed(&w, "edge/gw1/status/forwards/f", ST("rejected", "gw1"), false, true);
	CHECK("watch: a live status answers", watch_verdict(&w) == V_REJECTED);
	watch_free(&w);

	watch_for(&w, put, 8, p);
	feed(&w, "edge/gw1/status/forwards/f", ST("applied", "gw1"), true, false);
	feed(&w, "edge/gw1/status", NODE_ON, false, true);
	CHECK("watch: without digests, a node status after publishing answers",
	      watch_verdict(&w) == V_APPLIED);
	watch_free(&w);

	watch_for(&w, put, 8, p);
	feed(&w, "edge/gw1/forwards/f", p, true, false);
	feed(&w, "edge/gw1/status/forwards/f", ST("applied", "gw1"), true, false);
	CHECK("watch: unchanged payload, its status answers", watch_verdict(&w) == V_APPLIED);
	watch_free(&w);

	/* with digests only the status of our payload counts */
	watch_for(&w, put, 8, p);
	payload_digest(p, strlen(p), d);
	feed(&w, "edge/gw1/status/forwards/f", "{\"state\":\"applied\",\"source\":\"gw1\","
	     "\"digest\":\"0123456789abcdef\"}", false, true);
	feed(&w, "edge/gw1/status", NODE_ON, false, true);
	CHECK("watch: another digest is no answer", watch_verdict(&w) == V_WAIT);
	snprintf(st, sizeof(st), "{\"state\":\"failed\",\"source\":\"gw1\",\"digest\":\"%s\","
		 "\"error\":\"boom\"}", d);
	feed(&w, "edge/gw1/status/forwards/f", st, true, false);
	CHECK("watch: our digest answers, even replayed", watch_verdict(&w) == V_FAILED);
	CHECK_STR("watch: error kept", w.st.error, "boom");
	watch_free(&w);

	watch_for(&w, gput, 10, p);
	CHECK("watch: group put also reads the node's own object", watch_topics(&w, topics) == 5);
	CHECK_STR("watch: own topic", w.t_own, "edge/gw1/forwards/f");
	feed(&w, "edge/gw1/forwards/f", "{}", true, false);
	feed(&w, "edge/gw1/status", NODE_ON, true, false);
	feed(&w, "edge/gw1/status/forwards/f", ST("applied", "gw1"), false, true);
	CHECK("watch: a status about another source is no answer", watch_verdict(&w) == V_WAIT);
	watch_why(&w, why, sizeof(why));
	CHECK_STR("watch: why", why, "gw1's own forward f takes precedence over fleet's");
	watch_free(&w);

	watch_for(&w, rm, 4, NULL);
	w.cmd = CMD_RM;
	feed(&w, "edge/gw1/status/forwards/f", ST("applied", "gw1"), true, false);
	CHECK("watch: rm waits while the status stays", watch_verdict(&w) == V_WAIT);
	feed(&w, "edge/gw1/status/forwards/f", "", false, true);
	CHECK("watch: rm answered by a cleared status", watch_verdict(&w) == V_REMOVED);
	feed(&w, "edge/gw1/status", "{\"state\":\"offline\",\"node\":\"gw1\"}", true, false);
	watch_why(&w, why, sizeof(why));
	CHECK_STR("watch: offline node", why, "node gw1 is offline; the deletion stays published "
		  "and applies when it is back");
	watch_free(&w);
}

static char *capture_table(const struct table *t)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);

	table_print(t, f);
	fclose(f);
	return buf;
}

static void test_table(void)
{
	static const char *const h[] = { "A", "BB", "C" };
	struct table t;
	char *out;

	table_init(&t, 3, h);
	table_add(&t, (const char *const[]){ "xyz", NULL, "last\x1b[2J" });
	out = capture_table(&t);
	CHECK_STR("table: padded, '-' for none, controls masked", out,
		  "A    BB  C\nxyz  -   last?[2J\n");
	free(out);
	table_free(&t);
}

static void add(struct msglist *l, const char *topic, const char *payload)
{
	msglist_add(l, topic, payload, strlen(payload), true, false);
}

static char *capture_ls(const struct ls_model *m)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);

	view_ls_print_table(m, f);
	fclose(f);
	return buf;
}

static void test_ls(void)
{
	struct msglist l = { 0 };
	struct ls_model m;
	json_object *j;
	char *out;

	add(&l, "edge/gw1/status", NODE_ON);
	add(&l, "edge/gw1/routes/web", "{\"hostname\":\"a.example.com\",\"target_url\":\"http://10.0.0.1:80\",\"certresolver\":\"le\"}");
	add(&l, "edge/gw1/status/routes/web", ST("applied", "gw1"));
	add(&l, "edge/gw1/forwards/ssh", "{\"public_port\":22,\"target_ip\":\"10.0.0.2\",\"target_port\":22}");
	add(&l, "edge/gw1/status/forwards/ssh", "{\"state\":\"rejected\",\"source\":\"gw1\",\"error\":\"forward ssh: public_port 22 is reserved\"}");
	add(&l, "edge/fleet/forwards/ssh", "{\"public_port\":2200,\"target_ip\":\"10.0.0.3\",\"target_port\":22}");
	add(&l, "edge/fleet/forwards/dns", "{\"public_port\":53,\"target_ip\":\"10.0.0.4\",\"target_port\":53,\"proto\":\"udp\"}");
	add(&l, "edge/fleet/routes/bad", "{\"hostname\":\"A\"}");
	add(&l, "edge/gw1/status/routes/old", ST("applied", "gone"));
	/* a later message on a topic replaces the earlier one; an empty one deletes */
	add(&l, "edge/gw1/routes/tmp", "{\"hostname\":\"t.example.com\",\"target_url\":\"http://10.0.0.9\"}");
	add(&l, "edge/gw1/routes/tmp", "");

	CHECK("ls: builds", view_ls_build(&m, "edge", "gw1", &l) == 0);
	CHECK("ls: rows", m.n == 6);
	out = capture_ls(&m);
	CHECK_STR("ls: table", out,
		  "node gw1: online, synced; groups fleet\n"
		  "KIND     ID   SOURCE  STATE     SPEC                                                   ERROR\n"
		  "route    bad  fleet   invalid   (invalid payload)                                      route bad: hostname \"A\" must be lower case (accepted: lower-case RFC 1123 host name)\n"
		  "route    old  gone    applied   (no desired object)                                    -\n"
		  "route    web  gw1     applied   a.example.com -> http://10.0.0.1:80 (certresolver le)  -\n"
		  "forward  dns  fleet   pending   udp/53 -> 10.0.0.4:53                                  -\n"
		  "forward  ssh  gw1     rejected  tcp/22 -> 10.0.0.2:22                                  forward ssh: public_port 22 is reserved\n"
		  "forward  ssh  fleet   shadowed  tcp/2200 -> 10.0.0.3:22                                gw1's forward ssh takes precedence\n");
	free(out);
	j = view_ls_json(&m);
	CHECK_STR("ls: json row", json_object_to_json_string_ext(json_object_array_get_idx(
		  json_object_object_get(j, "objects"), 5), JSON_C_TO_STRING_PLAIN),
		  "{\"kind\":\"forward\",\"id\":\"ssh\",\"source\":\"fleet\",\"state\":\"shadowed\","
		  "\"error\":\"gw1's forward ssh takes precedence\",\"desired\":{\"public_port\":2200,"
		  "\"target_ip\":\"10.0.0.3\",\"target_port\":22},\"status\":{\"state\":\"rejected\","
		  "\"source\":\"gw1\",\"error\":\"forward ssh: public_port 22 is reserved\"}}");
	json_object_put(j);
	view_ls_free(&m);
	msglist_free(&l);
}

static void test_status(void)
{
	struct msglist l = { 0 };
	struct status_model m;
	char *buf = NULL;
	size_t n = 0;
	FILE *f;
	json_object *j;

	add(&l, "edge/gw2/status", "{\"state\":\"offline\",\"node\":\"gw2\",\"version\":\"0.1.0\"}");
	add(&l, "edge/gw1/status", "{\"state\":\"online\",\"node\":\"gw1\",\"synced\":false,"
	    "\"updated_at\":\"2026-01-01T00:00:00Z\",\"routes\":{\"applied\":3,\"rejected\":1,"
	    "\"failed\":0},\"forwards\":{\"applied\":0,\"rejected\":0,\"failed\":2},"
	    "\"held\":{\"remove\":20,\"of\":30,\"token\":\"tok\"},\"errors\":[\"e1\"]}");
	add(&l, "edge/gw1-b/status", "not json");
	add(&l, "edge/gw3/status", "");
	add(&l, "edge/gw4/status", "{\"state\":\"online\",\"node\":\"gw4\",\"synced\":true,"
	    "\"broker\":\"mqtts://reg1.example:8883\",\"errors\":[]}");
	add(&l, "edge/gw5/status", "{\"state\":\"online\",\"node\":\"gw5\",\"synced\":true,"
	    "\"broker\":\"mqtt://reg2.example:1883\",\"errors\":[]}");
	add(&l, "edge/_bridges/reg1.example", "1");
	add(&l, "edge/_bridges/reg1.example", "0");
	add(&l, "edge/_bridges/reg2.example", "1");
	CHECK("status: builds", view_status_build(&m, "edge", &l) == 0 && m.n == 5);
	f = open_memstream(&buf, &n);
	view_status_print_table(&m, "edge", false, f);
	fclose(f);
	CHECK_STR("status: table, a node behind a bridge that is down is unreachable", buf,
		  "NODE   STATE        SYNCED  BROKER                     ROUTES(A/R/F)  FORWARDS(A/R/F)  ERRORS  UPDATED\n"
		  "gw1    online       held    -                          3/1/0          0/0/2            1       2026-01-01T00:00:00Z\n"
		  "gw1-b  invalid      -       -                          -              -                0       -\n"
		  "gw2    offline      -       -                          -              -                0       -\n"
		  "gw4    unreachable  yes     mqtts://reg1.example:8883  -              -                0       -\n"
		  "gw5    online       yes     mqtt://reg2.example:1883   -              -                0       -\n"
		  "5 node(s): 2 online, 1 unreachable, 2 offline or invalid; 1 synced; 1 with errors\n");
	free(buf);
	j = view_status_json(&m);
	CHECK_STR("status: json keeps the payload, adds the node",
		  json_object_to_json_string_ext(json_object_array_get_idx(
		  json_object_object_get(j, "nodes"), 1), JSON_C_TO_STRING_PLAIN),
		  "{\"state\":\"invalid\",\"node\":\"gw1-b\"}");
	CHECK_STR("status: json marks the unreachable node",
		  json_object_to_json_string_ext(json_object_object_get(json_object_array_get_idx(
		  json_object_object_get(j, "nodes"), 3), "unreachable"), JSON_C_TO_STRING_PLAIN), "true");
	CHECK_STR("status: json summary",
		  json_object_to_json_string_ext(json_object_object_get(j, "summary"), JSON_C_TO_STRING_PLAIN),
		  "{\"nodes\":5,\"online\":2,\"unreachable\":1,\"offline\":2,\"synced\":1,\"with_errors\":1}");
	json_object_put(j);
	view_status_free(&m);
	msglist_free(&l);
}

static void test_topics(void)
{
	char name[ID_LEN], id[ID_LEN];
	const char *rest;
	enum kind k;

	CHECK("topics: split", topic_split("edge/gw1/status/routes/a", "edge", name, &rest) &&
	      !strcmp(name, "gw1") && !strcmp(rest, "status/routes/a"));
	CHECK("topics: other prefix", !topic_split("edgex/gw1/status", "edge", name, &rest));
	CHECK("topics: bad name", !topic_split("edge/GW/status", "edge", name, &rest));
	CHECK("topics: object", topic_object("forwards/f-1", &k, id) && k == KIND_FORWARD &&
	      !strcmp(id, "f-1"));
	CHECK("topics: not an object", !topic_object("forwards/F", &k, id) &&
	      !topic_object("wireguard", &k, id));
}

static void ffeed(struct fleet *f, const char *topic, const char *payload)
{
	struct msg m = { (char *)topic, (char *)payload, strlen(payload), true, false };

	fleet_feed(f, &m);
}

static void test_fleet(void)
{
	char *put[] = { "edgectl", "forward", "put", "fleet", "f", "--port", "8080", "--to",
			"10.50.0.12:80", "--all" };
	const char *p = "{\"public_port\":8080}";
	char st[256], digest[DIGEST_LEN], err[256];
	struct ctl_args a;
	struct fleet f;
	struct fleet_tally t;

	CHECK("fleet: --all parses", cli_args_parse(&a, 10, put, err, sizeof(err)) == 0 && a.all);
	fleet_init(&f, &a, "edge", p, strlen(p));
	payload_digest(p, strlen(p), digest);
#define NODE(g, b) "{\"state\":\"online\",\"synced\":true,\"groups\":[\"" g "\"],\"broker\":\"" b "\"}"
	ffeed(&f, "edge/gw1/status", NODE("fleet", "mqtt://reg1:1883"));
	ffeed(&f, "edge/gw2/status", NODE("fleet", "mqtt://reg1:1883"));
	ffeed(&f, "edge/gw3/status", NODE("fleet", "mqtt://reg2:1883"));
	ffeed(&f, "edge/gw4/status", NODE("other", "mqtt://reg1:1883"));
	ffeed(&f, "edge/gw5/status", "{\"state\":\"offline\",\"groups\":[\"fleet\"]}");
	ffeed(&f, "edge/_bridges/reg2", "0");
	ffeed(&f, "edge/_bridges/reg1", "1");
	fleet_freeze(&f);
	fleet_tally(&f, &t);
	CHECK("fleet: members are the online nodes of the group; one is cut off",
	      t.members == 3 && t.cut == 1 && t.waiting == 2);
	ffeed(&f, "edge/gw9/status", NODE("fleet", "mqtt://reg1:1883"));
	fleet_tally(&f, &t);
	CHECK("fleet: a node appearing later is not awaited", t.members == 3);
	snprintf(st, sizeof(st), "{\"state\":\"applied\",\"source\":\"fleet\",\"digest\":\"%s\"}", digest);
	ffeed(&f, "edge/gw1/status/forwards/f", st);
	ffeed(&f, "edge/gw2/status/forwards/f", "{\"state\":\"applied\",\"source\":\"fleet\",\"digest\":\"0000000000000000\"}");
	fleet_tally(&f, &t);
	CHECK("fleet: a status about another payload is no answer", t.applied == 1 && t.waiting == 1);
	ffeed(&f, "edge/gw2/status/forwards/f", "{\"state\":\"applied\",\"source\":\"gw2\"}");
	fleet_tally(&f, &t);
	CHECK("fleet: the node's own object shadows the group's", t.shadowed == 1 && t.waiting == 0);
#undef NODE
	fleet_free(&f);
	cli_args_free(&a);
}

static void test_fleet_view(void)
{
	const char *p = "{\"public_port\":8080}";
	char st[256], digest[DIGEST_LEN], *buf = NULL;
	struct msglist l = { 0 };
	struct fleet_view v;
	size_t n = 0;
	FILE *f;

	payload_digest(p, strlen(p), digest);
	snprintf(st, sizeof(st), "{\"state\":\"applied\",\"source\":\"fleet\",\"digest\":\"%s\"}", digest);
	add(&l, "edge/fleet/forwards/web", p);
	add(&l, "edge/fleet/forwards/gone", "{\"deleted\":true}");
	add(&l, "edge/gw1/forwards/own", p);
	add(&l, "edge/gw1/status", "{\"state\":\"online\",\"groups\":[\"fleet\"],\"broker\":\"mqtt://r1:1883\"}");
	add(&l, "edge/gw2/status", "{\"state\":\"online\",\"groups\":[\"fleet\"],\"broker\":\"mqtt://r1:1883\"}");
	add(&l, "edge/gw3/status", "{\"state\":\"online\",\"groups\":[\"fleet\"],\"broker\":\"mqtt://r2:1883\"}");
	add(&l, "edge/gw4/status", "{\"state\":\"offline\",\"groups\":[\"fleet\"]}");
	add(&l, "edge/_bridges/r2", "0");
	add(&l, "edge/gw1/status/forwards/web", st);
	add(&l, "edge/gw2/status/forwards/web", "{\"state\":\"rejected\",\"source\":\"fleet\"}");
	CHECK("fleet view: builds", view_fleet_build(&v, "edge", &l) == 0 && v.n == 2);
	f = open_memstream(&buf, &n);
	view_fleet_print(&v, f);
	fclose(f);
	CHECK_STR("fleet view: table (tombstones are no objects; offline nodes are not counted)", buf,
		  "KIND     ID   SOURCE  NODES  APPLIED  REJECTED  FAILED  PENDING  UNREACHABLE\n"
		  "forward  web  fleet   3      1        1         0       0        1\n"
		  "forward  own  gw1     1      0        0         0       1        0\n");
	free(buf);
	view_fleet_free(&v);
	msglist_free(&l);
}

int main(void)
{
	test_fleet();
	test_fleet_view();
	test_args();
	test_spec();
	test_digest();
	test_watch();
	test_table();
	test_ls();
	test_status();
	test_topics();
	return CHECK_DONE();
}
