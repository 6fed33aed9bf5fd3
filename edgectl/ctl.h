/* edgectl: the operator's command line over the agent's topics. Shared declarations. */
#ifndef EDGECTL_CTL_H
#define EDGECTL_CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "model.h"

/* Exit codes: scripts test these. */
enum {
	EXIT_OK = 0,            /* applied, removed, listed */
	EXIT_ERROR = 1,         /* usage, broker unreachable or refusing */
	EXIT_REJECTED = 2,      /* refused locally (nothing published) or by the agent */
	EXIT_TIMEOUT = 3,       /* no answer from the node in --timeout */
};

enum ctl_cmd { CMD_NONE, CMD_PUT, CMD_RM, CMD_LS, CMD_STATUS, CMD_HELP, CMD_VERSION };

#define MQTT_ARGS_MAX 16
#define TIMEOUT_DEFAULT_MS 10000
#define TOMBSTONE_TTL_DEFAULT_S (30L * 86400)

struct ctl_args {
	enum ctl_cmd cmd;
	enum kind kind;
	char target[ID_LEN];        /* node or group the object is published under */
	char id[ID_LEN];
	char node[ID_LEN];          /* --node: the node to wait for; "" for none given */

	const char *host;           /* route put */
	const char *url;
	const char *entrypoint;
	const char *certresolver;
	bool no_certresolver;       /* "certresolver": null */
	const char *with;           /* --with: more route fields, a JSON object */

	const char *port;           /* forward put, as typed */
	const char *to;
	bool udp;

	bool json;
	bool no_wait;
	bool all;                   /* put/rm to a group: wait for every node following it */
	unsigned min_nodes;         /* ...or for at least this many (0: not asked) */
	bool empty_delete;          /* rm: the plain empty payload instead of a tombstone */
	long tombstone_ttl_s;       /* rm: MQTT 5 message expiry of the tombstone; 0: none */
	unsigned timeout_ms;

	/* The MQTT flags, rewritten "--flag=value" for the agent's config_load. */
	char *mqtt_argv[MQTT_ARGS_MAX];
	int mqtt_argc;
};

/* First 16 hex digits of the SHA-256 of buf: the object status "digest". */
#include "payload.h"         /* payload_digest, DIGEST_LEN */

#endif
