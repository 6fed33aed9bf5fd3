#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "payload.h"

#define ID_ACCEPTED "[a-z0-9][a-z0-9_-]{0,62}"

enum { F_PUT_ROUTE = 1, F_PUT_FWD = 2, F_RM = 4, F_LS = 8, F_STATUS = 16,
       F_PUT = F_PUT_ROUTE | F_PUT_FWD, F_WAIT = F_PUT | F_RM,
       F_ANY = F_PUT | F_RM | F_LS | F_STATUS };

enum flag_id { FL_HOST, FL_TARGET, FL_ENTRYPOINT, FL_CERTRESOLVER, FL_NO_CERTRESOLVER, FL_WITH,
	       FL_PORT, FL_TO, FL_UDP, FL_NODE, FL_TIMEOUT, FL_NO_WAIT, FL_JSON, FL_MQTT,
	       FL_TTL, FL_EMPTY, FL_ALL, FL_MIN };

struct flag_def {
	const char *name;
	enum flag_id id;
	bool value;
	unsigned where;
};

static const struct flag_def flags[] = {
	{ "host", FL_HOST, true, F_PUT_ROUTE },
	{ "target", FL_TARGET, true, F_PUT_ROUTE },
	{ "entrypoint", FL_ENTRYPOINT, true, F_PUT_ROUTE },
	{ "certresolver", FL_CERTRESOLVER, true, F_PUT_ROUTE },
	{ "no-certresolver", FL_NO_CERTRESOLVER, false, F_PUT_ROUTE },
	{ "with", FL_WITH, true, F_PUT },
	{ "port", FL_PORT, true, F_PUT_FWD },
	{ "to", FL_TO, true, F_PUT_FWD },
	{ "udp", FL_UDP, false, F_PUT_FWD },
	{ "node", FL_NODE, true, F_WAIT },
	{ "timeout", FL_TIMEOUT, true, F_WAIT },
	{ "no-wait", FL_NO_WAIT, false, F_WAIT },
	{ "tombstone-ttl", FL_TTL, true, F_RM },
	{ "all", FL_ALL, false, F_WAIT },
	{ "min", FL_MIN, true, F_WAIT },
	{ "empty", FL_EMPTY, false, F_RM },
	{ "json", FL_JSON, false, F_ANY },
	/* the agent's own names: config_load parses them */
	{ "mqtt-url", FL_MQTT, true, F_ANY },
	{ "mqtt-username", FL_MQTT, true, F_ANY },
	{ "mqtt-password", FL_MQTT, true, F_ANY },
	{ "mqtt-password-file", FL_MQTT, true, F_ANY },
	{ "mqtt-ca-file", FL_MQTT, true, F_ANY },
	{ "mqtt-protocol", FL_MQTT, true, F_ANY },
	{ "topic-prefix", FL_MQTT, true, F_ANY },
};

#define N_FLAGS (sizeof(flags) / sizeof(flags[0]))

void cli_usage(FILE *out)
{
	fprintf(out,
"usage: edgectl [flags] <command>\n"
"\n"
"  route put <node|group> <id> --host H --target URL [--entrypoint E]\n"
"            [--certresolver R | --no-certresolver] [--with JSON]\n"
"      --with JSON     more route fields as one JSON object, e.g.\n"
"                      '{\"path_prefix\":\"/api\",\"rate_limit\":{\"average\":50}}'; with\n"
"                      \"targets\" or \"tls\":\"passthrough\" --target is left out\n"
"  route rm <node|group> <id> [--tombstone-ttl S | --empty]\n"
"  forward put <node|group> <id> --port P[-E] --to IP[:PORT] [--udp] [--with JSON]\n"
"      --port P-E      a range of public ports; --to IP keeps the ports, IP:PORT shifts them\n"
"      --with JSON     more forward fields, e.g. '{\"allow_from\":[\"@office\"],\n"
"                      \"limit\":{\"connections_per_source\":20},\"preserve_source\":true}';\n"
"                      with \"targets\" --to is left out\n"
"  forward rm <node|group> <id> [--tombstone-ttl S | --empty]\n"
"      Publish (retained) or delete the object, then wait for the node's status.\n"
"      The node is <node|group> when it publishes a node status, else --node N;\n"
"      without either nothing is awaited. Values are checked before publishing with\n"
"      the agent's own rules, except the node's ALLOWED_TARGETS and RESERVED_PORTS.\n"
"      --node N        wait for node N (for a group object)\n"
"      --timeout S     seconds to wait [10]\n"
"      --no-wait       publish and exit\n"
"      --all           <group>: wait for every node that follows it (online ones;\n"
"                      nodes behind a bridge that is down are reported, not awaited)\n"
"      --min K         <group>: wait until K of its nodes have applied it\n"
"      rm publishes a retained tombstone {\"deleted\": true, ...}, so brokers that missed\n"
"      the deletion (bridge outage, lost session) still get it (topics/README.md):\n"
"      --tombstone-ttl S  its MQTT 5 message expiry, seconds (0: never) [2592000, 30 days]\n"
"      --empty         the plain empty-payload delete (agents before tombstones)\n"
"  ls <node>           the node's routes and forwards (its groups' too) with their status\n"
"  ls                  every object of the fleet: on how many nodes it is applied, rejected,\n"
"                      failed, pending or unreachable\n"
"  status [<node>]     nodes online/offline with object counts (all nodes by default)\n"
"\n"
"  --json              machine-readable output (every command)\n"
"  --help, --version\n"
"\n"
"Broker, as for edge-agent (flag or environment variable):\n"
"  --mqtt-url           MQTT_URL            brokers in order, comma-separated: mqtt[s]://host[:port],... [mqtt://127.0.0.1:1883]\n"
"  --mqtt-username      MQTT_USERNAME\n"
"  --mqtt-password      MQTT_PASSWORD\n"
"  --mqtt-password-file MQTT_PASSWORD_FILE\n"
"  --mqtt-ca-file       MQTT_CA_FILE        CA bundle for mqtts:// [system CAs]\n"
"  --mqtt-protocol      MQTT_PROTOCOL       auto, 5, 3.1.1 [auto]\n"
"  --topic-prefix       TOPIC_PREFIX        [edge]\n"
"\n"
"Exit status: 0 applied/removed/listed, 1 usage or broker error,\n"
"2 rejected (locally, nothing published; or by the node), 3 timeout.\n");
}

static const struct flag_def *flag_find(const char *name, size_t n)
{
	for (size_t i = 0; i < N_FLAGS; i++)
		if (strlen(flags[i].name) == n && !strncmp(flags[i].name, name, n))
			return &flags[i];
	return NULL;
}

static int usage_fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int usage_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return EXIT_ERROR;
}

static int parse_timeout(struct ctl_args *a, const char *v, char *err, size_t errlen)
{
	char *end;
	double s;

	errno = 0;
	s = strtod(v, &end);
	if (errno || end == v || *end || !(s > 0) || s > 3600)
		return usage_fail(err, errlen, "--timeout \"%s\" is invalid (accepted: seconds, "
				  "0 < S <= 3600)", v);
	a->timeout_ms = (unsigned)(s * 1000 + 0.999);
	return 0;
}

static int parse_min(struct ctl_args *a, const char *v, char *err, size_t errlen)
{
	char *end;
	unsigned long n;

	errno = 0;
	n = strtoul(v, &end, 10);
	if (errno || end == v || *end || *v == '-' || n < 1 || n > 100000)
		return usage_fail(err, errlen, "--min \"%s\" is invalid (accepted: 1..100000 nodes)", v);
	a->min_nodes = (unsigned)n;
	return 0;
}

static int parse_ttl(struct ctl_args *a, const char *v, char *err, size_t errlen)
{
	char *end;
	long s;

	errno = 0;
	s = strtol(v, &end, 10);
	if (errno || end == v || *end || s < 0 || s > 4294967295L)
		return usage_fail(err, errlen, "--tombstone-ttl \"%s\" is invalid (accepted: "
				  "seconds, 0 (no expiry) to 4294967295)", v);
	a->tombstone_ttl_s = s;
	return 0;
}

static int set_id(char *dst, const char *v, const char *what, char *err, size_t errlen)
{
	char q[96];

	if (!payload_id_valid(v, strlen(v))) {
		payload_quote(q, sizeof(q), v, strlen(v));
		snprintf(err, errlen, "%s %s does not match " ID_ACCEPTED, what, q);
		return EXIT_REJECTED;
	}
	snprintf(dst, ID_LEN, "%s", v);
	return 0;
}

static int set_flag(struct ctl_args *a, const struct flag_def *f, const char *v,
		    char *err, size_t errlen)
{
	switch (f->id) {
	case FL_HOST: a->host = v; break;
	case FL_TARGET: a->url = v; break;
	case FL_ENTRYPOINT: a->entrypoint = v; break;
	case FL_CERTRESOLVER: a->certresolver = v; break;
	case FL_NO_CERTRESOLVER: a->no_certresolver = true; break;
	case FL_WITH: a->with = v; break;
	case FL_PORT: a->port = v; break;
	case FL_TO: a->to = v; break;
	case FL_UDP: a->udp = true; break;
	case FL_NODE: return set_id(a->node, v, "--node", err, errlen);
	case FL_TIMEOUT: return parse_timeout(a, v, err, errlen);
	case FL_NO_WAIT: a->no_wait = true; break;
	case FL_JSON: a->json = true; break;
	case FL_EMPTY: a->empty_delete = true; break;
	case FL_ALL: a->all = true; break;
	case FL_MIN: return parse_min(a, v, err, errlen);
	case FL_TTL: return parse_ttl(a, v, err, errlen);
	case FL_MQTT:
		if (a->mqtt_argc == MQTT_ARGS_MAX - 1)
			return usage_fail(err, errlen, "too many broker flags");
		if (asprintf(&a->mqtt_argv[a->mqtt_argc], "--%s=%s", f->name, v) < 0) {
			a->mqtt_argv[a->mqtt_argc] = NULL;
			return usage_fail(err, errlen, "out of memory");
		}
		a->mqtt_argc++;
		break;
	}
	return 0;
}

/* The command word(s) decide which flags are allowed and how many names follow. */
static int parse_command(struct ctl_args *a, char **pos, int npos, unsigned *where,
			 char *err, size_t errlen)
{
	int ret;

	if (npos == 0)
		return usage_fail(err, errlen, "no command (see --help)");
	if (!strcmp(pos[0], "help")) {
		a->cmd = CMD_HELP;
		return 0;
	}
	if (!strcmp(pos[0], "version")) {
		a->cmd = CMD_VERSION;
		return 0;
	}
	if (!strcmp(pos[0], "ls")) {
		a->cmd = CMD_LS;
		*where = F_LS;
		if (npos > 2)
			return usage_fail(err, errlen, "usage: edgectl ls [<node>]");
		return npos == 2 ? set_id(a->target, pos[1], "node", err, errlen) : 0;
	}
	if (!strcmp(pos[0], "status")) {
		a->cmd = CMD_STATUS;
		*where = F_STATUS;
		if (npos > 2)
			return usage_fail(err, errlen, "usage: edgectl status [<node>]");
		return npos == 2 ? set_id(a->target, pos[1], "node", err, errlen) : 0;
	}
	if (!strcmp(pos[0], "route"))
		a->kind = KIND_ROUTE;
	else if (!strcmp(pos[0], "forward"))
		a->kind = KIND_FORWARD;
	else
		return usage_fail(err, errlen, "unknown command \"%s\" (see --help)", pos[0]);
	if (npos < 2 || (strcmp(pos[1], "put") && strcmp(pos[1], "rm")))
		return usage_fail(err, errlen, "usage: edgectl %s put|rm <node|group> <id> ...",
				  pos[0]);
	a->cmd = strcmp(pos[1], "put") ? CMD_RM : CMD_PUT;
	*where = a->cmd == CMD_RM ? F_RM : a->kind == KIND_ROUTE ? F_PUT_ROUTE : F_PUT_FWD;
	if (npos != 4) {
		snprintf(err, errlen, "usage: edgectl %s %s <node|group> <id>%s", pos[0], pos[1],
			 a->cmd == CMD_RM ? "" : a->kind == KIND_ROUTE ?
			 " --host H --target URL" : " --port P --to IP:PORT");
		return EXIT_ERROR;
	}
	ret = set_id(a->target, pos[2], "node or group", err, errlen);
	if (!ret)
		ret = set_id(a->id, pos[3], object_kind_name(a->kind), err, errlen);
	return ret;
}

static int check_required(const struct ctl_args *a, char *err, size_t errlen)
{
	if (a->cmd != CMD_PUT)
		return 0;
	if (a->kind == KIND_ROUTE && (!a->host || (!a->url && !a->with)))
		return usage_fail(err, errlen, "route put needs --host and --target (or --with)");
	if (a->kind == KIND_FORWARD && (!a->port || (!a->to && !a->with)))
		return usage_fail(err, errlen, "forward put needs --port and --to (or --with)");
	if (a->certresolver && a->no_certresolver)
		return usage_fail(err, errlen, "--certresolver and --no-certresolver exclude "
				  "each other");
	return 0;
}

int cli_args_parse(struct ctl_args *a, int argc, char **argv, char *err, size_t errlen)
{
	const struct flag_def *seen[64];
	const char *vals[64];
	char *pos[8];
	int npos = 0, nseen = 0, ret;
	unsigned where = 0;

	memset(a, 0, sizeof(*a));
	a->timeout_ms = TIMEOUT_DEFAULT_MS;
	a->tombstone_ttl_s = -1;
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i], *eq;
		const struct flag_def *f;

		if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
			a->cmd = CMD_HELP;
			return 0;
		}
		if (!strcmp(arg, "--version")) {
			a->cmd = CMD_VERSION;
			return 0;
		}
		if (strncmp(arg, "--", 2)) {
			if (npos == (int)(sizeof(pos) / sizeof(pos[0])))
				return usage_fail(err, errlen, "unexpected argument \"%s\"", arg);
			pos[npos++] = argv[i];
			continue;
		}
		eq = strchr(arg, '=');
		f = flag_find(arg + 2, eq ? (size_t)(eq - arg - 2) : strlen(arg + 2));
		if (!f)
			return usage_fail(err, errlen, "unknown flag \"%s\" (see --help)", arg);
		if (nseen == (int)(sizeof(seen) / sizeof(seen[0])))
			return usage_fail(err, errlen, "too many flags");
		if (!f->value && eq)
			return usage_fail(err, errlen, "flag \"%s\" takes no value", arg);
		if (f->value && !eq && i + 1 == argc)
			return usage_fail(err, errlen, "flag \"%s\" needs a value", arg);
		seen[nseen] = f;
		vals[nseen++] = !f->value ? NULL : eq ? eq + 1 : argv[++i];
	}
	ret = parse_command(a, pos, npos, &where, err, errlen);
	if (ret || a->cmd == CMD_HELP || a->cmd == CMD_VERSION)
		return ret;
	for (int i = 0; i < nseen; i++) {
		if (!(seen[i]->where & where))
			return usage_fail(err, errlen, "flag --%s does not apply to this command",
					  seen[i]->name);
		ret = set_flag(a, seen[i], vals[i], err, errlen);
		if (ret)
			return ret;
	}
	if ((a->all || a->min_nodes) && (a->node[0] || a->no_wait))
		return usage_fail(err, errlen, "--all and --min wait for the nodes of a group: "
				  "drop --node and --no-wait");
	if (a->all && a->min_nodes)
		return usage_fail(err, errlen, "--all and --min exclude each other");
	if (a->empty_delete && a->tombstone_ttl_s >= 0)
		return usage_fail(err, errlen, "--empty publishes no tombstone: drop --tombstone-ttl");
	if (a->tombstone_ttl_s < 0)
		a->tombstone_ttl_s = TOMBSTONE_TTL_DEFAULT_S;
	return check_required(a, err, errlen);
}

void cli_args_free(struct ctl_args *a)
{
	for (int i = 0; i < a->mqtt_argc; i++)
		free(a->mqtt_argv[i]);
	a->mqtt_argc = 0;
}
